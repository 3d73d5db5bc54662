//! `mingdan check`: every record decodes, every index entry matches its record and the other way
//! round, the denormalised fields on a client agree with its tasks, and the audit chain is whole
//! (`chain`).
//!
//! It streams (issue #13 point 1): one walk over the records, each looking up the index entries
//! and references it implies; then each index is counted, and only one whose count differs (or
//! that misses an entry) is walked entry by entry to name the entries no record implies. Memory
//! holds the staff list and one client's tasks, not the store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

use super::records::{Stored, decode_any};
use super::{Store, StoreError, Tree, deadline, keys, naming};
use crate::domain::complaint::Complaint;
use crate::domain::{Contact, Staff, Task, TaskKind};

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

/// How many entries each index should hold, and whether one was found missing: an index whose
/// count differs, or that misses an entry, is walked again to name its extra entries.
#[derive(Default)]
struct Expected {
    counts: BTreeMap<&'static str, (u64, bool)>,
}

impl Expected {
    /// Records that index `t` should hold `key`, and reports it when it does not.
    fn entry(&mut self, store: &Store, f: &mut Findings, t: Tree, key: &[u8]) {
        let slot = self.counts.entry(t.name()).or_default();
        slot.0 += 1;
        match store.tree(t).contains_key(key) {
            Ok(true) => {}
            Ok(false) => {
                slot.1 = true;
                f.add(format!("索引 {} 缺少条目 {}", t.name(), show(key)));
            }
            Err(e) => f.add(format!("读取 {} 失败：{}", t.name(), StoreError::from(e))),
        }
    }
}

fn show(k: &[u8]) -> String {
    String::from_utf8_lossy(k).replace('\0', "/")
}

/// Whether a record exists under `key` in tree `t` (without decoding it).
fn exists(store: &Store, t: Tree, key: &[u8]) -> bool {
    store.tree(t).contains_key(key).unwrap_or(false)
}

/// Entries of `t` under `prefix`, ended at the first read error (sled's iterator would repeat
/// it forever; the walk of that tree reports it).
fn scan_raw(store: &Store, t: Tree, prefix: &[u8]) -> impl Iterator<Item = (sled::IVec, sled::IVec)> {
    store.tree(t).scan_prefix(prefix).map_while(Result::ok)
}

fn get<R: super::codec::Record>(store: &Store, t: Tree, key: &[u8]) -> Option<R> {
    store.tree(t).get(key).ok().flatten().and_then(|v| super::codec::decode(key, &v).ok())
}

/// Walks every record tree once, one record at a time: each record decodes, and the index
/// entries and cross-references it implies are looked up where they should be. Nothing but
/// the staff list is kept: memory stays flat however large the store.
fn walk(
    store: &Store,
    f: &mut Findings,
    staff_nos: &BTreeSet<String>,
    exp: &mut Expected,
    on: &AsOf,
) -> Vec<(String, u64)> {
    let mut counts = Vec::new();
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
                    cross_check(store, f, staff_nos, exp, on, record);
                }
                Ok(None) => {}
                Err(e) => f.add(e.to_string()),
            }
        }
        counts.push((kind.to_string(), n));
    }
    counts
}

/// The day a check is made and the rules then, for what depends on them: an open task a
/// handover left with the giver (`task::stays_with_giver`) is not held by the client's
/// maintainer, and rightly so.
pub struct AsOf {
    pub today: chrono::NaiveDate,
    pub rules: crate::domain::Rules,
}

