//! One process at a time owns a store (sled's rule). We take our own lock first so a second user
//! is told who holds it instead of getting sled's raw I/O error.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::StoreError;

const LOCK_FILE: &str = "mingdan.lock";
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

pub struct StoreLock {
    _file: File,
}

impl StoreLock {
    pub fn acquire(dir: &Path) -> Result<StoreLock, StoreError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::Open { path: path.clone(), reason: permission_hint(&e) })?;
        // A lock that was just released can still look held for a moment: a process that forked
        // while holding it (a test harness spawning a child) keeps a copy until the child execs.
        // A brief wait tells that apart from a store really in use, which is then reported.
        let deadline = std::time::Instant::now() + BUSY_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let holder =
                        if holder.is_empty() { "未知进程".to_string() } else { holder.to_string() };
                    return Err(StoreError::Locked { path: dir.to_path_buf(), holder });
                }
                Err(TryLockError::Error(e)) => {
                    return Err(StoreError::Open { path, reason: permission_hint(&e) });
                }
            }
        }
        // Who we are, for the next process that finds the store locked.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", describe_this_process());
        let _ = file.flush();
        Ok(StoreLock { _file: file })
    }
}

/// Stores whose open was abandoned at its deadline in this process (see `deadline`): the stuck
/// worker still holds their lock, so no other process can have them, and `acquire` would only
/// find this process in the way.
static ABANDONED: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Records that the worker holding `dir`'s lock was abandoned.
pub fn abandoned(dir: &Path) {
    ABANDONED.lock().unwrap_or_else(|p| p.into_inner()).push(dir.to_path_buf());
}

/// True when this process already holds `dir`'s lock through an abandoned worker.
pub fn held_by_abandoned(dir: &Path) -> bool {
    ABANDONED.lock().unwrap_or_else(|p| p.into_inner()).iter().any(|d| d == dir)
}

fn describe_this_process() -> String {
    let user = crate::os::os_login().unwrap_or_else(|_| "?".into());
    let command: Vec<String> = std::env::args().take(3).collect();
    let since = crate::os::branch_now().format("%Y-%m-%d %H:%M");
    format!("进程 {}，用户 {}，命令 {}，自 {} 起", std::process::id(), user, command.join(" "), since)
}

/// Client data must not be readable by other accounts on a shared server.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        // An existing directory someone opened up (or copied with a loose umask) is closed again;
        // a directory we cannot change belongs to someone else and opening it will say so.
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Why the lock file could not be opened, in Chinese; a permission problem says whose it is
/// (the store belongs to the account `mingdan serve` runs as).
pub(super) fn permission_hint(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        "没有读写权限：数据库目录和其中的文件属于运行 mingdan serve 的账户，请用该账户（或 sudo -u 该账户）运行，\
         或请管理员检查目录权限"
            .into()
    } else {
        crate::os::io_reason(e)
    }
}
