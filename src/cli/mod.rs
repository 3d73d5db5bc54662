//! Command-line parsing and wiring: which store, who is acting, which command. No rules here.

/// `println!` for commands: stdout that has gone away (the reader of a pipe closed it, as
/// `mingdan audit | head -1` does) ends the command quietly with `StdoutClosed` instead of the
/// panic `println!` gives; any other write failure is an error naming stdout.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::cli::stdout_failed)?
    }};
}

mod backend;
mod commands;
mod progress;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, Subcommand, ValueEnum};

use crate::domain::{JobRole, OutletId, StaffNo};
use crate::service::{Api, Service, Session, SystemClock};
use crate::tui::{Lang, TuiOptions};

#[derive(Parser)]
#[command(name = "mingdan", version, about = "名单制客户维护工作台 / roster workbench for branch staff")]
pub struct Cli {
    /// 数据库目录（默认在用户数据目录下）
    #[arg(long, env = "MINGDAN_STORE", global = true)]
    pub store: Option<PathBuf>,
    /// 配色方案：default、light、high-contrast、mono，或 themes/ 下的文件名
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// 界面语言：zh（默认）或 en
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// 启用鼠标（滚轮翻动列表）；启用后终端的鼠标选择复制需按住 Shift
    #[arg(long, global = true)]
    pub mouse: bool,
    /// 以某个工号登录（只用于演示数据库）
    #[arg(long = "as", global = true, value_name = "工号")]
    pub as_staff: Option<String>,
    /// 支行服务器的套接字（默认 /run/mingdan/mingdan.sock；存在时自动连接服务器）
    #[arg(long, env = "MINGDAN_SOCKET", global = true, value_name = "路径")]
    pub socket: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// 打开演示支行（首次运行时生成）
    Demo {
        /// 演示客户数
        #[arg(long, default_value_t = 5000)]
        clients: u32,
        /// 删除已有的演示数据库，重新生成
        #[arg(long)]
        fresh: bool,
    },
    /// 新建数据库，并把当前系统用户设为第一位管理员
    Init {
        #[arg(long, value_name = "工号")]
        no: String,
        #[arg(long, value_name = "姓名")]
        name: String,
        #[arg(long, value_name = "网点")]
        outlet: String,
        /// 管理员的岗位；默认“系统管理员”，没有名单配额（填有配额的岗位则计入该岗位的配额）
        #[arg(long, value_name = "岗位", default_value = JobRole::SYSTEM_ADMIN)]
        role: String,
        /// 管理员的系统登录名（默认为当前用户；在服务器上以服务账户初始化时填管理员本人的）
        #[arg(long, value_name = "登录名")]
        login: Option<String>,
    },
    /// 作为支行服务器运行：独占数据库，通过套接字为所有登录的员工服务（见 docs/DEPLOY.md）
    Serve {
        /// 允许连接的用户组；套接字设为该组可读写（0660）
        #[arg(long, value_name = "用户组")]
        group: Option<String>,
        /// 同时打开的连接总数上限
        #[arg(long, value_name = "个数", default_value_t = crate::server::limits::DEFAULT_CONNECTIONS)]
        max_connections: usize,
        /// 每个系统账户同时打开的连接上限（须小于总数上限）
        #[arg(long, value_name = "个数", default_value_t = crate::server::limits::DEFAULT_CONNECTIONS_PER_UID)]
        max_connections_per_user: usize,
        /// 正在接收的请求可占用的内存总上限，单位 MiB
        #[arg(long, value_name = "MiB", default_value_t = crate::server::limits::DEFAULT_BUFFERED >> 20)]
        max_request_memory: usize,
        /// 每个系统账户正在接收的请求可占用的内存上限，单位 MiB（须小于总上限；低于 64 时最大的导入会被拒绝）
        #[arg(long, value_name = "MiB", default_value_t = crate::server::limits::DEFAULT_BUFFERED_PER_UID >> 20)]
        max_request_memory_per_user: usize,
    },
    /// 从备份文件恢复数据库（须先停止服务器）；原数据库改名保留
    Restore {
        #[arg(required_unless_present_any = ["finish", "rollback"])]
        file: Option<PathBuf>,
        /// 只检查备份文件是否完好，不恢复
        #[arg(long, conflicts_with_all = ["finish", "rollback"])]
        check: bool,
        /// 完成一次被中断的恢复：把已检查过的恢复副本换到原位
        #[arg(long, conflicts_with_all = ["file", "rollback"])]
        finish: bool,
        /// 撤销一次被中断的恢复：删除恢复副本，把原数据库放回原位
        #[arg(long, conflicts_with = "file")]
        rollback: bool,
        /// 允许恢复另一个数据库（另一个支行或演示数据库）的备份
        #[arg(long)]
        other_branch: bool,
        /// 加密备份的私钥文件（age-keygen 生成的 AGE-SECRET-KEY-1…，与备份接收人公钥配对）
        #[arg(long, value_name = "私钥文件", conflicts_with_all = ["finish", "rollback"])]
        identity: Option<PathBuf>,
    },
    #[command(flatten)]
    Work(WorkCommand),
}

