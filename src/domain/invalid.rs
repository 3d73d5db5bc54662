//! What a user sent that breaks a rule, as data: which field (`Field`) and what is wrong with it
//! (`Problem`). Screens find their own input from the `Field`, never from its name; the text in
//! Chinese and English is written here once, for the TUI, the CLI and logs alike. Both enums
//! travel over the branch server's socket: add variants at the end only.

use serde::{Deserialize, Serialize};

use super::labels::bilingual_enum;
use super::{Lang, Purpose};

bilingual_enum!(
    /// A field a rule can refuse, grouped by the record it belongs to. The Chinese label is the
    /// name the forms, import sheets and documents use.
    Field {
        // 联系记录 (a contact)
        ContactTime => "联系时间", "contact time";
        NextCallback => "下次回访", "next callback";
        PitchedLaunch => "推介产品", "product pitched";
        AlsoDone => "本次完成", "also done";
        Note => "备注", "note";
        Satisfaction => "满意度", "satisfaction";
        ContactChannel => "联系方式", "channel";
        ContactPurpose => "联系目的", "purpose";
        ContactOutcome => "联系结果", "outcome";
        // 客户 (a client)
        ClientNo => "客户号", "client no.";
        ClientName => "客户姓名", "client name";
        Name => "姓名", "name";
        Phone => "手机号码", "mobile number";
        IdNumber => "证件号码", "ID number";
        Gender => "性别", "gender";
        CardTier => "卡级别", "card tier";
        ClientClass => "客户分类", "client class";
        Segment => "客户类型", "segment";
        ClientStatus => "客户状态", "client status";
        Plan => "营销预案", "marketing plan";
        StickerDate => "贴标日期", "label date";
        Maintainer => "维护人", "maintainer";
        Requirement => "基本要求", "basic requirement";
        Assets => "金额", "amount";
        WealthProducts => "理财产品数", "wealth products";
        SelfServiceRatio => "自办业务比例", "self-service ratio";
        // 员工 (a member of staff)
        StaffNo => "工号", "staff no.";
        Login => "登录名", "login";
        JobRole => "岗位", "role";
        Permission => "权限", "permission";
        Scope => "管理范围", "scope";
        Active => "在职", "active";
        Outlet => "网点", "outlet";
        // 新品推介 (a product launch)
        Launch => "新品推介", "product launch";
        LaunchName => "产品名称", "product name";
        LaunchDescription => "产品说明", "product description";
        LaunchDeadline => "推介截止日", "pitch deadline";
        // 分配与移交 (assigning clients)
        Reason => "原因", "reason";
        WithdrawReason => "撤回原因", "reason for withdrawing";
        // 投诉 (a complaint)
        ComplaintCategory => "投诉类别", "complaint category";
        Severity => "严重程度", "severity";
        ComplaintChannel => "投诉渠道", "complaint channel";
        Step => "处理环节", "step";
        ClientView => "客户评价", "client's view";
        ClientSaid => "客户诉求", "what the client said";
        ClientAsks => "客户诉请", "what the client asks";
        StepNote => "处理说明", "step note";
        ToldOn => "告知日期", "day the client was told";
        ReassignReason => "改派原因", "reason for reassigning";
        StepOwner => "负责人", "owner";
        NextOwner => "下一环节负责人", "next step's owner";
        TakenOverBy => "接手人", "new owner";
        ServiceLevels => "服务时限", "service levels";
        // 规则设置 (the branch's rules)
        CallbackDays => "回访周期", "callback cycle";
        Quota => "名单配额", "roster quota";
        WholeNumberSearches => "整号搜索上限", "whole-number searches per hour";
        TierThreshold => "卡级别门槛", "card tier threshold";
        TargetPerStaff => "人均名单客户目标", "roster clients per staff target";
        FirstCallback => "首次回访", "first callback";
        NoticeGrace => "季末新客户免告知天数", "quarter-end notice grace days";
        AnyContactCallback => "任何联系均计回访", "any contact = callback";
        // 导入与报表 (imports, results, reports)
        SourceFile => "来源文件名", "source file name";
        Source => "来源", "source";
        FileName => "文件名", "file name";
        Date => "日期", "date";
        YesNo => "是否", "yes/no";
        Month => "月份", "month";
        Quarter => "季度", "quarter";
        PersonalClients => "全行个人客户数", "personal clients, whole branch";
        GoldClients => "金卡以上客户数", "gold-and-above clients";
        // 审计与备份 (audit and backup)
        AuditAction => "操作", "action";
        SealPeriod => "封存时段", "seal period";
        VerifyKey => "验证密钥", "verification key";
        BackupRecipients => "备份接收人", "backup recipients";
        BranchBackupRecipients => "支行配置的备份接收人", "the branch's backup recipients";
        RecipientFlag => "--recipient", "--recipient";
        PlaintextFlag => "--plaintext", "--plaintext";
        IdentityFlag => "--identity", "--identity";
        BackupFileName => "备份文件名", "backup file name";
        KeyBackupFileName => "密钥备份文件名", "key backup file name";
    }
);

