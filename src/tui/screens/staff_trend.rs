//! 员工绩效 over time (managers): one person's or one outlet's execution and results in each of
//! the last eight quarters, a bar and the figure per quarter, drawn as 成效's trend is.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::columns::wrap_at_gaps;
use super::super::keys::{self, Entry, F, Global, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::{Lang, Text};
use super::results::{trend_fit, trend_head, trend_row};
use crate::domain::percent::show_permille as pct;
use crate::domain::{OutletId, Quarter, StaffNo};
use crate::service::ServiceError;
use crate::service::views::{PerformancePoint, StaffPoint};

/// Whose trend: a staff member (with the name to show) or an outlet's sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whose {
    Staff(StaffNo, String),
    Outlet(OutletId),
}

pub struct StaffTrendScreen {
    whose: Whose,
    /// The last quarter shown: the one 员工绩效 was on.
    quarter: Quarter,
    points: Vec<PerformancePoint>,
}

impl StaffTrendScreen {
    pub fn new(whose: Whose, quarter: Quarter, cx: &Ctx) -> Result<StaffTrendScreen, ServiceError> {
        let points = cx.api.performance_trend(Some(quarter))?;
        Ok(StaffTrendScreen { whose, quarter, points })
    }

    /// The person's or outlet's figures in one quarter; None where they were not listed.
    fn of<'a>(&self, p: &'a PerformancePoint) -> Option<&'a StaffPoint> {
        match &self.whose {
            Whose::Staff(no, _) => p.staff.get(no),
            Whose::Outlet(o) => p.outlets.get(o),
        }
    }

    fn name(&self) -> String {
        match &self.whose {
            Whose::Staff(_, name) => crate::domain::inert(name).into_owned(),
            Whose::Outlet(o) => crate::domain::inert(o.as_str()).into_owned(),
        }
    }
}

/// What a key does on a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Back,
    Refresh,
}

/// A person's or outlet's eight quarters: dispatch, footer, help and docs/KEYS.md read this.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Global(Global::Help),
    key(&[ch('q'), code(KeyCode::Esc), code(KeyCode::Left), ch('h')], Cmd::Back, |t| t.key_back, F),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
];

/// One trend row: its label, the figure read from a quarter, how it is written, its bar range.
type Figure<'a> =
    (&'a str, &'a dyn Fn(&StaffPoint) -> Option<i64>, &'a dyn Fn(i64) -> String, Option<(i64, i64)>);

impl Screen for StaffTrendScreen {
    fn title(&self, t: &Text) -> String {
        t.trend_of.replace("{}", &self.name())
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |_| true)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.points = cx.api.performance_trend(Some(self.quarter))?;
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match keys::command(KEYS, &key, false, |_| true) {
            Some(Cmd::Back) => Action::Pop,
            Some(Cmd::Refresh) => Action::after(self.refresh(cx)),
            None => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let fit = trend_fit(area.width, self.points.len());
        let shown = &self.points[self.points.len().saturating_sub(fit)..];
        let as_of = shown.last().map(|p| p.as_of);
        let mut lines = vec![
            Line::from(vec![
                Span::styled(format!(" {} ", self.name()), th.title),
                Span::styled(
                    as_of.map_or(String::new(), |d| t.as_of.replace("{}", &d.to_string())),
                    th.muted,
                ),
            ]),
            Line::from(""),
        ];
        let quarters: Vec<Quarter> = shown.iter().map(|p| p.quarter).collect();
        lines.push(trend_head(t.quarter_trend, &quarters, cx));
        let ratio = |r: crate::domain::coverage::Ratio| r.permille().map(i64::from);
        let on_time = |s: &StaffPoint| ratio(s.figures.callbacks_on_time);
        let notices = |s: &StaffPoint| ratio(s.figures.quarterly);
        let launches = |s: &StaffPoint| ratio(s.figures.launches);
        let lost = |s: &StaffPoint| Some(i64::from(s.results.movement.churn().done));
        let gained = |s: &StaffPoint| Some(i64::from(s.results.movement.gained_gold));
        let won = |s: &StaffPoint| Some(i64::from(s.results.movement.won()));
        let assets = |s: &StaffPoint| s.results.assets.change().map(|f| f.0);
        let contacts = |s: &StaffPoint| Some(i64::from(s.results.contacts));
        let sat = |s: &StaffPoint| s.results.satisfaction_tenths().map(i64::from);
        let percent = |x: i64| pct(x);
        let count = |x: i64| x.to_string();
        let tenths = |x: i64| format!("{}.{}", x / 10, x % 10);
        // In the unit the row's label names (万 yuan, or thousands for English), signed, whole:
        // five cells hold any roster's quarter.
        let unit = if t.lang == Lang::Zh { 1_000_000 } else { 100_000 };
        let signed = move |fen: i64| {
            let n = (fen.abs() + unit / 2) / unit;
            match fen.signum() {
                1 if n > 0 => format!("+{n}"),
                -1 if n > 0 => format!("-{n}"),
                _ => "0".into(),
            }
        };
        let percents = Some((0, 1000));
        let rows: [Figure; 9] = [
            (t.trend_on_time, &on_time, &percent, percents),
            (t.trend_notices, &notices, &percent, percents),
            (t.trend_launches, &launches, &percent, percents),
            (t.trend_lost, &lost, &count, None),
            (t.trend_gained, &gained, &count, None),
            (t.trend_won, &won, &count, None),
            (t.trend_assets, &assets, &signed, None),
            (t.contacts_per_quarter, &contacts, &count, None),
            (t.satisfaction_avg, &sat, &tenths, Some((10, 50))),
        ];
        for (name, read, show, range) in rows {
            let values: Vec<Option<i64>> = shown.iter().map(|p| self.of(p).and_then(read)).collect();
            lines.push(trend_row(name, &values, show, range, cx));
        }
        let lines: Vec<Line> = lines.into_iter().flat_map(|l| wrap_at_gaps(l, area.width)).collect();
        let [chart, legend] =
            Layout::vertical([Constraint::Length(lines.len() as u16 + 1), Constraint::Min(0)]).areas(area);
        f.render_widget(Paragraph::new(lines), chart);
        // The rule in words, wrapped as prose: it is read once, not scanned.
        f.render_widget(
            Paragraph::new(Span::styled(t.trend_legend, th.muted)).wrap(Wrap { trim: true }),
            legend.inner(ratatui::layout::Margin { horizontal: 1, vertical: 0 }),
        );
    }
}