#[derive(Subcommand)]
pub enum RecipientsCommand {
    /// 列出备份接收人
    List,
    /// 增加一个备份接收人（age 公钥 age1…）
    Add { key: String },
    /// 去掉一个备份接收人
    Remove { key: String },
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// 把数据密钥加密给备份接收人（或 --recipient）写到文件，离线保存
    Export {
        /// 输出文件
        #[arg(long)]
        out: PathBuf,
        /// 加密给这个 age 公钥（可重复），代替支行设置的接收人
        #[arg(long = "recipient", value_name = "公钥")]
        recipients: Vec<String>,
        /// 覆盖已有的输出文件；目标是符号链接时，用新文件替换这个链接。不加则拒绝
        #[arg(long)]
        force: bool,
    },
    /// 从加密的密钥备份恢复数据密钥文件（须先停止服务器；已有密钥文件时拒绝）
    Import {
        file: PathBuf,
        /// 与备份接收人公钥配对的 age 私钥文件
        #[arg(long, value_name = "私钥文件")]
        identity: PathBuf,
    },
}

/// Commands that act as a staff member on an existing store.
#[derive(Subcommand)]
pub enum WorkCommand {
    /// 员工名录
    #[command(subcommand)]
    Staff(StaffCommand),
    /// 所有员工保存的联系草稿（仅管理员）
    #[command(subcommand)]
    Drafts(DraftsCommand),
    /// 从 CSV 或 Excel 工作簿导入（UTF-8、GBK、UTF-16 文本，或 .xlsx/.xls）；有任何错误行则什么都不导入
    Import {
        what: ImportKind,
        file: PathBuf,
        /// 只检查，不写入；列出将发生的变更
        #[arg(long)]
        dry_run: bool,
        /// 工作簿中要导入的工作表（默认第一张）
        #[arg(long, value_name = "工作表")]
        sheet: Option<String>,
        /// 允许文件中出现的新网点（可重复）；不在员工名录中的网点默认拒绝
        #[arg(long = "new-outlet", value_name = "网点")]
        new_outlets: Vec<String>,
        /// 把全部问题、说明和变更写入这个 CSV 文件
        #[arg(long, value_name = "文件")]
        report: Option<PathBuf>,
    },
    /// 导出为 CSV（带 BOM，Excel 可直接打开）；文件名为 - 时写到标准输出
    Export {
        what: ExportKind,
        file: PathBuf,
        /// 只导出某位员工的名单
        #[arg(long, value_name = "工号")]
        of: Option<String>,
        /// 联系记录的起始日期（含），如 2026-10-01
        #[arg(long)]
        from: Option<String>,
        /// 联系记录的结束日期（含）
        #[arg(long)]
        to: Option<String>,
        /// 不遮蔽证件号、手机号和资产（仅管理员，会记录审计）
        #[arg(long)]
        unmasked: bool,
        /// 目标是符号链接时，用新文件替换这个链接（链接指向的文件不受影响）；不加则拒绝
        #[arg(long)]
        force: bool,
    },
    /// 报表：覆盖情况、成效、员工绩效或联系记录，写成 Excel（.xlsx）或 CSV
    Report {
        what: ReportWhat,
        /// 季度，如 2026Q3（默认本季度）
        #[arg(long)]
        period: Option<String>,
        /// 输出文件：以 .xlsx 或 .csv 结尾；- 表示以 CSV 写到标准输出
        #[arg(long)]
        out: PathBuf,
        /// 目标是符号链接时，用新文件替换这个链接（链接指向的文件不受影响）；不加则拒绝
        #[arg(long)]
        force: bool,
    },
    /// 全行个人客户数（金卡以上客户占比的分母，取自核心系统月报）：不带参数时列出已录入的；
    /// 给出月份和人数则录入或更正该月的数字（仅支行级管理者，记录审计）
    BranchTotal {
        /// 月份，如 2026-11
        #[arg(value_name = "月份")]
        month: Option<String>,
        /// 该月末全行个人客户数，如 412000
        #[arg(value_name = "人数")]
        clients: Option<String>,
        /// 同月末核心系统的金卡以上客户数（没有年初或去年同期快照时作为增长的基数）
        #[arg(long = "gold-plus", value_name = "人数")]
        gold_plus: Option<String>,
        /// 数字的来源
        #[arg(long, value_name = "来源", default_value = "核心系统月报")]
        source: String,
    },
    /// 搜索客户（姓名、拼音、首字母、手机号、客户号、证件号后几位），结果与搜索框相同、已遮蔽；
    /// 每位客户一行，Tab 分隔，首行为表头；会记录审计（导出 搜索结果）
    Search {
        query: String,
        /// 最多列出几位（默认 50，最多 500）
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// 投诉服务时限：不带参数时列出各严重程度每个环节（受理/分类/调查/处理/反馈）的工作日数；
    /// 给出严重程度和五个数则修改（仅支行级管理者，记录审计；已开始的环节截止日不变）
    ServiceLevels {
        /// 一般、严重 或 非常严重
        #[arg(value_name = "严重程度")]
        severity: Option<String>,
        /// 五个环节的工作日数，如 1/1/3/3/2（0 表示当天）
        #[arg(value_name = "天数")]
        days: Option<String>,
    },
    /// 投诉：complaints list 列出您可见的投诉，每条一行，Tab 分隔，首行为表头
    #[command(subcommand)]
    Complaints(ComplaintsCommand),
    /// 检查数据库的完整性
    Check,
    /// 备份整个数据库到文件（服务器运行时也可以；仅管理员）；给出目录则按时间命名。
    /// 默认加密给支行设置的备份接收人（mingdan recipients）
    Backup {
        file: PathBuf,
        /// 目标是符号链接时，用新文件替换这个链接（链接指向的文件不受影响）；不加则拒绝
        #[arg(long)]
        force: bool,
        /// 这次备份加密给这个 age 公钥（age1…，可重复），代替支行设置的接收人
        #[arg(long = "recipient", value_name = "公钥")]
        recipients: Vec<String>,
        /// 不加密（备份文件含全部客户信息的明文；会记入审计）
        #[arg(long, conflicts_with = "recipients")]
        plaintext: bool,
    },
    /// 支行的备份接收人：备份和数据密钥加密给这些 age 公钥（私钥不放在服务器上；仅管理员）
    #[command(subcommand)]
    Recipients(RecipientsCommand),
    /// 数据密钥（加密客户敏感信息的密钥，在数据库旁的 .key 文件）的备份与恢复
    #[command(subcommand)]
    Key(KeyCommand),
    /// 查看审计记录；audit verify 核对审计链与封存，audit seal-init 启用封存
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        sub: Option<AuditCommand>,
        /// 操作人工号
        #[arg(long, value_name = "工号")]
        who: Option<String>,
        /// 操作，如 导出、查看敏感信息、记录联系
        #[arg(long)]
        action: Option<String>,
        /// 对象，如客户号或文件名
        #[arg(long)]
        target: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// 逐条核对审计链（指出第一条被修改、删除、插入或调换的记录）；给出 --key 时再用验证密钥核对每一期的封存（仅管理员）
    Verify {
        /// seal-init 打印的验证密钥（整行，MINGDAN-SEAL-1: 开头）
        #[arg(long, value_name = "验证密钥")]
        key: Option<String>,
    },
    /// 启用审计封存（仅管理员，只能一次）：打印验证密钥和二维码，请离线保存
    SealInit {
        /// 每一期的分钟数
        #[arg(long, default_value_t = 15, value_name = "分钟")]
        epoch_minutes: u64,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// 添加或修改一位员工（修改离职员工即恢复为在职）
    Add {
        #[arg(long, value_name = "工号")]
        no: String,
        #[arg(long, value_name = "姓名")]
        name: String,
        #[arg(long, value_name = "岗位")]
        role: String,
        #[arg(long, value_name = "网点")]
        outlet: String,
        /// 系统登录名（修改已有员工时不填则不变）
        #[arg(long)]
        login: Option<String>,
        /// 员工、管理者或管理员（新员工默认为员工；修改已有员工时不填则不变）
        #[arg(long)]
        permission: Option<String>,
        /// 管理范围：本网点或全支行（新员工默认网点负责人为本网点、其他岗位为全支行；修改已有员工时不填则不变）
        #[arg(long, value_name = "范围")]
        scope: Option<String>,
    },
    /// 列出员工
    List,
}

#[derive(Subcommand)]
pub enum ComplaintsCommand {
    /// 列出投诉（默认全部可见的；超时的排在前面）
    List {
        /// 只列未办结的
        #[arg(long)]
        open: bool,
        /// 只列当前环节已超过时限的
        #[arg(long, conflicts_with = "open")]
        overdue: bool,
        /// 只列该季度受理或办结的，如 2026Q4
        #[arg(long, conflicts_with_all = ["open", "overdue"])]
        period: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum DraftsCommand {
    /// 列出每位员工保存的联系草稿，包括无法读取的
    List,
    /// 丢弃某位员工的联系草稿：全部，或只丢弃某位客户的（即使无法读取；每份记录一条审计）
    Discard {
        #[arg(value_name = "工号")]
        no: String,
        /// 只丢弃这位客户的草稿
        #[arg(value_name = "客户号")]
        client: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ImportKind {
    Staff,
    Clients,
    Holdings,
    Contacts,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ReportWhat {
    Coverage,
    Results,
    /// 员工绩效
    Performance,
    Contacts,
    /// 投诉与服务质量
    Complaints,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportKind {
    Roster,
    Contacts,
}

/// The reader of stdout went away; the command has nothing left to do. `main` exits 0 on it:
/// `mingdan audit | head -1` got what it asked for.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("标准输出已关闭")
    }
}

impl std::error::Error for StdoutClosed {}

/// A failed write to stdout as the error a command returns (see `say!`).
pub(crate) fn stdout_failed(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow!("无法写入标准输出：{}", crate::os::io_reason(&e))
    }
}

/// True when `e` (from `main`) only says stdout went away.
pub fn is_stdout_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<StdoutClosed>())
}

/// The line `main` prints for a failed command, in the `--lang` chosen: the causes joined as
/// `{:#}` joins them, each refused request (`ServiceError`) in that language. Chinese is the
/// `{:#}` text itself.
pub fn error_line(e: &anyhow::Error, lang: Option<Lang>) -> String {
    match lang.unwrap_or_default() {
        Lang::Zh => format!("mingdan：{e:#}"),
        Lang::En => {
            let causes: Vec<String> = e
                .chain()
                .map(|c| match c.downcast_ref::<crate::service::ServiceError>() {
                    Some(s) => s.render(Lang::En),
                    None => c.to_string(),
                })
                .collect();
            format!("mingdan: {}", causes.join(": "))
        }
    }
}

fn data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "mingdan")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| anyhow!("找不到用户数据目录，请用 --store 指定数据库目录"))
}

