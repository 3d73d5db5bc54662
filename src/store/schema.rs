//! The store's schema version (in `meta`) and the migrations that bring an older store forward.

use super::{Store, StoreError, Tree};

/// The schema this build writes. Bump it together with a `Migration` from the previous version.
pub const CURRENT_SCHEMA: u32 = 2;

pub(crate) const SCHEMA_KEY: &[u8] = b"schema_version";

/// Rewrites a store from schema `from` to `from + 1`.
#[derive(Clone, Copy)]
pub struct Migration {
    pub from: u32,
    pub what: &'static str,
    pub run: fn(&Store) -> Result<(), StoreError>,
}

/// Each step brings a store from one schema to the next.
pub const MIGRATIONS: &[Migration] = &[Migration {
    from: 1,
    // The new trees start empty; the version still moves so that an older mingdan, which
    // would write clients without recording their changes, refuses the store.
    what: "新增资产快照与客户变化记录（snapshots、client_changes）",
    run: |_| Ok(()),
}];

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
