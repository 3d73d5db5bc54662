//! The shape of a sheet as branches send it: title lines above the header, the header row, data
//! rows, total rows (合计) and footers (制表人、复核) below. This finds the header among the
//! first rows, decides which column is which field, and hands on only the data rows, with a note
//! for everything it skipped so that nothing disappears without a word.

use super::columns::{Column, Need};
use super::grid::{RawCell, RawRow};
use crate::service::views::RowProblem;

/// How many rows from the top may hold title lines before the header.
pub const HEADER_SEARCH_ROWS: usize = 15;

/// The separators a text export uses. Excel's "CSV" on a European locale writes `;`; its
/// "Unicode 文本" writes tabs.
const SEPARATORS: [u8; 3] = [b',', b'\t', b';'];

/// The separator most lines of the first 30 agree on: the one whose most common per-line count
/// (above zero) is shared by the most lines. Counting a single line misreads a header such as
/// `联系电话, 手机` in a tab-separated file; counting several does not.
pub fn separator(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(30).collect();
    let mut best = (0usize, b',');
    for sep in SEPARATORS {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, sep)).collect();
        let mut support = std::collections::BTreeMap::<usize, usize>::new();
        for c in counts.into_iter().filter(|c| *c > 0) {
            *support.entry(c).or_default() += 1;
        }
        let agree = support.values().copied().max().unwrap_or(0);
        if agree > best.0 {
            best = (agree, sep);
        }
    }
    best.1
}

fn count_outside_quotes(line: &str, sep: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == sep && !quoted {
            n += 1;
        }
    }
    n
}

/// The rows of a text file (CSV, or tab-separated "Unicode 文本"), each numbered as Excel numbers
/// it: a cell holding several lines is still one row, and a blank line is a row too.
///
/// `utf16` files are tab-separated whatever their first line holds: that is the only separator
/// Excel writes in that encoding. Errors name the row where the file stops being readable.
pub fn text_rows(text: &str, utf16: bool) -> Result<Vec<RawRow>, RowProblem> {
    let sep = if utf16 { b'\t' } else { separator(text) };
    TextRows::new(text.as_bytes(), sep).collect()
}

/// The rows of UTF-8 text read from `input` as it comes, each numbered as `text_rows` numbers
/// it, holding only the row being read: a register of a million rows is never in memory whole.
/// After an error (a quote never closed, a `1,500` in a `;` file, an unreadable byte) it ends.
pub struct TextRows<R: Read> {
    reader: csv::Reader<RowCounter<R>>,
    starts: Rc<RefCell<RowStarts>>,
    record: csv::StringRecord,
    sep: u8,
    failed: bool,
}

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

impl<R: Read> TextRows<R> {
    /// Rows separated by `sep` (see `separator`).
    pub fn new(input: R, sep: u8) -> TextRows<R> {
        let starts = Rc::new(RefCell::new(RowStarts { sep, ..RowStarts::default() }));
        let counter = RowCounter { input, starts: starts.clone() };
        let reader =
            csv::ReaderBuilder::new().delimiter(sep).flexible(true).has_headers(false).from_reader(counter);
        TextRows { reader, starts, record: csv::StringRecord::new(), sep, failed: false }
    }

    fn row_at(&self, byte: u64) -> u64 {
        self.starts.borrow_mut().row_at(byte)
    }
}

