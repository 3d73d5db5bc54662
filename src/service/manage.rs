//! What managers see and do across the branch: quota coverage, unassigned premium clients with
//! suggested maintainers, the quota effect of a move, and product-launch coverage.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::assign::check_reason;
use super::views::{
    CoverageView, CrossOutlet, LaunchRef, LaunchSummary, MovePreview, QuotaEffect, StaffRef, UnassignedRow,
};
use super::{Service, ServiceError};
use crate::domain::calendar::days_left;
use crate::domain::coverage::{
    Figures, Period, Ratio, StaffCoverage, by_outlet, figures, launches_in, progress,
};
use crate::domain::quota::{OutletAverage, Standing};
use crate::domain::suggest::suggest_maintainer;
use crate::domain::task::owed;
use crate::domain::{
    Client, ClientNo, ClientStatus, LaunchId, Permission, Quarter, Rules, Segment, Staff, StaffNo, Task,
    TaskKind,
};

/// Unassigned clients listed at most; the rest come as earlier ones are assigned.
const UNASSIGNED_ROWS: usize = 500;

impl Service {
    /// Staff standings now, for suggestions and previews: everyone with a quota, clients or a
    /// dedicated-manager role. Only roster sizes are needed, so no client is read.
    fn standings(&self) -> Result<Vec<StaffCoverage>, ServiceError> {
        let rules = self.store.rules()?;
        Ok(self
            .store
            .all_staff()?
            .into_iter()
            .filter(|s| s.active)
            .map(|s| {
                let standing = Standing::of(&s, self.store.roster_size(&s.no) as u32, &rules);
                StaffCoverage { staff: s, standing, figures: Figures::default() }
            })
            .filter(|c| c.standing.counts() || rules.is_dedicated(&c.staff.role))
            .collect())
    }

    /// Coverage of `quarter` (this one when `None`): as of today for this quarter, as it stood at
    /// its end for a past one (frozen by the housekeeping, `service::past`; a quarter that ended
    /// before freezing existed is recomputed and says so in `basis`). A quarter that has not
    /// begun is refused.
    pub fn coverage(&self, actor: &Staff, quarter: Option<Quarter>) -> Result<CoverageView, ServiceError> {
        self.require(actor, Permission::Manager, "查看覆盖情况")?;
        let asked = self.quarter_asked(quarter)?;
        let (today, quarter) = (asked.today, asked.quarter);
        let mut rules = self.store.rules()?;
        let staff = match &asked.frozen {
            Some(f) => {
                rules.outlet_average_target = f.outlet_average_target;
                f.staff_coverage()
            }
            None => self.live_staff_coverage(quarter, today, &rules)?,
        };
        let outlets = by_outlet(staff, &rules);
        let mut branch = Figures::default();
        let mut branch_average = OutletAverage { clients: 0, staff: 0, target: rules.outlet_average_target };
        let mut below_quota = 0;
        for o in &outlets {
            branch.add(&o.figures);
            branch_average.clients += o.average.clients;
            branch_average.staff += o.average.staff;
            below_quota += o.below_quota;
        }
        Ok(CoverageView {
            quarter,
            today,
            as_of: asked.as_of,
            basis: asked.basis,
            outlets,
            branch,
            branch_average,
            below_quota,
        })
    }

    /// Per staff member coverage of `quarter` from the store as it is now (this quarter, or a
    /// past one no freeze was made of), sorted by outlet and 工号.
    fn live_staff_coverage(
        &self,
        quarter: Quarter,
        today: NaiveDate,
        rules: &Rules,
    ) -> Result<Vec<StaffCoverage>, ServiceError> {
        let launches = self.store.launches()?;
        let counted = launches_in(quarter, &launches);
        let period = Period::of_quarter(quarter, today, &counted);
        // Tasks count for whoever owed them (`task::owed`), which after a handover is not
        // always the current maintainer.
        let mut tasks_by_staff: HashMap<StaffNo, Vec<Task>> = HashMap::new();
        for t in self.store.tasks() {
            let t = t?;
            if let Some(owner) = owed(&t, period.today).and_then(|o| o.owner).cloned() {
                tasks_by_staff.entry(owner).or_default().push(t);
            }
        }
        let mut staff = Vec::new();
        for s in self.store.all_staff()? {
            let clients = if s.active { self.roster_clients(&s.no)? } else { Vec::new() };
            let standing = Standing::of(&s, clients.len() as u32, rules);
            let tasks = tasks_by_staff.get(&s.no).map(Vec::as_slice).unwrap_or(&[]);
            let f = figures(
                &clients.iter().collect::<Vec<_>>(),
                &tasks.iter().collect::<Vec<_>>(),
                rules,
                period,
            );
            // Someone without a quota or clients, or no longer active, is listed only while they
            // owe tasks of the period: a miss left with them must not drop out of the branch sum.
            let owes = f.callbacks_on_time.of + f.quarterly.of + f.launches.of > 0;
            if (s.active && standing.counts()) || owes {
                staff.push(StaffCoverage { staff: s, standing, figures: f });
            }
        }
        staff.sort_by(|a, b| a.staff.outlet.cmp(&b.staff.outlet).then(a.staff.no.cmp(&b.staff.no)));
        Ok(staff)
    }

