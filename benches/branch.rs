//! A whole branch at scale: `cargo bench --bench branch` (issue 13, point 5). Default 1,000,000
//! clients and 5,000,000 contacts; `-- --clients 100000` (contacts default to five per client,
//! `--contacts N` to change) shows how each cost grows, `--runs N` sets the opens per screen.
//!
//! The store is built once per set of parameters (and schema, and quarter) under
//! `target/bench-branch/`, through the real commands as an administrator would: `init`,
//! `import staff`, `import clients` (every client on a 客户经理's roster), `import contacts` (the
//! last four weeks, as the contacts log of core banking comes in); the import times and peak RSS
//! are printed as it goes. A later run with the same parameters reuses it.
//!
//! Then, in this process, each screen request is opened `--runs` times (20) as the staff member
//! who opens it — a 客户经理 for 今日/名单/客户卡/搜索, an outlet head and the branch head for the
//! managers' screens — and each report and export is written; for each: p50 and p99 in ms and the
//! peak RSS while it ran (the process's high-water mark, reset before each request through
//! `/proc/self/clear_refs`). Where the request has a naive form (the scan the figures were counted
//! by before aggregates), it is measured in the same run and the ratio printed. Last, on a copy of
//! the store with the clock at the next quarter's first day, the quarter-start housekeeping, and
//! `check` and `backup` as child processes (time and peak RSS from `wait4`).
//!
//! Run by `cargo test --all-targets` (without `--bench`) it checks itself on 1,500 clients.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use mingdan::domain::{ClientNo, Quarter, StaffNo};
use mingdan::service::views::{ReportKind, RosterFilter, RosterSort};
use mingdan::service::{Api, FixedClock, Service, Session, SystemClock};

/// Outlets of the generated branch; each has an outlet head and its share of 客户经理.
const OUTLETS: [&str; 4] = ["城关", "东街", "西关", "南湖"];
/// Clients per 客户经理, about what the issue measured (1,964 on one roster at a million).
const PER_MAINTAINER: usize = 2_000;

struct Params {
    clients: usize,
    contacts: usize,
    runs: usize,
    full: bool,
}

fn params() -> Params {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let full = args.iter().any(|a| a == "--bench");
    let clients: usize =
        arg("--clients").and_then(|n| n.parse().ok()).unwrap_or(if full { 1_000_000 } else { 1_500 });
    let contacts = arg("--contacts").and_then(|n| n.parse().ok()).unwrap_or(clients * 5);
    let runs = arg("--runs").and_then(|n| n.parse().ok()).unwrap_or(if full { 20 } else { 3 });
    Params { clients, contacts, runs: runs.max(1), full }
}

/// 客户经理 numbers: 3000, 3001, … enough for `PER_MAINTAINER` clients each, spread over the outlets.
fn maintainers(clients: usize) -> Vec<(String, &'static str)> {
    let n = clients.div_ceil(PER_MAINTAINER).max(OUTLETS.len());
    (0..n).map(|i| (format!("{}", 3000 + i), OUTLETS[i % OUTLETS.len()])).collect()
}

fn write_staff(clients: usize, path: &Path) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "工号,姓名,岗位,网点,权限").unwrap();
    writeln!(out, "8001,周行长,支行行长,城关,管理者").unwrap();
    for (i, outlet) in OUTLETS.iter().enumerate() {
        writeln!(out, "{},负责人{i},网点负责人,{outlet},管理者", 1001 + i).unwrap();
    }
    for (no, outlet) in maintainers(clients) {
        writeln!(out, "{no},经理{no},客户经理,{outlet},员工").unwrap();
    }
}

/// The client number of client `i`.
fn client_no(i: usize) -> String {
    format!("62{i:010}")
}

/// A register of `n` clients, every one on a roster (the costly case for housekeeping and the
/// figures), each in its maintainer's outlet; valid ID numbers (GB 11643 check digit).
fn write_register(n: usize, path: &Path) {
    use std::io::Write;
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8] = b"10X98765432";
    let staff = maintainers(n);
    let mut rng = fastrand::Rng::with_seed(7);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "客户号,客户姓名,手机号码,证件号码,网点,日均金融资产（元）,客户分类,维护人工号").unwrap();
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
        let (no, outlet) = &staff[i % staff.len()];
        writeln!(
            out,
            "{},客户{i},1{}{:09},{id},{outlet},{}.{:02},重要客户,{no}",
            client_no(i),
            3 + i % 6,
            i % 1_000_000_000,
            rng.u32(200_000..9_000_000),
            i % 100,
        )
        .unwrap();
    }
}

