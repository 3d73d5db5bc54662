//! Sensitive client fields encrypted at rest: 证件号码, 手机号, 生日 and 营销预案 are stored
//! sealed with the store's data key, so a copy of the store's files without the key reveals none
//! of them (personal sensitive information encrypted in storage, as the financial-sector
//! data-security rules expect).
//!
//! The data key is 32 random bytes in a key file beside the store (`<store>.key`, mode 0600,
//! for the service account alone), created with the store by `init` and `demo`, or by the
//! schema-5 upgrade of an older store. It is never in the store nor in its backups: it is backed
//! up separately, encrypted to the branch's backup recipients (`mingdan key export`).
//!
//! Each client's sensitive fields are sealed together as one value with XChaCha20-Poly1305 (an
//! AEAD), a fresh random 24-byte nonce every time the client is written, and the client number as
//! associated data, so a sealed value moved onto another client does not open. One value per
//! client rather than one per field: a single AEAD call on reading and writing a client, which is
//! what start-up (decrypting every client to build the search index) pays for.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::StoreError;
use crate::domain::{Client, ClientNo};

/// The line prefix before the key's 64 hex digits in a key file.
const KEY_LINE: &str = "mingdan-data-key-1:";
/// Nonce length of XChaCha20-Poly1305: long enough that random nonces never repeat in practice.
pub(super) const NONCE_LEN: usize = 24;

/// The store's data key (see the module documentation).
pub struct FieldKey {
    cipher: XChaCha20Poly1305,
    raw: [u8; 32],
    id: String,
}

impl std::fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FieldKey({})", self.id)
    }
}

impl Drop for FieldKey {
    fn drop(&mut self) {
        // Not a guarantee (copies may exist), but the key is not left lying in freed memory.
        self.raw = [0; 32];
    }
}

/// Where the data key of the store in directory `store` lives: beside it, `<store>.key`, so a
/// restore (which renames store directories) never separates a store from its key, and a copy
/// of the store directory does not take the key with it.
pub fn key_path(store: &Path) -> PathBuf {
    let mut name = store.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "store".into());
    name.push(".key");
    store.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(name)
}

fn key_error(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::FieldKey { path: path.to_path_buf(), reason: reason.into() }
}

impl FieldKey {
    fn from_raw(raw: [u8; 32]) -> FieldKey {
        let cipher = XChaCha20Poly1305::new(&raw.into());
        let mut h = Sha256::new();
        h.update(b"mingdan data key id\0");
        h.update(raw);
        let id = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
        FieldKey { cipher, raw, id }
    }

