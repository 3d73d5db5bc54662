//! Atomic file writes and CSV.

use std::io::Write;
use std::path::Path;

use crate::os::io_reason;
use anyhow::{Result, anyhow};

use crate::service::views::{Report, ReportCell, Table};

/// Where an output goes, decided from what is at the path now (`lstat`, never following a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `-`: this process's standard output.
    Stdout,
    /// An existing FIFO or character device (`/dev/stdout`, a named pipe a script reads):
    /// written directly, never replaced.
    Stream,
    /// Nothing there yet, or a regular file: written beside it and renamed over it.
    File,
    /// An existing symbolic link (only reachable with `force`): the link itself is replaced by a
    /// regular file; whatever it pointed to is left alone.
    ReplaceLink,
}

/// What is at `path` decides how it is written (see `OutputKind`). Refused, with a sentence
/// naming the path: a symbolic link unless `force` (someone may have planted it to make a
/// privileged export overwrite another file), a directory, a block device or a socket.
pub fn output_kind(path: &Path, force: bool) -> Result<OutputKind> {
    use std::os::unix::fs::FileTypeExt;
    if path.as_os_str() == "-" {
        return Ok(OutputKind::Stdout);
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OutputKind::File),
        Err(e) => return Err(anyhow!("无法查看 {}：{}", path.display(), io_reason(&e))),
    };
    let t = meta.file_type();
    if t.is_symlink() {
        if force {
            return Ok(OutputKind::ReplaceLink);
        }
        let to = std::fs::read_link(path).map_or_else(|_| "?".into(), |p| p.display().to_string());
        return Err(anyhow!(
            "{} 是符号链接（指向 {}），为安全起见不会写入或替换它。请换一个文件名；\
             确实要用新文件替换这个链接（链接指向的文件不受影响）请加 --force",
            path.display(),
            crate::domain::inert(&to)
        ));
    }
    if t.is_fifo() || t.is_char_device() {
        return Ok(OutputKind::Stream);
    }
    if t.is_file() {
        return Ok(OutputKind::File);
    }
    if t.is_dir() {
        return Err(anyhow!("{} 是一个目录，请给出文件名", path.display()));
    }
    Err(anyhow!("{} 不是普通文件、命名管道或字符设备，不能写入", path.display()))
}

/// True when `path` is `-` or an existing FIFO or character device: output that is read as it
/// is written, where messages about the output must go to stderr instead.
pub fn is_stream(path: &Path) -> bool {
    matches!(output_kind(path, false), Ok(OutputKind::Stdout | OutputKind::Stream))
}

/// Writes an output to `path` as `output_kind` decides: `-` to stdout, a FIFO or character
/// device directly, a new or regular file beside it and renamed over it (so a crash leaves the
/// old file or the new one, never a truncated mix), a symbolic link refused unless `force`.
/// New files are created 0600. A reader closing stdout ends with `cli::StdoutClosed`.
pub fn write_output(path: &Path, force: bool, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    match output_kind(path, force)? {
        OutputKind::Stdout => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let closed = |e: &anyhow::Error| {
                e.chain().any(|c| {
                    c.downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                })
            };
            match fill(&mut lock).and_then(|()| Ok(lock.flush()?)) {
                Err(e) if closed(&e) => Err(anyhow::Error::new(crate::cli::StdoutClosed)),
                Err(e) => Err(anyhow!("写入标准输出失败：{}", readable(&e))),
                ok => ok,
            }
        }
        OutputKind::Stream => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| anyhow!("无法打开 {} 写入：{}", path.display(), io_reason(&e)))?;
            fill(&mut f).map_err(|e| anyhow!("写入 {} 失败：{}", path.display(), readable(&e)))?;
            f.flush().map_err(|e| anyhow!("写入 {} 失败：{}", path.display(), io_reason(&e)))
        }
        OutputKind::File | OutputKind::ReplaceLink => write_atomically(path, |f| fill(f)),
    }
}

/// How the name of a file still being written ends (see `write_atomically`).
pub const PARTIAL_SUFFIX: &str = ".partial";

/// Writes next to the target and renames over it, so a crash leaves the old file or the new
/// one, never a truncated mix. The rename replaces whatever entry is at `path` (a link is
/// replaced, not followed); callers decide first whether that is wanted (`write_output`).
pub fn write_atomically(path: &Path, fill: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Hidden and ending in `.partial` until renamed: a write cut off by a kill leaves a name
    // `restore` refuses and the nightly clean-up can find, never one that looks complete.
    let name = path.file_name().map_or_else(|| "mingdan".into(), |n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(PARTIAL_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| {
            anyhow!(
                "无法在 {} 创建文件：{}；请检查目录是否存在、是否有写入权限",
                dir.display(),
                io_reason(&e)
            )
        })?;
    fill(tmp.as_file_mut()).map_err(|e| anyhow!("写入 {} 失败：{}", path.display(), readable(&e)))?;
    tmp.as_file().sync_all().map_err(|e| anyhow!("写入 {} 失败：{}", path.display(), io_reason(&e)))?;
    tmp.persist(path).map_err(|e| anyhow!("无法写入 {}：{}", path.display(), io_reason(&e.error)))?;
    // The rename is durable once the directory holding it is.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A write error as a Chinese phrase: a system error (a full disk, say) by `io_reason`, also
/// when the CSV writer wraps it; our own messages as they are.
fn readable(e: &anyhow::Error) -> String {
    for cause in e.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io_reason(io);
        }
        if let Some(csv::ErrorKind::Io(io)) = cause.downcast_ref::<csv::Error>().map(csv::Error::kind) {
            return io_reason(io);
        }
    }
    e.to_string()
}

