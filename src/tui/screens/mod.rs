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

/// Every key table, by the name of its section in docs/KEYS.md (`<!-- keys:NAME -->`): the
/// generated part of that file, checked by `keys_md_matches_the_key_tables`.
pub fn key_tables() -> Vec<(&'static str, String)> {
    use keys::doc_table as doc;
    vec![
        ("global", doc(keys::GLOBAL)),
        ("today", doc(today::KEYS)),
        ("roster", doc(roster::KEYS)),
        ("client", doc(client::KEYS)),
        ("contact_detail", doc(client::DETAIL_KEYS)),
        ("one_line", doc(keys::ONE_LINE)),
        ("text_editing", doc(super::form::EDIT_KEYS)),
        ("contact_form", doc(contact_form::KEYS)),
        ("drafts", doc(modal::DRAFT_KEYS)),
        ("confirm", doc(modal::CONFIRM_KEYS)),
        ("search", doc(search::KEYS)),
        ("coverage", doc(coverage::KEYS)),
        ("staff_trend", doc(staff_trend::KEYS)),
        ("staff_picker", doc(handover::PICKER_KEYS)),
        ("move_confirm", doc(handover::CONFIRM_KEYS)),
        ("unassigned", doc(unassigned::KEYS)),
        ("launches", doc(launches::KEYS)),
        ("launch_form", doc(launches::FORM_KEYS)),
        ("results", doc(results::KEYS)),
        ("drill", doc(drill::KEYS)),
        ("settings", doc(settings::KEYS)),
        ("plan_editor", doc(plan_editor::KEYS)),
        ("complaints", doc(complaints::LIST_KEYS)),
        ("complaint", doc(complaints::DETAIL_KEYS)),
        ("complaint_figures", doc(complaints::FIGURES_KEYS)),
        ("complaint_form", doc(complaints::FORM_KEYS)),
    ]
}

/// Moves a list selection for the keys every list shares; true if the key was one of them.
pub fn list_nav(state: &mut TableState, key: KeyEvent, len: usize) -> bool {
    match keys::command(&[keys::Entry::Nav(|n| n), keys::Entry::Page(|n| n)], &key, false, |_| true) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keys::{Entry, shown};
    use crate::tui::text::{EN, ZH};

    /// Every key of `table` says what it does, and is named, in both languages (help merges
    /// lines saying the same, so nothing is listed twice).
    fn says_it_in_both_languages<C: Copy>(name: &str, table: &[Entry<C>]) {
        for t in [&ZH, &EN] {
            for typing in [false, true] {
                let lines = shown(table, t, typing, |_| true);
                for k in &lines {
                    assert!(!k.what.trim().is_empty() && !k.keys.trim().is_empty(), "{name}: {k:?}");
                }
            }
        }
    }

    #[test]
    fn every_key_table_speaks_both_languages() {
        says_it_in_both_languages("global", keys::GLOBAL);
        says_it_in_both_languages("today", today::KEYS);
        says_it_in_both_languages("roster", roster::KEYS);
        says_it_in_both_languages("client", client::KEYS);
        says_it_in_both_languages("contact_detail", client::DETAIL_KEYS);
        says_it_in_both_languages("one_line", keys::ONE_LINE);
        says_it_in_both_languages("text_editing", super::super::form::EDIT_KEYS);
        says_it_in_both_languages("contact_form", contact_form::KEYS);
        says_it_in_both_languages("drafts", modal::DRAFT_KEYS);
        says_it_in_both_languages("confirm", modal::CONFIRM_KEYS);
        says_it_in_both_languages("search", search::KEYS);
        says_it_in_both_languages("coverage", coverage::KEYS);
        says_it_in_both_languages("staff_trend", staff_trend::KEYS);
        says_it_in_both_languages("staff_picker", handover::PICKER_KEYS);
        says_it_in_both_languages("move_confirm", handover::CONFIRM_KEYS);
        says_it_in_both_languages("unassigned", unassigned::KEYS);
        says_it_in_both_languages("launches", launches::KEYS);
        says_it_in_both_languages("launch_form", launches::FORM_KEYS);
        says_it_in_both_languages("results", results::KEYS);
        says_it_in_both_languages("drill", drill::KEYS);
        says_it_in_both_languages("settings", settings::KEYS);
        says_it_in_both_languages("plan_editor", plan_editor::KEYS);
        says_it_in_both_languages("complaints", complaints::LIST_KEYS);
        says_it_in_both_languages("complaint", complaints::DETAIL_KEYS);
        says_it_in_both_languages("complaint_figures", complaints::FIGURES_KEYS);
        says_it_in_both_languages("complaint_form", complaints::FORM_KEYS);
        assert_eq!(key_tables().len(), 26, "a table added here is added to key_tables (and KEYS.md) too");
    }

    /// docs/KEYS.md's key tables are the screens' tables: a key added, changed or dropped in
    /// code and not in the manual (or the other way) fails here. `MINGDAN_WRITE_KEYS=1 cargo
    /// test --lib keys_md` rewrites the tables; the prose around them stays as written.
    #[test]
    fn keys_md_matches_the_key_tables() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/KEYS.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let filled = super::super::keys::fill_doc(&doc, &super::key_tables()).unwrap();
        if std::env::var_os("MINGDAN_WRITE_KEYS").is_some() {
            std::fs::write(&path, &filled).unwrap();
            return;
        }
        let first = doc.lines().zip(filled.lines()).position(|(a, b)| a != b);
        assert!(
            doc == filled,
            "docs/KEYS.md disagrees with the key tables (first at line {}); run MINGDAN_WRITE_KEYS=1 cargo test --lib keys_md",
            first.map_or(doc.lines().count().min(filled.lines().count()), |i| i + 1)
        );
    }
}