    /// A new random key from the operating system's generator.
    pub fn generate() -> FieldKey {
        FieldKey::from_raw(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// 16 hex digits that name the key without revealing it: kept in the store's meta tree (and
    /// so in every backup) to tell the right key from another store's.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key file's text: a comment saying what it is, then the key line.
    pub fn file_text(&self) -> String {
        let hex: String = self.raw.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "# mingdan 数据密钥（标识 {}）：加密客户的证件号码、手机号、生日和营销预案。\n\
             # 丢失后这些信息无法恢复；请用 mingdan key export 加密备份，见 docs/DEPLOY.md。\n\
             {KEY_LINE}{hex}\n",
            self.id
        )
    }

    /// Reads a key from the text of a key file (see `file_text`); `Err` says what is wrong, in
    /// words for the message naming the file.
    pub fn parse(text: &str) -> Result<FieldKey, String> {
        let line = text
            .lines()
            .find_map(|l| l.trim().strip_prefix(KEY_LINE))
            .ok_or_else(|| format!("不是 mingdan 数据密钥文件（没有以 {KEY_LINE} 开头的一行）"))?;
        let line = line.trim();
        // Counted in characters, and decoded without byte slicing: a crafted file with
        // multi-byte characters must be refused, not panic on a char boundary.
        let chars = line.chars().count();
        if chars != 64 {
            return Err(format!("密钥应为 64 个十六进制数字，文件中有 {chars} 个字符"));
        }
        let mut raw = [0u8; 32];
        hex::decode_to_slice(line, &mut raw)
            .map_err(|_| "密钥中有不是十六进制数字的字符，请换用 mingdan 生成的密钥文件".to_string())?;
        Ok(FieldKey::from_raw(raw))
    }

    /// The key in file `path`, or `None` when there is no such file. Refused when the file can be
    /// read by anyone but its owner (the key must be the service account's alone) or is not a
    /// key file.
    pub fn read(path: &Path) -> Result<Option<FieldKey>, StoreError> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(key_error(path, format!("无法读取：{}", crate::os::io_reason(&e)))),
        };
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(key_error(
                path,
                format!(
                    "的权限是 {:04o}，其他用户也能读取，没有使用；请运行 chmod 600 {} 后再试（它只应由服务账户读取）",
                    meta.permissions().mode() & 0o7777,
                    path.display()
                ),
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| key_error(path, format!("无法读取：{}", crate::os::io_reason(&e))))?;
        FieldKey::parse(&text).map(Some).map_err(|why| {
            key_error(
                path,
                format!("内容不对：{why}；请从密钥备份恢复它（mingdan key import，见 docs/DEPLOY.md）"),
            )
        })
    }

    /// Writes this key to a new file `path`, mode 0600, synced with its directory. Refused when
    /// the file already exists: a key is never overwritten.
    pub fn write_new(&self, path: &Path) -> Result<(), StoreError> {
        let fail = |e: std::io::Error| key_error(path, format!("无法写入：{}", crate::os::io_reason(&e)));
        let mut f =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    key_error(path, "已存在，没有覆盖；如确需替换，请先把它移走（并确认有备份）")
                } else {
                    fail(e)
                }
            })?;
        f.write_all(self.file_text().as_bytes()).and_then(|()| f.sync_all()).map_err(fail)?;
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        super::durable::sync_dir(parent).map_err(fail)
    }

    /// Seals `plain` for client `no`: nonce then ciphertext with its tag.
    fn seal(&self, no: &ClientNo, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, Payload { msg: plain, aad: no.as_str().as_bytes() })
            .map_err(|_| StoreError::Encode { kind: "客户", reason: "敏感信息加密失败".into() })?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Seals `buf` in place (ciphertext then tag) under associated data `aad`, returning the
    /// fresh nonce: for large values (a derived file of hundreds of megabytes) that must not be
    /// copied.
    pub(super) fn seal_in_place(&self, aad: &[u8], buf: &mut Vec<u8>) -> Result<[u8; NONCE_LEN], String> {
        use chacha20poly1305::aead::AeadInPlace;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        self.cipher.encrypt_in_place(&nonce, aad, buf).map_err(|_| "加密失败".to_string())?;
        Ok(nonce.into())
    }

    /// Opens what `seal_in_place` made, in place; `false` when it does not open (another key,
    /// other associated data, or altered bytes), `buf` then being of no use.
    pub(super) fn open_in_place(&self, aad: &[u8], nonce: &[u8; NONCE_LEN], buf: &mut Vec<u8>) -> bool {
        use chacha20poly1305::aead::AeadInPlace;
        self.cipher.decrypt_in_place(XNonce::from_slice(nonce), aad, buf).is_ok()
    }

    /// Opens what `seal` made for client `no`; `None` when it does not open (another key, another
    /// client, or altered bytes: the AEAD cannot tell which).
    fn open(&self, no: &ClientNo, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, body) = sealed.split_at_checked(NONCE_LEN)?;
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: no.as_str().as_bytes() })
            .ok()
    }
}

/// True when `a` and `b` hold the same sensitive fields (those `StoredClient` seals).
pub(super) fn same_sensitive(a: &Client, b: &Client) -> bool {
    a.no == b.no
        && a.phone == b.phone
        && a.id_number == b.id_number
        && a.birthday == b.birthday
        && a.plan == b.plan
}

