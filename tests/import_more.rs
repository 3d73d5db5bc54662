//! Imports beyond the CSV register: contact logs through the service (the same rules as a
//! contact logged on screen) and workbooks through the real binary.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use mingdan::domain::*;
use mingdan::service::{Api, ContactRecord};

fn record(line: u64, client: &str, at: chrono::NaiveDateTime, by: &str, purpose: Purpose) -> ContactRecord {
    ContactRecord {
        line,
        client: Some(cno(client)),
        at: Some(at),
        by: Some(sno(by)),
        channel: Some(Channel::Phone),
        purpose: Some(purpose),
        outcome: Some(Outcome::Success),
        ..ContactRecord::default()
    }
}

#[test]
fn an_imported_contact_log_completes_tasks_like_contacts_logged_on_screen() {
    let b = branch();
    let admin = b.session("9001");
    let yesterday = at(d(2026, 11, 17), 15, 0);
    let mut callback = record(3, "C2", at(d(2026, 11, 16), 9, 0), "2001", Purpose::Callback);
    callback.next_callback = Some(d(2026, 12, 7));
    let rows = vec![record(2, "C1", yesterday, "2001", Purpose::QuarterlyNotice), callback];
    let dry = admin.import_contacts(rows.clone(), "外呼.xlsx".into(), true).unwrap();
    assert!(dry.problems.is_empty(), "{:?}", dry.problems);
    assert_eq!((dry.added, dry.written), (2, false));
    let before = b.session("2001").today().unwrap().quarterly.done;

    let out = admin.import_contacts(rows.clone(), "外呼.xlsx".into(), false).unwrap();
    assert!(out.written && out.added == 2, "{out:?}");
    let card = b.session("2001").client(cno("C1")).unwrap();
    assert_eq!(card.contacts.len(), 1);
    assert_eq!(card.contacts[0].by.name, "王芳", "the contact is the teller's, not the admin's");
    assert!(
        !card.open_tasks.iter().any(|t| matches!(t.id.kind, TaskKind::Quarterly(_))),
        "the notice is done"
    );
    assert_eq!(card.client.last_contact, Some(d(2026, 11, 17)));
    assert_eq!(b.session("2001").today().unwrap().quarterly.done, before + 1);
    let c2 = b.session("2001").client(cno("C2")).unwrap();
    assert_eq!(c2.client.next_callback, Some(d(2026, 12, 7)), "the agreed callback is scheduled");

    // The same log again adds nothing.
    let again = admin.import_contacts(rows, "外呼.xlsx".into(), false).unwrap();
    assert_eq!((again.added, again.unchanged), (0, 2), "{again:?}");
    assert_eq!(b.session("2001").client(cno("C1")).unwrap().contacts.len(), 1);

    // Every contact has its own audit record naming the row.
    let audit = admin.audit(mingdan::service::views::AuditFilter::default()).unwrap();
    let per_contact = audit
        .iter()
        .filter(|r| r.action == AuditAction::LogContact && r.detail.contains("外呼.xlsx"))
        .count();
    assert_eq!(per_contact, 2);
}

#[test]
fn a_contact_log_with_one_bad_row_imports_nothing() {
    let b = branch();
    let admin = b.session("9001");
    let good = record(2, "C1", at(d(2026, 11, 17), 15, 0), "2001", Purpose::QuarterlyNotice);
    let old = record(3, "C2", at(d(2026, 9, 1), 15, 0), "2001", Purpose::Callback);
    let future = record(4, "C3", at(d(2026, 11, 19), 15, 0), "2001", Purpose::Callback);
    let stranger = record(5, "C9", at(d(2026, 11, 17), 15, 0), "2001", Purpose::Callback);
    let nobody = record(6, "C3", at(d(2026, 11, 17), 15, 0), "7777", Purpose::Callback);
    let out = admin
        .import_contacts(vec![good, old, future, stranger, nobody], "纸质登记.csv".into(), false)
        .unwrap();
    assert!(!out.written);
    let at: Vec<(u64, &str)> = out.problems.iter().map(|p| (p.line, p.column.as_str())).collect();
    assert_eq!(at, [(3, "联系时间"), (4, "联系时间"), (5, "客户号"), (6, "员工工号")], "{:?}", out.problems);
    assert!(b.session("2001").client(cno("C1")).unwrap().contacts.is_empty(), "all or nothing");
}

