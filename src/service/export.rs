//! Exports. Every export is audited with what left and how much; sensitive fields stay masked
//! unless an administrator asks for them in full.

use crate::domain::{Field, Invalid, Problem};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::views::{Table, heading};
use super::{Service, ServiceError};
use crate::domain::compliance::gaps;
use crate::domain::names::sort_key;
use crate::domain::{AuditAction, Permission, Staff, StaffNo};
use crate::import::columns::{CONTACT_COLUMNS, ClientOut, ContactOut, export_header, export_row};

impl Service {
    pub fn export_roster(
        &self,
        actor: &Staff,
        of: Option<StaffNo>,
        unmasked: bool,
        file: String,
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
        let columns = crate::import::columns::CLIENT_COLUMNS;
        let mut rows = Vec::new();
        for owner in &owners {
            let mut clients = self.roster_clients(&owner.no)?;
            clients.sort_by_cached_key(|c| sort_key(&c.name));
            for client in clients {
                let missing: Vec<&str> = gaps(&client.holdings, &rules).iter().map(|g| g.label()).collect();
                let out = ClientOut {
                    client,
                    maintainer_name: owner.name.clone(),
                    gaps: missing.join("、"),
                    unmasked,
                };
                rows.push(export_row(columns, &out));
            }
        }
        let scope =
            if owners.len() == 1 { format!("{} 的名单", owners[0].name) } else { "全行名单".into() };
        let detail =
            format!("名单：{scope}，{} 行，{}", rows.len(), if unmasked { "未遮蔽" } else { "已遮蔽" });
        self.audit_export(actor, &file, detail)?;
        let heading = heading(&self.branch_name()?, &scope, self.local_date());
        Ok(Table { title: "名单".into(), heading, headers: export_header(columns), rows })
    }

    /// Contacts that took place from `from` to `to`, both days included.
    pub fn export_contacts(
        &self,
        actor: &Staff,
        from: NaiveDate,
        to: NaiveDate,
        file: String,
    ) -> Result<Table, ServiceError> {
        self.require(actor, Permission::Manager, "导出联系记录")?;
        let table = self.contacts_table(from, to)?;
        // Contact records hold no ID number or phone: always masked.
        let detail = format!("联系记录：{from} 至 {to}，{} 行，已遮蔽", table.rows.len());
        self.audit_export(actor, &file, detail)?;
        Ok(table)
    }

    pub(super) fn contacts_table(&self, from: NaiveDate, to: NaiveDate) -> Result<Table, ServiceError> {
        if to < from {
            return Err(Invalid::new(Field::Date, Problem::EndBeforeStart).into());
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
            let staff_name = names.get(&c.by).cloned().unwrap_or_default();
            let launch_name = launch.unwrap_or_default();
            rows.push(export_row(
                CONTACT_COLUMNS,
                &ContactOut { contact: c, client_name, staff_name, launch_name },
            ));
        }
        let what = format!("联系记录 {from} 至 {to}");
        let heading = heading(&self.branch_name()?, &what, to.min(self.local_date()));
        Ok(Table { title: "联系记录".into(), heading, headers: export_header(CONTACT_COLUMNS), rows })
    }

    /// The branch as title rows name it: its outlets, in order, joined by 、 (`城关、东街、西街`).
    /// The store keeps no branch name, and the outlets are what staff call the branch by.
    pub fn branch_name(&self) -> Result<String, ServiceError> {
        let mut outlets: Vec<String> =
            self.store.all_staff()?.into_iter().map(|s| s.outlet.to_string()).collect();
        outlets.sort_by_cached_key(|o| sort_key(o));
        outlets.dedup();
        Ok(if outlets.is_empty() { "本支行".into() } else { outlets.join("、") })
    }

    /// Audits an export or report as 导出 with target `file` (where the client writes it; `-`,
    /// or nothing given, for standard output), so `mingdan audit --target FILE` finds it;
    /// `detail` says what, how many rows and whether it was unmasked.
    pub(super) fn audit_export(&self, actor: &Staff, file: &str, detail: String) -> Result<(), ServiceError> {
        let file = if file.trim().is_empty() { "-" } else { file };
        self.audit_only(&self.audit_record(actor.no.as_str(), AuditAction::Export, file, detail))
    }
}
