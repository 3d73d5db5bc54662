//! The real-world import files in tests/fixtures/import (copied from the cases the branch sent,
//! with EXPECTED.md beside them), each imported through the real binary into a store set up as a
//! branch's first day: `init`, then the staff directory (01) and the client register (02).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use mingdan::domain::{CardTier, Client, ClientClass, ClientNo, ClientStatus, Fen, Gender, Segment};
use mingdan::import::{parse_clients, parse_holdings, read_file};
use mingdan::service::imports::ClientRecord;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

fn mingdan(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).arg("--store").arg(store).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

struct Branch {
    dir: tempfile::TempDir,
    store: PathBuf,
}

impl Branch {
    /// A store after `init`, the staff directory (01) and the client register (02).
    fn new() -> Branch {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let b = Branch { dir, store };
        let o = mingdan(&b.store, &["init", "--no", "9001", "--name", "管理员", "--outlet", "城关"]);
        assert!(o.status.success(), "{}", text(&o));
        b.ok(&["import", "staff"], "01_staff_gbk_crlf.csv");
        b.ok(&["import", "clients"], "02_clients_gbk_crlf.csv");
        b
    }

    fn run(&self, args: &[&str], file: &str) -> Output {
        let path = fixture(file);
        let mut all: Vec<&str> = args.to_vec();
        all.insert(2, path.to_str().unwrap());
        mingdan(&self.store, &all)
    }

    /// Imports a fixture that must succeed; returns what was printed.
    fn ok(&self, args: &[&str], file: &str) -> String {
        let o = self.run(args, file);
        assert!(o.status.success(), "{file}:\n{}", text(&o));
        text(&o)
    }

    /// Imports a fixture that must be refused; returns what was printed.
    fn refused(&self, args: &[&str], file: &str) -> String {
        let o = self.run(args, file);
        let out = text(&o);
        assert!(!o.status.success(), "{file} should be refused:\n{out}");
        assert!(out.contains("没有导入任何数据"), "{out}");
        out
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    fn client(&self, no: &str) -> Option<Client> {
        let store = mingdan::store::Store::open(&self.store).unwrap();
        store.client(&ClientNo::parse(no).unwrap()).unwrap()
    }

    fn count_clients(&self) -> usize {
        let store = mingdan::store::Store::open(&self.store).unwrap();
        store.clients().count()
    }
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The rows of a fixture as the client importer reads them, by client number.
fn parsed_clients(file: &str) -> (Vec<ClientRecord>, Vec<mingdan::service::views::RowProblem>) {
    let (rows, _) = read_file(&fixture(file), None).unwrap();
    let p = parse_clients(rows, today());
    (p.rows, p.problems)
}

fn row<'a>(rows: &'a [ClientRecord], no: &str) -> &'a ClientRecord {
    rows.iter()
        .find(|r| r.no.as_ref().is_some_and(|n| n.as_str() == no))
        .unwrap_or_else(|| panic!("{no} not read"))
}

fn problem_on(problems: &[mingdan::service::views::RowProblem], line: u64, column: &str) -> String {
    problems
        .iter()
        .find(|p| p.line == line && p.column == column)
        .map(|p| p.reason.clone())
        .unwrap_or_else(|| panic!("no problem on row {line}, {column}: {problems:?}"))
}

#[test]
fn case_01_02_the_staff_directory_and_register_saved_by_excel_in_gbk() {
    let b = Branch::new();
    let listing = String::from_utf8_lossy(&mingdan(&b.store, &["staff", "list"]).stdout).into_owned();
    assert_eq!(listing.lines().count(), 11, "10 staff and the admin:\n{listing}");
    assert!(listing.contains("1001\t石玉兰\t网点负责人\t城关\tshiyl\t管理者"), "{listing}");
    assert!(listing.contains("2003\t查飞\t柜员\t东街\t-\t员工"), "{listing}");
    assert_eq!(b.count_clients(), 5);
    let zhang = b.client("6201000001").unwrap();
    assert_eq!(zhang.assets, Some(Fen(52_345_678)));
    assert_eq!(zhang.holdings.self_service_permille, 850);
    assert_eq!(b.client("6201000002").unwrap().holdings.self_service_permille, 900, "0.9 is 90%");
    assert_eq!(b.client("6201000003").unwrap().holdings.self_service_permille, 600, "60 is 60%");
    let chen = b.client("6201000005").unwrap();
    assert_eq!(chen.sticker.on, NaiveDate::from_ymd_opt(2025, 3, 1));
    assert_eq!(chen.holdings.self_service_permille, 925);
}

#[test]
fn case_07_title_rows_totals_and_footers_are_skipped_with_notes() {
    let b = Branch::new();
    let out = b.ok(&["import", "clients"], "07a_title_row.csv");
    assert!(out.contains("第 1 行：表头之上的标题行") && out.contains("第 2 行：表头之上的标题行"), "{out}");
    assert!(out.contains("新增 2"), "{out}");
    assert!(b.client("6201000701").is_some() && b.client("6201000702").is_some());

    let out = b.ok(&["import", "clients"], "07b_total_row.csv");
    assert!(out.contains("第 4 行：合计行"), "{out}");
    assert!(out.contains("新增 2"), "{out}");
    assert!(b.client("合计").is_none());

    let out = b.ok(&["import", "clients"], "07c_total_and_footer.csv");
    assert!(out.contains("第 4 行：合计行") && out.contains("第 5 行：表尾"), "{out}");
    assert!(out.contains("空行"), "the blank row inside the data is mentioned: {out}");
    assert!(out.contains("新增 1"), "{out}");
    assert_eq!(b.count_clients(), 5 + 2 + 2 + 1);
}

