//! Typed reads and the scans the screens need.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::codec::{Record, decode};
use super::fields::StoredClient;
use super::tx::RULES_KEY;
use super::{Store, StoreError, Tree, keys};
use crate::domain::complaint::{Complaint, ComplaintDraft, ComplaintId};
use crate::domain::past::FrozenQuarter;
use crate::domain::results::{BalanceChange, Snapshot, StateChange};
use crate::domain::{
    AuditRecord, Client, ClientNo, Contact, ContactDraft, ProductLaunch, Quarter, Rules, Staff, StaffNo,
    Task, TaskId,
};

impl Store {
    fn get<R: Record>(&self, t: Tree, key: &[u8]) -> Result<Option<R>, StoreError> {
        match self.tree(t).get(key)? {
            Some(v) => decode(key, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Every record in a tree under `prefix`, in key order.
    fn scan<R: Record>(&self, t: Tree, prefix: &[u8]) -> impl Iterator<Item = Result<R, StoreError>> + '_ {
        until_error(self.tree(t).scan_prefix(prefix)).map(|item| {
            let (k, v) = item?;
            decode(&k, &v)
        })
    }

    /// Index keys under `prefix`, in key order.
    fn index_keys(
        &self,
        t: Tree,
        prefix: &[u8],
    ) -> impl DoubleEndedIterator<Item = Result<sled::IVec, StoreError>> {
        until_error(self.tree(t).scan_prefix(prefix)).map(|item| Ok(item?.0))
    }

    pub fn rules(&self) -> Result<Rules, StoreError> {
        Ok(self.get(Tree::Meta, RULES_KEY)?.unwrap_or_default())
    }

    /// The monthly branch totals, oldest month first (`results::BranchTotal`).
    pub fn branch_totals(&self) -> Result<Vec<crate::domain::results::BranchTotal>, StoreError> {
        let t: Option<super::records::BranchTotals> = self.get(Tree::Meta, super::tx::BRANCH_TOTALS_KEY)?;
        Ok(t.map(|t| t.0).unwrap_or_default())
    }

    pub fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree(Tree::Meta).get(key)?.map(|v| v.to_vec()))
    }

