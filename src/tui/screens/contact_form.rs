//! 记录联系: the contact form. Tab moves, ←→ or a digit picks, Enter on the last field or Ctrl-S
//! saves. The service validates and writes; the screen only reports "已保存" once the write is
//! on disk, shows each problem next to its field, and keeps an unfinished form as a draft if the
//! session ends.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::super::columns::wrap_at_gaps;
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use crate::domain::calendar::{parse_contact_time, parse_date_input};
use crate::domain::task::suggested_next_callback;
use crate::domain::{Channel, ClientNo, ContactDraft, LaunchId, Outcome, Purpose, TaskKind};
use crate::service::ServiceError;
use crate::service::views::{ClientCard, LaunchRef, Logged};

/// What the screen that opened the form already knows about the contact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefill {
    pub purpose: Option<Purpose>,
    pub launch: Option<LaunchId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Channel,
    Purpose,
    Launch,
    Outcome,
    Satisfaction,
    Note,
    NextCallback,
    At,
    /// Problems that belong to no single field.
    General,
}

/// An unsaved form is kept as a draft this often while it changes, besides at session end.
const DRAFT_EVERY: Duration = Duration::from_secs(15);

pub struct ContactForm {
    client: ClientNo,
    card: ClientCard,
    launches: Vec<LaunchRef>,
    channel: usize,
    purpose: usize,
    launch: usize,
    outcome: usize,
    /// 0 = not given, 1–5.
    satisfaction: usize,
    note: TextArea<'static>,
    next: TextArea<'static>,
    at: TextArea<'static>,
    /// The user typed a next-callback date: switching purpose must not overwrite it.
    next_touched: bool,
    focus: Field,
    errors: BTreeMap<Field, String>,
    /// Changed since opened (so cancelling asks first).
    dirty: bool,
    /// Changed since the draft was last kept.
    draft_stale: bool,
    draft_saved_at: Instant,
    confirm_cancel: bool,
}

fn index_of<T: PartialEq + Copy>(all: &[T], v: T) -> usize {
    all.iter().position(|x| *x == v).unwrap_or(0)
}

impl ContactForm {
    pub fn new(client: ClientNo, prefill: Prefill, cx: &Ctx) -> Result<ContactForm, ServiceError> {
        let card = cx.api.client(client.clone())?;
        let launches = cx.api.running_launches()?;
        // A launch this client still owes is the likeliest one to be pitched.
        let owed_launch = card.open_tasks.iter().find_map(|t| match t.id.kind {
            TaskKind::Launch(id) => Some(id),
            _ => None,
        });
        let launch_id = prefill.launch.or(owed_launch);
        let launch = launch_id.and_then(|id| launches.iter().position(|l| l.id == id)).unwrap_or(0);
        let mut form = ContactForm {
            client,
            card,
            launches,
            channel: 0,
            purpose: index_of(Purpose::ALL, prefill.purpose.unwrap_or(Purpose::Callback)),
            launch,
            outcome: 0,
            satisfaction: 0,
            note: ui::text_input("", cx.t.note_placeholder),
            next: ui::text_input("", cx.t.next_placeholder),
            at: ui::text_input("", cx.t.at_placeholder),
            next_touched: false,
            focus: Field::Channel,
            errors: BTreeMap::new(),
            dirty: false,
            draft_stale: false,
            draft_saved_at: Instant::now(),
            confirm_cancel: false,
        };
        form.suggest_next_callback(cx);
        Ok(form)
    }

    /// Reopens a draft kept when an earlier session ended.
    pub fn from_draft(draft: ContactDraft, cx: &Ctx) -> Result<ContactForm, ServiceError> {
        let prefill = Prefill { purpose: Some(draft.purpose), launch: draft.launch };
        let mut form = ContactForm::new(draft.client.clone(), prefill, cx)?;
        form.channel = index_of(Channel::ALL, draft.channel);
        form.outcome = index_of(Outcome::ALL, draft.outcome);
        form.satisfaction = draft.satisfaction.map_or(0, usize::from).min(5);
        form.note = ui::text_input(&draft.note, cx.t.note_placeholder);
        if let Some(d) = draft.next_callback {
            form.next = ui::text_input(&d.to_string(), cx.t.next_placeholder);
            form.next_touched = true;
        }
        if let Some(at) = draft.at {
            form.at = ui::text_input(&at.format("%Y-%m-%d %H:%M").to_string(), cx.t.at_placeholder);
        }
        form.dirty = true;
        Ok(form)
    }

