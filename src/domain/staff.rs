//! Staff (员工): who maintains clients, in which job role, and what they may do.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::ids::{Login, OutletId, StaffNo};
use super::{Field, Invalid, Problem};

/// A job role (岗位). Roles are open-ended text because quotas are configuration: a branch may
/// add 客户经理 or any other role and give it a minimum without a new release.
///
/// Deserialized through `parse`, so a role arriving over the socket obeys the form's rules.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct JobRole(String);

impl TryFrom<String> for JobRole {
    type Error = Invalid;

    fn try_from(raw: String) -> Result<JobRole, Invalid> {
        JobRole::parse(&raw)
    }
}

impl JobRole {
    pub const OUTLET_HEAD: &'static str = "网点负责人";
    pub const LOBBY_MANAGER: &'static str = "大堂经理";
    pub const ACCOUNTING_SUPERVISOR: &'static str = "会计主管";
    pub const TELLER: &'static str = "柜员";
    pub const BACK_OFFICE: &'static str = "后台管理人员";
    pub const RURAL_MANAGER: &'static str = "三农经理";
    pub const RELATIONSHIP_MANAGER: &'static str = "客户经理";
    /// The role `mingdan init` gives the first administrator: no quota in the defaults, so the
    /// person keeping the system is never counted short of a roster they were not meant to hold.
    pub const SYSTEM_ADMIN: &'static str = "系统管理员";

    pub fn parse(raw: &str) -> Result<JobRole, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new(Field::JobRole, Problem::Empty));
        }
        if s.chars().count() > 20 || s.chars().any(char::is_control) {
            return Err(Invalid::said(
                Field::JobRole,
                format!("“{s}”不是有效的岗位名称（最多 20 个字）"),
                format!("“{s}” is not a role name (at most 20 characters)"),
            ));
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
            other => Err(Invalid::said(
                Field::Permission,
                format!("“{other}”不是有效权限（员工 / 管理者 / 管理员）"),
                format!("“{other}” is not a permission (员工 staff / 管理者 manager / 管理员 admin)"),
            )),
        }
    }
}

/// How far a manager's (or administrator's) permission reaches (管理范围). An outlet head
/// manages their own outlet: assigns, hands over and launches there, and sees the branch's
/// figures. Branch leadership manages every outlet and alone changes quotas and rules.
/// Meaningless for plain staff, who manage nothing; kept so a promotion needs one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// The staff member's own outlet (`Staff::outlet`).
    Outlet,
    /// Every outlet of the branch.
    Branch,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Scope::Outlet => "本网点",
            Scope::Branch => "全支行",
        }
    }

    /// Reads a 管理范围 cell or `--scope` value.
    pub fn parse(raw: &str) -> Result<Scope, Invalid> {
        match raw.trim().to_lowercase().as_str() {
            "本网点" | "网点" | "outlet" => Ok(Scope::Outlet),
            "全支行" | "支行" | "全行" | "branch" => Ok(Scope::Branch),
            other => Err(Invalid::new(
                Field::Scope,
                Problem::NotRecognised {
                    raw: other.to_string(),
                    choices: vec!["本网点".into(), "全支行".into()],
                },
            )),
        }
    }

    /// The scope a person gets when none is given (an import without the column, `staff add`
    /// without `--scope`, a store written before scopes existed): an outlet head manages their
    /// outlet; anyone else given manager permission is branch leadership.
    pub fn default_for(role: &JobRole) -> Scope {
        if role.as_str() == JobRole::OUTLET_HEAD { Scope::Outlet } else { Scope::Branch }
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
    /// Where the manager permission reaches; see `Scope`.
    pub scope: Scope,
    /// Staff who left keep their history but cannot log in or receive clients.
    pub active: bool,
}

impl Staff {
    pub fn may(&self, needed: Permission) -> bool {
        self.active && self.permission >= needed
    }

    /// Manages every outlet: may change quotas and rules, and move clients anywhere.
    pub fn manages_branch(&self) -> bool {
        self.may(Permission::Manager) && self.scope == Scope::Branch
    }

