//! The demo branch: three outlets, about forty staff covering every job role (some below their
//! quota), a client register with plausible names, phones and holdings, and six months of history
//! replayed through the same rules the service applies, so overdue callbacks, open quarterly
//! notifications and launch coverage look like a real branch's.

pub mod complaints;
pub mod people;

use chrono::{Duration, NaiveDate, NaiveTime};

use crate::domain::names::readings;
use crate::domain::results::{
    BalanceChange, BranchTotal, ClientState, Snapshot, StateChange, months_back, periods,
};
use crate::domain::task::{apply_contact, owed_on_joining, reactivation_change};
use crate::domain::*;
use people::People;

pub struct DemoSpec {
    pub clients: u32,
    pub seed: u64,
    pub today: NaiveDate,
}

pub struct DemoBranch {
    pub staff: Vec<Staff>,
    pub clients: Vec<Client>,
    pub contacts: Vec<Contact>,
    pub tasks: Vec<Task>,
    pub launches: Vec<ProductLaunch>,
    pub rules: Rules,
    /// Each client's recorded changes (its first appearance, and a tier change for some), in
    /// the same order as `clients`.
    pub history: Vec<Vec<StateChange>>,
    /// Each client's recorded balance changes over the last year, in the order of `clients`.
    pub balances: Vec<Vec<BalanceChange>>,
    /// Month-start counts for the past year and more, for growth and the trend.
    pub snapshots: Vec<Snapshot>,
    /// Who the demo logs in as: a lobby manager with overdue work.
    pub default_user: StaffNo,
    /// The monthly 全行个人客户数 of the past two years, as the branch head entered them.
    pub branch_totals: Vec<BranchTotal>,
    /// Complaints of the last five months, open, overdue, reopened and closed (`complaints`).
    pub complaints: Vec<crate::domain::complaint::Complaint>,
}

/// Days of history before today.
const HISTORY_DAYS: i64 = 182;

struct Outlet {
    name: &'static str,
    code: char,
    share: u32,
    /// Job roles and how many of each.
    roles: &'static [(&'static str, u32)],
}

const OUTLETS: &[Outlet] = &[
    Outlet {
        name: "城关",
        code: '1',
        share: 45,
        roles: &[
            (JobRole::OUTLET_HEAD, 1),
            (JobRole::LOBBY_MANAGER, 2),
            (JobRole::ACCOUNTING_SUPERVISOR, 1),
            (JobRole::TELLER, 8),
            (JobRole::BACK_OFFICE, 2),
            (JobRole::RELATIONSHIP_MANAGER, 2),
        ],
    },
    Outlet {
        name: "东街",
        code: '2',
        share: 32,
        roles: &[
            (JobRole::OUTLET_HEAD, 1),
            (JobRole::LOBBY_MANAGER, 1),
            (JobRole::ACCOUNTING_SUPERVISOR, 1),
            (JobRole::TELLER, 6),
            (JobRole::BACK_OFFICE, 1),
            (JobRole::RELATIONSHIP_MANAGER, 1),
        ],
    },
    Outlet {
        name: "开发区",
        code: '3',
        share: 23,
        roles: &[
            (JobRole::OUTLET_HEAD, 1),
            (JobRole::LOBBY_MANAGER, 1),
            (JobRole::ACCOUNTING_SUPERVISOR, 1),
            (JobRole::TELLER, 5),
            (JobRole::BACK_OFFICE, 1),
            (JobRole::RURAL_MANAGER, 2),
        ],
    },
];

/// A login from the name's pinyin ("wangfang"), made unique with a digit.
fn login_for(name: &str, taken: &mut std::collections::HashSet<String>) -> Login {
    let base: String = readings(name).iter().filter_map(|r| r.first()).map(String::as_str).collect();
    let base = if base.is_ascii() && !base.is_empty() { base } else { "staff".to_string() };
    let mut login = base.clone();
    let mut n = 1;
    while !taken.insert(login.clone()) {
        n += 1;
        login = format!("{base}{n}");
    }
    Login::parse(&login).unwrap_or_else(|_| Login::parse("staff").expect("literal login is valid"))
}

