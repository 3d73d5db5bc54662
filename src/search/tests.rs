//! The index against the plain definition: for many queries over varied clients, the fast paths
//! (sorted keys, walks, incremental edits) must give exactly what checking every client with
//! `matcher::classify` and sorting gives.

use std::cmp::Reverse;

use chrono::NaiveDate;

use super::matcher::{Prepared, classify, typo_distance};
use super::*;

const SURNAMES: &[&str] = &[
    "张", "王", "李", "赵", "曾", "单", "乐", "吕", "欧阳", "尉迟", "朴", "查", "周", "朱", "郑", "陳", "張",
    "劉", "陈",
];
const GIVEN: &[&str] = &[
    "伟", "文", "小红", "明", "长春", "乐乐", "强", "平", "和平", "华", "秀英", "志强", "晓东", "婷", "安安",
    "立新", "立伟", "志成", "偉", "德華", "大文", "𠮷", "玮", "小洪",
];
const ODD_NAMES: &[&str] =
    &["Anna李", "买买提·艾力", "阿卜杜热合曼·买买提江", "张", "Zoë王", "和和和和和", "·", "王wei"];

fn rows(n: usize, seed: u64) -> Vec<Row> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| {
            let name = if rng.u32(0..20) == 0 {
                ODD_NAMES[rng.usize(..ODD_NAMES.len())].to_string()
            } else {
                format!("{}{}", SURNAMES[rng.usize(..SURNAMES.len())], GIVEN[rng.usize(..GIVEN.len())])
            };
            let phone = match rng.u32(0..10) {
                0 => String::new(),
                1 => format!("{:07}", rng.u32(0..10_000_000)),
                _ => format!("13{}{:08}", rng.u32(0..10), rng.u32(0..100_000_000) % 1000),
            };
            let id_number = match rng.u32(0..10) {
                0 => String::new(),
                1 => format!("E{:08}", rng.u32(0..100_000_000)),
                2 => "X1234".to_string(),
                _ => format!(
                    "41052319{:02}0101{:03}{}",
                    rng.u32(50..99),
                    rng.u32(0..30),
                    ["1", "2", "X"][rng.usize(..3)]
                ),
            };
            Row {
                no: if rng.bool() { format!("62{:04}", i * 7 % 10_000) } else { format!("C{i}") },
                phone,
                id_number,
                name,
                maintainer: [None, Some("2001"), Some("2002")][rng.usize(..3)].map(String::from),
                tier: CardTier::ALL[rng.usize(..CardTier::ALL.len())],
                last_contact: rng
                    .bool()
                    .then(|| NaiveDate::from_ymd_opt(2026, 1 + rng.u32(0..12), 1 + rng.u32(0..28)))
                    .flatten(),
            }
        })
        .collect()
}

