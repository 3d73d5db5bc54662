//! A sheet as it was read, before any header is found: rows of typed cells, each row with the
//! row number Excel shows for it. CSV and text files give text cells only; a workbook gives
//! numbers, dates and booleans as Excel stored them, so a column formatted as 文本 keeps all its
//! digits and a date cell is a date whatever its display format.

use chrono::NaiveDateTime;

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell {
    Empty,
    Text(String),
    /// A number cell of a workbook (Excel keeps 15 significant digits).
    Number(f64),
    /// A date or date-time cell of a workbook.
    DateTime(NaiveDateTime),
    Bool(bool),
    /// An error value such as `#N/A` or `#REF!`, as Excel shows it.
    Error(String),
}

/// One row of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// The row number Excel shows on the left (the first row of the file is 1), also after
    /// cells that hold several lines.
    pub line: u64,
    pub cells: Vec<RawCell>,
}

impl RawCell {
    /// The cell as the text a column parser reads.
    ///
    /// Numbers are written the way a person would type them: whole numbers without `.0`, others
    /// with the shortest decimals that give the same number back. A whole number of 16 or more
    /// digits cannot have come through Excel intact (it keeps 15 significant digits), so it is
    /// written in Excel's scientific form (`4.10101E+17`), which every identifier and amount
    /// column refuses with the hint to format the column as 文本. Dates are `2026-11-05`, or
    /// `2026-11-05 14:30` when they carry a time; booleans are 是/否.
    pub fn text(&self) -> String {
        match self {
            RawCell::Empty => String::new(),
            RawCell::Text(s) => s.trim().to_string(),
            RawCell::Number(n) => number_text(*n),
            RawCell::DateTime(d) => {
                if d.time() == chrono::NaiveTime::MIN {
                    d.date().format("%Y-%m-%d").to_string()
                } else {
                    d.format("%Y-%m-%d %H:%M").to_string()
                }
            }
            RawCell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            RawCell::Error(e) => e.clone(),
        }
    }

    /// Empty, or text of spaces only.
    pub fn is_blank(&self) -> bool {
        match self {
            RawCell::Empty => true,
            RawCell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// Excel's own limit: beyond 15 significant digits a number cell has already lost digits.
const EXACT_DIGITS: f64 = 1e15;

fn number_text(n: f64) -> String {
    if !n.is_finite() {
        return "#NUM!".into();
    }
    if n.fract() == 0.0 && n.abs() < EXACT_DIGITS {
        // Exact: below 2^53 every whole f64 is an integer that i64 holds.
        return format!("{}", n as i64);
    }
    if n.abs() >= EXACT_DIGITS {
        // Excel's display of a long number, with six significant digits.
        let exp = n.abs().log10().floor() as i32;
        let mantissa = n / 10f64.powi(exp);
        let m = format!("{mantissa:.5}");
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return format!("{m}E+{exp:02}");
    }
    // Rust prints the shortest decimal that reads back as the same f64.
    format!("{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_person_would_type_them() {
        assert_eq!(RawCell::Number(6201001841.0).text(), "6201001841");
        assert_eq!(RawCell::Number(523456.78).text(), "523456.78");
        assert_eq!(RawCell::Number(0.853).text(), "0.853");
        assert_eq!(RawCell::Number(-5000.0).text(), "-5000");
        assert_eq!(RawCell::Number(410105198003030775.0).text(), "4.10105E+17");
        assert_eq!(RawCell::Number(1e15).text(), "1E+15");
        assert_eq!(RawCell::Text(" 张伟 ".into()).text(), "张伟");
        assert_eq!(RawCell::Bool(true).text(), "是");
    }

    #[test]
    fn dates_drop_a_midnight_time() {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 5).unwrap();
        assert_eq!(RawCell::DateTime(d.and_hms_opt(0, 0, 0).unwrap()).text(), "2024-01-05");
        assert_eq!(RawCell::DateTime(d.and_hms_opt(14, 30, 0).unwrap()).text(), "2024-01-05 14:30");
    }
}
