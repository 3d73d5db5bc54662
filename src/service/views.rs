//! What the service returns: plain values with sensitive fields already masked as the acting
//! staff member may see them. Screens, the CLI and the socket carry these unchanged.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::coverage::Ratio;
use crate::domain::quota::Standing;
use crate::domain::{
    CardTier, ClientClass, ClientNo, ClientStatus, Contact, DueBucket, Fen, Gender, Holdings, LaunchId,
    OutletId, Requirement, Segment, Staff, StaffNo, Sticker, TaskId, TaskKind,
};

/// A balance as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Amount {
    /// Masked to a band ("10-50万"); a reveal shows the figure.
    Band(crate::domain::mask::Band),
    Exact(Fen),
    /// 未知: core banking has not reported the balance yet. Shown as such, never as 0 or a band.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRef {
    pub no: StaffNo,
    pub name: String,
}

/// Who is logged in, and where they stand against their quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub staff: Staff,
    pub standing: Standing,
    pub today: NaiveDate,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RosterSort {
    /// Soonest callback first (overdue at the top); what a maintainer works down each day.
    #[default]
    NextCallback,
    /// Largest balances first.
    Assets,
    /// Longest without contact first.
    LastContact,
    Name,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterFilter {
    pub class: Option<ClientClass>,
    pub segment: Option<Segment>,
    /// Only clients missing this requirement.
    pub gap: Option<Requirement>,
    /// Only clients of this status (沉睡, to reactivate).
    pub status: Option<crate::domain::ClientStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    pub no: ClientNo,
    pub name: String,
    pub tier: CardTier,
    pub class: ClientClass,
    pub segment: Segment,
    pub assets: Amount,
    pub last_contact: Option<NaiveDate>,
    pub next_callback: Option<NaiveDate>,
    pub sticker: bool,
    pub gaps: Vec<Requirement>,
    pub status: ClientStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterPage {
    pub of: StaffRef,
    pub standing: Standing,
    /// Clients on the roster before the filter; `rows` is what the filter kept.
    pub total: u32,
    pub rows: Vec<RosterRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    pub no: ClientNo,
    pub name: String,
    pub gender: Gender,
    pub phone: String,
    pub id_number: String,
    /// Month and day only: the year is part of the masked ID number and is shown only on its
    /// reveal, so no view carries it.
    pub birthday: Option<MonthDay>,
    pub outlet: OutletId,
    pub tier: CardTier,
    pub assets: Amount,
    pub class: ClientClass,
    pub segment: Segment,
    pub maintainer: Option<StaffRef>,
    pub sticker: Sticker,
    pub holdings: Holdings,
    pub plan: String,
    pub status: ClientStatus,
    pub last_contact: Option<NaiveDate>,
    pub next_callback: Option<NaiveDate>,
}

/// A birthday without its year, as cards show it ("12-31"): enough to greet a client on the day,
/// not enough to complete a masked ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthDay {
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

impl MonthDay {
    pub fn of(date: NaiveDate) -> MonthDay {
        use chrono::Datelike;
        // A month is at most 12 and a day at most 31, so neither conversion can fail.
        MonthDay { month: date.month() as u8, day: date.day() as u8 }
    }
}

impl std::fmt::Display for MonthDay {
    /// "12-31".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub contact: Contact,
    pub by: StaffRef,
    pub launch_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: TaskId,
    pub client_name: String,
    pub client_tier: CardTier,
    pub client_class: ClientClass,
    pub due: NaiveDate,
    pub bucket: DueBucket,
    /// For a launch task, the product's name.
    pub launch_name: Option<String>,
    /// A callback whose date was agreed with the client (`Task::agreed`).
    pub agreed: bool,
    /// For a callback on Today or a client card, the tries that did not reach the client
    /// (`task::attempts`); None elsewhere and when there were none.
    #[serde(default)]
    pub attempts: Option<crate::domain::Attempts>,
}

impl TaskView {
    pub fn kind(&self) -> TaskKind {
        self.id.kind
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCard {
    pub client: ClientView,
    pub checklist: Vec<(Requirement, bool)>,
    /// Newest first.
    pub contacts: Vec<ContactView>,
    pub open_tasks: Vec<TaskView>,
    /// The viewer maintains this client (and so may edit its plan).
    pub mine: bool,
    /// The outlet of the client's maintainer (who is `client.maintainer`), so a form for a
    /// colleague's client can say whose it is; None when unassigned or the maintainer is unknown.
    pub maintainer_outlet: Option<crate::domain::OutletId>,
    /// Days between regular callbacks for this client's class; the contact form suggests the
    /// next callback this far ahead.
    pub callback_days: u16,
    /// Any contact that reaches the client counts as the callback (`Rules::any_contact_resets_callback`),
    /// so the contact form suggests a next callback whatever the purpose.
    pub any_contact_resets_callback: bool,
    pub may_edit_plan: bool,
    pub may_set_sticker: bool,
    /// Satisfaction scores by quarter, the last four, oldest first (`contact::satisfaction_trend`).
    #[serde(default)]
    pub satisfaction: Vec<crate::domain::contact::QuarterScore>,
    /// The client's complaints the viewer may see, newest first.
    #[serde(default)]
    pub complaints: Vec<super::complaints::ComplaintRow>,
}

/// A launch the contact form can offer for 新品推介.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchRef {
    pub id: LaunchId,
    pub name: String,
    pub deadline: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logged {
    pub contact: crate::domain::ContactId,
    /// The tasks this contact completed.
    pub completed: Vec<TaskView>,
    pub next_callback: Option<NaiveDate>,
    pub logged_at: NaiveDateTime,
}

/// What an import did, or would do on a dry run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub written: bool,
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub problems: Vec<RowProblem>,
    /// What the service decided that the user should hear of: a number matched without its
    /// leading zeros, a new outlet.
    pub notes: Vec<RowProblem>,
    /// What the import changes (or would change), grouped: every change counted, the first
    /// lines of each kind listed (`ChangeGroup::total` says how many there are).
    pub changes: Vec<ChangeGroup>,
}

/// Changes of one kind an import makes: 维护人, 卡级别, 新网点 …, one line per client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeGroup {
    pub what: String,
    /// How many clients change so; `lines` lists the first of them (all of them up to a
    /// thousand, see `imports::CHANGE_LINES_KEPT`).
    pub total: u64,
    /// "6201000001 张伟：1002 吴霞 → 1001 石玉兰"; sensitive values masked.
    pub lines: Vec<String>,
}

/// One bad cell or row of an input file: line number as the spreadsheet shows it (header = 1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RowProblem {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl RowProblem {
    /// A problem (or a note) on `line` (0: the file as a whole) in `column` (empty: the row).
    pub fn new(line: u64, column: &str, reason: impl Into<String>) -> RowProblem {
        RowProblem { line, column: column.to_string(), reason: reason.into() }
    }
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Line 0 is the file as a whole (an unused --new-outlet, say).
        if self.line == 0 {
            if self.column.is_empty() {
                write!(f, "{}", self.reason)
            } else {
                write!(f, "{}：{}", self.column, self.reason)
            }
        } else if self.column.is_empty() {
            write!(f, "第 {} 行：{}", self.line, self.reason)
        } else {
            write!(f, "第 {} 行，{}：{}", self.line, self.column, self.reason)
        }
    }
}

