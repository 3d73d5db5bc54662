//! Importing the files Excel writes on Chinese Windows, through the real binary.

use std::path::Path;
use std::process::{Command, Output};

fn mingdan(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).arg("--store").arg(store).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn with_bom(text: &str) -> Vec<u8> {
    [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()
}

const STAFF: &str = "工号,姓名,岗位,网点,登录名,权限\r\n1001,赵敏,网点负责人,城关,zhaomin,管理者\r\n2001,王芳,柜员,城关,wangfang,\r\n";

fn new_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let o = mingdan(&store, &["init", "--no", "9001", "--name", "管理员", "--outlet", "城关"]);
    assert!(o.status.success(), "{}", stdout(&o));
    (dir, store)
}

#[test]
fn a_gbk_staff_list_and_a_bom_client_list_are_imported() {
    let (dir, store) = new_store();
    let staff = dir.path().join("员工.csv");
    std::fs::write(&staff, gbk(STAFF)).unwrap();
    let o = mingdan(&store, &["import", "staff", staff.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("GBK") && out.contains("新增 2"), "{out}");

    let clients = dir.path().join("客户.csv");
    let text = "客户号,客户姓名,手机号码,网点,日均金融资产（元）,维护人工号,备注\n\
                C1,张伟,13800138000,城关,\"123,456.78\",2001,老客户\n\
                C2,曾小红,13900139000,城关,88.5万,2001,\n";
    std::fs::write(&clients, with_bom(text)).unwrap();
    let o = mingdan(&store, &["import", "clients", clients.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("带 BOM") && out.contains("新增 2"), "{out}");
    assert!(out.contains("未识别") && out.contains("备注"), "the unknown column is named: {out}");

    let export = dir.path().join("名单.csv");
    let o = mingdan(&store, &["export", "roster", export.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let written = std::fs::read(&export).unwrap();
    assert!(written.starts_with(&[0xEF, 0xBB, 0xBF]), "exports carry a BOM for Excel");
    let written = String::from_utf8_lossy(&written[3..]).into_owned();
    assert!(written.contains("张伟") && written.contains("138****8000"), "{written}");
    assert!(written.contains("王芳"), "{written}");
}

#[test]
fn a_file_with_bad_rows_imports_nothing_and_reports_every_bad_row() {
    let (dir, store) = new_store();
    let staff = dir.path().join("员工.csv");
    std::fs::write(&staff, gbk(STAFF)).unwrap();
    assert!(mingdan(&store, &["import", "staff", staff.to_str().unwrap()]).status.success());

    let clients = dir.path().join("客户.csv");
    let text = "客户号,客户姓名,手机号码,证件号码,网点,日均金融资产,维护人工号\n\
                C1,张伟,13800138000,,城关,100000,2001\n\
                C2,李娜,1380013800,,城关,100000,2001\n\
                C3,刘洋,13700137000,1.10105E+17,城关,abc,2001\n\
                C4,陈静,13600136000,,城关,100000,7777\n\
                C1,张伟,13800138000,,城关,100000,2001\n";
    std::fs::write(&clients, gbk(text)).unwrap();
    let o = mingdan(&store, &["import", "clients", clients.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("没有导入任何数据"), "{out}");
    for expected in [
        "第 3 行，手机号码",
        "第 4 行，证件号码",
        "科学计数法",
        "第 4 行，日均金融资产",
        "第 5 行，维护人工号：7777 不在员工名录中",
        "第 6 行，客户号：“C1”与第 2 行重复",
    ] {
        assert!(out.contains(expected), "missing “{expected}” in:\n{out}");
    }
    // Nothing was written: a dry run of a good file still sees every client as new.
    let good = dir.path().join("好.csv");
    std::fs::write(&good, "客户号,客户姓名,网点\nC1,张伟,城关\n").unwrap();
    let out = stdout(&mingdan(&store, &["import", "clients", good.to_str().unwrap(), "--dry-run"]));
    assert!(out.contains("将新增 1"), "{out}");
}

#[test]
fn an_unknown_login_is_told_how_to_get_access() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    {
        // A store whose only staff member logs in as someone other than this OS user.
        let service =
            mingdan::service::Service::create(&store, std::sync::Arc::new(mingdan::service::SystemClock))
                .unwrap();
        let admin = mingdan::domain::Staff {
            no: mingdan::domain::StaffNo::parse("9001").unwrap(),
            name: "管理员".into(),
            role: mingdan::domain::JobRole::new("后台管理人员"),
            outlet: mingdan::domain::OutletId::parse("城关").unwrap(),
            login: Some(mingdan::domain::Login::parse("someone-else").unwrap()),
            permission: mingdan::domain::Permission::Admin,
            scope: mingdan::domain::Scope::Branch,
            active: true,
        };
        service.bootstrap_admin(admin).unwrap();
    }
    let o = mingdan(&store, &["check"]);
    let out = stdout(&o);
    assert!(!o.status.success());
    assert!(out.contains("不在员工名录中") && out.contains("mingdan staff add"), "{out}");
}

#[test]
fn a_login_passed_between_two_staff_in_one_file_goes_whichever_row_comes_first() {
    let (dir, store) = new_store();
    let staff = dir.path().join("员工.csv");
    std::fs::write(&staff, STAFF).unwrap();
    assert!(mingdan(&store, &["import", "staff", staff.to_str().unwrap()]).status.success());
    // 王芳 (2001) gets 赵敏's login; 赵敏 (1001) gets a new one. The receiving row comes first.
    let swap = dir.path().join("调整.csv");
    std::fs::write(&swap, "工号,姓名,岗位,网点,登录名,权限\n2001,王芳,柜员,城关,zhaomin,\n1001,赵敏,网点负责人,城关,zhaomin2,管理者\n").unwrap();
    let o = mingdan(&store, &["import", "staff", swap.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = mingdan(&store, &["check"]);
    assert!(o.status.success(), "the login index matches the directory: {}", stdout(&o));
    let listing = stdout(&mingdan(&store, &["staff", "list"]));
    assert!(listing.contains("2001\t王芳\t柜员\t城关\tzhaomin\t"), "{listing}");
    assert!(listing.contains("1001\t赵敏\t网点负责人\t城关\tzhaomin2\t"), "{listing}");
}

#[test]
fn a_staff_list_without_login_or_permission_columns_keeps_what_staff_have() {
    let (dir, store) = new_store();
    let staff = dir.path().join("员工.csv");
    std::fs::write(&staff, STAFF).unwrap();
    assert!(mingdan(&store, &["import", "staff", staff.to_str().unwrap()]).status.success());
    // The monthly list from HR: names and roles only.
    let hr = dir.path().join("人事.csv");
    std::fs::write(&hr, "工号,姓名,岗位,网点\n1001,赵敏,网点负责人,城关\n2001,王芳,大堂经理,城关\n").unwrap();
    let o = mingdan(&store, &["import", "staff", hr.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let listing = stdout(&mingdan(&store, &["staff", "list"]));
    assert!(listing.contains("1001\t赵敏\t网点负责人\t城关\tzhaomin\t管理者"), "{listing}");
    assert!(
        listing.contains("2001\t王芳\t大堂经理\t城关\twangfang\t员工"),
        "the role changed, the login stayed: {listing}"
    );
    // Changing someone from the command line keeps what the command does not mention.
    let o = mingdan(
        &store,
        &["staff", "add", "--no", "1001", "--name", "赵敏", "--role", "支行行长", "--outlet", "城关"],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    let listing = stdout(&mingdan(&store, &["staff", "list"]));
    assert!(listing.contains("1001\t赵敏\t支行行长\t城关\tzhaomin\t管理者"), "{listing}");
}

#[test]
fn the_search_command_prints_masked_results_for_scripts_and_is_audited() {
    let (dir, store) = new_store();
    let clients = dir.path().join("客户.csv");
    let text = "客户号,客户姓名,手机号码,网点,日均金融资产（元）\n\
                C1,张伟,13800138000,城关,100000\n\
                C2,张伟华,13900139000,城关,100000\n\
                C3,李娜,13700137000,城关,100000\n";
    std::fs::write(&clients, with_bom(text)).unwrap();
    assert!(mingdan(&store, &["import", "clients", clients.to_str().unwrap()]).status.success());
    let o = mingdan(&store, &["search", "zhangw"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 3, "a header and one line per client:\n{out}");
    assert_eq!(lines[0][..3], ["客户号", "姓名", "手机"]);
    assert_eq!(lines[1][..3], ["C1", "张伟", "138****8000"], "masked, best first:\n{out}");
    assert_eq!(lines[2][..2], ["C2", "张伟华"]);
    assert!(!out.contains("13800138000"), "{out}");
    // Capped: stdout keeps one line per client, stderr says there are more.
    let o = mingdan(&store, &["search", "zhang", "--limit", "1"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("前 1 位（共约 2 位）"), "{}", stdout(&o));
    let o = mingdan(&store, &["audit", "--action", "导出"]);
    let audit = stdout(&o);
    assert!(audit.contains("搜索结果") && audit.contains("zhangw") && audit.contains("2 行"), "{audit}");
}

#[test]
fn the_search_command_refuses_a_limit_outside_1_to_500_in_chinese() {
    let (_dir, store) = new_store();
    for bad in ["0", "501"] {
        let o = mingdan(&store, &["search", "w", "--limit", bad]);
        assert!(!o.status.success(), "--limit {bad} must be refused");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(err.contains("--limit") && err.contains("1 到 500"), "--limit {bad}: {err}");
        assert!(o.stdout.is_empty(), "nothing listed for --limit {bad}");
    }
    assert!(mingdan(&store, &["search", "w", "--limit", "500"]).status.success());
}
