//! Client search through the service: what it matches, in what order, what it never shows, and
//! that a write is searchable the moment it returns.

mod common;

use std::time::Duration;

use common::*;
use mingdan::domain::mask::{mask_id, mask_phone};
use mingdan::domain::*;
use mingdan::service::imports::ClientRecord;
use mingdan::service::search::{MatchField, MatchKind, SearchResults};
use mingdan::service::{Api, Service, Session};

const ID: &str = "11010519491231002X";

/// The test branch with its index built.
fn ready_branch() -> Branch {
    let b = branch();
    assert!(b.service.wait_for_search(Duration::from_secs(20)), "index not built");
    b
}

fn find(b: &Branch, who: &str, q: &str) -> SearchResults {
    let r = b.session(who).search(q.into(), 20).unwrap();
    assert!(r.ready);
    r
}

fn nos(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.no.as_str()).collect()
}

fn first(b: &Branch, q: &str) -> Option<(String, MatchField, MatchKind)> {
    find(b, "2001", q).hits.into_iter().next().map(|h| (h.no.to_string(), h.field, h.kind))
}

/// Imports (or updates) clients as the administrator: number, name, maintainer, assets in 万.
fn put(b: &Branch, rows: &[(&str, &str, Option<&str>, i64)]) {
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, (no, name, m, wan))| ClientRecord {
            line: i as u64 + 2,
            no: Some(cno(no)),
            name: Some(name.to_string()),
            outlet: Some(OutletId::parse("城关").unwrap()),
            assets: Some(Fen::wan(*wan)),
            maintainer: m.map(sno),
            ..ClientRecord::default()
        })
        .collect();
    let out = b.session("9001").import_clients(rows, "补充.csv".into(), false, vec![]).unwrap();
    assert!(out.written, "{:?}", out.problems);
}

#[test]
fn names_are_found_by_characters_full_pinyin_initials_and_any_mix() {
    let b = ready_branch();
    use MatchKind::*;
    for (q, kind) in [
        ("张伟", Exact),
        ("zhangwei", Exact),
        ("zhang wei", Exact),
        ("ZhangWei", Exact),
        ("张wei", Exact),
        ("张", Prefix),
        ("zhangw", Initials),
        ("张w", Initials),
        ("zw", Initials),
        ("ｚｗ", Initials),
        ("zhwei", Initials),
        ("wei", Fuzzy),
        ("伟", Fuzzy),
    ] {
        assert_eq!(first(&b, q), Some(("C1".into(), MatchField::Name, kind)), "query {q:?}");
    }
    let hit = &find(&b, "2001", "zhangw").hits[0];
    assert_eq!(hit.name_highlight, [0, 1]);
    assert_eq!((hit.field_text.as_str(), hit.field_highlight.as_slice()), ("张伟", &[0, 1][..]));
    assert_eq!(find(&b, "2001", "xh").hits[0].name_highlight, [1, 2], "曾小红: 小红");
}

#[test]
fn surnames_match_only_their_surname_reading() {
    let b = ready_branch();
    put(
        &b,
        &[
            ("C5", "解放", None, 1),
            ("C6", "仇军", None, 1),
            ("C7", "区志强", None, 1),
            ("C8", "朴正", None, 1),
            ("C9", "查理", None, 1),
            ("C10", "盖伦", None, 1),
            ("C11", "乐平", None, 1),
            ("C12", "尉迟恭", None, 1),
            ("C13", "万俟卨", None, 1),
            ("C14", "吕明", None, 1),
            ("C15", "李长乐", None, 1),
        ],
    );
    for (q, no) in [
        ("zxh", "C2"),
        ("zengxiaohong", "C2"),
        ("sm", "C3"),
        ("shanming", "C3"),
        ("xief", "C5"),
        ("qiuj", "C6"),
        ("ouzq", "C7"),
        ("piaoz", "C8"),
        ("zhal", "C9"),
        ("gel", "C10"),
        ("yuep", "C11"),
        ("yuchigong", "C12"),
        ("ycg", "C12"),
        ("moqi", "C13"),
        ("lvming", "C14"),
        ("luming", "C14"),
        // Not surnames, so every reading: 长 chang or zhang, 乐 le or yue.
        ("lichangle", "C15"),
        ("lizhangyue", "C15"),
        // The second living reading of these surnames (issue 16): found, ranked after the usual.
        ("jief", "C5"),
        ("chouj", "C6"),
        ("quzq", "C7"),
        ("lep", "C11"),
        ("chal", "C9"),
    ] {
        let r = find(&b, "2001", q);
        assert_eq!(
            r.hits.first().map(|h| (h.no.as_str(), h.field)),
            Some((no, MatchField::Name)),
            "query {q:?}"
        );
        assert!(r.hits[0].kind < MatchKind::Fuzzy, "query {q:?}: {:?}", r.hits[0].kind);
    }
    // Readings no family uses for these surnames find nothing from the start of the name.
    for (q, no) in [("cxh", "C2"), ("dm", "C3")] {
        let r = find(&b, "2001", q);
        assert!(
            r.hits.iter().all(|h| h.no.as_str() != no || h.kind == MatchKind::Fuzzy),
            "query {q:?} found {no} by a reading that is not its surname's: {:?}",
            r.hits
        );
    }
}