    /// Clients no one maintains inside `actor`'s scope: premium ones (gold and above, and 提升
    /// candidates), or with `segment` every client of that segment, prospects below gold too —
    /// "开展潜在客户，挖掘他行的优质客户" is the strategy, so they can be put on a roster.
    fn unassigned_clients(
        &self,
        actor: &Staff,
        segment: Option<Segment>,
    ) -> Result<Vec<Client>, ServiceError> {
        let mut out = Vec::new();
        for c in self.store.clients() {
            let c = c?;
            let wanted = match segment {
                None => c.wants_maintainer(),
                Some(s) => c.segment == s && c.status != ClientStatus::Lost,
            };
            if c.maintainer.is_none() && wanted && actor.manages(&c.outlet) {
                out.push(c);
            }
        }
        // Within a tier, largest balance first and unknown ones last (`None` sorts below `Some`).
        out.sort_by(|a, b| b.tier.cmp(&a.tier).then(b.assets.cmp(&a.assets)).then(a.no.cmp(&b.no)));
        Ok(out)
    }

    /// Suggestions (`domain::suggest`) for `clients` in order, each counting the ones before
    /// it, so a batch spreads across the outlet instead of all going to one person; within
    /// `actor`'s outlet when that is all they manage. Each comes with whether it crosses outlets.
    fn rolling_suggestions(
        &self,
        actor: &Staff,
        clients: &[Client],
    ) -> Result<Vec<Option<(Staff, bool)>>, ServiceError> {
        let rules = self.store.rules()?;
        let mut standings = self.standings()?;
        let mut out = Vec::with_capacity(clients.len());
        for c in clients {
            let pick = suggest_maintainer(c, &standings, &rules, actor.managed_outlet())
                .map(|s| (s.staff.clone(), s.cross_outlet));
            if let Some((p, _)) = &pick
                && let Some(s) = standings.iter_mut().find(|s| s.staff.no == p.no)
            {
                s.standing.size += 1;
            }
            out.push(pick);
        }
        Ok(out)
    }

    /// Who should take each of `clients` (suggested as for 待分配).
    pub fn suggest_maintainers(
        &self,
        actor: &Staff,
        clients: Vec<ClientNo>,
    ) -> Result<Vec<(ClientNo, Option<StaffRef>)>, ServiceError> {
        self.require(actor, Permission::Manager, "分配客户")?;
        let chosen = clients.iter().map(|no| self.client_or_not_found(no)).collect::<Result<Vec<_>, _>>()?;
        let suggestions = self.rolling_suggestions(actor, &chosen)?;
        Ok(clients
            .into_iter()
            .zip(suggestions)
            .map(|(no, s)| (no, s.map(|(s, _)| StaffRef { no: s.no, name: s.name })))
            .collect())
    }

    pub fn unassigned(
        &self,
        actor: &Staff,
        segment: Option<Segment>,
    ) -> Result<Vec<UnassignedRow>, ServiceError> {
        self.require(actor, Permission::Manager, "查看待分配客户")?;
        let mut clients = self.unassigned_clients(actor, segment)?;
        clients.truncate(UNASSIGNED_ROWS);
        let suggestions = self.rolling_suggestions(actor, &clients)?;
        Ok(clients
            .into_iter()
            .zip(suggestions)
            .map(|(c, s)| UnassignedRow {
                assets: Self::amount_for(actor, c.assets),
                cross_outlet: s.as_ref().is_some_and(|(_, cross)| *cross),
                suggested: s.map(|(s, _)| StaffRef { no: s.no, name: s.name }),
                no: c.no,
                name: c.name,
                tier: c.tier,
                segment: c.segment,
                outlet: c.outlet,
            })
            .collect())
    }