fn queries(rows: &[Row]) -> Vec<String> {
    let mut q: Vec<String> = [
        "z",
        "zh",
        "zha",
        "zhang",
        "zhangw",
        "zhangwei",
        "zw",
        "zhw",
        "zxh",
        "zengxh",
        "cxh",
        "s",
        "sm",
        "shanm",
        "danming",
        "yl",
        "yuel",
        "lel",
        "lv",
        "lu",
        "lvw",
        "ouyang",
        "oy",
        "ycw",
        "yuchi",
        "w",
        "wei",
        "an",
        "anan",
        "a",
        "i",
        "v",
        "x",
        "hp",
        "hep",
        "huop",
        "c",
        "c1",
        "c12",
        "62",
        "620",
        "6200",
        "张",
        "张伟",
        "张w",
        "张wei",
        "曾小红",
        "伟",
        "小",
        "王长",
        "王c",
        "王zc",
        "·",
        "买买提",
        "mmt",
        "Anna",
        "ANNA",
        "zoe",
        "1",
        "13",
        "138",
        "1380",
        "0000",
        "00000",
        "1234",
        "x1234",
        "002x",
        "0101",
        "001x",
        "e1234567",
        "zhangweihua",
        "zhngwei",
        "wz",
        "hh",
        "和",
        "hhhhh",
        "heh",
        // Matches through another reading than the primary one (立 wei, 长 chang, 乐 yue, 和 huo).
        "zwx",
        "zhangw",
        "zhangwei",
        "zhangweixin",
        "zl",
        "zhangli",
        "wzc",
        "wcc",
        "wangc",
        "wangchangchun",
        "wangzhangchun",
        "lyy",
        "liyue",
        "lile",
        "whuop",
        "wanghuop",
        "王立w",
        // Sound-alike characters (玮 for 伟, 章 for 张), alone, mixed with letters.
        "张玮",
        "章伟",
        "章w",
        "张w",
        "章",
        "李玮",
        "王常春",
        "郑小洪",
        // Traditional and variant forms, both ways; ü as v, u or yu.
        "陳",
        "陈",
        "張偉",
        "张伟",
        "劉德华",
        "chendw",
        "張w",
        "zhangji",
        "张𠮷",
        "张吉",
        "lyu",
        "lyuw",
        "lvw",
        // Ranking inside a kind: whole names first, fuzzy runs before scattered letters.
        "xiang",
        "nana",
        "anan",
        "wen",
        "zwb",
        // One typo: swapped, missing, extra, wrong; a typo at the start of a common surname.
        "zhnagwei",
        "zhangwie",
        "zhangwi",
        "zhanggwei",
        "zhangwel",
        "hzang",
        "zhnag",
        "wnagchangchun",
        "liyeu",
        "ouyagn",
        "cehnxiaohong",
        "shanmnig",
        "annaa",
        // Letters repeated three times and more (the mask's third-occurrence bits).
        "aaaaa",
        "nanan",
        "anaan",
        "iii",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for r in rows.iter().step_by(7) {
        q.push(r.name.clone());
        q.push(r.no.clone());
        q.push(r.phone.clone());
        q.push(r.id_number.clone());
        q.push(r.phone.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect());
        q.push(r.id_number.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect());
    }
    q.retain(|s| !s.is_empty());
    q
}

/// Every client checked, sorted by the ranking rules written out longhand: kind, primary readings
/// before others, own clients, tier, recent contact, number.
fn reference(
    rows: &[Row],
    ix: &SearchIndex,
    query: &str,
    actor: Option<&str>,
    limit: usize,
) -> Vec<(String, MatchKind)> {
    let p = Prepared::new(query);
    if p.query.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<_> = rows
        .iter()
        .filter_map(|r| {
            let id = ix.id_of(&r.no)?;
            let m = classify(&ix.t, id, &p, false)?;
            let mine = actor.is_some() && r.maintainer.as_deref() == actor;
            let standing = (Reverse(r.tier), Reverse(r.last_contact.is_some()), Reverse(r.last_contact));
            // Typos: the closest whole spelling first.
            let edits = match (&p.typo, m.kind) {
                (Some(tq), MatchKind::Typo) => typo_distance(ix.t.rec(id).name(), tq),
                _ => 0,
            };
            Some(((m.grade(), edits, !mine, standing, r.no.to_ascii_lowercase(), r.no.clone()), m.kind))
        })
        .collect();
    hits.sort();
    hits.into_iter().take(limit).map(|(k, kind)| (k.5, kind)).collect()
}

fn found(ix: &SearchIndex, query: &str, actor: Option<&str>, limit: usize) -> Vec<(String, MatchKind)> {
    ix.search(query, actor, limit).into_iter().map(|f| (f.no, f.kind)).collect()
}

/// Later rows with a number already seen replace the earlier ones, as writes to the store would.
fn latest(rows: &[Row]) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|o| o.no == r.no) {
            Some(o) => *o = r.clone(),
            None => out.push(r.clone()),
        }
    }
    out
}

fn agree(rows: &[Row], ix: &SearchIndex) {
    for q in queries(rows) {
        for (actor, limit) in [(None, 10), (Some("2001"), 7), (Some("2002"), 500)] {
            assert_eq!(
                found(ix, &q, actor, limit),
                reference(rows, ix, &q, actor, limit),
                "query {q:?}, actor {actor:?}, limit {limit}"
            );
        }
    }
}