fn make_staff(p: &mut People) -> Vec<Staff> {
    let mut taken = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut add = |p: &mut People, no: String, role: &str, outlet: &str, permission: Permission| {
        let (name, _) = p.name();
        let login = login_for(&name, &mut taken);
        out.push(Staff {
            no: StaffNo::parse(&no).expect("demo staff numbers are digits"),
            name,
            role: JobRole::new(role),
            outlet: OutletId::parse(outlet).expect("demo outlet names are valid"),
            login: Some(login),
            permission,
            scope: Scope::default_for(&JobRole::new(role)),
            active: true,
        });
    };
    for o in OUTLETS {
        let mut seq = 1;
        for (role, count) in o.roles {
            for _ in 0..*count {
                let permission =
                    if *role == JobRole::OUTLET_HEAD { Permission::Manager } else { Permission::Staff };
                add(p, format!("{}{:03}", o.code, seq), role, o.name, permission);
                seq += 1;
            }
        }
    }
    add(p, "8001".into(), "支行行长", "城关", Permission::Manager);
    add(p, "9001".into(), "系统管理员", "城关", Permission::Admin);
    out
}

/// Average financial assets, in bands whose shares resemble a county branch's register.
fn assets(rng: &mut fastrand::Rng) -> Fen {
    let r = rng.u32(0..1000);
    let (lo, hi) = match r {
        0..2 => (600, 2000),
        2..8 => (200, 600),
        8..22 => (50, 200),
        22..82 => (10, 50),
        82..202 => (5, 10),
        202..500 => (1, 5),
        _ => (0, 1),
    };
    // Whole yuan within the band, with odd fen as real balances have.
    let yuan = rng.i64(lo * 10_000..hi * 10_000);
    Fen(yuan * 100 + rng.i64(0..100))
}

fn make_client(p: &mut People, i: u32, today: NaiveDate, rules: &Rules) -> Client {
    let (name, male) = p.name();
    let birthday = p.birthday(today);
    let id_number = p.id_number(birthday, male);
    let phone = p.phone();
    let rng = p.rng();
    let mut pick = rng.u32(0..100);
    let outlet = OUTLETS
        .iter()
        .find(|o| {
            if pick < o.share {
                true
            } else {
                pick -= o.share;
                false
            }
        })
        .unwrap_or(&OUTLETS[0]);
    let assets = assets(rng);
    let tier = rules.tier_for(assets);
    let class = match tier {
        CardTier::PrivateBanking | CardTier::Diamond => ClientClass::Key,
        CardTier::Platinum if rng.u32(0..10) < 4 => ClientClass::Key,
        CardTier::Platinum => ClientClass::Important,
        CardTier::Gold if rng.u32(0..10) < 6 => ClientClass::Important,
        CardTier::Gold => ClientClass::Ordinary,
        CardTier::Ordinary if assets >= Fen::wan(5) => ClientClass::Potential,
        CardTier::Ordinary if rng.u32(0..10) < 3 => ClientClass::Ordinary,
        CardTier::Ordinary => ClientClass::Potential,
    };
    let segment = if rng.u32(0..100) < 5 {
        Segment::OtherBank
    } else if tier.is_gold_or_above() {
        Segment::Maintain
    } else if assets >= Fen::wan(5) {
        Segment::Uplift
    } else {
        Segment::Develop
    };
    // Richer clients hold more of the basic requirements.
    let level = (tier as u32) * 12;
    let chance = |rng: &mut fastrand::Rng, base: u32| rng.u32(0..100) < (base + level).min(97);
    let holdings = Holdings {
        online_banking: chance(rng, 70),
        shuanglifeng: chance(rng, 50),
        fund_auto_invest: chance(rng, 35),
        wealth_products: if chance(rng, 45) { rng.u16(1..4) } else { 0 },
        self_service_permille: rng.u16(550..990),
    };
    let status = match rng.u32(0..100) {
        0..90 => ClientStatus::Active,
        90..98 => ClientStatus::Dormant,
        _ => ClientStatus::Lost,
    };
    Client {
        no: ClientNo::parse(&format!("62{:08}", 1_000_000 + i * 13)).expect("demo client numbers are digits"),
        name,
        gender: if male { Gender::Male } else { Gender::Female },
        phone,
        birthday: Some(birthday),
        id_number,
        outlet: OutletId::parse(outlet.name).expect("demo outlet names are valid"),
        tier,
        assets: Some(assets),
        class,
        segment,
        maintainer: None,
        sticker: Sticker::default(),
        holdings,
        plan: String::new(),
        status,
        last_contact: None,
        next_callback: None,
    }
}

