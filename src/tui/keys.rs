//! Keys as data. Each screen declares one table (`&[Entry<Cmd>]`, `Cmd` an enum of what the
//! screen can do): which keys give a command, its help text in both languages, whether it shows
//! in the footer (in table order) and whether it is a command even while the screen takes text.
//! Dispatch ([`command`]), the footer and the help overlay ([`shown`]) and the tables in
//! docs/KEYS.md ([`doc_table`], checked by a test) all read the same table, so a key cannot be
//! documented and not work, or work and not be documented.
//!
//! A new screen: declare `enum Cmd`, a `static KEYS: &[Entry<Cmd>]`, then
//! `keys()` = `shown(KEYS, t, typing, |c| self.offers(c))` and `on_key` =
//! `match command(KEYS, &key, typing, |c| self.offers(c)) { .. }`; add the table to
//! [`crate::tui::screens::key_tables`] and a marked section to docs/KEYS.md.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::text::{Lang, Text};

/// One key as pressed: a code and the Ctrl/Alt it needs. Shift is not compared: terminals
/// differ in whether they report it for `G`, `?` or Shift-Tab, and the code already says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// A plain character key (`c`, `G`, `?`).
pub const fn ch(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::NONE }
}

/// A named key without Ctrl or Alt (Enter, Esc, F1, arrows).
pub const fn code(code: KeyCode) -> Key {
    Key { code, mods: KeyModifiers::NONE }
}

/// Ctrl and a letter (`Ctrl-S`).
pub const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL }
}

/// Alt and a key (`Alt-Enter`).
pub const fn alt(code: KeyCode) -> Key {
    Key { code, mods: KeyModifiers::ALT }
}

impl Key {
    /// True when `ev` is this key: same code, same Ctrl and Alt (Shift ignored).
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let held = KeyModifiers::CONTROL | KeyModifiers::ALT;
        self.code == ev.code && (ev.modifiers & held) == (self.mods & held)
    }

    /// The key as printed in the footer and help (`Ctrl-S`, `Enter`, `上` / `Up`).
    pub fn name(&self, t: &Text) -> String {
        let zh = t.lang == Lang::Zh;
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Up => if zh { "上" } else { "Up" }.into(),
            KeyCode::Down => if zh { "下" } else { "Down" }.into(),
            KeyCode::Left => if zh { "左" } else { "Left" }.into(),
            KeyCode::Right => if zh { "右" } else { "Right" }.into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        out.push_str(&base);
        out
    }

    /// The key as written in docs/KEYS.md: characters in backticks, arrows as arrows.
    fn doc_name(&self) -> String {
        match (self.code, self.mods.is_empty()) {
            (KeyCode::Char(' '), true) => "空格".into(),
            (KeyCode::Char(c), true) => format!("`{c}`"),
            (KeyCode::Up, true) => "↑".into(),
            (KeyCode::Down, true) => "↓".into(),
            (KeyCode::Left, true) => "←".into(),
            (KeyCode::Right, true) => "→".into(),
            _ => self.name(&super::text::EN),
        }
    }
}

/// A help text in the user's language, picked from `Text`.
pub type Says = fn(&Text) -> &'static str;

/// One command and the keys that give it.
#[derive(Clone, Copy)]
pub struct Binding<C: 'static> {
    pub keys: &'static [Key],
    pub cmd: C,
    /// What it does, in the footer and help (zh and en through `Text`).
    pub help: Says,
    pub how: How,
}

/// How a binding shows and when it applies; start from [`F`] (footer), [`H`] (help only),
/// [`T`] / [`FT`] (also while typing) and change fields with `..`.
#[derive(Clone, Copy)]
pub struct How {
    /// Shown in the footer, in table order (every binding is in help).
    pub footer: bool,
    /// A command even while the screen takes text (Ctrl-S, Esc, Tab); otherwise the key is
    /// typed text there.
    pub text: bool,
    /// How the keys are printed when not their names joined (`上下` for ↑↓ j k).
    pub label: Option<Says>,
    /// The keys cell in docs/KEYS.md when not their names joined.
    pub doc_keys: Option<&'static str>,
    /// The description in docs/KEYS.md when it says more than the help text.
    pub doc: Option<&'static str>,
}

/// In the footer and help.
pub const F: How = How { footer: true, text: false, label: None, doc_keys: None, doc: None };
/// In help only.
pub const H: How = How { footer: false, ..F };
/// In help only; a command while typing too.
pub const T: How = How { text: true, ..H };
/// In the footer and help; a command while typing too.
pub const FT: How = How { text: true, ..F };

