//! Finding a client by what is at hand: name (characters, full pinyin, initials, any mix), phone,
//! client number, ID-number ending. The index (`crate::search`) is built from the store on a
//! background thread when the service starts (opened for a one-off command, `open_lazy`: when
//! something first searches), so the first screen never waits for it, and is fed
//! every client the store saves (through `Store::observe_clients`), so an edit is found at once.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::views::StaffRef;
use super::{Service, ServiceError};
use crate::domain::mask::{mask_id, mask_phone};
use crate::domain::{AuditAction, CardTier, ClientNo, Sensitive, Staff, StaffNo};
use crate::search::{Builder, Found, LiveIndex, Row, Searched, number_typed, whole_number_shape};
use crate::store::{ClientObserver, Derived, Saved, Store};

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

impl SearchHit {
    /// Whether a phone or ID number matched by its last digits (尾号, "5683" for 138****5683), not
    /// by its start: both are `MatchKind::Prefix` to the ranking, but a label saying 开头相符 for
    /// a phone's ending misleads. Read from where the highlight sits, the ending being always shown.
    pub fn by_ending(&self) -> bool {
        let len = self.field_text.chars().count();
        matches!(self.field, MatchField::Phone | MatchField::IdNumber)
            && self.kind == MatchKind::Prefix
            && self.field_highlight.first().is_some_and(|&at| at > 0)
            && self.field_highlight.last().is_some_and(|&at| at + 1 == len)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// False while the index is still being built after start-up (or rebuilt after a large
    /// import); `hits` is then empty and the search box should say so and ask again shortly.
    pub ready: bool,
    /// A Chinese sentence for the search box: set when the searcher has used up this hour's
    /// whole-number searches of others' clients (`Rules::whole_number_searches_per_hour`), so
    /// whole phone and ID numbers they may not see matched nothing. Given for every number query
    /// then, whether or not some hidden number would have matched, so that its presence says
    /// nothing about the hidden digits.
    pub notice: Option<String>,
    /// About how many clients match in all: `hits.len()` when the list is not capped, otherwise
    /// an estimate, so a capped list can say "前 50 位（共约 1,234 位）" rather than look complete.
    #[serde(default)]
    pub about: usize,
}

/// Whole-number searches that counted against each staff member's hourly limit, keyed by 工号:
/// when, and the number as typed (normalised), so asking again (a screen refreshing, Enter
/// pressed twice) counts once. Kept in memory: a restart forgets the last hour, which costs a
/// guesser a restart of the branch server, not a way round the audit.
type WholeNumberLog = HashMap<String, Vec<(DateTime<FixedOffset>, String)>>;

/// The index kept beside the store between runs (`Service::keep_search_index`).
const INDEX_FILE: &str = "search.index";

/// Where the search index in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOrigin {
    /// Read from the file kept beside the store at the last close: the store had not changed.
    Read,
    /// Built from every client; why the kept file was not used, in Chinese.
    Built { why: String },
}

/// What is known of the kept index file.
#[derive(Debug, Default)]
struct Kept {
    origin: Option<IndexOrigin>,
    /// The write count the file beside the store was made at, when it is this index's.
    file_at: Option<u64>,
}

/// How long a whole-number search counts against the limit.
const WHOLE_NUMBER_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// The index and the threads building it.
pub(super) struct SearchState {
    builds: Arc<Builds>,
    /// The store to build from once the index is first wanted, until then (`start` lazily).
    /// Taken by the first `ensure_started`.
    pending: Mutex<Option<Store>>,
    /// What the store calls with saved clients; the store holds it weakly, so it stops when the
    /// service goes.
    _feed: ClientObserver,
    /// Whole-number searches of others' clients in the last hour, per staff member.
    whole_numbers: Mutex<WholeNumberLog>,
}

