//! Figures managers can trust (issue #12 points 1, 2, 5, 8), worked by hand on a fixed clock:
//! who owes a task after a handover, what a quarter's end does, percentages and their targets,
//! and callbacks reset by any reached contact. Today and the coverage report must agree for
//! every staff member of the demo.

mod common;

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use common::*;
use mingdan::domain::coverage::{Figures, Period, Ratio, figures, launches_in};
use mingdan::domain::task::{apply_contact, move_client, owed};
use mingdan::domain::*;
use mingdan::service::imports::ClientRecord;
use mingdan::service::views::{
    AuditFilter, CoverageView, FigureBasis, ReportCell, ReportKind, ResultsFigure, RosterFilter, RosterSort,
};
use mingdan::service::{Api, FixedClock, Service, Session};

/// Admin 9001, manager 1001, tellers 2001 (the giver) and 2002 (the receiver) at 城关; clients
/// K00..K{n-1}, all 重要客户 with 2001, imported at 09:00 on `day`, plus U1 unassigned.
struct Desk {
    _dir: StoreDir,
    clock: Arc<FixedClock>,
    service: Arc<Service>,
}

impl Desk {
    fn new(day: NaiveDate, n: usize) -> Desk {
        let dir = StoreDir::new();
        let clock = Arc::new(FixedClock::at(at(day, 9, 0)));
        let service = Arc::new(Service::create(dir.path(), clock.clone()).unwrap());
        service.bootstrap_admin(staff("9001", "管理员", "后台管理人员", "城关", Permission::Admin)).unwrap();
        let desk = Desk { _dir: dir, clock, service };
        let admin = desk.s("9001");
        admin.save_staff(staff("1001", "赵敏", "网点负责人", "城关", Permission::Manager)).unwrap();
        admin.save_staff(staff("2001", "王芳", "柜员", "城关", Permission::Staff)).unwrap();
        admin.save_staff(staff("2002", "李强", "柜员", "城关", Permission::Staff)).unwrap();
        let mut rows: Vec<ClientRecord> = (0..n).map(|i| record(&k(i), Some("2001"), i)).collect();
        rows.push(record("U1", None, n));
        let out = admin.import_clients(rows, "名单.csv".into(), false, vec![]).unwrap();
        assert!(out.written, "{:?}", out.problems);
        desk
    }

    fn s(&self, no: &str) -> Session {
        Session::new(self.service.clone(), sno(no))
    }

    /// Moves the clock to 09:00 on `day`.
    fn go_to(&self, day: NaiveDate) {
        let now = self.service.local_now();
        self.clock.advance(at(day, 9, 0) - now);
    }

    fn coverage(&self, q: Option<Quarter>) -> CoverageView {
        self.s("1001").coverage(q).unwrap()
    }

    fn contact(&self, by: &str, client: &str, purpose: Purpose, on: Option<NaiveDate>) -> Vec<TaskKind> {
        let mut dr = draft(client, purpose);
        dr.at = on.map(|d| at(d, 15, 0));
        self.s(by).log_contact(dr).unwrap().completed.iter().map(|t| t.id.kind).collect()
    }
}

fn k(i: usize) -> String {
    format!("K{i:02}")
}

fn record(no: &str, maintainer: Option<&str>, i: usize) -> ClientRecord {
    ClientRecord {
        line: i as u64 + 2,
        no: Some(cno(no)),
        name: Some(format!("客户{i}")),
        phone: Some(format!("139{:08}", i)),
        outlet: Some(OutletId::parse("城关").unwrap()),
        assets: Some(Fen::wan(30)),
        class: Some(ClientClass::Important),
        maintainer: maintainer.map(sno),
        ..ClientRecord::default()
    }
}

fn staff_figures(v: &CoverageView, no: &str) -> Figures {
    v.outlets
        .iter()
        .flat_map(|o| &o.staff)
        .find(|s| s.staff.no.as_str() == no)
        .map(|s| s.figures.clone())
        .unwrap_or_default()
}

fn r(done: u32, of: u32) -> Ratio {
    Ratio { done, of }
}

const Q4: Quarter = Quarter { year: 2026, q: 4 };

#[test]
fn a_twenty_client_handover_leaves_misses_with_the_giver_and_charges_the_receiver_nothing_past() {
    let desk = Desk::new(d(2026, 10, 1), 20);
    // Every client's first callback falls due on 10-08. 2001 calls eight on time, six notices…
    desk.go_to(d(2026, 10, 5));
    for i in 0..8 {
        desk.contact("2001", &k(i), Purpose::Callback, None);
    }
    for i in 0..6 {
        desk.contact("2001", &k(i), Purpose::QuarterlyNotice, None);
    }
    // …three late, and nine are still overdue when all twenty are handed over on 11-02.
    desk.go_to(d(2026, 10, 20));
    for i in 8..11 {
        desk.contact("2001", &k(i), Purpose::Callback, None);
    }
    desk.go_to(d(2026, 11, 2));
    let before = staff_figures(&desk.coverage(None), "2001");
    assert_eq!(before.callbacks_on_time, r(8, 20), "8 on time, 3 late, 9 overdue");
    assert_eq!(before.callbacks_on_time.show(), "40.0%");
    assert_eq!(before.quarterly, r(6, 20));

    let all: Vec<ClientNo> = (0..20).map(|i| cno(&k(i))).collect();
    assert_eq!(desk.s("1001").assign(all, Some(sno("2002")), "王芳调岗".into()).unwrap(), 20);

    let after = desk.coverage(None);
    let giver = staff_figures(&after, "2001");
    assert_eq!(
        giver.callbacks_on_time, before.callbacks_on_time,
        "handing away overdue work changes nothing"
    );
    // The notices not yet due went with the clients; the six given stay to the giver's credit.
    assert_eq!(giver.quarterly, r(6, 6));
    let receiver = staff_figures(&after, "2002");
    assert_eq!(receiver.callbacks_on_time, r(0, 0), "no callback of the receiver's has fallen due");
    assert_eq!(receiver.quarterly, r(0, 14), "owed, not yet missed: the quarter has two months left");
    // The nine overdue clients have a fresh callback a week on; the others kept their dates.
    let card = desk.s("2002").client(cno("K15")).unwrap();
    assert_eq!(card.client.next_callback, Some(d(2026, 11, 9)));
    assert!(desk.s("2002").today().unwrap().overdue.is_empty(), "the receiver inherits no overdue line");

    // A week later the receiver's own figures start: one of their callbacks done on time.
    desk.go_to(d(2026, 11, 9));
    desk.contact("2002", "K15", Purpose::Callback, None);
    desk.go_to(d(2026, 11, 10));
    let v = desk.coverage(None);
    assert_eq!(staff_figures(&v, "2001").callbacks_on_time, r(8, 20), "still the giver's, as it was");
    assert_eq!(
        staff_figures(&v, "2002").callbacks_on_time,
        r(1, 9),
        "the receiver answers for what fell due with them"
    );
    // Every task is counted once: the branch is the sum of the two.
    assert_eq!(v.branch.callbacks_on_time, r(9, 29));
    assert_eq!(v.branch.quarterly, r(6, 20));
    // And the report says what the screen says.
    let report = desk.s("1001").report(ReportKind::Coverage, None, "-".into()).unwrap();
    let row = report.sheets[1].rows.iter().find(|r| r[0] == ReportCell::Text("2001".into())).unwrap();
    assert_eq!(row[9], ReportCell::Percent(Some(400)), "回访按时率 40.0%");
}

