//! TEMPORARY shim with the cell normalisers' signatures; replaced by the real module.
#![allow(dead_code)]
use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::{ClientNo, Fen, Invalid, StaffNo};

pub fn clean(raw: &str) -> String {
    let s = raw.trim();
    let s = s.strip_prefix("=\"").and_then(|x| x.strip_suffix('"')).unwrap_or(s);
    s.trim().to_string()
}
pub fn is_scientific(s: &str) -> bool {
    s.to_ascii_uppercase().contains("E+")
}
pub fn is_masked(s: &str) -> bool {
    s.contains('*') || s.ends_with('万') && s.contains('-')
}
pub fn client_no(raw: &str) -> Result<ClientNo, Invalid> {
    ClientNo::parse(&clean(raw))
}
pub fn staff_no(raw: &str) -> Result<StaffNo, Invalid> {
    StaffNo::parse(clean(raw).trim_end_matches(".0"))
}
pub fn phone(raw: &str) -> Result<String, Invalid> {
    crate::domain::client::parse_phone(&clean(raw))
}
pub fn id_number(raw: &str) -> Result<String, Invalid> {
    crate::domain::client::parse_id_number(&clean(raw))
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Yuan,
    Wan,
    Yi,
}
pub fn unit_of_header(header: &str) -> Unit {
    if header.contains("亿元") {
        Unit::Yi
    } else if header.contains("万元") {
        Unit::Wan
    } else {
        Unit::Yuan
    }
}
pub fn amount(raw: &str, _unit: Unit) -> Result<Fen, Invalid> {
    Fen::parse_yuan(&clean(raw)).map_err(|r| Invalid::new("金额", r))
}
pub fn date(raw: &str) -> Result<NaiveDate, Invalid> {
    crate::domain::calendar::parse_full_date(&clean(raw)).ok_or_else(|| Invalid::new("日期", "不是日期"))
}
pub fn past_date(raw: &str, _today: NaiveDate) -> Result<NaiveDate, Invalid> {
    date(raw)
}
pub fn date_time(raw: &str) -> Result<NaiveDateTime, Invalid> {
    NaiveDateTime::parse_from_str(&clean(raw), "%Y-%m-%d %H:%M").map_err(|_| Invalid::new("时间", "不是时间"))
}
pub fn person_name(raw: &str) -> Result<String, Invalid> {
    crate::domain::staff::parse_person_name("姓名", &clean(raw))
}
pub fn ratio_permille(raw: &str) -> Result<u16, Invalid> {
    crate::domain::client::parse_self_service(&clean(raw))
}
pub fn count(raw: &str) -> Result<u16, Invalid> {
    clean(raw).parse().map_err(|_| Invalid::new("数量", "不是整数"))
}
pub fn yes_no(raw: &str) -> Result<bool, Invalid> {
    crate::domain::parse_yes_no("是否", &clean(raw))
}
