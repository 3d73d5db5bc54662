//! Cell normalisers: one function per kind of cell an import reads, each turning the text of one
//! cell into the value the store keeps, or refusing it with a sentence that fits after
//! "第 N 行，列名：" — it quotes the cell and says what to do.
//!
//! What they undo is what Excel and core-banking exports do to values: the `="…"` and `'`
//! wrappers that keep digits as text, full-width digits and letters, `.0` on whole numbers,
//! currency marks and thousands separators, units in the value or the header, the serial
//! numbers dates are stored as. What they refuse is what cannot be undone without guessing:
//! scientific notation (the digits are gone), the values our own masked export writes
//! (`150****5678`, `200-600万`), names with `?` where an encoding lost a character, two-digit
//! years, dates that do not exist.
//!
//! Empty cells are the caller's: an empty cell means "unknown, keep what is stored" and never
//! reaches these functions. A cell that is empty only once cleaned (`=""`) is refused here, so a
//! caller deciding emptiness should look at `clean(raw)`.

use std::borrow::Cow;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};

use crate::domain::client::{
    EXCEL_HINT, birthday_from_id, is_excel_scientific, parse_id_number, parse_phone, quoted,
};
use crate::domain::staff::parse_person_name;
use crate::domain::{ClientNo, Fen, Field, Invalid, Lang, StaffNo, parse_yes_no};

/// The hint after a number-like cell (amount, ratio, date) that Excel wrote in scientific notation.
const NUMBER_HINT: (&str, &str) = (
    "是科学计数法，Excel 这样显示时会丢掉数字；请在 Excel 中把该列设为“文本”后重新导出，或写出完整的数字",
    " is in scientific notation, which loses digits; set the column to Text in Excel and export again, or write the whole number",
);

/// The hint after an identifier cell Excel wrote in scientific notation (`Problem::ExcelScientific`).
const ID_HINT: (&str, &str) = (
    EXCEL_HINT,
    " was turned into scientific notation by Excel and its digits are lost; set the column to Text in Excel and export again",
);

/// The text of a cell with Excel's wrappers and full-width forms removed:
/// - `="…"` (how Excel keeps a formula's text; a CSV's `"=""…"""` arrives unquoted as that),
///   also `"=""…"""` if it arrives still quoted, and a leading `'` (Excel's "this is text");
/// - full-width ASCII forms (U+FF01–U+FF5E: ０-９ Ａ-Ｚ ａ-ｚ ．－（）＋：／，％＊ …) to ASCII;
///   the ideographic space, no-break and other typographic spaces to a plain space; typographic
///   hyphens and the minus sign (U+2010–U+2013, U+2212) to `-`;
/// - zero-width characters and stray byte-order marks dropped;
/// - surrounding whitespace trimmed.
///
/// A `.0` is left alone: whether it can be dropped depends on the column.
pub fn clean(raw: &str) -> String {
    // Most cells need no folding; an import reads millions of them.
    let folded: Cow<str> = if raw.chars().all(|c| fold_char(c) == Some(c)) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.chars().filter_map(fold_char).collect())
    };
    let mut s = folded.trim();
    loop {
        let inner = if let Some(rest) = s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
            rest
        } else if let Some(rest) = s.strip_prefix("\"=\"\"").and_then(|r| r.strip_suffix("\"\"\"")) {
            rest
        } else if let Some(rest) = s.strip_prefix('\'') {
            rest
        } else {
            break;
        };
        s = inner.trim();
    }
    s.to_string()
}

fn fold_char(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
        '\u{3000}' | '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => Some(' '),
        '\u{2010}'..='\u{2013}' | '\u{2212}' | '\u{FE63}' => Some('-'),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        _ => Some(c),
    }
}

/// Excel's scientific notation (`4.10101E+17`, `1.23457E+06`, `5e5`, `1E+15`), after `clean`:
/// Excel writes a long number this way and keeps only six significant digits of it.
pub fn is_scientific(s: &str) -> bool {
    is_excel_scientific(&clean(s))
}

/// A value our own masked export writes in place of the real one, after `clean`: it contains
/// `*` (`150****5678`, `4101**********003X`, `张*`), or it is an asset band label
/// (`200-600万`, `5万以下`, `600万以上`: see `domain::mask::Band::label`; also written with
/// `~`, `至`, a 万 on both ends or 万元).
pub fn is_masked(s: &str) -> bool {
    let c = clean(s);
    c.contains('*') || is_asset_band(&c)
}

/// `200-600万`, `50万-200万元`, `5万以下`, `600万以上`: a range of 万, not an amount.
fn is_asset_band(s: &str) -> bool {
    if !s.contains('万') {
        return false;
    }
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let Some((_, rest)) = split_number(&t) else {
        return false;
    };
    let (rest, first_wan) = strip_wan(rest);
    if first_wan && matches!(rest, "以下" | "以上" | "以内" | "及以下" | "及以上") {
        return true;
    }
    let Some(rest) = rest.strip_prefix(['-', '~', '至', '到', '—']) else {
        return false;
    };
    let Some((_, rest)) = split_number(rest) else {
        return false;
    };
    let (rest, second_wan) = strip_wan(rest);
    rest.is_empty() && second_wan
}

/// A leading decimal number (`600`, `0.5`) and what follows it.
fn split_number(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let number = &s[..end];
    (number.starts_with(|c: char| c.is_ascii_digit()) && number.matches('.').count() <= 1)
        .then(|| (number, &s[end..]))
}

fn strip_wan(s: &str) -> (&str, bool) {
    match s.strip_prefix("万元").or_else(|| s.strip_prefix('万')) {
        Some(rest) => (rest, true),
        None => (s, false),
    }
}

