//! Complaints (投诉): the five-step flow 受理 → 分类 → 调查 → 处理 → 反馈, each step with an owner
//! and a deadline from the severity (`ServiceLevels`), who must see a step on a given day
//! (`audience`), and the service-quality figures (`figures`). Pure: every date is passed in.
//!
//! The bank's rule (DOMAIN.md, "Service quality") names the categories, severities and steps;
//! the service levels and the attribution of figures are the branch's choice, stated in
//! docs/FIGURES.md ("Complaints").

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Serialize};

use super::calendar::Quarter;
use super::ids::{ClientNo, OutletId, StaffNo};
use super::labels::labelled_enum;
use super::text::check_line;
use super::{Field, Invalid, Problem};

labelled_enum!(
    /// What the complaint is about (投诉类别).
    Category, crate::domain::Field::ComplaintCategory, {
        Product => "产品", ["product"];
        Attitude => "服务态度", ["态度", "attitude"];
        Process => "业务流程", ["流程", "process"];
        Price => "价格收费", ["收费", "价格", "price"];
        Technical => "系统技术", ["系统", "技术", "technical"];
        Other => "其他", ["other"];
    }
);

labelled_enum!(
    /// How serious the complaint is (严重程度); sets every step's deadline (`ServiceLevels`).
    Severity, crate::domain::Field::Severity, {
        Normal => "一般", ["normal"];
        Serious => "严重", ["serious"];
        Critical => "非常严重", ["critical"];
    }
);

labelled_enum!(
    /// How the complaint reached the branch (投诉渠道).
    ComplaintChannel, crate::domain::Field::ComplaintChannel, {
        Counter => "网点现场", ["现场", "网点", "counter"];
        Phone => "电话", ["phone"];
        Hotline => "客服热线", ["热线", "95588", "hotline"];
        Online => "网上银行", ["网银", "手机银行", "online"];
        Letter => "信函邮件", ["信函", "邮件", "letter"];
        Regulator => "监管转办", ["监管", "regulator"];
    }
);

labelled_enum!(
    /// The five steps of complaint handling, in order (处理环节).
    Step, crate::domain::Field::Step, {
        Receive => "受理", ["receive"];
        Classify => "分类", ["classify"];
        Investigate => "调查", ["investigate"];
        Resolve => "处理", ["resolve"];
        Feedback => "反馈", ["feedback"];
    }
);

labelled_enum!(
    /// The client's view when told the outcome at 反馈 (客户评价).
    Satisfaction, crate::domain::Field::ClientView, {
        Satisfied => "满意", ["satisfied"];
        Fair => "基本满意", ["fair"];
        Unsatisfied => "不满意", ["unsatisfied"];
    }
);

impl Step {
    /// The step after this one; None after 反馈.
    pub fn next(self) -> Option<Step> {
        match self {
            Step::Receive => Some(Step::Classify),
            Step::Classify => Some(Step::Investigate),
            Step::Investigate => Some(Step::Resolve),
            Step::Resolve => Some(Step::Feedback),
            Step::Feedback => None,
        }
    }
}

impl Satisfaction {
    /// 满意 and 基本满意 close the complaint and count as satisfied in the figures; 不满意
    /// reopens it at 处理.
    pub fn satisfied(self) -> bool {
        self != Satisfaction::Unsatisfied
    }
}

/// A complaint's number; allocated by the store, monotonic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ComplaintId(pub u64);

impl fmt::Display for ComplaintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Longest 客户诉求 / 客户诉请 / step note kept, in characters.
pub const TEXT_MAX_CHARS: usize = 500;
/// Longest reassignment reason, in characters.
pub const REASON_MAX_CHARS: usize = 200;

/// Working days each step may take, per severity (服务时限). 0 means the step is due the same
/// working day it starts. Branch defaults (docs/FIGURES.md, "Complaints"): 非常严重 every step
/// the same working day; 严重 one working day a step; 一般 1 for 受理 and 分类, 3 for 调查 and
/// 处理, 2 for 反馈.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevels {
    /// Working days per step, in `Step::ALL` order, for each severity.
    pub days: BTreeMap<Severity, [u8; 5]>,
}

impl Default for ServiceLevels {
    fn default() -> ServiceLevels {
        ServiceLevels {
            days: [
                (Severity::Normal, [1, 1, 3, 3, 2]),
                (Severity::Serious, [1, 1, 1, 1, 1]),
                (Severity::Critical, [0, 0, 0, 0, 0]),
            ]
            .into_iter()
            .collect(),
        }
    }
}

/// Most working days one step may be given: a month of working days; more is a typing slip.
pub const MAX_STEP_DAYS: u8 = 22;

impl ServiceLevels {
    /// Refuses a level above `MAX_STEP_DAYS` or a severity left out, naming it.
    pub fn check(&self) -> Result<(), Invalid> {
        for sev in Severity::ALL {
            let Some(days) = self.days.get(sev) else {
                return Err(Invalid::said(
                    Field::ServiceLevels,
                    format!("缺少“{sev}”的时限"),
                    format!("the levels of “{sev}” are missing"),
                ));
            };
            if let Some((step, d)) = Step::ALL.iter().zip(days).find(|(_, d)| **d > MAX_STEP_DAYS) {
                return Err(Invalid::said(
                    Field::ServiceLevels,
                    format!("“{sev}”的“{step}”为 {d} 个工作日，最多 {MAX_STEP_DAYS} 个工作日"),
                    format!("“{step}” of “{sev}” is {d} working days, at most {MAX_STEP_DAYS}"),
                ));
            }
        }
        Ok(())
    }

