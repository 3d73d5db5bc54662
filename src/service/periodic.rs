//! Daily housekeeping, done by the first request of each day: notifications and launch
//! recommendations lapse once no backdated contact can complete them any more (`Task::lapses`:
//! 31 days after their period ends), and this quarter's notification task is created for every
//! roster client that lacks one — except in the quarter's last `Rules::notice_grace_days` days,
//! when a client who joined since owes none — likewise this quarter's scheduled satisfaction
//! survey for every roster client whose class and number make one due (`task::survey_due_in`),
//! and a 唤醒 task for every 沉睡 roster client
//! without one (`task::reactivation_change`). It also freezes each quarter that ended since it
//! last ran, and settles frozen quarters whose backdating window has closed (`past`).

use super::{Service, ServiceError};
use crate::domain::task::{SurveyFor, asleep_since, reactivation_change, survey_due_in};
use crate::domain::{AuditAction, ClientStatus, Quarter, Task, TaskId, TaskKind, TaskState};
use crate::store::StoreError;

const HOUSEKEEPING_KEY: &[u8] = b"housekeeping_done_for";
const SYSTEM: &str = "system";

impl Service {
    pub(super) fn ensure_period_tasks(&self) -> Result<(), ServiceError> {
        let today = self.local_date();
        let stamp = today.to_string();
        let done = |s: &Service| -> Result<bool, ServiceError> {
            Ok(s.store.meta(HOUSEKEEPING_KEY)?.as_deref() == Some(stamp.as_bytes()))
        };
        if done(self)? {
            return Ok(());
        }
        let _w = self.write_lock();
        if done(self)? {
            return Ok(());
        }
        // Only tasks whose period ended more than the backdating window ago can lapse.
        let window_start = today - chrono::Duration::days(crate::domain::contact::BACKDATE_MAX_DAYS + 1);
        let mut lapsing = Vec::new();
        for t in self.store.open_tasks_due_by(window_start) {
            let t = t?;
            if t.lapses(today) {
                lapsing.push(t);
            }
        }
        let quarter = Quarter::of(today);
        let mut new = Vec::new();
        let rules = self.store.rules()?;
        // Anyone on a roster since before the grace period has this quarter's notice already;
        // whoever lacks one now joined in it and owes none.
        let notices_owed = rules.notice_owed_on_joining(today);
        let mut woken = 0usize;
        let mut surveys = 0usize;
        for no in self.store.all_roster_clients() {
            let Some(c) = self.store.client(&no?)? else { continue };
            if !c.on_roster() {
                continue;
            }
            let id = TaskId { client: c.no.clone(), kind: TaskKind::Quarterly(quarter) };
            if notices_owed && self.store.task(&id)?.is_none() {
                new.push(Task::quarterly(&c, quarter, today));
            }
            let survey = TaskId { client: c.no.clone(), kind: TaskKind::Survey(SurveyFor::Period(quarter)) };
            if notices_owed && survey_due_in(&c, quarter) && self.store.task(&survey)?.is_none() {
                new.push(Task::survey(&c, quarter, today));
                surveys += 1;
            }
            // A 沉睡 client from before the 唤醒 rule (or whose task was lost with a handover)
            // is owed one; imports open it as a status changes, this catches the rest.
            if c.status == ClientStatus::Dormant {
                let since = asleep_since(&self.store.changes_of(&c.no)?);
                let owed = reactivation_change(&c, &self.store.tasks_of(&c.no)?, since, today);
                woken += owed.len();
                new.extend(owed);
            }
        }
        let previous = self
            .store
            .meta(HOUSEKEEPING_KEY)?
            .and_then(|v| std::str::from_utf8(&v).ok().and_then(|s| s.parse::<chrono::NaiveDate>().ok()));
        let quarters = self.quarters_to_write(previous, today)?;
        let rec = self.audit_record(
            SYSTEM,
            AuditAction::EnsureTasks,
            &quarter.to_string(),
            format!(
                "新建季度告知任务 {} 个，满意度调查任务 {surveys} 个，唤醒任务 {woken} 个，过期任务 {} 个",
                new.len() - woken - surveys,
                lapsing.len()
            ),
        );
        let written = self.store.write(|tx| {
            for t in &lapsing {
                if let Some(mut t) = tx.task(&t.id)?.filter(Task::is_open) {
                    t.state = TaskState::Lapsed { on: today };
                    tx.save_task(&t)?;
                }
            }
            for t in &new {
                if tx.task(&t.id)?.is_none() {
                    tx.save_task(t)?;
                }
            }
            if !lapsing.is_empty() || !new.is_empty() {
                tx.audit(&rec)?;
            }
            for f in &quarters {
                tx.save_frozen_quarter(f)?;
                let detail = match f.settled_on {
                    Some(on) if f.frozen_on != on => {
                        format!("{} 季末数据补记期结束，任务结果定稿", f.quarter)
                    }
                    _ => format!(
                        "留存 {} 季末数据：员工 {} 人，名单客户 {} 位，任务 {} 项",
                        f.quarter,
                        f.staff.len(),
                        f.clients.len(),
                        f.tasks.len()
                    ),
                };
                tx.audit(&self.audit_record(
                    SYSTEM,
                    AuditAction::EnsureTasks,
                    &f.quarter.to_string(),
                    detail,
                ))?;
            }
            tx.set_meta(HOUSEKEEPING_KEY, stamp.as_bytes())
        });
        match written {
            // Housekeeping waits for space; the request it came with (a read, often) goes on,
            // and a write in it is refused with the same sentence on its own.
            Err(StoreError::DiskFull { .. }) => Ok(()),
            other => Ok(other?),
        }
    }
}
