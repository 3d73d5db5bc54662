//! 记录联系: the contact form, built on the form kit (`tui::form`). Tab moves, ←→ or a digit
//! picks, Enter on the last field or Ctrl-S saves. The service validates and writes; the screen
//! only reports "已保存" once the write is on disk, shows each field's problem under it once the
//! field is left (and every problem, with the cursor on the first, once a save is tried), and
//! keeps an unfinished form as a draft (every 15 s while it changes, and at session end).

use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::columns::wrap_at_gaps;
use super::super::form::{self, Choice, Edit, Focus, Parsed, Sheet, TextInput};
use super::super::keys::{self, Entry, F, FT, How, Key, alt, ch, code, ctrl, key};
use super::super::screen::{Action, Ctx, KeyHelp, Message, Screen};
use super::super::text::Text;
use super::super::ui;
use crate::domain::Field as Rule;
use crate::domain::calendar::parse_contact_time;
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

/// The form's fields, in the order Tab visits them.
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
}

/// The form's field a rule's field is shown beside; `None`: the general line under the form.
fn form_field(f: Rule) -> Option<Field> {
    match f {
        Rule::ContactChannel => Some(Field::Channel),
        Rule::ContactPurpose => Some(Field::Purpose),
        Rule::PitchedLaunch => Some(Field::Launch),
        Rule::AlsoDone => Some(Field::Tasks),
        Rule::ContactOutcome => Some(Field::Outcome),
        Rule::Satisfaction => Some(Field::Satisfaction),
        Rule::Note => Some(Field::Note),
        Rule::NextCallback => Some(Field::NextCallback),
        Rule::ContactTime => Some(Field::At),
        _ => None,
    }
}

/// An unsaved form is kept as a draft this often while it changes, besides at session end.
const DRAFT_EVERY: Duration = Duration::from_secs(15);
/// Rows the note's box grows to before it scrolls.
const NOTE_ROWS: u16 = 4;
/// Cells of the 下次回访 and 联系时间 boxes; what they read as shows to their right.
const DATE_BOX: u16 = 24;
/// 满意度: 0 = not given, 1–5.
const SATISFACTION: [u8; 6] = [0, 1, 2, 3, 4, 5];

/// Problems by field, and the general line (a problem that belongs to no single field).
type Problems = (BTreeMap<Field, String>, Option<String>);

pub struct ContactForm {
    client: ClientNo,
    card: ClientCard,
    launches: Vec<LaunchRef>,
    channel: Choice<Channel>,
    purpose: Choice<Purpose>,
    /// The running launches; empty when none runs.
    launch: Choice<LaunchId>,
    outcome: Choice<Outcome>,
    satisfaction: Choice<u8>,
    note: TextInput,
    next: Parsed<NaiveDate>,
    /// 联系时间: `None` when empty, "现在" or today alone (the service then takes the real now).
    at: Parsed<NaiveDateTime>,
    /// The user typed a next-callback date: switching purpose must not overwrite it, and only
    /// then is the date sent (an untouched, pre-filled date is left to the rules, so it never
    /// replaces an agreed callback).
    next_touched: bool,
    /// The date shown untouched is the callback agreed with the client.
    next_is_agreed: bool,
    /// The open tasks, each with whether the user ticked it as done by this contact. The ticks
    /// are the form's own (not a kit choice): a task done by the purpose is ticked and fixed.
    ticks: Vec<(TaskView, bool)>,
    /// Which task the Tasks field points at.
    tick_at: usize,
    /// The session's today, which an empty or relative 联系时间 is read against.
    today: NaiveDate,
    focus: Focus<Field>,
    /// What the last save was refused for, by field, in the screen's language (cleared by
    /// any change).
    refused: Problems,
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

/// The position of `v` in `all` (0 when absent). The contact form no longer uses it (its
/// choices are `form::Choice`); the complaint form's draft reopening still does, until that
/// form is rebuilt on the kit.
pub(super) fn index_of<T: PartialEq + Copy>(all: &[T], v: T) -> usize {
    all.iter().position(|x| *x == v).unwrap_or(0)
}

/// 联系时间 as a field: read against noon of `today` (only its date matters: it anchors "昨天"
/// and "14:30"). "今天", "现在" or today's date alone read as nothing given, so the service takes
/// the real now instead of a noon that may not have come yet.
fn contact_time_field(initial: &str, placeholder: &str, today: NaiveDate) -> Parsed<NaiveDateTime> {
    let reference = today.and_hms_opt(12, 0, 0).unwrap_or_default();
    Parsed::new(
        TextInput::line(initial, placeholder),
        move |s| parse_contact_time(s, reference).map(|t| (t != reference).then_some(t)),
        |at, _| format!("= {}", at.format("%Y-%m-%d %H:%M")),
    )
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
        let launch = Choice::new(launches.iter().map(|l| l.id).collect(), prefill.launch.or(owed_launch));
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
        let ticks: Vec<(TaskView, bool)> = card.open_tasks.iter().map(|t| (t.clone(), false)).collect();
        let mut form = ContactForm {
            client,
            card,
            launches,
            channel: Choice::new(Channel::ALL.to_vec(), Some(channel)),
            purpose: Choice::new(Purpose::ALL.to_vec(), Some(prefill.purpose.unwrap_or(default_purpose))),
            launch,
            outcome: Choice::new(Outcome::ALL.to_vec(), None),
            satisfaction: Choice::new(SATISFACTION.to_vec(), Some(0)),
            note: TextInput::lines("", cx.t.note_placeholder, NOTE_ROWS),
            next: form::date_field("", cx.t.next_placeholder, today),
            at: contact_time_field("", cx.t.at_placeholder, today),
            next_touched: false,
            next_is_agreed: false,
            ticks,
            tick_at: 0,
            today,
            focus: Focus::new(vec![Field::Channel], Field::Channel),
            refused: (BTreeMap::new(), None),
            dirty: false,
            draft_stale: false,
            draft_saved_at: Instant::now(),
            confirm_cancel: false,
            owns_draft: false,
        };
        form.focus.set_order(form.fields());
        form.suggest_next_callback();
        Ok(form)
    }

