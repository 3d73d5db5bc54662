//! Imports from the core-banking exports, all or nothing: every row is checked against the store
//! first, and if any row is bad nothing is written and every bad row is reported.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::views::{ChangeGroup, ImportOutcome, RowProblem};
use super::{Service, ServiceError};
use crate::domain::mask::{asset_band, mask_id, mask_phone};
use crate::domain::results::Snapshot;
use crate::domain::{
    AuditAction, CardTier, Client, ClientClass, ClientNo, ClientStatus, Fen, Gender, Holdings, JobRole,
    Login, OutletId, Permission, Scope, Segment, Staff, StaffNo, Sticker,
};
use crate::store::BULK_BATCH_ROWS;

/// A row of a staff directory file, its cells already parsed.
///
/// The 工号, name, role and outlet columns are required; the others are `None` when the file
/// has no such column or the cell is empty, and then an existing staff member keeps what they
/// have (a monthly HR list without logins must not lock everyone out) and a new one is a
/// serving member of staff without a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRecord {
    pub line: u64,
    pub no: StaffNo,
    pub name: String,
    pub role: JobRole,
    pub outlet: OutletId,
    pub login: Option<Login>,
    pub permission: Option<Permission>,
    /// 管理范围; `None`: an existing person keeps theirs, a new one gets `Scope::default_for`
    /// their role.
    pub scope: Option<Scope>,
    pub active: Option<bool>,
}

/// A row of a client register. `None` means the file has no such column (or the cell is empty):
/// an existing client keeps what it has, a new one gets the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    pub line: u64,
    pub no: Option<ClientNo>,
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub outlet: Option<OutletId>,
    pub tier: Option<CardTier>,
    pub assets: Option<Fen>,
    pub class: Option<ClientClass>,
    pub segment: Option<Segment>,
    pub maintainer: Option<StaffNo>,
    pub status: Option<ClientStatus>,
    pub sticker: Option<bool>,
    pub sticker_on: Option<NaiveDate>,
    pub holdings: HoldingsCells,
}

/// Basic-requirement cells, each optional as above.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldingsCells {
    pub online_banking: Option<bool>,
    pub shuanglifeng: Option<bool>,
    pub fund_auto_invest: Option<bool>,
    pub wealth_products: Option<u16>,
    pub self_service_permille: Option<u16>,
}

impl HoldingsCells {
    fn apply(&self, h: &mut Holdings) {
        if let Some(v) = self.online_banking {
            h.online_banking = v;
        }
        if let Some(v) = self.shuanglifeng {
            h.shuanglifeng = v;
        }
        if let Some(v) = self.fund_auto_invest {
            h.fund_auto_invest = v;
        }
        if let Some(v) = self.wealth_products {
            h.wealth_products = v;
        }
        if let Some(v) = self.self_service_permille {
            h.self_service_permille = v;
        }
    }
}

/// A row of a holdings file: the client and their current holdings (and balance, if given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldingsRecord {
    pub line: u64,
    pub no: ClientNo,
    pub assets: Option<Fen>,
    pub holdings: HoldingsCells,
}

/// Reports every line whose key appeared on an earlier line.
fn duplicates<'a>(rows: impl Iterator<Item = (u64, &'a str)>, column: &str, out: &mut Vec<RowProblem>) {
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    for (line, key) in rows {
        if let Some(first) = seen.insert(key, line) {
            out.push(RowProblem::new(line, column, format!("“{key}”与第 {first} 行重复")));
            seen.insert(key, first);
        }
    }
}

/// What the audit trail calls the file an import came from; it is the import's audit target.
pub(super) const SOURCE_FIELD: crate::domain::Field = crate::domain::Field::SourceFile;
/// A file name, as most file systems allow (255), counted in characters.
pub(super) const SOURCE_MAX_CHARS: usize = 255;

impl Service {
    fn import_audit(
        &self,
        actor: &Staff,
        source: &str,
        what: &str,
        o: &ImportOutcome,
    ) -> crate::domain::AuditRecord {
        let detail = format!("{what}：新增 {}，更新 {}，未变 {}", o.added, o.updated, o.unchanged);
        self.audit_record(actor.no.as_str(), AuditAction::Import, source, detail)
    }

