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
            assert_eq!(problems[0].field.zh(), "备注", "{said}");
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
    let kept = server.connect().draft(cno("C1")).unwrap();
    assert_eq!(kept.map(|d| ContactDraft { saved_at: None, ..d }), Some(unfinished));
    server.stop().unwrap();
    // Nothing unreadable reached the store: check and backup still pass.
    let admin = b.session("9001");
    assert!(admin.check().unwrap().is_ok());
    assert!(admin.backup(vec![], true).unwrap().skipped.is_empty());
}

/// Writes what the unchecked `SaveDraft` of old stored for staff member `no` (for client C1): a
/// draft whose note makes the record larger than any reader accepts.
fn plant_unreadable_draft(b: Branch, no: &str) -> Branch {
    let Branch { dir, clock, service } = b;
    drop(service);
    {
        let db = raw_sled(dir.path());
        let mut value = vec![0u8, 1];
        value.extend(bincode::serde::encode_to_vec(huge_draft(), bincode::config::standard()).unwrap());
        db.open_tree("drafts").unwrap().insert(format!("{no}\0C1").as_bytes(), value).unwrap();
        db.flush().unwrap();
    }
    let service = Arc::new(Service::create(dir.path(), clock.clone()).unwrap());
    Branch { dir, clock, service }
}

/// Issue #18: an unreadable receive-form draft (tree `complaint_drafts`) is named by `check`,
/// never offered to its author, left out of a backup (which says so and still verifies and
/// restores), and its author's Esc (discard) removes it.
#[test]
fn an_unreadable_complaint_draft_is_named_by_check_and_left_out_of_backups() {
    let b = branch();
    let form = mingdan::domain::complaint::NewComplaint {
        client: cno("C2"),
        channel: mingdan::domain::complaint::ComplaintChannel::Phone,
        category: mingdan::domain::complaint::Category::Other,
        severity: mingdan::domain::complaint::Severity::Normal,
        said: "好的草稿".into(),
        asks: String::new(),
        owner: None,
        draft: None,
    };
    b.session("2001").save_complaint_draft(form).unwrap();
    let Branch { dir, clock, service } = b;
    drop(service);
    {
        let db = raw_sled(dir.path());
        db.open_tree("complaint_drafts").unwrap().insert(b"2002\0C1", vec![0u8, 1, 0xff, 0xff]).unwrap();
        db.flush().unwrap();
    }
    let service = Arc::new(Service::create(dir.path(), clock.clone()).unwrap());
    let b = Branch { dir, clock, service };
    let (admin, teller) = (b.session("9001"), b.session("2002"));
    assert_eq!(teller.complaint_draft(cno("C1")).unwrap(), None, "never offered, never in the way");
    let report = admin.check().unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("投诉草稿记录 2002/C1 已损坏"), "{:?}", report.problems);
    let image = admin.backup(vec![], true).unwrap();
    assert_eq!(image.skipped.len(), 1, "{:?}", image.skipped);
    assert!(
        image.skipped[0].contains("2002") && image.skipped[0].contains("投诉受理草稿"),
        "{:?}",
        image.skipped
    );
    let info = Service::verify_backup(&image.bytes).unwrap();
    assert_eq!(info.count(mingdan::store::Tree::ComplaintDrafts), 1, "2001's good draft is kept");
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("store");
    let key = mingdan::store::fields::key_path;
    std::fs::copy(key(b.dir.path()), key(&restored)).unwrap();
    let outcome =
        Service::restore(&restored, &image.bytes, "x.mdbak", "nobody", false, b.clock.clone()).unwrap();
    assert!(outcome.report.is_ok(), "{:?}", outcome.report.problems);
    teller.discard_complaint_draft(cno("C1")).unwrap();
    assert!(admin.check().unwrap().is_ok());
}

