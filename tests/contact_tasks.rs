//! Contact logging as staff work (issue #15): agreed callbacks are kept, one call completes
//! every task it did, and a colleague's client is left as their maintainer arranged it.
//! Today is Wednesday 2026-11-18 (see `common::branch`).

mod common;

use chrono::Duration;
use common::*;
use mingdan::domain::calendar::{parse_contact_time, parse_date_input};
use mingdan::domain::{
    Aim, Attempts, Channel, ContactDraft, DueBucket, Outcome, Permission, Purpose, TaskKind,
};
use mingdan::service::views::Logged;
use mingdan::service::{Api, Clock, ServiceError, Session};

/// The client's open callback: (due date, agreed).
fn callback(s: &Session, client: &str) -> (chrono::NaiveDate, bool) {
    let card = s.client(cno(client)).unwrap();
    let t = card
        .open_tasks
        .iter()
        .find(|t| matches!(t.kind(), TaskKind::Callback { .. }))
        .expect("an open callback");
    (t.due, t.agreed)
}

fn marketing(client: &str) -> ContactDraft {
    ContactDraft { note: "客户来电咨询转账".into(), ..draft(client, Purpose::Marketing) }
}

#[test]
fn an_agreed_monday_is_kept_after_an_unrelated_call_and_done_by_a_call_on_the_day() {
    let b = branch();
    let s = b.session("2001");
    // Wednesday's callback agrees "call again Monday".
    let monday = d(2026, 11, 23);
    let agreed = ContactDraft { next_callback: Some(monday), ..draft("C1", Purpose::Callback) };
    let logged = s.log_contact(agreed).unwrap();
    assert_eq!(logged.next_callback, Some(monday));
    assert_eq!(callback(&s, "C1"), (monday, true));

    // Friday the client phones about something else; the form sends no date (untouched).
    b.clock.advance(Duration::days(2));
    let friday = s.log_contact(marketing("C1")).unwrap();
    assert!(friday.completed.is_empty(), "an unrelated call before Monday does not do Monday's callback");
    assert_eq!(friday.next_callback, Some(monday), "the agreed Monday is kept");
    assert_eq!(callback(&s, "C1"), (monday, true));

    // Monday: any reached call now counts as the callback (FIGURES.md), and the clock restarts.
    b.clock.advance(Duration::days(3));
    let on_the_day = s.log_contact(marketing("C1")).unwrap();
    assert_eq!(on_the_day.completed.len(), 1);
    assert!(matches!(on_the_day.completed[0].kind(), TaskKind::Callback { .. }));
    let (due, agreed) = callback(&s, "C1");
    assert!(due > monday && !agreed, "the next one is one cadence on, not agreed: {due}");
}

#[test]
fn ticking_the_callback_does_an_agreed_one_early_and_a_typed_date_moves_it() {
    let b = branch();
    let s = b.session("2001");
    let monday = d(2026, 11, 23);
    s.log_contact(ContactDraft { next_callback: Some(monday), ..draft("C2", Purpose::Callback) }).unwrap();
    b.clock.advance(Duration::days(1));
    // An unrelated call that agrees a new day moves the agreement without completing it.
    let friday = d(2026, 11, 27);
    let moved = s.log_contact(ContactDraft { next_callback: Some(friday), ..marketing("C2") }).unwrap();
    assert!(moved.completed.is_empty());
    assert_eq!(callback(&s, "C2"), (friday, true));
    // 回访 chosen on purpose completes it before its day.
    let done = s.log_contact(draft("C2", Purpose::Callback)).unwrap();
    assert_eq!(done.completed.len(), 1);
    assert!(callback(&s, "C2").0 > friday);
}

