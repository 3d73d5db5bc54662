//! The sled store: one tree per entity plus the index trees the screens scan (see `keys`), every
//! value in a versioned envelope (`codec`), multi-tree writes in one transaction, flushed before
//! the caller hears of success. Only `service` uses this module.

pub mod backup;
mod bulk;
mod check;
pub mod codec;
mod durable;
mod error;
pub mod keys;
mod lock;
mod read;
mod records;
mod schema;
mod tx;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::domain::Client;

pub use bulk::{BULK_BATCH_ROWS, Bulk};
pub use check::CheckReport;
pub use codec::Record;
pub use error::StoreError;
pub use schema::{CURRENT_SCHEMA, Migration, version as schema_version};
pub use tx::{Tx, TxResult, abort};

/// The trees of the store. The discriminant is the position in `Tree::ALL` and in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    Meta,
    Staff,
    StaffByLogin,
    Clients,
    Roster,
    Contacts,
    ContactsByClient,
    ContactsByTime,
    Tasks,
    OpenTasksByStaff,
    OpenTasksByDue,
    Launches,
    Drafts,
    Audit,
    Snapshots,
    ClientChanges,
}

impl Tree {
    pub const ALL: [Tree; 16] = [
        Tree::Meta,
        Tree::Staff,
        Tree::StaffByLogin,
        Tree::Clients,
        Tree::Roster,
        Tree::Contacts,
        Tree::ContactsByClient,
        Tree::ContactsByTime,
        Tree::Tasks,
        Tree::OpenTasksByStaff,
        Tree::OpenTasksByDue,
        Tree::Launches,
        Tree::Drafts,
        Tree::Audit,
        Tree::Snapshots,
        Tree::ClientChanges,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tree::Meta => "meta",
            Tree::Staff => "staff",
            Tree::StaffByLogin => "staff_by_login",
            Tree::Clients => "clients",
            Tree::Roster => "roster",
            Tree::Contacts => "contacts",
            Tree::ContactsByClient => "contacts_by_client",
            Tree::ContactsByTime => "contacts_by_time",
            Tree::Tasks => "tasks",
            Tree::OpenTasksByStaff => "open_tasks_by_staff",
            Tree::OpenTasksByDue => "open_tasks_by_due",
            Tree::Launches => "launches",
            Tree::Drafts => "drafts",
            Tree::Audit => "audit",
            Tree::Snapshots => "snapshots",
            Tree::ClientChanges => "client_changes",
        }
    }
}

/// Meta key holding the number added to every id sled generates. A restored store starts with a
/// fresh sled id generator; this keeps its new ids above every id in the backup.
pub(crate) const ID_BASE_KEY: &[u8] = b"id_base";

/// Meta key holding the store's branch identity: 32 hex digits drawn when the store is created
/// (or first opened by a mingdan that has them), copied into every backup with the rest of the
/// meta tree, and compared by `restore` so a backup of another store is not restored over this
/// one by mistake.
pub(crate) const BRANCH_KEY: &[u8] = b"branch_id";

/// Meta key present only in a demo store (the staff member it opens as).
pub(crate) const DEMO_KEY: &[u8] = b"demo_default_user";

/// What a write saved, as observers hear of it right after it commits.
#[derive(Debug, Clone, Copy)]
pub enum Saved<'a> {
    /// These clients, as now stored.
    Clients(&'a [Client]),
    /// A bulk write (an import) finished or was undone: any number of clients changed, too many
    /// to pass on one by one; whoever keeps something built from them rebuilds it from the store.
    Many,
}

