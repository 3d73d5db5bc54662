//! One process at a time owns a store (sled's rule). We take our own lock first so a second user
//! is told who holds it instead of getting sled's raw I/O error.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::StoreError;

const LOCK_FILE: &str = "mingdan.lock";

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
            .map_err(|e| StoreError::Open { path: path.clone(), reason: e.to_string() })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() { "未知进程".to_string() } else { holder.to_string() };
                return Err(StoreError::Locked { path: dir.to_path_buf(), holder });
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Open { path, reason: e.to_string() });
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

fn describe_this_process() -> String {
    let user = crate::os::os_login().unwrap_or_else(|_| "?".into());
    let command: Vec<String> = std::env::args().take(3).collect();
    let since = chrono::Local::now().format("%Y-%m-%d %H:%M");
    format!("进程 {}，用户 {}，命令 {}，自 {} 起", std::process::id(), user, command.join(" "), since)
}

/// Client data must not be readable by other accounts on a shared server.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}
