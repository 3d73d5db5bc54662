//! Reports for management: the coverage, results and contact figures as workbook sheets with
//! Chinese headers and typed cells (numbers stay numbers, shares are percentages).

use super::views::{Report, ReportCell as C, ReportKind, ReportSheet, ResultsFigure, SheetChart, Table};
use super::{Service, ServiceError};
use crate::domain::coverage::{Figures, Ratio};
use crate::domain::{Permission, Quarter, Staff};

fn pct(r: Ratio) -> C {
    C::Percent(r.permille().map(i64::from))
}

fn figure_cells(f: &Figures) -> [C; 5] {
    [pct(f.compliance), pct(f.sticker), pct(f.callbacks_on_time), pct(f.quarterly), pct(f.launches)]
}

const FIGURE_HEADERS: [&str; 5] =
    ["基本要求合规率", "贴标率", "回访按时率", "季度告知覆盖率", "新品推介覆盖率"];

fn headers(first: &[&str]) -> Vec<String> {
    first.iter().chain(FIGURE_HEADERS.iter()).map(|h| h.to_string()).collect()
}

/// 工号, 姓名, 网点, 岗位, 名单客户数, 岗位配额: how a staff member's row begins in every report.
fn staff_cells(s: &crate::domain::coverage::StaffCoverage) -> Vec<C> {
    vec![
        C::Text(s.staff.no.to_string()),
        C::Text(s.staff.name.clone()),
        C::Text(s.staff.outlet.to_string()),
        C::Text(s.staff.role.to_string()),
        C::Int(i64::from(s.standing.size)),
        C::Int(i64::from(s.standing.minimum)),
    ]
}

fn yes_no(ok: bool) -> C {
    C::Text(if ok { "达标" } else { "未达标" }.into())
}

impl Service {
    pub fn report(
        &self,
        actor: &Staff,
        kind: ReportKind,
        quarter: Option<Quarter>,
        file: String,
    ) -> Result<Report, ServiceError> {
        self.require(actor, Permission::Manager, "导出报表")?;
        // A quarter that has not begun is refused for every report, as on screen.
        let asked = self.quarter_asked(quarter)?;
        let (today, q) = (asked.today, asked.quarter);
        let branch = self.branch_name()?;
        // A past quarter's figures are as of its last day; the current one's as of today.
        let quarter_end = q.last_day().min(today);
        let mut report = match kind {
            ReportKind::Coverage => self.coverage_report(actor, q)?,
            ReportKind::Results => self.results_report(actor, q)?,
            ReportKind::Performance => self.performance_report(actor, q)?,
            ReportKind::Contacts => {
                let table = self.contacts_table(q.first_day(), q.last_day().min(today))?;
                Report {
                    title: format!("{q} 联系记录"),
                    branch: String::new(),
                    as_of: quarter_end,
                    sheets: vec![typed_sheet("联系记录", table)],
                }
            }
            ReportKind::Unassigned => {
                let rows = self
                    .unassigned(actor, None)?
                    .into_iter()
                    .map(|r| {
                        vec![
                            C::Text(r.no.to_string()),
                            C::Text(r.name),
                            C::Text(r.outlet.to_string()),
                            C::Text(r.tier.to_string()),
                            C::Text(r.segment.to_string()),
                            C::Text(r.suggested.as_ref().map(|s| s.no.to_string()).unwrap_or_default()),
                            C::Text(r.suggested.map(|s| s.name).unwrap_or_default()),
                        ]
                    })
                    .collect();
                let headers =
                    ["客户号", "客户姓名", "网点", "卡级别", "客户类型", "建议维护人工号", "建议维护人"];
                Report {
                    title: format!("{today} 待分配客户"),
                    branch: String::new(),
                    as_of: today,
                    sheets: vec![ReportSheet {
                        name: "待分配".into(),
                        headers: headers.iter().map(|h| h.to_string()).collect(),
                        rows,
                        charts: Vec::new(),
                    }],
                }
            }
            ReportKind::Launches => {
                let rows = self
                    .launches(actor)?
                    .into_iter()
                    .map(|l| {
                        vec![
                            C::Text(l.launch.name),
                            C::Date(l.launched),
                            C::Date(l.launch.deadline),
                            C::Text(match (l.withdrawn, l.days_left) {
                                (Some(on), _) => format!("已撤回（{on}）"),
                                (None, Some(_)) => "进行中".into(),
                                (None, None) => "已截止".into(),
                            }),
                            C::Int(i64::from(l.pitched.done)),
                            C::Int(i64::from(l.pitched.of)),
                            pct(l.pitched),
                        ]
                    })
                    .collect();
                let headers = ["产品", "发布日期", "截止日期", "状态", "已推介", "应推介", "覆盖率"];
                Report {
                    title: format!("{today} 新品推介"),
                    branch: String::new(),
                    as_of: today,
                    sheets: vec![ReportSheet {
                        name: "新品推介".into(),
                        headers: headers.iter().map(|h| h.to_string()).collect(),
                        rows,
                        charts: Vec::new(),
                    }],
                }
            }
            ReportKind::Complaints => self.complaints_report(actor, q)?,
        };
        report.branch = branch;
        let rows: usize = report.sheets.iter().map(|s| s.rows.len()).sum();
        // Reports carry figures and names, never an ID number or a phone: always masked.
        self.audit_export(actor, &file, format!("报表：{}，{rows} 行，已遮蔽", report.title))?;
        Ok(report)
    }

