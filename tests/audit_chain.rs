//! The chained and sealed audit trail (issue 17, points 1, 2 and 5): records edited, deleted,
//! inserted or reordered directly in sled are named by `audit verify` and by `check`; seals are
//! checked against their own epoch's key; a schema-3 store upgrades into a chain; exports name
//! their file.

mod common;
mod serverkit;

use std::path::Path;
use std::sync::Arc;

use common::*;
use mingdan::domain::seal::{self, VerifyKey};
use mingdan::domain::{AuditAction, AuditRecord, Sensitive};
use mingdan::service::views::AuditFilter;
use mingdan::service::{Api, Service};
use mingdan::store::codec::{decode, encode};
use mingdan::store::{ChainHead, entry_hash};

/// A branch with eight reveals by 2001, a minute apart (09:01 … 09:08 the next day), after the
/// set-up's own records.
fn busy_branch() -> Branch {
    let b = branch();
    b.clock.advance(chrono::Duration::hours(23));
    let wang = b.session("2001");
    for _ in 0..8 {
        b.clock.advance(chrono::Duration::minutes(1));
        wang.reveal(cno("C1"), Sensitive::Phone).unwrap();
    }
    b
}

/// Closes the service, runs `f` on sled's audit and meta trees directly (as a program with file
/// access would), and opens the store again.
fn tamper(b: Branch, f: impl FnOnce(&sled::Tree, &sled::Tree, &Path)) -> Branch {
    let Branch { dir, clock, service } = b;
    drop(service);
    {
        // sled's file lock can outlive the service for an instant: in a child another test forks
        // (until it execs), or in the search index's thread letting go of its handle.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let db = loop {
            match sled::open(dir.path().join("sled")) {
                Ok(db) => break db,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("{e}"),
            }
        };
        let audit = db.open_tree("audit").unwrap();
        let meta = db.open_tree("meta").unwrap();
        f(&audit, &meta, dir.path());
        db.flush().unwrap();
    }
    let service = Arc::new(Service::open(dir.path(), clock.clone()).unwrap());
    Branch { dir, clock, service }
}

/// Rewrites the chain head in `meta` (after the write count in `written_seq`).
fn put_head(meta: &sled::Tree, head: &ChainHead) {
    let count = meta.get("written_seq").unwrap().unwrap()[..8].to_vec();
    meta.insert("written_seq", [count, head.encode()].concat()).unwrap();
}

fn entries(audit: &sled::Tree) -> Vec<(Vec<u8>, Vec<u8>)> {
    audit.iter().map(|kv| kv.unwrap()).map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
}

fn record(k: &[u8], v: &[u8]) -> AuditRecord {
    decode(k, v).unwrap()
}

/// The entries of the reveals (the records whose detail a forger would change).
fn reveals(audit: &sled::Tree) -> Vec<(Vec<u8>, Vec<u8>)> {
    entries(audit).into_iter().filter(|(k, v)| record(k, v).action == AuditAction::Reveal).collect()
}

fn verdict(b: &Branch, key: Option<String>) -> mingdan::service::audit::AuditVerdict {
    b.session("9001").verify_audit(key).unwrap()
}

fn broken(b: &Branch) -> String {
    let v = verdict(b, None);
    assert!(!v.is_ok(), "the tampering went unnoticed: {v:?}");
    let check = b.session("9001").check().unwrap();
    assert!(check.problems.iter().any(|p| p.starts_with("审计链：")), "check passed: {check:?}");
    v.broken.unwrap()
}

fn seq_of(k: &[u8], v: &[u8]) -> u64 {
    record(k, v).link.unwrap().seq
}

#[test]
fn an_untouched_chain_verifies_and_check_passes() {
    let b = busy_branch();
    let v = verdict(&b, None);
    assert!(v.is_ok(), "{v:?}");
    assert!(v.chained >= 8 && v.legacy == 0, "{v:?}");
    assert!(b.session("9001").check().unwrap().is_ok());
    // Still whole after a restart (the head beside the store matches the one inside).
    let b = b.reopen();
    assert!(verdict(&b, None).is_ok());
}

