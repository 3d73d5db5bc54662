//! What one system account may hold on the branch server at once, and how the server's log stays
//! small when an account floods it.
//!
//! Every connection is charged to the uid the kernel reports for it, so one account — a staff
//! member's runaway script, or a member of the socket's group with no staff record — can use its
//! own share and never the whole server: the others keep working.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Default for `Limits::connections`.
pub const DEFAULT_CONNECTIONS: usize = 256;
/// Default for `Limits::connections_per_uid`: a person with a few terminal windows and a script
/// or two stays well inside it.
pub const DEFAULT_CONNECTIONS_PER_UID: usize = 16;
/// Default for `Limits::buffered_per_uid`: one request of the largest size the wire allows
/// (`wire::MAX_REQUEST`, 64 MiB) with room to spare for the same person's ordinary requests
/// from other windows meanwhile.
pub const DEFAULT_BUFFERED_PER_UID: usize = 80 << 20;
/// Default for `Limits::buffered`.
pub const DEFAULT_BUFFERED: usize = 256 << 20;

/// How many connections and request bytes the server takes on, in all and per uid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once, all accounts together.
    pub connections: usize,
    /// Connections open at once from one uid. Must be below `connections`, so that no account
    /// can take every slot.
    pub connections_per_uid: usize,
    /// Bytes of requests being received at once, all accounts together. A request is charged
    /// its declared length from the moment that length arrives until the service has answered it.
    pub buffered: usize,
    /// The same, per uid. Must be below `buffered`.
    pub buffered_per_uid: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: DEFAULT_CONNECTIONS,
            connections_per_uid: DEFAULT_CONNECTIONS_PER_UID,
            buffered: DEFAULT_BUFFERED,
            buffered_per_uid: DEFAULT_BUFFERED_PER_UID,
        }
    }
}

impl Limits {
    /// Refuses limits that would let one account take everything, or let nothing through.
    /// The error is a Chinese sentence naming the `mingdan serve` option to change.
    pub fn check(&self) -> Result<(), String> {
        if self.connections_per_uid == 0 || self.connections_per_uid >= self.connections {
            return Err(format!(
                "每个账户的连接上限（--max-connections-per-user {}）必须至少为 1，且小于总连接上限\
                 （--max-connections {}），否则一个账户就能占满所有连接",
                self.connections_per_uid, self.connections
            ));
        }
        if self.buffered_per_uid < 1 << 20 || self.buffered_per_uid >= self.buffered {
            return Err(format!(
                "每个账户的请求内存上限（--max-request-memory-per-user {}）必须至少为 1 MiB，且小于\
                 总上限（--max-request-memory {}），否则一个账户就能占满服务器接收请求的内存",
                mib(self.buffered_per_uid),
                mib(self.buffered)
            ));
        }
        Ok(())
    }
}

/// A byte count for people: "63.0 MiB".
pub fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
}

/// Why a request was not taken on: its declared length would pass a byte limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverBudget {
    /// The uid's other requests in flight already hold `held` bytes of `max`.
    Account { held: usize, max: usize },
    /// All requests in flight already hold `held` bytes of `max`.
    Server { held: usize, max: usize },
}

impl OverBudget {
    /// What the sender of a request of `size` bytes is told; the request was not carried out.
    pub fn message(&self, size: usize) -> String {
        match *self {
            OverBudget::Account { held, max } => format!(
                "这个请求有 {}，您的系统账户正在传送的其他请求已占用 {}，合计超过每个账户的上限 {}；\
                 这个请求没有执行。请等其他窗口里的导入等操作完成后再试",
                mib(size),
                mib(held),
                mib(max)
            ),
            OverBudget::Server { held, max } => format!(
                "服务器正在接收的请求已占用 {}，再加这个请求（{}）超过上限 {}；这个请求没有执行，\
                 请稍后再试。如持续出现请联系管理员",
                mib(held),
                mib(size),
                mib(max)
            ),
        }
    }
}

/// Bytes of requests being received or carried out, by uid.
#[derive(Debug, Default)]
pub struct Buffered {
    per_uid: HashMap<u32, usize>,
    total: usize,
}

impl Buffered {
    /// Charges `size` bytes to `uid` if both its share and the server's total allow them.
    pub fn reserve(&mut self, uid: u32, size: usize, limits: &Limits) -> Result<(), OverBudget> {
        let held = self.per_uid.get(&uid).copied().unwrap_or(0);
        if held.saturating_add(size) > limits.buffered_per_uid {
            return Err(OverBudget::Account { held, max: limits.buffered_per_uid });
        }
        if self.total.saturating_add(size) > limits.buffered {
            return Err(OverBudget::Server { held: self.total, max: limits.buffered });
        }
        *self.per_uid.entry(uid).or_default() += size;
        self.total += size;
        Ok(())
    }

