//! Logging a contact: one transaction writes the contact, completes the tasks it fulfils,
//! reschedules the callback, updates the client, drops the draft and audits it.

use super::views::{Logged, TaskView};
use super::{Service, ServiceError};
use crate::domain::task::apply_contact;
use crate::domain::{AuditAction, Contact, ContactDraft, ContactId, Staff, Task};

impl Service {
    pub fn log_contact(&self, actor: &Staff, draft: ContactDraft) -> Result<Logged, ServiceError> {
        let now = self.local_now();
        let problems = draft.problems(now);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        // Held from the reads to the write, so the tasks this contact completes are still open.
        let _w = self.write_lock();
        let mut client = self.client_or_not_found(&draft.client)?;
        let launches = self.store.launches()?;
        if let Some(id) = draft.launch
            && launches.iter().all(|l| l.id != id)
        {
            return Err(ServiceError::invalid("推介产品", format!("新品推介 {id} 不存在")));
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
            format!("{} {} {}", contact.purpose, contact.channel, contact.outcome),
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

    /// One draft per staff member; the next save replaces it. Refused (`Invalid`, naming the
    /// field) when its text breaks a contact's rules; see `ContactDraft::draft_problems`.
    pub fn save_draft(&self, actor: &Staff, draft: ContactDraft) -> Result<(), ServiceError> {
        let problems = draft.draft_problems();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::SaveDraft,
            draft.client.as_str(),
            "保存".into(),
        );
        let _w = self.write_lock();
        self.store.write(|tx| {
            tx.save_draft(&actor.no, &draft)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }

    pub fn draft(&self, actor: &Staff) -> Result<Option<ContactDraft>, ServiceError> {
        Ok(self.store.draft(&actor.no)?)
    }

    pub fn discard_draft(&self, actor: &Staff) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let Some(old) = self.store.draft(&actor.no)? else { return Ok(()) };
        let rec =
            self.audit_record(actor.no.as_str(), AuditAction::SaveDraft, old.client.as_str(), "丢弃".into());
        self.store.write(|tx| {
            tx.delete_draft(&actor.no)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }
}