    fn purpose(&self) -> Purpose {
        Purpose::ALL[self.purpose]
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::Channel, Field::Purpose];
        if self.purpose() == Purpose::ProductPitch {
            f.push(Field::Launch);
        }
        f.extend([Field::Outcome, Field::Satisfaction, Field::Note, Field::NextCallback, Field::At]);
        f
    }

    /// Fills the next-callback date the way the rules suggest, unless the user typed one.
    fn suggest_next_callback(&mut self, cx: &Ctx) {
        if self.next_touched {
            return;
        }
        let reached = Outcome::ALL[self.outcome].reached();
        let due = suggested_next_callback(
            self.purpose(),
            reached,
            self.card.any_contact_resets_callback,
            self.card.callback_days,
            cx.me.today,
        );
        self.next = ui::text_input(&due.map(|d| d.to_string()).unwrap_or_default(), cx.t.next_placeholder);
    }

    fn changed(&mut self) {
        self.dirty = true;
        self.draft_stale = true;
        self.errors.clear();
    }

    fn move_focus(&mut self, by: isize) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let to = (at + by).clamp(0, fields.len() as isize - 1);
        self.focus = fields[to as usize];
    }

    fn choice_len(&self, f: Field) -> usize {
        match f {
            Field::Channel => Channel::ALL.len(),
            Field::Purpose => Purpose::ALL.len(),
            Field::Launch => self.launches.len().max(1),
            Field::Outcome => Outcome::ALL.len(),
            Field::Satisfaction => 6,
            _ => 0,
        }
    }

    /// The option chosen in a choice field; None for a text field.
    fn choice(&self, f: Field) -> Option<usize> {
        match f {
            Field::Channel => Some(self.channel),
            Field::Purpose => Some(self.purpose),
            Field::Launch => Some(self.launch),
            Field::Outcome => Some(self.outcome),
            Field::Satisfaction => Some(self.satisfaction),
            _ => None,
        }
    }

    fn choice_mut(&mut self, f: Field) -> Option<&mut usize> {
        match f {
            Field::Channel => Some(&mut self.channel),
            Field::Purpose => Some(&mut self.purpose),
            Field::Launch => Some(&mut self.launch),
            Field::Outcome => Some(&mut self.outcome),
            Field::Satisfaction => Some(&mut self.satisfaction),
            _ => None,
        }
    }

    fn pick(&mut self, f: Field, to: usize, cx: &Ctx) {
        let len = self.choice_len(f);
        if let Some(v) = self.choice_mut(f) {
            *v = to % len;
        }
        self.changed();
        if matches!(f, Field::Purpose | Field::Outcome) {
            self.suggest_next_callback(cx);
        }
    }

    fn text_mut(&mut self, f: Field) -> Option<&mut TextArea<'static>> {
        match f {
            Field::Note => Some(&mut self.note),
            Field::NextCallback => Some(&mut self.next),
            Field::At => Some(&mut self.at),
            _ => None,
        }
    }

    fn text(t: &TextArea) -> String {
        t.lines().join("\n").trim().to_string()
    }

    /// The form as a draft, with whatever parses; used for saving and for keeping a draft.
    fn draft(&self, cx: &Ctx) -> (ContactDraft, BTreeMap<Field, String>) {
        let mut errors = BTreeMap::new();
        let today = cx.me.today;
        let next_text = Self::text(&self.next);
        let next_callback = if next_text.is_empty() {
            None
        } else {
            parse_date_input(&next_text, today).map_err(|e| errors.insert(Field::NextCallback, e)).ok()
        };
        let at_text = Self::text(&self.at);
        let at = if at_text.is_empty() {
            None
        } else {
            // Only the date of this reference matters: it anchors "昨天" and "14:30".
            let reference = today.and_hms_opt(12, 0, 0).unwrap_or_default();
            parse_contact_time(&at_text, reference).map_err(|e| errors.insert(Field::At, e)).ok()
        };
        let launch = (self.purpose() == Purpose::ProductPitch)
            .then(|| self.launches.get(self.launch).map(|l| l.id))
            .flatten();
        let draft = ContactDraft {
            client: self.client.clone(),
            at,
            channel: Channel::ALL[self.channel],
            purpose: self.purpose(),
            launch,
            outcome: Outcome::ALL[self.outcome],
            note: Self::text(&self.note),
            satisfaction: (self.satisfaction > 0).then_some(self.satisfaction as u8),
            next_callback,
        };
        (draft, errors)
    }

    fn save(&mut self, cx: &Ctx) -> Action {
        let (draft, errors) = self.draft(cx);
        if !errors.is_empty() {
            self.errors = errors;
            return Action::None;
        }
        match cx.api.log_contact(draft) {
            Ok(logged) => Action::PopSaved(saved_message(&logged, cx)),
            Err(ServiceError::Invalid(list)) => {
                for inv in list {
                    let field = match inv.field.as_str() {
                        "联系时间" => Field::At,
                        "备注" => Field::Note,
                        "满意度" => Field::Satisfaction,
                        "下次回访" => Field::NextCallback,
                        "推介产品" => Field::Launch,
                        _ => Field::General,
                    };
                    self.errors.insert(field, inv.to_string());
                }
                Action::None
            }
            Err(e) => Action::error(e),
        }
    }

    fn keep_draft(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        let (draft, _) = self.draft(cx);
        cx.api.save_draft(draft)?;
        self.draft_stale = false;
        self.draft_saved_at = Instant::now();
        Ok(())
    }

    fn label(&self, f: Field, t: &Text) -> &'static str {
        match f {
            Field::Channel => t.f_channel,
            Field::Purpose => t.f_purpose,
            Field::Launch => t.f_launch,
            Field::Outcome => t.f_outcome,
            Field::Satisfaction => t.f_satisfaction,
            Field::Note => t.f_note,
            Field::NextCallback => t.f_next,
            Field::At => t.f_at,
            Field::General => "",
        }
    }

    fn options(&self, f: Field, t: &Text) -> Vec<String> {
        match f {
            Field::Channel => Channel::ALL.iter().map(|c| t.channel(*c).to_string()).collect(),
            Field::Purpose => Purpose::ALL.iter().map(|p| t.purpose(*p).to_string()).collect(),
            Field::Outcome => Outcome::ALL.iter().map(|o| t.outcome(*o).to_string()).collect(),
            Field::Satisfaction => {
                std::iter::once(t.not_given.to_string()).chain((1..=5).map(|n| n.to_string())).collect()
            }
            _ => Vec::new(),
        }
    }

    fn choice_line(&self, f: Field, cx: &Ctx) -> Line<'static> {
        let th = cx.theme;
        let focused = self.focus == f;
        let selected = self.choice(f).unwrap_or(0);
        let mut spans = Vec::new();
        for (i, o) in self.options(f, cx.t).into_iter().enumerate() {
            let style = match (i == selected, focused) {
                (true, true) => th.selection,
                (true, false) => th.accent,
                (false, _) => th.muted,
            };
            spans.push(Span::styled(format!(" {o} "), style));
        }
        Line::from(spans)
    }

    fn launch_line(&self, cx: &Ctx) -> Line<'static> {
        let th = cx.theme;
        match self.launches.get(self.launch) {
            Some(l) => {
                let style = if self.focus == Field::Launch { th.selection } else { th.accent };
                Line::from(vec![
                    Span::styled(format!(" < {} > ", l.name), style),
                    Span::styled(
                        format!(
                            " {}/{}  {} {}",
                            self.launch + 1,
                            self.launches.len(),
                            cx.t.deadline,
                            ui::date(l.deadline, cx.me.today, cx.t)
                        ),
                        th.muted,
                    ),
                ])
            }
            None => Line::from(Span::styled(format!(" {}", cx.t.no_running_launch), th.warning)),
        }
    }

    /// What the date fields will be read as, or the problem with them.
    fn date_hint(&self, f: Field, cx: &Ctx) -> Span<'static> {
        let th = cx.theme;
        let t = cx.t;
        if let Some(e) = self.errors.get(&f) {
            return Span::styled(format!(" {e}"), th.overdue);
        }
        let (draft, errors) = self.draft(cx);
        if let Some(e) = errors.get(&f) {
            return Span::styled(format!(" {e}"), th.warning);
        }
        match f {
            Field::NextCallback => match draft.next_callback {
                Some(d) => Span::styled(format!(" = {}", ui::long_date(d, t)), th.muted),
                None => Span::styled(format!(" {}", t.next_unchanged), th.muted),
            },
            Field::At => match draft.at {
                Some(at) => Span::styled(format!(" = {}", at.format("%Y-%m-%d %H:%M")), th.muted),
                None => Span::styled(format!(" {}", t.now_word), th.muted),
            },
            _ => Span::raw(""),
        }
    }
}

