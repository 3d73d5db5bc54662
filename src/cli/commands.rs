//! The non-interactive commands. Each turns its arguments into service calls and prints the
//! answer in Chinese; errors carry what to do next.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;

use super::progress::Progress;
use super::{ExportKind, ImportKind, create, open};
use crate::domain::*;
use crate::import::records::ImportFile;
use crate::import::{parse_clients, parse_contacts, parse_holdings, parse_staff};
use crate::report::{is_stream, output_kind, write_csv, write_output};
use crate::server::{ServeOptions, Server};
use crate::service::imports::{ClientRecord, ImportRun};
use crate::service::views::{AuditFilter, ImportOutcome, RowProblem};
use crate::service::{Api, Service, SystemClock};

/// Where a command writes its output: a path, `-` for stdout, and whether an existing symbolic
/// link there may be replaced (`--force`); see `report::write_output`.
#[derive(Clone, Copy)]
pub struct Output<'a> {
    pub path: &'a Path,
    pub force: bool,
}

impl Output<'_> {
    /// Says what was written: on stdout, unless the output itself went to a stream (`-`,
    /// `/dev/stdout`, a pipe), where the sentence would end up inside the data; then on stderr.
    fn done(&self, said: std::fmt::Arguments) -> Result<()> {
        if is_stream(self.path) {
            eprintln!("{said}");
        } else {
            say!("{said}");
        }
        Ok(())
    }
}

/// The demo always starts from the same seed, so everyone sees the same branch.
const DEMO_SEED: u64 = 2026;

pub fn demo(store: &Path, clients: u32, fresh: bool) -> Result<Arc<Service>> {
    if fresh && crate::store::Store::exists(store) {
        let service = open(store)?;
        if service.demo_user()?.is_none() {
            bail!("{} 不是演示数据库，不会删除", store.display());
        }
        drop(service);
        std::fs::remove_dir_all(store).map_err(|e| {
            anyhow!("无法删除旧的演示数据库 {}：{}", store.display(), crate::os::io_reason(&e))
        })?;
    }
    let service = create(store)?;
    if service.demo_user()?.is_none() {
        eprintln!("正在生成演示支行（{clients} 位客户，六个月的联系记录）……");
        let started = std::time::Instant::now();
        service.seed_demo(clients, DEMO_SEED)?;
        eprintln!("已生成，用时 {:.1} 秒。数据库：{}", started.elapsed().as_secs_f64(), store.display());
    }
    Ok(service)
}

pub fn init(store: &Path, no: &str, name: &str, outlet: &str, role: &str, login: Option<&str>) -> Result<()> {
    let service = create(store)?;
    let login = match login {
        Some(l) => l.to_string(),
        None => crate::os::os_login().map_err(|e| anyhow!(e))?,
    };
    let admin = Staff {
        no: StaffNo::parse(no)?,
        name: crate::domain::staff::parse_person_name(crate::domain::Field::Name, name)?,
        role: JobRole::parse(role)?,
        outlet: OutletId::parse(outlet)?,
        login: Some(Login::parse(&login)?),
        permission: Permission::Admin,
        scope: crate::domain::Scope::Branch,
        active: true,
    };
    service.bootstrap_admin(admin)?;
    say!("已创建数据库 {}，管理员为 {name}（{no}，登录名 {login}）。", store.display());
    say!(
        "客户的证件号码、手机号、生日和营销预案用数据密钥 {} 加密保存；它不在备份里。\
         请设置备份接收人（mingdan recipients add age1…）并用 mingdan key export 把密钥加密备份，见 docs/DEPLOY.md。",
        crate::store::fields::key_path(store).display()
    );
    say!("下一步：mingdan import staff 员工名单.csv，再 mingdan import clients 客户名单.csv");
    Ok(())
}

/// What `staff add` was given; `None`s keep an existing person's value.
pub struct StaffArgs<'a> {
    pub no: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub outlet: &'a str,
    pub login: Option<&'a str>,
    pub permission: Option<&'a str>,
    pub scope: Option<&'a str>,
}

pub fn staff_add(api: &dyn Api, args: StaffArgs<'_>) -> Result<()> {
    let StaffArgs { no, name, role, outlet, login, permission, scope } = args;
    let no = StaffNo::parse(no)?;
    // Changing someone keeps what the command does not mention: their login, permission and
    // scope.
    let old = api.list_staff()?.into_iter().find(|s| s.no == no);
    let role = JobRole::parse(role)?;
    let staff = Staff {
        name: crate::domain::staff::parse_person_name(crate::domain::Field::Name, name)?,
        outlet: OutletId::parse(outlet)?,
        login: match login {
            Some(l) => Some(Login::parse(l)?),
            None => old.as_ref().and_then(|o| o.login.clone()),
        },
        permission: match permission {
            Some(p) => Permission::parse(p)?,
            None => old.as_ref().map_or(Permission::Staff, |o| o.permission),
        },
        scope: match scope {
            Some(s) => Scope::parse(s)?,
            None => old.as_ref().map_or_else(|| Scope::default_for(&role), |o| o.scope),
        },
        role,
        active: true,
        no,
    };
    // `staff add` puts the person (back) in service; say so when they had left.
    let said = match &old {
        None => format!("已添加员工 {}（{}）。", staff.name, staff.no),
        Some(o) if !o.active => format!("已修改员工 {}（{}），并恢复为在职。", staff.name, staff.no),
        Some(_) => format!("已修改员工 {}（{}）。", staff.name, staff.no),
    };
    api.save_staff(staff)?;
    say!("{said}");
    Ok(())
}

pub fn staff_list(api: &dyn Api) -> Result<()> {
    for s in api.list_staff()? {
        let login = s.login.as_ref().map_or("-", |l| l.as_str());
        let state = if s.active { "" } else { "（已停用）" };
        say!(
            "{}\t{}\t{}\t{}\t{}\t{}{}{}",
            inert(s.no.as_str()),
            inert(&s.name),
            inert(s.role.as_str()),
            inert(s.outlet.as_str()),
            inert(login),
            s.permission.label(),
            if s.permission >= Permission::Manager {
                format!("（{}）", s.scope.label())
            } else {
                String::new()
            },
            state
        );
    }
    Ok(())
}

