//! Encryption a branch relies on: backups readable only with the branch's private key, an
//! altered encrypted backup refused before anything is replaced, and a store whose files reveal
//! no phone number or ID number without the data key beside it.

mod common;
mod serverkit;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use age::secrecy::ExposeSecret;
use age::x25519::Identity;
use common::*;
use mingdan::service::{Api, Service};
use mingdan::store::fields::key_path;
use serverkit::*;

fn mingdan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).args(args).env_remove("MINGDAN_SOCKET").output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// An age identity file as `age-keygen -o` writes it, mode 0600.
fn identity_file(dir: &Path, name: &str, id: &Identity) -> PathBuf {
    let path = dir.join(name);
    let text = format!("# public key: {}\n{}\n", id.to_public(), id.to_string().expose_secret());
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn a_backup_is_readable_only_with_the_identity_and_a_plaintext_one_needs_the_flag() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let admin = b.session("9001");
    // No recipients anywhere and no --plaintext: refused, saying how to configure one.
    let err = admin.backup(vec![], false).unwrap_err().to_string();
    assert!(err.contains("mingdan recipients add") && err.contains("--plaintext"), "{err}");

    let keys = tempfile::tempdir().unwrap();
    let (ours, theirs) = (Identity::generate(), Identity::generate());
    let our_file = identity_file(keys.path(), "ours.txt", &ours);
    let their_file = identity_file(keys.path(), "theirs.txt", &theirs);
    assert!(admin.set_backup_recipients(vec!["AGE-SECRET-KEY-1NOTAPUBLICKEY".into()]).is_err());
    admin.set_backup_recipients(vec![ours.to_public().to_string()]).unwrap();
    drop(admin);
    let Branch { dir, service, .. } = b;
    drop(service);
    let store = dir.path();

    let out = tempfile::tempdir().unwrap();
    let o = mingdan(&["--store", s(store), "backup", s(out.path())]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已加密给 1 个接收人"), "{}", text(&o));
    let file = std::fs::read_dir(out.path()).unwrap().next().unwrap().unwrap().path();
    assert!(file.to_string_lossy().ends_with(".mdbak.age"), "{}", file.display());
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for plain in ["张伟".as_bytes(), b"13800138000", b"11010519491231002X", b"MDBACKUP"] {
        assert!(!contains(&bytes, plain), "{:?} readable in the backup", String::from_utf8_lossy(plain));
    }

    let f = s(&file);
    let o = mingdan(&["restore", "--check", f]);
    assert!(
        !o.status.success() && text(&o).contains("是加密的") && text(&o).contains("--identity"),
        "{}",
        text(&o)
    );
    let o = mingdan(&["restore", "--check", f, "--identity", s(&their_file)]);
    assert!(!o.status.success() && text(&o).contains("不是加密给这个私钥的"), "{}", text(&o));
    let o = mingdan(&["restore", "--check", f, "--identity", s(&our_file)]);
    assert!(o.status.success() && text(&o).contains("备份文件完好"), "{}", text(&o));
    let o = mingdan(&["--store", s(store), "restore", f, "--identity", s(&our_file)]);
    assert!(o.status.success() && text(&o).contains("检查通过"), "{}", text(&o));

    // One backup to another recipient; and a plaintext one only when asked, and said so.
    let o = mingdan(&[
        "--store",
        s(store),
        "backup",
        "--recipient",
        &theirs.to_public().to_string(),
        s(out.path()),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = mingdan(&["--store", s(store), "backup", "--plaintext", s(&out.path().join("plain.mdbak"))]);
    assert!(o.status.success() && text(&o).contains("未加密的备份"), "{}", text(&o));
    let o = mingdan(&["--store", s(store), "audit", "--action", "备份"]);
    let audit = text(&o);
    assert!(audit.contains("未加密（--plaintext）") && audit.contains("加密给 age1"), "{audit}");
}

#[test]
fn an_altered_encrypted_backup_is_refused_before_anything_is_replaced() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let keys = tempfile::tempdir().unwrap();
    let ours = Identity::generate();
    let our_file = identity_file(keys.path(), "ours.txt", &ours);
    let image = b.session("9001").backup(vec![ours.to_public().to_string()], false).unwrap();
    b.session("2001").log_contact(draft("C1", mingdan::domain::Purpose::Callback)).unwrap();
    let Branch { dir, service, clock } = b;
    drop(service);
    let store = dir.path();
    let out = tempfile::tempdir().unwrap();
    for (name, at) in [("middle", image.bytes.len() / 2), ("end", image.bytes.len() - 5), ("header", 40)] {
        let mut altered = image.bytes.clone();
        altered[at] ^= 0x01;
        let file = out.path().join(format!("{name}.mdbak.age"));
        std::fs::write(&file, &altered).unwrap();
        let o = mingdan(&["--store", s(store), "restore", s(&file), "--identity", s(&our_file)]);
        assert!(!o.status.success(), "{name}: {}", text(&o));
        assert!(text(&o).contains("已被改动"), "{name}: {}", text(&o));
        let cut = out.path().join(format!("{name}-cut.mdbak.age"));
        std::fs::write(&cut, &image.bytes[..image.bytes.len() - 100]).unwrap();
        let o = mingdan(&["restore", "--check", s(&cut), "--identity", s(&our_file)]);
        assert!(!o.status.success() && text(&o).contains("已被改动"), "{}", text(&o));
    }
    // Nothing was replaced: the contact logged after the backup is there, no store was moved.
    let parent = store.parent().unwrap();
    let name = store.file_name().unwrap().to_string_lossy().into_owned();
    let moved: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(&format!("{name}.before-restore")) || n.starts_with(&format!("{name}.restoring"))
        })
        .collect();
    assert!(moved.is_empty(), "{moved:?}");
    let service = Arc::new(Service::open(store, clock).unwrap());
    let card = mingdan::service::Session::new(service, sno("9001")).client(cno("C1")).unwrap();
    assert_eq!(card.contacts.len(), 1);
}