    /// 投诉与服务质量: `complaint::figures` per outlet (and the branch, for branch management)
    /// and per staff member, then every complaint received or closed in the quarter in scope.
    fn complaints_report(&self, actor: &Staff, q: Quarter) -> Result<Report, ServiceError> {
        use super::complaints::ComplaintFilter;
        use crate::domain::complaint::ComplaintFigures;
        use crate::domain::percent::permille_half_up;
        let view = self.complaint_figures(actor, Some(q))?;
        let share = |num: u32, den: u32| C::Percent(permille_half_up(i64::from(num), i64::from(den)));
        // A quarter never frozen has no roster to count: blank, not a 0 that reads as no clients.
        let counted = view.base != super::complaints::PerThousandBase::Missing;
        let cells = |f: &ComplaintFigures| {
            vec![
                C::Int(i64::from(f.received)),
                if counted { C::Int(i64::from(f.clients)) } else { C::Empty },
                f.per_thousand_tenths().map_or(C::Empty, |t| C::Decimal2(t * 10)),
                C::Int(i64::from(f.repeat)),
                C::Int(i64::from(f.closed)),
                share(f.closed_within_level, f.closed),
                f.median_minutes.map_or(C::Empty, |m| C::Decimal2(m * 100 / (24 * 60))),
                C::Int(i64::from(f.feedback)),
                share(f.satisfied, f.feedback),
                C::Int(i64::from(f.steps_due)),
                share(f.steps_on_time, f.steps_due),
            ]
        };
        const FIGS: [&str; 13] = [
            "受理投诉数",
            "名单客户数",
            "每千客户投诉数",
            "重复投诉数",
            "办结数",
            "时限内办结率",
            "办结时长中位数（天）",
            "反馈数",
            "满意率",
            "到期环节数",
            "环节按时率",
            "满意度调查均分",
            "满意度评分次数",
        ];
        let head =
            |first: &[&str]| first.iter().chain(FIGS.iter()).map(|h| h.to_string()).collect::<Vec<_>>();
        // Mean score in hundredths for the cell (4.5 → 450), and how many scores.
        let score = |t: Option<crate::domain::contact::ScoreTally>| {
            let t = t.unwrap_or_default();
            vec![
                t.mean_tenths().map_or(C::Empty, |m| C::Decimal2(i64::from(m) * 10)),
                C::Int(i64::from(t.scores)),
            ]
        };
        let mut outlets: Vec<Vec<C>> = view
            .outlets
            .iter()
            .map(|(o, f)| {
                [vec![C::Text(o.to_string())], cells(f), score(view.outlet_scores.get(o).copied())].concat()
            })
            .collect();
        if let Some(b) = &view.branch {
            outlets.push([vec![C::Text("全行".into())], cells(b), score(view.branch_scores)].concat());
        }
        let staff = view
            .staff
            .iter()
            .map(|(s, f)| {
                [
                    vec![C::Text(s.no.to_string()), C::Text(s.name.clone())],
                    cells(f),
                    score(view.staff_scores.get(&s.no).copied()),
                ]
                .concat()
            })
            .collect();
        let list = self
            .complaints(actor, ComplaintFilter::Quarter(q))?
            .into_iter()
            .map(|r| {
                vec![
                    C::Int(r.id.0 as i64),
                    C::Text(r.client.to_string()),
                    C::Text(r.client_name),
                    C::Text(r.outlet.to_string()),
                    C::Text(r.channel.to_string()),
                    C::Text(r.category.to_string()),
                    C::Text(r.severity.to_string()),
                    C::DateTime(r.received_at),
                    C::Text(r.step.map_or_else(|| "已办结".into(), |s| s.to_string())),
                    C::Text(r.owner.map(|o| format!("{} {}", o.no, o.name)).unwrap_or_default()),
                    r.due.map_or(C::Empty, C::Date),
                    C::Text(if r.overdue { "是" } else { "" }.into()),
                    r.closed_at.map_or(C::Empty, C::DateTime),
                    C::Text(r.view.map(|v| v.to_string()).unwrap_or_default()),
                    C::Int(i64::from(r.reopened)),
                ]
            })
            .collect();
        let list_headers = [
            "投诉编号",
            "客户号",
            "客户姓名",
            "网点",
            "渠道",
            "类别",
            "严重程度",
            "受理时间",
            "当前环节",
            "负责人",
            "截止日期",
            "已超时",
            "办结时间",
            "客户评价",
            "重新处理次数",
        ];
        let sheet = |name: &str, headers: Vec<String>, rows| ReportSheet {
            name: name.into(),
            headers,
            rows,
            charts: Vec::new(),
        };
        Ok(Report {
            title: format!(
                "{q} 投诉与服务质量{}",
                match view.base {
                    super::complaints::PerThousandBase::Today => "",
                    super::complaints::PerThousandBase::QuarterEnd => {
                        "（每千客户按季末名单上的客户数，网点按维护人当时所在网点）"
                    }
                    super::complaints::PerThousandBase::Missing => {
                        "（该季度没有季末冻结的名单：不计每千客户投诉数；不属于调查任务的满意度按现在的维护人归属）"
                    }
                }
            ),
            branch: String::new(),
            as_of: view.as_of,
            sheets: vec![
                sheet("网点", head(&["网点"]), outlets),
                sheet("员工", head(&["工号", "姓名"]), staff),
                sheet("投诉明细", list_headers.iter().map(|h| h.to_string()).collect(), list),
            ],
        })
    }

