//! The service on a real store: writes are atomic and durable, permissions hold, audits are kept.

mod common;

use common::*;
use mingdan::domain::*;
use mingdan::service::views::{AuditFilter, RosterFilter, RosterSort};
use mingdan::service::{Api, ServiceError};

fn kinds(tasks: &[mingdan::service::views::TaskView]) -> Vec<TaskKind> {
    tasks.iter().map(|t| t.id.kind).collect()
}

fn open_kinds(s: &impl Api, client: &str) -> Vec<TaskKind> {
    s.client(cno(client)).unwrap().open_tasks.iter().map(|t| t.id.kind).collect()
}

#[test]
fn assigned_clients_are_owed_a_callback_and_this_quarters_notification() {
    let b = branch();
    let kinds = open_kinds(&b.session("2001"), "C1");
    // C1 is 重要: surveyed every quarter (seed 000: 重要客户 跟踪服务满意度).
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds.contains(&TaskKind::Survey(SurveyFor::Period(Quarter { year: 2026, q: 4 }))));
    assert!(kinds.iter().any(|k| matches!(k, TaskKind::Callback { .. })));
    assert!(kinds.contains(&TaskKind::Quarterly(Quarter { year: 2026, q: 4 })));
    // The unassigned client owes nothing.
    assert!(open_kinds(&b.session("2001"), "C4").is_empty());
    let card = b.session("2001").client(cno("C1")).unwrap();
    assert_eq!(card.client.next_callback, Some(d(2026, 11, 25)), "first callback a week after assignment");
}

#[test]
fn a_quarterly_contact_completes_the_task_and_survives_a_restart() {
    let b = branch();
    let s = b.session("2001");
    let logged = s.log_contact(draft("C1", Purpose::QuarterlyNotice)).unwrap();
    let done = kinds(&logged.completed);
    assert!(done.contains(&TaskKind::Quarterly(Quarter { year: 2026, q: 4 })), "{done:?}");
    // Reaching the client is also the regular callback (`Rules::any_contact_resets_callback`).
    assert!(done.iter().any(|k| matches!(k, TaskKind::Callback { .. })), "{done:?}");
    drop(s);
    let b = b.reopen();
    let card = b.session("2001").client(cno("C1")).unwrap();
    assert_eq!(card.contacts.len(), 1);
    assert_eq!(card.contacts[0].contact.purpose, Purpose::QuarterlyNotice);
    assert_eq!(card.contacts[0].by.name, "王芳");
    assert!(!card.open_tasks.iter().any(|t| matches!(t.id.kind, TaskKind::Quarterly(_))));
    assert_eq!(card.client.last_contact, Some(d(2026, 11, 18)));
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn a_callback_completes_and_the_next_one_is_scheduled_atomically() {
    let b = branch();
    let s = b.session("2001");
    let mut dr = draft("C2", Purpose::Callback);
    dr.next_callback = Some(d(2026, 12, 5));
    let logged = s.log_contact(dr).unwrap();
    assert!(matches!(kinds(&logged.completed)[..], [TaskKind::Callback { .. }]));
    assert_eq!(logged.next_callback, Some(d(2026, 12, 5)));
    drop(s);
    let b = b.reopen();
    let card = b.session("2001").client(cno("C2")).unwrap();
    assert_eq!(card.client.next_callback, Some(d(2026, 12, 5)));
    let callbacks: Vec<_> =
        card.open_tasks.iter().filter(|t| matches!(t.id.kind, TaskKind::Callback { .. })).collect();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0].due, d(2026, 12, 5));
    let report = b.session("9001").check().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
}

