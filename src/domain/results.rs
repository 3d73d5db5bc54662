//! Branch results (成效): gold-and-above clients and their share of the branch's personal
//! clients, growth since 1 January and on the same date last year, churn (流失 and 降级) and
//! conversion over a period, from snapshots taken at each import, entered monthly totals and the
//! recorded changes of each client's tier, segment and status.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::client::{CardTier, Client, ClientStatus, Segment};
use super::coverage::Ratio;
use super::ids::ClientNo;
use super::money::Fen;

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

/// Over `from..=to`, what became of the clients there at the start (DOMAIN.md, "How the figures
/// are counted"): churn splits into 流失 (lost: status 流失 at the end) and 降级 (still a client,
/// below gold at the end), both of the clients gold and above at the start; conversion counts
/// 提升 clients below gold reaching gold and above, and prospects (拓展, 他行) below gold becoming
/// clients of the bank (worked as 维护 or 提升 at the end) or reaching gold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    /// Clients gold and above, not lost, at the start: the base of churn.
    pub gold_at_start: u32,
    /// Of those, lost by the end (流失).
    pub lost: u32,
    /// Of those, still clients but below gold at the end (降级).
    pub downgraded: u32,
    /// 提升 clients below gold at the start; `done`: gold and above at the end.
    pub uplift: Ratio,
    /// 拓展/他行 prospects below gold at the start; `done`: 维护/提升 or gold and above at the end.
    pub prospects: Ratio,
    /// Clients below gold at the start, of any segment, gold and above at the end (金卡以上新增).
    pub gained_gold: u32,
}

impl Movement {
    /// 流失率 as the bank's churn: lost and downgraded together, of the gold clients at the start.
    pub fn churn(&self) -> Ratio {
        Ratio { done: self.lost + self.downgraded, of: self.gold_at_start }
    }

    /// Clients won in the period: 提升 clients reaching gold and prospects won (转化, as 员工绩效
    /// counts it).
    pub fn won(&self) -> u32 {
        self.uplift.done + self.prospects.done
    }

    /// Lost clients alone, of the gold clients at the start.
    pub fn lost(&self) -> Ratio {
        Ratio { done: self.lost, of: self.gold_at_start }
    }

    /// Downgrades alone, of the gold clients at the start.
    pub fn downgraded(&self) -> Ratio {
        Ratio { done: self.downgraded, of: self.gold_at_start }
    }
}

/// What became of one client over a period, as `Movement` counts it; the drill-down behind
/// each figure lists the clients of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Moved {
    /// Gold and above at the start, and still: in the churn base, not churned.
    StayedGold,
    /// 流失: gold at the start, lost at the end.
    Lost,
    /// 降级: gold at the start, still a client below gold at the end.
    Downgraded,
    /// A 提升 client below gold reaching gold and above.
    UpliftWon,
    /// A 提升 client below gold still below gold.
    UpliftNotYet,
    /// A 拓展/他行 prospect becoming a client (维护/提升) or reaching gold.
    ProspectWon,
    /// A prospect neither.
    ProspectNotYet,
    /// A 维护 client below gold reaching gold (counted only in gold gained).
    RoseToGold,
}

impl Moved {
    /// How `start` (the day before the period) became `end` (its last day); `None` for a
    /// client lost before the period or below gold, 维护, and still so (in no figure).
    pub fn of(start: ClientState, end: ClientState) -> Option<Moved> {
        if start.status == ClientStatus::Lost {
            return None;
        }
        if start.gold_and_here() {
            return Some(if end.status == ClientStatus::Lost {
                Moved::Lost
            } else if !end.tier.is_gold_or_above() {
                Moved::Downgraded
            } else {
                Moved::StayedGold
            });
        }
        let gold = end.gold_and_here();
        Some(match start.segment {
            Segment::Uplift if gold => Moved::UpliftWon,
            Segment::Uplift => Moved::UpliftNotYet,
            Segment::Develop | Segment::OtherBank => {
                let won = end.status != ClientStatus::Lost
                    && (end.tier.is_gold_or_above()
                        || matches!(end.segment, Segment::Maintain | Segment::Uplift));
                if won { Moved::ProspectWon } else { Moved::ProspectNotYet }
            }
            Segment::Maintain if gold => Moved::RoseToGold,
            Segment::Maintain => return None,
        })
    }

