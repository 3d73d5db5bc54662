//! The roster and client card drawn at 80×24 into a test terminal, read back as text.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mingdan::tui::App;
use mingdan::tui::text::{EN, Text, ZH};
use mingdan::tui::theme::{ColorSupport, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The screen as lines of text, a wide character counted once (its second cell skipped).
fn screen(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buf = terminal.backend().buffer();
    let mut lines = Vec::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            x += mingdan::tui::ui::width(sym).max(1) as u16;
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// The terminal cell where `needle` starts on the row that contains `row_key`.
fn column_of(terminal: &Terminal<TestBackend>, row_key: &str, needle: &str) -> Option<u16> {
    let buf = terminal.backend().buffer();
    for y in 0..buf.area.height {
        let mut text = String::new();
        let mut starts = Vec::new();
        let mut x = 0;
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            for _ in sym.chars() {
                starts.push(x);
            }
            text.push_str(sym);
            x += mingdan::tui::ui::width(sym).max(1) as u16;
        }
        if text.contains(row_key) {
            let byte = text.find(needle)?;
            return Some(starts[text[..byte].chars().count()]);
        }
    }
    None
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    terminal
}

fn mono() -> Theme {
    Theme::load("default", None, ColorSupport::None).unwrap()
}

fn app<'a>(session: &'a dyn mingdan::service::Api, theme: &'a Theme, t: &'static Text) -> App<'a> {
    App::new(session, theme, t).unwrap()
}

#[test]
fn roster_columns_line_up_with_chinese_names_at_80x24() {
    let b = branch();
    let s = b.session("2001");
    let theme = mono();
    let mut a = app(&s, &theme, &ZH);
    a.on_key(key(KeyCode::Char('2')));
    let term = draw(&mut a, 80, 24);
    // 张伟 and 单明 are four cells wide, 曾小红 six: the next column starts at the same cell.
    let cols: Vec<Option<u16>> =
        ["张伟", "曾小红", "单明"].iter().map(|n| column_of(&term, n, "C")).collect();
    assert!(cols[0].is_some(), "{:#?}", screen(&term));
    assert!(cols.iter().all(|c| *c == cols[0]), "{cols:?}\n{:#?}", screen(&term));
    let class_cols: Vec<Option<u16>> =
        ["张伟", "曾小红", "单明"].iter().map(|n| column_of(&term, n, "重要")).collect();
    assert!(class_cols.iter().all(|c| *c == class_cols[0] && c.is_some()), "{class_cols:?}");
    insta::assert_snapshot!("roster_80x24_zh", screen(&term).join("\n"));
}

#[test]
fn client_card_at_80x24_masks_until_revealed() {
    let b = branch();
    let s = b.session("2001");
    let theme = mono();
    let mut a = app(&s, &theme, &ZH);
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Enter));
    let term = draw(&mut a, 80, 24);
    let text = screen(&term).join("\n");
    assert!(text.contains("138****800"), "{text}");
    insta::assert_snapshot!("client_80x24_zh", text);
    a.on_key(key(KeyCode::Char('p')));
    let text = screen(&draw(&mut a, 80, 24)).join("\n");
    assert!(text.contains("1380013800"), "{text}");
    assert!(text.contains("已记录查看"), "{text}");
}

#[test]
fn roster_in_english_at_160x48_shows_the_wide_columns() {
    let b = branch();
    let s = b.session("2001");
    let theme = mono();
    let mut a = app(&s, &theme, &EN);
    a.on_key(key(KeyCode::Char('2')));
    let text = screen(&draw(&mut a, 160, 48)).join("\n");
    assert!(text.contains("Segment") && text.contains("Maintain"), "{text}");
    insta::assert_snapshot!("roster_160x48_en", text);
}

/// The managers' screens at the design size, in both languages, as the outlet head sees them.
#[test]
fn manager_screens_at_80x24() {
    use KeyCode::*;
    let screens: [(&str, &[KeyCode]); 11] = [
        ("coverage", &[Char('3')]),
        ("results_drill", &[Char('6'), Enter]),
        ("performance", &[Char('3'), Char('v')]),
        ("performance_trend", &[Char('3'), Char('v'), Down, Down, Char('t')]),
        ("staff_roster", &[Char('3'), Down, Down, Enter]),
        ("handover_pick", &[Char('3'), Down, Down, Enter, Char(' '), Char('m')]),
        ("unassigned", &[Char('4')]),
        ("assign_confirm", &[Char('4'), Char('a')]),
        ("launches", &[Char('5')]),
        ("results", &[Char('6')]),
        ("settings", &[Char('7')]),
    ];
    let b = branch();
    let s = b.session("1001");
    let theme = mono();
    for (lang, t) in [("zh", &ZH), ("en", &EN)] {
        for (name, keys) in screens {
            let mut a = app(&s, &theme, t);
            for k in keys {
                a.on_key(key(*k));
            }
            let text = screen(&draw(&mut a, 80, 24)).join("\n");
            insta::assert_snapshot!(format!("manager_{name}_80x24_{lang}"), text);
        }
    }
}

