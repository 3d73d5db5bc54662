//! Text encodings of files that come from Excel on Chinese Windows: UTF-8 (with or without the
//! BOM Excel adds), GBK/GB18030 (Excel's "CSV" on a Chinese system), and UTF-16 (Excel's
//! "Unicode text", tab-separated).

/// The file's text and the name of the encoding it was read in.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), "UTF-8（带 BOM）"))
            .map_err(|e| format!("文件以 UTF-8 标记开头，但第 {} 字节起不是 UTF-8", e.valid_up_to() + 4));
    }
    for (bom, enc, name) in [
        (&[0xFF, 0xFE][..], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&[0xFE, 0xFF][..], encoding_rs::UTF_16BE, "UTF-16BE"),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(rest);
            if had_errors {
                return Err(format!("文件以 {name} 标记开头，但内容有误"));
            }
            return Ok((text.into_owned(), name));
        }
    }
    // "Unicode 文本" saved without its mark: text files never hold NUL bytes, UTF-16 has one in
    // every ASCII character (a tab, a line break, a digit), all on the same side of the pair.
    let head = &bytes[..bytes.len().min(4096) & !1];
    let zero_odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let zero_even = head.iter().step_by(2).filter(|b| **b == 0).count();
    let guess = match (zero_odd, zero_even) {
        (odd, 0) if odd >= 2 => Some((encoding_rs::UTF_16LE, "UTF-16LE")),
        (0, even) if even >= 2 => Some((encoding_rs::UTF_16BE, "UTF-16BE")),
        _ => None,
    };
    if let Some((enc, name)) = guess {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok((text.into_owned(), name));
        }
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok((s.to_string(), "UTF-8")),
        Err(e) => e.valid_up_to(),
    };
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        // Name the row where the file stops being UTF-8, so a user can find the odd character.
        let line = bytes[..utf8_error].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(format!(
            "第 {line} 行附近有无法识别的字符，文件既不是 UTF-8 也不是 GBK；请在 Excel 中“另存为 → CSV UTF-8”后重试"
        ));
    }
    Ok((text.into_owned(), "GBK/GB18030"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_encoding_excel_writes() {
        let text = "客户号,客户姓名\nC1,张伟\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk).unwrap(), (text.to_string(), "GBK/GB18030"));
        let bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), (text.to_string(), "UTF-8（带 BOM）"));
        assert_eq!(decode(text.as_bytes()).unwrap().1, "UTF-8");
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16).unwrap(), (text.to_string(), "UTF-16LE"));
    }

    #[test]
    fn unicode_text_without_its_mark_is_still_read() {
        let text = "客户号\t客户姓名\r\nC1\t张伟\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&le).unwrap(), (text.to_string(), "UTF-16LE"));
    }

    #[test]
    fn the_row_where_a_file_stops_being_text_is_named() {
        let mut bytes = "客户号,姓名\nC1,张伟\nC2,".as_bytes().to_vec();
        bytes.extend([0x81, 0x20, 0xFF, 0xFF]);
        let err = decode(&bytes).unwrap_err();
        assert!(err.starts_with("第 3 行"), "{err}");
    }

    #[test]
    fn bytes_in_no_known_encoding_are_refused_with_advice() {
        let err = decode(&[0x81, 0x20, 0xFF, 0xFF]).unwrap_err();
        assert!(err.contains("CSV UTF-8"), "{err}");
    }
}
