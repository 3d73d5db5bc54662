//! Calendar rules: quarters (季度) and how a due date looks from today.

use super::Problem;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
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
const WEEKDAYS_EN: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// 0 for Monday. Chinese 周一/星期一/礼拜一 (天 for 日), or an English name cut to 3 letters or more.
fn weekday_index(s: &str) -> Option<u32> {
    let zh = s.strip_prefix("星期").or_else(|| s.strip_prefix("周")).or_else(|| s.strip_prefix("礼拜"));
    if let Some(rest) = zh {
        let rest = if rest == "天" { "日" } else { rest };
        return WEEKDAYS_ZH.iter().position(|d| *d == rest).map(|i| i as u32);
    }
    (s.len() >= 3).then(|| WEEKDAYS_EN.iter().position(|d| d.starts_with(s)).map(|i| i as u32)).flatten()
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

/// Which way a date written without its year, month or week is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSense {
    /// A date to come (下次回访, a launch's deadline): the next such date after today.
    Ahead,
    /// A date gone by (联系时间): the most recent such date, today included.
    Back,
}

/// One way of writing a date, as docs/KEYS.md lists it (`date_forms_markdown` renders the
/// table from these rows, and a test keeps KEYS.md equal to it).
pub struct DateForm {
    /// How it is written; every one of these is read by this row.
    pub written: &'static [&'static str],
    /// What it means for a date to come (下次回访).
    pub ahead: &'static str,
    /// What it means for a date gone by (联系时间).
    pub back: &'static str,
    /// Inputs whose readings on `DOC_DAY` the documentation shows.
    pub examples: &'static [&'static str],
    read: fn(&str, NaiveDate, DateSense) -> Option<NaiveDate>,
}

/// The date forms, tried in this order on the input with spaces removed, letters lower-cased,
/// full-width characters made half-width and 号 read as 日.
pub const DATE_FORMS: &[DateForm] = &[
    DateForm {
        written: &["2026-12-05", "2026/12/5", "20261205", "2026年12月5日", "2026.12.5"],
        ahead: "该日期",
        back: "该日期",
        examples: &["2026年12月5日"],
        read: |s, _, _| parse_full_date(s),
    },
    DateForm {
        written: &["12-05", "12/5", "12.5", "12月5日", "12月5号", "02-29"],
        ahead: "今天之后最近的该日期（今年的已过或就是今天，为明年的）；`02-29` 为下一个 2 月 29 日",
        back: "今天或之前最近的该日期（01-02 写 `12-31` 为去年的）；`02-29` 为上一个 2 月 29 日",
        examples: &["12-05", "11-18", "02-29"],
        read: month_day,
    },
    DateForm {
        written: &["5号", "5日", "31号"],
        ahead: "今天之后最近的 5 号（没有 31 号的月份跳过）",
        back: "今天或之前最近的 5 号",
        examples: &["5号", "18号"],
        read: day_of_month,
    },
    DateForm {
        written: &["+7", "+7天", "7天后", "+2w", "+2周", "2周后", "+1m", "+1月", "1个月后", "3天前", "2周前"],
        ahead: "7 天、2 周、1 个月之后（写“前”为之前）；1 个月后没有同一天时取该月最后一天",
        back: "同左",
        examples: &["3天后", "+1m", "3天前"],
        read: offset,
    },
    DateForm {
        written: &["今天", "明天", "后天", "大后天", "昨天", "前天", "tomorrow", "yesterday"],
        ahead: "该日",
        back: "该日",
        examples: &["后天", "昨天"],
        read: word,
    },
    DateForm {
        written: &["下月", "下个月", "上个月"],
        ahead: "下个月（上个月）的同一天；没有同一天时取该月最后一天",
        back: "同左",
        examples: &["下月"],
        read: month_word,
    },
    DateForm {
        written: &["周五", "星期五", "礼拜五", "fri"],
        ahead: "今天之后最近的周五，不含今天（周三写 `周三` 是下周三）",
        back: "今天之前最近的周五，不含今天",
        examples: &["周五", "周三"],
        read: weekday,
    },
    DateForm {
        written: &["下周三", "下下周一", "上周五", "本周五", "这周五", "next mon", "last fri"],
        ahead: "下周、下下周、上周、本周的那一天（一周从周一开始）",
        back: "同左",
        examples: &["下周三", "下下周一", "上周五"],
        read: week_day,
    },
    DateForm {
        written: &["月底", "月末", "季末", "季度末", "年底", "年末"],
        ahead: "本月、本季度、本年的最后一天；今天就是最后一天时，为下个月、下季度、明年的最后一天",
        back: "今天就是最后一天时为今天，否则为上个月、上季度、去年的最后一天",
        examples: &["月底", "季末", "年底"],
        read: period_end,
    },
];

