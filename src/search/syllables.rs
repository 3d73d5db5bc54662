//! Every way a name character can be spelt when typed: the pinyin crate's plain readings, single
//! ASCII letters and digits. Ids follow the alphabetical order of the spellings, so all spellings
//! starting with what has been typed ("zh") are one contiguous range of ids; the sorted name keys
//! in `names` rely on that.

use std::ops::RangeInclusive;
use std::sync::OnceLock;

use pinyin::ToPinyinMulti;

/// Ids must fit the 9 bits each syllable has in a packed name key (one value is kept for "end").
pub const MAX_SYLLABLES: usize = 511;

pub struct Syllables {
    sorted: Vec<String>,
}

/// The table, built once from the pinyin crate's data on first use (a few milliseconds).
pub fn table() -> &'static Syllables {
    static TABLE: OnceLock<Syllables> = OnceLock::new();
    TABLE.get_or_init(Syllables::from_dictionary)
}

impl Syllables {
    fn from_dictionary() -> Syllables {
        let mut all: Vec<String> = Vec::new();
        // CJK Unified Ideographs and their extensions: every block the crate has readings for.
        let ranges = [0x3400u32..=0x4DBF, 0x4E00..=0x9FFF, 0x20000..=0x2FFFF];
        for code in ranges.into_iter().flatten() {
            if let Some(c) = char::from_u32(code)
                && let Some(multi) = c.to_pinyin_multi()
            {
                for p in multi {
                    all.extend(spellings(p.plain()));
                }
            }
        }
        all.extend(('a'..='z').chain('0'..='9').map(String::from));
        all.sort_unstable();
        all.dedup();
        // 424 readings, 36 letters and digits at the time of writing: far from the limit.
        all.truncate(MAX_SYLLABLES);
        all.shrink_to_fit();
        Syllables { sorted: all }
    }

    pub fn id(&self, spelling: &[u8]) -> Option<u16> {
        self.sorted.binary_search_by(|s| s.as_bytes().cmp(spelling)).ok().map(|i| i as u16)
    }

    pub fn text(&self, id: u16) -> &str {
        self.sorted.get(usize::from(id)).map_or("", String::as_str)
    }

    /// Ids of the spellings that start with `typed`; empty when none does.
    pub fn with_prefix(&self, typed: &[u8]) -> Option<RangeInclusive<u16>> {
        let lo = self.sorted.partition_point(|s| s.as_bytes() < typed);
        let hi = self.sorted.partition_point(|s| s.as_bytes() < typed || s.as_bytes().starts_with(typed));
        (lo < hi).then(|| lo as u16..=(hi - 1) as u16)
    }
}

/// How a plain reading is typed. "ü" is typed "v" by most input methods, "u" by people who
/// never learnt that and "yu" in passports (LYU, the passport spelling of 吕 since 2012), so
/// "lü" (吕) is "lv", "lu" and "lyu"; "ê" is typed "e". Readings that are not
/// letters or digits (a "·" between the parts of a transliterated name) cannot be typed.
pub fn spellings(reading: &str) -> Vec<String> {
    if reading.contains('ü') {
        return vec![reading.replace('ü', "v"), reading.replace('ü', "u"), reading.replace('ü', "yu")];
    }
    let folded = reading.replace('ê', "e");
    if !folded.is_empty() && folded.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        vec![folded]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_sharing_a_prefix_are_one_range_of_ids() {
        let t = table();
        let zh = t.with_prefix(b"zh").expect("zh");
        for id in zh.clone() {
            assert!(t.text(id).starts_with("zh"), "{}", t.text(id));
        }
        assert!(zh.contains(&t.id(b"zhang").expect("zhang")));
        assert!(!zh.contains(&t.id(b"zang").expect("zang")));
        assert_eq!(t.with_prefix(b"zhang").map(|r| t.text(*r.start()).to_string()).as_deref(), Some("zhang"));
        assert_eq!(t.with_prefix(b"iu"), None, "no reading starts with i");
        assert!(t.sorted.len() < MAX_SYLLABLES, "{}", t.sorted.len());
    }

    #[test]
    fn u_umlaut_is_typed_both_ways() {
        assert_eq!(spellings("lü"), ["lv", "lu", "lyu"]);
        assert_eq!(spellings("ê"), ["e"]);
        assert_eq!(spellings("·"), Vec::<String>::new());
        assert!(table().id(b"lv").is_some() && table().id(b"7").is_some());
    }
}
