//! The audit trail's integrity: walking the chain (`verify_audit`), starting the forward-secure
//! seal (`seal_init`) and sealing each epoch (`seal_due`, on the branch server's timer). The
//! rules of sealing are in `domain::seal`; the chain itself in `store::chain`.
//!
//! The sealing key lives in `seal.key` beside the store (epoch number, 8 bytes big-endian, then
//! the 32-byte key of that epoch; mode 0600), replaced whole on every evolution (write, fsync,
//! rename, fsync of the directory), so the previous epoch's key is gone from the file.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Service, ServiceError, shanghai};
use crate::domain::seal::{self, Epochs, Key, MIN_EPOCH_SECS, VerifyKey};
use crate::domain::{AuditAction, AuditRecord, Permission, SealMark, Staff};
use crate::store::ChainReport;

/// The sealing key's file name inside the store directory.
pub const SEAL_KEY_FILE: &str = "seal.key";

/// Meta key of the epochs (`Epochs`: start, Unix seconds i64 BE ‖ length, seconds u64 BE), set
/// by `seal_init`; present means sealing is on.
const EPOCHS_KEY: &[u8] = b"seal_epochs";

const SYSTEM: &str = "system";

/// What `seal_init` hands the administrator, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealInitOutcome {
    /// The verification key as text (`VerifyKey::to_text`), for the branch to keep offline.
    pub key: String,
    /// When epoch 0 began, branch time, and how long an epoch is (seconds).
    pub starts: DateTime<FixedOffset>,
    pub epoch_secs: u64,
}

/// What `verify_audit` found, every part a Chinese sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerdict {
    /// Records from before chaining (sealed as one block at the upgrade) and chained records.
    pub legacy: u64,
    pub chained: u64,
    /// The first record that does not fit the chain, named; `None` when the chain is whole.
    pub broken: Option<String>,
    /// Seal records found.
    pub seals: u64,
    /// True when the seals were checked against a verification key.
    pub key_checked: bool,
    /// One sentence per seal that failed, naming the period that can no longer be trusted.
    pub untrusted: Vec<String>,
    /// Remarks that are not failures: spans sealed late, sealing not started.
    pub notes: Vec<String>,
    /// The records after the last seal ("尚未封存"), if any.
    pub unsealed: Option<String>,
}

impl AuditVerdict {
    /// The chain is whole and no seal failed.
    pub fn is_ok(&self) -> bool {
        self.broken.is_none() && self.untrusted.is_empty()
    }
}

