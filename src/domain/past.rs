//! A quarter as it stood at its end (issue #12 point 3): what the coverage and results figures
//! of a past quarter need, frozen by the housekeeping at the first request after the quarter
//! ends, so later handovers, quota changes, tier changes and cancelled tasks do not rewrite it.
//!
//! Task outcomes are frozen with the rest but stay open to one kind of change until the
//! backdating window closes (`contact::BACKDATE_MAX_DAYS` days after the quarter's last day): a
//! contact dated inside the quarter and logged within the window completes the quarter's task,
//! as it does in today's figures (docs/FIGURES.md, 季末). When the window closes the housekeeping
//! takes those completions in once more and marks the quarter settled; nothing changes it after.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::calendar::Quarter;
use super::client::{CardTier, ClientStatus, Segment};
use super::contact::BACKDATE_MAX_DAYS;
use super::coverage::{Figures, Period, Ratio, StaffCoverage, task_figures};
use super::ids::{ClientNo, LaunchId, OutletId, StaffNo};
use super::quota::Standing;
use super::results::Snapshot;
use super::staff::{JobRole, Permission, Scope, Staff};
use super::task::{Task, TaskId, TaskKind, TaskState, owed};

/// A staff member as the quarter ended: where they worked, in which role, and their roster size
/// against the quota their role had then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastStaff {
    pub no: StaffNo,
    pub name: String,
    pub role: JobRole,
    pub outlet: OutletId,
    pub active: bool,
    pub standing: Standing,
}

impl PastStaff {
    pub fn of(s: &Staff, standing: Standing) -> PastStaff {
        PastStaff {
            no: s.no.clone(),
            name: s.name.clone(),
            role: s.role.clone(),
            outlet: s.outlet.clone(),
            active: s.active,
            standing,
        }
    }

    /// The staff record the coverage views carry. Login, permission and scope are not frozen
    /// (no figure depends on them): the view shows no login, 普通员工 and the branch scope.
    pub fn as_staff(&self) -> Staff {
        Staff {
            no: self.no.clone(),
            name: self.name.clone(),
            role: self.role.clone(),
            outlet: self.outlet.clone(),
            login: None,
            permission: Permission::Staff,
            scope: Scope::Branch,
            active: self.active,
        }
    }
}

/// A roster client as the quarter ended: whose roster it was on, its tier, segment and status,
/// and the two per-client coverage figures judged then (basic requirements under the rules of
/// the day, the sticker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastClient {
    pub no: ClientNo,
    pub maintainer: StaffNo,
    pub tier: CardTier,
    pub segment: Segment,
    pub status: ClientStatus,
    pub compliant: bool,
    pub sticker: bool,
}

/// A task of the quarter as it stood at the quarter's end: who owed it (`task::owed`) and how it
/// stood on the last day. Its own type rather than `Task`, so a later change of the task record
/// cannot make frozen quarters unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastTask {
    pub id: TaskId,
    pub maintainer: Option<StaffNo>,
    pub first_due: NaiveDate,
    pub state: TaskState,
}

impl PastTask {
    /// `t` as of `last_day`: anything that happened to it later (done, lapsed or cancelled after
    /// the quarter) did not happen yet, so it was open then.
    pub fn as_of(t: &Task, last_day: NaiveDate) -> PastTask {
        let later = match &t.state {
            TaskState::Open => false,
            TaskState::Done { on, .. } | TaskState::Cancelled { on } | TaskState::Lapsed { on } => {
                *on > last_day
            }
        };
        PastTask {
            id: t.id.clone(),
            maintainer: t.maintainer.clone(),
            first_due: t.first_due,
            state: if later { TaskState::Open } else { t.state.clone() },
        }
    }

    /// Takes in a completion by a contact dated inside the quarter and logged since the freeze
    /// (backdated, within the window): `live` is the task as stored now. Nothing else is taken:
    /// the owner stays who owed it at the end, whatever handovers came later.
    pub fn take_backdated(&mut self, live: &Task, last_day: NaiveDate) {
        if let TaskState::Done { on, .. } = &live.state
            && *on <= last_day
            && !matches!(self.state, TaskState::Done { .. })
        {
            self.state = live.state.clone();
        }
    }

    /// As a task record, for `task::owed`.
    pub fn as_task(&self) -> Task {
        Task {
            id: self.id.clone(),
            maintainer: self.maintainer.clone(),
            due: self.first_due,
            first_due: self.first_due,
            created: self.first_due,
            state: self.state.clone(),
            // Figures never look at whether a date was agreed.
            agreed: false,
        }
    }
}

