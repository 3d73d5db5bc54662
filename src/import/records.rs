//! The three import files (staff directory, client register, holdings) as typed records. Every
//! bad cell becomes a problem naming its line and column; rows with problems are not returned.

use chrono::NaiveDate;

use super::sheet::{Columns, Field, Row, Sheet};
use crate::domain::calendar::parse_full_date;
use crate::domain::client::{parse_id_number, parse_phone, parse_self_service};
use crate::domain::staff::parse_person_name;
use crate::domain::{
    CardTier, ClientClass, ClientNo, ClientStatus, Fen, Gender, Invalid, JobRole, Login, OutletId,
    Permission, Segment, StaffNo, parse_yes_no,
};
use crate::service::imports::{ClientRecord, HoldingsCells, HoldingsRecord, StaffRecord};
use crate::service::views::RowProblem;

/// Records read from a file, or every problem found in it.
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub problems: Vec<RowProblem>,
    /// Headers no field uses; reported so a misspelt column is noticed.
    pub ignored_columns: Vec<String>,
}

/// The columns each import accepts. The first name of each field is what exports write and what
/// `docs/IMPORT.md` lists; the others are names seen in core-banking exports.
pub const STAFF_FIELDS: &[Field] = &[
    Field { names: &["工号", "员工号", "柜员号", "员工编号"], required: true },
    Field { names: &["姓名", "员工姓名"], required: true },
    Field { names: &["岗位", "职务", "岗位名称"], required: true },
    Field { names: &["网点", "所属网点", "网点名称", "机构"], required: true },
    Field { names: &["登录名", "系统账号", "用户名", "login"], required: false },
    Field { names: &["权限", "系统权限"], required: false },
    Field { names: &["在职", "状态", "在职状态"], required: false },
];

pub const CLIENT_FIELDS: &[Field] = &[
    Field { names: &["客户号", "客户编号", "客户号码", "客户代码"], required: true },
    Field { names: &["客户姓名", "姓名", "客户名称"], required: false },
    Field { names: &["性别"], required: false },
    Field { names: &["手机号码", "手机", "手机号", "联系电话", "电话"], required: false },
    Field { names: &["证件号码", "身份证号", "身份证号码", "证件号"], required: false },
    Field { names: &["出生日期", "生日"], required: false },
    Field { names: &["网点", "所属网点", "开户网点", "归属网点"], required: false },
    Field { names: &["卡级别", "客户等级", "卡等级"], required: false },
    Field { names: &["日均金融资产", "日均资产", "金融资产"], required: false },
    Field { names: &["客户分类", "分类"], required: false },
    Field { names: &["客户类型", "名单类型"], required: false },
    Field {
        names: &["维护人工号", "维护人", "管户人工号", "客户经理工号"], required: false
    },
    Field { names: &["客户状态", "状态"], required: false },
    Field { names: &["贴标", "是否贴标"], required: false },
    Field { names: &["贴标日期"], required: false },
    Field { names: &["个人网银", "网银", "是否开通网银"], required: false },
    Field { names: &["双利丰"], required: false },
    Field { names: &["基金定投", "定投"], required: false },
    Field { names: &["理财产品数", "理财产品", "持有理财数", "理财"], required: false },
    Field { names: &["自办业务比例", "自办比例", "自助比例"], required: false },
];

pub const HOLDINGS_FIELDS: &[Field] = &[
    Field { names: &["客户号", "客户编号", "客户号码", "客户代码"], required: true },
    Field { names: &["日均金融资产", "日均资产", "金融资产"], required: false },
    Field { names: &["个人网银", "网银", "是否开通网银"], required: false },
    Field { names: &["双利丰"], required: false },
    Field { names: &["基金定投", "定投"], required: false },
    Field { names: &["理财产品数", "理财产品", "持有理财数", "理财"], required: false },
    Field { names: &["自办业务比例", "自办比例", "自助比例"], required: false },
];

