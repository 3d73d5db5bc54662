//! 客户: one client's card — profile with masked fields, basic-requirement checklist, sticker,
//! marketing plan, open tasks and the contact timeline, newest first.

use std::collections::BTreeMap;

use chrono::Datelike;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::columns::{fit_line, wrap_at_gaps};
use super::super::keys::{self, Entry, F, Global, How, ONE_LINE, OneLine, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Message, Screen};
use super::super::text::Text;
use super::super::ui;
use super::contact_form::Prefill;
use super::handover::{StaffPicker, out_of_scope};
use super::modal::Confirm;
use super::plan_editor::PlanEditor;
use crate::domain::calendar::{DateSense, parse_date};
use crate::domain::client::display_permille;
use crate::domain::{ClientNo, Permission, Requirement, Sensitive, Sticker};
use crate::service::ServiceError;
use crate::service::views::{ClientCard, ContactView};

/// What a key does on a client card (and in the contact opened from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Contact,
    Plan,
    Sticker,
    Assign,
    Back,
    RevealPhone,
    RevealId,
    RevealAssets,
    Undo,
    ScrollDown,
    ScrollUp,
    Read,
    Refresh,
    Complaint,
}

/// The client card's keys: dispatch, footer, help and docs/KEYS.md all read this.
pub static KEYS: &[Entry<Cmd>] = &[
    key(&[ch('c')], Cmd::Contact, |t| t.key_contact, How { doc: Some("记录联系"), ..F }),
    key(&[ch('e')], Cmd::Plan, |t| t.key_plan, How { doc: Some("编辑营销预案（仅维护人）"), ..F }),
    key(
        &[ch('t')],
        Cmd::Sticker,
        |t| t.key_sticker,
        How {
            doc: Some(
                "登记贴标：填贴标日期（默认今天；以前贴的可写 `09-19`、`上周五` 等，不能晚于今天），Enter 保存；已贴标时为取消贴标（确认后保存），原贴标日期保留，卡片显示“未贴标（原贴标 09-19）”，重新贴标时沿用。维护人或网点负责人",
            ),
            ..F
        },
    ),
    key(
        &[ch('a')],
        Cmd::Assign,
        |t| t.key_assign_client,
        How {
            doc: Some(
                "分配或移交这位客户（管理者；任何客户都可以，包括金卡以下的拓展、他行潜在客户；网点负责人只能在本网点内）",
            ),
            ..F
        },
    ),
    Entry::Chip(|_| "p/i/m", |t| t.key_reveal),
    key(&[code(KeyCode::Esc), ch('q'), code(KeyCode::Left), ch('h')], Cmd::Back, |t| t.key_back, F),
    Entry::Global(Global::Help),
    key(
        &[ch('p')],
        Cmd::RevealPhone,
        |t| t.key_reveal_phone,
        How {
            doc_keys: Some("`p` / `i` / `m`"),
            doc: Some("显示完整手机号 / 证件号 / 资产（每次显示都记入审计）；再按一次恢复遮蔽"),
            ..F
        },
    ),
    key(&[ch('i')], Cmd::RevealId, |t| t.key_reveal_id, How { doc_keys: Some(""), ..F }),
    key(&[ch('m')], Cmd::RevealAssets, |t| t.key_reveal_assets, How { doc_keys: Some(""), ..F }),
    key(
        &[ch('u')],
        Cmd::Undo,
        |t| t.key_undo,
        How {
            doc: Some("撤销在这张卡片上刚做的贴标改动（恢复原来的状态和日期）"), ..F
        },
    ),
    key(
        &[code(KeyCode::Down), ch('j')],
        Cmd::ScrollDown,
        |t| t.key_scroll,
        How {
            label: Some(|t| t.keys_up_down),
            doc_keys: Some("↑↓ / `j` `k`"),
            doc: Some("滚动联系记录；最上面一条（高亮）是 Enter 打开的那条"),
            ..F
        },
    ),
    key(&[code(KeyCode::Up), ch('k')], Cmd::ScrollUp, |t| t.key_scroll, keys::PARTNER),
    key(
        &[code(KeyCode::Enter)],
        Cmd::Read,
        |t| t.key_read,
        How {
            doc: Some("打开高亮的联系记录，显示全部内容（各项和完整的备注，自动换行）；↑↓ 滚动，Esc 返回"),
            ..F
        },
    ),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
    key(&[ch('o')], Cmd::Complaint, |t| t.cm().key_receive, How { doc: Some("为这位客户受理投诉"), ..F }),
];