#[test]
fn one_contact_completes_callback_notice_and_launch_and_is_one_record() {
    let b = branch();
    let launch = b.session("1001").launch_product("养老理财".into(), "稳健".into(), d(2026, 12, 20)).unwrap();
    let s = b.session("2001");
    let before = s.client(cno("C3")).unwrap();
    assert_eq!(before.open_tasks.len(), 4, "callback, 2026Q4 notice, survey and the launch are open");
    let all = ContactDraft {
        also: vec![
            Aim { purpose: Purpose::QuarterlyNotice, launch: None },
            Aim { purpose: Purpose::ProductPitch, launch: Some(launch.id) },
        ],
        ..draft("C3", Purpose::Callback)
    };
    let logged = s.log_contact(all).unwrap();
    let mut kinds: Vec<&str> = logged.completed.iter().map(|t| t.kind().label()).collect();
    kinds.sort();
    assert_eq!(kinds, ["回访", "季度告知", "新品推介"]);
    let card = s.client(cno("C3")).unwrap();
    assert_eq!(card.contacts.len(), 1, "one call is one contact record");
    let purposes: Vec<Purpose> = card.contacts[0].contact.aims().iter().map(|a| a.purpose).collect();
    assert_eq!(purposes, [Purpose::Callback, Purpose::QuarterlyNotice, Purpose::ProductPitch]);
    let open: Vec<&str> = card.open_tasks.iter().map(|t| t.kind().label()).collect();
    assert_eq!(open, ["满意度调查", "回访"], "only the survey and the next callback are left");
    let today = s.today().unwrap();
    assert_eq!(today.launches[0].progress.done, 1);
}

#[test]
fn a_pitch_ticked_without_its_product_is_refused_naming_the_field() {
    let b = branch();
    let s = b.session("2001");
    let bad = ContactDraft {
        also: vec![Aim { purpose: Purpose::ProductPitch, launch: None }],
        ..draft("C1", Purpose::Callback)
    };
    let err = s.log_contact(bad).unwrap_err().to_string();
    assert!(err.contains("本次完成") && err.contains("产品"), "{err}");
    assert!(s.client(cno("C1")).unwrap().contacts.is_empty());
}

#[test]
fn a_walk_in_for_a_colleagues_client_leaves_their_callback_alone() {
    let b = branch();
    b.session("9001").save_staff(staff("3001", "周杰", "大堂经理", "城东", Permission::Staff)).unwrap();
    let owner = b.session("2001");
    let before = callback(&owner, "C1");
    let me = b.session("3001");
    let card = me.client(cno("C1")).unwrap();
    assert!(!card.mine);
    assert_eq!(card.client.maintainer.as_ref().map(|m| m.name.as_str()), Some("王芳"));
    assert_eq!(card.maintainer_outlet.as_ref().map(|o| o.to_string()).as_deref(), Some("城关"));

    let walk_in = ContactDraft { channel: Channel::InBranch, ..marketing("C1") };
    let logged = me.log_contact(walk_in).unwrap();
    assert!(logged.completed.is_empty(), "their callback is not completed: {:?}", logged.completed);
    assert_eq!(callback(&owner, "C1"), before, "nor rescheduled");

    // A date without ticking 回访 would be ignored, so it is refused, saying why.
    let with_date = ContactDraft { next_callback: Some(d(2026, 12, 1)), ..marketing("C1") };
    let err = me.log_contact(with_date).unwrap_err().to_string();
    assert!(err.contains("下次回访") && err.contains("勾选"), "{err}");
    assert_eq!(callback(&owner, "C1"), before);

    // Ticking 回访 on purpose does it for them.
    let ticked =
        ContactDraft { also: vec![Aim { purpose: Purpose::Callback, launch: None }], ..marketing("C1") };
    let done = me.log_contact(ticked).unwrap();
    assert_eq!(done.completed.len(), 1);
    assert!(callback(&owner, "C1").0 > before.0);
}

#[test]
fn an_unanswered_call_on_my_own_client_still_moves_nothing_unasked() {
    let b = branch();
    let s = b.session("2001");
    let before = callback(&s, "C2");
    let logged =
        s.log_contact(ContactDraft { outcome: Outcome::NoAnswer, ..draft("C2", Purpose::Callback) }).unwrap();
    assert!(logged.completed.is_empty());
    assert_eq!(callback(&s, "C2"), before);
}

/// Moves the branch clock to `to` (local time) and returns it.
fn move_clock(b: &Branch, to: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    let now = b.clock.now().naive_local();
    b.clock.advance(to - now);
    to
}

/// The form's two date fields as staff type them, read on the branch clock and logged.
fn log_typed(
    s: &Session,
    now: chrono::NaiveDateTime,
    client: &str,
    at: &str,
    next: &str,
) -> Result<Logged, ServiceError> {
    let at = (!at.is_empty()).then(|| parse_contact_time(at, now).unwrap());
    let next = (!next.is_empty()).then(|| parse_date_input(next, now.date()).unwrap());
    s.log_contact(ContactDraft { at, next_callback: next, ..draft(client, Purpose::Callback) })
}

