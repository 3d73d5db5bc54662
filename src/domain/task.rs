//! Work items (任务): regular callbacks, quarterly notifications and new-product recommendations,
//! and what a logged contact does to them.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::calendar::{DueBucket, Quarter};
use super::client::{Client, ClientClass, ClientStatus};
use super::complaint::ComplaintId;
use super::contact::{BACKDATE_MAX_DAYS, Contact, Purpose};
use super::ids::{ClientNo, ContactId, LaunchId, StaffNo};
use super::product::ProductLaunch;
use super::rules::Rules;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TaskKind {
    /// 定期回访. A client has at most one open callback; `seq` tells successive ones apart.
    Callback { seq: u64 },
    /// 定期告知: one per roster client per calendar quarter.
    Quarterly(Quarter),
    /// 信息传达: one per roster client per product launch.
    Launch(LaunchId),
    /// 唤醒: a roster client found 沉睡 (dormant, DOMAIN.md "by behaviour as active or dormant")
    /// is owed a contact that tries to bring them back, within `REACTIVATE_DAYS`. `since` is the
    /// day the task opened; a client falling asleep again later owes a new one. Any contact that
    /// reaches the client on or after that day completes it (`effect_of_contact`); it is
    /// cancelled when the client wakes or is lost by itself, and never lapses while owed.
    /// Appended last (format: bincode variant 3), so stored tasks of the other kinds still read.
    Reactivate { since: NaiveDate },
    /// 满意度调查: a scheduled survey (`survey_due_in`) or the follow-up after a complaint was
    /// closed. Appended last, so stored tasks of the other kinds keep their encoding.
    Survey(SurveyFor),
}

/// Days a 沉睡 roster client's maintainer has to make the 唤醒 contact (`TaskKind::Reactivate`):
/// one month, the branch's choice (the seeds say only that dormant clients are to be woken).
pub const REACTIVATE_DAYS: i64 = 30;

/// What a satisfaction survey task is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SurveyFor {
    /// The scheduled survey falling in this quarter (the client's class sets how often).
    Period(Quarter),
    /// The follow-up survey after this complaint was closed.
    Complaint(ComplaintId),
}

/// Quarters between scheduled satisfaction surveys for a client class, None for none. Seed 000:
/// 重要客户 跟踪服务满意度 (关键 and 重要: every quarter); 普通客户 定期进行客户满意度调查 (once a
/// year); 潜在客户 none. Branch defaults, not yet editable (docs/FIGURES.md).
pub fn survey_every_quarters(class: ClientClass) -> Option<u32> {
    match class {
        ClientClass::Key | ClientClass::Important => Some(1),
        ClientClass::Ordinary => Some(4),
        ClientClass::Potential => None,
    }
}

/// Whether `client` owes a scheduled survey in `quarter`: every quarter, or for a yearly cadence
/// one quarter a year picked by the client number, so a roster's surveys spread over the year
/// instead of all falling in one quarter. The daily housekeeping (`service::periodic`) and a
/// client joining a roster (`owed_on_joining`) create the task (`Task::survey`), within the same
/// grace as the quarterly notice (`Rules::notice_owed_on_joining`).
pub fn survey_due_in(client: &Client, quarter: Quarter) -> bool {
    let Some(every) = survey_every_quarters(client.class) else { return false };
    let spread: u32 = client.no.as_str().bytes().map(u32::from).sum();
    let index = (quarter.year.max(0) as u32) * 4 + u32::from(quarter.q);
    (index + spread).is_multiple_of(every)
}

/// Days after a complaint closes that its follow-up survey is due.
pub const FOLLOW_UP_SURVEY_DAYS: i64 = 7;

impl TaskKind {
    /// The purpose a contact must have to complete a task of this kind (`effect_of_contact`),
    /// and with it the launch it is about.
    pub fn completed_by(self) -> (Purpose, Option<LaunchId>) {
        match self {
            TaskKind::Callback { .. } => (Purpose::Callback, None),
            TaskKind::Quarterly(_) => (Purpose::QuarterlyNotice, None),
            TaskKind::Launch(id) => (Purpose::ProductPitch, Some(id)),
            // Any reached contact completes it; 营销 is what a call to wake a client is.
            TaskKind::Reactivate { .. } => (Purpose::Marketing, None),
            TaskKind::Survey(_) => (Purpose::Survey, None),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskKind::Callback { .. } => "回访",
            TaskKind::Quarterly(_) => "季度告知",
            TaskKind::Launch(_) => "新品推介",
            TaskKind::Reactivate { .. } => "唤醒",
            TaskKind::Survey(_) => "满意度调查",
        }
    }
}

