//! Branch results (成效): gold-and-above clients and their share, growth on the same date last
//! year, churn and conversion over a period, from snapshots taken at each import and from the
//! recorded changes of each client's tier, segment and status.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::client::{CardTier, Client, ClientStatus, Segment};
use super::coverage::Ratio;
use super::ids::ClientNo;

/// Counts of the register on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub date: NaiveDate,
    /// Clients not lost.
    pub clients: u32,
    pub gold_plus: u32,
}

impl Snapshot {
    pub fn of<'a>(date: NaiveDate, clients: impl Iterator<Item = &'a Client>) -> Snapshot {
        let mut s = Snapshot { date, clients: 0, gold_plus: 0 };
        for c in clients {
            s.count(c);
        }
        s
    }

    /// Counts one more client (lost clients are not counted).
    pub fn count(&mut self, c: &Client) {
        if c.status != ClientStatus::Lost {
            self.clients += 1;
            self.gold_plus += u32::from(c.tier.is_gold_or_above());
        }
    }

    /// Takes back a client counted before (one an import is about to change).
    pub fn uncount(&mut self, c: &Client) {
        if c.status != ClientStatus::Lost {
            self.clients = self.clients.saturating_sub(1);
            self.gold_plus = self.gold_plus.saturating_sub(u32::from(c.tier.is_gold_or_above()));
        }
    }
}

/// What churn and conversion look at in a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientState {
    pub tier: CardTier,
    pub segment: Segment,
    pub status: ClientStatus,
}

impl ClientState {
    pub fn of(c: &Client) -> ClientState {
        ClientState { tier: c.tier, segment: c.segment, status: c.status }
    }

    fn gold_and_here(self) -> bool {
        self.tier.is_gold_or_above() && self.status != ClientStatus::Lost
    }
}

/// A recorded change; `from` is `None` when the client first appeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    pub client: ClientNo,
    pub on: NaiveDate,
    pub from: Option<ClientState>,
    pub to: ClientState,
}

/// The client's state at the end of `date`, from its current state and its changes in date
/// order; `None` if it did not exist yet.
pub fn state_at(current: ClientState, changes: &[StateChange], date: NaiveDate) -> Option<ClientState> {
    match changes.iter().rposition(|c| c.on <= date) {
        Some(i) => Some(changes[i].to),
        None => match changes.first() {
            Some(first) => first.from,
            None => Some(current),
        },
    }
}

/// A branch figure beside the target the rules set for it, both in tenths of a percent. The
/// figure is rounded for display (`percent::permille_half_up`); whether the target is met is
/// decided on the exact fraction, so 79.95% against 80% is not met although it shows as 80.0%.
/// With no figure (nothing to count, no snapshot a year back) the target is not met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgainstTarget {
    pub permille: Option<i64>,
    pub target: i64,
    /// Decided on the exact share, before any rounding.
    pub reached: bool,
}

impl AgainstTarget {
    /// The share `num / den` against `target` tenths of a percent.
    pub fn of(num: i64, den: i64, target: i64) -> AgainstTarget {
        AgainstTarget {
            permille: super::percent::permille_half_up(num, den),
            target,
            reached: super::percent::reaches(num, den, target),
        }
    }

    /// No figure to judge (nothing to count, nothing to compare with).
    pub fn none(target: i64) -> AgainstTarget {
        AgainstTarget { permille: None, target, reached: false }
    }

    pub fn met(self) -> bool {
        self.reached
    }
}

/// Gold-and-above clients as a share of all clients, in tenths of a percent, rounded half up.
pub fn share_permille(s: &Snapshot) -> Option<u32> {
    Ratio { done: s.gold_plus, of: s.clients }.permille()
}

/// Gold-and-above share against its target (`Rules::gold_share_target_permille`).
pub fn share_against(s: &Snapshot, target: i64) -> AgainstTarget {
    AgainstTarget::of(i64::from(s.gold_plus), i64::from(s.clients), target)
}

/// Growth of the gold-and-above count from `before` to `now` against its target; no figure
/// when there was nothing before.
pub fn growth_against(now: u32, before: u32, target: i64) -> AgainstTarget {
    AgainstTarget::of(i64::from(now) - i64::from(before), i64::from(before), target)
}

/// How far to look around the date one year back for a snapshot to compare with.
const SAME_DATE_SLACK_DAYS: i64 = 45;

/// The snapshot to compare today with: the latest one on or before the same date last year,
/// provided it is not much older than that.
pub fn year_ago(snapshots: &[Snapshot], today: NaiveDate) -> Option<Snapshot> {
    let target = today.checked_sub_months(Months::new(12))?;
    snapshots
        .iter()
        .filter(|s| s.date <= target && (target - s.date).num_days() <= SAME_DATE_SLACK_DAYS)
        .max_by_key(|s| s.date)
        .copied()
}

/// Growth of the gold-and-above count, in tenths of a percent rounded half up (may be
/// negative).
pub fn growth_permille(now: u32, before: u32) -> Option<i64> {
    super::percent::permille_half_up(i64::from(now) - i64::from(before), i64::from(before))
}

/// Over `from..=to`: churn counts clients gold-and-above at the start who at the end have
/// fallen below gold or left; conversion counts 提升 clients below gold at the start who are gold
/// or above at the end.
pub fn churn_and_conversion<'a>(
    clients: impl Iterator<Item = (ClientState, &'a [StateChange])>,
    from: NaiveDate,
    to: NaiveDate,
) -> (Ratio, Ratio) {
    let before = from.pred_opt().unwrap_or(from);
    let (mut churn, mut conversion) = (Ratio::default(), Ratio::default());
    for (current, changes) in clients {
        let (Some(start), Some(end)) = (state_at(current, changes, before), state_at(current, changes, to))
        else {
            continue;
        };
        if start.gold_and_here() {
            churn.of += 1;
            churn.done += u32::from(!end.gold_and_here());
        } else if start.segment == Segment::Uplift && start.status != ClientStatus::Lost {
            conversion.of += 1;
            conversion.done += u32::from(end.gold_and_here());
        }
    }
    (churn, conversion)
}

