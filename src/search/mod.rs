//! The client search index: pure and in memory. The service builds it from the store in the
//! background, feeds it every client it writes, and asks it; nothing here touches the store.
//!
//! A query is answered kind by kind (exact, initials, prefix, fuzzy, typo), best first, and within a
//! kind names read with every character's primary reading before those that needed a rarer one
//! (`Grade`). For each grade the index finds its candidates without looking at every client:
//! sorted name keys spelt out syllable by syllable (`name_keys`), names in character order,
//! sorted phone, ID-ending and client-number arrays (`numbers`). Candidates are ranked by one
//! precomputed integer per client (`rank`). When a grade has very many candidates ("z" matches a
//! fifth of all names), the index instead walks the clients in rank order and stops at the first
//! few that match. Only when the structured kinds leave the list short does a fuzzy scan run over
//! everything, and even that first rules out most names with one AND of a letter mask.
//! `matcher::classify` is the definition of a match; every shortcut must agree with it, and the
//! tests check that it does.

mod answer;
mod client_numbers;
mod live;
mod matcher;
mod name_code;
mod name_keys;
mod numbers;
mod query;
mod rank;
mod syllables;
mod table;
mod typo;

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub use answer::Answer;
pub use live::{LiveIndex, Searched};
pub use table::Row;

use name_keys::{NameKeys, keys_of};
use numbers::NumberKeys;
use rank::Rank;
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

/// How well it matched; results are ranked in this order. The first two cover the whole name
/// (or number), so `zw` lists 张伟 before 周文博, whose 博 was not typed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MatchKind {
    /// The whole name, every character spelt out in full or typed ("zhangwei", "张伟"); the
    /// whole phone, ID or client number.
    Exact,
    /// The whole name, some syllable given only by its start: its initials ("zw" for 张伟), or a
    /// last syllable not finished yet ("zhangw", "张w").
    Initials,
    /// The start of a longer name, spelt any of those ways ("zhang", "zw" for 周文博), or the part
    /// of a number the mask shows.
    Prefix,
    /// The query's letters in order somewhere in the name's spellings, or inside a client number.
    Fuzzy,
    /// A spelt query of four or more letters with one letter swapped, missing, extra or wrong
    /// ("zhnagwei", "zhangwie" for 张伟): after every match of what was typed.
    Typo,
}

/// Whether a name matched with each character's primary reading (a surname's surname reading,
/// otherwise the dictionary's first), or needed another reading of some character. The
/// dictionary lists rare and archaic readings too (立 is also wèi), so within a kind of match the
/// names read the usual way come first: "zw" lists 张伟 before 张立新. Other readings still
/// match (长 is zhang or chang, 乐 le or yue); they only rank later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reading {
    Primary,
    Other,
    /// A character typed matched a different character that reads the same (张玮 for 张伟, the
    /// commonest slip when a name is heard over the phone): after every match of the characters
    /// themselves.
    Sound,
}

/// Fuzzy matches are graded by how closely the query sits in the name: spelt as one run in the
/// name's usual reading ("xiang" in 王祥 wangxiang, "nana" in 李娜娜 linana), or typed as a run of
/// its characters, they come before letters scattered over it or found through a rarer reading
/// (单于洋 for "xiang" only as 单 chan + 于 xu… ). The grade reuses `Reading` for the two levels.
pub(crate) const FUZZY_RUN: Reading = Reading::Primary;
/// See `FUZZY_RUN`.
pub(crate) const FUZZY_SCATTERED: Reading = Reading::Other;

/// The order results are answered in: by kind, and within a kind primary readings first.
/// Numbers and typos are always `Primary`; fuzzy matches use `FUZZY_RUN` and `FUZZY_SCATTERED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Grade {
    pub kind: MatchKind,
    pub reading: Reading,
}

impl Grade {
    pub const fn new(kind: MatchKind, reading: Reading) -> Grade {
        Grade { kind, reading }
    }

    pub const fn primary(kind: MatchKind) -> Grade {
        Grade::new(kind, Reading::Primary)
    }

