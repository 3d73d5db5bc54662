//! Complaints (投诉) through the service: who may receive, move and reassign, the audit record
//! of each write, Today's owner and escalation lines, scope of lists, figures, and a complaint
//! surviving a restart. The branch is `common::branch()` (today Wednesday 2026-11-18 10:00)
//! plus branch manager 3001 and 西街's head 4001.

mod common;

use chrono::Duration;
use common::*;
use mingdan::domain::complaint::{
    Category, ComplaintChannel, ComplaintId, Feedback, NewComplaint, Satisfaction, Severity, Step,
};
use mingdan::domain::{AuditAction, Permission};
use mingdan::service::complaints::{ComplaintFilter, ComplaintReason, StepMove};
use mingdan::service::views::AuditFilter;
use mingdan::service::{Api, ServiceError};

fn with_managers() -> Branch {
    let b = branch();
    let admin = b.session("9001");
    admin.save_staff(staff("3001", "孙行长", "支行行长", "城关", Permission::Manager)).unwrap();
    admin.save_staff(staff("4001", "周杰", "网点负责人", "西街", Permission::Manager)).unwrap();
    b
}

fn new(client: &str, severity: Severity) -> NewComplaint {
    NewComplaint {
        client: cno(client),
        channel: ComplaintChannel::Counter,
        category: Category::Attitude,
        severity,
        said: "排队一个小时没人理".into(),
        asks: "要求道歉".into(),
        owner: None,
        draft: None,
    }
}

fn mv(step: Step) -> StepMove {
    StepMove { step, note: "已处理".into(), feedback: None, reclassify: None, next_owner: None }
}

fn audit_of(b: &Branch, action: AuditAction) -> Vec<mingdan::domain::AuditRecord> {
    b.session("9001")
        .audit(AuditFilter {
            actor: None,
            action: Some(action),
            from: None,
            to: None,
            target: None,
            limit: 0,
        })
        .unwrap()
}

#[test]
fn any_staff_member_receives_and_the_maintainer_classifies() {
    let b = with_managers();
    // 2002 takes the complaint at the counter about 2001's client C1.
    let row = b.session("2002").receive_complaint(new("C1", Severity::Normal)).unwrap();
    assert_eq!(row.step, Some(Step::Classify));
    assert_eq!(row.owner.as_ref().map(|o| o.no.as_str()), Some("2001"));
    assert_eq!(row.due, Some(d(2026, 11, 19)), "一般: 分类 within one working day");
    assert_eq!(row.client_name, "张伟");
    let recs = audit_of(&b, AuditAction::ReceiveComplaint);
    assert_eq!(recs.len(), 1);
    assert_eq!((recs[0].actor.as_str(), recs[0].target.as_str()), ("2002", "C1"));
    assert!(recs[0].detail.contains(&format!("投诉 {}", row.id)), "{}", recs[0].detail);
    // A client without maintainer: the receiver classifies.
    let row = b.session("2002").receive_complaint(new("C4", Severity::Normal)).unwrap();
    assert_eq!(row.owner.map(|o| o.no.to_string()), Some("2002".into()));
}

#[test]
fn bad_text_is_refused_and_nothing_is_written() {
    let b = with_managers();
    let s = b.session("2002");
    let mut n = new("C1", Severity::Normal);
    n.said = "排队\u{1b}[2K".into();
    match s.receive_complaint(n) {
        Err(ServiceError::Invalid(list)) => assert_eq!(list[0].field.zh(), "客户诉求"),
        other => panic!("{other:?}"),
    }
    let mut n = new("C1", Severity::Normal);
    n.said = "  ".into();
    assert!(matches!(s.receive_complaint(n), Err(ServiceError::Invalid(_))));
    let mut n = new("C1", Severity::Normal);
    n.asks = "字".repeat(501);
    assert!(matches!(s.receive_complaint(n), Err(ServiceError::Invalid(_))));
    assert!(matches!(s.receive_complaint(new("C404", Severity::Normal)), Err(ServiceError::NotFound(_))));
    assert!(b.session("1001").complaints(ComplaintFilter::All).unwrap().is_empty());
    assert!(audit_of(&b, AuditAction::ReceiveComplaint).is_empty());
}

