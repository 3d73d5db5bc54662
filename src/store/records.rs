//! Which domain types are stored, and under which format version.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::codec::{Record, decode, decode_payload};
use super::{StoreError, Tree};
use crate::domain::results::{Snapshot, StateChange};
use crate::domain::{
    AuditRecord, CardTier, Client, ClientClass, Contact, ContactDraft, Fen, JobRole, ProductLaunch, Rules,
    Staff, StaffNo, Task, TaskId, TaskState,
};

impl Record for Staff {
    const KIND: &'static str = "员工";
}

impl Record for Client {
    const KIND: &'static str = "客户";
}

impl Record for Contact {
    const KIND: &'static str = "联系记录";
}

impl Record for ContactDraft {
    const KIND: &'static str = "联系草稿";
}

impl Record for Task {
    const KIND: &'static str = "任务";
    /// 2: a task keeps the date it first fell due, so a moved callback is still judged by it.
    const VERSION: u16 = 2;

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
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
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
}

impl Record for Rules {
    const KIND: &'static str = "配置";
    /// 2: the branch targets for gold-and-above share and growth were added.
    const VERSION: u16 = 2;

    fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let v1: RulesV1 = decode_payload(payload)?;
                let defaults = Rules::default();
                Ok(Rules {
                    quotas: v1.quotas,
                    callback_days: v1.callback_days,
                    tier_floors: v1.tier_floors,
                    self_service_min_permille: v1.self_service_min_permille,
                    outlet_average_target: v1.outlet_average_target,
                    first_callback_days: v1.first_callback_days,
                    gold_share_target_permille: defaults.gold_share_target_permille,
                    gold_growth_target_permille: defaults.gold_growth_target_permille,
                })
            }
            v => Err(format!("没有从第 {v} 版升级的方法")),
        }
    }
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

impl Record for AuditRecord {
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
    Clients: Client,
    Contacts: Contact,
    Tasks: Task,
    Launches: ProductLaunch,
    Drafts: ContactDraft,
    Audit: AuditRecord,
    Snapshots: Snapshot,
    ClientChanges: StateChange;
    holding no records: Meta, StaffByLogin, Roster, ContactsByClient, ContactsByTime, OpenTasksByStaff,
    OpenTasksByDue,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::{decode, encode};

    impl Record for RulesV1 {
        const KIND: &'static str = "配置";
    }

    impl Record for TaskV1 {
        const KIND: &'static str = "任务";
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
            ["员工", "客户", "联系记录", "任务", "新品推介", "联系草稿", "审计记录", "资产快照", "客户变化"]
        );
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
    }
}
