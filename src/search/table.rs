//! The clients as the index keeps them: one row per client, addressed by a dense `u32` id, in
//! columns. Text lives in a few large byte arenas instead of a `String` per field, because a
//! million small allocations cost more than the text itself.

use chrono::{Datelike, NaiveDate};

use super::client_numbers::Numbers;
use super::name_code::{NameKey, encode_name, encode_spelling, name_mask};
use crate::domain::{CardTier, Client};

pub type Id = u32;

/// Phones and ID numbers longer than this are not valid and are stored cut short.
const MAX_NUMBER_LEN: usize = 40;

pub const NO_MAINTAINER: u32 = u32::MAX;
pub const NO_CONTACT: i32 = i32::MIN;

/// The fields of a client the index needs, folded for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub no: String,
    pub phone: String,
    /// Uppercase, as `parse_id_number` stores it; a typed "x" is compared as "X".
    pub id_number: String,
    pub name: String,
    pub maintainer: Option<String>,
    pub tier: CardTier,
    pub last_contact: Option<NaiveDate>,
}

impl Row {
    pub fn of(c: &Client) -> Row {
        Row {
            no: c.no.as_str().to_string(),
            phone: cut(&c.phone),
            id_number: cut(&c.id_number.to_uppercase()),
            name: c.name.clone(),
            maintainer: c.maintainer.as_ref().map(|m| m.as_str().to_string()),
            tier: c.tier,
            last_contact: c.last_contact,
        }
    }
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_NUMBER_LEN).collect()
}

/// Days since the common era, for ordering by recent contact in four bytes.
pub fn day_number(d: Option<NaiveDate>) -> i32 {
    d.map_or(NO_CONTACT, |d| d.num_days_from_ce())
}

/// A client's stored text: `[phone len][id len][name key len: u16]`, then the phone, the ID
/// number and the name key. Records are self-delimiting, so the table keeps only where each starts.
#[derive(Debug, Clone, Copy)]
pub struct Rec<'a>(&'a [u8]);

const HEADER: usize = 4;

impl<'a> Rec<'a> {
    fn lens(&self) -> [usize; 3] {
        let b = self.0;
        [usize::from(b[0]), usize::from(b[1]), usize::from(u16::from_le_bytes([b[2], b[3]]))]
    }

    fn part(&self, n: usize) -> &'a [u8] {
        let lens = self.lens();
        let start = HEADER + lens[..n].iter().sum::<usize>();
        &self.0[start..start + lens[n]]
    }

    fn len(&self) -> usize {
        HEADER + self.lens().iter().sum::<usize>()
    }

    pub fn phone(&self) -> &'a str {
        std::str::from_utf8(self.part(0)).unwrap_or("")
    }

    pub fn id_number(&self) -> &'a str {
        std::str::from_utf8(self.part(1)).unwrap_or("")
    }

    pub fn name(&self) -> NameKey<'a> {
        NameKey::new(self.part(2))
    }

    pub fn name_string(&self) -> String {
        self.name().map(|s| s.shown).collect()
    }
}

fn encode_rec(row: &Row, out: &mut Vec<u8>) {
    let start = out.len();
    let phone = &row.phone.as_bytes()[..row.phone.len().min(255)];
    let id = &row.id_number.as_bytes()[..row.id_number.len().min(255)];
    out.extend_from_slice(&[phone.len() as u8, id.len() as u8, 0, 0]);
    out.extend_from_slice(phone);
    out.extend_from_slice(id);
    let key_start = out.len();
    encode_name(&row.name, out);
    // At most 64 characters of a few readings each: far below the u16 limit.
    let key_len = (out.len() - key_start).min(usize::from(u16::MAX));
    out.truncate(key_start + key_len);
    out[start + 2..start + 4].copy_from_slice(&(key_len as u16).to_le_bytes());
}

/// Variable-length entries appended to one buffer; an edit appends a new version and leaves the
/// old bytes as garbage until there is as much garbage as live data.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Arena {
    bytes: Vec<u8>,
    start: Vec<u32>,
    garbage: usize,
}

impl Arena {
    fn from(&self, id: Id) -> &[u8] {
        &self.bytes[self.start[id as usize] as usize..]
    }

    /// Writes a new version of entry `id` (the next id when `id == len`); `old_len` is the size
    /// of the version replaced.
    fn put(&mut self, id: Id, old_len: usize, write: impl FnOnce(&mut Vec<u8>)) {
        let at = self.bytes.len() as u32;
        write(&mut self.bytes);
        if id as usize == self.start.len() {
            self.start.push(at);
        } else {
            self.start[id as usize] = at;
            self.garbage += old_len;
        }
    }

    fn needs_compacting(&self) -> bool {
        self.garbage > self.bytes.len() / 2
    }

    fn compact(&mut self, len_at: impl Fn(&[u8]) -> usize) {
        let mut bytes = Vec::with_capacity(self.bytes.len() - self.garbage);
        for start in &mut self.start {
            let entry = &self.bytes[*start as usize..];
            let n = len_at(entry);
            *start = bytes.len() as u32;
            bytes.extend_from_slice(&entry[..n]);
        }
        self.bytes = bytes;
        self.garbage = 0;
    }

    fn bytes(&self) -> usize {
        self.bytes.capacity() + self.start.capacity() * 4
    }
}

fn rec_len(b: &[u8]) -> usize {
    Rec(b).len()
}