/// One line of a screen's key table.
#[derive(Clone, Copy)]
pub enum Entry<C: 'static> {
    Bind(Binding<C>),
    /// Moving one line (see [`NAV`]): ↑↓ and j/k, in the footer.
    Nav(fn(Nav) -> C),
    /// Moving by pages and to the ends (see [`PAGE`]), in the footer at this place.
    Page(fn(Nav) -> C),
    /// A key the app handles on every screen (see [`GLOBAL`]), shown in this screen's footer
    /// at this place; listed once in help either way.
    Global(Global),
    /// A footer chip standing for several bindings listed separately in help (`p/i/m`).
    Chip(Says, Says),
}

/// `keys` give `cmd`, described by `help`, shown as `how` says.
pub const fn key<C>(keys: &'static [Key], cmd: C, help: Says, how: How) -> Entry<C> {
    Entry::Bind(Binding { keys, cmd, help, how })
}

/// Moving in a list, shared by every list screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
}

/// Moving one line: ↑↓ and j/k, in the footer as `上下 移动`.
pub static NAV: &[Binding<Nav>] = &[
    Binding {
        keys: &[code(KeyCode::Down), ch('j')],
        cmd: Nav::Down,
        help: |t| t.key_move,
        how: How { label: Some(|t| t.keys_up_down), doc_keys: Some("↑↓ / `j` `k`"), ..F },
    },
    Binding { keys: &[code(KeyCode::Up), ch('k')], cmd: Nav::Up, help: |t| t.key_move, how: PARTNER },
];

/// Moving by pages and to the ends: PgUp/PgDn, g/G (Home/End).
pub static PAGE: &[Binding<Nav>] = &[
    Binding {
        keys: &[code(KeyCode::PageDown)],
        cmd: Nav::PageDown,
        help: |t| t.key_page,
        how: How { label: Some(|_| "PgUp/PgDn"), doc_keys: Some("PgUp / PgDn"), ..F },
    },
    Binding { keys: &[code(KeyCode::PageUp)], cmd: Nav::PageUp, help: |t| t.key_page, how: PARTNER },
    Binding {
        keys: &[code(KeyCode::Home), ch('g')],
        cmd: Nav::Top,
        help: |t| t.key_top_bottom,
        how: How { label: Some(|_| "g/G"), doc_keys: Some("`g` / `G`、Home / End"), ..F },
    },
    Binding {
        keys: &[code(KeyCode::End), ch('G')],
        cmd: Nav::Bottom,
        help: |t| t.key_top_bottom,
        how: PARTNER,
    },
];

/// In help only, and documented in KEYS.md on its partner's row (the second of ↑↓).
pub const PARTNER: How = How { doc_keys: Some(""), ..H };

/// What the app does with a key whatever screen is on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Help,
    Search,
    /// Switch to the view whose number was pressed (1 今日, 2 名单, 3–7 for managers).
    Switch,
    /// Back one screen; on a top-level screen nothing (never quits: Esc is pressed too often).
    Back,
    /// Quit from a top-level screen.
    Quit,
    /// Ctrl-C: quit at once from anywhere, keeping a contact being written as a draft.
    Interrupt,
}

/// The keys every screen shares; handled by the app before the screen sees the key.
pub static GLOBAL: &[Entry<Global>] = &[
    key(&[code(KeyCode::F(1))], Global::Help, |t| t.key_help, How { doc_keys: Some("`?`、F1"), ..T }),
    key(&[ch('?')], Global::Help, |t| t.key_help, How { doc_keys: Some(""), ..F }),
    key(
        &[ch('/')],
        Global::Search,
        |t| t.key_search,
        How { doc: Some("搜索客户（输入文字的界面除外）"), ..F },
    ),
    key(
        &[ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6'), ch('7')],
        Global::Switch,
        |t| t.key_switch_all,
        How {
            label: Some(|_| "1-7"),
            doc_keys: Some("`1` / `2`（管理者 `1`–`7`）"),
            doc: Some("今日 / 我的名单（管理者还有覆盖、待分配、新品、成效、设置）；表单和询问框中不切换"),
            ..H
        },
    ),
    key(
        &[code(KeyCode::Esc)],
        Global::Back,
        |t| t.key_back,
        How {
            doc: Some("返回上一层；在主界面上不退出（连按几次也不会退到命令行）"), ..T
        },
    ),
    key(
        &[ch('q')],
        Global::Quit,
        |t| t.key_quit,
        How {
            doc: Some("在主界面上退出（有未保存的设置时先提醒）；在其他界面上由该界面决定（多为返回）"),
            ..F
        },
    ),
    key(
        &[ctrl('c')],
        Global::Interrupt,
        |t| t.key_quit,
        How { doc: Some("立即退出（正在填写的联系记录会保存为草稿）"), ..T },
    ),
];

/// What a key does in a one-line form (a sticker date, a reason): everything else edits the
/// line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneLine {
    Save,
    Cancel,
    Clear,
}

