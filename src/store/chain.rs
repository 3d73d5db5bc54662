//! The audit chain: every audit record carries its sequence number and the SHA-256 of the record
//! before it as stored (`entry_hash`), written in the same transaction as the write it audits
//! (`Tx::audit`). The chain head (sequence number, hash, and the last record's key) is kept in
//! `meta/written_seq` after the write count, so it travels in every backup image, and in the written mark beside the
//! store (see `mark`), so that cutting records off the end together with the head in `meta` is
//! seen too.
//!
//! Records from before schema 4 carry no link; the upgrade hashed them all into one block
//! (`meta/audit_legacy`: count and hash) that the first chained record points back to.
//!
//! Keys stay `time id` (see `keys`), but a record is never keyed before the chain's last one:
//! its key time is its own time or the last record's, whichever is later. So key order is
//! chain order, and `verify` walks the tree once, in order, holding one record at a time.

use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};

use super::codec::decode;
use super::{Store, StoreError, Tree};
use crate::domain::{AuditAction, AuditRecord, SealMark};

/// Meta key of the chain head: `written_seq`, the write count (8 bytes) followed by
/// `ChainHead::encode`. One entry for both keeps a write to one `meta` entry: a second one
/// rewritten by every write made sled split pages while reading on a full disk.
pub(crate) const HEAD_KEY: &[u8] = super::mark::SEQ_KEY;

/// The chain head in a `written_seq` value (`None` before anything was chained).
pub(crate) fn head_in(raw: &[u8]) -> Result<Option<ChainHead>, StoreError> {
    match raw.get(8..) {
        Some(rest) if !rest.is_empty() => ChainHead::decode(rest).map(Some),
        _ => Ok(None),
    }
}

/// A `written_seq` value `raw` (or none) with its chain head replaced by `head`.
pub(crate) fn with_head(raw: Option<&[u8]>, head: &ChainHead) -> Vec<u8> {
    let count = raw.and_then(|r| r.get(..8)).unwrap_or(&[0; 8]);
    [count, &head.encode()].concat()
}
/// Meta key of the block of records from before chaining: count (u64 BE) ‖ SHA-256.
pub(crate) const LEGACY_KEY: &[u8] = b"audit_legacy";

/// SHA-256 of a stored audit entry: key length (u32 BE) ‖ key ‖ value. The key is in it so that
/// a record moved to another place in the tree no longer fits.
pub fn entry_hash(key: &[u8], value: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((key.len() as u32).to_be_bytes());
    h.update(key);
    h.update(value);
    h.finalize().into()
}

/// Where the chain ends: the last record's sequence number (0: none chained yet), the hash it
/// points forward with (`entry_hash` of the last record, or the legacy block's hash, or zeros),
/// and the last audit key (empty when the tree is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: [u8; 32],
    pub last_key: Vec<u8>,
}

impl ChainHead {
    /// The head of a store that has never audited anything.
    pub fn genesis() -> ChainHead {
        ChainHead { seq: 0, hash: [0; 32], last_key: Vec::new() }
    }

    /// As stored after the write count in `meta/written_seq`: seq (u64 BE) ‖ hash (32 bytes) ‖
    /// last key.
    pub fn encode(&self) -> Vec<u8> {
        [&self.seq.to_be_bytes()[..], &self.hash, &self.last_key].concat()
    }

    /// Reads `encode`'s form; shorter than 40 bytes is `StoreError::Corrupt`.
    pub fn decode(raw: &[u8]) -> Result<ChainHead, StoreError> {
        let corrupt = || StoreError::Corrupt {
            kind: "元数据",
            key: "written_seq".into(),
            reason: "审计链头长度不对".into(),
        };
        let seq = raw.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).ok_or_else(corrupt)?;
        let hash = raw.get(8..40).and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(corrupt)?;
        Ok(ChainHead { seq: u64::from_be_bytes(seq), hash, last_key: raw[40..].to_vec() })
    }
}