#[test]
fn an_edited_record_is_named_with_its_time_actor_action_and_seq() {
    let b = busy_branch();
    let mut seq = 0;
    let b = tamper(b, |audit, _, _| {
        let (k, v) = reveals(audit)[3].clone();
        let mut rec = record(&k, &v);
        seq = rec.link.unwrap().seq;
        rec.detail = "手机号码".into();
        rec.target = "C2".into();
        audit.insert(&k, encode(&rec).unwrap()).unwrap();
    });
    let p = broken(&b);
    assert!(p.contains(&format!("序号 {seq}")) && p.contains("被修改"), "{p}");
    assert!(p.contains("2001") && p.contains("查看敏感信息") && p.contains("2026-11-19 09:04:00"), "{p}");
}

#[test]
fn a_deleted_record_is_named_by_the_gap_it_leaves() {
    let b = busy_branch();
    let mut seq = 0;
    let b = tamper(b, |audit, _, _| {
        let (k, v) = reveals(audit)[2].clone();
        seq = seq_of(&k, &v);
        audit.remove(&k).unwrap();
    });
    let p = broken(&b);
    assert!(p.contains(&format!("序号 {seq} 的审计记录缺失（被删除")), "{p}");
}

#[test]
fn deleting_the_newest_records_and_the_head_inside_the_store_is_seen_from_the_head_beside_it() {
    let b = busy_branch();
    let b = tamper(b, |audit, meta, _| {
        let all = entries(audit);
        let (k, v) = all[all.len() - 3].clone();
        // Cut the last two and rewrite the head in meta to the new end, as a careful forger would.
        for (k, _) in &all[all.len() - 2..] {
            audit.remove(k).unwrap();
        }
        let head = ChainHead { seq: seq_of(&k, &v), hash: entry_hash(&k, &v), last_key: k.clone() };
        put_head(meta, &head);
    });
    let p = broken(&b);
    assert!(p.contains("链头文件") && p.contains("2 条"), "{p}");
}

#[test]
fn an_inserted_record_is_named() {
    let b = busy_branch();
    let b = tamper(b, |audit, _, _| {
        let all = reveals(audit);
        // A copy of the fifth reveal, keyed just after it, link and all.
        let (k, v) = all[4].clone();
        let mut key = k.clone();
        *key.last_mut().unwrap() += 1;
        let mut rec = record(&k, &v);
        rec.detail = "证件号码".into();
        audit.insert(key, encode(&rec).unwrap()).unwrap();
    });
    let p = broken(&b);
    assert!(p.contains("插入或调换了顺序"), "{p}");

    // One without any link, as a program that knows only the old format would write it.
    let b = busy_branch();
    let b = tamper(b, |audit, _, _| {
        let (k, v) = reveals(audit)[5].clone();
        let mut key = k.clone();
        *key.last_mut().unwrap() += 1;
        let mut rec = record(&k, &v);
        rec.link = None;
        audit.insert(key, encode(&rec).unwrap()).unwrap();
    });
    let p = broken(&b);
    assert!(p.contains("没有链接信息") && p.contains("后来插入"), "{p}");
}

#[test]
fn reordered_records_are_named() {
    let b = busy_branch();
    let mut later = 0;
    let b = tamper(b, |audit, _, _| {
        let all = reveals(audit);
        let ((k1, v1), (k2, v2)) = (all[1].clone(), all[6].clone());
        later = seq_of(&k2, &v2);
        audit.insert(&k1, v2).unwrap();
        audit.insert(&k2, v1).unwrap();
    });
    let p = broken(&b);
    assert!(p.contains(&format!("序号 {later}")) && p.contains("调换了顺序"), "{p}");
}

