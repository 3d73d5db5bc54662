//! Calendar rules: quarters (季度) and how a due date looks from today.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar quarter; quarterly notifications (定期告知) are owed once per client per quarter.
/// One that arrives over the socket is checked like a typed one, so no request can name a
/// quarter 0 or a year the date arithmetic cannot reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "QuarterFields")]
pub struct Quarter {
    pub year: i32,
    /// 1..=4
    pub q: u8,
}

#[derive(Deserialize)]
struct QuarterFields {
    year: i32,
    q: u8,
}

impl TryFrom<QuarterFields> for Quarter {
    type Error = String;

    fn try_from(f: QuarterFields) -> Result<Quarter, String> {
        Quarter::new(f.year, f.q).ok_or_else(|| format!("没有 {}Q{} 这个季度", f.year, f.q))
    }
}

impl Quarter {
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter { year: date.year(), q: (date.month0() / 3 + 1) as u8 }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter { year: self.year + 1, q: 1 }
        } else {
            Quarter { year: self.year, q: self.q + 1 }
        }
    }

    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter { year: self.year - 1, q: 4 }
        } else {
            Quarter { year: self.year, q: self.q - 1 }
        }
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Quarter::of(date) == self
    }

    /// Days left including today; 1 on the quarter's last day.
    pub fn days_left(self, today: NaiveDate) -> i64 {
        days_left(self.last_day(), today)
    }

    /// Quarters 1 to 4 of the years 1900 to 9999.
    pub fn new(year: i32, q: u8) -> Option<Quarter> {
        ((1..=4).contains(&q) && (1900..=9999).contains(&year)).then_some(Quarter { year, q })
    }

    /// Parses "2026Q3" or "2026q3".
    pub fn parse(s: &str) -> Option<Quarter> {
        let (y, q) = s.trim().split_once(['Q', 'q'])?;
        Quarter::new(y.parse().ok()?, q.parse().ok()?)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

/// Where a due date falls as seen from `today`. "This week" is the calendar week, Monday to
/// Sunday, as branch work plans are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DueBucket {
    Overdue { days: i64 },
    Today,
    ThisWeek,
    Later,
}

impl DueBucket {
    pub fn of(due: NaiveDate, today: NaiveDate) -> DueBucket {
        if due < today {
            DueBucket::Overdue { days: (today - due).num_days() }
        } else if due == today {
            DueBucket::Today
        } else if due <= end_of_week(today) {
            DueBucket::ThisWeek
        } else {
            DueBucket::Later
        }
    }
}

/// Days left until a deadline, counting today and the deadline itself: 1 on the last day, 0 or
/// less once it has passed.
pub fn days_left(last: NaiveDate, today: NaiveDate) -> i64 {
    (last - today).num_days() + 1
}

/// The Sunday ending `today`'s week.
pub fn end_of_week(today: NaiveDate) -> NaiveDate {
    today + Duration::days(6 - i64::from(today.weekday().num_days_from_monday()))
}

const WEEKDAYS_ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
const WEEKDAYS_EN: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn weekday_index(s: &str) -> Option<u32> {
    let zh = s.strip_prefix("星期").or_else(|| s.strip_prefix("周")).or_else(|| s.strip_prefix("礼拜"));
    if let Some(rest) = zh {
        let rest = if rest == "天" { "日" } else { rest };
        return WEEKDAYS_ZH.iter().position(|d| *d == rest).map(|i| i as u32);
    }
    WEEKDAYS_EN.iter().position(|d| s.starts_with(d) && s.len() <= 9).map(|i| i as u32)
}

fn add_months(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    d.checked_add_months(chrono::Months::new(months))
}

fn last_of_month(d: NaiveDate) -> Option<NaiveDate> {
    add_months(d.with_day(1)?, 1)?.pred_opt()
}