/// Whether a task counts in `quarter`'s coverage: a callback (or 唤醒) first due in it, its notice, or a
/// recommendation of a launch running at some time in it (`coverage::launches_in`).
pub fn counts_in(t: &Task, quarter: Quarter, launches: &[LaunchId]) -> bool {
    match t.id.kind {
        TaskKind::Callback { .. } | TaskKind::Reactivate { .. } => quarter.contains(t.first_due),
        TaskKind::Quarterly(q) => q == quarter,
        TaskKind::Launch(id) => launches.contains(&id),
        // Surveys are not a coverage figure.
        TaskKind::Survey(_) => false,
    }
}

/// Everything the coverage and results figures of one past quarter need, as it stood at the
/// quarter's end. Stored per quarter (tree `quarters`, keyed by the quarter): a small one whole,
/// a large one as a header and parts holding slices of `clients` and `tasks` (`Tx::save_frozen_part`;
/// at a million roster clients the whole is about 60–100 MB, far over one record's limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenQuarter {
    pub quarter: Quarter,
    /// The day the housekeeping froze it: the first day anyone used mingdan after the quarter.
    pub frozen_on: NaiveDate,
    /// The day the task outcomes were taken in for the last time, once the backdating window
    /// closed; `None` while a backdated contact can still complete the quarter's tasks.
    pub settled_on: Option<NaiveDate>,
    /// Rules of the day the figures compare with: clients per staff member per outlet, and the
    /// gold-and-above share and growth targets in tenths of a percent.
    pub outlet_average_target: u32,
    pub gold_share_target_permille: u16,
    pub gold_growth_target_permille: u16,
    /// Every staff member on record at the end, with their roster size and quota then.
    pub staff: Vec<PastStaff>,
    /// Every client on a roster at the end.
    pub clients: Vec<PastClient>,
    /// The tasks that count in the quarter (`counts_in`), as of its last day.
    pub tasks: Vec<PastTask>,
    /// The launches that count in the quarter.
    pub launches: Vec<LaunchId>,
    /// The register on the last day: clients not lost, gold and above.
    pub snapshot: Snapshot,
    /// The import snapshot the growth compared with (the same date a year before), if any.
    pub year_ago: Option<Snapshot>,
}

impl FrozenQuarter {
    pub fn as_of(&self) -> NaiveDate {
        self.quarter.last_day()
    }

    /// The last day a contact dated inside the quarter can be logged.
    pub fn window_closes(&self) -> NaiveDate {
        settles_after(self.quarter)
    }

    /// The clients each outlet and each staff member held as the quarter ended: every client on
    /// an end roster counts for its maintainer and for the outlet that maintainer worked at then
    /// (a client's own outlet is not frozen). The base of a past quarter's per-1,000 figures
    /// (`complaint::figures`), so a handover after the quarter does not move them. Clients on
    /// no roster are in neither.
    pub fn clients_held(
        &self,
    ) -> (std::collections::BTreeMap<OutletId, u32>, std::collections::BTreeMap<StaffNo, u32>) {
        let outlet_of: std::collections::BTreeMap<&StaffNo, &OutletId> =
            self.staff.iter().map(|s| (&s.no, &s.outlet)).collect();
        clients_held(self.clients.iter().map(|c| &c.maintainer), &outlet_of)
    }

    /// Per staff member coverage as the quarter ended, each task counted for whoever owed it
    /// (`task::owed`); listed as today's coverage lists people: active staff with a quota or
    /// clients, and anyone who owed tasks of the quarter. Sorted by outlet, then 工号.
    pub fn staff_coverage(&self) -> Vec<StaffCoverage> {
        let last = self.as_of();
        let tasks: Vec<Task> = self.tasks.iter().map(PastTask::as_task).collect();
        let period = Period::of_quarter(self.quarter, last, &self.launches);
        let mut out = Vec::new();
        for s in &self.staff {
            let mine: Vec<&Task> =
                tasks.iter().filter(|t| owed(t, last).and_then(|o| o.owner) == Some(&s.no)).collect();
            let clients: Vec<&PastClient> = if s.active {
                self.clients.iter().filter(|c| c.maintainer == s.no).collect()
            } else {
                Vec::new()
            };
            let count = |f: fn(&PastClient) -> bool| {
                let mut r = Ratio::default();
                for c in &clients {
                    r.of += 1;
                    r.done += u32::from(f(c));
                }
                r
            };
            let figures = Figures {
                compliance: count(|c| c.compliant),
                sticker: count(|c| c.sticker),
                ..task_figures(&mine, period)
            };
            let owes = figures.callbacks_on_time.of + figures.quarterly.of + figures.launches.of > 0;
            if (s.active && s.standing.counts()) || owes {
                out.push(StaffCoverage { staff: s.as_staff(), standing: s.standing, figures });
            }
        }
        out.sort_by(|a, b| a.staff.outlet.cmp(&b.staff.outlet).then(a.staff.no.cmp(&b.staff.no)));
        out
    }
}

