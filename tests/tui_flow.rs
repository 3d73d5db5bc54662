//! Key-by-key flows through the app's state, as a teller works: no terminal, real service.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mingdan::service::Api;
use mingdan::tui::App;
use mingdan::tui::text::ZH;
use mingdan::tui::theme::{ColorSupport, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn ctrl(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn screen(app: &mut App) -> String {
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| app.draw(f)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let s = buf[(x, y)].symbol();
            out.push_str(s);
            x += mingdan::tui::ui::width(s).max(1) as u16;
        }
        out.push('\n');
    }
    out
}

fn theme() -> Theme {
    Theme::load("default", None, ColorSupport::None).unwrap()
}

/// Moves the Today selection down until the selected line shows `needle`.
fn select_line(app: &mut App, needle: &str) {
    for _ in 0..40 {
        if screen(app).lines().any(|l| l.starts_with('>') && l.contains(needle)) {
            return;
        }
        press(app, KeyCode::Down);
    }
    panic!("no line with {needle}:\n{}", screen(app));
}

#[test]
fn open_client_log_a_notification_and_today_shows_it_done() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    assert!(screen(&mut app).contains("已完成 0/3"), "{}", screen(&mut app));
    select_line(&mut app, "曾小红");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.top_title(), "客户 曾小红");
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.top_title(), "记录联系 · 曾小红");
    // Purpose: 回访 → 季度告知; then past 本次完成, 联系结果 and 满意度 to the note.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "已告知三季度理财收益");
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    // Reaching the client counts as the regular callback too (any reached contact resets it).
    assert!(shown.contains("已保存") && shown.contains("完成：回访、2026Q4 季度告知"), "{shown}");
    assert_eq!(app.top_title(), "客户 曾小红", "back on the card");
    assert!(shown.contains("已告知三季度理财收益"), "the card's timeline has it:\n{shown}");
    press(&mut app, KeyCode::Esc);
    let today = screen(&mut app);
    assert!(today.contains("已完成 1/3"), "{today}");
    let owed: Vec<&str> =
        today.lines().filter(|l| l.contains("2026Q4 季度告知") && !l.contains('【')).collect();
    assert!(owed.iter().all(|l| !l.contains("曾小红")), "{today}");
    assert_eq!(s.client(cno("C2")).unwrap().contacts.len(), 1);
}

#[test]
fn a_date_the_form_cannot_read_is_shown_at_the_field_and_nothing_is_saved() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('c'));
    // To 下次回访: 方式, 目的, 本次完成, 结果, 满意度, 备注.
    for _ in 0..6 {
        press(&mut app, KeyCode::Tab);
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "过几天");
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    assert!(shown.contains("看不懂\"过几天\""), "{shown}");
    assert!(app.top_title().starts_with("记录联系"), "the form stays open");
    for c in ["C1", "C2", "C3"] {
        assert!(s.client(cno(c)).unwrap().contacts.is_empty());
    }
    // A date in the past is refused by the service, next to the same field.
    ctrl(&mut app, 'u');
    typ(&mut app, "2026-11-01");
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    assert!(shown.contains("下次回访：应晚于本次联系日期"), "{shown}");
}

#[test]
fn saving_with_an_unreadable_callback_date_says_so_in_full_and_the_hint_is_cut_visibly() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('c'));
    for _ in 0..6 {
        press(&mut app, KeyCode::Tab);
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "13-45");
    let before = screen(&mut app);
    let hint = before.lines().find(|l| l.contains("看不懂")).expect("the hint reads the date as typed");
    assert!(hint.trim_end().ends_with(".."), "a hint too long for the line is cut visibly: {hint:?}");
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    assert!(shown.contains("下次回访：看不懂"), "Ctrl-S says why nothing was saved:\n{shown}");
    assert!(app.top_title().starts_with("记录联系"), "the form stays open");
    assert!(s.client(cno("C1")).unwrap().contacts.is_empty());
}

#[test]
fn the_sticker_date_says_it_cannot_be_read_as_it_is_typed() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    for k in [KeyCode::Char('2'), KeyCode::Enter, KeyCode::Char('t')] {
        press(&mut app, k);
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "13-45");
    let shown = screen(&mut app);
    assert!(shown.contains("看不懂"), "before Enter:\n{shown}");
}

#[test]
fn undoing_a_sticker_on_the_card_leaves_no_date_behind() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    for k in [KeyCode::Char('2'), KeyCode::Enter, KeyCode::Char('t')] {
        press(&mut app, k);
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "2020-01-01");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('u'));
    let card = screen(&mut app);
    assert!(!card.contains("原贴标"), "the undone date is not kept:\n{card}");
    let sticker = s.client(cno("C1")).unwrap().client.sticker;
    assert_eq!((sticker.done, sticker.on), (false, None));
    press(&mut app, KeyCode::Char('t'));
    let form = screen(&mut app);
    assert!(form.contains("2026-11-18") && !form.contains("2020-01-01"), "today is offered:\n{form}");
}

#[test]
fn an_unfinished_form_is_kept_when_the_session_ends_and_offered_next_time() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    {
        let mut app = App::new(&s, &th, &ZH).unwrap();
        press(&mut app, KeyCode::Char('c'));
        for _ in 0..5 {
            press(&mut app, KeyCode::Tab);
        }
        typ(&mut app, "说到一半断线了");
        app.end_session();
    }
    let kept = s.drafts().unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let draft = s.draft(kept[0].client.clone()).unwrap().expect("kept");
    assert_eq!(draft.note, "说到一半断线了");
    let mut app = App::new(&s, &th, &ZH).unwrap();
    let offer = screen(&mut app);
    assert!(offer.contains("未保存的联系记录") && offer.contains("说到一半断线了"), "{offer}");
    press(&mut app, KeyCode::Enter);
    assert!(screen(&mut app).contains("说到一半断线了"));
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("已保存"));
    assert!(s.draft(draft.client).unwrap().is_none(), "saving the contact drops its draft");
}

#[test]
fn plan_and_sticker_are_edited_from_the_card() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    let name = app.top_title();
    press(&mut app, KeyCode::Char('e'));
    typ(&mut app, "年底前上门");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "推荐养老理财");
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("已保存营销预案"));
    press(&mut app, KeyCode::Char('t'));
    assert!(screen(&mut app).contains("贴标日期"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Enter);
    let card = screen(&mut app);
    assert!(card.contains("已贴标 11-18"), "{card}");
    assert_eq!(app.top_title(), name);
    let no = s.roster(None, Default::default(), Default::default()).unwrap().rows[0].no.clone();
    let c = s.client(no).unwrap().client;
    assert_eq!(c.plan, "年底前上门\n推荐养老理财");
    assert!(c.sticker.done);
}

#[test]
fn search_opens_the_client_and_logs_a_contact_directly() {
    let b = branch();
    let s = b.session("2002");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "单明");
    let found = screen(&mut app);
    assert!(found.contains("单明") && found.contains("C3"), "{found}");
    assert!(found.contains("138****8002"), "phones stay masked in results:\n{found}");
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.top_title(), "记录联系 · 单明");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.top_title(), "客户 单明");
}