/// Excel's error values (`#N/A`, `#REF!` …) and the `####` of a column too narrow: the cell's
/// content was lost before the file was written.
fn is_excel_error(s: &str) -> bool {
    const ERRORS: &[&str] = &[
        "#N/A",
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    ];
    if !s.starts_with('#') {
        return false;
    }
    let upper = s.to_ascii_uppercase();
    ERRORS.contains(&upper.as_str()) || (s.len() >= 2 && s.bytes().all(|b| b == b'#'))
}

/// Refusals every kind of cell shares, on the cleaned text `c` of the cell `raw`.
fn refuse_lost_values(
    raw: &str,
    c: &str,
    field: Field,
    scientific_hint: (&str, &str),
) -> Result<(), Invalid> {
    let q = || quoted(raw.trim());
    if c.is_empty() {
        return Err(Invalid::said(
            field,
            format!("{}去掉 Excel 的文本标记后是空的；不知道的值请让单元格留空", q()),
            format!(
                "{} is empty without Excel's text marks; leave a cell empty when the value is not known",
                q()
            ),
        ));
    }
    if is_excel_error(c) {
        return Err(Invalid::said(
            field,
            format!(
                "{}是 Excel 的错误值，原来的内容已丢失；请在 Excel 中修正该单元格（或把公式结果粘贴为数值）后重新导出",
                q()
            ),
            format!(
                "{} is an Excel error value and the content is lost; fix the cell in Excel (or paste the formula's result as a value) and export again",
                q()
            ),
        ));
    }
    if c.contains('*') || is_asset_band(c) {
        return Err(Invalid::said(
            field,
            format!(
                "{}是遮蔽后的值（导出时隐去了部分内容），不能用来更新数据；请改用不遮蔽的导出或核心系统的原始数据，或删去这一列后重新导入",
                q()
            ),
            format!(
                "{} is a masked value (part hidden on export) and cannot update data; use an unmasked export or core-banking data, or drop this column",
                q()
            ),
        ));
    }
    if is_excel_scientific(c) {
        return Err(Invalid::said(
            field,
            format!("{}{}", q(), scientific_hint.0),
            format!("{}{}", q(), scientific_hint.1),
        ));
    }
    Ok(())
}

/// `clean`, then the shared refusals.
fn prepare(raw: &str, field: Field, scientific_hint: (&str, &str)) -> Result<String, Invalid> {
    let c = clean(raw);
    refuse_lost_values(raw, &c, field, scientific_hint)?;
    Ok(c)
}

/// `6201001841.0` → `6201001841`: the `.0` (or `.00` …) Excel adds to a whole number.
fn strip_point_zero(s: &str) -> &str {
    match s.split_once('.') {
        Some((int, zeros))
            if !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !zeros.is_empty()
                && zeros.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => s,
    }
}

/// A 客户号 or 工号 as the core-banking system wrote it, before Excel got to it.
fn identifier(raw: &str, field: Field, max_chars: usize) -> Result<String, Invalid> {
    let c = prepare(raw, field, ID_HINT)?;
    let c = strip_point_zero(&c);
    let q = quoted(raw.trim());
    let en = field.label(Lang::En);
    if c.chars().any(char::is_whitespace) {
        return Err(Invalid::said(
            field,
            format!("{q}中间有空格，{field}不含空格；请核对后删去空格"),
            format!("{q} has spaces inside; a {en} has none: delete them"),
        ));
    }
    if c.chars().any(char::is_control) {
        return Err(Invalid::said(
            field,
            format!("{q}含有看不见的控制字符；请删去后重新导入"),
            format!("{q} holds invisible control characters; delete them and import again"),
        ));
    }
    if let Some((int, frac)) = c.split_once('.')
        && !int.is_empty()
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(Invalid::said(
            field,
            format!(
                "{q}带有小数，不是{field}（Excel 把它当成了数字）；请在 Excel 中把该列设为“文本”后重新导出"
            ),
            format!(
                "{q} has decimals, so it is no {en} (Excel took it for a number); set the column to Text and export again"
            ),
        ));
    }
    let len = c.chars().count();
    if len > max_chars {
        return Err(Invalid::said(
            field,
            format!("{q}有 {len} 个字符，{field}最多 {max_chars} 个字符；请核对是否填错了列"),
            format!("{q} has {len} characters; a {en} has at most {max_chars}: is this the right column?"),
        ));
    }
    Ok(c.to_string())
}

/// A 客户号: cleaned, a `.0` on digits dropped, leading zeros kept as given (matching a number
/// Excel stripped of its zeros against the stored ones is the service's job).
///
/// Refused: scientific notation (with the 文本 hint), masked values, spaces inside, decimals,
/// control characters, more than 32 characters, Excel error values.
pub fn client_no(raw: &str) -> Result<ClientNo, Invalid> {
    let s = identifier(raw, Field::ClientNo, 32)?;
    // Core banking numbers clients with letters and digits; words here are a stray row (a
    // footer, a note) that must never become a client.
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Invalid::said(
            Field::ClientNo,
            format!("{}不是客户号（客户号只含字母和数字）；若这一行是说明或表尾，请删去", quoted(&s)),
            format!(
                "{} is no client number (letters and digits only); delete the row if it is a note or footer",
                quoted(&s)
            ),
        ));
    }
    ClientNo::parse(&s).map_err(|e| with_value(&s, e))
}

