//! Reports as managers open them (a title row, typed cells, CRLF CSV), launches corrected and
//! withdrawn, and card-tier floors edited in the settings.

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use mingdan::domain::coverage::Ratio;
use mingdan::domain::*;
use mingdan::service::imports::ClientRecord;
use mingdan::service::views::{AuditFilter, ReportKind};
use mingdan::service::{Api, ServiceError};

fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> Data {
    range.get((row, col)).cloned().unwrap_or(Data::Empty)
}

/// The fixture plus a client whose number is all digits (as the core system's are), with 王芳.
fn branch_with_numeric_client() -> Branch {
    let b = branch();
    let row = ClientRecord {
        line: 2,
        no: Some(cno("6201000001")),
        name: Some("周杰".into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        assets: Some(Fen::wan(20)),
        class: Some(ClientClass::Important),
        maintainer: Some(sno("2001")),
        ..ClientRecord::default()
    };
    assert!(b.session("9001").import_clients(vec![row], "补充.csv".into(), false, vec![]).unwrap().written);
    b
}

#[test]
fn every_sheet_opens_with_a_title_row_naming_branch_figure_period_and_as_of_date() {
    let b = branch();
    let report = b.session("1001").report(ReportKind::Coverage, None, "-".into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("覆盖.xlsx");
    mingdan::report::write_report(&path, false, &report).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    for name in ["网点", "员工"] {
        let sheet = wb.worksheet_range(name).unwrap();
        let Data::String(title) = cell(&sheet, 0, 0) else { panic!("{name}: first cell not text") };
        assert_eq!(title, format!("城关 · 2026Q4 名单制覆盖情况 · {name} · 截至 2026-11-18"));
        assert_eq!(cell(&sheet, 1, 0), Data::String(if name == "网点" { "网点" } else { "工号" }.into()));
    }
    // A past quarter is as of its last day.
    let past = b
        .session("1001")
        .report(ReportKind::Results, Some(Quarter { year: 2026, q: 3 }), "-".into())
        .unwrap();
    let heading = past.heading(&past.sheets[0]);
    // A quarter the store never froze says what its figures rest on.
    assert!(heading.contains("2026Q3 成效（") && heading.ends_with(" · 成效 · 截至 2026-09-30"), "{heading}");
}

#[test]
fn the_contacts_workbook_keeps_numbers_as_text_and_dates_as_dates_in_every_row() {
    let b = branch_with_numeric_client();
    let wang = b.session("2001");
    wang.log_contact(draft("6201000001", Purpose::Callback)).unwrap();
    let mut dated = draft("C1", Purpose::QuarterlyNotice);
    dated.next_callback = Some(d(2026, 12, 20));
    wang.log_contact(dated).unwrap();
    let report = b.session("1001").report(ReportKind::Contacts, None, "-".into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("联系.xlsx");
    mingdan::report::write_report(&path, false, &report).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = wb.worksheet_range("联系记录").unwrap();
    assert!(
        matches!(cell(&sheet, 0, 0), Data::String(t) if t.contains("联系记录") && t.contains("截至 2026-11-18"))
    );
    let headers: Vec<String> = (0..sheet.width()).map(|c| cell(&sheet, 1, c).to_string()).collect();
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap_or_else(|| panic!("{h} in {headers:?}"));
    assert_eq!(sheet.height(), 4, "title, headers, two contacts");
    let mut client_nos = Vec::new();
    for row in 2..4 {
        let no = cell(&sheet, row, col("客户号"));
        let Data::String(no) = no else { panic!("客户号 as text in every row: {no:?}") };
        client_nos.push(no);
        assert_eq!(cell(&sheet, row, col("员工工号")), Data::String("2001".into()), "工号 as text");
        let at = cell(&sheet, row, col("联系时间"));
        assert!(matches!(at, Data::DateTime(_)), "a real date-time: {at:?}");
        assert_eq!(cell(&sheet, row, col("满意度")), Data::Float(5.0), "a number");
    }
    client_nos.sort();
    assert_eq!(client_nos, ["6201000001", "C1"]);
    let next = (2..4).map(|r| cell(&sheet, r, col("下次回访"))).find(|c| *c != Data::Empty).unwrap();
    match next {
        // Excel counts days from 1899-12-30.
        Data::DateTime(x) => assert_eq!(x.as_f64(), (d(2026, 12, 20) - d(1899, 12, 30)).num_days() as f64),
        other => panic!("下次回访 as a date: {other:?}"),
    }
}

#[test]
fn csv_reports_and_exports_have_a_bom_crlf_line_ends_and_a_title_row() {
    let b = branch_with_numeric_client();
    b.session("2001").log_contact(draft("6201000001", Purpose::Callback)).unwrap();
    let m = b.session("1001");
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("覆盖.csv");
    mingdan::report::write_report(
        &report_path,
        false,
        &m.report(ReportKind::Coverage, None, "-".into()).unwrap(),
    )
    .unwrap();
    let export_path = dir.path().join("联系.csv");
    mingdan::report::write_csv(
        &export_path,
        false,
        &m.export_contacts(d(2026, 11, 1), d(2026, 11, 18), "-".into()).unwrap(),
    )
    .unwrap();
    for path in [&report_path, &export_path] {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
        let lf = bytes.iter().filter(|b| **b == b'\n').count();
        let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
        assert!(lf > 2 && lf == crlf, "{}: every line ends CRLF ({crlf} of {lf})", path.display());
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let first = text.split("\r\n").next().unwrap();
        assert!(first.starts_with("城关 · ") && first.contains("截至 2026-11-18"), "{first}");
    }
    let text = std::fs::read_to_string(&export_path).unwrap();
    assert!(text.contains("联系记录 2026-11-01 至 2026-11-18"), "{text}");
    let second = text.split("\r\n").nth(1).unwrap();
    assert!(second.starts_with("联系时间,客户号"), "headers follow the title: {second}");
}

#[test]
fn a_withdrawn_launch_cancels_open_recommendations_keeps_done_ones_and_leaves_the_totals() {
    let b = branch();
    let m = b.session("1001");
    let l = m.launch_product("个人养老金".into(), "开户推介".into(), d(2026, 12, 15)).unwrap();
    let mut dr = draft("C2", Purpose::ProductPitch);
    dr.launch = Some(l.id);
    b.session("2001").log_contact(dr).unwrap();
    let wang = |m: &mingdan::service::Session| {
        let v = m.coverage(None).unwrap();
        v.outlets[0].staff.iter().find(|s| s.staff.no.as_str() == "2001").unwrap().figures.launches
    };
    assert_eq!(wang(&m), Ratio { done: 1, of: 3 });

    assert!(
        matches!(m.withdraw_launch(l.id, " ".into()), Err(ServiceError::Invalid(_))),
        "a reason is required"
    );
    assert_eq!(m.withdraw_launch(l.id, "产品暂停发售".into()).unwrap(), 2);
    assert_eq!(wang(&m), Ratio { done: 1, of: 1 }, "cancelled recommendations are not misses");
    assert_eq!(m.coverage(None).unwrap().branch.launches, Ratio { done: 1, of: 1 });
    let list = m.launches().unwrap();
    assert_eq!(list[0].withdrawn, Some(d(2026, 11, 18)));
    assert_eq!((list[0].pitched.done, list[0].pitched.of, list[0].days_left), (1, 1, None));
    assert!(
        b.session("2001").running_launches().unwrap().is_empty(),
        "no longer offered in the contact form"
    );
    let audit = b
        .session("9001")
        .audit(AuditFilter { action: Some(AuditAction::WithdrawLaunch), ..Default::default() })
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].detail.contains("产品暂停发售") && audit[0].detail.contains("2 个"), "{audit:?}");
    // Once withdrawn it stays so, and its deadline is history.
    assert!(matches!(m.withdraw_launch(l.id, "再次".into()), Err(ServiceError::Invalid(_))));
    assert!(matches!(
        m.correct_launch(l.id, "个人养老金".into(), "开户推介".into(), d(2026, 12, 31)),
        Err(ServiceError::Invalid(_))
    ));
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn a_corrected_launch_moves_its_open_recommendations_and_is_audited() {
    let b = branch();
    let m = b.session("1001");
    let l = m.launch_product("个人养老金".into(), "开户推介".into(), d(2026, 12, 15)).unwrap();
    let fixed = m.correct_launch(l.id, "个人养老金账户".into(), "开户推介".into(), d(2026, 12, 31)).unwrap();
    assert_eq!((fixed.name.as_str(), fixed.deadline), ("个人养老金账户", d(2026, 12, 31)));
    let running = b.session("2001").running_launches().unwrap();
    assert_eq!(running[0].deadline, d(2026, 12, 31));
    let today = b.session("2001").today().unwrap();
    let shown = format!("{today:?}");
    assert!(shown.contains("个人养老金账户") && !shown.contains("2026-12-15"), "{shown}");
    let audit = b
        .session("9001")
        .audit(AuditFilter { action: Some(AuditAction::CorrectLaunch), ..Default::default() })
        .unwrap();
    assert!(audit[0].detail.contains("名称 个人养老金 → 个人养老金账户"), "{audit:?}");
    assert!(
        audit[0].detail.contains("截止 2026-12-15 → 2026-12-31") && audit[0].detail.contains("3 个"),
        "{audit:?}"
    );
    // Staff may not, and a deadline before today is refused.
    assert!(matches!(b.session("2001").withdraw_launch(l.id, "不想推".into()), Err(ServiceError::Denied(_))));
    assert!(matches!(
        m.correct_launch(l.id, "个人养老金账户".into(), String::new(), d(2026, 11, 1)),
        Err(ServiceError::Invalid(_))
    ));
}

#[test]
fn an_outlet_head_may_not_withdraw_a_branch_wide_launch() {
    let b = branch();
    let l = b.session("9001").launch_product("理财节".into(), String::new(), d(2026, 12, 15)).unwrap();
    match b.session("1001").withdraw_launch(l.id, "城关不参加".into()) {
        Err(ServiceError::Denied(msg)) => assert!(msg.contains("全支行"), "{msg}"),
        other => panic!("expected Denied, got {other:?}"),
    }
    assert_eq!(b.session("9001").withdraw_launch(l.id, "活动取消".into()).unwrap(), 3);
}

#[test]
fn tier_floors_are_edited_through_the_rules_and_refused_out_of_order() {
    let b = branch();
    let admin = b.session("9001");
    let was = admin.rules().unwrap();
    let mut rules = was.clone();
    rules.tier_floors[0].1 = Fen::wan(12);
    rules.notice_grace_days = 10;
    admin.set_rules(rules.clone(), was.clone()).unwrap();
    assert_eq!(admin.rules().unwrap().tier_for(Fen::wan(11)), CardTier::Ordinary);
    let audit =
        admin.audit(AuditFilter { action: Some(AuditAction::SetRules), ..Default::default() }).unwrap();
    assert!(audit[0].detail.contains("金卡门槛 10.0万→12.0万"), "{audit:?}");
    assert!(audit[0].detail.contains("15→10"), "{audit:?}");

    let mut wrong = rules.clone();
    wrong.tier_floors[0].1 = Fen::wan(60);
    match admin.set_rules(wrong, rules.clone()) {
        Err(ServiceError::Invalid(v)) => {
            assert_eq!(v[0].field.zh(), "卡级别门槛");
            assert!(v[0].problem.to_string().contains("白金卡"), "{v:?}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(admin.rules().unwrap(), rules, "nothing changed");
}

#[test]
fn the_results_workbook_carries_eight_quarters_and_native_excel_charts_of_them() {
    let b = branch();
    let report = b.session("1001").report(ReportKind::Results, None, "-".into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("成效.xlsx");
    mingdan::report::write_xlsx(&path, false, &report).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = wb.worksheet_range("季度趋势").unwrap();
    assert_eq!(cell(&sheet, 1, 0), Data::String("季度".into()));
    assert_eq!(cell(&sheet, 2, 0), Data::String("2025Q1".into()), "eight quarters, oldest first");
    assert_eq!(cell(&sheet, 9, 0), Data::String("2026Q4".into()));
    assert!(matches!(cell(&sheet, 9, 2), Data::Float(_)), "the gold count is a number");
    // Excel's own charts, each drawing one column of those eight rows.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let charts: Vec<String> = (1..=4)
        .map(|i| {
            let mut xml = String::new();
            std::io::Read::read_to_string(
                &mut zip.by_name(&format!("xl/charts/chart{i}.xml")).unwrap(),
                &mut xml,
            )
            .unwrap();
            xml
        })
        .collect();
    assert!(charts[0].contains("季度趋势!$C$3:$C$10"), "{}", charts[0]);
    assert!(charts[1].contains("季度趋势!$D$3:$D$10"));
    assert!(charts.iter().all(|c| c.contains("季度趋势!$A$3:$A$10")), "quarters along the axis");
    assert!(zip.by_name("xl/charts/chart5.xml").is_err(), "the other sheets have no charts");
}
