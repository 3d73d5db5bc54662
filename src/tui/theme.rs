//! Themes: colours by role, loaded from `themes/*.toml` (see docs/THEMES.md), degraded to what
//! the terminal can show: truecolor, 256 colours, 16 colours, or none (`NO_COLOR`, mono).

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The built-in themes, compiled in so the binary needs no files beside it.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The roles a theme colours; every theme file must give each one.
pub const ROLES: &[&str] = &[
    "text",
    "muted",
    "accent",
    "warning",
    "overdue",
    "ok",
    "selection",
    "bar",
    "key",
    "border",
    "title",
    "popup",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSupport {
    TrueColor,
    Ansi256,
    Ansi16,
    None,
}

impl ColorSupport {
    /// From the environment: `NO_COLOR` wins; a terminal without colour (`TERM` of `dumb`, the
    /// `vt100`/`vt220` family, `ansi`-less serial types, or unset) gets attributes only, even when
    /// `COLORTERM` claims more (it leaks through `sudo` and `ssh` from another terminal);
    /// `COLORTERM` announces truecolor; `TERM` naming 256 colours gets 256; anything else
    /// (Xshell's default `xterm`, `linux`, `screen`) 16.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> ColorSupport {
        if var("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorSupport::None;
        }
        let term = var("TERM").unwrap_or_default().to_lowercase();
        if term.is_empty() || term == "dumb" || term.starts_with("vt") || term == "unknown" {
            return ColorSupport::None;
        }
        let colorterm = var("COLORTERM").unwrap_or_default().to_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            return ColorSupport::TrueColor;
        }
        if term.contains("256") { ColorSupport::Ansi256 } else { ColorSupport::Ansi16 }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    reverse: bool,
    #[serde(default)]
    underline: bool,
    /// The role's foreground on a 16-colour terminal, by name; without it a named `fg` is kept
    /// and a `#rrggbb` one gives way to the role's own colour from [`ROLE_16`].
    fg16: Option<String>,
    /// The role's background on a 16-colour terminal, by name.
    bg16: Option<String>,
}

/// How each role looks on a 16-colour terminal (Xshell's default `TERM=xterm`) when its theme
/// gives it a colour: chosen by what the role means, not by the nearest of 16 colours — the
/// nearest to a soft red or green is often dark grey, and then overdue, done and warnings would
/// all look alike. Roles marked reversed are shown by swapping the terminal's own colours, which
/// reads on dark and light backgrounds alike.
const ROLE_16: &[(&str, Color, bool)] = &[
    ("text", Color::Reset, false),
    ("muted", Color::DarkGray, false),
    ("accent", Color::Cyan, false),
    ("warning", Color::Yellow, false),
    ("overdue", Color::Red, false),
    ("ok", Color::Green, false),
    ("selection", Color::Reset, true),
    ("bar", Color::Reset, true),
    ("key", Color::Cyan, false),
    ("border", Color::DarkGray, false),
    ("title", Color::Reset, false),
    ("popup", Color::Reset, false),
];

/// What a role adds without colour (`NO_COLOR`, vt100, dumb) so that what colour told apart still
/// shows: bold, underline and reverse only, the attributes every terminal has.
const ROLE_MONO: &[(&str, Modifier)] = &[
    ("warning", Modifier::BOLD),
    ("overdue", Modifier::BOLD.union(Modifier::UNDERLINED)),
    ("selection", Modifier::REVERSED),
    ("bar", Modifier::REVERSED),
    ("key", Modifier::BOLD),
    ("title", Modifier::BOLD),
];

/// Unknown keys are caught by the role check in `Theme::parse` (serde cannot deny them here
/// because the roles are a flattened map).
#[derive(Debug, Deserialize)]
struct ThemeFile {
    name: String,
    #[serde(flatten)]
    roles: BTreeMap<String, RoleSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub warning: Style,
    pub overdue: Style,
    pub ok: Style,
    pub selection: Style,
    pub bar: Style,
    pub key: Style,
    pub border: Style,
    pub title: Style,
    pub popup: Style,
}