#[test]
fn the_store_directory_reveals_no_phone_or_id_number_and_search_still_finds_them() {
    let b = branch();
    // SAME_ENDING_IDS[0] and its phone belong to C1 (see `branch`); the others likewise.
    let phones: Vec<String> = (0..4).map(|i| format!("1380013800{i}")).collect();
    b.service.flush().unwrap();
    // Search by phone and ID suffix works from the decrypted values held in memory.
    let teller = b.session("2001");
    let hits = teller.search("8000".into(), 10).unwrap().hits;
    assert!(!hits.is_empty(), "phone suffix search");
    let hits = teller.search("002X".into(), 10).unwrap().hits;
    assert!(!hits.is_empty(), "ID suffix search");
    let key = key_path(b.dir.path());
    assert!(!key.starts_with(b.dir.path()), "the key is beside the store, not in it");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    drop(teller);
    let Branch { dir, service, .. } = b;
    drop(service);

    let files = files_under(dir.path());
    assert!(files.len() > 2, "{files:?}");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for secret in phones.iter().map(String::as_str).chain(SAME_ENDING_IDS) {
            assert!(!contains(&bytes, secret.as_bytes()), "{secret} in the clear in {}", f.display());
        }
    }

    // Without the key the store does not open, and says what to do.
    let aside = dir.path().with_extension("key-aside");
    std::fs::rename(&key, &aside).unwrap();
    let msg = Service::open(dir.path(), Arc::new(mingdan::service::SystemClock)).err().unwrap().to_string();
    assert!(msg.contains(s(&key)) && msg.contains("mingdan key import"), "{msg}");
    std::fs::rename(&aside, &key).unwrap();
}