/// A 工号: the same rules as `client_no`, at most 20 characters.
pub fn staff_no(raw: &str) -> Result<StaffNo, Invalid> {
    let s = identifier(raw, Field::StaffNo, 20)?;
    StaffNo::parse(&s).map_err(|e| with_value(&s, e))
}

/// `e` with the cell's value quoted before it and a request to correct it after.
fn with_value(s: &str, e: Invalid) -> Invalid {
    Invalid::said(
        e.field,
        format!("{}{}；请核对后改正", quoted(s), e.problem.text(Lang::Zh)),
        format!("{} {}; please correct it", quoted(s), e.problem.text(Lang::En)),
    )
}

/// A phone number in the one form `domain::client::parse_phone` keeps: mobiles `13800138000`,
/// landlines `0371-12345678`, bare local numbers as written. Accepts `+86 138 0013 8000`,
/// `138-0013-8000`, `8613800138000`, `(0371)12345678`, full-width digits, `13800138000.0`.
///
/// Refused: scientific notation (with the 文本 hint), two numbers in one cell, a mobile a digit
/// short or long, other shapes, masked values.
pub fn phone(raw: &str) -> Result<String, Invalid> {
    let c = prepare(raw, Field::Phone, ID_HINT)?;
    parse_phone(strip_point_zero(&c))
}

/// An identity document number in the one form `domain::client::parse_id_number` keeps
/// (GB 11643 resident IDs with their check character, 15-digit old IDs, passports and
/// HK/Macau/Taiwan permits by shape), after cleaning `="…"`, `.0` and full-width digits. Does
/// not know today's date: use `id_number_as_of` to refuse a birth date in the future too.
///
/// Refused: scientific notation (with the 文本 hint), masked values, a wrong check character,
/// an impossible birth date, all-digit numbers other than 18, 15 or 8 digits, other shapes.
pub fn id_number(raw: &str) -> Result<String, Invalid> {
    let c = prepare(raw, Field::IdNumber, ID_HINT)?;
    parse_id_number(strip_point_zero(&c))
}

/// `id_number`, and a resident ID's birth date may not be after `today`.
pub fn id_number_as_of(raw: &str, today: NaiveDate) -> Result<String, Invalid> {
    let id = id_number(raw)?;
    match birthday_from_id(&id) {
        Some(born) if born > today => Err(Invalid::said(
            Field::IdNumber,
            format!("{}中的出生日期 {born} 晚于今天；请对照证件核对后改正", quoted(&id)),
            format!("the birth date {born} in {} is after today: check it against the card", quoted(&id)),
        )),
        _ => Ok(id),
    }
}

/// The unit amounts in a column are written in. Each is a power of ten of fen, so converting
/// is exact integer arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 元
    Yuan,
    /// 千元, as some management reports count.
    Qian,
    /// 万元
    Wan,
    /// 百万元
    BaiWan,
    /// 千万元
    QianWan,
    /// 亿元
    Yi,
}

impl Unit {
    /// How the unit is written in a header or after a value.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::Qian => "千元",
            Unit::Wan => "万元",
            Unit::BaiWan => "百万元",
            Unit::QianWan => "千万元",
            Unit::Yi => "亿元",
        }
    }

    /// One unit is 10^this fen.
    fn fen_exponent(self) -> u32 {
        match self {
            Unit::Yuan => 2,
            Unit::Qian => 5,
            Unit::Wan => 6,
            Unit::BaiWan => 8,
            Unit::QianWan => 9,
            Unit::Yi => 10,
        }
    }
}

/// Unit words as they end a value or a header, longest first so 百万元 is not read as 万元.
const UNIT_WORDS: &[(&str, Unit)] = &[
    ("千万元", Unit::QianWan),
    ("百万元", Unit::BaiWan),
    ("千万", Unit::QianWan),
    ("百万", Unit::BaiWan),
    ("千元", Unit::Qian),
    ("万元", Unit::Wan),
    ("亿元", Unit::Yi),
    ("千", Unit::Qian),
    ("万", Unit::Wan),
    ("亿", Unit::Yi),
    ("元", Unit::Yuan),
];

/// The unit a header names: in brackets (`日均金融资产（万元）`, `(元)`, `金额(亿元)`, `资产【万】`,
/// `余额（单位：万元）`) or as a suffix (`资产万元`). A header that names none is in 元.
pub fn unit_of_header(header: &str) -> Unit {
    let h: String = clean(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '[' | '【' | '〔' | '［' => '(',
            ']' | '】' | '〕' | '］' => ')',
            _ => c,
        })
        .collect();
    // A unit word in brackets, or after 单位, wherever it is.
    for part in h.split('(').skip(1) {
        let inside = part.split(')').next().unwrap_or("");
        let inside = inside.rsplit([':', '：']).next().unwrap_or(inside);
        let inside = inside.strip_prefix("单位").unwrap_or(inside);
        let inside = inside.strip_prefix("人民币").unwrap_or(inside);
        if let Some((_, unit)) = UNIT_WORDS.iter().find(|(word, _)| inside == *word) {
            return *unit;
        }
    }
    let trimmed = h.trim_end_matches(')');
    if let Some((_, unit)) =
        UNIT_WORDS.iter().find(|(word, _)| word.ends_with('元') && trimmed.ends_with(word))
    {
        return *unit;
    }
    Unit::Yuan
}

