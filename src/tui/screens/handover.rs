//! Moving clients between rosters (移交/分配): pick who receives them, see what the move does to
//! each roster against its quota, give the reason the audit trail keeps, confirm.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, TableState};
use ratatui_textarea::TextArea;

use super::super::columns::wrap_at_gaps;
use super::super::keys::{self, Entry, F, FT, How, Nav, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Message, Screen};
use super::super::text::{Lang, Text};
use super::super::ui;
use super::nav;
use crate::domain::coverage::{StaffCoverage, receiver_order};
use crate::domain::{ClientNo, OutletId, StaffNo};
use crate::service::views::{MovePreview, StaffRef};

/// "东街网点不在您的管理范围（城关网点）内": why a manager cannot move clients of `outlet`.
pub fn out_of_scope(outlet: &OutletId, cx: &Ctx) -> String {
    let scope = match cx.t.lang {
        Lang::Zh => cx.me.staff.scope_text(),
        Lang::En => cx.me.staff.outlet.to_string(),
    };
    cx.t.out_of_scope.replace("{outlet}", outlet.as_str()).replace("{scope}", &scope)
}

/// Chooses who receives `clients` among the staff the manager may move clients to (an outlet
/// head: their own outlet); the sending person's (or the client's) outlet comes first, furthest
/// below quota first.
pub struct StaffPicker {
    clients: Vec<ClientNo>,
    /// Client names, for the confirmation's list.
    names: Vec<String>,
    candidates: Vec<StaffCoverage>,
    /// Line 0 spreads the clients over the outlet as suggested; line i is candidate i - 1.
    state: TableState,
    list: ListState,
    error: Option<String>,
    /// Whose roster the clients are on (None: unassigned).
    from: Option<StaffNo>,
}

impl StaffPicker {
    pub fn new(clients: Vec<ClientNo>, names: Vec<String>, from: Option<StaffNo>, cx: &Ctx) -> StaffPicker {
        let (mut candidates, error) = match cx.api.coverage(None) {
            Ok(v) => (v.outlets.into_iter().flat_map(|o| o.staff).collect::<Vec<_>>(), None),
            Err(e) => (Vec::new(), Some(e.render(cx.t.lang))),
        };
        let home = from
            .as_ref()
            .and_then(|no| candidates.iter().find(|c| &c.staff.no == no))
            .map(|c| c.staff.outlet.clone());
        // Someone else's outlet's roster: said at once, not after a receiver is chosen.
        let error =
            error.or_else(|| home.as_ref().filter(|o| !cx.me.staff.manages(o)).map(|o| out_of_scope(o, cx)));
        candidates.retain(|c| Some(&c.staff.no) != from.as_ref() && cx.me.staff.manages(&c.staff.outlet));
        let mut state = TableState::default();
        state.select(Some(0));
        let picker =
            StaffPicker { clients, names, candidates, state, list: ListState::default(), error, from };
        picker.home(home)
    }

    /// Puts the staff of `outlet` first (the client's own outlet, when no one sends them), then
    /// the order the suggestions follow.
    pub fn home(mut self, outlet: Option<OutletId>) -> StaffPicker {
        self.candidates.sort_by_key(|c| (Some(&c.staff.outlet) != outlet.as_ref(), receiver_order(c)));
        self
    }
}

/// What a key does while choosing a receiver and confirming a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Confirm,
    Back,
}

/// Choosing who receives the clients: dispatch, footer, help and docs/KEYS.md read this.
pub static PICKER_KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(
        &[code(KeyCode::Enter)],
        Cmd::Confirm,
        |t| t.key_choose,
        How {
            doc: Some("选定接收人（只列出管理范围内的员工；本网点、离配额最远的排在前面）"), ..F
        },
    ),
    key(&[code(KeyCode::Esc), ch('q')], Cmd::Back, |t| t.key_cancel, F),
    Entry::Page(Cmd::Nav),
];

/// Confirming a move; every other key edits the reason.
pub static CONFIRM_KEYS: &[Entry<Cmd>] = &[
    key(
        &[code(KeyCode::Enter)],
        Cmd::Confirm,
        |t| t.key_confirm_move,
        How { doc: Some("确认移交（先填写原因：必填，记入审计）"), ..FT },
    ),
    key(&[code(KeyCode::Esc)], Cmd::Back, |t| t.key_cancel, FT),
];

