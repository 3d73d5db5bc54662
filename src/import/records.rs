//! The import files (staff directory, client register, holdings, contact logs) as typed records, read through
//! their column lists. Every bad cell becomes a problem naming its row and column; rows with
//! problems are not returned.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use chrono::NaiveDate;

use super::columns::{
    self, CLIENT_COLUMNS, CONTACT_COLUMNS, Column, Draft, HOLDINGS_COLUMNS, Parsed, ReadReport, STAFF_COLUMNS,
};
use super::grid::RawRow;
use super::sheet::Rows;
use crate::service::ContactRecord;
use crate::service::imports::{ClientRecord, HoldingsRecord, StaffRecord};
use crate::service::views::RowProblem;

/// The rows of an import file and what it was read as (`UTF-8（带 BOM）`, `工作簿 Sheet1`).
///
/// Workbooks (`.xlsx`, `.xls`, …) are read cell by cell; anything else is text in one of the
/// encodings Excel writes. Errors are sentences naming the file.
pub fn read_file(path: &Path, sheet: Option<&str>) -> Result<(Vec<RawRow>, String), String> {
    let file = ImportFile::open(path, sheet)?;
    let rows = file.rows()?.collect::<Result<Vec<_>, _>>().map_err(|p| format!("{}：{p}", path.display()))?;
    Ok((rows, file.read_as()))
}

/// The rows of a text file's bytes, and the encoding they were read in.
pub fn read_text(bytes: &[u8]) -> Result<(Vec<RawRow>, String), String> {
    let (text, encoding) = super::decode(bytes)?;
    let rows = super::sheet::text_rows(&text, encoding.starts_with("UTF-16")).map_err(|p| p.to_string())?;
    Ok((rows, format!("编码 {encoding}")))
}

/// An import file opened to be read row by row, as often as needed, without holding it: a
/// workbook's sheet is read whole (the workbook reader does so anyway), a text file is decoded
/// as it is read.
pub struct ImportFile {
    path: std::path::PathBuf,
    kind: FileKind,
}

enum FileKind {
    Sheet { rows: Vec<RawRow>, sheet: Option<String> },
    Text { encoding: Encoding, sep: u8 },
}

/// How a text file is encoded, found from its BOM or, without one, by reading it through once.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// "Unicode 文本" saved without its mark.
    Utf16LeBare,
    Utf16BeBare,
    Gb18030,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8（带 BOM）",
            Encoding::Utf16Le | Encoding::Utf16LeBare => "UTF-16LE",
            Encoding::Utf16Be | Encoding::Utf16BeBare => "UTF-16BE",
            Encoding::Gb18030 => "GBK/GB18030",
        }
    }

    fn is_utf16(self) -> bool {
        matches!(self, Encoding::Utf16Le | Encoding::Utf16Be | Encoding::Utf16LeBare | Encoding::Utf16BeBare)
    }

    fn bom_len(self) -> u64 {
        match self {
            Encoding::Utf8Bom => 3,
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf8 | Encoding::Utf16LeBare | Encoding::Utf16BeBare | Encoding::Gb18030 => 0,
        }
    }
}