    fn coverage_report(&self, actor: &Staff, q: Quarter) -> Result<Report, ServiceError> {
        let view = self.coverage(actor, Some(q))?;
        let mut outlets = Vec::new();
        let mut staff = Vec::new();
        for o in &view.outlets {
            let mut row = vec![
                C::Text(o.outlet.to_string()),
                C::Int(i64::from(o.average.staff)),
                C::Int(i64::from(o.average.clients)),
                C::Decimal2(i64::from(o.average.hundredths())),
                C::Int(i64::from(o.average.target)),
                C::Int(i64::from(o.below_quota)),
            ];
            row.extend(figure_cells(&o.figures));
            outlets.push(row);
            for s in &o.staff {
                let mut row = staff_cells(s);
                row.push(C::Int(i64::from(s.standing.shortfall())));
                row.extend(figure_cells(&s.figures));
                staff.push(row);
            }
        }
        let mut total = vec![
            C::Text("全行".into()),
            C::Int(i64::from(view.branch_average.staff)),
            C::Int(i64::from(view.branch_average.clients)),
            C::Decimal2(i64::from(view.branch_average.hundredths())),
            C::Int(i64::from(view.branch_average.target)),
            C::Int(i64::from(view.below_quota)),
        ];
        total.extend(figure_cells(&view.branch));
        outlets.push(total);
        Ok(Report {
            title: format!("{q} 名单制覆盖情况{}", basis_note(view.basis, view.as_of)),
            branch: String::new(),
            as_of: view.as_of,
            sheets: vec![
                ReportSheet {
                    name: "网点".into(),
                    headers: headers(&[
                        "网点",
                        "员工数",
                        "名单客户数",
                        "人均名单客户",
                        "人均目标",
                        "低于配额人数",
                    ]),
                    rows: outlets,
                    charts: Vec::new(),
                },
                ReportSheet {
                    name: "员工".into(),
                    headers: headers(&["工号", "姓名", "网点", "岗位", "名单客户数", "岗位配额", "差额"]),
                    rows: staff,
                    charts: Vec::new(),
                },
            ],
        })
    }

