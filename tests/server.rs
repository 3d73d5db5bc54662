//! The branch server over its real socket: identity from peer credentials, permissions, many
//! clients at once, live change notification, and clients that misbehave.

mod common;
mod serverkit;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use mingdan::domain::*;
use mingdan::server::wire::{self, Hello};
use mingdan::server::{ConnectError, Identity, RemoteApi, identify};
use mingdan::service::views::AuditFilter;
use mingdan::service::{Api, Request, Response, ServiceError};
use serverkit::*;

#[test]
fn a_connection_acts_as_the_staff_member_its_uid_maps_to_and_an_unmapped_uid_is_refused() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());

    let remote = server.connect();
    assert_eq!(remote.greeting().staff, Some(sno("2001")));
    assert!(remote.greeting().who.contains("王芳"), "{:?}", remote.greeting());
    let me = remote.whoami().unwrap();
    assert_eq!(me.staff.no, sno("2001"));
    // The roster served is 2001's own, as the service decides for that staff member.
    let page = remote.roster(None, Default::default(), Default::default()).unwrap();
    assert_eq!(page.rows.len(), 3);

    // Once the login is taken off the directory, the next connection is refused and told what to do.
    unmap_me(&b.service, "9001");
    match RemoteApi::connect(&server.socket) {
        Err(ConnectError::Refused(ServiceError::UnknownUser(msg))) => {
            assert!(msg.contains(&my_login()) && msg.contains("不在员工名录中"), "{msg}");
            assert!(msg.contains("管理员") && msg.contains("mingdan staff add"), "{msg}");
        }
        Err(other) => panic!("expected a refusal naming the login, got {other:?}"),
        Ok(_) => panic!("an unmapped uid was let in"),
    }
    // The session opened before is re-identified on each request, so it stops working too.
    assert!(matches!(remote.whoami(), Err(ServiceError::UnknownUser(_))));
}

#[test]
fn a_deactivated_login_and_a_uid_without_a_login_are_refused() {
    let b = branch();
    // 2002 has no clients, so an administrator may deactivate them.
    map_me(&b.service, "9001", "2002");
    let admin = b.session("9001");
    let mut s = admin.list_staff().unwrap().into_iter().find(|s| s.no == sno("2002")).unwrap();
    s.active = false;
    admin.save_staff(s).unwrap();
    let server = serve_in(b.service.clone(), b.dir.path());
    match RemoteApi::connect(&server.socket) {
        Err(ConnectError::Refused(ServiceError::UnknownUser(msg))) => {
            assert!(msg.contains("已停用"), "{msg}")
        }
        other => panic!("{:?}", other.map(|r| r.greeting().clone())),
    }
    drop(server);

    let mut opts = options(b.dir.path());
    opts.login_of = |_| None;
    let server = serve(b.service.clone(), opts);
    match RemoteApi::connect(&server.socket) {
        Err(ConnectError::Refused(ServiceError::UnknownUser(msg))) => {
            assert!(msg.contains("无法确定系统用户") && msg.contains("管理员"), "{msg}")
        }
        other => panic!("{:?}", other.map(|r| r.greeting().clone())),
    }
}