    /// Imports a staff directory, all or nothing.
    ///
    /// A 工号 Excel wrote without its leading zeros is the directory's person when exactly one
    /// number equals it and the name agrees; an outlet written with a 支行/网点 suffix is the
    /// directory's outlet. Every change is listed; a real import audits each changed person.
    pub fn import_staff(
        &self,
        actor: &Staff,
        rows: Vec<StaffRecord>,
        source: String,
        dry_run: bool,
    ) -> Result<ImportOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "导入员工名单")?;
        crate::domain::text::check_line(SOURCE_FIELD, &source, SOURCE_MAX_CHARS, false)?;
        let _w = self.write_lock();
        let mut problems = Vec::new();
        for r in &rows {
            if let Err(e) = crate::import::cells::person_name(&r.name).and_then(|n| {
                if n == r.name {
                    Ok(())
                } else {
                    Err(crate::domain::Invalid::said(
                        crate::domain::Field::Name,
                        format!("“{}”未按规则整理", r.name),
                        format!("“{}” is not in the normal form", r.name),
                    ))
                }
            }) {
                problems.push(RowProblem::new(r.line, "姓名", e.problem.to_string()));
            }
        }
        duplicates(
            rows.iter().filter_map(|r| Some((r.line, r.login.as_ref()?.as_str()))),
            "登录名",
            &mut problems,
        );
        let directory = Directory::load(&self.store)?;
        let mut notes = Vec::new();
        let mut changes = Changes::new(None);
        // A 工号 that Excel wrote without its leading zeros is the person the directory has,
        // if the name says so too; another name is another person, and the row is refused.
        let mut rows_resolved = Vec::with_capacity(rows.len());
        for mut r in rows {
            if let Ok((s, Some(note))) = directory.resolve(&r.no) {
                if s.name != r.name {
                    problems.push(RowProblem::new(
                        r.line,
                        "工号",
                        format!(
                            "{} 与名录中的工号 {}（{}）数值相同，但姓名是{}；请写完整工号",
                            r.no, s.no, s.name, r.name
                        ),
                    ));
                    continue;
                }
                notes.push(RowProblem::new(r.line, "工号", note));
                r.no = s.no;
            }
            rows_resolved.push(r);
        }
        let rows = rows_resolved;
        duplicates(rows.iter().map(|r| (r.line, r.no.as_str())), "工号", &mut problems);
        let in_file: BTreeSet<&str> = rows.iter().map(|r| r.no.as_str()).collect();
        let mut outcome = ImportOutcome::default();
        let mut staff = Vec::new();
        let mut records = Vec::new();
        let mut new_outlets = BTreeSet::new();
        for r in &rows {
            if let Some(login) = &r.login
                && let Some(owner) = self.store.staff_by_login(login.as_str())?
                && owner.no != r.no
                && !in_file.contains(owner.no.as_str())
            {
                problems.push(RowProblem::new(
                    r.line,
                    "登录名",
                    format!("{login} 已属于工号 {}（{}）", owner.no, owner.name),
                ));
            }
            let outlet = match directory.known_outlet(&r.outlet) {
                Some(o) => {
                    if o != r.outlet {
                        notes.push(RowProblem::new(
                            r.line,
                            "网点",
                            format!("“{}”按名录中的网点“{o}”读取", r.outlet),
                        ));
                    }
                    o
                }
                None => {
                    new_outlets.insert(r.outlet.clone());
                    r.outlet.clone()
                }
            };
            let old = self.store.staff(&r.no)?;
            let new = Staff {
                no: r.no.clone(),
                name: r.name.clone(),
                role: r.role.clone(),
                outlet,
                login: r.login.clone().or_else(|| old.as_ref().and_then(|o| o.login.clone())),
                permission: r.permission.or(old.as_ref().map(|o| o.permission)).unwrap_or(Permission::Staff),
                scope: r
                    .scope
                    .or(old.as_ref().map(|o| o.scope))
                    .unwrap_or_else(|| Scope::default_for(&r.role)),
                active: r.active.or(old.as_ref().map(|o| o.active)).unwrap_or(true),
            };
            problems.extend(
                self.staff_change_problems(actor, old.as_ref(), &new)
                    .into_iter()
                    .map(|i| RowProblem::new(r.line, i.field.zh(), i.problem.to_string())),
            );
            let what = staff_changes(old.as_ref(), &new);
            for (kind, line) in &what {
                changes.one(kind, line.clone());
            }
            if !what.is_empty() {
                let detail: Vec<&str> = what.iter().map(|(_, l)| l.as_str()).collect();
                records.push(self.audit_record(
                    actor.no.as_str(),
                    AuditAction::SaveStaff,
                    new.no.as_str(),
                    format!("{}（导入 {source}）", detail.join("；")),
                ));
            }
            match &old {
                None => outcome.added += 1,
                Some(o) if *o == new => outcome.unchanged += 1,
                Some(_) => outcome.updated += 1,
            }
            staff.push(new);
        }
        if !new_outlets.is_empty() {
            changes.add("新网点", new_outlets.iter().map(ToString::to_string).collect());
        }
        outcome.notes = notes;
        outcome.changes = changes.into_groups();
        self.finish_import(actor, &source, "员工", outcome, problems, dry_run, |tx| {
            // Logins first leave everyone in the file, so a login passed from one row to another
            // is free whichever row comes first.
            for s in &staff {
                tx.release_login(&s.no)?;
            }
            for s in &staff {
                tx.save_staff(s)?;
            }
            for r in &records {
                tx.audit(r)?;
            }
            Ok(())
        })
    }

    /// Imports a client register, all or nothing. See `import_clients_from`.
    pub fn import_clients(
        &self,
        actor: &Staff,
        rows: Vec<ClientRecord>,
        source: String,
        dry_run: bool,
        new_outlets: Vec<OutletId>,
    ) -> Result<ImportOutcome, ServiceError> {
        let run = ImportRun { source, dry_run, rows_ok: &|| true, changes: None, written: None };
        self.import_clients_from(actor, &mut rows.into_iter(), run, &new_outlets)
    }

    /// Imports a client register read row by row, all or nothing, in memory bounded by a batch
    /// of rows rather than by the register.
    ///
    /// Client and staff numbers that equal exactly one existing number once leading zeros are
    /// dropped (Excel drops them) are read as that number, with a note. Outlets must be outlets
    /// of the staff directory (`城关支行` is `城关`) or the client's present outlet, unless named
    /// in `new_outlets`. One 证件号码 may belong to one client only. Every change is counted in
    /// `changes`, the first `CHANGE_LINES_KEPT` of each kind listed (all go to `run.changes`); a
    /// real import audits each client's changed phone, ID number and balance (masked), card tier
    /// and name.
    ///
    /// Every row is checked against the store first, writing nothing; what each good row will
    /// write is kept in a temporary file beside the store. Only when no row is bad (and
    /// `run.rows_ok` agrees) is it written, `BULK_BATCH_ROWS` rows per transaction, as one bulk
    /// write (`store::Bulk`): a crash or kill midway leaves the store as it was once reopened.
    pub fn import_clients_from(
        &self,
        actor: &Staff,
        rows: &mut dyn Iterator<Item = ClientRecord>,
        mut run: ImportRun<'_>,
        new_outlets: &[OutletId],
    ) -> Result<ImportOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "导入客户名单")?;
        let source = run.source.clone();
        crate::domain::text::check_line(SOURCE_FIELD, &source, SOURCE_MAX_CHARS, false)?;
        let today = self.local_date();
        let _w = self.write_lock();
        let rules = self.store.rules()?;
        let launches = self.store.launches()?;
        let directory = Directory::load(&self.store)?;
        let mut numbers = ClientNumbers::default();
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let mut changes = Changes::new(run.changes.take());
        let mut outcome = ImportOutcome::default();
        let mut seen_nos: KeyTable<u64> = KeyTable::default();
        let mut ids = IdOwners::default();
        let mut used_new_outlets = BTreeSet::new();
        // What the good rows will write, until the first bad row shows nothing will be.
        let mut plan = if run.dry_run { None } else { Some(PlanFile::new(self.store_path())?) };
        let mut snapshot = match plan {
            Some(_) => Some(self.snapshot_now(today)?),
            None => None,
        };
        let move_why = format!("导入 {source}");
        let lost_why = format!("客户流失，移出名单（导入 {source}）");
        // `62010051` and `062010051` in one file: numbers by their digits without leading zeros,
        // each with the entry in `seen_nos` of the row that first had it.
        let mut seen_numeric: KeyTable<u32> = KeyTable::default();
        for r in rows {
            let unchecked = unchecked_client_cells(&r, today);
            if !unchecked.is_empty() {
                problems.extend(unchecked);
                continue;
            }
            let Some(file_no) = &r.no else {
                problems.push(RowProblem::new(r.line, "客户号", "不能为空"));
                continue;
            };
            let (no, old) = match numbers.resolve(&self.store, file_no)? {
                Ok((no, old, note)) => {
                    notes.extend(note.map(|n| RowProblem::new(r.line, "客户号", n)));
                    (no, old)
                }
                Err(reason) => {
                    problems.push(RowProblem::new(r.line, "客户号", reason));
                    continue;
                }
            };
            if let Some(first) = seen_nos.get(no.as_str()) {
                problems.push(RowProblem::new(
                    r.line,
                    "客户号",
                    format!("“{no}”与第 {} 行重复", seen_nos.value(first)),
                ));
                continue;
            }
            let row_at = seen_nos.insert(no.as_str(), r.line);
            // One of them lost or gained zeros in Excel.
            if let Some(k) = numeric_key(no.as_str()) {
                match seen_numeric.get(k) {
                    Some(at) => {
                        let first = *seen_numeric.value(at);
                        let other = seen_nos.key(first);
                        if other != no.as_str() {
                            let line = seen_nos.value(first);
                            problems.push(RowProblem::new(
                                r.line,
                                "客户号",
                                format!("“{no}”与第 {line} 行的“{other}”数值相同（Excel 可能去掉了前导零）；请核对是否同一位客户"),
                            ));
                            continue;
                        }
                    }
                    None => {
                        seen_numeric.insert(k, row_at);
                    }
                }
            }
            let maintainer = match &r.maintainer {
                Some(m) => match directory.resolve(m) {
                    Ok((s, note)) if s.active => {
                        notes.extend(note.map(|n| RowProblem::new(r.line, "维护人工号", n)));
                        Some(s)
                    }
                    Ok((s, _)) => {
                        problems.push(RowProblem::new(
                            r.line,
                            "维护人工号",
                            format!(
                                "{}（{}）已停用；请改填在职员工的工号，或先在员工名单中把他恢复为在职",
                                s.no, s.name
                            ),
                        ));
                        continue;
                    }
                    Err(reason) => {
                        problems.push(RowProblem::new(r.line, "维护人工号", reason));
                        continue;
                    }
                },
                None => None,
            };
            let outlet = match &r.outlet {
                Some(o) => match directory.outlet(o, old.as_ref().map(|c| &c.outlet), new_outlets) {
                    Ok((outlet, is_new)) => {
                        if is_new {
                            used_new_outlets.insert(outlet.clone());
                        }
                        Some(outlet)
                    }
                    Err(reason) => {
                        problems.push(RowProblem::new(r.line, "网点", reason));
                        continue;
                    }
                },
                None => None,
            };
            if let (Some(born), Some(id)) = (r.birthday, &r.id_number)
                && let Some(in_id) = crate::domain::client::birthday_from_id(id)
                && in_id != born
            {
                problems.push(RowProblem::new(
                    r.line,
                    "出生日期",
                    format!("{born} 与证件号码中的出生日期 {in_id} 不一致；请核对哪一个填错了"),
                ));
                continue;
            }
            // Claimed only once the row's own checks pass, so a refused row holds no ID.
            if let Some(id) = &r.id_number
                && let Err(reason) = ids.claim(&self.store, id, &no, row_at, &seen_nos)?
            {
                problems.push(RowProblem::new(r.line, "证件号码", reason));
                continue;
            }
            let mut c = match &old {
                Some(o) => o.clone(),
                None => {
                    let Some(name) = &r.name else {
                        problems.push(RowProblem::new(r.line, "客户姓名", "新客户须填写姓名"));
                        continue;
                    };
                    let Some(outlet) =
                        outlet.clone().or_else(|| maintainer.as_ref().map(|m| m.outlet.clone()))
                    else {
                        problems.push(RowProblem::new(r.line, "网点", "新客户须填写所属网点（或维护人）"));
                        continue;
                    };
                    Client::new(no.clone(), name.clone(), outlet)
                }
            };
            apply_record(&mut c, &r, outlet, &rules);
            let moved = maintainer.as_ref().is_some_and(|m| c.maintainer.as_ref() != Some(&m.no));
            if moved && c.status == ClientStatus::Lost {
                problems.push(RowProblem::new(r.line, "客户状态", "已流失的客户不能分配维护人"));
                continue;
            }
            // A client the file says was lost leaves its roster: its tasks are cancelled and
            // the maintainer's quota no longer counts it.
            let leaving = c.status == ClientStatus::Lost && c.maintainer.is_some();
            let after_maintainer = if leaving {
                None
            } else if moved {
                maintainer.as_ref().map(|m| m.no.clone())
            } else {
                c.maintainer.clone()
            };
            changes.record(old.as_ref(), &c, after_maintainer.as_ref(), &directory);
            // Said in the preview too: a client falling asleep on a roster owes its maintainer a
            // wake-up contact (`task::reactivation_change`).
            if c.status == ClientStatus::Dormant
                && after_maintainer.is_some()
                && old.as_ref().is_none_or(|o| o.status != ClientStatus::Dormant || o.maintainer.is_none())
            {
                let who = after_maintainer.as_ref().map(|m| directory.name(m)).unwrap_or_default();
                changes.one("唤醒任务", format!("{} {}：由 {who} 在 30 天内联系", c.no, c.name));
            }
            match &old {
                None => outcome.added += 1,
                Some(o) if *o == c && !moved && !leaving => outcome.unchanged += 1,
                Some(_) => outcome.updated += 1,
            }
            if !problems.is_empty() {
                // Nothing will be written: the plan is no longer worth keeping.
                plan = None;
                snapshot = None;
            }
            let Some(plan) = plan.as_mut() else { continue };
            let sensitive = old.as_ref().and_then(|o| sensitive_changes(o, &c)).map(|detail| {
                self.audit_record(
                    actor.no.as_str(),
                    AuditAction::Import,
                    c.no.as_str(),
                    format!("{detail}（导入 {source}）"),
                )
            });
            let step = if leaving {
                let m = self.plan_move(c, None, &rules, &launches)?;
                let rec = self.move_records(actor, std::slice::from_ref(&m), &lost_why);
                Planned { client: m.client, tasks: m.tasks, records: rec, sensitive }
            } else if moved {
                let m = self.plan_move(c, maintainer.as_ref(), &rules, &launches)?;
                let rec = self.move_records(actor, std::slice::from_ref(&m), &move_why);
                Planned { client: m.client, tasks: m.tasks, records: rec, sensitive }
            } else {
                Planned { client: c, tasks: Vec::new(), records: Vec::new(), sensitive }
            };
            let mut step = step;
            // A client the file says fell asleep owes a 唤醒 contact; one that woke owes none.
            if old.as_ref().is_some_and(|o| o.status != step.client.status) {
                let mut all = self.store.tasks_of(&step.client.no)?;
                for t in &step.tasks {
                    match all.iter_mut().find(|a| a.id == t.id) {
                        Some(a) => *a = t.clone(),
                        None => all.push(t.clone()),
                    }
                }
                // The change this save records is the latest: it fell asleep today.
                step.tasks.extend(crate::domain::task::reactivation_change(
                    &step.client,
                    &all,
                    Some(today),
                    today,
                ));
            }
            if let Some(s) = snapshot.as_mut() {
                if let Some(o) = &old {
                    s.uncount(o);
                }
                s.count(&step.client);
            }
            plan.push(&step)?;
        }
        for o in new_outlets {
            if !used_new_outlets.contains(o) {
                notes.push(RowProblem::new(0, "网点", format!("--new-outlet {o} 在文件中没有用到")));
            }
        }
        if !used_new_outlets.is_empty() {
            changes.add("新网点", used_new_outlets.iter().map(ToString::to_string).collect());
        }
        outcome.notes = notes;
        outcome.changes = changes.into_groups();
        problems.sort();
        outcome.problems = problems;
        let writing = outcome.problems.is_empty() && (run.rows_ok)();
        let (Some(plan), Some(snapshot), true) = (plan, snapshot, writing) else { return Ok(outcome) };
        let rec = self.import_audit(actor, &source, "客户", &outcome);
        let write_one = |tx: &crate::store::Tx, s: &Planned| -> crate::store::TxResult<()> {
            tx.save_client(&s.client, today)?;
            for t in &s.tasks {
                tx.save_task(t)?;
            }
            for r in s.records.iter().chain(&s.sensitive) {
                tx.audit(r)?;
            }
            Ok(())
        };
        if plan.rows <= BULK_BATCH_ROWS {
            // One batch is one ordinary transaction, all or nothing by itself; its clients reach
            // the search index as they are saved, so they are found the moment it returns (a
            // bulk write has the index rebuilt instead).
            let steps = plan.read()?.collect::<Result<Vec<_>, _>>()?;
            self.store.write(|tx| {
                for s in &steps {
                    write_one(tx, s)?;
                }
                tx.save_snapshot(&snapshot)?;
                tx.audit(&rec)
            })?;
            outcome.written = true;
            return Ok(outcome);
        }
        let bulk = self.store.begin_bulk(&format!("导入客户名单 {source}"))?;
        let mut batch = Vec::with_capacity(BULK_BATCH_ROWS);
        let total = plan.rows as u64;
        let mut steps = plan.read()?;
        let mut written = 0u64;
        loop {
            batch.clear();
            for step in steps.by_ref().take(BULK_BATCH_ROWS) {
                batch.push(step?);
            }
            if batch.is_empty() {
                break;
            }
            bulk.write(|tx| {
                for s in &batch {
                    write_one(tx, s)?;
                }
                Ok(())
            })?;
            written += batch.len() as u64;
            if let Some(tell) = run.written.as_mut() {
                tell(written, total);
            }
        }
        bulk.commit(|tx| {
            tx.save_snapshot(&snapshot)?;
            tx.audit(&rec)
        })?;
        outcome.written = true;
        Ok(outcome)
    }

    /// Imports a holdings file (the monthly basic requirements and balances), all or nothing.
    /// A changed balance sets the card tier by the configured floors; an unchanged one leaves the
    /// tier alone. Client numbers without Excel's lost zeros are matched as in the register
    /// import. Every change is listed; a real import audits each changed balance (as a band).
    pub fn import_holdings(
        &self,
        actor: &Staff,
        rows: Vec<HoldingsRecord>,
        source: String,
        dry_run: bool,
    ) -> Result<ImportOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "导入持有产品数据")?;
        crate::domain::text::check_line(SOURCE_FIELD, &source, SOURCE_MAX_CHARS, false)?;
        let today = self.local_date();
        let _w = self.write_lock();
        let rules = self.store.rules()?;
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let mut changes = Changes::new(None);
        let mut numbers = ClientNumbers::default();
        let mut seen: BTreeMap<ClientNo, u64> = BTreeMap::new();
        let mut outcome = ImportOutcome::default();
        let mut changed = Vec::new();
        let mut records = Vec::new();
        for r in &rows {
            if let Some(reason) = unchecked_holdings(r.assets, &r.holdings) {
                problems.push(RowProblem::new(r.line, "", reason));
                continue;
            }
            let old = match numbers.resolve(&self.store, &r.no)? {
                Ok((no, Some(old), note)) => {
                    notes.extend(note.map(|n| RowProblem::new(r.line, "客户号", n)));
                    if let Some(first) = seen.insert(no.clone(), r.line) {
                        problems.push(RowProblem::new(
                            r.line,
                            "客户号",
                            format!("“{no}”与第 {first} 行重复"),
                        ));
                        continue;
                    }
                    old
                }
                Ok((_, None, _)) => {
                    problems.push(RowProblem::new(
                        r.line,
                        "客户号",
                        format!("{} 不在客户名单中，请先导入客户", r.no),
                    ));
                    continue;
                }
                Err(reason) => {
                    problems.push(RowProblem::new(r.line, "客户号", reason));
                    continue;
                }
            };
            let mut c = old.clone();
            r.holdings.apply(&mut c.holdings);
            if let Some(a) = r.assets
                && c.assets != Some(a)
            {
                c.assets = Some(a);
                c.tier = rules.tier_for(a);
            }
            changes.record(Some(&old), &c, c.maintainer.as_ref(), &Directory::empty());
            if old.holdings != c.holdings {
                changes.one("基本要求", format!("{} {}", c.no, c.name));
            }
            if let Some(detail) = sensitive_changes(&old, &c) {
                records.push(self.audit_record(
                    actor.no.as_str(),
                    AuditAction::Import,
                    c.no.as_str(),
                    format!("{detail}（导入 {source}）"),
                ));
            }
            if c == old {
                outcome.unchanged += 1;
            } else {
                outcome.updated += 1;
                changed.push(c);
            }
        }
        outcome.notes = notes;
        outcome.changes = changes.into_groups();
        let writing = !dry_run && problems.is_empty();
        let snapshot = if writing { Some(self.snapshot_with(today, changed.iter())?) } else { None };
        self.finish_import(actor, &source, "持有产品", outcome, problems, dry_run, |tx| {
            for c in &changed {
                tx.save_client(c, today)?;
            }
            for r in &records {
                tx.audit(r)?;
            }
            snapshot.as_ref().map_or(Ok(()), |s| tx.save_snapshot(s))
        })
    }

    /// The register's counts once `changed` clients are written. Every import records the
    /// day's gold-and-above count, in the import's own transaction, so growth can later be
    /// compared with the same date a year before.
    fn snapshot_with<'a>(
        &self,
        today: NaiveDate,
        changed: impl Iterator<Item = &'a Client>,
    ) -> Result<Snapshot, ServiceError> {
        let mut changed: std::collections::HashMap<&ClientNo, &Client> =
            changed.map(|c| (&c.no, c)).collect();
        let mut s = Snapshot::of(today, std::iter::empty());
        for c in self.store.clients() {
            let c = c?;
            match changed.remove(&c.no) {
                Some(new) => s.count(new),
                None => s.count(&c),
            }
        }
        // What is left was not in the register yet.
        for c in changed.values() {
            s.count(c);
        }
        Ok(s)
    }

    /// The register's counts as stored now, for an import to adjust row by row.
    fn snapshot_now(&self, today: NaiveDate) -> Result<Snapshot, ServiceError> {
        let mut s = Snapshot::of(today, std::iter::empty());
        for c in self.store.clients() {
            s.count(&c?);
        }
        Ok(s)
    }

    /// Writes the import in one transaction unless it is a dry run or any row is bad.
    #[allow(clippy::too_many_arguments)]
    fn finish_import(
        &self,
        actor: &Staff,
        source: &str,
        what: &str,
        mut outcome: ImportOutcome,
        mut problems: Vec<RowProblem>,
        dry_run: bool,
        write: impl Fn(&crate::store::Tx) -> crate::store::TxResult<()>,
    ) -> Result<ImportOutcome, ServiceError> {
        problems.sort();
        outcome.problems = problems;
        if dry_run || !outcome.problems.is_empty() {
            return Ok(outcome);
        }
        let rec = self.import_audit(actor, source, what, &outcome);
        self.store.write(|tx| {
            write(tx)?;
            tx.audit(&rec)
        })?;
        outcome.written = true;
        Ok(outcome)
    }
}