/// A whole date as staff and core-banking exports write it: 2026-12-05, 2026/12/5, 20261205,
/// 2026年12月5日, 2026.12.5.
pub fn parse_full_date(s: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// A day of `year` written without the year: 12-05, 12/5, 12月5日, 12.5.
fn parse_day_of(s: &str, year: i32) -> Option<NaiveDate> {
    // chrono needs a year to parse a date; give it the one meant.
    ["%m-%d", "%m/%d", "%m月%d日", "%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(&format!("{year}-{s}"), &format!("%Y-{f}")).ok())
}

/// Reads a date typed into a form field, relative to `today`. Accepts what staff write on
/// paper: full dates (2026-12-05, 2026/12/5, 20261205, 2026年12月5日), a day this year
/// (12-05, 12月5日; next year if already past), offsets (+7, +2w/+2周, +1m/+1月), words
/// (明天, 后天, 周三 = the next Wednesday, 下周一 = Monday of next week, 下月 = same day next
/// month, 月底, 季末) and their English forms (tomorrow, wed, next mon). docs/KEYS.md lists them.
pub fn parse_date_input(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let raw = input.trim();
    let s = raw.to_lowercase().replace(' ', "");
    let bad = || format!("看不懂“{raw}”，可写 2026-12-05、12-05、+7、+2周、下周一、月底 等");
    if let Some(d) = parse_full_date(&s) {
        return Ok(d);
    }
    if let Some(d) = parse_day_of(&s, today.year()) {
        return Ok(if d < today { d.with_year(today.year() + 1).ok_or_else(bad)? } else { d });
    }
    if let Some(offset) = s.strip_prefix('+') {
        let split = offset.find(|c: char| !c.is_ascii_digit()).unwrap_or(offset.len());
        let n: u32 = offset[..split].parse().map_err(|_| bad())?;
        let d = match &offset[split..] {
            "" | "d" | "天" => today.checked_add_days(chrono::Days::new(u64::from(n))),
            "w" | "周" | "星期" => today.checked_add_days(chrono::Days::new(7 * u64::from(n))),
            "m" | "月" | "个月" => add_months(today, n),
            _ => None,
        };
        return d.ok_or_else(bad);
    }
    let d = match s.as_str() {
        "今天" | "today" => Some(today),
        "昨天" | "yesterday" => today.pred_opt(),
        "明天" | "tomorrow" => today.succ_opt(),
        "后天" => today.succ_opt().and_then(|d| d.succ_opt()),
        "下月" | "下个月" | "nextmonth" => add_months(today, 1),
        "月底" | "月末" | "endofmonth" => {
            let end = last_of_month(today);
            if end == Some(today) {
                add_months(today.with_day(1).unwrap_or(today), 1).and_then(last_of_month)
            } else {
                end
            }
        }
        "季末" | "季度末" | "endofquarter" => Some(Quarter::of(today).last_day()),
        _ => None,
    };
    if let Some(d) = d {
        return Ok(d);
    }
    let (next_week, day) = match s.strip_prefix("下").or_else(|| s.strip_prefix("next")) {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let wd = weekday_index(day).ok_or_else(bad)?;
    let today_wd = today.weekday().num_days_from_monday();
    let ahead = if next_week { 7 - today_wd + wd } else { (wd + 7 - today_wd - 1) % 7 + 1 };
    today.checked_add_days(chrono::Days::new(u64::from(ahead))).ok_or_else(bad)
}

/// Reads when a contact took place: empty for now, "14:30" for today, "昨天 14:30",
/// "前天 9:00", "11-17 14:30" (this year) or "2026-11-17 14:30".
pub fn parse_contact_time(input: &str, now: NaiveDateTime) -> Result<NaiveDateTime, String> {
    let raw = input.trim();
    if raw.is_empty() || raw == "现在" || raw.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    let bad = || format!("看不懂“{raw}”，可写 14:30、昨天 14:30 或 2026-11-17 14:30");
    let (day, time) = match raw.rsplit_once(char::is_whitespace) {
        Some((d, t)) => (d.trim(), t.trim()),
        None if raw.contains(':') || raw.contains('：') => ("", raw),
        None => (raw, ""),
    };
    let today = now.date();
    let date = match day {
        "" | "今天" | "today" => today,
        "昨天" | "yesterday" => today.pred_opt().ok_or_else(bad)?,
        "前天" => today.pred_opt().and_then(|d| d.pred_opt()).ok_or_else(bad)?,
        other => parse_full_date(other).or_else(|| parse_day_of(other, today.year())).ok_or_else(bad)?,
    };
    let time = if time.is_empty() {
        NaiveTime::from_hms_opt(12, 0, 0).ok_or_else(bad)?
    } else {
        NaiveTime::parse_from_str(&time.replace('：', ":"), "%H:%M").map_err(|_| bad())?
    };
    Ok(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_quarter_from_outside_is_checked_like_a_typed_one() {
        let config = bincode::config::standard();
        let decode = |year: i32, q: u8| {
            let bytes = bincode::serde::encode_to_vec((year, q), config).unwrap();
            bincode::serde::decode_from_slice::<Quarter, _>(&bytes, config).map(|(q, _)| q)
        };
        assert_eq!(decode(2026, 3).unwrap(), Quarter { year: 2026, q: 3 });
        for (year, q) in [(2026, 0), (2026, 5), (i32::MAX, 4), (-5, 1)] {
            assert!(decode(year, q).is_err(), "{year}Q{q} was accepted");
        }
        assert_eq!(Quarter::parse("2026Q0"), None);
    }

    #[test]
    fn quarter_boundaries() {
        assert_eq!(Quarter::of(d(2026, 3, 31)), Quarter { year: 2026, q: 1 });
        assert_eq!(Quarter::of(d(2026, 4, 1)), Quarter { year: 2026, q: 2 });
        assert_eq!(Quarter::of(d(2026, 12, 31)).to_string(), "2026Q4");
        let q4 = Quarter { year: 2026, q: 4 };
        assert_eq!(q4.first_day(), d(2026, 10, 1));
        assert_eq!(q4.last_day(), d(2026, 12, 31));
        assert_eq!(q4.next(), Quarter { year: 2027, q: 1 });
        assert_eq!(Quarter { year: 2027, q: 1 }.prev(), q4);
        assert_eq!(Quarter { year: 2024, q: 1 }.last_day(), d(2024, 3, 31));
        assert!(q4.contains(d(2026, 11, 22)));
        assert!(!q4.contains(d(2027, 1, 1)));
    }

    #[test]
    fn days_left_in_quarter_counts_today() {
        let q4 = Quarter { year: 2026, q: 4 };
        assert_eq!(q4.days_left(d(2026, 12, 31)), 1);
        assert_eq!(q4.days_left(d(2026, 11, 22)), 40);
    }

    #[test]
    fn parses_quarter_names() {
        assert_eq!(Quarter::parse("2026Q3"), Some(Quarter { year: 2026, q: 3 }));
        assert_eq!(Quarter::parse("2026q1"), Some(Quarter { year: 2026, q: 1 }));
        assert_eq!(Quarter::parse("2026Q5"), None);
        assert_eq!(Quarter::parse("Q3"), None);
    }

    #[test]
    fn typed_dates_read_the_way_staff_write_them() {
        let wed = d(2026, 11, 18);
        let p = |s: &str| parse_date_input(s, wed);
        assert_eq!(p("2026-12-05"), Ok(d(2026, 12, 5)));
        assert_eq!(p("2026/12/5"), Ok(d(2026, 12, 5)));
        assert_eq!(p("2026年12月5日"), Ok(d(2026, 12, 5)));
        assert_eq!(p("12-05"), Ok(d(2026, 12, 5)));
        assert_eq!(p("1月3日"), Ok(d(2027, 1, 3)), "a day already past this year is next year's");
        assert_eq!(p("+7"), Ok(d(2026, 11, 25)));
        assert_eq!(p("+2周"), Ok(d(2026, 12, 2)));
        assert_eq!(p("+1m"), Ok(d(2026, 12, 18)));
        assert_eq!(p("明天"), Ok(d(2026, 11, 19)));
        assert_eq!(p("后天"), Ok(d(2026, 11, 20)));
        assert_eq!(p("周五"), Ok(d(2026, 11, 20)));
        assert_eq!(p("周三"), Ok(d(2026, 11, 25)), "the next Wednesday, not today");
        assert_eq!(p("下周一"), Ok(d(2026, 11, 23)));
        assert_eq!(p("下周三"), Ok(d(2026, 11, 25)));
        assert_eq!(p("星期日"), Ok(d(2026, 11, 22)));
        assert_eq!(p("next mon"), Ok(d(2026, 11, 23)));
        assert_eq!(p("fri"), Ok(d(2026, 11, 20)));
        assert_eq!(p("下月"), Ok(d(2026, 12, 18)));
        assert_eq!(p("月底"), Ok(d(2026, 11, 30)));
        assert_eq!(p("季末"), Ok(d(2026, 12, 31)));
        assert_eq!(parse_date_input("月底", d(2026, 11, 30)), Ok(d(2026, 12, 31)));
        assert_eq!(parse_date_input("+1月", d(2026, 1, 31)), Ok(d(2026, 2, 28)));
        let err = p("过几天").unwrap_err();
        assert!(err.contains("过几天") && err.contains("下周一"), "{err}");
        assert!(p("+x").is_err());
    }

    #[test]
    fn contact_times_default_to_now_and_read_short_forms() {
        let now = d(2026, 11, 18).and_hms_opt(16, 5, 0).unwrap();
        let at = |y, m, day, h, min| d(y, m, day).and_hms_opt(h, min, 0).unwrap();
        assert_eq!(parse_contact_time("", now), Ok(now));
        assert_eq!(parse_contact_time("9:30", now), Ok(at(2026, 11, 18, 9, 30)));
        assert_eq!(parse_contact_time("昨天 14：30", now), Ok(at(2026, 11, 17, 14, 30)));
        assert_eq!(parse_contact_time("11-10 10:00", now), Ok(at(2026, 11, 10, 10, 0)));
        assert_eq!(parse_contact_time("2026-11-01 08:15", now), Ok(at(2026, 11, 1, 8, 15)));
        assert!(parse_contact_time("下午", now).is_err());
    }

    #[test]
    fn due_buckets_follow_the_calendar_week() {
        // 2026-11-22 is a Sunday; 2026-11-18 a Wednesday.
        let wed = d(2026, 11, 18);
        assert_eq!(DueBucket::of(d(2026, 11, 15), wed), DueBucket::Overdue { days: 3 });
        assert_eq!(DueBucket::of(wed, wed), DueBucket::Today);
        assert_eq!(DueBucket::of(d(2026, 11, 22), wed), DueBucket::ThisWeek);
        assert_eq!(DueBucket::of(d(2026, 11, 23), wed), DueBucket::Later);
        let sun = d(2026, 11, 22);
        assert_eq!(end_of_week(sun), sun);
        assert_eq!(DueBucket::of(d(2026, 11, 23), sun), DueBucket::Later);
        assert!(DueBucket::Overdue { days: 1 } < DueBucket::Today);
    }
}