fn cross_check(
    store: &Store,
    f: &mut Findings,
    staff_nos: &BTreeSet<String>,
    exp: &mut Expected,
    on: &AsOf,
    record: Stored,
) {
    let client_exists = |no: &crate::domain::ClientNo| exists(store, Tree::Clients, no.as_str().as_bytes());
    match record {
        Stored::Clients(c) => {
            if !c.is_sealed() {
                f.add(format!("客户 {} 的敏感信息没有加密保存", c.no));
            }
            let c = match store.open_client(c) {
                Ok(c) => c,
                Err(e) => return f.add(e.to_string()),
            };
            if c.status == crate::domain::ClientStatus::Lost && c.maintainer.is_some() {
                f.add(format!("客户 {} 已流失，却仍在名单上", c.no));
            }
            if let Some(m) = &c.maintainer {
                exp.entry(store, f, Tree::Roster, &keys::roster(m, &c.no));
                if !staff_nos.contains(m.as_str()) {
                    f.add(format!("客户 {} 的维护人 {} 不在员工名录中", c.no, m));
                }
            }
            // The client's own tasks (keyed under it): who owes the open ones, and the one
            // open callback its next callback date mirrors. Tasks that do not decode are
            // reported by the walk of the task tree.
            let tasks: Vec<Task> = scan_raw(store, Tree::Tasks, &keys::under(c.no.as_str().as_bytes()))
                .filter_map(|(k, v)| super::codec::decode::<Task>(&k, &v).ok())
                .filter(Task::is_open)
                .collect();
            let mut open_callbacks = Vec::new();
            for t in &tasks {
                // A miss stays with whoever missed it when the client is handed on; only a task
                // still to be done must have gone with the client.
                if t.maintainer != c.maintainer
                    && !crate::domain::task::stays_with_giver(t, on.today, &on.rules)
                {
                    f.add(format!("任务 {:?} 未完成、尚未到期，却不由客户现在的维护人负责", t.id));
                }
                if matches!(t.id.kind, TaskKind::Callback { .. }) {
                    open_callbacks.push(t);
                }
            }
            if open_callbacks.len() > 1 {
                f.add(format!("客户 {} 有 {} 个未完成的回访任务（应最多 1 个）", c.no, open_callbacks.len()));
            }
            let due = open_callbacks.first().map(|t| t.due);
            if c.next_callback != due {
                f.add(format!(
                    "客户 {} 的下次回访日期 {:?} 与回访任务 {:?} 不一致",
                    c.no, c.next_callback, due
                ));
            }
        }
        Stored::Contacts(c) => {
            exp.entry(store, f, Tree::ContactsByClient, &keys::contact_by_client(&c.client, c.at, c.id));
            exp.entry(store, f, Tree::ContactsByTime, &keys::contact_by_time(c.at, c.id));
            if !client_exists(&c.client) {
                f.add(format!("联系记录 {} 的客户 {} 不存在", c.id, c.client));
            }
        }
        Stored::Tasks(t) => {
            let client = client_exists(&t.id.client);
            if !client {
                f.add(format!("任务 {:?} 的客户不存在", t.id));
            }
            if t.is_open() {
                // A client's own open tasks are compared with its maintainer above.
                if !client && t.maintainer.is_some() {
                    f.add(format!("任务 {:?} 未完成，却不由客户现在的维护人负责", t.id));
                }
                exp.entry(store, f, Tree::OpenTasksByDue, &keys::open_task_by_due(t.due, &t.id));
                if let Some(m) = &t.maintainer {
                    exp.entry(store, f, Tree::OpenTasksByStaff, &keys::open_task_by_staff(m, t.due, &t.id));
                }
            }
        }
        Stored::ClientChanges(ch) => {
            if !client_exists(&ch.client) {
                f.add(format!("客户变化记录的客户 {} 不存在", ch.client));
            }
        }
        Stored::Complaints(c) => {
            exp.entry(store, f, Tree::ComplaintsByClient, &keys::complaint_by_client(&c.client, c.id));
            if let Some(r) = c.open() {
                exp.entry(
                    store,
                    f,
                    Tree::OpenComplaintsByOwner,
                    &keys::open_complaint_by_owner(r.owner(), r.due, c.id),
                );
                if !staff_nos.contains(r.owner().as_str()) {
                    f.add(format!("投诉 {} 的“{}”环节负责人 {} 不在员工名录中", c.id, r.step, r.owner()));
                }
            }
            if !client_exists(&c.client) {
                f.add(format!("投诉 {} 的客户 {} 不存在", c.id, c.client));
            }
        }
        // A kept receive form holds text a user typed: it must still pass the rules it was
        // saved under, or offering it back would show what should never have been stored.
        Stored::ComplaintDrafts(d) => {
            if let Err(e) = d.check() {
                f.add(format!("客户 {} 的投诉受理草稿不合规：{e}", d.form.client));
            }
        }
        // Decoding them was the whole check.
        Stored::Staff(_)
        | Stored::Launches(_)
        | Stored::Drafts(_)
        | Stored::Audit(_)
        | Stored::Snapshots(_)
        | Stored::Quarters(_)
        | Stored::BalanceChanges(_) => {}
    }
}

