//! The shape of a sheet as branches send it: title lines above the header, the header row, data
//! rows, total rows (合计) and footers (制表人、复核) below. This finds the header among the
//! first rows, decides which column is which field, and hands on only the data rows, with a note
//! for everything it skipped so that nothing disappears without a word.

use super::columns::{Column, Need};
use super::grid::{RawCell, RawRow};
use crate::service::views::RowProblem;

/// How many rows from the top may hold title lines before the header.
pub const HEADER_SEARCH_ROWS: usize = 15;

fn problem(line: u64, column: &str, reason: impl Into<String>) -> RowProblem {
    RowProblem { line, column: column.to_string(), reason: reason.into() }
}

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
    let (row_starts, unclosed) = row_starts(text.as_bytes(), sep);
    if let Some(at) = unclosed {
        let line = row_starts.partition_point(|s| *s <= at) as u64;
        return Err(problem(
            line,
            "",
            "这一行有一个单元格以引号开头却没有结束引号，它之后的所有行都会被读进这一格；请在 Excel 中打开、改正这一格后重新另存",
        ));
    }
    let row_of = |byte: u64| -> u64 {
        let bytes = text.as_bytes();
        let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        row_starts.partition_point(|s| *s <= at) as u64
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| row_of(p.byte()));
                return Err(problem(
                    line,
                    "",
                    "这一行的引号没有配对，文件无法继续读取；请在 Excel 中打开后重新另存为 CSV",
                ));
            }
        }
        let line = record.position().map_or(0, |p| row_of(p.byte()));
        // Where `;` separates cells, `,` is the decimal mark: `1,500` may be 1.5 or 1500.
        if sep == b';'
            && let Some(c) = record.iter().find(|c| is_comma_number(c))
        {
            return Err(problem(
                line,
                "",
                format!(
                    "这个文件用分号分隔，“{}”中的逗号可能是小数点，无法确定数值；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入",
                    c.trim()
                ),
            ));
        }
        let cells = record
            .iter()
            .map(|c| if c.trim().is_empty() { RawCell::Empty } else { RawCell::Text(c.to_string()) })
            .collect();
        rows.push(RawRow { line, cells });
    }
    Ok(rows)
}