/// The sealed fields, as one value.
#[derive(Serialize, Deserialize)]
struct Sensitive {
    phone: String,
    id_number: String,
    birthday: Option<NaiveDate>,
    plan: String,
}

/// A client's sensitive fields as stored: sealed, or (only in a record written before schema 5,
/// until the upgrade rewrites it) in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AtRest {
    /// Nonce, ciphertext and tag (see `FieldKey::seal`).
    Sealed(Vec<u8>),
    /// As a store before schema 5 held them.
    Clear { phone: String, id_number: String, birthday: Option<NaiveDate>, plan: String },
}

/// A client as stored from schema 5 on (record format 3): everything but the sensitive fields
/// in the clear, those in `sensitive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredClient {
    pub no: ClientNo,
    pub name: String,
    pub gender: crate::domain::Gender,
    pub outlet: crate::domain::OutletId,
    pub tier: crate::domain::CardTier,
    pub assets: Option<crate::domain::Fen>,
    pub class: crate::domain::ClientClass,
    pub segment: crate::domain::Segment,
    pub maintainer: Option<crate::domain::StaffNo>,
    pub sticker: crate::domain::Sticker,
    pub holdings: crate::domain::Holdings,
    pub status: crate::domain::ClientStatus,
    pub last_contact: Option<NaiveDate>,
    pub next_callback: Option<NaiveDate>,
    pub sensitive: AtRest,
}

impl StoredClient {
    /// `c` with its sensitive fields in the clear: how an older record reads before the upgrade.
    pub(super) fn clear(c: Client) -> StoredClient {
        let sensitive = AtRest::Clear {
            phone: c.phone.clone(),
            id_number: c.id_number.clone(),
            birthday: c.birthday,
            plan: c.plan.clone(),
        };
        StoredClient::from_parts(c, sensitive)
    }

    /// Every field of `c` but the sensitive ones, which are `sensitive`.
    fn from_parts(c: Client, sensitive: AtRest) -> StoredClient {
        StoredClient {
            no: c.no,
            name: c.name,
            gender: c.gender,
            outlet: c.outlet,
            tier: c.tier,
            assets: c.assets,
            class: c.class,
            segment: c.segment,
            maintainer: c.maintainer,
            sticker: c.sticker,
            holdings: c.holdings,
            status: c.status,
            last_contact: c.last_contact,
            next_callback: c.next_callback,
            sensitive,
        }
    }

    /// `c` with its sensitive fields sealed under `key`.
    pub(super) fn seal(c: &Client, key: &FieldKey) -> Result<StoredClient, StoreError> {
        let plain = bincode::serde::encode_to_vec(
            Sensitive {
                phone: c.phone.clone(),
                id_number: c.id_number.clone(),
                birthday: c.birthday,
                plan: c.plan.clone(),
            },
            bincode::config::standard(),
        )
        .map_err(|e| StoreError::Encode { kind: "客户", reason: e.to_string() })?;
        let sealed = key.seal(&c.no, &plain)?;
        Ok(StoredClient::from_parts(c.clone(), AtRest::Sealed(sealed)))
    }

    /// `c` stored with this record's sealed fields, which must hold `c`'s sensitive values (see
    /// `same_sensitive`).
    pub(super) fn with_fields_of(self, c: &Client) -> StoredClient {
        StoredClient::from_parts(c.clone(), self.sensitive)
    }

