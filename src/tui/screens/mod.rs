//! The screens.

pub mod client;
pub mod contact_form;
pub mod modal;
pub mod plan_editor;
pub mod roster;
pub mod search;
pub mod today;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::widgets::TableState;

use super::screen::{Action, Ctx};
use crate::domain::ClientNo;
use contact_form::{ContactForm, Prefill};

/// Moves a list selection for the keys every list shares; true if the key was one of them.
pub fn list_nav(state: &mut TableState, key: KeyEvent, len: usize) -> bool {
    if len == 0 {
        return false;
    }
    let page = 10;
    let at = state.selected().unwrap_or(0);
    let to = match key.code {
        KeyCode::Down | KeyCode::Char('j') => (at + 1).min(len - 1),
        KeyCode::Up | KeyCode::Char('k') => at.saturating_sub(1),
        KeyCode::PageDown => (at + page).min(len - 1),
        KeyCode::PageUp => at.saturating_sub(page),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => len - 1,
        _ => return false,
    };
    state.select(Some(to));
    true
}

/// The contact form for `client`, from whichever screen the user is on.
pub fn open_contact_form(client: ClientNo, prefill: Prefill, cx: &Ctx) -> Action {
    match ContactForm::new(client, prefill, cx) {
        Ok(form) => Action::Push(Box::new(form)),
        Err(e) => Action::error(e),
    }
}
