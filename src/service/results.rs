//! Branch results (成效): gold-and-above share and growth, churn and conversion, satisfaction,
//! and a twelve-month trend.

use chrono::{Datelike, Duration, NaiveDate};

use super::views::{MonthPoint, ResultsView};
use super::{Service, ServiceError};
use crate::domain::results::{
    AgainstTarget, ClientState, Snapshot, churn_and_conversion, growth_against, months_back, share_against,
    year_ago,
};
use crate::domain::{Client, Permission, Quarter, Staff};

const TREND_MONTHS: u32 = 12;

fn average_tenths(sum: u32, count: u32) -> Option<u32> {
    (count > 0).then(|| (sum * 10 + count / 2) / count)
}

impl Service {
    /// Results of `quarter` (this one when `None`): as of today for this quarter; for a past one
    /// the register, share, growth, churn and conversion as frozen at its end (`service::past`),
    /// satisfaction from the contacts dated in it and the trend of the twelve months to its end.
    /// A past quarter never frozen takes today's register and says so in `basis`; a quarter that
    /// has not begun is refused.
    pub fn results(&self, actor: &Staff, quarter: Option<Quarter>) -> Result<ResultsView, ServiceError> {
        self.require(actor, Permission::Manager, "查看成效")?;
        let asked = self.quarter_asked(quarter)?;
        let (today, quarter) = (asked.today, asked.quarter);
        let mut rules = self.store.rules()?;
        let snapshots = self.store.snapshots()?;
        let (now, before, churn, conversion) = match &asked.frozen {
            Some(f) => {
                rules.gold_share_target_permille = f.gold_share_target_permille;
                rules.gold_growth_target_permille = f.gold_growth_target_permille;
                (f.snapshot, f.year_ago, f.churn, f.conversion)
            }
            None => {
                let clients: Vec<Client> = self.store.clients().collect::<Result<_, _>>()?;
                let now = Snapshot::of(today, clients.iter());
                let changes = self.store.client_changes()?;
                let (churn, conversion) = churn_and_conversion(
                    clients
                        .iter()
                        .map(|c| (ClientState::of(c), changes.get(&c.no).map(Vec::as_slice).unwrap_or(&[]))),
                    quarter.first_day(),
                    asked.as_of,
                );
                (now, year_ago(&snapshots, today), churn, conversion)
            }
        };
        // The trend ends with the month the figures are as of; its last point is `now`.
        let as_of = asked.as_of;
        let months = months_back(as_of, TREND_MONTHS);
        let first = months.first().copied().unwrap_or(today);
        let month_of = |d: NaiveDate| months.iter().rposition(|m| *m <= d);
        let mut contacts = vec![0u32; months.len()];
        let mut sat = vec![(0u32, 0u32); months.len()];
        let (mut q_sum, mut q_count) = (0u32, 0u32);
        let from = first.min(quarter.first_day()).and_hms_opt(0, 0, 0).unwrap_or_default();
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
        Ok(ResultsView {
            quarter,
            today,
            as_of,
            basis: asked.basis,
            share: share_against(&now, i64::from(rules.gold_share_target_permille)),
            growth: match before {
                Some(b) => {
                    growth_against(now.gold_plus, b.gold_plus, i64::from(rules.gold_growth_target_permille))
                }
                None => AgainstTarget::none(i64::from(rules.gold_growth_target_permille)),
            },
            now,
            year_ago: before,
            churn,
            conversion,
            satisfaction_tenths: average_tenths(q_sum, q_count),
            satisfaction_count: q_count,
            trend,
        })
    }
}
