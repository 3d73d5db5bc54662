//! 搜索 (`/` from anywhere): narrows as you type over names (characters, pinyin, initials),
//! phones, client numbers and ID-number endings. Enter opens the client; F2 or Ctrl-L logs a
//! contact straight away.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};
use ratatui_textarea::TextArea;

use super::super::keys::{self, Entry, FT, How, T, code, ctrl, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::contact_form::Prefill;
use crate::service::search::{MatchField, SearchResults};

/// Results fetched per keystroke; more than a screenful is never read.
const LIMIT: u32 = 50;

/// What a key does in search (everything else is typed into the search box).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Down,
    Up,
    Open,
    Contact,
    Back,
    Clear,
    Complaint,
}

/// Search's keys, all commands while typing: dispatch, footer, help and docs/KEYS.md read this.
pub static KEYS: &[Entry<Cmd>] = &[
    key(
        &[code(KeyCode::Down), code(KeyCode::Tab)],
        Cmd::Down,
        |t| t.key_move,
        How {
            label: Some(|t| t.keys_up_down),
            doc_keys: Some("↑↓、Tab / Shift-Tab"),
            doc: Some("在结果中移动"),
            ..FT
        },
    ),
    key(
        &[code(KeyCode::Up), code(KeyCode::BackTab)],
        Cmd::Up,
        |t| t.key_move,
        How { doc_keys: Some(""), ..T },
    ),
    key(&[code(KeyCode::Enter)], Cmd::Open, |t| t.key_open, How { doc: Some("打开客户"), ..FT }),
    key(
        &[code(KeyCode::F(2)), ctrl('l')],
        Cmd::Contact,
        |t| t.key_contact,
        How { doc: Some("直接为选中的客户记录联系"), ..FT },
    ),
    key(&[code(KeyCode::Esc)], Cmd::Back, |t| t.key_back, FT),
    key(&[ctrl('u')], Cmd::Clear, |t| t.key_clear, FT),
    key(
        &[ctrl('o')],
        Cmd::Complaint,
        |t| t.cm().key_receive,
        How { doc: Some("为选中的客户受理投诉（Esc 回到搜索结果）"), ..FT },
    ),
];

pub struct SearchScreen {
    input: TextArea<'static>,
    results: SearchResults,
    /// The query `results` answer, so an unchanged query is not asked again.
    asked: String,
    state: ListState,
    error: Option<String>,
    /// Opened from the 投诉 list to pick the client a complaint is about: Enter opens the
    /// receive form instead of the card.
    for_complaint: bool,
}

/// The receive form for a found client.
fn receive_for(hit: &crate::service::search::SearchHit, cx: &Ctx) -> super::complaints::ReceiveForm {
    super::complaints::ReceiveForm::open(hit.no.clone(), hit.name.clone(), cx)
}

impl SearchScreen {
    /// Search to pick the client a complaint is about (the 投诉 list's `o`): Enter opens the
    /// receive form for the chosen one, in place of this screen.
    pub fn for_complaint(cx: &Ctx) -> SearchScreen {
        SearchScreen { for_complaint: true, ..SearchScreen::new(cx) }
    }

    pub fn new(cx: &Ctx) -> SearchScreen {
        let mut screen = SearchScreen {
            input: ui::text_input("", cx.t.search_placeholder),
            results: SearchResults::default(),
            asked: String::new(),
            state: ListState::default(),
            error: None,
            for_complaint: false,
        };
        // An empty query costs nothing and says whether the index is ready, so the box does not
        // claim it is still being built before the first key.
        screen.ask(cx);
        screen
    }

    fn query(&self) -> String {
        self.input.lines().join("").trim().to_string()
    }

    fn ask(&mut self, cx: &Ctx) {
        let q = self.query();
        if q == self.asked && self.results.ready {
            return;
        }
        match cx.api.search(q.clone(), LIMIT) {
            Ok(r) => {
                self.results = r;
                self.asked = q;
                self.error = None;
                self.state.select(if self.results.hits.is_empty() { None } else { Some(0) });
            }
            Err(e) => self.error = Some(e.render(cx.t.lang)),
        }
    }

