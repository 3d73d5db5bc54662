//! Backup images: a point-in-time copy of every tree in one file, and a store rebuilt from one.
//!
//! Layout, integers big-endian:
//!
//! ```text
//! "MDBACKUP" | u16 format | u32 header length | header (bincode, `BackupHeader`)
//! per tree, in header order, `entries` times: u32 key length | key | u32 value length | value
//! SHA-256 of every byte before it (32 bytes; format 1 had a u32 CRC-32 here, still read)
//! ```
//!
//! The hash is checked before anything else is looked at, and before any store is touched. It
//! guards against damage; against a deliberate change with a recomputed hash, the image is sent
//! off the server encrypted to the branch's recipients (`encrypt`), which authenticates it.
//!
//! Trees are copied byte for byte, so an image restores exactly what was stored, envelopes and
//! index entries included. The service holds its writer lock while `snapshot` runs, which is what
//! makes the copy one point in time: every write goes through that lock.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codec::{decode, encode};
use super::fields::{self, FieldKey, StoredClient};
use super::records::decode_any;
use super::schema::SCHEMA_KEY;
use super::tx::RULES_KEY;
use super::{
    BRANCH_KEY, CURRENT_SCHEMA, CheckReport, DEMO_KEY, FIELD_KEY_ID, ID_BASE_KEY, Store, StoreError, Tree,
    lock,
};
use crate::domain::Rules;

pub const MAGIC: &[u8; 8] = b"MDBACKUP";
/// Bump when the layout above changes; older formats must stay readable.
/// 2: SHA-256 instead of CRC-32 at the end.
pub const FORMAT: u16 = 2;
/// Length of the hash at the end of a format-2 image.
const HASH_LEN: usize = 32;
/// Suggested file name ending; nothing depends on it.
pub const EXTENSION: &str = "mdbak";

/// What the image says about itself, before the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupHeader {
    /// The store's schema version at the time of the backup.
    pub schema: u32,
    pub created_at: DateTime<FixedOffset>,
    /// Who asked for it: 工号 and name, or the service account.
    pub created_by: String,
    /// Every id in the image is below this; a store restored from it issues ids from here.
    pub id_floor: u64,
    /// Tree name and number of entries, in the order the body holds them.
    pub trees: Vec<(String, u64)>,
}

/// A verified image's header with what was learned checking it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupInfo {
    pub header: BackupHeader,
    pub format: u16,
    /// The image's hash as lowercase hex: SHA-256 (64 digits), or for a format-1 image its
    /// CRC-32 (8 digits). Names the backup in its audit record.
    pub checksum: String,
    pub size: u64,
}

impl BackupInfo {
    /// Entries in one tree.
    pub fn count(&self, tree: Tree) -> u64 {
        self.header.trees.iter().find(|(n, _)| n == tree.name()).map_or(0, |(_, c)| *c)
    }

