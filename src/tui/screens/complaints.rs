//! 投诉: the list of complaints the user may see (open ones, overdue first; or all), one
//! complaint's full history, the form that finishes its open step, and the form that receives
//! a complaint from the client card. Every decision is the service's; these only ask and show.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, TableState, Wrap};

use super::super::columns::{Column, Columns};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use crate::domain::complaint::ComplaintFigures;
use crate::domain::complaint::{
    Category, ComplaintChannel, ComplaintId, DraftId, Feedback, NewComplaint, Satisfaction, Severity, Step,
    TEXT_MAX_CHARS,
};
use crate::domain::contact::ScoreTally;
use crate::domain::text::one_line;
use crate::domain::{ClientNo, Quarter, inert};
use crate::service::ServiceError;
use crate::service::complaints::{
    ComplaintDetail, ComplaintFiguresView, ComplaintFilter, ComplaintRow, PerThousandBase, StepMove,
};
use crate::service::views::StaffRef;
use chrono::NaiveDateTime;
use ratatui_textarea::TextArea;
use std::time::{Duration, Instant};

/// "剩2个工作日" / "逾期3天" / "已办结" for a list row.
fn time_left(r: &ComplaintRow, t: &Text) -> String {
    match r.days_left {
        Some(d) => t.step_time_left(d),
        None => t.cm().closed.to_string(),
    }
}

fn row_style(r: &ComplaintRow, cx: &Ctx) -> ratatui::style::Style {
    match r.days_left {
        _ if r.overdue => cx.theme.overdue,
        Some(0) => cx.theme.warning,
        Some(_) => cx.theme.text,
        None => cx.theme.muted,
    }
}

pub struct ComplaintsScreen {
    /// Which list: 0 open, 1 overdue, 2 a quarter (received or closed in it), 3 all.
    filter: usize,
    /// The quarter list 2 shows; `[` `]` move it (never past this quarter).
    quarter: Quarter,
    rows: Vec<ComplaintRow>,
    state: TableState,
}

impl ComplaintsScreen {
    pub fn new(cx: &Ctx) -> Result<ComplaintsScreen, ServiceError> {
        let quarter = Quarter::of(cx.me.today);
        let mut s = ComplaintsScreen { filter: 0, quarter, rows: Vec::new(), state: TableState::default() };
        s.refresh(cx)?;
        Ok(s)
    }

    /// The complaints received or closed in `quarter`: where a quarter's figures drill to.
    pub fn of_quarter(quarter: Quarter, cx: &Ctx) -> Result<ComplaintsScreen, ServiceError> {
        let mut s = ComplaintsScreen { filter: 2, quarter, rows: Vec::new(), state: TableState::default() };
        s.refresh(cx)?;
        Ok(s)
    }
}

impl Screen for ComplaintsScreen {
    fn title(&self, t: &Text) -> String {
        t.cm().list_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        crate::tui::keys::shown(LIST_KEYS, t, false, |_| true)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        let filter = match self.filter {
            0 => ComplaintFilter::Open,
            1 => ComplaintFilter::Overdue,
            2 => ComplaintFilter::Quarter(self.quarter),
            _ => ComplaintFilter::All,
        };
        let was = self.state.selected().and_then(|i| self.rows.get(i)).map(|r| r.id);
        self.rows = cx.api.complaints(filter)?;
        let at = was.and_then(|id| self.rows.iter().position(|r| r.id == id)).unwrap_or(0);
        self.state.select((!self.rows.is_empty()).then_some(at.min(self.rows.len().saturating_sub(1))));
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let Some(cmd) = crate::tui::keys::command(LIST_KEYS, &key, false, |_| true) else {
            return Action::None;
        };
        match cmd {
            ListCmd::Nav(to) => {
                super::nav(&mut self.state, to, self.rows.len());
                Action::None
            }
            ListCmd::Back => Action::Pop,
            ListCmd::Filter => {
                self.filter = (self.filter + 1) % 4;
                Action::after(self.refresh(cx))
            }
            // Closed ones by quarter: `[` `]` show the quarter before or after.
            ListCmd::PrevQuarter => {
                self.quarter = if self.filter == 2 { self.quarter.prev() } else { self.quarter };
                self.filter = 2;
                Action::after(self.refresh(cx))
            }
            ListCmd::NextQuarter if self.filter == 2 && self.quarter < Quarter::of(cx.me.today) => {
                self.quarter = self.quarter.next();
                Action::after(self.refresh(cx))
            }
            ListCmd::NextQuarter => Action::None,
            ListCmd::Refresh => Action::after(self.refresh(cx)),
            // Receive one: pick the client by search first.
            ListCmd::Receive => Action::Push(Box::new(super::search::SearchScreen::for_complaint(cx))),
            ListCmd::Figures => match ComplaintFiguresScreen::new(cx) {
                Ok(s) => Action::Push(Box::new(s)),
                Err(e) => Action::error(e),
            },
            ListCmd::Open => match self.state.selected().and_then(|i| self.rows.get(i)) {
                Some(r) => open_complaint(r.id, cx),
                None => Action::None,
            },
            ListCmd::Export => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let cm = t.cm();
        let th = cx.theme;
        let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        let filter = match self.filter {
            0 => cm.filter_open.to_string(),
            1 => cm.filter_overdue.to_string(),
            2 => self.quarter.to_string(),
            _ => cm.filter_all.to_string(),
        };
        // How the open ones stand, by step and by severity: where the work is piling up.
        let open: Vec<&ComplaintRow> = self.rows.iter().filter(|r| r.step.is_some()).collect();
        let mut by = Vec::new();
        for step in Step::ALL {
            let n = open.iter().filter(|r| r.step == Some(*step)).count();
            if n > 0 {
                by.push(format!("{}{n}", t.complaint_step(*step)));
            }
        }
        for sev in Severity::ALL {
            let n = open.iter().filter(|r| r.severity == *sev).count();
            if n > 0 {
                by.push(format!("{}{n}", t.severity(*sev)));
            }
        }
        f.render_widget(
            Paragraph::new(super::super::columns::fit_line(
                Line::from(vec![
                    Span::styled(format!(" {} · {filter} ", cm.list_title), th.title),
                    Span::styled(format!("{}  ", self.rows.len()), th.muted),
                    Span::styled(by.join(" "), th.text),
                ]),
                head.width,
            )),
            head,
        );
        if self.rows.is_empty() {
            f.render_widget(Paragraph::new(Span::styled(format!("  {}", cm.none), th.muted)), body);
            return;
        }
        let cols = [
            Column::whole(cm.col_no, 0),
            Column::text(cm.col_client, 4, 8, 0),
            Column::text(cm.col_step, 4, 6, 0),
            Column::text(cm.col_due, 6, 12, 0),
            Column::text(cm.col_severity, 4, 8, 2),
            Column::text(cm.col_owner, 4, 8, 1),
            Column::text(cm.category, 4, 8, 3),
        ];
        let cells: Vec<Vec<Line>> = self
            .rows
            .iter()
            .map(|r| {
                let style = row_style(r, cx);
                vec![
                    Line::from(Span::styled(r.id.to_string(), th.muted)),
                    Line::from(Span::styled(inert(&r.client_name).into_owned(), th.text)),
                    Line::from(Span::styled(r.step.map_or(cm.closed, |s| t.complaint_step(s)), th.text)),
                    Line::from(Span::styled(time_left(r, t), style)),
                    Line::from(Span::styled(t.severity(r.severity), th.text)),
                    Line::from(Span::styled(
                        r.owner.as_ref().map(|o| inert(&o.name).into_owned()).unwrap_or_default(),
                        th.text,
                    )),
                    Line::from(Span::styled(t.complaint_category(r.category), th.muted)),
                ]
            })
            .collect();
        let table = Columns::list(&cols, cells, body.width, th.title, th.selection);
        f.render_stateful_widget(table, body, &mut self.state);
    }
}

/// The detail of complaint `id`, from whichever screen the user is on.
pub fn open_complaint(id: ComplaintId, cx: &Ctx) -> Action {
    match ComplaintScreen::new(id, cx) {
        Ok(s) => Action::Push(Box::new(s)),
        Err(e) => Action::error(e),
    }
}

/// One complaint: what the client said and asked, and every step with its owner, deadline,
/// reassignments and what was done.
pub struct ComplaintScreen {
    id: ComplaintId,
    detail: ComplaintDetail,
    scroll: u16,
}

impl ComplaintScreen {
    pub fn new(id: ComplaintId, cx: &Ctx) -> Result<ComplaintScreen, ServiceError> {
        Ok(ComplaintScreen { id, detail: cx.api.complaint(id)?, scroll: 0 })
    }

