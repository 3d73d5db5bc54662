//! sled calls that may never return, run where they cannot take the caller with them.
//!
//! A damaged `sled/db` can make sled 0.34 loop forever while it recovers or reads a page (one
//! flipped bit was enough), or panic on a log cut short. Opening a store, checking it and the
//! server's last flush therefore run sled on a worker thread and wait for it under a deadline.
//! A worker that misses its deadline is abandoned, not killed (Rust cannot kill a thread): it
//! keeps its clone of the store, so nothing in this process tries to close sled under it, and
//! the process ends it when it exits. A panic on the worker is caught and reported as damage;
//! its Rust text is kept off the user's terminal (see `silence_worker_panics`).

use std::path::Path;
use std::sync::Once;
use std::time::Duration;

/// Why a guarded call produced no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// It had not returned when the deadline passed; the worker is left running.
    TimedOut(Duration),
    /// It panicked (sled on a log cut short, for one).
    Panicked,
    /// No worker thread could be started.
    NoThread,
}

/// Worker threads are named with this prefix; their panics are not printed.
const WORKER_PREFIX: &str = "mingdan-sled-";

/// How long opening a store may take: sled's recovery reads the whole log, which on a branch
/// store takes seconds; `MINGDAN_OPEN_DEADLINE_SECS` overrides it (tests shorten it).
pub fn open_deadline() -> Duration {
    from_env("MINGDAN_OPEN_DEADLINE_SECS").unwrap_or(Duration::from_secs(60))
}

/// How long `check` may take for a store whose files under `dir` hold `bytes` bytes: two minutes
/// plus one second per 2 MiB, far above the ~50 MB/s the check reads at, so only a stuck read
/// reaches it. `MINGDAN_CHECK_DEADLINE_SECS` overrides it.
pub fn check_deadline(bytes: u64) -> Duration {
    from_env("MINGDAN_CHECK_DEADLINE_SECS").unwrap_or(Duration::from_secs(120 + bytes / (2 << 20)))
}

fn from_env(name: &str) -> Option<Duration> {
    let v = std::env::var(name).ok()?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Total size of the regular files under `dir` (not following links), for `check_deadline`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Runs `f` on a worker thread named after `what` and waits at most `deadline` for it.
pub fn run<T: Send + 'static>(
    what: &str,
    deadline: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    silence_worker_panics();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let hook = stuck_hook(what);
    let spawned = std::thread::Builder::new().name(format!("{WORKER_PREFIX}{what}")).spawn(move || {
        if hook {
            // A sled call that never returns, as on the damaged stores this module is for.
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        // The caller may have stopped waiting; then nobody needs the answer.
        let _ = tx.send(outcome);
    });
    if spawned.is_err() {
        return Err(Failure::NoThread);
    }
    match rx.recv_timeout(deadline) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(Failure::Panicked),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Failure::TimedOut(deadline)),
        // The worker ended without sending: only a panic while sending, so a panic.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Failure::Panicked),
    }
}

/// The test hook: `MINGDAN_TEST_SLED_HANG` holding `what` (`open`, `check`, `flush`, or several
/// joined by commas) makes that guarded call hang as sled does on some damaged stores, since a
/// real hang cannot be produced on demand. Only tests set it.
fn stuck_hook(what: &str) -> bool {
    std::env::var("MINGDAN_TEST_SLED_HANG").is_ok_and(|v| v.split(',').any(|w| w.trim() == what))
}

/// Keeps the default panic hook from printing Rust's panic text and backtrace hint for panics on
/// a guarded worker: those are caught and reported to the user as damage in Chinese. Panics
/// anywhere else are printed as before. Installed once per process, chained to the hook found.
fn silence_worker_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_worker = std::thread::current().name().is_some_and(|n| n.starts_with(WORKER_PREFIX));
            if !on_worker {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_in_time_is_returned_and_a_panic_is_caught() {
        assert_eq!(run("t-ok", Duration::from_secs(5), || 7), Ok(7));
        assert_eq!(
            run("t-panic", Duration::from_secs(5), || -> u8 { panic!("sled") }),
            Err(Failure::Panicked)
        );
    }

    #[test]
    fn a_call_that_never_returns_is_abandoned_at_the_deadline() {
        let started = std::time::Instant::now();
        let out = run("t-stuck", Duration::from_millis(200), || std::thread::sleep(Duration::from_secs(60)));
        assert_eq!(out, Err(Failure::TimedOut(Duration::from_millis(200))));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn the_check_deadline_grows_with_the_store() {
        assert!(check_deadline(10 << 30) > check_deadline(0));
        assert!(check_deadline(0) >= Duration::from_secs(60));
    }
}
