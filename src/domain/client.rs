//! Roster clients (名单客户) and what is known about them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Invalid;
use super::ids::{ClientNo, OutletId, StaffNo};
use super::labels::labelled_enum;
use super::money::Fen;

labelled_enum!(
    Gender, "性别", {
        Male => "男", ["男性", "m", "male", "1"];
        Female => "女", ["女性", "f", "female", "2"];
        Unknown => "未知", ["", "-", "0"];
    }
);

labelled_enum!(
    /// Card tier, lowest first; thresholds on average financial assets are configuration.
    CardTier, "卡级别", {
        Ordinary => "普通卡", ["普通", "普卡", "ordinary"];
        Gold => "金卡", ["gold"];
        Platinum => "白金卡", ["白金", "platinum"];
        Diamond => "钻石卡", ["钻石", "钻卡", "diamond"];
        PrivateBanking => "私人银行", ["私行", "私银", "私人银行客户", "private"];
    }
);

impl CardTier {
    /// 金卡级以上: the level the branch's growth and share targets count.
    pub fn is_gold_or_above(self) -> bool {
        self >= CardTier::Gold
    }
}

labelled_enum!(
    /// Value classification; decides the callback cadence.
    ClientClass, "客户分类", {
        Key => "关键客户", ["关键", "key"];
        Important => "重要客户", ["重要", "important"];
        Ordinary => "普通客户", ["普通", "ordinary"];
        Potential => "潜在客户", ["潜在", "potential"];
    }
);

labelled_enum!(
    /// The "稳内攻外" strategy segment the client is worked under.
    Segment, "客户类型", {
        Maintain => "维护", ["维护客户", "金卡以上", "maintain"];
        Uplift => "提升", ["提升客户", "潜力客户", "潜力", "uplift"];
        Develop => "拓展", ["拓展客户", "潜在客户", "develop"];
        OtherBank => "他行", ["挖掘", "他行客户", "他行优质客户", "otherbank"];
    }
);

labelled_enum!(
    ClientStatus, "客户状态", {
        Active => "活跃", ["正常", "active", ""];
        Dormant => "沉睡", ["睡眠", "dormant"];
        Lost => "流失", ["销户", "lost"];
    }
);

/// The VIP label (贴标) on the client's card or passbook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sticker {
    pub done: bool,
    /// When it was put on, if known; branches that stickered before using mingdan often do not know.
    pub on: Option<NaiveDate>,
}

/// Basic-requirement holdings (基本要求), as the core-banking export reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holdings {
    pub online_banking: bool,
    pub shuanglifeng: bool,
    pub fund_auto_invest: bool,
    pub wealth_products: u16,
    /// Share of transactions through self-service channels, in tenths of a percent (853 = 85.3%).
    pub self_service_permille: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub no: ClientNo,
    pub name: String,
    pub gender: Gender,
    pub phone: String,
    pub id_number: String,
    pub birthday: Option<NaiveDate>,
    pub outlet: OutletId,
    pub tier: CardTier,
    /// 日均金融资产: average daily financial assets. `None` is 未知: core banking has not reported
    /// it yet (a new client imported with the cell empty). It is never read as 0, so it gives no
    /// card tier, no asset band and no share of any total.
    pub assets: Option<Fen>,
    pub class: ClientClass,
    pub segment: Segment,
    pub maintainer: Option<StaffNo>,
    pub sticker: Sticker,
    pub holdings: Holdings,
    /// 营销预案, written by the maintainer.
    pub plan: String,
    pub status: ClientStatus,
    /// Kept in step with the contact log so lists need not read it.
    pub last_contact: Option<NaiveDate>,
    /// Due date of the open callback task, mirrored for lists.
    pub next_callback: Option<NaiveDate>,
}

impl Client {
    /// A client as first registered: an ordinary card, assets unknown, no holdings, on nobody's
    /// roster yet.
    pub fn new(no: ClientNo, name: String, outlet: OutletId) -> Client {
        Client {
            no,
            name,
            gender: Gender::Unknown,
            phone: String::new(),
            id_number: String::new(),
            birthday: None,
            outlet,
            tier: CardTier::Ordinary,
            assets: None,
            class: ClientClass::Ordinary,
            segment: Segment::Maintain,
            maintainer: None,
            sticker: Sticker::default(),
            holdings: Holdings::default(),
            plan: String::new(),
            status: ClientStatus::Active,
            last_contact: None,
            next_callback: None,
        }
    }

    /// Worth a maintainer under the roster system: gold and above, or an 提升 candidate, and
    /// still a client. Those without one are listed for managers to assign.
    pub fn wants_maintainer(&self) -> bool {
        self.status != ClientStatus::Lost && (self.tier.is_gold_or_above() || self.segment == Segment::Uplift)
    }

    /// On a roster: assigned to someone and still a client.
    pub fn on_roster(&self) -> bool {
        self.maintainer.is_some() && self.status != ClientStatus::Lost
    }
}