#[test]
fn only_the_owner_or_a_manager_in_scope_moves_a_step_and_only_managers_reassign() {
    let b = with_managers();
    let id = b.session("2002").receive_complaint(new("C1", Severity::Serious)).unwrap().id;
    // 2002 received it but does not hold 分类; 西街's head manages another outlet.
    assert!(matches!(
        b.session("2002").advance_complaint(id, mv(Step::Classify)),
        Err(ServiceError::Denied(_))
    ));
    assert!(matches!(
        b.session("4001").advance_complaint(id, mv(Step::Classify)),
        Err(ServiceError::Denied(_))
    ));
    // The owner moves it on; the outlet head may too.
    let row = b.session("2001").advance_complaint(id, mv(Step::Classify)).unwrap();
    assert_eq!(row.step, Some(Step::Investigate));
    let row = b.session("1001").advance_complaint(id, mv(Step::Investigate)).unwrap();
    assert_eq!(row.step, Some(Step::Resolve));
    // A step sent twice is refused.
    assert!(matches!(
        b.session("2001").advance_complaint(id, mv(Step::Investigate)),
        Err(ServiceError::Invalid(_))
    ));
    // Staff may not reassign; managers out of scope may not; a reason is required.
    let s = b.session("2001");
    assert!(matches!(s.reassign_complaint(id, sno("2002"), "休假".into()), Err(ServiceError::Denied(_))));
    let head = b.session("4001");
    assert!(matches!(head.reassign_complaint(id, sno("2002"), "休假".into()), Err(ServiceError::Denied(_))));
    let head = b.session("1001");
    assert!(matches!(head.reassign_complaint(id, sno("2002"), " ".into()), Err(ServiceError::Invalid(_))));
    // A step stays with staff of the complaint's outlet: not another outlet's head (QA of #18).
    let err = head.reassign_complaint(id, sno("4001"), "请西街协助".into()).unwrap_err();
    assert!(err.to_string().contains("西街") && err.to_string().contains("城关"), "{err}");
    let far = StepMove { next_owner: Some(sno("4001")), ..mv(Step::Resolve) };
    let err = b.session("2001").advance_complaint(id, far).unwrap_err();
    assert!(err.to_string().contains("下一环节负责人") && err.to_string().contains("西街"), "{err}");
    let row = head.reassign_complaint(id, sno("2002"), "王芳休假".into()).unwrap();
    assert_eq!(row.owner.map(|o| o.no.to_string()), Some("2002".into()));
    assert!(matches!(
        b.session("2001").advance_complaint(id, mv(Step::Resolve)),
        Err(ServiceError::Denied(_))
    ));
    b.session("2002").advance_complaint(id, mv(Step::Resolve)).unwrap();
    let recs = audit_of(&b, AuditAction::AdvanceComplaint);
    assert_eq!(recs.len(), 3, "one record per move, none for refusals");
    let re = audit_of(&b, AuditAction::ReassignComplaint);
    assert_eq!(re.len(), 1);
    assert!(re[0].detail.contains("王芳休假"), "{}", re[0].detail);
}

#[test]
fn unsatisfied_reopens_with_the_outlet_head_on_their_today_and_satisfied_closes() {
    let b = with_managers();
    let s = b.session("2001");
    let id = s.receive_complaint(new("C2", Severity::Normal)).unwrap().id;
    for st in [Step::Classify, Step::Investigate, Step::Resolve] {
        s.advance_complaint(id, mv(st)).unwrap();
    }
    // No closing without the client's view.
    assert!(matches!(s.advance_complaint(id, mv(Step::Feedback)), Err(ServiceError::Invalid(_))));
    let told =
        |view| StepMove { feedback: Some(Feedback { told_on: d(2026, 11, 18), view }), ..mv(Step::Feedback) };
    let row = s.advance_complaint(id, told(Satisfaction::Unsatisfied)).unwrap();
    assert_eq!(row.step, Some(Step::Resolve));
    assert_eq!(row.owner.map(|o| o.no.to_string()), Some("1001".into()));
    assert_eq!(row.reopened, 1);
    let today = b.session("1001").today().unwrap();
    assert_eq!(today.complaints.len(), 1);
    assert_eq!(today.complaints[0].reason, ComplaintReason::Owner);
    assert_eq!(today.complaints[0].row.days_left, Some(3), "一般 处理: three working days");
    assert!(s.today().unwrap().complaints.is_empty());
    let head = b.session("1001");
    head.advance_complaint(id, mv(Step::Resolve)).unwrap();
    let row = head.advance_complaint(id, told(Satisfaction::Satisfied)).unwrap();
    assert_eq!(row.step, None);
    assert!(row.closed_at.is_some());
    assert!(head.today().unwrap().complaints.is_empty());
    assert!(matches!(head.advance_complaint(id, mv(Step::Feedback)), Err(ServiceError::Conflict(_))));
}

#[test]
fn an_overdue_step_reaches_the_outlet_head_and_for_the_most_serious_branch_management() {
    let b = with_managers();
    let serious = b.session("2002").receive_complaint(new("C1", Severity::Serious)).unwrap().id;
    let critical = b.session("2002").receive_complaint(new("C2", Severity::Critical)).unwrap().id;
    let owner = b.session("2001").today().unwrap();
    assert_eq!(owner.complaints.len(), 2);
    assert!(b.session("1001").today().unwrap().complaints.is_empty(), "nothing overdue yet");
    // Thursday: the 非常严重 one was due Wednesday, the 严重 one is due today.
    b.clock.advance(Duration::days(1));
    let head = b.session("1001").today().unwrap();
    assert_eq!(
        head.complaints.iter().map(|l| (l.row.id, l.reason)).collect::<Vec<_>>(),
        [(critical, ComplaintReason::OutletHead)]
    );
    let branch = b.session("3001").today().unwrap();
    assert_eq!(
        branch.complaints.iter().map(|l| (l.row.id, l.reason)).collect::<Vec<_>>(),
        [(critical, ComplaintReason::Branch)]
    );
    assert!(b.session("4001").today().unwrap().complaints.is_empty(), "another outlet's head");
    // Friday: the 严重 one is overdue too, for the outlet head only.
    b.clock.advance(Duration::days(1));
    let head = b.session("1001").today().unwrap();
    assert_eq!(head.complaints.len(), 2);
    assert!(head.complaints.iter().any(|l| l.row.id == serious && l.row.overdue));
    assert_eq!(b.session("3001").today().unwrap().complaints.len(), 1);
    let overdue = b.session("1001").complaints(ComplaintFilter::Overdue).unwrap();
    assert_eq!(overdue.len(), 2);
}

