//! The contact log (联系记录): append-only; what a contact completes is decided in `task`.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::ids::{ClientNo, ContactId, LaunchId, StaffNo};
use super::labels::labelled_enum;
use super::{Field, Invalid, Problem};

labelled_enum!(
    Channel, crate::domain::Field::ContactChannel, {
        Phone => "电话", ["phone", "tel"];
        Visit => "上门拜访", ["拜访", "上门", "visit"];
        WeChat => "微信", ["wechat", "weixin"];
        Sms => "短信", ["sms"];
        InBranch => "网点面谈", ["到店", "面谈", "网点", "inbranch"];
    }
);

labelled_enum!(
    Purpose, crate::domain::Field::ContactPurpose, {
        Callback => "回访", ["定期回访", "callback"];
        QuarterlyNotice => "季度告知", ["定期告知", "quarterly"];
        ProductPitch => "新品推介", ["信息传达", "推介", "pitch"];
        Marketing => "营销", ["marketing"];
        Survey => "满意度调查", ["满意度", "survey"];
        Complaint => "投诉", ["投诉处理", "complaint"];
    }
);

labelled_enum!(
    Outcome, crate::domain::Field::ContactOutcome, {
        Success => "已沟通", ["成功", "success"];
        Interested => "有意向", ["interested"];
        Declined => "婉拒", ["拒绝", "declined"];
        NoAnswer => "未接通", ["无人接听", "noanswer"];
        Unreachable => "联系不上", ["号码无效", "空号", "unreachable"];
    }
);

impl Outcome {
    /// The client was actually spoken to. Only such contacts complete a task: a notification
    /// nobody heard has not been given.
    pub fn reached(self) -> bool {
        matches!(self, Outcome::Success | Outcome::Interested | Outcome::Declined)
    }
}

/// One more thing a contact did besides its `purpose`: one call may give the client a callback,
/// pitch a launch and tell them the quarter's returns, and each completes its own task.
/// `launch` names the product for a 新品推介 and is None for every other purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aim {
    pub purpose: Purpose,
    pub launch: Option<LaunchId>,
}

/// Whether `purpose` (with `launch`, for a 新品推介) is among a contact's purposes: its main
/// one or one of `also`.
fn aims_include(main: Aim, also: &[Aim], purpose: Purpose, launch: Option<LaunchId>) -> bool {
    std::iter::once(&main).chain(also).any(|a| {
        a.purpose == purpose && (purpose != Purpose::ProductPitch || launch.is_none() || a.launch == launch)
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub client: ClientNo,
    pub by: StaffNo,
    /// When the contact took place, branch local time.
    pub at: NaiveDateTime,
    pub channel: Channel,
    pub purpose: Purpose,
    /// The launch a 新品推介 contact was about.
    pub launch: Option<LaunchId>,
    pub outcome: Outcome,
    pub note: String,
    pub satisfaction: Option<u8>,
    /// The agreed next callback, as the user gave it; None when they left it to the rules.
    pub next_callback: Option<NaiveDate>,
    /// When it was written down, branch local time; may be later than `at`.
    pub logged_at: NaiveDateTime,
    /// What else the same contact did (format version 2); each completes its own task.
    pub also: Vec<Aim>,
}

impl Contact {
    /// Whether the contact did `purpose`: as its main purpose or one of `also`. For a 新品推介,
    /// `Some(launch)` asks about that launch; None about any.
    pub fn did(&self, purpose: Purpose, launch: Option<LaunchId>) -> bool {
        aims_include(Aim { purpose: self.purpose, launch: self.launch }, &self.also, purpose, launch)
    }

    /// Every purpose of the contact, the main one first, for lists and reports.
    pub fn aims(&self) -> Vec<Aim> {
        std::iter::once(Aim { purpose: self.purpose, launch: self.launch })
            .chain(self.also.iter().copied())
            .collect()
    }
}

/// The latest contact with a maintainer's client made by someone else that the maintainer has
/// not yet seen (同事代为联系): logged after the maintainer's own latest contact with the client
/// and after `seen`, the last contact they acknowledged by opening the client. Contacts are
/// ordered by id, the order they were logged. `contacts` are one client's, in any order.
pub fn unseen_colleague_contact<'a>(
    contacts: &'a [Contact],
    maintainer: &StaffNo,
    seen: Option<ContactId>,
) -> Option<&'a Contact> {
    let own = contacts.iter().filter(|c| &c.by == maintainer).map(|c| c.id).max();
    let after = own.max(seen);
    contacts.iter().filter(|c| &c.by != maintainer && after.is_none_or(|a| c.id > a)).max_by_key(|c| c.id)
}