/// The first day of each of the `n` months ending with `today`'s, oldest first.
pub fn months_back(today: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let first = today.with_day(1).unwrap_or(today);
    (0..n).rev().filter_map(|i| first.checked_sub_months(Months::new(i))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn st(tier: CardTier, segment: Segment, status: ClientStatus) -> ClientState {
        ClientState { tier, segment, status }
    }

    fn change(on: NaiveDate, from: Option<ClientState>, to: ClientState) -> StateChange {
        StateChange { client: ClientNo::parse("C").unwrap(), on, from, to }
    }

    #[test]
    fn state_at_replays_recorded_changes() {
        let silver = st(CardTier::Ordinary, Segment::Uplift, ClientStatus::Active);
        let gold = st(CardTier::Gold, Segment::Maintain, ClientStatus::Active);
        let changes = [change(d(2026, 3, 1), None, silver), change(d(2026, 8, 15), Some(silver), gold)];
        assert_eq!(state_at(gold, &changes, d(2026, 2, 28)), None, "not a client yet");
        assert_eq!(state_at(gold, &changes, d(2026, 8, 14)), Some(silver));
        assert_eq!(state_at(gold, &changes, d(2026, 8, 15)), Some(gold));
        assert_eq!(state_at(gold, &[], d(2020, 1, 1)), Some(gold), "no history: as it is now");
    }

    #[test]
    fn share_and_growth_against_the_same_date_last_year() {
        let now = Snapshot { date: d(2026, 11, 18), clients: 5000, gold_plus: 115 };
        assert_eq!(share_permille(&now), Some(23)); // 2.3%, above the 1% target
        let snaps = [
            Snapshot { date: d(2025, 9, 1), clients: 4800, gold_plus: 90 },
            Snapshot { date: d(2025, 11, 1), clients: 4900, gold_plus: 100 },
            Snapshot { date: d(2025, 12, 1), clients: 4900, gold_plus: 104 },
        ];
        let before = year_ago(&snaps, now.date).unwrap();
        assert_eq!(before.date, d(2025, 11, 1));
        assert_eq!(growth_permille(now.gold_plus, before.gold_plus), Some(150)); // exactly 15%
        assert_eq!(growth_permille(90, 100), Some(-100));
        assert_eq!(growth_permille(5, 0), None);
        assert!(year_ago(&snaps[..1], now.date).is_none(), "a snapshot months older is no comparison");
        assert!(growth_against(115, 100, 150).met(), "exactly on target is met");
        assert!(!growth_against(114, 100, 150).met());
        assert!(!AgainstTarget::none(10).met(), "no figure, no verdict of met");
        assert!(!growth_against(5, 0, 10).met(), "nothing before: no growth figure");
        // 0.995% of clients gold and above shows as 1.0% and still misses the 1% target.
        let s = Snapshot { date: d(2026, 11, 18), clients: 20000, gold_plus: 199 };
        assert_eq!(share_against(&s, 10).permille, Some(10));
        assert!(!share_against(&s, 10).met());
        assert_eq!(growth_permille(2, 3), Some(-333), "-1/3 rounds to -33.3%");
    }

    #[test]
    fn churn_counts_gold_clients_lost_and_conversion_counts_uplift_clients_gained() {
        let (from, to) = (d(2026, 7, 1), d(2026, 9, 30));
        let gold = st(CardTier::Gold, Segment::Maintain, ClientStatus::Active);
        let gold_lost = st(CardTier::Gold, Segment::Maintain, ClientStatus::Lost);
        let ordinary = st(CardTier::Ordinary, Segment::Maintain, ClientStatus::Active);
        let uplift = st(CardTier::Ordinary, Segment::Uplift, ClientStatus::Active);
        let c = |on, f, t| vec![change(on, Some(f), t)];
        let fell = c(d(2026, 8, 1), gold, ordinary);
        let left = c(d(2026, 9, 1), gold, gold_lost);
        let after = c(d(2026, 10, 5), gold, ordinary); // after the period: not churn in it
        let converted = c(d(2026, 8, 20), uplift, gold);
        let new_in_period = vec![change(d(2026, 8, 1), None, uplift)];
        let clients: Vec<(ClientState, &[StateChange])> = vec![
            (gold, &[]),              // stayed gold
            (ordinary, &fell),        // churned
            (gold_lost, &left),       // churned
            (ordinary, &after),       // gold throughout the period
            (gold, &converted),       // converted
            (uplift, &[]),            // uplift, not converted
            (uplift, &new_in_period), // not there at the start
        ];
        let (churn, conversion) = churn_and_conversion(clients.into_iter(), from, to);
        assert_eq!(churn, Ratio { done: 2, of: 4 });
        assert_eq!(conversion, Ratio { done: 1, of: 2 });
    }

    #[test]
    fn months_back_ends_with_this_month() {
        let m = months_back(d(2026, 11, 18), 3);
        assert_eq!(m, [d(2026, 9, 1), d(2026, 10, 1), d(2026, 11, 1)]);
        assert_eq!(months_back(d(2026, 2, 10), 3)[0], d(2025, 12, 1));
    }
}
