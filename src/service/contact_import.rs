//! Contacts recorded elsewhere (an outbound call list, a paper log typed into Excel) brought in
//! through the same rules as a contact logged on screen: the same checks, the same tasks
//! completed and callbacks moved, one audit record per contact, and all or nothing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::imports::{ClientNumbers, Directory};
use super::imports::{SOURCE_FIELD, SOURCE_MAX_CHARS};
use super::views::{ImportOutcome, RowProblem};
use super::{Service, ServiceError};
use crate::domain::contact::{Channel, Outcome, Purpose};
use crate::domain::task::apply_contact;
use crate::domain::{
    Aim, AuditAction, Client, ClientNo, Contact, ContactDraft, ContactId, Permission, Staff, StaffNo, Task,
};
use crate::store::BULK_BATCH_ROWS;

/// A row of a contact log. `None` is an empty cell; the service says which are required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub line: u64,
    pub client: Option<ClientNo>,
    /// When it took place, branch local time.
    pub at: Option<NaiveDateTime>,
    /// The day, from a log that keeps the date and the time in two columns.
    pub day: Option<NaiveDate>,
    /// The time of day from such a log.
    pub time_of_day: Option<NaiveTime>,
    /// 工号 of whoever made the contact.
    pub by: Option<StaffNo>,
    pub channel: Option<Channel>,
    pub purpose: Option<Purpose>,
    /// Further purposes of the same contact (`回访、新品推介` in one cell), each completing its
    /// task; a 新品推介 among them takes the launch named in 推介产品.
    #[serde(default)]
    pub also: Vec<Purpose>,
    /// The launch's name, for a 新品推介.
    pub launch: Option<String>,
    pub outcome: Option<Outcome>,
    /// 1–5.
    pub satisfaction: Option<u8>,
    pub next_callback: Option<NaiveDate>,
    pub note: Option<String>,
}

/// A contact ready to apply, with the row it came from.
struct Planned {
    line: u64,
    contact: Contact,
}

