//! 新品 (managers): product launches with how many recommendations are done; `n` launches a new
//! product, which gives every maintainer one recommendation task per roster client; `e`
//! corrects the selected launch, `w` withdraws it (both audited).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};
use ratatui_textarea::TextArea;

use super::super::columns::{Column, Columns};
use super::super::keys::{self, Entry, F, FT, Global, How, Nav, ONE_LINE, OneLine, ch, code, ctrl, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::{export_report, nav, percent_line};
use crate::domain::LaunchId;
use crate::domain::calendar::parse_date_input;
use crate::service::ServiceError;
use crate::service::views::{LaunchSummary, ReportKind};

pub struct LaunchesScreen {
    launches: Vec<LaunchSummary>,
    state: TableState,
}

impl LaunchesScreen {
    pub fn new(cx: &Ctx) -> Result<LaunchesScreen, ServiceError> {
        let mut s = LaunchesScreen { launches: Vec::new(), state: TableState::default() };
        s.refresh(cx)?;
        Ok(s)
    }
}

/// What a key does on 新品.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    New,
    Edit,
    Withdraw,
    Export,
    Refresh,
}

/// 新品's keys: dispatch, footer, help and docs/KEYS.md all read this.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(
        &[ch('n')],
        Cmd::New,
        |t| t.key_new_launch,
        How {
            doc: Some("发布新品推介（名称、说明、截止日，截止日写法同“下次回访”）"), ..F
        },
    ),
    key(
        &[ch('e')],
        Cmd::Edit,
        |t| t.key_edit_launch,
        How {
            doc: Some(
                "修改选中的新品（名称、说明、截止日；已截止的不能改截止日，未完成的推介任务随新截止日改期；记入审计，网点负责人只能改本网点发布的）",
            ),
            ..F
        },
    ),
    key(
        &[ch('w')],
        Cmd::Withdraw,
        |t| t.key_withdraw_launch,
        How {
            doc: Some(
                "撤回选中的新品（填写原因，Enter 撤回：未完成的推介任务取消、不算没做到，已完成的保留；已截止的不能撤回；记入审计）",
            ),
            ..F
        },
    ),
    key(&[ch('x')], Cmd::Export, |t| t.key_export, How { doc: Some("导出 Excel"), ..F }),
    Entry::Global(Global::Help),
    Entry::Global(Global::Quit),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
    Entry::Page(Cmd::Nav),
];

/// What a key does in the launch form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormCmd {
    NextField,
    Enter,
    PrevField,
    Save,
    Cancel,
    Clear,
}

/// The launch form's keys; every other key edits the field.
pub static FORM_KEYS: &[Entry<FormCmd>] = &[
    key(&[code(KeyCode::Tab), code(KeyCode::Down)], FormCmd::NextField, |t| t.key_next_field, FT),
    key(&[ctrl('s')], FormCmd::Save, |t| t.key_save, FT),
    key(&[code(KeyCode::Esc)], FormCmd::Cancel, |t| t.key_cancel, FT),
    key(&[code(KeyCode::BackTab), code(KeyCode::Up)], FormCmd::PrevField, |t| t.key_prev_field, keys::T),
    key(&[code(KeyCode::Enter)], FormCmd::Enter, |t| t.key_enter_form, keys::T),
    key(&[ctrl('u')], FormCmd::Clear, |t| t.key_clear, keys::T),
];

