//! Names as sorted sequences of syllable ids, for spelt queries ("zw", "zhangw", "zhang wei").
//!
//! Each name is stored once per combination of its characters' readings, as a `u64` holding up
//! to six 9-bit syllable ids, first character in the highest bits. Sorted, the names sharing
//! their first syllables are contiguous; because syllable ids follow alphabetical order, so are
//! the names whose next syllable starts with what was typed. A query is then a walk down this
//! implicit tree: each typed segment narrows a range with two binary searches, and a segment that
//! is only the start of a syllable ("z" in "zw") fans out over the syllables present. The work
//! depends on how many distinct names can match, not on how many clients there are.
//!
//! A key that needs some character's other (not primary) reading has its top bit set, so all such
//! keys sort after every key read the primary way: two sorted halves, each walked alike, whose
//! matches rank as `Reading::Primary` and `Reading::Other`.
//!
//! Names that do not fit (more than six characters, more than `MAX_COMBINATIONS` readings, or a
//! character that has no spelling) go to a short overflow list that is checked one by one.

use super::name_code::NameKey;
use super::query::Unit;
use super::syllables::table as syllable_table;
use super::table::Id;
use super::typo::{States, TypoQuery};
use super::{Grade, MatchKind, Reading};

pub const SLOTS: usize = 6;
const BITS: u32 = 9;
const MASK: u64 = (1 << BITS) - 1;
/// Set in the keys that read some character other than its primary way (above the 54 bits of
/// syllables).
const OTHER: u64 = 1 << 63;
/// Given names with several polyphonic characters multiply; beyond this a name is checked
/// directly instead of stored dozens of times.
const MAX_COMBINATIONS: usize = 32;
/// Longest spelling ("zhuang").
const MAX_SPELLING: usize = 6;

fn shift(slot: usize) -> u32 {
    BITS * (SLOTS - 1 - slot) as u32
}

/// Syllable at `slot`, plus one; 0 means the name has ended.
fn at(key: u64, slot: usize) -> u16 {
    ((key >> shift(slot)) & MASK) as u16
}

/// The packed keys of a name, or `None` when it goes to the overflow list. An empty name has no
/// keys and is found only by number.
pub fn keys_of(name: NameKey) -> Option<Vec<u64>> {
    let mut keys = vec![0u64];
    let mut slot = 0;
    for s in name.filter(|s| !s.skip) {
        if slot == SLOTS || !s.has_syllables() {
            return None;
        }
        let ids: Vec<(u16, Reading)> = s.readings().collect();
        if keys.len() * ids.len() > MAX_COMBINATIONS {
            return None;
        }
        keys = keys
            .iter()
            .flat_map(|k| {
                ids.iter().map(move |(id, r)| {
                    let other = if *r == Reading::Other { OTHER } else { 0 };
                    k | other | (u64::from(*id) + 1) << shift(slot)
                })
            })
            .collect();
        slot += 1;
    }
    if slot == 0 { Some(Vec::new()) } else { Some(keys) }
}

/// A run of entries that all match with `grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Emit {
    pub lo: usize,
    pub hi: usize,
    pub grade: Grade,
    /// Bit `k` set when the syllable at slot `k` was reached through a character typed (the
    /// query's characters, in order): the entries match with `grade` where the name has those
    /// characters, and as sound-alikes (`Reading::Sound`) where it has others read the same.
    pub char_slots: u8,
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct NameKeys {
    keys: Vec<u64>,
    ids: Vec<Id>,
    pub overflow: Vec<Id>,
}

impl NameKeys {
    pub fn build(mut entries: Vec<(u64, Id)>, mut overflow: Vec<Id>) -> NameKeys {
        entries.sort_unstable();
        overflow.sort_unstable();
        let (keys, ids) = entries.into_iter().unzip();
        NameKeys { keys, ids, overflow }
    }

    pub fn ids(&self, e: &Emit) -> &[Id] {
        &self.ids[e.lo..e.hi]
    }

    pub fn insert(&mut self, id: Id, keys: Option<Vec<u64>>) {
        match keys {
            None => {
                let at = self.overflow.partition_point(|o| *o < id);
                self.overflow.insert(at, id);
            }
            Some(keys) => {
                for k in keys {
                    let at = self.position(k, id);
                    self.keys.insert(at, k);
                    self.ids.insert(at, id);
                }
            }
        }
    }

