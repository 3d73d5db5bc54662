//! Branch results (成效): gold-and-above share of the branch's personal clients and growth (较年初
//! and 同比), churn (流失/降级) and conversion (提升/潜在), satisfaction, and a twelve-month trend;
//! the monthly branch totals the share divides by.

use crate::domain::Field;
use chrono::{Datelike, Duration, NaiveDate};

use super::views::{
    DrillRow, MonthPoint, PerformancePoint, PerformanceView, QuarterPoint, ResultsFigure, ResultsView,
    StaffPoint, StaffRef, StaffResults,
};
use super::{Service, ServiceError};
use crate::domain::contact::ScoreOwners;
use crate::domain::results::{
    AgainstTarget, Baseline, BranchTotal, ClientState, Moved, Snapshot, branch_total_for, growth_against,
    months_back, movement_by, periods, state_at, year_ago_baseline, year_start_baseline,
};
use crate::domain::{AuditAction, Client, ClientStatus, Permission, Quarter, Staff};

const TREND_MONTHS: u32 = 12;
/// Quarters in the quarterly trend (issue: each KPI's last eight quarters).
const TREND_QUARTERS: usize = 8;

fn average_tenths(sum: u32, count: u32) -> Option<u32> {
    (count > 0).then(|| (sum * 10 + count / 2) / count)
}

