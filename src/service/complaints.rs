//! Complaints (投诉) through the service: receive, move a step on, reassign, list, detail and
//! the quarter's figures. The flow's rules are `domain::complaint`; here are who may do what,
//! the audit record of every write, and what each viewer may see.
//!
//! Permission: any active staff member receives a complaint; the owner of the open step, or a
//! manager whose scope covers the complaint's outlet, moves it on; only such managers reassign.
//! Lists: staff see the complaints they received or hold or held a step of, and those of their
//! roster's clients; an outlet head their outlet's too; branch managers all.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::views::StaffRef;
use super::{Service, ServiceError};
use crate::domain::Field;
use crate::domain::complaint::{
    Category, Complaint, ComplaintChannel, ComplaintDraft, ComplaintFigures, ComplaintId, Feedback,
    NewComplaint, Satisfaction, ServiceLevels, Severity, Step, audience, figures, may_take_step,
};
use crate::domain::contact::{ScoreTally, scores_in};
use crate::domain::{AuditAction, ClientNo, JobRole, OutletId, Permission, Quarter, Staff, StaffNo, Task};
use crate::store::StoreError;

/// Which complaints a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintFilter {
    /// Not yet closed.
    Open,
    /// Open with the step past its due day.
    Overdue,
    /// Received or closed in the quarter.
    Quarter(Quarter),
    /// Every complaint the viewer may see.
    All,
}

/// One complaint as a line of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintRow {
    pub id: ComplaintId,
    pub client: ClientNo,
    pub client_name: String,
    pub outlet: OutletId,
    pub channel: ComplaintChannel,
    pub category: Category,
    pub severity: Severity,
    pub received_at: NaiveDateTime,
    /// The open step; None once closed.
    pub step: Option<Step>,
    /// The open step's owner; None once closed.
    pub owner: Option<StaffRef>,
    pub due: Option<NaiveDate>,
    /// Working days left including today; negative: calendar days overdue.
    pub days_left: Option<i64>,
    pub overdue: bool,
    pub closed_at: Option<NaiveDateTime>,
    /// The client's view at the last 反馈.
    pub view: Option<Satisfaction>,
    /// How many times 不满意 reopened it.
    pub reopened: u32,
}

/// A complaint with its whole history: `complaint.runs` oldest first, every staff member named
/// in it in `names`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintDetail {
    pub row: ComplaintRow,
    pub complaint: Complaint,
    pub names: BTreeMap<StaffNo, String>,
}

/// Why a complaint is on someone's Today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintReason {
    /// The viewer holds the open step.
    Owner,
    /// Overdue: the viewer heads the complaint's outlet.
    OutletHead,
    /// Overdue 非常严重: the viewer is branch management.
    Branch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintLine {
    pub row: ComplaintRow,
    pub reason: ComplaintReason,
}

/// The quarter's service-quality figures (`complaint::figures`), as of `as_of` (截至).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFiguresView {
    pub quarter: Quarter,
    pub as_of: NaiveDate,
    /// The whole branch; None for an outlet head, whose scope is one outlet.
    pub branch: Option<ComplaintFigures>,
    pub outlets: Vec<(OutletId, ComplaintFigures)>,
    pub staff: Vec<(StaffRef, ComplaintFigures)>,
    /// Satisfaction scores recorded in the quarter (`contact::scores_in`): the branch (None for
    /// an outlet head), by the client's outlet, and by whoever owed the survey or held the
    /// client (`contact::ScoreOwners`, not who recorded it), within scope.
    pub branch_scores: Option<ScoreTally>,
    pub outlet_scores: BTreeMap<OutletId, ScoreTally>,
    pub staff_scores: BTreeMap<StaffNo, ScoreTally>,
    /// What `clients` and the per-1,000 figures rest on.
    pub base: PerThousandBase,
}

/// What the per-1,000 figures of a `ComplaintFiguresView` divide by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PerThousandBase {
    /// This quarter: today's rosters, each client for its maintainer and the maintainer's outlet.
    Today,
    /// A past quarter: the clients held at its end, from its frozen rosters
    /// (`FrozenQuarter::clients_held`: outlets by their maintainer's outlet then).
    QuarterEnd,
    /// A past quarter that was never frozen (the store did not run through its end): nothing to
    /// divide by, so no per-1,000 figure rather than one over today's counts.
    Missing,
}

