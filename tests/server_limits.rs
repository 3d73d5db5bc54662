//! What one system account may hold on the branch server (issue #11, point 4): connections and
//! request memory per uid, a uid with no staff record dropped at once and logged, and staff who
//! keep working while another account floods the server.
//!
//! The flood from another uid needs root (to create the test users and run a client as them);
//! without root that test says it is skipped. The others run as anyone.

mod common;
mod serverkit;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use mingdan::domain::*;
use mingdan::server::wire::{self, Hello};
use mingdan::server::{ConnectError, RemoteApi};
use mingdan::service::{Api, Request, Response, ServiceError};
use serverkit::*;

/// Connects and shakes hands as the real client does; a refusal is (status, message).
fn handshake(socket: &Path) -> Result<UnixStream, (u8, String)> {
    let mut s = UnixStream::connect(socket).map_err(|e| (255, format!("connect: {e}")))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // A refused uid may find the connection closed while sending; the refusal is still there.
    let _ = s.write_all(&Hello::ours().encode());
    Hello::read_from(&mut s).map_err(|e| (255, format!("hello: {e}")))?;
    match wire::read_status(&mut s).map_err(|e| (255, format!("status: {e}")))? {
        Ok(()) => {
            wire::read_frame(&mut s, wire::MAX_RESPONSE).unwrap();
            Ok(s)
        }
        Err(refusal) => Err(refusal),
    }
}

/// Sends a frame that declares `declared` bytes and carries only `sent` of them, in 1 MiB
/// pieces. Returns the server's answer if it refused the request and closed the connection.
fn send_part(s: &mut UnixStream, declared: usize, sent: usize) -> Option<Result<Response, ServiceError>> {
    let piece = vec![0u8; 1 << 20];
    let mut sending = s.write_all(&(declared as u32).to_be_bytes());
    let mut left = sent;
    while sending.is_ok() && left > 0 {
        let n = left.min(piece.len());
        sending = s.write_all(&piece[..n]);
        left -= n;
    }
    sending.err()?;
    let body = wire::read_frame(s, wire::MAX_RESPONSE).ok()?;
    Some(wire::decode_answer(&body).unwrap())
}

#[test]
fn one_account_is_held_to_its_share_of_connections_and_told_so_in_chinese() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let mut opts = options(b.dir.path());
    opts.timeouts = short_timeouts();
    opts.limits.connections = 8;
    opts.limits.connections_per_uid = 3;
    let server = serve(b.service.clone(), opts);

    // Connections that never say hello count from the moment they are accepted, and are closed
    // at the handshake deadline, so they cannot keep the account's slots.
    let silent: Vec<UnixStream> = (0..3).map(|_| UnixStream::connect(&server.socket).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    assert!(handshake(&server.socket).is_err(), "three silent connections hold the account's share");
    wait_until(Duration::from_secs(5), "the silent ones to be closed", || handshake(&server.socket).is_ok());
    drop(silent);

    // Slots come back as connections close; three handshaken ones fill the share again.
    let mut held = Vec::new();
    wait_until(Duration::from_secs(5), "three connections at once", || {
        held.clear();
        std::thread::sleep(Duration::from_millis(20));
        held = (0..3).filter_map(|_| handshake(&server.socket).ok()).collect();
        held.len() == 3
    });
    match handshake(&server.socket) {
        Err((status, msg)) => {
            assert_eq!(status, wire::BUSY);
            assert!(msg.contains("已同时打开 3 个") && msg.contains("每个账户的上限"), "{msg}");
            assert!(msg.contains("关闭不用的 mingdan"), "{msg}");
        }
        Ok(_) => panic!("a fourth connection from one uid was let in"),
    }
    // The real client shows the same sentence.
    match RemoteApi::connect(&server.socket) {
        Err(ConnectError::Refused(ServiceError::Transport(msg))) => {
            assert!(msg.contains("每个账户的上限"), "{msg}")
        }
        other => panic!("{:?}", other.map(|r| r.greeting().clone())),
    }
    drop(held);
    wait_until(Duration::from_secs(5), "the slots to come back", || {
        RemoteApi::connect(&server.socket).is_ok()
    });
    server.stop().unwrap();
}

