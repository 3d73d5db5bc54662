//! Daily housekeeping (`Service::housekeep`): notifications and launch
//! recommendations lapse once no backdated contact can complete them any more (`Task::lapses`:
//! 31 days after their period ends), and this quarter's notification task is created for every
//! roster client that lacks one — except in the quarter's last `Rules::notice_grace_days` days,
//! when a client who joined since owes none — likewise this quarter's scheduled satisfaction
//! survey for every roster client whose class and number make one due (`task::survey_due_in`),
//! and a 唤醒 task for every 沉睡 roster client
//! without one (`task::reactivation_change`). It also freezes each quarter that ended since it
//! last ran, and settles frozen quarters whose backdating window has closed (`past`).

//!
//! It works in bounded batches (issue #13 point 1): the freeze of ended quarters first, then the
//! lapsing tasks and the roster clients `Service::set_housekeeping_batch` at a time (5,000 by
//! default), each batch one transaction of its own with one audit record of its own, and the
//! day's stamp last. Every batch is idempotent (a task is created only while absent, lapsed only
//! while still open) and the freeze skips a quarter already frozen, so a run cut short by a crash
//! or a full disk is simply run again by the next request and ends as an uninterrupted run would.
//! Memory is bounded by a batch, not by the store; writers wait for one batch at most.
//!
//! Who runs it: the branch server and the embedded TUI run it on a background thread at open
//! and after each midnight (`Service::housekeep_in_background`); one-off commands and tests run
//! it inline at their first request. A request never waits for an ordinary day's run: until it
//! ends, a request sees yesterday's state of tasks that lapse today (they lapsed 31 days after
//! their period, nobody works on them) and no 唤醒 task for a client who fell asleep overnight.
//! On the first day of a quarter (and on a store never housekept) every request waits for the
//! run instead: the freeze must see the quarter as it ended, before any write of the new one,
//! and Today, 覆盖 and 成效 are wrong without the quarter's notices. The background thread starts
//! that run at midnight, so in practice nobody is there to wait.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use chrono::NaiveDate;

use super::past::stopped;
use super::{Service, ServiceError};
use crate::domain::task::{SurveyFor, asleep_since, reactivation_change, survey_due_in};
use crate::domain::{AuditAction, ClientNo, ClientStatus, Quarter, Task, TaskId, TaskKind, TaskState};

const HOUSEKEEPING_KEY: &[u8] = b"housekeeping_done_for";
const SYSTEM: &str = "system";

/// Roster clients (and lapsing tasks) per housekeeping transaction by default: a batch of 5,000
/// holds a few MB of tasks, and keeps writers waiting a fraction of a second at most.
pub const HOUSEKEEPING_BATCH: usize = 5_000;

/// How often the background thread looks whether the day has changed: the clock may be moved
/// (tests, a corrected system clock), so it does not sleep until a computed midnight.
const BACKGROUND_POLL: Duration = Duration::from_secs(20);

/// Wakes the background housekeeping thread before its next poll (a request saw the day change).
#[derive(Default)]
pub(super) struct Wake {
    woken: Mutex<bool>,
    cv: Condvar,
}

impl Wake {
    fn wake(&self) {
        *self.woken.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }

    fn sleep(&self, at_most: Duration) {
        let woken = self.woken.lock().unwrap_or_else(|p| p.into_inner());
        let (mut woken, _) =
            self.cv.wait_timeout_while(woken, at_most, |w| !*w).unwrap_or_else(|p| p.into_inner());
        *woken = false;
    }
}

/// What one run did, for its audit records and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Housekept {
    pub notices: usize,
    pub surveys: usize,
    pub woken: usize,
    pub lapsed: usize,
    pub quarters: usize,
    /// Transactions written, the stamp's included.
    pub batches: usize,
}

impl Service {
    /// The day the housekeeping last finished, if ever (a store that was never housekept has
    /// none); for diagnostics and tests.
    pub fn housekept_on(&self) -> Result<Option<NaiveDate>, ServiceError> {
        Ok(self
            .store
            .meta(HOUSEKEEPING_KEY)?
            .and_then(|v| std::str::from_utf8(&v).ok().and_then(|s| s.parse::<NaiveDate>().ok())))
    }

    /// Before each request: with a background thread, wakes it when the day's housekeeping is
    /// still to do and waits only on a quarter's first run (see the module doc); without one,
    /// runs it here.
    pub(super) fn before_request(&self) -> Result<(), ServiceError> {
        let today = self.local_date();
        let last = self.housekept_on()?;
        if last == Some(today) {
            return Ok(());
        }
        if self.housekeeping_thread.load(Ordering::SeqCst) {
            self.housekeeping_wake.wake();
            let quarter_start = last.is_none_or(|l| Quarter::of(l) != Quarter::of(today));
            if !quarter_start {
                return Ok(());
            }
        }
        self.ensure_period_tasks()
    }

