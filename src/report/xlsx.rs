//! XLSX workbooks with rust_xlsxwriter: Chinese headers in bold, frozen header row, numbers as
//! numbers and shares formatted as percentages, columns wide enough for Chinese text.

use std::path::Path;

use anyhow::{Result, anyhow};
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use super::files::{cell_text, write_output};
use crate::service::views::{Report, ReportCell};

fn err(e: XlsxError) -> anyhow::Error {
    anyhow!("生成 Excel 文件失败：{e}")
}

/// One sheet: the title row (`Report::heading`) on row 1, the bold headers on row 2 (both
/// frozen), then the rows, each cell with its own type; then the sheet's native line charts.
fn write_sheet(
    ws: &mut Worksheet,
    heading: &str,
    sheet: &crate::service::views::ReportSheet,
) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new().set_bold().set_background_color("#D9E1F2");
    let percent = Format::new().set_num_format("0.0%");
    let decimal = Format::new().set_num_format("0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    // Excel limits sheet names to 31 characters and a few symbols.
    let name: String = sheet.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    ws.set_name(name)?;
    let mut widths: Vec<usize> = sheet.headers.iter().map(|h| h.width()).collect();
    ws.write_string_with_format(0, 0, crate::domain::inert(heading), &title)?;
    for (col, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(1, col as u16, h, &header)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c16 = c as u16;
            match cell {
                ReportCell::Text(s) => {
                    ws.write_string(r, c16, crate::domain::text::inert_keeping_lines(s))?;
                }
                ReportCell::Int(n) => {
                    ws.write_number(r, c16, *n as f64)?;
                }
                ReportCell::Percent(Some(p)) => {
                    ws.write_number_with_format(r, c16, *p as f64 / 1000.0, &percent)?;
                }
                ReportCell::Decimal2(h) => {
                    ws.write_number_with_format(r, c16, *h as f64 / 100.0, &decimal)?;
                }
                ReportCell::Date(d) => {
                    ws.write_date_with_format(r, c16, d, &date)?;
                }
                ReportCell::DateTime(t) => {
                    ws.write_datetime_with_format(r, c16, t, &date_time)?;
                }
                ReportCell::Percent(None) | ReportCell::Empty => {}
            }
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(cell_text(cell).width());
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64 + 2.0).min(60.0))?;
    }
    ws.set_freeze_panes(2, 0)?;
    // Charts to the right of the table, one under another, over the rows below the headers.
    let last_row = sheet.rows.len() as u32 + 1;
    for (i, c) in sheet.charts.iter().enumerate() {
        if sheet.rows.is_empty() {
            break;
        }
        let mut chart = Chart::new(ChartType::Line);
        chart
            .add_series()
            .set_categories((ws.name().as_str(), 2, 0, last_row, 0))
            .set_values((ws.name().as_str(), 2, c.column, last_row, c.column))
            .set_name(sheet.headers.get(usize::from(c.column)).map_or("", String::as_str));
        chart.title().set_name(&c.title);
        chart.legend().set_hidden();
        ws.insert_chart(1 + 16 * i as u32, sheet.headers.len() as u16 + 1, &chart)?;
    }
    Ok(())
}

pub fn write_xlsx(path: &Path, force: bool, report: &Report) -> Result<()> {
    let mut wb = Workbook::new();
    for sheet in &report.sheets {
        write_sheet(wb.add_worksheet(), &report.heading(sheet), sheet).map_err(err)?;
    }
    let bytes = wb.save_to_buffer().map_err(err)?;
    write_output(path, force, |f| {
        f.write_all(&bytes)?;
        Ok(())
    })
}