#[test]
fn limits_that_let_one_account_take_every_slot_are_refused_at_start() {
    let b = branch();
    let mut opts = options(b.dir.path());
    opts.limits.connections_per_uid = opts.limits.connections;
    let err = mingdan::server::Server::bind(b.service.clone(), opts).err().expect("bind must refuse");
    assert!(err.to_string().contains("--max-connections-per-user"), "{err}");
    let o = Command::new(env!("CARGO_BIN_EXE_mingdan"))
        .args(["--store", "/nonexistent", "--socket", "/nonexistent/s", "serve"])
        .args(["--max-request-memory", "64", "--max-request-memory-per-user", "80"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && text.contains("--max-request-memory-per-user"), "{text}");
}

#[test]
fn a_request_over_the_accounts_memory_share_is_refused_before_its_body_is_read() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let mut opts = options(b.dir.path());
    opts.limits.buffered_per_uid = 1 << 20;
    opts.limits.buffered = 4 << 20;
    let server = serve(b.service.clone(), opts);
    let remote = server.connect();

    // An upload of 900 KB under way holds most of this account's 1 MiB…
    let mut uploading = handshake(&server.socket).unwrap();
    assert!(send_part(&mut uploading, 900_000, 1000).is_none());
    // Time for the server to read the length (it charges it at once); nothing else to wait on.
    std::thread::sleep(Duration::from_millis(500));
    // …so a second one from the same account is refused from its length alone, and the real
    // client shows why although the server closed before taking all of it.
    let mut d = draft("C1", Purpose::Marketing);
    d.note = "长".repeat(300_000);
    let big = Request::LogContact { draft: d };
    match remote.call(big.clone()) {
        Err(ServiceError::Transport(msg)) => {
            assert!(msg.contains("每个账户的上限 1.0 MiB") && msg.contains("没有执行"), "{msg}")
        }
        other => panic!("{other:?}"),
    }
    // Small requests still fit in what is left.
    assert_eq!(remote.whoami().unwrap().staff.no, sno("2001"));

    // The upload finishes (as garbage) and is answered: its share comes back.
    uploading.write_all(&vec![0xee; 900_000 - 1000]).unwrap();
    let answer = wire::decode_answer(&wire::read_frame(&mut uploading, wire::MAX_RESPONSE).unwrap()).unwrap();
    assert!(matches!(answer, Err(ServiceError::Transport(ref m)) if m.contains("无法解析")), "{answer:?}");
    match remote.call(big) {
        // Now the service itself decides: the note is far longer than a contact's note may be.
        Err(e) => assert!(!e.to_string().contains("每个账户的上限"), "{e}"),
        Ok(r) => panic!("a 900 KB note was accepted: {r:?}"),
    }
    server.stop().unwrap();
}

