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
            pub const FIELD: &'static str = $field;

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
                let choices: Vec<&str> = $name::ALL.iter().map(|v| v.label()).collect();
                Err($crate::domain::Invalid::new(
                    $field,
                    format!("“{}”无法识别，应为：{}", raw.trim(), choices.join(" / ")),
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

/// Reads a yes/no cell the way branch spreadsheets write it.
pub fn parse_yes_no(field: &str, raw: &str) -> Result<bool, super::Invalid> {
    match raw.trim().to_lowercase().as_str() {
        "是" | "有" | "已开通" | "已办理" | "已贴" | "y" | "yes" | "1" | "true" | "√" | "✓" => {
            Ok(true)
        }
        "" | "否" | "无" | "未开通" | "未办理" | "未贴" | "n" | "no" | "0" | "false" | "×" => {
            Ok(false)
        }
        other => Err(super::Invalid::new(field, format!("“{other}”应为 是 或 否"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_cells_accept_what_spreadsheets_contain() {
        assert_eq!(parse_yes_no("网银", "是"), Ok(true));
        assert_eq!(parse_yes_no("网银", " Y "), Ok(true));
        assert_eq!(parse_yes_no("网银", ""), Ok(false));
        assert_eq!(parse_yes_no("网银", "未开通"), Ok(false));
        let err = parse_yes_no("网银", "也许").unwrap_err();
        assert_eq!(err.field, "网银");
        assert!(err.reason.contains("也许"));
    }
}