    /// "员工 4，客户 3，…" for messages.
    pub fn summary(&self) -> String {
        [Tree::Staff, Tree::Clients, Tree::Contacts, Tree::Tasks, Tree::Launches, Tree::Audit]
            .into_iter()
            .filter_map(|t| Some(format!("{} {}", t.record_kind()?, self.count(t))))
            .collect::<Vec<_>>()
            .join("，")
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn header_config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<{ 1 << 20 }>,
> {
    bincode::config::standard().with_limit::<{ 1 << 20 }>()
}

/// Magic, format and header length: what comes before the header.
const PREFIX_LEN: usize = MAGIC.len() + 2 + 4;

fn encode_header(header: &BackupHeader) -> Result<Vec<u8>, StoreError> {
    bincode::serde::encode_to_vec(header, header_config())
        .map_err(|e| StoreError::Encode { kind: "备份头", reason: e.to_string() })
}

fn put_u32(out: &mut Vec<u8>, n: usize) -> Result<(), StoreError> {
    let n = u32::try_from(n).map_err(|_| StoreError::Io("备份中的单条记录超过 4 GiB".into()))?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

impl Store {
    /// Drafts that cannot be read (contact drafts in `drafts`, receive forms in
    /// `complaint_drafts`: tree, key and why), which `snapshot` leaves out. A draft is one
    /// person's unfinished form: losing it from a backup costs little, while copying it would
    /// make the image fail `verify` and so block every backup.
    pub fn unreadable_drafts(&self) -> Result<Vec<(Tree, Vec<u8>, String)>, StoreError> {
        let mut out = Vec::new();
        for t in [Tree::Drafts, Tree::ComplaintDrafts] {
            for item in self.tree(t).iter() {
                let (k, v) = item?;
                if let Err(e) = super::records::decode_any(t, &k, &v) {
                    out.push((t, k.to_vec(), e.to_string()));
                }
            }
        }
        Ok(out)
    }

    /// Copies every tree into a backup image, leaving out the draft entries (tree and key) in
    /// `skip_drafts` (see `unreadable_drafts`). The caller must keep writers out while this runs.
    /// The whole image in memory: for tests and small stores; the service streams
    /// (`snapshot_body`, `write_image`).
    pub fn snapshot(
        &self,
        created_at: DateTime<FixedOffset>,
        created_by: &str,
        skip_drafts: &[(Tree, Vec<u8>)],
    ) -> Result<(Vec<u8>, BackupInfo), StoreError> {
        let mut body = Vec::new();
        let header = self.snapshot_body(created_at, created_by, skip_drafts, &mut body)?;
        let mut out = Vec::with_capacity(body.len() + 1024);
        let info = write_image(header, &mut &body[..], &mut out)?;
        Ok((out, info))
    }

    /// Writes the entries of every tree to `body` as the image's body lays them out (see the
    /// module doc), leaving out the `drafts` entries whose keys are in `skip_drafts`; returns the
    /// header with the counts. The caller must keep writers out while this runs; nothing is held
    /// in memory but one entry.
    pub fn snapshot_body(
        &self,
        created_at: DateTime<FixedOffset>,
        created_by: &str,
        skip_drafts: &[(Tree, Vec<u8>)],
        body: &mut dyn std::io::Write,
    ) -> Result<BackupHeader, StoreError> {
        let schema = super::schema::version(self)?.unwrap_or(CURRENT_SCHEMA);
        let id_floor = self.next_id()?;
        let mut header = BackupHeader {
            schema,
            created_at,
            created_by: created_by.to_string(),
            id_floor,
            trees: Tree::ALL.iter().map(|t| (t.name().to_string(), 0)).collect(),
        };
        let mut buf = Vec::new();
        for (t, (_, count)) in Tree::ALL.into_iter().zip(&mut header.trees) {
            let mut n = 0u64;
            for item in self.tree(t).iter() {
                let (k, v) = item?;
                if skip_drafts.iter().any(|(st, sk)| *st == t && sk.as_slice() == k.as_ref()) {
                    continue;
                }
                buf.clear();
                put_u32(&mut buf, k.len())?;
                buf.extend_from_slice(&k);
                put_u32(&mut buf, v.len())?;
                buf.extend_from_slice(&v);
                body.write_all(&buf).map_err(|e| StoreError::Io(format!("无法写入备份：{e}")))?;
                n += 1;
            }
            *count = n;
        }
        Ok(header)
    }
}

/// Writes the image of `header` and the body `snapshot_body` wrote (read back from `body`) to
/// `out`, with its SHA-256 at the end, a chunk at a time; what it holds.
pub fn write_image(
    header: BackupHeader,
    body: &mut dyn std::io::Read,
    out: &mut dyn std::io::Write,
) -> Result<BackupInfo, StoreError> {
    let failed = |e: std::io::Error| StoreError::Io(format!("无法写入备份：{e}"));
    let head = encode_header(&header)?;
    let mut prefix = Vec::with_capacity(PREFIX_LEN + head.len());
    prefix.extend_from_slice(MAGIC);
    prefix.extend_from_slice(&FORMAT.to_be_bytes());
    put_u32(&mut prefix, head.len())?;
    prefix.extend_from_slice(&head);
    let mut hash = Sha256::new();
    hash.update(&prefix);
    out.write_all(&prefix).map_err(failed)?;
    let mut size = prefix.len() as u64;
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = body.read(&mut chunk).map_err(|e| StoreError::Io(format!("无法读取备份暂存文件：{e}")))?;
        if n == 0 {
            break;
        }
        hash.update(&chunk[..n]);
        out.write_all(&chunk[..n]).map_err(failed)?;
        size += n as u64;
    }
    let digest = hash.finalize();
    out.write_all(&digest).map_err(failed)?;
    size += digest.len() as u64;
    Ok(BackupInfo { header, format: FORMAT, checksum: hex(&digest), size })
}

/// Why an image was refused, in words for the person restoring it.
fn bad(reason: impl Into<String>) -> StoreError {
    StoreError::BadBackup(reason.into())
}

/// An image to read: a file, or bytes in memory (`std::io::Cursor`). Read front to back in
/// passes, never whole, so restoring a store of a million clients holds one record at a time.
pub trait Image: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> Image for T {}

/// Reads the image front to back within its content (the bytes before the hash); every read is
/// bounds-checked, so a damaged file is an error, never a panic.
struct Reader<'a> {
    src: std::io::BufReader<&'a mut dyn Image>,
    at: u64,
    end: u64,
}

impl Reader<'_> {
    fn ended(&self) -> StoreError {
        bad(format!("文件在第 {} 字节处提前结束", self.end))
    }

