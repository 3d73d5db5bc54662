//! 今日: the landing screen — overdue and due callbacks, this quarter's notifications still owed,
//! running product launches, and basic-requirement gaps worth acting on. Each line says who the
//! client is and why they are listed; Enter opens the client, `c` logs a contact for that reason.
//! Complaint steps come first when there are any (`n` opens the complaint, `o` the list).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState};

use super::super::keys::{self, Entry, F, Global, How, Nav, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::contact_form::Prefill;
use crate::domain::complaint::ComplaintId;
use crate::domain::{ClientNo, DueBucket, Purpose, TaskId, TaskKind};
use crate::service::ServiceError;
use crate::service::complaints::{ComplaintLine, ComplaintReason};
use crate::service::today::{ColleagueContact, GapLine, Progress, TodayView};
use crate::service::views::TaskView;

enum Row {
    Header(Vec<Span<'static>>),
    Task(TaskView),
    Gap(GapLine),
    /// 同事代为联系: a colleague contacted one of my clients.
    Colleague(ColleagueContact),
    /// A complaint step the viewer holds, or an overdue one escalated to them.
    Complaint(ComplaintLine),
    /// A section with nothing in it.
    Empty(&'static str),
}

impl Row {
    fn client(&self) -> Option<&ClientNo> {
        match self {
            Row::Task(t) => Some(&t.id.client),
            Row::Gap(g) => Some(&g.client),
            Row::Colleague(c) => Some(&c.client),
            Row::Complaint(c) => Some(&c.row.client),
            Row::Header(_) | Row::Empty(_) => None,
        }
    }

    /// What a line is about, to find it again after a reload; only selectable lines have one.
    fn same_line(&self) -> Option<LineKey> {
        match self {
            Row::Task(t) => Some(LineKey::Task(t.id.clone())),
            Row::Gap(g) => Some(LineKey::Gap(g.client.clone())),
            Row::Colleague(c) => Some(LineKey::Colleague(c.client.clone())),
            Row::Complaint(c) => Some(LineKey::Complaint(c.row.id)),
            Row::Header(_) | Row::Empty(_) => None,
        }
    }

    /// Why the contact form opened from this line is being filled in.
    fn prefill(&self) -> Prefill {
        match self {
            Row::Task(t) => {
                let (purpose, launch) = t.id.kind.completed_by();
                Prefill { purpose: Some(purpose), launch }
            }
            Row::Gap(_) => Prefill { purpose: Some(Purpose::Marketing), launch: None },
            Row::Complaint(_) => Prefill { purpose: Some(Purpose::Complaint), launch: None },
            _ => Prefill::default(),
        }
    }
}

#[derive(PartialEq)]
enum LineKey {
    Task(TaskId),
    Gap(ClientNo),
    Colleague(ClientNo),
    Complaint(ComplaintId),
}

/// What a key does on 今日.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Open,
    Contact,
    NextSection,
    PrevSection,
    Refresh,
    Complaints,
    Complaint,
}

/// 今日's keys: dispatch, footer, help and docs/KEYS.md all read this.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(&[code(KeyCode::Enter)], Cmd::Open, |t| t.key_open, How { doc: Some("打开客户"), ..F }),
    key(
        &[ch('c')],
        Cmd::Contact,
        |t| t.key_contact,
        How {
            doc: Some(
                "为选中的客户记录联系，联系目的按该行预先选好（逾期回访 → 回访，季度告知 → 季度告知，新品推介 → 新品推介并选好产品，缺项 → 营销，投诉 → 投诉）",
            ),
            ..F
        },
    ),
    Entry::Global(Global::Search),
    key(
        &[code(KeyCode::Tab)],
        Cmd::NextSection,
        |t| t.key_next_section,
        How {
            doc: Some("跳到下一栏（投诉、逾期、今天、本周、季度告知、新品推介、唤醒、满意度调查、缺项）"),
            ..F
        },
    ),
    Entry::Global(Global::Help),
    Entry::Global(Global::Quit),
    key(
        &[code(KeyCode::BackTab)],
        Cmd::PrevSection,
        |t| t.key_prev_section,
        How { doc: Some("跳到上一栏"), ..F },
    ),
    Entry::Page(Cmd::Nav),
    key(&[ch('r')], Cmd::Refresh, |t| t.key_refresh, F),
    key(&[ch('o')], Cmd::Complaints, |t| t.cm().key_list, How { doc: Some("投诉列表"), ..F }),
    key(
        &[ch('n')],
        Cmd::Complaint,
        |t| t.cm().key_history,
        How { doc: Some("在投诉行上：打开这件投诉，看全部经过、办结当前环节"), ..F },
    ),
];

pub struct TodayScreen {
    rows: Vec<Row>,
    state: ListState,
}

impl TodayScreen {
    pub fn new(cx: &Ctx) -> Result<TodayScreen, ServiceError> {
        let mut s = TodayScreen { rows: Vec::new(), state: ListState::default() };
        s.refresh(cx)?;
        Ok(s)
    }

    fn build_rows(view: &TodayView, cx: &Ctx) -> Vec<Row> {
        let t = cx.t;
        let th = cx.theme;
        let head = |title: String, rest: String, style: Style| {
            Row::Header(vec![Span::styled(format!("【{title}】"), th.title), Span::styled(rest, style)])
        };
        let mut rows = Vec::new();
        // First, and only when there is one: a complaint step is the most urgent work there is.
        if !view.complaints.is_empty() {
            let late = view.complaints.iter().any(|c| c.row.overdue);
            let style = if late { th.overdue } else { th.warning };
            rows.push(head(t.complaints_title().to_string(), format!(" {}", view.complaints.len()), style));
            rows.extend(view.complaints.iter().cloned().map(Row::Complaint));
        }
        // Only when there is something: most days nobody else calls one's clients.
        if !view.by_colleagues.is_empty() {
            rows.push(head(t.by_colleagues.to_string(), format!(" {}", view.by_colleagues.len()), th.accent));
            rows.extend(view.by_colleagues.iter().cloned().map(Row::Colleague));
        }
        for (title, tasks, style, empty) in [
            (t.overdue_callbacks, &view.overdue, th.overdue, t.none_overdue),
            (t.due_today, &view.due_today, th.warning, t.none),
            (t.due_this_week, &view.this_week, th.accent, t.none),
        ] {
            rows.push(head(
                title.to_string(),
                format!(" {}", tasks.len()),
                if tasks.is_empty() { th.muted } else { style },
            ));
            if tasks.is_empty() {
                rows.push(Row::Empty(empty));
            }
            rows.extend(tasks.iter().cloned().map(Row::Task));
        }
        let progress_rows = |rows: &mut Vec<Row>, title: String, p: &Progress, done_word: &str| {
            let rest = format!(
                " {done_word} {}/{} · {}",
                p.done,
                p.total,
                t.days_left.replace("{}", &p.days_left.to_string())
            );
            let style = if p.owed.is_empty() { th.ok } else { th.text };
            rows.push(head(title, rest, style));
            if p.owed.is_empty() {
                rows.push(Row::Empty(t.all_done));
            }
            rows.extend(p.owed.iter().cloned().map(Row::Task));
        };
        progress_rows(&mut rows, t.task_title(view.quarterly.kind, None), &view.quarterly, t.done_word);
        for l in &view.launches {
            progress_rows(
                &mut rows,
                t.task_title(l.progress.kind, Some(&l.launch.name)),
                &l.progress,
                t.pitched_word,
            );
        }
        // Only when there is someone to wake: most rosters have no dormant client most days.
        if !view.reactivate.is_empty() {
            let late = view.reactivate.iter().any(|v| v.due < cx.me.today);
            let style = if late { th.overdue } else { th.warning };
            rows.push(head(t.reactivate_title.to_string(), format!(" {}", view.reactivate.len()), style));
            rows.extend(view.reactivate.iter().cloned().map(Row::Task));
        }
        // Only when one is owed: scheduled surveys come a quarter at a time, follow-ups rarely.
        if !view.surveys.is_empty() {
            rows.push(head(t.surveys_title().to_string(), format!(" {}", view.surveys.len()), th.accent));
            rows.extend(view.surveys.iter().cloned().map(Row::Task));
        }
        let gap_rest = format!(" {}", t.gap_clients.replace("{}", &view.clients_with_gaps.to_string()));
        rows.push(head(t.gaps_title.to_string(), gap_rest, th.text));
        if view.gaps.is_empty() {
            rows.push(Row::Empty(t.all_done));
        }
        rows.extend(view.gaps.iter().cloned().map(Row::Gap));
        rows
    }

    fn selectable(&self, i: usize) -> bool {
        self.rows.get(i).is_some_and(|r| r.client().is_some())
    }

    fn select_from(&mut self, start: usize, forward: bool) {
        let n = self.rows.len();
        let mut i = start;
        for _ in 0..n {
            if self.selectable(i) {
                self.state.select(Some(i));
                return;
            }
            i = if forward { (i + 1) % n } else { (i + n - 1) % n };
        }
        self.state.select(None);
    }

    fn step(&mut self, by: isize) {
        let n = self.rows.len() as isize;
        let Some(mut i) = self.state.selected().map(|i| i as isize) else { return };
        let step = by.signum();
        let mut left = by.abs();
        while left > 0 {
            let mut j = i + step;
            while (0..n).contains(&j) && !self.selectable(j as usize) {
                j += step;
            }
            if !(0..n).contains(&j) {
                break;
            }
            i = j;
            left -= 1;
        }
        self.state.select(Some(i as usize));
    }

    /// Jumps to the first line of the next (or previous) section that has lines.
    fn jump_section(&mut self, forward: bool) {
        let Some(at) = self.state.selected() else { return };
        let n = self.rows.len();
        let header_before =
            |i: usize| (0..=i).rev().find(|j| matches!(self.rows[*j], Row::Header(_))).unwrap_or(0);
        let mut h = header_before(at);
        for _ in 0..n {
            h = if forward {
                (h + 1..n).find(|j| matches!(self.rows[*j], Row::Header(_))).unwrap_or(0)
            } else if h == 0 {
                header_before(n - 1)
            } else {
                header_before(h - 1)
            };
            if self.selectable(h + 1) {
                self.state.select(Some(h + 1));
                return;
            }
        }
    }

    fn selected(&self) -> Option<&Row> {
        self.rows.get(self.state.selected()?)
    }

    /// One row, `cols` cells wide at most (the highlight symbol's cell excluded); a row's last
    /// text is cut with ".." rather than at the edge.
    fn row_line(&self, row: &Row, cx: &Ctx, cols: usize) -> Line<'static> {
        let t = cx.t;
        let th = cx.theme;
        let today = cx.me.today;
        match row {
            Row::Header(spans) => Line::from(spans.clone()),
            Row::Empty(text) => Line::from(Span::styled(format!("  {text}"), th.muted)),
            Row::Task(task) => {
                // Callbacks say how late they are; period tasks all share one deadline (in the
                // section header), so their lines say which kind of client it is instead.
                let (why, style, what) = match (task.id.kind, task.bucket) {
                    (TaskKind::Callback { .. }, bucket) => {
                        let (why, style) = match bucket {
                            DueBucket::Overdue { days } => (t.overdue_days(days), th.overdue),
                            DueBucket::Today => (t.today_word.to_string(), th.warning),
                            DueBucket::ThisWeek => (ui::day_and_weekday(task.due, t), th.accent),
                            DueBucket::Later => (ui::date(task.due, today, t), th.text),
                        };
                        // The tries come first: at 80 columns they are what must not be cut.
                        let tried = task.attempts.map(|a| format!("{} · ", t.tried_line(&a, today)));
                        let what = format!(
                            "{}{} {} · {}",
                            tried.unwrap_or_default(),
                            t.task_title(task.kind(), None),
                            ui::date(task.due, today, t),
                            t.class(task.client_class)
                        );
                        (why, style, what)
                    }
                    // A wake-up call or a survey has its own deadline each: how late, or by when.
                    (TaskKind::Reactivate { .. } | TaskKind::Survey(_), bucket) => {
                        let (why, style) = match bucket {
                            DueBucket::Overdue { days } => (t.overdue_days(days), th.overdue),
                            DueBucket::Today => (t.today_word.to_string(), th.warning),
                            _ => (ui::date(task.due, today, t), th.text),
                        };
                        let what =
                            format!("{} · {}", t.task_title(task.kind(), None), t.tier(task.client_tier));
                        (why, style, what)
                    }
                    _ => (
                        t.tier(task.client_tier).to_string(),
                        th.text,
                        t.task_title(task.kind(), task.launch_name.as_deref()),
                    ),
                };
                Line::from(vec![
                    Span::styled(format!(" {}", ui::pad(&task.client_name, 8)), th.text),
                    Span::styled(format!(" {} ", ui::pad(task.id.client.as_str(), 10)), th.muted),
                    Span::styled(ui::pad(&why, 11), style),
                    Span::styled(format!(" {}", ui::fit(&what, cols.saturating_sub(33))), th.text),
                ])
            }
            Row::Colleague(c) => {
                let purposes: Vec<&str> = c.purposes.iter().map(|p| t.purpose(*p)).collect();
                let what = format!(
                    "{} {} · {} · {}",
                    ui::date(c.at.date(), today, t),
                    c.at.format("%H:%M"),
                    purposes.join(t.list_sep),
                    t.outcome(c.outcome)
                );
                Line::from(vec![
                    Span::styled(format!(" {}", ui::pad(&c.client_name, 8)), th.text),
                    Span::styled(format!(" {} ", ui::pad(c.client.as_str(), 10)), th.muted),
                    Span::styled(ui::pad(&c.by.name, 11), th.accent),
                    Span::styled(format!(" {}", ui::fit(&what, cols.saturating_sub(33))), th.text),
                ])
            }
            Row::Complaint(c) => {
                let r = &c.row;
                let days = r.days_left.unwrap_or(0);
                let style = if r.overdue {
                    th.overdue
                } else if days == 0 {
                    th.warning
                } else {
                    th.accent
                };
                let step = r.step.map_or("", |s| t.complaint_step(s));
                let due =
                    format!("{} {}", t.due_on(), r.due.map(|d| ui::date(d, today, t)).unwrap_or_default());
                // An escalated line names who holds the step: that is whom the head calls.
                let what = match c.reason {
                    ComplaintReason::Owner => format!(
                        "{step} · {} · {} · {due}",
                        t.severity(r.severity),
                        t.complaint_category(r.category)
                    ),
                    _ => format!(
                        "{} · {step} · {} · {} · {due}",
                        t.escalated(),
                        t.severity(r.severity),
                        r.owner.as_ref().map(|o| o.name.as_str()).unwrap_or_default()
                    ),
                };
                Line::from(vec![
                    Span::styled(format!(" {}", ui::pad(&r.client_name, 8)), th.text),
                    Span::styled(format!(" {} ", ui::pad(r.client.as_str(), 10)), th.muted),
                    Span::styled(ui::pad(&t.step_time_left(days), 11), style),
                    Span::styled(format!(" {}", ui::fit(&what, cols.saturating_sub(33))), th.text),
                ])
            }
            Row::Gap(g) => {
                let missing: Vec<&str> = g.missing.iter().map(|r| t.requirement(*r)).collect();
                Line::from(vec![
                    Span::styled(format!(" {}", ui::pad(&g.name, 8)), th.text),
                    Span::styled(format!(" {} ", ui::pad(g.client.as_str(), 10)), th.muted),
                    Span::styled(
                        ui::pad(&t.missing_count.replace("{}", &g.missing.len().to_string()), 11),
                        th.warning,
                    ),
                    Span::styled(format!(" {}", missing.join(t.list_sep)), th.text),
                ])
            }
        }
    }
}

