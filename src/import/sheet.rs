//! A decoded input file as a header row and data rows, each row with the line number a person
//! sees in Excel, and columns found by their Chinese (or English) header names.

use crate::service::views::RowProblem;

pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

pub struct Row {
    /// Line of the file the row starts on; the header is line 1.
    pub line: u64,
    pub cells: Vec<String>,
}

/// Excel writes tab-separated text for "Unicode text"; everything else here is comma-separated.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    if first.contains('\t') && !first.contains(',') { b'\t' } else { b',' }
}

impl Sheet {
    pub fn parse(text: &str) -> Result<Sheet, RowProblem> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter(text))
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| RowProblem {
                line: 1, column: String::new(), reason: format!("无法读取表头：{e}")
            })?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(RowProblem {
                line: 1, column: String::new(), reason: "文件为空或没有表头".into()
            });
        }
        // The csv crate's line count is off after blank lines, and a record's position can be the
        // blank line before it; count lines up to the record's first real byte instead.
        let mut lines = LineCounter::new(text.as_bytes());
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                RowProblem { line, column: String::new(), reason: format!("CSV 格式错误：{e}") }
            })?;
            let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
            // Excel leaves rows of bare commas below the data.
            if cells.iter().all(String::is_empty) {
                continue;
            }
            rows.push(Row { line, cells });
        }
        Ok(Sheet { headers, rows })
    }
}

/// Line numbers of byte positions that mostly move forward. Counting from the start of the file
/// for every record made a large import quadratic; this counts only the bytes since the last
/// position asked about.
struct LineCounter<'t> {
    bytes: &'t [u8],
    /// The last position asked about and how many newlines come before it.
    at: usize,
    newlines: u64,
}

impl<'t> LineCounter<'t> {
    fn new(bytes: &'t [u8]) -> Self {
        LineCounter { bytes, at: 0, newlines: 0 }
    }

    /// The line (from 1) of the first byte at or after `byte` that is not a line break.
    fn line_at(&mut self, byte: u64) -> u64 {
        let bytes = self.bytes;
        let mut to = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        while to < bytes.len() && matches!(bytes[to], b'\n' | b'\r') {
            to += 1;
        }
        let count = |span: &[u8]| span.iter().filter(|b| **b == b'\n').count() as u64;
        // The csv reader only moves forward, but going back stays right rather than assuming it.
        if to >= self.at {
            self.newlines += count(&bytes[self.at..to]);
        } else {
            self.newlines -= count(&bytes[to..self.at]);
        }
        self.at = to;
        self.newlines + 1
    }
}

/// "日均金融资产（元）" and "日均金融资产" are the same column; so are "手机号码" and "手机 号码".
pub fn normalise_header(h: &str) -> String {
    let mut s: String =
        h.chars().filter(|c| !c.is_whitespace() && *c != '*').collect::<String>().to_lowercase();
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let (Some(a), Some(b)) = (s.find(open), s.rfind(close))
            && a < b
        {
            s.replace_range(a..b + close.len_utf8(), "");
        }
    }
    s
}

/// A field of an import and the header names that mean it; the first name is the canonical one.
pub struct Field {
    pub names: &'static [&'static str],
    pub required: bool,
}

impl Field {
    pub fn canonical(&self) -> &'static str {
        self.names[0]
    }
}

/// Where each field's column is, and which headers nobody asked for.
pub struct Columns {
    found: Vec<Option<usize>>,
    pub ignored: Vec<String>,
}

