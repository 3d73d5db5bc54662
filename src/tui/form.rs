//! The form kit: what every form is built from, so a new form (complaints, performance) takes
//! these parts instead of copying a screen.
//!
//! - [`TextInput`]: one line or several, CJK-aware (a Chinese character is two cells, the IME's
//!   committed text arrives as characters or as a paste), with the editing keys of [`EDIT_KEYS`]
//!   (Ctrl-U empties, Ctrl-W deletes a word, Home/End…) and nothing else: no hidden undo on
//!   Ctrl-U, no Enter turning a one-line field into two.
//! - [`Choice`]: one of a list (a labelled enum's `ALL`, the running launches…), picked with
//!   ←→, Space or a digit.
//! - [`Parsed`]: a text field read as a value (a date, an amount, a percentage) with a live
//!   preview of what it will be read as, or the problem.
//! - [`Focus`]: which field the cursor is on, which fields the user has left (their problems show
//!   beside them from then on), and the jump to the first problem on save.
//! - [`Sheet`]: lays a form out — label column, field, its problem on the line under it, free
//!   lines — scrolls it to keep the focused field in view, and keeps the pinned lines (a reason,
//!   the confirm hint) at the bottom whatever the height.
//! - [`Steps`]: a multi-step flow held in one screen's state (pick, then confirm), with Esc going
//!   back a step.
//! - [`window`] and [`more_line`]: a long list scrolled around its selection, saying how many
//!   more there are ("另有 N 人") rather than cutting them off silently.

use std::collections::{BTreeMap, BTreeSet};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use super::columns::{fit_line, wrap_at_gaps};
use super::keys::{self, Entry, How, T, alt, code, ctrl, key};
use super::text::Text;
use super::theme::Theme;
use super::ui;
use crate::domain::{Field, Lang, Problem};
use crate::service::ServiceError;

/// An editing key of a text field (every other printable key is typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Left,
    Right,
    Home,
    End,
    Backspace,
    Delete,
    WordBack,
    /// Empties a one-line field; in a field of several lines, the cursor's line up to the cursor.
    Clear,
    KillEnd,
    Up,
    Down,
}

/// The editing keys every text field takes (shown in help under 编辑文字 and in docs/KEYS.md).
/// A screen's own table is asked first, so a form that moves between fields with ↑↓ keeps them.
pub static EDIT_KEYS: &[Entry<Edit>] = &[
    key(&[code(KeyCode::Left)], Edit::Left, |t| t.key_cursor, How { doc_keys: Some("←→"), ..T }),
    key(&[code(KeyCode::Right)], Edit::Right, |t| t.key_cursor, keys::PARTNER),
    key(&[code(KeyCode::Home), ctrl('a')], Edit::Home, |t| t.key_line_home, T),
    key(&[code(KeyCode::End), ctrl('e')], Edit::End, |t| t.key_line_end, T),
    key(&[code(KeyCode::Backspace), ctrl('h')], Edit::Backspace, |t| t.key_backspace, T),
    key(&[code(KeyCode::Delete), ctrl('d')], Edit::Delete, |t| t.key_delete_char, T),
    key(&[ctrl('w'), alt(KeyCode::Backspace)], Edit::WordBack, |t| t.key_word_back, T),
    key(
        &[ctrl('u')],
        Edit::Clear,
        |t| t.key_clear,
        How { doc: Some("清空（多行文字中：删去本行光标前的文字）"), ..T },
    ),
    key(&[ctrl('k')], Edit::KillEnd, |t| t.key_kill_end, T),
    key(&[code(KeyCode::Up)], Edit::Up, |t| t.key_line_up_down, How { doc_keys: Some("↑↓"), ..T }),
    key(&[code(KeyCode::Down)], Edit::Down, |t| t.key_line_up_down, keys::PARTNER),
];

/// A text field: one line, or several up to a number of rows (then it scrolls inside).
pub struct TextInput {
    area: TextArea<'static>,
    /// `None`: one line. `Some(n)`: several lines, the box growing to `n` rows.
    rows: Option<u16>,
}

/// Typed or pasted text as a one-line field keeps it: line breaks and tabs (a pasted Excel
/// cell, a copied address) become spaces, which the user sees.
fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\r', '\n', '\t'], " ")
}

impl TextInput {
    /// A one-line field holding `initial` (line breaks become spaces), cursor at its end,
    /// showing `placeholder` while empty.
    pub fn line(initial: &str, placeholder: &str) -> TextInput {
        let area = ui::text_input(&one_line(initial), placeholder);
        TextInput { area, rows: None }
    }

    /// A field of several lines holding `initial` (CR, CRLF and LF all break lines), its box
    /// growing to `max_rows` rows before it scrolls.
    pub fn lines(initial: &str, placeholder: &str, max_rows: u16) -> TextInput {
        let text = crate::domain::text::newlines(initial).replace('\t', " ");
        let lines: Vec<String> =
            if text.is_empty() { vec![String::new()] } else { text.split('\n').map(String::from).collect() };
        let mut area = TextArea::new(lines);
        area.set_placeholder_text(placeholder.to_string());
        area.set_cursor_line_style(Style::default());
        area.set_wrap_mode(WrapMode::Glyph);
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        TextInput { area, rows: Some(max_rows.max(1)) }
    }

    /// True for a field of several lines.
    pub fn is_multi(&self) -> bool {
        self.rows.is_some()
    }

    /// The text as typed: the lines joined by `\n` (untrimmed; the service trims and judges).
    pub fn value(&self) -> String {
        self.area.lines().join("\n")
    }

