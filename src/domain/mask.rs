//! Masking of confidential fields (证件号码, 手机号码, 资产). The roster may be used by all staff of
//! the bank, but these are shown in full only on an audited reveal.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use super::client::is_resident_id;
use super::money::Fen;

/// A field that is masked until revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sensitive {
    Phone,
    IdNumber,
    Assets,
}

impl Sensitive {
    pub fn label(self) -> &'static str {
        match self {
            Sensitive::Phone => "手机号码",
            Sensitive::IdNumber => "证件号码",
            Sensitive::Assets => "日均金融资产",
        }
    }
}

/// Leading and trailing digits `mask_phone` shows of a phone long enough to show any.
pub const PHONE_KEEP: (usize, usize) = (3, 4);
/// Leading and trailing characters `mask_id` shows of an ID number long enough to show any.
pub const ID_KEEP: (usize, usize) = (4, 4);

/// How many final characters of an ID number may be typed to find it: as many as the mask shows,
/// and for a resident ID two more (`id_ending_searchable`), since "身份证后六位" is how branches
/// look people up.
pub const ID_ENDING_SEARCHABLE: RangeInclusive<usize> = ID_KEEP.1..=ID_KEEP.1 + 2;

/// "138****8000": enough to recognise a number the client reads out, not enough to dial it.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, PHONE_KEEP)
}

/// "1101**********002X": region and check characters only.
pub fn mask_id(id: &str) -> String {
    mask_middle(id, ID_KEEP)
}

/// How many leading and trailing characters `mask_phone` shows of a phone `len` characters long.
pub fn phone_shown(len: usize) -> (usize, usize) {
    shown(len, PHONE_KEEP)
}

/// How many leading and trailing characters `mask_id` shows of an ID number `len` characters long.
pub fn id_shown(len: usize) -> (usize, usize) {
    shown(len, ID_KEEP)
}

/// Whether the last `len_typed` characters of `id` may find it in a search. Search must not
/// become a way round the mask: if it matched hidden characters, typing one more guess at a
/// time and watching whether the client stays listed would recover them without an audited
/// reveal. So an ending may be searched only as far as the mask shows it, except that a
/// resident ID's may be two characters longer, because those are the day of birth, which the
/// client card shows anyway. A passport number's hidden characters carry no such meaning and
/// stay unsearchable.
pub fn id_ending_searchable(id: &str, len_typed: usize) -> bool {
    let shown = id_shown(id.chars().count()).1;
    shown > 0 && (len_typed == shown || (ID_ENDING_SEARCHABLE.contains(&len_typed) && is_resident_id(id)))
}

/// A value no longer than what would be kept is hidden entirely: showing it would show all of it.
fn shown(len: usize, (head, tail): (usize, usize)) -> (usize, usize) {
    if len <= head + tail { (0, 0) } else { (head, tail) }
}

fn mask_middle(s: &str, keep: (usize, usize)) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let (keep_head, keep_tail) = shown(chars.len(), keep);
    if keep_head + keep_tail == 0 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..keep_head].iter().collect();
    let tail: String = chars[chars.len() - keep_tail..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - keep_head - keep_tail))
}

/// A range of balances in 万 (10,000 yuan): from `from_wan` up to (not including) `to_wan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub from_wan: i64,
    pub to_wan: Option<i64>,
}

impl Band {
    /// "10-50万", "600万以上", "5万以下".
    pub fn label(self) -> String {
        match (self.from_wan, self.to_wan) {
            (0, Some(to)) => format!("{to}万以下"),
            (from, Some(to)) => format!("{from}-{to}万"),
            (from, None) => format!("{from}万以上"),
        }
    }
}

/// A band instead of the balance: enough to prioritise, not enough to know. The bands follow
/// the usual card-tier floors so a band never contradicts the tier shown beside it.
pub fn asset_band(assets: Fen) -> Band {
    const FLOORS: [i64; 6] = [600, 200, 50, 10, 5, 0];
    let i = FLOORS.iter().position(|floor| assets >= Fen::wan(*floor)).unwrap_or(FLOORS.len() - 1);
    Band { from_wan: FLOORS[i], to_wan: i.checked_sub(1).map(|up| FLOORS[up]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_ids_keep_only_their_ends() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_phone(""), "");
        assert_eq!(phone_shown(11), (3, 4));
        assert_eq!(phone_shown(7), (0, 0));
        assert_eq!(id_shown(18), (4, 4));
    }

    #[test]
    fn an_id_ending_is_searchable_as_far_as_shown_or_to_the_day_of_birth() {
        let resident = "11010519491231002X";
        assert!(id_ending_searchable(resident, 4));
        assert!(id_ending_searchable(resident, 5));
        assert!(id_ending_searchable(resident, 6), "身份证后六位");
        assert!(!id_ending_searchable(resident, 7), "the month of birth is hidden");
        assert!(!id_ending_searchable(resident, 3), "only the whole ending shown, not part of it");
        // The same shape with a wrong check character is no resident ID.
        assert!(!id_ending_searchable("110105194912310021", 6));
        assert!(id_ending_searchable("110105194912310021", 4));
        let passport = "PE12345678";
        assert!(id_ending_searchable(passport, 4));
        assert!(!id_ending_searchable(passport, 5), "a passport's hidden characters stay hidden");
        assert!(!id_ending_searchable(passport, 6));
        assert!(!id_ending_searchable("E1234", 4), "a short number shows nothing, so nothing is searchable");
    }

    #[test]
    fn balances_show_as_bands() {
        assert_eq!(asset_band(Fen::wan(30)).label(), "10-50万");
        assert_eq!(asset_band(Fen::wan(7)).label(), "5-10万");
        assert_eq!(asset_band(Fen::wan(600)).label(), "600万以上");
        assert_eq!(asset_band(Fen::yuan(49_999)).label(), "5万以下");
        assert_eq!(asset_band(Fen(-5)), Band { from_wan: 0, to_wan: Some(5) });
    }
}