    /// 员工绩效: one row per staff member (and a sheet per outlet) with coverage and results.
    fn performance_report(&self, actor: &Staff, q: Quarter) -> Result<Report, ServiceError> {
        let v = self.performance(actor, Some(q))?;
        let results_cells = |r: &super::views::StaffResults| {
            let m = &r.movement;
            vec![
                C::Int(i64::from(m.gold_at_start)),
                C::Int(i64::from(m.lost)),
                C::Int(i64::from(m.downgraded)),
                pct(m.churn()),
                C::Int(i64::from(m.gained_gold)),
                C::Int(i64::from(m.uplift.done)),
                pct(m.uplift),
                C::Int(i64::from(m.prospects.done)),
                pct(m.prospects),
                // Fen are hundredths of a yuan: the cell reads as yuan with two decimals.
                r.assets.change().map_or(C::Empty, |f| C::Decimal2(f.0)),
                C::Int(i64::from(r.assets.unknown)),
                C::Int(i64::from(r.contacts)),
                r.satisfaction_tenths().map_or(C::Empty, |t| C::Decimal2(i64::from(t) * 10)),
            ]
        };
        const RESULT_HEADERS: [&str; 13] = [
            "季初金卡以上客户",
            "流失",
            "降级",
            "流失率",
            "金卡以上新增",
            "提升转化",
            "提升转化率",
            "潜在客户转化",
            "潜在客户转化率",
            "名下资产变化（元）",
            "资产未知客户数",
            "联系次数",
            "平均满意度",
        ];
        let mut staff_rows = Vec::new();
        let mut outlet_rows = Vec::new();
        let mut branch = super::views::StaffResults::default();
        for o in &v.coverage.outlets {
            let sum = v.outlets.get(&o.outlet).copied().unwrap_or_default();
            branch.add(&sum);
            let mut row = vec![C::Text(o.outlet.to_string()), C::Int(i64::from(o.average.clients))];
            row.extend(figure_cells(&o.figures));
            row.extend(results_cells(&sum));
            outlet_rows.push(row);
            for s in &o.staff {
                let mut row = staff_cells(s);
                row.extend(figure_cells(&s.figures));
                row.extend(results_cells(&v.staff.get(&s.staff.no).copied().unwrap_or_default()));
                staff_rows.push(row);
            }
        }
        let mut total = vec![C::Text("全行".into()), C::Int(i64::from(v.coverage.branch_average.clients))];
        total.extend(figure_cells(&v.coverage.branch));
        total.extend(results_cells(&branch));
        outlet_rows.push(total);
        let with_results = |first: &[&str]| -> Vec<String> {
            headers(first).into_iter().chain(RESULT_HEADERS.map(String::from)).collect()
        };
        let holders = if v.holders_frozen {
            format!("流失、降级、转化和名下资产变化算在 {} 季初维护该客户的员工名下", q)
        } else if v.holders_at_end {
            format!("上季末名单未留存：流失、降级、转化和名下资产变化按 {} 季末留存的维护人计", q)
        } else {
            "上季末名单未留存：流失、降级、转化和名下资产变化暂按现在的维护人计".into()
        };
        Ok(Report {
            title: format!("{q} 员工绩效{}", basis_note(v.coverage.basis, v.coverage.as_of)),
            branch: String::new(),
            as_of: v.coverage.as_of,
            sheets: vec![
                ReportSheet {
                    name: "员工".into(),
                    headers: with_results(&["工号", "姓名", "网点", "岗位", "名单客户数", "岗位配额"]),
                    rows: staff_rows, charts: Vec::new() },
                ReportSheet { name: "网点".into(), headers: with_results(&["网点", "名单客户数"]), rows: outlet_rows, charts: Vec::new() },
                ReportSheet {
                    name: "口径".into(),
                    headers: vec!["说明".into()],
                    rows: vec![
                        vec![C::Text(holders)],
                        vec![C::Text(
                            "回访、季度告知、新品推介算在任务到期（或期末）时负责的员工名下，移交只转走未到期的任务"
                                .into(),
                        )],
                        vec![C::Text("联系次数和平均满意度按记录联系的员工计，只算联系时间在本季内的".into())],
                        vec![C::Text(format!(
                            "名下资产变化：季初维护的客户，{} 与 {} 日均金融资产之差的合计（按导入记录的每次变动）；两日中有一日金额未知的客户不计入，只计入“资产未知客户数”",
                            q.first_day().pred_opt().unwrap_or(q.first_day()),
                            v.coverage.as_of
                        ))],
                    ], charts: Vec::new() },
            ],
        })
    }