    /// May assign, hand over and launch at `outlet`.
    pub fn manages(&self, outlet: &OutletId) -> bool {
        self.manages_branch() || (self.may(Permission::Manager) && &self.outlet == outlet)
    }

    /// The outlet a manager is limited to; `None` for branch-level managers.
    pub fn managed_outlet(&self) -> Option<&OutletId> {
        (!self.manages_branch()).then_some(&self.outlet)
    }

    /// "城关网点" or "全支行", for messages and the staff list.
    pub fn scope_text(&self) -> String {
        match self.scope {
            Scope::Outlet => format!("{}网点", self.outlet),
            Scope::Branch => Scope::Branch.label().to_string(),
        }
    }
}

/// Longest person's name kept: long enough for a passport name in Latin letters with all its
/// given names. Staff and clients share it.
pub const PERSON_NAME_MAX_CHARS: usize = 60;

/// The middle dots that separate the parts of a transcribed name (阿依古丽·买买提), as the
/// keyboards, fonts and encodings of different systems produce them. All are stored as `·`
/// (U+00B7) so the same person is written one way.
const MIDDLE_DOTS: &[char] = &['·', '•', '．', '‧', '・', '･', '∙', '⋅', '\u{0387}', '\u{2E31}', '\u{FE52}'];

/// A Chinese character (CJK unified ideographs, their extensions and compatibility forms, and
/// 〇), as names are written.
pub fn is_han(c: char) -> bool {
    matches!(u32::from(c), 0x3007 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF)
}

