//! The clients as the index keeps them: one row per client, addressed by a dense `u32` id, in
//! columns. Text lives in a few large byte arenas instead of a `String` per field, because a
//! million small allocations cost more than the text itself.

use chrono::{Datelike, NaiveDate};

use super::syllables::{self, table as syllable_table};
use crate::domain::names::readings;
use crate::domain::{CardTier, Client};

pub type Id = u32;

/// Characters of a name that are indexed; a name is a few characters, anything longer is a data
/// error and its tail is not worth the memory.
pub const MAX_NAME_CHARS: usize = 64;

/// Phones and ID numbers longer than this are not valid and are stored cut short.
const MAX_NUMBER_LEN: usize = 40;

/// A character that can be typed (letters, digits, Chinese); `SKIP` marks one that cannot (the
/// "·" in 买买提·艾力), which spelt matching steps over.
const SLOT: u8 = 0x02;
const SKIP: u8 = 0x03;

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

/// One character of a stored name, with the syllable ids it can be spelt as.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    pub ch: char,
    pub skip: bool,
    ids: &'a [u8],
}

impl<'a> Slot<'a> {
    pub fn syllables(&self) -> impl Iterator<Item = u16> + 'a {
        self.ids.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn has_syllables(&self) -> bool {
        !self.ids.is_empty()
    }
}

/// The name of one client as slots, walked front to back.
#[derive(Debug, Clone, Copy)]
pub struct NameKey<'a>(&'a [u8]);

impl<'a> NameKey<'a> {
    #[cfg(test)]
    pub fn new(encoded: &'a [u8]) -> NameKey<'a> {
        NameKey(encoded)
    }
}

impl<'a> Iterator for NameKey<'a> {
    type Item = Slot<'a>;

    fn next(&mut self) -> Option<Slot<'a>> {
        let (&marker, rest) = self.0.split_first()?;
        let width = rest.first().map_or(1, |b| utf8_width(*b));
        let ch =
            rest.get(..width).and_then(|b| std::str::from_utf8(b).ok()).and_then(|s| s.chars().next())?;
        let n = usize::from(*rest.get(width)?);
        let ids = rest.get(width + 1..width + 1 + 2 * n)?;
        self.0 = &rest[width + 1 + 2 * n..];
        Some(Slot { ch, skip: marker == SKIP, ids })
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0..0x80 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// Encodes a name: per character its marker, the character, and its syllable ids. The surname
/// readings come from `domain::names`, so "曾" at the front is only zeng.
pub fn encode_name(name: &str, out: &mut Vec<u8>) {
    let syl = syllable_table();
    let chars: Vec<char> = name.chars().take(MAX_NAME_CHARS).collect();
    let truncated: String = chars.iter().collect();
    for (ch, reads) in chars.iter().zip(readings(&truncated)) {
        let mut ids: Vec<u16> = Vec::new();
        for r in &reads {
            for s in syllables::spellings(r) {
                if let Some(id) = syl.id(s.as_bytes())
                    && !ids.contains(&id)
                {
                    ids.push(id);
                }
            }
        }
        let skip = ids.is_empty() && !ch.is_alphanumeric();
        out.push(if skip { SKIP } else { SLOT });
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        out.push(ids.len() as u8);
        for id in ids {
            out.extend_from_slice(&id.to_le_bytes());
        }
    }
}

/// What a name can be spelt with, as bits: each letter (0–25), a hash of its other characters
/// (26–31), each letter its spellings have at least twice (32–57). A query needing a letter, a
/// character or a repeated letter the name lacks cannot match it, which rules most names out of
/// the fuzzy scan with one AND.
pub fn name_mask(key: NameKey) -> u64 {
    let syl = syllable_table();
    let mut spelt = Mask::default();
    let mut chars = 0;
    for slot in key {
        chars |= char_bit(slot.ch);
        for id in slot.syllables() {
            for b in syl.text(id).bytes() {
                spelt.add(b);
            }
        }
    }
    spelt.bits() | chars
}

/// Builds the letter part of a mask, counting letters up to two.
#[derive(Default)]
pub struct Mask {
    once: u64,
    twice: u64,
}

impl Mask {
    pub fn add(&mut self, b: u8) {
        let bit = letter_bit(b);
        if b.is_ascii_lowercase() {
            self.twice |= self.once & bit;
        }
        self.once |= bit;
    }

    pub fn bits(&self) -> u64 {
        self.once | self.twice << 32
    }
}

fn letter_bit(b: u8) -> u64 {
    if b.is_ascii_lowercase() { 1 << (b - b'a') } else { char_bit(char::from(b)) }
}

pub fn char_bit(c: char) -> u64 {
    if c.is_ascii_alphabetic() {
        return 1 << (c.to_ascii_lowercase() as u8 - b'a');
    }
    1 << (26 + u64::from(c) % 6)
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
        NameKey(self.part(2))
    }

