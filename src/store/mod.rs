//! The sled store: one tree per entity plus the index trees the screens scan (see `keys`), every
//! value in a versioned envelope (`codec`), multi-tree writes in one transaction, flushed before
//! the caller hears of success. Only `service` uses this module.

mod check;
pub mod codec;
mod error;
pub mod keys;
mod lock;
mod read;
mod records;
mod schema;
mod tx;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use crate::domain::Client;

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
}

impl Tree {
    pub const ALL: [Tree; 14] = [
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
        }
    }
}

/// Told of every client a write saved, right after the write commits.
pub type ClientObserver = Arc<dyn Fn(&[Client]) + Send + Sync>;
type Observers = Arc<Mutex<Vec<Weak<dyn Fn(&[Client]) + Send + Sync>>>>;

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    trees: Arc<Vec<sled::Tree>>,
    path: PathBuf,
    _lock: Arc<lock::StoreLock>,
    observers: Observers,
}

impl Store {
    /// Opens (creating if needed) the store in directory `path`, upgrading an older schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, CURRENT_SCHEMA, schema::MIGRATIONS)
    }

    /// Opens expecting schema `target`, running `migrations` to get there; tests use this to
    /// exercise the upgrade path with schemas this build does not have yet.
    pub fn open_with(path: &Path, target: u32, migrations: &[Migration]) -> Result<Store, StoreError> {
        let open_err = |reason: String| StoreError::Open { path: path.to_path_buf(), reason };
        lock::create_private_dir(path).map_err(|e| open_err(e.to_string()))?;
        let lock = lock::StoreLock::acquire(path)?;
        let db = sled::Config::new().path(path.join("sled")).open().map_err(|e| open_err(e.to_string()))?;
        let trees = Tree::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| open_err(e.to_string()))?;
        let store = Store {
            db,
            trees: Arc::new(trees),
            path: path.to_path_buf(),
            _lock: Arc::new(lock),
            observers: Arc::default(),
        };
        schema::bring_up_to_date(&store, target, migrations)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
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
            let tx = Tx::new(trees);
            let r = f(&tx)?;
            // Only the attempt that commits counts; a retried one is overwritten.
            *saved.borrow_mut() = tx.into_saved();
            Ok(r)
        })?;
        // Committed, so reads already see it: the observer must too, even if the flush fails.
        self.notify(&saved.into_inner());
        self.db.flush()?;
        Ok(result)
    }

    /// Registers an observer of saved clients (the service's search index) for as long as the
    /// caller keeps `observer` alive. The store knows nothing of what it does with them.
    pub fn observe_clients(&self, observer: &ClientObserver) {
        self.observers.lock().unwrap_or_else(|p| p.into_inner()).push(Arc::downgrade(observer));
    }

    fn notify(&self, clients: &[Client]) {
        if clients.is_empty() {
            return;
        }
        let alive: Vec<ClientObserver> = {
            let mut list = self.observers.lock().unwrap_or_else(|p| p.into_inner());
            list.retain(|o| o.strong_count() > 0);
            list.iter().filter_map(Weak::upgrade).collect()
        };
        for o in alive {
            o(clients);
        }
    }

    /// A fresh identifier, unique for the life of the store.
    pub fn next_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()?)
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}
