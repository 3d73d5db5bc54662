//! Roster clients (名单客户) and what is known about them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ids::{ClientNo, OutletId, StaffNo};
use super::labels::labelled_enum;
use super::money::Fen;
use super::{Field, Invalid, Problem};

labelled_enum!(
    Gender, crate::domain::Field::Gender, {
        Male => "男", ["男性", "m", "male", "1"];
        Female => "女", ["女性", "f", "female", "2"];
        Unknown => "未知", ["", "-", "0"];
    }
);

labelled_enum!(
    /// Card tier, lowest first; thresholds on average financial assets are configuration.
    CardTier, crate::domain::Field::CardTier, {
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
    ClientClass, crate::domain::Field::ClientClass, {
        Key => "关键客户", ["关键", "key"];
        Important => "重要客户", ["重要", "important"];
        Ordinary => "普通客户", ["普通", "ordinary"];
        Potential => "潜在客户", ["潜在", "potential"];
    }
);

labelled_enum!(
    /// The "稳内攻外" strategy segment the client is worked under.
    Segment, crate::domain::Field::Segment, {
        Maintain => "维护", ["维护客户", "金卡以上", "maintain"];
        Uplift => "提升", ["提升客户", "潜力客户", "潜力", "uplift"];
        Develop => "拓展", ["拓展客户", "潜在客户", "develop"];
        OtherBank => "他行", ["挖掘", "他行客户", "他行优质客户", "otherbank"];
    }
);

labelled_enum!(
    ClientStatus, crate::domain::Field::ClientStatus, {
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
    let text = super::text::newlines(raw.trim_end()).into_owned();
    if text.chars().count() > PLAN_MAX_CHARS {
        return Err(Invalid::new(Field::Plan, Problem::TooLongMax { max: PLAN_MAX_CHARS }));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::new(Field::Plan, Problem::ControlChars));
    }
    Ok(text)
}

/// Scientific notation as Excel writes a number too long for its cell (`4.10101E+17`, `1E+15`,
/// `1.23457E+06`, also `5e5` and `1.5E-05`): a decimal mantissa, `E` or `e`, an exponent. Once
/// Excel did that, the digits beyond the sixth are gone and the only fix is re-exporting with
/// the column formatted as text.
pub(crate) fn is_excel_scientific(s: &str) -> bool {
    let s = s.trim();
    let Some(at) = s.find(['e', 'E']) else {
        return false;
    };
    let (mantissa, exponent) = (&s[..at], &s[at + 1..]);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    !int.is_empty() && digits(int) && digits(frac) && !exponent.is_empty() && digits(exponent)
}

/// What to do about a number Excel turned into scientific notation; follows the quoted value.
pub(crate) const EXCEL_HINT: &str =
    "被 Excel 转成了科学计数法，原号码已丢失；请在 Excel 中把该列设为“文本”后重新导出";

/// A value as a message quotes it, cut short so that a pasted paragraph does not flood the screen.
pub(crate) fn quoted(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    if s.chars().count() > MAX_CHARS {
        format!("“{}…”", s.chars().take(MAX_CHARS).collect::<String>())
    } else {
        format!("“{s}”")
    }
}

/// What people put between two numbers written into one cell.
const NUMBER_LIST_SEPARATORS: &[char] =
    &['/', '、', ';', '；', ',', '，', '|', '\\', '\n', '\r', '或', '及', '和'];

/// Two or more runs of at least seven digits, set apart by a list separator or a space: two
/// numbers, not one number written in groups (`138 0013 8000`, `0371 12345678`).
fn has_several_numbers(s: &str) -> bool {
    let long = |part: &str| part.chars().filter(char::is_ascii_digit).count() >= 7;
    s.split(NUMBER_LIST_SEPARATORS).filter(|p| long(p)).count() >= 2
        || s.split_whitespace().filter(|p| long(p)).count() >= 2
}

/// A phone as the branch dials it, in one form per number so duplicates and searches agree:
/// - a mobile: `13800138000` (11 digits, 1 then 3–9);
/// - a landline with its area code: `0371-12345678` (010 and 02X are three-digit codes, every
///   other code starting with 0 has four digits; the local number has 7 or 8 digits);
/// - a bare local number of 7 or 8 digits, kept as written.
///
/// Spaces, dashes and brackets are dropped; a `+86` / `0086` / `86` country prefix is removed
/// (and the 0 of the area code put back for a landline). Empty input is an empty phone (a form
/// clearing the field). Refused: two numbers in one value, a mobile a digit short or long, any
/// other shape, and Excel's scientific notation (the digits are lost).
pub fn parse_phone(raw: &str) -> Result<String, Invalid> {
    const FIELD: Field = Field::Phone;
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let q = quoted(s);
    if is_excel_scientific(s) {
        return Err(Invalid::new(FIELD, Problem::ExcelScientific { raw: q }));
    }
    if has_several_numbers(s) {
        return Err(Invalid::said(
            FIELD,
            format!("{q}含有不止一个号码；一个单元格只能填一个号码，请只保留一个（其余的可写进营销预案）"),
            format!(
                "{q} holds more than one number; keep one per cell (put the others in the marketing plan)"
            ),
        ));
    }
    let bad = || {
        Invalid::said(
            FIELD,
            format!(
                "{q}不是有效的电话号码：手机号为 1 开头的 11 位数字，座机为区号加 7–8 位号码（如 0371-12345678）；请核对后改正"
            ),
            format!(
                "{q} is not a phone number: a mobile is 11 digits starting with 1, a landline an area code and 7–8 digits (0371-12345678)"
            ),
        )
    };
    let compact: String =
        s.chars().filter(|c| !matches!(c, ' ' | '\u{3000}' | '-' | '(' | ')' | '（' | '）')).collect();
    let (digits, international) = match compact.strip_prefix("+86").or_else(|| compact.strip_prefix("0086")) {
        Some(rest) => (rest, true),
        // 86 written before a mobile without the +: 13 digits in all.
        None if compact.len() == 13 && compact.starts_with("861") => (&compact[2..], true),
        None => (compact.as_str(), false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // From abroad an area code is dialled without its 0.
    let digits = if international && !digits.starts_with(['0', '1']) {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    let b = digits.as_bytes();
    match b[0] {
        b'1' if b.len() == 11 => {
            if matches!(b[1], b'3'..=b'9') {
                Ok(digits)
            } else {
                Err(bad())
            }
        }
        b'1' if b.len() == 10 || b.len() == 12 => Err(Invalid::said(
            FIELD,
            format!("{q}是 {} 位数字，手机号应为 11 位；请核对是否多打或漏打了一位", b.len()),
            format!("{q} has {} digits; a mobile has 11: check for a digit too many or missing", b.len()),
        )),
        b'0' => {
            let area = if digits.starts_with("010") || digits.starts_with("02") { 3 } else { 4 };
            let local = digits.get(area..).unwrap_or("");
            if !digits.starts_with("00") && (7..=8).contains(&local.len()) && !local.starts_with('0') {
                Ok(format!("{}-{local}", &digits[..area]))
            } else {
                Err(bad())
            }
        }
        _ if !international && (7..=8).contains(&b.len()) => Ok(digits),
        _ => Err(bad()),
    }
}

/// The identity documents a client register holds, told apart by the shape of their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// 居民身份证 (GB 11643): 17 digits and a check character (digit or X). The residence permits
    /// of Hong Kong, Macau and Taiwan residents and foreigners' permanent residence cards follow
    /// the same standard.
    Resident,
    /// First-generation resident ID: 15 digits, the birth date as YYMMDD of the 1900s, no check.
    Resident15,
    /// 中国护照: E or G and 8 digits, E, a letter and 7 digits, or D / S / P and 7–8 digits.
    ChinesePassport,
    /// 港澳居民来往内地通行证 (回乡证): H or M and 8 or 10 digits; 往来港澳通行证: C and 8 characters.
    HkMacauPermit,
    /// 台湾居民来往大陆通行证 (台胞证): 8 digits, or 10 characters with letters among them.
    TaiwanPermit,
    /// Any other passport: 1–2 letters, then 6–9 letters or digits, at least one a digit.
    ForeignPassport,
}

impl IdKind {
    pub fn label(self) -> &'static str {
        match self {
            IdKind::Resident => "居民身份证",
            IdKind::Resident15 => "15 位居民身份证",
            IdKind::ChinesePassport => "中国护照",
            IdKind::HkMacauPermit => "港澳通行证",
            IdKind::TaiwanPermit => "台胞证",
            IdKind::ForeignPassport => "外国护照",
        }
    }
}

/// The kind of document whose shape a normalised number has (upper-case letters and digits, no
/// spaces), or `None`. Shape only: a resident ID's check character and birth date are checked
/// by `parse_id_number`. All-digit numbers are only resident IDs (18 or 15) or 台胞证 (8): a
/// 17-digit number is a resident ID missing a digit, not some other document.
pub fn id_kind(id: &str) -> Option<IdKind> {
    let b = id.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
        return None;
    }
    let n = b.len();
    if digits(b) {
        return match n {
            18 => Some(IdKind::Resident),
            15 => Some(IdKind::Resident15),
            8 => Some(IdKind::TaiwanPermit),
            _ => None,
        };
    }
    if n == 18 && digits(&b[..17]) && b[17] == b'X' {
        return Some(IdKind::Resident);
    }
    let letter = |i: usize| b.get(i).is_some_and(u8::is_ascii_uppercase);
    match (b[0], n) {
        (b'E' | b'G', 9) if digits(&b[1..]) => return Some(IdKind::ChinesePassport),
        (b'E', 9) if letter(1) && digits(&b[2..]) => return Some(IdKind::ChinesePassport),
        (b'D' | b'S' | b'P', 8 | 9) if digits(&b[1..]) => return Some(IdKind::ChinesePassport),
        (b'H' | b'M', 9 | 11) if digits(&b[1..]) => return Some(IdKind::HkMacauPermit),
        (b'C', 9) => return Some(IdKind::HkMacauPermit),
        _ => {}
    }
    let has_digit = b.iter().any(u8::is_ascii_digit);
    // 1–2 letters, then 6–9 more: 7 to 11 in all, and 11 only with two leading letters.
    if letter(0) && (7..=11).contains(&n) && (n < 11 || letter(1)) && has_digit {
        return Some(IdKind::ForeignPassport);
    }
    if n == 10 && has_digit {
        return Some(IdKind::TaiwanPermit);
    }
    None
}

/// An identity document number in the one form the register keeps: spaces removed, letters
/// upper-cased (a typed `x` is the check character `X`). Resident IDs are checked by GB 11643:
/// the check character, and the birth date they contain must be a real day from 1900 on (a
/// 15-digit ID's YYMMDD is of the 1900s). Passports and permits are checked by their shape
/// (`IdKind`). Empty input is an empty number (a form clearing the field).
///
/// Refused: a wrong check character, an impossible birth date, an all-digit number of any length
/// other than 18, 15 or 8, any other shape, and Excel's scientific notation. A birth date in the
/// future needs today's date: `import::cells::id_number_as_of` checks it.
pub fn parse_id_number(raw: &str) -> Result<String, Invalid> {
    const FIELD: Field = Field::IdNumber;
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if s.is_empty() {
        return Ok(String::new());
    }
    let q = quoted(raw.trim());
    if is_excel_scientific(&s) {
        return Err(Invalid::new(FIELD, Problem::ExcelScientific { raw: q }));
    }
    match id_kind(&s) {
        Some(IdKind::Resident) => {
            if !resident_id_checksum_ok(&s) {
                return Err(Invalid::said(
                    FIELD,
                    format!(
                        "{q}校验位不对（最后一位与前 17 位算出的不符），号码中有抄错的地方；请对照证件核对后改正"
                    ),
                    format!(
                        "{q} has a wrong check character (the last does not match the first 17): check it against the card"
                    ),
                ));
            }
            if birthday_from_id(&s).is_none() {
                let written = s.get(6..14).unwrap_or("");
                return Err(Invalid::said(
                    FIELD,
                    format!("{q}中的出生日期“{written}”不是真实的日期；请对照证件核对后改正"),
                    format!("the birth date “{written}” in {q} is not a real day: check it against the card"),
                ));
            }
        }
        Some(IdKind::Resident15) => {
            if birthday_from_id(&s).is_none() {
                let written = s.get(6..12).unwrap_or("");
                return Err(Invalid::said(
                    FIELD,
                    format!(
                        "{q}是 15 位身份证号，其中的出生日期“{written}”不是真实的日期；请对照证件核对后改正"
                    ),
                    format!(
                        "the birth date “{written}” in the 15-digit ID {q} is not a real day: check it against the card"
                    ),
                ));
            }
        }
        Some(_) => {}
        None => {
            let (zh, en) = unknown_id_shape(&s);
            return Err(Invalid::said(FIELD, format!("{q}{zh}"), format!("{q} {en}")));
        }
    }
    Ok(s)
}

/// Why a number has no document's shape, as the end of a sentence after the quoted value, in
/// Chinese and in English.
fn unknown_id_shape(s: &str) -> (String, String) {
    let n = s.chars().count();
    if s.bytes().all(|b| b.is_ascii_digit()) {
        if (16..=19).contains(&n) {
            return (
                format!(
                    "是 {n} 位数字，身份证号应为 18 位（末位可为 X）或 15 位；请核对是否多打或漏打了一位"
                ),
                format!(
                    "has {n} digits; a resident ID has 18 (the last may be X) or 15: check for a digit too many or missing"
                ),
            );
        }
        return (
            format!(
                "是 {n} 位数字，不是证件号码的格式（身份证为 18 位或 15 位，台胞证为 8 位）；请对照证件核对后改正"
            ),
            format!(
                "has {n} digits, no document's shape (resident IDs 18 or 15, Taiwan permits 8): check it against the card"
            ),
        );
    }
    (
        "不是有效的证件号码：身份证为 18 位（末位可为 X）或 15 位，护照和港澳台通行证为字母加数字（如 E12345678、H12345678）；请对照证件核对后改正".into(),
        "is not an ID number: resident IDs have 18 (last may be X) or 15 digits, passports and permits letters and digits (E12345678, H12345678)".into(),
    )
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

/// The form two ID numbers of one person share: a 15-digit first-generation resident ID becomes
/// its 18-digit form (GB 11643: the year gains `19`, a check character is appended); anything
/// else is itself.
pub fn id_key(id: &str) -> String {
    if id.len() == 15 && id.bytes().all(|b| b.is_ascii_digit()) {
        let first17 = format!("{}19{}", &id[..6], &id[6..]);
        if let Some(check) = resident_id_check_char(&first17) {
            return format!("{first17}{check}");
        }
    }
    id.to_string()
}

/// Birthday encoded in a resident ID: positions 7–14 (YYYYMMDD) of an 18-character one,
/// positions 7–12 (YYMMDD of the 1900s) of a 15-digit one. `None` for other documents and for a
/// date that does not exist or is before 1900.
pub fn birthday_from_id(id: &str) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = id.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let (year, month, day) = match id.len() {
        18 => (number(6..10)?, number(10..12)?, number(12..14)?),
        15 => (1900 + number(6..8)?, number(8..10)?, number(10..12)?),
        _ => return None,
    };
    if year < 1900 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// Self-service ratio as written in a sheet, in tenths of a percent: "85%", "85.3" and "0.853"
/// are 853 ‰ of 1000; a bare number up to 1 is a fraction, above 1 a percentage (so "1" is
/// 100%). Cut (not rounded) to a tenth of a percent, so the ≥ 80% requirement compares the
/// figure as written. Empty is 0. Refused: above 100%, negative, anything but digits, one
/// decimal point and a trailing %.
/// Also says whether the figure as written was finer than 0.1% and so was cut (79.95% is kept
/// as 79.9%): the importer says so for each such row, never silently.
pub fn parse_self_service_exact(raw: &str) -> Result<(u16, bool), Invalid> {
    let field = Field::SelfServiceRatio;
    let s = raw.trim();
    if s.is_empty() {
        return Ok((0, false));
    }
    let (num, percent) = match s.strip_suffix(['%', '％']) {
        Some(n) => (n.trim(), true),
        None => (s, false),
    };
    let bad = || {
        Invalid::said(
            field,
            format!("{}不是比例；请写成百分比或小数，如 85% 或 0.85", quoted(s)),
            format!("{} is not a ratio; write a percentage or a fraction, as 85% or 0.85", quoted(s)),
        )
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let int_v: u32 = int.parse().map_err(|_| bad())?;
    // Work in millionths so "0.853" and "85.3" are both exact.
    let frac6: u32 = format!("{:0<6}", &frac[..frac.len().min(6)]).parse().map_err(|_| bad())?;
    let beyond_six = frac.len() > 6 && frac[6..].bytes().any(|b| b != b'0');
    let millionths = int_v.checked_mul(1_000_000).and_then(|v| v.checked_add(frac6)).ok_or_else(bad)?;
    // A bare number up to 1 is a fraction; above 1 it is already a percentage.
    let is_fraction = !percent && (int_v < 1 || (int_v == 1 && frac6 == 0));
    // Cut, not rounded, to 0.1%: the 80% requirement is then met exactly when the figure as
    // written is at least 80% — 79.95% is kept as 79.9% and fails, where rounding would have
    // passed it (DOMAIN.md, "Rounding": thresholds compare the exact value).
    let (permille, rest) = if is_fraction {
        (millionths / 1000, millionths % 1000)
    } else {
        (millionths / 100_000, millionths % 100_000)
    };
    if permille > 1000 {
        return Err(Invalid::said(
            field,
            format!("{}超过了 100%；比例最多为 100%，请核对后改正", quoted(s)),
            format!("{} is over 100%, the most a ratio can be", quoted(s)),
        ));
    }
    Ok((permille as u16, rest != 0 || beyond_six))
}

pub fn display_permille(p: u16) -> String {
    if p.is_multiple_of(10) { format!("{}%", p / 10) } else { format!("{}.{}%", p / 10, p % 10) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permille(raw: &str) -> Result<u16, Invalid> {
        parse_self_service_exact(raw).map(|(p, _)| p)
    }

    #[test]
    fn a_share_finer_than_a_tenth_of_a_percent_says_it_was_cut() {
        assert_eq!(parse_self_service_exact("79.95%"), Ok((799, true)));
        assert_eq!(parse_self_service_exact("0.85341"), Ok((853, true)));
        assert_eq!(parse_self_service_exact("0.8530000001"), Ok((853, true)), "beyond six places too");
        assert_eq!(parse_self_service_exact("85.30%"), Ok((853, false)));
        assert_eq!(parse_self_service_exact("0.853000"), Ok((853, false)));
        assert_eq!(parse_self_service_exact("1"), Ok((1000, false)));
    }

    #[test]
    fn labels_parse_with_aliases_and_report_the_choices() {
        assert_eq!(CardTier::parse("白金"), Ok(CardTier::Platinum));
        assert_eq!(CardTier::parse(" 私行 "), Ok(CardTier::PrivateBanking));
        assert_eq!(ClientClass::parse("关键客户"), Ok(ClientClass::Key));
        assert_eq!(Segment::parse("挖掘"), Ok(Segment::OtherBank));
        assert_eq!(ClientStatus::parse(""), Ok(ClientStatus::Active));
        let err = CardTier::parse("铜卡").unwrap_err();
        assert_eq!(err.field, Field::CardTier);
        assert!(err.problem.to_string().contains("金卡 / 白金卡"), "{}", err.problem.to_string());
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
        assert_eq!(
            parse_phone("0371-6388123"),
            Ok("0371-6388123".into()),
            "landlines keep a dash after the area code"
        );
        assert_eq!(parse_phone("03716388123"), Ok("0371-6388123".into()));
        assert_eq!(parse_phone("(010)12345678"), Ok("010-12345678".into()), "010 is a three-digit area code");
        assert_eq!(parse_phone(""), Ok(String::new()));
        assert!(parse_phone("1380013800a").is_err());
        assert!(parse_phone("12").is_err());
        assert!(parse_phone("1380013800").is_err(), "a mobile one digit short");
        assert_eq!(parse_phone("6388123"), Ok("6388123".into()));
        let err = parse_phone("1.38001E+10").unwrap_err();
        assert!(err.problem.to_string().contains("科学计数法"));
    }

    #[test]
    fn resident_ids_are_checked_by_their_check_digit() {
        // GB 11643 example number.
        assert_eq!(parse_id_number("11010519491231002x"), Ok("11010519491231002X".into()));
        assert!(parse_id_number("110105194912310021").unwrap_err().problem.to_string().contains("校验位"));
        assert_eq!(parse_id_number("E12345678"), Ok("E12345678".into()));
        assert_eq!(parse_id_number("410105 800303 771"), Ok("410105800303771".into()), "15-digit old ID");
        assert!(parse_id_number("123456789012345号").is_err(), "no document has this shape");
        assert!(parse_id_number("41010519800303077").unwrap_err().problem.to_string().contains("17 位"));
        assert_eq!(birthday_from_id("410105800303771"), NaiveDate::from_ymd_opt(1980, 3, 3));
        assert!(parse_id_number("1.10105E+17").unwrap_err().problem.to_string().contains("Excel"));
        assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
        assert_eq!(birthday_from_id("11010519491231002X"), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(birthday_from_id("E12345678"), None);
    }

    #[test]
    fn self_service_ratio_reads_percent_and_fraction() {
        assert_eq!(permille("85%"), Ok(850));
        assert_eq!(permille("85.3"), Ok(853));
        assert_eq!(permille("0.853"), Ok(853));
        assert_eq!(permille("1"), Ok(1000));
        assert_eq!(permille("100%"), Ok(1000));
        assert_eq!(permille("79.95%"), Ok(799), "cut, so the 80% requirement sees below 80%");
        assert_eq!(permille("0.7999"), Ok(799));
        assert_eq!(permille("80.00%"), Ok(800));
        assert_eq!(permille(""), Ok(0));
        assert!(permille("120%").is_err());
        assert!(permille("八成").is_err());
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