/// One contact read in full: scroll and back.
pub static DETAIL_KEYS: &[Entry<Cmd>] = &[
    key(
        &[code(KeyCode::Down), ch('j')],
        Cmd::ScrollDown,
        |t| t.key_scroll,
        How { label: Some(|t| t.keys_up_down), doc_keys: Some("↑↓ / `j` `k`"), ..F },
    ),
    key(&[code(KeyCode::Up), ch('k')], Cmd::ScrollUp, |t| t.key_scroll, keys::PARTNER),
    key(
        &[code(KeyCode::Esc), ch('q'), code(KeyCode::Left), ch('h'), code(KeyCode::Enter)],
        Cmd::Back,
        |t| t.key_back,
        F,
    ),
];

pub struct ClientScreen {
    no: ClientNo,
    card: ClientCard,
    /// Fields the user revealed on this visit (each reveal was audited by the service).
    revealed: BTreeMap<SensitiveKey, String>,
    scroll: usize,
    /// The user is a manager: the card offers to put the client on a roster or move it.
    manager: bool,
    /// The sticker as it was when its form or question was opened from this card, until a
    /// reload shows whether it changed.
    sticker_before: Option<Sticker>,
    /// What `u` puts back: the sticker before the last change made from this card.
    sticker_undo: Option<Sticker>,
}

/// `Sensitive` as an ordered map key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SensitiveKey {
    Phone,
    Id,
    Assets,
}

impl SensitiveKey {
    fn field(self) -> Sensitive {
        match self {
            SensitiveKey::Phone => Sensitive::Phone,
            SensitiveKey::Id => Sensitive::IdNumber,
            SensitiveKey::Assets => Sensitive::Assets,
        }
    }
}

impl ClientScreen {
    pub fn new(no: ClientNo, cx: &Ctx) -> Result<ClientScreen, ServiceError> {
        let card = cx.api.client(no.clone())?;
        if card.mine {
            // Opening the card is how a maintainer sees a colleague's contact; if marking it
            // fails, the line simply stays on Today, so the card still opens.
            let _ = cx.api.seen_colleague_contacts(no.clone());
        }
        let manager = cx.me.staff.may(Permission::Manager);
        Ok(ClientScreen {
            no,
            card,
            revealed: BTreeMap::new(),
            scroll: 0,
            manager,
            sticker_before: None,
            sticker_undo: None,
        })
    }

    /// Any client — a 他行 prospect below gold as much as a gold client — can be put on a roster
    /// from its card, or handed to someone else, by a manager whose scope holds its outlet.
    fn assign(&self, cx: &Ctx) -> Action {
        let c = &self.card.client;
        if !cx.me.staff.may(Permission::Manager) {
            return Action::Say(Message::Error(cx.t.manager_only_assign.to_string()));
        }
        if !cx.me.staff.manages(&c.outlet) {
            return Action::Say(Message::Error(out_of_scope(&c.outlet, cx)));
        }
        let from = c.maintainer.as_ref().map(|m| m.no.clone());
        let picker = StaffPicker::new(vec![self.no.clone()], vec![c.name.clone()], from, cx);
        // The client's own outlet first when no one holds it yet.
        let picker = if c.maintainer.is_none() { picker.home(Some(c.outlet.clone())) } else { picker };
        Action::Push(Box::new(picker))
    }

    /// Shows a field in full (audited), or masks it again if it is shown: the same key hides
    /// it before someone else walks up to the counter.
    fn reveal(&mut self, key: SensitiveKey, cx: &Ctx) -> Action {
        if self.revealed.remove(&key).is_some() {
            return Action::None;
        }
        match cx.api.reveal(self.no.clone(), key.field()) {
            Ok(value) => {
                self.revealed.insert(key, value);
                Action::None
            }
            Err(e) => Action::error(e),
        }
    }

    fn shown(&self, key: SensitiveKey, masked: &str) -> (String, bool) {
        match self.revealed.get(&key) {
            Some(v) => (v.clone(), true),
            None => (masked.to_string(), false),
        }
    }

