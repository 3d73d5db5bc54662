//! 覆盖 (managers): every outlet and staff member — roster against the job role's minimum with
//! the shortfall in red, and the quarter's execution figures; `v` turns the same rows into 员工绩效
//! (churn, gold gained, conversion, contacts, satisfaction). Enter on a person opens their
//! roster, where clients can be handed over.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

use super::super::columns::{Column, Columns, fit_line};
use super::super::keys::{self, F, Global, How, Nav, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::roster::RosterScreen;
use super::{export_report, nav, percent_line};
use crate::domain::Quarter;
use crate::domain::coverage::{Figures, StaffCoverage};
use crate::domain::quota::Standing;
use crate::service::ServiceError;
use crate::service::views::{CoverageView, PerformanceView, ReportKind, StaffResults};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// By outlet, then staff number.
    Outlet,
    /// Everyone, furthest below quota first.
    Shortfall,
}

enum Entry {
    Outlet(usize),
    Staff(usize, usize),
}

/// What a key does on 覆盖 / 员工绩效.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Open,
    Sort,
    Performance,
    Trend,
    PrevQuarter,
    NextQuarter,
    Export,
    Refresh,
}

/// 覆盖's keys: dispatch, footer, help and docs/KEYS.md all read this.
pub static KEYS: &[keys::Entry<Cmd>] = &[
    keys::Entry::Nav(Cmd::Nav),
    key(&[code(KeyCode::Enter)], Cmd::Open, |t| t.key_open_roster, How { doc: Some("看某人的名单"), ..F }),
    key(&[ch('s')], Cmd::Sort, |t| t.key_sort, How { doc: Some("按网点 / 按差额排序"), ..F }),
    key(
        &[ch('v')],
        Cmd::Performance,
        |t| t.key_performance,
        How {
            doc: Some("执行 / 员工绩效（流失、新增金卡、转化、资产变化、联系、满意度）"), ..F
        },
    ),
    key(
        &[ch('t')],
        Cmd::Trend,
        |t| t.key_trend,
        How { doc: Some("员工绩效里：所选员工或网点近八个季度的趋势"), ..F },
    ),
    key(
        &[ch('[')],
        Cmd::PrevQuarter,
        |t| t.key_quarter,
        How {
            label: Some(|_| "[ ]"), doc_keys: Some("`[` / `]`"), doc: Some("上一季度 / 下一季度"), ..F
        },
    ),
    key(&[ch(']')], Cmd::NextQuarter, |t| t.key_quarter, keys::PARTNER),
    key(
        &[ch('x')],
        Cmd::Export,
        |t| t.key_export,
        How { doc: Some("导出 Excel（绩效时导出员工绩效）"), ..F },
    ),
    keys::Entry::Global(Global::Help),
    keys::Entry::Global(Global::Quit),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
    keys::Entry::Page(Cmd::Nav),
];

pub struct CoverageScreen {
    view: CoverageView,
    /// 员工绩效 of the same quarter while the results columns are shown (`v`).
    performance: Option<PerformanceView>,
    quarter: Option<Quarter>,
    order: Order,
    lines: Vec<Entry>,
    state: TableState,
}

/// A bar of `cells` cells showing `size` of `minimum`, drawn as coloured spaces: block glyphs
/// are East-Asian-ambiguous and would push the columns after them in a CJK terminal.
pub fn gauge(st: Standing, cells: usize, cx: &Ctx) -> Vec<Span<'static>> {
    let filled =
        if st.minimum == 0 { cells } else { (st.size as usize * cells / st.minimum as usize).min(cells) };
    let role = if st.meets_quota() { cx.theme.ok } else { cx.theme.overdue };
    let fill = match role.fg {
        Some(c) => Style::default().bg(c),
        None => Style::default().add_modifier(ratatui::style::Modifier::REVERSED),
    };
    let empty = Style::default().add_modifier(ratatui::style::Modifier::UNDERLINED);
    vec![Span::styled(" ".repeat(filled), fill), Span::styled(" ".repeat(cells - filled), empty)]
}

fn figure_cells(f: &Figures, cx: &Ctx) -> Vec<Line<'static>> {
    [f.compliance, f.sticker, f.callbacks_on_time, f.quarterly, f.launches]
        .into_iter()
        .map(|r| percent_line(r, cx))
        .collect()
}

impl CoverageScreen {
    pub fn new(cx: &Ctx) -> Result<CoverageScreen, ServiceError> {
        let view = cx.api.coverage(None)?;
        let mut s = CoverageScreen {
            view,
            performance: None,
            quarter: None,
            order: Order::Outlet,
            lines: Vec::new(),
            state: TableState::default(),
        };
        s.build();
        s.state.select(Some(0));
        Ok(s)
    }

