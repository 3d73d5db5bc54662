//! Files kept beside the store that hold something computed from it (the search index), so a
//! start reads them instead of recomputing: sealed with the store's data key (they hold what the
//! store encrypts, names and numbers) and stamped with the store's write count and schema when
//! they were made. A file whose stamp differs from the store's, or whose seal does not open
//! (altered, cut short, another key), is not used: the caller recomputes and saves it again.
//!
//! Layout: `MAGIC` ‖ schema (u32 BE) ‖ write count (u64 BE) ‖ nonce (24) ‖ sealed body with its
//! Poly1305 tag. The tag is the checksum: it covers the body and, as associated data, the magic,
//! the file's name, the schema and the write count, so none of them can be changed unnoticed.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use super::fields::NONCE_LEN;
use super::{Store, StoreError};

const MAGIC: &[u8; 16] = b"mingdan-derived1";
const HEAD: usize = MAGIC.len() + 4 + 8 + NONCE_LEN;

/// What `Store::load_derived` found.
#[derive(Debug)]
pub enum Derived {
    /// No such file (never saved, or removed).
    Missing,
    /// Made at another write count or schema than the store's now: the store changed since.
    Stale { made_at: u64, now: u64 },
    /// The file is there but not usable; why, in Chinese, for a log line.
    Refused(String),
    /// The body, as saved, for the store as it is now (`made_at` its write count).
    Current { made_at: u64, body: Vec<u8> },
}

impl Store {
    /// How many writes the store has committed (`meta/written_seq`): the stamp of derived files.
    pub fn written_count(&self) -> Result<u64, StoreError> {
        Ok(self.meta(super::mark::SEQ_KEY)?.map_or(0, |v| super::mark::decode(&v)))
    }

    fn derived_path(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    fn derived_aad(name: &str, schema: u32, made_at: u64) -> Vec<u8> {
        [&MAGIC[..], name.as_bytes(), &[0], &schema.to_be_bytes(), &made_at.to_be_bytes()].concat()
    }

    /// Saves `body` as derived file `name`, made from the store at write count `made_at`. The
    /// caller guarantees `body` reflects exactly that count (it holds off writers while it makes
    /// it). Written to a temporary file (mode 0600) and renamed, so a reader sees the old file or
    /// the new one; a crash midway leaves at worst a temporary file, which the next save replaces.
    pub fn save_derived(&self, name: &str, made_at: u64, mut body: Vec<u8>) -> Result<(), StoreError> {
        let schema = super::schema::CURRENT_SCHEMA;
        let path = self.derived_path(name);
        let fail = |e: std::io::Error| StoreError::Open {
            path: path.clone(),
            reason: format!("无法写入：{}", crate::os::io_reason(&e)),
        };
        let nonce = self
            .fields
            .key
            .seal_in_place(&Self::derived_aad(name, schema, made_at), &mut body)
            .map_err(|reason| StoreError::Encode { kind: "索引", reason })?;
        // Never at the cost of the room kept for writes: the index is only a saving of time.
        let need = self.reserve + body.len() as u64 + HEAD as u64;
        if let Ok(free) = super::space::free_bytes(&self.path)
            && free < need
        {
            return Err(self.disk_full(free, need));
        }
        let tmp = path.with_extension("tmp");
        let written = Self::write_file(&tmp, &path, schema, made_at, &nonce, &body);
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(fail)
    }

    fn write_file(
        tmp: &std::path::Path,
        path: &std::path::Path,
        schema: u32,
        made_at: u64,
        nonce: &[u8],
        body: &[u8],
    ) -> std::io::Result<()> {
        let mut f =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&schema.to_be_bytes())?;
        f.write_all(&made_at.to_be_bytes())?;
        f.write_all(nonce)?;
        f.write_all(body)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(tmp, path)
    }

    /// Reads derived file `name` if it was made from the store as it is now (same write count and
    /// schema) and its seal opens.
    pub fn load_derived(&self, name: &str) -> Derived {
        let path = self.derived_path(name);
        let unreadable = |e: std::io::Error| {
            Derived::Refused(format!("{} 无法读取：{}", path.display(), crate::os::io_reason(&e)))
        };
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Derived::Missing,
            Err(e) => return unreadable(e),
        };
        // The stamp first: a stale file's hundreds of megabytes are not worth reading.
        let mut head = [0u8; HEAD];
        match f.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Derived::Refused(format!("{} 不完整", path.display()));
            }
            Err(e) => return unreadable(e),
        }
        if &head[..MAGIC.len()] != MAGIC {
            return Derived::Refused(format!("{} 不是 mingdan 的索引文件", path.display()));
        }
        let (schema, rest) = head[MAGIC.len()..].split_at(4);
        let (made_at, nonce) = rest.split_at(8);
        let schema = u32::from_be_bytes([schema[0], schema[1], schema[2], schema[3]]);
        let made_at = u64::from_be_bytes(std::array::from_fn(|i| made_at[i]));
        let nonce: [u8; NONCE_LEN] = std::array::from_fn(|i| nonce[i]);
        let now = match self.written_count() {
            Ok(n) => n,
            Err(e) => return Derived::Refused(e.to_string()),
        };
        if schema != super::schema::CURRENT_SCHEMA || made_at != now {
            return Derived::Stale { made_at, now };
        }
        let mut raw = Vec::new();
        if let Err(e) = f.read_to_end(&mut raw) {
            return unreadable(e);
        }
        if !self.fields.key.open_in_place(&Self::derived_aad(name, schema, made_at), &nonce, &mut raw) {
            return Derived::Refused(format!(
                "{} 校验不符（文件被改动或不完整，或属于另一把数据密钥）",
                path.display()
            ));
        }
        Derived::Current { made_at, body: raw }
    }
}
