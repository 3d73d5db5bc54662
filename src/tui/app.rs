//! The application: a stack of screens, the bar on top, the key footer below, the help overlay
//! and one line for messages. Testable without a terminal: feed keys, draw into a TestBackend.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::screen::{Action, Ctx, Message, Screen};
use super::screens::roster::RosterScreen;
use super::text::Text;
use super::theme::Theme;
use super::ui;
use crate::service::{Api, ServiceError};

pub struct App<'a> {
    pub cx: Ctx<'a>,
    stack: Vec<Box<dyn Screen>>,
    message: Option<Message>,
    help: bool,
    pub quit: bool,
    /// "服务器" or "单机", drawn in the title bar so everyone can see which store they are on.
    pub mode: String,
    /// The service's change counter when the screens were last loaded.
    seen_changes: Option<u64>,
}

impl<'a> App<'a> {
    pub fn new(api: &'a dyn Api, theme: &'a Theme, t: &'static Text) -> Result<App<'a>, ServiceError> {
        let me = api.whoami()?;
        let cx = Ctx { api, theme, t, me };
        let root: Box<dyn Screen> = Box::new(RosterScreen::new(&cx)?);
        Ok(App {
            cx,
            stack: vec![root],
            message: None,
            help: false,
            quit: false,
            mode: String::new(),
            seen_changes: None,
        })
    }

    /// Asks whether anything was written since the screens were loaded, by this session or any
    /// other, and reloads them if so: how a colleague's contact or reassignment appears without
    /// a keypress. The loop calls this about once a second.
    pub fn poll_changes(&mut self) {
        // Someone typing into a form or a search keeps what they typed: the reload waits until
        // they leave the field (the counter is not marked seen, so the next poll catches up).
        if self.stack.last().is_some_and(|s| s.takes_text()) {
            return;
        }
        match self.cx.api.changes() {
            Ok(now) => {
                if self.seen_changes.is_some_and(|seen| seen != now) {
                    self.refresh_all();
                }
                self.seen_changes = Some(now);
            }
            Err(e) => {
                if self.message.is_none() {
                    self.message = Some(e.into());
                }
            }
        }
    }

    pub fn say(&mut self, m: Message) {
        self.message = Some(m);
    }

    /// Reloads every screen; a failure is shown, the stale view stays.
    fn refresh_all(&mut self) {
        // Read before reloading: whatever is written after this is caught by the next poll, and
        // this session's own save is not reloaded twice.
        if let Ok(n) = self.cx.api.changes() {
            self.seen_changes = Some(n);
        }
        if let Ok(me) = self.cx.api.whoami() {
            self.cx.me = me;
        }
        for s in &mut self.stack {
            if let Err(e) = s.refresh(&self.cx) {
                self.message = Some(e.into());
            }
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        self.message = None;
        let typing = self.stack.last().is_some_and(|s| s.takes_text());
        if key.code == KeyCode::F(1) || (!typing && key.code == KeyCode::Char('?')) {
            self.help = true;
            return;
        }
        let at_root = self.stack.len() == 1;
        if at_root && !typing && matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) {
            self.quit = true;
            return;
        }
        let action = {
            let cx = &self.cx;
            let last = self.stack.len() - 1;
            self.stack[last].on_key(key, cx)
        };
        self.apply(action);
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::None => {}
            Action::Push(s) => self.stack.push(s),
            Action::Pop => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                } else {
                    self.quit = true;
                }
            }
            Action::PopSaved(msg) => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                }
                self.refresh_all();
                self.message.get_or_insert(Message::Info(msg));
            }
            Action::Saved(msg) => {
                self.refresh_all();
                self.message.get_or_insert(Message::Info(msg));
            }
            Action::Quit => self.quit = true,
            Action::Say(m) => self.message = Some(m),
        }
    }

    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        let th = self.cx.theme;
        let t = self.cx.t;
        let [bar, body, footer] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);

        let me = &self.cx.me.staff;
        let title = self.stack.last().map(|s| s.title(t)).unwrap_or_default();
        let left = format!(" {} · {}", t.app, title);
        let mode = if self.mode.is_empty() { String::new() } else { format!("{} · ", self.mode) };
        let right = format!("{mode}{} {} · {} ", me.name, me.role, ui::long_date(self.cx.me.today, t));
        let pad = (area.width as usize).saturating_sub(ui::width(&left) + ui::width(&right));
        let bar_text = if pad == 0 {
            ui::fit(&format!("{left} {right}"), area.width as usize)
        } else {
            format!("{left}{}{right}", " ".repeat(pad))
        };
        f.render_widget(Paragraph::new(bar_text).style(th.bar), bar);

        let body = match &self.message {
            Some(m) => {
                let [body, line] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(body);
                let (text, style) = match m {
                    Message::Info(s) => (s.clone(), th.ok),
                    Message::Error(s) => (format!("{}：{s}", t.error), th.overdue),
                };
                f.render_widget(Paragraph::new(ui::fit(&text, line.width as usize)).style(style), line);
                body
            }
            None => body,
        };
        let keys = self.stack.last().map(|s| s.keys(t)).unwrap_or_default();
        {
            let cx = &self.cx;
            let last = self.stack.len() - 1;
            self.stack[last].render(f, body, cx);
        }
        f.render_widget(Paragraph::new(ui::footer(&keys, area.width as usize, th)), footer);
        if self.help {
            self.draw_help(f, area, &keys);
        }
    }

    fn draw_help(&self, f: &mut Frame, area: Rect, keys: &[(&'static str, &'static str)]) {
        let th = self.cx.theme;
        let t = self.cx.t;
        let global: [(&str, &str); 2] = [("F1", t.key_help), ("Ctrl-C", t.key_quit)];
        let mut lines: Vec<Line> = Vec::new();
        for (k, what) in keys.iter().chain(global.iter()) {
            lines.push(Line::from(vec![
                Span::styled(format!(" {:<10}", k), th.accent),
                Span::styled(what.to_string(), th.text),
            ]));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(format!(" {}", t.help_close), th.muted)));
        let h = (lines.len() as u16 + 1).min(area.height.saturating_sub(2));
        let w = 44.min(area.width.saturating_sub(4));
        let popup =
            Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
        f.render_widget(Clear, popup);
        let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(popup);
        let title = self.stack.last().map(|s| s.title(t)).unwrap_or_default();
        f.render_widget(Paragraph::new(format!(" {} · {}", t.help_title, title)).style(th.bar), head);
        f.render_widget(Paragraph::new(lines).style(th.popup).wrap(Wrap { trim: false }), rest);
    }
}

#[cfg(test)]
#[path = "app_live_tests.rs"]
mod live_tests;
