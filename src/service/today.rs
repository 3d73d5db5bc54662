//! The Today list (今日): what a maintainer should do now, each line saying who and why.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::views::{LaunchRef, StaffRef, TaskView};
use super::{Service, ServiceError};
use crate::domain::calendar::days_left;
use crate::domain::compliance::gaps;
use crate::domain::contact::unseen_colleague_contact;
use crate::domain::coverage::{Figures, Period, figures, launches_in, progress};
use crate::domain::task::owed;
use crate::domain::{
    ClientNo, Contact, ContactId, DueBucket, Outcome, Purpose, Quarter, Requirement, Staff, StaffNo, Task,
    TaskKind,
};

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
    /// 同事代为联系: the viewer's clients a colleague contacted since the viewer last did or last
    /// opened the client's card, latest first; one line per client.
    #[serde(default)]
    pub by_colleagues: Vec<ColleagueContact>,
    /// 唤醒: the viewer's 沉睡 clients still owed a contact to wake them
    /// (`TaskKind::Reactivate`), earliest due first.
    #[serde(default)]
    pub reactivate: Vec<TaskView>,
    /// Complaint steps the viewer holds (with the time left), then overdue ones escalated to
    /// them as outlet head or, for 非常严重, branch management (`complaint::audience`).
    #[serde(default)]
    pub complaints: Vec<super::complaints::ComplaintLine>,
    /// Open satisfaction surveys the viewer holds: this quarter's scheduled ones and follow-ups
    /// after closed complaints, earliest due first.
    #[serde(default)]
    pub surveys: Vec<TaskView>,
}

/// A colleague's contact with one of the viewer's clients that the viewer has not yet seen
/// (`contact::unseen_colleague_contact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColleagueContact {
    pub client: ClientNo,
    pub client_name: String,
    pub by: StaffRef,
    /// When the contact took place.
    pub at: NaiveDateTime,
    /// Every purpose of the contact, the main one first.
    pub purposes: Vec<Purpose>,
    pub outcome: Outcome,
    pub contact: ContactId,
}

/// How far back Today looks for a colleague's contact with the viewer's clients (by when it
/// took place); an older one no longer needs the maintainer's attention on Today.
const COLLEAGUE_LOOKBACK_DAYS: i64 = 60;

/// The meta key under which `staff` keeps the last contact with `client` they have seen.
fn seen_key(staff: &StaffNo, client: &ClientNo) -> Vec<u8> {
    format!("seen_contact/{}/{}", staff.as_str(), client.as_str()).into_bytes()
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
        let mut reactivate = Vec::new();
        for t in self.store.open_tasks_of(&actor.no)? {
            if matches!(t.id.kind, TaskKind::Reactivate { .. }) {
                if let Some(client) = by_no.get(&t.id.client) {
                    reactivate.push(Self::task_view(&t, client, &launches, today));
                }
                continue;
            }
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

        let by_colleagues = self.by_colleagues(actor, &by_no)?;
        reactivate.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        let complaints = self.complaint_lines(actor, today)?;
        let mut surveys = Vec::new();
        for t in self.store.open_tasks_of(&actor.no)? {
            if !matches!(t.id.kind, TaskKind::Survey(_)) {
                continue;
            }
            let client = match by_no.get(&t.id.client) {
                Some(c) => (*c).clone(),
                None => match self.store.client(&t.id.client)? {
                    Some(c) => c,
                    None => continue,
                },
            };
            surveys.push(Self::task_view(&t, &client, &launches, today));
        }
        surveys.sort_by_key(|v| v.due);
        Ok(TodayView {
            complaints,
            surveys,
            by_colleagues,
            reactivate,
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

impl Service {
    /// The last contact with `client` that `staff` has seen (`seen_colleague_contacts`).
    fn seen_contact(&self, staff: &StaffNo, client: &ClientNo) -> Result<Option<ContactId>, ServiceError> {
        let raw = self.store.meta(&seen_key(staff, client))?;
        // A value of another length is not ours to read; treated as nothing seen.
        Ok(raw.and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok()).map(|b| ContactId(u64::from_be_bytes(b))))
    }

    fn by_colleagues(
        &self,
        actor: &Staff,
        mine: &std::collections::HashMap<&ClientNo, &crate::domain::Client>,
    ) -> Result<Vec<ColleagueContact>, ServiceError> {
        let now = self.local_now();
        let mut per_client: std::collections::HashMap<ClientNo, Vec<Contact>> = Default::default();
        for c in self
            .store
            .contacts_between(now - Duration::days(COLLEAGUE_LOOKBACK_DAYS), now + Duration::days(1))
        {
            let c = c?;
            if mine.get(&c.client).is_some_and(|cl| cl.maintainer.as_ref() == Some(&actor.no)) {
                per_client.entry(c.client.clone()).or_default().push(c);
            }
        }
        let mut out = Vec::new();
        for (no, contacts) in &per_client {
            let seen = self.seen_contact(&actor.no, no)?;
            let Some(c) = unseen_colleague_contact(contacts, &actor.no, seen) else { continue };
            out.push(ColleagueContact {
                client: no.clone(),
                client_name: mine.get(no).map(|cl| cl.name.clone()).unwrap_or_default(),
                by: self.staff_ref(&c.by)?,
                at: c.at,
                purposes: c.aims().iter().map(|a| a.purpose).collect(),
                outcome: c.outcome,
                contact: c.id,
            });
        }
        out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.client.cmp(&b.client)));
        Ok(out)
    }

    /// The maintainer has seen every contact with their client so far (opening its card): a
    /// colleague's contact no longer shows as 同事代为联系 on their Today. Nothing is written
    /// when there is nothing new, or when the client is not the actor's.
    pub fn seen_colleague_contacts(&self, actor: &Staff, no: ClientNo) -> Result<(), ServiceError> {
        let client = self.client_or_not_found(&no)?;
        if client.maintainer.as_ref() != Some(&actor.no) {
            return Ok(());
        }
        let Some(latest) = self.store.contacts_of(&no, SEEN_READ)?.iter().map(|c| c.id).max() else {
            return Ok(());
        };
        let _w = self.write_lock();
        if self.seen_contact(&actor.no, &no)? >= Some(latest) {
            return Ok(());
        }
        self.store.write(|tx| tx.set_meta(&seen_key(&actor.no, &no), &latest.0.to_be_bytes()))?;
        Ok(())
    }
}

/// Contacts read to find a client's latest (the index is by when they took place, and one
/// logged late may sit behind a few newer ones).
const SEEN_READ: usize = 20;
