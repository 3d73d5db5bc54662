//! The terminal interface. `run` owns the terminal: it is restored on normal exit, on a panic
//! inside a screen, and when the session ends by SIGHUP (SSH dropped) or SIGTERM.

mod app;
pub mod columns;
pub mod form;
pub mod keys;
pub mod narrow;
pub mod screen;
pub mod screens;
pub mod text;
pub mod theme;
pub mod ui;
pub mod waiting;

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use anyhow::{Result, anyhow};
use crossterm::event::{self, Event, KeyEventKind};
use serde::Deserialize;

pub use app::App;
pub use text::{Lang, Text};
use theme::{ColorSupport, Theme};

use crate::service::Api;

pub struct TuiOptions {
    pub theme: Option<String>,
    pub lang: Option<Lang>,
    /// Take mouse events (wheel scrolls lists). Off by default: capturing the mouse stops the
    /// terminal's own select-and-copy, which staff use to copy client numbers.
    pub mouse: bool,
    /// Which mode the session runs in ("服务器" / "单机"), shown in the title bar.
    pub mode: String,
}

/// `~/.config/mingdan/config.toml`: what a user sets once instead of passing flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub theme: Option<String>,
    pub lang: Option<Lang>,
    pub mouse: Option<bool>,
}

fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "mingdan").map(|d| d.config_dir().to_path_buf())
}

impl Config {
    pub fn load() -> Result<Config> {
        let Some(path) = config_dir().map(|d| d.join("config.toml")) else { return Ok(Config::default()) };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| anyhow!("配置文件 {} 有误：{e}", path.display())),
            Err(_) => Ok(Config::default()),
        }
    }
}

/// Whether the locale promises UTF-8; Xshell sessions often arrive with none set, and then
/// every Chinese character comes out garbled.
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"].iter().find_map(|k| var(k).filter(|v| !v.is_empty()));
    locale.is_some_and(|l| {
        let l = l.to_lowercase();
        l.contains("utf-8") || l.contains("utf8")
    })
}

pub struct Prepared {
    pub theme: Theme,
    pub text: &'static Text,
    pub warning: Option<String>,
    pub mouse: bool,
}

/// Theme, language and start-up warnings from flags, config and environment.
pub fn prepare(opts: TuiOptions) -> Result<Prepared> {
    let config = Config::load()?;
    let lang = opts.lang.or(config.lang).unwrap_or(Lang::Zh);
    let text = Text::get(lang);
    let support = ColorSupport::detect(|k| std::env::var(k).ok());
    let name = opts.theme.or(config.theme).unwrap_or_else(|| "default".into());
    let user_themes = config_dir().map(|d| d.join("themes"));
    let theme = Theme::load(&name, user_themes.as_deref(), support).map_err(|e| anyhow!(e))?;
    let warning = (!locale_is_utf8(|k| std::env::var(k).ok())).then(|| text.not_utf8.to_string());
    let mouse = opts.mouse || config.mouse.unwrap_or(false);
    Ok(Prepared { theme, text, warning, mouse })
}

/// Runs the interface until the user quits. `api` is moved to a worker thread (see
/// `waiting`), so a server that stops answering never freezes the terminal.
pub fn run(api: Arc<dyn Api + Send + Sync>, opts: TuiOptions) -> Result<()> {
    run_with(api, opts, |_| {})
}

/// `run`, with a chance to set the app up before the first frame (tests push their own screens).
pub fn run_with(
    api: Arc<dyn Api + Send + Sync>,
    opts: TuiOptions,
    setup: impl FnOnce(&mut App),
) -> Result<()> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(anyhow!(
            "mingdan 的界面需要在终端中运行（例如 Xshell 的 SSH 会话）；脚本中请使用 import、export 等子命令"
        ));
    }
    let mode = opts.mode.clone();
    let prepared = prepare(opts)?;
    if let Some(w) = &prepared.warning {
        eprintln!("{w}");
    }
    let api = waiting::Responsive::new(api, prepared.text).map_err(io_error)?;
    // Load before touching the terminal, so a refusal prints as plain text.
    let mut app = App::new(&api, &prepared.theme, prepared.text)?;
    app.mode = mode;
    app.poll_changes();
    if let Some(w) = prepared.warning {
        app.say(screen::Message::Error(w));
    }
    setup(&mut app);

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    // ratatui installs a panic hook that leaves raw mode and the alternate screen before the
    // panic message prints; ours, around it, also turns off the modes we turn on.
    let mut terminal = ratatui::try_init().map_err(io_error)?;
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_modes();
        ratatui_hook(info);
    }));
    let _ = crossterm::execute!(io::stdout(), crossterm::event::EnableBracketedPaste);
    if prepared.mouse {
        let _ = crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture);
    }
    api.watch(waiting::Input::new(spawn_input()));
    let result = event_loop(&mut terminal, &mut app, &stop, &api);
    // However the loop ended, unsaved work gets its chance first (a draft for an open form).
    if result.is_err() || stop.load(Ordering::Relaxed) || app.quit_by_signal {
        app.end_session();
    }
    leave_modes();
    ratatui::restore();
    result
}

