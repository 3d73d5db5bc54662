//! The staff directory, kept by administrators.

use super::{Service, ServiceError};
use crate::domain::staff::parse_person_name;
use crate::domain::{AuditAction, Permission, Staff};

impl Service {
    pub fn save_staff(&self, actor: &Staff, staff: Staff) -> Result<(), ServiceError> {
        self.require(actor, Permission::Admin, "维护员工名录")?;
        parse_person_name("姓名", &staff.name)?;
        if staff.no == actor.no && (!staff.active || staff.permission < Permission::Admin) {
            return Err(ServiceError::invalid("权限", "不能取消自己的管理员权限，请由另一位管理员操作"));
        }
        if staff.no == actor.no && staff.login != actor.login {
            return Err(ServiceError::invalid("登录名", "不能修改自己的登录名，请由另一位管理员操作"));
        }
        let _w = self.write_lock();
        let old = self.store.staff(&staff.no)?;
        if !staff.active && old.as_ref().is_some_and(|o| o.active) {
            let n = self.store.roster_size(&staff.no);
            if n > 0 {
                return Err(ServiceError::invalid(
                    "在职",
                    format!("{} 名下还有 {n} 位客户，请先移交再停用", staff.name),
                ));
            }
        }
        let detail = match &old {
            None => format!("新增 {} {} {}", staff.name, staff.role, staff.permission.label()),
            Some(o) => format!(
                "修改 {}：{} {} → {} {}",
                staff.name,
                o.role,
                o.permission.label(),
                staff.role,
                staff.permission.label()
            ),
        };
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SaveStaff, staff.no.as_str(), detail);
        self.store.write(|tx| {
            tx.save_staff(&staff)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }
}