/// A task's identity says what it is for, so "this quarter's notification for client X" created
/// twice is the same task and the second write changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TaskId {
    pub client: ClientNo,
    pub kind: TaskKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskState {
    Open,
    Done {
        on: NaiveDate,
        by: StaffNo,
        contact: ContactId,
    },
    /// No longer owed: the client left the roster, or a later callback replaced this one.
    Cancelled {
        on: NaiveDate,
    },
    /// Its period ended undone: the quarter is over, or the launch's deadline has passed. Kept so
    /// coverage of that period can still be counted.
    Lapsed {
        on: NaiveDate,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    /// Who owes it: whoever held the client when it fell due (a callback's due date, the last
    /// day of a notice's quarter, a launch's deadline). A handover passes on only tasks not yet
    /// due (`move_client`); once due, the owner never changes, so a miss stays with whoever
    /// missed it. Read through `owed`.
    pub maintainer: Option<StaffNo>,
    /// When it is due now; a callback may be moved (a new date agreed with the client).
    pub due: NaiveDate,
    /// When it first fell due. Lateness is judged against this, so moving a callback that is
    /// already late does not make it on time.
    pub first_due: NaiveDate,
    pub created: NaiveDate,
    pub state: TaskState,
    /// A callback whose date was agreed with the client (a contact's 下次回访 as the user gave
    /// it), not one cadence on. Until that date comes, only a contact that does the callback on
    /// purpose (回访 ticked) completes or replaces it (`effect_of_contact`). Format version 3.
    pub agreed: bool,
}

impl Task {
    pub fn is_open(&self) -> bool {
        self.state == TaskState::Open
    }

    /// Moves a callback to a new date. One that was already late stays late for the on-time
    /// figure: its first due date is kept.
    pub fn reschedule(&mut self, to: NaiveDate, today: NaiveDate) {
        if self.first_due >= today {
            // Not yet due: agreeing a new date with the client is a new due date.
            self.first_due = to;
        }
        self.due = to;
    }

    /// A quarterly notification or a launch recommendation lapses once no contact can complete
    /// it any more: a contact dated inside its period may be logged up to `BACKDATE_MAX_DAYS`
    /// later and still counts (a notice given on 12-31 and logged on 01-02 completes Q4), so
    /// the task stays open that long after its last day. An overdue callback never lapses: it
    /// is owed until done.
    pub fn lapses(&self, today: NaiveDate) -> bool {
        self.is_open()
            && !matches!(self.id.kind, TaskKind::Callback { .. } | TaskKind::Reactivate { .. })
            && self.due + Duration::days(BACKDATE_MAX_DAYS) < today
    }

    /// Past its due date on `today` (a callback due today, or a notice on its quarter's last
    /// day, is not yet).
    pub fn fell_due(&self, today: NaiveDate) -> bool {
        self.due < today
    }

    pub fn callback(client: &Client, seq: u64, due: NaiveDate, today: NaiveDate) -> Task {
        Task::open(client, TaskKind::Callback { seq }, due, today)
    }

    /// This quarter's notification, due on the quarter's last day.
    pub fn quarterly(client: &Client, quarter: Quarter, today: NaiveDate) -> Task {
        Task::open(client, TaskKind::Quarterly(quarter), quarter.last_day(), today)
    }

    pub fn launch(client: &Client, launch: &ProductLaunch, today: NaiveDate) -> Task {
        Task::open(client, TaskKind::Launch(launch.id), launch.deadline, today)
    }

    /// A 唤醒 contact owed from `today`, due `REACTIVATE_DAYS` on.
    pub fn reactivate(client: &Client, today: NaiveDate) -> Task {
        Task::open(
            client,
            TaskKind::Reactivate { since: today },
            today + Duration::days(REACTIVATE_DAYS),
            today,
        )
    }

    /// The quarter's scheduled satisfaction survey, due on its last day.
    pub fn survey(client: &Client, quarter: Quarter, today: NaiveDate) -> Task {
        Task::open(client, TaskKind::Survey(SurveyFor::Period(quarter)), quarter.last_day(), today)
    }

    /// The follow-up survey after complaint `id` closed on `today`, due
    /// `FOLLOW_UP_SURVEY_DAYS` later, owed by the client's maintainer.
    pub fn follow_up_survey(client: &Client, id: ComplaintId, today: NaiveDate) -> Task {
        let due = today + Duration::days(FOLLOW_UP_SURVEY_DAYS);
        Task::open(client, TaskKind::Survey(SurveyFor::Complaint(id)), due, today)
    }

    fn open(client: &Client, kind: TaskKind, due: NaiveDate, today: NaiveDate) -> Task {
        Task {
            id: TaskId { client: client.no.clone(), kind },
            maintainer: client.maintainer.clone(),
            due,
            first_due: due,
            created: today,
            state: TaskState::Open,
            agreed: false,
        }
    }
}

/// When a newly assigned client is first called back: one cadence after the last contact, never
/// in the past; a client nobody has contacted gets a short first deadline instead.
pub fn first_callback_due(client: &Client, today: NaiveDate, rules: &Rules) -> NaiveDate {
    match client.last_contact {
        Some(last) => (last + Duration::days(i64::from(rules.callback_days(client.class)))).max(today),
        None => today + Duration::days(i64::from(rules.first_callback_days)),
    }
}

/// The tasks a client just put on a roster is owed and does not have yet: a first callback,
/// this quarter's notification and, when its class and number make it due (`survey_due_in`),
/// this quarter's satisfaction survey, both unless the quarter is in its last
/// `Rules::notice_grace_days` days, and one recommendation per launch still running.
pub fn owed_on_joining(
    client: &Client,
    existing: &[Task],
    today: NaiveDate,
    rules: &Rules,
    launches: &[ProductLaunch],
    callback_seq: u64,
) -> Vec<Task> {
    // A cancelled task (the client left a roster before) is owed again: the new one replaces it.
    let has = |kind: TaskKind| {
        existing.iter().any(|t| t.id.kind == kind && !matches!(t.state, TaskState::Cancelled { .. }))
    };
    let mut out = Vec::new();
    let open_callback =
        existing.iter().any(|t| t.is_open() && matches!(t.id.kind, TaskKind::Callback { .. }));
    if !open_callback {
        out.push(Task::callback(client, callback_seq, first_callback_due(client, today, rules), today));
    }
    let quarter = Quarter::of(today);
    if rules.notice_owed_on_joining(today) && !has(TaskKind::Quarterly(quarter)) {
        out.push(Task::quarterly(client, quarter, today));
    }
    // The scheduled survey keeps the notice's grace: a client joining in the quarter's last days
    // is surveyed in a later quarter, not in a rush now.
    let survey = TaskKind::Survey(SurveyFor::Period(quarter));
    if rules.notice_owed_on_joining(today) && survey_due_in(client, quarter) && !has(survey) {
        out.push(Task::survey(client, quarter, today));
    }

    for l in launches.iter().filter(|l| l.is_running(today)) {
        if !has(TaskKind::Launch(l.id)) {
            out.push(Task::launch(client, l, today));
        }
    }
    out.extend(reactivation_change(client, existing, None, today));
    out
}

/// What a client's status asks of its 唤醒 task (`TaskKind::Reactivate`) on `today`, given all
/// its tasks and the day it last fell asleep (`asleep_since`, from its recorded changes): a 沉睡
/// client on a roster is owed one 唤醒 per time it falls asleep — a new one, due
/// `REACTIVATE_DAYS` on, unless one is open or one opened since it fell asleep was done or
/// lapsed (a cancelled one, from leaving a roster, is owed again). With `asleep_since` None
/// (a client joining a roster) only an open one counts: whoever takes on a dormant client owes
/// their own attempt to wake it, even if a former maintainer made one. A client no longer 沉睡
/// (woke by itself, or was lost) or on no roster owes none, so an open one is cancelled.
/// Returns only tasks that change or are new. Called wherever a status or a roster changes
/// (import, handover, joining) and by the daily housekeeping, so a store from before this rule
/// catches up.
pub fn reactivation_change(
    client: &Client,
    existing: &[Task],
    asleep_since: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<Task> {
    let reactivations = || existing.iter().filter(|t| matches!(t.id.kind, TaskKind::Reactivate { .. }));
    if client.on_roster() && client.status == ClientStatus::Dormant {
        let had = reactivations().any(|t| match (t.id.kind, asleep_since) {
            _ if t.is_open() => true,
            (TaskKind::Reactivate { since }, Some(a)) => {
                !matches!(t.state, TaskState::Cancelled { .. }) && since >= a
            }
            _ => false,
        });
        if had { Vec::new() } else { vec![Task::reactivate(client, today)] }
    } else {
        reactivations()
            .filter(|t| t.is_open())
            .map(|t| Task { state: TaskState::Cancelled { on: today }, ..t.clone() })
            .collect()
    }
}

/// The day a client last fell 沉睡, from its recorded changes in date order: the latest change
/// into 沉睡 from any other status (or its first record, if it was 沉睡 from the start).
pub fn asleep_since(changes: &[super::results::StateChange]) -> Option<NaiveDate> {
    let mut since = None;
    for c in changes {
        let was = c.from.map(|f| f.status);
        if c.to.status == ClientStatus::Dormant && was != Some(ClientStatus::Dormant) {
            since = Some(c.on);
        }
    }
    since
}

/// Whether an open task stays with whoever holds the client now when the client is handed to
/// someone else on `today`: everything already due (an overdue callback, a notice or launch
/// whose period is over) — a miss stays with whoever missed it — and this quarter's notice in
/// the quarter's last `Rules::notice_grace_days` days, which the receiver, like any new
/// arrival, does not owe and which the giver cannot shed by handing the client on.
pub fn stays_with_giver(t: &Task, today: NaiveDate, rules: &Rules) -> bool {
    t.fell_due(today)
        || matches!(t.id.kind, TaskKind::Quarterly(q) if q == Quarter::of(today) && !rules.notice_owed_on_joining(today))
}

/// What moving `client` to `to` (None: off every roster) does to it and its tasks, given all
/// the tasks it has had. Returns the client as it will be and every task that changes or is new.
///
/// - A handover passes on only the open tasks not yet due (see `stays_with_giver`); the rest
///   keep their owner. An overdue callback left behind lapses there (it counts as missed, as it
///   already did) and the receiver gets a callback of their own `Rules::first_callback_days`
///   on; a notice or launch left behind stays open, so a contact dated inside its period can
///   still complete it for the giver until it lapses.
/// - Leaving every roster cancels what is not yet due and lapses what is (nobody can complete
///   it off the roster, and a miss must not vanish with the client); no callback is expected.
/// - Joining a roster adds what the client is owed (`owed_on_joining`), with `callback_seq` for
///   a new callback if one is needed.
pub fn move_client(
    mut client: Client,
    existing: &[Task],
    to: Option<&StaffNo>,
    today: NaiveDate,
    rules: &Rules,
    launches: &[ProductLaunch],
    callback_seq: u64,
) -> (Client, Vec<Task>) {
    let joining = client.maintainer.is_none() && to.is_some();
    client.maintainer = to.cloned();
    let mut changed = Vec::new();
    let mut callback_left_behind = false;
    let mut reactivate_left_behind = false;
    for t in existing.iter().filter(|t| t.is_open()) {
        let mut t = t.clone();
        let is_callback = matches!(t.id.kind, TaskKind::Callback { .. });
        let is_reactivate = matches!(t.id.kind, TaskKind::Reactivate { .. });
        match to {
            None if t.fell_due(today) => t.state = TaskState::Lapsed { on: today },
            None => t.state = TaskState::Cancelled { on: today },
            Some(_) if stays_with_giver(&t, today, rules) => {
                // Like an overdue callback, an overdue 唤醒 is the giver's miss and the receiver
                // owes a fresh one; a notice or launch stays open for a backdated contact.
                if !is_callback && !is_reactivate {
                    continue;
                }
                t.state = TaskState::Lapsed { on: today };
                callback_left_behind |= is_callback;
                reactivate_left_behind |= is_reactivate;
            }
            Some(receiver) => t.maintainer = Some(receiver.clone()),
        }
        changed.push(t);
    }
    if to.is_none() {
        client.next_callback = None;
    } else if joining {
        changed.extend(owed_on_joining(&client, existing, today, rules, launches, callback_seq));
        client.next_callback = changed
            .iter()
            .find(|t| t.is_open() && matches!(t.id.kind, TaskKind::Callback { .. }))
            .map(|t| t.due);
    } else if callback_left_behind {
        let due = today + Duration::days(i64::from(rules.first_callback_days));
        changed.push(Task::callback(&client, callback_seq, due, today));
        client.next_callback = Some(due);
    }
    if reactivate_left_behind && !joining {
        changed.extend(reactivation_change(&client, &[], None, today));
    }
    (client, changed)
}

/// How a task stands on a given date, for every figure that counts tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskOutcome {
    /// Owed and not yet due on that date: neither done nor missed yet.
    NotDue,
    /// Done on or before the date it first fell due (a notice or launch task can only be done
    /// by a contact dated inside its period, so a done one is always on time).
    DoneOnTime,
    /// Done after it first fell due (a callback called late).
    DoneLate,
    /// Past due and not done: still open (a notice can be completed by a backdated contact
    /// until it lapses), lapsed, or an overdue callback left behind at a handover.
    Missed,
}

impl TaskOutcome {
    pub fn done(self) -> bool {
        matches!(self, TaskOutcome::DoneOnTime | TaskOutcome::DoneLate)
    }
}

/// Who owes a task and how it stands on a date: see `owed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed<'a> {
    /// Whoever held the client when the task fell due, or holds it now if it is not due yet.
    pub owner: Option<&'a StaffNo>,
    pub outcome: TaskOutcome,
}