/// The day the documentation's examples are read on: a Wednesday.
pub const DOC_DAY: (i32, u32, u32) = (2026, 11, 18);

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// 12-05, 12/5, 12.5, 12月5日 (号 already read as 日): the nearest such date in `sense`'s
/// direction. 29 February needs a leap year, so up to 8 years are looked at.
fn month_day(s: &str, today: NaiveDate, sense: DateSense) -> Option<NaiveDate> {
    let (m, d) = match s.split_once('月') {
        Some((m, d)) => (m, d.strip_suffix('日')?),
        None => s.split_once(['-', '/', '.'])?,
    };
    let (m, d) = (digits(m)?, digits(d)?);
    NaiveDate::from_ymd_opt(2000, m, d)?;
    let on = |y: i32| NaiveDate::from_ymd_opt(y, m, d);
    let y = today.year();
    match sense {
        DateSense::Ahead => (y..=y + 8).filter_map(on).find(|x| *x > today),
        DateSense::Back => (y - 8..=y).rev().filter_map(on).find(|x| *x <= today),
    }
}

/// 5日 (5号): the nearest 5th in `sense`'s direction, skipping months too short for the day.
fn day_of_month(s: &str, today: NaiveDate, sense: DateSense) -> Option<NaiveDate> {
    let n = digits(s.strip_suffix('日')?)?;
    if !(1..=31).contains(&n) {
        return None;
    }
    let first = today.with_day(1)?;
    let month = |k: u32| match sense {
        DateSense::Ahead => first.checked_add_months(chrono::Months::new(k)),
        DateSense::Back => first.checked_sub_months(chrono::Months::new(k)),
    };
    (0..=12).filter_map(|k| month(k)?.with_day(n)).find(|x| match sense {
        DateSense::Ahead => *x > today,
        DateSense::Back => *x <= today,
    })
}

/// +7, +2w, +1月, 7天后, 2周前: a count of days, weeks or months from today.
fn offset(s: &str, today: NaiveDate, _: DateSense) -> Option<NaiveDate> {
    let (body, forward, bare_days) = if let Some(b) = s.strip_prefix('+') {
        (b.strip_suffix('后').unwrap_or(b), true, true)
    } else if let Some(b) = s.strip_suffix('后') {
        (b, true, false)
    } else if let Some(b) = s.strip_suffix('前') {
        (b, false, false)
    } else {
        return None;
    };
    let split = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
    let n: u32 = body[..split].parse().ok()?;
    let days = |k: u32| {
        let k = chrono::Days::new(u64::from(k));
        if forward { today.checked_add_days(k) } else { today.checked_sub_days(k) }
    };
    let months = |k: u32| {
        let k = chrono::Months::new(k);
        if forward { today.checked_add_months(k) } else { today.checked_sub_months(k) }
    };
    match &body[split..] {
        "" if bare_days => days(n),
        "d" | "天" | "日" => days(n),
        "w" | "周" | "星期" | "个星期" | "礼拜" | "个礼拜" => days(n.checked_mul(7)?),
        "m" | "月" | "个月" => months(n),
        "y" | "年" => months(n.checked_mul(12)?),
        _ => None,
    }
}

