//! Reading one sheet of an Excel or LibreOffice workbook (xlsx, xlsm, xlsb, xls, ods) into rows
//! of typed cells, with the crate calamine.
//!
//! A workbook keeps what a CSV loses: a column formatted as 文本 holds text, so an 18-digit 证件号码
//! or a client number with leading zeros arrives with every digit; a date cell holds a date
//! whatever its display format. So each cell is taken as the type the file stores, and the column
//! parsers decide what a number or a date means for their field.
//!
//! The format is told by the file's first bytes, the name's extension only deciding between
//! formats that look alike (a zip is xlsx, xlsb or ods): core banking systems often export an
//! `.xls` that is really an xlsx, a web page or text, and each of those gets its own advice.

use std::io::Cursor;
use std::panic::AssertUnwindSafe;
use std::path::Path;

use calamine::{
    Data, ExcelDateTime, ExcelDateTimeType, Ods, Range, Reader, SheetType, SheetVisible, Sheets, Xls, Xlsb,
    Xlsx,
};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::grid::{RawCell, RawRow};

/// The extensions [`read_workbook`] handles, lower case.
const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// True for the extensions [`read_workbook`] handles: xlsx, xlsm, xlsb, xls, ods, in any case.
/// The contents are not looked at; [`read_workbook`] tells a misnamed file by its bytes.
pub fn is_workbook(path: &Path) -> bool {
    EXTENSIONS.contains(&extension(path).as_str())
}

/// Reads one sheet of a workbook: the first visible worksheet, or the one named `sheet` (matched
/// exactly, else ignoring surrounding spaces and ASCII case when that picks one sheet).
///
/// Rows are returned in sheet order with the row number Excel shows (`line`, from 1); rows whose
/// cells are all blank are left out, the lines of the others unchanged. `cells[0]` is column A,
/// also when the sheet's data starts further right; a row ends at its last non-empty cell.
/// Cells keep the type the file stores (see [`RawCell`]): text stays text exactly, numbers are
/// `Number`, date cells `DateTime`; a time of day without a date and a duration (`[h]:mm`
/// format) are `Text` as a clock reads, `14:30`, `09:05:30` or `36:00`, since no column takes
/// them as numbers and the text is what the user sees in Excel.
///
/// Errors are Chinese sentences naming the path and what to do: the file cannot be read; it is
/// empty, a web page, text or otherwise not a workbook; it is damaged; it has an opening
/// password; the named sheet is not there (listing the worksheets there are); the sheet has no
/// data.
pub fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<Vec<RawRow>, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("找不到文件 {name}：请检查路径和文件名"),
        std::io::ErrorKind::PermissionDenied => {
            format!("没有权限读取 {name}：请检查文件权限，或先在其他程序中关闭它")
        }
        _ => {
            format!("无法读取文件 {name}（{}）：请确认它是文件且没有被其他程序占用", crate::os::io_reason(&e))
        }
    })?;
    read(bytes, &name, &extension(path), sheet)
}

