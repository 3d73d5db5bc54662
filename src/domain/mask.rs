//! Masking of confidential fields (证件号码, 手机号码, 资产). The roster may be used by all staff of
//! the bank, but these are shown in full only on an audited reveal.

use serde::{Deserialize, Serialize};

use super::money::Fen;

/// A field that is masked until revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sensitive {
    Phone,
    IdNumber,
    Assets,
}

impl Sensitive {
    pub fn label(self) -> &'static str {
        match self {
            Sensitive::Phone => "手机号码",
            Sensitive::IdNumber => "证件号码",
            Sensitive::Assets => "日均金融资产",
        }
    }
}

/// "138****8000": enough to recognise a number the client reads out, not enough to dial it.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// "1101**********002X": region and check characters only.
pub fn mask_id(id: &str) -> String {
    mask_middle(id, 4, 4)
}

fn mask_middle(s: &str, keep_head: usize, keep_tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.len() <= keep_head + keep_tail {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..keep_head].iter().collect();
    let tail: String = chars[chars.len() - keep_tail..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - keep_head - keep_tail))
}

/// A band instead of the balance: enough to prioritise, not enough to know.
pub fn asset_band(assets: Fen) -> &'static str {
    const BANDS: [(i64, &str); 6] = [
        (600, "600万以上"),
        (200, "200-600万"),
        (50, "50-200万"),
        (20, "20-50万"),
        (5, "5-20万"),
        (0, "5万以下"),
    ];
    BANDS.iter().find(|(floor, _)| assets >= Fen::wan(*floor)).map_or("5万以下", |(_, band)| band)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_ids_keep_only_their_ends() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn balances_show_as_bands() {
        assert_eq!(asset_band(Fen::wan(30)), "20-50万");
        assert_eq!(asset_band(Fen::wan(600)), "600万以上");
        assert_eq!(asset_band(Fen::yuan(49_999)), "5万以下");
        assert_eq!(asset_band(Fen(-5)), "5万以下");
    }
}