    fn build(&mut self) {
        self.lines.clear();
        match self.order {
            Order::Outlet => {
                for (o, outlet) in self.view.outlets.iter().enumerate() {
                    self.lines.push(Entry::Outlet(o));
                    self.lines.extend((0..outlet.staff.len()).map(|s| Entry::Staff(o, s)));
                }
            }
            Order::Shortfall => {
                let mut all: Vec<(usize, usize)> = Vec::new();
                for (o, outlet) in self.view.outlets.iter().enumerate() {
                    all.extend((0..outlet.staff.len()).map(|s| (o, s)));
                }
                let short = |&(o, s): &(usize, usize)| self.view.outlets[o].staff[s].standing.shortfall();
                all.sort_by_key(|k| std::cmp::Reverse(short(k)));
                self.lines.extend(all.into_iter().map(|(o, s)| Entry::Staff(o, s)));
            }
        }
    }

    fn staff_at(&self, i: usize) -> Option<&StaffCoverage> {
        match self.lines.get(i)? {
            Entry::Staff(o, s) => self.view.outlets.get(*o)?.staff.get(*s),
            Entry::Outlet(_) => None,
        }
    }
}

/// 名下资产变化 as a signed amount ("+12.3万", "-0.8万"); "-" when no balance is known on both
/// days. Shared with the trend popup, so both read the same.
pub fn asset_change_text(a: &crate::domain::results::RosterAssets, t: &Text) -> String {
    match a.change() {
        None => "-".into(),
        Some(f) => {
            // A change too small to show is shown as none, not as "+0.0万" or "-0.0万".
            let abs = f.0.unsigned_abs();
            let shows_zero = match t.lang {
                crate::tui::text::Lang::Zh => (abs + 50_000) / 100_000 == 0,
                crate::tui::text::Lang::En => (abs + 500_000) / 1_000_000 == 0,
            };
            let sign = match f.0.signum() {
                _ if shows_zero => "",
                1 => "+",
                _ => "-",
            };
            let whole = crate::domain::Fen(i64::try_from(abs).unwrap_or(i64::MAX));
            format!("{sign}{}", crate::tui::ui::amount(&crate::service::views::Amount::Exact(whole), t))
        }
    }
}

fn asset_change_line(a: &crate::domain::results::RosterAssets, cx: &Ctx) -> Line<'static> {
    let th = cx.theme;
    let style = match a.change() {
        Some(f) if f.0 > 0 => th.ok,
        Some(f) if f.0 < 0 => th.overdue,
        _ => th.text,
    };
    Line::from(Span::styled(asset_change_text(a, cx.t), style))
}

/// The results cells of one row: lost and downgraded, gold gained, prospects and uplift won,
/// contacts, average satisfaction.
fn result_cells(r: &StaffResults, cx: &Ctx) -> Vec<Line<'static>> {
    let th = cx.theme;
    let m = &r.movement;
    let count =
        |n: u32, style| Line::from(Span::styled(if n > 0 { n.to_string() } else { "-".into() }, style));
    vec![
        count(m.churn().done, th.overdue),
        count(m.gained_gold, th.ok),
        count(m.won(), th.ok),
        asset_change_line(&r.assets, cx),
        count(r.contacts, th.text),
        Line::from(Span::styled(
            r.satisfaction_tenths().map_or("-".into(), |s| format!("{}.{}", s / 10, s % 10)),
            th.text,
        )),
    ]
}

impl CoverageScreen {
    /// The trend is of 员工绩效's figures: only there.
    fn offers(&self, c: Cmd) -> bool {
        c != Cmd::Trend || self.performance.is_some()
    }
}