#[test]
fn on_the_second_of_january_12_31_is_last_years_and_年底_next_years() {
    let b = branch();
    let s = b.session("2001");
    let now = move_clock(&b, at(d(2027, 1, 2), 9, 0));
    let logged = log_typed(&s, now, "C1", "12-31 15:00", "年底").unwrap();
    let card = s.client(cno("C1")).unwrap();
    let saved = card.contacts.iter().find(|c| c.contact.id == logged.contact).unwrap();
    assert_eq!(saved.contact.at, at(d(2026, 12, 31), 15, 0), "last year's 12-31, not refused as the future");
    assert_eq!(logged.next_callback, Some(d(2027, 12, 31)));
    // Without a space, and a bare four-digit time.
    let logged = log_typed(&s, now, "C2", "昨天14:30", "下下周一").unwrap();
    let card = s.client(cno("C2")).unwrap();
    let saved = card.contacts.iter().find(|c| c.contact.id == logged.contact).unwrap();
    assert_eq!(saved.contact.at, at(d(2027, 1, 1), 14, 30));
    assert_eq!(logged.next_callback, Some(d(2027, 1, 11)), "2027-01-02 is a Saturday");
    let logged = log_typed(&s, now, "C3", "0830", "5号").unwrap();
    assert_eq!(logged.next_callback, Some(d(2027, 1, 5)));
}

#[test]
fn on_a_quarters_last_day_季末_is_the_next_quarters_end_for_a_callback_and_today_for_the_call() {
    let b = branch();
    let s = b.session("2001");
    let now = move_clock(&b, at(d(2026, 12, 31), 16, 0));
    let logged = log_typed(&s, now, "C1", "季末", "季末").unwrap();
    assert_eq!(logged.next_callback, Some(d(2027, 3, 31)), "not today, which is refused");
    let card = s.client(cno("C1")).unwrap();
    let saved = card.contacts.iter().find(|c| c.contact.id == logged.contact).unwrap();
    assert_eq!(saved.contact.at, now, "季末 on its last day is today, now");
    let logged = log_typed(&s, now, "C2", "", "月底").unwrap();
    assert_eq!(logged.next_callback, Some(d(2027, 1, 31)));
}

#[test]
fn the_29th_of_february_is_the_next_one_for_a_callback_and_the_last_one_for_a_call() {
    let b = branch();
    let s = b.session("2001");
    // 2027 has no 29 February; the next is 2028's, 365 days on.
    let now = move_clock(&b, at(d(2027, 3, 1), 10, 0));
    let logged = log_typed(&s, now, "C1", "", "02-29").unwrap();
    assert_eq!(logged.next_callback, Some(d(2028, 2, 29)));
    let now = move_clock(&b, at(d(2028, 3, 2), 10, 0));
    let logged = log_typed(&s, now, "C2", "2月29日 10:00", "").unwrap();
    let card = s.client(cno("C2")).unwrap();
    let saved = card.contacts.iter().find(|c| c.contact.id == logged.contact).unwrap();
    assert_eq!(saved.contact.at, at(d(2028, 2, 29), 10, 0));
}

fn unanswered(client: &str, next: Option<chrono::NaiveDate>) -> ContactDraft {
    ContactDraft {
        outcome: Outcome::NoAnswer,
        next_callback: next,
        satisfaction: None,
        ..draft(client, Purpose::Callback)
    }
}

#[test]
fn an_unanswered_call_keeps_an_overdue_client_on_the_overdue_list_with_its_tries() {
    let b = branch();
    let s = b.session("2001");
    // C2's callback was due 11-25; it is now Saturday 11-28.
    move_clock(&b, at(d(2026, 11, 28), 9, 0));
    let overdue = |s: &Session| s.today().unwrap().overdue.into_iter().find(|t| t.id.client == cno("C2"));
    let before = overdue(&s).expect("C2 is overdue");
    assert_eq!(before.attempts, None);

    s.log_contact(unanswered("C2", None)).unwrap();
    let once = overdue(&s).expect("still overdue after one unanswered call");
    assert_eq!(once.attempts, Some(Attempts { count: 1, last: d(2026, 11, 28) }));

    // Monday, another try that plans the next for Wednesday: the client is still owed the
    // callback that was due 11-25, so it stays overdue, counted from then.
    move_clock(&b, at(d(2026, 11, 30), 9, 0));
    s.log_contact(unanswered("C2", Some(d(2026, 12, 2)))).unwrap();
    let twice = overdue(&s).expect("a date planned on an unanswered call does not hide it");
    assert_eq!(twice.attempts, Some(Attempts { count: 2, last: d(2026, 11, 30) }));
    assert_eq!(twice.bucket, DueBucket::Overdue { days: 5 });
    assert_eq!(twice.due, d(2026, 12, 2), "the planned try is kept");
    let card = s.client(cno("C2")).unwrap();
    let on_card = card.open_tasks.iter().find(|t| matches!(t.kind(), TaskKind::Callback { .. })).unwrap();
    assert_eq!(on_card.attempts, twice.attempts);
    assert_eq!(on_card.bucket, twice.bucket);

    // Reached: the callback is done and the client leaves the list.
    s.log_contact(draft("C2", Purpose::Callback)).unwrap();
    assert!(overdue(&s).is_none());
    let next = s.client(cno("C2")).unwrap();
    assert!(
        next.open_tasks.iter().all(|t| t.attempts.is_none()),
        "tries before the reached call are behind it"
    );
}