    /// Gives back what `reserve` charged.
    pub fn release(&mut self, uid: u32, size: usize) {
        if let Some(held) = self.per_uid.get_mut(&uid) {
            *held = held.saturating_sub(size);
            if *held == 0 {
                self.per_uid.remove(&uid);
            }
        }
        self.total = self.total.saturating_sub(size);
    }

    /// Bytes charged to `uid` now.
    pub fn held_by(&self, uid: u32) -> usize {
        self.per_uid.get(&uid).copied().unwrap_or(0)
    }

    /// Bytes charged in all now.
    pub fn total(&self) -> usize {
        self.total
    }
}

/// Kinds of log line the server writes about one uid, each limited on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// A uid with no active staff record that is not the service account was refused.
    NotStaff,
    /// A uid already holding its share of connections was refused another.
    AccountFull,
    /// The server held its total of connections.
    ServerFull,
    /// A request was refused because its length would pass a byte limit.
    OverBudget,
    /// A staff member or the service account connected or left.
    Session,
    /// A handshake failed, a client spoke another protocol or version.
    Trouble,
}

impl Event {
    /// Lines of this kind written in full per uid per window; the rest are counted.
    fn burst(self) -> u32 {
        match self {
            // A person opening a few windows and closing them again is logged line by line.
            Event::Session => 40,
            Event::Trouble => 5,
            Event::NotStaff | Event::AccountFull | Event::ServerFull | Event::OverBudget => 1,
        }
    }

    /// What was counted, for the summary: "次连接因不在员工名录中被拒绝".
    fn counted(self) -> &'static str {
        match self {
            Event::NotStaff => "次连接因不在员工名录中（也不是服务账户）被拒绝",
            Event::AccountFull => "次连接因超过每个账户的连接上限被拒绝",
            Event::ServerFull => "次连接因服务器连接数已满被拒绝",
            Event::OverBudget => "个请求因超过请求内存上限被拒绝",
            Event::Session => "条连接或断开记录未逐条写出",
            Event::Trouble => "次握手失败或协议不符未逐条写出",
        }
    }
}

struct Window {
    since: Instant,
    written: u32,
    counted: u64,
    /// "uid 1001（登录名 mallory）", from the first line of the window.
    who: String,
}

/// Keeps a flood of connections from filling the disk through the log: per uid and kind of
/// event, the first `burst` lines of each window are written in full and the rest are counted,
/// then summarised in one line when the window ends ("uid 1001（登录名 mallory）在 60 秒内另有
/// 299 次连接……被拒绝"). At most a few lines per uid per window, however fast it connects.
pub struct FloodLog {
    window: Duration,
    windows: HashMap<(u32, Event), Window>,
}

/// Windows kept before ended ones are summarised early, so the table itself stays small.
const MAX_WINDOWS: usize = 4096;

impl FloodLog {
    /// Windows of `window` (the server uses one minute).
    pub fn new(window: Duration) -> FloodLog {
        FloodLog { window, windows: HashMap::new() }
    }

    /// Records one event at `now`. `line` gives who it concerns ("uid 1001（登录名 mallory）")
    /// and the full line; it is called only when the line is to be written, so a login lookup
    /// inside it happens at most `burst` times per window. Returns the lines to write now: none,
    /// the event's own, and possibly the summary of an earlier window it closes.
    pub fn note(
        &mut self,
        now: Instant,
        uid: u32,
        event: Event,
        line: impl FnOnce() -> (String, String),
    ) -> Vec<String> {
        let mut out = Vec::new();
        let key = (uid, event);
        if let Some(w) = self.windows.get_mut(&key) {
            if now.saturating_duration_since(w.since) < self.window {
                if w.written < event.burst() {
                    w.written += 1;
                    out.push(line().1);
                } else {
                    w.counted += 1;
                }
                return out;
            }
            if let Some(w) = self.windows.remove(&key) {
                out.extend(self.summary(event, &w));
            }
        }
        if self.windows.len() >= MAX_WINDOWS {
            out.extend(self.ended(now));
            if self.windows.len() >= MAX_WINDOWS {
                out.extend(self.drain());
            }
        }
        let (who, text) = line();
        out.push(text);
        self.windows.insert(key, Window { since: now, written: 1, counted: 0, who });
        out
    }

    /// Summaries of the windows that have ended by `now` with events left unwritten; ended
    /// windows are forgotten.
    pub fn ended(&mut self, now: Instant) -> Vec<String> {
        let window = self.window;
        let keys: Vec<(u32, Event)> = self
            .windows
            .iter()
            .filter(|(_, w)| now.saturating_duration_since(w.since) >= window)
            .map(|(k, _)| *k)
            .collect();
        let mut done: Vec<((u32, Event), Window)> =
            keys.into_iter().filter_map(|k| self.windows.remove(&k).map(|w| (k, w))).collect();
        done.sort_by_key(|(k, w)| (w.since, k.0));
        done.iter().filter_map(|((_, event), w)| self.summary(*event, w)).collect()
    }