/// Copies the cells the file has onto the client. The maintainer is not copied: a change of
/// maintainer is a move with its own tasks and audit record.
fn apply_record(c: &mut Client, r: &ClientRecord, outlet: Option<OutletId>, rules: &crate::domain::Rules) {
    if let Some(v) = &r.name {
        c.name = v.clone();
    }
    if let Some(v) = r.gender {
        c.gender = v;
    }
    if let Some(v) = &r.phone {
        c.phone = v.clone();
    }
    if let Some(v) = &r.id_number {
        c.id_number = v.clone();
        if r.birthday.is_none() && c.birthday.is_none() {
            c.birthday = crate::domain::client::birthday_from_id(v);
        }
    }
    if let Some(v) = r.birthday {
        c.birthday = Some(v);
    }
    if let Some(v) = outlet {
        c.outlet = v;
    }
    // The tier follows the balance only when the balance changes: a file repeating the stored
    // amount must not undo a tier the branch set by hand.
    let balance_changed = r.assets.is_some_and(|a| c.assets != Some(a));
    if let Some(v) = r.assets {
        c.assets = Some(v);
    }
    match (r.tier, r.assets) {
        (Some(t), _) => c.tier = t,
        (None, Some(a)) if balance_changed => c.tier = rules.tier_for(a),
        _ => {}
    }
    if let Some(v) = r.class {
        c.class = v;
    }
    if let Some(v) = r.segment {
        c.segment = v;
    }
    if let Some(v) = r.status {
        c.status = v;
    }
    // A sticker date without a 贴标 column says the sticker is on.
    if let Some(done) = r.sticker.or(r.sticker_on.map(|_| true)) {
        c.sticker = Sticker { done, on: if done { r.sticker_on.or(c.sticker.on) } else { None } };
    }
    r.holdings.apply(&mut c.holdings);
}

