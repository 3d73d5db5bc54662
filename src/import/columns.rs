//! One list of columns per record. Each entry names the headers that mean it, how its cell is
//! read and where it goes, and how an export writes it; the importers, the exports and the table
//! in docs/IMPORT.md all come from these lists, so adding a field is one entry.

use chrono::NaiveDate;

use super::cells::{self, Unit};
use super::grid::RawCell;
use super::grid::RawRow;
use super::sheet::{DataRows, Header, Rows, find_header};
use crate::domain::Contact;
use crate::domain::client::display_permille;
use crate::domain::contact::{Channel, Outcome, Purpose};
use crate::domain::mask::{asset_band, mask_id, mask_phone};
use crate::domain::{
    CardTier, Client, ClientClass, ClientStatus, Field, Gender, Invalid, JobRole, Login, OutletId,
    Permission, Scope, Segment, Staff,
};
use crate::service::ContactRecord;
use crate::service::imports::{ClientRecord, StaffRecord};
use crate::service::views::RowProblem;

/// How a column is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Identifies the record (客户号, 工号): the header row is the one naming it, every row needs it.
    Key,
    /// Every row needs it.
    Always,
    /// A new record needs it; an existing one keeps what it has when the cell is empty.
    ForNew,
    Optional,
    /// Written by exports from other data (缺项, 最近联系): recognised on import and ignored.
    Computed,
}

impl Need {
    fn label(self) -> &'static str {
        match self {
            Need::Key | Need::Always => "是",
            Need::ForNew => "新记录必填",
            Need::Optional => "否",
            Need::Computed => "导出时计算，导入时忽略",
        }
    }
}

/// Numbers whose reading depends on the column, not the cell alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Plain,
    /// An amount in the unit its header (or a `单位：万元` line) names; 元 when none.
    Amount,
    /// A share: `85%`, `0.853`, or `85.3` in a column of percentages.
    Ratio,
}

/// How a column's bare numbers are shares: decided once per column, so `1` cannot mean 100% in
/// one row and 1% in the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatioScale {
    /// Every bare number is at most 1: fractions (`0.853` = 85.3%).
    Fraction,
    /// The header says `%`: bare numbers are percentages (`0.5` = 0.5%).
    PercentByHeader,
    /// Some bare number is above 1: the column is in percentages, and a bare `1` is ambiguous
    /// (1% or 100%?) and refused.
    PercentByValues,
}

/// What a cell is read with, besides its text.
#[derive(Debug, Clone, Copy)]
pub struct Cx {
    /// The unit the column's header names (`日均金融资产（万元）`).
    pub unit: Unit,
    /// Dates after this (a birth date, a sticker date) are refused.
    pub today: NaiveDate,
    pub ratio: RatioScale,
}

/// Reads one non-empty cell into the draft record.
pub type ReadCell<D> = fn(&mut D, &str, &Cx) -> Result<(), Invalid>;

/// One column of an import file and of the matching export.
pub struct Column<D, V> {
    /// Accepted header names; the first is what exports write and the docs list first.
    pub names: &'static [&'static str],
    /// Names that mean this column only when no other column of the file claims them: 维护人
    /// is the 工号 column in a file without 维护人工号, and the maintainer's name beside it.
    pub fallback: &'static [&'static str],
    pub need: Need,
    /// Masked in exports unless unmasked; a column whose every value is masked is ignored on
    /// import (it is our own masked export), a single masked value refused.
    pub sensitive: bool,
    /// What kind of number the column holds, when its header or its other rows decide how a
    /// cell is read.
    pub kind: Kind,
    /// What the docs say about the value.
    pub doc: &'static str,
    pub read: Option<ReadCell<D>>,
    /// How an export writes the value; `None`: exports do not carry it.
    pub write: Option<fn(&V) -> String>,
}

impl<D, V> Column<D, V> {
    pub fn all_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names.iter().chain(self.fallback).copied()
    }

    /// The header an export writes.
    pub fn header(&self) -> &'static str {
        self.names.first().or(self.fallback.first()).copied().unwrap_or("")
    }
}

/// A record being read from one row.
pub trait Draft: Default + Clone + PartialEq {
    fn set_line(&mut self, line: u64);
}

/// Records read from a file, every problem found in it, and notes on what was skipped, ignored
/// or decided (title rows, totals, computed columns, a preferred column).
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub problems: Vec<RowProblem>,
    pub notes: Vec<RowProblem>,
}

/// Rows whose share was cut to 0.1% that are named one by one; the rest are counted.
const CUT_NOTES_LISTED: u64 = 20;