    /// Reopens a kept draft (from an earlier session, or one put off with “以后再说”).
    pub fn from_draft(draft: ContactDraft, cx: &Ctx) -> Result<ContactForm, ServiceError> {
        let prefill = Prefill { purpose: Some(draft.purpose), launch: draft.launch };
        let mut form = ContactForm::new(draft.client.clone(), prefill, cx)?;
        form.channel.set(draft.channel);
        form.outcome.set(draft.outcome);
        form.satisfaction.set(draft.satisfaction.unwrap_or(0).min(5));
        for (task, ticked) in &mut form.ticks {
            let (purpose, launch) = task.kind().completed_by();
            *ticked = draft.also.contains(&Aim { purpose, launch });
        }
        // A note of several lines is several lines of the box again.
        form.note.set(&draft.note);
        if let Some(at) = draft.at {
            form.at.input.set(&at.format("%Y-%m-%d %H:%M").to_string());
        }
        if let Some(d) = draft.next_callback {
            form.next.input.set(&d.to_string());
            form.next_touched = true;
            form.next_is_agreed = false;
        } else {
            form.suggest_next_callback();
        }
        form.dirty = true;
        form.owns_draft = true;
        Ok(form)
    }

    fn purpose(&self) -> Purpose {
        self.purpose.value().unwrap_or(Purpose::Marketing)
    }

    fn outcome(&self) -> Outcome {
        self.outcome.value().unwrap_or(Outcome::ALL[0])
    }