impl Screen for TodayScreen {
    fn title(&self, t: &Text) -> String {
        t.today.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, false, |_| true)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        let view = cx.api.today()?;
        let was = self.selected().and_then(Row::same_line);
        self.rows = Self::build_rows(&view, cx);
        // A colleague's change elsewhere must not move the cursor off the item being read; when
        // the item itself is gone (a contact cleared it) the next item moves up under the
        // cursor, so a morning's list is worked straight down.
        if let Some(i) = was.and_then(|w| self.rows.iter().position(|r| r.same_line().as_ref() == Some(&w))) {
            self.state.select(Some(i));
            return Ok(());
        }
        let start = self.state.selected().unwrap_or(0).min(self.rows.len().saturating_sub(1));
        self.select_from(start, true);
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let Some(cmd) = keys::command(KEYS, &key, false, |_| true) else { return Action::None };
        match cmd {
            Cmd::Nav(Nav::Down) => self.step(1),
            Cmd::Nav(Nav::Up) => self.step(-1),
            Cmd::Nav(Nav::PageDown) => self.step(10),
            Cmd::Nav(Nav::PageUp) => self.step(-10),
            Cmd::Nav(Nav::Top) => self.select_from(0, true),
            Cmd::Nav(Nav::Bottom) => self.select_from(self.rows.len().saturating_sub(1), false),
            Cmd::NextSection => self.jump_section(true),
            Cmd::PrevSection => self.jump_section(false),
            // Enter opens the client on every line; on a complaint line `n` opens the
            // complaint, where its step is finished (`n` again).
            Cmd::Complaint => {
                if let Some(Row::Complaint(c)) = self.selected() {
                    return super::complaints::open_complaint(c.row.id, cx);
                }
            }
            Cmd::Complaints => {
                return match super::complaints::ComplaintsScreen::new(cx) {
                    Ok(s) => Action::Push(Box::new(s)),
                    Err(e) => Action::error(e),
                };
            }
            Cmd::Open => {
                if let Some(no) = self.selected().and_then(Row::client).cloned() {
                    return super::open_client(no, cx);
                }
            }
            Cmd::Contact => {
                if let Some(row) = self.selected()
                    && let Some(no) = row.client()
                {
                    return super::open_contact_form(no.clone(), row.prefill(), cx);
                }
            }
            Cmd::Refresh => return Action::after(self.refresh(cx)),
        }
        Action::None
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let cols = usize::from(area.width.saturating_sub(1));
        let items: Vec<ListItem> =
            self.rows.iter().map(|r| ListItem::new(self.row_line(r, cx, cols))).collect();
        let list = List::new(items).highlight_style(cx.theme.selection).highlight_symbol(">");
        f.render_stateful_widget(list, area, &mut self.state);
    }
}