impl<R: Read> Iterator for TextRows<R> {
    type Item = Result<RawRow, RowProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| self.row_at(p.byte()));
                // A quote still open when the text ended swallowed every row after it into one
                // cell: name the row where it opened.
                if let Some(opened) = self.starts.borrow().unclosed() {
                    self.failed = true;
                    return Some(Err(RowProblem::new(
                        opened,
                        "",
                        "这一行有一个单元格以引号开头却没有结束引号，它之后的所有行都会被读进这一格；请在 Excel 中打开、改正这一格后重新另存",
                    )));
                }
                // Where `;` separates cells, `,` is the decimal mark: `1,500` may be 1.5 or 1500.
                if self.sep == b';'
                    && let Some(c) = self.record.iter().find(|c| is_comma_number(c))
                {
                    self.failed = true;
                    return Some(Err(RowProblem::new(
                        line,
                        "",
                        format!(
                            "这个文件用分号分隔，“{}”中的逗号可能是小数点，无法确定数值；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入",
                            c.trim()
                        ),
                    )));
                }
                let cells = self
                    .record
                    .iter()
                    .map(|c| if c.trim().is_empty() { RawCell::Empty } else { RawCell::Text(c.to_string()) })
                    .collect();
                Some(Ok(RawRow { line, cells }))
            }
            Err(e) => {
                self.failed = true;
                let line = match e.position() {
                    Some(p) => self.row_at(p.byte()),
                    None if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                        return Some(Err(RowProblem::new(0, "", io_text(&e))));
                    }
                    None => 0,
                };
                Some(Err(RowProblem::new(
                    line,
                    "",
                    "这一行的引号没有配对，文件无法继续读取；请在 Excel 中打开后重新另存为 CSV",
                )))
            }
        }
    }
}

fn io_text(e: &csv::Error) -> String {
    match e.kind() {
        // A decoder's own sentence (the file is not in the encoding it seemed to be).
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData && io.get_ref().is_some() => {
            io.get_ref().map(ToString::to_string).unwrap_or_default()
        }
        csv::ErrorKind::Io(io) => crate::os::io_reason(io),
        _ => String::new(),
    }
}

/// `1,500` or `-12,5`: digits around a comma and nothing else but a sign or a point.
fn is_comma_number(cell: &str) -> bool {
    let t = cell.trim().trim_start_matches('-');
    t.contains(',')
        && t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// Where the rows Excel would show begin, for the part of the text read but not yet numbered:
/// each entry is the byte offset of a row's first character that is not a line break, and that
/// row's number. The csv reader asks for the row of a record's start, always further on, so
/// entries before it are dropped and the queue holds only what the reader has buffered ahead.
///
/// A quote opens a cell only at the cell's start, as the csv reader reads it: `5"` inside a
/// cell is a character, not the start of a multi-line cell; `""` inside a quoted cell is a quote.
#[derive(Default)]
struct RowStarts {
    /// (offset, row) of rows with content, in order.
    queue: VecDeque<(u64, u64)>,
    /// Offset of the next byte to come.
    at: u64,
    /// Rows begun so far (line breaks outside quotes, plus the first row).
    row: u64,
    /// The cell separator: after it a quote opens a cell.
    sep: u8,
    quoted: bool,
    /// Inside a quoted cell, the last byte was a quote: it closes the cell unless another
    /// follows (`""`), which the next byte decides.
    quote_pending: bool,
    /// At the start of a cell, where a quote opens it.
    cell_start: bool,
    /// The row where the quoted cell now open began.
    opened_row: u64,
    /// The input has ended.
    ended: bool,
    /// At the start of a row, before any of its content.
    fresh: bool,
    started: bool,
}

impl RowStarts {
    fn feed(&mut self, bytes: &[u8]) {
        if !self.started {
            self.started = true;
            self.row = 1;
            self.fresh = true;
            self.cell_start = true;
        }
        if bytes.is_empty() {
            self.ended = true;
        }
        for &b in bytes {
            if self.quote_pending {
                // The quote before closed the cell unless this one doubles it.
                self.quote_pending = false;
                if b == b'"' {
                    self.at += 1;
                    continue;
                }
                self.quoted = false;
            }
            if self.quoted {
                if b == b'"' {
                    self.quote_pending = true;
                }
            } else {
                match b {
                    b'\n' => {
                        self.row += 1;
                        self.fresh = true;
                    }
                    b'\r' => {}
                    _ => {
                        if b == b'"' && self.cell_start {
                            self.quoted = true;
                            self.opened_row = self.row;
                        }
                        if self.fresh {
                            self.queue.push_back((self.at, self.row));
                            self.fresh = false;
                        }
                    }
                }
            }
            self.cell_start = !self.quoted && (b == self.sep || b == b'\n' || b == b'\r');
            self.at += 1;
        }
    }

    /// The row where a quoted cell opened that the end of the input left open.
    fn unclosed(&self) -> Option<u64> {
        (self.ended && self.quoted && !self.quote_pending).then_some(self.opened_row)
    }

    /// The row of the first content at or after `byte`: a record's start may point at the line
    /// breaks of blank lines before it.
    fn row_at(&mut self, byte: u64) -> u64 {
        while let Some(&(at, _)) = self.queue.front() {
            if at >= byte {
                break;
            }
            self.queue.pop_front();
        }
        self.queue.front().map_or(self.row, |(_, row)| *row)
    }
}

/// Passes bytes on to the csv reader, noting where rows start as they go by.
struct RowCounter<R> {
    input: R,
    starts: Rc<RefCell<RowStarts>>,
}

impl<R: Read> Read for RowCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        self.starts.borrow_mut().feed(&buf[..n]);
        Ok(n)
    }
}