    /// The next `n` bytes into `buf` (replacing what it held).
    fn take_into(&mut self, n: usize, buf: &mut Vec<u8>) -> Result<(), StoreError> {
        use std::io::Read;
        if self.at.checked_add(n as u64).is_none_or(|e| e > self.end) {
            return Err(self.ended());
        }
        buf.clear();
        buf.resize(n, 0);
        self.src.read_exact(buf).map_err(|e| io_read(&e))?;
        self.at += n as u64;
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, StoreError> {
        let mut b = Vec::with_capacity(4);
        self.take_into(4, &mut b)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The next entry's key and value into `k` and `v`.
    fn entry(&mut self, k: &mut Vec<u8>, v: &mut Vec<u8>) -> Result<(), StoreError> {
        let klen = self.u32()? as usize;
        self.take_into(klen, k)?;
        let vlen = self.u32()? as usize;
        self.take_into(vlen, v)
    }
}

fn io_read(e: &std::io::Error) -> StoreError {
    StoreError::Io(format!("无法读取备份文件：{}", crate::os::io_reason(e)))
}

/// One key and value, borrowed.
type Entry<'a> = (&'a [u8], &'a [u8]);

/// A verified image: its header, its `meta` tree (a handful of entries: schema, branch, key id),
/// and where its body starts. The entries themselves stay in the image until restored.
pub struct Verified {
    pub info: BackupInfo,
    meta: Vec<(Vec<u8>, Vec<u8>)>,
    /// Offset of the first entry of the first tree.
    body_at: u64,
    /// The trees in body order, with their entry counts.
    trees: Vec<(Tree, u64)>,
}

impl Verified {
    fn meta(&self, key: &[u8]) -> Option<&[u8]> {
        self.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }
}

/// Checks an image in memory; see [`verify_image`].
pub fn verify(bytes: &[u8]) -> Result<Verified, StoreError> {
    verify_image(&mut std::io::Cursor::new(bytes))
}

/// Checks an image completely without touching any store: magic, format, checksum, header,
/// structure, and that every record decodes with this build's codec. Two passes over `src`
/// (the hash, then the records), one record in memory at a time.
pub fn verify_image(src: &mut dyn Image) -> Result<Verified, StoreError> {
    use std::io::SeekFrom;
    let len = src.seek(SeekFrom::End(0)).map_err(|e| io_read(&e))?;
    src.seek(SeekFrom::Start(0)).map_err(|e| io_read(&e))?;
    // Enough to tell an age file, and more than magic, format and a header length with a hash.
    let mut head = [0u8; 32];
    let got = read_up_to(src, &mut head)?;
    if crate::store::encrypt::is_encrypted(&head[..got]) {
        return Err(bad("这是加密的备份，请用 --identity 给出与备份接收人公钥配对的私钥文件"));
    }
    if len < (MAGIC.len() + 2 + 4 + 4) as u64 || &head[..MAGIC.len()] != MAGIC {
        return Err(bad("不是 mingdan 备份文件（文件头不对）"));
    }
    let format = u16::from_be_bytes([head[MAGIC.len()], head[MAGIC.len() + 1]]);
    if format > FORMAT {
        return Err(bad(format!("备份格式 {format} 比本程序支持的 {FORMAT} 新，请升级 mingdan 后再恢复")));
    }
    // Format 1 ended in a CRC-32, which only catches accidents; it is still read so that
    // older backups can be restored.
    let tail_len = if format == 1 { 4 } else { HASH_LEN } as u64;
    let content_len = len.saturating_sub(tail_len);
    if content_len < PREFIX_LEN as u64 {
        return Err(bad("文件过短，不是完整的备份"));
    }
    // Pass 1: the hash over the content, then the stored one.
    src.seek(SeekFrom::Start(0)).map_err(|e| io_read(&e))?;
    let (stored, actual) = {
        let mut sha = Sha256::new();
        let mut crc = crc32fast::Hasher::new();
        let mut left = content_len;
        let mut chunk = vec![0u8; 1 << 20];
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            src.read_exact(&mut chunk[..n]).map_err(|e| io_read(&e))?;
            if format == 1 {
                crc.update(&chunk[..n]);
            } else {
                sha.update(&chunk[..n]);
            }
            left -= n as u64;
        }
        let mut tail = vec![0u8; tail_len as usize];
        src.read_exact(&mut tail).map_err(|e| io_read(&e))?;
        let actual = if format == 1 { format!("{:08x}", crc.finalize()) } else { hex(&sha.finalize()) };
        (hex(&tail), actual)
    };
    if stored != actual {
        return Err(bad(format!(
            "校验和不符（文件记录 {}…，实际 {}…），文件已损坏、被截断或被改动",
            &stored[..8],
            &actual[..8]
        )));
    }
    // Pass 2: the structure, every record decoded and let go.
    src.seek(SeekFrom::Start((MAGIC.len() + 2) as u64)).map_err(|e| io_read(&e))?;
    let mut cur = Reader {
        src: std::io::BufReader::with_capacity(1 << 20, src),
        at: (MAGIC.len() + 2) as u64,
        end: content_len,
    };
    let head_len = cur.u32()? as usize;
    let mut head = Vec::new();
    cur.take_into(head_len, &mut head)?;
    let (header, used): (BackupHeader, usize) = bincode::serde::decode_from_slice(&head, header_config())
        .map_err(|_| bad("备份头无法读取，文件不是完整的 mingdan 备份或已损坏；请换用另一份备份"))?;
    if used != head.len() {
        return Err(bad("备份头长度不符"));
    }
    if header.schema > CURRENT_SCHEMA {
        return Err(bad(format!(
            "备份来自更新版本的 mingdan（数据格式 {}，本程序支持到 {CURRENT_SCHEMA}），请升级后再恢复",
            header.schema
        )));
    }
    let body_at = cur.at;
    let mut seen = BTreeSet::new();
    let mut trees = Vec::new();
    let mut meta = Vec::new();
    let (mut k, mut v) = (Vec::new(), Vec::new());
    for (name, count) in &header.trees {
        let t = Tree::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| bad(format!("备份中有未知的数据表 {name}")))?;
        if !seen.insert(t.name()) {
            return Err(bad(format!("备份中数据表 {name} 出现了两次")));
        }
        for _ in 0..*count {
            cur.entry(&mut k, &mut v)?;
            check_values(t, &[(k.as_slice(), v.as_slice())])?;
            if t == Tree::Meta {
                meta.push((k.clone(), v.clone()));
            }
        }
        trees.push((t, *count));
    }
    if cur.at != content_len {
        return Err(bad(format!("数据之后还有 {} 字节无法识别", content_len - cur.at)));
    }
    let schema = meta.iter().find(|(k, _)| k == SCHEMA_KEY).map(|(_, v)| v.as_slice());
    if schema != Some(&header.schema.to_be_bytes()[..]) {
        return Err(bad("备份中的数据格式版本与备份头不一致"));
    }
    let info = BackupInfo { header, format, checksum: stored, size: len };
    Ok(Verified { info, meta, body_at, trees })
}

