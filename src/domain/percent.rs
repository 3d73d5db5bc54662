//! Percentages as the branch reports them (DOMAIN.md, "Rounding"): one rounding rule and one
//! way of writing a share, used by screens, CLI reports and CSV/XLSX alike. Targets are checked
//! on the exact fraction, never on the rounded figure, so 79.95% is below an 80% target even
//! though it is shown as 80.0%.

/// `num / den` in tenths of a percent (853 = 85.3%), rounded half up — half away from zero for a
/// negative share such as a fall in growth (四舍五入): 2/3 is 667, 1/8 is 125, -1/8 is -125.
/// `None` when `den` is 0 (nothing to count). `den` below 0 is treated as its magnitude.
pub fn permille_half_up(num: i64, den: i64) -> Option<i64> {
    if den == 0 {
        return None;
    }
    let (num, den) = (i128::from(num) * i128::from(den.signum()), i128::from(den).abs());
    let scaled = num.abs() * 1000;
    // A remainder of at least half the divisor rounds up, exactly half included.
    let magnitude = scaled / den + i128::from(2 * (scaled % den) >= den);
    let signed = if num < 0 { -magnitude } else { magnitude };
    i64::try_from(signed).ok()
}

/// Whether `num / den` reaches `target` tenths of a percent, compared exactly (no rounding):
/// 7995/10000 does not reach 800. Nothing to count (`den` 0) reaches no target.
pub fn reaches(num: i64, den: i64, target_permille: i64) -> bool {
    den > 0 && i128::from(num) * 1000 >= i128::from(target_permille) * i128::from(den)
}

/// A share in tenths of a percent as the branch writes it: always one decimal, "66.7%",
/// "100.0%", "-12.5%". The one formatting of percentages for screens, reports and CSV.
pub fn show_permille(p: i64) -> String {
    let sign = if p < 0 { "-" } else { "" };
    format!("{sign}{}.{}%", p.unsigned_abs() / 10, p.unsigned_abs() % 10)
}

/// `num / den` rounded and written as `show_permille` does; "-" when there is nothing to count.
pub fn show_share(num: i64, den: i64) -> String {
    permille_half_up(num, den).map_or_else(|| "-".to_string(), show_permille)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_half_up_to_a_tenth_of_a_percent() {
        assert_eq!(permille_half_up(2, 3), Some(667));
        assert_eq!(permille_half_up(1, 3), Some(333));
        assert_eq!(permille_half_up(1, 8), Some(125));
        assert_eq!(permille_half_up(1, 16), Some(63), "0.0625 → 6.3%");
        assert_eq!(permille_half_up(7995, 10000), Some(800), "79.95% is shown as 80.0%");
        assert_eq!(permille_half_up(-1, 16), Some(-63), "half away from zero below 0");
        assert_eq!(permille_half_up(3, 0), None);
        assert_eq!(permille_half_up(5, 5), Some(1000));
        assert_eq!(permille_half_up(1, -3), Some(-333));
    }

    #[test]
    fn targets_compare_the_exact_share() {
        assert!(!reaches(7995, 10000, 800), "79.95% fails an 80% target");
        assert!(reaches(8, 10, 800));
        assert!(reaches(1, 100, 10), "exactly 1% meets 1%");
        assert!(!reaches(99, 10000, 10), "0.99% does not");
        assert!(!reaches(0, 0, 0), "nothing counted meets nothing");
        assert!(!reaches(-1, 10, 0));
    }

    #[test]
    fn percentages_are_written_with_one_decimal() {
        assert_eq!(show_permille(667), "66.7%");
        assert_eq!(show_permille(1000), "100.0%");
        assert_eq!(show_permille(0), "0.0%");
        assert_eq!(show_permille(-125), "-12.5%");
        assert_eq!(show_permille(-5), "-0.5%");
        assert_eq!(show_share(2, 3), "66.7%");
        assert_eq!(show_share(0, 0), "-");
    }
}