    fn results_report(&self, actor: &Staff, q: Quarter) -> Result<Report, ServiceError> {
        let v = self.results(actor, Some(q))?;
        let share_basis = match &v.branch_total {
            Some(t) => format!(
                "全行个人客户数取 {} 的录入数 {}（来源：{}，{} 由 {} 录入）",
                t.month.format("%Y-%m"),
                t.personal_clients,
                t.source,
                t.entered_on,
                t.entered_by
            ),
            None => "未录入全行个人客户数（mingdan branch-total），暂以已导入的客户数计".into(),
        };
        let baseline_text = |b: &crate::domain::results::Baseline| match &b.source {
            crate::domain::results::BaselineSource::Snapshot => format!("{} 导入时的金卡以上客户数", b.date),
            crate::domain::results::BaselineSource::Entered(src) => {
                format!("{} 录入的金卡以上客户数（来源：{src}）", b.date)
            }
        };
        let row = |name: String, value: C, target: C, met: C, note: String| {
            vec![C::Text(name), value, target, met, C::Text(note)]
        };
        let m = &v.movement;
        let mut figures = vec![
            row(
                "已导入客户".into(),
                C::Int(i64::from(v.now.clients)),
                C::Empty,
                C::Empty,
                "mingdan 中未流失的客户".into(),
            ),
            row("全行个人客户数".into(), C::Int(i64::from(v.share_of)), C::Empty, C::Empty, share_basis),
            row(
                "金卡以上客户".into(),
                C::Int(i64::from(v.now.gold_plus)),
                C::Empty,
                C::Empty,
                "卡级为金卡及以上、未流失的客户".into(),
            ),
            row(
                "金卡以上客户占比".into(),
                C::Percent(v.share.permille),
                C::Percent(Some(v.share.target)),
                yes_no(v.share.met()),
                "金卡以上客户 ÷ 全行个人客户数；达标按未舍入的比例判断".into(),
            ),
        ];
        for (name, base, growth, missing) in [
            ("较年初", &v.year_start, v.growth_ytd, "无年初数据：可录入上年 12 月的金卡以上客户数"),
            ("同比", &v.year_ago, v.growth, "无去年同期数据：可录入去年同月的金卡以上客户数"),
        ] {
            match base {
                Some(b) => {
                    figures.push(row(
                        format!("金卡以上客户增长（{name}）"),
                        C::Percent(growth.permille),
                        C::Percent(Some(growth.target)),
                        yes_no(growth.met()),
                        format!("与{}相比（{}）", baseline_text(b), b.gold_plus),
                    ));
                }
                None => figures.push(row(
                    format!("金卡以上客户增长（{name}）"),
                    C::Empty,
                    C::Percent(Some(growth.target)),
                    C::Empty,
                    missing.into(),
                )),
            }
        }
        let of_gold = format!("季初金卡以上客户 {} 户中", m.gold_at_start);
        figures.push(row(
            format!("{q} 流失率"),
            pct(m.churn()),
            C::Empty,
            C::Empty,
            format!("{of_gold}流失与降级合计 {} 户", m.churn().done),
        ));
        figures.push(row(
            format!("{q} 其中流失"),
            pct(m.lost()),
            C::Empty,
            C::Empty,
            format!("{of_gold}到期末状态为流失（销户、迁走）的 {} 户", m.lost),
        ));
        figures.push(row(
            format!("{q} 其中降级"),
            pct(m.downgraded()),
            C::Empty,
            C::Empty,
            format!("{of_gold}到期末仍是客户但卡级降到金卡以下的 {} 户", m.downgraded),
        ));
        figures.push(row(
            format!("{q} 提升客户转化率"),
            pct(m.uplift),
            C::Empty,
            C::Empty,
            format!("季初金卡以下的提升客户 {} 户中，期末达到金卡以上的 {} 户", m.uplift.of, m.uplift.done),
        ));
        figures.push(row(
            format!("{q} 潜在客户转化率"),
            pct(m.prospects),
            C::Empty,
            C::Empty,
            format!(
                "季初金卡以下的拓展、他行客户 {} 户中，期末转为维护/提升客户或达到金卡以上的 {} 户",
                m.prospects.of, m.prospects.done
            ),
        ));
        figures.push(row(
            "沉睡客户".into(),
            C::Int(i64::from(v.dormant)),
            C::Empty,
            C::Empty,
            format!("截至 {} 状态为沉睡（未流失）的客户，待唤醒", v.as_of),
        ));
        figures.push(row(
            format!("{q} 平均满意度（{} 次评价）", v.satisfaction_count),
            v.satisfaction_tenths.map_or(C::Empty, |t| C::Decimal2(i64::from(t) * 10)),
            C::Empty,
            C::Empty,
            "本季联系记录中满意度评分（1–5）的平均".into(),
        ));
        let state =
            |s: &crate::domain::results::ClientState| format!("{}·{}·{}", s.tier, s.segment, s.status);
        let detail = self
            .drill(Some(q), &ResultsFigure::ALL)?
            .into_iter()
            .map(|(figure, r)| {
                vec![
                    C::Text(figure.label().into()),
                    C::Text(r.no.to_string()),
                    C::Text(r.name),
                    C::Text(r.outlet.to_string()),
                    C::Text(r.maintainer.as_ref().map(|m| m.no.to_string()).unwrap_or_default()),
                    C::Text(r.maintainer.map(|m| m.name).unwrap_or_default()),
                    C::Text(r.start.as_ref().map_or("（尚未是客户）".into(), state)),
                    C::Text(state(&r.end)),
                ]
            })
            .collect();
        let quarters = v
            .quarters
            .iter()
            .map(|p| {
                vec![
                    C::Text(p.quarter.to_string()),
                    C::Date(p.register.date),
                    C::Int(i64::from(p.register.gold_plus)),
                    C::Percent(p.share.permille),
                    pct(p.movement.churn()),
                    pct(p.movement.uplift),
                    pct(p.movement.prospects),
                    C::Int(i64::from(p.contacts)),
                    p.satisfaction_tenths.map_or(C::Empty, |t| C::Decimal2(i64::from(t) * 10)),
                ]
            })
            .collect();
        let trend = v
            .trend
            .iter()
            .map(|m| {
                vec![
                    C::Text(m.month.format("%Y-%m").to_string()),
                    m.gold_plus.map_or(C::Empty, |g| C::Int(i64::from(g))),
                    C::Int(i64::from(m.contacts)),
                    m.satisfaction_tenths.map_or(C::Empty, |t| C::Decimal2(i64::from(t) * 10)),
                ]
            })
            .collect();
        Ok(Report {
            title: format!("{q} 成效{}", note_of(&v.basis.results_as_of_line(v.as_of))),
            branch: String::new(),
            as_of: v.as_of,
            sheets: vec![
                ReportSheet {
                    name: "成效".into(),
                    headers: ["指标", "数值", "目标", "是否达标", "口径"]
                        .iter()
                        .map(|h| h.to_string())
                        .collect(),
                    rows: figures,
                    charts: Vec::new(),
                },
                ReportSheet {
                    name: "明细".into(),
                    headers: ["指标", "客户号", "客户姓名", "网点", "维护人工号", "维护人", "季初", "期末"]
                        .iter()
                        .map(|h| h.to_string())
                        .collect(),
                    rows: detail,
                    charts: Vec::new(),
                },
                ReportSheet {
                    name: "季度趋势".into(),
                    headers: [
                        "季度",
                        "截至",
                        "金卡以上客户",
                        "金卡以上占比",
                        "流失率",
                        "提升客户转化率",
                        "潜在客户转化率",
                        "联系次数",
                        "平均满意度",
                    ]
                    .iter()
                    .map(|h| h.to_string())
                    .collect(),
                    rows: quarters,
                    charts: [(2, "金卡以上客户"), (3, "金卡以上占比"), (4, "流失率"), (8, "平均满意度")]
                        .into_iter()
                        .map(|(column, title)| SheetChart {
                            title: format!("近八个季度{title}"), column
                        })
                        .collect(),
                },
                ReportSheet {
                    name: "月度趋势".into(),
                    headers: ["月份", "金卡以上客户", "联系次数", "平均满意度"]
                        .iter()
                        .map(|h| h.to_string())
                        .collect(),
                    rows: trend,
                    charts: Vec::new(),
                },
            ],
        })
    }
}