    /// Runs today's housekeeping to the end unless it is done (see the module doc); returns at
    /// once when it is. Concurrent callers wait for the one running.
    pub(super) fn ensure_period_tasks(&self) -> Result<(), ServiceError> {
        self.housekeep().map(|_| ())
    }

    /// Runs today's housekeeping here, to the end, in batches (see the module doc), unless it
    /// was done today; what it did. A full disk ends it early without an error: the request it
    /// came with goes on, a write in it is refused with the same sentence on its own, and the
    /// next request carries on where this one stopped.
    pub fn housekeep(&self) -> Result<Housekept, ServiceError> {
        let _running = self.housekeeping.lock().unwrap_or_else(|p| p.into_inner());
        let today = self.local_date();
        let previous = self.housekept_on()?;
        if previous == Some(today) {
            return Ok(Housekept::default());
        }
        let mut done = Housekept::default();
        self.housekeep_batches(previous, today, &mut done)?;
        Ok(done)
    }

    /// Roster clients and lapsing tasks per housekeeping transaction (`HOUSEKEEPING_BATCH` unless
    /// set; at least 1): tests set a small one to cut a run into many batches.
    pub fn set_housekeeping_batch(&self, clients: usize) {
        self.housekeeping_batch.store(clients.max(1), Ordering::SeqCst);
    }

    /// Runs the daily housekeeping on a thread of its own: now, and whenever the day changes
    /// (looked at every 20 seconds, or at once when a request sees it), so that requests never
    /// run it (see the module doc). For the branch server and the embedded TUI. The thread ends
    /// soon after the service is dropped. An error is written to stderr and tried again at the
    /// next look.
    pub fn housekeep_in_background(self: &Arc<Service>) {
        if self.housekeeping_thread.swap(true, Ordering::SeqCst) {
            return;
        }
        let service: Weak<Service> = Arc::downgrade(self);
        let wake = self.housekeeping_wake.clone();
        let spawned = std::thread::Builder::new().name("housekeeping".into()).spawn(move || {
            loop {
                let Some(s) = service.upgrade() else { return };
                // A failed run is tried again at the next look, not in a tight loop.
                if let Err(e) = crate::store::naming(s.store.path(), || s.housekeep()) {
                    eprintln!("每日整理（生成季度任务、过期任务）未完成，稍后重试：{e}");
                }
                drop(s);
                wake.sleep(BACKGROUND_POLL);
            }
        });
        if spawned.is_err() {
            // Without the thread, each day's first request runs it as before.
            self.housekeeping_thread.store(false, Ordering::SeqCst);
        }
    }

    pub(super) fn housekeeping_batch(&self) -> usize {
        self.housekeeping_batch.load(Ordering::SeqCst).max(1)
    }