#[test]
fn phones_client_numbers_and_id_endings_are_found() {
    let b = ready_branch();
    use MatchField::*;
    use MatchKind::*;
    assert_eq!(first(&b, "13800138001"), Some(("C2".into(), Phone, Exact)));
    assert_eq!(first(&b, "138 0013 8001"), Some(("C2".into(), Phone, Exact)));
    assert_eq!(first(&b, "8001"), Some(("C2".into(), Phone, Prefix)), "the last four digits");
    assert_eq!(nos(&find(&b, "2002", "138")).len(), 4, "the three digits the mask shows");
    assert_eq!(first(&b, "C3"), Some(("C3".into(), ClientNo, Exact)));
    assert_eq!(first(&b, "c3"), Some(("C3".into(), ClientNo, Exact)));
    let r = find(&b, "2002", "C");
    assert_eq!(nos(&r), ["C3", "C4", "C2", "C1"], "by number prefix; higher tier first, equals by number");
    assert!(r.hits.iter().all(|h| (h.field, h.kind) == (ClientNo, Prefix)));
    for q in ["002X", "002x", "1002x", "31002X"] {
        let r = find(&b, "2001", q);
        assert_eq!(r.hits.len(), 4, "ID ending {q}");
        assert!(r.hits.iter().all(|h| (h.field, h.kind) == (IdNumber, Prefix)));
    }
    let r = find(&b, "2001", ID);
    assert_eq!((nos(&r), r.hits[0].field, r.hits[0].kind), (vec!["C1"], IdNumber, Exact));
}

#[test]
fn results_rank_by_kind_then_own_roster_then_tier_then_recent_contact_then_number() {
    let b = ready_branch();
    put(
        &b,
        &[
            ("C5", "张伟华", Some("2002"), 20),
            ("C6", "赵文", None, 300),
            ("C7", "李张伟", None, 700),
            ("C8", "张伟", None, 20),
            ("C9", "张伟", None, 20),
            ("C10", "张伟", None, 60),
        ],
    );
    // Kind first, whoever owns the client and whatever its tier.
    assert_eq!(nos(&find(&b, "2002", "zhangweihua")), ["C5"]);
    let r = find(&b, "2002", "zhangwei");
    let kinds: Vec<MatchKind> = r.hits.iter().map(|h| h.kind).collect();
    assert_eq!(nos(&r), ["C10", "C1", "C8", "C9", "C5", "C7"]);
    use MatchKind::*;
    assert_eq!(kinds, [Exact, Exact, Exact, Exact, Prefix, Fuzzy]);
    // Within a kind the searcher's own clients come first: C1 is 2001's, C5 2002's.
    assert_eq!(nos(&find(&b, "2001", "张伟")), ["C1", "C10", "C8", "C9", "C5", "C7"]);
    // Whole names before longer ones (张伟华 only starts with zw), then tier: C6 is diamond, C10
    // platinum.
    assert_eq!(nos(&find(&b, "2002", "zw")), ["C6", "C10", "C1", "C8", "C9", "C5", "C7"]);
    // Then tier (C10 platinum before the gold ones), then the most recent contact, then number.
    b.session("2001").log_contact(draft("C9", Purpose::Marketing)).unwrap();
    assert_eq!(nos(&find(&b, "2002", "张伟")), ["C10", "C9", "C1", "C8", "C5", "C7"]);
    // Results are capped, and the cap keeps the best.
    assert_eq!(nos(&b.session("2002").search("张伟".into(), 2).unwrap()), ["C10", "C9"]);
}

