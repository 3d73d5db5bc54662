//! A full disk (issue #11 point 5): writes refused at once with "磁盘已满", reads unaffected, and
//! the store writable again by itself once space is freed.
//!
//! sled 0.34 cannot be written after any I/O error: the failing background write stores the
//! error in the pagecache's "global error" (`Config::set_global_error`, pagecache/iobuf.rs), every
//! later reservation and flush returns it, and only opening the database again clears it
//! (`PageCache::start` calls `reset_global_error`). Worse, what the failed transaction put in
//! sled's in-memory pages stays visible to readers although it never reached the disk. So:
//!
//! - Before every write the store asks the file system how much room is left (`statvfs`) and
//!   refuses the write while less than the reserve (64 MiB, `MINGDAN_DISK_RESERVE_MB`) is free,
//!   without touching sled: in the common case sled never meets ENOSPC at all.
//! - If sled meets ENOSPC/EDQUOT anyway (something else filled the disk between two writes, or a
//!   reserve of 0), the write is reported as not saved and the store is marked as needing a
//!   reopen. Before the next write, once at least the reserve and `REOPEN_MIN_BYTES` are free,
//!   the store closes its sled handles and opens the database again in place (see
//!   `Store::reopen`): what is on disk is what readers see again, and writes go on.
//! - Reads need that reopen too, at once: sled finishes splitting or merging a tree page lazily,
//!   on the next traversal that crosses it, reads included (sled tree.rs `view_for_key`), and
//!   with the error kept every such split fails, so a read crossing a page the last writes left
//!   oversized failed with "磁盘已满" until space came back. So the store keeps a ballast file
//!   (`BALLAST_FILE`, `BALLAST_BYTES`) in its directory: when sled has met ENOSPC and the disk has
//!   no room to open it again, the ballast is deleted and sled opened again at once, so reads go
//!   on on a full disk. Writes stay refused until there is room to lay the ballast again on top
//!   of the reserve (`Store::ensure_room`), so the freed room serves only the reopen and the
//!   splits readers make.

use std::path::Path;

/// Free space kept back by default, in MiB: an import batch or a burst of writes fits in it, so
/// a disk filling up is noticed before sled runs out mid-write.
pub const DEFAULT_RESERVE_MIB: u64 = 64;

/// Environment variable overriding the reserve, in MiB (0 turns the early refusal off).
pub const RESERVE_ENV: &str = "MINGDAN_DISK_RESERVE_MB";

/// Room reopening sled needs whatever the reserve says: its recovery may start a new log
/// segment (512 KiB) and write a snapshot.
pub(super) const REOPEN_MIN_BYTES: u64 = 4 << 20;

/// The ballast's size: room for reopening sled (`REOPEN_MIN_BYTES`) and the page splits that
/// readers then make.
pub(super) const BALLAST_BYTES: u64 = REOPEN_MIN_BYTES + (1 << 20);

/// The ballast's file name in the store directory (see the module comment).
pub const BALLAST_FILE: &str = "space.reserve";

/// Whether the store directory `dir` holds a whole ballast.
pub(super) fn has_ballast(dir: &Path) -> bool {
    std::fs::metadata(dir.join(BALLAST_FILE)).is_ok_and(|m| m.len() >= BALLAST_BYTES)
}

/// Lays the ballast in the store directory `dir`: allocated blocks, not a sparse file, so
/// deleting it really frees room. Laid under a temporary name and renamed, so a ballast cut off
/// by a full disk is never taken for a whole one.
pub(super) fn lay_ballast(dir: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let tmp = dir.join(format!("{BALLAST_FILE}.tmp"));
    let laid = (|| {
        let f = std::fs::File::create(&tmp)?;
        // SAFETY: `f` is an open file; posix_fallocate only allocates its blocks.
        let rc = unsafe { libc::posix_fallocate(f.as_raw_fd(), 0, BALLAST_BYTES as libc::off_t) };
        if rc != 0 {
            return Err(std::io::Error::from_raw_os_error(rc));
        }
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(BALLAST_FILE))
    })();
    if laid.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    laid
}

/// Deletes the ballast in the store directory `dir`, freeing its room (see the module comment).
pub(super) fn release_ballast(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(BALLAST_FILE));
}

/// Whether refused writes are also logged on stderr (`mingdan serve` turns it on: its stderr is
/// the journal, where the administrator looks; the CLI already prints the refusal itself).
static LOG_REFUSALS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// When a refusal was last logged; at most one line a minute, however many writes are refused.
static LOGGED_AT: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

/// Turns on logging of refused writes (see `LOG_REFUSALS`).
pub fn log_refusals() {
    LOG_REFUSALS.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Logs a refused write, at most once a minute, when logging is on.
pub(super) fn note_refusal(store: &Path, free: &str, need: &str) {
    if !LOG_REFUSALS.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let mut at = LOGGED_AT.lock().unwrap_or_else(|p| p.into_inner());
    if at.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(60)) {
        return;
    }
    *at = Some(std::time::Instant::now());
    eprintln!(
        "mingdan：磁盘已满：数据库 {} 所在磁盘剩余 {free}，至少需要 {need}；写入被拒绝（一分钟内只记一次）",
        store.display()
    );
}

/// The reserve in bytes: `MINGDAN_DISK_RESERVE_MB` when set to a whole number, else the default.
pub(super) fn reserve_bytes() -> u64 {
    std::env::var(RESERVE_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_RESERVE_MIB)
        .saturating_mul(1 << 20)
}

/// Bytes an unprivileged writer may still use on the file system holding `dir`.
pub(super) fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    // SAFETY: `c` is a valid NUL-terminated path and `st` is a plain struct statvfs fills in.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// ENOSPC or EDQUOT. sled hands a background write's error on as a copy that keeps only the
/// kind, so the kind is checked as well as the OS code.
pub(super) fn is_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{QuotaExceeded, StorageFull};
    matches!(e.kind(), StorageFull | QuotaExceeded)
        || matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT))
}

/// `bytes` for a person: "12.3 MB".
pub(super) fn human(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / f64::from(1u32 << 20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_full_is_recognised_by_code_and_by_the_kind_sled_keeps() {
        assert!(is_full(&std::io::Error::from_raw_os_error(libc::ENOSPC)));
        assert!(is_full(&std::io::Error::from_raw_os_error(libc::EDQUOT)));
        assert!(is_full(&std::io::Error::new(std::io::ErrorKind::StorageFull, "copy")));
        assert!(!is_full(&std::io::Error::from_raw_os_error(libc::EIO)));
    }

    #[test]
    fn free_space_of_a_real_directory_is_known() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).unwrap() > 0);
        assert!(free_bytes(&dir.path().join("missing")).is_err());
    }
}
