//! The audit trail's integrity: walking the chain (`verify_audit`), starting the forward-secure
//! seal (`seal_init`) and sealing each epoch (`seal_due`, on the branch server's timer). The
//! rules of sealing are in `domain::seal`; the chain itself in `store::chain`.
//!
//! The sealing key lives in `seal.key` beside the store (epoch number, 8 bytes big-endian, then
//! the 32-byte key of that epoch; mode 0600), replaced whole on every evolution (write, fsync,
//! rename, fsync of the directory), so the previous epoch's key is gone from the file.

use crate::domain::Field;
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

/// `meta` key of the last epoch sealed (8 bytes big-endian), written in the seal's own
/// transaction: the key file is replaced only after it commits, so this, not the key file, says
/// whether an epoch's key is used up.
const LAST_SEALED_KEY: &[u8] = b"seal_last_epoch";

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
    // A damaged setting with a tiny epoch or a start before 1970 would make the current epoch
    // number (and the key evolutions to reach it) astronomically large under the writer lock.
    if len < MIN_EPOCH_SECS || start < 0 || raw.len() != 16 {
        return None;
    }
    Some(Epochs { start, len })
}

/// Checks every seal in `chain` against the key of the epoch it names, derived from `key`, at
/// time `now`. The server seals every epoch, so an epoch from seal-init (epoch 0) to the one
/// before `now`'s without a good seal is an untrusted period (deleted seals, a cut tail, or the
/// server not running: none can be told apart, and none is vouched for). A seal naming an epoch
/// after `now`'s next is refused before any key is derived (a forged far epoch would otherwise
/// cost that many evolutions). Returns the sentences for `AuditVerdict::untrusted` and `notes`.
pub fn judge_seals(
    chain: &ChainReport,
    key: &VerifyKey,
    now: DateTime<FixedOffset>,
) -> (Vec<String>, Vec<String>) {
    let tz = shanghai();
    let epochs = key.epochs;
    let period =
        |n: u64| format!("第 {n} 期（{} 至 {}）", at(epochs.start_of(n, tz)), at(epochs.end_of(n, tz)));
    let span = |from: u64, to: u64| {
        if from == to {
            period(from)
        } else {
            format!(
                "第 {from} 至 {to} 期（{} 至 {}）",
                at(epochs.start_of(from, tz)),
                at(epochs.end_of(to, tz))
            )
        }
    };
    let current = epochs.of(now).unwrap_or(0);
    // The first epoch not yet covered by a good seal.
    let mut expected: u64 = 0;
    let (mut untrusted, mut notes) = (Vec::new(), Vec::new());
    let mut last_epoch: Option<u64> = None;
    let mut last_good: Option<DateTime<FixedOffset>> = None;
    // The newest epoch key computed, so a year of seals costs one evolution per epoch.
    let mut cached: (u64, Key) = (0, key.k0);
    for s in &chain.seals {
        let e = s.mark.epoch;
        let failure = if e > current.saturating_add(1) {
            Some(format!("封存署的第 {e} 期还没有到（现在是第 {current} 期）：这是伪造的封存"))
        } else if last_epoch.is_some_and(|p| e <= p) {
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
                let gap = e > expected;
                if gap {
                    untrusted.push(format!(
                        "{}没有封存，这段时间的审计记录不可信（服务器未运行，或封存被删除后记录被改写）",
                        span(expected, e - 1)
                    ));
                }
                expected = e + 1;
                last_epoch = Some(e);
                last_good = Some(s.at);
                let late = s.first_new.is_some_and(|t| epochs.of(t).is_none_or(|n| n + 1 < e));
                if late
                    && !gap
                    && let Some(first) = s.first_new
                {
                    untrusted.push(format!(
                        "序号 {} 至 {} 的记录（{} 起）到{}才封存：其间没有封存保护，不可信",
                        s.first_new_seq,
                        s.sealed_seq,
                        at(first),
                        period(e)
                    ));
                }
            }
        }
    }
    // The epoch now running may not be sealed yet (the server seals within seconds of its
    // start); every one before it must be.
    if expected < current {
        let last = last_epoch
            .map_or_else(|| "没有任何有效的封存".to_string(), |e| format!("最后一次有效封存在第 {e} 期"));
        untrusted.push(format!(
            "{last}，此后{}没有封存：这段时间的审计记录不可信，末尾的记录可能已被截去",
            span(expected, current - 1)
        ));
    }
    if chain.seals.is_empty() {
        notes.push("审计链中没有任何封存记录".into());
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
            let (untrusted, notes) = judge_seals(&chain, key, self.now());
            v.untrusted = untrusted;
            v.notes.extend(notes);
            if stored.is_some() && chain.seals.is_empty() {
                v.untrusted.push(
                    "已启用审计封存，审计链中却没有任何封存记录：封存可能被删除，全部审计记录不可信".into(),
                );
            }
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
                Field::SealPeriod,
                format!("至少 {MIN_EPOCH_SECS} 秒（1 分钟），默认 15 分钟"),
                format!("at least {MIN_EPOCH_SECS} seconds (1 minute); 15 minutes by default"),
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

    /// The last epoch sealed: from `meta` (written with the seal), else, for seals made before
    /// it was kept, the newest record's seal.
    fn last_sealed_epoch(&self) -> Result<Option<u64>, ServiceError> {
        if let Some(raw) = self.store.meta(LAST_SEALED_KEY)? {
            let bytes: [u8; 8] = <[u8; 8]>::try_from(&raw[..]).map_err(|_| {
                ServiceError::Store(
                    "元数据 seal_last_epoch 长度不对：封存记录已损坏，请运行 mingdan check".into(),
                )
            })?;
            return Ok(Some(u64::from_be_bytes(bytes)));
        }
        let last = self.store.last_audit()?;
        Ok(last.and_then(|r| r.link).and_then(|l| l.seal).map(|s| s.epoch))
    }

    /// Seals the current epoch once, idle or not (the seal record itself is the new entry), with
    /// that epoch's key, then evolves the key past it; after downtime only the current epoch is
    /// sealed (the epochs missed stay unsealed and `audit verify --key` names them). Called by
    /// the branch server on its timer. Returns the epoch sealed, if one was. Nothing happens
    /// while sealing is off. Errors: the key file missing or unreadable, the store refusing the
    /// write, the clock gone back behind an epoch already sealed or keyed (sealing would
    /// otherwise stop silently).
    pub fn seal_due(&self) -> Result<Option<u64>, ServiceError> {
        let Some(epochs) = self.seal_epochs()? else { return Ok(None) };
        let _w = self.write_lock();
        let path = self.seal_key_path();
        let (held, key) = read_key(&path)?;
        // One reading of the clock: the seal's own time must fall in the epoch whose key makes it.
        let t = self.now();
        let back = |e: u64| {
            ServiceError::Store(format!(
                "系统时钟倒退：现在 {} 早于已封存或密钥已推进到的第 {e} 期（{} 起），审计封存暂停；请校正服务器时钟，时钟追上后自动继续",
                at(t),
                at(epochs.start_of(e, shanghai()))
            ))
        };
        let last_sealed = self.last_sealed_epoch()?;
        let Some(now) = epochs.of(t) else { return Err(back(last_sealed.unwrap_or(held))) };
        if let Some(sealed) = last_sealed {
            if now < sealed {
                return Err(back(sealed));
            }
            if now == sealed {
                // Sealed, but cut off before the key evolved: finish that now.
                if held <= now {
                    write_key(&path, now + 1, &seal::key_at(&key, now + 1 - held))?;
                }
                return Ok(None);
            }
        }
        if now < held {
            return Err(back(held));
        }
        let k = seal::key_at(&key, now - held);
        let rec = AuditRecord::new(
            t,
            SYSTEM,
            AuditAction::Seal,
            format!("第 {now} 期"),
            format!("封存审计链（第 {now} 期，{} 起）", at(epochs.start_of(now, shanghai()))),
        );
        let sign =
            |seq: u64, hash: &[u8; 32]| SealMark { epoch: now, mac: seal::seal_mac(&k, now, seq, hash) };
        self.store.write(|tx| {
            tx.set_meta(LAST_SEALED_KEY, &now.to_be_bytes())?;
            tx.seal(&rec, &sign).map(|_| ())
        })?;
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
    let mut bytes = epoch.to_be_bytes().to_vec();
    bytes.extend_from_slice(key);
    // An evolved key is written over the old one where it lies: a rename would leave the old
    // key's blocks to the file system, where whoever takes the disk later could still read the
    // key of an epoch already sealed (forward security). 40 bytes at offset 0 sit in one sector.
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(mut f) => {
            f.write_all(&bytes).map_err(fail)?;
            f.set_len(bytes.len() as u64).map_err(fail)?;
            return f.sync_all().map_err(fail);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(fail(e)),
    }
    // The first key: made whole beside its place, then renamed in, so no half-written key file
    // is ever there to be read.
    let tmp = path.with_extension("key.new");
    let _ = std::fs::remove_file(&tmp);
    let mut f =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(fail)?;
    f.write_all(&bytes).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(fail)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evolved_key_is_written_over_the_old_one_in_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SEAL_KEY_FILE);
        write_key(&path, 0, &[7; 32]).unwrap();
        let first = std::fs::metadata(&path).unwrap();
        assert_eq!(first.mode() & 0o777, 0o600);
        write_key(&path, 1, &[9; 32]).unwrap();
        let second = std::fs::metadata(&path).unwrap();
        assert_eq!(first.ino(), second.ino(), "the same file, overwritten, not a new one renamed over it");
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!((&bytes[..8], &bytes[8..]), (&1u64.to_be_bytes()[..], &[9u8; 32][..]));
    }

    #[test]
    fn a_damaged_epoch_setting_with_a_tiny_length_or_a_start_before_1970_is_refused() {
        let ok = Epochs { start: 1_764_547_200, len: 900 };
        assert_eq!(epochs_decode(&epochs_encode(&ok)), Some(ok));
        assert_eq!(epochs_decode(&epochs_encode(&Epochs { len: 1, ..ok })), None);
        assert_eq!(epochs_decode(&epochs_encode(&Epochs { start: i64::MIN, ..ok })), None);
        assert_eq!(epochs_decode(&epochs_encode(&ok)[..15]), None);
    }
}