/// What is wrong with a field's value, with the figures the sentence needs. `text` writes it in
/// either language; the Chinese is the sentence the screens have always shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// Nothing (or only blanks) was given where something is required.
    Empty,
    /// `chars` characters where at most `max` fit.
    TooLong { chars: usize, max: usize },
    /// Longer than `max` characters (Chinese says 字, for text).
    TooLongMax { max: usize },
    /// Longer than `max` characters (Chinese says 字符, for identifiers).
    TooManyChars { max: usize },
    /// A one-line text holds a line break or a control character.
    LineBreakOrControl,
    /// A text holds a control character (line breaks are allowed).
    ControlChars,
    /// An identifier holds a blank or a control character.
    SpaceOrControl,
    /// A time later than now.
    LaterThanNow,
    /// A contact more than `days` days ago.
    BackdatedTooFar { days: i64 },
    /// The next callback is on or before the contact's day.
    NotAfterContactDay,
    /// A date more than a year ahead.
    OverAYearAhead,
    /// A date before today.
    BeforeToday,
    /// A label date after today: a label is recorded once it is on.
    StickerAfterToday,
    /// A 新品推介 contact without the product pitched.
    PitchNeedsLaunch,
    /// A product given for a contact that is not a 新品推介.
    LaunchOnlyForPitch,
    /// A ticked 新品推介 task without its product.
    TickedPitchNeedsLaunch,
    /// A ticked task of `purpose` given a product.
    TickedNeedsNoLaunch { purpose: Purpose },
    /// A satisfaction outside 1–5.
    SatisfactionRange,
    /// `raw` is none of `choices` (their Chinese labels).
    NotRecognised { raw: String, choices: Vec<String> },
    /// `raw` is not yes or no.
    NotYesNo { raw: String },
    /// `raw` is not a date in any form a form field reads.
    NotADate { raw: String },
    /// `raw` is not a contact time in any form the contact form reads.
    NotAContactTime { raw: String },
    /// The end of a period is before its start.
    EndBeforeStart,
    /// A rule particular to one request, with its sentence written where it is checked, in both
    /// languages.
    Said { zh: String, en: String },
    /// Excel turned the number `raw` (as quoted) into scientific notation; its digits are lost.
    ExcelScientific { raw: String },
}

impl Problem {
    /// A one-off sentence in both languages; prefer a variant of its own once a rule is used in
    /// more than one place or a screen needs to tell it apart.
    pub fn said(zh: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem::Said { zh: zh.into(), en: en.into() }
    }