#[test]
fn staff_see_their_own_and_their_clients_complaints_managers_their_scope() {
    let b = with_managers();
    let id = b.session("2002").receive_complaint(new("C1", Severity::Normal)).unwrap().id;
    let other = staff("2003", "陈静", "柜员", "城关", Permission::Staff);
    b.session("9001").save_staff(other).unwrap();
    assert_eq!(b.session("2001").complaints(ComplaintFilter::Open).unwrap().len(), 1, "maintainer and owner");
    assert_eq!(b.session("2002").complaints(ComplaintFilter::Open).unwrap().len(), 1, "receiver");
    assert!(b.session("2003").complaints(ComplaintFilter::All).unwrap().is_empty());
    assert!(matches!(b.session("2003").complaint(id), Err(ServiceError::Denied(_))));
    assert!(b.session("4001").complaints(ComplaintFilter::All).unwrap().is_empty(), "another outlet");
    assert_eq!(b.session("3001").complaints(ComplaintFilter::All).unwrap().len(), 1);
    assert_eq!(b.session("1001").complaint(id).unwrap().complaint.runs.len(), 2);
}

#[test]
fn a_complaint_survives_a_restart_and_the_store_checks_clean() {
    let b = with_managers();
    let s = b.session("2001");
    let id = s.receive_complaint(new("C3", Severity::Normal)).unwrap().id;
    s.advance_complaint(id, mv(Step::Classify)).unwrap();
    b.session("1001").reassign_complaint(id, sno("2002"), "调查需柜面协助".into()).unwrap();
    let before = b.session("1001").complaint(id).unwrap();
    drop(s);
    let b = b.reopen();
    let after = b.session("1001").complaint(id).unwrap();
    assert_eq!(before, after);
    assert_eq!(after.complaint.runs.len(), 3);
    assert_eq!(after.complaint.runs[2].reassigned[0].reason, "调查需柜面协助");
    assert_eq!(after.names.get(&sno("2002")).map(String::as_str), Some("李强"));
    assert_eq!(b.session("2002").today().unwrap().complaints.len(), 1);
    let report = b.session("9001").check().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert!(matches!(b.session("1001").complaint(ComplaintId(999_999)), Err(ServiceError::NotFound(_))));
}

/// Issue #18: an unfinished receive form (受理) is kept per staff member and client in the
/// store, survives a restart, is seen by its author alone, is refused with bad text, and goes
/// when the complaint is received (in the same write) or is discarded (audited once).
#[test]
fn a_receive_draft_survives_a_restart_is_its_authors_alone_and_goes_when_received() {
    let b = with_managers();
    let s = b.session("2002");
    let mut half = new("C1", Severity::Serious);
    half.asks = String::new();
    half.said = "理财到期没有".into();
    s.save_complaint_draft(half.clone()).unwrap();
    // Another client's form keeps its own; an empty 客户诉求 is kept (not got that far yet).
    s.save_complaint_draft(NewComplaint { said: String::new(), ..new("C2", Severity::Normal) }).unwrap();
    // Bad text never reaches the store: the field is named and the kept draft is unchanged.
    let mut bad = half.clone();
    bad.said = "理财\u{1b}[2K".into();
    match s.save_complaint_draft(bad) {
        Err(ServiceError::Invalid(list)) => assert_eq!(list[0].field.zh(), "客户诉求"),
        other => panic!("{other:?}"),
    }
    bad = half.clone();
    bad.asks = "退".repeat(5000);
    assert!(matches!(s.save_complaint_draft(bad), Err(ServiceError::Invalid(_))));
    assert!(matches!(s.save_complaint_draft(new("C999", Severity::Normal)), Err(ServiceError::NotFound(_))));
    drop(s);
    let b = b.reopen();
    let s = b.session("2002");
    let kept = s.complaint_draft(cno("C1")).unwrap().expect("kept over the restart");
    assert_eq!(kept.form, half);
    assert_eq!(kept.saved_at, Some(d(2026, 11, 18).and_hms_opt(10, 0, 0).unwrap()));
    // Only its author sees it: the maintainer and the outlet head open an empty form.
    assert_eq!(b.session("2001").complaint_draft(cno("C1")).unwrap(), None);
    assert_eq!(b.session("1001").complaint_draft(cno("C1")).unwrap(), None);
    assert!(audit_of(&b, AuditAction::SaveDraft).is_empty(), "keeping a draft is not audited");
    let report = b.session("9001").check().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    // Received: the draft is gone with the same write; the other client's stays.
    s.receive_complaint(NewComplaint { asks: "给个说法".into(), ..half }).unwrap();
    assert_eq!(s.complaint_draft(cno("C1")).unwrap(), None);
    assert!(s.complaint_draft(cno("C2")).unwrap().is_some());
    // Discarded on purpose: gone, audited once; discarding nothing audits nothing.
    s.discard_complaint_draft(cno("C2")).unwrap();
    s.discard_complaint_draft(cno("C2")).unwrap();
    assert_eq!(s.complaint_draft(cno("C2")).unwrap(), None);
    // Under its own action, not 保存草稿 (QA of #18, E9h).
    assert!(audit_of(&b, AuditAction::SaveDraft).is_empty());
    let recs = audit_of(&b, AuditAction::DiscardDraft);
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!((recs[0].actor.as_str(), recs[0].target.as_str()), ("2002", "C2"));
    assert!(recs[0].detail.contains("投诉受理草稿"), "{}", recs[0].detail);
}