/// Rewrites every link from the start, as a forger who knows the chain's rules would after an
/// edit, and `resign`s each seal over its new head; the head in meta and beside the store too.
fn relink(
    audit: &sled::Tree,
    meta: &sled::Tree,
    dir: &Path,
    resign: &dyn Fn(&AuditRecord, u64, &[u8; 32]) -> AuditRecord,
) {
    let mut prev = [0u8; 32];
    let mut seq = 0;
    let mut last = Vec::new();
    for (k, v) in entries(audit) {
        let mut rec = record(&k, &v);
        seq += 1;
        let link = rec.link.as_mut().unwrap();
        link.seq = seq;
        link.prev = prev;
        if rec.link.unwrap().seal.is_some() {
            rec = resign(&rec, seq - 1, &prev);
        }
        let bytes = encode(&rec).unwrap();
        audit.insert(&k, bytes.clone()).unwrap();
        prev = entry_hash(&k, &bytes);
        last = k;
    }
    put_head(meta, &ChainHead { seq, hash: prev, last_key: last });
    let mark = dir.join("written.mark");
    let mut bytes = std::fs::read(&mark).unwrap()[..8].to_vec();
    bytes.extend_from_slice(&seq.to_be_bytes());
    bytes.extend_from_slice(&prev);
    std::fs::write(mark, bytes).unwrap();
}

/// A branch sealing every 15 minutes from 2026-11-18 10:00: epochs 0, 1 and 2 each get reveals
/// and a seal. Returns the verification key.
fn sealed_branch() -> (Branch, String) {
    let b = branch();
    let init = b.session("9001").seal_init(900).unwrap();
    assert!(init.key.starts_with("MINGDAN-SEAL-1:"));
    let wang = b.session("2001");
    for epoch in 0..3u64 {
        b.clock.advance(chrono::Duration::minutes(1));
        wang.reveal(cno("C1"), Sensitive::Phone).unwrap();
        assert_eq!(b.service.seal_due().unwrap(), Some(epoch));
        assert_eq!(b.service.seal_due().unwrap(), None, "one seal per epoch");
        b.clock.advance(chrono::Duration::minutes(14));
    }
    (b, init.key)
}

#[test]
fn seals_verify_against_their_own_epoch_keys_and_later_records_are_reported_unsealed() {
    let (b, key) = sealed_branch();
    let v = verdict(&b, Some(key.clone()));
    assert!(v.is_ok() && v.key_checked && v.seals == 3, "{v:?}");
    assert!(v.unsealed.is_none(), "{v:?}");
    // The key on disk has moved on past every epoch sealed: epoch 3's, 40 bytes, 0600.
    let path = b.dir.path().join(mingdan::service::audit::SEAL_KEY_FILE);
    let raw = std::fs::read(&path).unwrap();
    assert_eq!((raw.len(), u64::from_be_bytes(raw[..8].try_into().unwrap())), (40, 3));
    let k0 = VerifyKey::parse(&key).unwrap().k0;
    assert_eq!(&raw[8..], &seal::key_at(&k0, 3), "only the current key is kept");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

    b.clock.advance(chrono::Duration::minutes(1));
    b.session("2001").reveal(cno("C2"), Sensitive::Phone).unwrap();
    let v = verdict(&b, Some(key.clone()));
    assert!(v.unsealed.as_deref().is_some_and(|u| u.contains("1 条") && u.contains("尚未封存")), "{v:?}");
    // A second seal-init is refused: the verification key is given once.
    assert!(b.session("9001").seal_init(900).is_err());
    // A key that is not the branch's fails every seal.
    let other = VerifyKey { k0: [5; 32], ..VerifyKey::parse(&key).unwrap() }.to_text();
    let v = verdict(&b, Some(other));
    assert_eq!(v.untrusted.iter().filter(|u| u.contains("不符")).count(), 3, "{v:?}");
}