/// A complaint about `client` as a teller takes it down on the phone.
fn a_complaint(client: mingdan::domain::ClientNo) -> mingdan::domain::complaint::NewComplaint {
    use mingdan::domain::complaint::{Category, ComplaintChannel, NewComplaint, Severity};
    NewComplaint {
        client,
        channel: ComplaintChannel::Phone,
        category: Category::Price,
        severity: Severity::Serious,
        said: "短信提醒服务费没有事先告知就扣了一年".into(),
        asks: "退还已扣费用".into(),
        owner: None,
        draft: None,
    }
}

/// The complaint screens at the design size in both languages: the receive form from the
/// client card (a teller), and the outlet head's list, a complaint's history, its step form and
/// the quarter's figures.
#[test]
fn complaint_screens_at_80x24() {
    use KeyCode::*;
    use mingdan::service::Api;
    let b = branch();
    b.session("2002").receive_complaint(a_complaint(cno("C1"))).unwrap();
    let theme = mono();
    let screens: [(&str, &str, &[KeyCode]); 5] = [
        ("receive", "2001", &[Char('2'), Enter, Char('o'), Right, Tab, Tab, Right]),
        ("list", "1001", &[Char('o')]),
        ("detail", "1001", &[Char('o'), Enter]),
        ("step", "2001", &[Char('o'), Enter, Char('n')]),
        ("figures", "1001", &[Char('o'), Char('f')]),
    ];
    for (lang, t) in [("zh", &ZH), ("en", &EN)] {
        for (name, who, keys) in screens {
            let s = b.session(who);
            let mut a = app(&s, &theme, t);
            for k in keys {
                a.on_key(key(*k));
            }
            let text = screen(&draw(&mut a, 80, 24)).join("\n");
            insta::assert_snapshot!(format!("complaint_{name}_80x24_{lang}"), text);
        }
    }
}

/// A question asked over a screen is a framed box: nothing of the screen below shows inside it.
#[test]
fn a_popup_is_framed_and_hides_the_screen_below() {
    use KeyCode::*;
    let b = branch();
    let s = b.session("2001");
    let theme = mono();
    let mut a = app(&s, &theme, &ZH);
    // The roster's filter menu, over the roster's names and figures.
    for k in [Char('2'), Char('f')] {
        a.on_key(key(k));
    }
    let lines = screen(&draw(&mut a, 80, 24));
    let all = lines.join("\n");
    let top = lines.iter().position(|l| l.contains(ZH.filter_menu)).expect("the menu's title");
    assert_eq!(lines[top].matches('+').count(), 2, "the title sits in a top border:\n{all}");
    let bottom = lines.iter().rposition(|l| l.trim_start().starts_with("+--")).expect("a bottom border");
    assert!(bottom > top + 5, "{all}");
    for l in &lines[top + 1..bottom] {
        let parts: Vec<&str> = l.split('|').collect();
        assert_eq!(parts.len(), 3, "each row framed on both sides:\n{all}");
        // The roster rows below are 维护 活跃 clients C1–C3: none of that inside the box.
        assert!(!parts[1].contains("活跃") && !parts[1].contains('C'), "the roster shows through:\n{all}");
    }
}

/// Every screen at the design size and at a large terminal, in both languages.
#[test]
fn every_screen_at_80x24_and_160x48_in_chinese_and_english() {
    use KeyCode::*;
    let screens: [(&str, &[KeyCode]); 8] = [
        ("today", &[]),
        ("roster", &[Char('2')]),
        ("client", &[Char('2'), Enter]),
        ("contact_form", &[Char('c')]),
        ("search", &[Char('/'), Char('张')]),
        ("plan_editor", &[Char('2'), Enter, Char('e')]),
        ("sticker_confirm", &[Char('2'), Enter, Char('t')]),
        ("help", &[Char('?')]),
    ];
    let b = branch();
    let s = b.session("2001");
    let theme = mono();
    for (lang, t) in [("zh", &ZH), ("en", &EN)] {
        for (name, keys) in screens {
            for (w, h) in [(80, 24), (160, 48)] {
                let mut a = app(&s, &theme, t);
                for k in keys {
                    a.on_key(key(*k));
                }
                let text = screen(&draw(&mut a, w, h)).join("\n");
                insta::assert_snapshot!(format!("{name}_{w}x{h}_{lang}"), text);
            }
        }
    }
}