const PLANS: &[&str] = &[
    "客户有养老规划需求，重点推荐养老理财和个人养老金账户；年底前上门拜访一次。",
    "资金多在他行，利用双利丰利率优势逐步吸引回流，每月电话沟通。",
    "子女明年出国留学，提前介绍外汇和留学贷款服务。",
    "经营个体商户，推荐收单和经营贷，争取结算账户开在本行。",
    "风险偏好稳健，以大额存单和低风险理财为主，季度告知时同步介绍新品。",
    "已开网银但很少使用，指导使用手机银行，提高自办比例。",
];

fn note_for(purpose: Purpose, outcome: Outcome, launch: Option<&str>, rng: &mut fastrand::Rng) -> String {
    if !outcome.reached() {
        return ["电话无人接听", "关机", "正在开会，约稍后再联系"][rng.usize(..3)].to_string();
    }
    let choices: &[&str] = match purpose {
        Purpose::Callback => &[
            "客户近况良好，资金暂无变动",
            "客户关注存款利率，已介绍双利丰",
            "客户近期有购房计划，资金可能流出，需跟进",
            "客户反映手机银行转账限额问题，已协助调整",
            "客户出差中，简单问候",
        ],
        Purpose::QuarterlyNotice => &[
            "已告知本季度理财收益",
            "已发送季度收益情况，客户表示满意",
            "告知收益后客户询问续期安排，已说明",
        ],
        Purpose::ProductPitch => {
            &["已介绍产品，客户表示考虑", "客户有兴趣，约下周到网点详谈", "客户暂无需求"]
        }
        Purpose::Marketing => &["推荐基金定投，客户同意开通", "介绍信用卡分期活动", "邀请参加网点理财沙龙"],
        Purpose::Survey => &["客户对网点服务满意", "客户建议增加周末营业窗口"],
        Purpose::Complaint => &["客户反映排队时间长，已致歉并登记", "客户对短信通知过多不满，已登记退订"],
    };
    let note = choices[rng.usize(..choices.len())].to_string();
    match (purpose, launch) {
        (Purpose::ProductPitch, Some(name)) => format!("{name}：{note}"),
        _ => note,
    }
}

/// Something that happens to one roster client on a day of the history.
#[derive(Clone, Copy)]
enum Event {
    QuarterStarts(Quarter),
    LaunchStarts(usize),
    Contact {
        purpose: Purpose,
        launch: Option<usize>,
        answered: bool,
    },
    /// The client stops using the bank: 沉睡 from this day, owing a 唤醒.
    FallsAsleep,
}

struct History<'a> {
    rules: &'a Rules,
    launches: &'a [ProductLaunch],
    today: NaiveDate,
    next_id: &'a mut dyn FnMut() -> u64,
    contacts: Vec<Contact>,
    /// The day each roster client that is 沉睡 now fell asleep in the replayed half year.
    asleep: std::collections::HashMap<ClientNo, NaiveDate>,
}