    /// The text with surrounding spaces removed, as most fields are sent.
    pub fn trimmed(&self) -> String {
        self.value().trim().to_string()
    }

    /// Characters typed (not cells, not bytes): what a length limit counts.
    pub fn chars(&self) -> usize {
        self.area.lines().iter().map(|l| l.chars().count()).sum::<usize>() + self.area.lines().len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.area.lines().iter().all(|l| l.is_empty())
    }

    /// Replaces the text (a suggested date, a reset), cursor at the end.
    pub fn set(&mut self, text: &str) {
        let placeholder = self.area.placeholder_text().to_string();
        let fresh = match self.rows {
            None => TextInput::line(text, &placeholder),
            Some(n) => TextInput::lines(text, &placeholder, n),
        };
        self.area = fresh.area;
    }

    /// Empties the field; true if there was text.
    pub fn clear(&mut self) -> bool {
        self.area.clear()
    }

    /// A line break at the cursor (fields of several lines only); true if made.
    pub fn newline(&mut self) -> bool {
        if self.rows.is_none() {
            return false;
        }
        self.area.insert_newline();
        true
    }

    /// Pasted text at the cursor. A field of several lines keeps its line breaks (a terminal
    /// sends a pasted paragraph's breaks as a lone CR); a one-line field gets spaces instead.
    /// Tabs become spaces. True if the text changed.
    pub fn paste(&mut self, pasted: &str) -> bool {
        let text = match self.rows {
            None => one_line(pasted),
            Some(_) => crate::domain::text::newlines(pasted).replace('\t', " "),
        };
        // Other control characters (an ESC in copied terminal output) are not typed text.
        let text: String = text.chars().filter(|c| *c == '\n' || !c.is_control()).collect();
        self.area.insert_str(text)
    }

    /// Applies `key` if it edits text: an [`EDIT_KEYS`] key or a printable character (Ctrl and
    /// Alt combinations that are not editing keys are ignored, not typed). True if the text
    /// changed; a cursor move returns false.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        let multi = self.rows.is_some();
        match keys::command(EDIT_KEYS, key, true, |e| multi || !matches!(e, Edit::Up | Edit::Down)) {
            Some(e @ (Edit::Left | Edit::Right | Edit::Home | Edit::End | Edit::Up | Edit::Down)) => {
                self.area.move_cursor(match e {
                    Edit::Left => CursorMove::Back,
                    Edit::Right => CursorMove::Forward,
                    Edit::Home => CursorMove::Head,
                    Edit::End => CursorMove::End,
                    Edit::Up => CursorMove::Up,
                    _ => CursorMove::Down,
                });
                false
            }
            Some(Edit::Backspace) => self.area.delete_char(),
            Some(Edit::Delete) => self.area.delete_next_char(),
            Some(Edit::WordBack) => self.area.delete_word(),
            Some(Edit::KillEnd) => self.area.delete_line_by_end(),
            Some(Edit::Clear) => {
                if multi {
                    self.area.delete_line_by_head()
                } else {
                    self.area.clear()
                }
            }
            None => match key.code {
                KeyCode::Char(c)
                    if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                        && !c.is_control() =>
                {
                    self.area.insert_char(c);
                    true
                }
                _ => false,
            },
        }
    }

    /// Rows the field takes at `width` cells: 1 for one line; for several, one per line as
    /// wrapped, up to its maximum.
    pub fn height(&self, width: u16) -> u16 {
        let Some(max) = self.rows else { return 1 };
        let w = usize::from(width.max(1));
        let rows: usize = self.area.lines().iter().map(|l| ui::width(l).max(1).div_ceil(w)).sum();
        rows.clamp(1, usize::from(max)) as u16
    }

    /// Draws the field in `area`; when focused, puts the terminal's cursor where typing goes
    /// (so the IME's window opens there).
    pub fn render(&mut self, f: &mut Frame, area: Rect, focused: bool, th: &Theme) {
        self.area.set_style(if focused { th.selection } else { th.popup });
        self.area.set_cursor_style(if focused { th.key } else { Style::default() });
        self.area.set_placeholder_style(th.muted);
        f.render_widget(&self.area, area);
        if focused {
            let cur = self.area.screen_cursor();
            f.set_cursor_position((area.x + cur.col as u16, area.y + cur.row as u16));
        }
    }
}

/// One of a list of options; the list is never empty when a value is asked for.
#[derive(Debug, Clone)]
pub struct Choice<T> {
    options: Vec<T>,
    at: usize,
}

impl<T: Copy + PartialEq> Choice<T> {
    /// Options in the order shown, with `selected` picked (the first when absent or not offered).
    pub fn new(options: Vec<T>, selected: Option<T>) -> Choice<T> {
        let at = selected.and_then(|s| options.iter().position(|o| *o == s)).unwrap_or(0);
        Choice { options, at }
    }

    /// The picked option; `None` only when there are no options.
    pub fn value(&self) -> Option<T> {
        self.options.get(self.at).copied()
    }

    pub fn index(&self) -> usize {
        self.at
    }

    pub fn len(&self) -> usize {
        self.options.len()
    }

    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    pub fn options(&self) -> &[T] {
        &self.options
    }

    /// Picks `v` if offered; true if the pick changed.
    pub fn set(&mut self, v: T) -> bool {
        match self.options.iter().position(|o| *o == v) {
            Some(i) if i != self.at => {
                self.at = i;
                true
            }
            _ => false,
        }
    }

