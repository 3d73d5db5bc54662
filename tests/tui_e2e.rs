//! The real binary in a pseudo-terminal: a contact logged by keystrokes survives a restart, and
//! the terminal is usable again after a panic inside a screen.

mod common;

use std::path::Path;
use std::process::Command;

use common::pty::Pty;

fn mingdan(store: &Path, config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mingdan"));
    c.arg("--store")
        .arg(store)
        .env("LANG", "zh_CN.UTF-8")
        .env("TERM", "xterm-256color")
        .env("XDG_CONFIG_HOME", config)
        .env_remove("NO_COLOR")
        .env_remove("LC_ALL");
    c
}

const CTRL_S: &[u8] = b"\x13";

/// The first ten-digit client number in `line`.
fn client_number(line: &str) -> Option<String> {
    line.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 10).map(String::from)
}

#[test]
fn a_contact_logged_by_keystrokes_is_on_the_card_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let mut p = Pty::spawn(mingdan(&store, dir.path()).args(["demo", "--clients", "300"]), 80, 24);
    p.wait_for("逾期回访", 120);
    // The first line of 今日 is selected; `c` opens the contact form for it.
    p.send(b"c");
    // The form's first line names the client, number and all.
    let header = |s: &str| s.lines().nth(1).and_then(client_number);
    let form = p.wait_until("the form's client line", 10, |s| s.contains("联系方式") && header(s).is_some());
    let client = header(&form).unwrap_or_default();
    // Past 方式, 目的, 本次完成, 结果, 满意度 to 备注.
    p.send(b"\t\t\t\t\t");
    p.send("端到端测试：客户同意下周到网点".as_bytes());
    p.send(CTRL_S);
    p.wait_for("已保存", 10);
    p.send(b"q");
    assert!(p.wait_exit(10).success());
    assert!(!p.alternate_screen(), "left the alternate screen");
    assert!(p.cooked(), "the terminal is back in cooked mode");
    assert!(!p.input_modes_on(), "paste and mouse modes are off again");
    drop(p);

    let mut p = Pty::spawn(mingdan(&store, dir.path()).arg("demo"), 80, 24);
    p.wait_for("逾期回访", 30);
    p.send(b"/");
    p.wait_for("搜索", 5);
    p.send(client.as_bytes());
    p.wait_for("1 位客户", 10);
    p.send(b"\r");
    p.wait_until("the card with the contact", 10, |s| {
        s.contains("端到端测试：客户同意下周到网点") && s.contains(&client)
    });
    p.send(b"\x1b");
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send(b"\x03");
    assert!(p.wait_exit(10).success());
}

#[test]
fn a_form_open_when_the_connection_drops_is_offered_back_at_the_next_launch() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let mut p = Pty::spawn(mingdan(&store, dir.path()).args(["demo", "--clients", "200"]), 80, 24);
    p.wait_for("逾期回访", 120);
    p.send(b"c");
    p.wait_for("联系方式", 10);
    // Past 方式, 目的, 本次完成, 结果, 满意度 to 备注.
    p.send(b"\t\t\t\t\t");
    p.send("电话说到一半断线".as_bytes());
    // What the kernel sends when the SSH session's terminal goes away.
    // SAFETY: signalling our own child.
    unsafe { libc::kill(p.child.id() as i32, libc::SIGHUP) };
    p.wait_exit(10);
    drop(p);

    let mut p = Pty::spawn(mingdan(&store, dir.path()).arg("demo"), 80, 24);
    p.wait_until("the draft offer with its note", 30, |s| {
        s.contains("未保存的联系记录") && s.contains("电话说到一半断线")
    });
    p.send(b"\r");
    p.wait_until("the form with the draft's note", 10, |s| {
        s.contains("联系方式") && s.contains("电话说到一半断线")
    });
    p.send(b"\x03");
    p.wait_exit(10);
}

