//! Exports. Every export is audited with what left and how much; sensitive fields stay masked
//! unless an administrator asks for them in full.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::views::Table;
use super::{Service, ServiceError};
use crate::domain::client::display_permille;
use crate::domain::compliance::gaps;
use crate::domain::mask::{asset_band, mask_id, mask_phone};
use crate::domain::names::sort_key;
use crate::domain::{AuditAction, Fen, Permission, Staff, StaffNo};

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Service {
    pub fn export_roster(
        &self,
        actor: &Staff,
        of: Option<StaffNo>,
        unmasked: bool,
    ) -> Result<Table, ServiceError> {
        if unmasked {
            self.require(actor, Permission::Admin, "导出未遮蔽的证件号、手机号和资产")?;
        }
        // Without `of`, a manager exports every roster of the branch; staff their own.
        let owners: Vec<Staff> = match of {
            None if actor.may(Permission::Manager) => self.store.all_staff()?,
            other => vec![self.roster_owner(actor, other)?],
        };
        let rules = self.store.rules()?;
        let headers = [
            "客户号",
            "客户姓名",
            "手机号码",
            "证件号码",
            "网点",
            "卡级别",
            "日均金融资产",
            "客户分类",
            "客户类型",
            "维护人工号",
            "维护人",
            "贴标",
            "个人网银",
            "双利丰",
            "基金定投",
            "理财产品数",
            "自办业务比例",
            "缺项",
            "最近联系",
            "下次回访",
            "客户状态",
        ];
        let mut rows = Vec::new();
        for owner in &owners {
            let mut clients = self.roster_clients(&owner.no)?;
            clients.sort_by_cached_key(|c| sort_key(&c.name));
            for c in clients {
                let yes = |b: bool| if b { "是" } else { "否" }.to_string();
                // An unknown balance leaves the cell empty, never 0 or a band, so importing the
                // file again keeps it unknown (an empty cell keeps the stored value).
                let (phone, id, assets) = if unmasked {
                    (c.phone.clone(), c.id_number.clone(), opt(c.assets.map(Fen::display_yuan)))
                } else {
                    (
                        mask_phone(&c.phone),
                        mask_id(&c.id_number),
                        opt(c.assets.map(|a| asset_band(a).label())),
                    )
                };
                let missing: Vec<&str> = gaps(&c.holdings, &rules).iter().map(|g| g.label()).collect();
                rows.push(vec![
                    c.no.to_string(),
                    c.name.clone(),
                    phone,
                    id,
                    c.outlet.to_string(),
                    c.tier.to_string(),
                    assets,
                    c.class.to_string(),
                    c.segment.to_string(),
                    owner.no.to_string(),
                    owner.name.clone(),
                    yes(c.sticker.done),
                    yes(c.holdings.online_banking),
                    yes(c.holdings.shuanglifeng),
                    yes(c.holdings.fund_auto_invest),
                    c.holdings.wealth_products.to_string(),
                    display_permille(c.holdings.self_service_permille),
                    missing.join("、"),
                    opt(c.last_contact),
                    opt(c.next_callback),
                    c.status.to_string(),
                ]);
            }
        }
        let scope =
            if owners.len() == 1 { format!("{} 的名单", owners[0].name) } else { "全行名单".into() };
        let detail = format!("{scope}，{} 行，{}", rows.len(), if unmasked { "未遮蔽" } else { "已遮蔽" });
        self.audit_export(actor, "名单", detail)?;
        Ok(Table { title: "名单".into(), headers: headers.iter().map(|h| h.to_string()).collect(), rows })
    }

    /// Contacts that took place from `from` to `to`, both days included.
    pub fn export_contacts(
        &self,
        actor: &Staff,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Table, ServiceError> {
        self.require(actor, Permission::Manager, "导出联系记录")?;
        let table = self.contacts_table(from, to)?;
        self.audit_export(actor, "联系记录", format!("{from} 至 {to}，{} 行", table.rows.len()))?;
        Ok(table)
    }

    pub(super) fn contacts_table(&self, from: NaiveDate, to: NaiveDate) -> Result<Table, ServiceError> {
        if to < from {
            return Err(ServiceError::invalid("日期", "结束日期早于开始日期"));
        }
        let start = from.and_time(NaiveTime::MIN);
        // A peer may send the last date there is; its next midnight does not exist.
        let end = to.succ_opt().map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN));
        let launches = self.store.launches()?;
        let mut names = std::collections::BTreeMap::new();
        let mut rows = Vec::new();
        for c in self.store.contacts_between(start, end) {
            let c = c?;
            if !names.contains_key(&c.by) {
                names.insert(c.by.clone(), self.staff_ref(&c.by)?.name);
            }
            let client_name = self.store.client(&c.client)?.map(|x| x.name).unwrap_or_default();
            let launch = c.launch.and_then(|id| launches.iter().find(|l| l.id == id)).map(|l| l.name.clone());
            rows.push(vec![
                c.at.format("%Y-%m-%d %H:%M").to_string(),
                c.client.to_string(),
                client_name,
                c.by.to_string(),
                names.get(&c.by).cloned().unwrap_or_default(),
                c.channel.to_string(),
                c.purpose.to_string(),
                launch.unwrap_or_default(),
                c.outcome.to_string(),
                opt(c.satisfaction),
                opt(c.next_callback),
                c.note.clone(),
            ]);
        }
        let headers = [
            "联系时间",
            "客户号",
            "客户姓名",
            "员工工号",
            "员工",
            "联系方式",
            "联系目的",
            "推介产品",
            "联系结果",
            "满意度",
            "下次回访",
            "备注",
        ];
        Ok(Table {
            title: "联系记录".into(), headers: headers.iter().map(|h| h.to_string()).collect(), rows
        })
    }

    pub(super) fn audit_export(&self, actor: &Staff, what: &str, detail: String) -> Result<(), ServiceError> {
        self.audit_only(&self.audit_record(actor.no.as_str(), AuditAction::Export, what, detail))
    }
}
