//! 成效明细 (managers): the clients behind one figure of 成效 — who they are, their outlet and
//! maintainer, and how they stood at the quarter's start and now. Enter opens the client card.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, TableState};

use super::super::columns::{Column, Columns};
use super::super::keys::{self, Entry, F, Global, How, Nav, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::{nav, open_client};
use crate::domain::Quarter;
use crate::domain::results::ClientState;
use crate::service::ServiceError;
use crate::service::views::{DrillRow, ResultsFigure};

pub struct DrillScreen {
    quarter: Quarter,
    figure: ResultsFigure,
    rows: Vec<DrillRow>,
    state: TableState,
}

impl DrillScreen {
    pub fn new(quarter: Quarter, figure: ResultsFigure, cx: &Ctx) -> Result<DrillScreen, ServiceError> {
        let rows = cx.api.results_clients(Some(quarter), figure)?;
        let mut state = TableState::default();
        state.select((!rows.is_empty()).then_some(0));
        Ok(DrillScreen { quarter, figure, rows, state })
    }
}

/// The figure's name on screen, in the user's language.
pub fn figure_label(figure: ResultsFigure, t: &Text) -> &'static str {
    match figure {
        ResultsFigure::GoldPlus => t.gold_plus,
        ResultsFigure::Lost => t.churn_lost,
        ResultsFigure::Downgraded => t.churn_downgraded,
        ResultsFigure::UpliftWon => t.conversion,
        ResultsFigure::ProspectsWon => t.prospect_conversion,
        ResultsFigure::Dormant => t.dormant,
    }
}

fn state_text(s: &ClientState, t: &Text) -> String {
    format!("{}·{}·{}", t.tier(s.tier), t.segment(s.segment), t.status(s.status))
}

/// What a key does on the clients behind a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Open,
    Back,
}

/// The clients behind a 成效 figure: dispatch, footer, help and docs/KEYS.md read this.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(&[code(KeyCode::Enter)], Cmd::Open, |t| t.key_open, How { doc: Some("打开客户"), ..F }),
    Entry::Global(Global::Help),
    key(&[ch('q'), code(KeyCode::Esc), code(KeyCode::Left), ch('h')], Cmd::Back, |t| t.key_back, F),
    Entry::Page(Cmd::Nav),
];
impl Screen for DrillScreen {
    fn title(&self, t: &Text) -> String {
        format!("{} {}", self.quarter, figure_label(self.figure, t).trim())
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |_| true)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.rows = cx.api.results_clients(Some(self.quarter), self.figure)?;
        let n = self.rows.len();
        self.state.select(if n == 0 { None } else { Some(self.state.selected().unwrap_or(0).min(n - 1)) });
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match keys::command(KEYS, &key, false, |_| true) {
            Some(Cmd::Nav(to)) => {
                nav(&mut self.state, to, self.rows.len());
                Action::None
            }
            Some(Cmd::Back) => Action::Pop,
            Some(Cmd::Open) => match self.state.selected().and_then(|i| self.rows.get(i)) {
                Some(r) => open_client(r.no.clone(), cx),
                None => Action::None,
            },
            None => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!(" {} {} ", self.quarter, figure_label(self.figure, t).trim()), th.title),
                Span::styled(t.clients_count.replace("{}", &self.rows.len().to_string()), th.muted),
            ])),
            head,
        );
        // Dropped right to left as the terminal narrows; the client's name and number stay.
        let cols = [
            Column::text(t.col_name, 4, 8, 0),
            Column::whole(t.col_no, 0),
            Column::text(t.outlet, 2, 8, 4),
            Column::text(t.maintainer, 2, 8, 3),
            Column::text(t.drill_start, 6, 20, 2),
            Column::text(t.drill_end, 6, 20, 1),
        ];
        let cells: Vec<Vec<Line>> = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    Line::from(Span::styled(crate::domain::inert(&r.name).into_owned(), th.text)),
                    Line::from(Span::styled(r.no.to_string(), th.text)),
                    Line::from(Span::styled(crate::domain::inert(r.outlet.as_str()).into_owned(), th.muted)),
                    Line::from(Span::styled(
                        r.maintainer
                            .as_ref()
                            .map_or(t.unassigned.to_string(), |m| crate::domain::inert(&m.name).into_owned()),
                        th.text,
                    )),
                    Line::from(Span::styled(
                        r.start.as_ref().map_or(t.not_yet_client.to_string(), |s| state_text(s, t)),
                        th.muted,
                    )),
                    Line::from(Span::styled(state_text(&r.end, t), th.accent)),
                ]
            })
            .collect();
        let table = Columns::list(&cols, cells, body.width, th.title, th.selection);
        f.render_stateful_widget(table, body, &mut self.state);
    }
}