#[test]
fn a_notice_given_on_12_31_and_logged_on_01_02_completes_q4_for_whoever_owed_it() {
    let desk = Desk::new(d(2026, 12, 1), 3);
    // 2001 holds the clients through the quarter's end; on 01-02 K00 is handed over, then the
    // notice given on 12-31 is logged.
    desk.go_to(d(2027, 1, 2));
    desk.s("1001").assign(vec![cno("K00")], Some(sno("2002")), "调整".into()).unwrap();
    let done = desk.contact("2001", "K00", Purpose::QuarterlyNotice, Some(d(2026, 12, 31)));
    assert!(done.contains(&TaskKind::Quarterly(Q4)), "{done:?}");
    let q4 = desk.coverage(Some(Q4));
    assert_eq!(staff_figures(&q4, "2001").quarterly, r(1, 3), "Q4 complete for K00, counted for its owner");
    assert_eq!(staff_figures(&q4, "2002").quarterly, r(0, 0), "the receiver owed no Q4 notice");
    // The backdating window is 31 days: logged on 01-31 it still counts, on 02-01 Q4 has lapsed.
    desk.go_to(d(2027, 1, 31));
    let done = desk.contact("2001", "K01", Purpose::QuarterlyNotice, Some(d(2026, 12, 31)));
    assert!(done.contains(&TaskKind::Quarterly(Q4)));
    desk.go_to(d(2027, 2, 1));
    let card = desk.s("2001").client(cno("K02")).unwrap();
    assert!(!card.open_tasks.iter().any(|t| t.id.kind == TaskKind::Quarterly(Q4)), "lapsed");
    assert_eq!(staff_figures(&desk.coverage(Some(Q4)), "2001").quarterly, r(2, 3));
}

#[test]
fn a_client_assigned_on_12_31_owes_no_q4_notice_and_one_on_12_16_does() {
    let desk = Desk::new(d(2026, 12, 16), 0);
    let m = desk.s("1001");
    m.assign(vec![cno("U1")], Some(sno("2002")), "新增".into()).unwrap();
    let kinds = |desk: &Desk| -> Vec<TaskKind> {
        desk.s("2002").client(cno("U1")).unwrap().open_tasks.iter().map(|t| t.id.kind).collect()
    };
    assert!(kinds(&desk).contains(&TaskKind::Quarterly(Q4)), "16 days left: owed");
    m.assign(vec![cno("U1")], None, "暂不维护".into()).unwrap();

    desk.go_to(d(2026, 12, 31));
    m.assign(vec![cno("U1")], Some(sno("2002")), "新增".into()).unwrap();
    assert!(!kinds(&desk).contains(&TaskKind::Quarterly(Q4)), "assigned on 12-31: no Q4 notice");
    // Nor does the next day's housekeeping add one; the new quarter's comes on 01-01.
    assert_eq!(staff_figures(&desk.coverage(Some(Q4)), "2002").quarterly, r(0, 0));
    desk.go_to(d(2027, 1, 1));
    assert!(kinds(&desk).contains(&TaskKind::Quarterly(Quarter { year: 2027, q: 1 })));
    assert_eq!(staff_figures(&desk.coverage(Some(Q4)), "2002").quarterly, r(0, 0), "no Q4 miss");
}

#[test]
fn a_launch_that_ended_in_q4_has_the_same_q4_coverage_on_12_31_and_01_01() {
    let desk = Desk::new(d(2026, 11, 2), 4);
    let launch = desk.s("1001").launch_product("养老理财".into(), String::new(), d(2026, 11, 30)).unwrap();
    for i in 0..3 {
        let mut dr = draft(&k(i), Purpose::ProductPitch);
        dr.launch = Some(launch.id);
        desk.s("2001").log_contact(dr).unwrap();
    }
    desk.go_to(d(2026, 12, 31));
    let on_12_31 = desk.coverage(None);
    assert_eq!(on_12_31.branch.launches, r(3, 4));
    desk.go_to(d(2027, 1, 1));
    let on_01_01 = desk.coverage(Some(Q4));
    assert_eq!(on_01_01.branch.launches, on_12_31.branch.launches);
    assert_eq!(staff_figures(&on_01_01, "2001"), staff_figures(&on_12_31, "2001"));
    // Q1 had no launch running.
    assert_eq!(desk.coverage(None).branch.launches, r(0, 0));
}

#[test]
fn shares_show_half_up_to_a_tenth_and_targets_compare_the_exact_value() {
    // 2/3 notices given shows 66.7% on screen, in the report and in its CSV.
    let desk = Desk::new(d(2026, 11, 18), 3);
    desk.contact("2001", "K00", Purpose::QuarterlyNotice, None);
    desk.contact("2001", "K01", Purpose::QuarterlyNotice, None);
    let f = staff_figures(&desk.coverage(None), "2001");
    assert_eq!(f.quarterly.show(), "66.7%");
    let report = desk.s("1001").report(ReportKind::Coverage, None, "-".into()).unwrap();
    let row = report.sheets[1].rows.iter().find(|r| r[0] == ReportCell::Text("2001".into())).unwrap();
    assert_eq!(row[10], ReportCell::Percent(Some(667)));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("coverage.csv");
    mingdan::report::write_report(&csv, false, &report).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("66.7%") && !text.contains("66%,"), "{text}");

    // 79.95% self-service is written down as 79.9% and fails the 80% requirement.
    let rules = Rules::default();
    let h = Holdings {
        online_banking: true,
        shuanglifeng: true,
        fund_auto_invest: true,
        wealth_products: 1,
        self_service_permille: client::parse_self_service_exact("79.95%").unwrap().0,
    };
    assert!(!compliance::compliant(&h, &rules), "79.95% is below 80%");
    assert!(compliance::compliant(&Holdings { self_service_permille: 800, ..h }, &rules));
    assert!(!Ratio { done: 7995, of: 10000 }.reaches(800));
    // A gold-and-above share of 0.995% shows as 1.0% and misses the 1% target.
    let s = results::Snapshot { date: d(2026, 11, 18), clients: 20000, gold_plus: 199 };
    let share = results::share_against(&s, i64::from(rules.gold_share_target_permille));
    assert_eq!((share.permille, share.met()), (Some(10), false));
}