pub fn drafts_list(api: &dyn Api) -> Result<()> {
    let drafts = api.all_drafts()?;
    if drafts.is_empty() {
        say!("没有员工保存的联系草稿。");
    }
    for d in drafts {
        let name = d.staff_name.as_deref().unwrap_or("（不在员工名录中）");
        let client = d.client.as_ref().map_or_else(|| "客户不明".to_string(), |c| format!("客户 {c}"));
        match &d.unreadable {
            Some(why) => {
                say!("{}\t{}\t{}\t无法读取：{}", inert(&d.staff), inert(name), inert(&client), inert(why))
            }
            None => {
                let when =
                    d.saved_at.map_or_else(String::new, |t| format!("\t{}", t.format("%Y-%m-%d %H:%M")));
                say!(
                    "{}\t{}\t{}\t备注 {} 字{}",
                    inert(&d.staff),
                    inert(name),
                    inert(&client),
                    d.note_chars,
                    when
                )
            }
        }
    }
    Ok(())
}

/// Discards staff member `no`'s drafts: all of them, or only client `client`'s.
pub fn drafts_discard(api: &dyn Api, no: &str, client: Option<&str>) -> Result<()> {
    let no = StaffNo::parse(no)?;
    let client = client.map(ClientNo::parse).transpose()?;
    let n = api.discard_draft_of(no.clone(), client.clone())?;
    match (n, &client) {
        (0, Some(c)) => say!("工号 {no} 没有客户 {c} 的联系草稿。"),
        (0, None) => say!("工号 {no} 没有保存的联系草稿。"),
        (_, Some(c)) => say!("已丢弃工号 {no} 关于客户 {c} 的联系草稿（已记入审计）。"),
        (n, None) => say!("已丢弃工号 {no} 的 {n} 份联系草稿（已记入审计，每份一条）。"),
    }
    Ok(())
}

/// Problems and notes on the terminal, each on its own line with a quoted cell's control
/// characters escaped (a file cannot draw on the terminal): the first `PROBLEMS_SHOWN`, then how
/// many more and where to see them all.
fn print_problems(problems: &[RowProblem]) -> Result<()> {
    for p in problems.iter().take(PROBLEMS_SHOWN) {
        say!("  {}", inert(&p.to_string()));
    }
    if problems.len() > PROBLEMS_SHOWN {
        say!("  ……另有 {} 条（加 --report 文件名 可写出全部）", problems.len() - PROBLEMS_SHOWN);
    }
    Ok(())
}

/// How many problems or notes the terminal shows; `--report` writes all of them.
const PROBLEMS_SHOWN: usize = 50;

/// How many lines of each kind of change the terminal shows; `--report` writes all of them.
const CHANGES_SHOWN: usize = 20;

/// What `mingdan import` is asked to do.
pub struct ImportArgs<'a> {
    pub what: ImportKind,
    pub file: &'a Path,
    pub dry_run: bool,
    pub sheet: Option<&'a str>,
    pub new_outlets: Vec<OutletId>,
    pub report: Option<&'a Path>,
}

pub fn import(api: &dyn Api, args: ImportArgs) -> Result<()> {
    let ImportArgs { what, file, dry_run, sheet, new_outlets, report } = args;
    // A report that cannot be written must stop the import before it writes anything.
    if let Some(path) = report {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() {
            bail!("报告文件的目录 {} 不存在；请换一个位置（没有导入任何数据）", dir.display());
        }
    }
    let opened = ImportFile::open(file, sheet).map_err(|e| anyhow!("{e}"))?;
    let source =
        file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    say!("读取 {}（{}）", file.display(), opened.read_as());
    let today = api.whoami()?.today;
    let mut all_changes = Vec::new();
    let streamed = match (what, api.embedded()) {
        (ImportKind::Clients, Some(session)) => {
            let collect = report.map(|_| &mut all_changes);
            Some(import_clients_streaming(
                session,
                &opened,
                today,
                source.clone(),
                dry_run,
                &new_outlets,
                collect,
            )?)
        }
        _ => None,
    };
    let (mut problems, mut notes, outcome) = match streamed {
        Some(done) => done,
        None => {
            let rows = opened
                .rows()
                .map_err(|e| anyhow!("{e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|p| anyhow!("{}：{p}", file.display()))?;
            import_whole(api, what, rows, today, source, dry_run, new_outlets)?
        }
    };
    finish_import(&mut problems, &mut notes, &outcome, report, &all_changes)
}

type Checked = (Vec<RowProblem>, Vec<RowProblem>, ImportOutcome);

/// A client register read and imported row by row on the embedded store: the file is read on
/// one thread and checked on another, and neither holds more than a batch of rows. Over the
/// branch server the register travels as one request instead (see `import_whole`).
fn import_clients_streaming(
    session: &crate::service::Session,
    file: &ImportFile,
    today: NaiveDate,
    source: String,
    dry_run: bool,
    new_outlets: &[OutletId],
    changes: Option<&mut Vec<(String, String)>>,
) -> Result<Checked> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let clean = AtomicBool::new(false);
    let (send, receive) = std::sync::mpsc::sync_channel::<ClientRecord>(4096);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut read = Progress::new("导入：读取并检查", "行", None);
            let report = file.read_each(crate::import::columns::CLIENT_COLUMNS, today, &mut |r| {
                // A closed channel means the service stopped reading; its error is reported.
                let _ = send.send(r);
                read.inc();
            });
            read.finish();
            clean.store(report.problems.is_empty() && report.stopped.is_none(), Ordering::SeqCst);
            drop(send);
            report
        });
        let mut collected = changes;
        let mut record = |what: &str, line: &str| {
            if let Some(c) = collected.as_mut() {
                c.push((what.to_string(), line.to_string()));
            }
        };
        // Rows that parsed are checked even when others did not, as a dry run, so the report
        // lists every bad row at once: unknown maintainers as well as malformed cells.
        let rows_ok = || clean.load(Ordering::SeqCst);
        let mut writing: Option<Progress> = None;
        let mut written = |done: u64, total: u64| {
            writing.get_or_insert_with(|| Progress::new("导入：写入", "位客户", Some(total))).set(done);
        };
        let run = ImportRun {
            source,
            dry_run,
            rows_ok: &rows_ok,
            changes: Some(&mut record),
            written: Some(&mut written),
        };
        let outcome = session.import_clients_from(&mut receive.iter(), run, new_outlets);
        drop(writing);
        // Unblocks the reader if the service stopped early.
        drop(receive);
        let report = reader.join().map_err(|_| anyhow!("读取文件的线程意外退出"))?;
        let outcome = outcome?;
        if let Some(stopped) = report.stopped {
            bail!("{}：{stopped}", file.path().display());
        }
        Ok((report.problems, report.notes, outcome))
    })
}

