//! Table columns that stay honest at any width: a screen lists its columns once (header, how a
//! value may be cut, which goes first when space runs out) and [`Columns::plan`] decides what is
//! shown. An identifier or amount is shown whole or not at all; only if even the columns that are
//! never dropped cannot fit is a value cut, and then it ends in `..` — a silently cut
//! `620100712` for 6201007124, or `100k-` for `100k-500k`, reads as another real value.

use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use unicode_width::UnicodeWidthChar;

/// How a column gives way when the terminal is narrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Client and staff numbers, phones, dates, amounts, figures: as wide as the widest value
    /// (and the header); dropped rather than cut.
    Whole,
    /// Names and labels: up to `max` cells, shrinking to `min` (cut with `..`) before any column is
    /// dropped.
    Text { min: u16, max: u16 },
}

/// One column of a table screen.
#[derive(Debug, Clone)]
pub struct Column<'a> {
    pub header: &'a str,
    pub fit: Fit,
    /// 0: never dropped. Otherwise the highest number is dropped first.
    pub drop: u8,
}

impl<'a> Column<'a> {
    /// A column shown whole, dropped in order `drop` (0 = never).
    pub fn whole(header: &'a str, drop: u8) -> Column<'a> {
        Column { header, fit: Fit::Whole, drop }
    }

    /// A text column of `min..=max` cells, dropped in order `drop` (0 = never).
    pub fn text(header: &'a str, min: u16, max: u16, drop: u8) -> Column<'a> {
        Column { header, fit: Fit::Text { min, max }, drop }
    }
}

/// Which columns are shown and how wide, for one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Indices into the screen's column list, in order.
    pub shown: Vec<usize>,
    /// Width of each shown column, in cells.
    pub widths: Vec<u16>,
}

fn line_width(l: &Line) -> u16 {
    u16::try_from(l.width()).unwrap_or(u16::MAX)
}

fn cells(s: &str) -> u16 {
    u16::try_from(unicode_width::UnicodeWidthStr::width(s)).unwrap_or(u16::MAX)
}

impl Columns {
    /// Plans `cols` for `rows` (one `Line` per column per row) in `avail` cells, with `spacing`
    /// between columns and `lead` cells before the first (a highlight symbol).
    pub fn plan(cols: &[Column], rows: &[Vec<Line>], avail: u16, spacing: u16, lead: u16) -> Columns {
        let mut widths: Vec<u16> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let content = rows.iter().filter_map(|r| r.get(i)).map(line_width).max().unwrap_or(0);
                let natural = content.max(cells(c.header));
                match c.fit {
                    Fit::Whole => natural,
                    Fit::Text { max, .. } => natural.min(max.max(1)),
                }
            })
            .collect();
        let mut shown: Vec<usize> = (0..cols.len()).collect();
        let total = |shown: &[usize], widths: &[u16]| -> u32 {
            let sum: u32 = shown.iter().map(|i| u32::from(widths[*i])).sum();
            sum + u32::from(lead) + u32::from(spacing) * shown.len().saturating_sub(1) as u32
        };
        // First drop columns, highest `drop` first; then shrink text columns towards their minimum.
        while total(&shown, &widths) > u32::from(avail) {
            let droppable =
                shown.iter().copied().filter(|i| cols[*i].drop > 0).max_by_key(|i| (cols[*i].drop, *i));
            if let Some(i) = droppable {
                shown.retain(|s| *s != i);
                continue;
            }
            let shrinkable = shown
                .iter()
                .copied()
                .filter(|i| matches!(cols[*i].fit, Fit::Text { min, .. } if widths[*i] > min))
                .max_by_key(|i| widths[*i]);
            match shrinkable {
                Some(i) => widths[i] -= 1,
                None => break,
            }
        }
        // Still too wide with only the columns that stay: the rightmost give way, cut with `..`.
        let mut over = total(&shown, &widths).saturating_sub(u32::from(avail));
        for i in shown.iter().rev() {
            if over == 0 {
                break;
            }
            let give = over.min(u32::from(widths[*i].saturating_sub(3)));
            widths[*i] -= give as u16;
            over -= give;
        }
        let widths = shown.iter().map(|i| widths[*i]).collect();
        Columns { shown, widths }
    }

    /// The list every screen draws from `cells` (one `Vec` per row, in `cols` order) in `width`
    /// cells: columns planned to fit, the header in `header` style, the cursor line in
    /// `selected` style and marked `>`.
    pub fn list<'a>(
        cols: &[Column<'a>],
        cells: Vec<Vec<Line<'a>>>,
        width: u16,
        header: Style,
        selected: Style,
    ) -> ratatui::widgets::Table<'a> {
        let plan = Columns::plan(cols, &cells, width, 1, 1);
        let rows: Vec<Row> = cells.into_iter().map(|c| plan.row(c)).collect();
        ratatui::widgets::Table::new(rows, plan.constraints())
            .header(plan.header(cols, header))
            .column_spacing(1)
            .row_highlight_style(selected)
            .highlight_symbol(">")
    }

    /// Constraints for ratatui's `Table`.
    pub fn constraints(&self) -> Vec<Constraint> {
        self.widths.iter().map(|w| Constraint::Length(*w)).collect()
    }

    /// The header row of the shown columns, cut with `..` if a header is wider than its values.
    pub fn header<'a>(&self, cols: &[Column<'a>], style: Style) -> Row<'a> {
        let cells: Vec<Cell> = self
            .shown
            .iter()
            .zip(&self.widths)
            .map(|(i, w)| Cell::from(fit_line(Line::from(cols[*i].header), *w)))
            .collect();
        Row::new(cells).style(style)
    }

    /// One table row: the shown columns of `cells`, each cut to its width with `..`.
    pub fn row<'a>(&self, cells: Vec<Line<'a>>) -> Row<'a> {
        let mut cells: Vec<Option<Line<'a>>> = cells.into_iter().map(Some).collect();
        let out: Vec<Cell<'a>> = self
            .shown
            .iter()
            .zip(&self.widths)
            .map(|(i, w)| {
                Cell::from(fit_line(cells.get_mut(*i).and_then(Option::take).unwrap_or_default(), *w))
            })
            .collect();
        Row::new(out)
    }
}

