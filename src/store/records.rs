//! Which domain types are stored, and under which format version.

use super::codec::Record;
use crate::domain::{AuditRecord, Client, Contact, ContactDraft, ProductLaunch, Rules, Staff, Task};

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
}

impl Record for ProductLaunch {
    const KIND: &'static str = "新品推介";
}

impl Record for Rules {
    const KIND: &'static str = "配置";
}

impl Record for AuditRecord {
    const KIND: &'static str = "审计记录";
}