/// Reads the whole file into records and sends them in one request.
fn import_whole(
    api: &dyn Api,
    what: ImportKind,
    rows: Vec<crate::import::grid::RawRow>,
    today: NaiveDate,
    source: String,
    dry_run: bool,
    new_outlets: Vec<OutletId>,
) -> Result<Checked> {
    // Rows that parsed go to the service even when others did not, as a dry run, so the report
    // lists every bad row at once: unknown maintainers as well as malformed cells.
    Ok(match what {
        ImportKind::Staff => {
            let p = parse_staff(rows, today);
            let dry = dry_run || !p.problems.is_empty();
            (p.problems, p.notes, api.import_staff(p.rows, source, dry)?)
        }
        ImportKind::Clients => {
            let p = parse_clients(rows, today);
            let dry = dry_run || !p.problems.is_empty();
            (p.problems, p.notes, api.import_clients(p.rows, source, dry, new_outlets)?)
        }
        ImportKind::Holdings => {
            let p = parse_holdings(rows, today);
            let dry = dry_run || !p.problems.is_empty();
            (p.problems, p.notes, api.import_holdings(p.rows, source, dry)?)
        }
        ImportKind::Contacts => {
            let p = parse_contacts(rows, today);
            let dry = dry_run || !p.problems.is_empty();
            (p.problems, p.notes, api.import_contacts(p.rows, source, dry)?)
        }
    })
}

/// Prints (and writes to `report`) what an import found and did; an error if it found problems.
fn finish_import(
    problems: &mut Vec<RowProblem>,
    notes: &mut Vec<RowProblem>,
    outcome: &ImportOutcome,
    report: Option<&Path>,
    all_changes: &[(String, String)],
) -> Result<()> {
    problems.extend(outcome.problems.iter().cloned());
    problems.sort();
    notes.extend(outcome.notes.iter().cloned());
    notes.sort();
    if !notes.is_empty() {
        say!("说明：");
        print_problems(notes)?;
    }
    if let Some(path) = report {
        if let Err(e) = write_import_report(path, problems, notes, outcome, all_changes) {
            // The import itself stands: say so, or the user would import it again.
            let done = if outcome.written { "数据已导入，但" } else { "" };
            bail!("{done}检查报告没有写成：{e}");
        }
        say!("完整的检查报告已写入 {}", path.display());
    }
    if !problems.is_empty() {
        say!("发现 {} 处问题，没有导入任何数据。请改正后重新导入：", problems.len());
        print_problems(problems)?;
        bail!("导入未完成");
    }
    for g in &outcome.changes {
        let unit = if g.what == "新网点" { "个" } else { "位" };
        say!("{}（{} {unit}）：", inert(&g.what), g.total);
        for l in g.lines.iter().take(CHANGES_SHOWN) {
            say!("  {}", inert(l));
        }
        if g.total > CHANGES_SHOWN as u64 {
            let more = g.total - CHANGES_SHOWN as u64;
            // The report holds every line only when the import was read here row by row.
            let complete = !all_changes.is_empty() || g.total <= g.lines.len() as u64;
            let hint = match (report.is_some(), complete) {
                (true, true) => "见报告文件",
                (true, false) => "报告中也只列出一部分，见报告末行",
                (false, _) => "加 --report 文件名 可写出",
            };
            say!("  ……另有 {more} {unit}（{hint}）");
        }
    }
    let counts = format!("新增 {}，更新 {}，未变 {}", outcome.added, outcome.updated, outcome.unchanged);
    if outcome.written {
        say!("已导入：{counts}。");
    } else {
        say!("检查通过（试运行，未写入）：将{counts}。");
    }
    Ok(())
}

/// Every problem, note and change of an import as a CSV file Excel opens.
///
/// `all_changes` is every change line when the import was read row by row (an outcome lists the
/// first of each kind only); empty, the outcome's lines are written.
fn write_import_report(
    path: &Path,
    problems: &[RowProblem],
    notes: &[RowProblem],
    outcome: &ImportOutcome,
    all_changes: &[(String, String)],
) -> Result<()> {
    let mut rows = Vec::new();
    for (kind, list) in [("问题", problems), ("说明", notes)] {
        for p in list {
            rows.push(vec![kind.to_string(), p.line.to_string(), p.column.clone(), p.reason.clone()]);
        }
    }
    if all_changes.is_empty() {
        for g in &outcome.changes {
            for l in &g.lines {
                rows.push(vec![format!("变更：{}", g.what), String::new(), String::new(), l.clone()]);
            }
            if g.total > g.lines.len() as u64 {
                let more = format!(
                    "……另有 {} 位未列出（这次导入只带回每类前 {} 位：持有产品、员工名单、联系记录和经服务器的导入都是如此）",
                    g.total - g.lines.len() as u64,
                    g.lines.len()
                );
                rows.push(vec![format!("变更：{}", g.what), String::new(), String::new(), more]);
            }
        }
    } else {
        // In the order of the outcome's groups, as before.
        for g in &outcome.changes {
            for (_, l) in all_changes.iter().filter(|(w, _)| *w == g.what) {
                rows.push(vec![format!("变更：{}", g.what), String::new(), String::new(), l.clone()]);
            }
        }
    }
    let table = crate::service::views::Table {
        title: "导入检查报告".into(),
        heading: crate::service::views::heading(
            "导入检查报告",
            if outcome.written { "已导入" } else { "未写入（试导入或有问题）" },
            crate::os::branch_now().date_naive(),
        ),
        headers: ["类别", "行号", "列", "内容"].iter().map(|h| h.to_string()).collect(),
        rows,
    };
    write_csv(path, false, &table)
}

fn parse_day(flag: &str, raw: Option<&str>) -> Result<Option<NaiveDate>> {
    raw.map(|r| crate::import::cells::date(r).map_err(|e| anyhow!("--{flag}：{}", e.problem))).transpose()
}

pub fn export(
    api: &dyn Api,
    what: ExportKind,
    out: Output,
    of: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    unmasked: bool,
) -> Result<()> {
    // Refused before the export is made (and audited) when the target will not be written.
    output_kind(out.path, out.force)?;
    let file = audit_name(out.path);
    let waiting = Progress::waiting("正在导出");
    let table = match what {
        ExportKind::Roster => api.export_roster(of.map(StaffNo::parse).transpose()?, unmasked, file)?,
        ExportKind::Contacts => {
            let today = api.whoami()?.today;
            let to = parse_day("to", to)?.unwrap_or(today);
            let from =
                parse_day("from", from)?.unwrap_or(to.checked_sub_days(chrono::Days::new(30)).unwrap_or(to));
            api.export_contacts(from, to, file)?
        }
    };
    write_csv(out.path, out.force, &table)?;
    waiting.finish();
    out.done(format_args!("已导出 {} 行到 {}（此次导出已记入审计）。", table.rows.len(), out.path.display()))
}

