//! 我的名单: every client on the user's roster, sortable and filterable, with quota standing.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, TableState};

use super::super::columns::{Column, Columns};
use super::super::keys::{self, Entry, F, Global, How, Nav, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::nav;
use std::collections::BTreeSet;

use ratatui::style::Modifier;

use super::handover::StaffPicker;
use crate::domain::{ClientClass, ClientNo, ClientStatus, Permission, Requirement, Segment, StaffNo};
use crate::service::ServiceError;
use crate::service::views::{RosterFilter, RosterPage, RosterSort};

const SORTS: [RosterSort; 4] =
    [RosterSort::NextCallback, RosterSort::Assets, RosterSort::LastContact, RosterSort::Name];

/// Filters a user steps through with `f`, in order.
fn filters() -> Vec<RosterFilter> {
    let mut out = vec![RosterFilter::default()];
    out.extend(ClientClass::ALL.iter().map(|c| RosterFilter { class: Some(*c), ..RosterFilter::default() }));
    out.extend(Segment::ALL.iter().map(|s| RosterFilter { segment: Some(*s), ..RosterFilter::default() }));
    out.extend(Requirement::ALL.iter().map(|r| RosterFilter { gap: Some(*r), ..RosterFilter::default() }));
    out.push(RosterFilter { status: Some(ClientStatus::Dormant), ..RosterFilter::default() });
    out
}

/// What a key does on a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Open,
    Mark,
    Move,
    HandOverAll,
    Back,
    Contact,
    Sort,
    SortBack,
    Filter,
    FilterClear,
    Refresh,
    MenuPick,
    MenuClose,
}

/// The roster's keys (one's own, and a colleague's opened from 覆盖): dispatch, footer, help
/// and docs/KEYS.md all read this.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(&[code(KeyCode::Enter)], Cmd::MenuPick, |t| t.key_pick_filter, How { doc_keys: Some(""), ..F }),
    key(&[code(KeyCode::Enter)], Cmd::Open, |t| t.key_open, How { doc: Some("打开客户"), ..F }),
    key(
        &[ch(' ')],
        Cmd::Mark,
        |t| t.key_mark,
        How { doc: Some("标记客户，再按取消（管理者；`m` 移交标记的客户）"), ..F },
    ),
    key(
        &[ch('m')],
        Cmd::Move,
        |t| t.key_move_clients,
        How { doc: Some("把标记的（或选中的）客户移交给他人（管理者）"), ..F },
    ),
    key(
        &[ch('H')],
        Cmd::HandOverAll,
        |t| t.key_handover_all,
        How { doc: Some("移交整份名单（管理者，在从覆盖打开的员工名单上）"), ..F },
    ),
    key(
        &[code(KeyCode::Esc), ch('f'), ch('q')],
        Cmd::MenuClose,
        |t| t.key_close_menu,
        How { doc_keys: Some(""), ..F },
    ),
    key(
        &[code(KeyCode::Esc), ch('q')],
        Cmd::Back,
        |t| t.key_back,
        How { doc: Some("返回覆盖（在从覆盖打开的员工名单上）"), ..F },
    ),
    key(&[ch('c')], Cmd::Contact, |t| t.key_contact, How { doc: Some("记录联系"), ..F }),
    Entry::Global(Global::Search),
    key(
        &[ch('s')],
        Cmd::Sort,
        |t| t.key_sort,
        How {
            doc_keys: Some("`s` / `S`"),
            doc: Some("下一种 / 上一种排序：下次回访、资产、最近联系、姓名（按拼音）"),
            ..F
        },
    ),
    key(
        &[ch('f')],
        Cmd::Filter,
        |t| t.key_filter,
        How {
            doc: Some(
                "打开筛选菜单（全部、各客户分类、各客户类型、缺某项基本要求、沉睡客户），上下选择、Enter 确定、Esc 关闭",
            ),
            ..F
        },
    ),
    Entry::Global(Global::Help),
    Entry::Global(Global::Quit),
    Entry::Page(Cmd::Nav),
    key(&[ch('S')], Cmd::SortBack, |t| t.key_sort_back, How { doc_keys: Some(""), ..F }),
    key(&[ch('F')], Cmd::FilterClear, |t| t.key_filter_clear, How { doc: Some("取消筛选（回到全部）"), ..F }),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
];

pub struct RosterScreen {
    /// Someone else's roster, opened by a manager from 覆盖.
    of: Option<StaffNo>,
    page: RosterPage,
    sort: usize,
    filter: usize,
    state: TableState,
    /// Clients marked with Space for a move.
    marked: BTreeSet<ClientNo>,
    /// The filter menu, open with the highlighted entry.
    menu: Option<usize>,
    /// The user may mark and move clients.
    manager: bool,
}