    /// Whether the client went from below gold to gold and above (金卡以上新增).
    pub fn gained_gold(self, end: ClientState) -> bool {
        !matches!(self, Moved::StayedGold | Moved::Lost | Moved::Downgraded) && end.gold_and_here()
    }
}

impl Movement {
    /// Counts one client that was `start` on the day before the period and `end` on its last day.
    pub fn count(&mut self, start: ClientState, end: ClientState) {
        let Some(moved) = Moved::of(start, end) else { return };
        self.gained_gold += u32::from(moved.gained_gold(end));
        match moved {
            Moved::StayedGold => self.gold_at_start += 1,
            Moved::Lost => {
                self.gold_at_start += 1;
                self.lost += 1;
            }
            Moved::Downgraded => {
                self.gold_at_start += 1;
                self.downgraded += 1;
            }
            Moved::UpliftWon | Moved::UpliftNotYet => {
                self.uplift.of += 1;
                self.uplift.done += u32::from(moved == Moved::UpliftWon);
            }
            Moved::ProspectWon | Moved::ProspectNotYet => {
                self.prospects.of += 1;
                self.prospects.done += u32::from(moved == Moved::ProspectWon);
            }
            Moved::RoseToGold => {}
        }
    }

    pub fn add(&mut self, o: &Movement) {
        self.gold_at_start += o.gold_at_start;
        self.lost += o.lost;
        self.downgraded += o.downgraded;
        self.uplift.add(o.uplift);
        self.prospects.add(o.prospects);
        self.gained_gold += o.gained_gold;
    }
}

/// `Movement` over `from..=to` per key, from each client's current state and recorded changes
/// (`state_at` on the day before `from` and on `to`); each client is counted for the key it comes
/// with (the staff member who held it at the start, for 员工绩效). Clients who did not exist at
/// the start are in no base.
pub fn movement_by<'a, K: Ord>(
    clients: impl Iterator<Item = (K, ClientState, &'a [StateChange])>,
    from: NaiveDate,
    to: NaiveDate,
) -> std::collections::BTreeMap<K, Movement> {
    let before = from.pred_opt().unwrap_or(from);
    let mut out = std::collections::BTreeMap::<K, Movement>::new();
    for (key, current, changes) in clients {
        if let (Some(start), Some(end)) = (state_at(current, changes, before), state_at(current, changes, to))
        {
            out.entry(key).or_default().count(start, end);
        }
    }
    out
}

/// A recorded change of a client's 日均金融资产 (the balance the card tier follows): from what
/// to what, on which day. `None` is "not known" (an import that left the amount empty for a new
/// client). Recorded by every save that changes it, so a staff member's roster assets can be
/// compared between two dates (`roster_assets_by`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceChange {
    pub client: ClientNo,
    pub on: NaiveDate,
    pub from: Option<Fen>,
    pub to: Option<Fen>,
}

/// The client's balance at the end of `date`, from its current balance and its changes in date
/// order: the last change on or before `date`, else what the first change started from; with no
/// change recorded, the current balance (it has not changed since mingdan first saw it, or since
/// balances were first recorded).
pub fn assets_at(current: Option<Fen>, changes: &[BalanceChange], date: NaiveDate) -> Option<Fen> {
    match changes.iter().rposition(|c| c.on <= date) {
        Some(i) => changes[i].to,
        None => changes.first().map_or(current, |first| first.from),
    }
}

/// 名下资产变化: the balances of the clients a staff member held at a period's start, on the day
/// before it and on its last day, summed over the clients whose balance is known on both days
/// (`clients`); `unknown` counts the others, which are left out of both sums rather than taken
/// as 0. Counted for whoever held each client at the start (rule 1 of the figures: a client
/// handed over in the period neither adds to the receiver nor leaves the giver), so a handover
/// cannot make anyone's roster grow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterAssets {
    pub clients: u32,
    pub unknown: u32,
    /// Sum on the day before the period, in fen.
    pub start: Fen,
    /// Sum on the period's last day (or the day the figures are as of), in fen.
    pub end: Fen,
}

impl RosterAssets {
    /// End less start, in fen; `None` when no client's balance is known on both days.
    pub fn change(&self) -> Option<Fen> {
        (self.clients > 0).then(|| Fen(self.end.0 - self.start.0))
    }