/// "日均金融资产（元）" and "日均金融资产" are the same column; so are "手机号码" and "手机 号码",
/// and "客户号" typed with a leading `*` (Excel templates mark required columns so).
pub fn normalise_header(h: &str) -> String {
    let mut s: String = h
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊' && *c != '\u{feff}')
        .collect::<String>()
        .to_lowercase();
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if let (Some(a), Some(b)) = (s.find(open), s.rfind(close))
            && a < b
        {
            s.replace_range(a..b + close.len_utf8(), "");
        }
    }
    // `日均金融资产万元`, `日均金融资产/万元`: the unit written after the name.
    for unit in ["千万元", "百万元", "万元", "亿元", "千元", "元"] {
        if let Some(stem) = s.strip_suffix(unit)
            && !stem.is_empty()
        {
            s = stem.trim_end_matches(['/', '／']).to_string();
            break;
        }
    }
    s
}

/// The unit a title or footer line declares (`单位：万元`, `金额单位：元`), with the text after
/// 单位.
fn declared_unit(row: &RawRow) -> Option<String> {
    let text: String = row.cells.iter().map(RawCell::text).collect::<Vec<_>>().join(" ");
    let at = text.find("单位")?;
    let rest = text[at + "单位".len()..].trim_start_matches([':', '：', ' ']);
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | ';' | '；' | '）' | ')'))
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Where one field's value comes from in this file.
#[derive(Debug, Clone)]
pub struct Source {
    /// Cell index of the preferred column.
    pub at: usize,
    /// The header as written there (its unit, say 万元, matters to the parser).
    pub header: String,
    /// Another column meaning the same field (手机号码 and 联系电话): used when the preferred
    /// cell is empty; a row where both hold different values is refused.
    pub also: Option<(usize, String)>,
}

/// Rows of a sheet as they are read, each a row or the problem that ended the reading.
pub type Rows<'a> = Box<dyn Iterator<Item = Result<RawRow, RowProblem>> + 'a>;

/// The file's header and its columns matched to a column list.
pub struct Header {
    /// Per column of the list, where its value is read from (`None`: not in this file, or
    /// computed on export and ignored here).
    pub sources: Vec<Option<Source>>,
    pub line: u64,
    /// Cell index of the key column.
    pub key_at: Option<usize>,
    /// Title rows skipped, and what was decided about the columns, with their rows.
    pub notes: Vec<RowProblem>,
    /// Rows read after the header while looking for it: the first data rows.
    pub ahead: Vec<RawRow>,
    /// `单位：万元` written on a title line above the header, with its row.
    pub title_unit: Option<(String, u64)>,
    /// How many cells the header row has; a data row with values beyond it is shifted.
    pub width: usize,
    /// The header's names as `normalise_header` makes them, up to `width`: a data row that
    /// reads the same is the header repeated on a report's next page.
    key: Vec<String>,
    /// The header cells as written (with their units), up to `width`.
    written: Vec<String>,
}

