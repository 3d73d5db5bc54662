//! Manager actions: assigning and handing over clients, launching products, setting the rules.

use crate::domain::{Field, Invalid, Problem};
use chrono::NaiveDate;

use super::views::LaunchRef;
use super::{Service, ServiceError};
use crate::domain::product::{check_correction, check_launch, check_withdrawal};
use crate::domain::task::move_client;
use crate::domain::{
    AuditAction, AuditRecord, Client, ClientNo, LaunchId, Permission, ProductLaunch, Rules, Staff, StaffNo,
    Task, TaskKind, TaskState,
};
use crate::store::{Tx, TxResult};

/// One client's move, decided before the transaction that applies it.
pub(super) struct Move {
    pub client: Client,
    /// Open tasks after the move (reassigned, cancelled or new).
    pub tasks: Vec<Task>,
    pub from: Option<StaffNo>,
}

impl Service {
    /// Works out, by `domain::task::move_client`, what moving `client` to `to` does.
    pub(super) fn plan_move(
        &self,
        client: Client,
        to: Option<&Staff>,
        rules: &Rules,
        launches: &[ProductLaunch],
    ) -> Result<Move, ServiceError> {
        let from = client.maintainer.clone();
        let existing = self.store.tasks_of(&client.no)?;
        // Ids are cheap and never reused; one is taken whether or not a new callback needs it.
        let seq = self.store.next_id()?;
        // A launch made for one outlet is owed only by maintainers there.
        let launches: Vec<ProductLaunch> =
            launches.iter().filter(|l| to.is_none_or(|s| l.reaches(&s.outlet))).cloned().collect();
        let to = to.map(|s| &s.no);
        let (client, tasks) = move_client(client, &existing, to, self.local_date(), rules, &launches, seq);
        Ok(Move { client, tasks, from })
    }

    /// One audit record per move, naming the old and new maintainer and why.
    pub(super) fn move_records(&self, actor: &Staff, moves: &[Move], why: &str) -> Vec<AuditRecord> {
        let names = |m: &Option<StaffNo>| m.as_ref().map_or("（无）".to_string(), |s| s.to_string());
        moves
            .iter()
            .map(|m| {
                let detail = format!("{} → {}：{why}", names(&m.from), names(&m.client.maintainer));
                self.audit_record(actor.no.as_str(), AuditAction::Assign, m.client.no.as_str(), detail)
            })
            .collect()
    }

    /// Writes decided moves and their audit records inside a caller's transaction.
    pub(super) fn write_moves(
        tx: &Tx,
        moves: &[Move],
        records: &[AuditRecord],
        today: NaiveDate,
    ) -> TxResult<()> {
        for (m, rec) in moves.iter().zip(records) {
            tx.save_client(&m.client, today)?;
            for t in &m.tasks {
                tx.save_task(t)?;
            }
            tx.audit(rec)?;
        }
        Ok(())
    }

    /// Writes decided moves in one transaction.
    pub(super) fn commit_moves(&self, actor: &Staff, moves: &[Move], why: &str) -> Result<u32, ServiceError> {
        let records = self.move_records(actor, moves, why);
        let today = self.local_date();
        self.store.write(|tx| Self::write_moves(tx, moves, &records, today))?;
        Ok(moves.len() as u32)
    }

    /// A staff member who may receive clients.
    pub(super) fn receiving_staff(&self, no: &StaffNo) -> Result<Staff, ServiceError> {
        match self.store.staff(no)? {
            Some(s) if s.active => Ok(s),
            Some(s) => Err(ServiceError::invalid(
                Field::Maintainer,
                format!("{}（{}）已停用，不能接收客户", s.name, s.no),
                format!("{} ({}) is disabled and cannot receive clients", s.name, s.no),
            )),
            None => Err(ServiceError::NotFound(format!("工号 {no}"))),
        }
    }

    /// A client that may be put on `to`'s roster (or taken off every roster).
    pub(super) fn movable_client(&self, no: &ClientNo, to: Option<&Staff>) -> Result<Client, ServiceError> {
        let c = self.client_or_not_found(no)?;
        if to.is_some() && c.status == crate::domain::ClientStatus::Lost {
            return Err(ServiceError::invalid(
                Field::ClientStatus,
                format!("客户 {}（{}）已流失，不能分配", c.no, c.name),
                format!("client {} ({}) is lost and cannot be assigned", c.no, c.name),
            ));
        }
        Ok(c)
    }

