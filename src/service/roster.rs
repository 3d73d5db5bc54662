//! Reading the roster: who I am, my clients, one client's card, and audited reveals.

use super::views::*;
use super::{Service, ServiceError};
use crate::domain::calendar::DueBucket;
use crate::domain::compliance::{checklist, gaps};
use crate::domain::mask::{asset_band, mask_id, mask_phone};
use crate::domain::names::sort_key;
use crate::domain::quota::Standing;
use crate::domain::task::{attempts, callback_bucket};
use crate::domain::{
    AuditAction, Client, ClientNo, Fen, Permission, ProductLaunch, Rules, Sensitive, Staff, StaffNo, Task,
    TaskKind,
};

/// Contacts shown on a client card; older ones are in the export.
const CARD_CONTACTS: usize = 100;
/// How many of a client's latest contacts are read to count the tries at their callback.
const ATTEMPTS_READ: usize = 50;

impl Service {
    pub fn whoami(&self, actor: &Staff) -> Result<Me, ServiceError> {
        let rules = self.store.rules()?;
        let size = self.store.roster_size(&actor.no) as u32;
        Ok(Me { staff: actor.clone(), standing: Standing::of(actor, size, &rules), today: self.local_date() })
    }

    /// Managers see balances in lists (they judge coverage by them); staff see a band and reveal.
    /// An unknown balance is unknown to everyone: no band is made up for it.
    pub(super) fn amount_for(viewer: &Staff, assets: Option<Fen>) -> Amount {
        match assets {
            None => Amount::Unknown,
            Some(a) if viewer.may(Permission::Manager) => Amount::Exact(a),
            Some(a) => Amount::Band(asset_band(a)),
        }
    }

    pub(super) fn staff_ref(&self, no: &StaffNo) -> Result<StaffRef, ServiceError> {
        let name = self.store.staff(no)?.map_or_else(|| "（未知）".to_string(), |s| s.name);
        Ok(StaffRef { no: no.clone(), name })
    }

    /// The staff member whose roster `of` names: oneself, or anyone for a manager.
    pub(super) fn roster_owner(&self, actor: &Staff, of: Option<StaffNo>) -> Result<Staff, ServiceError> {
        match of {
            None => Ok(actor.clone()),
            Some(no) if no == actor.no => Ok(actor.clone()),
            Some(no) => {
                self.require(actor, Permission::Manager, "查看他人的名单")?;
                self.store.staff(&no)?.ok_or_else(|| ServiceError::NotFound(format!("工号 {no}")))
            }
        }
    }

