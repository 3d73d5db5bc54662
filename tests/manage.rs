//! Manager work on a real store: coverage figures, unassigned clients, handover, launches,
//! results, and the reports management receives.

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use mingdan::domain::coverage::Ratio;
use mingdan::domain::*;
use mingdan::service::views::{AuditFilter, ReportKind, RosterFilter, RosterSort};
use mingdan::service::{Api, ServiceError};

#[test]
fn staff_are_refused_every_manager_screen_and_report() {
    let b = branch();
    let s = b.session("2001");
    let denied = |r: Result<(), ServiceError>, what: &str| match r {
        Err(ServiceError::Denied(_)) => {}
        other => panic!("{what}: expected Denied, got {other:?}"),
    };
    denied(s.coverage(None).map(drop), "coverage");
    denied(s.unassigned(None).map(drop), "unassigned");
    denied(s.suggest_maintainers(vec![cno("C4")]).map(drop), "suggest");
    denied(s.assign_pairs(vec![(cno("C4"), sno("2001"))], None, "新客户".into()).map(drop), "assign pairs");
    denied(s.assign_preview(vec![(cno("C1"), Some(sno("2002")))]).map(drop), "preview");
    denied(s.launches().map(drop), "launches");
    denied(s.results(None).map(drop), "results");
    for kind in [ReportKind::Coverage, ReportKind::Results, ReportKind::Contacts] {
        denied(s.report(kind, None, "-".into()).map(drop), "report");
    }
}

#[test]
fn coverage_counts_each_staff_member_against_their_quota() {
    let b = branch();
    b.session("2001").log_contact(draft("C1", Purpose::QuarterlyNotice)).unwrap();
    let m = b.session("1001");
    let v = m.coverage(None).unwrap();
    assert_eq!(v.quarter, Quarter { year: 2026, q: 4 });
    let outlet = &v.outlets[0];
    assert_eq!(outlet.outlet.as_str(), "城关");
    let wang = outlet.staff.iter().find(|s| s.staff.no.as_str() == "2001").unwrap();
    assert_eq!((wang.standing.size, wang.standing.minimum, wang.standing.shortfall()), (3, 10, 7));
    assert_eq!(wang.figures.quarterly, Ratio { done: 1, of: 3 });
    assert_eq!(wang.figures.sticker, Ratio { done: 0, of: 3 });
    // The outlet head has no clients yet: 25 short.
    let head = outlet.staff.iter().find(|s| s.staff.no.as_str() == "1001").unwrap();
    assert_eq!(head.standing.shortfall(), 25);
    // Everyone whose job role has a quota is counted, the administrator's back-office role too.
    assert_eq!(outlet.staff.len(), 4);
    assert_eq!(v.below_quota, 4);
    assert_eq!(v.branch_average.clients, 3);
}

#[test]
fn unassigned_premium_clients_go_to_whoever_is_furthest_below_quota() {
    let b = branch();
    let m = b.session("1001");
    let rows = m.unassigned(None).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].no, cno("C4"));
    assert_eq!(rows[0].suggested.as_ref().map(|s| s.no.as_str()), Some("1001"), "25 short beats 10 short");
    let pairs = vec![(cno("C4"), rows[0].suggested.clone().unwrap().no)];
    assert_eq!(m.assign_pairs(pairs, None, "新增金卡客户".into()).unwrap(), 1);
    assert!(m.unassigned(None).unwrap().is_empty());
    assert_eq!(m.whoami().unwrap().standing.size, 1);
    let audit =
        b.session("9001").audit(AuditFilter { target: Some("C4".into()), ..Default::default() }).unwrap();
    assert_eq!(audit[0].action, AuditAction::Assign);
    assert_eq!(audit[0].detail, "（无） → 1001：新增金卡客户");
}