/// Checks a person's name as written in the staff directory or the client register, and writes
/// it one way: every middle dot (and a `.` between two Chinese characters) becomes one `·` with
/// no space around it; spaces between two Chinese characters (the padding some systems put in
/// two-character names) are dropped; other runs of spaces become one (Latin names).
///
/// Refused: an empty name, more than `PERSON_NAME_MAX_CHARS` characters, control characters,
/// and `?` / `？` / U+FFFD (a character an encoding could not hold) or `*` (a masked name), which
/// no real name contains.
pub fn parse_person_name(field: Field, raw: &str) -> Result<String, Invalid> {
    let chars: Vec<char> = raw
        .chars()
        .map(|c| {
            if MIDDLE_DOTS.contains(&c) {
                '·'
            } else if c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let beside = |i: usize, forward: bool| -> Option<char> {
        if forward {
            chars[i + 1..].iter().copied().find(|c| *c != ' ')
        } else {
            chars[..i].iter().rev().copied().find(|c| *c != ' ')
        }
    };
    let mut name = String::with_capacity(raw.len());
    let mut space_pending = false;
    for (i, &c) in chars.iter().enumerate() {
        let c = if c == '.' && beside(i, false).is_some_and(is_han) && beside(i, true).is_some_and(is_han) {
            '·'
        } else {
            c
        };
        match c {
            ' ' => space_pending = true,
            '·' => {
                space_pending = false;
                if !name.ends_with('·') {
                    name.push('·');
                }
            }
            _ => {
                if std::mem::take(&mut space_pending)
                    && let Some(last) = name.chars().next_back()
                    && last != '·'
                    && !(is_han(last) && is_han(c))
                {
                    name.push(' ');
                }
                name.push(c);
            }
        }
    }
    let q = super::client::quoted(raw.trim());
    if name.is_empty() {
        return Err(Invalid::said(field, "是空的；请填写姓名", "is empty; write the name"));
    }
    let len = name.chars().count();
    if len > PERSON_NAME_MAX_CHARS {
        return Err(Invalid::said(
            field,
            format!(
                "{q}有 {len} 个字，超过了 {PERSON_NAME_MAX_CHARS} 个字的上限；请核对是否把别的内容写进了姓名"
            ),
            format!(
                "{q} has {len} characters, over the limit of {PERSON_NAME_MAX_CHARS}; is something else in the name?"
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::said(
            field,
            format!("{q}含有看不见的控制字符；请删去后重新填写"),
            format!("{q} holds invisible control characters; delete them and write it again"),
        ));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '?' | '？' | '\u{FFFD}')) {
        return Err(Invalid::said(
            field,
            format!("{q}含有“{c}”，不是名字中的字，原字已丢失；请填写完整的姓名"),
            format!("{q} holds “{c}”, where a character of the name was lost; write the whole name"),
        ));
    }
    if name.contains(['*', '＊']) {
        return Err(Invalid::said(
            field,
            format!("{q}含有“*”，是遮蔽后的姓名；请填写完整的姓名"),
            format!("{q} holds “*”: it is a masked name; write the whole name"),
        ));
    }
    Ok(name)
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
            scope: Scope::Outlet,
            active: true,
        };
        assert!(s.may(Permission::Staff));
        assert!(s.may(Permission::Manager));
        assert!(!s.may(Permission::Admin));
        s.active = false;
        assert!(!s.may(Permission::Staff));
    }

    #[test]
    fn an_outlet_head_manages_their_outlet_and_branch_leadership_all() {
        let cg = OutletId::parse("城关").unwrap();
        let dj = OutletId::parse("东街").unwrap();
        let mut head = Staff {
            no: StaffNo::parse("1001").unwrap(),
            name: "赵敏".into(),
            role: JobRole::new(JobRole::OUTLET_HEAD),
            outlet: cg.clone(),
            login: None,
            permission: Permission::Manager,
            scope: Scope::default_for(&JobRole::new(JobRole::OUTLET_HEAD)),
            active: true,
        };
        assert!(head.manages(&cg) && !head.manages(&dj) && !head.manages_branch());
        assert_eq!(head.managed_outlet(), Some(&cg));
        assert_eq!(head.scope_text(), "城关网点");
        head.scope = Scope::Branch;
        assert!(head.manages(&dj) && head.manages_branch());
        head.permission = Permission::Staff;
        assert!(!head.manages(&cg), "a scope means nothing without manager permission");
        assert_eq!(Scope::default_for(&JobRole::new("支行行长")), Scope::Branch);
        assert_eq!(Scope::parse(" 全行 "), Ok(Scope::Branch));
        assert_eq!(Scope::parse("网点"), Ok(Scope::Outlet));
        assert_eq!(Scope::parse("分行").unwrap_err().field.zh(), "管理范围");
    }

    #[test]
    fn parses_permission_words_in_chinese_and_english() {
        assert_eq!(Permission::parse("管理员"), Ok(Permission::Admin));
        assert_eq!(Permission::parse(" Manager "), Ok(Permission::Manager));
        assert_eq!(Permission::parse(""), Ok(Permission::Staff));
        assert_eq!(Permission::parse("老板").unwrap_err().field.zh(), "权限");
    }

    #[test]
    fn person_names_are_written_one_way_and_may_be_long() {
        assert_eq!(parse_person_name(Field::Name, " 阿依古丽 • 买买提 "), Ok("阿依古丽·买买提".into()));
        assert_eq!(parse_person_name(Field::Name, "王\u{3000}芳"), Ok("王芳".into()));
        assert_eq!(parse_person_name(Field::Name, "Jean  Luc\tPICARD"), Ok("Jean Luc PICARD".into()));
        let sixty = "A".repeat(PERSON_NAME_MAX_CHARS);
        assert_eq!(parse_person_name(Field::Name, &sixty), Ok(sixty.clone()));
        assert!(parse_person_name(Field::Name, &format!("{sixty}A")).is_err());
        assert!(
            parse_person_name(Field::Name, "王?").unwrap_err().problem.to_string().contains("原字已丢失")
        );
        assert_eq!(parse_person_name(Field::ClientName, "").unwrap_err().field, Field::ClientName);
    }

    #[test]
    fn job_roles_are_free_text_but_checked() {
        assert_eq!(JobRole::parse(" 客户经理 ").unwrap().as_str(), "客户经理");
        assert!(JobRole::parse("").is_err());
        assert!(JobRole::parse(&"长".repeat(21)).is_err());
    }
}
