//! Logging a contact: one transaction writes the contact, completes the tasks it fulfils,
//! reschedules the callback, updates the client, drops the draft and audits it.

use crate::domain::Field;
use std::collections::BTreeMap;

use super::views::{DraftRow, Logged, TaskView};
use super::{Service, ServiceError};
use crate::domain::task::apply_contact;
use crate::domain::text::newlines;
use crate::domain::{
    AuditAction, ClientNo, Contact, ContactDraft, ContactId, Permission, Purpose, Staff, StaffNo, Task,
};
use crate::store::{DraftEntry, StoreError};

impl Service {
    pub fn log_contact(&self, actor: &Staff, mut draft: ContactDraft) -> Result<Logged, ServiceError> {
        let now = self.local_now();
        draft.note = newlines(&draft.note).into_owned();
        let problems = draft.problems(now);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        // Held from the reads to the write, so the tasks this contact completes are still open.
        let _w = self.write_lock();
        let mut client = self.client_or_not_found(&draft.client)?;
        let launches = self.store.launches()?;
        for id in draft.launch.into_iter().chain(draft.also.iter().filter_map(|a| a.launch)) {
            if launches.iter().all(|l| l.id != id) {
                return Err(ServiceError::invalid(
                    Field::PitchedLaunch,
                    format!("新品推介 {id} 不存在"),
                    format!("there is no product launch {id}"),
                ));
            }
        }
        // A colleague's client: their callback is theirs to keep (`effect_of_contact`), so a
        // date given without ticking 回访 would be silently ignored; say so instead.
        let own = client.maintainer.as_ref() == Some(&actor.no);
        if !own && draft.next_callback.is_some() && !draft.did(Purpose::Callback, None) {
            return Err(ServiceError::invalid(
                Field::NextCallback,
                "这位客户不是你维护的，不勾选“回访”就不改动维护人的回访安排；请清空下次回访，或勾选回访",
                "this client is not yours: without ticking callback their maintainer's callback stays; clear the next callback or tick callback",
            ));
        }
        let rules = self.store.rules()?;
        let open: Vec<Task> = self.store.tasks_of(&client.no)?.into_iter().filter(Task::is_open).collect();
        let contact = Contact {
            id: ContactId(self.store.next_id()?),
            client: client.no.clone(),
            by: actor.no.clone(),
            at: draft.at.unwrap_or(now),
            channel: draft.channel,
            purpose: draft.purpose,
            launch: draft.launch,
            outcome: draft.outcome,
            note: draft.note.trim().to_string(),
            satisfaction: draft.satisfaction,
            next_callback: draft.next_callback,
            logged_at: now,
            also: draft.also.clone(),
        };
        let changed = apply_contact(&mut client, &open, &contact, &rules, self.store.next_id()?);
        let completed: Vec<TaskView> = changed
            .iter()
            .filter(|t| matches!(t.state, crate::domain::TaskState::Done { .. }))
            .map(|t| Self::task_view(t, &client, &launches, now.date()))
            .collect();
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::LogContact,
            client.no.as_str(),
            format!(
                "{} {} {}{}",
                contact.aims().iter().map(|a| a.purpose.to_string()).collect::<Vec<_>>().join("+"),
                contact.channel,
                contact.outcome,
                if completed.is_empty() {
                    String::new()
                } else {
                    format!(" 完成 {} 项任务", completed.len())
                }
            ),
        );
        self.store.write(|tx| {
            tx.add_contact(&contact)?;
            for t in &changed {
                tx.save_task(t)?;
            }
            tx.save_client(&client, now.date())?;
            // Only this client's draft goes (readable or not); drafts for others stay.
            tx.delete_draft(&actor.no, &contact.client)?;
            tx.audit(&rec)
        })?;
        Ok(Logged { contact: contact.id, completed, next_callback: client.next_callback, logged_at: now })
    }

    /// Keeps `draft` as the actor's draft for `draft.client`: one per staff member and client, the
    /// next save for that client replacing it, other clients' drafts untouched. `saved_at` is set
    /// to now. Not audited. Refused (`Invalid`, naming the field) when its text breaks a
    /// contact's rules; see `ContactDraft::draft_problems`.
    pub fn save_draft(&self, actor: &Staff, mut draft: ContactDraft) -> Result<(), ServiceError> {
        draft.note = newlines(&draft.note).into_owned();
        let problems = draft.draft_problems();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        draft.saved_at = Some(self.local_now());
        // Not audited: a draft is the user's own unsent text, saved every few seconds while
        // they type; the trail records what is sent (LogContact) or thrown away unsent
        // (`discard_draft`), once each.
        let _w = self.write_lock();
        self.store.write(|tx| tx.save_draft(&actor.no, &draft))?;
        Ok(())
    }

    /// The actor's kept draft for client `no`. One that cannot be read is treated as none, so a
    /// damaged draft never keeps its owner out of the form; `check` and `drafts list` still show
    /// it, and the owner's next save for that client replaces it.
    pub fn draft(&self, actor: &Staff, no: ClientNo) -> Result<Option<ContactDraft>, ServiceError> {
        match self.store.draft(&actor.no, &no) {
            Err(StoreError::Corrupt { .. }) => Ok(None),
            other => Ok(other?),
        }
    }

    /// Every readable draft the actor keeps, one per client, most recently kept first (drafts
    /// from before `saved_at` existed last, by client number). Unreadable ones are left out as
    /// in `draft`.
    pub fn drafts(&self, actor: &Staff) -> Result<Vec<ContactDraft>, ServiceError> {
        let mut out: Vec<ContactDraft> =
            self.store.drafts_of(&actor.no)?.into_iter().filter_map(|e| e.draft.ok()).collect();
        // Stable sort: equal times keep client-number order.
        out.sort_by_key(|d| std::cmp::Reverse(d.saved_at));
        Ok(out)
    }

    /// Drops the actor's own draft for client `no`, readable or not; one audit record. Nothing
    /// happens (and nothing is audited) when there is none.
    pub fn discard_draft(&self, actor: &Staff, no: ClientNo) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let detail = match self.store.draft(&actor.no, &no) {
            Ok(None) => return Ok(()),
            Ok(Some(_)) => "丢弃",
            Err(StoreError::Corrupt { .. }) => "丢弃（草稿无法读取）",
            Err(e) => return Err(e.into()),
        };
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SaveDraft, no.as_str(), detail.into());
        self.store.write(|tx| {
            tx.delete_draft(&actor.no, &no)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }

    /// Every staff member's drafts, readable or not, by 工号 then client; admin only.
    pub fn all_drafts(&self, actor: &Staff) -> Result<Vec<DraftRow>, ServiceError> {
        self.require(actor, Permission::Admin, "查看所有员工的联系草稿")?;
        let names: BTreeMap<String, String> =
            self.store.all_staff()?.into_iter().map(|s| (s.no.to_string(), s.name)).collect();
        Ok(self
            .store
            .all_drafts()?
            .into_iter()
            .map(|e| {
                let staff_name = names.get(&e.staff).cloned();
                match e.draft {
                    Ok(d) => DraftRow {
                        staff: e.staff,
                        staff_name,
                        client: Some(d.client),
                        note_chars: d.note.chars().count() as u64,
                        saved_at: d.saved_at,
                        unreadable: None,
                    },
                    Err(err) => DraftRow {
                        staff: e.staff,
                        staff_name,
                        client: ClientNo::parse(&e.client).ok(),
                        note_chars: 0,
                        saved_at: None,
                        unreadable: Some(err.to_string()),
                    },
                }
            })
            .collect())
    }

    /// An administrator removes someone else's drafts: the way out when one cannot be read, or
    /// belongs to someone who has left. `client` None removes all of `of`'s drafts, else only
    /// that client's. One audit record per draft removed, its target the owner's 工号 and its
    /// detail naming the client. Returns how many were removed (0: none kept).
    pub fn discard_draft_of(
        &self,
        actor: &Staff,
        of: StaffNo,
        client: Option<ClientNo>,
    ) -> Result<u32, ServiceError> {
        self.require(actor, Permission::Admin, "丢弃其他员工的联系草稿")?;
        let _w = self.write_lock();
        let entries: Vec<DraftEntry> = self
            .store
            .drafts_of(&of)?
            .into_iter()
            .filter(|e| client.as_ref().is_none_or(|c| e.client == c.as_str()))
            .collect();
        let recs: Vec<_> = entries
            .iter()
            .map(|e| {
                let detail = match (&e.draft, e.client.is_empty()) {
                    (Ok(d), _) => format!("管理员丢弃 {of} 的草稿（客户 {}）", d.client),
                    (Err(_), false) => format!("管理员丢弃 {of} 的草稿（客户 {}，记录无法读取）", e.client),
                    (Err(_), true) => format!("管理员丢弃 {of} 的草稿（记录无法读取）"),
                };
                self.audit_record(actor.no.as_str(), AuditAction::SaveDraft, of.as_str(), detail)
            })
            .collect();
        if entries.is_empty() {
            return Ok(0);
        }
        self.store.write(|tx| {
            for (e, rec) in entries.iter().zip(&recs) {
                tx.delete_draft_key(&e.key)?;
                tx.audit(rec)?;
            }
            Ok(())
        })?;
        Ok(entries.len() as u32)
    }
}