    /// Moves the pick by `by`, wrapping; true if it changed.
    pub fn step(&mut self, by: isize) -> bool {
        let len = self.options.len() as isize;
        if len < 2 {
            return false;
        }
        self.at = (self.at as isize + by).rem_euclid(len) as usize;
        true
    }

    /// Picks the option at `index` (0-based) if there is one; true if the pick changed.
    pub fn pick(&mut self, index: usize) -> bool {
        if index < self.options.len() && index != self.at {
            self.at = index;
            true
        } else {
            false
        }
    }

    /// The options on one line, the picked one marked by the theme and by brackets (seen in
    /// mono too): ` 电话 [面谈] 微信`.
    pub fn spans(&self, label: impl Fn(T) -> String, focused: bool, th: &Theme) -> Vec<Span<'static>> {
        self.options
            .iter()
            .enumerate()
            .flat_map(|(i, o)| {
                let picked = i == self.at;
                let style = match (picked, focused) {
                    (true, true) => th.selection,
                    (true, false) => th.accent,
                    (false, _) => th.muted,
                };
                if picked {
                    vec![Span::styled(format!("[{}]", label(*o)), style)]
                } else {
                    // The padding as spans of their own: a sheet wraps the options there
                    // rather than cutting the last ones off a narrow line.
                    vec![Span::raw(" "), Span::styled(label(*o), style), Span::raw(" ")]
                }
            })
            .collect()
    }
}

/// Reads a [`Parsed`] field's trimmed text: `Ok(None)` when empty.
pub type Reader<V> = dyn Fn(&str) -> Result<Option<V>, Problem>;
/// Shows a [`Parsed`] field's value as the user should check it.
pub type Previewer<V> = dyn Fn(&V, &Text) -> String;

/// A text field read as a value: a date, an amount, a percentage. What it will be read as shows
/// beside it as the user types; so does the problem, at once, in the muted colour until the
/// field is left (then in the danger colour, by [`Sheet`]).
pub struct Parsed<V> {
    pub input: TextInput,
    read: Box<Reader<V>>,
    preview: Box<Previewer<V>>,
}

impl<V> Parsed<V> {
    /// `read` gets the trimmed text and says what it means (`Ok(None)`: empty, nothing given)
    /// or the problem; `preview` shows a value as the user should check it ("= 2026-12-15 周二").
    pub fn new(
        input: TextInput,
        read: impl Fn(&str) -> Result<Option<V>, Problem> + 'static,
        preview: impl Fn(&V, &Text) -> String + 'static,
    ) -> Parsed<V> {
        Parsed { input, read: Box::new(read), preview: Box::new(preview) }
    }

    /// The value typed, `Ok(None)` when empty, or the problem.
    pub fn value(&self) -> Result<Option<V>, Problem> {
        (self.read)(&self.input.trimmed())
    }

    /// What the field will be read as, or why it cannot be, for the line beside it; `None`
    /// while empty.
    pub fn hint(&self, t: &Text) -> Option<Result<String, String>> {
        match self.value() {
            Ok(None) => None,
            Ok(Some(v)) => Some(Ok((self.preview)(&v, t))),
            Err(p) => Some(Err(p.text(t.lang))),
        }
    }
}

/// A date field: any of the forms `domain::calendar` reads ("12-15", "下周五", "2026/12/15"…).
pub fn date_field(initial: &str, placeholder: &str, today: chrono::NaiveDate) -> Parsed<chrono::NaiveDate> {
    Parsed::new(
        TextInput::line(initial, placeholder),
        move |s| {
            if s.is_empty() {
                Ok(None)
            } else {
                crate::domain::calendar::parse_date_input(s, today).map(Some)
            }
        },
        |d, t| format!("= {}", ui::long_date(*d, t)),
    )
}

/// Which field the cursor is on, in a form whose fields are `K` in order, and what the user has
/// seen: fields left show their problems, and after a save is tried every field does.
#[derive(Debug, Clone)]
pub struct Focus<K> {
    order: Vec<K>,
    at: K,
    left: BTreeSet<K>,
    tried: bool,
}

impl<K: Copy + Ord> Focus<K> {
    /// Fields in the order Tab visits them; the cursor on the first. `order` must not be empty.
    pub fn new(order: Vec<K>, first: K) -> Focus<K> {
        Focus { order, at: first, left: BTreeSet::new(), tried: false }
    }

    pub fn at(&self) -> K {
        self.at
    }

    pub fn is(&self, k: K) -> bool {
        self.at == k
    }

    pub fn order(&self) -> &[K] {
        &self.order
    }

    /// The fields shown changed (a purpose with no launch hides 推荐产品): the cursor stays
    /// where it is if that field is still there, else goes to the nearest one after it.
    pub fn set_order(&mut self, order: Vec<K>) {
        if !order.contains(&self.at)
            && let Some(next) = order.iter().find(|k| **k > self.at).or(order.last())
        {
            self.at = *next;
        }
        self.order = order;
    }

    /// Moves to `k`, marking the field it leaves as left.
    pub fn go(&mut self, k: K) {
        if k != self.at {
            self.left.insert(self.at);
            self.at = k;
        }
    }

    /// The next field, wrapping; marks the one left.
    pub fn next(&mut self) {
        self.step(1)
    }

    /// The field before, wrapping.
    pub fn prev(&mut self) {
        self.step(-1)
    }

    fn step(&mut self, by: isize) {
        let len = self.order.len() as isize;
        if len == 0 {
            return;
        }
        let i = self.order.iter().position(|k| *k == self.at).unwrap_or(0) as isize;
        let to = self.order[(i + by).rem_euclid(len) as usize];
        self.go(to);
    }