#[test]
fn a_total_row_named_by_its_count_never_becomes_a_platinum_client() {
    let b = Branch::new();
    let f = b.write(
        "合计.csv",
        "客户号,客户姓名,网点,卡级别,日均金融资产\n6201000731,周一,城关,金卡,600000\n6201000732,周二,城关,金卡,600000\n合计,共2户,,白金卡,1200000\n",
    );
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("合计行"), "{}", text(&o));
    assert!(b.client("合计").is_none());
    assert_eq!(b.count_clients(), 7);
}

#[test]
fn case_08_id_numbers_are_normalised_checked_and_never_stored_mangled() {
    let (rows, problems) = parsed_clients("08_id_numbers.csv");
    assert!(problem_on(&problems, 2, "证件号码").contains("文本"), "{problems:?}");
    assert!(problem_on(&problems, 5, "证件号码").contains("校验位"), "{problems:?}");
    let id = |no: &str| row(&rows, no).id_number.clone().unwrap();
    assert_eq!(id("6201000802"), "41010519790909018X", "lower-case x is X");
    assert_eq!(id("6201000803"), "410105800303771", "15-digit IDs are accepted");
    for no in ["6201000805", "6201000806", "6201000807"] {
        assert_eq!(id(no), "410105198003030775", "{no}: spaces, =\"…\" and .0 removed");
    }
    // The full-width cell holds 17 digits: converted, then refused as one digit short.
    assert!(problem_on(&problems, 10, "证件号码").contains("17"), "{problems:?}");
    assert_eq!(id("6201000808"), "G12345678", "a passport");
    for r in &rows {
        let v = r.id_number.as_deref().unwrap_or("");
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric()), "{v}");
    }
    // Through the binary: refused, and the same ID under four client numbers is named.
    let b = Branch::new();
    let out = b.refused(&["import", "clients"], "08_id_numbers.csv");
    assert!(
        out.contains("第 7 行，证件号码") && out.contains("第 8 行，证件号码"),
        "one ID belongs to one client: {out}"
    );
    assert!(out.contains("6201000805"), "the other client is named: {out}");
}

#[test]
fn case_09_phones_are_stored_in_one_form() {
    let (rows, problems) = parsed_clients("09_phones.csv");
    let phone = |no: &str| row(&rows, no).phone.clone().unwrap();
    for no in ["6201000901", "6201000902", "6201000903", "6201000906", "6201000907", "6201000909"] {
        assert_eq!(phone(no), "13800138000", "{no}");
    }
    assert_eq!(phone("6201000904"), "0371-12345678");
    assert_eq!(phone("6201000905"), "0371-12345678");
    assert_eq!(phone("6201000911"), "0371-1234567");
    problem_on(&problems, 9, "手机号码");
    assert!(problem_on(&problems, 11, "手机号码").contains("文本"));
    problem_on(&problems, 13, "手机号码");
}

#[test]
fn case_10_amounts_are_exact_in_fen_or_refused() {
    let (rows, problems) = parsed_clients("10_amounts_utf8bom.csv");
    let fen = |no: &str| row(&rows, no).assets;
    assert_eq!(fen("6201001001"), Some(Fen(123_456_789)));
    assert_eq!(fen("6201001002"), Some(Fen(123_450)));
    assert_eq!(fen("6201001003"), Some(Fen(123_400_000)), "123.4万");
    assert_eq!(fen("6201001005"), None, "empty is unknown");
    assert_eq!(fen("6201001006"), Some(Fen(8_800_000)));
    assert_eq!(fen("6201001010"), Some(Fen(123_456_700)));
    assert_eq!(fen("6201001011"), Some(Fen(500_000)));
    assert_eq!(fen("6201001012"), Some(Fen(5_000_000)), "full-width digits");
    assert_eq!(fen("6201001014"), Some(Fen(123_450)));
    assert_eq!(fen("6201001015"), Some(Fen(5_000_000_000)), "0.5亿");
    assert_eq!(fen("6201001016"), Some(Fen(50_000_000)));
    for line in [5, 8, 10, 14] {
        problem_on(&problems, line, "日均金融资产");
    }
    assert!(problem_on(&problems, 9, "日均金融资产").contains("文本"));
    assert!(problem_on(&problems, 18, "日均金融资产").contains("文本"), "5e5");
}

#[test]
fn an_amount_header_in_wan_yuan_is_converted_exactly() {
    let b = Branch::new();
    let f = b.write("万元.csv", "客户号,客户姓名,网点,日均金融资产（万元）\n6201001020,孙一,城关,52.3\n");
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let c = b.client("6201001020").unwrap();
    assert_eq!(c.assets, Some(Fen(52_300_000)), "52.3 万元 is 523,000.00 元");
    assert!(c.tier.is_gold_or_above(), "{:?}", c.tier);
}

#[test]
fn an_empty_amount_for_a_new_client_is_unknown_not_zero() {
    let b = Branch::new();
    let f = b.write("空.csv", "客户号,客户姓名,网点,日均金融资产\n6201001021,孙二,城关,\n");
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(b.client("6201001021").unwrap().assets, None);
}

#[test]
fn case_12_duplicates_in_the_file_are_refused_whatever_spaces_surround_them() {
    let b = Branch::new();
    let out = b.refused(&["import", "clients"], "12_duplicates_in_file.csv");
    assert!(out.contains("第 4 行，客户号：“6201001201”与第 2 行重复"), "{out}");
    assert!(out.contains("第 5 行，客户号：“6201001202”与第 3 行重复"), "{out}");
}

