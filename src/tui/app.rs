//! The application: a stack of screens over a root view (今日 or 名单), the title bar, the key
//! footer, the help overlay and one line for messages. Testable without a terminal: feed keys,
//! draw into a TestBackend.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::keys::{self, Global};
use super::screen::{Action, Ctx, KeyHelp, Message, Screen};
use super::screens::coverage::CoverageScreen;
use super::screens::launches::LaunchesScreen;
use super::screens::modal::{DraftList, DraftOffer};
use super::screens::results::ResultsScreen;
use super::screens::roster::RosterScreen;
use super::screens::search::SearchScreen;
use super::screens::settings::SettingsScreen;
use super::screens::today::TodayScreen;
use super::screens::unassigned::UnassignedScreen;
use super::text::Text;
use super::theme::Theme;
use super::ui;
use crate::service::{Api, ServiceError};

/// The views a user switches between with the number keys; managers have more of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Today,
    Roster,
    Coverage,
    Unassigned,
    Launches,
    Results,
    Settings,
}

impl Root {
    const STAFF: &'static [Root] = &[Root::Today, Root::Roster];
    const MANAGER: &'static [Root] = &[
        Root::Today,
        Root::Roster,
        Root::Coverage,
        Root::Unassigned,
        Root::Launches,
        Root::Results,
        Root::Settings,
    ];

    fn key(self) -> char {
        match self {
            Root::Today => '1',
            Root::Roster => '2',
            Root::Coverage => '3',
            Root::Unassigned => '4',
            Root::Launches => '5',
            Root::Results => '6',
            Root::Settings => '7',
        }
    }

    /// Short, for the title bar.
    fn label(self, t: &Text) -> &'static str {
        match self {
            Root::Today => t.today,
            Root::Roster => t.tab_roster,
            Root::Coverage => t.coverage,
            Root::Unassigned => t.tab_unassigned,
            Root::Launches => t.tab_launches,
            Root::Results => t.tab_results,
            Root::Settings => t.tab_settings,
        }
    }

    fn open(self, cx: &Ctx) -> Result<Box<dyn Screen>, ServiceError> {
        Ok(match self {
            Root::Today => Box::new(TodayScreen::new(cx)?),
            Root::Roster => Box::new(RosterScreen::new(cx)?),
            Root::Coverage => Box::new(CoverageScreen::new(cx)?),
            Root::Unassigned => Box::new(UnassignedScreen::new(cx)?),
            Root::Launches => Box::new(LaunchesScreen::new(cx)?),
            Root::Results => Box::new(ResultsScreen::new(cx)?),
            Root::Settings => Box::new(SettingsScreen::new(cx)?),
        })
    }
}

pub struct App<'a> {
    pub cx: Ctx<'a>,
    root: Root,
    roots: &'static [Root],
    stack: Vec<Box<dyn Screen>>,
    message: Option<Message>,
    help: bool,
    pub quit: bool,
    /// The session is ending because the terminal went away, not because the user left.
    pub quit_by_signal: bool,
    /// "服务器" or "单机", drawn in the title bar so everyone can see which store they are on.
    pub mode: String,
    /// The service's change counter when the screens were last loaded.
    seen_changes: Option<u64>,
    /// Screens below this index on the stack may show data older than the last change: only
    /// what is on screen is reloaded when something changes, the rest when it comes back into
    /// view. With a colleague saving every few seconds, a manager's stack of 覆盖 → 员工名单 →
    /// 客户 must not reload every figure for each save.
    stale_below: usize,
}