/// A client registered without 日均金融资产 reads 未知 (unknown) on the roster and the card, and
/// revealing the balance shows no figure and no 元 after it.
#[test]
fn a_client_without_an_amount_reads_unknown_on_the_roster_and_the_card() {
    let b = branch();
    let record = mingdan::service::imports::ClientRecord {
        line: 2,
        no: Some(cno("C5")),
        name: Some("孙丽".into()),
        outlet: Some(mingdan::domain::OutletId::parse("城关").unwrap()),
        maintainer: Some(sno("2002")),
        ..Default::default()
    };
    let admin = b.session("9001");
    let out = mingdan::service::Api::import_clients(&admin, vec![record], "新客户.csv".into(), false, vec![])
        .unwrap();
    assert!(out.written, "{:?}", out.problems);
    let s = b.session("2002");
    let theme = mono();
    for (t, unknown) in [(&ZH, "未知"), (&EN, "unknown")] {
        let mut a = app(&s, &theme, t);
        a.on_key(key(KeyCode::Char('2')));
        let roster = screen(&draw(&mut a, 80, 24));
        let row = roster.iter().find(|l| l.contains("孙丽")).unwrap();
        assert!(row.contains(unknown), "{row}");
        a.on_key(key(KeyCode::Enter));
        let shown = format!("{} {unknown}", t.col_assets);
        let card = screen(&draw(&mut a, 80, 24)).join("\n");
        assert!(card.contains(&shown), "{card}");
        a.on_key(key(KeyCode::Char('m')));
        let card = screen(&draw(&mut a, 80, 24)).join("\n");
        assert!(card.contains(&shown) && !card.contains(t.yuan), "{card}");
    }
}

/// Xshell and SecureCRT with a CJK font draw East Asian "Ambiguous" characters (`·`, `↑`, `…`,
/// block elements) two cells wide, overwriting the next glyph. No screen, in either language, at
/// any of the sizes staff use, may draw one — chrome or data (a minority name with `·`).
#[test]
fn no_screen_draws_a_character_of_ambiguous_width() {
    use KeyCode::*;
    use mingdan::service::Api;
    use mingdan::service::imports::ClientRecord;
    use mingdan::tui::narrow::is_ambiguous;
    let b = branch();
    let admin = b.session("9001");
    let row = ClientRecord {
        line: 2,
        no: Some(cno("C9")),
        name: Some("阿依古丽·买买提".into()),
        phone: Some("13800138009".into()),
        outlet: Some(mingdan::domain::OutletId::parse("城关").unwrap()),
        assets: Some(mingdan::domain::Fen::wan(80)),
        maintainer: Some(sno("2001")),
        ..ClientRecord::default()
    };
    let out = admin.import_clients(vec![row], "维吾尔族客户.csv".into(), false, vec![]).unwrap();
    assert!(out.written, "{:?}", out.problems);
    b.session("2001").receive_complaint(a_complaint(cno("C9"))).unwrap();
    let staff_screens: &[(&str, &[KeyCode])] = &[
        ("today", &[]),
        ("roster", &[Char('2')]),
        ("client", &[Char('2'), End, Enter]),
        ("contact_form", &[Char('2'), End, Enter, Char('c')]),
        ("search", &[Char('/'), Char('a'), Char('y')]),
        ("plan_editor", &[Char('2'), Enter, Char('e')]),
        ("help", &[Char('?')]),
        ("complaint_receive", &[Char('2'), End, Enter, Char('o')]),
        ("complaint_step", &[Char('o'), Enter, Char('n')]),
    ];
    let manager_screens: &[(&str, &[KeyCode])] = &[
        ("coverage", &[Char('3')]),
        ("performance", &[Char('3'), Char('v')]),
        ("handover_pick", &[Char('3'), Down, Down, Enter, Char(' '), Char('m')]),
        ("handover_confirm", &[Char('3'), Down, Down, Enter, Char(' '), Char('m'), Enter]),
        ("unassigned", &[Char('4')]),
        ("launches", &[Char('5')]),
        ("launch_form", &[Char('5'), Char('n')]),
        ("results", &[Char('6')]),
        ("results_drill", &[Char('6'), Enter]),
        ("settings", &[Char('7')]),
        ("complaints", &[Char('o')]),
        ("complaint", &[Char('o'), Enter]),
        ("complaint_figures", &[Char('o'), Char('f')]),
    ];
    let theme = mono();
    let mut saw_name = false;
    for (who, screens) in [("2001", staff_screens), ("1001", manager_screens)] {
        let s = b.session(who);
        for (lang, t) in [("zh", &ZH), ("en", &EN)] {
            for (name, keys) in screens {
                assert_reached(&s, &theme, t, name, keys);
                for (w, h) in [(60, 20), (80, 24), (100, 30)] {
                    let mut a = app(&s, &theme, t);
                    for k in *keys {
                        a.on_key(key(*k));
                    }
                    let term = draw(&mut a, w, h);
                    let text = screen(&term).join("\n");
                    saw_name |= text.contains("阿依古丽･买买提");
                    let bad: Vec<char> = text.chars().filter(|c| is_ambiguous(*c)).collect();
                    assert!(bad.is_empty(), "{name} {lang} {w}x{h} draws {bad:?}:\n{text}");
                }
            }
        }
    }
    assert!(saw_name, "the client with a middle dot in her name was on no screen");
}