#[test]
fn case_14_maintainers_are_matched_by_number_and_a_name_gets_a_hint() {
    let b = Branch::new();
    let out = b.refused(&["import", "clients"], "14_unknown_maintainer.csv");
    let out = out.split("发现").nth(1).unwrap_or_default().to_string();
    assert!(out.contains("第 2 行，维护人工号：1999 不在员工名录中"), "{out}");
    assert!(out.contains("第 5 行，维护人工号") && out.contains("工号是 1002"), "{out}");
    for line in [3, 4, 6, 7] {
        assert!(!out.contains(&format!("第 {line} 行，维护人工号")), "row {line} is fine: {out}");
    }
    // Without the two bad rows the file goes in, 01002 and 1002.0 read as 1002.
    let good: String = std::fs::read_to_string(fixture("14_unknown_maintainer.csv"))
        .unwrap_or_else(|_| {
            let bytes = std::fs::read(fixture("14_unknown_maintainer.csv")).unwrap();
            encoding_rs::GBK.decode(&bytes).0.into_owned()
        })
        .lines()
        .filter(|l| !l.contains("1999") && !l.contains("吴霞"))
        .map(|l| format!("{l}\n"))
        .collect();
    let f = b.write("14好.csv", &good);
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("01002 按工号 1002（吴霞）读取"), "{out}");
    for no in ["6201001402", "6201001405", "6201001406"] {
        assert_eq!(b.client(no).unwrap().maintainer.unwrap().as_str(), "1002", "{no}");
    }
}

#[test]
fn case_16_a_staff_number_excel_stripped_of_its_zeros_is_read_as_the_directory_has_it() {
    let b = Branch::new();
    b.ok(&["import", "staff"], "16a_staff_leading_zero.csv");
    let out = b.ok(&["import", "clients"], "16b_clients_maint_zero_stripped.csv");
    assert!(out.contains("123 按工号 00123（欧阳明）读取"), "{out}");
    assert_eq!(b.client("6201001601").unwrap().maintainer.unwrap().as_str(), "00123");
}

#[test]
fn case_18_rows_are_numbered_as_excel_shows_them_and_formula_text_is_unwrapped() {
    let b = Branch::new();
    let out = b.refused(&["import", "clients"], "18c_multiline_cell.csv");
    assert!(out.contains("第 3 行，手机号码"), "{out}");
    assert!(!out.contains("第 4 行"), "{out}");
    b.ok(&["import", "clients"], "18d_excel_formula_text.csv");
    let c = b.client("6201001831").unwrap();
    assert_eq!(c.maintainer.unwrap().as_str(), "1002");
}

#[test]
fn case_19_holdings_below_a_title_row_and_holdings_cells_as_banks_write_them() {
    let b = Branch::new();
    let out = b.ok(&["import", "holdings"], "19_holdings.csv");
    assert!(out.contains("第 1 行：表头之上的标题行"), "{out}");
    let c = b.client("6201000001").unwrap();
    assert_eq!(c.assets, Some(Fen(150_000_000)));
    assert_eq!(c.holdings.self_service_permille, 885);
    assert!(c.holdings.shuanglifeng);

    let (rows, _) = read_file(&fixture("19b_holdings_clean.csv"), None).unwrap();
    let p = parse_holdings(rows, today());
    let li = p.rows.iter().find(|r| r.no.as_str() == "6201000002").unwrap();
    assert_eq!(li.holdings.online_banking, Some(true), "已开通");
    assert_eq!(li.holdings.shuanglifeng, Some(true), "Y");
    assert_eq!(li.holdings.fund_auto_invest, Some(true), "1");
    assert_eq!(li.holdings.wealth_products, Some(0), "无");
    assert_eq!(li.holdings.self_service_permille, Some(853));
    problem_on(&p.problems, 7, "自办业务比例");
    let out = b.refused(&["import", "holdings"], "19b_holdings_clean.csv");
    assert!(out.contains("6201009999 不在客户名单中"), "{out}");
    assert!(out.contains("第 7 行，自办业务比例"), "120%: {out}");
    let before = b.client("6201000003").unwrap();
    // The empty row alone changes nothing.
    let f = b.write(
        "空行.csv",
        "客户号,日均金融资产（元）,个人网银,双利丰,基金定投,理财产品数,自办业务比例\n6201000003,,,,,,\n",
    );
    let o = mingdan(&b.store, &["import", "holdings", f.to_str().unwrap()]);
    assert!(text(&o).contains("更新 0"), "{}", text(&o));
    assert_eq!(b.client("6201000003").unwrap(), before);
}

