use super::*;
use crate::domain::client::{IdKind, display_permille, id_kind, resident_id_check_char};
use crate::domain::mask::asset_band;
use chrono::NaiveDate;
use proptest::prelude::*;

/// The reason a value was refused; fails the test if it was accepted.
fn reason<T: std::fmt::Debug>(r: Result<T, Invalid>) -> String {
    match r {
        Ok(v) => panic!("accepted as {v:?}"),
        Err(e) => e.problem.to_string(),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
    day(y, mo, d).and_hms_opt(h, mi, s).unwrap()
}

/// A valid 18-character resident ID born on `born`.
fn resident_id(region: &str, born: NaiveDate, seq: &str) -> String {
    let first17 = format!("{region}{}{seq}", born.format("%Y%m%d"));
    format!("{first17}{}", resident_id_check_char(&first17).unwrap())
}

const TEXT_HINT: &str = "被 Excel 转成了科学计数法，原号码已丢失；请在 Excel 中把该列设为“文本”后重新导出";
const GBK_HINT: &str =
    "是 Excel 保存为 GBK 时无法保存的字，原字已丢失；请在 Excel 中“另存为 → CSV UTF-8”后重新导出";

// ---- clean, is_scientific, is_masked ----

#[test]
fn clean_removes_excel_wrappers_and_full_width_forms() {
    assert_eq!(clean("=\"6201001831\""), "6201001831");
    assert_eq!(clean("\"=\"\"6201001831\"\"\""), "6201001831", "the CSV form if it arrives still quoted");
    assert_eq!(clean("'0123"), "0123");
    assert_eq!(clean(" =\" 0123 \" "), "0123");
    assert_eq!(clean("６２０１００１８３１"), "6201001831");
    assert_eq!(clean("ＡＢｃ　ｘ"), "ABc x");
    assert_eq!(clean("（０３７１）－１２３４＋：／，．"), "(0371)-1234+:/,.");
    assert_eq!(clean("\u{feff}\u{200b}6201\u{00a0}"), "6201");
    assert_eq!(clean("138\u{2010}0013\u{2013}8000"), "138-0013-8000");
    assert_eq!(clean("6201001841.0"), "6201001841.0", ".0 is per column");
    assert_eq!(clean("张伟"), "张伟");
}

#[test]
fn scientific_notation_is_recognised_in_every_form_excel_writes() {
    for s in [
        "4.10101E+17",
        "1.23457E+06",
        "5e5",
        "1E+15",
        "6.20101E+15",
        "1.38001E+10",
        "1.5E-05",
        "４．１Ｅ＋１７",
    ] {
        assert!(is_scientific(s), "{s}");
    }
    for s in ["E12345678", "6201001831", "1e", "e5", "2024-01-05", "", "1.2.3E5", "EA1234567"] {
        assert!(!is_scientific(s), "{s}");
    }
}

#[test]
fn masked_values_of_our_own_export_are_recognised() {
    for s in [
        "150****5678",
        "4101**********003X",
        "200-600万",
        "5万以下",
        "600万以上",
        "10-50万",
        "50万-200万元",
        "200～600万",
        "张*",
        "138＊＊＊＊8000",
    ] {
        assert!(is_masked(s), "{s}");
    }
    for w in [0, 5, 10, 50, 200, 600, 5000] {
        let label = asset_band(Fen::wan(w)).label();
        assert!(is_masked(&label), "{label}: every band label the export writes");
    }
    for s in ["123.4万", "5万", "13800138000", "2024-01-05", "0371-12345678", "200-600", "1,234,567.89"] {
        assert!(!is_masked(s), "{s}");
    }
}

// ---- identifiers ----

#[test]
fn client_numbers_lose_excel_wrappers_and_decimal_zeros() {
    assert_eq!(client_no("=\"6201001831\"").unwrap().as_str(), "6201001831");
    assert_eq!(client_no("6201001841.0").unwrap().as_str(), "6201001841");
    assert_eq!(client_no("6201001841.00").unwrap().as_str(), "6201001841");
    assert_eq!(client_no("６２０１００１８４１").unwrap().as_str(), "6201001841");
    assert_eq!(
        client_no(" 6201001202 ").unwrap().as_str(),
        "6201001202",
        "spaces around are not another client"
    );
    assert_eq!(client_no("'0062010018").unwrap().as_str(), "0062010018", "leading zeros kept");
    assert_eq!(client_no("C014").unwrap().as_str(), "C014");
}

#[test]
fn client_numbers_excel_destroyed_or_our_mask_hid_are_refused() {
    assert_eq!(reason(client_no("6.20101E+15")), format!("“6.20101E+15”{TEXT_HINT}"));
    assert!(reason(client_no("6201 001831")).contains("空格"));
    assert!(reason(client_no("6201001841.5")).contains("小数"));
    assert!(reason(client_no("6201****31")).contains("遮蔽后的值"));
    assert!(reason(client_no("#N/A")).contains("错误值"));
    assert!(reason(client_no("=\"\"")).contains("空"));
    assert!(reason(client_no(&"9".repeat(33))).contains("最多 32"));
}

#[test]
fn staff_numbers_follow_the_same_rules() {
    assert_eq!(staff_no("=\"1002\"").unwrap().as_str(), "1002");
    assert_eq!(staff_no("1002.0").unwrap().as_str(), "1002");
    assert_eq!(
        staff_no("01002").unwrap().as_str(),
        "01002",
        "matching 1002 numerically is the service's job"
    );
    assert_eq!(staff_no("００１２３").unwrap().as_str(), "00123");
    assert_eq!(reason(staff_no("1.002E+03")), format!("“1.002E+03”{TEXT_HINT}"));
    assert!(reason(staff_no(&"1".repeat(21))).contains("最多 20"));
}

// ---- phones ----

#[test]
fn every_way_of_writing_a_mobile_stores_the_same_eleven_digits() {
    for s in [
        "+86 138 0013 8000",
        "138-0013-8000",
        "１３８００１３８０００",
        "8613800138000",
        "138 0013 8000",
        "13800138000.0",
        "+8613800138000",
        "+86-138-0013-8000",
        "0086 138 0013 8000",
        "=\"13800138000\"",
        "'13800138000",
    ] {
        assert_eq!(phone(s), Ok("13800138000".into()), "{s}");
    }
}

#[test]
fn landlines_are_written_with_a_dash_after_the_area_code() {
    for s in
        ["0371-12345678", "(0371)12345678", "037112345678", "0371 12345678", "（０３７１）１２３４５６７８"]
    {
        assert_eq!(phone(s), Ok("0371-12345678".into()), "{s}");
    }
    assert_eq!(phone("+86 371 1234 5678"), Ok("0371-12345678".into()), "from abroad the 0 is dropped");
    assert_eq!(phone("0371-1234567"), Ok("0371-1234567".into()), "7-digit local number");
    assert_eq!(phone("01012345678"), Ok("010-12345678".into()), "010 is a three-digit code");
    assert_eq!(phone("021-1234567"), Ok("021-1234567".into()), "02X is a three-digit code");
    assert_eq!(phone("075512345678"), Ok("0755-12345678".into()));
    assert_eq!(phone("12345678"), Ok("12345678".into()), "a bare local number as is");
    assert_eq!(phone("6388123"), Ok("6388123".into()));
}

#[test]
fn phones_that_are_not_one_whole_number_are_refused() {
    assert!(reason(phone("1380013800")).contains("10 位"), "a mobile a digit short");
    assert!(reason(phone("138001380001")).contains("12 位"));
    assert_eq!(reason(phone("1.38001E+10")), format!("“1.38001E+10”{TEXT_HINT}"));
    for two in [
        "13800138000/13900139000",
        "13800138000、13900139000",
        "13800138000;13900139000",
        "13800138000；13900139000",
        "13800138000 13900139000",
        "0371-12345678,13800138000",
    ] {
        assert!(reason(phone(two)).contains("一个单元格只能填一个号码"), "{two}");
    }
    assert!(reason(phone("150****5678")).contains("遮蔽后的值"));
    for bad in
        ["12345", "0371-123456", "0371-123456789", "12800138000", "+852 9123 4567", "138001380OO", "转801"]
    {
        assert!(phone(bad).is_err(), "{bad}");
    }
}

// ---- identity documents ----

#[test]
fn id_numbers_of_the_fixture_file_08() {
    assert_eq!(reason(id_number("4.10101E+17")), format!("“4.10101E+17”{TEXT_HINT}"));
    assert_eq!(id_number("41010519790909018x"), Ok("41010519790909018X".into()));
    assert_eq!(id_number("410105800303771"), Ok("410105800303771".into()), "15-digit old ID");
    assert!(reason(id_number("410105198003030770")).contains("校验位不对"));
    let want = Ok("410105198003030775".to_string());
    assert_eq!(id_number(" 410105 19800303 0775 "), want, "spaces inside removed, then checked");
    assert_eq!(id_number("=\"410105198003030775\""), want);
    assert_eq!(id_number("410105198003030775.0"), want);
    // The file's full-width cell has 17 characters: converted, then refused as an ID a digit short.
    let converted = reason(id_number("４１０１０５１９８００３０３７７5"));
    assert!(converted.starts_with("“41010519800303775”是 17 位数字"), "{converted}");
    assert_eq!(
        id_number("４１０１０５１９８００３０３０７７5"),
        want,
        "full-width digits converted, then checked"
    );
    assert_eq!(id_number("G12345678"), Ok("G12345678".into()));
    assert_eq!(id_kind("G12345678"), Some(IdKind::ChinesePassport));
    // Nothing is ever stored with =, ", .0 or full-width digits.
    for s in ["=\"41010519790909018x\"", "410105800303771.0", "Ｇ１２３４５６７８"] {
        let id = id_number(s).unwrap();
        assert!(id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{s} → {id}");
    }
}

#[test]
fn wrong_or_masked_id_numbers_are_refused() {
    assert!(reason(id_number("4101**********003X")).contains("遮蔽后的值"));
    assert!(reason(id_number("41010519800303077")).contains("17 位"), "a resident ID missing a digit");
    assert!(reason(id_number("4101051980030307751")).contains("19 位"));
    assert!(reason(id_number("123456789")).contains("9 位"));
    assert!(reason(id_number("410105801303771")).contains("不是真实的日期"), "15-digit ID born in month 13");
    let feb30 = format!("4101051980023000{}", "1");
    let first17 = &feb30[..17];
    let bad_day = format!("{first17}{}", resident_id_check_char(first17).unwrap());
    assert!(reason(id_number(&bad_day)).contains("不是真实的日期"), "{bad_day}");
    for bad in ["123456789012345号", "ABCDEFGH", "UNKNOWN", "E1234", "41010519800303077A", "G-1234567"] {
        assert!(id_number(bad).is_err(), "{bad}");
    }
}

#[test]
fn passports_and_permits_are_accepted_by_their_shape() {
    let kinds = [
        ("E12345678", IdKind::ChinesePassport),
        ("EA1234567", IdKind::ChinesePassport),
        ("D1234567", IdKind::ChinesePassport),
        ("S12345678", IdKind::ChinesePassport),
        ("P1234567", IdKind::ChinesePassport),
        ("H12345678", IdKind::HkMacauPermit),
        ("H1234567890", IdKind::HkMacauPermit),
        ("M12345678", IdKind::HkMacauPermit),
        ("CA1234567", IdKind::HkMacauPermit),
        ("12345678", IdKind::TaiwanPermit),
        ("1234567B89", IdKind::TaiwanPermit),
        ("PE12345678", IdKind::ForeignPassport),
        ("X1234567", IdKind::ForeignPassport),
        ("AB123456789", IdKind::ForeignPassport),
        ("11010519491231002X", IdKind::Resident),
        ("410105800303771", IdKind::Resident15),
    ];
    for (s, kind) in kinds {
        assert_eq!(id_kind(s), Some(kind), "{s}");
        assert_eq!(id_number(s), Ok(s.to_string()), "{s}");
    }
    assert_eq!(id_number("g 1234 5678"), Ok("G12345678".into()));
    assert_eq!(id_kind("A1234567890"), None, "one letter and ten more is too long for a passport");
}

#[test]
fn a_birth_date_in_the_future_is_refused_once_today_is_known() {
    let id = resident_id("410105", day(2030, 1, 1), "001");
    assert_eq!(id_number(&id), Ok(id.clone()), "without today only the date itself is checked");
    assert!(reason(id_number_as_of(&id, day(2026, 1, 1))).contains("晚于今天"));
    assert_eq!(id_number_as_of(&id, day(2030, 1, 1)), Ok(id.clone()));
    assert_eq!(id_number_as_of("G12345678", day(2026, 1, 1)), Ok("G12345678".into()));
}

// ---- amounts ----

#[test]
fn amounts_of_the_fixture_file_10() {
    let yuan = |s: &str| amount(s, Unit::Yuan);
    assert_eq!(yuan("1,234,567.89"), Ok(Fen(123_456_789)));
    assert_eq!(yuan("¥1,234.50"), Ok(Fen(123_450)));
    assert_eq!(yuan("123.4万"), Ok(Fen(123_400_000)), "1,234,000.00 元");
    assert!(reason(yuan("-5000")).contains("资产不能为负"));
    assert_eq!(yuan("￥88,000"), Ok(Fen(8_800_000)));
    assert!(reason(yuan("1234567.891")).contains("比 1 分还精确"));
    assert!(reason(yuan("1.23457E+06")).contains("文本"));
    assert!(reason(yuan("12,34,567")).contains("千位分隔不对"));
    assert_eq!(yuan("1 234 567"), Ok(Fen(123_456_700)));
    assert_eq!(yuan("RMB 5000"), Ok(Fen(500_000)));
    assert_eq!(yuan("５００００"), Ok(Fen(5_000_000)), "full-width digits");
    assert!(reason(yuan("(5,000.00)")).contains("资产不能为负"));
    assert_eq!(yuan("1,234.5元"), Ok(Fen(123_450)));
    assert_eq!(yuan("0.5亿"), Ok(Fen(5_000_000_000)));
    assert_eq!(yuan(" 500000 "), Ok(Fen(50_000_000)));
    assert!(reason(yuan("5e5")).contains("文本"));
}

#[test]
fn amounts_in_other_written_forms() {
    let yuan = |s: &str| amount(s, Unit::Yuan);
    assert_eq!(yuan("523,456.78"), Ok(Fen(52_345_678)));
    assert_eq!(yuan("CNY5000"), Ok(Fen(500_000)));
    assert_eq!(yuan("人民币5000元"), Ok(Fen(500_000)));
    assert_eq!(yuan("5000 RMB"), Ok(Fen(500_000)));
    assert_eq!(yuan("RMB：5,000.00"), Ok(Fen(500_000)));
    assert_eq!(yuan("88.5万元"), Ok(Fen(88_500_000)));
    assert_eq!(yuan("5千元"), Ok(Fen(500_000)));
    assert_eq!(yuan("1.000"), Ok(Fen(100)), "zeros beyond the fen change nothing");
    assert_eq!(yuan("0"), Ok(Fen(0)));
    assert_eq!(yuan("0.000001万"), Ok(Fen(1)));
    assert!(reason(yuan("0.0000001万")).contains("比 1 分还精确"));
    assert!(reason(yuan("−5000")).contains("资产不能为负"), "the minus sign U+2212");
    assert!(reason(yuan("¥-5,000")).contains("资产不能为负"));
    assert!(reason(yuan("200-600万")).contains("遮蔽后的值"));
    assert!(reason(yuan("200000000000")).contains("1000 亿元"));
    for bad in ["abc", "1.2.3", "$5000", "5000 USD", "1,234.5.6", ",123", "12万3千", "."] {
        assert!(yuan(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_header_names_the_unit_and_scales_exactly() {
    for (header, unit) in [
        ("日均金融资产（万元）", Unit::Wan),
        ("日均金融资产(元)", Unit::Yuan),
        ("金额(亿元)", Unit::Yi),
        ("资产万元", Unit::Wan),
        ("日均金融资产", Unit::Yuan),
        ("日均金融资产（元）", Unit::Yuan),
        ("余额（单位：万元）", Unit::Wan),
        ("资产【万】", Unit::Wan),
        ("金额（百万元）", Unit::BaiWan),
        ("金额(千元)", Unit::Qian),
        ("金额 [亿]", Unit::Yi),
        ("存款余额千万元", Unit::QianWan),
    ] {
        assert_eq!(unit_of_header(header), unit, "{header}");
    }
    assert_eq!(amount("52.3", Unit::Wan), Ok(Fen(52_300_000)), "52.3万, not 52.30 元");
    assert_eq!(amount("1.5", Unit::Yi), Ok(Fen(15_000_000_000)));
    assert_eq!(amount("1,200", Unit::Qian), Ok(Fen(120_000_000)));
    assert_eq!(amount("0.000001", Unit::Wan), Ok(Fen(1)));
    assert!(reason(amount("0.0000001", Unit::Wan)).contains("以万元计最多 6 位小数"));
    let ambiguous = reason(amount("123.4万", Unit::Wan));
    assert!(ambiguous.contains("无法确定") && ambiguous.contains("万元"), "{ambiguous}");
    assert!(amount("5000元", Unit::Wan).is_err(), "a unit in the value under a header naming one");
}

// ---- dates ----

#[test]
fn dates_in_every_form_spreadsheets_write_them() {
    for s in [
        "2024-01-05",
        "2024/1/5",
        "2024-01-05 00:00:00",
        "2024/01/05 0:00",
        "2024年1月5日",
        "2024年01月05日 00:00:00",
        "2024.1.5",
        "20240105",
        "20240105.0",
        "45296",
        "45296.0",
        "２０２４－０１－０５",
        "2024-01-05T00:00:00",
        "2024-01-05 14:30",
    ] {
        assert_eq!(date(s), Ok(day(2024, 1, 5)), "{s}");
    }
    assert_eq!(date("2025/3/1"), Ok(day(2025, 3, 1)));
    assert_eq!(date("1975-03-12"), Ok(day(1975, 3, 12)));
}

#[test]
fn excel_serial_numbers_follow_the_1900_date_system() {
    // Serials before 1927 have fewer than five digits: a slip (a day, an age), not a date.
    for slip in ["1", "59", "61", "105", "9999"] {
        assert!(reason(date(slip)).contains("日期格式"), "{slip}");
    }
    assert!(reason(date("60")).contains("1900-02-29"), "Excel's day that never was");
    assert_eq!(date("10000"), Ok(day(1927, 5, 18)));
    assert_eq!(date("36526"), Ok(day(2000, 1, 1)));
    assert_eq!(date("73050"), Ok(day(2099, 12, 31)));
    assert!(date("0").is_err());
    assert!(date("73051").is_err(), "beyond 2099");
    assert!(reason(date("45296.5")).contains("带小数"));
    assert!(reason(date("1975")).contains("只有年份"), "a year alone is not serial 1975 (1905-05-28)");
}

#[test]
fn dates_that_cannot_be_read_without_guessing_are_refused() {
    assert!(reason(date("24-1-5")).contains("四位年份"), "not the year 0024");
    assert!(reason(date("1/5/24")).contains("四位年份"));
    assert!(reason(date("1/5/2024")).contains("年-月-日"));
    assert!(reason(date("2023-02-29")).contains("不是真实存在的日期"));
    assert!(reason(date("2024-13-01")).contains("不是真实存在的日期"));
    assert!(reason(date("0024-01-05")).contains("年份 24"));
    assert!(reason(date("2024-01-05 25:00")).contains("时刻不对"));
    for bad in ["abc", "2024-01", "2024-1/5", "2024--01-05", "2024-01-05-06", "昨天"] {
        assert!(date(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_birth_or_sticker_date_may_not_be_in_the_future() {
    let today = day(2026, 11, 5);
    assert_eq!(past_date("2026-11-05", today), Ok(today));
    assert_eq!(past_date("1975-03-12", today), Ok(day(1975, 3, 12)));
    assert!(reason(past_date("2026-11-06", today)).contains("晚于今天"));
}

#[test]
fn contact_times_need_a_time_of_day() {
    let want = at(2026, 11, 5, 14, 30, 0);
    for s in [
        "2026-11-05 14:30",
        "2026/11/5 14:30:00",
        "2026年11月5日 14:30",
        "2026年11月5日14:30",
        "2026年11月5日 14时30分",
        "2026年11月5日 下午2点30分",
        "2026/11/5 2:30 PM",
        "2026-11-05T14:30:00",
        "2026-11-05 14:30:00.000",
    ] {
        assert_eq!(date_time(s), Ok(want), "{s}");
    }
    assert_eq!(date_time("45296.5"), Ok(at(2024, 1, 5, 12, 0, 0)));
    assert_eq!(date_time("45296.604166666664"), Ok(at(2024, 1, 5, 14, 30, 0)), "Excel's float for 14:30");
    assert_eq!(date_time("2026-11-05 9:05:07"), Ok(at(2026, 11, 5, 9, 5, 7)));
    assert_eq!(date_time("2026-11-05 上午12:30"), Ok(at(2026, 11, 5, 0, 30, 0)));
    let hint = "请写上联系的时刻，如 2026-11-05 14:30";
    assert!(reason(date_time("2026-11-05")).contains(hint));
    assert!(reason(date_time("45296")).contains(hint));
    assert!(reason(date_time("2026-11-05 00:00")).contains(hint), "a date cell shown with a time");
    assert!(reason(date_time("2026-11-05 14:60")).contains("时刻不对"));
    assert!(reason(date_time("26-11-5 14:30")).contains("四位年份"));
    assert!(date_time("2026-11-05 14").is_err(), "an hour alone only with 点 or 时");
    assert_eq!(date_time("2026-11-05 14点"), Ok(at(2026, 11, 5, 14, 0, 0)));
}

// ---- names ----

#[test]
fn names_excel_could_not_save_are_refused_with_the_fix() {
    for (s, lost) in [("王?", '?'), ("？", '?'), ("张??", '?'), ("王\u{FFFD}", '\u{FFFD}')] {
        assert_eq!(reason(person_name(s)), format!("“{s}”含有“{lost}”，{GBK_HINT}"), "{s}");
    }
    assert_eq!(person_name("王㛃"), Ok("王㛃".into()));
    assert!(reason(person_name("张*")).contains("遮蔽后的值"));
}

#[test]
fn middle_dots_and_spaces_in_names_are_written_one_way() {
    for dot in ['·', '•', '．', '‧', '・', '･', '∙', '⋅', '.'] {
        let s = format!("阿依古丽{dot}买买提");
        assert_eq!(person_name(&s), Ok("阿依古丽·买买提".into()), "{s}");
    }
    assert_eq!(person_name("阿依古丽 · 买买提"), Ok("阿依古丽·买买提".into()));
    assert_eq!(person_name("阿依古丽··买买提"), Ok("阿依古丽·买买提".into()));
    assert_eq!(person_name("王　芳"), Ok("王芳".into()), "padding between two characters");
    assert_eq!(person_name("JOHN   SMITH"), Ok("JOHN SMITH".into()));
    assert_eq!(person_name("John.Smith"), Ok("John.Smith".into()), "a full stop between Latin letters stays");
    assert_eq!(person_name("Ｊｏｈｎ　Ｓｍｉｔｈ"), Ok("John Smith".into()));
    assert_eq!(person_name("=\"张伟\""), Ok("张伟".into()));
}

#[test]
fn names_may_be_as_long_as_a_passport_name() {
    let long = format!("MARIA {}", "A".repeat(54));
    assert_eq!(long.chars().count(), 60);
    assert_eq!(person_name(&long), Ok(long.clone()));
    assert!(reason(person_name(&format!("{long}B"))).contains("60"));
    assert!(person_name("张\u{7}伟").is_err());
}

// ---- ratios, counts, yes/no ----

#[test]
fn ratios_read_as_percentages_or_fractions() {
    for (s, want) in [
        ("85%", 850),
        ("85.3", 853),
        ("0.853", 853),
        ("0.9", 900),
        ("60", 600),
        ("1", 1000),
        ("８５％", 850),
        ("88.5%", 885),
        ("92.5%", 925),
        ("100%", 1000),
        ("0", 0),
        ("85 %", 850),
    ] {
        assert_eq!(ratio_permille(s), Ok(want), "{s}");
    }
    assert!(reason(ratio_permille("120%")).contains("超过了 100%"));
    assert!(ratio_permille("-5%").is_err());
    assert!(reason(ratio_permille("8.5E+01")).contains("文本"));
    assert!(ratio_permille("八成").is_err());
}

#[test]
fn product_counts_are_whole_numbers_or_yes_no() {
    for (s, want) in [("2", 2), ("2.0", 2), ("有", 1), ("无", 0), ("3个", 3), ("0", 0), ("是", 1)] {
        assert_eq!(count(s), Ok(want), "{s}");
    }
    for bad in ["2.5", "-1", "70000", "几个", "个"] {
        assert!(count(bad).is_err(), "{bad}");
    }
}

#[test]
fn yes_no_cells_accept_what_spreadsheets_contain() {
    for s in ["是", "Y", "y", "1", "1.0", "已开通", "已贴标", "√", "TRUE", "true", "有", "✔", "Yes"]
    {
        assert_eq!(yes_no(s), Ok(true), "{s}");
    }
    for s in ["否", "N", "0", "未开通", "×", "FALSE", "无", "未贴标", "没有"] {
        assert_eq!(yes_no(s), Ok(false), "{s}");
    }
    assert!(reason(yes_no("也许")).contains("应为 是 或 否"));
    assert!(yes_no("X").is_err(), "a tick for some, a cross for others");
}

// ---- properties ----

/// Strings as import cells hold them, and worse: any text, full-width and CJK text, control
/// characters, huge digit strings, Excel's wrappers and number-like text.
fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[0-9０-９.,，Ee+\\-¥￥万亿元千%％()（） ]{0,30}",
        "[0-9]{0,400}",
        "=\"[0-9Xx. ]{0,20}\"",
        "[\\x00-\\x1f0-9a-zA-Z:/\\-]{0,30}",
        "[\u{3000}-\u{303f}\u{4e00}-\u{4e2f}\u{ff01}-\u{ff5e}·•．.?*]{0,30}",
        "[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日? ?[0-9]{0,2}:?[0-9]{0,2}",
        "[+]?[0-9 ()\\-]{5,20}",
    ]
}

/// Every refusal says what to do and stays readable, whatever the cell held.
fn check_reason<T>(r: &Result<T, Invalid>) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(e.problem.to_string().contains('请'), "no advice in: {}", e.problem.to_string());
        prop_assert!(e.problem.to_string().chars().count() < 200, "too long: {}", e.problem.to_string());
    }
    Ok(())
}

proptest! {
    #[test]
    fn no_normaliser_panics_and_every_refusal_says_what_to_do(s in cell_text()) {
        let today = day(2026, 11, 5);
        let _ = clean(&s);
        let _ = is_scientific(&s);
        let _ = is_masked(&s);
        let _ = unit_of_header(&s);
        check_reason(&client_no(&s))?;
        check_reason(&staff_no(&s))?;
        check_reason(&phone(&s))?;
        check_reason(&id_number(&s))?;
        check_reason(&id_number_as_of(&s, today))?;
        for unit in [Unit::Yuan, Unit::Qian, Unit::Wan, Unit::BaiWan, Unit::QianWan, Unit::Yi] {
            check_reason(&amount(&s, unit))?;
        }
        check_reason(&date(&s))?;
        check_reason(&past_date(&s, today))?;
        check_reason(&date_time(&s))?;
        check_reason(&person_name(&s))?;
        check_reason(&ratio_permille(&s))?;
        check_reason(&count(&s))?;
        check_reason(&yes_no(&s))?;
    }

    #[test]
    fn a_normalised_value_reads_back_as_itself(s in cell_text()) {
        let c = clean(&s);
        prop_assert_eq!(clean(&c), c.clone());
        if let Ok(v) = client_no(&s) {
            prop_assert_eq!(client_no(v.as_str()), Ok(v));
        }
        if let Ok(v) = staff_no(&s) {
            prop_assert_eq!(staff_no(v.as_str()), Ok(v));
        }
        if let Ok(v) = phone(&s) {
            prop_assert_eq!(phone(&v), Ok(v));
        }
        if let Ok(v) = id_number(&s) {
            prop_assert_eq!(id_number(&v), Ok(v));
        }
        for unit in [Unit::Yuan, Unit::Qian, Unit::Wan, Unit::BaiWan, Unit::QianWan, Unit::Yi] {
            if let Ok(v) = amount(&s, unit) {
                prop_assert_eq!(amount(&v.display_yuan(), Unit::Yuan), Ok(v));
            }
        }
        if let Ok(d) = date(&s) {
            prop_assert_eq!(date(&d.format("%Y-%m-%d").to_string()), Ok(d));
        }
        if let Ok(t) = date_time(&s) {
            prop_assert_eq!(date_time(&t.format("%Y-%m-%d %H:%M:%S").to_string()), Ok(t));
        }
        if let Ok(n) = person_name(&s) {
            prop_assert_eq!(person_name(&n), Ok(n));
        }
        if let Ok(p) = ratio_permille(&s) {
            prop_assert_eq!(ratio_permille(&display_permille(p)), Ok(p));
        }
        if let Ok(n) = count(&s) {
            prop_assert_eq!(count(&n.to_string()), Ok(n));
        }
        if let Ok(b) = yes_no(&s) {
            prop_assert_eq!(yes_no(if b { "是" } else { "否" }), Ok(b));
        }
    }

    #[test]
    fn every_amount_reads_back_from_how_it_is_displayed(fen in 0i64..=10_000_000_000_000) {
        let v = Fen(fen);
        prop_assert_eq!(amount(&v.display_yuan(), Unit::Yuan), Ok(v));
        let plain = format!("{}.{:02}", fen / 100, fen % 100);
        prop_assert_eq!(amount(&plain, Unit::Yuan), Ok(v));
        prop_assert_eq!(amount(&format!("¥{}", v.display_yuan()), Unit::Yuan), Ok(v));
        // The same amount in 万, under a 万元 header and with 万 written after it.
        let wan = format!("{}.{:06}", fen / 1_000_000, fen % 1_000_000);
        prop_assert_eq!(amount(&wan, Unit::Wan), Ok(v));
        prop_assert_eq!(amount(&format!("{wan}万"), Unit::Yuan), Ok(v));
    }

    #[test]
    fn every_date_form_reads_the_same_day(days in 0u64..72_990) {
        let d = day(1900, 3, 1).checked_add_days(Days::new(days)).unwrap();
        for fmt in ["%Y-%m-%d", "%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y.%-m.%-d", "%Y%m%d", "%Y-%m-%d 00:00:00", "%Y/%m/%d 0:00"] {
            let s = d.format(fmt).to_string();
            prop_assert_eq!(date(&s), Ok(d), "{}", s);
        }
        let serial = (d - day(1899, 12, 30)).num_days();
        // Serials 1800–2200 (1904–1906) are refused as a year written alone, by design.
        if serial >= 10_000 {
            prop_assert_eq!(date(&serial.to_string()), Ok(d), "serial {}", serial);
        }
    }

    #[test]
    fn excel_serial_times_round_to_the_second(days in 0u64..72_990, second in 1u32..86_400) {
        let d = day(1900, 3, 1).checked_add_days(Days::new(days)).unwrap();
        let serial = (d - day(1899, 12, 30)).num_days();
        // Serials 1800–2200 (1904–1906) are refused as a year written alone, by design.
        prop_assume!(serial >= 10_000);
        // Excel writes the fraction of the day as a double with up to 17 significant digits.
        let text = format!("{}", serial as f64 + f64::from(second) / 86_400.0);
        let want = d.and_hms_opt(second / 3600, second / 60 % 60, second % 60).unwrap();
        prop_assert_eq!(date_time(&text), Ok(want), "{}", text);
    }

    #[test]
    fn every_way_of_writing_a_phone_reads_the_same(
        mobile in "1[3-9][0-9]{9}",
        area in prop_oneof!["010", "02[0-9]", "0[3-9][1-9][0-9]"],
        local in "[2-9][0-9]{6,7}",
    ) {
        let m = mobile.as_str();
        for s in [
            m.to_string(),
            format!("+86 {} {} {}", &m[..3], &m[3..7], &m[7..]),
            format!("{}-{}-{}", &m[..3], &m[3..7], &m[7..]),
            format!("86{m}"),
            format!("{m}.0"),
            format!("=\"{m}\""),
        ] {
            prop_assert_eq!(phone(&s), Ok(mobile.clone()), "{}", s);
        }
        let landline = format!("{area}-{local}");
        for s in [landline.clone(), format!("({area}){local}"), format!("{area}{local}"), format!("{area} {local}")] {
            prop_assert_eq!(phone(&s), Ok(landline.clone()), "{}", s);
        }
    }

    #[test]
    fn every_resident_id_with_its_check_character_is_accepted(
        days in 0u64..45_000,
        region in "[1-8][0-9]{5}",
        seq in "[0-9]{3}",
        typo in 0usize..17,
    ) {
        let born = day(1900, 1, 1).checked_add_days(Days::new(days)).unwrap();
        let id = resident_id(&region, born, &seq);
        prop_assert_eq!(id_number(&id.to_lowercase()), Ok(id.clone()));
        prop_assert_eq!(id_number_as_of(&id, day(2026, 11, 5)), Ok(id.clone()));
        prop_assert_eq!(crate::domain::client::birthday_from_id(&id), Some(born));
        // Any one digit mistyped is caught by the check character (or the birth date).
        let mut bytes = id.clone().into_bytes();
        bytes[typo] = if bytes[typo] == b'9' { b'0' } else { bytes[typo] + 1 };
        let typoed = String::from_utf8(bytes).unwrap();
        prop_assert!(id_number(&typoed).is_err(), "{}", typoed);
    }
}