/// Cells that did not come through the importer's own normalisers. A record may arrive from any
/// peer over the socket; each text cell must read back as itself, so nothing unchecked (a
/// control character, a masked or lossy value) reaches the store.
fn unchecked_client_cells(r: &ClientRecord, today: NaiveDate) -> Vec<RowProblem> {
    use crate::import::cells;
    let mut out = Vec::new();
    let mut check =
        |column: &str, value: Option<&str>, norm: fn(&str) -> Result<String, crate::domain::Invalid>| {
            if let Some(v) = value {
                match norm(v) {
                    Ok(n) if n == v => {}
                    Ok(n) => out.push(RowProblem::new(
                        r.line,
                        column,
                        format!("“{v}”未按规则整理（应为“{n}”），请用 mingdan import 导入"),
                    )),
                    Err(e) => out.push(RowProblem::new(r.line, column, e.problem.to_string())),
                }
            }
        };
    check("客户号", r.no.as_ref().map(ClientNo::as_str), |s| cells::client_no(s).map(|n| n.to_string()));
    check("客户姓名", r.name.as_deref(), cells::person_name);
    check("手机号码", r.phone.as_deref(), cells::phone);
    check("证件号码", r.id_number.as_deref(), cells::id_number);
    check("维护人工号", r.maintainer.as_ref().map(StaffNo::as_str), |s| {
        cells::staff_no(s).map(|n| n.to_string())
    });
    if let Some(reason) = unchecked_holdings(r.assets, &r.holdings) {
        out.push(RowProblem::new(r.line, "", reason));
    }
    for (column, day) in [("出生日期", r.birthday), ("贴标日期", r.sticker_on)] {
        if let Some(d) = day.filter(|d| *d > today) {
            out.push(RowProblem::new(r.line, column, format!("{d} 晚于今天")));
        }
    }
    if let Some(id) = &r.id_number
        && let Err(e) = cells::id_number_as_of(id, today)
    {
        out.push(RowProblem::new(r.line, "证件号码", e.problem.to_string()));
    }
    out
}