#[test]
fn a_name_matched_only_through_a_rare_reading_ranks_after_usual_readings() {
    let b = ready_branch();
    // 立 is li; the dictionary also has an archaic wèi. C1 张伟 is gold and 2001's; 张立新 is
    // platinum and on 2002's own roster, which would rank it first among equal matches.
    put(&b, &[("C20", "张立新", Some("2002"), 60)]);
    let r = find(&b, "2002", "zw");
    assert_eq!(nos(&r), ["C1", "C20"], "张伟 first, 张立新 still found");
    let kinds: Vec<_> = r.hits.iter().map(|h| (h.field, h.kind)).collect();
    assert_eq!(kinds, [(MatchField::Name, MatchKind::Initials), (MatchField::Name, MatchKind::Prefix)]);
    // Read the usual way it is still found after the whole name 张伟: 新 was not typed for.
    assert_eq!(nos(&find(&b, "2002", "zl")), ["C20"]);
    // Read the usual way, 张立新 ranks by roster and tier as ever.
    assert_eq!(first(&b, "zlx").map(|h| (h.0, h.2)), Some(("C20".into(), MatchKind::Initials)));
    assert_eq!(nos(&find(&b, "2002", "zhang")), ["C20", "C1"]);
    // Spelt out in full, a rare reading still makes an exact match, ahead of every prefix.
    assert_eq!(first(&b, "zhangweixin").map(|h| (h.0, h.2)), Some(("C20".into(), MatchKind::Exact)));
    let r = find(&b, "2002", "zhangwei");
    assert_eq!(nos(&r), ["C1", "C20"]);
    assert_eq!(r.hits.iter().map(|h| h.kind).collect::<Vec<_>>(), [MatchKind::Exact, MatchKind::Prefix]);
}

#[test]
fn a_typo_lists_the_name_closest_as_a_whole_first_then_by_rank() {
    let b = ready_branch();
    // 张立新 (zhangweixin by 立's archaic wèi) is platinum and 2002's own: by rank alone it would
    // come first, as the tester saw. "zhnagwei" is one swap from all of zhangwei (C1 张伟).
    put(&b, &[("C20", "张立新", Some("2002"), 60)]);
    let r = find(&b, "2002", "zhnagwei");
    assert_eq!(nos(&r), ["C1", "C20"], "张伟 (one edit) before 张立新 (four)");
    assert!(r.hits.iter().all(|h| h.kind == MatchKind::Typo));
}

#[test]
fn a_phone_matched_by_its_last_digits_is_told_as_an_ending_not_a_start() {
    let b = ready_branch();
    let r = find(&b, "2001", "8001");
    assert_eq!((r.hits[0].field, r.hits[0].kind), (MatchField::Phone, MatchKind::Prefix));
    assert!(r.hits[0].by_ending(), "尾号, not 开头相符: {:?}", r.hits[0]);
    let r = find(&b, "2001", "002X");
    assert!(r.hits.iter().all(|h| h.by_ending()), "an ID number's ending too");
    let r = find(&b, "2002", "138");
    assert!(r.hits.iter().all(|h| h.field == MatchField::Phone && !h.by_ending()), "a start is a start");
}

#[test]
fn a_given_names_other_common_reading_still_matches_after_its_primary() {
    let b = ready_branch();
    // In a given name 长 is read chang first (the usual reading), then zhang; 王长春 is
    // platinum and 2002's own.
    put(&b, &[("C21", "王长春", Some("2002"), 60), ("C22", "王志成", None, 20), ("C23", "王春城", None, 20)]);
    let initials = |q: &str| {
        let r = find(&b, "2002", q);
        assert!(r.hits.iter().all(|h| h.kind == MatchKind::Initials), "query {q:?}: {r:?}");
        nos(&r).into_iter().map(String::from).collect::<Vec<_>>()
    };
    // Both 王长春 and 王春城 read the usual way: own roster and tier decide.
    assert_eq!(initials("wcc"), ["C21", "C23"]);
    // 王长春 by zhang: still found, after 王志成, read the usual way.
    assert_eq!(initials("wzc"), ["C22", "C21"]);
    assert_eq!(first(&b, "wangchangchun").map(|h| (h.0, h.2)), Some(("C21".into(), MatchKind::Exact)));
    assert_eq!(first(&b, "wangzhangchun").map(|h| (h.0, h.2)), Some(("C21".into(), MatchKind::Exact)));
}