/// The unit a header states, if it states one: `Ok(Some)` for a unit mingdan converts (元, 千元,
/// 万元, 百万元, 亿元, in brackets, after 单位 or as a suffix), `Ok(None)` when the header names no
/// unit (a bracket such as `（上月）` is not one), `Err` with the text when the header names a
/// unit mingdan cannot convert (`（美元）`, `（USD）`, `(w)`, `（元/日）`): such a column must never
/// be read as 元.
pub fn header_unit(header: &str) -> Result<Option<Unit>, String> {
    const FOREIGN: [&str; 14] =
        ["美元", "港币", "港元", "欧元", "日元", "英镑", "外币", "折", "usd", "hkd", "eur", "jpy", "$", "/"];
    let h: String = clean(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '[' | '【' | '〔' | '［' | '（' => '(',
            ']' | '】' | '〕' | '］' | '）' => ')',
            _ => c,
        })
        .collect();
    let lower = h.to_lowercase();
    for part in lower.split('(').skip(1) {
        let inside = part.split(')').next().unwrap_or("");
        let word = inside.rsplit([':', '：']).next().unwrap_or(inside);
        let word = word.strip_prefix("单位").unwrap_or(word);
        let word = word.strip_prefix("人民币").unwrap_or(word);
        if UNIT_WORDS.iter().any(|(w, _)| *w == word) {
            return Ok(Some(unit_of_header(header)));
        }
        let unit_like = FOREIGN.iter().any(|f| inside.contains(f))
            || inside.contains(['元', '币', '万', '千', '亿'])
            || matches!(inside, "w" | "k" | "m" | "rmb" | "cny");
        if unit_like {
            return Err(inside.to_string());
        }
    }
    let bare = lower.split('(').next().unwrap_or("");
    let bare = bare.trim_end_matches(['/', '／']);
    if let Some(f) = FOREIGN.iter().find(|f| bare.ends_with(**f)) {
        return Err((*f).to_string());
    }
    if let Some((_, u)) = UNIT_WORDS.iter().find(|(w, _)| w.ends_with('元') && bare.ends_with(w)) {
        return Ok(Some(*u));
    }
    // `日均金融资产/万元`, `资产 万元`: the unit after a slash or a space.
    if let Some((_, tail)) = bare.rsplit_once(['/', '／'])
        && let Some((_, u)) = UNIT_WORDS.iter().find(|(w, _)| *w == tail)
    {
        return Ok(Some(*u));
    }
    if let Some(f) = FOREIGN.iter().find(|f| bare.contains(**f)) {
        return Err((*f).to_string());
    }
    Ok(None)
}

/// Largest amount taken: 1000 亿元. More is a unit mistake, not a client's assets.
const MAX_FEN: i128 = 10_000_000_000_000;

/// An amount in fen, exactly: `1,234,567.89` → 123456789; `¥1,234.50`, `￥88,000`, `RMB 5000`,
/// `CNY`, `人民币` and a trailing `元` accepted; `1 234 567` (space groups); `123.4万`,
/// `0.5亿`, `5千元` scaled by their unit; a bare value scaled by the header's `unit`
/// (`52.3` under 万元 is 52.3万). Full-width digits are converted.
///
/// Refused: negative (`-5000`, `(5,000.00)`: assets are not negative); more precise than a fen
/// once scaled (`1234567.891`); thousands separators not in groups of three (`12,34,567`); a
/// unit in the value under a header that names one (ambiguous); more than 1000 亿元; scientific
/// notation (with the 文本 hint); masked values (`200-600万`); anything else not a number.
pub fn amount(raw: &str, unit: Unit) -> Result<Fen, Invalid> {
    const FIELD: Field = Field::Assets;
    let c = prepare(raw, FIELD, NUMBER_HINT)?;
    let q = quoted(raw.trim());
    let not_amount = || {
        Invalid::said(
            FIELD,
            format!("{q}不是金额；请写成数字，如 1,234,567.89、¥88,000 或 123.4万"),
            format!("{q} is not an amount; write a number, as 1,234,567.89, ¥88,000 or 123.4万"),
        )
    };
    let mut s = strip_currency(&c);
    if s.starts_with('-') || s.ends_with('-') || (s.starts_with('(') && s.ends_with(')')) {
        return Err(Invalid::said(
            FIELD,
            format!("{q}是负数；资产不能为负，请核对后改正"),
            format!("{q} is negative; assets cannot be"),
        ));
    }
    s = s.strip_prefix('+').map_or(s, str::trim_start);
    let written_unit =
        UNIT_WORDS.iter().find_map(|(word, u)| s.strip_suffix(word).map(|rest| (rest.trim_end(), *word, *u)));
    let scale = match (written_unit, unit) {
        (None, header) => header,
        (Some((rest, _, written)), Unit::Yuan) => {
            s = rest;
            written
        }
        (Some((_, word, _)), header) => {
            return Err(Invalid::said(
                FIELD,
                format!(
                    "{q}带有单位“{word}”，而列名已写明单位是{}，无法确定金额；请去掉数值中的单位，或去掉列名中的单位",
                    header.label()
                ),
                format!(
                    "{q} has the unit “{word}” while the header says {}; remove the unit from the value or from the header",
                    header.label()
                ),
            ));
        }
    };
    let (int_part, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_amount());
    }
    let int_digits = match ungroup(int_part) {
        Some(Ok(digits)) => digits,
        Some(Err(())) => {
            return Err(Invalid::said(
                FIELD,
                format!("{q}的千位分隔不对（逗号或空格之间应为 3 位数字，如 1,234,567）；请核对金额后改正"),
                format!("{q} has wrong thousands separators (3 digits between them, as 1,234,567)"),
            ));
        }
        None => return Err(not_amount()),
    };
    let exponent = scale.fen_exponent();
    let frac = frac.trim_end_matches('0');
    if frac.len() > exponent as usize {
        return Err(Invalid::said(
            FIELD,
            format!(
                "{q}比 1 分还精确（以{}计最多 {} 位小数）；请四舍五入到分后重新填写",
                scale.label(),
                exponent
            ),
            format!(
                "{q} is finer than a fen (at most {} decimals in {}); round it to the fen",
                exponent,
                scale.label()
            ),
        ));
    }
    let too_large = || {
        Invalid::said(
            FIELD,
            format!("{q}超过了 1000 亿元，不像是一位客户的资产；请核对数值和单位"),
            format!("{q} is over 100 billion yuan, not one client's assets; check the value and unit"),
        )
    };
    let int_digits = int_digits.trim_start_matches('0');
    if int_digits.len() > 15 {
        return Err(too_large());
    }
    let parse = |d: &str| if d.is_empty() { Some(0) } else { d.parse::<i128>().ok() };
    let (Some(int), Some(frac_v)) = (parse(int_digits), parse(frac)) else {
        return Err(not_amount());
    };
    let fen = int * 10i128.pow(exponent) + frac_v * 10i128.pow(exponent - frac.len() as u32);
    if fen > MAX_FEN {
        return Err(too_large());
    }
    i64::try_from(fen).map(Fen).map_err(|_| too_large())
}