/// Why a peer's balance or holdings cannot be what any file said, if so.
fn unchecked_holdings(assets: Option<Fen>, h: &HoldingsCells) -> Option<String> {
    if assets.is_some_and(|a| a.0 < 0) {
        return Some("日均金融资产不能为负".into());
    }
    if h.self_service_permille.is_some_and(|p| p > 1000) {
        return Some("自办业务比例不能超过 100%".into());
    }
    None
}

/// The digits of an all-digit number with its leading zeros dropped: what Excel keeps of
/// `00123` when the column is not text.
fn numeric_key(s: &str) -> Option<&str> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = s.trim_start_matches('0');
    Some(if t.is_empty() { "0" } else { t })
}

/// The staff directory as an import reads it: by number, by number without leading zeros, by
/// name (to tell a user who typed a name where the 工号 goes), and its outlets.
pub(super) struct Directory {
    by_no: BTreeMap<StaffNo, Staff>,
    by_numeric: BTreeMap<String, Vec<StaffNo>>,
    /// Outlet name without its 支行/网点 suffix → the name the directory uses.
    outlets: BTreeMap<String, OutletId>,
}

impl Directory {
    /// A directory with nobody in it, for change lists that name no staff.
    fn empty() -> Directory {
        Directory { by_no: BTreeMap::new(), by_numeric: BTreeMap::new(), outlets: BTreeMap::new() }
    }

    pub(super) fn load(store: &crate::store::Store) -> Result<Directory, ServiceError> {
        let mut d =
            Directory { by_no: BTreeMap::new(), by_numeric: BTreeMap::new(), outlets: BTreeMap::new() };
        for s in store.all_staff()? {
            if let Some(k) = numeric_key(s.no.as_str()) {
                d.by_numeric.entry(k.to_string()).or_default().push(s.no.clone());
            }
            d.outlets.entry(outlet_stem(s.outlet.as_str()).to_string()).or_insert_with(|| s.outlet.clone());
            d.by_no.insert(s.no.clone(), s);
        }
        Ok(d)
    }

    fn name(&self, no: &StaffNo) -> String {
        self.by_no.get(no).map_or_else(|| no.to_string(), |s| format!("{} {}", s.no, s.name))
    }