struct Builds {
    live: Arc<LiveIndex>,
    /// Set once a build was started: until then saves are not fed to the index (the first
    /// build reads the store as it is then, saves included).
    started: AtomicBool,
    /// Builds started and not yet known to have let go of the store: the first at start-up, one
    /// more after each bulk write.
    running: Mutex<Vec<Build>>,
    kept: Arc<Mutex<Kept>>,
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
            let (store, live, kept, cancel, released) =
                (store.clone(), self.live.clone(), self.kept.clone(), cancel.clone(), released.clone());
            move || build(store, &live, &kept, &cancel, &released, epoch)
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
    ///
    /// With `eager` false nothing is built until the index is first wanted (`ensure_started`: a
    /// search, `wait_for_search`, or a front end that will search): a one-off command that never
    /// searches (an export, `audit`, `check`) then does not pay for reading and indexing every
    /// client (1.8 s and 1.1 GB at a million, issue #13).
    pub(super) fn start(store: &Store, eager: bool) -> SearchState {
        let builds = Arc::new(Builds {
            live: Arc::new(LiveIndex::default()),
            started: AtomicBool::new(false),
            running: Mutex::new(Vec::new()),
            kept: Arc::default(),
        });
        let feed: ClientObserver = {
            let builds = Arc::downgrade(&builds);
            let store = store.clone();
            Arc::new(move |saved| {
                let Some(builds) = builds.upgrade() else { return };
                if !builds.started.load(Ordering::Acquire) {
                    return;
                }
                match saved {
                    Saved::Clients(clients) => builds.live.apply(clients.iter().map(Row::of).collect()),
                    Saved::Many => builds.start(&store),
                }
            })
        };
        store.observe_clients(&feed);
        let state = SearchState {
            builds,
            pending: Mutex::new(Some(store.clone())),
            _feed: feed,
            whole_numbers: Mutex::new(HashMap::new()),
        };
        if eager {
            state.ensure_started();
        }
        state
    }

    pub(super) fn started(&self) -> bool {
        self.builds.started.load(Ordering::Acquire)
    }

    /// Starts the first build unless one was started; returns at once.
    pub(super) fn ensure_started(&self) {
        let Some(store) = self.pending.lock().unwrap_or_else(|p| p.into_inner()).take() else { return };
        // Saves from here on are fed to the index; the build reads what was saved before.
        self.builds.started.store(true, Ordering::Release);
        self.builds.start(&store);
    }

