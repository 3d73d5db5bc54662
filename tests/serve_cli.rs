//! `mingdan serve` and the clients as staff run them: permissions it sets, how it stops, and what
//! each mode says.

mod common;
mod serverkit;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::*;
use mingdan::domain::Purpose;
use mingdan::server::RemoteApi;
use mingdan::service::Api;
use serverkit::*;

fn mingdan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn my_group() -> (String, u32) {
    let gid = unsafe { libc::getegid() };
    let mut buf = vec![0u8; 16384];
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    let rc = unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr().cast(), buf.len(), &mut result) };
    assert!(rc == 0 && !result.is_null(), "this test needs a named primary group");
    (unsafe { std::ffi::CStr::from_ptr(grp.gr_name) }.to_string_lossy().into_owned(), gid)
}

fn spawn_serve(store: &Path, socket: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mingdan"))
        .arg("--store")
        .arg(store)
        .arg("--socket")
        .arg(socket)
        .arg("serve")
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A branch store this OS login acts in as `no`, closed so a child process can open it.
fn closed_store(no: &str) -> (StoreDir, std::path::PathBuf) {
    let b = branch();
    map_me(&b.service, "9001", no);
    let Branch { dir, service, .. } = b;
    drop(service);
    let store = dir.path().join("store");
    // A store directory someone left open to the group, which serve closes again.
    let sled_files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    std::fs::create_dir(&store).unwrap();
    for f in sled_files {
        std::fs::rename(&f, store.join(f.file_name().unwrap())).unwrap();
    }
    // The data key lives beside the store and moves with it.
    let key = mingdan::store::fields::key_path;
    std::fs::rename(key(dir.path()), key(&store)).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o750)).unwrap();
    (dir, store)
}