#[test]
fn the_index_finds_what_checking_every_client_finds() {
    let rows = latest(&rows(600, 1));
    agree(&rows, &SearchIndex::build(rows.clone()));
}

#[test]
fn walking_in_rank_order_finds_the_same() {
    let rows = latest(&rows(600, 2));
    agree(&rows, &SearchIndex::build(rows.clone()).walking_above(5));
}

#[test]
fn walking_before_scanning_finds_the_same() {
    let rows = latest(&rows(600, 7));
    agree(&rows, &SearchIndex::build(rows.clone()).walking_first());
    agree(&rows, &SearchIndex::build(rows.clone()).walking_first().walking_above(5));
}

/// Each keystroke of a spelt query narrows the names the one before matched; the index keeps
/// them and looks only there. Typed a letter at a time, as in the search box, every step must
/// still find what checking every client finds, and the "about" count must be what the walk
/// first, scan later order gives.
#[test]
fn typing_a_letter_at_a_time_finds_the_same() {
    let rows = latest(&rows(600, 8));
    let ix = SearchIndex::build(rows.clone());
    let walking = SearchIndex::build(rows.clone()).walking_first();
    let small = SearchIndex::build(rows.clone()).walking_above(40);
    let small_walking = SearchIndex::build(rows.clone()).walking_above(40).walking_first();
    // Walks that give up after 60 clients, with their answer standing or not.
    let short = SearchIndex::build(rows.clone()).walking_above(200).fuzzy_walking(60);
    let short_walking = SearchIndex::build(rows.clone()).walking_above(200).fuzzy_walking(60).walking_first();
    for word in
        ["zhangwei", "ouyangna", "nanana", "aaaaa", "lyujianguo", "zhnagwei", "xiang", "wangc", "anan"]
    {
        for n in 1..=word.len() {
            let q = &word[..n];
            for (actor, limit) in [(None, 10), (Some("2001"), 7), (Some("2002"), 500)] {
                let want = reference(&rows, &ix, q, actor, limit);
                assert_eq!(found(&ix, q, actor, limit), want, "query {q:?}, actor {actor:?}, limit {limit}");
                assert_eq!(
                    ix.answer(q, actor, limit).about,
                    walking.answer(q, actor, limit).about,
                    "about, query {q:?}"
                );
                let (a, b) = (small.answer(q, actor, limit), small_walking.answer(q, actor, limit));
                assert_eq!((a.found, a.about), (b.found, b.about), "walking above 40, query {q:?}");
                // A walk this short with a list of 500 can leave room that the typo stage then
                // fills with fuzzy matches the walk never met (as 300 met in 8,000 of a million
                // would with a list of 500): not what this test is about.
                if limit <= 10 {
                    let (a, b) = (short.answer(q, actor, limit), short_walking.answer(q, actor, limit));
                    assert_eq!((a.found, a.about), (b.found, b.about), "walks of 60, query {q:?}");
                }
            }
        }
    }
}

#[test]
fn an_edit_between_keystrokes_is_found_by_the_next() {
    let mut rows = latest(&rows(300, 9));
    let mut ix = SearchIndex::build(rows.clone());
    assert!(found(&ix, "ouyangn", None, 500).iter().all(|(no, _)| no != "NEW1"));
    let new = person("NEW1", "周阳娜");
    ix.upsert(std::slice::from_ref(&new));
    rows.push(new);
    assert!(found(&ix, "ouyangna", None, 500).iter().any(|(no, _)| no == "NEW1"));
    assert_eq!(found(&ix, "ouyangna", None, 500), reference(&rows, &ix, "ouyangna", None, 500));
}

#[test]
fn edits_one_by_one_end_where_a_fresh_build_does() {
    let all = rows(400, 3);
    let (first, rest) = all.split_at(250);
    let mut ix = SearchIndex::build(first.to_vec());
    let mut rng = fastrand::Rng::with_seed(9);
    let mut written = first.to_vec();
    for r in rest {
        // Some writes are new clients, some change a client already indexed.
        let mut r = r.clone();
        if rng.bool() {
            r.no = written[rng.usize(..written.len())].no.clone();
        }
        ix.upsert(std::slice::from_ref(&r));
        written.push(r);
    }
    assert_eq!(ix.full_sorts, 1, "edits of one client are applied in place, without a rebuild");
    let rows = latest(&written);
    agree(&rows, &ix);
    let fresh = SearchIndex::build(rows.clone());
    for q in queries(&rows) {
        assert_eq!(found(&ix, &q, Some("2001"), 20), found(&fresh, &q, Some("2001"), 20), "query {q:?}");
    }
    // Walks in rank order over the edited index (own clients first, by rank) agree too.
    agree(&rows, &ix.walking_above(5));
}

