//! The store's schema version (in `meta`) and the migrations that bring an older store forward.

use chrono::{FixedOffset, Offset};

use super::{Store, StoreError, Tree};
use crate::domain::{AuditAction, AuditRecord, ContactDraft, JobRole, Permission, Staff};

/// The schema this build writes. Bump it together with a `Migration` from the previous version.
pub const CURRENT_SCHEMA: u32 = 8;

pub(crate) const SCHEMA_KEY: &[u8] = b"schema_version";

/// Rewrites a store from schema `from` to `from + 1`.
#[derive(Clone, Copy)]
pub struct Migration {
    pub from: u32,
    pub what: &'static str,
    pub run: fn(&Store) -> Result<(), StoreError>,
}

/// Each step brings a store from one schema to the next.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        from: 1,
        // The new trees start empty; the version still moves so that an older mingdan, which
        // would write clients without recording their changes, refuses the store.
        what: "新增资产快照与客户变化记录（snapshots、client_changes）",
        run: |_| Ok(()),
    },
    Migration {
        from: 2,
        what: "管理者的管理范围、按网点发布的新品推介、专属维护岗位；初始化管理员不再计入后台配额",
        run: scopes,
    },
    Migration {
        from: 3,
        what: "审计记录逐条链接（链头存于元数据和库外的写入标记）；此前的记录合为一段封存",
        run: chain_audit,
    },
    Migration {
        from: 4,
        what: "客户的证件号码、手机号、生日和营销预案改为加密保存（数据密钥文件在数据库旁）",
        run: seal_clients,
    },
    Migration {
        from: 5,
        what: "联系草稿按员工和客户分别保存（键由 工号 改为 工号 ∅ 客户号）",
        run: drafts_per_client,
    },
    Migration {
        from: 6,
        // The new trees start empty; the version moves so that an older mingdan, which would
        // not back up or check them, refuses the store.
        what: "新增投诉记录及其索引（complaints、complaints_by_client、open_complaints_by_owner）",
        run: |_| Ok(()),
    },
    Migration {
        from: 7,
        // The new tree starts empty; the version moves so that an older mingdan, which would
        // not back up or check it, refuses the store.
        what: "新增投诉受理草稿（complaint_drafts），断线或退出时未提交的受理表不再丢失",
        run: |_| Ok(()),
    },
];

/// Starts the audit chain: every record already there is hashed, in key order, into one
/// "before chaining" block (`chain::LEGACY_KEY`: count and hash), the chain head points at that
/// block, and the first chained record says so. From here on every audit record is linked to
/// the one before (`Tx::audit`). One transaction: a store cut off here upgrades again.
fn chain_audit(store: &Store) -> Result<(), StoreError> {
    // Rerun after a crash between this transaction and the version update: the chain is already
    // started, and hashing its first chained record into a second block would raise a false
    // tamper alarm for ever after.
    let meta = store.tree(Tree::Meta);
    let chained = match meta.get(super::chain::HEAD_KEY)? {
        Some(raw) => super::chain::head_in(&raw)?.is_some(),
        None => false,
    };
    if chained || meta.get(super::chain::LEGACY_KEY)?.is_some() {
        return Ok(());
    }
    let (block, last_key) = super::chain::legacy_block(store)?;
    let head = super::chain::ChainHead { seq: 0, hash: block.hash, last_key };
    let rec = AuditRecord::new(
        branch_now(),
        "system",
        AuditAction::SealInit,
        "审计链",
        format!(
            "数据升级：审计记录自此逐条链接；此前的 {} 条记录合为一段封存，摘要 {}",
            block.count,
            hex::encode(block.hash)
        ),
    );
    store.write(|tx| {
        tx.set_meta(super::chain::LEGACY_KEY, &block.encode())?;
        tx.set_chain_head(&head)?;
        tx.audit(&rec)
    })
}

/// A data upgrade has no session clock; it is stamped when it ran, in branch time.
fn branch_now() -> chrono::DateTime<FixedOffset> {
    chrono::Utc::now().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Utc.fix()))
}

/// Clients rewritten per batch by `seal_clients`: bounds the memory a million-client upgrade uses.
const SEAL_BATCH: usize = 10_000;

/// Seals every client still holding its sensitive fields in the clear, in batches, each flushed.
/// Sealed ones are left alone, so an upgrade cut off midway simply goes on when next opened.
/// The data key was read or created as the store opened (see `load_key`).
fn seal_clients(store: &Store) -> Result<(), StoreError> {
    use super::codec::{decode, encode};
    use super::fields::StoredClient;
    let tree = store.tree(Tree::Clients);
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    for item in tree.iter() {
        let (k, v) = item?;
        let stored: StoredClient = decode(&k, &v)?;
        if stored.is_sealed() {
            continue;
        }
        let client = store.open_client(stored)?;
        batch.insert(k, encode(&store.fields().seal(&client)?)?);
        pending += 1;
        if pending == SEAL_BATCH {
            tree.apply_batch(std::mem::take(&mut batch))?;
            store.flush()?;
            pending = 0;
        }
    }
    tree.apply_batch(batch)?;
    store.flush()
}

