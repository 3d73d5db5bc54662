//! The store's schema versioning and integrity check.

mod common;

use common::raw_sled;

use std::sync::atomic::{AtomicU32, Ordering};

use mingdan::store::{CURRENT_SCHEMA, Migration, Store, schema_version};

static RUNS: AtomicU32 = AtomicU32::new(0);

fn count_run(_: &Store) -> Result<(), mingdan::store::StoreError> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[test]
fn an_older_store_is_migrated_once_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path()).unwrap());
    let step = [Migration { from: CURRENT_SCHEMA, what: "测试升级", run: count_run }];
    let s = Store::open_with(dir.path(), CURRENT_SCHEMA + 1, &step).unwrap();
    assert_eq!(schema_version(&s).unwrap(), Some(CURRENT_SCHEMA + 1));
    drop(s);
    drop(Store::open_with(dir.path(), CURRENT_SCHEMA + 1, &step).unwrap());
    assert_eq!(RUNS.load(Ordering::SeqCst), 1, "a migrated store is not migrated again");
    // This build is now older than the store.
    let msg = Store::open(dir.path()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("更新版本") && msg.contains("请升级"), "{msg}");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
}

#[test]
fn a_missing_migration_is_reported_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path()).unwrap());
    let msg = Store::open_with(dir.path(), CURRENT_SCHEMA + 1, &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains(&format!("没有从数据格式 {CURRENT_SCHEMA} 升级的方法")), "{msg}");
}

#[test]
fn a_fresh_store_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(dir.path()).unwrap();
    let report = s.check(chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    // The summary names each kind of record as its error messages do.
    let names: Vec<&str> = report.counts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "员工",
            "客户",
            "联系记录",
            "任务",
            "新品推介",
            "联系草稿",
            "审计记录",
            "资产快照",
            "客户变化",
            "季末数据",
            "资产变化",
            "投诉",
            "投诉草稿"
        ]
    );
    assert!(report.counts.iter().all(|(_, c)| *c == 0), "{:?}", report.counts);
}

#[test]
fn check_reports_a_dangling_index_entry_and_an_undecodable_record() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path()).unwrap());
    {
        // Damage the store behind mingdan's back, as a disk fault or a bad tool might.
        let db = raw_sled(dir.path());
        db.open_tree("roster").unwrap().insert(b"1001\0C404", &[][..]).unwrap();
        db.open_tree("clients").unwrap().insert(b"C9", &[0, 1, 0xff][..]).unwrap();
        db.flush().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let report = s.check(chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()).unwrap();
    assert!(!report.is_ok());
    let all = report.problems.join("\n");
    assert!(all.contains("roster") && all.contains("1001/C404"), "{all}");
    assert!(all.contains("客户记录 C9 已损坏"), "{all}");
}

fn client(no: &str, name: &str) -> mingdan::domain::Client {
    use mingdan::domain::*;
    Client {
        tier: CardTier::Gold,
        ..Client::new(ClientNo::parse(no).unwrap(), name.into(), OutletId::parse("城关").unwrap())
    }
}

#[test]
fn observers_hear_of_saved_clients_once_the_write_commits() {
    use std::sync::{Arc, Mutex};

    use mingdan::store::{ClientObserver, Saved, StoreError, abort};
    let day = || chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path()).unwrap();
    let heard = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = heard.clone();
    let observer: ClientObserver = Arc::new(move |saved| {
        if let Saved::Clients(cs) = saved {
            sink.lock().unwrap().extend(cs.iter().map(|c| c.name.clone()));
        }
    });
    store.observe_clients(&observer);

    store.write(|tx| tx.save_client(&client("C1", "张伟"), day())).unwrap();
    assert_eq!(*heard.lock().unwrap(), ["张伟"]);

    let failed = store.write(|tx| {
        tx.save_client(&client("C2", "李娜"), day())?;
        abort::<()>(StoreError::Conflict("不写".into()))
    });
    assert!(failed.is_err());
    assert_eq!(*heard.lock().unwrap(), ["张伟"], "an aborted write saved nothing");

    store.write(|tx| tx.set_meta(b"k", b"v")).unwrap();
    assert_eq!(heard.lock().unwrap().len(), 1, "no clients, no call");

    drop(observer);
    store.write(|tx| tx.save_client(&client("C1", "赵文"), day())).unwrap();
    assert_eq!(heard.lock().unwrap().len(), 1, "a dropped observer is not called");
}