/// The value without currency marks before (`¥`, `￥`, `RMB`, `CNY`, `人民币`, with a colon) or
/// after it (`RMB`, `CNY`, `人民币`); 元 is a unit and stays.
fn strip_currency(s: &str) -> &str {
    const MARKS: &[&str] = &["¥", "￥", "RMB", "rmb", "Rmb", "CNY", "cny", "人民币"];
    let mut s = s.trim();
    for mark in MARKS {
        if let Some(rest) = s.strip_prefix(mark) {
            s = rest.trim_start().trim_start_matches([':', '：']).trim_start();
        }
        if let Some(rest) = s.strip_suffix(mark) {
            s = rest.trim_end();
        }
    }
    s
}

/// The digits of an integer part written plainly or in groups of three separated by commas or
/// spaces (`1,234,567`, `1 234 567`). `None` if it is not made of digits and separators,
/// `Some(Err)` if the groups are wrong (`12,34,567`).
fn ungroup(int_part: &str) -> Option<Result<String, ()>> {
    let is_sep = |c: char| c == ',' || c.is_whitespace();
    if int_part.is_empty() || !int_part.chars().all(|c| c.is_ascii_digit() || is_sep(c)) {
        return None;
    }
    if !int_part.chars().any(is_sep) {
        return Some(Ok(int_part.to_string()));
    }
    let groups: Vec<&str> = int_part.split(is_sep).collect();
    let ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups.iter().skip(1).all(|g| g.len() == 3)
        && groups.iter().all(|g| !g.is_empty());
    Some(if ok { Ok(groups.concat()) } else { Err(()) })
}

/// Last day a date may fall on; later years are typing slips.
const LAST_YEAR: i32 = 2099;
const FIRST_YEAR: i32 = 1900;

/// What a date or date-time cell holds once read.
enum When {
    /// A day, with the time written after it if any.
    Day(NaiveDate, Option<NaiveTime>),
    /// An Excel serial number with a fraction: the day and the fraction's digits.
    SerialWithFraction(NaiveDate, String),
}

/// A day as Excel's 1900 date system numbers it: 1 is 1900-01-01. Excel, copying Lotus 1-2-3,
/// counts a 29 February 1900 (serial 60) that never was, so from 61 on a serial is one more
/// than the days since 1899-12-31.
fn excel_serial_date(serial: u64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 31)?;
    match serial {
        1..=59 => base.checked_add_days(Days::new(serial)),
        61.. => base.checked_add_days(Days::new(serial - 1)),
        _ => None,
    }
}

/// Chinese date and time words as separators: `2024年1月5日 14时30分` → `2024-1-5 14:30:`.
fn unchinese(c: &str) -> String {
    let mut s = String::with_capacity(c.len());
    for ch in c.chars() {
        match ch {
            '年' | '月' => s.push('-'),
            '日' | '号' => s.push(' '),
            '时' | '点' | '分' => s.push(':'),
            '秒' => {}
            _ => s.push(ch),
        }
    }
    s
}

/// Morning/afternoon words, removed from `s`: `Some(false)` before noon, `Some(true)` after.
fn take_half_day(s: &mut String) -> Option<bool> {
    const WORDS: &[(&str, bool)] = &[
        ("上午", false),
        ("早上", false),
        ("凌晨", false),
        ("AM", false),
        ("am", false),
        ("下午", true),
        ("中午", true),
        ("晚上", true),
        ("PM", true),
        ("pm", true),
    ];
    let (word, pm) = WORDS.iter().find(|(w, _)| s.contains(w))?;
    *s = s.replacen(word, " ", 1);
    Some(*pm)
}

fn bad_date(field: Field, q: &str) -> Invalid {
    Invalid::said(
        field,
        format!("{q}不是日期；请写成 2024-01-05、2024/1/5 或 2024年1月5日"),
        format!("{q} is not a date; write 2024-01-05, 2024/1/5 or 2024年1月5日"),
    )
}