#[test]
fn serve_sets_permissions_and_sigterm_finishes_requests_flushes_and_exits_cleanly() {
    let (dir, store) = closed_store("2001");
    let socket = dir.path().join("run").join("mingdan.sock");
    let (group, gid) = my_group();
    let mut child = spawn_serve(&store, &socket, &["--group", &group]);
    wait_until(Duration::from_secs(20), "the server to answer", || RemoteApi::connect(&socket).is_ok());

    let sock = std::fs::metadata(&socket).unwrap();
    assert_eq!(sock.permissions().mode() & 0o777, 0o660, "socket writable by the group only");
    assert_eq!(sock.gid(), gid);
    let run = std::fs::metadata(socket.parent().unwrap()).unwrap();
    assert_eq!(run.permissions().mode() & 0o777, 0o750, "the group can reach the socket, others cannot");
    assert_eq!(run.gid(), gid);
    let st = std::fs::metadata(&store).unwrap();
    assert_eq!(st.permissions().mode() & 0o777, 0o700, "the store is the service account's alone");

    // A second server on the same socket is refused, and says why.
    let o = mingdan(&["--store", store.to_str().unwrap(), "--socket", socket.to_str().unwrap(), "serve"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("正被另一个程序使用") || text(&o).contains("已有 mingdan serve"),
        "{}",
        text(&o)
    );

    let remote = RemoteApi::connect(&socket).unwrap();
    let logged = remote.log_contact(draft("C1", Purpose::Callback)).unwrap();
    // SIGTERM: the server stops accepting, finishes, flushes, removes its socket and exits 0.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(log.contains("已停止") && log.contains("已写入磁盘"), "{log}");
    assert!(log.contains("已连接：王芳（2001）"), "the log names who connected: {log}");
    assert!(!log.contains("张伟") && !log.contains("13800"), "no client data in the log: {log}");
    assert!(!socket.exists());
    // The old connection notices the server is gone and says so in Chinese.
    let msg = remote.whoami().unwrap_err().to_string();
    assert!(msg.contains("没有运行") || msg.contains("中断"), "{msg}");

    let s = mingdan::store::Store::open(&store).unwrap();
    let from = d(2000, 1, 1).and_hms_opt(0, 0, 0).unwrap();
    let to = d(2100, 1, 1).and_hms_opt(0, 0, 0).unwrap();
    assert!(s.contacts_between(from, to).any(|c| c.unwrap().id == logged.contact));
    assert!(s.check(d(2026, 11, 18)).unwrap().is_ok());
}

#[test]
fn serve_refuses_an_unknown_group_with_what_to_do() {
    let (dir, store) = closed_store("2001");
    let socket = dir.path().join("run").join("mingdan.sock");
    let o = mingdan(&[
        "--store",
        store.to_str().unwrap(),
        "--socket",
        socket.to_str().unwrap(),
        "serve",
        "--group",
        "no-such-group-mingdan",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("找不到用户组") && text(&o).contains("groupadd"), "{}", text(&o));
}

#[test]
fn the_cli_says_which_mode_it_is_in_and_never_falls_back_when_refused() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let so = server.socket.to_str().unwrap().to_string();

    let o = mingdan(&["--socket", &so, "audit"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("服务器模式") && text(&o).contains("王芳（2001）"), "{}", text(&o));
    assert!(text(&o).contains("没有权限") && text(&o).contains("管理者"), "{}", text(&o));

    let o = mingdan(&["--socket", &so, "--as", "9001", "audit"]);
    assert!(!o.status.success() && text(&o).contains("--as 不能用于服务器模式"), "{}", text(&o));

    // Refused by the server: told to ask an administrator, with no attempt at the store.
    unmap_me(&b.service, "9001");
    let o = mingdan(&["--socket", &so, "staff", "list"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("不在员工名录中") && text(&o).contains("管理员"), "{}", text(&o));
    assert!(!text(&o).contains("单机模式"), "{}", text(&o));
    server.stop().unwrap();

    // A named socket with no server behind it is an error, not a silent switch to some store.
    let o = mingdan(&["--socket", &so, "check"]);
    assert!(!o.status.success() && text(&o).contains("没有运行"), "{}", text(&o));
}

#[test]
fn with_no_server_and_no_store_a_user_is_told_what_is_missing() {
    if Path::new(mingdan::server::DEFAULT_SOCKET).exists() {
        eprintln!("skipped: a real server socket exists on this machine");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mingdan"))
        .arg("check")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env_remove("MINGDAN_STORE")
        .env_remove("MINGDAN_SOCKET")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("mingdan 服务器") && t.contains("本机也没有数据库") && t.contains("联系管理员"),
        "{t}"
    );
    assert!(!home.path().join("data").join("mingdan").join("store").exists(), "no empty store was created");
}

#[test]
fn init_on_a_server_names_the_administrators_own_login_not_the_service_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let o = mingdan(&[
        "--store",
        store.to_str().unwrap(),
        "init",
        "--no",
        "9001",
        "--name",
        "张三",
        "--outlet",
        "城关",
        "--login",
        "zhangsan",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let service =
        mingdan::service::Service::open(&store, std::sync::Arc::new(mingdan::service::SystemClock)).unwrap();
    let admin = service.staff_for_login("zhangsan").unwrap();
    assert_eq!(admin.permission, mingdan::domain::Permission::Admin);
    assert!(service.staff_for_login(&my_login()).is_err());
}

/// A server that stops answering (here: stopped with SIGSTOP) must not freeze the terminal: the
/// footer says what is waited for, and Ctrl-C ends the session at once with the terminal restored.
#[test]
fn the_tui_over_a_server_that_stopped_answering_shows_the_wait_and_quits_on_ctrl_c() {
    use common::pty::Pty;
    let (dir, store) = closed_store("2001");
    let socket = dir.path().join("mingdan.sock");
    let mut server = spawn_serve(&store, &socket, &[]);
    wait_until(Duration::from_secs(20), "the socket", || socket.exists());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mingdan"));
    cmd.arg("--socket")
        .arg(&socket)
        .env("LANG", "zh_CN.UTF-8")
        .env("TERM", "xterm-256color")
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("NO_COLOR")
        .env_remove("LC_ALL");
    let mut p = Pty::spawn(&mut cmd, 80, 24);
    p.wait_for("今日", 30);
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(server.id() as i32, libc::SIGSTOP) };
    p.send(b"2");
    p.wait_for("正在等待服务器答复", 10);
    let pressed = std::time::Instant::now();
    p.send(b"\x03");
    let status = loop {
        if let Some(s) = p.child.try_wait().unwrap() {
            break s;
        }
        assert!(pressed.elapsed() < Duration::from_secs(5), "still running 5 s after Ctrl-C");
        std::thread::sleep(Duration::from_millis(2));
    };
    let took = pressed.elapsed();
    println!("Ctrl-C during a wait on a stopped server: the session ended after {took:?}");
    // The wait looks at the keyboard every 20 ms (a unit test holds it to 100 ms); the rest is the
    // pseudo-terminal's and a loaded machine's.
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(status.success(), "{status:?}");
    assert!(!p.alternate_screen(), "left the alternate screen");
    assert!(p.cooked(), "the terminal is back in cooked mode");
    unsafe { libc::kill(server.id() as i32, libc::SIGCONT) };
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn a_mistyped_command_line_is_told_in_chinese_with_the_usage_and_status_2() {
    for (args, says) in [
        (&["search", "w", "--limit", "-5"][..], "“-5”是负数"),
        (&["frobnicate"][..], "没有“frobnicate”这个命令"),
        (&["backup"][..], "缺少必须给出的参数"),
        (&["report", "bogus", "--out", "x.xlsx"][..], "可以是：coverage、results、performance、contacts"),
        (&["search", "w", "--limit", "abc"][..], "请写一个整数"),
        (&["search", "w", "--lmit", "5"][..], "不认识参数“--lmit”"),
    ] {
        let o = mingdan(args);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {out}");
        assert!(out.contains(says) && out.contains("mingdan --help"), "{args:?}: {out}");
        for english in ["error:", "unexpected argument", "tip:", "For more information"] {
            assert!(!out.contains(english), "clap's English reached the user for {args:?}: {out}");
        }
    }
    // Help is still help, with status 0.
    let o = mingdan(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_refused_request_reads_in_the_language_of_lang_also_over_the_socket() {
    let b = branch();
    map_me(&b.service, "9001", "1001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let so = server.socket.to_str().unwrap().to_string();
    let backwards = ["export", "contacts", "-", "--from", "2026-11-10", "--to", "2026-11-01"];

    let o = mingdan(&[&["--socket", so.as_str(), "--lang", "en"][..], &backwards[..]].concat());
    assert!(!o.status.success());
    let said = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(said.contains("mingdan: date: the end date is before the start date"), "{said}");
    assert!(!said.contains("结束日期"), "the refusal is English, not Chinese:\n{said}");

    // Chinese stays the default, word for word what it was.
    let o = mingdan(&[&["--socket", so.as_str()][..], &backwards[..]].concat());
    assert!(!o.status.success());
    assert!(text(&o).contains("mingdan：日期：结束日期早于开始日期"), "{}", text(&o));
    server.stop().unwrap();
}