fn word(s: &str, today: NaiveDate, _: DateSense) -> Option<NaiveDate> {
    let days = match s {
        "今天" | "今日" | "today" => 0,
        "明天" | "明日" | "tomorrow" => 1,
        "后天" => 2,
        "大后天" => 3,
        "昨天" | "昨日" | "yesterday" => -1,
        "前天" => -2,
        "大前天" => -3,
        _ => return None,
    };
    today.checked_add_signed(Duration::days(days))
}

fn month_word(s: &str, today: NaiveDate, _: DateSense) -> Option<NaiveDate> {
    match s {
        "下月" | "下个月" | "nextmonth" => add_months(today, 1),
        "上月" | "上个月" | "lastmonth" => today.checked_sub_months(chrono::Months::new(1)),
        _ => None,
    }
}

/// 周五: the nearest Friday in `sense`'s direction, never today (周三 said on a Wednesday means
/// another Wednesday).
fn weekday(s: &str, today: NaiveDate, sense: DateSense) -> Option<NaiveDate> {
    let wd = i64::from(weekday_index(s)?);
    let now = i64::from(today.weekday().num_days_from_monday());
    let delta = match sense {
        DateSense::Ahead => (wd - now - 1).rem_euclid(7) + 1,
        DateSense::Back => -((now - wd - 1).rem_euclid(7) + 1),
    };
    today.checked_add_signed(Duration::days(delta))
}

/// 下周三, 下下周一, 上周五, 本周五: a day of a named calendar week (Monday to Sunday).
fn week_day(s: &str, today: NaiveDate, _: DateSense) -> Option<NaiveDate> {
    const WEEKS: [(&str, i64); 9] = [
        ("下下", 2),
        ("上上", -2),
        ("下", 1),
        ("上", -1),
        ("本", 0),
        ("这", 0),
        ("next", 1),
        ("last", -1),
        ("this", 0),
    ];
    let (weeks, day) = WEEKS.iter().find_map(|(p, w)| s.strip_prefix(p).map(|rest| (*w, rest)))?;
    let wd = i64::from(weekday_index(day)?);
    let now = i64::from(today.weekday().num_days_from_monday());
    today.checked_add_signed(Duration::days(7 * weeks - now + wd))
}

/// 月底, 季末, 年底. Said on the period's last day, a date to come is the next period's end (the
/// end that is today has no time left) and a date gone by is today.
fn period_end(s: &str, today: NaiveDate, sense: DateSense) -> Option<NaiveDate> {
    type Day = fn(NaiveDate) -> Option<NaiveDate>;
    let (end, start): (Day, Day) = match s {
        "月底" | "月末" | "endofmonth" => (last_of_month, |d| d.with_day(1)),
        "季末" | "季度末" | "季底" | "endofquarter" => {
            (|d| Some(Quarter::of(d).last_day()), |d| Some(Quarter::of(d).first_day()))
        }
        "年底" | "年末" | "endofyear" => {
            (|d| NaiveDate::from_ymd_opt(d.year(), 12, 31), |d| d.with_ordinal(1))
        }
        _ => return None,
    };
    let this = end(today)?;
    match sense {
        DateSense::Ahead if this > today => Some(this),
        DateSense::Ahead => end(today.succ_opt()?),
        DateSense::Back if this == today => Some(today),
        DateSense::Back => start(today)?.pred_opt(),
    }
}

/// Lower-cased, spaces removed, full-width letters and digits made half-width (an IME in
/// full-width mode types ＋７ and １２：３０), and 号 read as 日 (12月5号 = 12月5日).
fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '号' => '日',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn read_date(s: &str, today: NaiveDate, sense: DateSense) -> Option<NaiveDate> {
    DATE_FORMS.iter().find_map(|f| (f.read)(s, today, sense))
}