#[test]
fn search_never_shows_what_the_mask_hides() {
    let b = ready_branch();
    // 2002 maintains none of these clients; a manager is no different for phones.
    for who in ["2002", "1001"] {
        for q in ["13800138000", "8000", "138", ID, "002X", "zhangwei"] {
            let r = find(&b, who, q);
            assert!(!r.hits.is_empty(), "{q}");
            for h in &r.hits {
                assert_eq!(
                    h.phone,
                    mask_phone(&format!("1380013800{}", &h.no.as_str()[1..].parse::<u32>().unwrap() - 1))
                );
                let shown = format!("{h:?}");
                assert!(!shown.contains("13800138000") && !shown.contains(ID), "{shown}");
                match h.field {
                    MatchField::Phone => assert_eq!(h.field_text, h.phone),
                    MatchField::IdNumber => assert_eq!(h.field_text, mask_id(ID)),
                    _ => {}
                }
                let visible: Vec<char> = h.field_text.chars().collect();
                assert!(
                    h.field_highlight.iter().all(|p| visible.get(*p).is_some_and(|c| *c != '*')),
                    "{h:?}"
                );
            }
        }
        // Digits the mask hides cannot be probed: a partial number beyond the first three digits,
        // or an ending longer than four, matches no phone.
        for q in ["1380", "13800", "1380013", "1380013800", "38000", "0138000"] {
            assert!(find(&b, who, q).hits.iter().all(|h| h.field != MatchField::Phone), "{q}");
        }
        // Nor more of an ID number than its last six characters, unless it is the whole number.
        for q in ["1231002X", "19491231002X"] {
            assert!(find(&b, who, q).hits.is_empty(), "{q}");
        }
    }
    let hit = &find(&b, "2002", "13800138000").hits[0];
    assert_eq!(
        (hit.field_text.as_str(), hit.field_highlight.as_slice()),
        ("138****8000", &[0, 1, 2, 7, 8, 9, 10][..])
    );
}

#[test]
fn new_renamed_and_reassigned_clients_are_found_at_once() {
    let b = ready_branch();
    assert!(find(&b, "2001", "oyn").hits.is_empty());
    put(&b, &[("C5", "欧阳娜娜", None, 1)]);
    assert_eq!(first(&b, "oynn"), Some(("C5".into(), MatchField::Name, MatchKind::Initials)));
    assert_eq!(first(&b, "oyn"), Some(("C5".into(), MatchField::Name, MatchKind::Prefix)));
    assert_eq!(first(&b, "欧阳娜娜").map(|h| h.2), Some(MatchKind::Exact));

    put(&b, &[("C5", "司马光", None, 1)]);
    assert!(nos(&find(&b, "2001", "oyn")).is_empty(), "the old name is gone");
    assert!(nos(&find(&b, "2001", "欧阳")).is_empty());
    assert_eq!(first(&b, "smg"), Some(("C5".into(), MatchField::Name, MatchKind::Initials)));

    let admin = b.session("9001");
    let phone = ClientRecord {
        line: 2,
        no: Some(cno("C5")),
        phone: Some("13912345678".into()),
        ..ClientRecord::default()
    };
    assert!(admin.import_clients(vec![phone], "电话.csv".into(), false, vec![]).unwrap().written);
    assert_eq!(first(&b, "5678"), Some(("C5".into(), MatchField::Phone, MatchKind::Prefix)));

    assert!(!find(&b, "2002", "liuyang").hits[0].mine);
    b.session("1001").assign(vec![cno("C4")], Some(sno("2002")), "调整".into()).unwrap();
    let hit = &find(&b, "2002", "liuyang").hits[0];
    assert!(hit.mine);
    assert_eq!(hit.maintainer.as_ref().map(|m| m.name.as_str()), Some("李强"));
}

#[test]
fn the_index_is_built_again_after_a_restart() {
    let b = ready_branch();
    put(&b, &[("C5", "欧阳娜娜", None, 1)]);
    let b = b.reopen();
    let r = b.session("2001").search("oyn".into(), 5).unwrap();
    assert!(r.ready || r.hits.is_empty(), "not ready means no hits yet");
    assert!(b.service.wait_for_search(Duration::from_secs(20)));
    assert_eq!(first(&b, "oyn").map(|h| h.0), Some("C5".into()));
}

#[test]
fn an_empty_query_finds_nothing() {
    let b = ready_branch();
    assert!(find(&b, "2001", "").hits.is_empty());
    assert!(find(&b, "2001", "  ").hits.is_empty());
}