/// `n` contacts over the 28 days before `today`, each by the client's maintainer, one minute
/// apart per client so no two are the same contact.
fn write_contacts(clients: usize, n: usize, today: NaiveDate, path: &Path) {
    use std::io::Write;
    let staff = maintainers(clients);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "联系时间,客户号,员工工号,联系方式,联系目的,联系结果,满意度").unwrap();
    for k in 0..n {
        let i = k % clients;
        let round = k / clients;
        let day = today - Duration::days(1 + ((i + round * 5) % 28) as i64);
        let purpose = if round == 0 { "季度告知" } else { "回访" };
        writeln!(
            out,
            "{} {:02}:{:02},{},{},电话,{purpose},已沟通,{}",
            day.format("%Y-%m-%d"),
            9 + round % 8,
            i % 60,
            client_no(i),
            staff[i % staff.len()].0,
            1 + (k % 5)
        )
        .unwrap();
    }
}

fn mingdan(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mingdan"));
    c.arg("--store").arg(store).stdout(std::process::Stdio::null());
    c
}

/// Runs `cmd` and returns (seconds, peak RSS in MB) of the child; panics naming `what` if it fails.
fn measured(what: &str, cmd: &mut Command) -> (f64, f64) {
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
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{what} failed");
    (started.elapsed().as_secs_f64(), usage.ru_maxrss as f64 / 1024.0)
}

/// The store for these parameters, built unless an earlier run left it complete.
fn branch_store(p: &Params, today: NaiveDate) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-branch");
    let q = Quarter::of(today);
    let key =
        format!("c{}-k{}-schema{}-{}q{}", p.clients, p.contacts, mingdan::store::CURRENT_SCHEMA, q.year, q.q);
    let dir = root.join(&key);
    let store = dir.join("store");
    if dir.join("ready").exists() {
        println!("门店库 / store: reusing {} (built {})", store.display(), read(&dir.join("ready")));
        return store;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    println!("门店库 / store: building {} ({} clients, {} contacts)", store.display(), p.clients, p.contacts);
    let (staff, register, contacts) =
        (dir.join("staff.csv"), dir.join("register.csv"), dir.join("contacts.csv"));
    write_staff(p.clients, &staff);
    write_register(p.clients, &register);
    write_contacts(p.clients, p.contacts, today, &contacts);
    measured(
        "init",
        mingdan(&store).args(["init", "--no", "9001", "--name", "管理员", "--outlet", OUTLETS[0]]),
    );
    measured("import staff", mingdan(&store).args(["import", "staff"]).arg(&staff));
    let (s, rss) = measured("import clients", mingdan(&store).args(["import", "clients"]).arg(&register));
    println!("  import clients: {s:.1} s, {:.0} rows/s, peak RSS {rss:.0} MB", p.clients as f64 / s);
    let (s, rss) = measured("import contacts", mingdan(&store).args(["import", "contacts"]).arg(&contacts));
    println!("  import contacts: {s:.1} s, {:.0} rows/s, peak RSS {rss:.0} MB", p.contacts as f64 / s);
    for f in [&staff, &register, &contacts] {
        let _ = std::fs::remove_file(f);
    }
    std::fs::write(dir.join("ready"), today.to_string()).unwrap();
    store
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Resets this process's peak RSS (Linux `clear_refs` 5), so the next reading is one request's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak RSS since the last `reset_peak`, in MB.
fn peak_mb() -> f64 {
    read(Path::new("/proc/self/status"))
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// p50 and p99 of `runs` calls of `f` in ms, and the peak RSS while they ran.
fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    reset_peak();
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99), peak_mb())
}