    pub fn add(&mut self, o: &RosterAssets) {
        self.clients += o.clients;
        self.unknown += o.unknown;
        self.start = Fen(self.start.0 + o.start.0);
        self.end = Fen(self.end.0 + o.end.0);
    }
}

/// `RosterAssets` over `from..=to` per key (the staff member who held each client at `from`),
/// from each client's current balance and recorded balance changes (`assets_at`).
pub fn roster_assets_by<'a, K: Ord>(
    clients: impl Iterator<Item = (K, Option<Fen>, &'a [BalanceChange])>,
    from: NaiveDate,
    to: NaiveDate,
) -> std::collections::BTreeMap<K, RosterAssets> {
    let before = from.pred_opt().unwrap_or(from);
    let mut out = std::collections::BTreeMap::<K, RosterAssets>::new();
    for (key, current, changes) in clients {
        let r = out.entry(key).or_default();
        match (assets_at(current, changes, before), assets_at(current, changes, to)) {
            (Some(start), Some(end)) => {
                r.clients += 1;
                r.start = Fen(r.start.0 + start.0);
                r.end = Fen(r.end.0 + end.0);
            }
            _ => r.unknown += 1,
        }
    }
    out
}

/// One period of `periods`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodFigures {
    pub movement: Movement,
    /// The register on the period's last day: clients not lost, gold and above.
    pub register: Snapshot,
    /// Clients 沉睡 on the period's last day.
    pub dormant: u32,
}

/// For each period `(from, to)`, in one pass over the clients: its `Movement`, the register and
/// the dormant clients on its last day, all from each client's current state and recorded
/// changes (`state_at`). For 成效 and its quarterly trend.
pub fn periods<'a>(
    clients: impl Iterator<Item = (ClientState, &'a [StateChange])>,
    periods: &[(NaiveDate, NaiveDate)],
) -> Vec<PeriodFigures> {
    let mut out: Vec<PeriodFigures> = periods
        .iter()
        .map(|(_, to)| PeriodFigures {
            movement: Movement::default(),
            register: Snapshot { date: *to, clients: 0, gold_plus: 0 },
            dormant: 0,
        })
        .collect();
    for (current, changes) in clients {
        for ((from, to), p) in periods.iter().zip(out.iter_mut()) {
            let end = state_at(current, changes, *to);
            if let Some(end) = end
                && end.status != ClientStatus::Lost
            {
                p.register.clients += 1;
                p.register.gold_plus += u32::from(end.tier.is_gold_or_above());
                p.dormant += u32::from(end.status == ClientStatus::Dormant);
            }
            let before = from.pred_opt().unwrap_or(*from);
            if let (Some(start), Some(end)) = (state_at(current, changes, before), end) {
                p.movement.count(start, end);
            }
        }
    }
    out
}

/// 全行个人客户数 for one month, as core banking reports it: the denominator of the
/// gold-and-above share (seed 001: 金卡级以上客户占全部客户的1%以上 — all personal clients of the
/// branch, not only those loaded into mingdan), entered by an administrator or branch manager
/// (`mingdan branch-total 2026-11 412000`). `gold_plus`, when given, is core banking's count of
/// gold-and-above clients at that month's end: a baseline for growth where mingdan has no
/// snapshot of its own (its first year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchTotal {
    /// The first day of the month the figure is for.
    pub month: NaiveDate,
    pub personal_clients: u32,
    pub gold_plus: Option<u32>,
    /// Where the figure came from, as the person entering it said (e.g. 核心系统月报).
    pub source: String,
    /// 工号 of who entered it, and the day.
    pub entered_by: String,
    pub entered_on: NaiveDate,
}

/// The monthly figure the share on `as_of` divides by: the latest month on or before `as_of`'s.
pub fn branch_total_for(totals: &[BranchTotal], as_of: NaiveDate) -> Option<&BranchTotal> {
    totals.iter().filter(|t| t.month <= as_of).max_by_key(|t| t.month)
}

/// Where a growth figure's starting count came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BaselineSource {
    /// An import snapshot of mingdan's own register, taken on `Baseline::date`.
    Snapshot,
    /// An entered monthly figure (`BranchTotal::gold_plus`), with its source.
    Entered(String),
}

/// The gold-and-above count a growth figure compares with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The day the count was taken (a snapshot's date, or an entered month's last day).
    pub date: NaiveDate,
    pub gold_plus: u32,
    pub source: BaselineSource,
}