    /// The sentence in `lang`, without the field's name.
    pub fn text(&self, lang: Lang) -> String {
        use Problem::*;
        let zh = lang == Lang::Zh;
        match self {
            Empty => lang.pick("不能为空", "is required").into(),
            TooLong { chars, max } if zh => format!("过长（{chars} 个字，最多 {max} 个字）"),
            TooLong { chars, max } => format!("is too long ({chars} characters, at most {max})"),
            TooLongMax { max } if zh => format!("过长（最多 {max} 个字）"),
            TooManyChars { max } if zh => format!("过长（最多 {max} 个字符）"),
            TooLongMax { max } | TooManyChars { max } => format!("is too long (at most {max} characters)"),
            LineBreakOrControl => {
                lang.pick("不能包含换行或控制字符", "may not hold line breaks or control characters").into()
            }
            ControlChars => lang.pick("含有控制字符", "holds control characters").into(),
            SpaceOrControl => {
                lang.pick("不能包含空格或控制字符", "may not hold spaces or control characters").into()
            }
            LaterThanNow => lang.pick("不能晚于现在", "cannot be later than now").into(),
            BackdatedTooFar { days } if zh => format!("只能补记 {days} 天内的联系"),
            BackdatedTooFar { days } => format!("only contacts of the last {days} days can be logged late"),
            NotAfterContactDay => {
                lang.pick("应晚于本次联系日期", "must be after the day of this contact").into()
            }
            OverAYearAhead => lang.pick("不能超过一年以后", "cannot be more than a year ahead").into(),
            BeforeToday => lang.pick("不能早于今天", "cannot be before today").into(),
            StickerAfterToday => {
                lang.pick("不能晚于今天；贴标之后再登记", "cannot be after today; record it once done").into()
            }
            PitchNeedsLaunch => {
                lang.pick("新品推介须选择推介的产品", "a product pitch needs the product pitched").into()
            }
            LaunchOnlyForPitch => {
                lang.pick("只有新品推介才选择产品", "a product is chosen only for a product pitch").into()
            }
            TickedPitchNeedsLaunch => lang
                .pick("勾选的新品推介须指明推介的产品", "a ticked product pitch needs the product pitched")
                .into(),
            TickedNeedsNoLaunch { purpose } if zh => format!("“{purpose}”不能带推介产品"),
            TickedNeedsNoLaunch { purpose } => format!("“{purpose}” takes no product"),
            SatisfactionRange => lang.pick("应为 1 到 5 分", "must be 1 to 5").into(),
            NotRecognised { raw, choices } if zh => format!("“{raw}”无法识别，应为：{}", choices.join(" / ")),
            NotRecognised { raw, choices } => format!("“{raw}” is not one of: {}", choices.join(" / ")),
            NotYesNo { raw } if zh => format!("“{raw}”应为 是 或 否"),
            NotYesNo { raw } => format!("“{raw}” should be yes (是) or no (否)"),
            NotADate { raw } if zh => {
                format!("看不懂“{raw}”，可写 2026-12-05、12-05、5号、+7、3天后、下周一、月底 等")
            }
            NotADate { raw } => {
                format!("cannot read “{raw}”; write e.g. 2026-12-05, 12-05, +7, 3d, next mon, month end")
            }
            NotAContactTime { raw } if zh => {
                format!("看不懂“{raw}”，可写 14:30、1430、昨天 14:30、12-31 15:00、5号 9:00 等")
            }
            NotAContactTime { raw } => {
                format!("cannot read “{raw}”; write e.g. 14:30, 1430, yesterday 14:30, 12-31 15:00")
            }
            EndBeforeStart => {
                lang.pick("结束日期早于开始日期", "the end date is before the start date").into()
            }
            Said { zh: z, en } => lang.pick(z, en).into(),
            ExcelScientific { raw } if zh => format!("{raw}{}", super::client::EXCEL_HINT),
            ExcelScientific { raw } => format!(
                "{raw} was turned into scientific notation by Excel and its digits are lost; set the column to Text in Excel and export again"
            ),
        }
    }

    /// One value of every variant, for tests that every problem reads in both languages.
    pub fn examples() -> Vec<Problem> {
        use Problem::*;
        vec![
            Empty,
            TooLong { chars: 501, max: 500 },
            TooLongMax { max: 40 },
            TooManyChars { max: 20 },
            LineBreakOrControl,
            ControlChars,
            SpaceOrControl,
            LaterThanNow,
            BackdatedTooFar { days: 31 },
            NotAfterContactDay,
            OverAYearAhead,
            BeforeToday,
            StickerAfterToday,
            PitchNeedsLaunch,
            LaunchOnlyForPitch,
            TickedPitchNeedsLaunch,
            TickedNeedsNoLaunch { purpose: Purpose::Callback },
            SatisfactionRange,
            NotRecognised { raw: "x".into(), choices: vec!["是".into(), "否".into()] },
            NotYesNo { raw: "也许".into() },
            NotADate { raw: "胡说八道".into() },
            NotAContactTime { raw: "胡说八道".into() },
            EndBeforeStart,
            Problem::said("只此一处", "only here"),
            ExcelScientific { raw: "“1.38E+10”".into() },
        ]
    }