/// `line` cut to at most `max` cells, ending in `..` (in the style of the span cut) when cut,
/// never splitting a wide character.
pub fn fit_line(line: Line<'_>, max: u16) -> Line<'_> {
    let max = usize::from(max);
    if line.width() <= max {
        return line;
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut used = 0;
    let mut last_style = line.style;
    'outer: for span in &line.spans {
        last_style = span.style;
        let mut kept = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 2 > max {
                if !kept.is_empty() {
                    spans.push(Span::styled(kept, span.style));
                }
                break 'outer;
            }
            kept.push(c);
            used += w;
        }
        spans.push(Span::styled(kept, span.style));
    }
    spans.push(Span::styled("..".chars().take(max).collect::<String>(), last_style));
    Line::from(spans).style(line.style)
}

/// A span cut into pieces at its runs of two or more spaces (the gap screens put between figures),
/// each run its own whitespace-only span.
fn split_at_double_spaces<'a>(span: &Span<'a>) -> Vec<Span<'a>> {
    let text = span.content.as_ref();
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("  ") {
        let gap_len = rest[at..].len() - rest[at..].trim_start_matches(' ').len();
        if at > 0 {
            out.push(Span::styled(rest[..at].to_string(), span.style));
        }
        out.push(Span::styled(rest[at..at + gap_len].to_string(), span.style));
        rest = &rest[at + gap_len..];
    }
    if !rest.is_empty() {
        out.push(Span::styled(rest.to_string(), span.style));
    }
    out
}

