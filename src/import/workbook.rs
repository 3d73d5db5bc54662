//! TEMPORARY shim; replaced by the workbook reader.
use super::grid::RawRow;
use std::path::Path;
pub fn is_workbook(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}
pub fn read_workbook(path: &Path, _sheet: Option<&str>) -> Result<Vec<RawRow>, String> {
    Err(format!("{}", path.display()))
}