impl Screen for LaunchesScreen {
    fn title(&self, t: &Text) -> String {
        t.launches_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |_| true)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.launches = cx.api.launches()?;
        let n = self.launches.len();
        self.state.select(if n == 0 { None } else { Some(self.state.selected().unwrap_or(0).min(n - 1)) });
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let Some(cmd) = keys::command(KEYS, &key, false, |_| true) else { return Action::None };
        match cmd {
            Cmd::Nav(to) => {
                nav(&mut self.state, to, self.launches.len());
                Action::None
            }
            Cmd::New => Action::Push(Box::new(LaunchForm::new(cx))),
            Cmd::Edit => match self.state.selected().and_then(|i| self.launches.get(i)) {
                Some(l) => Action::Push(Box::new(LaunchForm::correcting(l, cx))),
                None => Action::None,
            },
            Cmd::Withdraw => match self.state.selected().and_then(|i| self.launches.get(i)) {
                Some(l) if l.withdrawn.is_none() => Action::Push(Box::new(WithdrawForm::new(l, cx))),
                _ => Action::None,
            },
            Cmd::Export => export_report(cx, ReportKind::Launches, None),
            Cmd::Refresh => Action::after(self.refresh(cx)),
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let today = cx.me.today;
        let [list, detail] = Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(area);
        if self.launches.is_empty() {
            f.render_widget(Paragraph::new(Span::styled(format!(" {}", t.no_launches), th.muted)), list);
            return;
        }
        // Dropped right to left as the terminal narrows; the name and the figures stay.
        let cols = [
            Column::text(t.col_product, 6, 20, 0),
            Column::whole(t.col_launched, 3),
            Column::whole(t.deadline, 1),
            Column::whole(t.col_done_of, 0),
            Column::whole(t.col_coverage_pct, 0),
            Column::whole("", 2),
        ];
        let cells: Vec<Vec<Line>> = self
            .launches
            .iter()
            .map(|l| {
                let (status, style) = match (l.withdrawn, l.days_left) {
                    (Some(_), _) => (t.withdrawn_status.to_string(), th.muted),
                    (None, Some(n)) => (t.days_left.replace("{}", &n.to_string()), th.accent),
                    (None, None) => (t.ended.to_string(), th.muted),
                };
                vec![
                    Line::from(Span::styled(crate::domain::inert(&l.launch.name).into_owned(), th.text)),
                    Line::from(Span::styled(ui::date(l.launched, today, t), th.muted)),
                    Line::from(Span::styled(ui::date(l.launch.deadline, today, t), th.text)),
                    Line::from(Span::styled(format!("{}/{}", l.pitched.done, l.pitched.of), th.text)),
                    percent_line(l.pitched, cx),
                    Line::from(Span::styled(status, style)),
                ]
            })
            .collect();
        let plan = Columns::plan(&cols, &cells, list.width, 1, 1);
        let rows: Vec<Row> = cells.into_iter().map(|c| plan.row(c)).collect();
        f.render_stateful_widget(
            Table::new(rows, plan.constraints())
                .header(plan.header(&cols, th.title))
                .row_highlight_style(th.selection)
                .highlight_symbol(">"),
            list,
            &mut self.state,
        );
        if let Some(l) = self.state.selected().and_then(|i| self.launches.get(i)) {
            f.render_widget(
                Paragraph::new(vec![
                    Line::from(Span::styled(format!(" {}", l.launch.name), th.title)),
                    Line::from(Span::styled(
                        format!(" {}", ui::fit(&l.description, area.width as usize - 2)),
                        th.text,
                    )),
                ]),
                detail,
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Description,
    Deadline,
}

pub struct LaunchForm {
    /// The launch being corrected; `None`: a new launch.
    correcting: Option<LaunchId>,
    name: TextArea<'static>,
    description: TextArea<'static>,
    deadline: TextArea<'static>,
    focus: Field,
    error: Option<String>,
}

impl LaunchForm {
    pub fn new(cx: &Ctx) -> LaunchForm {
        LaunchForm {
            correcting: None,
            name: ui::text_input("", cx.t.launch_name_placeholder),
            description: ui::text_input("", cx.t.launch_desc_placeholder),
            deadline: ui::text_input("", cx.t.next_placeholder),
            focus: Field::Name,
            error: None,
        }
    }

    /// The form filled with `launch` as it stands, saving a correction.
    pub fn correcting(launch: &LaunchSummary, cx: &Ctx) -> LaunchForm {
        LaunchForm {
            correcting: Some(launch.launch.id),
            name: ui::text_input(&launch.launch.name, cx.t.launch_name_placeholder),
            description: ui::text_input(&launch.description.replace('\n', " "), cx.t.launch_desc_placeholder),
            deadline: ui::text_input(
                &launch.launch.deadline.format("%Y-%m-%d").to_string(),
                cx.t.next_placeholder,
            ),
            focus: Field::Name,
            error: None,
        }
    }

    fn text(t: &TextArea) -> String {
        t.lines().join(" ").trim().to_string()
    }

    fn save(&mut self, cx: &Ctx) -> Action {
        let deadline = match parse_date_input(&Self::text(&self.deadline), cx.me.today) {
            Ok(d) => d,
            Err(e) => {
                self.error = Some(format!("{}：{}", cx.t.deadline, e.text(cx.t.lang)));
                return Action::None;
            }
        };
        let (name, description) = (Self::text(&self.name), Self::text(&self.description));
        let saved = match self.correcting {
            None => cx
                .api
                .launch_product(name, description, deadline)
                .map(|l| cx.t.launched.replace("{}", &l.name)),
            Some(id) => cx
                .api
                .correct_launch(id, name, description, deadline)
                .map(|l| cx.t.launch_corrected.replace("{}", &l.name)),
        };
        match saved {
            Ok(message) => Action::PopSaved(message),
            Err(e) => {
                self.error = Some(e.render(cx.t.lang));
                Action::None
            }
        }
    }
}

impl Screen for LaunchForm {
    fn title(&self, t: &Text) -> String {
        if self.correcting.is_some() { t.edit_launch } else { t.new_launch }.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(FORM_KEYS, t, true, |_| true)
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let cmd = keys::command(FORM_KEYS, &key, true, |_| true);
        match cmd {
            Some(FormCmd::Cancel) => Action::Pop,
            Some(FormCmd::Save) => self.save(cx),
            Some(FormCmd::NextField | FormCmd::Enter) => {
                if cmd == Some(FormCmd::Enter) && self.focus == Field::Deadline {
                    return self.save(cx);
                }
                self.focus = match self.focus {
                    Field::Name => Field::Description,
                    _ => Field::Deadline,
                };
                Action::None
            }
            Some(FormCmd::PrevField) => {
                self.focus = match self.focus {
                    Field::Deadline => Field::Description,
                    _ => Field::Name,
                };
                Action::None
            }
            // Ctrl-U empties the field, as in every other form (#14: the editor's own Ctrl-U undid).
            Some(FormCmd::Clear) => {
                let field = match self.focus {
                    Field::Name => &mut self.name,
                    Field::Description => &mut self.description,
                    Field::Deadline => &mut self.deadline,
                };
                field.move_cursor(ratatui_textarea::CursorMove::End);
                field.delete_line_by_head();
                self.error = None;
                Action::None
            }
            None => {
                let field = match self.focus {
                    Field::Name => &mut self.name,
                    Field::Description => &mut self.description,
                    Field::Deadline => &mut self.deadline,
                };
                field.input(key);
                self.error = None;
                Action::None
            }
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let label_w: u16 = 14;
        let rows = [
            (Field::Name, t.col_product),
            (Field::Description, t.launch_desc),
            (Field::Deadline, t.deadline),
        ];
        let mut cursor = None;
        for (i, (field, label)) in rows.iter().enumerate() {
            let y = area.y + 1 + i as u16 * 2;
            let focused = self.focus == *field;
            let marker = if focused { ">" } else { " " };
            let label_area = Rect { x: area.x, y, width: label_w, height: 1 };
            f.render_widget(
                Paragraph::new(Span::styled(
                    format!("{marker}{label}"),
                    if focused { th.accent } else { th.text },
                )),
                label_area,
            );
            let w =
                if *field == Field::Deadline { 24 } else { area.width.saturating_sub(label_w + 1).min(60) };
            let input_area = Rect { x: area.x + label_w, y, width: w, height: 1 };
            let ta = match field {
                Field::Name => &mut self.name,
                Field::Description => &mut self.description,
                Field::Deadline => &mut self.deadline,
            };
            ta.set_style(if focused { th.selection } else { th.popup });
            ta.set_cursor_style(if focused { th.key } else { Style::default() });
            f.render_widget(&*ta, input_area);
            if focused {
                let c = ta.screen_cursor();
                cursor = Some((input_area.x + c.col as u16, y));
            }
            if *field == Field::Deadline {
                let hint = match parse_date_input(&Self::text(ta), cx.me.today) {
                    Ok(d) if !Self::text(ta).is_empty() => {
                        Span::styled(format!(" = {}", ui::long_date(d, t)), th.muted)
                    }
                    _ => Span::raw(""),
                };
                f.render_widget(
                    Paragraph::new(hint),
                    Rect { x: input_area.x + w, y, width: area.width.saturating_sub(label_w + w), height: 1 },
                );
            }
        }
        if let Some(c) = cursor {
            f.set_cursor_position(c);
        }
        let msg_y = area.y + 1 + rows.len() as u16 * 2;
        let msg = match &self.error {
            Some(e) => Span::styled(format!(" {e}"), th.overdue),
            None if self.correcting.is_some() => Span::styled(format!(" {}", t.edit_launch_hint), th.muted),
            None => Span::styled(format!(" {}", t.launch_hint), th.muted),
        };
        f.render_widget(Paragraph::new(msg), Rect { x: area.x, y: msg_y, width: area.width, height: 1 });
    }
}

/// Withdrawing a launch: asks why (the reason goes into the audit), then withdraws it.
pub struct WithdrawForm {
    id: LaunchId,
    name: String,
    reason: TextArea<'static>,
    error: Option<String>,
}

impl WithdrawForm {
    pub fn new(launch: &LaunchSummary, _cx: &Ctx) -> WithdrawForm {
        WithdrawForm {
            id: launch.launch.id,
            name: launch.launch.name.clone(),
            reason: ui::text_input("", ""),
            error: None,
        }
    }

    fn save(&mut self, cx: &Ctx) -> Action {
        let reason = self.reason.lines().join(" ").trim().to_string();
        match cx.api.withdraw_launch(self.id, reason) {
            Ok(n) => Action::PopSaved(cx.t.launch_withdrawn.replace("{}", &n.to_string())),
            Err(e) => {
                self.error = Some(e.render(cx.t.lang));
                Action::None
            }
        }
    }
}

impl Screen for WithdrawForm {
    fn title(&self, t: &Text) -> String {
        t.withdraw_launch.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(ONE_LINE, t, true, |_| true)
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match keys::command(ONE_LINE, &key, true, |_| true) {
            Some(OneLine::Cancel) => Action::Pop,
            Some(OneLine::Save) => self.save(cx),
            // Ctrl-U clears the reason, as in every other one-line field (#14: it did not).
            Some(OneLine::Clear) => {
                self.reason = ui::text_input("", "");
                self.error = None;
                Action::None
            }
            None => {
                self.reason.input(key);
                self.error = None;
                Action::None
            }
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let label_w: u16 = 14;
        f.render_widget(
            Paragraph::new(Span::styled(
                format!(" {}", ui::fit(&self.name, area.width as usize - 2)),
                th.title,
            )),
            Rect { x: area.x, y: area.y + 1, width: area.width, height: 1 },
        );
        let y = area.y + 3;
        f.render_widget(
            Paragraph::new(Span::styled(format!(">{}", t.withdraw_reason), th.accent)),
            Rect { x: area.x, y, width: label_w, height: 1 },
        );
        let w = area.width.saturating_sub(label_w + 1).min(60);
        let input_area = Rect { x: area.x + label_w, y, width: w, height: 1 };
        self.reason.set_style(th.selection);
        self.reason.set_cursor_style(th.key);
        f.render_widget(&self.reason, input_area);
        let c = self.reason.screen_cursor();
        f.set_cursor_position((input_area.x + c.col as u16, y));
        let msg = match &self.error {
            Some(e) => Span::styled(format!(" {e}"), th.overdue),
            None => Span::styled(format!(" {}", t.withdraw_hint), th.muted),
        };
        f.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: false }),
            Rect {
                x: area.x,
                y: y + 2,
                width: area.width,
                height: area.height.saturating_sub(y + 2 - area.y),
            },
        );
    }
}
