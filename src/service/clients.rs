//! Edits a maintainer makes on a client: the marketing plan and the VIP sticker.

use super::{Service, ServiceError};
use crate::domain::client::parse_plan;
use crate::domain::{AuditAction, Client, ClientNo, Permission, Staff, Sticker};
use crate::store::{StoreError, abort};

impl Service {
    /// Rewrites one client inside a transaction after `edit`, auditing it; the client is
    /// re-read inside the transaction so a concurrent change is not overwritten with a stale copy.
    fn edit_client(
        &self,
        actor: &Staff,
        no: &ClientNo,
        action: AuditAction,
        detail: String,
        edit: impl Fn(&mut Client),
    ) -> Result<Client, ServiceError> {
        let rec = self.audit_record(actor.no.as_str(), action, no.as_str(), detail);
        let today = self.local_date();
        let _w = self.write_lock();
        Ok(self.store.write(|tx| {
            let Some(mut c) = tx.client(no)? else {
                return abort(StoreError::Conflict(format!("找不到客户 {no}")));
            };
            edit(&mut c);
            tx.save_client(&c, today)?;
            tx.audit(&rec)?;
            Ok(c)
        })?)
    }

    /// Only the maintainer writes the plan: it is their commitment for the client.
    pub fn set_plan(&self, actor: &Staff, no: ClientNo, plan: String) -> Result<(), ServiceError> {
        let c = self.client_or_not_found(&no)?;
        if c.maintainer.as_ref() != Some(&actor.no) {
            return Err(ServiceError::Denied(format!("只有维护人可以修改客户 {no} 的营销预案")));
        }
        let plan = parse_plan(&plan)?;
        let detail = format!("{} 字", plan.chars().count());
        self.edit_client(actor, &no, AuditAction::EditPlan, detail, |c| c.plan = plan.clone())?;
        Ok(())
    }

    /// Marks the VIP label as put on (today) or takes the mark back; maintainer or manager.
    pub fn set_sticker(&self, actor: &Staff, no: ClientNo, done: bool) -> Result<Sticker, ServiceError> {
        let c = self.client_or_not_found(&no)?;
        if c.maintainer.as_ref() != Some(&actor.no) {
            self.require(actor, Permission::Manager, "为他人维护的客户登记贴标")?;
        }
        let today = self.local_date();
        let sticker = if done { Sticker { done: true, on: Some(today) } } else { Sticker::default() };
        let detail = if done { format!("已贴标 {today}") } else { "取消贴标".into() };
        Ok(self.edit_client(actor, &no, AuditAction::SetSticker, detail, |c| c.sticker = sticker)?.sticker)
    }
}
