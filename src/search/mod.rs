//! The client search index: pure and in memory. The service builds it from the store in the
//! background, feeds it every client it writes, and asks it; nothing here touches the store.
//!
//! A query is answered kind by kind (exact, prefix, initials, fuzzy), best first. For each kind
//! the index finds its candidates without looking at every client: sorted name keys spelt out
//! syllable by syllable (`name_keys`), names in character order, sorted phone, ID-ending and
//! client-number arrays (`numbers`). Candidates are ranked by one precomputed integer per client
//! (`rank`). When a kind has very many candidates ("z" matches a fifth of all names), the index
//! instead walks the clients in rank order and stops at the first few that match. Only when the
//! structured kinds leave the list short does a fuzzy scan run over everything, and even that
//! first rules out most names with one AND of a letter mask. `matcher::classify` is the
//! definition of a match; every shortcut must agree with it, and the tests check that it does.

mod live;
mod matcher;
mod name_keys;
mod numbers;
mod query;
mod rank;
mod syllables;
mod table;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use live::{LiveIndex, Searched};
pub use table::Row;

use matcher::{Prepared, classify, fuzzy_name};
use name_keys::{Emit, NameKeys, keys_of};
use numbers::{NumberHits, NumberKeys};
use query::Unit;
use rank::{Rank, TopK};
use table::{Id, NO_MAINTAINER, Table, day_number};

use crate::domain::CardTier;

/// Which of the client's fields the query matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchField {
    Name,
    Phone,
    ClientNo,
    IdNumber,
}

/// How well it matched; results are ranked in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MatchKind {
    Exact,
    Prefix,
    Initials,
    Fuzzy,
}

pub const DEFAULT_LIMIT: usize = 50;
/// A search box shows a screenful; more than this is a listing, not a search.
pub const MAX_LIMIT: usize = 500;

/// Above this many candidates for one kind, walk the clients in rank order instead of ranking
/// every candidate (see `walk`). Ranking one candidate costs a few nanoseconds, checking one in
/// the walk a few hundred; with this many candidates the walk meets a match at least every
/// twenty clients at a million.
const WALK_ABOVE: usize = 50_000;

/// Edits in one write above this count rebuild the sorted arrays instead of shifting them entry
/// by entry (each shift moves up to a few megabytes at a million clients).
pub const REBUILD_ABOVE: usize = 256;

/// One search result, unmasked: the service masks it for the person searching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub no: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub tier: CardTier,
    pub maintainer: Option<String>,
    pub mine: bool,
    pub field: MatchField,
    pub kind: MatchKind,
    /// Character positions of the matched field that matched.
    pub positions: Vec<usize>,
}

pub struct SearchIndex {
    t: Table,
    names: NameKeys,
    /// Ids in the order of their names' typable characters, for queries in characters.
    by_name: Vec<Id>,
    /// For each character, the clients whose name has it (ascending ids): fuzzy queries in
    /// characters ("伟") look only there.
    chars: HashMap<char, Vec<Id>>,
    numbers: NumberKeys,
    rank: Rank,
    staff: HashMap<String, u32>,
    staff_nos: Vec<String>,
    by_maintainer: HashMap<u32, Vec<Id>>,
    walk_above: usize,
}

impl SearchIndex {
    pub fn build(rows: impl IntoIterator<Item = Row>) -> SearchIndex {
        let mut ix = SearchIndex {
            t: Table::default(),
            names: NameKeys::default(),
            by_name: Vec::new(),
            chars: HashMap::new(),
            numbers: NumberKeys::default(),
            rank: Rank::default(),
            staff: HashMap::new(),
            staff_nos: Vec::new(),
            by_maintainer: HashMap::new(),
            walk_above: WALK_ABOVE,
        };
        let rows: Vec<Row> = rows.into_iter().collect();
        ix.upsert_all(&rows);
        ix
    }

    /// For tests: walk already at a handful of candidates, so small data exercises that path.
    #[cfg(test)]
    fn walking_above(mut self, n: usize) -> SearchIndex {
        self.walk_above = n;
        self
    }

    pub fn len(&self) -> usize {
        self.t.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t.len() == 0
    }

    /// Heap bytes the index holds (capacities, not lengths).
    pub fn bytes(&self) -> usize {
        self.sizes().iter().map(|(_, n)| n).sum()
    }