    /// "1/1/3/3/2": one severity's working days in step order, as shown and typed.
    pub fn show(&self, severity: Severity) -> String {
        Step::ALL.iter().map(|s| self.days(severity, *s).to_string()).collect::<Vec<_>>().join("/")
    }

    /// Reads "1/1/3/3/2" (or with commas or spaces): five whole numbers of working days.
    pub fn parse_days(raw: &str) -> Result<[u8; 5], Invalid> {
        let parts: Vec<&str> = raw.split(['/', ',', '，', ' ']).filter(|p| !p.is_empty()).collect();
        let bad = || {
            Invalid::said(
                Field::ServiceLevels,
                format!("“{}”应为五个环节的工作日数，如 1/1/3/3/2", raw.trim()),
                format!("“{}” should be the working days of the five steps, as 1/1/3/3/2", raw.trim()),
            )
        };
        if parts.len() != 5 {
            return Err(bad());
        }
        let mut out = [0u8; 5];
        for (o, p) in out.iter_mut().zip(parts) {
            *o = p.parse().map_err(|_| bad())?;
        }
        Ok(out)
    }

    /// Working days `step` may take for a complaint of `severity`.
    pub fn days(&self, severity: Severity, step: Step) -> u8 {
        let i = Step::ALL.iter().position(|s| *s == step).unwrap_or(0);
        // A severity missing from a stored setting (never saved so: `check`) takes the default.
        let pick = |l: &ServiceLevels| l.days.get(&severity).and_then(|d| d.get(i).copied());
        pick(self).or_else(|| pick(&ServiceLevels::default())).unwrap_or(0)
    }

    /// The last day a step of `severity` started on `started` may be finished.
    pub fn due(&self, severity: Severity, step: Step, started: NaiveDate) -> NaiveDate {
        add_working_days(started, self.days(severity, step))
    }
}

/// Monday to Friday. Public holidays and 调休 working weekends are not known to mingdan: a step
/// due across 国庆 counts those days as working days (docs/FIGURES.md says so).
pub fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The day `n` working days after `start`: a step started on a weekend starts on the Monday
/// after; 0 is that first working day itself.
pub fn add_working_days(start: NaiveDate, n: u8) -> NaiveDate {
    let mut d = start;
    while !is_working_day(d) {
        d += Duration::days(1);
    }
    for _ in 0..n {
        d += Duration::days(1);
        while !is_working_day(d) {
            d += Duration::days(1);
        }
    }
    d
}

/// Whether `s` may be given a step of a complaint of `outlet` without being named by a manager:
/// active staff of that outlet who serve its clients. The system administrator and branch-level
/// management are left out even where they sit at the outlet: they oversee (an overdue
/// 非常严重 step escalates to them on its own), they do not take steps in turn. The one rule for
/// the next-owner picker and for who takes a step when none is named (QA of #18, E6/E9).
pub fn may_take_step(s: &super::Staff, outlet: &OutletId) -> bool {
    s.active && &s.outlet == outlet && s.permission != super::Permission::Admin && !s.manages_branch()
}

/// A manager gave a step to someone else (改派), with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassignment {
    pub at: NaiveDateTime,
    pub from: StaffNo,
    pub to: StaffNo,
    pub by: StaffNo,
    pub reason: String,
}

/// What the client was told at 反馈 and what they thought of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// The day the client was told the outcome.
    pub told_on: NaiveDate,
    pub view: Satisfaction,
}

/// How a step was finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    pub at: NaiveDateTime,
    pub by: StaffNo,
    /// What was done.
    pub note: String,
    /// At 反馈 only.
    pub feedback: Option<Feedback>,
}

/// One run of a step: 处理 and 反馈 run again after an 不满意.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRun {
    pub step: Step,
    pub started: NaiveDateTime,
    /// The last day it may be finished (`ServiceLevels::due`).
    pub due: NaiveDate,
    /// Who the step started with.
    pub first_owner: StaffNo,
    pub reassigned: Vec<Reassignment>,
    pub done: Option<Done>,
}

impl StepRun {
    fn new(step: Step, started: NaiveDateTime, due: NaiveDate, owner: StaffNo) -> StepRun {
        StepRun { step, started, due, first_owner: owner, reassigned: Vec::new(), done: None }
    }

    /// Who holds the step now (or held it when it was finished).
    pub fn owner(&self) -> &StaffNo {
        self.reassigned.last().map_or(&self.first_owner, |r| &r.to)
    }

    /// Who held the step at the end of its due day: a miss stays with whoever missed it; a
    /// reassignment after the deadline does not move it.
    pub fn owner_at_due(&self) -> &StaffNo {
        self.reassigned.iter().rev().find(|r| r.at.date() <= self.due).map_or(&self.first_owner, |r| &r.to)
    }

    /// Finished on or before its due day.
    pub fn on_time(&self) -> bool {
        self.done.as_ref().is_some_and(|d| d.at.date() <= self.due)
    }