pub fn report(api: &dyn Api, what: super::ReportWhat, period: Option<&str>, out: Output) -> Result<()> {
    use crate::service::views::ReportKind;
    let quarter = period
        .map(|p| Quarter::parse(p).ok_or_else(|| anyhow!("--period：“{p}”不是季度，应写成 2026Q3 这样")))
        .transpose()?;
    let kind = match what {
        super::ReportWhat::Coverage => ReportKind::Coverage,
        super::ReportWhat::Results => ReportKind::Results,
        super::ReportWhat::Performance => ReportKind::Performance,
        super::ReportWhat::Contacts => ReportKind::Contacts,
        super::ReportWhat::Complaints => ReportKind::Complaints,
    };
    // Check the target before the report is made (and audited).
    output_kind(out.path, out.force)?;
    let ext = out.path.extension().and_then(|e| e.to_str()).map(str::to_lowercase);
    if !matches!(ext.as_deref(), Some("xlsx") | Some("csv")) && !is_stream(out.path) {
        bail!("--out：文件名请以 .xlsx 或 .csv 结尾，或用 - 写到标准输出（{}）", out.path.display());
    }
    let waiting = Progress::waiting("正在生成报表");
    let report = api.report(kind, quarter, audit_name(out.path))?;
    crate::report::write_report(out.path, out.force, &report)?;
    waiting.finish();
    let rows: usize = report.sheets.iter().map(|s| s.rows.len()).sum();
    out.done(format_args!(
        "已写入 {}：{}，{} 张表，{rows} 行（此次导出已记入审计）。",
        out.path.display(),
        report.title,
        report.sheets.len()
    ))
}

/// `mingdan branch-total [MONTH CLIENTS] [--gold-plus N] [--source TEXT]`: lists the monthly
/// totals, or enters one.
pub fn branch_total(
    api: &dyn Api,
    month: Option<&str>,
    clients: Option<&str>,
    gold_plus: Option<&str>,
    source: &str,
) -> Result<()> {
    let (month, clients) = match (month, clients) {
        (None, None) if gold_plus.is_none() => {
            let totals = api.branch_totals()?;
            if totals.is_empty() {
                say!("还没有录入全行个人客户数；金卡以上客户占比暂以已导入的客户数计。");
                say!("录入：mingdan branch-total 2026-11 412000 [--gold-plus 4100]");
            } else {
                say!("月份\t全行个人客户数\t金卡以上客户数\t来源\t录入");
            }
            for t in totals {
                say!(
                    "{}\t{}\t{}\t{}\t{} {}",
                    t.month.format("%Y-%m"),
                    t.personal_clients,
                    t.gold_plus.map_or("-".to_string(), |g| g.to_string()),
                    inert(&t.source),
                    inert(&t.entered_by),
                    t.entered_on
                );
            }
            return Ok(());
        }
        (Some(m), Some(c)) => (m, c),
        _ => bail!("请同时给出月份和全行个人客户数，如 mingdan branch-total 2026-11 412000"),
    };
    let month = parse_month(month)?;
    let clients = parse_count("全行个人客户数", clients)?;
    let gold_plus = gold_plus.map(|g| parse_count("--gold-plus", g)).transpose()?;
    let was = api.set_branch_total(month, clients, gold_plus, source.to_string())?;
    // What the month now holds, the gold-and-above count included (kept when not given).
    let gold = api.branch_totals()?.into_iter().find(|t| t.month == month).and_then(|t| t.gold_plus);
    let gold = match (gold, gold_plus) {
        (Some(g), Some(_)) => format!("，金卡以上客户数 {g}"),
        (Some(g), None) => format!("，金卡以上客户数 {g} 不变"),
        (None, _) => String::new(),
    };
    match was {
        Some(was) => say!("已更正 {} 全行个人客户数：{was} → {clients}{gold}。", month.format("%Y-%m")),
        None => say!("已录入 {} 全行个人客户数 {clients}{gold}。", month.format("%Y-%m")),
    }
    Ok(())
}

/// `2026-11`, `2026/11`, `202611`, `2026年11月` or a whole date: the month's first day.
fn parse_month(raw: &str) -> Result<NaiveDate> {
    let s = raw.trim().trim_end_matches('月');
    let digits: Vec<&str> = s.split(['-', '/', '.', '年']).filter(|p| !p.is_empty()).collect();
    let (y, m) = match digits.as_slice() {
        [ym] if ym.len() == 6 && ym.bytes().all(|b| b.is_ascii_digit()) => (&ym[..4], &ym[4..]),
        [y, m] | [y, m, _] => (*y, *m),
        _ => ("", ""),
    };
    y.parse::<i32>()
        .ok()
        .zip(m.parse::<u32>().ok())
        .and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1))
        .ok_or_else(|| anyhow!("月份“{}”看不懂；请写成 2026-11", inert(raw)))
        .and_then(|d| {
            if (2000..=2100).contains(&chrono::Datelike::year(&d)) {
                Ok(d)
            } else {
                Err(anyhow!("月份“{}”的年份不对；请写 2000 年以后的月份，如 2026-11", inert(raw)))
            }
        })
}

/// A whole number of people, `412000` or `412,000`.
fn parse_count(field: &str, raw: &str) -> Result<u32> {
    let s: String = raw.trim().chars().filter(|c| !matches!(c, ',' | '，' | '_' | ' ')).collect();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{field}“{}”不是整数；请写成 412000 这样的人数", inert(raw));
    }
    s.parse::<u32>().map_err(|_| anyhow!("{field}“{}”太大；请核对人数", inert(raw)))
}