impl Screen for StaffPicker {
    fn title(&self, t: &Text) -> String {
        t.pick_receiver.replace("{}", &self.clients.len().to_string())
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(PICKER_KEYS, t, false, |c| self.error.is_none() || c == Cmd::Back)
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        // Nothing to choose (the error says why): only leaving makes sense.
        let Some(cmd) = keys::command(PICKER_KEYS, &key, false, |c| self.error.is_none() || c == Cmd::Back)
        else {
            return Action::None;
        };
        match cmd {
            Cmd::Nav(to) => {
                nav(&mut self.state, to, self.candidates.len() + 1);
                Action::None
            }
            Cmd::Back => Action::Pop,
            Cmd::Confirm => match self.state.selected() {
                Some(0) => match MoveConfirm::suggested(
                    self.clients.clone(),
                    self.names.clone(),
                    self.from.clone(),
                    cx,
                ) {
                    Action::Push(s) => Action::Replace(s),
                    other => other,
                },
                Some(i) => match self.candidates.get(i - 1) {
                    Some(c) => {
                        let to = StaffRef { no: c.staff.no.clone(), name: c.staff.name.clone() };
                        let pairs = self.clients.iter().map(|no| (no.clone(), to.clone())).collect();
                        Action::Replace(Box::new(MoveConfirm::new(
                            pairs,
                            self.names.clone(),
                            self.from.clone(),
                            cx,
                        )))
                    }
                    None => Action::None,
                },
                None => Action::None,
            },
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        if let Some(e) = &self.error {
            f.render_widget(Paragraph::new(Span::styled(e.clone(), th.overdue)), area);
            return;
        }
        // One line per choice, padded by display width; the first spreads the clients over
        // the outlet, so it is text across the columns rather than a table row.
        let spread =
            ListItem::new(Line::from(Span::styled(format!("【{}】", t.spread_suggested), th.accent)));
        let people = self.candidates.iter().map(|c| {
            let st = c.standing;
            let short = if st.shortfall() > 0 {
                Span::styled(t.short_by.replace("{}", &st.shortfall().to_string()), th.overdue)
            } else {
                Span::styled(t.meets_quota, th.ok)
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{} ", ui::pad(&c.staff.name, 8)), th.text),
                Span::styled(format!("{} ", ui::pad(c.staff.no.as_str(), 8)), th.muted),
                Span::styled(format!("{} ", ui::pad(c.staff.role.as_str(), 12)), th.text),
                Span::styled(format!("{} ", ui::pad(c.staff.outlet.as_str(), 8)), th.text),
                Span::styled(format!("{} ", ui::pad(&format!("{}/{}", st.size, st.minimum), 7)), th.text),
                short,
            ]))
        });
        let items: Vec<ListItem> = std::iter::once(spread).chain(people).collect();
        self.list.select(self.state.selected());
        let list = List::new(items).highlight_style(th.selection).highlight_symbol(">");
        f.render_stateful_widget(list, area, &mut self.list);
    }
}

/// Moves each client to the staff member paired with it, after a preview of what it does to
/// every roster involved and a reason for the audit trail.
pub struct MoveConfirm {
    pairs: Vec<(ClientNo, StaffRef)>,
    /// Whose roster the clients are on now (None: unassigned); the move is refused if that
    /// changed since the manager looked.
    from: Option<StaffNo>,
    /// Client names for the list of pairs, where known.
    names: Vec<String>,
    /// The quota effects and cross-outlet moves, or why the moves cannot be made.
    effects: Result<MovePreview, String>,
    reason: TextArea<'static>,
    error: Option<String>,
}

impl MoveConfirm {
    pub fn new(
        pairs: Vec<(ClientNo, StaffRef)>,
        names: Vec<String>,
        from: Option<StaffNo>,
        cx: &Ctx,
    ) -> MoveConfirm {
        let preview = pairs.iter().map(|(c, s)| (c.clone(), Some(s.no.clone()))).collect();
        let effects = cx.api.assign_preview(preview).map_err(|e| e.render(cx.t.lang));
        let reason = ui::text_input("", cx.t.reason_placeholder);
        MoveConfirm { pairs, from, names, effects, reason, error: None }
    }

    /// Every client to the maintainer the service suggests for it; refused with a message when
    /// someone has no suggestion (no one with a quota in that outlet).
    pub fn suggested(clients: Vec<ClientNo>, names: Vec<String>, from: Option<StaffNo>, cx: &Ctx) -> Action {
        let suggestions = match cx.api.suggest_maintainers(clients) {
            Ok(s) => s,
            Err(e) => return Action::error(e),
        };
        let mut pairs = Vec::new();
        for (no, s) in suggestions {
            match s {
                Some(s) => pairs.push((no, s)),
                None => {
                    return Action::Say(Message::Error(cx.t.no_one_to_suggest.replace("{}", no.as_str())));
                }
            }
        }
        Action::Push(Box::new(MoveConfirm::new(pairs, names, from, cx)))
    }

    fn confirm(&mut self, cx: &Ctx) -> Action {
        let reason = self.reason.lines().join(" ");
        let pairs = self.pairs.iter().map(|(c, s)| (c.clone(), s.no.clone())).collect();
        match cx.api.assign_pairs(pairs, self.from.clone(), reason) {
            Ok(moved) => Action::PopSaved(cx.t.moved.replace("{}", &moved.to_string())),
            Err(e) => {
                self.error = Some(e.render(cx.t.lang));
                Action::None
            }
        }
    }

    fn single_receiver(&self) -> Option<&StaffRef> {
        let first = &self.pairs.first()?.1;
        self.pairs.iter().all(|(_, s)| s.no == first.no).then_some(first)
    }
}