/// Reads into `buf` until it is full or the source ends; how many bytes came.
fn read_up_to(src: &mut dyn Image, buf: &mut [u8]) -> Result<usize, StoreError> {
    let mut got = 0;
    while got < buf.len() {
        match src.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_read(&e)),
        }
    }
    Ok(got)
}

/// Every value is what its tree holds: records decode, index entries are empty or a 工号.
fn check_values(t: Tree, entries: &[Entry]) -> Result<(), StoreError> {
    match t {
        Tree::Meta => {
            for (k, v) in entries {
                if *k == RULES_KEY {
                    decode::<Rules>(k, v).map_err(|e| bad(e.to_string()))?;
                }
                if *k == ID_BASE_KEY && v.len() != 8 {
                    return Err(bad("元数据 id_base 长度不对"));
                }
            }
            Ok(())
        }
        Tree::StaffByLogin => {
            if entries.iter().any(|(_, v)| std::str::from_utf8(v).is_err()) {
                return Err(bad("登录名索引中有无法识别的工号"));
            }
            Ok(())
        }
        Tree::Roster
        | Tree::ContactsByClient
        | Tree::ContactsByTime
        | Tree::OpenTasksByStaff
        | Tree::OpenTasksByDue => match entries.iter().find(|(_, v)| !v.is_empty()) {
            Some(_) => Err(bad(format!("索引 {} 中有不应有的数据", t.name()))),
            None => Ok(()),
        },
        // The record trees: `decode_any` knows which record each holds.
        _ => entries.iter().try_for_each(|(k, v)| match decode_any(t, k, v) {
            Ok(_) => Ok(()),
            Err(e) => Err(bad(e.to_string())),
        }),
    }
}

/// The data key the restored store will use, from `key_file` beside the store being replaced.
/// An image that names its key (schema 5 on) needs exactly that key there, and is refused before
/// anything is built otherwise, naming the file and the key's id; an older image takes the key
/// there, or a new one written there, and has its clients sealed with it.
fn restore_key(dir: &Path, key_file: &Path, verified: &Verified) -> Result<FieldKey, StoreError> {
    let named = verified.meta(FIELD_KEY_ID).map(String::from_utf8_lossy);
    match (FieldKey::read(key_file)?, named) {
        (Some(key), Some(id)) if key.id() != id => Err(StoreError::KeyMismatch {
            path: key_file.to_path_buf(),
            store: dir.to_path_buf(),
            found: key.id().to_string(),
            expected: id.into_owned(),
        }),
        (Some(key), _) => Ok(key),
        (None, Some(_)) => {
            Err(StoreError::KeyMissing { path: key_file.to_path_buf(), store: dir.to_path_buf() })
        }
        (None, None) => {
            let key = FieldKey::generate();
            key.write_new(key_file)?;
            Ok(key)
        }
    }
}

/// What `restore` did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub info: BackupInfo,
    /// Where the store that was replaced now lives, if there was one.
    pub previous: Option<PathBuf>,
    pub report: CheckReport,
}

/// Removes a half-built store if we leave before it is renamed into place.
struct TempDir(Option<PathBuf>);

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("{what} {}：{e}", path.display()))
}

/// Where a restore of the store in `dir` keeps its journal: beside the store, in its parent.
fn journal_path(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut journal = name.to_os_string();
    journal.push(".restore-unfinished");
    Some(parent.join(journal))
}

/// What a restore between its renames has to put right: the restored copy and where the old
/// store went (none when there was no store).
struct Journal {
    path: PathBuf,
    restored: PathBuf,
    previous: Option<PathBuf>,
}

fn read_journal(dir: &Path) -> Result<Option<Journal>, StoreError> {
    use std::os::unix::ffi::OsStrExt;
    let Some(path) = journal_path(dir) else { return Ok(None) };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("无法读取恢复记录", &path, e)),
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    let field = |key: &str| {
        text.split(|b| *b == b'\n')
            .find_map(|line| line.strip_prefix(key.as_bytes()))
            .filter(|v| !v.is_empty())
            .map(|v| parent.join(std::ffi::OsStr::from_bytes(v)))
    };
    let restored = field("restored=").ok_or_else(|| {
        bad(format!("恢复记录 {} 不完整，请按 docs/DEPLOY.md 第 5 节手工处理", path.display()))
    })?;
    Ok(Some(Journal { restored, previous: field("previous="), path }))
}