    fn name(&self, no: &crate::domain::StaffNo) -> String {
        inert(self.detail.names.get(no).map_or(no.as_str(), String::as_str)).into_owned()
    }

    fn lines(&self, cx: &Ctx) -> Vec<Line<'static>> {
        let t = cx.t;
        let cm = t.cm();
        let th = cx.theme;
        let c = &self.detail.complaint;
        let r = &self.detail.row;
        let today = cx.me.today;
        let label = |l: &str| Span::styled(format!("{l}："), th.muted);
        let step_w = Step::ALL.iter().map(|s| ui::width(t.complaint_step(*s))).max().unwrap_or(4);
        let mut out = vec![
            Line::from(vec![
                Span::styled(format!("{} {} ", inert(&r.client_name), r.client), th.title),
                Span::styled(format!("{} {}", cm.outlet, inert(r.outlet.as_str())), th.muted),
            ]),
            Line::from(vec![
                label(cm.channel),
                Span::styled(format!("{}  ", t.complaint_channel(c.channel)), th.text),
                label(cm.category),
                Span::styled(format!("{}  ", t.complaint_category(c.category)), th.text),
                label(cm.severity),
                Span::styled(t.severity(c.severity), th.accent),
            ]),
            Line::from(vec![
                label(cm.received),
                Span::styled(
                    format!("{} {}", c.received_at.format("%Y-%m-%d %H:%M"), self.name(&c.received_by)),
                    th.text,
                ),
            ]),
            Line::from(vec![label(cm.said), Span::styled(inert(&c.said).into_owned(), th.text)]),
        ];
        if !c.asks.is_empty() {
            out.push(Line::from(vec![label(cm.asks), Span::styled(inert(&c.asks).into_owned(), th.text)]));
        }
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(format!("【{}】", cm.history), th.title)));
        for run in &c.runs {
            let state = match &run.done {
                Some(d) if d.at.date() > run.due => {
                    (t.overdue_days((d.at.date() - run.due).num_days()), th.warning)
                }
                Some(_) => (cm.done_by.to_string(), th.ok),
                None if run.overdue(today) => (t.step_time_left(run.days_left(today)), th.overdue),
                None => (t.step_time_left(run.days_left(today)), th.accent),
            };
            out.push(Line::from(vec![
                Span::styled(format!(" {} ", ui::pad(t.complaint_step(run.step), step_w)), th.text),
                Span::styled(format!("{} {} ", cm.owner, self.name(&run.first_owner)), th.text),
                Span::styled(format!("{} {} ", t.due_on(), run.due.format("%m-%d")), th.muted),
                Span::styled(state.0, state.1),
            ]));
            for a in &run.reassigned {
                out.push(Line::from(Span::styled(
                    format!(
                        "   {} {} → {}（{}，{}）",
                        cm.reassigned,
                        self.name(&a.from),
                        self.name(&a.to),
                        inert(&a.reason),
                        a.at.format("%m-%d %H:%M")
                    ),
                    th.muted,
                )));
            }
            if let Some(d) = &run.done {
                let view = d
                    .feedback
                    .map(|f| format!(" · {} {}", cm.view, t.satisfaction(f.view)))
                    .unwrap_or_default();
                out.push(Line::from(Span::styled(
                    format!(
                        "   {} {} {}：{}{view}",
                        d.at.format("%m-%d %H:%M"),
                        self.name(&d.by),
                        cm.done_by,
                        inert(&d.note)
                    ),
                    th.text,
                )));
            }
        }
        out
    }
}

impl Screen for ComplaintScreen {
    fn title(&self, t: &Text) -> String {
        t.cm().detail_title.replace("{}", &self.id.to_string())
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        let closed = self.detail.complaint.is_closed();
        crate::tui::keys::shown(DETAIL_KEYS, t, false, |c| !closed || c != DetailCmd::Reassign)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.detail = cx.api.complaint(self.id)?;
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let closed = self.detail.complaint.is_closed();
        let Some(cmd) =
            crate::tui::keys::command(DETAIL_KEYS, &key, false, |c| !closed || c != DetailCmd::Reassign)
        else {
            return Action::None;
        };
        match cmd {
            DetailCmd::Back => Action::Pop,
            DetailCmd::ScrollDown => {
                self.scroll = self.scroll.saturating_add(1);
                Action::None
            }
            DetailCmd::ScrollUp => {
                self.scroll = self.scroll.saturating_sub(1);
                Action::None
            }
            DetailCmd::Refresh => Action::after(self.refresh(cx)),
            DetailCmd::Reassign => Action::Push(Box::new(ReassignForm::new(self.id))),
            DetailCmd::Finish => match self.detail.complaint.open() {
                Some(run) => Action::Push(Box::new(StepForm::new(
                    self.id,
                    run.step,
                    run.owner().clone(),
                    self.detail.complaint.category,
                    self.detail.complaint.severity,
                    cx,
                ))),
                None => Action::None,
            },
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let lines = self.lines(cx);
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((self.scroll, 0)), area);
    }
}

/// A line of typed text in a form: typed, pasted (line breaks become spaces), Backspace and
/// Ctrl-U. The service checks length and characters.
fn edit_text(text: &mut String, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => text.clear(),
        KeyCode::Char(c) if !ctrl => text.push(c),
        KeyCode::Backspace => {
            text.pop();
        }
        _ => return false,
    }
    true
}

