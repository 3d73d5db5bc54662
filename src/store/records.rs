//! Which domain types are stored, and under which format version.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::codec::{Record, decode, decode_payload};
use super::fields::StoredClient;
use super::{StoreError, Tree};
use crate::domain::complaint::Complaint;
use crate::domain::past::FrozenQuarter;
use crate::domain::results::{BalanceChange, Snapshot, StateChange};
use crate::domain::{
    AuditRecord, CardTier, Channel, Client, ClientClass, ClientNo, ClientStatus, Contact, ContactDraft,
    ContactId, Fen, Gender, Holdings, JobRole, LaunchId, Login, Outcome, OutletId, Permission, ProductLaunch,
    Purpose, Rules, Scope, Segment, Staff, StaffNo, Sticker, Task, TaskId, TaskState,
};

impl Record for Staff {
    const KIND: &'static str = "员工";
    /// 2: a manager's scope (本网点 / 全支行) was added.
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: StaffV1 = decode_payload(payload)?;
                Ok(Staff {
                    // Before scopes every manager managed the whole branch; outlet heads now
                    // manage their outlet, the rest (leadership) keep the branch.
                    scope: Scope::default_for(&v1.role),
                    no: v1.no,
                    name: v1.name,
                    role: v1.role,
                    outlet: v1.outlet,
                    login: v1.login,
                    permission: v1.permission,
                    active: v1.active,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `Staff` as format version 1 wrote it: no scope.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct StaffV1 {
    pub no: StaffNo,
    pub name: String,
    pub role: JobRole,
    pub outlet: OutletId,
    pub login: Option<Login>,
    pub permission: Permission,
    pub active: bool,
}

/// The plaintext client record of stores before schema 5 (format 2 and, upgraded, 1). Never
/// written to the `clients` tree any more: `StoredClient` is what is stored.
impl Record for Client {
    const KIND: &'static str = "客户";
    /// 2: average financial assets may be unknown (`None`), where version 1 stored 0.
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: ClientV1 = decode_payload(payload)?;
                Ok(Client {
                    no: v1.no,
                    name: v1.name,
                    gender: v1.gender,
                    phone: v1.phone,
                    id_number: v1.id_number,
                    birthday: v1.birthday,
                    outlet: v1.outlet,
                    tier: v1.tier,
                    // A stored 0 may have been an empty cell or a real zero balance; nothing
                    // tells them apart any more, so the value is kept as it was.
                    assets: Some(v1.assets),
                    class: v1.class,
                    segment: v1.segment,
                    maintainer: v1.maintainer,
                    sticker: v1.sticker,
                    holdings: v1.holdings,
                    plan: v1.plan,
                    status: v1.status,
                    last_contact: v1.last_contact,
                    next_callback: v1.next_callback,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// A client record as read from the `clients` tree: format 3 (schema 5 on) has its sensitive
/// fields sealed; formats 1 and 2 are the plaintext `Client` of older stores, read with those
/// fields in the clear until the schema-5 upgrade seals them.
impl Record for StoredClient {
    const KIND: &'static str = "客户";
    /// 3: 证件号码, 手机号, 生日 and 营销预案 sealed with the data key (`fields`).
    const VERSION: u16 = 3;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => <Client as Record>::upgrade(1, payload).map(StoredClient::clear),
            2 => decode_payload::<Client>(payload).map(StoredClient::clear),
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `Client` as format version 1 wrote it: assets always a figure, 0 when none was imported.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ClientV1 {
    no: ClientNo,
    name: String,
    gender: Gender,
    phone: String,
    id_number: String,
    birthday: Option<NaiveDate>,
    outlet: OutletId,
    tier: CardTier,
    assets: Fen,
    class: ClientClass,
    segment: Segment,
    maintainer: Option<StaffNo>,
    sticker: Sticker,
    holdings: Holdings,
    plan: String,
    status: ClientStatus,
    last_contact: Option<NaiveDate>,
    next_callback: Option<NaiveDate>,
}

impl Record for Contact {
    const KIND: &'static str = "联系记录";
    /// 2: a contact may have several purposes (`Contact::also`).
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: ContactV1 = decode_payload(payload)?;
                Ok(Contact {
                    id: v1.id,
                    client: v1.client,
                    by: v1.by,
                    at: v1.at,
                    channel: v1.channel,
                    purpose: v1.purpose,
                    launch: v1.launch,
                    outcome: v1.outcome,
                    note: v1.note,
                    satisfaction: v1.satisfaction,
                    next_callback: v1.next_callback,
                    logged_at: v1.logged_at,
                    also: Vec::new(),
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `Contact` as format version 1 wrote it: one purpose.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ContactV1 {
    id: ContactId,
    client: ClientNo,
    by: StaffNo,
    at: NaiveDateTime,
    channel: Channel,
    purpose: Purpose,
    launch: Option<LaunchId>,
    outcome: Outcome,
    note: String,
    satisfaction: Option<u8>,
    next_callback: Option<NaiveDate>,
    logged_at: NaiveDateTime,
}

impl Record for ContactDraft {
    const KIND: &'static str = "联系草稿";
    /// 2: a draft may have several purposes (`ContactDraft::also`).
    /// 3: a draft knows when it was last kept (`ContactDraft::saved_at`); older ones read None.
    const VERSION: u16 = 3;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: ContactDraftV1 = decode_payload(payload)?;
                Ok(ContactDraft {
                    client: v1.client,
                    at: v1.at,
                    channel: v1.channel,
                    purpose: v1.purpose,
                    launch: v1.launch,
                    outcome: v1.outcome,
                    note: v1.note,
                    satisfaction: v1.satisfaction,
                    next_callback: v1.next_callback,
                    also: Vec::new(),
                    saved_at: None,
                })
            }
            2 => {
                let v2: ContactDraftV2 = decode_payload(payload)?;
                Ok(ContactDraft {
                    client: v2.client,
                    at: v2.at,
                    channel: v2.channel,
                    purpose: v2.purpose,
                    launch: v2.launch,
                    outcome: v2.outcome,
                    note: v2.note,
                    satisfaction: v2.satisfaction,
                    next_callback: v2.next_callback,
                    also: v2.also,
                    saved_at: None,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `ContactDraft` as format version 2 wrote it: no `saved_at`.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ContactDraftV2 {
    pub client: ClientNo,
    pub at: Option<NaiveDateTime>,
    pub channel: Channel,
    pub purpose: Purpose,
    pub launch: Option<LaunchId>,
    pub outcome: Outcome,
    pub note: String,
    pub satisfaction: Option<u8>,
    pub next_callback: Option<NaiveDate>,
    pub also: Vec<crate::domain::Aim>,
}

/// `ContactDraft` as format version 1 wrote it.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ContactDraftV1 {
    client: ClientNo,
    at: Option<NaiveDateTime>,
    channel: Channel,
    purpose: Purpose,
    launch: Option<LaunchId>,
    outcome: Outcome,
    note: String,
    satisfaction: Option<u8>,
    next_callback: Option<NaiveDate>,
}

impl Record for Task {
    const KIND: &'static str = "任务";
    /// 2: a task keeps the date it first fell due, so a moved callback is still judged by it.
    /// 3: a callback knows whether its date was agreed with the client (`Task::agreed`); older
    /// ones are read as not agreed, since forms then sent a pre-filled date even when untouched.
    const VERSION: u16 = 3;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: TaskV1 = decode_payload(payload)?;
                Ok(Task {
                    id: v1.id,
                    maintainer: v1.maintainer,
                    due: v1.due,
                    first_due: v1.due,
                    created: v1.created,
                    state: v1.state,
                    agreed: false,
                })
            }
            2 => {
                let v2: TaskV2 = decode_payload(payload)?;
                Ok(Task {
                    id: v2.id,
                    maintainer: v2.maintainer,
                    due: v2.due,
                    first_due: v2.first_due,
                    created: v2.created,
                    state: v2.state,
                    agreed: false,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `Task` as format version 2 wrote it.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct TaskV2 {
    id: TaskId,
    maintainer: Option<StaffNo>,
    due: NaiveDate,
    first_due: NaiveDate,
    created: NaiveDate,
    state: TaskState,
}

/// `Task` as format version 1 wrote it.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct TaskV1 {
    id: TaskId,
    maintainer: Option<StaffNo>,
    due: NaiveDate,
    created: NaiveDate,
    state: TaskState,
}

impl Record for ProductLaunch {
    const KIND: &'static str = "新品推介";
    /// 2: a launch may be limited to one outlet (launched by its outlet head).
    /// 3: a launch may be withdrawn (撤回); none was before.
    const VERSION: u16 = 3;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: LaunchV1 = decode_payload(payload)?;
                Ok(ProductLaunch {
                    id: v1.id,
                    name: v1.name,
                    description: v1.description,
                    launched: v1.launched,
                    deadline: v1.deadline,
                    by: v1.by,
                    // Every launch before scopes reached the whole branch.
                    outlet: None,
                    withdrawn: None,
                })
            }
            2 => {
                let v2: LaunchV2 = decode_payload(payload)?;
                Ok(ProductLaunch {
                    id: v2.id,
                    name: v2.name,
                    description: v2.description,
                    launched: v2.launched,
                    deadline: v2.deadline,
                    by: v2.by,
                    outlet: v2.outlet,
                    withdrawn: None,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `ProductLaunch` as format version 2 wrote it: never withdrawn.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct LaunchV2 {
    id: LaunchId,
    name: String,
    description: String,
    launched: NaiveDate,
    deadline: NaiveDate,
    by: StaffNo,
    outlet: Option<OutletId>,
}

/// `ProductLaunch` as format version 1 wrote it: always branch-wide.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct LaunchV1 {
    id: LaunchId,
    name: String,
    description: String,
    launched: NaiveDate,
    deadline: NaiveDate,
    by: StaffNo,
}

impl Record for Rules {
    const KIND: &'static str = "配置";
    /// 2: the branch targets for gold-and-above share and growth were added.
    /// 3: the hourly limit on whole-number searches of others' clients was added.
    /// 4: the quarter-end grace for new arrivals' notices and whether any reached contact counts
    ///    as the callback were added (both take their defaults: 15 days, on), and the roles with a
    ///    dedicated-manager duty with the tier from which they apply (default 网点负责人, 大堂经理,
    ///    客户经理 from 钻石卡).
    const VERSION: u16 = 4;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        let defaults = Rules::default();
        let v3 = match version {
            1 | 2 => {
                let v2 = match version {
                    1 => {
                        let v1: RulesV1 = decode_payload(payload)?;
                        RulesV2 {
                            quotas: v1.quotas,
                            callback_days: v1.callback_days,
                            tier_floors: v1.tier_floors,
                            self_service_min_permille: v1.self_service_min_permille,
                            outlet_average_target: v1.outlet_average_target,
                            first_callback_days: v1.first_callback_days,
                            gold_share_target_permille: defaults.gold_share_target_permille,
                            gold_growth_target_permille: defaults.gold_growth_target_permille,
                        }
                    }
                    _ => decode_payload(payload)?,
                };
                RulesV3 {
                    quotas: v2.quotas,
                    callback_days: v2.callback_days,
                    tier_floors: v2.tier_floors,
                    self_service_min_permille: v2.self_service_min_permille,
                    outlet_average_target: v2.outlet_average_target,
                    first_callback_days: v2.first_callback_days,
                    gold_share_target_permille: v2.gold_share_target_permille,
                    gold_growth_target_permille: v2.gold_growth_target_permille,
                    whole_number_searches_per_hour: defaults.whole_number_searches_per_hour,
                }
            }
            3 => decode_payload(payload)?,
            v => return Err(format!("没有从第 {v} 版升级的方法")),
        };
        Ok(Rules {
            quotas: v3.quotas,
            callback_days: v3.callback_days,
            tier_floors: v3.tier_floors,
            self_service_min_permille: v3.self_service_min_permille,
            outlet_average_target: v3.outlet_average_target,
            first_callback_days: v3.first_callback_days,
            gold_share_target_permille: v3.gold_share_target_permille,
            gold_growth_target_permille: v3.gold_growth_target_permille,
            whole_number_searches_per_hour: v3.whole_number_searches_per_hour,
            notice_grace_days: defaults.notice_grace_days,
            any_contact_resets_callback: defaults.any_contact_resets_callback,
            dedicated_roles: defaults.dedicated_roles,
            dedicated_from_tier: defaults.dedicated_from_tier,
        })
    }
}

/// `Rules` as format version 3 wrote it.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct RulesV3 {
    quotas: BTreeMap<JobRole, u32>,
    callback_days: BTreeMap<ClientClass, u16>,
    tier_floors: Vec<(CardTier, Fen)>,
    self_service_min_permille: u16,
    outlet_average_target: u32,
    first_callback_days: u16,
    gold_share_target_permille: u16,
    gold_growth_target_permille: u16,
    whole_number_searches_per_hour: u32,
}

/// `Rules` as format version 2 wrote it.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct RulesV2 {
    quotas: BTreeMap<JobRole, u32>,
    callback_days: BTreeMap<ClientClass, u16>,
    tier_floors: Vec<(CardTier, Fen)>,
    self_service_min_permille: u16,
    outlet_average_target: u32,
    first_callback_days: u16,
    gold_share_target_permille: u16,
    gold_growth_target_permille: u16,
}

/// `Rules` as format version 1 wrote it.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct RulesV1 {
    quotas: BTreeMap<JobRole, u32>,
    callback_days: BTreeMap<ClientClass, u16>,
    tier_floors: Vec<(CardTier, Fen)>,
    self_service_min_permille: u16,
    outlet_average_target: u32,
    first_callback_days: u16,
}

impl Record for Snapshot {
    const KIND: &'static str = "资产快照";
}

impl Record for StateChange {
    const KIND: &'static str = "客户变化";
}

impl Record for BalanceChange {
    const KIND: &'static str = "资产变化";
}

impl Record for FrozenQuarter {
    const KIND: &'static str = "季末数据";
    /// 2: churn and conversion are no longer frozen: they are counted from the dated record of
    /// client changes (`results::periods`), which holds them for any past period, split into
    /// 流失/降级 and 提升/潜在 as version 1's two totals could not be.
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: FrozenQuarterV1 = decode_payload(payload)?;
                Ok(FrozenQuarter {
                    quarter: v1.quarter,
                    frozen_on: v1.frozen_on,
                    settled_on: v1.settled_on,
                    outlet_average_target: v1.outlet_average_target,
                    gold_share_target_permille: v1.gold_share_target_permille,
                    gold_growth_target_permille: v1.gold_growth_target_permille,
                    staff: v1.staff,
                    clients: v1.clients,
                    tasks: v1.tasks,
                    launches: v1.launches,
                    snapshot: v1.snapshot,
                    year_ago: v1.year_ago,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `FrozenQuarter` as format version 1 wrote it: with churn and conversion totals.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct FrozenQuarterV1 {
    pub quarter: crate::domain::Quarter,
    pub frozen_on: NaiveDate,
    pub settled_on: Option<NaiveDate>,
    pub outlet_average_target: u32,
    pub gold_share_target_permille: u16,
    pub gold_growth_target_permille: u16,
    pub staff: Vec<crate::domain::past::PastStaff>,
    pub clients: Vec<crate::domain::past::PastClient>,
    pub tasks: Vec<crate::domain::past::PastTask>,
    pub launches: Vec<LaunchId>,
    pub snapshot: Snapshot,
    pub year_ago: Option<Snapshot>,
    // Decoded to read past them; the totals are counted again from the change record.
    #[allow(dead_code)]
    pub churn: crate::domain::coverage::Ratio,
    #[allow(dead_code)]
    pub conversion: crate::domain::coverage::Ratio,
}

/// The monthly branch totals (`meta`, key `branch_totals`), oldest month first.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct BranchTotals(pub Vec<crate::domain::results::BranchTotal>);

impl Record for BranchTotals {
    const KIND: &'static str = "全行个人客户数";
}

impl Record for Complaint {
    const KIND: &'static str = "投诉";
    /// 2: the receive form it came from (`from_draft`), so a form is received once.
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: ComplaintV1 = decode_payload(payload)?;
                Ok(Complaint {
                    id: v1.id,
                    client: v1.client,
                    outlet: v1.outlet,
                    maintainer: v1.maintainer,
                    channel: v1.channel,
                    category: v1.category,
                    severity: v1.severity,
                    said: v1.said,
                    asks: v1.asks,
                    received_by: v1.received_by,
                    received_at: v1.received_at,
                    // Forms had no identity then: nothing to match a later draft against.
                    from_draft: None,
                    runs: v1.runs,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `Complaint` as format version 1 wrote it: no `from_draft`.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ComplaintV1 {
    pub id: crate::domain::complaint::ComplaintId,
    pub client: ClientNo,
    pub outlet: OutletId,
    pub maintainer: Option<StaffNo>,
    pub channel: crate::domain::complaint::ComplaintChannel,
    pub category: crate::domain::complaint::Category,
    pub severity: crate::domain::complaint::Severity,
    pub said: String,
    pub asks: String,
    pub received_by: StaffNo,
    pub received_at: NaiveDateTime,
    pub runs: Vec<crate::domain::complaint::StepRun>,
}

impl Record for crate::domain::complaint::ComplaintDraft {
    const KIND: &'static str = "投诉草稿";
    /// 2: the form's identity (`NewComplaint::draft`).
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        use crate::domain::complaint::{ComplaintDraft, NewComplaint};
        match version {
            1 => {
                let v1: ComplaintDraftV1 = decode_payload(payload)?;
                let f = v1.form;
                Ok(ComplaintDraft {
                    form: NewComplaint {
                        client: f.client,
                        channel: f.channel,
                        category: f.category,
                        severity: f.severity,
                        said: f.said,
                        asks: f.asks,
                        owner: f.owner,
                        // Reopened, it is one form from then on (the form gives it an identity
                        // when it keeps it again).
                        draft: None,
                    },
                    saved_at: v1.saved_at,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `ComplaintDraft` as format version 1 wrote it: its form had no identity.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ComplaintDraftV1 {
    pub form: NewComplaintV1,
    pub saved_at: Option<NaiveDateTime>,
}

/// `NewComplaint` inside a version 1 `ComplaintDraft`.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct NewComplaintV1 {
    pub client: ClientNo,
    pub channel: crate::domain::complaint::ComplaintChannel,
    pub category: crate::domain::complaint::Category,
    pub severity: crate::domain::complaint::Severity,
    pub said: String,
    pub asks: String,
    pub owner: Option<StaffNo>,
}

impl Record for crate::domain::complaint::ServiceLevels {
    const KIND: &'static str = "服务时限";
}

impl Record for AuditRecord {
    const KIND: &'static str = "审计记录";
    /// 2: the record's place in the audit chain (`link`), from schema 4 on.
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: AuditRecordV1 = decode_payload(payload)?;
                Ok(AuditRecord {
                    at: v1.at,
                    actor: v1.actor,
                    action: v1.action,
                    target: v1.target,
                    detail: v1.detail,
                    link: None,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
}

/// `AuditRecord` as format version 1 wrote it (schema 3 and older): not chained.
#[derive(Deserialize, serde::Serialize)]
pub(crate) struct AuditRecordV1 {
    pub at: chrono::DateTime<chrono::FixedOffset>,
    pub actor: String,
    pub action: crate::domain::AuditAction,
    pub target: String,
    pub detail: String,
}

impl Record for AuditRecordV1 {
    const KIND: &'static str = "审计记录";
}

/// Writes the one table of which record each tree holds, so that `check`, backup verification and
/// the labels people see cannot disagree about it: `Stored` (a decoded value of any record tree),
/// `Tree::record_kind` and `decode_any`. Every tree must be named, as a record tree or as one that
/// holds none, or the matches it writes do not compile.
macro_rules! record_trees {
    ($($tree:ident: $ty:ty),+ ; holding no records: $($other:ident),+ $(,)?) => {
        /// One decoded value from a record tree; the variant is the tree it came from.
        // Some trees' values are decoded only to show that they read, and never looked at.
        #[allow(dead_code)]
        pub(crate) enum Stored {
            $($tree($ty)),+
        }

        impl Tree {
            /// What a person calls the records in this tree (`Record::KIND`); `None` for `meta`
            /// and the index trees.
            pub fn record_kind(self) -> Option<&'static str> {
                match self {
                    $(Tree::$tree => Some(<$ty as Record>::KIND),)+
                    $(Tree::$other)|+ => None,
                }
            }
        }

        /// Decodes a value of `tree` as the record that tree holds; `Ok(None)` for trees that hold
        /// no records, whose values mean something only to their own tree.
        pub(crate) fn decode_any(tree: Tree, key: &[u8], value: &[u8]) -> Result<Option<Stored>, StoreError> {
            Ok(match tree {
                $(Tree::$tree => Some(Stored::$tree(decode(key, value)?)),)+
                $(Tree::$other)|+ => None,
            })
        }
    };
}

record_trees! {
    Staff: Staff,
    Clients: StoredClient,
    Contacts: Contact,
    Tasks: Task,
    Launches: ProductLaunch,
    Drafts: ContactDraft,
    Audit: AuditRecord,
    Snapshots: Snapshot,
    ClientChanges: StateChange,
    Quarters: FrozenQuarter,
    BalanceChanges: BalanceChange,
    Complaints: Complaint,
    ComplaintDrafts: crate::domain::complaint::ComplaintDraft;
    holding no records: Meta, StaffByLogin, Roster, ContactsByClient, ContactsByTime, OpenTasksByStaff,
    OpenTasksByDue, ComplaintsByClient, OpenComplaintsByOwner,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::{decode, encode};

    impl Record for RulesV1 {
        const KIND: &'static str = "配置";
    }

    impl Record for RulesV3 {
        const KIND: &'static str = "配置";
        const VERSION: u16 = 3;
    }

    impl Record for RulesV2 {
        const KIND: &'static str = "配置";
        const VERSION: u16 = 2;
    }

    impl Record for TaskV1 {
        const KIND: &'static str = "任务";
    }

    impl Record for TaskV2 {
        const KIND: &'static str = "任务";
        const VERSION: u16 = 2;
    }

    impl Record for ContactV1 {
        const KIND: &'static str = "联系记录";
    }

    impl Record for ContactDraftV1 {
        const KIND: &'static str = "联系草稿";
    }

    impl Record for ContactDraftV2 {
        const KIND: &'static str = "联系草稿";
        const VERSION: u16 = 2;
    }

    impl Record for FrozenQuarterV1 {
        const KIND: &'static str = "季末数据";
    }

    #[test]
    fn a_quarter_frozen_with_churn_totals_reads_without_them() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let snapshot = Snapshot { date: day, clients: 10, gold_plus: 3 };
        let old = FrozenQuarterV1 {
            quarter: crate::domain::Quarter::of(NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()),
            frozen_on: day,
            settled_on: None,
            outlet_average_target: 20,
            gold_share_target_permille: 10,
            gold_growth_target_permille: 150,
            staff: Vec::new(),
            clients: Vec::new(),
            tasks: Vec::new(),
            launches: Vec::new(),
            snapshot,
            year_ago: None,
            churn: crate::domain::coverage::Ratio { done: 1, of: 3 },
            conversion: crate::domain::coverage::Ratio::default(),
        };
        let f: FrozenQuarter = decode(b"k", &encode(&old).unwrap()).unwrap();
        assert_eq!((f.frozen_on, f.snapshot, f.gold_growth_target_permille), (day, snapshot, 150));
    }

    #[test]
    fn contacts_drafts_and_tasks_from_before_several_purposes_read_with_none_extra() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let at = day.and_hms_opt(9, 0, 0).unwrap();
        let no = ClientNo::parse("C1").unwrap();
        let by = StaffNo::parse("1001").unwrap();
        let old = ContactV1 {
            id: ContactId(4),
            client: no.clone(),
            by: by.clone(),
            at,
            channel: Channel::Phone,
            purpose: Purpose::QuarterlyNotice,
            launch: None,
            outcome: Outcome::Success,
            note: "告知收益".into(),
            satisfaction: Some(4),
            next_callback: Some(day),
            logged_at: at,
        };
        let c: Contact = decode(b"k", &encode(&old).unwrap()).unwrap();
        assert_eq!(
            (c.purpose, c.note.as_str(), c.next_callback),
            (Purpose::QuarterlyNotice, "告知收益", Some(day))
        );
        assert!(c.also.is_empty());
        let old = ContactDraftV1 {
            client: no.clone(),
            at: None,
            channel: Channel::WeChat,
            purpose: Purpose::Marketing,
            launch: None,
            outcome: Outcome::Interested,
            note: "草稿".into(),
            satisfaction: None,
            next_callback: None,
        };
        let d: ContactDraft = decode(b"k", &encode(&old).unwrap()).unwrap();
        assert_eq!((d.channel, d.note.as_str()), (Channel::WeChat, "草稿"));
        let old = ContactDraftV2 {
            client: no.clone(),
            at: None,
            channel: Channel::Phone,
            purpose: Purpose::Callback,
            launch: None,
            outcome: Outcome::Success,
            note: "没有保存时间的草稿".into(),
            satisfaction: None,
            next_callback: None,
            also: vec![crate::domain::Aim { purpose: Purpose::Marketing, launch: None }],
        };
        let d: ContactDraft = decode(b"k", &encode(&old).unwrap()).unwrap();
        assert_eq!((d.note.as_str(), d.also.len(), d.saved_at), ("没有保存时间的草稿", 1, None));
        let old = TaskV2 {
            id: TaskId { client: no, kind: crate::domain::TaskKind::Callback { seq: 2 } },
            maintainer: Some(by),
            due: day,
            first_due: day - chrono::Duration::days(3),
            created: day,
            state: TaskState::Open,
        };
        let t: Task = decode(b"k", &encode(&old).unwrap()).unwrap();
        assert_eq!(t.first_due, day - chrono::Duration::days(3));
        assert!(!t.agreed, "a date from before agreements were told apart is not taken as agreed");
    }

    impl Record for StaffV1 {
        const KIND: &'static str = "员工";
    }

    impl Record for ComplaintDraftV1 {
        const KIND: &'static str = "投诉草稿";
    }

    /// A draft kept before receive forms had an identity reads as a form without one, which a
    /// complaint received from it then records (QA of #18, E4).
    #[test]
    fn complaint_drafts_kept_before_forms_had_an_identity_still_read() {
        use crate::domain::complaint::{Category, ComplaintChannel, ComplaintDraft, Severity};
        let at = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let old = ComplaintDraftV1 {
            form: NewComplaintV1 {
                client: ClientNo::parse("C1").unwrap(),
                channel: ComplaintChannel::Phone,
                category: Category::Price,
                severity: Severity::Serious,
                said: "断线前写的".into(),
                asks: String::new(),
                owner: None,
            },
            saved_at: Some(at),
        };
        let bytes = encode(&old).unwrap();
        assert_eq!(&bytes[..2], &[0, 1]);
        let d: ComplaintDraft = decode(b"k", &bytes).unwrap();
        assert_eq!((d.form.said.as_str(), d.form.draft, d.saved_at), ("断线前写的", None, Some(at)));
        assert_eq!(&encode(&d).unwrap()[..2], &[0, 2]);
    }

    impl Record for LaunchV1 {
        const KIND: &'static str = "新品推介";
    }

    impl Record for LaunchV2 {
        const KIND: &'static str = "新品推介";
        const VERSION: u16 = 2;
    }

    #[test]
    fn launches_written_before_withdrawal_existed_read_as_not_withdrawn() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let old = LaunchV2 {
            id: LaunchId(8),
            name: "养老理财".into(),
            description: "说明".into(),
            launched: d,
            deadline: d,
            by: StaffNo::parse("8001").unwrap(),
            outlet: Some(OutletId::parse("城关").unwrap()),
        };
        let l: ProductLaunch = decode(b"8", &encode(&old).unwrap()).unwrap();
        assert_eq!(
            (l.id, l.outlet.as_ref().map(|o| o.to_string()), l.withdrawn),
            (LaunchId(8), Some("城关".into()), None)
        );
    }

    #[test]
    fn staff_written_before_scopes_get_outlet_scope_as_outlet_heads_and_branch_scope_otherwise() {
        let old = |no: &str, role: &str, permission| StaffV1 {
            no: StaffNo::parse(no).unwrap(),
            name: "赵敏".into(),
            role: JobRole::new(role),
            outlet: OutletId::parse("城关").unwrap(),
            login: Some(Login::parse("zhaomin").unwrap()),
            permission,
            active: true,
        };
        let bytes = encode(&old("1001", "网点负责人", Permission::Manager)).unwrap();
        assert_eq!(&bytes[..2], &[0, 1]);
        let head: Staff = decode(b"1001", &bytes).unwrap();
        assert_eq!((head.scope, head.permission), (Scope::Outlet, Permission::Manager));
        assert_eq!(head.login.as_ref().map(|l| l.as_str()), Some("zhaomin"));
        let chief: Staff =
            decode(b"8001", &encode(&old("8001", "支行行长", Permission::Manager)).unwrap()).unwrap();
        assert_eq!(chief.scope, Scope::Branch);
        assert_eq!(&encode(&head).unwrap()[..2], &[0, 2]);
    }

    #[test]
    fn a_store_from_before_scopes_is_rewritten_and_its_first_admin_leaves_the_back_office_quota() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::create(dir.path()).unwrap();
        let v1 = |no: &str, role: &str, permission| StaffV1 {
            no: StaffNo::parse(no).unwrap(),
            name: format!("员工{no}"),
            role: JobRole::new(role),
            outlet: OutletId::parse("城关").unwrap(),
            login: None,
            permission,
            active: true,
        };
        let put = |no: &str, role: &str, p| {
            store.tree(Tree::Staff).insert(no.as_bytes(), encode(&v1(no, role, p)).unwrap()).unwrap();
        };
        put("1001", "网点负责人", Permission::Manager);
        put("8001", "支行行长", Permission::Manager);
        put("9001", "后台管理人员", Permission::Admin);
        put("9002", "后台管理人员", Permission::Admin);
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00+08:00").unwrap();
        let init = AuditRecord::new(
            at,
            "system",
            crate::domain::AuditAction::SaveStaff,
            "9001",
            "初始化管理员 员工9001",
        );
        store.write(|tx| tx.audit(&init)).unwrap();
        store.tree(Tree::Meta).insert(crate::store::schema::SCHEMA_KEY, &2u32.to_be_bytes()).unwrap();
        drop(store);

        let store = crate::store::Store::open(dir.path()).unwrap();
        assert_eq!(crate::store::schema_version(&store).unwrap(), Some(crate::store::CURRENT_SCHEMA));
        let raw = store.tree(Tree::Staff).get(b"1001").unwrap().unwrap();
        assert_eq!(&raw[..2], &[0, 2], "rewritten in the current format");
        let get = |no: &str| store.staff(&StaffNo::parse(no).unwrap()).unwrap().unwrap();
        assert_eq!(get("1001").scope, Scope::Outlet, "the outlet head manages their outlet");
        assert_eq!(get("8001").scope, Scope::Branch, "leadership keeps the branch");
        assert_eq!(get("9001").role.as_str(), JobRole::SYSTEM_ADMIN);
        assert_eq!(get("9002").role.as_str(), "后台管理人员", "only the one init made changes");
        assert!(store.rules().unwrap().quota(&get("9001").role) == 0);
        let upgraded = store.audit().map(Result::unwrap).filter(|r| r.detail.contains("数据升级"));
        assert!(upgraded.into_iter().any(|r| r.target == "9001"), "the role change is audited");
    }

    #[test]
    fn launches_written_before_scopes_reach_the_whole_branch() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let old = LaunchV1 {
            id: LaunchId(7),
            name: "养老理财".into(),
            description: String::new(),
            launched: d,
            deadline: d,
            by: StaffNo::parse("8001").unwrap(),
        };
        let l: ProductLaunch = decode(b"7", &encode(&old).unwrap()).unwrap();
        assert_eq!((l.id, l.outlet), (LaunchId(7), None));
    }

    #[test]
    fn rules_written_before_dedicated_roles_existed_read_with_the_default_roles() {
        let d = Rules::default();
        let old = RulesV3 {
            quotas: d.quotas.clone(),
            callback_days: d.callback_days.clone(),
            tier_floors: d.tier_floors.clone(),
            self_service_min_permille: 700,
            outlet_average_target: 18,
            first_callback_days: 5,
            gold_share_target_permille: 12,
            gold_growth_target_permille: 160,
            whole_number_searches_per_hour: 30,
        };
        let rules: Rules = decode(b"rules", &encode(&old).unwrap()).unwrap();
        assert_eq!(rules.whole_number_searches_per_hour, 30, "the branch's own settings survive");
        assert_eq!(rules.dedicated_roles, d.dedicated_roles);
        assert_eq!(rules.dedicated_from_tier, CardTier::Diamond);
    }

    impl Record for ClientV1 {
        const KIND: &'static str = "客户";
    }

    #[test]
    fn clients_written_when_assets_were_always_a_figure_keep_that_figure() {
        let old = |no: &str, assets: Fen| ClientV1 {
            no: ClientNo::parse(no).unwrap(),
            name: "王㛃".into(),
            gender: Gender::Female,
            phone: "13800138000".into(),
            id_number: "11010519491231002X".into(),
            birthday: NaiveDate::from_ymd_opt(1949, 12, 31),
            outlet: OutletId::parse("城关").unwrap(),
            tier: CardTier::Gold,
            assets,
            class: ClientClass::Important,
            segment: Segment::Maintain,
            maintainer: Some(StaffNo::parse("1001").unwrap()),
            sticker: Sticker { done: true, on: NaiveDate::from_ymd_opt(2025, 3, 1) },
            holdings: Holdings { online_banking: true, wealth_products: 2, ..Holdings::default() },
            plan: "季度回访".into(),
            status: ClientStatus::Dormant,
            last_contact: NaiveDate::from_ymd_opt(2026, 1, 5),
            next_callback: NaiveDate::from_ymd_opt(2026, 4, 5),
        };
        let bytes = encode(&old("C1", Fen::wan(30))).unwrap();
        assert_eq!(&bytes[..2], &[0, 1]);
        let c: Client = decode(b"C1", &bytes).unwrap();
        assert_eq!(c.assets, Some(Fen::wan(30)));
        assert_eq!((c.name.as_str(), c.tier, c.status), ("王㛃", CardTier::Gold, ClientStatus::Dormant));
        assert_eq!(c.maintainer, Some(StaffNo::parse("1001").unwrap()));
        assert_eq!(c.holdings.wealth_products, 2);
        assert_eq!(c.sticker.on, NaiveDate::from_ymd_opt(2025, 3, 1));
        assert_eq!(c.next_callback, NaiveDate::from_ymd_opt(2026, 4, 5));
        // An old 0 cannot be told from an empty cell; it stays a figure rather than turning unknown.
        let zero: Client = decode(b"C2", &encode(&old("C2", Fen(0))).unwrap()).unwrap();
        assert_eq!(zero.assets, Some(Fen(0)));
        // And what is written now is version 2, read back as written.
        let mut unknown = c.clone();
        unknown.assets = None;
        let now = encode(&unknown).unwrap();
        assert_eq!(&now[..2], &[0, 2]);
        assert_eq!(decode::<Client>(b"C1", &now).unwrap(), unknown);
    }

    #[test]
    fn each_record_tree_reads_only_its_own_records_and_index_trees_hold_none() {
        let no = crate::domain::ClientNo::parse("C1").unwrap();
        let client = Client::new(no.clone(), "张伟".into(), crate::domain::OutletId::parse("城关").unwrap());
        let bytes = encode(&client).unwrap();
        assert!(
            matches!(decode_any(Tree::Clients, b"C1", &bytes), Ok(Some(Stored::Clients(c))) if c.no == no)
        );
        assert!(decode_any(Tree::Tasks, b"C1", &bytes).is_err(), "a client is not a task");
        let err = decode_any(Tree::Drafts, b"1001", &[0, 1, 0xff]).err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("联系草稿记录 1001 已损坏")), "{err:?}");
        assert!(matches!(decode_any(Tree::Roster, b"1001\0C1", b""), Ok(None)));
        assert_eq!(Tree::Drafts.record_kind(), Some(ContactDraft::KIND));
        assert_eq!(Tree::Roster.record_kind(), None);
        let kinds: Vec<&str> = Tree::ALL.iter().filter_map(|t| t.record_kind()).collect();
        assert_eq!(
            kinds,
            [
                "员工",
                "客户",
                "联系记录",
                "任务",
                "新品推介",
                "联系草稿",
                "审计记录",
                "资产快照",
                "客户变化",
                "季末数据",
                "资产变化",
                "投诉",
                "投诉草稿"
            ]
        );
    }

    /// The write limit guards every record type: what `encode` accepts, `decode` can read back.
    #[test]
    fn no_record_is_written_larger_than_it_can_be_read() {
        use crate::domain::results::{ClientState, Snapshot, StateChange};
        use crate::domain::{AuditAction, LaunchId};
        use crate::store::codec::{MAX_RECORD, MAX_WRITE};
        const { assert!(MAX_WRITE < MAX_RECORD) };
        let huge = "字".repeat(MAX_WRITE / 3 + 1);
        let day = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let at = day.and_hms_opt(10, 0, 0).unwrap();
        let no = ClientNo::parse(&"C".repeat(32)).unwrap();
        let staff_no = StaffNo::parse(&"9".repeat(20)).unwrap();
        let outlet = OutletId::parse("城关").unwrap();

        fn refused<T: Record>(value: &T) {
            match encode(value) {
                Err(StoreError::TooLarge { kind, bytes, limit }) => {
                    assert_eq!((kind, limit), (T::KIND, MAX_WRITE));
                    assert!(bytes > limit);
                    let said = StoreError::TooLarge { kind, bytes, limit }.to_string();
                    assert!(said.starts_with(&format!("{}记录过大", T::KIND)), "{said}");
                }
                other => {
                    panic!("{} of {} bytes was not refused: {:?}", T::KIND, MAX_WRITE, other.map(|b| b.len()))
                }
            }
        }
        let mut client = Client::new(no.clone(), "张伟".into(), outlet.clone());
        client.plan = huge.clone();
        refused(&client);
        let staff = Staff {
            no: staff_no.clone(),
            name: huge.clone(),
            role: JobRole::new("柜员"),
            outlet: outlet.clone(),
            login: None,
            permission: crate::domain::Permission::Staff,
            scope: Scope::Branch,
            active: true,
        };
        refused(&staff);
        let draft = ContactDraft {
            client: no.clone(),
            at: None,
            channel: Channel::Phone,
            purpose: Purpose::Callback,
            launch: None,
            outcome: Outcome::Success,
            note: huge.clone(),
            satisfaction: None,
            next_callback: None,
            also: Vec::new(),
            saved_at: None,
        };
        refused(&draft);
        refused(&Contact {
            id: ContactId(1),
            client: no.clone(),
            by: staff_no.clone(),
            at,
            channel: Channel::Phone,
            purpose: Purpose::Callback,
            launch: None,
            outcome: Outcome::Success,
            note: huge.clone(),
            satisfaction: None,
            next_callback: None,
            logged_at: at,
            also: Vec::new(),
        });
        refused(&ProductLaunch {
            id: LaunchId(1),
            name: "新品".into(),
            description: huge.clone(),
            launched: day,
            deadline: day,
            by: staff_no.clone(),
            outlet: None,
            withdrawn: None,
        });
        refused(&crate::domain::AuditRecord::new(
            chrono::DateTime::parse_from_rfc3339("2026-11-18T10:00:00+08:00").unwrap(),
            "1001",
            AuditAction::Import,
            "x.csv",
            huge.clone(),
        ));
        let mut rules = Rules::default();
        for i in 0..(MAX_WRITE / 20 + 1) {
            rules.quotas.insert(JobRole::new(&format!("岗位{i:015}")), 1);
        }
        refused(&rules);
        // The remaining records hold only numbers, dates and identifiers (at most 32
        // characters each), so even with the longest identifiers they stay tiny.
        let task = Task {
            id: TaskId { client: no.clone(), kind: crate::domain::TaskKind::Callback { seq: u64::MAX } },
            maintainer: Some(staff_no.clone()),
            due: day,
            first_due: day,
            created: day,
            state: TaskState::Done { on: day, by: staff_no.clone(), contact: ContactId(u64::MAX) },
            agreed: true,
        };
        assert!(encode(&task).unwrap().len() < 256);
        assert!(encode(&Snapshot { date: day, clients: u32::MAX, gold_plus: u32::MAX }).unwrap().len() < 64);
        let state =
            ClientState { tier: CardTier::Gold, segment: Segment::Maintain, status: ClientStatus::Dormant };
        let change = StateChange { client: no.clone(), on: day, from: Some(state), to: state };
        assert!(encode(&change).unwrap().len() < 128);
        // And just under the limit is still written and read back.
        client.plan = "x".repeat(MAX_WRITE - 1024);
        let bytes = encode(&client).unwrap();
        assert_eq!(decode::<Client>(b"C", &bytes).unwrap().plan.len(), MAX_WRITE - 1024);
    }

    #[test]
    fn tasks_written_before_first_due_existed_take_their_due_date() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let old = TaskV1 {
            id: TaskId {
                client: crate::domain::ClientNo::parse("C1").unwrap(),
                kind: crate::domain::TaskKind::Callback { seq: 3 },
            },
            maintainer: Some(StaffNo::parse("1001").unwrap()),
            due: d(11, 20),
            created: d(10, 1),
            state: TaskState::Open,
        };
        let t: Task = decode(b"t", &encode(&old).unwrap()).unwrap();
        assert_eq!((t.due, t.first_due, t.created), (d(11, 20), d(11, 20), d(10, 1)));
    }

    #[test]
    fn rules_written_before_the_targets_existed_read_with_default_targets() {
        let mut quotas = Rules::default().quotas;
        quotas.insert(JobRole::new("柜员"), 12);
        let old = RulesV1 {
            quotas,
            callback_days: Rules::default().callback_days,
            tier_floors: Rules::default().tier_floors,
            self_service_min_permille: 750,
            outlet_average_target: 18,
            first_callback_days: 5,
        };
        let bytes = encode(&old).unwrap();
        assert_eq!(&bytes[..2], &[0, 1]);
        let rules: Rules = decode(b"rules", &bytes).unwrap();
        assert_eq!(rules.quota(&JobRole::new("柜员")), 12, "the branch's own settings survive");
        assert_eq!(rules.self_service_min_permille, 750);
        assert_eq!(rules.gold_growth_target_permille, 150);
        assert_eq!(rules.gold_share_target_permille, 10);
        assert_eq!(rules.whole_number_searches_per_hour, 20);
    }

    #[test]
    fn rules_written_before_the_search_limit_existed_read_with_the_default_limit() {
        let d = Rules::default();
        let old = RulesV2 {
            quotas: d.quotas.clone(),
            callback_days: d.callback_days.clone(),
            tier_floors: d.tier_floors.clone(),
            self_service_min_permille: 700,
            outlet_average_target: 18,
            first_callback_days: 5,
            gold_share_target_permille: 12,
            gold_growth_target_permille: 160,
        };
        let bytes = encode(&old).unwrap();
        assert_eq!(&bytes[..2], &[0, 2]);
        let rules: Rules = decode(b"rules", &bytes).unwrap();
        assert_eq!((rules.gold_share_target_permille, rules.gold_growth_target_permille), (12, 160));
        assert_eq!(rules.self_service_min_permille, 700, "the branch's own settings survive");
        assert_eq!(rules.whole_number_searches_per_hour, 20);
    }

    #[test]
    fn rules_written_before_the_quarter_end_grace_existed_read_with_its_defaults() {
        let d = Rules::default();
        let old = RulesV3 {
            quotas: d.quotas.clone(),
            callback_days: d.callback_days.clone(),
            tier_floors: d.tier_floors.clone(),
            self_service_min_permille: 700,
            outlet_average_target: 18,
            first_callback_days: 5,
            gold_share_target_permille: 12,
            gold_growth_target_permille: 160,
            whole_number_searches_per_hour: 7,
        };
        let bytes = encode(&old).unwrap();
        assert_eq!(&bytes[..2], &[0, 3]);
        let rules: Rules = decode(b"rules", &bytes).unwrap();
        assert_eq!((rules.whole_number_searches_per_hour, rules.first_callback_days), (7, 5));
        assert_eq!(rules.notice_grace_days, 15);
        assert!(rules.any_contact_resets_callback);
        let now = encode(&rules).unwrap();
        assert_eq!(&now[..2], &[0, 4]);
        assert_eq!(decode::<Rules>(b"rules", &now).unwrap(), rules);
    }
}