impl Columns {
    pub fn resolve(headers: &[String], fields: &[Field]) -> Result<Columns, Vec<RowProblem>> {
        let normal: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
        let mut found = Vec::new();
        let mut problems = Vec::new();
        let mut used = vec![false; headers.len()];
        for f in fields {
            let hits: Vec<usize> = (0..normal.len())
                .filter(|i| f.names.iter().any(|n| normalise_header(n) == normal[*i]))
                .collect();
            match hits.as_slice() {
                [] if f.required => problems.push(RowProblem {
                    line: 1,
                    column: f.canonical().into(),
                    reason: format!("缺少“{}”列（可用列名：{}）", f.canonical(), f.names.join("、")),
                }),
                [] => found.push(None),
                [i] => {
                    used[*i] = true;
                    found.push(Some(*i));
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|i| headers[*i].as_str()).collect();
                    problems.push(RowProblem {
                        line: 1,
                        column: f.canonical().into(),
                        reason: format!(
                            "有多列都表示“{}”：{}，请只保留一列",
                            f.canonical(),
                            names.join("、")
                        ),
                    });
                    found.push(None);
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let ignored = headers
            .iter()
            .zip(&used)
            .filter(|(h, u)| !**u && !h.is_empty())
            .map(|(h, _)| h.clone())
            .collect();
        Ok(Columns { found, ignored })
    }

    /// The cell of field number `field` (its position in the field table) in `row`, if the
    /// file has that column and the cell is not empty.
    pub fn cell<'r>(&self, row: &'r Row, field: usize) -> Option<&'r str> {
        let i = self.found.get(field).copied().flatten()?;
        row.cells.get(i).map(String::as_str).filter(|c| !c.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field { names: &["客户号", "客户编号"], required: true },
        Field { names: &["日均金融资产", "日均资产"], required: false },
    ];

    #[test]
    fn headers_match_with_units_spaces_and_aliases() {
        assert_eq!(normalise_header(" 日均金融资产（元） "), "日均金融资产");
        assert_eq!(normalise_header("*客户号"), "客户号");
        let sheet = Sheet::parse("客户编号,日均资产(元),备注\nC1,100,x\n,,\n\nC2,,y\n").unwrap();
        let cols = Columns::resolve(&sheet.headers, FIELDS).unwrap();
        assert_eq!(cols.ignored, ["备注"]);
        assert_eq!(sheet.rows.len(), 2, "blank rows are skipped");
        assert_eq!(sheet.rows[1].line, 5, "line numbers count the skipped rows");
        assert_eq!(cols.cell(&sheet.rows[0], 1), Some("100"));
        assert_eq!(cols.cell(&sheet.rows[1], 1), None);
    }

    #[test]
    fn a_missing_or_doubled_column_is_reported_on_line_1() {
        let sheet = Sheet::parse("姓名\n张伟\n").unwrap();
        let err = Columns::resolve(&sheet.headers, FIELDS).err().unwrap();
        assert_eq!(err[0].line, 1);
        assert!(err[0].reason.contains("缺少“客户号”列"));
        let sheet = Sheet::parse("客户号,客户编号\n1,2\n").unwrap();
        assert!(Columns::resolve(&sheet.headers, FIELDS).err().unwrap()[0].reason.contains("多列"));
    }

    #[test]
    fn rows_after_multi_line_cells_keep_the_line_excel_shows() {
        let text = "客户号,备注\r\nC1,\"第一行\r\n第二行\r\n第三行\"\r\nC2,x\r\n\r\nC3,\"a\nb\"\nC4,y\n";
        let sheet = Sheet::parse(text).unwrap();
        let lines: Vec<(u64, &str)> = sheet.rows.iter().map(|r| (r.line, r.cells[0].as_str())).collect();
        assert_eq!(lines, [(2, "C1"), (5, "C2"), (7, "C3"), (9, "C4")]);
        assert_eq!(sheet.rows[0].cells[1], "第一行\r\n第二行\r\n第三行");
    }

    #[test]
    fn line_numbers_do_not_depend_on_the_order_they_are_asked_for() {
        let text = b"h\n\"a\nb\"\r\n\r\nc\nd\n";
        let from_start = |byte: usize| {
            let mut at = byte.min(text.len());
            while at < text.len() && matches!(text[at], b'\n' | b'\r') {
                at += 1;
            }
            text[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1
        };
        let mut lines = LineCounter::new(text);
        for byte in [0, 2, 9, 3, 12, 14, 100, 1, 0] {
            assert_eq!(lines.line_at(byte as u64), from_start(byte), "byte {byte}");
        }
    }

    #[test]
    fn tab_separated_unicode_text_is_read() {
        let sheet = Sheet::parse("客户号\t日均资产\nC1\t5\n").unwrap();
        assert_eq!(sheet.headers, ["客户号", "日均资产"]);
        assert_eq!(sheet.rows[0].cells, ["C1", "5"]);
    }
}
