//! The demo branch's complaint history: received over the last five months and moved on
//! through `Complaint::advance` as staff would, mostly on time, some late, a few reopened by an
//! 不满意, some still open today and some of those overdue, so the Today lines, the list and
//! the figures have content.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::domain::complaint::{
    Category, Complaint, ComplaintChannel, ComplaintId, Feedback, NewComplaint, Satisfaction, ServiceLevels,
    Severity, Step,
};
use crate::domain::{Client, JobRole, Permission, Staff, StaffNo};

const SAID: &[(Category, &str, &str)] = &[
    (Category::Attitude, "办理挂失时柜员态度生硬，多次打断我说话", "希望网点道歉并改进服务"),
    (Category::Process, "更换身份证后账户被冻结，跑了三次网点才解冻", "简化流程，说明冻结原因"),
    (Category::Price, "短信提醒服务费没有事先告知就扣了一年", "退还已扣费用"),
    (Category::Product, "理财产品到期收益低于宣传的业绩比较基准", "解释收益差异，给出书面说明"),
    (Category::Technical, "手机银行转账显示失败但钱已扣款", "尽快退回款项"),
    (Category::Attitude, "大堂经理推销保险，拒绝后态度冷淡", "不要再强行推销"),
    (Category::Process, "大额取款需要提前预约却没人告诉我", "今后提前通知预约规定"),
    (Category::Other, "网点门口停车位被占用，老人取款不便", "协调停车位"),
    (Category::Technical, "自助机吞卡，等了两天才取回", "缩短吞卡领取时间"),
    (Category::Price, "跨行转账手续费与网上公布的不一致", "按公布标准退还差额"),
];

const NOTES: [&str; 5] = [
    "已受理",
    "已核实类别和严重程度",
    "调阅监控和业务记录，与当事员工面谈",
    "已与客户沟通处理方案并落实",
    "已电话告知客户处理结果",
];

/// What a step took: on time most of the time, now and then a day or three late.
fn finish_at(started: NaiveDateTime, due: NaiveDate, late: bool, rng: &mut fastrand::Rng) -> NaiveDateTime {
    let day = if late {
        due + Duration::days(rng.i64(1..4))
    } else {
        let span = (due - started.date()).num_days().max(0);
        started.date() + Duration::days(rng.i64(0..=span))
    };
    let at = day.and_time(NaiveTime::from_hms_opt(rng.u32(9..17), rng.u32(0..60), 0).unwrap_or_default());
    at.max(started + Duration::minutes(rng.i64(20..180)))
}

/// About one complaint per 80 clients (at least a dozen), ids from `next_id`. The first few
/// are placed so a first run shows every case: an open step of `default_user`'s, an overdue
/// 严重 one at 调查, an overdue 非常严重 one (escalated to the outlet head and the branch), and
/// one the client was not satisfied with the first time (reopened at 处理).
pub fn make(
    staff: &[Staff],
    clients: &[Client],
    default_user: &StaffNo,
    now: NaiveDateTime,
    rng: &mut fastrand::Rng,
    next_id: &mut dyn FnMut() -> u64,
) -> Vec<Complaint> {
    let levels = ServiceLevels::default();
    let served: Vec<&Client> = clients.iter().filter(|c| c.maintainer.is_some()).collect();
    if served.is_empty() {
        return Vec::new();
    }
    let head_of = |c: &Client| {
        staff
            .iter()
            .find(|s| s.outlet == c.outlet && s.role.as_str() == JobRole::OUTLET_HEAD)
            .map(|s| s.no.clone())
    };
    let counter_of = |c: &Client, rng: &mut fastrand::Rng| {
        let here: Vec<&Staff> =
            staff.iter().filter(|s| s.outlet == c.outlet && s.permission == Permission::Staff).collect();
        if here.is_empty() { c.maintainer.clone() } else { Some(here[rng.usize(..here.len())].no.clone()) }
    };
    let mine: Vec<&Client> =
        served.iter().copied().filter(|c| c.maintainer.as_ref() == Some(default_user)).collect();
    let n = (clients.len() / 80).max(12);
    let mut out = Vec::new();
    for i in 0..n {
        let client = match i {
            0 if !mine.is_empty() => mine[rng.usize(..mine.len())],
            _ => served[rng.usize(..served.len())],
        };
        let (days_ago, severity, stall) = match i {
            0 => (1, Severity::Normal, Some(Step::Investigate)),
            1 => (8, Severity::Serious, Some(Step::Investigate)),
            2 => (4, Severity::Critical, Some(Step::Resolve)),
            3 => (40, Severity::Normal, None),
            _ => {
                let severity = match rng.u32(0..100) {
                    0..70 => Severity::Normal,
                    70..92 => Severity::Serious,
                    _ => Severity::Critical,
                };
                (rng.i64(2..150), severity, None)
            }
        };
        let (category, said, asks) = SAID[rng.usize(..SAID.len())];
        let received = (now.date() - Duration::days(days_ago))
            .and_time(NaiveTime::from_hms_opt(rng.u32(9..17), rng.u32(0..60), 0).unwrap_or_default());
        let Some(receiver) = counter_of(client, rng) else { continue };
        let Some(owner) = client.maintainer.clone() else { continue };
        let new = NewComplaint {
            client: client.no.clone(),
            channel: ComplaintChannel::ALL[rng.usize(..ComplaintChannel::ALL.len())],
            category,
            severity,
            said: said.into(),
            asks: asks.into(),
            owner: None,
            draft: None,
        };
        let Ok(mut c) = Complaint::receive(
            ComplaintId(next_id()),
            new,
            client.outlet.clone(),
            client.maintainer.clone(),
            receiver,
            received,
            owner,
            &levels,
        ) else {
            continue;
        };
        let head = head_of(client);
        while let Some(open) = c.open() {
            if Some(open.step) == stall {
                break;
            }
            // The reopened one is handled on time, so it is reopened by the client, not closed late.
            let late = i != 3 && rng.u32(0..100) < 12;
            let at = finish_at(open.started, open.due, late, rng);
            if at > now {
                break;
            }
            let step = open.step;
            let feedback = (step == Step::Feedback).then(|| Feedback {
                told_on: at.date(),
                view: match rng.u32(0..100) {
                    // One in ten is not satisfied the first time; a reopened one rarely again.
                    _ if i == 3 && c.reopened() == 0 => Satisfaction::Unsatisfied,
                    0..10 if c.reopened() == 0 => Satisfaction::Unsatisfied,
                    0..75 => Satisfaction::Satisfied,
                    _ => Satisfaction::Fair,
                },
            });
            let by = open.owner().clone();
            let note = NOTES[Step::ALL.iter().position(|s| *s == step).unwrap_or(0)];
            if c.advance(step, note, feedback, None, None, head.as_ref(), &by, at, &levels).is_err() {
                break;
            }
        }
        out.push(c);
    }
    out
}
