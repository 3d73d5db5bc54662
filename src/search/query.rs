//! What was typed, normalised: full-width letters and digits (a Chinese input method often leaves
//! them on) become ASCII, letters are lowercased, separators people type between syllables or in
//! phone numbers are dropped.

/// One typed unit: an ASCII letter or digit (spelt against readings) or any other character
/// (matched as its standard form, `domain::names::standard_form`: 張 finds 张).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Alnum(u8),
    Char(char),
}

/// Longest query looked at: a name, a phone or an ID number is far shorter, and the name matcher
/// keeps its states in one 64-bit word per kind.
pub const MAX_UNITS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub units: Vec<Unit>,
    /// The units as text, lowercase; what fuzzy-matcher gets as its pattern.
    pub text: String,
}

impl Query {
    pub fn parse(raw: &str) -> Query {
        let mut units = Vec::new();
        for c in raw.chars() {
            let c = half_width(c);
            if is_separator(c) {
                continue;
            }
            if c.is_ascii_alphanumeric() {
                units.push(Unit::Alnum(c.to_ascii_lowercase() as u8));
            } else if !c.is_control() {
                // Names are matched in their standard form: 張 finds 张 and 陳 finds 陈.
                units.push(Unit::Char(crate::domain::names::standard_form(c)));
            }
        }
        units.truncate(MAX_UNITS);
        let text = units
            .iter()
            .map(|u| match u {
                Unit::Alnum(b) => char::from(*b),
                Unit::Char(c) => *c,
            })
            .collect();
        Query { units, text }
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Digits, or digits ending in the X of an ID check character: a phone, client or ID number.
    pub fn is_number(&self) -> bool {
        let body = match self.units.split_last() {
            Some((Unit::Alnum(b'x'), body)) if !body.is_empty() => body,
            _ => &self.units[..],
        };
        !body.is_empty() && body.iter().all(|u| matches!(u, Unit::Alnum(b) if b.is_ascii_digit()))
    }

    /// Only ASCII letters and digits: could be (part of) a client number.
    pub fn is_alnum(&self) -> bool {
        self.units.iter().all(|u| matches!(u, Unit::Alnum(_)))
    }

    /// Lowercase ASCII bytes, when `is_alnum`.
    pub fn alnum_bytes(&self) -> Vec<u8> {
        self.units
            .iter()
            .filter_map(|u| match u {
                Unit::Alnum(b) => Some(*b),
                Unit::Char(_) => None,
            })
            .collect()
    }

    pub fn has_chars(&self) -> bool {
        self.units.iter().any(|u| matches!(u, Unit::Char(_)))
    }
}

fn half_width(c: char) -> char {
    match u32::from(c) {
        0x3000 => ' ',
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Spaces and apostrophes between syllables ("zhang wei", "xi'an"), dashes in numbers, the dot in
/// transliterated names.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\'' | '’' | '-' | '_' | '·' | '・' | '•')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_separators_are_normalised() {
        assert_eq!(Query::parse(" Zhang Wei ").text, "zhangwei");
        assert_eq!(Query::parse("ＺＷ").text, "zw");
        assert_eq!(Query::parse("１３８-0013").text, "1380013");
        assert_eq!(Query::parse("张 w").units, [Unit::Char('张'), Unit::Alnum(b'w')]);
        assert!(Query::parse("  ").is_empty());
    }

    #[test]
    fn numbers_are_told_from_names() {
        assert!(Query::parse("8000").is_number());
        assert!(Query::parse("12345x").is_number());
        assert!(Query::parse("12345X").is_number());
        assert!(!Query::parse("x").is_number());
        assert!(!Query::parse("c1").is_number());
        assert!(Query::parse("c1").is_alnum());
        assert!(!Query::parse("张w").is_alnum());
    }
}