/// Longest marketing plan kept; a plan is a few paragraphs, not a document.
pub const PLAN_MAX_CHARS: usize = 2000;

pub fn parse_plan(raw: &str) -> Result<String, Invalid> {
    let text = raw.trim_end().replace("\r\n", "\n");
    if text.chars().count() > PLAN_MAX_CHARS {
        return Err(Invalid::new("营销预案", format!("过长（最多 {PLAN_MAX_CHARS} 个字）")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::new("营销预案", "含有控制字符"));
    }
    Ok(text)
}

/// Excel turns long digit strings into "1.10101E+17"; once that happened the digits are gone and
/// the only fix is re-exporting with the column formatted as text.
fn looks_like_excel_scientific(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    upper.contains("E+") && upper.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'E' | '+'))
}

const EXCEL_HINT: &str = "被 Excel 转成了科学计数法，原号码已丢失；请在 Excel 中把该列设为“文本”后重新导出";

/// Mobile (11 digits starting with 1) or a landline with area code; spaces and dashes are dropped.
pub fn parse_phone(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    if looks_like_excel_scientific(s) {
        return Err(Invalid::new("手机号码", format!("“{s}”{EXCEL_HINT}")));
    }
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    if digits.is_empty() {
        return Ok(String::new());
    }
    // Mobiles start with 1 and have 11 digits; landlines start with the 0 of an area code, or
    // are a 7–8 digit local number.
    let len_ok = match digits.as_bytes().first() {
        Some(b'1') => digits.len() == 11,
        Some(b'0') => (10..=12).contains(&digits.len()),
        _ => (7..=8).contains(&digits.len()),
    };
    if !len_ok || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new("手机号码", format!("“{s}”不是有效号码（手机号为 11 位数字）")));
    }
    Ok(digits)
}

/// Resident ID numbers (18 characters) are checked with their check digit, which catches most
/// typing slips; other documents (passport, 15-digit old IDs) are accepted as written.
pub fn parse_id_number(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim().to_uppercase();
    if looks_like_excel_scientific(&s) {
        return Err(Invalid::new("证件号码", format!("“{s}”{EXCEL_HINT}")));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) || s.chars().count() > 30 {
        return Err(Invalid::new("证件号码", format!("“{s}”格式不对")));
    }
    if looks_resident(&s) && !resident_id_checksum_ok(&s) {
        return Err(Invalid::new("证件号码", format!("“{s}”校验位不对，请核对是否抄错")));
    }
    Ok(s)
}

/// Eighteen characters, the first seventeen digits: the shape of a resident ID number.
fn looks_resident(id: &str) -> bool {
    id.is_ascii() && id.len() == 18 && id[..17].chars().all(|c| c.is_ascii_digit())
}

/// A resident ID number with a correct check character. Its last six characters are the day of
/// birth (which the card shows anyway) and the sequence and check the mask shows.
pub fn is_resident_id(id: &str) -> bool {
    looks_resident(id) && resident_id_checksum_ok(id)
}

fn resident_id_checksum_ok(id: &str) -> bool {
    match (id.get(..17), id.get(17..)) {
        (Some(first17), Some(last)) => {
            resident_id_check_char(first17).map(String::from).as_deref() == Some(last)
        }
        _ => false,
    }
}

/// The check character an 18-character resident ID ends with; used to make valid demo numbers.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    if first17.len() != 17 || !first17.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = WEIGHTS.iter().zip(first17.bytes()).map(|(w, b)| w * u32::from(b - b'0')).sum();
    Some(CHECK[(sum % 11) as usize] as char)
}

/// Birthday encoded in an 18-character resident ID (positions 7–14).
pub fn birthday_from_id(id: &str) -> Option<NaiveDate> {
    if id.len() != 18 {
        return None;
    }
    NaiveDate::parse_from_str(id.get(6..14)?, "%Y%m%d").ok()
}

/// Self-service ratio as written in a sheet: "85%", "85.3", "0.853".
pub fn parse_self_service(raw: &str) -> Result<u16, Invalid> {
    let field = "自办业务比例";
    let s = raw.trim();
    if s.is_empty() {
        return Ok(0);
    }
    let (num, percent) = match s.strip_suffix(['%', '％']) {
        Some(n) => (n.trim(), true),
        None => (s, false),
    };
    let bad = || Invalid::new(field, format!("“{s}”不是比例（如 85% 或 0.85）"));
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let int_v: u32 = int.parse().map_err(|_| bad())?;
    // Work in millionths so "0.853" and "85.3" are both exact.
    let frac6: u32 = format!("{:0<6}", &frac[..frac.len().min(6)]).parse().map_err(|_| bad())?;
    let millionths = int_v.checked_mul(1_000_000).and_then(|v| v.checked_add(frac6)).ok_or_else(bad)?;
    // A bare number up to 1 is a fraction; above 1 it is already a percentage.
    let is_fraction = !percent && (int_v < 1 || (int_v == 1 && frac6 == 0));
    let permille = if is_fraction { (millionths + 500) / 1000 } else { (millionths + 50_000) / 100_000 };
    if permille > 1000 {
        return Err(Invalid::new(field, format!("“{s}”超过 100%")));
    }
    Ok(permille as u16)
}