/// Reads a date typed into a form field, relative to `today`, in one of the `DATE_FORMS`
/// (docs/KEYS.md lists them). `sense` says which way a date written without its year, month or
/// week points. The error (`Problem::NotADate`) quotes the input and shows forms that would work.
pub fn parse_date(input: &str, today: NaiveDate, sense: DateSense) -> Result<NaiveDate, Problem> {
    let raw = input.trim();
    read_date(&normalize(raw), today, sense).ok_or_else(|| Problem::NotADate { raw: raw.to_string() })
}

/// A date to come (下次回访, a launch's deadline): `parse_date` with `DateSense::Ahead`.
pub fn parse_date_input(input: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
    parse_date(input, today, DateSense::Ahead)
}

/// One way of writing a time of day, as docs/KEYS.md lists it.
pub struct TimeForm {
    pub written: &'static [&'static str],
    pub meaning: &'static str,
    read: fn(&str) -> Option<NaiveTime>,
}

/// The time forms of a contact time, tried in this order (after `normalize`).
pub const TIME_FORMS: &[TimeForm] = &[
    TimeForm { written: &["14:30", "14：30", "9:05"], meaning: "该时刻", read: colon_time },
    TimeForm {
        written: &["1430", "0905"],
        meaning: "四位数字：前两位为时，后两位为分",
        read: four_digit_time,
    },
    TimeForm {
        written: &["14点", "14点30", "9点半", "9点05分"],
        meaning: "该时刻（半为 30 分）",
        read: dian_time,
    },
    TimeForm {
        written: &["下午3点", "上午9:30", "晚上8点半", "中午12点"],
        meaning: "下午、晚上的 1 点到 11 点加 12 小时",
        read: half_day_time,
    },
];

fn hm(h: &str, m: &str) -> Option<NaiveTime> {
    if m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(digits(h)?, digits(m)?, 0)
}

fn colon_time(s: &str) -> Option<NaiveTime> {
    let (h, m) = s.split_once(':')?;
    hm(h, m)
}

fn four_digit_time(s: &str) -> Option<NaiveTime> {
    (s.len() == 4 && s.is_char_boundary(2)).then(|| hm(&s[..2], &s[2..])).flatten()
}

fn dian_time(s: &str) -> Option<NaiveTime> {
    let (h, m) = s.split_once('点')?;
    let m = match m.strip_suffix('分').unwrap_or(m) {
        "" | "整" => 0,
        "半" => 30,
        m => digits(m)?,
    };
    NaiveTime::from_hms_opt(digits(h)?, m, 0)
}

fn half_day_time(s: &str) -> Option<NaiveTime> {
    const HALVES: [(&str, bool); 7] = [
        ("上午", false),
        ("早上", false),
        ("凌晨", false),
        ("中午", true),
        ("下午", true),
        ("傍晚", true),
        ("晚上", true),
    ];
    let (pm, rest) = HALVES.iter().find_map(|(p, pm)| s.strip_prefix(p).map(|r| (*pm, r)))?;
    let t = colon_time(rest).or_else(|| four_digit_time(rest)).or_else(|| dian_time(rest))?;
    if pm && (1..12).contains(&t.hour()) { t.with_hour(t.hour() + 12) } else { Some(t) }
}

fn read_time(s: &str) -> Option<NaiveTime> {
    TIME_FORMS.iter().find_map(|f| (f.read)(s))
}

