//! sled's snapshot files (`snap.<lsn>` and the `snap.<lsn>.generating` a crash leaves behind),
//! moved out of sled's way when they stop a store from opening.
//!
//! sled 0.34 reads the snapshot file whose name sorts last, stale `.generating` ones included,
//! and refuses to open when its length or checksum is wrong (snapshot.rs, `read_snapshot`);
//! without that file it starts from an older snapshot or replays the whole log, which holds
//! every page. Only files failing sled's own test are moved: a sound snapshot that sled refuses
//! means the log is damaged, and without the snapshot sled would replay a log cut short and
//! open an older store without a word. Moved files are kept in `sled/damaged-YYYYMMDD-HHMMSS/`
//! (outside sled's `snap.` prefix, so sled never reads them).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Snapshot files moved into `dir`.
pub(super) struct Aside {
    dir: PathBuf,
    names: Vec<OsString>,
}

/// Moves every damaged `snap.*` file in `sled_dir` (see `intact`) into a new `damaged-…`
/// directory beside them. `None` when there is none, or when none could be moved (then nothing
/// changed).
pub(super) fn move_aside(sled_dir: &Path) -> Option<Aside> {
    move_aside_where(sled_dir, |n| !intact(&sled_dir.join(n)))
}

/// Moves every `snap.*` file, sound ones too: a snapshot that passes sled's checksum can still be
/// stale and stop a store from opening. Only safe with the written mark (see `mark`), which
/// catches the older store sled may open from a log cut short.
pub(super) fn move_all_aside(sled_dir: &Path) -> Option<Aside> {
    move_aside_where(sled_dir, |_| true)
}

fn move_aside_where(sled_dir: &Path, pick: impl Fn(&OsString) -> bool) -> Option<Aside> {
    let names: Vec<OsString> = std::fs::read_dir(sled_dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name())
        .filter(|n| n.as_encoded_bytes().starts_with(b"snap.") && pick(n))
        .collect();
    if names.is_empty() {
        return None;
    }
    let stamp = crate::os::branch_now().format("%Y%m%d-%H%M%S");
    let mut dir = sled_dir.join(format!("damaged-{stamp}"));
    let mut n = 2;
    while dir.exists() {
        dir = sled_dir.join(format!("damaged-{stamp}-{n}"));
        n += 1;
    }
    std::fs::create_dir(&dir).ok()?;
    let moved: Vec<OsString> = names
        .into_iter()
        .filter(|name| std::fs::rename(sled_dir.join(name), dir.join(name)).is_ok())
        .collect();
    if moved.is_empty() {
        let _ = std::fs::remove_dir(&dir);
        return None;
    }
    // The moves must not come undone after a power cut while the store is in use without them.
    let _ = super::durable::sync_dir(sled_dir);
    let _ = super::durable::sync_dir(&dir);
    Some(Aside { dir, names: moved })
}

/// sled's own test of a snapshot file: more than 12 bytes, ending in the length (8 bytes) and
/// the CRC-32 (4 bytes, little-endian) of everything before them. A file that cannot be read
/// counts as intact: it is not ours to move.
fn intact(file: &Path) -> bool {
    let Ok(bytes) = std::fs::read(file) else { return true };
    if bytes.len() <= 12 {
        return false;
    }
    let (body, tail) = bytes.split_at(bytes.len() - 12);
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&tail[8..]);
    crc32fast::hash(body) == u32::from_le_bytes(crc)
}

impl Aside {
    /// The sentence the user and the server's log get about the move.
    pub(super) fn notice(&self, store: &Path) -> String {
        let names: Vec<String> = self.names.iter().map(|n| n.to_string_lossy().into_owned()).collect();
        format!(
            "数据库 {} 的快照文件 {} 已损坏（或是中断时留下的半个文件），使数据库无法打开，已移到 {}；\
             数据库不用它们已正常打开（快照只是加快打开的副本）。请运行 mingdan check 确认数据完好",
            store.display(),
            names.join("、"),
            self.dir.display()
        )
    }

    /// Puts the files back where they were and removes the directory, as far as it can.
    pub(super) fn put_back(&self, sled_dir: &Path) {
        for name in &self.names {
            let _ = std::fs::rename(self.dir.join(name), sled_dir.join(name));
        }
        let _ = std::fs::remove_dir(&self.dir);
        let _ = super::durable::sync_dir(sled_dir);
    }
}