    /// True on the last field (where Enter saves).
    pub fn on_last(&self) -> bool {
        self.order.last() == Some(&self.at)
    }

    /// Whether `k`'s problem shows yet: once the field was left, or a save was tried.
    pub fn shows(&self, k: K) -> bool {
        self.tried || self.left.contains(&k)
    }

    /// Of `problems`, those that show now.
    pub fn shown<'a>(&self, problems: &'a BTreeMap<K, String>) -> BTreeMap<K, &'a str> {
        problems.iter().filter(|(k, _)| self.shows(**k)).map(|(k, v)| (*k, v.as_str())).collect()
    }

    /// A save was tried with `problems`: every problem shows from now on, and the cursor goes to
    /// the first field (in the form's order) that has one. True if there was one to go to.
    pub fn to_first_problem<V>(&mut self, problems: &BTreeMap<K, V>) -> bool {
        self.tried = true;
        match self.order.iter().find(|k| problems.contains_key(k)) {
            Some(k) => {
                let k = *k;
                self.go(k);
                true
            }
            None => false,
        }
    }
}

/// A refusal from the service split by field: each problem under the form field `place` puts it
/// beside (`None`: the general line), in the user's language. Any other error goes on the
/// general line whole.
pub fn problems_of<K: Ord + Copy>(
    e: &ServiceError,
    lang: Lang,
    place: impl Fn(Field) -> Option<K>,
) -> (BTreeMap<K, String>, Option<String>) {
    let mut by_field = BTreeMap::new();
    let mut general: Vec<String> = Vec::new();
    match e {
        ServiceError::Invalid(list) => {
            for inv in list {
                match place(inv.field) {
                    Some(k) => {
                        by_field.entry(k).or_insert_with(|| inv.problem.text(lang));
                    }
                    None => general.push(inv.text(lang)),
                }
            }
        }
        other => general.push(other.render(lang)),
    }
    let general = (!general.is_empty()).then(|| general.join(if lang == Lang::Zh { "；" } else { "; " }));
    (by_field, general)
}

