//! New-product launches (新品推介 / 信息传达): each creates one task per roster client.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Invalid;
use super::ids::{LaunchId, OutletId, StaffNo};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductLaunch {
    pub id: LaunchId,
    pub name: String,
    pub description: String,
    pub launched: NaiveDate,
    /// By when every maintainer should have recommended it to each of their clients.
    pub deadline: NaiveDate,
    pub by: StaffNo,
    /// The one outlet the launch was made for (by its outlet head); `None`: the whole branch.
    pub outlet: Option<OutletId>,
}

impl ProductLaunch {
    pub fn is_running(&self, today: NaiveDate) -> bool {
        today <= self.deadline
    }

    /// Whether clients maintained at `outlet` owe a recommendation of this launch.
    pub fn reaches(&self, outlet: &OutletId) -> bool {
        self.outlet.as_ref().is_none_or(|o| o == outlet)
    }
}

/// Checks a launch a manager is about to create.
pub fn check_launch(name: &str, description: &str, deadline: NaiveDate, today: NaiveDate) -> Vec<Invalid> {
    let mut out = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        out.push(Invalid::new("产品名称", "不能为空"));
    } else if name.chars().count() > 40 {
        out.push(Invalid::new("产品名称", "过长（最多 40 个字）"));
    }
    if name.chars().any(super::text::is_active) {
        out.push(Invalid::new("产品名称", "不能包含换行或控制字符"));
    }
    if description.chars().count() > 1000 {
        out.push(Invalid::new("产品说明", "过长（最多 1000 个字）"));
    }
    if description.chars().any(|c| super::text::is_active(c) && c != '\n') {
        out.push(Invalid::new("产品说明", "含有控制字符"));
    }
    if deadline < today {
        out.push(Invalid::new("推介截止日", "不能早于今天"));
    } else if (deadline - today).num_days() > 366 {
        out.push(Invalid::new("推介截止日", "不能超过一年以后"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launches_need_a_name_and_a_deadline_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let next_month = NaiveDate::from_ymd_opt(2026, 12, 18).unwrap();
        assert!(check_launch("养老理财", "", next_month, today).is_empty());
        assert!(check_launch("养老理财", "", today, today).is_empty());
        let fields: Vec<String> =
            check_launch(" ", "", today.pred_opt().unwrap(), today).into_iter().map(|i| i.field).collect();
        assert_eq!(fields, ["产品名称", "推介截止日"]);
    }
}
