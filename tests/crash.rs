//! The real `mingdan serve` killed with SIGKILL while clients log contacts, again and again:
//! after each restart every acknowledged contact is there, and nothing is half-written.

mod common;
mod serverkit;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use mingdan::domain::{AuditAction, ContactId, Purpose};
use mingdan::server::RemoteApi;
use mingdan::service::Api;
use mingdan::store::Store;
use serverkit::*;

const ROUNDS: usize = 20;
const CLIENTS: usize = 4;

fn start_server(store: &Path, socket: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_mingdan"))
        .arg("--store")
        .arg(store)
        .arg("--socket")
        .arg(socket)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Ready when it answers; the socket left by the last killed server must not fool us.
    wait_until(Duration::from_secs(20), "the server to answer", || RemoteApi::connect(socket).is_ok());
    child
}

/// Every contact in the store, and how many contacts the audit trail says were logged.
fn contents(store: &Path) -> (BTreeSet<ContactId>, usize) {
    let s = Store::open(store).unwrap();
    let report = s.check(chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()).unwrap();
    assert!(report.is_ok(), "the store is inconsistent after a crash: {:?}", report.problems);
    let from = d(2000, 1, 1).and_hms_opt(0, 0, 0).unwrap();
    let to = d(2100, 1, 1).and_hms_opt(0, 0, 0).unwrap();
    let ids = s.contacts_between(from, to).map(|c| c.unwrap().id).collect();
    let audited = s.audit().filter(|r| r.as_ref().unwrap().action == AuditAction::LogContact).count();
    (ids, audited)
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_contact_and_leaves_nothing_half_written() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let Branch { dir, service, .. } = b;
    drop(service);
    let store = dir.path().to_path_buf();
    let socket = dir.path().join("run").join("mingdan.sock");
    let acked: Arc<Mutex<BTreeSet<ContactId>>> = Arc::default();
    let mut rng = fastrand::Rng::with_seed(20261118);
    let mut unacknowledged_but_kept = 0;

    for round in 0..ROUNDS {
        let mut child = start_server(&store, &socket);
        let progress = Arc::new(AtomicUsize::new(0));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let remote = RemoteApi::connect(&socket).unwrap();
                let acked = acked.clone();
                let progress = progress.clone();
                std::thread::spawn(move || {
                    for n in 0.. {
                        let purpose = if n % 2 == 0 { Purpose::Callback } else { Purpose::Marketing };
                        let mut d = draft(["C1", "C2", "C3"][(i + n) % 3], purpose);
                        d.note = format!("第 {round} 轮 {i}-{n}");
                        match remote.log_contact(d) {
                            Ok(l) => {
                                acked.lock().unwrap().insert(l.contact);
                                progress.fetch_add(1, Ordering::SeqCst);
                            }
                            // The server is gone: whatever was in flight is unacknowledged.
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        // A random number of writes in, plus a random few hundred microseconds to land inside one.
        let after = rng.usize(0..40);
        wait_until(Duration::from_secs(20), "some writes", || progress.load(Ordering::SeqCst) >= after);
        std::thread::sleep(Duration::from_micros(rng.u64(0..2000)));
        child.kill().unwrap();
        child.wait().unwrap();
        for c in clients {
            c.join().unwrap();
        }

        let (present, audited) = contents(&store);
        let acked = acked.lock().unwrap();
        let missing: Vec<_> = acked.difference(&present).collect();
        assert!(missing.is_empty(), "round {round}: acknowledged contacts lost: {missing:?}");
        // A contact and its audit record are one transaction: both or neither.
        assert_eq!(
            present.len(),
            audited,
            "round {round}: a contact without its audit record, or the reverse"
        );
        unacknowledged_but_kept = present.len() - acked.len();
    }
    let acked = acked.lock().unwrap().len();
    assert!(acked > ROUNDS, "the clients did get writes through");
    eprintln!(
        "{ROUNDS} kills: {acked} acknowledged contacts all kept; {unacknowledged_but_kept} more were \
         written whole but killed before their answer went out"
    );

    // And it still serves after the last crash.
    let mut child = start_server(&store, &socket);
    let remote = RemoteApi::connect(&socket).unwrap();
    remote.log_contact(draft("C1", Purpose::Marketing)).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `mingdan import clients` killed with SIGKILL at moments further and further into the import:
/// whenever it was killed, the store opens as it was before the import, or (killed after the
/// end) with the whole import; never with part of it.
#[test]
fn an_import_killed_midway_leaves_the_store_as_before() {
    const ROWS: usize = 7_000;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_mingdan"))
            .arg("--store")
            .arg(&store)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&["init", "--no", "9001", "--name", "管理员", "--outlet", "城关"]);
    let staff = dir.path().join("staff.csv");
    std::fs::write(&staff, "工号,姓名,岗位,网点\n2001,王芳,柜员,城关\n2002,李强,柜员,东街\n").unwrap();
    run(&["import", "staff", staff.to_str().unwrap()]);
    // Several batches; every third client gets a maintainer (a move, with tasks and audit).
    let mut text = String::from("客户号,客户姓名,手机号码,网点,日均金融资产,维护人工号\n");
    for i in 0..ROWS {
        let m = match i % 3 {
            0 => "2001",
            1 => "2002",
            _ => "",
        };
        text.push_str(&format!("62{i:010},客户{i},1380{i:07},城关,{},{m}\n", 100_000 + i * 37));
    }
    let register = dir.path().join("register.csv");
    std::fs::write(&register, text).unwrap();
    let count = |store: &Path| {
        let s = Store::open(store).unwrap();
        let report = s.check(chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()).unwrap();
        assert!(report.is_ok(), "the store is inconsistent after a kill: {:?}", report.problems);
        let imports = s.audit().filter(|r| r.as_ref().unwrap().action == AuditAction::Import).count();
        (s.clients().count(), imports)
    };
    let before = count(&store);

    let mut killed_midway = 0;
    let mut finished = false;
    for round in 0..40 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mingdan"))
            .arg("--store")
            .arg(&store)
            .args(["import", "clients", register.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + 120 * round as u64));
        finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        // Look before the store is opened (and undoes what the kill cut off).
        let midway = {
            let db = raw_sled(&store);
            db.open_tree("meta").unwrap().get("bulk_write").unwrap().is_some()
        };
        let after = count(&store);
        if midway {
            killed_midway += 1;
            assert_eq!(after, before, "round {round}: killed midway, the store must be as before");
        } else if after != before {
            assert_eq!(
                after,
                (before.0 + ROWS, before.1 + 1),
                "round {round}: the whole import, or none of it"
            );
            finished = true;
        }
        if finished {
            break;
        }
    }
    assert!(finished, "the import never finished");
    assert!(killed_midway > 0, "no kill landed while batches were being written");
    eprintln!("{killed_midway} kills landed while batches were being written; each left the store as before");
}

/// A demo branch of 300 clients seeded on 2026-12-20 with that day's housekeeping done, copied
/// into `to` (the store and the data key beside it).
fn seeded_copy(seed: &Path, to: &Path) {
    copy_dir(seed, to);
    let key = mingdan::store::fields::key_path(seed);
    std::fs::copy(&key, mingdan::store::fields::key_path(to)).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The housekeeping of 2027-02-01 (a new quarter after a pause: Q4 frozen, Q1 notices created,
/// Q4 notices lapsed) run on the store in `dir`, `batch` roster clients per transaction.
fn housekeep_on_feb_1(dir: &Path, batch: usize) -> mingdan::service::Housekept {
    let clock = Arc::new(mingdan::service::FixedClock::at(at(d(2027, 2, 1), 8, 0)));
    let service = mingdan::service::Service::open_lazy(dir, clock).unwrap();
    service.set_housekeeping_batch(batch);
    service.housekeep().unwrap()
}

/// Everything the housekeeping writes, to compare two runs: every task, every frozen quarter and
/// the day's stamp (audit records differ by design: one per batch).
fn housekept_state(
    dir: &Path,
) -> (Vec<mingdan::domain::Task>, Vec<mingdan::domain::past::FrozenQuarter>, Option<Vec<u8>>) {
    let s = Store::open(dir).unwrap();
    let report = s.check(chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    let tasks = s.tasks().collect::<Result<Vec<_>, _>>().unwrap();
    (tasks, s.frozen_quarters().unwrap(), s.meta(b"housekeeping_done_for").unwrap())
}

const HOUSEKEEPING_CHILD: &str = "MINGDAN_TEST_HOUSEKEEPING_CHILD";

/// The daily housekeeping killed with SIGKILL after its 1st, 2nd, … transaction: the next run
/// carries on and ends with exactly the tasks, frozen quarters and stamp of a run never
/// interrupted; and a run in batches of 7 clients writes exactly what one batch of all does.
#[test]
fn housekeeping_killed_between_batches_resumes_to_the_uninterrupted_result() {
    if let Some(dir) = std::env::var_os(HOUSEKEEPING_CHILD) {
        // The child: killed by the hook inside this call.
        housekeep_on_feb_1(Path::new(&dir), 7);
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let seed = root.path().join("seed");
    {
        let clock = Arc::new(mingdan::service::FixedClock::at(at(d(2026, 12, 20), 10, 0)));
        let service = mingdan::service::Service::create(&seed, clock).unwrap();
        service.seed_demo(300, 7).unwrap();
        service.housekeep().unwrap();
    }
    let whole = root.path().join("whole");
    seeded_copy(&seed, &whole);
    let one_batch = housekeep_on_feb_1(&whole, usize::MAX);
    let expected = housekept_state(&whole);
    assert!(one_batch.notices > 20 && one_batch.lapsed > 20 && one_batch.quarters == 1, "{one_batch:?}");

    let batched = root.path().join("batched");
    seeded_copy(&seed, &batched);
    let in_batches = housekeep_on_feb_1(&batched, 7);
    assert!(in_batches.batches > 8, "{in_batches:?}");
    assert_eq!(
        (in_batches.notices, in_batches.surveys, in_batches.woken, in_batches.lapsed),
        (one_batch.notices, one_batch.surveys, one_batch.woken, one_batch.lapsed)
    );
    assert_eq!(housekept_state(&batched), expected, "batches of 7 write what one batch writes");
    let q4 = mingdan::domain::Quarter { year: 2026, q: 4 };
    let parts = Store::open(&batched).unwrap().frozen_parts(q4).count();
    assert!(parts > 3, "the frozen quarter was written in parts: {parts}");

    let mut kills = 0;
    for kill_after in (1..in_batches.batches).step_by(3) {
        let run = root.path().join(format!("killed{kill_after}"));
        seeded_copy(&seed, &run);
        let status = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "housekeeping_killed_between_batches_resumes_to_the_uninterrupted_result"])
            .args(["--nocapture", "--test-threads=1"])
            .env(HOUSEKEEPING_CHILD, &run)
            .env("MINGDAN_TEST_HOUSEKEEPING_KILL", kill_after.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "the child was to be killed after transaction {kill_after}");
        kills += 1;
        let stamp = Store::open(&run).unwrap().meta(b"housekeeping_done_for").unwrap();
        assert_ne!(stamp.as_deref(), Some(&b"2027-02-01"[..]), "killed before the stamp");
        let rest = housekeep_on_feb_1(&run, 7);
        assert!(rest.batches >= 1);
        assert_eq!(housekept_state(&run), expected, "killed after transaction {kill_after}, then resumed");
    }
    assert!(kills >= 3);
}
