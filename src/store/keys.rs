//! Key layout. Keys are built so the scans screens need are prefix or range scans:
//!
//! | tree                  | key                                      | value        |
//! |-----------------------|------------------------------------------|--------------|
//! | `meta`                | name                                     | raw / Rules  |
//! | `staff`               | 工号                                     | Staff        |
//! | `staff_by_login`      | login                                    | 工号 (raw)   |
//! | `clients`             | 客户号                                   | Client       |
//! | `roster`              | 工号 ∅ 客户号                            | empty        |
//! | `contacts`            | id                                       | Contact      |
//! | `contacts_by_client`  | 客户号 ∅ time id                         | empty        |
//! | `contacts_by_time`    | time id                                  | empty        |
//! | `tasks`               | 客户号 ∅ kind                            | Task         |
//! | `open_tasks_by_staff` | 工号 ∅ due 客户号 ∅ kind                 | empty        |
//! | `open_tasks_by_due`   | due 客户号 ∅ kind                        | empty        |
//! | `launches`            | id                                       | ProductLaunch|
//! | `drafts`              | 工号 ∅ 客户号                            | ContactDraft |
//! | `audit`               | time seq                                 | AuditRecord  |
//! | `snapshots`           | date                                     | Snapshot     |
//! | `client_changes`      | 客户号 ∅ date seq                        | StateChange  |
//! | `quarters`            | year q                                   | FrozenQuarter|
//! | `balance_changes`     | 客户号 ∅ date seq                        | BalanceChange|
//! | `complaints`          | id                                       | Complaint    |
//! | `complaints_by_client`| 客户号 ∅ id                              | empty        |
//! | `open_complaints_by_owner` | 工号 ∅ due id (open step's owner)   | empty        |
//! | `complaint_drafts`    | 工号 ∅ 客户号                            | ComplaintDraft |
//!
//! ∅ is a zero byte (identifiers cannot contain one); numbers are big-endian so byte order is
//! numeric order; time is seconds since 1970 with the sign bit flipped; due is days since 0001-01-01.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::domain::complaint::ComplaintId;
use crate::domain::{ClientNo, ContactId, LaunchId, Quarter, StaffNo, SurveyFor, TaskId, TaskKind};

pub const SEP: u8 = 0;

pub fn join(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.extend_from_slice(p);
    }
    out
}

/// `prefix ∅`, for scanning everything under one identifier.
pub fn under(prefix: &[u8]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    out.push(SEP);
    out
}

/// Bytes of a `date` in a key.
const DATE_LEN: usize = 4;

pub fn date(d: NaiveDate) -> [u8; DATE_LEN] {
    (d.num_days_from_ce() as u32).to_be_bytes()
}

pub fn date_from(bytes: &[u8]) -> Option<NaiveDate> {
    let arr: [u8; DATE_LEN] = bytes.get(..DATE_LEN)?.try_into().ok()?;
    NaiveDate::from_num_days_from_ce_opt(u32::from_be_bytes(arr) as i32)
}

/// Big-endian bytes of a signed number with the sign bit flipped, so that times before 1970 sort
/// before later ones.
fn signed(n: i64) -> [u8; 8] {
    ((n as u64) ^ (1 << 63)).to_be_bytes()
}

/// Seconds since 1970.
pub fn time(t: NaiveDateTime) -> [u8; 8] {
    signed(t.and_utc().timestamp())
}

/// Microseconds since 1970.
pub fn micros(t: i64) -> [u8; 8] {
    signed(t)
}

pub fn task_kind(kind: TaskKind) -> Vec<u8> {
    match kind {
        TaskKind::Callback { seq } => [&[1u8][..], &seq.to_be_bytes()].concat(),
        TaskKind::Quarterly(q) => [&[2u8][..], &q.year.to_be_bytes(), &[q.q]].concat(),
        TaskKind::Launch(l) => [&[3u8][..], &l.0.to_be_bytes()].concat(),
        TaskKind::Reactivate { since } => [&[4u8][..], &date(since)[..]].concat(),
        // 4 is kept for the next kind on the main line (reactivation); surveys take 5.
        TaskKind::Survey(SurveyFor::Period(q)) => [&[5u8, 1][..], &q.year.to_be_bytes(), &[q.q]].concat(),
        TaskKind::Survey(SurveyFor::Complaint(c)) => [&[5u8, 2][..], &c.0.to_be_bytes()].concat(),
    }
}

pub fn task(id: &TaskId) -> Vec<u8> {
    join(&[id.client.as_str().as_bytes(), &task_kind(id.kind)])
}

pub fn open_task_by_staff(staff: &StaffNo, due: NaiveDate, id: &TaskId) -> Vec<u8> {
    let mut out = under(staff.as_str().as_bytes());
    out.extend_from_slice(&date(due));
    out.extend_from_slice(&task(id));
    out
}

pub fn open_task_by_due(due: NaiveDate, id: &TaskId) -> Vec<u8> {
    [&date(due)[..], &task(id)].concat()
}

pub fn roster(staff: &StaffNo, client: &ClientNo) -> Vec<u8> {
    join(&[staff.as_str().as_bytes(), client.as_str().as_bytes()])
}

/// A staff member's kept contact draft for one client (schema 6; before, `工号` alone held one
/// draft per person, so a second client's form could not keep its own).
pub fn draft(staff: &StaffNo, client: &ClientNo) -> Vec<u8> {
    join(&[staff.as_str().as_bytes(), client.as_str().as_bytes()])
}

pub fn contact(id: ContactId) -> [u8; 8] {
    id.0.to_be_bytes()
}