#[test]
fn a_manager_assigns_an_unassigned_client_and_hands_a_roster_over_by_keys() {
    let b = branch();
    let m = b.session("1001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('4'));
    assert!(screen(&mut app).contains("刘洋"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Enter);
    assert!(
        screen(&mut app).contains("分配或移交客户须填写原因"),
        "a reason is required:\n{}",
        screen(&mut app)
    );
    typ(&mut app, "新开金卡客户");
    press(&mut app, KeyCode::Enter);
    let done = screen(&mut app);
    assert!(done.contains("已移交 1 位客户") && done.contains("都已落实到人"), "{done}");
    assert_eq!(m.whoami().unwrap().standing.size, 1);

    // 覆盖 → 王芳's roster → hand everything to 李强.
    press(&mut app, KeyCode::Char('3'));
    select_line(&mut app, "王芳");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.top_title(), "名单 · 王芳");
    // A filter narrows what is on screen, not what a whole-roster handover takes.
    for _ in 0..20 {
        let s = screen(&mut app);
        // Any filter that hides one of 王芳's clients will do (here one that hides them all).
        if !s.contains("单明") {
            break;
        }
        // The menu opens on the current filter: one down is the next filter.
        press(&mut app, KeyCode::Char('f'));
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Enter);
    }
    assert!(!screen(&mut app).contains("单明"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('H'));
    select_line(&mut app, "李强");
    press(&mut app, KeyCode::Enter);
    let preview = screen(&mut app);
    assert!(preview.contains("名单 3 -> 0") && preview.contains("名单 0 -> 3"), "{preview}");
    typ(&mut app, "王芳调岗");
    press(&mut app, KeyCode::Enter);
    assert!(screen(&mut app).contains("已移交 3 位客户"));
    assert_eq!(b.session("2002").whoami().unwrap().standing.size, 3);
    assert_eq!(b.session("2001").whoami().unwrap().standing.size, 0);
}

/// On 设置, changes the teller quota to 9 without saving.
fn type_teller_quota_9(app: &mut App) {
    press(app, KeyCode::Char('7'));
    select_line(app, "柜员");
    press(app, KeyCode::Enter);
    typ(app, "9");
    press(app, KeyCode::Enter);
}

#[test]
fn settings_saved_elsewhere_are_reported_and_r_loads_them() {
    let b = branch();
    // Rules are changed at branch level only; the administrator edits them in one session…
    let m = b.session("9001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    type_teller_quota_9(&mut app);

    // …and meanwhile in another sets the teller quota to 7.
    let admin = b.session("9001");
    let was = admin.rules().unwrap();
    let mut now = was.clone();
    now.quotas.insert(mingdan::domain::JobRole::parse("柜员").unwrap(), 7);
    admin.set_rules(now, was).unwrap();

    ctrl(&mut app, 's');
    let refused = screen(&mut app);
    assert!(refused.contains("配置已被他人修改"), "{refused}");
    let quota = |s: &str| s.lines().find(|l| l.contains("柜员")).unwrap_or_default().to_string();
    assert!(quota(&refused).contains('9'), "the local edit is still shown: {refused}");

    press(&mut app, KeyCode::Char('r'));
    let reloaded = screen(&mut app);
    assert!(quota(&reloaded).contains('7') && !quota(&reloaded).contains('9'), "{reloaded}");
    assert!(!reloaded.contains("有未保存的修改"), "{reloaded}");
    let in_force = m.rules().unwrap().quotas.get(&mingdan::domain::JobRole::parse("柜员").unwrap()).copied();
    assert_eq!(in_force, Some(7), "the refused save wrote nothing");
}

#[test]
fn a_change_from_another_terminal_leaves_the_cursor_on_the_same_client() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    select_line(&mut app, "单明");
    let selected =
        |app: &mut App| screen(app).lines().find(|l| l.starts_with('>')).unwrap_or_default().to_string();
    assert!(selected(&mut app).contains("季度告知"), "{}", screen(&mut app));

    // The same teller, at the counter terminal, notifies 张伟, whose line is above the cursor.
    s.log_contact(draft("C1", mingdan::domain::Purpose::QuarterlyNotice)).unwrap();
    app.refresh_all();
    let shown = screen(&mut app);
    assert!(shown.contains("已完成 1/3"), "{shown}");
    let now = selected(&mut app);
    assert!(now.contains("单明") && now.contains("季度告知"), "{shown}");
}

#[test]
fn a_roster_reloaded_after_a_colleagues_move_keeps_the_cursor_on_its_client() {
    let b = branch();
    let m = b.session("1001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('3'));
    select_line(&mut app, "王芳");
    press(&mut app, KeyCode::Enter);
    let names = ["张伟", "曾小红", "单明"];
    let order = |s: &str| -> Vec<&'static str> {
        s.lines().filter_map(|l| names.iter().find(|n| l.contains(*n)).copied()).collect()
    };
    let before = screen(&mut app);
    let rows = order(&before);
    assert_eq!(rows.len(), 3, "{before}");
    press(&mut app, KeyCode::Down);
    let on = rows[1];
    let selected =
        |app: &mut App| screen(app).lines().find(|l| l.starts_with('>')).unwrap_or_default().to_string();
    assert!(selected(&mut app).contains(on), "{}", screen(&mut app));

    // Another manager moves the client listed first to 李强.
    let first = ["C1", "C2", "C3"][names.iter().position(|n| *n == rows[0]).unwrap()];
    m.assign_pairs(vec![(cno(first), sno("2002"))], Some(sno("2001")), "调整".into()).unwrap();
    app.refresh_all();
    let after = screen(&mut app);
    assert_eq!(order(&after).len(), 2, "{after}");
    assert!(selected(&mut app).contains(on), "{after}");
}

#[test]
fn unsaved_settings_hold_the_user_until_saved_or_undone() {
    let b = branch();
    let m = b.session("1001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    type_teller_quota_9(&mut app);

    for key in [KeyCode::Char('q'), KeyCode::Esc, KeyCode::Char('1')] {
        press(&mut app, key);
        let s = screen(&mut app);
        assert!(!app.quit, "{key:?} quit with unsaved settings");
        assert_eq!(app.top_title(), "配额与回访周期", "{key:?} left the screen");
        assert!(s.contains("有未保存的修改"), "{s}");
    }
    press(&mut app, KeyCode::Char('u'));
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.top_title(), "今日", "undone, the views switch again");
}

#[test]
fn a_long_name_in_search_results_is_cut_and_the_columns_stay_put() {
    let b = branch();
    let admin = b.session("9001");
    let long = mingdan::service::imports::ClientRecord {
        line: 2,
        no: Some(cno("C9")),
        name: Some("买买提艾力克木江".into()),
        outlet: Some(mingdan::domain::OutletId::parse("城关").unwrap()),
        ..Default::default()
    };
    assert!(admin.import_clients(vec![long], "新增.csv".into(), false, vec![]).unwrap().written);
    assert!(b.service.wait_for_search(std::time::Duration::from_secs(30)));
    let th = theme();
    let s = b.session("2002");
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "买买提");
    let found = screen(&mut app);
    let line = found.lines().find(|l| l.contains("C9")).unwrap_or_else(|| panic!("{found}"));
    let before_no = &line[..line.find("C9").unwrap()];
    assert_eq!(mingdan::tui::ui::width(before_no), 12, "client number column moved:\n{found}");
    assert!(line.contains("买买提..") && !line.contains("木江"), "{line}");
}

#[test]
fn esc_on_every_top_level_screen_leaves_the_app_running_and_q_quits() {
    let b = branch();
    for who in ["2001", "1001"] {
        let s = b.session(who);
        let th = theme();
        let mut app = App::new(&s, &th, &ZH).unwrap();
        for root in ['1', '2', '3', '4', '5', '6', '7'] {
            press(&mut app, KeyCode::Char(root));
            for _ in 0..3 {
                press(&mut app, KeyCode::Esc);
            }
            assert!(!app.quit, "{who}: Esc on screen {root} quit the app:\n{}", screen(&mut app));
        }
        press(&mut app, KeyCode::Char('1'));
        press(&mut app, KeyCode::Char('q'));
        assert!(app.quit, "{who}: q quits");
        // `q` quits from each top-level screen, and Ctrl-C even while typing a search.
        let roots: &[char] = if who == "1001" { &['1', '2', '3', '4', '5', '6', '7'] } else { &['1', '2'] };
        for root in roots {
            let mut app = App::new(&s, &th, &ZH).unwrap();
            press(&mut app, KeyCode::Char(*root));
            press(&mut app, KeyCode::Esc);
            press(&mut app, KeyCode::Char('q'));
            assert!(app.quit, "{who}: q on screen {root} did not quit:\n{}", screen(&mut app));
        }
        let mut app = App::new(&s, &th, &ZH).unwrap();
        press(&mut app, KeyCode::Char('/'));
        typ(&mut app, "zw");
        assert!(!app.quit, "letters are search text");
        ctrl(&mut app, 'c');
        assert!(app.quit, "{who}: Ctrl-C quits from search");
    }
}