    pub fn assign(
        &self,
        actor: &Staff,
        clients: Vec<ClientNo>,
        to: Option<StaffNo>,
        reason: String,
    ) -> Result<u32, ServiceError> {
        self.require(actor, Permission::Manager, "分配或移交客户")?;
        let reason = check_reason(&reason)?;
        let _w = self.write_lock();
        let to_staff = to.as_ref().map(|no| self.receiving_staff(no)).transpose()?;
        let rules = self.store.rules()?;
        let launches = self.store.launches()?;
        let mut moves = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for no in clients.iter().filter(|no| seen.insert(*no)) {
            let c = self.movable_client(no, to_staff.as_ref())?;
            if c.maintainer == to {
                continue;
            }
            self.check_move_scope(actor, &c, to_staff.as_ref())?;
            moves.push(self.plan_move(c, to_staff.as_ref(), &rules, &launches)?);
        }
        self.commit_moves(actor, &moves, &reason)
    }

    /// Creates a launch and one recommendation task for every roster client; an outlet head's
    /// launch is for their outlet, and only clients maintained there owe it.
    pub fn launch_product(
        &self,
        actor: &Staff,
        name: String,
        description: String,
        deadline: NaiveDate,
    ) -> Result<LaunchRef, ServiceError> {
        self.require(actor, Permission::Manager, "发布新品推介")?;
        let today = self.local_date();
        let problems = check_launch(&name, &description, deadline, today);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let _w = self.write_lock();
        let launch = ProductLaunch {
            id: LaunchId(self.store.next_id()?),
            name: name.trim().to_string(),
            description: description.trim().to_string(),
            launched: today,
            deadline,
            by: actor.no.clone(),
            outlet: actor.managed_outlet().cloned(),
            withdrawn: None,
        };
        let outlet_of: std::collections::HashMap<StaffNo, crate::domain::OutletId> =
            self.store.all_staff()?.into_iter().map(|s| (s.no, s.outlet)).collect();
        let reached = |c: &Client| {
            c.maintainer.as_ref().and_then(|m| outlet_of.get(m)).is_some_and(|o| launch.reaches(o))
        };
        let mut tasks = Vec::new();
        for no in self.store.all_roster_clients() {
            if let Some(c) = self.store.client(&no?)?
                && c.on_roster()
                && reached(&c)
            {
                tasks.push(Task::launch(&c, &launch, today));
            }
        }
        let reach = launch.outlet.as_ref().map_or_else(|| "全支行".to_string(), |o| format!("{o}网点"));
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::LaunchProduct,
            &launch.name,
            format!("{reach}，截止 {deadline}，推介任务 {} 个", tasks.len()),
        );
        self.store.write(|tx| {
            tx.save_launch(&launch)?;
            for t in &tasks {
                tx.save_task(t)?;
            }
            tx.audit(&rec)
        })?;
        Ok(LaunchRef { id: launch.id, name: launch.name, deadline: launch.deadline })
    }

    /// The launch `id` for a manager about to change it: refused when there is none, and for an
    /// outlet head when it is not their outlet's launch (a branch-wide launch is the branch's).
    fn launch_to_change(
        &self,
        actor: &Staff,
        id: LaunchId,
        what: &str,
    ) -> Result<ProductLaunch, ServiceError> {
        self.require(actor, Permission::Manager, what)?;
        let launch = self
            .store
            .launches()?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or_else(|| ServiceError::NotFound(format!("新品推介（编号 {}）", id.0)))?;
        if let Some(own) = actor.managed_outlet()
            && launch.outlet.as_ref() != Some(own)
        {
            let whose = launch.outlet.as_ref().map_or_else(|| "全支行".to_string(), |o| format!("{o}网点"));
            return Err(ServiceError::Denied(format!(
                "“{}”是{whose}的新品推介，{}（{}）的管理范围是{}，{what}须由发布范围内的管理者操作",
                launch.name,
                actor.name,
                actor.no,
                actor.scope_text()
            )));
        }
        Ok(launch)
    }

    /// Corrects a launch's name, description and deadline (audited, old → new). A changed
    /// deadline moves the due date of its open recommendations with it; it may change only
    /// while the launch runs (`product::check_correction`).
    pub fn correct_launch(
        &self,
        actor: &Staff,
        id: LaunchId,
        name: String,
        description: String,
        deadline: NaiveDate,
    ) -> Result<LaunchRef, ServiceError> {
        let today = self.local_date();
        let _w = self.write_lock();
        let old = self.launch_to_change(actor, id, "修改新品推介")?;
        let problems = check_correction(&old, &name, &description, deadline, today);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let new = ProductLaunch {
            name: name.trim().to_string(),
            description: description.trim().to_string(),
            deadline,
            ..old.clone()
        };
        let mut changes = Vec::new();
        if new.name != old.name {
            changes.push(format!("名称 {} → {}", old.name, new.name));
        }
        if new.description != old.description {
            changes.push("产品说明已修改".to_string());
        }
        if new.deadline != old.deadline {
            changes.push(format!("截止 {} → {}", old.deadline, new.deadline));
        }
        if changes.is_empty() {
            return Ok(LaunchRef { id: new.id, name: new.name, deadline: new.deadline });
        }
        let mut moved = Vec::new();
        if new.deadline != old.deadline {
            for t in self.store.tasks() {
                let t = t?;
                if t.id.kind == TaskKind::Launch(id) && t.state == TaskState::Open {
                    moved.push(Task { due: deadline, first_due: deadline, ..t });
                }
            }
            changes.push(format!("{} 个未完成的推介任务随之改期", moved.len()));
        }
        let rec =
            self.audit_record(actor.no.as_str(), AuditAction::CorrectLaunch, &old.name, changes.join("；"));
        self.store.write(|tx| {
            tx.save_launch(&new)?;
            for t in &moved {
                tx.save_task(t)?;
            }
            tx.audit(&rec)
        })?;
        Ok(LaunchRef { id: new.id, name: new.name, deadline: new.deadline })
    }

    /// Withdraws a running launch (撤回), audited with `reason`: no one owes it from today, its
    /// open recommendations are cancelled (they leave every coverage figure, not counted as
    /// missed), those already made stay done. Returns how many were cancelled. Refused once
    /// its deadline has passed (`product::check_withdrawal`).
    pub fn withdraw_launch(&self, actor: &Staff, id: LaunchId, reason: String) -> Result<u32, ServiceError> {
        let today = self.local_date();
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(ServiceError::invalid(
                Field::WithdrawReason,
                "请写明为什么撤回（会记入审计）",
                "say why it is withdrawn (it goes into the audit trail)",
            ));
        }
        if reason.chars().any(crate::domain::text::is_active) {
            return Err(Invalid::new(Field::WithdrawReason, Problem::LineBreakOrControl).into());
        }
        let _w = self.write_lock();
        let launch = self.launch_to_change(actor, id, "撤回新品推介")?;
        check_withdrawal(&launch, today)?;
        let mut cancelled = Vec::new();
        let mut done = 0u32;
        for t in self.store.tasks() {
            let t = t?;
            if t.id.kind != TaskKind::Launch(id) {
                continue;
            }
            match t.state {
                TaskState::Open => cancelled.push(Task { state: TaskState::Cancelled { on: today }, ..t }),
                TaskState::Done { .. } => done += 1,
                _ => {}
            }
        }
        let launch = ProductLaunch { withdrawn: Some(today), ..launch };
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::WithdrawLaunch,
            &launch.name,
            format!("原因：{reason}；取消未完成的推介任务 {} 个，已完成的 {done} 个保留", cancelled.len()),
        );
        self.store.write(|tx| {
            tx.save_launch(&launch)?;
            for t in &cancelled {
                tx.save_task(t)?;
            }
            tx.audit(&rec)
        })?;
        Ok(u32::try_from(cancelled.len()).unwrap_or(u32::MAX))
    }

    pub fn rules(&self, _actor: &Staff) -> Result<Rules, ServiceError> {
        Ok(self.store.rules()?)
    }

    /// Saves the rules edited from `was`; refused if someone else changed them meanwhile, so one
    /// manager's save never silently undoes another's.
    pub fn set_rules(&self, actor: &Staff, rules: Rules, was: Rules) -> Result<(), ServiceError> {
        self.require_branch(actor, "修改配额、回访周期等规则")?;
        rules.check()?;
        let _w = self.write_lock();
        let old = self.store.rules()?;
        if old != was {
            return Err(ServiceError::Conflict("配置已被他人修改，请刷新（r）后重新修改".into()));
        }
        let detail = describe_rule_changes(&old, &rules);
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SetRules, "配置", detail);
        self.store.write(|tx| {
            tx.save_rules(&rules)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }
}