impl Baseline {
    fn of_snapshot(s: &Snapshot) -> Baseline {
        Baseline { date: s.date, gold_plus: s.gold_plus, source: BaselineSource::Snapshot }
    }

    /// An entered month's `gold_plus`, dated the month's last day.
    fn of_entered(t: &BranchTotal) -> Option<Baseline> {
        let last = t.month.checked_add_months(Months::new(1))?.pred_opt()?;
        Some(Baseline {
            date: last,
            gold_plus: t.gold_plus?,
            source: BaselineSource::Entered(t.source.clone()),
        })
    }
}

fn entered_for_month(totals: &[BranchTotal], month: NaiveDate) -> Option<Baseline> {
    totals.iter().find(|t| t.month == month).and_then(Baseline::of_entered)
}

/// The count to compare `as_of` with for growth 较年初 (since 1 January, how the annual target is
/// tracked): the latest import snapshot on or before 1 January of `as_of`'s year, at most 45 days
/// before it; else the entered December figure of the year before.
pub fn year_start_baseline(
    snapshots: &[Snapshot],
    totals: &[BranchTotal],
    as_of: NaiveDate,
) -> Option<Baseline> {
    let jan1 = NaiveDate::from_ymd_opt(as_of.year(), 1, 1)?;
    snapshots
        .iter()
        .filter(|s| s.date <= jan1 && (jan1 - s.date).num_days() <= SAME_DATE_SLACK_DAYS)
        .max_by_key(|s| s.date)
        .map(Baseline::of_snapshot)
        .or_else(|| entered_for_month(totals, NaiveDate::from_ymd_opt(as_of.year() - 1, 12, 1)?))
}