/// `1,500` or `-12,5`: digits around a comma and nothing else but a sign or a point.
fn is_comma_number(cell: &str) -> bool {
    let t = cell.trim().trim_start_matches('-');
    t.contains(',')
        && t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// Byte offsets where each row Excel would show begins: the start of the file and every line
/// break outside a quoted cell. A quote opens a cell only at the cell's start, as the CSV reader
/// reads it: `5"` inside a cell is a character, not the start of a multi-line cell.
fn row_starts(bytes: &[u8], sep: u8) -> (Vec<usize>, Option<usize>) {
    let mut starts = vec![0];
    let mut quoted = false;
    let mut opened_at = 0;
    let mut cell_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && cell_start {
            quoted = true;
            opened_at = i;
        } else if b == b'\n' {
            starts.push(i + 1);
        }
        cell_start = !quoted && (b == sep || b == b'\n' || b == b'\r');
        i += 1;
    }
    (starts, quoted.then_some(opened_at))
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

/// The file's columns matched to a column list, and the rows that hold data.
pub struct Located {
    /// Per column of the list, where its value is read from (`None`: not in this file, or
    /// computed on export and ignored here).
    pub sources: Vec<Option<Source>>,
    pub header_line: u64,
    pub rows: Vec<RawRow>,
    /// Things skipped or decided that the user should hear about, with their rows.
    pub notes: Vec<RowProblem>,
    /// `单位：万元` written on a title line above the header, with its row.
    pub title_unit: Option<(String, u64)>,
    /// The same written below the data, where it may come too late to be noticed.
    pub footer_unit: Option<(String, u64)>,
    /// How many cells the header row has; a data row with values beyond it is shifted.
    pub width: usize,
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
/// missing. Both name the accepted header names.
pub fn locate<R, V>(rows: Vec<RawRow>, columns: &[Column<R, V>]) -> Result<Located, Vec<RowProblem>> {
    let key = columns.iter().find(|c| c.need == Need::Key);
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let (score, has_key) = header_score(row, columns);
        if has_key && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    let Some((header_at, _)) = best else {
        let first = rows.first().map_or(1, |r| r.line);
        let reason = match key {
            Some(k) => format!(
                "前 {HEADER_SEARCH_ROWS} 行中找不到表头：没有“{}”列（可用列名：{}）。请确认文件第一张表是名单，且表头在前几行",
                k.names[0],
                k.names.join("、")
            ),
            None => "找不到表头".to_string(),
        };
        let sep_hint = rows
            .first()
            .filter(|r| r.cells.len() == 1 && r.cells[0].text().contains(';'))
            .map(|_| "；这个文件像是用分号分隔的，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”")
            .unwrap_or("");
        return Err(vec![problem(first, key.map_or("", |k| k.names[0]), format!("{reason}{sep_hint}"))]);
    };
    let mut notes = Vec::new();
    let mut rows = rows.into_iter();
    let mut title_unit = None;
    for row in rows.by_ref().take(header_at) {
        if let Some(u) = declared_unit(&row) {
            title_unit = Some((u, row.line));
        }
        if row.cells.iter().any(|c| !c.is_blank()) {
            let text: Vec<String> = row.cells.iter().map(RawCell::text).filter(|t| !t.is_empty()).collect();
            notes.push(problem(
                row.line,
                "",
                format!("表头之上的标题行（{}），已跳过", clip(&text.join(" "))),
            ));
        }
    }
    let Some(header) = rows.next() else {
        return Err(vec![problem(1, "", "文件为空或没有表头")]);
    };
    let headers: Vec<String> = header.cells.iter().map(|c| c.text()).collect();
    let width = headers.iter().rposition(|h| !h.trim().is_empty()).map_or(0, |i| i + 1);
    let header_key: Vec<String> = headers.iter().take(width).map(|h| normalise_header(h)).collect();
    let header_line = header.line;
    let (sources, mut column_notes) = resolve(&headers, columns, header_line)?;
    notes.append(&mut column_notes);

    let key_at =
        columns.iter().position(|c| c.need == Need::Key).and_then(|k| sources[k].as_ref()).map(|s| s.at);
    let mut data = Vec::new();
    let mut blank = Vec::new();
    let mut last_filled = 0;
    let mut footer_unit = None;
    for row in rows {
        if row.cells.iter().all(RawCell::is_blank) {
            blank.push(row.line);
            continue;
        }
        last_filled = row.line;
        let mut keys: Vec<String> = row.cells.iter().map(|c| normalise_header(&c.text())).collect();
        while keys.last().is_some_and(String::is_empty) {
            keys.pop();
        }
        let repeated = keys == header_key;
        if repeated {
            notes.push(problem(row.line, "", "又一行表头（多页报表的页眉），已跳过"));
            continue;
        }
        if let Some(what) = not_data(&row, key_at) {
            if let Some(u) = declared_unit(&row) {
                footer_unit = Some((u, row.line));
            }
            let text: Vec<String> = row.cells.iter().map(RawCell::text).filter(|t| !t.is_empty()).collect();
            notes.push(problem(row.line, "", format!("{what}（{}），已跳过", clip(&text.join(" ")))));
            continue;
        }
        data.push(row);
    }
    // Excel leaves empty rows under the data; they are only worth a word when something follows
    // them, where they may hide a deleted record or mark where a report's footer starts.
    let inner: Vec<u64> = blank.into_iter().filter(|l| *l < last_filled).collect();
    if let Some(first) = inner.first() {
        notes.push(problem(*first, "", format!("数据中有 {} 个空行，已跳过", inner.len())));
    }
    if data.is_empty() {
        return Err(vec![problem(header_line + 1, "", "表头下面没有数据")]);
    }
    Ok(Located { sources, header_line, rows: data, notes, title_unit, footer_unit, width })
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
                    problems.push(problem(
                        line,
                        col.names[0],
                        format!("缺少“{}”列（可用列名：{}）", col.names[0], col.names.join("、")),
                    ));
                }
                sources.push(None);
            }
            [(_, at), rest @ ..] => {
                let also = rest.first().map(|(_, hi)| (*hi, headers[*hi].clone()));
                if let Some((_, other)) = &also {
                    notes.push(problem(
                        line,
                        col.names[0],
                        format!(
                            "“{}”和“{other}”两列都表示{}：以“{}”为准，它为空时用“{other}”；两列不一致的行会被拒绝",
                            headers[*at], col.names[0], headers[*at]
                        ),
                    ));
                }
                if rest.len() > 1 {
                    let names: Vec<&str> = found.iter().map(|(_, hi)| headers[*hi].as_str()).collect();
                    problems.push(problem(
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
        notes.push(problem(line, "", format!("{} 是导出时计算的列，导入时忽略", computed.join("、"))));
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
        notes.push(problem(
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