    fn profile_lines(&self, cx: &Ctx) -> Vec<Line<'static>> {
        let t = cx.t;
        let th = cx.theme;
        let c = &self.card.client;
        let today = cx.me.today;
        let label = |s: &str| Span::styled(format!("{s} "), th.muted);
        let gap = || Span::raw("  ");
        let (phone, phone_open) = self.shown(SensitiveKey::Phone, &c.phone);
        let (id, id_open) = self.shown(SensitiveKey::Id, &c.id_number);
        let (assets, assets_open) = match self.revealed.get(&SensitiveKey::Assets) {
            // The service reveals an unknown balance as empty; it stays 未知, with no 元 after it.
            Some(v) if v.is_empty() => (t.assets_unknown.to_string(), true),
            Some(v) => (format!("{v}{}", t.yuan), true),
            None => (ui::amount(&c.assets, t), false),
        };
        let value = |s: String, open: bool| Span::styled(s, if open { th.warning } else { th.text });
        let birthday = c.birthday.map_or_else(|| "-".into(), |b| b.to_string());
        let maintainer = c
            .maintainer
            .as_ref()
            .map_or_else(|| t.unassigned.to_string(), |m| format!("{}（{}）", m.name, m.no));
        let sticker = if c.sticker.done {
            let on = c.sticker.on.map(|d| format!(" {}", ui::date(d, today, t))).unwrap_or_default();
            Span::styled(format!("{}{on}", t.sticker_done), th.ok)
        } else {
            // A mark taken back keeps its date; say so, since putting it back reuses it.
            let kept = c
                .sticker
                .on
                .map(|d| t.sticker_kept.replace("{}", &ui::date(d, today, t)))
                .unwrap_or_default();
            Span::styled(format!("{}{kept}", t.sticker_not_done), th.warning)
        };
        let next = match c.next_callback {
            Some(d) => Span::styled(ui::date(d, today, t), ui::due_style(d, today, th)),
            None => Span::styled("-", th.muted),
        };
        let mut lines = vec![
            Line::from(vec![
                Span::styled(c.name.clone(), th.title),
                gap(),
                Span::styled(c.no.to_string(), th.muted),
                gap(),
                label(t.gender),
                Span::styled(t.gender(c.gender), th.text),
                gap(),
                label(t.birthday),
                Span::styled(birthday, th.text),
                gap(),
                label(t.outlet),
                Span::styled(c.outlet.to_string(), th.text),
                gap(),
                label(t.status),
                Span::styled(t.status(c.status), th.text),
            ]),
            Line::from(vec![
                label(t.col_tier),
                Span::styled(t.tier(c.tier), th.accent),
                gap(),
                label(t.col_class),
                Span::styled(t.class(c.class), th.text),
                gap(),
                label(t.segment),
                Span::styled(t.segment(c.segment), th.text),
                gap(),
                label(t.col_assets),
                value(assets, assets_open),
            ]),
            Line::from(vec![
                label(t.phone),
                value(phone, phone_open),
                gap(),
                label(t.id_number),
                value(id, id_open),
            ]),
            Line::from(vec![
                label(t.maintainer),
                Span::styled(maintainer, th.text),
                gap(),
                sticker,
                gap(),
                label(t.col_last),
                Span::styled(ui::opt_date(c.last_contact, today, t), th.text),
                gap(),
                label(t.col_next),
                next,
            ]),
        ];
        let mut checklist = vec![Span::styled(format!("【{}】", t.requirements), th.title)];
        for (req, met) in &self.card.checklist {
            let mark = if *met { Span::styled("✓", th.ok) } else { Span::styled("✗", th.overdue) };
            checklist.push(mark);
            let mut name = t.requirement(*req).to_string();
            if *req == Requirement::SelfService {
                name.push_str(&display_permille(c.holdings.self_service_permille));
            }
            if *req == Requirement::WealthProduct && c.holdings.wealth_products > 0 {
                name.push_str(&c.holdings.wealth_products.to_string());
            }
            checklist.push(Span::styled(name, if *met { th.text } else { th.warning }));
            checklist.push(Span::raw(" "));
        }
        lines.push(Line::from(checklist));
        // Only when there is something to say: most clients never complain, many are never scored.
        if self.card.satisfaction.iter().any(|q| q.scores > 0) {
            let mut spans = vec![Span::styled(format!("【{}】", t.satisfaction_title()), th.title)];
            for q in &self.card.satisfaction {
                let mean = q.mean_tenths.map_or("-".to_string(), |m| format!("{}.{}", m / 10, m % 10));
                spans.push(Span::styled(format!("{} ", q.quarter), th.muted));
                spans.push(Span::styled(format!("{mean}  "), if q.scores > 0 { th.text } else { th.muted }));
            }
            lines.push(Line::from(spans));
        }
        if !self.card.complaints.is_empty() {
            let open: Vec<_> = self.card.complaints.iter().filter(|r| r.step.is_some()).collect();
            let mut spans = vec![
                Span::styled(format!("【{}】", t.complaints_title()), th.title),
                Span::styled(
                    format!("{}  {} {}", self.card.complaints.len(), t.cm().filter_open, open.len()),
                    if open.is_empty() { th.text } else { th.warning },
                ),
            ];
            for r in open.iter().take(2) {
                let step = r.step.map_or("", |s| t.complaint_step(s));
                let left = r.days_left.map(|d| t.step_time_left(d)).unwrap_or_default();
                spans.push(Span::styled(
                    format!("  {} {step} {left}", r.id),
                    if r.overdue { th.overdue } else { th.text },
                ));
            }
            lines.push(Line::from(spans));
        }
        if !self.revealed.is_empty() {
            lines.push(Line::from(Span::styled(t.revealed_note, th.muted)));
        }
        lines
    }

    fn timeline_lines(&self, cx: &Ctx) -> Vec<Line<'static>> {
        let t = cx.t;
        let th = cx.theme;
        if self.card.contacts.is_empty() {
            return vec![Line::from(Span::styled(t.no_contacts, th.muted))];
        }
        self.card
            .contacts
            .iter()
            .map(|cv| {
                let c = &cv.contact;
                let when = if c.at.date().year() == cx.me.today.year() {
                    c.at.format("%m-%d %H:%M").to_string()
                } else {
                    ui::date(c.at.date(), cx.me.today, t)
                };
                let outcome_style = if c.outcome.reached() { th.text } else { th.warning };
                let mut spans = vec![
                    Span::styled(format!("{when} "), th.muted),
                    Span::styled(
                        format!(
                            "{} ",
                            c.aims().iter().map(|a| t.purpose(a.purpose)).collect::<Vec<_>>().join("+")
                        ),
                        th.accent,
                    ),
                    Span::styled(format!("{} ", t.channel(c.channel)), th.text),
                    Span::styled(format!("{} ", t.outcome(c.outcome)), outcome_style),
                    Span::styled(format!("{} ", cv.by.name), th.muted),
                ];
                if let Some(s) = c.satisfaction {
                    spans.push(Span::styled(format!("{s}/5 "), th.ok));
                }
                spans.push(Span::styled(
                    crate::domain::inert(&c.note.replace('\n', " ")).into_owned(),
                    th.text,
                ));
                Line::from(spans)
            })
            .collect()
    }
}