/// `line` wrapped to lines of at most `max` cells, breaking only at its whitespace-only spans and
/// runs of two or more spaces (the gaps between "label value" pairs and figures), so no value is
/// split or silently lost; a group wider than a whole line is cut with `..`.
pub fn wrap_at_gaps(line: Line<'_>, max: u16) -> Vec<Line<'_>> {
    if line.width() <= usize::from(max) {
        return vec![line];
    }
    let style = line.style;
    let mut groups: Vec<Vec<Span>> = vec![Vec::new()];
    for span in line.spans.iter().flat_map(split_at_double_spaces) {
        if !span.content.is_empty() && span.content.trim().is_empty() {
            groups.push(vec![span]);
            groups.push(Vec::new());
        } else if let Some(g) = groups.last_mut() {
            g.push(span);
        }
    }
    let width = |g: &[Span]| g.iter().map(Span::width).sum::<usize>();
    let mut out: Vec<Line> = Vec::new();
    let mut current: Vec<Span> = Vec::new();
    for group in groups.into_iter().filter(|g| !g.is_empty()) {
        let is_gap = group.iter().all(|s| s.content.trim().is_empty());
        if is_gap && current.is_empty() {
            continue;
        }
        if width(&current) + width(&group) > usize::from(max) {
            if is_gap {
                continue;
            }
            while current.last().is_some_and(|s| s.content.trim().is_empty()) {
                current.pop();
            }
            if !current.is_empty() {
                out.push(Line::from(std::mem::take(&mut current)).style(style));
            }
        }
        current.extend(group);
        if width(&current) > usize::from(max) {
            out.push(fit_line(Line::from(std::mem::take(&mut current)), max).style(style));
        }
    }
    if !current.is_empty() {
        out.push(Line::from(current).style(style));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[&[&'static str]]) -> Vec<Vec<Line<'static>>> {
        values.iter().map(|r| r.iter().map(|s| Line::from(*s)).collect()).collect()
    }

    #[test]
    fn a_narrow_terminal_drops_columns_before_it_cuts_a_number() {
        let cols = [Column::text("姓名", 4, 8, 0), Column::whole("客户号", 0), Column::whole("资产", 1)];
        let r = rows(&[&["欧阳文博", "6201007124", "100k-500k"]]);
        let wide = Columns::plan(&cols, &r, 40, 1, 1);
        assert_eq!(wide.shown, vec![0, 1, 2]);
        assert_eq!(wide.widths, vec![8, 10, 9]);
        let narrow = Columns::plan(&cols, &r, 20, 1, 1);
        assert_eq!(narrow.shown, vec![0, 1], "assets dropped, the client number whole");
        assert_eq!(narrow.widths, vec![8, 10]);
        let tight = Columns::plan(&cols, &r, 16, 1, 1);
        assert_eq!(tight.widths, vec![4, 10], "the name gives way first");
    }

    #[test]
    fn a_value_that_cannot_fit_even_alone_is_marked_cut() {
        let cols = [Column::whole("客户号", 0)];
        let r = rows(&[&["6201000000000001"]]);
        let plan = Columns::plan(&cols, &r, 11, 1, 1);
        assert_eq!(plan.widths, vec![10]);
        let shown = fit_line(Line::from("6201000000000001"), plan.widths[0]);
        assert_eq!(shown.to_string(), "62010000..");
    }

    #[test]
    fn a_card_line_wraps_between_label_value_pairs() {
        let line = Line::from(vec![
            Span::raw("手机 "),
            Span::raw("188****8727"),
            Span::raw("  "),
            Span::raw("证件 "),
            Span::raw("4105**********4735"),
        ]);
        let lines: Vec<String> = wrap_at_gaps(line, 24).iter().map(|l| l.to_string()).collect();
        assert_eq!(lines, vec!["手机 188****8727", "证件 4105**********4735"]);
        let figures = Line::from(vec![Span::raw(" 同比增长  +12.1%"), Span::raw("  目标 >=15.0%")]);
        let lines: Vec<String> = wrap_at_gaps(figures, 18).iter().map(|l| l.to_string()).collect();
        assert_eq!(lines, vec![" 同比增长  +12.1%", "目标 >=15.0%"]);
        let long = Line::from(vec![Span::raw("备注 "), Span::raw("一二三四五六七八九十")]);
        assert_eq!(wrap_at_gaps(long, 12)[0].to_string(), "备注 一二..");
    }

    #[test]
    fn a_cut_line_keeps_its_styles_and_ends_in_two_dots() {
        let line = Line::from(vec![Span::raw("18/25 "), Span::raw("████")]);
        assert_eq!(fit_line(line, 8).to_string(), "18/25 ..");
        assert_eq!(fit_line(Line::from("张伟"), 4).to_string(), "张伟");
        assert_eq!(fit_line(Line::from("欧阳文博"), 7).to_string(), "欧阳..");
    }
}
