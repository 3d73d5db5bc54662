//! How well the roster system is carried out, per staff member and per outlet: roster size
//! against quota, basic-requirement compliance, stickers, callbacks done on time, this quarter's
//! notifications and the launches' recommendations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::calendar::Quarter;
use super::client::Client;
use super::compliance::compliant;
use super::quota::{OutletAverage, Standing};
use super::rules::Rules;
use super::staff::Staff;
use super::task::{Task, TaskKind, TaskOutcome, owed};

/// A share as a count of a total; the percentage is derived, never stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub done: u32,
    pub of: u32,
}

impl Ratio {
    pub fn add(&mut self, other: Ratio) {
        self.done += other.done;
        self.of += other.of;
    }

    /// Tenths of a percent rounded half up (2/3 = 667, shown 66.7%); `None` when there is
    /// nothing to count. For display only: targets compare the exact share (`reaches`).
    pub fn permille(self) -> Option<u32> {
        super::percent::permille_half_up(i64::from(self.done), i64::from(self.of)).map(|p| p as u32)
    }

    /// Whether the exact share reaches `target` tenths of a percent (79.95% does not reach 80%).
    pub fn reaches(self, target_permille: u32) -> bool {
        super::percent::reaches(i64::from(self.done), i64::from(self.of), i64::from(target_permille))
    }

    /// "66.7%", or "-" when there is nothing to count (`percent::show_permille`).
    pub fn show(self) -> String {
        super::percent::show_share(i64::from(self.done), i64::from(self.of))
    }

    fn count(it: impl Iterator<Item = bool>) -> Ratio {
        let mut r = Ratio::default();
        for yes in it {
            r.of += 1;
            r.done += u32::from(yes);
        }
        r
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub compliance: Ratio,
    pub sticker: Ratio,
    /// Callbacks due in the period up to today, done on or before their due date.
    pub callbacks_on_time: Ratio,
    pub quarterly: Ratio,
    /// Recommendations of the launches running at some time in the quarter.
    pub launches: Ratio,
}

impl Figures {
    pub fn add(&mut self, o: &Figures) {
        self.compliance.add(o.compliance);
        self.sticker.add(o.sticker);
        self.callbacks_on_time.add(o.callbacks_on_time);
        self.quarterly.add(o.quarterly);
        self.launches.add(o.launches);
    }
}

/// What to count: callbacks falling due from `from` to `today`, notifications of `quarter`,
/// recommendations of `launches` (every launch running at some time in the quarter).
#[derive(Debug, Clone, Copy)]
pub struct Period<'a> {
    pub from: NaiveDate,
    /// The date the figures are as of: today, or a past quarter's last day.
    pub today: NaiveDate,
    pub quarter: Quarter,
    pub launches: &'a [super::LaunchId],
}