/// The roster's filter is picked from a menu (not cycled through a dozen presses), and sort and
/// filter still hold after a visit to 今日 in the same session.
#[test]
fn roster_filter_is_picked_from_a_menu_and_sort_and_filter_survive_switching_screens() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('2'));
    assert!(screen(&mut app).contains("排序:下次回访"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('s'));
    assert!(screen(&mut app).contains("排序:资产"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('f'));
    let menu = screen(&mut app);
    for label in ["全部", "关键客户", "重要客户", "维护"] {
        assert!(menu.contains(label), "{label} missing from the menu:\n{menu}");
    }
    // Down to 重要客户 (the second class in the list) and choose it.
    let lines: Vec<&str> = menu.lines().collect();
    let first = lines.iter().position(|l| l.contains("* 全部")).expect("the current filter is marked");
    let target = lines.iter().position(|l| l.contains("重要客户")).unwrap();
    for _ in first..target {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    let shown = screen(&mut app);
    assert!(shown.contains("筛选:重要客户") && !shown.contains("上下选择"), "{shown}");
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('2'));
    let back = screen(&mut app);
    assert!(back.contains("排序:资产") && back.contains("筛选:重要客户"), "{back}");
    press(&mut app, KeyCode::Char('F'));
    assert!(screen(&mut app).contains("筛选:全部"), "{}", screen(&mut app));
}

/// Help lists each action once (F2 / Ctrl-L together, no `p/i/m` beside p, i and m), is framed
/// so it stands out without colour, and explains the screen's abbreviations.
#[test]
fn help_has_no_duplicates_a_border_and_a_legend() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('?'));
    let help = screen(&mut app);
    assert!(help.contains("+-") && help.contains("|"), "a border:\n{help}");
    assert!(help.contains("图例") && help.contains("网 个人网银") && help.contains("自 自办比例"), "{help}");
    assert!(help.contains("差N 离配额还差 N 位客户"), "the shortfall in the header is explained:\n{help}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    let card = screen(&mut app);
    let boxed: String = card.lines().filter(|l| l.contains('|')).collect::<Vec<_>>().join("\n");
    assert!(!boxed.contains("p/i/m"), "the combined entry is left out of help:\n{card}");
    assert_eq!(card.matches("显示/遮蔽手机号").count(), 1, "{card}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::F(1));
    let search = screen(&mut app);
    assert!(search.contains("F2 / Ctrl-L"), "{search}");
}

#[test]
fn a_launch_is_withdrawn_from_the_launches_screen_with_a_reason() {
    let b = branch();
    let m = b.session("1001");
    m.launch_product("个人养老金".into(), "开户推介".into(), d(2026, 12, 15)).unwrap();
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('e'));
    // Ctrl-U empties the field: the name is typed afresh, not appended.
    ctrl(&mut app, 'u');
    typ(&mut app, "个人养老金账户");
    ctrl(&mut app, 's');
    let corrected = screen(&mut app);
    assert!(corrected.contains("已修改新品推介：个人养老金账户"), "{corrected}");
    press(&mut app, KeyCode::Char('w'));
    typ(&mut app, "随便写的");
    ctrl(&mut app, 'u');
    press(&mut app, KeyCode::Enter);
    assert!(screen(&mut app).contains("请写明为什么撤回"), "a reason is required first");
    assert!(m.launches().unwrap()[0].withdrawn.is_none());
    typ(&mut app, "产品暂停发售");
    press(&mut app, KeyCode::Enter);
    let shown = screen(&mut app);
    assert!(shown.contains("已撤回，取消未完成的推介任务 3 个"), "{shown}");
    assert!(m.launches().unwrap()[0].withdrawn.is_some());
}

#[test]
fn tier_floors_are_edited_in_settings_and_refused_out_of_order() {
    let b = branch();
    let m = b.session("9001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('7'));
    select_line(&mut app, "  金卡  ");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "60");
    press(&mut app, KeyCode::Enter);
    let refused = screen(&mut app);
    assert!(refused.contains("白金卡的门槛 50.0万 应高于金卡的 60.0万"), "{refused}");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "12.5");
    press(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let floors = m.rules().unwrap().tier_floors;
    assert_eq!(floors[0], (mingdan::domain::CardTier::Gold, mingdan::domain::Fen(12_500_000)));
}

/// Issue #15: one call that did three tasks is ticked on one form and completes all three.
#[test]
fn one_form_ticks_every_task_the_call_did_and_completes_them_all() {
    let b = branch();
    b.session("1001").launch_product("养老理财".into(), "稳健".into(), d(2026, 12, 20)).unwrap();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('2'));
    select_line(&mut app, "单明");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('c'));
    let form = screen(&mut app);
    assert!(form.contains("本次完成"), "{form}");
    // The callback is due within a week, so 回访 is the purpose and ticked by it.
    assert!(form.contains("[x]回访（联系目的）"), "{form}");
    assert!(form.contains("[ ]") && form.contains("季度告知") && form.contains("养老理财"), "{form}");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    // Ticking the one the purpose covers does nothing; the other two tick by number.
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('2'));
    // The pointer is on the one just ticked; → moves to the next and Space ticks it.
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char(' '));
    let ticked = screen(&mut app);
    // C3 is 重要 and owes this quarter's survey too; this call was not one.
    assert_eq!(ticked.matches("[ ]").count(), 1, "all three ticked:\n{ticked}");
    assert!(ticked.contains("[ ]2026Q4 满意度调查"), "{ticked}");
    ctrl(&mut app, 's');
    let saved = screen(&mut app);
    for done in ["回访", "季度告知", "养老理财"] {
        assert!(saved.contains(done), "{done} missing from the saved message:\n{saved}");
    }
    let card = s.client(cno("C3")).unwrap();
    assert_eq!(card.contacts.len(), 1);
    let open: Vec<&str> = card.open_tasks.iter().map(|t| t.kind().label()).collect();
    assert_eq!(open, ["满意度调查", "回访"], "only the survey and the next callback are open");
}

/// Issue #15: a callback agreed for Monday is shown as agreed, 回访 is not pre-selected before
/// its day, and saving the form untouched keeps Monday.
#[test]
fn the_form_shows_an_agreed_callback_and_saving_it_untouched_keeps_it() {
    let b = branch();
    let s = b.session("2001");
    let monday = d(2026, 11, 23);
    s.log_contact(mingdan::domain::ContactDraft {
        next_callback: Some(monday),
        ..draft("C1", mingdan::domain::Purpose::Callback)
    })
    .unwrap();
    b.clock.advance(chrono::Duration::days(1));
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('2'));
    select_line(&mut app, "张伟");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('c'));
    let form = screen(&mut app);
    assert!(form.contains("2026-11-23") && form.contains("已约定，不改动"), "{form}");
    assert!(form.contains("[ ]回访"), "回访 is not pre-selected before the agreed day:\n{form}");
    ctrl(&mut app, 's');
    let card = s.client(cno("C1")).unwrap();
    assert_eq!(card.contacts.len(), 2);
    let cb = card.open_tasks.iter().find(|t| t.kind().label() == "回访").unwrap();
    assert_eq!((cb.due, cb.agreed), (monday, true), "the agreed Monday is kept");
}

/// Issue #15: a walk-in for a colleague's client says whose client it is, starts as
/// 网点面谈/营销 and leaves the maintainer's callback as it was.
#[test]
fn a_colleagues_client_is_named_as_theirs_and_their_callback_is_left_alone() {
    let b = branch();
    b.session("9001")
        .save_staff(staff("3001", "周杰", "大堂经理", "城东", mingdan::domain::Permission::Staff))
        .unwrap();
    let before = b.session("2001").client(cno("C1")).unwrap().open_tasks;
    let s = b.session("3001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('/'));
    typ(&mut app, "张伟");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('c'));
    let form = screen(&mut app);
    assert!(form.contains("维护人 王芳（城关）"), "{form}");
    assert!(form.contains("[ ]回访") && form.contains("维护人的回访安排不变"), "{form}");
    let chosen: Vec<&str> =
        form.lines().filter(|l| l.contains("联系方式") || l.contains("联系目的")).collect();
    assert_eq!(chosen.len(), 2, "{form}");
    ctrl(&mut app, 's');
    let after = b.session("2001").client(cno("C1")).unwrap();
    assert_eq!(after.contacts.len(), 1);
    assert_eq!(after.contacts[0].contact.channel, mingdan::domain::Channel::InBranch);
    assert_eq!(after.contacts[0].contact.purpose, mingdan::domain::Purpose::Marketing);
    assert_eq!(after.open_tasks, before, "the maintainer's tasks are untouched");
}