    /// The staff member a file's 工号 means, and a note when it was matched without its zeros.
    /// Errors say what to write instead.
    pub(super) fn resolve(&self, no: &StaffNo) -> Result<(Staff, Option<String>), String> {
        if let Some(s) = self.by_no.get(no) {
            return Ok((s.clone(), None));
        }
        if let Some(k) = numeric_key(no.as_str())
            && let Some(found) = self.by_numeric.get(k)
        {
            return match found.as_slice() {
                [one] => {
                    let s = &self.by_no[one];
                    let note = format!("{no} 按工号 {}（{}）读取：Excel 去掉或加上了前导零", s.no, s.name);
                    Ok((s.clone(), Some(note)))
                }
                many => {
                    let list: Vec<String> = many.iter().map(ToString::to_string).collect();
                    Err(format!("{no} 与多个工号数值相同（{}），无法确定是谁；请写完整工号", list.join("、")))
                }
            };
        }
        // `吴霞（1002）`: a name with the 工号 in brackets, as some registers write it.
        let text = no.as_str().replace(['（', '）'], "|").replace(['(', ')'], "|");
        if let Some((name, digits)) = text.trim_end_matches('|').split_once('|')
            && let Some(s) = StaffNo::parse(digits).ok().and_then(|d| self.by_no.get(&d))
        {
            return if s.name == name {
                Ok((s.clone(), Some(format!("“{no}”按工号 {}（{}）读取", s.no, s.name))))
            } else {
                Err(format!("“{no}”中的工号 {} 是{}，不是{name}；请核对", s.no, s.name))
            };
        }
        let named: Vec<&Staff> = self.by_no.values().filter(|s| s.name == no.as_str()).collect();
        match named.as_slice() {
            [] => Err(format!("{no} 不在员工名录中，请先导入员工")),
            [one] => Err(format!("“{no}”是姓名，不是工号：{}的工号是 {}，请填工号", one.name, one.no)),
            many => {
                let list: Vec<String> = many.iter().map(|s| format!("{}（{}）", s.no, s.outlet)).collect();
                Err(format!(
                    "“{no}”是姓名，不是工号：名录中有 {} 位{no}，工号 {}，请填工号",
                    many.len(),
                    list.join("、")
                ))
            }
        }
    }

    /// The directory's outlet a name means, with or without its 支行/网点 suffix.
    pub(super) fn known_outlet(&self, written: &OutletId) -> Option<OutletId> {
        self.outlets.get(outlet_stem(written.as_str())).cloned()
    }

    /// The outlet a file's 网点 means: one of the directory's (with or without its 支行/网点
    /// suffix), the client's present outlet, or one named by `--new-outlet`; `true` for a new one.
    pub(super) fn outlet(
        &self,
        written: &OutletId,
        present: Option<&OutletId>,
        new_outlets: &[OutletId],
    ) -> Result<(OutletId, bool), String> {
        let stem = outlet_stem(written.as_str());
        if let Some(o) = self.outlets.get(stem) {
            return Ok((o.clone(), false));
        }
        if let Some(p) = present.filter(|p| outlet_stem(p.as_str()) == stem) {
            return Ok((p.clone(), false));
        }
        if let Some(n) = new_outlets.iter().find(|n| outlet_stem(n.as_str()) == stem) {
            return Ok((n.clone(), true));
        }
        let known: Vec<&str> = self.outlets.values().map(OutletId::as_str).collect();
        Err(format!(
            "“{written}”不是员工名录中的网点（现有：{}）；若确是新网点，请加 --new-outlet {written} 重新导入",
            if known.is_empty() { "无，请先导入员工名单".to_string() } else { known.join("、") }
        ))
    }
}

/// What changes for one person of the directory, by kind, as the change list shows it.
fn staff_changes(old: Option<&Staff>, new: &Staff) -> Vec<(&'static str, String)> {
    let who = format!("{} {}", new.no, new.name);
    let Some(old) = old else {
        return vec![(
            "新增员工",
            format!("{who}（{}，{}，{}）", new.outlet, new.role, new.permission.label()),
        )];
    };
    let mut out = Vec::new();
    let mut diff = |what: &'static str, a: String, b: String| {
        if a != b {
            out.push((what, format!("{who}：{what} {a} → {b}")));
        }
    };
    diff("姓名", old.name.clone(), new.name.clone());
    diff("网点", old.outlet.to_string(), new.outlet.to_string());
    diff("岗位", old.role.to_string(), new.role.to_string());
    diff("权限", old.permission.label().to_string(), new.permission.label().to_string());
    diff("管理范围", old.scope.label().to_string(), new.scope.label().to_string());
    let state = |a: bool| if a { "在职" } else { "停用" }.to_string();
    diff("在职", state(old.active), state(new.active));
    let login =
        |l: &Option<crate::domain::Login>| l.as_ref().map_or("（无）".to_string(), ToString::to_string);
    diff("登录名", login(&old.login), login(&new.login));
    out
}

/// An outlet's name without the suffix people add or leave off: `城关支行`, `城关网点` and `城关`
/// are one outlet.
pub fn outlet_stem(name: &str) -> &str {
    const SUFFIXES: [&str; 6] = ["支行", "网点", "营业部", "分理处", "营业所", "储蓄所"];
    let name = name.trim();
    for s in SUFFIXES {
        if let Some(stem) = name.strip_suffix(s)
            && !stem.is_empty()
        {
            return stem;
        }
    }
    name
}

/// Finds the stored client a file's 客户号 means.
#[derive(Default)]
pub(super) struct ClientNumbers {
    /// Stored numbers that start with 0, by their digits without the zeros; read once, when
    /// a number is first not found as written.
    zero_led: Option<BTreeMap<String, Vec<ClientNo>>>,
}

impl ClientNumbers {
    /// The number, the stored client, and a note when matched without leading zeros; or why
    /// the number cannot be matched.
    #[allow(clippy::type_complexity)]
    pub(super) fn resolve(
        &mut self,
        store: &crate::store::Store,
        no: &ClientNo,
    ) -> Result<Result<(ClientNo, Option<Client>, Option<String>), String>, ServiceError> {
        if let Some(c) = store.client(no)? {
            return Ok(Ok((no.clone(), Some(c), None)));
        }
        let Some(k) = numeric_key(no.as_str()) else { return Ok(Ok((no.clone(), None, None))) };
        let mut found: Vec<ClientNo> = Vec::new();
        if k != no.as_str()
            && let Ok(bare) = ClientNo::parse(k)
            && store.client(&bare)?.is_some()
        {
            found.push(bare);
        }
        if self.zero_led.is_none() {
            let mut map: BTreeMap<String, Vec<ClientNo>> = BTreeMap::new();
            for c in store.clients_with_prefix("0") {
                let c = c?;
                if let Some(key) = numeric_key(c.no.as_str()) {
                    map.entry(key.to_string()).or_default().push(c.no);
                }
            }
            self.zero_led = Some(map);
        }
        if let Some(more) = self.zero_led.as_ref().and_then(|m| m.get(k)) {
            found.extend(more.iter().filter(|m| *m != no).cloned());
        }
        Ok(match found.as_slice() {
            [] => Ok((no.clone(), None, None)),
            [one] => {
                let c = store.client(one)?;
                let note = format!("{no} 按已有客户号 {one} 读取：Excel 去掉或加上了前导零");
                Ok((one.clone(), c, Some(note)))
            }
            many => {
                let list: Vec<String> = many.iter().map(ToString::to_string).collect();
                Err(format!(
                    "{no} 与多个已有客户号数值相同（{}），无法确定是哪一位；请写完整客户号",
                    list.join("、")
                ))
            }
        })
    }
}