#[test]
fn any_reached_contact_counts_as_the_callback_on_time_unless_the_branch_turns_it_off() {
    let desk = Desk::new(d(2026, 11, 2), 2);
    desk.go_to(d(2026, 11, 6));
    // A marketing call that reached K00 before its callback fell due (11-09).
    let done = desk.contact("2001", "K00", Purpose::Marketing, None);
    assert!(matches!(done[..], [TaskKind::Callback { .. }]), "{done:?}");
    let card = desk.s("2001").client(cno("K00")).unwrap();
    assert_eq!(card.client.next_callback, Some(d(2027, 1, 5)), "the clock starts again: 60 days on");
    // With an agreed 下次回访 the date is kept as given.
    let mut dr = draft("K01", Purpose::Survey);
    dr.next_callback = Some(d(2026, 11, 20));
    desk.s("2001").log_contact(dr).unwrap();
    assert_eq!(desk.s("2001").client(cno("K01")).unwrap().client.next_callback, Some(d(2026, 11, 20)));
    desk.go_to(d(2026, 11, 10));
    assert_eq!(staff_figures(&desk.coverage(None), "2001").callbacks_on_time, r(2, 2));

    // Turned off in the rules (by the administrator: rules are branch-level): a marketing call
    // leaves the callback owed.
    let m = desk.s("9001");
    let was = m.rules().unwrap();
    m.set_rules(Rules { any_contact_resets_callback: false, ..was.clone() }, was).unwrap();
    let done = desk.contact("2001", "K00", Purpose::Marketing, None);
    assert!(done.is_empty(), "{done:?}");
}

#[test]
fn a_29_february_joiner_owes_the_q1_notice_and_its_callback_a_week_on() {
    let desk = Desk::new(d(2028, 2, 29), 0);
    desk.s("1001").assign(vec![cno("U1")], Some(sno("2002")), "新增".into()).unwrap();
    let card = desk.s("2002").client(cno("U1")).unwrap();
    let q1 = Quarter { year: 2028, q: 1 };
    assert!(card.open_tasks.iter().any(|t| t.id.kind == TaskKind::Quarterly(q1)));
    assert_eq!(card.client.next_callback, Some(d(2028, 3, 7)));
    // Given on 03-31, logged on 05-01 (31 days): Q1 is complete.
    desk.go_to(d(2028, 5, 1));
    assert!(
        desk.contact("2002", "U1", Purpose::QuarterlyNotice, Some(d(2028, 3, 31)))
            .contains(&TaskKind::Quarterly(q1))
    );
    assert_eq!(staff_figures(&desk.coverage(Some(q1)), "2002").quarterly, r(1, 1));
}

/// Today's figures and the coverage report agree for every staff member of the demo, also after
/// handovers made on the day.
#[test]
fn today_and_the_report_agree_for_every_demo_staff_member() {
    let dir = StoreDir::new();
    let clock = Arc::new(FixedClock::at(at(d(2026, 11, 18), 10, 0)));
    let service = Arc::new(Service::create(dir.path(), clock.clone()).unwrap());
    service.seed_demo(1200, 7).unwrap();
    // The branch head (8001) hands 20 clients of the busiest roster to a colleague at the same
    // outlet.
    let m = Session::new(service.clone(), sno("8001"));
    let staff = m.list_staff().unwrap();
    let rosters: Vec<_> = staff
        .iter()
        .filter(|s| s.active)
        .map(|s| (s.clone(), m.roster(Some(s.no.clone()), Default::default(), Default::default()).unwrap()))
        .collect();
    let (giver, page) = rosters.iter().max_by_key(|(_, p)| p.total).unwrap();
    let receiver = rosters
        .iter()
        .find(|(s, _)| s.outlet == giver.outlet && s.no != giver.no && s.permission == Permission::Staff)
        .map(|(s, _)| s.no.clone())
        .unwrap();
    let twenty: Vec<ClientNo> = page.rows.iter().take(20).map(|r| r.no.clone()).collect();
    m.assign(twenty, Some(receiver), "演示移交".into()).unwrap();

    let coverage = m.coverage(None).unwrap();
    let report = m.report(ReportKind::Coverage, None, "-".into()).unwrap();
    let mut compared = 0;
    for s in staff.iter().filter(|s| s.active) {
        let today = Session::new(service.clone(), s.no.clone()).today().unwrap();
        let listed = coverage.outlets.iter().flat_map(|o| &o.staff).find(|c| c.staff.no == s.no);
        let Some(listed) = listed else {
            assert_eq!(today.figures.quarterly.of + today.figures.callbacks_on_time.of, 0, "{}", s.no);
            continue;
        };
        assert_eq!(today.figures, listed.figures, "{} {}", s.no, s.name);
        assert_eq!(
            (today.quarterly.done, today.quarterly.total),
            (listed.figures.quarterly.done, listed.figures.quarterly.of)
        );
        let row = report.sheets[1].rows.iter().find(|r| r[0] == ReportCell::Text(s.no.to_string())).unwrap();
        let shown: Vec<ReportCell> = row[7..].to_vec();
        let want: Vec<ReportCell> = [
            today.figures.compliance,
            today.figures.sticker,
            today.figures.callbacks_on_time,
            today.figures.quarterly,
            today.figures.launches,
        ]
        .iter()
        .map(|r| ReportCell::Percent(r.permille().map(i64::from)))
        .collect();
        assert_eq!(shown, want, "{} {}", s.no, s.name);
        compared += 1;
    }
    assert!(compared > 20, "{compared}");
}

