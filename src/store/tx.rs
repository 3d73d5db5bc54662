//! Typed writes inside one transaction. Every `save_*` keeps the entity's index trees in step with
//! it, so a caller cannot update a record and forget its index.

use std::cell::RefCell;

use chrono::NaiveDate;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::codec::{Record, decode, encode};
use super::fields::{self, StoredClient};
use super::{Fields, StoreError, Tree, chain, keys};
use crate::domain::complaint::{Complaint, ComplaintDraft, ComplaintId};
use crate::domain::past::FrozenQuarter;
use crate::domain::results::{BalanceChange, ClientState, Snapshot, StateChange};
use crate::domain::{
    AuditLink, AuditRecord, Client, ClientNo, Contact, ContactDraft, ProductLaunch, Rules, SealMark, Staff,
    StaffNo, Task, TaskId,
};

pub type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

/// Ends the transaction, writing nothing, with this error for the caller.
pub fn abort<T>(e: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

pub const RULES_KEY: &[u8] = b"rules";
/// Meta key of the complaint service levels (`complaint::ServiceLevels`); absent: the defaults.
pub const SERVICE_LEVELS_KEY: &[u8] = b"service_levels";
/// Meta key of the monthly branch totals (`records::BranchTotals`).
pub const BRANCH_TOTALS_KEY: &[u8] = b"branch_totals";

/// Makes a seal over the chain head it is given (sequence number, hash); see `Tx::seal`.
pub type Signer<'a> = dyn Fn(u64, &[u8; 32]) -> SealMark + 'a;

pub struct Tx<'a> {
    trees: &'a [TransactionalTree],
    id_base: u64,
    /// Seals and opens clients' sensitive fields (see `fields`).
    fields: &'a Fields,
    /// Clients saved in this attempt, for `Store::write` to pass on once it commits.
    saved: RefCell<Vec<Client>>,
    /// In a bulk write (`Store::begin_bulk`, `Bulk::write`): what every key this attempt changes held before,
    /// in the order of the changes, so that an import cut off midway can be undone.
    undo: Option<RefCell<Vec<Undo>>>,
}

/// One key's value before a bulk write changed it (`None`: the key was absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Undo {
    pub tree: Tree,
    pub key: Vec<u8>,
    pub old: Option<Vec<u8>>,
}

