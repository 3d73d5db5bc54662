//! Identifiers. Client and staff numbers come from the core-banking system as text, so they stay text;
//! they may not contain control characters because the store uses `\0` as a key separator.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::{Field, Invalid, Problem};

macro_rules! text_id {
    ($name:ident, $label:expr, $max:expr) => {
        /// Deserialized through `parse`, so a number arriving over the branch server's socket or
        /// read from a file obeys the same rules as one typed in: no control characters can reach
        /// a key or the audit trail that way.
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = Invalid;

            fn try_from(raw: String) -> Result<Self, Invalid> {
                // Stored and well-formed numbers are kept as they are, without a copy.
                match $name::parse(&raw) {
                    Ok(parsed) if parsed.0 == raw => Ok($name(raw)),
                    other => other,
                }
            }
        }

        impl $name {
            /// Trims surrounding spaces and checks the number is usable as a key.
            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                let s = raw.trim();
                if s.is_empty() {
                    return Err(Invalid::new($label, Problem::Empty));
                }
                if s.chars().count() > $max {
                    return Err(Invalid::new($label, Problem::TooManyChars { max: $max }));
                }
                if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
                    return Err(Invalid::new($label, Problem::SpaceOrControl));
                }
                Ok($name(s.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(ClientNo, Field::ClientNo, 32);
text_id!(StaffNo, Field::StaffNo, 20);
text_id!(OutletId, Field::Outlet, 20);
text_id!(Login, Field::Login, 32);

/// A contact log entry; allocated by the store, monotonic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContactId(pub u64);

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A product launch (新品推介 campaign).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LaunchId(pub u64);

impl fmt::Display for LaunchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_rejected_when_unusable() {
        assert_eq!(ClientNo::parse("  C001 ").map(|c| c.0), Ok("C001".to_string()));
        assert_eq!(ClientNo::parse("").unwrap_err().field.zh(), "客户号");
        assert!(ClientNo::parse("C 001").is_err());
        assert!(StaffNo::parse("a\0b").is_err());
        assert!(StaffNo::parse(&"9".repeat(21)).is_err());
    }

    #[test]
    fn ids_arriving_as_data_obey_the_same_rules() {
        let wire = |s: &str| bincode::serde::encode_to_vec(s, bincode::config::standard()).unwrap();
        let read = |b: &[u8]| {
            bincode::serde::decode_from_slice::<ClientNo, _>(b, bincode::config::standard()).map(|(c, _)| c)
        };
        assert_eq!(read(&wire("C001")).unwrap().as_str(), "C001");
        assert!(read(&wire("C1\n2026-11-30 导出")).is_err());
        assert!(read(&wire("\u{1b}[2K")).is_err());
        assert!(read(&wire(&"9".repeat(33))).is_err());
    }
}