/// The count to compare `as_of` with year on year (同比): the snapshot of `year_ago`, else the
/// entered figure of the same month a year before.
pub fn year_ago_baseline(
    snapshots: &[Snapshot],
    totals: &[BranchTotal],
    as_of: NaiveDate,
) -> Option<Baseline> {
    year_ago(snapshots, as_of).map(|s| Baseline::of_snapshot(&s)).or_else(|| {
        let month = as_of.with_day(1)?.checked_sub_months(Months::new(12))?;
        entered_for_month(totals, month)
    })
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
    fn churn_splits_lost_from_downgraded_and_conversion_counts_uplift_and_prospects() {
        let (from, to) = (d(2026, 7, 1), d(2026, 9, 30));
        let gold = st(CardTier::Gold, Segment::Maintain, ClientStatus::Active);
        let gold_lost = st(CardTier::Gold, Segment::Maintain, ClientStatus::Lost);
        let ordinary = st(CardTier::Ordinary, Segment::Maintain, ClientStatus::Active);
        let uplift = st(CardTier::Ordinary, Segment::Uplift, ClientStatus::Active);
        let other_bank = st(CardTier::Ordinary, Segment::OtherBank, ClientStatus::Active);
        let develop = st(CardTier::Ordinary, Segment::Develop, ClientStatus::Active);
        let c = |on, f, t| vec![change(on, Some(f), t)];
        let fell = c(d(2026, 8, 1), gold, ordinary);
        let left = c(d(2026, 9, 1), gold, gold_lost);
        let after = c(d(2026, 10, 5), gold, ordinary); // after the period: not churn in it
        let converted = c(d(2026, 8, 20), uplift, gold);
        let new_in_period = vec![change(d(2026, 8, 1), None, uplift)];
        let won_over = c(d(2026, 8, 3), other_bank, ordinary); // now banks here: 他行 → 维护
        let reached = c(d(2026, 9, 30), develop, st(CardTier::Gold, Segment::Develop, ClientStatus::Active));
        let clients: Vec<(ClientState, &[StateChange])> = vec![
            (gold, &[]),              // stayed gold
            (ordinary, &fell),        // downgraded
            (gold_lost, &left),       // lost
            (ordinary, &after),       // gold throughout the period
            (gold, &converted),       // converted 提升
            (uplift, &[]),            // uplift, not converted
            (uplift, &new_in_period), // not there at the start
            (ordinary, &won_over),    // prospect won
            (gold, &reached),         // prospect reached the threshold on the last day
            (develop, &[]),           // prospect, not yet
            (gold_lost, &[]),         // lost before the period: in no base
        ];
        let m = periods(clients.into_iter(), &[(from, to)])[0].movement;
        assert_eq!((m.gold_at_start, m.lost, m.downgraded), (4, 1, 1));
        assert_eq!(m.churn(), Ratio { done: 2, of: 4 });
        assert_eq!(m.uplift, Ratio { done: 1, of: 2 });
        assert_eq!(m.prospects, Ratio { done: 2, of: 3 });
        assert_eq!(m.gained_gold, 2, "the uplift client and the prospect who reached gold");
    }

    #[test]
    fn each_period_counts_its_own_movement_and_its_closing_register() {
        let gold = st(CardTier::Gold, Segment::Maintain, ClientStatus::Active);
        let lost = st(CardTier::Gold, Segment::Maintain, ClientStatus::Lost);
        let uplift = st(CardTier::Ordinary, Segment::Uplift, ClientStatus::Active);
        let left_in_q3 = vec![change(d(2026, 8, 1), Some(gold), lost)];
        let rose_in_q4 = vec![change(d(2026, 11, 2), Some(uplift), gold)];
        let joined_in_q4 = vec![change(d(2026, 10, 9), None, gold)];
        let dormant = st(CardTier::Gold, Segment::Maintain, ClientStatus::Dormant);
        let slept_in_q4 = vec![change(d(2026, 11, 20), Some(gold), dormant)];
        let clients: Vec<(ClientState, &[StateChange])> =
            vec![(lost, &left_in_q3), (gold, &rose_in_q4), (gold, &joined_in_q4), (dormant, &slept_in_q4)];
        let quarters = [(d(2026, 7, 1), d(2026, 9, 30)), (d(2026, 10, 1), d(2026, 11, 30))];
        let p = periods(clients.iter().copied(), &quarters);
        // Q3: two gold at the start (the leaver and the steady one), one lost; three clients at
        // the end (the uplift one, not yet gold; the steady one; nobody joined yet).
        assert_eq!((p[0].movement.gold_at_start, p[0].movement.lost), (2, 1));
        assert_eq!(p[0].movement.uplift, Ratio { done: 0, of: 1 });
        assert_eq!((p[0].register.clients, p[0].register.gold_plus, p[0].dormant), (2, 1, 0));
        // Q4 to 11-30: the uplift client converted, the joiner is in the register, not the base.
        assert_eq!((p[1].movement.gold_at_start, p[1].movement.lost), (1, 0));
        assert_eq!(p[1].movement.uplift, Ratio { done: 1, of: 1 });
        assert_eq!(
            (p[1].register.date, p[1].register.clients, p[1].register.gold_plus),
            (d(2026, 11, 30), 3, 3)
        );
        assert_eq!(p[1].dormant, 1, "the steady gold client fell asleep in November");
        // The same as counting each period alone, and as counting it per key.
        for (i, (from, to)) in quarters.iter().enumerate() {
            assert_eq!(periods(clients.iter().copied(), &[(*from, *to)])[0], p[i]);
            let by = movement_by(clients.iter().map(|(s, c)| ("王芳", *s, *c)), *from, *to);
            assert_eq!(by["王芳"], p[i].movement);
        }
    }

    fn total(month: NaiveDate, personal: u32, gold: Option<u32>) -> BranchTotal {
        BranchTotal {
            month,
            personal_clients: personal,
            gold_plus: gold,
            source: "核心系统月报".into(),
            entered_by: "9001".into(),
            entered_on: month,
        }
    }

    #[test]
    fn the_share_divides_by_the_latest_monthly_total_on_or_before_the_day() {
        let totals = [total(d(2026, 9, 1), 400_000, None), total(d(2026, 11, 1), 412_000, None)];
        assert_eq!(branch_total_for(&totals, d(2026, 11, 30)).map(|t| t.personal_clients), Some(412_000));
        assert_eq!(branch_total_for(&totals, d(2026, 10, 31)).map(|t| t.personal_clients), Some(400_000));
        assert!(branch_total_for(&totals, d(2026, 8, 31)).is_none(), "no figure yet for August");
    }

    #[test]
    fn growth_since_new_year_takes_the_snapshot_at_the_turn_else_the_entered_december_figure() {
        let entered =
            [total(d(2025, 12, 1), 400_000, Some(3_000)), total(d(2025, 11, 1), 399_000, Some(2_950))];
        // mingdan's first year: nothing of its own at the turn of the year.
        let snaps = [Snapshot { date: d(2026, 3, 2), clients: 5000, gold_plus: 3100 }];
        let b = year_start_baseline(&snaps, &entered, d(2026, 11, 30)).unwrap();
        assert_eq!((b.date, b.gold_plus), (d(2025, 12, 31), 3_000));
        assert_eq!(b.source, BaselineSource::Entered("核心系统月报".into()));
        // A snapshot taken at the turn of the year wins over the entered figure.
        let snaps = [Snapshot { date: d(2025, 12, 28), clients: 5000, gold_plus: 3010 }];
        let b = year_start_baseline(&snaps, &entered, d(2026, 2, 28)).unwrap();
        assert_eq!((b.date, b.gold_plus, b.source), (d(2025, 12, 28), 3010, BaselineSource::Snapshot));
        assert!(year_start_baseline(&[], &[], d(2026, 5, 1)).is_none());
        // Year on year: the same month a year back, entered, when no snapshot is near.
        let b = year_ago_baseline(&[], &entered, d(2026, 11, 18)).unwrap();
        assert_eq!((b.date, b.gold_plus), (d(2025, 11, 30), 2_950));
        // 29 February: the month a year back is February 2023, whose last day is the 28th.
        let feb = [total(d(2023, 2, 1), 1, Some(7))];
        assert_eq!(year_ago_baseline(&[], &feb, d(2024, 2, 29)).map(|b| b.date), Some(d(2023, 2, 28)));
    }

    #[test]
    fn months_back_ends_with_this_month() {
        let m = months_back(d(2026, 11, 18), 3);
        assert_eq!(m, [d(2026, 9, 1), d(2026, 10, 1), d(2026, 11, 1)]);
        assert_eq!(months_back(d(2026, 2, 10), 3)[0], d(2025, 12, 1));
    }

    #[test]
    fn roster_assets_compare_the_clients_held_at_the_start_on_the_two_days() {
        let no = |s: &str| ClientNo::parse(s).unwrap();
        let ch = |c: &str, on, from: Option<i64>, to: Option<i64>| BalanceChange {
            client: no(c),
            on,
            from: from.map(Fen::wan),
            to: to.map(Fen::wan),
        };
        let q4 = (d(2026, 10, 1), d(2026, 12, 31));
        // A: 50万 → 80万 on 11-02. B: no change recorded, 30万 all along. C: 100万 in September,
        // 60万 in October, back to 90万 on 2027-01-05 (after the quarter). D: unknown at the
        // start (came in without an amount), 20万 since 11-20. E: joined on 11-10.
        let a = [ch("A", d(2026, 11, 2), Some(50), Some(80))];
        let c = [ch("C", d(2026, 10, 15), Some(100), Some(60)), ch("C", d(2027, 1, 5), Some(60), Some(90))];
        let dd = [ch("D", d(2026, 11, 20), None, Some(20))];
        let e = [ch("E", d(2026, 11, 10), None, Some(500))];
        let rows: Vec<(&str, Option<Fen>, &[BalanceChange])> = vec![
            ("1001", Some(Fen::wan(80)), &a),
            ("1001", Some(Fen::wan(30)), &[]),
            ("1002", Some(Fen::wan(90)), &c),
            ("1002", Some(Fen::wan(20)), &dd),
            ("1002", Some(Fen::wan(500)), &e),
        ];
        let by = roster_assets_by(rows.into_iter(), q4.0, q4.1);
        let r1 = by["1001"];
        assert_eq!((r1.clients, r1.unknown, r1.start, r1.end), (2, 0, Fen::wan(80), Fen::wan(110)));
        assert_eq!(r1.change(), Some(Fen::wan(30)));
        let r2 = by["1002"];
        // C counts 100万 → 60万 (January's rise is after the quarter); D and E had no balance
        // at the start: left out of both sums, not counted as growth from 0.
        assert_eq!((r2.clients, r2.unknown, r2.change()), (1, 2, Some(Fen::wan(-40))));
        assert_eq!(RosterAssets { unknown: 3, ..RosterAssets::default() }.change(), None);
        assert_eq!(assets_at(Some(Fen::wan(90)), &c, d(2026, 9, 30)), Some(Fen::wan(100)));
    }
}
