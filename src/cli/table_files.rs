//! Writing exported tables to files without ever leaving a half-written file behind.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, anyhow};

use crate::service::views::Table;

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

/// CSV in UTF-8 with a BOM: the form Excel on Chinese Windows opens without garbling.
pub fn write_csv(path: &Path, table: &Table) -> Result<()> {
    write_atomically(path, |f| {
        f.write_all(&[0xEF, 0xBB, 0xBF])?;
        let mut w = csv::Writer::from_writer(f);
        w.write_record(&table.headers)?;
        for row in &table.rows {
            w.write_record(row)?;
        }
        w.flush()?;
        Ok(())
    })
}
