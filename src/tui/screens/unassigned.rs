//! 待分配 (managers): clients nobody maintains inside the manager's scope — gold and above, and
//! 提升 candidates; `f` shows one segment instead (维护/提升/拓展/他行), prospects below gold
//! too — each with the maintainer suggested for it. Space marks; `a` gives the marked (or the
//! selected) clients to their suggested maintainers, `m` to someone chosen.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, TableState};

use super::super::columns::{Column, Columns};
use super::super::keys::{self, Entry, F, Global, How, Nav, ch, code, ctrl, key};
use super::super::screen::{Action, Ctx, KeyHelp, Message, Screen};
use super::super::text::{Lang, Text};
use super::super::ui;
use super::handover::{MoveConfirm, StaffPicker};
use super::{export_report, nav};
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

/// What a key does on 待分配.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Mark,
    AssignSuggested,
    AssignTo,
    Filter,
    FilterBack,
    Export,
    Open,
    MarkAll,
    Refresh,
}

/// 待分配's keys: dispatch, footer, help and docs/KEYS.md all read this.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(&[ch(' ')], Cmd::Mark, |t| t.key_mark, How { doc: Some("标记客户，再按取消"), ..F }),
    key(
        &[ch('a')],
        Cmd::AssignSuggested,
        |t| t.key_assign_suggested,
        How { doc: Some("把标记的（或选中的）客户按建议分配（先确认）"), ..F },
    ),
    key(
        &[ch('m')],
        Cmd::AssignTo,
        |t| t.key_assign_to,
        How { doc: Some("为标记的（或选中的）客户指定维护人"), ..F },
    ),
    key(
        &[ch('f')],
        Cmd::Filter,
        |t| t.key_filter,
        How {
            doc_keys: Some("`f` / `F`"),
            doc: Some(
                "下一种 / 上一种筛选：金卡以上和提升客户（默认）、维护、提升、拓展、他行（按客户类型筛选时包括金卡以下的潜在客户）",
            ),
            ..F
        },
    ),
    key(&[ch('x')], Cmd::Export, |t| t.key_export, How { doc: Some("导出 Excel"), ..F }),
    Entry::Global(Global::Help),
    key(&[code(KeyCode::Enter)], Cmd::Open, |t| t.key_open, How { doc: Some("打开客户"), ..F }),
    key(&[ctrl('a')], Cmd::MarkAll, |t| t.key_mark_all, How { doc: Some("全选；已全选时全部取消"), ..F }),
    key(&[ch('F')], Cmd::FilterBack, |t| t.key_filter_back, keys::PARTNER),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
    Entry::Page(Cmd::Nav),
];

impl Screen for UnassignedScreen {
    fn title(&self, t: &Text) -> String {
        t.unassigned_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |_| true)
    }

    fn legend(&self, t: &Text) -> Vec<String> {
        vec![t.legend_cross.to_string()]
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
        let Some(cmd) = keys::command(KEYS, &key, false, |_| true) else { return Action::None };
        match cmd {
            Cmd::Nav(to) => {
                nav(&mut self.state, to, n);
                Action::None
            }
            Cmd::Mark => {
                if let Some(r) = self.state.selected().and_then(|i| self.rows.get(i))
                    && !self.marked.remove(&r.no)
                {
                    self.marked.insert(r.no.clone());
                }
                nav(&mut self.state, Nav::Down, n);
                Action::None
            }
            Cmd::MarkAll => {
                if self.marked.len() == n {
                    self.marked.clear();
                } else {
                    self.marked = self.rows.iter().map(|r| r.no.clone()).collect();
                }
                Action::None
            }
            Cmd::AssignSuggested => {
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
            Cmd::AssignTo => {
                let chosen = self.chosen();
                if chosen.is_empty() {
                    return Action::None;
                }
                let clients = chosen.iter().map(|r| r.no.clone()).collect();
                let names = chosen.iter().map(|r| r.name.clone()).collect();
                Action::Push(Box::new(StaffPicker::new(clients, names, None, cx)))
            }
            Cmd::Open => match self.state.selected().and_then(|i| self.rows.get(i)) {
                Some(r) => super::open_client(r.no.clone(), cx),
                None => Action::None,
            },
            Cmd::Filter | Cmd::FilterBack => {
                let n = FILTERS.len();
                let step = if cmd == Cmd::FilterBack { n - 1 } else { 1 };
                self.filter = (self.filter + step) % n;
                self.marked.clear();
                self.state.select(Some(0));
                Action::after(self.refresh(cx))
            }
            Cmd::Export => export_report(cx, ReportKind::Unassigned, None),
            Cmd::Refresh => Action::after(self.refresh(cx)),
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
