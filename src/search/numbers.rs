//! Sorted arrays for number lookups: client numbers (whole and prefix), phones (whole, the three
//! digits the mask shows at the front, the four at the end) and ID-number endings. Each is a
//! `Vec<Id>` or a pair of parallel vectors, binary-searched; see `matcher` for what may match.

use std::cmp::Ordering;

use super::rank::cmp_no;
use super::table::{Id, Table};
use crate::domain::mask::{ID_ENDING_SEARCHABLE, PHONE_KEEP, id_shown, phone_shown};

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct NumberKeys {
    pub by_no: Vec<Id>,
    /// Phones whose ends the mask shows, in phone order.
    by_phone: Vec<Id>,
    /// Phones too short for the mask to show anything: found only by the whole number.
    pub short_phones: Vec<Id>,
    tail_keys: Vec<u16>,
    tail_ids: Vec<Id>,
    id_keys: Vec<u32>,
    id_ids: Vec<Id>,
    /// ID numbers too short for the mask to show their end: found only whole.
    pub short_ids: Vec<Id>,
}

/// The last four digits of a phone whose mask shows them.
fn phone_tail(phone: &str) -> Option<u16> {
    let (_, tail) = phone_shown(phone.chars().count());
    let end = phone.as_bytes().get(phone.len().checked_sub(tail)?..)?;
    if tail != 4 || !end.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(end.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
}

fn id_char_code(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0') + 1),
        b'X' => Some(11),
        _ => None,
    }
}

/// The end of an ID number read backwards, six characters in base 12 (0 where the end is shorter),
/// so that the IDs ending in a given string are one range of codes.
fn tail_code(reversed: impl Iterator<Item = u8>) -> (u32, usize) {
    let mut code = 0;
    let mut n = 0;
    for b in reversed.take(*ID_ENDING_SEARCHABLE.end()) {
        let Some(c) = id_char_code(b) else { break };
        code += c * 12u32.pow((*ID_ENDING_SEARCHABLE.end() - 1 - n) as u32);
        n += 1;
    }
    (code, n)
}

fn id_tail(id: &str) -> Option<u32> {
    if id_shown(id.chars().count()).1 == 0 {
        return None;
    }
    let (code, n) = tail_code(id.bytes().rev());
    (n >= *ID_ENDING_SEARCHABLE.start()).then_some(code)
}

fn cmp_phone(t: &Table, a: Id, b: Id) -> Ordering {
    t.rec(a).phone().cmp(t.rec(b).phone()).then(a.cmp(&b))
}

/// Runs of ids to consider for a number query, by kind; `check` ones may not match at all.
#[derive(Default)]
pub struct NumberHits<'a> {
    pub exact: Vec<&'a [Id]>,
    pub prefix: Vec<&'a [Id]>,
    pub check: Vec<&'a [Id]>,
}

impl NumberKeys {
    /// `by_no`: every id in client-number order (`rank::cmp_no`).
    pub fn build(t: &Table, by_no: Vec<Id>) -> NumberKeys {
        let mut k = NumberKeys { by_no, ..NumberKeys::default() };
        let mut tails = Vec::new();
        let mut ids = Vec::new();
        for id in 0..t.len() as Id {
            k.place_phone(t, id, &mut tails);
            if let Some(code) = id_tail(t.rec(id).id_number()) {
                ids.push((code, id));
            } else if !t.rec(id).id_number().is_empty() {
                k.short_ids.push(id);
            }
        }
        k.by_phone.sort_by(|a, b| cmp_phone(t, *a, *b));
        tails.sort_unstable();
        ids.sort_unstable();
        (k.tail_keys, k.tail_ids) = tails.into_iter().unzip();
        (k.id_keys, k.id_ids) = ids.into_iter().unzip();
        k
    }

    fn place_phone(&mut self, t: &Table, id: Id, tails: &mut Vec<(u16, Id)>) {
        let phone = t.rec(id).phone();
        if phone.is_empty() {
            return;
        }
        if phone_shown(phone.chars().count()).0 == 0 {
            self.short_phones.push(id);
            return;
        }
        self.by_phone.push(id);
        if let Some(tail) = phone_tail(phone) {
            tails.push((tail, id));
        }
    }

    /// Adds (or, with `remove`, takes out) the numbers `id` has now. A removal must happen while
    /// the table still holds the old values.
    pub fn update(&mut self, t: &Table, id: Id, remove: bool, with_no: bool) {
        if with_no {
            let at = self.by_no.partition_point(|o| cmp_no(t, *o, id) == Ordering::Less);
            edit(&mut self.by_no, at, id, remove);
        }
        let phone = t.rec(id).phone();
        if !phone.is_empty() {
            if phone_shown(phone.chars().count()).0 == 0 {
                let at = self.short_phones.partition_point(|o| *o < id);
                edit(&mut self.short_phones, at, id, remove);
            } else {
                let at = self.by_phone.partition_point(|o| cmp_phone(t, *o, id) == Ordering::Less);
                edit(&mut self.by_phone, at, id, remove);
                if let Some(tail) = phone_tail(phone) {
                    edit_pair(&mut self.tail_keys, &mut self.tail_ids, tail, id, remove);
                }
            }
        }
        let number = t.rec(id).id_number();
        if let Some(code) = id_tail(number) {
            edit_pair(&mut self.id_keys, &mut self.id_ids, code, id, remove);
        } else if !number.is_empty() {
            let at = self.short_ids.partition_point(|o| *o < id);
            edit(&mut self.short_ids, at, id, remove);
        }
    }

