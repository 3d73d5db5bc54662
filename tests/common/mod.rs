//! A small hand-made branch on a temporary store, for integration tests.
#![allow(dead_code)]

pub mod pty;

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use mingdan::domain::*;
use mingdan::service::imports::ClientRecord;
use mingdan::service::{Api, FixedClock, Service, Session};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    date.and_hms_opt(h, m, 0).unwrap()
}

pub fn staff(no: &str, name: &str, role: &str, outlet: &str, permission: Permission) -> Staff {
    Staff {
        no: StaffNo::parse(no).unwrap(),
        name: name.into(),
        role: JobRole::new(role),
        outlet: OutletId::parse(outlet).unwrap(),
        login: Some(Login::parse(&format!("u{no}")).unwrap()),
        permission,
        scope: Scope::default_for(&JobRole::new(role)),
        active: true,
    }
}

pub fn cno(s: &str) -> ClientNo {
    ClientNo::parse(s).unwrap()
}

pub fn sno(s: &str) -> StaffNo {
    StaffNo::parse(s).unwrap()
}

/// Valid resident IDs (GB 11643 check characters) that all end in 19491231002X.
pub const SAME_ENDING_IDS: [&str; 4] =
    ["11010519491231002X", "11011319491231002X", "11012119491231002X", "11014819491231002X"];

/// A temporary store directory that also removes the data key mingdan keeps beside it
/// (`<dir>.key`, outside the directory on purpose), so test runs leave nothing in /tmp.
pub struct StoreDir(tempfile::TempDir);

impl StoreDir {
    pub fn new() -> StoreDir {
        StoreDir(tempfile::tempdir().unwrap())
    }
}

impl std::ops::Deref for StoreDir {
    type Target = tempfile::TempDir;
    fn deref(&self) -> &tempfile::TempDir {
        &self.0
    }
}

impl Drop for StoreDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(mingdan::store::fields::key_path(self.0.path()));
    }
}

pub struct Branch {
    pub dir: StoreDir,
    pub clock: Arc<FixedClock>,
    pub service: Arc<Service>,
}

/// Admin 9001, outlet head 1001 (manager), tellers 2001 and 2002 at 城关; clients C1..C3 with
/// 2001, C4 unassigned. Today is Wednesday 2026-11-18, 10:00.
pub fn branch() -> Branch {
    let dir = StoreDir::new();
    let clock = Arc::new(FixedClock::at(at(d(2026, 11, 18), 10, 0)));
    let service = Arc::new(Service::create(dir.path(), clock.clone()).unwrap());
    let b = Branch { dir, clock, service };
    b.service.bootstrap_admin(staff("9001", "管理员", "后台管理人员", "城关", Permission::Admin)).unwrap();
    let admin = b.session("9001");
    admin.save_staff(staff("1001", "赵敏", "网点负责人", "城关", Permission::Manager)).unwrap();
    admin.save_staff(staff("2001", "王芳", "柜员", "城关", Permission::Staff)).unwrap();
    admin.save_staff(staff("2002", "李强", "柜员", "城关", Permission::Staff)).unwrap();
    let rows = [
        ("C1", "张伟", Some("2001")),
        ("C2", "曾小红", Some("2001")),
        ("C3", "单明", Some("2001")),
        ("C4", "刘洋", None),
    ]
    .iter()
    .enumerate()
    .map(|(i, (no, name, m))| ClientRecord {
        line: i as u64 + 2,
        no: Some(cno(no)),
        name: Some(name.to_string()),
        phone: Some(format!("1380013800{i}")),
        // Four people born the same day: their IDs differ in the region code and share the
        // ending search tests look for. C1 has the GB 11643 example number.
        id_number: Some(SAME_ENDING_IDS[i].into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        assets: Some(Fen::wan(30 + i as i64 * 100)),
        class: Some(ClientClass::Important),
        maintainer: m.map(sno),
        ..ClientRecord::default()
    })
    .collect();
    let out = admin.import_clients(rows, "测试.csv".into(), false, vec![]).unwrap();
    assert!(out.written, "{:?}", out.problems);
    // Screens and tests that search must not race the index built at start-up.
    assert!(b.service.wait_for_search(std::time::Duration::from_secs(30)));
    b
}

impl Branch {
    pub fn session(&self, no: &str) -> Session {
        Session::new(self.service.clone(), sno(no))
    }

    /// Closes the service and opens the same store again, as a restart would.
    pub fn reopen(self) -> Branch {
        let Branch { dir, clock, service } = self;
        drop(service);
        let service = Arc::new(Service::open(dir.path(), clock.clone()).unwrap());
        assert!(service.wait_for_search(std::time::Duration::from_secs(30)));
        Branch { dir, clock, service }
    }
}

pub fn draft(client: &str, purpose: Purpose) -> ContactDraft {
    ContactDraft {
        client: cno(client),
        at: None,
        channel: Channel::Phone,
        purpose,
        launch: None,
        outcome: Outcome::Success,
        note: "电话沟通".into(),
        satisfaction: Some(5),
        next_callback: None,
        also: Vec::new(),
        saved_at: None,
    }
}

/// sled opened directly on the store in directory `store` (its `sled` folder), for tests that
/// put a store into a shape only an older version or damage leaves. sled's file lock can outlive
/// a dropped service for an instant (its background flusher letting go of its handle, a child
/// another test forked until it execs), so a busy lock is waited out for up to 5 s.
pub fn raw_sled(store: &std::path::Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match sled::open(store.join("sled")) {
            Ok(db) => return db,
            Err(e)
                if std::time::Instant::now() < deadline
                    && e.to_string().contains("could not acquire lock") =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("{e}"),
        }
    }
}
