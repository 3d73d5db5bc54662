//! 成效 (managers): are we on track? Gold-and-above share of the branch's personal clients against
//! its target, growth since 1 January and year on year, churn (流失/降级) and conversion (提升,
//! 潜在) this quarter, satisfaction, and a year's trend.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::columns::wrap_at_gaps;
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::export_report;
use crate::domain::Quarter;
use crate::domain::percent::show_permille as pct;
use crate::service::ServiceError;
use crate::service::views::{FigureBasis, ReportKind, ResultsView};

/// Eight heights of a bar; placed at the end of their line, because a CJK terminal may draw
/// these ambiguous-width glyphs two cells wide.
/// Eight heights in braille dots, filled from the bottom: braille is one cell wide on every
/// terminal, while the block elements (`▁`…`█`) are ambiguous-width and a CJK-font terminal draws
/// them two cells wide.
const BARS: [char; 8] = ['⢀', '⣀', '⣠', '⣤', '⣴', '⣶', '⣾', '⣿'];

/// Bars scaled between `range` (or, without one, the lowest and highest value shown).
pub fn sparkline(values: &[Option<u32>], range: Option<(u32, u32)>) -> String {
    let present: Vec<u32> = values.iter().flatten().copied().collect();
    let (lo, hi) = range
        .unwrap_or((present.iter().min().copied().unwrap_or(0), present.iter().max().copied().unwrap_or(0)));
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if hi <= lo => BARS[0],
            Some(v) => BARS[((v.clamp(&lo, &hi) - lo) as usize * 7) / (hi - lo) as usize],
        })
        .collect()
}

pub struct ResultsScreen {
    view: ResultsView,
    quarter: Option<Quarter>,
}

impl ResultsScreen {
    pub fn new(cx: &Ctx) -> Result<ResultsScreen, ServiceError> {
        Ok(ResultsScreen { view: cx.api.results(None)?, quarter: None })
    }
}

impl Screen for ResultsScreen {
    fn title(&self, t: &Text) -> String {
        t.results_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        vec![
            ("[ ]", t.key_quarter),
            ("x", t.key_export),
            ("?", t.key_help),
            ("q", t.key_quit),
            ("r", t.key_refresh),
        ]
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.view = cx.api.results(self.quarter)?;
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match key.code {
            KeyCode::Char('[') => {
                self.quarter = Some(self.view.quarter.prev());
                Action::after(self.refresh(cx))
            }
            KeyCode::Char(']') if Quarter::of(self.view.today) > self.view.quarter => {
                self.quarter = Some(self.view.quarter.next());
                Action::after(self.refresh(cx))
            }
            KeyCode::Char('x') => export_report(cx, ReportKind::Results, Some(self.view.quarter)),
            KeyCode::Char('r') => Action::after(self.refresh(cx)),
            _ => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let v = &self.view;
        let label = |s: &str| Span::styled(format!(" {}", ui::pad(s, 16)), th.muted);
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
                        basis => basis.as_of_line(v.as_of),
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
            label(t.gold_plus),
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
                            format!("  {since} {}：{}{entered}", ui::date(b.date, v.today, t), b.gold_plus),
                            th.text,
                        ),
                        Span::styled(format!("  {} >={}", t.target, pct(growth.target)), th.muted),
                        verdict(growth.met()),
                    ]));
                }
                None => lines.push(Line::from(vec![label(name), Span::styled(missing, th.warning)])),
            }
        }
        let ratio_line = |name: &str, r: crate::domain::coverage::Ratio, of: &str| {
            Line::from(vec![
                label(name),
                Span::styled(format!("{}", r.done), th.title),
                Span::styled(format!(" / {} {of}", r.of), th.text),
                Span::styled(format!("  {}", r.show()), th.accent),
            ])
        };
        let m = &v.movement;
        lines.push(ratio_line(t.churn, m.churn(), t.churn_of));
        lines.push(Line::from(vec![
            label(""),
            Span::styled(format!("{} {} ({})", t.churn_lost, m.lost, m.lost().show()), th.text),
            Span::styled(
                format!("  {} {} ({})", t.churn_downgraded, m.downgraded, m.downgraded().show()),
                th.text,
            ),
        ]));
        lines.push(ratio_line(t.conversion, m.uplift, t.conversion_of));
        lines.push(ratio_line(t.prospect_conversion, m.prospects, t.prospects_of));
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
        let first = v.trend.first().map(|m| m.month.format("%Y-%m").to_string()).unwrap_or_default();
        let last = v.trend.last().map(|m| m.month.format("%Y-%m").to_string()).unwrap_or_default();
        lines.push(Line::from(Span::styled(format!(" {} {first} - {last}", t.trend), th.title)));
        let gold: Vec<Option<u32>> = v.trend.iter().map(|m| m.gold_plus).collect();
        let contacts: Vec<Option<u32>> = v.trend.iter().map(|m| Some(m.contacts)).collect();
        let sat: Vec<Option<u32>> = v.trend.iter().map(|m| m.satisfaction_tenths).collect();
        let ends = |vals: &[Option<u32>], fmt: &dyn Fn(u32) -> String| {
            let present: Vec<u32> = vals.iter().flatten().copied().collect();
            match (present.first(), present.last()) {
                (Some(a), Some(b)) => format!("{} -> {}", fmt(*a), fmt(*b)),
                _ => "-".into(),
            }
        };
        // Satisfaction is drawn on its own 1–5 scale, so a tenth's wobble is not a cliff.
        for (name, vals, fmt, range) in [
            (t.gold_plus, &gold, &(|x: u32| x.to_string()) as &dyn Fn(u32) -> String, None),
            (t.contacts_per_month, &contacts, &|x: u32| x.to_string(), None),
            (t.satisfaction_avg, &sat, &|x: u32| format!("{}.{}", x / 10, x % 10), Some((10, 50))),
        ] {
            lines.push(Line::from(vec![
                label(name),
                Span::styled(format!("{} ", ui::pad(&ends(vals, fmt), 12)), th.text),
                Span::styled(sparkline(vals, range), th.accent),
            ]));
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
    }
}