/// Opens the store at `path`. What opening had to put right (damaged snapshot files moved
/// aside) goes to stderr: the user's terminal, or the journal under `serve`.
///
/// The search index is not built unless the command searches (the TUI and `serve` start it at
/// once, `search` on its first query): a command that never searches does not read and index
/// every client first.
fn open(path: &std::path::Path) -> Result<Arc<Service>> {
    let service = Service::open_lazy(path, Arc::new(SystemClock))?;
    for notice in service.open_notices() {
        eprintln!("{} mingdan：注意：{notice}", crate::os::branch_now().format("%Y-%m-%d %H:%M:%S"));
    }
    Ok(Arc::new(service))
}

/// For `init` and `demo`, the only commands that make a new store.
fn create(path: &std::path::Path) -> Result<Arc<Service>> {
    Ok(Arc::new(Service::create(path, Arc::new(SystemClock))?))
}

/// The staff member a session acts as: `--as` on a demo store, else the OS login.
fn actor(service: &Service, as_staff: Option<&str>) -> Result<StaffNo> {
    let demo = service.demo_user()?;
    match (as_staff, demo) {
        (Some(no), Some(_)) => Ok(StaffNo::parse(no).map_err(|e| anyhow!("--as：{e}"))?),
        (None, Some(default)) => Ok(default),
        (Some(_), None) => Err(anyhow!("--as 只能用于演示数据库；真实数据库按系统登录名识别员工")),
        (None, None) => {
            let login = crate::os::os_login().map_err(|e| anyhow!(e))?;
            Ok(service.staff_for_login(&login)?.no)
        }
    }
}

