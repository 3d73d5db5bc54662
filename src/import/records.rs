//! The import files (staff directory, client register, holdings) as typed records, read through
//! their column lists. Every bad cell becomes a problem naming its row and column; rows with
//! problems are not returned.

use std::path::Path;

use chrono::NaiveDate;

use super::columns::{self, CLIENT_COLUMNS, CONTACT_COLUMNS, HOLDINGS_COLUMNS, Parsed, STAFF_COLUMNS};
use super::grid::RawRow;
use crate::service::ContactRecord;
use crate::service::imports::{ClientRecord, HoldingsRecord, StaffRecord};

/// The rows of an import file and what it was read as (`UTF-8（带 BOM）`, `工作簿 Sheet1`).
///
/// Workbooks (`.xlsx`, `.xls`, …) are read cell by cell; anything else is text in one of the
/// encodings Excel writes. Errors are sentences naming the file.
pub fn read_file(path: &Path, sheet: Option<&str>) -> Result<(Vec<RawRow>, String), String> {
    if super::workbook::is_workbook(path) {
        let rows = super::workbook::read_workbook(path, sheet)?;
        return Ok((rows, format!("工作簿{}", sheet.map(|s| format!("，工作表“{s}”")).unwrap_or_default())));
    }
    if sheet.is_some() {
        return Err(format!("{} 不是工作簿，没有工作表可选；--sheet 只用于 .xlsx/.xls 文件", path.display()));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| format!("无法读取文件 {}：{}", path.display(), crate::os::io_reason(&e)))?;
    read_text(&bytes).map_err(|e| format!("{}：{e}", path.display()))
}

/// The rows of a text file's bytes, and the encoding they were read in.
pub fn read_text(bytes: &[u8]) -> Result<(Vec<RawRow>, String), String> {
    let (text, encoding) = super::decode(bytes)?;
    let rows = super::sheet::text_rows(&text, encoding.starts_with("UTF-16")).map_err(|p| p.to_string())?;
    Ok((rows, format!("编码 {encoding}")))
}

fn finish<D, T>(p: Parsed<D>, make: impl Fn(D) -> Option<T>) -> Parsed<T> {
    Parsed { rows: p.rows.into_iter().filter_map(make).collect(), problems: p.problems, notes: p.notes }
}

/// A staff directory. `today` bounds dates that cannot be in the future.
pub fn parse_staff(rows: Vec<RawRow>, today: NaiveDate) -> Parsed<StaffRecord> {
    finish(columns::parse(rows, STAFF_COLUMNS, today), columns::StaffDraft::record)
}

/// A client register.
pub fn parse_clients(rows: Vec<RawRow>, today: NaiveDate) -> Parsed<ClientRecord> {
    columns::parse(rows, CLIENT_COLUMNS, today)
}

/// A holdings file (the monthly basic-requirement and balance figures).
pub fn parse_holdings(rows: Vec<RawRow>, today: NaiveDate) -> Parsed<HoldingsRecord> {
    finish(columns::parse(rows, HOLDINGS_COLUMNS, today), |r| {
        Some(HoldingsRecord { line: r.line, no: r.no?, assets: r.assets, holdings: r.holdings })
    })
}