/// Refuses to open `dir` while a restore of it is unfinished (see `restore`), naming the journal,
/// both directories and the commands that finish or roll back.
pub(crate) fn refuse_unfinished_restore(dir: &Path) -> Result<(), StoreError> {
    match read_journal(dir)? {
        None => Ok(()),
        Some(j) => Err(StoreError::RestoreUnfinished {
            path: dir.to_path_buf(),
            restored: j.restored,
            previous: match &j.previous {
                Some(p) if p.exists() => format!("原数据库在 {}", p.display()),
                Some(p) => format!("原数据库应在 {}（已不在那里）", p.display()),
                None => "恢复前没有数据库".into(),
            },
            journal: j.path,
        }),
    }
}

/// For a missing store: the directories restores left beside it (old stores kept as
/// `.before-restore-*`, copies of killed restores as `.restoring-*`), as a sentence starting
/// with "。", or empty when there are none.
pub(crate) fn restore_leftovers_note(dir: &Path) -> String {
    let (Some(name), Some(parent)) = (dir.file_name(), dir.parent()) else { return String::new() };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    let name = name.to_string_lossy();
    let mut found: Vec<String> = std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            // A kept store's data key (`<kept>.key`) is not a store.
            !n.ends_with(".key")
                && n.strip_prefix(name.as_ref()).is_some_and(|rest| {
                    rest.starts_with(".before-restore-") || rest.starts_with(".restoring-")
                })
        })
        .collect();
    if found.is_empty() {
        return String::new();
    }
    found.sort();
    format!(
        "。旁边有以前恢复留下的目录：{}；若原数据库是被中断的恢复移开的，停止服务后把对应的 before-restore 目录改名回 {}",
        found.iter().map(|n| parent.join(n).display().to_string()).collect::<Vec<_>>().join("、"),
        dir.display()
    )
}

