//! The screens.

pub mod client;
pub mod roster;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::widgets::TableState;

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