#[test]
fn a_colleagues_walk_in_is_on_my_today_until_i_open_the_client() {
    let b = branch();
    b.clock.advance(chrono::Duration::minutes(5));
    let walk_in = mingdan::domain::ContactDraft {
        channel: mingdan::domain::Channel::InBranch,
        ..draft("C1", mingdan::domain::Purpose::Marketing)
    };
    b.session("2002").log_contact(walk_in).unwrap();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    let today = screen(&mut app);
    let line =
        today.lines().find(|l| l.contains("张伟") && l.contains("李强")).unwrap_or_else(|| panic!("{today}"));
    assert!(today.contains("【同事代为联系】 1"), "{today}");
    assert!(line.contains("10:05") && line.contains("营销"), "who, when, purpose: {line}");
    select_line(&mut app, "李强");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.top_title(), "客户 张伟");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('r'));
    assert!(!screen(&mut app).contains("同事代为联系"), "{}", screen(&mut app));
}

#[test]
fn a_sticker_keeps_its_date_takes_a_past_one_and_is_undone_on_the_card() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    let no = s.roster(None, Default::default(), Default::default()).unwrap().rows[0].no.clone();
    // A label put on before mingdan was used: a past day.
    press(&mut app, KeyCode::Char('t'));
    ctrl(&mut app, 'u');
    typ(&mut app, "上周五");
    assert!(screen(&mut app).contains("2026-11-13"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Enter);
    let card = screen(&mut app);
    assert!(card.contains("已贴标 11-13") && card.contains("按 u 撤销"), "{card}");
    // Taken back: the card says which date it keeps, and putting it back offers that date.
    press(&mut app, KeyCode::Char('t'));
    assert!(screen(&mut app).contains("原贴标日期会保留"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('y'));
    let card = screen(&mut app);
    assert!(card.contains("未贴标（原贴标 11-13）"), "{card}");
    assert_eq!(s.client(no.clone()).unwrap().client.sticker.on, Some(d(2026, 11, 13)));
    // u puts it back as it was.
    press(&mut app, KeyCode::Char('u'));
    let card = screen(&mut app);
    assert!(card.contains("已撤销") && card.contains("已贴标 11-13"), "{card}");
    let sticker = s.client(no.clone()).unwrap().client.sticker;
    assert!(sticker.done && sticker.on == Some(d(2026, 11, 13)));
    // A future day is refused at the field.
    press(&mut app, KeyCode::Char('t'));
    press(&mut app, KeyCode::Char('y'));
    press(&mut app, KeyCode::Char('t'));
    assert!(screen(&mut app).contains("2026-11-13"), "the kept date is offered:\n{}", screen(&mut app));
    ctrl(&mut app, 'u');
    typ(&mut app, "2026-12-01");
    press(&mut app, KeyCode::Enter);
    assert!(screen(&mut app).contains("不能晚于今天"), "{}", screen(&mut app));
}

#[test]
fn a_revealed_phone_is_masked_again_by_the_same_key() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    let masked = screen(&mut app);
    assert!(masked.contains("****"), "{masked}");
    press(&mut app, KeyCode::Char('p'));
    let shown = screen(&mut app);
    assert_ne!(shown, masked);
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(screen(&mut app), masked, "p hides it again");
}

/// Opens C1 (张伟, 2001's) from search.
fn open_c1(app: &mut App) {
    press(app, KeyCode::Char('/'));
    typ(app, "张伟");
    press(app, KeyCode::Enter);
    assert_eq!(app.top_title(), "客户 张伟");
}

#[test]
fn a_multi_line_note_is_typed_pasted_and_read_in_full_from_the_card() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    open_c1(&mut app);
    press(&mut app, KeyCode::Char('c'));
    // To the note: past 联系方式, 联系目的, 本次完成, 联系结果, 满意度.
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "第一行");
    ctrl(&mut app, 'j');
    typ(&mut app, "第二行");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    // A terminal sends a pasted paragraph's line breaks as CR.
    app.on_paste("粘贴一\r粘贴二");
    let form = screen(&mut app);
    assert!(form.contains("第一行") && form.contains("第二行") && form.contains("粘贴二"), "{form}");
    ctrl(&mut app, 's');
    let card = screen(&mut app);
    assert!(card.contains("已保存"), "not refused as 控制字符:\n{card}");
    let note = &s.client(cno("C1")).unwrap().contacts[0].contact.note;
    assert_eq!(note, "第一行\n第二行\n粘贴一\n粘贴二");
    // Enter on the timeline's top entry opens it whole.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.top_title(), "联系详情");
    let whole = screen(&mut app);
    for line in ["第一行", "第二行", "粘贴一", "粘贴二", "记录人", "王芳（2001）", "联系结果"]
    {
        assert!(whole.lines().any(|l| l.contains(line)), "{line}:\n{whole}");
    }
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.top_title(), "客户 张伟");
}

#[test]
fn a_long_note_and_a_long_plan_are_not_cut_silently() {
    let b = branch();
    let s = b.session("2001");
    let long_note = "客户来电咨询定期存款到期后的安排，".repeat(8) + "末尾在这里";
    s.log_contact(mingdan::domain::ContactDraft {
        note: long_note.clone(),
        ..draft("C1", mingdan::domain::Purpose::Marketing)
    })
    .unwrap();
    let plan: Vec<String> = (1..=8).map(|i| format!("{i}. 第{i}步安排")).collect();
    s.set_plan(cno("C1"), plan.join("\r")).unwrap();
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    open_c1(&mut app);
    let card = screen(&mut app);
    assert!(card.contains("1. 第1步安排") && card.contains("3. 第3步安排"), "{card}");
    assert!(card.contains("更多，按 e 查看") && !card.contains("8. 第8步安排"), "{card}");
    assert!(!card.contains("末尾在这里"), "the timeline shows one line of it:\n{card}");
    press(&mut app, KeyCode::Enter);
    let whole = screen(&mut app);
    assert!(whole.contains("末尾在这里"), "{whole}");
}

#[test]
fn a_draft_put_off_is_offered_when_its_clients_form_is_opened_and_kept_until_sent() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    {
        let mut app = App::new(&s, &th, &ZH).unwrap();
        open_c1(&mut app);
        press(&mut app, KeyCode::Char('c'));
        for _ in 0..5 {
            press(&mut app, KeyCode::Tab);
        }
        typ(&mut app, "第一行");
        ctrl(&mut app, 'j');
        typ(&mut app, "断线前的第二行");
        app.end_session();
    }
    let mut app = App::new(&s, &th, &ZH).unwrap();
    assert!(screen(&mut app).contains("断线前"), "offered at start-up:\n{}", screen(&mut app));
    press(&mut app, KeyCode::Esc); // 以后再说
    // Another client's contact, typed and sent: the kept draft is neither replaced nor dropped.
    select_line(&mut app, "曾小红");
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.top_title(), "记录联系 · 曾小红");
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "别的客户");
    app.end_session();
    assert_eq!(s.draft(cno("C2")).unwrap().map(|d| d.note), Some("别的客户".into()), "its own kept too");
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("已保存"), "{}", screen(&mut app));
    assert_eq!(s.draft(cno("C2")).unwrap(), None, "sent, so its draft is gone");
    assert_eq!(s.draft(cno("C1")).unwrap().map(|d| d.note), Some("第一行\n断线前的第二行".into()));
    press(&mut app, KeyCode::Esc);
    // Opening 张伟's form again offers the draft, lines and all.
    open_c1(&mut app);
    press(&mut app, KeyCode::Char('c'));
    let offer = screen(&mut app);
    assert!(offer.contains("未保存的联系记录") && offer.contains("张伟"), "{offer}");
    press(&mut app, KeyCode::Enter);
    let form = screen(&mut app);
    assert!(form.contains("第一行") && form.lines().any(|l| l.trim() == "断线前的第二行"), "{form}");
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("已保存"));
    assert!(s.draft(cno("C1")).unwrap().is_none(), "sent, so gone");
}