#[test]
fn an_unanswered_call_before_the_due_day_moves_a_callback_as_planned() {
    let b = branch();
    let s = b.session("2001");
    // Due 11-25, tried on 11-18 and planned again for 11-27: not late, so not overdue.
    s.log_contact(unanswered("C2", Some(d(2026, 11, 27)))).unwrap();
    move_clock(&b, at(d(2026, 11, 26), 9, 0));
    let today = s.today().unwrap();
    assert!(today.overdue.iter().all(|t| t.id.client != cno("C2")));
    let listed = today.this_week.iter().find(|t| t.id.client == cno("C2")).expect("due this week");
    assert_eq!(listed.attempts, Some(Attempts { count: 1, last: d(2026, 11, 18) }));
}

#[test]
fn a_colleagues_contact_shows_on_the_maintainers_today_until_seen_or_followed_up() {
    let b = branch();
    let mine = b.session("2001");
    let colleague = b.session("2002");
    assert!(mine.today().unwrap().by_colleagues.is_empty());

    b.clock.advance(Duration::minutes(30));
    let walk_in = ContactDraft {
        channel: Channel::InBranch,
        also: vec![Aim { purpose: Purpose::QuarterlyNotice, launch: None }],
        ..marketing("C1")
    };
    let logged = colleague.log_contact(walk_in).unwrap();
    let today = mine.today().unwrap();
    assert_eq!(today.by_colleagues.len(), 1, "同事代为联系");
    let line = &today.by_colleagues[0];
    assert_eq!((line.client.as_str(), line.by.name.as_str()), ("C1", "李强"));
    assert_eq!(line.contact, logged.contact);
    assert_eq!(line.at, at(d(2026, 11, 18), 10, 30));
    assert_eq!(line.purposes, vec![Purpose::Marketing, Purpose::QuarterlyNotice]);
    assert!(colleague.today().unwrap().by_colleagues.is_empty(), "not on the colleague's own Today");

    // Someone else opening the card does not clear it; the maintainer opening it does.
    colleague.seen_colleague_contacts(cno("C1")).unwrap();
    assert_eq!(mine.today().unwrap().by_colleagues.len(), 1);
    mine.seen_colleague_contacts(cno("C1")).unwrap();
    assert!(mine.today().unwrap().by_colleagues.is_empty(), "seen");

    // A further contact shows again, and the maintainer's own call settles it.
    b.clock.advance(Duration::days(1));
    colleague.log_contact(marketing("C1")).unwrap();
    assert_eq!(mine.today().unwrap().by_colleagues.len(), 1);
    b.clock.advance(Duration::hours(1));
    mine.log_contact(marketing("C1")).unwrap();
    assert!(mine.today().unwrap().by_colleagues.is_empty(), "followed up by the maintainer");
}

#[test]
fn a_colleagues_walk_in_does_not_undo_the_maintainers_tries() {
    let b = branch();
    let s = b.session("2001");
    move_clock(&b, at(d(2026, 11, 28), 9, 0));
    s.log_contact(unanswered("C2", Some(d(2026, 12, 2)))).unwrap();
    b.clock.advance(Duration::hours(2));
    b.session("2002").log_contact(marketing("C2")).unwrap();
    let today = s.today().unwrap();
    let line = today.overdue.iter().find(|t| t.id.client == cno("C2")).expect("still owed and overdue");
    assert_eq!(line.attempts, Some(Attempts { count: 1, last: d(2026, 11, 28) }));
}

