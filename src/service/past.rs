//! Past quarters as they were (issue #12 point 3): the housekeeping freezes each quarter at the
//! first request after it ends (`domain::past`), and coverage, results and reports of a past
//! quarter read that copy. A future quarter is refused.
//!
//! Why freeze at the first request after the end: every change to rosters, quotas, staff and
//! clients comes through a request, and each day's first request runs the housekeeping before
//! anything else, so what it sees is exactly how the quarter ended. Task outcomes are the one
//! part that may still change rightly afterwards — a contact dated inside the quarter may be
//! logged for 31 more days — so they are read with those late completions taken in until the
//! window closes, when the housekeeping takes them in for good and marks the quarter settled.
//! Freezing only once the window closed would leave the quarter's rosters exposed to a month
//! of handovers.

use chrono::NaiveDate;

use super::views::FigureBasis;
use super::{Service, ServiceError};
use crate::domain::Quarter;
use crate::domain::compliance::compliant;
use crate::domain::coverage::launches_in;
use crate::domain::past::{FrozenQuarter, PastClient, PastStaff, PastTask, counts_in, settles_after};
use crate::domain::quota::Standing;
use crate::domain::results::{Snapshot, year_ago};

/// Quarters frozen at most in one housekeeping: after a long pause every quarter that ended
/// meanwhile looked the same at its end, but nobody reads figures older than two years.
const MAX_FROZEN_AT_ONCE: usize = 8;

/// The quarter a figure was asked for, with what it rests on.
pub(super) struct Asked {
    pub quarter: Quarter,
    pub today: NaiveDate,
    /// Today for this quarter, the last day for a past one.
    pub as_of: NaiveDate,
    /// A past quarter's frozen copy, late completions taken in (see the module comment).
    pub frozen: Option<FrozenQuarter>,
    pub basis: FigureBasis,
}

impl Service {
    /// Which quarter the figures are for (this one when none is named) and what they rest on; a
    /// quarter that has not begun is refused.
    pub(super) fn quarter_asked(&self, quarter: Option<Quarter>) -> Result<Asked, ServiceError> {
        let today = self.local_date();
        let current = Quarter::of(today);
        let quarter = quarter.unwrap_or(current);
        if quarter > current {
            return Err(ServiceError::invalid(
                "季度",
                format!("{quarter} 还没有开始，没有数字可看；只能查看本季度（{current}）和已经结束的季度"),
            ));
        }
        if quarter == current {
            return Ok(Asked { quarter, today, as_of: today, frozen: None, basis: FigureBasis::Current });
        }
        let as_of = quarter.last_day();
        let Some(mut frozen) = self.store.frozen_quarter(quarter)? else {
            return Ok(Asked {
                quarter,
                today,
                as_of,
                frozen: None,
                basis: FigureBasis::Recomputed { today },
            });
        };
        if frozen.settled_on.is_none() {
            self.take_backdated(&mut frozen)?;
        }
        let basis = FigureBasis::Frozen {
            settled: frozen.settled_on.is_some(),
            window_closes: frozen.window_closes(),
        };
        Ok(Asked { quarter, today, as_of, frozen: Some(frozen), basis })
    }

    /// Takes into `frozen` every completion by a contact dated inside its quarter that was
    /// logged since the freeze.
    fn take_backdated(&self, frozen: &mut FrozenQuarter) -> Result<(), ServiceError> {
        let last = frozen.as_of();
        for t in frozen.tasks.iter_mut() {
            if let Some(live) = self.store.task(&t.id)? {
                t.take_backdated(&live, last);
            }
        }
        Ok(())
    }

    /// What the day's housekeeping writes for past quarters: a freeze of every quarter that ended
    /// after the previous housekeeping (`previous`, the day it last ran; none on a new store,
    /// whose past quarters it never saw) and before `today`, and the final take of each frozen
    /// quarter whose backdating window has closed.
    pub(super) fn quarters_to_write(
        &self,
        previous: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Vec<FrozenQuarter>, ServiceError> {
        let mut out = Vec::new();
        if let Some(previous) = previous {
            let mut q = Quarter::of(today).prev();
            let mut ended = Vec::new();
            // Nothing changed between the previous housekeeping and today, so every quarter that
            // ended in between looked as the store looks now.
            while q.last_day() >= previous && ended.len() < MAX_FROZEN_AT_ONCE {
                ended.push(q);
                q = q.prev();
            }
            for q in ended.into_iter().rev() {
                if self.store.frozen_quarter(q)?.is_none() {
                    let mut f = self.freeze(q, today)?;
                    if settles_after(q) < today {
                        f.settled_on = Some(today);
                    }
                    out.push(f);
                }
            }
        }
        for mut f in self.store.frozen_quarters()? {
            if f.settled_on.is_none() && f.window_closes() < today {
                self.take_backdated(&mut f)?;
                f.settled_on = Some(today);
                out.push(f);
            }
        }
        Ok(out)
    }

    /// `q` as the store holds it now, which the caller knows to be how it ended.
    fn freeze(&self, q: Quarter, today: NaiveDate) -> Result<FrozenQuarter, ServiceError> {
        let last = q.last_day();
        let rules = self.store.rules()?;
        let launches = launches_in(q, &self.store.launches()?);
        let mut staff = Vec::new();
        let mut clients = Vec::new();
        for s in self.store.all_staff()? {
            let roster = if s.active { self.roster_clients(&s.no)? } else { Vec::new() };
            let standing = Standing::of(&s, self.store.roster_size(&s.no) as u32, &rules);
            for c in &roster {
                clients.push(PastClient {
                    no: c.no.clone(),
                    maintainer: s.no.clone(),
                    tier: c.tier,
                    segment: c.segment,
                    status: c.status,
                    compliant: compliant(&c.holdings, &rules),
                    sticker: c.sticker.done,
                });
            }
            staff.push(PastStaff::of(&s, standing));
        }
        let mut tasks = Vec::new();
        for t in self.store.tasks() {
            let t = t?;
            if counts_in(&t, q, &launches) {
                tasks.push(PastTask::as_of(&t, last));
            }
        }
        // Counted one client at a time: the register can be millions of clients.
        let mut snapshot = Snapshot::of(last, std::iter::empty());
        for c in self.store.clients() {
            snapshot.count(&c?);
        }
        Ok(FrozenQuarter {
            quarter: q,
            frozen_on: today,
            settled_on: None,
            outlet_average_target: rules.outlet_average_target,
            gold_share_target_permille: rules.gold_share_target_permille,
            gold_growth_target_permille: rules.gold_growth_target_permille,
            staff,
            clients,
            tasks,
            launches,
            snapshot,
            year_ago: year_ago(&self.store.snapshots()?, last),
        })
    }
}