    /// Moves each client to the staff member paired with it, as the manager saw and confirmed
    /// the pairs (a batch from 待分配, or a roster spread over several people). Every client must
    /// still be where the manager saw it — with `from`, or with no one — or nothing is moved: a
    /// colleague's assignment made meanwhile is never silently undone.
    pub fn assign_pairs(
        &self,
        actor: &Staff,
        pairs: Vec<(ClientNo, StaffNo)>,
        from: Option<StaffNo>,
        reason: String,
    ) -> Result<u32, ServiceError> {
        self.require(actor, Permission::Manager, "分配或移交客户")?;
        let reason = check_reason(&reason)?;
        let _w = self.write_lock();
        let rules = self.store.rules()?;
        let launches = self.store.launches()?;
        let mut moves = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (no, to) in pairs.iter().filter(|(no, _)| seen.insert(no.clone())) {
            let to = self.receiving_staff(to)?;
            let c = self.movable_client(no, Some(&to))?;
            if c.maintainer != from {
                let now = c.maintainer.as_ref().map_or("无人".to_string(), |m| m.to_string());
                return Err(ServiceError::Conflict(format!(
                    "客户 {}（{}）的维护人刚被改为 {now}，请刷新后重新选择",
                    c.no, c.name
                )));
            }
            if c.maintainer.as_ref() == Some(&to.no) {
                continue;
            }
            self.check_move_scope(actor, &c, Some(&to))?;
            moves.push(self.plan_move(c, Some(&to), &rules, &launches)?);
        }
        self.commit_moves(actor, &moves, &reason)
    }

    /// What moving each client to its paired staff member (or off every roster) would do to
    /// each roster involved, and which moves cross outlets, before it is done. Refused as the
    /// moves would be outside `actor`'s scope, so the manager learns it before giving a reason.
    pub fn assign_preview(
        &self,
        actor: &Staff,
        pairs: Vec<(ClientNo, Option<StaffNo>)>,
    ) -> Result<MovePreview, ServiceError> {
        self.require(actor, Permission::Manager, "预览移交")?;
        let mut cross_outlet = Vec::new();
        let rules = self.store.rules()?;
        let mut delta: Vec<(StaffNo, i64)> = Vec::new();
        let mut bump = |no: &StaffNo, by: i64| match delta.iter_mut().find(|(n, _)| n == no) {
            Some((_, d)) => *d += by,
            None => delta.push((no.clone(), by)),
        };
        for (no, to) in &pairs {
            let c = self.client_or_not_found(no)?;
            if c.maintainer == *to {
                continue;
            }
            let receiver = to.as_ref().map(|no| self.receiving_staff(no)).transpose()?;
            self.check_move_scope(actor, &c, receiver.as_ref())?;
            if let Some(r) = receiver
                && r.outlet != c.outlet
            {
                cross_outlet.push(CrossOutlet {
                    client: c.no.clone(),
                    client_name: c.name.clone(),
                    client_outlet: c.outlet.clone(),
                    staff: StaffRef { no: r.no, name: r.name },
                    staff_outlet: r.outlet,
                });
            }
            if let Some(from) = &c.maintainer {
                bump(from, -1);
            }
            if let Some(to) = to {
                bump(to, 1);
            }
        }
        let mut out = Vec::new();
        for (no, d) in delta {
            let s = self.store.staff(&no)?.ok_or_else(|| ServiceError::NotFound(format!("工号 {no}")))?;
            let before = self.store.roster_size(&no) as u32;
            out.push(QuotaEffect {
                minimum: rules.quota(&s.role),
                after: (i64::from(before) + d).max(0) as u32,
                before,
                staff: StaffRef { no: s.no, name: s.name },
            });
        }
        Ok(MovePreview { effects: out, cross_outlet })
    }

    /// Every launch, newest first, with how many of its recommendations are done.
    pub fn launches(&self, actor: &Staff) -> Result<Vec<LaunchSummary>, ServiceError> {
        self.require(actor, Permission::Manager, "查看新品推介")?;
        let today = self.local_date();
        let mut out = Vec::new();
        let mut launches = self.store.launches()?;
        launches.sort_by(|a, b| b.launched.cmp(&a.launched).then(b.id.cmp(&a.id)));
        // Done and total recommendations per launch, from one pass over the tasks, each judged
        // by `task::owed` as every other figure is.
        let mut by_launch: HashMap<LaunchId, Vec<Task>> = HashMap::new();
        for t in self.store.tasks() {
            let t = t?;
            if let TaskKind::Launch(id) = t.id.kind {
                by_launch.entry(id).or_default().push(t);
            }
        }
        let counts: HashMap<LaunchId, Ratio> = by_launch
            .iter()
            .map(|(id, ts)| (*id, progress(&ts.iter().collect::<Vec<_>>(), today, |_| true)))
            .collect();
        for l in launches {
            out.push(LaunchSummary {
                days_left: l.is_running(today).then(|| days_left(l.deadline, today)),
                withdrawn: l.withdrawn,
                pitched: counts.get(&l.id).copied().unwrap_or_default(),
                launch: LaunchRef { id: l.id, name: l.name, deadline: l.deadline },
                description: l.description,
                launched: l.launched,
            });
        }
        Ok(out)
    }
}