impl History<'_> {
    /// Replays one roster client's six months: period tasks appear, contacts are logged through
    /// `apply_contact`, and callbacks are done on time or late according to the maintainer's
    /// diligence.
    fn replay(&mut self, client: &mut Client, diligence: u32, rng: &mut fastrand::Rng) -> Vec<Task> {
        let start = self.today - Duration::days(HISTORY_DAYS);
        let mut events: Vec<(NaiveDate, Event)> = Vec::new();
        // A dormant roster client was active until some weeks ago, so Today has 唤醒 tasks
        // both late and still in time, and some already done by a contact since. The day comes
        // from the client number, not `rng`, so the rest of the history stays as it was.
        if client.status == ClientStatus::Dormant {
            client.status = ClientStatus::Active;
            let seed =
                client.no.as_str().bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
            let days = fastrand::Rng::with_seed(seed).i64(3..70);
            events.push((self.today - Duration::days(days), Event::FallsAsleep));
        }
        let mut tasks = owed_on_joining(client, &[], start, self.rules, &[], (self.next_id)());
        client.next_callback = tasks.first().map(|t| t.due);

        let mut q = Quarter::of(start);
        loop {
            let first = q.first_day().max(start);
            if first > self.today {
                break;
            }
            if q.first_day() > start {
                events.push((q.first_day(), Event::QuarterStarts(q)));
            }
            let last = q.last_day().min(self.today - Duration::days(1));
            let elapsed = ((last - first).num_days() + 1).max(0) as f64 / 92.0;
            let p = if q.last_day() < self.today { 0.86 } else { 0.95 * elapsed };
            if last >= first && rng.f64() < p {
                let day = first + Duration::days(rng.i64(0..=(last - first).num_days()));
                let answered = rng.u32(0..10) > 0;
                events.push((
                    day,
                    Event::Contact { purpose: Purpose::QuarterlyNotice, launch: None, answered },
                ));
                if !answered {
                    let retry =
                        Event::Contact { purpose: Purpose::QuarterlyNotice, launch: None, answered: true };
                    events.push(((day + Duration::days(rng.i64(1..4))).min(last), retry));
                }
            }
            q = q.next();
        }
        for (i, l) in self.launches.iter().enumerate() {
            events.push((l.launched, Event::LaunchStarts(i)));
            let last = l.deadline.min(self.today - Duration::days(1));
            let p = if l.deadline < self.today { 0.8 } else { 0.35 };
            if last >= l.launched && rng.f64() < p {
                let day = l.launched + Duration::days(rng.i64(0..=(last - l.launched).num_days()));
                events.push((
                    day,
                    Event::Contact { purpose: Purpose::ProductPitch, launch: Some(i), answered: true },
                ));
            }
        }
        for _ in 0..rng.usize(0..3) {
            let day = start + Duration::days(rng.i64(1..HISTORY_DAYS));
            let purpose =
                [Purpose::Marketing, Purpose::Marketing, Purpose::Survey, Purpose::Complaint][rng.usize(..4)];
            events.push((day, Event::Contact { purpose, launch: None, answered: true }));
        }
        events.sort_by_key(|(d, _)| *d);

        let mut next_static = 0;
        let mut callback_attempt = self.plan_callback(&tasks, diligence, rng);
        loop {
            let static_day = events.get(next_static).map(|(d, _)| *d);
            let (day, event) = match (static_day, callback_attempt) {
                (Some(s), Some(c)) if c < s => (
                    c,
                    Event::Contact { purpose: Purpose::Callback, launch: None, answered: rng.u32(0..8) > 0 },
                ),
                (Some(_), _) => {
                    next_static += 1;
                    events[next_static - 1]
                }
                (None, Some(c)) => (
                    c,
                    Event::Contact { purpose: Purpose::Callback, launch: None, answered: rng.u32(0..8) > 0 },
                ),
                (None, None) => break,
            };
            if day >= self.today {
                break;
            }
            for t in tasks.iter_mut() {
                if t.lapses(day) {
                    t.state = TaskState::Lapsed { on: day };
                }
            }
            match event {
                Event::QuarterStarts(q) => tasks.push(Task::quarterly(client, q, day)),
                Event::LaunchStarts(i) => tasks.push(Task::launch(client, &self.launches[i], day)),
                Event::FallsAsleep => {
                    client.status = ClientStatus::Dormant;
                    self.asleep.insert(client.no.clone(), day);
                    tasks.extend(reactivation_change(client, &tasks, Some(day), day));
                }
                Event::Contact { purpose, launch, answered } => {
                    let contact = self.contact(client, day, purpose, launch, answered, rng);
                    let open: Vec<Task> = tasks.iter().filter(|t| t.is_open()).cloned().collect();
                    let changed = apply_contact(client, &open, &contact, self.rules, (self.next_id)());
                    for c in changed {
                        match tasks.iter_mut().find(|t| t.id == c.id) {
                            Some(t) => *t = c,
                            None => tasks.push(c),
                        }
                    }
                    self.contacts.push(contact);
                    if purpose == Purpose::Callback {
                        callback_attempt = if answered {
                            self.plan_callback(&tasks, diligence, rng)
                        } else {
                            Some(day + Duration::days(rng.i64(1..4)))
                        };
                    }
                }
            }
        }
        for t in tasks.iter_mut() {
            if t.lapses(self.today) {
                t.state = TaskState::Lapsed { on: self.today };
            }
        }
        tasks
    }

    /// When the maintainer gets round to the open callback: diligent ones on time, others late.
    fn plan_callback(&self, tasks: &[Task], diligence: u32, rng: &mut fastrand::Rng) -> Option<NaiveDate> {
        let due = tasks.iter().find(|t| t.is_open() && matches!(t.id.kind, TaskKind::Callback { .. }))?.due;
        let delay = if rng.u32(0..100) < diligence { -rng.i64(0..5) } else { rng.i64(1..45) };
        Some(due + Duration::days(delay))
    }

    fn contact(
        &mut self,
        client: &Client,
        day: NaiveDate,
        purpose: Purpose,
        launch: Option<usize>,
        answered: bool,
        rng: &mut fastrand::Rng,
    ) -> Contact {
        let minutes = rng.u32(9 * 60..17 * 60 + 30);
        let at = day.and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default());
        let outcome = if !answered {
            [Outcome::NoAnswer, Outcome::NoAnswer, Outcome::Unreachable][rng.usize(..3)]
        } else if purpose == Purpose::ProductPitch {
            [Outcome::Success, Outcome::Interested, Outcome::Declined][rng.usize(..3)]
        } else {
            Outcome::Success
        };
        let channel = match rng.u32(0..100) {
            0..60 => Channel::Phone,
            60..80 => Channel::WeChat,
            80..92 => Channel::InBranch,
            92..97 => Channel::Visit,
            _ => Channel::Sms,
        };
        let launch = launch.map(|i| &self.launches[i]);
        Contact {
            id: ContactId((self.next_id)()),
            client: client.no.clone(),
            by: client.maintainer.clone().unwrap_or_else(|| StaffNo::parse("9001").expect("literal")),
            at,
            channel,
            purpose,
            launch: launch.map(|l| l.id),
            outcome,
            note: note_for(purpose, outcome, launch.map(|l| l.name.as_str()), rng),
            satisfaction: (outcome.reached() && rng.u32(0..10) < 4)
                .then(|| [3, 4, 4, 5, 5, 5][rng.usize(..6)]),
            next_callback: None,
            logged_at: at + Duration::minutes(i64::from(rng.u32(1..90))),
            also: Vec::new(),
        }
    }
}