/// How an export's destination is named in the audit: the absolute path where one can be
/// made (the auditor must find the file, not a name relative to someone's shell), `-` for
/// standard output.
fn audit_name(path: &Path) -> String {
    if is_stream(path) {
        return "-".into();
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

pub fn check(api: &dyn Api) -> Result<()> {
    let report = api.check()?;
    let counts: Vec<String> = report.counts.iter().map(|(n, c)| format!("{n} {c}")).collect();
    say!("{}", counts.join("，"));
    if report.is_ok() {
        say!("检查通过：所有记录可读，索引与记录一致，审计链完整。");
        Ok(())
    } else {
        say!("发现 {} 个问题：", report.problems.len());
        for p in &report.problems {
            say!("  {}", inert(p));
        }
        bail!(
            "数据库检查未通过；请联系管理员，必要时按 docs/DEPLOY.md 第 5 节“数据库损坏时”用 mingdan restore 从备份恢复"
        )
    }
}

/// How long `search` waits for the index being built when the store was just opened.
const SEARCH_INDEX_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// `mingdan search`: the search box's masked results for scripts, one client a line, columns
/// separated by tabs under a header line. A capped list says so on stderr, so that stdout stays
/// data. Waits for the index when the store was just opened (a one-off command starts its own
/// service, which builds the index first).
///
/// Errors: `limit` outside 1–500 (the service would otherwise read 0 as the default and cap
/// anything above 500 without a word, so a script would get a list it did not ask for).
/// `mingdan complaints list [--open | --overdue | --period 2026Q4]`: one complaint a line,
/// tab-separated under a header row, overdue first (the service's order).
pub fn complaints_list(api: &dyn Api, open: bool, overdue: bool, period: Option<&str>) -> Result<()> {
    use crate::service::complaints::ComplaintFilter;
    let filter = match (open, overdue, period) {
        (_, _, Some(p)) => ComplaintFilter::Quarter(
            Quarter::parse(p).ok_or_else(|| anyhow!("--period：“{p}”不是季度，应写成 2026Q4 这样"))?,
        ),
        (_, true, None) => ComplaintFilter::Overdue,
        (true, false, None) => ComplaintFilter::Open,
        (false, false, None) => ComplaintFilter::All,
    };
    let rows = api.complaints(filter)?;
    say!(
        "投诉编号\t客户号\t客户姓名\t网点\t类别\t严重程度\t受理时间\t当前环节\t负责人\t截止日期\t剩余天数（工作日；超时为负的日历日）\t已超时\t客户评价"
    );
    for r in &rows {
        say!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.id,
            inert(r.client.as_str()),
            inert(&r.client_name),
            inert(r.outlet.as_str()),
            r.category,
            r.severity,
            r.received_at.format("%Y-%m-%d %H:%M"),
            r.step.map_or_else(|| "已办结".to_string(), |s| s.to_string()),
            r.owner.as_ref().map(|o| inert(&format!("{} {}", o.no, o.name)).into_owned()).unwrap_or_default(),
            r.due.map(|d| d.to_string()).unwrap_or_default(),
            r.days_left.map(|d| d.to_string()).unwrap_or_default(),
            if r.overdue { "是" } else { "否" },
            r.view.map(|v| v.to_string()).unwrap_or_default(),
        );
    }
    Ok(())
}

/// `mingdan service-levels [SEVERITY DAYS]`: lists the complaint service levels, or sets one
/// severity's (e.g. `严重 1/1/2/2/1`).
pub fn service_levels(api: &dyn Api, severity: Option<&str>, days: Option<&str>) -> Result<()> {
    use crate::domain::complaint::{ServiceLevels, Severity};
    let was = api.service_levels()?;
    match (severity, days) {
        (None, None) => {
            say!("严重程度\t受理/分类/调查/处理/反馈（工作日）");
            for s in Severity::ALL {
                say!("{s}\t{}", was.show(*s));
            }
            Ok(())
        }
        (Some(sev), Some(days)) => {
            let sev = Severity::parse(sev).map_err(|e| anyhow!("{e}"))?;
            let days = ServiceLevels::parse_days(days).map_err(|e| anyhow!("{e}"))?;
            let mut levels = was.clone();
            levels.days.insert(sev, days);
            api.set_service_levels(levels.clone(), was)?;
            say!("已将“{sev}”的服务时限改为 {}（已记入审计；已开始的环节截止日不变）", levels.show(sev));
            Ok(())
        }
        _ => bail!("请同时给出严重程度和五个环节的工作日数，如 mingdan service-levels 严重 1/1/2/2/1"),
    }
}

pub fn search(api: &dyn Api, query: String, limit: u32) -> Result<()> {
    let max = crate::search::MAX_LIMIT;
    if limit == 0 || limit as usize > max {
        bail!("--limit 须在 1 到 {max} 之间（给的是 {limit}）：请改成这个范围内的个数，如 --limit 50");
    }
    if query.trim().is_empty() {
        bail!(
            "搜索内容为空：请给出姓名、拼音、首字母、手机号、客户号或证件号后几位，如 mingdan search zhangw"
        );
    }
    let started = std::time::Instant::now();
    let mut told = false;
    let results = loop {
        let r = api.search_export(query.clone(), limit)?;
        if r.ready {
            break r;
        }
        if started.elapsed() > SEARCH_INDEX_WAIT {
            bail!("搜索索引仍在建立（已等待 {} 秒）：请稍后再试", SEARCH_INDEX_WAIT.as_secs());
        }
        if !told {
            eprintln!("正在建立搜索索引，请稍候……");
            told = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    say!("客户号\t姓名\t手机\t卡级别\t维护人\t本人名单\t匹配项\t匹配方式\t匹配内容");
    for h in &results.hits {
        let maintainer = h
            .maintainer
            .as_ref()
            .map_or_else(|| "（未分配）".to_string(), |m| format!("{} {}", m.no, m.name));
        say!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            inert(h.no.as_str()),
            inert(&h.name),
            inert(&h.phone),
            h.tier.label(),
            inert(&maintainer),
            if h.mine { "是" } else { "否" },
            field_label(h.field),
            if h.by_ending() { "尾号相符" } else { kind_label(h.kind) },
            inert(&h.field_text)
        );
    }
    if let Some(notice) = &results.notice {
        eprintln!("{notice}");
    }
    if results.hits.is_empty() {
        eprintln!("没有找到与“{}”相符的客户。", inert(&query));
    } else if results.about > results.hits.len() {
        eprintln!(
            "只列出前 {} 位（共约 {} 位）；请多输入几个字，或用 --limit 多列一些（最多 500）。",
            results.hits.len(),
            results.about
        );
    }
    Ok(())
}

fn field_label(f: crate::service::search::MatchField) -> &'static str {
    use crate::service::search::MatchField::*;
    match f {
        Name => "姓名",
        Phone => "手机",
        ClientNo => "客户号",
        IdNumber => "证件号",
    }
}

fn kind_label(k: crate::service::search::MatchKind) -> &'static str {
    use crate::service::search::MatchKind::*;
    match k {
        Exact => "完全相符",
        Initials => "全名首字母",
        Prefix => "开头相符",
        Fuzzy => "模糊",
        Typo => "可能拼错一个字母",
    }
}

pub fn audit(
    api: &dyn Api,
    who: Option<String>,
    action: Option<&str>,
    target: Option<String>,
    from: Option<&str>,
    to: Option<&str>,
    limit: u32,
) -> Result<()> {
    let filter = AuditFilter {
        actor: who,
        action: action.map(AuditAction::parse).transpose()?,
        from: parse_day("from", from)?,
        to: parse_day("to", to)?,
        target,
        limit,
    };
    // One record, one line: whatever a field holds (a newline forging a second record, an
    // escape sequence erasing the screen) is shown escaped, never obeyed.
    for r in api.audit(filter)? {
        say!(
            "{}\t{}\t{}\t{}\t{}",
            r.at.format("%Y-%m-%d %H:%M:%S"),
            inert(&r.actor),
            r.action,
            inert(&r.target),
            inert(&r.detail)
        );
    }
    Ok(())
}