impl RosterScreen {
    pub fn new(cx: &Ctx) -> Result<RosterScreen, ServiceError> {
        RosterScreen::open(None, cx)
    }

    /// A staff member's roster as a manager sees it, to check and to hand clients over.
    pub fn of_staff(no: StaffNo, cx: &Ctx) -> Result<RosterScreen, ServiceError> {
        RosterScreen::open(Some(no), cx)
    }

    fn open(of: Option<StaffNo>, cx: &Ctx) -> Result<RosterScreen, ServiceError> {
        let (sort, filter) = Self::remembered(of.is_some(), cx).get();
        let (sort, filter) = (sort % SORTS.len(), filter % filters().len());
        let page = cx.api.roster(of.clone(), SORTS[sort], filters()[filter].clone())?;
        let mut state = TableState::default();
        state.select((!page.rows.is_empty()).then_some(0));
        Ok(RosterScreen {
            of,
            page,
            sort,
            filter,
            state,
            marked: BTreeSet::new(),
            menu: None,
            manager: Self::manager(cx),
        })
    }

    /// Where this kind of roster keeps its sort and filter for the session.
    fn remembered<'c>(of_staff: bool, cx: &'c Ctx) -> &'c std::cell::Cell<(usize, usize)> {
        if of_staff { &cx.memory.staff_roster } else { &cx.memory.roster }
    }

    /// Shows the list again with the current sort and filter, and remembers them.
    fn resort(&mut self, cx: &Ctx) -> Action {
        Self::remembered(self.of.is_some(), cx).set((self.sort, self.filter));
        self.state.select(None);
        Action::after(self.refresh(cx))
    }

    /// A command while the filter menu is open: move, choose, close.
    fn on_menu(&mut self, at: usize, cmd: Cmd, cx: &Ctx) -> Action {
        let n = filters().len();
        match cmd {
            Cmd::Nav(Nav::Up) => self.menu = Some((at + n - 1) % n),
            Cmd::Nav(Nav::Down) => self.menu = Some((at + 1) % n),
            Cmd::Nav(Nav::Top) => self.menu = Some(0),
            Cmd::Nav(Nav::Bottom) => self.menu = Some(n - 1),
            Cmd::MenuPick => {
                self.menu = None;
                self.filter = at;
                return self.resort(cx);
            }
            Cmd::MenuClose => self.menu = None,
            _ => {}
        }
        Action::None
    }

    /// Which commands apply now: the filter menu takes only its own; marking and moving are for
    /// managers; a colleague's roster (from 覆盖) can be handed over whole and closed.
    fn offers(&self, c: Cmd) -> bool {
        match c {
            Cmd::MenuPick | Cmd::MenuClose => self.menu.is_some(),
            Cmd::Nav(Nav::PageUp | Nav::PageDown) => self.menu.is_none(),
            Cmd::Nav(_) => true,
            _ if self.menu.is_some() => false,
            Cmd::Mark | Cmd::Move => self.manager,
            Cmd::HandOverAll => self.manager && self.of.is_some(),
            Cmd::Back => self.of.is_some(),
            _ => true,
        }
    }

    fn manager(cx: &Ctx) -> bool {
        cx.me.staff.may(Permission::Manager)
    }

    fn pick_receiver(&self, clients: Vec<ClientNo>, cx: &Ctx) -> Action {
        let name_of = |no: &ClientNo| {
            self.page.rows.iter().find(|r| &r.no == no).map(|r| r.name.clone()).unwrap_or_default()
        };
        let names = clients.iter().map(name_of).collect();
        self.hand_over(clients, names, cx)
    }

    fn hand_over(&self, clients: Vec<ClientNo>, names: Vec<String>, cx: &Ctx) -> Action {
        if clients.is_empty() {
            return Action::None;
        }
        let from = Some(self.page.of.no.clone());
        Action::Push(Box::new(StaffPicker::new(clients, names, from, cx)))
    }

    /// The marked clients, or the selected one if none is marked.
    fn to_move(&self) -> Vec<ClientNo> {
        if self.marked.is_empty() {
            self.selected_client().into_iter().collect()
        } else {
            self.marked.iter().cloned().collect()
        }
    }

    fn sort_name(&self, t: &Text) -> &'static str {
        match SORTS[self.sort] {
            RosterSort::NextCallback => t.sort_next,
            RosterSort::Assets => t.sort_assets,
            RosterSort::LastContact => t.sort_last,
            RosterSort::Name => t.sort_name,
        }
    }

    fn filter_name(&self, t: &Text) -> String {
        filter_label(&filters()[self.filter], t)
    }

    fn selected_client(&self) -> Option<crate::domain::ClientNo> {
        self.page.rows.get(self.state.selected()?).map(|r| r.no.clone())
    }
}

