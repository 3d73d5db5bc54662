//! What every screen is: state, key → action, render. Screens call the service through `Ctx`
//! and decide nothing about the business themselves.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::text::Text;
use super::theme::Theme;
use crate::service::views::Me;
use crate::service::{Api, ServiceError};

/// What a screen can reach: the service, the theme, the strings, who is logged in, and what
/// the session remembers between screens.
pub struct Ctx<'a> {
    pub api: &'a dyn Api,
    pub theme: &'a Theme,
    pub t: &'static Text,
    pub me: Me,
    pub memory: Memory,
}

/// Choices a user makes on a screen that should still hold when they come back to it in the same
/// session (switching to 今日 and back must not reset the roster's sort and filter).
#[derive(Debug, Default)]
pub struct Memory {
    /// Sort and filter of one's own roster (indices into the roster screen's lists).
    pub roster: std::cell::Cell<(usize, usize)>,
    /// Sort and filter of a colleague's roster opened from 覆盖.
    pub staff_roster: std::cell::Cell<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Info(String),
    Error(String),
    /// A refused request, shown in the screen's language when drawn (`ServiceError::render`).
    Failed(ServiceError),
}

impl From<ServiceError> for Message {
    fn from(e: ServiceError) -> Message {
        Message::Failed(e)
    }
}

pub enum Action {
    None,
    Push(Box<dyn Screen>),
    /// Replace this screen with another (the draft offer becomes the form it offers).
    Replace(Box<dyn Screen>),
    Pop,
    /// Close this screen, reload the ones below (something was saved) and say so.
    PopSaved(String),
    /// Reload every screen on the stack (something changed), staying here.
    Saved(String),
    Quit,
    Say(Message),
}

impl Action {
    pub fn error(e: impl Into<Message>) -> Action {
        Action::Say(e.into())
    }

    /// Nothing more to do if `r` went well; its error shown if not.
    pub fn after(r: Result<(), ServiceError>) -> Action {
        match r {
            Ok(()) => Action::None,
            Err(e) => Action::error(e),
        }
    }
}

/// One key for the footer and the help screen (see `keys`: screens build these from their table).
pub use super::keys::KeyHelp;

pub trait Screen {
    fn title(&self, t: &Text) -> String;
    /// Every key this screen takes now, from its key table (`keys::shown`), most useful first;
    /// the footer shows those marked for it, as many as fit.
    fn keys(&self, t: &Text) -> Vec<KeyHelp>;
    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action;
    /// Text pasted into the terminal (bracketed paste), for screens that take text.
    fn on_paste(&mut self, _text: &str, _cx: &Ctx) -> Action {
        Action::None
    }
    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx);
    /// Reloads from the service after something changed.
    fn refresh(&mut self, _cx: &Ctx) -> Result<(), ServiceError> {
        Ok(())
    }
    /// True while the screen is taking typed text, so letters are input, not commands.
    fn takes_text(&self) -> bool {
        false
    }
    /// Why this screen must not be closed by quitting or switching views yet (changes the user
    /// has not saved), or None.
    fn unsaved(&self, _t: &Text) -> Option<&'static str> {
        None
    }
    /// Drawn as a box over the screen below it rather than in place of it.
    fn is_modal(&self) -> bool {
        false
    }
    /// Called a few times a second, for work that is due without a key (saving a draft).
    fn tick(&mut self, _cx: &Ctx) -> Action {
        Action::None
    }
    /// Lines the help overlay adds under the keys: what this screen's abbreviations mean.
    fn legend(&self, _t: &Text) -> Vec<String> {
        Vec::new()
    }
    /// The session is ending without the user closing this screen (the connection dropped, the
    /// process was told to stop, Ctrl-C): keep whatever the user would not want to lose.
    fn on_session_end(&mut self, _cx: &Ctx) {}
}