/// What a move of a step carries (`advance_complaint`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepMove {
    /// The step being finished: must be the open one, so a second submission is refused.
    pub step: Step,
    pub note: String,
    /// At 反馈: when the client was told and their view.
    pub feedback: Option<Feedback>,
    /// At 分类: corrected category and severity.
    pub reclassify: Option<(Category, Severity)>,
    /// Who takes the next step; None: the same owner.
    pub next_owner: Option<StaffNo>,
}

/// Who takes a step of complaint `c` works at its outlet: a step handed to another outlet's
/// staff would leave that outlet's head answering for work they cannot see, and the complaint's
/// own head unable to follow it (QA of #18: an outlet head gave a step to another outlet's teller).
fn within_reach(who: &Staff, c: &Complaint, field: Field) -> Result<(), ServiceError> {
    if who.outlet == c.outlet {
        return Ok(());
    }
    Err(ServiceError::invalid(
        field,
        format!(
            "{}（{}）在{}网点；投诉 {} 属于{}网点，请交给{}网点的员工",
            who.name, who.no, who.outlet, c.id, c.outlet, c.outlet
        ),
        format!(
            "{} ({}) works at {}; complaint {} belongs to {}: give it to staff of {}",
            who.name, who.no, who.outlet, c.id, c.outlet, c.outlet
        ),
    ))
}

impl Service {
    /// The complaint service levels in force (`mingdan service-levels`); anyone may read them.
    pub fn service_levels(&self, _actor: &Staff) -> Result<ServiceLevels, ServiceError> {
        Ok(self.store.service_levels()?)
    }

