//! The UI never waits blind. Every service call the screens make runs on a worker thread that
//! owns the `Api`; while it runs, the UI thread keeps reading the keyboard: Ctrl-C (and `q` once
//! the wait is shown) quits at once, Esc stops waiting, other keys are kept for afterwards. After
//! 200 ms the footer says what is being waited for; after [`PATIENCE`] the request is reported as
//! unanswered instead of being waited on for the socket's ten-minute timeout.
//!
//! Screens still call the `Api` as a function; this is what makes that safe over a server that
//! has stopped answering.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};

use super::text::Text;
use crate::service::{Api, Request, Response, ServiceError, Session};

/// How long a request may take before the wait is shown in the footer.
pub const SHOW_AFTER: Duration = Duration::from_millis(200);
/// How long a request is waited for before it is reported as unanswered. A backup or a large
/// export over the socket takes seconds, not minutes; a server that is silent this long is stuck.
pub const PATIENCE: Duration = Duration::from_secs(60);
/// How long a call made while quitting (saving a draft) may take.
const QUITTING_PATIENCE: Duration = Duration::from_secs(2);
/// How often the keyboard is looked at while waiting: Ctrl-C answers within this.
const LOOK: Duration = Duration::from_millis(20);

type Answer = Result<Response, ServiceError>;
type Job = (Request, mpsc::Sender<Answer>);

/// Terminal events, read on their own thread, shared by the event loop and a call in progress.
pub struct Input {
    rx: mpsc::Receiver<io::Result<Event>>,
    /// Events that arrived while a call was waited for, handed to the event loop afterwards.
    kept: VecDeque<io::Result<Event>>,
}

impl Input {
    pub fn new(rx: mpsc::Receiver<io::Result<Event>>) -> Input {
        Input { rx, kept: VecDeque::new() }
    }

    /// The next event: one kept during a wait first, else one from the terminal within `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Result<io::Result<Event>, mpsc::RecvTimeoutError> {
        match self.kept.pop_front() {
            Some(ev) => Ok(ev),
            None => self.rx.recv_timeout(timeout),
        }
    }
}

/// What the event loop learns from calls made since it last asked.
#[derive(Default)]
pub struct Outcome {
    /// The user asked to quit while a call was waited for.
    pub quit: Cell<bool>,
    /// The wait was drawn over the frame: the next frame must be drawn whole.
    pub drew: Cell<bool>,
}

/// An `Api` whose calls run on a worker thread while the UI thread watches the keyboard.
pub struct Responsive {
    inner: Arc<dyn Api + Send + Sync>,
    jobs: Option<mpsc::Sender<Job>>,
    worker: Option<JoinHandle<()>>,
    busy: Arc<AtomicBool>,
    input: Rc<RefCell<Option<Input>>>,
    pub outcome: Rc<Outcome>,
    /// The tenth of a second the wait line was last drawn for.
    drawn_at: Cell<Option<u128>>,
    t: &'static Text,
}

impl Responsive {
    pub fn new(inner: Arc<dyn Api + Send + Sync>, t: &'static Text) -> io::Result<Responsive> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let api = inner.clone();
        let busy = Arc::new(AtomicBool::new(false));
        let flag = busy.clone();
        let worker = std::thread::Builder::new().name("mingdan-api".into()).spawn(move || {
            for (req, reply) in rx {
                flag.store(true, Ordering::SeqCst);
                let answer = api.call(req);
                flag.store(false, Ordering::SeqCst);
                // The UI may have stopped waiting; then the answer is not wanted.
                let _ = reply.send(answer);
            }
        })?;
        Ok(Responsive {
            inner,
            jobs: Some(jobs),
            worker: Some(worker),
            busy,
            input: Rc::new(RefCell::new(None)),
            outcome: Rc::new(Outcome::default()),
            drawn_at: Cell::new(None),
            t,
        })
    }

    /// From now on calls watch `input` (once the terminal is in raw mode; before it, Ctrl-C is
    /// still the terminal's interrupt).
    pub fn watch(&self, input: Input) {
        *self.input.borrow_mut() = Some(input);
    }

    /// The shared keyboard, for the event loop.
    pub fn input(&self) -> Rc<RefCell<Option<Input>>> {
        self.input.clone()
    }

    /// Looks at the keyboard once; `Some` ends the wait with that error.
    fn look(&self, waited: Duration) -> Option<ServiceError> {
        let mut slot = self.input.borrow_mut();
        let input = slot.as_mut()?;
        let shown = waited >= SHOW_AFTER;
        while let Ok(ev) = input.rx.try_recv() {
            if let Ok(Event::Key(k)) = &ev
                && k.kind != KeyEventKind::Release
            {
                let ctrl_c = k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
                if ctrl_c || (shown && k.code == KeyCode::Char('q')) {
                    self.outcome.quit.set(true);
                    return Some(ServiceError::Transport(self.t.wait_quit.to_string()));
                }
                if k.code == KeyCode::Esc && shown {
                    return Some(ServiceError::Transport(self.t.wait_given_up.to_string()));
                }
            }
            input.kept.push_back(ev);
        }
        // The line changes every 100 ms (the spinner) and the seconds; no need to write it more.
        if shown && self.drawn_at.get() != Some(waited.as_millis() / 100) {
            self.drawn_at.set(Some(waited.as_millis() / 100));
            self.draw_wait(waited);
        }
        None
    }

