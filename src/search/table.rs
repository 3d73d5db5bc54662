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

/// Bits of the letters a name can be spelt with (0–25) and a hash of its other characters
/// (26–31): a query using a letter or character the name lacks cannot match it at all, which
/// rules most names out of the fuzzy scan with one AND.
pub fn name_mask(key: NameKey) -> u32 {
    let syl = syllable_table();
    let mut mask = 0;
    for slot in key {
        mask |= char_bit(slot.ch);
        for id in slot.syllables() {
            for b in syl.text(id).bytes() {
                mask |= letter_bit(b);
            }
        }
    }
    mask
}

pub fn letter_bit(b: u8) -> u32 {
    if b.is_ascii_lowercase() { 1 << (b - b'a') } else { char_bit(char::from(b)) }
}

pub fn char_bit(c: char) -> u32 {
    if c.is_ascii_alphabetic() {
        return 1 << (c.to_ascii_lowercase() as u8 - b'a');
    }
    1 << (26 + u32::from(c) % 6)
}

/// Days since the common era, for ordering by recent contact in four bytes.
pub fn day_number(d: Option<NaiveDate>) -> i32 {
    d.map_or(NO_CONTACT, |d| d.num_days_from_ce())
}

/// A client's stored text: `[phone len][id len][name key len: u16]` then the three.
#[derive(Debug, Clone, Copy)]
pub struct Rec<'a>(&'a [u8]);

impl<'a> Rec<'a> {
    fn parts(&self) -> (&'a [u8], &'a [u8], &'a [u8]) {
        let b = self.0;
        let (p, i) = (usize::from(b[0]), usize::from(b[1]));
        let k = usize::from(u16::from_le_bytes([b[2], b[3]]));
        (&b[4..4 + p], &b[4 + p..4 + p + i], &b[4 + p + i..4 + p + i + k])
    }

    pub fn phone(&self) -> &'a str {
        std::str::from_utf8(self.parts().0).unwrap_or("")
    }

    pub fn id_number(&self) -> &'a str {
        std::str::from_utf8(self.parts().1).unwrap_or("")
    }

    pub fn name(&self) -> NameKey<'a> {
        NameKey(self.parts().2)
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
    let key_len = (out.len() - key_start).min(usize::from(u16::MAX));
    out.truncate(key_start + key_len);
    out[start + 2..start + 4].copy_from_slice(&(key_len as u16).to_le_bytes());
}

/// Client numbers never change once a client exists, so they live in an append-only arena joined
/// by newlines, which lets a substring search run over all of them at once (`memchr::memmem`).
#[derive(Default)]
pub struct Numbers {
    text: Vec<u8>,
    /// ASCII-lowercased copy, made only once some number has capital letters.
    folded: Option<Vec<u8>>,
    starts: Vec<u32>,
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

    /// Every client whose folded number contains `needle`.
    pub fn containing(&self, needle: &[u8], mut found: impl FnMut(Id)) {
        let hay = self.folded.as_deref().unwrap_or(&self.text);
        let mut last = None;
        for at in memchr::memmem::find_iter(hay, needle) {
            let id = (self.starts.partition_point(|s| *s as usize <= at) - 1) as Id;
            if last != Some(id) {
                found(id);
                last = Some(id);
            }
        }
    }

    fn bytes(&self) -> usize {
        self.text.capacity() + self.folded.as_ref().map_or(0, Vec::capacity) + self.starts.capacity() * 4
    }
}

#[derive(Default)]
pub struct Table {
    arena: Vec<u8>,
    spans: Vec<(u32, u32)>,
    /// Bytes in `arena` no longer referenced, left by edits; compacted when it outgrows the rest.
    garbage: usize,
    pub nos: Numbers,
    pub maintainer: Vec<u32>,
    pub tier: Vec<CardTier>,
    pub last_contact: Vec<i32>,
    pub mask: Vec<u32>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn rec(&self, id: Id) -> Rec<'_> {
        let (start, len) = self.spans[id as usize];
        Rec(&self.arena[start as usize..(start + len) as usize])
    }

    pub fn push(&mut self, row: &Row, maintainer: u32) -> Id {
        let id = self.spans.len() as Id;
        self.nos.push(&row.no);
        self.spans.push((0, 0));
        self.maintainer.push(maintainer);
        self.tier.push(row.tier);
        self.last_contact.push(day_number(row.last_contact));
        self.mask.push(0);
        self.set_text(id, row);
        id
    }

    /// Replaces the phone, ID number and name of `id`.
    pub fn set_text(&mut self, id: Id, row: &Row) {
        let i = id as usize;
        self.garbage += self.spans[i].1 as usize;
        let start = self.arena.len();
        encode_rec(row, &mut self.arena);
        self.spans[i] = (start as u32, (self.arena.len() - start) as u32);
        self.mask[i] = name_mask(self.rec(id).name());
        if self.garbage > self.arena.len() / 2 {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len() - self.garbage);
        for span in &mut self.spans {
            let (start, len) = (span.0 as usize, span.1 as usize);
            span.0 = arena.len() as u32;
            arena.extend_from_slice(&self.arena[start..start + len]);
        }
        self.arena = arena;
        self.garbage = 0;
    }

    pub fn shrink(&mut self) {
        self.compact();
        self.spans.shrink_to_fit();
        self.maintainer.shrink_to_fit();
        self.tier.shrink_to_fit();
        self.last_contact.shrink_to_fit();
        self.mask.shrink_to_fit();
    }

    /// Heap bytes held, for the benchmark's report alongside the allocator's count.
    pub fn bytes(&self) -> usize {
        self.arena.capacity()
            + self.spans.capacity() * 8
            + self.nos.bytes()
            + self.maintainer.capacity() * 4
            + self.tier.capacity()
            + self.last_contact.capacity() * 4
            + self.mask.capacity() * 4
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
        let slots: Vec<_> = t.rec(b).name().collect();
        assert_eq!(slots.len(), 6);
        assert!(slots[3].skip && !slots[3].has_syllables());
        t.set_text(a, &row("C1", "张小伟"));
        assert_eq!(t.rec(a).name_string(), "张小伟");
        assert_eq!(t.rec(b).name_string(), "买买提·艾力", "an edit leaves other rows alone");
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
        t.nos.containing(b"62", |id| found.push(id));
        assert_eq!(found, [0, 1]);
        found.clear();
        t.nos.containing(b"011", |id| found.push(id));
        assert!(found.is_empty(), "\"6201\" then \"1620\" must not make \"011\"");
        found.clear();
        t.nos.containing(b"c7", |id| found.push(id));
        assert_eq!(found, [2]);
    }
}