/// One staff member's kept contact draft for one client, as an administrator sees it in `mingdan drafts list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftRow {
    /// The 工号 the draft belongs to, as stored.
    pub staff: String,
    /// The staff member's name, when they are in the staff list.
    pub staff_name: Option<String>,
    /// The client the draft is about; `None` when it cannot be told (an unreadable draft from
    /// before drafts were kept per client).
    pub client: Option<crate::domain::ClientNo>,
    /// Length of the note in characters (the note itself is the staff member's work in progress).
    pub note_chars: u64,
    /// When it was last kept (branch time); None when unknown (kept before schema 4, or unreadable).
    pub saved_at: Option<chrono::NaiveDateTime>,
    /// Why the record cannot be read (a Chinese sentence), if it cannot; it can still be discarded.
    pub unreadable: Option<String>,
}

/// Which audit records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// 工号 of the actor ("system" for housekeeping).
    pub actor: Option<String>,
    pub action: Option<crate::domain::AuditAction>,
    /// Branch-local dates, both included.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Client number, file name or other target, matched exactly.
    pub target: Option<String>,
    pub limit: u32,
}

/// A table for export, with Chinese headers; the CLI writes it as CSV or XLSX.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    /// The title row written above the headers: whose figures, what, which period and
    /// "截至 YYYY-MM-DD" (see `heading`). Our importers look for the header in the first 15
    /// rows, so a file with this row reads back as before.
    pub heading: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a quarter's figures rest on, so a screen or report can say it next to "截至".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FigureBasis {
    /// This quarter, as of today.
    Current,
    /// A past quarter as frozen at its end (`domain::past`): rosters, quotas, tiers and task
    /// outcomes as they stood then. Until `window_closes` a contact dated inside the quarter and
    /// logged late still completes its task; `settled` once that window has closed.
    Frozen { settled: bool, window_closes: NaiveDate },
    /// A past quarter that ended before mingdan froze quarters (a store from before): tasks are
    /// counted as of its last day, but rosters, quotas, tiers and the gold-and-above share are as
    /// they were on `today`.
    Recomputed { today: NaiveDate },
}

