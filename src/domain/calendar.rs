//! Calendar rules: quarters (季度) and how a due date looks from today.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar quarter; quarterly notifications (定期告知) are owed once per client per quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Quarter {
    pub year: i32,
    /// 1..=4
    pub q: u8,
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
        (self.last_day() - today).num_days() + 1
    }

    /// Parses "2026Q3" or "2026q3".
    pub fn parse(s: &str) -> Option<Quarter> {
        let s = s.trim();
        let (y, q) = s.split_once(['Q', 'q'])?;
        let year: i32 = y.parse().ok()?;
        let q: u8 = q.parse().ok()?;
        ((1..=4).contains(&q) && (1900..=9999).contains(&year)).then_some(Quarter { year, q })
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

    pub fn is_actionable(self) -> bool {
        !matches!(self, DueBucket::Later)
    }
}

/// The Sunday ending `today`'s week.
pub fn end_of_week(today: NaiveDate) -> NaiveDate {
    today + Duration::days(6 - i64::from(today.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
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