/// `mingdan audit verify [--key KEY]`: the chain, then the seals; fails (status 1) when a record
/// does not fit or a seal fails.
pub fn audit_verify(api: &dyn Api, key: Option<String>) -> Result<()> {
    // Whoever holds the verification key can forge every seal: it is never sent to a server,
    // which may be the machine an intruder holds.
    if key.is_some() && api.embedded().is_none() {
        bail!(
            "--key：验证密钥不能交给服务器核对（拿到它就能伪造封存）。请在一台可信的电脑上把备份恢复后用 \
             mingdan --store 目录 audit verify --key … 核对（docs/DEPLOY.md 第 7 节“审计封存”）；\
             不带 --key 的 mingdan audit verify 可以在这里运行"
        );
    }
    let v = api.verify_audit(key)?;
    if v.legacy > 0 {
        say!(
            "审计记录：升级前 {} 条（合为一段），此后链式 {} 条，其中封存 {} 次。",
            v.legacy,
            v.chained,
            v.seals
        );
    } else {
        say!("审计记录：链式 {} 条，其中封存 {} 次。", v.chained, v.seals);
    }
    if let Some(p) = &v.broken {
        say!("审计链断开：{}", inert(p));
    } else {
        say!("审计链完整：每条记录都与前一条衔接，链头与库内、库外所记一致。");
    }
    if v.key_checked && v.seals == 0 {
        say!("还没有封存可以核对（服务器每一期封存一次）。");
    } else if v.key_checked {
        if v.untrusted.is_empty() {
            say!("封存核对通过：每一期的封存都与该期的密钥相符。");
        }
        for u in &v.untrusted {
            say!("封存不符：{}", inert(u));
        }
    } else if v.seals > 0 {
        say!("未给出验证密钥（--key），封存没有核对。");
    }
    for n in &v.notes {
        say!("注意：{}", inert(n));
    }
    if let Some(u) = &v.unsealed {
        say!("尚未封存：{}", inert(u));
    }
    if !v.is_ok() {
        bail!("审计核对未通过；请保留现场（不要再写入），联系管理员按 docs/DEPLOY.md“审计封存”一节处理");
    }
    Ok(())
}

/// `mingdan audit seal-init`: starts sealing and prints the verification key, as text and as a
/// QR code that fits an 80×24 terminal.
pub fn seal_init(api: &dyn Api, epoch_minutes: u64) -> Result<()> {
    let secs =
        epoch_minutes.checked_mul(60).ok_or_else(|| anyhow!("--epoch-minutes：{epoch_minutes} 分钟太长"))?;
    let out = api.seal_init(secs)?;
    for l in seal_init_lines(&out.key, out.epoch_secs) {
        say!("{l}");
    }
    Ok(())
}

/// What `seal-init` prints: the QR code, the key on two lines and, last so that it is what
/// stays on screen, the instruction to keep it. At most 23 lines of at most 80 columns, so that
/// with the shell prompt after it nothing scrolls off an 80×24 terminal (the QR code's quiet zone is kept whole only where it
/// fits: its outer blank rows are trimmed to one).
pub fn seal_init_lines(key: &str, epoch_secs: u64) -> Vec<String> {
    // 24 rows less the shell prompt that follows.
    const ROWS: usize = 23;
    let keep = format!(
        "审计封存已启用（每 {} 分钟一期）。验证密钥只显示这一次，请扫码或抄下离线保存",
        epoch_secs / 60
    );
    let text = key_lines(key);
    let mut out = match qr_lines(key) {
        Some(mut qr) => {
            let blank = |l: &String| l.chars().all(|c| c == '█' || c == ' ');
            // Blank rows of the quiet zone beyond one at each end, while the whole is too tall.
            while qr.len() + text.len() + 1 > ROWS && qr.len() > 2 && blank(&qr[0]) && blank(&qr[1]) {
                qr.remove(0);
            }
            while qr.len() + text.len() + 1 > ROWS
                && qr.len() > 2
                && blank(&qr[qr.len() - 1])
                && blank(&qr[qr.len() - 2])
            {
                qr.pop();
            }
            qr
        }
        None => vec!["（二维码无法生成，请抄下下面的文字）".to_string()],
    };
    out.extend(text);
    out.push(keep);
    out
}

/// The key's text in two lines of at most 80 columns, split inside the hex digits (`--key`
/// takes it with or without the break: spaces and line breaks are ignored).
pub fn key_lines(text: &str) -> Vec<String> {
    let cut = text.find(':').map_or(text.len() / 2, |p| (p + 1 + 32).min(text.len()));
    let (a, b) = text.split_at(cut);
    vec![a.to_string(), b.to_string()]
}

/// The verification key as a QR code in Unicode half blocks (two modules per character
/// cell vertically), quiet zone included: at most 41 columns × 21 lines for a key.
pub fn qr_lines(text: &str) -> Option<Vec<String>> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L).ok()?;
    let art = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    Some(art.lines().map(str::to_string).collect())
}

/// Runs the branch server until SIGTERM, SIGINT or SIGHUP.
pub fn serve(
    store: &Path,
    socket: PathBuf,
    group: Option<String>,
    limits: crate::server::Limits,
) -> Result<()> {
    // Before the store is opened: a mistyped limit costs nothing.
    limits.check().map_err(|e| anyhow!(e))?;
    // Whatever the server creates (the store's files) is for the service account alone.
    // SAFETY: umask only sets this process's file-creation mask; nothing else is running yet.
    unsafe { libc::umask(0o077) };
    let service = open(store)?;
    // Staff will search from their first keystroke.
    service.start_search();
    // The day's housekeeping runs beside the requests, not in the first one of the day.
    service.housekeep_in_background();
    crate::store::space::log_refusals();
    let mut opts = ServeOptions::new(socket);
    opts.group = group;
    opts.limits = limits;
    // The service account may back up and check without a staff record: a nightly timer runs as
    // it, and it can read the store's files anyway.
    opts.service_uid = Some(crate::os::effective_uid());
    let server = Server::bind(service, opts)?;
    server.stop_on_signals()?;
    server.run()
}