/// Reads one data row through `columns`: the draft, or `None` with a problem for each bad cell.
/// `contexts` holds, per column, how its preferred and its second source are read.
fn read_row<D: Draft, V>(
    row: &RawRow,
    columns: &[Column<D, V>],
    header: &Header,
    contexts: &[(Cx, Cx)],
    problems: &mut Vec<RowProblem>,
    notes: &mut Vec<RowProblem>,
    cut: &mut u64,
) -> Option<D> {
    let mut d = D::default();
    d.set_line(row.line);
    let before = problems.len();
    for (ci, col) in columns.iter().enumerate() {
        let Some(src) = &header.sources[ci] else { continue };
        // `=""` or a lone `'` is how Excel writes an empty text cell: empty, so the stored
        // value stays.
        let cell = |at: usize| {
            let t = row.cells.get(at).map(RawCell::text).unwrap_or_default();
            if !t.is_empty() && cells::clean(&t).is_empty() { String::new() } else { t }
        };
        let main = cell(src.at);
        let other = src.also.as_ref().map(|(at, h)| (cell(*at), h.as_str())).filter(|(o, _)| !o.is_empty());
        let Some(read) = col.read else { continue };
        let (cx, also_cx) = (&contexts[ci].0, &contexts[ci].1);
        let mut bad = |reason: String| {
            problems.push(RowProblem { line: row.line, column: col.names[0].to_string(), reason })
        };
        match (main.is_empty(), other) {
            (true, None) => {
                if matches!(col.need, Need::Key | Need::Always) {
                    bad("不能为空".into());
                }
            }
            (true, Some((o, _))) => {
                if let Err(e) = read(&mut d, &o, also_cx) {
                    bad(e.problem.to_string());
                }
            }
            (false, None) => {
                if let Err(e) = read(&mut d, &main, cx) {
                    bad(e.problem.to_string());
                } else if col.kind == Kind::Ratio
                    && let Ok((p, true)) = ratio_exact(&main, cx.ratio)
                {
                    // Stored to 0.1%, cut rather than rounded so a threshold is never passed by
                    // rounding up; the row says what was kept (the first rows; then a count).
                    *cut += 1;
                    if *cut <= CUT_NOTES_LISTED {
                        notes.push(RowProblem {
                            line: row.line,
                            column: col.names[0].to_string(),
                            reason: format!(
                                "“{}”比 0.1% 更细，按 0.1% 记为 {}（多出的小数舍去，不四舍五入）",
                                main.trim(),
                                crate::domain::client::display_permille(p)
                            ),
                        });
                    }
                }
            }
            (false, Some((o, header))) => {
                let mut alt = d.clone();
                match (read(&mut d, &main, cx), read(&mut alt, &o, also_cx)) {
                    (Err(e), _) => bad(e.problem.to_string()),
                    (Ok(()), Ok(())) if alt != d => {
                        bad(format!("“{main}”与“{header}”列的“{o}”不一致，请核对后只保留一个"))
                    }
                    _ => {}
                }
            }
        }
    }
    let beyond: Vec<String> =
        row.cells.iter().skip(header.width).map(RawCell::text).filter(|t| !t.is_empty()).collect();
    if !beyond.is_empty() {
        problems.push(RowProblem {
            line: row.line,
            column: String::new(),
            reason: format!(
                "这一行比表头多出 {} 格（“{}”），各格可能错了位（多了一个逗号？）；请核对这一行",
                beyond.len(),
                beyond.join("”“")
            ),
        });
    }
    (problems.len() == before).then_some(d)
}

/// What reading a file row by row found besides its records: every problem, the notes on what
/// was skipped, ignored or decided, and the problem that stopped the reading, if one did (a
/// quote never closed, an unreadable byte: nothing after it can be read).
#[derive(Debug, Default)]
pub struct ReadReport {
    pub problems: Vec<RowProblem>,
    pub notes: Vec<RowProblem>,
    pub stopped: Option<RowProblem>,
}

/// Reads a file's rows through `columns`, handing each good record to `each` as it is read, so
/// that only one row is in memory at a time. `open` gives the rows from the start; it is called
/// a second time when something only the whole column decides matters (see `survey`). A row
/// with any bad cell is not handed on; each bad cell is a problem naming its row and column. A
/// unit that cannot be decided (see `declared_unit`) refuses the file before any row is read.
pub fn read_each<'a, D: Draft, V>(
    open: &dyn Fn() -> Rows<'a>,
    columns: &[Column<D, V>],
    today: NaiveDate,
    each: &mut dyn FnMut(D),
) -> ReadReport {
    let mut report = ReadReport::default();
    let mut rows = open();
    let mut header = match find_header(&mut rows, columns) {
        Ok(h) => h,
        Err(problems) => {
            report.problems = problems;
            return report;
        }
    };
    let mut notes = std::mem::take(&mut header.notes);
    let needs = Needs::of(&header, columns);
    let whole = if needs.any() { survey(open(), columns, &needs) } else { Survey::default() };
    let mut masked_notes = Vec::new();
    for (ci, first) in &whole.masked {
        let col = &columns[*ci];
        masked_notes.push(RowProblem {
            line: header.line,
            column: col.names[0].to_string(),
            reason: format!("整列是遮蔽后的值（如“{first}”），已忽略：不会用它覆盖已有的{}", col.names[0]),
        });
        header.sources[*ci] = None;
    }
    let mut problems = Vec::new();
    let mut contexts: Vec<(Cx, Cx)> = Vec::with_capacity(columns.len());
    for (ci, col) in columns.iter().enumerate() {
        let base = Cx { unit: Unit::Yuan, today, ratio: RatioScale::Fraction };
        let Some(src) = &header.sources[ci] else {
            contexts.push((base, base));
            continue;
        };
        let mut cx_of = |head: &str, at: usize| -> Cx {
            let mut cx = base;
            match col.kind {
                Kind::Plain => {}
                Kind::Amount => match cells::header_unit(head) {
                    Ok(Some(u)) => cx.unit = u,
                    Ok(None) => {
                        cx.unit = declared_unit(&header, &whole, col, &mut notes, &mut problems);
                    }
                    Err(word) => problems.push(RowProblem {
                        line: header.line,
                        column: col.names[0].to_string(),
                        reason: format!(
                            "表头“{head}”的单位“{word}”无法换算：mingdan 记的是人民币元；请换算成人民币后把表头写成（元）或（万元）"
                        ),
                    }),
                },
                Kind::Ratio => {
                    cx.ratio = if percent_header(head) {
                        RatioScale::PercentByHeader
                    } else if whole.above_one.contains(&at) {
                        RatioScale::PercentByValues
                    } else {
                        RatioScale::Fraction
                    };
                }
            }
            cx
        };
        let main = cx_of(&src.header, src.at);
        let also = src.also.as_ref().map_or(main, |(at, h)| cx_of(h, *at));
        contexts.push((main, also));
    }
    if !problems.is_empty() {
        notes.append(&mut masked_notes);
        report.problems = problems;
        report.notes = notes;
        return report;
    }
    let mut data = DataRows::new(&header);
    let mut cut = 0u64;
    let ahead = std::mem::take(&mut header.ahead).into_iter().map(Ok);
    for row in ahead.chain(rows) {
        let row = match row {
            Ok(row) => row,
            Err(p) => {
                report.stopped = Some(p);
                break;
            }
        };
        if data.is_data(&row, &mut notes)
            && let Some(d) =
                read_row(&row, columns, &header, &contexts, &mut report.problems, &mut notes, &mut cut)
        {
            each(d);
        }
    }
    if let Err(p) = data.finish(header.line, &mut notes) {
        report.problems = vec![p];
        return report;
    }
    if cut > CUT_NOTES_LISTED {
        notes.push(RowProblem::new(
            header.line,
            "自办业务比例",
            format!("另有 {} 行的比例比 0.1% 更细，同样按 0.1% 舍去多出的小数", cut - CUT_NOTES_LISTED),
        ));
    }
    notes.append(&mut masked_notes);
    report.notes = notes;
    report
}