/// The same as [`read_workbook`] for a file already in memory; `name` is its file name, used for
/// the extension and in error messages.
pub fn read_workbook_bytes(bytes: Vec<u8>, name: &str, sheet: Option<&str>) -> Result<Vec<RawRow>, String> {
    read(bytes, name, &extension(Path::new(name)), sheet)
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The compound file of Excel 97–2003, which also wraps an xlsx encrypted with a password.
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn read(bytes: Vec<u8>, name: &str, ext: &str, sheet: Option<&str>) -> Result<Vec<RawRow>, String> {
    let format = format_of(&bytes, ext, name)?;
    // calamine panics on some damaged files (0.31 indexes its shared-string table with the
    // number a cell gives; its xls parser has had slice panics too); an import must refuse such
    // a file, not bring the program down.
    // The default hook would print Rust's panic text and a backtrace hint to the user; the
    // damage is reported in Chinese below instead. Imports read files on the user's side, one at
    // a time, so swapping the process-wide hook for the read is safe here.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let read = std::panic::catch_unwind(AssertUnwindSafe(|| read_sheet(bytes, format, name, sheet)));
    std::panic::set_hook(hook);
    read.unwrap_or_else(|_| Err(damaged(name)))
}

/// The workbook format of `bytes`, or why they are not a workbook.
fn format_of(bytes: &[u8], ext: &str, name: &str) -> Result<Format, String> {
    if bytes.starts_with(ZIP_MAGIC) {
        // An ods names its type uncompressed in the first entry, "mimetype".
        let head = &bytes[..bytes.len().min(120)];
        if ext == "ods" || contains(head, b"opendocument.spreadsheet") {
            return Ok(Format::Ods);
        }
        return Ok(if ext == "xlsb" { Format::Xlsb } else { Format::Xlsx });
    }
    if bytes.starts_with(CFB_MAGIC) {
        // An xlsx with an opening password is an encrypted package inside a compound file.
        let encrypted: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes).collect();
        if contains(bytes, &encrypted) {
            return Err(password(name));
        }
        return Ok(Format::Xls);
    }
    let text = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).map_or(&[][..], |i| &text[i..]);
    if start.is_empty() {
        return Err(format!("{name} 是空文件，没有任何数据：请确认选对了文件"));
    }
    if start.starts_with(b"<") {
        return Err(format!(
            "{name} 的内容是网页或 XML 表格（不少系统导出的 .xls 其实是这种格式），不是 Excel 工作簿：\
             请用 Excel 打开它，“另存为 → Excel 工作簿 (*.xlsx)”后再导入"
        ));
    }
    let utf16 = text.starts_with(&[0xFF, 0xFE]) || text.starts_with(&[0xFE, 0xFF]);
    let sample = &text[..text.len().min(4096)];
    if utf16 || !sample.contains(&0) {
        return Err(format!(
            "{name} 的内容是文本（如 CSV 或制表符分隔的文本），不是 Excel 工作簿：\
             请把扩展名改为 .csv 后导入，或用 Excel 打开后另存为 .xlsx"
        ));
    }
    Err(damaged(name))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn damaged(name: &str) -> String {
    format!(
        "{name} 无法作为 Excel 工作簿读取，文件可能已损坏或不完整：\
         请用 Excel 打开检查，另存为 .xlsx 后重试"
    )
}

fn password(name: &str) -> String {
    format!(
        "{name} 设有打开密码，无法读取：请在 Excel 中打开它，\
         “文件 → 信息 → 保护工作簿 → 用密码进行加密”清空密码并保存后再导入"
    )
}

fn open_error(name: &str, error: &calamine::Error) -> String {
    use calamine::{Error, OdsError, XlsError, XlsbError, XlsxError};
    match error {
        Error::Xls(XlsError::Password)
        | Error::Xlsx(XlsxError::Password)
        | Error::Xlsb(XlsbError::Password)
        | Error::Ods(OdsError::Password) => password(name),
        _ => damaged(name),
    }
}

fn read_sheet(
    bytes: Vec<u8>,
    format: Format,
    name: &str,
    wanted: Option<&str>,
) -> Result<Vec<RawRow>, String> {
    let cursor = Cursor::new(bytes);
    let opened = match format {
        Format::Xlsx => Xlsx::new(cursor).map(Sheets::Xlsx).map_err(calamine::Error::Xlsx),
        Format::Xlsb => Xlsb::new(cursor).map(Sheets::Xlsb).map_err(calamine::Error::Xlsb),
        Format::Xls => Xls::new(cursor).map(Sheets::Xls).map_err(calamine::Error::Xls),
        Format::Ods => Ods::new(cursor).map(Sheets::Ods).map_err(calamine::Error::Ods),
    };
    let mut book = opened.map_err(|e| open_error(name, &e))?;

    // Chart and macro sheets hold no rows; they are neither picked nor offered.
    let worksheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let listing = worksheets
        .iter()
        .map(|(n, visible)| if *visible { format!("“{n}”") } else { format!("“{n}”（隐藏）") })
        .collect::<Vec<_>>()
        .join("、");
    let sheet_name = match wanted {
        Some(want) => pick_sheet(&worksheets, want).ok_or_else(|| {
            if worksheets.is_empty() {
                format!("{name} 中没有工作表“{want}”，也没有其他工作表")
            } else {
                format!(
                    "{name} 中没有名为“{want}”的工作表；现有工作表：{listing}。\
                     请用 --sheet 指定其中之一"
                )
            }
        })?,
        None => worksheets
            .iter()
            .find(|(_, visible)| *visible)
            .or(worksheets.first())
            .map(|(n, _)| n.clone())
            .ok_or_else(|| format!("{name} 中没有工作表：请确认选对了文件"))?,
    };

    let range = book.worksheet_range(&sheet_name).map_err(|e| open_error(name, &e))?;
    let rows = rows_of(range);
    if rows.is_empty() {
        let others = if worksheets.len() > 1 {
            format!("现有工作表：{listing}，请用 --sheet 指定有数据的那一张")
        } else {
            "请确认选对了文件".to_string()
        };
        return Err(format!("{name} 的工作表“{sheet_name}”是空的，没有任何数据：{others}"));
    }
    Ok(rows)
}