/// Reads the command line. Help and `--version` print as clap writes them; a mistake is told in a
/// Chinese sentence naming the argument and what to do, with the usage line, and exits with 2 —
/// clap's own English ("unexpected argument '-5' found") is not for a teller.
pub fn parse_args() -> Cli {
    use clap::error::ErrorKind;
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        Err(e) => {
            eprintln!("mingdan：{}", args_error(&e));
            if let Some(clap::error::ContextValue::StyledStr(usage)) = e.get(clap::error::ContextKind::Usage)
            {
                let usage = usage.to_string();
                eprintln!("用法：{}", usage.trim().trim_start_matches("Usage:").trim());
            }
            eprintln!("mingdan --help 列出所有命令；mingdan 命令 --help 列出该命令的参数。");
            std::process::exit(2);
        }
    }
}

/// A command-line mistake as a Chinese sentence (`parse_args`).
fn args_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("、"),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    match e.kind() {
        ErrorKind::UnknownArgument
            if arg.starts_with('-') && arg[1..].chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("“{arg}”是负数，这里不能用负数；请写 0 或正数")
        }
        ErrorKind::UnknownArgument => format!("不认识参数“{arg}”；请检查拼写"),
        ErrorKind::InvalidSubcommand => format!("没有“{}”这个命令", text(ContextKind::InvalidSubcommand)),
        ErrorKind::MissingRequiredArgument => format!("缺少必须给出的参数：{arg}"),
        ErrorKind::MissingSubcommand => "缺少子命令".to_string(),
        ErrorKind::InvalidValue => {
            let valid = text(ContextKind::ValidValue);
            if valid.is_empty() {
                format!("{arg} 的值“{value}”不对")
            } else {
                format!("{arg} 的值“{value}”不对；可以是：{valid}")
            }
        }
        ErrorKind::ValueValidation => format!("{arg} 的值“{value}”不对；请写一个整数"),
        ErrorKind::ArgumentConflict if arg.is_empty() => {
            format!("多出的参数不能和 {} 一起用；请检查命令", text(ContextKind::PriorArg))
        }
        ErrorKind::ArgumentConflict => format!("{arg} 不能和 {} 一起用", text(ContextKind::PriorArg)),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => format!("参数太多：“{value}”"),
        _ => "命令行参数不对".to_string(),
    }
}