/// Reads cells of one row, collecting a problem for each bad one.
struct Cells<'a> {
    cols: &'a Columns,
    fields: &'a [Field],
    row: &'a Row,
    problems: Vec<RowProblem>,
}

impl<'a> Cells<'a> {
    fn raw(&self, f: usize) -> Option<&'a str> {
        self.cols.cell(self.row, f)
    }

    fn note(&mut self, f: usize, reason: String) {
        self.problems.push(RowProblem {
            line: self.row.line,
            column: self.fields[f].canonical().into(),
            reason,
        });
    }

    /// An optional cell parsed with `parse`; a bad value is a problem, an empty cell is `None`.
    fn opt<T>(&mut self, f: usize, parse: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        let raw = self.raw(f)?;
        match parse(raw) {
            Ok(v) => Some(v),
            Err(e) => {
                self.note(f, e.reason);
                None
            }
        }
    }

    /// A cell that must be present.
    fn req<T>(&mut self, f: usize, parse: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        if self.raw(f).is_none() {
            self.note(f, "不能为空".into());
            return None;
        }
        self.opt(f, parse)
    }
}

fn read<T>(text: &str, fields: &[Field], mut row_fn: impl FnMut(&mut Cells) -> Option<T>) -> Parsed<T> {
    let sheet = match Sheet::parse(text) {
        Ok(s) => s,
        Err(p) => return Parsed { rows: vec![], problems: vec![p], ignored_columns: vec![] },
    };
    let cols = match Columns::resolve(&sheet.headers, fields) {
        Ok(c) => c,
        Err(problems) => return Parsed { rows: vec![], problems, ignored_columns: vec![] },
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for row in &sheet.rows {
        let mut cells = Cells { cols: &cols, fields, row, problems: Vec::new() };
        let record = row_fn(&mut cells);
        if cells.problems.is_empty() {
            rows.extend(record);
        } else {
            problems.append(&mut cells.problems);
        }
    }
    if sheet.rows.is_empty() {
        problems.push(RowProblem {
            line: 2, column: String::new(), reason: "文件只有表头，没有数据".into()
        });
    }
    Parsed { rows, problems, ignored_columns: cols.ignored }
}

pub fn parse_date(raw: &str) -> Result<NaiveDate, Invalid> {
    let s = raw.trim();
    parse_full_date(s).ok_or_else(|| Invalid::new("日期", format!("“{s}”不是日期（如 2026-11-05）")))
}

fn parse_active(raw: &str) -> Result<bool, Invalid> {
    match raw.trim() {
        "在职" | "正常" | "启用" => Ok(true),
        "离职" | "停用" | "调离" => Ok(false),
        other => parse_yes_no("在职", other),
    }
}

fn parse_count(raw: &str) -> Result<u16, Invalid> {
    // "有"/"无" are common for a yes/no-style 理财 column.
    if let Ok(b) = parse_yes_no("理财产品数", raw) {
        return Ok(u16::from(b));
    }
    raw.trim().parse::<u16>().map_err(|_| Invalid::new("理财产品数", format!("“{}”应为整数", raw.trim())))
}

fn money(raw: &str) -> Result<Fen, Invalid> {
    Fen::parse_yuan(raw).map_err(|r| Invalid::new("金额", r))
}

fn name(raw: &str) -> Result<String, Invalid> {
    parse_person_name("姓名", raw)
}

pub fn parse_staff(text: &str) -> Parsed<StaffRecord> {
    read(text, STAFF_FIELDS, |c| {
        let no = c.req(0, StaffNo::parse);
        let name = c.req(1, name);
        let role = c.req(2, JobRole::parse);
        let outlet = c.req(3, OutletId::parse);
        let login = c.opt(4, Login::parse);
        let permission = c.opt(5, Permission::parse);
        let active = c.opt(6, parse_active);
        Some(StaffRecord {
            line: c.row.line,
            no: no?,
            name: name?,
            role: role?,
            outlet: outlet?,
            login,
            permission,
            active,
        })
    })
}

fn holdings_cells(c: &mut Cells, first: usize) -> HoldingsCells {
    let yes_no = |field: &'static str| move |raw: &str| parse_yes_no(field, raw);
    HoldingsCells {
        online_banking: c.opt(first, yes_no("个人网银")),
        shuanglifeng: c.opt(first + 1, yes_no("双利丰")),
        fund_auto_invest: c.opt(first + 2, yes_no("基金定投")),
        wealth_products: c.opt(first + 3, parse_count),
        self_service_permille: c.opt(first + 4, parse_self_service),
    }
}

pub fn parse_clients(text: &str) -> Parsed<ClientRecord> {
    read(text, CLIENT_FIELDS, |c| {
        Some(ClientRecord {
            line: c.row.line,
            no: c.req(0, ClientNo::parse),
            name: c.opt(1, name),
            gender: c.opt(2, Gender::parse),
            phone: c.opt(3, parse_phone),
            id_number: c.opt(4, parse_id_number),
            birthday: c.opt(5, parse_date),
            outlet: c.opt(6, OutletId::parse),
            tier: c.opt(7, CardTier::parse),
            assets: c.opt(8, money),
            class: c.opt(9, ClientClass::parse),
            segment: c.opt(10, Segment::parse),
            maintainer: c.opt(11, StaffNo::parse),
            status: c.opt(12, ClientStatus::parse),
            sticker: c.opt(13, |r| parse_yes_no("贴标", r)),
            sticker_on: c.opt(14, parse_date),
            holdings: holdings_cells(c, 15),
        })
    })
}

pub fn parse_holdings(text: &str) -> Parsed<HoldingsRecord> {
    read(text, HOLDINGS_FIELDS, |c| {
        let no = c.req(0, ClientNo::parse);
        let assets = c.opt(1, money);
        let holdings = holdings_cells(c, 2);
        Some(HoldingsRecord { line: c.row.line, no: no?, assets, holdings })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_register_with_chinese_headers_is_read() {
        let text = "客户号,客户姓名,手机号码,证件号码,网点,卡级别,日均金融资产（元）,客户分类,维护人工号,个人网银,理财产品数,自办业务比例\n\
                    C001,张伟,138 0013 8000,11010519491231002X,城关,金卡,\"123,456.78\",重要,2001,是,2,85%\n";
        let p = parse_clients(text);
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
        let p = parse_clients(text);
        let found: Vec<(u64, &str)> = p.problems.iter().map(|x| (x.line, x.column.as_str())).collect();
        assert_eq!(found, [(2, "手机号码"), (3, "卡级别"), (3, "日均金融资产"), (4, "客户号")]);
        assert!(p.rows.is_empty(), "rows with problems are not returned");
    }

    #[test]
    fn staff_rows_need_their_four_columns() {
        let p = parse_staff(
            "工号,姓名,岗位,网点,登录名,权限,在职\n2001,王芳,柜员,城关,wangf,,在职\n2002,,柜员,城关,,,离职\n",
        );
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].permission, None, "an empty cell leaves the permission as it is");
        assert_eq!(p.rows[0].active, Some(true));
        assert_eq!(p.problems[0].line, 3);
        assert_eq!(p.problems[0].column, "姓名");
    }

    #[test]
    fn docs_list_every_accepted_header() {
        let doc = include_str!("../../docs/IMPORT.md");
        for f in STAFF_FIELDS.iter().chain(CLIENT_FIELDS).chain(HOLDINGS_FIELDS) {
            for name in f.names {
                assert!(doc.contains(name), "docs/IMPORT.md does not mention the header {name}");
            }
        }
    }

    #[test]
    fn dates_in_the_forms_spreadsheets_use() {
        let want = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        for s in ["2026-11-05", "2026/11/5", "20261105", "2026年11月5日", "2026.11.05"] {
            assert_eq!(parse_date(s), Ok(want), "{s}");
        }
        assert!(parse_date("11/05/2026").is_err());
    }
}