impl Service {
    /// Imports a contact log, all or nothing. Each contact is checked like one logged on screen
    /// (no future time, at most `BACKDATE_MAX_DAYS` old, note length, satisfaction 1–5, a
    /// 新品推介 names a running launch) and then applied in time order per client, completing
    /// the tasks it completes. A contact already in the store (same client, time, staff member
    /// and purpose) is left as it is and counted unchanged, so a log imported twice is not
    /// doubled.
    pub fn import_contacts(
        &self,
        actor: &Staff,
        rows: Vec<ContactRecord>,
        source: String,
        dry_run: bool,
    ) -> Result<ImportOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "导入联系记录")?;
        crate::domain::text::check_line(SOURCE_FIELD, &source, SOURCE_MAX_CHARS, false)?;
        let now = self.local_now();
        let _w = self.write_lock();
        let directory = Directory::load(&self.store)?;
        let mut numbers = ClientNumbers::default();
        let launches = self.store.launches()?;
        let rules = self.store.rules()?;
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let mut outcome = ImportOutcome::default();
        let mut by_client: BTreeMap<ClientNo, Vec<Planned>> = BTreeMap::new();
        let mut seen: BTreeMap<(ClientNo, NaiveDateTime, StaffNo, Purpose), u64> = BTreeMap::new();
        let mut clients: BTreeMap<ClientNo, Option<Client>> = BTreeMap::new();
        let mut stored_keys: BTreeMap<ClientNo, BTreeSet<(NaiveDateTime, StaffNo, Purpose)>> =
            BTreeMap::new();
        for r in &rows {
            let before = problems.len();
            let mut need = |v: bool, column: &str| {
                if !v {
                    problems.push(RowProblem::new(r.line, column, "不能为空"));
                }
            };
            need(r.client.is_some(), "客户号");
            let when = r.at.or_else(|| Some(r.day?.and_time(r.time_of_day?)));
            need(when.is_some() || r.day.is_some(), "联系时间");
            need(r.by.is_some(), "员工工号");
            need(r.channel.is_some(), "联系方式");
            need(r.purpose.is_some(), "联系目的");
            need(r.outcome.is_some(), "联系结果");
            if when.is_none() && r.day.is_some() {
                problems.push(RowProblem::new(
                    r.line,
                    "联系时间",
                    "只有日期，没有时刻；请写上联系的时刻（如 14:30），不知道准确时刻时写大约的时刻",
                ));
            }
            let (Some(file_client), Some(at), Some(file_by), Some(channel), Some(purpose), Some(result)) =
                (&r.client, when, &r.by, r.channel, r.purpose, r.outcome)
            else {
                continue;
            };
            let no = match numbers.resolve(&self.store, file_client)? {
                Ok((no, Some(_), note)) => {
                    notes.extend(note.map(|n| RowProblem::new(r.line, "客户号", n)));
                    no
                }
                Ok((_, None, _)) => {
                    problems.push(RowProblem::new(
                        r.line,
                        "客户号",
                        format!("{file_client} 不在客户名单中，请先导入客户"),
                    ));
                    continue;
                }
                Err(reason) => {
                    problems.push(RowProblem::new(r.line, "客户号", reason));
                    continue;
                }
            };
            if !clients.contains_key(&no) {
                clients.insert(no.clone(), self.store.client(&no)?);
            }
            let Some(Some(client)) = clients.get(&no).cloned() else { continue };
            let by = match directory.resolve(file_by) {
                Ok((s, note)) => {
                    notes.extend(note.map(|n| RowProblem::new(r.line, "员工工号", n)));
                    s.no
                }
                Err(reason) => {
                    problems.push(RowProblem::new(r.line, "员工工号", reason));
                    continue;
                }
            };
            let launch = match &r.launch {
                Some(name) => match launches.iter().find(|l| l.name.trim() == name.trim()) {
                    Some(l) => Some(l.id),
                    None => {
                        let names: Vec<&str> = launches.iter().map(|l| l.name.as_str()).collect();
                        let known = if names.is_empty() {
                            "尚无新品推介".to_string()
                        } else {
                            names.join("、")
                        };
                        problems.push(RowProblem::new(
                            r.line,
                            "推介产品",
                            format!("没有名为“{name}”的新品推介（现有：{known}）"),
                        ));
                        continue;
                    }
                },
                None => None,
            };
            // Exports write the time to the minute: a contact stored at 10:30:17 is the one a
            // file says was at 10:30.
            let minute = |t: NaiveDateTime| t.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(t);
            if !stored_keys.contains_key(&client.no) {
                let keys = self
                    .store
                    .contacts_of(&client.no, usize::MAX)?
                    .into_iter()
                    .map(|c| (minute(c.at), c.by, c.purpose))
                    .collect();
                stored_keys.insert(client.no.clone(), keys);
            }
            if stored_keys.get(&client.no).is_some_and(|k| k.contains(&(minute(at), by.clone(), purpose))) {
                notes.push(RowProblem::new(r.line, "", "已有这次联系的记录，跳过"));
                outcome.unchanged += 1;
                continue;
            }
            let key = (client.no.clone(), minute(at), by.clone(), purpose);
            if let Some(first) = seen.insert(key, r.line) {
                problems.push(RowProblem::new(
                    r.line,
                    "联系时间",
                    format!("与第 {first} 行是同一次联系（客户、时间、员工、目的都相同）"),
                ));
                continue;
            }
            // The product belongs to the 新品推介, main purpose or not; with no 新品推介 at all it
            // stays on the main purpose so the draft's rule names the mistake.
            let pitch_also = r.also.contains(&Purpose::ProductPitch);
            let also: Vec<Aim> = r
                .also
                .iter()
                .map(|p| Aim { purpose: *p, launch: launch.filter(|_| *p == Purpose::ProductPitch) })
                .collect();
            let launch = launch.filter(|_| purpose == Purpose::ProductPitch || !pitch_also);
            let draft = ContactDraft {
                client: client.no.clone(),
                at: Some(at),
                channel,
                purpose,
                launch,
                outcome: result,
                note: r
                    .note
                    .as_deref()
                    .map(|n| crate::domain::text::newlines(n).into_owned())
                    .unwrap_or_default(),
                satisfaction: r.satisfaction,
                next_callback: r.next_callback,
                also: also.clone(),
                saved_at: None,
            };
            for p in draft.problems(now) {
                problems.push(RowProblem::new(r.line, p.field.zh(), p.problem.to_string()));
            }
            if problems.len() > before {
                continue;
            }
            let contact = Contact {
                id: ContactId(0),
                client: client.no.clone(),
                by,
                at,
                channel,
                purpose,
                launch,
                outcome: result,
                note: draft.note.trim().to_string(),
                satisfaction: r.satisfaction,
                next_callback: r.next_callback,
                logged_at: now,
                also,
            };
            by_client.entry(client.no.clone()).or_default().push(Planned { line: r.line, contact });
            outcome.added += 1;
        }
        if dry_run || !problems.is_empty() {
            problems.sort();
            outcome.problems = problems;
            outcome.notes = notes;
            return Ok(outcome);
        }
        // Each client's contacts in the order they happened, each seeing the tasks the one
        // before left open, exactly as if they had been logged one by one.
        let mut contacts = Vec::new();
        let mut tasks: Vec<Task> = Vec::new();
        let mut changed_clients = Vec::new();
        let mut records = Vec::new();
        for (no, mut planned) in by_client {
            planned.sort_by_key(|p| p.contact.at);
            let Some(Some(mut client)) = clients.remove(&no) else { continue };
            let mut open: Vec<Task> = self.store.tasks_of(&no)?.into_iter().filter(Task::is_open).collect();
            for p in planned {
                let mut contact = p.contact;
                contact.id = ContactId(self.store.next_id()?);
                let changed = apply_contact(&mut client, &open, &contact, &rules, self.store.next_id()?);
                open.retain(|t| changed.iter().all(|c| c.id != t.id));
                open.extend(changed.iter().filter(|t| t.is_open()).cloned());
                tasks.retain(|t: &Task| changed.iter().all(|c| c.id != t.id));
                tasks.extend(changed);
                records.push(self.audit_record(
                    actor.no.as_str(),
                    AuditAction::LogContact,
                    no.as_str(),
                    format!(
                        "导入 {source} 第 {} 行：{} 于 {} {} {} {}",
                        p.line,
                        contact.by,
                        contact.at.format("%Y-%m-%d %H:%M"),
                        contact.purpose,
                        contact.channel,
                        contact.outcome
                    ),
                ));
                contacts.push(contact);
            }
            changed_clients.push(client);
        }
        let summary = format!("联系记录：新增 {}，已有 {}", outcome.added, outcome.unchanged);
        let rec = self.audit_record(actor.no.as_str(), AuditAction::Import, &source, summary);
        let today = now.date();
        let writes = contacts.len() + tasks.len() + changed_clients.len();
        if writes <= BULK_BATCH_ROWS {
            self.store.write(|tx| {
                for c in &contacts {
                    tx.add_contact(c)?;
                }
                for t in &tasks {
                    tx.save_task(t)?;
                }
                for c in &changed_clients {
                    tx.save_client(c, today)?;
                }
                for r in &records {
                    tx.audit(r)?;
                }
                tx.audit(&rec)
            })?;
        } else {
            // A long log is written in batches behind the store's undo log, as a large register
            // is: one transaction of tens of thousands of contacts holds gigabytes.
            let bulk = self.store.begin_bulk(&format!("导入联系记录 {source}"))?;
            for (batch, audit) in contacts.chunks(BULK_BATCH_ROWS).zip(records.chunks(BULK_BATCH_ROWS)) {
                bulk.write(|tx| {
                    for c in batch {
                        tx.add_contact(c)?;
                    }
                    for r in audit {
                        tx.audit(r)?;
                    }
                    Ok(())
                })?;
            }
            for batch in tasks.chunks(BULK_BATCH_ROWS) {
                bulk.write(|tx| batch.iter().try_for_each(|t| tx.save_task(t)))?;
            }
            for batch in changed_clients.chunks(BULK_BATCH_ROWS) {
                bulk.write(|tx| batch.iter().try_for_each(|c| tx.save_client(c, today)))?;
            }
            bulk.commit(|tx| tx.audit(&rec))?;
        }
        outcome.notes = notes;
        outcome.written = true;
        Ok(outcome)
    }
}