#[test]
fn the_service_account_may_back_up_and_check_but_do_no_work() {
    let b = branch();
    unmap_me(&b.service, "9001");
    let uid = mingdan::os::effective_uid();
    // Without being named the service account, an unmapped uid is simply refused…
    assert!(identify(&b.service, uid, mingdan::os::login_of_uid, None).is_err());
    // …and named, it is let in as the service account.
    let id = identify(&b.service, uid, mingdan::os::login_of_uid, Some(uid)).unwrap();
    assert!(matches!(id, Identity::ServiceAccount { .. }), "{id:?}");

    let mut opts = options(b.dir.path());
    opts.service_uid = Some(uid);
    let server = serve(b.service.clone(), opts);
    let remote = server.connect();
    assert!(remote.greeting().who.contains("服务账户"), "{:?}", remote.greeting());
    assert!(remote.check().unwrap().is_ok());
    let image = remote.backup(vec![], true).unwrap();
    assert!(image.info.count(mingdan::store::Tree::Clients) == 4);
    match remote.roster(None, Default::default(), Default::default()) {
        Err(ServiceError::Denied(msg)) => assert!(msg.contains("只能备份和检查"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // Recorded once the nightly job says the file is written, as the service account.
    let audit = || {
        b.session("9001")
            .audit(AuditFilter { action: Some(AuditAction::Backup), ..Default::default() })
            .unwrap()
    };
    assert!(audit().is_empty(), "nothing written yet");
    remote.backup_saved("/var/backups/mingdan/x.mdbak".into(), image.info.checksum.clone()).unwrap();
    let audit = audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "system");
    assert!(audit[0].detail.contains("服务账户"), "{:?}", audit[0]);
}

#[test]
fn a_staff_members_manager_only_request_is_refused_over_the_socket() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let teller = server.connect();
    match teller.audit(AuditFilter::default()) {
        Err(ServiceError::Denied(msg)) => assert!(msg.contains("管理者") && msg.contains("王芳"), "{msg}"),
        other => panic!("a teller read the audit trail: {other:?}"),
    }
    match teller.assign(vec![cno("C4")], Some(sno("2001")), "接手".into()) {
        Err(ServiceError::Denied(_)) => {}
        other => panic!("a teller assigned a client: {other:?}"),
    }
    assert!(matches!(teller.backup(vec![], true), Err(ServiceError::Denied(_))));
    // Nothing was assigned.
    assert_eq!(b.session("9001").client(cno("C4")).unwrap().client.maintainer, None);

    // The same uid mapped to the outlet head may.
    map_me(&b.service, "9001", "1001");
    let head = server.connect();
    assert!(!head.audit(AuditFilter::default()).unwrap().is_empty());
}

/// `clients` sessions each logging `each` contacts at once over the socket; every one must be
/// acknowledged and present. Returns the wall time and each request's latency, sorted.
fn load(clients: usize, each: usize) -> (Duration, Vec<Duration>) {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    // Thirty people, played by this one uid: their connections are let past the per-account
    // limit that would stop one person opening so many.
    let mut opts = options(b.dir.path());
    opts.limits.connections_per_uid = clients.max(mingdan::server::limits::DEFAULT_CONNECTIONS_PER_UID);
    let server = serve(b.service.clone(), opts);
    let before = b.session("9001").check().unwrap();
    let contacts_before = before.counts.iter().find(|(n, _)| n == "联系记录").unwrap().1;

    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|i| {
            let remote = server.connect();
            std::thread::spawn(move || {
                let mut ids = Vec::with_capacity(each);
                let mut times = Vec::with_capacity(each);
                for n in 0..each {
                    let mut d = draft(["C1", "C2", "C3"][(i + n) % 3], Purpose::Marketing);
                    d.note = format!("并发测试 {i}-{n}");
                    let t = Instant::now();
                    let logged = remote.log_contact(d).unwrap_or_else(|e| panic!("client {i} #{n}: {e}"));
                    times.push(t.elapsed());
                    ids.push(logged.contact);
                }
                (ids, times)
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    let mut times = Vec::new();
    for w in workers {
        let (i, t) = w.join().expect("a client thread failed");
        ids.extend(i);
        times.extend(t);
    }
    let wall = started.elapsed();
    assert_eq!(ids.len(), clients * each, "every acknowledgement names its own contact");

    let after = b.session("9001").check().unwrap();
    assert!(after.is_ok(), "{:?}", after.problems);
    let contacts_after = after.counts.iter().find(|(n, _)| n == "联系记录").unwrap().1;
    assert_eq!(contacts_after - contacts_before, (clients * each) as u64);
    let logged =
        b.session("9001").audit(AuditFilter { action: Some(AuditAction::LogContact), ..Default::default() });
    assert_eq!(logged.unwrap().len(), clients * each);
    server.stop().unwrap();
    times.sort();
    (wall, times)
}

fn report(clients: usize, each: usize, wall: Duration, times: &[Duration]) {
    eprintln!(
        "branch server under load: {clients} clients × {each} contacts in {:.2} s ({:.0} writes/s); \
         log_contact latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        wall.as_secs_f64(),
        (clients * each) as f64 / wall.as_secs_f64(),
        percentile_ms(times, 0.50),
        percentile_ms(times, 0.99),
        percentile_ms(times, 1.0),
    );
}

#[test]
fn thirty_concurrent_clients_each_log_200_contacts_and_all_6000_are_there() {
    let (wall, times) = load(30, 200);
    report(30, 200, wall, &times);
}

/// The figures in docs/PERFORMANCE.md:
/// `cargo test --release --test server -- --ignored --nocapture load_profile`
#[test]
#[ignore]
fn load_profile() {
    for clients in [1, 10, 30] {
        let (wall, times) = load(clients, 200);
        report(clients, 200, wall, &times);
    }
}

#[test]
fn a_change_in_one_session_shows_in_anothers_counter() {
    let b = branch();
    map_me(&b.service, "9001", "1001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let watcher = server.connect();
    let writer = server.connect();
    let seen = watcher.changes().unwrap();
    assert_eq!(watcher.changes().unwrap(), seen, "reading moves nothing");
    writer.log_contact(draft("C1", Purpose::Callback)).unwrap();
    let after_contact = watcher.changes().unwrap();
    assert_ne!(after_contact, seen, "another session's contact is visible");
    writer.assign(vec![cno("C4")], Some(sno("2002")), "新客户".into()).unwrap();
    assert_ne!(watcher.changes().unwrap(), after_contact, "another session's reassignment is visible");
    // A refused write changes nothing.
    let now = watcher.changes().unwrap();
    assert!(writer.assign(vec![cno("C4")], Some(sno("2002")), "  ".into()).is_err());
    assert_eq!(watcher.changes().unwrap(), now);
}

fn raw_connect(socket: &std::path::Path) -> UnixStream {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&Hello::ours().encode()).unwrap();
    let theirs = Hello::read_from(&mut s).unwrap();
    assert!(theirs.compatible(&Hello::ours()));
    assert_eq!(wire::read_status(&mut s).unwrap(), Ok(()));
    wire::read_frame(&mut s, wire::MAX_RESPONSE).unwrap();
    s
}

fn ask(s: &mut UnixStream, body: &[u8]) -> Result<Response, ServiceError> {
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    s.write_all(&f).unwrap();
    wire::decode_answer(&wire::read_frame(s, wire::MAX_RESPONSE).unwrap()).unwrap()
}

/// True once the server has closed the connection (a read returns end of file).
fn closed_by_server(s: &mut UnixStream) -> bool {
    let mut buf = [0u8; 64];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            // Closing with our bytes still unread resets the connection instead.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn malformed_frames_and_stalled_clients_cost_only_their_own_connection() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let mut opts = options(b.dir.path());
    opts.timeouts = short_timeouts();
    let server = serve(b.service.clone(), opts);
    let good = server.connect();

    // Garbage inside a well-formed frame gets an answer, and the connection carries on.
    let mut s = raw_connect(&server.socket);
    match ask(&mut s, &[250, 255, 255, 255, 255, 7]) {
        Err(ServiceError::Transport(msg)) => assert!(msg.contains("无法解析"), "{msg}"),
        other => panic!("{other:?}"),
    }
    let whoami = wire::frame(&Request::WhoAmI {}).unwrap();
    assert!(matches!(ask(&mut s, &whoami[4..]), Ok(Response::WhoAmI(_))));
    let mut rng = fastrand::Rng::with_seed(66);
    for _ in 0..300 {
        let body: Vec<u8> = (0..rng.usize(0..40)).map(|_| rng.u8(..)).collect();
        let _ = ask(&mut s, &body);
    }

    // A frame claiming a gigabyte is refused before anything is read into memory.
    let mut big = raw_connect(&server.socket);
    big.write_all(&(1u32 << 30).to_be_bytes()).unwrap();
    let answer = wire::decode_answer(&wire::read_frame(&mut big, wire::MAX_RESPONSE).unwrap()).unwrap();
    assert!(matches!(answer, Err(ServiceError::Transport(ref m)) if m.contains("过大")), "{answer:?}");
    assert!(closed_by_server(&mut big));

    // A client that sends half a request and stalls holds only its own thread…
    let mut stalled = raw_connect(&server.socket);
    stalled.write_all(&[0, 0, 0, 100, 1, 2, 3]).unwrap();
    let mut silent = UnixStream::connect(&server.socket).unwrap();
    silent.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let t = Instant::now();
    good.log_contact(draft("C1", Purpose::Marketing)).unwrap();
    assert!(t.elapsed() < Duration::from_millis(400), "others are served while it stalls");
    // …until the frame deadline closes it; one that never says hello is closed as well.
    assert!(closed_by_server(&mut stalled));
    assert!(closed_by_server(&mut silent));
    // Not a mingdan client at all.
    let mut http = UnixStream::connect(&server.socket).unwrap();
    http.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    http.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(closed_by_server(&mut http));

    assert!(good.check().is_err(), "a teller may not check, but the server still answers");
    assert_eq!(good.whoami().unwrap().staff.no, sno("2001"));
    server.stop().unwrap();
}

#[test]
fn a_client_of_another_version_is_told_to_use_the_same_one() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let older = Hello { protocol: 0, version: "0.0.9".into(), ..Hello::ours() };
    match mingdan::server::remote::handshake(&server.socket, &older) {
        Err(ConnectError::Refused(ServiceError::Transport(msg))) => {
            assert!(msg.contains("不兼容") && msg.contains("0.0.9"), "{msg}");
            assert!(msg.contains(env!("CARGO_PKG_VERSION")) && msg.contains("升级"), "{msg}");
        }
        other => panic!("{:?}", other.map(|(_, g)| g)),
    }
    let changed = Hello { fingerprint: Hello::ours().fingerprint ^ 1, ..Hello::ours() };
    assert!(matches!(
        mingdan::server::remote::handshake(&server.socket, &changed),
        Err(ConnectError::Refused(ServiceError::Transport(_)))
    ));
}

#[test]
fn stopping_lets_requests_in_flight_finish_and_removes_the_socket() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let socket = server.socket.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let remote = server.connect();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    match remote.log_contact(draft("C2", Purpose::Marketing)) {
                        Ok(l) => acked.push(l.contact),
                        Err(e) => return (acked, Some(e)),
                    }
                }
                (acked, None)
            })
        })
        .collect();
    let admin = b.session("9001");
    let start = admin.changes().unwrap();
    wait_until(Duration::from_secs(10), "some writes", || admin.changes().unwrap() - start > 20);
    drop(admin);
    server.stop().unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(!socket.exists(), "the socket is removed so new clients see there is no server");
    let mut acked = Vec::new();
    for w in workers {
        let (a, err) = w.join().unwrap();
        acked.extend(a);
        if let Some(e) = err {
            let msg = e.to_string();
            assert!(msg.contains("没有运行") || msg.contains("中断") || msg.contains("没有执行"), "{msg}");
        }
    }
    let b = b.reopen();
    let card = b.session("2001").client(cno("C2")).unwrap();
    assert!(card.client.last_contact.is_some());
    let logged =
        b.session("9001").audit(AuditFilter { action: Some(AuditAction::LogContact), ..Default::default() });
    assert!(logged.unwrap().len() >= acked.len(), "every acknowledged contact was kept");
    assert!(b.session("9001").check().unwrap().is_ok());
}

