//! Drawing helpers shared by screens: widths of Chinese text, dates, amounts, the bars.

use chrono::{Datelike, NaiveDate};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui_textarea::{CursorMove, TextArea};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::screen::KeyHelp;
use super::text::{Lang, Text};
use super::theme::Theme;
use crate::domain::DueBucket;
use crate::service::views::Amount;

/// Display width in terminal cells (a Chinese character takes two).
/// A one-line text field holding `initial`, cursor at its end, showing `placeholder` while empty;
/// the cursor line is not underlined, which looks like a stray rule in many terminals.
pub fn text_input(initial: &str, placeholder: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![initial.to_string()]);
    t.set_placeholder_text(placeholder.to_string());
    t.set_cursor_line_style(Style::default());
    t.move_cursor(CursorMove::End);
    t
}

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` cells, ending in ".." when cut, never splitting a wide character.
/// ("…" is East Asian Ambiguous: a CJK-configured terminal draws it two cells wide and every
/// column after it would shift.) Control characters in stored text are shown escaped
/// (`domain::inert`), not dropped, so a cell shows what is really stored.
pub fn fit(s: &str, max: usize) -> String {
    let shown = crate::domain::inert(s);
    let s: &str = &shown;
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 2 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str("..");
    out
}

/// `s` cut or padded with spaces to exactly `cells` terminal cells.
pub fn pad(s: &str, cells: usize) -> String {
    let mut out = fit(s, cells);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// "11-20 周五".
pub fn day_and_weekday(d: NaiveDate, t: &Text) -> String {
    format!("{} {}", d.format("%m-%d"), t.weekday_names[d.weekday().num_days_from_monday() as usize])
}

/// At most nine cells for a table column, and never a bare two-digit year that reads like a
/// day: "11-05" this year, "去年12-30" / "明年01-05" (English "'25-12-30") the years either
/// side, "2024-12" further off.
pub fn date(d: NaiveDate, today: NaiveDate, t: &Text) -> String {
    match (d.year() - today.year(), t.lang) {
        (0, _) => d.format("%m-%d").to_string(),
        (-1, Lang::Zh) => format!("去年{}", d.format("%m-%d")),
        (1, Lang::Zh) => format!("明年{}", d.format("%m-%d")),
        (-1 | 1, Lang::En) => d.format("'%y-%m-%d").to_string(),
        _ => d.format("%Y-%m").to_string(),
    }
}

pub fn opt_date(d: Option<NaiveDate>, today: NaiveDate, t: &Text) -> String {
    d.map_or_else(|| "-".to_string(), |d| date(d, today, t))
}

/// "2026-11-24 周二".
pub fn long_date(d: NaiveDate, t: &Text) -> String {
    format!("{} {}", d.format("%Y-%m-%d"), t.weekday_names[d.weekday().num_days_from_monday() as usize])
}

pub fn amount(a: &Amount, t: &Text) -> String {
    match (a, t.lang) {
        (Amount::Unknown, _) => t.assets_unknown.to_string(),
        (Amount::Band(b), Lang::Zh) => b.label(),
        (Amount::Band(b), Lang::En) => match (b.from_wan, b.to_wan) {
            (0, Some(to)) => format!("<{}", yuan_short(to)),
            (from, Some(to)) => format!("{}-{}", yuan_short(from), yuan_short(to)),
            (from, None) => format!(">{}", yuan_short(from)),
        },
        (Amount::Exact(f), Lang::Zh) => f.display_wan(),
        (Amount::Exact(f), Lang::En) => {
            // Hundredths of a million yuan, rounded half up, in integers like every balance.
            let h = (f.0.abs() + 500_000) / 1_000_000;
            format!("{}{}.{:02}M", if f.0 < 0 { "-" } else { "" }, h / 100, h % 100)
        }
    }
}

/// 万 in the units an English reader expects: 50 万 is "500k", 200 万 is "2M".
fn yuan_short(wan: i64) -> String {
    if wan >= 100 {
        let tenths = wan / 10;
        if tenths % 10 == 0 {
            format!("{}M", tenths / 10)
        } else {
            format!("{}.{}M", tenths / 10, tenths % 10)
        }
    } else {
        format!("{}k", wan * 10)
    }
}

/// The style a due date is shown in.
pub fn due_style(due: NaiveDate, today: NaiveDate, theme: &Theme) -> Style {
    match DueBucket::of(due, today) {
        DueBucket::Overdue { .. } => theme.overdue,
        DueBucket::Today => theme.warning,
        DueBucket::ThisWeek => theme.accent,
        DueBucket::Later => theme.text,
    }
}

/// The footer: key chips and their meaning, as many as fit in `cols`.
pub fn footer<'a>(keys: &[KeyHelp], cols: usize, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    let mut used = 0;
    for KeyHelp { short: key, what, .. } in keys.iter().filter(|k| k.footer) {
        let need = width(key) + width(what) + 3;
        if used + need > cols {
            break;
        }
        spans.push(Span::styled(format!(" {key} "), theme.key));
        spans.push(Span::styled(format!("{what} "), theme.text));
        used += need;
    }
    Line::from(spans)
}

/// The border of every box (help, popups): ASCII, so it stands out in mono too and never
/// shifts a line — box-drawing characters are ambiguous-width (see `narrow`).
pub const ASCII_BORDER: ratatui::symbols::border::Set = ratatui::symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_counts_chinese_as_two_cells_and_never_splits_one() {
        assert_eq!(fit("张伟", 4), "张伟");
        assert_eq!(fit("欧阳文博", 7), "欧阳..");
        assert_eq!(width(&fit("欧阳文博", 7)), 6);
        assert_eq!(fit("abcdef", 4), "ab..");
        assert_eq!(pad("张伟", 6), "张伟  ");
        assert_eq!(width(&pad("欧阳文博", 7)), 7);
    }

    #[test]
    fn dates_are_short_within_the_year() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let zh = &super::super::text::ZH;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date(day(2026, 1, 5), today, zh), "01-05");
        assert_eq!(date(day(2025, 12, 30), today, zh), "去年12-30");
        assert_eq!(date(day(2027, 1, 5), today, zh), "明年01-05");
        assert_eq!(date(day(2024, 12, 30), today, zh), "2024-12");
        assert_eq!(date(day(2025, 12, 30), today, &super::super::text::EN), "'25-12-30");
        assert!(width(&date(day(2025, 12, 30), today, zh)) <= 9);
        assert_eq!(long_date(today, &super::super::text::ZH), "2026-11-24 周二");
    }
}