/// Reads a date or date-time cell; `field` and `q` (the quoted cell) for messages.
fn read_when(c: &str, field: Field, q: &str) -> Result<When, Invalid> {
    let mut s = unchinese(c);
    let half_day = take_half_day(&mut s);
    let s = s.trim();
    // The date and the time are apart by spaces or a T between digits (ISO 8601).
    let (date_part, time_part) = match s.split_once(char::is_whitespace) {
        Some((d, t)) => (d, Some(t.trim())),
        None => match s.split_once('T') {
            Some((d, t)) if d.ends_with(|c: char| c.is_ascii_digit()) => (d, Some(t)),
            _ => (s, None),
        },
    };
    let date_part = strip_point_zero(date_part.trim_end_matches('-'));
    let time_part = time_part.filter(|t| !t.is_empty());
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    // Excel serial numbers: a whole number, perhaps with a fraction for the time of day.
    let (int, frac) = date_part.split_once('.').unwrap_or((date_part, ""));
    if time_part.is_none() && all_digits(int) && (frac.is_empty() || all_digits(frac)) && int.len() != 8 {
        if int.len() == 4 && (1800..=2200).contains(&int.parse::<u32>().unwrap_or(0)) {
            return Err(Invalid::said(
                field,
                format!("{q}只有年份；请写完整的日期，如 1975-03-12"),
                format!("{q} is a year alone; write the whole date, as 1975-03-12"),
            ));
        }
        let serial: u64 = int.parse().unwrap_or(0);
        if serial == 60 {
            return Err(Invalid::said(
                field,
                format!(
                    "{q}是 Excel 的日期序号 60，即 Excel 虚构的 1900-02-29，这一天并不存在；请核对后改正"
                ),
                format!("{q} is Excel's day number 60, the 1900-02-29 that never was; please correct it"),
            ));
        }
        // Short numbers are more likely a slip (a day, an age) than a date before 1927; a real
        // serial of a date this century has five digits.
        if int.len() < 5 {
            return Err(Invalid::said(
                field,
                format!(
                    "{q}不是日期（若是 Excel 的日期序号，请在 Excel 中把该列设为日期格式后重新导出）；请写成 2024-01-05"
                ),
                format!(
                    "{q} is not a date (an Excel day number? format the column as a date and export again); write 2024-01-05"
                ),
            ));
        }
        let day =
            excel_serial_date(serial).filter(|d| d.year() <= LAST_YEAR).ok_or_else(|| bad_date(field, q))?;
        return Ok(if frac.bytes().all(|b| b == b'0') {
            When::Day(day, None)
        } else {
            When::SerialWithFraction(day, frac.to_string())
        });
    }
    let (y, m, d) = if all_digits(date_part) && date_part.len() == 8 {
        (&date_part[..4], &date_part[4..6], &date_part[6..])
    } else {
        let sep =
            ['-', '/', '.'].into_iter().find(|s| date_part.contains(*s)).ok_or_else(|| bad_date(field, q))?;
        let parts: Vec<&str> = date_part.split(sep).collect();
        let [a, b, c] = parts[..] else {
            return Err(bad_date(field, q));
        };
        if ![a, b, c].iter().all(|p| all_digits(p) && p.len() <= 4) {
            return Err(bad_date(field, q));
        }
        match (a.len(), c.len()) {
            (4, 1..=2) if b.len() <= 2 => (a, b, c),
            (1..=2, 4) if b.len() <= 2 => {
                return Err(Invalid::said(
                    field,
                    format!("{q}分不清是“月/日/年”还是“日/月/年”；请按 年-月-日 书写，如 2024-01-05"),
                    format!(
                        "{q} could be month/day/year or day/month/year; write year-month-day, as 2024-01-05"
                    ),
                ));
            }
            (1..=2, 1..=2) if b.len() <= 2 => {
                return Err(Invalid::said(
                    field,
                    format!("{q}的年份只有两位，分不清是哪个世纪；请写四位年份，如 2024-01-05"),
                    format!("{q} has a two-digit year; write all four, as 2024-01-05"),
                ));
            }
            _ => return Err(bad_date(field, q)),
        }
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(bad_date(field, q));
    };
    if !(FIRST_YEAR..=LAST_YEAR).contains(&y) {
        return Err(Invalid::said(
            field,
            format!("{q}的年份 {y} 不在 {FIRST_YEAR}–{LAST_YEAR} 之间；请核对后改正"),
            format!("the year {y} of {q} is not within {FIRST_YEAR}–{LAST_YEAR}"),
        ));
    }
    let day = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        Invalid::said(
            field,
            format!("{q}不是真实存在的日期（如 2 月没有 30 日、没有 13 月）；请核对后改正"),
            format!("{q} is not a real day (no 30 February, no month 13)"),
        )
    })?;
    let time = match time_part {
        None => None,
        Some(t) => Some(read_time(t, half_day).ok_or_else(|| {
            Invalid::said(
                field,
                format!("{q}中的时刻不对（时为 0–23，分和秒为 0–59）；请写成 14:30 这样的形式"),
                format!("the time in {q} is wrong (hours 0–23, minutes and seconds 0–59); write it as 14:30"),
            )
        })?),
    };
    Ok(When::Day(day, time))
}

/// `14:30`, `14:30:15`, `14:30:15.000`, `2:30` with `Some(true)` (下午) = 14:30; `14:` and
/// `14:30:` as left by 时/点/分 (an hour alone only so, or after 上午/下午).
fn read_time(t: &str, half_day: Option<bool>) -> Option<NaiveTime> {
    let (t, marked) = match t.strip_suffix(':') {
        Some(rest) => (rest, true),
        None => (t, false),
    };
    let parts: Vec<&str> = t.split(':').collect();
    let number = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let (h, m, sec) = match parts[..] {
        [h] if marked || half_day.is_some() => (number(h)?, 0, 0),
        [h, m] => (number(h)?, number(m)?, 0),
        [h, m, s] => {
            // Fractions of a second are dropped: nothing here is timed that finely.
            let whole = s
                .split_once('.')
                .map_or(s, |(w, f)| if f.bytes().all(|b| b.is_ascii_digit()) { w } else { "x" });
            (number(h)?, number(m)?, number(whole)?)
        }
        _ => return None,
    };
    let h = match half_day {
        Some(true) if (1..=11).contains(&h) => h + 12,
        Some(false) if h == 12 => 0,
        _ => h,
    };
    NaiveTime::from_hms_opt(h, m, sec)
}