#[test]
fn idle_epochs_are_sealed_too_and_after_downtime_only_the_current_one_with_the_gap_untrusted() {
    let (b, key) = sealed_branch();
    // Epoch 3, nothing written: the seal record itself is the new entry.
    assert_eq!(b.service.seal_due().unwrap(), Some(3));
    assert_eq!(b.service.seal_due().unwrap(), None, "one seal per epoch");
    assert!(verdict(&b, Some(key.clone())).is_ok());
    // The server down for two hours: on its return it seals the current epoch only.
    b.clock.advance(chrono::Duration::hours(2));
    let now = 3 + 2 * 4;
    assert_eq!(b.service.seal_due().unwrap(), Some(now));
    let raw = std::fs::read(b.dir.path().join("seal.key")).unwrap();
    assert_eq!(u64::from_be_bytes(raw[..8].try_into().unwrap()), now + 1);
    assert_eq!(&raw[8..], &seal::key_at(&VerifyKey::parse(&key).unwrap().k0, now + 1));
    let v = verdict(&b, Some(key));
    assert!(!v.is_ok(), "{v:?}");
    assert!(v.untrusted.iter().any(|u| u.contains("第 4 至 10 期") && u.contains("不可信")), "{v:?}");
}

/// Removes every seal record from epoch `from` on (all with 0), as an intruder holding today's
/// key would before rewriting the records those seals covered.
fn drop_seals_from(from: u64) -> impl FnOnce(&sled::Tree, &sled::Tree, &Path) {
    move |audit: &sled::Tree, meta: &sled::Tree, dir: &Path| {
        for (k, v) in entries(audit) {
            let rec = record(&k, &v);
            if rec.link.and_then(|l| l.seal).is_some_and(|m| m.epoch >= from) {
                audit.remove(&k).unwrap();
            }
        }
        let (k, v) = reveals(audit)[1].clone();
        let mut rec = record(&k, &v);
        rec.target = "C3".into();
        audit.insert(&k, encode(&rec).unwrap()).unwrap();
        relink(audit, meta, dir, &|rec, _, _| rec.clone());
    }
}

#[test]
fn seals_deleted_after_a_point_and_the_chain_relinked_fail_naming_the_unsealed_period() {
    let (b, key) = sealed_branch();
    let b = tamper(b, drop_seals_from(1));
    assert!(verdict(&b, None).is_ok(), "the chain itself was rewritten consistently");
    // The intruder even lets the server seal the current epoch with the key it holds.
    assert_eq!(b.service.seal_due().unwrap(), Some(3));
    let v = verdict(&b, Some(key));
    assert!(!v.is_ok(), "{v:?}");
    assert!(v.untrusted.iter().any(|u| u.contains("第 1 至 2 期") && u.contains("不可信")), "{v:?}");
}

#[test]
fn all_seals_deleted_fails_verification_with_the_key() {
    let (b, key) = sealed_branch();
    let b = tamper(b, drop_seals_from(0));
    let v = verdict(&b, Some(key));
    assert!(!v.is_ok() && v.seals == 0, "{v:?}");
    assert!(v.untrusted.iter().any(|u| u.contains("没有任何封存记录")), "{v:?}");
}

#[test]
fn a_cut_tail_after_the_last_seal_is_reported_when_time_has_moved_on() {
    let (b, key) = sealed_branch();
    b.clock.advance(chrono::Duration::minutes(31));
    let v = verdict(&b, Some(key));
    assert!(
        v.untrusted.iter().any(|u| u.contains("最后一次有效封存在第 2 期") && u.contains("截去")),
        "{v:?}"
    );
}

#[test]
fn a_seal_claiming_an_epoch_far_in_the_future_is_refused_without_deriving_its_key() {
    let (b, key) = sealed_branch();
    let far: u64 = 5_000_000_000;
    let start = VerifyKey::parse(&key).unwrap().epochs.start;
    let b = tamper(b, move |audit: &sled::Tree, meta: &sled::Tree, dir: &Path| {
        relink(audit, meta, dir, &|rec, seq, hash| {
            let mut rec = rec.clone();
            let mark = rec.link.as_mut().unwrap().seal.as_mut().unwrap();
            if mark.epoch == 2 {
                mark.epoch = far;
                mark.mac = seal::seal_mac(&[0; 32], far, seq, hash);
                rec.at = chrono::DateTime::from_timestamp(start + (far as i64) * 900 + 1, 0)
                    .unwrap()
                    .fixed_offset();
            }
            rec
        });
    });
    let t = std::time::Instant::now();
    let v = verdict(&b, Some(key));
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    assert!(v.untrusted.iter().any(|u| u.contains("还没有到") && u.contains("伪造")), "{v:?}");
}