/// A client's satisfaction in one quarter: how many scores (1–5) their contacts recorded and
/// their mean in tenths (45 = 4.5, rounded half up); `mean_tenths` None without a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterScore {
    pub quarter: super::calendar::Quarter,
    pub scores: u32,
    pub mean_tenths: Option<u32>,
}

/// The satisfaction trend of one client's `contacts` over the `n` quarters ending with `last`,
/// oldest first (满意度调查, seed 000): every contact that recorded a score counts, by the day
/// it happened.
pub fn satisfaction_trend(
    contacts: &[Contact],
    last: super::calendar::Quarter,
    n: usize,
) -> Vec<QuarterScore> {
    let mut quarters = vec![last];
    while quarters.len() < n {
        let first = quarters[0].prev();
        quarters.insert(0, first);
    }
    quarters
        .into_iter()
        .map(|q| {
            let scores: Vec<u32> = contacts
                .iter()
                .filter(|c| q.contains(c.at.date()))
                .filter_map(|c| c.satisfaction.map(u32::from))
                .collect();
            let tally = ScoreTally { scores: scores.len() as u32, sum: scores.iter().sum() };
            QuarterScore { quarter: q, scores: tally.scores, mean_tenths: tally.mean_tenths() }
        })
        .collect()
}

/// Satisfaction scores (1–5) counted together: how many and their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreTally {
    pub scores: u32,
    pub sum: u32,
}

impl ScoreTally {
    /// The mean in tenths (45 = 4.5), rounded half up; None without a score.
    pub fn mean_tenths(self) -> Option<u32> {
        (self.scores > 0).then(|| (self.sum * 20 + self.scores) / (2 * self.scores))
    }

    fn add(&mut self, score: u8) {
        self.scores += 1;
        self.sum += u32::from(score);
    }
}

/// Who a satisfaction score counts for in the staff figures (issue #18): the same rule as every
/// other figure, whoever owed the work. A score that completed a 满意度调查 task counts for that
/// task's owner (`Task::maintainer`: whoever held the client when it fell due, unchanged by a
/// later handover); any other score for whoever held the client (`holders`). Never for a
/// colleague who happened to record it: a maintainer's clients' satisfaction is theirs. Only a
/// client nobody held leaves the score with its recorder (`of`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoreOwners {
    /// The owner of the survey task each contact completed (`task::survey_owners`).
    pub surveys: std::collections::BTreeMap<ContactId, StaffNo>,
    /// Who held each client for the period counted (the service says which roster).
    pub holders: std::collections::BTreeMap<ClientNo, StaffNo>,
}

impl ScoreOwners {
    /// Whom `c`'s score counts for. A client nobody holds (unassigned, or lost and so off every
    /// roster) has no maintainer to answer for it: the score stays with whoever recorded it
    /// rather than dropping out of the staff and outlet sums.
    pub fn of<'a>(&'a self, c: &'a Contact) -> &'a StaffNo {
        self.surveys.get(&c.id).or_else(|| self.holders.get(&c.client)).unwrap_or(&c.by)
    }
}

/// Satisfaction scores recorded in `quarter` (by the day the contact happened), for the branch,
/// per outlet (the client's, from `outlet_of`) and per staff member they count for
/// (`ScoreOwners::of`).
pub fn scores_in(
    contacts: &[Contact],
    quarter: super::calendar::Quarter,
    outlet_of: &std::collections::BTreeMap<ClientNo, super::ids::OutletId>,
    owners: &ScoreOwners,
) -> (
    ScoreTally,
    std::collections::BTreeMap<super::ids::OutletId, ScoreTally>,
    std::collections::BTreeMap<StaffNo, ScoreTally>,
) {
    let (mut branch, mut outlets, mut staff) =
        (ScoreTally::default(), std::collections::BTreeMap::new(), std::collections::BTreeMap::new());
    for c in contacts.iter().filter(|c| quarter.contains(c.at.date())) {
        let Some(score) = c.satisfaction else { continue };
        branch.add(score);
        staff.entry(owners.of(c).clone()).or_insert_with(ScoreTally::default).add(score);
        if let Some(o) = outlet_of.get(&c.client) {
            outlets.entry(o.clone()).or_insert_with(ScoreTally::default).add(score);
        }
    }
    (branch, outlets, staff)
}