/// Whether index entry `key` of `t` is one its record implies (see `cross_check`).
fn implied(store: &Store, t: Tree, key: &[u8]) -> bool {
    match t {
        Tree::Roster => keys::after_sep(key)
            .and_then(|no| crate::domain::ClientNo::parse(no).ok())
            .and_then(|no| store.client(&no).ok().flatten())
            .and_then(|c| Some(keys::roster(c.maintainer.as_ref()?, &c.no)))
            .is_some_and(|k| k == key),
        Tree::ContactsByClient | Tree::ContactsByTime => keys::contact_id_at_end(key)
            .and_then(|id| get::<Contact>(store, Tree::Contacts, &keys::contact(id)))
            .is_some_and(|c| match t {
                Tree::ContactsByClient => keys::contact_by_client(&c.client, c.at, c.id) == key,
                _ => keys::contact_by_time(c.at, c.id)[..] == *key,
            }),
        Tree::OpenTasksByStaff => keys::task_key_in_staff_index(key)
            .and_then(|k| get::<Task>(store, Tree::Tasks, k))
            .filter(Task::is_open)
            .and_then(|t| Some(keys::open_task_by_staff(t.maintainer.as_ref()?, t.due, &t.id)))
            .is_some_and(|k| k == key),
        Tree::OpenTasksByDue => keys::task_key_in_due_index(key)
            .and_then(|k| get::<Task>(store, Tree::Tasks, k))
            .filter(Task::is_open)
            .is_some_and(|t| keys::open_task_by_due(t.due, &t.id) == key),
        Tree::ComplaintsByClient | Tree::OpenComplaintsByOwner => keys::complaint_id_at_end(key)
            .and_then(|id| get::<Complaint>(store, Tree::Complaints, &keys::complaint(id)))
            .is_some_and(|c| match t {
                Tree::ComplaintsByClient => keys::complaint_by_client(&c.client, c.id) == key,
                _ => c.open().is_some_and(|r| keys::open_complaint_by_owner(r.owner(), r.due, c.id) == key),
            }),
        _ => true,
    }
}

/// Reports the entries of index `t` no record implies. Counted first: only an index whose count
/// differs from what the records imply, or that misses an entry, is walked entry by entry.
fn extras(store: &Store, f: &mut Findings, t: Tree, exp: &Expected) {
    let (expected, missing) = exp.counts.get(t.name()).copied().unwrap_or_default();
    let mut found = 0u64;
    for item in store.tree(t).iter().keys() {
        match item {
            Ok(_) => found += 1,
            // As in `walk`: the iterator would repeat the error forever.
            Err(e) => {
                return f.add(format!("读取 {} 失败：{}", t.name(), StoreError::from(e)));
            }
        }
    }
    if found == expected && !missing {
        return;
    }
    for item in store.tree(t).iter().keys() {
        let Ok(k) = item else { break };
        if !implied(store, t, &k) {
            f.add(format!("索引 {} 有多余条目 {}", t.name(), show(&k)));
        }
    }
}

pub fn run(store: &Store, today: chrono::NaiveDate) -> Result<CheckReport, StoreError> {
    let mut f = Findings { problems: Vec::new(), unlisted: 0 };
    if super::schema::version(store)?.is_none() {
        f.add("缺少数据格式版本".into());
    }
    // The staff list is small and every cross-check needs it; a staff record that does not
    // decode is reported by the walk.
    let staff: Vec<Staff> = scan_raw(store, Tree::Staff, b"")
        .filter_map(|(k, v)| super::codec::decode::<Staff>(&k, &v).ok())
        .collect();
    let staff_nos: BTreeSet<String> = staff.iter().map(|s| s.no.as_str().to_string()).collect();
    let mut exp = Expected::default();
    let rules = store.rules().unwrap_or_else(|e| {
        f.add(format!("规则设置无法读取：{e}"));
        crate::domain::Rules::default()
    });
    let on = AsOf { today, rules };
    let counts = walk(store, &mut f, &staff_nos, &mut exp, &on);
    if let Err(e) = store.rules() {
        f.add(e.to_string());
    }
    if let Err(e) = store.service_levels() {
        f.add(e.to_string());
    }

    let logins: BTreeSet<Vec<u8>> =
        staff.iter().filter_map(|s| s.login.as_ref()).map(|l| l.as_str().as_bytes().to_vec()).collect();
    let mut found_logins = BTreeSet::new();
    for item in store.tree(Tree::StaffByLogin).iter().keys() {
        match item {
            Ok(k) => {
                found_logins.insert(k.to_vec());
            }
            Err(e) => {
                f.add(format!("读取 {} 失败：{}", Tree::StaffByLogin.name(), StoreError::from(e)));
                break;
            }
        }
    }
    for k in found_logins.difference(&logins) {
        f.add(format!("索引 {} 有多余条目 {}", Tree::StaffByLogin.name(), show(k)));
    }
    for k in logins.difference(&found_logins) {
        f.add(format!("索引 {} 缺少条目 {}", Tree::StaffByLogin.name(), show(k)));
    }
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
    for t in [
        Tree::Roster,
        Tree::ContactsByClient,
        Tree::ContactsByTime,
        Tree::OpenTasksByStaff,
        Tree::OpenTasksByDue,
        Tree::ComplaintsByClient,
        Tree::OpenComplaintsByOwner,
    ] {
        extras(store, &mut f, t, &exp);
    }
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
    pub fn check(&self, today: chrono::NaiveDate) -> Result<CheckReport, StoreError> {
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
            let report = naming(&worker_path, || run(&store, today));
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