    /// The branch's backup recipients (age public keys), as `Tx::set_backup_recipients` left them.
    pub fn backup_recipients(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .tree(Tree::Meta)
            .get(super::RECIPIENTS_KEY)?
            .map(|v| String::from_utf8_lossy(&v).lines().map(str::to_string).collect())
            .unwrap_or_default())
    }

    pub fn staff(&self, no: &StaffNo) -> Result<Option<Staff>, StoreError> {
        self.get(Tree::Staff, no.as_str().as_bytes())
    }

    pub fn staff_by_login(&self, login: &str) -> Result<Option<Staff>, StoreError> {
        match self.tree(Tree::StaffByLogin).get(login)? {
            Some(no) => self.get(Tree::Staff, &no),
            None => Ok(None),
        }
    }

    pub fn all_staff(&self) -> Result<Vec<Staff>, StoreError> {
        self.scan(Tree::Staff, b"").collect()
    }

    /// The client numbered `no`, its sensitive fields decrypted (see `fields`).
    pub fn client(&self, no: &ClientNo) -> Result<Option<Client>, StoreError> {
        self.get::<StoredClient>(Tree::Clients, no.as_str().as_bytes())?
            .map(|c| self.open_client(c))
            .transpose()
    }

    /// Every client in number order, sensitive fields decrypted in memory.
    pub fn clients(&self) -> impl Iterator<Item = Result<Client, StoreError>> + '_ {
        self.scan::<StoredClient>(Tree::Clients, b"").map(|c| self.open_client(c?))
    }

    /// Clients whose number starts with `prefix`, in number order. Finds the zero-led numbers an
    /// import must match when Excel has dropped the zeros, without reading every client.
    pub fn clients_with_prefix(&self, prefix: &str) -> impl Iterator<Item = Result<Client, StoreError>> + '_ {
        self.scan::<StoredClient>(Tree::Clients, prefix.as_bytes()).map(|c| self.open_client(c?))
    }

    /// Client numbers on one maintainer's roster.
    pub fn roster(&self, staff: &StaffNo) -> Result<Vec<ClientNo>, StoreError> {
        let prefix = keys::under(staff.as_str().as_bytes());
        self.index_keys(Tree::Roster, &prefix).map(|k| roster_client(&k?)).collect()
    }

    /// Every client on any roster, by maintainer.
    pub fn all_roster_clients(&self) -> impl Iterator<Item = Result<ClientNo, StoreError>> + '_ {
        self.index_keys(Tree::Roster, b"").map(|k| roster_client(&k?))
    }

    pub fn roster_size(&self, staff: &StaffNo) -> usize {
        until_error(self.tree(Tree::Roster).scan_prefix(keys::under(staff.as_str().as_bytes())))
            .filter(Result::is_ok)
            .count()
    }

    /// A client's contacts, newest first.
    pub fn contacts_of(&self, client: &ClientNo, limit: usize) -> Result<Vec<Contact>, StoreError> {
        let prefix = keys::under(client.as_str().as_bytes());
        self.index_keys(Tree::ContactsByClient, &prefix)
            .rev()
            .take(limit)
            .map(|k| self.contact_for_index(Tree::ContactsByClient, &k?))
            .collect()
    }

    /// Contacts that took place in `[from, to)`, oldest first.
    pub fn contacts_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> impl Iterator<Item = Result<Contact, StoreError>> + '_ {
        until_error(self.tree(Tree::ContactsByTime).range(keys::time(from)..keys::time(to)))
            .map(move |item| self.contact_for_index(Tree::ContactsByTime, &item?.0))
    }

    fn contact_for_index(&self, t: Tree, key: &[u8]) -> Result<Contact, StoreError> {
        let id = keys::contact_id_at_end(key).ok_or_else(|| bad_index(t, key))?;
        self.get(Tree::Contacts, &keys::contact(id))?.ok_or_else(|| bad_index(t, key))
    }

    pub fn task(&self, id: &TaskId) -> Result<Option<Task>, StoreError> {
        self.get(Tree::Tasks, &keys::task(id))
    }

    pub fn tasks_of(&self, client: &ClientNo) -> Result<Vec<Task>, StoreError> {
        self.scan(Tree::Tasks, &keys::under(client.as_str().as_bytes())).collect()
    }

    pub fn tasks(&self) -> impl Iterator<Item = Result<Task, StoreError>> + '_ {
        self.scan(Tree::Tasks, b"")
    }

    /// A maintainer's open tasks, earliest due first.
    pub fn open_tasks_of(&self, staff: &StaffNo) -> Result<Vec<Task>, StoreError> {
        let prefix = keys::under(staff.as_str().as_bytes());
        self.index_keys(Tree::OpenTasksByStaff, &prefix)
            .map(|k| {
                let k = k?;
                let task_key =
                    keys::task_key_in_staff_index(&k).ok_or_else(|| bad_index(Tree::OpenTasksByStaff, &k))?;
                self.get(Tree::Tasks, task_key)?.ok_or_else(|| bad_index(Tree::OpenTasksByStaff, &k))
            })
            .collect()
    }

    /// Open tasks across the branch due on or before `date`, earliest first.
    pub fn open_tasks_due_by(&self, date: NaiveDate) -> impl Iterator<Item = Result<Task, StoreError>> + '_ {
        let end = keys::date(date.succ_opt().unwrap_or(date));
        until_error(self.tree(Tree::OpenTasksByDue).range(..end.to_vec())).map(|item| {
            let (k, _) = item?;
            let task_key =
                keys::task_key_in_due_index(&k).ok_or_else(|| bad_index(Tree::OpenTasksByDue, &k))?;
            self.get(Tree::Tasks, task_key)?.ok_or_else(|| bad_index(Tree::OpenTasksByDue, &k))
        })
    }

    /// The complaint service levels as set, or the defaults when never set.
    pub fn service_levels(&self) -> Result<crate::domain::complaint::ServiceLevels, StoreError> {
        Ok(self.get(Tree::Meta, super::tx::SERVICE_LEVELS_KEY)?.unwrap_or_default())
    }

    pub fn complaint(&self, id: ComplaintId) -> Result<Option<Complaint>, StoreError> {
        self.get(Tree::Complaints, &keys::complaint(id))
    }

    /// Every complaint, oldest first.
    pub fn complaints(&self) -> impl Iterator<Item = Result<Complaint, StoreError>> + '_ {
        self.scan(Tree::Complaints, b"")
    }

    /// One client's complaints, oldest first.
    pub fn complaints_of(&self, client: &ClientNo) -> Result<Vec<Complaint>, StoreError> {
        self.complaints_indexed(Tree::ComplaintsByClient, &keys::under(client.as_str().as_bytes()))
    }

    /// The complaints whose open step `owner` holds, earliest deadline first.
    pub fn open_complaints_of(&self, owner: &StaffNo) -> Result<Vec<Complaint>, StoreError> {
        self.complaints_indexed(Tree::OpenComplaintsByOwner, &keys::under(owner.as_str().as_bytes()))
    }

    fn complaints_indexed(&self, t: Tree, prefix: &[u8]) -> Result<Vec<Complaint>, StoreError> {
        let mut out = Vec::new();
        for k in self.index_keys(t, prefix) {
            let k = k?;
            let id = keys::complaint_id_at_end(&k).ok_or_else(|| StoreError::Corrupt {
                kind: "投诉索引",
                key: String::from_utf8_lossy(&k).replace('\0', "/"),
                reason: "键太短".into(),
            })?;
            // An index entry without its record is for `check` to report; lists skip it.
            if let Some(c) = self.complaint(id)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    pub fn launches(&self) -> Result<Vec<ProductLaunch>, StoreError> {
        self.scan(Tree::Launches, b"").collect()
    }

    /// A past quarter's figures as frozen at its end (`domain::past`), if the housekeeping froze it,
    /// its parts taken in (`Tx::save_frozen_part`).
    pub fn frozen_quarter(&self, q: Quarter) -> Result<Option<FrozenQuarter>, StoreError> {
        let Some(mut f) = self.frozen_header(q)? else { return Ok(None) };
        for part in self.frozen_parts(q) {
            let (_, part) = part?;
            f.clients.extend(part.clients);
            f.tasks.extend(part.tasks);
        }
        Ok(Some(f))
    }

    /// A frozen quarter's header: the whole quarter if it was written in one record, else what it
    /// holds besides the parts (`frozen_parts`).
    pub fn frozen_header(&self, q: Quarter) -> Result<Option<FrozenQuarter>, StoreError> {
        self.get(Tree::Quarters, &keys::quarter(q))
    }

    /// The parts of quarter `q`'s frozen figures, each with its number, in order; parts without
    /// a header are what a freeze cut short left behind.
    pub fn frozen_parts(
        &self,
        q: Quarter,
    ) -> impl Iterator<Item = Result<(u32, FrozenQuarter), StoreError>> + '_ {
        let header = keys::quarter(q);
        until_error(self.tree(Tree::Quarters).scan_prefix(header)).filter_map(move |item| {
            let (k, v) = match item {
                Ok(kv) => kv,
                Err(e) => return Some(Err(StoreError::from(e))),
            };
            let no =
                k.get(header.len()..).and_then(|n| <[u8; 4]>::try_from(n).ok()).map(u32::from_be_bytes)?;
            Some(decode(&k, &v).map(|f| (no, f)))
        })
    }

    /// Every frozen quarter's header (`frozen_header`), oldest first.
    pub fn frozen_headers(&self) -> Result<Vec<FrozenQuarter>, StoreError> {
        let header_len = keys::quarter(Quarter { year: 0, q: 1 }).len();
        let mut out = Vec::new();
        for item in until_error(self.tree(Tree::Quarters).iter()) {
            let (k, v) = item?;
            if k.len() == header_len {
                out.push(decode(&k, &v)?);
            }
        }
        Ok(out)
    }

    /// Every frozen quarter whole (`frozen_quarter`), oldest first: all of them in memory at once,
    /// for tests and small stores.
    pub fn frozen_quarters(&self) -> Result<Vec<FrozenQuarter>, StoreError> {
        let mut out = Vec::new();
        for h in self.frozen_headers()? {
            if let Some(f) = self.frozen_quarter(h.quarter)? {
                out.push(f);
            }
        }
        Ok(out)
    }

    pub fn snapshots(&self) -> Result<Vec<Snapshot>, StoreError> {
        self.scan(Tree::Snapshots, b"").collect()
    }

    /// Every recorded client change, grouped by client, each group in date order.
    pub fn client_changes(&self) -> Result<BTreeMap<ClientNo, Vec<StateChange>>, StoreError> {
        let mut out: BTreeMap<ClientNo, Vec<StateChange>> = BTreeMap::new();
        for change in self.scan::<StateChange>(Tree::ClientChanges, b"") {
            let change = change?;
            out.entry(change.client.clone()).or_default().push(change);
        }
        Ok(out)
    }

    /// Every recorded balance change, grouped by client, each group in date order.
    pub fn balance_changes(&self) -> Result<BTreeMap<ClientNo, Vec<BalanceChange>>, StoreError> {
        let mut out: BTreeMap<ClientNo, Vec<BalanceChange>> = BTreeMap::new();
        for change in self.scan::<BalanceChange>(Tree::BalanceChanges, b"") {
            let change = change?;
            out.entry(change.client.clone()).or_default().push(change);
        }
        Ok(out)
    }

    /// One client's recorded changes, in date order.
    pub fn changes_of(&self, client: &ClientNo) -> Result<Vec<StateChange>, StoreError> {
        self.scan(Tree::ClientChanges, &keys::under(client.as_str().as_bytes())).collect()
    }

    /// `staff`'s unfinished receive form (受理) for `client`.
    pub fn complaint_draft(
        &self,
        staff: &StaffNo,
        client: &ClientNo,
    ) -> Result<Option<ComplaintDraft>, StoreError> {
        self.get(Tree::ComplaintDrafts, &keys::draft(staff, client))
    }

    /// `staff`'s unfinished receive forms, one per client, each decoded on its own.
    pub fn complaint_drafts_of(&self, staff: &StaffNo) -> Vec<Result<ComplaintDraft, StoreError>> {
        self.scan(Tree::ComplaintDrafts, &keys::under(staff.as_str().as_bytes())).collect()
    }

    /// `staff`'s kept draft for `client`.
    pub fn draft(&self, staff: &StaffNo, client: &ClientNo) -> Result<Option<ContactDraft>, StoreError> {
        self.get(Tree::Drafts, &keys::draft(staff, client))
    }

    /// `staff`'s drafts, one per client, in client-number order; see `all_drafts`.
    pub fn drafts_of(&self, staff: &StaffNo) -> Result<Vec<DraftEntry>, StoreError> {
        self.draft_entries(&keys::under(staff.as_str().as_bytes()))
    }

    /// Every draft, by 工号 then client, each decoded on its own: one that cannot be read is
    /// returned as its error, so the others still list and it can be removed by its key.
    pub fn all_drafts(&self) -> Result<Vec<DraftEntry>, StoreError> {
        self.draft_entries(b"")
    }

    fn draft_entries(&self, prefix: &[u8]) -> Result<Vec<DraftEntry>, StoreError> {
        let mut out = Vec::new();
        for item in until_error(self.tree(Tree::Drafts).scan_prefix(prefix)) {
            let (k, v) = item?;
            let (staff, client) = match k.iter().position(|b| *b == keys::SEP) {
                Some(at) => (&k[..at], &k[at + 1..]),
                None => (&k[..], &[][..]),
            };
            out.push(DraftEntry {
                staff: String::from_utf8_lossy(staff).into_owned(),
                client: String::from_utf8_lossy(client).into_owned(),
                draft: decode(&k, &v),
                key: k.to_vec(),
            });
        }
        Ok(out)
    }

    /// The audit trail, oldest first.
    pub fn audit(&self) -> impl DoubleEndedIterator<Item = Result<AuditRecord, StoreError>> + '_ {
        until_error(self.tree(Tree::Audit).iter()).map(|item| {
            let (k, v) = item?;
            decode(&k, &v)
        })
    }
}

