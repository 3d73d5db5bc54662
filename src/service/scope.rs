//! Where a manager's permission reaches (`domain::Scope`): an outlet head moves clients and
//! launches products only inside their outlet; branch-level managers everywhere, and they alone
//! change quotas and rules. Every refusal names who, their scope and what lies outside it.

use super::{Service, ServiceError};
use crate::domain::{Client, Permission, Staff};

impl Service {
    /// Refuses `what` unless `actor` manages the whole branch.
    pub(super) fn require_branch(&self, actor: &Staff, what: &str) -> Result<(), ServiceError> {
        self.require(actor, Permission::Manager, what)?;
        if actor.manages_branch() {
            return Ok(());
        }
        Err(ServiceError::Denied(format!(
            "{what}须由支行级管理者操作；{}（{}）的管理范围是{}",
            actor.name,
            actor.no,
            actor.scope_text()
        )))
    }

    /// Refuses moving `client` to `to` (or off every roster) unless the client, its present
    /// maintainer and the receiver are all inside `actor`'s outlet; branch-level managers may
    /// move anything.
    pub(super) fn check_move_scope(
        &self,
        actor: &Staff,
        client: &Client,
        to: Option<&Staff>,
    ) -> Result<(), ServiceError> {
        let Some(outlet) = actor.managed_outlet() else {
            return Ok(());
        };
        let refuse = |what: String| {
            Err(ServiceError::Denied(format!(
                "{}（{}）只管理{}，{what}，不在管理范围内；请由该网点负责人或支行级管理者操作",
                actor.name,
                actor.no,
                actor.scope_text()
            )))
        };
        if &client.outlet != outlet {
            return refuse(format!("客户 {}（{}）属于{}网点", client.no, client.name, client.outlet));
        }
        if let Some(m) = &client.maintainer
            && let Some(giver) = self.store.staff(m)?
            && &giver.outlet != outlet
        {
            return refuse(format!(
                "客户 {}（{}）的维护人 {}（{}）在{}网点",
                client.no, client.name, giver.name, giver.no, giver.outlet
            ));
        }
        if let Some(to) = to
            && &to.outlet != outlet
        {
            return refuse(format!("接收人 {}（{}）在{}网点", to.name, to.no, to.outlet));
        }
        Ok(())
    }
}