#[test]
fn a_plan_being_written_when_the_connection_drops_is_offered_back_in_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let mut p = Pty::spawn(mingdan(&store, dir.path()).args(["demo", "--clients", "200"]), 80, 24);
    p.wait_for("逾期回访", 120);
    // The first line of 今日 is one of my clients: open the card, then the plan editor.
    p.send(b"\r");
    p.wait_for("营销预案", 10);
    p.send(b"e");
    p.wait_for("Ctrl-S", 10);
    // On a line of its own (Enter is a new line here), so the check below is not split by wrapping.
    p.send(b"\r");
    p.send("断线前写的预案".as_bytes());
    p.wait_for("断线前写的预案", 10);
    // SAFETY: signalling our own child, as the kernel does when the SSH session goes away.
    unsafe { libc::kill(p.child.id() as i32, libc::SIGHUP) };
    p.wait_exit(10);
    drop(p);

    let mut p = Pty::spawn(mingdan(&store, dir.path()).arg("demo"), 80, 24);
    p.wait_for("逾期回访", 30);
    p.send(b"\r");
    p.wait_for("营销预案", 10);
    p.send(b"e");
    p.wait_until("the editor with the unsent plan", 10, |s| {
        s.contains("已恢复上次未保存的内容") && s.contains("断线前写的预案")
    });
    p.send(b"\x03");
    p.wait_exit(10);
}

/// Not run on its own: the panic test below runs this in a pseudo-terminal.
#[test]
#[ignore]
fn panicking_screen_child() {
    use crossterm::event::{KeyCode, KeyEvent};
    use mingdan::tui::screen::{Action, Ctx, KeyHelp, Screen};
    use mingdan::tui::text::Text;
    use ratatui::{Frame, layout::Rect, widgets::Paragraph};

    struct Boom;
    impl Screen for Boom {
        fn title(&self, _: &Text) -> String {
            "boom".into()
        }
        fn keys(&self, _: &Text) -> Vec<KeyHelp> {
            vec![]
        }
        fn on_key(&mut self, key: KeyEvent, _: &Ctx) -> Action {
            if key.code == KeyCode::Char('x') {
                panic!("屏幕内部出错（测试）");
            }
            Action::None
        }
        fn render(&mut self, f: &mut Frame, area: Rect, _: &Ctx) {
            f.render_widget(Paragraph::new("按 x 触发错误"), area);
        }
    }

    let b = common::branch();
    let session = b.session("2001");
    let opts = mingdan::tui::TuiOptions { theme: None, lang: None, mouse: true, mode: String::new() };
    let _ = mingdan::tui::run_with(std::sync::Arc::new(session), opts, |app| app.push(Box::new(Boom)));
}

#[test]
fn the_terminal_is_restored_after_a_panic_inside_a_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "panicking_screen_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env("LANG", "zh_CN.UTF-8")
        .env("TERM", "xterm-256color")
        .env("RUST_BACKTRACE", "0")
        .env("XDG_CONFIG_HOME", dir.path());
    let mut p = Pty::spawn(&mut cmd, 80, 24);
    p.wait_for("按 x 触发错误", 30);
    assert!(p.alternate_screen());
    assert!(p.input_modes_on(), "the app turned on paste and mouse modes");
    p.send(b"x");
    let status = p.wait_exit(10);
    assert!(!status.success(), "the panic fails the child");
    let screen = p.wait_for("屏幕内部出错（测试）", 5);
    assert!(!p.alternate_screen(), "back on the main screen:\n{screen}");
    assert!(p.cooked(), "raw mode is off:\n{screen}");
    assert!(!p.input_modes_on(), "paste and mouse modes are off again");
}

/// A complaint received by keystrokes from the client card (Enter on Today's first line, `o`)
/// is in the store after the app is closed: `mingdan complaints list` shows it at 分类 with the
/// severity chosen.
#[test]
fn a_complaint_received_by_keystrokes_is_listed_after_the_app_closes() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    let mut p = Pty::spawn(mingdan(&store, dir.path()).args(["demo", "--clients", "200"]), 80, 24);
    p.wait_for("逾期回访", 120);
    p.send(b"\r");
    p.wait_for("营销预案", 10);
    p.send(b"o");
    p.wait_for("客户诉求", 10);
    // 渠道 → 电话; 类别 stays 产品; 严重程度 → 严重; then what the client said and asks.
    p.send(b"\x1b[C");
    p.send(b"\t\t\x1b[C\t");
    p.send("端到端：理财到期三天未到账".as_bytes());
    p.send(b"\t");
    p.send("当天到账".as_bytes());
    p.wait_for("当天到账", 10);
    p.send(CTRL_S);
    let saved = p.wait_for("已受理", 10);
    let id: String = saved
        .split("投诉 ")
        .nth(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    assert!(!id.is_empty(), "{saved}");
    p.send(b"\x03");
    p.wait_exit(10);
    drop(p);

    let out = mingdan(&store, dir.path()).args(["complaints", "list", "--open"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with(&format!("{id}\t"))).unwrap_or_default();
    assert!(line.contains("\t产品\t严重\t") && line.contains("\t分类\t"), "{text}");
}
