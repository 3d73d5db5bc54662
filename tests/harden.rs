//! Issue #11, hardening: oversized drafts are refused at the service whatever the transport, an
//! unreadable draft blocks neither `check` nor `backup` and an administrator can remove it,
//! audit output is inert, and outputs go where they are pointed without replacing what is there.

mod common;
mod serverkit;

use std::process::{Command, Output};
use std::sync::Arc;

use common::*;
use mingdan::domain::{AuditAction, ContactDraft, Purpose};
use mingdan::service::views::AuditFilter;
use mingdan::service::{Api, Service, ServiceError};
use serverkit::*;

fn mingdan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingdan")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn huge_draft() -> ContactDraft {
    ContactDraft { note: "x".repeat(17 << 20), ..draft("C1", Purpose::Callback) }
}

fn assert_note_refused(result: Result<(), ServiceError>) {
    match result {
        Err(ServiceError::Invalid(problems)) => {
            let said = ServiceError::Invalid(problems.clone()).to_string();
            assert_eq!(problems[0].field, "备注", "{said}");
            assert!(said.contains("备注") && said.contains("最多 500 个字"), "{said}");
        }
        other => panic!("a 17 MiB note was not refused as invalid: {other:?}"),
    }
}

#[test]
fn an_oversized_draft_is_refused_in_process_and_over_the_socket() {
    let b = branch();
    map_me(&b.service, "9001", "2001");
    assert_note_refused(b.session("2001").save_draft(huge_draft()));
    let server = serve_in(b.service.clone(), b.dir.path());
    assert_note_refused(server.connect().save_draft(huge_draft()));
    // A draft that is merely unfinished (a product pitch with no product yet, an old time) keeps.
    let unfinished = ContactDraft { at: Some(at(d(2026, 9, 1), 9, 0)), ..draft("C1", Purpose::ProductPitch) };
    server.connect().save_draft(unfinished.clone()).unwrap();
    assert_eq!(server.connect().draft().unwrap(), Some(unfinished));
    server.stop().unwrap();
    // Nothing unreadable reached the store: check and backup still pass.
    let admin = b.session("9001");
    assert!(admin.check().unwrap().is_ok());
    assert!(admin.backup().unwrap().skipped.is_empty());
}

/// Writes what the unchecked `SaveDraft` of old stored for staff member `no`: a draft whose note
/// makes the record larger than any reader accepts.
fn plant_unreadable_draft(b: Branch, no: &str) -> Branch {
    let Branch { dir, clock, service } = b;
    drop(service);
    {
        let db = sled::open(dir.path().join("sled")).unwrap();
        let mut value = vec![0u8, 1];
        value.extend(bincode::serde::encode_to_vec(huge_draft(), bincode::config::standard()).unwrap());
        db.open_tree("drafts").unwrap().insert(no.as_bytes(), value).unwrap();
        db.flush().unwrap();
    }
    let service = Arc::new(Service::open(dir.path(), clock.clone()).unwrap());
    Branch { dir, clock, service }
}

#[test]
fn an_unreadable_draft_is_reported_skipped_by_backup_and_removable_by_an_admin() {
    let b = branch();
    b.session("2001").save_draft(draft("C2", Purpose::Callback)).unwrap();
    let b = plant_unreadable_draft(b, "2002");
    let (admin, manager, teller) = (b.session("9001"), b.session("1001"), b.session("2002"));

    // Its owner still gets in (no draft is offered) and is not told to run `check`.
    assert_eq!(teller.draft().unwrap(), None);
    // check names it and goes on to count the rest.
    let report = admin.check().unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("联系草稿记录 2002 已损坏"), "{:?}", report.problems);
    assert!(report.counts.iter().any(|(n, c)| n == "客户" && *c == 4), "{:?}", report.counts);

    // backup leaves it out, says so, and the image is whole.
    let image = admin.backup().unwrap();
    assert_eq!(image.skipped.len(), 1, "{:?}", image.skipped);
    assert!(image.skipped[0].contains("2002"), "{:?}", image.skipped);
    let info = Service::verify_backup(&image.bytes).unwrap();
    assert_eq!(info.count(mingdan::store::Tree::Drafts), 1, "2001's good draft is kept");
    let rec =
        &admin.audit(AuditFilter { action: Some(AuditAction::Backup), ..Default::default() }).unwrap()[0];
    assert!(rec.detail.contains("跳过无法读取的联系草稿") && rec.detail.contains("2002"), "{rec:?}");
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("store");
    let outcome = Service::restore(&restored, &image.bytes, "x.mdbak", "nobody", b.clock.clone()).unwrap();
    assert!(outcome.report.is_ok(), "{:?}", outcome.report.problems);

    // Listing and discarding other people's drafts is for administrators only.
    for who in [&manager, &teller] {
        assert!(matches!(who.all_drafts(), Err(ServiceError::Denied(_))));
        assert!(matches!(who.discard_draft_of(sno("2001")), Err(ServiceError::Denied(_))));
    }
    let rows = admin.all_drafts().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].staff.as_str(), rows[0].client.as_ref()), ("2001", Some(&cno("C2"))));
    assert_eq!(rows[0].staff_name.as_deref(), Some("王芳"));
    assert_eq!((rows[1].staff.as_str(), rows[1].client.as_ref()), ("2002", None));
    assert!(rows[1].unreadable.as_deref().is_some_and(|w| w.contains("已损坏")), "{:?}", rows[1]);

    assert!(admin.discard_draft_of(sno("2002")).unwrap());
    assert!(!admin.discard_draft_of(sno("2002")).unwrap(), "nothing left to discard");
    let recs = admin
        .audit(AuditFilter {
            action: Some(AuditAction::SaveDraft),
            target: Some("2002".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].actor, "9001");
    assert!(recs[0].detail.contains("无法读取"), "{:?}", recs[0]);
    assert!(admin.check().unwrap().is_ok());
    assert!(admin.backup().unwrap().skipped.is_empty());
    assert_eq!(
        b.session("2001").draft().unwrap().map(|d| d.client),
        Some(cno("C2")),
        "others' drafts untouched"
    );
}

#[test]
fn drafts_list_and_discard_from_the_command_line() {
    let b = plant_unreadable_draft(branch(), "2002");
    map_me(&b.service, "9001", "9002");
    let server = serve_in(b.service.clone(), b.dir.path());
    let so = server.socket.to_str().unwrap().to_string();
    let o = mingdan(&["--socket", &so, "drafts", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("2002\t李强\t无法读取：") && out.contains("已损坏"), "{out}");
    let o = mingdan(&["--socket", &so, "backup", b.dir.path().join("b.mdbak").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("警告：跳过了工号 2002 无法读取的联系草稿"),
        "{}",
        text(&o)
    );
    let o = mingdan(&["--socket", &so, "drafts", "discard", "2002"]);
    assert!(o.status.success() && text(&o).contains("已丢弃工号 2002 的联系草稿"), "{}", text(&o));
    let o = mingdan(&["--socket", &so, "drafts", "list"]);
    assert!(text(&o).contains("没有员工保存的联系草稿"), "{}", text(&o));
    // A teller may not.
    map_me(&b.service, "9001", "2001");
    let o = mingdan(&["--socket", &so, "drafts", "discard", "2002"]);
    assert!(!o.status.success() && text(&o).contains("没有权限"), "{}", text(&o));
    server.stop().unwrap();
}