    /// Saves the service levels, edited from `was` (refused if they changed meanwhile); branch
    /// management only, audited like other rules. Steps already started keep their deadline.
    pub fn set_service_levels(
        &self,
        actor: &Staff,
        levels: ServiceLevels,
        was: ServiceLevels,
    ) -> Result<(), ServiceError> {
        self.require_branch(actor, "修改投诉服务时限")?;
        levels.check()?;
        let _w = self.write_lock();
        let old = self.store.service_levels()?;
        if old != was {
            return Err(ServiceError::Conflict("服务时限已被他人修改，请重新查看后再改".into()));
        }
        let changes: Vec<String> = Severity::ALL
            .iter()
            .filter(|s| old.show(**s) != levels.show(**s))
            .map(|s| format!("{s} {}→{}", old.show(*s), levels.show(*s)))
            .collect();
        if changes.is_empty() {
            return Ok(());
        }
        let detail = format!("投诉服务时限（受理/分类/调查/处理/反馈，工作日）：{}", changes.join("；"));
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SetRules, "服务时限", detail);
        self.store.write(|tx| {
            tx.save_service_levels(&levels)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }

    fn active_staff(&self, no: &StaffNo, field: Field) -> Result<Staff, ServiceError> {
        match self.store.staff(no)? {
            Some(s) if s.active => Ok(s),
            Some(s) => Err(ServiceError::invalid(
                field,
                format!("{}（{}）已停用，不能负责投诉", s.name, s.no),
                format!("{} ({}) is disabled and cannot own a complaint", s.name, s.no),
            )),
            None => Err(ServiceError::invalid(
                field,
                format!("工号 {no} 不在员工名录中"),
                format!("staff no. {no} is not in the staff directory"),
            )),
        }
    }

    /// The head of `outlet`: an active 网点负责人 there with manager permission, lowest 工号 first.
    fn outlet_head(&self, outlet: &OutletId) -> Result<Option<Staff>, ServiceError> {
        Ok(self.store.all_staff()?.into_iter().find(|s| {
            s.active
                && &s.outlet == outlet
                && s.role.as_str() == JobRole::OUTLET_HEAD
                && s.may(Permission::Manager)
        }))
    }

    fn complaint_or_not_found(&self, id: ComplaintId) -> Result<Complaint, ServiceError> {
        self.store.complaint(id)?.ok_or_else(|| ServiceError::NotFound(format!("投诉 {id}")))
    }

    /// Whether `actor` may see `c` (module doc).
    pub(super) fn sees_complaint(&self, actor: &Staff, c: &Complaint) -> Result<bool, ServiceError> {
        if actor.manages(&c.outlet) {
            return Ok(true);
        }
        let me = &actor.no;
        if &c.received_by == me || c.runs.iter().any(|r| r.owner() == me || &r.first_owner == me) {
            return Ok(true);
        }
        Ok(self.store.client(&c.client)?.is_some_and(|cl| cl.maintainer.as_ref() == Some(me)))
    }

    pub(super) fn complaint_row(
        &self,
        c: &Complaint,
        today: NaiveDate,
    ) -> Result<ComplaintRow, ServiceError> {
        let client_name = self.store.client(&c.client)?.map_or_else(|| "（未知客户）".into(), |cl| cl.name);
        let open = c.open();
        Ok(ComplaintRow {
            id: c.id,
            client: c.client.clone(),
            client_name,
            outlet: c.outlet.clone(),
            channel: c.channel,
            category: c.category,
            severity: c.severity,
            received_at: c.received_at,
            step: open.map(|r| r.step),
            owner: open.map(|r| self.staff_ref(r.owner())).transpose()?,
            due: open.map(|r| r.due),
            days_left: open.map(|r| r.days_left(today)),
            overdue: open.is_some_and(|r| r.overdue(today)),
            closed_at: c.closed_at(),
            view: c.last_view(),
            reopened: c.reopened() as u32,
        })
    }

    /// Records a complaint received by `actor`: 受理 done, 分类 started with `new.owner` (staff
    /// of the client's outlet) or, when none is named, `first_owner`. Any active staff member; audited with the client
    /// as target. Refused: an unknown client, an empty 客户诉求, over-long text or control
    /// characters, an owner who is not active staff.
    pub fn receive_complaint(&self, actor: &Staff, new: NewComplaint) -> Result<ComplaintRow, ServiceError> {
        new.check()?;
        let now = self.local_now();
        let levels = self.store.service_levels()?;
        let _w = self.write_lock();
        let client = self.client_or_not_found(&new.client)?;
        self.refuse_received_form(&new)?;
        let owner = match new.owner.clone() {
            Some(no) => {
                let s = self.active_staff(&no, Field::StepOwner)?;
                if s.outlet != client.outlet {
                    return Err(ServiceError::invalid(
                        Field::StepOwner,
                        format!(
                            "{}（{}）是{}的员工，投诉客户属于{}：分类须由本网点员工负责",
                            s.name, s.no, s.outlet, client.outlet
                        ),
                        format!(
                            "{} ({}) works at {}; the client belongs to {}: 分类 goes to that outlet's staff",
                            s.name, s.no, s.outlet, client.outlet
                        ),
                    ));
                }
                s.no
            }
            None => self.first_owner(&client, actor)?.no,
        };
        let draft = Complaint::receive(
            ComplaintId(0),
            new,
            client.outlet.clone(),
            client.maintainer.clone(),
            actor.no.clone(),
            now,
            owner.clone(),
            &levels,
        )?;
        let saved = self.store.write(|tx| {
            let mut c = draft.clone();
            c.id = ComplaintId(tx.id()?);
            let rec = self.audit_record(
                actor.no.as_str(),
                AuditAction::ReceiveComplaint,
                c.client.as_str(),
                format!(
                    "投诉 {}：{}，{}，{}；分类由 {owner} 负责，{} 前完成",
                    c.id,
                    c.channel,
                    c.category,
                    c.severity,
                    c.open().map_or(now.date(), |r| r.due)
                ),
            );
            tx.save_complaint(&c)?;
            // The receiver's unfinished form for this client is now the complaint.
            tx.delete_complaint_draft(&actor.no, &c.client)?;
            tx.audit(&rec)?;
            Ok(c)
        })?;
        self.complaint_row(&saved, now.date())
    }

    /// Refuses a receive form (`NewComplaint::draft`) a complaint was already received from:
    /// another session of the same person (a reconnect while the old one runs) still holds it
    /// and would otherwise keep it again or receive the complaint twice. Names the complaint.
    fn refuse_received_form(&self, form: &NewComplaint) -> Result<(), ServiceError> {
        match self.received_from(form)? {
            Some(id) => Err(ServiceError::Conflict(format!(
                "此表已受理为投诉 {id}，不再保存；另有投诉请关闭此表后按 o 重新受理"
            ))),
            None => Ok(()),
        }
    }

    /// The complaint received from `form`'s receive form, if any.
    fn received_from(&self, form: &NewComplaint) -> Result<Option<ComplaintId>, ServiceError> {
        let Some(draft) = form.draft else { return Ok(None) };
        let received = self.store.complaints_of(&form.client)?;
        Ok(received.iter().find(|c| c.from_draft == Some(draft)).map(|c| c.id))
    }

    /// Keeps `form` as the actor's unfinished receive form for `form.client`: one per staff member
    /// and client, replaced by the next save for that client, seen by its author alone. Refused:
    /// an unknown client, over-long text or control characters (an empty 客户诉求 is kept), a
    /// form a complaint was already received from (`Conflict`, naming the complaint). Not
    /// audited, like a contact draft: it is the user's own unsent text, kept every few seconds
    /// while they type; receiving the complaint or discarding the draft is.
    pub fn save_complaint_draft(&self, actor: &Staff, form: NewComplaint) -> Result<(), ServiceError> {
        let mut draft = ComplaintDraft { form, saved_at: None };
        draft.check()?;
        let _w = self.write_lock();
        self.client_or_not_found(&draft.form.client)?;
        self.refuse_received_form(&draft.form)?;
        draft.saved_at = Some(self.local_now());
        self.store.write(|tx| tx.save_complaint_draft(&actor.no, &draft))?;
        Ok(())
    }

    /// The actor's unfinished receive form for client `no`, offered when that client's form
    /// opens again. One that cannot be read is treated as none (`check` still names it), so a
    /// damaged draft never keeps its author from receiving the complaint. A draft whose form a
    /// complaint was already received from is not offered either.
    pub fn complaint_draft(
        &self,
        actor: &Staff,
        no: ClientNo,
    ) -> Result<Option<ComplaintDraft>, ServiceError> {
        match self.store.complaint_draft(&actor.no, &no) {
            Ok(Some(d)) if self.received_from(&d.form)?.is_some() => Ok(None),
            Ok(d) => Ok(d),
            Err(StoreError::Corrupt { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The actor's readable unfinished receive forms, most recently kept first: named at start-up
    /// so a form cut off by a dropped connection is not forgotten.
    pub fn complaint_drafts(&self, actor: &Staff) -> Result<Vec<ComplaintDraft>, ServiceError> {
        let mut out = Vec::new();
        for d in self.store.complaint_drafts_of(&actor.no) {
            match d {
                Ok(d) if self.received_from(&d.form)?.is_some() => {}
                Ok(d) => out.push(d),
                Err(StoreError::Corrupt { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        out.sort_by_key(|d| std::cmp::Reverse(d.saved_at));
        Ok(out)
    }

    /// Throws the actor's unfinished receive form for client `no` away; audited once (丢弃草稿). Nothing
    /// happens (and nothing is audited) when there is none.
    pub fn discard_complaint_draft(&self, actor: &Staff, no: ClientNo) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        let detail = match self.store.complaint_draft(&actor.no, &no) {
            Ok(None) => return Ok(()),
            Ok(Some(_)) => "丢弃投诉受理草稿",
            Err(StoreError::Corrupt { .. }) => "丢弃投诉受理草稿（草稿无法读取）",
            Err(e) => return Err(e.into()),
        };
        let rec = self.audit_record(actor.no.as_str(), AuditAction::DiscardDraft, no.as_str(), detail.into());
        self.store.write(|tx| {
            tx.delete_complaint_draft(&actor.no, &no)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }

    /// Who may take the step after complaint `id`'s open one (`may_take_step`: active staff of
    /// the complaint's outlet, not the administrator nor branch-level management), the one who
    /// takes it when none is named first (`default_next_owner`: the open step's owner when
    /// still eligible, else the outlet head), then by 工号. Empty at 反馈 and once closed: no
    /// next step is handed on (不满意 goes to the outlet head). Asked by whoever may move the
    /// step: its owner or a manager in scope.
    pub fn next_owners(&self, actor: &Staff, id: ComplaintId) -> Result<Vec<StaffRef>, ServiceError> {
        let c = self.complaint_or_not_found(id)?;
        let Some(open) = c.open() else { return Ok(Vec::new()) };
        if open.owner() != &actor.no && !actor.manages(&c.outlet) {
            return Err(ServiceError::Denied(format!(
                "投诉 {id} 的“{}”环节由 {} 负责；只有负责人或管理{}网点的管理者可以指定下一环节负责人",
                open.step,
                open.owner(),
                c.outlet
            )));
        }
        if open.step.next().is_none() {
            return Ok(Vec::new());
        }
        let first = self.default_next_owner(&c)?;
        let mut out = vec![StaffRef { no: first.no.clone(), name: first.name }];
        for s in self.store.all_staff()? {
            if may_take_step(&s, &c.outlet) && s.no != first.no {
                out.push(StaffRef { no: s.no, name: s.name });
            }
        }
        Ok(out)
    }

    /// Who takes 分类 of a complaint received by `actor` for `client` when nobody is named, by
    /// the same rule as every later step (`may_take_step`, QA of #18 F6): the client's maintainer,
    /// else the receiver, else the outlet head, else the first eligible staff member by 工号 — so
    /// a client handed to another outlet's maintainer does not take the complaint there.
    fn first_owner(&self, client: &crate::domain::Client, actor: &Staff) -> Result<Staff, ServiceError> {
        let maintainer = match &client.maintainer {
            Some(m) => self.store.staff(m)?,
            None => None,
        };
        self.owner_by_rule(&client.outlet, [maintainer, Some(actor.clone())], "负责分类")
    }

    /// Who takes the step after `c`'s open one when nobody is named: its owner when they may
    /// still take a step (`may_take_step`; they may have left or the complaint's client moved
    /// outlet since), else the outlet head, else the first eligible staff member by 工号.
    /// Refused (`Conflict`) when the outlet has nobody eligible, so a step never goes to someone
    /// who cannot take it.
    fn default_next_owner(&self, c: &Complaint) -> Result<Staff, ServiceError> {
        let owner = match c.open() {
            Some(open) => self.store.staff(open.owner())?,
            None => None,
        };
        self.owner_by_rule(&c.outlet, [owner], &format!("接手投诉 {}", c.id))
    }

    /// The one rule for a step nobody named (`may_take_step`): the first of `preferred` who may
    /// take a step of `outlet`, else its head, else its first eligible staff member by 工号;
    /// refused (`Conflict`) when the outlet has nobody eligible to do `what`.
    fn owner_by_rule(
        &self,
        outlet: &OutletId,
        preferred: impl IntoIterator<Item = Option<Staff>>,
        what: &str,
    ) -> Result<Staff, ServiceError> {
        if let Some(s) = preferred.into_iter().flatten().find(|s| may_take_step(s, outlet)) {
            return Ok(s);
        }
        if let Some(head) = self.outlet_head(outlet)?.filter(|h| may_take_step(h, outlet)) {
            return Ok(head);
        }
        self.store.all_staff()?.into_iter().find(|s| may_take_step(s, outlet)).ok_or_else(|| {
            ServiceError::Conflict(format!(
                "{outlet}网点没有可{what}的在职员工；请先在员工名录中恢复或添加员工"
            ))
        })
    }

    /// Finishes the open step of complaint `id` (`Complaint::advance`). The step's owner or a
    /// manager whose scope covers the complaint's outlet; audited. An 不满意 at 反馈 reopens
    /// 处理 with the outlet's head.
    pub fn advance_complaint(
        &self,
        actor: &Staff,
        id: ComplaintId,
        mv: StepMove,
    ) -> Result<ComplaintRow, ServiceError> {
        let now = self.local_now();
        let levels = self.store.service_levels()?;
        let _w = self.write_lock();
        let mut c = self.complaint_or_not_found(id)?;
        let Some(open) = c.open() else {
            return Err(ServiceError::Conflict(format!("投诉 {id} 已办结，不能再推进")));
        };
        if open.owner() != &actor.no && !actor.manages(&c.outlet) {
            return Err(ServiceError::Denied(format!(
                "投诉 {id} 的“{}”环节由 {} 负责；只有负责人或管理{}网点的管理者可以推进",
                open.step,
                open.owner(),
                c.outlet
            )));
        }
        let mut mv = mv;
        if let Some(next) = &mv.next_owner {
            let next = self.active_staff(next, Field::NextOwner)?;
            within_reach(&next, &c, Field::NextOwner)?;
        } else if open.step.next().is_some() {
            // Nobody named: the step's owner takes the next one only while still eligible.
            mv.next_owner = Some(self.default_next_owner(&c)?.no);
        }
        let head = self.outlet_head(&c.outlet)?.map(|s| s.no);
        let before = open.step;
        c.advance(
            mv.step,
            &mv.note,
            mv.feedback,
            mv.reclassify,
            mv.next_owner.clone(),
            head.as_ref(),
            &actor.no,
            now,
            &levels,
        )?;
        let after = match c.open() {
            Some(r) => format!("转入“{}”，由 {} 负责，{} 前完成", r.step, r.owner(), r.due),
            None => "已办结，已安排办结后满意度调查".into(),
        };
        let view = mv.feedback.map(|f| format!("，客户评价{}", f.view)).unwrap_or_default();
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::AdvanceComplaint,
            c.client.as_str(),
            format!("投诉 {id}：完成“{before}”{view}；{after}"),
        );
        // Closed: the client's maintainer surveys them a week on (seed 000: every closed
        // complaint is followed up).
        let follow_up = match c.is_closed() {
            true => self
                .store
                .client(&c.client)?
                .filter(|cl| cl.on_roster())
                .map(|cl| Task::follow_up_survey(&cl, c.id, now.date())),
            false => None,
        };
        self.store.write(|tx| {
            tx.save_complaint(&c)?;
            if let Some(t) = &follow_up
                && tx.task(&t.id)?.is_none()
            {
                tx.save_task(t)?;
            }
            tx.audit(&rec)
        })?;
        self.complaint_row(&c, now.date())
    }

    /// Gives the open step of complaint `id` to `to`, with `reason`; managers whose scope covers
    /// the complaint's outlet; audited.
    pub fn reassign_complaint(
        &self,
        actor: &Staff,
        id: ComplaintId,
        to: StaffNo,
        reason: String,
    ) -> Result<ComplaintRow, ServiceError> {
        self.require(actor, Permission::Manager, "改派投诉")?;
        let now = self.local_now();
        let _w = self.write_lock();
        let mut c = self.complaint_or_not_found(id)?;
        if !actor.manages(&c.outlet) {
            return Err(ServiceError::Denied(format!(
                "投诉 {id} 属于{}网点，{}（{}）的管理范围是{}",
                c.outlet,
                actor.name,
                actor.no,
                actor.scope_text()
            )));
        }
        let to = self.active_staff(&to, Field::TakenOverBy)?;
        within_reach(&to, &c, Field::TakenOverBy)?;
        let from = c.open().map(|r| r.owner().clone());
        c.reassign(to.no.clone(), &reason, &actor.no, now)?;
        let step = c.open().map_or(Step::Feedback, |r| r.step);
        let rec = self.audit_record(
            actor.no.as_str(),
            AuditAction::ReassignComplaint,
            c.client.as_str(),
            format!(
                "投诉 {id}：“{step}”环节由 {} 改派给 {}（{}），原因：{reason}",
                from.map(|f| f.to_string()).unwrap_or_default(),
                to.no,
                to.name
            ),
        );
        self.store.write(|tx| {
            tx.save_complaint(&c)?;
            tx.audit(&rec)
        })?;
        self.complaint_row(&c, now.date())
    }

    /// The complaints `actor` may see that `filter` picks: overdue first, then by deadline,
    /// closed ones last, newest first.
    pub fn complaints(
        &self,
        actor: &Staff,
        filter: ComplaintFilter,
    ) -> Result<Vec<ComplaintRow>, ServiceError> {
        let today = self.local_date();
        // A quarter not yet begun is refused as the figures and the report refuse it, rather
        // than answered with an empty list that reads as "no complaints".
        if let ComplaintFilter::Quarter(q) = filter {
            self.quarter_asked(Some(q))?;
        }
        let mut rows = Vec::new();
        for c in self.store.complaints() {
            let c = c?;
            let keep = match filter {
                ComplaintFilter::Open => !c.is_closed(),
                ComplaintFilter::Overdue => c.open().is_some_and(|r| r.overdue(today)),
                ComplaintFilter::Quarter(q) => {
                    q.contains(c.received_at.date()) || c.closed_at().is_some_and(|t| q.contains(t.date()))
                }
                ComplaintFilter::All => true,
            };
            if keep && self.sees_complaint(actor, &c)? {
                rows.push(self.complaint_row(&c, today)?);
            }
        }
        rows.sort_by(|a, b| {
            (a.closed_at.is_some(), !a.overdue, a.due, std::cmp::Reverse(a.received_at), a.id).cmp(&(
                b.closed_at.is_some(),
                !b.overdue,
                b.due,
                std::cmp::Reverse(b.received_at),
                b.id,
            ))
        });
        Ok(rows)
    }

    /// One complaint with its full history, if `actor` may see it.
    pub fn complaint(&self, actor: &Staff, id: ComplaintId) -> Result<ComplaintDetail, ServiceError> {
        let c = self.complaint_or_not_found(id)?;
        if !self.sees_complaint(actor, &c)? {
            return Err(ServiceError::Denied(format!(
                "投诉 {id} 不是您受理、负责或您名单上客户的，也不在您的管理范围内"
            )));
        }
        let mut names = BTreeMap::new();
        let mut name = |no: &StaffNo| -> Result<(), ServiceError> {
            if !names.contains_key(no) {
                names.insert(no.clone(), self.staff_ref(no)?.name);
            }
            Ok(())
        };
        name(&c.received_by)?;
        for r in &c.runs {
            name(&r.first_owner)?;
            for a in &r.reassigned {
                name(&a.to)?;
                name(&a.by)?;
            }
            if let Some(d) = &r.done {
                name(&d.by)?;
            }
        }
        Ok(ComplaintDetail { row: self.complaint_row(&c, self.local_date())?, complaint: c, names })
    }

    /// The complaints on `actor`'s Today: steps they hold, then overdue steps escalated to them
    /// as head of the complaint's outlet or, for 非常严重, as branch management
    /// (`complaint::audience`). Deadline order within each.
    pub(super) fn complaint_lines(
        &self,
        actor: &Staff,
        today: NaiveDate,
    ) -> Result<Vec<ComplaintLine>, ServiceError> {
        let mut out = Vec::new();
        for c in self.store.open_complaints_of(&actor.no)? {
            out.push(ComplaintLine { row: self.complaint_row(&c, today)?, reason: ComplaintReason::Owner });
        }
        if !actor.may(Permission::Manager) {
            return Ok(out);
        }
        let heads_outlet = actor.role.as_str() == JobRole::OUTLET_HEAD;
        for c in self.store.complaints() {
            let c = c?;
            let Some(open) = c.open() else { continue };
            if open.owner() == &actor.no {
                continue;
            }
            let who = audience(&c, today);
            let reason = if who.outlet_head && heads_outlet && actor.outlet == c.outlet {
                ComplaintReason::OutletHead
            } else if who.branch && actor.manages_branch() {
                ComplaintReason::Branch
            } else {
                continue;
            };
            out.push(ComplaintLine { row: self.complaint_row(&c, today)?, reason });
        }
        // The viewer's own steps first, then those escalated to them; each most overdue (the
        // earliest deadline) first, as the 投诉 list orders them.
        out.sort_by(|a, b| {
            (a.reason != ComplaintReason::Owner, a.row.due, a.row.id).cmp(&(
                b.reason != ComplaintReason::Owner,
                b.row.due,
                b.row.id,
            ))
        });
        Ok(out)
    }

    /// The service-quality figures of a quarter (this one if none), branch, outlets and staff
    /// within the actor's scope; managers. Per-1,000 figures divide by the clients on rosters
    /// (`past::clients_held`): today's this quarter, those held at the end for a past one.
    pub fn complaint_figures(
        &self,
        actor: &Staff,
        quarter: Option<Quarter>,
    ) -> Result<ComplaintFiguresView, ServiceError> {
        self.require(actor, Permission::Manager, "查看投诉统计")?;
        let asked = self.quarter_asked(quarter)?;
        let complaints: Vec<Complaint> = self.store.complaints().collect::<Result<_, _>>()?;
        let all_staff = self.store.all_staff()?;
        let mut outlet_of: BTreeMap<ClientNo, OutletId> = BTreeMap::new();
        let mut maintainers: Vec<StaffNo> = Vec::new();
        for c in self.store.clients() {
            let c = c?;
            outlet_of.insert(c.no.clone(), c.outlet.clone());
            maintainers.extend(c.maintainer);
        }
        // One base whichever the quarter (`past::clients_held`): the clients on rosters, each
        // for its maintainer and the maintainer's outlet — today's for this quarter, those held
        // at the end for a past one, never today's for a past one.
        let staff_outlet: BTreeMap<&StaffNo, &OutletId> =
            all_staff.iter().map(|s| (&s.no, &s.outlet)).collect();
        let (mut by_outlet, mut by_staff) = crate::domain::past::clients_held(&maintainers, &staff_outlet);
        let base = match (&asked.frozen, asked.as_of < asked.today) {
            (Some(frozen), _) => {
                (by_outlet, by_staff) = frozen.clients_held();
                PerThousandBase::QuarterEnd
            }
            (None, true) => {
                (by_outlet, by_staff) = (BTreeMap::new(), BTreeMap::new());
                PerThousandBase::Missing
            }
            (None, false) => PerThousandBase::Today,
        };
        let f = figures(&complaints, asked.quarter, asked.today, &by_outlet, &by_staff);
        let staff: BTreeMap<StaffNo, Staff> = all_staff.into_iter().map(|s| (s.no.clone(), s)).collect();
        let outlets = f.outlets.into_iter().filter(|(o, _)| actor.manages(o)).collect();
        let staff_rows = f
            .staff
            .into_iter()
            .filter(|(no, _)| staff.get(no).is_none_or(|s| actor.manages(&s.outlet)))
            .map(|(no, fig)| {
                let name = staff.get(&no).map_or_else(|| "（未知）".to_string(), |s| s.name.clone());
                (StaffRef { no, name }, fig)
            })
            .collect();
        let branch = actor.manages_branch().then_some(f.branch);
        let (first, last) = (asked.quarter.first_day(), asked.quarter.last_day() + chrono::Duration::days(1));
        let contacts: Vec<_> = self
            .store
            .contacts_between(first.and_time(chrono::NaiveTime::MIN), last.and_time(chrono::NaiveTime::MIN))
            .collect::<Result<_, _>>()?;
        let owners = self.score_owners(asked.quarter)?;
        let (all_scores, outlet_scores, staff_scores) =
            scores_in(&contacts, asked.quarter, &outlet_of, &owners);
        let outlet_scores = outlet_scores.into_iter().filter(|(o, _)| actor.manages(o)).collect();
        let staff_scores = staff_scores
            .into_iter()
            .filter(|(no, _)| staff.get(no).is_none_or(|s| actor.manages(&s.outlet)))
            .collect();
        Ok(ComplaintFiguresView {
            quarter: asked.quarter,
            as_of: asked.as_of,
            branch,
            outlets,
            staff: staff_rows,
            branch_scores: actor.manages_branch().then_some(all_scores),
            outlet_scores,
            staff_scores,
            base,
        })
    }
}
