//! 成效 (managers): are we on track? Gold-and-above share of the branch's personal clients against
//! its target, growth since 1 January and year on year, churn (流失/降级) and conversion (提升,
//! 潜在) this quarter, satisfaction, and each figure over the last eight quarters.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::columns::wrap_at_gaps;
use super::super::keys::{self, Entry, F, Global, How, Nav, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::drill::DrillScreen;
use super::export_report;
use crate::domain::Quarter;
use crate::domain::percent::show_permille as pct;
use crate::service::ServiceError;
use crate::service::views::{FigureBasis, QuarterPoint, ReportKind, ResultsFigure, ResultsView};

/// Eight heights of a bar; placed at the end of their line, because a CJK terminal may draw
/// these ambiguous-width glyphs two cells wide.
/// Eight heights in braille dots, filled from the bottom: braille is one cell wide on every
/// terminal, while the block elements (`▁`…`█`) are ambiguous-width and a CJK-font terminal draws
/// them two cells wide.
const BARS: [char; 8] = ['⢀', '⣀', '⣠', '⣤', '⣴', '⣶', '⣾', '⣿'];

/// Bars scaled between `range` (or, without one, the lowest and highest value shown).
pub fn sparkline(values: &[Option<i64>], range: Option<(i64, i64)>) -> String {
    let present: Vec<i64> = values.iter().flatten().copied().collect();
    let (lo, hi) = range
        .unwrap_or((present.iter().min().copied().unwrap_or(0), present.iter().max().copied().unwrap_or(0)));
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if hi <= lo => BARS[0],
            // In i128: a sum of balances in fen may span most of i64.
            Some(v) => {
                let (v, lo, hi) = (i128::from(*v.clamp(&lo, &hi)), i128::from(lo), i128::from(hi));
                BARS[((v - lo) * 7 / (hi - lo)) as usize]
            }
        })
        .collect()
}

/// Columns a quarter takes in a trend: a bar, its value, a space.
const TREND_CELL: usize = 7;

/// How many of `n` quarters a trend shows in `width` columns beside its 17-column labels: the
/// latest ones, at least one.
pub fn trend_fit(width: u16, n: usize) -> usize {
    (usize::from(width).saturating_sub(17) / TREND_CELL).clamp(1, n.max(1))
}

/// A trend's first line: its title, then "25Q1"… over each quarter's column.
pub fn trend_head(title: &str, quarters: &[Quarter], cx: &Ctx) -> Line<'static> {
    let th = cx.theme;
    let mut head = vec![Span::styled(format!(" {}", ui::pad(title, 16)), th.title)];
    for q in quarters {
        let label = format!("{:02}Q{}", q.year.rem_euclid(100), q.q);
        head.push(Span::styled(format!("{label:>w$} ", w = TREND_CELL - 1), th.muted));
    }
    Line::from(head)
}

/// One figure of a trend: its name, then per quarter a bar (scaled between `range`, or the
/// lowest and highest shown) and the value as `show` writes it ("-" when there is none). Both
/// 成效 and 员工绩效's trend draw through here, so they read alike.
pub fn trend_row(
    name: &str,
    values: &[Option<i64>],
    show: &dyn Fn(i64) -> String,
    range: Option<(i64, i64)>,
    cx: &Ctx,
) -> Line<'static> {
    let th = cx.theme;
    let bars: Vec<char> = sparkline(values, range).chars().collect();
    let mut spans = vec![Span::styled(format!(" {}", ui::pad(name, 16)), th.muted)];
    for (i, value) in values.iter().enumerate() {
        let text = value.map_or("-".to_string(), show);
        spans.push(Span::styled(bars.get(i).copied().unwrap_or(' ').to_string(), th.accent));
        spans.push(Span::styled(format!("{text:>w$} ", w = TREND_CELL - 2), th.text));
    }
    Line::from(spans)
}

/// One figure of the quarterly trend: its label, how to read it from a quarter, how to show it,
/// and the fixed range its bars are drawn in (`None`: the lowest to the highest shown).
type TrendRow<'a> =
    (&'a str, &'a dyn Fn(&QuarterPoint) -> Option<i64>, &'a dyn Fn(i64) -> String, Option<(i64, i64)>);

pub struct ResultsScreen {
    view: ResultsView,
    quarter: Option<Quarter>,
    /// The figure ↑↓ has picked, whose clients Enter lists (`ResultsFigure::ALL`).
    picked: usize,
}

/// What a key does on 成效.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Drill,
    PrevQuarter,
    NextQuarter,
    Export,
    Refresh,
}

/// 成效's keys: dispatch, footer, help and docs/KEYS.md all read this.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(
        &[code(KeyCode::Enter)],
        Cmd::Drill,
        |t| t.key_drill,
        How { doc: Some("列出所选数字背后的客户（再按 Enter 打开客户卡）"), ..F },
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
    key(&[ch('x')], Cmd::Export, |t| t.key_export, How { doc: Some("导出 Excel"), ..F }),
    Entry::Global(Global::Help),
    Entry::Global(Global::Quit),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
];