#[test]
fn the_data_key_is_exported_encrypted_and_imported_back() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let keys = tempfile::tempdir().unwrap();
    let ours = Identity::generate();
    let our_file = identity_file(keys.path(), "ours.txt", &ours);
    let Branch { dir, service, .. } = b;
    drop(service);
    let store = dir.path();
    let out = keys.path().join("key.age");
    let o = mingdan(&["--store", s(store), "key", "export", "--out", s(&out)]);
    assert!(!o.status.success() && text(&o).contains("--recipient"), "{}", text(&o));
    let o = mingdan(&[
        "--store",
        s(store),
        "key",
        "export",
        "--out",
        s(&out),
        "--recipient",
        &ours.to_public().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let original = std::fs::read_to_string(key_path(store)).unwrap();
    let hex = original.lines().last().unwrap().split(':').nth(1).unwrap().to_string();
    assert!(!contains(&std::fs::read(&out).unwrap(), hex.as_bytes()), "the key is not in the clear");

    let o = mingdan(&["--store", s(store), "key", "import", s(&out), "--identity", s(&our_file)]);
    assert!(!o.status.success() && text(&o).contains("已存在"), "never overwritten: {}", text(&o));
    std::fs::remove_file(key_path(store)).unwrap();
    let o = mingdan(&["--store", s(store), "check"]);
    assert!(!o.status.success() && text(&o).contains("不存在"), "{}", text(&o));
    let o = mingdan(&["--store", s(store), "key", "import", s(&out), "--identity", s(&our_file)]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(key_path(store)).unwrap(), original);
    assert_eq!(std::fs::metadata(key_path(store)).unwrap().permissions().mode() & 0o777, 0o600);
    let o = mingdan(&["--store", s(store), "check"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn backups_and_key_exports_are_audited_under_their_file_and_a_key_backup_is_not_overwritten() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let ours = Identity::generate();
    b.session("9001").set_backup_recipients(vec![ours.to_public().to_string()]).unwrap();
    let Branch { dir, service, .. } = b;
    drop(service);
    let store = dir.path();
    let out = tempfile::tempdir().unwrap();
    let backup = out.path().join("b1.mdbak.age");
    let o = mingdan(&["--store", s(store), "backup", s(&backup)]);
    assert!(o.status.success(), "{}", text(&o));
    let key = out.path().join("k1.age");
    let o = mingdan(&["--store", s(store), "key", "export", "--out", s(&key)]);
    assert!(o.status.success(), "{}", text(&o));

    // Each is found by its file, with what was written kept in the detail.
    let o = mingdan(&["--store", s(store), "audit", "--target", s(&backup)]);
    let found = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(found.contains("备份") && found.contains("加密给 age1"), "{}", text(&o));
    let o = mingdan(&["--store", s(store), "audit", "--target", s(&key)]);
    let found = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(found.contains("导出数据密钥"), "{}", text(&o));

    // An existing key backup is replaced only with --force.
    let first = std::fs::read(&key).unwrap();
    let o = mingdan(&["--store", s(store), "key", "export", "--out", s(&key)]);
    assert!(
        !o.status.success() && text(&o).contains("已存在") && text(&o).contains("--force"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(&key).unwrap(), first, "left as it was");
    let o = mingdan(&["--store", s(store), "key", "export", "--out", s(&key), "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(std::fs::read(&key).unwrap(), first, "replaced when asked");
}

#[test]
fn a_private_key_given_as_recipient_is_never_echoed_and_a_non_admin_is_told_what_was_refused() {
    let b = branch();
    let secret = Identity::generate().to_string().expose_secret().to_string();
    let tail = secret["AGE-SECRET-KEY-1".len()..].to_lowercase();
    // In the service (what the server says to any client), in any case, for a backup too.
    let admin = b.session("9001");
    for given in [secret.clone(), secret.to_lowercase()] {
        let err = admin.set_backup_recipients(vec![given.clone()]).unwrap_err().to_string();
        assert!(err.contains("私钥") && !err.to_lowercase().contains(&tail), "{err}");
        let err = admin.backup(vec![given], false).unwrap_err().to_string();
        assert!(err.contains("私钥") && !err.to_lowercase().contains(&tail), "{err}");
    }
    drop(admin);

    // On the command line, as a teller: the key is refused unseen, and the change is what is denied.
    map_me(&b.service, "9001", "2001");
    let Branch { dir, service, .. } = b;
    drop(service);
    let store = dir.path();
    for verb in ["add", "remove"] {
        let o = mingdan(&["--store", s(store), "recipients", verb, &secret]);
        assert!(!o.status.success() && text(&o).contains("私钥"), "{}", text(&o));
        assert!(!text(&o).to_lowercase().contains(&tail), "the secret key is echoed: {}", text(&o));
    }
    let o =
        mingdan(&["--store", s(store), "recipients", "add", &Identity::generate().to_public().to_string()]);
    assert!(!o.status.success() && text(&o).contains("修改备份接收人需要管理员权限"), "{}", text(&o));
}

#[test]
fn a_backup_into_a_missing_directory_says_so_in_chinese() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let Branch { dir, service, .. } = b;
    drop(service);
    let out = tempfile::tempdir().unwrap();
    let missing = format!("{}/", out.path().join("nodir").display());
    let o = mingdan(&["--store", s(dir.path()), "backup", "--plaintext", &missing]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("系统错误码") && text(&o).contains("目录"), "{}", text(&o));
}