#[test]
fn a_client_dropped_mid_request_leaves_the_whole_write_or_nothing() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let admin = b.session("9001");
    let contacts = || {
        let r = admin.check().unwrap();
        assert!(r.is_ok(), "{:?}", r.problems);
        r.counts.iter().find(|(n, _)| n == "联系记录").unwrap().1
    };
    let log = |note: &str| {
        let mut d = draft("C3", Purpose::Callback);
        d.note = note.into();
        wire::frame(&Request::LogContact { draft: d }).unwrap()
    };

    // The SSH session drops halfway through sending: the server never sees a request.
    let half = log("只发出一半");
    let mut s = raw_connect(&server.socket);
    s.write_all(&half[..half.len() / 2]).unwrap();
    drop(s);
    // It drops after sending but before the answer: the write happens whole.
    let mut s = raw_connect(&server.socket);
    s.write_all(&log("发出后断开")).unwrap();
    drop(s);
    wait_until(Duration::from_secs(10), "the whole request to be carried out", || contacts() == 1);

    // Another client's request, answered, shows the server has long finished with both.
    server.connect().log_contact(draft("C3", Purpose::Marketing)).unwrap();
    assert_eq!(contacts(), 2);
    let card = admin.client(cno("C3")).unwrap();
    let notes: Vec<&str> = card.contacts.iter().map(|c| c.contact.note.as_str()).collect();
    assert!(notes.contains(&"发出后断开") && !notes.contains(&"只发出一半"), "{notes:?}");
    let audited = admin.audit(AuditFilter { action: Some(AuditAction::LogContact), ..Default::default() });
    assert_eq!(audited.unwrap().len(), 2, "each contact with its audit record");
    // The callback the dropped request completed was rescheduled in the same transaction.
    assert_eq!(card.open_tasks.iter().filter(|t| matches!(t.id.kind, TaskKind::Callback { .. })).count(), 1);
}