/// One line of the table: the request, and its naive form when it has one.
fn row(name: &str, runs: usize, f: impl FnMut(), naive: Option<(usize, Box<dyn FnMut() + '_>)>) {
    let (p50, p99, rss) = time(runs, f);
    let mut line = format!("  {name:<34} p50 {p50:>9.1} ms  p99 {p99:>9.1} ms  peak {rss:>6.0} MB");
    if let Some((naive_runs, g)) = naive {
        let (n50, n99, nrss) = time(naive_runs, g);
        line += &format!(
            "  | naive p50 {n50:>9.1} ms  p99 {n99:>9.1} ms  peak {nrss:>6.0} MB  ratio {:>7.1}×",
            n50 / p50.max(0.001)
        );
    }
    println!("{line}");
}

fn main() {
    let p = params();
    let today = chrono::Local::now().date_naive();
    let load = read(Path::new("/proc/loadavg"));
    println!(
        "branch bench: {} clients, {} contacts, {} opens per screen; load average {}",
        p.clients,
        p.contacts,
        p.runs,
        load.trim()
    );
    let store = branch_store(&p, today);
    let naive_runs = if p.full { 3 } else { p.runs };

    let t = Instant::now();
    let service = Arc::new(Service::open(&store, Arc::new(SystemClock)).unwrap());
    println!("  open: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    // Today's housekeeping (the day's tasks) is done before measuring, as the background thread
    // does it after midnight; its time is printed.
    let t = Instant::now();
    service.housekeep().unwrap();
    println!("  daily housekeeping: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);

    let sno = |s: &str| StaffNo::parse(s).unwrap();
    let maintainer = maintainers(p.clients)[0].0.clone();
    let staff = Session::new(service.clone(), sno(&maintainer));
    let outlet_head = Session::new(service.clone(), sno("1001"));
    let head = Session::new(service.clone(), sno("8001"));
    let own = ClientNo::parse(&client_no(0)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = |name: &str| out.path().join(name).to_string_lossy().into_owned();

    println!("screens (as 客户经理 {maintainer}, outlet head 1001, branch head 8001):");
    row("今日 / today", p.runs, || drop(staff.today().unwrap()), None);
    row(
        "我的名单 / own roster",
        p.runs,
        || drop(staff.roster(None, RosterSort::default(), RosterFilter::default()).unwrap()),
        None,
    );
    row("客户卡 / client card", p.runs, || drop(staff.client(own.clone()).unwrap()), None);
    row("覆盖 / coverage (outlet)", p.runs, || drop(outlet_head.coverage(None).unwrap()), None);
    row("覆盖 / coverage (branch)", p.runs, || drop(head.coverage(None).unwrap()), None);
    row("成效 / results (outlet)", p.runs, || drop(outlet_head.results(None).unwrap()), None);
    row("成效 / results (branch)", p.runs, || drop(head.results(None).unwrap()), None);
    row("员工绩效 / performance (branch)", p.runs, || drop(head.performance(None).unwrap()), None);
    row("未分配 / unassigned (branch)", p.runs, || drop(head.unassigned(None).unwrap()), None);
    row("新品 / launches", p.runs, || drop(head.launches().unwrap()), None);
    row("员工 / list_staff", p.runs, || drop(head.list_staff().unwrap()), None);

    println!("reports and exports (branch head):");
    for (name, kind) in [
        ("report coverage", ReportKind::Coverage),
        ("report results", ReportKind::Results),
        ("report performance", ReportKind::Performance),
        ("report contacts", ReportKind::Contacts),
        ("report unassigned", ReportKind::Unassigned),
    ] {
        row(name, naive_runs, || drop(head.report(kind, None, file("r.xlsx")).unwrap()), None);
    }
    row(
        "export roster",
        naive_runs,
        || drop(head.export_roster(None, false, file("roster.csv")).unwrap()),
        None,
    );
    let from = today - Duration::days(30);
    row(
        "export contacts (30 days)",
        naive_runs,
        || drop(head.export_contacts(from, today, file("contacts.csv")).unwrap()),
        None,
    );
    drop((staff, outlet_head, head));
    drop(service);

    println!("whole-store work (a copy of the store):");
    let copy = out.path().join("copy");
    copy_dir(&store, &copy);
    let key = mingdan::store::fields::key_path(&store);
    if key.exists() {
        std::fs::copy(&key, mingdan::store::fields::key_path(&copy)).unwrap();
    }
    let next = Quarter::of(today).next();
    let first = NaiveDate::from_ymd_opt(next.year, u32::from(next.q) * 3 - 2, 1).unwrap();
    {
        let clock = Arc::new(FixedClock::at(first.and_hms_opt(1, 0, 0).unwrap()));
        let s = Service::open(&copy, clock).unwrap();
        reset_peak();
        let t = Instant::now();
        s.housekeep().unwrap();
        println!(
            "  quarter-start housekeeping ({first}, weekday {}): {:.1} s, peak {:.0} MB (this process)",
            first.weekday(),
            t.elapsed().as_secs_f64(),
            peak_mb()
        );
    }
    let (s, rss) = measured("check", mingdan(&copy).arg("check"));
    println!("  check: {s:.1} s, peak RSS {rss:.0} MB");
    let image = out.path().join("b.mdbak");
    let (s, rss) = measured("backup", mingdan(&copy).args(["backup", "--plaintext"]).arg(&image));
    println!(
        "  backup --plaintext: {s:.1} s, peak RSS {rss:.0} MB, image {} MB",
        std::fs::metadata(&image).map(|m| m.len() >> 20).unwrap_or(0)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