    fn housekeep_batches(
        &self,
        previous: Option<NaiveDate>,
        today: NaiveDate,
        done: &mut Housekept,
    ) -> Result<(), ServiceError> {
        let batch = self.housekeeping_batch();
        let quarter = Quarter::of(today);

        // 1. The freeze, first: it must see the quarter as it ended, before this run (or any
        // request of the new quarter) changes a task.
        {
            let _w = self.write_lock();
            let audit = |q: Quarter, detail: String| {
                self.audit_record(SYSTEM, AuditAction::EnsureTasks, &q.to_string(), detail)
            };
            let mut written_one = || {
                done.batches += 1;
                test_hook_kill(done.batches);
            };
            let Some(quarters) = self.write_quarters(previous, today, &audit, &mut written_one)? else {
                return Ok(());
            };
            done.quarters += quarters;
        }

        // 2. Tasks that lapse today. Only tasks whose period ended more than the backdating
        // window ago can lapse; the index walk goes on across batches (sled's iterator stays
        // valid while others write), each batch lapsing only what is still open.
        let window_start = today - chrono::Duration::days(crate::domain::contact::BACKDATE_MAX_DAYS + 1);
        let mut due = self.store.open_tasks_due_by(window_start);
        loop {
            let mut lapsing = Vec::new();
            for t in due.by_ref() {
                let t = t?;
                if t.lapses(today) {
                    lapsing.push(t.id);
                    if lapsing.len() >= batch {
                        break;
                    }
                }
            }
            if lapsing.is_empty() {
                break;
            }
            let _w = self.write_lock();
            let rec = self.audit_record(
                SYSTEM,
                AuditAction::EnsureTasks,
                &quarter.to_string(),
                format!("过期任务 {} 个", lapsing.len()),
            );
            let written = self.store.write(|tx| {
                let mut n = 0;
                for id in &lapsing {
                    if let Some(mut t) = tx.task(id)?.filter(Task::is_open) {
                        t.state = TaskState::Lapsed { on: today };
                        tx.save_task(&t)?;
                        n += 1;
                    }
                }
                if n > 0 {
                    tx.audit(&rec)?;
                }
                Ok(n)
            });
            let Some(n) = stopped(written)? else { return Ok(()) };
            done.lapsed += n;
            done.batches += 1;
            test_hook_kill(done.batches);
        }
        drop(due);

        // 3. What roster clients are owed, a batch of clients at a time, each batch read and
        // written under the writer lock so that it decides on the state it writes to.
        let rules = self.store.rules()?;
        // Anyone on a roster since before the grace period has this quarter's notice already;
        // whoever lacks one now joined in it and owes none.
        let notices_owed = rules.notice_owed_on_joining(today);
        let mut roster = self.store.all_roster_clients();
        loop {
            let _w = self.write_lock();
            let nos: Vec<ClientNo> = roster.by_ref().take(batch).collect::<Result<_, _>>()?;
            if nos.is_empty() {
                break;
            }
            let owed = self.owed_by(&nos, quarter, today, notices_owed)?;
            if owed.tasks.is_empty() {
                continue;
            }
            let rec = self.audit_record(
                SYSTEM,
                AuditAction::EnsureTasks,
                &quarter.to_string(),
                format!(
                    "名单客户 {} 位中：新建季度告知任务 {} 个，满意度调查任务 {} 个，唤醒任务 {} 个",
                    nos.len(),
                    owed.notices,
                    owed.surveys,
                    owed.woken
                ),
            );
            let written = self.store.write(|tx| {
                for t in &owed.tasks {
                    if tx.task(&t.id)?.is_none() {
                        tx.save_task(t)?;
                    }
                }
                tx.audit(&rec)
            });
            if stopped(written)?.is_none() {
                return Ok(());
            }
            done.notices += owed.notices;
            done.surveys += owed.surveys;
            done.woken += owed.woken;
            done.batches += 1;
            test_hook_kill(done.batches);
        }
        drop(roster);

        // 4. The stamp, last: until it is written the next request runs all of this again, and
        // every step above leaves alone what it finds done.
        let _w = self.write_lock();
        let stamp = today.to_string();
        let written = self.store.write(|tx| tx.set_meta(HOUSEKEEPING_KEY, stamp.as_bytes()));
        if stopped(written)?.is_some() {
            done.batches += 1;
        }
        Ok(())
    }

    /// The tasks the roster clients `nos` are owed today and lack.
    fn owed_by(
        &self,
        nos: &[ClientNo],
        quarter: Quarter,
        today: NaiveDate,
        notices_owed: bool,
    ) -> Result<Owed, ServiceError> {
        let mut owed = Owed::default();
        for no in nos {
            let Some(c) = self.store.client(no)? else { continue };
            if !c.on_roster() {
                continue;
            }
            let id = TaskId { client: c.no.clone(), kind: TaskKind::Quarterly(quarter) };
            if notices_owed && self.store.task(&id)?.is_none() {
                owed.tasks.push(Task::quarterly(&c, quarter, today));
                owed.notices += 1;
            }
            let survey = TaskId { client: c.no.clone(), kind: TaskKind::Survey(SurveyFor::Period(quarter)) };
            if notices_owed && survey_due_in(&c, quarter) && self.store.task(&survey)?.is_none() {
                owed.tasks.push(Task::survey(&c, quarter, today));
                owed.surveys += 1;
            }
            // A 沉睡 client from before the 唤醒 rule (or whose task was lost with a handover)
            // is owed one; imports open it as a status changes, this catches the rest.
            if c.status == ClientStatus::Dormant {
                let since = asleep_since(&self.store.changes_of(&c.no)?);
                let woken = reactivation_change(&c, &self.store.tasks_of(&c.no)?, since, today);
                owed.woken += woken.len();
                owed.tasks.extend(woken);
            }
        }
        Ok(owed)
    }
}

#[derive(Default)]
struct Owed {
    tasks: Vec<Task>,
    notices: usize,
    surveys: usize,
    woken: usize,
}

/// The housekeeping test hook: with `MINGDAN_TEST_HOUSEKEEPING_KILL` set to N, the process kills
/// itself (SIGKILL, no clean-up) right after the Nth transaction of a run, as a power cut or
/// `kill -9` there would. Only tests set it.
fn test_hook_kill(batches: usize) {
    let at = std::env::var("MINGDAN_TEST_HOUSEKEEPING_KILL").ok().and_then(|v| v.parse::<usize>().ok());
    if at == Some(batches) {
        // SAFETY: kill(2) on our own pid; nothing is shared with other processes.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}