/// The BOM that makes Excel on Chinese Windows read the file as UTF-8.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A text cell as Excel must see it in a CSV file:
/// - text starting with `= + - @` (or a tab or return) is a formula to Excel; a note typed by
///   anyone must never run when a manager opens the export, so it gets a leading `'`;
/// - a long or zero-led number (ID numbers, landlines, client numbers) would be shown in
///   scientific notation or lose its leading zero, so it is written as the constant `="…"`.
/// - control characters are written escaped (`domain::inert`), line breaks excepted, so no
///   export carries a raw escape sequence or carriage return into a viewer.
pub fn csv_cell(s: &str) -> String {
    let shown = crate::domain::text::inert_keeping_lines(s);
    let s: &str = &shown;
    let digits = s.len() > 1 && s.chars().all(|c| c.is_ascii_digit() || c == 'X' || c == 'x');
    if digits && (s.len() >= 12 || s.starts_with('0')) {
        return format!("=\"{s}\"");
    }
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// A CSV writer as Excel on Windows expects: CRLF line ends, rows of any length (a title row
/// has one cell).
fn csv_writer<W: Write>(to: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().flexible(true).terminator(csv::Terminator::CRLF).from_writer(to)
}

/// `table` as CSV at `path` (see `write_output` for `-`, pipes, devices and links): UTF-8 with
/// a BOM, CRLF line ends, the table's title row (`Table::heading`), then the headers.
pub fn write_csv(path: &Path, force: bool, table: &Table) -> Result<()> {
    write_output(path, force, |f| {
        f.write_all(&BOM)?;
        let mut w = csv_writer(f);
        w.write_record([csv_cell(&table.heading)])?;
        w.write_record(&table.headers)?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| csv_cell(c)))?;
        }
        w.flush()?;
        Ok(())
    })
}

/// A cell as CSV and column widths show it: numbers plain, shares to 0.1%, dates `YYYY-MM-DD`.
pub fn cell_text(c: &ReportCell) -> String {
    match c {
        ReportCell::Text(s) => s.clone(),
        ReportCell::Int(n) => n.to_string(),
        ReportCell::Percent(Some(p)) => crate::domain::percent::show_permille(*p),
        ReportCell::Percent(None) | ReportCell::Empty => String::new(),
        ReportCell::Decimal2(h) => {
            // Sign and digits apart: -1.50 is -1 and 50 hundredths, not -2 and 50 (rem_euclid)
            // nor 0 and 50 (a lost sign between -1 and 0).
            let sign = if *h < 0 { "-" } else { "" };
            format!("{sign}{}.{:02}", h.unsigned_abs() / 100, h.unsigned_abs() % 100)
        }
        ReportCell::Date(d) => d.format("%Y-%m-%d").to_string(),
        ReportCell::DateTime(t) => t.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// Each sheet as a block in one CSV file (UTF-8 with a BOM, CRLF line ends): its title row
/// (`Report::heading`: branch, figure, period, 截至 date), its headers, its rows; blocks
/// separated by an empty line.
pub fn write_report_csv(path: &Path, force: bool, report: &Report) -> Result<()> {
    let mut blocks = Vec::new();
    for sheet in &report.sheets {
        let mut w = csv_writer(Vec::new());
        w.write_record([csv_cell(&report.heading(sheet))])?;
        w.write_record(&sheet.headers)?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(|c| match c {
                ReportCell::Text(s) => csv_cell(s),
                other => cell_text(other),
            }))?;
        }
        blocks.push(w.into_inner().map_err(|e| anyhow!("生成 CSV 失败：{e}"))?);
    }
    write_output(path, force, |f| {
        f.write_all(&BOM)?;
        f.write_all(&blocks.join(&b"\r\n"[..]))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_run_formulas_and_keep_long_numbers_whole() {
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(csv_cell("+86 138"), "'+86 138");
        assert_eq!(csv_cell("-客户说不要打电话"), "'-客户说不要打电话");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("41052319800101123X"), "=\"41052319800101123X\"");
        assert_eq!(csv_cell("03716388123"), "=\"03716388123\"");
        assert_eq!(csv_cell("13800138000"), "13800138000");
        assert_eq!(csv_cell("张伟"), "张伟");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("C1\n2026-11-30 导出\u{1b}[2K\r"), "C1\n2026-11-30 导出\\x1b[2K\\r");
        assert_eq!(csv_cell("\t=1+1"), "\\t=1+1");
    }

    #[test]
    fn hundredths_keep_their_sign_and_their_digits() {
        let show = |h| cell_text(&ReportCell::Decimal2(h));
        assert_eq!(show(2_799_819), "27998.19");
        assert_eq!(show(-2_799_819), "-27998.19");
        assert_eq!(show(-50), "-0.50");
        assert_eq!(show(-5), "-0.05");
        assert_eq!(show(0), "0.00");
        assert_eq!(show(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn a_file_being_written_has_a_hidden_partial_name_until_it_is_complete() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mingdan-20261118-023000.mdbak");
        let names = || -> Vec<String> {
            std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        };
        write_atomically(&target, |f| {
            f.write_all(b"half")?;
            let during = names();
            assert_eq!(during.len(), 1, "{during:?}");
            assert!(
                during[0].starts_with(".mingdan-20261118-023000.mdbak.")
                    && during[0].ends_with(PARTIAL_SUFFIX)
            );
            Ok(())
        })
        .unwrap();
        assert_eq!(names(), ["mingdan-20261118-023000.mdbak"]);
        // A write that fails part-way leaves the old file and nothing else.
        let failed = write_atomically(&target, |f| {
            f.write_all(b"other")?;
            Err(anyhow!("cut off"))
        });
        assert!(failed.is_err());
        assert_eq!(names(), ["mingdan-20261118-023000.mdbak"]);
        assert_eq!(std::fs::read(&target).unwrap(), b"half");
    }
}