/// The restore test hook: with `MINGDAN_TEST_RESTORE_KILL` set to `between-renames`, the process
/// kills itself (SIGKILL, no clean-up) after moving the old store aside and before moving the
/// restored one into place, as a power cut or `kill -9` there would. Only tests set it.
fn test_hook_kill(at: &str) {
    if std::env::var_os("MINGDAN_TEST_RESTORE_KILL").is_some_and(|v| v == at) {
        // SAFETY: kill(2) on our own pid; nothing is shared with other processes.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

fn sync_parent(parent: &Path) -> Result<(), StoreError> {
    super::durable::sync_dir(parent).map_err(|e| io("无法写入目录", parent, e))
}

/// Refuses an image whose branch identity differs from the store's in `dir`: a backup of
/// another branch, or the demo, restored over a real branch by mistake. An image from before
/// identities has none; it is then told apart only by being a demo store or not.
fn refuse_other_branch(dir: &Path, verified: &Verified) -> Result<(), StoreError> {
    let (current, current_demo) = {
        let store = Store::open(dir)?;
        (store.branch_id()?, store.meta(DEMO_KEY)?.is_some())
    };
    let image = verified.meta(BRANCH_KEY).map(|v| String::from_utf8_lossy(v).into_owned());
    let image_demo = verified.meta(DEMO_KEY).is_some();
    let differs = match (&image, &current) {
        (Some(a), Some(b)) => a != b,
        _ => image_demo != current_demo,
    };
    if !differs {
        return Ok(());
    }
    let what = |id: &Option<String>, demo: bool| {
        format!("{}{}", id.as_deref().unwrap_or("（无标识）"), if demo { "，演示数据库" } else { "" })
    };
    Err(StoreError::Conflict(format!(
        "这个备份来自另一个数据库（备份的支行标识 {}；数据库 {} 的标识 {}），没有恢复。\
         请确认备份文件没有拿错；确实要用它替换这个数据库，请加 --other-branch 再执行",
        what(&image, image_demo),
        dir.display(),
        what(&current, current_demo)
    )))
}

/// Replaces the store in `dir` with the contents of `bytes`.
///
/// The image is verified first; the new store is built in a sibling directory and checked like
/// `mingdan check` would; only then is the old store renamed to `<dir>.before-restore-<time>`
/// (kept, not deleted) and the new one renamed into place. An image of another branch (see
/// `refuse_other_branch`) is refused unless `other_branch`. Before the first rename a journal
/// (`<dir>.restore-unfinished`) is written and synced, and it is removed after the second: if
/// the process dies in between, every open of the store is refused naming both directories
/// until `finish_restore` or `rollback_restore` runs. Refused while anyone has the store open,
/// which on a branch server means while `mingdan serve` runs.
pub fn restore(dir: &Path, bytes: &[u8], stamp: &str, other_branch: bool) -> Result<Restored, StoreError> {
    restore_image(dir, &mut std::io::Cursor::new(bytes), stamp, other_branch)
}

/// Entries written to the new store between flushes while restoring.
const RESTORE_BATCH: usize = 10_000;

/// [`restore`] from an image read in passes (a file), never held whole.
pub fn restore_image(
    dir: &Path,
    src: &mut dyn Image,
    stamp: &str,
    other_branch: bool,
) -> Result<Restored, StoreError> {
    restore_batched(dir, src, stamp, other_branch, RESTORE_BATCH)
}

fn restore_batched(
    dir: &Path,
    src: &mut dyn Image,
    stamp: &str,
    other_branch: bool,
    batch_size: usize,
) -> Result<Restored, StoreError> {
    let verified = verify_image(src)?;
    refuse_unfinished_restore(dir)?;
    if Store::exists(dir) && !other_branch {
        match refuse_other_branch(dir, &verified) {
            // A damaged store cannot say which branch it is; it is what a restore is for, and
            // it is kept aside like any store replaced.
            Err(e) if e.is_damage() => {}
            other => other?,
        }
    }
    let name = dir.file_name().ok_or_else(|| bad(format!("{} 不是一个目录名", dir.display())))?;
    if name.as_encoded_bytes().contains(&b'\n') {
        return Err(bad(format!("数据库目录名 {} 含有换行，请换一个目录名", dir.display())));
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Held until the swap, so no one opens the old store while we replace it.
    // A store whose open got stuck above is still locked by this process's abandoned worker.
    let _held = if dir.exists() && !lock::held_by_abandoned(dir) {
        Some(lock::StoreLock::acquire(dir)?)
    } else {
        None
    };

    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".restoring-{}", std::process::id()));
    let tmp_path = parent.join(&tmp_name);
    if tmp_path.exists() {
        std::fs::remove_dir_all(&tmp_path).map_err(|e| io("无法清理", &tmp_path, e))?;
    }
    let key_file = fields::key_path(dir);
    let key = restore_key(dir, &key_file, &verified)?;
    let tmp = TempDir(Some(tmp_path.clone()));
    {
        let store = Store::create_keyed(&tmp_path, &key_file)?;
        src.seek(std::io::SeekFrom::Start(verified.body_at)).map_err(|e| io_read(&e))?;
        let end = verified.info.size - if verified.info.format == 1 { 4 } else { HASH_LEN as u64 };
        let mut cur =
            Reader { src: std::io::BufReader::with_capacity(1 << 20, &mut *src), at: verified.body_at, end };
        let (mut k, mut v) = (Vec::new(), Vec::new());
        for (t, count) in &verified.trees {
            let tree = store.tree(*t);
            for n in 1..=*count {
                cur.entry(&mut k, &mut v)?;
                let mut value = v.as_slice();
                let sealed;
                if *t == Tree::Clients {
                    // An image from before schema 5 holds clients in the clear: they are sealed
                    // before they are written, so no plaintext ever reaches the new store's files.
                    let stored: StoredClient = decode(&k, &v).map_err(|e| bad(e.to_string()))?;
                    if !stored.is_sealed() {
                        let client = stored.open(&key, &key_file)?;
                        sealed = encode(&StoredClient::seal(&client, &key)?)?;
                        value = &sealed;
                    }
                }
                // One insert at a time, not a batch: sled 0.34 holds a batch's pages in memory
                // beyond its cache size (sled#1303: 1.4 GB for a 38 MB image of 100k clients).
                // The copy is built aside and only swapped in once checked, so it needs no
                // atomicity of its own.
                tree.insert(k.as_slice(), value)?;
                if n % batch_size as u64 == 0 {
                    store.flush()?;
                }
            }
        }
        store.tree(Tree::Meta).insert(ID_BASE_KEY, &verified.info.header.id_floor.to_be_bytes())?;
        store.flush()?;
    }
    // Opened again the normal way: an older schema is migrated, then everything is checked.
    // Checked as of the day the backup was made: what was due then is what may be left behind.
    let made_on = verified.info.header.created_at.date_naive();
    let report = Store::open_keyed(&tmp_path, &key_file)?.check(made_on)?;
    if !report.is_ok() {
        return Err(bad(format!(
            "备份内容不一致，没有恢复：{}",
            report.problems.iter().take(5).cloned().collect::<Vec<_>>().join("；")
        )));
    }

    let previous = if dir.exists() {
        let mut aside = parent.join(format!("{}.before-restore-{stamp}", name.to_string_lossy()));
        let mut n = 2;
        while aside.exists() {
            aside = parent.join(format!("{}.before-restore-{stamp}-{n}", name.to_string_lossy()));
            n += 1;
        }
        Some(aside)
    } else {
        None
    };
    if let Some(aside) = &previous {
        // The store kept aside stays openable: it has the same key (checked above), now beside
        // it too.
        key.write_new(&fields::key_path(aside))?;
    }
    let journal = journal_path(dir).ok_or_else(|| bad(format!("{} 不是一个目录名", dir.display())))?;
    {
        use std::io::Write;
        let mut text = b"restored=".to_vec();
        text.extend_from_slice(tmp_name.as_encoded_bytes());
        text.extend_from_slice(b"\nprevious=");
        if let Some(aside) = previous.as_ref().and_then(|p| p.file_name()) {
            text.extend_from_slice(aside.as_encoded_bytes());
        }
        text.push(b'\n');
        let mut f = std::fs::File::create(&journal).map_err(|e| io("无法写入恢复记录", &journal, e))?;
        f.write_all(&text).and_then(|()| f.sync_all()).map_err(|e| io("无法写入恢复记录", &journal, e))?;
        sync_parent(parent)?;
    }
    // From here the journal, not `TempDir`, answers for the copy.
    let mut tmp = tmp;
    tmp.0 = None;
    if let Some(aside) = &previous {
        if let Err(e) = std::fs::rename(dir, aside) {
            let _ = std::fs::remove_file(&journal);
            let _ = std::fs::remove_dir_all(&tmp_path);
            return Err(io("无法移开原数据库", dir, e));
        }
        test_hook_kill("between-renames");
    }
    if let Err(e) = std::fs::rename(&tmp_path, dir) {
        // Put the old store back rather than leave no store at all.
        if let Some(aside) = &previous
            && std::fs::rename(aside, dir).is_ok()
        {
            let _ = std::fs::remove_file(&journal);
            let _ = std::fs::remove_dir_all(&tmp_path);
        }
        return Err(io("无法放置恢复的数据库", dir, e));
    }
    // The renames are durable once the directory holding them is; only then may the journal go.
    sync_parent(parent)?;
    std::fs::remove_file(&journal).map_err(|e| io("无法删除恢复记录", &journal, e))?;
    sync_parent(parent)?;
    Ok(Restored { info: verified.info, previous, report })
}

/// What `finish_restore` or `rollback_restore` did, for the person who ran it.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The journal that described the unfinished restore (now removed).
    pub journal: PathBuf,
    /// Where the store that was replaced now lives (finish), or where the discarded restored
    /// copy was (rollback).
    pub other: Option<PathBuf>,
}

