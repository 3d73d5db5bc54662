use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// What can go wrong below the service. Messages are in Chinese because they reach the user as-is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "数据库 {path} 正被另一个程序使用（{holder}）。请先退出那个程序；在分行服务器上请连接 mingdan serve 服务"
    )]
    Locked { path: PathBuf, holder: String },
    #[error(
        "数据库 {path} 由更新版本的 mingdan 写入（数据格式 {found}，本程序支持到 {supported}），请升级 mingdan 后再打开"
    )]
    SchemaTooNew { path: PathBuf, found: u32, supported: u32 },
    #[error(
        "{kind}记录由更新版本的 mingdan 写入（记录格式 {found}，本程序支持到 {supported}），请升级 mingdan"
    )]
    RecordTooNew { kind: &'static str, found: u16, supported: u16 },
    #[error("{kind}记录 {key} 已损坏：{reason}。请运行 mingdan check，必要时从备份恢复")]
    Corrupt { kind: &'static str, key: String, reason: String },
    #[error("无法写入{kind}记录：{reason}")]
    Encode { kind: &'static str, reason: String },
    /// A record larger than `codec::MAX_WRITE`; nothing was written.
    #[error("{kind}记录过大（{bytes} 字节，上限 {limit} 字节），没有保存；请缩短其中的文字后再试")]
    TooLarge { kind: &'static str, bytes: usize, limit: usize },
    #[error("{0}")]
    Conflict(String),
    /// No store at `path`; `leftovers` names what an interrupted restore left beside it, if any
    /// (empty or a sentence starting with "。").
    #[error(
        "数据库 {path} 不存在。新建数据库请运行 mingdan init（演示请运行 mingdan demo）；\
         要从备份恢复请运行 mingdan restore 备份文件{leftovers}"
    )]
    Missing { path: PathBuf, leftovers: String },
    /// A restore of `path` was cut off between moving the old store aside and moving the
    /// restored one into place; nothing opens the store until it is finished or rolled back.
    #[error(
        "数据库 {path} 的恢复没有完成（恢复过程被中断，记录在 {journal}）：恢复好的数据库在 {restored}，\
         {previous}。请运行 mingdan restore --finish 完成恢复，或 mingdan restore --rollback 退回原数据库\
         （都要用同样的 --store）；详见 docs/DEPLOY.md 第 5 节"
    )]
    RestoreUnfinished { path: PathBuf, journal: PathBuf, restored: PathBuf, previous: String },
    #[error("无法打开数据库 {path}：{reason}")]
    Open { path: PathBuf, reason: String },
    #[error("数据库读写失败：{0}")]
    Io(String),
    /// The disk holding the store has less room than a write needs (or sled met ENOSPC/EDQUOT);
    /// nothing of the write was saved. `free` and `need` are sizes as `space::human` gives them.
    #[error(
        "磁盘已满：数据库 {path} 所在的磁盘只剩 {free}，这次的修改没有保存；请清理这块磁盘上的文件，\
         腾出至少 {need} 的空间后再试一次（不用重启 mingdan）"
    )]
    DiskFull { path: PathBuf, free: String, need: String },
    /// A backup image that is damaged, truncated, or from a newer mingdan; nothing was restored.
    #[error("备份文件不能使用：{0}")]
    BadBackup(String),
    /// The data key file (see `fields`) cannot be used; `reason` says why and what to do.
    #[error("数据密钥文件 {path} {reason}")]
    FieldKey { path: PathBuf, reason: String },
    /// The store holds sealed client fields but its data key file is not there.
    #[error(
        "数据库 {store} 的客户敏感信息是加密保存的，但数据密钥文件 {path} 不存在，无法打开。\
         请把这个数据库的密钥从它的备份恢复到这个位置（mingdan key import 密钥备份 --identity 私钥文件，\
         见 docs/DEPLOY.md“数据密钥”），再重试"
    )]
    KeyMissing { path: PathBuf, store: PathBuf },
    /// The key file holds another store's key: its id differs from the one the store recorded.
    #[error(
        "数据密钥文件 {path}（标识 {found}）不是数据库 {store} 的密钥（应为标识 {expected}），没有打开。\
         请从密钥备份恢复标识为 {expected} 的密钥（见 docs/DEPLOY.md“数据密钥”）"
    )]
    KeyMismatch { path: PathBuf, store: PathBuf, found: String, expected: String },
    /// A sealed client value does not open with the key in `path`.
    #[error(
        "数据密钥文件 {path} 解不开客户 {client} 的敏感信息：密钥不是这个数据库的，或这条记录被改动过。\
         请从密钥备份恢复本数据库的密钥（见 docs/DEPLOY.md“数据密钥”），必要时从备份恢复数据库"
    )]
    WrongKey { path: PathBuf, client: String },
    /// sled found its files damaged, failed inside (a panic, a reported bug), or did not answer
    /// within its deadline. `what` says which, in Chinese; `path` is the store, when known (see
    /// `naming`). The only way on is a restore, so the sentence says how.
    #[error("{}", damaged_sentence(path.as_deref(), what))]
    Damaged { path: Option<PathBuf>, what: String },
}