/// Markers of a total row: the branch's reports end with one, and it must never become a client
/// numbered 合计.
const TOTAL_MARKERS: &[&str] = &[
    "合计", "总计", "小计", "共计", "总额", "总数", "汇总", "累计", "平均", "人数", "户数", "本页", "total",
    "sum",
];
/// Markers of the footer lines of a printed report.
const FOOTER_MARKERS: &[&str] = &[
    "制表",
    "复核",
    "审核",
    "打印",
    "报表日期",
    "经办",
    "负责人",
    "填报",
    "注：",
    "注:",
    "备注：",
    "备注:",
    "说明：",
    "说明:",
    "数据来源",
    "单位：",
    "单位:",
    "统计日期",
    "截止日期",
    "截至",
];

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `共2户`, `共 12 人`: a count of the rows above, written where a name would be.
fn is_count_phrase(s: &str) -> bool {
    let s = compact(s);
    let Some(rest) = s.strip_prefix('共') else { return false };
    let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    digits.len() < rest.len() && matches!(digits, "户" | "人" | "条" | "笔" | "行" | "名" | "位")
}

/// Why a row below the header is not data, if it is not.
fn not_data(row: &RawRow, key_at: Option<usize>) -> Option<&'static str> {
    let texts: Vec<String> = row.cells.iter().map(|c| compact(&c.text())).collect();
    let first = texts.iter().find(|t| !t.is_empty())?;
    let key = key_at.and_then(|k| texts.get(k)).map_or("", String::as_str);
    let key_is_number = !key.is_empty() && key.chars().any(|c| c.is_ascii_digit()) && !key.contains('共');
    let starts = |t: &str, markers: &[&str]| {
        let t = t.to_lowercase();
        markers.iter().any(|m| t.starts_with(m))
    };
    let names_a_total =
        |t: &str| starts(t, TOTAL_MARKERS) || ["合计", "总计", "小计"].iter().any(|m| t.contains(m));
    if names_a_total(first) || names_a_total(key) {
        return Some("合计行");
    }
    // A footer names itself in words first (`打印日期：2026-11-30`), whatever digits follow.
    if starts(first, FOOTER_MARKERS) || starts(key, FOOTER_MARKERS) {
        return Some("表尾（制表、复核等）");
    }
    if !key_is_number && texts.iter().any(|t| is_count_phrase(t) || starts(t, TOTAL_MARKERS)) {
        return Some("合计行");
    }
    None
}

/// How well a row reads as the header of `columns`: the number of distinct columns it names.
fn header_score<R, V>(row: &RawRow, columns: &[Column<R, V>]) -> (usize, bool) {
    let names: Vec<String> = row.cells.iter().map(|c| normalise_header(&c.text())).collect();
    let mut score = 0;
    let mut has_key = false;
    for col in columns {
        let hit = names.iter().any(|n| col.all_names().any(|m| normalise_header(m) == *n));
        if hit {
            score += 1;
            has_key |= col.need == Need::Key;
        }
    }
    (score, has_key)
}