    pub fn remove(&mut self, id: Id, keys: Option<Vec<u64>>) {
        match keys {
            None => self.overflow.retain(|o| *o != id),
            Some(keys) => {
                for k in keys {
                    let at = self.position(k, id);
                    if self.keys.get(at) == Some(&k) && self.ids.get(at) == Some(&id) {
                        self.keys.remove(at);
                        self.ids.remove(at);
                    }
                }
            }
        }
    }

    fn position(&self, key: u64, id: Id) -> usize {
        let lo = self.keys.partition_point(|k| *k < key);
        let hi = lo + self.keys[lo..].partition_point(|k| *k == key);
        lo + self.ids[lo..hi].partition_point(|i| *i < id)
    }

    pub fn bytes(&self) -> usize {
        self.keys.capacity() * 8 + self.ids.capacity() * 4 + self.overflow.capacity() * 4
    }

    /// Runs of entries (as `lo..hi` for `ids_in`) of names some spelling of which starts within
    /// one edit of the query (`typo`). Names that were read into the overflow list are not here.
    pub fn typos(&self, tq: &TypoQuery, out: &mut Vec<(usize, usize)>) {
        let split = self.keys.partition_point(|k| k & OTHER == 0);
        let mut walk = TypoWalk { keys: &self.keys, tq, out };
        walk.step(0, split, 0, tq.start());
        walk.step(split, self.keys.len(), 0, tq.start());
    }

    pub fn ids_in(&self, lo: usize, hi: usize) -> &[Id] {
        &self.ids[lo..hi]
    }

    /// Runs of entries whose name starts the way `units` spell it, those read the primary way
    /// first. `char_syllables[j]` lists the syllable ids a `Unit::Char` at `j` can be read as;
    /// entries found through a character are only candidates (章 and 张 share "zhang", and the
    /// character typed is not a reading at all), the caller checks them.
    pub fn spell(&self, units: &[Unit], char_syllables: &[Vec<u16>], out: &mut Vec<Emit>) {
        if units.is_empty() {
            return;
        }
        let split = self.keys.partition_point(|k| k & OTHER == 0);
        for (lo, hi, reading) in [(0, split, Reading::Primary), (split, self.keys.len(), Reading::Other)] {
            let mut walk = Walk { keys: &self.keys, units, char_syllables, reading, out };
            walk.step(lo, hi, 0, 0, false, 0);
        }
    }
}

/// The name keys walked with the typo automaton (`typo`): each syllable present at a slot is fed
/// once for all the names sharing the syllables before it.
struct TypoWalk<'a> {
    keys: &'a [u64],
    tq: &'a TypoQuery,
    out: &'a mut Vec<(usize, usize)>,
}

impl TypoWalk<'_> {
    /// Entries in `lo..hi` share their first `slot` syllables, which left the automaton at `st`.
    fn step(&mut self, lo: usize, hi: usize, slot: usize, st: States) {
        if slot == SLOTS || lo == hi {
            return;
        }
        let syl = syllable_table();
        let keys = &self.keys[lo..hi];
        // Names that ended before this slot are done with.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        match self.tq.next_letters(&st) {
            None => ranges.push((lo + keys.partition_point(|k| at(*k, slot) == 0), hi)),
            Some(mut letters) => {
                while letters != 0 {
                    let b = b'a' + letters.trailing_zeros() as u8;
                    letters &= letters - 1;
                    if let Some(r) = syl.with_prefix(&[b]) {
                        let (a, b) = (r.start() + 1, r.end() + 1);
                        ranges.push((
                            lo + keys.partition_point(|k| at(*k, slot) < a),
                            lo + keys.partition_point(|k| at(*k, slot) <= b),
                        ));
                    }
                }
            }
        }
        for (x, y) in ranges {
            let mut p = x;
            while p < y {
                let s = at(self.keys[p], slot);
                let e = p + self.keys[p..y].partition_point(|k| at(*k, slot) <= s);
                let (next, done) = self.tq.feed(st, syl.text(s - 1).as_bytes());
                if done {
                    self.out.push((p, e));
                } else if !next.is_dead() {
                    self.step(p, e, slot + 1, next);
                }
                p = e;
            }
        }
    }
}