    /// The variant's place in the declaration. The match has no catch-all, so a new variant
    /// does not compile until it has a number here, and the test over `examples` then asks for
    /// its example (and so its text in both languages).
    pub fn ordinal(&self) -> usize {
        use Problem::*;
        match self {
            Empty => 0,
            TooLong { .. } => 1,
            TooLongMax { .. } => 2,
            TooManyChars { .. } => 3,
            LineBreakOrControl => 4,
            ControlChars => 5,
            SpaceOrControl => 6,
            LaterThanNow => 7,
            BackdatedTooFar { .. } => 8,
            NotAfterContactDay => 9,
            OverAYearAhead => 10,
            BeforeToday => 11,
            StickerAfterToday => 12,
            PitchNeedsLaunch => 13,
            LaunchOnlyForPitch => 14,
            TickedPitchNeedsLaunch => 15,
            TickedNeedsNoLaunch { .. } => 16,
            SatisfactionRange => 17,
            NotRecognised { .. } => 18,
            NotYesNo { .. } => 19,
            NotADate { .. } => 20,
            NotAContactTime { .. } => 21,
            EndBeforeStart => 22,
            Said { .. } => 23,
            ExcelScientific { .. } => 24,
        }
    }

    /// How many variants there are (one more than the largest `ordinal`).
    pub const COUNT: usize = 25;
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::Zh))
    }
}

/// A rule was broken by input: which field, and what is wrong. `Display` is the Chinese sentence
/// (`联系时间：不能晚于现在`) for logs and files; `text` writes it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{field}：{problem}")]
pub struct Invalid {
    pub field: Field,
    pub problem: Problem,
}

impl Invalid {
    pub fn new(field: Field, problem: Problem) -> Self {
        Invalid { field, problem }
    }

    /// `field` refused with a one-off sentence in both languages (`Problem::Said`).
    pub fn said(field: Field, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Invalid { field, problem: Problem::said(zh, en) }
    }

    /// The field's name and the problem in `lang`: `联系时间：不能晚于现在`,
    /// `contact time: cannot be later than now`.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}：{}", self.field.zh(), self.problem.text(lang)),
            Lang::En => format!("{}: {}", self.field.label(lang), self.problem.text(lang)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_name_in_both_languages() {
        for f in Field::ALL {
            assert!(!f.label(Lang::Zh).trim().is_empty(), "{f:?}");
            assert!(!f.label(Lang::En).trim().is_empty(), "{f:?}");
            assert!(f.label(Lang::En).is_ascii(), "{f:?} English label is not English");
        }
    }

    #[test]
    fn every_problem_reads_in_both_languages() {
        let examples = Problem::examples();
        let mut seen = [false; Problem::COUNT];
        for p in &examples {
            seen[p.ordinal()] = true;
            let zh = p.text(Lang::Zh);
            let en = p.text(Lang::En);
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{p:?}");
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{p:?} zh: {zh}");
            assert_ne!(zh, en, "{p:?} has no English of its own");
            // English sentences carry the user's own input (“胡说八道”, “是”) but are otherwise English.
            let outside_quotes: String =
                en.split('“').map(|s| s.split_once('”').map_or(s, |(_, r)| r)).collect();
            assert!(
                !outside_quotes
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !"是否".contains(c)),
                "{p:?} en: {en}"
            );
        }
        let missing: Vec<usize> = (0..Problem::COUNT).filter(|i| !seen[*i]).collect();
        assert!(missing.is_empty(), "no example for variants {missing:?}");
    }

    #[test]
    fn the_chinese_sentence_is_the_one_users_know() {
        let inv = Invalid::new(Field::Note, Problem::TooLong { chars: 501, max: 500 });
        assert_eq!(inv.to_string(), "备注：过长（501 个字，最多 500 个字）");
        assert_eq!(inv.text(Lang::En), "note: is too long (501 characters, at most 500)");
    }
}