impl Service {
    /// Results of `quarter` (this one when `None`): as of today for this quarter; for a past one
    /// the register, share, growth, churn and conversion as frozen at its end (`service::past`),
    /// satisfaction from the contacts dated in it and the trend of the twelve months to its end.
    /// A past quarter never frozen takes its register at its end from its last import snapshot or
    /// the change record (and says what it rests on in `basis`); a quarter that
    /// has not begun is refused.
    pub fn results(&self, actor: &Staff, quarter: Option<Quarter>) -> Result<ResultsView, ServiceError> {
        self.require(actor, Permission::Manager, "查看成效")?;
        let asked = self.quarter_asked(quarter)?;
        let (today, quarter) = (asked.today, asked.quarter);
        let mut rules = self.store.rules()?;
        let snapshots = self.store.snapshots()?;
        let totals = self.store.branch_totals()?;
        let clients: Vec<Client> = self.store.clients().collect::<Result<_, _>>()?;
        let frozen_register = asked.frozen.as_ref().map(|f| {
            rules.gold_share_target_permille = f.gold_share_target_permille;
            rules.gold_growth_target_permille = f.gold_growth_target_permille;
            f.snapshot
        });
        let this_quarter = quarter == Quarter::of(today);
        let today_register = Snapshot::of(today, clients.iter());
        let changes = self.store.client_changes()?;
        // Churn and conversion of this quarter and the seven before it, past or present, come
        // from the dated record of changes, which holds them as they happened.
        let mut trend_quarters = vec![quarter];
        while trend_quarters.len() < TREND_QUARTERS {
            let first = trend_quarters[0].prev();
            trend_quarters.insert(0, first);
        }
        let spans: Vec<(NaiveDate, NaiveDate)> =
            trend_quarters.iter().map(|q| (q.first_day(), q.last_day().min(asked.as_of))).collect();
        let by_quarter = periods(
            clients
                .iter()
                .map(|c| (ClientState::of(c), changes.get(&c.no).map(Vec::as_slice).unwrap_or(&[]))),
            &spans,
        );
        drop(clients);
        // A quarter's register as of its end: its last import snapshot, else counted from the
        // change record. The viewed quarter's headline is today's register (this quarter), the
        // frozen one, or this same count — never today's for a past quarter.
        let quarter_register = |q: Quarter, counted: Snapshot| {
            snapshots
                .iter()
                .filter(|s| s.date >= q.first_day() && s.date <= counted.date)
                .max_by_key(|s| s.date)
                .copied()
                .unwrap_or(counted)
        };
        let now = match frozen_register {
            Some(f) => f,
            None if this_quarter => today_register,
            None => by_quarter.last().map_or(today_register, |p| quarter_register(quarter, p.register)),
        };
        let (movement_now, dormant) =
            by_quarter.last().map_or((Default::default(), 0), |p| (p.movement, p.dormant));
        let as_of_frozen_year_ago = asked.frozen.as_ref().map(|f| f.year_ago);
        // The trend ends with the month the figures are as of; its last point is `now`.
        let as_of = asked.as_of;
        let months = months_back(as_of, TREND_MONTHS);
        let first = months.first().copied().unwrap_or(today);
        let month_of = |d: NaiveDate| months.iter().rposition(|m| *m <= d);
        let mut contacts = vec![0u32; months.len()];
        let mut sat = vec![(0u32, 0u32); months.len()];
        let (mut q_sum, mut q_count) = (0u32, 0u32);
        let mut per_quarter = vec![(0u32, 0u32, 0u32); trend_quarters.len()];
        let from = first.min(spans[0].0).and_hms_opt(0, 0, 0).unwrap_or_default();
        let to = (as_of + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default();
        for c in self.store.contacts_between(from, to) {
            let c = c?;
            let day = c.at.date();
            if let Some(i) = month_of(day).filter(|_| day >= first) {
                contacts[i] += 1;
                if let Some(s) = c.satisfaction {
                    sat[i].0 += u32::from(s);
                    sat[i].1 += 1;
                }
            }
            if let Some(i) = trend_quarters.iter().position(|q| q.contains(day)) {
                per_quarter[i].0 += 1;
                if let Some(s) = c.satisfaction {
                    per_quarter[i].1 += u32::from(s);
                    per_quarter[i].2 += 1;
                }
            }
            if let Some(s) = c.satisfaction.filter(|_| quarter.contains(day)) {
                q_sum += u32::from(s);
                q_count += 1;
            }
        }
        let trend = months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let in_month = |d: NaiveDate| d.year() == m.year() && d.month() == m.month();
                let gold_plus = if in_month(now.date) {
                    Some(now.gold_plus)
                } else {
                    snapshots.iter().filter(|s| in_month(s.date)).max_by_key(|s| s.date).map(|s| s.gold_plus)
                };
                MonthPoint {
                    month: *m,
                    gold_plus,
                    contacts: contacts[i],
                    satisfaction_tenths: average_tenths(sat[i].0, sat[i].1),
                }
            })
            .collect();
        // A past quarter compares with the snapshot it compared with when it was frozen.
        let year_ago = match as_of_frozen_year_ago {
            Some(Some(y)) => Some(Baseline {
                date: y.date,
                gold_plus: y.gold_plus,
                source: crate::domain::results::BaselineSource::Snapshot,
            }),
            _ => year_ago_baseline(&snapshots, &totals, as_of),
        };
        let year_start = year_start_baseline(&snapshots, &totals, as_of);
        let growth_target = i64::from(rules.gold_growth_target_permille);
        let growth_from = |b: &Option<Baseline>| match b {
            Some(b) => growth_against(now.gold_plus, b.gold_plus, growth_target),
            None => AgainstTarget::none(growth_target),
        };
        let branch_total = branch_total_for(&totals, as_of).cloned();
        let share_of = branch_total.as_ref().map_or(now.clients, |t| t.personal_clients);
        let share_target = i64::from(rules.gold_share_target_permille);
        let last = trend_quarters.len() - 1;
        let quarters = trend_quarters
            .iter()
            .zip(by_quarter)
            .zip(&per_quarter)
            .enumerate()
            .map(|(i, ((q, period), &(contacts, sum, count)))| {
                let (movement, counted) = (period.movement, period.register);
                // The register as the growth figures see it: the last import snapshot of the
                // quarter, else counted from the change record; the viewed quarter's is the
                // figure shown above it, not a second count.
                let register = if i == last { now } else { quarter_register(*q, counted) };
                // One denominator per chart: once the branch has entered totals, a quarter
                // without one has no share rather than a share of another base.
                let of = match branch_total_for(&totals, register.date) {
                    Some(t) => Some(t.personal_clients),
                    None if totals.is_empty() => Some(register.clients),
                    None => None,
                };
                QuarterPoint {
                    quarter: *q,
                    register,
                    share: match of {
                        Some(of) => {
                            AgainstTarget::of(i64::from(register.gold_plus), i64::from(of), share_target)
                        }
                        None => AgainstTarget::none(share_target),
                    },
                    movement: if i == last { movement_now } else { movement },
                    contacts,
                    satisfaction_tenths: average_tenths(sum, count),
                }
            })
            .collect();
        Ok(ResultsView {
            quarter,
            today,
            as_of,
            basis: asked.basis,
            share: AgainstTarget::of(
                i64::from(now.gold_plus),
                i64::from(share_of),
                i64::from(rules.gold_share_target_permille),
            ),
            share_of,
            branch_total,
            growth: growth_from(&year_ago),
            growth_ytd: growth_from(&year_start),
            now,
            year_ago,
            year_start,
            movement: movement_now,
            dormant,
            satisfaction_tenths: average_tenths(q_sum, q_count),
            satisfaction_count: q_count,
            trend,
            quarters,
        })
    }

    /// 员工绩效 of `quarter` (this one when `None`): `coverage` beside each staff member's results.
    /// Churn, conversion and gold gained count the clients each held at the quarter's start (the
    /// previous quarter's frozen rosters; today's maintainers if none were frozen, said in the
    /// view), so handing a client away neither sheds a loss nor takes a gain; contacts and
    /// contacts count what each logged, dated in the quarter; satisfaction scores count for whoever
    /// owed the survey or held the client (`score_owners`), not for who recorded them.
    pub fn performance(
        &self,
        actor: &Staff,
        quarter: Option<Quarter>,
    ) -> Result<PerformanceView, ServiceError> {
        let coverage = self.coverage(actor, quarter)?;
        let (q, as_of) = (coverage.quarter, coverage.as_of);
        type Holders = std::collections::HashMap<crate::domain::ClientNo, crate::domain::StaffNo>;
        let frozen_holders = |q: Quarter| -> Result<Option<Holders>, ServiceError> {
            Ok(self
                .store
                .frozen_quarter(q)?
                .map(|f| f.clients.into_iter().map(|c| (c.no, c.maintainer)).collect()))
        };
        let start_holders = frozen_holders(q.prev())?;
        // Without the rosters of the quarter's start, a past quarter's own frozen end rosters
        // stand in: a handover after the quarter must not move its figures. Only for a quarter
        // with neither do today's maintainers.
        let end_holders = if start_holders.is_none() && coverage.as_of < self.local_date() {
            frozen_holders(q)?
        } else {
            None
        };
        let holders_at_end = end_holders.is_some();
        let start_holders_frozen = start_holders.is_some();
        let start_holders = start_holders.or(end_holders);
        let changes = self.store.client_changes()?;
        let clients: Vec<Client> = self.store.clients().collect::<Result<_, _>>()?;
        let holder = |c: &Client| match &start_holders {
            Some(h) => h.get(&c.no).cloned(),
            None => c.maintainer.clone(),
        };
        let moved = movement_by(
            clients.iter().filter_map(|c| {
                Some((holder(c)?, ClientState::of(c), changes.get(&c.no).map(Vec::as_slice).unwrap_or(&[])))
            }),
            q.first_day(),
            as_of,
        );
        let balances = self.store.balance_changes()?;
        let assets = crate::domain::results::roster_assets_by(
            clients.iter().filter_map(|c| {
                Some((holder(c)?, c.assets, balances.get(&c.no).map(Vec::as_slice).unwrap_or(&[])))
            }),
            q.first_day(),
            as_of,
        );
        drop(clients);
        let mut staff: std::collections::BTreeMap<crate::domain::StaffNo, StaffResults> = moved
            .into_iter()
            .map(|(no, movement)| (no, StaffResults { movement, ..StaffResults::default() }))
            .collect();
        for (no, a) in assets {
            staff.entry(no).or_default().assets = a;
        }
        let from = q.first_day().and_hms_opt(0, 0, 0).unwrap_or_default();
        let to = (as_of + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default();
        let score_owners = self.score_owners(q)?;
        for c in self.store.contacts_between(from, to) {
            let c = c?;
            if let Some(s) = c.satisfaction {
                let r = staff.entry(score_owners.of(&c).clone()).or_default();
                r.satisfaction_sum += u32::from(s);
                r.satisfaction_count += 1;
            }
            staff.entry(c.by).or_default().contacts += 1;
        }
        // Everyone the coverage lists has a row, and only they: results of someone no longer
        // listed (left before the quarter) are in the branch figures, not on a line of their own.
        let mut listed = std::collections::BTreeMap::new();
        let mut outlets = std::collections::BTreeMap::new();
        for o in &coverage.outlets {
            let sum: &mut StaffResults = outlets.entry(o.outlet.clone()).or_default();
            for sc in &o.staff {
                let r = staff.remove(&sc.staff.no).unwrap_or_default();
                sum.add(&r);
                listed.insert(sc.staff.no.clone(), r);
            }
        }
        Ok(PerformanceView {
            coverage,
            staff: listed,
            outlets,
            holders_frozen: start_holders_frozen,
            holders_at_end,
        })
    }

    /// Whom each satisfaction score of `quarter` counts for (`contact::ScoreOwners`): the owner
    /// of the survey task it completed, else the client's holder: for a past quarter its frozen
    /// end rosters (so a handover after the quarter moves nothing), for this quarter, or a past
    /// one never frozen, today's maintainers.
    pub(super) fn score_owners(&self, quarter: Quarter) -> Result<ScoreOwners, ServiceError> {
        let mut surveys = Vec::new();
        for t in self.store.tasks() {
            let t = t?;
            if matches!(t.id.kind, crate::domain::TaskKind::Survey(_)) {
                surveys.push(t);
            }
        }
        let frozen =
            if quarter < Quarter::of(self.local_date()) { self.store.frozen_quarter(quarter)? } else { None };
        let holders = match frozen {
            Some(f) => f.clients.into_iter().map(|c| (c.no, c.maintainer)).collect(),
            None => {
                let mut out = std::collections::BTreeMap::new();
                for c in self.store.clients() {
                    let c = c?;
                    if let Some(m) = c.maintainer {
                        out.insert(c.no, m);
                    }
                }
                out
            }
        };
        Ok(ScoreOwners { surveys: crate::domain::task::survey_owners(&surveys), holders })
    }

    /// 员工绩效 over the eight quarters ending with `quarter` (this one when `None`), oldest
    /// first: each person's and outlet's execution figures and results per quarter, counted by
    /// `performance` for that quarter (frozen quarters as they ended, attribution by rule 1), so
    /// the trend and the screen of any one quarter cannot disagree. Quarters before the store's
    /// first data come back empty rather than refused. Managers.
    pub fn performance_trend(
        &self,
        actor: &Staff,
        quarter: Option<Quarter>,
    ) -> Result<Vec<PerformancePoint>, ServiceError> {
        let last = self.quarter_asked(quarter)?.quarter;
        let mut quarters = vec![last];
        while quarters.len() < TREND_QUARTERS {
            let earlier = quarters[quarters.len() - 1].prev();
            quarters.push(earlier);
        }
        let mut out = Vec::new();
        for q in quarters.into_iter().rev() {
            let v = self.performance(actor, Some(q))?;
            let mut staff = std::collections::BTreeMap::new();
            let mut outlets = std::collections::BTreeMap::new();
            for o in &v.coverage.outlets {
                let results = v.outlets.get(&o.outlet).copied().unwrap_or_default();
                outlets.insert(o.outlet.clone(), StaffPoint { figures: o.figures.clone(), results });
                for s in &o.staff {
                    let results = v.staff.get(&s.staff.no).copied().unwrap_or_default();
                    staff.insert(s.staff.no.clone(), StaffPoint { figures: s.figures.clone(), results });
                }
            }
            out.push(PerformancePoint { quarter: q, as_of: v.coverage.as_of, staff, outlets });
        }
        Ok(out)
    }

    /// The clients behind `figure` of `quarter`'s results (this quarter when `None`), sorted by
    /// outlet, maintainer and client number; counted as the figure is (`results::Moved`, from
    /// the change record), so the list is as long as the figure. Managers.
    pub fn results_clients(
        &self,
        actor: &Staff,
        quarter: Option<Quarter>,
        figure: ResultsFigure,
    ) -> Result<Vec<DrillRow>, ServiceError> {
        self.require(actor, Permission::Manager, "查看成效明细")?;
        Ok(self.drill(quarter, &[figure])?.into_iter().map(|(_, r)| r).collect())
    }

    /// The clients behind each of `figures`, in one pass over the register: (figure, client)
    /// pairs sorted by figure (in `figures` order), outlet, maintainer and client number.
    pub(super) fn drill(
        &self,
        quarter: Option<Quarter>,
        figures: &[ResultsFigure],
    ) -> Result<Vec<(ResultsFigure, DrillRow)>, ServiceError> {
        let asked = self.quarter_asked(quarter)?;
        let (from, to) = (asked.quarter.first_day(), asked.as_of);
        // A past quarter names who held each client at its end, as frozen then (a client off
        // every roster then had none); today's maintainer only for this quarter or one never frozen.
        let held_then: Option<std::collections::HashMap<crate::domain::ClientNo, crate::domain::StaffNo>> =
            asked
                .frozen
                .as_ref()
                .map(|f| f.clients.iter().map(|c| (c.no.clone(), c.maintainer.clone())).collect());
        let before = from.pred_opt().unwrap_or(from);
        let changes = self.store.client_changes()?;
        let staff: std::collections::HashMap<crate::domain::StaffNo, String> =
            self.store.all_staff()?.into_iter().map(|s| (s.no, s.name)).collect();
        let mut rows = Vec::new();
        for c in self.store.clients() {
            let c = c?;
            let history = changes.get(&c.no).map(Vec::as_slice).unwrap_or(&[]);
            let Some(end) = state_at(ClientState::of(&c), history, to) else { continue };
            let start = state_at(ClientState::of(&c), history, before);
            let moved = start.and_then(|s| Moved::of(s, end));
            for (i, figure) in figures.iter().enumerate() {
                let wanted = match figure {
                    ResultsFigure::GoldPlus => {
                        end.tier.is_gold_or_above() && end.status != ClientStatus::Lost
                    }
                    ResultsFigure::Lost => moved == Some(Moved::Lost),
                    ResultsFigure::Downgraded => moved == Some(Moved::Downgraded),
                    ResultsFigure::UpliftWon => moved == Some(Moved::UpliftWon),
                    ResultsFigure::ProspectsWon => moved == Some(Moved::ProspectWon),
                    ResultsFigure::Dormant => end.status == ClientStatus::Dormant,
                };
                if wanted {
                    let holder = match &held_then {
                        Some(h) => h.get(&c.no).cloned(),
                        None => c.maintainer.clone(),
                    };
                    let maintainer = holder.map(|no| StaffRef {
                        name: staff.get(&no).cloned().unwrap_or_else(|| "（不在员工名录中）".into()),
                        no,
                    });
                    let row = DrillRow {
                        no: c.no.clone(),
                        name: c.name.clone(),
                        outlet: c.outlet.clone(),
                        maintainer,
                        start,
                        end,
                    };
                    rows.push((i, *figure, row));
                }
            }
        }
        rows.sort_by(|(i, _, a), (j, _, b)| {
            (i, &a.outlet, a.maintainer.as_ref().map(|m| &m.no), &a.no).cmp(&(
                j,
                &b.outlet,
                b.maintainer.as_ref().map(|m| &m.no),
                &b.no,
            ))
        });
        Ok(rows.into_iter().map(|(_, f, r)| (f, r)).collect())
    }

    /// Every monthly branch total entered, oldest month first; managers.
    pub fn branch_totals(&self, actor: &Staff) -> Result<Vec<BranchTotal>, ServiceError> {
        self.require(actor, Permission::Manager, "查看全行个人客户数")?;
        Ok(self.store.branch_totals()?)
    }

    /// Enters 全行个人客户数 of `month` (any day of it; stored as its first day) from core banking,
    /// with its gold-and-above count when known, replacing that month's earlier figure; returns the
    /// figure it replaced, if any. Refused: a month not yet over, 0, fewer than the clients
    /// mingdan holds, a gold count above the total, an empty or over-long source. Branch-level
    /// managers only; audited with the old and new figures.
    pub fn set_branch_total(
        &self,
        actor: &Staff,
        month: NaiveDate,
        personal_clients: u32,
        gold_plus: Option<u32>,
        source: String,
    ) -> Result<Option<u32>, ServiceError> {
        self.require_branch(actor, "录入全行个人客户数")?;
        let today = self.local_date();
        let month = month.with_day(1).unwrap_or(month);
        // A month's figure is core banking's report at its end: a month still running has none.
        let this_month = today.with_day(1).unwrap_or(today);
        if month >= this_month {
            let last = this_month.pred_opt().unwrap_or(this_month);
            return Err(ServiceError::invalid(
                Field::Month,
                format!(
                    "{} 还没有过完，核心系统还没有这个月的月报；请录入已经过完的月份（最近是 {}）",
                    month.format("%Y-%m"),
                    last.format("%Y-%m")
                ),
                format!(
                    "{} is not over, so core banking has no report for it yet; enter a month that is over (the latest is {})",
                    month.format("%Y-%m"),
                    last.format("%Y-%m")
                ),
            ));
        }
        if personal_clients == 0 {
            return Err(ServiceError::invalid(
                Field::PersonalClients,
                "不能为 0；请填写核心系统报表中的个人客户总数",
                "cannot be 0; enter the total of personal clients from the core-banking report",
            ));
        }
        // Every client mingdan holds is a personal client of the branch: the total cannot be fewer.
        let mut register = Snapshot { date: today, clients: 0, gold_plus: 0 };
        for c in self.store.clients() {
            register.count(&c?);
        }
        if personal_clients < register.clients {
            return Err(ServiceError::invalid(
                Field::PersonalClients,
                format!(
                    "{personal_clients} 少于 mingdan 里已有的 {} 位客户；全行个人客户数应包括支行所有个人客户，请核对核心系统报表",
                    register.clients
                ),
                format!(
                    "{personal_clients} is fewer than the {} clients mingdan already holds; the total counts every personal client of the branch",
                    register.clients
                ),
            ));
        }
        if let Some(g) = gold_plus.filter(|g| *g > personal_clients) {
            return Err(ServiceError::invalid(
                Field::GoldClients,
                format!("{g} 大于全行个人客户数 {personal_clients}；请核对两个数字"),
                format!("{g} is more than the {personal_clients} personal clients; check both figures"),
            ));
        }
        let source = source.trim().to_string();
        crate::domain::text::check_line(Field::Source, &source, 60, false)?;
        let _w = self.write_lock();
        let mut totals = self.store.branch_totals()?;
        let was = totals.iter().position(|t| t.month == month).map(|i| totals.remove(i));
        // Correcting the total alone keeps the gold-and-above count entered with it: dropping it
        // would silently take away the growth baseline it may be.
        let gold_plus = gold_plus.or(was.as_ref().and_then(|w| w.gold_plus));
        if let Some(g) = gold_plus.filter(|g| *g > personal_clients) {
            return Err(ServiceError::invalid(
                Field::PersonalClients,
                format!(
                    "{personal_clients} 小于该月已录入的金卡以上客户数 {g}；请核对，或同时用 --gold-plus 更正"
                ),
                format!(
                    "{personal_clients} is fewer than the {g} gold-and-above clients entered for that month; check, or correct both with --gold-plus"
                ),
            ));
        }
        let entry = BranchTotal {
            month,
            personal_clients,
            gold_plus,
            source,
            entered_by: actor.no.to_string(),
            entered_on: today,
        };
        let show = |t: &BranchTotal| match t.gold_plus {
            Some(g) => format!("{} 户（金卡以上 {g} 户，来源：{}）", t.personal_clients, t.source),
            None => format!("{} 户（来源：{}）", t.personal_clients, t.source),
        };
        let detail = match &was {
            Some(old) => format!("{} 全行个人客户数 {} → {}", month.format("%Y-%m"), show(old), show(&entry)),
            None => format!("{} 全行个人客户数 {}", month.format("%Y-%m"), show(&entry)),
        };
        totals.push(entry);
        totals.sort_by_key(|t| t.month);
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SetBranchTotal, "全行个人客户数", detail);
        self.store.write(|tx| {
            tx.save_branch_totals(&totals)?;
            tx.audit(&rec)
        })?;
        Ok(was.map(|w| w.personal_clients))
    }
}