impl Screen for ClientScreen {
    fn title(&self, t: &Text) -> String {
        format!("{} {}", t.client, self.card.client.name)
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |c| self.manager || c != Cmd::Assign)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.card = cx.api.client(self.no.clone())?;
        if let Some(before) = self.sticker_before
            && before != self.card.client.sticker
        {
            self.sticker_undo = Some(before);
            self.sticker_before = None;
        }
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        // Back on the card: a sticker form left without saving changed nothing to undo.
        self.sticker_before = None;
        let Some(cmd) = keys::command(KEYS, &key, false, |c| self.manager || c != Cmd::Assign) else {
            return Action::None;
        };
        match cmd {
            Cmd::Back => Action::Pop,
            Cmd::Contact => super::open_contact_form(self.no.clone(), Prefill::default(), cx),
            Cmd::Complaint => Action::Push(Box::new(super::complaints::ReceiveForm::open(
                self.no.clone(),
                self.card.client.name.clone(),
                cx,
            ))),
            Cmd::Plan => {
                if self.card.may_edit_plan {
                    // Unsent text kept from an interrupted edit is offered again here.
                    let draft = cx.api.plan_draft(self.no.clone()).ok().flatten();
                    Action::Push(Box::new(PlanEditor::new(
                        self.no.clone(),
                        self.card.client.name.clone(),
                        &self.card.client.plan,
                        draft,
                    )))
                } else {
                    Action::Say(Message::Error(cx.t.plan_not_yours.to_string()))
                }
            }
            Cmd::Sticker => {
                if !self.card.may_set_sticker {
                    return Action::Say(Message::Error(cx.t.sticker_not_yours.to_string()));
                }
                let now = self.card.client.sticker;
                self.sticker_before = Some(now);
                let no = self.no.clone();
                let title = format!("{} · {}", cx.t.key_sticker, self.card.client.name);
                if now.done {
                    let question = cx.t.confirm_sticker_off.to_string();
                    Action::Push(Box::new(Confirm::new(title, question, move |cx: &Ctx| {
                        match cx.api.set_sticker(no, false, None) {
                            Ok(_) => Action::PopSaved(cx.t.sticker_off_saved.to_string()),
                            Err(e) => Action::error(e),
                        }
                    })))
                } else {
                    Action::Push(Box::new(StickerForm::new(no, title, now.on.unwrap_or(cx.me.today))))
                }
            }
            Cmd::Undo => match self.sticker_undo.take() {
                Some(was) => match cx.api.restore_sticker(self.no.clone(), was) {
                    Ok(_) => Action::Saved(cx.t.sticker_undone.to_string()),
                    Err(e) => {
                        self.sticker_undo = Some(was);
                        Action::error(e)
                    }
                },
                None => Action::None,
            },
            Cmd::Assign => self.assign(cx),
            Cmd::RevealPhone => self.reveal(SensitiveKey::Phone, cx),
            Cmd::RevealId => self.reveal(SensitiveKey::Id, cx),
            Cmd::RevealAssets => self.reveal(SensitiveKey::Assets, cx),
            Cmd::ScrollDown => {
                self.scroll = (self.scroll + 1).min(self.card.contacts.len().saturating_sub(1));
                Action::None
            }
            Cmd::ScrollUp => {
                self.scroll = self.scroll.saturating_sub(1);
                Action::None
            }
            Cmd::Refresh => Action::after(self.refresh(cx)),
            Cmd::Read => match self.card.contacts.get(self.scroll) {
                Some(cv) => Action::Push(Box::new(ContactDetail { view: cv.clone(), scroll: 0 })),
                None => Action::None,
            },
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        // Profile lines wrap between their "label value" pairs: at 60 columns nothing is lost.
        let profile: Vec<Line> =
            self.profile_lines(cx).into_iter().flat_map(|l| wrap_at_gaps(l, area.width)).collect();
        let plan_text = if self.card.client.plan.is_empty() {
            t.no_plan.to_string()
        } else {
            self.card.client.plan.clone()
        };
        // Wrapped lines at this width, up to four; the editor shows the rest.
        let cols = usize::from(area.width.max(1));
        let wrapped: usize = plan_text.lines().map(|l| ui::width(l).max(1).div_ceil(cols)).sum();
        let plan_height = (wrapped as u16).clamp(1, 4);
        let tasks: Vec<Span> = if self.card.open_tasks.is_empty() {
            vec![Span::styled(t.no_open_tasks, th.muted)]
        } else {
            self.card
                .open_tasks
                .iter()
                .flat_map(|task| {
                    let tried = task.attempts.map(|a| format!(" · {}", t.tried_line(&a, cx.me.today)));
                    let style = match task.bucket {
                        crate::domain::DueBucket::Overdue { .. } => th.overdue,
                        _ => ui::due_style(task.due, cx.me.today, th),
                    };
                    [
                        Span::styled(t.task_title(task.kind(), task.launch_name.as_deref()), th.text),
                        Span::styled(format!(" {}", ui::date(task.due, cx.me.today, t)), style),
                        Span::styled(format!("{}  ", tried.unwrap_or_default()), th.muted),
                    ]
                })
                .collect()
        };
        let [profile_area, plan_head, plan_area, task_area, timeline_head, timeline_area] =
            Layout::vertical([
                Constraint::Length(profile.len() as u16),
                Constraint::Length(1),
                Constraint::Length(plan_height),
                Constraint::Length(2),
                Constraint::Length(1),
                Constraint::Min(1),
            ])
            .areas(area);
        f.render_widget(Paragraph::new(profile), profile_area);
        f.render_widget(Paragraph::new(Span::styled(format!("【{}】", t.plan), th.title)), plan_head);
        let plan_style = if self.card.client.plan.is_empty() { th.muted } else { th.text };
        if wrapped > usize::from(plan_height) {
            // Cut: the last row says so and where the rest is, instead of stopping mid-sentence.
            let [shown, more] =
                Layout::vertical([Constraint::Length(plan_height - 1), Constraint::Length(1)])
                    .areas(plan_area);
            f.render_widget(Paragraph::new(plan_text).style(plan_style).wrap(Wrap { trim: false }), shown);
            f.render_widget(Paragraph::new(Span::styled(t.plan_more, th.accent)), more);
        } else {
            f.render_widget(
                Paragraph::new(plan_text).style(plan_style).wrap(Wrap { trim: false }),
                plan_area,
            );
        }
        let mut task_line = vec![Span::styled(format!("【{}】", t.open_tasks), th.title)];
        task_line.extend(tasks);
        f.render_widget(Paragraph::new(Line::from(task_line)).wrap(Wrap { trim: true }), task_area);
        let count = self.card.contacts.len();
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("【{}】", t.timeline), th.title),
                Span::styled(format!(" {count}"), th.muted),
            ])),
            timeline_head,
        );
        // The top entry is the one Enter opens in full; it is marked so.
        let lines: Vec<Line> = self
            .timeline_lines(cx)
            .into_iter()
            .skip(self.scroll)
            .enumerate()
            .map(|(i, l)| {
                let l = fit_line(l, timeline_area.width);
                if i == 0 && !self.card.contacts.is_empty() { l.style(th.selection) } else { l }
            })
            .collect();
        f.render_widget(Paragraph::new(lines), timeline_area);
    }
}