/// The block of records from before chaining, as the upgrade recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LegacyBlock {
    pub count: u64,
    /// SHA-256 over the `entry_hash` of every record in key order; zeros when there were none.
    pub hash: [u8; 32],
}

impl LegacyBlock {
    /// As stored in `meta/audit_legacy`: count (u64 BE) ‖ hash.
    pub fn encode(&self) -> Vec<u8> {
        [&self.count.to_be_bytes()[..], &self.hash].concat()
    }

    fn decode(raw: &[u8]) -> Option<LegacyBlock> {
        let count = u64::from_be_bytes(raw.get(..8)?.try_into().ok()?);
        let hash = raw.get(8..40)?.try_into().ok()?;
        Some(LegacyBlock { count, hash })
    }
}

/// Running hash of the legacy block.
#[derive(Default)]
struct LegacyHasher {
    count: u64,
    h: Sha256,
}

impl LegacyHasher {
    fn add(&mut self, entry: &[u8; 32]) {
        self.count += 1;
        self.h.update(entry);
    }

    fn finish(self) -> LegacyBlock {
        if self.count == 0 {
            return LegacyBlock::default();
        }
        LegacyBlock { count: self.count, hash: self.h.finalize().into() }
    }
}

/// Hashes every audit record in the tree as one legacy block (the schema 3 → 4 upgrade, before
/// any record is chained) and returns it with the last key.
pub(crate) fn legacy_block(store: &Store) -> Result<(LegacyBlock, Vec<u8>), StoreError> {
    let mut hasher = LegacyHasher::default();
    let mut last = Vec::new();
    for item in store.tree(Tree::Audit).iter() {
        let (k, v) = item?;
        hasher.add(&entry_hash(&k, &v));
        last = k.to_vec();
    }
    Ok((hasher.finish(), last))
}

/// One seal record found in the chain, with what `verify --key` needs to check it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealFound {
    /// The seal record's own sequence number and time.
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    pub mark: SealMark,
    /// The chain head it seals: the record before it.
    pub sealed_seq: u64,
    pub sealed_hash: [u8; 32],
    /// Time of the earliest record this seal covers that the previous seal did not (`None`
    /// when there is none).
    pub first_new: Option<DateTime<FixedOffset>>,
    /// Sequence numbers first covered by this seal (`sealed_seq` of the previous seal + 1 ..=
    /// `sealed_seq`; legacy records count as 0).
    pub first_new_seq: u64,
}

/// What walking the chain found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainReport {
    /// Records from before chaining (one sealed block) and chained records.
    pub legacy: u64,
    pub chained: u64,
    /// The first record that does not fit, in a Chinese sentence naming it (time, actor,
    /// action, sequence number); `None` when the whole chain fits.
    pub problem: Option<String>,
    /// Every seal record, in chain order.
    pub seals: Vec<SealFound>,
    /// Records after the last seal: how many, and the first and last time.
    pub unsealed: Option<(u64, DateTime<FixedOffset>, DateTime<FixedOffset>)>,
}

impl ChainReport {
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

fn show_key(key: &[u8]) -> String {
    hex::encode(key)
}

impl Store {
    /// The chain head in `meta` (the genesis head when nothing is chained yet).
    pub(crate) fn chain_head(&self) -> Result<ChainHead, StoreError> {
        match self.tree(Tree::Meta).get(HEAD_KEY)? {
            Some(v) => Ok(head_in(&v)?.unwrap_or_else(ChainHead::genesis)),
            None => Ok(ChainHead::genesis()),
        }
    }

