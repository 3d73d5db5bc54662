//! The branch's configurable rules: quotas, callback cadences, tier thresholds, targets.
//! Defaults come from the bank's 名单制 rules (DOMAIN.md); managers change them in the store.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::client::{CardTier, ClientClass};
use super::money::Fen;
use super::staff::JobRole;
use super::{Field, Invalid};

/// Whole-number searches of others' clients per staff member per hour unless configured: enough
/// for a teller serving walk-in clients of other outlets, far too few to guess a hidden number
/// (a phone's four hidden digits take up to 10,000 tries).
pub const DEFAULT_WHOLE_NUMBER_SEARCHES_PER_HOUR: u32 = 20;

/// Highest `whole_number_searches_per_hour` the settings accept.
pub const MAX_WHOLE_NUMBER_SEARCHES_PER_HOUR: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Minimum roster size per job role; roles not listed have no minimum.
    pub quotas: BTreeMap<JobRole, u32>,
    /// Days between regular callbacks (定期回访), per client class.
    pub callback_days: BTreeMap<ClientClass, u16>,
    /// Lowest average financial assets for each tier above 普通卡, ascending.
    pub tier_floors: Vec<(CardTier, Fen)>,
    /// 自办业务比例 the basic requirements ask for, in tenths of a percent.
    pub self_service_min_permille: u16,
    /// Average roster size per staff member each outlet should reach.
    pub outlet_average_target: u32,
    /// Days a newly assigned, never-contacted client waits for the first callback.
    pub first_callback_days: u16,
    /// Gold-and-above clients as a share of all clients, in tenths of a percent (10 = 1%).
    pub gold_share_target_permille: u16,
    /// Yearly growth of gold-and-above clients, in tenths of a percent (150 = 15%).
    pub gold_growth_target_permille: u16,
    /// Searches by a whole phone or ID number that may match a client whose number the searcher
    /// may not see (not on their roster, not revealed today) allowed per staff member in any
    /// hour. Each such match is audited as a reveal; beyond this many, such searches match only
    /// what the mask shows. 0 allows none. Masked fields are the bank's rule (DOMAIN.md); the
    /// limit stops search being used to guess hidden digits one number at a time.
    pub whole_number_searches_per_hour: u32,
    /// A client joining a roster (assigned, or handed over) in the last this many days of a
    /// quarter owes no quarterly notice (定期告知) that quarter: there is no fair time left to
    /// give it. 0 means every joining client owes the notice. Branch choice (DOMAIN.md, "New
    /// arrivals"); 15 by default.
    pub notice_grace_days: u16,
    /// Any contact that reached the client, whatever its purpose, counts as the regular callback
    /// (定期回访 is regular contact): it completes the open callback and starts the cadence
    /// again. Off: only a contact logged as 回访 does.
    pub any_contact_resets_callback: bool,
    /// Job roles with a dedicated-manager duty (专属客户经理职责): 关键客户 and clients of
    /// `dedicated_from_tier` or above are suggested only to people in these roles, so a top
    /// client never lands with back office by default (DOMAIN.md: 关键客户 get a dedicated
    /// maintainer). Empty: value does not steer suggestions.
    pub dedicated_roles: Vec<JobRole>,
    /// The lowest card tier treated as a top client for `dedicated_roles`.
    pub dedicated_from_tier: CardTier,
}

/// Default `Rules::notice_grace_days`.
pub const DEFAULT_NOTICE_GRACE_DAYS: u16 = 15;

/// The roles that carry a dedicated-manager duty unless configured otherwise: the people whose
/// job is serving clients face to face, not the back office or the counter.
pub const DEFAULT_DEDICATED_ROLES: [&str; 3] =
    [JobRole::OUTLET_HEAD, JobRole::LOBBY_MANAGER, JobRole::RELATIONSHIP_MANAGER];

impl Default for Rules {
    fn default() -> Rules {
        let quotas = [
            (JobRole::OUTLET_HEAD, 25),
            (JobRole::LOBBY_MANAGER, 25),
            (JobRole::ACCOUNTING_SUPERVISOR, 20),
            (JobRole::TELLER, 10),
            (JobRole::BACK_OFFICE, 10),
            (JobRole::RURAL_MANAGER, 5),
        ]
        .into_iter()
        .map(|(r, n)| (JobRole::new(r), n))
        .collect();
        let callback_days = [
            (ClientClass::Key, 30),
            (ClientClass::Important, 60),
            (ClientClass::Ordinary, 90),
            (ClientClass::Potential, 45),
        ]
        .into_iter()
        .collect();
        Rules {
            quotas,
            callback_days,
            tier_floors: vec![
                (CardTier::Gold, Fen::wan(10)),
                (CardTier::Platinum, Fen::wan(50)),
                (CardTier::Diamond, Fen::wan(200)),
                (CardTier::PrivateBanking, Fen::wan(600)),
            ],
            self_service_min_permille: 800,
            outlet_average_target: 20,
            first_callback_days: 7,
            gold_share_target_permille: 10,
            gold_growth_target_permille: 150,
            whole_number_searches_per_hour: DEFAULT_WHOLE_NUMBER_SEARCHES_PER_HOUR,
            notice_grace_days: DEFAULT_NOTICE_GRACE_DAYS,
            any_contact_resets_callback: true,
            dedicated_roles: DEFAULT_DEDICATED_ROLES.iter().map(|r| JobRole::new(r)).collect(),
            dedicated_from_tier: CardTier::Diamond,
        }
    }
}