    /// Summaries of every window, ended or not, for when the server stops.
    pub fn drain(&mut self) -> Vec<String> {
        let mut all: Vec<((u32, Event), Window)> = self.windows.drain().collect();
        all.sort_by_key(|(k, w)| (w.since, k.0));
        all.iter().filter_map(|((_, event), w)| self.summary(*event, w)).collect()
    }

    /// True when no window is open, so nothing waits to be summarised.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    fn summary(&self, event: Event, w: &Window) -> Option<String> {
        (w.counted > 0).then(|| {
            format!("{} 在 {} 秒内另有 {} {}", w.who, self.window.as_secs(), w.counted, event.counted())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(uid: u32) -> impl FnOnce() -> (String, String) {
        move || (format!("uid {uid}（登录名 u{uid}）"), format!("拒绝 uid {uid}（登录名 u{uid}）"))
    }

    #[test]
    fn a_flood_from_one_uid_writes_one_line_and_a_count_per_minute() {
        let mut log = FloodLog::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let mut lines = Vec::new();
        for i in 0..300u64 {
            lines.extend(log.note(t0 + Duration::from_millis(i), 1001, Event::NotStaff, line(1001)));
        }
        // Another uid is not hidden by the flood.
        lines.extend(log.note(t0, 1002, Event::NotStaff, line(1002)));
        assert_eq!(lines, vec!["拒绝 uid 1001（登录名 u1001）", "拒绝 uid 1002（登录名 u1002）"]);
        assert!(log.ended(t0 + Duration::from_secs(59)).is_empty(), "the minute is not over");
        let summary = log.ended(t0 + Duration::from_secs(61));
        assert_eq!(summary.len(), 1, "uid 1002 had nothing left unwritten: {summary:?}");
        assert!(
            summary[0].contains("uid 1001（登录名 u1001）") && summary[0].contains("另有 299 次"),
            "{summary:?}"
        );
        assert!(log.is_empty());
        // The next minute starts with a line of its own again.
        assert_eq!(log.note(t0 + Duration::from_secs(62), 1001, Event::NotStaff, line(1001)).len(), 1);
    }

    #[test]
    fn a_window_closed_by_the_next_event_is_summarised_then_and_drain_flushes_the_rest() {
        let mut log = FloodLog::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            log.note(t0, 7, Event::AccountFull, line(7));
        }
        let later = log.note(t0 + Duration::from_secs(90), 7, Event::AccountFull, line(7));
        assert_eq!(later.len(), 2, "{later:?}");
        assert!(later[0].contains("另有 2 次") && later[0].contains("连接上限"), "{later:?}");
        log.note(t0 + Duration::from_secs(91), 7, Event::AccountFull, line(7));
        let rest = log.drain();
        assert_eq!(rest.len(), 1);
        assert!(rest[0].contains("另有 1 次"), "{rest:?}");
    }

    #[test]
    fn sessions_are_written_one_by_one_up_to_their_burst() {
        let mut log = FloodLog::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let written: usize = (0..100).map(|_| log.note(t0, 5, Event::Session, line(5)).len()).sum();
        assert_eq!(written, Event::Session.burst() as usize);
    }

    #[test]
    fn one_account_is_held_to_its_share_of_bytes_and_the_server_to_its_total() {
        let limits = Limits { buffered: 100 << 20, buffered_per_uid: 80 << 20, ..Limits::default() };
        let mut b = Buffered::default();
        b.reserve(1, 63 << 20, &limits).unwrap();
        // Ten half-sent 63 MiB requests from one uid: only the first is taken on.
        for _ in 0..9 {
            assert_eq!(
                b.reserve(1, 63 << 20, &limits),
                Err(OverBudget::Account { held: 63 << 20, max: 80 << 20 })
            );
        }
        b.reserve(1, 1 << 20, &limits).unwrap();
        assert_eq!(b.held_by(1), 64 << 20);
        // Another uid is held by what is left of the total.
        assert!(matches!(b.reserve(2, 40 << 20, &limits), Err(OverBudget::Server { .. })));
        b.reserve(2, 30 << 20, &limits).unwrap();
        b.release(1, 63 << 20);
        b.release(1, 1 << 20);
        assert_eq!((b.held_by(1), b.total()), (0, 30 << 20));
        let msg = OverBudget::Account { held: 63 << 20, max: 80 << 20 }.message(63 << 20);
        assert!(msg.contains("63.0 MiB") && msg.contains("80.0 MiB") && msg.contains("没有执行"), "{msg}");
    }

    #[test]
    fn limits_that_let_one_account_take_everything_are_refused() {
        assert!(Limits::default().check().is_ok());
        let all = Limits { connections_per_uid: 256, ..Limits::default() };
        assert!(all.check().unwrap_err().contains("--max-connections-per-user"));
        let bytes = Limits { buffered_per_uid: 256 << 20, ..Limits::default() };
        assert!(bytes.check().unwrap_err().contains("--max-request-memory-per-user"));
        assert!(Limits { connections_per_uid: 0, ..Limits::default() }.check().is_err());
    }
}