#[test]
fn a_passport_numbers_hidden_characters_cannot_be_found_one_by_one() {
    let b = ready_branch();
    let passport = ClientRecord {
        line: 2,
        no: Some(cno("C30")),
        name: Some("周外宾".into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        id_number: Some("E12345678".into()),
        ..ClientRecord::default()
    };
    assert!(
        b.session("9001").import_clients(vec![passport], "外宾.csv".into(), false, vec![]).unwrap().written
    );
    // The mask shows E123*5678: its last four may be searched, the hidden 4 may not be probed.
    assert_eq!(nos(&find(&b, "2001", "5678")), ["C30"]);
    assert!(find(&b, "2001", "45678").hits.is_empty(), "one more character would reveal a hidden one");
    assert!(find(&b, "2001", "345678").hits.is_empty());
    // A resident ID's last six are the birth day and what the mask shows: still found.
    let resident = find(&b, "2001", "31002X");
    assert!(nos(&resident).contains(&"C1"), "{resident:?}");
}

/// Reveal records `who` has in the audit trail, oldest first: (client, detail).
fn reveals_by(b: &Branch, who: &str) -> Vec<(String, String)> {
    let filter = mingdan::service::views::AuditFilter {
        actor: Some(who.into()),
        action: Some(AuditAction::Reveal),
        ..Default::default()
    };
    let mut out: Vec<_> =
        b.session("9001").audit(filter).unwrap().into_iter().map(|r| (r.target, r.detail)).collect();
    out.reverse();
    out
}

fn set_whole_number_limit(b: &Branch, per_hour: u32) {
    let admin = b.session("9001");
    let was = admin.rules().unwrap();
    let mut now = was.clone();
    now.whole_number_searches_per_hour = per_hour;
    admin.set_rules(now, was).unwrap();
}

#[test]
fn guessing_a_hidden_phone_whole_number_by_whole_number_is_audited_then_refused() {
    let b = ready_branch();
    let phone_of = |i: u32| format!("1380013800{i}");
    // 2002 maintains none of C1..C4. The first guess that hits is a reveal, written down.
    let r = find(&b, "2002", &phone_of(3));
    assert_eq!((nos(&r), r.hits[0].field, r.notice.as_deref()), (vec!["C4"], MatchField::Phone, None));
    assert_eq!(reveals_by(&b, "2002"), [("C4".to_string(), "手机号码（整号搜索 138****8003）".to_string())]);
    // Nineteen guesses that miss still count: guessing is limited, not only its lucky try.
    for n in 0..19 {
        let r = find(&b, "2002", &format!("139{n:08}"));
        assert!(r.hits.is_empty() && r.notice.is_none(), "guess {n}: {r:?}");
    }
    // The limit (20 an hour by default) is reached: a hit and a miss now look the same.
    let hit = find(&b, "2002", &phone_of(2));
    let miss = find(&b, "2002", "13900000099");
    assert!(hit.hits.is_empty(), "C3's hidden phone was confirmed beyond the limit: {hit:?}");
    assert!(miss.hits.is_empty());
    let notice = hit.notice.clone().expect("the search says why it matched nothing");
    assert!(notice.contains("上限") && notice.contains("20"), "{notice}");
    assert_eq!(miss.notice, hit.notice, "the notice must not tell a hit from a miss");
    // Whole ID numbers are held to the same limit.
    let r = find(&b, "2002", SAME_ENDING_IDS[1]);
    assert!(r.hits.is_empty() && r.notice.is_some(), "{r:?}");
    // What the mask shows is still searchable, and nothing further was written.
    assert_eq!(nos(&find(&b, "2002", "8002")), ["C3"]);
    assert_eq!(reveals_by(&b, "2002").len(), 1);
    // Asking again for the number already revealed is no new guess: found, not written again.
    let r = find(&b, "2002", &phone_of(3));
    assert_eq!((nos(&r), r.notice.as_deref()), (vec!["C4"], None));
    assert_eq!(reveals_by(&b, "2002").len(), 1);
    // An hour later the searches made then no longer count.
    b.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(nos(&find(&b, "2002", &phone_of(2))), ["C3"]);
    assert_eq!(reveals_by(&b, "2002")[1], ("C3".to_string(), "手机号码（整号搜索 138****8002）".to_string()));
    let r = find(&b, "2002", SAME_ENDING_IDS[1]);
    assert_eq!((nos(&r), r.hits[0].field), (vec!["C2"], MatchField::IdNumber));
    assert_eq!(
        reveals_by(&b, "2002")[2],
        ("C2".to_string(), format!("证件号码（整号搜索 {}）", mask_id(SAME_ENDING_IDS[1])))
    );
}

#[test]
fn whole_numbers_on_ones_own_roster_or_revealed_are_found_without_audit_or_limit() {
    let b = ready_branch();
    // No whole-number search of others' clients at all.
    set_whole_number_limit(&b, 0);
    // 2001 maintains C1..C3: their phones and IDs are a lookup at the counter, as often as needed.
    for _ in 0..3 {
        for (i, id) in SAME_ENDING_IDS[..3].iter().enumerate() {
            let r = find(&b, "2001", &format!("1380013800{i}"));
            assert_eq!((nos(&r).len(), r.hits[0].field, r.notice.as_deref()), (1, MatchField::Phone, None));
            let r = find(&b, "2001", id);
            assert_eq!(
                (nos(&r).len(), r.hits[0].field, r.notice.as_deref()),
                (1, MatchField::IdNumber, None)
            );
        }
    }
    assert!(reveals_by(&b, "2001").is_empty(), "own clients' numbers are no reveal");
    // C4 is nobody's: its whole phone is refused at a limit of 0 …
    let r = find(&b, "2001", "13800138003");
    assert!(r.hits.is_empty() && r.notice.is_some(), "{r:?}");
    // … until 2001 reveals it on the card (audited there); then the search finds it, unwritten.
    b.session("2001").reveal(cno("C4"), Sensitive::Phone).unwrap();
    let r = find(&b, "2001", "13800138003");
    assert_eq!((nos(&r), r.notice.as_deref()), (vec!["C4"], None));
    assert_eq!(reveals_by(&b, "2001"), [("C4".to_string(), "手机号码".to_string())]);
    // The reveal was of the phone: the ID number stays hidden.
    assert!(find(&b, "2001", SAME_ENDING_IDS[3]).hits.is_empty());
    // A manager's branch-wide view is masked too: 2001's clients are others' clients to them.
    set_whole_number_limit(&b, 20);
    assert_eq!(nos(&find(&b, "1001", "13800138000")), ["C1"]);
    assert_eq!(reveals_by(&b, "1001"), [("C1".to_string(), "手机号码（整号搜索 138****8000）".to_string())]);
}

#[test]
fn a_card_of_anothers_client_carries_no_full_birthday_phone_id_or_balance() {
    let b = ready_branch();
    for who in ["2002", "2001"] {
        let card = b.session(who).client(cno("C1")).unwrap();
        let c = &card.client;
        assert_eq!(c.birthday.map(|m| m.to_string()).as_deref(), Some("12-31"));
        assert_eq!((c.phone.as_str(), c.id_number.as_str()), ("138****8000", "1101**********002X"));
        assert!(matches!(c.assets, mingdan::service::views::Amount::Band(_)), "{:?}", c.assets);
        let sent = format!("{card:?}");
        for secret in ["1949", "13800138000", ID, "300000"] {
            assert!(!sent.contains(secret), "{secret} in {sent}");
        }
    }
}

#[test]
fn beyond_the_limit_any_number_query_gets_the_notice_so_it_never_tells_a_hit_from_a_miss() {
    let b = ready_branch();
    // C1's ID becomes a first-generation 15-digit one; 2002 maintains none of C1..C4.
    let old_id = ClientRecord {
        line: 2,
        no: Some(cno("C1")),
        id_number: Some("410105750312011".into()),
        ..ClientRecord::default()
    };
    assert!(
        b.session("9001").import_clients(vec![old_id], "旧证.csv".into(), false, vec![]).unwrap().written
    );
    set_whole_number_limit(&b, 0);
    let hit = find(&b, "2002", "410105750312011");
    let miss = find(&b, "2002", "410105750312012");
    assert!(hit.hits.is_empty() && miss.hits.is_empty(), "{hit:?}");
    assert!(hit.notice.is_some(), "{hit:?}");
    assert_eq!(hit.notice, miss.notice, "the notice must not tell a hit from a miss");
    // A plain client-number lookup is no guess: found as ever, without the notice.
    let r = find(&b, "2002", "C3");
    assert_eq!((nos(&r), r.notice.as_deref()), (vec!["C3"], None));
    assert!(reveals_by(&b, "2002").is_empty(), "nothing hidden was shown, nothing written");
}

/// Issue 16, point 5: by how well the name matches first, then roster, tier and contact; never by
/// client number inside a grade.
#[test]
fn whole_names_and_close_fuzzy_matches_rank_first() {
    let b = ready_branch();
    // 周文博 is diamond and 2002's own, C1 张伟 only gold: a whole name still comes first.
    put(
        &b,
        &[
            ("C30", "周文博", Some("2002"), 300),
            ("C31", "单于洋", Some("2002"), 300),
            ("C32", "王祥", None, 20),
            ("C33", "李娜娜", None, 20),
            ("C34", "王安娜", Some("2002"), 300),
            ("C35", "张南南", Some("2002"), 300),
        ],
    );
    let r = find(&b, "2002", "zw");
    assert_eq!(nos(&r)[..2], ["C1", "C30"], "{r:?}");
    assert_eq!((r.hits[0].kind, r.hits[1].kind), (MatchKind::Initials, MatchKind::Prefix));
    // 王祥 spells "xiang" as one run; 单于洋 only scattered (xu + yang) through a rare reading.
    let r = find(&b, "2002", "xiang");
    let at = |no: &str| r.hits.iter().position(|h| h.no.as_str() == no);
    assert!(at("C32") < at("C31") && at("C32").is_some(), "{:?}", nos(&r));
    // 李娜娜 (linana) holds "nana" as a run: before 王安娜 (wanganna) and 张南南 (zhangnannan),
    // though they are diamond and 2002's own.
    let r = find(&b, "2002", "nana");
    assert_eq!(r.hits.first().map(|h| (h.no.as_str(), h.kind)), Some(("C33", MatchKind::Fuzzy)), "{r:?}");
    assert_eq!(r.hits[0].name_highlight, [1, 2], "both 娜 lit");
}

/// Issue 16, point 4: a name heard and typed with one slip is still found, after real matches.
#[test]
fn a_spelt_name_with_one_typo_is_found_after_every_real_match() {
    let b = ready_branch();
    put(&b, &[("C40", "张文", None, 300)]);
    for q in ["zhangwie", "zhnagwei", "zhangwel", "zhanggwei", "hzangwei"] {
        let r = find(&b, "2001", q);
        let hit = r.hits.iter().find(|h| h.no.as_str() == "C1").map(|h| (h.kind, h.name_highlight.clone()));
        assert_eq!(hit, Some((MatchKind::Typo, vec![0, 1])), "query {q:?}: {r:?}");
    }
    // "zhangwen" is 张文 itself and one letter from 张伟: the real match first.
    let r = find(&b, "2001", "zhangwen");
    assert_eq!(nos(&r), ["C40", "C1"]);
    assert_eq!(r.hits.iter().map(|h| h.kind).collect::<Vec<_>>(), [MatchKind::Exact, MatchKind::Typo]);
    assert!(find(&b, "2001", "zhnagwie").hits.is_empty(), "two slips are too many");
}

/// Issue 16, point 6: a capped list says about how many match in all; a short one is complete.
#[test]
fn a_capped_list_carries_about_how_many_match() {
    let b = ready_branch();
    let rows: Vec<(String, &str)> = (0..30).map(|i| (format!("C{}", 100 + i), "张伟")).collect();
    let rows: Vec<(&str, &str, Option<&str>, i64)> =
        rows.iter().map(|(no, n)| (no.as_str(), *n, None, 1)).collect();
    put(&b, &rows);
    let r = b.session("2001").search("张伟".into(), 10).unwrap();
    assert_eq!((r.hits.len(), r.about), (10, 31), "C1 and the thirty new ones");
    let r = b.session("2001").search("单明".into(), 10).unwrap();
    assert_eq!((r.hits.len(), r.about), (1, 1));
}

/// Issue 16, point 7: the results a script gets are the search box's, and leave an audit record.
#[test]
fn search_for_scripts_gives_the_same_masked_results_and_is_audited() {
    let b = ready_branch();
    let s = b.session("2002");
    let boxed = s.search("zhangw".into(), 20).unwrap();
    let scripted = s.search_export("zhangw".into(), 20).unwrap();
    assert_eq!(scripted, boxed);
    assert_eq!(scripted.hits[0].phone, "138****8000");
    let audit = b.session("9001").audit(Default::default()).unwrap();
    let exported: Vec<_> = audit.iter().filter(|r| r.action == AuditAction::Export).collect();
    assert_eq!(exported.len(), 1, "{audit:?}");
    assert_eq!((exported[0].actor.as_str(), exported[0].target.as_str()), ("2002", "搜索结果"));
    assert!(
        exported[0].detail.contains("zhangw") && exported[0].detail.contains("1 行"),
        "{:?}",
        exported[0]
    );
}

/// A one-off command opens the store without reading every client into the search index (issue
/// #13: 1.8 s and 1.1 GB at a million clients for `audit --limit 1`); what is saved before anyone
/// searches is still found once someone does.
#[test]
fn a_store_opened_for_a_command_builds_no_index_until_something_searches() {
    let Branch { dir, clock, service } = branch();
    drop(service);
    let service = std::sync::Arc::new(Service::open_lazy(dir.path(), clock.clone()).unwrap());
    let admin = Session::new(service.clone(), sno("9001"));
    let row = ClientRecord {
        line: 2,
        no: Some(cno("C9")),
        name: Some("欧阳娜".into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        ..ClientRecord::default()
    };
    assert!(admin.import_clients(vec![row], "新客户.csv".into(), false, vec![]).unwrap().written);
    let _ = admin.audit(mingdan::service::views::AuditFilter { limit: 1, ..Default::default() }).unwrap();
    assert!(!service.search_started(), "an import and a look at the audit need no index");
    // The first search starts it; once built, it holds the client saved before it started.
    let first = admin.search("ouyangna".into(), 20).unwrap();
    assert!(service.search_started());
    assert!(first.ready || first.hits.is_empty());
    assert!(service.wait_for_search(Duration::from_secs(20)));
    let r = admin.search("ouyangna".into(), 20).unwrap();
    assert_eq!(nos(&r), ["C9"]);
    // And a client saved after it started is found at once, as ever.
    let row = ClientRecord {
        line: 2,
        no: Some(cno("C10")),
        name: Some("欧阳娜".into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        ..ClientRecord::default()
    };
    assert!(admin.import_clients(vec![row], "新客户.csv".into(), false, vec![]).unwrap().written);
    assert_eq!(nos(&admin.search("ouyangna".into(), 20).unwrap()), ["C10", "C9"]);
    drop(clock);
}

/// The search index kept at close is read at the next start when the store has not changed —
/// and refused, the index built from the clients instead, when a write came between (here by a
/// one-off command that never searched), when its bytes were altered, or when it belongs to
/// another data key. Whichever way it came, it finds what the store holds. The file holds no
/// client's name or phone in the clear: it is sealed with the data key like the store's fields.
#[test]
fn the_index_kept_at_close_is_read_back_only_while_it_matches_the_store() {
    use mingdan::service::search::IndexOrigin;
    let origin = |b: &Branch| b.service.search_origin().expect("the index is ready");
    let built = |b: &Branch, why: &str| match origin(b) {
        IndexOrigin::Built { why: said } => assert!(said.contains(why), "{said:?} should say {why:?}"),
        IndexOrigin::Read => panic!("the kept index was read; expected a build because {why}"),
    };
    let b = ready_branch();
    built(&b, "没有保存的索引");
    assert!(b.service.keep_search_index().unwrap(), "a ready index is kept");
    assert!(!b.service.keep_search_index().unwrap(), "nothing changed: the file is not written again");
    let file = b.dir.path().join("search.index");
    let bytes = std::fs::read(&file).unwrap();
    for clear in ["张伟".as_bytes(), "曾小红".as_bytes(), b"13800138000", SAME_ENDING_IDS[0].as_bytes()]
    {
        assert!(
            !bytes.windows(clear.len()).any(|w| w == clear),
            "{:?} in the clear",
            String::from_utf8_lossy(clear)
        );
    }

    // A restart with nothing written between: read, and it answers as the built one did.
    let b = b.reopen();
    assert_eq!(origin(&b), IndexOrigin::Read);
    assert_eq!(nos(&find(&b, "2001", "zw")), ["C1"]);
    assert_eq!(nos(&find(&b, "2001", "8000")), ["C1"], "phone endings are in it too");
    // A write after reading it: searchable at once, and the next close keeps it.
    put(&b, &[("C5", "周文博", Some("2002"), 40)]);
    assert_eq!(nos(&find(&b, "2002", "zwb")), ["C5"]);
    assert!(b.service.keep_search_index().unwrap());

    // A one-off command writes while no index is open to hear of it.
    let Branch { dir, clock, service } = b;
    drop(service);
    {
        let lazy = std::sync::Arc::new(Service::open_lazy(dir.path(), clock.clone()).unwrap());
        let admin = Session::new(lazy, sno("9001"));
        let row = ClientRecord {
            line: 2,
            no: Some(cno("C6")),
            name: Some("欧阳娜娜".into()),
            outlet: Some(OutletId::parse("城关").unwrap()),
            ..ClientRecord::default()
        };
        assert!(admin.import_clients(vec![row], "一条.csv".into(), false, vec![]).unwrap().written);
    }
    let open = |dir: StoreDir, clock: std::sync::Arc<mingdan::service::FixedClock>| {
        let service = std::sync::Arc::new(Service::open(dir.path(), clock.clone()).unwrap());
        assert!(service.wait_for_search(Duration::from_secs(30)));
        Branch { dir, clock, service }
    };
    let b = open(dir, clock);
    built(&b, "数据库已写到第");
    assert_eq!(nos(&find(&b, "2001", "oynn")), ["C6"], "the one-off command's client is found");
    assert_eq!(nos(&find(&b, "2002", "zwb")), ["C5"]);
    assert!(b.service.keep_search_index().unwrap());

    // A flipped bit in the kept file: refused by its seal.
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 40;
    bytes[last] ^= 0x10;
    std::fs::write(&file, &bytes).unwrap();
    let b = b.reopen();
    built(&b, "校验不符");
    assert_eq!(nos(&find(&b, "2001", "张伟")), ["C1"]);

    // The file of another store with the same write count (a copy put beside this one): its
    // seal belongs to another data key.
    assert!(b.service.keep_search_index().unwrap());
    let other = ready_branch();
    let Branch { dir, clock, service } = b;
    let count = |s: &Service| s.store_path().join("search.index");
    drop(service);
    assert!(other.service.keep_search_index().unwrap());
    std::fs::copy(count(&other.service), dir.path().join("search.index")).unwrap();
    let b = open(dir, clock);
    match origin(&b) {
        // Refused by the seal when the counts agree, as stale when they do not.
        IndexOrigin::Built { .. } => {}
        IndexOrigin::Read => panic!("another store's index was read"),
    }
    assert_eq!(nos(&find(&b, "2002", "zwb")), ["C5"]);
}