    /// The newest audit record, if any.
    pub fn last_audit(&self) -> Result<Option<AuditRecord>, StoreError> {
        match self.tree(Tree::Audit).last()? {
            Some((k, v)) => decode(&k, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Walks the audit chain from its start (see the module doc) and names the first record
    /// that does not fit: edited, deleted, inserted or moved. Also compares the end of the chain
    /// with the head in `meta` and with the copy in the written mark beside the store. The
    /// caller keeps writers out meanwhile (the service's writer lock), so that head and records
    /// are from one moment. Errors: the audit tree or `meta` could not be read.
    pub fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        let legacy_expected = match self.tree(Tree::Meta).get(LEGACY_KEY)? {
            Some(v) => LegacyBlock::decode(&v).ok_or_else(|| StoreError::Corrupt {
                kind: "元数据",
                key: "audit_legacy".into(),
                reason: "长度不对".into(),
            })?,
            None => LegacyBlock::default(),
        };
        // The mark first: it only ever trails the head in meta, so read in this order a sound
        // store never shows the mark ahead.
        let file_head = self.mark.audit_head();
        let meta_head = match self.tree(Tree::Meta).get(HEAD_KEY)? {
            Some(v) => head_in(&v)?,
            None => None,
        };

        let mut report = ChainReport::default();
        let mut legacy = Some(LegacyHasher::default());
        // The last chained record: its sequence number, hash and the record, to name it.
        let mut prev: Option<(u64, [u8; 32], AuditRecord)> = None;
        let mut file_head_hash: Option<[u8; 32]> = None;
        // Since the last seal: how many records, first sequence number and time, last time.
        let mut since_seal: Option<(u64, u64, DateTime<FixedOffset>, DateTime<FixedOffset>)> = None;
        let mut last_seal_seq = 0u64;
        let fail = |report: &mut ChainReport, p: String| {
            report.problem = Some(p);
        };
        for item in self.tree(Tree::Audit).iter() {
            let (k, v) = item?;
            let hash = entry_hash(&k, &v);
            let rec: AuditRecord = match decode(&k, &v) {
                Ok(r) => r,
                Err(e) => {
                    let after = prev
                        .as_ref()
                        .map_or_else(String::new, |(_, _, p)| format!("，在 {} 之后", p.describe()));
                    fail(
                        &mut report,
                        format!("审计记录（键 {}{after}）无法读取，被改动或损坏：{e}", show_key(&k)),
                    );
                    return Ok(report);
                }
            };
            let Some(link) = rec.link else {
                match legacy.as_mut() {
                    Some(h) => {
                        h.add(&hash);
                        report.legacy += 1;
                        continue;
                    }
                    None => {
                        fail(
                            &mut report,
                            format!(
                                "{} 没有链接信息，却夹在链式记录之间：这条记录是后来插入的",
                                rec.describe()
                            ),
                        );
                        return Ok(report);
                    }
                }
            };
            let (expected_seq, expected_prev) = match (&prev, legacy.take()) {
                (_, Some(h)) => {
                    let found = h.finish();
                    if found != legacy_expected {
                        fail(
                            &mut report,
                            format!(
                                "升级前的审计记录（封存为一段，升级时记下 {} 条）与升级时的摘要不符（现有 {} 条）：\
                                 其中有记录被修改、删除或插入",
                                legacy_expected.count, found.count
                            ),
                        );
                        return Ok(report);
                    }
                    (1, legacy_expected.hash)
                }
                (Some((seq, h, _)), None) => (seq + 1, *h),
                (None, None) => (1, legacy_expected.hash),
            };
            if link.seq != expected_seq {
                let p = if link.seq > expected_seq {
                    let missing = if link.seq - expected_seq == 1 {
                        format!("序号 {expected_seq}")
                    } else {
                        format!("序号 {} 至 {}", expected_seq, link.seq - 1)
                    };
                    format!(
                        "{missing} 的审计记录缺失（被删除，或与后面的记录调换了顺序）：在该处的是 {}",
                        rec.describe()
                    )
                } else {
                    format!("{} 出现在应为序号 {expected_seq} 的位置：记录被插入或调换了顺序", rec.describe())
                };
                fail(&mut report, p);
                return Ok(report);
            }
            if link.prev != expected_prev {
                let p = match &prev {
                    Some((_, _, p)) => format!(
                        "{} 与后一条记录所记的摘要不符：这条记录被修改过（或后一条 {} 是伪造的）",
                        p.describe(),
                        rec.describe()
                    ),
                    None => {
                        format!("{} 与升级前记录的摘要不衔接：这条记录是伪造的或被修改过", rec.describe())
                    }
                };
                fail(&mut report, p);
                return Ok(report);
            }
            report.chained += 1;
            if file_head.is_some_and(|(s, _)| s == link.seq) {
                file_head_hash = Some(hash);
            }
            match link.seal {
                Some(mark) if rec.action == AuditAction::Seal => {
                    let (first_new_seq, first_new) = match since_seal {
                        Some((_, first_seq, first_at, _)) => (first_seq, Some(first_at)),
                        None => (last_seal_seq + 1, None),
                    };
                    report.seals.push(SealFound {
                        seq: link.seq,
                        at: rec.at,
                        mark,
                        sealed_seq: link.seq - 1,
                        sealed_hash: link.prev,
                        first_new,
                        first_new_seq,
                    });
                    last_seal_seq = link.seq;
                    since_seal = None;
                }
                _ => {
                    since_seal = Some(match since_seal {
                        Some((n, first_seq, first, _)) => (n + 1, first_seq, first, rec.at),
                        None => (1, link.seq, rec.at, rec.at),
                    });
                }
            }
            prev = Some((link.seq, hash, rec));
        }
        report.unsealed = since_seal.map(|(n, _, first, last)| (n, first, last));
        // Only legacy records, never chained: they must still be the block the upgrade hashed.
        if let Some(h) = legacy.take() {
            let found = h.finish();
            if prev.is_none() && meta_head.is_some() && found != legacy_expected {
                fail(
                    &mut report,
                    format!(
                        "升级前的审计记录（升级时记下 {} 条）与升级时的摘要不符（现有 {} 条）：其中有记录被修改、删除或插入",
                        legacy_expected.count, found.count
                    ),
                );
                return Ok(report);
            }
        }
        let last_seq = prev.as_ref().map_or(0, |(s, _, _)| *s);
        match (&meta_head, &prev) {
            (None, Some((_, _, rec))) => {
                fail(&mut report, format!("数据库中缺少审计链头，最后一条是 {}：链头被删除", rec.describe()));
                return Ok(report);
            }
            (Some(head), _) if head.seq > last_seq => {
                let after = prev.as_ref().map_or_else(|| "链的开头".to_string(), |(_, _, r)| r.describe());
                fail(
                    &mut report,
                    format!(
                        "审计链头记到序号 {}，而记录只到序号 {last_seq}（{after}）：之后的 {} 条记录被删除",
                        head.seq,
                        head.seq - last_seq
                    ),
                );
                return Ok(report);
            }
            (Some(head), Some((seq, hash, rec))) if head.seq < *seq || head.hash != *hash => {
                let p = if head.seq < *seq {
                    format!("审计链头只记到序号 {}，{} 是链头之后插入的", head.seq, rec.describe())
                } else {
                    format!("最后一条 {} 与审计链头所记的摘要不符：这条记录被修改过", rec.describe())
                };
                fail(&mut report, p);
                return Ok(report);
            }
            _ => {}
        }
        if let Some((file_seq, file_hash)) = file_head {
            if file_seq > last_seq {
                fail(
                    &mut report,
                    format!(
                        "库外的链头文件记到序号 {file_seq}，数据库中只到序号 {last_seq}：末尾 {} 条记录连同库内链头被删除或回退",
                        file_seq - last_seq
                    ),
                );
            } else if file_seq > 0 && file_head_hash != Some(file_hash) {
                fail(
                    &mut report,
                    format!("序号 {file_seq} 的审计记录与库外链头文件所记的摘要不符：这条记录被修改过或重写"),
                );
            }
        }
        Ok(report)
    }
}
