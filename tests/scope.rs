//! Where a manager's permission reaches, prospects put on a roster, and suggestions that weigh
//! a client's value: on a real store through the service API, and through the real binary.

mod common;

use std::process::{Command, Output};

use common::*;
use mingdan::domain::*;
use mingdan::service::imports::ClientRecord;
use mingdan::service::views::RosterFilter;
use mingdan::service::{Api, ServiceError};

/// The common branch (城关: head 1001, tellers 2001/2002, admin 9001) plus 东街 with teller
/// 3001 (holding D1) and lobby manager 3002, back-office clerk 2009 at 城关, and branch
/// leadership 8001 (支行行长, manager, scope by default the branch). New clients: D1 at 东街;
/// P1, a 他行 prospect below gold at 城关; PB, a 私人银行 client with 1,808万 at 城关; K1, a
/// 关键客户 at 东街; G1, a gold client at 城关.
fn two_outlets() -> Branch {
    let b = branch();
    let admin = b.session("9001");
    for s in [
        staff("3001", "周杰", "柜员", "东街", Permission::Staff),
        staff("3002", "吴霞", "大堂经理", "东街", Permission::Staff),
        staff("2009", "郑红", "后台管理人员", "城关", Permission::Staff),
        staff("8001", "孙立", "支行行长", "城关", Permission::Manager),
    ] {
        admin.save_staff(s).unwrap();
    }
    let row = |line, no: &str, outlet: &str, assets: i64, m: Option<&str>| ClientRecord {
        line,
        no: Some(cno(no)),
        name: Some(format!("客户{no}")),
        outlet: Some(OutletId::parse(outlet).unwrap()),
        assets: Some(Fen::wan(assets)),
        class: Some(ClientClass::Important),
        maintainer: m.map(sno),
        ..ClientRecord::default()
    };
    let rows = vec![
        row(2, "D1", "东街", 40, Some("3001")),
        ClientRecord { segment: Some(Segment::OtherBank), ..row(3, "P1", "城关", 3, None) },
        row(4, "PB", "城关", 1808, None),
        ClientRecord { class: Some(ClientClass::Key), ..row(5, "K1", "东街", 20, None) },
        row(6, "G1", "城关", 40, None),
    ];
    let out = admin.import_clients(rows, "两个网点.csv".into(), false, vec![]).unwrap();
    assert!(out.written, "{:?}", out.problems);
    b
}

