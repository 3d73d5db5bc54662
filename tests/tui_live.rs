//! A change made in another session appears on screen at the next poll, without a keypress, and
//! the title bar says which mode the session is in.

mod common;
mod serverkit;

use common::*;
use mingdan::domain::Purpose;
use mingdan::service::Api;
use mingdan::tui::App;
use mingdan::tui::text::ZH;
use mingdan::tui::theme::{ColorSupport, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serverkit::*;

fn screen(app: &mut App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            out.push_str(sym);
            x += mingdan::tui::ui::width(sym).max(1) as u16;
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_client_assigned_in_another_session_appears_on_the_roster_over_the_socket() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    let server = serve_in(b.service.clone(), b.dir.path());
    let remote = server.connect();
    let theme = Theme::load("default", None, ColorSupport::None).unwrap();
    let mut app = App::new(&remote, &theme, &ZH).unwrap();
    app.mode = "服务器".into();
    app.poll_changes();
    let before = screen(&mut app);
    assert!(before.contains("服务器") && before.contains("王芳"), "{before}");
    assert!(!before.contains("刘洋"), "{before}");

    // Nothing changed: polling reloads nothing and the screen stays as it was.
    app.poll_changes();
    assert_eq!(screen(&mut app), before);

    // The outlet head, in their own session, gives C4 (刘洋) to 王芳.
    b.session("1001").assign(vec![cno("C4")], Some(sno("2001")), "新开户".into()).unwrap();
    assert!(!screen(&mut app).contains("刘洋"), "not before the poll");
    app.poll_changes();
    let after = screen(&mut app);
    assert!(after.contains("刘洋"), "{after}");
}

#[test]
fn a_contact_logged_elsewhere_updates_the_open_client_card() {
    let b = branch();
    let s = b.session("2001");
    let theme = Theme::load("default", None, ColorSupport::None).unwrap();
    let mut app = App::new(&s, &theme, &ZH).unwrap();
    app.poll_changes();
    app.on_key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    let before = screen(&mut app);
    assert!(before.contains("客户 张伟") && before.contains("还没有联系记录"), "{before}");
    let mut d = draft("C1", Purpose::Marketing);
    d.note = "另一会话记录的联系".into();
    b.session("1001").log_contact(d).unwrap();
    app.poll_changes();
    let after = screen(&mut app);
    assert!(after.contains("另一会话记录的联系") && after.contains("赵敏"), "{after}");
}