/// sled's iterator, ended after its first error. sled's own does not move past an error (iter.rs
/// `next_inner` retries the same key), so a caller that skips errors or counts items would loop
/// forever on a store sled can no longer write to.
pub(super) fn until_error<I, T>(inner: I) -> UntilError<I>
where
    I: Iterator<Item = sled::Result<T>>,
{
    UntilError { inner, failed: false }
}

pub(super) struct UntilError<I> {
    inner: I,
    failed: bool,
}

impl<I: Iterator<Item = sled::Result<T>>, T> Iterator for UntilError<I> {
    type Item = sled::Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.inner.next();
        self.failed = matches!(item, Some(Err(_)));
        item
    }
}

impl<I: DoubleEndedIterator<Item = sled::Result<T>>, T> DoubleEndedIterator for UntilError<I> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.inner.next_back();
        self.failed = matches!(item, Some(Err(_)));
        item
    }
}

/// One stored draft: whose and about which client (as the key spells them), and the draft or
/// why it cannot be read.
#[derive(Debug)]
pub struct DraftEntry {
    /// The stored key, for removing a draft that cannot be read.
    pub key: Vec<u8>,
    /// The 工号 it belongs to.
    pub staff: String,
    /// The client number; empty for a draft whose client could not be told when the store was
    /// upgraded to per-client drafts (it could not be read).
    pub client: String,
    /// The draft, or why it cannot be read (`StoreError::Corrupt` naming the key).
    pub draft: Result<ContactDraft, StoreError>,
}

fn roster_client(key: &[u8]) -> Result<ClientNo, StoreError> {
    keys::after_sep(key).and_then(|s| ClientNo::parse(s).ok()).ok_or_else(|| bad_index(Tree::Roster, key))
}

fn bad_index(t: Tree, key: &[u8]) -> StoreError {
    StoreError::Corrupt {
        kind: "索引",
        key: format!("{}:{}", t.name(), String::from_utf8_lossy(key).replace('\0', "/")),
        reason: "指向的记录不存在或键格式不对".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::until_error;

    #[test]
    fn a_scan_ends_at_its_first_error_instead_of_repeating_it() {
        // What sled's iterator does on a store it can no longer write to: the same error forever.
        let stuck = std::iter::once(Ok(1))
            .chain(std::iter::repeat_with(|| Err(sled::Error::Unsupported("x".into()))));
        let items: Vec<_> = until_error(stuck).collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok() && items[1].is_err());
    }
}
