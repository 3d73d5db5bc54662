//! 待分配 (managers): clients nobody maintains inside the manager's scope — gold and above, and
//! 提升 candidates; `f` shows one segment instead (维护/提升/拓展/他行), prospects below gold
//! too — each with the maintainer suggested for it. Space marks; `a` gives the marked (or the
//! selected) clients to their suggested maintainers, `m` to someone chosen.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, TableState};

use super::super::columns::{Column, Columns};
use super::super::screen::{Action, Ctx, KeyHelp, Message, Screen};
use super::super::text::{Lang, Text};
use super::super::ui;
use super::handover::{MoveConfirm, StaffPicker};
use super::{export_report, list_nav};
use crate::domain::{ClientNo, Segment};
use crate::service::ServiceError;
use crate::service::views::{ReportKind, UnassignedRow};

/// The filters `f` steps through: premium clients (`None`), then each segment.
const FILTERS: [Option<Segment>; 5] =
    [None, Some(Segment::Maintain), Some(Segment::Uplift), Some(Segment::Develop), Some(Segment::OtherBank)];

pub struct UnassignedScreen {
    rows: Vec<UnassignedRow>,
    /// Index into `FILTERS`.
    filter: usize,
    marked: BTreeSet<ClientNo>,
    state: TableState,
}

impl UnassignedScreen {
    pub fn new(cx: &Ctx) -> Result<UnassignedScreen, ServiceError> {
        let mut s = UnassignedScreen {
            rows: Vec::new(),
            filter: 0,
            marked: BTreeSet::new(),
            state: TableState::default(),
        };
        s.refresh(cx)?;
        Ok(s)
    }

    /// The marked rows, or the selected one if none is marked.
    fn chosen(&self) -> Vec<&UnassignedRow> {
        if self.marked.is_empty() {
            self.state.selected().and_then(|i| self.rows.get(i)).into_iter().collect()
        } else {
            self.rows.iter().filter(|r| self.marked.contains(&r.no)).collect()
        }
    }
}