/// Puts the VIP label on: the day it was put on, today unless a past day is typed (a mark
/// taken back offers the date it kept). Read as a date gone by: `09-19`, `上周五`, `昨天`.
pub struct StickerForm {
    no: ClientNo,
    title: String,
    date: ratatui_textarea::TextArea<'static>,
    error: Option<String>,
}

impl StickerForm {
    fn new(no: ClientNo, title: String, on: chrono::NaiveDate) -> StickerForm {
        StickerForm { no, title, date: ui::text_input(&on.format("%Y-%m-%d").to_string(), ""), error: None }
    }

    fn text(&self) -> String {
        self.date.lines().join(" ").trim().to_string()
    }

    fn save(&mut self, cx: &Ctx) -> Action {
        let typed = self.text();
        let on =
            if typed.is_empty() { Ok(cx.me.today) } else { parse_date(&typed, cx.me.today, DateSense::Back) };
        let saved = on
            .map_err(|e| {
                ServiceError::Invalid(vec![crate::domain::Invalid::new(crate::domain::Field::StickerDate, e)])
            })
            .and_then(|d| cx.api.set_sticker(self.no.clone(), true, Some(d)));
        match saved {
            Ok(s) => {
                let on = s.on.map(|d| ui::long_date(d, cx.t)).unwrap_or_default();
                Action::PopSaved(cx.t.sticker_saved_on.replace("{}", &on))
            }
            Err(e) => {
                self.error = Some(e.render(cx.t.lang));
                Action::None
            }
        }
    }
}