/// A branch store this OS login acts in as `no`, in `dir/store`, closed so a child process can
/// open it; `dir` itself may be entered by other users (to reach the socket), not read.
fn closed_store(no: &str, extra: impl FnOnce(&Branch)) -> (StoreDir, PathBuf) {
    let b = branch();
    map_me(&b.service, "9001", no);
    extra(&b);
    let Branch { dir, service, .. } = b;
    drop(service);
    let store = dir.path().join("store");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    std::fs::create_dir(&store).unwrap();
    for f in files {
        std::fs::rename(&f, store.join(f.file_name().unwrap())).unwrap();
    }
    // The data key lives beside the store and moves with it.
    let key = mingdan::store::fields::key_path;
    std::fs::rename(key(dir.path()), key(&store)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    (dir, store)
}

/// `mingdan serve` as a process, its log going to `dir/serve.log`.
struct Served {
    child: Child,
    socket: PathBuf,
    log: PathBuf,
}

impl Served {
    fn start(dir: &Path, store: &Path, extra: &[&str]) -> Served {
        let socket = dir.join("run").join("mingdan.sock");
        let log = dir.join("serve.log");
        let child = Command::new(env!("CARGO_BIN_EXE_mingdan"))
            .arg("--store")
            .arg(store)
            .arg("--socket")
            .arg(&socket)
            .arg("serve")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let served = Served { child, socket, log };
        wait_until(Duration::from_secs(30), "the server to answer", || {
            RemoteApi::connect(&served.socket).is_ok()
        });
        served
    }

    /// kB of memory the server holds now (VmRSS) and has held at most (VmHWM).
    fn memory_kb(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// SIGTERM, then the whole log.
    fn stop(mut self) -> String {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap();
        assert!(status.success(), "{status:?}\n{log}");
        log
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The figures in docs/DEPLOY.md come from this test's output (`--nocapture`).
#[test]
fn ten_half_sent_63_mib_requests_from_one_uid_do_not_raise_the_servers_memory_by_their_size() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc to read the server's memory from");
        return;
    }
    let (dir, store) = closed_store("2001", |_| {});
    let served = Served::start(dir.path(), &store, &[]);
    let remote = RemoteApi::connect(&served.socket).unwrap();
    remote.whoami().unwrap();
    let (before, _) = served.memory_kb();

    const DECLARED: usize = 63 << 20;
    let socket = served.socket.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let senders: Vec<_> = (0..10)
        .map(|_| {
            let socket = socket.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut s = handshake(&socket).unwrap();
                let refused = send_part(&mut s, DECLARED, DECLARED / 2);
                tx.send(()).unwrap();
                // Held open, half-sent, until the test has measured.
                (s, refused)
            })
        })
        .collect();
    for _ in 0..10 {
        rx.recv_timeout(Duration::from_secs(120)).expect("a sender stalled");
    }
    // The server read what was sent: the accepted one's half is in its memory now.
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(remote.whoami().unwrap().staff.no, sno("2001"));
    assert!(t.elapsed() < Duration::from_secs(2), "the account's other requests are still answered");
    let (after, peak) = served.memory_kb();
    let results: Vec<_> = senders.into_iter().map(|h| h.join().unwrap()).collect();
    let refused: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().map(|a| format!("{:?}", a.as_ref().map(|_| ()))))
        .collect();
    eprintln!(
        "ten half-sent 63 MiB requests from one uid: server RSS {} MB before, {} MB after, peak {} MB; \
         {} of 10 refused from their length",
        before / 1024,
        after / 1024,
        peak / 1024,
        refused.len()
    );
    assert_eq!(refused.len(), 9, "only one 63 MiB request fits in the account's 80 MiB");
    for r in &refused {
        assert!(r.contains("每个账户的上限") && r.contains("没有执行"), "{r}");
    }
    assert!(
        peak.saturating_sub(before) < 100 * 1024,
        "memory rose by {} MB for 31.5 MiB actually received",
        peak.saturating_sub(before) / 1024
    );
    drop(results);
    served.stop();
}

// ---------------------------------------------------------------------------------------------
// Another uid: root creates the users, and a client runs as them.

/// A group and users made for one test run, deleted again however the test ends.
struct TestUsers {
    group: String,
    users: Vec<String>,
}

impl TestUsers {
    fn create(tag: &str, users: &[&str]) -> TestUsers {
        let group = format!("mdt{tag}");
        let made =
            TestUsers { group: group.clone(), users: users.iter().map(|u| format!("{u}{tag}")).collect() };
        made.remove();
        run(Command::new("groupadd").arg(&group));
        for u in &made.users {
            run(Command::new("useradd").args(["-M", "-N", "-g", &group, "-s", "/usr/sbin/nologin", u]));
        }
        made
    }

    fn uid(&self, user: &str) -> u32 {
        let c = std::ffi::CString::new(user).unwrap();
        let pw = unsafe { libc::getpwnam(c.as_ptr()) };
        assert!(!pw.is_null(), "user {user} was not created");
        unsafe { (*pw).pw_uid }
    }

