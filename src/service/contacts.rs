//! Logging a contact: one transaction writes the contact, completes the tasks it fulfils,
//! reschedules the callback, updates the client, drops the draft and audits it.

use std::collections::BTreeMap;

use super::views::{DraftRow, Logged, TaskView};
use super::{Service, ServiceError};
use crate::domain::task::apply_contact;
use crate::domain::text::newlines;
use crate::domain::{
    AuditAction, Contact, ContactDraft, ContactId, Permission, Purpose, Staff, StaffNo, Task,
};
use crate::store::StoreError;

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
                return Err(ServiceError::invalid("推介产品", format!("新品推介 {id} 不存在")));
            }
        }
        // A colleague's client: their callback is theirs to keep (`effect_of_contact`), so a
        // date given without ticking 回访 would be silently ignored; say so instead.
        let own = client.maintainer.as_ref() == Some(&actor.no);
        if !own && draft.next_callback.is_some() && !draft.did(Purpose::Callback, None) {
            return Err(ServiceError::invalid(
                "下次回访",
                "这位客户不是你维护的，不勾选“回访”就不改动维护人的回访安排；请清空下次回访，或勾选回访",
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
        let drop_draft = self.store.draft(&actor.no)?.is_some_and(|d| d.client == contact.client);
        self.store.write(|tx| {
            tx.add_contact(&contact)?;
            for t in &changed {
                tx.save_task(t)?;
            }
            tx.save_client(&client, now.date())?;
            if drop_draft {
                tx.delete_draft(&actor.no)?;
            }
            tx.audit(&rec)
        })?;
        Ok(Logged { contact: contact.id, completed, next_callback: client.next_callback, logged_at: now })
    }

    /// One draft per staff member; the next save replaces it. Not audited. Refused (`Invalid`, naming the
    /// field) when its text breaks a contact's rules; see `ContactDraft::draft_problems`.
    pub fn save_draft(&self, actor: &Staff, mut draft: ContactDraft) -> Result<(), ServiceError> {
        draft.note = newlines(&draft.note).into_owned();
        let problems = draft.draft_problems();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        // Not audited: a draft is the user's own unsent text, saved every few seconds while
        // they type; the trail records what is sent (LogContact) or thrown away unsent
        // (`discard_draft`), once each.
        let _w = self.write_lock();
        self.store.write(|tx| tx.save_draft(&actor.no, &draft))?;
        Ok(())
    }

    /// The actor's kept draft. One that cannot be read is treated as none, so a damaged draft
    /// never keeps its owner out of the workbench; `check` and `drafts list` still show it, and
    /// the owner's next save replaces it.
    pub fn draft(&self, actor: &Staff) -> Result<Option<ContactDraft>, ServiceError> {
        match self.store.draft(&actor.no) {
            Err(StoreError::Corrupt { .. }) => Ok(None),
            other => Ok(other?),
        }
    }

    /// Drops the actor's own draft, readable or not.
    pub fn discard_draft(&self, actor: &Staff) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let target = match self.store.draft(&actor.no) {
            Ok(None) => return Ok(()),
            Ok(Some(old)) => old.client.to_string(),
            Err(StoreError::Corrupt { .. }) => String::new(),
            Err(e) => return Err(e.into()),
        };
        let detail = if target.is_empty() { "丢弃（草稿无法读取）" } else { "丢弃" };
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SaveDraft, &target, detail.into());
        self.store.write(|tx| {
            tx.delete_draft(&actor.no)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }

    pub fn all_drafts(&self, actor: &Staff) -> Result<Vec<DraftRow>, ServiceError> {
        self.require(actor, Permission::Admin, "查看所有员工的联系草稿")?;
        let names: BTreeMap<String, String> =
            self.store.all_staff()?.into_iter().map(|s| (s.no.to_string(), s.name)).collect();
        Ok(self
            .store
            .all_drafts()?
            .into_iter()
            .map(|(staff, draft)| {
                let staff_name = names.get(&staff).cloned();
                match draft {
                    Ok(d) => DraftRow {
                        staff,
                        staff_name,
                        client: Some(d.client),
                        note_chars: d.note.chars().count() as u64,
                        unreadable: None,
                    },
                    Err(e) => DraftRow {
                        staff,
                        staff_name,
                        client: None,
                        note_chars: 0,
                        unreadable: Some(e.to_string()),
                    },
                }
            })
            .collect())
    }

    /// An administrator removes someone else's draft: the way out when one cannot be read, or
    /// belongs to someone who has left. The audit record's target is the owner's 工号.
    pub fn discard_draft_of(&self, actor: &Staff, of: StaffNo) -> Result<bool, ServiceError> {
        self.require(actor, Permission::Admin, "丢弃其他员工的联系草稿")?;
        let _w = self.write_lock();
        let detail = match self.store.draft(&of) {
            Ok(None) => return Ok(false),
            Ok(Some(old)) => format!("管理员丢弃 {of} 的草稿（客户 {}）", old.client),
            Err(StoreError::Corrupt { .. }) => format!("管理员丢弃 {of} 的草稿（记录无法读取）"),
            Err(e) => return Err(e.into()),
        };
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SaveDraft, of.as_str(), detail);
        self.store.write(|tx| {
            tx.delete_draft(&of)?;
            tx.audit(&rec)
        })?;
        Ok(true)
    }
}