/// A date: `2024-01-05`, `2024/1/5`, `2024.1.5`, `20240105`, `2024年1月5日`, with a time after
/// it or not (`2024-01-05 00:00:00`, `2024/01/05 0:00`; the time is dropped), or an Excel
/// serial number of the 1900 date system, whole or with `.0` (`45296` = 2024-01-05).
///
/// Refused: two-digit years (`24-1-5`, `1/5/24`), month/day order that cannot be told
/// (`1/5/2024`), impossible dates (`2023-02-29`, `2024-13-01`), years outside 1900–2099, a year
/// alone, serial 60 (Excel's non-existent 1900-02-29), serials with a fraction.
pub fn date(raw: &str) -> Result<NaiveDate, Invalid> {
    const FIELD: Field = Field::Date;
    let c = prepare(raw, FIELD, NUMBER_HINT)?;
    let q = quoted(raw.trim());
    match read_when(&c, FIELD, &q)? {
        When::Day(day, _) => Ok(day),
        When::SerialWithFraction(..) => Err(Invalid::said(
            FIELD,
            format!(
                "{q}是带小数的 Excel 日期序号（含时刻）；此列只要日期，请在 Excel 中把该列设为日期格式后重新导出"
            ),
            format!(
                "{q} is an Excel day number with a time; this column takes a date only: format it as a date and export again"
            ),
        )),
    }
}

/// A date that has already happened (birth date, sticker date): `date`, and refused if after `today`.
pub fn past_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let day = date(raw)?;
    if day > today {
        return Err(Invalid::said(
            Field::Date,
            format!("{}晚于今天（{today}）；这个日期不会在将来，请核对后改正", quoted(raw.trim())),
            format!("{} is after today ({today}); this date cannot be in the future", quoted(raw.trim())),
        ));
    }
    Ok(day)
}

/// A contact time: a date as `date` reads it with a time after it (`2026-11-05 14:30`,
/// `2026/11/5 14:30:00`, `2026年11月5日 14:30`, `2026年11月5日 下午2点30分`), or an Excel serial
/// number with a fraction (`45296.5` = 2024-01-05 12:00), rounded to the second.
///
/// Refused: a date without a time, and a time of exactly 0:00 (what a date-only cell shows when
/// formatted with a time; nobody is called at midnight); whatever `date` refuses.
pub fn date_time(raw: &str) -> Result<NaiveDateTime, Invalid> {
    const FIELD: Field = Field::ContactTime;
    let c = prepare(raw, FIELD, NUMBER_HINT)?;
    let q = quoted(raw.trim());
    let at = match read_when(&c, FIELD, &q)? {
        When::Day(_, None) => {
            return Err(Invalid::said(
                FIELD,
                format!("{q}只有日期，没有时刻；请写上联系的时刻，如 2026-11-05 14:30"),
                format!("{q} has a date but no time; add the time of the contact, as 2026-11-05 14:30"),
            ));
        }
        When::Day(day, Some(time)) => day.and_time(time),
        When::SerialWithFraction(day, frac) => {
            // Exact: the fraction's digits (18 are far below a second) times the day's seconds.
            let digits = &frac[..frac.len().min(18)];
            let scale = 10i128.pow(digits.len() as u32);
            let numerator: i128 = digits.parse().map_err(|_| bad_date(FIELD, &q))?;
            let seconds = (numerator * 86_400 * 2 + scale) / (2 * scale);
            let seconds = u64::try_from(seconds).map_err(|_| bad_date(FIELD, &q))?;
            day.and_time(NaiveTime::MIN)
                .checked_add_signed(chrono::TimeDelta::seconds(seconds as i64))
                .ok_or_else(|| bad_date(FIELD, &q))?
        }
    };
    if at.time() == NaiveTime::MIN {
        return Err(Invalid::said(
            FIELD,
            format!("{q}的时刻是 0:00，像是只有日期；请写上联系的时刻，如 2026-11-05 14:30"),
            format!("{q} is at 0:00, which looks like a date alone; add the time, as 2026-11-05 14:30"),
        ));
    }
    Ok(at)
}