/// The keys of a one-line form.
pub static ONE_LINE: &[Entry<OneLine>] = &[
    key(&[code(KeyCode::Enter), ctrl('s')], OneLine::Save, |t| t.key_save, FT),
    key(&[code(KeyCode::Esc)], OneLine::Cancel, |t| t.key_cancel, FT),
    key(&[ctrl('u')], OneLine::Clear, |t| t.key_clear, T),
];

/// One line of the footer or help, in the user's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHelp {
    /// All the keys, as help prints them (`F2 / Ctrl-L`).
    pub keys: String,
    /// The footer chip: the first key, or the label.
    pub short: String,
    pub what: &'static str,
    pub footer: bool,
    /// Printed by a label that already stands for its partners (`上下` for ↓ and ↑): help
    /// adds no keys to this line from bindings saying the same.
    pub labelled: bool,
    /// In help (false for a footer-only chip).
    pub help: bool,
    /// A global key the screen placed in its footer: help lists it here and not again.
    pub global: Option<Global>,
}

fn help_of<C>(b: &Binding<C>, t: &Text, global: Option<Global>) -> KeyHelp {
    let names: Vec<String> = b.keys.iter().map(|k| k.name(t)).collect();
    let label = b.how.label.map(|l| l(t).to_string());
    KeyHelp {
        // Joined tighter when spaced they would not fit help's key column.
        keys: label.clone().unwrap_or_else(|| {
            let spaced = names.join(" / ");
            if super::ui::width(&spaced) <= 13 { spaced } else { names.join("/") }
        }),
        short: label.unwrap_or_else(|| names.first().cloned().unwrap_or_default()),
        what: (b.help)(t),
        footer: b.how.footer,
        labelled: b.how.label.is_some(),
        help: true,
        global,
    }
}

/// The global binding shown for `g` (the first one giving it that shows in the footer, else
/// the first).
pub fn global_binding(g: Global) -> Option<&'static Binding<Global>> {
    let all = || {
        GLOBAL.iter().filter_map(|e| match e {
            Entry::Bind(b) if b.cmd == g => Some(b),
            _ => None,
        })
    };
    all().find(|b| b.how.footer).or_else(|| all().next())
}

/// The footer and help lines of `table`, in table order: only the commands `offers` allows,
/// and while `typing` only those that are commands in text too.
pub fn shown<C: Copy>(
    table: &[Entry<C>],
    t: &Text,
    typing: bool,
    offers: impl Fn(C) -> bool,
) -> Vec<KeyHelp> {
    let mut out = Vec::new();
    for e in table {
        match e {
            Entry::Bind(b) if (!typing || b.how.text) && offers(b.cmd) => out.push(help_of(b, t, None)),
            Entry::Bind(_) => {}
            Entry::Nav(to) | Entry::Page(to) if !typing => {
                let moves = if matches!(e, Entry::Nav(_)) { NAV } else { PAGE };
                out.extend(moves.iter().filter(|b| offers(to(b.cmd))).map(|b| help_of(b, t, None)));
            }
            Entry::Nav(_) | Entry::Page(_) => {}
            Entry::Global(g) => {
                if let Some(b) = global_binding(*g)
                    && (!typing || b.how.text)
                {
                    let mut h = help_of(b, t, Some(*g));
                    h.footer = true;
                    out.push(h);
                }
            }
            Entry::Chip(label, what) if !typing => out.push(KeyHelp {
                keys: label(t).to_string(),
                short: label(t).to_string(),
                what: what(t),
                footer: true,
                labelled: true,
                help: false,
                global: None,
            }),
            Entry::Chip(..) => {}
        }
    }
    out
}

/// The command `key` gives on a screen with `table`, if any: only commands `offers` allows,
/// and while `typing` only those that are commands in text (so letters stay input).
pub fn command<C: Copy>(
    table: &[Entry<C>],
    key: &KeyEvent,
    typing: bool,
    offers: impl Fn(C) -> bool,
) -> Option<C> {
    for e in table {
        match e {
            Entry::Bind(b) => {
                if (!typing || b.how.text) && b.keys.iter().any(|k| k.matches(key)) && offers(b.cmd) {
                    return Some(b.cmd);
                }
            }
            Entry::Nav(to) | Entry::Page(to) if !typing => {
                let moves = if matches!(e, Entry::Nav(_)) { NAV } else { PAGE };
                if let Some(b) = moves.iter().find(|b| b.keys.iter().any(|k| k.matches(key)))
                    && offers(to(b.cmd))
                {
                    return Some(to(b.cmd));
                }
            }
            Entry::Nav(_) | Entry::Page(_) | Entry::Global(_) | Entry::Chip(..) => {}
        }
    }
    None
}