    fn live(&self) -> &LiveIndex {
        &self.builds.live
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.builds.kept.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads the index kept beside the store when it was made from the store as it is now (a
/// start after a clean close: under a second at a million clients, against seconds of decrypting
/// every client), and otherwise builds it from every client.
fn build(
    store: Store,
    live: &LiveIndex,
    kept: &Mutex<Kept>,
    cancel: &AtomicBool,
    released: &AtomicBool,
    epoch: u64,
) {
    let lock = || kept.lock().unwrap_or_else(|p| p.into_inner());
    let why = match store.load_derived(INDEX_FILE) {
        Derived::Current { made_at, body } => match crate::search::SearchIndex::from_bytes(&body) {
            Ok(ix) => {
                drop(body);
                drop(store);
                released.store(true, Ordering::Release);
                *lock() = Kept { origin: Some(IndexOrigin::Read), file_at: Some(made_at) };
                live.finish_epoch(ix, epoch);
                return;
            }
            Err(e) => format!("保存的索引无法读取（{e}）"),
        },
        Derived::Missing => "没有保存的索引".to_string(),
        Derived::Stale { made_at, now } => {
            format!("保存的索引是第 {made_at} 次写入时的，数据库已写到第 {now} 次")
        }
        Derived::Refused(why) => why,
    };
    let read = read_all(&store, cancel);
    drop(store);
    released.store(true, Ordering::Release);
    match read {
        Ok(Some(builder)) => {
            *lock() = Kept { origin: Some(IndexOrigin::Built { why }), file_at: None };
            live.finish_epoch(builder.finish(), epoch)
        }
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

/// How long closing a service waits for a cancelled index build to let go of the store.
const BUILD_STOP: std::time::Duration = std::time::Duration::from_secs(5);

impl Drop for SearchState {
    /// A service being closed must let go of the store (its lock file) before returning, so the
    /// same store can be opened again at once. A builder that has read every client holds
    /// nothing, and is left to finish on its own rather than delay quitting. One stuck inside
    /// sled on a damaged store never notices it was cancelled: after `BUILD_STOP` it is left
    /// behind, holding the store, rather than hang the process on its way out.
    fn drop(&mut self) {
        let running = std::mem::take(&mut *self.builds.running.lock().unwrap_or_else(|p| p.into_inner()));
        for b in &running {
            b.cancel.store(true, Ordering::Relaxed);
        }
        let deadline = std::time::Instant::now() + BUILD_STOP;
        for b in running {
            while !b.released.load(Ordering::Acquire) && !b.handle.is_finished() {
                if std::time::Instant::now() >= deadline {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            if b.handle.is_finished() {
                let _ = b.handle.join();
            }
        }
    }
}

impl Service {
    /// Keeps the search index beside the store (`search.index` in its directory, sealed with the
    /// data key and stamped with the store's write count; see `store::derived`), so the next
    /// start reads it instead of building it again — if the store has not changed meanwhile.
    /// For when the service is closing (the server stopping, the app quitting). Returns whether
    /// a file was written: not when the index is not ready, or the file already matches.
    /// Errors: the index could not be encoded or the file not written (the next start then builds
    /// the index, as without the file).
    pub fn keep_search_index(&self) -> Result<bool, ServiceError> {
        // Writers change clients under this lock and tell the index before letting go of it, so
        // while it is held the count and the index agree.
        let (made_at, body) = {
            // Not waited for long: at a server's stop, a writer still holding it is a request
            // stuck in a damaged store, and stopping must not wait on it (the next start builds).
            let Some(_w) = self.try_write_lock(std::time::Duration::from_secs(1)) else {
                return Ok(false);
            };
            let made_at = self.store.written_count()?;
            if self.search.kept().file_at == Some(made_at) {
                return Ok(false);
            }
            match self.search.live().with_ready(crate::search::SearchIndex::to_bytes) {
                None => return Ok(false),
                Some(Err(e)) => return Err(ServiceError::Store(format!("搜索索引无法保存：{e}"))),
                Some(Ok(body)) => (made_at, body),
            }
        };
        self.store.save_derived(INDEX_FILE, made_at, body)?;
        self.search.kept().file_at = Some(made_at);
        Ok(true)
    }

    /// Where the search index in use came from; `None` while it is first being made.
    pub fn search_origin(&self) -> Option<IndexOrigin> {
        self.search.kept().origin.clone()
    }

    /// Clients matching `query`, best first: whole names (exact, then by initials: `zw` lists
    /// 张伟 before 周文博), then names that start so, then fuzzy matches (those spelt as one run
    /// first), then names one typo away; within each, the searcher's own clients, then higher
    /// tier, then more recent contact, then client number. `limit` 0 means the default (50); at
    /// most 500. `about` in the answer says about how many match when the list is capped.
    ///
    /// A whole phone or ID number confirms the digits the mask hides, so it matches a client
    /// freely only when the searcher may see that number: the client is on their own roster, or
    /// they revealed the field today. Any other such match is a reveal: it is audited (查看敏感信息,
    /// target the client, detail the field and the masked number) before the results are
    /// returned, and counts against `Rules::whole_number_searches_per_hour`, as does a search
    /// shaped like a whole mobile or resident ID that matches nobody the searcher may see
    /// (`crate::search::whole_number_shape`). Beyond the limit such matches are left out and
    /// `notice` says why. Managers and administrators are held to the same rule: their screens
    /// mask these numbers too. Errors: the index could not be read; the audit could not be
    /// written (nothing hidden is returned then).
    pub fn search(&self, actor: &Staff, query: String, limit: u32) -> Result<SearchResults, ServiceError> {
        self.search.ensure_started();
        let found = match self.search.live().search(&query, Some(actor.no.as_str()), limit as usize) {
            Searched::Building => {
                return Ok(SearchResults { hits: Vec::new(), ready: false, notice: None, about: 0 });
            }
            Searched::Failed(reason) => {
                return Err(ServiceError::Store(format!("客户搜索暂不可用：读取客户数据失败（{reason}）")));
            }
            Searched::Ready(answer) => answer,
        };
        let (found, about) = (found.found, found.about);
        let (found, notice) = match number_typed(&query) {
            Some(number) => self.guard_whole_numbers(actor, &number, found)?,
            None => (found, None),
        };
        let mut staff: Vec<StaffRef> = Vec::new();
        let hits: Vec<SearchHit> =
            found.into_iter().map(|f| self.hit(f, &mut staff)).collect::<Result<_, _>>()?;
        // A list under the limit is complete. (Whole-number matches left out above leave it so,
        // and the count must not tell that they were there.)
        let capped = hits.len() >= crate::search::effective_limit(limit as usize);
        let about = if capped { about.max(hits.len()) } else { hits.len() };
        Ok(SearchResults { hits, ready: true, notice, about })
    }

    /// `search` for scripts (`mingdan search`): the same masked results, audited as an export
    /// (导出, target 搜索结果, detail the query and how many lines), like every other way masked
    /// client data leaves the app in bulk. Errors: those of `search`; the audit could not be
    /// written (nothing is returned then).
    pub fn search_export(
        &self,
        actor: &Staff,
        query: String,
        limit: u32,
    ) -> Result<SearchResults, ServiceError> {
        let results = self.search(actor, query.clone(), limit)?;
        if results.ready {
            let shown: String = crate::domain::inert(&query).chars().take(40).collect();
            let detail = format!("查询“{shown}”，{} 行，已遮蔽", results.hits.len());
            self.audit_export(actor, "搜索结果", detail)?;
        }
        Ok(results)
    }

    /// Applies the whole-number rule of `search` to the matches of number query `number`:
    /// audits and counts the matches of hidden numbers, or leaves them out beyond the limit.
    fn guard_whole_numbers(
        &self,
        actor: &Staff,
        number: &str,
        mut found: Vec<Found>,
    ) -> Result<(Vec<Found>, Option<String>), ServiceError> {
        let today = self.local_date();
        let mut reveals: Option<HashSet<(String, String)>> = None;
        // Matches that show the searcher nothing new: a client number, or a whole number they
        // may see. A search answered by one is a lookup, not a guess.
        let mut resolved = false;
        let mut hidden: Vec<usize> = Vec::new();
        for (i, f) in found.iter().enumerate() {
            match whole_number_field(f) {
                None => resolved |= f.field == MatchField::ClientNo && f.kind != MatchKind::Fuzzy,
                Some(field) => {
                    let seen = f.mine || {
                        let revealed = match &mut reveals {
                            Some(r) => r,
                            None => reveals.insert(self.revealed_on(actor, today)),
                        };
                        revealed.contains(&(f.no.clone(), field.label().to_string()))
                    };
                    if seen {
                        resolved = true;
                    } else {
                        hidden.push(i);
                    }
                }
            }
        }
        let counts = !hidden.is_empty() || (whole_number_shape(number) && !resolved);
        let limit = self.store.rules()?.whole_number_searches_per_hour as usize;
        let now = self.now();
        // Decided under the log's lock, audited after it is let go: the audit waits for the
        // writer lock, which an import may hold for a long time, and other searches must not
        // queue behind it.
        let (over, repeat) = {
            let mut log = self.search.whole_numbers.lock().unwrap_or_else(|p| p.into_inner());
            let mine = log.entry(actor.no.to_string()).or_default();
            mine.retain(|(at, _)| now.signed_duration_since(*at) < WHOLE_NUMBER_WINDOW);
            let repeat = mine.iter().any(|(_, q)| q == number);
            let over = !repeat && mine.len() >= limit;
            if counts && !repeat && !over {
                mine.push((now, number.to_string()));
            }
            (over, repeat)
        };
        if over {
            // Beyond the limit no hidden number matches, and the notice depends only on what the
            // searcher may see (a number query answered by none of it gets the notice, whether or
            // not a hidden number would have matched), so it cannot itself confirm a guess.
            let mut i = 0;
            found.retain(|_| {
                i += 1;
                !hidden.contains(&(i - 1))
            });
            if resolved {
                return Ok((found, None));
            }
            let notice = format!(
                "本小时按完整手机号或证件号搜索非本人名单客户已达 {limit} 次上限，他人客户的完整号码暂不匹配；\
                 仍可按姓名、客户号或号码可见的前三位、后四位查找，或在客户卡片上查看号码（留痕）。"
            );
            return Ok((found, Some(notice)));
        }
        // A repeat within the hour was counted and audited the first time; a hidden match new
        // since then (a number just imported) is audited now all the same.
        let _ = repeat;
        self.audit_whole_number_matches(actor, &found, &hidden)?;
        Ok((found, None))
    }

    /// One 查看敏感信息 record per match of a hidden number, written before any is returned.
    fn audit_whole_number_matches(
        &self,
        actor: &Staff,
        found: &[Found],
        hidden: &[usize],
    ) -> Result<(), ServiceError> {
        let recs: Vec<_> = hidden
            .iter()
            .filter_map(|i| found.get(*i))
            .filter_map(|f| {
                let field = whole_number_field(f)?;
                let masked = match field {
                    Sensitive::IdNumber => mask_id(&f.id_number),
                    _ => mask_phone(&f.phone),
                };
                let detail = format!("{}（整号搜索 {masked}）", field.label());
                Some(self.audit_record(actor.no.as_str(), AuditAction::Reveal, &f.no, detail))
            })
            .collect();
        if recs.is_empty() {
            return Ok(());
        }
        let _w = self.write_lock();
        self.store.write(|tx| {
            for rec in &recs {
                tx.audit(rec)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// (client number, field label) of every field `actor` revealed on `day`, by the card's
    /// reveal or an audited whole-number search. Reads the audit trail back from its newest
    /// record to the start of the day; a record that cannot be read counts as no reveal.
    fn revealed_on(&self, actor: &Staff, day: chrono::NaiveDate) -> HashSet<(String, String)> {
        let mut out = HashSet::new();
        for rec in self.store.audit().rev() {
            let Ok(rec) = rec else { continue };
            if rec.at.date_naive() < day {
                break;
            }
            if rec.action == AuditAction::Reveal && rec.actor == actor.no.as_str() {
                // "手机号码" from the card, "手机号码（整号搜索 …）" from a search.
                let label = rec.detail.split('（').next().unwrap_or_default().to_string();
                out.insert((rec.target, label));
            }
        }
        out
    }

    /// Waits up to `timeout` for the index built at start-up; true once it is ready. For callers
    /// that cannot show "still indexing" (a one-off command, a test).
    pub fn wait_for_search(&self, timeout: Duration) -> bool {
        self.search.ensure_started();
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

/// The masked field a match confirms in full, if it does: an exact match of a phone or ID
/// number. Every other number match is on digits the mask shows (`crate::search` matcher).
fn whole_number_field(f: &Found) -> Option<Sensitive> {
    match (f.field, f.kind) {
        (MatchField::Phone, MatchKind::Exact) => Some(Sensitive::Phone),
        (MatchField::IdNumber, MatchKind::Exact) => Some(Sensitive::IdNumber),
        _ => None,
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