struct Walk<'a> {
    keys: &'a [u64],
    units: &'a [Unit],
    char_syllables: &'a [Vec<u16>],
    /// How the keys walked read their characters.
    reading: Reading,
    out: &'a mut Vec<Emit>,
}

impl Walk<'_> {
    /// Entries in `lo..hi` share their first `slot` syllables, which spelt `units[..j]`.
    fn step(&mut self, lo: usize, hi: usize, slot: usize, j: usize, abbreviated: bool, chars: u8) {
        if slot == SLOTS || lo == hi {
            return;
        }
        let last = self.units.len();
        match self.units[j] {
            Unit::Char(_) => {
                for &s in &self.char_syllables[j] {
                    let s = s + 1;
                    let (x, y) = self.within(lo, hi, slot, s, s);
                    let chars = chars | 1 << slot;
                    if j + 1 == last {
                        self.finish(x, y, slot, Some(s), abbreviated, chars);
                    } else {
                        self.step(x, y, slot + 1, j + 1, abbreviated, chars);
                    }
                }
            }
            Unit::Alnum(_) => {
                let run_end =
                    self.units[j..].iter().position(|u| matches!(u, Unit::Char(_))).map_or(last, |p| j + p);
                let mut typed = Vec::with_capacity(MAX_SPELLING);
                for u in &self.units[j..run_end.min(j + MAX_SPELLING)] {
                    let Unit::Alnum(b) = u else { break };
                    typed.push(*b);
                    let Some(range) = syllable_table().with_prefix(&typed) else { break };
                    let (a, b) = (range.start() + 1, range.end() + 1);
                    let full = (syllable_table().text(a - 1).len() == typed.len()).then_some(a);
                    let (x, y) = self.within(lo, hi, slot, a, b);
                    let next = j + typed.len();
                    if next == last {
                        self.finish(x, y, slot, full, abbreviated, chars);
                        continue;
                    }
                    let mut p = x;
                    while p < y {
                        let s = at(self.keys[p], slot);
                        let e = p + self.keys[p..y].partition_point(|k| at(*k, slot) <= s);
                        self.step(p, e, slot + 1, next, abbreviated || full != Some(s), chars);
                        p = e;
                    }
                }
            }
        }
    }

    /// Entries of `lo..hi` whose syllable at `slot` is in `a..=b` (ids plus one).
    fn within(&self, lo: usize, hi: usize, slot: usize, a: u16, b: u16) -> (usize, usize) {
        let keys = &self.keys[lo..hi];
        (lo + keys.partition_point(|k| at(*k, slot) < a), lo + keys.partition_point(|k| at(*k, slot) <= b))
    }

    /// The query ended on the syllable at `slot`: whole names spelt in full are exact, whole
    /// names with some segment cut short are initials, names going on past `slot` are prefixes.
    fn finish(&mut self, x: usize, y: usize, slot: usize, full: Option<u16>, abbreviated: bool, chars: u8) {
        let mut p = x;
        while p < y {
            let s = at(self.keys[p], slot);
            let e = p + self.keys[p..y].partition_point(|k| at(*k, slot) <= s);
            // Among names with the same syllable here, those that end here sort first.
            let ends = if slot + 1 == SLOTS {
                e
            } else {
                p + self.keys[p..e].partition_point(|k| at(*k, slot + 1) == 0)
            };
            let whole = if abbreviated || full != Some(s) { MatchKind::Initials } else { MatchKind::Exact };
            for (lo, hi, kind) in [(p, ends, whole), (ends, e, MatchKind::Prefix)] {
                if lo < hi {
                    self.out.push(Emit { lo, hi, grade: Grade::new(kind, self.reading), char_slots: chars });
                }
            }
            p = e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::name_code::encode_name;
    use super::super::query::Query;
    use super::*;

    fn keys(name: &str) -> Option<Vec<u64>> {
        let mut buf = Vec::new();
        encode_name(name, &mut buf);
        keys_of(NameKey::new(&buf))
    }

    fn index(names: &[&str]) -> NameKeys {
        let mut entries = Vec::new();
        let mut overflow = Vec::new();
        for (id, n) in names.iter().enumerate() {
            match keys(n) {
                Some(ks) => entries.extend(ks.into_iter().map(|k| (k, id as Id))),
                None => overflow.push(id as Id),
            }
        }
        NameKeys::build(entries, overflow)
    }

    /// Each name found, with its best grade.
    fn spelt(ix: &NameKeys, q: &str) -> Vec<(Id, Grade)> {
        let q = Query::parse(q);
        let mut out = Vec::new();
        ix.spell(&q.units, &vec![Vec::new(); q.units.len()], &mut out);
        let mut hits: Vec<(Id, Grade)> =
            out.iter().flat_map(|e| ix.ids(e).iter().map(move |id| (*id, e.grade))).collect();
        hits.sort();
        hits.dedup_by_key(|h| h.0);
        hits
    }

    const EXACT: Grade = Grade::primary(MatchKind::Exact);
    const PREFIX: Grade = Grade::primary(MatchKind::Prefix);
    const INITIALS: Grade = Grade::primary(MatchKind::Initials);

    #[test]
    fn names_are_found_by_full_pinyin_initials_and_any_mix() {
        let ix = index(&["张伟", "张伟华", "赵文", "曾小红", "单明"]);
        assert_eq!(spelt(&ix, "zhangwei"), [(0, EXACT), (1, PREFIX)]);
        assert_eq!(spelt(&ix, "zhangw"), [(0, INITIALS), (1, PREFIX)], "张伟 is all there");
        assert_eq!(spelt(&ix, "zw"), [(0, INITIALS), (1, PREFIX), (2, INITIALS)]);
        assert_eq!(spelt(&ix, "zwh"), [(1, INITIALS)]);
        assert_eq!(spelt(&ix, "zhwei"), [(0, INITIALS), (1, PREFIX)]);
        assert_eq!(spelt(&ix, "z"), [(0, PREFIX), (1, PREFIX), (2, PREFIX), (3, PREFIX)]);
        assert_eq!(spelt(&ix, "zxh"), [(3, INITIALS)]);
        assert_eq!(spelt(&ix, "cxh"), [], "曾 as a surname is zeng, never ceng");
        assert_eq!(spelt(&ix, "shanming"), [(4, EXACT)]);
        assert_eq!(spelt(&ix, "dm"), [], "单 as a surname is shan");
    }

    #[test]
    fn names_read_another_way_than_the_primary_are_found_as_such() {
        // 立 is li, and also (archaic) wei; 长 in a given name is chang first, then zhang.
        let ix = index(&["张立新", "张伟", "王长春"]);
        let other = |kind| Grade::new(kind, Reading::Other);
        assert_eq!(spelt(&ix, "zw"), [(0, other(MatchKind::Prefix)), (1, INITIALS)]);
        assert_eq!(spelt(&ix, "zl"), [(0, PREFIX)]);
        assert_eq!(spelt(&ix, "zhangweixin"), [(0, other(MatchKind::Exact))]);
        assert_eq!(spelt(&ix, "zhangwei"), [(0, other(MatchKind::Prefix)), (1, EXACT)]);
        assert_eq!(spelt(&ix, "wcc"), [(2, INITIALS)]);
        assert_eq!(spelt(&ix, "wzc"), [(2, other(MatchKind::Initials))]);
        assert_eq!(spelt(&ix, "wangchangchun"), [(2, EXACT)]);
        assert_eq!(spelt(&ix, "wangzhangchun"), [(2, other(MatchKind::Exact))]);
        assert!(ix.keys.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn long_and_many_reading_names_overflow() {
        assert_eq!(keys("阿卜杜热合曼·买买提"), None);
        assert_eq!(keys("张伟").map(|k| k.len()), Some(1));
        assert_eq!(keys("王长春").map(|k| k.len()), Some(2), "长 is zhang or chang");
        assert_eq!(keys("·"), Some(Vec::new()));
    }

    #[test]
    fn inserts_and_removals_keep_the_order() {
        let mut ix = index(&["张伟", "李娜"]);
        ix.insert(2, keys("张伟明"));
        assert_eq!(spelt(&ix, "zhangwei").len(), 2);
        ix.remove(0, keys("张伟"));
        assert_eq!(spelt(&ix, "zhangwei"), [(2, PREFIX)]);
        assert!(ix.keys.windows(2).all(|w| w[0] <= w[1]));
    }
}