impl<'a> App<'a> {
    /// Opens on 今日, offering the contact drafts kept (see `DraftList`).
    pub fn new(api: &'a dyn Api, theme: &'a Theme, t: &'static Text) -> Result<App<'a>, ServiceError> {
        let me = api.whoami()?;
        let cx = Ctx { api, theme, t, me, memory: Default::default() };
        let root = Root::Today;
        let roots =
            if cx.me.staff.may(crate::domain::Permission::Manager) { Root::MANAGER } else { Root::STAFF };
        let mut stack = vec![root.open(&cx)?];
        // One kept draft is offered as it is; several (one per client) are listed, most recent
        // first. Those put off stay kept and are offered again on their client's form.
        let mut drafts = api.drafts()?;
        if drafts.len() > 1 {
            stack.push(Box::new(DraftList::new(drafts, &cx)));
        } else if let Some(draft) = drafts.pop() {
            stack.push(Box::new(DraftOffer::new(draft, &cx)));
        }
        // Unsent receive forms are named, not opened: the form's Esc discards, and a reflexive
        // Esc at start-up must not throw one away. Opening the client's form brings it back.
        let message = match api.complaint_drafts() {
            Ok(kept) if !kept.is_empty() => {
                let names: Vec<String> = kept
                    .iter()
                    .take(3)
                    .map(|d| {
                        let name =
                            api.client(d.form.client.clone()).map(|c| c.client.name).unwrap_or_default();
                        format!("{} {}", crate::domain::inert(&name), d.form.client)
                    })
                    .collect();
                let more = if kept.len() > 3 { format!(" …（{}）", kept.len()) } else { String::new() };
                Some(Message::Info(
                    t.cm().drafts_waiting.replace("{who}", &format!("{}{more}", names.join("、"))),
                ))
            }
            _ => None,
        };
        Ok(App {
            cx,
            root,
            roots,
            stack,
            message,
            help: false,
            quit: false,
            quit_by_signal: false,
            mode: String::new(),
            seen_changes: None,
            stale_below: 0,
        })
    }

    pub fn push(&mut self, screen: Box<dyn Screen>) {
        self.stack.push(screen);
    }

    /// Asks whether anything was written since the screens were loaded, by this session or any
    /// other, and reloads them if so: how a colleague's contact or reassignment appears without
    /// a keypress. The loop calls this about once a second.
    pub fn poll_changes(&mut self) {
        // Someone typing into a form or a search keeps what they typed: the reload waits until
        // they leave the field (the counter is not marked seen, so the next poll catches up).
        if self.typing() {
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

    /// The title of the screen on top, for tests and the bar.
    pub fn top_title(&self) -> String {
        self.stack.last().map(|s| s.title(self.cx.t)).unwrap_or_default()
    }

    /// Something changed: reloads the screens in view now (the top one, and the one under a
    /// modal box) and marks the rest to reload when they come back into view
    /// (`reload_in_view`); a failure is shown, the stale view stays.
    pub fn refresh_all(&mut self) {
        // Read before reloading: whatever is written after this is caught by the next poll, and
        // this session's own save is not reloaded twice.
        if let Ok(n) = self.cx.api.changes() {
            self.seen_changes = Some(n);
        }
        match self.cx.api.whoami() {
            Ok(me) => self.cx.me = me,
            Err(e) => self.message = Some(e.into()),
        }
        self.stale_below = self.stack.len();
        self.reload_in_view();
    }

    /// Reloads the screens in view that missed a change while they were covered.
    fn reload_in_view(&mut self) {
        let n = self.stack.len();
        let lowest = if n >= 2 && self.stack[n - 1].is_modal() { n - 2 } else { n.saturating_sub(1) };
        for i in lowest..self.stale_below.min(n) {
            if let Err(e) = self.stack[i].refresh(&self.cx) {
                self.message = Some(e.into());
            }
        }
        self.stale_below = self.stale_below.min(lowest);
    }

    fn typing(&self) -> bool {
        self.stack.last().is_some_and(|s| s.takes_text())
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        let typing = self.typing();
        // The global table (`keys::GLOBAL`) says which keys the app takes before the screen.
        let global = keys::command(keys::GLOBAL, &key, typing, |_| true);
        if global == Some(Global::Interrupt) {
            self.end_session();
            self.quit = true;
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        self.message = None;
        let at_root = self.stack.len() == 1;
        let modal = self.stack.last().is_some_and(|s| s.is_modal());
        match global {
            Some(Global::Help) => {
                self.help = true;
                return;
            }
            Some(Global::Search) => {
                let s = SearchScreen::new(&self.cx);
                self.stack.push(Box::new(s));
                return;
            }
            // Only a top-level screen quits on `q`; elsewhere the screen decides (mostly back).
            Some(Global::Quit) if at_root => {
                if !self.holds_unsaved() {
                    self.quit = true;
                }
                return;
            }
            // The number keys switch views from anywhere but a form or an open question; a
            // number with no view of its own (3–7 for staff) is the screen's.
            Some(Global::Switch) if !modal => {
                if let KeyCode::Char(c) = key.code
                    && let Some(root) = self.roots.iter().find(|r| r.key() == c)
                {
                    self.switch_root(*root);
                    return;
                }
            }
            _ => {}
        }
        let action = {
            let cx = &self.cx;
            let last = self.stack.len() - 1;
            self.stack[last].on_key(key, cx)
        };
        // Esc backs out of help, search and cards; pressed once too often on a top-level screen
        // it must not drop the user to the shell. `q` and Ctrl-C quit.
        if at_root && global == Some(Global::Back) && matches!(action, Action::Pop) {
            return;
        }
        self.apply(action);
    }

    pub fn on_paste(&mut self, text: &str) {
        let action = {
            let cx = &self.cx;
            let last = self.stack.len() - 1;
            self.stack[last].on_paste(text, cx)
        };
        self.apply(action);
    }

    /// Called a few times a second by the event loop.
    pub fn tick(&mut self) {
        let action = {
            let cx = &self.cx;
            let last = self.stack.len() - 1;
            self.stack[last].tick(cx)
        };
        self.apply(action);
    }

    /// The session is ending without the user leaving (hang-up, terminate, Ctrl-C): let every
    /// screen keep what must not be lost.
    pub fn end_session(&mut self) {
        for s in &mut self.stack {
            s.on_session_end(&self.cx);
        }
    }

    /// True, with the reason shown, when a screen on the stack has changes quitting or
    /// switching views would lose.
    fn holds_unsaved(&mut self) -> bool {
        let why = self.stack.iter().find_map(|s| s.unsaved(self.cx.t));
        if let Some(why) = why {
            self.message = Some(Message::Error(why.to_string()));
        }
        why.is_some()
    }

    fn switch_root(&mut self, root: Root) {
        if root == self.root {
            self.stack.truncate(1);
            self.reload_in_view();
            return;
        }
        if self.holds_unsaved() {
            return;
        }
        match root.open(&self.cx) {
            Ok(s) => {
                self.root = root;
                self.stack = vec![s];
                self.stale_below = 0;
            }
            Err(e) => self.message = Some(e.into()),
        }
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::None => {}
            Action::Push(s) => {
                self.stack.push(s);
                self.reload_in_view();
            }
            Action::Replace(s) => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                }
                self.stack.push(s);
                // A screen under a new modal box comes into view again.
                self.reload_in_view();
            }
            Action::Pop => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                    self.reload_in_view();
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

    fn bar_line(&self, width: usize) -> Line<'static> {
        let th = self.cx.theme;
        let t = self.cx.t;
        let me = &self.cx.me.staff;
        // Managers have seven tabs: at 80 columns the app's name and the weekday make way.
        let roomy = self.roots.len() <= 2 || width >= 100;
        let mut spans = if roomy {
            vec![Span::styled(format!(" {} ", t.app), th.bar)]
        } else {
            vec![Span::styled(" ", th.bar)]
        };
        for &r in self.roots {
            let label = if roomy {
                format!(" {}{} ", r.key(), r.label(t))
            } else {
                format!("{}{} ", r.key(), r.label(t))
            };
            let style =
                if r == self.root { th.bar.add_modifier(ratatui::style::Modifier::REVERSED) } else { th.bar };
            spans.push(Span::styled(label, style));
        }
        if self.stack.len() > 1 {
            spans.push(Span::styled(format!(" › {}", ui::fit(&self.top_title(), 20)), th.bar));
        }
        let mode = if self.mode.is_empty() { String::new() } else { format!("{} · ", self.mode) };
        let right = if roomy {
            format!("{mode}{} {} · {} ", me.name, me.role, ui::long_date(self.cx.me.today, t))
        } else {
            format!("{mode}{} · {} ", me.name, ui::date(self.cx.me.today, self.cx.me.today, t))
        };
        let used: usize = spans.iter().map(|s| ui::width(&s.content)).sum();
        let pad = width.saturating_sub(used + ui::width(&right));
        if pad > 0 {
            spans.push(Span::styled(" ".repeat(pad), th.bar));
            spans.push(Span::styled(right, th.bar));
        } else {
            spans.push(Span::styled(" ".repeat(width.saturating_sub(used)), th.bar));
        }
        // Seven tabs and a title may not fit: what is cut says so (a name cut to its surname
        // would read as someone else).
        super::columns::fit_line(Line::from(spans), u16::try_from(width).unwrap_or(u16::MAX))
    }

    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        let th = self.cx.theme;
        let t = self.cx.t;
        let [bar, body, footer] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
        f.render_widget(Paragraph::new(self.bar_line(area.width as usize)), bar);

        let body = match &self.message {
            Some(m) => {
                let [body, line] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(body);
                let (text, style) = match m {
                    Message::Info(s) => (s.clone(), th.ok),
                    Message::Error(s) => (format!("{}：{s}", t.error), th.overdue),
                    Message::Failed(e) => (format!("{}：{}", t.error, e.render(t.lang)), th.overdue),
                };
                f.render_widget(Paragraph::new(ui::fit(&text, line.width as usize)).style(style), line);
                body
            }
            None => body,
        };
        let mut keys = self.stack.last().map(|s| s.keys(t)).unwrap_or_default();
        // `q` quits only from a top-level screen; a screen above it that offers `q` says so
        // in its own table (mostly "back").
        if self.stack.len() > 1 {
            keys.retain(|k| k.global != Some(Global::Quit));
        }
        {
            let cx = &self.cx;
            let n = self.stack.len();
            // A modal box is drawn over the screen it asks about.
            if n >= 2 && self.stack[n - 1].is_modal() {
                self.stack[n - 2].render(f, body, cx);
            }
            self.stack[n - 1].render(f, body, cx);
        }
        f.render_widget(Paragraph::new(ui::footer(&keys, area.width as usize, th)), footer);
        if self.help {
            self.draw_help(f, area, &keys);
        }
        super::narrow::narrow_buffer(f.buffer_mut());
    }

    fn draw_help(&self, f: &mut Frame, area: Rect, keys: &[KeyHelp]) {
        let th = self.cx.theme;
        let t = self.cx.t;
        let typing = self.typing();
        let at_root = self.stack.len() == 1;
        // The screen's own lines, then each global key not already among them (a screen that
        // puts `?` in its footer has it listed there, once).
        let mut all: Vec<KeyHelp> = keys.iter().filter(|k| k.help).cloned().collect();
        for e in keys::GLOBAL {
            let keys::Entry::Bind(b) = e else { continue };
            // The binding a screen placed in its footer is listed there; its partners (F1
            // beside `?`) join that line.
            let placed = keys.iter().any(|k| k.global == Some(b.cmd))
                && keys::global_binding(b.cmd).is_some_and(|p| std::ptr::eq(p, b));
            let applies = match b.cmd {
                // Screens list Esc themselves where it does something.
                Global::Back => false,
                Global::Quit => at_root,
                _ => true,
            };
            if placed || !applies || (typing && !b.how.text) {
                continue;
            }
            let mut line = keys::shown(&[*e], t, typing, |_| true);
            if b.cmd == Global::Switch && self.roots.len() <= 2 {
                for l in &mut line {
                    l.keys = "1/2".into();
                    l.what = t.key_switch;
                }
            }
            all.extend(line);
        }
        let keys = help_keys(&all);
        let legend = self.stack.last().map(|s| s.legend(t)).unwrap_or_default();
        // One column in a box 56 wide when it fits the terminal's height; otherwise the box
        // takes the width and the keys go in two columns, so the legend and the closing line
        // are never cut off (a manager's roster at 80x24).
        let build = |w: u16, columns: usize| {
            let inner = usize::from(w.saturating_sub(2)).max(1);
            let mut lines = help_lines(&keys, th, inner, columns);
            if !legend.is_empty() {
                lines.push(Line::from(""));
                lines.push(Line::from(Span::styled(format!(" {}", t.legend_title), th.title)));
                for l in &legend {
                    // Abbreviations packed as many to a line as fit, each whole.
                    let mut line = String::new();
                    for part in l.split("  ") {
                        if !line.is_empty() && ui::width(&line) + 2 + ui::width(part) + 1 > inner {
                            lines.push(Line::from(Span::styled(format!(" {line}"), th.text)));
                            line.clear();
                        }
                        if !line.is_empty() {
                            line.push_str("  ");
                        }
                        line.push_str(part);
                    }
                    lines.push(Line::from(Span::styled(format!(" {line}"), th.text)));
                }
            }
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(format!(" {}", t.help_close), th.muted)));
            let body: u16 = lines.iter().map(|l| l.width().max(1).div_ceil(inner) as u16).sum();
            (lines, body)
        };
        let mut w = 56.min(area.width.saturating_sub(2));
        let (mut lines, mut body) = build(w, 1);
        if body + 2 > area.height {
            w = area.width.saturating_sub(2).min(100);
            (lines, body) = build(w, 2);
        }
        let h = (body + 2).min(area.height);
        let popup =
            Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
        f.render_widget(Clear, popup);
        let border = super::ui::ASCII_BORDER;
        let block = ratatui::widgets::Block::bordered()
            .border_set(border)
            .border_style(th.border)
            .title(Span::styled(format!(" {} - {} ", t.help_title, self.top_title()), th.bar));
        f.render_widget(Paragraph::new(lines).style(th.popup).wrap(Wrap { trim: false }).block(block), popup);
    }
}

