//! Free text as it may be stored and as it must be shown. Stored text (an audit record's target,
//! a note, a file name) can hold characters a terminal obeys: a newline that starts a forged
//! line, an escape sequence that erases the screen. `inert` is the one place that turns such
//! characters into visible escapes; every printing path (CLI, TUI lists, CSV/XLSX exports) goes
//! through it. `check_line` is the rule for one-line text arriving in a request.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{Field, Invalid, Problem};

/// Multi-line text with every line break as `\n`: terminals send a pasted line break as CR,
/// Windows files end lines in CR LF, old Macs in CR alone. A note or plan is then judged only on
/// what it says, never refused for how its lines were ended.
pub fn newlines(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// True for characters a terminal or spreadsheet may act on rather than show: the C0 controls
/// (including `\n`, `\t` and ESC), DEL and the C1 controls U+0080–U+009F (Unicode category Cc),
/// and the line and paragraph separators U+2028/U+2029 that some viewers break lines at.
pub fn is_active(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// `text` with every active character (see `is_active`) written as a visible escape: `\n`, `\r`,
/// `\t`, `\x1b` for other C0 controls and DEL, `\u{85}` for the rest. A backslash already in
/// the text is left alone, so Windows paths stay readable: a literal `\n` can only look like an
/// escape, it cannot act as one. Borrowed unchanged when there is nothing to escape, which is
/// nearly always.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_active) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_active(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_active(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like `inert`, but a text that may hold line breaks keeps them (multi-line notes and plans in
/// an export cell); every other active character is escaped.
pub fn inert_keeping_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_active(c) && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&inert(line));
    }
    Cow::Owned(out)
}

/// Typed or pasted text as a one-line field can store it: a tab (what copying spreadsheet cells
/// gives) and every kind of line break become a space, other active characters (see
/// `is_active`) are dropped. A form cleans its input with this so what the user sees is what
/// `check_line` accepts, and an unsent draft is never refused for a character nobody can see.
pub fn one_line(text: &str) -> String {
    newlines(text)
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' => Some(' '),
            c if is_active(c) => None,
            c => Some(c),
        })
        .collect()
}

/// One line of text from a request (a reason, a file name, a product name): not blank unless
/// `may_be_empty`, at most `max_chars` characters, no active characters. The error names `field`.
pub fn check_line(field: Field, text: &str, max_chars: usize, may_be_empty: bool) -> Result<(), Invalid> {
    if !may_be_empty && text.trim().is_empty() {
        return Err(Invalid::new(field, Problem::Empty));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(Invalid::new(field, Problem::TooLong { chars, max: max_chars }));
    }
    if text.chars().any(is_active) {
        return Err(Invalid::new(field, Problem::LineBreakOrControl));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(inert("张伟 C001 导出 roster.csv"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_kind_of_control_character_is_shown_not_obeyed() {
        let forged = "C1\n2026-11-30 导出\r\t\u{1b}[2K\u{7f}\u{85}\u{9b}\u{2028}\0";
        let shown = inert(forged);
        assert_eq!(shown, "C1\\n2026-11-30 导出\\r\\t\\x1b[2K\\x7f\\u{85}\\u{9b}\\u{2028}\\x00");
        assert!(!shown.chars().any(is_active));
    }

    #[test]
    fn paths_with_backslashes_stay_readable() {
        assert!(matches!(inert("D:\\名单\\roster.csv"), Cow::Borrowed(_)));
    }

    #[test]
    fn multi_line_text_keeps_its_lines_only() {
        assert_eq!(inert_keeping_lines("第一行\n第二行\u{1b}[2K"), "第一行\n第二行\\x1b[2K");
        assert!(matches!(inert_keeping_lines("第一行\n第二行"), Cow::Borrowed(_)));
    }

    #[test]
    fn one_line_turns_tabs_and_breaks_into_spaces_and_drops_other_controls() {
        assert_eq!(one_line("Excel列1\t列2\r\n第二行\u{1b}[2K\u{7}"), "Excel列1 列2 第二行[2K");
        assert!(check_line(Field::Reason, &one_line("a\tb\rc\u{85}d\u{0}"), 200, false).is_ok());
    }

    #[test]
    fn request_lines_are_refused_with_their_field() {
        assert!(check_line(Field::Reason, "调岗", 200, false).is_ok());
        assert_eq!(check_line(Field::Reason, " ", 200, false).unwrap_err().field, Field::Reason);
        assert!(check_line(Field::Reason, "x\ny", 200, false).unwrap_err().to_string().contains("换行"));
        assert_eq!(
            check_line(Field::FileName, &"x".repeat(201), 200, true).unwrap_err().problem,
            Problem::TooLong { chars: 201, max: 200 }
        );
    }
}