    /// The fields shown, in order: 推介产品 only for a 新品推介, 本次完成 only with open tasks.
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
        self.at.value().ok().flatten().map_or(self.today, |t| t.date())
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
            TaskKind::Launch(id) => self.selected_launch() == Some(id),
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
        let main = Aim { purpose: self.purpose(), launch: self.selected_launch() };
        for (task, ticked) in &self.ticks {
            if !*ticked || self.by_purpose(task) {
                continue;
            }
            let (purpose, launch) = task.kind().completed_by();
            let aim = Aim { purpose, launch };
            if aim != main && !out.contains(&aim) {
                out.push(aim);
            }
        }
        out
    }

    /// The product pitched: the launch picked, for a 新品推介 only.
    fn selected_launch(&self) -> Option<LaunchId> {
        (self.purpose() == Purpose::ProductPitch).then(|| self.launch.value()).flatten()
    }

    /// The callback agreed with the client that is still ahead, if any.
    fn agreed_callback(&self) -> Option<NaiveDate> {
        self.card
            .open_tasks
            .iter()
            .find(|t| t.agreed && matches!(t.kind(), TaskKind::Callback { .. }) && t.due > self.today)
            .map(|t| t.due)
    }

    /// Fills the next-callback date as it will turn out if left alone, unless the user typed
    /// one: a callback agreed with the client and not done by this contact is shown and kept;
    /// on a colleague's client their callback stays unless 回访 is chosen; otherwise the rules'
    /// suggestion (one cadence on).
    fn suggest_next_callback(&mut self) {
        if self.next_touched {
            return;
        }
        let reached = self.outcome().reached();
        let callback = self.does_callback();
        self.next_is_agreed = false;
        let due = if !self.card.mine && !callback {
            None
        } else if let Some(day) = self.agreed_callback().filter(|_| !(callback && reached)) {
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
        self.next.input.set(&due.map(|d| d.to_string()).unwrap_or_default());
    }

    fn toggle_tick(&mut self, i: usize) {
        if i >= self.ticks.len() || self.by_purpose(&self.ticks[i].0) {
            // Done by the purpose itself: change the purpose to undo it.
            return;
        }
        self.tick_at = i;
        self.ticks[i].1 = !self.ticks[i].1;
        self.changed();
        self.suggest_next_callback();
    }

    fn changed(&mut self) {
        self.dirty = true;
        self.draft_stale = true;
        self.refused = (BTreeMap::new(), None);
    }

    /// A choice field's pick moved (`pick` gave whether it changed): the purpose shows or hides
    /// 推介产品, and purpose and outcome decide the suggested next callback.
    fn picked(&mut self, changed: bool) {
        if !changed {
            return;
        }
        self.changed();
        self.focus.set_order(self.fields());
        self.suggest_next_callback();
    }

    /// Moves the focused choice: by `by` steps, or to option `to` (0-based).
    fn pick(&mut self, by: Option<isize>, to: Option<usize>) {
        fn go<T: Copy + PartialEq>(c: &mut Choice<T>, by: Option<isize>, to: Option<usize>) -> bool {
            match (by, to) {
                (Some(by), _) => c.step(by),
                (None, Some(i)) => c.pick(i),
                (None, None) => false,
            }
        }
        let changed = match self.focus.at() {
            Field::Channel => go(&mut self.channel, by, to),
            Field::Purpose => go(&mut self.purpose, by, to),
            Field::Launch => go(&mut self.launch, by, to),
            Field::Outcome => go(&mut self.outcome, by, to),
            Field::Satisfaction => go(&mut self.satisfaction, by, to),
            _ => false,
        };
        self.picked(changed);
    }

    /// The text field under the cursor, if it is one.
    fn input_mut(&mut self, f: Field) -> Option<&mut TextInput> {
        match f {
            Field::Note => Some(&mut self.note),
            Field::NextCallback => Some(&mut self.next.input),
            Field::At => Some(&mut self.at.input),
            _ => None,
        }
    }

    /// The text of `f` changed: a typed 下次回访 is the user's from now on, and the cadence runs
    /// from the day the contact took place (a contact logged late for 12-31 is next due a
    /// cadence after 12-31, as the service saves it).
    fn typed(&mut self, f: Field) {
        if f == Field::NextCallback {
            self.next_touched = true;
        }
        self.changed();
        if f == Field::At {
            self.suggest_next_callback();
        }
    }

    /// The form as a draft, with whatever reads; used for saving and for keeping a draft.
    fn draft(&self) -> ContactDraft {
        // Only a date the user gave is sent; a pre-filled one is what the rules do anyway, and
        // sending it would turn it into an agreement (or replace one already made).
        let next_callback = self.next.value().ok().flatten().filter(|_| self.next_touched);
        ContactDraft {
            client: self.client.clone(),
            at: self.at.value().ok().flatten(),
            channel: self.channel.value().unwrap_or(Channel::ALL[0]),
            purpose: self.purpose(),
            launch: self.selected_launch(),
            outcome: self.outcome(),
            note: self.note.trimmed(),
            satisfaction: self.satisfaction.value().filter(|n| *n > 0),
            next_callback,
            also: self.also(),
            saved_at: None,
        }
    }

    /// Every problem the form can see before saving, by field, in the screen's language: what
    /// does not read, a ticked task this contact cannot complete, and what the contact's rules
    /// refuse (`ContactDraft::problems`). The rules are judged at the end of today: the screen
    /// has no clock, and a later "now" only refuses less, so nothing the service would take is
    /// refused here; the service judges the real time on save.
    fn problems(&self, t: &Text) -> Problems {
        let mut by_field = BTreeMap::new();
        if let Err(p) = self.next.value() {
            by_field.insert(Field::NextCallback, p.text(t.lang));
        }
        if let Err(p) = self.at.value() {
            by_field.insert(Field::At, p.text(t.lang));
        }
        if let Some(p) = self.tick_problem(t) {
            by_field.insert(Field::Tasks, p);
        }
        let end_of_today = self.today.and_hms_opt(23, 59, 59).unwrap_or_default();
        let refused = ServiceError::Invalid(self.draft().problems(end_of_today));
        let (rules, general) = form::problems_of(&refused, t.lang, form_field);
        for (k, v) in rules {
            by_field.entry(k).or_insert(v);
        }
        (by_field, general)
    }

    /// What shows now: the last save's refusals, and the problems of every field already left
    /// (all of them once a save was tried).
    fn shown_problems(&self, t: &Text) -> Problems {
        let (mut shown, general) = self.refused.clone();
        let (problems, _) = self.problems(t);
        for (k, v) in self.focus.shown(&problems) {
            shown.entry(k).or_insert_with(|| v.to_string());
        }
        // A general problem belongs to no field to leave: it shows once a save is tried.
        (shown, general)
    }

    fn save(&mut self, cx: &Ctx) -> Action {
        let (problems, general) = self.problems(cx.t);
        if !problems.is_empty() || general.is_some() {
            self.focus.to_first_problem(&problems);
            self.refused.1 = general.clone();
            // The field shows its problem (cut to the screen), so saving must say more: the
            // whole sentence on the message line, and the cursor to the field.
            let said = match problems.get(&self.focus.at()) {
                Some(p) => format!("{}{}{p}", self.label(self.focus.at(), cx.t), cx.t.lang.pick("：", ": ")),
                None => general.clone().unwrap_or_default(),
            };
            return Action::Say(Message::Error(said));
        }
        match cx.api.log_contact(self.draft()) {
            Ok(logged) => Action::PopSaved(saved_message(&logged, cx)),
            Err(e @ ServiceError::Invalid(_)) => {
                // Each refusal beside its field, the cursor on the first.
                self.refused = form::problems_of(&e, cx.t.lang, form_field);
                self.focus.to_first_problem(&self.refused.0);
                Action::error(e)
            }
            // Not about what was typed (the connection, the disk): the message line says it.
            Err(e) => Action::error(e),
        }
    }

    fn keep_draft(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        cx.api.save_draft(self.draft())?;
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
        }
    }

    /// The launch picked, one at a time (names are long): ` < 名称 >  1/3  截止 12-31`.
    fn launch_spans(&self, cx: &Ctx) -> Vec<Span<'static>> {
        let th = cx.theme;
        let picked = self.launch.value().and_then(|id| self.launches.iter().find(|l| l.id == id));
        match picked {
            Some(l) => {
                let style = if self.focus.is(Field::Launch) { th.selection } else { th.accent };
                vec![
                    Span::styled(format!(" < {} > ", l.name), style),
                    Span::styled(
                        format!(
                            " {}/{}  {} {}",
                            self.launch.index() + 1,
                            self.launch.len(),
                            cx.t.deadline,
                            ui::date(l.deadline, self.today, cx.t)
                        ),
                        th.muted,
                    ),
                ]
            }
            None => vec![Span::styled(format!(" {}", cx.t.no_running_launch), th.warning)],
        }
    }

    /// The open tasks to tick, each with its number (a digit ticks it) and whether it is done
    /// by the purpose itself.
    fn tick_spans(&self, cx: &Ctx) -> Vec<Span<'static>> {
        let (t, th) = (cx.t, cx.theme);
        let mut spans = Vec::new();
        for (i, (task, _)) in self.ticks.iter().enumerate() {
            let done = self.task_done(i);
            let style = match (self.focus.is(Field::Tasks) && i == self.tick_at, done) {
                (true, _) => th.selection,
                (false, true) => th.accent,
                (false, false) => th.muted,
            };
            let mark = if done { "[x]" } else { "[ ]" };
            let via = if self.by_purpose(task) { t.via_purpose } else { "" };
            // A gap of its own between tasks, so the line wraps there: every task stays on
            // screen to be read before it is ticked.
            spans.push(Span::raw(if i == 0 { " " } else { "  " }));
            spans.push(Span::styled(
                format!("{}{mark}{}{via}", i + 1, t.task_title(task.kind(), task.launch_name.as_deref())),
                style,
            ));
        }
        spans
    }

    /// What 下次回访 will be, beside it: the date as read, an agreed one marked as kept, or
    /// that nothing changes; while it does not read, why (until that shows under the field).
    fn next_hint(&self, shown: bool, cx: &Ctx) -> Option<Span<'static>> {
        let (t, th) = (cx.t, cx.theme);
        match self.next.value() {
            Err(_) if shown => None,
            Err(p) => Some(Span::styled(format!(" {}", p.text(t.lang)), th.warning)),
            Ok(Some(d)) if self.next_is_agreed && !self.next_touched => {
                Some(Span::styled(format!(" = {}  {}", ui::long_date(d, t), t.agreed_kept), th.accent))
            }
            Ok(Some(d)) => Some(Span::styled(format!(" = {}", ui::long_date(d, t)), th.muted)),
            Ok(None) if !self.card.mine && !self.does_callback() => {
                Some(Span::styled(format!(" {}", t.their_callback_kept), th.muted))
            }
            Ok(None) => Some(Span::styled(format!(" {}", t.next_unchanged), th.muted)),
        }
    }

    /// What 联系时间 will be, beside it: the time as read, or "现在".
    fn at_hint(&self, shown: bool, cx: &Ctx) -> Option<Span<'static>> {
        let (t, th) = (cx.t, cx.theme);
        match self.at.value() {
            Err(_) if shown => None,
            Ok(None) => Some(Span::styled(format!(" {}", t.now_word), th.muted)),
            _ => form::parsed_hint(&self.at, t, th),
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
        } else {
            match self.focus.at() {
                Field::Tasks => KeyMode::Tasks,
                Field::Note | Field::NextCallback | Field::At => KeyMode::Text,
                Field::Channel | Field::Purpose | Field::Launch | Field::Outcome | Field::Satisfaction => {
                    KeyMode::Choice
                }
            }
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
        let mut shown = keys::shown(KEYS, t, mode == KeyMode::Text, |c| offers(mode, self.focus.at(), c));
        if mode == KeyMode::Text {
            // The editing keys, in help (not the footer); ↑↓ move between fields here.
            shown.extend(keys::shown(form::EDIT_KEYS, t, true, |e| !matches!(e, Edit::Up | Edit::Down)));
        }
        shown
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let mode = self.key_mode();
        let at = self.focus.at();
        let cmd = keys::command(KEYS, &key, mode == KeyMode::Text, |c| offers(mode, at, c));
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
                if self.note.newline() {
                    self.typed(Field::Note);
                }
            }
            Some(Cmd::NextField) => self.focus.next(),
            Some(Cmd::PrevField) => self.focus.prev(),
            Some(Cmd::Enter) => {
                if self.focus.on_last() {
                    return self.save(cx);
                }
                self.focus.next();
            }
            Some(Cmd::TickRight) => self.tick_at = (self.tick_at + 1) % self.ticks.len().max(1),
            Some(Cmd::TickLeft) => {
                let len = self.ticks.len().max(1);
                self.tick_at = (self.tick_at + len - 1) % len;
            }
            Some(Cmd::Tick) => self.toggle_tick(self.tick_at),
            Some(Cmd::TickNumber) => {
                if let Some(n) = digit {
                    self.toggle_tick(n.wrapping_sub(1));
                }
            }
            Some(Cmd::ChoiceNext) => self.pick(Some(1), None),
            Some(Cmd::ChoicePrev) => self.pick(Some(-1), None),
            Some(Cmd::ChoiceNumber) => {
                // Satisfaction options are 0 (not given) to 5; the others count from 1.
                let n = digit.unwrap_or(0);
                let to = if at == Field::Satisfaction { Some(n) } else { n.checked_sub(1) };
                self.pick(None, to);
            }
            None => {
                if let Some(input) = self.input_mut(at)
                    && input.edit(&key)
                {
                    self.typed(at);
                }
            }
        }
        Action::None
    }

    fn on_paste(&mut self, pasted: &str, _cx: &Ctx) -> Action {
        // The note keeps a pasted paragraph's lines (a terminal sends them as CR); a date or a
        // time is one line: the kit's `paste` knows which.
        let at = self.focus.at();
        if let Some(input) = self.input_mut(at)
            && input.paste(pasted)
        {
            self.typed(at);
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
        let (t, th) = (cx.t, cx.theme);
        let c = &self.card.client;
        let (shown, general) = self.shown_problems(t);
        let fields = self.fields();
        let labels: Vec<&str> = fields.iter().map(|k| self.label(*k, t)).collect();
        let mut sheet: Sheet<Field> = Sheet::new(Sheet::<Field>::label_width(&labels, area.width));
        sheet.line(Line::from(vec![
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
        ]));
        if !self.card.mine
            && let Some(m) = &c.maintainer
        {
            let outlet = self.card.maintainer_outlet.as_ref().map_or_else(String::new, |o| o.to_string());
            let who = t.colleague_client.replace("{name}", &m.name).replace("{outlet}", &outlet);
            sheet.line(Line::from(Span::styled(format!(" {who}"), th.warning)));
        }
        let mut tasks = vec![Span::styled(format!(" {} ", t.open_tasks), th.muted)];
        if self.card.open_tasks.is_empty() {
            tasks.push(Span::styled(t.no_open_tasks, th.muted));
        }
        for task in &self.card.open_tasks {
            tasks.push(Span::styled(t.task_title(task.kind(), task.launch_name.as_deref()), th.text));
            tasks.push(Span::styled(
                format!(" {}  ", ui::date(task.due, self.today, t)),
                ui::due_style(task.due, self.today, th),
            ));
        }
        // Wrapped between tasks (a task's date is never cut), further lines under the first task.
        let indent = ui::width(&tasks[0].content) as u16;
        for (i, l) in
            wrap_at_gaps(Line::from(tasks), area.width.saturating_sub(indent)).into_iter().enumerate()
        {
            let mut spans =
                if i == 0 { Vec::new() } else { vec![Span::raw(" ".repeat(usize::from(indent)))] };
            spans.extend(l.spans.into_iter().map(|s| Span::styled(s.content.into_owned(), s.style)));
            sheet.line(Line::from(spans));
        }
        sheet.line(Line::from(""));
        let focused = |k: Field| self.focus.is(k);
        for k in fields {
            let label = self.label(k, t);
            let problem = shown.get(&k).map(String::as_str);
            match k {
                Field::Channel => sheet.spans(
                    k,
                    label,
                    self.channel.spans(|v| t.channel(v).to_string(), focused(k), th),
                    problem,
                ),
                Field::Purpose => sheet.spans(
                    k,
                    label,
                    self.purpose.spans(|v| t.purpose(v).to_string(), focused(k), th),
                    problem,
                ),
                Field::Launch => sheet.spans(k, label, self.launch_spans(cx), problem),
                Field::Tasks => sheet.spans(k, label, self.tick_spans(cx), problem),
                Field::Outcome => sheet.spans(
                    k,
                    label,
                    self.outcome.spans(|v| t.outcome(v).to_string(), focused(k), th),
                    problem,
                ),
                Field::Satisfaction => sheet.spans(
                    k,
                    label,
                    self.satisfaction.spans(
                        |n| if n == 0 { t.not_given.to_string() } else { n.to_string() },
                        focused(k),
                        th,
                    ),
                    problem,
                ),
                Field::Note => sheet.input(k, label, None, None, problem),
                Field::NextCallback => {
                    sheet.input(k, label, Some(DATE_BOX), self.next_hint(problem.is_some(), cx), problem)
                }
                Field::At => {
                    sheet.input(k, label, Some(DATE_BOX), self.at_hint(problem.is_some(), cx), problem)
                }
            }
        }
        if let Some(e) = general {
            sheet.line(Line::from(Span::styled(format!(" {e}"), th.overdue)));
        }
        // The hint or the question stays at the bottom however far the form scrolls.
        sheet.pin(Line::from(""));
        if self.confirm_cancel {
            sheet.pin(Line::from(Span::styled(format!(" {}  {}", t.confirm_discard, t.yes_no), th.warning)));
        } else {
            // Wrapped between its hints (" · "-separated, drawn narrow) rather than cut mid-word.
            sheet.pin(Line::from(Span::styled(format!(" {}", t.form_hint.replace(" · ", "  ")), th.muted)));
        }
        let focus = self.focus.at();
        let (note, next, at) = (&mut self.note, &mut self.next.input, &mut self.at.input);
        let (mut note, mut next, mut at) = (Some(note), Some(next), Some(at));
        sheet.render(f, area, focus, t, th, |k| match k {
            Field::Note => note.take(),
            Field::NextCallback => next.take(),
            Field::At => at.take(),
            _ => None,
        });
    }
}