    fn selected(&self) -> Option<&crate::service::search::SearchHit> {
        self.results.hits.get(self.state.selected()?)
    }

    /// `text` with the characters at `at` in the highlight style, in a column of `cells` cells
    /// (0: as long as it is) that keeps one space before the next: a long name is cut like any
    /// other cell, and the characters left keep their highlight.
    fn marked(text: &str, at: &[usize], cells: usize, base: Style, hl: Style) -> Vec<Span<'static>> {
        let shown = if cells > 0 { ui::fit(text, cells - 1) } else { text.to_string() };
        // Past the cut is the ".." marker, which matched nothing.
        let kept = if shown == text { usize::MAX } else { shown.chars().count() - 2 };
        let mut spans = Vec::new();
        let mut used = 0;
        for (i, ch) in shown.chars().enumerate() {
            let s = ch.to_string();
            used += ui::width(&s);
            spans.push(Span::styled(s, if i < kept && at.contains(&i) { hl } else { base }));
        }
        spans.push(Span::raw(" ".repeat(cells.saturating_sub(used))));
        spans
    }

    /// Column names over the results, in the columns `hit_line` draws.
    fn header_line(cx: &Ctx) -> Line<'static> {
        let t = cx.t;
        let text = format!(
            "  {}{}{}{} {}",
            ui::pad(t.col_name, 10),
            ui::pad(t.col_no, 11),
            ui::pad(t.phone, 12),
            ui::pad(t.col_tier, 8),
            t.maintainer
        );
        Line::from(Span::styled(text, cx.theme.title))
    }

    fn hit_line(hit: &crate::service::search::SearchHit, cx: &Ctx) -> Line<'static> {
        let t = cx.t;
        let th = cx.theme;
        let mut spans = vec![Span::raw(" ")];
        // Whatever matched is highlighted where it is shown: the name's characters, the client
        // number's digits, the phone's visible digits, the ID's ending.
        spans.extend(Self::marked(&hit.name, &hit.name_highlight, 10, th.text, th.warning));
        let none: &[usize] = &[];
        let (no_hl, phone_hl) = match hit.field {
            MatchField::ClientNo => (hit.field_highlight.as_slice(), none),
            MatchField::Phone => (none, hit.field_highlight.as_slice()),
            _ => (none, none),
        };
        spans.extend(Self::marked(hit.no.as_str(), no_hl, 11, th.muted, th.warning));
        let phone = if hit.field == MatchField::Phone { &hit.field_text } else { &hit.phone };
        spans.extend(Self::marked(phone, phone_hl, 12, th.muted, th.warning));
        spans.push(Span::styled(format!("{} ", ui::pad(t.tier(hit.tier), 8)), th.text));
        let owner = match (&hit.maintainer, hit.mine) {
            (_, true) => Span::styled(t.mine.to_string(), th.ok),
            (Some(m), false) => Span::styled(ui::fit(&m.name, 8), th.text),
            (None, false) => Span::styled(t.unassigned.to_string(), th.muted),
        };
        spans.push(owner);
        if hit.field == MatchField::IdNumber {
            spans.push(Span::styled(format!("  {} ", t.matched_id), th.muted));
            spans.extend(Self::marked(&hit.field_text, &hit.field_highlight, 0, th.muted, th.warning));
        }
        Line::from(spans)
    }
}