    pub fn name_string(&self) -> String {
        self.name().map(|s| s.ch).collect()
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

/// Longest spelling kept for the fuzzy scan; a real name's is a few dozen letters.
const MAX_SPELLING: usize = 255;

/// The name's spellings run together ("zhangwei"; every reading of a polyphonic character one
/// after the other), after a length byte.
fn encode_spelling(key: NameKey, out: &mut Vec<u8>) {
    let syl = syllable_table();
    let at = out.len();
    out.push(0);
    for slot in key.filter(|s| !s.skip) {
        for id in slot.syllables() {
            out.extend_from_slice(syl.text(id).as_bytes());
        }
    }
    out.truncate(at + 1 + MAX_SPELLING);
    out[at] = (out.len() - at - 1) as u8;
}

/// Variable-length entries appended to one buffer; an edit appends a new version and leaves the
/// old bytes as garbage until there is as much garbage as live data.
#[derive(Default)]
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
    1 + usize::from(b[0])
}

/// Client numbers never change once a client exists, so they live in an append-only arena joined
/// by newlines, which lets a substring search run over all of them at once (`memchr::memmem`).
pub struct Numbers {
    text: Vec<u8>,
    /// ASCII-lowercased copy, made only once some number has capital letters.
    folded: Option<Vec<u8>>,
    starts: Vec<u32>,
    /// Which bytes occur in any folded number: a query with letters where every number is
    /// digits skips the scan.
    present: [bool; 256],
}

impl Default for Numbers {
    fn default() -> Numbers {
        Numbers { text: Vec::new(), folded: None, starts: Vec::new(), present: [false; 256] }
    }
}

impl Numbers {
    fn push(&mut self, no: &str) {
        if !self.starts.is_empty() {
            self.text.push(b'\n');
            if let Some(f) = &mut self.folded {
                f.push(b'\n');
            }
        }
        self.starts.push(self.text.len() as u32);
        self.text.extend_from_slice(no.as_bytes());
        for b in no.bytes() {
            self.present[usize::from(b.to_ascii_lowercase())] = true;
        }
        if self.folded.is_none() && no.bytes().any(|b| b.is_ascii_uppercase()) {
            self.folded = Some(self.text.to_ascii_lowercase());
        } else if let Some(f) = &mut self.folded {
            f.extend(no.bytes().map(|b| b.to_ascii_lowercase()));
        }
    }

    fn span(&self, id: Id) -> std::ops::Range<usize> {
        let i = id as usize;
        let start = self.starts[i] as usize;
        let end = self.starts.get(i + 1).map_or(self.text.len(), |s| *s as usize - 1);
        start..end
    }

    pub fn get(&self, id: Id) -> &str {
        std::str::from_utf8(&self.text[self.span(id)]).unwrap_or("")
    }

    /// Lowercase, for matching.
    pub fn folded(&self, id: Id) -> &[u8] {
        let span = self.span(id);
        match &self.folded {
            Some(f) => &f[span],
            None => &self.text[span],
        }
    }

    /// Clients whose folded number contains `needle`, in id order, until `found` says stop.
    pub fn containing(&self, needle: &[u8], mut found: impl FnMut(Id) -> bool) {
        if !needle.iter().all(|b| self.present[usize::from(*b)]) {
            return;
        }
        let hay = self.folded.as_deref().unwrap_or(&self.text);
        let mut last = None;
        let mut id = 0;
        for at in memchr::memmem::find_iter(hay, needle) {
            id = self.holding(at, id);
            if last != Some(id) {
                if !found(id as Id) {
                    return;
                }
                last = Some(id);
            }
        }
    }

    /// The number whose text holds byte `at`, looking forward from number `from`: matches come
    /// in order and are often close together, so a galloping search beats a binary one.
    fn holding(&self, at: usize, from: usize) -> usize {
        let starts = &self.starts;
        let mut step = 1;
        while from + step < starts.len() && starts[from + step] as usize <= at {
            step *= 2;
        }
        let lo = from + step / 2;
        let hi = (from + step).min(starts.len());
        lo + starts[lo..hi].partition_point(|s| *s as usize <= at) - 1
    }

    fn bytes(&self) -> usize {
        self.text.capacity() + self.folded.as_ref().map_or(0, Vec::capacity) + self.starts.capacity() * 4
    }
}

#[derive(Default)]
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

    pub fn spelling(&self, id: Id) -> &[u8] {
        let b = self.spellings.from(id);
        &b[1..spelling_len(b)]
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