impl Screen for CoverageScreen {
    fn title(&self, t: &Text) -> String {
        if self.performance.is_some() { t.performance } else { t.coverage }.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |c| self.offers(c))
    }

    fn legend(&self, t: &Text) -> Vec<String> {
        match self.performance {
            Some(_) => vec![t.performance_legend.to_string()],
            None => vec![t.coverage_legend.to_string()],
        }
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        match self.performance {
            Some(_) => {
                let p = cx.api.performance(self.quarter)?;
                self.view = p.coverage.clone();
                self.performance = Some(p);
            }
            None => self.view = cx.api.coverage(self.quarter)?,
        }
        self.build();
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let Some(cmd) = keys::command(KEYS, &key, false, |c| self.offers(c)) else { return Action::None };
        match cmd {
            Cmd::Nav(to) => {
                nav(&mut self.state, to, self.lines.len());
                Action::None
            }
            Cmd::Open => match self.staff_at(self.state.selected().unwrap_or(0)) {
                Some(s) => match RosterScreen::of_staff(s.staff.no.clone(), cx) {
                    Ok(r) => Action::Push(Box::new(r)),
                    Err(e) => Action::error(e),
                },
                None => Action::None,
            },
            Cmd::Sort => {
                self.order = if self.order == Order::Outlet { Order::Shortfall } else { Order::Outlet };
                self.build();
                self.state.select(Some(0));
                Action::None
            }
            Cmd::PrevQuarter => {
                self.quarter = Some(self.view.quarter.prev());
                Action::after(self.refresh(cx))
            }
            Cmd::NextQuarter => {
                let next = self.view.quarter.next();
                if Quarter::of(self.view.today) >= next {
                    self.quarter = Some(next);
                    return Action::after(self.refresh(cx));
                }
                Action::None
            }
            Cmd::Performance => {
                self.performance = match self.performance.take() {
                    Some(_) => None,
                    None => match cx.api.performance(self.quarter) {
                        Ok(p) => Some(p),
                        Err(e) => return Action::error(e),
                    },
                };
                if let Some(p) = &self.performance {
                    self.view = p.coverage.clone();
                    self.build();
                }
                Action::None
            }
            // The selected person's or outlet's last eight quarters, from 员工绩效 only (the
            // trend is of its figures).
            Cmd::Trend => {
                let at = self.state.selected().unwrap_or(0);
                let whose = match self.lines.get(at) {
                    Some(Entry::Staff(o, s)) => {
                        self.view.outlets.get(*o).and_then(|o| o.staff.get(*s)).map(|sc| {
                            super::staff_trend::Whose::Staff(sc.staff.no.clone(), sc.staff.name.clone())
                        })
                    }
                    Some(Entry::Outlet(o)) => {
                        self.view.outlets.get(*o).map(|o| super::staff_trend::Whose::Outlet(o.outlet.clone()))
                    }
                    None => None,
                };
                match whose.map(|w| super::staff_trend::StaffTrendScreen::new(w, self.view.quarter, cx)) {
                    Some(Ok(s)) => Action::Push(Box::new(s)),
                    Some(Err(e)) => Action::error(e),
                    None => Action::None,
                }
            }
            Cmd::Export => {
                let kind =
                    if self.performance.is_some() { ReportKind::Performance } else { ReportKind::Coverage };
                export_report(cx, kind, Some(self.view.quarter))
            }
            Cmd::Refresh => Action::after(self.refresh(cx)),
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let v = &self.view;
        let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let avg = v.branch_average;
        let avg_style = if avg.meets_target() { th.ok } else { th.overdue };
        let order = if self.order == Order::Outlet { t.by_outlet } else { t.by_shortfall };
        // The note on who results are counted for may not fit: cut with '..', never silently.
        f.render_widget(
            Paragraph::new(fit_line(
                Line::from(vec![
                    Span::styled(format!(" {} ", v.quarter), th.title),
                    // A past quarter says the day its figures stand at (issue #12 point 3).
                    Span::styled(
                        if v.basis == crate::service::views::FigureBasis::Current {
                            String::new()
                        } else {
                            format!("{} ", t.as_of.replace("{}", &v.as_of.to_string()))
                        },
                        th.accent,
                    ),
                    Span::styled(format!("{} ", t.per_head), th.muted),
                    Span::styled(
                        format!("{}.{:02}/{}", avg.hundredths() / 100, avg.hundredths() % 100, avg.target),
                        avg_style,
                    ),
                    Span::styled(format!("  {} ", t.below_quota), th.muted),
                    Span::styled(
                        v.below_quota.to_string(),
                        if v.below_quota > 0 { th.overdue } else { th.ok },
                    ),
                    Span::styled(format!("  {}:{order}", t.sorted_by), th.muted),
                    Span::styled(
                        match &self.performance {
                            Some(p) if p.holders_at_end => format!("  {}", t.holders_at_end),
                            Some(p) if !p.holders_frozen => format!("  {}", t.holders_not_frozen),
                            _ => String::new(),
                        },
                        th.warning,
                    ),
                ]),
                head.width,
            )),
            head,
        );
        // Dropped right to left as the terminal narrows; names, roster and shortfall stay.
        let perf = self.performance.as_ref();
        let mut cols = vec![
            Column::text(t.col_staff, 4, 10, 0),
            Column::text(t.col_role, 4, 10, 6),
            Column::whole(t.col_roster, 0),
        ];
        cols.extend(match perf {
            None => vec![
                Column::whole(t.col_short, 0),
                Column::whole(t.col_compliance, 5),
                Column::whole(t.col_sticker_pct, 4),
                Column::whole(t.col_on_time, 1),
                Column::whole(t.col_quarterly, 2),
                Column::whole(t.col_launch, 3),
            ],
            Some(_) => vec![
                Column::whole(t.col_on_time, 5),
                Column::whole(t.col_churned, 1),
                Column::whole(t.col_gained, 2),
                Column::whole(t.col_won, 3),
                Column::whole(t.col_assets_change, 4),
                Column::whole(t.col_contacts, 4),
                Column::whole(t.col_satisfaction, 4),
            ],
        });
        let figures_or_results = |f: &Figures, r: Option<&StaffResults>| -> Vec<Line<'static>> {
            match r {
                None => figure_cells(f, cx),
                Some(r) => {
                    let mut cells = vec![percent_line(f.callbacks_on_time, cx)];
                    cells.extend(result_cells(r, cx));
                    cells
                }
            }
        };
        let mut outlet_rows = Vec::new();
        let cells: Vec<Vec<Line>> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| match l {
                Entry::Outlet(o) => {
                    outlet_rows.push(i);
                    let outlet = &v.outlets[*o];
                    let a = outlet.average;
                    let mut cells = vec![
                        Line::from(Span::styled(
                            crate::domain::inert(outlet.outlet.as_str()).into_owned(),
                            th.title,
                        )),
                        Line::from(Span::styled(t.staff_count.replace("{}", &a.staff.to_string()), th.muted)),
                        Line::from(Span::styled(
                            format!(
                                "{} {}{}.{}",
                                a.clients,
                                t.per_head_short,
                                a.tenths() / 10,
                                a.tenths() % 10
                            ),
                            if a.meets_target() { th.ok } else { th.overdue },
                        )),
                    ];
                    if perf.is_none() {
                        cells.push(Line::from(Span::styled(
                            if outlet.below_quota > 0 {
                                outlet.below_quota.to_string()
                            } else {
                                String::new()
                            },
                            th.overdue,
                        )));
                    }
                    let r = perf.map(|p| p.outlets.get(&outlet.outlet).copied().unwrap_or_default());
                    cells.extend(figures_or_results(&outlet.figures, r.as_ref()));
                    cells
                }
                Entry::Staff(o, s) => {
                    let sc = &v.outlets[*o].staff[*s];
                    let st = sc.standing;
                    let mut bar = vec![Span::styled(format!("{:>3}/{:<3}", st.size, st.minimum), th.text)];
                    bar.extend(gauge(st, 5, cx));
                    let indent = if self.order == Order::Outlet { "  " } else { "" };
                    let mut cells = vec![
                        Line::from(Span::styled(
                            format!("{indent}{}", crate::domain::inert(&sc.staff.name)),
                            th.text,
                        )),
                        Line::from(Span::styled(
                            crate::domain::inert(sc.staff.role.as_str()).into_owned(),
                            th.muted,
                        )),
                        Line::from(bar),
                    ];
                    if perf.is_none() {
                        cells.push(Line::from(Span::styled(
                            if st.shortfall() > 0 { st.shortfall().to_string() } else { String::new() },
                            th.overdue,
                        )));
                    }
                    let r = perf.map(|p| p.staff.get(&sc.staff.no).copied().unwrap_or_default());
                    cells.extend(figures_or_results(&sc.figures, r.as_ref()));
                    cells
                }
            })
            .collect();
        let plan = Columns::plan(&cols, &cells, body.width, 1, 1);
        let rows: Vec<Row> = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let row = plan.row(c);
                if outlet_rows.contains(&i) { row.style(th.title) } else { row }
            })
            .collect();
        let table = Table::new(rows, plan.constraints())
            .header(plan.header(&cols, th.title))
            .column_spacing(1)
            .row_highlight_style(th.selection)
            .highlight_symbol(">");
        f.render_stateful_widget(table, body, &mut self.state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Fen;
    use crate::domain::results::RosterAssets;

    #[test]
    fn roster_asset_changes_are_signed_and_a_change_too_small_to_show_has_no_sign() {
        let shown = |fen: i64, t: &Text| {
            let a = RosterAssets { clients: 1, unknown: 0, start: Fen(0), end: Fen(fen) };
            asset_change_text(&a, t)
        };
        let zh = &crate::tui::text::ZH;
        let en = &crate::tui::text::EN;
        assert_eq!(shown(Fen::wan(12).0 + 300_000, zh), "+12.3万");
        assert_eq!(shown(-Fen::wan(5).0, zh), "-5.0万");
        assert_eq!(shown(30_000, zh), "0.0万", "300 yuan up");
        assert_eq!(shown(-30_000, zh), "0.0万", "300 yuan down");
        assert_eq!(shown(-Fen::wan(150).0, en), "-1.50M");
        assert_eq!(asset_change_text(&RosterAssets::default(), zh), "-");
    }
}