    fn gid(&self) -> u32 {
        mingdan::os::gid_of_group(&self.group).unwrap()
    }

    fn remove(&self) {
        for u in &self.users {
            let _ = Command::new("userdel").arg(u).stderr(Stdio::null()).status();
        }
        let _ = Command::new("groupdel").arg(&self.group).stderr(Stdio::null()).status();
    }
}

impl Drop for TestUsers {
    fn drop(&mut self) {
        self.remove();
    }
}

fn run(cmd: &mut Command) {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// Runs `client_as_another_uid` in a copy of this test binary as `uid`.
fn client_as(uid: u32, gid: u32, job: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "client_as_another_uid", "--ignored", "--nocapture", "--test-threads=1"])
        .env("MINGDAN_LIMITS_CLIENT", job)
        .uid(uid)
        .gid(gid)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Not a test: the client the flood test runs as another uid. `flood <socket> <n> <seconds>`
/// opens `n` silent connections at a time, again and again; `hold <socket> <n>` handshakes `n`
/// connections and one more, then holds them until stdin closes. Reports on lines starting
/// `CLIENT:`.
#[test]
#[ignore]
fn client_as_another_uid() {
    let Ok(job) = std::env::var("MINGDAN_LIMITS_CLIENT") else { return };
    let args: Vec<&str> = job.split('\t').collect();
    let socket = Path::new(args[1]);
    let n: usize = args[2].parse().unwrap();
    match args[0] {
        "flood" => {
            let until = Instant::now() + Duration::from_secs(args[3].parse().unwrap());
            let (mut connected, mut refused, mut accepted) = (0, 0, 0);
            let mut messages = std::collections::BTreeSet::new();
            while Instant::now() < until {
                // Silent: nothing written, as the attack was.
                let batch: Vec<UnixStream> =
                    (0..n).filter_map(|_| UnixStream::connect(socket).ok()).collect();
                connected += batch.len();
                for mut s in batch {
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let said = Hello::read_from(&mut s).ok().and_then(|_| wire::read_status(&mut s).ok());
                    match said {
                        Some(Ok(())) => accepted += 1,
                        Some(Err((_, msg))) => {
                            refused += 1;
                            messages.insert(msg.lines().next().unwrap_or_default().to_string());
                        }
                        None => {}
                    }
                }
            }
            println!("CLIENT: connected {connected} refused {refused} accepted {accepted}");
            for m in messages {
                println!("CLIENT: message {m}");
            }
        }
        "hold" => {
            let mut held = Vec::new();
            let mut refusals = Vec::new();
            for _ in 0..=n {
                match handshake(socket) {
                    Ok(s) => held.push(s),
                    Err((_, msg)) => refusals.push(msg),
                }
            }
            println!("CLIENT: accepted {} refused {}", held.len(), refusals.len());
            for m in &refusals {
                println!("CLIENT: message {m}");
            }
            println!("CLIENT: holding");
            std::io::stdout().flush().unwrap();
            let mut rest = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut rest);
            drop(held);
        }
        other => panic!("unknown job {other}"),
    }
}

/// The client's `CLIENT:` lines, read until one starts with `last` (or the client ends).
fn client_lines(child: &mut Child, last: &str) -> Vec<String> {
    let out = child.stdout.as_mut().unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(out);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        // libtest may have begun the line ("test client_as_another_uid ... ").
        if let Some(l) = line.trim_end().split_once("CLIENT: ").map(|(_, l)| l) {
            lines.push(l.to_string());
            if l.starts_with(last) {
                break;
            }
        }
        line.clear();
    }
    lines
}