    /// Heap bytes by part, for the benchmark's report.
    pub fn sizes(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("client table (text, numbers, tier, contact, masks)", self.t.bytes()),
            ("spelt name keys", self.names.bytes()),
            ("names in character order", self.by_name.capacity() * 4),
            ("clients by character", lists(self.chars.values())),
            ("phone, ID-ending, client-number arrays", self.numbers.bytes()),
            ("rank order", self.rank.bytes()),
            ("clients by maintainer", lists(self.by_maintainer.values())),
        ]
    }

    fn intern(&mut self, staff: &Option<String>) -> u32 {
        let Some(no) = staff else { return NO_MAINTAINER };
        if let Some(i) = self.staff.get(no) {
            return *i;
        }
        let i = self.staff_nos.len() as u32;
        self.staff.insert(no.clone(), i);
        self.staff_nos.push(no.clone());
        i
    }

    fn find(&self, no: &str) -> Option<Id> {
        let folded = no.to_ascii_lowercase();
        let v = &self.numbers.by_no;
        let at =
            v.partition_point(|id| (self.t.nos.folded(*id), self.t.nos.get(*id)) < (folded.as_bytes(), no));
        v.get(at).copied().filter(|id| self.t.nos.get(*id) == no)
    }

    /// Adds new clients and applies changes to known ones, so the next search sees them.
    pub fn upsert(&mut self, rows: &[Row]) {
        if rows.len() > REBUILD_ABOVE {
            self.upsert_all(rows);
        } else {
            for row in rows {
                self.upsert_one(row);
            }
        }
    }

    /// Writes every row into the table, then sorts everything afresh.
    fn upsert_all(&mut self, rows: &[Row]) {
        let mut added: HashMap<&str, Id> = HashMap::new();
        for row in rows {
            let m = self.intern(&row.maintainer);
            match self.find(&row.no).or_else(|| added.get(row.no.as_str()).copied()) {
                Some(id) => {
                    self.t.set_text(id, row);
                    self.set_standing(id, row, m);
                }
                None => {
                    added.insert(&row.no, self.t.push(row, m));
                }
            }
        }
        self.t.shrink();
        self.sort_everything();
    }

    fn set_standing(&mut self, id: Id, row: &Row, maintainer: u32) -> bool {
        let i = id as usize;
        self.t.maintainer[i] = maintainer;
        let moved = self.t.tier[i] != row.tier || self.t.last_contact[i] != day_number(row.last_contact);
        self.t.tier[i] = row.tier;
        self.t.last_contact[i] = day_number(row.last_contact);
        moved
    }

    fn sort_everything(&mut self) {
        let t = &self.t;
        let mut entries = Vec::with_capacity(t.len() * 2);
        let mut overflow = Vec::new();
        for id in 0..t.len() as Id {
            match keys_of(t.rec(id).name()) {
                Some(keys) => entries.extend(keys.into_iter().map(|k| (k, id))),
                None => overflow.push(id),
            }
        }
        self.names = NameKeys::build(entries, overflow);
        let mut by_name: Vec<Id> = (0..t.len() as Id).collect();
        by_name.sort_by_cached_key(|id| (typed_chars(t, *id).collect::<String>(), *id));
        self.by_name = by_name;
        let mut chars: HashMap<char, Vec<Id>> = HashMap::new();
        for id in 0..t.len() as Id {
            for c in distinct_chars(t, id) {
                chars.entry(c).or_default().push(id);
            }
        }
        chars.values_mut().for_each(|v| v.shrink_to_fit());
        self.chars = chars;
        self.numbers = NumberKeys::build(t);
        self.rank = Rank::build(t, &self.numbers.by_no);
        let mut by_maintainer: HashMap<u32, Vec<Id>> = HashMap::new();
        for (id, m) in t.maintainer.iter().enumerate() {
            if *m != NO_MAINTAINER {
                by_maintainer.entry(*m).or_default().push(id as Id);
            }
        }
        self.by_maintainer = by_maintainer;
    }

    fn upsert_one(&mut self, row: &Row) {
        let m = self.intern(&row.maintainer);
        let Some(id) = self.find(&row.no) else {
            let id = self.t.push(row, m);
            self.place_text(id, false);
            self.numbers.update(&self.t, id, false, true);
            self.rank.insert(&self.t, id);
            if m != NO_MAINTAINER {
                self.by_maintainer.entry(m).or_default().push(id);
            }
            return;
        };
        let rec = self.t.rec(id);
        let same_name = row.name.chars().take(table::MAX_NAME_CHARS).eq(rec.name().map(|s| s.ch));
        if !same_name || rec.phone() != row.phone || rec.id_number() != row.id_number {
            self.place_text(id, true);
            self.numbers.update(&self.t, id, true, false);
            self.t.set_text(id, row);
            self.place_text(id, false);
            self.numbers.update(&self.t, id, false, false);
        }
        let old = self.t.maintainer[id as usize];
        if old != m {
            if let Some(list) = self.by_maintainer.get_mut(&old) {
                list.retain(|o| *o != id);
            }
            if m != NO_MAINTAINER {
                let list = self.by_maintainer.entry(m).or_default();
                let at = list.partition_point(|o| *o < id);
                list.insert(at, id);
            }
        }
        if self.set_standing(id, row, m) {
            self.rank.reposition(&self.t, id);
        }
    }

    /// Puts the name of `id` as the table has it into (or takes it out of) the name arrays.
    fn place_text(&mut self, id: Id, remove: bool) {
        let keys = keys_of(self.t.rec(id).name());
        let t = &self.t;
        let at = self.by_name.partition_point(|o| {
            typed_chars(t, *o).cmp(typed_chars(t, id)).then(o.cmp(&id)) == std::cmp::Ordering::Less
        });
        if remove {
            self.names.remove(id, keys);
            if self.by_name.get(at) == Some(&id) {
                self.by_name.remove(at);
            }
        } else {
            self.names.insert(id, keys);
            self.by_name.insert(at, id);
        }
        for c in distinct_chars(&self.t, id) {
            let list = self.chars.entry(c).or_default();
            let at = list.partition_point(|o| *o < id);
            match (remove, list.get(at) == Some(&id)) {
                (true, true) => {
                    list.remove(at);
                }
                (false, false) => list.insert(at, id),
                _ => {}
            }
        }
    }

    /// The best `limit` clients for `query` as seen by staff member `actor` (their own clients
    /// rank first within a kind). An empty query finds nothing.
    pub fn search(&self, query: &str, actor: Option<&str>, limit: usize) -> Vec<Found> {
        let p = Prepared::new(query);
        if p.query.is_empty() {
            return Vec::new();
        }
        let limit = if limit == 0 { DEFAULT_LIMIT } else { limit.min(MAX_LIMIT) };
        let me = actor.and_then(|a| self.staff.get(a)).copied();
        let t = &self.t;
        let is_mine = |id: Id| me.is_some_and(|m| t.maintainer[id as usize] == m);
        let key = |id: Id| (u64::from(!is_mine(id)) << 32) | u64::from(self.rank.of(id));

        let mut sure: [Vec<&[Id]>; 3] = Default::default();
        let mut check: Vec<&[Id]> = Vec::new();
        self.candidates(&p, &mut sure, &mut check);
        let mut checked: [Vec<Id>; 3] = Default::default();
        for run in check {
            for &id in run {
                if let Some(m) = classify(t, id, &p, false)
                    && m.kind != MatchKind::Fuzzy
                {
                    checked[m.kind as usize].push(id);
                }
            }
        }

        let mut taken: Vec<(Id, MatchKind)> = Vec::new();
        for kind in [MatchKind::Exact, MatchKind::Prefix, MatchKind::Initials] {
            let k = kind as usize;
            if taken.len() == limit {
                break;
            }
            let count = sure[k].iter().map(|r| r.len()).sum::<usize>() + checked[k].len();
            if count > self.walk_above {
                let need = limit - taken.len();
                let found =
                    self.walk(me, need, |id| classify(t, id, &p, false).is_some_and(|m| m.kind == kind));
                taken.extend(found.into_iter().map(|id| (id, kind)));
                continue;
            }
            let mut top = TopK::new(limit);
            for &id in sure[k].iter().flat_map(|r| r.iter()).chain(&checked[k]) {
                top.offer(key(id), id);
            }
            take(&mut taken, top, kind, limit);
        }

        if taken.len() < limit {
            self.fuzzy(&p, me, limit, &mut taken, key);
        }

        taken
            .into_iter()
            .filter_map(|(id, kind)| {
                let m = classify(t, id, &p, true)?;
                debug_assert_eq!(m.kind, kind, "index and matcher disagree on {}", t.nos.get(id));
                let rec = t.rec(id);
                let maintainer = t.maintainer[id as usize];
                Some(Found {
                    no: t.nos.get(id).to_string(),
                    name: rec.name_string(),
                    phone: rec.phone().to_string(),
                    id_number: rec.id_number().to_string(),
                    tier: t.tier[id as usize],
                    maintainer: self.staff_nos.get(maintainer as usize).cloned(),
                    mine: is_mine(id),
                    field: m.field,
                    kind: m.kind,
                    positions: m.positions,
                })
            })
            .collect()
    }

    /// Fuzzy matches, after every better one is in `taken`: the name as a subsequence, the client
    /// number containing the query. A scan collects them; if they turn out to be very many, it
    /// stops and the clients are walked in rank order instead, which then meets one every few
    /// steps.
    fn fuzzy(
        &self,
        p: &Prepared,
        me: Option<u32>,
        limit: usize,
        taken: &mut Vec<(Id, MatchKind)>,
        key: impl Fn(Id) -> u64,
    ) {
        let t = &self.t;
        let cap = self.walk_above / 2;
        let by_name = |id: Id| t.mask[id as usize] & p.mask == p.mask && fuzzy_name(t, id, p);
        let by_no =
            |id: Id| p.alnum.as_ref().is_some_and(|q| memchr::memmem::find(t.nos.folded(id), q).is_some());
        let need = limit - taken.len();
        let already: Vec<Id> = taken.iter().map(|(id, _)| *id).collect();
        let fuzzy = |id: Id| !already.contains(&id) && (by_name(id) || by_no(id));
        // Common letters match a large share of names; a short walk in rank order then finds
        // the best of them long before a scan of every name would end.
        if !p.number
            && !p.query.has_chars()
            && let Ok(more) = self.walk_for(me, need, cap, fuzzy)
        {
            taken.extend(more.into_iter().map(|id| (id, MatchKind::Fuzzy)));
            return;
        }
        let mut found: Vec<Id> = Vec::new();
        let mut push = |id: Id| {
            found.push(id);
            found.len() <= cap
        };
        let mut whole = true;
        if !p.number {
            let chars =
                p.query.units.iter().filter_map(|u| if let Unit::Char(c) = u { Some(*c) } else { None });
            let fewest =
                chars.map(|c| self.chars.get(&c).map_or(&[][..], Vec::as_slice)).min_by_key(|l| l.len());
            match fewest {
                // A name with a character of the query is on that character's list.
                Some(list) => whole = list.iter().filter(|id| by_name(**id)).all(|id| push(*id)),
                None => {
                    whole = with_letters(&t.mask, p.mask).filter(|id| fuzzy_name(t, *id, p)).all(&mut push)
                }
            }
        }
        if whole && let Some(q) = &p.alnum {
            t.nos.containing(q, |id| {
                whole = push(id);
                whole
            });
        }
        if !whole {
            taken.extend(self.walk(me, need, fuzzy).into_iter().map(|id| (id, MatchKind::Fuzzy)));
            return;
        }
        let mut top = TopK::new(limit);
        for id in found {
            top.offer(key(id), id);
        }
        take(taken, top, MatchKind::Fuzzy, limit);
    }

    /// Runs of candidates per kind that match for sure (`sure`), and runs that need checking.
    fn candidates<'a>(&'a self, p: &Prepared, sure: &mut [Vec<&'a [Id]>; 3], check: &mut Vec<&'a [Id]>) {
        let t = &self.t;
        let mut numbers = NumberHits::default();
        if let Some(q) = &p.alnum {
            self.numbers.client_no(t, q, &mut numbers);
        }
        if let Some(id_form) = &p.id_form {
            self.numbers.numbers(t, p.digits.as_deref(), id_form, &mut numbers);
        }
        sure[0].extend(numbers.exact);
        sure[1].extend(numbers.prefix);
        check.extend(numbers.check);
        if p.number {
            return;
        }
        let units = &p.query.units;
        if units.iter().all(|u| matches!(u, Unit::Char(_))) {
            let q: Vec<char> =
                units.iter().filter_map(|u| if let Unit::Char(c) = u { Some(*c) } else { None }).collect();
            let v = &self.by_name;
            let lo = v.partition_point(|id| typed_chars(t, *id).lt(q.iter().copied()));
            let eq = lo + v[lo..].partition_point(|id| typed_chars(t, *id).eq(q.iter().copied()));
            let hi = eq + v[eq..].partition_point(|id| starts_with(typed_chars(t, *id), &q));
            sure[0].push(&v[lo..eq]);
            sure[1].push(&v[eq..hi]);
            return;
        }
        let mut emits: Vec<Emit> = Vec::new();
        self.names.spell(units, &p.char_syllables, &mut emits);
        let through_chars = p.query.has_chars();
        for e in &emits {
            if through_chars {
                check.push(self.names.ids(e));
            } else {
                sure[e.kind as usize].push(self.names.ids(e));
            }
        }
        check.push(&self.names.overflow);
    }

    /// The first `need` clients satisfying `accept`, in ranking order: the searcher's own clients
    /// by rank, then everyone else's by rank.
    fn walk(&self, me: Option<u32>, need: usize, accept: impl FnMut(Id) -> bool) -> Vec<Id> {
        self.walk_for(me, need, usize::MAX, accept).unwrap_or_else(|partial| partial)
    }

    /// `walk`, giving up after checking `budget` clients: `Err` with what it found by then.
    fn walk_for(
        &self,
        me: Option<u32>,
        need: usize,
        mut budget: usize,
        mut accept: impl FnMut(Id) -> bool,
    ) -> Result<Vec<Id>, Vec<Id>> {
        let mut found = Vec::with_capacity(need);
        let mut mine = match me.and_then(|m| self.by_maintainer.get(&m)) {
            Some(list) => list.clone(),
            None => Vec::new(),
        };
        mine.sort_unstable_by_key(|id| self.rank.of(*id));
        let others = self
            .rank
            .order()
            .iter()
            .copied()
            .filter(|id| me.is_none_or(|m| self.t.maintainer[*id as usize] != m));
        for id in mine.into_iter().chain(others) {
            if found.len() == need {
                return Ok(found);
            }
            if budget == 0 {
                return Err(found);
            }
            budget -= 1;
            if accept(id) {
                found.push(id);
            }
        }
        Ok(found)
    }
}