    /// The client, its sensitive fields opened with `key`. A value that does not open is
    /// `StoreError::WrongKey` naming the client: the key file is another store's, or the record
    /// was altered.
    pub(super) fn open(self, key: &FieldKey, key_file: &Path) -> Result<Client, StoreError> {
        let s = match self.sensitive {
            AtRest::Clear { phone, id_number, birthday, plan } => {
                Sensitive { phone, id_number, birthday, plan }
            }
            AtRest::Sealed(sealed) => {
                let plain = key.open(&self.no, &sealed).ok_or_else(|| StoreError::WrongKey {
                    path: key_file.to_path_buf(),
                    client: self.no.to_string(),
                })?;
                super::codec::decode_payload(&plain).map_err(|reason| StoreError::Corrupt {
                    kind: "客户",
                    key: self.no.to_string(),
                    reason,
                })?
            }
        };
        Ok(Client {
            no: self.no,
            name: self.name,
            gender: self.gender,
            phone: s.phone,
            id_number: s.id_number,
            birthday: s.birthday,
            outlet: self.outlet,
            tier: self.tier,
            assets: self.assets,
            class: self.class,
            segment: self.segment,
            maintainer: self.maintainer,
            sticker: self.sticker,
            holdings: self.holdings,
            plan: s.plan,
            status: self.status,
            last_contact: self.last_contact,
            next_callback: self.next_callback,
        })
    }