/// One labelled field of a form: a choice shows every option with the chosen one marked; text
/// shows what was typed, a cursor when focused.
/// `label_w` is the widest label of the form, so the values line up whole in either language.
fn field_line(
    label: &str,
    label_w: usize,
    value: Vec<Span<'static>>,
    focused: bool,
    cx: &Ctx,
) -> Line<'static> {
    let mark = if focused { ">" } else { " " };
    let style = if focused { cx.theme.accent } else { cx.theme.muted };
    let mut spans = vec![Span::styled(format!("{mark}{} ", ui::pad(label, label_w)), style)];
    spans.extend(value);
    Line::from(spans)
}

fn choice_spans(options: Vec<&'static str>, chosen: usize, cx: &Ctx) -> Vec<Span<'static>> {
    options
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            if i == chosen {
                Span::styled(format!("[{o}] "), cx.theme.selection)
            } else {
                Span::styled(format!(" {o}  "), cx.theme.text)
            }
        })
        .collect()
}

/// The chosen next owner as "[李强 2002]", with where it stands among the choices and, on the
/// first, that it is who takes the step anyway: the step's owner `current`, or, when they may no
/// longer take it, who does instead (said in warning colour). A whole outlet's names would not
/// fit a line.
fn owner_spans(
    owners: &[StaffRef],
    chosen: usize,
    current: &crate::domain::StaffNo,
    cx: &Ctx,
) -> Vec<Span<'static>> {
    let Some(o) = owners.get(chosen) else { return Vec::new() };
    let mut out = vec![Span::styled(format!("[{} {}]", inert(&o.name), o.no), cx.theme.selection)];
    out.push(Span::styled(format!(" {}/{}", chosen + 1, owners.len()), cx.theme.muted));
    if chosen == 0 && &o.no == current {
        out.push(Span::styled(format!(" {}", cx.t.cm().owner_unchanged), cx.theme.muted));
    } else if chosen == 0 {
        let note = cx.t.cm().owner_replaced.replace("{who}", current.as_str());
        out.push(Span::styled(format!(" {note}"), cx.theme.warning));
    }
    out
}

fn text_spans(text: &str, focused: bool, cx: &Ctx) -> Vec<Span<'static>> {
    let mut out = vec![Span::styled(inert(text).into_owned(), cx.theme.text)];
    if focused {
        out.push(Span::styled("_", cx.theme.accent));
    }
    out
}

/// The one line a form's text field holds.
fn line_of(t: &TextArea) -> String {
    t.lines().join(" ")
}

/// Edits a one-line text field: what `TextArea` does with a key (typing, ←/→, Home/End,
/// Backspace/Delete, word moves), with Ctrl-U clearing the field as in every form and Enter or
/// Ctrl-J never making a second line.
fn edit_line(text: &mut TextArea<'static>, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => text.clear(),
        KeyCode::Enter | KeyCode::Char('j' | 'm') if ctrl || key.code == KeyCode::Enter => false,
        _ => text.input(key),
    }
}

/// A one-line text field drawn inside a form's paragraph: the text, and when focused the
/// cursor as a highlighted cell where the next character goes.
fn area_spans(t: &TextArea, focused: bool, cx: &Ctx) -> Vec<Span<'static>> {
    let line = line_of(t);
    if !focused {
        return vec![Span::styled(inert(&line).into_owned(), cx.theme.text)];
    }
    let col = t.cursor().1;
    let before: String = line.chars().take(col).collect();
    let at: String = line.chars().nth(col).map_or_else(|| " ".to_string(), |c| c.to_string());
    let after: String = line.chars().skip(col + 1).collect();
    vec![
        Span::styled(inert(&before).into_owned(), cx.theme.text),
        Span::styled(inert(&at).into_owned(), cx.theme.selection),
        Span::styled(inert(&after).into_owned(), cx.theme.text),
    ]
}