/// What the contact form submits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDraft {
    pub client: ClientNo,
    /// None means "just now".
    pub at: Option<NaiveDateTime>,
    pub channel: Channel,
    pub purpose: Purpose,
    pub launch: Option<LaunchId>,
    pub outcome: Outcome,
    pub note: String,
    pub satisfaction: Option<u8>,
    /// A next-callback date the user set. None leaves it to the rules (`task::effect_of_contact`):
    /// a form sends a date only when the user typed it, so a pre-filled value never replaces an
    /// agreed callback.
    pub next_callback: Option<NaiveDate>,
    /// What else this contact did, each completing its own task (format version 2).
    pub also: Vec<Aim>,
    /// When the draft was last kept (branch time), set by the service on each save so start-up
    /// can offer the most recent first; whatever a caller sends is replaced. None for a draft
    /// kept before format version 3, and on a form not yet kept.
    pub saved_at: Option<NaiveDateTime>,
}

impl ContactDraft {
    /// See `Contact::did`.
    pub fn did(&self, purpose: Purpose, launch: Option<LaunchId>) -> bool {
        aims_include(Aim { purpose: self.purpose, launch: self.launch }, &self.also, purpose, launch)
    }
}

pub const NOTE_MAX_CHARS: usize = 500;
/// Contacts are written down the same week, not reconstructed from memory months later. A
/// contact counts for the day it took place, so a notice or launch task stays completable this
/// many days after its period ends (`Task::lapses`).
pub const BACKDATE_MAX_DAYS: i64 = 31;
pub const NEXT_CALLBACK_MAX_DAYS: i64 = 366;

impl ContactDraft {
    /// Every problem with the draft as a contact to be logged now, each naming its field, so a
    /// form can show them all at once.
    pub fn problems(&self, now: NaiveDateTime) -> Vec<Invalid> {
        let mut out = Vec::new();
        let at = self.at.unwrap_or(now);
        if at > now + Duration::minutes(5) {
            out.push(Invalid::new(Field::ContactTime, Problem::LaterThanNow));
        } else if (now.date() - at.date()).num_days() > BACKDATE_MAX_DAYS {
            out.push(Invalid::new(Field::ContactTime, Problem::BackdatedTooFar { days: BACKDATE_MAX_DAYS }));
        }
        out.extend(self.text_problems());
        if let Some(next) = self.next_callback {
            if next <= at.date() {
                out.push(Invalid::new(Field::NextCallback, Problem::NotAfterContactDay));
            } else if (next - at.date()).num_days() > NEXT_CALLBACK_MAX_DAYS {
                out.push(Invalid::new(Field::NextCallback, Problem::OverAYearAhead));
            }
        }
        if self.purpose == Purpose::ProductPitch && self.launch.is_none() {
            out.push(Invalid::new(Field::PitchedLaunch, Problem::PitchNeedsLaunch));
        }
        if self.purpose != Purpose::ProductPitch && self.launch.is_some() {
            out.push(Invalid::new(Field::PitchedLaunch, Problem::LaunchOnlyForPitch));
        }
        for a in &self.also {
            if a.purpose == Purpose::ProductPitch && a.launch.is_none() {
                out.push(Invalid::new(Field::AlsoDone, Problem::TickedPitchNeedsLaunch));
            }
            if a.purpose != Purpose::ProductPitch && a.launch.is_some() {
                out.push(Invalid::new(Field::AlsoDone, Problem::TickedNeedsNoLaunch { purpose: a.purpose }));
            }
        }
        out
    }

    /// What is wrong with a draft kept for later (`SaveDraft`): the same text and range rules as
    /// a contact (note length and characters, satisfaction 1–5), so a draft can never hold what
    /// the form could not log. The times and the purpose/product pairing are not checked: a
    /// draft is unfinished, a missing time means "when it is logged", and a time that was fine
    /// when the form was left may have aged past the backdating limit by the time it is
    /// resumed. `problems` checks all of that when the contact is logged.
    pub fn draft_problems(&self) -> Vec<Invalid> {
        self.text_problems()
    }

    fn text_problems(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        let chars = self.note.chars().count();
        if chars > NOTE_MAX_CHARS {
            out.push(Invalid::new(Field::Note, Problem::TooLong { chars, max: NOTE_MAX_CHARS }));
        }
        if self.note.chars().any(|c| c.is_control() && c != '\n') {
            out.push(Invalid::new(Field::Note, Problem::ControlChars));
        }
        if let Some(s) = self.satisfaction
            && !(1..=5).contains(&s)
        {
            out.push(Invalid::new(Field::Satisfaction, Problem::SatisfactionRange));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 18).unwrap().and_hms_opt(10, 30, 0).unwrap()
    }

    fn draft() -> ContactDraft {
        ContactDraft {
            client: ClientNo::parse("C1").unwrap(),
            at: None,
            channel: Channel::Phone,
            purpose: Purpose::Callback,
            launch: None,
            outcome: Outcome::Success,
            note: "客户近况良好".into(),
            satisfaction: Some(5),
            next_callback: NaiveDate::from_ymd_opt(2026, 12, 18),
            also: Vec::new(),
            saved_at: None,
        }
    }

