//! Writing tables and reports to files staff open in Excel: XLSX with one sheet per table, or
//! CSV in UTF-8 with a BOM. A file is written beside its target and renamed over it, so a crash
//! never leaves half a report.

mod files;
mod xlsx;

pub use files::{
    OutputKind, PARTIAL_SUFFIX, is_stream, output_kind, write_atomically, write_csv, write_output,
    write_report_csv,
};
pub use xlsx::write_xlsx;

use std::path::Path;

use anyhow::{Result, bail};

use crate::service::views::Report;

/// By the file's extension: `.xlsx` or `.csv`; `-`, a named pipe or a character device without
/// one gets CSV, the format a script reading a stream can use. `force`: see `write_output`.
pub fn write_report(path: &Path, force: bool, report: &Report) -> Result<()> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
        Some("xlsx") => write_xlsx(path, force, report),
        Some("csv") => write_report_csv(path, force, report),
        _ if is_stream(path) => write_report_csv(path, force, report),
        _ => bail!("不知道如何写入 {}：文件名请以 .xlsx 或 .csv 结尾", path.display()),
    }
}