/// QA of #18 (E6, E9b): the step's owner takes the next step by default only while they may:
/// 2002 classifies C4's complaint, then moves to another outlet. The picker and an advance naming nobody give
/// the next step to the outlet head 1001, never to 2002; neither offers the administrator 9001
/// nor branch manager 3001, who sit at 城关 but do not take steps.
#[test]
fn a_step_named_to_nobody_never_goes_to_an_owner_who_left_and_the_picker_leaves_out_oversight() {
    let b = with_managers();
    let id = b.session("2002").receive_complaint(new("C4", Severity::Normal)).unwrap().id;
    let head = b.session("1001");
    let names = |s: &mingdan::service::Session| -> Vec<String> {
        s.next_owners(id).unwrap().into_iter().map(|o| o.no.to_string()).collect()
    };
    assert_eq!(names(&head), ["2002", "1001", "2001"], "owner first while active; no 3001, no 9001");
    // Moved to 西街 (stopping someone who owns a step is refused: see the test below).
    b.session("9001").save_staff(staff("2002", "李强", "柜员", "西街", Permission::Staff)).unwrap();
    assert_eq!(names(&head), ["1001", "2001"], "the head takes over the default");
    let row = head.advance_complaint(id, mv(Step::Classify)).unwrap();
    assert_eq!(
        (row.step, row.owner.map(|o| o.no.to_string())),
        (Some(Step::Investigate), Some("1001".into()))
    );
}

