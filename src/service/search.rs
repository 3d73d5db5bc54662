//! Finding a client by what is at hand: name (characters, full pinyin, initials, any mix), phone,
//! client number, ID-number ending. The index (`crate::search`) is built from the store on a
//! background thread when the service starts, so the first screen never waits for it, and is fed
//! every client the store saves (through `Store::observe_clients`), so an edit is found at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::views::StaffRef;
use super::{Service, ServiceError};
use crate::domain::mask::{mask_id, mask_phone};
use crate::domain::{CardTier, ClientNo, Staff, StaffNo};
use crate::search::{Builder, Found, LiveIndex, Row, Searched};
use crate::store::{ClientObserver, Saved, Store};

pub use crate::search::{MatchField, MatchKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub no: ClientNo,
    pub name: String,
    /// Masked, as everywhere else: a search never reveals what the card would hide.
    pub phone: String,
    pub tier: CardTier,
    pub maintainer: Option<StaffRef>,
    /// On the searcher's own roster.
    pub mine: bool,
    pub field: MatchField,
    pub kind: MatchKind,
    /// Positions (in characters) of `name` that matched, for highlighting; empty when the match
    /// was on another field.
    pub name_highlight: Vec<usize>,
    /// The matched field as it may be shown: the name, the client number, or the phone or ID
    /// number masked.
    pub field_text: String,
    /// Positions (in characters) of `field_text` that matched, only where the mask shows them.
    pub field_highlight: Vec<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// False while the index is still being built after start-up (or rebuilt after a large
    /// import); `hits` is then empty and the search box should say so and ask again shortly.
    pub ready: bool,
}

/// The index and the threads building it.
pub(super) struct SearchState {
    builds: Arc<Builds>,
    /// What the store calls with saved clients; the store holds it weakly, so it stops when the
    /// service goes.
    _feed: ClientObserver,
}

struct Builds {
    live: Arc<LiveIndex>,
    /// Builds started and not yet known to have let go of the store: the first at start-up, one
    /// more after each bulk write.
    running: Mutex<Vec<Build>>,
}

struct Build {
    cancel: Arc<AtomicBool>,
    /// Set once the builder no longer holds the store (it has read every client).
    released: Arc<AtomicBool>,
    handle: JoinHandle<()>,
}

impl Builds {
    /// Starts building the index afresh from `store` on another thread; a build still running
    /// is told to stop, and its result would be dropped anyway.
    fn start(&self, store: &Store) {
        let epoch = self.live.restart();
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.retain(|b| !b.released.load(Ordering::Acquire));
        for b in running.iter() {
            b.cancel.store(true, Ordering::Relaxed);
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let released = Arc::new(AtomicBool::new(false));
        let job = {
            let (store, live, cancel, released) =
                (store.clone(), self.live.clone(), cancel.clone(), released.clone());
            move || build(store, &live, &cancel, &released, epoch)
        };
        match std::thread::Builder::new().name("search-index".into()).spawn(job) {
            Ok(handle) => running.push(Build { cancel, released, handle }),
            Err(e) => self.live.fail(format!("无法启动建立索引的线程：{e}")),
        }
    }
}

impl SearchState {
    /// Starts building the index from `store` in the background and subscribes it to every
    /// client the store saves from now on. A bulk write (an import of any size) starts the build
    /// over instead: applying a million rows one batch at a time would sort the index again and
    /// again, and holding them all to apply at once would hold the whole register in memory.
    pub(super) fn start(store: &Store) -> SearchState {
        let builds =
            Arc::new(Builds { live: Arc::new(LiveIndex::default()), running: Mutex::new(Vec::new()) });
        let feed: ClientObserver = {
            let builds = Arc::downgrade(&builds);
            let store = store.clone();
            Arc::new(move |saved| {
                let Some(builds) = builds.upgrade() else { return };
                match saved {
                    Saved::Clients(clients) => builds.live.apply(clients.iter().map(Row::of).collect()),
                    Saved::Many => builds.start(&store),
                }
            })
        };
        store.observe_clients(&feed);
        builds.start(store);
        SearchState { builds, _feed: feed }
    }

