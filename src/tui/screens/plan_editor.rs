//! 营销预案: the maintainer's plan for a client, edited in place. Several lines; Chinese typed
//! through the terminal's input method arrives as ordinary characters.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::super::keys::{self, Entry, F, FT, How, ch, code, ctrl, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use crate::domain::ClientNo;
use crate::domain::client::PLAN_MAX_CHARS;

/// How often unsent plan text is kept while the user types.
const DRAFT_EVERY: Duration = Duration::from_secs(15);

pub struct PlanEditor {
    client: ClientNo,
    name: String,
    editor: TextArea<'static>,
    original: String,
    confirm_cancel: bool,
    error: Option<String>,
    /// The text last kept as this plan's draft (`save_plan_draft`), or the saved plan.
    kept: String,
    kept_at: Instant,
    /// The editor opened on unsent text kept from before.
    restored: bool,
    /// A kept copy exists (restored, or kept by this editor): giving up discards it.
    has_draft: bool,
}

impl PlanEditor {
    /// Opens on `plan`, or on `draft` (unsent text kept when an earlier edit was interrupted)
    /// when there is one that differs from it.
    pub fn new(client: ClientNo, name: String, plan: &str, draft: Option<String>) -> PlanEditor {
        let draft_kept = draft.is_some();
        let restored = draft.as_deref().is_some_and(|d| d.trim_end() != plan.trim_end());
        let text = if restored { draft.unwrap_or_default() } else { plan.to_string() };
        let lines: Vec<String> =
            if text.is_empty() { vec![String::new()] } else { text.lines().map(String::from).collect() };
        let mut editor = TextArea::new(lines);
        editor.set_cursor_line_style(Style::default());
        editor.move_cursor(ratatui_textarea::CursorMove::Bottom);
        editor.move_cursor(ratatui_textarea::CursorMove::End);
        PlanEditor {
            client,
            name,
            editor,
            original: plan.to_string(),
            confirm_cancel: false,
            error: None,
            kept: text,
            kept_at: Instant::now(),
            restored,
            has_draft: draft_kept,
        }
    }

    /// Keeps the text as this plan's draft if it changed since last kept.
    fn keep_draft(&mut self, cx: &Ctx) {
        let text = self.text();
        if text == self.kept {
            return;
        }
        // A failure (text too long, say) is reported when the user saves; nothing to say now.
        if cx.api.save_plan_draft(self.client.clone(), text.clone()).is_ok() {
            self.kept = text;
            self.has_draft = true;
        }
        self.kept_at = Instant::now();
    }

    fn text(&self) -> String {
        self.editor.lines().join("\n")
    }
}

/// What a key does in the plan editor (every other key is text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Save,
    Cancel,
    Newline,
    ClearLine,
    ConfirmDiscard,
}

/// The plan editor's keys: dispatch, footer, help and docs/KEYS.md all read this.
pub static KEYS: &[Entry<Cmd>] = &[
    key(&[ctrl('s')], Cmd::Save, |t| t.key_save, FT),
    key(
        &[code(KeyCode::Esc)],
        Cmd::Cancel,
        |t| t.key_cancel,
        How { doc: Some("放弃（有修改时先确认，按 `y` 放弃）"), ..FT },
    ),
    key(&[code(KeyCode::Enter)], Cmd::Newline, |t| t.key_newline, FT),
    key(&[ctrl('u')], Cmd::ClearLine, |t| t.key_clear_line, FT),
    key(&[ch('y'), ch('Y')], Cmd::ConfirmDiscard, |t| t.key_yes, How { doc_keys: Some(""), ..F }),
];

impl Screen for PlanEditor {
    fn title(&self, t: &Text) -> String {
        format!("{} · {}", t.plan_editor, self.name)
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        let asking = self.confirm_cancel;
        keys::shown(KEYS, t, !asking, |c| (c == Cmd::ConfirmDiscard) == asking)
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let asking = self.confirm_cancel;
        let cmd = keys::command(KEYS, &key, !asking, |c| (c == Cmd::ConfirmDiscard) == asking);
        if asking {
            self.confirm_cancel = false;
            return if cmd == Some(Cmd::ConfirmDiscard) {
                // Given up on purpose: the kept copy goes too.
                if self.has_draft {
                    let _ = cx.api.discard_plan_draft(self.client.clone());
                }
                Action::Pop
            } else {
                Action::None
            };
        }
        match cmd {
            Some(Cmd::Save) => match cx.api.set_plan(self.client.clone(), self.text()) {
                Ok(()) => Action::PopSaved(cx.t.plan_saved.to_string()),
                Err(e) => {
                    self.error = Some(e.to_string());
                    Action::None
                }
            },
            Some(Cmd::Cancel) => {
                if self.restored || self.text().trim_end() != self.original.trim_end() {
                    self.confirm_cancel = true;
                    Action::None
                } else {
                    Action::Pop
                }
            }
            Some(Cmd::ClearLine) => {
                self.editor.delete_line_by_head();
                Action::None
            }
            Some(Cmd::Newline | Cmd::ConfirmDiscard) | None => {
                self.editor.input(key);
                self.error = None;
                Action::None
            }
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &Ctx) -> Action {
        // A terminal sends a pasted paragraph's line breaks as CR.
        self.editor.insert_str(crate::domain::text::newlines(text));
        Action::None
    }

    fn tick(&mut self, cx: &Ctx) -> Action {
        if self.kept_at.elapsed() >= DRAFT_EVERY {
            self.keep_draft(cx);
        }
        Action::None
    }

    fn on_session_end(&mut self, cx: &Ctx) {
        self.keep_draft(cx);
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let [head, body, foot] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(area);
        let count = self.text().chars().count();
        let count_style = if count > PLAN_MAX_CHARS { th.overdue } else { th.muted };
        f.render_widget(
            Paragraph::new(ratatui::text::Line::from(vec![
                if self.restored {
                    Span::styled(format!(" {} ", t.plan_draft_restored), th.warning)
                } else {
                    Span::styled(format!(" {} ", t.plan_hint), th.muted)
                },
                Span::styled(format!("{count}/{PLAN_MAX_CHARS}"), count_style),
            ])),
            head,
        );
        self.editor.set_style(th.popup);
        self.editor.set_cursor_style(th.key);
        self.editor.set_wrap_mode(ratatui_textarea::WrapMode::Glyph);
        f.render_widget(&self.editor, body);
        let cur = self.editor.screen_cursor();
        f.set_cursor_position((body.x + cur.col as u16, body.y + cur.row as u16));
        let foot_text = match (&self.error, self.confirm_cancel) {
            (_, true) => Span::styled(format!(" {}  {}", t.confirm_discard_plan, t.yes_no), th.warning),
            (Some(e), false) => Span::styled(format!(" {e}"), th.overdue),
            (None, false) => Span::raw(""),
        };
        f.render_widget(Paragraph::new(foot_text), foot);
    }
}