#[test]
fn a_plan_being_written_when_the_session_ends_is_offered_in_the_editor_next_time() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    {
        let mut app = App::new(&s, &th, &ZH).unwrap();
        open_c1(&mut app);
        press(&mut app, KeyCode::Char('e'));
        typ(&mut app, "年底前上门");
        press(&mut app, KeyCode::Enter);
        typ(&mut app, "推荐养老理财，写到一半");
        app.end_session();
    }
    assert_eq!(s.plan_draft(cno("C1")).unwrap().as_deref(), Some("年底前上门\n推荐养老理财，写到一半"));
    assert_eq!(s.client(cno("C1")).unwrap().client.plan, "", "not saved as the plan");
    let mut app = App::new(&s, &th, &ZH).unwrap();
    open_c1(&mut app);
    press(&mut app, KeyCode::Char('e'));
    let editor = screen(&mut app);
    assert!(editor.contains("已恢复上次未保存的内容") && editor.contains("写到一半"), "{editor}");
    typ(&mut app, "。");
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("已保存营销预案"));
    assert_eq!(s.client(cno("C1")).unwrap().client.plan, "年底前上门\n推荐养老理财，写到一半。");
    assert_eq!(s.plan_draft(cno("C1")).unwrap(), None, "saved, so the draft is gone");

    // Given up on purpose: the draft goes, with one audit line.
    press(&mut app, KeyCode::Char('e'));
    typ(&mut app, "又改了");
    app.end_session();
    assert!(s.plan_draft(cno("C1")).unwrap().is_some());
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(s.plan_draft(cno("C1")).unwrap(), None);
    assert_eq!(s.client(cno("C1")).unwrap().client.plan, "年底前上门\n推荐养老理财，写到一半。");
}

#[test]
fn search_says_when_the_list_is_capped_and_never_claims_a_ready_index_is_building() {
    let b = branch();
    let admin = b.session("9001");
    let many: Vec<_> = (0..60)
        .map(|i| mingdan::service::imports::ClientRecord {
            line: i + 2,
            no: Some(cno(&format!("C{}", 100 + i))),
            name: Some("张伟".into()),
            outlet: Some(mingdan::domain::OutletId::parse("城关").unwrap()),
            ..Default::default()
        })
        .collect();
    assert!(admin.import_clients(many, "新增.csv".into(), false, vec![]).unwrap().written);
    assert!(b.service.wait_for_search(std::time::Duration::from_secs(30)));
    let th = theme();
    let s = b.session("2002");
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('/'));
    let empty = screen(&mut app);
    assert!(!empty.contains("正在建立搜索索引"), "the index is ready:\n{empty}");
    typ(&mut app, "zhang");
    let capped = screen(&mut app);
    assert!(capped.contains("前 50 位（共约 61 位），请多输入几个字"), "{capped}");
    assert!(
        capped.contains("姓名") && capped.contains("客户号") && capped.contains("维护人"),
        "a header row:\n{capped}"
    );
    ctrl(&mut app, 'u');
    typ(&mut app, "单明");
    let one = screen(&mut app);
    assert!(one.contains("1 位客户") && !one.contains("共约"), "{one}");
}

#[test]
fn typing_in_another_clients_form_while_a_draft_is_kept_keeps_that_form_too() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    // 张伟's contact was left unsent earlier.
    s.save_draft(mingdan::domain::ContactDraft {
        note: "张伟那条\n下周".into(),
        ..draft("C1", mingdan::domain::Purpose::Callback)
    })
    .unwrap();
    b.clock.advance(chrono::Duration::minutes(5));
    {
        let mut app = App::new(&s, &th, &ZH).unwrap();
        // A note of several lines is one line in the offer, its breaks spaces (not "\n").
        assert!(screen(&mut app).contains("张伟那条 下周"), "offered:\n{}", screen(&mut app));
        press(&mut app, KeyCode::Esc); // 以后再说
        select_line(&mut app, "曾小红");
        press(&mut app, KeyCode::Char('c'));
        assert_eq!(app.top_title(), "记录联系 · 曾小红", "no draft of hers, so her form opens");
        for _ in 0..5 {
            press(&mut app, KeyCode::Tab);
        }
        typ(&mut app, "曾小红说下周再约");
        // The SSH connection drops.
        app.end_session();
    }
    assert_eq!(
        s.draft(cno("C2")).unwrap().map(|d| d.note),
        Some("曾小红说下周再约".into()),
        "B's typing kept"
    );
    assert_eq!(s.draft(cno("C1")).unwrap().map(|d| d.note), Some("张伟那条\n下周".into()), "A's untouched");

    // Next start-up lists both, the most recent (曾小红's) first; Enter reopens it.
    let mut app = App::new(&s, &th, &ZH).unwrap();
    let list = screen(&mut app);
    assert!(list.contains("多位客户"), "{list}");
    let (zeng, zhang) = (list.find("曾小红说下周再约"), list.find("张伟那条"));
    assert!(zeng.is_some() && zhang.is_some() && zeng < zhang, "most recent first:\n{list}");
    assert!(list.lines().any(|l| l.contains("> 曾小红 C2")), "the most recent is chosen:\n{list}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.top_title(), "记录联系 · 曾小红");
    assert!(screen(&mut app).contains("曾小红说下周再约"));
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("已保存"), "{}", screen(&mut app));
    assert_eq!(s.draft(cno("C2")).unwrap(), None);
    // The other is still kept, and 张伟's form offers it.
    press(&mut app, KeyCode::Esc);
    open_c1(&mut app);
    press(&mut app, KeyCode::Char('c'));
    let offer = screen(&mut app);
    assert!(offer.contains("未保存的联系记录") && offer.contains("张伟那条"), "{offer}");
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(s.drafts().unwrap(), vec![], "discarded");
}

#[test]
fn a_results_figure_lists_its_clients_and_esc_or_q_goes_back() {
    let b = branch();
    let m = b.session("1001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('6'));
    let results = app.top_title();
    press(&mut app, KeyCode::Enter);
    let list = screen(&mut app);
    assert!(list.contains("金卡以上客户") && list.contains("张伟"), "{list}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.top_title(), results, "Esc leaves the list");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_ne!(app.top_title(), results);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.top_title(), results, "q leaves the list");
}

/// Ticking last quarter's notice in January with the contact dated today would complete this
/// quarter's notice instead (a 季度告知 counts for the quarter the contact falls in): the form
/// says so at 本次完成 and saves nothing until the contact is dated in that quarter.
#[test]
fn ticking_last_quarters_notice_asks_for_a_date_in_that_quarter() {
    let b = branch();
    b.clock.advance(chrono::Duration::days(53)); // 2027-01-10
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    select_line(&mut app, "张伟");
    press(&mut app, KeyCode::Char('c'));
    assert!(app.top_title().starts_with("记录联系"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    let shown = screen(&mut app);
    let line = shown.lines().find(|l| l.contains("本次完成")).unwrap_or_default().to_string();
    let at = line.find("2026Q4").unwrap_or_else(|| panic!("no 2026Q4 tick:\n{shown}"));
    let digit = line[..at].chars().rev().find(|c| c.is_ascii_digit()).unwrap();
    press(&mut app, KeyCode::Char(digit));
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    assert!(shown.contains("只能由当季的联系完成"), "{shown}");
    assert!(app.top_title().starts_with("记录联系"), "the form stays open");
    assert!(s.client(cno("C1")).unwrap().contacts.is_empty(), "nothing saved");
    // Dated on 12-31 (logged late, within the window), it completes Q4's notice and not Q1's.
    for _ in 0..5 {
        press(&mut app, KeyCode::Tab);
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "2026-12-31 10:00");
    // The next callback the form shows is the one that will be saved: a cadence after 12-31.
    let shown = screen(&mut app);
    let next_line = shown.lines().find(|l| l.contains("下次回访")).unwrap_or_default().to_string();
    let shown_next = next_line.split_whitespace().nth(1).unwrap_or_default().to_string();
    assert!(shown_next.starts_with("2027-"), "{next_line}");
    ctrl(&mut app, 's');
    let card = s.client(cno("C1")).unwrap();
    assert_eq!(card.client.next_callback.map(|d| d.to_string()), Some(shown_next), "{next_line}");
    assert_eq!(card.contacts.len(), 1, "{}", screen(&mut app));
    let open: Vec<String> = card.open_tasks.iter().map(|t| format!("{:?}", t.kind())).collect();
    let notice = |q: &str| format!("Quarterly(Quarter {{ {q} }})");
    assert!(!open.iter().any(|k| k.contains(&notice("year: 2026, q: 4"))), "Q4 done: {open:?}");
    assert!(open.iter().any(|k| k.contains(&notice("year: 2027, q: 1"))), "Q1 still owed: {open:?}");
}

/// Issue #18: a complaint received from the 投诉 list (`o`) for a client picked by search, its
/// text edited mid-line (Home, typing at the cursor, a paste at the cursor, Ctrl-U), and
/// receiving straight from search results with Ctrl-O.
#[test]
fn a_complaint_is_received_from_the_list_for_a_client_found_by_search_with_its_text_edited() {
    use mingdan::service::complaints::ComplaintFilter;
    let b = branch();
    let s = b.session("2002");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('o'));
    assert!(app.top_title().starts_with("投诉"), "{}", app.top_title());
    press(&mut app, KeyCode::Char('o'));
    assert!(app.top_title().starts_with("受理投诉"), "{}", app.top_title());
    typ(&mut app, "张伟");
    let found = screen(&mut app);
    assert!(found.contains("C1"), "{found}");
    if !found.lines().any(|l| l.starts_with('>') && l.contains("张伟")) {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    assert!(app.top_title().contains("受理投诉 · 张伟"), "{}", app.top_title());
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "收益说清");
    press(&mut app, KeyCode::Home);
    typ(&mut app, "理财");
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Left);
    app.on_paste("不");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "写错了");
    ctrl(&mut app, 'u');
    typ(&mut app, "当面解释");
    let form = screen(&mut app);
    assert!(form.contains("理财收益说不清"), "{form}");
    ctrl(&mut app, 's');
    let rows = s.complaints(ComplaintFilter::All).unwrap();
    assert_eq!(rows.len(), 1, "{}", screen(&mut app));
    let c = s.complaint(rows[0].id).unwrap().complaint;
    assert_eq!((c.client.as_str(), c.said.as_str(), c.asks.as_str()), ("C1", "理财收益说不清", "当面解释"));

    // From search itself: Ctrl-O on a hit opens the form over the results.
    press(&mut app, KeyCode::Char('/'));
    let search = app.top_title();
    typ(&mut app, "曾小红");
    ctrl(&mut app, 'o');
    assert!(app.top_title().contains("受理投诉 · 曾小红"), "{}", app.top_title());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.top_title(), search, "back on the results");
}