/// Columns of identifiers: kept as text whatever they look like, so 0-led numbers, long
/// numbers and numbers Excel would round stay whole and every row's cell has the same type.
const ID_HEADERS: [&str; 6] = ["客户号", "员工工号", "工号", "维护人工号", "手机号码", "证件号码"];

/// An exported text table as a sheet with typed cells: identifier columns (`ID_HEADERS`) are
/// text in every row, `YYYY-MM-DD` cells are dates, `YYYY-MM-DD HH:MM` cells date-times, other
/// whole numbers numbers, anything else text. One rule per column, so a column never mixes
/// text and numbers.
pub fn typed_sheet(name: &str, t: Table) -> ReportSheet {
    let ids: Vec<bool> = t.headers.iter().map(|h| ID_HEADERS.contains(&h.as_str())).collect();
    let rows = t
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .enumerate()
                .map(|(i, cell)| {
                    if cell.is_empty() {
                        return C::Empty;
                    }
                    if ids.get(i).copied().unwrap_or(false) {
                        return C::Text(cell);
                    }
                    if let Ok(d) = chrono::NaiveDate::parse_from_str(&cell, "%Y-%m-%d") {
                        return C::Date(d);
                    }
                    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&cell, "%Y-%m-%d %H:%M") {
                        return C::DateTime(t);
                    }
                    match cell.parse::<i64>() {
                        Ok(n) if !cell.starts_with('0') || cell == "0" => C::Int(n),
                        _ => C::Text(cell),
                    }
                })
                .collect()
        })
        .collect();
    ReportSheet { name: name.into(), headers: t.headers, rows, charts: Vec::new() }
}

/// What a past quarter's figures rest on, for its title row (the row itself says 截至): the
/// parenthesis of `FigureBasis::as_of_line`, empty for the current quarter.
fn basis_note(basis: super::views::FigureBasis, as_of: chrono::NaiveDate) -> String {
    note_of(&basis.as_of_line(as_of))
}

/// The parenthesis of an as-of line.
fn note_of(line: &str) -> String {
    line.split_once('（').map(|(_, rest)| format!("（{rest}")).unwrap_or_default()
}