/// Who owes `task` and whether it counts as done, done on time or missed as of `as_of`; `None`
/// for a cancelled task, which no one owes. The one rule behind every figure that counts tasks —
/// Today, coverage, reports and exports all count through it (DOMAIN.md, "Who owes a task").
///
/// Lateness is judged against the date the task first fell due (`Task::first_due`), so a
/// callback moved after it was already late stays late; one due on `as_of` itself and not done
/// is not late yet.
pub fn owed(task: &Task, as_of: NaiveDate) -> Option<Owed<'_>> {
    let outcome = match &task.state {
        TaskState::Cancelled { .. } => return None,
        TaskState::Done { on, .. } if *on <= task.first_due => TaskOutcome::DoneOnTime,
        TaskState::Done { .. } => TaskOutcome::DoneLate,
        TaskState::Lapsed { .. } => TaskOutcome::Missed,
        TaskState::Open if task.first_due < as_of => TaskOutcome::Missed,
        TaskState::Open => TaskOutcome::NotDue,
    };
    Some(Owed { owner: task.maintainer.as_ref(), outcome })
}

/// The owner of each 满意度调查 task a contact completed, by that contact: whom its score counts
/// for (`contact::ScoreOwners`). A contact completing both a scheduled and a follow-up survey
/// names the same client's tasks; the first found stands. Tasks without an owner are left out.
pub fn survey_owners<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> BTreeMap<ContactId, StaffNo> {
    let mut out = BTreeMap::new();
    for t in tasks {
        if let (TaskKind::Survey(_), TaskState::Done { contact, .. }, Some(owner)) =
            (&t.id.kind, &t.state, owed(t, t.first_due).and_then(|o| o.owner))
        {
            out.entry(*contact).or_insert_with(|| owner.clone());
        }
    }
    out
}

/// How close (days) a client's callback must be for a new contact form to start as 回访: further
/// off, the call is most likely about something else (issue #15).
pub const CALLBACK_PRESELECT_DAYS: i64 = 7;

/// Whether a contact logged today is presumably the callback itself, so the form starts on 回访:
/// a callback due within `CALLBACK_PRESELECT_DAYS`, or an agreed one whose day has come (an agreed
/// callback must not be completed by a call that happens to come first). The form only suggests;
/// the user picks the purpose.
pub fn callback_presumed(due: NaiveDate, agreed: bool, today: NaiveDate) -> bool {
    if agreed { due <= today } else { (due - today).num_days() <= CALLBACK_PRESELECT_DAYS }
}

/// The next-callback date a contact form offers: after a contact that reached the client and
/// counts as the callback (a 回访, or any purpose when `any_contact_resets_callback`), one
/// cadence on; after anything else, nothing (the callback stays as it is unless the user sets
/// a date — an unanswered call must not quietly push an overdue callback out of sight).
pub fn suggested_next_callback(
    purpose: Purpose,
    reached: bool,
    any_contact_resets_callback: bool,
    cadence_days: u16,
    today: NaiveDate,
) -> Option<NaiveDate> {
    (reached && (purpose == Purpose::Callback || any_contact_resets_callback))
        .then(|| today + Duration::days(i64::from(cadence_days)))
}

/// What logging a contact does to the client's tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEffect {
    pub complete: Vec<TaskId>,
    pub callback: CallbackChange,
}

/// Tries at a callback that did not reach the client (未接通, 联系不上). They complete nothing,
/// so the callback stays where it was (on the overdue list once late); staff see how often and
/// when it was last tried (`已尝试 2 次，最近 12-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    pub count: u32,
    /// The date of the latest try.
    pub last: NaiveDate,
}

/// The unreached tries at `callback`: the client's contacts (any order, anyone's) that did not
/// reach them, made since the callback was opened — on or after its day, and after the reached
/// contact that opened it. A reached contact since then that left the callback open (a
/// colleague's walk-in, say) does not undo the tries: the callback is still owed. None when
/// there were none.
pub fn attempts(callback: &Task, contacts: &[Contact]) -> Option<Attempts> {
    let last_reached = contacts
        .iter()
        .filter(|c| c.outcome.reached() && c.at.date() <= callback.created)
        .map(|c| c.at)
        .max();
    let tries: Vec<NaiveDate> = contacts
        .iter()
        .filter(|c| !c.outcome.reached() && c.at.date() >= callback.created)
        .filter(|c| last_reached.is_none_or(|r| c.at > r))
        .map(|c| c.at.date())
        .collect();
    Some(Attempts { count: u32::try_from(tries.len()).ok()?, last: tries.iter().max().copied()? })
}