impl Rules {
    pub fn quota(&self, role: &JobRole) -> u32 {
        self.quotas.get(role).copied().unwrap_or(0)
    }

    pub fn callback_days(&self, class: ClientClass) -> u16 {
        self.callback_days.get(&class).copied().unwrap_or(90)
    }

    /// Whether `role` carries a dedicated-manager duty.
    pub fn is_dedicated(&self, role: &JobRole) -> bool {
        self.dedicated_roles.contains(role)
    }

    /// Whether a client of this class and tier needs a maintainer in a dedicated-manager role.
    pub fn needs_dedicated(&self, class: ClientClass, tier: CardTier) -> bool {
        !self.dedicated_roles.is_empty() && (class == ClientClass::Key || tier >= self.dedicated_from_tier)
    }

    /// The tier the assets qualify for under the configured floors.
    pub fn tier_for(&self, assets: Fen) -> CardTier {
        self.tier_floors
            .iter()
            .rev()
            .find(|(_, floor)| assets >= *floor)
            .map_or(CardTier::Ordinary, |(t, _)| *t)
    }

    /// Rejects settings no branch could mean: a cadence of 0 days, tiers out of order.
    pub fn check(&self) -> Result<(), Invalid> {
        for (class, days) in &self.callback_days {
            if !(1..=366).contains(days) {
                return Err(Invalid::said(
                    Field::CallbackDays,
                    format!("{}的回访周期应在 1 到 366 天之间", class.label()),
                    format!("the callback cycle of {} must be 1 to 366 days", class.label()),
                ));
            }
        }
        for (role, n) in &self.quotas {
            if *n > 10_000 {
                return Err(Invalid::said(
                    Field::Quota,
                    format!("{role}的配额 {n} 不合理"),
                    format!("a quota of {n} for {role} is not plausible"),
                ));
            }
        }
        if let Some(w) = self.tier_floors.windows(2).find(|w| !(w[0].0 < w[1].0 && w[0].1 < w[1].1)) {
            let ((low, low_floor), (high, high_floor)) = (w[0], w[1]);
            return Err(if low < high {
                Invalid::said(
                    Field::TierThreshold,
                    format!(
                        "{}的门槛 {} 应高于{}的 {}：各卡级别的资产门槛应由低到高递增",
                        high.label(),
                        high_floor.display_wan(),
                        low.label(),
                        low_floor.display_wan()
                    ),
                    format!(
                        "the threshold of {} ({}) must be above that of {} ({}): thresholds rise with the tier",
                        high.label(),
                        high_floor.display_wan(),
                        low.label(),
                        low_floor.display_wan()
                    ),
                )
            } else {
                Invalid::said(
                    Field::TierThreshold,
                    "各卡级别应按由低到高的顺序排列",
                    "card tiers must be listed lowest first",
                )
            });
        }
        if let Some((tier, floor)) = self.tier_floors.first()
            && floor.0 <= 0
        {
            return Err(Invalid::said(
                Field::TierThreshold,
                format!("{}的门槛应大于 0", tier.label()),
                format!("the threshold of {} must be above 0", tier.label()),
            ));
        }
        if !(1..=1000).contains(&self.outlet_average_target) {
            return Err(Invalid::said(Field::TargetPerStaff, "应在 1 到 1000 之间", "must be 1 to 1000"));
        }
        if self.first_callback_days > 366 {
            return Err(Invalid::said(
                Field::FirstCallback,
                "不能超过 366 天",
                "cannot be more than 366 days",
            ));
        }
        if self.self_service_min_permille > 1000 {
            return Err(Invalid::said(Field::SelfServiceRatio, "不能超过 100%", "cannot be over 100%"));
        }
        if self.whole_number_searches_per_hour > MAX_WHOLE_NUMBER_SEARCHES_PER_HOUR {
            return Err(Invalid::said(
                Field::WholeNumberSearches,
                format!(
                    "每小时按完整号码搜索他人客户的次数应在 0 到 {MAX_WHOLE_NUMBER_SEARCHES_PER_HOUR} 之间"
                ),
                format!(
                    "searches by whole number for others' clients must be 0 to {MAX_WHOLE_NUMBER_SEARCHES_PER_HOUR} an hour"
                ),
            ));
        }
        if self.notice_grace_days > 90 {
            return Err(Invalid::said(Field::NoticeGrace, "应在 0 到 90 天之间", "must be 0 to 90 days"));
        }
        Ok(())
    }

