//! Issue #11, points 7 and 8 on the real binary: no command but `init` and `demo` creates a
//! store; a restore killed between its renames is refused until finished or rolled back; every
//! acknowledged write is `fdatasync`ed.

mod common;
mod serverkit;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use common::*;
use mingdan::domain::Purpose;
use mingdan::service::{Api, Service, Session};
use serverkit::*;

fn mingdan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn only_init_and_demo_create_a_store_everything_else_says_what_to_run() {
    let parent = tempfile::tempdir().unwrap();
    let store = parent.path().join("store");
    let socket = parent.path().join("mingdan.sock");
    for args in [
        vec!["--store", s(&store), "check"],
        vec!["--store", s(&store), "staff", "list"],
        vec!["--store", s(&store), "--socket", s(&socket), "serve"],
    ] {
        let o = mingdan(&args);
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains(s(&store)) && t.contains("不存在") && t.contains("mingdan init"), "{args:?}: {t}");
        assert!(t.contains("mingdan restore"), "{t}");
        assert!(!store.exists(), "{args:?} created {}", store.display());
    }
    // An empty directory (a StateDirectory systemd made, say) is not a store either.
    std::fs::create_dir(&store).unwrap();
    let o = mingdan(&["--store", s(&store), "check"]);
    assert!(!o.status.success() && text(&o).contains("mingdan init"), "{}", text(&o));
    assert!(!store.join("sled").exists());

    let me = mingdan::os::os_login().unwrap();
    let o = mingdan(&[
        "--store",
        s(&store),
        "init",
        "--no",
        "9001",
        "--name",
        "赵敏",
        "--outlet",
        "城关",
        "--login",
        &me,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = mingdan(&["--store", s(&store), "check"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// The branch with my login as its administrator, a backup of it, and one more contact after
/// the backup (so the old store and the restored one can be told apart); closed and moved to
/// `<tmp>/store`.
fn closed_branch_with_backup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let image = b.session("9001").backup(vec![], true).unwrap().bytes;
    b.session("2001").log_contact(draft("C1", Purpose::Callback)).unwrap();
    let Branch { dir, service, .. } = b;
    drop(service);
    let parent = tempfile::tempdir().unwrap();
    let store = parent.path().join("store");
    std::fs::rename(dir.path(), &store).unwrap();
    // The data key lives beside the store and moves with it.
    let key = mingdan::store::fields::key_path;
    std::fs::rename(key(dir.path()), key(&store)).unwrap();
    let file = parent.path().join("备份.mdbak");
    std::fs::write(&file, image).unwrap();
    (parent, store, file)
}

fn contacts_in(store: &Path) -> u64 {
    let service = Arc::new(Service::open(store, Arc::new(mingdan::service::SystemClock)).unwrap());
    let report = Session::new(service, sno("9001")).check().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    report.counts.iter().find(|(n, _)| n == "联系记录").unwrap().1
}

fn restore_killed_between_renames(store: &Path, file: &Path, socket: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_mingdan"))
        .args(["--store", s(store), "--socket", s(socket), "restore", s(file)])
        .env("MINGDAN_TEST_RESTORE_KILL", "between-renames")
        .output()
        .unwrap();
    assert_eq!(o.status.signal(), Some(9), "killed by the hook: {}", text(&o));
    assert!(!store.exists(), "killed after the old store was moved aside");
}

#[test]
fn a_restore_killed_between_its_renames_is_refused_until_finished_or_rolled_back() {
    let (parent, store, file) = closed_branch_with_backup();
    let socket = parent.path().join("mingdan.sock");
    let before = contacts_in(&store);

    restore_killed_between_renames(&store, &file, &socket);
    let aside: Vec<String> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("store.before-restore-") && !n.ends_with(".key"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    for args in [
        vec!["--store", s(&store), "check"],
        vec!["--store", s(&store), "audit"],
        vec!["--store", s(&store), "--socket", s(&socket), "serve"],
        vec!["--store", s(&store), "init", "--no", "9001", "--name", "赵敏", "--outlet", "城关"],
        vec!["--store", s(&store), "--socket", s(&socket), "restore", s(&file)],
    ] {
        let o = mingdan(&args);
        let t = text(&o);
        assert!(!o.status.success(), "{args:?}: {t}");
        assert!(t.contains("恢复没有完成") && t.contains(&aside[0]) && t.contains("store.restoring-"), "{t}");
        assert!(t.contains("mingdan restore --finish") && t.contains("mingdan restore --rollback"), "{t}");
        assert!(!store.exists(), "{args:?} created an empty store");
    }

    // Rolled back: the old store, with the contact logged after the backup, is in place again.
    let o = mingdan(&["--store", s(&store), "--socket", s(&socket), "restore", "--rollback"]);
    assert!(o.status.success() && text(&o).contains("已撤销"), "{}", text(&o));
    assert_eq!(contacts_in(&store), before);
    let left: Vec<String> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restor"))
        .collect();
    assert!(left.is_empty(), "nothing of the restore is left: {left:?}");
    let o = mingdan(&["--store", s(&store), "restore", "--rollback"]);
    assert!(!o.status.success() && text(&o).contains("没有未完成的恢复"), "{}", text(&o));

    // Finished: the restored store, checked before the renames, is in place and audited.
    restore_killed_between_renames(&store, &file, &socket);
    let o = mingdan(&["--store", s(&store), "--socket", s(&socket), "restore", "--finish"]);
    assert!(o.status.success() && text(&o).contains("已完成被中断的恢复"), "{}", text(&o));
    assert_eq!(contacts_in(&store), before - 1, "the backup's contacts");
    let o = mingdan(&["--store", s(&store), "audit", "--action", "恢复"]);
    assert!(text(&o).contains("完成了被中断的恢复"), "{}", text(&o));
    let kept: Vec<String> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restor") && !n.ends_with(".key"))
        .collect();
    assert_eq!(kept.len(), 1, "only the old store is kept: {kept:?}");
    assert!(kept[0].starts_with("store.before-restore-"), "{kept:?}");
    // With its data key beside it, so it still opens.
    assert!(parent.path().join(format!("{}.key", kept[0])).exists());
}

#[test]
fn every_acknowledged_write_is_fdatasynced() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: strace is not installed");
        return;
    }
    let (parent, store, _file) = closed_branch_with_backup();
    let log = parent.path().join("strace.log");
    let o = Command::new("strace")
        .args(["-f", "-y", "-e", "trace=fdatasync", "-o", s(&log), env!("CARGO_BIN_EXE_mingdan")])
        .args(["--store", s(&store), "staff", "add", "--no", "2100", "--name", "孙丽", "--role", "柜员"])
        .args(["--outlet", "城关"])
        .output()
        .unwrap();
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    if !o.status.success() && trace.is_empty() {
        eprintln!("skipped: strace cannot trace here: {}", text(&o));
        return;
    }
    assert!(o.status.success(), "{}", text(&o));
    let db = format!("{}>", store.join("sled").join("db").display());
    let synced =
        trace.lines().filter(|l| l.contains("fdatasync(") && l.contains(&db) && l.contains("= 0")).count();
    assert!(synced >= 1, "the write was acknowledged after an fdatasync of {db}:\n{trace}");
}

#[test]
fn a_backup_is_audited_once_its_file_is_complete_and_a_partial_file_is_refused() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let admin = b.session("9001");
    let backups = |s: &Session| {
        s.audit(mingdan::service::views::AuditFilter {
            action: Some(mingdan::domain::AuditAction::Backup),
            ..Default::default()
        })
        .unwrap()
    };
    // Taking the copy records nothing; only a saved copy handed out to the same person does.
    let image = admin.backup(vec![], true).unwrap();
    assert!(backups(&admin).is_empty(), "no file exists yet");
    let other = b.session("9002");
    assert!(other.backup_saved("x.mdbak".into(), image.info.checksum.clone()).is_err(), "not handed to 9002");
    assert!(admin.backup_saved("x.mdbak".into(), "0".repeat(64)).is_err(), "never handed out");
    assert!(admin.backup_saved("x\n2026-11-18 伪造".into(), image.info.checksum.clone()).is_err());
    admin.backup_saved("/备份/x.mdbak".into(), image.info.checksum.clone()).unwrap();
    let recs = backups(&admin);
    assert_eq!(recs.len(), 1);
    assert!(recs[0].detail.contains("/备份/x.mdbak") && recs[0].detail.contains("已写入"), "{:?}", recs[0]);
    assert!(
        admin.backup_saved("/备份/x.mdbak".into(), image.info.checksum.clone()).is_err(),
        "recorded once"
    );

    // On the real binary: a backup that cannot be written is not audited; one that is, is.
    drop((admin, other));
    let Branch { dir, service, .. } = b;
    drop(service);
    let st = dir.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let nowhere = out.path().join("没有这个目录").join("x.mdbak");
    let o = mingdan(&["--store", st, "backup", "--plaintext", s(&nowhere)]);
    assert!(!o.status.success(), "{}", text(&o));
    let o = mingdan(&["--store", st, "audit", "--action", "备份"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1, "{}", text(&o));
    let o = mingdan(&["--store", st, "backup", "--plaintext", s(out.path())]);
    assert!(o.status.success(), "{}", text(&o));
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mdbak") || n.ends_with(".partial"))
        .collect();
    assert_eq!(names.len(), 1, "one complete file, no partial one: {names:?}");
    assert!(names[0].starts_with("mingdan-") && names[0].ends_with(".mdbak"), "{names:?}");
    let o = mingdan(&["--store", st, "audit", "--action", "备份"]);
    let t = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(t.lines().count(), 2, "{t}");
    assert!(t.contains(&names[0]), "the record names the file: {t}");

    // What a backup cut off leaves behind (a hidden `.partial` file) is refused by name, even
    // with complete contents.
    let partial = out.path().join(format!(".{}.Ab12Cd.partial", names[0]));
    std::fs::copy(out.path().join(&names[0]), &partial).unwrap();
    for args in [vec!["restore", "--check", s(&partial)], vec!["--store", st, "restore", s(&partial)]] {
        let o = mingdan(&args);
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("没有写完的备份"), "{}", text(&o));
    }
}

#[test]
fn a_backup_of_another_branch_or_the_demo_is_restored_only_with_other_branch() {
    let (parent, store, own) = closed_branch_with_backup();
    let socket = parent.path().join("mingdan.sock");
    let before = contacts_in(&store);

    // The demo, a store of its own with its own identity.
    let demo_dir = tempfile::tempdir().unwrap();
    let demo = Arc::new(Service::create(demo_dir.path(), Arc::new(mingdan::service::SystemClock)).unwrap());
    demo.seed_demo(30, 7).unwrap();
    // As the nightly timer takes it: the image, then its file part by part.
    use mingdan::service::{Request, Response};
    let image = match demo
        .handle_service_account("mingdan", Request::Backup { recipients: vec![], plaintext: true })
        .unwrap()
    {
        Response::Backup(image) => image,
        other => panic!("{other:?}"),
    };
    let mut demo_image = Vec::new();
    while (demo_image.len() as u64) < image.file_size {
        let part =
            Request::BackupPart { checksum: image.info.checksum.clone(), offset: demo_image.len() as u64 };
        match demo.handle_service_account("mingdan", part).unwrap() {
            Response::BackupPart(bytes) if !bytes.is_empty() => demo_image.extend(bytes),
            other => panic!("{other:?}"),
        }
    }
    let demo_file = parent.path().join("演示.mdbak");
    std::fs::write(&demo_file, demo_image).unwrap();
    // Another branch made the same way as this one: same staff and clients, other identity.
    let other = branch();
    let other_file = parent.path().join("别的支行.mdbak");
    std::fs::write(&other_file, other.session("9001").backup(vec![], true).unwrap().bytes).unwrap();

    for file in [&demo_file, &other_file] {
        let o = mingdan(&["--store", s(&store), "--socket", s(&socket), "restore", s(file)]);
        let t = text(&o);
        assert!(!o.status.success(), "{t}");
        assert!(t.contains("另一个数据库") && t.contains("--other-branch"), "{t}");
    }
    assert!(
        text(&mingdan(&["--store", s(&store), "--socket", s(&socket), "restore", s(&demo_file)]))
            .contains("演示数据库")
    );
    assert_eq!(contacts_in(&store), before, "the store was left alone");

    // Its own backup needs no flag; another's goes in when asked for.
    let o = mingdan(&["--store", s(&store), "--socket", s(&socket), "restore", s(&own)]);
    assert!(o.status.success(), "{}", text(&o));
    // Its clients' sensitive fields were sealed with the other branch's data key: refused until
    // that key is in place, naming it, with nothing touched.
    let restore_other = || {
        mingdan(&["--store", s(&store), "--socket", s(&socket), "restore", "--other-branch", s(&other_file)])
    };
    let o = restore_other();
    assert!(
        !o.status.success() && text(&o).contains("不是数据库") && text(&o).contains("store.key"),
        "{}",
        text(&o)
    );
    let key = mingdan::store::fields::key_path;
    std::fs::remove_file(key(&store)).unwrap();
    std::fs::copy(key(other.dir.path()), key(&store)).unwrap();
    let o = restore_other();
    assert!(o.status.success(), "{}", text(&o));
}