/// Where a callback is listed on `today`: by its due date, except that one already late
/// (`first_due` passed) and since then only tried without reaching the client stays overdue,
/// counted from when it first fell due, however far an unanswered call moved it (FIGURES.md:
/// a late callback moved stays late).
pub fn callback_bucket(callback: &Task, tries: Option<&Attempts>, today: NaiveDate) -> DueBucket {
    match tries {
        Some(_) if callback.first_due < today && callback.due >= today => {
            DueBucket::of(callback.first_due, today)
        }
        _ => DueBucket::of(callback.due, today),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackChange {
    Keep,
    /// The open callback is moved to a new date (the contact set one but did not do the callback).
    Move {
        task: TaskId,
        to: NaiveDate,
    },
    /// A new callback is opened on this date.
    Schedule(NaiveDate),
}

/// Whether a contact that took place on `day` can complete a task of `kind` due `due` and opened
/// on `opened`, by the day alone: a quarterly notice or a scheduled survey only inside its
/// quarter (done 12-31 and logged 01-02, it is Q4's), a product pitch by its launch's deadline, a
/// 唤醒 from the day it opened (a contact from before the client fell asleep is not an attempt
/// to wake it), a complaint's follow-up survey from the day the complaint closed; a callback
/// any day. `effect_of_contact` decides by it, and the contact form asks it before saving.
pub fn completable_on(kind: TaskKind, due: NaiveDate, opened: NaiveDate, day: NaiveDate) -> bool {
    match kind {
        TaskKind::Callback { .. } => true,
        TaskKind::Quarterly(q) | TaskKind::Survey(SurveyFor::Period(q)) => q.contains(day),
        TaskKind::Launch(_) => day <= due,
        TaskKind::Reactivate { since } => day >= since,
        TaskKind::Survey(SurveyFor::Complaint(_)) => day >= opened,
    }
}

/// What a contact does, judged by the date it took place (it may be logged up to
/// `BACKDATE_MAX_DAYS` later). Each of the contact's purposes (its main one and `also`) counts:
/// - a reached contact that counts as the callback completes the open callback (recorded as
///   done by this contact, on its date) and schedules the next: on the contact's 下次回访 if the
///   user gave one (agreed, kept as given), else one cadence on. It counts when 回访 is among its
///   purposes, or — when `Rules::any_contact_resets_callback` (FIGURES.md: any reached contact is
///   regular contact) — whatever its purpose, except that
///   - an **agreed** callback (`Task::agreed`) is a promise to call on that date, so a contact
///     about something else dated before it neither completes nor replaces it; one dated on or
///     after the agreed day does, as any contact would;
///   - on a **colleague's client** (the contact's author is not the maintainer) the maintainer's
///     callback is theirs to keep: only 回访 ticked on purpose completes or moves it;
/// - a reached 季度告知 completes the notification of the quarter the contact fell in, whenever
///   it is logged (done 12-31, logged 01-02: Q4);
/// - a reached 新品推介 completes that launch's task if made by its deadline.
///
/// A contact that did not reach the client completes nothing, but a next-callback date on it
/// still moves the callback. A contact dated before the client's last reached contact (logged
/// late, after a newer one already reset the clock) leaves the callback as it is.
pub fn effect_of_contact(contact: &Contact, client: &Client, open: &[Task], rules: &Rules) -> ContactEffect {
    let date = contact.at.date();
    let open_callback = open.iter().find(|t| matches!(t.id.kind, TaskKind::Callback { .. }) && t.is_open());
    // Only the latest contact sets the clock: one logged late, older than a contact already
    // applied, neither completes the callback that contact set nor moves it back.
    let current = client.last_contact.is_none_or(|last| date >= last);
    let reached = contact.outcome.reached() && client.on_roster();
    let chosen_callback = contact.did(Purpose::Callback, None);
    let own = client.maintainer.as_ref() == Some(&contact.by);
    let agreed_ahead = open_callback.is_some_and(|t| t.agreed && date < t.due);
    let counts_as_callback = reached
        && current
        && (chosen_callback || (rules.any_contact_resets_callback && own && !agreed_ahead));
    let mut complete = Vec::new();
    if reached {
        let wanted = |t: &&Task| {
            completable_on(t.id.kind, t.due, t.created, date)
                && match t.id.kind {
                    TaskKind::Callback { .. } => counts_as_callback,
                    TaskKind::Quarterly(_) => contact.did(Purpose::QuarterlyNotice, None),
                    TaskKind::Launch(l) => contact.did(Purpose::ProductPitch, Some(l)),
                    // Whatever it was about, a contact that reached a dormant client is the
                    // attempt to wake them.
                    TaskKind::Reactivate { .. } => true,
                    // A survey is done when the client gave a score.
                    TaskKind::Survey(_) => {
                        contact.did(Purpose::Survey, None) && contact.satisfaction.is_some()
                    }
                }
        };
        complete = open.iter().filter(|t| t.is_open()).filter(wanted).map(|t| t.id.clone()).collect();
    }
    let callback = if !client.on_roster() || !current || (!own && !chosen_callback) {
        CallbackChange::Keep
    } else if counts_as_callback {
        let cadence = Duration::days(i64::from(rules.callback_days(client.class)));
        CallbackChange::Schedule(contact.next_callback.unwrap_or(date + cadence))
    } else {
        match (contact.next_callback, open_callback) {
            (Some(to), Some(t)) => CallbackChange::Move { task: t.id.clone(), to },
            (Some(to), None) => CallbackChange::Schedule(to),
            (None, _) => CallbackChange::Keep,
        }
    };
    ContactEffect { complete, callback }
}

/// Applies a logged contact to its client and the client's open tasks: marks what it completes,
/// moves or replaces the callback, and keeps the client's last-contact and next-callback dates in
/// step. Returns every task that changed or was created, for the caller to save.
pub fn apply_contact(
    client: &mut Client,
    open: &[Task],
    contact: &Contact,
    rules: &Rules,
    new_callback_seq: u64,
) -> Vec<Task> {
    let effect = effect_of_contact(contact, client, open, rules);
    let date = contact.at.date();
    let mut changed = Vec::new();
    for t in open.iter().filter(|t| effect.complete.contains(&t.id)) {
        let mut t = t.clone();
        t.state = TaskState::Done { on: date, by: contact.by.clone(), contact: contact.id };
        changed.push(t);
    }
    match effect.callback {
        CallbackChange::Keep => {}
        CallbackChange::Move { task, to } => {
            if let Some(t) = open.iter().find(|t| t.id == task) {
                let mut t = t.clone();
                t.reschedule(to, date);
                t.agreed = true;
                changed.push(t);
                client.next_callback = Some(to);
            }
        }
        CallbackChange::Schedule(due) => {
            // At most one open callback: one still open and not just completed is superseded.
            for t in open.iter().filter(|t| matches!(t.id.kind, TaskKind::Callback { .. })) {
                if !effect.complete.contains(&t.id) {
                    let mut t = t.clone();
                    t.state = TaskState::Cancelled { on: date };
                    changed.push(t);
                }
            }
            let mut next = Task::callback(client, new_callback_seq, due, date);
            next.agreed = contact.next_callback == Some(due);
            changed.push(next);
            client.next_callback = Some(due);
        }
    }
    if contact.outcome.reached() {
        client.last_contact = Some(client.last_contact.map_or(date, |d| d.max(date)));
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_presumes_the_callback_only_when_it_is_close_or_its_agreed_day_has_come() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let in_days = |n| today + Duration::days(n);
        assert!(callback_presumed(in_days(7), false, today));
        assert!(!callback_presumed(in_days(8), false, today));
        assert!(callback_presumed(in_days(-3), false, today), "overdue");
        assert!(!callback_presumed(in_days(3), true, today), "agreed for Monday: not on Friday");
        assert!(callback_presumed(today, true, today));
    }
    use crate::domain::client::*;
    use crate::domain::contact::{Channel, Outcome};
    use crate::domain::{Fen, OutletId};
    use chrono::NaiveDateTime;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(date: NaiveDate) -> NaiveDateTime {
        date.and_hms_opt(9, 0, 0).unwrap()
    }

    fn client() -> Client {
        Client {
            gender: Gender::Male,
            phone: "13800138000".into(),
            tier: CardTier::Gold,
            assets: Some(Fen::wan(30)),
            class: ClientClass::Important,
            maintainer: Some(StaffNo::parse("1001").unwrap()),
            ..Client::new(ClientNo::parse("C1").unwrap(), "张伟".into(), OutletId::parse("城关").unwrap())
        }
    }

    fn contact(purpose: Purpose, outcome: Outcome, date: NaiveDate) -> Contact {
        Contact {
            id: ContactId(9),
            client: client().no,
            by: StaffNo::parse("1001").unwrap(),
            at: at(date),
            channel: Channel::Phone,
            purpose,
            launch: None,
            outcome,
            note: String::new(),
            satisfaction: None,
            next_callback: None,
            logged_at: at(date),
            also: Vec::new(),
        }
    }

    fn launch(id: u64) -> ProductLaunch {
        ProductLaunch {
            id: LaunchId(id),
            name: "养老理财".into(),
            description: String::new(),
            launched: d(2026, 11, 1),
            deadline: d(2026, 11, 30),
            by: StaffNo::parse("9001").unwrap(),
            outlet: None,
            withdrawn: None,
        }
    }

    #[test]
    fn a_survey_is_done_only_by_a_reached_survey_contact_with_a_score() {
        let today = d(2026, 11, 18);
        let c = client();
        let follow_up = Task::follow_up_survey(&c, ComplaintId(5), d(2026, 11, 16));
        assert_eq!(follow_up.due, d(2026, 11, 23));
        let scheduled = Task::survey(&c, Quarter::of(today), today);
        let open = vec![follow_up.clone(), scheduled.clone()];
        let rules = Rules::default();
        let mut scored = contact(Purpose::Survey, Outcome::Success, today);
        // No score given: the survey is not done.
        assert!(effect_of_contact(&scored, &c, &open, &rules).complete.is_empty());
        scored.satisfaction = Some(4);
        let done = effect_of_contact(&scored, &c, &open, &rules).complete;
        assert_eq!(done, vec![follow_up.id.clone(), scheduled.id.clone()]);
        // Nobody answered; or the call was about something else.
        let mut missed = contact(Purpose::Survey, Outcome::NoAnswer, today);
        missed.satisfaction = Some(4);
        assert!(effect_of_contact(&missed, &c, &open, &rules).complete.is_empty());
        let mut other = contact(Purpose::Marketing, Outcome::Success, today);
        other.satisfaction = Some(4);
        assert!(!effect_of_contact(&other, &c, &open, &rules).complete.contains(&follow_up.id));
        // A score dated before the complaint closed is not its follow-up.
        let mut early = contact(Purpose::Survey, Outcome::Success, d(2026, 11, 15));
        early.satisfaction = Some(5);
        assert!(!effect_of_contact(&early, &c, &open, &rules).complete.contains(&follow_up.id));
    }

    #[test]
    fn scheduled_surveys_follow_the_class_cadence_spread_over_the_year() {
        let mut c = client();
        let q = |n| Quarter::new(2026, n).unwrap();
        assert!((1..=4).all(|n| survey_due_in(&c, q(n))), "重要客户: every quarter");
        c.class = ClientClass::Ordinary;
        assert_eq!((1..=4).filter(|n| survey_due_in(&c, q(*n))).count(), 1, "普通客户: once a year");
        c.class = ClientClass::Potential;
        assert!(!(1..=4).any(|n| survey_due_in(&c, q(n))));
        // Ordinary clients' surveys do not all fall in the same quarter.
        let quarters: std::collections::BTreeSet<u8> = ["C1", "C2", "C3", "C4"]
            .iter()
            .filter_map(|no| {
                let c = Client { no: ClientNo::parse(no).unwrap(), class: ClientClass::Ordinary, ..client() };
                (1..=4).find(|n| survey_due_in(&c, q(*n)))
            })
            .collect();
        assert_eq!(quarters.len(), 4);
    }

    fn open_tasks(today: NaiveDate) -> Vec<Task> {
        let c = client();
        vec![
            Task::callback(&c, 1, d(2026, 11, 10), today),
            Task::quarterly(&c, Quarter::of(today), today),
            Task::launch(&c, &launch(7), today),
            Task::launch(&c, &launch(8), today),
        ]
    }

    #[test]
    fn quarterly_contact_completes_that_quarters_notification_only() {
        let today = d(2026, 11, 18);
        let rules = only_callbacks_count_as_callbacks();
        let c = contact(Purpose::QuarterlyNotice, Outcome::Success, today);
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &rules);
        assert_eq!(
            e.complete,
            vec![TaskId { client: client().no, kind: TaskKind::Quarterly(Quarter::of(today)) }]
        );
        assert_eq!(e.callback, CallbackChange::Keep);
        // Backdated into the previous quarter: this quarter's task stays open.
        let c = contact(Purpose::QuarterlyNotice, Outcome::Success, d(2026, 9, 30));
        assert!(effect_of_contact(&c, &client(), &open_tasks(today), &rules).complete.is_empty());
    }

    #[test]
    fn callback_contact_completes_and_schedules_by_cadence_or_given_date() {
        let today = d(2026, 11, 18);
        let rules = Rules::default();
        let c = contact(Purpose::Callback, Outcome::Success, today);
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &rules);
        assert_eq!(e.complete, vec![TaskId { client: client().no, kind: TaskKind::Callback { seq: 1 } }]);
        // 重要客户: 60 days by default.
        assert_eq!(e.callback, CallbackChange::Schedule(d(2027, 1, 17)));
        let mut c = c;
        c.next_callback = Some(d(2026, 12, 5));
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &rules);
        assert_eq!(e.callback, CallbackChange::Schedule(d(2026, 12, 5)));
    }

    fn only_callbacks_count_as_callbacks() -> Rules {
        Rules { any_contact_resets_callback: false, ..Rules::default() }
    }

    #[test]
    fn a_contact_logged_for_a_task_as_its_kind_suggests_completes_exactly_that_task() {
        let today = d(2026, 11, 18);
        for task in open_tasks(today) {
            let (purpose, launch) = task.id.kind.completed_by();
            let mut c = contact(purpose, Outcome::Success, today);
            c.launch = launch;
            let e =
                effect_of_contact(&c, &client(), &open_tasks(today), &only_callbacks_count_as_callbacks());
            assert_eq!(e.complete, vec![task.id.clone()], "{:?}", task.id.kind);
        }
    }

    #[test]
    fn product_pitch_completes_only_the_named_launch() {
        let today = d(2026, 11, 18);
        let mut c = contact(Purpose::ProductPitch, Outcome::Declined, today);
        c.launch = Some(LaunchId(8));
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &only_callbacks_count_as_callbacks());
        assert_eq!(e.complete, vec![TaskId { client: client().no, kind: TaskKind::Launch(LaunchId(8)) }]);
        // After its deadline (11-30) a pitch no longer completes the launch's task.
        let mut late = contact(Purpose::ProductPitch, Outcome::Success, d(2026, 12, 1));
        late.launch = Some(LaunchId(8));
        let e = effect_of_contact(&late, &client(), &open_tasks(today), &only_callbacks_count_as_callbacks());
        assert!(e.complete.is_empty());
    }

    #[test]
    fn any_reached_contact_resets_the_callback_clock_and_keeps_an_agreed_date() {
        let today = d(2026, 11, 18);
        let rules = Rules::default();
        let callback = TaskId { client: client().no, kind: TaskKind::Callback { seq: 1 } };
        let marketing = contact(Purpose::Marketing, Outcome::Interested, today);
        let e = effect_of_contact(&marketing, &client(), &open_tasks(today), &rules);
        assert_eq!(e.complete, vec![callback.clone()]);
        assert_eq!(e.callback, CallbackChange::Schedule(d(2027, 1, 17)), "one cadence (60 days) on");
        // An explicitly agreed 下次回访 on the contact is kept as given.
        let mut agreed = marketing.clone();
        agreed.next_callback = Some(d(2026, 12, 3));
        let e = effect_of_contact(&agreed, &client(), &open_tasks(today), &rules);
        assert_eq!(e.callback, CallbackChange::Schedule(d(2026, 12, 3)));
        // Applied: recorded on the callback as done by that contact, on its date.
        let mut cl = client();
        let changed = apply_contact(&mut cl, &open_tasks(today), &marketing, &rules, 50);
        let done = changed.iter().find(|t| t.id == callback).unwrap();
        assert_eq!(
            done.state,
            TaskState::Done { on: today, by: StaffNo::parse("1001").unwrap(), contact: ContactId(9) }
        );
        // Not reached, or the branch switched it off: the callback stays as it is.
        let missed = contact(Purpose::Marketing, Outcome::NoAnswer, today);
        let e = effect_of_contact(&missed, &client(), &open_tasks(today), &rules);
        assert_eq!((e.complete.len(), e.callback), (0, CallbackChange::Keep));
        let e = effect_of_contact(
            &marketing,
            &client(),
            &open_tasks(today),
            &only_callbacks_count_as_callbacks(),
        );
        assert_eq!((e.complete.len(), e.callback), (0, CallbackChange::Keep));
    }

    #[test]
    fn a_contact_older_than_the_last_one_leaves_the_callback_alone() {
        let c = Client { last_contact: Some(d(2026, 11, 15)), ..client() };
        let open = vec![Task::callback(&c, 3, d(2027, 1, 10), d(2026, 11, 15))];
        let old = contact(Purpose::Callback, Outcome::Success, d(2026, 11, 12));
        let e = effect_of_contact(&old, &c, &open, &Rules::default());
        assert!(e.complete.is_empty());
        assert_eq!(e.callback, CallbackChange::Keep);
        let same_day = contact(Purpose::Callback, Outcome::Success, d(2026, 11, 15));
        assert_eq!(effect_of_contact(&same_day, &c, &open, &Rules::default()).complete.len(), 1);
    }

    #[test]
    fn an_unanswered_call_completes_nothing_but_can_move_the_callback() {
        let today = d(2026, 11, 18);
        let mut c = contact(Purpose::Callback, Outcome::NoAnswer, today);
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &Rules::default());
        assert!(e.complete.is_empty());
        assert_eq!(e.callback, CallbackChange::Keep);
        c.next_callback = Some(d(2026, 11, 20));
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &Rules::default());
        assert_eq!(
            e.callback,
            CallbackChange::Move {
                task: TaskId { client: client().no, kind: TaskKind::Callback { seq: 1 } },
                to: d(2026, 11, 20)
            }
        );
    }

    #[test]
    fn contacts_with_clients_off_the_roster_touch_no_tasks() {
        let today = d(2026, 11, 18);
        let mut cl = client();
        cl.maintainer = None;
        let mut c = contact(Purpose::Callback, Outcome::Success, today);
        c.next_callback = Some(d(2026, 12, 1));
        let e = effect_of_contact(&c, &cl, &open_tasks(today), &Rules::default());
        assert!(e.complete.is_empty());
        assert_eq!(e.callback, CallbackChange::Keep);
    }

    #[test]
    fn applying_a_callback_completes_it_opens_the_next_and_updates_the_client() {
        let today = d(2026, 11, 18);
        let mut cl = client();
        let open = open_tasks(today);
        cl.next_callback = Some(open[0].due);
        let c = contact(Purpose::Callback, Outcome::Success, today);
        let changed = apply_contact(&mut cl, &open, &c, &Rules::default(), 77);
        assert_eq!(changed.len(), 2);
        assert_eq!(changed[0].id.kind, TaskKind::Callback { seq: 1 });
        assert!(matches!(changed[0].state, TaskState::Done { contact: ContactId(9), .. }));
        assert_eq!(changed[1].id.kind, TaskKind::Callback { seq: 77 });
        assert!(changed[1].is_open());
        assert_eq!(cl.next_callback, Some(changed[1].due));
        assert_eq!(cl.last_contact, Some(today));
    }

    #[test]
    fn an_unreached_contact_does_not_count_as_last_contact() {
        let today = d(2026, 11, 18);
        let mut cl = client();
        let c = contact(Purpose::QuarterlyNotice, Outcome::NoAnswer, today);
        assert!(apply_contact(&mut cl, &open_tasks(today), &c, &Rules::default(), 77).is_empty());
        assert_eq!(cl.last_contact, None);
    }

    #[test]
    fn a_late_callback_moved_to_a_new_date_stays_late_and_an_early_one_does_not() {
        let today = d(2026, 11, 18);
        let c = client();
        let mut late = Task::callback(&c, 1, d(2026, 11, 1), d(2026, 10, 1));
        late.reschedule(d(2026, 11, 20), today);
        assert_eq!((late.due, late.first_due), (d(2026, 11, 20), d(2026, 11, 1)));
        let mut early = Task::callback(&c, 2, d(2026, 11, 25), d(2026, 10, 1));
        early.reschedule(d(2026, 12, 2), today);
        assert_eq!((early.due, early.first_due), (d(2026, 12, 2), d(2026, 12, 2)));
    }

    #[test]
    fn a_next_callback_is_suggested_only_after_a_contact_that_counts_as_the_callback() {
        let today = d(2026, 11, 18);
        assert_eq!(suggested_next_callback(Purpose::Callback, true, false, 60, today), Some(d(2027, 1, 17)));
        assert_eq!(suggested_next_callback(Purpose::Callback, false, true, 60, today), None);
        assert_eq!(suggested_next_callback(Purpose::QuarterlyNotice, true, false, 60, today), None);
        assert_eq!(
            suggested_next_callback(Purpose::QuarterlyNotice, true, true, 60, today),
            Some(d(2027, 1, 17)),
            "any reached contact resets the clock"
        );
    }

    #[test]
    fn a_client_back_on_a_roster_is_owed_a_task_cancelled_when_it_left() {
        let today = d(2026, 11, 18);
        let c = client();
        let mut q = Task::quarterly(&c, Quarter::of(today), d(2026, 10, 1));
        q.state = TaskState::Cancelled { on: d(2026, 11, 1) };
        let owed = owed_on_joining(&c, &[q], today, &Rules::default(), &[], 5);
        assert!(owed.iter().any(|t| t.id.kind == TaskKind::Quarterly(Quarter::of(today)) && t.is_open()));
    }

    #[test]
    fn first_callback_follows_last_contact_but_never_lies_in_the_past() {
        let today = d(2026, 11, 18);
        let rules = Rules::default();
        let mut c = client();
        assert_eq!(first_callback_due(&c, today, &rules), d(2026, 11, 25));
        c.last_contact = Some(d(2026, 10, 1));
        assert_eq!(first_callback_due(&c, today, &rules), d(2026, 11, 30));
        c.last_contact = Some(d(2026, 1, 1));
        assert_eq!(first_callback_due(&c, today, &rules), today);
    }

    #[test]
    fn a_client_joining_a_roster_is_owed_each_kind_of_task_once() {
        let today = d(2026, 11, 18);
        let rules = Rules::default();
        let c = client();
        let mut ended = launch(5);
        ended.deadline = d(2026, 11, 1);
        let launches = vec![launch(7), ended];
        let owed = owed_on_joining(&c, &[], today, &rules, &launches, 42);
        let kinds: Vec<TaskKind> = owed.iter().map(|t| t.id.kind).collect();
        assert_eq!(
            kinds,
            vec![
                TaskKind::Callback { seq: 42 },
                TaskKind::Quarterly(Quarter::of(today)),
                TaskKind::Survey(SurveyFor::Period(Quarter::of(today))),
                TaskKind::Launch(LaunchId(7))
            ]
        );
        assert_eq!(owed[0].due, d(2026, 11, 25));
        // Already has them (the quarterly one even done): nothing new.
        let mut had = owed.clone();
        had[1].state =
            TaskState::Done { on: today, by: c.maintainer.clone().unwrap(), contact: ContactId(1) };
        assert!(owed_on_joining(&c, &had, today, &rules, &launches, 43).is_empty());
    }

    #[test]
    fn a_client_joining_owes_a_scheduled_survey_only_in_its_quarter_and_outside_the_grace_days() {
        let rules = Rules::default();
        let q4 = Quarter::new(2026, 4).unwrap();
        let survey = TaskKind::Survey(SurveyFor::Period(q4));
        let kinds = |c: &Client, day| {
            owed_on_joining(c, &[], day, &rules, &[], 1).iter().map(|t| t.id.kind).collect::<Vec<_>>()
        };
        // 重要 on 11-18: this quarter's survey, due on its last day.
        let important = client();
        let owed = owed_on_joining(&important, &[], d(2026, 11, 18), &rules, &[], 1);
        let s = owed.iter().find(|t| t.id.kind == survey).unwrap();
        assert_eq!((s.due, s.maintainer.clone()), (d(2026, 12, 31), important.maintainer.clone()));
        // In the quarter's last 15 days neither the notice nor the survey is owed.
        assert!(!kinds(&important, d(2026, 12, 17)).contains(&survey));
        assert!(kinds(&important, d(2026, 12, 15)).contains(&survey), "16 days left: still owed");
        // 普通: only in the one quarter a year its number picks; 潜在: never.
        let ordinary =
            |no: &str| Client { no: ClientNo::parse(no).unwrap(), class: ClientClass::Ordinary, ..client() };
        let (due, not_due): (Vec<&str>, Vec<&str>) =
            ["C1", "C2", "C3", "C4"].iter().partition(|no| survey_due_in(&ordinary(no), q4));
        assert_eq!(due.len(), 1);
        assert!(kinds(&ordinary(due[0]), d(2026, 11, 18)).contains(&survey));
        assert!(not_due.iter().all(|no| !kinds(&ordinary(no), d(2026, 11, 18)).contains(&survey)));
        let potential = Client { class: ClientClass::Potential, ..client() };
        assert!(!kinds(&potential, d(2026, 11, 18)).contains(&survey));
    }

    #[test]
    fn a_move_hands_over_what_is_not_yet_due_and_owes_newcomers_their_tasks() {
        let today = d(2026, 11, 18);
        let rules = Rules::default();
        let (to, from) = (StaffNo::parse("2002").unwrap(), StaffNo::parse("1001").unwrap());
        let mut done = Task::launch(&client(), &launch(8), d(2026, 11, 2));
        done.state = TaskState::Done { on: today, by: from.clone(), contact: ContactId(1) };
        // The callback fell due on 11-10; the notice and launch 7 are not due yet.
        let mut had = open_tasks(today);
        had.retain(|t| t.id.kind != TaskKind::Launch(LaunchId(8)));
        had.push(done);

        // Handover: the overdue callback stays with the giver as a miss, the receiver gets one of
        // their own a week on; the notice and the launch go along; the done one is left alone.
        let (c, tasks) = move_client(client(), &had, Some(&to), today, &rules, &[launch(7)], 99);
        assert_eq!(c.maintainer.as_ref(), Some(&to));
        let by_kind = |k: TaskKind| tasks.iter().find(|t| t.id.kind == k).unwrap();
        let left = by_kind(TaskKind::Callback { seq: 1 });
        assert_eq!((left.maintainer.as_ref(), &left.state), (Some(&from), &TaskState::Lapsed { on: today }));
        let fresh = by_kind(TaskKind::Callback { seq: 99 });
        assert_eq!((fresh.maintainer.as_ref(), fresh.due), (Some(&to), d(2026, 11, 25)));
        assert_eq!(c.next_callback, Some(d(2026, 11, 25)));
        for k in [TaskKind::Quarterly(Quarter::of(today)), TaskKind::Launch(LaunchId(7))] {
            assert!(by_kind(k).is_open() && by_kind(k).maintainer.as_ref() == Some(&to), "{k:?}");
        }
        assert_eq!(tasks.len(), 4);

        // Off every roster: what is due lapses with its owner, the rest is cancelled.
        let (c, tasks) = move_client(client(), &had, None, today, &rules, &[launch(7)], 99);
        assert_eq!((c.maintainer, c.next_callback), (None, None));
        assert_eq!(tasks.len(), 3);
        for t in &tasks {
            let want_lapsed = matches!(t.id.kind, TaskKind::Callback { .. });
            assert_eq!(matches!(t.state, TaskState::Lapsed { .. }), want_lapsed, "{:?}", t.id.kind);
            assert_eq!(matches!(t.state, TaskState::Cancelled { .. }), !want_lapsed, "{:?}", t.id.kind);
            assert_eq!(t.maintainer.as_ref(), Some(&from));
        }

        // Unassigned and joining: owed a first callback, the quarter's notice and running launches.
        let newcomer = Client { maintainer: None, ..client() };
        let (c, tasks) = move_client(newcomer, &[], Some(&to), today, &rules, &[launch(7)], 99);
        let kinds: Vec<TaskKind> = tasks.iter().map(|t| t.id.kind).collect();
        assert_eq!(
            kinds,
            [
                TaskKind::Callback { seq: 99 },
                TaskKind::Quarterly(Quarter::of(today)),
                TaskKind::Survey(SurveyFor::Period(Quarter::of(today))),
                TaskKind::Launch(LaunchId(7))
            ]
        );
        assert_eq!(c.next_callback, Some(d(2026, 11, 25)));
        assert!(tasks.iter().all(|t| t.maintainer.as_ref() == Some(&to)));
    }

    #[test]
    fn in_a_quarters_last_days_the_notice_stays_with_the_giver_and_newcomers_owe_none() {
        let today = d(2026, 12, 20);
        let rules = Rules::default();
        let (to, from) = (StaffNo::parse("2002").unwrap(), StaffNo::parse("1001").unwrap());
        let q4 = Task::quarterly(&client(), Quarter::of(today), d(2026, 10, 1));
        let cb = Task::callback(&client(), 1, d(2027, 1, 5), d(2026, 11, 6));
        let (_, tasks) = move_client(client(), &[q4.clone(), cb], Some(&to), today, &rules, &[], 9);
        assert_eq!(tasks.len(), 1, "only the callback moves");
        assert_eq!(tasks[0].id.kind, TaskKind::Callback { seq: 1 });
        assert_eq!(q4.maintainer.as_ref(), Some(&from));
        let newcomer = Client { maintainer: None, ..client() };
        let (_, tasks) = move_client(newcomer, &[], Some(&to), d(2026, 12, 31), &rules, &[], 9);
        assert!(!tasks.iter().any(|t| matches!(t.id.kind, TaskKind::Quarterly(_))), "no Q4 notice owed");
    }

    #[test]
    fn notifications_and_launches_lapse_once_backdating_cannot_complete_them() {
        let c = client();
        let q4 = Task::quarterly(&c, Quarter { year: 2026, q: 4 }, d(2026, 10, 1));
        assert!(!q4.lapses(d(2027, 1, 1)), "a notice given 12-31 may be logged until 01-31");
        assert!(!q4.lapses(d(2027, 1, 31)));
        assert!(q4.lapses(d(2027, 2, 1)));
        let cb = Task::callback(&c, 1, d(2026, 11, 1), d(2026, 10, 1));
        assert!(!cb.lapses(d(2027, 6, 1)), "a callback is owed until done");
        let l = Task::launch(&c, &launch(7), d(2026, 11, 1));
        assert!(!l.lapses(d(2026, 12, 31)));
        assert!(l.lapses(d(2027, 1, 1)));
        // Q1 of a leap year: 03-31 + 31 days.
        let q1 = Task::quarterly(&c, Quarter { year: 2028, q: 1 }, d(2028, 2, 29));
        assert!(!q1.lapses(d(2028, 5, 1)) && q1.lapses(d(2028, 5, 2)));
    }

    #[test]
    fn owed_judges_done_on_time_late_missed_and_not_yet_due() {
        let c = client();
        let by = StaffNo::parse("1001").unwrap();
        let mut t = Task::callback(&c, 1, d(2026, 11, 10), d(2026, 10, 1));
        let at = |t: &Task, day| owed(t, day).map(|o| o.outcome);
        assert_eq!(at(&t, d(2026, 11, 10)), Some(TaskOutcome::NotDue), "due today is not late yet");
        assert_eq!(at(&t, d(2026, 11, 11)), Some(TaskOutcome::Missed));
        t.state = TaskState::Done { on: d(2026, 11, 10), by: by.clone(), contact: ContactId(1) };
        assert_eq!(at(&t, d(2026, 12, 1)), Some(TaskOutcome::DoneOnTime));
        t.state = TaskState::Done { on: d(2026, 11, 12), by: by.clone(), contact: ContactId(1) };
        assert_eq!(at(&t, d(2026, 12, 1)), Some(TaskOutcome::DoneLate));
        t.state = TaskState::Lapsed { on: d(2026, 11, 12) };
        assert_eq!(at(&t, d(2026, 12, 1)), Some(TaskOutcome::Missed));
        t.state = TaskState::Cancelled { on: d(2026, 11, 12) };
        assert_eq!(owed(&t, d(2026, 12, 1)), None);
        assert_eq!(
            owed(&Task::callback(&c, 2, d(2026, 12, 1), d(2026, 11, 1)), d(2026, 11, 1)).unwrap().owner,
            Some(&by)
        );
    }

    #[test]
    fn quarterly_tasks_fall_due_on_the_quarters_last_day() {
        let today = d(2026, 11, 18);
        let t = Task::quarterly(&client(), Quarter::of(today), today);
        assert_eq!(t.due, d(2026, 12, 31));
        assert!(t.is_open());
        assert_eq!(t.maintainer, client().maintainer);
    }

    #[test]
    fn an_agreed_callback_is_done_only_on_purpose_or_from_its_day() {
        let today = d(2026, 11, 18);
        let mut agreed = Task::callback(&client(), 1, d(2026, 11, 23), today);
        agreed.agreed = true;
        let open = vec![agreed.clone()];
        let rules = Rules::default();
        let mut c = client();
        let before = contact(Purpose::Marketing, Outcome::Success, d(2026, 11, 20));
        let e = effect_of_contact(&before, &c, &open, &rules);
        assert!(e.complete.is_empty(), "a call about something else before the day");
        assert_eq!(e.callback, CallbackChange::Keep);
        let on_purpose = contact(Purpose::Callback, Outcome::Success, d(2026, 11, 20));
        assert_eq!(effect_of_contact(&on_purpose, &c, &open, &rules).complete, [agreed.id.clone()]);
        let on_the_day = contact(Purpose::Marketing, Outcome::Success, d(2026, 11, 23));
        assert_eq!(effect_of_contact(&on_the_day, &c, &open, &rules).complete, [agreed.id.clone()]);
        // A date the user gives on that earlier call moves the agreement and is itself agreed.
        let moved = Contact { next_callback: Some(d(2026, 11, 27)), ..before };
        let changed = apply_contact(&mut c, &open, &moved, &rules, 2);
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].due, changed[0].agreed, changed[0].is_open()), (d(2026, 11, 27), true, true));
    }

    #[test]
    fn a_scheduled_callback_is_agreed_only_when_the_contact_gave_its_date() {
        let today = d(2026, 11, 18);
        let open = vec![Task::callback(&client(), 1, d(2026, 11, 20), today)];
        let rules = Rules::default();
        let mut c = client();
        let by_cadence =
            apply_contact(&mut c, &open, &contact(Purpose::Callback, Outcome::Success, today), &rules, 2);
        let next = by_cadence.iter().find(|t| t.is_open()).unwrap();
        assert!(!next.agreed);
        let mut c = client();
        let given = Contact {
            next_callback: Some(d(2026, 12, 1)),
            ..contact(Purpose::Callback, Outcome::Success, today)
        };
        let next = apply_contact(&mut c, &open, &given, &rules, 2).into_iter().find(|t| t.is_open()).unwrap();
        assert_eq!((next.due, next.agreed), (d(2026, 12, 1), true));
    }

    #[test]
    fn a_colleagues_contact_leaves_the_maintainers_callback_unless_it_is_a_callback() {
        let today = d(2026, 11, 18);
        let open = open_tasks(today);
        let rules = Rules::default();
        let colleague = StaffNo::parse("3001").unwrap();
        let walk_in = Contact {
            by: colleague.clone(),
            next_callback: Some(d(2026, 12, 1)),
            ..contact(Purpose::Marketing, Outcome::Success, today)
        };
        let e = effect_of_contact(&walk_in, &client(), &open, &rules);
        assert!(e.complete.is_empty());
        assert_eq!(e.callback, CallbackChange::Keep);
        let ticked = Contact {
            also: vec![super::super::contact::Aim { purpose: Purpose::Callback, launch: None }],
            ..walk_in
        };
        let e = effect_of_contact(&ticked, &client(), &open, &rules);
        assert_eq!(e.complete, [open[0].id.clone()]);
        assert_eq!(e.callback, CallbackChange::Schedule(d(2026, 12, 1)));
    }

    #[test]
    fn one_contact_with_several_purposes_completes_each_task() {
        let today = d(2026, 11, 18);
        let open = open_tasks(today);
        let rules = Rules::default();
        let all = Contact {
            also: vec![
                super::super::contact::Aim { purpose: Purpose::QuarterlyNotice, launch: None },
                super::super::contact::Aim { purpose: Purpose::ProductPitch, launch: Some(LaunchId(8)) },
            ],
            ..contact(Purpose::Callback, Outcome::Success, today)
        };
        let e = effect_of_contact(&all, &client(), &open, &rules);
        let kinds: Vec<TaskKind> = e.complete.iter().map(|id| id.kind).collect();
        assert_eq!(
            kinds,
            [
                TaskKind::Callback { seq: 1 },
                TaskKind::Quarterly(Quarter::of(today)),
                TaskKind::Launch(LaunchId(8))
            ],
            "launch 7 was not pitched"
        );
        let unheard = Contact { outcome: Outcome::NoAnswer, ..all };
        assert!(effect_of_contact(&unheard, &client(), &open, &rules).complete.is_empty());
    }

    fn asleep(c: &Client) -> Client {
        Client { status: ClientStatus::Dormant, ..c.clone() }
    }

    #[test]
    fn a_dormant_roster_client_owes_one_wake_up_call_per_time_it_falls_asleep() {
        let (fell, today) = (d(2026, 10, 20), d(2026, 11, 2));
        let c = asleep(&client());
        let new = reactivation_change(&c, &[], Some(fell), today);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].id.kind, TaskKind::Reactivate { since: today });
        assert_eq!(new[0].due, d(2026, 12, 2), "a month to make the call");
        assert_eq!(new[0].maintainer, c.maintainer, "owed by whoever holds the client");
        // Open, or done since it fell asleep: nothing more is owed, however often asked.
        assert!(reactivation_change(&c, &new, Some(fell), d(2026, 11, 3)).is_empty());
        let mut done = new[0].clone();
        done.state = TaskState::Done {
            on: d(2026, 11, 5),
            by: StaffNo::parse("1001").unwrap(),
            contact: ContactId(1),
        };
        assert!(reactivation_change(&c, std::slice::from_ref(&done), Some(fell), d(2026, 11, 20)).is_empty());
        // It woke, then fell asleep again in January: a new attempt is owed.
        let again =
            reactivation_change(&c, std::slice::from_ref(&done), Some(d(2027, 1, 10)), d(2027, 1, 10));
        assert_eq!(again.len(), 1);
        // Not on a roster, or no longer asleep: none is owed, and an open one is cancelled.
        let off = Client { maintainer: None, ..c.clone() };
        assert!(reactivation_change(&off, &[], Some(fell), today).is_empty());
        let woke = Client { status: ClientStatus::Active, ..c.clone() };
        let cancelled = reactivation_change(&woke, &new, Some(fell), d(2026, 11, 9));
        assert_eq!(cancelled.len(), 1);
        assert_eq!(cancelled[0].state, TaskState::Cancelled { on: d(2026, 11, 9) });
        let lost = Client { status: ClientStatus::Lost, ..c };
        assert_eq!(reactivation_change(&lost, &new, Some(fell), d(2026, 11, 9)).len(), 1);
    }

    #[test]
    fn any_contact_that_reaches_a_dormant_client_after_it_fell_asleep_is_the_wake_up_call() {
        let today = d(2026, 11, 2);
        let c = asleep(&client());
        let task = Task::reactivate(&c, today);
        let rules = Rules::default();
        for purpose in [Purpose::Marketing, Purpose::QuarterlyNotice, Purpose::Survey] {
            let e = effect_of_contact(
                &contact(purpose, Outcome::Success, d(2026, 11, 4)),
                &c,
                std::slice::from_ref(&task),
                &rules,
            );
            assert_eq!(e.complete, vec![task.id.clone()], "{purpose:?}");
        }
        let unanswered = contact(Purpose::Marketing, Outcome::NoAnswer, d(2026, 11, 4));
        assert!(effect_of_contact(&unanswered, &c, std::slice::from_ref(&task), &rules).complete.is_empty());
        // Logged late, dated before the client fell asleep: not an attempt to wake it.
        let before = contact(Purpose::Marketing, Outcome::Success, d(2026, 11, 1));
        assert!(effect_of_contact(&before, &c, std::slice::from_ref(&task), &rules).complete.is_empty());
        // It is owed until done: it never lapses like a notice does.
        assert!(!task.lapses(d(2027, 3, 1)));
    }

    #[test]
    fn a_handover_leaves_a_missed_wake_up_call_with_the_giver_and_owes_the_receiver_a_new_one() {
        let rules = Rules::default();
        let c = asleep(&client());
        let giver = c.maintainer.clone();
        let receiver = StaffNo::parse("1002").unwrap();
        let opened = d(2026, 10, 1);
        let task = Task::reactivate(&c, opened); // due 10-31
        // Not yet due: it moves with the client.
        let (_, changed) = move_client(
            c.clone(),
            std::slice::from_ref(&task),
            Some(&receiver),
            d(2026, 10, 20),
            &rules,
            &[],
            5,
        );
        let moved: Vec<_> =
            changed.iter().filter(|t| matches!(t.id.kind, TaskKind::Reactivate { .. })).collect();
        assert_eq!(moved.len(), 1);
        assert_eq!((moved[0].maintainer.as_ref(), moved[0].is_open()), (Some(&receiver), true));
        // Overdue: the giver's miss stays theirs; the receiver owes a fresh one from the handover.
        let day = d(2026, 11, 10);
        let (_, changed) =
            move_client(c.clone(), std::slice::from_ref(&task), Some(&receiver), day, &rules, &[], 5);
        let old = changed.iter().find(|t| t.id == task.id).expect("the missed one is closed");
        assert_eq!((&old.maintainer, &old.state), (&giver, &TaskState::Lapsed { on: day }));
        let fresh =
            changed.iter().find(|t| t.id.kind == TaskKind::Reactivate { since: day }).expect("a new one");
        assert_eq!((fresh.maintainer.as_ref(), fresh.due), (Some(&receiver), d(2026, 12, 10)));
        // Joining a roster while asleep: owed at once.
        let unassigned = Client { maintainer: None, ..c };
        let (_, joined) = move_client(unassigned, &[], Some(&receiver), day, &rules, &[], 5);
        assert!(joined.iter().any(|t| t.id.kind == TaskKind::Reactivate { since: day } && t.is_open()));
    }

    #[test]
    fn the_day_a_client_fell_asleep_is_its_latest_change_into_dormant() {
        use crate::domain::results::{ClientState, StateChange};
        let st = |status| ClientState { tier: CardTier::Gold, segment: Segment::Maintain, status };
        let ch = |on, from: Option<ClientState>, to| StateChange { client: client().no, on, from, to };
        let active = st(ClientStatus::Active);
        let dormant = st(ClientStatus::Dormant);
        assert_eq!(asleep_since(&[ch(d(2020, 1, 1), None, active)]), None);
        assert_eq!(asleep_since(&[ch(d(2020, 1, 1), None, dormant)]), Some(d(2020, 1, 1)));
        let tier_change_while_asleep = ClientState { tier: CardTier::Platinum, ..dormant };
        let h = [
            ch(d(2020, 1, 1), None, active),
            ch(d(2025, 3, 1), Some(active), dormant),
            ch(d(2025, 6, 1), Some(dormant), active),
            ch(d(2026, 9, 1), Some(active), dormant),
            ch(d(2026, 10, 1), Some(dormant), tier_change_while_asleep),
        ];
        assert_eq!(asleep_since(&h), Some(d(2026, 9, 1)), "a tier change while asleep is not falling asleep");
    }
}