/// A share column whose header says its numbers are percentages.
fn percent_header(header: &str) -> bool {
    header.contains(['%', '％']) || header.contains("百分")
}

/// What of the file only its whole columns decide, and so needs a read before its rows are read.
#[derive(Default)]
struct Needs {
    /// Sensitive columns (cell index, column index): dropped if every value is masked.
    masked: Vec<(usize, usize)>,
    /// Cell indexes of share columns whose header does not say `%`: a bare number above 1
    /// anywhere makes the column percentages.
    ratio: Vec<usize>,
    /// An amount column names no unit and no title line does: a `单位：` footer matters.
    footer: bool,
}

impl Needs {
    fn of<D, V>(header: &Header, columns: &[Column<D, V>]) -> Needs {
        let mut needs = Needs::default();
        for (ci, col) in columns.iter().enumerate() {
            let Some(src) = &header.sources[ci] else { continue };
            let read_from = std::iter::once((src.at, src.header.as_str()))
                .chain(src.also.as_ref().map(|(at, h)| (*at, h.as_str())));
            for (at, head) in read_from {
                match col.kind {
                    Kind::Ratio if !percent_header(head) => needs.ratio.push(at),
                    Kind::Amount => {
                        needs.footer |= header.title_unit.is_none() && cells::header_unit(head) == Ok(None);
                    }
                    _ => {}
                }
            }
            if col.sensitive {
                needs.masked.push((src.at, ci));
            }
        }
        needs
    }

    fn any(&self) -> bool {
        !self.masked.is_empty() || !self.ratio.is_empty() || self.footer
    }
}

/// What a read of the data rows decided about whole columns.
#[derive(Default)]
struct Survey {
    /// Sensitive columns (column index) every value of which is masked, with the first value.
    masked: Vec<(usize, String)>,
    /// Cell indexes of share columns holding a bare number above 1.
    above_one: Vec<usize>,
    /// The last `单位：` footer line below the data, with its row.
    footer_unit: Option<(String, u64)>,
}

/// Reads the data rows of `rows` only as far as it takes to decide what `needs` asks, holding
/// one row at a time: in a real register an unmasked value comes in the first row, and a share
/// in percentages soon; a column of fractions or of `85%`, and a footer unit, take the whole
/// file. A problem reading ends it; the read proper meets the same problem and reports it.
fn survey<D, V>(mut rows: Rows<'_>, columns: &[Column<D, V>], needs: &Needs) -> Survey {
    let mut out = Survey::default();
    let Ok(h) = find_header(&mut rows, columns) else { return out };
    // Per sensitive column: its first value, while every value so far is masked.
    let mut masked: Vec<(usize, usize, Option<String>)> =
        needs.masked.iter().map(|(at, ci)| (*at, *ci, None)).collect();
    let mut ratio = needs.ratio.clone();
    let mut data = DataRows::new(&h);
    let mut ignored = Vec::new();
    for row in h.ahead.into_iter().map(Ok).chain(rows) {
        if masked.is_empty() && ratio.is_empty() && !needs.footer {
            break;
        }
        let Ok(row) = row else { break };
        if !data.is_data(&row, &mut ignored) {
            ignored.clear();
            continue;
        }
        masked.retain_mut(|(at, _, first)| {
            let Some(cell) = row.cells.get(*at).filter(|c| !c.is_blank()) else { return true };
            let text = cell.text();
            if !cells::is_masked(&text) {
                return false;
            }
            first.get_or_insert(text);
            true
        });
        ratio.retain(|at| {
            let above = row.cells.get(*at).is_some_and(|c| bare_number(&c.text()).is_some_and(|v| v > 1.0));
            if above {
                out.above_one.push(*at);
            }
            !above
        });
    }
    out.masked = masked.into_iter().filter_map(|(_, ci, first)| first.map(|f| (ci, f))).collect();
    out.footer_unit = data.footer_unit;
    out
}

/// The unit of an amount column whose header names none: a `单位：万元` title line above the
/// header is applied with a note; one only below the data (a footer) is too easy to miss and is
/// refused, asking for the unit in the header.
fn declared_unit<D, V>(
    header: &Header,
    whole: &Survey,
    col: &Column<D, V>,
    notes: &mut Vec<RowProblem>,
    problems: &mut Vec<RowProblem>,
) -> Unit {
    let mut refuse = |line: u64, reason: String| {
        problems.push(RowProblem { line, column: col.names[0].to_string(), reason });
        Unit::Yuan
    };
    if let Some((word, line)) = &header.title_unit {
        return match cells::header_unit(&format!("（{word}）")) {
            Ok(Some(u)) => {
                notes.push(RowProblem {
                    line: *line,
                    column: col.names[0].to_string(),
                    reason: format!("表头没有写单位，按这一行的“单位：{word}”读取"),
                });
                u
            }
            _ => refuse(
                *line,
                format!(
                    "标题中的“单位：{word}”无法换算成人民币元；请换算后把单位写进表头，如“{}（元）”",
                    col.names[0]
                ),
            ),
        };
    }
    if let Some((word, line)) = &whole.footer_unit
        && cells::header_unit(&format!("（{word}）")) != Ok(Some(Unit::Yuan))
    {
        return refuse(
            *line,
            format!(
                "表尾写着“单位：{word}”，但表头没有写单位；请把单位写进表头，如“{}（{word}）”",
                col.names[0]
            ),
        );
    }
    Unit::Yuan
}