#[test]
fn a_large_batch_of_edits_is_applied_by_rebuilding() {
    let all = rows(900, 4);
    let mut ix = SearchIndex::build(all[..100].to_vec());
    let mut batch = all[100..].to_vec();
    batch[0].no = all[5].no.clone();
    batch[0].name = "新名字".into();
    ix.upsert(&batch);
    assert_eq!(ix.full_sorts, 2);
    ix.upsert(&batch);
    assert_eq!(ix.full_sorts, 2, "the same batch again changes nothing");
    let rows = latest(&[all[..100].to_vec(), batch].concat());
    agree(&rows, &ix);
    assert_eq!(found(&ix, "新名字", None, 5), [(all[5].no.clone(), MatchKind::Exact)]);
}

#[test]
fn only_clients_that_changed_count_towards_a_rebuild() {
    let all = rows(900, 6);
    let mut ix = SearchIndex::build(all.clone());
    assert!(!ix.rebuilds_for(&all), "an import re-saving every client unchanged");
    ix.upsert(&all);
    assert_eq!(ix.full_sorts, 1);
    let mut batch = all.clone();
    for r in &mut batch[..300] {
        r.name = "新名字".into();
    }
    assert!(ix.rebuilds_for(&batch));
    ix.upsert(&batch);
    assert_eq!(ix.full_sorts, 2);
    agree(&batch, &ix);
}

#[test]
fn positions_say_what_matched() {
    let rows = vec![Row {
        no: "6201".into(),
        phone: "13800138000".into(),
        id_number: "11010519491231002X".into(),
        name: "曾小红".into(),
        maintainer: None,
        tier: CardTier::Gold,
        last_contact: None,
    }];
    let ix = SearchIndex::build(rows);
    let first = |q: &str| ix.search(q, None, 5).into_iter().next().map(|f| (f.field, f.kind, f.positions));
    assert_eq!(first("zxh"), Some((MatchField::Name, MatchKind::Initials, vec![0, 1, 2])));
    assert_eq!(first("zengx"), Some((MatchField::Name, MatchKind::Prefix, vec![0, 1])));
    assert_eq!(first("xiaoh"), Some((MatchField::Name, MatchKind::Fuzzy, vec![1, 2])));
    assert_eq!(first("红"), Some((MatchField::Name, MatchKind::Fuzzy, vec![2])));
    assert_eq!(first("8000"), Some((MatchField::Phone, MatchKind::Prefix, vec![7, 8, 9, 10])));
    assert_eq!(first("1231002x"), None, "longer than an ID ending may be");
    assert_eq!(
        first("31002x"),
        Some((MatchField::IdNumber, MatchKind::Prefix, vec![12, 13, 14, 15, 16, 17]))
    );
    assert_eq!(first("620"), Some((MatchField::ClientNo, MatchKind::Prefix, vec![0, 1, 2])));
    assert_eq!(first("20"), Some((MatchField::ClientNo, MatchKind::Fuzzy, vec![1, 2])));
}

#[test]
fn a_client_added_twice_keeps_its_later_version() {
    let mut first = rows(3, 5);
    first[0].name = "张伟".into();
    let mut again = first[0].clone();
    again.name = "赵文".into();
    first.push(again);
    let ix = SearchIndex::build(first.clone());
    assert_eq!(ix.len(), 3);
    assert_eq!(found(&ix, "赵文", None, 5), [(first[0].no.clone(), MatchKind::Exact)]);
    assert!(found(&ix, "张伟", None, 5).iter().all(|(no, _)| *no != first[0].no));
    agree(&latest(&first), &ix);
}

