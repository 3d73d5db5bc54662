//! The Today list (今日): what a maintainer should do now, each line saying who and why.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::views::{LaunchRef, TaskView};
use super::{Service, ServiceError};
use crate::domain::calendar::days_left;
use crate::domain::compliance::gaps;
use crate::domain::coverage::{Figures, Period, figures, launches_in, progress};
use crate::domain::task::owed;
use crate::domain::{ClientNo, DueBucket, Quarter, Requirement, Staff, Task, TaskKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodayView {
    pub today: NaiveDate,
    /// Callbacks past due, oldest first.
    pub overdue: Vec<TaskView>,
    pub due_today: Vec<TaskView>,
    /// Due later this calendar week.
    pub this_week: Vec<TaskView>,
    pub quarterly: Progress,
    pub launches: Vec<LaunchProgress>,
    /// Clients closest to meeting the basic requirements, largest balances first.
    pub gaps: Vec<GapLine>,
    /// All roster clients with at least one gap (the list above is the top of them).
    pub clients_with_gaps: u32,
    /// This quarter's figures for the viewer, counted exactly as coverage and its report count
    /// them (`coverage::figures` over the tasks the viewer owes, `task::owed`).
    pub figures: Figures,
}

/// Done against total for one period's tasks the viewer owes (`task::owed`: a task left with
/// them at a handover counts here, one handed on does not), with what is still owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub kind: TaskKind,
    pub done: u32,
    pub total: u32,
    /// Days left including today.
    pub days_left: i64,
    pub owed: Vec<TaskView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchProgress {
    pub launch: LaunchRef,
    pub progress: Progress,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapLine {
    pub client: ClientNo,
    pub name: String,
    pub missing: Vec<Requirement>,
}

/// Gap lines shown on Today; the roster's gap filter shows the rest.
const GAP_LINES: usize = 10;

impl Service {
    pub fn today(&self, actor: &Staff) -> Result<TodayView, ServiceError> {
        let today = self.local_date();
        let rules = self.store.rules()?;
        let launches = self.store.launches()?;
        let clients = self.roster_clients(&actor.no)?;
        let by_no: std::collections::HashMap<&ClientNo, &crate::domain::Client> =
            clients.iter().map(|c| (&c.no, c)).collect();

        let (mut overdue, mut due_today, mut this_week) = (Vec::new(), Vec::new(), Vec::new());
        for t in self.store.open_tasks_of(&actor.no)? {
            if !matches!(t.id.kind, TaskKind::Callback { .. }) {
                continue;
            }
            let Some(client) = by_no.get(&t.id.client) else { continue };
            // Only a callback already late can be listed earlier than its date says
            // (`callback_bucket`); the rest of the later ones need no reading.
            if DueBucket::of(t.due, today) == DueBucket::Later && t.first_due >= today {
                continue;
            }
            let v = self.callback_view(&t, client, &launches, today)?;
            match v.bucket {
                DueBucket::Overdue { .. } => overdue.push(v),
                DueBucket::Today => due_today.push(v),
                DueBucket::ThisWeek => this_week.push(v),
                DueBucket::Later => {}
            }
        }

        // Every task the viewer owes, whoever holds its client now: the same tasks coverage
        // counts for them, judged by the same rule.
        let mut owned = Vec::new();
        for t in self.store.tasks() {
            let t = t?;
            if owed(&t, today).and_then(|o| o.owner) == Some(&actor.no) {
                owned.push(t);
            }
        }
        let owned_refs: Vec<&Task> = owned.iter().collect();
        let mut others: std::collections::HashMap<ClientNo, crate::domain::Client> = Default::default();
        let mut progress_of = |kind: TaskKind, last_day: NaiveDate| -> Result<Progress, ServiceError> {
            let r = progress(&owned_refs, today, |k| k == kind);
            let mut owed_now = Vec::new();
            for t in owned.iter().filter(|t| t.id.kind == kind && t.is_open()) {
                let client = match by_no.get(&t.id.client) {
                    Some(c) => *c,
                    None => match others.entry(t.id.client.clone()) {
                        std::collections::hash_map::Entry::Occupied(e) => &*e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => {
                            match self.store.client(&t.id.client)? {
                                Some(c) => &*e.insert(c),
                                None => continue,
                            }
                        }
                    },
                };
                owed_now.push(Self::task_view(t, client, &launches, today));
            }
            Ok(Progress {
                kind,
                done: r.done,
                total: r.of,
                days_left: days_left(last_day, today),
                owed: owed_now,
            })
        };
        let q = Quarter::of(today);
        let quarterly = progress_of(TaskKind::Quarterly(q), q.last_day())?;
        let mut launch_progress = Vec::new();
        for l in launches.iter().filter(|l| l.is_running(today) && l.reaches(&actor.outlet)) {
            let p = progress_of(TaskKind::Launch(l.id), l.deadline)?;
            let launch = LaunchRef { id: l.id, name: l.name.clone(), deadline: l.deadline };
            launch_progress.push(LaunchProgress { launch, progress: p });
        }
        let counted = launches_in(q, &launches);
        let roster: Vec<&crate::domain::Client> = clients.iter().filter(|c| c.on_roster()).collect();
        let figures = figures(&roster, &owned_refs, &rules, Period::of_quarter(q, today, &counted));

        let mut with_gaps: Vec<_> = clients
            .iter()
            .filter(|c| c.on_roster())
            .map(|c| (c, gaps(&c.holdings, &rules)))
            .filter(|(_, g)| !g.is_empty())
            .collect();
        let clients_with_gaps = with_gaps.len() as u32;
        // Fewest gaps first, then largest balance; unknown balances after every known one.
        with_gaps.sort_by_key(|(c, g)| (g.len(), std::cmp::Reverse(c.assets)));
        let gaps = with_gaps
            .into_iter()
            .take(GAP_LINES)
            .map(|(c, missing)| GapLine { client: c.no.clone(), name: c.name.clone(), missing })
            .collect();

        Ok(TodayView {
            today,
            overdue,
            due_today,
            this_week,
            quarterly,
            launches: launch_progress,
            gaps,
            clients_with_gaps,
            figures,
        })
    }
}