fn no_journal(dir: &Path) -> StoreError {
    StoreError::Conflict(format!("数据库 {} 没有未完成的恢复，无需 --finish 或 --rollback", dir.display()))
}

fn end_journal(j: &Journal, parent: &Path) -> Result<(), StoreError> {
    sync_parent(parent)?;
    std::fs::remove_file(&j.path).map_err(|e| io("无法删除恢复记录", &j.path, e))?;
    sync_parent(parent)
}

/// Completes a restore of `dir` cut off between its renames: the old store is moved aside (if
/// it had not been) and the restored copy, already checked before the journal was written, is
/// moved into place. Refused while the store is in use.
pub fn finish_restore(dir: &Path) -> Result<Resolved, StoreError> {
    let j = read_journal(dir)?.ok_or_else(|| no_journal(dir))?;
    let parent = j.path.parent().unwrap_or(Path::new(".")).to_path_buf();
    if j.restored.exists() {
        if dir.exists() {
            let _held = lock::StoreLock::acquire(dir)?;
            let aside = j.previous.as_ref().filter(|p| !p.exists()).ok_or_else(|| {
                bad(format!("{} 和恢复副本都在，但恢复记录没有给出移开原数据库的位置", dir.display()))
            })?;
            std::fs::rename(dir, aside).map_err(|e| io("无法移开原数据库", dir, e))?;
        }
        std::fs::rename(&j.restored, dir).map_err(|e| io("无法放置恢复的数据库", dir, e))?;
    } else if !dir.exists() {
        return Err(bad(format!(
            "恢复副本 {} 和数据库 {} 都不在了，无法完成恢复；请用 mingdan restore 备份文件 重新恢复",
            j.restored.display(),
            dir.display()
        )));
    }
    end_journal(&j, &parent)?;
    Ok(Resolved { other: j.previous.clone(), journal: j.path })
}