const NAMED: &[(&str, Color)] = &[
    ("reset", Color::Reset),
    ("default", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

/// The 16 ANSI colours as xterm draws them, for picking the nearest.
const ANSI16: &[(Color, (u8, u8, u8))] = &[
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2) as u32;
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

/// Nearest colour of the xterm 256-colour palette (6×6×6 cube or grey ramp).
fn to_256(rgb: (u8, u8, u8)) -> Color {
    const STEPS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest = |v: u8| (0..6).min_by_key(|i| (i32::from(STEPS[*i]) - i32::from(v)).abs()).unwrap_or(0);
    let (r, g, b) = (nearest(rgb.0), nearest(rgb.1), nearest(rgb.2));
    let cube = (STEPS[r], STEPS[g], STEPS[b]);
    let grey_level = ((u32::from(rgb.0) + u32::from(rgb.1) + u32::from(rgb.2)) / 3) as u8;
    let grey_index = (grey_level.saturating_sub(3) / 10).min(23);
    let grey = 8 + grey_index * 10;
    if distance(rgb, (grey, grey, grey)) < distance(rgb, cube) {
        Color::Indexed(232 + grey_index)
    } else {
        Color::Indexed(16 + 36 * r as u8 + 6 * g as u8 + b as u8)
    }
}

fn to_16(rgb: (u8, u8, u8)) -> Color {
    ANSI16.iter().min_by_key(|(_, c)| distance(rgb, *c)).map_or(Color::Reset, |(c, _)| *c)
}

fn named(raw: &str) -> Result<Color, String> {
    let s = raw.trim().to_lowercase();
    NAMED.iter().find(|(n, _)| *n == s).map(|(_, c)| *c).ok_or_else(|| format!("“{raw}”不是颜色名"))
}

fn parse_color(raw: &str, support: ColorSupport) -> Result<Color, String> {
    let s = raw.trim().to_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        let byte = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
        let rgb = match (hex.len(), byte(0), byte(2), byte(4)) {
            (6, Some(r), Some(g), Some(b)) => (r, g, b),
            _ => return Err(format!("“{raw}”不是颜色（应为 #rrggbb）")),
        };
        return Ok(match support {
            ColorSupport::TrueColor => Color::Rgb(rgb.0, rgb.1, rgb.2),
            ColorSupport::Ansi256 => to_256(rgb),
            ColorSupport::Ansi16 | ColorSupport::None => to_16(rgb),
        });
    }
    NAMED.iter().find(|(n, _)| *n == s).map(|(_, c)| *c).ok_or_else(|| format!("“{raw}”不是颜色名"))
}

impl Theme {
    pub fn parse(source: &str, support: ColorSupport) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(source).map_err(|e| format!("主题文件格式错误：{e}"))?;
        for key in file.roles.keys() {
            if !ROLES.contains(&key.as_str()) {
                return Err(format!("主题中的“{key}”不是可用的角色（可用：{}）", ROLES.join("、")));
            }
        }
        let role = |name: &str| -> Result<Style, String> {
            let spec = file.roles.get(name).ok_or_else(|| format!("主题缺少“{name}”"))?;
            let mut style = Style::default();
            let coloured = spec.fg.is_some() || spec.bg.is_some();
            match support {
                ColorSupport::None => {}
                ColorSupport::Ansi16 => {
                    let (fg, reversed) = ROLE_16
                        .iter()
                        .find(|(r, _, _)| *r == name)
                        .map_or((Color::Reset, false), |(_, c, rev)| (*c, *rev));
                    let named_fg = spec.fg.as_deref().filter(|f| !f.trim().starts_with('#'));
                    if let Some(fg16) = spec.fg16.as_deref().or(named_fg) {
                        style = style.fg(named(fg16).map_err(|e| format!("{name}.fg16：{e}"))?);
                    } else if coloured && fg != Color::Reset {
                        style = style.fg(fg);
                    }
                    if let Some(bg16) = &spec.bg16 {
                        style = style.bg(named(bg16).map_err(|e| format!("{name}.bg16：{e}"))?);
                    } else if coloured && reversed {
                        style = style.add_modifier(Modifier::REVERSED);
                    }
                }
                ColorSupport::TrueColor | ColorSupport::Ansi256 => {
                    if let Some(fg) = &spec.fg {
                        style = style.fg(parse_color(fg, support).map_err(|e| format!("{name}.fg：{e}"))?);
                    }
                    if let Some(bg) = &spec.bg {
                        style = style.bg(parse_color(bg, support).map_err(|e| format!("{name}.bg：{e}"))?);
                    }
                }
            }
            for (on, m) in [
                (spec.bold, Modifier::BOLD),
                (spec.dim, Modifier::DIM),
                (spec.reverse, Modifier::REVERSED),
                (spec.underline, Modifier::UNDERLINED),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            if support == ColorSupport::None
                && let Some((_, m)) = ROLE_MONO.iter().find(|(r, _)| *r == name)
            {
                style = style.add_modifier(*m);
            }
            // The 16-colour role palette checks names only; a `#rrggbb` still has to be valid.
            for c in spec.fg.iter().chain(spec.bg.iter()) {
                parse_color(c, support).map_err(|e| format!("{name}：{e}"))?;
            }
            Ok(style)
        };
        Ok(Theme {
            name: file.name.clone(),
            text: role("text")?,
            muted: role("muted")?,
            accent: role("accent")?,
            warning: role("warning")?,
            overdue: role("overdue")?,
            ok: role("ok")?,
            selection: role("selection")?,
            bar: role("bar")?,
            key: role("key")?,
            border: role("border")?,
            title: role("title")?,
            popup: role("popup")?,
        })
    }

    /// A built-in theme by name, a theme file by path, or `NAME.toml` in the user's theme folder.
    pub fn load(name: &str, user_dir: Option<&Path>, support: ColorSupport) -> Result<Theme, String> {
        if name.ends_with(".toml") || name.contains('/') {
            let text = std::fs::read_to_string(name).map_err(|e| format!("无法读取主题文件 {name}：{e}"))?;
            return Theme::parse(&text, support).map_err(|e| format!("{name}：{e}"));
        }
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&path) {
                return Theme::parse(&text, support).map_err(|e| format!("{}：{e}", path.display()));
            }
        }
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Theme::parse(text, support),
            None => {
                let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                Err(format!("没有名为“{name}”的主题（内置：{}）", names.join("、")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_at_every_colour_depth() {
        for (name, text) in BUILTIN {
            for support in
                [ColorSupport::TrueColor, ColorSupport::Ansi256, ColorSupport::Ansi16, ColorSupport::None]
            {
                Theme::parse(text, support).unwrap_or_else(|e| panic!("{name} at {support:?}: {e}"));
            }
        }
    }

    #[test]
    fn colours_degrade_to_what_the_terminal_has() {
        assert_eq!(parse_color("#ff5f5f", ColorSupport::TrueColor), Ok(Color::Rgb(255, 95, 95)));
        assert_eq!(parse_color("#ff5f5f", ColorSupport::Ansi256), Ok(Color::Indexed(203)));
        assert_eq!(parse_color("#ff5f5f", ColorSupport::Ansi16), Ok(Color::LightRed));
        assert_eq!(parse_color("#808080", ColorSupport::Ansi256), Ok(Color::Indexed(244)));
        assert!(parse_color("#12", ColorSupport::TrueColor).is_err());
    }

    /// Each role of a theme as one line: what a terminal at that depth is sent.
    fn palette(theme: &Theme) -> String {
        let roles = [
            ("text", theme.text),
            ("muted", theme.muted),
            ("accent", theme.accent),
            ("warning", theme.warning),
            ("overdue", theme.overdue),
            ("ok", theme.ok),
            ("selection", theme.selection),
            ("bar", theme.bar),
            ("key", theme.key),
            ("border", theme.border),
            ("title", theme.title),
            ("popup", theme.popup),
        ];
        let mut out = String::new();
        for (name, st) in roles {
            out.push_str(&format!("{name:10} fg={:?} bg={:?} +{:?}\n", st.fg, st.bg, st.add_modifier));
        }
        out
    }

    /// Xshell's default `TERM=xterm`: overdue red, done green, warnings yellow, muted grey — never
    /// the dark grey a nearest-colour match gave all four.
    #[test]
    fn sixteen_colour_palette_colours_by_role() {
        for (name, _) in BUILTIN.iter().filter(|(n, _)| *n != "mono") {
            let t = Theme::load(name, None, ColorSupport::Ansi16).unwrap();
            assert_eq!(t.overdue.fg, Some(Color::Red), "{name}");
            assert_eq!(t.ok.fg, Some(Color::Green), "{name}");
            assert_eq!(t.warning.fg, Some(Color::Yellow), "{name}");
            assert_eq!(t.muted.fg, Some(Color::DarkGray), "{name}");
            assert!(t.selection.add_modifier.contains(Modifier::REVERSED), "{name}");
        }
        let t = Theme::load("default", None, ColorSupport::Ansi16).unwrap();
        insta::assert_snapshot!("palette_default_16", palette(&t));
        let mono = Theme::load("mono", None, ColorSupport::Ansi16).unwrap();
        assert_eq!(mono.overdue.fg, None, "a theme without colours stays without them at 16 colours");
    }

    /// vt100, dumb and `NO_COLOR`: attributes only, and the roles colour told apart still differ.
    #[test]
    fn mono_palette_uses_attributes_only() {
        let t = Theme::load("default", None, ColorSupport::None).unwrap();
        insta::assert_snapshot!("palette_default_mono", palette(&t));
        for st in [t.text, t.muted, t.accent, t.warning, t.overdue, t.ok, t.selection, t.bar, t.key] {
            assert_eq!((st.fg, st.bg), (None, None));
        }
        assert_ne!(t.overdue, t.text);
        assert_ne!(t.warning, t.text);
        assert_ne!(t.overdue, t.warning);
    }

    #[test]
    fn a_named_16_colour_choice_in_a_theme_is_kept() {
        let src = BUILTIN[0]
            .1
            .replace("[overdue]\nfg = \"#ff6b6b\"", "[overdue]\nfg = \"#ff6b6b\"\nfg16 = \"magenta\"");
        let t = Theme::parse(&src, ColorSupport::Ansi16).unwrap();
        assert_eq!(t.overdue.fg, Some(Color::Magenta));
    }

    #[test]
    fn no_color_drops_colours_but_keeps_selection_visible() {
        let t = Theme::load("default", None, ColorSupport::None).unwrap();
        assert_eq!(t.text.fg, None);
        assert!(t.selection.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn the_environment_decides_the_colour_depth() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(
            ColorSupport::detect(env(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])),
            ColorSupport::None
        );
        assert_eq!(
            ColorSupport::detect(env(&[("TERM", "xterm"), ("COLORTERM", "truecolor")])),
            ColorSupport::TrueColor
        );
        assert_eq!(ColorSupport::detect(env(&[("TERM", "xterm-256color")])), ColorSupport::Ansi256);
        assert_eq!(ColorSupport::detect(env(&[("TERM", "xterm")])), ColorSupport::Ansi16);
        for plain in ["vt100", "vt220", "dumb"] {
            let vars: &'static [(&'static str, &'static str)] = match plain {
                "vt100" => &[("TERM", "vt100"), ("COLORTERM", "truecolor")],
                "vt220" => &[("TERM", "vt220")],
                _ => &[("TERM", "dumb")],
            };
            assert_eq!(ColorSupport::detect(env(vars)), ColorSupport::None, "{plain}");
        }
    }

    #[test]
    fn a_theme_missing_a_role_or_naming_an_unknown_one_is_refused() {
        let err = Theme::parse("name = \"x\"\n[text]\nfg = \"red\"\n", ColorSupport::TrueColor).unwrap_err();
        assert!(err.contains("缺少"), "{err}");
        let err = Theme::load("nosuch", None, ColorSupport::TrueColor).unwrap_err();
        assert!(err.contains("high-contrast"), "{err}");
    }
}
