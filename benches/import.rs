//! A client register imported for real: `cargo bench --bench import` (add `-- --rows N`; the
//! default is 1,000,000). Writes a register like the core banking system's export, makes a fresh
//! store with the staff directory, runs the real `mingdan import clients` as a child process and
//! prints rows/s and the child's peak RSS (from `wait4`, so the bench's own memory is not in it).
//!
//! Beside it, in the same run, the naive way: one import (one transaction, flushed) per row, as a
//! script calling the API row by row would do, on the first `--naive-rows` rows (default 20,000)
//! in a child process too; its rows/s is extrapolated to the whole register and labelled so.
//!
//! Run by `cargo test --all-targets` (without `--bench`) it checks itself on 3,000 rows.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use mingdan::service::{Api, Service, Session, SystemClock};

const STAFF: &str = "工号,姓名,岗位,网点\n1001,石玉兰,网点负责人,城关\n1002,吴霞,大堂经理,城关\n1003,赵敏,客户经理,城关\n2001,王婷,柜员,东街\n2002,李强,柜员,东街\n2003,孙丽,客户经理,东街\n";

/// A register of `n` clients: valid ID numbers (GB 11643 check digit), every third with a
/// maintainer (a move: tasks and an audit record), balances in yuan with thousands separators.
fn register(n: usize, path: &Path) {
    use std::io::Write;
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8] = b"10X98765432";
    let staff = ["1001", "1002", "1003", "2001", "2002", "2003"];
    let mut rng = fastrand::Rng::with_seed(1);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "客户号,客户姓名,手机号码,证件号码,网点,日均金融资产（元）,客户分类,维护人工号,个人网银,理财产品数,自办业务比例").unwrap();
    for i in 0..n {
        let first17 = format!(
            "{:06}{}{:02}{:02}{:03}",
            (110_000 + i / 1000) % 999_999,
            1950 + i % 50,
            1 + i % 12,
            1 + i % 28,
            i % 1000
        );
        let sum: u32 = first17.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
        let id = format!("{first17}{}", C[(sum % 11) as usize] as char);
        let maintainer = if i % 3 == 0 { staff[i % 6] } else { "" };
        writeln!(
            out,
            "62{i:010},客户{i},1{}{:09},{id},{},\"{}.{:02}\",重要客户,{maintainer},是,{},{}%",
            3 + i % 6,
            i % 100_000_000,
            if i % 2 == 1 { "城关" } else { "东街" },
            rng.u32(1000..9_000_000),
            i % 100,
            i % 4,
            i % 101
        )
        .unwrap();
    }
}

fn mingdan(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mingdan"));
    c.arg("--store").arg(store).stdout(std::process::Stdio::null());
    c
}

/// A fresh store with the admin (this OS login) and the staff directory.
fn fresh_store(dir: &Path, name: &str) -> std::path::PathBuf {
    let store = dir.join(name);
    let staff = dir.join("staff.csv");
    std::fs::write(&staff, STAFF).unwrap();
    assert!(
        mingdan(&store)
            .args(["init", "--no", "9001", "--name", "管理员", "--outlet", "城关"])
            .status()
            .unwrap()
            .success()
    );
    assert!(mingdan(&store).args(["import", "staff"]).arg(&staff).status().unwrap().success());
    store
}

/// Runs `cmd` and returns (seconds, peak RSS in MB, success) of the child.
fn measured(cmd: &mut Command) -> (f64, f64, bool) {
    let started = Instant::now();
    // Reaped by wait4 below, which also gives its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data, zeroed is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: waits for the child spawned above; `status` and `usage` outlive the call.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (started.elapsed().as_secs_f64(), usage.ru_maxrss as f64 / 1024.0, ok)
}

/// The naive way, in this process (run as a child of the bench): every row its own import.
fn naive(store: &Path, csv: &Path, rows: usize) {
    let (raw, _) = mingdan::import::read_file(csv, None).unwrap();
    let today = chrono::Local::now().date_naive();
    let parsed = mingdan::import::parse_clients(raw, today);
    let service = std::sync::Arc::new(Service::open(store, std::sync::Arc::new(SystemClock)).unwrap());
    let me = service.staff_for_login(&mingdan::os::os_login().unwrap()).unwrap();
    let session = Session::new(service, me.no);
    for r in parsed.rows.into_iter().take(rows) {
        let out = session.import_clients(vec![r], "naive.csv".into(), false, vec![]).unwrap();
        assert!(out.written, "{:?}", out.problems);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    if let Some(store) = arg("--naive-child") {
        let csv = arg("--csv").unwrap();
        let rows = arg("--naive-rows").and_then(|n| n.parse().ok()).unwrap();
        naive(Path::new(&store), Path::new(&csv), rows);
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let rows: usize =
        arg("--rows").and_then(|n| n.parse().ok()).unwrap_or(if full { 1_000_000 } else { 3_000 });
    let naive_rows: usize =
        arg("--naive-rows").and_then(|n| n.parse().ok()).unwrap_or(if full { 20_000 } else { 300 }).min(rows);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("register.csv");
    register(rows, &csv);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "导入 / import: {rows} rows, {} MB file; load average {}",
        std::fs::metadata(&csv).unwrap().len() >> 20,
        load.trim()
    );

    let store = fresh_store(dir.path(), "store");
    let (secs, rss, ok) = measured(mingdan(&store).args(["import", "clients"]).arg(&csv));
    assert!(ok, "the import failed");
    let check = Service::open(&store, std::sync::Arc::new(SystemClock)).unwrap();
    let me = check.staff_for_login(&mingdan::os::os_login().unwrap()).unwrap();
    let admin = Session::new(std::sync::Arc::new(check), me.no);
    let imported = admin.check().unwrap().counts.iter().find(|(n, _)| n.contains("客户")).map(|(_, c)| *c);
    println!(
        "  streaming import (real, one bulk write): {secs:.2} s, {:.0} rows/s, peak RSS {rss:.0} MB ({imported:?} clients stored)",
        rows as f64 / secs
    );
    drop(admin);

    let naive_store = fresh_store(dir.path(), "naive");
    let exe = std::env::current_exe().unwrap();
    let (nsecs, nrss, nok) = measured(
        Command::new(exe)
            .arg("--naive-child")
            .arg(&naive_store)
            .arg("--csv")
            .arg(&csv)
            .arg("--naive-rows")
            .arg(naive_rows.to_string()),
    );
    assert!(nok, "the naive baseline failed");
    let per_s = naive_rows as f64 / nsecs;
    println!(
        "  naive baseline (one transaction per row, first {naive_rows} rows): {nsecs:.2} s, {per_s:.0} rows/s, peak RSS {nrss:.0} MB; \
         extrapolated to {rows} rows: {:.0} s",
        rows as f64 / per_s
    );
    println!("  ratio: {:.1}× the naive rows/s", (rows as f64 / secs) / per_s);
}