    /// Not finished and past its due day on `today`.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.done.is_none() && today > self.due
    }

    /// Working days left including `today` (0: due today; negative: overdue by that many
    /// calendar days, as the other work lists count lateness).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        if today > self.due {
            return -(today - self.due).num_days();
        }
        let mut n = 0;
        let mut d = today;
        while d < self.due {
            d += Duration::days(1);
            if is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

/// A complaint as received, before it is a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComplaint {
    pub client: ClientNo,
    pub channel: ComplaintChannel,
    pub category: Category,
    pub severity: Severity,
    /// 客户诉求: what the client said, in their words.
    pub said: String,
    /// 客户诉请: what they ask for.
    pub asks: String,
    /// Who takes 分类 on; None: the client's maintainer, or the receiver when it has none.
    pub owner: Option<StaffNo>,
    /// The receive form this came from (`DraftId`), so one form is received once: its draft is
    /// neither kept nor received again once a complaint records it (`Complaint::from_draft`).
    /// None: not typed into a form (the CLI, the demo, a test).
    #[serde(default)]
    pub draft: Option<DraftId>,
}

/// Who a receive form is: made when the form opens fresh, kept in its draft and in the
/// complaint received from it. Two sessions of the same staff member on the same client (a
/// reconnect while the old one still runs) share it when one reopened the other's draft, which
/// is what lets the second be told the complaint was already received rather than make it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DraftId(pub u64);

impl NewComplaint {
    /// Refuses empty or over-long text and control characters, naming the field.
    pub fn check(&self) -> Result<(), Invalid> {
        check_text(Field::ClientSaid, &self.said, false)?;
        check_text(Field::ClientAsks, &self.asks, true)
    }
}

/// An unfinished receive form (受理) kept for its author, one per staff member and client, so a
/// dropped connection, a session end or Ctrl-C loses nothing (like a contact draft). Kept in
/// the store with the other records (`complaint_drafts`), never in a local file; dropped when the
/// complaint is received or the form is cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintDraft {
    /// The form as far as it was filled in; `said` may still be empty.
    pub form: NewComplaint,
    /// When it was last kept (branch time), set by the service.
    pub saved_at: Option<NaiveDateTime>,
}

impl ComplaintDraft {
    /// Refuses over-long text and control characters, naming the field; unlike `NewComplaint::
    /// check`, an empty 客户诉求 is kept (the user has not got that far yet).
    pub fn check(&self) -> Result<(), Invalid> {
        check_text(Field::ClientSaid, &self.form.said, true)?;
        check_text(Field::ClientAsks, &self.form.asks, true)
    }
}

/// A note or complaint text: at most `TEXT_MAX_CHARS`, line breaks allowed, no other control
/// characters.
pub fn check_text(field: Field, text: &str, may_be_empty: bool) -> Result<(), Invalid> {
    for line in text.split('\n') {
        check_line(field, line, TEXT_MAX_CHARS, true)?;
    }
    if !may_be_empty && text.trim().is_empty() {
        return Err(Invalid::new(field, Problem::Empty));
    }
    let n = text.chars().count();
    if n > TEXT_MAX_CHARS {
        return Err(Invalid::new(field, Problem::TooLong { chars: n, max: TEXT_MAX_CHARS }));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: ComplaintId,
    pub client: ClientNo,
    /// The client's outlet when received: escalations go to its head, figures count for it.
    pub outlet: OutletId,
    /// The client's maintainer when received; the complaint counts against their roster.
    pub maintainer: Option<StaffNo>,
    pub channel: ComplaintChannel,
    pub category: Category,
    pub severity: Severity,
    pub said: String,
    pub asks: String,
    pub received_by: StaffNo,
    pub received_at: NaiveDateTime,
    /// The receive form it was received from (`NewComplaint::draft`); None for one received
    /// without a form and for complaints stored before forms had an identity.
    pub from_draft: Option<DraftId>,
    /// Every step run, oldest first; the last is the open one unless the complaint is closed.
    pub runs: Vec<StepRun>,
}

/// Why a move was refused, in Chinese and English, naming the field 处理环节.
fn refuse<T>(zh: impl Into<String>, en: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid::said(Step::FIELD, zh, en))
}

impl Complaint {
    /// A complaint received at `at` by `by`: 受理 is done by receiving it (the receiver's note
    /// is what the client said), and 分类 starts at once with `owner`.
    #[allow(clippy::too_many_arguments)]
    pub fn receive(
        id: ComplaintId,
        new: NewComplaint,
        outlet: OutletId,
        maintainer: Option<StaffNo>,
        by: StaffNo,
        at: NaiveDateTime,
        owner: StaffNo,
        levels: &ServiceLevels,
    ) -> Result<Complaint, Invalid> {
        new.check()?;
        let mut receive =
            StepRun::new(Step::Receive, at, levels.due(new.severity, Step::Receive, at.date()), by.clone());
        receive.done = Some(Done { at, by: by.clone(), note: "已受理".into(), feedback: None });
        let classify =
            StepRun::new(Step::Classify, at, levels.due(new.severity, Step::Classify, at.date()), owner);
        Ok(Complaint {
            id,
            client: new.client,
            outlet,
            maintainer,
            channel: new.channel,
            category: new.category,
            severity: new.severity,
            said: new.said,
            asks: new.asks,
            received_by: by,
            received_at: at,
            from_draft: new.draft,
            runs: vec![receive, classify],
        })
    }

    /// The step waiting to be done; None once closed.
    pub fn open(&self) -> Option<&StepRun> {
        self.runs.last().filter(|r| r.done.is_none())
    }

    pub fn is_closed(&self) -> bool {
        self.open().is_none()
    }