impl RosterScreen {
    /// The filter menu over the list: every filter on its own line, the current one marked.
    fn render_menu(&self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let Some(at) = self.menu else { return };
        let t = cx.t;
        let th = cx.theme;
        let all = filters();
        // As many lines as fit, scrolled so the highlighted one shows.
        let fit = usize::from(area.height.saturating_sub(4)).max(1);
        let first = at.saturating_sub(fit - 1);
        let lines: Vec<Line<'static>> = all
            .iter()
            .enumerate()
            .skip(first)
            .take(fit)
            .map(|(i, flt)| {
                let mark = if i == self.filter { "*" } else { " " };
                let text = format!("{mark} {}", filter_label(flt, t));
                if i == at {
                    Line::from(Span::styled(text, th.selection))
                } else {
                    Line::from(Span::styled(text, th.text))
                }
            })
            .collect();
        super::modal::popup(f, area, cx, t.filter_menu, lines);
    }
}

/// What a filter is called in the header and the menu.
fn filter_label(f: &RosterFilter, t: &Text) -> String {
    {
        if let Some(c) = f.class {
            t.class(c).to_string()
        } else if let Some(s) = f.segment {
            t.segment(s).to_string()
        } else if let Some(r) = f.gap {
            t.filter_gap.replace("{}", t.requirement(r))
        } else if let Some(s) = f.status {
            t.status(s).to_string()
        } else {
            t.all.to_string()
        }
    }
}

