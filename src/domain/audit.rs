//! The audit trail: every write, every reveal of a masked field and every export.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::labels::labelled_enum;

labelled_enum!(
    AuditAction, crate::domain::Field::AuditAction, {
        LogContact => "记录联系";
        EditPlan => "修改营销预案";
        SetSticker => "贴标";
        Reveal => "查看敏感信息";
        Export => "导出";
        Import => "导入";
        Assign => "分配客户";
        SaveStaff => "维护员工";
        SetRules => "修改配置";
        LaunchProduct => "新品推介";
        EnsureTasks => "生成任务";
        SeedDemo => "生成演示数据";
        SaveDraft => "保存草稿";
        Backup => "备份";
        Restore => "恢复";
        CorrectLaunch => "修改新品推介";
        WithdrawLaunch => "撤回新品推介";
        SetBranchTotal => "录入全行客户数";
        Seal => "封存审计";
        SealInit => "启用审计封存";
        ReceiveComplaint => "受理投诉";
        AdvanceComplaint => "推进投诉";
        ReassignComplaint => "改派投诉";
        DiscardDraft => "丢弃草稿";
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<FixedOffset>,
    /// 工号 of the acting staff member, or "system" for work no person asked for.
    pub actor: String,
    pub action: AuditAction,
    /// What was acted on: a client number, a file, a staff number.
    pub target: String,
    pub detail: String,
    /// Where the record sits in the audit chain; `None` for a record not yet written (the store
    /// fills it in as it writes) and for records from before the chain (schema 3 and older).
    pub link: Option<AuditLink>,
}

/// A record's place in the audit chain: its sequence number (1 for the first chained record)
/// and the SHA-256 of the record before it as stored (`store::chain::entry_hash`), or of the
/// block of records from before chaining (all zeros when there were none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLink {
    pub seq: u64,
    pub prev: [u8; 32],
    /// Present on a seal record (`AuditAction::Seal`) only.
    pub seal: Option<SealMark>,
}

/// A seal over the chain as it stood just before the seal record: epoch `epoch`'s key made
/// `mac` = HMAC-SHA256(k_epoch, epoch ‖ seq ‖ hash) over the chain head (seq, hash) it seals
/// (see `domain::seal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealMark {
    pub epoch: u64,
    pub mac: [u8; 32],
}

impl AuditRecord {
    /// A record not yet chained; `Tx::audit` links it as it writes it.
    pub fn new(
        at: DateTime<FixedOffset>,
        actor: impl Into<String>,
        action: AuditAction,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) -> AuditRecord {
        AuditRecord {
            at,
            actor: actor.into(),
            action,
            target: target.into(),
            detail: detail.into(),
            link: None,
        }
    }

    /// "2026-11-30 09:15:02 工号 1001 的“导出”（序号 42）" — how verification names a record.
    pub fn describe(&self) -> String {
        let seq = self.link.map_or_else(|| "链前记录".to_string(), |l| format!("序号 {}", l.seq));
        format!(
            "{} 操作人 {} 的“{}”（对象 {}，{seq}）",
            self.at.format("%Y-%m-%d %H:%M:%S"),
            self.actor,
            self.action,
            self.target
        )
    }
}