/// Told of every client a write saved, right after the write commits.
pub type ClientObserver = Arc<dyn Fn(Saved<'_>) + Send + Sync>;
type Observers = Arc<Mutex<Vec<Weak<dyn Fn(Saved<'_>) + Send + Sync>>>>;

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    trees: Arc<Vec<sled::Tree>>,
    /// Undo records of a bulk write in progress (see `bulk`); empty otherwise. Not one of
    /// `Tree::ALL`: it is neither backed up nor checked, and holds nothing once a bulk write ends.
    undo: sled::Tree,
    path: PathBuf,
    id_base: u64,
    /// Bumped after every flushed write; sessions poll it to notice other sessions' changes.
    generation: Arc<AtomicU64>,
    /// Synced after every flush (see `durable`): what makes a flushed write survive power loss.
    synced: Arc<durable::SyncedFiles>,
    _lock: Arc<lock::StoreLock>,
    observers: Observers,
}

impl Store {
    /// Opens the existing store in directory `path`, upgrading an older schema.
    ///
    /// Never creates one: a missing store is `StoreError::Missing` (a store renamed away by a
    /// restore that was cut off must not silently become an empty one), and a restore cut off
    /// between its renames is `StoreError::RestoreUnfinished` until it is finished or rolled back.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, CURRENT_SCHEMA, schema::MIGRATIONS)
    }

    /// Creates a new store in directory `path` (missing or without a store yet), or opens the one
    /// already there. Only `mingdan init`, `mingdan demo`, a restore building its copy, and tests
    /// create stores; everything else uses `open`. Refused like `open` while a restore of `path`
    /// is unfinished.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        Store::open_or_create(path, CURRENT_SCHEMA, schema::MIGRATIONS, true)
    }

    /// True when directory `path` holds a store (sled's directory inside it).
    pub fn exists(path: &Path) -> bool {
        path.join("sled").is_dir()
    }

    /// Opens expecting schema `target`, running `migrations` to get there; tests use this to
    /// exercise the upgrade path with schemas this build does not have yet.
    pub fn open_with(path: &Path, target: u32, migrations: &[Migration]) -> Result<Store, StoreError> {
        Store::open_or_create(path, target, migrations, false)
    }

    fn open_or_create(
        path: &Path,
        target: u32,
        migrations: &[Migration],
        create: bool,
    ) -> Result<Store, StoreError> {
        let open_err = |reason: String| StoreError::Open { path: path.to_path_buf(), reason };
        backup::refuse_unfinished_restore(path)?;
        if !create && !Store::exists(path) {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
                leftovers: backup::restore_leftovers_note(path),
            });
        }
        let new_dir = !path.exists();
        lock::create_private_dir(path).map_err(|e| open_err(e.to_string()))?;
        if new_dir && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The new store's own name must survive a power cut too.
            durable::sync_dir(parent).map_err(|e| open_err(e.to_string()))?;
        }
        let lock = lock::StoreLock::acquire(path)?;
        let db = open_sled(&path.join("sled")).map_err(|e| open_err(e.to_string()))?;
        let synced = durable::SyncedFiles::open(&path.join("sled")).map_err(|e| open_err(e.to_string()))?;
        let trees = Tree::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| open_err(e.to_string()))?;
        let undo = db.open_tree(bulk::UNDO_TREE).map_err(|e| open_err(e.to_string()))?;
        let id_base =
            match trees[Tree::Meta as usize].get(ID_BASE_KEY).map_err(|e| open_err(e.to_string()))? {
                Some(v) => <[u8; 8]>::try_from(v.as_ref())
                    .map(u64::from_be_bytes)
                    .map_err(|_| open_err("元数据 id_base 长度不对".into()))?,
                None => 0,
            };
        // Starting from the clock rather than 0 keeps the counter moving forward across restarts,
        // so a session that reconnects to a restarted server still sees "changed".
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let store = Store {
            db,
            trees: Arc::new(trees),
            undo,
            path: path.to_path_buf(),
            id_base,
            generation: Arc::new(AtomicU64::new(start)),
            synced: Arc::new(synced),
            _lock: Arc::new(lock),
            observers: Arc::default(),
        };
        schema::bring_up_to_date(&store, target, migrations)?;
        if store.tree(Tree::Meta).get(BRANCH_KEY)?.is_none() {
            let id =
                format!("{:032x}", fastrand::u128(..) ^ u128::from(start) ^ u128::from(std::process::id()));
            store.tree(Tree::Meta).insert(BRANCH_KEY, id.as_bytes())?;
            store.flush()?;
        }
        // An import cut off by a crash or a kill is undone before anyone reads the store.
        store.recover_bulk().map_err(|e| open_err(format!("撤销上次未完成的导入失败：{e}")))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store's branch identity (see `BRANCH_KEY`); `None` only for a store being built.
    pub fn branch_id(&self) -> Result<Option<String>, StoreError> {
        Ok(self.tree(Tree::Meta).get(BRANCH_KEY)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn tree(&self, t: Tree) -> &sled::Tree {
        &self.trees[t as usize]
    }

    /// Runs `f` as one transaction over every tree and flushes before returning, so a success the
    /// caller reports is on disk. `f` may run more than once if sled retries; it must not have
    /// side effects outside `tx`.
    pub fn write<R>(&self, f: impl Fn(&Tx) -> TxResult<R>) -> Result<R, StoreError> {
        use sled::transaction::Transactional;
        let refs: Vec<&sled::Tree> = self.trees.iter().collect();
        let saved = RefCell::new(Vec::new());
        let result = refs[..].transaction(|trees| {
            let tx = Tx::new(trees, self.id_base);
            let r = f(&tx)?;
            // Only the attempt that commits counts; a retried one is overwritten.
            *saved.borrow_mut() = tx.into_saved();
            Ok(r)
        })?;
        // Durable first; then, committed either way (reads already see it), the change counter
        // moves and the observers hear of it even if the flush failed.
        let flushed = self.flush();
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.notify(Saved::Clients(&saved.into_inner()));
        flushed?;
        Ok(result)
    }

    /// Moves on every successful write in this process; only "has it moved" is meaningful.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Registers an observer of saved clients (the service's search index) for as long as the
    /// caller keeps `observer` alive. The store knows nothing of what it does with them.
    pub fn observe_clients(&self, observer: &ClientObserver) {
        self.observers.lock().unwrap_or_else(|p| p.into_inner()).push(Arc::downgrade(observer));
    }

    fn notify(&self, saved: Saved<'_>) {
        if matches!(saved, Saved::Clients([])) {
            return;
        }
        let alive: Vec<ClientObserver> = {
            let mut list = self.observers.lock().unwrap_or_else(|p| p.into_inner());
            list.retain(|o| o.strong_count() > 0);
            list.iter().filter_map(Weak::upgrade).collect()
        };
        for o in alive {
            o(saved);
        }
    }

    /// A fresh identifier, unique for the life of the store, including across a restore.
    pub fn next_id(&self) -> Result<u64, StoreError> {
        offset_id(self.db.generate_id()?, self.id_base)
    }

    /// Makes every write so far durable, also against power loss: sled's flush, then an
    /// `fdatasync` of the files it wrote (see `durable`). Every acknowledged write comes here.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        self.synced.sync().map_err(|e| {
            StoreError::Io(format!(
                "无法把数据库 {} 写入磁盘（fdatasync）：{}",
                self.path.display(),
                crate::os::io_reason(&e)
            ))
        })
    }
}

fn offset_id(raw: u64, base: u64) -> Result<u64, StoreError> {
    raw.checked_add(base).ok_or_else(|| StoreError::Io("编号已用尽（id_base 过大）".into()))
}

/// sled's page cache. Its default (1 GiB) lets a process that reads or writes a million clients
/// grow past the 400 MB a branch server may use; the trees' hot pages fit well within this.
const CACHE_BYTES: u64 = 64 << 20;

/// Opens sled, waiting out a file lock that is still held for a moment. We hold our own lock by
/// now, so no other mingdan is using the store; what remains is a copy of the descriptor in a
/// child forked an instant ago (until it execs), or sled's background flusher from a handle
/// closed an instant ago.
fn open_sled(dir: &Path) -> Result<sled::Db, sled::Error> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        match sled::Config::new().path(dir).cache_capacity(CACHE_BYTES).open() {
            // sled reports it only as text (config.rs, `try_lock`).
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