/// Pairs listed in the confirmation before "…": enough to check the spread at a glance.
const PAIRS_SHOWN: usize = 6;

/// Cross-outlet moves listed before "…"; with the pairs and the quota effects it still fits 24
/// rows.
const CROSS_SHOWN: usize = 3;

impl Screen for MoveConfirm {
    fn title(&self, t: &Text) -> String {
        t.handover.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(CONFIRM_KEYS, t, true, |_| true)
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match keys::command(CONFIRM_KEYS, &key, true, |_| true) {
            Some(Cmd::Back) => Action::Pop,
            Some(Cmd::Confirm) => self.confirm(cx),
            Some(Cmd::Nav(_)) | None => {
                self.reason.input(key);
                self.error = None;
                Action::None
            }
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &Ctx) -> Action {
        self.reason.insert_str(text.replace(['\r', '\n'], " "));
        Action::None
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let n = self.pairs.len().to_string();
        let mut lines = match self.single_receiver() {
            Some(s) => vec![Line::from(vec![
                Span::styled(format!(" {} ", t.move_n_to.replace("{}", &n)), th.text),
                Span::styled(format!("{}（{}）", s.name, s.no), th.title),
            ])],
            None => {
                let mut l = vec![Line::from(Span::styled(
                    format!(" {}", t.assign_n_suggested.replace("{}", &n)),
                    th.text,
                ))];
                for (i, (no, s)) in self.pairs.iter().enumerate().take(PAIRS_SHOWN) {
                    let name = self.names.get(i).cloned().unwrap_or_else(|| no.to_string());
                    l.push(Line::from(vec![
                        Span::styled(format!("   {} ", ui::pad(&name, 8)), th.text),
                        Span::styled(format!("-> {}", s.name), th.accent),
                    ]));
                }
                if self.pairs.len() > PAIRS_SHOWN {
                    l.push(Line::from(Span::styled(
                        format!(
                            "   {}",
                            t.and_more.replace("{}", &(self.pairs.len() - PAIRS_SHOWN).to_string())
                        ),
                        th.muted,
                    )));
                }
                l
            }
        };
        lines.push(Line::from(""));
        if let Ok(preview) = &self.effects
            && !preview.cross_outlet.is_empty()
        {
            // Seen before the reason is typed, so a move across outlets is never made unawares.
            lines.push(Line::from(Span::styled(format!(" {}", t.cross_outlet_note), th.warning)));
            for x in preview.cross_outlet.iter().take(CROSS_SHOWN) {
                lines.push(Line::from(Span::styled(
                    format!(
                        "   {}（{}）→ {}（{}）",
                        x.client_name, x.client_outlet, x.staff.name, x.staff_outlet
                    ),
                    th.warning,
                )));
            }
            if preview.cross_outlet.len() > CROSS_SHOWN {
                let more = (preview.cross_outlet.len() - CROSS_SHOWN).to_string();
                lines.push(Line::from(Span::styled(
                    format!("   {}", t.and_more.replace("{}", &more)),
                    th.muted,
                )));
            }
        }
        match &self.effects {
            Ok(preview) if !preview.effects.is_empty() => {
                lines.push(Line::from(Span::styled(format!(" {}", t.quota_effect), th.muted)));
                for e in &preview.effects {
                    let after = e.standing_after();
                    let verdict = if after.meets_quota() {
                        Span::styled(t.meets_quota.to_string(), th.ok)
                    } else {
                        Span::styled(t.short_by.replace("{}", &after.shortfall().to_string()), th.overdue)
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("   {} ", ui::pad(&e.staff.name, 8)), th.text),
                        Span::styled(format!("{} {} -> {}  ", t.col_roster, e.before, e.after), th.text),
                        Span::styled(format!("（{} {}，", t.quota, e.minimum), th.muted),
                        verdict,
                        Span::styled("）", th.muted),
                    ]));
                }
            }
            Ok(_) => {}
            Err(e) => lines.push(Line::from(Span::styled(format!(" {e}"), th.overdue))),
        }
        lines.push(Line::from(""));
        let reason_row = lines.len();
        lines.push(Line::from(Span::styled(format!(" {}", t.reason_label), th.accent)));
        lines.push(Line::from(""));
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!(" {e}"), th.overdue)));
        }
        lines.push(Line::from(Span::styled(format!(" {}", t.move_hint), th.muted)));
        let [text, _] =
            Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Min(0)]).areas(area);
        let lines: Vec<Line> = lines.into_iter().flat_map(|l| wrap_at_gaps(l, text.width)).collect();
        f.render_widget(Paragraph::new(lines), text);
        let label_w = ui::width(t.reason_label) as u16 + 2;
        let input = Rect {
            x: area.x + label_w,
            y: area.y + reason_row as u16,
            width: area.width.saturating_sub(label_w + 1).min(50),
            height: 1,
        };
        self.reason.set_style(th.popup);
        self.reason.set_cursor_style(th.key);
        f.render_widget(&self.reason, input);
        let cur = self.reason.screen_cursor();
        f.set_cursor_position((input.x + cur.col as u16, input.y));
    }
}
