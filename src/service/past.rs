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

use crate::domain::Field;
use chrono::NaiveDate;

use super::views::FigureBasis;
use super::{Service, ServiceError};
use crate::domain::Quarter;
use crate::domain::compliance::compliant;
use crate::domain::coverage::launches_in;
use crate::domain::past::{FrozenQuarter, PastClient, PastStaff, PastTask, counts_in, settles_after};
use crate::domain::quota::Standing;
use crate::domain::results::{Snapshot, year_ago};
use crate::store::StoreError;

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
                Field::Quarter,
                format!("{quarter} 还没有开始，没有数字可看；只能查看本季度（{current}）和已经结束的季度"),
                format!(
                    "{quarter} has not begun and has no figures; only this quarter ({current}) and past ones can be shown"
                ),
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

    /// Writes what the day's housekeeping owes past quarters: a freeze of every quarter that
    /// ended after the previous housekeeping (`previous`, the day it last ran; none on a new
    /// store, whose past quarters it never saw) and before `today`, and the final take of each
    /// frozen quarter whose backdating window has closed. Each quarter is written in parts of
    /// `FROZEN_PART` clients and tasks, one transaction each, its header (and audit record) last,
    /// so memory is bounded by a part and a quarter cut short is written again whole. The
    /// caller holds the writer lock. The audit details written; `None` when the disk filled up.
    pub(super) fn write_quarters(
        &self,
        previous: Option<NaiveDate>,
        today: NaiveDate,
        audit: &dyn Fn(Quarter, String) -> crate::domain::AuditRecord,
        written_one: &mut dyn FnMut(),
    ) -> Result<Option<usize>, ServiceError> {
        let mut written = 0;
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
                if self.store.frozen_header(q)?.is_none() {
                    if self.freeze(q, today, audit, written_one)?.is_none() {
                        return Ok(None);
                    }
                    written += 1;
                }
            }
        }
        for mut f in self.store.frozen_headers()? {
            if f.settled_on.is_none() && f.window_closes() < today {
                // Part by part, read and written again (sled's walk goes on past the parts it
                // rewrote); taking a completion in twice is the same as once, so a settling cut
                // short is simply done again.
                for part in self.store.frozen_parts(f.quarter) {
                    let (n, mut part) = part?;
                    self.take_backdated(&mut part)?;
                    if stopped(self.store.write(|tx| tx.save_frozen_part(n, &part)))?.is_none() {
                        return Ok(None);
                    }
                    written_one();
                }
                self.take_backdated(&mut f)?;
                f.settled_on = Some(today);
                let rec = audit(f.quarter, format!("{} 季末数据补记期结束，任务结果定稿", f.quarter));
                if stopped(self.store.write(|tx| {
                    tx.save_frozen_quarter(&f)?;
                    tx.audit(&rec)
                }))?
                .is_none()
                {
                    return Ok(None);
                }
                written_one();
                written += 1;
            }
        }
        Ok(Some(written))
    }

    /// Freezes `q` as the store holds it now, which the caller knows to be how it ended, in parts
    /// (see `write_quarters`); `None` when the disk filled up.
    fn freeze(
        &self,
        q: Quarter,
        today: NaiveDate,
        audit: &dyn Fn(Quarter, String) -> crate::domain::AuditRecord,
        written_one: &mut dyn FnMut(),
    ) -> Result<Option<()>, ServiceError> {
        // Parts a freeze cut short left behind: no header points at them, and this freeze may
        // write fewer.
        let stale: Vec<u32> =
            self.store.frozen_parts(q).map(|p| p.map(|(n, _)| n)).collect::<Result<_, _>>()?;
        if !stale.is_empty()
            && stopped(self.store.write(|tx| {
                for n in &stale {
                    tx.remove_frozen_part(q, *n)?;
                }
                Ok(())
            }))?
            .is_none()
        {
            return Ok(None);
        }
        let last = q.last_day();
        let part_size = self.housekeeping_batch().saturating_mul(4).min(FROZEN_PART);
        let rules = self.store.rules()?;
        let launches = launches_in(q, &self.store.launches()?);
        // Counted one client at a time: the register can be millions of clients.
        let mut snapshot = Snapshot::of(last, std::iter::empty());
        for c in self.store.clients() {
            snapshot.count(&c?);
        }
        let mut header = FrozenQuarter {
            quarter: q,
            frozen_on: today,
            settled_on: if settles_after(q) < today { Some(today) } else { None },
            outlet_average_target: rules.outlet_average_target,
            gold_share_target_permille: rules.gold_share_target_permille,
            gold_growth_target_permille: rules.gold_growth_target_permille,
            staff: Vec::new(),
            clients: Vec::new(),
            tasks: Vec::new(),
            launches,
            snapshot,
            year_ago: year_ago(&self.store.snapshots()?, last),
        };
        let mut part = FrozenQuarter { staff: Vec::new(), launches: Vec::new(), ..header.clone() };
        let mut parts = 0u32;
        let (mut clients, mut tasks) = (0usize, 0usize);
        let mut flush = |part: &mut FrozenQuarter, at_least: usize| -> Result<Option<()>, ServiceError> {
            if part.clients.len() + part.tasks.len() < at_least.max(1) {
                return Ok(Some(()));
            }
            let written = stopped(self.store.write(|tx| tx.save_frozen_part(parts, part)))?;
            written_one();
            parts += 1;
            part.clients.clear();
            part.tasks.clear();
            Ok(written)
        };
        for s in self.store.all_staff()? {
            let roster = if s.active { self.roster_clients(&s.no)? } else { Vec::new() };
            let standing = Standing::of(&s, self.store.roster_size(&s.no) as u32, &rules);
            for c in &roster {
                part.clients.push(PastClient {
                    no: c.no.clone(),
                    maintainer: s.no.clone(),
                    tier: c.tier,
                    segment: c.segment,
                    status: c.status,
                    compliant: compliant(&c.holdings, &rules),
                    sticker: c.sticker.done,
                });
                clients += 1;
                if flush(&mut part, part_size)?.is_none() {
                    return Ok(None);
                }
            }
            header.staff.push(PastStaff::of(&s, standing));
        }
        for t in self.store.tasks() {
            let t = t?;
            if counts_in(&t, q, &header.launches) {
                part.tasks.push(PastTask::as_of(&t, last));
                tasks += 1;
                if flush(&mut part, part_size)?.is_none() {
                    return Ok(None);
                }
            }
        }
        if flush(&mut part, 1)?.is_none() {
            return Ok(None);
        }
        let rec = audit(
            q,
            format!(
                "留存 {q} 季末数据：员工 {} 人，名单客户 {clients} 位，任务 {tasks} 项",
                header.staff.len()
            ),
        );
        let written = stopped(self.store.write(|tx| {
            tx.save_frozen_quarter(&header)?;
            tx.audit(&rec)
        }))?;
        written_one();
        Ok(written)
    }
}

/// Clients and tasks per part of a frozen quarter at most (four housekeeping batches unless those
/// are larger): 20,000 make about 1 MB, well under `codec::MAX_WRITE` even with the longest
/// client numbers.
const FROZEN_PART: usize = 20_000;

/// A housekeeping write's outcome: `None` when the disk is full, which ends the run without an
/// error (see `Service::housekeep`).
pub(super) fn stopped<R>(written: Result<R, StoreError>) -> Result<Option<R>, ServiceError> {
    match written {
        Ok(r) => Ok(Some(r)),
        Err(StoreError::DiskFull { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
