//! `mingdan check`: every record decodes, every index entry matches its record and the other way
//! round, the denormalised fields on a client agree with its tasks, and the audit chain is whole
//! (`chain`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

use super::records::{Stored, decode_any};
use super::{Store, StoreError, Tree, deadline, keys, naming};
use crate::domain::complaint::Complaint;
use crate::domain::results::StateChange;
use crate::domain::{Client, Contact, Staff, Task, TaskKind};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Records per tree, for the summary line.
    pub counts: Vec<(String, u64)>,
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Problems beyond this many are counted, not listed: one broken index can produce thousands.
const MAX_LISTED: usize = 200;

struct Findings {
    problems: Vec<String>,
    unlisted: usize,
}

impl Findings {
    fn add(&mut self, p: String) {
        if self.problems.len() < MAX_LISTED {
            self.problems.push(p);
        } else {
            self.unlisted += 1;
        }
    }
}

/// What the cross-checks need from the record trees. Launches, drafts, audit records and
/// snapshots are decoded (that is the check) and counted, never kept: the audit trail alone can
/// be most of the store.
#[derive(Default)]
struct Records {
    staff: Vec<Staff>,
    clients: Vec<Client>,
    contacts: Vec<Contact>,
    tasks: Vec<Task>,
    changes: Vec<StateChange>,
    complaints: Vec<Complaint>,
    /// Records that decoded, per record tree, labelled as people call them.
    counts: Vec<(String, u64)>,
}

impl Records {
    /// Keeps what the cross-checks need; a client whose sensitive fields do not open (or, in a
    /// store sealing them, are in the clear) is a problem for `f`.
    fn keep(&mut self, store: &Store, record: Stored, f: &mut Findings) {
        match record {
            Stored::Staff(s) => self.staff.push(s),
            Stored::Clients(c) => {
                if !c.is_sealed() {
                    f.add(format!("客户 {} 的敏感信息没有加密保存", c.no));
                }
                match store.open_client(c) {
                    Ok(c) => self.clients.push(c),
                    Err(e) => f.add(e.to_string()),
                }
            }
            Stored::Contacts(c) => self.contacts.push(c),
            Stored::Tasks(t) => self.tasks.push(t),
            Stored::ClientChanges(c) => self.changes.push(c),
            Stored::Complaints(c) => self.complaints.push(c),
            // A kept receive form holds text a user typed: it must still pass the rules it was
            // saved under, or offering it back would show what should never have been stored.
            Stored::ComplaintDrafts(d) => {
                if let Err(e) = d.check() {
                    f.add(format!("客户 {} 的投诉受理草稿不合规：{e}", d.form.client));
                }
            }
            // Decoding them was the whole check.
            Stored::Launches(_)
            | Stored::Drafts(_)
            | Stored::Audit(_)
            | Stored::Snapshots(_)
            | Stored::Quarters(_)
            | Stored::BalanceChanges(_) => {}
        }
    }
}

fn load(store: &Store, f: &mut Findings) -> Records {
    let mut r = Records::default();
    for t in Tree::ALL {
        let Some(kind) = t.record_kind() else { continue };
        let mut n = 0u64;
        for item in store.tree(t).iter() {
            let (k, v) = match item {
                Ok(kv) => kv,
                // sled's iterator does not move past an error: asking again repeats it forever
                // (and, on a store sled refuses to write, grew memory until the OOM killer).
                Err(e) => {
                    f.add(format!("读取 {} 失败：{}", t.name(), StoreError::from(e)));
                    break;
                }
            };
            match decode_any(t, &k, &v) {
                Ok(Some(record)) => {
                    n += 1;
                    r.keep(store, record, f);
                }
                Ok(None) => {}
                Err(e) => f.add(e.to_string()),
            }
        }
        r.counts.push((kind.to_string(), n));
    }
    r
}

fn key_set(store: &Store, t: Tree, f: &mut Findings) -> BTreeSet<Vec<u8>> {
    let mut out = BTreeSet::new();
    for item in store.tree(t).iter() {
        match item {
            Ok((k, _)) => {
                out.insert(k.to_vec());
            }
            // As in `load`: the iterator would repeat the error forever.
            Err(e) => {
                f.add(format!("读取 {} 失败：{}", t.name(), StoreError::from(e)));
                break;
            }
        }
    }
    out
}