/// The worksheet the user means by `want`: the exact name, or the one sheet equal to it when
/// spaces around and ASCII case are ignored (a name typed on the command line loses neither
/// often, but a sheet renamed in Excel easily gains a trailing space).
fn pick_sheet(worksheets: &[(String, bool)], want: &str) -> Option<String> {
    if let Some((n, _)) = worksheets.iter().find(|(n, _)| n == want) {
        return Some(n.clone());
    }
    let loose = |s: &str| s.trim().to_lowercase();
    let mut close = worksheets.iter().filter(|(n, _)| loose(n) == loose(want));
    match (close.next(), close.next()) {
        (Some((n, _)), None) => Some(n.clone()),
        _ => None,
    }
}

/// The rows of `range` with Excel's row numbers, all-blank rows left out.
fn rows_of(mut range: Range<Data>) -> Vec<RawRow> {
    let Some((first_row, first_col)) = range.start() else {
        return Vec::new();
    };
    let (height, _) = range.get_size();
    let mut rows = Vec::new();
    for r in 0..height {
        // Taking the values out of the range moves each string instead of copying it.
        let data = &mut range[r];
        let mut cells = Vec::with_capacity(first_col as usize + data.len());
        cells.resize(first_col as usize, RawCell::Empty);
        cells.extend(data.iter_mut().map(|d| raw_cell(std::mem::take(d))));
        while cells.last() == Some(&RawCell::Empty) {
            cells.pop();
        }
        if cells.iter().all(RawCell::is_blank) {
            continue;
        }
        rows.push(RawRow { line: u64::from(first_row) + 1 + r as u64, cells });
    }
    rows
}

fn raw_cell(data: Data) -> RawCell {
    match data {
        Data::Empty => RawCell::Empty,
        Data::String(s) => RawCell::Text(s),
        Data::Float(n) => RawCell::Number(n),
        // Only xls and xlsb store integers, in at most 32 bits: exact in an f64.
        Data::Int(n) => RawCell::Number(n as f64),
        Data::Bool(b) => RawCell::Bool(b),
        Data::Error(e) => RawCell::Error(e.to_string()),
        Data::DateTime(d) => serial_cell(d),
        Data::DateTimeIso(s) => iso_datetime_cell(s),
        Data::DurationIso(s) => iso_duration_cell(s),
    }
}

const DAY_MS: i64 = 86_400_000;
/// 9999-12-31, the last day Excel shows; later serials show as `#####`.
const LAST_SERIAL: f64 = 2_958_466.0;