    /// One line over the footer: what is waited for, for how long, and the way out. Written
    /// straight to the terminal, since the frame is not redrawn while the UI thread waits.
    fn draw_wait(&self, waited: Duration) {
        const SPIN: [char; 8] = ['⣾', '⣽', '⣻', '⢿', '⡿', '⣟', '⣯', '⣷'];
        let Ok((cols, rows)) = crossterm::terminal::size() else { return };
        let spin = SPIN[(waited.as_millis() / 100) as usize % SPIN.len()];
        let text = format!(" {spin} {}", self.t.waiting.replace("{}", &waited.as_secs().to_string()));
        let line = super::ui::pad(&text, usize::from(cols));
        let mut out = io::stdout();
        let _ = crossterm::queue!(
            out,
            crossterm::cursor::MoveTo(0, rows.saturating_sub(1)),
            crossterm::style::SetAttribute(crossterm::style::Attribute::Reverse),
            crossterm::style::Print(line),
            crossterm::style::SetAttribute(crossterm::style::Attribute::Reset),
        );
        let _ = out.flush();
        self.outcome.drew.set(true);
    }
}

impl Api for Responsive {
    fn call(&self, req: Request) -> Result<Response, ServiceError> {
        // Quitting: what the screens still save (a draft) must not wait behind a stuck request.
        let patience = if self.outcome.quit.get() {
            if self.busy.load(Ordering::SeqCst) {
                return Err(ServiceError::Transport(self.t.wait_quit.to_string()));
            }
            QUITTING_PATIENCE
        } else {
            PATIENCE
        };
        let (reply, answer) = mpsc::channel();
        let sent = self.jobs.as_ref().is_some_and(|jobs| jobs.send((req, reply)).is_ok());
        if !sent {
            return Err(ServiceError::Transport(self.t.wait_worker_gone.to_string()));
        }
        let start = Instant::now();
        self.drawn_at.set(None);
        loop {
            match answer.recv_timeout(LOOK) {
                Ok(a) => return a,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(ServiceError::Transport(self.t.wait_worker_gone.to_string()));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            let waited = start.elapsed();
            if let Some(stop) = self.look(waited) {
                return Err(stop);
            }
            if waited >= patience {
                return Err(ServiceError::Transport(
                    self.t.wait_too_long.replace("{}", &patience.as_secs().to_string()),
                ));
            }
        }
    }

    fn embedded(&self) -> Option<&Session> {
        self.inner.embedded()
    }
}

impl Drop for Responsive {
    /// An idle worker is let go and joined, so an embedded store is closed properly; a worker
    /// stuck on a silent server is left behind for the process exit to end.
    fn drop(&mut self) {
        self.jobs = None;
        if !self.busy.load(Ordering::SeqCst)
            && let Some(w) = self.worker.take()
        {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceError;

    /// An `Api` that answers after `delay`, or never.
    struct Slow(Option<Duration>);

    impl Api for Slow {
        fn call(&self, _req: Request) -> Result<Response, ServiceError> {
            match self.0 {
                Some(d) => std::thread::sleep(d),
                None => loop {
                    std::thread::sleep(Duration::from_secs(3600));
                },
            }
            Err(ServiceError::Conflict("answered".into()))
        }
    }

    fn key(code: KeyCode, modifiers: KeyModifiers) -> io::Result<Event> {
        Ok(Event::Key(crossterm::event::KeyEvent::new(code, modifiers)))
    }

    #[test]
    fn a_quick_answer_comes_through() {
        let r =
            Responsive::new(Arc::new(Slow(Some(Duration::from_millis(5)))), &super::super::text::ZH).unwrap();
        let err = r.call(Request::Today {}).unwrap_err();
        assert!(err.to_string().contains("answered"), "{err}");
    }

    #[test]
    fn ctrl_c_ends_a_wait_on_a_silent_server_within_100_ms() {
        let r = Responsive::new(Arc::new(Slow(None)), &super::super::text::ZH).unwrap();
        let (tx, rx) = mpsc::channel();
        r.watch(Input::new(rx));
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            tx.send(key(KeyCode::Char('x'), KeyModifiers::NONE)).unwrap();
            tx.send(key(KeyCode::Char('c'), KeyModifiers::CONTROL)).unwrap();
            Instant::now()
        });
        let err = r.call(Request::Today {}).unwrap_err();
        let pressed = sender.join().unwrap();
        assert!(pressed.elapsed() < Duration::from_millis(100), "{:?}", pressed.elapsed());
        assert!(r.outcome.quit.get(), "{err}");
        let kept = r.input.borrow_mut().as_mut().map(|i| i.kept.len());
        assert_eq!(kept, Some(1), "the key typed during the wait is kept for afterwards");
    }

    #[test]
    fn esc_gives_up_waiting_once_the_wait_is_shown() {
        let r = Responsive::new(Arc::new(Slow(None)), &super::super::text::ZH).unwrap();
        let (tx, rx) = mpsc::channel();
        r.watch(Input::new(rx));
        tx.send(key(KeyCode::Esc, KeyModifiers::NONE)).unwrap();
        let later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            tx.send(key(KeyCode::Esc, KeyModifiers::NONE)).unwrap();
        });
        let err = r.call(Request::Today {}).unwrap_err();
        later.join().unwrap();
        assert!(!r.outcome.quit.get());
        assert_eq!(err.to_string(), super::super::text::ZH.wait_given_up);
        let kept = r.input.borrow_mut().as_mut().map(|i| i.kept.len());
        assert_eq!(kept, Some(1), "an Esc typed before the wait shows is an ordinary key, kept");
    }
}