/// Finishes the open step of a complaint: what was done, and at 反馈 the client's view (told
/// today).
pub struct StepForm {
    id: ComplaintId,
    step: Step,
    note: String,
    /// 反馈: the client's view, None until the user picks one (a view is never assumed).
    view: Option<usize>,
    /// 反馈: the day the client was told, as typed (empty: today).
    told_on: String,
    /// 分类: the category and severity, starting as received; a change is sent as a
    /// reclassification and later deadlines follow the new severity.
    category: usize,
    severity: usize,
    /// What the complaint was classed as when the form opened: only a change is sent.
    classed: (Category, Severity),
    /// Who may take the next step (`next_owners`): the open step's owner first, who takes it
    /// when none is named. Empty at 反馈 (no next step is handed on).
    owners: Vec<StaffRef>,
    /// The chosen one of `owners`; 0 is who takes it when none is named.
    owner: usize,
    /// The open step's owner: the first of `owners` unless they may no longer take a step.
    current: crate::domain::StaffNo,
    fields: Vec<StepField>,
    focus: usize,
    error: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StepField {
    Note,
    Category,
    Severity,
    View,
    ToldOn,
    Owner,
}

impl StepForm {
    /// The form for the open `step` of complaint `id`, with the staff who may take the next
    /// step as the service lists them (a refusal to list them is shown on the form).
    pub fn new(
        id: ComplaintId,
        step: Step,
        current: crate::domain::StaffNo,
        category: Category,
        severity: Severity,
        cx: &Ctx,
    ) -> StepForm {
        let (owners, error) = match cx.api.next_owners(id) {
            Ok(o) => (o, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let mut fields = match step {
            Step::Classify => vec![StepField::Category, StepField::Severity, StepField::Note],
            Step::Feedback => vec![StepField::Note, StepField::View, StepField::ToldOn],
            _ => vec![StepField::Note],
        };
        if !owners.is_empty() {
            fields.push(StepField::Owner);
        }
        StepForm {
            owners,
            owner: 0,
            current,
            id,
            step,
            note: String::new(),
            view: None,
            told_on: String::new(),
            classed: (category, severity),
            category: Category::ALL.iter().position(|x| *x == category).unwrap_or(0),
            severity: Severity::ALL.iter().position(|x| *x == severity).unwrap_or(0),
            fields,
            focus: 0,
            error,
        }
    }

    fn field(&self) -> StepField {
        self.fields.get(self.focus).copied().unwrap_or(StepField::Note)
    }

    fn save(&mut self, cx: &Ctx) -> Action {
        let feedback = if self.step == Step::Feedback {
            let Some(view) = self.view.and_then(|v| Satisfaction::ALL.get(v).copied()) else {
                self.focus = self.fields.iter().position(|f| *f == StepField::View).unwrap_or(0);
                self.error = Some(cx.t.cm().view_needed.to_string());
                return Action::None;
            };
            let told_on = if self.told_on.trim().is_empty() {
                cx.me.today
            } else {
                // The client was told already: a short date reads back from today, as 联系时间
                // does (12-01 on 2026-12-01 is that day, 11-30 the day before).
                use crate::domain::calendar::{DateSense, parse_date};
                match parse_date(&self.told_on, cx.me.today, DateSense::Back) {
                    Ok(d) => d,
                    Err(e) => {
                        self.focus = self.fields.iter().position(|f| *f == StepField::ToldOn).unwrap_or(0);
                        self.error = Some(format!("{}：{}", cx.t.cm().told_on_bad, e.text(cx.t.lang)));
                        return Action::None;
                    }
                }
            };
            Some(Feedback { told_on, view })
        } else {
            None
        };
        let chosen = (
            Category::ALL.get(self.category).copied().unwrap_or(self.classed.0),
            Severity::ALL.get(self.severity).copied().unwrap_or(self.classed.1),
        );
        let reclassify = (self.step == Step::Classify && chosen != self.classed).then_some(chosen);
        // The default is named too when it is not the step's owner, so what the form showed is
        // what the service does.
        let next_owner = self
            .owners
            .get(self.owner)
            .filter(|o| self.owner > 0 || o.no != self.current)
            .map(|o| o.no.clone());
        let mv = StepMove { step: self.step, note: self.note.clone(), feedback, reclassify, next_owner };
        match cx.api.advance_complaint(self.id, mv) {
            Ok(row) => {
                let cm = cx.t.cm();
                let msg = match (row.step, &row.owner) {
                    (Some(step), Some(owner)) => cm
                        .moved_msg
                        .replace("{id}", &row.id.to_string())
                        .replace("{step}", cx.t.complaint_step(step))
                        .replace("{owner}", &owner.name),
                    _ => cm.closed_msg.replace("{id}", &row.id.to_string()),
                };
                Action::PopSaved(msg)
            }
            Err(e) => Action::error(e),
        }
    }
}

impl Screen for StepForm {
    fn title(&self, t: &Text) -> String {
        t.cm().step_title.replace("{}", t.complaint_step(self.step))
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        crate::tui::keys::shown(FORM_KEYS, t, self.typing(), |c| {
            !matches!(c, FormCmd::Choose | FormCmd::ConfirmCancel)
        })
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn is_modal(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let cmd = crate::tui::keys::command(FORM_KEYS, &key, self.typing(), |c| {
            !matches!(c, FormCmd::Choose | FormCmd::ConfirmCancel)
        });
        let fields = self.fields.len();
        // A choice moves with ←/→ (wrapping); `None` (no view yet) starts at the first.
        let step =
            |at: usize, len: usize, back: bool| if back { (at + len - 1) % len } else { (at + 1) % len };
        match cmd {
            Some(FormCmd::Save) => return self.save(cx),
            Some(FormCmd::Cancel) => return Action::Pop,
            Some(FormCmd::NextField) => self.focus = (self.focus + 1) % fields,
            Some(FormCmd::PrevField) => self.focus = (self.focus + fields - 1) % fields,
            Some(FormCmd::Enter) => {
                if self.focus + 1 == fields {
                    return self.save(cx);
                }
                self.focus += 1;
            }
            Some(FormCmd::ChoiceNext | FormCmd::ChoicePrev) => {
                let back = cmd == Some(FormCmd::ChoicePrev);
                match self.field() {
                    StepField::Category => self.category = step(self.category, Category::ALL.len(), back),
                    StepField::Severity => self.severity = step(self.severity, Severity::ALL.len(), back),
                    StepField::View => {
                        let len = Satisfaction::ALL.len();
                        self.view = Some(match self.view {
                            None => 0,
                            Some(v) => step(v, len, back),
                        });
                        self.error = None;
                    }
                    StepField::Owner if !self.owners.is_empty() => {
                        self.owner = step(self.owner, self.owners.len(), back)
                    }
                    StepField::Note | StepField::ToldOn | StepField::Owner => {}
                }
            }
            Some(FormCmd::Choose | FormCmd::Clear | FormCmd::ConfirmCancel) | None => match self.field() {
                StepField::Note => {
                    edit_text(&mut self.note, key);
                }
                StepField::ToldOn => {
                    edit_text(&mut self.told_on, key);
                    self.error = None;
                }
                _ => {}
            },
        }
        Action::None
    }

    fn on_paste(&mut self, text: &str, _cx: &Ctx) -> Action {
        match self.field() {
            StepField::Note => self.note.push_str(&one_line(text)),
            StepField::ToldOn => self.told_on.push_str(&one_line(text)),
            _ => {}
        }
        Action::None
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let cm = t.cm();
        let label = |field: StepField| match field {
            StepField::Note => cm.note,
            StepField::Category => cm.category,
            StepField::Severity => cm.severity,
            StepField::View => cm.view,
            StepField::ToldOn => cm.told_on,
            StepField::Owner => cm.next_owner,
        };
        let w = self.fields.iter().map(|f| ui::width(label(*f))).max().unwrap_or(0);
        let mut lines = Vec::new();
        for (i, field) in self.fields.iter().enumerate() {
            let focused = self.focus == i;
            let value = match field {
                StepField::Note => text_spans(&self.note, focused, cx),
                StepField::ToldOn if self.told_on.is_empty() && !focused => {
                    vec![Span::styled(cx.me.today.to_string(), cx.theme.muted)]
                }
                StepField::ToldOn => text_spans(&self.told_on, focused, cx),
                StepField::Category => choice_spans(
                    Category::ALL.iter().map(|c| t.complaint_category(*c)).collect(),
                    self.category,
                    cx,
                ),
                StepField::Severity => {
                    choice_spans(Severity::ALL.iter().map(|s| t.severity(*s)).collect(), self.severity, cx)
                }
                StepField::View => {
                    let options = Satisfaction::ALL.iter().map(|s| t.satisfaction(*s)).collect();
                    // Nothing chosen shows nothing marked: no view is assumed.
                    choice_spans(options, self.view.unwrap_or(usize::MAX), cx)
                }
                StepField::Owner => owner_spans(&self.owners, self.owner, &self.current, cx),
            };
            lines.push(field_line(label(*field), w, value, focused, cx));
        }
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(e.clone(), cx.theme.overdue)));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(cm.form_hint, cx.theme.muted)));
        super::modal::popup(f, area, cx, &self.title(t), lines);
    }
}

/// The keys that answer "drop this form?" with yes: y, or Esc again.
fn confirming(c: FormCmd) -> bool {
    matches!(c, FormCmd::ConfirmCancel | FormCmd::Cancel)
}

/// A fresh receive form's identity: random, or the clock when the system has no randomness to
/// give (two forms opened in the same nanosecond by one person are not a worry).
fn new_draft_id() -> DraftId {
    DraftId(getrandom::u64().unwrap_or_else(|_| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
    }))
}

/// An unsent receive form is kept as a draft this often while it changes, besides at session end.
const DRAFT_EVERY: Duration = Duration::from_secs(15);

/// Receives a complaint about `client` (受理), from the client card, search or the 投诉 list:
/// channel, category and severity chosen with ←/→, what the client said and asked typed in
/// (editable anywhere in the line: ←/→, Home/End, Ctrl-U, paste at the cursor). What is typed
/// is kept as the user's draft for this client (`save_complaint_draft`) every `DRAFT_EVERY`
/// while it changes and when the session ends unasked; the next form for the client reopens it.
pub struct ReceiveForm {
    client: ClientNo,
    client_name: String,
    channel: usize,
    category: usize,
    severity: usize,
    said: TextArea<'static>,
    asks: TextArea<'static>,
    focus: usize,
    /// Changed since the draft was last kept.
    draft_stale: bool,
    draft_kept_at: Instant,
    /// Reopened from a draft kept then; shown over the form until the user types.
    restored: Option<NaiveDateTime>,
    /// This form's identity, kept with its draft and in the complaint received from it.
    draft_id: DraftId,
    /// Reopened from a kept draft: Esc asks first even before anything is typed.
    from_draft: bool,
    /// Esc was pressed on a form with something in it: asking whether to drop it.
    confirm_cancel: bool,
    /// Why the last typing or paste was not all taken (the field's limit), under the form.
    notice: Option<String>,
}