#[test]
fn an_invalid_contact_is_refused_with_its_fields_and_nothing_is_written() {
    let b = branch();
    let s = b.session("2001");
    let mut dr = draft("C1", Purpose::Callback);
    dr.satisfaction = Some(9);
    dr.next_callback = Some(d(2026, 11, 1));
    match s.log_contact(dr) {
        Err(ServiceError::Invalid(list)) => {
            let fields: Vec<&str> = list.iter().map(|i| i.field.zh()).collect();
            assert_eq!(fields, ["满意度", "下次回访"]);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(s.client(cno("C1")).unwrap().contacts.is_empty());
}

#[test]
fn staff_may_log_contacts_on_any_client_but_only_edit_their_own_plans() {
    let b = branch();
    let other = b.session("2002");
    other.log_contact(draft("C1", Purpose::Marketing)).unwrap();
    match other.set_plan(cno("C1"), "推荐养老理财".into()) {
        Err(ServiceError::Denied(_)) => {}
        r => panic!("expected Denied, got {r:?}"),
    }
    b.session("2001").set_plan(cno("C1"), "推荐养老理财\n年底前上门".into()).unwrap();
    assert_eq!(b.session("2002").client(cno("C1")).unwrap().client.plan, "推荐养老理财\n年底前上门");
}

#[test]
fn staff_are_refused_every_manager_and_admin_action() {
    let b = branch();
    let s = b.session("2001");
    let denied = |r: Result<(), ServiceError>, what: &str| match r {
        Err(ServiceError::Denied(_)) => {}
        other => panic!("{what}: expected Denied, got {other:?}"),
    };
    denied(s.assign(vec![cno("C4")], Some(sno("2001")), "新客户".into()).map(drop), "assign");
    denied(s.launch_product("养老理财".into(), String::new(), d(2026, 12, 31)).map(drop), "launch");
    denied(s.set_rules(Rules::default(), Rules::default()), "rules");
    denied(
        s.roster(Some(sno("2002")), RosterSort::default(), RosterFilter::default()).map(drop),
        "other roster",
    );
    denied(s.import_clients(vec![], "x.csv".into(), false, vec![]).map(drop), "import");
    denied(s.save_staff(staff("2003", "新人", "柜员", "城关", Permission::Staff)), "save staff");
    denied(s.export_roster(None, true, "-".into()).map(drop), "unmasked export");
    denied(s.export_contacts(d(2026, 1, 1), d(2026, 12, 31), "-".into()).map(drop), "contacts export");
    denied(s.check().map(drop), "check");
    denied(s.audit(AuditFilter::default()).map(drop), "audit");
    // A manager may assign but still not administer.
    let m = b.session("1001");
    assert_eq!(m.assign(vec![cno("C4")], Some(sno("2002")), "新客户".into()).unwrap(), 1);
    denied(m.import_clients(vec![], "x.csv".into(), false, vec![]).map(drop), "manager import");
}

#[test]
fn every_write_reveal_and_export_is_audited() {
    let b = branch();
    let s = b.session("2001");
    s.log_contact(draft("C1", Purpose::Callback)).unwrap();
    assert_eq!(s.reveal(cno("C1"), Sensitive::Phone).unwrap(), "13800138000");
    s.set_sticker(cno("C1"), true, None).unwrap();
    s.export_roster(None, false, "-".into()).unwrap();
    let admin = b.session("9001");
    let mine = admin.audit(AuditFilter { actor: Some("2001".into()), ..AuditFilter::default() }).unwrap();
    let actions: Vec<AuditAction> = mine.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [AuditAction::Export, AuditAction::SetSticker, AuditAction::Reveal, AuditAction::LogContact]
    );
    assert_eq!(mine[2].target, "C1");
    assert_eq!(mine[2].detail, "手机号码");
}

#[test]
fn sensitive_fields_are_masked_for_staff_and_balances_shown_to_managers() {
    let b = branch();
    let card = b.session("2001").client(cno("C1")).unwrap();
    assert_eq!(card.client.phone, "138****8000");
    assert_eq!(card.client.id_number, "1101**********002X");
    let band = mingdan::domain::mask::Band { from_wan: 10, to_wan: Some(50) };
    assert_eq!(card.client.assets, mingdan::service::views::Amount::Band(band));
    let card = b.session("1001").client(cno("C1")).unwrap();
    assert_eq!(card.client.phone, "138****8000", "managers see phones masked too");
    assert_eq!(card.client.assets, mingdan::service::views::Amount::Exact(Fen::wan(30)));
    let table = b.session("2001").export_roster(None, false, "-".into()).unwrap();
    let phone_col = table.headers.iter().position(|h| h == "手机号码").unwrap();
    assert!(table.rows.iter().all(|r| r[phone_col].contains("****")));
}

#[test]
fn handover_moves_open_tasks_and_leaves_history() {
    let b = branch();
    b.session("2001").log_contact(draft("C1", Purpose::QuarterlyNotice)).unwrap();
    let m = b.session("1001");
    assert_eq!(m.assign(vec![cno("C1"), cno("C2")], Some(sno("2002")), "王芳调岗".into()).unwrap(), 2);
    let page = b.session("2002").roster(None, RosterSort::Name, RosterFilter::default()).unwrap();
    let names: Vec<&str> = page.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["曾小红", "张伟"], "sorted by pinyin: zeng before zhang");
    assert_eq!(b.session("2001").whoami().unwrap().standing.size, 1);
    // The open notice went with C2; the one 王芳 gave to C1 stays to her credit.
    let today = b.session("2002").today().unwrap();
    assert_eq!((today.quarterly.done, today.quarterly.total), (0, 1));
    let giver = b.session("2001").today().unwrap();
    assert_eq!((giver.quarterly.done, giver.quarterly.total), (1, 2), "C1 given, C3 still owed");
    assert!(m.assign(vec![cno("C3")], Some(sno("2002")), "  ".into()).is_err(), "a reason is required");
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn a_product_launch_creates_one_task_per_roster_client_and_a_pitch_completes_it() {
    let b = branch();
    let launch = b.session("1001").launch_product("养老理财".into(), "稳健".into(), d(2026, 12, 20)).unwrap();
    let s = b.session("2001");
    let today = s.today().unwrap();
    assert_eq!(today.launches.len(), 1);
    assert_eq!(today.launches[0].progress.total, 3);
    let mut dr = draft("C3", Purpose::ProductPitch);
    dr.launch = Some(launch.id);
    dr.outcome = Outcome::Declined;
    let done = s.log_contact(dr).unwrap().completed;
    let pitched = done.iter().find(|t| t.id.kind == TaskKind::Launch(launch.id)).unwrap();
    assert_eq!(pitched.launch_name.as_deref(), Some("养老理财"));
    assert_eq!(s.today().unwrap().launches[0].progress.done, 1);
}

#[test]
fn a_new_quarter_brings_new_notification_tasks_and_lapses_the_old() {
    let b = branch();
    b.session("2001").log_contact(draft("C1", Purpose::QuarterlyNotice)).unwrap();
    b.clock.advance(chrono::Duration::days(45)); // 2027-01-02
    let s = b.session("2001");
    let today = s.today().unwrap();
    assert_eq!(today.quarterly.kind, TaskKind::Quarterly(Quarter { year: 2027, q: 1 }));
    assert_eq!((today.quarterly.done, today.quarterly.total), (0, 3));
    // Q4's notice can still be completed by a contact dated in Q4 for the 31-day backdating
    // window; it lapses on 02-01.
    let q4 = TaskKind::Quarterly(Quarter { year: 2026, q: 4 });
    assert!(open_kinds(&s, "C2").contains(&q4), "still completable on 01-02");
    b.clock.advance(chrono::Duration::days(30)); // 2027-02-01
    assert!(!open_kinds(&s, "C2").contains(&q4), "last quarter's lapsed");
    assert!(b.session("9001").check().unwrap().is_ok());
}

/// With the housekeeping on a background thread (the server and the embedded TUI): a quarter's
/// first request still sees the quarter's notices (it waits for that run), and an ordinary day's
/// lapsing is done by the thread, without a request running it.
#[test]
fn a_background_housekeeping_gives_a_new_quarter_its_notices_and_lapses_the_old_by_itself() {
    let b = branch();
    b.service.housekeep_in_background();
    b.session("2001").log_contact(draft("C1", Purpose::QuarterlyNotice)).unwrap();
    b.clock.advance(chrono::Duration::days(45)); // 2027-01-02
    let s = b.session("2001");
    let today = s.today().unwrap();
    assert_eq!(today.quarterly.kind, TaskKind::Quarterly(Quarter { year: 2027, q: 1 }));
    assert_eq!(
        (today.quarterly.done, today.quarterly.total),
        (0, 3),
        "the first request waited for the notices"
    );
    let q4 = TaskKind::Quarterly(Quarter { year: 2026, q: 4 });
    b.clock.advance(chrono::Duration::days(30)); // 2027-02-01
    // Any request wakes the thread; the lapsing follows without another one running it.
    let _ = s.today().unwrap();
    let started = std::time::Instant::now();
    while b.service.housekept_on().unwrap() != Some(d(2027, 2, 1)) {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the background run never finished");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!open_kinds(&s, "C2").contains(&q4), "last quarter's lapsed");
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn a_store_in_use_names_its_holder() {
    let b = branch();
    let second = mingdan::service::Service::open(b.dir.path(), b.clock.clone());
    let msg = second.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("正被另一个程序使用"), "{msg}");
    assert!(msg.contains(&b.dir.path().display().to_string()), "{msg}");
    assert!(msg.contains(&format!("进程 {}", std::process::id())), "names the holder: {msg}");
}

#[test]
fn unknown_and_inactive_users_are_told_to_ask_an_admin() {
    let b = branch();
    match b.service.staff_for_login("nobody") {
        Err(ServiceError::UnknownUser(msg)) => {
            assert!(msg.contains("mingdan staff add") && msg.contains("nobody"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(b.service.staff_for_login("u2001").unwrap().name, "王芳");
    let mut leaving = staff("2002", "李强", "柜员", "城关", Permission::Staff);
    leaving.active = false;
    b.session("9001").save_staff(leaving).unwrap();
    assert!(matches!(b.session("2002").whoami(), Err(ServiceError::UnknownUser(_))));
}

#[test]
fn staff_with_clients_cannot_be_deactivated_before_handover() {
    let b = branch();
    let mut leaving = staff("2001", "王芳", "柜员", "城关", Permission::Staff);
    leaving.active = false;
    match b.session("9001").save_staff(leaving) {
        Err(ServiceError::Invalid(list)) => assert!(list[0].problem.to_string().contains("3 位客户")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_client_imported_as_lost_leaves_the_roster_and_frees_the_maintainer() {
    let b = branch();
    let admin = b.session("9001");
    let lost = vec![mingdan::service::imports::ClientRecord {
        line: 2,
        no: Some(cno("C1")),
        status: Some(ClientStatus::Lost),
        ..Default::default()
    }];
    assert!(admin.import_clients(lost, "流失.csv".into(), false, vec![]).unwrap().written);
    let card = b.session("2001").client(cno("C1")).unwrap();
    assert!(card.client.maintainer.is_none());
    assert!(card.open_tasks.is_empty(), "its tasks are cancelled");
    assert_eq!(b.session("2001").whoami().unwrap().standing.size, 2);
    let audit = admin.audit(AuditFilter { target: Some("C1".into()), ..AuditFilter::default() }).unwrap();
    assert!(
        audit.iter().any(|r| r.action == AuditAction::Assign && r.detail.contains("客户流失")),
        "{audit:?}"
    );
    assert!(admin.check().unwrap().is_ok(), "{:?}", admin.check().unwrap().problems);
}

#[test]
fn a_client_taken_off_a_roster_and_given_back_owes_this_quarters_notification_again() {
    let b = branch();
    let m = b.session("1001");
    m.assign(vec![cno("C1")], None, "暂时移出".into()).unwrap();
    assert!(open_kinds(&b.session("2002"), "C1").is_empty());
    m.assign(vec![cno("C1")], Some(sno("2002")), "重新分配".into()).unwrap();
    let kinds = open_kinds(&b.session("2002"), "C1");
    assert!(kinds.contains(&TaskKind::Quarterly(Quarter { year: 2026, q: 4 })), "{kinds:?}");
    assert_eq!(b.session("2002").today().unwrap().quarterly.total, 1);
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn an_overdue_callback_moved_after_an_unanswered_call_still_counts_as_late() {
    let b = branch();
    b.clock.advance(chrono::Duration::days(10)); // C2's callback was due 11-25; now 11-28
    let s = b.session("2001");
    let mut dr = draft("C2", Purpose::Callback);
    dr.outcome = Outcome::NoAnswer;
    dr.next_callback = Some(d(2026, 11, 30));
    s.log_contact(dr).unwrap();
    assert_eq!(s.client(cno("C2")).unwrap().client.next_callback, Some(d(2026, 11, 30)));
    let v = b.session("1001").coverage(None).unwrap();
    let wang = v.outlets[0].staff.iter().find(|x| x.staff.no.as_str() == "2001").unwrap();
    assert_eq!(wang.figures.callbacks_on_time.done, 0, "moving a late callback does not make it on time");
    assert_eq!(wang.figures.callbacks_on_time.of, 3);
}

#[test]
fn the_staff_directory_will_not_lock_out_its_admin_or_strand_a_roster_by_either_door() {
    let b = branch();
    let admin = b.session("9001");
    let me = staff("9001", "管理员", "后台管理人员", "城关", Permission::Admin);
    let refused = |r: Result<(), ServiceError>, field: &str| match r {
        Err(ServiceError::Invalid(p)) => assert!(p.iter().any(|i| i.field.zh() == field), "{p:?}"),
        other => panic!("expected a refusal on {field}, got {other:?}"),
    };
    refused(admin.save_staff(Staff { permission: Permission::Manager, ..me.clone() }), "权限");
    refused(admin.save_staff(Staff { login: Some(Login::parse("other").unwrap()), ..me.clone() }), "登录名");
    let wang = staff("2001", "王芳", "柜员", "城关", Permission::Staff);
    refused(admin.save_staff(Staff { active: false, ..wang.clone() }), "在职");

    // The same rules through a staff list.
    let record = |s: &Staff, active: bool| mingdan::service::imports::StaffRecord {
        line: 2,
        no: s.no.clone(),
        name: s.name.clone(),
        role: s.role.clone(),
        outlet: s.outlet.clone(),
        login: s.login.clone(),
        permission: Some(s.permission),
        scope: None,
        active: Some(active),
    };
    let out = admin.import_staff(vec![record(&wang, false)], "人员.csv".into(), false).unwrap();
    assert!(!out.written && out.problems.iter().any(|p| p.column == "在职"), "{:?}", out.problems);
    let out = admin.import_staff(vec![record(&me, false)], "人员.csv".into(), false).unwrap();
    assert!(!out.written && out.problems.iter().any(|p| p.column == "权限"), "{:?}", out.problems);
    assert!(b.session("2001").whoami().is_ok(), "王芳 still serves with her clients");

    // Once her clients are handed over she can leave.
    let m = b.session("1001");
    let pairs = ["C1", "C2", "C3"].iter().map(|c| (cno(c), sno("2002"))).collect();
    m.assign_pairs(pairs, Some(sno("2001")), "王芳调离".into()).unwrap();
    admin.save_staff(Staff { active: false, ..wang }).unwrap();
    assert!(b.session("2001").whoami().is_err());
}

/// A handover on the first days of a quarter leaves last quarter's missed notice, survey and
/// launch tasks with the giver (a miss stays with whoever missed it) while they can still be
/// logged late; `check` must not call that damage and send the administrator to a backup.
#[test]
fn check_accepts_the_misses_a_handover_leaves_with_the_giver() {
    let b = branch();
    let admin = b.session("9001");
    b.clock.advance(chrono::Duration::days(48)); // 2027-01-05
    // The first request of the quarter (its housekeeping) opens Q1's notices.
    admin.whoami().unwrap();
    let before = b.session("2001").client(cno("C1")).unwrap();
    assert!(before.open_tasks.iter().any(|t| t.id.kind == TaskKind::Quarterly(Quarter::of(d(2026, 12, 31)))));
    b.session("1001").assign(vec![cno("C1")], Some(sno("2002")), "调整".into()).unwrap();
    let after = b.session("1001").client(cno("C1")).unwrap();
    assert!(
        after.open_tasks.iter().any(|t| t.id.kind == TaskKind::Quarterly(Quarter::of(d(2026, 12, 31)))),
        "the missed Q4 notice is still open (the giver's, until it lapses)"
    );
    let report = admin.check().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
}