/// What one row of a [`Sheet`] holds.
enum Body<K> {
    /// A line of its own (a heading, the client, a wrapped hint), not a field.
    Free(Line<'static>),
    /// A field whose value is drawn as text (a choice, ticks): wrapped at its gaps under the
    /// label column.
    Spans { key: K, label: String, spans: Vec<Span<'static>> },
    /// A text field drawn by its [`TextInput`], `width` cells wide (`None`: the rest of the line),
    /// and a hint to its right (a date's preview).
    Input { key: K, label: String, width: Option<u16>, hint: Option<Span<'static>> },
}

/// A form laid out: a label column, each field's problem on the line under it (in the danger
/// colour), free lines, and pinned lines at the bottom that never scroll away (the reason, the
/// confirm hint). When the rows do not fit, the sheet scrolls to keep the focused field in view
/// and says how many lines are above and below.
pub struct Sheet<K> {
    label_w: u16,
    rows: Vec<(Body<K>, Option<String>)>,
    pinned: Vec<Line<'static>>,
}

/// One laid-out terminal line of a sheet.
enum Laid<'i, K> {
    Line(Line<'static>),
    /// The first line of a text field's box (the box may take further lines).
    Input {
        key: K,
        x: u16,
        width: u16,
        height: u16,
        hint: Option<Span<'static>>,
        /// The field's input, asked for once (the screen can lend each only once).
        input: Option<&'i mut TextInput>,
    },
    /// A further line of a text field's box.
    Under,
}

impl<K: Copy + PartialEq> Sheet<K> {
    /// A sheet whose labels take `label_w` cells (the marker `>` included).
    pub fn new(label_w: u16) -> Sheet<K> {
        Sheet { label_w, rows: Vec::new(), pinned: Vec::new() }
    }

    /// The label column width that fits the longest of `labels` (plus the marker and a gap),
    /// at most a third of `width`.
    pub fn label_width(labels: &[&str], width: u16) -> u16 {
        let longest = labels.iter().map(|l| ui::width(l)).max().unwrap_or(0) as u16;
        (longest + 2).min(width / 3).max(4)
    }

    /// A line that is not a field.
    pub fn line(&mut self, line: Line<'static>) {
        self.rows.push((Body::Free(line), None));
    }

    /// A field shown as spans (a [`Choice`]'s, ticks), with its problem if one shows.
    pub fn spans(&mut self, key: K, label: &str, spans: Vec<Span<'static>>, problem: Option<&str>) {
        self.rows.push((Body::Spans { key, label: label.to_string(), spans }, problem.map(String::from)));
    }

    /// A text field, `width` cells wide (`None`: to the line's end), with a hint to its right.
    pub fn input(
        &mut self,
        key: K,
        label: &str,
        width: Option<u16>,
        hint: Option<Span<'static>>,
        problem: Option<&str>,
    ) {
        self.rows
            .push((Body::Input { key, label: label.to_string(), width, hint }, problem.map(String::from)));
    }

    /// A line kept at the bottom whatever the height.
    pub fn pin(&mut self, line: Line<'static>) {
        self.pinned.push(line);
    }

    fn label_span(&self, label: &str, focused: bool, th: &Theme) -> Span<'static> {
        let marker = if focused { ">" } else { " " };
        let text = format!("{marker}{}", ui::pad(label, usize::from(self.label_w.saturating_sub(1))));
        Span::styled(text, if focused { th.accent } else { th.text })
    }

    /// Draws the sheet in `area` with `focus` on one field, in `t`'s language; `input` gives each text field's
    /// [`TextInput`] to draw (and the terminal cursor goes into the focused one).
    pub fn render<'i>(
        self,
        f: &mut Frame,
        area: Rect,
        focus: K,
        t: &Text,
        th: &Theme,
        mut input: impl FnMut(K) -> Option<&'i mut TextInput>,
    ) {
        let width = area.width;
        let indent = " ".repeat(usize::from(self.label_w));
        // Pinned lines wrap at their gaps too, and never take more than half the height.
        let pinned: Vec<Line<'static>> =
            self.pinned.iter().flat_map(|l| wrap_at_gaps(l.clone(), width)).map(own_line).collect();
        let pinned_h = (pinned.len() as u16).min(area.height / 2);
        let mut laid: Vec<Laid<'i, K>> = Vec::new();
        let mut focus_at = (0usize, 0usize);
        for (body, problem) in &self.rows {
            let start = laid.len();
            let key = match body {
                Body::Free(line) => {
                    laid.extend(
                        wrap_at_gaps(line.clone(), width).into_iter().map(|l| Laid::Line(own_line(l))),
                    );
                    None
                }
                Body::Spans { key, label, spans } => {
                    let mut all = vec![self.label_span(label, *key == focus, th)];
                    all.extend(spans.iter().cloned());
                    for (i, l) in wrap_at_gaps(Line::from(all), width).into_iter().enumerate() {
                        let l = own_line(l);
                        // Continuation lines start under the values, not under the label.
                        let l = if i == 0 {
                            l
                        } else {
                            let mut s = vec![Span::raw(indent.clone())];
                            s.extend(l.spans.into_iter().skip_while(|s| s.content.trim().is_empty()));
                            Line::from(s)
                        };
                        laid.push(Laid::Line(l));
                    }
                    Some(*key)
                }
                Body::Input { key, label: _, width: w, hint } => {
                    let x = self.label_w + 1;
                    let box_w = w.unwrap_or(u16::MAX).min(width.saturating_sub(x + 1)).max(1);
                    let inp = input(*key);
                    let height = inp.as_ref().map_or(1, |i| i.height(box_w));
                    // The label is drawn with the box below.
                    laid.push(Laid::Input {
                        key: *key,
                        x,
                        width: box_w,
                        height,
                        hint: hint.clone(),
                        input: inp,
                    });
                    laid.extend((1..height).map(|_| Laid::Under));
                    Some(*key)
                }
            };
            if let Some(p) = problem {
                // A problem is a sentence: wrapped anywhere, every line under the field.
                for part in wrap_words(p, width.saturating_sub(self.label_w)) {
                    let line = Line::from(vec![Span::raw(indent.clone()), Span::styled(part, th.overdue)]);
                    laid.push(Laid::Line(line));
                }
            }
            if key == Some(focus) {
                focus_at = (start, laid.len());
            }
        }
        let body_h = area.height.saturating_sub(pinned_h) as usize;
        let total = laid.len();
        // Scroll only when needed, just enough to show the focused field with its problem; the
        // first and last visible lines then say what is out of view.
        let mut top = 0usize;
        if total > body_h && body_h > 2 {
            let room = body_h - 2;
            let (a, b) = focus_at;
            if b > top + room + 1 {
                top = b.saturating_sub(room + 1);
            }
            if a < top + 1 && a > 0 {
                top = a.saturating_sub(1);
            }
            top = top.min(total.saturating_sub(body_h - 1));
            // Nothing below: the last row shows the last line, not an empty "more below" row.
            if top > 0 && top + body_h > total {
                top = total.saturating_sub(body_h);
            }
        }
        let labels: Vec<(K, String)> = self
            .rows
            .iter()
            .filter_map(|(b, _)| match b {
                Body::Input { key, label, .. } => Some((*key, label.clone())),
                _ => None,
            })
            .collect();
        for row in 0..body_h {
            let y = area.y + row as u16;
            let i = top + row;
            let above = top;
            let below = total.saturating_sub(top + body_h);
            let line_area = Rect { x: area.x, y, width, height: 1 };
            if row == 0 && above > 0 {
                let text = t.more_lines_above.replace("{}", &(above + 1).to_string());
                f.render_widget(Paragraph::new(Span::styled(text, th.muted)), line_area);
                continue;
            }
            if row + 1 == body_h && below > 0 {
                let text = t.more_lines_below.replace("{}", &(below + 1).to_string());
                f.render_widget(Paragraph::new(Span::styled(text, th.muted)), line_area);
                continue;
            }
            match laid.get_mut(i) {
                None => {}
                Some(Laid::Line(l)) => {
                    f.render_widget(Paragraph::new(fit_line(l.clone(), width)), line_area);
                }
                Some(Laid::Under) => {}
                Some(Laid::Input { key, x, width: w, height, hint, input }) => {
                    let label = labels.iter().find(|(k, _)| k == key).map_or("", |(_, l)| l.as_str());
                    f.render_widget(Paragraph::new(self.label_span(label, *key == focus, th)), line_area);
                    // A box that would run past the sheet's body is cut at it.
                    let room =
                        (body_h - row) as u16 - u16::from(below > 0 && row + usize::from(*height) >= body_h);
                    let h = (*height).min(room.max(1));
                    let r = Rect { x: area.x + *x, y, width: *w, height: h };
                    if let Some(inp) = input {
                        inp.render(f, r, *key == focus, th);
                    }
                    if let Some(hint) = hint {
                        let hx = *x + *w;
                        let ha = Rect { x: area.x + hx, y, width: width.saturating_sub(hx), height: 1 };
                        f.render_widget(Paragraph::new(fit_line(Line::from(hint.clone()), ha.width)), ha);
                    }
                }
            }
        }
        let pin_y = area.y + area.height - pinned_h;
        for (i, l) in pinned.into_iter().take(usize::from(pinned_h)).enumerate() {
            let r = Rect { x: area.x, y: pin_y + i as u16, width, height: 1 };
            f.render_widget(Paragraph::new(fit_line(l, width)), r);
        }
    }
}

/// The hint beside a [`Parsed`] field: its preview in the muted colour, or its problem in the
/// warning colour while the user is still on it (the danger colour once it shows as a problem
/// under the field).
pub fn parsed_hint<V>(p: &Parsed<V>, t: &Text, th: &Theme) -> Option<Span<'static>> {
    p.hint(t).map(|h| match h {
        Ok(s) => Span::styled(format!(" {s}"), th.muted),
        Err(e) => Span::styled(format!(" {e}"), th.warning),
    })
}