/// A past for each client: when it first appeared and, for a few, the tier change that made
/// them what they are now — uplift clients who reached gold (conversion) and gold clients who
/// fell back or left (churn) within the last half year.
fn client_history(
    c: &Client,
    asleep: Option<NaiveDate>,
    today: NaiveDate,
    rng: &mut fastrand::Rng,
) -> Vec<StateChange> {
    let now = ClientState::of(c);
    let born = today - Duration::days(rng.i64(2 * 365..8 * 365));
    if let Some(on) = asleep {
        let awake = ClientState { status: ClientStatus::Active, ..now };
        return vec![
            StateChange { client: c.no.clone(), on: born, from: None, to: awake },
            StateChange { client: c.no.clone(), on, from: Some(awake), to: now },
        ];
    }
    let recent = today - Duration::days(rng.i64(1..HISTORY_DAYS));
    // About two in five of today's gold clients reached gold over the last 27 months, evenly: the
    // gold count, less the losses, grows some 13% a year (a little short of the 15% target, as a
    // branch would be), and the snapshots and the trend, both counted from this history, show it.
    let grew = today - Duration::days(rng.i64(1..27 * 30));
    let was = |tier, segment, status| ClientState { tier, segment, status };
    let fell_from_gold = (!c.tier.is_gold_or_above() && c.segment != Segment::Uplift && rng.u32(0..1000) < 6)
        || (c.status == ClientStatus::Lost && rng.u32(0..100) < 30);
    let (before, on) = if c.tier.is_gold_or_above() && c.segment == Segment::Maintain && rng.u32(0..100) < 40
    {
        (Some(was(CardTier::Ordinary, Segment::Uplift, ClientStatus::Active)), grew)
    } else if fell_from_gold {
        // Losses come over the same years as gains, not all in the last months.
        (Some(was(CardTier::Gold, Segment::Maintain, ClientStatus::Active)), grew)
    } else {
        (None, recent)
    };
    let first = StateChange { client: c.no.clone(), on: born, from: None, to: before.unwrap_or(now) };
    match before {
        Some(b) => vec![first, StateChange { client: c.no.clone(), on, from: Some(b), to: now }],
        None => vec![first],
    }
}