/// On leaving the app on the embedded store: keeps the search index for the next start
/// (`Service::keep_search_index`). A failure costs only that start's rebuild, so it is said and
/// the exit goes on.
fn keep_search_index(service: &Service) {
    if let Err(e) = service.keep_search_index() {
        eprintln!("mingdan：{e}；下次启动时将重新建立搜索索引");
    }
}

pub fn main(cli: Cli) -> Result<()> {
    let mut tui =
        TuiOptions { theme: cli.theme.clone(), lang: cli.lang, mouse: cli.mouse, mode: String::new() };
    let store = match &cli.store {
        Some(p) => p.clone(),
        None if matches!(cli.command, Some(Command::Demo { .. })) => data_dir()?.join("demo"),
        None => data_dir()?.join("store"),
    };
    match &cli.command {
        None => {
            let backend = backend::connect(&cli, &store).with_context(|| "无法打开 mingdan".to_string())?;
            backend.start_search();
            tui.mode = backend.label(cli.lang);
            let local = backend.local_service();
            let ran = crate::tui::run(backend.into_shared(), tui);
            if let Some(service) = local {
                keep_search_index(&service);
            }
            ran
        }
        Some(Command::Demo { clients, fresh }) => {
            let service = commands::demo(&store, *clients, *fresh)?;
            service.start_search();
            service.housekeep_in_background();
            let me = actor(&service, cli.as_staff.as_deref())?;
            tui.mode = if matches!(cli.lang, Some(Lang::En)) { "demo".into() } else { "演示".into() };
            let ran = crate::tui::run(std::sync::Arc::new(Session::new(service.clone(), me)), tui);
            keep_search_index(&service);
            ran
        }
        Some(Command::Init { no, name, outlet, role, login }) => {
            commands::init(&store, no, name, outlet, role, login.as_deref())
        }
        Some(Command::Serve {
            group,
            max_connections,
            max_connections_per_user,
            max_request_memory,
            max_request_memory_per_user,
        }) => {
            let (socket, _) = backend::socket_of(&cli);
            let limits = crate::server::Limits {
                connections: *max_connections,
                connections_per_uid: *max_connections_per_user,
                buffered: max_request_memory.saturating_mul(1 << 20),
                buffered_per_uid: max_request_memory_per_user.saturating_mul(1 << 20),
            };
            commands::serve(&store, socket, group.clone(), limits)
        }
        Some(Command::Restore { file, check, finish, rollback: _, other_branch, identity }) => {
            let (socket, _) = backend::socket_of(&cli);
            match file {
                Some(file) => commands::restore(
                    &store,
                    &socket,
                    file,
                    commands::RestoreOptions {
                        check_only: *check,
                        other_branch: *other_branch,
                        identity: identity.as_deref(),
                    },
                ),
                None => commands::resolve_restore(&store, &socket, *finish),
            }
        }
        Some(Command::Work(WorkCommand::Key(KeyCommand::Import { file, identity }))) => {
            let (socket, _) = backend::socket_of(&cli);
            commands::key_import(&store, &socket, file, identity)
        }
        Some(Command::Work(_)) => {
            let backend = backend::connect(&cli, &store)?;
            eprintln!("mingdan：{}", backend.describe());
            let Some(Command::Work(work)) = cli.command else { return Ok(()) };
            run_work(backend.api(), work)
        }
    }
}