/// The one sentence every damaged store is reported with.
fn damaged_sentence(path: Option<&Path>, what: &str) -> String {
    let store = path.map_or_else(|| "数据库".to_string(), |p| format!("数据库 {}", p.display()));
    format!(
        "{store} 的文件已损坏（{what}），不能继续使用；请按 docs/DEPLOY.md 第 5 节“数据库损坏时”\
         停止服务，用 mingdan restore 从最近的备份恢复"
    )
}

impl StoreError {
    /// A damaged store, named.
    pub fn damaged(path: &Path, what: impl Into<String>) -> StoreError {
        StoreError::Damaged { path: Some(path.to_path_buf()), what: what.into() }
    }

    /// True when the store's files are damaged (see `Damaged`).
    pub fn is_damage(&self) -> bool {
        matches!(self, StoreError::Damaged { .. })
    }
}

thread_local! {
    /// The store this thread is working on, for naming it in errors converted from sled's (which
    /// carry no path). Set by `naming` around a request, an open or a check.
    static WORKING_ON: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Runs `f` with sled errors raised on this thread naming the store at `path`.
pub fn naming<R>(path: &Path, f: impl FnOnce() -> R) -> R {
    let before = WORKING_ON.with(|w| w.replace(Some(path.to_path_buf())));
    let out = f();
    WORKING_ON.with(|w| *w.borrow_mut() = before);
    out
}

/// What sled said, in the words the user sees. sled's own text ("Read corrupted data at file
/// offset None backtrace ()") means nothing to a branch administrator.
fn sled_damage(e: &sled::Error) -> &'static str {
    match e {
        sled::Error::Corruption { .. } => "读取时校验不符",
        sled::Error::ReportableBug(_) => "数据库程序遇到内部错误",
        sled::Error::Unsupported(_) => "数据库程序拒绝了这个操作",
        sled::Error::CollectionNotFound(_) => "缺少一组数据",
        sled::Error::Io(_) => "读写文件失败",
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> StoreError {
        match e {
            // A read that fails after sled met a full disk (it keeps the error) says so plainly.
            sled::Error::Io(e) => {
                let path = WORKING_ON.with(|w| w.borrow().clone());
                if let Some(p) = path.as_ref().filter(|_| super::space::is_full(&e)) {
                    return StoreError::DiskFull {
                        free: super::space::human(super::space::free_bytes(p).unwrap_or(0)),
                        need: super::space::human(
                            super::space::reserve_bytes().max(super::space::REOPEN_MIN_BYTES),
                        ),
                        path: p.clone(),
                    };
                }
                let reason = crate::os::io_reason(&e);
                StoreError::Io(match path {
                    Some(p) => format!("{}：{reason}", p.display()),
                    None => reason,
                })
            }
            other => StoreError::Damaged {
                path: WORKING_ON.with(|w| w.borrow().clone()),
                what: sled_damage(&other).to_string(),
            },
        }
    }
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> StoreError {
        match e {
            sled::transaction::TransactionError::Abort(inner) => inner,
            sled::transaction::TransactionError::Storage(e) => e.into(),
        }
    }
}
