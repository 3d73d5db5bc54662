//! What makes an acknowledged write survive a power cut, not only a killed process.
//!
//! sled's `flush` writes its log with `pwrite` and then `sync_file_range` (sled 0.34,
//! `pagecache/iobuf.rs`). That puts the bytes in the drive's hands but neither flushes the drive's
//! cache nor the file's size and block map, so after a power cut the tail of the log (the writes
//! staff were told were saved) can be gone. Values too large for the log go to files under
//! `blobs/`, which sled writes without any sync at all. After every flush the store therefore
//! also `fdatasync`s the log file, each new blob file and the directories that gained entries.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The files of one sled directory that must be synced after sled's flush.
pub(super) struct SyncedFiles {
    /// `sled/db`, sled's log, opened read-only: `fdatasync` needs no write access.
    log: File,
    blobs_dir: PathBuf,
    /// Blob files already synced. Blobs are never rewritten in place (sled creates each with
    /// `create_new` and removes it when obsolete), so one sync each is enough.
    blobs_synced: Mutex<HashSet<OsString>>,
}

impl SyncedFiles {
    /// Opens the log of the sled directory `sled_dir` (sled has just opened or created it) and
    /// makes its directory entries durable, so a store created a moment ago is still found after
    /// a power cut.
    pub(super) fn open(sled_dir: &Path) -> std::io::Result<SyncedFiles> {
        let log = File::open(sled_dir.join("db"))?;
        sync_dir(sled_dir)?;
        if let Some(parent) = sled_dir.parent() {
            sync_dir(parent)?;
        }
        Ok(SyncedFiles { log, blobs_dir: sled_dir.join("blobs"), blobs_synced: Mutex::default() })
    }

    /// `fdatasync` of the log, of blob files not synced before, and of the blob directory when
    /// it gained any. Call after sled's flush returned.
    pub(super) fn sync(&self) -> std::io::Result<()> {
        self.sync_blobs()?;
        self.log.sync_data()
    }

    fn sync_blobs(&self) -> std::io::Result<()> {
        let entries = match std::fs::read_dir(&self.blobs_dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut synced = self.blobs_synced.lock().unwrap_or_else(|p| p.into_inner());
        let mut present = HashSet::new();
        let mut new = false;
        for entry in entries {
            let name = entry?.file_name();
            if !synced.contains(&name) {
                match File::open(self.blobs_dir.join(&name)) {
                    Ok(f) => f.sync_data()?,
                    // Removed by sled since the listing: nothing left to make durable.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                }
                new = true;
            }
            present.insert(name);
        }
        // Forget removed blobs, so the set stays as small as the directory.
        *synced = present;
        if new {
            sync_dir(&self.blobs_dir)?;
        }
        Ok(())
    }
}

/// Makes the entries of directory `dir` (files created, renamed or removed in it) durable.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use crate::store::{Store, Tree};

    #[test]
    fn a_value_sled_puts_in_a_blob_file_is_synced_with_the_flush() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        // Far above sled's blob threshold (a quarter of its 512 KiB segment).
        store.tree(Tree::Drafts).insert(b"9001", vec![7u8; 600 << 10]).unwrap();
        store.flush().unwrap();
        let on_disk: std::collections::HashSet<_> = std::fs::read_dir(dir.path().join("sled").join("blobs"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(!on_disk.is_empty(), "sled wrote the value to a blob file");
        let synced = store.sled().synced.blobs_synced.lock().unwrap().clone();
        assert_eq!(synced, on_disk, "every blob file was synced");
    }
}