/// Five figures: ↑↓ pick one, no paging.
fn offers(c: Cmd) -> bool {
    !matches!(c, Cmd::Nav(Nav::PageUp | Nav::PageDown | Nav::Top | Nav::Bottom))
}

impl ResultsScreen {
    pub fn new(cx: &Ctx) -> Result<ResultsScreen, ServiceError> {
        Ok(ResultsScreen { view: cx.api.results(None)?, quarter: None, picked: 0 })
    }
}

impl Screen for ResultsScreen {
    fn title(&self, t: &Text) -> String {
        t.results_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, offers)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.view = cx.api.results(self.quarter)?;
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let figures = ResultsFigure::ALL.len();
        let Some(cmd) = keys::command(KEYS, &key, false, offers) else { return Action::None };
        match cmd {
            Cmd::Nav(Nav::Down) => {
                self.picked = (self.picked + 1).min(figures - 1);
                Action::None
            }
            Cmd::Nav(_) => {
                self.picked = self.picked.saturating_sub(1);
                Action::None
            }
            Cmd::Drill => match DrillScreen::new(self.view.quarter, ResultsFigure::ALL[self.picked], cx) {
                Ok(s) => Action::Push(Box::new(s)),
                Err(e) => Action::error(e),
            },
            Cmd::PrevQuarter => {
                self.quarter = Some(self.view.quarter.prev());
                Action::after(self.refresh(cx))
            }
            Cmd::NextQuarter if Quarter::of(self.view.today) > self.view.quarter => {
                self.quarter = Some(self.view.quarter.next());
                Action::after(self.refresh(cx))
            }
            Cmd::NextQuarter => Action::None,
            Cmd::Export => export_report(cx, ReportKind::Results, Some(self.view.quarter)),
            Cmd::Refresh => Action::after(self.refresh(cx)),
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let v = &self.view;
        let label = |s: &str| Span::styled(format!(" {}", ui::pad(s, 16)), th.muted);
        // The figure Enter would list is marked, as a list's selection is.
        let picked = ResultsFigure::ALL[self.picked.min(ResultsFigure::ALL.len() - 1)];
        let figure_label = |s: &str, f: ResultsFigure| {
            if f == picked { Span::styled(format!(">{}", ui::pad(s, 16)), th.selection) } else { label(s) }
        };
        let verdict = |ok: bool| {
            if ok {
                Span::styled(format!("  {}", t.met), th.ok)
            } else {
                Span::styled(format!("  {}", t.not_met), th.overdue)
            }
        };
        let mut lines = vec![
            Line::from(vec![
                Span::styled(format!(" {} ", v.quarter), th.title),
                // A past quarter says what its figures rest on (frozen at its end, or not).
                Span::styled(
                    match v.basis {
                        FigureBasis::Current => t.as_of.replace("{}", &ui::date(v.as_of, v.today, t)),
                        FigureBasis::Recomputed { .. } => {
                            t.as_of_recounted.replace("{}", &v.as_of.to_string())
                        }
                        FigureBasis::Frozen { .. } => t.as_of_frozen.replace("{}", &v.as_of.to_string()),
                    },
                    th.muted,
                ),
            ]),
            Line::from(""),
        ];
        let (of_whom, basis) = match &v.branch_total {
            Some(b) => (
                t.branch_personal,
                t.branch_total_from
                    .replace("{month}", &b.month.format("%Y-%m").to_string())
                    .replace("{source}", &b.source),
            ),
            None => (t.all_clients, t.no_branch_total.to_string()),
        };
        lines.push(Line::from(vec![
            figure_label(t.gold_plus, ResultsFigure::GoldPlus),
            Span::styled(format!("{}", v.now.gold_plus), th.title),
            Span::styled(format!(" / {} {of_whom} = ", v.share_of), th.text),
            Span::styled(v.share.permille.map_or("-".into(), pct), th.accent),
            Span::styled(format!("  {} >={}", t.target, pct(v.share.target)), th.muted),
            verdict(v.share.met()),
        ]));
        lines.push(Line::from(vec![
            Span::styled(format!(" {}", ui::pad("", 16)), th.muted),
            Span::styled(basis, if v.branch_total.is_some() { th.muted } else { th.warning }),
        ]));
        for (name, base, growth, since, missing) in [
            (t.growth_ytd, &v.year_start, v.growth_ytd, t.year_start, t.no_year_start),
            (t.growth, &v.year_ago, v.growth, t.last_year, t.no_last_year),
        ] {
            match base {
                Some(b) => {
                    let entered = match &b.source {
                        crate::domain::results::BaselineSource::Snapshot => String::new(),
                        crate::domain::results::BaselineSource::Entered(src) => {
                            format!("（{}：{src}）", t.entered)
                        }
                    };
                    lines.push(Line::from(vec![
                        label(name),
                        Span::styled(
                            growth.permille.map_or("-".into(), |g| {
                                format!("{}{}", if g >= 0 { "+" } else { "" }, pct(g))
                            }),
                            th.accent,
                        ),
                        Span::styled(
                            format!(
                                "  {since} {}{}{}{entered}",
                                ui::date(b.date, v.today, t),
                                t.colon,
                                b.gold_plus
                            ),
                            th.text,
                        ),
                        Span::styled(format!("  {} >={}", t.target, pct(growth.target)), th.muted),
                        verdict(growth.met()),
                    ]));
                }
                None => lines.push(Line::from(vec![label(name), Span::styled(missing, th.warning)])),
            }
        }
        let ratio_line = |name: Span<'static>, r: crate::domain::coverage::Ratio, of: &str| {
            Line::from(vec![
                name,
                Span::styled(format!("{}", r.done), th.title),
                Span::styled(format!(" / {} {of}", r.of), th.text),
                Span::styled(format!("  {}", r.show()), th.accent),
            ])
        };
        let m = &v.movement;
        lines.push(ratio_line(label(t.churn), m.churn(), t.churn_of));
        lines.push(ratio_line(figure_label(t.churn_lost, ResultsFigure::Lost), m.lost(), t.churn_of));
        lines.push(ratio_line(
            figure_label(t.churn_downgraded, ResultsFigure::Downgraded),
            m.downgraded(),
            t.churn_of,
        ));
        lines.push(ratio_line(
            figure_label(t.conversion, ResultsFigure::UpliftWon),
            m.uplift,
            t.conversion_of,
        ));
        lines.push(ratio_line(
            figure_label(t.prospect_conversion, ResultsFigure::ProspectsWon),
            m.prospects,
            t.prospects_of,
        ));
        lines.push(Line::from(vec![
            figure_label(t.dormant, ResultsFigure::Dormant),
            Span::styled(format!("{}", v.dormant), th.title),
            Span::styled(format!(" {}", t.dormant_of), th.text),
        ]));
        lines.push(Line::from(vec![
            label(t.satisfaction_avg),
            Span::styled(
                v.satisfaction_tenths.map_or("-".into(), |s| format!("{}.{}", s / 10, s % 10)),
                th.accent,
            ),
            Span::styled(
                format!("  {}", t.ratings.replace("{}", &v.satisfaction_count.to_string())),
                th.muted,
            ),
        ]));
        lines.push(Line::from(""));
        // The last eight quarters, as many as fit: a bar (braille, one cell wide everywhere) and
        // the value under each quarter, oldest on the left.
        let fit = trend_fit(area.width, v.quarters.len());
        let shown = &v.quarters[v.quarters.len().saturating_sub(fit)..];
        let quarters: Vec<Quarter> = shown.iter().map(|p| p.quarter).collect();
        lines.push(trend_head(t.quarter_trend, &quarters, cx));
        let share = |p: &QuarterPoint| p.share.permille;
        let gold = |p: &QuarterPoint| Some(i64::from(p.register.gold_plus));
        let churn = |p: &QuarterPoint| p.movement.churn().permille().map(i64::from);
        let uplift = |p: &QuarterPoint| p.movement.uplift.permille().map(i64::from);
        let sat = |p: &QuarterPoint| p.satisfaction_tenths.map(i64::from);
        let contacts = |p: &QuarterPoint| Some(i64::from(p.contacts));
        let percent = |x: i64| pct(x);
        let tenths = |x: i64| format!("{}.{}", x / 10, x % 10);
        let count = |x: i64| if x < 100_000 { x.to_string() } else { format!("{}万", (x + 5_000) / 10_000) };
        // Satisfaction is drawn on its own 1–5 scale, so a tenth's wobble is not a cliff.
        let rows: [TrendRow; 6] = [
            (t.gold_share, &share, &percent, None),
            (t.gold_plus, &gold, &count, None),
            (t.churn, &churn, &percent, None),
            (t.conversion, &uplift, &percent, None),
            (t.satisfaction_avg, &sat, &tenths, Some((10, 50))),
            (t.contacts_per_quarter, &contacts, &count, None),
        ];
        for (name, of, show, range) in rows {
            let values: Vec<Option<i64>> = shown.iter().map(of).collect();
            lines.push(trend_row(name, &values, show, range, cx));
        }
        // Wrapped between figures, cut with `..` only inside one: never a silently cut number.
        let lines: Vec<Line> = lines.into_iter().flat_map(|l| wrap_at_gaps(l, area.width)).collect();
        f.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_between_the_lowest_and_highest_month() {
        assert_eq!(sparkline(&[Some(10), Some(20), None, Some(15)], None), "⢀⣿ ⣤");
        assert_eq!(sparkline(&[Some(5), Some(5)], None), "⢀⢀");
        assert_eq!(sparkline(&[None, None], None), "  ");
        assert_eq!(sparkline(&[Some(42), Some(44)], Some((10, 50))), "⣶⣶");
        // A fall and a rise of roster assets, in fen, at the ends of i64.
        assert_eq!(sparkline(&[Some(-5_000_000), Some(0), Some(9_000_000)], None), "⢀⣠⣿");
        assert_eq!(sparkline(&[Some(i64::MIN), Some(i64::MAX)], None), "⢀⣿");
    }
}