#[test]
fn a_whole_roster_handover_moves_every_client_and_task_and_audits_each() {
    let b = branch();
    let s = b.session("2001");
    s.log_contact(draft("C1", Purpose::QuarterlyNotice)).unwrap();
    let before = s.roster(None, RosterSort::Name, RosterFilter::default()).unwrap();
    let clients: Vec<ClientNo> = before.rows.iter().map(|r| r.no.clone()).collect();
    let m = b.session("1001");
    let preview = m.assign_preview(clients.iter().map(|c| (c.clone(), Some(sno("2002")))).collect()).unwrap();
    let effect = |no: &str| {
        preview.effects.iter().find(|e| e.staff.no.as_str() == no).map(|e| (e.before, e.after, e.minimum))
    };
    assert_eq!(effect("2001"), Some((3, 0, 10)));
    assert_eq!(effect("2002"), Some((0, 3, 10)));
    assert_eq!(s.whoami().unwrap().standing.size, 3, "a preview changes nothing");

    assert_eq!(m.assign(clients.clone(), Some(sno("2002")), "王芳调往东街网点".into()).unwrap(), 3);
    assert_eq!(s.whoami().unwrap().standing.size, 0);
    let other = b.session("2002");
    assert_eq!(other.whoami().unwrap().standing.size, 3);
    let today = other.today().unwrap();
    assert_eq!(
        (today.quarterly.done, today.quarterly.total),
        (0, 2),
        "open notices not yet due moved; the one 2001 gave stays to their credit"
    );
    let giver = s.today().unwrap();
    assert_eq!((giver.quarterly.done, giver.quarterly.total), (1, 1));
    for no in &clients {
        let card = other.client(no.clone()).unwrap();
        assert_eq!(card.client.maintainer.as_ref().map(|m| m.no.as_str()), Some("2002"));
        assert!(
            card.open_tasks.iter().any(|t| matches!(t.id.kind, TaskKind::Callback { .. })),
            "callback kept"
        );
    }
    let audit = b
        .session("9001")
        .audit(AuditFilter { action: Some(AuditAction::Assign), ..Default::default() })
        .unwrap();
    let moved: Vec<&str> = audit
        .iter()
        .filter(|r| r.detail == "2001 → 2002：王芳调往东街网点")
        .map(|r| r.target.as_str())
        .collect();
    assert_eq!(moved.len(), 3, "{audit:?}");
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn launches_list_their_coverage() {
    let b = branch();
    let m = b.session("1001");
    let l = m.launch_product("个人养老金".into(), "开户推介".into(), d(2026, 12, 15)).unwrap();
    let mut dr = draft("C2", Purpose::ProductPitch);
    dr.launch = Some(l.id);
    b.session("2001").log_contact(dr).unwrap();
    let list = m.launches().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].pitched.done, list[0].pitched.of), (1, 3));
    assert!(list[0].days_left.is_some(), "still running");
}