    /// Every grade before fuzzy, best first; `index` is the position here.
    pub const STRUCTURED: [Grade; 9] = [
        Grade::primary(MatchKind::Exact),
        Grade::new(MatchKind::Exact, Reading::Other),
        Grade::new(MatchKind::Exact, Reading::Sound),
        Grade::primary(MatchKind::Initials),
        Grade::new(MatchKind::Initials, Reading::Other),
        Grade::new(MatchKind::Initials, Reading::Sound),
        Grade::primary(MatchKind::Prefix),
        Grade::new(MatchKind::Prefix, Reading::Other),
        Grade::new(MatchKind::Prefix, Reading::Sound),
    ];

    pub fn index(self) -> usize {
        self.kind as usize * 3 + self.reading as usize
    }
}

pub const DEFAULT_LIMIT: usize = 50;
/// A search box shows a screenful; more than this is a listing, not a search.
pub const MAX_LIMIT: usize = 500;

/// The number of results a search with `limit` gives at most: 0 means `DEFAULT_LIMIT`, and no
/// more than `MAX_LIMIT`.
pub fn effective_limit(limit: usize) -> usize {
    if limit == 0 { DEFAULT_LIMIT } else { limit.min(MAX_LIMIT) }
}

/// Above this many candidates for one grade, walk the clients in rank order instead of ranking
/// every candidate (see `walk`). Ranking one candidate costs a few nanoseconds, checking one in
/// the walk a few hundred; with this many candidates the walk meets a match at least every
/// twenty clients at a million.
const WALK_ABOVE: usize = 50_000;

/// Edits in one write above this count rebuild the sorted arrays instead of shifting them entry
/// by entry (each shift moves up to a few megabytes at a million clients).
const REBUILD_ABOVE: usize = 256;

/// Whether applying `changed` clients at once sorts everything afresh. Only clients that differ
/// from what is indexed count: an import re-saves every client it names, most unchanged.
fn rebuilds(changed: usize) -> bool {
    changed > REBUILD_ABOVE
}

/// The query as the number it may be (digits, maybe ending in an uppercase X, separators and
/// full-width forms normalised as the index reads them), or `None` for a name or client-number
/// query. The service uses it to tell whole-number searches apart and to count a repeated one
/// once however it was typed.
pub fn number_typed(raw: &str) -> Option<String> {
    let q = query::Query::parse(raw);
    q.is_number().then(|| q.text.to_uppercase())
}

/// Whether `number` (as `number_typed` gives it) has the shape of a whole mobile phone (11 digits
/// from 1) or a whole 18-character resident ID: what someone guessing a hidden number would type.
/// Such a search counts against the hourly limit even when it matches nobody, so that guessing
/// is limited, not only its one lucky try audited.
pub fn whole_number_shape(number: &str) -> bool {
    let b = number.as_bytes();
    let mobile = b.len() == 11 && b[0] == b'1' && b.iter().all(u8::is_ascii_digit);
    let resident =
        b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X');
    // A first-generation resident ID: fifteen digits, no client number is that long.
    let old_resident = b.len() == 15 && b.iter().all(u8::is_ascii_digit);
    mobile || resident || old_resident
}

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

#[derive(Serialize, Deserialize)]
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
    /// The last spelt query whose fuzzy stage scanned every name, and the names that matched it
    /// (at most `walk_above / 2`, in id order): the next keystroke extends it, and its matches
    /// are among these. Emptied by every edit.
    #[serde(skip)]
    spelt_names: Mutex<Option<(Vec<u8>, Vec<Id>)>>,
    /// For tests: never scan a spelt query before walking, as large registers mostly do.
    #[cfg(test)]
    #[serde(skip)]
    walk_first: bool,
    /// For tests: a fuzzy walk's budget other than `FUZZY_WALK`, to run out on small data.
    #[cfg(test)]
    #[serde(skip)]
    fuzzy_budget: Option<usize>,
    /// How many times every array was sorted afresh (the build, large batches), for tests that
    /// edits of a few clients are applied in place.
    #[cfg(test)]
    #[serde(skip)]
    full_sorts: u32,
}

/// The layout of `SearchIndex::to_bytes`. Raise it with any change to the index's fields (or
/// theirs): a file of another layout is then rebuilt instead of read.
const INDEX_FORMAT: u32 = 1;