const RECEIVE_FIELDS: usize = 5;

impl ReceiveForm {
    pub fn new(client: ClientNo, client_name: String) -> ReceiveForm {
        ReceiveForm {
            client,
            client_name,
            channel: 0,
            category: 0,
            severity: 0,
            said: ui::text_input("", ""),
            asks: ui::text_input("", ""),
            focus: 0,
            draft_stale: false,
            draft_kept_at: Instant::now(),
            restored: None,
            notice: None,
            draft_id: new_draft_id(),
            from_draft: false,
            confirm_cancel: false,
        }
    }

    /// The receive form for `client`, reopened from the user's kept draft for that client if
    /// there is one (a damaged or unreadable one is not offered: see `complaint_draft`).
    pub fn open(client: ClientNo, client_name: String, cx: &Ctx) -> ReceiveForm {
        let mut form = ReceiveForm::new(client.clone(), client_name);
        if let Ok(Some(d)) = cx.api.complaint_draft(client) {
            use super::contact_form::index_of;
            form.channel = index_of(ComplaintChannel::ALL, d.form.channel);
            form.category = index_of(Category::ALL, d.form.category);
            form.severity = index_of(Severity::ALL, d.form.severity);
            // A draft kept before input was cleaned may hold a line break: it is one line here.
            form.said.insert_str(one_line(&d.form.said));
            form.asks.insert_str(one_line(&d.form.asks));
            form.restored = d.saved_at;
            form.from_draft = true;
            // Reopening the draft continues that form: received here or in another session
            // still holding it, it is received once.
            if let Some(id) = d.form.draft {
                form.draft_id = id;
            }
        }
        form
    }

    /// The form as the service takes it, for receiving and for keeping a draft.
    fn form(&self) -> NewComplaint {
        NewComplaint {
            client: self.client.clone(),
            channel: ComplaintChannel::ALL.get(self.channel).copied().unwrap_or(ComplaintChannel::Counter),
            category: Category::ALL.get(self.category).copied().unwrap_or(Category::Other),
            severity: Severity::ALL.get(self.severity).copied().unwrap_or(Severity::Normal),
            said: line_of(&self.said).trim().to_string(),
            asks: line_of(&self.asks).trim().to_string(),
            owner: None,
            draft: Some(self.draft_id),
        }
    }

    /// Keeps the form as this client's draft. Input is cleaned and capped as it is typed
    /// (`put`), so a refusal is rare (the client gone, the store failing); it is said on the
    /// message line and leaves the form stale, tried again a `DRAFT_EVERY` later, never an
    /// older draft kept silently.
    fn keep_draft(&mut self, cx: &Ctx) -> Action {
        self.draft_kept_at = Instant::now();
        match cx.api.save_complaint_draft(self.form()) {
            Ok(()) => {
                self.draft_stale = false;
                Action::None
            }
            Err(e) => Action::Say(super::super::screen::Message::Error(
                cx.t.cm().draft_not_kept.replace("{e}", &e.render(cx.t.lang)),
            )),
        }
    }

    /// Typed or pasted `text` into the focused text field, as it can be stored (`one_line`: a
    /// tab becomes a space, other control characters go) and no further than `TEXT_MAX_CHARS`:
    /// what does not fit is refused with a notice naming how much, so the field never holds
    /// text its draft could not keep.
    fn put(&mut self, text: &str, cx: &Ctx) {
        let clean = one_line(text);
        let Some(field) = self.text_mut() else { return };
        let room = TEXT_MAX_CHARS.saturating_sub(line_of(field).chars().count());
        let n = clean.chars().count();
        let taken: String = clean.chars().take(room).collect();
        if !taken.is_empty() {
            field.insert_str(taken);
        }
        self.notice = (n > room).then(|| {
            cx.t.cm()
                .text_full
                .replace("{max}", &TEXT_MAX_CHARS.to_string())
                .replace("{n}", &(n - room).to_string())
        });
    }

    fn text_mut(&mut self) -> Option<&mut TextArea<'static>> {
        match self.focus {
            3 => Some(&mut self.said),
            4 => Some(&mut self.asks),
            _ => None,
        }
    }

    /// Cancelled on purpose: this client's kept draft goes too, even one that could not be read
    /// and so was not offered (the service does nothing when there is none).
    fn discard(&self, cx: &Ctx) -> Action {
        let _ = cx.api.discard_complaint_draft(self.client.clone());
        Action::Pop
    }

    /// A text field's value; the focused one also shows how many of its `TEXT_MAX_CHARS` are
    /// used, so the limit is seen before it is reached.
    fn text_value(&self, at: usize, cx: &Ctx) -> Vec<Span<'static>> {
        let field = if at == 3 { &self.said } else { &self.asks };
        let mut out = area_spans(field, self.focus == at, cx);
        if self.focus == at {
            let n = line_of(field).chars().count();
            let style = if n >= TEXT_MAX_CHARS { cx.theme.warning } else { cx.theme.muted };
            out.push(Span::styled(format!(" {n}/{TEXT_MAX_CHARS}"), style));
        }
        out
    }

    fn choice(&mut self) -> Option<(&mut usize, usize)> {
        match self.focus {
            0 => Some((&mut self.channel, ComplaintChannel::ALL.len())),
            1 => Some((&mut self.category, Category::ALL.len())),
            2 => Some((&mut self.severity, Severity::ALL.len())),
            _ => None,
        }
    }

    fn save(&self, cx: &Ctx) -> Action {
        match cx.api.receive_complaint(self.form()) {
            Ok(row) => Action::PopSaved(
                cx.t.cm()
                    .received_msg
                    .replace("{id}", &row.id.to_string())
                    .replace("{step}", row.step.map_or("", |s| cx.t.complaint_step(s)))
                    .replace("{owner}", &row.owner.map(|o| o.name).unwrap_or_default()),
            ),
            Err(e) => Action::error(e),
        }
    }
}