    pub(super) fn roster_clients(&self, owner: &StaffNo) -> Result<Vec<Client>, ServiceError> {
        let mut out = Vec::new();
        for no in self.store.roster(owner)? {
            if let Some(c) = self.store.client(&no)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    pub fn roster(
        &self,
        actor: &Staff,
        of: Option<StaffNo>,
        sort: RosterSort,
        filter: RosterFilter,
    ) -> Result<RosterPage, ServiceError> {
        let owner = self.roster_owner(actor, of)?;
        let rules = self.store.rules()?;
        let mut clients = self.roster_clients(&owner.no)?;
        let total = clients.len() as u32;
        clients.retain(|c| {
            filter.class.is_none_or(|k| c.class == k)
                && filter.segment.is_none_or(|s| c.segment == s)
                && filter.gap.is_none_or(|g| gaps(&c.holdings, &rules).contains(&g))
                && filter.status.is_none_or(|s| c.status == s)
        });
        // Sorting happens here, on the true balances, so a masked list still sorts correctly.
        match sort {
            RosterSort::NextCallback => clients.sort_by_key(|c| (c.next_callback.is_none(), c.next_callback)),
            // Largest first, unknown balances last (`None` sorts below every `Some`).
            RosterSort::Assets => clients.sort_by_key(|c| std::cmp::Reverse(c.assets)),
            RosterSort::LastContact => clients.sort_by_key(|c| c.last_contact),
            RosterSort::Name => clients.sort_by_cached_key(|c| sort_key(&c.name)),
        }
        let rows = clients
            .into_iter()
            .map(|c| RosterRow {
                gaps: gaps(&c.holdings, &rules),
                assets: Self::amount_for(actor, c.assets),
                no: c.no,
                name: c.name,
                tier: c.tier,
                class: c.class,
                segment: c.segment,
                last_contact: c.last_contact,
                next_callback: c.next_callback,
                sticker: c.sticker.done,
                status: c.status,
            })
            .collect();
        Ok(RosterPage {
            of: StaffRef { no: owner.no.clone(), name: owner.name.clone() },
            standing: Standing::of(&owner, total, &rules),
            total,
            rows,
        })
    }

    pub(super) fn client_or_not_found(&self, no: &ClientNo) -> Result<Client, ServiceError> {
        self.store.client(no)?.ok_or_else(|| ServiceError::NotFound(format!("客户 {no}")))
    }

    pub(super) fn view_of(&self, viewer: &Staff, c: &Client) -> Result<ClientView, ServiceError> {
        let maintainer = c.maintainer.as_ref().map(|m| self.staff_ref(m)).transpose()?;
        Ok(ClientView {
            no: c.no.clone(),
            name: c.name.clone(),
            gender: c.gender,
            phone: mask_phone(&c.phone),
            id_number: mask_id(&c.id_number),
            birthday: c.birthday.map(MonthDay::of),
            outlet: c.outlet.clone(),
            tier: c.tier,
            assets: Self::amount_for(viewer, c.assets),
            class: c.class,
            segment: c.segment,
            maintainer,
            sticker: c.sticker,
            holdings: c.holdings,
            plan: c.plan.clone(),
            status: c.status,
            last_contact: c.last_contact,
            next_callback: c.next_callback,
        })
    }

    /// A task as a line of a work list.
    pub(super) fn task_view(
        task: &Task,
        client: &Client,
        launches: &[ProductLaunch],
        today: chrono::NaiveDate,
    ) -> TaskView {
        let launch_name = match task.id.kind {
            TaskKind::Launch(id) => launches.iter().find(|l| l.id == id).map(|l| l.name.clone()),
            _ => None,
        };
        TaskView {
            id: task.id.clone(),
            client_name: client.name.clone(),
            client_tier: client.tier,
            client_class: client.class,
            due: task.due,
            bucket: DueBucket::of(task.due, today),
            launch_name,
            agreed: task.agreed,
            attempts: None,
        }
    }

    /// `task_view` with the unreached tries at a callback, read from the client's latest
    /// contacts (a callback tried more often than that is still shown as tried that often).
    pub(super) fn callback_view(
        &self,
        task: &Task,
        client: &Client,
        launches: &[ProductLaunch],
        today: chrono::NaiveDate,
    ) -> Result<TaskView, ServiceError> {
        let mut v = Self::task_view(task, client, launches, today);
        if matches!(task.id.kind, TaskKind::Callback { .. }) {
            v.attempts = attempts(task, &self.store.contacts_of(&client.no, ATTEMPTS_READ)?);
            v.bucket = callback_bucket(task, v.attempts.as_ref(), today);
        }
        Ok(v)
    }

    pub fn client(&self, actor: &Staff, no: ClientNo) -> Result<ClientCard, ServiceError> {
        let c = self.client_or_not_found(&no)?;
        let rules: Rules = self.store.rules()?;
        let launches = self.store.launches()?;
        let today = self.local_date();
        let mut contacts = Vec::new();
        for contact in self.store.contacts_of(&no, CARD_CONTACTS)? {
            let launch_name =
                contact.launch.and_then(|id| launches.iter().find(|l| l.id == id)).map(|l| l.name.clone());
            contacts.push(ContactView { by: self.staff_ref(&contact.by)?, launch_name, contact });
        }
        let mut open: Vec<Task> = self.store.tasks_of(&no)?.into_iter().filter(Task::is_open).collect();
        open.sort_by_key(|t| t.due);
        let mut open_tasks = Vec::new();
        for t in &open {
            open_tasks.push(self.callback_view(t, &c, &launches, today)?);
        }
        let mine = c.maintainer.as_ref() == Some(&actor.no);
        let maintainer_outlet = match &c.maintainer {
            Some(no) => self.store.staff(no)?.map(|s| s.outlet),
            None => None,
        };
        let all_contacts = self.store.contacts_of(&no, usize::MAX)?;
        let satisfaction =
            crate::domain::contact::satisfaction_trend(&all_contacts, crate::domain::Quarter::of(today), 4);
        let mut complaints = Vec::new();
        for complaint in self.store.complaints_of(&no)?.iter().rev() {
            if self.sees_complaint(actor, complaint)? {
                complaints.push(self.complaint_row(complaint, today)?);
            }
        }
        Ok(ClientCard {
            satisfaction,
            complaints,
            maintainer_outlet,
            client: self.view_of(actor, &c)?,
            checklist: checklist(&c.holdings, &rules).to_vec(),
            contacts,
            open_tasks,
            mine,
            callback_days: rules.callback_days(c.class),
            any_contact_resets_callback: rules.any_contact_resets_callback,
            may_edit_plan: mine,
            may_set_sticker: mine || actor.may(Permission::Manager),
        })
    }

    /// One field in full. Any staff member may look (the roster is shared inside the bank), and
    /// the look is written to the audit trail before the value is returned. Empty when the field
    /// holds nothing, an unknown balance included.
    pub fn reveal(&self, actor: &Staff, no: ClientNo, field: Sensitive) -> Result<String, ServiceError> {
        let c = self.client_or_not_found(&no)?;
        let value = match field {
            Sensitive::Phone => c.phone.clone(),
            Sensitive::IdNumber => c.id_number.clone(),
            // Empty when unknown, as an empty phone is: there is no figure to show.
            Sensitive::Assets => c.assets.map(Fen::display_yuan).unwrap_or_default(),
        };
        let rec =
            self.audit_record(actor.no.as_str(), AuditAction::Reveal, no.as_str(), field.label().to_string());
        self.audit_only(&rec)?;
        Ok(value)
    }

    /// Launches still running that reach the actor's outlet (one made for another outlet is
    /// not theirs to recommend).
    pub fn running_launches(&self, actor: &Staff) -> Result<Vec<LaunchRef>, ServiceError> {
        let today = self.local_date();
        Ok(self
            .store
            .launches()?
            .into_iter()
            .filter(|l| l.is_running(today) && l.reaches(&actor.outlet))
            .map(|l| LaunchRef { id: l.id, name: l.name, deadline: l.deadline })
            .collect())
    }

    /// The staff directory, with everyone's OS login, is for managers.
    pub fn list_staff(&self, actor: &Staff) -> Result<Vec<Staff>, ServiceError> {
        self.require(actor, Permission::Manager, "查看员工名录")?;
        Ok(self.store.all_staff()?)
    }
}
