//! The screens.

pub mod client;
pub mod complaints;
pub mod contact_form;
pub mod coverage;
pub mod drill;
pub mod handover;
pub mod launches;
pub mod modal;
pub mod plan_editor;
pub mod results;
pub mod roster;
pub mod search;
pub mod settings;
pub mod staff_trend;
pub mod today;
pub mod unassigned;

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use ratatui::widgets::TableState;

use super::keys::{self, Nav};
use super::screen::{Action, Ctx, Message};
use crate::domain::coverage::Ratio;
use crate::domain::{ClientNo, Quarter};
use crate::service::views::ReportKind;
use contact_form::{ContactForm, Prefill};

/// Moves a list selection for the keys every list shares; true if the key was one of them.
pub fn list_nav(state: &mut TableState, key: KeyEvent, len: usize) -> bool {
    match keys::command(&[keys::Entry::Nav(|n| n)], &key, false, |_| true) {
        Some(to) => len > 0 && nav(state, to, len),
        None => false,
    }
}

/// Moves a list selection of `len` lines as `to` says (the table's [`Nav`] command); false on an
/// empty list.
pub fn nav(state: &mut TableState, to: Nav, len: usize) -> bool {
    if len == 0 {
        return false;
    }
    let page = 10;
    let at = state.selected().unwrap_or(0);
    let to = match to {
        Nav::Down => (at + 1).min(len - 1),
        Nav::Up => at.saturating_sub(1),
        Nav::PageDown => (at + page).min(len - 1),
        Nav::PageUp => at.saturating_sub(page),
        Nav::Top => 0,
        Nav::Bottom => len - 1,
    };
    state.select(Some(to));
    true
}

/// Where the export key writes: `~/mingdan-报表/` on the machine mingdan runs on (the branch
/// server when over SSH; fetch it with Xftp or the terminal's file transfer).
pub fn reports_dir() -> std::path::PathBuf {
    let home = directories::UserDirs::new().map(|d| d.home_dir().to_path_buf()).unwrap_or_else(|| ".".into());
    home.join("mingdan-报表")
}

/// The export key on a manager screen: the report as an Excel workbook, audited by the service.
/// The file is named by kind and the time in branch time (the server's zone may differ), and
/// the audit record names it.
pub fn export_report(cx: &Ctx, kind: ReportKind, quarter: Option<Quarter>) -> Action {
    let dir = reports_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return Action::Say(Message::Error(format!("{}：{e}", dir.display())));
    }
    let stamp = chrono::Utc::now().with_timezone(&crate::service::shanghai()).format("%Y%m%d-%H%M%S");
    let name = match quarter {
        Some(q) => format!("{}-{q}-{stamp}.xlsx", kind.file_stem()),
        None => format!("{}-{stamp}.xlsx", kind.file_stem()),
    };
    let path = dir.join(name);
    let report = match cx.api.report(kind, quarter, path.display().to_string()) {
        Ok(r) => r,
        Err(e) => return Action::error(e),
    };
    match crate::report::write_xlsx(&path, false, &report) {
        Ok(()) => Action::Say(Message::Info(cx.t.exported_to.replace("{}", &path.display().to_string()))),
        Err(e) => Action::Say(Message::Error(e.to_string())),
    }
}

/// A share as a right-aligned percentage to 0.1% (`percent::show_permille`), coloured by how
/// far along it is (judged on the exact share).
pub fn percent_line(r: Ratio, cx: &Ctx) -> Line<'static> {
    if r.of == 0 {
        return Line::from(Span::styled(format!("{:>6}", "-"), cx.theme.muted));
    }
    let style = if r.reaches(800) {
        cx.theme.ok
    } else if r.reaches(500) {
        cx.theme.text
    } else {
        cx.theme.warning
    };
    Line::from(Span::styled(format!("{:>6}", r.show()), style))
}

/// The client card for `client`, from whichever screen the user is on.
pub fn open_client(client: ClientNo, cx: &Ctx) -> Action {
    match client::ClientScreen::new(client, cx) {
        Ok(s) => Action::Push(Box::new(s)),
        Err(e) => Action::error(e),
    }
}

/// The contact form for `client`, from whichever screen the user is on.
/// Opens the contact form for `client`, or first offers the unsent draft kept for that client
/// (resume, discard, or back) so a fresh form never buries it.
pub fn open_contact_form(client: ClientNo, prefill: Prefill, cx: &Ctx) -> Action {
    if let Ok(Some(kept)) = cx.api.draft(client.clone()) {
        return Action::Push(Box::new(modal::DraftOffer::new(kept, cx)));
    }
    match ContactForm::new(client, prefill, cx) {
        Ok(form) => Action::Push(Box::new(form)),
        Err(e) => Action::error(e),
    }
}