    /// When the complaint was closed: the 反馈 that found the client satisfied.
    pub fn closed_at(&self) -> Option<NaiveDateTime> {
        if !self.is_closed() {
            return None;
        }
        self.runs.last().and_then(|r| r.done.as_ref()).map(|d| d.at)
    }

    /// The client's view at the last 反馈, if any.
    pub fn last_view(&self) -> Option<Satisfaction> {
        self.runs.iter().rev().find_map(|r| r.done.as_ref()?.feedback.map(|f| f.view))
    }

    /// How many times an 不满意 reopened it.
    pub fn reopened(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r.done.as_ref().and_then(|d| d.feedback).is_some_and(|f| !f.view.satisfied()))
            .count()
    }

    /// Every step finished on or before its due day.
    pub fn within_level(&self) -> bool {
        self.runs.iter().all(StepRun::on_time)
    }

    /// Finishes the open step `step` with `note`: the next step starts at `at` with
    /// `next_owner` (None: the same owner), due by the service level. At 反馈 `feedback` is
    /// required: 满意 or 基本满意 closes the complaint, 不满意 starts 处理 again with
    /// `outlet_head` as owner (the 反馈 owner when the outlet has no head). At 分类, `reclassify`
    /// may correct category and severity; later deadlines follow the new severity.
    ///
    /// Refused (nothing changes), with the reason in Chinese: a closed complaint, a step that is
    /// not the open one (skipping, going back, or a second submission of the same move), an
    /// empty note, feedback outside 反馈 or missing at 反馈, a told date before the complaint or
    /// after `at`, reclassifying outside 分类.
    #[allow(clippy::too_many_arguments)]
    pub fn advance(
        &mut self,
        step: Step,
        note: &str,
        feedback: Option<Feedback>,
        reclassify: Option<(Category, Severity)>,
        next_owner: Option<StaffNo>,
        outlet_head: Option<&StaffNo>,
        by: &StaffNo,
        at: NaiveDateTime,
        levels: &ServiceLevels,
    ) -> Result<(), Invalid> {
        let Some((open_step, owner)) = self.open().map(|r| (r.step, r.owner().clone())) else {
            return refuse(
                format!("投诉 {} 已办结，不能再推进", self.id),
                format!("complaint {} is closed and cannot move on", self.id),
            );
        };
        if open_step != step {
            return refuse(
                format!(
                    "投诉 {} 当前在“{open_step}”环节，不能完成“{step}”（环节须按 受理→分类→调查→处理→反馈 依次完成）",
                    self.id
                ),
                format!(
                    "complaint {} is at “{open_step}”, so “{step}” cannot be done (steps go in order 受理→分类→调查→处理→反馈)",
                    self.id
                ),
            );
        }
        check_text(Field::StepNote, note, false)?;
        if step != Step::Feedback && feedback.is_some() {
            return refuse(
                format!("客户评价只在“反馈”环节记录，当前是“{step}”"),
                format!("the client's view is recorded only at “反馈”; this is “{step}”"),
            );
        }
        if step != Step::Classify && reclassify.is_some() {
            return refuse(
                format!("类别和严重程度只在“分类”环节修改，当前是“{step}”"),
                format!("category and severity change only at “分类”; this is “{step}”"),
            );
        }
        if step == Step::Feedback {
            let Some(f) = feedback else {
                return refuse(
                    "反馈环节须记录已告知客户的日期和客户评价（满意 / 基本满意 / 不满意），否则不能办结",
                    "“反馈” needs the day the client was told and their view (满意 / 基本满意 / 不满意) before it closes",
                );
            };
            if f.told_on < self.received_at.date() || f.told_on > at.date() {
                return Err(Invalid::said(
                    Field::ToldOn,
                    format!("{} 不在受理日 {} 与今天之间", f.told_on, self.received_at.date()),
                    format!(
                        "{} is not between the day received, {}, and today",
                        f.told_on,
                        self.received_at.date()
                    ),
                ));
            }
        }
        if let Some((category, severity)) = reclassify {
            self.category = category;
            self.severity = severity;
        }
        let severity = self.severity;
        if let Some(run) = self.runs.last_mut() {
            run.done = Some(Done { at, by: by.clone(), note: note.to_string(), feedback });
        }
        let next = match (step.next(), feedback) {
            (Some(next), _) => Some((next, next_owner.unwrap_or(owner))),
            (None, Some(f)) if !f.view.satisfied() => {
                Some((Step::Resolve, outlet_head.cloned().unwrap_or(owner)))
            }
            (None, _) => None,
        };
        if let Some((next, owner)) = next {
            self.runs.push(StepRun::new(next, at, levels.due(severity, next, at.date()), owner));
        }
        Ok(())
    }

    /// Gives the open step to `to` (改派) with `reason`. Refused on a closed complaint, for the
    /// present owner, or without a reason.
    pub fn reassign(
        &mut self,
        to: StaffNo,
        reason: &str,
        by: &StaffNo,
        at: NaiveDateTime,
    ) -> Result<(), Invalid> {
        check_line(Field::ReassignReason, reason, REASON_MAX_CHARS, false)?;
        let id = self.id;
        let Some(run) = self.runs.last_mut().filter(|r| r.done.is_none()) else {
            return refuse(
                format!("投诉 {id} 已办结，不能改派"),
                format!("complaint {id} is closed and cannot be reassigned"),
            );
        };
        if run.owner() == &to {
            return Err(Invalid::said(
                Field::TakenOverBy,
                format!("{to} 已是“{}”环节的负责人", run.step),
                format!("{to} already owns “{}”", run.step),
            ));
        }
        let from = run.owner().clone();
        run.reassigned.push(Reassignment { at, from, to, by: by.clone(), reason: reason.to_string() });
        Ok(())
    }
}