/// Finds the header and reads the rows of a file through `columns`.
pub fn parse<D: Draft, V>(rows: Vec<RawRow>, columns: &[Column<D, V>], today: NaiveDate) -> Parsed<D> {
    let mut out = Vec::new();
    let report = read_each(&|| Box::new(rows.iter().cloned().map(Ok)), columns, today, &mut |d| out.push(d));
    Parsed { rows: out, problems: report.problems, notes: report.notes }
}

/// The header row an export writes.
pub fn export_header<D, V>(columns: &[Column<D, V>]) -> Vec<String> {
    columns.iter().filter(|c| c.write.is_some()).map(|c| c.header().to_string()).collect()
}

/// One exported row.
pub fn export_row<D, V>(columns: &[Column<D, V>], value: &V) -> Vec<String> {
    columns.iter().filter_map(|c| c.write.map(|w| w(value))).collect()
}

/// The markdown table of a column list, as docs/IMPORT.md carries it.
pub fn doc_table<D, V>(columns: &[Column<D, V>]) -> String {
    let mut out = String::from("| 列名（第一个为标准名） | 必填 | 说明 |\n|---|---|---|\n");
    for c in columns {
        let mut names: Vec<String> = c.names.iter().map(|n| n.to_string()).collect();
        names.extend(c.fallback.iter().map(|n| {
            if c.names.is_empty() { n.to_string() } else { format!("{n}（没有前面几个列名时）") }
        }));
        out.push_str(&format!("| {} | {} | {} |\n", names.join(" / "), c.need.label(), c.doc));
    }
    out
}

/// A bare decimal number (no `%`), as a share column holds it.
fn bare_number(s: &str) -> Option<f64> {
    let c = cells::clean(s);
    if c.ends_with(['%', '％']) {
        return None;
    }
    c.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A share read by its column's scale. In a column of percentages a bare number below 1 is
/// still a fraction (`0.9` beside `85` is 90%: registers mix the two), but a bare `1` is 1% or
/// 100% and is refused.
fn ratio(s: &str, scale: RatioScale) -> Result<u16, Invalid> {
    ratio_exact(s, scale).map(|(p, _)| p)
}

/// `ratio`, and whether the share written was finer than the 0.1% stored and was cut.
fn ratio_exact(s: &str, scale: RatioScale) -> Result<(u16, bool), Invalid> {
    match (scale, bare_number(s)) {
        (RatioScale::PercentByHeader, Some(_)) => {
            cells::ratio_permille_exact(&format!("{}%", cells::clean(s)))
        }
        (RatioScale::PercentByValues, Some(1.0)) => Err(Invalid::said(
            Field::SelfServiceRatio,
            format!(
                "“{}”是 1% 还是 100%？这一列其他行写的是百分数（如 85），请写明百分号（1% 或 100%）",
                s.trim()
            ),
            format!(
                "is “{}” 1% or 100%? Other rows of this column are percentages (85); write the % sign",
                s.trim()
            ),
        )),
        _ => cells::ratio_permille_exact(s),
    }
}

fn set<T>(slot: &mut Option<T>, v: Result<T, Invalid>) -> Result<(), Invalid> {
    *slot = Some(v?);
    Ok(())
}

fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

// ---------------------------------------------------------------------------------------------
// Staff directory (员工名录)

/// A staff row as read; the service gets a [`StaffRecord`] once the required cells are there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaffDraft {
    pub line: u64,
    pub no: Option<crate::domain::StaffNo>,
    pub name: Option<String>,
    pub role: Option<JobRole>,
    pub outlet: Option<OutletId>,
    pub login: Option<Login>,
    pub permission: Option<Permission>,
    pub scope: Option<Scope>,
    pub active: Option<bool>,
}

impl Draft for StaffDraft {
    fn set_line(&mut self, line: u64) {
        self.line = line;
    }
}

impl StaffDraft {
    /// The record, if every required cell was read.
    pub fn record(self) -> Option<StaffRecord> {
        Some(StaffRecord {
            line: self.line,
            no: self.no?,
            name: self.name?,
            role: self.role?,
            outlet: self.outlet?,
            login: self.login,
            permission: self.permission,
            scope: self.scope,
            active: self.active,
        })
    }
}

fn parse_active(raw: &str) -> Result<bool, Invalid> {
    match cells::clean(raw).as_str() {
        "在职" | "正常" | "启用" => Ok(true),
        "离职" | "停用" | "调离" | "退休" => Ok(false),
        other => cells::yes_no(raw).map_err(|_| {
            Invalid::said(
                Field::Active,
                format!("“{other}”无法识别，应为：在职 / 离职 / 停用（休假、借调等仍算在职，请写“在职”）"),
                format!("“{other}” is not one of 在职 (active) / 离职 (left) / 停用 (disabled); on leave is still 在职"),
            )
        }),
    }
}

fn outlet(raw: &str) -> Result<OutletId, Invalid> {
    OutletId::parse(&cells::clean(raw))
}

pub type StaffColumn = Column<StaffDraft, Staff>;