    fn live(&self) -> &LiveIndex {
        &self.builds.live
    }
}

fn build(store: Store, live: &LiveIndex, cancel: &AtomicBool, released: &AtomicBool, epoch: u64) {
    let read = read_all(&store, cancel);
    drop(store);
    released.store(true, Ordering::Release);
    match read {
        Ok(Some(builder)) => live.finish_epoch(builder.finish(), epoch),
        Ok(None) => {}
        Err(e) => live.fail(e),
    }
}

/// Every client into a builder; `None` if cancelled.
fn read_all(store: &Store, cancel: &AtomicBool) -> Result<Option<Builder>, String> {
    let mut builder = Builder::default();
    for c in store.clients() {
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        builder.add(&Row::of(&c.map_err(|e| e.to_string())?));
    }
    Ok(Some(builder))
}

impl Drop for SearchState {
    /// A service being closed must let go of the store (its lock file) before returning, so the
    /// same store can be opened again at once. A builder that has read every client holds
    /// nothing, and is left to finish on its own rather than delay quitting.
    fn drop(&mut self) {
        let running = std::mem::take(&mut *self.builds.running.lock().unwrap_or_else(|p| p.into_inner()));
        for b in &running {
            b.cancel.store(true, Ordering::Relaxed);
        }
        for b in running {
            if !b.released.load(Ordering::Acquire) {
                let _ = b.handle.join();
            }
        }
    }
}

impl Service {
    /// Clients matching `query`, best first: exact, then prefix, then initials, then fuzzy
    /// matches; within each, the searcher's own clients, then higher tier, then more recent
    /// contact, then client number. `limit` 0 means the default (50); at most 500.
    pub fn search(&self, actor: &Staff, query: String, limit: u32) -> Result<SearchResults, ServiceError> {
        match self.search.live().search(&query, Some(actor.no.as_str()), limit as usize) {
            Searched::Building => Ok(SearchResults { hits: Vec::new(), ready: false }),
            Searched::Failed(reason) => {
                Err(ServiceError::Store(format!("客户搜索暂不可用：读取客户数据失败（{reason}）")))
            }
            Searched::Ready(found) => {
                let mut staff: Vec<StaffRef> = Vec::new();
                let hits = found.into_iter().map(|f| self.hit(f, &mut staff)).collect::<Result<_, _>>()?;
                Ok(SearchResults { hits, ready: true })
            }
        }
    }

    /// Waits up to `timeout` for the index built at start-up; true once it is ready. For callers
    /// that cannot show "still indexing" (a one-off command, a test).
    pub fn wait_for_search(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        loop {
            if self.search.live().is_ready() {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn hit(&self, f: Found, staff: &mut Vec<StaffRef>) -> Result<SearchHit, ServiceError> {
        let maintainer = match f.maintainer.as_deref().map(StaffNo::parse) {
            Some(Ok(no)) => Some(match staff.iter().find(|s| s.no == no) {
                Some(s) => s.clone(),
                None => {
                    let s = self.staff_ref(&no)?;
                    staff.push(s.clone());
                    s
                }
            }),
            _ => None,
        };
        let phone = mask_phone(&f.phone);
        let (field_text, field_highlight) = match f.field {
            MatchField::Name => (f.name.clone(), f.positions.clone()),
            MatchField::ClientNo => (f.no.clone(), f.positions.clone()),
            MatchField::Phone => (phone.clone(), shown(&f.phone, &phone, &f.positions)),
            MatchField::IdNumber => {
                let masked = mask_id(&f.id_number);
                let at = shown(&f.id_number, &masked, &f.positions);
                (masked, at)
            }
        };
        Ok(SearchHit {
            no: ClientNo::parse(&f.no)?,
            name_highlight: if f.field == MatchField::Name { f.positions } else { Vec::new() },
            name: f.name,
            phone,
            tier: f.tier,
            maintainer,
            mine: f.mine,
            field: f.field,
            kind: f.kind,
            field_text,
            field_highlight,
        })
    }
}

/// The matched positions the mask leaves visible: highlighting a masked position would say which
/// hidden digits were typed.
fn shown(plain: &str, masked: &str, positions: &[usize]) -> Vec<usize> {
    let visible: Vec<bool> = plain.chars().zip(masked.chars()).map(|(p, m)| p == m).collect();
    positions.iter().copied().filter(|p| visible.get(*p).copied().unwrap_or(false)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_stay_off_masked_digits() {
        let phone = "13800138000";
        assert_eq!(shown(phone, &mask_phone(phone), &(0..11).collect::<Vec<_>>()), [0, 1, 2, 7, 8, 9, 10]);
        let id = "11010519491231002X";
        assert_eq!(shown(id, &mask_id(id), &[12, 13, 14, 15, 16, 17]), [14, 15, 16, 17]);
    }
}