#[test]
fn case_22_enumeration_variants_are_understood_and_the_unknown_named() {
    let (rows, problems) = parsed_clients("22_enum_variants.csv");
    let reason = problem_on(&problems, 2, "客户分类");
    assert!(reason.contains("VIP") && reason.contains("关键客户 / 重要客户"), "{reason}");
    let r = row(&rows, "6201002112");
    assert_eq!(r.class, Some(ClientClass::Important));
    assert_eq!(r.segment, Some(Segment::Uplift), "潜力");
    assert_eq!(r.status, Some(ClientStatus::Dormant), "睡眠");
    assert_eq!(r.sticker, Some(true), "已贴标");
    assert_eq!(r.gender, Some(Gender::Male), "男性");
    // Row 2 without its VIP class: 维护客户 → 维护, 正常 → 活跃, Y → stickered, M → 男.
    let bytes = std::fs::read(fixture("22_enum_variants.csv")).unwrap();
    let (text, _) = mingdan::import::decode(&bytes).unwrap();
    let (rows, _) = mingdan::import::read_text(text.replace("VIP", "重要").as_bytes()).unwrap();
    let p = parse_clients(rows, today());
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let r = row(&p.rows, "6201002111");
    assert_eq!(r.segment, Some(Segment::Maintain), "维护客户");
    assert_eq!(r.status, Some(ClientStatus::Active), "正常");
    assert_eq!(r.sticker, Some(true), "Y");
    assert_eq!(r.gender, Some(Gender::Male), "M");
}

#[test]
fn case_23_our_own_unmasked_export_changes_nothing() {
    let b = Branch::new();
    let out = b.ok(&["import", "clients"], "23_roundtrip_own_export_unmasked.csv");
    assert!(out.contains("新增 0，更新 0"), "{out}");
    assert!(out.contains("导出时计算的列") && out.contains("缺项"), "{out}");
}

#[test]
fn case_23c_a_masked_export_never_replaces_a_real_value() {
    let b = Branch::new();
    let before = b.client("6201000005").unwrap();
    let out = b.ok(&["import", "clients"], "23c_roundtrip_masked_without_maint_name.csv");
    assert!(out.contains("新增 0，更新 0"), "{out}");
    assert!(out.contains("手机号码：整列是遮蔽后的值"), "{out}");
    assert!(out.contains("证件号码：整列是遮蔽后的值"), "{out}");
    assert!(out.contains("日均金融资产：整列是遮蔽后的值"), "{out}");
    assert_eq!(b.client("6201000005").unwrap(), before);
    assert_eq!(before.id_number, "41010419881111003X");
}

#[test]
fn a_single_masked_value_among_real_ones_is_refused() {
    let b = Branch::new();
    let f = b.write(
        "混合.csv",
        "客户号,手机号码,证件号码\n6201000005,15012345678,4101**********003X\n6201000002,139****5678,410105198208200221\n",
    );
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("第 3 行，手机号码") && out.contains("遮蔽"), "{out}");
    assert_eq!(b.client("6201000005").unwrap().id_number, "41010419881111003X");
}

#[test]
fn case_30_names_excel_could_not_save_in_gbk_are_refused_and_never_replace_the_real_name() {
    let b = Branch::new();
    let real = b.write("真名.csv", "客户号,客户姓名,网点\nC014,王㛃,城关\n");
    assert!(mingdan(&b.store, &["import", "clients", real.to_str().unwrap()]).status.success());
    let out = b.refused(&["import", "clients"], "30_register_cp936_lossy.csv");
    for line in [2, 3, 4, 6] {
        assert!(out.contains(&format!("第 {line} 行，客户姓名")), "row {line}: {out}");
    }
    assert!(out.contains("CSV UTF-8"), "{out}");
    assert_eq!(b.client("C014").unwrap().name, "王㛃");
}

#[test]
fn case_31_32_unicode_text_and_semicolon_files() {
    let b = Branch::new();
    b.ok(&["import", "clients"], "31_utf16_tab_comma_in_header.txt");
    assert_eq!(b.client("C403").unwrap().phone, "13800000403");
    b.ok(&["import", "clients"], "32_semicolon.csv");
    assert_eq!(b.client("C402").unwrap().assets, Some(Fen(120_000_000)));
}

#[test]
fn an_outlet_is_one_of_the_directory_or_named_as_new() {
    let b = Branch::new();
    let f = b.write("网点.csv", "客户号,客户姓名,网点\n6201003001,钱一,城关支行\n6201003002,钱二,西关\n");
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("第 3 行，网点") && out.contains("--new-outlet 西关"), "{out}");
    assert!(!out.contains("第 2 行，网点"), "城关支行 is 城关: {out}");
    let o =
        mingdan(&b.store, &["import", "clients", f.to_str().unwrap(), "--new-outlet", "西关", "--dry-run"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("新网点（1 个）") && out.contains("西关"), "{out}");
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap(), "--new-outlet", "西关"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(b.client("6201003001").unwrap().outlet.as_str(), "城关");
    assert_eq!(b.client("6201003002").unwrap().outlet.as_str(), "西关");
}

#[test]
fn a_dry_run_lists_what_changes_and_the_real_import_audits_sensitive_fields() {
    let b = Branch::new();
    let f = b.write(
        "变更.csv",
        "客户号,维护人工号,卡级别,手机号码\n6201000001,1003,白金卡,13900000000\n6201000002,1001,白金卡,\n",
    );
    let report = b.dir.path().join("报告.csv");
    let o = mingdan(
        &b.store,
        &["import", "clients", f.to_str().unwrap(), "--dry-run", "--report", report.to_str().unwrap()],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("维护人（1 位）") && out.contains("6201000001 张伟：1002 吴霞 → 1003 朱立新"),
        "{out}"
    );
    assert!(out.contains("卡级别（1 位）") && out.contains("金卡 → 白金卡"), "{out}");
    assert!(out.contains("手机号码（1 位）") && out.contains("138****8000 → 139****0000"), "{out}");
    assert!(!out.contains("13900000000"), "masked: {out}");
    let written = String::from_utf8_lossy(&std::fs::read(&report).unwrap()).into_owned();
    assert!(written.contains("变更：维护人"), "{written}");
    assert_eq!(b.client("6201000001").unwrap().phone, "13800138000", "a dry run writes nothing");

    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let audit = text(&mingdan(&b.store, &["audit", "--limit", "50"]));
    assert!(audit.contains("手机号码 138****8000 → 139****0000"), "{audit}");
    assert!(!audit.contains("13900000000"), "{audit}");
}

