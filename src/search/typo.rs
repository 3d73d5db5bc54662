//! One typo in a spelt query: a letter swapped with the next, missing, extra or wrong
//! ("zhnagwei", "zhangwie", "zhangwi", "zhangweii", "zhangwel" all find 张伟). A name matches
//! when some spelling of it starts with a string one such edit away from the query (the
//! optimal-string-alignment distance, at most 1).
//!
//! The check is a small automaton run over the name's spellings letter by letter, its states
//! kept as bits of three words (how much of the query is used, with or without the one edit), so
//! a name with several readings per character is checked in one pass over them, and the sorted
//! name keys can be walked with it, giving up on a branch as soon as no state is left.

use super::query::Unit;

/// Shortest query checked for a typo: below this one edit away matches too much to help.
pub const MIN_LETTERS: usize = 4;
/// Longest: names are spelt in a few dozen letters, and the states must fit a word.
const MAX_LETTERS: usize = 40;

/// A query of letters only, prepared for the automaton.
#[derive(Debug, Clone)]
pub struct TypoQuery {
    letters: Vec<u8>,
    /// For each letter a–z, the positions of the query holding it, as bits.
    eq: [u64; 26],
}

/// Where the automaton is: bit `j` of `exact` means the text so far spelt the query's first `j`
/// letters exactly, of `edited` with one edit; bit `j` of `swapped` means the first `j` exactly
/// and then the query's letter `j + 1`, so the next letter of the text must be letter `j` to
/// complete a swap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct States {
    exact: u64,
    edited: u64,
    swapped: u64,
}

impl States {
    pub fn is_dead(&self) -> bool {
        self.exact | self.edited | self.swapped == 0
    }

    fn or(self, o: States) -> States {
        States {
            exact: self.exact | o.exact,
            edited: self.edited | o.edited,
            swapped: self.swapped | o.swapped,
        }
    }
}

impl TypoQuery {
    /// `None` unless the query is `MIN_LETTERS` to `MAX_LETTERS` ASCII letters (a pinyin query).
    pub fn new(units: &[Unit]) -> Option<TypoQuery> {
        let letters: Vec<u8> = units
            .iter()
            .map(|u| match u {
                Unit::Alnum(b) if b.is_ascii_lowercase() => Some(*b),
                _ => None,
            })
            .collect::<Option<_>>()?;
        if !(MIN_LETTERS..=MAX_LETTERS).contains(&letters.len()) {
            return None;
        }
        let mut eq = [0u64; 26];
        for (j, b) in letters.iter().enumerate() {
            eq[usize::from(b - b'a')] |= 1 << j;
        }
        Some(TypoQuery { letters, eq })
    }

    fn done(&self) -> u64 {
        1 << self.letters.len()
    }

    fn all(&self) -> u64 {
        (self.done() << 1) - 1
    }

    /// Before any text: nothing used, or the first letter dropped as extra.
    pub fn start(&self) -> States {
        States { exact: 1, edited: 0b10, swapped: 0 }
    }

    /// The states after reading `text`, and whether the whole query was used on the way (the
    /// text so far, a prefix of the name's spelling, is within one edit of the query).
    pub fn feed(&self, mut st: States, text: &[u8]) -> (States, bool) {
        let all = self.all();
        for &c in text {
            let e = if c.is_ascii_lowercase() { self.eq[usize::from(c - b'a')] } else { 0 };
            let exact = (st.exact & e) << 1 & all;
            let mut edited = ((st.edited & e) << 1 | st.exact << 1 | st.exact | (st.swapped & e) << 2) & all;
            // A letter of the query the name does not have: skipped without reading text.
            edited |= exact << 1 & all;
            st = States { exact, edited, swapped: st.exact & e >> 1 };
            if (exact | edited) & self.done() != 0 {
                return (st, true);
            }
        }
        (st, false)
    }

    /// The first letters a next syllable may start with to keep some state alive, as bits a–z;
    /// `None` when any letter may (an edit is still free).
    pub fn next_letters(&self, st: &States) -> Option<u32> {
        if st.exact != 0 {
            return None;
        }
        let mut bits = st.edited | st.swapped;
        let mut letters = 0u32;
        while bits != 0 {
            let j = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if let Some(b) = self.letters.get(j) {
                letters |= 1 << (b - b'a');
            }
        }
        Some(letters)
    }