fn at(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn epochs_encode(e: &Epochs) -> Vec<u8> {
    [&e.start.to_be_bytes()[..], &e.len.to_be_bytes()].concat()
}

fn epochs_decode(raw: &[u8]) -> Option<Epochs> {
    let start = i64::from_be_bytes(raw.get(..8)?.try_into().ok()?);
    let len = u64::from_be_bytes(raw.get(8..16)?.try_into().ok()?);
    Some(Epochs { start, len })
}

/// Checks every seal in `chain` against the key of the epoch it names, derived from `key`.
/// Returns the sentences for `AuditVerdict::untrusted` and `notes`.
pub fn judge_seals(chain: &ChainReport, key: &VerifyKey) -> (Vec<String>, Vec<String>) {
    let tz = shanghai();
    let epochs = key.epochs;
    let period =
        |n: u64| format!("第 {n} 期（{} 至 {}）", at(epochs.start_of(n, tz)), at(epochs.end_of(n, tz)));
    let (mut untrusted, mut notes) = (Vec::new(), Vec::new());
    let mut last_epoch: Option<u64> = None;
    let mut last_good: Option<DateTime<FixedOffset>> = None;
    // The newest epoch key computed, so a year of seals costs one evolution per epoch.
    let mut cached: (u64, Key) = (0, key.k0);
    for s in &chain.seals {
        let e = s.mark.epoch;
        let failure = if last_epoch.is_some_and(|p| e <= p) {
            Some(format!(
                "{}的封存出现在第 {} 期的封存之后（时段重复或倒退）",
                period(e),
                last_epoch.unwrap_or(0)
            ))
        } else if epochs.of(s.at) != Some(e) {
            Some(format!(
                "封存记录的时间 {} 不在它所署的{}内：这是用别的时段的密钥做的封存",
                at(s.at),
                period(e)
            ))
        } else {
            if e < cached.0 {
                cached = (0, key.k0);
            }
            let k = seal::key_at(&cached.1, e - cached.0);
            cached = (e, k);
            if seal::seal_matches(&k, e, s.sealed_seq, &s.sealed_hash, &s.mark.mac) {
                None
            } else {
                Some(format!("{}的封存与验证密钥算出的不符", period(e)))
            }
        };
        match failure {
            Some(why) => {
                let from = last_good.map_or_else(|| "审计链开始".to_string(), at);
                untrusted.push(format!(
                    "自 {from} 至 {} 的审计记录不可信：{why}（封存记录序号 {}）",
                    at(s.at),
                    s.seq
                ));
            }
            None => {
                last_epoch = Some(e);
                last_good = Some(s.at);
                let late = s.first_new.is_some_and(|t| epochs.of(t).is_none_or(|n| n + 1 < e));
                if late && let Some(first) = s.first_new {
                    notes.push(format!(
                        "序号 {} 至 {} 的记录（{} 起）到{}才封存（其间服务器未运行或未能封存）：只在那一期之后受封存保护",
                        s.first_new_seq,
                        s.sealed_seq,
                        at(first),
                        period(e)
                    ));
                }
            }
        }
    }
    (untrusted, notes)
}

impl Service {
    fn seal_key_path(&self) -> PathBuf {
        self.store_path().join(SEAL_KEY_FILE)
    }

    fn seal_epochs(&self) -> Result<Option<Epochs>, ServiceError> {
        match self.store.meta(EPOCHS_KEY)? {
            None => Ok(None),
            Some(raw) => epochs_decode(&raw).map(Some).ok_or_else(|| {
                ServiceError::Store(
                    "元数据 seal_epochs 长度不对：封存设置已损坏，请运行 mingdan check".into(),
                )
            }),
        }
    }

    /// Walks the audit chain and, with `key` (the verification key's text from `seal-init`),
    /// checks every seal against its own epoch's key; administrators only. Errors: no
    /// permission, a key that does not read, the store unreadable.
    pub fn verify_audit(&self, actor: &Staff, key: Option<String>) -> Result<AuditVerdict, ServiceError> {
        self.require(actor, Permission::Admin, "核对审计链")?;
        let key = key.map(|k| VerifyKey::parse(&k)).transpose()?;
        // As `check`: writers held off, so the head and the records are read from one moment
        // (a year of audit takes seconds, see docs/PERFORMANCE.md).
        let chain = {
            let _w = self.write_lock();
            self.store.verify_audit_chain()?
        };
        let mut v = AuditVerdict {
            legacy: chain.legacy,
            chained: chain.chained,
            broken: chain.problem.clone(),
            seals: chain.seals.len() as u64,
            key_checked: key.is_some(),
            ..AuditVerdict::default()
        };
        let stored = self.seal_epochs()?;
        if let Some(key) = &key {
            if stored.is_some_and(|s| s != key.epochs) {
                v.notes.push("验证密钥的时段设置与数据库中记录的不同：按验证密钥的设置核对".into());
            }
            let (untrusted, notes) = judge_seals(&chain, key);
            v.untrusted = untrusted;
            v.notes.extend(notes);
        }
        if stored.is_none() {
            v.notes.push("尚未启用审计封存（管理员运行一次 mingdan audit seal-init）".into());
        }
        v.unsealed = chain.unsealed.map(|(n, first, last)| {
            format!("最后一次封存之后的 {n} 条记录（{} 至 {}）尚未封存", at(first), at(last))
        });
        Ok(v)
    }

    /// Starts sealing, once: draws the seed key k0, keeps only it (as epoch 0's key) in
    /// `seal.key` beside the store, records the epochs in `meta` and audits it. Returns the
    /// verification key for the branch to keep offline; it is never shown again.
    /// `epoch_secs` ≥ 60. Errors: not an administrator, sealing already on, the key file cannot
    /// be written, no randomness.
    pub fn seal_init(&self, actor: &Staff, epoch_secs: u64) -> Result<SealInitOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "启用审计封存")?;
        if epoch_secs < MIN_EPOCH_SECS {
            return Err(ServiceError::invalid(
                "封存时段",
                format!("至少 {MIN_EPOCH_SECS} 秒（1 分钟），默认 15 分钟"),
            ));
        }
        let _w = self.write_lock();
        if self.seal_epochs()?.is_some() {
            return Err(ServiceError::Conflict(
                "审计封存已经启用；验证密钥只在启用时给出一次，请使用当时保存的验证密钥".into(),
            ));
        }
        let mut k0 = [0u8; 32];
        getrandom::fill(&mut k0)
            .map_err(|e| ServiceError::Store(format!("无法从系统取得随机数来生成封存密钥：{e}")))?;
        let now = self.now();
        let start = now.timestamp() - now.timestamp().rem_euclid(epoch_secs as i64);
        let epochs = Epochs { start, len: epoch_secs };
        let path = self.seal_key_path();
        write_key(&path, 0, &k0)?;
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::SealInit,
            "审计链",
            format!(
                "启用审计封存：每 {} 分钟一期，第 0 期自 {} 起",
                epoch_secs / 60,
                at(epochs.start_of(0, shanghai()))
            ),
        );
        let written = self.store.write(|tx| {
            tx.set_meta(EPOCHS_KEY, &epochs_encode(&epochs))?;
            tx.audit(&rec)
        });
        if let Err(e) = written {
            // Without the setting in meta the key would never be used; a later try starts anew.
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        Ok(SealInitOutcome {
            key: VerifyKey { k0, epochs }.to_text(),
            starts: epochs.start_of(0, shanghai()),
            epoch_secs,
        })
    }

    /// Seals the chain if records were added since the last seal, with the current epoch's key,
    /// then evolves the key past this epoch; with nothing to seal, only evolves a key left behind
    /// the current epoch (idle epochs in one step). Called by the branch server on its timer.
    /// Returns the epoch sealed, if one was. Nothing happens while sealing is off. Errors: the
    /// key file missing or unreadable, the store refusing the write.
    pub fn seal_due(&self) -> Result<Option<u64>, ServiceError> {
        let Some(epochs) = self.seal_epochs()? else { return Ok(None) };
        let _w = self.write_lock();
        let path = self.seal_key_path();
        let (held, key) = read_key(&path)?;
        // One reading of the clock: the seal's own time must fall in the epoch whose key makes it.
        let t = self.now();
        let Some(now) = epochs.of(t) else { return Ok(None) };
        let last = self.store.last_audit()?;
        // A seal already made with the held key (cut off before the key evolved) uses it up.
        let used = last.as_ref().and_then(|r| r.link).and_then(|l| l.seal).map(|s| s.epoch + 1);
        let floor = now.max(used.unwrap_or(0));
        if floor < held {
            return Ok(None);
        }
        let k = seal::key_at(&key, floor - held);
        let nothing_new = last.as_ref().is_none_or(|r| r.action == AuditAction::Seal);
        if nothing_new || floor > now {
            if floor > held {
                write_key(&path, floor, &k)?;
            }
            return Ok(None);
        }
        let rec = AuditRecord::new(
            t,
            SYSTEM,
            AuditAction::Seal,
            format!("第 {now} 期"),
            format!("封存审计链（第 {now} 期，{} 起）", at(epochs.start_of(now, shanghai()))),
        );
        let sign =
            |seq: u64, hash: &[u8; 32]| SealMark { epoch: now, mac: seal::seal_mac(&k, now, seq, hash) };
        self.store.write(|tx| tx.seal(&rec, &sign))?;
        write_key(&path, now + 1, &seal::evolve(&k))?;
        Ok(Some(now))
    }
}