/// Finds the header among the first rows and resolves every column of `columns` in it.
///
/// Errors (row 1 unless said otherwise): no row naming the key column; a required column
/// missing. Both name the accepted header names. A problem reading the first rows is returned
/// as it is.
pub fn find_header<R, V>(rows: &mut Rows<'_>, columns: &[Column<R, V>]) -> Result<Header, Vec<RowProblem>> {
    let mut first = Vec::with_capacity(HEADER_SEARCH_ROWS);
    for row in rows.by_ref().take(HEADER_SEARCH_ROWS) {
        first.push(row.map_err(|p| vec![p])?);
    }
    let key = columns.iter().find(|c| c.need == Need::Key);
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in first.iter().enumerate() {
        let (score, has_key) = header_score(row, columns);
        if has_key && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    let Some((header_at, _)) = best else {
        if first.iter().all(|r| r.cells.iter().all(RawCell::is_blank)) {
            return Err(vec![RowProblem::new(
                1,
                "",
                "文件是空的（没有表头，也没有数据）；请确认选的是要导入的文件",
            )]);
        }
        let line = first.first().map_or(1, |r| r.line);
        let reason = match key {
            Some(k) => format!(
                "前 {HEADER_SEARCH_ROWS} 行中找不到表头：没有“{}”列（可用列名：{}）。请确认文件第一张表是名单，且表头在前几行",
                k.names[0],
                k.names.join("、")
            ),
            None => "找不到表头".to_string(),
        };
        let sep_hint = first
            .first()
            .filter(|r| r.cells.len() == 1 && r.cells[0].text().contains(';'))
            .map(|_| "；这个文件像是用分号分隔的，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”")
            .unwrap_or("");
        return Err(vec![RowProblem::new(
            line,
            key.map_or("", |k| k.names[0]),
            format!("{reason}{sep_hint}"),
        )]);
    };
    let mut notes = Vec::new();
    let mut first = first.into_iter();
    let mut title_unit = None;
    for row in first.by_ref().take(header_at) {
        if let Some(u) = declared_unit(&row) {
            title_unit = Some((u, row.line));
        }
        if row.cells.iter().any(|c| !c.is_blank()) {
            let text: Vec<String> = row.cells.iter().map(RawCell::text).filter(|t| !t.is_empty()).collect();
            notes.push(RowProblem::new(
                row.line,
                "",
                format!("表头之上的标题行（{}），已跳过", clip(&text.join(" "))),
            ));
        }
    }
    let Some(header) = first.next() else {
        return Err(vec![RowProblem::new(1, "", "文件为空或没有表头")]);
    };
    let headers: Vec<String> = header.cells.iter().map(|c| c.text()).collect();
    let width = headers.iter().rposition(|h| !h.trim().is_empty()).map_or(0, |i| i + 1);
    let key: Vec<String> = headers.iter().take(width).map(|h| normalise_header(h)).collect();
    let (sources, mut column_notes) = resolve(&headers, columns, header.line)?;
    notes.append(&mut column_notes);
    let key_at =
        columns.iter().position(|c| c.need == Need::Key).and_then(|k| sources[k].as_ref()).map(|s| s.at);
    let written: Vec<String> = headers.iter().take(width).map(|h| h.trim().to_string()).collect();
    Ok(Header {
        sources,
        line: header.line,
        key_at,
        notes,
        ahead: first.collect(),
        title_unit,
        width,
        key,
        written,
    })
}

/// Sorts the rows below the header into data and the rest, one row at a time: blank rows are
/// counted (and mentioned only when data follows them), total and footer rows and a repeated
/// header get a note.
pub struct DataRows {
    key_at: Option<usize>,
    header_key: Vec<String>,
    header_written: Vec<String>,
    header_line: u64,
    /// A header repeated further down that does not match the first: its units or its column
    /// order differ, so the rows below it cannot be read by the first one.
    mismatch: Option<RowProblem>,
    /// `单位：万元` written on a footer line below the data, where it may come too late to be
    /// noticed, with its row (the last one seen).
    pub footer_unit: Option<(String, u64)>,
    /// Blank rows since the last row with something in it: (how many, the first).
    pending_blank: (u64, u64),
    /// Blank rows with something below them: (how many, the first).
    inner_blank: (u64, u64),
    /// Data rows seen.
    pub data: u64,
}

impl DataRows {
    pub fn new(header: &Header) -> DataRows {
        DataRows {
            key_at: header.key_at,
            header_key: header.key.clone(),
            header_written: header.written.clone(),
            header_line: header.line,
            mismatch: None,
            footer_unit: None,
            pending_blank: (0, 0),
            inner_blank: (0, 0),
            data: 0,
        }
    }

    /// Whether `row` holds data; a note for a total or footer row or a repeated header.
    pub fn is_data(&mut self, row: &RawRow, notes: &mut Vec<RowProblem>) -> bool {
        if row.cells.iter().all(RawCell::is_blank) {
            if self.pending_blank.0 == 0 {
                self.pending_blank.1 = row.line;
            }
            self.pending_blank.0 += 1;
            return false;
        }
        if self.pending_blank.0 > 0 {
            if self.inner_blank.0 == 0 {
                self.inner_blank.1 = self.pending_blank.1;
            }
            self.inner_blank.0 += self.pending_blank.0;
            self.pending_blank.0 = 0;
        }
        if self.repeats_header(row) {
            let written: Vec<String> =
                row.cells.iter().take(self.header_written.len()).map(|c| c.text()).collect();
            if written != self.header_written && self.mismatch.is_none() {
                self.mismatch = Some(RowProblem::new(
                    row.line,
                    "",
                    format!(
                        "这一行又是表头，但与第 {} 行的表头写法不同（如单位），下面的行无法按第 {} 行的表头读取；请把各页改成同一个表头，或分成几个文件导入",
                        self.header_line, self.header_line
                    ),
                ));
            }
            notes.push(RowProblem::new(row.line, "", "又一行表头（多页报表的页眉），已跳过"));
            return false;
        }
        if self.reorders_header(row) {
            if self.mismatch.is_none() {
                self.mismatch = Some(RowProblem::new(
                    row.line,
                    "",
                    format!(
                        "这一行又是表头，但列的顺序与第 {} 行不同，下面的行无法按第 {} 行的表头读取；请把各页改成同一个表头，或分成几个文件导入",
                        self.header_line, self.header_line
                    ),
                ));
            }
            return false;
        }
        if let Some(what) = not_data(row, self.key_at) {
            if let Some(u) = declared_unit(row) {
                self.footer_unit = Some((u, row.line));
            }
            let text: Vec<String> = row.cells.iter().map(RawCell::text).filter(|t| !t.is_empty()).collect();
            notes.push(RowProblem::new(row.line, "", format!("{what}（{}），已跳过", clip(&text.join(" ")))));
            return false;
        }
        self.data += 1;
        true
    }

    /// Whether `row` reads as the header, trailing empty cells aside. Compares cell by cell, so
    /// a data row costs one cell's look.
    fn repeats_header(&self, row: &RawRow) -> bool {
        if self.header_key.is_empty() {
            return false;
        }
        let cell = |i: usize| row.cells.get(i).map_or_else(String::new, |c| normalise_header(&c.text()));
        (0..self.header_key.len()).all(|i| cell(i) == self.header_key[i])
            && (self.header_key.len()..row.cells.len()).all(|i| cell(i).is_empty())
    }

    /// The header's names in another order: a later page laid out differently.
    fn reorders_header(&self, row: &RawRow) -> bool {
        if self.header_key.len() < 2 {
            return false;
        }
        let mut seen: Vec<String> =
            row.cells.iter().map(|c| normalise_header(&c.text())).filter(|c| !c.is_empty()).collect();
        let mut want: Vec<String> = self.header_key.iter().filter(|c| !c.is_empty()).cloned().collect();
        seen.sort();
        want.sort();
        seen == want
    }

    /// The note on blank rows within the data, and the problem of a sheet without data rows or
    /// with a later header that does not match the first.
    pub fn finish(&self, header_line: u64, notes: &mut Vec<RowProblem>) -> Result<(), RowProblem> {
        if let Some(p) = &self.mismatch {
            return Err(p.clone());
        }
        // Excel leaves empty rows under the data; they are only worth a word when something
        // follows them, where they may hide a deleted record or mark where a footer starts.
        if self.inner_blank.0 > 0 {
            notes.push(RowProblem::new(
                self.inner_blank.1,
                "",
                format!("数据中有 {} 个空行，已跳过", self.inner_blank.0),
            ));
        }
        if self.data == 0 {
            return Err(RowProblem::new(header_line + 1, "", "表头下面没有数据"));
        }
        Ok(())
    }
}

/// The letters Excel shows above column `i` (0 → A, 26 → AA).
fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    out.iter().rev().collect()
}