#[test]
fn only_an_administrator_imports_contacts() {
    let b = branch();
    let rows = vec![record(2, "C1", at(d(2026, 11, 17), 15, 0), "2001", Purpose::QuarterlyNotice)];
    assert!(b.session("2001").import_contacts(rows.clone(), "x.csv".into(), false).is_err());
    assert!(b.session("1001").import_contacts(rows, "x.csv".into(), false).is_err());
}

fn mingdan(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).arg("--store").arg(store).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn a_workbook_is_imported_cell_by_cell_text_ids_real_dates_and_numbers() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let o = mingdan(&store, &["init", "--no", "9001", "--name", "管理员", "--outlet", "城关"]);
    assert!(o.status.success(), "{}", text(&o));

    let path = dir.path().join("客户名单.xlsx");
    let text_fmt = Format::new().set_num_format("@");
    let date_fmt = Format::new().set_num_format("yyyy/m/d");
    // The header at `row` and one good client below it: text IDs, a real date, numbers.
    let register = |ws: &mut rust_xlsxwriter::Worksheet, row: u32| {
        for (c, h) in
            ["客户号", "客户姓名", "证件号码", "出生日期", "网点", "日均金融资产（万元）", "自办业务比例"]
                .iter()
                .enumerate()
        {
            ws.write_string(row, c as u16, *h).unwrap();
        }
        let row = row + 1;
        ws.write_string_with_format(row, 0, "0062010001", &text_fmt).unwrap();
        ws.write_string(row, 1, "阿依古丽•买买提").unwrap();
        ws.write_string_with_format(row, 2, "11010519491231002X", &text_fmt).unwrap();
        ws.write_date_with_format(row, 3, d(1949, 12, 31), &date_fmt).unwrap();
        ws.write_string(row, 4, "城关支行").unwrap();
        ws.write_number(row, 5, 52.3).unwrap();
        ws.write_number(row, 6, 0.853).unwrap();
    };
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("说明").unwrap();
    ws.write_string(0, 0, "这一页不是名单").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("名单").unwrap();
    ws.write_string(0, 0, "个人客户名单（2026年11月）").unwrap();
    register(ws, 2);
    // An ID typed as a number: Excel kept 15 digits, the rest is gone.
    ws.write_number(4, 0, 6201000002.0).unwrap();
    ws.write_string(4, 1, "李娜").unwrap();
    ws.write_number(4, 2, 410105198208200221.0).unwrap();
    ws.write_string(4, 4, "城关").unwrap();
    wb.save(&path).unwrap();

    let p = path.to_str().unwrap();
    let o = mingdan(&store, &["import", "clients", p]);
    let out = text(&o);
    assert!(!o.status.success(), "the second sheet is not read by default: {out}");
    assert!(out.contains("找不到表头"), "{out}");

    let o = mingdan(&store, &["import", "clients", p, "--sheet", "名单"]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("第 5 行，证件号码") && out.contains("文本"), "{out}");
    assert!(out.contains("第 1 行：表头之上的标题行"), "{out}");

    // Without the damaged row the sheet goes in with every digit and the date as a date.
    let mut wb = Workbook::new();
    register(wb.add_worksheet(), 0);
    wb.save(&path).unwrap();
    let o = mingdan(&store, &["import", "clients", p]);
    assert!(o.status.success(), "{}", text(&o));
    let s = mingdan::store::Store::open(&store).unwrap();
    let c = s.client(&cno("0062010001")).unwrap().unwrap();
    assert_eq!(c.id_number, "11010519491231002X");
    assert_eq!(c.birthday, Some(d(1949, 12, 31)));
    assert_eq!(c.assets, Some(Fen(52_300_000)));
    assert_eq!(c.holdings.self_service_permille, 853);
    assert_eq!(c.outlet.as_str(), "城关");
    assert_eq!(c.name, "阿依古丽·买买提", "middle dots become one");
}