/// The intruder, holding the key file's key (`stolen`, a later epoch's), edits a reveal made in
/// epoch 1, relinks the chain and re-signs every seal with the only key they have: keeping each
/// seal's epoch number, or (`relabel`) claiming the stolen key's epoch 3.
fn edit_and_resign(stolen: [u8; 32], relabel: bool) -> impl FnOnce(&sled::Tree, &sled::Tree, &Path) {
    move |audit: &sled::Tree, meta: &sled::Tree, dir: &Path| {
        let (k, v) = reveals(audit)[1].clone();
        let mut rec = record(&k, &v);
        rec.target = "C3".into();
        audit.insert(&k, encode(&rec).unwrap()).unwrap();
        relink(audit, meta, dir, &|rec, seq, hash| {
            let mut rec = rec.clone();
            let mark = rec.link.as_mut().unwrap().seal.as_mut().unwrap();
            if relabel {
                mark.epoch = 3;
            }
            mark.mac = seal::seal_mac(&stolen, mark.epoch, seq, hash);
            rec
        });
    }
}

fn stolen_key(b: &Branch) -> [u8; 32] {
    std::fs::read(b.dir.path().join("seal.key")).unwrap()[8..].try_into().unwrap()
}

#[test]
fn a_seal_forged_with_a_later_epochs_key_is_refused() {
    let (b, key) = sealed_branch();
    let stolen = stolen_key(&b);
    let b = tamper(b, edit_and_resign(stolen, false));
    let v = verdict(&b, Some(key.clone()));
    assert!(v.broken.is_none(), "the chain itself was rewritten consistently: {v:?}");
    assert!(v.untrusted.iter().any(|u| u.contains("第 1 期") && u.contains("不可信")), "{v:?}");
    // Without the key nothing can tell: that is why the key is kept offline.
    assert!(verdict(&b, None).is_ok());

    // Claiming the stolen key's own epoch makes the MAC right, but not the seal's time.
    let (b, key) = sealed_branch();
    let stolen = stolen_key(&b);
    let b = tamper(b, edit_and_resign(stolen, true));
    let v = verdict(&b, Some(key));
    assert!(v.untrusted.iter().any(|u| u.contains("不在它所署的") && u.contains("别的时段的密钥")), "{v:?}");
}

#[test]
fn a_schema_3_store_upgrades_into_a_chain_with_its_old_records_as_one_block() {
    let b = busy_branch();
    let mut old = 0;
    let b = tamper(b, |audit, meta, dir| {
        // Back to how schema 3 kept it: records in format 1 without links, no head, a mark of
        // 8 bytes.
        for (k, v) in entries(audit) {
            let rec = record(&k, &v);
            let mut value = vec![0u8, 1];
            value.extend(
                bincode::serde::encode_to_vec(
                    (rec.at, rec.actor, rec.action, rec.target, rec.detail),
                    bincode::config::standard(),
                )
                .unwrap(),
            );
            audit.insert(&k, value).unwrap();
            old += 1;
        }
        let count = meta.get("written_seq").unwrap().unwrap()[..8].to_vec();
        meta.insert("written_seq", count).unwrap();
        meta.insert("schema_version", &3u32.to_be_bytes()).unwrap();
        let mark = dir.join("written.mark");
        let bytes = std::fs::read(&mark).unwrap()[..8].to_vec();
        std::fs::write(mark, bytes).unwrap();
    });
    let v = verdict(&b, None);
    assert!(v.is_ok(), "{v:?}");
    assert_eq!(v.legacy, old);
    let first = b
        .session("9001")
        .audit(AuditFilter { action: Some(AuditAction::SealInit), ..AuditFilter::default() })
        .unwrap();
    assert!(
        first.iter().any(|r| r.detail.contains(&format!("此前的 {old} 条记录合为一段封存"))),
        "{first:?}"
    );
    // New records chain on; an old one edited afterwards breaks the block.
    b.session("2001").reveal(cno("C2"), Sensitive::IdNumber).unwrap();
    assert!(verdict(&b, None).is_ok());
    let b = tamper(b, |audit, _, _| {
        let (k, mut v) = entries(audit)[2].clone();
        let last = v.len() - 1;
        v[last] ^= 1;
        audit.insert(&k, v).unwrap();
    });
    let p = broken(&b);
    assert!(p.contains("升级前的审计记录"), "{p}");
}