fn denied<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    match r {
        Err(ServiceError::Denied(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn an_outlet_head_moves_clients_only_inside_their_outlet() {
    let b = two_outlets();
    let head = b.session("1001");
    assert_eq!(head.whoami().unwrap().staff.scope, Scope::Outlet);
    // Another outlet's client, to someone of that outlet.
    let msg = denied(head.assign_pairs(vec![(cno("D1"), sno("3002"))], Some(sno("3001")), "调整".into()));
    assert!(
        msg.contains("赵敏（1001）只管理城关网点") && msg.contains("D1") && msg.contains("东街网点"),
        "{msg}"
    );
    denied(head.assign(vec![cno("D1")], None, "调整".into()));
    // Their own client, to someone at another outlet.
    let msg = denied(head.assign(vec![cno("C1")], Some(sno("3002")), "调整".into()));
    assert!(msg.contains("接收人 吴霞（3002）在东街网点"), "{msg}");
    // The preview refuses it too, before a reason is typed.
    denied(head.assign_preview(vec![(cno("C1"), Some(sno("3002")))]));
    // Nothing moved.
    assert_eq!(head.client(cno("D1")).unwrap().client.maintainer.map(|m| m.no), Some(sno("3001")));
    // Inside the outlet they may.
    assert_eq!(head.assign(vec![cno("C1")], Some(sno("2002")), "调整".into()).unwrap(), 1);
    // And the branch's figures are still theirs to see.
    let outlets: Vec<String> =
        head.coverage(None).unwrap().outlets.iter().map(|o| o.outlet.to_string()).collect();
    assert!(outlets.contains(&"东街".to_string()), "{outlets:?}");
}

#[test]
fn only_branch_managers_change_quotas_and_rules() {
    let b = two_outlets();
    let head = b.session("1001");
    let was = head.rules().unwrap();
    let mut rules = was.clone();
    rules.quotas.insert(JobRole::new("柜员"), 12);
    let msg = denied(head.set_rules(rules.clone(), was.clone()));
    assert!(msg.contains("须由支行级管理者操作") && msg.contains("城关网点"), "{msg}");
    assert_eq!(head.rules().unwrap(), was, "nothing changed");
    let chief = b.session("8001");
    chief.set_rules(rules.clone(), was).unwrap();
    assert_eq!(chief.rules().unwrap().quota(&JobRole::new("柜员")), 12);
    // The branch manager moves clients across outlets.
    assert_eq!(chief.assign(vec![cno("D1")], Some(sno("2002")), "客户搬家".into()).unwrap(), 1);
}

#[test]
fn an_outlet_heads_launch_reaches_only_their_outlet() {
    let b = two_outlets();
    let head = b.session("1001");
    let launch = head.launch_product("城关专享存款".into(), String::new(), d(2026, 12, 20)).unwrap();
    let owes = |staff: &str, client: &str| {
        b.session(staff)
            .client(cno(client))
            .unwrap()
            .open_tasks
            .iter()
            .any(|t| t.id.kind == TaskKind::Launch(launch.id))
    };
    assert!(owes("2001", "C1"));
    assert!(!owes("3001", "D1"), "东街 owes nothing for 城关's launch");
    let names =
        |s: &str| b.session(s).running_launches().unwrap().into_iter().map(|l| l.name).collect::<Vec<_>>();
    assert!(names("2001").contains(&"城关专享存款".to_string()));
    assert!(!names("3001").contains(&"城关专享存款".to_string()));
}

#[test]
fn a_prospect_below_gold_is_listed_under_its_segment_and_assignable() {
    let b = two_outlets();
    let head = b.session("1001");
    let premium: Vec<ClientNo> = head.unassigned(None).unwrap().into_iter().map(|r| r.no).collect();
    assert!(!premium.contains(&cno("P1")), "not among premium clients");
    let other_bank = head.unassigned(Some(Segment::OtherBank)).unwrap();
    let p1 = other_bank.iter().find(|r| r.no == cno("P1")).expect("listed under 他行");
    assert_eq!(p1.tier, CardTier::Ordinary);
    assert!(other_bank.iter().all(|r| r.segment == Segment::OtherBank));
    // An outlet head's list holds only their outlet.
    assert!(head.unassigned(Some(Segment::Maintain)).unwrap().iter().all(|r| r.outlet.as_str() == "城关"));
    // From the card: the picker's choice, confirmed.
    let to = p1.suggested.clone().expect("someone at 城关");
    assert_eq!(head.assign_pairs(vec![(cno("P1"), to.no.clone())], None, "挖掘他行客户".into()).unwrap(), 1);
    let roster = b.session(to.no.as_str()).roster(None, Default::default(), RosterFilter::default()).unwrap();
    assert!(roster.rows.iter().any(|r| r.no == cno("P1")));
}

#[test]
fn a_private_banking_client_is_suggested_to_a_dedicated_role_at_its_outlet_never_back_office() {
    let b = two_outlets();
    let chief = b.session("8001");
    let was = chief.rules().unwrap();
    let mut rules = was.clone();
    rules.quotas.insert(JobRole::new("网点负责人"), 5);
    chief.set_rules(rules, was).unwrap();
    // 城关's back-office clerk 2009 is further below quota (10 short) than the outlet head (5),
    // yet 1,808万 goes to the outlet head, the only dedicated-manager role there.
    let s = chief.suggest_maintainers(vec![cno("PB")]).unwrap();
    assert_eq!(s[0].1.as_ref().map(|s| s.no.as_str()), Some("1001"));
    let row = chief.unassigned(None).unwrap().into_iter().find(|r| r.no == cno("PB")).unwrap();
    assert!(!row.cross_outlet);
    // A gold client still goes by quota: teller 2002, clerk 2009 and admin 9001 are each 10
    // short, and the lowest 工号 comes first.
    assert_eq!(
        chief.suggest_maintainers(vec![cno("G1")]).unwrap()[0].1.as_ref().map(|s| s.no.as_str()),
        Some("2002")
    );
}

#[test]
fn a_suggestion_across_outlets_warns_before_it_is_confirmed() {
    let b = two_outlets();
    let admin = b.session("9001");
    // 东街's lobby manager leaves (their roster is empty): no dedicated role is left at 东街.
    admin
        .save_staff(Staff {
            active: false, ..staff("3002", "吴霞", "大堂经理", "东街", Permission::Staff)
        })
        .unwrap();
    let chief = b.session("8001");
    let row = chief.unassigned(None).unwrap().into_iter().find(|r| r.no == cno("K1")).unwrap();
    assert!(row.cross_outlet, "{row:?}");
    let to = row.suggested.expect("someone elsewhere");
    assert_eq!(to.no.as_str(), "1001", "a dedicated role, never 东街's teller");
    let preview = chief.assign_preview(vec![(cno("K1"), Some(to.no.clone()))]).unwrap();
    assert_eq!(preview.cross_outlet.len(), 1);
    let x = &preview.cross_outlet[0];
    assert_eq!((x.client_outlet.as_str(), x.staff_outlet.as_str()), ("东街", "城关"));
    // An outlet head is never offered someone they could not move the client to.
    let head = b.session("1001");
    assert!(head.unassigned(None).unwrap().iter().all(|r| !r.cross_outlet));
}

fn mingdan(store: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).arg("--store").arg(store).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn the_init_admin_counts_against_no_quota_and_staff_add_sets_a_scope() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let me = mingdan::os::os_login().unwrap();
    let o =
        mingdan(&store, &["init", "--no", "9001", "--name", "管理员", "--outlet", "城关", "--login", &me]);
    assert!(o.status.success(), "{}", text(&o));
    for args in [
        [
            "--no",
            "1001",
            "--name",
            "赵敏",
            "--role",
            "网点负责人",
            "--outlet",
            "城关",
            "--permission",
            "管理者",
        ]
        .as_slice(),
        &[
            "--no",
            "1002",
            "--name",
            "钱进",
            "--role",
            "网点负责人",
            "--outlet",
            "东街",
            "--permission",
            "管理者",
            "--scope",
            "全支行",
        ],
        &["--no", "2001", "--name", "王芳", "--role", "柜员", "--outlet", "城关"],
    ] {
        let o = mingdan(&store, &[&["staff", "add"], args].concat());
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = mingdan(&store, &["staff", "list"]);
    let list = text(&o);
    let line = |no: &str| list.lines().find(|l| l.starts_with(no)).unwrap_or_default().to_string();
    assert!(line("9001").contains("系统管理员"), "{list}");
    assert!(line("1001").contains("管理者（本网点）"), "{list}");
    assert!(line("1002").contains("管理者（全支行）"), "{list}");
    // The coverage report lists everyone whose role has a quota: the teller and the outlet
    // heads, not the administrator.
    let o = mingdan(&store, &["report", "coverage", "--out", "-"]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(csv.contains("王芳") && csv.contains("赵敏"), "{csv}");
    assert!(!csv.contains("管理员"), "{csv}");
}

#[test]
fn an_outlet_head_in_the_real_binary_is_told_rules_are_for_branch_managers() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mingdan"));
    cmd.arg("--store")
        .arg(&store)
        .args(["--as", "1001", "demo", "--clients", "300"])
        .env("LANG", "zh_CN.UTF-8")
        .env("TERM", "xterm-256color")
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("NO_COLOR")
        .env_remove("LC_ALL");
    let mut p = common::pty::Pty::spawn(&mut cmd, 80, 24);
    p.wait_for("逾期回访", 120);
    p.send(b"7");
    p.wait_for("配额", 10);
    // Ctrl-S saves the rules as shown: refused, in a sentence naming the outlet head's scope.
    p.send(b"\x13");
    p.wait_for("须由支行级管理者操作", 10);
    p.send(b"\x03");
    assert!(p.wait_exit(10).success());
}