/// A number cell whose format is a date, time or duration, by Excel's serial: days since the
/// workbook's epoch (1900 or 1904 system), the time of day as the fraction.
fn serial_cell(d: ExcelDateTime) -> RawCell {
    let serial = d.as_f64();
    if !serial.is_finite() || serial.abs() >= LAST_SERIAL {
        return RawCell::Number(serial);
    }
    // Within ±LAST_SERIAL days the milliseconds fit an i64 many times over.
    let ms = (serial * DAY_MS as f64).round() as i64;
    if d.is_duration() {
        return RawCell::Text(clock_text(ms));
    }
    if ms < 0 {
        // Excel shows ##### for a date before its epoch.
        return RawCell::Number(serial);
    }
    if ms < DAY_MS {
        // Day 0 ("1900-01-00") is how Excel stores a time typed without a date.
        return RawCell::Text(clock_text(ms));
    }
    // calamine keeps the workbook's date system private; a serial equal to a 1900-system one of
    // the same value is one.
    let is_1904 = d != ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false);
    let (epoch, ms) = if is_1904 {
        (NaiveDate::from_ymd_opt(1904, 1, 1), ms)
    } else if ms < 60 * DAY_MS {
        // Excel counts a 29 February 1900 that never was, so serials before it start a day later.
        (NaiveDate::from_ymd_opt(1899, 12, 31), ms)
    } else if ms < 61 * DAY_MS {
        // That 29 February 1900 itself: no date to give.
        return RawCell::Number(serial);
    } else {
        (NaiveDate::from_ymd_opt(1899, 12, 30), ms)
    };
    epoch
        .and_then(|e| e.and_time(NaiveTime::MIN).checked_add_signed(TimeDelta::try_milliseconds(ms)?))
        .map_or(RawCell::Number(serial), RawCell::DateTime)
}

/// `14:30`, `09:05:30` or `36:00`: hours and minutes, seconds when there are any, as Excel's
/// `[hh]:mm:ss` shows a duration (hours not wrapped at 24). Rounded to the second.
fn clock_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let secs = (ms.unsigned_abs() + 500) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 { format!("{sign}{h:02}:{m:02}") } else { format!("{sign}{h:02}:{m:02}:{s:02}") }
}

/// An ods date cell: `2024-01-05` or `2024-01-05T14:30:00`; a time without a date as a clock
/// reads, like an xlsx time cell. Anything else is kept as the text it is.
fn iso_datetime_cell(s: String) -> RawCell {
    let t = s.trim();
    if let Ok(d) = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f") {
        return RawCell::DateTime(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return RawCell::DateTime(d.and_time(NaiveTime::MIN));
    }
    if let Ok(time) = NaiveTime::parse_from_str(t, "%H:%M:%S%.f") {
        let ms = time.signed_duration_since(NaiveTime::MIN).num_milliseconds();
        return RawCell::Text(clock_text(ms));
    }
    RawCell::Text(s)
}

/// An ods time or duration cell (`PT14H30M00S`, `-P1DT2H`), as a clock reads; ods stores a time
/// of day this way too. Anything else is kept as the text it is.
fn iso_duration_cell(s: String) -> RawCell {
    iso_duration_ms(s.trim()).map_or(RawCell::Text(s), |ms| RawCell::Text(clock_text(ms)))
}