#[test]
fn check_while_others_write_reports_no_false_damage() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|i| {
            let remote = server.connect();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    remote.log_contact(draft(["C1", "C2", "C3"][(i + n) % 3], Purpose::Callback)).unwrap();
                    n += 1;
                }
            })
        })
        .collect();
    let admin = b.session("9001");
    for _ in 0..30 {
        let r = admin.check().unwrap();
        assert!(r.is_ok(), "check saw a write halfway: {:?}", r.problems);
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
}

#[test]
fn a_teller_guessing_another_outlets_phone_over_the_socket_is_audited_then_refused() {
    let b = branch();
    // 2002 maintains none of C1..C4; C4 is nobody's, C1 is 2001's.
    map_me(&b.service, "9001", "2002");
    let server = serve_in(b.service.clone(), b.dir.path());
    let remote = server.connect();
    // The brute force: the four hidden digits of C1's phone (138****8000), tried in a loop.
    let mut found_at = None;
    let mut refused_at = None;
    for guess in (0..=9999).rev().take(60).chain([13]) {
        let r = remote.search(format!("138{guess:04}8000"), 20).unwrap();
        assert!(r.ready);
        if r.notice.is_some() {
            refused_at.get_or_insert(guess);
            assert!(r.hits.is_empty(), "confirmed beyond the limit: {r:?}");
        } else if !r.hits.is_empty() {
            found_at = Some(guess);
        }
    }
    assert_eq!(found_at, None, "C1's phone (0013) was tried only after the limit");
    assert!(refused_at.is_some(), "60 guesses an hour must hit the default limit of 20");
    let filter =
        AuditFilter { actor: Some("2002".into()), action: Some(AuditAction::Reveal), ..Default::default() };
    assert!(remote.audit(filter.clone()).is_err(), "staff cannot read the audit");
    let admin = b.session("9001");
    assert!(admin.audit(filter.clone()).unwrap().is_empty(), "no hidden number was confirmed, none written");

    // Within the limit a whole-number match of another's client is allowed, and written down.
    b.clock.advance(chrono::Duration::hours(2));
    let r = remote.search("13800138000".into(), 20).unwrap();
    assert_eq!((r.hits.len(), r.notice.as_deref()), (1, None));
    let rec = admin.audit(filter).unwrap();
    assert_eq!(rec.len(), 1);
    assert_eq!((rec[0].target.as_str(), rec[0].detail.as_str()), ("C1", "手机号码（整号搜索 138****8000）"));

    // The card the socket carries holds no more than it shows.
    let card = remote.client(cno("C1")).unwrap();
    let sent = format!("{card:?}");
    for secret in ["1949", "13800138000", SAME_ENDING_IDS[0]] {
        assert!(!sent.contains(secret), "{secret} went over the socket: {sent}");
    }
    assert_eq!(card.client.birthday.map(|m| m.to_string()).as_deref(), Some("12-31"));
}

