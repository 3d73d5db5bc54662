//! Edits a maintainer makes on a client: the marketing plan and the VIP sticker.

use crate::domain::{Field, Invalid, Problem};
use chrono::NaiveDate;

use super::{Service, ServiceError};
use crate::domain::client::parse_plan;
use crate::domain::{AuditAction, Client, ClientNo, Permission, Staff, StaffNo, Sticker};

/// The meta key of `staff`'s unsent plan text for `client`.
fn plan_draft_key(staff: &StaffNo, client: &ClientNo) -> Vec<u8> {
    format!("plan_draft/{}/{}", staff.as_str(), client.as_str()).into_bytes()
}

impl Service {
    /// Rewrites one client after `may` allowed it, auditing the edit. The client is read and
    /// checked under the writer lock, so a handover just made cannot let the former maintainer
    /// edit the new maintainer's client.
    fn edit_client(
        &self,
        actor: &Staff,
        no: &ClientNo,
        may: impl Fn(&Client) -> Result<(), ServiceError>,
        action: AuditAction,
        detail: String,
        edit: impl Fn(&mut Client),
    ) -> Result<Client, ServiceError> {
        let rec = self.audit_record(actor.no.as_str(), action, no.as_str(), detail);
        let today = self.local_date();
        let _w = self.write_lock();
        let mut c = self.client_or_not_found(no)?;
        may(&c)?;
        edit(&mut c);
        self.store.write(|tx| {
            tx.save_client(&c, today)?;
            tx.audit(&rec)
        })?;
        Ok(c)
    }

    /// Only the maintainer writes the plan: it is their commitment for the client.
    pub fn set_plan(&self, actor: &Staff, no: ClientNo, plan: String) -> Result<(), ServiceError> {
        let plan = parse_plan(&plan)?;
        let detail = format!("{} 字", plan.chars().count());
        let may = |c: &Client| {
            if c.maintainer.as_ref() == Some(&actor.no) {
                Ok(())
            } else {
                Err(ServiceError::Denied(format!("只有维护人可以修改客户 {} 的营销预案", c.no)))
            }
        };
        self.edit_client(actor, &no, may, AuditAction::EditPlan, detail, |c| c.plan = plan.clone())?;
        // Saved: the unsent copy has served its purpose.
        let key = plan_draft_key(&actor.no, &no);
        if self.store.meta(&key)?.is_some() {
            let _w = self.write_lock();
            self.store.write(|tx| tx.remove_meta(&key))?;
        }
        Ok(())
    }

    /// Keeps the plan text being edited for `no`, so a dropped connection does not lose it.
    /// One per staff member and client, replaced by the next; not audited (the user's own
    /// unsent text); dropped when the plan is saved or the draft discarded. Refused like the
    /// plan itself (too long, control characters), naming 营销预案.
    pub fn save_plan_draft(&self, actor: &Staff, no: ClientNo, text: String) -> Result<(), ServiceError> {
        let text = parse_plan(&text)?;
        self.client_or_not_found(&no)?;
        let _w = self.write_lock();
        self.store.write(|tx| tx.set_meta(&plan_draft_key(&actor.no, &no), text.as_bytes()))?;
        Ok(())
    }

    /// The actor's unsent plan text for `no`, if one was kept.
    pub fn plan_draft(&self, actor: &Staff, no: ClientNo) -> Result<Option<String>, ServiceError> {
        Ok(self
            .store
            .meta(&plan_draft_key(&actor.no, &no))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Throws the actor's unsent plan text for `no` away; audited once.
    pub fn discard_plan_draft(&self, actor: &Staff, no: ClientNo) -> Result<(), ServiceError> {
        let key = plan_draft_key(&actor.no, &no);
        if self.store.meta(&key)?.is_none() {
            return Ok(());
        }
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::EditPlan,
            no.as_str(),
            "丢弃未保存的草稿".into(),
        );
        let _w = self.write_lock();
        self.store.write(|tx| {
            tx.remove_meta(&key)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }

    /// Marks the VIP label as put on, on `on` (a past day may be given; None keeps the date a
    /// mark taken back still remembers, else today), or takes the mark back (`done` false),
    /// keeping its date so putting it back restores it and an undo loses nothing.
    /// Maintainer or manager. Refused (`Invalid`, 贴标日期) for a day after today.
    pub fn set_sticker(
        &self,
        actor: &Staff,
        no: ClientNo,
        done: bool,
        on: Option<NaiveDate>,
    ) -> Result<Sticker, ServiceError> {
        let today = self.local_date();
        if on.is_some_and(|d| d > today) {
            return Err(Invalid::new(Field::StickerDate, Problem::StickerAfterToday).into());
        }
        let kept = self.client_or_not_found(&no)?.sticker.on;
        let sticker = if done {
            Sticker { done: true, on: on.or(kept).or(Some(today)) }
        } else {
            Sticker { done: false, on: on.or(kept) }
        };
        self.put_sticker(actor, no, sticker)
    }

    /// Puts the sticker back exactly as `was` (the client card's undo): unlike `set_sticker`, a
    /// `was.on` of None forgets the stored date instead of keeping it, so undoing the first
    /// sticker of a client leaves no date behind to be offered next time. Audited as 贴标.
    /// Maintainer or manager. Refused (`Invalid`, 贴标日期) for a day after today.
    pub fn restore_sticker(
        &self,
        actor: &Staff,
        no: ClientNo,
        was: Sticker,
    ) -> Result<Sticker, ServiceError> {
        self.put_sticker(actor, no, was)
    }

    /// Stores `sticker` as the client's, after the date and permission checks both callers share.
    fn put_sticker(&self, actor: &Staff, no: ClientNo, sticker: Sticker) -> Result<Sticker, ServiceError> {
        let today = self.local_date();
        if sticker.on.is_some_and(|d| d > today) {
            return Err(Invalid::new(Field::StickerDate, Problem::StickerAfterToday).into());
        }
        let done = sticker.done;
        let detail = match (done, sticker.on) {
            (true, Some(d)) => format!("已贴标 {d}"),
            (true, None) => "已贴标".into(),
            (false, Some(d)) => format!("取消贴标（保留原贴标日期 {d}）"),
            (false, None) => "取消贴标".into(),
        };
        let may = |c: &Client| {
            if c.maintainer.as_ref() == Some(&actor.no) {
                Ok(())
            } else {
                self.require(actor, Permission::Manager, "为他人维护的客户登记贴标")
            }
        };
        Ok(self
            .edit_client(actor, &no, may, AuditAction::SetSticker, detail, |c| c.sticker = sticker)?
            .sticker)
    }
}