fn saved_message(logged: &Logged, cx: &Ctx) -> String {
    let t = cx.t;
    let mut parts = vec![t.saved.to_string()];
    if !logged.completed.is_empty() {
        let done: Vec<String> = logged
            .completed
            .iter()
            .map(|task| t.task_title(task.kind(), task.launch_name.as_deref()))
            .collect();
        parts.push(format!("{}{}", t.completed_prefix, done.join(t.list_sep)));
    }
    if let Some(d) = logged.next_callback {
        parts.push(format!("{} {}", t.col_next, ui::long_date(d, t)));
    }
    parts.join(" · ")
}

impl Screen for ContactForm {
    fn title(&self, t: &Text) -> String {
        format!("{} · {}", t.contact_form, self.card.client.name)
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        vec![
            ("Tab", t.key_next_field),
            (t.keys_left_right, t.key_choose),
            ("Ctrl-S", t.key_save),
            ("Esc", t.key_cancel),
            ("Shift-Tab", t.key_prev_field),
            ("1-6", t.key_pick),
            ("Enter", t.key_enter_form),
            ("Ctrl-U", t.key_clear),
        ]
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.confirm_cancel {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    // Cancelled on purpose: the draft goes too.
                    let _ = cx.api.discard_draft();
                    Action::Pop
                }
                _ => {
                    self.confirm_cancel = false;
                    Action::None
                }
            };
        }
        match key.code {
            KeyCode::Char('s') if ctrl => return self.save(cx),
            KeyCode::Esc => {
                if self.dirty {
                    self.confirm_cancel = true;
                    return Action::None;
                }
                return Action::Pop;
            }
            KeyCode::Tab | KeyCode::Down => self.move_focus(1),
            KeyCode::BackTab | KeyCode::Up => self.move_focus(-1),
            KeyCode::Enter => {
                if self.fields().last() == Some(&self.focus) {
                    return self.save(cx);
                }
                self.move_focus(1);
            }
            _ => {
                let f = self.focus;
                let len = self.choice_len(f);
                if len > 0
                    && let Some(current) = self.choice(f)
                {
                    match key.code {
                        KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') => {
                            self.pick(f, current + 1, cx)
                        }
                        KeyCode::Left | KeyCode::Char('h') => self.pick(f, current + len - 1, cx),
                        KeyCode::Char(c @ '0'..='9') => {
                            let n = c as usize - '0' as usize;
                            // Satisfaction options are 0 (not given) to 5; the others count from 1.
                            let to = if f == Field::Satisfaction { n } else { n.wrapping_sub(1) };
                            if to < len {
                                self.pick(f, to, cx);
                            }
                        }
                        _ => {}
                    }
                } else if let Some(text) = self.text_mut(f) {
                    let changed =
                        if ctrl && key.code == KeyCode::Char('u') { text.clear() } else { text.input(key) };
                    if changed {
                        if f == Field::NextCallback {
                            self.next_touched = true;
                        }
                        self.changed();
                    }
                }
            }
        }
        Action::None
    }

    fn on_paste(&mut self, pasted: &str, _cx: &Ctx) -> Action {
        let one_line = pasted.replace(['\r', '\n'], " ");
        if let Some(text) = self.text_mut(self.focus)
            && text.insert_str(one_line)
        {
            self.changed();
        }
        Action::None
    }

    fn tick(&mut self, cx: &Ctx) -> Action {
        if self.draft_stale && self.draft_saved_at.elapsed() >= DRAFT_EVERY {
            // A failure here is not the user's problem yet; the save itself will report it.
            let _ = self.keep_draft(cx);
        }
        Action::None
    }

    fn on_session_end(&mut self, cx: &Ctx) {
        if self.dirty {
            let _ = self.keep_draft(cx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let c = &self.card.client;
        let today = cx.me.today;
        let mut rows: Vec<(Option<Field>, Line<'static>)> = Vec::new();
        rows.push((
            None,
            Line::from(vec![
                Span::styled(format!(" {} ", c.name), th.title),
                Span::styled(format!("{}  ", c.no), th.muted),
                Span::styled(
                    format!(
                        "{} · {}",
                        t.class(c.class),
                        t.every_days.replace("{}", &self.card.callback_days.to_string())
                    ),
                    th.text,
                ),
            ]),
        ));
        let mut tasks = vec![Span::styled(format!(" {} ", t.open_tasks), th.muted)];
        if self.card.open_tasks.is_empty() {
            tasks.push(Span::styled(t.no_open_tasks, th.muted));
        }
        for task in &self.card.open_tasks {
            tasks.push(Span::styled(t.task_title(task.kind(), task.launch_name.as_deref()), th.text));
            tasks.push(Span::styled(
                format!(" {}  ", ui::date(task.due, today, t)),
                ui::due_style(task.due, today, th),
            ));
        }
        // Wrapped between tasks: a task's date is never cut.
        for line in wrap_at_gaps(Line::from(tasks), area.width) {
            rows.push((None, line));
        }
        rows.push((None, Line::from("")));
        let label_w = if t.lang == super::super::text::Lang::Zh { 10 } else { 15 };
        for field in self.fields() {
            let marker = if self.focus == field { ">" } else { " " };
            let label_style = if self.focus == field { th.accent } else { th.text };
            let label =
                Span::styled(format!("{marker}{}", ui::pad(self.label(field, t), label_w - 1)), label_style);
            let line = match field {
                Field::Launch => {
                    let mut l = self.launch_line(cx);
                    l.spans.insert(0, label);
                    l
                }
                Field::Note | Field::NextCallback | Field::At => Line::from(label),
                _ => {
                    let mut l = self.choice_line(field, cx);
                    l.spans.insert(0, label);
                    l
                }
            };
            rows.push((Some(field), line));
            if let Some(e) =
                self.errors.get(&field).filter(|_| !matches!(field, Field::NextCallback | Field::At))
            {
                rows.push((
                    None,
                    Line::from(Span::styled(format!("{}{e}", " ".repeat(label_w)), th.overdue)),
                ));
            }
        }
        if let Some(e) = self.errors.get(&Field::General) {
            rows.push((None, Line::from(Span::styled(format!(" {e}"), th.overdue))));
        }
        rows.push((None, Line::from("")));
        if self.confirm_cancel {
            rows.push((
                None,
                Line::from(Span::styled(format!(" {}  {}", t.confirm_discard, t.yes_no), th.warning)),
            ));
        } else {
            // Wrapped between its hints (" · "-separated, drawn narrow) rather than cut mid-word.
            let hint = Line::from(Span::styled(format!(" {}", t.form_hint.replace(" · ", "  ")), th.muted));
            for line in wrap_at_gaps(hint, area.width) {
                rows.push((None, line));
            }
        }

        let constraints: Vec<Constraint> = rows.iter().map(|_| Constraint::Length(1)).collect();
        let areas = Layout::vertical(constraints).split(area);
        let text_w = area.width.saturating_sub(label_w as u16).min(48);
        for ((field, line), rect) in rows.into_iter().zip(areas.iter()) {
            f.render_widget(Paragraph::new(line), *rect);
            let Some(field) = field else { continue };
            let focused = self.focus == field;
            let hint = match field {
                Field::NextCallback | Field::At => Some(self.date_hint(field, cx)),
                _ => None,
            };
            let Some(textarea) = self.text_mut(field) else { continue };
            // One cell in, level with the first option of the choice lines above.
            let left = label_w as u16 + 1;
            let box_w =
                if field == Field::Note { area.width.saturating_sub(left + 1) } else { 24.min(text_w) };
            let input = Rect { x: rect.x + left, y: rect.y, width: box_w, height: 1 };
            textarea.set_style(if focused { th.selection } else { th.popup });
            textarea.set_cursor_style(if focused { th.key } else { Style::default() });
            f.render_widget(&*textarea, input);
            if focused {
                // Put the real cursor where typing goes, so the terminal's IME window opens there.
                let cur = textarea.screen_cursor();
                f.set_cursor_position((input.x + cur.col as u16, input.y));
            }
            if let Some(hint) = hint {
                let hint_area = Rect {
                    x: input.x + box_w,
                    y: rect.y,
                    width: rect.width.saturating_sub(left + box_w),
                    height: 1,
                };
                f.render_widget(Paragraph::new(hint), hint_area);
            }
        }
    }
}