mod handovers {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        /// Client to staff member (None: off every roster), after `days`.
        Move { days: u8, client: usize, to: Option<usize> },
        /// The client's maintainer reaches them with a callback, after `days`.
        Call { days: u8, client: usize },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u8..20, 0usize..6, proptest::option::weighted(0.85, 0usize..4))
                .prop_map(|(days, client, to)| Step::Move { days, client, to }),
            (0u8..20, 0usize..6).prop_map(|(days, client)| Step::Call { days, client }),
        ]
    }

    fn staff_no(i: usize) -> StaffNo {
        sno(&format!("300{i}"))
    }

    /// What the service's housekeeping does each morning: lapse what backdating can no longer
    /// complete, open the quarter's notice for roster clients outside the grace period.
    fn housekeeping(clients: &[Client], tasks: &mut Vec<Task>, today: NaiveDate, rules: &Rules) {
        for t in tasks.iter_mut() {
            if t.lapses(today) {
                t.state = TaskState::Lapsed { on: today };
            }
        }
        if rules.notice_owed_on_joining(today) {
            let q = Quarter::of(today);
            for c in clients.iter().filter(|c| c.on_roster()) {
                let id = TaskId { client: c.no.clone(), kind: TaskKind::Quarterly(q) };
                if !tasks.iter().any(|t| t.id == id) {
                    tasks.push(Task::quarterly(c, q, today));
                }
            }
        }
    }

    fn upsert(tasks: &mut Vec<Task>, changed: Vec<Task>) {
        for c in changed {
            match tasks.iter_mut().find(|t| t.id == c.id) {
                Some(t) => *t = c,
                None => tasks.push(c),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// For any sequence of handovers across a quarter's end, every task counts once: the
        /// per-staff sums equal the branch's, and each task that fell due is owed by whoever held
        /// the client on its due day (or when it was done, if earlier; for a notice, when the
        /// quarter's last days began).
        #[test]
        fn per_staff_counts_sum_to_the_branch_and_follow_the_holder(steps in proptest::collection::vec(step(), 1..40)) {
            let rules = Rules::default();
            let outlet = OutletId::parse("城关").unwrap();
            let mut today = d(2026, 11, 20);
            let mut clients: Vec<Client> = (0..6)
                .map(|i| Client { class: ClientClass::Key, ..Client::new(cno(&format!("P{i}")), "客户".into(), outlet.clone()) })
                .collect();
            let mut tasks: Vec<Task> = Vec::new();
            // (day, holder) per client, in order.
            let mut held: Vec<Vec<(NaiveDate, Option<StaffNo>)>> = vec![vec![(today, None)]; 6];
            let mut seq = 1000u64;
            let mut contact_id = 1u64;
            for s in steps {
                let (days, i) = match &s { Step::Move { days, client, .. } | Step::Call { days, client } => (*days, *client) };
                for _ in 0..days {
                    today += Duration::days(1);
                    housekeeping(&clients, &mut tasks, today, &rules);
                }
                match s {
                    Step::Move { to, .. } => {
                        let to = to.map(staff_no);
                        if clients[i].maintainer == to { continue; }
                        let existing: Vec<Task> = tasks.iter().filter(|t| t.id.client == clients[i].no).cloned().collect();
                        seq += 1;
                        let (c, changed) = move_client(clients[i].clone(), &existing, to.as_ref(), today, &rules, &[], seq);
                        clients[i] = c;
                        upsert(&mut tasks, changed);
                        held[i].push((today, to));
                    }
                    Step::Call { .. } => {
                        let Some(by) = clients[i].maintainer.clone() else { continue };
                        let open: Vec<Task> = tasks.iter().filter(|t| t.id.client == clients[i].no && t.is_open()).cloned().collect();
                        contact_id += 1;
                        let contact = Contact {
                            id: ContactId(contact_id), client: clients[i].no.clone(), by, at: at(today, 10, 0),
                            channel: Channel::Phone, purpose: Purpose::Callback, launch: None, outcome: Outcome::Success,
                            note: String::new(), satisfaction: None, next_callback: None, logged_at: at(today, 10, 0),
                            also: Vec::new(),
                        };
                        seq += 1;
                        let changed = apply_contact(&mut clients[i], &open, &contact, &rules, seq);
                        upsert(&mut tasks, changed);
                    }
                }
            }
            let holder_on = |i: usize, day: NaiveDate| -> Option<StaffNo> {
                held[i].iter().rev().find(|(d, _)| *d <= day).and_then(|(_, s)| s.clone())
            };
            for t in &tasks {
                let Some(o) = owed(t, today) else { continue };
                if !t.fell_due(today) { continue; }
                let i = clients.iter().position(|c| c.no == t.id.client).unwrap();
                // Done before it fell due: owed by whoever held the client then, who (here) is
                // the one who called.
                let expected = match &t.state {
                    TaskState::Done { on, by, .. } if *on <= t.due => Some(by.clone()),
                    _ => {
                        let mut day = t.due;
                        if let TaskKind::Quarterly(q) = t.id.kind {
                            day = day.min(q.last_day() - Duration::days(i64::from(rules.notice_grace_days)));
                        }
                        holder_on(i, day)
                    }
                };
                prop_assert_eq!(o.owner.cloned(), expected, "{:?}", t);
            }
            let quarter = Quarter::of(today);
            let launches = launches_in(quarter, &[]);
            let p = Period::of_quarter(quarter, today, &launches);
            let refs: Vec<&Task> = tasks.iter().collect();
            let branch = figures(&[], &refs, &rules, p);
            let mut sum = Figures::default();
            for s in (0..4).map(staff_no) {
                let mine: Vec<&Task> = tasks.iter().filter(|t| owed(t, today).and_then(|o| o.owner) == Some(&s)).collect();
                sum.add(&figures(&[], &mine, &rules, p));
            }
            prop_assert_eq!(sum, branch);
        }
    }
}

// Past quarters as they were (issue #12 point 3).

const Q3: Quarter = Quarter { year: 2026, q: 3 };

/// Coverage without the day it was asked on: what must not change from one day to another.
fn figures_only(v: &CoverageView) -> impl PartialEq + std::fmt::Debug {
    (v.quarter, v.as_of, v.outlets.clone(), v.branch.clone(), v.branch_average, v.below_quota)
}

fn staff_size(v: &CoverageView, no: &str) -> Option<u32> {
    v.outlets.iter().flat_map(|o| &o.staff).find(|s| s.staff.no.as_str() == no).map(|s| s.standing.size)
}

#[test]
fn a_handover_after_the_quarter_leaves_that_quarters_coverage_as_it_ended() {
    let desk = Desk::new(d(2026, 9, 1), 4);
    desk.go_to(d(2026, 9, 10));
    desk.contact("2001", "K00", Purpose::QuarterlyNotice, None);
    desk.contact("2001", "K01", Purpose::Callback, None);
    // The first request of 10-01 freezes Q3 as it ended.
    desk.go_to(d(2026, 10, 1));
    let before = desk.coverage(Some(Q3));
    assert_eq!(before.as_of, d(2026, 9, 30));
    assert!(matches!(before.basis, FigureBasis::Frozen { settled: false, .. }), "{:?}", before.basis);
    assert_eq!(staff_size(&before, "2001"), Some(4));
    assert_eq!(staff_figures(&before, "2001").quarterly, r(1, 4));
    let results_before = desk.s("1001").results(Some(Q3)).unwrap();

    desk.go_to(d(2026, 10, 15));
    let all: Vec<ClientNo> = (0..4).map(|i| cno(&k(i))).collect();
    assert_eq!(desk.s("1001").assign(all, Some(sno("2002")), "王芳调岗".into()).unwrap(), 4);
    assert_eq!(staff_size(&desk.coverage(None), "2002"), Some(4), "the handover happened");
    let after = desk.coverage(Some(Q3));
    assert_eq!(figures_only(&after), figures_only(&before), "Q3 is as it ended, whatever came after");
    assert_eq!(staff_size(&after, "2002"), Some(0), "the receiver held nothing in Q3");
    let results_after = desk.s("1001").results(Some(Q3)).unwrap();
    assert_eq!((results_after.now, results_after.movement), (results_before.now, results_before.movement));
    assert_eq!(results_after.as_of, d(2026, 9, 30));

    // The report says so: 截至 the quarter's last day, from the copy kept at its end.
    let report = desk.s("1001").report(ReportKind::Coverage, Some(Q3), "-".into()).unwrap();
    let heading = report.heading(&report.sheets[0]);
    assert!(heading.contains("截至 2026-09-30") && heading.contains("季末留存"), "{heading}");
    let row = report.sheets[1].rows.iter().find(|r| r[0] == ReportCell::Text("2001".into())).unwrap();
    assert_eq!(row[4], ReportCell::Int(4), "2001's Q3 roster, not today's empty one");
    let results = desk.s("1001").report(ReportKind::Results, Some(Q3), "-".into()).unwrap();
    let heading = results.heading(&results.sheets[0]);
    assert!(heading.ends_with("截至 2026-09-30"), "{heading}");
    // This quarter says today's date and nothing more.
    let now = desk.s("1001").report(ReportKind::Coverage, None, "-".into()).unwrap();
    let heading = now.heading(&now.sheets[0]);
    assert!(heading.ends_with("截至 2026-10-15") && !heading.contains('（'), "{heading}");
}

#[test]
fn a_quarter_not_yet_begun_is_refused_in_chinese() {
    let desk = Desk::new(d(2026, 9, 10), 1);
    let m = desk.s("1001");
    for err in [
        m.coverage(Some(Q4)).map(|_| ()).unwrap_err(),
        m.results(Some(Q4)).map(|_| ()).unwrap_err(),
        m.report(ReportKind::Contacts, Some(Q4), "-".into()).map(|_| ()).unwrap_err(),
    ] {
        let said = err.to_string();
        assert!(said.contains("2026Q4") && said.contains("还没有开始") && said.contains("季度"), "{said}");
    }
    assert_eq!(m.coverage(Some(Q3)).unwrap().basis, FigureBasis::Current);
}

#[test]
fn a_past_quarter_never_frozen_is_recomputed_and_says_what_it_rests_on() {
    // The store began on 10-05: nobody saw Q3 end, so there is no copy of it to read.
    let desk = Desk::new(d(2026, 10, 5), 2);
    let v = desk.coverage(Some(Q3));
    assert_eq!(v.basis, FigureBasis::Recomputed { today: d(2026, 10, 5) });
    assert_eq!(v.as_of, d(2026, 9, 30));
    let line = v.basis.as_of_line(v.as_of);
    assert!(line.starts_with("截至 2026-09-30") && line.contains("2026-10-05 的现状"), "{line}");
    let report = desk.s("1001").report(ReportKind::Results, Some(Q3), "-".into()).unwrap();
    assert!(report.title.contains("尚未留存季末数据"), "{}", report.title);
}

#[test]
fn q4_frozen_on_01_05_takes_in_the_notice_of_12_31_logged_late_and_settles_on_02_01() {
    let desk = Desk::new(d(2026, 12, 1), 3);
    desk.go_to(d(2027, 1, 5));
    let q4 = desk.coverage(Some(Q4));
    assert_eq!(q4.as_of, d(2026, 12, 31));
    assert_eq!(q4.basis, FigureBasis::Frozen { settled: false, window_closes: d(2027, 1, 31) });
    assert_eq!(staff_figures(&q4, "2001").quarterly, r(0, 3));
    // Handed over on 01-06; the giver logs on 01-10 the notice given on 12-31: still theirs.
    desk.go_to(d(2027, 1, 6));
    desk.s("1001").assign(vec![cno("K00")], Some(sno("2002")), "调整".into()).unwrap();
    desk.go_to(d(2027, 1, 10));
    desk.contact("2001", "K00", Purpose::QuarterlyNotice, Some(d(2026, 12, 31)));
    let q4 = desk.coverage(Some(Q4));
    assert_eq!(staff_figures(&q4, "2001").quarterly, r(1, 3));
    assert_eq!(staff_size(&q4, "2001"), Some(3), "Q4's roster, before the handover");
    // A contact dated in the new year does nothing for Q4.
    desk.contact("2001", "K01", Purpose::QuarterlyNotice, None);
    assert_eq!(staff_figures(&desk.coverage(Some(Q4)), "2001").quarterly, r(1, 3));
    // Once nothing dated in Q4 can be logged any more, the quarter is settled as it stands.
    desk.go_to(d(2027, 2, 1));
    let settled = desk.coverage(Some(Q4));
    assert!(matches!(settled.basis, FigureBasis::Frozen { settled: true, .. }), "{:?}", settled.basis);
    assert_eq!(staff_figures(&settled, "2001").quarterly, r(1, 3));
    assert_eq!(settled.basis.as_of_line(settled.as_of), "截至 2026-12-31（季末留存的名单、配额和任务结果）");
    // The new year's first quarter is today's.
    assert_eq!(desk.coverage(None).quarter, Quarter { year: 2027, q: 1 });
}

#[test]
fn q1_2028_with_29_february_is_frozen_at_03_31() {
    let desk = Desk::new(d(2028, 2, 28), 2);
    desk.go_to(d(2028, 2, 29));
    desk.contact("2001", "K00", Purpose::QuarterlyNotice, None);
    desk.go_to(d(2028, 4, 1));
    let q1 = Quarter { year: 2028, q: 1 };
    let v = desk.coverage(Some(q1));
    assert_eq!(v.as_of, d(2028, 3, 31));
    assert_eq!(v.basis, FigureBasis::Frozen { settled: false, window_closes: d(2028, 5, 1) });
    assert_eq!(staff_figures(&v, "2001").quarterly, r(1, 2), "the notice given on 02-29 counts");
    let results = desk.s("1001").results(Some(q1)).unwrap();
    assert_eq!(results.trend.last().map(|m| m.month), Some(d(2028, 3, 1)), "the trend ends with March");
    assert_eq!(results.now.date, d(2028, 3, 31));
}

fn results(desk: &Desk, q: Option<Quarter>) -> mingdan::service::views::ResultsView {
    desk.s("9001").results(q).unwrap()
}

#[test]
fn the_gold_share_divides_by_the_entered_branch_total_and_says_which_month_it_is() {
    // Imported on 12-30: 3 gold clients (30万 each) and U1, a snapshot at the turn of the year.
    let desk = Desk::new(d(2025, 12, 30), 3);
    desk.go_to(d(2026, 12, 5));
    let v = results(&desk, None);
    assert_eq!((v.now.gold_plus, v.share_of, v.branch_total.clone()), (4, v.now.clients, None));

    let admin = desk.s("9001");
    let err = desk.s("1001").set_branch_total(d(2026, 11, 1), 400, None, "核心系统月报".into()).unwrap_err();
    assert!(err.to_string().contains("支行级"), "an outlet head may not: {err}");
    let err = admin.set_branch_total(d(2026, 12, 1), 400, None, "核心系统月报".into()).unwrap_err();
    assert!(err.to_string().contains("还没有过完") && err.to_string().contains("2026-11"), "{err}");
    let err = admin.set_branch_total(d(2026, 11, 1), 3, None, "核心系统月报".into()).unwrap_err();
    assert!(err.to_string().contains("少于 mingdan 里已有的 4 位客户"), "fewer than the register: {err}");
    let err = admin.set_branch_total(d(2026, 11, 1), 400, Some(401), "核心系统月报".into()).unwrap_err();
    assert!(err.to_string().contains("金卡以上客户数"), "{err}");

    assert_eq!(admin.set_branch_total(d(2026, 10, 17), 350, None, "核心系统月报".into()).unwrap(), None);
    assert_eq!(admin.set_branch_total(d(2026, 11, 1), 400, None, "核心系统月报".into()).unwrap(), None);
    let v = results(&desk, None);
    assert_eq!(v.share_of, 400);
    assert_eq!(v.branch_total.as_ref().map(|t| t.month), Some(d(2026, 11, 1)));
    assert_eq!(v.share.permille, Some(10), "4 / 400 = 1.0%");
    assert!(v.share.met(), "exactly 1% meets the 1% target");
    // Q3 ended before November's figure: it divides by the latest one then, or by the register.
    let q3 = results(&desk, Some(Quarter::of(d(2026, 9, 30))));
    assert_eq!(q3.branch_total, None);

    // A correction replaces the month's figure and says what it was.
    let was = admin.set_branch_total(d(2026, 11, 30), 500, None, "核心系统月报（更正）".into()).unwrap();
    assert_eq!(was, Some(400), "the corrected figure is told back");
    let totals = admin.branch_totals().unwrap();
    assert_eq!(
        totals.iter().map(|t| (t.month, t.personal_clients)).collect::<Vec<_>>(),
        [(d(2026, 10, 1), 350), (d(2026, 11, 1), 500)]
    );
    let audit = admin
        .audit(AuditFilter { action: Some(AuditAction::SetBranchTotal), limit: 10, ..AuditFilter::default() })
        .unwrap();
    assert_eq!(audit.len(), 3);
    assert!(audit[0].detail.contains("400 户") && audit[0].detail.contains("500 户"), "{}", audit[0].detail);
    let v = results(&desk, None);
    assert_eq!(v.share.permille, Some(8), "4 / 500 = 0.8%");
    assert!(!v.share.met());
}

#[test]
fn growth_since_new_year_and_year_on_year_take_entered_figures_when_mingdan_has_no_history() {
    let desk = Desk::new(d(2026, 3, 2), 3);
    desk.go_to(d(2026, 11, 30));
    let v = results(&desk, None);
    assert!(v.year_start.is_none() && v.year_ago.is_none());
    assert!(!v.growth_ytd.met(), "no baseline, no verdict of met");

    let admin = desk.s("9001");
    admin.set_branch_total(d(2025, 12, 1), 380, Some(3), "核心系统月报".into()).unwrap();
    admin.set_branch_total(d(2025, 11, 1), 370, Some(2), "核心系统月报".into()).unwrap();
    let v = results(&desk, None);
    let start = v.year_start.clone().unwrap();
    assert_eq!((start.date, start.gold_plus), (d(2025, 12, 31), 3));
    assert_eq!(v.growth_ytd.permille, Some(333), "3 → 4 is +33.3% since 1 January");
    assert!(v.growth_ytd.met());
    let ago = v.year_ago.clone().unwrap();
    assert_eq!((ago.date, ago.gold_plus), (d(2025, 11, 30), 2));
    assert_eq!(v.growth.permille, Some(1000), "2 → 4 is +100% year on year");

    // Correcting December's total alone keeps its gold-and-above count, the baseline above.
    assert_eq!(admin.set_branch_total(d(2025, 12, 1), 385, None, "核心系统月报".into()).unwrap(), Some(380));
    let dec = admin.branch_totals().unwrap().into_iter().find(|t| t.month == d(2025, 12, 1)).unwrap();
    assert_eq!((dec.personal_clients, dec.gold_plus), (385, Some(3)));
    assert_eq!(results(&desk, None).growth_ytd.permille, Some(333), "the baseline did not vanish");
    // A total below the count kept is refused rather than left inconsistent.
    let err = admin.set_branch_total(d(2025, 12, 1), 2, None, "核心系统月报".into()).unwrap_err();
    assert!(err.to_string().contains("金卡以上客户数 3") || err.to_string().contains("少于"), "{err}");
}

#[test]
fn churn_separates_lost_from_downgraded_and_conversion_counts_prospects_won() {
    let desk = Desk::new(d(2026, 9, 20), 3);
    let admin = desk.s("9001");
    let prospect = ClientRecord {
        assets: Some(Fen::wan(2)),
        segment: Some(Segment::OtherBank),
        ..record("P1", None, 10)
    };
    assert!(admin.import_clients(vec![prospect.clone()], "他行.csv".into(), false, vec![]).unwrap().written);
    desk.go_to(d(2026, 10, 12));
    let rows = vec![
        ClientRecord { status: Some(ClientStatus::Lost), ..record(&k(0), Some("2001"), 0) },
        ClientRecord { assets: Some(Fen::wan(3)), ..record(&k(1), Some("2001"), 1) },
        ClientRecord { status: Some(ClientStatus::Dormant), ..record(&k(2), Some("2001"), 2) },
        ClientRecord { segment: Some(Segment::Maintain), ..prospect },
    ];
    let out = admin.import_clients(rows, "名单.csv".into(), false, vec![]).unwrap();
    assert!(out.written, "{:?}", out.problems);
    let m = results(&desk, None).movement;
    // Gold at the start of Q4: K00–K02 and U1.
    assert_eq!((m.gold_at_start, m.lost, m.downgraded), (4, 1, 1));
    assert_eq!(m.churn(), r(2, 4));
    assert_eq!(m.prospects, r(1, 1), "他行 → 维护 is a prospect won");
    // Q3 saw none of it.
    let q3 = results(&desk, Some(Quarter::of(d(2026, 9, 30)))).movement;
    assert_eq!((q3.lost, q3.downgraded, q3.prospects.done), (0, 0, 0));
    // The quarterly trend ends with the figures above it; Q3 there is Q3 as its own screen says.
    let v = results(&desk, None);
    let (last, before) = (&v.quarters[7], &v.quarters[6]);
    assert_eq!((last.quarter, last.movement, last.register), (Q4, m, v.now));
    assert_eq!((before.quarter, before.movement), (Quarter::of(d(2026, 9, 30)), q3));
    assert_eq!((before.register.gold_plus, before.register.clients), (4, 5), "the Q3 import's snapshot");
    // Q3's own screen counts the register at Q3's end, as the trend does — not today's.
    let q3_view = results(&desk, Some(Quarter::of(d(2026, 9, 30))));
    assert_eq!(
        (q3_view.now.clients, q3_view.now.gold_plus),
        (before.register.clients, before.register.gold_plus)
    );
    assert_eq!(v.now.gold_plus, 2, "today: K00 lost, K01 below gold");
    // Q2 ended before anyone was imported and was never frozen: its register is empty, not
    // today's.
    let q2 = results(&desk, Some(Quarter::of(d(2026, 6, 30))));
    assert!(matches!(q2.basis, FigureBasis::Recomputed { .. }), "{:?}", q2.basis);
    assert_eq!((q2.now.clients, q2.now.gold_plus), (0, 0));
    assert_eq!(v.quarters[0].quarter, Quarter::of(d(2025, 1, 1)), "eight quarters");
    // Each figure lists its clients, as many as it counts.
    let listed = |f: ResultsFigure| -> Vec<String> {
        admin.results_clients(None, f).unwrap().iter().map(|r| r.no.to_string()).collect()
    };
    assert_eq!(listed(ResultsFigure::Lost), ["K00"]);
    assert_eq!(listed(ResultsFigure::Downgraded), ["K01"]);
    assert_eq!(listed(ResultsFigure::ProspectsWon), ["P1"]);
    assert!(listed(ResultsFigure::UpliftWon).is_empty());
    // Asleep is neither lost nor churned: counted, listed, and found on the roster by its filter.
    assert_eq!(results(&desk, None).dormant, 1);
    assert_eq!(listed(ResultsFigure::Dormant), ["K02"]);
    let asleep = RosterFilter { status: Some(ClientStatus::Dormant), ..RosterFilter::default() };
    let page = desk.s("2001").roster(None, RosterSort::NextCallback, asleep).unwrap();
    assert_eq!(page.rows.iter().map(|r| r.no.to_string()).collect::<Vec<_>>(), ["K02"]);
    let gold = admin.results_clients(None, ResultsFigure::GoldPlus).unwrap();
    assert_eq!(gold.len() as u32, results(&desk, None).now.gold_plus);
    let k01 = admin.results_clients(None, ResultsFigure::Downgraded).unwrap().remove(0);
    assert_eq!(k01.maintainer.map(|m| m.name), Some("王芳".to_string()));
    assert!(k01.start.unwrap().tier.is_gold_or_above() && !k01.end.tier.is_gold_or_above());
    let err = desk.s("2001").results_clients(None, ResultsFigure::Lost).unwrap_err();
    assert!(matches!(err, mingdan::service::ServiceError::Denied(_)), "staff see no branch lists");
    // The report says the same, with each figure's definition.
    let report = admin.report(ReportKind::Results, None, "-".into()).unwrap();
    let sheet = &report.sheets[0];
    assert_eq!(sheet.headers.last().map(String::as_str), Some("口径"));
    let row =
        |name: &str| sheet.rows.iter().find(|r| r[0] == ReportCell::Text(name.into())).cloned().unwrap();
    assert_eq!(row("2026Q4 其中流失")[1], ReportCell::Percent(Some(250)));
    assert_eq!(row("2026Q4 其中降级")[1], ReportCell::Percent(Some(250)));
    assert_eq!(row("2026Q4 潜在客户转化率")[1], ReportCell::Percent(Some(1000)));
    let detail = report.sheets.iter().find(|s| s.name == "明细").unwrap();
    let named = |figure: &str| -> Vec<ReportCell> {
        detail.rows.iter().filter(|r| r[0] == ReportCell::Text(figure.into())).map(|r| r[1].clone()).collect()
    };
    assert_eq!(named("流失"), [ReportCell::Text("K00".into())]);
    assert_eq!(named("潜在客户转化"), [ReportCell::Text("P1".into())]);
    assert_eq!(named("金卡以上客户").len(), gold.len());
}

#[test]
fn staff_performance_keeps_a_loss_with_whoever_held_the_client_when_the_quarter_began() {
    let desk = Desk::new(d(2026, 9, 20), 3);
    // The first request of Q4 freezes Q3, with K00–K02 on 王芳's (2001) roster.
    desk.go_to(d(2026, 10, 2));
    desk.coverage(None);
    // 王芳 hands K00 over, then core banking reports it closed; 李强 logs a contact.
    desk.s("1001").assign(vec![cno("K00")], Some(sno("2002")), "调整".into()).unwrap();
    desk.go_to(d(2026, 10, 12));
    let admin = desk.s("9001");
    let lost = ClientRecord { status: Some(ClientStatus::Lost), ..record(&k(0), Some("2002"), 0) };
    assert!(admin.import_clients(vec![lost], "名单.csv".into(), false, vec![]).unwrap().written);
    let mut dr = draft("K00", Purpose::Marketing);
    dr.satisfaction = Some(3);
    desk.s("2002").log_contact(dr).unwrap();

    let v = desk.s("1001").performance(None).unwrap();
    assert!(v.holders_frozen);
    let (giver, receiver) = (v.staff[&sno("2001")], v.staff[&sno("2002")]);
    assert_eq!((giver.movement.gold_at_start, giver.movement.lost), (3, 1), "the loss stays with 王芳");
    assert_eq!((receiver.movement.gold_at_start, receiver.movement.lost), (0, 0));
    assert_eq!((receiver.contacts, receiver.satisfaction_tenths()), (1, Some(30)));
    assert_eq!(giver.satisfaction_tenths(), None, "no score, no average");
    // Staff and outlet figures add up to the branch's.
    let outlet = v.outlets[&OutletId::parse("城关").unwrap()];
    assert_eq!(outlet.movement.lost, 1);
    assert_eq!(results(&desk, None).movement.lost, 1);
    // The coverage beside it is the coverage screen's, to the figure.
    assert_eq!(v.coverage, desk.coverage(None));

    let report = admin.report(ReportKind::Performance, None, "-".into()).unwrap();
    let staff = &report.sheets[0];
    let col = |name: &str| staff.headers.iter().position(|h| h == name).unwrap();
    let row = staff.rows.iter().find(|r| r[0] == ReportCell::Text("2001".into())).unwrap();
    assert_eq!(row[col("流失")], ReportCell::Int(1));
    assert_eq!(row[col("流失率")], ReportCell::Percent(Some(333)));
    let row = staff.rows.iter().find(|r| r[0] == ReportCell::Text("2002".into())).unwrap();
    assert_eq!(row[col("平均满意度")], ReportCell::Decimal2(300));
}

/// 名下资产变化 on 员工绩效 (point 9): the balances of the clients each person held when the
/// quarter began, on the day before it and on the day the figures are as of. A client handed on
/// in the quarter stays with whoever held it at the start, and a balance nobody knew at the start
/// is left out, not counted as growth from nothing.
#[test]
fn roster_assets_change_counts_the_clients_held_at_the_quarters_start() {
    let b = common::branch();
    let admin = b.session("9001");
    let balance = |no: &str, wan: i64| ClientRecord {
        line: 2,
        no: Some(common::cno(no)),
        assets: Some(Fen::wan(wan)),
        ..ClientRecord::default()
    };
    // In Q4 the clients came in on 11-18 with their balances: nothing was known on 09-30.
    let q4 = admin.performance(None).unwrap();
    let r = q4.staff[&common::sno("2001")].assets;
    assert_eq!((r.clients, r.unknown, r.change()), (0, 3, None));

    // Into 2027Q1: the first request freezes Q4's rosters (2001 holds C1..C3).
    b.clock.advance(Duration::days(53)); // 2027-01-10
    assert!(admin.import_clients(vec![balance("C1", 40)], "1月.csv".into(), false, vec![]).unwrap().written);
    b.clock.advance(Duration::days(5)); // 01-15: C2 goes to 2002
    b.session("1001").assign(vec![common::cno("C2")], Some(common::sno("2002")), "调整".into()).unwrap();
    b.clock.advance(Duration::days(5)); // 01-20: C2's balance grows with its new maintainer
    assert!(
        admin.import_clients(vec![balance("C2", 200)], "1月下.csv".into(), false, vec![]).unwrap().written
    );
    let q1 = admin.performance(None).unwrap();
    assert!(q1.holders_frozen);
    let giver = q1.staff[&common::sno("2001")].assets;
    // C1 30→40万, C2 130→200万, C3 230万 unchanged: +80万 over three clients.
    assert_eq!((giver.clients, giver.unknown), (3, 0));
    assert_eq!((giver.start, giver.end), (Fen::wan(390), Fen::wan(470)));
    assert_eq!(giver.change(), Some(Fen::wan(80)));
    let receiver = q1.staff[&common::sno("2002")].assets;
    assert_eq!(receiver.change(), None, "a handover brings the receiver no growth");
    // The outlet is the sum of its people, and the report shows the same figure in yuan.
    assert_eq!(q1.outlets[&OutletId::parse("城关").unwrap()].assets.change(), Some(Fen::wan(80)));
    let report = admin.report(mingdan::service::views::ReportKind::Performance, None, "-".into()).unwrap();
    let sheet = &report.sheets[0];
    let col = sheet.headers.iter().position(|h| h == "名下资产变化（元）").unwrap();
    let row =
        sheet.rows.iter().find(|r| r[0] == mingdan::service::views::ReportCell::Text("2001".into())).unwrap();
    assert_eq!(row[col], mingdan::service::views::ReportCell::Decimal2(Fen::wan(80).0));

    // The eight-quarter trend counts each quarter as that quarter's 员工绩效 does.
    let trend = admin.performance_trend(None).unwrap();
    let quarters: Vec<String> = trend.iter().map(|p| p.quarter.to_string()).collect();
    assert_eq!(quarters.first().map(String::as_str), Some("2025Q2"));
    assert_eq!(quarters.last().map(String::as_str), Some("2027Q1"));
    let q4_again = admin.performance(Some(Quarter::new(2026, 4).unwrap())).unwrap();
    for (point, view) in [(&trend[7], &q1), (&trend[6], &q4_again)] {
        assert_eq!(point.as_of, view.coverage.as_of);
        for o in &view.coverage.outlets {
            for sc in &o.staff {
                let p = &point.staff[&sc.staff.no];
                assert_eq!(p.figures, sc.figures, "{} {}", point.quarter, sc.staff.no);
                assert_eq!(p.results, view.staff[&sc.staff.no], "{} {}", point.quarter, sc.staff.no);
            }
            assert_eq!(point.outlets[&o.outlet].results, view.outlets[&o.outlet]);
        }
    }
    assert_eq!(trend[7].staff[&common::sno("2001")].results.assets.change(), Some(Fen::wan(80)));
    // A quarter not begun is refused for the trend as for the screen.
    assert!(admin.performance_trend(Some(Quarter::new(2027, 2).unwrap())).is_err());
    // Staff may not read it.
    assert!(b.session("2001").performance_trend(None).is_err());
}

/// A past quarter's 员工绩效 and drill-down stay as the quarter ended: a handover after it must
/// not move its figures, also when the quarter before it was never frozen (QA of #12: the first
/// frozen quarter fell back to today's maintainers).
#[test]
fn a_handover_after_a_quarter_moves_none_of_its_figures() {
    let b = common::branch();
    let admin = b.session("9001");
    let balance = |no: &str, wan: i64| ClientRecord {
        line: 2,
        no: Some(common::cno(no)),
        assets: Some(Fen::wan(wan)),
        ..ClientRecord::default()
    };
    b.clock.advance(Duration::days(20)); // 12-08: C1's balance grows with 2001
    assert!(admin.import_clients(vec![balance("C1", 50)], "12月.csv".into(), false, vec![]).unwrap().written);
    b.clock.advance(Duration::days(25)); // 2027-01-02: Q4 frozen (Q3 never was)
    let q4 = Quarter::new(2026, 4).unwrap();
    let before = admin.performance(Some(q4)).unwrap();
    assert!(!before.holders_frozen && before.holders_at_end);
    b.clock.advance(Duration::days(4)); // 01-06: C1 goes to 2002
    b.session("1001").assign(vec![common::cno("C1")], Some(common::sno("2002")), "调整".into()).unwrap();
    let after = admin.performance(Some(q4)).unwrap();
    assert_eq!(after.staff, before.staff, "Q4's figures moved with a January handover");
    assert_eq!(after.outlets, before.outlets);
    // The drill-down names who held the client when Q4 ended, not its maintainer today.
    let gold = admin.results_clients(Some(q4), mingdan::service::views::ResultsFigure::GoldPlus).unwrap();
    let c1 = gold.iter().find(|r| r.no == common::cno("C1")).expect("C1 is gold");
    assert_eq!(c1.maintainer.as_ref().map(|m| m.no.as_str()), Some("2001"));
    // The current quarter names today's maintainer.
    let now = admin.results_clients(None, mingdan::service::views::ResultsFigure::GoldPlus).unwrap();
    let c1 = now.iter().find(|r| r.no == common::cno("C1")).unwrap();
    assert_eq!(c1.maintainer.as_ref().map(|m| m.no.as_str()), Some("2002"));
}
