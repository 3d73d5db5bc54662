//! The written mark: how many writes the store has acknowledged, kept in a file beside sled's
//! directory (`written.mark`: the count, 8 bytes big-endian; then the audit chain head as of that
//! write, its sequence number (8 bytes) and hash (32 bytes), see `chain`) and synced after every
//! acknowledged write. A mark of 8 bytes (written before the chain) holds no head.
//!
//! sled can open a damaged log as an older store without any error: a flipped bit or a log cut
//! short drops everything written after it, and `check` then finds a consistent, smaller store.
//! Each write also counts itself in the store (`meta/written_seq`, in the same transaction), so
//! on opening a store that counts fewer writes than the mark has lost acknowledged writes; that
//! is reported as damage instead of served. The mark only ever trails the store (it is advanced
//! after the store's own flush and sync), so a sound store is never taken for a damaged one.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

/// Meta key counting the writes made through `Store::write` (u64, big-endian), followed by the
/// audit chain head (`chain::ChainHead`), so a write changes one `meta` entry, not two.
pub(super) const SEQ_KEY: &[u8] = b"written_seq";

/// The mark's file name inside the store directory.
pub(super) const MARK_FILE: &str = "written.mark";

/// An audit chain head as the mark keeps it: sequence number and hash.
pub(super) type Head = (u64, [u8; 32]);

/// The open mark file, the count last synced to it and the audit head with it.
pub(super) struct Mark {
    file: Mutex<(File, u64, Option<Head>)>,
}

/// A stored count: its first 8 bytes, big-endian (from schema 4 the audit chain head follows,
/// see `chain`); anything shorter reads as 0 (no claim).
pub(super) fn decode(raw: &[u8]) -> u64 {
    raw.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(u64::from_be_bytes).unwrap_or(0)
}

impl Mark {
    /// Opens (or creates) the mark in `store_dir`. Returns the count it held, `None` when the
    /// file was missing (a store from before marks, or a new one) or unreadable.
    pub(super) fn open(store_dir: &Path) -> io::Result<(Mark, Option<u64>)> {
        let path = store_dir.join(MARK_FILE);
        let existed = path.exists();
        let file =
            std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
        let mut buf = [0u8; 8];
        let held = if existed && file.read_exact_at(&mut buf, 0).is_ok() {
            Some(u64::from_be_bytes(buf))
        } else {
            None
        };
        let mut head = [0u8; 40];
        let audit = if held.is_some() && file.read_exact_at(&mut head, 8).is_ok() {
            let seq = u64::from_be_bytes(head[..8].try_into().unwrap_or([0; 8]));
            let hash: [u8; 32] = head[8..].try_into().unwrap_or([0; 32]);
            Some((seq, hash))
        } else {
            None
        };
        Ok((Mark { file: Mutex::new((file, held.unwrap_or(0), audit)) }, held))
    }

    /// Records that the store has `seq` writes on disk, with audit chain head `audit`. The
    /// count only ever moves forward; synced before returning. A failure leaves the mark behind
    /// the store, which is safe.
    pub(super) fn advance(&self, seq: u64, audit: Option<Head>) -> io::Result<()> {
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let moved_audit = audit.is_some() && audit != guard.2;
        if seq <= guard.1 && !moved_audit {
            return Ok(());
        }
        let seq = seq.max(guard.1);
        let mut bytes = seq.to_be_bytes().to_vec();
        if let Some((s, h)) = audit.or(guard.2) {
            bytes.extend_from_slice(&s.to_be_bytes());
            bytes.extend_from_slice(&h);
        }
        guard.0.write_all_at(&bytes, 0)?;
        guard.0.sync_data()?;
        guard.1 = seq;
        if audit.is_some() {
            guard.2 = audit;
        }
        Ok(())
    }

    /// The audit chain head the mark holds (as last synced), if any.
    pub(super) fn audit_head(&self) -> Option<Head> {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_only_moves_forward_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (mark, held) = Mark::open(dir.path()).unwrap();
        assert_eq!(held, None, "a new store has no claim");
        mark.advance(5, None).unwrap();
        mark.advance(3, None).unwrap();
        drop(mark);
        let (mark, held) = Mark::open(dir.path()).unwrap();
        assert_eq!(held, Some(5));
        assert_eq!(mark.audit_head(), None, "a mark from before the chain holds no head");
        mark.advance(6, Some((2, [7; 32]))).unwrap();
        drop(mark);
        let (mark, held) = Mark::open(dir.path()).unwrap();
        assert_eq!((held, mark.audit_head()), (Some(6), Some((2, [7; 32]))));
    }
}