    #[test]
    fn the_satisfaction_trend_averages_each_quarters_scores() {
        use crate::domain::calendar::Quarter;
        let scored = |y, m, d, s: Option<u8>| Contact {
            id: ContactId(1),
            client: ClientNo::parse("C1").unwrap(),
            by: StaffNo::parse("2001").unwrap(),
            at: NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(9, 0, 0).unwrap(),
            channel: Channel::Phone,
            purpose: Purpose::Survey,
            launch: None,
            outcome: Outcome::Success,
            note: String::new(),
            satisfaction: s,
            next_callback: None,
            logged_at: now(),
            also: Vec::new(),
        };
        let contacts = [
            scored(2026, 2, 1, Some(3)),
            scored(2026, 8, 1, Some(4)),
            scored(2026, 9, 30, Some(5)),
            scored(2026, 10, 9, None),
            scored(2026, 11, 2, Some(4)),
            scored(2026, 11, 3, Some(5)),
            scored(2026, 11, 4, Some(5)),
        ];
        let trend = satisfaction_trend(&contacts, Quarter::new(2026, 4).unwrap(), 3);
        let got: Vec<(String, u32, Option<u32>)> =
            trend.iter().map(|t| (t.quarter.to_string(), t.scores, t.mean_tenths)).collect();
        // Q2 had none; Q3 (4+5)/2 = 4.5; Q4 (4+5+5)/3 = 4.67 → 4.7; Q1 is outside the three.
        assert_eq!(
            got,
            [
                ("2026Q2".to_string(), 0, None),
                ("2026Q3".to_string(), 2, Some(45)),
                ("2026Q4".to_string(), 3, Some(47))
            ]
        );
    }

    #[test]
    fn a_sound_draft_has_no_problems() {
        assert!(draft().problems(now()).is_empty());
    }

    #[test]
    fn each_problem_names_its_field() {
        let mut d = draft();
        d.satisfaction = Some(6);
        d.next_callback = NaiveDate::from_ymd_opt(2026, 11, 18);
        d.note = "x".repeat(NOTE_MAX_CHARS + 1);
        let fields: Vec<&str> = d.problems(now()).into_iter().map(|p| p.field.zh()).collect();
        assert_eq!(fields, ["备注", "满意度", "下次回访"]);
    }

    #[test]
    fn drafts_are_held_to_the_text_rules_but_not_the_time_rules() {
        let mut d = draft();
        d.at = Some(now() - Duration::days(BACKDATE_MAX_DAYS + 40));
        d.next_callback = NaiveDate::from_ymd_opt(2020, 1, 1);
        d.purpose = Purpose::ProductPitch;
        assert!(d.draft_problems().is_empty(), "an unfinished draft may be incomplete or aged");
        d.note = "x".repeat(NOTE_MAX_CHARS + 1);
        d.satisfaction = Some(0);
        let problems = d.draft_problems();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.zh()).collect();
        assert_eq!(fields, ["备注", "满意度"]);
        assert!(problems[0].problem.to_string().contains("最多 500 个字"), "{}", problems[0]);
        d.note = "第一行\n第二行\u{1b}[2K".into();
        d.satisfaction = None;
        assert_eq!(d.draft_problems(), [Invalid::new(Field::Note, Problem::ControlChars)]);
    }

    #[test]
    fn contact_time_may_be_backdated_a_month_but_not_in_the_future() {
        let mut d = draft();
        d.at = Some(now() + Duration::hours(2));
        assert_eq!(d.problems(now())[0].field.zh(), "联系时间");
        d.at = Some(now() - Duration::days(BACKDATE_MAX_DAYS + 1));
        d.next_callback = None;
        assert_eq!(d.problems(now())[0].field.zh(), "联系时间");
        d.at = Some(now() - Duration::days(3));
        assert!(d.problems(now()).is_empty());
    }

    #[test]
    fn a_product_pitch_names_its_product() {
        let mut d = draft();
        d.purpose = Purpose::ProductPitch;
        assert_eq!(d.problems(now())[0].field.zh(), "推介产品");
        d.launch = Some(LaunchId(1));
        assert!(d.problems(now()).is_empty());
        d.purpose = Purpose::Marketing;
        assert_eq!(d.problems(now())[0].field.zh(), "推介产品");
    }

    #[test]
    fn only_reached_outcomes_count_as_contact() {
        assert!(Outcome::Declined.reached());
        assert!(!Outcome::NoAnswer.reached());
        assert!(!Outcome::Unreachable.reached());
    }
}