/// Who each 证件号码 belongs to, in the store and in the file so far, in a few dozen bytes per
/// number: at a million clients a map of owned strings would take hundreds of megabytes.
#[derive(Default)]
struct IdOwners {
    /// Stored ID numbers → the client holding each (an entry of `stored_nos`).
    stored: Option<(KeyTable<u32>, KeyTable<()>)>,
    /// ID numbers of the file so far → the row claiming each (an entry of the import's table of
    /// client numbers, whose value is the row's line).
    in_file: KeyTable<u32>,
}

impl IdOwners {
    /// Claims `id` for client `no`, the file's `row` entry of `rows`; refuses an ID that belongs
    /// to another client.
    fn claim(
        &mut self,
        store: &crate::store::Store,
        id: &str,
        no: &ClientNo,
        row: u32,
        rows: &KeyTable<u64>,
    ) -> Result<Result<(), String>, ServiceError> {
        if id.is_empty() {
            return Ok(Ok(()));
        }
        // A 15-digit first-generation ID and its 18-digit form are one person.
        let key = crate::domain::client::id_key(id);
        let id = key.as_str();
        if let Some(at) = self.in_file.get(id) {
            let other_row = *self.in_file.value(at);
            let other = rows.key(other_row);
            if other != no.as_str() {
                let line = rows.value(other_row);
                return Ok(Err(format!(
                    "与第 {line} 行客户 {other} 的证件号码相同：一个证件号码只能属于一位客户"
                )));
            }
        }
        if self.stored.is_none() {
            let mut by_id = KeyTable::default();
            let mut nos = KeyTable::default();
            for c in store.clients() {
                let c = c?;
                if !c.id_number.is_empty() {
                    let at = nos.insert(c.no.as_str(), ());
                    by_id.insert(&crate::domain::client::id_key(&c.id_number), at);
                }
            }
            self.stored = Some((by_id, nos));
        }
        if let Some((by_id, nos)) = &self.stored
            && let Some(at) = by_id.get(id)
        {
            let other = nos.key(*by_id.value(at));
            if other != no.as_str() {
                let name = ClientNo::parse(other)
                    .ok()
                    .and_then(|o| store.client(&o).ok().flatten())
                    .map_or_else(String::new, |c| c.name);
                return Ok(Err(format!(
                    "已是客户 {other}（{name}）的证件号码：一个证件号码只能属于一位客户，请核对客户号 {no} 和 {other}"
                )));
            }
        }
        match self.in_file.get(id) {
            Some(at) => *self.in_file.value_mut(at) = row,
            None => {
                self.in_file.insert(id, row);
            }
        }
        Ok(Ok(()))
    }
}

/// Distinct strings, each with a value, packed into one buffer: about 20 bytes per entry beyond
/// the text itself, where a `HashMap<String, _>` takes 60 or more.
struct KeyTable<V> {
    text: Vec<u8>,
    /// Where each entry's text ends in `text`.
    ends: Vec<u32>,
    values: Vec<V>,
    /// Hash of the text → the entry. Two texts with one hash (never seen in practice, but
    /// possible) put the later one in `clashes`.
    by_hash: HashMap<u64, u32>,
    clashes: Vec<u32>,
}

impl<V> Default for KeyTable<V> {
    fn default() -> Self {
        KeyTable {
            text: Vec::new(),
            ends: Vec::new(),
            values: Vec::new(),
            by_hash: HashMap::new(),
            clashes: Vec::new(),
        }
    }
}

impl<V> KeyTable<V> {
    fn hash(key: &str) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        h.finish()
    }

    fn key(&self, at: u32) -> &str {
        let at = at as usize;
        let start = if at == 0 { 0 } else { self.ends[at - 1] as usize };
        // Only whole strings go in, so the slice is whole characters.
        std::str::from_utf8(&self.text[start..self.ends[at] as usize]).unwrap_or_default()
    }

    fn value(&self, at: u32) -> &V {
        &self.values[at as usize]
    }

    fn value_mut(&mut self, at: u32) -> &mut V {
        &mut self.values[at as usize]
    }

    fn get(&self, key: &str) -> Option<u32> {
        let first = *self.by_hash.get(&Self::hash(key))?;
        if self.key(first) == key {
            return Some(first);
        }
        self.clashes.iter().copied().find(|at| self.key(*at) == key)
    }

    /// Adds `key` (not yet in the table) and returns its entry.
    fn insert(&mut self, key: &str, value: V) -> u32 {
        let at = self.values.len() as u32;
        self.text.extend_from_slice(key.as_bytes());
        self.ends.push(self.text.len() as u32);
        self.values.push(value);
        if let Some(first) = self.by_hash.insert(Self::hash(key), at) {
            self.by_hash.insert(Self::hash(key), first);
            self.clashes.push(at);
        }
        at
    }
}

/// Told of each change line of an import: its kind (`维护人`) and the line.
pub type ChangeSink<'a> = &'a mut dyn FnMut(&str, &str);

/// How a client import is run, besides its rows.
pub struct ImportRun<'a> {
    /// The file's name, for the audit trail.
    pub source: String,
    pub dry_run: bool,
    /// Asked once every row has been read: `false` when the file had rows that could not be
    /// read into records, so nothing may be written (the rows that were read are still checked).
    pub rows_ok: &'a dyn Fn() -> bool,
    /// Told of every change line (kind, line), beyond the first `CHANGE_LINES_KEPT` of each kind
    /// that `ImportOutcome::changes` keeps: the full list for `--report`.
    pub changes: Option<ChangeSink<'a>>,
    /// Told (rows written, rows to write) after each batch of a real import, for a progress bar.
    pub written: Option<&'a mut dyn FnMut(u64, u64)>,
}

/// What one good row of a client import writes.
#[derive(Serialize, Deserialize)]
struct Planned {
    client: Client,
    /// Tasks a change of maintainer opens, moves or cancels.
    tasks: Vec<crate::domain::Task>,
    /// The move's audit record.
    records: Vec<crate::domain::AuditRecord>,
    /// The audit record of a changed phone, ID number or balance.
    sensitive: Option<crate::domain::AuditRecord>,
}

/// The rows an import will write, in a temporary file beside the store (gone when closed, also
/// when the process is killed): a million planned rows are a few hundred megabytes.
struct PlanFile {
    out: std::io::BufWriter<std::fs::File>,
    /// Rows planned so far.
    rows: usize,
}

impl PlanFile {
    fn new(dir: &std::path::Path) -> Result<PlanFile, ServiceError> {
        let file = tempfile::tempfile_in(dir).map_err(|e| {
            ServiceError::Store(format!(
                "无法在 {} 建立导入用的临时文件：{}",
                dir.display(),
                crate::os::io_reason(&e)
            ))
        })?;
        Ok(PlanFile { out: std::io::BufWriter::with_capacity(1 << 20, file), rows: 0 })
    }

