//! The audit trail: every write, every reveal of a masked field and every export.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::labels::labelled_enum;

labelled_enum!(
    AuditAction, "操作", {
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
}
