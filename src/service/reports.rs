//! Reports for management: the coverage, results and contact figures as workbook sheets with
//! Chinese headers and typed cells (numbers stay numbers, shares are percentages).

use super::views::{Report, ReportCell as C, ReportKind, ReportSheet, Table};
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
                    }],
                }
            }
        };
        report.branch = branch;
        let rows: usize = report.sheets.iter().map(|s| s.rows.len()).sum();
        // Reports carry figures and names, never an ID number or a phone: always masked.
        self.audit_export(actor, &file, format!("报表：{}，{rows} 行，已遮蔽", report.title))?;
        Ok(report)
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
                let mut row = vec![
                    C::Text(s.staff.no.to_string()),
                    C::Text(s.staff.name.clone()),
                    C::Text(s.staff.outlet.to_string()),
                    C::Text(s.staff.role.to_string()),
                    C::Int(i64::from(s.standing.size)),
                    C::Int(i64::from(s.standing.minimum)),
                    C::Int(i64::from(s.standing.shortfall())),
                ];
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
                },
                ReportSheet {
                    name: "员工".into(),
                    headers: headers(&["工号", "姓名", "网点", "岗位", "名单客户数", "岗位配额", "差额"]),
                    rows: staff,
                },
            ],
        })
    }

    fn results_report(&self, actor: &Staff, q: Quarter) -> Result<Report, ServiceError> {
        let v = self.results(actor, Some(q))?;
        let mut figures = vec![
            vec![C::Text("全部客户".into()), C::Int(i64::from(v.now.clients)), C::Empty, C::Empty],
            vec![C::Text("金卡以上客户".into()), C::Int(i64::from(v.now.gold_plus)), C::Empty, C::Empty],
            vec![
                C::Text("金卡以上客户占比".into()),
                C::Percent(v.share.permille),
                C::Percent(Some(v.share.target)),
                yes_no(v.share.met()),
            ],
        ];
        match v.year_ago {
            Some(y) => {
                figures.push(vec![
                    C::Text(format!("去年同期金卡以上客户（{}）", y.date)),
                    C::Int(i64::from(y.gold_plus)),
                    C::Empty,
                    C::Empty,
                ]);
                figures.push(vec![
                    C::Text("金卡以上客户同比增长".into()),
                    C::Percent(v.growth.permille),
                    C::Percent(Some(v.growth.target)),
                    yes_no(v.growth.met()),
                ]);
            }
            None => figures.push(vec![
                C::Text("金卡以上客户同比增长".into()),
                C::Text("无去年同期数据".into()),
                C::Percent(Some(v.growth.target)),
                C::Empty,
            ]),
        }
        figures.push(vec![
            C::Text(format!("{q} 流失客户（金卡以上）")),
            C::Int(i64::from(v.churn.done)),
            C::Empty,
            C::Empty,
        ]);
        figures.push(vec![C::Text(format!("{q} 流失率")), pct(v.churn), C::Empty, C::Empty]);
        figures.push(vec![
            C::Text(format!("{q} 提升转化客户（提升→金卡以上）")),
            C::Int(i64::from(v.conversion.done)),
            C::Empty,
            C::Empty,
        ]);
        figures.push(vec![C::Text(format!("{q} 转化率")), pct(v.conversion), C::Empty, C::Empty]);
        figures.push(vec![
            C::Text(format!("{q} 平均满意度（{} 次评价）", v.satisfaction_count)),
            v.satisfaction_tenths.map_or(C::Empty, |t| C::Decimal2(i64::from(t) * 10)),
            C::Empty,
            C::Empty,
        ]);
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
            title: format!("{q} 成效{}", basis_note(v.basis, v.as_of)),
            branch: String::new(),
            as_of: v.as_of,
            sheets: vec![
                ReportSheet {
                    name: "成效".into(),
                    headers: ["指标", "数值", "目标", "是否达标"].iter().map(|h| h.to_string()).collect(),
                    rows: figures,
                },
                ReportSheet {
                    name: "月度趋势".into(),
                    headers: ["月份", "金卡以上客户", "联系次数", "平均满意度"]
                        .iter()
                        .map(|h| h.to_string())
                        .collect(),
                    rows: trend,
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
    ReportSheet { name: name.into(), headers: t.headers, rows }
}

/// What a past quarter's figures rest on, for its title row (the row itself says 截至): the
/// parenthesis of `FigureBasis::as_of_line`, empty for the current quarter.
fn basis_note(basis: super::views::FigureBasis, as_of: chrono::NaiveDate) -> String {
    let line = basis.as_of_line(as_of);
    line.split_once('（').map(|(_, rest)| format!("（{rest}")).unwrap_or_default()
}
