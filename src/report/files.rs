//! Atomic file writes and CSV.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, anyhow};

use crate::service::views::{Report, ReportCell, Table};

/// Writes next to the target and renames over it, so a crash leaves the old file or the new
/// one, never a truncated mix.
pub fn write_atomically(path: &Path, fill: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow!("无法在 {} 创建文件：{e}", dir.display()))?;
    fill(tmp.as_file_mut())?;
    tmp.as_file().sync_all().map_err(|e| anyhow!("写入 {} 失败：{e}", path.display()))?;
    tmp.persist(path).map_err(|e| anyhow!("无法写入 {}：{}", path.display(), e.error))?;
    Ok(())
}

/// The BOM that makes Excel on Chinese Windows read the file as UTF-8.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A text cell as Excel must see it in a CSV file:
/// - text starting with `= + - @` (or a tab or return) is a formula to Excel; a note typed by
///   anyone must never run when a manager opens the export, so it gets a leading `'`;
/// - a long or zero-led number (ID numbers, landlines, client numbers) would be shown in
///   scientific notation or lose its leading zero, so it is written as the constant `="…"`.
pub fn csv_cell(s: &str) -> String {
    let digits = s.len() > 1 && s.chars().all(|c| c.is_ascii_digit() || c == 'X' || c == 'x');
    if digits && (s.len() >= 12 || s.starts_with('0')) {
        return format!("=\"{s}\"");
    }
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

pub fn write_csv(path: &Path, table: &Table) -> Result<()> {
    write_atomically(path, |f| {
        f.write_all(&BOM)?;
        let mut w = csv::Writer::from_writer(f);
        w.write_record(&table.headers)?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| csv_cell(c)))?;
        }
        w.flush()?;
        Ok(())
    })
}

pub fn cell_text(c: &ReportCell) -> String {
    match c {
        ReportCell::Text(s) => s.clone(),
        ReportCell::Int(n) => n.to_string(),
        ReportCell::Percent(Some(p)) => format!("{}.{}%", p / 10, p.rem_euclid(10)),
        ReportCell::Percent(None) | ReportCell::Empty => String::new(),
        ReportCell::Decimal2(h) => format!("{}.{:02}", h / 100, h.rem_euclid(100)),
        ReportCell::Date(d) => d.to_string(),
    }
}

/// Each sheet as a titled block, blocks separated by an empty line, in one CSV file.
pub fn write_report_csv(path: &Path, report: &Report) -> Result<()> {
    let mut blocks = Vec::new();
    for sheet in &report.sheets {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        if report.sheets.len() > 1 {
            w.write_record([format!("{} · {}", report.title, sheet.name)])?;
        }
        w.write_record(&sheet.headers)?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(|c| match c {
                ReportCell::Text(s) => csv_cell(s),
                other => cell_text(other),
            }))?;
        }
        blocks.push(w.into_inner().map_err(|e| anyhow!("生成 CSV 失败：{e}"))?);
    }
    write_atomically(path, |f| {
        f.write_all(&BOM)?;
        f.write_all(&blocks.join(&b"\n"[..]))?;
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
    }
}