/// QA of #18 (E4): two sessions of one person hold the same receive form (a reconnect while the
/// old process runs). One receives it; the other's later autosave must not bring it back, nor its
/// Ctrl-S make the complaint twice: both are refused naming the complaint, and the form is never
/// offered again. A new form for the same client is another form.
#[test]
fn a_receive_form_received_in_one_session_is_neither_kept_nor_received_again_from_another() {
    use mingdan::domain::complaint::DraftId;
    let b = with_managers();
    let a = b.session("2002");
    let old = b.session("2002");
    let form = NewComplaint { draft: Some(DraftId(77)), ..new("C1", Severity::Serious) };
    old.save_complaint_draft(form.clone()).unwrap();
    let opened = a.complaint_draft(cno("C1")).unwrap().expect("offered to the new session");
    assert_eq!(opened.form.draft, Some(DraftId(77)));
    let id = a.receive_complaint(opened.form.clone()).unwrap().id;
    assert_eq!(a.complaint(id).unwrap().complaint.from_draft, Some(DraftId(77)));

    let later = NewComplaint { asks: "要求道歉，再加一句".into(), ..form.clone() };
    match old.save_complaint_draft(later.clone()) {
        Err(ServiceError::Conflict(m)) => assert!(m.contains(&format!("已受理为投诉 {id}")), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.complaint_draft(cno("C1")).unwrap(), None, "not offered back");
    assert!(a.complaint_drafts().unwrap().is_empty(), "nor named at start-up");
    assert!(matches!(old.receive_complaint(later), Err(ServiceError::Conflict(_))));
    assert_eq!(a.complaints(ComplaintFilter::All).unwrap().len(), 1, "no duplicate complaint");

    // Another form for the same client is kept and received as usual.
    let other = NewComplaint { draft: Some(DraftId(78)), ..new("C1", Severity::Normal) };
    a.save_complaint_draft(other.clone()).unwrap();
    assert!(a.complaint_draft(cno("C1")).unwrap().is_some());
    a.receive_complaint(other).unwrap();
    assert_eq!(a.complaints(ComplaintFilter::All).unwrap().len(), 2);
}

/// Issue #18: a satisfaction score counts for the maintainer who owed the survey or held the
/// client, as every other figure does, not for the colleague who recorded it. Hand-worked:
/// - 2002 surveys 2001's C1 (score 2): completes C1's Q4 survey, owed by 2001 → 2001;
///   C1 is then handed to 2002, which moves nothing (the task was done while 2001 owed it);
/// - 2001 surveys C2 (4) → 2001;
/// - 2002 records a score of 5 on a callback for 2001's C3 (no survey task) → C3's holder, 2001;
/// - 2002 scores unassigned C4 (3): nobody holds it, so it stays with who recorded it → 2002.
///
/// 2001: 2+4+5 = 11 over 3 → 3.7; 2002: 3 over 1; branch and 城关: 14 over 4 → 3.5.
#[test]
fn survey_scores_count_for_whoever_owed_the_survey_or_held_the_client_not_who_recorded_them() {
    use mingdan::domain::Purpose;
    let b = with_managers();
    let (w, l) = (b.session("2001"), b.session("2002"));
    let scored = |client: &str, purpose, score| {
        let mut c = draft(client, purpose);
        c.satisfaction = Some(score);
        c
    };
    l.log_contact(scored("C1", Purpose::Survey, 2)).unwrap();
    w.log_contact(scored("C2", Purpose::Survey, 4)).unwrap();
    b.session("1001").assign(vec![cno("C1")], Some(sno("2002")), "调岗".into()).unwrap();
    l.log_contact(scored("C3", Purpose::Callback, 5)).unwrap();
    l.log_contact(scored("C4", Purpose::Survey, 3)).unwrap();
    let f = b.session("3001").complaint_figures(None).unwrap();
    let mine = f.staff_scores.get(&sno("2001")).copied().unwrap_or_default();
    assert_eq!((mine.scores, mine.sum, mine.mean_tenths()), (3, 11, Some(37)));
    let theirs = f.staff_scores.get(&sno("2002")).copied().unwrap_or_default();
    assert_eq!((theirs.scores, theirs.sum), (1, 3), "only the unheld client's score");
    let branch = f.branch_scores.expect("branch management");
    assert_eq!((branch.scores, branch.mean_tenths()), (4, Some(35)));
    let outlet = f.outlet_scores.get(&mingdan::domain::OutletId::parse("城关").unwrap()).copied();
    assert_eq!(outlet.map(|o| o.scores), Some(4));
    // 员工绩效 counts the same way: contacts for who made them, scores for who owed them.
    let p = b.session("3001").performance(None).unwrap();
    let (w, l) = (&p.staff[&sno("2001")], &p.staff[&sno("2002")]);
    assert_eq!((w.contacts, w.satisfaction_count, w.satisfaction_sum), (1, 3, 11));
    assert_eq!((l.contacts, l.satisfaction_count, l.satisfaction_sum), (3, 1, 3));
}

/// Issue #18: complaints per 1,000 clients divide by the clients on rosters, by the maintainer's
/// outlet — today's during the quarter, those held at its end once it is over — so the figure a
/// manager watched during the quarter is the figure the quarter keeps. Hand-worked: in 2026Q4 C1
/// and C2 (both 王芳 2001's, who holds C1–C3; C4 is on no roster) complain: 2001 and 城关 both
/// 2 / 3 × 1000 = 666.7‰ (C4, on no roster, is in neither base). The first request of 2027
/// freezes Q4 — the same 666.7‰ — then all three are handed to 李强 2002, and Q4 still reads
/// 2001's 666.7‰ (today 2001 holds none). Q3, never frozen, has no per-1,000 figure and says so.
#[test]
fn a_past_quarters_per_thousand_divides_by_the_clients_held_at_its_end() {
    use mingdan::domain::{OutletId, Quarter};
    use mingdan::service::complaints::PerThousandBase;
    use mingdan::service::views::ReportKind;
    let b = with_managers();
    let s = b.session("2002");
    s.receive_complaint(new("C1", Severity::Normal)).unwrap();
    s.receive_complaint(new("C2", Severity::Normal)).unwrap();
    let now = b.session("3001").complaint_figures(None).unwrap();
    assert_eq!(now.base, PerThousandBase::Today);
    let chengguan = OutletId::parse("城关").unwrap();
    let outlet = |v: &mingdan::service::complaints::ComplaintFiguresView| {
        v.outlets.iter().find(|(o, _)| *o == chengguan).map(|(_, f)| f.clone()).unwrap()
    };
    let during = outlet(&now);
    assert_eq!((during.clients, during.per_thousand_tenths()), (3, Some(6667)), "on rosters, not all 4");
    b.clock.advance(Duration::days(45)); // 2027-01-02
    let m = b.session("3001");
    m.today().unwrap(); // the first request of the new quarter freezes 2026Q4
    let ended = m.complaint_figures(Some(Quarter::new(2026, 4).unwrap())).unwrap();
    let kept = outlet(&ended);
    assert_eq!(
        (kept.received, kept.clients, kept.per_thousand_tenths()),
        (during.received, during.clients, during.per_thousand_tenths()),
        "the quarter keeps the per-1,000 watched during it"
    );
    m.assign(vec![cno("C1"), cno("C2"), cno("C3")], Some(sno("2002")), "调岗".into()).unwrap();
    let q4 = m.complaint_figures(Some(Quarter::new(2026, 4).unwrap())).unwrap();
    assert_eq!(q4.base, PerThousandBase::QuarterEnd);
    let staff = |no: &str| q4.staff.iter().find(|(s, _)| s.no.as_str() == no).map(|(_, f)| f.clone());
    let w = staff("2001").expect("2001 held them at the quarter's end");
    assert_eq!((w.received, w.clients, w.per_thousand_tenths()), (2, 3, Some(6667)));
    assert!(staff("2002").is_none_or(|f| f.clients == 0), "2002 held none then");
    let o = outlet(&q4);
    assert_eq!((o.received, o.clients, o.per_thousand_tenths()), (2, 3, Some(6667)));
    assert_eq!(q4.branch.as_ref().map(|f| f.clients), Some(3));
    let report = m.report(ReportKind::Complaints, Some(Quarter::new(2026, 4).unwrap()), "-".into()).unwrap();
    assert!(report.title.contains("季末名单"), "{}", report.title);
    // Q3 ended before this store ran: nothing frozen, so no per-1,000 rather than today's base.
    let q3 = m.complaint_figures(Some(Quarter::new(2026, 3).unwrap())).unwrap();
    assert_eq!(q3.base, PerThousandBase::Missing);
    assert!(q3.branch.as_ref().is_some_and(|f| f.clients == 0 && f.per_thousand_tenths().is_none()));
    let report = m.report(ReportKind::Complaints, Some(Quarter::new(2026, 3).unwrap()), "-".into()).unwrap();
    assert!(report.title.contains("没有季末冻结的名单"), "{}", report.title);
    // Its scores can only follow today's rosters, and it says so (tester's E2).
    assert!(report.title.contains("满意度按现在的维护人归属"), "{}", report.title);
    // Its roster counts are unknown: blank, not 0 clients (E9a).
    let outlets = &report.sheets[0];
    let col = outlets.headers.iter().position(|h| h == "名单客户数").unwrap();
    assert!(
        outlets.rows.iter().all(|r| r[col] == mingdan::service::views::ReportCell::Empty),
        "{:?}",
        outlets.rows
    );
}

#[test]
fn figures_are_for_managers_within_their_scope() {
    let b = with_managers();
    let s = b.session("2001");
    let id = s.receive_complaint(new("C1", Severity::Normal)).unwrap().id;
    s.receive_complaint(new("C1", Severity::Normal)).unwrap();
    for st in [Step::Classify, Step::Investigate, Step::Resolve] {
        s.advance_complaint(id, mv(st)).unwrap();
    }
    let fb = Feedback { told_on: d(2026, 11, 18), view: Satisfaction::Satisfied };
    s.advance_complaint(id, StepMove { feedback: Some(fb), ..mv(Step::Feedback) }).unwrap();
    assert!(matches!(s.complaint_figures(None), Err(ServiceError::Denied(_))));
    let mut survey = draft("C2", mingdan::domain::Purpose::Survey);
    survey.satisfaction = Some(4);
    s.log_contact(survey).unwrap();
    let f = b.session("3001").complaint_figures(None).unwrap();
    let scores = f.branch_scores.expect("branch management sees the branch's scores");
    assert_eq!((scores.scores, scores.mean_tenths()), (1, Some(40)));
    assert_eq!(f.staff_scores[&sno("2001")], scores);
    assert_eq!(f.as_of, d(2026, 11, 18));
    let branch = f.branch.expect("branch management sees the branch");
    // C4 is on no roster: the base is the 3 roster clients.
    assert_eq!((branch.received, branch.clients, branch.repeat), (2, 3, 1));
    assert_eq!((branch.closed, branch.closed_within_level, branch.satisfied), (1, 1, 1));
    assert_eq!(branch.per_thousand_tenths(), Some(6667), "2 per 3 clients = 666.7‰");
    let mine = &f.staff.iter().find(|(s, _)| s.no.as_str() == "2001").unwrap().1;
    assert_eq!((mine.received, mine.clients), (2, 3));
    let head = b.session("4001").complaint_figures(None).unwrap();
    assert!(head.branch.is_none());
    assert!(head.outlets.is_empty(), "西街 has no complaints; 城关 is not in scope");
    assert!(head.branch_scores.is_none() && head.outlet_scores.is_empty() && head.staff_scores.is_empty());
}

#[test]
fn the_complaints_workbook_has_outlet_staff_and_list_sheets_under_a_title_row() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    use mingdan::service::views::ReportKind;
    let b = with_managers();
    b.session("2002").receive_complaint(new("C1", Severity::Critical)).unwrap();
    assert!(matches!(
        b.session("2001").report(ReportKind::Complaints, None, "-".into()),
        Err(ServiceError::Denied(_))
    ));
    let report = b.session("3001").report(ReportKind::Complaints, None, "/tmp/投诉.xlsx".into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("投诉.xlsx");
    mingdan::report::write_report(&path, false, &report).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    for name in ["网点", "员工", "投诉明细"] {
        let sheet = wb.worksheet_range(name).unwrap();
        let title = sheet.get((0, 0)).cloned();
        assert_eq!(
            title,
            Some(Data::String(format!("城关、西街 · 2026Q4 投诉与服务质量 · {name} · 截至 2026-11-18")))
        );
    }
    let outlets = wb.worksheet_range("网点").unwrap();
    assert_eq!(outlets.get((2, 0)), Some(&Data::String("城关".into())));
    assert_eq!(outlets.get((2, 1)), Some(&Data::Float(1.0)), "one complaint received");
    let list = wb.worksheet_range("投诉明细").unwrap();
    assert_eq!(list.get((2, 6)), Some(&Data::String("非常严重".into())));
    // The export is audited with its file.
    let recs = audit_of(&b, AuditAction::Export);
    assert!(recs.iter().any(|r| r.target == "/tmp/投诉.xlsx"), "{recs:?}");
}

/// `mingdan complaints list` on a demo store, as a script reads it: a header row, then one
/// tab-separated complaint a line, overdue ones first; `--overdue` only those.
#[test]
fn the_cli_lists_complaints_tab_separated_with_overdue_first() {
    let dir = StoreDir::new();
    {
        let clock = std::sync::Arc::new(mingdan::service::FixedClock::at(at(d(2026, 11, 18), 10, 0)));
        let service = mingdan::service::Service::create(dir.path(), clock).unwrap();
        service.seed_demo(2000, 42).unwrap();
    }
    let run = |args: &[&str]| {
        let store = dir.path().to_str().unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_mingdan"))
            .args(["--store", store, "--as", "8001", "complaints", "list"])
            .args(args)
            .env_remove("MINGDAN_SOCKET")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let all = run(&[]);
    let lines: Vec<Vec<&str>> = all.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines[0][0], "投诉编号");
    assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{all}");
    assert!(lines.len() > 12, "{all}");
    let overdue_col = lines[0].iter().position(|h| *h == "已超时").unwrap();
    // Overdue first: once a line is not overdue, none after it is.
    let flags: Vec<bool> = lines[1..].iter().map(|l| l[overdue_col] == "是").collect();
    // The days column says what it holds: working days left, or calendar days late as a
    // negative number (QA of #18, E9g: labelled 剩余工作日 while showing -7 calendar days).
    let days_col =
        lines[0].iter().position(|h| *h == "剩余天数（工作日；超时为负的日历日）").expect("days column");
    assert!(lines[1][days_col].starts_with('-'), "the first, overdue, counts back: {all}");
    assert!(flags[0] && flags.windows(2).all(|w| w[0] || !w[1]), "{all}");
    let overdue = run(&["--overdue"]);
    assert_eq!(overdue.lines().count() - 1, flags.iter().filter(|f| **f).count());
}

/// Seed 000: every closed complaint is followed up. Closing one puts a survey on the client's
/// maintainer's Today a week on; a survey contact with the client's score completes it.
#[test]
fn a_closed_complaint_leaves_a_follow_up_survey_that_a_scored_survey_contact_completes() {
    use mingdan::domain::{Purpose, SurveyFor, TaskKind};
    let b = with_managers();
    // The follow-ups on 2001's Today (C1, 重要, also owes this quarter's scheduled survey).
    let follow_ups = |s: &mingdan::service::Session| -> Vec<mingdan::service::views::TaskView> {
        let all = s.today().unwrap().surveys;
        all.into_iter().filter(|t| matches!(t.id.kind, TaskKind::Survey(SurveyFor::Complaint(_)))).collect()
    };
    // Received by 2002, handled by 2001 (C1's maintainer) to the end.
    let id = b.session("2002").receive_complaint(new("C1", Severity::Normal)).unwrap().id;
    let s = b.session("2001");
    for st in [Step::Classify, Step::Investigate, Step::Resolve] {
        s.advance_complaint(id, mv(st)).unwrap();
    }
    assert!(follow_ups(&s).is_empty(), "nothing to follow up while open");
    let fb = Feedback { told_on: d(2026, 11, 18), view: Satisfaction::Satisfied };
    s.advance_complaint(id, StepMove { feedback: Some(fb), ..mv(Step::Feedback) }).unwrap();
    let surveys = follow_ups(&s);
    assert_eq!(surveys.len(), 1);
    assert_eq!(surveys[0].id.kind, TaskKind::Survey(SurveyFor::Complaint(id)));
    assert_eq!(surveys[0].due, d(2026, 11, 25));
    assert!(audit_of(&b, AuditAction::AdvanceComplaint)[0].detail.contains("满意度调查"));
    // Without a score the survey is not done; with one it is.
    let mut call = draft("C1", Purpose::Survey);
    call.satisfaction = None;
    s.log_contact(call).unwrap();
    assert_eq!(follow_ups(&s).len(), 1);
    b.clock.advance(Duration::days(2));
    s.log_contact(draft("C1", Purpose::Survey)).unwrap();
    let c1_left = s.today().unwrap().surveys.into_iter().filter(|t| t.id.client == cno("C1")).count();
    assert_eq!(c1_left, 0, "the scheduled one is done by the same call");
    assert!(b.session("9001").check().unwrap().is_ok());
}

/// Service levels are branch management's to change, audited, checked, and apply to steps that
/// start afterwards; a step already started keeps its deadline.
#[test]
fn service_levels_are_set_by_branch_management_and_apply_to_steps_started_afterwards() {
    use mingdan::domain::complaint::ServiceLevels;
    let b = with_managers();
    let before = b.session("2001").receive_complaint(new("C1", Severity::Normal)).unwrap();
    let was = b.session("2001").service_levels().unwrap();
    assert_eq!(was, ServiceLevels::default());
    let mut faster = was.clone();
    faster.days.insert(Severity::Normal, [0, 0, 1, 1, 1]);
    assert!(matches!(
        b.session("1001").set_service_levels(faster.clone(), was.clone()),
        Err(ServiceError::Denied(_))
    ));
    let mut silly = was.clone();
    silly.days.insert(Severity::Normal, [0, 0, 99, 1, 1]);
    assert!(matches!(
        b.session("3001").set_service_levels(silly, was.clone()),
        Err(ServiceError::Invalid(_))
    ));
    b.session("3001").set_service_levels(faster.clone(), was.clone()).unwrap();
    // Edited from a stale copy: refused.
    assert!(matches!(
        b.session("3001").set_service_levels(was.clone(), was.clone()),
        Err(ServiceError::Conflict(_))
    ));
    let recs = audit_of(&b, AuditAction::SetRules);
    assert!(recs[0].detail.contains("一般 1/1/3/3/2→0/0/1/1/1"), "{}", recs[0].detail);
    let after = b.session("2001").receive_complaint(new("C2", Severity::Normal)).unwrap();
    assert_eq!(after.due, Some(d(2026, 11, 18)), "分类 now the same working day");
    let kept = b.session("2001").complaint(before.id).unwrap().row.due;
    assert_eq!(kept, Some(d(2026, 11, 19)), "a step already started keeps its deadline");
    let b = b.reopen();
    assert_eq!(b.session("2002").service_levels().unwrap(), faster);
}

/// The client card carries the satisfaction trend (scores by quarter) and the client's
/// complaints the viewer may see.
#[test]
fn the_card_shows_the_satisfaction_trend_and_the_clients_complaints() {
    use mingdan::domain::Purpose;
    let b = with_managers();
    let s = b.session("2001");
    let mut call = draft("C1", Purpose::Survey);
    call.satisfaction = Some(4);
    s.log_contact(call).unwrap();
    s.log_contact(draft("C1", Purpose::Survey)).unwrap();
    let id = b.session("2002").receive_complaint(new("C1", Severity::Serious)).unwrap().id;
    let card = s.client(cno("C1")).unwrap();
    let q4 = card.satisfaction.last().unwrap();
    assert_eq!((q4.quarter.to_string(), q4.scores, q4.mean_tenths), ("2026Q4".into(), 2, Some(45)));
    assert_eq!(card.satisfaction.len(), 4);
    assert_eq!(card.complaints.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    // Someone with no part in it and no manager of its outlet sees the card, not the complaint.
    assert!(b.session("4001").client(cno("C1")).unwrap().complaints.is_empty());
}

/// The outlet head's Today lists the steps escalated to them most overdue first, whatever order
/// they were received in (QA of #18: 逾期2天 above 逾期3天).
#[test]
fn escalated_steps_on_the_heads_today_come_most_overdue_first() {
    let b = with_managers();
    let later = b.session("2002").receive_complaint(new("C1", Severity::Normal)).unwrap().id; // 分类 due 11-19
    let sooner = b.session("2002").receive_complaint(new("C2", Severity::Critical)).unwrap().id; // due 11-18
    assert!(later < sooner);
    b.clock.advance(chrono::Duration::days(2)); // Friday 11-20: both overdue
    let lines = b.session("1001").today().unwrap().complaints;
    let ids: Vec<_> = lines.iter().map(|l| l.row.id).collect();
    assert_eq!(ids, [sooner, later], "{lines:?}");
}

/// Scheduled surveys (seed 000: 重要客户 跟踪服务满意度; 普通客户 定期进行客户满意度调查): the daily
/// housekeeping puts this quarter's survey on the maintainer's Today for every 重要 roster client,
/// due on the quarter's last day, and the next quarter's once it starts; a client joining a roster
/// in the quarter's last 15 days owes none that quarter, like the quarterly notice.
#[test]
fn scheduled_surveys_reach_the_maintainers_today_each_quarter_and_keep_the_notice_grace() {
    use mingdan::domain::{Quarter, SurveyFor, TaskKind};
    let b = branch();
    let s = b.session("2001");
    let period = |s: &mingdan::service::Session, q: Quarter| -> Vec<String> {
        let mut v: Vec<String> = s
            .today()
            .unwrap()
            .surveys
            .into_iter()
            .filter(|t| t.id.kind == TaskKind::Survey(SurveyFor::Period(q)))
            .map(|t| {
                assert_eq!(t.due, q.last_day());
                t.id.client.to_string()
            })
            .collect();
        v.sort();
        v
    };
    let q4 = Quarter::new(2026, 4).unwrap();
    assert_eq!(period(&s, q4), ["C1", "C2", "C3"], "C1..C3 are 重要 and 2001's; C4 has no maintainer");
    assert!(b.session("2002").today().unwrap().surveys.is_empty(), "not on anyone else's Today");

    // C4 joins 2002's roster with 14 days of the quarter left: no survey this quarter.
    b.clock.advance(Duration::days(30)); // 12-18
    b.session("1001").assign(vec![cno("C4")], Some(sno("2002")), "调整".into()).unwrap();
    let s2 = b.session("2002");
    assert!(s2.today().unwrap().surveys.is_empty(), "joined in the grace days");

    // The next quarter: everyone's new survey, C4's included, written by the housekeeping.
    b.clock.advance(Duration::days(15)); // 2027-01-02
    let q1 = Quarter::new(2027, 1).unwrap();
    assert_eq!(period(&s, q1), ["C1", "C2", "C3"]);
    assert_eq!(period(&s2, q1), ["C4"], "C4 is 重要 too");
    let ensured = audit_of(&b, AuditAction::EnsureTasks);
    assert!(ensured.iter().any(|r| r.detail.contains("满意度调查任务 4 个")), "{ensured:?}");
    assert!(b.session("9001").check().unwrap().is_ok());
}

/// Listing a quarter not yet begun is refused, as the figures and the report refuse it (QA of
/// #18: an empty list read as "no complaints").
#[test]
fn a_future_quarters_complaints_are_refused_not_listed_empty() {
    let b = with_managers();
    let s = b.session("1001");
    let next = mingdan::domain::Quarter::new(2027, 1).unwrap();
    let err = s.complaints(ComplaintFilter::Quarter(next)).unwrap_err();
    assert!(err.to_string().contains("还没有开始"), "{err}");
    assert!(s.complaints(ComplaintFilter::Quarter(next.prev())).is_ok());
}

/// QA of #18, F6: a client of 城关 handed to a maintainer at 西街 complains; 分类 must not go to
/// that maintainer (another outlet's staff may not take the complaint's steps) but, by the same
/// rule as every later step, to the receiver when they may take it; and a named owner of another
/// outlet is refused, naming both outlets.
#[test]
fn receiving_gives_classification_only_to_staff_of_the_clients_outlet() {
    let b = with_managers();
    let admin = b.session("9001");
    admin.save_staff(staff("4002", "吴刚", "柜员", "西街", Permission::Staff)).unwrap();
    b.session("9001").assign(vec![cno("C1")], Some(sno("4002")), "搬家".into()).unwrap();
    let row = b.session("2002").receive_complaint(new("C1", Severity::Normal)).unwrap();
    assert_eq!(
        row.owner.map(|o| o.no.to_string()).as_deref(),
        Some("2002"),
        "the receiver at 城关, not 吴刚 of 西街"
    );
    let named = NewComplaint { owner: Some(sno("4002")), ..new("C1", Severity::Normal) };
    let err = b.session("2002").receive_complaint(named).unwrap_err().to_string();
    assert!(err.contains("西街") && err.contains("城关"), "{err}");
    // A receiver who may not take it (branch management) passes it on by the same rule.
    let row = b.session("3001").receive_complaint(new("C1", Severity::Normal)).unwrap();
    assert_ne!(
        row.owner.map(|o| o.no.to_string()).as_deref(),
        Some("3001"),
        "branch management oversees, it does not take steps"
    );
}

/// QA of #18, F1: a staff member who owns an open complaint step is not stopped — neither by
/// saving them nor by a staff list import — until a manager has given the step to someone else;
/// otherwise the step sits on nobody's Today until it is overdue.
#[test]
fn staff_owning_an_open_step_are_not_stopped_until_it_is_reassigned() {
    use mingdan::service::imports::StaffRecord;
    let b = with_managers();
    let admin = b.session("9001");
    let id = b.session("2002").receive_complaint(new("C4", Severity::Normal)).unwrap().id;
    let mut li = admin.list_staff().unwrap().into_iter().find(|s| s.no.as_str() == "2002").unwrap();
    li.active = false;
    let err = admin.save_staff(li.clone()).unwrap_err().to_string();
    assert!(err.contains(&id.to_string()) && err.contains("改派"), "{err}");
    let row = StaffRecord {
        line: 2,
        no: li.no.clone(),
        name: li.name.clone(),
        role: li.role.clone(),
        outlet: li.outlet.clone(),
        login: li.login.clone(),
        permission: Some(li.permission),
        scope: Some(li.scope),
        active: Some(false),
    };
    let out = admin.import_staff(vec![row], "名录.csv".into(), false).unwrap();
    assert!(!out.written && out.problems.iter().any(|p| p.reason.contains("改派")), "{out:?}");
    b.session("1001").reassign_complaint(id, sno("2001"), "李强调离".into()).unwrap();
    admin.save_staff(li).unwrap();
}
