//! Issue #15 point 6: contact drafts are kept per staff member and client, so a form for one
//! client never waits on another client's unsent form; an older store's single drafts move to
//! the new layout on upgrade.

mod common;

use std::sync::Arc;

use common::*;
use mingdan::domain::{AuditAction, ContactDraft, Purpose};
use mingdan::service::views::AuditFilter;
use mingdan::service::{Api, Service};

fn note(client: &str, text: &str) -> ContactDraft {
    ContactDraft { note: text.into(), ..draft(client, Purpose::Callback) }
}

fn discards(b: &Branch, target: &str) -> Vec<mingdan::domain::AuditRecord> {
    b.session("9001")
        .audit(AuditFilter {
            action: Some(AuditAction::SaveDraft),
            target: Some(target.into()),
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn two_clients_drafts_are_kept_at_once_and_each_offered_on_its_own_form() {
    let b = branch();
    let s = b.session("2001");
    s.save_draft(note("C1", "张伟：说到一半")).unwrap();
    b.clock.advance(chrono::Duration::minutes(3));
    s.save_draft(note("C2", "曾小红：下周再约")).unwrap();
    // Autosaving C1 again, later, replaces only C1's.
    b.clock.advance(chrono::Duration::minutes(1));
    s.save_draft(note("C1", "张伟：说到一半，又补一句")).unwrap();
    assert_eq!(s.draft(cno("C1")).unwrap().map(|d| d.note), Some("张伟：说到一半，又补一句".into()));
    assert_eq!(s.draft(cno("C2")).unwrap().map(|d| d.note), Some("曾小红：下周再约".into()));
    assert_eq!(s.draft(cno("C3")).unwrap(), None, "a client without one is offered nothing");
    // A colleague's drafts are theirs: 2002 sees none of 2001's.
    assert_eq!(b.session("2002").draft(cno("C1")).unwrap(), None);
    assert_eq!(b.session("2002").drafts().unwrap(), vec![]);

    // Start-up's list: most recently kept first.
    let all = s.drafts().unwrap();
    let order: Vec<&str> = all.iter().map(|d| d.client.as_str()).collect();
    assert_eq!(order, ["C1", "C2"]);
    assert!(all[0].saved_at > all[1].saved_at, "{all:?}");

    // Sending C2's contact drops C2's draft only.
    s.log_contact(draft("C2", Purpose::Marketing)).unwrap();
    assert_eq!(s.draft(cno("C2")).unwrap(), None);
    assert!(s.draft(cno("C1")).unwrap().is_some(), "the other client's draft is kept");
    // Autosaves were not audited; discarding C1's is one record naming the client.
    assert!(discards(&b, "C1").is_empty());
    s.discard_draft(cno("C1")).unwrap();
    let recs = discards(&b, "C1");
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].actor, "2001");
    assert_eq!(s.drafts().unwrap(), vec![]);
}

#[test]
fn an_administrator_discards_all_of_a_persons_drafts_or_one_clients() {
    let b = branch();
    let s = b.session("2001");
    for c in ["C1", "C2", "C3"] {
        s.save_draft(note(c, "未发")).unwrap();
    }
    let admin = b.session("9001");
    let rows = admin.all_drafts().unwrap();
    let listed: Vec<(&str, Option<&str>)> =
        rows.iter().map(|r| (r.staff.as_str(), r.client.as_ref().map(|c| c.as_str()))).collect();
    assert_eq!(listed, [("2001", Some("C1")), ("2001", Some("C2")), ("2001", Some("C3"))]);
    assert!(rows.iter().all(|r| r.saved_at.is_some() && r.note_chars == 2), "{rows:?}");

    assert_eq!(admin.discard_draft_of(sno("2001"), Some(cno("C2"))).unwrap(), 1);
    assert_eq!(s.draft(cno("C2")).unwrap(), None);
    assert_eq!(admin.discard_draft_of(sno("2001"), Some(cno("C2"))).unwrap(), 0, "already gone");
    assert_eq!(admin.discard_draft_of(sno("2001"), None).unwrap(), 2, "the rest, C1 and C3");
    assert_eq!(s.drafts().unwrap(), vec![]);
    let recs = discards(&b, "2001");
    assert_eq!(recs.len(), 3, "one record per draft discarded: {recs:?}");
    for c in ["C1", "C2", "C3"] {
        assert!(recs.iter().any(|r| r.detail.contains(&format!("客户 {c}"))), "{recs:?}");
    }
}

#[test]
fn a_store_from_before_per_client_drafts_keeps_its_drafts_after_the_upgrade() {
    let b = branch();
    b.session("2001").save_draft(note("C2", "旧版本留下的草稿")).unwrap();
    let Branch { dir, clock, service } = b;
    drop(service);
    {
        // Put it back as schema 5 stored it: one draft per person, keyed by 工号,
        // and an unreadable one (its client cannot be told) for 2002.
        let db = raw_sled(dir.path());
        let drafts = db.open_tree("drafts").unwrap();
        let kept = drafts.remove(b"2001\0C2").unwrap().expect("written under the new key");
        drafts.insert(b"2001", kept).unwrap();
        drafts.insert(b"2002", &[0u8, 2, 0xff][..]).unwrap();
        db.open_tree("meta").unwrap().insert(b"schema_version", &5u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let service = Arc::new(Service::open(dir.path(), clock.clone()).unwrap());
    let b = Branch { dir, clock, service };
    let s = b.session("2001");
    assert_eq!(s.draft(cno("C2")).unwrap().map(|d| d.note), Some("旧版本留下的草稿".into()));
    assert_eq!(s.drafts().unwrap().len(), 1);
    // Offered on C2's form and still kept while C1's form keeps its own.
    s.save_draft(note("C1", "新的")).unwrap();
    assert_eq!(s.drafts().unwrap().len(), 2);

    let admin = b.session("9001");
    let rows = admin.all_drafts().unwrap();
    let bad: Vec<_> = rows.iter().filter(|r| r.staff == "2002").collect();
    assert_eq!(bad.len(), 1, "{rows:?}");
    assert_eq!(bad[0].client, None, "the unreadable one names no client");
    assert!(bad[0].unreadable.is_some());
    assert_eq!(admin.discard_draft_of(sno("2002"), None).unwrap(), 1, "still its owner's to discard");
    assert!(admin.check().unwrap().is_ok(), "{:?}", admin.check().unwrap().problems);
}