/// Issue #18: a receive form (受理) cut off by the session's end is kept, and opening the form
/// for the same client again brings it back as it was; Ctrl-S receives it and drops the draft.
#[test]
fn a_receive_form_cut_off_by_the_session_end_is_offered_back_on_that_clients_form() {
    use mingdan::service::complaints::ComplaintFilter;
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    {
        let mut app = App::new(&s, &th, &ZH).unwrap();
        open_c1(&mut app);
        press(&mut app, KeyCode::Char('o'));
        assert_eq!(app.top_title(), "受理投诉 · 张伟");
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Right); // 服务态度
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Right); // 严重
        press(&mut app, KeyCode::Tab);
        typ(&mut app, "柜员说话很冲");
        app.end_session();
    }
    let kept = s.complaint_draft(cno("C1")).unwrap().expect("kept at session end");
    assert_eq!(kept.form.said, "柜员说话很冲");
    let mut app = App::new(&s, &th, &ZH).unwrap();
    let start = screen(&mut app);
    assert!(
        start.contains("未提交的投诉受理表（在客户上按 o 继续）：张伟 C1"),
        "named at start-up:\n{start}"
    );
    open_c1(&mut app);
    press(&mut app, KeyCode::Char('o'));
    let form = screen(&mut app);
    assert!(form.contains("已恢复") && form.contains("柜员说话很冲"), "{form}");
    assert!(form.contains("[服务态度]") || form.contains("服务态度"), "{form}");
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "当面道歉");
    assert!(!screen(&mut app).contains("已恢复"), "the notice goes once the user types");
    ctrl(&mut app, 's');
    let rows = s.complaints(ComplaintFilter::All).unwrap();
    assert_eq!(rows.len(), 1, "{}", screen(&mut app));
    let c = s.complaint(rows[0].id).unwrap().complaint;
    assert_eq!((c.said.as_str(), c.asks.as_str()), ("柜员说话很冲", "当面道歉"));
    assert_eq!((c.category, c.severity), (kept.form.category, kept.form.severity));
    assert_eq!(c.severity, mingdan::domain::complaint::Severity::Serious);
    assert_eq!(s.complaint_draft(cno("C1")).unwrap(), None, "received, so the draft is gone");
    // A form cancelled with Esc (asked first, Esc again) keeps nothing.
    press(&mut app, KeyCode::Char('o'));
    typ(&mut app, "x");
    app.end_session();
    assert!(s.complaint_draft(cno("C1")).unwrap().is_some());
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(s.complaint_draft(cno("C1")).unwrap(), None, "cancelled on purpose");
}

/// QA of #18 (E5): Esc on a receive form with text typed, or reopened from a draft, asks first
/// as the contact form does; any other key goes back to the form with the text as it was, y or
/// Esc again drops it. An empty fresh form closes at once.
#[test]
fn esc_on_a_receive_form_with_text_asks_before_dropping_it() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    open_c1(&mut app);
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.top_title(), "客户 张伟", "nothing typed: closed at once");

    press(&mut app, KeyCode::Char('o'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "很长的一段客户原话");
    press(&mut app, KeyCode::Esc);
    let asked = screen(&mut app);
    assert!(asked.contains("放弃这张受理表") && app.top_title() == "受理投诉 · 张伟", "{asked}");
    press(&mut app, KeyCode::Char('n'));
    let back = screen(&mut app);
    assert!(back.contains("很长的一段客户原话") && !back.contains("放弃这张受理表"), "{back}");
    typ(&mut app, "n");
    assert!(screen(&mut app).contains("很长的一段客户原话n"), "typing goes on as before");
    app.end_session();

    // y drops the form and the draft kept at session end.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.top_title(), "客户 张伟");
    assert_eq!(s.complaint_draft(cno("C1")).unwrap(), None);
    s.save_complaint_draft(mingdan::domain::complaint::NewComplaint {
        client: cno("C1"),
        channel: mingdan::domain::complaint::ComplaintChannel::Phone,
        category: mingdan::domain::complaint::Category::Other,
        severity: mingdan::domain::complaint::Severity::Normal,
        said: String::new(),
        asks: String::new(),
        owner: None,
        draft: None,
    })
    .unwrap();
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Esc);
    assert!(screen(&mut app).contains("放弃这张受理表"), "a reopened draft is asked about");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.top_title(), "客户 张伟");
    assert_eq!(s.complaint_draft(cno("C1")).unwrap(), None, "Esc again drops it");
}

/// QA of #18 (E3): a tab pasted from a spreadsheet, or text past the limit, made every later
/// draft save fail silently, so a dropped session lost all typed since. The form now takes a tab
/// as a space, drops other control characters and refuses text past 500 characters with a
/// notice, so what is on screen is what the draft keeps.
#[test]
fn a_receive_form_keeps_a_pasted_tab_and_refuses_text_past_its_limit_so_its_draft_is_kept() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    open_c1(&mut app);
    press(&mut app, KeyCode::Char('o'));
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "费用");
    app.on_paste("Excel列1\t列2\u{7}\r\n第二行");
    app.end_session();
    let kept = s.complaint_draft(cno("C1")).unwrap().expect("kept despite the pasted tab");
    assert_eq!(kept.form.said, "费用Excel列1 列2 第二行");
    let form = screen(&mut app);
    assert!(form.contains("费用Excel列1 列2 第二行") && form.contains("16/500"), "{form}");

    press(&mut app, KeyCode::Tab);
    app.on_paste(&"诉".repeat(495));
    typ(&mut app, "一二三四五六七");
    let full = screen(&mut app);
    assert!(full.contains("已到 500 字上限，多出的 1 字未录入") && full.contains("500/500"), "{full}");
    app.end_session();
    let kept = s.complaint_draft(cno("C1")).unwrap().expect("kept at the limit");
    assert_eq!(kept.form.asks, format!("{}一二三四五", "诉".repeat(495)));
    assert_eq!(kept.form.said, "费用Excel列1 列2 第二行", "the earlier text kept too");
}

/// Issue #18: branch management sets the complaint service levels on 设置 (as
/// `mingdan service-levels` does); a bad entry is refused naming what to type; an outlet head
/// does not see them.
#[test]
fn branch_management_sets_complaint_service_levels_on_settings() {
    use mingdan::domain::complaint::Severity;
    let b = branch();
    let m = b.session("9001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('7'));
    select_line(&mut app, "  严重  ");
    let before = screen(&mut app);
    assert!(before.contains("投诉服务时限") && before.contains("1/1/1/1/1"), "{before}");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "1/1/3");
    press(&mut app, KeyCode::Enter);
    let refused = screen(&mut app);
    assert!(refused.contains("应为五个环节的工作日数"), "{refused}");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "1/1/2/2/1");
    press(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    assert_eq!(m.service_levels().unwrap().show(Severity::Serious), "1/1/2/2/1");
    assert!(screen(&mut app).contains("1/1/2/2/1"));

    let head = b.session("1001");
    let mut app = App::new(&head, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('7'));
    for _ in 0..40 {
        press(&mut app, KeyCode::Down);
    }
    assert!(!screen(&mut app).contains("投诉服务时限"), "an outlet head does not set them");
}