/// The last day of `quarter`'s backdating window: from the day after, no contact dated inside
/// the quarter can be logged and its task outcomes are final (as `Task::lapses`).
pub fn settles_after(quarter: Quarter) -> NaiveDate {
    quarter.last_day() + Duration::days(BACKDATE_MAX_DAYS)
}

/// The clients each staff member and each outlet holds, from the maintainer of every client on
/// a roster (`maintainers`) and the outlet each maintainer works at (`outlet_of`): a client
/// counts for its maintainer and for the maintainer's outlet, never for its own branch outlet;
/// clients on no roster are in neither. The one base of the per-1,000 complaint figures, this
/// quarter (today's rosters and staff) and past ones (their frozen end rosters), so a quarter's
/// figure keeps its meaning when the quarter ends.
pub fn clients_held<'a>(
    maintainers: impl IntoIterator<Item = &'a StaffNo>,
    outlet_of: &std::collections::BTreeMap<&StaffNo, &OutletId>,
) -> (std::collections::BTreeMap<OutletId, u32>, std::collections::BTreeMap<StaffNo, u32>) {
    let (mut outlets, mut staff) = (std::collections::BTreeMap::new(), std::collections::BTreeMap::new());
    for m in maintainers {
        *staff.entry(m.clone()).or_insert(0) += 1;
        if let Some(o) = outlet_of.get(m) {
            *outlets.entry((*o).clone()).or_insert(0) += 1;
        }
    }
    (outlets, staff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactId;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn task(state: TaskState) -> Task {
        Task {
            id: TaskId {
                client: ClientNo::parse("C1").unwrap(),
                kind: TaskKind::Quarterly(Quarter { year: 2026, q: 3 }),
            },
            maintainer: Some(StaffNo::parse("2001").unwrap()),
            due: d(2026, 9, 30),
            first_due: d(2026, 9, 30),
            created: d(2026, 7, 1),
            state,
            agreed: false,
        }
    }

    fn done(on: NaiveDate) -> TaskState {
        TaskState::Done { on, by: StaffNo::parse("2001").unwrap(), contact: ContactId(1) }
    }

    #[test]
    fn a_task_is_frozen_as_it_stood_on_the_last_day_and_takes_in_only_completions_dated_inside() {
        let last = d(2026, 9, 30);
        assert_eq!(PastTask::as_of(&task(done(d(2026, 9, 12))), last).state, done(d(2026, 9, 12)));
        assert_eq!(PastTask::as_of(&task(done(d(2026, 10, 3))), last).state, TaskState::Open);
        let cancelled_later = TaskState::Cancelled { on: d(2026, 10, 15) };
        assert_eq!(PastTask::as_of(&task(cancelled_later), last).state, TaskState::Open);

        let mut frozen = PastTask::as_of(&task(TaskState::Open), last);
        frozen.take_backdated(&task(done(d(2026, 10, 2))), last);
        assert_eq!(frozen.state, TaskState::Open, "a contact after the quarter does not complete it");
        let mut moved = task(done(d(2026, 9, 30)));
        moved.maintainer = Some(StaffNo::parse("2002").unwrap());
        frozen.take_backdated(&moved, last);
        assert_eq!(frozen.state, done(d(2026, 9, 30)), "a contact on 09-30 logged later completes it");
        assert_eq!(frozen.maintainer.as_ref().map(|m| m.as_str()), Some("2001"), "owed by whoever held it");
    }

    #[test]
    fn the_window_closes_31_days_after_the_quarter_across_a_year_end() {
        assert_eq!(settles_after(Quarter { year: 2026, q: 4 }), d(2027, 1, 31));
        assert_eq!(settles_after(Quarter { year: 2028, q: 1 }), d(2028, 5, 1));
    }
}