impl FigureBasis {
    /// "截至 2026-09-30", followed for a past quarter by what the figures rest on, in Chinese.
    pub fn as_of_line(self, as_of: NaiveDate) -> String {
        match self {
            FigureBasis::Current => format!("截至 {as_of}"),
            FigureBasis::Frozen { settled: true, .. } => {
                format!("截至 {as_of}（季末留存的名单、配额和任务结果）")
            }
            FigureBasis::Frozen { settled: false, window_closes } => {
                format!("截至 {as_of}（季末留存的名单和配额；{window_closes} 前补记的季度内联系仍会计入）")
            }
            FigureBasis::Recomputed { today } => format!(
                "截至 {as_of}（任务按季末计算；名单、配额、客户级别为 {today} 的现状，该季度结束时尚未留存季末数据）"
            ),
        }
    }

    /// `as_of_line` for 成效, whose register, churn and conversion of a past quarter are counted
    /// from the dated change record (or its last import snapshot) as of its end, frozen or not.
    pub fn results_as_of_line(self, as_of: NaiveDate) -> String {
        match self {
            FigureBasis::Recomputed { .. } => {
                format!("截至 {as_of}（按季末的导入快照和客户变化记录计算；该季度结束时尚未留存季末数据）")
            }
            basis => basis.as_of_line(as_of),
        }
    }
}

/// Quota coverage and execution figures for a quarter, by outlet and staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageView {
    pub quarter: crate::domain::Quarter,
    pub today: NaiveDate,
    /// The date the figures are as of: today, or a past quarter's last day.
    pub as_of: NaiveDate,
    pub basis: FigureBasis,
    pub outlets: Vec<crate::domain::coverage::OutletCoverage>,
    /// The branch as a whole: every outlet summed.
    pub branch: crate::domain::coverage::Figures,
    pub branch_average: crate::domain::quota::OutletAverage,
    pub below_quota: u32,
}