impl ImportFile {
    /// Opens `path`, deciding how it is read. Errors are sentences naming the file.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<ImportFile, String> {
        if super::workbook::is_workbook(path) {
            let rows = super::workbook::read_workbook(path, sheet)?;
            let kind = FileKind::Sheet { rows, sheet: sheet.map(str::to_string) };
            return Ok(ImportFile { path: path.to_path_buf(), kind });
        }
        if sheet.is_some() {
            return Err(format!(
                "{} 不是工作簿，没有工作表可选；--sheet 只用于 .xlsx/.xls 文件",
                path.display()
            ));
        }
        let encoding = sniff(path).map_err(|e| format!("{}：{e}", path.display()))?;
        let mut file = ImportFile { path: path.to_path_buf(), kind: FileKind::Text { encoding, sep: b',' } };
        let sep = if encoding.is_utf16() {
            b'\t'
        } else {
            // The first lines decide; 64 KiB holds far more than the 30 looked at.
            let mut head = Vec::new();
            file.decoded()?.take(64 << 10).read_to_end(&mut head).map_err(|e| file.failed(&e))?;
            let whole = head.iter().rposition(|b| *b == b'\n').map_or(head.len(), |i| i + 1);
            super::sheet::separator(&String::from_utf8_lossy(&head[..whole]))
        };
        file.kind = FileKind::Text { encoding, sep };
        Ok(file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the file was read as (`编码 UTF-8`, `工作簿，工作表“名单”`).
    pub fn read_as(&self) -> String {
        match &self.kind {
            FileKind::Sheet { sheet, .. } => {
                format!("工作簿{}", sheet.as_ref().map(|s| format!("，工作表“{s}”")).unwrap_or_default())
            }
            FileKind::Text { encoding, .. } => format!("编码 {}", encoding.name()),
        }
    }

    fn failed(&self, e: &std::io::Error) -> String {
        format!("无法读取文件 {}：{}", self.path.display(), crate::os::io_reason(e))
    }

    /// The text as UTF-8, decoded as it is read.
    fn decoded(&self) -> Result<Box<dyn Read>, String> {
        let FileKind::Text { encoding, .. } = &self.kind else { return Ok(Box::new(std::io::empty())) };
        let mut f = std::fs::File::open(&self.path).map_err(|e| self.failed(&e))?;
        f.seek(SeekFrom::Start(encoding.bom_len())).map_err(|e| self.failed(&e))?;
        let f = BufReader::with_capacity(1 << 16, f);
        Ok(match encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => Box::new(f),
            Encoding::Utf16Le => {
                Box::new(Decoding::new(f, encoding_rs::UTF_16LE, "文件以 UTF-16LE 标记开头，但内容有误"))
            }
            Encoding::Utf16Be => {
                Box::new(Decoding::new(f, encoding_rs::UTF_16BE, "文件以 UTF-16BE 标记开头，但内容有误"))
            }
            // Checked throughout when the file was opened; these texts are for a file changed
            // since.
            Encoding::Utf16LeBare => Box::new(Decoding::new(f, encoding_rs::UTF_16LE, UNREADABLE)),
            Encoding::Utf16BeBare => Box::new(Decoding::new(f, encoding_rs::UTF_16BE, UNREADABLE)),
            Encoding::Gb18030 => Box::new(Decoding::new(f, encoding_rs::GB18030, UNREADABLE)),
        })
    }

    /// The rows from the start of the file.
    pub fn rows(&self) -> Result<Rows<'_>, String> {
        match &self.kind {
            FileKind::Sheet { rows, .. } => Ok(Box::new(rows.iter().cloned().map(Ok))),
            FileKind::Text { sep, .. } => Ok(Box::new(super::sheet::TextRows::new(self.decoded()?, *sep))),
        }
    }

    /// Reads the file through `columns`, handing each good record to `each` (see
    /// `columns::read_each`). A file that cannot be opened again is the problem that stopped it.
    pub fn read_each<D: Draft, V>(
        &self,
        columns: &[Column<D, V>],
        today: NaiveDate,
        each: &mut dyn FnMut(D),
    ) -> ReadReport {
        let open = || -> Rows<'_> {
            match self.rows() {
                Ok(rows) => rows,
                Err(e) => {
                    Box::new(std::iter::once(Err(RowProblem { line: 0, column: String::new(), reason: e })))
                }
            }
        };
        columns::read_each(&open, columns, today, each)
    }
}

/// A file that is none of the encodings Excel writes.
const UNREADABLE: &str = "无法识别文件编码（应为 UTF-8 或 GBK）。请在 Excel 中“另存为 → CSV UTF-8”后重试";

/// The encoding of a text file, as `decode` decides it: its BOM's; else UTF-16 without its mark
/// if the first bytes have NULs all on one side of the pairs and the whole file decodes so; else
/// UTF-8 if every byte of it is; else GB18030 if the whole file decodes so. Reads the file
/// through a few times, in pieces, never whole. A file in none of them is refused naming the
/// row where it stops being UTF-8.
fn sniff(path: &Path) -> Result<Encoding, String> {
    let failed = |e: std::io::Error| format!("无法读取文件：{}", crate::os::io_reason(&e));
    let open = || -> Result<BufReader<std::fs::File>, String> {
        Ok(BufReader::with_capacity(1 << 16, std::fs::File::open(path).map_err(failed)?))
    };
    let mut f = open()?;
    let head = f.fill_buf().map_err(failed)?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        // Checked as a whole, as before: a file marked UTF-8 must be UTF-8 throughout.
        f.consume(3);
        return match utf8_throughout(&mut f).map_err(failed)? {
            None => Ok(Encoding::Utf8Bom),
            Some(at) => Err(format!("文件以 UTF-8 标记开头，但第 {} 字节起不是 UTF-8", at + 4)),
        };
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Encoding::Utf16Be);
    }
    // Text files never hold NUL bytes; UTF-16 has one in every ASCII character (a tab, a line
    // break, a digit), all on the same side of the pair.
    let head = &head[..head.len().min(4096) & !1];
    let zero_odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let zero_even = head.iter().step_by(2).filter(|b| **b == 0).count();
    let guess = match (zero_odd, zero_even) {
        (odd, 0) if odd >= 2 => Some((encoding_rs::UTF_16LE, Encoding::Utf16LeBare)),
        (0, even) if even >= 2 => Some((encoding_rs::UTF_16BE, Encoding::Utf16BeBare)),
        _ => None,
    };
    if let Some((enc, found)) = guess
        && decodes_throughout(open()?, enc)
    {
        return Ok(found);
    }
    let Some(utf8_error) = utf8_throughout(&mut f).map_err(failed)? else { return Ok(Encoding::Utf8) };
    if decodes_throughout(open()?, encoding_rs::GB18030) {
        return Ok(Encoding::Gb18030);
    }
    // Name the row where the file stops being UTF-8, so a user can find the odd character.
    let mut before = Vec::new();
    open()?.take(utf8_error).read_to_end(&mut before).map_err(failed)?;
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    Err(format!(
        "第 {line} 行附近有无法识别的字符，文件既不是 UTF-8 也不是 GBK；请在 Excel 中“另存为 → CSV UTF-8”后重试"
    ))
}