fn own_line(l: Line<'_>) -> Line<'static> {
    Line::from(l.spans.into_iter().map(|s| Span::styled(s.content.into_owned(), s.style)).collect::<Vec<_>>())
        .style(l.style)
}

/// A multi-step flow in one screen: the step it is on, and the steps Esc goes back through.
#[derive(Debug, Clone)]
pub struct Steps<S> {
    at: S,
    back: Vec<S>,
}

impl<S: Copy + PartialEq> Steps<S> {
    pub fn new(first: S) -> Steps<S> {
        Steps { at: first, back: Vec::new() }
    }

    pub fn at(&self) -> S {
        self.at
    }

    /// On to `next`; Esc there comes back here.
    pub fn go(&mut self, next: S) {
        if next != self.at {
            self.back.push(self.at);
            self.at = next;
        }
    }

    /// Back a step; false on the first step (Esc there leaves the flow).
    pub fn back(&mut self) -> bool {
        match self.back.pop() {
            Some(s) => {
                self.at = s;
                true
            }
            None => false,
        }
    }
}

/// The items of a list of `len` to show in `rows` lines with `selected` in view: a range
/// starting as early as it can, leaving the last line for [`more_line`] when items remain below.
/// Returns `(start, end)`; items `start..end` are drawn.
pub fn window(len: usize, selected: usize, rows: usize) -> (usize, usize) {
    if len <= rows {
        return (0, len);
    }
    if rows == 0 {
        return (0, 0);
    }
    // One line says how many more there are.
    let shown = rows.saturating_sub(1).max(1);
    let start = selected.saturating_sub(shown - 1).min(len - shown);
    (start, start + shown)
}

/// The line under a list cut by [`window`]: "另有 N 人" / "and N more", muted; `None` when
/// nothing is hidden. `hidden` counts the items above and below the window.
pub fn more_line(hidden: usize, t: &Text, th: &Theme) -> Option<Line<'static>> {
    (hidden > 0).then(|| {
        Line::from(Span::styled(format!("  {}", t.and_more.replace("{}", &hidden.to_string())), th.muted))
    })
}

// ---- Additions for the contact form (cform) ----