/// 员工绩效 for a quarter: each staff member's coverage (as `CoverageView` counts it) beside the
/// results among the clients they held when the quarter began, and their contacts' satisfaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerformanceView {
    pub coverage: CoverageView,
    /// Per 工号; anyone listed in `coverage` has an entry.
    pub staff: std::collections::BTreeMap<StaffNo, StaffResults>,
    /// Per outlet, the sum of its staff members' entries.
    pub outlets: std::collections::BTreeMap<crate::domain::OutletId, StaffResults>,
    /// Whether who held each client at the quarter's start was taken from the previous quarter's
    /// frozen rosters; false when none were frozen, and today's maintainers stood in for them.
    pub holders_frozen: bool,
    /// When they were not: whether the quarter's own frozen end rosters stood in (a past quarter
    /// frozen at its end), rather than today's maintainers.
    #[serde(default)]
    pub holders_at_end: bool,
}

/// One quarter of 员工绩效's trend (`Service::performance_trend`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerformancePoint {
    pub quarter: crate::domain::Quarter,
    /// The day its figures are as of: the quarter's last day, or today for this quarter.
    pub as_of: NaiveDate,
    /// Per 工号: everyone 员工绩效 listed that quarter.
    pub staff: std::collections::BTreeMap<StaffNo, StaffPoint>,
    pub outlets: std::collections::BTreeMap<crate::domain::OutletId, StaffPoint>,
}

/// One person's (or outlet's) execution figures and results in one quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPoint {
    pub figures: crate::domain::coverage::Figures,
    pub results: StaffResults,
}

/// One staff member's (or outlet's) results in a quarter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffResults {
    /// Churn, conversion and gold gained among the clients held at the quarter's start
    /// (`results::movement_by`): a handover cannot move them.
    pub movement: crate::domain::results::Movement,
    /// Contacts they logged dated in the quarter up to `as_of`.
    pub contacts: u32,
    /// Satisfaction scores (1–5) given in those contacts: their sum and how many.
    pub satisfaction_sum: u32,
    pub satisfaction_count: u32,
    /// 名下资产变化 of the clients held at the quarter's start (`results::roster_assets_by`).
    #[serde(default)]
    pub assets: crate::domain::results::RosterAssets,
}

impl StaffResults {
    pub fn add(&mut self, o: &StaffResults) {
        self.movement.add(&o.movement);
        self.contacts += o.contacts;
        self.satisfaction_sum += o.satisfaction_sum;
        self.satisfaction_count += o.satisfaction_count;
        self.assets.add(&o.assets);
    }

    /// Average satisfaction in tenths (4.3 = 43), rounded half up; `None` with no score.
    pub fn satisfaction_tenths(&self) -> Option<u32> {
        (self.satisfaction_count > 0)
            .then(|| (self.satisfaction_sum * 10 + self.satisfaction_count / 2) / self.satisfaction_count)
    }
}

/// A client nobody maintains yet, with who should take them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnassignedRow {
    pub no: ClientNo,
    pub name: String,
    pub tier: CardTier,
    pub segment: Segment,
    pub assets: Amount,
    pub outlet: OutletId,
    pub suggested: Option<StaffRef>,
    /// The suggested person works at another outlet than the client's (no one fitting was
    /// found at its own); the confirmation warns before such a move.
    pub cross_outlet: bool,
}

/// What a batch of moves would do, shown before the manager confirms it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovePreview {
    /// Each roster involved against its quota.
    pub effects: Vec<QuotaEffect>,
    /// Moves that give a client to someone at another outlet than the client's.
    pub cross_outlet: Vec<CrossOutlet>,
}

/// One client going to a maintainer at another outlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossOutlet {
    pub client: ClientNo,
    pub client_name: String,
    pub client_outlet: OutletId,
    pub staff: StaffRef,
    pub staff_outlet: OutletId,
}

/// How a move changes one staff member's roster against their quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaEffect {
    pub staff: StaffRef,
    pub minimum: u32,
    pub before: u32,
    pub after: u32,
}

