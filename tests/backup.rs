//! Backups taken while the server is busy restore to a consistent store; damaged backups are
//! refused before anything is replaced.

mod common;
mod serverkit;

use mingdan::store::fields::key_path;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use mingdan::domain::{AuditAction, Purpose};
use mingdan::service::views::AuditFilter;
use mingdan::service::{Api, Service, ServiceError};
use mingdan::store::Tree;
use serverkit::*;

fn count(s: &impl Api, action: AuditAction) -> usize {
    s.audit(AuditFilter { action: Some(action), ..Default::default() }).unwrap().len()
}

fn contacts(s: &impl Api) -> u64 {
    let report = s.check().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    report.counts.iter().find(|(n, _)| n == "联系记录").unwrap().1
}

/// Taken over the socket in parts of 1 KiB (the image is many times that), while four sessions
/// write: the parts make up the image the server hashed, and it restores to one point in time.
#[test]
fn a_backup_taken_during_writes_restores_to_a_consistent_store() {
    // A server that has been restarted a few times: sled moves its id generator on by millions at
    // each restart, so this store's ids are far above where a fresh store's start.
    let mut b = branch();
    for _ in 0..3 {
        b.session("2001").log_contact(draft("C1", Purpose::Marketing)).unwrap();
        b = b.reopen();
    }
    map_me(&b.service, "9001", "9002");
    let server = serve_in(b.service.clone(), b.dir.path());
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|i| {
            let remote = server.connect();
            let (stop, done) = (stop.clone(), done.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let purpose = if n % 2 == 0 { Purpose::Callback } else { Purpose::Marketing };
                    remote.log_contact(draft(["C1", "C2", "C3"][(i + n) % 3], purpose)).unwrap();
                    done.fetch_add(1, Ordering::SeqCst);
                    n += 1;
                }
            })
        })
        .collect();
    wait_until(Duration::from_secs(10), "writes before the backup", || done.load(Ordering::SeqCst) >= 50);
    b.service.set_backup_part(1024);
    let image = server.connect().backup(vec![], true).unwrap();
    assert!(image.bytes.len() > 10 * 1024, "many parts: {} bytes", image.bytes.len());
    assert_eq!(image.bytes.len() as u64, image.file_size);
    // Writes carried on while and after it was taken.
    let at_backup = done.load(Ordering::SeqCst);
    wait_until(Duration::from_secs(10), "writes after the backup", || {
        done.load(Ordering::SeqCst) >= at_backup + 50
    });
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    server.stop().unwrap();
    let total = done.load(Ordering::SeqCst) as u64 + 3;
    {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&image.bytes[..image.bytes.len() - 32]);
        assert_eq!(image.info.checksum, digest.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }

    let target = tempfile::tempdir().unwrap();
    let restored_dir = target.path().join("store");
    // A restore elsewhere needs the store's data key there first (`mingdan key import`).
    std::fs::copy(key_path(b.dir.path()), key_path(&restored_dir)).unwrap();
    let outcome =
        Service::restore(&restored_dir, &image.bytes, "测试.mdbak", &my_login(), false, b.clock.clone())
            .unwrap();
    assert!(outcome.previous.is_none(), "there was nothing to keep");
    assert!(outcome.report.is_ok());
    let restored = Arc::new(Service::open(&restored_dir, b.clock.clone()).unwrap());
    let admin = mingdan::service::Session::new(restored.clone(), sno("9001"));
    let n = contacts(&admin);
    assert!(n >= 50 && n < total, "a point in the middle of the writes: {n} of {total}");
    // Each contact and its audit record were written together: a point-in-time copy has both.
    assert_eq!(n as usize, count(&admin, AuditAction::LogContact));
    assert_eq!(n, image.info.count(Tree::Contacts));
    assert_eq!(count(&admin, AuditAction::Backup), 0, "recorded once saved, which this image predates");
    let restore_rec = admin.audit(AuditFilter { action: Some(AuditAction::Restore), ..Default::default() });
    let restore_rec = restore_rec.unwrap();
    assert_eq!(restore_rec.len(), 1);
    assert_eq!(restore_rec[0].actor, "9002", "audited as the staff member the login belongs to");
    assert!(restore_rec[0].detail.contains("测试.mdbak"), "{:?}", restore_rec[0]);

    // New ids in the restored store start above every id in the backup, so nothing collides.
    let teller = mingdan::service::Session::new(restored, sno("2001"));
    for c in ["C1", "C2", "C3", "C1"] {
        let id = teller.log_contact(draft(c, Purpose::Callback)).unwrap().contact;
        assert!(id.0 >= image.info.header.id_floor, "{id} reuses the backup's id range");
    }
    assert_eq!(contacts(&admin), n + 4);
}

fn refused(result: Result<mingdan::service::RestoreOutcome, ServiceError>) -> String {
    match result {
        Err(e) => e.to_string(),
        Ok(o) => panic!("a bad backup was restored: {:?}", o.info),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).expect("pattern in the image")
}

/// Recomputes the image's SHA-256 after a deliberate change, as an attacker with the file could.
fn reseal(bytes: &mut [u8]) {
    use sha2::Digest;
    let n = bytes.len() - 32;
    let digest = sha2::Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&digest);
}

fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restoring") || n.contains("before-restore"))
        .collect()
}

/// Closes the branch's service and moves its store to `<folder>/store`, so what a restore
/// leaves beside the store can be seen.
fn stopped_in_a_folder_of_its_own(
    b: Branch,
) -> (tempfile::TempDir, std::path::PathBuf, Arc<mingdan::service::FixedClock>) {
    let Branch { dir, service, clock } = b;
    drop(service);
    let parent = tempfile::tempdir().unwrap();
    let store = parent.path().join("store");
    std::fs::rename(dir.path(), &store).unwrap();
    // The data key lives beside the store and moves with it.
    std::fs::rename(key_path(dir.path()), key_path(&store)).unwrap();
    (parent, store, clock)
}