impl Screen for SearchScreen {
    fn title(&self, t: &Text) -> String {
        if self.for_complaint {
            return format!("{} · {}", t.cm().receive_title, t.search);
        }
        t.search.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, true, |_| true)
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), crate::service::ServiceError> {
        self.asked.clear();
        self.ask(cx);
        Ok(())
    }

    fn tick(&mut self, cx: &Ctx) -> Action {
        // The index may still be building after start-up (or after a large import); ask again
        // until it is ready, an empty box too, so that the building notice goes when it is.
        if !self.results.ready {
            self.ask(cx);
        }
        Action::None
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let n = self.results.hits.len();
        match keys::command(KEYS, &key, true, |_| true) {
            Some(Cmd::Back) => return Action::Pop,
            Some(Cmd::Down) => {
                if n > 0 {
                    self.state.select(Some(self.state.selected().map_or(0, |i| (i + 1).min(n - 1))));
                }
            }
            Some(Cmd::Up) => {
                if n > 0 {
                    self.state.select(Some(self.state.selected().map_or(0, |i| i.saturating_sub(1))));
                }
            }
            Some(Cmd::Open) => {
                if let Some(hit) = self.selected() {
                    if self.for_complaint {
                        return Action::Replace(Box::new(receive_for(hit, cx)));
                    }
                    return super::open_client(hit.no.clone(), cx);
                }
            }
            Some(Cmd::Complaint) => {
                if let Some(hit) = self.selected() {
                    return Action::Push(Box::new(receive_for(hit, cx)));
                }
            }
            Some(Cmd::Contact) => {
                if let Some(hit) = self.selected() {
                    return super::open_contact_form(hit.no.clone(), Prefill::default(), cx);
                }
            }
            Some(Cmd::Clear) => {
                self.input.clear();
                self.ask(cx);
            }
            None => {
                if self.input.input(key) {
                    self.ask(cx);
                }
            }
        }
        Action::None
    }

    fn on_paste(&mut self, text: &str, cx: &Ctx) -> Action {
        if self.input.insert_str(text.replace(['\r', '\n'], " ")) {
            self.ask(cx);
        }
        Action::None
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let [prompt, status, header, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(area);
        let label = format!(" {} ", t.search_label);
        let lw = ui::width(&label) as u16;
        f.render_widget(Paragraph::new(Span::styled(label, th.accent)), prompt);
        let input = Rect { x: prompt.x + lw, width: prompt.width.saturating_sub(lw), ..prompt };
        self.input.set_style(th.popup);
        self.input.set_cursor_style(th.key);
        f.render_widget(&self.input, input);
        let cur = self.input.screen_cursor();
        f.set_cursor_position((input.x + cur.col as u16, input.y));

        let status_line = if let Some(e) = &self.error {
            Span::styled(format!(" {e}"), th.overdue)
        } else if !self.results.ready {
            Span::styled(format!(" {}", t.index_building), th.warning)
        } else if self.query().is_empty() {
            Span::styled(format!(" {}", t.search_hint), th.muted)
        } else if let Some(notice) = &self.results.notice {
            // Over the hourly limit of whole-number searches: say why a whole number found nothing.
            Span::styled(format!(" {notice}"), th.warning)
        } else if self.results.hits.is_empty() {
            Span::styled(format!(" {}", t.search_none), th.muted)
        } else if self.results.about > self.results.hits.len() {
            // Capped: the list is the best few of many, not all of them.
            let text = t
                .search_capped
                .replace("{shown}", &self.results.hits.len().to_string())
                .replace("{about}", &grouped(self.results.about));
            Span::styled(format!(" {text}"), th.muted)
        } else {
            Span::styled(
                format!(" {}", t.search_count.replace("{}", &self.results.hits.len().to_string())),
                th.muted,
            )
        };
        f.render_widget(Paragraph::new(status_line), status);
        if !self.results.hits.is_empty() {
            f.render_widget(Paragraph::new(Self::header_line(cx)), header);
        }
        let items: Vec<ListItem> =
            self.results.hits.iter().map(|h| ListItem::new(Self::hit_line(h, cx))).collect();
        f.render_stateful_widget(
            List::new(items).highlight_style(th.selection).highlight_symbol(">"),
            list,
            &mut self.state,
        );
    }
}

/// `n` with a comma between each three digits ("1,234"), as both languages write counts.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::grouped(7), "7");
        assert_eq!(super::grouped(1234), "1,234");
        assert_eq!(super::grouped(1_000_000), "1,000,000");
    }
}