/// Heap bytes of a map's lists, with a rough allowance for the map's own slots.
fn lists<'a>(lists: impl Iterator<Item = &'a Vec<Id>>) -> usize {
    lists.map(|v| v.capacity() * 4 + 32).sum()
}

/// Appends the kept candidates not already taken with a better kind, up to `limit`. `top` kept
/// `limit` of them, so even after dropping those already taken there are enough.
fn take(taken: &mut Vec<(Id, MatchKind)>, top: TopK, kind: MatchKind, limit: usize) {
    for id in top.into_ids() {
        if taken.len() == limit {
            break;
        }
        if !taken.iter().any(|(t, _)| *t == id) {
            taken.push((id, kind));
        }
    }
}

/// The characters of a name that can be typed, in order (the "·" of a transliterated name left out).
fn typed_chars(t: &Table, id: Id) -> impl Iterator<Item = char> + '_ {
    t.rec(id).name().filter(|s| !s.skip).map(|s| s.ch)
}

/// Ids whose letter mask has every bit of `want`. The masks are tested 64 at a time into a word,
/// a loop the compiler turns into vector instructions; this is most of the cost of a fuzzy scan.
fn with_letters(masks: &[u64], want: u64) -> impl Iterator<Item = Id> + '_ {
    masks.chunks(64).enumerate().flat_map(move |(c, chunk)| {
        let mut bits = 0u64;
        for (i, m) in chunk.iter().enumerate() {
            bits |= u64::from(m & want == want) << i;
        }
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = bits.trailing_zeros();
                bits &= bits - 1;
                (c * 64) as Id + i
            })
        })
    })
}

fn distinct_chars(t: &Table, id: Id) -> Vec<char> {
    let mut chars: Vec<char> = t.rec(id).name().map(|s| s.ch).collect();
    chars.sort_unstable();
    chars.dedup();
    chars
}

fn starts_with(mut chars: impl Iterator<Item = char>, prefix: &[char]) -> bool {
    prefix.iter().all(|p| chars.next() == Some(*p))
}

#[cfg(test)]
mod tests;
