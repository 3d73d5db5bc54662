//! Whether and how one client matches a query: the definition every faster path in the index
//! must agree with (the tests check they do, client by client).
//!
//! What a number query may match is a confidentiality decision, not only a convenience one.
//! Phones and ID numbers are shown masked ("138****8000"); the hidden digits are shown only on an
//! audited reveal. A search that matched any part of a number would let someone recover the
//! hidden digits without that record: type "1380", "1381", … and watch whether a client stays in
//! the list, about forty tries for a whole phone. So a number query matches only
//! - the whole number (the client or their card is at the counter: normal). Ten thousand tries
//!   for a phone's hidden digits take a fraction of a second, though, so a whole-number match is
//!   free only for clients the searcher may see; for anyone else `Service::search` audits it as a
//!   reveal and limits such searches per staff member and hour (`service/search.rs`),
//! - the digits the mask shows anyway: the first three of a phone while typing, its last four,
//! - the last four to six characters of an ID number: "身份证后六位" is how branches look people
//!   up, and the two extra characters are the day of birth, which the client card shows
//!   (`domain::mask::id_ending_searchable` holds that rule).

use std::cell::OnceCell;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::name_code::{Mask, NameKey, char_bit};
use super::query::{MAX_UNITS, Query, Unit};
use super::syllables::table as syllable_table;
use super::table::{Id, Table};
use super::typo::TypoQuery;
use super::{FUZZY_RUN, FUZZY_SCATTERED, Grade, MatchField, MatchKind, Reading};
use crate::domain::mask::{id_ending_searchable, phone_shown};

/// A query with what every client check needs worked out once.
pub struct Prepared {
    pub query: Query,
    /// Digits (maybe ending in X): matched against phones, ID numbers and client numbers only.
    pub number: bool,
    /// Lowercase ASCII, when the query could be a client number.
    pub alnum: Option<Vec<u8>>,
    /// Digits only: could be a phone.
    pub digits: Option<String>,
    /// Uppercase, as ID numbers are stored.
    pub id_form: Option<String>,
    pub mask: u64,
    /// For each `Unit::Char`, the syllables it can be read as (for the name keys).
    pub char_syllables: Vec<Vec<u16>>,
    /// The query as a pinyin query that may hold one typo (`typo`), when it is one.
    pub typo: Option<TypoQuery>,
    /// Made on the first fuzzy hit shown and kept for the others: making one costs more than
    /// using it, and most queries show no fuzzy hit at all.
    skim: OnceCell<SkimMatcherV2>,
}