fn person(no: &str, name: &str) -> Row {
    Row {
        no: no.into(),
        phone: String::new(),
        id_number: String::new(),
        name: name.into(),
        maintainer: None,
        tier: CardTier::Gold,
        last_contact: None,
    }
}

/// Names and kinds found for `query`, best first.
fn names_found(ix: &SearchIndex, query: &str) -> Vec<(String, MatchKind)> {
    ix.search(query, None, 20).into_iter().map(|f| (f.name, f.kind)).collect()
}

#[test]
fn traditional_and_simplified_forms_find_each_other() {
    let ix = SearchIndex::build([
        person("C1", "陳大文"),
        person("C2", "张伟"),
        person("C3", "劉德華"),
        person("C4", "張𠮷"),
        person("C5", "吕建国"),
    ]);
    let exact = |name: &str| vec![(name.to_string(), MatchKind::Exact)];
    assert_eq!(names_found(&ix, "陈大文"), exact("陳大文"), "shown as written");
    assert_eq!(names_found(&ix, "陳大文"), exact("陳大文"));
    assert_eq!(names_found(&ix, "張偉"), exact("张伟"));
    assert_eq!(names_found(&ix, "刘德华"), exact("劉德華"));
    assert_eq!(names_found(&ix, "liudehua"), exact("劉德華"));
    assert_eq!(names_found(&ix, "张吉"), exact("張𠮷"));
    assert_eq!(names_found(&ix, "zhangji"), exact("張𠮷"), "𠮷 reads as 吉, ji");
    assert_eq!(names_found(&ix, "陳d"), [("陳大文".to_string(), MatchKind::Prefix)]);
    let first = ix.search("陈大", None, 5).into_iter().next().map(|f| f.positions);
    assert_eq!(first, Some(vec![0, 1]));
    for q in ["lyujianguo", "lvjianguo", "lujianguo", "lyujg"] {
        assert_eq!(names_found(&ix, q).first().map(|f| f.0.as_str()), Some("吕建国"), "{q}");
    }
}

#[test]
fn characters_that_sound_the_same_are_found_after_the_characters_themselves() {
    let ix = SearchIndex::build([
        person("C1", "张伟"),
        person("C2", "张玮"),
        person("C3", "章伟明"),
        person("C4", "李娜"),
    ]);
    let found = |q: &str| names_found(&ix, q);
    let hit = |name: &str, kind| (name.to_string(), kind);
    assert_eq!(
        found("张玮"),
        [hit("张玮", MatchKind::Exact), hit("张伟", MatchKind::Exact), hit("章伟明", MatchKind::Prefix)]
    );
    assert_eq!(
        found("张伟"),
        [hit("张伟", MatchKind::Exact), hit("张玮", MatchKind::Exact), hit("章伟明", MatchKind::Prefix)]
    );
    assert_eq!(
        found("章w"),
        [
            hit("张伟", MatchKind::Initials),
            hit("张玮", MatchKind::Initials),
            hit("章伟明", MatchKind::Prefix)
        ],
        "whole names first, even read the same rather than written the same"
    );
    assert_eq!(
        found("张"),
        [hit("张伟", MatchKind::Prefix), hit("张玮", MatchKind::Prefix)],
        "a lone character is itself"
    );
}

#[test]
fn surnames_with_two_living_readings_are_found_by_both() {
    let ix = SearchIndex::build([
        person("C1", "单于洋"),
        person("C2", "乐嘉"),
        person("C3", "盖丽丽"),
        person("C4", "覃昇"),
        person("C5", "区志强"),
        person("C6", "曾小红"),
    ]);
    let first = |q: &str| names_found(&ix, q).first().map(|f| f.0.clone());
    for (q, name) in [
        ("syy", "单于洋"),
        ("shanyuyang", "单于洋"),
        ("chanyu", "单于洋"),
        ("cyy", "单于洋"),
        ("lejia", "乐嘉"),
        ("yuejia", "乐嘉"),
        ("gaill", "盖丽丽"),
        ("gell", "盖丽丽"),
        ("tansheng", "覃昇"),
        ("qinsheng", "覃昇"),
        ("quzq", "区志强"),
        ("ouzq", "区志强"),
    ] {
        assert_eq!(first(q).as_deref(), Some(name), "{q}");
    }
    assert_eq!(first("cxh"), None, "曾 as a surname is zeng, never ceng");
}

