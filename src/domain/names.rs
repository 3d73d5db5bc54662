//! How Chinese names are read: pinyin per character, with surnames read as surnames (单 is shan,
//! 曾 is zeng), which the general dictionary gets wrong for a name's first character.

use std::collections::HashMap;
use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use pinyin::ToPinyinMulti;

/// Name variants that OpenCC's tables do not list but that are written in names for the
/// standard character (Unicode's kZVariant/kSemanticVariant): 𠮷 ("土吉", a Japanese and
/// Taiwanese family-name form) is 吉; 髙 is 高; 﨑 is 崎.
const NAME_VARIANTS: &[(char, char)] = &[('𠮷', '吉'), ('髙', '高'), ('﨑', '崎')];

/// The standard (simplified) form of one character: 陳 is 陈, 張 张, 劉 刘, 衞 卫, 𠮷 吉; any
/// other character is itself. Names and queries are both read through this, so 陈大文 finds
/// 陳大文 and 陳大文 finds 陈大文, and a traditional name gets its simplified form's readings.
///
/// The table is OpenCC's (Taiwan and Hong Kong variants to simplified, character by character,
/// through the pure-Rust `ferrous-opencc`), plus `NAME_VARIANTS`; built on first use (some 70 ms).
pub fn standard_form(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    standard_forms().get(&c).copied().unwrap_or(c)
}

/// Every character with another standard form, and that form.
fn standard_forms() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // One character a line, so no phrase rule can join two characters: a name is converted
        // character by character, as the index stores it.
        let ranges = [0x3400u32..=0x4DBF, 0x4E00..=0x9FFF, 0xF900..=0xFAFF, 0x20000..=0x2A6DF];
        let mut all = String::new();
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            all.push(c);
            all.push('\n');
        }
        let mut table: HashMap<char, char> = NAME_VARIANTS.iter().copied().collect();
        // Without the tables (they are compiled in, so this does not happen) names still match
        // as typed; only the traditional forms are then not folded.
        for config in [BuiltinConfig::Tw2s, BuiltinConfig::Hk2s] {
            let Ok(cc) = OpenCC::from_config(config) else { continue };
            for (from, to) in all.lines().zip(cc.convert(&all).lines()) {
                let mut from_chars = from.chars();
                let mut to_chars = to.chars();
                if let (Some(f), None, Some(t), None) =
                    (from_chars.next(), from_chars.next(), to_chars.next(), to_chars.next())
                    && f != t
                {
                    table.entry(f).or_insert(t);
                }
            }
        }
        table.shrink_to_fit();
        table
    })
}

/// `name` with every character in its standard form (see `standard_form`).
pub fn standard_name(name: &str) -> String {
    name.chars().map(standard_form).collect()
}

/// Compound surnames, read as a unit.
const COMPOUND_SURNAMES: &[(&str, [&str; 2])] = &[
    ("欧阳", ["ou", "yang"]),
    ("司马", ["si", "ma"]),
    ("上官", ["shang", "guan"]),
    ("诸葛", ["zhu", "ge"]),
    ("尉迟", ["yu", "chi"]),
    ("万俟", ["mo", "qi"]),
    ("东方", ["dong", "fang"]),
    ("皇甫", ["huang", "fu"]),
    ("令狐", ["ling", "hu"]),
    ("慕容", ["mu", "rong"]),
    ("公孙", ["gong", "sun"]),
    ("长孙", ["zhang", "sun"]),
    ("宇文", ["yu", "wen"]),
    ("司徒", ["si", "tu"]),
    ("夏侯", ["xia", "hou"]),
    ("独孤", ["du", "gu"]),
    ("南宫", ["nan", "gong"]),
    ("澹台", ["tan", "tai"]),
    ("单于", ["chan", "yu"]),
    ("钟离", ["zhong", "li"]),
    ("呼延", ["hu", "yan"]),
    ("端木", ["duan", "mu"]),
    ("赫连", ["he", "lian"]),
];