    /// Client numbers equal to, then starting with, `q` (lowercase).
    pub fn client_no<'a>(&'a self, t: &Table, q: &[u8], hits: &mut NumberHits<'a>) {
        let v = &self.by_no;
        let lo = v.partition_point(|id| t.nos.folded(*id) < q);
        let eq = lo + v[lo..].partition_point(|id| t.nos.folded(*id) == q);
        let hi = eq + v[eq..].partition_point(|id| t.nos.folded(*id).starts_with(q));
        hits.exact.push(&v[lo..eq]);
        hits.prefix.push(&v[eq..hi]);
    }

    /// Phones and ID numbers for a number query (`digits` when it has no X, `id_form` uppercase).
    pub fn numbers<'a>(&'a self, t: &Table, digits: Option<&str>, id_form: &str, hits: &mut NumberHits<'a>) {
        if let Some(d) = digits {
            let v = &self.by_phone;
            let phone = |id: &Id| t.rec(*id).phone();
            let lo = v.partition_point(|id| phone(id) < d);
            let eq = lo + v[lo..].partition_point(|id| phone(id) == d);
            hits.exact.push(&v[lo..eq]);
            // Only as far as the mask shows: no phone can be 3 digits long, so none is equal.
            if d.len() <= PHONE_KEEP.0 {
                let hi = lo + v[lo..].partition_point(|id| phone(id).starts_with(d));
                hits.prefix.push(&v[lo..hi]);
            }
            if d.len() == PHONE_KEEP.1
                && let Ok(tail) = d.parse::<u16>()
            {
                let lo = self.tail_keys.partition_point(|k| *k < tail);
                let hi = self.tail_keys.partition_point(|k| *k <= tail);
                hits.prefix.push(&self.tail_ids[lo..hi]);
            }
            hits.check.push(&self.short_phones);
        }
        let (code, n) = tail_code(id_form.bytes().rev());
        if n == id_form.len().min(*ID_ENDING_SEARCHABLE.end()) && n >= *ID_ENDING_SEARCHABLE.start() {
            let width = 12u32.pow((*ID_ENDING_SEARCHABLE.end() - n) as u32);
            let lo = self.id_keys.partition_point(|k| *k < code);
            let hi = self.id_keys.partition_point(|k| *k < code + width);
            let run = &self.id_ids[lo..hi];
            // The shortest ending is what every mask shows; a longer one matches resident IDs
            // only (`domain::mask::id_ending_searchable`), so those runs are checked one by one.
            if id_form.len() == *ID_ENDING_SEARCHABLE.start() {
                hits.prefix.push(run)
            } else {
                hits.check.push(run)
            }
        }
        hits.check.push(&self.short_ids);
    }

    pub fn bytes(&self) -> usize {
        (self.by_no.capacity()
            + self.by_phone.capacity()
            + self.short_phones.capacity()
            + self.tail_ids.capacity()
            + self.id_ids.capacity()
            + self.short_ids.capacity())
            * 4
            + self.tail_keys.capacity() * 2
            + self.id_keys.capacity() * 4
    }
}

fn edit(v: &mut Vec<Id>, at: usize, id: Id, remove: bool) {
    if remove {
        if v.get(at) == Some(&id) {
            v.remove(at);
        }
    } else {
        v.insert(at, id);
    }
}

fn edit_pair<K: Ord + Copy>(keys: &mut Vec<K>, ids: &mut Vec<Id>, key: K, id: Id, remove: bool) {
    let lo = keys.partition_point(|k| *k < key);
    let hi = keys.partition_point(|k| *k <= key);
    let at = lo + ids[lo..hi].partition_point(|i| *i < id);
    if remove {
        if ids.get(at) == Some(&id) && keys.get(at) == Some(&key) {
            keys.remove(at);
            ids.remove(at);
        }
    } else {
        keys.insert(at, key);
        ids.insert(at, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_are_read_backwards_so_endings_form_ranges() {
        assert_eq!(phone_tail("13800138000"), Some(8000));
        assert_eq!(phone_tail("1234567"), None, "a short number shows nothing");
        let full = id_tail("11010519491231002X").unwrap_or(0);
        let (q, n) = tail_code("002X".bytes().rev());
        assert_eq!(n, 4);
        assert!(full >= q && full < q + 12u32.pow(2));
        assert_eq!(id_tail("E1234"), None);
        assert!(id_tail("PE12345678").is_some(), "a passport ending in digits");
    }
}