#[test]
fn one_id_number_under_two_client_numbers_is_refused_naming_both() {
    let b = Branch::new();
    let f = b.write("证件.csv", "客户号,客户姓名,网点,证件号码\n6201004001,冯一,城关,410105197503120115\n");
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("6201000001") && out.contains("6201004001"), "{out}");
}

#[test]
fn a_client_number_excel_stripped_of_its_zeros_updates_the_client_it_was() {
    let b = Branch::new();
    let f = b.write("零.csv", "客户号,客户姓名,网点\n0062010050,褚一,城关\n");
    assert!(mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]).status.success());
    let f = b.write("去零.csv", "客户号,客户分类\n62010050,关键客户\n");
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("62010050 按已有客户号 0062010050 读取") && out.contains("新增 0，更新 1"), "{out}");
    assert_eq!(b.client("0062010050").unwrap().class, ClientClass::Key);
    assert!(b.client("62010050").is_none());
}

#[test]
fn dates_excel_writes_are_read_and_two_digit_years_refused() {
    let b = Branch::new();
    let f = b.write(
        "日期.csv",
        "客户号,客户姓名,网点,出生日期\n6201005001,卫一,城关,1980-03-03 00:00:00\n6201005002,卫二,城关,1980年3月3日\n6201005003,卫三,城关,29283\n6201005004,卫四,城关,24-1-5\n6201005005,卫五,城关,2099-01-01\n",
    );
    let (rows, _) = read_file(&f, None).unwrap();
    let p = parse_clients(rows, today());
    let born = NaiveDate::from_ymd_opt(1980, 3, 3);
    for no in ["6201005001", "6201005002", "6201005003"] {
        assert_eq!(row(&p.rows, no).birthday, born, "{no}");
    }
    problem_on(&p.problems, 5, "出生日期");
    problem_on(&p.problems, 6, "出生日期");
    let o = mingdan(&b.store, &["import", "clients", f.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(b.client("6201005001").is_none(), "all or nothing");
}

#[test]
fn our_own_roster_exports_round_trip_unmasked_and_masked() {
    let b = Branch::new();
    for unmasked in [true, false] {
        let path = b.dir.path().join(format!("名单{unmasked}.csv"));
        let mut args = vec!["export", "roster", path.to_str().unwrap()];
        if unmasked {
            args.push("--unmasked");
        }
        let o = mingdan(&b.store, &args);
        assert!(o.status.success(), "{}", text(&o));
        let o = mingdan(&b.store, &["import", "clients", path.to_str().unwrap()]);
        let out = text(&o);
        assert!(o.status.success(), "{out}");
        assert!(out.contains("新增 0，更新 0"), "unmasked {unmasked}: {out}");
    }
    assert_eq!(b.client("6201000005").unwrap().id_number, "41010419881111003X");
    assert_eq!(b.client("6201000001").unwrap().tier, CardTier::Gold);
}

#[test]
fn the_contacts_export_reads_back_as_a_client_register_and_as_contacts_without_change() {
    let b = Branch::new();
    let log = b.write(
        "外呼.csv",
        &format!(
            "联系时间,客户号,员工工号,联系方式,联系目的,联系结果,满意度,备注\n{},6201000001,1002,电话,季度告知,已沟通,5,告知理财收益\n",
            // A few minutes ago in branch time, so the current quarter's report holds it.
            (chrono::Utc::now().with_timezone(&mingdan::service::shanghai()) - chrono::Duration::minutes(5))
                .format("%Y-%m-%d %H:%M")
        ),
    );
    let o = mingdan(&b.store, &["import", "contacts", log.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let path = b.dir.path().join("联系.csv");
    let o = mingdan(&b.store, &["export", "contacts", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = mingdan(&b.store, &["import", "contacts", path.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success() && out.contains("新增 0") && out.contains("已有这次联系"), "{out}");
    let o = mingdan(&b.store, &["import", "clients", path.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success() && out.contains("新增 0，更新 0"), "{out}");
    // The contacts report, as a workbook and as CSV, reads back the same way.
    for name in ["联系报表.xlsx", "联系报表.csv"] {
        let report = b.dir.path().join(name);
        let o = mingdan(&b.store, &["report", "contacts", "--out", report.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        let o = mingdan(&b.store, &["import", "contacts", report.to_str().unwrap()]);
        let out = text(&o);
        assert!(o.status.success() && out.contains("新增 0"), "{name}: {out}");
        let o = mingdan(&b.store, &["import", "clients", report.to_str().unwrap()]);
        let out = text(&o);
        assert!(o.status.success() && out.contains("新增 0，更新 0"), "{name}: {out}");
    }
}

// ---------------------------------------------------------------------------------------------
// Files of the same kinds as the cases, as a colleague made them while trying to break the import.

/// Imports `content` (UTF-8) as `kind`; returns (succeeded, what was printed).
fn try_import(b: &Branch, kind: &str, name: &str, content: &str, extra: &[&str]) -> (bool, String) {
    let f = b.write(name, content);
    let mut args = vec!["import", kind, f.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = mingdan(&b.store, &args);
    (o.status.success(), text(&o))
}

#[test]
fn a_unit_on_a_title_line_is_applied_and_one_only_in_the_footer_is_refused() {
    let b = Branch::new();
    let (ok, out) = try_import(
        &b,
        "clients",
        "标题单位.csv",
        "个人客户名单\n单位：万元\n客户号,客户姓名,网点,日均金融资产\n6201003101,甲一,城关,52.3\n",
        &[],
    );
    assert!(ok, "{out}");
    assert!(out.contains("单位：万元"), "the user hears which unit was used: {out}");
    assert_eq!(b.client("6201003101").unwrap().assets, Some(Fen(52_300_000)));
    let (ok, out) = try_import(
        &b,
        "holdings",
        "表尾单位.csv",
        "客户号,日均金融资产\n6201000001,52.3\n单位：万元,\n",
        &[],
    );
    assert!(!ok && out.contains("表尾写着“单位：万元”"), "{out}");
    assert_eq!(b.client("6201000001").unwrap().assets, Some(Fen(52_345_678)));
}

#[test]
fn an_amount_in_a_unit_mingdan_cannot_convert_is_refused_not_read_as_yuan() {
    let b = Branch::new();
    for header in [
        "日均金融资产（美元）",
        "日均金融资产(USD)",
        "日均金融资产（w）",
        "日均金融资产（元/日）",
        "日均金融资产（折人民币）",
    ] {
        let (ok, out) = try_import(
            &b,
            "clients",
            "外币.csv",
            &format!("客户号,客户姓名,网点,{header}\n6201003102,甲二,城关,52.3\n"),
            &[],
        );
        assert!(!ok && out.contains("无法换算"), "{header}: {out}");
    }
    for (header, fen) in [
        ("日均金融资产/万元", 52_300_000),
        ("日均金融资产万元", 52_300_000),
        ("日均金融资产（千元）", 5_230_000),
    ] {
        let (ok, out) = try_import(
            &b,
            "clients",
            "单位.csv",
            &format!("客户号,客户姓名,网点,{header}\n6201003103,甲三,城关,52.3\n"),
            &[],
        );
        assert!(ok, "{header}: {out}");
        assert_eq!(b.client("6201003103").unwrap().assets, Some(Fen(fen)), "{header}");
    }
    // Two columns for the balance in different units are each read in their own.
    let (ok, out) = try_import(
        &b,
        "clients",
        "两列.csv",
        "客户号,日均金融资产（元）,日均资产（万元）\n6201000001,,52.3\n6201000002,523000,52.3\n",
        &["--dry-run"],
    );
    assert!(ok, "{out}");
}

#[test]
fn summary_rows_of_other_wordings_and_dated_footers_never_become_clients() {
    let b = Branch::new();
    let (ok, out) = try_import(
        &b,
        "clients",
        "汇总.csv",
        "客户号,客户姓名,网点,日均金融资产\n6201003201,乙一,城关,600000\n本页合计,--,城关,600000\n平均,-,城关,600000\n汇总,/,城关,600000\n户数,1,城关,600000\n打印日期：2026-11-30,打印人：张三,城关,\n",
        &[],
    );
    assert!(ok, "{out}");
    assert!(out.contains("新增 1"), "{out}");
    for line in 3..=6 {
        assert!(out.contains(&format!("第 {line} 行：合计行")), "row {line}: {out}");
    }
    assert!(out.contains("第 7 行：表尾"), "{out}");
    // Words in the 客户号 column are refused, never stored as a client number.
    let (ok, out) = try_import(&b, "clients", "字.csv", "客户号,客户姓名,网点\n张三丰,李四,城关\n", &[]);
    assert!(!ok && out.contains("不是客户号"), "{out}");
}

#[test]
fn a_holdings_file_repeating_the_stored_balance_keeps_a_tier_set_by_hand_and_changes_are_listed() {
    let b = Branch::new();
    // 02 set 6201000001 to 金卡 by hand, with 523,456.78 元.
    let (ok, out) =
        try_import(&b, "holdings", "同额.csv", "客户号,日均金融资产\n6201000001,\"523,456.78\"\n", &[]);
    assert!(ok && out.contains("更新 0"), "{out}");
    assert_eq!(b.client("6201000001").unwrap().tier, CardTier::Gold);
    let (ok, out) =
        try_import(&b, "holdings", "变额.csv", "客户号,日均金融资产\n06201000005,\"6,500,000\"\n", &[]);
    assert!(ok, "{out}");
    assert!(out.contains("06201000005 按已有客户号 6201000005 读取"), "{out}");
    assert!(out.contains("日均金融资产（1 位）") && out.contains("卡级别（1 位）"), "{out}");
    let audit = text(&mingdan(&b.store, &["audit", "--limit", "20"]));
    assert!(audit.contains("日均金融资产 200-600万 → 600万以上"), "{audit}");
}

#[test]
fn a_bare_one_in_a_column_of_percentages_is_refused() {
    let b = Branch::new();
    let (ok, out) =
        try_import(&b, "holdings", "比例.csv", "客户号,自办业务比例\n6201000001,85\n6201000002,1\n", &[]);
    assert!(!ok && out.contains("第 3 行，自办业务比例") && out.contains("1% 还是 100%"), "{out}");
    let (ok, out) = try_import(&b, "holdings", "百分.csv", "客户号,自办业务比例（%）\n6201000001,0.5\n", &[]);
    assert!(ok, "{out}");
    assert_eq!(
        b.client("6201000001").unwrap().holdings.self_service_permille,
        5,
        "0.5 under a % header is 0.5%"
    );
}

#[test]
fn a_staff_list_keeps_one_outlet_per_place_lists_changes_and_audits_each_person() {
    let b = Branch::new();
    let (ok, out) = try_import(
        &b,
        "staff",
        "员工.csv",
        "工号,姓名,岗位,网点,权限\n1001.0,石玉兰,网点负责人,城关支行,管理员\n1003,朱立新,柜员,城关网点,\n",
        &[],
    );
    assert!(ok, "{out}");
    assert!(out.contains("“城关支行”按名录中的网点“城关”读取"), "{out}");
    assert!(out.contains("权限（1 位）") && out.contains("管理者 → 管理员"), "{out}");
    let listing = String::from_utf8_lossy(&mingdan(&b.store, &["staff", "list"]).stdout).into_owned();
    assert!(!listing.contains("城关支行") && !listing.contains("城关网点"), "{listing}");
    let audit = text(&mingdan(&b.store, &["audit", "--limit", "20"]));
    assert!(audit.contains("权限 管理者 → 管理员"), "{audit}");
    // 00123 欧阳明 is in the directory now; 123 李雷 is another person, not him.
    b.ok(&["import", "staff"], "16a_staff_leading_zero.csv");
    let (ok, out) = try_import(&b, "staff", "李雷.csv", "工号,姓名,岗位,网点\n123,李雷,柜员,东街\n", &[]);
    assert!(!ok && out.contains("数值相同，但姓名是李雷"), "{out}");
}

#[test]
fn an_unclosed_quote_is_refused_instead_of_swallowing_the_rows_below() {
    let b = Branch::new();
    let (ok, out) = try_import(
        &b,
        "clients",
        "引号.csv",
        "客户号,客户姓名,网点,地址\n6201003301,丙一,城关,\"郑州市金水路1号\n6201003302,丙二,城关,郑州市\n",
        &[],
    );
    assert!(!ok && out.contains("第 2 行") && out.contains("引号"), "{out}");
    // A quote inside a cell is a character: the rows below keep their numbers.
    let (ok, out) = try_import(
        &b,
        "clients",
        "英寸.csv",
        "客户号,客户姓名,网点,手机号码\n6201003303,李四,城关,13800000001\n6201003304,屏幕 5\",城关,123\n6201003305,丙三,城关,456\n",
        &[],
    );
    assert!(!ok && out.contains("第 3 行，") && out.contains("第 4 行，手机号码"), "{out}");
}

#[test]
fn one_person_under_two_numbers_is_refused_by_either_id_form_and_a_wrong_birth_date_too() {
    let b = Branch::new();
    // 410105750312011 is the first-generation form of 6201000001's 410105197503120115.
    let (ok, out) = try_import(
        &b,
        "clients",
        "旧证.csv",
        "客户号,客户姓名,网点,证件号码\n6201003401,丁一,城关,410105750312011\n",
        &[],
    );
    assert!(!ok && out.contains("6201000001"), "{out}");
    let (ok, out) = try_import(
        &b,
        "clients",
        "生日.csv",
        "客户号,客户姓名,网点,证件号码,出生日期\n6201003402,丁二,城关,410105198003030775,1970-05-05\n",
        &[],
    );
    assert!(!ok && out.contains("1980-03-03"), "{out}");
}

#[test]
fn masked_names_of_any_kind_are_refused() {
    let b = Branch::new();
    for name in ["张○", "李××", "陈某", "王*"] {
        let (ok, out) =
            try_import(&b, "clients", "姓名.csv", &format!("客户号,客户姓名\n6201000001,{name}\n"), &[]);
        assert!(!ok && out.contains("客户姓名"), "{name}: {out}");
    }
    assert_eq!(b.client("6201000001").unwrap().name, "张伟");
}

#[test]
fn a_shifted_row_a_repeated_header_and_a_name_with_its_number_are_handled() {
    let b = Branch::new();
    let (ok, out) = try_import(
        &b,
        "clients",
        "错位.csv",
        "客户号,客户姓名,网点,维护人工号\n6201003501,戊一,,城关,1002\n",
        &[],
    );
    assert!(!ok && out.contains("多出 1 格"), "{out}");
    let (ok, out) = try_import(
        &b,
        "clients",
        "多页.csv",
        "客户号,客户姓名,网点,维护人工号\n6201003502,戊二,城关,吴霞（1002）\n客户号,客户姓名,网点,维护人工号\n6201003503,戊三,城关,1002\n",
        &[],
    );
    assert!(ok, "{out}");
    assert!(out.contains("第 3 行：又一行表头"), "{out}");
    assert!(out.contains("按工号 1002（吴霞）读取"), "{out}");
    assert_eq!(b.client("6201003502").unwrap().maintainer.unwrap().as_str(), "1002");
    let (ok, out) = try_import(
        &b,
        "clients",
        "同数.csv",
        "客户号,客户姓名,网点\n62010051,己一,城关\n062010051,己二,城关\n",
        &[],
    );
    assert!(!ok && out.contains("数值相同"), "{out}");
}

#[test]
fn a_dry_run_shows_a_change_inside_the_hidden_digits() {
    let b = Branch::new();
    let (ok, out) =
        try_import(&b, "clients", "电话.csv", "客户号,手机号码\n6201000001,13811118000\n", &["--dry-run"]);
    assert!(ok, "{out}");
    assert!(out.contains("手机号码（1 位）") && out.contains("遮蔽的位有变化"), "{out}");
    assert!(!out.contains("13811118000"), "{out}");
}

#[test]
fn contacts_logged_to_the_second_or_with_date_and_time_apart_are_not_doubled() {
    let b = Branch::new();
    let now = chrono::Utc::now().with_timezone(&mingdan::service::shanghai()) - chrono::Duration::minutes(5);
    let (ok, out) = try_import(
        &b,
        "contacts",
        "秒.csv",
        &format!(
            "联系时间,客户号,员工工号,联系方式,联系目的,联系结果\n{},6201000001,1002,电话,回访,已沟通\n",
            now.format("%Y-%m-%d %H:%M:%S")
        ),
        &[],
    );
    assert!(ok && out.contains("新增 1"), "{out}");
    let (ok, out) = try_import(
        &b,
        "contacts",
        "分列.csv",
        &format!(
            "日期,时间,客户号,员工工号,联系方式,联系目的,联系结果\n{},{},6201000001,1002,电话,回访,已沟通\n",
            now.format("%Y/%m/%d"),
            now.format("%H:%M")
        ),
        &[],
    );
    assert!(ok && out.contains("新增 0") && out.contains("已有这次联系"), "{out}");
}

#[test]
fn a_later_page_whose_header_differs_is_refused_not_read_by_the_first() {
    let b = Branch::new();
    let (ok, out) = try_import(
        &b,
        "clients",
        "两页.csv",
        "客户号,客户姓名,网点,日均金融资产（元）\n6902000001,页一,城关,1000000\n客户号,客户姓名,网点,日均金融资产（万元）\n6902000002,页二,城关,150\n",
        &[],
    );
    assert!(!ok && out.contains("第 3 行：这一行又是表头") && out.contains("单位"), "{out}");
    assert!(b.client("6902000002").is_none());
    let (ok, out) = try_import(
        &b,
        "clients",
        "换序.csv",
        "客户号,客户姓名,网点\n6902000003,页三,城关\n客户姓名,客户号,网点\n页四,6902000004,城关\n",
        &[],
    );
    assert!(!ok && out.contains("列的顺序"), "{out}");
}

#[test]
fn names_masked_with_a_ring_or_latin_x_are_refused_and_latin_names_kept() {
    let b = Branch::new();
    for name in ["张〇", "李XX", "王ＸＸ"] {
        let (ok, out) =
            try_import(&b, "clients", "姓名.csv", &format!("客户号,客户姓名\n6201000001,{name}\n"), &[]);
        assert!(!ok && out.contains("遮蔽后的姓名"), "{name}: {out}");
    }
    let (ok, out) =
        try_import(&b, "clients", "拉丁.csv", "客户号,客户姓名,网点\n6902000010,Xu Xiaoxia,城关\n", &[]);
    assert!(ok, "a Latin name with X is a name: {out}");
}

#[test]
fn a_report_that_cannot_be_written_stops_the_import_before_it_writes() {
    let b = Branch::new();
    let o = b.run(&["import", "clients", "--report", "/nonexistent/报告.csv"], "07a_title_row.csv");
    let out = text(&o);
    assert!(!o.status.success() && out.contains("没有导入任何数据"), "{out}");
    assert!(b.client("6201000701").is_none());
}

#[test]
fn tier_and_name_changes_are_audited_per_client() {
    let b = Branch::new();
    let (ok, out) =
        try_import(&b, "clients", "改.csv", "客户号,客户姓名,卡级别\n6201000001,张维,钻石卡\n", &[]);
    assert!(ok, "{out}");
    let audit = text(&mingdan(&b.store, &["audit", "--limit", "20"]));
    assert!(audit.contains("卡级别 金卡 → 钻石卡") && audit.contains("客户姓名 张伟 → 张维"), "{audit}");
}

#[test]
fn an_empty_file_is_called_empty() {
    let b = Branch::new();
    for content in ["", "\u{feff}", "\n\n,,\n"] {
        let (ok, out) = try_import(&b, "clients", "空.csv", content, &[]);
        assert!(!ok && out.contains("文件是空的"), "{content:?}: {out}");
    }
}

#[test]
fn a_share_finer_than_a_tenth_of_a_percent_is_stored_cut_and_each_row_says_so() {
    let b = Branch::new();
    let file = "客户号,自办业务比例\n6201000001,79.95%\n6201000002,85%\n";
    let (ok, out) = try_import(&b, "holdings", "比例.csv", file, &["--dry-run"]);
    assert!(ok, "{out}");
    assert!(out.contains("第 2 行") && out.contains("“79.95%”比 0.1% 更细，按 0.1% 记为 79.9%"), "{out}");
    assert!(!out.contains("第 3 行，自办业务比例"), "85% is stored as written: {out}");
    let (ok, out) = try_import(&b, "holdings", "比例.csv", file, &[]);
    assert!(ok && out.contains("记为 79.9%"), "the real run says it too: {out}");
    assert_eq!(b.client("6201000001").unwrap().holdings.self_service_permille, 799);
    // A whole column of finer figures names the first rows and counts the rest.
    let mut big = String::from("客户号,客户姓名,网点,自办业务比例\n");
    for i in 0..25 {
        big.push_str(&format!("62010090{i:02},客户{i},城关,0.85341\n"));
    }
    let (ok, out) = try_import(&b, "clients", "细.csv", &big, &["--dry-run"]);
    assert!(ok, "{out}");
    assert_eq!(out.matches("比 0.1% 更细").count(), 21, "20 rows named and one line for the rest: {out}");
    assert!(out.contains("另有 5 行"), "{out}");
}
