//! Plausible Chinese names, phones and ID numbers for the demo branch.

use chrono::{Datelike, NaiveDate};

use crate::domain::client::resident_id_check_char;

/// Common surnames, most frequent first, with a few that test the surname readings.
pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
    "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白",
    "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺",
    "顾", "毛", "郝", "龚", "邵",
];

pub const RARE_SURNAMES: &[&str] =
    &["单", "区", "解", "仇", "查", "乐", "欧阳", "司马", "尉迟", "诸葛", "上官"];

const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "建国", "建华", "志强", "志明", "国强", "海涛", "文博",
    "子豪", "浩然", "宇轩", "晓东", "立新", "长春", "德明", "永福",
];

const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "桂英", "秀英", "秀兰", "玉兰", "婷", "雪",
    "慧", "倩", "洁", "琳", "颖", "欣怡", "梓涵", "诗琪", "雨涵", "晓燕", "丽华", "红梅", "海燕", "淑珍",
];

const MOBILE_PREFIXES: &[&str] = &[
    "138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "182", "183", "187", "188", "130",
    "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189", "177", "199",
];

/// Region codes of the county and its neighbours, for ID numbers.
const REGIONS: &[&str] = &["410523", "410522", "410526", "410502", "410503"];

pub struct People {
    rng: fastrand::Rng,
    used_phones: std::collections::HashSet<String>,
}

impl People {
    pub fn new(seed: u64) -> People {
        People { rng: fastrand::Rng::with_seed(seed), used_phones: Default::default() }
    }

    /// A name and whether it is a man's.
    pub fn name(&mut self) -> (String, bool) {
        let surname = self.surname();
        let male = self.rng.bool();
        let pool = if male { GIVEN_MALE } else { GIVEN_FEMALE };
        (format!("{surname}{}", pool[self.rng.usize(..pool.len())]), male)
    }

    /// Mostly common surnames, skewed towards the most frequent as in life; a few rare ones.
    pub fn surname(&mut self) -> &'static str {
        if self.rng.u32(0..100) < 3 {
            RARE_SURNAMES[self.rng.usize(..RARE_SURNAMES.len())]
        } else {
            let i = (self.rng.f64().powi(2) * SURNAMES.len() as f64) as usize;
            SURNAMES[i.min(SURNAMES.len() - 1)]
        }
    }

    pub fn phone(&mut self) -> String {
        loop {
            let prefix = MOBILE_PREFIXES[self.rng.usize(..MOBILE_PREFIXES.len())];
            let phone = format!("{prefix}{:08}", self.rng.u32(0..100_000_000));
            if self.used_phones.insert(phone.clone()) {
                return phone;
            }
        }
    }

    /// A valid 18-character resident ID for someone born on `birthday`.
    pub fn id_number(&mut self, birthday: NaiveDate, male: bool) -> String {
        let region = REGIONS[self.rng.usize(..REGIONS.len())];
        // The 17th digit is odd for men, even for women.
        let seq = self.rng.u32(0..50) * 2 + u32::from(male);
        let first17 = format!(
            "{region}{:04}{:02}{:02}{:02}{}",
            birthday.year(),
            birthday.month(),
            birthday.day(),
            self.rng.u32(0..100),
            seq % 10
        );
        let check = resident_id_check_char(&first17).unwrap_or('0');
        format!("{first17}{check}")
    }

    pub fn birthday(&mut self, today: NaiveDate) -> NaiveDate {
        let age_days = self.rng.i64(25 * 365..80 * 365);
        today - chrono::Duration::days(age_days)
    }

    pub fn rng(&mut self) -> &mut fastrand::Rng {
        &mut self.rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client::{parse_id_number, parse_phone};

    #[test]
    fn generated_people_pass_the_import_checks() {
        let mut p = People::new(7);
        let today = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        for _ in 0..500 {
            let (name, male) = p.name();
            assert!((2..=4).contains(&name.chars().count()), "{name}");
            let phone = p.phone();
            assert_eq!(parse_phone(&phone), Ok(phone.clone()));
            let birthday = p.birthday(today);
            let id = p.id_number(birthday, male);
            assert_eq!(parse_id_number(&id), Ok(id.clone()));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let (mut a, mut b) = (People::new(1), People::new(1));
        assert_eq!((a.name(), a.phone()), (b.name(), b.phone()));
    }
}