impl Screen for StickerForm {
    fn title(&self, _t: &Text) -> String {
        self.title.clone()
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
            Some(OneLine::Clear) => {
                self.date = ui::text_input("", "");
                self.error = None;
                Action::None
            }
            None => {
                self.date.input(key);
                self.error = None;
                Action::None
            }
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let label_w: u16 = 12;
        let y = area.y + 1;
        f.render_widget(
            Paragraph::new(Span::styled(format!(">{}", t.sticker_date), th.accent)),
            Rect { x: area.x, y, width: label_w.min(area.width), height: 1 },
        );
        let w = area.width.saturating_sub(label_w + 1).min(24);
        let input_area = Rect { x: area.x + label_w, y, width: w, height: 1 };
        self.date.set_style(th.selection);
        self.date.set_cursor_style(th.key);
        f.render_widget(&self.date, input_area);
        let c = self.date.screen_cursor();
        f.set_cursor_position((input_area.x + c.col as u16, y));
        let typed = self.text();
        let reading =
            if typed.is_empty() { Ok(cx.me.today) } else { parse_date(&typed, cx.me.today, DateSense::Back) };
        let hint_x = input_area.x + w + 1;
        if let Ok(d) = reading {
            f.render_widget(
                Paragraph::new(Span::styled(format!("= {}", ui::long_date(d, t)), th.muted)),
                Rect {
                    x: hint_x.min(area.right()),
                    y,
                    width: area.right().saturating_sub(hint_x),
                    height: 1,
                },
            );
        }
        // What is typed is read as it is typed: a date that cannot be read says so at once,
        // not only when Enter is pressed.
        let msg = match (&self.error, &reading) {
            (Some(e), _) => Span::styled(format!(" {e}"), th.overdue),
            (None, Err(e)) => Span::styled(format!(" {}", e.text(t.lang)), th.warning),
            (None, Ok(_)) => Span::styled(format!(" {}", t.sticker_date_hint), th.muted),
        };
        f.render_widget(
            Paragraph::new(msg).wrap(Wrap { trim: false }),
            Rect { x: area.x, y: y + 2, width: area.width, height: 3.min(area.height.saturating_sub(3)) },
        );
    }
}

