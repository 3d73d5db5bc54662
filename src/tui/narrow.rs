//! Every symbol drawn is one a terminal draws one cell wide, whatever its font.
//!
//! Unicode leaves some characters' width to the terminal (East Asian Width "Ambiguous": `·`,
//! `↑`, `…`, `“`, `—`, `×`, block elements). Xshell and SecureCRT with a CJK font draw them two
//! cells wide, while ratatui counts one, so every later glyph on the line is overwritten. The
//! frame is therefore finished by [`narrow_buffer`], which replaces each ambiguous character —
//! in chrome and in data alike (`阿依古丽·买买提`) — by a narrow one that looks the same or says
//! the same. Only the drawing changes; what is stored is never touched.

use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthChar;

/// Look-alikes for the ambiguous characters staff meet in the app and in client data. Each
/// replacement is East Asian Width Narrow or Halfwidth, so every terminal draws it in one cell.
const LOOK_ALIKES: &[(char, char)] = &[
    ('·', '･'), // U+00B7 middle dot (minority names, separators) → halfwidth katakana middle dot
    ('•', '･'),
    ('‧', '･'),
    ('…', '.'),
    ('“', '"'),
    ('”', '"'),
    ('‘', '\''),
    ('’', '\''),
    ('—', '-'),
    ('–', '-'),
    ('―', '-'),
    ('×', 'x'),
    ('÷', '/'),
    ('°', 'o'),
    ('±', '+'),
    ('≥', '>'),
    ('≤', '<'),
    ('≠', '#'),
    ('√', 'v'),
    ('←', '<'),
    ('→', '>'),
    ('↑', '^'),
    ('↓', 'v'),
    ('○', 'o'),
    ('●', '*'),
    ('◎', 'o'),
    ('★', '*'),
    ('☆', '*'),
    ('■', '#'),
    ('□', '#'),
    ('▲', '^'),
    ('▼', 'v'),
    ('◆', '*'),
    ('◇', '*'),
    ('§', 'S'),
    ('¤', '$'),
    ('─', '-'),
    ('━', '-'),
    ('│', '|'),
    ('┃', '|'),
    ('█', '#'),
];

/// Whether a terminal may draw `c` wider than ratatui counts it (East Asian Width Ambiguous):
/// its width in a CJK context differs from its width elsewhere.
pub fn is_ambiguous(c: char) -> bool {
    c.width() != c.width_cjk()
}

/// The character drawn for `c`: itself when every terminal agrees on its width, else a narrow
/// look-alike, else `?` (a letter of a script the branch does not use, seen in a note).
pub fn narrow(c: char) -> char {
    if !is_ambiguous(c) {
        return c;
    }
    LOOK_ALIKES.iter().find(|(from, _)| *from == c).map_or('?', |(_, to)| *to)
}

/// Replaces every ambiguous-width character in a finished frame (see the module comment). Cells
/// holding more than one character (a base and its combining marks) are judged by their base.
pub fn narrow_buffer(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        let mut chars = cell.symbol().chars();
        let Some(first) = chars.next() else { continue };
        if is_ambiguous(first) {
            let mut s = String::new();
            s.push(narrow(first));
            cell.set_symbol(&s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_look_alike_is_narrow_everywhere_and_replaces_an_ambiguous_character() {
        for (from, to) in LOOK_ALIKES {
            assert!(is_ambiguous(*from), "{from:?} is not ambiguous: no need to replace it");
            assert!(!is_ambiguous(*to) && to.width() == Some(1), "{to:?} is not one cell everywhere");
        }
    }

    #[test]
    fn a_name_with_a_middle_dot_keeps_its_dot_in_one_cell() {
        let name: String = "阿依古丽·买买提".chars().map(narrow).collect();
        assert_eq!(name, "阿依古丽･买买提");
        assert_eq!(narrow('张'), '张', "CJK characters are wide everywhere and stay");
        assert_eq!(narrow('a'), 'a');
        assert_eq!(narrow('✓'), '✓', "neutral-width symbols stay");
        assert_eq!(narrow('①'), '?');
    }

    #[test]
    fn a_frame_is_left_with_no_ambiguous_character() {
        let mut buf = Buffer::with_lines(["回访 11-05 · 重要客户 ↑↓ 移动 …"]);
        narrow_buffer(&mut buf);
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        for shown in ["11-05 ･ ", " ^v ", " ."] {
            assert!(text.contains(shown), "{shown:?} not in {text:?}");
        }
        assert!(text.chars().all(|c| !is_ambiguous(c)), "{text}");
    }
}
