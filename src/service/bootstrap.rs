//! Work done before anyone can log in: the first administrator of a new store, and the demo
//! branch.

use super::{Service, ServiceError};
use crate::demo::{DemoBranch, DemoSpec};
use crate::domain::{AuditAction, Permission, Scope, Staff, StaffNo};

use crate::store::DEMO_KEY;

impl Service {
    /// Adds the first administrator. Refused once the store has an active administrator: from
    /// then on staff are added by an administrator through `save_staff` or an import.
    pub fn bootstrap_admin(&self, admin: Staff) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        if self.store.all_staff()?.iter().any(|s| s.may(Permission::Admin)) {
            return Err(ServiceError::Denied("数据库已有管理员，请由管理员添加员工".into()));
        }
        // The first administrator keeps the whole branch: no one else can yet.
        let admin = Staff { permission: Permission::Admin, scope: Scope::Branch, active: true, ..admin };
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

    /// Fills an empty store with a generated demo branch, in one transaction.
    pub fn seed_demo(&self, clients: u32, seed: u64) -> Result<StaffNo, ServiceError> {
        let _w = self.write_lock();
        if !self.store.all_staff()?.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "{} 已有员工数据，不能在上面生成演示数据",
                self.store.path().display()
            )));
        }
        let spec = DemoSpec { clients, seed, today: self.local_date() };
        let spec = &spec;
        let mut id_error = None;
        let branch: DemoBranch = crate::demo::generate(spec, &mut || match self.store.next_id() {
            Ok(id) => id,
            Err(e) => {
                id_error.get_or_insert(e);
                0
            }
        });
        if let Some(e) = id_error {
            return Err(e.into());
        }
        let rec = self.audit_record(
            "system",
            AuditAction::SeedDemo,
            &branch.default_user.to_string(),
            format!(
                "员工 {}，客户 {}，联系记录 {}，投诉 {}",
                branch.staff.len(),
                branch.clients.len(),
                branch.contacts.len(),
                branch.complaints.len()
            ),
        );
        self.store.write(|tx| {
            tx.save_rules(&branch.rules)?;
            for s in &branch.staff {
                tx.save_staff(s)?;
            }
            for ((c, history), balances) in branch.clients.iter().zip(&branch.history).zip(&branch.balances) {
                tx.save_client_with_history(c, history, balances)?;
            }
            for s in &branch.snapshots {
                tx.save_snapshot(s)?;
            }
            tx.save_branch_totals(&branch.branch_totals)?;
            for l in &branch.launches {
                tx.save_launch(l)?;
            }
            for c in &branch.contacts {
                tx.add_contact(c)?;
            }
            for t in &branch.tasks {
                tx.save_task(t)?;
            }
            for c in &branch.complaints {
                tx.save_complaint(c)?;
            }
            tx.set_meta(DEMO_KEY, branch.default_user.as_str().as_bytes())?;
            tx.audit(&rec)
        })?;
        Ok(branch.default_user)
    }

    /// For a demo store, the staff member it opens as; `None` for a real branch's store.
    pub fn demo_user(&self) -> Result<Option<StaffNo>, ServiceError> {
        Ok(self.store.meta(DEMO_KEY)?.and_then(|v| StaffNo::parse(&String::from_utf8_lossy(&v)).ok()))
    }
}
