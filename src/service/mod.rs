//! The service: the only door to the store. Every request names the acting staff member; the
//! service checks their permission, does the work in one store transaction together with its
//! audit record, and returns a value. TUI, CLI and the branch server all come through here.

mod api;
mod assign;
pub mod audit;
pub mod backup;
mod bootstrap;
mod clients;
pub mod complaints;
mod contact_import;
mod contacts;
mod error;
mod export;
pub mod imports;
pub use contact_import::ContactRecord;
mod manage;
mod past;
mod periodic;
mod reports;
mod results;
mod roster;
mod scope;
pub mod search;
mod staff;
pub mod today;
pub mod views;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, Utc};

pub use api::{API_FINGERPRINT, Api, Request, Response, Session};
pub use backup::{BackupImage, RestoreOutcome};
pub use error::ServiceError;
pub use periodic::{HOUSEKEEPING_BATCH, Housekept};

use crate::domain::{AuditAction, AuditRecord, Permission, Staff, StaffNo};
use crate::store::Store;

/// Where the service gets the time. Rules never read a clock; the service reads this one.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// Branch time: China Standard Time has no daylight saving, so a fixed +08:00 is Asia/Shanghai.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Utc::now().with_timezone(&shanghai())
    }
}

/// A clock tests and the demo can set.
pub struct FixedClock(Mutex<DateTime<FixedOffset>>);

impl FixedClock {
    pub fn at(local: NaiveDateTime) -> FixedClock {
        FixedClock(Mutex::new(local.and_local_timezone(shanghai()).single().unwrap_or_else(|| {
            DateTime::<FixedOffset>::from_naive_utc_and_offset(local - chrono::Duration::hours(8), shanghai())
        })))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct Service {
    store: Store,
    clock: Arc<dyn Clock>,
    /// Writes read state, decide, then write; holding this across both keeps two writers from
    /// deciding on the same state. Only this process writes the store (sled's file lock).
    writer: Mutex<()>,
    /// The client search index, built in the background and fed by every store write.
    search: search::SearchState,
    /// Backups handed out and not yet reported saved (`backup_saved`), newest last.
    issued_backups: Mutex<Vec<backup::Issued>>,
    /// Held through a housekeeping run, so one runs at a time (`periodic`).
    housekeeping: Mutex<()>,
    /// Whether a background thread runs the housekeeping (`housekeep_in_background`).
    housekeeping_thread: std::sync::atomic::AtomicBool,
    housekeeping_wake: Arc<periodic::Wake>,
    /// Roster clients per housekeeping transaction (`set_housekeeping_batch`).
    housekeeping_batch: std::sync::atomic::AtomicUsize,
    /// Bytes of a backup file per `backup_part` answer (`set_backup_part`).
    backup_part: std::sync::atomic::AtomicUsize,
}

impl Service {
    /// Opens the existing store in `path`; never creates one (see `Store::open`): a missing
    /// store or an unfinished restore is refused with a sentence naming the path and the command
    /// to run.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Service, ServiceError> {
        let store = Store::open(path)?;
        Ok(Service::with_store(store, clock))
    }

    /// Creates a new store in `path`, or opens the one already there (see `Store::create`):
    /// for `mingdan init`, `mingdan demo` and tests only.
    pub fn create(path: &Path, clock: Arc<dyn Clock>) -> Result<Service, ServiceError> {
        let store = Store::create(path)?;
        Ok(Service::with_store(store, clock))
    }

    pub fn with_store(store: Store, clock: Arc<dyn Clock>) -> Service {
        Service::with_search(store, clock, true)
    }

    /// Opens the existing store in `path` as `open` does, without building the search index
    /// until something searches (`start_search`, or the first search): for one-off commands,
    /// most of which never search.
    pub fn open_lazy(path: &Path, clock: Arc<dyn Clock>) -> Result<Service, ServiceError> {
        let store = Store::open(path)?;
        Ok(Service::with_search(store, clock, false))
    }

    fn with_search(store: Store, clock: Arc<dyn Clock>, eager: bool) -> Service {
        // Backup files an earlier run made and nobody fetched (see `backup`); the store is ours
        // alone now (its lock), so nobody is fetching them.
        let _ = std::fs::remove_dir_all(store.path().join(backup::SPOOL_DIR));
        let search = search::SearchState::start(&store, eager);
        Service {
            store,
            clock,
            writer: Mutex::new(()),
            search,
            issued_backups: Mutex::default(),
            housekeeping: Mutex::new(()),
            housekeeping_thread: Default::default(),
            housekeeping_wake: Arc::default(),
            housekeeping_batch: periodic::HOUSEKEEPING_BATCH.into(),
            backup_part: backup::BACKUP_PART.into(),
        }
    }

    /// Starts building the search index in the background if nothing has yet (see
    /// `open_lazy`), so that it is ready by the time someone types; returns at once.
    pub fn start_search(&self) {
        self.search.ensure_started();
    }

    /// Whether the search index has been started (built or building), for diagnostics.
    pub fn search_started(&self) -> bool {
        self.search.started()
    }

    pub fn store_path(&self) -> &Path {
        self.store.path()
    }

    /// What opening the store had to put right, one Chinese sentence each (see
    /// `Store::open_notices`); the caller shows or logs them.
    pub fn open_notices(&self) -> &[String] {
        self.store.open_notices()
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now()
    }

    /// Branch local time.
    pub fn local_now(&self) -> NaiveDateTime {
        self.now().naive_local()
    }

    pub fn local_date(&self) -> NaiveDate {
        self.local_now().date()
    }

    /// `write_lock`, if it can be had within `wait`.
    fn try_write_lock(&self, wait: std::time::Duration) -> Option<MutexGuard<'_, ()>> {
        let until = std::time::Instant::now() + wait;
        loop {
            match self.writer.try_lock() {
                Ok(guard) => {
                    self.store.reopen_if_room();
                    return Some(guard);
                }
                Err(std::sync::TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) if std::time::Instant::now() < until => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(std::sync::TryLockError::WouldBlock) => return None,
            }
        }
    }

