//! The one API. One list below defines every request: it becomes the `Request`/`Response` enums
//! (serde values the branch server carries over its socket), the `Api` trait the TUI and CLI
//! call, and the service's dispatch. Adding a call means adding one line here and one method on
//! `Service` with the same name.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ContactRecord;
use super::audit::{AuditVerdict, SealInitOutcome};
use super::backup::BackupImage;
use super::complaints::{ComplaintDetail, ComplaintFiguresView, ComplaintFilter, ComplaintRow, StepMove};
use super::imports::{ClientRecord, HoldingsRecord, StaffRecord};
use super::today::TodayView;
use super::views::*;
use super::{Service, ServiceError};
use crate::domain::complaint::{ComplaintDraft, ComplaintId, NewComplaint, ServiceLevels};
use crate::domain::results::BranchTotal;
use crate::domain::{
    AuditRecord, ClientNo, ContactDraft, LaunchId, OutletId, Quarter, Rules, Segment, Sensitive, Staff,
    StaffNo, Sticker,
};
use crate::store::CheckReport;

macro_rules! api {
    ($( $(#[$doc:meta])* fn $method:ident($variant:ident $(, $arg:ident: $ty:ty)*) -> $out:ty; )+) => {
        /// A request from a user's session; the acting staff member travels beside it.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum Request {
            $( $(#[$doc])* $variant { $($arg: $ty),* } ),+
        }

        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum Response {
            $( $variant($out) ),+
        }

        /// Changes whenever a request's name, arguments or answer type changes in the list below.
        /// The branch server and its clients compare it when they connect, so a client built from
        /// a different list is told to upgrade instead of sending requests the server misreads.
        pub const API_FINGERPRINT: u32 =
            fnv1a(concat!($( stringify!($variant $(, $arg: $ty)* -> $out), ";" ),+));

        impl Request {
            /// The request's name, for logs and the audit trail.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Request::$variant { .. } => stringify!($method) ),+
                }
            }
        }

        /// What a session can ask. Implemented in-process (`Session`) and over the branch
        /// server's socket; callers cannot tell which.
        pub trait Api {
            fn call(&self, req: Request) -> Result<Response, ServiceError>;

            /// The in-process session, when this is one: work too large for one request (an
            /// import of a whole register) is then done on the service directly.
            fn embedded(&self) -> Option<&Session> {
                None
            }

            /// A backup as `start_backup` makes it, its file written to `out` part by part
            /// (`backup_part`), so neither side holds the whole image; a plaintext image's
            /// SHA-256 is checked as it arrives. The image returned has `bytes` empty.
            fn backup_into(
                &self,
                recipients: Vec<String>,
                plaintext: bool,
                out: &mut dyn std::io::Write,
            ) -> Result<BackupImage, ServiceError> {
                let image = self.start_backup(recipients, plaintext)?;
                super::backup::fetch_backup(self, &image, out)?;
                Ok(image)
            }

            /// A backup with its whole file in `bytes` (`backup_into` into memory): for tests
            /// and small stores.
            fn backup(&self, recipients: Vec<String>, plaintext: bool) -> Result<BackupImage, ServiceError> {
                let mut bytes = Vec::new();
                let mut image = self.backup_into(recipients, plaintext, &mut bytes)?;
                image.bytes = bytes;
                Ok(image)
            }

            $(
                $(#[$doc])*
                fn $method(&self $(, $arg: $ty)*) -> Result<$out, ServiceError> {
                    match self.call(Request::$variant { $($arg),* })? {
                        Response::$variant(v) => Ok(v),
                        _ => Err(ServiceError::Transport(format!(
                            "服务返回了与请求 {} 不符的应答", stringify!($method)
                        ))),
                    }
                }
            )+
        }

        impl Service {
            pub(super) fn dispatch(&self, actor: &Staff, req: Request) -> Result<Response, ServiceError> {
                match req {
                    $( Request::$variant { $($arg),* } => self.$method(actor $(, $arg)*).map(Response::$variant) ),+
                }
            }
        }
    };
}

api! {
    /// Who is logged in and how their roster stands against the quota.
    fn whoami(WhoAmI) -> Me;
    /// The daily work list: overdue and due callbacks, this quarter's notifications, launches, gaps.
    fn today(Today) -> TodayView;
    /// A roster (the actor's own unless a manager names another).
    fn roster(Roster, of: Option<StaffNo>, sort: RosterSort, filter: RosterFilter) -> RosterPage;
    fn client(Client, no: ClientNo) -> ClientCard;
    /// The maintainer opened their client's card: colleagues' contacts so far are seen and
    /// leave Today's 同事代为联系. Does nothing for someone else's client.
    fn seen_colleague_contacts(SeenColleagueContacts, no: ClientNo) -> ();
    /// Shows one masked field in full; audited. Assets are yuan ("1,234,567.89"); a field with
    /// nothing in it (an unknown balance, no phone) is the empty string.
    fn reveal(Reveal, no: ClientNo, field: Sensitive) -> String;
    fn search(Search, query: String, limit: u32) -> super::search::SearchResults;
    /// `search` for a script (`mingdan search`): the same masked results, leaving the app, so
    /// audited as an export of search results.
    fn search_export(SearchExport, query: String, limit: u32) -> super::search::SearchResults;
    fn log_contact(LogContact, draft: ContactDraft) -> Logged;
    /// Launches still running, for the contact form's product choice.
    fn running_launches(RunningLaunches) -> Vec<LaunchRef>;
    /// Keeps an unfinished contact form as the actor's draft for its client (one per client),
    /// so a dropped connection does not lose it; not audited.
    fn save_draft(SaveDraft, draft: ContactDraft) -> ();
    /// The actor's draft for client `no`, offered when that client's form opens.
    fn draft(Draft, no: ClientNo) -> Option<ContactDraft>;
    /// All the actor's drafts, most recently kept first; offered at start-up.
    fn drafts(Drafts) -> Vec<ContactDraft>;
    /// Throws the actor's draft for client `no` away unsent; audited once.
    fn discard_draft(DiscardDraft, no: ClientNo) -> ();
    /// Every staff member's drafts, readable or not; admin only.
    fn all_drafts(AllDrafts) -> Vec<DraftRow>;
    /// Discards staff member `of`'s drafts (all, or only `client`'s) even if they cannot be
    /// read; admin only, one audit record each. Returns how many were discarded.
    fn discard_draft_of(DiscardDraftOf, of: StaffNo, client: Option<ClientNo>) -> u32;
    fn set_plan(SetPlan, no: ClientNo, plan: String) -> ();
    /// Keeps the plan being edited (unsent, not audited) until saved or discarded.
    fn save_plan_draft(SavePlanDraft, no: ClientNo, text: String) -> ();
    fn plan_draft(PlanDraft, no: ClientNo) -> Option<String>;
    /// Throws the kept plan text away; audited once.
    fn discard_plan_draft(DiscardPlanDraft, no: ClientNo) -> ();
    /// Puts the VIP label on (on `on`, a past day allowed; None: the kept date or today) or
    /// takes it back, keeping its date; see `Service::set_sticker`.
    fn set_sticker(SetSticker, no: ClientNo, done: bool, on: Option<NaiveDate>) -> Sticker;
    /// Puts a client's sticker back exactly as `was` (undo), a missing date included.
    fn restore_sticker(RestoreSticker, no: ClientNo, was: Sticker) -> Sticker;
    fn list_staff(ListStaff) -> Vec<Staff>;
    fn save_staff(SaveStaff, staff: Staff) -> ();
    fn import_staff(ImportStaff, rows: Vec<StaffRecord>, source: String, dry_run: bool) -> ImportOutcome;
    fn import_clients(ImportClients, rows: Vec<ClientRecord>, source: String, dry_run: bool, new_outlets: Vec<OutletId>) -> ImportOutcome;
    fn import_holdings(ImportHoldings, rows: Vec<HoldingsRecord>, source: String, dry_run: bool) -> ImportOutcome;
    fn import_contacts(ImportContacts, rows: Vec<ContactRecord>, source: String, dry_run: bool) -> ImportOutcome;
    /// Gives clients to a maintainer (or takes them off any roster with `to: None`); an outlet
    /// head only inside their outlet (client, present maintainer and receiver).
    fn assign(Assign, clients: Vec<ClientNo>, to: Option<StaffNo>, reason: String) -> u32;
    fn launch_product(LaunchProduct, name: String, description: String, deadline: NaiveDate) -> LaunchRef;
    /// Corrects a launch's name, description and deadline (the deadline only while it runs);
    /// audited. An outlet head only their outlet's launches.
    fn correct_launch(CorrectLaunch, id: LaunchId, name: String, description: String, deadline: NaiveDate) -> LaunchRef;
    /// Withdraws a running launch: its open recommendations are cancelled, done ones stay;
    /// audited with `reason`. Returns how many were cancelled.
    fn withdraw_launch(WithdrawLaunch, id: LaunchId, reason: String) -> u32;
    fn rules(GetRules) -> Rules;
    /// Saves `rules`, edited from `was` (refused if the stored rules are no longer `was`);
    /// branch-level managers only.
    fn set_rules(SetRules, rules: Rules, was: Rules) -> ();
    /// A roster export (`of`'s, or every roster a manager may see), audited with `file` (where
    /// the client writes it, `-` for standard output), the row count and whether it is unmasked.
    fn export_roster(ExportRoster, of: Option<StaffNo>, unmasked: bool, file: String) -> Table;
    /// Contacts from `from` to `to`, audited like `export_roster`.
    fn export_contacts(ExportContacts, from: NaiveDate, to: NaiveDate, file: String) -> Table;
    fn check(Check) -> CheckReport;
    /// The audit trail, newest first.
    fn audit(Audit, filter: AuditFilter) -> Vec<AuditRecord>;
    /// Walks the audit chain; with `key` (the verification key's text) checks every seal
    /// against its own epoch's key. Administrators only.
    fn verify_audit(VerifyAudit, key: Option<String>) -> AuditVerdict;
    /// Starts forward-secure sealing of the audit, once, with epochs of `epoch_secs` seconds;
    /// returns the verification key, shown this once. Administrators only.
    fn seal_init(SealInit, epoch_secs: u64) -> SealInitOutcome;
    /// Quota coverage and execution for a quarter (this one if none), by outlet and staff.
    fn coverage(Coverage, quarter: Option<Quarter>) -> CoverageView;
    /// Clients with no maintainer, each with a suggested maintainer, within the actor's scope:
    /// gold and above and 提升 candidates, or with `segment` every client of that segment
    /// (维护/提升/拓展/他行, prospects below gold too).
    fn unassigned(Unassigned, segment: Option<Segment>) -> Vec<UnassignedRow>;
    /// Who should take each client (`domain::suggest`): by value, own outlet first, furthest below
    /// quota, never its current maintainer, within the actor's scope.
    fn suggest_maintainers(SuggestMaintainers, clients: Vec<ClientNo>) -> Vec<(ClientNo, Option<StaffRef>)>;
    /// Moves each client, all now with `from` (None: unassigned), to the staff member paired with it.
    fn assign_pairs(AssignPairs, pairs: Vec<(ClientNo, StaffNo)>, from: Option<StaffNo>, reason: String) -> u32;
    /// What moves (a client to a staff member, or off every roster) would do, before they are
    /// made: the quota effect on each roster and which moves cross outlets. Refused, like the
    /// moves themselves, outside the actor's scope.
    fn assign_preview(AssignPreview, pairs: Vec<(ClientNo, Option<StaffNo>)>) -> MovePreview;
    fn launches(Launches) -> Vec<LaunchSummary>;
    fn results(Results, quarter: Option<Quarter>) -> ResultsView;
    /// The clients behind one figure of a quarter's results (the drill-down); managers.
    fn results_clients(ResultsClients, quarter: Option<Quarter>, figure: ResultsFigure) -> Vec<DrillRow>;
    /// 员工绩效: each staff member's coverage and results for a quarter (this one if none).
    fn performance(Performance, quarter: Option<Quarter>) -> PerformanceView;
    /// 员工绩效 of the eight quarters ending with `quarter` (this one when `None`), oldest first;
    /// managers.
    fn performance_trend(PerformanceTrend, quarter: Option<Quarter>) -> Vec<PerformancePoint>;
    /// The monthly 全行个人客户数 entered, oldest month first; managers.
    fn branch_totals(BranchTotals) -> Vec<BranchTotal>;
    /// Enters 全行个人客户数 of `month` (with core banking's gold-and-above count when known),
    /// replacing that month's figure (returned); `gold_plus` None keeps the count the month
    /// already has. Branch-level managers only, audited.
    fn set_branch_total(SetBranchTotal, month: NaiveDate, personal_clients: u32, gold_plus: Option<u32>, source: String) -> Option<u32>;
    /// A report for management; audited as an export naming `file` (`-`: standard output).
    fn report(MakeReport, kind: ReportKind, quarter: Option<Quarter>, file: String) -> Report;
    /// Moves whenever anything is written by any session; screens poll it to show other
    /// sessions' changes without a keypress.
    fn changes(Changes) -> u64;
    /// A point-in-time copy of the whole store with its checksum; admin only. Audited by
    /// `backup_saved` once the copy is in its file, not before.
    /// Encrypted to `recipients` (age public keys), else to the branch's configured ones;
    /// `plaintext` makes an unencrypted one. Refused with neither.
    /// The image is made into a file on the server (writers wait only while the store is
    /// copied) and travels in parts (`backup_part`); `bytes` is empty: `backup` and
    /// `backup_into` fetch it.
    fn start_backup(Backup, recipients: Vec<String>, plaintext: bool) -> BackupImage;
    /// Up to one part of the backup file `checksum` names (from `start_backup`, same staff
    /// member, this server run), from byte `offset`; admin only.
    fn backup_part(BackupPart, checksum: String, offset: u64) -> Vec<u8>;
    /// Records in the audit that the backup whose image has SHA-256 `checksum` (hex, from
    /// `backup`, same staff member, this server run) is now complete in `file`; admin only.
    /// Refused for a checksum this service did not hand out.
    fn backup_saved(BackupSaved, file: String, checksum: String) -> ();
    /// The branch's backup recipients (age public keys); admin only.
    fn backup_recipients(BackupRecipients) -> Vec<String>;
    /// Replaces the branch's backup recipients; admin only, audited.
    fn set_backup_recipients(SetBackupRecipients, recipients: Vec<String>) -> ();
    /// The data key file encrypted to `recipients` (else the configured ones), an age file to
    /// keep off the server; admin only, audited with `file` (absolute path or `-`) as target.
    fn export_key(ExportKey, recipients: Vec<String>, file: String) -> Vec<u8>;
    /// Records a complaint (受理); any staff member, audited. 分类 starts with `new.owner`, else
    /// the client's maintainer, else the receiver.
    fn receive_complaint(ReceiveComplaint, new: NewComplaint) -> ComplaintRow;
    /// Keeps an unfinished receive form as the actor's draft for its client (one per client);
    /// not audited. Refused: unknown client, over-long text, control characters.
    fn save_complaint_draft(SaveComplaintDraft, form: NewComplaint) -> ();
    /// The actor's unfinished receive form for client `no`, offered when that form opens again.
    fn complaint_draft(ComplaintDraftOf, no: ClientNo) -> Option<ComplaintDraft>;
    /// The actor's unfinished receive forms, most recently kept first; named at start-up.
    fn complaint_drafts(ComplaintDrafts) -> Vec<ComplaintDraft>;
    /// Throws the actor's unfinished receive form for client `no` away; audited once.
    fn discard_complaint_draft(DiscardComplaintDraft, no: ClientNo) -> ();
    /// Who may take the step after a complaint's open one, the default (its owner) first; the
    /// step's owner or a manager in scope.
    fn next_owners(NextOwners, id: ComplaintId) -> Vec<StaffRef>;
    /// Finishes the open step of a complaint with a note; its owner or a manager in scope;
    /// audited. 反馈 needs the client's view; 不满意 reopens 处理 with the outlet head.
    fn advance_complaint(AdvanceComplaint, id: ComplaintId, step: StepMove) -> ComplaintRow;
    /// Gives a complaint's open step to someone else, with a reason; managers in scope; audited.
    fn reassign_complaint(ReassignComplaint, id: ComplaintId, to: StaffNo, reason: String) -> ComplaintRow;
    /// The complaints the actor may see that `filter` picks, overdue first.
    fn complaints(Complaints, filter: ComplaintFilter) -> Vec<ComplaintRow>;
    /// One complaint with its full history, if the actor may see it.
    fn complaint(Complaint, id: ComplaintId) -> ComplaintDetail;
    /// Service-quality figures for a quarter (this one if none), within the actor's scope; managers.
    fn complaint_figures(ComplaintFigures, quarter: Option<Quarter>) -> ComplaintFiguresView;
    /// The complaint service levels (working days per step and severity).
    fn service_levels(ServiceLevels) -> ServiceLevels;
    /// Replaces the service levels, edited from `was`; branch-level managers only, audited.
    fn set_service_levels(SetServiceLevels, levels: ServiceLevels, was: ServiceLevels) -> ();
}

const fn fnv1a(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut hash = 0x811c_9dc5_u32;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

/// An in-process session: the embedded store, acting as one staff member.
pub struct Session {
    service: std::sync::Arc<Service>,
    actor: StaffNo,
}

impl Session {
    pub fn new(service: std::sync::Arc<Service>, actor: StaffNo) -> Session {
        Session { service, actor }
    }

    /// The service this session speaks to, for the front end's own housekeeping on closing
    /// (`Service::keep_search_index`).
    pub fn service(&self) -> &std::sync::Arc<Service> {
        &self.service
    }

    /// Starts building the search index now, for a front end its user will search from
    /// (`Service::start_search`).
    pub fn start_search(&self) {
        self.service.start_search();
    }

    /// Runs the daily housekeeping on a background thread (`Service::housekeep_in_background`),
    /// for the embedded TUI.
    pub fn housekeep_in_background(&self) {
        self.service.housekeep_in_background();
    }

    /// Imports a client register read row by row (`Service::import_clients_from`), as this
    /// session's staff member.
    pub fn import_clients_from(
        &self,
        rows: &mut dyn Iterator<Item = super::imports::ClientRecord>,
        run: super::imports::ImportRun<'_>,
        new_outlets: &[OutletId],
    ) -> Result<ImportOutcome, ServiceError> {
        let staff = self.service.acting(&self.actor)?;
        self.service.before_request()?;
        self.service.import_clients_from(&staff, rows, run, new_outlets)
    }
}

impl Api for Session {
    fn call(&self, req: Request) -> Result<Response, ServiceError> {
        self.service.handle(&self.actor, req)
    }

    fn embedded(&self) -> Option<&Session> {
        Some(self)
    }
}