/// Whether everything `input` holds decodes in `encoding` without a byte it does not have.
fn decodes_throughout(input: impl BufRead, encoding: &'static encoding_rs::Encoding) -> bool {
    std::io::copy(&mut Decoding::new(input, encoding, UNREADABLE), &mut std::io::sink()).is_ok()
}

/// `None` if everything `input` holds is UTF-8, else the offset where it stops being.
fn utf8_throughout(input: &mut impl BufRead) -> std::io::Result<Option<u64>> {
    let mut at = 0u64;
    // Bytes of a character cut by the end of the last piece.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(if carry.is_empty() { None } else { Some(at) });
        }
        let n = buf.len();
        let piece: Vec<u8>;
        let bytes = if carry.is_empty() {
            buf
        } else {
            piece = [&carry[..], buf].concat();
            &piece[..]
        };
        let valid = match std::str::from_utf8(bytes) {
            Ok(_) => bytes.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Ok(Some(at + e.valid_up_to() as u64)),
        };
        at += valid as u64;
        carry = bytes[valid..].to_vec();
        input.consume(n);
    }
}

/// Decodes `input` to UTF-8 as it is read; a byte sequence the encoding does not have is an
/// error with `bad` as its text.
struct Decoding<R> {
    input: R,
    decoder: encoding_rs::Decoder,
    bad: &'static str,
    out: Vec<u8>,
    out_at: usize,
    done: bool,
}

impl<R: BufRead> Decoding<R> {
    fn new(input: R, encoding: &'static encoding_rs::Encoding, bad: &'static str) -> Decoding<R> {
        Decoding {
            input,
            decoder: encoding.new_decoder_without_bom_handling(),
            bad,
            out: Vec::new(),
            out_at: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_at == self.out.len() {
            if self.done {
                return Ok(0);
            }
            let src = self.input.fill_buf()?;
            let last = src.is_empty();
            let room = self
                .decoder
                .max_utf8_buffer_length_without_replacement(src.len())
                .unwrap_or(src.len() * 3 + 16);
            self.out.resize(room, 0);
            let (result, read, written) =
                self.decoder.decode_to_utf8_without_replacement(src, &mut self.out, last);
            if let encoding_rs::DecoderResult::Malformed(..) = result {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, self.bad));
            }
            self.input.consume(read);
            self.out.truncate(written);
            self.out_at = 0;
            self.done = last;
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
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
    use crate::domain::{CardTier, ClientClass, Fen, Purpose};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn rows(text: &str) -> Vec<RawRow> {
        super::super::sheet::text_rows(text, false).unwrap()
    }

    #[test]
    fn several_purposes_in_one_cell_are_one_contact_main_purpose_first() {
        let text = "联系时间,客户号,员工工号,联系方式,联系目的,推介产品,联系结果\n\
                    2026-11-17 10:00,C1,2001,电话,回访、新品推介,养老理财,已沟通\n\
                    2026-11-17 11:00,C2,2001,电话,季度告知 / 回访,,已沟通\n\
                    2026-11-17 12:00,C3,2001,电话,回访，回访,,已沟通\n";
        let p = parse_contacts(rows(text), today());
        assert_eq!(p.rows.len(), 2, "{:?}", p.problems);
        assert_eq!(
            (p.rows[0].purpose, p.rows[0].also.clone()),
            (Some(Purpose::Callback), vec![Purpose::ProductPitch])
        );
        assert_eq!(p.rows[0].launch.as_deref(), Some("养老理财"));
        assert_eq!(
            (p.rows[1].purpose, p.rows[1].also.clone()),
            (Some(Purpose::QuarterlyNotice), vec![Purpose::Callback])
        );
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].line == 4 && p.problems[0].reason.contains("写了两次"), "{:?}", p.problems);
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
