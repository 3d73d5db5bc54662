//! The sled store: one tree per entity plus the index trees the screens scan (see `keys`), every
//! value in a versioned envelope (`codec`), multi-tree writes in one transaction, flushed before
//! the caller hears of success. Only `service` uses this module.

pub mod backup;
mod bulk;
mod chain;
mod check;
pub mod codec;
pub mod deadline;
mod derived;
mod durable;
pub mod encrypt;
mod error;
pub mod fields;
pub mod keys;
mod lock;
mod mark;
mod read;
mod records;
mod schema;
mod snapshots;
pub mod space;
mod tx;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use crate::domain::Client;

pub use bulk::{BULK_BATCH_ROWS, Bulk};
pub use chain::{ChainHead, ChainReport, SealFound, entry_hash};
pub use check::CheckReport;
pub use codec::Record;
pub use derived::Derived;
pub use error::{StoreError, naming};
pub use read::DraftEntry;
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
    Quarters,
    BalanceChanges,
    Complaints,
    ComplaintsByClient,
    OpenComplaintsByOwner,
    ComplaintDrafts,
}

impl Tree {
    pub const ALL: [Tree; 22] = [
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
        Tree::Quarters,
        Tree::BalanceChanges,
        Tree::Complaints,
        Tree::ComplaintsByClient,
        Tree::OpenComplaintsByOwner,
        Tree::ComplaintDrafts,
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
            Tree::Quarters => "quarters",
            Tree::BalanceChanges => "balance_changes",
            Tree::Complaints => "complaints",
            Tree::ComplaintsByClient => "complaints_by_client",
            Tree::OpenComplaintsByOwner => "open_complaints_by_owner",
            Tree::ComplaintDrafts => "complaint_drafts",
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

/// Meta key holding the id of the store's data key (`fields::FieldKey::id`): once present, the
/// store opens only with that key, and a backup names the key its clients were sealed with.
pub(crate) const FIELD_KEY_ID: &[u8] = b"field_key_id";

/// Meta key holding the branch's backup recipients: age public keys, one a line.
pub(crate) const RECIPIENTS_KEY: &[u8] = b"backup_recipients";

/// The store's data key and the file it was read from, for sealing and opening clients'
/// sensitive fields (see `fields`).
pub(crate) struct Fields {
    key: fields::FieldKey,
    path: PathBuf,
}

impl Fields {
    /// `c` as stored: sensitive fields sealed.
    pub(crate) fn seal(&self, c: &Client) -> Result<fields::StoredClient, StoreError> {
        fields::StoredClient::seal(c, &self.key)
    }

    /// A stored client with its sensitive fields opened.
    pub(crate) fn open(&self, c: fields::StoredClient) -> Result<Client, StoreError> {
        c.open(&self.key, &self.path)
    }
}

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

/// sled's handles to the open database, replaced whole when the store opens it again after a
/// failed write (see `space`).
struct Sled {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    /// Undo records of a bulk write in progress (see `bulk`); empty otherwise. Not one of
    /// `Tree::ALL`: it is neither backed up nor checked, and holds nothing once a bulk write ends.
    undo: sled::Tree,
    /// Synced after every flush (see `durable`): what makes a flushed write survive power loss.
    synced: durable::SyncedFiles,
}

/// Why sled's directory could not be opened: sled's own error (damage is told from the system's
/// refusals by the caller) or the system's, syncing its files.
enum OpenSled {
    Sled(sled::Error),
    System(std::io::Error),
}

impl Sled {
    /// Opens sled's directory `dir` and every tree.
    fn open(dir: &Path) -> Result<Sled, OpenSled> {
        let db = open_sled(dir).map_err(OpenSled::Sled)?;
        let synced = durable::SyncedFiles::open(dir).map_err(OpenSled::System)?;
        let trees = Tree::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(OpenSled::Sled)?;
        let undo = db.open_tree(bulk::UNDO_TREE).map_err(OpenSled::Sled)?;
        Ok(Sled { db, trees, undo, synced })
    }
}

#[derive(Clone)]
pub struct Store {
    /// Always `Some` outside `reopen`, which holds the write lock while the slot is empty.
    sled: Arc<RwLock<Option<Arc<Sled>>>>,
    /// Set when sled failed to write: sled refuses every later write until the database is
    /// opened again, which the next write does once there is room (see `space`).
    needs_reopen: Arc<AtomicBool>,
    /// Bumped by every reopen; a bulk write started before one cannot go on (see `bulk`).
    reopens: Arc<AtomicU64>,
    /// Free bytes below which writes are refused before sled is touched (see `space`).
    reserve: u64,
    path: PathBuf,
    id_base: u64,
    /// Bumped after every flushed write; sessions poll it to notice other sessions' changes.
    generation: Arc<AtomicU64>,
    _lock: Arc<lock::StoreLock>,
    /// Acknowledged writes, kept outside sled (see `mark`).
    mark: Arc<mark::Mark>,
    observers: Observers,
    /// What opening had to put right, in Chinese, for the user and the server's log (see
    /// `open_notices`).
    open_notices: Arc<Vec<String>>,
    /// Set while a `check` worker runs, including one that missed its deadline and is still
    /// stuck in sled (see `check`).
    check_running: Arc<std::sync::atomic::AtomicBool>,
    /// The data key sealing clients' sensitive fields (see `fields`).
    fields: Arc<Fields>,
}

/// How a guarded open failed (see `Store::open_guarded`).
enum OpenFailure {
    /// Refused or failed; no worker is left behind, so the open may be tried again.
    Failed(StoreError),
    /// The worker missed its deadline and still holds sled's files.
    Stuck(StoreError),
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

    /// `open` with the data key read from `key_file` instead of the one beside `path`: a restore
    /// checks its copy (built under another name) with the key of the store it will replace.
    pub(crate) fn open_keyed(path: &Path, key_file: &Path) -> Result<Store, StoreError> {
        Store::open_or_create(path, key_file, CURRENT_SCHEMA, schema::MIGRATIONS, false)
    }

    /// `create` with the data key of `key_file` (see `open_keyed`).
    pub(crate) fn create_keyed(path: &Path, key_file: &Path) -> Result<Store, StoreError> {
        Store::open_or_create(path, key_file, CURRENT_SCHEMA, schema::MIGRATIONS, true)
    }

    /// Creates a new store in directory `path` (missing or without a store yet), or opens the one
    /// already there. Only `mingdan init`, `mingdan demo`, a restore building its copy, and tests
    /// create stores; everything else uses `open`. Refused like `open` while a restore of `path`
    /// is unfinished.
    ///
    /// The store's data key file (`fields::key_path`) is created with it when there is none.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        Store::open_or_create(path, &fields::key_path(path), CURRENT_SCHEMA, schema::MIGRATIONS, true)
    }

    /// True when directory `path` holds a store (sled's directory inside it).
    pub fn exists(path: &Path) -> bool {
        path.join("sled").is_dir()
    }

    /// Opens expecting schema `target`, running `migrations` to get there; tests use this to
    /// exercise the upgrade path with schemas this build does not have yet.
    pub fn open_with(path: &Path, target: u32, migrations: &[Migration]) -> Result<Store, StoreError> {
        Store::open_or_create(path, &fields::key_path(path), target, migrations, false)
    }

    fn open_or_create(
        path: &Path,
        key_file: &Path,
        target: u32,
        migrations: &[Migration],
        create: bool,
    ) -> Result<Store, StoreError> {
        let open_err = |reason: String| StoreError::Open { path: path.to_path_buf(), reason };
        backup::refuse_unfinished_restore(path)?;
        // A store this account may not look into is not a missing one.
        if let Err(e) = std::fs::metadata(path.join("sled"))
            && e.kind() == std::io::ErrorKind::PermissionDenied
        {
            return Err(open_err(lock::permission_hint(&e)));
        }
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
        let first = match Store::open_guarded(path, key_file, target, migrations, Vec::new()) {
            Ok(store) => return Ok(store),
            Err(OpenFailure::Stuck(e)) => return Err(e),
            Err(OpenFailure::Failed(e)) if !e.is_damage() => return Err(e),
            Err(OpenFailure::Failed(e)) => e,
        };
        // sled reads the snapshot file with the highest number (a stale `snap.*.generating`
        // left by a crash counts too) and refuses to open if it is damaged, although the log
        // alone holds everything: the snapshot only saves replaying it. So the damaged snapshots
        // are moved aside, kept, and the open tried once more; then, where the written mark can
        // tell an older store from the real one, every snapshot (a stale sound one too).
        let sled_dir = path.join("sled");
        let marked = path.join(mark::MARK_FILE).exists();
        let mut reported = first;
        for (step, take) in [snapshots::move_aside, snapshots::move_all_aside].into_iter().enumerate() {
            if step == 1 && !marked {
                break;
            }
            let Some(aside) = take(&sled_dir) else { continue };
            match Store::open_guarded(path, key_file, target, migrations, vec![aside.notice(path)]) {
                Ok(store) => return Ok(store),
                Err(OpenFailure::Stuck(e)) => return Err(e),
                Err(OpenFailure::Failed(e)) => {
                    // Not the snapshots' fault: the store is left as it was found, for the
                    // restore (which keeps it aside) and for whoever looks at it.
                    aside.put_back(&sled_dir);
                    if e.is_damage() {
                        reported = e;
                    }
                }
            }
        }
        Err(reported)
    }

    /// Takes the store's lock, then opens sled and everything after it on a worker under
    /// `deadline::open_deadline` (see `deadline`): a damaged log can make sled's recovery loop
    /// forever or panic.
    fn open_guarded(
        path: &Path,
        key_file: &Path,
        target: u32,
        migrations: &[Migration],
        notices: Vec<String>,
    ) -> Result<Store, OpenFailure> {
        let lock = lock::StoreLock::acquire(path).map_err(OpenFailure::Failed)?;
        let dir = path.to_path_buf();
        let key_file = key_file.to_path_buf();
        let migrations = migrations.to_vec();
        let limit = deadline::open_deadline();
        let opened = deadline::run("open", limit, move || {
            naming(&dir, || Store::open_locked(&dir, &key_file, lock, target, &migrations, notices))
        });
        match opened {
            Ok(result) => result.map_err(OpenFailure::Failed),
            Err(deadline::Failure::TimedOut(d)) => {
                lock::abandoned(path);
                Err(OpenFailure::Stuck(StoreError::damaged(
                    path,
                    format!("打开超过 {} 秒仍未完成", d.as_secs()),
                )))
            }
            Err(deadline::Failure::Panicked) => {
                Err(OpenFailure::Failed(StoreError::damaged(path, "打开时数据库程序意外中止")))
            }
            Err(deadline::Failure::NoThread) => Err(OpenFailure::Failed(StoreError::Open {
                path: path.to_path_buf(),
                reason: "无法启动打开数据库的线程".into(),
            })),
        }
    }

    /// Everything opening does once `lock` is held; runs on the open worker.
    fn open_locked(
        path: &Path,
        key_file: &Path,
        lock: lock::StoreLock,
        target: u32,
        migrations: &[Migration],
        notices: Vec<String>,
    ) -> Result<Store, StoreError> {
        let open_err = |reason: String| StoreError::Open { path: path.to_path_buf(), reason };
        let sled = Sled::open(&path.join("sled")).map_err(|e| match e {
            OpenSled::Sled(sled::Error::Io(e)) => open_err(crate::os::io_reason(&e)),
            OpenSled::Sled(other) => StoreError::from(other),
            OpenSled::System(e) => open_err(e.to_string()),
        })?;
        let id_base = read_id_base(&sled.trees[Tree::Meta as usize]).map_err(open_err)?;
        let written = match sled.trees[Tree::Meta as usize].get(mark::SEQ_KEY) {
            Ok(v) => v.map_or(0, |v| mark::decode(&v)),
            Err(e) => return Err(StoreError::from(e)),
        };
        let (mark, held) = mark::Mark::open(path).map_err(|e| open_err(crate::os::io_reason(&e)))?;
        match held {
            Some(acknowledged) if written < acknowledged => {
                return Err(StoreError::damaged(
                    path,
                    format!(
                        "数据库只含前 {written} 次写入，而已确认的写入有 {acknowledged} 次：之后的内容已丢失\
                         （数据库文件损坏或被截断）"
                    ),
                ));
            }
            Some(_) => {}
            // A store from before the mark, or a new one: the mark starts here.
            None => mark.advance(written, None).map_err(|e| open_err(crate::os::io_reason(&e)))?,
        }
        let fields = Arc::new(load_key(path, key_file, &sled.trees[Tree::Meta as usize])?);
        // Starting from the clock rather than 0 keeps the counter moving forward across restarts,
        // so a session that reconnects to a restarted server still sees "changed".
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let store = Store {
            sled: Arc::new(RwLock::new(Some(Arc::new(sled)))),
            needs_reopen: Arc::default(),
            reopens: Arc::default(),
            reserve: space::reserve_bytes(),
            path: path.to_path_buf(),
            id_base,
            generation: Arc::new(AtomicU64::new(start)),
            _lock: Arc::new(lock),
            mark: Arc::new(mark),
            observers: Arc::default(),
            open_notices: Arc::new(notices),
            check_running: Arc::default(),
            fields,
        };
        schema::bring_up_to_date(&store, target, migrations)?;
        if !space::has_ballast(path)
            && space::free_bytes(path).is_ok_and(|f| f >= store.room_needed(false, false))
        {
            let _ = space::lay_ballast(path);
        }
        if store.tree(Tree::Meta).get(FIELD_KEY_ID)?.is_none() {
            store.tree(Tree::Meta).insert(FIELD_KEY_ID, store.fields.key.id().as_bytes())?;
            store.flush()?;
        }
        if store.tree(Tree::Meta).get(BRANCH_KEY)?.is_none() {
            let id =
                format!("{:032x}", fastrand::u128(..) ^ u128::from(start) ^ u128::from(std::process::id()));
            store.tree(Tree::Meta).insert(BRANCH_KEY, id.as_bytes())?;
            store.flush()?;
        }
        // An import cut off by a crash or a kill is undone before anyone reads the store.
        store.recover_bulk().map_err(|e| match e {
            e @ StoreError::Damaged { .. } => e,
            e => open_err(format!("撤销上次未完成的导入失败：{e}")),
        })?;
        Ok(store)
    }

    /// `c` (as read from the `clients` tree) with its sensitive fields opened with the data key.
    pub(crate) fn open_client(&self, c: fields::StoredClient) -> Result<Client, StoreError> {
        self.fields.open(c)
    }

    /// The data key sealing this store's clients (see `fields`), for `mingdan key export`.
    pub fn field_key(&self) -> &fields::FieldKey {
        &self.fields.key
    }

    /// The file the data key was read from.
    pub fn field_key_path(&self) -> &Path {
        &self.fields.path
    }

    /// Seals and opens clients for code that handles stored values directly (the upgrade).
    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    /// What opening this store had to put right (damaged snapshot files moved aside), one
    /// Chinese sentence each; empty almost always. The CLI prints them, the server logs them.
    pub fn open_notices(&self) -> &[String] {
        &self.open_notices
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store's branch identity (see `BRANCH_KEY`); `None` only for a store being built.
    pub fn branch_id(&self) -> Result<Option<String>, StoreError> {
        Ok(self.tree(Tree::Meta).get(BRANCH_KEY)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// sled's current handles. Readers wait here while `reopen` swaps them.
    fn sled(&self) -> Arc<Sled> {
        let slot = self.sled.read().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(s) => s.clone(),
            // `reopen` leaves the slot empty only by ending the process.
            None => lost(&self.path, "数据库没有打开"),
        }
    }

    fn tree(&self, t: Tree) -> sled::Tree {
        self.sled().trees[t as usize].clone()
    }

    fn undo(&self) -> sled::Tree {
        self.sled().undo.clone()
    }

    /// Runs `f` as one transaction over every tree and flushes before returning, so a success the
    /// caller reports is on disk. `f` may run more than once if sled retries; it must not have
    /// side effects outside `tx`.
    ///
    /// Refused with `StoreError::DiskFull` before sled is touched while the disk holding the
    /// store has less than the reserve free (see `space`).
    pub fn write<R>(&self, f: impl Fn(&Tx) -> TxResult<R>) -> Result<R, StoreError> {
        use sled::transaction::{TransactionError, Transactional};
        self.ensure_room()?;
        let sled = self.sled();
        let refs: Vec<&sled::Tree> = sled.trees.iter().collect();
        let saved = RefCell::new(Vec::new());
        let result = refs[..]
            .transaction(|trees| {
                let tx = Tx::new(trees, self.id_base, &self.fields);
                let r = f(&tx)?;
                // Only the attempt that commits counts; a retried one is overwritten.
                *saved.borrow_mut() = tx.into_saved();
                // Counted in the same transaction, for the written mark (see `mark`).
                let meta = &trees[Tree::Meta as usize];
                let raw = meta.get(mark::SEQ_KEY)?;
                let seq = raw.as_deref().map_or(0, mark::decode) + 1;
                // The audit chain head after the count stays as the write left it.
                let head = raw.as_deref().and_then(|r| r.get(8..)).unwrap_or(&[]);
                meta.insert(mark::SEQ_KEY, [&seq.to_be_bytes()[..], head].concat())?;
                Ok((r, seq))
            })
            .map_err(|e| match e {
                TransactionError::Abort(inner) => inner,
                TransactionError::Storage(e) => self.failed(e),
            });
        drop(refs);
        drop(sled);
        let (result, seq) = match result {
            Ok(r) => r,
            Err(e) => {
                self.reopen_if_room();
                return Err(e);
            }
        };
        // Durable first; then, committed either way (reads already see it), the change counter
        // moves and the observers hear of it even if the flush failed.
        let flushed = self.flush();
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.notify(Saved::Clients(&saved.into_inner()));
        if flushed.is_err() {
            // What sled kept in memory of the unsaved write goes with the old handles.
            self.reopen_if_room();
        }
        flushed?;
        // After the store's own sync, so the mark never claims more than is on disk. A mark that
        // could not be written only trails the store.
        let head = self.chain_head().ok().filter(|h| h.seq > 0).map(|h| (h.seq, h.hash));
        let _ = self.mark.advance(seq, head);
        Ok(result)
    }

    /// Refuses a write while the disk has less than the reserve free, and opens sled again first
    /// when an earlier write failed inside it (see `space`).
    pub(crate) fn ensure_room(&self) -> Result<(), StoreError> {
        let reopen = self.needs_reopen.load(Ordering::SeqCst);
        let ballast = space::has_ballast(&self.path);
        let need = self.room_needed(reopen, ballast);
        // A file system that cannot tell its free space is written to; sled reports a real
        // shortage, which lands in `failed`.
        if let Ok(free) = space::free_bytes(&self.path)
            && free < need
        {
            return Err(self.disk_full(free, need));
        }
        if !ballast {
            // Best effort: a file system without room accounting may refuse it; sled still
            // reports a real shortage.
            let _ = space::lay_ballast(&self.path);
        }
        if reopen {
            self.reopen()?;
        }
        Ok(())
    }

    /// Free bytes a write needs: the reserve; room to open sled again when an earlier write
    /// failed inside it; and room to lay the ballast again on top when it is missing (used for
    /// a reopen, or a store from before it), so the room it freed never goes to writes.
    fn room_needed(&self, reopen: bool, ballast: bool) -> u64 {
        let base = if reopen || !ballast { self.reserve.max(space::REOPEN_MIN_BYTES) } else { self.reserve };
        if ballast { base } else { base + space::BALLAST_BYTES }
    }

    /// What a write that failed inside sled reports; marks sled's handles for reopening when the
    /// failure was an I/O error, after which sled writes nothing more (see `space`).
    fn failed(&self, e: sled::Error) -> StoreError {
        let sled::Error::Io(io) = &e else { return e.into() };
        self.needs_reopen.store(true, Ordering::SeqCst);
        let free = space::free_bytes(&self.path).ok();
        let need = self.room_needed(true, space::has_ballast(&self.path));
        if space::is_full(io) || free.is_some_and(|f| f < self.reserve.max(space::REOPEN_MIN_BYTES)) {
            self.disk_full(free.unwrap_or(0), need)
        } else {
            StoreError::Io(format!("写入数据库 {} 失败：{}", self.path.display(), crate::os::io_reason(io)))
        }
    }

    fn disk_full(&self, free: u64, need: u64) -> StoreError {
        let (free, need) = (space::human(free), space::human(need));
        space::note_refusal(&self.path, &free, &need);
        StoreError::DiskFull { path: self.path.clone(), free, need }
    }

    /// True after a write failed inside sled, until sled is opened again (see `space`).
    pub fn needs_reopen(&self) -> bool {
        self.needs_reopen.load(Ordering::SeqCst)
    }

    /// Opens sled again if a write failed inside it and the disk has room for that now (sled
    /// cannot be opened on a full disk: its recovery fails). Until then sled's memory may still
    /// hold what the failed write changed, so readers could see it; the service calls this as it
    /// takes its writer lock, so no write decides anything from that memory, and as any request
    /// comes in. The caller must keep other writers out (the service's writer lock). A failure
    /// is left for the next write to report.
    pub fn reopen_if_room(&self) {
        if !self.needs_reopen() {
            return;
        }
        // Reopening needs less than a write: writes are still held to the reserve by
        // `ensure_room`, readers only need sled's memory to be the disk again.
        let room = || space::free_bytes(&self.path).is_ok_and(|f| f >= space::REOPEN_MIN_BYTES);
        if !room() {
            // What the ballast is for: until sled is opened again, reads that make it split a
            // page fail too (see `space`).
            space::release_ballast(&self.path);
        }
        if room() {
            let _ = self.reopen();
        }
    }

    /// Closes sled's handles and opens the database in place again: the only way to clear the
    /// error sled keeps after a failed write (see `space`). Writers are held off by the caller
    /// (the service's writer lock); readers wait on `sled` meanwhile. A reader still holding old
    /// handles (an iterator being read) keeps sled's file lock, so opening is retried for up to
    /// `REOPEN_WAIT`. If the database cannot be opened again the process ends with a sentence
    /// saying so: no handle is left to serve from, and a restart (systemd's, for `serve`) opens it
    /// as at any start.
    fn reopen(&self) -> Result<(), StoreError> {
        const REOPEN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
        {
            let mut slot = self.sled.write().unwrap_or_else(|p| p.into_inner());
            // Ours may be the last handle: dropping it closes sled's log and lets its lock go.
            drop(slot.take());
            let deadline = std::time::Instant::now() + REOPEN_WAIT;
            let fresh = loop {
                match Sled::open(&self.path.join("sled")) {
                    Ok(s) => break s,
                    Err(_) if std::time::Instant::now() < deadline => {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    Err(_) => lost(&self.path, "数据库文件打不开或已损坏"),
                }
            };
            // The same store: ids must go on from the same base.
            if read_id_base(&fresh.trees[Tree::Meta as usize]).ok() != Some(self.id_base) {
                lost(&self.path, "重新打开后元数据 id_base 与之前不同");
            }
            *slot = Some(Arc::new(fresh));
        }
        self.needs_reopen.store(false, Ordering::SeqCst);
        self.reopens.fetch_add(1, Ordering::SeqCst);
        // An import the full disk cut off is undone now, as on opening; and whatever observers
        // built from the unsaved write is rebuilt from the store.
        self.recover_bulk()?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.notify(Saved::Many);
        Ok(())
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
        let raw = self.sled().db.generate_id().map_err(|e| self.failed(e))?;
        offset_id(raw, self.id_base)
    }

    /// Makes every write so far durable, also against power loss: sled's flush, then an
    /// `fdatasync` of the files it wrote (see `durable`). Every acknowledged write comes here.
    pub fn flush(&self) -> Result<(), StoreError> {
        let sled = self.sled();
        sled.db.flush().map_err(|e| self.failed(e))?;
        sled.synced.sync().map_err(|e| {
            // Not known to be on disk: opened again before the next write, as after sled's own
            // failures.
            self.needs_reopen.store(true, Ordering::SeqCst);
            if space::is_full(&e) {
                let need = self.room_needed(true, space::has_ballast(&self.path));
                return self.disk_full(space::free_bytes(&self.path).unwrap_or(0), need);
            }
            StoreError::Io(format!(
                "无法把数据库 {} 写入磁盘（fdatasync）：{}",
                self.path.display(),
                crate::os::io_reason(&e)
            ))
        })
    }
}

/// The store's data key from `key_file`. A store that has recorded its key's id must find that
/// key there; one that has not (a new store, or one from before schema 5 about to be upgraded)
/// uses the key in the file, or creates the file with a new key.
///
/// An existing store records the key's id here, before any upgrade seals a client with it: an
/// upgrade cut off half way and then started again without the key file must be refused by
/// name, not given a new key that cannot read the clients sealed so far. A brand-new store's id
/// is recorded by `open_locked` once its schema is set (its meta must look empty until then).
fn load_key(path: &Path, key_file: &Path, meta: &sled::Tree) -> Result<Fields, StoreError> {
    let recorded = meta.get(FIELD_KEY_ID)?.map(|v| String::from_utf8_lossy(&v).into_owned());
    let key = match (fields::FieldKey::read(key_file)?, &recorded) {
        (Some(key), _) => key,
        (None, Some(_)) => {
            return Err(StoreError::KeyMissing { path: key_file.to_path_buf(), store: path.to_path_buf() });
        }
        (None, None) => {
            let key = fields::FieldKey::generate();
            key.write_new(key_file)?;
            key
        }
    };
    match recorded {
        Some(expected) if expected != key.id() => {
            return Err(StoreError::KeyMismatch {
                path: key_file.to_path_buf(),
                store: path.to_path_buf(),
                found: key.id().to_string(),
                expected,
            });
        }
        Some(_) => {}
        None if meta.contains_key(schema::SCHEMA_KEY)? => {
            // The key file is already durable (`write_new` syncs it): a crash between the two
            // leaves a key not yet recorded, which the next open records here.
            meta.insert(FIELD_KEY_ID, key.id().as_bytes())?;
            meta.flush()?;
        }
        None => {}
    }
    Ok(Fields { key, path: key_file.to_path_buf() })
}

/// The `id_base` meta entry (0 when absent); the error is a sentence for `StoreError::Open`.
fn read_id_base(meta: &sled::Tree) -> Result<u64, String> {
    match meta.get(ID_BASE_KEY).map_err(|e| e.to_string())? {
        Some(v) => <[u8; 8]>::try_from(v.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| "元数据 id_base 长度不对".to_string()),
        None => Ok(0),
    }
}

/// Ends the process when sled's database, closed to clear a failed write, cannot be opened
/// again (see `Store::reopen`): nothing is left to read or write through.
fn lost(path: &Path, reason: &str) -> ! {
    eprintln!(
        "mingdan：数据库 {} 在写入失败后无法重新打开（{reason}），mingdan 只能退出；请检查磁盘后重新启动 \
         mingdan（mingdan serve 由 systemd 自动重启），必要时运行 mingdan check",
        path.display()
    );
    std::process::exit(1)
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