#[test]
fn a_long_contact_log_is_written_whole_in_batches() {
    let b = branch();
    let admin = b.session("9001");
    // More contacts than one batch holds (`store::BULK_BATCH_ROWS`), a minute apart.
    let n = mingdan::store::BULK_BATCH_ROWS as u64 + 150;
    let start = at(d(2026, 11, 1), 9, 0);
    let rows: Vec<ContactRecord> = (0..n)
        .map(|i| {
            let client = ["C1", "C2", "C3"][(i % 3) as usize];
            record(i + 2, client, start + chrono::Duration::minutes(i as i64), "2001", Purpose::Marketing)
        })
        .collect();
    let out = admin.import_contacts(rows, "外呼.csv".into(), false).unwrap();
    assert!(out.written && out.added as u64 == n, "{out:?}");
    let stored = admin.export_contacts(d(2026, 11, 1), d(2026, 11, 18), "-".into()).unwrap();
    assert_eq!(stored.rows.len() as u64, n, "every contact of the log is stored");
    let filter = mingdan::service::views::AuditFilter {
        action: Some(AuditAction::LogContact),
        limit: n as u32 + 10,
        ..Default::default()
    };
    assert_eq!(admin.audit(filter).unwrap().len() as u64, n, "one audit record per contact");
    assert!(b.session("9001").check().unwrap().is_ok(), "indexes agree with the records");
}

#[test]
fn a_log_row_with_several_purposes_completes_each_task_in_one_contact() {
    let b = branch();
    b.session("1001").launch_product("养老理财".into(), "稳健".into(), d(2026, 12, 20)).unwrap();
    let admin = b.session("9001");
    let mut row = record(2, "C3", at(d(2026, 11, 17), 15, 0), "2001", Purpose::Callback);
    row.also = vec![Purpose::ProductPitch, Purpose::QuarterlyNotice];
    row.launch = Some("养老理财".into());
    let out = admin.import_contacts(vec![row], "外呼.xlsx".into(), false).unwrap();
    assert!(out.problems.is_empty() && out.added == 1, "{out:?}");
    let card = b.session("2001").client(cno("C3")).unwrap();
    assert_eq!(card.contacts.len(), 1, "one contact record");
    let aims: Vec<Purpose> = card.contacts[0].contact.aims().iter().map(|a| a.purpose).collect();
    assert_eq!(aims, vec![Purpose::Callback, Purpose::ProductPitch, Purpose::QuarterlyNotice]);
    assert!(
        // C3 is 重要: this quarter's survey is still owed; the log row did not survey.
        card.open_tasks.iter().all(|t| matches!(t.id.kind, TaskKind::Callback { .. } | TaskKind::Survey(_))),
        "the pitch and the notice are done, the callback rescheduled: {:?}",
        card.open_tasks
    );
}

/// A register bigger than one write batch, imported with standard error going to a log (as the
/// nightly timer or a script runs it): the log shows both passes moving, each line with its
/// count and rate, and the write pass ends at the whole count — while standard output keeps
/// only the import's result.
#[test]
fn a_long_import_writes_progress_lines_to_a_log_and_its_result_to_stdout() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let o = mingdan(&store, &["init", "--no", "9001", "--name", "管理员", "--outlet", "城关"]);
    assert!(o.status.success(), "{}", text(&o));
    let path = dir.path().join("register.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "客户号,客户姓名,网点,客户分类").unwrap();
    let rows = 5_000;
    for i in 0..rows {
        writeln!(f, "62{i:010},客户{i},城关,重要客户").unwrap();
    }
    drop(f);
    let o = Command::new(env!("CARGO_BIN_EXE_mingdan"))
        .arg("--store")
        .arg(&store)
        .args(["import", "clients"])
        .arg(&path)
        .env("MINGDAN_PROGRESS_EVERY_MS", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(out.contains("新增 5000"), "{out}");
    assert!(!out.contains("导入：写入"), "progress stays off standard output: {out}");
    let written: Vec<&str> = err.lines().filter(|l| l.starts_with("导入：写入：")).collect();
    assert!(!written.is_empty(), "no progress of the write pass in: {err}");
    assert!(
        written.last().unwrap().starts_with("导入：写入：5,000 / 5,000 位客户（100%）"),
        "the last line has the whole count: {written:?}"
    );
    assert!(written.iter().all(|l| l.contains("每秒")), "each line has a rate: {written:?}");
    assert!(err.lines().any(|l| l.starts_with("导入：读取并检查：")), "the check pass shows too: {err}");
}