/// `mingdan backup`: encrypted to `recipients` or the branch's configured ones, or with
/// `plaintext` not encrypted (said so on stderr and in the audit).
pub fn backup(api: &dyn Api, out: Output, recipients: Vec<String>, plaintext: bool) -> Result<()> {
    let file = out.path;
    if !file.is_dir() {
        output_kind(file, out.force)?;
    }
    let image = api.start_backup(recipients, plaintext)?;
    for warning in &image.skipped {
        eprintln!("警告：{}", inert(warning));
    }
    let info = &image.info;
    let path = if file.is_dir() {
        let stamp = info.header.created_at.format("%Y%m%d-%H%M%S");
        let ext = crate::service::backup::BACKUP_EXTENSION;
        let ext = if image.encrypted_to.is_empty() { ext.to_string() } else { format!("{ext}.age") };
        file.join(format!("mingdan-{stamp}.{ext}"))
    } else {
        file.to_path_buf()
    };
    // A temp file is created 0600: a backup holds every client's data.
    // Fetched part by part straight into the file. A plaintext image's SHA-256 is checked on
    // this side as it arrives: what reaches the disk must be what the server made. An encrypted
    // one cannot be read here (no private key on the server, by design); age authenticates it
    // instead, and `restore --check --identity` reads it whole.
    write_output(&path, out.force, |f| {
        let progress = Progress::new("备份：写入", "MB", Some(image.file_size.div_ceil(1 << 20)));
        let mut f = Counting { inner: f, done: 0, progress };
        Ok(crate::service::backup::fetch_backup(api, &image, &mut f)?)
    })?;
    // Audited only now that the file is complete, synced and under its name.
    if let Err(e) = api.backup_saved(audit_name(&path), info.checksum.clone()) {
        // A backup nobody can find in the audit must not be left behind (on a full disk the
        // audit record cannot be written): the file goes, and the run fails as it says.
        let removed = path.as_os_str() != "-"
            && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
            && std::fs::remove_file(&path).is_ok();
        let what = if removed { "备份文件已删除，" } else { "" };
        bail!("备份无法记入审计（{e}），{what}这次备份不算数；请处理上面的问题后再备份");
    }
    let sealed = if image.encrypted_to.is_empty() {
        eprintln!(
            "注意：这是未加密的备份（--plaintext），文件中有全部客户信息的明文；请妥善保管，用完即删。"
        );
        "未加密".to_string()
    } else {
        format!("已加密给 {} 个接收人", image.encrypted_to.len())
    };
    Output { path: &path, force: out.force }.done(format_args!(
        "已备份到 {}：{}；{} 字节，{sealed}，SHA-256 {}（此次备份已记入审计）。",
        path.display(),
        info.summary(),
        image.file_size,
        &info.checksum
    ))
}

/// A writer that shows how far a long copy has got (`Progress`, in megabytes).
struct Counting<'a> {
    inner: &'a mut dyn std::io::Write,
    done: u64,
    progress: Progress,
}

impl std::io::Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        self.progress.set(self.done.div_ceil(1 << 20));
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `mingdan recipients list|add|remove`.
pub fn recipients(api: &dyn Api, what: super::RecipientsCommand) -> Result<()> {
    use super::RecipientsCommand as R;
    if let R::Add { key } | R::Remove { key } = &what {
        if crate::store::encrypt::is_private_key(key) {
            bail!("{}", crate::store::encrypt::PRIVATE_KEY_REFUSED);
        }
        // The list is read first to change it; a non-admin is told what was refused: the change.
        let me = api.whoami()?.staff;
        if !me.may(Permission::Admin) {
            bail!(
                "修改备份接收人需要{}权限，{}是{}",
                Permission::Admin.label(),
                me.name,
                me.permission.label()
            );
        }
    }
    let mut keys = api.backup_recipients()?;
    match what {
        R::List => {
            if keys.is_empty() {
                say!(
                    "没有设置备份接收人：备份须加 --recipient 或 --plaintext。用 mingdan recipients add age1… 设置。"
                );
            }
            for k in &keys {
                say!("{}", inert(k));
            }
            return Ok(());
        }
        R::Add { key } => {
            let key = key.trim().to_string();
            if keys.contains(&key) {
                say!("{} 已是备份接收人。", inert(&key));
                return Ok(());
            }
            keys.push(key);
        }
        R::Remove { key } => {
            let before = keys.len();
            keys.retain(|k| k != key.trim());
            if keys.len() == before {
                bail!("{} 不是备份接收人；用 mingdan recipients list 查看现有的", inert(key.trim()));
            }
        }
    }
    api.set_backup_recipients(keys.clone())?;
    say!(
        "备份接收人现为 {} 个：{}",
        keys.len(),
        keys.iter().map(|k| inert(k).into_owned()).collect::<Vec<_>>().join("、")
    );
    if keys.is_empty() {
        say!("注意：没有接收人时，备份须加 --recipient 或 --plaintext，夜间自动备份会失败。");
    }
    Ok(())
}

/// `mingdan key export`: the data key, encrypted, to a file for keeping off the server.
pub fn key_export(api: &dyn Api, out: Output, recipients: Vec<String>) -> Result<()> {
    // An earlier key backup may be the only copy of another key (before a rotation, or another
    // store's): it is replaced only when asked.
    if matches!(output_kind(out.path, out.force)?, crate::report::OutputKind::File)
        && out.path.exists()
        && !out.force
    {
        bail!(
            "{} 已存在（可能是另一把数据密钥的备份），没有覆盖。请换一个文件名；确需覆盖请加 --force",
            out.path.display()
        );
    }
    let bytes = api.export_key(recipients, audit_name(out.path))?;
    write_output(out.path, out.force, |f| Ok(f.write_all(&bytes)?))?;
    out.done(format_args!(
        "已把数据密钥加密写到 {}（已记入审计）。请把它和接收人的私钥分开、离线保存：丢失数据密钥，客户的证件号码、手机号、生日和营销预案无法恢复。",
        out.path.display()
    ))
}

/// `mingdan key import FILE --identity ID`: puts the data key from its encrypted backup beside
/// the store (mode 0600). Refused while the server runs or when a key file is already there.
pub fn key_import(store: &Path, socket: &Path, file: &Path, identity: &Path) -> Result<()> {
    if super::backend::server_running(socket) {
        bail!(
            "mingdan 服务器正在运行（{}），不能恢复数据密钥。请先停止服务：sudo systemctl stop mingdan",
            socket.display()
        );
    }
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow!("无法读取密钥备份 {}：{}", file.display(), crate::os::io_reason(&e)))?;
    let ids = crate::store::encrypt::read_identities(identity).map_err(|e| anyhow!(e))?;
    if !crate::store::encrypt::is_encrypted(&bytes) {
        bail!("{} 不是加密的密钥备份（mingdan key export 的输出），没有导入", file.display());
    }
    let plain = crate::store::encrypt::decrypt(&bytes, &ids, &format!("密钥备份 {}", file.display()))
        .map_err(|e| anyhow!(e))?;
    let text =
        String::from_utf8(plain).map_err(|_| anyhow!("{} 解密后不是数据密钥，没有导入", file.display()))?;
    let key = crate::store::fields::FieldKey::parse(&text)
        .map_err(|e| anyhow!("{} 解密后不是数据密钥（{e}），没有导入", file.display()))?;
    let path = crate::store::fields::key_path(store);
    key.write_new(&path)?;
    say!("已把数据密钥（标识 {}）恢复到 {}（权限 600）。", key.id(), path.display());
    Ok(())
}