/// Milliseconds of an ISO 8601 duration of days, hours, minutes and (decimal) seconds.
fn iso_duration_ms(s: &str) -> Option<i64> {
    let (negative, s) = s.strip_prefix('-').map_or((false, s), |rest| (true, rest));
    let s = s.strip_prefix('P')?;
    let mut ms = 0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut units = 0;
    for c in s.chars() {
        match c {
            'T' if number.is_empty() && !in_time => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                units += 1;
                ms += n * match (unit, in_time) {
                    ('D', false) => DAY_MS as f64,
                    ('H', true) => 3_600_000.0,
                    ('M', true) => 60_000.0,
                    ('S', true) => 1000.0,
                    _ => return None,
                };
            }
        }
    }
    if units == 0 || !number.is_empty() || !ms.is_finite() || ms.abs() >= LAST_SERIAL * DAY_MS as f64 {
        return None;
    }
    let ms = ms.round() as i64;
    Some(if negative { -ms } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Format as CellFormat, Formula, Workbook};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn save(book: &mut Workbook, file: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        book.save(&path).unwrap();
        (dir, path)
    }

    /// A client register as a branch keeps it: IDs and client numbers in 文本 columns, a real
    /// date column, amounts as numbers.
    fn register() -> Workbook {
        let text = CellFormat::new().set_num_format("@");
        let day = CellFormat::new().set_num_format("yyyy/m/d");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("客户名单").unwrap();
        for (col, header) in ["客户号", "客户姓名", "证件号码", "开户日期", "日均金融资产"].iter().enumerate()
        {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        sheet.write_string_with_format(1, 0, "0062010018", &text).unwrap();
        sheet.write_string(1, 1, "张伟").unwrap();
        sheet.write_string_with_format(1, 2, "410105198003030775", &text).unwrap();
        sheet.write_datetime_with_format(1, 3, date(2019, 3, 8), &day).unwrap();
        sheet.write_number(1, 4, 523456.78).unwrap();
        book
    }

    #[test]
    fn text_ids_keep_every_digit_dates_are_dates_numbers_are_numbers() {
        let (_dir, path) = save(&mut register(), "名单.xlsx");
        let rows = read_workbook(&path, None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 1);
        assert_eq!(rows[0].cells[0], RawCell::Text("客户号".into()));
        assert_eq!(
            rows[1],
            RawRow {
                line: 2,
                cells: vec![
                    RawCell::Text("0062010018".into()),
                    RawCell::Text("张伟".into()),
                    RawCell::Text("410105198003030775".into()),
                    RawCell::DateTime(date(2019, 3, 8).and_time(NaiveTime::MIN)),
                    RawCell::Number(523456.78),
                ],
            }
        );
        assert_eq!(rows[1].cells[3].text(), "2019-03-08");
    }

    #[test]
    fn the_same_workbook_from_bytes_reads_the_same() {
        let bytes = register().save_to_buffer().unwrap();
        let (_dir, path) = save(&mut register(), "名单.xlsx");
        assert_eq!(
            read_workbook_bytes(bytes, "名单.XLSX", None).unwrap(),
            read_workbook(&path, None).unwrap()
        );
    }

    #[test]
    fn date_times_times_booleans_and_errors_come_as_excel_shows_them() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let when = date(2026, 11, 5).and_hms_opt(14, 30, 0).unwrap();
        sheet
            .write_datetime_with_format(0, 0, when, &CellFormat::new().set_num_format("yyyy-mm-dd hh:mm"))
            .unwrap();
        let time = NaiveTime::from_hms_opt(9, 5, 30).unwrap();
        sheet.write_time_with_format(0, 1, time, &CellFormat::new().set_num_format("hh:mm:ss")).unwrap();
        // 1.5 days shown as a duration.
        sheet.write_number_with_format(0, 2, 1.5, &CellFormat::new().set_num_format("[h]:mm")).unwrap();
        sheet.write_boolean(0, 3, true).unwrap();
        sheet.write_formula(0, 4, Formula::new("=NA()").set_result("#N/A")).unwrap();
        sheet.write_number(0, 5, 6201001841.0).unwrap();
        let (_dir, path) = save(&mut book, "t.xlsx");
        let rows = read_workbook(&path, None).unwrap();
        assert_eq!(
            rows[0].cells,
            vec![
                RawCell::DateTime(when),
                RawCell::Text("09:05:30".into()),
                RawCell::Text("36:00".into()),
                RawCell::Bool(true),
                RawCell::Error("#N/A".into()),
                RawCell::Number(6201001841.0),
            ]
        );
    }

    #[test]
    fn a_sheet_is_picked_by_name_and_a_missing_one_lists_the_sheets() {
        let mut book = register();
        let other = book.add_worksheet();
        other.set_name("持仓").unwrap();
        other.write_string(0, 0, "产品代码").unwrap();
        let (_dir, path) = save(&mut book, "book.xlsx");

        let rows = read_workbook(&path, Some("持仓")).unwrap();
        assert_eq!(rows, vec![RawRow { line: 1, cells: vec![RawCell::Text("产品代码".into())] }]);
        // Without --sheet, the first sheet.
        assert_eq!(read_workbook(&path, None).unwrap()[0].cells[0], RawCell::Text("客户号".into()));

        let err = read_workbook(&path, Some("Sheet1")).unwrap_err();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("“Sheet1”") && err.contains("“客户名单”") && err.contains("“持仓”"), "{err}");
    }

    #[test]
    fn a_sheet_name_with_a_stray_space_is_found() {
        let mut book = Workbook::new();
        book.add_worksheet().set_name("Data ").unwrap().write_string(0, 0, "x").unwrap();
        let (_dir, path) = save(&mut book, "b.xlsx");
        assert_eq!(read_workbook(&path, Some("data")).unwrap()[0].cells, vec![RawCell::Text("x".into())]);
    }

    #[test]
    fn a_hidden_first_sheet_is_passed_over() {
        let mut book = Workbook::new();
        book.add_worksheet().set_name("参数").unwrap().set_hidden(true).write_string(0, 0, "hidden").unwrap();
        // Excel keeps the active sheet visible.
        book.add_worksheet().set_name("名单").unwrap().set_active(true).write_string(0, 0, "客户号").unwrap();
        let (_dir, path) = save(&mut book, "b.xlsx");
        assert_eq!(read_workbook(&path, None).unwrap()[0].cells, vec![RawCell::Text("客户号".into())]);
        assert_eq!(
            read_workbook(&path, Some("参数")).unwrap()[0].cells,
            vec![RawCell::Text("hidden".into())]
        );
    }

    #[test]
    fn line_numbers_are_the_rows_excel_shows_below_empty_title_rows_and_across_blank_rows() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        // Rows 1-2 left empty, header on row 3, data from column B, a blank row 5.
        sheet.write_string(2, 1, "客户号").unwrap();
        sheet.write_string(3, 1, "C1").unwrap();
        sheet.write_string(4, 1, "   ").unwrap();
        sheet.write_string(5, 1, "C2").unwrap();
        sheet.write_string(5, 3, "备注").unwrap();
        let (_dir, path) = save(&mut book, "t.xlsx");
        let rows = read_workbook(&path, None).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 6]);
        // Column B is cells[1]; a row ends at its last value.
        assert_eq!(rows[0].cells, vec![RawCell::Empty, RawCell::Text("客户号".into())]);
        assert_eq!(rows[2].cells[3], RawCell::Text("备注".into()));
    }

    #[test]
    fn an_empty_sheet_is_refused_naming_the_sheets() {
        let mut book = Workbook::new();
        book.add_worksheet().set_name("封面").unwrap();
        book.add_worksheet().set_name("名单").unwrap().write_string(0, 0, "客户号").unwrap();
        let (_dir, path) = save(&mut book, "t.xlsx");
        let err = read_workbook(&path, None).unwrap_err();
        assert!(err.contains("“封面”是空的") && err.contains("“名单”") && err.contains("--sheet"), "{err}");
    }

    #[test]
    fn damaged_or_misnamed_files_are_refused_in_chinese_without_panicking() {
        // Random-looking bytes, a truncated xlsx, and an xlsx with its middle overwritten.
        let mut state = 0x2545F4914F6CDD1Du64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let good = register().save_to_buffer().unwrap();
        let truncated = good[..good.len() / 2].to_vec();
        // The compressed data of the sheet itself, just after its name in the zip.
        let mut scribbled = good.clone();
        let name = b"xl/worksheets/sheet1.xml";
        let at = scribbled.windows(name.len()).position(|w| w == name).unwrap() + name.len();
        scribbled[at..at + 100].copy_from_slice(&noise[..100]);
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend_from_slice(&noise);
        for bytes in [noise.clone(), truncated, scribbled, cfb] {
            let err = read_workbook_bytes(bytes, "坏文件.xlsx", None).unwrap_err();
            assert!(err.contains("坏文件.xlsx") && err.contains("损坏"), "{err}");
        }

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("坏文件.xlsx");
        std::fs::write(&path, &noise).unwrap();
        let err = read_workbook(&path, None).unwrap_err();
        assert!(err.contains(&path.display().to_string()) && err.contains("损坏"), "{err}");

        let err = read_workbook_bytes(b"<html><table><tr><td>1</td></tr></table>".to_vec(), "导出.xls", None)
            .unwrap_err();
        assert!(err.contains("网页") && err.contains("另存为"), "{err}");
        let err = read_workbook_bytes("客户号,客户姓名\n1,张伟\n".as_bytes().to_vec(), "名单.xlsx", None)
            .unwrap_err();
        assert!(err.contains(".csv"), "{err}");
        let err = read_workbook_bytes(Vec::new(), "名单.xlsx", None).unwrap_err();
        assert!(err.contains("空文件"), "{err}");
        let err = read_workbook(&dir.path().join("没有.xlsx"), None).unwrap_err();
        assert!(err.contains("找不到文件"), "{err}");
    }

    /// A zip of stored (uncompressed) entries, enough for an ods that rust_xlsxwriter cannot
    /// write.
    fn stored_zip(entries: &[(&str, &str)]) -> Vec<u8> {
        let (mut out, mut directory) = (Vec::new(), Vec::new());
        for (name, data) in entries {
            let offset = out.len() as u32;
            let crc = crc32fast::hash(data.as_bytes());
            let len = data.len() as u32;
            let sizes = [crc.to_le_bytes(), len.to_le_bytes(), len.to_le_bytes()].concat();
            out.extend(0x04034b50u32.to_le_bytes());
            out.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, stored, time, date
            out.extend(&sizes);
            out.extend((name.len() as u16).to_le_bytes());
            out.extend([0, 0]);
            out.extend(name.as_bytes());
            out.extend(data.as_bytes());
            directory.extend(0x02014b50u32.to_le_bytes());
            directory.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            directory.extend(&sizes);
            directory.extend((name.len() as u16).to_le_bytes());
            directory.extend([0; 12]); // extra, comment, disk, attributes
            directory.extend(offset.to_le_bytes());
            directory.extend(name.as_bytes());
        }
        let (at, size) = (out.len() as u32, directory.len() as u32);
        out.extend(directory);
        out.extend(0x06054b50u32.to_le_bytes());
        out.extend([0, 0, 0, 0]);
        let count = (entries.len() as u16).to_le_bytes();
        out.extend([count, count].concat());
        out.extend(size.to_le_bytes());
        out.extend(at.to_le_bytes());
        out.extend([0, 0]);
        out
    }

    #[test]
    fn an_ods_reads_like_an_xlsx() {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="名单">
<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>
<table:table-row>
<table:table-cell office:value-type="string"><text:p>0062010018</text:p></table:table-cell>
<table:table-cell office:value-type="date" office:date-value="2024-01-05"><text:p>2024/1/5</text:p></table:table-cell>
<table:table-cell office:value-type="time" office:time-value="PT14H30M00S"><text:p>14:30</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="523456.78"><text:p>523456.78</text:p></table:table-cell>
</table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
        // LibreOffice writes content.xml on one line; calamine expects no text between cells.
        let content = content.replace('\n', "");
        let ods = stored_zip(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", &manifest("")),
            ("content.xml", &content),
        ]);
        // Named .xls by an exporting system: the bytes tell it is an ods.
        for name in ["名单.ods", "名单.xls"] {
            let rows = read_workbook_bytes(ods.clone(), name, None).unwrap();
            assert_eq!(
                rows,
                vec![RawRow {
                    line: 3,
                    cells: vec![
                        RawCell::Text("0062010018".into()),
                        RawCell::DateTime(date(2024, 1, 5).and_time(NaiveTime::MIN)),
                        RawCell::Text("14:30".into()),
                        RawCell::Number(523456.78),
                    ],
                }],
                "{name}"
            );
        }

        // LibreOffice's "save with password" encrypts content.xml and says so in the manifest.
        let encrypted = stored_zip(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", &manifest("<manifest:encryption-data/>")),
            ("content.xml", "not xml: encrypted"),
        ]);
        let err = read_workbook_bytes(encrypted, "名单.ods", None).unwrap_err();
        assert!(err.contains("名单.ods") && err.contains("密码"), "{err}");
    }

    fn manifest(encryption: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{encryption}</manifest:file-entry>
</manifest:manifest>"#
        )
    }

    #[test]
    fn a_workbook_that_makes_calamine_panic_is_refused_as_damaged() {
        // A cell pointing at shared string 5 of none: calamine 0.31 indexes past its table.
        let xlsx = stored_zip(&[
            (
                "xl/workbook.xml",
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            ),
            (
                "xl/worksheets/sheet1.xml",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>5</v></c></row></sheetData></worksheet>"#,
            ),
        ]);
        let err = read_workbook_bytes(xlsx, "名单.xlsx", None).unwrap_err();
        assert!(err.contains("名单.xlsx") && err.contains("损坏"), "{err}");
    }

    #[test]
    fn an_encrypted_workbook_is_refused_as_password_protected() {
        // What Excel writes for 用密码进行加密: a compound file holding an EncryptedPackage stream.
        let mut bytes = CFB_MAGIC.to_vec();
        bytes.resize(512, 0);
        bytes.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        let err = read_workbook_bytes(bytes, "加密.xlsx", None).unwrap_err();
        assert!(err.contains("加密.xlsx") && err.contains("密码"), "{err}");
    }

    #[test]
    fn workbook_extensions_are_recognised_in_any_case() {
        for name in ["a.xlsx", "a.XLSX", "a.xlsm", "a.xlsb", "a.Xls", "a.ods"] {
            assert!(is_workbook(Path::new(name)), "{name}");
        }
        for name in ["a.csv", "a.txt", "xlsx", "a.xlsx.bak"] {
            assert!(!is_workbook(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn serials_become_dates_in_either_date_system() {
        let at =
            |v: f64, is_1904: bool| serial_cell(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, is_1904));
        let dt = |y, m, d, h, min| RawCell::DateTime(date(y, m, d).and_hms_opt(h, min, 0).unwrap());
        assert_eq!(at(45296.0, false), dt(2024, 1, 5, 0, 0));
        assert_eq!(at(45296.0 - 1462.0, true), dt(2024, 1, 5, 0, 0));
        assert_eq!(at(45296.604166666664, false), dt(2024, 1, 5, 14, 30));
        assert_eq!(at(1.0, false), dt(1900, 1, 1, 0, 0));
        assert_eq!(at(61.0, false), dt(1900, 3, 1, 0, 0));
        assert_eq!(at(0.75, false), RawCell::Text("18:00".into()));
        // Excel shows ##### for these; the number is kept for the column to refuse.
        assert_eq!(at(-1.0, false), RawCell::Number(-1.0));
        assert_eq!(at(3e6, false), RawCell::Number(3e6));
        assert!(matches!(at(f64::NAN, false), RawCell::Number(n) if n.is_nan()));
        let duration = ExcelDateTime::new(-0.25, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(serial_cell(duration), RawCell::Text("-06:00".into()));
    }

    #[test]
    fn ods_dates_and_durations_read_like_xlsx_ones() {
        assert_eq!(
            iso_datetime_cell("2024-01-05T14:30:00".into()),
            RawCell::DateTime(date(2024, 1, 5).and_hms_opt(14, 30, 0).unwrap())
        );
        assert_eq!(
            iso_datetime_cell("2024-01-05".into()),
            RawCell::DateTime(date(2024, 1, 5).and_time(NaiveTime::MIN))
        );
        assert_eq!(iso_datetime_cell("2024-13-05".into()), RawCell::Text("2024-13-05".into()));
        assert_eq!(iso_duration_cell("PT14H30M00S".into()), RawCell::Text("14:30".into()));
        assert_eq!(iso_duration_cell("P1DT12H".into()), RawCell::Text("36:00".into()));
        assert_eq!(iso_duration_cell("-PT0H0M1.5S".into()), RawCell::Text("-00:00:02".into()));
        assert_eq!(iso_duration_cell("PT1X".into()), RawCell::Text("PT1X".into()));
        assert_eq!(iso_duration_cell("P".into()), RawCell::Text("P".into()));
    }
}
