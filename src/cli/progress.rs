//! Progress of long command-line work (an import's check and write passes), on standard error so
//! that standard output stays the command's result. On a terminal it is a bar (indicatif) with
//! the count, the rate and the time left; when standard error is a log or a pipe (the nightly
//! timer, a script) it is a plain line every few seconds, so a log shows the work was moving
//! and how far it got. Work that ends within the first interval prints nothing at all.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain progress line is written when standard error is not a terminal.
/// `MINGDAN_PROGRESS_EVERY_MS` overrides it (tests use a short interval).
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// One stage of long work, counted in `unit`s (行, 位客户). Drop or `finish` ends it.
pub struct Progress {
    label: &'static str,
    unit: &'static str,
    total: Option<u64>,
    done: u64,
    started: Instant,
    shown: Shown,
}

enum Shown {
    /// A bar on a terminal, redrawn at most every `BAR_EVERY` (`drawn` when last).
    Bar {
        bar: ProgressBar,
        drawn: Option<Instant>,
    },
    Plain {
        every: Duration,
        last: Instant,
    },
}

/// Redrawing the text costs more than counting; a few times a second is enough.
const BAR_EVERY: Duration = Duration::from_millis(150);

impl Progress {
    /// Starts a stage called `label` (导入：检查), of `total` units when known beforehand.
    pub fn new(label: &'static str, unit: &'static str, total: Option<u64>) -> Progress {
        let now = Instant::now();
        let shown = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            // No drawn bar: the share is in the text, and a million rows with hours left must
            // still fit 80 columns of a teller's terminal.
            let template = if total.is_some() { "{prefix} {msg}" } else { "{prefix} {spinner} {msg}" };
            // The templates are constants; a refusal would mean a changed crate, and the
            // default style still shows the count.
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.set_prefix(label);
            Shown::Bar { bar, drawn: None }
        } else {
            let every = std::env::var("MINGDAN_PROGRESS_EVERY_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map_or(PLAIN_EVERY, Duration::from_millis);
            Shown::Plain { every, last: now }
        };
        Progress { label, unit, total, done: 0, started: now, shown }
    }

    /// Work that counts nothing the command can see (one request that makes a whole report): on a
    /// terminal a spinner with the time so far, so a slow report does not look hung; nothing in a
    /// log, where the command's own last line says when it was done.
    pub fn waiting(label: &'static str) -> Progress {
        let now = Instant::now();
        let shown = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{prefix} {spinner} 已 {elapsed}") {
                bar.set_style(style);
            }
            bar.set_prefix(label);
            bar.enable_steady_tick(Duration::from_millis(200));
            Shown::Bar { bar, drawn: None }
        } else {
            Shown::Plain { every: Duration::MAX, last: now }
        };
        Progress { label, unit: "", total: None, done: 0, started: now, shown }
    }

    /// `done` units are finished so far.
    pub fn set(&mut self, done: u64) {
        self.done = done;
        let elapsed = self.started.elapsed();
        match &mut self.shown {
            Shown::Bar { bar, drawn } => {
                if drawn.is_none_or(|at| at.elapsed() >= BAR_EVERY) || Some(done) == self.total {
                    *drawn = Some(Instant::now());
                    bar.set_position(done);
                    bar.set_message(status(self.unit, done, self.total, elapsed));
                }
            }
            Shown::Plain { every, last } => {
                if last.elapsed() >= *every {
                    *last = Instant::now();
                    eprintln!("{}：{}", self.label, status(self.unit, done, self.total, elapsed));
                }
            }
        }
    }

    /// One more unit finished.
    pub fn inc(&mut self) {
        self.set(self.done + 1);
    }

    /// The stage is over: the bar is cleared (the command prints its own result next); a log
    /// that had progress lines gets a last one with the whole count.
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        match &self.shown {
            Shown::Bar { bar, .. } => bar.finish_and_clear(),
            Shown::Plain { last, .. } => {
                // Only a log that already had lines needs the last one.
                if *last != self.started {
                    eprintln!(
                        "{}：{}",
                        self.label,
                        status(self.unit, self.done, self.total, self.started.elapsed())
                    );
                }
            }
        }
    }
}

/// The progress text: count (of total, with percent), rate per second, and time left when the
/// total is known — `120,000 / 1,000,000 行（12%），每秒 21,000，约剩 42 秒`. At most 75 columns
/// with the label, for a million rows and hours left.
pub fn status(unit: &str, done: u64, total: Option<u64>, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let mut out = match total {
        Some(t) if t > 0 => {
            format!("{} / {} {unit}（{}%）", grouped(done), grouped(t), (done.min(t) * 100) / t)
        }
        _ => format!("{} {unit}", grouped(done)),
    };
    if rate >= 1.0 {
        out.push_str(&format!("，每秒 {}", grouped(rate.round() as u64)));
        if let Some(t) = total.filter(|&t| t > done) {
            let left = ((t - done) as f64 / rate).ceil() as u64;
            out.push_str(&format!("，约剩 {}", duration(left)));
        }
    }
    out
}

/// 1234567 → `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `42 秒`, `3 分 05 秒`, `1 小时 02 分`.
fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} 秒"),
        60..3600 => format!("{} 分 {:02} 秒", secs / 60, secs % 60),
        _ => format!("{} 小时 {:02} 分", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_gives_count_share_rate_and_time_left() {
        let s = status("行", 120_000, Some(1_000_000), Duration::from_secs(6));
        assert_eq!(s, "120,000 / 1,000,000 行（12%），每秒 20,000，约剩 44 秒");
        let s = status("行", 20_000, Some(1_000_000), Duration::from_secs(10));
        assert_eq!(s, "20,000 / 1,000,000 行（2%），每秒 2,000，约剩 8 分 10 秒");
    }

    #[test]
    fn status_without_a_total_has_no_share_and_no_time_left() {
        assert_eq!(status("行", 1_500, None, Duration::from_secs(3)), "1,500 行，每秒 500");
        // Nothing done yet: no rate to speak of.
        assert_eq!(status("行", 0, Some(10), Duration::from_secs(3)), "0 / 10 行（0%）");
    }

    #[test]
    fn long_times_are_hours_and_minutes() {
        assert_eq!(duration(59), "59 秒");
        assert_eq!(duration(60), "1 分 00 秒");
        assert_eq!(duration(3_725), "1 小时 02 分");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
    }
}