/// A year of a client's balance: one to three changes, mostly small rises (a branch's premium
/// clients grow their assets, some draw down), ending at today's balance. From its own random
/// stream, so the rest of the demo stays as it was.
fn balance_history(c: &Client, today: NaiveDate, rng: &mut fastrand::Rng) -> Vec<BalanceChange> {
    let Some(now) = c.assets else { return Vec::new() };
    let mut days: Vec<i64> = (0..rng.usize(1..=3)).map(|_| rng.i64(1..365)).collect();
    days.sort_unstable();
    days.dedup();
    // Walked back from today: each change's `from` is the balance before it.
    let mut out = Vec::new();
    let mut after = now.0;
    for ago in days {
        let permille = rng.i64(-60..=120);
        let before = after * 1000 / (1000 + permille);
        out.push(BalanceChange {
            client: c.no.clone(),
            on: today - Duration::days(ago),
            from: Some(Fen(before)),
            to: Some(Fen(after)),
        });
        after = before;
    }
    out.reverse();
    out
}

/// Month-start snapshots for the past two years and more (the results trend shows eight
/// quarters), each the register on that day as the clients' history has it — what an import on
/// the first of each month would have recorded.
fn past_snapshots(clients: &[Client], history: &[Vec<StateChange>], today: NaiveDate) -> Vec<Snapshot> {
    let months = months_back(today, 27);
    let days: Vec<(NaiveDate, NaiveDate)> = months[..months.len() - 1].iter().map(|m| (*m, *m)).collect();
    periods(clients.iter().zip(history).map(|(c, h)| (ClientState::of(c), h.as_slice())), &days)
        .into_iter()
        .map(|p| p.register)
        .collect()
}

