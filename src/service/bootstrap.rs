//! Work done before anyone can log in: making the first administrator of a new store.

use super::{Service, ServiceError};
use crate::domain::{AuditAction, Permission, Staff};

impl Service {
    /// Adds the first administrator. Refused once the store has an active administrator: from
    /// then on staff are added by an administrator through `save_staff` or an import.
    pub fn bootstrap_admin(&self, admin: Staff) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        if self.store.all_staff()?.iter().any(|s| s.may(Permission::Admin)) {
            return Err(ServiceError::Denied("数据库已有管理员，请由管理员添加员工".into()));
        }
        let admin = Staff { permission: Permission::Admin, active: true, ..admin };
        let rec = self.audit_record(
            "system",
            AuditAction::SaveStaff,
            admin.no.as_str(),
            format!("初始化管理员 {}", admin.name),
        );
        self.store.write(|tx| {
            tx.save_staff(&admin)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }
}