    fn write_lock(&self) -> MutexGuard<'_, ()> {
        // A panic in another writer poisoned the lock; the store itself is transactional, so the
        // state behind it is still whole.
        let guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        // After a write failed on a full disk, what the writer reads next must be what is on
        // disk, not what sled kept in memory of the failed write (see `store::space`).
        self.store.reopen_if_room();
        guard
    }

    /// Answers one request made by staff member `actor`.
    pub fn handle(&self, actor: &StaffNo, req: Request) -> Result<Response, ServiceError> {
        if self.store.needs_reopen() {
            // Space may be back: readers too should see the disk again, not a failed write.
            drop(self.write_lock());
        }
        // sled's errors carry no path; raised during this request they name this store.
        crate::store::naming(self.store.path(), || {
            let staff = self.acting(actor)?;
            self.before_request()?;
            self.dispatch(&staff, req)
        })
    }

    /// Answers one request that came over the branch server's socket from staff member
    /// `actor`. As `handle`, except that `audit verify` with a verification key is refused:
    /// whoever holds that key can forge every seal, and the server may be the machine an
    /// intruder holds (the CLI refuses it before sending; a client of another build may not).
    pub fn handle_remote(&self, actor: &StaffNo, req: Request) -> Result<Response, ServiceError> {
        if let Request::VerifyAudit { key: Some(_) } = &req {
            return Err(ServiceError::Denied(
                "验证密钥不能交给服务器核对（拿到它就能伪造封存）：请在一台可信的电脑上把备份恢复后用 \
                 mingdan --store 目录 audit verify --key … 核对；不带验证密钥的核对可以经服务器运行"
                    .into(),
            ));
        }
        self.handle(actor, req)
    }

    /// The staff member behind a session; unknown or inactive staff are refused.
    fn acting(&self, no: &StaffNo) -> Result<Staff, ServiceError> {
        match self.store.staff(no)? {
            Some(s) if s.active => Ok(s),
            Some(s) => Err(ServiceError::UnknownUser(format!(
                "工号 {}（{}）已停用，不能使用 mingdan；如有疑问请联系管理员",
                s.no, s.name
            ))),
            None => Err(ServiceError::UnknownUser(format!("工号 {no} 不在员工名录中，请联系管理员添加"))),
        }
    }

    /// The staff member an OS login belongs to; what the CLI and the branch server use to know
    /// who is at the keyboard.
    pub fn staff_for_login(&self, login: &str) -> Result<Staff, ServiceError> {
        match self.store.staff_by_login(login)? {
            Some(s) if s.active => Ok(s),
            Some(s) => Err(ServiceError::UnknownUser(format!(
                "登录名 {login} 对应的工号 {}（{}）已停用，请联系管理员",
                s.no, s.name
            ))),
            None => Err(ServiceError::UnknownUser(format!(
                "登录名 {login} 不在员工名录中。请管理员添加您，例如：\n  \
                 mingdan staff add --no 工号 --name 姓名 --role 柜员 --outlet 网点 --login {login}\n\
                 或在员工名单 CSV 的“登录名”列填写 {login} 后执行 mingdan import staff 文件.csv"
            ))),
        }
    }

    fn require(&self, actor: &Staff, needed: Permission, what: &str) -> Result<(), ServiceError> {
        if actor.may(needed) {
            Ok(())
        } else {
            Err(ServiceError::Denied(format!(
                "{what}需要{}权限，{}是{}",
                needed.label(),
                actor.name,
                actor.permission.label()
            )))
        }
    }

    /// An audit record with nothing else to write: reveals and exports.
    fn audit_only(&self, rec: &AuditRecord) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        self.store.write(|tx| tx.audit(rec))?;
        Ok(())
    }

    pub fn check(&self, actor: &Staff) -> Result<crate::store::CheckReport, ServiceError> {
        self.require(actor, Permission::Admin, "检查数据库")?;
        self.check_store()
    }

    /// The check reads one tree after another; with writers held off it compares records and
    /// indexes from one moment, instead of reporting a write that landed halfway as damage.
    fn check_store(&self) -> Result<crate::store::CheckReport, ServiceError> {
        let _w = self.write_lock();
        Ok(self.store.check(self.local_date())?)
    }

    pub fn audit(&self, actor: &Staff, filter: views::AuditFilter) -> Result<Vec<AuditRecord>, ServiceError> {
        self.require(actor, Permission::Manager, "查看审计记录")?;
        let limit = if filter.limit == 0 { usize::MAX } else { filter.limit as usize };
        let mut out = Vec::new();
        for rec in self.store.audit().rev() {
            let rec = rec?;
            let date = rec.at.date_naive();
            if filter.to.is_some_and(|to| date > to) {
                continue;
            }
            if filter.from.is_some_and(|from| date < from) {
                break;
            }
            let keep = filter.actor.as_ref().is_none_or(|a| &rec.actor == a)
                && filter.action.is_none_or(|a| rec.action == a)
                && filter.target.as_ref().is_none_or(|t| &rec.target == t);
            if keep {
                out.push(rec);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn audit_record(&self, actor: &str, action: AuditAction, target: &str, detail: String) -> AuditRecord {
        AuditRecord::new(self.now(), actor, action, target, detail)
    }
}