/// Builds the demo branch as of `spec.today`. Identifiers for contacts and callbacks come from
/// `next_id` so they never collide with ones the store hands out later.
pub fn generate(spec: &DemoSpec, next_id: &mut dyn FnMut() -> u64) -> DemoBranch {
    let rules = Rules::default();
    let today = spec.today;
    let mut people = People::new(spec.seed);
    let staff = make_staff(&mut people);
    let mut clients: Vec<Client> =
        (0..spec.clients).map(|i| make_client(&mut people, i, today, &rules)).collect();
    let rng = &mut fastrand::Rng::with_seed(spec.seed ^ 0x5eed);

    let boss =
        staff.iter().find(|s| s.no.as_str() == "8001").map_or_else(|| staff[0].no.clone(), |s| s.no.clone());
    let launches = vec![
        ProductLaunch {
            id: LaunchId(next_id()),
            name: "养老理财（第一期）".into(),
            description: "稳健型养老理财产品，封闭期一年，适合五十岁以上客户。".into(),
            launched: today - Duration::days(75),
            deadline: today - Duration::days(45),
            by: boss.clone(),
            outlet: None,
            withdrawn: None,
        },
        ProductLaunch {
            id: LaunchId(next_id()),
            name: "个人养老金账户".into(),
            description: "个人养老金账户开户推介，每年缴存上限一万二千元，可享税收优惠。".into(),
            launched: today - Duration::days(10),
            deadline: today + Duration::days(20),
            by: boss,
            outlet: None,
            withdrawn: None,
        },
    ];

    // Roster candidates by outlet: gold and above first, then uplift and prospects. A few gold
    // clients stay unassigned so the managers' 待分配 list has work in it.
    let mut order: Vec<usize> =
        (0..clients.len()).filter(|i| clients[*i].status != ClientStatus::Lost).collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|i| {
        let c = &clients[*i];
        (std::cmp::Reverse(c.tier.is_gold_or_above()), std::cmp::Reverse(c.segment == Segment::Uplift))
    });
    let mut queue: std::collections::HashMap<&str, std::collections::VecDeque<usize>> = Default::default();
    for i in order {
        let c = &clients[i];
        if c.tier.is_gold_or_above() && rng.u32(0..100) < 9 {
            continue;
        }
        queue
            .entry(OUTLETS.iter().find(|o| o.name == c.outlet.as_str()).map_or("城关", |o| o.name))
            .or_default()
            .push_back(i);
    }
    let default_user = staff
        .iter()
        .find(|s| s.role.as_str() == JobRole::LOBBY_MANAGER)
        .map_or_else(|| staff[0].no.clone(), |s| s.no.clone());
    let mut replay = History {
        rules: &rules,
        launches: &launches,
        today,
        next_id,
        contacts: Vec::new(),
        asleep: Default::default(),
    };
    let mut tasks = Vec::new();
    for s in &staff {
        let quota = rules.quota(&s.role) as i64;
        let target = match (s.permission, quota) {
            (Permission::Admin, _) => 0,
            (_, 0) if s.role.as_str() == JobRole::RELATIONSHIP_MANAGER => rng.i64(35..55),
            (_, 0) => 0,
            // About one in four below quota, the rest at or a little above.
            (_, q) if rng.u32(0..4) == 0 => (q - rng.i64(2..=q.min(8))).max(0),
            (_, q) => q + rng.i64(0..6),
        };
        // The lobby manager the demo opens as is behind with callbacks, so Today has work in it.
        let diligence = if s.no == default_user { 25 } else { rng.u32(45..96) };
        for _ in 0..target {
            let Some(i) = queue.get_mut(s.outlet.as_str()).and_then(|q| q.pop_front()) else { break };
            let c = &mut clients[i];
            c.maintainer = Some(s.no.clone());
            if rng.u32(0..10) < 7 {
                c.sticker = Sticker { done: true, on: Some(today - Duration::days(rng.i64(30..400))) };
            }
            if rng.u32(0..10) < 4 {
                c.plan = PLANS[rng.usize(..PLANS.len())].to_string();
            }
            tasks.extend(replay.replay(c, diligence, rng));
        }
    }
    let contacts = replay.contacts;
    let asleep = replay.asleep;
    let now = today.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default());
    let complaints = complaints::make(&staff, &clients, &default_user, now, rng, next_id);
    // Each complaint closed in the last week still owes its follow-up survey.
    for c in &complaints {
        if let Some(closed) = c.closed_at().filter(|t| t.date() + Duration::days(7) >= today)
            && let Some(client) = clients.iter().find(|cl| cl.no == c.client && cl.on_roster())
        {
            tasks.push(Task::follow_up_survey(client, c.id, closed.date()));
        }
    }
    let history: Vec<Vec<StateChange>> =
        clients.iter().map(|c| client_history(c, asleep.get(&c.no).copied(), today, rng)).collect();
    let snapshots = past_snapshots(&clients, &history, today);
    let balance_rng = &mut fastrand::Rng::with_seed(spec.seed ^ 0xba1a);
    let balances = clients.iter().map(|c| balance_history(c, today, balance_rng)).collect();
    // A county branch's personal clients outnumber its premium register about seven to one,
    // which puts the gold share near the 1% target, where the demo's managers should look. The
    // branch head has entered core banking's total every month for two years.
    let months = months_back(today, 25);
    let latest = (spec.clients * 7).div_ceil(100) * 100;
    let branch_totals = months[..months.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let months_ago = (months.len() - 1 - i) as u32;
            BranchTotal {
                month: *m,
                personal_clients: latest - latest / 100 * months_ago / 12,
                gold_plus: None,
                source: "核心系统月报".into(),
                entered_by: launches[0].by.to_string(),
                entered_on: m.checked_add_months(chrono::Months::new(1)).unwrap_or(*m),
            }
        })
        .collect();
    DemoBranch {
        staff,
        clients,
        contacts,
        tasks,
        launches,
        rules,
        default_user,
        history,
        balances,
        snapshots,
        branch_totals,
        complaints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> DemoBranch {
        let mut id = 0;
        let spec =
            DemoSpec { clients: 2000, seed: 42, today: NaiveDate::from_ymd_opt(2026, 11, 18).unwrap() };
        generate(&spec, &mut || {
            id += 1;
            id
        })
    }

    #[test]
    fn the_demo_covers_every_job_role_and_has_staff_below_quota() {
        let d = demo();
        assert!((38..=42).contains(&d.staff.len()), "{}", d.staff.len());
        for role in [
            JobRole::OUTLET_HEAD,
            JobRole::LOBBY_MANAGER,
            JobRole::ACCOUNTING_SUPERVISOR,
            JobRole::TELLER,
            JobRole::BACK_OFFICE,
            JobRole::RURAL_MANAGER,
        ] {
            assert!(d.staff.iter().any(|s| s.role.as_str() == role), "{role}");
        }
        let size =
            |s: &Staff| d.clients.iter().filter(|c| c.maintainer.as_ref() == Some(&s.no)).count() as u32;
        let below = d.staff.iter().filter(|s| size(s) < d.rules.quota(&s.role)).count();
        assert!(below >= 3, "some staff are below quota ({below})");
        assert!(d.staff.iter().any(|s| s.permission == Permission::Admin));
    }

    #[test]
    fn the_history_leaves_overdue_callbacks_and_open_notifications() {
        let d = demo();
        let today = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let open = |f: &dyn Fn(&Task) -> bool| d.tasks.iter().filter(|t| t.is_open() && f(t)).count();
        assert!(open(&|t| matches!(t.id.kind, TaskKind::Callback { .. }) && t.due < today) > 20);
        assert!(open(&|t| t.id.kind == TaskKind::Quarterly(Quarter::of(today))) > 50);
        assert!(d.contacts.len() > 1000, "{}", d.contacts.len());
        // Every roster client has exactly one open callback, mirrored on the client.
        for c in d.clients.iter().filter(|c| c.maintainer.is_some()) {
            let cbs: Vec<&Task> = d
                .tasks
                .iter()
                .filter(|t| {
                    t.id.client == c.no && t.is_open() && matches!(t.id.kind, TaskKind::Callback { .. })
                })
                .collect();
            assert_eq!(cbs.len(), 1, "{}", c.no);
            assert_eq!(c.next_callback, Some(cbs[0].due));
        }
        assert!(d.contacts.iter().all(|c| c.at.date() < today));
    }

    #[test]
    fn the_complaint_history_has_open_overdue_reopened_and_closed_ones() {
        let b = demo();
        let today = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let c = &b.complaints;
        assert!(c.len() >= 12);
        assert!(c.iter().any(|c| c.open().is_some_and(|r| r.owner() == &b.default_user)));
        assert!(c.iter().any(|c| c.open().is_some_and(|r| r.overdue(today))));
        assert!(c.iter().any(|c| c.reopened() > 0));
        assert!(c.iter().filter(|c| c.is_closed()).count() >= 5);
    }

    #[test]
    fn some_gold_clients_are_left_unassigned() {
        let d = demo();
        let unassigned =
            d.clients.iter().filter(|c| c.tier.is_gold_or_above() && c.maintainer.is_none()).count();
        assert!(unassigned > 0);
    }

    #[test]
    fn dormant_roster_clients_owe_wake_up_calls_some_late_some_in_time_some_done() {
        let d = demo();
        let today = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let wake: Vec<&Task> =
            d.tasks.iter().filter(|t| matches!(t.id.kind, TaskKind::Reactivate { .. })).collect();
        let dormant = d.clients.iter().filter(|c| c.on_roster() && c.status == ClientStatus::Dormant).count();
        assert!(dormant > 5, "{dormant}");
        assert_eq!(wake.len(), dormant, "one per dormant roster client");
        assert!(wake.iter().any(|t| t.is_open() && t.due < today), "some late");
        assert!(wake.iter().any(|t| t.is_open() && t.due >= today), "some still in time");
        assert!(wake.iter().any(|t| matches!(t.state, TaskState::Done { .. })), "some done");
        // The history says when each fell asleep, as the task does.
        for t in &wake {
            let i = d.clients.iter().position(|c| c.no == t.id.client).unwrap();
            let since = crate::domain::task::asleep_since(&d.history[i]);
            assert_eq!(Some(t.created), since, "{}", t.id.client);
        }
    }
}