/// Single-character surnames whose surname reading differs from the dictionary's first reading.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('单', "shan"),
    ('曾', "zeng"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('区', "ou"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "gai"),
    ('乐', "yue"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('秘', "bi"),
    ('覃', "qin"),
    ('种', "chong"),
    ('员', "yun"),
    ('句', "gou"),
    ('召', "shao"),
    ('折', "she"),
    ('宓', "fu"),
    ('牟', "mou"),
    ('谌', "chen"),
    ('冼', "xian"),
    ('繁', "po"),
    ('黑', "he"),
    ('长', "chang"),
    ('尉', "wei"),
    ('燕', "yan"),
    ('华', "hua"),
    ('任', "ren"),
    ('那', "na"),
    ('柏', "bai"),
    ('纪', "ji"),
    ('过', "guo"),
    ('祭', "zhai"),
    ('藏', "zang"),
    ('隗', "wei"),
    ('阚', "kan"),
    ('都', "du"),
    ('薄', "bo"),
    ('卜', "bu"),
];

/// Surnames with a second living reading: families differ (盖 is gài for some, gě for others),
/// and a teller who hears the name cannot know which. The reading in `SURNAME_READINGS` is
/// listed first, this one after it, so it matches but ranks later.
const SECOND_SURNAME_READINGS: &[(char, &str)] = &[
    ('单', "chan"),
    ('乐', "le"),
    ('盖', "ge"),
    ('覃', "tan"),
    ('区', "qu"),
    ('仇', "chou"),
    ('解', "jie"),
    ('查', "cha"),
    ('朴', "pu"),
];

/// The surname readings of single-character surname `c`, the usual one first; empty when `c`
/// has no entry in the tables above.
fn surname_readings(c: char) -> Vec<String> {
    let first = SURNAME_READINGS.iter().filter(|(s, _)| *s == c).map(|(_, r)| r.to_string());
    let second = SECOND_SURNAME_READINGS.iter().filter(|(s, _)| *s == c).map(|(_, r)| r.to_string());
    first.chain(second).collect()
}

/// Readings of each character of `name`: one list per character, the likeliest first. The
/// surname (first one or two characters) has its surname readings only: from the tables above, or else
/// the dictionary's first, because a surname is never read any other way and a second reading
/// would let "ym" find 王明 (the dictionary also reads 王 as yu). Other polyphonic characters list
/// every reading. Characters without pinyin (Latin letters, digits) read as themselves,
/// lowercased. Traditional and variant forms read as their standard form (`standard_form`).
pub fn readings(name: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = name.chars().map(standard_form).collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut start = 0;
    // A two-character name is surname + given name, so only longer names can have a compound surname.
    if chars.len() > 2 {
        let head: String = chars.iter().take(2).collect();
        if let Some((_, r)) = COMPOUND_SURNAMES.iter().find(|(s, _)| *s == head) {
            // 单于洋 may as well be 单 (shan) + 于洋: the single surname's readings come second.
            let mut first = vec![r[0].to_string()];
            for alone in surname_readings(chars[0]) {
                if !first.contains(&alone) {
                    first.push(alone);
                }
            }
            out.push(first);
            out.push(vec![r[1].to_string()]);
            start = 2;
        }
    }
    if start == 0
        && let Some(first) = chars.first()
    {
        let surname = surname_readings(*first);
        if !surname.is_empty() {
            out.push(surname);
            start = 1;
        }
    }
    if start == 0
        && let Some(first) = chars.first()
        && first.to_pinyin_multi().is_some()
    {
        out.push(char_readings(*first).into_iter().take(1).collect());
        start = 1;
    }
    for c in &chars[start..] {
        out.push(char_readings(*c));
    }
    out
}

/// Every reading `c` can have anywhere in a name: the dictionary's, and its surname reading.
pub fn any_readings(c: char) -> Vec<String> {
    let c = standard_form(c);
    let mut all = char_readings(c);
    for r in surname_readings(c) {
        if !all.contains(&r) {
            all.push(r);
        }
    }
    all
}

/// Characters whose usual reading in a given name is not the dictionary's first: 长 in 长春,
/// 长江 is cháng, though the dictionary lists zhǎng first. Searching and sorting take this one
/// first; the other readings still match.
const GIVEN_NAME_READINGS: &[(char, &str)] = &[('长', "chang")];

fn char_readings(c: char) -> Vec<String> {
    match c.to_pinyin_multi() {
        Some(multi) => {
            let mut all: Vec<String> = Vec::new();
            for p in multi {
                let plain = p.plain().to_string();
                if !all.contains(&plain) {
                    all.push(plain);
                }
            }
            if let Some((_, usual)) = GIVEN_NAME_READINGS.iter().find(|(g, _)| *g == c)
                && let Some(at) = all.iter().position(|r| r == usual)
            {
                let r = all.remove(at);
                all.insert(0, r);
            }
            all
        }
        None => vec![c.to_lowercase().collect()],
    }
}

/// The name in its likeliest full pinyin, for sorting a list by name the way people expect
/// (阿 before 张, not by code point).
pub fn sort_key(name: &str) -> String {
    let firsts: Vec<String> = readings(name).into_iter().filter_map(|r| r.into_iter().next()).collect();
    firsts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_readings(name: &str) -> Vec<String> {
        readings(name).into_iter().map(|r| r[0].clone()).collect()
    }

    #[test]
    fn surnames_are_read_as_surnames() {
        assert_eq!(first_readings("单田芳"), ["shan", "tian", "fang"]);
        assert_eq!(first_readings("曾国藩"), ["zeng", "guo", "fan"]);
        assert_eq!(first_readings("解缙"), ["xie", "jin"]);
        assert_eq!(first_readings("区志强"), ["ou", "zhi", "qiang"]);
        assert_eq!(first_readings("尉迟恭"), ["yu", "chi", "gong"]);
        assert_eq!(first_readings("万俟卨")[..2], ["mo", "qi"]);
        assert_eq!(readings("乐平")[0], ["yue", "le"], "the surname has its surname readings only");
        assert_eq!(readings("盖丽丽")[0], ["gai", "ge"]);
        assert_eq!(readings("覃昇")[0], ["qin", "tan"]);
        assert_eq!(readings("单于洋")[..2], [vec!["chan", "shan"], vec!["yu"]], "单于 or 单 + 于洋");
        assert_eq!(readings("曾小红")[0], ["zeng"], "曾 as a surname is only zeng");
        assert_eq!(first_readings("都明")[0], "du");
        assert_eq!(first_readings("卜凡")[0], "bu");
    }

    #[test]
    fn a_surname_outside_the_tables_keeps_only_its_first_reading() {
        // The dictionary also reads 王 as "yu" and 石 as "dan"; neither is ever a surname reading.
        assert_eq!(readings("王芳")[0], ["wang"]);
        assert_eq!(readings("石磊")[0], ["shi"]);
        // The same characters later in a name keep every reading.
        assert!(readings("李王")[1].len() > 1, "{:?}", readings("李王"));
    }

    #[test]
    fn other_polyphonic_characters_keep_every_reading() {
        // 长 in a given name is usually chang, and may be zhang.
        let r = readings("王长春");
        assert_eq!(r[1][0], "chang", "the usual given-name reading first: {r:?}");
        assert!(r[1].contains(&"zhang".to_string()), "{r:?}");
    }

    #[test]
    fn non_chinese_characters_read_as_themselves() {
        assert_eq!(first_readings("Anna李"), ["a", "n", "n", "a", "li"]);
    }

    #[test]
    fn traditional_and_variant_forms_read_as_the_standard_character() {
        assert_eq!(standard_name("陳大文"), "陈大文");
        assert_eq!(standard_name("張偉"), "张伟");
        assert_eq!(standard_name("劉德華"), "刘德华");
        assert_eq!(standard_name("張𠮷"), "张吉");
        assert_eq!(standard_name("陈大文 Anna"), "陈大文 Anna", "simplified and Latin stay as they are");
        assert_eq!(first_readings(&standard_name("單田芳"))[0], "shan");
    }

    #[test]
    fn sort_keys_order_names_by_pinyin() {
        let mut names = vec!["张伟", "阿明", "曾强", "李娜"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, ["阿明", "李娜", "曾强", "张伟"]);
    }
}