fn spelling_len(b: &[u8]) -> usize {
    let at = 1 + usize::from(b[0]);
    at + 1 + usize::from(b[at])
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Table {
    recs: Arena,
    /// Spellings apart from the records, so the fuzzy scan reads a few megabytes, not all the text.
    spellings: Arena,
    pub nos: Numbers,
    pub maintainer: Vec<u32>,
    pub tier: Vec<CardTier>,
    pub last_contact: Vec<i32>,
    pub mask: Vec<u64>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.recs.start.len()
    }

    pub fn rec(&self, id: Id) -> Rec<'_> {
        Rec(self.recs.from(id))
    }

    /// Every spelling of the name run together ("zhangwei", both readings of 长 in 王长春).
    pub fn spelling(&self, id: Id) -> &[u8] {
        let b = self.spellings.from(id);
        &b[1..1 + usize::from(b[0])]
    }

    /// The name spelt its usual way only, one spelling per character.
    pub fn usual_spelling(&self, id: Id) -> &[u8] {
        let b = self.spellings.from(id);
        let at = 1 + usize::from(b[0]);
        &b[at + 1..spelling_len(b)]
    }

    pub fn push(&mut self, row: &Row, maintainer: u32) -> Id {
        let id = self.len() as Id;
        self.nos.push(&row.no);
        self.maintainer.push(maintainer);
        self.tier.push(row.tier);
        self.last_contact.push(day_number(row.last_contact));
        self.mask.push(0);
        self.write_text(id, row, 0, 0);
        id
    }

    /// Replaces the phone, ID number and name of `id`.
    pub fn set_text(&mut self, id: Id, row: &Row) {
        let old = (self.rec(id).len(), spelling_len(self.spellings.from(id)));
        self.write_text(id, row, old.0, old.1);
        if self.recs.needs_compacting() || self.spellings.needs_compacting() {
            self.compact();
        }
    }

    fn write_text(&mut self, id: Id, row: &Row, old_rec: usize, old_spelling: usize) {
        self.recs.put(id, old_rec, |out| encode_rec(row, out));
        let key = Rec(self.recs.from(id)).name();
        self.spellings.put(id, old_spelling, |out| encode_spelling(key, out));
        self.mask[id as usize] = name_mask(self.rec(id).name());
    }

    fn compact(&mut self) {
        self.recs.compact(rec_len);
        self.spellings.compact(spelling_len);
    }

    pub fn shrink(&mut self) {
        self.compact();
        self.maintainer.shrink_to_fit();
        self.tier.shrink_to_fit();
        self.last_contact.shrink_to_fit();
        self.mask.shrink_to_fit();
    }

    /// Heap bytes held, for the benchmark's report alongside the allocator's count.
    pub fn bytes(&self) -> usize {
        self.recs.bytes()
            + self.spellings.bytes()
            + self.nos.bytes()
            + self.maintainer.capacity() * 4
            + self.tier.capacity()
            + self.last_contact.capacity() * 4
            + self.mask.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::syllables::table as syllable_table;

    fn row(no: &str, name: &str) -> Row {
        Row {
            no: no.into(),
            phone: "13800138000".into(),
            id_number: "11010519491231002X".into(),
            name: name.into(),
            maintainer: None,
            tier: CardTier::Gold,
            last_contact: None,
        }
    }

    #[test]
    fn records_give_back_what_was_stored() {
        let mut t = Table::default();
        let a = t.push(&row("C1", "张伟"), NO_MAINTAINER);
        let b = t.push(&row("C2", "买买提·艾力"), NO_MAINTAINER);
        assert_eq!((t.nos.get(a), t.nos.get(b)), ("C1", "C2"));
        assert_eq!(t.nos.folded(a), b"c1");
        assert_eq!(t.rec(a).name_string(), "张伟");
        assert_eq!(t.rec(a).phone(), "13800138000");
        assert_eq!(t.rec(a).id_number(), "11010519491231002X");
        assert_eq!(t.spelling(a), b"zhangwei");
        assert_eq!(t.usual_spelling(a), b"zhangwei");
        let slots: Vec<_> = t.rec(b).name().collect();
        assert_eq!(slots.len(), 6);
        assert!(slots[3].skip && !slots[3].has_syllables());
        t.set_text(a, &row("C1", "张小伟"));
        assert_eq!(t.rec(a).name_string(), "张小伟");
        assert_eq!(t.spelling(a), b"zhangxiaowei");
        assert_eq!(t.rec(b).name_string(), "买买提·艾力", "an edit leaves other rows alone");
        for _ in 0..5 {
            t.set_text(b, &row("C2", "李娜"));
        }
        assert_eq!(
            (t.rec(a).name_string(), t.rec(b).name_string()),
            ("张小伟".into(), "李娜".into()),
            "after compaction"
        );
    }

    #[test]
    fn surnames_are_stored_with_their_surname_reading_only() {
        let mut t = Table::default();
        let id = t.push(&row("C1", "曾小红"), NO_MAINTAINER);
        let syl = syllable_table();
        let first: Vec<&str> =
            t.rec(id).name().next().map(|s| s.syllables().map(|i| syl.text(i)).collect()).unwrap_or_default();
        assert_eq!(first, ["zeng"]);
    }

    #[test]
    fn numbers_are_found_inside_each_other_but_never_across() {
        let mut t = Table::default();
        for no in ["6201", "1620", "C77"] {
            t.push(&row(no, "张伟"), NO_MAINTAINER);
        }
        let mut found = Vec::new();
        t.nos.containing(b"62", |id| {
            found.push(id);
            true
        });
        assert_eq!(found, [0, 1]);
        found.clear();
        t.nos.containing(b"011", |id| {
            found.push(id);
            true
        });
        assert!(found.is_empty(), "\"6201\" then \"1620\" must not make \"011\"");
        found.clear();
        t.nos.containing(b"c7", |id| {
            found.push(id);
            true
        });
        assert_eq!(found, [2]);
    }
}