/// Moves each draft kept under `工号` alone to `工号 ∅ 客户号`, its bytes unchanged (reading
/// upgrades the format). One that cannot be read names no client; it moves to `工号 ∅` (empty
/// client) so it stays its owner's: listed by `drafts list`, removed by `drafts discard 工号`.
/// One batch, so a crash leaves either the old layout or the new.
fn drafts_per_client(store: &Store) -> Result<(), StoreError> {
    let tree = store.tree(Tree::Drafts);
    let mut batch = sled::Batch::default();
    for item in super::read::until_error(tree.iter()) {
        let (k, v) = item?;
        if k.contains(&super::keys::SEP) {
            continue;
        }
        let client = match super::codec::decode::<ContactDraft>(&k, &v) {
            Ok(d) => d.client.as_str().as_bytes().to_vec(),
            Err(_) => Vec::new(),
        };
        batch.remove(k.clone());
        batch.insert(super::keys::join(&[&k, &client]), v);
    }
    tree.apply_batch(batch)?;
    store.flush()
}

/// Rewrites every staff record, launch and the rules in their current format (reading them
/// upgrades them: outlet heads get outlet scope, other managers the branch; launches reach the
/// branch; the default dedicated-manager roles), so an older mingdan refuses the store rather
/// than misreading it. The first administrator, whom `init` used to make 后台管理人员 and so
/// counted against that role's quota, becomes 系统管理员 (no quota) if they still hold that role
/// and no clients; the change is audited.
fn scopes(store: &Store) -> Result<(), StoreError> {
    let staff = store.all_staff()?;
    let launches = store.launches()?;
    let rules = store.tree(Tree::Meta).get(super::tx::RULES_KEY)?.map(|_| store.rules()).transpose()?;
    let mut first_admins = std::collections::BTreeSet::new();
    for rec in store.audit() {
        let rec = rec?;
        if rec.actor == "system"
            && rec.action == AuditAction::SaveStaff
            && rec.detail.starts_with("初始化管理员")
        {
            first_admins.insert(rec.target);
        }
    }
    let now = branch_now();
    let mut records = Vec::new();
    let staff: Vec<Staff> = staff
        .into_iter()
        .map(|mut s| {
            if first_admins.contains(s.no.as_str())
                && s.permission == Permission::Admin
                && s.role.as_str() == JobRole::BACK_OFFICE
                && store.roster_size(&s.no) == 0
            {
                s.role = JobRole::new(JobRole::SYSTEM_ADMIN);
                records.push(AuditRecord::new(
                    now,
                    "system",
                    AuditAction::SaveStaff,
                    s.no.to_string(),
                    format!(
                        "数据升级：初始化管理员 {} 的岗位由{}改为{}，不再计入名单配额",
                        s.name,
                        JobRole::BACK_OFFICE,
                        JobRole::SYSTEM_ADMIN
                    ),
                ));
            }
            s
        })
        .collect();
    store.write(|tx| {
        for s in &staff {
            tx.save_staff(s)?;
        }
        for l in &launches {
            tx.save_launch(l)?;
        }
        if let Some(r) = &rules {
            tx.save_rules(r)?;
        }
        for r in &records {
            tx.audit(r)?;
        }
        Ok(())
    })
}

pub fn version(store: &Store) -> Result<Option<u32>, StoreError> {
    let raw = store.tree(Tree::Meta).get(SCHEMA_KEY)?;
    raw.map(|v| {
        <[u8; 4]>::try_from(v.as_ref()).map(u32::from_be_bytes).map_err(|_| StoreError::Corrupt {
            kind: "元数据",
            key: "schema_version".into(),
            reason: "长度不对".into(),
        })
    })
    .transpose()
}

fn set_version(store: &Store, v: u32) -> Result<(), StoreError> {
    store.tree(Tree::Meta).insert(SCHEMA_KEY, &v.to_be_bytes())?;
    store.flush()
}

pub fn bring_up_to_date(store: &Store, target: u32, migrations: &[Migration]) -> Result<(), StoreError> {
    let found = match version(store)? {
        Some(v) => v,
        None => {
            let empty = Tree::ALL.iter().all(|t| store.tree(*t).is_empty());
            if !empty {
                return Err(StoreError::Corrupt {
                    kind: "元数据",
                    key: "schema_version".into(),
                    reason: "有数据但没有数据格式版本".into(),
                });
            }
            return set_version(store, target);
        }
    };
    if found > target {
        return Err(StoreError::SchemaTooNew { path: store.path().to_path_buf(), found, supported: target });
    }
    let mut at = found;
    while at < target {
        let step = migrations.iter().find(|m| m.from == at).ok_or_else(|| StoreError::Open {
            path: store.path().to_path_buf(),
            reason: format!("没有从数据格式 {at} 升级的方法"),
        })?;
        (step.run)(store).map_err(|e| StoreError::Open {
            path: store.path().to_path_buf(),
            reason: format!("升级数据格式 {at}→{}（{}）失败：{e}", at + 1, step.what),
        })?;
        at += 1;
        set_version(store, at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chaining_run_again_after_a_crash_before_the_version_update_leaves_the_chain_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let rec = AuditRecord::new(branch_now(), "9001", AuditAction::SealInit, "审计链", "测试记录");
        store.write(|tx| tx.audit(&rec)).unwrap();
        chain_audit(&store).unwrap();
        chain_audit(&store).unwrap();
        let report = store.verify_audit_chain().unwrap();
        assert!(report.problem.is_none(), "{:?}", report.problem);
    }
}