/// A 一般 complaint of `client` as the receive form sends it, received by nobody in particular.
fn complaint(
    client: &str,
    channel: mingdan::domain::complaint::ComplaintChannel,
    category: mingdan::domain::complaint::Category,
    said: &str,
    asks: &str,
) -> mingdan::domain::complaint::NewComplaint {
    mingdan::domain::complaint::NewComplaint {
        client: cno(client),
        channel,
        category,
        severity: mingdan::domain::complaint::Severity::Normal,
        said: said.into(),
        asks: asks.into(),
        owner: None,
        draft: None,
    }
}

/// The step form asks for what each step decides: at 分类 the category and severity (a change
/// is a reclassification), at 反馈 the client's view — never assumed — and the day they were
/// told (QA of #18: 反馈 closed as 满意 with nothing chosen; 分类 could not correct anything).
#[test]
fn the_step_form_takes_a_reclassification_and_refuses_feedback_without_the_clients_view() {
    use mingdan::domain::complaint::{Category, ComplaintChannel, Satisfaction, Severity, Step};
    use mingdan::service::complaints::StepMove;
    let b = branch();
    let new = complaint(
        "C1",
        ComplaintChannel::Phone,
        Category::Price,
        "短信提醒服务费没有事先告知就扣了一年",
        "退还已扣费用",
    );
    let id = b.session("2002").receive_complaint(new).unwrap().id;
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('n'));
    // 分类: category, severity, note. Severity 一般 → 严重.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "核实为服务费争议，客户情绪激动");
    ctrl(&mut app, 's');
    let c = s.complaint(id).unwrap().complaint;
    assert_eq!((c.category, c.severity), (Category::Price, Severity::Serious), "{}", screen(&mut app));
    // On to 反馈 through the service, then the form.
    let mv =
        |step| StepMove {
            step, note: "已处理".into(), feedback: None, reclassify: None, next_owner: None
        };
    s.advance_complaint(id, mv(Step::Investigate)).unwrap();
    s.advance_complaint(id, mv(Step::Resolve)).unwrap();
    b.clock.advance(chrono::Duration::days(2)); // 11-20: the client was told on the 19th
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "已电话告知客户退费结果");
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("请选择客户评价"), "{}", screen(&mut app));
    assert!(!s.complaint(id).unwrap().complaint.is_closed(), "no view, no close");
    // The cursor is at 客户评价 now: 基本满意 (two to the right), told yesterday, typed short:
    // 11-19 reads back from today as 联系时间 does, not as 2027-11-19 (QA of #18, E7).
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "11-19");
    ctrl(&mut app, 's');
    let c = s.complaint(id).unwrap().complaint;
    assert!(c.is_closed(), "{}", screen(&mut app));
    assert_eq!(c.last_view(), Some(Satisfaction::Fair));
    let told = c.runs.last().and_then(|r| r.done.as_ref()).and_then(|d| d.feedback).map(|f| f.told_on);
    assert_eq!(told, Some(d(2026, 11, 19)));
}

/// Issue #18: finishing a step names who takes the next one: a choice among the complaint
/// outlet's active staff (as the service enforces), starting at the step's own owner, which is
/// what the service picks when none is named.
#[test]
fn finishing_a_step_names_the_next_steps_owner_among_the_outlets_staff() {
    use mingdan::domain::Permission;
    use mingdan::domain::complaint::{Category, ComplaintChannel, Step};
    let b = branch();
    b.session("9001").save_staff(staff("4001", "周杰", "网点负责人", "西街", Permission::Manager)).unwrap();
    let new = complaint("C1", ComplaintChannel::Counter, Category::Process, "开户要跑三趟", "");
    let id = b.session("2002").receive_complaint(new).unwrap().id;
    // The list comes from the service, for whoever may move the step: its owner first, then
    // 城关's staff by 工号; never 西街's head, nor the administrator 9001 (QA of #18, E9);
    // not for a colleague who holds nothing.
    let s = b.session("2001");
    let names: Vec<String> = s.next_owners(id).unwrap().into_iter().map(|o| o.no.to_string()).collect();
    assert_eq!(names, ["2001", "1001", "2002"]);
    assert!(b.session("2002").next_owners(id).is_err());
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('n'));
    let form = screen(&mut app);
    assert!(form.contains("下一环节负责人") && form.contains("[王芳 2001] 1/3"), "{form}");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "流程问题，转柜面核实");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert!(screen(&mut app).contains("[李强 2002] 3/3"), "{}", screen(&mut app));
    ctrl(&mut app, 's');
    assert!(screen(&mut app).contains("由 李强 负责"), "{}", screen(&mut app));
    let c = s.complaint(id).unwrap().complaint;
    let open = c.open().expect("open");
    assert_eq!((open.step, open.owner().as_str()), (Step::Investigate, "2002"));
    // Left alone, the choice names nobody and the step stays with its owner.
    let s2 = b.session("2002");
    let mut app = App::new(&s2, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('n'));
    typ(&mut app, "已核实");
    ctrl(&mut app, 's');
    let open = s.complaint(id).unwrap().complaint.open().cloned().expect("open");
    assert_eq!((open.step, open.owner().as_str()), (Step::Resolve, "2002"), "{}", screen(&mut app));
}

