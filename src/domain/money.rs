//! Money is integer fen (分). Amounts arrive from spreadsheets as text like "1,234,567.89" and are
//! parsed exactly; floats never touch a balance.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fen(pub i64);

impl Fen {
    pub const fn yuan(y: i64) -> Fen {
        Fen(y * 100)
    }

    pub const fn wan(w: i64) -> Fen {
        Fen(w * 1_000_000)
    }

    /// Parses yuan with at most two decimals; accepts thousands separators, a trailing 元,
    /// and a trailing 万 (ten thousand yuan, as branch spreadsheets often write).
    pub fn parse_yuan(raw: &str) -> Result<Fen, String> {
        let mut s: String = raw.trim().chars().filter(|c| *c != ',' && *c != '，' && *c != ' ').collect();
        if s.is_empty() {
            return Err("金额为空".into());
        }
        let mut scale: i64 = 1;
        if let Some(rest) = s.strip_suffix('元') {
            s = rest.to_string();
        } else if let Some(rest) = s.strip_suffix('万') {
            s = rest.to_string();
            scale = 10_000;
        }
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        let all_digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
        if int_part.is_empty() || !all_digits(int_part) || !all_digits(frac_part) {
            return Err(format!("“{}”不是金额（应为数字，如 123456.78）", raw.trim()));
        }
        // With 万 two more decimals are exact (0.0001 万 = 1 元); allow up to 6 decimals there.
        let max_frac = if scale == 1 { 2 } else { 6 };
        if frac_part.len() > max_frac {
            return Err(format!("“{}”小数位过多（最多 {} 位）", raw.trim(), max_frac));
        }
        let overflow = || format!("“{}”金额过大", raw.trim());
        let int: i64 = int_part.parse().map_err(|_| overflow())?;
        let mut frac_fen: i64 = 0;
        if !frac_part.is_empty() {
            // Fraction of one unit, expressed in fen of that unit.
            let unit_fen = scale * 100;
            let padded = format!("{:0<6}", frac_part);
            let micro: i64 = padded[..6].parse().map_err(|_| overflow())?;
            // Exact: the decimal limits above stop at one fen.
            frac_fen = micro * unit_fen / 1_000_000;
        }
        let fen = int.checked_mul(scale * 100).and_then(|v| v.checked_add(frac_fen)).ok_or_else(overflow)?;
        Ok(Fen(if neg { -fen } else { fen }))
    }

    /// "1,234,567.89"
    pub fn display_yuan(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let int = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{}{}.{:02}", if neg { "-" } else { "" }, grouped, abs % 100)
    }

    /// "86.3万", rounded half up to one decimal of 万; how balances are talked about at a counter.
    pub fn display_wan(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let tenths = (abs + 50_000) / 100_000; // 1 tenth of 万 = 1000 元 = 100_000 fen
        format!("{}{}.{}万", if neg { "-" } else { "" }, tenths / 10, tenths % 10)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_yuan())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spreadsheet_amounts_exactly() {
        assert_eq!(Fen::parse_yuan("1,234,567.89"), Ok(Fen(123_456_789)));
        assert_eq!(Fen::parse_yuan(" 500000 "), Ok(Fen(50_000_000)));
        assert_eq!(Fen::parse_yuan("0.1"), Ok(Fen(10)));
        assert_eq!(Fen::parse_yuan("88.5万"), Ok(Fen(88_500_000)));
        assert_eq!(Fen::parse_yuan("12元"), Ok(Fen(1200)));
        assert_eq!(Fen::parse_yuan("-3.5"), Ok(Fen(-350)));
        // 0.1 + 0.2 style float drift cannot happen.
        assert_eq!(Fen::parse_yuan("0.3").map(|f| f.0), Ok(30));
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        assert!(Fen::parse_yuan("").is_err());
        assert!(Fen::parse_yuan("abc").is_err());
        assert!(Fen::parse_yuan("1.234").is_err());
        assert!(Fen::parse_yuan("1e6").is_err());
        assert!(Fen::parse_yuan("99999999999999999999").is_err());
        assert!(Fen::parse_yuan("0.0000001万").is_err());
        assert_eq!(Fen::parse_yuan("0.000001万"), Ok(Fen(1)));
    }

    #[test]
    fn displays_yuan_and_wan() {
        assert_eq!(Fen(123_456_789).display_yuan(), "1,234,567.89");
        assert_eq!(Fen(5).display_yuan(), "0.05");
        assert_eq!(Fen(-100_000).display_yuan(), "-1,000.00");
        assert_eq!(Fen(86_349_999).display_wan(), "86.3万");
        assert_eq!(Fen(86_350_000).display_wan(), "86.4万");
        assert_eq!(Fen(0).display_wan(), "0.0万");
    }
}