/// `restore --finish` (`finish`) or `restore --rollback`: puts right a restore cut off between
/// its renames (see `store::backup::restore`).
pub fn resolve_restore(store: &Path, socket: &Path, finish: bool) -> Result<()> {
    if super::backend::server_running(socket) {
        bail!(
            "mingdan 服务器正在运行（{}），不能处理恢复。请先停止服务：sudo systemctl stop mingdan",
            socket.display()
        );
    }
    let login = crate::os::os_login().map_err(|e| anyhow!(e))?;
    let resolved = Service::resolve_restore(store, finish, &login, Arc::new(SystemClock))?;
    if finish {
        say!("已完成被中断的恢复：恢复的数据库已放到 {}。", store.display());
        if let Some(p) = &resolved.other {
            say!("原数据库保留在 {}；确认无误后可自行删除。", p.display());
        }
        say!("请运行 mingdan check 确认后再启动服务。");
    } else {
        say!("已撤销被中断的恢复：{} 是恢复前的数据库，恢复副本已删除。", store.display());
    }
    Ok(())
}

/// How `mingdan restore FILE` runs.
pub struct RestoreOptions<'a> {
    /// `--check`: only verify the file.
    pub check_only: bool,
    pub other_branch: bool,
    /// `--identity`: the private key file for an encrypted backup.
    pub identity: Option<&'a Path>,
}

pub fn restore(store: &Path, socket: &Path, file: &Path, opts: RestoreOptions) -> Result<()> {
    let RestoreOptions { check_only, other_branch, identity } = opts;
    if file.file_name().is_some_and(|n| n.to_string_lossy().ends_with(crate::report::PARTIAL_SUFFIX)) {
        bail!(
            "{} 是没有写完的备份（以 {} 结尾：写入时被中断），不能检查或恢复；请改用一个完整的备份文件（.{}）",
            file.display(),
            crate::report::PARTIAL_SUFFIX,
            crate::service::backup::BACKUP_EXTENSION
        );
    }
    let source =
        file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    // An encrypted backup is decrypted beside the store it will replace (the same disk the
    // restore needs room on anyway), into a file gone as soon as it is closed.
    let scratch = match store.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) if p.is_dir() => p.to_path_buf(),
        _ => std::env::current_dir().unwrap_or_else(|_| std::env::temp_dir()),
    };
    // Decrypted (and so authenticated) before anything else: a wrong identity or an altered
    // file stops here, with nothing touched. The image is then read in passes, never whole.
    let (mut image, encrypted) = Service::open_backup_file(file, identity, &scratch)?;
    if check_only {
        let info = Service::verify_backup_image(&mut image)?;
        say!(
            "备份文件完好{}：{}，备份时间 {}，备份人 {}；{}。",
            if encrypted { "（已用私钥解密）" } else { "" },
            file.display(),
            info.header.created_at.format("%Y-%m-%d %H:%M:%S"),
            inert(&info.header.created_by),
            info.summary()
        );
        return Ok(());
    }
    if super::backend::server_running(socket) {
        bail!(
            "mingdan 服务器正在运行（{}），不能恢复。请先停止服务：sudo systemctl stop mingdan，恢复后再启动",
            socket.display()
        );
    }
    let login = crate::os::os_login().map_err(|e| anyhow!(e))?;
    let outcome =
        Service::restore_image(store, &mut image, &source, &login, other_branch, Arc::new(SystemClock))?;
    say!(
        "已从 {} 恢复数据库 {}（备份时间 {}）：{}。",
        file.display(),
        store.display(),
        outcome.info.header.created_at.format("%Y-%m-%d %H:%M:%S"),
        outcome.info.summary()
    );
    if let Some(p) = &outcome.previous {
        say!("原数据库已改名保留在 {}；确认无误后可自行删除。", p.display());
    }
    say!("恢复后的数据库检查通过。");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_read_however_a_clerk_writes_it_and_refused_in_chinese_otherwise() {
        let nov = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        for raw in ["2026-11", "2026/11", "202611", "2026年11月", "2026-11-30", " 2026.11 "] {
            assert_eq!(parse_month(raw).unwrap(), nov, "{raw}");
        }
        for raw in ["1999-01", "26-11"] {
            let e = parse_month(raw).unwrap_err().to_string();
            assert!(e.contains("年份不对"), "{raw}: {e}");
        }
        for raw in ["2026-13", "十一月", ""] {
            let e = parse_month(raw).unwrap_err().to_string();
            assert!(e.contains("看不懂") && e.contains("2026-11"), "{raw}: {e}");
        }
        assert_eq!(parse_count("全行个人客户数", "412,000").unwrap(), 412_000);
        let e = parse_count("全行个人客户数", "41.2万").unwrap_err().to_string();
        assert!(e.contains("全行个人客户数") && e.contains("不是整数"), "{e}");
        assert!(parse_count("--gold-plus", "99999999999").unwrap_err().to_string().contains("太大"));
    }

    #[test]
    fn the_verification_keys_qr_code_fits_an_80_by_24_terminal_with_its_text() {
        let key = crate::domain::seal::VerifyKey {
            k0: [0xfe; 32],
            epochs: crate::domain::seal::Epochs { start: i64::from(i32::MAX), len: 86_400 },
        }
        .to_text();
        let lines = seal_init_lines(&key, 86_400);
        let width = lines.iter().map(|l| unicode_width::UnicodeWidthStr::width(l.as_str())).max().unwrap();
        // Every line within 80 columns (none wraps), 23 lines and the prompt, the instruction last.
        assert!(width <= 80 && lines.len() < 24, "{width} columns × {} lines", lines.len());
        assert!(lines.last().unwrap().contains("验证密钥只显示这一次"), "{lines:?}");
        assert!(lines.iter().any(|l| l == &key_lines(&key)[0]));
        let parts = key_lines(&key);
        assert!(parts.iter().all(|l| l.len() <= 80), "{parts:?}");
        let typed = parts.join("\n  ");
        assert_eq!(
            crate::domain::seal::VerifyKey::parse(&typed).unwrap().to_text(),
            key,
            "read back with the break"
        );
    }
}