/// The keys that open screen `name` do open something: the last key changes the screen. A key
/// sequence that silently stays where it was would leave the screen it names untested.
fn assert_reached(
    s: &dyn mingdan::service::Api,
    theme: &Theme,
    t: &'static Text,
    name: &str,
    keys: &[KeyCode],
) {
    let Some((_, before)) = keys.split_last() else { return };
    let run = |keys: &[KeyCode]| {
        let mut a = app(s, theme, t);
        for k in keys {
            a.on_key(key(*k));
        }
        screen(&draw(&mut a, 100, 30)).join("\n")
    };
    let (then, now) = (run(before), run(keys));
    assert_ne!(then, now, "{name}: the last of {keys:?} changed nothing:\n{now}");
    assert!(!now.contains("没有权限") && !now.contains("not allowed"), "{name}: refused:\n{now}");
}

/// The screen's tokens that carry a digit (client and staff numbers, phones, dates, amounts).
fn digit_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "|:：，,()（）【】[]<>".contains(c))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// A cut identifier or amount must look cut: at 60×20, 80×24 and 100×30, in both languages, every
/// number-bearing value on every screen is either whole (as the same screen shows it on a very
/// large terminal) or ends in `..`. A silently cut `620100712` for 6201007124, or `100k-` for
/// `100k-500k`, reads as another real value.
#[test]
fn every_identifier_and_amount_on_screen_is_whole_or_marked_cut() {
    use KeyCode::*;
    use mingdan::service::Api;
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(mingdan::service::FixedClock::at(at(d(2026, 12, 1), 10, 0)));
    let service = std::sync::Arc::new(mingdan::service::Service::create(dir.path(), clock).unwrap());
    let teller = service.seed_demo(400, 7).unwrap();
    assert!(service.wait_for_search(std::time::Duration::from_secs(30)));
    let s = mingdan::service::Session::new(service.clone(), teller);
    // The demo's branch head (支行行长).
    let m = mingdan::service::Session::new(service.clone(), sno("8001"));
    assert!(m.list_staff().is_ok(), "8001 is a manager in the demo");
    let staff_screens: &[(&str, &[KeyCode])] = &[
        ("today", &[]),
        ("roster", &[Char('2')]),
        ("client", &[Char('2'), Enter]),
        ("contact_form", &[Char('2'), Enter, Char('c')]),
        ("search", &[Char('/'), Char('6'), Char('2'), Char('0')]),
        ("complaint_receive", &[Char('2'), Enter, Char('o')]),
        ("complaints", &[Char('o')]),
    ];
    let manager_screens: &[(&str, &[KeyCode])] = &[
        ("coverage", &[Char('3')]),
        ("performance", &[Char('3'), Char('v')]),
        ("staff_roster", &[Char('3'), Down, Down, Enter]),
        ("handover_confirm", &[Char('3'), Down, Down, Enter, Char(' '), Char('m'), Enter]),
        ("unassigned", &[Char('4')]),
        ("launches", &[Char('5')]),
        ("results", &[Char('6')]),
        ("results_drill", &[Char('6'), Enter]),
        ("complaints", &[Char('o')]),
        ("complaint", &[Char('o'), Enter]),
        ("complaint_figures", &[Char('o'), Char('f')]),
    ];
    let theme = mono();
    for (session, screens) in [(&s, staff_screens), (&m, manager_screens)] {
        for (lang, t) in [("zh", &ZH), ("en", &EN)] {
            for (name, keys) in screens {
                let run = |w: u16, h: u16| {
                    let mut a = app(session, &theme, t);
                    for k in *keys {
                        a.on_key(key(*k));
                    }
                    screen(&draw(&mut a, w, h)).join("\n")
                };
                let whole: std::collections::BTreeSet<String> =
                    digit_tokens(&run(240, 60)).into_iter().collect();
                assert_reached(session, &theme, t, name, keys);
                for (w, h) in [(60, 20), (80, 24), (100, 30)] {
                    let text = run(w, h);
                    for token in digit_tokens(&text) {
                        if token.ends_with("..") || whole.contains(&token) {
                            continue;
                        }
                        let cut_from: Vec<&String> =
                            whole.iter().filter(|v| v.starts_with(&token) && v.len() > token.len()).collect();
                        assert!(
                            cut_from.is_empty(),
                            "{name} {lang} {w}x{h}: “{token}” is {cut_from:?} cut without a mark:\n{text}"
                        );
                    }
                }
            }
        }
    }
}