impl Screen for ReceiveForm {
    fn title(&self, t: &Text) -> String {
        format!("{} · {}", t.cm().receive_title, self.client_name)
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        if self.confirm_cancel {
            return crate::tui::keys::shown(FORM_KEYS, t, false, confirming);
        }
        crate::tui::keys::shown(FORM_KEYS, t, self.focus >= 3, |c| c != FormCmd::ConfirmCancel)
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        // On a choice (the first three fields) Space chooses too; in the text fields it is text.
        if self.confirm_cancel {
            self.confirm_cancel = false;
            return match crate::tui::keys::command(FORM_KEYS, &key, false, confirming) {
                Some(_) => self.discard(cx),
                None => Action::None,
            };
        }
        let on_choice = self.focus < 3;
        let cmd = crate::tui::keys::command(FORM_KEYS, &key, !on_choice, |c| c != FormCmd::ConfirmCancel);
        match cmd {
            Some(FormCmd::Save) => return self.save(cx),
            Some(FormCmd::Cancel) => {
                // Typed text or a reopened draft is work: asked first, like the contact form.
                if self.from_draft || !line_of(&self.said).is_empty() || !line_of(&self.asks).is_empty() {
                    self.confirm_cancel = true;
                    return Action::None;
                }
                return self.discard(cx);
            }
            _ => {
                self.draft_stale = true;
                self.restored = None;
            }
        }
        match cmd {
            Some(FormCmd::NextField) => self.focus = (self.focus + 1) % RECEIVE_FIELDS,
            Some(FormCmd::PrevField) => self.focus = (self.focus + RECEIVE_FIELDS - 1) % RECEIVE_FIELDS,
            Some(FormCmd::Enter) => {
                if self.focus + 1 == RECEIVE_FIELDS {
                    return self.save(cx);
                }
                self.focus += 1;
            }
            Some(FormCmd::ChoiceNext | FormCmd::ChoicePrev | FormCmd::Choose) if on_choice => {
                if let Some((at, len)) = self.choice() {
                    *at = if cmd == Some(FormCmd::ChoicePrev) {
                        (*at + len - 1) % len
                    } else {
                        (*at + 1) % len
                    };
                }
            }
            _ => match key.code {
                KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                    self.put(c.encode_utf8(&mut [0; 4]), cx)
                }
                _ => {
                    self.notice = None;
                    if let Some(text) = self.text_mut() {
                        edit_line(text, key);
                    }
                }
            },
        }
        Action::None
    }

    fn on_paste(&mut self, pasted: &str, cx: &Ctx) -> Action {
        if self.text_mut().is_some() {
            self.put(pasted, cx);
            self.draft_stale = true;
            self.restored = None;
        }
        Action::None
    }

    fn tick(&mut self, cx: &Ctx) -> Action {
        if self.draft_stale && self.draft_kept_at.elapsed() >= DRAFT_EVERY {
            return self.keep_draft(cx);
        }
        Action::None
    }

    fn on_session_end(&mut self, cx: &Ctx) {
        if self.draft_stale {
            let _ = self.keep_draft(cx);
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let cm = t.cm();
        let th = cx.theme;
        let w = [cm.channel, cm.category, cm.severity, cm.said, cm.asks]
            .iter()
            .map(|l| ui::width(l))
            .max()
            .unwrap_or(8);
        let restored = self.restored.map(|at| {
            let at = at.format("%m-%d %H:%M").to_string();
            Span::styled(format!("  {}", cm.draft_restored.replace("{at}", &at)), th.warning)
        });
        let lines = vec![
            Line::from(Span::styled(format!(" {} {}", inert(&self.client_name), self.client), th.title)),
            Line::from(restored.into_iter().collect::<Vec<_>>()),
            field_line(
                cm.channel,
                w,
                choice_spans(
                    ComplaintChannel::ALL.iter().map(|c| t.complaint_channel(*c)).collect(),
                    self.channel,
                    cx,
                ),
                self.focus == 0,
                cx,
            ),
            field_line(
                cm.category,
                w,
                choice_spans(
                    Category::ALL.iter().map(|c| t.complaint_category(*c)).collect(),
                    self.category,
                    cx,
                ),
                self.focus == 1,
                cx,
            ),
            field_line(
                cm.severity,
                w,
                choice_spans(Severity::ALL.iter().map(|s| t.severity(*s)).collect(), self.severity, cx),
                self.focus == 2,
                cx,
            ),
            field_line(cm.said, w, self.text_value(3, cx), self.focus == 3, cx),
            field_line(cm.asks, w, self.text_value(4, cx), self.focus == 4, cx),
            if self.confirm_cancel {
                Line::from(Span::styled(format!(" {}", cm.confirm_discard), th.warning))
            } else {
                Line::from(
                    self.notice.iter().map(|n| Span::styled(format!(" {n}"), th.warning)).collect::<Vec<_>>(),
                )
            },
            Line::from(Span::styled(format!(" {}", cm.form_hint), th.muted)),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }
}

/// Gives the open step to someone else (managers; the service says no to anyone else):
/// the receiver's 工号 and the reason, both required.
pub struct ReassignForm {
    id: ComplaintId,
    to: String,
    reason: String,
    focus: usize,
}

impl ReassignForm {
    pub fn new(id: ComplaintId) -> ReassignForm {
        ReassignForm { id, to: String::new(), reason: String::new(), focus: 0 }
    }

    fn save(&self, cx: &Ctx) -> Action {
        let to = match crate::domain::StaffNo::parse(&self.to) {
            Ok(no) => no,
            Err(e) => return Action::error(ServiceError::from(e)),
        };
        match cx.api.reassign_complaint(self.id, to, self.reason.trim().to_string()) {
            Ok(row) => Action::PopSaved(
                cx.t.cm()
                    .reassigned_msg
                    .replace("{id}", &row.id.to_string())
                    .replace("{owner}", &row.owner.map(|o| o.name).unwrap_or_default()),
            ),
            Err(e) => Action::error(e),
        }
    }
}

impl Screen for ReassignForm {
    fn title(&self, t: &Text) -> String {
        format!("{} · {}", t.cm().key_reassign, t.cm().detail_title.replace("{}", &self.id.to_string()))
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        crate::tui::keys::shown(FORM_KEYS, t, true, is_text_form_key)
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn is_modal(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match crate::tui::keys::command(FORM_KEYS, &key, true, is_text_form_key) {
            Some(FormCmd::Save) => return self.save(cx),
            Some(FormCmd::Cancel) => return Action::Pop,
            Some(FormCmd::NextField | FormCmd::PrevField) => self.focus = 1 - self.focus,
            Some(FormCmd::Enter) if self.focus == 1 => return self.save(cx),
            Some(FormCmd::Enter) => self.focus = 1,
            _ => {
                edit_text(if self.focus == 0 { &mut self.to } else { &mut self.reason }, key);
            }
        }
        Action::None
    }

    fn on_paste(&mut self, text: &str, _cx: &Ctx) -> Action {
        let text = one_line(text);
        if self.focus == 0 {
            self.to.push_str(text.trim())
        } else {
            self.reason.push_str(&text)
        }
        Action::None
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let cm = cx.t.cm();
        let w = ui::width(cm.to_staff).max(ui::width(cm.reason));
        let lines = vec![
            field_line(cm.to_staff, w, text_spans(&self.to, self.focus == 0, cx), self.focus == 0, cx),
            field_line(cm.reason, w, text_spans(&self.reason, self.focus == 1, cx), self.focus == 1, cx),
            Line::from(""),
            Line::from(Span::styled(cm.form_hint, cx.theme.muted)),
        ];
        super::modal::popup(f, area, cx, &self.title(cx.t), lines);
    }
}

/// 投诉统计: the quarter's service-quality figures (`complaint::figures`, through the service)
/// for the branch, each outlet and each staff member with something to count; `x` writes the
/// same figures as the workbook `mingdan report complaints` writes.
pub struct ComplaintFiguresScreen {
    view: ComplaintFiguresView,
    state: TableState,
}

impl ComplaintFiguresScreen {
    pub fn new(cx: &Ctx) -> Result<ComplaintFiguresScreen, ServiceError> {
        let view = cx.api.complaint_figures(None)?;
        let mut state = TableState::default();
        state.select(Some(0));
        Ok(ComplaintFiguresScreen { view, state })
    }

    /// Branch first, then outlets, then staff with anything counted; names as shown.
    fn units(&self, t: &Text) -> Vec<(String, &ComplaintFigures, Option<ScoreTally>)> {
        let v = &self.view;
        let mut out = Vec::new();
        if let Some(b) = &v.branch {
            out.push((t.cm().branch.to_string(), b, v.branch_scores));
        }
        out.extend(
            v.outlets
                .iter()
                .map(|(o, f)| (inert(o.as_str()).into_owned(), f, v.outlet_scores.get(o).copied())),
        );
        out.extend(
            v.staff
                .iter()
                .map(|(s, f)| (s, f, v.staff_scores.get(&s.no).copied()))
                .filter(|(_, f, sc)| {
                    f.received > 0 || f.closed > 0 || f.feedback > 0 || f.steps_due > 0 || sc.is_some()
                })
                .map(|(s, f, sc)| (format!("{} {}", s.no, inert(&s.name)), f, sc)),
        );
        out
    }
}

impl Screen for ComplaintFiguresScreen {
    fn title(&self, t: &Text) -> String {
        t.cm().key_figures.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        crate::tui::keys::shown(FIGURES_KEYS, t, false, |_| true)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        self.view = cx.api.complaint_figures(Some(self.view.quarter))?;
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let n = self.units(cx.t).len();
        let Some(cmd) = crate::tui::keys::command(FIGURES_KEYS, &key, false, |_| true) else {
            return Action::None;
        };
        match cmd {
            ListCmd::Nav(to) => {
                super::nav(&mut self.state, to, n);
                Action::None
            }
            ListCmd::Back => Action::Pop,
            // The quarter's complaints behind the figures, each opening its full history.
            ListCmd::Open => match ComplaintsScreen::of_quarter(self.view.quarter, cx) {
                Ok(s) => Action::Push(Box::new(s)),
                Err(e) => Action::error(e),
            },
            ListCmd::PrevQuarter => match cx.api.complaint_figures(Some(self.view.quarter.prev())) {
                Ok(v) => {
                    self.view = v;
                    Action::None
                }
                Err(e) => Action::error(e),
            },
            ListCmd::NextQuarter if self.view.quarter < Quarter::of(cx.me.today) => {
                match cx.api.complaint_figures(Some(self.view.quarter.next())) {
                    Ok(v) => {
                        self.view = v;
                        Action::None
                    }
                    Err(e) => Action::error(e),
                }
            }
            ListCmd::Export => super::export_report(
                cx,
                crate::service::views::ReportKind::Complaints,
                Some(self.view.quarter),
            ),
            _ => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        use crate::domain::percent::show_share;
        let t = cx.t;
        let cm = t.cm();
        let th = cx.theme;
        // A past quarter says what its per-1,000 figures divide by, on a line of its own.
        let base = match self.view.base {
            PerThousandBase::Today => None,
            PerThousandBase::QuarterEnd => Some((cm.base_quarter_end, th.muted)),
            PerThousandBase::Missing => Some((cm.base_missing, th.warning)),
        };
        let head_h = if base.is_some() { 2 } else { 1 };
        let [head, body] = Layout::vertical([Constraint::Length(head_h), Constraint::Min(1)]).areas(area);
        let title = cm
            .figures_title
            .replace("{q}", &self.view.quarter.to_string())
            .replace("{date}", &self.view.as_of.to_string());
        let mut lines = vec![Line::from(Span::styled(format!(" {title}"), th.title))];
        if let Some((note, style)) = base {
            lines.push(Line::from(Span::styled(format!(" {note}"), style)));
        }
        f.render_widget(Paragraph::new(lines), head);
        let cols = [
            Column::text(cm.col_unit, 4, 14, 0),
            Column::whole(cm.col_received, 0),
            Column::whole(cm.col_per_thousand, 4),
            Column::whole(cm.col_repeat, 6),
            Column::whole(cm.col_closed, 3),
            Column::whole(cm.col_within, 0),
            Column::whole(cm.col_median, 5),
            Column::whole(cm.col_satisfied, 0),
            Column::whole(cm.col_steps, 2),
            Column::whole(cm.col_score, 1),
        ];
        let share = |n: u32, d: u32| show_share(i64::from(n), i64::from(d));
        let cells: Vec<Vec<Line>> = self
            .units(t)
            .into_iter()
            .map(|(name, fig, score)| {
                let per_k =
                    fig.per_thousand_tenths().map_or("-".into(), |x| format!("{}.{}", x / 10, x % 10));
                let median =
                    fig.median_minutes.map_or("-".into(), |m| format!("{:.1}", m as f64 / (24.0 * 60.0)));
                vec![
                    Line::from(Span::styled(name, th.text)),
                    Line::from(Span::styled(fig.received.to_string(), th.text)),
                    Line::from(Span::styled(per_k, th.text)),
                    Line::from(Span::styled(fig.repeat.to_string(), th.text)),
                    Line::from(Span::styled(fig.closed.to_string(), th.text)),
                    Line::from(Span::styled(share(fig.closed_within_level, fig.closed), th.text)),
                    Line::from(Span::styled(median, th.text)),
                    Line::from(Span::styled(share(fig.satisfied, fig.feedback), th.text)),
                    Line::from(Span::styled(share(fig.steps_on_time, fig.steps_due), th.text)),
                    Line::from(Span::styled(
                        score
                            .and_then(ScoreTally::mean_tenths)
                            .map_or("-".into(), |m| format!("{}.{}", m / 10, m % 10)),
                        th.text,
                    )),
                ]
            })
            .collect();
        let table = Columns::list(&cols, cells, body.width, th.title, th.selection);
        f.render_stateful_widget(table, body, &mut self.state);
    }
}

/// What a key does on the complaint list and the complaint figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListCmd {
    Nav(crate::tui::keys::Nav),
    Open,
    Filter,
    PrevQuarter,
    NextQuarter,
    Back,
    Refresh,
    Figures,
    Receive,
    Export,
}

mod key_tables {
    use super::{DetailCmd, FormCmd, ListCmd};
    use crate::tui::keys::{Entry, F, FT, Global, How, T, ch, code, ctrl, key};
    use crossterm::event::KeyCode;

    /// The complaint list's keys: dispatch, footer, help and docs/KEYS.md all read this.
    pub static LIST_KEYS: &[Entry<ListCmd>] = &[
        Entry::Nav(ListCmd::Nav),
        key(
            &[code(KeyCode::Enter)],
            ListCmd::Open,
            |t| t.cm().key_history,
            How {
                doc: Some(
                    "打开投诉，看全部经过；`n` 办结当前环节（反馈环节要选客户意见），`R` 改派（管理者，要写理由）",
                ),
                ..F
            },
        ),
        key(
            &[ch('a')],
            ListCmd::Filter,
            |t| t.cm().key_filter,
            How { doc: Some("切换：未办结 / 已逾期 / 本季度 / 全部"), ..F },
        ),
        key(
            &[ch('[')],
            ListCmd::PrevQuarter,
            |t| t.key_quarter,
            How {
                label: Some(|_| "[ ]"),
                doc_keys: Some("`[` / `]`"),
                doc: Some("本季度的投诉：上一季度 / 下一季度"),
                ..F
            },
        ),
        key(&[ch(']')], ListCmd::NextQuarter, |t| t.key_quarter, crate::tui::keys::PARTNER),
        key(&[code(KeyCode::Esc), ch('q')], ListCmd::Back, |t| t.key_back, F),
        key(&[ch('r')], ListCmd::Refresh, |t| t.key_refresh, F),
        key(
            &[ch('f')],
            ListCmd::Figures,
            |t| t.cm().key_figures,
            How { doc: Some("投诉统计（管理者）；在统计里 `x` 导出工作簿"), ..F },
        ),
        key(
            &[ch('o')],
            ListCmd::Receive,
            |t| t.cm().key_receive,
            How {
                doc: Some("受理投诉：先搜索客户（和「搜索」一样输入），Enter 打开受理表"), ..F
            },
        ),
        Entry::Page(ListCmd::Nav),
    ];

    /// The complaint figures' keys.
    pub static FIGURES_KEYS: &[Entry<ListCmd>] = &[
        Entry::Nav(ListCmd::Nav),
        key(
            &[code(KeyCode::Enter)],
            ListCmd::Open,
            |t| t.cm().key_list,
            How { doc: Some("列出这个季度的投诉"), ..F },
        ),
        key(
            &[ch('[')],
            ListCmd::PrevQuarter,
            |t| t.key_quarter,
            How {
                label: Some(|_| "[ ]"),
                doc_keys: Some("`[` / `]`"),
                doc: Some("上一季度 / 下一季度"),
                ..F
            },
        ),
        key(&[ch(']')], ListCmd::NextQuarter, |t| t.key_quarter, crate::tui::keys::PARTNER),
        key(&[ch('x')], ListCmd::Export, |t| t.key_export, How { doc: Some("导出工作簿"), ..F }),
        key(&[code(KeyCode::Esc), ch('q')], ListCmd::Back, |t| t.key_back, F),
        Entry::Page(ListCmd::Nav),
        Entry::Global(Global::Help),
    ];

    /// One complaint's history.
    pub static DETAIL_KEYS: &[Entry<DetailCmd>] = &[
        key(
            &[ch('n')],
            DetailCmd::Finish,
            |t| t.cm().key_finish,
            How { doc: Some("办结当前环节（反馈环节要选客户意见）"), ..F },
        ),
        key(
            &[code(KeyCode::Down), ch('j')],
            DetailCmd::ScrollDown,
            |t| t.key_move,
            How {
                label: Some(|t| t.keys_up_down), doc_keys: Some("↑↓ / `j` `k`"), doc: Some("滚动"), ..F
            },
        ),
        key(&[code(KeyCode::Up), ch('k')], DetailCmd::ScrollUp, |t| t.key_move, crate::tui::keys::PARTNER),
        key(&[code(KeyCode::Esc), ch('q'), code(KeyCode::Left), ch('h')], DetailCmd::Back, |t| t.key_back, F),
        key(&[ch('r')], DetailCmd::Refresh, |t| t.key_refresh, F),
        key(
            &[ch('R')],
            DetailCmd::Reassign,
            |t| t.cm().key_reassign,
            How { doc: Some("改派（管理者，要写理由）"), ..F },
        ),
    ];

    /// The complaint forms (receiving, finishing a step, reassigning); other keys are text.
    pub static FORM_KEYS: &[Entry<FormCmd>] = &[
        key(
            &[ctrl('s')],
            FormCmd::Save,
            |t| t.key_save,
            How { doc: Some("保存（最后一项上的 Enter 也保存）"), ..FT },
        ),
        key(
            &[code(KeyCode::Tab), code(KeyCode::Down)],
            FormCmd::NextField,
            |t| t.key_next_field,
            How { doc_keys: Some("Tab、↓ / Shift-Tab、↑"), doc: Some("下一项 / 上一项"), ..FT },
        ),
        key(
            &[code(KeyCode::Right)],
            FormCmd::ChoiceNext,
            |t| t.key_choose,
            How {
                label: Some(|t| t.keys_left_right),
                doc_keys: Some("←→"),
                doc: Some(
                    "在渠道、类别、严重程度、客户意见中选择；办结环节时选下一环节负责人（本网点在职员工）",
                ),
                ..F
            },
        ),
        key(&[code(KeyCode::Left)], FormCmd::ChoicePrev, |t| t.key_choose, crate::tui::keys::PARTNER),
        key(
            &[code(KeyCode::Esc)],
            FormCmd::Cancel,
            |t| t.key_cancel,
            How {
                doc: Some(
                    "取消；受理表已填写（或是恢复的草稿）时先问：y 或再按 Esc 放弃（草稿一并删除，记一条审计），其他键回到表单",
                ),
                ..FT
            },
        ),
        key(
            &[code(KeyCode::BackTab), code(KeyCode::Up)],
            FormCmd::PrevField,
            |t| t.key_prev_field,
            How { doc_keys: Some(""), ..FT },
        ),
        key(
            &[ch(' ')],
            FormCmd::Choose,
            |t| t.key_choose,
            How { doc_keys: Some("空格"), doc: Some("在受理表的选项中选择"), ..F },
        ),
        key(
            &[code(KeyCode::Enter)],
            FormCmd::Enter,
            |t| t.key_enter_form,
            How { doc: Some("下一项；在最后一项上保存"), ..T },
        ),
        key(&[ctrl('u')], FormCmd::Clear, |t| t.key_clear, How { doc: Some("清空当前这一栏"), ..FT }),
        key(&[ch('y'), ch('Y')], FormCmd::ConfirmCancel, |t| t.key_yes, How { doc_keys: Some(""), ..F }),
    ];
}

pub use key_tables::{DETAIL_KEYS, FIGURES_KEYS, FORM_KEYS, LIST_KEYS};

/// What a key does on one complaint's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailCmd {
    Finish,
    ScrollDown,
    ScrollUp,
    Back,
    Refresh,
    Reassign,
}

/// What a key does in a complaint form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormCmd {
    Save,
    NextField,
    ChoiceNext,
    ChoicePrev,
    Cancel,
    PrevField,
    Choose,
    Enter,
    Clear,
    /// On the receive form's question whether to drop what was written: yes, drop it.
    ConfirmCancel,
}

impl StepForm {
    /// The focused field takes text (letters and ←→ are not commands there).
    fn typing(&self) -> bool {
        matches!(self.field(), StepField::Note | StepField::ToldOn)
    }
}

/// The reassign form has no choices: only the keys every text form has.
fn is_text_form_key(c: FormCmd) -> bool {
    !matches!(c, FormCmd::ChoiceNext | FormCmd::ChoicePrev | FormCmd::Choose | FormCmd::ConfirmCancel)
}