/// A contact log (calls made elsewhere, a paper log typed into Excel).
pub fn parse_contacts(rows: Vec<RawRow>, today: NaiveDate) -> Parsed<ContactRecord> {
    columns::parse(rows, CONTACT_COLUMNS, today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CardTier, ClientClass, Fen};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn rows(text: &str) -> Vec<RawRow> {
        super::super::sheet::text_rows(text, false).unwrap()
    }

    #[test]
    fn a_client_register_with_chinese_headers_is_read() {
        let text = "客户号,客户姓名,手机号码,证件号码,网点,卡级别,日均金融资产（元）,客户分类,维护人工号,个人网银,理财产品数,自办业务比例\n\
                    C001,张伟,138 0013 8000,11010519491231002X,城关,金卡,\"123,456.78\",重要,2001,是,2,85%\n";
        let p = parse_clients(rows(text), today());
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let r = &p.rows[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.phone.as_deref(), Some("13800138000"));
        assert_eq!(r.assets, Some(Fen(12_345_678)));
        assert_eq!(r.tier, Some(CardTier::Gold));
        assert_eq!(r.class, Some(ClientClass::Important));
        assert_eq!(r.holdings.online_banking, Some(true));
        assert_eq!(r.holdings.shuanglifeng, None, "no such column: left as it is");
        assert_eq!(r.holdings.self_service_permille, Some(850));
    }

    #[test]
    fn every_bad_cell_is_reported_with_line_and_column() {
        let text = "客户号,手机号码,卡级别,日均金融资产\nC1,123,金卡,100\nC2,13800138000,铜卡,abc\n,13800138000,金卡,1\n";
        let p = parse_clients(rows(text), today());
        let found: Vec<(u64, &str)> = p.problems.iter().map(|x| (x.line, x.column.as_str())).collect();
        assert_eq!(found, [(2, "手机号码"), (3, "卡级别"), (3, "日均金融资产"), (4, "客户号")]);
        assert!(p.rows.is_empty(), "rows with problems are not returned");
    }

    #[test]
    fn staff_rows_need_their_four_columns() {
        let p = parse_staff(
            rows(
                "工号,姓名,岗位,网点,登录名,权限,在职\n2001,王芳,柜员,城关,wangf,,在职\n2002,,柜员,城关,,,离职\n",
            ),
            today(),
        );
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].permission, None, "an empty cell leaves the permission as it is");
        assert_eq!(p.rows[0].active, Some(true));
        assert_eq!(p.problems[0].line, 3);
        assert_eq!(p.problems[0].column, "姓名");
    }

    #[test]
    fn a_title_above_the_header_and_a_total_below_are_skipped_with_notes() {
        let text = "报表名称：个人客户名单,,\n机构：城关支行,,打印日期：2026-11-30\n客户号,客户姓名,网点\nC1,张伟,城关\n合计,共1户,\n制表人：张三,,复核：李四\n";
        let p = parse_clients(rows(text), today());
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.rows.len(), 1);
        let lines: Vec<u64> = p.notes.iter().map(|n| n.line).collect();
        assert_eq!(lines, [1, 2, 5, 6], "{:?}", p.notes);
        assert!(p.notes[2].reason.contains("合计行"));
        assert!(p.notes[3].reason.contains("表尾"));
    }

    #[test]
    fn two_columns_for_one_field_take_the_preferred_and_refuse_disagreement() {
        let text = "客户号,手机号码,联系电话\nC1,13800138000,\nC2,,13900139000\nC3,13800138000,138 0013 8000\nC4,13800138000,13900139000\n";
        let p = parse_clients(rows(text), today());
        let phones: Vec<Option<&str>> = p.rows.iter().map(|r| r.phone.as_deref()).collect();
        assert_eq!(phones, [Some("13800138000"), Some("13900139000"), Some("13800138000")]);
        assert_eq!(p.problems.len(), 1);
        assert_eq!((p.problems[0].line, p.problems[0].column.as_str()), (5, "手机号码"));
        assert!(p.notes.iter().any(|n| n.reason.contains("以“手机号码”为准")), "{:?}", p.notes);
    }

    #[test]
    fn the_maintainer_column_may_be_called_weihuren_and_its_name_beside_the_number_is_ignored() {
        let p = parse_clients(rows("客户号,维护人\nC1,1002\n"), today());
        assert_eq!(p.rows[0].maintainer.as_ref().map(|m| m.as_str()), Some("1002"));
        let p = parse_clients(rows("客户号,维护人工号,维护人\nC1,1002,吴霞\n"), today());
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.rows[0].maintainer.as_ref().map(|m| m.as_str()), Some("1002"));
        assert!(p.notes.iter().any(|n| n.reason.contains("导出时计算")), "{:?}", p.notes);
    }
}
