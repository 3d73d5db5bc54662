//! 记录联系: the contact form. Tab moves, ←→ or a digit picks, Enter on the last field or Ctrl-S
//! saves. The service validates and writes; the screen only reports "已保存" once the write is
//! on disk, shows each problem next to its field, and keeps an unfinished form as a draft if the
//! session ends.

use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::super::columns::{fit_line, wrap_at_gaps};
use super::super::keys::{self, Entry, F, FT, How, Key, alt, ch, code, ctrl, key};
use super::super::screen::{Action, Ctx, KeyHelp, Message, Screen};
use super::super::text::Text;
use super::super::ui;
use crate::domain::Field as Rule;
use crate::domain::calendar::{parse_contact_time, parse_date_input};
use crate::domain::task::suggested_next_callback;
use crate::domain::{Aim, Channel, ClientNo, ContactDraft, LaunchId, Outcome, Purpose, TaskKind};
use crate::service::ServiceError;
use crate::service::views::{ClientCard, LaunchRef, Logged, TaskView};

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
    /// The open tasks this contact also did, ticked one by one.
    Tasks,
    Outcome,
    Satisfaction,
    Note,
    NextCallback,
    At,
    /// Problems that belong to no single field.
    General,
}

/// The form's field a rule's field is shown beside; one that belongs to none goes to the general
/// line under the form.
fn form_field(f: Rule) -> Field {
    match f {
        Rule::ContactChannel => Field::Channel,
        Rule::ContactPurpose => Field::Purpose,
        Rule::PitchedLaunch => Field::Launch,
        Rule::AlsoDone => Field::Tasks,
        Rule::ContactOutcome => Field::Outcome,
        Rule::Satisfaction => Field::Satisfaction,
        Rule::Note => Field::Note,
        Rule::NextCallback => Field::NextCallback,
        Rule::ContactTime => Field::At,
        _ => Field::General,
    }
}

/// An unsaved form is kept as a draft this often while it changes, besides at session end.
const DRAFT_EVERY: Duration = Duration::from_secs(15);
/// Rows the note's box grows to before it scrolls.
const NOTE_ROWS: usize = 4;

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
    /// The user typed a next-callback date: switching purpose must not overwrite it, and only
    /// then is the date sent (an untouched, pre-filled date is left to the rules, so it never
    /// replaces an agreed callback).
    next_touched: bool,
    /// The date shown untouched is the callback agreed with the client.
    next_is_agreed: bool,
    /// The open tasks, each with whether the user ticked it as done by this contact.
    ticks: Vec<(TaskView, bool)>,
    /// Which task the Tasks field points at.
    tick_at: usize,
    /// The session's today, which an empty or relative 联系时间 is read against.
    today: NaiveDate,
    focus: Field,
    /// What the last save was refused for, by field, in the screen's language.
    errors: BTreeMap<Field, String>,
    /// Fields the cursor has been on and moved away from: their problems show beside them from
    /// then on, without waiting for a save.
    left: BTreeSet<Field>,
    /// Changed since opened (so cancelling asks first).
    dirty: bool,
    /// Changed since the draft was last kept.
    draft_stale: bool,
    draft_saved_at: Instant,
    confirm_cancel: bool,
    /// The client's kept draft is this form's: it was reopened from it, or has kept one. Only
    /// then does cancelling discard it. Every form keeps its own client's draft (one per
    /// client), so typing for one client never waits on another's unsent form.
    owns_draft: bool,
}