/// Reads when a contact took place, relative to `now`: empty (or 现在) for now, a time for
/// today (`14:30`, `1430`, `下午3点`), a date read back from today (`DateSense::Back`: `昨天`,
/// `12-31` = the most recent 31 December, `5号`), or a date then a time with or without a
/// space (`昨天14:30`, `12-31 15:00`). A date alone is noon, or now if it is today. Whether
/// the result is too far back or in the future is the contact's rule (`ContactDraft::problems`).
pub fn parse_contact_time(input: &str, now: NaiveDateTime) -> Result<NaiveDateTime, Problem> {
    let raw = input.trim();
    if raw.is_empty() || raw == "现在" || raw.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    let bad = || Problem::NotAContactTime { raw: raw.to_string() };
    let today = now.date();
    let day = |s: &str| if s.is_empty() { Some(today) } else { read_date(s, today, DateSense::Back) };
    let whole = normalize(raw);
    if let Some(d) = read_date(&whole, today, DateSense::Back) {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).ok_or_else(bad)?;
        return Ok(if d == today { now } else { d.and_time(noon) });
    }
    // A space says where the date ends ("12-31 5:00" is not "12-3 15:00"); without one, the
    // first split where both halves read wins.
    if let Some((d, t)) = raw.rsplit_once(char::is_whitespace)
        && let (Some(d), Some(t)) = (day(&normalize(d)), read_time(&normalize(t)))
    {
        return Ok(d.and_time(t));
    }
    whole
        .char_indices()
        .find_map(|(i, _)| Some(day(&whole[..i])?.and_time(read_time(&whole[i..])?)))
        .ok_or_else(bad)
}

/// The date forms as the Markdown table docs/KEYS.md carries, with each example read by the
/// parser itself on `DOC_DAY`.
pub fn date_forms_markdown() -> String {
    let (y, m, d) = DOC_DAY;
    let today = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let show = |d: Option<NaiveDate>| match d {
        Some(d) if d.year() == today.year() => d.format("%m-%d").to_string(),
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => "—".into(),
    };
    let mut out = format!(
        "| 写法 | 下次回访（往后找） | 联系时间（往前找） | 例：今天是 {today}（周三），下次回访 / 联系时间 |\n|---|---|---|---|\n"
    );
    for f in DATE_FORMS {
        let written = f.written.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join("、");
        let examples = f
            .examples
            .iter()
            .map(|e| {
                let s = normalize(e);
                let ahead = read_date(&s, today, DateSense::Ahead);
                let back = match read_date(&s, today, DateSense::Back) {
                    Some(d) if d > today => "—（晚于今天）".into(),
                    d => show(d),
                };
                format!("`{e}` → {} / {back}", show(ahead))
            })
            .collect::<Vec<_>>()
            .join("；");
        out.push_str(&format!("| {written} | {} | {} | {examples} |\n", f.ahead, f.back));
    }
    out
}