impl Screen for UnassignedScreen {
    fn title(&self, t: &Text) -> String {
        t.unassigned_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        vec![
            (t.keys_up_down, t.key_move),
            ("Space", t.key_mark),
            ("a", t.key_assign_suggested),
            ("m", t.key_assign_to),
            ("f", t.key_filter),
            ("x", t.key_export),
            ("?", t.key_help),
            ("Enter", t.key_open),
            ("Ctrl-A", t.key_mark_all),
            ("r", t.key_refresh),
        ]
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.rows = cx.api.unassigned(FILTERS[self.filter])?;
        self.marked.retain(|no| self.rows.iter().any(|r| &r.no == no));
        let n = self.rows.len();
        self.state.select(if n == 0 { None } else { Some(self.state.selected().unwrap_or(0).min(n - 1)) });
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let n = self.rows.len();
        if list_nav(&mut self.state, key, n) {
            return Action::None;
        }
        match key.code {
            KeyCode::Char(' ') => {
                if let Some(r) = self.state.selected().and_then(|i| self.rows.get(i))
                    && !self.marked.remove(&r.no)
                {
                    self.marked.insert(r.no.clone());
                }
                list_nav(&mut self.state, KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), n);
                Action::None
            }
            KeyCode::Char('a') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                if self.marked.len() == n {
                    self.marked.clear();
                } else {
                    self.marked = self.rows.iter().map(|r| r.no.clone()).collect();
                }
                Action::None
            }
            KeyCode::Char('a') => {
                // Exactly the suggestions on screen: what the manager saw is what is done.
                let chosen = self.chosen();
                if chosen.is_empty() {
                    return Action::None;
                }
                let mut pairs = Vec::new();
                for r in &chosen {
                    match &r.suggested {
                        Some(s) => pairs.push((r.no.clone(), s.clone())),
                        None => {
                            return Action::Say(Message::Error(
                                cx.t.no_one_to_suggest.replace("{}", r.no.as_str()),
                            ));
                        }
                    }
                }
                let names = chosen.iter().map(|r| r.name.clone()).collect();
                Action::Push(Box::new(MoveConfirm::new(pairs, names, None, cx)))
            }
            KeyCode::Char('m') => {
                let chosen = self.chosen();
                if chosen.is_empty() {
                    return Action::None;
                }
                let clients = chosen.iter().map(|r| r.no.clone()).collect();
                let names = chosen.iter().map(|r| r.name.clone()).collect();
                Action::Push(Box::new(StaffPicker::new(clients, names, None, cx)))
            }
            KeyCode::Enter => match self.state.selected().and_then(|i| self.rows.get(i)) {
                Some(r) => super::open_client(r.no.clone(), cx),
                None => Action::None,
            },
            KeyCode::Char('f') | KeyCode::Char('F') => {
                let n = FILTERS.len();
                let step = if key.code == KeyCode::Char('F') { n - 1 } else { 1 };
                self.filter = (self.filter + step) % n;
                self.marked.clear();
                self.state.select(Some(0));
                Action::after(self.refresh(cx))
            }
            KeyCode::Char('x') => export_report(cx, ReportKind::Unassigned, None),
            KeyCode::Char('r') => Action::after(self.refresh(cx)),
            _ => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let n = self.rows.len().to_string();
        let count = match FILTERS[self.filter] {
            None => t.unassigned_count.replace("{}", &n),
            Some(seg) => t.unassigned_segment_count.replace("{n}", &n).replace("{seg}", t.segment(seg)),
        };
        let filter = FILTERS[self.filter].map_or(t.all, |seg| t.segment(seg));
        let mut summary = vec![
            Span::styled(format!(" {count}"), th.text),
            Span::styled(
                match t.lang {
                    Lang::Zh => format!("  {}：{filter}", t.filter),
                    Lang::En => format!("  {}: {filter}", t.filter),
                },
                th.muted,
            ),
        ];
        if !self.marked.is_empty() {
            summary.push(Span::styled(
                format!("  {}", t.marked_count.replace("{}", &self.marked.len().to_string())),
                th.warning,
            ));
        }
        f.render_widget(Paragraph::new(Line::from(summary)), head);
        if self.rows.is_empty() {
            // The header already says "0 位他行客户…" for a segment; the all-clear is for premium ones.
            if FILTERS[self.filter].is_none() {
                f.render_widget(
                    Paragraph::new(Span::styled(format!(" {}", t.nothing_unassigned), th.ok)),
                    body,
                );
            }
            return;
        }
        // Dropped right to left as the terminal narrows; the name and client number stay.
        let cols = [
            Column::whole("", 0),
            Column::text(t.col_name, 4, 8, 0),
            Column::whole(t.col_no, 0),
            Column::whole(t.col_tier, 3),
            Column::whole(t.segment, 4),
            Column::whole(t.col_assets, 2),
            Column::text(t.outlet, 4, 6, 5),
            Column::text(t.col_suggested, 4, 10, 1),
        ];
        let cells: Vec<Vec<Line>> = self
            .rows
            .iter()
            .map(|r| {
                let marked = self.marked.contains(&r.no);
                let name_style = if marked { th.warning.add_modifier(Modifier::UNDERLINED) } else { th.text };
                vec![
                    Line::from(Span::styled(if marked { "*" } else { " " }, th.warning)),
                    Line::from(Span::styled(crate::domain::inert(&r.name).into_owned(), name_style)),
                    Line::from(Span::styled(r.no.to_string(), th.muted)),
                    Line::from(Span::styled(t.tier(r.tier), th.accent)),
                    Line::from(Span::styled(t.segment(r.segment), th.text)),
                    Line::from(Span::styled(ui::amount(&r.assets, t), th.text)),
                    Line::from(Span::styled(r.outlet.as_str().to_string(), th.text)),
                    Line::from(match &r.suggested {
                        // Across outlets: in the warning colour, with a mark a mono terminal shows.
                        Some(s) if r.cross_outlet => {
                            Span::styled(format!("⇄{}", crate::domain::inert(&s.name)), th.warning)
                        }
                        Some(s) => Span::styled(crate::domain::inert(&s.name).into_owned(), th.ok),
                        None => Span::styled(t.no_suggestion, th.warning),
                    }),
                ]
            })
            .collect();
        let table = Columns::list(&cols, cells, body.width, th.title, th.selection);
        f.render_stateful_widget(table, body, &mut self.state);
    }
}
