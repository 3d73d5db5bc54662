//! Work items (任务): regular callbacks, quarterly notifications and new-product recommendations,
//! and what a logged contact does to them.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::calendar::Quarter;
use super::client::Client;
use super::contact::{Contact, Purpose};
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
}

impl TaskKind {
    /// The purpose a contact must have to complete a task of this kind (`effect_of_contact`),
    /// and with it the launch it is about.
    pub fn completed_by(self) -> (Purpose, Option<LaunchId>) {
        match self {
            TaskKind::Callback { .. } => (Purpose::Callback, None),
            TaskKind::Quarterly(_) => (Purpose::QuarterlyNotice, None),
            TaskKind::Launch(id) => (Purpose::ProductPitch, Some(id)),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskKind::Callback { .. } => "回访",
            TaskKind::Quarterly(_) => "季度告知",
            TaskKind::Launch(_) => "新品推介",
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
    /// Who owes it; follows the client when the client is handed over while the task is open.
    pub maintainer: Option<StaffNo>,
    /// When it is due now; a callback may be moved (a new date agreed with the client).
    pub due: NaiveDate,
    /// When it first fell due. Lateness is judged against this, so moving a callback that is
    /// already late does not make it on time.
    pub first_due: NaiveDate,
    pub created: NaiveDate,
    pub state: TaskState,
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

    /// A quarterly notification or a launch recommendation is owed only within its period; an
    /// overdue callback is still owed and stays open until done.
    pub fn lapses(&self, today: NaiveDate) -> bool {
        self.is_open() && !matches!(self.id.kind, TaskKind::Callback { .. }) && self.due < today
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

    fn open(client: &Client, kind: TaskKind, due: NaiveDate, today: NaiveDate) -> Task {
        Task {
            id: TaskId { client: client.no.clone(), kind },
            maintainer: client.maintainer.clone(),
            due,
            first_due: due,
            created: today,
            state: TaskState::Open,
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
/// this quarter's notification, and one recommendation per launch still running.
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
    if !has(TaskKind::Quarterly(quarter)) {
        out.push(Task::quarterly(client, quarter, today));
    }
    for l in launches.iter().filter(|l| l.is_running(today)) {
        if !has(TaskKind::Launch(l.id)) {
            out.push(Task::launch(client, l, today));
        }
    }
    out
}

/// What moving `client` to `to` (None: off every roster) does to it and its tasks, given all
/// the tasks it has had. A handover carries open tasks to the new maintainer; leaving every
/// roster cancels them and clears the next callback; joining a roster keeps what is open and
/// adds what the client is owed, with `callback_seq` for a new callback if one is needed.
/// Returns the client as it will be and every task that changes or is new.
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
    let mut tasks: Vec<Task> = existing.iter().filter(|t| t.is_open()).cloned().collect();
    for t in &mut tasks {
        t.maintainer = to.cloned();
        if to.is_none() {
            t.state = TaskState::Cancelled { on: today };
        }
    }
    if to.is_none() {
        client.next_callback = None;
    } else if joining {
        tasks.extend(owed_on_joining(&client, existing, today, rules, launches, callback_seq));
        client.next_callback = tasks
            .iter()
            .find(|t| t.is_open() && matches!(t.id.kind, TaskKind::Callback { .. }))
            .map(|t| t.due);
    }
    (client, tasks)
}

/// The next-callback date a contact form offers: after a callback that reached the client, one
/// cadence on; after anything else, nothing (the callback stays as it is unless the user sets
/// a date — an unanswered call must not quietly push an overdue callback out of sight).
pub fn suggested_next_callback(
    purpose: Purpose,
    reached: bool,
    cadence_days: u16,
    today: NaiveDate,
) -> Option<NaiveDate> {
    (purpose == Purpose::Callback && reached).then(|| today + Duration::days(i64::from(cadence_days)))
}

/// What logging a contact does to the client's tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEffect {
    pub complete: Vec<TaskId>,
    pub callback: CallbackChange,
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

/// A reached 回访 completes the open callback and schedules the next (on the date given, else one
/// cadence on); a reached 季度告知 completes the notification for the quarter the contact fell in;
/// a reached 新品推介 completes that launch's task. A contact that did not reach the client
/// completes nothing, but a next-callback date on it still moves the callback.
pub fn effect_of_contact(contact: &Contact, client: &Client, open: &[Task], rules: &Rules) -> ContactEffect {
    let date = contact.at.date();
    let open_callback = open.iter().find(|t| matches!(t.id.kind, TaskKind::Callback { .. }) && t.is_open());
    let mut complete = Vec::new();
    if contact.outcome.reached() && client.on_roster() {
        let wanted = |t: &&Task| match (contact.purpose, t.id.kind) {
            (Purpose::Callback, TaskKind::Callback { .. }) => true,
            (Purpose::QuarterlyNotice, TaskKind::Quarterly(q)) => q.contains(date),
            (Purpose::ProductPitch, TaskKind::Launch(l)) => contact.launch == Some(l),
            _ => false,
        };
        complete = open.iter().filter(|t| t.is_open()).filter(wanted).map(|t| t.id.clone()).collect();
    }
    let callback = if !client.on_roster() {
        CallbackChange::Keep
    } else if contact.purpose == Purpose::Callback && contact.outcome.reached() {
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
            changed.push(Task::callback(client, new_callback_seq, due, date));
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
        }
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
        let c = contact(Purpose::QuarterlyNotice, Outcome::Success, today);
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &Rules::default());
        assert_eq!(
            e.complete,
            vec![TaskId { client: client().no, kind: TaskKind::Quarterly(Quarter::of(today)) }]
        );
        assert_eq!(e.callback, CallbackChange::Keep);
        // Backdated into the previous quarter: this quarter's task stays open.
        let c = contact(Purpose::QuarterlyNotice, Outcome::Success, d(2026, 9, 30));
        assert!(effect_of_contact(&c, &client(), &open_tasks(today), &Rules::default()).complete.is_empty());
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

    #[test]
    fn a_contact_logged_for_a_task_as_its_kind_suggests_completes_exactly_that_task() {
        let today = d(2026, 11, 18);
        for task in open_tasks(today) {
            let (purpose, launch) = task.id.kind.completed_by();
            let mut c = contact(purpose, Outcome::Success, today);
            c.launch = launch;
            let e = effect_of_contact(&c, &client(), &open_tasks(today), &Rules::default());
            assert_eq!(e.complete, vec![task.id.clone()], "{:?}", task.id.kind);
        }
    }

    #[test]
    fn product_pitch_completes_only_the_named_launch() {
        let today = d(2026, 11, 18);
        let mut c = contact(Purpose::ProductPitch, Outcome::Declined, today);
        c.launch = Some(LaunchId(8));
        let e = effect_of_contact(&c, &client(), &open_tasks(today), &Rules::default());
        assert_eq!(e.complete, vec![TaskId { client: client().no, kind: TaskKind::Launch(LaunchId(8)) }]);
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
    fn a_next_callback_is_suggested_only_after_a_callback_that_reached_the_client() {
        let today = d(2026, 11, 18);
        assert_eq!(suggested_next_callback(Purpose::Callback, true, 60, today), Some(d(2027, 1, 17)));
        assert_eq!(suggested_next_callback(Purpose::Callback, false, 60, today), None);
        assert_eq!(suggested_next_callback(Purpose::QuarterlyNotice, true, 60, today), None);
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
    fn a_move_hands_open_tasks_over_cancels_them_off_every_roster_and_owes_newcomers_their_tasks() {
        let today = d(2026, 11, 18);
        let rules = Rules::default();
        let (to, from) = (StaffNo::parse("2002").unwrap(), StaffNo::parse("1001").unwrap());
        let mut done = Task::launch(&client(), &launch(8), d(2026, 11, 2));
        done.state = TaskState::Done { on: today, by: from.clone(), contact: ContactId(1) };
        let mut had = open_tasks(today);
        had.retain(|t| t.id.kind != TaskKind::Launch(LaunchId(8)));
        had.push(done);

        // Handover: every open task goes along, nothing is added, the done one is left alone.
        let (c, tasks) = move_client(client(), &had, Some(&to), today, &rules, &[launch(7)], 99);
        assert_eq!(c.maintainer.as_ref(), Some(&to));
        assert_eq!(tasks.len(), 3);
        assert!(tasks.iter().all(|t| t.is_open() && t.maintainer.as_ref() == Some(&to)));

        // Off every roster: open tasks are cancelled, no callback is expected.
        let (c, tasks) = move_client(client(), &had, None, today, &rules, &[launch(7)], 99);
        assert_eq!((c.maintainer, c.next_callback), (None, None));
        assert!(
            tasks.iter().all(|t| matches!(t.state, TaskState::Cancelled { .. }) && t.maintainer.is_none())
        );

        // Unassigned and joining: owed a first callback, the quarter's notice and running launches.
        let newcomer = Client { maintainer: None, ..client() };
        let (c, tasks) = move_client(newcomer, &[], Some(&to), today, &rules, &[launch(7)], 99);
        let kinds: Vec<TaskKind> = tasks.iter().map(|t| t.id.kind).collect();
        assert_eq!(
            kinds,
            [
                TaskKind::Callback { seq: 99 },
                TaskKind::Quarterly(Quarter::of(today)),
                TaskKind::Launch(LaunchId(7))
            ]
        );
        assert_eq!(c.next_callback, Some(d(2026, 11, 25)));
        assert!(tasks.iter().all(|t| t.maintainer.as_ref() == Some(&to)));
    }

    #[test]
    fn notifications_and_launches_lapse_after_their_period_but_callbacks_stay_owed() {
        let today = d(2027, 1, 1);
        let c = client();
        let q4 = Task::quarterly(&c, Quarter { year: 2026, q: 4 }, d(2026, 10, 1));
        assert!(q4.lapses(today));
        assert!(!q4.lapses(d(2026, 12, 31)));
        let cb = Task::callback(&c, 1, d(2026, 11, 1), d(2026, 10, 1));
        assert!(!cb.lapses(today));
        let l = Task::launch(&c, &launch(7), d(2026, 11, 1));
        assert!(l.lapses(d(2026, 12, 1)));
        assert!(!l.lapses(d(2026, 11, 30)));
    }

    #[test]
    fn quarterly_tasks_fall_due_on_the_quarters_last_day() {
        let today = d(2026, 11, 18);
        let t = Task::quarterly(&client(), Quarter::of(today), today);
        assert_eq!(t.due, d(2026, 12, 31));
        assert!(t.is_open());
        assert_eq!(t.maintainer, client().maintainer);
    }
}