#[test]
fn a_corrupted_backup_is_refused_and_the_store_is_left_alone() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let image = b.session("9001").backup(vec![], true).unwrap().bytes;
    b.session("2001").log_contact(draft("C1", Purpose::Callback)).unwrap();
    let (parent, store, clock) = stopped_in_a_folder_of_its_own(b);
    let restore =
        |bytes: &[u8]| Service::restore(&store, bytes, "坏.mdbak", &my_login(), false, clock.clone());

    let mut flipped = image.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let msg = refused(restore(&flipped));
    assert!(msg.contains("校验和不符") && msg.contains("损坏"), "{msg}");
    assert!(refused(restore(&image[..image.len() - 100])).contains("校验和不符"));
    assert!(refused(restore(b"PK\x03\x04 not a backup at all")).contains("不是 mingdan 备份文件"));
    assert!(refused(restore(&[])).contains("不是 mingdan 备份文件"));

    // A record that no longer decodes, behind a checksum that matches.
    let mut bad_record = image.clone();
    let at = find(&bad_record, "张伟".as_bytes());
    bad_record[at] = 0xff;
    reseal(&mut bad_record);
    let msg = refused(restore(&bad_record));
    assert!(msg.contains("客户记录 C1 已损坏"), "{msg}");

    // Records that decode but indexes that disagree: caught by checking the rebuilt copy.
    let mut bad_index = image.clone();
    let at = find(&bad_index, b"2001\0C1\0\0\0\0");
    bad_index[at + 6] = b'9';
    reseal(&mut bad_index);
    let msg = refused(restore(&bad_index));
    assert!(msg.contains("不一致") && msg.contains("roster"), "{msg}");

    // The store is as it was, with the contact logged after the backup, and nothing is left over.
    assert!(leftovers(parent.path()).is_empty(), "{:?}", leftovers(parent.path()));
    let service = Arc::new(Service::open(&store, clock.clone()).unwrap());
    let admin = mingdan::service::Session::new(service, sno("9001"));
    assert_eq!(contacts(&admin), 1);
    assert_eq!(count(&admin, AuditAction::Restore), 0);
}

#[test]
fn restore_refuses_a_store_in_use_and_otherwise_keeps_the_old_one() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let image = b.session("9001").backup(vec![], true).unwrap().bytes;
    let msg = refused(Service::restore(b.dir.path(), &image, "x.mdbak", &my_login(), false, b.clock.clone()));
    assert!(msg.contains("正在使用") && msg.contains("systemctl stop mingdan"), "{msg}");

    b.session("2001").log_contact(draft("C1", Purpose::Callback)).unwrap();
    let (_parent, store, clock) = stopped_in_a_folder_of_its_own(b);
    let outcome = Service::restore(&store, &image, "x.mdbak", &my_login(), false, clock.clone()).unwrap();
    let previous = outcome.previous.expect("the replaced store is kept");
    assert!(previous.file_name().unwrap().to_string_lossy().starts_with("store.before-restore-"));
    let old = Arc::new(Service::open(&previous, clock.clone()).unwrap());
    assert_eq!(contacts(&mingdan::service::Session::new(old, sno("9001"))), 1, "the old store is whole");
    let new = Arc::new(Service::open(&store, clock).unwrap());
    assert_eq!(contacts(&mingdan::service::Session::new(new, sno("9001"))), 0, "the backup's state");
}

fn mingdan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn backup_and_restore_from_the_command_line_with_and_without_a_server() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let store = b.dir.path().to_path_buf();
    let socket = b.dir.path().join("run").join("mingdan.sock");
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("备份.mdbak");
    let (st, so, f) = (store.to_str().unwrap(), socket.to_str().unwrap(), file.to_str().unwrap());

    // While serving: the backup goes through the server, and restore will not touch its store.
    let server = serve_in(b.service.clone(), b.dir.path());
    let o = mingdan(&["--socket", so, "backup", "--plaintext", f]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("服务器模式") && text(&o).contains("已备份到"), "{}", text(&o));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let o = mingdan(&["--socket", so, "backup", "--plaintext", out.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let named = std::fs::read_dir(out.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("mingdan-"));
    assert_eq!(named.count(), 1, "a directory gets a file named by the time");
    let o = mingdan(&["--store", st, "--socket", so, "restore", f]);
    assert!(!o.status.success());
    assert!(text(&o).contains("服务器正在运行") && text(&o).contains("systemctl stop"), "{}", text(&o));
    server.stop().unwrap();
    let Branch { dir: _dir, service, .. } = b;
    drop(service);

    let o = mingdan(&["restore", "--check", f]);
    assert!(o.status.success() && text(&o).contains("备份文件完好"), "{}", text(&o));
    let mut damaged = std::fs::read(&file).unwrap();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 1;
    let bad = out.path().join("坏.mdbak");
    std::fs::write(&bad, damaged).unwrap();
    let o = mingdan(&["--store", st, "restore", bad.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("校验和不符"), "{}", text(&o));

    let o = mingdan(&["--store", st, "--socket", so, "restore", f]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("原数据库已改名保留") && text(&o).contains("检查通过"), "{}", text(&o));
    // Without a server the same commands run on the store itself, and say so.
    let o = mingdan(&["--store", st, "check"]);
    assert!(o.status.success() && text(&o).contains("单机模式"), "{}", text(&o));
    let o = mingdan(&["--store", st, "audit", "--action", "恢复"]);
    assert!(text(&o).contains("恢复") && text(&o).contains("备份.mdbak"), "{}", text(&o));
}