#[test]
fn a_flood_from_a_uid_without_a_staff_record_is_refused_logged_and_staff_keep_working() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "skipped: creating test users and connecting as them needs root \
             (run `sudo cargo test --test server_limits` to include this test)"
        );
        return;
    }
    let tag = std::process::id().to_string();
    let users = TestUsers::create(&tag, &["mdf", "mds"]);
    let (flooder, holder) = (format!("mdf{tag}"), format!("mds{tag}"));
    let (flood_uid, hold_uid, gid) = (users.uid(&flooder), users.uid(&holder), users.gid());
    // Root is 王芳 (2001); the holding user is 李强 (2002); the flooding user is nobody.
    let (dir, store) = closed_store("2001", |b| {
        let admin = b.session("9001");
        let s = admin.list_staff().unwrap().into_iter().find(|s| s.no == sno("2002")).unwrap();
        admin.save_staff(Staff { login: Some(Login::parse(&holder).unwrap()), ..s }).unwrap();
    });
    let served = Served::start(dir.path(), &store, &["--group", &users.group]);
    let socket = served.socket.to_str().unwrap().to_string();
    let staff = RemoteApi::connect(&served.socket).unwrap();

    // 300 silent connections at a time for three seconds from a uid with no staff record.
    let mut flood = client_as(flood_uid, gid, &format!("flood\t{socket}\t300\t3"));
    let started = Instant::now();
    let mut answered = 0;
    let mut slowest = Duration::ZERO;
    while started.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        // New connections and requests on an open one both get through.
        let fresh = RemoteApi::connect(&served.socket)
            .unwrap_or_else(|e| panic!("staff refused during the flood: {e}"));
        assert_eq!(fresh.whoami().unwrap().staff.no, sno("2001"));
        staff.log_contact(draft("C1", Purpose::Marketing)).unwrap();
        slowest = slowest.max(t.elapsed());
        answered += 1;
    }
    let report = client_lines(&mut flood, "never");
    assert!(flood.wait().unwrap().success(), "{report:?}");
    eprintln!("flood client: {report:?}; staff answered {answered} times, slowest {slowest:?}");
    let counts: Vec<usize> = report[0].split(' ').filter_map(|w| w.parse().ok()).collect::<Vec<_>>();
    let [connected, refused, accepted] = counts[..] else { panic!("{report:?}") };
    assert!(connected >= 300 && accepted == 0 && refused == connected, "{report:?}");
    assert!(
        report.iter().any(|l| l.contains(&format!("登录名 {flooder} 不在员工名录中"))),
        "the flooder is told in Chinese why: {report:?}"
    );
    assert!(answered >= 3 && slowest < Duration::from_secs(2), "staff waited {slowest:?}");

    // A staff member holding their maximum (16 by default) is refused the 17th, in Chinese;
    // everyone else carries on.
    let mut hold = client_as(hold_uid, gid, &format!("hold\t{socket}\t16"));
    let said = client_lines(&mut hold, "holding");
    assert_eq!(said[0], "accepted 16 refused 1", "{said:?}");
    assert!(said[1].contains("已同时打开 16 个") && said[1].contains("每个账户的上限"), "{said:?}");
    let fresh = RemoteApi::connect(&served.socket).unwrap();
    assert_eq!(fresh.whoami().unwrap().staff.no, sno("2001"));
    staff.log_contact(draft("C2", Purpose::Marketing)).unwrap();
    drop(hold.stdin.take());
    assert!(hold.wait().unwrap().success());

    // The log names the flooding uid and login, in a line or two, not one per connection.
    let log = served.stop();
    let about_flooder: Vec<&str> = log.lines().filter(|l| l.contains(&format!("uid {flood_uid}"))).collect();
    assert!(
        about_flooder
            .iter()
            .any(|l| l.contains(&format!("登录名 {flooder}")) && l.contains("不在员工名录中")),
        "{log}"
    );
    assert!(
        about_flooder.iter().any(|l| l.contains("另有") && l.contains("被拒绝")),
        "the rest are counted: {about_flooder:?}"
    );
    assert!(about_flooder.len() <= 4, "{} lines for one flood: {about_flooder:?}", about_flooder.len());
    assert!(
        log.lines()
            .any(|l| l.contains(&format!("uid {hold_uid}（登录名 {holder}）")) && l.contains("连接上限")),
        "{log}"
    );
    assert!(log.lines().count() < 120, "the log stayed small: {} lines", log.lines().count());
    drop(users);
}