/// Reads `seal.key`: the epoch its key belongs to, and the key.
fn read_key(path: &Path) -> Result<(u64, Key), ServiceError> {
    let raw = std::fs::read(path).map_err(|e| {
        ServiceError::Store(format!(
            "无法读取封存密钥文件 {}：{}；审计封存已暂停，请按 docs/DEPLOY.md“审计封存”一节处理",
            path.display(),
            crate::os::io_reason(&e)
        ))
    })?;
    let bad = || {
        ServiceError::Store(format!(
            "封存密钥文件 {} 长度不对（应为 40 字节）：文件已损坏；审计封存已暂停，请按 docs/DEPLOY.md“审计封存”一节处理",
            path.display()
        ))
    };
    let epoch = u64::from_be_bytes(raw.get(..8).and_then(|b| b.try_into().ok()).ok_or_else(bad)?);
    let key: Key =
        raw.get(8..40).and_then(|b| b.try_into().ok()).filter(|_| raw.len() == 40).ok_or_else(bad)?;
    Ok((epoch, key))
}

/// Replaces `seal.key` with (epoch, key): a new file (mode 0600) written and synced, renamed over
/// the old one, then the directory synced, so the old key is not left under the name.
fn write_key(path: &Path, epoch: u64, key: &Key) -> Result<(), ServiceError> {
    let fail = |e: std::io::Error| {
        ServiceError::Store(format!("无法写入封存密钥文件 {}：{}", path.display(), crate::os::io_reason(&e)))
    };
    let tmp = path.with_extension("key.new");
    let _ = std::fs::remove_file(&tmp);
    let mut f =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(fail)?;
    f.write_all(&epoch.to_be_bytes()).map_err(fail)?;
    f.write_all(key).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(fail)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(fail)?;
    }
    Ok(())
}