#[test]
fn results_compare_with_the_same_date_last_year_from_import_snapshots() {
    let b = branch();
    // The fixture's import made today's snapshot; a year on, a second import makes another.
    b.clock.advance(chrono::Duration::days(365));
    let admin = b.session("9001");
    let more = vec![mingdan::service::imports::ClientRecord {
        line: 2,
        no: Some(cno("C9")),
        name: Some("新客户".into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        assets: Some(Fen::wan(40)),
        ..Default::default()
    }];
    assert!(admin.import_clients(more, "新增.csv".into(), false, vec![]).unwrap().written);
    let r = b.session("1001").results(None).unwrap();
    assert_eq!(r.now.gold_plus, 5);
    let before = r.year_ago.expect("last year's import snapshot");
    assert_eq!(before.gold_plus, 4);
    assert_eq!(r.growth.permille, Some(250));
    assert!(r.growth.met(), "25% is above the 15% target");
}

fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> Data {
    range.get((row, col)).cloned().unwrap_or(Data::Empty)
}

#[test]
fn the_coverage_workbook_reopens_with_chinese_headers_numbers_and_percentages() {
    let b = branch();
    b.session("2001").log_contact(draft("C1", Purpose::QuarterlyNotice)).unwrap();
    let report = b.session("1001").report(ReportKind::Coverage, None, "-".into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("覆盖.xlsx");
    mingdan::report::write_report(&path, false, &report).unwrap();

    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["网点", "员工"]);
    let staff = wb.worksheet_range("员工").unwrap();
    let headers: Vec<String> = (0..staff.width()).map(|c| cell(&staff, 1, c).to_string()).collect();
    assert_eq!(headers[..7], ["工号", "姓名", "网点", "岗位", "名单客户数", "岗位配额", "差额"]);
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let row = (1..staff.height()).find(|r| cell(&staff, *r, 0) == Data::String("2001".into())).unwrap();
    assert_eq!(cell(&staff, row, col("名单客户数")), Data::Float(3.0), "a number, not text");
    assert_eq!(cell(&staff, row, col("差额")), Data::Float(7.0));
    let q = cell(&staff, row, col("季度告知覆盖率"));
    assert!(
        matches!(q, Data::Float(f) if (f - 0.333).abs() < 1e-9),
        "a share as a fraction, shown as %: {q:?}"
    );
    let outlets = wb.worksheet_range("网点").unwrap();
    let last = outlets.height() - 1;
    assert_eq!(cell(&outlets, last, 0), Data::String("全行".into()));
    let audit = b
        .session("9001")
        .audit(AuditFilter { action: Some(AuditAction::Export), ..Default::default() })
        .unwrap();
    assert!(audit[0].detail.contains("名单制覆盖情况"), "{audit:?}");
}

#[test]
fn a_roster_spread_over_the_outlet_goes_to_several_people_never_back_to_its_maintainer() {
    let b = branch();
    let m = b.session("1001");
    let clients = vec![cno("C1"), cno("C2"), cno("C3")];
    let suggested = m.suggest_maintainers(clients.clone()).unwrap();
    let to: Vec<&str> = suggested.iter().map(|(_, s)| s.as_ref().unwrap().no.as_str()).collect();
    assert!(to.iter().all(|no| *no != "2001"), "not back to 王芳: {to:?}");
    // 1001 is 25 short, 2002 and 9001 10 short: three clients all fit under 1001's shortfall.
    assert_eq!(to, ["1001", "1001", "1001"]);
    let pairs = suggested.into_iter().map(|(c, s)| (c, s.unwrap().no)).collect();
    assert_eq!(m.assign_pairs(pairs, Some(sno("2001")), "王芳休产假".into()).unwrap(), 3);
    assert_eq!(b.session("2001").whoami().unwrap().standing.size, 0);
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn the_manager_gets_exactly_the_pairing_the_screen_showed() {
    let b = branch();
    let m = b.session("1001");
    // Whatever the suggestion would be, the pair sent is the pair done.
    assert_eq!(m.assign_pairs(vec![(cno("C4"), sno("2002"))], None, "手工指定".into()).unwrap(), 1);
    let card = m.client(cno("C4")).unwrap();
    assert_eq!(card.client.maintainer.map(|s| s.no), Some(sno("2002")));
}

#[test]
fn a_move_prepared_before_a_colleagues_assignment_is_refused_not_applied() {
    let b = branch();
    let a = b.session("1001");
    // Another manager gives C4 to 王芳 while 赵敏 is looking at 待分配, where C4 had no one.
    a.assign(vec![cno("C4")], Some(sno("2001")), "另一位管理者分配".into()).unwrap();
    match a.assign_pairs(vec![(cno("C4"), sno("2002"))], None, "按建议分配".into()) {
        Err(ServiceError::Conflict(msg)) => assert!(msg.contains("C4") && msg.contains("2001"), "{msg}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let card = a.client(cno("C4")).unwrap();
    assert_eq!(card.client.maintainer.map(|s| s.no), Some(sno("2001")), "王芳 keeps the client");
}

#[test]
fn a_contacts_export_to_the_last_date_there_is_does_not_fail() {
    let b = branch();
    b.session("2001").log_contact(draft("C1", Purpose::Callback)).unwrap();
    let t = b.session("1001").export_contacts(d(2026, 1, 1), chrono::NaiveDate::MAX, "-".into()).unwrap();
    assert_eq!(t.rows.len(), 1);
}