impl<'a> Tx<'a> {
    pub(super) fn new(trees: &'a [TransactionalTree], id_base: u64, fields: &'a Fields) -> Tx<'a> {
        Tx { trees, id_base, fields, saved: RefCell::new(Vec::new()), undo: None }
    }

    /// A transaction that remembers what it overwrites (see `Undo`).
    pub(super) fn with_undo(trees: &'a [TransactionalTree], id_base: u64, fields: &'a Fields) -> Tx<'a> {
        Tx { trees, id_base, fields, saved: RefCell::new(Vec::new()), undo: Some(RefCell::new(Vec::new())) }
    }

    pub(super) fn into_saved(self) -> Vec<Client> {
        self.saved.into_inner()
    }

    pub(super) fn into_parts(self) -> (Vec<Client>, Vec<Undo>) {
        (self.saved.into_inner(), self.undo.map(RefCell::into_inner).unwrap_or_default())
    }

    fn t(&self, t: Tree) -> &TransactionalTree {
        &self.trees[t as usize]
    }

    /// Remembers `key`'s present value before it changes, in a bulk write. `fresh`: the key
    /// was made from an id just generated, so it cannot be there, and reading it is skipped.
    fn remember(&self, t: Tree, key: &[u8], fresh: bool) -> TxResult<()> {
        if let Some(undo) = &self.undo {
            let old = if fresh { None } else { self.t(t).get(key)?.map(|v| v.to_vec()) };
            undo.borrow_mut().push(Undo { tree: t, key: key.to_vec(), old });
        }
        Ok(())
    }

    /// Every change of a key goes through here or `remove`, so a bulk write knows what it undoes.
    fn insert(&self, t: Tree, key: &[u8], value: &[u8], fresh: bool) -> TxResult<()> {
        self.remember(t, key, fresh)?;
        self.t(t).insert(key, value)?;
        Ok(())
    }

    fn remove(&self, t: Tree, key: &[u8]) -> TxResult<()> {
        self.remember(t, key, false)?;
        self.t(t).remove(key)?;
        Ok(())
    }

    fn get<R: Record>(&self, t: Tree, key: &[u8]) -> TxResult<Option<R>> {
        match self.t(t).get(key)? {
            Some(v) => decode(key, &v).map(Some).or_else(abort),
            None => Ok(None),
        }
    }

    fn put<R: Record>(&self, t: Tree, key: &[u8], value: &R) -> TxResult<()> {
        let bytes = encode(value).or_else(abort)?;
        self.insert(t, key, &bytes, false)
    }

    /// `put` under a key made from an id generated in this transaction.
    fn put_fresh<R: Record>(&self, t: Tree, key: &[u8], value: &R) -> TxResult<()> {
        let bytes = encode(value).or_else(abort)?;
        self.insert(t, key, &bytes, true)
    }

    fn mark(&self, t: Tree, key: Vec<u8>) -> TxResult<()> {
        self.insert(t, &key, &[], false)
    }

    fn unmark(&self, t: Tree, key: Vec<u8>) -> TxResult<()> {
        self.remove(t, &key)
    }

    pub fn id(&self) -> TxResult<u64> {
        super::offset_id(self.t(Tree::Meta).generate_id()?, self.id_base).or_else(abort)
    }

    /// The client numbered `no`, sensitive fields decrypted.
    pub fn client(&self, no: &ClientNo) -> TxResult<Option<Client>> {
        match self.get::<StoredClient>(Tree::Clients, no.as_str().as_bytes())? {
            Some(c) => self.fields.open(c).map(Some).or_else(abort),
            None => Ok(None),
        }
    }

    pub fn staff(&self, no: &StaffNo) -> TxResult<Option<Staff>> {
        self.get(Tree::Staff, no.as_str().as_bytes())
    }

    pub fn task(&self, id: &TaskId) -> TxResult<Option<Task>> {
        self.get(Tree::Tasks, &keys::task(id))
    }

    /// Saves a client as of day `on`; a new client, or a change of tier, segment or status, is
    /// recorded for the churn and conversion figures, and a change of balance (a new client's
    /// too) for the roster-asset figure (`results::roster_assets_by`).
    pub fn save_client(&self, c: &Client, on: NaiveDate) -> TxResult<()> {
        let old: Option<Client> = self.client(&c.no)?;
        let from = old.as_ref().map(ClientState::of);
        let to = ClientState::of(c);
        if from != Some(to) {
            self.add_change(&StateChange { client: c.no.clone(), on, from, to })?;
        }
        let was = old.as_ref().and_then(|o| o.assets);
        if old.is_none() && c.assets.is_some() || old.is_some() && was != c.assets {
            self.add_balance_change(&BalanceChange { client: c.no.clone(), on, from: was, to: c.assets })?;
        }
        self.write_client(c, old)
    }

    fn add_balance_change(&self, change: &BalanceChange) -> TxResult<()> {
        self.put_fresh(
            Tree::BalanceChanges,
            &keys::client_change(&change.client, change.on, self.id()?),
            change,
        )
    }

    /// Saves a client together with a history of changes known from elsewhere (the demo's
    /// generated past), instead of recording the save itself as a change.
    pub fn save_client_with_history(
        &self,
        c: &Client,
        history: &[StateChange],
        balances: &[BalanceChange],
    ) -> TxResult<()> {
        for change in history {
            self.add_change(change)?;
        }
        for change in balances {
            self.add_balance_change(change)?;
        }
        let old = self.client(&c.no)?;
        self.write_client(c, old)
    }

    fn add_change(&self, change: &StateChange) -> TxResult<()> {
        self.put_fresh(
            Tree::ClientChanges,
            &keys::client_change(&change.client, change.on, self.id()?),
            change,
        )
    }

    fn write_client(&self, c: &Client, old: Option<Client>) -> TxResult<()> {
        let key = c.no.as_str().as_bytes();
        // Sensitive fields unchanged (a contact log, a reassignment): the sealed value already
        // stored is kept, byte for byte, rather than sealed again under a new nonce. Nothing new
        // is revealed (same key, nonce and plaintext give the same bytes), a seal is saved, and
        // the client's stored bytes change only when its data does.
        let kept = match &old {
            Some(o) if fields::same_sensitive(o, c) => {
                self.get::<StoredClient>(Tree::Clients, key)?.filter(StoredClient::is_sealed)
            }
            _ => None,
        };
        let old_maintainer = old.and_then(|o| o.maintainer);
        if old_maintainer != c.maintainer {
            if let Some(m) = &old_maintainer {
                self.unmark(Tree::Roster, keys::roster(m, &c.no))?;
            }
            if let Some(m) = &c.maintainer {
                self.mark(Tree::Roster, keys::roster(m, &c.no))?;
            }
        }
        let sealed = match kept {
            Some(previous) => previous.with_fields_of(c),
            None => self.fields.seal(c).or_else(abort)?,
        };
        self.put(Tree::Clients, key, &sealed)?;
        self.saved.borrow_mut().push(c.clone());
        Ok(())
    }

    pub fn save_task(&self, task: &Task) -> TxResult<()> {
        let key = keys::task(&task.id);
        let old: Option<Task> = self.get(Tree::Tasks, &key)?;
        if let Some(old) = old.filter(Task::is_open) {
            self.unmark(Tree::OpenTasksByDue, keys::open_task_by_due(old.due, &old.id))?;
            if let Some(m) = &old.maintainer {
                self.unmark(Tree::OpenTasksByStaff, keys::open_task_by_staff(m, old.due, &old.id))?;
            }
        }
        if task.is_open() {
            self.mark(Tree::OpenTasksByDue, keys::open_task_by_due(task.due, &task.id))?;
            if let Some(m) = &task.maintainer {
                self.mark(Tree::OpenTasksByStaff, keys::open_task_by_staff(m, task.due, &task.id))?;
            }
        }
        self.put(Tree::Tasks, &key, task)
    }

    pub fn complaint(&self, id: ComplaintId) -> TxResult<Option<Complaint>> {
        self.get(Tree::Complaints, &keys::complaint(id))
    }

    /// Saves a complaint, new or moved on: indexed under its client, and under its open step's
    /// owner and due day while it is open (the old open-step entry replaced).
    pub fn save_complaint(&self, c: &Complaint) -> TxResult<()> {
        let key = keys::complaint(c.id);
        let old: Option<Complaint> = self.get(Tree::Complaints, &key)?;
        match &old {
            Some(old) => {
                if old.client != c.client {
                    return abort(StoreError::Conflict(format!("投诉 {} 的客户不能更改", c.id)));
                }
                if let Some(r) = old.open() {
                    self.unmark(
                        Tree::OpenComplaintsByOwner,
                        keys::open_complaint_by_owner(r.owner(), r.due, old.id),
                    )?;
                }
            }
            None => self.mark(Tree::ComplaintsByClient, keys::complaint_by_client(&c.client, c.id))?,
        }
        if let Some(r) = c.open() {
            self.mark(Tree::OpenComplaintsByOwner, keys::open_complaint_by_owner(r.owner(), r.due, c.id))?;
        }
        self.put(Tree::Complaints, &key, c)
    }

    /// Contacts are append-only: an id seen before is a bug, not an update.
    pub fn add_contact(&self, c: &Contact) -> TxResult<()> {
        let key = keys::contact(c.id);
        if self.t(Tree::Contacts).get(key)?.is_some() {
            return abort(StoreError::Conflict(format!("联系记录 {} 已存在", c.id)));
        }
        self.put(Tree::Contacts, &key, c)?;
        self.mark(Tree::ContactsByClient, keys::contact_by_client(&c.client, c.at, c.id))?;
        self.mark(Tree::ContactsByTime, keys::contact_by_time(c.at, c.id).to_vec())
    }

    /// Frees a staff member's login before a batch of saves hands it to someone else.
    pub fn release_login(&self, staff: &StaffNo) -> TxResult<()> {
        if let Some(login) = self.staff(staff)?.and_then(|s| s.login) {
            self.remove(Tree::StaffByLogin, login.as_str().as_bytes())?;
        }
        Ok(())
    }

    /// Saves a staff record; a login already used by someone else is refused.
    pub fn save_staff(&self, s: &Staff) -> TxResult<()> {
        let key = s.no.as_str().as_bytes();
        let old: Option<Staff> = self.get(Tree::Staff, key)?;
        if let Some(login) = &s.login
            && let Some(owner) = self.t(Tree::StaffByLogin).get(login.as_str())?
            && owner.as_ref() != key
        {
            return abort(StoreError::Conflict(format!(
                "登录名 {login} 已属于工号 {}",
                String::from_utf8_lossy(&owner)
            )));
        }
        // The old login is dropped only while it is still this person's: in a batch it may
        // already have been handed to someone else.
        if let Some(old_login) = old.and_then(|o| o.login)
            && Some(&old_login) != s.login.as_ref()
            && self.t(Tree::StaffByLogin).get(old_login.as_str())?.is_some_and(|owner| owner.as_ref() == key)
        {
            self.remove(Tree::StaffByLogin, old_login.as_str().as_bytes())?;
        }
        if let Some(login) = &s.login {
            self.insert(Tree::StaffByLogin, login.as_str().as_bytes(), key, false)?;
        }
        self.put(Tree::Staff, key, s)
    }

    pub fn save_launch(&self, l: &ProductLaunch) -> TxResult<()> {
        self.put(Tree::Launches, &keys::launch(l.id), l)
    }

    pub fn save_rules(&self, r: &Rules) -> TxResult<()> {
        self.put(Tree::Meta, RULES_KEY, r)
    }

    pub fn save_service_levels(&self, l: &crate::domain::complaint::ServiceLevels) -> TxResult<()> {
        self.put(Tree::Meta, SERVICE_LEVELS_KEY, l)
    }

    /// Replaces the monthly branch totals, oldest month first.
    pub fn save_branch_totals(&self, totals: &[crate::domain::results::BranchTotal]) -> TxResult<()> {
        self.put(Tree::Meta, BRANCH_TOTALS_KEY, &super::records::BranchTotals(totals.to_vec()))
    }

    /// Sets the branch's backup recipients (age public keys, see `encrypt`); empty clears them.
    pub fn set_backup_recipients(&self, keys: &[String]) -> TxResult<()> {
        if keys.is_empty() {
            return self.remove(Tree::Meta, super::RECIPIENTS_KEY);
        }
        self.insert(Tree::Meta, super::RECIPIENTS_KEY, keys.join("\n").as_bytes(), false)
    }

    /// Keeps `d` as `staff`'s draft for `d.client`, replacing only that client's.
    pub fn save_draft(&self, staff: &StaffNo, d: &ContactDraft) -> TxResult<()> {
        self.put(Tree::Drafts, &keys::draft(staff, &d.client), d)
    }

    /// Removes `staff`'s draft for `client`, if any (readable or not); other clients' stay.
    pub fn delete_draft(&self, staff: &StaffNo, client: &ClientNo) -> TxResult<()> {
        self.remove(Tree::Drafts, &keys::draft(staff, client))
    }

    /// Keeps `d` as `staff`'s unfinished receive form for `d.form.client` (schema 8), replacing
    /// only that client's.
    pub fn save_complaint_draft(&self, staff: &StaffNo, d: &ComplaintDraft) -> TxResult<()> {
        self.put(Tree::ComplaintDrafts, &keys::draft(staff, &d.form.client), d)
    }

    /// Removes `staff`'s unfinished receive form for `client`, if any (readable or not).
    pub fn delete_complaint_draft(&self, staff: &StaffNo, client: &ClientNo) -> TxResult<()> {
        self.remove(Tree::ComplaintDrafts, &keys::draft(staff, client))
    }

    /// Removes a draft by its stored key (`DraftEntry::key`), for one that cannot be read.
    pub fn delete_draft_key(&self, key: &[u8]) -> TxResult<()> {
        self.remove(Tree::Drafts, key)
    }

    /// Sets the audit chain head (the schema 4 upgrade starts the chain with it).
    pub(crate) fn set_chain_head(&self, head: &chain::ChainHead) -> TxResult<()> {
        let raw = self.t(Tree::Meta).get(chain::HEAD_KEY)?;
        self.insert(Tree::Meta, chain::HEAD_KEY, &chain::with_head(raw.as_deref(), head), false)
    }

    pub fn set_meta(&self, key: &[u8], value: &[u8]) -> TxResult<()> {
        self.insert(Tree::Meta, key, value, false)
    }

    pub fn remove_meta(&self, key: &[u8]) -> TxResult<()> {
        self.remove(Tree::Meta, key)
    }

    pub fn save_snapshot(&self, s: &Snapshot) -> TxResult<()> {
        self.put(Tree::Snapshots, &keys::date(s.date), s)
    }

    /// Stores a past quarter's frozen figures, replacing an earlier freeze of the same quarter:
    /// the whole of a small one, or the header of one written in parts (`save_frozen_part`).
    /// Readers see the quarter, parts included, once its header is there, so the header is
    /// written last.
    pub fn save_frozen_quarter(&self, f: &FrozenQuarter) -> TxResult<()> {
        self.put(Tree::Quarters, &keys::quarter(f.quarter), f)
    }

    /// Stores part `part` of a quarter's frozen figures: a slice of its clients and tasks in a
    /// `FrozenQuarter` of its own (the rest of it as in the header, staff and launches empty).
    /// A quarter at a million clients is far over `codec::MAX_WRITE` in one record.
    pub fn save_frozen_part(&self, part: u32, f: &FrozenQuarter) -> TxResult<()> {
        self.put(Tree::Quarters, &keys::quarter_part(f.quarter, part), f)
    }

    /// Removes part `part` of quarter `q`'s frozen figures (one left by a freeze cut short).
    pub fn remove_frozen_part(&self, q: crate::domain::Quarter, part: u32) -> TxResult<()> {
        self.remove(Tree::Quarters, &keys::quarter_part(q, part))
    }

    /// Appends `rec` to the audit chain (see `chain`): linked to the record before it, and the
    /// chain head in `meta` moved on, in this same transaction as the write it audits. A link
    /// `rec` carries is replaced.
    pub fn audit(&self, rec: &AuditRecord) -> TxResult<()> {
        self.append_audit(rec, None).map(|_| ())
    }

    /// Appends a seal record: `sign` makes the seal over the chain head it is given (sequence
    /// number and hash of the record before the seal). Returns the head it sealed.
    pub fn seal(&self, rec: &AuditRecord, sign: &Signer<'_>) -> TxResult<(u64, [u8; 32])> {
        self.append_audit(rec, Some(sign))
    }

    fn append_audit(&self, rec: &AuditRecord, sign: Option<&Signer<'_>>) -> TxResult<(u64, [u8; 32])> {
        let raw = self.t(Tree::Meta).get(chain::HEAD_KEY)?;
        let head = match raw.as_deref().map(chain::head_in).transpose().or_else(abort)?.flatten() {
            Some(h) => h,
            None => chain::ChainHead::genesis(),
        };
        // Never keyed before the chain's last record, so that key order is chain order.
        let last_micros = head.last_key.get(..8).map_or(i64::MIN, |b| {
            let raw = u64::from_be_bytes(b.try_into().unwrap_or([0; 8]));
            (raw ^ (1 << 63)) as i64
        });
        let micros = rec.at.timestamp_micros().max(last_micros);
        let key = [&keys::micros(micros)[..], &self.id()?.to_be_bytes()].concat();
        if key <= head.last_key {
            return abort(StoreError::Conflict(
                "审计记录的编号没有大于上一条（数据库编号被回退），无法接入审计链；请运行 mingdan check"
                    .into(),
            ));
        }
        let mut linked = rec.clone();
        linked.link = Some(AuditLink {
            seq: head.seq + 1,
            prev: head.hash,
            seal: sign.map(|f| f(head.seq, &head.hash)),
        });
        let bytes = encode(&linked).or_else(abort)?;
        self.insert(Tree::Audit, &key, &bytes, true)?;
        let new =
            chain::ChainHead { seq: head.seq + 1, hash: chain::entry_hash(&key, &bytes), last_key: key };
        self.insert(Tree::Meta, chain::HEAD_KEY, &chain::with_head(raw.as_deref(), &new), false)?;
        Ok((head.seq, head.hash))
    }
}