#[test]
fn a_doubled_letter_keeps_its_highlight() {
    let ix = SearchIndex::build([person("C1", "李Anna")]);
    let first = ix.search("anna", None, 5).into_iter().next().map(|f| (f.kind, f.positions));
    assert_eq!(first, Some((MatchKind::Fuzzy, vec![1, 2, 3, 4])));
}

#[test]
fn one_typo_in_a_spelt_name_still_finds_it_after_every_real_match() {
    let ix = SearchIndex::build([
        person("C1", "张伟"),
        person("C2", "张伟华"),
        person("C3", "张文"),
        person("C4", "李娜"),
        person("C5", "欧阳娜娜"),
    ]);
    let found = |q: &str| names_found(&ix, q);
    let hit = |name: &str, kind| (name.to_string(), kind);
    for q in ["zhnagwei", "zhangwie", "zhanggwei", "zhangwel", "hzangwei"] {
        assert_eq!(found(q).first(), Some(&hit("张伟", MatchKind::Typo)), "{q}: {:?}", found(q));
    }
    // A missing letter leaves the rest in order: a fuzzy match already.
    assert_eq!(found("zhangwi").first(), Some(&hit("张伟", MatchKind::Fuzzy)));
    assert_eq!(
        found("zhangwie"),
        [hit("张伟", MatchKind::Typo), hit("张文", MatchKind::Typo), hit("张伟华", MatchKind::Typo)],
        "张文 too: zhangwe, the query without its i, starts zhangwen; closest whole spelling first \
         (zhangwei one edit, zhangwen two, zhangweihua four)"
    );
    assert_eq!(found("oyuangnana").first(), Some(&hit("欧阳娜娜", MatchKind::Typo)));
    // Real matches first: "zhangwen" is 张文 exactly, and one edit from 张伟 (zhangwei).
    assert_eq!(found("zhangwen").first(), Some(&hit("张文", MatchKind::Exact)));
    assert!(found("zhangwen").contains(&hit("张伟", MatchKind::Typo)));
    assert!(found("zhnagwie").is_empty(), "two typos are too many");
    assert!(found("lni").is_empty(), "three letters are too few to guess at");
    let first = ix.search("zhnagwei", None, 5).into_iter().next().map(|f| f.positions);
    assert_eq!(first, Some(vec![0, 1]), "both characters lit");
}

#[test]
fn an_index_read_back_from_its_bytes_finds_the_same_and_takes_edits_the_same() {
    let all = rows(500, 11);
    let (first, rest) = all.split_at(400);
    let mut ix = SearchIndex::build(first.to_vec());
    // Edited in place before it is kept: garbage in the arenas, moved ranks.
    ix.upsert(&rest[..20]);
    let bytes = ix.to_bytes().unwrap();
    let mut back = SearchIndex::from_bytes(&bytes).unwrap();
    let written = latest(&[first, &rest[..20]].concat());
    agree(&written, &back);
    // And it goes on as the original would.
    ix.upsert(&rest[20..]);
    back.upsert(&rest[20..]);
    let rows = latest(&all);
    agree(&rows, &back);
    for q in queries(&rows) {
        assert_eq!(found(&back, &q, Some("2002"), 30), found(&ix, &q, Some("2002"), 30), "query {q:?}");
    }
}

#[test]
fn bytes_of_another_layout_or_cut_short_are_refused() {
    let ix = SearchIndex::build(rows(50, 12));
    let bytes = ix.to_bytes().unwrap();
    assert!(SearchIndex::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    let mut other = bytes.clone();
    // The layout number leads (a varint below 251 is one byte).
    other[0] = other[0].wrapping_add(1);
    assert!(SearchIndex::from_bytes(&other).err().is_some_and(|e| e.contains("索引格式")));
    let mut longer = bytes;
    longer.push(0);
    assert!(SearchIndex::from_bytes(&longer).is_err());
}