/// One contact in full, opened with Enter from a card's timeline: every field, the note wrapped
/// over as many lines as it takes (the timeline shows one line of it).
pub struct ContactDetail {
    view: ContactView,
    scroll: u16,
}

impl ContactDetail {
    fn lines(&self, cx: &Ctx) -> Vec<Line<'static>> {
        let t = cx.t;
        let th = cx.theme;
        let c = &self.view.contact;
        let row = |label: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{} ", ui::pad(label, 10)), th.muted),
                Span::styled(value, th.text),
            ])
        };
        let purposes: Vec<String> = c
            .aims()
            .iter()
            .map(|a| match (a.launch, &self.view.launch_name) {
                (Some(id), Some(name)) if Some(id) == c.launch => {
                    t.task_title(crate::domain::TaskKind::Launch(id), Some(name))
                }
                _ => t.purpose(a.purpose).to_string(),
            })
            .collect();
        let mut out = vec![
            row(t.f_at, c.at.format("%Y-%m-%d %H:%M").to_string()),
            row(t.f_channel, t.channel(c.channel).to_string()),
            row(t.f_purpose, purposes.join(t.list_sep)),
            row(t.f_outcome, t.outcome(c.outcome).to_string()),
            row(t.f_satisfaction, c.satisfaction.map_or_else(|| "-".to_string(), |s| format!("{s}/5"))),
            row(t.f_next, c.next_callback.map_or_else(|| "-".to_string(), |d| ui::long_date(d, t))),
            row(t.f_by, format!("{}（{}）", self.view.by.name, self.view.by.no)),
            row(t.f_logged, c.logged_at.format("%Y-%m-%d %H:%M").to_string()),
            Line::from(Span::styled(format!("{}：", t.f_note), th.muted)),
        ];
        // Each line of the note as written, shown inert: a stored escape cannot act.
        out.extend(
            c.note
                .split('\n')
                .map(|l| Line::from(Span::styled(crate::domain::inert(l).into_owned(), th.text))),
        );
        out
    }
}

impl Screen for ContactDetail {
    fn title(&self, t: &Text) -> String {
        t.contact_detail.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(DETAIL_KEYS, t, false, |_| true)
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &Ctx) -> Action {
        match keys::command(DETAIL_KEYS, &key, false, |_| true) {
            Some(Cmd::Back) => Action::Pop,
            Some(Cmd::ScrollDown) => {
                self.scroll = self.scroll.saturating_add(1);
                Action::None
            }
            Some(Cmd::ScrollUp) => {
                self.scroll = self.scroll.saturating_sub(1);
                Action::None
            }
            _ => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let lines = self.lines(cx);
        let cols = usize::from(area.width.max(1));
        let total: usize = lines.iter().map(|l| l.width().max(1).div_ceil(cols)).sum();
        self.scroll = self.scroll.min(total.saturating_sub(usize::from(area.height)) as u16);
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((self.scroll, 0)), area);
    }
}
