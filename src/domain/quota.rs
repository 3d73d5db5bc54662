//! Roster size against the job role's minimum (名单配额).

use serde::{Deserialize, Serialize};

use super::rules::Rules;
use super::staff::Staff;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub size: u32,
    pub minimum: u32,
}

impl Standing {
    pub fn of(staff: &Staff, roster_size: u32, rules: &Rules) -> Standing {
        Standing { size: roster_size, minimum: rules.quota(&staff.role) }
    }

    /// Clients still to be added to reach the minimum.
    pub fn shortfall(self) -> u32 {
        self.minimum.saturating_sub(self.size)
    }

    pub fn meets_quota(self) -> bool {
        self.size >= self.minimum
    }

    /// Whether the person belongs in coverage figures and hand-over choices at all: leadership
    /// and administrators without a quota or clients do not.
    pub fn counts(self) -> bool {
        self.minimum > 0 || self.size > 0
    }
}

/// An outlet's average roster per active staff member, in hundredths (2050 = 20.50), against the
/// branch's target of so many per staff member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutletAverage {
    pub clients: u32,
    pub staff: u32,
    pub target: u32,
}

impl OutletAverage {
    /// Clients per staff member in hundredths, rounded half up (16.875 → 1688); 0 with no staff.
    pub fn hundredths(self) -> u32 {
        self.rounded(100)
    }

    /// Clients per staff member in tenths, rounded half up from the exact value (16.875 → 169,
    /// 16.849 → 168: not rounded twice), for one decimal on screen.
    pub fn tenths(self) -> u32 {
        self.rounded(10)
    }

    fn rounded(self, scale: u64) -> u32 {
        let (n, d) = (u64::from(self.clients) * scale, u64::from(self.staff));
        (n * 2 + d).checked_div(d * 2).map_or(0, |v| v as u32)
    }

    pub fn meets_target(self) -> bool {
        self.staff > 0 && u64::from(self.clients) >= u64::from(self.target) * u64::from(self.staff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{JobRole, OutletId, Permission, StaffNo};

    fn staff(role: &str) -> Staff {
        Staff {
            no: StaffNo::parse("1").unwrap(),
            name: "李娜".into(),
            role: JobRole::new(role),
            outlet: OutletId::parse("城关").unwrap(),
            login: None,
            permission: Permission::Staff,
            scope: crate::domain::Scope::Branch,
            active: true,
        }
    }

    #[test]
    fn shortfall_is_what_remains_to_the_role_minimum() {
        let rules = Rules::default();
        let s = Standing::of(&staff("大堂经理"), 19, &rules);
        assert_eq!(s.minimum, 25);
        assert_eq!(s.shortfall(), 6);
        assert!(!s.meets_quota());
        let s = Standing::of(&staff("柜员"), 12, &rules);
        assert_eq!(s.shortfall(), 0);
        assert!(s.meets_quota());
        let s = Standing::of(&staff("客户经理"), 0, &rules);
        assert!(s.meets_quota(), "a role with no configured minimum is never short");
    }

    #[test]
    fn outlet_average_is_judged_against_per_staff_target() {
        let avg = OutletAverage { clients: 205, staff: 10, target: 20 };
        assert_eq!(avg.hundredths(), 2050);
        assert!(avg.meets_target());
        let avg = OutletAverage { clients: 199, staff: 10, target: 20 };
        assert!(!avg.meets_target());
        assert_eq!(OutletAverage { clients: 0, staff: 0, target: 20 }.hundredths(), 0);
        assert!(!OutletAverage { clients: 0, staff: 0, target: 20 }.meets_target());
    }

    #[test]
    fn averages_round_half_up_from_the_exact_value() {
        let avg = |clients, staff| OutletAverage { clients, staff, target: 20 };
        assert_eq!((avg(270, 16).hundredths(), avg(270, 16).tenths()), (1688, 169), "16.875");
        assert_eq!((avg(268, 16).hundredths(), avg(268, 16).tenths()), (1675, 168), "16.75");
        assert_eq!(avg(625, 38).hundredths(), 1645, "16.447");
        assert_eq!(avg(16849, 1000).tenths(), 168, "16.849 is 16.8, not 16.85 then 16.9");
        assert_eq!((avg(5, 0).hundredths(), avg(5, 0).tenths()), (0, 0));
    }
}
