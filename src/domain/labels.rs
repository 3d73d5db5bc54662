//! Enumerations that have a Chinese business name: the name is what import files contain, what
//! exports write and what a Chinese screen shows.

/// Declares an enum whose variants each carry a canonical Chinese label plus accepted aliases
/// (matched case-insensitively after trimming). `ALL` lists the variants in display order.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:expr, {
            $( $variant:ident => $label:expr $(, [$($alias:expr),* $(,)?])? );+ $(;)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The column or field this value is read from, for messages.
            pub const FIELD: $crate::domain::Field = $field;

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            pub fn parse(raw: &str) -> Result<$name, $crate::domain::Invalid> {
                let s = raw.trim().to_lowercase();
                $(
                    if s == $label $($(|| s == $alias)*)? {
                        return Ok($name::$variant);
                    }
                )+
                Err($crate::domain::Invalid::new(
                    $field,
                    $crate::domain::Problem::NotRecognised {
                        raw: raw.trim().to_string(),
                        choices: $name::ALL.iter().map(|v| v.label().to_string()).collect(),
                    },
                ))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

pub(crate) use labelled_enum;

/// The language a person reads: the TUI's and the CLI's `--lang`. Chinese is the default and the
/// language of files, logs and the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en` as this language reads.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Declares a plain enum whose variants each have a Chinese and an English label, for names a
/// person reads in either language (form fields). `ALL` lists the variants in declaration order,
/// which is also their serialized order: add variants at the end only.
macro_rules! bilingual_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $zh:expr, $en:expr );+ $(;)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name in `lang`.
            pub fn label(self, lang: $crate::domain::Lang) -> &'static str {
                match self {
                    $($name::$variant => lang.pick($zh, $en)),+
                }
            }

            /// The Chinese name: what logs, files and the audit trail carry.
            pub fn zh(self) -> &'static str {
                self.label($crate::domain::Lang::Zh)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.zh())
            }
        }
    };
}

pub(crate) use bilingual_enum;

/// Reads a yes/no cell the way branch spreadsheets write it.
pub fn parse_yes_no(field: super::Field, raw: &str) -> Result<bool, super::Invalid> {
    match raw.trim().to_lowercase().as_str() {
        "是" | "有" | "已开通" | "已办理" | "已贴" | "y" | "yes" | "1" | "true" | "√" | "✓" => {
            Ok(true)
        }
        "" | "否" | "无" | "未开通" | "未办理" | "未贴" | "n" | "no" | "0" | "false" | "×" => {
            Ok(false)
        }
        other => Err(super::Invalid::new(field, super::Problem::NotYesNo { raw: other.to_string() })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Field, Problem};

    #[test]
    fn yes_no_cells_accept_what_spreadsheets_contain() {
        assert_eq!(parse_yes_no(Field::YesNo, "是"), Ok(true));
        assert_eq!(parse_yes_no(Field::YesNo, " Y "), Ok(true));
        assert_eq!(parse_yes_no(Field::YesNo, ""), Ok(false));
        assert_eq!(parse_yes_no(Field::YesNo, "未开通"), Ok(false));
        let err = parse_yes_no(Field::YesNo, "也许").unwrap_err();
        assert_eq!(err.field, Field::YesNo);
        assert_eq!(err.problem, Problem::NotYesNo { raw: "也许".into() });
        assert_eq!(err.to_string(), "是否：“也许”应为 是 或 否");
    }
}