pub fn contact_by_client(client: &ClientNo, at: NaiveDateTime, id: ContactId) -> Vec<u8> {
    let mut out = under(client.as_str().as_bytes());
    out.extend_from_slice(&time(at));
    out.extend_from_slice(&id.0.to_be_bytes());
    out
}

pub fn contact_by_time(at: NaiveDateTime, id: ContactId) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&time(at));
    out[8..].copy_from_slice(&id.0.to_be_bytes());
    out
}

/// The contact id at the end of a `contacts_by_client` or `contacts_by_time` key.
pub fn contact_id_at_end(key: &[u8]) -> Option<ContactId> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(ContactId(u64::from_be_bytes(tail)))
}

pub fn client_change(client: &ClientNo, on: NaiveDate, seq: u64) -> Vec<u8> {
    let mut out = under(client.as_str().as_bytes());
    out.extend_from_slice(&date(on));
    out.extend_from_slice(&seq.to_be_bytes());
    out
}

/// A quarter's frozen figures: the year (big-endian, sign bit flipped so years sort) and the
/// quarter number, so quarters sort in time order.
pub fn quarter(q: Quarter) -> [u8; 5] {
    let y = ((q.year as u32) ^ (1 << 31)).to_be_bytes();
    [y[0], y[1], y[2], y[3], q.q]
}

/// One part of a quarter's frozen figures (`Tx::save_frozen_part`): the quarter's key, then the
/// part number (big-endian), so a quarter's parts follow its header in order.
pub fn quarter_part(q: Quarter, part: u32) -> [u8; 9] {
    let k = quarter(q);
    let p = part.to_be_bytes();
    [k[0], k[1], k[2], k[3], k[4], p[0], p[1], p[2], p[3]]
}

pub fn launch(id: LaunchId) -> [u8; 8] {
    id.0.to_be_bytes()
}

/// The part after the first separator, as text: the client number in a roster key.
pub fn after_sep(key: &[u8]) -> Option<&str> {
    let pos = key.iter().position(|b| *b == SEP)?;
    std::str::from_utf8(&key[pos + 1..]).ok()
}

/// The task key inside an `open_tasks_by_staff` key.
pub fn task_key_in_staff_index(key: &[u8]) -> Option<&[u8]> {
    let pos = key.iter().position(|b| *b == SEP)?;
    key.get(pos + 1 + DATE_LEN..)
}

/// The task key inside an `open_tasks_by_due` key.
pub fn task_key_in_due_index(key: &[u8]) -> Option<&[u8]> {
    key.get(DATE_LEN..)
}

pub fn complaint(id: ComplaintId) -> [u8; 8] {
    id.0.to_be_bytes()
}

/// A client's complaints, oldest first.
pub fn complaint_by_client(client: &ClientNo, id: ComplaintId) -> Vec<u8> {
    let mut out = under(client.as_str().as_bytes());
    out.extend_from_slice(&id.0.to_be_bytes());
    out
}

/// The open step of complaint `id`, held by `owner`, due `due`: a staff member's open steps in
/// deadline order.
pub fn open_complaint_by_owner(owner: &StaffNo, due: NaiveDate, id: ComplaintId) -> Vec<u8> {
    let mut out = under(owner.as_str().as_bytes());
    out.extend_from_slice(&date(due));
    out.extend_from_slice(&id.0.to_be_bytes());
    out
}

/// The complaint id at the end of an index key of `complaints_by_client` or
/// `open_complaints_by_owner`.
pub fn complaint_id_at_end(key: &[u8]) -> Option<ComplaintId> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(ComplaintId(u64::from_be_bytes(tail)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_and_times_sort_as_bytes() {
        assert!(date(d(2026, 1, 31)) < date(d(2026, 2, 1)));
        assert_eq!(date_from(&date(d(2026, 11, 18))), Some(d(2026, 11, 18)));
        let early = d(1969, 12, 31).and_hms_opt(0, 0, 0).unwrap();
        let late = d(2026, 11, 18).and_hms_opt(9, 0, 0).unwrap();
        assert!(time(early) < time(late), "times before 1970 still sort first");
        assert!(micros(-1) < micros(0) && micros(0) < micros(1));
    }

    #[test]
    fn index_keys_decode_back_to_their_parts() {
        let client = ClientNo::parse("C001").unwrap();
        let staff = StaffNo::parse("1001").unwrap();
        let id = TaskId { client: client.clone(), kind: TaskKind::Launch(LaunchId(3)) };
        let k = open_task_by_staff(&staff, d(2026, 11, 30), &id);
        assert_eq!(task_key_in_staff_index(&k), Some(&task(&id)[..]));
        assert_eq!(task_key_in_due_index(&open_task_by_due(d(2026, 11, 30), &id)), Some(&task(&id)[..]));
        assert_eq!(task_key_in_due_index(b"abc"), None, "a key shorter than a date is refused");
        assert_eq!(after_sep(&roster(&staff, &client)), Some("C001"));
        let at = d(2026, 11, 18).and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(contact_id_at_end(&contact_by_client(&client, at, ContactId(42))), Some(ContactId(42)));
    }

    #[test]
    fn one_client_prefix_never_matches_another() {
        // "C1" must not pick up "C10"'s tasks.
        let t1 =
            task(&TaskId { client: ClientNo::parse("C10").unwrap(), kind: TaskKind::Callback { seq: 1 } });
        assert!(!t1.starts_with(&under(b"C1")));
        assert!(t1.starts_with(&under(b"C10")));
    }
}