#[test]
fn a_sticker_takes_a_past_date_and_keeps_it_when_taken_back() {
    let b = branch();
    let s = b.session("2001");
    let put = s.set_sticker(cno("C1"), true, Some(d(2026, 9, 19))).unwrap();
    assert_eq!((put.done, put.on), (true, Some(d(2026, 9, 19))));
    let off = s.set_sticker(cno("C1"), false, None).unwrap();
    assert_eq!((off.done, off.on), (false, Some(d(2026, 9, 19))), "the date is kept");
    let back = s.set_sticker(cno("C1"), true, None).unwrap();
    assert_eq!(back.on, Some(d(2026, 9, 19)), "putting it back restores the date");
    let fresh = s.set_sticker(cno("C2"), true, None).unwrap();
    assert_eq!(fresh.on, Some(d(2026, 11, 18)), "today when nothing was kept");
    match s.set_sticker(cno("C3"), true, Some(d(2026, 11, 19))) {
        Err(ServiceError::Invalid(p)) => assert_eq!(p[0].field.zh(), "贴标日期"),
        other => panic!("a future sticker date was accepted: {other:?}"),
    }
}

#[test]
fn undoing_a_first_sticker_restores_it_exactly_with_no_date_left_behind() {
    let b = branch();
    let s = b.session("2001");
    let was = s.client(cno("C1")).unwrap().client.sticker;
    assert_eq!((was.done, was.on), (false, None));
    s.set_sticker(cno("C1"), true, Some(d(2020, 1, 1))).unwrap();
    let back = s.restore_sticker(cno("C1"), was).unwrap();
    assert_eq!((back.done, back.on), (false, None), "undo leaves no 原贴标 date");
    let stored = s.client(cno("C1")).unwrap().client.sticker;
    assert_eq!((stored.done, stored.on), (false, None));
    // The next sticker is today's, not the undone 2020-01-01.
    assert_eq!(s.set_sticker(cno("C1"), true, None).unwrap().on, Some(d(2026, 11, 18)));
}

