//! How a name is stored for matching: per character its marker, the character and the syllable
//! ids it can be spelt as (the surname with its surname reading only), those of its primary
//! reading first; its spellings run together for the fuzzy scan; and a bit mask of what it can be
//! spelt with.

use super::Reading;
use super::syllables::{self, table as syllable_table};
use crate::domain::names::{readings, standard_form};

/// Characters of a name that are indexed; a name is a few characters, anything longer is a data
/// error and its tail is not worth the memory.
pub const MAX_NAME_CHARS: usize = 64;

/// A character that can be typed (letters, digits, Chinese); `SKIP` marks one that cannot (the
/// "·" in 买买提·艾力), which spelt matching steps over. The marker's bits above these two count
/// the syllable ids of the character's primary reading (one, or two for "lü": lv and lu).
const SLOT: u8 = 0x02;
const SKIP: u8 = 0x03;
const KIND: u8 = 0x03;
/// Set when the character as written is not its standard form (陳 for 陈): the standard form
/// follows the written one.
const FOLDED: u8 = 0x80;
const PRIMARY_SHIFT: u32 = 2;
const PRIMARY_BITS: u8 = 0x1F;

/// One character of a stored name, with the syllable ids it can be spelt as.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    /// The character in its standard form (`domain::names::standard_form`): what queries match.
    pub ch: char,
    /// The character as the name is written (陳 where `ch` is 陈): what is shown.
    pub shown: char,
    pub skip: bool,
    /// How many of `ids` (the first ones) spell the primary reading.
    primary: usize,
    ids: &'a [u8],
}

impl<'a> Slot<'a> {
    pub fn syllables(&self) -> impl Iterator<Item = u16> + 'a {
        self.ids.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    /// The syllables, each with whether it spells the character's primary reading or another.
    pub fn readings(&self) -> impl Iterator<Item = (u16, Reading)> + 'a {
        let primary = self.primary;
        self.syllables()
            .enumerate()
            .map(move |(n, id)| (id, if n < primary { Reading::Primary } else { Reading::Other }))
    }

    pub fn has_syllables(&self) -> bool {
        !self.ids.is_empty()
    }
}

/// The name of one client as slots, walked front to back.
#[derive(Debug, Clone, Copy)]
pub struct NameKey<'a>(&'a [u8]);

impl<'a> NameKey<'a> {
    pub fn new(encoded: &'a [u8]) -> NameKey<'a> {
        NameKey(encoded)
    }
}

impl<'a> Iterator for NameKey<'a> {
    type Item = Slot<'a>;

    fn next(&mut self) -> Option<Slot<'a>> {
        let (&marker, rest) = self.0.split_first()?;
        let (shown, mut rest) = take_char(rest)?;
        let mut ch = shown;
        if marker & FOLDED != 0 {
            (ch, rest) = take_char(rest)?;
        }
        let n = usize::from(*rest.first()?);
        let ids = rest.get(1..1 + 2 * n)?;
        self.0 = &rest[1 + 2 * n..];
        let primary = usize::from(marker >> PRIMARY_SHIFT & PRIMARY_BITS);
        Some(Slot { ch, shown, skip: marker & KIND == SKIP, primary, ids })
    }
}

/// The UTF-8 character `b` starts with, and the bytes after it.
fn take_char(b: &[u8]) -> Option<(char, &[u8])> {
    let width = b.first().map_or(1, |b| utf8_width(*b));
    let ch = b.get(..width).and_then(|b| std::str::from_utf8(b).ok()).and_then(|s| s.chars().next())?;
    Some((ch, &b[width..]))
}

fn utf8_width(first: u8) -> usize {
    match first {
        0..0x80 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// Encodes a name: per character its marker, the character, and its syllable ids, the primary
/// reading's first. The readings come from `domain::names`, so "曾" at the front is only zeng,
/// and a traditional character is read (and matched) as its standard form.
pub fn encode_name(name: &str, out: &mut Vec<u8>) {
    let syl = syllable_table();
    let chars: Vec<char> = name.chars().take(MAX_NAME_CHARS).collect();
    let truncated: String = chars.iter().collect();
    for (ch, reads) in chars.iter().zip(readings(&truncated)) {
        let mut ids: Vec<u16> = Vec::new();
        let mut primary = 0;
        for (n, r) in reads.iter().enumerate() {
            for s in syllables::spellings(r) {
                if let Some(id) = syl.id(s.as_bytes())
                    && !ids.contains(&id)
                {
                    ids.push(id);
                }
            }
            if n == 0 {
                primary = ids.len();
            }
        }
        let skip = ids.is_empty() && !ch.is_alphanumeric();
        // A reading has at most three spellings; the marker has five bits for their count.
        let primary = primary.min(usize::from(PRIMARY_BITS)) as u8;
        let standard = standard_form(*ch);
        let folded = if standard == *ch { 0 } else { FOLDED };
        out.push((if skip { SKIP } else { SLOT }) | primary << PRIMARY_SHIFT | folded);
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        if folded != 0 {
            out.extend_from_slice(standard.encode_utf8(&mut buf).as_bytes());
        }
        out.push(ids.len() as u8);
        for id in ids {
            out.extend_from_slice(&id.to_le_bytes());
        }
    }
}

/// What a name can be spelt with, as bits: each letter (0–25), a hash of its other characters
/// (26–31), each letter its spellings have at least twice (32–57), and the commonest letters of
/// pinyin (`THRICE`) at least three times (58–63). A query needing a letter, a
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

/// Builds the letter part of a mask, counting letters up to three.
#[derive(Default)]
pub struct Mask {
    once: u64,
    twice: u64,
    thrice: u64,
}

/// The letters whose third occurrence has a bit of the mask: the commonest in pinyin, so that a
/// query repeating one ("aaaaa", "nanan") rules out most names before they are read.
const THRICE: [u8; 6] = *b"anighe";

impl Mask {
    pub fn add(&mut self, b: u8) {
        let bit = letter_bit(b);
        if b.is_ascii_lowercase() {
            self.thrice |= self.twice & bit;
            self.twice |= self.once & bit;
        }
        self.once |= bit;
    }

    pub fn bits(&self) -> u64 {
        let mut thrice = 0;
        for (k, b) in THRICE.iter().enumerate() {
            if self.thrice & letter_bit(*b) != 0 {
                thrice |= 1 << (58 + k);
            }
        }
        self.once | self.twice << 32 | thrice
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

/// Longest spelling kept for the fuzzy scan; a real name's is a few dozen letters.
const MAX_SPELLING: usize = 255;

/// The name's spellings run together ("zhangwei"; every reading of a polyphonic character one
/// after the other), after a length byte; then the name spelt its usual way only (each
/// character's first spelling of its primary reading), after its own length byte, to grade fuzzy
/// matches (`search::FUZZY_RUN`).
pub fn encode_spelling(key: NameKey, out: &mut Vec<u8>) {
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
    let at = out.len();
    out.push(0);
    for slot in key.filter(|s| !s.skip) {
        if let Some(id) = slot.syllables().next() {
            out.extend_from_slice(syl.text(id).as_bytes());
        }
    }
    out.truncate(at + 1 + MAX_SPELLING);
    out[at] = (out.len() - at - 1) as u8;
}
