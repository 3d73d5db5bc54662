//! Moving clients between rosters (移交/分配): pick who receives them, see what the move does to
//! each roster against its quota, give the reason the audit trail keeps, confirm.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui_textarea::TextArea;

use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::list_nav;
use crate::domain::coverage::StaffCoverage;
use crate::domain::{ClientNo, StaffNo};
use crate::service::views::{QuotaEffect, StaffRef};

/// Chooses who receives `clients`; the sending person's own outlet comes first, furthest below
/// quota first.
pub struct StaffPicker {
    clients: Vec<ClientNo>,
    candidates: Vec<StaffCoverage>,
    state: TableState,
    error: Option<String>,
}

impl StaffPicker {
    pub fn new(clients: Vec<ClientNo>, from: Option<StaffNo>, cx: &Ctx) -> StaffPicker {
        let (mut candidates, error) = match cx.api.coverage(None) {
            Ok(v) => (v.outlets.into_iter().flat_map(|o| o.staff).collect::<Vec<_>>(), None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let home = from
            .as_ref()
            .and_then(|no| candidates.iter().find(|c| &c.staff.no == no))
            .map(|c| c.staff.outlet.clone());
        candidates.retain(|c| Some(&c.staff.no) != from.as_ref());
        candidates.sort_by_key(|c| {
            (
                Some(&c.staff.outlet) != home.as_ref(),
                std::cmp::Reverse(c.standing.shortfall()),
                c.staff.no.clone(),
            )
        });
        let mut state = TableState::default();
        state.select((!candidates.is_empty()).then_some(0));
        StaffPicker { clients, candidates, state, error }
    }
}

impl Screen for StaffPicker {
    fn title(&self, t: &Text) -> String {
        t.pick_receiver.replace("{}", &self.clients.len().to_string())
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        vec![("↑↓", t.key_move), ("Enter", t.key_choose), ("Esc", t.key_cancel)]
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        if list_nav(&mut self.state, key, self.candidates.len()) {
            return Action::None;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => Action::Pop,
            KeyCode::Enter => match self.state.selected().and_then(|i| self.candidates.get(i)) {
                Some(c) => {
                    let to = Receiver::Staff(StaffRef { no: c.staff.no.clone(), name: c.staff.name.clone() });
                    Action::Replace(Box::new(MoveConfirm::new(self.clients.clone(), to, cx)))
                }
                None => Action::None,
            },
            _ => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        if let Some(e) = &self.error {
            f.render_widget(Paragraph::new(Span::styled(e.clone(), th.overdue)), area);
            return;
        }
        let rows: Vec<Row> = self
            .candidates
            .iter()
            .map(|c| {
                let st = c.standing;
                let short = if st.shortfall() > 0 {
                    Span::styled(t.short_by.replace("{}", &st.shortfall().to_string()), th.overdue)
                } else {
                    Span::styled(t.meets_quota, th.ok)
                };
                Row::new(vec![
                    Cell::from(Span::styled(ui::fit(&c.staff.name, 8), th.text)),
                    Cell::from(Span::styled(c.staff.no.to_string(), th.muted)),
                    Cell::from(Span::styled(ui::fit(c.staff.role.as_str(), 10), th.text)),
                    Cell::from(Span::styled(ui::fit(c.staff.outlet.as_str(), 8), th.text)),
                    Cell::from(Span::styled(format!("{}/{}", st.size, st.minimum), th.text)),
                    Cell::from(short),
                ])
            })
            .collect();
        let header = Row::new(vec![t.col_name, t.col_staff_no, t.col_role, t.outlet, t.col_roster, ""])
            .style(th.title);
        let widths = [
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(8),
        ];
        let table =
            Table::new(rows, widths).header(header).row_highlight_style(th.selection).highlight_symbol(">");
        f.render_stateful_widget(table, area, &mut self.state);
    }
}

/// Who receives the clients.
pub enum Receiver {
    Staff(StaffRef),
    /// Each to the maintainer the service suggests for it.
    Suggested,
}

pub struct MoveConfirm {
    clients: Vec<ClientNo>,
    to: Receiver,
    effects: Result<Vec<QuotaEffect>, String>,
    reason: TextArea<'static>,
    error: Option<String>,
}

impl MoveConfirm {
    pub fn new(clients: Vec<ClientNo>, to: Receiver, cx: &Ctx) -> MoveConfirm {
        let effects = match &to {
            Receiver::Staff(s) => {
                cx.api.assign_preview(clients.clone(), Some(s.no.clone())).map_err(|e| e.to_string())
            }
            Receiver::Suggested => Ok(Vec::new()),
        };
        let mut reason = TextArea::default();
        reason.set_placeholder_text(cx.t.reason_placeholder);
        reason.set_cursor_line_style(Style::default());
        MoveConfirm { clients, to, effects, reason, error: None }
    }

    fn confirm(&mut self, cx: &Ctx) -> Action {
        let reason = self.reason.lines().join(" ");
        let result = match &self.to {
            Receiver::Staff(s) => cx.api.assign(self.clients.clone(), Some(s.no.clone()), reason),
            Receiver::Suggested => cx.api.assign_suggested(self.clients.clone(), reason),
        };
        match result {
            Ok(moved) => Action::PopSaved(cx.t.moved.replace("{}", &moved.to_string())),
            Err(e) => {
                self.error = Some(e.to_string());
                Action::None
            }
        }
    }
}

impl Screen for MoveConfirm {
    fn title(&self, t: &Text) -> String {
        t.handover.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        vec![("Enter", t.key_confirm_move), ("Esc", t.key_cancel)]
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match key.code {
            KeyCode::Esc => Action::Pop,
            KeyCode::Enter => self.confirm(cx),
            _ => {
                self.reason.input(key);
                self.error = None;
                Action::None
            }
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &Ctx) -> Action {
        self.reason.insert_str(text.replace(['\r', '\n'], " "));
        Action::None
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let n = self.clients.len().to_string();
        let mut lines = vec![match &self.to {
            Receiver::Staff(s) => Line::from(vec![
                Span::styled(format!(" {} ", t.move_n_to.replace("{}", &n)), th.text),
                Span::styled(format!("{}（{}）", s.name, s.no), th.title),
            ]),
            Receiver::Suggested => {
                Line::from(Span::styled(format!(" {}", t.assign_n_suggested.replace("{}", &n)), th.text))
            }
        }];
        lines.push(Line::from(""));
        match &self.effects {
            Ok(effects) if !effects.is_empty() => {
                lines.push(Line::from(Span::styled(format!(" {}", t.quota_effect), th.muted)));
                for e in effects {
                    let after_ok = e.after >= e.minimum;
                    let verdict = if after_ok {
                        Span::styled(t.meets_quota.to_string(), th.ok)
                    } else {
                        Span::styled(t.short_by.replace("{}", &(e.minimum - e.after).to_string()), th.overdue)
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("   {} ", ui::pad(&e.staff.name, 8)), th.text),
                        Span::styled(format!("{} {} → {}  ", t.col_roster, e.before, e.after), th.text),
                        Span::styled(format!("（{} {}，", t.quota, e.minimum), th.muted),
                        verdict,
                        Span::styled("）", th.muted),
                    ]));
                }
            }
            Ok(_) => {}
            Err(e) => lines.push(Line::from(Span::styled(format!(" {e}"), th.overdue))),
        }
        lines.push(Line::from(""));
        let reason_row = lines.len();
        lines.push(Line::from(Span::styled(format!(" {}", t.reason_label), th.accent)));
        lines.push(Line::from(""));
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!(" {e}"), th.overdue)));
        }
        lines.push(Line::from(Span::styled(format!(" {}", t.move_hint), th.muted)));
        let [text, _] =
            Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Min(0)]).areas(area);
        f.render_widget(Paragraph::new(lines), text);
        let label_w = ui::width(t.reason_label) as u16 + 2;
        let input = Rect {
            x: area.x + label_w,
            y: area.y + reason_row as u16,
            width: area.width.saturating_sub(label_w + 1).min(50),
            height: 1,
        };
        self.reason.set_style(th.popup);
        self.reason.set_cursor_style(th.key);
        f.render_widget(&self.reason, input);
        let cur = self.reason.screen_cursor();
        f.set_cursor_position((input.x + cur.col as u16, input.y));
    }
}