/// Who must see a complaint's open step on a day: its owner always; once overdue the outlet
/// head too, and branch management as well for 非常严重.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub outlet_head: bool,
    pub branch: bool,
}

/// Who besides the owner must see `c` on `on` (DOMAIN.md: nothing falls through). Escalation
/// starts the calendar day after the step's due day; a closed complaint needs nobody.
pub fn audience(c: &Complaint, on: NaiveDate) -> Audience {
    let overdue = c.open().is_some_and(|r| r.overdue(on));
    Audience { outlet_head: overdue, branch: overdue && c.severity == Severity::Critical }
}

/// Service-quality figures for one outlet, one staff member or the branch over a quarter.
/// Counts, so that screens and reports show the shares and rates through the same
/// `percent` helpers as every other figure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFigures {
    /// Complaints received in the quarter.
    pub received: u32,
    /// Clients on the roster (staff), or on the rosters of the outlet's staff (outlet, branch:
    /// `past::clients_held`), the base of `per_thousand`.
    pub clients: u32,
    /// Of `received`, those whose client had complained within the 90 days before.
    pub repeat: u32,
    /// Complaints closed in the quarter.
    pub closed: u32,
    /// Of `closed`, those whose every step was finished by its due day.
    pub closed_within_level: u32,
    /// Median time from receipt to close of `closed`, in minutes; None with none closed.
    pub median_minutes: Option<i64>,
    /// 反馈 steps finished in the quarter, and of them the client 满意 or 基本满意.
    pub feedback: u32,
    pub satisfied: u32,
    /// Steps that fell due in the quarter up to the day counted, and of them finished by then.
    pub steps_due: u32,
    pub steps_on_time: u32,
}

impl ComplaintFigures {
    /// Complaints per 1,000 clients, in tenths (12 = 1.2‰), rounded half up; None without clients.
    pub fn per_thousand_tenths(&self) -> Option<i64> {
        super::percent::permille_half_up(i64::from(self.received) * 10_000, i64::from(self.clients))
            .map(|x| (x + 500) / 1000)
    }
}

/// Days back a complaint by the same client makes a new one a repeat complaint.
pub const REPEAT_DAYS: i64 = 90;

/// The quarter's figures, branch-wide, per outlet and per staff member, as they stood on
/// `today` (截至; for a past quarter, its last day). Attribution (docs/FIGURES.md):
/// received, repeat and per 1,000 count for the client's outlet and maintainer at receipt;
/// closed, within level and time to close for the outlet and the owner of the 处理 step that
/// resolved it; satisfaction for the owner of the 反馈 step; steps due for whoever owned the
/// step at the end of its due day. `clients_of_outlet` and `clients_of_staff` are the bases.
pub fn figures(
    complaints: &[Complaint],
    quarter: Quarter,
    today: NaiveDate,
    clients_of_outlet: &BTreeMap<OutletId, u32>,
    clients_of_staff: &BTreeMap<StaffNo, u32>,
) -> FiguresByUnit {
    let until = today.min(quarter.last_day());
    let in_q = |d: NaiveDate| d >= quarter.first_day() && d <= until;
    let mut out = FiguresByUnit::default();
    let mut minutes: BTreeMap<Unit, Vec<i64>> = BTreeMap::new();
    let mut by_client: BTreeMap<&ClientNo, Vec<(NaiveDateTime, ComplaintId)>> = BTreeMap::new();
    for c in complaints {
        by_client.entry(&c.client).or_default().push((c.received_at, c.id));
    }
    for c in complaints {
        let outlet = Unit::Outlet(c.outlet.clone());
        let mut add = |units: &[Option<Unit>], f: &dyn Fn(&mut ComplaintFigures)| {
            for u in units.iter().flatten() {
                f(out.entry(u));
            }
            f(&mut out.branch);
        };
        let maint = c.maintainer.clone().map(Unit::Staff);
        if in_q(c.received_at.date()) {
            let repeat = by_client.get(&c.client).is_some_and(|ts| {
                // Received earlier, or in the same minute but recorded first.
                ts.iter().any(|&(t, id)| {
                    (t, id) < (c.received_at, c.id) && c.received_at - t <= Duration::days(REPEAT_DAYS)
                })
            });
            add(&[Some(outlet.clone()), maint.clone()], &|f| {
                f.received += 1;
                f.repeat += u32::from(repeat);
            });
        }
        if let Some(closed) = c.closed_at().filter(|t| in_q(t.date())) {
            let resolver =
                c.runs.iter().rev().find(|r| r.step == Step::Resolve).map(|r| Unit::Staff(r.owner().clone()));
            let within = c.within_level();
            add(&[Some(outlet.clone()), resolver.clone()], &|f| {
                f.closed += 1;
                f.closed_within_level += u32::from(within);
            });
            let m = (closed - c.received_at).num_minutes();
            for u in [Some(outlet.clone()), resolver, Some(Unit::Branch)].into_iter().flatten() {
                minutes.entry(u).or_default().push(m);
            }
        }
        for r in &c.runs {
            if let Some(d) = &r.done
                && let Some(fb) = d.feedback
                && in_q(d.at.date())
            {
                add(&[Some(outlet.clone()), Some(Unit::Staff(r.owner().clone()))], &|f| {
                    f.feedback += 1;
                    f.satisfied += u32::from(fb.view.satisfied());
                });
            }
            // A step falls due at the end of its due day: one due today counts once finished.
            if in_q(r.due) && (r.due < today || r.on_time()) {
                let on_time = r.on_time();
                add(&[Some(outlet.clone()), Some(Unit::Staff(r.owner_at_due().clone()))], &|f| {
                    f.steps_due += 1;
                    f.steps_on_time += u32::from(on_time);
                });
            }
        }
    }
    for (u, mut ms) in minutes {
        let median = median(&mut ms);
        match u {
            Unit::Branch => out.branch.median_minutes = median,
            u => out.entry(&u).median_minutes = median,
        }
    }
    for (o, n) in clients_of_outlet {
        out.entry(&Unit::Outlet(o.clone())).clients = *n;
        out.branch.clients += n;
    }
    for (s, n) in clients_of_staff {
        if let Some(f) = out.staff.get_mut(s) {
            f.clients = *n;
        } else if *n > 0 {
            out.staff.insert(s.clone(), ComplaintFigures { clients: *n, ..Default::default() });
        }
    }
    out
}

