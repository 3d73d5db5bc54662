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
use crate::store::{ClientObserver, Store};

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

/// The index and the thread building it.
pub(super) struct SearchState {
    live: Arc<LiveIndex>,
    /// What the store calls with saved clients; the store holds it weakly, so it stops when the
    /// service goes.
    _feed: ClientObserver,
    cancel: Arc<AtomicBool>,
    /// Set once the builder no longer holds the store (it has read every client).
    released: Arc<AtomicBool>,
    builder: Mutex<Option<JoinHandle<()>>>,
}

impl SearchState {
    /// Starts building the index from `store` in the background and subscribes it to every
    /// client the store saves from now on.
    pub(super) fn start(store: &Store) -> SearchState {
        let live = Arc::new(LiveIndex::default());
        let index = live.clone();
        let feed: ClientObserver =
            Arc::new(move |clients| index.apply(clients.iter().map(Row::of).collect()));
        store.observe_clients(&feed);
        let cancel = Arc::new(AtomicBool::new(false));
        let released = Arc::new(AtomicBool::new(false));
        let job = {
            let (store, live, cancel, released) =
                (store.clone(), live.clone(), cancel.clone(), released.clone());
            move || build(store, &live, &cancel, &released)
        };
        let builder = match std::thread::Builder::new().name("search-index".into()).spawn(job) {
            Ok(handle) => Some(handle),
            Err(e) => {
                live.fail(format!("无法启动建立索引的线程：{e}"));
                None
            }
        };
        SearchState { live, _feed: feed, cancel, released, builder: Mutex::new(builder) }
    }
}

fn build(store: Store, live: &LiveIndex, cancel: &AtomicBool, released: &AtomicBool) {
    let mut builder = Builder::default();
    for c in store.clients() {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        match c {
            Ok(c) => builder.add(&Row::of(&c)),
            Err(e) => {
                live.fail(e.to_string());
                return;
            }
        }
    }
    drop(store);
    released.store(true, Ordering::Release);
    live.finish(builder.finish());
}

impl Drop for SearchState {
    /// A service being closed must let go of the store (its lock file) before returning, so the
    /// same store can be opened again at once. Once the builder has read every client it holds
    /// nothing, and is left to finish on its own rather than delay quitting.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        let handle = self.builder.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle
            && !self.released.load(Ordering::Acquire)
        {
            let _ = h.join();
        }
    }
}

impl Service {
    /// Clients matching `query`, best first: exact, then prefix, then initials, then fuzzy
    /// matches; within each, the searcher's own clients, then higher tier, then more recent
    /// contact, then client number. `limit` 0 means the default (50); at most 500.
    pub fn search(&self, actor: &Staff, query: String, limit: u32) -> Result<SearchResults, ServiceError> {
        match self.search.live.search(&query, Some(actor.no.as_str()), limit as usize) {
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
            if self.search.live.is_ready() {
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