fn run_work(session: &dyn Api, command: WorkCommand) -> Result<()> {
    match command {
        WorkCommand::Staff(StaffCommand::Add { no, name, role, outlet, login, permission, scope }) => {
            let args = commands::StaffArgs {
                no: &no,
                name: &name,
                role: &role,
                outlet: &outlet,
                login: login.as_deref(),
                permission: permission.as_deref(),
                scope: scope.as_deref(),
            };
            commands::staff_add(session, args)
        }
        WorkCommand::Staff(StaffCommand::List) => commands::staff_list(session),
        WorkCommand::Drafts(DraftsCommand::List) => commands::drafts_list(session),
        WorkCommand::Drafts(DraftsCommand::Discard { no, client }) => {
            commands::drafts_discard(session, &no, client.as_deref())
        }
        WorkCommand::Import { what, file, dry_run, sheet, new_outlets, report } => {
            let new_outlets = new_outlets
                .iter()
                .map(|o| OutletId::parse(o).map_err(|e| anyhow::anyhow!("--new-outlet：{}", e.problem)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            commands::import(
                session,
                commands::ImportArgs {
                    what,
                    file: &file,
                    dry_run,
                    sheet: sheet.as_deref(),
                    new_outlets,
                    report: report.as_deref(),
                },
            )
        }
        WorkCommand::Export { what, file, of, from, to, unmasked, force } => commands::export(
            session,
            what,
            commands::Output { path: &file, force },
            of.as_deref(),
            from.as_deref(),
            to.as_deref(),
            unmasked,
        ),
        WorkCommand::Report { what, period, out, force } => {
            commands::report(session, what, period.as_deref(), commands::Output { path: &out, force })
        }
        WorkCommand::BranchTotal { month, clients, gold_plus, source } => commands::branch_total(
            session,
            month.as_deref(),
            clients.as_deref(),
            gold_plus.as_deref(),
            &source,
        ),
        WorkCommand::Search { query, limit } => commands::search(session, query, limit),
        WorkCommand::Complaints(ComplaintsCommand::List { open, overdue, period }) => {
            commands::complaints_list(session, open, overdue, period.as_deref())
        }
        WorkCommand::ServiceLevels { severity, days } => {
            commands::service_levels(session, severity.as_deref(), days.as_deref())
        }
        WorkCommand::Check => commands::check(session),
        WorkCommand::Backup { file, force, recipients, plaintext } => {
            commands::backup(session, commands::Output { path: &file, force }, recipients, plaintext)
        }
        WorkCommand::Recipients(what) => commands::recipients(session, what),
        WorkCommand::Key(KeyCommand::Export { out, recipients, force }) => {
            commands::key_export(session, commands::Output { path: &out, force }, recipients)
        }
        // Handled in `main` before any backend: the store may not open without its key.
        WorkCommand::Key(KeyCommand::Import { .. }) => Ok(()),
        WorkCommand::Audit { sub: Some(AuditCommand::Verify { key }), .. } => {
            commands::audit_verify(session, key)
        }
        WorkCommand::Audit { sub: Some(AuditCommand::SealInit { epoch_minutes }), .. } => {
            commands::seal_init(session, epoch_minutes)
        }
        WorkCommand::Audit { sub: None, who, action, target, from, to, limit } => {
            commands::audit(session, who, action.as_deref(), target, from.as_deref(), to.as_deref(), limit)
        }
    }
}
