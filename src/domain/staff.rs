//! Staff (员工): who maintains clients, in which job role, and what they may do.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::Invalid;
use super::ids::{Login, OutletId, StaffNo};

/// A job role (岗位). Roles are open-ended text because quotas are configuration: a branch may
/// add 客户经理 or any other role and give it a minimum without a new release.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct JobRole(String);

impl JobRole {
    pub const OUTLET_HEAD: &'static str = "网点负责人";
    pub const LOBBY_MANAGER: &'static str = "大堂经理";
    pub const ACCOUNTING_SUPERVISOR: &'static str = "会计主管";
    pub const TELLER: &'static str = "柜员";
    pub const BACK_OFFICE: &'static str = "后台管理人员";
    pub const RURAL_MANAGER: &'static str = "三农经理";
    pub const RELATIONSHIP_MANAGER: &'static str = "客户经理";

    pub fn parse(raw: &str) -> Result<JobRole, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("岗位", "不能为空"));
        }
        if s.chars().count() > 20 || s.chars().any(char::is_control) {
            return Err(Invalid::new("岗位", format!("“{s}”不是有效的岗位名称（最多 20 个字）")));
        }
        Ok(JobRole(s.to_string()))
    }

    pub fn new(name: &str) -> JobRole {
        JobRole(name.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a user may do. Ordered: each level includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    Staff,
    Manager,
    Admin,
}

impl Permission {
    pub fn label(self) -> &'static str {
        match self {
            Permission::Staff => "员工",
            Permission::Manager => "管理者",
            Permission::Admin => "管理员",
        }
    }

    pub fn parse(raw: &str) -> Result<Permission, Invalid> {
        match raw.trim().to_lowercase().as_str() {
            "" | "员工" | "staff" | "普通" => Ok(Permission::Staff),
            "管理者" | "manager" | "经理" | "负责人" => Ok(Permission::Manager),
            "管理员" | "admin" | "系统管理员" => Ok(Permission::Admin),
            other => Err(Invalid::new("权限", format!("“{other}”不是有效权限（员工 / 管理者 / 管理员）"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub no: StaffNo,
    pub name: String,
    pub role: JobRole,
    pub outlet: OutletId,
    /// The OS account the person logs in with; how the CLI and the branch server know who is typing.
    pub login: Option<Login>,
    pub permission: Permission,
    /// Staff who left keep their history but cannot log in or receive clients.
    pub active: bool,
}

impl Staff {
    pub fn may(&self, needed: Permission) -> bool {
        self.active && self.permission >= needed
    }
}

/// Checks a person's name as written in the staff directory or the client register.
pub fn parse_person_name(field: &str, raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::new(field, "不能为空"));
    }
    if s.chars().count() > 30 {
        return Err(Invalid::new(field, "过长（最多 30 个字）"));
    }
    if s.chars().any(char::is_control) {
        return Err(Invalid::new(field, "含有控制字符"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_include_lower_levels_and_require_an_active_account() {
        let mut s = Staff {
            no: StaffNo::parse("1001").unwrap(),
            name: "王芳".into(),
            role: JobRole::new(JobRole::TELLER),
            outlet: OutletId::parse("城关").unwrap(),
            login: None,
            permission: Permission::Manager,
            active: true,
        };
        assert!(s.may(Permission::Staff));
        assert!(s.may(Permission::Manager));
        assert!(!s.may(Permission::Admin));
        s.active = false;
        assert!(!s.may(Permission::Staff));
    }

    #[test]
    fn parses_permission_words_in_chinese_and_english() {
        assert_eq!(Permission::parse("管理员"), Ok(Permission::Admin));
        assert_eq!(Permission::parse(" Manager "), Ok(Permission::Manager));
        assert_eq!(Permission::parse(""), Ok(Permission::Staff));
        assert_eq!(Permission::parse("老板").unwrap_err().field, "权限");
    }

    #[test]
    fn job_roles_are_free_text_but_checked() {
        assert_eq!(JobRole::parse(" 客户经理 ").unwrap().as_str(), "客户经理");
        assert!(JobRole::parse("").is_err());
        assert!(JobRole::parse(&"长".repeat(21)).is_err());
    }
}
