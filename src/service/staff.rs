//! The staff directory, kept by administrators.

use super::{Service, ServiceError};
use crate::domain::staff::parse_person_name;
use crate::domain::{AuditAction, Field, Invalid, Permission, Staff};

impl Service {
    pub fn save_staff(&self, actor: &Staff, staff: Staff) -> Result<(), ServiceError> {
        self.require(actor, Permission::Admin, "维护员工名录")?;
        parse_person_name(Field::Name, &staff.name)?;
        let _w = self.write_lock();
        let old = self.store.staff(&staff.no)?;
        let problems = self.staff_change_problems(actor, old.as_ref(), &staff);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
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

    /// What is wrong with `actor` changing `old` into `new`, by the directory's rules, whether
    /// one person is saved or a whole staff list imported: an administrator cannot lock
    /// themselves out, and no one is stopped while clients are still on their roster or an open
    /// complaint step is still theirs.
    pub(super) fn staff_change_problems(
        &self,
        actor: &Staff,
        old: Option<&Staff>,
        new: &Staff,
    ) -> Vec<Invalid> {
        let mut out = Vec::new();
        if new.no == actor.no && (!new.active || new.permission < Permission::Admin) {
            out.push(Invalid::said(
                Field::Permission,
                "不能取消自己的管理员权限或停用自己，请由另一位管理员操作",
                "you cannot drop your own admin permission or disable yourself; ask another admin",
            ));
        }
        if new.no == actor.no && new.login != actor.login {
            out.push(Invalid::said(
                Field::Login,
                "不能修改自己的登录名（会把自己锁在外面），请由另一位管理员操作",
                "you cannot change your own login (it would lock you out); ask another admin",
            ));
        }
        if !new.active && old.is_some_and(|o| o.active) {
            let n = self.store.roster_size(&new.no);
            if n > 0 {
                out.push(Invalid::said(
                    Field::Active,
                    format!("{} 名下还有 {n} 位客户，请先移交再停用", new.name),
                    format!("{} still has {n} clients; hand them over before disabling", new.name),
                ));
            }
            // An open complaint step of someone stopped would be on nobody's Today until it is
            // overdue (QA of #18, F1): it is given to someone else first, like clients.
            let steps: Vec<String> = match self.store.open_complaints_of(&new.no) {
                Ok(list) => list.iter().map(|c| c.id.to_string()).collect(),
                Err(e) => {
                    out.push(Invalid::said(
                        Field::Active,
                        format!("无法读取 {} 负责的投诉（{e}），暂不能停用", new.name),
                        format!("cannot read the complaints {} owns ({e}); not disabled", new.name),
                    ));
                    Vec::new()
                }
            };
            if !steps.is_empty() {
                out.push(Invalid::said(
                    Field::Active,
                    format!(
                        "{} 还负责 {} 件投诉的当前环节（{}），请网点负责人先改派（投诉详情里按 R）再停用",
                        new.name,
                        steps.len(),
                        steps.join("、")
                    ),
                    format!(
                        "{} still owns the open step of {} complaint(s) ({}); have them reassigned (R on the complaint) before disabling",
                        new.name,
                        steps.len(),
                        steps.join(", ")
                    ),
                ));
            }
        }
        out
    }
}