fn clip(s: &str) -> String {
    const MAX: usize = 30;
    if s.chars().count() <= MAX { s.to_string() } else { s.chars().take(MAX).collect::<String>() + "……" }
}

type Resolved = (Vec<Option<Source>>, Vec<RowProblem>);

/// Matches header names to columns: each column takes the headers naming it (its first alias
/// preferred, then the leftmost); a column's fallback names (维护人 for 维护人工号) are used only
/// when nothing else claimed that header.
fn resolve<R, V>(
    headers: &[String],
    columns: &[Column<R, V>],
    line: u64,
) -> Result<Resolved, Vec<RowProblem>> {
    let normal: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut claimed = vec![false; headers.len()];
    let mut hits: Vec<Vec<(usize, usize)>> = vec![Vec::new(); columns.len()];
    for (ci, col) in columns.iter().enumerate() {
        for (hi, h) in normal.iter().enumerate() {
            if claimed[hi] || h.is_empty() {
                continue;
            }
            if let Some(rank) = col.names.iter().position(|n| normalise_header(n) == *h) {
                hits[ci].push((rank, hi));
                claimed[hi] = true;
            }
        }
    }
    for (ci, col) in columns.iter().enumerate() {
        if !hits[ci].is_empty() {
            continue;
        }
        for (hi, h) in normal.iter().enumerate() {
            if !claimed[hi] && col.fallback.iter().any(|n| normalise_header(n) == *h) {
                hits[ci].push((col.names.len(), hi));
                claimed[hi] = true;
                break;
            }
        }
    }
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut sources = Vec::new();
    let mut computed = Vec::new();
    for (ci, col) in columns.iter().enumerate() {
        let mut found = std::mem::take(&mut hits[ci]);
        found.sort();
        if col.need == Need::Computed {
            computed.extend(found.iter().map(|(_, hi)| headers[*hi].clone()));
            sources.push(None);
            continue;
        }
        match found.as_slice() {
            [] => {
                if matches!(col.need, Need::Key | Need::Always) {
                    problems.push(RowProblem::new(
                        line,
                        col.names[0],
                        format!("缺少“{}”列（可用列名：{}）", col.names[0], col.names.join("、")),
                    ));
                }
                sources.push(None);
            }
            [(_, at), rest @ ..] => {
                let also = rest.first().map(|(_, hi)| (*hi, headers[*hi].clone()));
                if let Some((other_at, _)) = &also {
                    // Two columns of one name are told apart by their letters (A, B …).
                    let name = |i: usize| {
                        if headers[*at] == headers[*other_at] {
                            format!("{} 列“{}”", column_letter(i), headers[i])
                        } else {
                            format!("“{}”", headers[i])
                        }
                    };
                    let (first, second) = (name(*at), name(*other_at));
                    notes.push(RowProblem::new(
                        line,
                        col.names[0],
                        format!(
                            "{first}和{second}两列都表示{}：以{first}为准，它为空时用{second}；两列不一致的行会被拒绝",
                            col.names[0]
                        ),
                    ));
                }
                if rest.len() > 1 {
                    let names: Vec<&str> = found.iter().map(|(_, hi)| headers[*hi].as_str()).collect();
                    problems.push(RowProblem::new(
                        line,
                        col.names[0],
                        format!(
                            "有 {} 列都表示“{}”：{}，请只保留一列",
                            names.len(),
                            col.names[0],
                            names.join("、")
                        ),
                    ));
                }
                sources.push(Some(Source { at: *at, header: headers[*at].clone(), also }));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if !computed.is_empty() {
        notes.push(RowProblem::new(
            line,
            "",
            format!("{} 是导出时计算的列，导入时忽略", computed.join("、")),
        ));
    }
    let ignored: Vec<&str> = headers
        .iter()
        .zip(&claimed)
        .filter(|(h, c)| !**c && !h.trim().is_empty())
        .map(|(h, _)| h.as_str())
        .collect();
    if !ignored.is_empty() {
        const LISTED: usize = 20;
        let more = if ignored.len() > LISTED { format!(" 等 {} 列", ignored.len()) } else { String::new() };
        let listed: Vec<&str> = ignored.iter().take(LISTED).copied().collect();
        notes.push(RowProblem::new(
            line,
            "",
            format!("以下列未识别，已忽略：{}{more}（可用列名见 docs/IMPORT.md）", listed.join("、")),
        ));
    }
    Ok((sources, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(rows: &[RawRow]) -> Vec<(u64, String)> {
        rows.iter().map(|r| (r.line, r.cells.first().map(RawCell::text).unwrap_or_default())).collect()
    }

    #[test]
    fn rows_are_numbered_as_excel_shows_them_after_multi_line_cells_and_blank_lines() {
        let text = "客户号,备注\r\nC1,\"第一行\r\n第二行\r\n第三行\"\r\nC2,x\r\n\r\nC3,\"a\nb\"\nC4,y\n";
        let rows = text_rows(text, false).unwrap();
        let got = lines(&rows);
        let want: Vec<(u64, String)> = [(1, "客户号"), (2, "C1"), (3, "C2"), (5, "C3"), (6, "C4")]
            .iter()
            .map(|(l, s)| (*l, s.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(rows[1].cells[1].text(), "第一行\r\n第二行\r\n第三行");
    }

    /// Hands the text on a byte at a time, so every quote and line break falls on the edge of
    /// a read.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else { return Ok(0) };
            if buf.is_empty() {
                return Ok(0);
            }
            buf[0] = *first;
            self.0 = rest;
            Ok(1)
        }
    }

    fn streamed(text: &str, sep: u8) -> Vec<Result<RawRow, RowProblem>> {
        TextRows::new(Trickle(text.as_bytes()), sep).collect()
    }

    #[test]
    fn a_quote_inside_a_cell_does_not_open_a_multi_line_cell_when_streamed() {
        let text = "客户号,备注\nC1,屏幕 5\"\nC2,\"他说\"\"好\"\"\"\nC3,\"a\nb\"\nC4,y\n";
        let rows: Vec<RawRow> = streamed(text, b',').into_iter().map(Result::unwrap).collect();
        let got = lines(&rows);
        let want: Vec<(u64, String)> = [(1, "客户号"), (2, "C1"), (3, "C2"), (4, "C3"), (5, "C4")]
            .iter()
            .map(|(l, s)| (*l, s.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(rows[2].cells[1].text(), "他说\"好\"");
    }

    #[test]
    fn a_quote_never_closed_is_refused_naming_the_row_it_opened_on() {
        let text = "客户号,备注\nC1,x\nC2,\"没有结束\nC3,y\nC4,z\n";
        let rows = streamed(text, b',');
        let err = rows.last().unwrap().as_ref().unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.reason.contains("没有结束引号"), "{err}");
        assert_eq!(rows.iter().filter(|r| r.is_ok()).count(), 2, "the rows before it were read");
        assert!(text_rows(text, false).is_err());
    }

    #[test]
    fn a_comma_number_in_a_semicolon_file_stops_the_reading() {
        let rows = streamed("客户号;金额\nC1;12\nC2;1,500\n", b';');
        let err = rows.last().unwrap().as_ref().unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.reason.contains("“1,500”"), "{err}");
    }

    #[test]
    fn the_separator_is_the_one_most_lines_agree_on() {
        assert_eq!(separator("客户号,姓名\nC1,张伟\n"), b',');
        assert_eq!(separator("客户号;客户姓名;手机号码\r\nC402;郑二;13800000402\r\n"), b';');
        assert_eq!(separator("客户号\t联系电话, 手机\t网点\nC1\t138\t城关\nC2\t139\t城关\n"), b'\t');
        // A semicolon inside a quoted note does not make the file semicolon-separated.
        assert_eq!(separator("客户号,备注\nC1,\"a;b;c\"\nC2,x\n"), b',');
    }

    #[test]
    fn a_count_phrase_is_recognised() {
        assert!(is_count_phrase("共2户"));
        assert!(is_count_phrase("共 12 人"));
        assert!(!is_count_phrase("共同"));
        assert!(!is_count_phrase("共"));
    }

    #[test]
    fn headers_match_with_units_spaces_and_marks() {
        assert_eq!(normalise_header(" 日均金融资产（元） "), "日均金融资产");
        assert_eq!(normalise_header("*客户号"), "客户号");
        assert_eq!(normalise_header("手机 号码"), "手机号码");
    }
}