#[test]
fn every_export_names_its_file_rows_and_masking_and_is_found_by_target() {
    let b = branch();
    let admin = b.session("9001");
    let file = "/home/zhao/名单-20261118.csv".to_string();
    let t = admin.export_roster(None, true, file.clone()).unwrap();
    admin.export_contacts(d(2026, 11, 1), d(2026, 11, 18), "-".into()).unwrap();
    let found = admin.audit(AuditFilter { target: Some(file.clone()), ..AuditFilter::default() }).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].action, AuditAction::Export);
    assert!(
        found[0].detail.contains(&format!("{} 行", t.rows.len())) && found[0].detail.contains("未遮蔽"),
        "{found:?}"
    );
    let stdout = admin.audit(AuditFilter { target: Some("-".into()), ..AuditFilter::default() }).unwrap();
    assert!(stdout.len() == 1 && stdout[0].detail.contains("已遮蔽"), "{stdout:?}");
}

#[test]
fn audit_verify_runs_over_the_socket_but_the_verification_key_never_goes_there() {
    let (b, key) = sealed_branch();
    serverkit::map_me(&b.service, "9001", "9002");
    let server = serverkit::serve_in(b.service.clone(), b.dir.path());
    let so = server.socket.to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mingdan")).args(args).output().unwrap()
    };
    let text = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    };
    let o = run(&["--socket", &so, "audit", "verify"]);
    assert!(o.status.success() && text(&o).contains("审计链完整"), "{}", text(&o));
    let o = run(&["--socket", &so, "audit", "verify", "--key", &key]);
    assert!(!o.status.success() && text(&o).contains("验证密钥不能交给服务器"), "{}", text(&o));
    // A client that does send it (another build, a hand-made request) is refused by the server.
    let err = server.connect().verify_audit(Some(key)).unwrap_err().to_string();
    assert!(err.contains("验证密钥不能交给服务器"), "{err}");
    server.stop().unwrap();
}

#[test]
fn a_crash_after_a_seal_commits_but_before_the_key_evolves_does_not_seal_that_epoch_twice() {
    let (b, key) = sealed_branch();
    let path = b.dir.path().join("seal.key");
    let before = std::fs::read(&path).unwrap();
    assert_eq!(b.service.seal_due().unwrap(), Some(3));
    // The key file as the crash left it: epoch 3's key, though epoch 3 is sealed.
    std::fs::write(&path, &before).unwrap();
    b.clock.advance(chrono::Duration::minutes(1));
    b.session("2001").reveal(cno("C2"), Sensitive::Phone).unwrap();
    assert_eq!(b.service.seal_due().unwrap(), None, "epoch 3 is sealed already");
    let raw = std::fs::read(&path).unwrap();
    assert_eq!(u64::from_be_bytes(raw[..8].try_into().unwrap()), 4, "the key moved on past epoch 3");
    let v = verdict(&b, Some(key));
    assert!(v.is_ok(), "{v:?}");
}

#[test]
fn a_clock_gone_back_behind_the_sealed_epoch_is_an_error_not_silence() {
    let (b, _) = sealed_branch();
    assert_eq!(b.service.seal_due().unwrap(), Some(3));
    b.clock.advance(chrono::Duration::minutes(-30));
    let err = b.service.seal_due().unwrap_err().to_string();
    assert!(err.contains("时钟倒退") && err.contains("第 3 期"), "{err}");
}