pub fn display_permille(p: u16) -> String {
    if p.is_multiple_of(10) { format!("{}%", p / 10) } else { format!("{}.{}%", p / 10, p % 10) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_with_aliases_and_report_the_choices() {
        assert_eq!(CardTier::parse("白金"), Ok(CardTier::Platinum));
        assert_eq!(CardTier::parse(" 私行 "), Ok(CardTier::PrivateBanking));
        assert_eq!(ClientClass::parse("关键客户"), Ok(ClientClass::Key));
        assert_eq!(Segment::parse("挖掘"), Ok(Segment::OtherBank));
        assert_eq!(ClientStatus::parse(""), Ok(ClientStatus::Active));
        let err = CardTier::parse("铜卡").unwrap_err();
        assert_eq!(err.field, "卡级别");
        assert!(err.reason.contains("金卡 / 白金卡"), "{}", err.reason);
    }

    #[test]
    fn premium_and_uplift_clients_want_a_maintainer_until_they_are_lost() {
        let c = |tier, segment, status| Client {
            tier,
            segment,
            status,
            ..Client::new(ClientNo::parse("C1").unwrap(), "张伟".into(), OutletId::parse("城关").unwrap())
        };
        use ClientStatus::*;
        assert!(c(CardTier::Gold, Segment::Maintain, Active).wants_maintainer());
        assert!(c(CardTier::Ordinary, Segment::Uplift, Dormant).wants_maintainer());
        assert!(!c(CardTier::Ordinary, Segment::Maintain, Active).wants_maintainer());
        assert!(!c(CardTier::Diamond, Segment::Maintain, Lost).wants_maintainer());
    }

    #[test]
    fn gold_or_above_starts_at_gold() {
        assert!(!CardTier::Ordinary.is_gold_or_above());
        assert!(CardTier::Gold.is_gold_or_above());
        assert!(CardTier::PrivateBanking.is_gold_or_above());
    }

    #[test]
    fn phones_are_normalised_and_checked() {
        assert_eq!(parse_phone("138 0013 8000"), Ok("13800138000".into()));
        assert_eq!(parse_phone("+86-13800138000"), Ok("13800138000".into()));
        assert_eq!(parse_phone("0371-6388123"), Ok("03716388123".into()));
        assert_eq!(parse_phone(""), Ok(String::new()));
        assert!(parse_phone("1380013800a").is_err());
        assert!(parse_phone("12").is_err());
        assert!(parse_phone("1380013800").is_err(), "a mobile one digit short");
        assert_eq!(parse_phone("6388123"), Ok("6388123".into()));
        let err = parse_phone("1.38001E+10").unwrap_err();
        assert!(err.reason.contains("科学计数法"));
    }

    #[test]
    fn resident_ids_are_checked_by_their_check_digit() {
        // GB 11643 example number.
        assert_eq!(parse_id_number("11010519491231002x"), Ok("11010519491231002X".into()));
        assert!(parse_id_number("110105194912310021").unwrap_err().reason.contains("校验位"));
        assert_eq!(parse_id_number("E12345678"), Ok("E12345678".into()));
        assert!(
            parse_id_number("123456789012345号").is_ok(),
            "not a resident ID: taken as written, no panic"
        );
        assert!(parse_id_number("1.10105E+17").unwrap_err().reason.contains("Excel"));
        assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
        assert_eq!(birthday_from_id("11010519491231002X"), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(birthday_from_id("E12345678"), None);
    }

    #[test]
    fn self_service_ratio_reads_percent_and_fraction() {
        assert_eq!(parse_self_service("85%"), Ok(850));
        assert_eq!(parse_self_service("85.3"), Ok(853));
        assert_eq!(parse_self_service("0.853"), Ok(853));
        assert_eq!(parse_self_service("1"), Ok(1000));
        assert_eq!(parse_self_service("100%"), Ok(1000));
        assert_eq!(parse_self_service(""), Ok(0));
        assert!(parse_self_service("120%").is_err());
        assert!(parse_self_service("八成").is_err());
        assert_eq!(display_permille(853), "85.3%");
        assert_eq!(display_permille(800), "80%");
    }

    #[test]
    fn plans_keep_line_breaks_but_not_other_control_characters() {
        assert_eq!(parse_plan("第一行\r\n第二行\n\n"), Ok("第一行\n第二行".into()));
        assert!(parse_plan("a\u{7}b").is_err());
        assert!(parse_plan(&"字".repeat(PLAN_MAX_CHARS + 1)).is_err());
    }
}