    fn push(&mut self, step: &Planned) -> Result<(), ServiceError> {
        self.rows += 1;
        bincode::serde::encode_into_std_write(step, &mut self.out, bincode::config::standard())
            .map(|_| ())
            .map_err(|e| {
                let reason = match &e {
                    bincode::error::EncodeError::Io { inner, .. } => crate::os::io_reason(inner),
                    _ => "记录无法写出".to_string(),
                };
                ServiceError::Store(format!(
                    "写导入临时文件失败：{reason}（临时文件在数据库目录中，请检查磁盘空间）"
                ))
            })
    }

    /// The planned rows, in the order they were planned.
    fn read(self) -> Result<impl Iterator<Item = Result<Planned, ServiceError>>, ServiceError> {
        use std::io::{BufRead, Seek};
        let failed = |e: String| ServiceError::Store(format!("读导入临时文件失败：{e}"));
        let mut file = self.out.into_inner().map_err(|e| failed(crate::os::io_reason(e.error())))?;
        file.seek(std::io::SeekFrom::Start(0)).map_err(|e| failed(crate::os::io_reason(&e)))?;
        let mut input = std::io::BufReader::with_capacity(1 << 20, file);
        Ok(std::iter::from_fn(move || match input.fill_buf() {
            Ok([]) => None,
            Ok(_) => Some(
                bincode::serde::decode_from_std_read(&mut input, bincode::config::standard()).map_err(|e| {
                    failed(match &e {
                        bincode::error::DecodeError::Io { inner, .. } => crate::os::io_reason(inner),
                        _ => "临时文件已损坏，请重新导入".to_string(),
                    })
                }),
            ),
            Err(e) => Some(Err(failed(crate::os::io_reason(&e)))),
        }))
    }
}

/// How many lines of each kind of change an import's outcome lists; the rest are counted (and
/// told to `ImportRun::changes`). A terminal shows 20; a report over the branch server gets these.
pub const CHANGE_LINES_KEPT: usize = 1_000;

/// The changes an import makes, by kind, in the order a reader checks them.
struct Changes<'a> {
    groups: BTreeMap<usize, (&'static str, u64, Vec<String>)>,
    sink: Option<ChangeSink<'a>>,
}

const CHANGE_KINDS: [&str; 20] = [
    "新增客户",
    "新增员工",
    "新网点",
    "维护人",
    "卡级别",
    "日均金融资产",
    "客户状态",
    "唤醒任务",
    "客户分类",
    "客户类型",
    "客户姓名",
    "手机号码",
    "证件号码",
    "网点",
    "姓名",
    "岗位",
    "权限",
    "在职",
    "登录名",
    "基本要求",
];

impl<'a> Changes<'a> {
    fn new(sink: Option<ChangeSink<'a>>) -> Changes<'a> {
        Changes { groups: BTreeMap::new(), sink }
    }

    fn add(&mut self, what: &'static str, lines: Vec<String>) {
        for line in lines {
            self.one(what, line);
        }
    }

    fn one(&mut self, what: &'static str, line: String) {
        if let Some(sink) = self.sink.as_mut() {
            sink(what, &line);
        }
        // Every kind is in the list; one added without it would come last rather than be lost.
        let rank = CHANGE_KINDS.iter().position(|k| *k == what).unwrap_or(CHANGE_KINDS.len());
        let group = self.groups.entry(rank).or_insert((what, 0, Vec::new()));
        group.1 += 1;
        if group.2.len() < CHANGE_LINES_KEPT {
            group.2.push(line);
        }
    }

    fn record(&mut self, old: Option<&Client>, new: &Client, maintainer: Option<&StaffNo>, d: &Directory) {
        let who = format!("{} {}", new.no, new.name);
        let staff = |m: Option<&StaffNo>| m.map_or_else(|| "（无）".to_string(), |m| d.name(m));
        let Some(old) = old else {
            self.one(
                "新增客户",
                format!("{who}（{}，{}，维护人 {}）", new.outlet, new.tier, staff(maintainer)),
            );
            return;
        };
        if old.maintainer.as_ref() != maintainer {
            self.one("维护人", format!("{who}：{} → {}", staff(old.maintainer.as_ref()), staff(maintainer)));
        }
        for (what, a, b) in client_diffs(old, new) {
            self.one(what, format!("{who}：{a} → {b}"));
        }
    }

    fn into_groups(self) -> Vec<ChangeGroup> {
        self.groups
            .into_values()
            .map(|(what, total, lines)| ChangeGroup { what: what.to_string(), total, lines })
            .collect()
    }
}

/// What changed on a client that a reader checks, as (kind, before, after) in the order the
/// change list shows them: the change list and the per-client audit are both written from it, so
/// they cannot tell different stories. Sensitive values are compared in full and shown masked (a
/// change inside the hidden digits still says so); balances as bands.
fn client_diffs(old: &Client, new: &Client) -> Vec<(&'static str, String, String)> {
    let band = |a: Option<Fen>| a.map_or_else(|| "未知".to_string(), |a| asset_band(a).label());
    let secret = |a: &str, b: &str, mask: fn(&str) -> String| -> (String, String) {
        let (ma, mb) = (shown(mask(a)), shown(mask(b)));
        if ma == mb { (ma, format!("{mb}（遮蔽的位有变化）")) } else { (ma, mb) }
    };
    let mut out = Vec::new();
    let mut add = |what: &'static str, differs: bool, show: &dyn Fn() -> (String, String)| {
        if differs {
            let (a, b) = show();
            out.push((what, a, b));
        }
    };
    add("卡级别", old.tier != new.tier, &|| (old.tier.to_string(), new.tier.to_string()));
    add("日均金融资产", old.assets != new.assets, &|| (band(old.assets), band(new.assets)));
    add("客户状态", old.status != new.status, &|| (old.status.to_string(), new.status.to_string()));
    add("客户分类", old.class != new.class, &|| (old.class.to_string(), new.class.to_string()));
    add("客户类型", old.segment != new.segment, &|| (old.segment.to_string(), new.segment.to_string()));
    add("客户姓名", old.name != new.name, &|| (old.name.clone(), new.name.clone()));
    add("手机号码", old.phone != new.phone, &|| secret(&old.phone, &new.phone, mask_phone));
    add("证件号码", old.id_number != new.id_number, &|| secret(&old.id_number, &new.id_number, mask_id));
    add("网点", old.outlet != new.outlet, &|| (old.outlet.to_string(), new.outlet.to_string()));
    out
}

/// The per-client audit text of an import: the changed phone, ID number and balance (masked),
/// card tier and name; `None` if none changed.
fn sensitive_changes(old: &Client, new: &Client) -> Option<String> {
    const AUDITED: [&str; 5] = ["手机号码", "证件号码", "日均金融资产", "卡级别", "客户姓名"];
    let parts: Vec<String> = client_diffs(old, new)
        .into_iter()
        .filter(|(what, _, _)| AUDITED.contains(what))
        .map(|(what, a, b)| format!("{what} {a} → {b}"))
        .collect();
    (!parts.is_empty()).then(|| parts.join("；"))
}

fn shown(s: String) -> String {
    if s.is_empty() { "（空）".into() } else { s }
}