    /// The optimal-string-alignment distance (letters swapped with the next, missing, extra or
    /// wrong, each one edit) between the query and the whole of `text`. Ranks typo matches: the
    /// automaton only says a name *starts* within one edit, so "zhnagwei" reaches both 张伟
    /// (zhangwei, one edit in all) and 张立新 (zhangweixin, four), and only this tells them apart.
    pub fn distance(&self, text: &[u8]) -> usize {
        let q = &self.letters;
        let n = q.len();
        // Three rows of the usual table, on the stack (typo ranking runs this for thousands of
        // spellings): two back for a swap, one back, and the one being filled, rotated.
        let mut rows = [[0usize; MAX_LETTERS + 1]; 3];
        for (j, d) in rows[1][..=n].iter_mut().enumerate() {
            *d = j;
        }
        let (mut before, mut prev, mut row) = (0, 1, 2);
        for (i, &c) in text.iter().enumerate() {
            rows[row][0] = i + 1;
            for j in 1..=n {
                let cost = usize::from(q[j - 1] != c);
                let mut d = (rows[prev][j] + 1).min(rows[row][j - 1] + 1).min(rows[prev][j - 1] + cost);
                if i > 0 && j > 1 && q[j - 1] == text[i - 1] && q[j - 2] == c {
                    d = d.min(rows[before][j - 2] + 1);
                }
                rows[row][j] = d;
            }
            (before, prev, row) = (prev, row, before);
        }
        rows[prev][n]
    }

    /// Feeds each of `spellings` from `st`: the states any of them reaches, and whether one used
    /// the whole query.
    pub fn feed_any<'a>(&self, st: States, spellings: impl Iterator<Item = &'a [u8]>) -> (States, bool) {
        let mut next = States::default();
        for text in spellings {
            let (s, done) = self.feed(st, text);
            if done {
                return (s, true);
            }
            next = next.or(s);
        }
        (next, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::Query;

    fn near(q: &str, text: &str) -> bool {
        let tq = TypoQuery::new(&Query::parse(q).units).unwrap();
        tq.feed(tq.start(), text.as_bytes()).1
    }

    #[test]
    fn one_edit_of_any_kind_is_within_reach_two_are_not() {
        for q in
            ["zhnagwei", "zhangwie", "hzangwei", "zhangwi", "zangwei", "zhangweii", "zhanggwei", "zhangwel"]
        {
            assert!(near(q, "zhangwei"), "{q}");
        }
        assert!(near("zhangwie", "zhangweihua"), "a typo in the start of a longer name");
        for q in ["zhnagwie", "zangwi", "hzangwie", "wangzhang"] {
            assert!(!near(q, "zhangwei"), "{q}");
        }
        assert!(TypoQuery::new(&Query::parse("zhn").units).is_none(), "three letters are too few");
    }

    /// The table written out in full, as the distance was first computed.
    fn distance_longhand(q: &[u8], text: &[u8]) -> usize {
        let mut d = vec![vec![0usize; q.len() + 1]; text.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, v) in d[0].iter_mut().enumerate() {
            *v = j;
        }
        for i in 1..=text.len() {
            for j in 1..=q.len() {
                let cost = usize::from(q[j - 1] != text[i - 1]);
                let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && q[j - 1] == text[i - 2] && q[j - 2] == text[i - 1] {
                    v = v.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        d[text.len()][q.len()]
    }

    #[test]
    fn the_distance_is_the_full_table_s() {
        let mut rng = fastrand::Rng::with_seed(16);
        for _ in 0..2_000 {
            let q: String = (0..rng.usize(4..12)).map(|_| rng.char('a'..='e')).collect();
            let text: Vec<u8> = (0..rng.usize(0..16)).map(|_| rng.u8(b'a'..=b'e')).collect();
            let tq = TypoQuery::new(&Query::parse(&q).units).unwrap();
            assert_eq!(tq.distance(&text), distance_longhand(q.as_bytes(), &text), "{q} {text:?}");
        }
    }

    #[test]
    fn the_distance_counts_edits_over_the_whole_spelling() {
        let tq = TypoQuery::new(&Query::parse("zhnagwei").units).unwrap();
        assert_eq!(tq.distance(b"zhangwei"), 1, "one swap");
        assert_eq!(tq.distance(b"zhangweixin"), 4, "one swap and three letters more");
        assert_eq!(tq.distance(b"zhnagwei"), 0);
        let tq = TypoQuery::new(&Query::parse("zhangwi").units).unwrap();
        assert_eq!(tq.distance(b"zhangwei"), 1, "one missing");
        assert!(TypoQuery::new(&Query::parse("zhang1").units).is_none(), "letters only");
    }
}
