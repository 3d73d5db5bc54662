//! New-product launches (新品推介 / 信息传达): each creates one task per roster client.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ids::{LaunchId, OutletId, StaffNo};
use super::{Field, Invalid, Problem};

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
    /// The day a manager withdrew it (撤回): from then no one owes it; recommendations already
    /// made stay done, the open ones were cancelled.
    pub withdrawn: Option<NaiveDate>,
}

impl ProductLaunch {
    /// Whether recommendations of it are still owed on `today`: not withdrawn, deadline not
    /// passed.
    pub fn is_running(&self, today: NaiveDate) -> bool {
        self.withdrawn.is_none() && today <= self.deadline
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
        out.push(Invalid::new(Field::LaunchName, Problem::Empty));
    } else if name.chars().count() > 40 {
        out.push(Invalid::new(Field::LaunchName, Problem::TooLongMax { max: 40 }));
    }
    if name.chars().any(super::text::is_active) {
        out.push(Invalid::new(Field::LaunchName, Problem::LineBreakOrControl));
    }
    if description.chars().count() > 1000 {
        out.push(Invalid::new(Field::LaunchDescription, Problem::TooLongMax { max: 1000 }));
    }
    if description.chars().any(|c| super::text::is_active(c) && c != '\n') {
        out.push(Invalid::new(Field::LaunchDescription, Problem::ControlChars));
    }
    if deadline < today {
        out.push(Invalid::new(Field::LaunchDeadline, Problem::BeforeToday));
    } else if (deadline - today).num_days() > 366 {
        out.push(Invalid::new(Field::LaunchDeadline, Problem::OverAYearAhead));
    }
    out
}

/// Checks a correction of `launch` a manager is about to save: the name and description as for
/// a new launch; a changed deadline only while the launch is running (an ended or withdrawn
/// launch's figures are history), not before today nor more than a year ahead.
pub fn check_correction(
    launch: &ProductLaunch,
    name: &str,
    description: &str,
    deadline: NaiveDate,
    today: NaiveDate,
) -> Vec<Invalid> {
    let mut out: Vec<Invalid> = check_launch(name, description, deadline, today)
        .into_iter()
        .filter(|p| p.field != Field::LaunchDeadline)
        .collect();
    if deadline != launch.deadline {
        if launch.withdrawn.is_some() {
            out.push(Invalid::said(
                Field::LaunchDeadline,
                "这项新品推介已撤回，不能再改截止日",
                "this launch was withdrawn; its deadline can no longer change",
            ));
        } else if launch.deadline < today {
            out.push(Invalid::said(
                Field::LaunchDeadline,
                format!("这项新品推介已于 {} 截止，截止日不能再改；需要继续推介请另发一项", launch.deadline),
                format!(
                    "this launch ended on {}; its deadline can no longer change; launch a new one to keep pitching",
                    launch.deadline
                ),
            ));
        } else {
            out.extend(
                check_launch(name, description, deadline, today)
                    .into_iter()
                    .filter(|p| p.field == Field::LaunchDeadline),
            );
        }
    }
    out
}

/// Checks withdrawing `launch` on `today`: refused once withdrawn, or once its deadline has
/// passed (its misses are then history; withdrawing would erase them).
pub fn check_withdrawal(launch: &ProductLaunch, today: NaiveDate) -> Result<(), Invalid> {
    if let Some(on) = launch.withdrawn {
        return Err(Invalid::said(
            Field::Launch,
            format!("“{}”已于 {on} 撤回", launch.name),
            format!("“{}” was withdrawn on {on}", launch.name),
        ));
    }
    if launch.deadline < today {
        return Err(Invalid::said(
            Field::Launch,
            format!("“{}”已于 {} 截止，不能再撤回：截止前没做到的推介照样算数", launch.name, launch.deadline),
            format!(
                "“{}” ended on {} and can no longer be withdrawn: pitches missed before it still count",
                launch.name, launch.deadline
            ),
        ));
    }
    Ok(())
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
        let fields: Vec<&str> = check_launch(" ", "", today.pred_opt().unwrap(), today)
            .into_iter()
            .map(|i| i.field.zh())
            .collect();
        assert_eq!(fields, ["产品名称", "推介截止日"]);
    }

    fn launch(deadline: NaiveDate) -> ProductLaunch {
        ProductLaunch {
            id: LaunchId(1),
            name: "养老理财".into(),
            description: String::new(),
            launched: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            deadline,
            by: StaffNo::parse("1001").unwrap(),
            outlet: None,
            withdrawn: None,
        }
    }

    #[test]
    fn an_ended_launch_keeps_its_deadline_and_cannot_be_withdrawn() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let today = d(11, 18);
        let running = launch(d(11, 30));
        assert!(check_correction(&running, "养老理财二期", "改名", d(12, 15), today).is_empty());
        assert!(check_withdrawal(&running, today).is_ok());
        let ended = launch(d(11, 10));
        assert!(check_correction(&ended, "养老理财（更正）", "", d(11, 10), today).is_empty(), "rename only");
        assert_eq!(check_correction(&ended, "养老理财", "", d(12, 1), today)[0].field.zh(), "推介截止日");
        assert!(check_withdrawal(&ended, today).is_err());
        let withdrawn = ProductLaunch { withdrawn: Some(today), ..running };
        assert!(!withdrawn.is_running(today));
        assert!(check_withdrawal(&withdrawn, today).is_err());
        assert_eq!(check_correction(&withdrawn, "养老理财", "", d(12, 1), today)[0].field.zh(), "推介截止日");
    }
}