/// Every move of a client between rosters says why.
pub(super) fn check_reason(reason: &str) -> Result<String, ServiceError> {
    let reason = reason.trim().to_string();
    if reason.is_empty() {
        return Err(ServiceError::invalid(
            Field::Reason,
            "分配或移交客户须填写原因",
            "assigning or handing over clients needs a reason",
        ));
    }
    crate::domain::text::check_line(Field::Reason, &reason, 200, false)?;
    Ok(reason)
}

/// "柜员配额 10→12；关键客户回访 30→20 天" for the audit trail.
fn describe_rule_changes(old: &Rules, new: &Rules) -> String {
    let mut parts = Vec::new();
    let roles: std::collections::BTreeSet<_> = old.quotas.keys().chain(new.quotas.keys()).collect();
    for role in roles {
        let (a, b) = (old.quota(role), new.quota(role));
        if a != b {
            parts.push(format!("{role}配额 {a}→{b}"));
        }
    }
    for class in crate::domain::ClientClass::ALL {
        let (a, b) = (old.callback_days(*class), new.callback_days(*class));
        if a != b {
            parts.push(format!("{}回访 {a}→{b} 天", class.label()));
        }
    }
    if old.tier_floors != new.tier_floors {
        let floor = |r: &Rules, t| r.tier_floors.iter().find(|(x, _)| *x == t).map(|(_, f)| f.display_wan());
        let tiers: std::collections::BTreeSet<_> =
            old.tier_floors.iter().chain(&new.tier_floors).map(|(t, _)| *t).collect();
        for t in tiers {
            let (a, b) = (floor(old, t), floor(new, t));
            if a != b {
                let show = |f: Option<String>| f.unwrap_or_else(|| "无".into());
                parts.push(format!("{}门槛 {}→{}", t.label(), show(a), show(b)));
            }
        }
    }
    if old.self_service_min_permille != new.self_service_min_permille {
        parts.push(format!(
            "自办比例要求 {}→{}‰",
            old.self_service_min_permille, new.self_service_min_permille
        ));
    }
    if old.whole_number_searches_per_hour != new.whole_number_searches_per_hour {
        parts.push(format!(
            "整号搜索上限 {}→{} 次/小时",
            old.whole_number_searches_per_hour, new.whole_number_searches_per_hour
        ));
    }
    if old.notice_grace_days != new.notice_grace_days {
        parts.push(format!("季末新客户免告知 {}→{} 天", old.notice_grace_days, new.notice_grace_days));
    }
    if old.any_contact_resets_callback != new.any_contact_resets_callback {
        let yes_no = |b: bool| if b { "是" } else { "否" };
        parts.push(format!(
            "任何联系均计回访 {}→{}",
            yes_no(old.any_contact_resets_callback),
            yes_no(new.any_contact_resets_callback)
        ));
    }
    if old.dedicated_roles != new.dedicated_roles || old.dedicated_from_tier != new.dedicated_from_tier {
        let roles =
            |r: &Rules| r.dedicated_roles.iter().map(ToString::to_string).collect::<Vec<_>>().join("、");
        parts.push(format!(
            "专属维护岗位 {}（{}以上）→ {}（{}以上）",
            roles(old),
            old.dedicated_from_tier.label(),
            roles(new),
            new.dedicated_from_tier.label()
        ));
    }
    if old.outlet_average_target != new.outlet_average_target
        || old.first_callback_days != new.first_callback_days
    {
        parts.push("其他目标已修改".into());
    }
    if parts.is_empty() { "无变化".into() } else { parts.join("；") }
}
