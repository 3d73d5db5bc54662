//! Live reloading leaves a screen that is taking typed text alone until the typing is done.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::App;
use crate::domain::{JobRole, Login, OutletId, Permission, Staff, StaffNo};
use crate::service::{Api, FixedClock, Service, ServiceError, Session};
use crate::tui::screen::{Action, Ctx, KeyHelp, Screen};
use crate::tui::text::{Text, ZH};
use crate::tui::theme::{ColorSupport, Theme};

/// A form: takes text while `typing`, counts reloads.
struct Form {
    typing: Rc<Cell<bool>>,
    reloads: Rc<Cell<u32>>,
}

impl Screen for Form {
    fn title(&self, _t: &Text) -> String {
        "表单".into()
    }
    fn keys(&self, _t: &Text) -> Vec<KeyHelp> {
        Vec::new()
    }
    fn on_key(&mut self, _key: KeyEvent, _cx: &Ctx) -> Action {
        Action::None
    }
    fn render(&mut self, _f: &mut Frame, _area: Rect, _cx: &Ctx) {}
    fn refresh(&mut self, _cx: &Ctx) -> Result<(), ServiceError> {
        self.reloads.set(self.reloads.get() + 1);
        Ok(())
    }
    fn takes_text(&self) -> bool {
        self.typing.get()
    }
}

fn staff(no: &str, permission: Permission) -> Staff {
    Staff {
        no: StaffNo::parse(no).unwrap(),
        name: "测试".into(),
        role: JobRole::new("柜员"),
        outlet: OutletId::parse("城关").unwrap(),
        login: Some(Login::parse(&format!("u{no}")).unwrap()),
        permission,
        scope: crate::domain::Scope::Branch,
        active: true,
    }
}

/// A fresh store with its administrator, two sessions of them (this app's and a colleague's)
/// and a colourless theme; the directory goes when the first is dropped.
fn store_with_admin() -> (tempfile::TempDir, Session, Session, Theme) {
    let dir = tempfile::tempdir().unwrap();
    let when = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let service = Arc::new(Service::create(dir.path(), Arc::new(FixedClock::at(when))).unwrap());
    service.bootstrap_admin(staff("9001", Permission::Admin)).unwrap();
    let me = Session::new(service.clone(), StaffNo::parse("9001").unwrap());
    let other = Session::new(service, StaffNo::parse("9001").unwrap());
    (dir, me, other, Theme::load("default", None, ColorSupport::None).unwrap())
}

#[test]
fn a_change_elsewhere_waits_until_the_user_stops_typing() {
    let (_dir, me, other, theme) = store_with_admin();
    let mut app = App::new(&me, &theme, &ZH).unwrap();
    app.poll_changes();

    let typing = Rc::new(Cell::new(true));
    let reloads = Rc::new(Cell::new(0));
    app.stack.push(Box::new(Form { typing: typing.clone(), reloads: reloads.clone() }));
    other.save_staff(staff("2001", Permission::Staff)).unwrap();
    app.poll_changes();
    assert_eq!(reloads.get(), 0, "what is being typed is not reloaded away");
    typing.set(false);
    app.poll_changes();
    assert_eq!(reloads.get(), 1, "the change is picked up once typing stops");
    app.poll_changes();
    assert_eq!(reloads.get(), 1, "and only once");
}

#[test]
fn a_sessions_own_save_is_reloaded_once_not_again_at_the_next_poll() {
    let dir = tempfile::tempdir().unwrap();
    let when = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let service = Arc::new(Service::create(dir.path(), Arc::new(FixedClock::at(when))).unwrap());
    service.bootstrap_admin(staff("9001", Permission::Admin)).unwrap();
    let me = Session::new(service, StaffNo::parse("9001").unwrap());
    let theme = Theme::load("default", None, ColorSupport::None).unwrap();
    let mut app = App::new(&me, &theme, &ZH).unwrap();
    app.poll_changes();
    let typing = Rc::new(Cell::new(false));
    let reloads = Rc::new(Cell::new(0));
    app.stack.push(Box::new(Form { typing, reloads: reloads.clone() }));
    // What a screen does after saving: write, then ask for everything to be reloaded.
    me.save_staff(staff("2001", Permission::Staff)).unwrap();
    app.apply(Action::Saved("已保存".into()));
    assert_eq!(reloads.get(), 1);
    app.poll_changes();
    assert_eq!(reloads.get(), 1, "the poll knows this change was already loaded");
}

/// A colleague's saves reload only the screen in view; the ones under it reload once, when the
/// user comes back to them, however many saves came meanwhile — so a deep stack does not make
/// every keystroke wait behind reloads of screens nobody is looking at.
#[test]
fn only_the_screen_in_view_reloads_and_covered_ones_catch_up_when_uncovered() {
    let (_dir, me, other, theme) = store_with_admin();
    let mut app = App::new(&me, &theme, &ZH).unwrap();
    app.poll_changes();
    let screen = |app: &mut App| {
        let reloads = Rc::new(Cell::new(0));
        app.apply(Action::Push(Box::new(Form {
            typing: Rc::new(Cell::new(false)),
            reloads: reloads.clone(),
        })));
        reloads
    };
    let (below, middle, top) = (screen(&mut app), screen(&mut app), screen(&mut app));
    for no in ["2001", "2002", "2003"] {
        other.save_staff(staff(no, Permission::Staff)).unwrap();
        app.poll_changes();
    }
    assert_eq!((below.get(), middle.get(), top.get()), (0, 0, 3), "only the screen in view reloads");
    app.apply(Action::Pop);
    assert_eq!((below.get(), middle.get()), (0, 1), "uncovered: one reload for all it missed");
    app.apply(Action::Pop);
    assert_eq!(below.get(), 1);
    app.apply(Action::Pop);
    app.poll_changes();
    assert_eq!(below.get(), 1, "nothing new: no reload");
}