/// QA of #18 (E6): when the step's owner may no longer take it (moved to another outlet), the
/// form's default next owner is the outlet head, said so in the form, and saving gives the
/// step to the head.
#[test]
fn the_step_forms_default_next_owner_says_when_the_owner_may_not_take_it_and_who_takes_it_instead() {
    use mingdan::domain::complaint::{Category, ComplaintChannel, Step};
    let b = branch();
    let new = complaint("C4", ComplaintChannel::Counter, Category::Process, "开户要跑三趟", "");
    let id = b.session("2002").receive_complaint(new).unwrap().id;
    // Moved to another outlet (stopping someone who owns a step is refused until it is reassigned).
    let moved = staff("2002", "李强", "柜员", "西街", mingdan::domain::Permission::Staff);
    b.session("9001").save_staff(moved).unwrap();
    let s = b.session("1001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "流程问题");
    let form = screen(&mut app);
    assert!(form.contains("[赵敏 1001] 1/2") && form.contains("（2002 已不能接手）"), "{form}");
    ctrl(&mut app, 's');
    let open = s.complaint(id).unwrap().complaint.open().cloned().expect("open");
    assert_eq!((open.step, open.owner().as_str()), (Step::Investigate, "1001"), "{}", screen(&mut app));
}

/// Managers read complaints by quarter: `[` `]` on the figures and on the list move the quarter,
/// and Enter on the figures lists that quarter's complaints (QA of #18: only this quarter, no
/// way from a figure to the complaints behind it).
#[test]
fn complaint_figures_and_list_move_by_quarter_and_the_figures_drill_to_the_list() {
    use mingdan::domain::complaint::{Category, ComplaintChannel};
    let b = branch();
    let new = complaint(
        "C1",
        ComplaintChannel::Phone,
        Category::Price,
        "短信提醒服务费没有事先告知就扣了一年",
        "退还已扣费用",
    );
    b.session("2002").receive_complaint(new).unwrap();
    let s = b.session("1001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('o'));
    assert!(screen(&mut app).contains("张伟"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('f'));
    assert!(screen(&mut app).contains("2026Q4"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('['));
    let q3 = screen(&mut app);
    assert!(q3.contains("2026Q3") && !q3.contains("2026Q4"), "{q3}");
    press(&mut app, KeyCode::Char(']'));
    press(&mut app, KeyCode::Char(']')); // not past this quarter
    assert!(screen(&mut app).contains("2026Q4"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Enter);
    let list = screen(&mut app);
    assert!(list.contains("2026Q4") && list.contains("张伟"), "{list}");
    press(&mut app, KeyCode::Char('['));
    let list = screen(&mut app);
    assert!(list.contains("2026Q3") && !list.contains("张伟"), "{list}");
}

/// The line of the contact form whose field is `label` (after the `>` that marks the cursor),
/// with the lines under it that have no label of their own: the field's problem shows there.
fn field_line(shown: &str, label: &str) -> String {
    let lines: Vec<&str> = shown.lines().collect();
    let Some(at) = lines.iter().position(|l| l.get(1..).is_some_and(|rest| rest.starts_with(label))) else {
        return String::new();
    };
    let under = lines[at + 1..].iter().take_while(|l| l.starts_with("  ") && !l.trim().is_empty());
    std::iter::once(&lines[at]).chain(under).copied().collect::<Vec<_>>().join("\n")
}

#[test]
fn a_problem_shows_beside_its_field_once_left_and_saving_takes_the_cursor_back_to_it() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('c'));
    // To 下次回访: 方式, 目的, 本次完成, 结果, 满意度, 备注.
    for _ in 0..6 {
        press(&mut app, KeyCode::Tab);
    }
    ctrl(&mut app, 'u');
    // A date that reads, but that the contact's rules refuse: shown once the field is left,
    // without saving.
    typ(&mut app, "2026-11-01");
    assert!(!screen(&mut app).contains("应晚于本次联系日期"), "not while still typing");
    press(&mut app, KeyCode::Tab);
    let shown = screen(&mut app);
    assert!(field_line(&shown, "下次回访").contains("应晚于本次联系日期"), "{shown}");
    assert!(field_line(&shown, "联系时间").starts_with('>'), "the cursor moved on:\n{shown}");

    // What cannot be read at all: up to the note, then Ctrl-S.
    press(&mut app, KeyCode::BackTab);
    ctrl(&mut app, 'u');
    typ(&mut app, "胡说八道");
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::BackTab);
    assert!(field_line(&screen(&mut app), "满意度").starts_with('>'), "{}", screen(&mut app));
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    let line = field_line(&shown, "下次回访");
    assert!(line.starts_with('>'), "Ctrl-S takes the cursor to the field:\n{shown}");
    assert!(line.contains("胡说八道") && line.contains("看不懂"), "the problem is beside it:\n{shown}");
    assert!(shown.contains("下次回访：看不懂"), "and said in full on the message line:\n{shown}");
    assert!(app.top_title().starts_with("记录联系"), "the form stays open");
    assert!(s.client(cno("C1")).unwrap().contacts.is_empty());
}

#[test]
fn under_lang_en_the_contact_forms_problems_read_in_english() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &mingdan::tui::text::EN).unwrap();
    press(&mut app, KeyCode::Char('c'));
    for _ in 0..6 {
        press(&mut app, KeyCode::Tab);
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "2026-11-01");
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    assert!(shown.contains("must be after the day of this contact"), "{shown}");
    assert!(!shown.contains("应晚于"), "no Chinese rule text under --lang en:\n{shown}");
}

/// Every abbreviation a manager screen shows has a legend line in its help.
#[test]
fn manager_screens_explain_their_abbreviations_in_help() {
    let b = branch();
    let m = b.session("1001");
    let th = theme();
    let mut app = App::new(&m, &th, &ZH).unwrap();
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('?'));
    let coverage = screen(&mut app);
    for word in ["差：", "合规：", "贴标：", "按时：", "告知：", "新品："] {
        assert!(coverage.contains(word), "{word} has no legend line:\n{coverage}");
    }
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('v'));
    press(&mut app, KeyCode::Char('?'));
    let performance = screen(&mut app);
    for word in ["按时：", "流失：", "新增：", "转化：", "资产变化：", "满意："] {
        assert!(performance.contains(word), "{word} has no legend line:\n{performance}");
    }
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::F(1));
    assert!(screen(&mut app).contains("⇄ 建议的维护人在其他网点"), "{}", screen(&mut app));
}

/// A client owing many launches at 80×24: the 待办 line and the ticks take many lines, and the
/// form scrolls so the field the cursor is on shows, with the form hint still at the bottom;
/// the lines out of view are counted.
#[test]
fn with_many_open_tasks_the_contact_form_scrolls_to_the_cursor_and_keeps_its_hint() {
    use mingdan::service::Api;
    let b = branch();
    let m = b.session("1001");
    for i in 1..=12 {
        m.launch_product(format!("第{i}期稳健养老理财"), String::new(), d(2026, 12, 20)).unwrap();
    }
    let s = b.session("2001");
    assert!(s.client(cno("C1")).unwrap().open_tasks.len() > 12);
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    select_line(&mut app, "张伟");
    press(&mut app, KeyCode::Char('c'));
    assert!(app.top_title().starts_with("记录联系"), "{}", screen(&mut app));
    let hint = "Tab 下一项  左右键选择";
    let shown = screen(&mut app);
    assert!(field_line(&shown, "联系方式").starts_with('>'), "{shown}");
    assert!(shown.contains("下面另有"), "what is below is counted:\n{shown}");
    // Every field in turn is on screen when the cursor is on it, and the hint stays.
    for label in ["联系目的", "本次完成", "联系结果", "满意度", "备注", "下次回访", "联系时间"]
    {
        press(&mut app, KeyCode::Tab);
        let shown = screen(&mut app);
        assert!(field_line(&shown, label).starts_with('>'), "{label}:\n{shown}");
        assert!(shown.contains(hint), "{label}: the hint is pinned:\n{shown}");
    }
    let shown = screen(&mut app);
    assert!(shown.contains("上面另有"), "what is above is counted:\n{shown}");
    // The question whether to drop the form is pinned the same way.
    typ(&mut app, "昨天");
    press(&mut app, KeyCode::Esc);
    let shown = screen(&mut app);
    assert!(shown.contains("放弃这条联系记录？"), "{shown}");
    assert!(field_line(&shown, "联系时间").starts_with('>'), "{shown}");
}

/// Moves the contact form's cursor with Tab until it is on the field `label`.
fn tab_to(app: &mut App, label: &str) {
    for _ in 0..12 {
        if field_line(&screen(app), label).starts_with('>') {
            return;
        }
        press(app, KeyCode::Tab);
    }
    panic!("no field {label}:\n{}", screen(app));
}

/// A digit picks an option (satisfaction counts from 0 = 不填), the picked option is the one in
/// brackets, and the note takes the usual editing keys: what is saved is what was shown.
#[test]
fn digits_pick_the_options_and_the_note_takes_the_editing_keys() {
    let b = branch();
    let s = b.session("2001");
    let th = theme();
    let mut app = App::new(&s, &th, &ZH).unwrap();
    select_line(&mut app, "曾小红");
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.top_title(), "记录联系 · 曾小红");
    press(&mut app, KeyCode::Char('5'));
    assert!(field_line(&screen(&mut app), "联系方式").contains("[网点面谈]"), "{}", screen(&mut app));
    tab_to(&mut app, "联系目的");
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('9')); // no ninth purpose: nothing changes
    assert!(field_line(&screen(&mut app), "联系目的").contains("[营销]"), "{}", screen(&mut app));
    tab_to(&mut app, "满意度");
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('0'));
    assert!(field_line(&screen(&mut app), "满意度").contains("[不填]"), "{}", screen(&mut app));
    press(&mut app, KeyCode::Char('4'));
    assert!(field_line(&screen(&mut app), "满意度").contains("[4]"), "{}", screen(&mut app));
    tab_to(&mut app, "备注");
    // Help on a text field lists the editing keys; ↑↓ move between fields here, not lines.
    press(&mut app, KeyCode::F(1));
    let help = screen(&mut app);
    assert!(help.contains("删除前一个词") && !help.contains("上下一行"), "{help}");
    press(&mut app, KeyCode::Esc);
    assert!(field_line(&screen(&mut app), "备注").starts_with('>'), "{}", screen(&mut app));
    typ(&mut app, "客户 考虑 再说");
    ctrl(&mut app, 'w');
    typ(&mut app, "下月");
    ctrl(&mut app, 's');
    let shown = screen(&mut app);
    assert!(shown.contains("已保存"), "{shown}");
    let card = s.client(cno("C2")).unwrap();
    let c = &card.contacts[0].contact;
    assert_eq!(c.channel, mingdan::domain::Channel::InBranch);
    assert_eq!(c.purpose, mingdan::domain::Purpose::Marketing);
    assert_eq!(c.satisfaction, Some(4));
    assert_eq!(c.note, "客户 考虑 下月");
}