/// The time forms of a contact time as the Markdown table docs/KEYS.md carries.
pub fn time_forms_markdown() -> String {
    let mut out = String::from("| 时刻的写法 | 意思 |\n|---|---|\n");
    for f in TIME_FORMS {
        let written = f.written.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join("、");
        out.push_str(&format!("| {written} | {} |\n", f.meaning));
    }
    out
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
        let err = err.to_string();
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
    fn short_dates_point_ahead_for_a_callback_and_back_for_a_contact_time() {
        let jan2 = d(2027, 1, 2);
        let ahead = |s: &str, t| parse_date(s, t, DateSense::Ahead);
        let back = |s: &str, t| parse_date(s, t, DateSense::Back);
        assert_eq!(back("12-31", jan2), Ok(d(2026, 12, 31)), "on 01-02, 12-31 is last year's");
        assert_eq!(ahead("12-31", jan2), Ok(d(2027, 12, 31)));
        assert_eq!(back("1月2日", jan2), Ok(jan2), "today is gone by");
        assert_eq!(ahead("1月2号", jan2), Ok(d(2028, 1, 2)), "a callback is after today");
        // 29 February in a year without one.
        assert_eq!(ahead("02-29", d(2026, 11, 18)), Ok(d(2028, 2, 29)));
        assert_eq!(back("02-29", d(2026, 11, 18)), Ok(d(2024, 2, 29)));
        assert_eq!(ahead("2-29", d(2028, 2, 29)), Ok(d(2032, 2, 29)));
        assert_eq!(back("2月29日", d(2028, 2, 29)), Ok(d(2028, 2, 29)));
        assert!(ahead("02-30", jan2).is_err());
        assert!(ahead("13-01", jan2).is_err());
        // 5号
        assert_eq!(ahead("5号", d(2026, 11, 18)), Ok(d(2026, 12, 5)));
        assert_eq!(back("5号", d(2026, 11, 18)), Ok(d(2026, 11, 5)));
        assert_eq!(ahead("5号", d(2026, 12, 5)), Ok(d(2027, 1, 5)));
        assert_eq!(back("31号", jan2), Ok(d(2026, 12, 31)));
        assert_eq!(ahead("31号", d(2027, 1, 31)), Ok(d(2027, 3, 31)), "February has no 31st");
        assert_eq!(ahead("30日", d(2028, 1, 30)), Ok(d(2028, 3, 30)));
        assert!(ahead("32号", jan2).is_err());
    }

    #[test]
    fn a_period_end_said_on_its_last_day_moves_on_for_a_callback() {
        let ahead = |s: &str, t| parse_date(s, t, DateSense::Ahead);
        let back = |s: &str, t| parse_date(s, t, DateSense::Back);
        let q_end = d(2026, 9, 30);
        assert_eq!(ahead("季末", q_end), Ok(d(2026, 12, 31)));
        assert_eq!(back("季末", q_end), Ok(q_end));
        assert_eq!(ahead("季末", d(2026, 9, 29)), Ok(q_end));
        assert_eq!(back("季末", d(2026, 11, 18)), Ok(q_end), "the last quarter's end");
        let y_end = d(2026, 12, 31);
        assert_eq!(ahead("年底", y_end), Ok(d(2027, 12, 31)));
        assert_eq!(ahead("季末", y_end), Ok(d(2027, 3, 31)));
        assert_eq!(ahead("月底", y_end), Ok(d(2027, 1, 31)));
        assert_eq!(back("年底", y_end), Ok(y_end));
        assert_eq!(back("年末", jan2()), Ok(y_end));
        assert_eq!(ahead("年底", d(2026, 11, 18)), Ok(y_end));
        assert_eq!(ahead("月底", d(2027, 1, 31)), Ok(d(2027, 2, 28)));
        assert_eq!(ahead("月底", d(2028, 1, 31)), Ok(d(2028, 2, 29)));
        assert_eq!(back("月底", d(2028, 3, 2)), Ok(d(2028, 2, 29)));
        assert_eq!(ahead("季末", d(2028, 3, 31)), Ok(d(2028, 6, 30)));
    }

    fn jan2() -> NaiveDate {
        d(2027, 1, 2)
    }

    #[test]
    fn weeks_offsets_and_words() {
        let wed = d(2026, 11, 18);
        let ahead = |s: &str| parse_date(s, wed, DateSense::Ahead);
        let back = |s: &str| parse_date(s, wed, DateSense::Back);
        assert_eq!(ahead("下下周一"), Ok(d(2026, 11, 30)));
        assert_eq!(ahead("下下星期三"), Ok(d(2026, 12, 2)));
        assert_eq!(ahead("下周三"), Ok(d(2026, 11, 25)));
        assert_eq!(back("上周五"), Ok(d(2026, 11, 13)));
        assert_eq!(ahead("本周五"), Ok(d(2026, 11, 20)));
        assert_eq!(back("周五"), Ok(d(2026, 11, 13)), "the Friday gone by");
        assert_eq!(back("周三"), Ok(d(2026, 11, 11)));
        assert_eq!(back("周二"), Ok(d(2026, 11, 17)));
        assert_eq!(ahead("last fri"), Ok(d(2026, 11, 13)));
        assert_eq!(ahead("wednesday"), Ok(d(2026, 11, 25)));
        assert!(ahead("month").is_err(), "not Monday");
        assert_eq!(ahead("3天后"), Ok(d(2026, 11, 21)));
        assert_eq!(ahead("2周后"), Ok(d(2026, 12, 2)));
        assert_eq!(ahead("1个月后"), Ok(d(2026, 12, 18)));
        assert_eq!(back("3天前"), Ok(d(2026, 11, 15)));
        assert_eq!(ahead("＋７"), Ok(d(2026, 11, 25)), "full-width");
        assert_eq!(ahead("明天"), Ok(d(2026, 11, 19)));
        assert_eq!(ahead("后天"), Ok(d(2026, 11, 20)));
        assert_eq!(ahead("12月5日"), Ok(d(2026, 12, 5)));
        assert_eq!(ahead("上个月"), Ok(d(2026, 10, 18)));
        assert!(ahead("3后").is_err());
    }

    #[test]
    fn contact_times_read_dates_back_and_times_without_a_space() {
        let now = d(2027, 1, 2).and_hms_opt(16, 5, 0).unwrap();
        let at = |y, m, day, h, min| d(y, m, day).and_hms_opt(h, min, 0).unwrap();
        let p = |s: &str| parse_contact_time(s, now);
        assert_eq!(p("12-31 15:00"), Ok(at(2026, 12, 31, 15, 0)), "last year's 12-31");
        assert_eq!(p("12-31 5:00"), Ok(at(2026, 12, 31, 5, 0)));
        assert_eq!(p("12-3115:00"), Ok(at(2026, 12, 31, 15, 0)));
        assert_eq!(p("昨天14:30"), Ok(at(2027, 1, 1, 14, 30)));
        assert_eq!(p("1430"), Ok(at(2027, 1, 2, 14, 30)));
        assert_eq!(p("昨天1430"), Ok(at(2027, 1, 1, 14, 30)));
        assert_eq!(p("12月31日14:30"), Ok(at(2026, 12, 31, 14, 30)));
        assert_eq!(p("下午3点"), Ok(at(2027, 1, 2, 15, 0)));
        assert_eq!(p("昨天 晚上8点半"), Ok(at(2027, 1, 1, 20, 30)));
        assert_eq!(p("9点05分"), Ok(at(2027, 1, 2, 9, 5)));
        assert_eq!(p("31号 10:00"), Ok(at(2026, 12, 31, 10, 0)));
        assert_eq!(p("年底"), Ok(at(2026, 12, 31, 12, 0)));
        assert_eq!(p("今天"), Ok(now), "today with no time is now, never a future noon");
        assert_eq!(p("周五"), Ok(at(2027, 1, 1, 12, 0)));
        assert_eq!(p("2026-12-30 08:15"), Ok(at(2026, 12, 30, 8, 15)));
        for bad in ["2460", "25:00", "下午", "14:3", "昨天 下午"] {
            let err = p(bad).unwrap_err();
            let err = err.to_string();
            assert!(err.contains(bad.trim()) && err.contains("1430"), "{bad}: {err}");
        }
    }

    #[test]
    fn every_documented_form_is_read_by_its_own_row() {
        let today = d(2026, 11, 18);
        for (i, f) in DATE_FORMS.iter().enumerate() {
            for w in f.written.iter().chain(f.examples) {
                let s = normalize(w);
                for sense in [DateSense::Ahead, DateSense::Back] {
                    let first = DATE_FORMS.iter().position(|g| (g.read)(&s, today, sense).is_some());
                    assert_eq!(first, Some(i), "{w} ({sense:?}) is read by row {first:?}, not row {i}");
                }
            }
        }
        for (i, f) in TIME_FORMS.iter().enumerate() {
            for w in f.written {
                let first = TIME_FORMS.iter().position(|g| (g.read)(&normalize(w)).is_some());
                assert_eq!(first, Some(i), "{w}");
            }
        }
    }

    #[test]
    fn keys_md_carries_the_parsers_own_tables() {
        let keys = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/KEYS.md")).unwrap();
        for table in [date_forms_markdown(), time_forms_markdown()] {
            assert!(keys.contains(&table), "docs/KEYS.md should carry this table as is:\n{table}");
        }
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
