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
    let report = s.check().unwrap();
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
