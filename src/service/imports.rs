//! Imports from the core-banking exports, all or nothing: every row is checked against the store
//! first, and if any row is bad nothing is written and every bad row is reported.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::views::{ImportOutcome, RowProblem};
use super::{Service, ServiceError};
use crate::domain::results::Snapshot;
use crate::domain::{
    AuditAction, CardTier, Client, ClientClass, ClientNo, ClientStatus, Fen, Gender, Holdings, JobRole,
    Login, OutletId, Permission, Segment, Staff, StaffNo, Sticker,
};

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

fn problem(line: u64, column: &str, reason: impl Into<String>) -> RowProblem {
    RowProblem { line, column: column.to_string(), reason: reason.into() }
}

/// Reports every line whose key appeared on an earlier line.
fn duplicates<'a>(rows: impl Iterator<Item = (u64, &'a str)>, column: &str, out: &mut Vec<RowProblem>) {
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    for (line, key) in rows {
        if let Some(first) = seen.insert(key, line) {
            out.push(problem(line, column, format!("“{key}”与第 {first} 行重复")));
            seen.insert(key, first);
        }
    }
}

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

    pub fn import_staff(
        &self,
        actor: &Staff,
        rows: Vec<StaffRecord>,
        source: String,
        dry_run: bool,
    ) -> Result<ImportOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "导入员工名单")?;
        let _w = self.write_lock();
        let mut problems = Vec::new();
        duplicates(rows.iter().map(|r| (r.line, r.no.as_str())), "工号", &mut problems);
        duplicates(
            rows.iter().filter_map(|r| Some((r.line, r.login.as_ref()?.as_str()))),
            "登录名",
            &mut problems,
        );
        let in_file: BTreeSet<&str> = rows.iter().map(|r| r.no.as_str()).collect();
        let mut outcome = ImportOutcome::default();
        let mut staff = Vec::new();
        for r in &rows {
            if let Some(login) = &r.login
                && let Some(owner) = self.store.staff_by_login(login.as_str())?
                && owner.no != r.no
                && !in_file.contains(owner.no.as_str())
            {
                problems.push(problem(
                    r.line,
                    "登录名",
                    format!("{login} 已属于工号 {}（{}）", owner.no, owner.name),
                ));
            }
            let old = self.store.staff(&r.no)?;
            let new = Staff {
                no: r.no.clone(),
                name: r.name.clone(),
                role: r.role.clone(),
                outlet: r.outlet.clone(),
                login: r.login.clone().or_else(|| old.as_ref().and_then(|o| o.login.clone())),
                permission: r.permission.or(old.as_ref().map(|o| o.permission)).unwrap_or(Permission::Staff),
                active: r.active.or(old.as_ref().map(|o| o.active)).unwrap_or(true),
            };
            problems.extend(
                self.staff_change_problems(actor, old.as_ref(), &new)
                    .into_iter()
                    .map(|i| problem(r.line, &i.field, i.reason)),
            );
            match &old {
                None => outcome.added += 1,
                Some(o) if *o == new => outcome.unchanged += 1,
                Some(_) => outcome.updated += 1,
            }
            staff.push(new);
        }
        self.finish_import(actor, &source, "员工", outcome, problems, dry_run, |tx| {
            // Logins first leave everyone in the file, so a login passed from one row to another
            // is free whichever row comes first.
            for s in &staff {
                tx.release_login(&s.no)?;
            }
            for s in &staff {
                tx.save_staff(s)?;
            }
            Ok(())
        })
    }

    pub fn import_clients(
        &self,
        actor: &Staff,
        rows: Vec<ClientRecord>,
        source: String,
        dry_run: bool,
    ) -> Result<ImportOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "导入客户名单")?;
        let today = self.local_date();
        let _w = self.write_lock();
        let rules = self.store.rules()?;
        let launches = self.store.launches()?;
        let mut problems = Vec::new();
        duplicates(
            rows.iter().filter_map(|r| Some((r.line, r.no.as_ref()?.as_str()))),
            "客户号",
            &mut problems,
        );
        let mut outcome = ImportOutcome::default();
        let mut moves = Vec::new();
        let mut lost = Vec::new();
        let mut plain = Vec::new();
        let mut staff_cache: BTreeMap<StaffNo, Option<Staff>> = BTreeMap::new();
        for r in &rows {
            let Some(no) = &r.no else {
                problems.push(problem(r.line, "客户号", "不能为空"));
                continue;
            };
            let maintainer = match &r.maintainer {
                Some(m) => {
                    if !staff_cache.contains_key(m) {
                        staff_cache.insert(m.clone(), self.store.staff(m)?);
                    }
                    match staff_cache.get(m).cloned().flatten() {
                        Some(s) if s.active => Some(s),
                        Some(s) => {
                            problems.push(problem(
                                r.line,
                                "维护人工号",
                                format!("{}（{}）已停用", s.no, s.name),
                            ));
                            continue;
                        }
                        None => {
                            problems.push(problem(
                                r.line,
                                "维护人工号",
                                format!("{m} 不在员工名录中，请先导入员工"),
                            ));
                            continue;
                        }
                    }
                }
                None => None,
            };
            let old = self.store.client(no)?;
            let mut c = match &old {
                Some(o) => o.clone(),
                None => {
                    let Some(name) = &r.name else {
                        problems.push(problem(r.line, "客户姓名", "新客户须填写姓名"));
                        continue;
                    };
                    let Some(outlet) =
                        r.outlet.clone().or_else(|| maintainer.as_ref().map(|m| m.outlet.clone()))
                    else {
                        problems.push(problem(r.line, "网点", "新客户须填写所属网点（或维护人）"));
                        continue;
                    };
                    Client::new(no.clone(), name.clone(), outlet)
                }
            };
            apply_record(&mut c, r, &rules);
            let moved = maintainer.as_ref().is_some_and(|m| c.maintainer.as_ref() != Some(&m.no));
            if moved && c.status == ClientStatus::Lost {
                problems.push(problem(r.line, "客户状态", "已流失的客户不能分配维护人"));
                continue;
            }
            // A client the file says was lost leaves its roster: its tasks are cancelled and
            // the maintainer's quota no longer counts it.
            let leaving = c.status == ClientStatus::Lost && c.maintainer.is_some();
            match &old {
                None => outcome.added += 1,
                Some(o) if *o == c && !moved && !leaving => outcome.unchanged += 1,
                Some(_) => outcome.updated += 1,
            }
            if leaving {
                lost.push(self.plan_move(c, None, &rules, &launches)?);
            } else if moved {
                moves.push(self.plan_move(c, maintainer.as_ref(), &rules, &launches)?);
            } else {
                plain.push(c);
            }
        }
        let move_records = self.move_records(actor, &moves, &format!("导入 {source}"));
        let lost_records = self.move_records(actor, &lost, &format!("客户流失，移出名单（导入 {source}）"));
        let writing = !dry_run && problems.is_empty();
        let changed = plain.iter().chain(moves.iter().chain(&lost).map(|m| &m.client));
        let snapshot = if writing { Some(self.snapshot_with(today, changed)?) } else { None };
        self.finish_import(actor, &source, "客户", outcome, problems, dry_run, |tx| {
            for c in &plain {
                tx.save_client(c, today)?;
            }
            // A changed maintainer is a move, with its tasks and its own audit line, in the
            // same transaction as the rest of the file.
            Self::write_moves(tx, &moves, &move_records, today)?;
            Self::write_moves(tx, &lost, &lost_records, today)?;
            snapshot.as_ref().map_or(Ok(()), |s| tx.save_snapshot(s))
        })
    }

    pub fn import_holdings(
        &self,
        actor: &Staff,
        rows: Vec<HoldingsRecord>,
        source: String,
        dry_run: bool,
    ) -> Result<ImportOutcome, ServiceError> {
        self.require(actor, Permission::Admin, "导入持有产品数据")?;
        let today = self.local_date();
        let _w = self.write_lock();
        let rules = self.store.rules()?;
        let mut problems = Vec::new();
        duplicates(rows.iter().map(|r| (r.line, r.no.as_str())), "客户号", &mut problems);
        let mut outcome = ImportOutcome::default();
        let mut changed = Vec::new();
        for r in &rows {
            let Some(old) = self.store.client(&r.no)? else {
                problems.push(problem(r.line, "客户号", format!("{} 不在客户名单中，请先导入客户", r.no)));
                continue;
            };
            let mut c = old.clone();
            r.holdings.apply(&mut c.holdings);
            if let Some(a) = r.assets {
                c.assets = Some(a);
                c.tier = rules.tier_for(a);
            }
            if c == old {
                outcome.unchanged += 1;
            } else {
                outcome.updated += 1;
                changed.push(c);
            }
        }
        let writing = !dry_run && problems.is_empty();
        let snapshot = if writing { Some(self.snapshot_with(today, changed.iter())?) } else { None };
        self.finish_import(actor, &source, "持有产品", outcome, problems, dry_run, |tx| {
            for c in &changed {
                tx.save_client(c, today)?;
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
fn apply_record(c: &mut Client, r: &ClientRecord, rules: &crate::domain::Rules) {
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
    if let Some(v) = &r.outlet {
        c.outlet = v.clone();
    }
    if let Some(v) = r.assets {
        c.assets = Some(v);
    }
    match (r.tier, r.assets) {
        (Some(t), _) => c.tier = t,
        (None, Some(a)) => c.tier = rules.tier_for(a),
        (None, None) => {}
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
    if let Some(done) = r.sticker {
        c.sticker = Sticker { done, on: if done { r.sticker_on.or(c.sticker.on) } else { None } };
    }
    r.holdings.apply(&mut c.holdings);
}