pub(super) fn index_of<T: PartialEq + Copy>(all: &[T], v: T) -> usize {
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
        let today = cx.me.today;
        // 回访 first only for my own client whose callback is close; an agreed one only once its
        // day has come. A colleague's walk-in starts as 网点面谈/营销 (issue #15).
        let callback_close = card.open_tasks.iter().any(|t| {
            matches!(t.id.kind, TaskKind::Callback { .. })
                && crate::domain::task::callback_presumed(t.due, t.agreed, today)
        });
        let default_purpose =
            if card.mine && callback_close { Purpose::Callback } else { Purpose::Marketing };
        let channel = if card.mine { Channel::Phone } else { Channel::InBranch };
        let ticks = card.open_tasks.iter().map(|t| (t.clone(), false)).collect();
        let mut form = ContactForm {
            client,
            card,
            launches,
            channel: index_of(Channel::ALL, channel),
            purpose: index_of(Purpose::ALL, prefill.purpose.unwrap_or(default_purpose)),
            launch,
            outcome: 0,
            satisfaction: 0,
            note: ui::text_input("", cx.t.note_placeholder),
            next: ui::text_input("", cx.t.next_placeholder),
            at: ui::text_input("", cx.t.at_placeholder),
            next_touched: false,
            next_is_agreed: false,
            ticks,
            tick_at: 0,
            today,
            focus: Field::Channel,
            errors: BTreeMap::new(),
            left: BTreeSet::new(),
            dirty: false,
            draft_stale: false,
            draft_saved_at: Instant::now(),
            confirm_cancel: false,
            owns_draft: false,
        };
        form.suggest_next_callback(cx);
        Ok(form)
    }

    /// Reopens a kept draft (from an earlier session, or one put off with “以后再说”).
    pub fn from_draft(draft: ContactDraft, cx: &Ctx) -> Result<ContactForm, ServiceError> {
        let prefill = Prefill { purpose: Some(draft.purpose), launch: draft.launch };
        let mut form = ContactForm::new(draft.client.clone(), prefill, cx)?;
        form.channel = index_of(Channel::ALL, draft.channel);
        form.outcome = index_of(Outcome::ALL, draft.outcome);
        form.satisfaction = draft.satisfaction.map_or(0, usize::from).min(5);
        for (task, ticked) in &mut form.ticks {
            let (purpose, launch) = task.kind().completed_by();
            *ticked = draft.also.contains(&Aim { purpose, launch });
        }
        // A note of several lines is several lines of the box again.
        form.note = ui::text_input("", cx.t.note_placeholder);
        form.note.insert_str(&draft.note);
        if let Some(d) = draft.next_callback {
            form.next = ui::text_input(&d.to_string(), cx.t.next_placeholder);
            form.next_touched = true;
            form.next_is_agreed = false;
        } else {
            form.suggest_next_callback(cx);
        }
        if let Some(at) = draft.at {
            form.at = ui::text_input(&at.format("%Y-%m-%d %H:%M").to_string(), cx.t.at_placeholder);
        }
        form.dirty = true;
        form.owns_draft = true;
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
        if !self.ticks.is_empty() {
            f.push(Field::Tasks);
        }
        f.extend([Field::Outcome, Field::Satisfaction, Field::Note, Field::NextCallback, Field::At]);
        f
    }

    /// Whether an open task is done by this contact as the form stands: ticked, or matching
    /// the contact's purpose (and, for a 新品推介, the chosen product).
    fn task_done(&self, i: usize) -> bool {
        let Some((task, ticked)) = self.ticks.get(i) else { return false };
        *ticked || self.by_purpose(task)
    }

    /// The day the contact took place as 联系时间 reads now (today when empty or not yet
    /// readable): a notice is done for the quarter of this day, a pitch only by its deadline.
    fn contact_day(&self) -> NaiveDate {
        let reference = self.today.and_hms_opt(12, 0, 0).unwrap_or_default();
        parse_contact_time(&Self::text(&self.at), reference).map_or(self.today, |t| t.date())
    }

    /// A ticked task this contact cannot complete, and why: a notice of another quarter than
    /// the contact's day (it would complete that day's quarter's notice instead), a pitch after
    /// its launch's deadline.
    fn tick_problem(&self, t: &Text) -> Option<String> {
        let day = self.contact_day();
        // The form's day is also the opening day it asks about: only notices and pitches are
        // told here, and neither depends on it.
        let late = |task: &TaskView| !crate::domain::task::completable_on(task.kind(), task.due, day, day);
        self.ticks.iter().filter(|(_, ticked)| *ticked).find_map(|(task, _)| match task.kind() {
            TaskKind::Quarterly(q) if late(task) => Some(
                t.tick_other_quarter
                    .replace("{task}", &t.task_title(task.kind(), None))
                    .replace("{last}", &q.last_day().to_string()),
            ),
            TaskKind::Launch(_) if late(task) => Some(
                t.tick_after_deadline
                    .replace("{task}", &t.task_title(task.kind(), task.launch_name.as_deref()))
                    .replace("{due}", &task.due.to_string()),
            ),
            _ => None,
        })
    }

    /// The task is the one the contact's own purpose completes.
    fn by_purpose(&self, task: &TaskView) -> bool {
        match task.kind() {
            TaskKind::Callback { .. } => self.purpose() == Purpose::Callback,
            TaskKind::Quarterly(_) => {
                self.purpose() == Purpose::QuarterlyNotice
                    && crate::domain::task::completable_on(
                        task.kind(),
                        task.due,
                        self.today,
                        self.contact_day(),
                    )
            }
            TaskKind::Launch(id) => {
                self.purpose() == Purpose::ProductPitch
                    && self.launches.get(self.launch).map(|l| l.id) == Some(id)
            }
            // Any contact that reaches a dormant client is the attempt to wake them.
            TaskKind::Reactivate { .. } => true,
            TaskKind::Survey(_) => self.purpose() == Purpose::Survey,
        }
    }

    /// 回访 is among what this contact does: its purpose, or ticked.
    fn does_callback(&self) -> bool {
        self.purpose() == Purpose::Callback
            || self.ticks.iter().any(|(t, ticked)| *ticked && matches!(t.kind(), TaskKind::Callback { .. }))
    }

    /// The further purposes sent with the contact: the ticked tasks the main purpose does not
    /// already cover.
    fn also(&self) -> Vec<Aim> {
        let mut out: Vec<Aim> = Vec::new();
        for (task, ticked) in &self.ticks {
            if !*ticked || self.by_purpose(task) {
                continue;
            }
            let (purpose, launch) = task.kind().completed_by();
            let aim = Aim { purpose, launch };
            let main = Aim { purpose: self.purpose(), launch: self.selected_launch() };
            if aim != main && !out.contains(&aim) {
                out.push(aim);
            }
        }
        out
    }

    fn selected_launch(&self) -> Option<LaunchId> {
        (self.purpose() == Purpose::ProductPitch)
            .then(|| self.launches.get(self.launch).map(|l| l.id))
            .flatten()
    }

    /// Fills the next-callback date as it will turn out if left alone, unless the user typed
    /// one: a callback agreed with the client and not done by this contact is shown and kept;
    /// on a colleague's client their callback stays unless 回访 is chosen; otherwise the rules'
    /// suggestion (one cadence on).
    fn suggest_next_callback(&mut self, cx: &Ctx) {
        if self.next_touched {
            return;
        }
        let reached = Outcome::ALL[self.outcome].reached();
        let callback = self.does_callback();
        let agreed = self
            .card
            .open_tasks
            .iter()
            .find(|t| t.agreed && matches!(t.kind(), TaskKind::Callback { .. }) && t.due > cx.me.today)
            .map(|t| t.due);
        self.next_is_agreed = false;
        let due = if !self.card.mine && !callback {
            None
        } else if let Some(day) = agreed.filter(|_| !(callback && reached)) {
            self.next_is_agreed = true;
            Some(day)
        } else {
            suggested_next_callback(
                if callback { Purpose::Callback } else { self.purpose() },
                reached,
                self.card.any_contact_resets_callback,
                self.card.callback_days,
                self.contact_day(),
            )
        };
        self.next = ui::text_input(&due.map(|d| d.to_string()).unwrap_or_default(), cx.t.next_placeholder);
    }

    fn toggle_tick(&mut self, i: usize, cx: &Ctx) {
        if i >= self.ticks.len() || self.by_purpose(&self.ticks[i].0) {
            // Done by the purpose itself: change the purpose to undo it.
            return;
        }
        self.tick_at = i;
        self.ticks[i].1 = !self.ticks[i].1;
        self.changed();
        self.suggest_next_callback(cx);
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
        self.left.insert(self.focus);
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

    /// Rows the note's box takes at this terminal width: one per line as wrapped, 1 to
    /// `NOTE_ROWS`; a longer note scrolls inside it.
    fn note_rows(&self, width: u16, label_w: usize) -> u16 {
        let w = usize::from(width.saturating_sub(label_w as u16 + 2)).max(1);
        let rows: usize = self.note.lines().iter().map(|l| ui::width(l).max(1).div_ceil(w)).sum();
        rows.clamp(1, NOTE_ROWS) as u16
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
            parse_date_input(&next_text, today)
                .map_err(|e| errors.insert(Field::NextCallback, e.text(cx.t.lang)))
                .ok()
        };
        let at_text = Self::text(&self.at);
        let at = if at_text.is_empty() {
            None
        } else {
            // Only the date of this reference matters: it anchors "昨天" and "14:30".
            let reference = today.and_hms_opt(12, 0, 0).unwrap_or_default();
            // "今天" or today's date alone reads as the reference; sending nothing lets the
            // service take the real now instead of a noon that may not have come yet.
            parse_contact_time(&at_text, reference)
                .map_err(|e| errors.insert(Field::At, e.text(cx.t.lang)))
                .ok()
                .filter(|t| *t != reference)
        };
        if let Some(problem) = self.tick_problem(cx.t) {
            errors.insert(Field::Tasks, problem);
        }
        let launch = self.selected_launch();
        // Only a date the user gave is sent; a pre-filled one is what the rules do anyway, and
        // sending it would turn it into an agreement (or replace one already made).
        let next_callback = next_callback.filter(|_| self.next_touched);
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
            also: self.also(),
            saved_at: None,
        };
        (draft, errors)
    }

    /// Every problem the form can see before saving, by field, in the screen's language: what
    /// does not parse, a ticked task this contact cannot complete, and what the contact's rules
    /// refuse (`ContactDraft::problems`). The rules are judged at the end of today: the screen
    /// has no clock, and a later "now" only refuses less, so nothing the service would take is
    /// refused here; the service judges the real time on save.
    fn problems(&self, cx: &Ctx) -> BTreeMap<Field, String> {
        let (draft, mut problems) = self.draft(cx);
        let end_of_today = cx.me.today.and_hms_opt(23, 59, 59).unwrap_or_default();
        for inv in draft.problems(end_of_today) {
            let field = form_field(inv.field);
            let text =
                if field == Field::General { inv.text(cx.t.lang) } else { inv.problem.text(cx.t.lang) };
            problems.entry(field).or_insert(text);
        }
        problems
    }

    /// What shows beside each field: the last save's refusals, and the problems of every field
    /// already left.
    fn shown_problems(&self, cx: &Ctx) -> BTreeMap<Field, String> {
        let mut shown = self.errors.clone();
        for (field, text) in self.problems(cx) {
            if self.left.contains(&field) {
                shown.entry(field).or_insert(text);
            }
        }
        shown
    }

    /// Puts the cursor on the first field (in the form's order) with a problem.
    fn focus_first_problem(&mut self) {
        if let Some(first) = self.fields().into_iter().find(|f| self.errors.contains_key(f)) {
            self.focus = first;
        }
    }

    fn save(&mut self, cx: &Ctx) -> Action {
        let problems = self.problems(cx);
        if let Some((&field, first)) = problems.iter().next() {
            // The hint beside the field already shows the problem (cut to the screen), so saving
            // must say more: the whole sentence on the message line, and the cursor to the field.
            let said = match self.label(field, cx.t) {
                "" => first.clone(),
                label => format!("{label}{}{first}", cx.t.lang.pick("：", ": ")),
            };
            self.left.extend(problems.keys().copied());
            self.errors = problems;
            self.focus_first_problem();
            return Action::Say(Message::Error(said));
        }
        let (draft, _) = self.draft(cx);
        match cx.api.log_contact(draft) {
            Ok(logged) => Action::PopSaved(saved_message(&logged, cx)),
            Err(ServiceError::Invalid(list)) => {
                self.errors.clear();
                for inv in &list {
                    let field = form_field(inv.field);
                    let text = if field == Field::General {
                        inv.text(cx.t.lang)
                    } else {
                        inv.problem.text(cx.t.lang)
                    };
                    self.errors.entry(field).or_insert(text);
                }
                self.focus_first_problem();
                Action::error(ServiceError::Invalid(list))
            }
            Err(e) => Action::error(e),
        }
    }

    fn keep_draft(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        let (draft, _) = self.draft(cx);
        cx.api.save_draft(draft)?;
        self.owns_draft = true;
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
            Field::Tasks => t.f_tasks,
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
    fn date_hint(&self, f: Field, shown: &BTreeMap<Field, String>, cx: &Ctx) -> Span<'static> {
        let th = cx.theme;
        let t = cx.t;
        if let Some(e) = shown.get(&f) {
            return Span::styled(format!(" {e}"), th.overdue);
        }
        let (draft, errors) = self.draft(cx);
        if let Some(e) = errors.get(&f) {
            return Span::styled(format!(" {e}"), th.warning);
        }
        match f {
            Field::NextCallback => {
                let shown = if self.next_touched {
                    draft.next_callback
                } else {
                    let text = Self::text(&self.next);
                    parse_date_input(&text, cx.me.today).ok().filter(|_| !text.is_empty())
                };
                match shown {
                    Some(d) if self.next_is_agreed && !self.next_touched => {
                        Span::styled(format!(" = {}  {}", ui::long_date(d, t), t.agreed_kept), th.accent)
                    }
                    Some(d) => Span::styled(format!(" = {}", ui::long_date(d, t)), th.muted),
                    None if !self.card.mine && !self.does_callback() => {
                        Span::styled(format!(" {}", t.their_callback_kept), th.muted)
                    }
                    None => Span::styled(format!(" {}", t.next_unchanged), th.muted),
                }
            }
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

/// What a key does on the contact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    NextField,
    PrevField,
    ChoiceNext,
    ChoicePrev,
    ChoiceNumber,
    TickRight,
    TickLeft,
    Tick,
    TickNumber,
    Save,
    Cancel,
    ConfirmCancel,
    Enter,
    Clear,
    Newline,
}

/// What the focused field makes of keys: a choice, the task ticks, text, or the question
/// whether to drop what was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyMode {
    Choice,
    Tasks,
    Text,
    Confirm,
}