impl QuotaEffect {
    /// Where the staff member stands against their quota once the moves are made.
    pub fn standing_after(&self) -> Standing {
        Standing { size: self.after, minimum: self.minimum }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchSummary {
    pub launch: LaunchRef,
    pub description: String,
    pub launched: NaiveDate,
    /// Days to the deadline counting today; None once it has passed or it was withdrawn.
    pub days_left: Option<i64>,
    /// The day it was withdrawn (撤回), if it was.
    pub withdrawn: Option<NaiveDate>,
    /// Recommendations made of those owed.
    pub pitched: Ratio,
}

/// One month of the results trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthPoint {
    /// First day of the month.
    pub month: NaiveDate,
    /// From the last snapshot taken in the month, if any.
    pub gold_plus: Option<u32>,
    pub contacts: u32,
    /// Average satisfaction in tenths (46 = 4.6), if any was recorded.
    pub satisfaction_tenths: Option<u32>,
}

/// A figure of 成效 whose clients can be listed (the drill-down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultsFigure {
    /// Gold and above, not lost, on the day the figures are as of.
    GoldPlus,
    /// 流失 in the quarter (`results::Moved::Lost`).
    Lost,
    /// 降级 in the quarter.
    Downgraded,
    /// 提升 clients reaching gold in the quarter.
    UpliftWon,
    /// 拓展/他行 prospects won in the quarter.
    ProspectsWon,
    /// 沉睡 on the day the figures are as of.
    Dormant,
}

impl ResultsFigure {
    pub const ALL: [ResultsFigure; 6] = [
        ResultsFigure::GoldPlus,
        ResultsFigure::Lost,
        ResultsFigure::Downgraded,
        ResultsFigure::UpliftWon,
        ResultsFigure::ProspectsWon,
        ResultsFigure::Dormant,
    ];

    /// The figure's name in reports.
    pub fn label(self) -> &'static str {
        match self {
            ResultsFigure::GoldPlus => "金卡以上客户",
            ResultsFigure::Lost => "流失",
            ResultsFigure::Downgraded => "降级",
            ResultsFigure::UpliftWon => "提升转化",
            ResultsFigure::ProspectsWon => "潜在客户转化",
            ResultsFigure::Dormant => "沉睡客户",
        }
    }
}

/// One client behind a figure of 成效: who it is, who maintains it now, and how it stood at the
/// quarter's start (`None`: not yet a client) and on the day the figures are as of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillRow {
    pub no: ClientNo,
    pub name: String,
    pub outlet: crate::domain::OutletId,
    /// Who held the client on the day the figures are as of: for a frozen past quarter, its
    /// end rosters; otherwise today's maintainer.
    pub maintainer: Option<StaffRef>,
    pub start: Option<crate::domain::results::ClientState>,
    pub end: crate::domain::results::ClientState,
}

/// One quarter of the results trend (成效's last eight quarters, oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterPoint {
    pub quarter: crate::domain::Quarter,
    /// The register at the quarter's end: its last import snapshot, else counted from the change
    /// record on its last day; the viewed quarter's is `ResultsView::now`.
    pub register: crate::domain::results::Snapshot,
    /// Gold-and-above share of the branch total entered for the quarter's end; of `register`
    /// when the branch has never entered one; none for a quarter before the first entered total
    /// (one denominator per trend).
    pub share: crate::domain::results::AgainstTarget,
    pub movement: crate::domain::results::Movement,
    /// Contacts dated in the quarter, and their average satisfaction in tenths.
    pub contacts: u32,
    pub satisfaction_tenths: Option<u32>,
}