fn leave_modes() {
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::event::DisableBracketedPaste,
        crossterm::event::DisableMouseCapture
    );
}

/// Reads terminal events on their own thread. crossterm spins forever inside `read` once the
/// terminal has hung up (it retries a read that returns end-of-file), so the loop below must
/// never wait in crossterm itself, or a dropped SSH session would leave a process burning CPU.
fn spawn_input() -> mpsc::Receiver<io::Result<Event>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        loop {
            let ev = event::read();
            let failed = ev.is_err();
            if tx.send(ev).is_err() || failed {
                return;
            }
        }
    });
    rx
}

/// True once the terminal on stdin has hung up (the SSH connection dropped).
fn terminal_hung_up() -> bool {
    let mut fds = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, zero timeout.
    let n = unsafe { libc::poll(&mut fds, 1, 0) };
    n > 0 && fds.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// How often the screens ask whether another session wrote something; with the 250 ms redraw
/// below, a colleague's change shows within about 1.3 s.
const POLL_CHANGES: Duration = Duration::from_secs(1);

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    stop: &AtomicBool,
    api: &waiting::Responsive,
) -> Result<()> {
    let input = api.input();
    let mut polled = std::time::Instant::now();
    loop {
        if terminal_hung_up() {
            app.quit_by_signal = true;
        }
        // Ctrl-C during a wait on the server: leave now, without waiting any more.
        if api.outcome.quit.get() {
            app.quit_by_signal = true;
        }
        if stop.load(Ordering::Relaxed) || app.quit_by_signal {
            return Ok(());
        }
        if polled.elapsed() >= POLL_CHANGES {
            app.poll_changes();
            polled = std::time::Instant::now();
        }
        // A wait line was written over the frame behind ratatui's back: draw the next one whole.
        // Not `Terminal::clear`, which asks the terminal where its cursor is and gives up after
        // two seconds — on a loaded server or a slow SSH link that ended the session.
        if api.outcome.drew.replace(false) {
            let size = terminal.size().map_err(io_error)?;
            terminal.resize(size.into()).map_err(io_error)?;
        }
        terminal.draw(|f| app.draw(f)).map_err(io_error)?;
        // The keyboard is shared with calls in progress: take one event and let go of it first.
        let next = input.borrow_mut().as_mut().map(|i| i.next(Duration::from_millis(250)));
        match next {
            Some(Ok(Ok(Event::Key(key)))) if key.kind != KeyEventKind::Release => app.on_key(key),
            Some(Ok(Ok(Event::Paste(text)))) => app.on_paste(&text),
            Some(Ok(Ok(Event::Mouse(m)))) => {
                use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
                let code = match m.kind {
                    MouseEventKind::ScrollDown => Some(KeyCode::Down),
                    MouseEventKind::ScrollUp => Some(KeyCode::Up),
                    _ => None,
                };
                if let Some(code) = code {
                    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
                }
            }
            Some(Ok(Ok(_))) | Some(Err(mpsc::RecvTimeoutError::Timeout)) => {}
            Some(Ok(Err(e))) => return Err(io_error(e)),
            None | Some(Err(mpsc::RecvTimeoutError::Disconnected)) => {
                app.quit_by_signal = true;
                return Ok(());
            }
        }
        if api.outcome.quit.get() {
            continue;
        }
        app.tick();
        if app.quit {
            return Ok(());
        }
    }
}

/// A terminal failure as a sentence: what broke, in words, and what to do; crossterm's own
/// English text is not for the user.
fn io_error(e: io::Error) -> anyhow::Error {
    anyhow!(
        "终端读写失败（{}），连接可能已断开或终端没有回应；请重新登录后再打开 mingdan",
        crate::os::io_reason(&e)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_locales_are_recognised_and_others_warned_about() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert!(locale_is_utf8(env(&[("LANG", "zh_CN.UTF-8")])));
        assert!(locale_is_utf8(env(&[("LC_ALL", "en_US.utf8"), ("LANG", "C")])));
        assert!(!locale_is_utf8(env(&[("LANG", "zh_CN.GBK")])));
        assert!(!locale_is_utf8(env(&[])));
        assert!(!locale_is_utf8(env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])), "LC_ALL wins");
    }

    /// The warning is read on the terminal it is about, so it must survive any encoding and fit
    /// an 80-column Xshell window whole, in either language.
    #[test]
    fn the_not_utf8_warning_is_plain_ascii_within_80_columns() {
        for t in [&text::ZH, &text::EN] {
            assert!(t.not_utf8.is_ascii(), "{}", t.not_utf8);
            // The message line puts "错误：" (6 cells) before it.
            assert!(t.not_utf8.len() <= 80 - 6, "{}", t.not_utf8.len());
            assert!(t.not_utf8.contains("UTF-8") && t.not_utf8.contains("LANG="));
        }
    }
}