/// The help overlay's keys: one entry per action, the keys of lines saying the same joined
/// (`? / F1 帮助`); a label (`上下`) already says its partner keys.
fn help_keys(keys: &[KeyHelp]) -> Vec<(String, &'static str)> {
    let mut merged: Vec<(Vec<&str>, &'static str, bool)> = Vec::new();
    for k in keys {
        match merged.iter_mut().find(|(_, w, _)| *w == k.what) {
            Some((_, _, true)) => {}
            Some((ks, _, _)) if !ks.contains(&k.keys.as_str()) => ks.push(&k.keys),
            Some(_) => {}
            None => merged.push((vec![&k.keys], k.what, k.labelled)),
        }
    }
    merged.into_iter().map(|(ks, what, _)| (ks.join(" / "), what)).collect()
}

/// The key lines of help, `inner` cells wide, in one or two columns (filled down, then across).
fn help_lines<'a>(
    keys: &[(String, &'static str)],
    th: &Theme,
    inner: usize,
    columns: usize,
) -> Vec<Line<'a>> {
    let columns = columns.max(1);
    let col = inner / columns;
    let rows = keys.len().div_ceil(columns);
    (0..rows)
        .map(|r| {
            let mut spans = Vec::new();
            for c in 0..columns {
                if let Some((k, what)) = keys.get(c * rows + r) {
                    spans.push(Span::styled(format!(" {}", ui::pad(k, 14)), th.accent));
                    // The last column is not padded: a line never wraps on trailing spaces.
                    let what = if c + 1 < columns {
                        ui::pad(what, col.saturating_sub(15))
                    } else {
                        ui::fit(what, col.saturating_sub(15))
                    };
                    spans.push(Span::styled(what, th.text));
                }
            }
            Line::from(spans)
        })
        .collect()
}

#[cfg(test)]
#[path = "app_live_tests.rs"]
mod live_tests;