#[test]
fn a_note_or_plan_pasted_with_cr_line_breaks_is_kept_as_lines_not_refused() {
    let b = branch();
    let s = b.session("2001");
    let logged = s
        .log_contact(ContactDraft {
            note: "客户在外地\r下周回来\r\n再约".into(), ..marketing("C1")
        })
        .unwrap();
    let card = s.client(cno("C1")).unwrap();
    let saved = card.contacts.iter().find(|c| c.contact.id == logged.contact).unwrap();
    assert_eq!(saved.contact.note, "客户在外地\n下周回来\n再约");
    s.save_draft(ContactDraft { note: "草稿\r第二行".into(), ..marketing("C2") }).unwrap();
    assert_eq!(s.draft(cno("C2")).unwrap().unwrap().note, "草稿\n第二行");
    s.set_plan(cno("C1"), "1. 上门\r2. 推荐养老理财".into()).unwrap();
    assert_eq!(s.client(cno("C1")).unwrap().client.plan, "1. 上门\n2. 推荐养老理财");
    // Other control characters are still refused, naming the field.
    match s.log_contact(ContactDraft { note: "响铃\u{7}".into(), ..marketing("C1") }) {
        Err(ServiceError::Invalid(p)) => assert_eq!(p[0].field.zh(), "备注"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn autosaving_a_draft_is_not_audited_and_discarding_one_is_once() {
    let b = branch();
    let s = b.session("2001");
    for note in ["客", "客户", "客户来电"] {
        s.save_draft(ContactDraft { note: note.into(), ..marketing("C1") }).unwrap();
    }
    let drafts = || {
        b.session("9001")
            .audit(mingdan::service::views::AuditFilter {
                action: Some(mingdan::domain::AuditAction::SaveDraft),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .filter(|r| r.actor == "2001")
            .count()
    };
    assert_eq!(drafts(), 0, "three autosaves, no audit lines");
    s.discard_draft(cno("C1")).unwrap();
    assert_eq!(drafts(), 1, "one line when it is thrown away unsent");
    s.discard_draft(cno("C1")).unwrap();
    assert_eq!(drafts(), 1, "nothing left to throw away, nothing recorded");
}

/// The client's open 唤醒 task, if any: (opened on, due, maintainer).
fn wake_up(b: &Branch, client: &str) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    let card = b.session("9001").client(cno(client)).unwrap();
    card.open_tasks.iter().find_map(|t| match t.kind() {
        TaskKind::Reactivate { since } => Some((since, t.due)),
        _ => None,
    })
}

fn set_status(b: &Branch, client: &str, status: mingdan::domain::ClientStatus) {
    let row = mingdan::service::imports::ClientRecord {
        line: 2,
        no: Some(cno(client)),
        status: Some(status),
        ..Default::default()
    };
    let out = b.session("9001").import_clients(vec![row], "状态.csv".into(), false, vec![]).unwrap();
    assert!(out.written, "{:?}", out.problems);
}

#[test]
fn a_client_the_register_says_fell_asleep_is_on_todays_wake_up_list_until_someone_reaches_them() {
    use mingdan::domain::ClientStatus;
    let b = branch();
    let s = b.session("2001");
    assert!(s.today().unwrap().reactivate.is_empty());
    // The preview says who will owe the wake-up call before anything is written.
    let row = mingdan::service::imports::ClientRecord {
        line: 2,
        no: Some(cno("C2")),
        status: Some(ClientStatus::Dormant),
        ..Default::default()
    };
    let preview = b.session("9001").import_clients(vec![row], "状态.csv".into(), true, vec![]).unwrap();
    let group = preview.changes.iter().find(|g| g.what == "唤醒任务").expect("a 唤醒任务 group");
    assert_eq!(group.lines, ["C2 曾小红：由 2001 王芳 在 30 天内联系"]);
    assert!(s.today().unwrap().reactivate.is_empty(), "a dry run writes nothing");
    set_status(&b, "C2", ClientStatus::Dormant);
    let today = d(2026, 11, 18);
    assert_eq!(wake_up(&b, "C2"), Some((today, d(2026, 12, 18))), "owed from the import, a month to do it");
    let list = s.today().unwrap().reactivate;
    assert_eq!(list.iter().map(|t| t.id.client.as_str()).collect::<Vec<_>>(), ["C2"]);
    // A second import saying the same changes nothing, and the next day's housekeeping adds none.
    set_status(&b, "C2", ClientStatus::Dormant);
    b.clock.advance(Duration::days(1));
    assert_eq!(s.today().unwrap().reactivate.len(), 1);

    // An unanswered call is not the wake-up call; a call that reaches them, about anything, is.
    let tried = s.log_contact(ContactDraft { outcome: Outcome::NoAnswer, ..marketing("C2") }).unwrap();
    assert!(tried.completed.is_empty());
    let reached = s.log_contact(draft("C2", Purpose::QuarterlyNotice)).unwrap();
    assert!(reached.completed.iter().any(|t| matches!(t.kind(), TaskKind::Reactivate { .. })));
    assert!(s.today().unwrap().reactivate.is_empty());
    // Still asleep the next day: the attempt was made, nothing new is owed.
    b.clock.advance(Duration::days(1));
    assert!(s.today().unwrap().reactivate.is_empty());
    assert_eq!(wake_up(&b, "C2"), None);
}

#[test]
fn a_client_that_wakes_by_itself_owes_no_wake_up_call_and_one_that_falls_asleep_again_owes_another() {
    use mingdan::domain::ClientStatus;
    let b = branch();
    let s = b.session("2001");
    set_status(&b, "C3", ClientStatus::Dormant);
    assert!(wake_up(&b, "C3").is_some());
    b.clock.advance(Duration::days(3));
    set_status(&b, "C3", ClientStatus::Active);
    assert_eq!(wake_up(&b, "C3"), None, "it woke: the open task is cancelled");
    assert!(s.today().unwrap().reactivate.is_empty());
    b.clock.advance(Duration::days(40));
    set_status(&b, "C3", ClientStatus::Dormant);
    assert_eq!(wake_up(&b, "C3").map(|w| w.0), Some(d(2026, 11, 18) + Duration::days(43)));
    // A dormant client given to a colleague who lets it run late: the miss is the first
    // maintainer's, and the receiver owes a fresh call from the handover.
    b.clock.advance(Duration::days(35));
    let head = b.session("1001");
    head.assign(vec![cno("C3")], Some(sno("2002")), "调整".into()).unwrap();
    let receiver = b.session("2002").today().unwrap().reactivate;
    assert_eq!(receiver.len(), 1);
    assert_eq!(receiver[0].id.kind, TaskKind::Reactivate { since: d(2026, 11, 18) + Duration::days(78) });
    assert!(s.today().unwrap().reactivate.is_empty(), "the giver cannot do it any more");
}