    /// True when the sensitive fields are sealed (every record written from schema 5 on).
    pub fn is_sealed(&self) -> bool {
        matches!(self.sensitive, AtRest::Sealed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        let mut c = Client::new(
            ClientNo::parse("C1").unwrap(),
            "张伟".into(),
            crate::domain::OutletId::parse("城关").unwrap(),
        );
        c.phone = "13912345678".into();
        c.id_number = "110101199003071234".into();
        c.birthday = NaiveDate::from_ymd_opt(1990, 3, 7);
        c.plan = "到期理财转定期".into();
        c
    }

    #[test]
    fn a_sealed_client_opens_only_with_its_key_and_under_its_own_number() {
        let key = FieldKey::generate();
        let c = client();
        let stored = StoredClient::seal(&c, &key).unwrap();
        let bytes = bincode::serde::encode_to_vec(&stored, bincode::config::standard()).unwrap();
        assert!(!bytes.windows(11).any(|w| w == b"13912345678"), "phone in the clear");
        assert!(!bytes.windows(18).any(|w| w == b"110101199003071234"), "ID in the clear");
        assert_eq!(stored.clone().open(&key, Path::new("k")).unwrap(), c);
        // Another key, or the value moved onto another client, does not open.
        let other = FieldKey::generate();
        assert!(matches!(stored.clone().open(&other, Path::new("k")), Err(StoreError::WrongKey { .. })));
        let mut moved = stored.clone();
        moved.no = ClientNo::parse("C2").unwrap();
        assert!(moved.open(&key, Path::new("k")).is_err());
        // A fresh nonce each time: the same client sealed twice differs.
        assert_ne!(StoredClient::seal(&c, &key).unwrap().sensitive, stored.sensitive);
    }

    #[test]
    fn a_key_file_reads_back_and_must_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.key");
        let key = FieldKey::generate();
        key.write_new(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(FieldKey::read(&path).unwrap().unwrap().id(), key.id());
        assert!(key.write_new(&path).is_err(), "never overwritten");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let msg = FieldKey::read(&path).unwrap_err().to_string();
        assert!(msg.contains("chmod 600") && msg.contains("store.key"), "{msg}");
        assert!(FieldKey::read(&dir.path().join("none.key")).unwrap().is_none());
        assert_eq!(key_path(Path::new("/var/lib/mingdan/store")), Path::new("/var/lib/mingdan/store.key"));
    }

    #[test]
    fn a_key_file_with_multi_byte_characters_is_refused_not_a_panic() {
        let text = format!("{KEY_LINE}{}\n", "密".repeat(21) + "0");
        let err = FieldKey::parse(&text).err().unwrap_or_default();
        assert!(err.contains("64 个十六进制数字"), "{err}");
        let text = format!("{KEY_LINE}{}é{}\n", "0".repeat(31), "0".repeat(32));
        let err = FieldKey::parse(&text).err().unwrap_or_default();
        assert!(err.contains("不是十六进制"), "{err}");
    }

    #[test]
    fn a_client_is_sealed_again_only_when_its_sensitive_fields_change() {
        use crate::store::{Store, Tree};
        let parent = tempfile::tempdir().unwrap();
        let store = Store::create(&parent.path().join("store")).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let sealed = |store: &Store| {
            let v = store.tree(Tree::Clients).get("C1").unwrap().unwrap();
            let s: StoredClient = crate::store::codec::decode(b"C1", &v).unwrap();
            s.sensitive
        };
        let mut c = client();
        store.write(|tx| tx.save_client(&c, day)).unwrap();
        let first = sealed(&store);
        c.last_contact = Some(day);
        store.write(|tx| tx.save_client(&c, day)).unwrap();
        assert_eq!(sealed(&store), first, "a contact log keeps the sealed value");
        c.phone = "13800000000".into();
        store.write(|tx| tx.save_client(&c, day)).unwrap();
        assert_ne!(sealed(&store), first, "a new phone is sealed afresh");
        assert_eq!(store.client(&c.no).unwrap().unwrap(), c);
    }

    /// A store as schema 3 left it: clients in the clear (record format 2), no data key.
    fn schema_3_store(dir: &Path) -> Vec<Client> {
        use crate::store::{Store, Tree, codec::encode};
        let store = Store::create(dir).unwrap();
        let mut clients = Vec::new();
        for i in 0..3 {
            let mut c = client();
            c.no = ClientNo::parse(&format!("C{i}")).unwrap();
            c.phone = format!("1391234567{i}");
            store.tree(Tree::Clients).insert(c.no.as_str(), encode(&c).unwrap()).unwrap();
            clients.push(c);
        }
        store.tree(Tree::Meta).remove(crate::store::FIELD_KEY_ID).unwrap();
        store.tree(Tree::Meta).insert(crate::store::schema::SCHEMA_KEY, &3u32.to_be_bytes()).unwrap();
        store.flush().unwrap();
        drop(store);
        std::fs::remove_file(key_path(dir)).unwrap();
        clients
    }

    #[test]
    fn a_schema_3_store_is_upgraded_in_place_sealing_every_client_with_a_new_key() {
        use crate::store::{Store, Tree};
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("store");
        let clients = schema_3_store(&dir);

        let store = Store::open(&dir).unwrap();
        assert_eq!(crate::store::schema_version(&store).unwrap(), Some(crate::store::CURRENT_SCHEMA));
        let key = key_path(&dir);
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600, "key created");
        let read: Vec<Client> = store.clients().collect::<Result<_, _>>().unwrap();
        assert_eq!(read, clients, "every field reads as before");
        for item in store.tree(Tree::Clients).iter() {
            let (k, v) = item.unwrap();
            let stored: StoredClient = crate::store::codec::decode(&k, &v).unwrap();
            assert!(stored.is_sealed(), "{}", String::from_utf8_lossy(&k));
            assert!(!v.windows(10).any(|w| w == b"1391234567"), "phone in the clear");
        }
        assert!(store.check(chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()).unwrap().is_ok());
        drop(store);

        // From now on the store needs that key: without it, a sentence naming the file.
        let aside = parent.path().join("aside.key");
        std::fs::rename(&key, &aside).unwrap();
        let msg = Store::open(&dir).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains(key.to_str().unwrap()) && msg.contains("mingdan key import"), "{msg}");
        // Another store's key is refused by its id, before any client is read.
        FieldKey::generate().write_new(&key).unwrap();
        let msg = Store::open(&dir).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("不是数据库") && msg.contains("应为标识"), "{msg}");
        std::fs::remove_file(&key).unwrap();
        std::fs::rename(&aside, &key).unwrap();
        assert_eq!(Store::open(&dir).unwrap().clients().count(), 3);
    }

    #[test]
    fn an_upgrade_cut_off_half_way_is_refused_without_its_key_instead_of_getting_a_new_one() {
        use crate::store::schema::{MIGRATIONS, Migration};
        use crate::store::{Store, StoreError, Tree, codec::encode};
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("store");
        schema_3_store(&dir);
        // The 4→5 upgrade seals one client with the new key, then the process dies.
        let cut_off = Migration {
            from: 4,
            what: "加密保存（在第一位客户之后中断）",
            run: |store| {
                let tree = store.tree(Tree::Clients);
                let (k, _) = tree.first()?.ok_or_else(|| StoreError::Io("没有客户".into()))?;
                let client = store.client(&ClientNo::parse(&String::from_utf8_lossy(&k)).unwrap())?.unwrap();
                tree.insert(k, encode(&store.fields().seal(&client)?)?)?;
                tree.flush()?;
                Err(StoreError::Io("模拟中断".into()))
            },
        };
        let migrations = [MIGRATIONS[0], MIGRATIONS[1], MIGRATIONS[2], cut_off];
        assert!(Store::open_with(&dir, 5, &migrations).is_err());

        // The key file is lost before the upgrade is run again: refused, naming the file.
        let key = key_path(&dir);
        std::fs::remove_file(&key).unwrap();
        let msg = Store::open(&dir).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains(key.to_str().unwrap()) && msg.contains("mingdan key import"), "{msg}");
        assert!(!key.exists(), "no new key was made in its place");
    }

    #[test]
    fn a_backup_of_a_schema_3_store_restores_with_its_clients_sealed_before_they_are_written() {
        use crate::store::Store;
        let parent = tempfile::tempdir().unwrap();
        let old = parent.path().join("old");
        let clients = schema_3_store(&old);
        // The image of a schema-3 store, taken as that mingdan would (no key, clients clear).
        let image = {
            let store = Store::open_with(&old, 3, &crate::store::schema::MIGRATIONS[..2]).unwrap();
            store.tree(crate::store::Tree::Meta).remove(crate::store::FIELD_KEY_ID).unwrap();
            let at = chrono::DateTime::parse_from_rfc3339("2026-11-18T09:00:00+08:00").unwrap();
            store.snapshot(at, "测试", &[]).unwrap().0
        };
        assert!(image.windows(11).any(|w| w == b"13912345670"), "the old image is in the clear");
        let target = parent.path().join("store");
        let restored = crate::store::backup::restore(&target, &image, "20261118-090000", false).unwrap();
        assert!(restored.report.is_ok(), "{:?}", restored.report.problems);
        let store = Store::open(&target).unwrap();
        assert_eq!(store.clients().collect::<Result<Vec<_>, _>>().unwrap(), clients);
        drop(store);
        for f in walk(&target) {
            let bytes = std::fs::read(&f).unwrap();
            assert!(!bytes.windows(10).any(|w| w == b"1391234567"), "phone in the clear in {}", f.display());
        }
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    /// Figures for docs/PERFORMANCE.md (“Encryption at rest”); run in release:
    /// `cargo test --release --lib store::fields::tests::encryption_cost -- --ignored --nocapture`
    /// (`MINGDAN_PERF_CLIENTS`, default 1,000,000). The unencrypted figures are the same clients
    /// in the same run, in the record format of schema 3.
    #[test]
    #[ignore = "prints measurements; slow in debug builds"]
    fn encryption_cost_figures() {
        use std::time::Instant;

        use crate::store::codec::{decode, encode};
        use crate::store::{Store, Tree};
        let n: usize =
            std::env::var("MINGDAN_PERF_CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
        let key = FieldKey::generate();
        let clients: Vec<Client> = (0..n)
            .map(|i| {
                let mut c = client();
                c.no = ClientNo::parse(&format!("62{i:08}")).unwrap();
                c.phone = format!("139{i:08}");
                c.id_number = format!("1101051990{:08}", i % 100_000_000);
                c
            })
            .collect();
        let per = |d: std::time::Duration| d.as_secs_f64() * 1e9 / n as f64;

        let t = Instant::now();
        let plain: Vec<Vec<u8>> = clients.iter().map(|c| encode(c).unwrap()).collect();
        let enc_plain = t.elapsed();
        let t = Instant::now();
        let sealed: Vec<Vec<u8>> =
            clients.iter().map(|c| encode(&StoredClient::seal(c, &key).unwrap()).unwrap()).collect();
        let enc_sealed = t.elapsed();
        let t = Instant::now();
        for (c, b) in clients.iter().zip(&plain) {
            let _: Client = decode(c.no.as_str().as_bytes(), b).unwrap();
        }
        let dec_plain = t.elapsed();
        let t = Instant::now();
        for (c, b) in clients.iter().zip(&sealed) {
            let s: StoredClient = decode(c.no.as_str().as_bytes(), b).unwrap();
            s.open(&key, Path::new("k")).unwrap();
        }
        let dec_sealed = t.elapsed();
        let size = |v: &[Vec<u8>]| v.iter().map(Vec::len).sum::<usize>() as f64 / n as f64;
        println!("{n} clients, in memory:");
        println!(
            "  encode   plain {:>6.0} ns/client   sealed {:>6.0} ns/client   (+{:.0} ns)",
            per(enc_plain),
            per(enc_sealed),
            per(enc_sealed) - per(enc_plain)
        );
        println!(
            "  decode   plain {:>6.0} ns/client   opened {:>6.0} ns/client   (+{:.0} ns)",
            per(dec_plain),
            per(dec_sealed),
            per(dec_sealed) - per(dec_plain)
        );
        println!("  record   plain {:>6.0} bytes        sealed {:>6.0} bytes", size(&plain), size(&sealed));

        // Reading every client back from sled, as start-up does before building the search index.
        let dir = tempfile::tempdir().unwrap();
        for (name, values) in [("plain (schema 3)", &plain), ("sealed", &sealed)] {
            let path = dir.path().join(name.split(' ').next().unwrap());
            // The values were sealed with `key`: it is this store's key.
            key.write_new(&key_path(&path)).unwrap();
            {
                let store = Store::create(&path).unwrap();
                for (chunk_c, chunk_v) in clients.chunks(50_000).zip(values.chunks(50_000)) {
                    let mut batch = sled::Batch::default();
                    for (c, v) in chunk_c.iter().zip(chunk_v) {
                        batch.insert(c.no.as_str().as_bytes(), v.as_slice());
                    }
                    store.tree(Tree::Clients).apply_batch(batch).unwrap();
                }
                store.flush().unwrap();
            }
            let store = Store::open(&path).unwrap();
            let t = Instant::now();
            let read = store.clients().map(Result::unwrap).count();
            println!(
                "  store    {name:<17} read and decode every client: {:.2} s ({read} clients)",
                t.elapsed().as_secs_f64()
            );
        }

        // A contact log saves its client (read, opened, sealed, written) in one flushed write.
        let store = Store::create(&dir.path().join("writes")).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let mut times = Vec::new();
        for c in clients.iter().take(500) {
            let t = Instant::now();
            store.write(|tx| tx.save_client(c, day)).unwrap();
            times.push(t.elapsed());
        }
        times.sort();
        let t = Instant::now();
        for c in clients.iter().take(10_000) {
            let sealed = StoredClient::seal(c, &key).unwrap();
            sealed.open(&key, Path::new("k")).unwrap();
        }
        println!(
            "  a flushed write saving one client: p50 {:.2} ms, p99 {:.2} ms; sealing and opening one client: {:.2} µs",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[times.len() * 99 / 100].as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e6 / 10_000.0
        );
    }
}