impl Screen for RosterScreen {
    fn title(&self, t: &Text) -> String {
        match &self.of {
            Some(_) => format!("{} · {}", t.roster_of, self.page.of.name),
            None => t.roster.to_string(),
        }
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |c| self.offers(c))
    }

    fn legend(&self, t: &Text) -> Vec<String> {
        let badges: Vec<String> = Requirement::ALL
            .iter()
            .map(|r| format!("{} {}", t.requirement_badge(*r), t.requirement(*r)))
            .collect();
        let classes: Vec<String> =
            ClientClass::ALL.iter().map(|c| format!("{} {}", t.class_short(*c), t.class(*c))).collect();
        vec![
            format!("{}: {}", t.col_gaps, badges.join("  ")),
            // One line: the help box must still fit 24 rows.
            format!("{}: {}", t.col_class, classes.join(t.list_sep)),
            t.legend_short.to_string(),
        ]
    }

    /// Reloads the page; the cursor stays on the same client when a change elsewhere moved it.
    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        let was = self.selected_client();
        let page = cx.api.roster(self.of.clone(), SORTS[self.sort], filters()[self.filter].clone())?;
        self.marked.retain(|no| page.rows.iter().any(|r| &r.no == no));
        let n = page.rows.len();
        let same = was.and_then(|no| page.rows.iter().position(|r| r.no == no));
        self.page = page;
        self.state.select(match (same, self.state.selected(), n) {
            (_, _, 0) => None,
            (Some(i), _, _) => Some(i),
            (None, Some(i), n) => Some(i.min(n - 1)),
            (None, None, _) => Some(0),
        });
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let Some(cmd) = keys::command(KEYS, &key, false, |c| self.offers(c)) else { return Action::None };
        if let Some(at) = self.menu {
            return self.on_menu(at, cmd, cx);
        }
        let n = self.page.rows.len();
        match cmd {
            Cmd::Nav(to) => {
                nav(&mut self.state, to, n);
                Action::None
            }
            Cmd::Open => match self.selected_client() {
                Some(no) => super::open_client(no, cx),
                None => Action::None,
            },
            Cmd::Mark => {
                if let Some(no) = self.selected_client()
                    && !self.marked.remove(&no)
                {
                    self.marked.insert(no);
                }
                nav(&mut self.state, Nav::Down, n);
                Action::None
            }
            Cmd::Move => {
                let clients = self.to_move();
                self.pick_receiver(clients, cx)
            }
            // The whole roster, whatever the filter on screen shows.
            Cmd::HandOverAll => {
                match cx.api.roster(self.of.clone(), SORTS[self.sort], RosterFilter::default()) {
                    Ok(full) => {
                        let (clients, names) = full.rows.into_iter().map(|r| (r.no, r.name)).unzip();
                        self.hand_over(clients, names, cx)
                    }
                    Err(e) => Action::error(e),
                }
            }
            Cmd::Back => Action::Pop,
            Cmd::Contact => match self.selected_client() {
                Some(no) => super::open_contact_form(no, super::contact_form::Prefill::default(), cx),
                None => Action::None,
            },
            Cmd::Sort => {
                self.sort = (self.sort + 1) % SORTS.len();
                self.resort(cx)
            }
            Cmd::SortBack => {
                self.sort = (self.sort + SORTS.len() - 1) % SORTS.len();
                self.resort(cx)
            }
            Cmd::Filter => {
                self.menu = Some(self.filter);
                Action::None
            }
            Cmd::FilterClear => {
                self.filter = 0;
                self.resort(cx)
            }
            Cmd::Refresh => Action::after(self.refresh(cx)),
            Cmd::MenuPick | Cmd::MenuClose => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let page = &self.page;
        let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);

        let st = page.standing;
        // A role without a quota shows how many clients there are, not "47 配额" (which reads as
        // a quota of 47).
        let quota = if st.minimum == 0 {
            Span::styled(t.clients_count.replace("{}", &page.total.to_string()), th.text)
        } else if st.meets_quota() {
            Span::styled(format!("{}/{} {} {}", st.size, st.minimum, t.quota, t.meets_quota), th.ok)
        } else {
            let short = t.short_by.replace("{}", &st.shortfall().to_string());
            Span::styled(format!("{}/{} {} {short}", st.size, st.minimum, t.quota), th.overdue)
        };
        let mut shown = if page.rows.len() as u32 == page.total {
            String::new()
        } else {
            format!("  {}/{}", page.rows.len(), page.total)
        };
        if !self.marked.is_empty() {
            shown.push_str(&format!("  {}", t.marked_count.replace("{}", &self.marked.len().to_string())));
        }
        f.render_widget(
            Paragraph::new(Line::from(vec![
                quota,
                Span::styled(shown, th.muted),
                Span::styled(format!("  {}:", t.sorted_by), th.muted),
                Span::styled(self.sort_name(t), th.accent),
                Span::styled(format!("  {}:", t.filter), th.muted),
                Span::styled(self.filter_name(t), th.accent),
            ])),
            head,
        );

        if page.rows.is_empty() {
            let msg = if page.total == 0 { t.no_clients } else { t.no_match };
            f.render_widget(
                Paragraph::new(msg).style(th.muted).wrap(ratatui::widgets::Wrap { trim: true }),
                body,
            );
            return;
        }
        let today = cx.me.today;
        // Dropped right to left as the terminal narrows; the name and client number stay.
        let cols = [
            Column::text(t.col_name, 4, 8, 0),
            Column::whole(t.col_no, 0),
            Column::whole(t.col_tier, 4),
            Column::whole(t.col_class, 6),
            Column::whole(t.col_assets, 3),
            Column::whole(t.col_last, 5),
            Column::whole(t.col_next, 2),
            Column::whole(t.col_sticker, 7),
            Column::text(t.col_gaps, 2, 10, 8),
            Column::whole(t.segment, 9),
            Column::whole(t.status, 10),
        ];
        let cells: Vec<Vec<Line>> = page
            .rows
            .iter()
            .map(|r| {
                let next = match r.next_callback {
                    Some(d) => Line::from(Span::styled(ui::date(d, today, t), ui::due_style(d, today, th))),
                    None => Line::from(Span::styled("-", th.muted)),
                };
                let gaps: String = r.gaps.iter().map(|g| t.requirement_badge(*g)).collect();
                let name_style = if self.marked.contains(&r.no) {
                    th.warning.add_modifier(Modifier::UNDERLINED)
                } else {
                    th.text
                };
                vec![
                    Line::from(Span::styled(crate::domain::inert(&r.name).into_owned(), name_style)),
                    Line::from(Span::styled(r.no.to_string(), th.muted)),
                    Line::from(Span::styled(t.tier(r.tier), th.text)),
                    Line::from(Span::styled(t.class_short(r.class), th.text)),
                    Line::from(Span::styled(ui::amount(&r.assets, t), th.text)),
                    Line::from(Span::styled(ui::opt_date(r.last_contact, today, t), th.text)),
                    next,
                    Line::from(if r.sticker {
                        Span::styled("✓", th.ok)
                    } else {
                        Span::styled("-", th.muted)
                    }),
                    Line::from(Span::styled(gaps, th.warning)),
                    Line::from(Span::styled(t.segment(r.segment), th.text)),
                    Line::from(Span::styled(t.status(r.status), th.muted)),
                ]
            })
            .collect();
        let table = Columns::list(&cols, cells, body.width, th.title, th.selection);
        f.render_stateful_widget(table, body, &mut self.state);
        self.render_menu(f, area, cx);
    }
}