impl ContactForm {
    fn key_mode(&self) -> KeyMode {
        if self.confirm_cancel {
            KeyMode::Confirm
        } else if self.focus == Field::Tasks {
            KeyMode::Tasks
        } else if self.choice_len(self.focus) > 0 && self.choice(self.focus).is_some() {
            KeyMode::Choice
        } else {
            KeyMode::Text
        }
    }
}

/// Which commands the form takes in `mode` with `focus`.
fn offers(mode: KeyMode, focus: Field, c: Cmd) -> bool {
    match c {
        Cmd::ConfirmCancel => mode == KeyMode::Confirm,
        _ if mode == KeyMode::Confirm => false,
        Cmd::ChoiceNext | Cmd::ChoicePrev | Cmd::ChoiceNumber => mode == KeyMode::Choice,
        Cmd::TickRight | Cmd::TickLeft | Cmd::Tick | Cmd::TickNumber => mode == KeyMode::Tasks,
        Cmd::Clear => mode == KeyMode::Text,
        Cmd::Newline => focus == Field::Note,
        _ => true,
    }
}

const DIGITS: &[Key] =
    &[ch('0'), ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6'), ch('7'), ch('8'), ch('9')];

/// The contact form's keys: dispatch, footer, help and docs/KEYS.md all read this. Letters,
/// digits and Space are typed text in a text field and commands on a choice or the task list.
pub static KEYS: &[Entry<Cmd>] = &[
    key(&[ch('y'), ch('Y')], Cmd::ConfirmCancel, |t| t.key_yes, How { doc_keys: Some(""), ..F }),
    key(
        &[code(KeyCode::Tab), code(KeyCode::Down)],
        Cmd::NextField,
        |t| t.key_next_field,
        How { doc_keys: Some("Tab、↓ / Shift-Tab、↑"), doc: Some("下一项 / 上一项"), ..FT },
    ),
    key(
        &[code(KeyCode::Right), ch(' '), ch('l')],
        Cmd::ChoiceNext,
        |t| t.key_choose,
        How {
            label: Some(|t| t.keys_left_right),
            doc_keys: Some("←→、空格"),
            doc: Some("在选项中选择"),
            ..F
        },
    ),
    key(&[code(KeyCode::Left), ch('h')], Cmd::ChoicePrev, |t| t.key_choose, keys::PARTNER),
    key(
        &[code(KeyCode::Right), ch('l')],
        Cmd::TickRight,
        |t| t.key_choose,
        How { label: Some(|t| t.keys_left_right), doc_keys: Some(""), ..F },
    ),
    key(&[code(KeyCode::Left), ch('h')], Cmd::TickLeft, |t| t.key_choose, keys::PARTNER),
    key(&[ctrl('s')], Cmd::Save, |t| t.key_save, How { doc: Some("随时保存"), ..FT }),
    key(
        &[code(KeyCode::Esc)],
        Cmd::Cancel,
        |t| t.key_cancel,
        How {
            doc: Some("取消（已填写时先确认，按 `y` 放弃；取消后草稿一并删除）"), ..FT
        },
    ),
    key(
        &[code(KeyCode::BackTab), code(KeyCode::Up)],
        Cmd::PrevField,
        |t| t.key_prev_field,
        How { doc_keys: Some(""), ..FT },
    ),
    key(
        DIGITS,
        Cmd::ChoiceNumber,
        |t| t.key_pick,
        How {
            label: Some(|_| "0-9"),
            doc_keys: Some("数字"),
            doc: Some("直接选第几个选项（满意度：0 不填，1–5 分）；在“本次完成”上勾选或取消第几项"),
            ..F
        },
    ),
    key(
        &[ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6'), ch('7'), ch('8'), ch('9')],
        Cmd::TickNumber,
        |t| t.key_pick,
        How { label: Some(|_| "1-9"), doc_keys: Some(""), ..F },
    ),
    key(
        &[ch(' '), ch('x')],
        Cmd::Tick,
        |t| t.key_tick,
        How {
            doc: Some("在“本次完成”上勾选或取消光标所在的任务（←→ 移动光标）"), ..F
        },
    ),
    key(
        &[code(KeyCode::Enter)],
        Cmd::Enter,
        |t| t.key_enter_form,
        How { doc: Some("下一项；在最后一项上保存"), ..FT },
    ),
    key(&[ctrl('u')], Cmd::Clear, |t| t.key_clear, How { doc: Some("清空当前文字"), ..FT }),
    key(
        &[ctrl('j'), alt(KeyCode::Enter), Key { code: KeyCode::Enter, mods: KeyModifiers::CONTROL }],
        Cmd::Newline,
        |t| t.key_newline,
        How {
            doc: Some(
                "在备注中换行（备注可以写多行，框最多长到 4 行；粘贴的多行文字保留换行，终端以 CR 发送的换行也一样）",
            ),
            ..FT
        },
    ),
];

impl Screen for ContactForm {
    fn title(&self, t: &Text) -> String {
        format!("{} · {}", t.contact_form, self.card.client.name)
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        let mode = self.key_mode();
        keys::shown(KEYS, t, mode == KeyMode::Text, |c| offers(mode, self.focus, c))
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let mode = self.key_mode();
        let cmd = keys::command(KEYS, &key, mode == KeyMode::Text, |c| offers(mode, self.focus, c));
        if mode == KeyMode::Confirm {
            if cmd == Some(Cmd::ConfirmCancel) {
                // Cancelled on purpose: the draft goes too (this form's own only).
                if self.owns_draft {
                    let _ = cx.api.discard_draft(self.client.clone());
                }
                return Action::Pop;
            }
            self.confirm_cancel = false;
            return Action::None;
        }
        // The digit a number key stands for.
        let digit = match key.code {
            KeyCode::Char(c) => c.to_digit(10).map(|d| d as usize),
            _ => None,
        };
        match cmd {
            Some(Cmd::Save) => return self.save(cx),
            Some(Cmd::Cancel) => {
                if self.dirty {
                    self.confirm_cancel = true;
                    return Action::None;
                }
                return Action::Pop;
            }
            Some(Cmd::ConfirmCancel) => {}
            Some(Cmd::Newline) => {
                self.note.insert_newline();
                self.changed();
            }
            Some(Cmd::NextField) => self.move_focus(1),
            Some(Cmd::PrevField) => self.move_focus(-1),
            Some(Cmd::Enter) => {
                if self.fields().last() == Some(&self.focus) {
                    return self.save(cx);
                }
                self.move_focus(1);
            }
            Some(Cmd::TickRight) => self.tick_at = (self.tick_at + 1) % self.ticks.len().max(1),
            Some(Cmd::TickLeft) => {
                let len = self.ticks.len().max(1);
                self.tick_at = (self.tick_at + len - 1) % len;
            }
            Some(Cmd::Tick) => self.toggle_tick(self.tick_at, cx),
            Some(Cmd::TickNumber) => {
                if let Some(n) = digit {
                    self.toggle_tick(n.wrapping_sub(1), cx);
                }
            }
            Some(Cmd::ChoiceNext | Cmd::ChoicePrev | Cmd::ChoiceNumber) => {
                let f = self.focus;
                let len = self.choice_len(f);
                if let Some(current) = self.choice(f) {
                    match cmd {
                        Some(Cmd::ChoiceNext) => self.pick(f, current + 1, cx),
                        Some(Cmd::ChoicePrev) => self.pick(f, current + len - 1, cx),
                        _ => {
                            // Satisfaction options are 0 (not given) to 5; the others count from 1.
                            let n = digit.unwrap_or(0);
                            let to = if f == Field::Satisfaction { n } else { n.wrapping_sub(1) };
                            if to < len {
                                self.pick(f, to, cx);
                            }
                        }
                    }
                }
            }
            Some(Cmd::Clear) | None => {
                let f = self.focus;
                if let Some(text) = self.text_mut(f) {
                    let changed = if cmd == Some(Cmd::Clear) { text.clear() } else { text.input(key) };
                    if changed {
                        if f == Field::NextCallback {
                            self.next_touched = true;
                        }
                        self.changed();
                        // The cadence runs from the day the contact took place: a contact logged
                        // late for 12-31 is next due a cadence after 12-31, as the service saves it.
                        if f == Field::At {
                            self.suggest_next_callback(cx);
                        }
                    }
                }
            }
        }
        Action::None
    }

    fn on_paste(&mut self, pasted: &str, _cx: &Ctx) -> Action {
        // The note keeps a pasted paragraph's lines (a terminal sends them as CR); a date or a
        // time is one line.
        let pasted = if self.focus == Field::Note {
            crate::domain::text::newlines(pasted).into_owned()
        } else {
            pasted.replace(['\r', '\n'], " ")
        };
        if let Some(text) = self.text_mut(self.focus)
            && text.insert_str(pasted)
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
        if !self.card.mine
            && let Some(m) = &c.maintainer
        {
            let outlet = self.card.maintainer_outlet.as_ref().map_or_else(String::new, |o| o.to_string());
            let who = t.colleague_client.replace("{name}", &m.name).replace("{outlet}", &outlet);
            rows.push((None, Line::from(Span::styled(format!(" {who}"), th.warning))));
        }
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
        let shown = self.shown_problems(cx);
        let problem_row =
            |e: &String| (None, Line::from(Span::styled(format!("{}{e}", " ".repeat(label_w)), th.overdue)));
        for field in self.fields() {
            let marker = if self.focus == field { ">" } else { " " };
            let label_style = if self.focus == field { th.accent } else { th.text };
            let label =
                Span::styled(format!("{marker}{}", ui::pad(self.label(field, t), label_w - 1)), label_style);
            let line = match field {
                Field::Tasks => {
                    let mut spans = vec![label];
                    for (i, (task, _)) in self.ticks.iter().enumerate() {
                        let done = self.task_done(i);
                        let style = match (self.focus == field && i == self.tick_at, done) {
                            (true, _) => th.selection,
                            (false, true) => th.accent,
                            (false, false) => th.muted,
                        };
                        let mark = if done { "[x]" } else { "[ ]" };
                        let via = if self.by_purpose(task) { t.via_purpose } else { "" };
                        // A gap of its own between tasks, so the line wraps there: every task
                        // stays on screen to be read before it is ticked.
                        spans.push(Span::raw(if i == 0 { " " } else { "  " }));
                        spans.push(Span::styled(
                            format!(
                                "{}{mark}{}{via}",
                                i + 1,
                                t.task_title(task.kind(), task.launch_name.as_deref())
                            ),
                            style,
                        ));
                    }
                    rows.extend(wrap_at_gaps(Line::from(spans), area.width).into_iter().map(|l| (None, l)));
                    rows.extend(shown.get(&field).map(problem_row));
                    continue;
                }
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
            if field == Field::Note {
                // The note's further lines, up to NOTE_ROWS; its box is drawn over them.
                rows.extend((1..self.note_rows(area.width, label_w)).map(|_| (None, Line::from(""))));
            }
            // A date field shows its problem in the hint to its right.
            if !matches!(field, Field::NextCallback | Field::At) {
                rows.extend(shown.get(&field).map(problem_row));
            }
        }
        if let Some(e) = shown.get(&Field::General) {
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
                Field::NextCallback | Field::At => Some(self.date_hint(field, &shown, cx)),
                _ => None,
            };
            let height = if field == Field::Note { self.note_rows(area.width, label_w) } else { 1 };
            let Some(textarea) = self.text_mut(field) else { continue };
            // One cell in, level with the first option of the choice lines above.
            let left = label_w as u16 + 1;
            let box_w =
                if field == Field::Note { area.width.saturating_sub(left + 1) } else { 24.min(text_w) };
            let input = Rect { x: rect.x + left, y: rect.y, width: box_w, height };
            if field == Field::Note {
                textarea.set_wrap_mode(ratatui_textarea::WrapMode::Glyph);
            }
            textarea.set_style(if focused { th.selection } else { th.popup });
            textarea.set_cursor_style(if focused { th.key } else { Style::default() });
            f.render_widget(&*textarea, input);
            if focused {
                // Put the real cursor where typing goes, so the terminal's IME window opens there.
                let cur = textarea.screen_cursor();
                f.set_cursor_position((input.x + cur.col as u16, input.y + cur.row as u16));
            }
            if let Some(hint) = hint {
                let hint_area = Rect {
                    x: input.x + box_w,
                    y: rect.y,
                    width: rect.width.saturating_sub(left + box_w),
                    height: 1,
                };
                f.render_widget(Paragraph::new(fit_line(Line::from(hint), hint_area.width)), hint_area);
            }
        }
    }
}