/// A screen's table as docs/KEYS.md prints it: a Markdown table of keys and what they do
/// (Chinese; global keys are documented once, under 任何界面).
pub fn doc_table<C: Copy>(table: &[Entry<C>]) -> String {
    fn row<X>(b: &Binding<X>) -> Option<(String, String)> {
        let what = b.how.doc.unwrap_or_else(|| (b.help)(&super::text::ZH)).to_string();
        let keys = match b.how.doc_keys {
            Some(k) => k.to_string(),
            None => b.keys.iter().map(Key::doc_name).collect::<Vec<_>>().join("、"),
        };
        // A binding documented with its partner (`doc_keys` empty) adds no row of its own.
        (!keys.is_empty()).then_some((keys, what))
    }
    let mut rows: Vec<(String, String)> = Vec::new();
    for e in table {
        match e {
            Entry::Bind(b) => rows.extend(row(b)),
            Entry::Nav(_) => rows.extend(NAV.iter().filter_map(row)),
            Entry::Page(_) => rows.extend(PAGE.iter().filter_map(row)),
            Entry::Global(_) | Entry::Chip(..) => {}
        }
    }
    let mut out = String::from("| 按键 | 作用 |\n|---|---|\n");
    for (k, w) in rows {
        out.push_str(&format!("| {k} | {w} |\n"));
    }
    out
}

/// Puts each table's generated Markdown between its markers in `doc`
/// (`<!-- keys:NAME -->` … `<!-- /keys -->`); the prose around them is left as written.
/// Errors name a table whose markers are missing.
pub fn fill_doc(doc: &str, tables: &[(&'static str, String)]) -> Result<String, String> {
    let mut out = doc.to_string();
    for (name, table) in tables {
        let open = format!("<!-- keys:{name} -->\n");
        let close = "<!-- /keys -->";
        let Some(start) = out.find(&open) else { return Err(format!("docs/KEYS.md 缺少 {open}")) };
        let body = start + open.len();
        let Some(len) = out[body..].find(close) else {
            return Err(format!("docs/KEYS.md 中 {name} 没有结束标记"));
        };
        out.replace_range(body..body + len, table);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Cmd {
        Save,
        Contact,
        Nav(Nav),
    }

    static KEYS: &[Entry<Cmd>] = &[
        key(&[ctrl('s')], Cmd::Save, |t| t.key_save, FT),
        key(&[ch('c')], Cmd::Contact, |t| t.key_contact, F),
        Entry::Nav(Cmd::Nav),
        Entry::Page(Cmd::Nav),
        Entry::Global(Global::Quit),
    ];

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn letters_are_text_while_typing_and_commands_otherwise() {
        let c = ev(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(command(KEYS, &c, false, |_| true), Some(Cmd::Contact));
        assert_eq!(command(KEYS, &c, true, |_| true), None, "typed text, not a command");
        let save = ev(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(command(KEYS, &save, true, |_| true), Some(Cmd::Save));
        assert_eq!(command(KEYS, &ev(KeyCode::Char('s'), KeyModifiers::NONE), false, |_| true), None);
        assert_eq!(command(KEYS, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL), false, |_| true), None);
        assert_eq!(
            command(KEYS, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT), false, |_| true),
            Some(Cmd::Nav(Nav::Bottom))
        );
        assert_eq!(command(KEYS, &c, false, |c| c != Cmd::Contact), None, "a command not offered");
    }

    #[test]
    fn footer_and_help_come_from_the_table_in_both_languages() {
        let zh = shown(KEYS, &super::super::text::ZH, false, |_| true);
        let en = shown(KEYS, &super::super::text::EN, false, |_| true);
        let foot: Vec<(&str, &str)> =
            zh.iter().filter(|k| k.footer).map(|k| (k.short.as_str(), k.what)).collect();
        assert_eq!(
            foot,
            [
                ("Ctrl-S", "保存"),
                ("c", "记录联系"),
                ("上下", "移动"),
                ("PgUp/PgDn", "翻页"),
                ("g/G", "首/末"),
                ("q", "退出")
            ]
        );
        assert_eq!(en[0].what, "save");
        assert_eq!(en[2].short, "Up/Dn");
        assert!(en[2].labelled && !en[3].labelled, "↑ goes under the Up/Dn line");
        let typing = shown(KEYS, &super::super::text::ZH, true, |_| true);
        assert_eq!(typing.iter().map(|k| k.what).collect::<Vec<_>>(), ["保存"]);
    }
}
