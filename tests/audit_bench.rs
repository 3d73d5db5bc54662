//! What chaining and sealing cost on a year of audit (issue 17, point 6). Ignored: it writes
//! ~2M records. Run in release and read the figures it prints (docs/PERFORMANCE.md):
//!
//! ```sh
//! cargo test --release --test audit_bench -- --ignored --nocapture
//! MINGDAN_AUDIT_BENCH_RECORDS=200000 cargo test --release --test audit_bench -- --ignored --nocapture
//! ```

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use mingdan::domain::{AuditAction, AuditRecord, JobRole, OutletId, Permission, Scope, Staff, StaffNo};
use mingdan::service::{Api, FixedClock, Service, Session};
use mingdan::store::Store;

#[test]
#[ignore = "writes ~2M audit records; run in release for the figures in docs/PERFORMANCE.md"]
fn a_year_of_audit_is_sealed_and_verified() {
    let total: u64 =
        std::env::var("MINGDAN_AUDIT_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    // One seal per this many records: ~1,000 seals over the run, the epochs between them idle,
    // so the last seal is a year of 15-minute epochs (35,040) after the first.
    let per_seal = (total / 1000).max(1);
    let dir = tempfile::tempdir().unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::at(start));
    let store = Store::create(dir.path()).unwrap();
    let service = Arc::new(Service::with_store(store.clone(), clock.clone()));
    service
        .bootstrap_admin(Staff {
            no: StaffNo::parse("9001").unwrap(),
            name: "管理员".into(),
            role: JobRole::new(JobRole::SYSTEM_ADMIN),
            outlet: OutletId::parse("城关").unwrap(),
            login: None,
            permission: Permission::Admin,
            scope: Scope::Branch,
            active: true,
        })
        .unwrap();
    let admin = Session::new(service.clone(), StaffNo::parse("9001").unwrap());
    let key = admin.seal_init(900).unwrap().key;

    // A year is 35,040 epochs of 15 minutes; records spread evenly over it.
    let step = chrono::Duration::microseconds((365 * 24 * 3600 * 1_000_000 / total) as i64);
    let (mut written, mut write_time, mut seal_time, mut seals) = (0u64, 0f64, 0f64, 0u64);
    while written < total {
        let n = per_seal.min(total - written);
        let t = Instant::now();
        // As many records per transaction as a large contact import writes per batch.
        let mut left = n;
        while left > 0 {
            let batch = left.min(2000);
            let recs: Vec<AuditRecord> = (0..batch)
                .map(|i| {
                    clock.advance(step);
                    AuditRecord::new(
                        service.now(),
                        "2001",
                        AuditAction::LogContact,
                        format!("C{:07}", written + i),
                        "电话，成功：客户同意下周面谈理财产品",
                    )
                })
                .collect();
            store.write(|tx| recs.iter().try_for_each(|r| tx.audit(r))).unwrap();
            left -= batch;
            written += batch;
        }
        write_time += t.elapsed().as_secs_f64();
        let t = Instant::now();
        assert!(service.seal_due().unwrap().is_some());
        seal_time += t.elapsed().as_secs_f64();
        seals += 1;
    }
    let t = Instant::now();
    let plain = admin.verify_audit(None).unwrap();
    let verify_chain = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let keyed = admin.verify_audit(Some(key)).unwrap();
    let verify_keyed = t.elapsed().as_secs_f64();
    // The epochs this run skips between seals are reported unsealed (the server seals every
    // epoch); no seal may fail.
    assert!(plain.is_ok() && keyed.broken.is_none(), "{plain:?} {keyed:?}");
    assert!(keyed.untrusted.iter().all(|u| u.contains("没有封存")), "{keyed:?}");
    assert_eq!(keyed.seals, seals);
    let bytes = fs_size(&dir.path().join("sled"));
    println!("records: {written} over one year, {seals} seals (last epoch ≈ 35,040)");
    println!(
        "writing (2,000 records a transaction, chained): {:.1} s, {:.1} µs a record",
        write_time,
        write_time * 1e6 / written as f64
    );
    println!(
        "sealing: {:.2} ms a seal (one transaction, flushed, key file replaced)",
        seal_time * 1e3 / seals as f64
    );
    println!("audit verify (chain): {verify_chain:.2} s");
    println!("audit verify --key (chain and every seal): {verify_keyed:.2} s");
    println!("store on disk: {:.0} MiB", bytes as f64 / (1 << 20) as f64);
}

fn fs_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(
            |e| {
                if e.file_type().unwrap().is_dir() { fs_size(&e.path()) } else { e.metadata().unwrap().len() }
            },
        )
        .sum()
}