    /// Whether a client joining a roster on `today` owes this quarter's notice: not in the
    /// quarter's last `notice_grace_days` days (the last day counts as one of them).
    pub fn notice_owed_on_joining(&self, today: chrono::NaiveDate) -> bool {
        let quarter = super::calendar::Quarter::of(today);
        super::calendar::days_left(quarter.last_day(), today) > i64::from(self.notice_grace_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_roster_rules() {
        let r = Rules::default();
        assert_eq!(r.quota(&JobRole::new("网点负责人")), 25);
        assert_eq!(r.quota(&JobRole::new("会计主管")), 20);
        assert_eq!(r.quota(&JobRole::new("三农经理")), 5);
        assert_eq!(r.quota(&JobRole::new("客户经理")), 0, "roles without a configured quota have none");
        assert_eq!(r.self_service_min_permille, 800);
        assert_eq!(r.outlet_average_target, 20);
        assert_eq!(r.whole_number_searches_per_hour, 20);
        assert_eq!(r.notice_grace_days, 15);
        assert!(r.any_contact_resets_callback);
        assert!(r.is_dedicated(&JobRole::new("大堂经理")) && r.is_dedicated(&JobRole::new("客户经理")));
        assert!(!r.is_dedicated(&JobRole::new("后台管理人员")) && !r.is_dedicated(&JobRole::new("柜员")));
        assert!(r.needs_dedicated(ClientClass::Key, CardTier::Ordinary));
        assert!(r.needs_dedicated(ClientClass::Important, CardTier::PrivateBanking));
        assert!(!r.needs_dedicated(ClientClass::Important, CardTier::Platinum));
        assert!(r.check().is_ok());
    }

    #[test]
    fn tiers_follow_asset_floors() {
        let r = Rules::default();
        assert_eq!(r.tier_for(Fen::wan(9)), CardTier::Ordinary);
        assert_eq!(r.tier_for(Fen::wan(10)), CardTier::Gold);
        assert_eq!(r.tier_for(Fen::wan(199)), CardTier::Platinum);
        assert_eq!(r.tier_for(Fen::wan(600)), CardTier::PrivateBanking);
    }

    #[test]
    fn nonsense_settings_are_refused() {
        let mut r = Rules::default();
        r.callback_days.insert(ClientClass::Key, 0);
        assert_eq!(r.check().unwrap_err().field.zh(), "回访周期");
        let mut r = Rules::default();
        r.tier_floors.swap(0, 1);
        assert_eq!(r.check().unwrap_err().field.zh(), "卡级别门槛");
        // A floor edited above the next tier's is refused, naming both.
        let mut r = Rules::default();
        r.tier_floors[1].1 = Fen::wan(250);
        let e = r.check().unwrap_err();
        assert_eq!(e.field.zh(), "卡级别门槛");
        assert!(
            e.problem.to_string().contains("钻石卡")
                && e.problem.to_string().contains("白金卡")
                && e.problem.to_string().contains("250.0万"),
            "{e}"
        );
        let mut r = Rules::default();
        r.tier_floors[0].1 = Fen(0);
        assert_eq!(r.check().unwrap_err().field.zh(), "卡级别门槛");
        let r = Rules {
            whole_number_searches_per_hour: MAX_WHOLE_NUMBER_SEARCHES_PER_HOUR + 1,
            ..Rules::default()
        };
        assert_eq!(r.check().unwrap_err().field.zh(), "整号搜索上限");
        let r = Rules { notice_grace_days: 91, ..Rules::default() };
        assert_eq!(r.check().unwrap_err().field.zh(), "季末新客户免告知天数");
    }

    #[test]
    fn clients_joining_in_a_quarters_last_fifteen_days_owe_no_notice_that_quarter() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let r = Rules::default();
        assert!(r.notice_owed_on_joining(d(12, 16)), "16 days left");
        assert!(!r.notice_owed_on_joining(d(12, 17)), "15 days left");
        assert!(!r.notice_owed_on_joining(d(12, 31)));
        assert!(r.notice_owed_on_joining(d(10, 1)));
        // Q1 of a leap year ends 03-31 as any other; February's 29th is far from it.
        let leap = chrono::NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert!(r.notice_owed_on_joining(leap));
        let none = Rules { notice_grace_days: 0, ..Rules::default() };
        assert!(none.notice_owed_on_joining(d(12, 31)), "0 days of grace: owed up to the last day");
    }
}