/// `text` (a sentence, Chinese or English) in lines of at most `max` cells: broken after a
/// space or a Chinese comma/enumeration mark when one is in the line's latter half, else at the
/// cell that fills it (never inside a wide character). Nothing is dropped.
pub fn wrap_words(text: &str, max: u16) -> Vec<String> {
    let max = usize::from(max.max(2));
    let mut out = Vec::new();
    let mut line = String::new();
    let mut w = 0usize;
    for c in text.chars() {
        let cw = ui::width(c.encode_utf8(&mut [0; 4]));
        if w + cw > max {
            // Break at the last good place in the latter half of the line, if there is one.
            let cut = line
                .char_indices()
                .filter(|(_, ch)| matches!(ch, ' ' | '，' | '、' | '；' | '。' | ','))
                .map(|(i, ch)| i + ch.len_utf8())
                .rfind(|i| ui::width(&line[..*i]) * 2 >= max);
            let rest = match cut {
                Some(i) => line.split_off(i),
                None => String::new(),
            };
            out.push(line.trim_end().to_string());
            line = rest.trim_start().to_string();
            w = ui::width(&line);
        }
        line.push(c);
        w += cw;
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod cform_tests {
    use super::*;

    #[test]
    fn a_long_problem_wraps_at_its_commas_and_loses_nothing() {
        let p = "看不懂\"胡说八道\"，可写 2026-12-05、12-05、5号、+7、3天后、下周一、月底 等";
        let lines = wrap_words(p, 40);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| ui::width(l) <= 40), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), p.replace(' ', ""));
        assert!(lines[0].ends_with('、') || lines[0].ends_with('，'), "{lines:?}");
        assert_eq!(wrap_words("短", 40), vec!["短".to_string()]);
        // No good place: cut at the width, a wide character kept whole.
        assert_eq!(
            wrap_words("一二三四五", 5),
            vec!["一二".to_string(), "三四".to_string(), "五".to_string()]
        );
    }

    #[test]
    fn a_choice_too_wide_for_its_line_wraps_between_options_and_shows_them_all() {
        let th = Theme::load("default", None, super::super::theme::ColorSupport::None)
            .unwrap_or_else(|e| panic!("{e}"));
        let c = Choice::new(
            vec!["Callback", "Quarterly", "New product", "Marketing", "Survey", "Complaint"],
            None,
        );
        let lines = wrap_at_gaps(Line::from(c.spans(|o| o.to_string(), false, &th)), 40);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert!(lines.len() > 1 && text.iter().all(|l| !l.contains("..")), "{text:?}");
        let all = text.join(" ");
        for o in c.options() {
            assert!(all.contains(o), "{o} is shown: {text:?}");
        }
        assert!(text[0].starts_with("[Callback] Quarterly"), "{text:?}");
    }

    #[test]
    fn a_sheet_scrolled_to_its_end_uses_its_last_row() {
        // Twelve fields in ten lines (two pinned), the last focused: the body's eight rows are
        // the "above" line and the last seven fields, none left empty.
        let lines = super::tests::sheet_text(10, 11, 12);
        assert!(lines[0].contains("上面另有"), "{lines:#?}");
        assert!(lines[7].contains(">项11"), "{lines:#?}");
        assert!(lines[6].contains("项10") && lines[1].contains("项5"), "{lines:#?}");
    }

    #[test]
    fn a_sheet_draws_the_text_of_its_fields() {
        use ratatui::{Terminal, backend::TestBackend};
        let t = &super::super::text::ZH;
        let th = Theme::load("default", None, super::super::theme::ColorSupport::Ansi16)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut a = TextInput::line("甲乙", "");
        let mut b = TextInput::lines("第一行\r第二行", "", 4);
        let mut term = Terminal::new(TestBackend::new(40, 8)).unwrap_or_else(|e| panic!("{e}"));
        term.draw(|f| {
            let mut sheet = Sheet::new(6);
            sheet.input(0u8, "甲", Some(10), None, None);
            sheet.input(1u8, "乙", None, None, None);
            let (mut a, mut b) = (Some(&mut a), Some(&mut b));
            sheet.render(f, f.area(), 1, t, &th, |k| if k == 0 { a.take() } else { b.take() });
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let buf = term.backend().buffer().clone();
        let text: Vec<String> = (0..8)
            .map(|y| (0..40).map(|x| buf[(x, y)].symbol().replace(' ', "")).collect::<String>())
            .collect();
        assert!(text[0].contains("甲乙"), "{text:#?}");
        assert!(text[1].contains("第一行") && text[2].contains("第二行"), "{text:#?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn k(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: mods,
            kind: KeyEventKind::Press,
            state: crossterm::event::KeyEventState::NONE,
        }
    }

    fn typed(i: &mut TextInput, s: &str) {
        for c in s.chars() {
            i.edit(&k(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn ctrl_u_empties_a_one_line_field_wherever_the_cursor_is() {
        let mut i = TextInput::line("客户要求改期", "");
        i.edit(&k(KeyCode::Left, KeyModifiers::NONE));
        i.edit(&k(KeyCode::Left, KeyModifiers::NONE));
        assert!(i.edit(&k(KeyCode::Char('u'), KeyModifiers::CONTROL)));
        assert_eq!(i.value(), "");
    }

    #[test]
    fn ctrl_u_in_several_lines_deletes_only_the_line_before_the_cursor() {
        let mut i = TextInput::lines("第一行\r第二行", "", 4);
        assert!(i.edit(&k(KeyCode::Char('u'), KeyModifiers::CONTROL)));
        assert_eq!(i.value(), "第一行\n");
    }

    #[test]
    fn ctrl_w_deletes_the_word_before_the_cursor_and_home_end_move() {
        let mut i = TextInput::line("", "");
        typed(&mut i, "call back monday");
        assert!(i.edit(&k(KeyCode::Char('w'), KeyModifiers::CONTROL)));
        assert_eq!(i.value(), "call back ");
        assert!(!i.edit(&k(KeyCode::Home, KeyModifiers::NONE)));
        typed(&mut i, ">");
        assert_eq!(i.value(), ">call back ");
        i.edit(&k(KeyCode::End, KeyModifiers::NONE));
        typed(&mut i, "!");
        assert_eq!(i.value(), ">call back !");
    }

    #[test]
    fn enter_and_control_keys_are_never_typed_into_a_field() {
        let mut i = TextInput::line("a", "");
        assert!(!i.edit(&k(KeyCode::Enter, KeyModifiers::NONE)));
        assert!(!i.edit(&k(KeyCode::Char('r'), KeyModifiers::CONTROL)));
        assert!(!i.edit(&k(KeyCode::Char('x'), KeyModifiers::ALT)));
        assert_eq!(i.value(), "a");
    }

    #[test]
    fn chinese_typed_through_an_ime_arrives_as_characters_and_is_kept_whole() {
        let mut i = TextInput::line("", "");
        typed(&mut i, "阿依古丽·买买提");
        i.edit(&k(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(i.value(), "阿依古丽·买买");
        assert_eq!(i.chars(), 7);
    }

    #[test]
    fn a_paste_keeps_lines_in_a_note_and_makes_them_spaces_in_a_line() {
        // A terminal sends a pasted paragraph's breaks as a lone CR; an Excel cell brings tabs.
        let mut note = TextInput::lines("", "", 4);
        assert!(note.paste("一\r二\r\n三\tx"));
        assert_eq!(note.value(), "一\n二\n三 x");
        let mut line = TextInput::line("", "");
        assert!(line.paste("一\r二\n三\t\u{1b}x"));
        assert_eq!(line.value(), "一 二 三 x");
    }

    #[test]
    fn a_note_grows_with_its_lines_up_to_its_rows() {
        let mut note = TextInput::lines("", "", 3);
        assert_eq!(note.height(10), 1);
        note.paste("一二三四五六七八九十"); // 20 cells at 10 wide: two rows
        assert_eq!(note.height(10), 2);
        note.paste("\r\r\r");
        assert_eq!(note.height(10), 3);
    }

    #[test]
    fn a_choice_wraps_and_a_pick_out_of_range_changes_nothing() {
        let mut c = Choice::new(vec!['a', 'b', 'c'], Some('c'));
        assert_eq!(c.value(), Some('c'));
        assert!(c.step(1));
        assert_eq!(c.value(), Some('a'));
        assert!(c.step(-1));
        assert_eq!(c.value(), Some('c'));
        assert!(!c.pick(7));
        assert!(c.pick(1));
        assert_eq!(c.value(), Some('b'));
        let empty: Choice<char> = Choice::new(vec![], None);
        assert_eq!(empty.value(), None);
    }

    #[test]
    fn a_date_field_previews_what_it_reads_and_names_the_problem() {
        let today = chrono::NaiveDate::from_ymd_opt(2028, 2, 27).unwrap_or_default();
        let mut d = date_field("", "", today);
        assert_eq!(d.value(), Ok(None));
        d.input.paste("2-29");
        assert_eq!(d.value().ok().flatten(), chrono::NaiveDate::from_ymd_opt(2028, 2, 29));
        let t = &super::super::text::ZH;
        assert!(matches!(d.hint(t), Some(Ok(s)) if s.contains("2028-02-29")));
        d.input.set("胡说八道");
        assert!(matches!(d.hint(t), Some(Err(s)) if s.contains("胡说八道")));
    }

    #[test]
    fn a_fields_problem_shows_once_left_and_every_problem_after_a_save_is_tried() {
        let mut f = Focus::new(vec![1, 2, 3], 1);
        let problems: BTreeMap<i32, String> = [(1, "a".to_string()), (3, "c".to_string())].into();
        assert!(f.shown(&problems).is_empty());
        f.next();
        assert_eq!(f.shown(&problems).keys().copied().collect::<Vec<_>>(), vec![1]);
        assert!(f.to_first_problem(&problems));
        assert_eq!(f.at(), 1);
        assert_eq!(f.shown(&problems).len(), 2);
    }

    #[test]
    fn a_hidden_field_sends_the_cursor_to_the_next_one_shown() {
        let mut f = Focus::new(vec![1, 2, 3, 4], 3);
        f.set_order(vec![1, 2, 4]);
        assert_eq!(f.at(), 4);
        f.set_order(vec![1, 2]);
        assert_eq!(f.at(), 2);
    }

    #[test]
    fn steps_go_back_the_way_they_came() {
        let mut s = Steps::new('p');
        s.go('c');
        s.go('r');
        assert!(s.back());
        assert_eq!(s.at(), 'c');
        assert!(s.back());
        assert!(!s.back());
        assert_eq!(s.at(), 'p');
    }

    #[test]
    fn a_long_list_keeps_the_selection_in_view_and_leaves_a_line_for_the_rest() {
        assert_eq!(window(5, 0, 10), (0, 5));
        assert_eq!(window(20, 0, 6), (0, 5));
        let (a, b) = window(20, 12, 6);
        assert!(a <= 12 && 12 < b && b - a == 5);
        assert_eq!(window(20, 19, 6), (15, 20));
    }

    pub(super) fn sheet_text(height: u16, focus: u8, fields: u8) -> Vec<String> {
        use ratatui::{Terminal, backend::TestBackend};
        let t = &super::super::text::ZH;
        let th = Theme::load("default", None, super::super::theme::ColorSupport::Ansi16)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut inputs: Vec<TextInput> =
            (0..fields).map(|i| TextInput::line(&format!("值{i}"), "")).collect();
        let mut term = Terminal::new(TestBackend::new(40, height)).unwrap_or_else(|e| panic!("{e}"));
        term.draw(|f| {
            let mut sheet = Sheet::new(8);
            sheet.line(Line::from("客户 张三"));
            for i in 0..fields {
                let problem = (i == 2).then_some("日期不对");
                sheet.input(i, &format!("项{i}"), Some(10), None, problem);
            }
            sheet.pin(Line::from("原因（必填）：搬迁"));
            sheet.pin(Line::from("Enter 确认 · Esc 返回"));
            let mut refs: Vec<Option<&mut TextInput>> = inputs.iter_mut().map(Some).collect();
            sheet.render(f, f.area(), focus, t, &th, |k| refs.get_mut(usize::from(k)).and_then(|r| r.take()));
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let buf = term.backend().buffer().clone();
        (0..height)
            .map(|y| (0..40).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().replace(' ', ""))
            .collect()
    }

    #[test]
    fn a_sheet_keeps_its_pinned_lines_and_the_focused_field_in_view() {
        let all = sheet_text(24, 0, 5);
        assert!(all.iter().any(|l| l.contains("日期不对")), "{all:#?}");
        assert!(!all.iter().any(|l| l.contains("另有")), "{all:#?}");
        // Twelve fields in ten lines: the last field focused is on screen, so are both pinned
        // lines, and the lines out of view are counted.
        let small = sheet_text(10, 11, 12);
        assert!(small.iter().any(|l| l.contains(">项11")), "{small:#?}");
        assert!(small[8].contains("原因（必填）"), "{small:#?}");
        assert!(small[9].contains("Enter确认"), "{small:#?}");
        assert!(small[0].contains("上面另有"), "{small:#?}");
        let top = sheet_text(10, 0, 12);
        assert!(top[0].contains("客户张三"), "{top:#?}");
        assert!(top[7].contains("下面另有"), "{top:#?}");
        assert!(top[8].contains("原因"), "{top:#?}");
    }
}
