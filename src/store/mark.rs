//! The written mark: how many writes the store has acknowledged, kept in a file beside sled's
//! directory (`written.mark`, 8 bytes, big-endian) and synced after every acknowledged write.
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

/// Meta key counting the writes made through `Store::write` (u64, big-endian).
pub(super) const SEQ_KEY: &[u8] = b"written_seq";

/// The mark's file name inside the store directory.
pub(super) const MARK_FILE: &str = "written.mark";

/// The open mark file and the count last synced to it.
pub(super) struct Mark {
    file: Mutex<(File, u64)>,
}

/// A stored count: 8 bytes big-endian; anything else reads as 0 (no claim).
pub(super) fn decode(raw: &[u8]) -> u64 {
    <[u8; 8]>::try_from(raw).map(u64::from_be_bytes).unwrap_or(0)
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
        Ok((Mark { file: Mutex::new((file, held.unwrap_or(0))) }, held))
    }

    /// Records that the store has `seq` writes on disk. Only ever moves forward; synced before
    /// returning. A failure leaves the mark behind the store, which is safe.
    pub(super) fn advance(&self, seq: u64) -> io::Result<()> {
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if seq <= guard.1 {
            return Ok(());
        }
        guard.0.write_all_at(&seq.to_be_bytes(), 0)?;
        guard.0.sync_data()?;
        guard.1 = seq;
        Ok(())
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
        mark.advance(5).unwrap();
        mark.advance(3).unwrap();
        drop(mark);
        let (_, held) = Mark::open(dir.path()).unwrap();
        assert_eq!(held, Some(5));
    }
}