pub const STAFF_COLUMNS: &[StaffColumn] = &[
    Column {
        names: &["工号", "员工号", "柜员号", "员工编号", "人员编号"],
        fallback: &[],
        need: Need::Key,
        sensitive: false,
        kind: Kind::Plain,
        doc: "Excel 去掉的前导零会按已有工号补回（见下）",
        read: Some(|d, s, _| set(&mut d.no, cells::staff_no(s))),
        write: None,
    },
    Column {
        names: &["姓名", "员工姓名"],
        fallback: &[],
        need: Need::Always,
        sensitive: false,
        kind: Kind::Plain,
        doc: "",
        read: Some(|d, s, _| set(&mut d.name, cells::person_name(s))),
        write: None,
    },
    Column {
        names: &["岗位", "职务", "岗位名称"],
        fallback: &[],
        need: Need::Always,
        sensitive: false,
        kind: Kind::Plain,
        doc: "如 网点负责人、大堂经理、会计主管、柜员、后台管理人员、三农经理、客户经理",
        read: Some(|d, s, _| set(&mut d.role, JobRole::parse(&cells::clean(s)))),
        write: None,
    },
    Column {
        names: &["网点", "所属网点", "网点名称", "机构", "所属机构"],
        fallback: &[],
        need: Need::Always,
        sensitive: false,
        kind: Kind::Plain,
        doc: "员工名录中的网点就是支行的网点；客户名单中的网点须是其中之一",
        read: Some(|d, s, _| set(&mut d.outlet, outlet(s))),
        write: None,
    },
    Column {
        names: &["登录名", "系统账号", "用户名", "login"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "服务器上的系统登录名；mingdan 据此识别是谁在操作",
        read: Some(|d, s, _| set(&mut d.login, Login::parse(&cells::clean(s)))),
        write: None,
    },
    Column {
        names: &["权限", "系统权限"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "员工（默认）、管理者、管理员",
        read: Some(|d, s, _| set(&mut d.permission, Permission::parse(&cells::clean(s)))),
        write: None,
    },
    Column {
        names: &["管理范围", "管理权限范围"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "管理者可分配、移交、发布推介的范围：本网点、全支行；空白时网点负责人为本网点，其他岗位为全支行。只有全支行的管理者能修改配额和规则",
        read: Some(|d, s, _| set(&mut d.scope, Scope::parse(&cells::clean(s)))),
        write: None,
    },
    Column {
        names: &["在职", "状态", "在职状态"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "在职（默认）、离职、停用；名下还有客户的员工不能停用，须先移交",
        read: Some(|d, s, _| set(&mut d.active, parse_active(s))),
        write: None,
    },
];

// ---------------------------------------------------------------------------------------------
// Client register (客户名单) and holdings (持有产品)

impl Draft for ClientRecord {
    fn set_line(&mut self, line: u64) {
        self.line = line;
    }
}

/// A client as an export writes it: the client, the facts computed around it, and whether
/// sensitive fields are written in full.
pub struct ClientOut {
    pub client: Client,
    pub maintainer_name: String,
    /// 缺项: the basic requirements not met, joined with 、.
    pub gaps: String,
    pub unmasked: bool,
}

pub type ClientColumn = Column<ClientRecord, ClientOut>;

const fn client_no_column() -> ClientColumn {
    Column {
        names: &["客户号", "客户编号", "客户号码", "客户代码"],
        fallback: &[],
        need: Need::Key,
        sensitive: false,
        kind: Kind::Plain,
        doc: "`=\"…\"`、末尾的 `.0` 会去掉；Excel 去掉的前导零按已有客户号补回",
        read: Some(|d, s, _| set(&mut d.no, cells::client_no(s))),
        write: Some(|o| o.client.no.to_string()),
    }
}

const fn assets_column() -> ClientColumn {
    Column {
        names: &["日均金融资产", "日均资产", "金融资产", "日均金融资产余额"],
        fallback: &[],
        need: Need::Optional,
        sensitive: true,
        kind: Kind::Amount,
        doc: "元；表头写明（万元）或（亿元）时按该单位换算；可带千分位、¥、元、万；空白表示未知",
        read: Some(|d, s, cx| set(&mut d.assets, cells::amount(s, cx.unit))),
        // An unknown balance leaves the cell empty, never 0 or a band, so importing the file
        // again keeps it unknown.
        write: Some(|o| match o.client.assets {
            Some(a) if o.unmasked => a.display_yuan(),
            Some(a) => asset_band(a).label(),
            None => String::new(),
        }),
    }
}

const fn online_banking_column() -> ClientColumn {
    Column {
        names: &["个人网银", "网银", "是否开通网银"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "是、否（也认 已开通、Y、1、无）",
        read: Some(|d, s, _| set(&mut d.holdings.online_banking, cells::yes_no(s))),
        write: Some(|o| yes(o.client.holdings.online_banking)),
    }
}

const fn shuanglifeng_column() -> ClientColumn {
    Column {
        names: &["双利丰"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "是、否",
        read: Some(|d, s, _| set(&mut d.holdings.shuanglifeng, cells::yes_no(s))),
        write: Some(|o| yes(o.client.holdings.shuanglifeng)),
    }
}

const fn fund_column() -> ClientColumn {
    Column {
        names: &["基金定投", "定投"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "是、否",
        read: Some(|d, s, _| set(&mut d.holdings.fund_auto_invest, cells::yes_no(s))),
        write: Some(|o| yes(o.client.holdings.fund_auto_invest)),
    }
}

const fn wealth_column() -> ClientColumn {
    Column {
        names: &["理财产品数", "理财产品", "持有理财数", "理财"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "持有只数，也可写 有、无",
        read: Some(|d, s, _| set(&mut d.holdings.wealth_products, cells::count(s))),
        write: Some(|o| o.client.holdings.wealth_products.to_string()),
    }
}

const fn self_service_column() -> ClientColumn {
    Column {
        names: &["自办业务比例", "自办比例", "自助比例"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Ratio,
        doc: "85%、85.3 或 0.853；不能超过 100%",
        read: Some(|d, s, cx| set(&mut d.holdings.self_service_permille, ratio(s, cx.ratio))),
        write: Some(|o| display_permille(o.client.holdings.self_service_permille)),
    }
}

const fn computed(
    names: &'static [&'static str],
    fallback: &'static [&'static str],
    write: fn(&ClientOut) -> String,
) -> ClientColumn {
    Column {
        names,
        fallback,
        need: Need::Computed,
        sensitive: false,
        kind: Kind::Plain,
        doc: "",
        read: None,
        write: Some(write),
    }
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub const CLIENT_COLUMNS: &[ClientColumn] = &[
    client_no_column(),
    Column {
        names: &["客户姓名", "姓名", "客户名称"],
        fallback: &[],
        need: Need::ForNew,
        sensitive: false,
        kind: Kind::Plain,
        doc: "最多 60 个字；含“?”的姓名（Excel 存 GBK 时丢了字）会被拒绝",
        read: Some(|d, s, _| set(&mut d.name, cells::person_name(s))),
        write: Some(|o| o.client.name.clone()),
    },
    Column {
        names: &["性别"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "男、女",
        read: Some(|d, s, _| set(&mut d.gender, Gender::parse(&cells::clean(s)))),
        write: Some(|o| {
            if o.client.gender == Gender::Unknown { String::new() } else { o.client.gender.to_string() }
        }),
    },
    Column {
        names: &["手机号码", "手机", "手机号", "移动电话", "联系电话", "电话"],
        fallback: &[],
        need: Need::Optional,
        sensitive: true,
        kind: Kind::Plain,
        doc: "11 位手机号，或带区号的座机（存为 0371-12345678）",
        read: Some(|d, s, _| set(&mut d.phone, cells::phone(s))),
        write: Some(|o| if o.unmasked { o.client.phone.clone() } else { mask_phone(&o.client.phone) }),
    },
    Column {
        names: &["证件号码", "身份证号", "身份证号码", "证件号"],
        fallback: &[],
        need: Need::Optional,
        sensitive: true,
        kind: Kind::Plain,
        doc: "18 位身份证号按 GB 11643 核对校验位；15 位旧身份证、护照、港澳台通行证按各自格式",
        read: Some(|d, s, cx| set(&mut d.id_number, cells::id_number_as_of(s, cx.today))),
        write: Some(|o| if o.unmasked { o.client.id_number.clone() } else { mask_id(&o.client.id_number) }),
    },
    Column {
        names: &["出生日期", "生日"],
        fallback: &[],
        need: Need::Optional,
        sensitive: true,
        kind: Kind::Plain,
        doc: "2026-11-05、2026/11/5、2026年11月5日、Excel 日期；不能晚于今天",
        read: Some(|d, s, cx| set(&mut d.birthday, cells::past_date(s, cx.today))),
        write: Some(|o| match o.client.birthday {
            Some(b) if o.unmasked => b.to_string(),
            Some(b) => format!("****-{}", b.format("%m-%d")),
            None => String::new(),
        }),
    },
    Column {
        names: &["网点", "所属网点", "开户网点", "归属网点", "网点名称", "机构"],
        fallback: &[],
        need: Need::ForNew,
        sensitive: false,
        kind: Kind::Plain,
        doc: "须是员工名录中的网点（“城关支行”与“城关”视为同一网点）；新网点须用 --new-outlet 指明。新客户填了维护人时可不填",
        read: Some(|d, s, _| set(&mut d.outlet, outlet(s))),
        write: Some(|o| o.client.outlet.to_string()),
    },
    Column {
        names: &["卡级别", "客户等级", "卡等级"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "普通卡、金卡、白金卡、钻石卡、私人银行；不填时按日均金融资产和配置的门槛推算",
        read: Some(|d, s, _| set(&mut d.tier, CardTier::parse(&cells::clean(s)))),
        write: Some(|o| o.client.tier.to_string()),
    },
    assets_column(),
    Column {
        names: &["客户分类", "分类"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "关键客户、重要客户、普通客户、潜在客户",
        read: Some(|d, s, _| set(&mut d.class, ClientClass::parse(&cells::clean(s)))),
        write: Some(|o| o.client.class.to_string()),
    },
    Column {
        names: &["客户类型", "名单类型"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "维护、提升、拓展、他行",
        read: Some(|d, s, _| set(&mut d.segment, Segment::parse(&cells::clean(s)))),
        write: Some(|o| o.client.segment.to_string()),
    },
    Column {
        names: &["维护人工号", "管户人工号", "客户经理工号", "维护人员工号"],
        fallback: &["维护人"],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "须是在职员工；变更维护人按“移交”处理并记入审计",
        read: Some(|d, s, _| set(&mut d.maintainer, cells::staff_no(s))),
        write: Some(|o| o.client.maintainer.as_ref().map(ToString::to_string).unwrap_or_default()),
    },
    Column {
        doc: "维护人姓名，导出时写出，导入时忽略（文件没有维护人工号列时，“维护人”列按工号读取）",
        ..computed(&[], &["维护人", "维护人姓名"], |o| o.maintainer_name.clone())
    },
    Column {
        names: &["客户状态", "状态"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "活跃、沉睡、流失",
        read: Some(|d, s, _| set(&mut d.status, ClientStatus::parse(&cells::clean(s)))),
        write: Some(|o| o.client.status.to_string()),
    },
    Column {
        names: &["贴标", "是否贴标"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "是、否",
        read: Some(|d, s, _| set(&mut d.sticker, cells::yes_no(s))),
        write: Some(|o| yes(o.client.sticker.done)),
    },
    Column {
        names: &["贴标日期"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "不能晚于今天",
        read: Some(|d, s, cx| set(&mut d.sticker_on, cells::past_date(s, cx.today))),
        // A mark taken back keeps its date for an undo; the export shows dates of marks only.
        write: Some(|o| opt_date(o.client.sticker.on.filter(|_| o.client.sticker.done))),
    },
    online_banking_column(),
    shuanglifeng_column(),
    fund_column(),
    wealth_column(),
    self_service_column(),
    computed(&["缺项"], &[], |o| o.gaps.clone()),
    computed(&["最近联系"], &[], |o| opt_date(o.client.last_contact)),
    computed(&["下次回访"], &[], |o| opt_date(o.client.next_callback)),
];

/// The holdings file is the client register's key and holdings columns; a row is read into a
/// client record and becomes a holdings record.
pub const HOLDINGS_COLUMNS: &[ClientColumn] = &[
    client_no_column(),
    assets_column(),
    online_banking_column(),
    shuanglifeng_column(),
    fund_column(),
    wealth_column(),
    self_service_column(),
];

// ---------------------------------------------------------------------------------------------
// Contact log (联系记录)

impl Draft for ContactRecord {
    fn set_line(&mut self, line: u64) {
        self.line = line;
    }
}

/// A contact as the contacts export writes it.
pub struct ContactOut {
    pub contact: Contact,
    pub client_name: String,
    pub staff_name: String,
    pub launch_name: String,
}

pub type ContactColumn = Column<ContactRecord, ContactOut>;

/// A time of day alone: `14:30`, `14:30:00`, `14时30分`.
fn time_of_day(raw: &str) -> Option<chrono::NaiveTime> {
    let c = cells::clean(raw).replace(['时', '点'], ":").replace('分', "");
    let c = c.trim_end_matches(':');
    ["%H:%M:%S", "%H:%M"].iter().find_map(|f| chrono::NaiveTime::parse_from_str(c, f).ok())
}

/// 满意度 as a score 1–5 or the words a survey sheet uses.
fn satisfaction(raw: &str) -> Result<u8, Invalid> {
    let s = cells::clean(raw);
    let words =
        [("非常满意", 5), ("满意", 4), ("基本满意", 3), ("一般", 3), ("不满意", 2), ("非常不满意", 1)];
    if let Some((_, v)) = words.iter().find(|(w, _)| *w == s) {
        return Ok(*v);
    }
    let digits = s.trim_end_matches('分').trim_end_matches(".0");
    match digits.parse::<u8>() {
        Ok(v @ 1..=5) => Ok(v),
        _ => Err(Invalid::said(
            Field::Satisfaction,
            format!("“{s}”应为 1 到 5 分，或 非常满意/满意/基本满意/不满意/非常不满意"),
            format!("“{s}” should be 1 to 5, or 非常满意/满意/基本满意/不满意/非常不满意"),
        )),
    }
}

/// The purposes of one contact: `回访、新品推介` (also `,` `，` `;` `；` `/` `+`, as exports and
/// hand-kept logs join them) is one call that did both, the first named being the main purpose,
/// each completing its task as the form's 本次完成 does (issue #15). A purpose named twice is
/// refused rather than silently merged.
fn purposes(raw: &str) -> Result<(Purpose, Vec<Purpose>), Invalid> {
    let s = cells::clean(raw);
    let mut all: Vec<Purpose> = Vec::new();
    for part in s.split(['、', ',', '，', ';', '；', '/', '+']).map(str::trim).filter(|p| !p.is_empty()) {
        let p = Purpose::parse(part)?;
        if all.contains(&p) {
            return Err(Invalid::said(
                Field::ContactPurpose,
                format!("“{s}”中“{p}”写了两次"),
                format!("“{p}” appears twice in “{s}”"),
            ));
        }
        all.push(p);
    }
    match all.split_first() {
        Some((main, also)) => Ok((*main, also.to_vec())),
        None => Purpose::parse(&s).map(|p| (p, Vec::new())),
    }
}

fn note(raw: &str) -> Result<String, Invalid> {
    // A note typed in Excel keeps its line breaks as CR LF or a lone CR.
    Ok(raw.replace("\r\n", "\n").replace('\r', "\n").trim().to_string())
}

pub const CONTACT_COLUMNS: &[ContactColumn] = &[
    Column {
        names: &["联系日期", "日期"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "日期与时刻分两列时的日期列（与“时刻”列一起用）",
        read: Some(|d, s, _| set(&mut d.day, cells::date(s))),
        write: None,
    },
    Column {
        names: &["时刻", "联系时刻", "时间"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "日期与时刻分两列时的时刻列：14:30、14:30:00；也可以是完整的日期时间",
        read: Some(|d, s, _| match time_of_day(s) {
            Some(t) => set(&mut d.time_of_day, Ok(t)),
            None => set(&mut d.at, cells::date_time(s)),
        }),
        write: None,
    },
    Column {
        names: &["联系时间", "联系日期时间", "日期时间"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "2026-11-05 14:30、2026/11/5 14:30、Excel 日期时间；须写到时刻；不能晚于现在，最多补记 31 天内的联系",
        read: Some(|d, s, _| set(&mut d.at, cells::date_time(s))),
        write: Some(|o| o.contact.at.format("%Y-%m-%d %H:%M").to_string()),
    },
    Column {
        names: &["客户号", "客户编号", "客户号码", "客户代码"],
        fallback: &[],
        need: Need::Key,
        sensitive: false,
        kind: Kind::Plain,
        doc: "须已在客户名单中",
        read: Some(|d, s, _| set(&mut d.client, cells::client_no(s))),
        write: Some(|o| o.contact.client.to_string()),
    },
    Column {
        names: &["客户姓名"],
        fallback: &[],
        need: Need::Computed,
        sensitive: false,
        kind: Kind::Plain,
        doc: "",
        read: None,
        write: Some(|o| o.client_name.clone()),
    },
    Column {
        names: &["员工工号", "工号", "联系人工号", "经办人工号"],
        fallback: &[],
        need: Need::Always,
        sensitive: false,
        kind: Kind::Plain,
        doc: "做这次联系的员工",
        read: Some(|d, s, _| set(&mut d.by, cells::staff_no(s))),
        write: Some(|o| o.contact.by.to_string()),
    },
    Column {
        names: &["员工", "员工姓名"],
        fallback: &[],
        need: Need::Computed,
        sensitive: false,
        kind: Kind::Plain,
        doc: "",
        read: None,
        write: Some(|o| o.staff_name.clone()),
    },
    Column {
        names: &["联系方式", "方式", "渠道"],
        fallback: &[],
        need: Need::Always,
        sensitive: false,
        kind: Kind::Plain,
        doc: "电话、上门拜访、微信、短信、网点面谈",
        read: Some(|d, s, _| set(&mut d.channel, Channel::parse(&cells::clean(s)))),
        write: Some(|o| o.contact.channel.to_string()),
    },
    Column {
        names: &["联系目的", "目的", "事由"],
        fallback: &[],
        need: Need::Always,
        sensitive: false,
        kind: Kind::Plain,
        doc: "回访、季度告知、新品推介、营销、满意度调查、投诉；一次联系做了几件事可写在一格里，如 回访、新品推介（第一个为主要目的）",
        read: Some(|d, s, _| {
            let (main, also) = purposes(s)?;
            d.also = also;
            set(&mut d.purpose, Ok(main))
        }),
        // A contact that did several things lists them all (issue #15), main purpose first.
        write: Some(|o| {
            o.contact.aims().iter().map(|a| a.purpose.to_string()).collect::<Vec<_>>().join("、")
        }),
    },
    Column {
        names: &["推介产品", "产品"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "新品推介时填写推介的产品名称（与新品推介中的名称一致）",
        read: Some(|d, s, _| set(&mut d.launch, Ok(cells::clean(s)))),
        write: Some(|o| o.launch_name.clone()),
    },
    Column {
        names: &["联系结果", "结果"],
        fallback: &[],
        need: Need::Always,
        sensitive: false,
        kind: Kind::Plain,
        doc: "已沟通、有意向、婉拒、未接通、联系不上；只有前三种算联系上，会完成任务",
        read: Some(|d, s, _| set(&mut d.outcome, Outcome::parse(&cells::clean(s)))),
        write: Some(|o| o.contact.outcome.to_string()),
    },
    Column {
        names: &["满意度", "满意度评分"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "1 到 5 分，或 非常满意、满意、基本满意、不满意、非常不满意",
        read: Some(|d, s, _| set(&mut d.satisfaction, satisfaction(s))),
        write: Some(|o| o.contact.satisfaction.map(|v| v.to_string()).unwrap_or_default()),
    },
    Column {
        names: &["下次回访", "下次回访日期", "约定回访日期"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "与客户约定的下次回访日期",
        read: Some(|d, s, _| set(&mut d.next_callback, cells::date(s))),
        write: Some(|o| opt_date(o.contact.next_callback)),
    },
    Column {
        names: &["备注", "联系内容", "沟通内容", "内容"],
        fallback: &[],
        need: Need::Optional,
        sensitive: false,
        kind: Kind::Plain,
        doc: "最多 500 字，可以有换行",
        read: Some(|d, s, _| set(&mut d.note, note(s))),
        write: Some(|o| o.contact.note.clone()),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/IMPORT.md carries each list's table between `<!-- columns:NAME -->` and
    /// `<!-- /columns -->`. Run with `UPDATE_DOCS=1` to rewrite them from the lists.
    #[test]
    fn docs_carry_the_table_of_every_column_list() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/IMPORT.md");
        let mut doc = std::fs::read_to_string(path).unwrap();
        let mut stale = Vec::new();
        for (name, table) in [
            ("staff", doc_table(STAFF_COLUMNS)),
            ("clients", doc_table(CLIENT_COLUMNS)),
            ("holdings", doc_table(HOLDINGS_COLUMNS)),
            ("contacts", doc_table(CONTACT_COLUMNS)),
        ] {
            let open = format!("<!-- columns:{name} -->\n");
            let start = doc.find(&open).unwrap_or_else(|| panic!("docs/IMPORT.md 缺少 {open}")) + open.len();
            let end = start + doc[start..].find("<!-- /columns -->").unwrap();
            if doc[start..end] != table {
                stale.push(name);
                doc.replace_range(start..end, &table);
            }
        }
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &doc).unwrap();
        } else {
            assert!(
                stale.is_empty(),
                "docs/IMPORT.md 的列表与代码不一致：{stale:?}；用 UPDATE_DOCS=1 cargo test docs_carry 重写"
            );
        }
    }

    #[test]
    fn every_export_header_is_read_back_into_its_own_column() {
        fn check<D, V>(columns: &[Column<D, V>]) {
            let header = export_header(columns);
            let row = |cells: Vec<String>, line| RawRow {
                line,
                cells: cells.into_iter().map(RawCell::Text).collect(),
            };
            let data: Vec<String> = header.iter().map(|_| "x".to_string()).collect();
            let rows = vec![row(header.clone(), 1), row(data, 2)];
            let mut rows: Rows<'_> = Box::new(rows.into_iter().map(Ok));
            let located = find_header(&mut rows, columns).unwrap_or_else(|p| panic!("{p:?}"));
            let written: Vec<usize> =
                columns.iter().enumerate().filter(|(_, c)| c.write.is_some()).map(|(i, _)| i).collect();
            for (position, ci) in written.into_iter().enumerate() {
                let col = &columns[ci];
                match (&located.sources[ci], col.need) {
                    (_, Need::Computed) => {}
                    (Some(src), _) => {
                        assert_eq!(src.at, position, "{} is read from its own cell", col.header())
                    }
                    (None, _) => panic!("{} is exported but not read back", col.header()),
                }
            }
        }
        check(CLIENT_COLUMNS);
        check(CONTACT_COLUMNS);
    }
}