/// Reports index entries without a record and records without their index entry.
fn compare(store: &Store, f: &mut Findings, t: Tree, expected: &BTreeSet<Vec<u8>>) {
    let found = key_set(store, t, f);
    let show = |k: &[u8]| String::from_utf8_lossy(k).replace('\0', "/");
    for k in found.difference(expected) {
        f.add(format!("索引 {} 有多余条目 {}", t.name(), show(k)));
    }
    for k in expected.difference(&found) {
        f.add(format!("索引 {} 缺少条目 {}", t.name(), show(k)));
    }
}

pub fn run(store: &Store) -> Result<CheckReport, StoreError> {
    let mut f = Findings { problems: Vec::new(), unlisted: 0 };
    if super::schema::version(store)?.is_none() {
        f.add("缺少数据格式版本".into());
    }
    let Records { staff, clients, contacts, tasks, changes, complaints, counts } = load(store, &mut f);
    if let Err(e) = store.rules() {
        f.add(e.to_string());
    }
    if let Err(e) = store.service_levels() {
        f.add(e.to_string());
    }

    let staff_nos: BTreeSet<&str> = staff.iter().map(|s| s.no.as_str()).collect();
    let logins: BTreeSet<Vec<u8>> =
        staff.iter().filter_map(|s| s.login.as_ref()).map(|l| l.as_str().as_bytes().to_vec()).collect();
    compare(store, &mut f, Tree::StaffByLogin, &logins);
    for s in &staff {
        if let Some(login) = &s.login {
            match store.tree(Tree::StaffByLogin).get(login.as_str()) {
                Ok(Some(owner)) if owner.as_ref() != s.no.as_str().as_bytes() => f.add(format!(
                    "登录名 {login} 在索引中属于工号 {}，员工名录中却是 {} 的",
                    String::from_utf8_lossy(&owner),
                    s.no
                )),
                Err(e) => f.add(format!("读取 staff_by_login 失败：{}", StoreError::from(e))),
                _ => {}
            }
        }
    }

    let client_nos: BTreeSet<&str> = clients.iter().map(|c| c.no.as_str()).collect();
    let maintainer_of: BTreeMap<&str, Option<&crate::domain::StaffNo>> =
        clients.iter().map(|c| (c.no.as_str(), c.maintainer.as_ref())).collect();
    let mut roster = BTreeSet::new();
    for c in &clients {
        if c.status == crate::domain::ClientStatus::Lost && c.maintainer.is_some() {
            f.add(format!("客户 {} 已流失，却仍在名单上", c.no));
        }
        if let Some(m) = &c.maintainer {
            roster.insert(keys::roster(m, &c.no));
            if !staff_nos.contains(m.as_str()) {
                f.add(format!("客户 {} 的维护人 {} 不在员工名录中", c.no, m));
            }
        }
    }
    compare(store, &mut f, Tree::Roster, &roster);

    let mut by_client = BTreeSet::new();
    let mut by_time = BTreeSet::new();
    for c in &contacts {
        by_client.insert(keys::contact_by_client(&c.client, c.at, c.id));
        by_time.insert(keys::contact_by_time(c.at, c.id).to_vec());
        if !client_nos.contains(c.client.as_str()) {
            f.add(format!("联系记录 {} 的客户 {} 不存在", c.id, c.client));
        }
    }
    compare(store, &mut f, Tree::ContactsByClient, &by_client);
    compare(store, &mut f, Tree::ContactsByTime, &by_time);

    let mut open_by_staff = BTreeSet::new();
    let mut open_by_due = BTreeSet::new();
    let mut open_callbacks: BTreeMap<&str, Vec<&Task>> = BTreeMap::new();
    for t in &tasks {
        if !client_nos.contains(t.id.client.as_str()) {
            f.add(format!("任务 {:?} 的客户不存在", t.id));
        }
        if t.is_open() {
            let owner = maintainer_of.get(t.id.client.as_str()).copied().flatten();
            if t.maintainer.as_ref() != owner {
                f.add(format!("任务 {:?} 未完成，却不由客户现在的维护人负责", t.id));
            }
            open_by_due.insert(keys::open_task_by_due(t.due, &t.id));
            if let Some(m) = &t.maintainer {
                open_by_staff.insert(keys::open_task_by_staff(m, t.due, &t.id));
            }
            if matches!(t.id.kind, TaskKind::Callback { .. }) {
                open_callbacks.entry(t.id.client.as_str()).or_default().push(t);
            }
        }
    }
    compare(store, &mut f, Tree::OpenTasksByStaff, &open_by_staff);
    compare(store, &mut f, Tree::OpenTasksByDue, &open_by_due);
    for c in &clients {
        let open = open_callbacks.get(c.no.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        if open.len() > 1 {
            f.add(format!("客户 {} 有 {} 个未完成的回访任务（应最多 1 个）", c.no, open.len()));
        }
        let due = open.first().map(|t| t.due);
        if c.next_callback != due {
            f.add(format!("客户 {} 的下次回访日期 {:?} 与回访任务 {:?} 不一致", c.no, c.next_callback, due));
        }
    }
    for ch in &changes {
        if !client_nos.contains(ch.client.as_str()) {
            f.add(format!("客户变化记录的客户 {} 不存在", ch.client));
        }
    }
    let mut complaints_by_client = BTreeSet::new();
    let mut open_complaints = BTreeSet::new();
    for c in &complaints {
        complaints_by_client.insert(keys::complaint_by_client(&c.client, c.id));
        if let Some(r) = c.open() {
            open_complaints.insert(keys::open_complaint_by_owner(r.owner(), r.due, c.id));
            if !staff_nos.contains(r.owner().as_str()) {
                f.add(format!("投诉 {} 的“{}”环节负责人 {} 不在员工名录中", c.id, r.step, r.owner()));
            }
        }
        if !client_nos.contains(c.client.as_str()) {
            f.add(format!("投诉 {} 的客户 {} 不存在", c.id, c.client));
        }
    }
    compare(store, &mut f, Tree::ComplaintsByClient, &complaints_by_client);
    compare(store, &mut f, Tree::OpenComplaintsByOwner, &open_complaints);
    // The audit chain (see `chain`): the first record that does not fit, if any.
    match store.verify_audit_chain() {
        Ok(chain) => {
            if let Some(p) = chain.problem {
                f.add(format!("审计链：{p}"));
            }
        }
        Err(e) => f.add(format!("审计链无法核对：{e}")),
    }
    if f.unlisted > 0 {
        f.problems.push(format!("……另有 {} 个问题未列出", f.unlisted));
    }
    Ok(CheckReport { counts, problems: f.problems })
}

impl Store {
    /// Checks every record and index (see the module doc) on a worker under
    /// `deadline::check_deadline`: on a damaged store sled can loop forever reading a page, and
    /// a check that never ends would hold whatever its caller holds (the server's writer lock).
    /// A check that misses its deadline, or during which sled panics, is reported as damage;
    /// while a stuck one is still running, another is refused at once: it would only leave
    /// another thread spinning beside it.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let path = self.path.clone();
        // Checks are one at a time (the service holds its writer lock across one), so a check
        // still running here is one that missed its deadline.
        if self.check_running.swap(true, Ordering::SeqCst) {
            return Err(StoreError::damaged(&path, "上一次检查仍卡在读取中"));
        }
        let limit = deadline::check_deadline(deadline::dir_bytes(&path.join("sled")));
        let (store, running) = (self.clone(), self.check_running.clone());
        let worker_path = path.clone();
        let outcome = deadline::run("check", limit, move || {
            let report = naming(&worker_path, || run(&store));
            running.store(false, Ordering::SeqCst);
            report
        });
        match outcome {
            Ok(report) => report,
            // Left set: the worker clears it if it ever finishes.
            Err(deadline::Failure::TimedOut(d)) => {
                Err(StoreError::damaged(&path, format!("检查超过 {} 秒仍未完成，读取时卡住", d.as_secs())))
            }
            Err(deadline::Failure::Panicked) => {
                self.check_running.store(false, Ordering::SeqCst);
                Err(StoreError::damaged(&path, "检查时数据库程序意外中止"))
            }
            Err(deadline::Failure::NoThread) => {
                self.check_running.store(false, Ordering::SeqCst);
                Err(StoreError::Io("无法启动检查数据库的线程，请稍后再试".into()))
            }
        }
    }
}