/// Branch results (成效) for a quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsView {
    pub quarter: crate::domain::Quarter,
    pub today: NaiveDate,
    /// The date the figures are as of: today, or a past quarter's last day.
    pub as_of: NaiveDate,
    pub basis: FigureBasis,
    pub now: crate::domain::results::Snapshot,
    /// Gold-and-above clients as a share of `share_of` against the 1% target (seed 001).
    pub share: crate::domain::results::AgainstTarget,
    /// What the share divides by: the entered 全行个人客户数 (`branch_total`) or, with none entered
    /// for the month or before, the clients loaded into mingdan (`now.clients`).
    pub share_of: u32,
    pub branch_total: Option<crate::domain::results::BranchTotal>,
    /// The count growth 同比 compares with: a snapshot near the same date a year before, or an
    /// entered figure of that month.
    pub year_ago: Option<crate::domain::results::Baseline>,
    /// Growth 同比 against the 15% target.
    pub growth: crate::domain::results::AgainstTarget,
    /// The count growth 较年初 compares with: at the turn of the year.
    pub year_start: Option<crate::domain::results::Baseline>,
    /// Growth since 1 January against the 15% annual target (DOMAIN.md: how it is tracked).
    pub growth_ytd: crate::domain::results::AgainstTarget,
    /// Churn (流失/降级) and conversion (提升/潜在) over the quarter to `as_of`.
    pub movement: crate::domain::results::Movement,
    /// Clients 沉睡 (dormant, not lost) on `as_of`: to be woken, not yet lost.
    pub dormant: u32,
    pub satisfaction_tenths: Option<u32>,
    pub satisfaction_count: u32,
    pub trend: Vec<MonthPoint>,
    /// The eight quarters ending with this one, oldest first; the last is this quarter's figures.
    pub quarters: Vec<QuarterPoint>,
}

/// A cell of a report: numbers stay numbers so a spreadsheet can add them up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportCell {
    Text(String),
    Int(i64),
    /// Tenths of a percent; `None` when there was nothing to count.
    Percent(Option<i64>),
    /// Hundredths (20.5 people per head = 2050).
    Decimal2(i64),
    Date(NaiveDate),
    /// A moment to the minute (a contact's 联系时间).
    DateTime(NaiveDateTime),
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<ReportCell>>,
    /// Line charts drawn beside the table in a workbook (CSV has none).
    pub charts: Vec<SheetChart>,
}

/// A line chart of one column of a sheet over its rows, the first column naming each point
/// (a quarter, say): Excel draws it natively, so it follows the cells if someone edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetChart {
    pub title: String,
    /// The column (0-based) whose values are drawn.
    pub column: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The period and the figure (`2026Q4 名单制覆盖情况`); also names the file the TUI writes.
    pub title: String,
    /// Whose figures these are: the branch, named by its outlets (see `Service::branch_name`).
    pub branch: String,
    /// The day the figures are as of: today for the current quarter, the quarter's last day for
    /// a past one.
    pub as_of: NaiveDate,
    pub sheets: Vec<ReportSheet>,
}

impl Report {
    /// The title row above `sheet`'s headers in a workbook or CSV block:
    /// `城关、东街、西街 · 2026Q4 名单制覆盖情况 · 员工 · 截至 2026-11-30` (the sheet's name
    /// only when the report has more than one).
    pub fn heading(&self, sheet: &ReportSheet) -> String {
        let part = if self.sheets.len() > 1 { format!(" · {}", sheet.name) } else { String::new() };
        heading(&self.branch, &format!("{}{part}", self.title), self.as_of)
    }
}

/// A title row: `{branch} · {what} · 截至 {as_of}`, where `what` names the figure and the period.
pub fn heading(branch: &str, what: &str, as_of: NaiveDate) -> String {
    format!("{branch} · {what} · 截至 {}", as_of.format("%Y-%m-%d"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    Coverage,
    Results,
    /// 员工绩效: coverage and results per staff member and outlet.
    Performance,
    Contacts,
    Unassigned,
    Launches,
    /// 投诉与服务质量: the quarter's complaint figures by outlet and staff, and the complaints.
    Complaints,
}

impl ReportKind {
    /// The start of an exported report's file name (`覆盖率-20261130-091500.xlsx`).
    pub fn file_stem(self) -> &'static str {
        match self {
            ReportKind::Coverage => "覆盖率",
            ReportKind::Results => "成效",
            ReportKind::Performance => "员工绩效",
            ReportKind::Contacts => "联系记录",
            ReportKind::Unassigned => "待分配客户",
            ReportKind::Launches => "新品推介",
            ReportKind::Complaints => "投诉",
        }
    }
}