impl SearchIndex {
    /// The whole index as bytes (bincode, led by `INDEX_FORMAT`), to be kept beside the store so
    /// the next start reads it instead of decrypting every client again (about 190 MB at a
    /// million clients).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let config = bincode::config::standard();
        let mut out = bincode::serde::encode_to_vec(INDEX_FORMAT, config).map_err(|e| e.to_string())?;
        bincode::serde::encode_into_std_write(self, &mut out, config).map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// An index from `to_bytes`; `Err` names why not (another layout, bytes that do not decode).
    /// The bytes must be the index's own (the store seals them): a layout error would only be
    /// caught as far as decoding goes.
    pub fn from_bytes(bytes: &[u8]) -> Result<SearchIndex, String> {
        let config = bincode::config::standard();
        let (format, used): (u32, usize) =
            bincode::serde::decode_from_slice(bytes, config).map_err(|e| e.to_string())?;
        if format != INDEX_FORMAT {
            return Err(format!("索引格式 {format}，本版本为 {INDEX_FORMAT}"));
        }
        let (ix, end): (SearchIndex, usize) =
            bincode::serde::decode_from_slice(&bytes[used..], config).map_err(|e| e.to_string())?;
        if used + end != bytes.len() {
            return Err("索引之后还有多余的字节".into());
        }
        Ok(ix)
    }
}

/// Builds an index a client at a time, so that all clients never need to be in memory at once
/// as rows (a million rows are some 200 MB of small strings).
pub struct Builder {
    ix: SearchIndex,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            ix: SearchIndex {
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
                spelt_names: Mutex::new(None),
                #[cfg(test)]
                walk_first: false,
                #[cfg(test)]
                fuzzy_budget: None,
                #[cfg(test)]
                full_sorts: 0,
            },
        }
    }
}

impl Builder {
    pub fn add(&mut self, row: &Row) {
        let m = self.ix.intern(&row.maintainer);
        self.ix.t.push(row, m);
    }

    pub fn finish(mut self) -> SearchIndex {
        let mut by_no = self.ix.by_no();
        if self.ix.drop_superseded(&by_no) {
            by_no = self.ix.by_no();
        }
        self.ix.t.shrink();
        self.ix.sort_everything(by_no);
        self.ix
    }
}

impl SearchIndex {
    pub fn build(rows: impl IntoIterator<Item = Row>) -> SearchIndex {
        let mut b = Builder::default();
        for row in rows {
            b.add(&row);
        }
        b.finish()
    }

    fn by_no(&self) -> Vec<Id> {
        let mut ids: Vec<Id> = (0..self.t.len() as Id).collect();
        ids.sort_by(|a, b| rank::cmp_no(&self.t, *a, *b));
        ids
    }

    /// A client added twice keeps only the later version, as the store would. Returns whether any
    /// was dropped (the table is then rebuilt without them: rare, since the store's numbers are
    /// unique).
    fn drop_superseded(&mut self, by_no: &[Id]) -> bool {
        let t = &self.t;
        // Equal numbers are adjacent, in id order, the later last.
        let superseded: Vec<Id> =
            by_no.windows(2).filter(|w| t.nos.get(w[0]) == t.nos.get(w[1])).map(|w| w[0]).collect();
        if superseded.is_empty() {
            return false;
        }
        let rows: Vec<Row> = (0..t.len() as Id)
            .filter(|id| superseded.binary_search(id).is_err())
            .map(|id| self.row(id))
            .collect();
        self.t = Table::default();
        for row in &rows {
            let m = self.intern(&row.maintainer);
            self.t.push(row, m);
        }
        true
    }

    /// What the table holds for `id`, as a row (names beyond the indexed length cut short).
    fn row(&self, id: Id) -> Row {
        let (t, i) = (&self.t, id as usize);
        let rec = t.rec(id);
        Row {
            no: t.nos.get(id).to_string(),
            phone: rec.phone().to_string(),
            id_number: rec.id_number().to_string(),
            name: rec.name_string(),
            maintainer: self.staff_nos.get(t.maintainer[i] as usize).cloned(),
            tier: t.tier[i],
            last_contact: chrono::NaiveDate::from_num_days_from_ce_opt(t.last_contact[i]),
        }
    }

    /// For tests: walk already at a handful of candidates, so small data exercises that path.
    #[cfg(test)]
    fn walking_above(mut self, n: usize) -> SearchIndex {
        self.walk_above = n;
        self
    }

    /// For tests: fuzzy walks give up after `budget` clients.
    #[cfg(test)]
    fn fuzzy_walking(mut self, budget: usize) -> SearchIndex {
        self.fuzzy_budget = Some(budget);
        self
    }