impl Prepared {
    pub fn new(raw: &str) -> Prepared {
        let query = Query::parse(raw);
        let number = query.is_number();
        let alnum = query.is_alnum().then(|| query.alnum_bytes());
        let digits = (number && query.text.bytes().all(|b| b.is_ascii_digit())).then(|| query.text.clone());
        let id_form = number.then(|| query.text.to_uppercase());
        let mut spelt = Mask::default();
        let mut chars = 0;
        for u in &query.units {
            match u {
                Unit::Alnum(b) => spelt.add(*b),
                Unit::Char(c) => chars |= char_bit(*c),
            }
        }
        let mask = spelt.bits() | chars;
        let syl = syllable_table();
        let char_syllables = query
            .units
            .iter()
            .map(|u| match u {
                Unit::Char(c) => {
                    let mut ids: Vec<u16> = crate::domain::names::any_readings(*c)
                        .iter()
                        .flat_map(|r| super::syllables::spellings(r))
                        .filter_map(|s| syl.id(s.as_bytes()))
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    ids
                }
                Unit::Alnum(_) => Vec::new(),
            })
            .collect();
        let typo = if number { None } else { TypoQuery::new(&query.units) };
        Prepared { query, number, alnum, digits, id_form, mask, char_syllables, typo, skim: OnceCell::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub field: MatchField,
    pub kind: MatchKind,
    /// `Other` when the name matched only through another reading than some character's primary
    /// one; always `Primary` for numbers and fuzzy matches.
    pub reading: Reading,
    /// Character positions in the matched field (the name, the phone, the client or ID number).
    pub positions: Vec<usize>,
}

impl Match {
    pub fn grade(&self) -> Grade {
        Grade::new(self.kind, self.reading)
    }
}

/// How `id` matches, if at all: the best grade over its fields; among equally good fields the
/// name, then the client number, the phone, the ID number. `detail` asks for the positions too
/// (fuzzy ones cost a fuzzy-matcher run), needed only for the hits finally shown.
pub fn classify(t: &Table, id: Id, p: &Prepared, detail: bool) -> Option<Match> {
    let mut best: Option<Match> = None;
    let mut offer = |m: Option<Match>| {
        if let Some(m) = m
            && best.as_ref().is_none_or(|b| m.grade() < b.grade())
        {
            best = Some(m);
        }
    };
    let rec = t.rec(id);
    if !p.number {
        // A character typed alone stands only for itself (see `SearchIndex::candidates`).
        let sounds = if p.query.units.len() >= 2 { &p.char_syllables[..] } else { &[] };
        let name = anchored(rec.name(), &p.query.units, sounds).map(|(grade, end)| Match {
            field: MatchField::Name,
            kind: grade.kind,
            reading: grade.reading,
            positions: if detail { typed_positions(rec.name(), end) } else { Vec::new() },
        });
        let fuzzy = name.is_none() && t.mask[id as usize] & p.mask == p.mask && fuzzy_name(t, id, p);
        let typo = match &p.typo {
            Some(tq) if name.is_none() && !fuzzy => typo_end(rec.name(), tq),
            _ => None,
        };
        offer(name);
        if let Some(end) = typo {
            offer(Some(Match {
                field: MatchField::Name,
                kind: MatchKind::Typo,
                reading: Reading::Primary,
                positions: if detail { typed_positions(rec.name(), end) } else { Vec::new() },
            }));
        }
        if fuzzy {
            let positions = if detail { fuzzy_positions(rec.name(), p) } else { Vec::new() };
            offer(Some(Match {
                field: MatchField::Name,
                kind: MatchKind::Fuzzy,
                reading: fuzzy_level(t, id, p),
                positions,
            }));
        }
    }
    if let Some(q) = &p.alnum {
        offer(client_no(t.nos.folded(id), q));
    }
    if let Some(d) = &p.digits {
        offer(phone(rec.phone(), d));
    }
    if let Some(q) = &p.id_form {
        offer(id_number(rec.id_number(), q));
    }
    best
}

fn client_no(no: &[u8], q: &[u8]) -> Option<Match> {
    let (kind, at) = if no == q {
        (MatchKind::Exact, 0)
    } else if no.starts_with(q) {
        (MatchKind::Prefix, 0)
    } else {
        (MatchKind::Fuzzy, find(no, q)?)
    };
    // Client numbers are ASCII, so byte positions are character positions.
    Some(Match {
        field: MatchField::ClientNo,
        kind,
        reading: Reading::Primary,
        positions: (at..at + q.len()).collect(),
    })
}

pub fn phone(phone: &str, digits: &str) -> Option<Match> {
    let len = phone.chars().count();
    let (head, tail) = phone_shown(len);
    let (kind, positions) = if phone == digits {
        (MatchKind::Exact, (0..len).collect())
    } else if digits.len() <= head && phone.starts_with(digits) {
        (MatchKind::Prefix, (0..digits.len()).collect())
    } else if tail > 0 && digits.len() == tail && phone.ends_with(digits) {
        (MatchKind::Prefix, (len - tail..len).collect())
    } else {
        return None;
    };
    Some(Match { field: MatchField::Phone, kind, reading: Reading::Primary, positions })
}

pub fn id_number(id: &str, q: &str) -> Option<Match> {
    let len = id.chars().count();
    let (kind, positions) = if id == q {
        (MatchKind::Exact, (0..len).collect())
    } else if id_ending_searchable(id, q.len()) && id.ends_with(q) {
        (MatchKind::Prefix, (len - q.len()..len).collect())
    } else {
        return None;
    };
    Some(Match { field: MatchField::IdNumber, kind, reading: Reading::Primary, positions })
}

/// The name read from its first character: each typed segment is a whole reading or the start
/// of one, a character stands for itself. Exact when every character was spelt out in full,
/// initials when every character was used but some segment was cut short ("zw", "zhwei",
/// "zhangw"), prefix when characters remain ("zhang", "zw" for 周文博); and within a kind, better when every character
/// spelt was spelt with its primary reading ("zw" is 张伟 read the usual way, but 张立新 only
/// with 立 read wèi). A typed character also matches a different character sharing a toneless
/// reading with it (`sounds[j]`, the syllables `units[j]` can be read as: 玮 for 伟), graded
/// `Reading::Sound`, after the characters themselves. Returns the best grade and the index of
/// the last character used.
pub fn anchored(name: NameKey, units: &[Unit], sounds: &[Vec<u16>]) -> Option<(Grade, usize)> {
    let m = units.len();
    if m == 0 || m > MAX_UNITS {
        return None;
    }
    let syl = syllable_table();
    let last_typed = name.enumerate().filter(|(_, s)| !s.skip).map(|(i, _)| i).last()?;
    // Where the query has got to after each character: bit j of `states[a][r]` means units[..j]
    // were used, with some segment so far cut short if `a` is 1 (else every one a whole
    // reading), and some character read another way than its primary if `r` is 1. Sets of
    // states rather than a recursion, so "anananan" cannot blow up, and no allocation.
    let mut states = [[1u64, 0, 0], [0, 0, 0]];
    let mut best: Option<(Grade, usize)> = None;
    for (i, slot) in name.enumerate() {
        if states.iter().flatten().all(|s| *s == 0) {
            break;
        }
        if slot.skip {
            continue;
        }
        let mut next = [[0u64; 3]; 2];
        let mut done = |abbreviated: bool, reading: Reading, partial: bool| {
            let kind = if i < last_typed {
                MatchKind::Prefix
            } else if abbreviated || partial {
                MatchKind::Initials
            } else {
                MatchKind::Exact
            };
            let grade = Grade::new(kind, reading);
            if best.is_none_or(|(g, _)| grade < g) {
                best = Some((grade, i));
            }
        };
        for (a, abbreviated) in [(0, false), (1, true)] {
            for (r, reading) in [(0, Reading::Primary), (1, Reading::Other), (2, Reading::Sound)] {
                let mut rest = states[a][r];
                while rest != 0 {
                    let j = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    let mut advance = |used: usize, abbreviated: bool, reading: Reading, partial: bool| {
                        if used == m {
                            done(abbreviated, reading, partial);
                        } else {
                            next[usize::from(abbreviated)][reading as usize] |= 1 << used;
                        }
                    };
                    match units[j] {
                        Unit::Char(c) if slot.ch == c => advance(j + 1, abbreviated, reading, false),
                        Unit::Char(_) => {
                            let heard = sounds.get(j).map_or(&[][..], Vec::as_slice);
                            if slot.syllables().any(|s| heard.binary_search(&s).is_ok()) {
                                advance(j + 1, abbreviated, Reading::Sound, false);
                            }
                        }
                        Unit::Alnum(_) => {
                            for (s, how) in slot.readings() {
                                let reading = reading.max(how);
                                let text = syl.text(s).as_bytes();
                                for (l, b) in text.iter().enumerate() {
                                    if units.get(j + l) != Some(&Unit::Alnum(*b)) {
                                        break;
                                    }
                                    let whole_reading = l + 1 == text.len();
                                    let used = j + l + 1;
                                    // A cut-short segment is fine last ("zhangw"), an abbreviation before.
                                    let abbreviated = abbreviated || (!whole_reading && used < m);
                                    advance(used, abbreviated, reading, !whole_reading);
                                }
                            }
                        }
                    }
                }
            }
        }
        // Having got as far with primary readings only is never worse than with another reading.
        for n in &mut next {
            n[1] &= !n[0];
            n[2] &= !(n[0] | n[1]);
        }
        states = next;
    }
    best
}

/// Whether some spelling of `name` starts within one edit of the query (`typo`): the index of
/// the character where the query was used up.
pub fn typo_end(name: NameKey, tq: &TypoQuery) -> Option<usize> {
    let syl = syllable_table();
    let mut st = tq.start();
    for (i, slot) in name.enumerate() {
        if slot.skip {
            continue;
        }
        let (next, done) = tq.feed_any(st, slot.syllables().map(|s| syl.text(s).as_bytes()));
        if done {
            return Some(i);
        }
        if next.is_dead() {
            return None;
        }
        st = next;
    }
    None
}

/// Most spellings of one name tried by `typo_distance`: a few characters with two or three
/// readings each stay well under it; a longer name is judged by its first spellings, primary
/// readings first, which are the ones a query most likely meant.
const TYPO_SPELLINGS: usize = 256;

/// How many edits the query is from the closest whole spelling of `name` (see
/// `TypoQuery::distance`), over up to `TYPO_SPELLINGS` of its spellings.
pub fn typo_distance(name: NameKey, tq: &TypoQuery) -> usize {
    let syl = syllable_table();
    let slots: Vec<Vec<&[u8]>> = name
        .filter(|s| !s.skip)
        .map(|s| s.syllables().map(|id| syl.text(id).as_bytes()).collect::<Vec<_>>())
        .filter(|r| !r.is_empty())
        .collect();
    // An odometer over the readings, the first slot turning slowest so primary readings of the
    // surname come first.
    let mut at = vec![0usize; slots.len()];
    let mut best = usize::MAX;
    let mut text = Vec::new();
    for _ in 0..TYPO_SPELLINGS {
        text.clear();
        for (slot, &k) in slots.iter().zip(&at) {
            text.extend_from_slice(slot[k]);
        }
        best = best.min(tq.distance(&text));
        let mut i = slots.len();
        loop {
            if i == 0 {
                return best;
            }
            i -= 1;
            at[i] += 1;
            if at[i] < slots[i].len() {
                break;
            }
            at[i] = 0;
        }
    }
    best
}

/// The characters of `name` up to and including `end` that were typed for, for highlighting.
pub fn typed_positions(name: NameKey, end: usize) -> Vec<usize> {
    name.enumerate().take(end + 1).filter(|(_, s)| !s.skip).map(|(i, _)| i).collect()
}

/// The query as a subsequence of the name written out as characters and spellings
/// ("张zhang伟wei"): what fuzzy-matcher would accept, checked without scoring. A query of letters
/// and digits only is checked against the stored spelling bytes, a tight loop.
pub fn fuzzy_name(t: &Table, id: Id, p: &Prepared) -> bool {
    match &p.alnum {
        Some(q) => spelt_subsequence(t.spelling(id), q),
        None => subsequence(t.rec(id).name(), &p.query.units),
    }
}

/// How closely a fuzzy name match sits (`search::FUZZY_RUN`): a spelt query as one run of the
/// name's usual spelling, characters typed as one run of the name's characters.
pub fn fuzzy_level(t: &Table, id: Id, p: &Prepared) -> Reading {
    let run = match &p.alnum {
        Some(q) => find(t.usual_spelling(id), q).is_some(),
        None => {
            let typed: Vec<char> = t.rec(id).name().filter(|s| !s.skip).map(|s| s.ch).collect();
            let q: Vec<char> = p
                .query
                .units
                .iter()
                .map_while(|u| if let Unit::Char(c) = u { Some(*c) } else { None })
                .collect();
            q.len() == p.query.units.len() && typed.windows(q.len()).any(|w| w == q.as_slice())
        }
    };
    if run { FUZZY_RUN } else { FUZZY_SCATTERED }
}

/// Where `needle` first occurs in `hay`, as `memchr::memmem::find` says, by plain comparison:
/// spellings and client numbers are a dozen bytes, and `memmem::find` sets up a searcher on
/// every call, which cost more than the search itself when run once per client walked.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else { return Some(0) };
    let last = hay.len().checked_sub(needle.len())?;
    (0..=last).find(|&i| hay[i] == first && &hay[i + 1..i + needle.len()] == rest)
}

/// A plain loop: spellings are a dozen bytes, too short for `memchr` to pay off. Without a
/// branch on each byte's match: a sparse query's scan runs this on tens of thousands of names
/// at a million clients whose letters are all there but in another order, and the branch on
/// which letter matches mispredicted on most of them.
fn spelt_subsequence(spelling: &[u8], q: &[u8]) -> bool {
    let n = q.len();
    if n == 0 {
        return true;
    }
    if n > MAX_UNITS {
        return spelt_subsequence_long(spelling, q);
    }
    // The query with a byte after it that no spelling has, so `want[j]` is safe once used up.
    let mut want = [0xFFu8; MAX_UNITS + 1];
    want[..n].copy_from_slice(q);
    let mut j = 0;
    for &b in spelling {
        j += usize::from(b == want[j]);
    }
    j == n
}

fn spelt_subsequence_long(spelling: &[u8], q: &[u8]) -> bool {
    let mut j = 0;
    for &b in spelling {
        if q.get(j) == Some(&b) {
            j += 1;
        }
    }
    j >= q.len()
}

pub fn subsequence(name: NameKey, units: &[Unit]) -> bool {
    let syl = syllable_table();
    let mut j = 0;
    for slot in name {
        if j == units.len() {
            break;
        }
        if units[j] == Unit::Char(slot.ch) {
            j += 1;
        }
        for s in slot.syllables() {
            for b in syl.text(s).bytes() {
                if units.get(j) == Some(&Unit::Alnum(b)) {
                    j += 1;
                }
            }
        }
    }
    j == units.len()
}

/// Name characters fuzzy-matcher picks for the query, for highlighting.
fn fuzzy_positions(name: NameKey, p: &Prepared) -> Vec<usize> {
    let syl = syllable_table();
    let mut written = String::new();
    let mut owner = Vec::new();
    for (i, slot) in name.enumerate() {
        written.push(slot.ch);
        owner.push(i);
        // A letter's only spelling is itself: writing it twice ("AaNnNnAa") let the matcher
        // pick both copies of one letter and leave the second n of "Anna" unlit.
        if slot.ch.is_ascii_alphanumeric() {
            continue;
        }
        for s in slot.syllables() {
            for c in syl.text(s).chars() {
                written.push(c);
                owner.push(i);
            }
        }
    }
    let skim = p.skim.get_or_init(SkimMatcherV2::default);
    let Some((_, at)) = skim.fuzzy_indices(&written, &p.query.text) else {
        return Vec::new();
    };
    let mut positions: Vec<usize> = at.iter().filter_map(|a| owner.get(*a).copied()).collect();
    positions.dedup();
    positions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::name_code::encode_name;

    fn name_match(name: &str, q: &str) -> Option<(MatchKind, Vec<usize>)> {
        let mut buf = Vec::new();
        encode_name(name, &mut buf);
        let key = NameKey::new(&buf);
        let p = Prepared::new(q);
        anchored(key, &p.query.units, &p.char_syllables)
            .map(|(grade, end)| (grade.kind, typed_positions(key, end)))
    }

    fn grade(name: &str, q: &str) -> Option<(MatchKind, Reading)> {
        let mut buf = Vec::new();
        encode_name(name, &mut buf);
        let p = Prepared::new(q);
        anchored(NameKey::new(&buf), &p.query.units, &p.char_syllables).map(|(g, _)| (g.kind, g.reading))
    }

    fn kind(name: &str, q: &str) -> Option<MatchKind> {
        name_match(name, q).map(|m| m.0)
    }

    fn fuzzy(name: &str, q: &str) -> bool {
        let mut buf = Vec::new();
        encode_name(name, &mut buf);
        subsequence(NameKey::new(&buf), &Query::parse(q).units)
    }

    use MatchKind::*;

    #[test]
    fn spelt_names_match_by_kind() {
        assert_eq!(kind("张伟", "zhangwei"), Some(Exact));
        assert_eq!(kind("张伟", "zhang wei"), Some(Exact));
        assert_eq!(kind("张伟", "张伟"), Some(Exact));
        assert_eq!(kind("张伟", "张wei"), Some(Exact));
        assert_eq!(kind("张伟", "zhangwe"), Some(Initials), "the whole name, its last syllable unfinished");
        assert_eq!(kind("张伟", "zhang"), Some(Prefix));
        assert_eq!(kind("张伟", "张w"), Some(Initials));
        assert_eq!(kind("张伟华", "zw"), Some(Prefix), "华 not typed for");
        assert_eq!(kind("张伟", "张"), Some(Prefix));
        assert_eq!(kind("张伟", "zw"), Some(Initials));
        assert_eq!(kind("张伟", "zhwei"), Some(Initials));
        assert_eq!(kind("张伟", "z伟"), Some(Initials));
        assert_eq!(kind("张伟", "wei"), None, "not from the start; fuzzy handles that");
        assert_eq!(grade("张伟", "章伟"), Some((Exact, Reading::Sound)), "read the same, ranked after");
        assert_eq!(grade("张伟", "张玮"), Some((Exact, Reading::Sound)));
        assert_eq!(grade("张伟", "章w"), Some((Initials, Reading::Sound)));
        assert_eq!(grade("张伟", "张伟"), Some((Exact, Reading::Primary)));
        assert_eq!(kind("张伟", "李伟"), None, "a different sound is no match");
    }

    #[test]
    fn surnames_only_by_their_surname_reading_other_characters_by_any() {
        assert_eq!(kind("单明", "shanming"), Some(Exact));
        assert_eq!(kind("单明", "danming"), None);
        assert_eq!(kind("曾小红", "zxh"), Some(Initials));
        assert_eq!(kind("曾小红", "cxh"), None);
        assert_eq!(kind("解放", "xiefang"), Some(Exact));
        assert_eq!(kind("仇军", "qj"), Some(Initials));
        assert_eq!(kind("区志强", "ouzhiqiang"), Some(Exact));
        assert_eq!(kind("朴正", "piaozheng"), Some(Exact));
        assert_eq!(kind("查理", "zhali"), Some(Exact));
        assert_eq!(kind("盖伦", "gelun"), Some(Exact));
        assert_eq!(kind("乐平", "yueping"), Some(Exact));
        assert_eq!(
            grade("乐平", "leping"),
            Some((Exact, Reading::Other)),
            "the second living reading, after"
        );
        assert_eq!(grade("盖伦", "gailun"), Some((Exact, Reading::Primary)));
        assert_eq!(kind("王芳", "yufang"), None, "王 has no second surname reading");
        assert_eq!(kind("尉迟恭", "yuchigong"), Some(Exact));
        assert_eq!(kind("万俟卨", "mqx"), Some(Initials));
        // 长 in a given name: zhang or chang; 乐 in a given name: le or yue.
        assert_eq!(kind("王长春", "wangchangchun"), Some(Exact));
        assert_eq!(kind("王长春", "wangzhangchun"), Some(Exact));
        assert_eq!(kind("李乐", "lile"), Some(Exact));
        assert_eq!(kind("李乐", "liyue"), Some(Exact));
        assert_eq!(kind("吕明", "lvming"), Some(Exact));
        assert_eq!(kind("吕明", "luming"), Some(Exact));
        assert_eq!(kind("吕明", "lyuming"), Some(Exact));
    }

    #[test]
    fn a_match_through_another_reading_than_the_primary_is_told_apart() {
        use Reading::*;
        assert_eq!(grade("张伟", "zw"), Some((Initials, Primary)));
        assert_eq!(grade("张立新", "zw"), Some((Prefix, Other)), "立 is li; wèi is archaic");
        assert_eq!(grade("张立新", "zl"), Some((Prefix, Primary)));
        assert_eq!(grade("张立新", "zlx"), Some((Initials, Primary)));
        assert_eq!(grade("张立新", "zhangli"), Some((Prefix, Primary)));
        assert_eq!(grade("张立新", "zhangwei"), Some((Prefix, Other)));
        assert_eq!(grade("张立新", "zhangweixin"), Some((Exact, Other)), "the kind still comes first");
        assert_eq!(grade("张立新", "张立x"), Some((Initials, Primary)), "a character typed is no reading");
        assert_eq!(grade("张立新", "zhang"), Some((Prefix, Primary)), "立 not spelt yet");
        // In a given name 长 is chang first (names::GIVEN_NAME_READINGS), then zhang.
        assert_eq!(grade("王长春", "wcc"), Some((Initials, Primary)));
        assert_eq!(grade("王长春", "wzc"), Some((Initials, Other)));
        // 吕 is typed lv or lu, both its one reading.
        assert_eq!(grade("吕明", "luming"), Some((Exact, Primary)));
        // 和 is he, hu or huo: the best way through counts.
        assert_eq!(grade("王和平", "whp"), Some((Initials, Primary)));
        assert_eq!(grade("王和平", "whuop"), Some((Initials, Other)));
        assert_eq!(grade("王和平", "wangheping"), Some((Exact, Primary)));
        assert_eq!(grade("王和平", "wanghuoping"), Some((Exact, Other)));
    }

    #[test]
    fn the_characters_used_are_reported() {
        assert_eq!(name_match("张伟华", "zhangw"), Some((Prefix, vec![0, 1])));
        assert_eq!(name_match("买买提·艾力", "mmtai"), Some((Prefix, vec![0, 1, 2, 4])));
        assert_eq!(name_match("买买提·艾力", "mmtail"), Some((Initials, vec![0, 1, 2, 4, 5])));
        assert_eq!(name_match("买买提·艾力", "买买提艾力"), Some((Exact, vec![0, 1, 2, 4, 5])));
    }

    #[test]
    fn fuzzy_is_a_subsequence_of_characters_and_spellings() {
        assert!(fuzzy("张伟", "wei"));
        assert!(fuzzy("张伟", "伟"));
        assert!(fuzzy("张伟", "zhngwei"));
        assert!(fuzzy("曾小红", "xh"));
        assert!(!fuzzy("张伟", "weizhang"));
        assert!(!fuzzy("张伟", "伟张"));
    }

    #[test]
    fn spelt_subsequence_is_letters_in_order() {
        let cases: [(&[u8], &[u8], bool); 9] = [
            (b"zhangwei", b"", true),
            (b"zhangwei", b"zw", true),
            (b"zhangwei", b"zhangwei", true),
            (b"zhangwei", b"zhangweii", false),
            (b"zhangwei", b"wz", false),
            (b"", b"a", false),
            (b"linana", b"nana", true),
            (b"zhouyangning", b"ouyangn", true),
            (b"yangzhouning", b"ouyangn", false),
        ];
        for (spelling, q, want) in cases {
            assert_eq!(spelt_subsequence(spelling, q), want, "{q:?} in {spelling:?}");
            assert_eq!(spelt_subsequence_long(spelling, q), want, "{q:?} in {spelling:?}");
        }
    }

    #[test]
    fn find_agrees_with_memmem() {
        let hays: [&[u8]; 6] = [b"", b"a", b"zhangwei", b"nanana", b"6201866658", b"aab"];
        let needles: [&[u8]; 8] = [b"", b"a", b"an", b"nan", b"ana", b"wei", b"66", b"zhangweix"];
        for hay in hays {
            for needle in needles {
                assert_eq!(find(hay, needle), memchr::memmem::find(hay, needle), "{hay:?} {needle:?}");
            }
        }
    }

    #[test]
    fn a_long_run_of_ambiguous_syllables_stays_cheap() {
        let name = "安".repeat(30);
        let q = "an".repeat(30);
        assert_eq!(kind(&name, &q), Some(Exact));
        assert_eq!(kind(&name, &format!("{q}x")), None);
    }

    #[test]
    fn numbers_match_only_what_the_mask_shows_or_all_of_it() {
        let p = |q: &str| phone("13800138000", q).map(|m| (m.kind, m.positions));
        assert_eq!(p("13800138000").map(|m| m.0), Some(Exact));
        assert_eq!(p("138"), Some((Prefix, vec![0, 1, 2])));
        assert_eq!(p("8000"), Some((Prefix, vec![7, 8, 9, 10])));
        assert_eq!(p("1380"), None, "the fourth digit is hidden");
        assert_eq!(p("38000"), None, "so is the fifth from the end");
        assert_eq!(phone("1234567", "4567"), None, "a short number is hidden entirely");
        let id = |q: &str| id_number("11010519491231002X", q).map(|m| (m.kind, m.positions));
        assert_eq!(id("002X"), Some((Prefix, vec![14, 15, 17 - 1, 17])));
        assert_eq!(id("31002X").map(|m| m.0), Some(Prefix));
        assert_eq!(id("231002X"), None);
        assert_eq!(id("11010519491231002X").map(|m| m.0), Some(Exact));
    }
}