/// The middle value (the mean of the two middle ones, rounded down, for an even count).
fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]).div_euclid(2) })
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Branch,
    Outlet(OutletId),
    Staff(StaffNo),
}

/// `figures` for the branch, each outlet and each staff member with any figure or clients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiguresByUnit {
    pub branch: ComplaintFigures,
    pub outlets: BTreeMap<OutletId, ComplaintFigures>,
    pub staff: BTreeMap<StaffNo, ComplaintFigures>,
}

impl FiguresByUnit {
    fn entry(&mut self, u: &Unit) -> &mut ComplaintFigures {
        match u {
            Unit::Branch => &mut self.branch,
            Unit::Outlet(o) => self.outlets.entry(o.clone()).or_default(),
            Unit::Staff(s) => self.staff.entry(s.clone()).or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn t(date: NaiveDate, h: u32) -> NaiveDateTime {
        date.and_hms_opt(h, 0, 0).unwrap()
    }
    fn s(no: &str) -> StaffNo {
        StaffNo::parse(no).unwrap()
    }

    fn received(severity: Severity, at: NaiveDateTime) -> Complaint {
        let new = NewComplaint {
            client: ClientNo::parse("C1").unwrap(),
            channel: ComplaintChannel::Counter,
            category: Category::Attitude,
            severity,
            said: "柜员态度冷淡".into(),
            asks: "道歉".into(),
            owner: None,
            draft: None,
        };
        let outlet = OutletId::parse("城关").unwrap();
        Complaint::receive(
            ComplaintId(1),
            new,
            outlet,
            Some(s("2001")),
            s("2002"),
            at,
            s("2001"),
            &ServiceLevels::default(),
        )
        .unwrap()
    }

    fn step(c: &mut Complaint, step: Step, at: NaiveDateTime) -> Result<(), Invalid> {
        c.advance(step, "已办", None, None, None, None, &s("2001"), at, &ServiceLevels::default())
    }

    fn feedback(c: &mut Complaint, view: Satisfaction, at: NaiveDateTime) -> Result<(), Invalid> {
        let fb = Feedback { told_on: at.date(), view };
        c.advance(
            Step::Feedback,
            "已电话告知",
            Some(fb),
            None,
            None,
            Some(&s("1001")),
            &s("2001"),
            at,
            &ServiceLevels::default(),
        )
    }

    #[test]
    fn service_levels_are_typed_as_five_numbers_and_checked() {
        assert_eq!(ServiceLevels::parse_days("1/1/3/3/2"), Ok([1, 1, 3, 3, 2]));
        assert_eq!(ServiceLevels::parse_days("0，0，0，0，0"), Ok([0; 5]));
        assert!(ServiceLevels::parse_days("1/1/3").is_err());
        assert!(ServiceLevels::parse_days("1/1/3/3/x").is_err());
        let mut lv = ServiceLevels::default();
        assert!(lv.check().is_ok());
        assert_eq!(lv.show(Severity::Normal), "1/1/3/3/2");
        lv.days.insert(Severity::Serious, [1, 1, 30, 1, 1]);
        assert!(lv.check().unwrap_err().problem.to_string().contains("调查"));
        lv.days.remove(&Severity::Serious);
        assert!(lv.check().is_err());
    }

    #[test]
    fn working_days_skip_the_weekend() {
        // Friday + 1 working day is Monday; a Saturday start counts from Monday.
        assert_eq!(add_working_days(d(2026, 11, 20), 1), d(2026, 11, 23));
        assert_eq!(add_working_days(d(2026, 11, 21), 0), d(2026, 11, 23));
        assert_eq!(add_working_days(d(2026, 11, 20), 3), d(2026, 11, 25));
        assert_eq!(add_working_days(d(2026, 11, 18), 0), d(2026, 11, 18));
    }

    #[test]
    fn deadlines_follow_severity_across_a_weekend() {
        // Received Friday 2026-11-20 at 16:00.
        let fri = t(d(2026, 11, 20), 16);
        let c = received(Severity::Critical, fri);
        assert_eq!(c.open().unwrap().step, Step::Classify);
        assert_eq!(c.open().unwrap().due, d(2026, 11, 20), "非常严重: the same working day");
        let c = received(Severity::Serious, fri);
        assert_eq!(c.open().unwrap().due, d(2026, 11, 23), "严重: one working day, over the weekend");
        let mut c = received(Severity::Normal, fri);
        assert_eq!(c.open().unwrap().due, d(2026, 11, 23));
        // 调查 of an 一般 complaint started Monday takes three working days.
        step(&mut c, Step::Classify, t(d(2026, 11, 23), 9)).unwrap();
        assert_eq!(c.open().unwrap().step, Step::Investigate);
        assert_eq!(c.open().unwrap().due, d(2026, 11, 26));
        // Received on a Sunday: the clock starts Monday.
        let c = received(Severity::Critical, t(d(2026, 11, 22), 10));
        assert_eq!(c.open().unwrap().due, d(2026, 11, 23));
    }

    #[test]
    fn steps_go_in_order_and_only_once() {
        let mut c = received(Severity::Normal, t(d(2026, 11, 18), 10));
        let e = step(&mut c, Step::Investigate, t(d(2026, 11, 18), 11)).unwrap_err();
        assert_eq!(e.field.zh(), "处理环节");
        assert!(e.problem.to_string().contains("当前在“分类”环节"), "{e}");
        step(&mut c, Step::Classify, t(d(2026, 11, 18), 11)).unwrap();
        // The same move sent twice is refused, not applied twice.
        assert!(step(&mut c, Step::Classify, t(d(2026, 11, 18), 11)).is_err());
        step(&mut c, Step::Investigate, t(d(2026, 11, 19), 11)).unwrap();
        step(&mut c, Step::Resolve, t(d(2026, 11, 19), 15)).unwrap();
        assert_eq!(c.open().unwrap().step, Step::Feedback);
        // 反馈 cannot be finished, nor the complaint closed, without the client's view.
        let e = step(&mut c, Step::Feedback, t(d(2026, 11, 20), 9)).unwrap_err();
        assert!(e.problem.to_string().contains("客户评价"), "{e}");
        assert!(!c.is_closed());
        feedback(&mut c, Satisfaction::Satisfied, t(d(2026, 11, 20), 9)).unwrap();
        assert!(c.is_closed());
        assert_eq!(c.closed_at(), Some(t(d(2026, 11, 20), 9)));
        assert!(c.within_level());
        let e = step(&mut c, Step::Feedback, t(d(2026, 11, 20), 10)).unwrap_err();
        assert!(e.problem.to_string().contains("已办结"), "{e}");
    }

    #[test]
    fn feedback_and_reclassifying_only_in_their_steps_and_notes_are_required() {
        let mut c = received(Severity::Normal, t(d(2026, 11, 18), 10));
        let fb = Feedback { told_on: d(2026, 11, 18), view: Satisfaction::Satisfied };
        let lv = ServiceLevels::default();
        let at = t(d(2026, 11, 18), 11);
        assert!(c.advance(Step::Classify, "x", Some(fb), None, None, None, &s("2001"), at, &lv).is_err());
        let e = c.advance(Step::Classify, " ", None, None, None, None, &s("2001"), at, &lv).unwrap_err();
        assert_eq!(e.field.zh(), "处理说明");
        let e =
            c.advance(Step::Classify, "x\u{1b}[2K", None, None, None, None, &s("2001"), at, &lv).unwrap_err();
        assert!(e.problem.to_string().contains("控制字符"), "{e}");
        // 分类 raises the severity: the next step is due the same working day.
        c.advance(
            Step::Classify,
            "升级",
            None,
            Some((Category::Process, Severity::Critical)),
            None,
            None,
            &s("2001"),
            at,
            &lv,
        )
        .unwrap();
        assert_eq!((c.category, c.severity), (Category::Process, Severity::Critical));
        assert_eq!(c.open().unwrap().due, d(2026, 11, 18));
        let again = Some((Category::Other, Severity::Normal));
        assert!(c.advance(Step::Investigate, "x", None, again, None, None, &s("2001"), at, &lv).is_err());
    }

    #[test]
    fn unsatisfied_reopens_at_resolve_with_the_outlet_head() {
        let mut c = received(Severity::Serious, t(d(2026, 11, 18), 10));
        for st in [Step::Classify, Step::Investigate, Step::Resolve] {
            step(&mut c, st, t(d(2026, 11, 18), 11)).unwrap();
        }
        feedback(&mut c, Satisfaction::Unsatisfied, t(d(2026, 11, 19), 9)).unwrap();
        let open = c.open().unwrap();
        assert_eq!(open.step, Step::Resolve);
        assert_eq!(open.owner(), &s("1001"));
        assert_eq!(open.due, d(2026, 11, 20));
        assert_eq!(c.reopened(), 1);
        assert!(!c.is_closed());
        step(&mut c, Step::Resolve, t(d(2026, 11, 19), 15)).unwrap();
        feedback(&mut c, Satisfaction::Fair, t(d(2026, 11, 20), 9)).unwrap();
        assert!(c.is_closed());
        assert_eq!(c.last_view(), Some(Satisfaction::Fair));
    }

    #[test]
    fn an_overdue_step_escalates_the_day_after_it_was_due() {
        // 严重, received Friday: 分类 due Monday 23rd.
        let c = received(Severity::Serious, t(d(2026, 11, 20), 16));
        assert_eq!(audience(&c, d(2026, 11, 23)), Audience { outlet_head: false, branch: false });
        assert_eq!(audience(&c, d(2026, 11, 24)), Audience { outlet_head: true, branch: false });
        let c = received(Severity::Critical, t(d(2026, 11, 20), 16));
        assert_eq!(audience(&c, d(2026, 11, 20)), Audience { outlet_head: false, branch: false });
        assert_eq!(audience(&c, d(2026, 11, 21)), Audience { outlet_head: true, branch: true });
        assert_eq!(c.open().unwrap().days_left(d(2026, 11, 23)), -3);
    }

    #[test]
    fn reassignment_needs_a_reason_and_a_late_one_leaves_the_miss_with_the_old_owner() {
        let mut c = received(Severity::Serious, t(d(2026, 11, 18), 10));
        assert!(c.reassign(s("2002"), "  ", &s("1001"), t(d(2026, 11, 18), 11)).is_err());
        assert!(c.reassign(s("2001"), "重复", &s("1001"), t(d(2026, 11, 18), 11)).is_err());
        // 分类 due 19th; reassigned on the 20th, after the miss.
        c.reassign(s("2002"), "王芳休假", &s("1001"), t(d(2026, 11, 20), 9)).unwrap();
        let open = c.open().unwrap();
        assert_eq!(open.owner(), &s("2002"));
        assert_eq!(open.owner_at_due(), &s("2001"));
    }

    /// Hand-worked quarter 2026Q4, counted on 2026-12-31, outlet 城关 with 2,000 clients, 2001
    /// maintaining 400 of them.
    #[test]
    fn figures_on_hand_worked_data() {
        let lv = ServiceLevels::default();
        // A: 一般, received 11-02 (Mon), every step on time, closed 11-09 满意 by 2001.
        let mut a = received(Severity::Normal, t(d(2026, 11, 2), 9));
        step(&mut a, Step::Classify, t(d(2026, 11, 2), 10)).unwrap();
        step(&mut a, Step::Investigate, t(d(2026, 11, 4), 10)).unwrap();
        step(&mut a, Step::Resolve, t(d(2026, 11, 6), 10)).unwrap();
        feedback(&mut a, Satisfaction::Satisfied, t(d(2026, 11, 9), 9)).unwrap();
        // B: same client 30 days later (repeat), 非常严重, 分类 late, 不满意 then 基本满意.
        let mut b = received(Severity::Critical, t(d(2026, 12, 2), 9));
        b.id = ComplaintId(2);
        step(&mut b, Step::Classify, t(d(2026, 12, 3), 9)).unwrap(); // due 12-02: late
        step(&mut b, Step::Investigate, t(d(2026, 12, 3), 10)).unwrap();
        step(&mut b, Step::Resolve, t(d(2026, 12, 3), 11)).unwrap();
        feedback(&mut b, Satisfaction::Unsatisfied, t(d(2026, 12, 3), 12)).unwrap();
        b.advance(Step::Resolve, "退费", None, None, None, None, &s("1001"), t(d(2026, 12, 3), 15), &lv)
            .unwrap();
        let fb = Feedback { told_on: d(2026, 12, 3), view: Satisfaction::Fair };
        b.advance(Step::Feedback, "告知", Some(fb), None, None, None, &s("1001"), t(d(2026, 12, 3), 16), &lv)
            .unwrap();
        // C: another client, received 12-30, still at 分类 (due 12-31, not yet fallen due).
        let mut c = received(Severity::Normal, t(d(2026, 12, 30), 9));
        c.id = ComplaintId(3);
        c.client = ClientNo::parse("C2").unwrap();
        let outlet = OutletId::parse("城关").unwrap();
        let f = figures(
            &[a, b, c],
            Quarter::of(d(2026, 12, 1)),
            d(2026, 12, 31),
            &[(outlet.clone(), 2000)].into_iter().collect(),
            &[(s("2001"), 400)].into_iter().collect(),
        );
        let o = &f.outlets[&outlet];
        assert_eq!(o.received, 3);
        assert_eq!(o.per_thousand_tenths(), Some(15), "3 per 2,000 clients = 1.5‰");
        assert_eq!(o.repeat, 1);
        assert_eq!((o.closed, o.closed_within_level), (2, 1));
        // A took 7 days = 10,080 minutes, B 1 day 7 hours = 1,860: median of two is their mean.
        assert_eq!(o.median_minutes, Some((10_080 + 1_860) / 2));
        assert_eq!((o.feedback, o.satisfied), (3, 2));
        // A 5 runs, B 7 runs, C's 受理 (done) and 分类 (due today, open: not yet counted).
        assert_eq!((o.steps_due, o.steps_on_time), (13, 12));
        assert_eq!(f.branch, *o);
        let m = &f.staff[&s("2001")];
        assert_eq!((m.received, m.clients, m.repeat), (3, 400, 1));
        assert_eq!(m.per_thousand_tenths(), Some(75));
        // B was resolved, finally, by the outlet head; A by 2001.
        assert_eq!((m.closed, m.closed_within_level), (1, 1));
        assert_eq!(f.staff[&s("1001")].closed, 1);
        assert_eq!((f.staff[&s("1001")].feedback, f.staff[&s("1001")].satisfied), (1, 1));
        assert_eq!((m.feedback, m.satisfied), (2, 1));
        // 受理 runs belong to the receiver 2002: three, all on time.
        assert_eq!((f.staff[&s("2002")].steps_due, f.staff[&s("2002")].steps_on_time), (3, 3));
    }
}
