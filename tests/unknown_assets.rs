//! A client registered without 日均金融资产 has an unknown balance: never 0, never a band, no
//! card tier made up from it, and it stays unknown through our own export and back.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use mingdan::domain::*;
use mingdan::service::Api;
use mingdan::service::imports::{ClientRecord, HoldingsRecord};
use mingdan::service::views::{Amount, RosterFilter, RosterSort};

/// A client row as an import would give it, with no amount (the cell was empty).
fn without_amount(
    line: u64,
    no: &str,
    name: &str,
    tier: Option<CardTier>,
    maintainer: Option<&str>,
) -> ClientRecord {
    ClientRecord {
        line,
        no: Some(cno(no)),
        name: Some(name.into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        tier,
        maintainer: maintainer.map(sno),
        ..ClientRecord::default()
    }
}

fn import(b: &Branch, rows: Vec<ClientRecord>) {
    let out = b.session("9001").import_clients(rows, "新客户.csv".into(), false, vec![]).unwrap();
    assert!(out.written, "{:?}", out.problems);
}

#[test]
fn an_unknown_balance_is_unknown_to_staff_and_managers_and_reveals_nothing() {
    let b = branch();
    import(&b, vec![without_amount(2, "C5", "孙丽", None, Some("2001"))]);
    let staff = b.session("2001").client(cno("C5")).unwrap();
    assert_eq!(staff.client.assets, Amount::Unknown, "no band such as 5万以下 is made up");
    let manager = b.session("1001").client(cno("C5")).unwrap();
    assert_eq!(manager.client.assets, Amount::Unknown, "managers are not shown 0");
    assert_eq!(b.session("2001").reveal(cno("C5"), Sensitive::Assets).unwrap(), "");
    // Known balances are still shown as before.
    assert_eq!(b.session("1001").client(cno("C1")).unwrap().client.assets, Amount::Exact(Fen::wan(30)));
}

#[test]
fn sorting_by_balance_puts_unknown_balances_last() {
    let b = branch();
    import(&b, vec![without_amount(2, "C5", "孙丽", None, Some("2001"))]);
    let page = b.session("2001").roster(None, RosterSort::Assets, RosterFilter::default()).unwrap();
    let order: Vec<&str> = page.rows.iter().map(|r| r.no.as_str()).collect();
    assert_eq!(order, ["C3", "C2", "C1", "C5"], "230万, 130万, 30万, then unknown");

    // 待分配: within one card tier, the larger balance first and the unknown one after it.
    import(
        &b,
        vec![
            without_amount(2, "C6", "周洁", Some(CardTier::Gold), None),
            ClientRecord {
                assets: Some(Fen::wan(15)),
                ..without_amount(3, "C7", "吴昊", Some(CardTier::Gold), None)
            },
        ],
    );
    let rows = b.session("1001").unassigned(None).unwrap();
    let gold: Vec<(&str, &Amount)> =
        rows.iter().filter(|r| r.tier == CardTier::Gold).map(|r| (r.no.as_str(), &r.assets)).collect();
    assert_eq!(gold, [("C7", &Amount::Exact(Fen::wan(15))), ("C6", &Amount::Unknown)]);
}

#[test]
fn no_card_tier_is_worked_out_from_an_unknown_balance() {
    let b = branch();
    import(&b, vec![without_amount(2, "C6", "周洁", Some(CardTier::Gold), None)]);
    let card = |b: &Branch| b.session("1001").client(cno("C6")).unwrap().client;
    assert_eq!((card(&b).tier, card(&b).assets), (CardTier::Gold, Amount::Unknown));
    // A holdings file without the amount leaves both the tier and the unknown balance alone.
    let holdings = HoldingsRecord {
        line: 2,
        no: cno("C6"),
        assets: None,
        holdings: mingdan::service::imports::HoldingsCells {
            online_banking: Some(true),
            ..Default::default()
        },
    };
    let out = b.session("9001").import_holdings(vec![holdings], "持有.csv".into(), false).unwrap();
    assert!(out.written, "{:?}", out.problems);
    let c = card(&b);
    assert_eq!((c.tier, c.assets, c.holdings.online_banking), (CardTier::Gold, Amount::Unknown, true));
    let again = b.session("9001").import_clients(
        vec![without_amount(2, "C6", "周洁", None, None)],
        "x.csv".into(),
        false,
        vec![],
    );
    assert!(again.unwrap().written);
    assert_eq!(card(&b).tier, CardTier::Gold, "an empty amount on re-import keeps the stored tier");
}

#[test]
fn an_unknown_balance_is_an_empty_cell_in_both_roster_exports() {
    let b = branch();
    import(&b, vec![without_amount(2, "C5", "孙丽", None, Some("2001"))]);
    let admin = b.session("9001");
    for unmasked in [false, true] {
        let table = admin.export_roster(Some(sno("2001")), unmasked, "-".into()).unwrap();
        let col = table.headers.iter().position(|h| h == "日均金融资产").unwrap();
        let cell = |no: &str| table.rows.iter().find(|r| r[0] == no).map(|r| r[col].clone()).unwrap();
        assert_eq!(cell("C5"), "", "unmasked: {unmasked}");
        assert_ne!(cell("C1"), "", "a known balance is still written (unmasked: {unmasked})");
    }
}

fn mingdan(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).arg("--store").arg(store).args(args).output().unwrap()
}

fn said(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// The 日均金融资产 cell of client `no` in a roster export.
fn assets_cell(export: &Path, no: &str) -> String {
    let text = std::fs::read_to_string(export).unwrap();
    // The first row is the report's title; the header follows.
    let mut lines = text.trim_start_matches('\u{feff}').lines().skip_while(|l| !l.contains("日均金融资产"));
    let col = split_csv(lines.next().unwrap()).iter().position(|h| h == "日均金融资产").unwrap();
    let row = lines.map(split_csv).find(|r| r[0] == no).unwrap();
    row[col].clone()
}

#[test]
fn an_unknown_balance_survives_our_own_export_imported_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let run = |args: &[&str]| {
        let o = mingdan(&store, args);
        assert!(o.status.success(), "{args:?}: {}", said(&o));
        said(&o)
    };
    run(&["init", "--no", "9001", "--name", "管理员", "--outlet", "城关"]);
    let staff = dir.path().join("员工.csv");
    std::fs::write(&staff, "工号,姓名,岗位,网点\n2001,王芳,柜员,城关\n").unwrap();
    run(&["import", "staff", staff.to_str().unwrap()]);
    let clients = dir.path().join("客户.csv");
    std::fs::write(&clients, "客户号,客户姓名,网点,卡级别,日均金融资产,维护人工号\nC1,张伟,城关,金卡,300000,2001\nC2,曾小红,城关,金卡,,2001\n")
        .unwrap();
    run(&["import", "clients", clients.to_str().unwrap()]);

    let export = dir.path().join("名单.csv");
    run(&["export", "roster", "--unmasked", export.to_str().unwrap()]);
    assert_eq!(assets_cell(&export, "C2"), "", "unknown, not 0.00");
    assert_eq!(assets_cell(&export, "C1"), "300,000.00", "a known amount is written");

    let said = run(&["import", "clients", export.to_str().unwrap()]);
    assert!(said.contains("新增 0，更新 0"), "our own export changes nothing: {said}");

    let again = dir.path().join("名单2.csv");
    run(&["export", "roster", "--unmasked", again.to_str().unwrap()]);
    assert_eq!(assets_cell(&again, "C2"), "", "still unknown after the round trip");
}

/// Splits one CSV line as the export writes it: cells quoted when they hold a comma or quote.
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}