impl<'a> Period<'a> {
    /// `quarter` as of `today` (its last day once it is over), counting `launches` that ran at
    /// some time in it (see `launches_in`).
    pub fn of_quarter(quarter: Quarter, today: NaiveDate, launches: &'a [super::LaunchId]) -> Period<'a> {
        Period { from: quarter.first_day(), today: today.min(quarter.last_day()), quarter, launches }
    }
}

/// The launches that count in `quarter`'s coverage: every one running at some time in it, so a
/// launch that ended on 11-30 counts in Q4 whether the report is run on 12-31 or 01-01.
pub fn launches_in(quarter: Quarter, launches: &[super::ProductLaunch]) -> Vec<super::LaunchId> {
    launches
        .iter()
        .filter(|l| l.launched <= quarter.last_day() && l.deadline >= quarter.first_day())
        .map(|l| l.id)
        .collect()
}

/// Done of owed, over the `tasks` (already those of one owner, or all) of the kinds `want`
/// picks, each judged by `task::owed` as of `as_of`. What Today's progress lines and the
/// coverage figures both count, so the two can never disagree.
pub fn progress(tasks: &[&Task], as_of: NaiveDate, want: impl Fn(TaskKind) -> bool) -> Ratio {
    Ratio::count(
        tasks.iter().filter(|t| want(t.id.kind)).filter_map(|t| owed(t, as_of)).map(|o| o.outcome.done()),
    )
}

/// One staff member's figures over their roster and the tasks they owe or owed (`task::owed`:
/// whoever held the client when the task fell due; pass the tasks whose owner is the staff
/// member, or all tasks for the branch).
///
/// A callback is counted in the period it first fell due: done on time, done late, or missed
/// (still open past its due date, or left overdue at a handover) all count for its owner; one
/// due on the period's last day and not done is not late yet; one replaced by a later
/// callback (`Cancelled`) is not counted.
pub fn figures(clients: &[&Client], tasks: &[&Task], rules: &Rules, p: Period) -> Figures {
    Figures {
        compliance: Ratio::count(clients.iter().map(|c| compliant(&c.holdings, rules))),
        sticker: Ratio::count(clients.iter().map(|c| c.sticker.done)),
        ..task_figures(tasks, p)
    }
}

/// The task figures of `figures` alone (callbacks on time, notices, launch recommendations;
/// compliance and stickers left empty): what a past quarter's frozen tasks are counted by
/// (`past::FrozenQuarter`), so today's and a past quarter's figures follow one rule.
pub fn task_figures(tasks: &[&Task], p: Period) -> Figures {
    let callbacks_on_time = Ratio::count(tasks.iter().filter_map(|t| {
        let due = t.first_due;
        let in_period = matches!(t.id.kind, TaskKind::Callback { .. }) && due >= p.from && due <= p.today;
        match owed(t, p.today).filter(|_| in_period)?.outcome {
            TaskOutcome::NotDue => None,
            outcome => Some(outcome == TaskOutcome::DoneOnTime),
        }
    }));
    Figures {
        compliance: Ratio::default(),
        sticker: Ratio::default(),
        callbacks_on_time,
        quarterly: progress(tasks, p.today, |k| k == TaskKind::Quarterly(p.quarter)),
        launches: progress(tasks, p.today, |k| matches!(k, TaskKind::Launch(id) if p.launches.contains(&id))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCoverage {
    pub staff: Staff,
    pub standing: Standing,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutletCoverage {
    pub outlet: super::OutletId,
    pub average: OutletAverage,
    pub below_quota: u32,
    pub figures: Figures,
    pub staff: Vec<StaffCoverage>,
}

/// Staff grouped by outlet with their sums; the outlet average and the count below quota take
/// active staff with a quota or clients only, the figures everyone listed.
pub fn by_outlet(staff: Vec<StaffCoverage>, rules: &Rules) -> Vec<OutletCoverage> {
    let mut out: Vec<OutletCoverage> = Vec::new();
    for s in staff {
        let at = match out.iter().position(|o| o.outlet == s.staff.outlet) {
            Some(i) => i,
            None => {
                out.push(OutletCoverage {
                    outlet: s.staff.outlet.clone(),
                    average: OutletAverage { clients: 0, staff: 0, target: rules.outlet_average_target },
                    below_quota: 0,
                    figures: Figures::default(),
                    staff: Vec::new(),
                });
                out.len() - 1
            }
        };
        let o = &mut out[at];
        // Someone listed only for the tasks they still owe (no longer active, or without a
        // quota or clients) is not a head in the average.
        if s.staff.active && s.standing.counts() {
            o.average.clients += s.standing.size;
            o.average.staff += 1;
            o.below_quota += u32::from(!s.standing.meets_quota());
        }
        o.figures.add(&s.figures);
        o.staff.push(s);
    }
    out
}

/// Who should receive clients first: furthest below quota, else least above it, then the
/// smaller roster, then by 工号.
pub fn receiver_order(c: &StaffCoverage) -> (i64, u32, super::StaffNo) {
    (i64::from(c.standing.size) - i64::from(c.standing.minimum), c.standing.size, c.staff.no.clone())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::client::*;
    use crate::domain::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn client(no: &str, compliant: bool, sticker: bool) -> Client {
        let full = Holdings {
            online_banking: true,
            shuanglifeng: true,
            fund_auto_invest: true,
            wealth_products: 1,
            self_service_permille: 900,
        };
        Client {
            tier: CardTier::Gold,
            assets: Some(Fen::wan(20)),
            class: ClientClass::Important,
            maintainer: Some(StaffNo::parse("1").unwrap()),
            sticker: Sticker { done: sticker, on: None },
            holdings: if compliant { full } else { Holdings::default() },
            ..Client::new(ClientNo::parse(no).unwrap(), "客户".into(), OutletId::parse("城关").unwrap())
        }
    }

    fn task(c: &Client, kind: TaskKind, due: NaiveDate, state: TaskState) -> Task {
        Task {
            id: TaskId { client: c.no.clone(), kind },
            maintainer: c.maintainer.clone(),
            due,
            first_due: due,
            created: d(1, 1),
            state,
            agreed: false,
        }
    }

    fn done(on: NaiveDate) -> TaskState {
        TaskState::Done { on, by: StaffNo::parse("1").unwrap(), contact: ContactId(1) }
    }

    #[test]
    fn figures_count_compliance_stickers_and_on_time_callbacks() {
        // Quarter 2026Q4, today 11-18. Four clients: two compliant, three stickered.
        let cs = [
            client("A", true, true),
            client("B", true, false),
            client("C", false, true),
            client("D", false, true),
        ];
        let q = Quarter { year: 2026, q: 4 };
        let tasks = [
            task(&cs[0], TaskKind::Callback { seq: 1 }, d(10, 10), done(d(10, 9))), // on time
            task(&cs[1], TaskKind::Callback { seq: 2 }, d(10, 20), done(d(10, 25))), // late
            task(&cs[2], TaskKind::Callback { seq: 3 }, d(11, 1), TaskState::Open), // overdue
            task(&cs[3], TaskKind::Callback { seq: 4 }, d(11, 30), TaskState::Open), // not yet due
            task(&cs[3], TaskKind::Callback { seq: 7 }, d(11, 18), TaskState::Open), // due today: not late yet
            task(&cs[3], TaskKind::Callback { seq: 7 }, d(11, 18), TaskState::Open), // due today
            task(&cs[3], TaskKind::Callback { seq: 5 }, d(10, 5), TaskState::Cancelled { on: d(10, 1) }),
            task(&cs[0], TaskKind::Callback { seq: 6 }, d(9, 30), done(d(9, 30))), // before the period
            task(&cs[0], TaskKind::Quarterly(q), q.last_day(), done(d(10, 3))),
            task(&cs[1], TaskKind::Quarterly(q), q.last_day(), TaskState::Open),
            task(&cs[2], TaskKind::Quarterly(q.prev()), q.prev().last_day(), done(d(8, 1))),
            task(&cs[0], TaskKind::Launch(LaunchId(7)), d(11, 30), done(d(11, 2))),
            task(&cs[1], TaskKind::Launch(LaunchId(7)), d(11, 30), TaskState::Open),
            task(&cs[2], TaskKind::Launch(LaunchId(6)), d(9, 30), TaskState::Lapsed { on: d(10, 1) }),
        ];
        let p = Period { from: q.first_day(), today: d(11, 18), quarter: q, launches: &[LaunchId(7)] };
        let refs: Vec<&Client> = cs.iter().collect();
        let trefs: Vec<&Task> = tasks.iter().collect();
        let f = figures(&refs, &trefs, &Rules::default(), p);
        assert_eq!(f.compliance, Ratio { done: 2, of: 4 });
        assert_eq!(f.sticker, Ratio { done: 3, of: 4 });
        assert_eq!(
            f.callbacks_on_time,
            Ratio { done: 1, of: 3 },
            "on time, late, overdue; not the future or cancelled"
        );
        assert_eq!(f.quarterly, Ratio { done: 1, of: 2 });
        assert_eq!(f.launches, Ratio { done: 1, of: 2 });
        assert_eq!(f.callbacks_on_time.permille(), Some(333));
        assert_eq!(Ratio { done: 2, of: 3 }.permille(), Some(667), "rounded half up, not cut");
        assert_eq!(Ratio { done: 2, of: 3 }.show(), "66.7%");
        assert_eq!(Ratio::default().permille(), None);
        assert!(!Ratio { done: 7995, of: 10000 }.reaches(800), "79.95% is shown 80.0% but fails 80%");
    }

    /// A staff member's standing for tests: `size` clients against `role`'s quota.
    pub(crate) fn sc(no: &str, outlet: &str, role: &str, size: u32, rules: &Rules) -> StaffCoverage {
        let staff = Staff {
            no: StaffNo::parse(no).unwrap(),
            name: no.into(),
            role: JobRole::new(role),
            outlet: OutletId::parse(outlet).unwrap(),
            login: None,
            permission: Permission::Staff,
            scope: Scope::Branch,
            active: true,
        };
        let standing = Standing::of(&staff, size, rules);
        StaffCoverage { staff, standing, figures: Figures::default() }
    }

    #[test]
    fn outlets_sum_their_staff_and_average_per_head() {
        let r = Rules::default();
        let staff = vec![
            sc("1", "城关", "网点负责人", 25, &r),
            sc("2", "东街", "柜员", 8, &r),
            sc("3", "城关", "柜员", 9, &r),
            sc("4", "城关", "大堂经理", 26, &r),
        ];
        let outlets = by_outlet(staff, &r);
        assert_eq!(outlets.len(), 2);
        let cg = &outlets[0];
        assert_eq!(cg.outlet.as_str(), "城关");
        assert_eq!(cg.average, OutletAverage { clients: 60, staff: 3, target: 20 });
        assert!(cg.average.meets_target());
        assert_eq!(cg.below_quota, 1);
        assert_eq!(outlets[1].average.hundredths(), 800);
    }
}