/// Undoes a restore of `dir` cut off between its renames: the restored copy is removed and the
/// old store moved back into place. Refused while the store is in use.
pub fn rollback_restore(dir: &Path) -> Result<Resolved, StoreError> {
    let j = read_journal(dir)?.ok_or_else(|| no_journal(dir))?;
    let parent = j.path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let previous_there = j.previous.as_ref().is_some_and(|p| p.exists());
    if dir.exists() && (previous_there || !j.restored.exists()) {
        // What is at `dir` is the restored copy (the old store is aside, or the copy was
        // already moved in): take it back out.
        let _held = lock::StoreLock::acquire(dir)?;
        if j.restored.exists() {
            return Err(bad(format!(
                "{}、{} 都在，恢复记录对不上，请按 docs/DEPLOY.md 第 5 节手工处理",
                dir.display(),
                j.restored.display()
            )));
        }
        std::fs::rename(dir, &j.restored).map_err(|e| io("无法移开恢复的数据库", dir, e))?;
    }
    if let Some(prev) = j.previous.as_ref().filter(|p| p.exists()) {
        std::fs::rename(prev, dir).map_err(|e| io("无法放回原数据库", prev, e))?;
        // The copy of the key `restore` put beside it; the same key is beside `dir`.
        let _ = std::fs::remove_file(fields::key_path(prev));
    }
    if j.restored.exists() {
        std::fs::remove_dir_all(&j.restored).map_err(|e| io("无法删除恢复副本", &j.restored, e))?;
    }
    end_journal(&j, &parent)?;
    Ok(Resolved { other: Some(j.restored.clone()), journal: j.path })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The image laid out exactly as the module documentation says, built the plain way.
    fn as_documented(header: &BackupHeader, store: &Store) -> Vec<u8> {
        let head = encode_header(header).unwrap();
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT.to_be_bytes());
        out.extend_from_slice(&(head.len() as u32).to_be_bytes());
        out.extend_from_slice(&head);
        for t in Tree::ALL {
            for item in store.tree(t).iter() {
                let (k, v) = item.unwrap();
                out.extend_from_slice(&(k.len() as u32).to_be_bytes());
                out.extend_from_slice(&k);
                out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                out.extend_from_slice(&v);
            }
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// A restore reads the backup file in passes and writes it in batches: the store it builds
    /// holds exactly what the store backed up held, tree by tree, whatever the batch size.
    #[test]
    fn a_store_restored_from_a_file_in_small_batches_is_the_store_backed_up() {
        use std::sync::Arc;
        let parent = tempfile::tempdir().unwrap();
        let (from, to) = (parent.path().join("from"), parent.path().join("to"));
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(10, 0, 0).unwrap();
        let service =
            crate::service::Service::create(&from, Arc::new(crate::service::FixedClock::at(now))).unwrap();
        service.seed_demo(60, 3).unwrap();
        drop(service);
        let store = Store::open(&from).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00").unwrap();
        let (image, info) = store.snapshot(at, "测试", &[]).unwrap();
        assert!(info.count(Tree::Contacts) > 100 && info.count(Tree::Clients) == 60, "{}", info.summary());
        let file_path = parent.path().join("b.mdbak");
        std::fs::write(&file_path, &image).unwrap();
        // The data key is beside the store to be replaced, as on the branch server.
        std::fs::copy(fields::key_path(&from), fields::key_path(&to)).unwrap();
        let mut file = std::fs::File::open(&file_path).unwrap();
        let restored = restore_batched(&to, &mut file, "20261201-100000", false, 7).unwrap();
        assert!(restored.report.is_ok(), "{:?}", restored.report.problems);
        assert_eq!(restored.info, info);
        let back = Store::open(&to).unwrap();
        for t in Tree::ALL {
            let entries = |s: &Store| -> Vec<(Vec<u8>, Vec<u8>)> {
                s.tree(t).iter().map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap()).collect()
            };
            let (a, b) = (entries(&store), entries(&back));
            if t == Tree::Meta {
                // The restored store issues ids from the image's floor; the rest is as it was.
                let drop_id_base = |v: Vec<(Vec<u8>, Vec<u8>)>| {
                    v.into_iter().filter(|(k, _)| k.as_slice() != ID_BASE_KEY).collect::<Vec<_>>()
                };
                assert_eq!(drop_id_base(a), drop_id_base(b), "{}", t.name());
            } else {
                assert_eq!(a, b, "{}", t.name());
            }
        }
    }

    #[test]
    fn an_image_is_laid_out_as_documented_whatever_the_size_of_its_counts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-18T09:00:00+08:00").unwrap();
        // Counts below 251 take one byte in the header, larger ones three: both sizes are here.
        for n in [0u32, 3, 300] {
            for i in 0..n {
                store
                    .tree(Tree::Roster)
                    .insert([b"1001\0C".as_slice(), &i.to_be_bytes()].concat(), b"")
                    .unwrap();
            }
            let (image, info) = store.snapshot(at, "赵敏（1001）", &[]).unwrap();
            assert_eq!(image, as_documented(&info.header, &store), "{n} roster entries");
            assert_eq!(info.size, image.len() as u64);
            let verified = verify(&image).unwrap();
            assert_eq!(verified.info, info);
            assert_eq!(info.count(Tree::Roster), u64::from(n));
            store.tree(Tree::Roster).clear().unwrap();
        }
    }

    #[test]
    fn a_format_1_image_ending_in_a_crc_32_still_verifies_and_a_changed_hash_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-18T09:00:00+08:00").unwrap();
        let (image, _) = store.snapshot(at, "赵敏（1001）", &[]).unwrap();
        let mut old = image[..image.len() - HASH_LEN].to_vec();
        old[MAGIC.len()..MAGIC.len() + 2].copy_from_slice(&1u16.to_be_bytes());
        let crc = crc32fast::hash(&old);
        old.extend_from_slice(&crc.to_be_bytes());
        let info = verify(&old).unwrap().info;
        assert_eq!((info.format, info.checksum), (1, format!("{crc:08x}")));

        let mut changed = image.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        let msg = verify(&changed).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("校验和不符"), "{msg}");
    }

    #[test]
    fn an_unreadable_header_with_a_matching_hash_is_refused_in_a_chinese_sentence_only() {
        let mut image = MAGIC.to_vec();
        image.extend_from_slice(&FORMAT.to_be_bytes());
        let head = [0xffu8; 6];
        image.extend_from_slice(&(head.len() as u32).to_be_bytes());
        image.extend_from_slice(&head);
        let digest = Sha256::digest(&image);
        image.extend_from_slice(&digest);
        let msg = verify(&image).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("备份头无法读取"), "{msg}");
        assert!(msg.contains("请换用另一份备份") && !msg.contains("：I"), "no library text: {msg}");
    }
}