#[test]
fn an_unreadable_draft_is_reported_skipped_by_backup_and_removable_by_an_admin() {
    let b = branch();
    b.session("2001").save_draft(draft("C2", Purpose::Callback)).unwrap();
    let b = plant_unreadable_draft(b, "2002");
    let (admin, manager, teller) = (b.session("9001"), b.session("1001"), b.session("2002"));

    // Its owner still gets in (no draft is offered) and is not told to run `check`.
    assert_eq!(teller.draft(cno("C1")).unwrap(), None);
    assert_eq!(teller.drafts().unwrap(), vec![]);
    // check names it and goes on to count the rest.
    let report = admin.check().unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("联系草稿记录 2002/C1 已损坏"), "{:?}", report.problems);
    assert!(report.counts.iter().any(|(n, c)| n == "客户" && *c == 4), "{:?}", report.counts);

    // backup leaves it out, says so, and the image is whole.
    let image = admin.backup(vec![], true).unwrap();
    assert_eq!(image.skipped.len(), 1, "{:?}", image.skipped);
    assert!(image.skipped[0].contains("2002"), "{:?}", image.skipped);
    let info = Service::verify_backup(&image.bytes).unwrap();
    assert_eq!(info.count(mingdan::store::Tree::Drafts), 1, "2001's good draft is kept");
    admin.backup_saved("/var/backups/mingdan/x.mdbak".into(), info.checksum.clone()).unwrap();
    let rec =
        &admin.audit(AuditFilter { action: Some(AuditAction::Backup), ..Default::default() }).unwrap()[0];
    assert!(rec.detail.contains("跳过无法读取的联系草稿") && rec.detail.contains("2002"), "{rec:?}");
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("store");
    // Restored elsewhere: the store's data key goes there first.
    let key = mingdan::store::fields::key_path;
    std::fs::copy(key(b.dir.path()), key(&restored)).unwrap();
    let outcome =
        Service::restore(&restored, &image.bytes, "x.mdbak", "nobody", false, b.clock.clone()).unwrap();
    assert!(outcome.report.is_ok(), "{:?}", outcome.report.problems);

    // Listing and discarding other people's drafts is for administrators only.
    for who in [&manager, &teller] {
        assert!(matches!(who.all_drafts(), Err(ServiceError::Denied(_))));
        assert!(matches!(who.discard_draft_of(sno("2001"), None), Err(ServiceError::Denied(_))));
    }
    let rows = admin.all_drafts().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].staff.as_str(), rows[0].client.as_ref()), ("2001", Some(&cno("C2"))));
    assert_eq!(rows[0].staff_name.as_deref(), Some("王芳"));
    assert_eq!((rows[1].staff.as_str(), rows[1].client.as_ref()), ("2002", Some(&cno("C1"))));
    assert!(rows[1].unreadable.as_deref().is_some_and(|w| w.contains("已损坏")), "{:?}", rows[1]);

    assert_eq!(admin.discard_draft_of(sno("2002"), None).unwrap(), 1);
    assert_eq!(admin.discard_draft_of(sno("2002"), None).unwrap(), 0, "nothing left to discard");
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
    assert!(admin.backup(vec![], true).unwrap().skipped.is_empty());
    assert_eq!(
        b.session("2001").draft(cno("C2")).unwrap().map(|d| d.client),
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
    assert!(out.contains("2002\t李强\t客户 C1\t无法读取：") && out.contains("已损坏"), "{out}");
    let o =
        mingdan(&["--socket", &so, "backup", "--plaintext", b.dir.path().join("b.mdbak").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("警告：跳过了工号 2002 无法读取的联系草稿"),
        "{}",
        text(&o)
    );
    // Naming a client discards only that client's draft; 2002 has none for C9.
    let o = mingdan(&["--socket", &so, "drafts", "discard", "2002", "C9"]);
    assert!(o.status.success() && text(&o).contains("工号 2002 没有客户 C9 的联系草稿"), "{}", text(&o));
    let o = mingdan(&["--socket", &so, "drafts", "discard", "2002"]);
    assert!(o.status.success() && text(&o).contains("已丢弃工号 2002 的 1 份联系草稿"), "{}", text(&o));
    let o = mingdan(&["--socket", &so, "drafts", "list"]);
    assert!(text(&o).contains("没有员工保存的联系草稿"), "{}", text(&o));
    // A teller may not.
    map_me(&b.service, "9001", "2001");
    let o = mingdan(&["--socket", &so, "drafts", "discard", "2002"]);
    assert!(!o.status.success() && text(&o).contains("没有权限"), "{}", text(&o));
    server.stop().unwrap();
}

/// Puts audit records into a stopped branch's store behind mingdan's back, as an old build that
/// did not validate identifiers let a request do, or a restored old backup may hold.
fn plant_audit(b: Branch, records: &[mingdan::domain::AuditRecord]) -> Branch {
    let Branch { dir, clock, service } = b;
    drop(service);
    {
        let db = raw_sled(dir.path());
        let tree = db.open_tree("audit").unwrap();
        let mut batch = sled::Batch::default();
        for (i, rec) in records.iter().enumerate() {
            let mut value = vec![0u8, 2];
            value.extend(bincode::serde::encode_to_vec(rec, bincode::config::standard()).unwrap());
            batch.insert(&(i as u64 + 1).to_be_bytes()[..], value);
        }
        tree.apply_batch(batch).unwrap();
        db.flush().unwrap();
    }
    let service = Arc::new(Service::create(dir.path(), clock.clone()).unwrap());
    Branch { dir, clock, service }
}

fn forged(target: &str, detail: &str) -> mingdan::domain::AuditRecord {
    mingdan::domain::AuditRecord {
        at: chrono::DateTime::parse_from_rfc3339("2026-11-01T09:00:00+08:00").unwrap(),
        actor: "2001".into(),
        action: AuditAction::Reveal,
        target: target.into(),
        detail: detail.into(),
        link: None,
    }
}

#[test]
fn audit_output_shows_control_characters_and_never_obeys_them() {
    let forgery = "C1\n2026-11-30 09:00:00\t9001\t导出\t全部客户\t明文";
    let b = plant_audit(branch(), &[forged(forgery, "\u{1b}[2K\u{1b}[1A\u{85}已擦除")]);
    map_me(&b.service, "9001", "9002");
    let server = serve_in(b.service.clone(), b.dir.path());
    let so = server.socket.to_str().unwrap().to_string();
    let o = mingdan(&["--socket", &so, "audit", "--action", "查看敏感信息"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one record, one line: {out:?}");
    assert_eq!(
        lines[0],
        "2026-11-01 09:00:00\t2001\t查看敏感信息\tC1\\n2026-11-30 09:00:00\\t9001\\t导出\\t全部客户\\t明文\t\
         \\x1b[2K\\x1b[1A\\u{85}已擦除"
    );
    assert!(!out.contains('\u{1b}') && !out.contains('\u{85}'));

    server.stop().unwrap();
}

#[test]
fn a_listing_whose_reader_goes_away_ends_quietly() {
    // Enough output that the pipe fills long before the listing ends.
    let many: Vec<_> = (0..3000).map(|i| forged(&format!("C{i}"), &"很长的说明".repeat(10))).collect();
    let b = plant_audit(branch(), &many);
    map_me(&b.service, "9001", "9002");
    let server = serve_in(b.service.clone(), b.dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_mingdan"))
        .args(["--socket", server.socket.to_str().unwrap(), "audit", "--limit", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert!(first.contains('\t'), "{first:?}");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    server.stop().unwrap();
}

#[test]
fn exports_go_to_pipes_and_stdout_directly_and_refuse_symlinks() {
    let b = branch();
    map_me(&b.service, "9001", "9002");
    let server = serve_in(b.service.clone(), b.dir.path());
    let so = server.socket.to_str().unwrap().to_string();
    let out = tempfile::tempdir().unwrap();

    // A named pipe: its reader gets the whole file and the pipe is still a pipe afterwards.
    let fifo = out.path().join("名单.pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let o = mingdan(&["--socket", &so, "export", "roster", fifo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let got = String::from_utf8(reader.join().unwrap()).unwrap();
    assert!(got.starts_with('\u{feff}') && got.contains("张伟"), "{got}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the pipe was replaced");
    assert!(String::from_utf8_lossy(&o.stderr).contains("已导出"), "the sentence is kept out of the data");

    // `-`: the CSV on stdout, the sentence on stderr.
    let o = mingdan(&["--socket", &so, "export", "roster", "-"]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("张伟") && !csv.contains("已导出"), "{csv}");
    let o = mingdan(&["--socket", &so, "report", "coverage", "--out", "-"]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains(','), "{}", text(&o));

    // A symlink is refused, and what it points to is untouched; with --force the link itself is
    // replaced by the export, never the file it pointed to.
    let precious = out.path().join("precious.txt");
    std::fs::write(&precious, "不能被覆盖").unwrap();
    let link = out.path().join("名单.csv");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    let audits_before = b.session("9001").audit(AuditFilter::default()).unwrap().len();
    let o = mingdan(&["--socket", &so, "export", "roster", link.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("符号链接") && text(&o).contains("--force"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "不能被覆盖");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    let audits_after = b.session("9001").audit(AuditFilter::default()).unwrap().len();
    assert_eq!(audits_before, audits_after, "a refused export is neither made nor audited");
    for args in [
        vec!["backup", "--plaintext", link.to_str().unwrap()],
        vec!["report", "coverage", "--out", link.to_str().unwrap()],
    ] {
        let o = mingdan(&[&["--socket", so.as_str()][..], &args].concat());
        assert!(!o.status.success() && text(&o).contains("符号链接"), "{args:?}: {}", text(&o));
    }
    let o = mingdan(&["--socket", &so, "export", "roster", link.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "不能被覆盖");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_file());
    assert!(std::fs::read_to_string(&link).unwrap().contains("张伟"));

    // A regular file is replaced as before.
    let plain = out.path().join("plain.csv");
    std::fs::write(&plain, "旧内容").unwrap();
    let o = mingdan(&["--socket", &so, "export", "roster", plain.to_str().unwrap()]);
    assert!(o.status.success() && text(&o).contains("已导出"), "{}", text(&o));
    assert!(std::fs::read_to_string(&plain).unwrap().contains("张伟"));
    server.stop().unwrap();
}