#[test]
fn the_server_seals_the_audit_on_its_timer_and_the_seal_verifies_with_the_key() {
    let b = branch();
    let key = b.session("9001").seal_init(900).unwrap().key;
    b.session("2001").reveal(cno("C1"), Sensitive::Phone).unwrap();
    let server = serve_in(b.service.clone(), b.dir.path());
    // The sealer's first look is as the server starts; then every 10 seconds.
    wait_until(Duration::from_secs(10), "a seal record", || {
        b.session("9001")
            .audit(AuditFilter { action: Some(AuditAction::Seal), ..AuditFilter::default() })
            .is_ok_and(|seals| seals.len() == 1)
    });
    server.stop().unwrap();
    let v = b.session("9001").verify_audit(Some(key)).unwrap();
    assert!(v.is_ok() && v.seals == 1 && v.unsealed.is_none(), "{v:?}");
}

/// Stopping the server keeps the search index beside the store, with what was written while it
/// served in it; the next start reads it instead of building, and finds those writes.
#[test]
fn a_stopped_server_keeps_its_search_index_for_the_next_start() {
    use mingdan::service::search::IndexOrigin;
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let remote = server.connect();
    remote.log_contact(draft("C2", Purpose::Marketing)).unwrap();
    let row = mingdan::service::imports::ClientRecord {
        line: 2,
        no: Some(cno("C5")),
        name: Some("周文博".into()),
        outlet: Some(OutletId::parse("城关").unwrap()),
        ..Default::default()
    };
    // The administrator at the server's own terminal, while it serves.
    let admin = b.session("9001");
    assert!(admin.import_clients(vec![row], "一条.csv".into(), false, vec![]).unwrap().written);
    drop((remote, admin));
    server.stop().unwrap();
    assert!(b.dir.path().join("search.index").exists(), "kept on the way out");
    let b = b.reopen();
    assert_eq!(b.service.search_origin(), Some(IndexOrigin::Read));
    let hits = b.session("2001").search("zwb".into(), 10).unwrap();
    assert_eq!(hits.hits.iter().map(|h| h.no.as_str()).collect::<Vec<_>>(), ["C5"]);
}