    /// For tests: the fuzzy stage walks before it scans, as at a million clients.
    #[cfg(test)]
    fn walking_first(mut self) -> SearchIndex {
        self.walk_first = true;
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

    fn id_of(&self, no: &str) -> Option<Id> {
        let folded = no.to_ascii_lowercase();
        let v = &self.numbers.by_no;
        let at =
            v.partition_point(|id| (self.t.nos.folded(*id), self.t.nos.get(*id)) < (folded.as_bytes(), no));
        v.get(at).copied().filter(|id| self.t.nos.get(*id) == no)
    }

    /// Adds new clients and applies changes to known ones, so the next search sees them.
    pub fn upsert(&mut self, rows: &[Row]) {
        // Names kept for the next keystroke may have changed.
        *self.spelt_names.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
        let news: Vec<&Row> = rows.iter().filter(|r| self.is_news(r)).collect();
        if rebuilds(news.len()) {
            self.upsert_all(news);
        } else {
            for row in news {
                self.upsert_one(row);
            }
        }
    }

    /// Whether `upsert(rows)` would sort everything afresh (seconds at a million clients) rather
    /// than edit in place. Stops counting once it knows.
    pub fn rebuilds_for(&self, rows: &[Row]) -> bool {
        rebuilds(rows.len())
            && rebuilds(rows.iter().filter(|r| self.is_news(r)).take(REBUILD_ABOVE + 1).count())
    }

    /// A client not indexed yet, or indexed with something the index uses different.
    fn is_news(&self, row: &Row) -> bool {
        let Some(id) = self.id_of(&row.no) else { return true };
        let i = id as usize;
        !self.same_text(id, row)
            || self.t.tier[i] != row.tier
            || self.t.last_contact[i] != day_number(row.last_contact)
            || self.staff_nos.get(self.t.maintainer[i] as usize) != row.maintainer.as_ref()
    }

    fn same_text(&self, id: Id, row: &Row) -> bool {
        let rec = self.t.rec(id);
        rec.phone() == row.phone
            && rec.id_number() == row.id_number
            && row.name.chars().take(name_code::MAX_NAME_CHARS).eq(rec.name().map(|s| s.shown))
    }

    /// Writes every row into the table, then sorts everything afresh.
    fn upsert_all<'a>(&mut self, rows: impl IntoIterator<Item = &'a Row>) {
        let mut added: HashMap<&str, Id> = HashMap::new();
        for row in rows {
            let m = self.intern(&row.maintainer);
            match self.id_of(&row.no).or_else(|| added.get(row.no.as_str()).copied()) {
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
        let by_no = self.by_no();
        self.sort_everything(by_no);
    }

    fn set_standing(&mut self, id: Id, row: &Row, maintainer: u32) -> bool {
        let i = id as usize;
        self.t.maintainer[i] = maintainer;
        let moved = self.t.tier[i] != row.tier || self.t.last_contact[i] != day_number(row.last_contact);
        self.t.tier[i] = row.tier;
        self.t.last_contact[i] = day_number(row.last_contact);
        moved
    }

    fn sort_everything(&mut self, by_no: Vec<Id>) {
        #[cfg(test)]
        {
            self.full_sorts += 1;
        }
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
        self.numbers = NumberKeys::build(t, by_no);
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
        let Some(id) = self.id_of(&row.no) else {
            let id = self.t.push(row, m);
            self.place_text(id, false);
            self.numbers.update(&self.t, id, false, true);
            self.rank.insert(&self.t, id);
            if m != NO_MAINTAINER {
                self.by_maintainer.entry(m).or_default().push(id);
            }
            return;
        };
        if !self.same_text(id, row) {
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
}

/// Heap bytes of a map's lists, with a rough allowance for the map's own slots.
fn lists<'a>(lists: impl Iterator<Item = &'a Vec<Id>>) -> usize {
    lists.map(|v| v.capacity() * 4 + 32).sum()
}

/// The characters of a name that can be typed, in order (the "·" of a transliterated name left out).
fn typed_chars(t: &Table, id: Id) -> impl Iterator<Item = char> + '_ {
    t.rec(id).name().filter(|s| !s.skip).map(|s| s.ch)
}

fn distinct_chars(t: &Table, id: Id) -> Vec<char> {
    let mut chars: Vec<char> = t.rec(id).name().map(|s| s.ch).collect();
    chars.sort_unstable();
    chars.dedup();
    chars
}

#[cfg(test)]
mod tests;