/// A person's name in the one form `domain::staff::parse_person_name` keeps (middle dots as one
/// `·`, spaces collapsed, at most 60 characters), after cleaning full-width letters and Excel's
/// wrappers.
///
/// Refused: `?`, `？` or U+FFFD (a character Excel's GBK save could not hold: the real name is
/// lost, so it must not replace a stored one), masked names (`张*`), and what
/// `parse_person_name` refuses.
pub fn person_name(raw: &str) -> Result<String, Invalid> {
    const FIELD: Field = Field::Name;
    // A full-width full stop in a name is a middle dot; `clean` would make it an ASCII one.
    let dotted: String = raw.chars().map(|c| if c == '．' { '·' } else { c }).collect();
    let c = clean(&dotted);
    let q = quoted(raw.trim());
    if let Some(lost) = c.chars().find(|c| matches!(c, '?' | '\u{FFFD}')) {
        return Err(Invalid::said(
            FIELD,
            format!(
                "{q}含有“{lost}”，是 Excel 保存为 GBK 时无法保存的字，原字已丢失；请在 Excel 中“另存为 → CSV UTF-8”后重新导出"
            ),
            format!(
                "{q} holds “{lost}”, a character Excel could not save as GBK and lost; save as CSV UTF-8 and export again"
            ),
        ));
    }
    refuse_lost_values(raw, &c, FIELD, NUMBER_HINT)?;
    // Other ways reports hide a name: 张○, 李××, 陈某.
    const HIDING: [char; 10] = ['×', '✕', 'Ⅹ', '○', '◯', '〇', '●', '■', '□', '＿'];
    // `李XX`: Latin X after a Chinese surname hides the given name; a Latin name (Xu Xin) has no
    // Chinese character beside it.
    let han = c.chars().any(crate::domain::staff::is_han);
    let hidden = c.chars().any(|ch| HIDING.contains(&ch))
        || c.chars().skip(1).any(|ch| ch == '某')
        || (han && c.chars().any(|ch| matches!(ch, 'X' | 'x' | 'Ｘ' | 'ｘ')));
    if hidden {
        return Err(Invalid::said(
            FIELD,
            format!("{q}是遮蔽后的姓名，不能导入（不会用它覆盖真实姓名）；请用未遮蔽的名单导入"),
            format!(
                "{q} is a masked name and is not imported (it would replace the real one); import an unmasked list"
            ),
        ));
    }
    // `张伟（VIP）`: a remark in the name cell would become part of the name.
    if c.chars().any(|ch| "()（）[]【】<>《》".contains(ch)) {
        return Err(Invalid::said(
            FIELD,
            format!("{q}中有括号，不像姓名；备注请另列一栏，姓名栏只填姓名"),
            format!("{q} has brackets and is no name; put remarks in a column of their own"),
        ));
    }
    if !c.chars().any(char::is_alphabetic) {
        return Err(Invalid::said(FIELD, format!("{q}不是姓名；请填写姓名"), format!("{q} is not a name")));
    }
    parse_person_name(FIELD, &c)
}

/// 自办业务比例 in tenths of a percent: `85%` and `85.3` are percentages, `0.853` and `0.9`
/// fractions (a bare number up to 1), `60` is 60%, `1` is 100%. Refused: above 100% (`120%`),
/// negative, not a number, scientific notation, masked values.
pub fn ratio_permille(raw: &str) -> Result<u16, Invalid> {
    ratio_permille_exact(raw).map(|(p, _)| p)
}

/// `ratio_permille`, and whether the figure was finer than 0.1% and was cut to it.
pub fn ratio_permille_exact(raw: &str) -> Result<(u16, bool), Invalid> {
    let c = prepare(raw, Field::SelfServiceRatio, NUMBER_HINT)?;
    let compact: String = c.chars().filter(|c| !c.is_whitespace()).collect();
    crate::domain::client::parse_self_service_exact(&compact)
}

/// 理财产品数: a whole number (`2`, `2.0`, `2个`), or 有 (1) / 无 (0) and the other yes/no words
/// of `yes_no`. Refused: fractions, negatives, more than 65535, other words.
pub fn count(raw: &str) -> Result<u16, Invalid> {
    const FIELD: Field = Field::WealthProducts;
    let c = prepare(raw, FIELD, NUMBER_HINT)?;
    let q = quoted(raw.trim());
    let s = strip_point_zero(&c);
    let s = s.strip_suffix(['个', '只', '支']).unwrap_or(s).trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let digits = s.trim_start_matches('0');
        return match digits.parse::<u16>() {
            Ok(n) => Ok(n),
            Err(_) if digits.is_empty() => Ok(0),
            Err(_) => Err(Invalid::said(
                FIELD,
                format!("{q}太大了，不像是产品个数；请核对后改正"),
                format!("{q} is too large for a count of products"),
            )),
        };
    }
    match yes_no_word(s) {
        Some(b) => Ok(u16::from(b)),
        None => Err(Invalid::said(
            FIELD,
            format!("{q}不是产品个数；请写整数（如 2），或写 有 / 无"),
            format!("{q} is not a count of products; write a whole number (2), or 有 / 无"),
        )),
    }
}

/// A yes/no cell: 是/否, Y/N, yes/no, 1/0, TRUE/FALSE, T/F, 有/无, 已开通/未开通, 已办理/未办理,
/// 已贴标/未贴标, 已签约/未签约, √/×, ✔/✗ (any case, `1.0` too).
///
/// Refused: anything else (an `X` among them: some tick a box with it, some cross it out).
pub fn yes_no(raw: &str) -> Result<bool, Invalid> {
    const FIELD: Field = Field::YesNo;
    let c = prepare(raw, FIELD, NUMBER_HINT)?;
    yes_no_word(strip_point_zero(&c)).ok_or_else(|| {
        Invalid::said(
            FIELD,
            format!("{}应为 是 或 否（也可写 Y/N、1/0、有/无、已开通/未开通）；请改正", quoted(raw.trim())),
            format!("{} should be yes or no (是/否, Y/N, 1/0, 有/无, 已开通/未开通)", quoted(raw.trim())),
        )
    })
}

fn yes_no_word(s: &str) -> Option<bool> {
    let s = s.trim().to_lowercase();
    match s.as_str() {
        "" => None,
        "已贴标" | "已签约" | "签约" | "开通" | "已开" | "已有" | "✔" | "☑" | "t" => {
            Some(true)
        }
        "未贴标" | "未签约" | "未开" | "没有" | "✗" | "✘" | "☒" | "f" => Some(false),
        // The domain's words; its message is not used, so its field name does not matter.
        other => parse_yes_no(Field::YesNo, other).ok(),
    }
}

#[cfg(test)]
mod tests;
