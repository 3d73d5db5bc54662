//! Every string the screens show, in Chinese and English. Business terms keep their Chinese
//! names in Chinese mode (they are the domain's own labels); English mode translates them here.

use serde::Deserialize;

use crate::domain::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

pub struct Text {
    pub lang: Lang,
    pub app: &'static str,
    pub today: &'static str,
    pub roster: &'static str,
    pub client: &'static str,
    pub search: &'static str,
    pub help: &'static str,
    pub contact_form: &'static str,
    pub plan_editor: &'static str,

    // Roster columns and header.
    pub col_no: &'static str,
    pub col_name: &'static str,
    pub col_tier: &'static str,
    pub col_class: &'static str,
    pub col_assets: &'static str,
    pub col_last: &'static str,
    pub col_next: &'static str,
    pub col_sticker: &'static str,
    pub col_gaps: &'static str,
    pub quota: &'static str,
    pub short_by: &'static str,
    pub meets_quota: &'static str,
    pub sorted_by: &'static str,
    pub sort_next: &'static str,
    pub sort_assets: &'static str,
    pub sort_last: &'static str,
    pub sort_name: &'static str,
    pub filter: &'static str,
    pub all: &'static str,
    pub no_clients: &'static str,
    pub no_match: &'static str,

    // Client card.
    pub gender: &'static str,
    pub birthday: &'static str,
    pub outlet: &'static str,
    pub phone: &'static str,
    pub id_number: &'static str,
    pub maintainer: &'static str,
    pub unassigned: &'static str,
    pub status: &'static str,
    pub segment: &'static str,
    pub requirements: &'static str,
    pub plan: &'static str,
    pub no_plan: &'static str,
    pub open_tasks: &'static str,
    pub no_open_tasks: &'static str,
    pub timeline: &'static str,
    pub no_contacts: &'static str,
    pub sticker_done: &'static str,
    pub sticker_not_done: &'static str,
    pub revealed_note: &'static str,

    // Keys shown in the footer and help.
    pub key_move: &'static str,
    pub key_open: &'static str,
    pub key_back: &'static str,
    pub key_quit: &'static str,
    pub key_sort: &'static str,
    pub key_filter: &'static str,
    pub key_contact: &'static str,
    pub key_search: &'static str,
    pub key_help: &'static str,
    pub key_reveal_phone: &'static str,
    pub key_reveal_id: &'static str,
    pub key_reveal_assets: &'static str,
    pub key_plan: &'static str,
    pub key_sticker: &'static str,
    pub key_refresh: &'static str,
    pub key_scroll: &'static str,
    pub key_page: &'static str,
    pub key_top_bottom: &'static str,
    pub key_today: &'static str,
    pub key_roster: &'static str,

    // Messages.
    pub help_title: &'static str,
    pub help_close: &'static str,
    pub loading: &'static str,
    pub error: &'static str,
    pub confirm_sticker_on: &'static str,
    pub confirm_sticker_off: &'static str,
    pub yes_no: &'static str,
    pub sticker_saved: &'static str,
    pub not_utf8: &'static str,
    pub days_overdue: &'static str,
    pub weekday_names: [&'static str; 7],
}

pub const ZH: Text = Text {
    lang: Lang::Zh,
    app: "名单",
    today: "今日",
    roster: "我的名单",
    client: "客户",
    search: "搜索",
    help: "帮助",
    contact_form: "记录联系",
    plan_editor: "营销预案",
    col_no: "客户号",
    col_name: "姓名",
    col_tier: "卡级别",
    col_class: "分类",
    col_assets: "资产",
    col_last: "最近联系",
    col_next: "下次回访",
    col_sticker: "贴标",
    col_gaps: "缺项",
    quota: "配额",
    short_by: "差{}",
    meets_quota: "达标",
    sorted_by: "排序",
    sort_next: "下次回访",
    sort_assets: "资产",
    sort_last: "最近联系",
    sort_name: "姓名",
    filter: "筛选",
    all: "全部",
    no_clients: "名单中还没有客户。请网点负责人分配客户。",
    no_match: "没有符合筛选条件的客户。",
    gender: "性别",
    birthday: "生日",
    outlet: "网点",
    phone: "手机",
    id_number: "证件",
    maintainer: "维护人",
    unassigned: "未分配",
    status: "状态",
    segment: "类型",
    requirements: "基本要求",
    plan: "营销预案",
    no_plan: "（尚未填写）",
    open_tasks: "待办",
    no_open_tasks: "无待办",
    timeline: "联系记录",
    no_contacts: "还没有联系记录。",
    sticker_done: "已贴标",
    sticker_not_done: "未贴标",
    revealed_note: "（已记录查看）",
    key_move: "移动",
    key_open: "打开",
    key_back: "返回",
    key_quit: "退出",
    key_sort: "排序",
    key_filter: "筛选",
    key_contact: "记录联系",
    key_search: "搜索",
    key_help: "帮助",
    key_reveal_phone: "显示手机号",
    key_reveal_id: "显示证件号",
    key_reveal_assets: "显示资产",
    key_plan: "编辑预案",
    key_sticker: "贴标",
    key_refresh: "刷新",
    key_scroll: "滚动",
    key_page: "翻页",
    key_top_bottom: "首/末",
    key_today: "今日",
    key_roster: "名单",
    help_title: "按键说明",
    help_close: "按任意键关闭",
    loading: "正在加载……",
    error: "出错",
    confirm_sticker_on: "确认已为该客户贴标（VIP 标识）？",
    confirm_sticker_off: "确认取消该客户的贴标记录？",
    yes_no: "y 确认 / n 取消",
    sticker_saved: "已保存贴标状态",
    not_utf8: "终端不是 UTF-8 编码，中文会显示为乱码。Xshell：文件→属性→终端→编码选 UTF-8；并设置 LANG=zh_CN.UTF-8。",
    days_overdue: "逾期{}天",
    weekday_names: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
};

pub const EN: Text = Text {
    lang: Lang::En,
    app: "Roster",
    today: "Today",
    roster: "My roster",
    client: "Client",
    search: "Search",
    help: "Help",
    contact_form: "Log contact",
    plan_editor: "Marketing plan",
    col_no: "No.",
    col_name: "Name",
    col_tier: "Tier",
    col_class: "Class",
    col_assets: "Assets",
    col_last: "Last",
    col_next: "Next",
    col_sticker: "VIP",
    col_gaps: "Gaps",
    quota: "quota",
    short_by: "short {}",
    meets_quota: "met",
    sorted_by: "sort",
    sort_next: "next callback",
    sort_assets: "assets",
    sort_last: "last contact",
    sort_name: "name",
    filter: "filter",
    all: "all",
    no_clients: "No clients on this roster yet. Ask your outlet head to assign some.",
    no_match: "No client matches the filter.",
    gender: "Gender",
    birthday: "Birthday",
    outlet: "Outlet",
    phone: "Phone",
    id_number: "ID",
    maintainer: "Maintainer",
    unassigned: "unassigned",
    status: "Status",
    segment: "Segment",
    requirements: "Basics",
    plan: "Marketing plan",
    no_plan: "(none yet)",
    open_tasks: "To do",
    no_open_tasks: "nothing open",
    timeline: "Contacts",
    no_contacts: "No contacts yet.",
    sticker_done: "VIP label on",
    sticker_not_done: "no VIP label",
    revealed_note: "(view recorded)",
    key_move: "move",
    key_open: "open",
    key_back: "back",
    key_quit: "quit",
    key_sort: "sort",
    key_filter: "filter",
    key_contact: "log contact",
    key_search: "search",
    key_help: "help",
    key_reveal_phone: "show phone",
    key_reveal_id: "show ID",
    key_reveal_assets: "show assets",
    key_plan: "edit plan",
    key_sticker: "VIP label",
    key_refresh: "refresh",
    key_scroll: "scroll",
    key_page: "page",
    key_top_bottom: "top/end",
    key_today: "today",
    key_roster: "roster",
    help_title: "Keys",
    help_close: "press any key to close",
    loading: "Loading…",
    error: "Error",
    confirm_sticker_on: "Confirm the VIP label has been put on this client's card?",
    confirm_sticker_off: "Remove the VIP label record for this client?",
    yes_no: "y yes / n no",
    sticker_saved: "VIP label saved",
    not_utf8: "The terminal is not UTF-8; Chinese will be garbled. In Xshell: File → Properties → Terminal → Encoding: UTF-8, and set LANG=zh_CN.UTF-8.",
    days_overdue: "{}d overdue",
    weekday_names: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

impl Text {
    pub fn get(lang: Lang) -> &'static Text {
        match lang {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn overdue_days(&self, days: i64) -> String {
        self.days_overdue.replace("{}", &days.to_string())
    }

    pub fn tier(&self, t: CardTier) -> &'static str {
        let en = match t {
            CardTier::Ordinary => "Standard",
            CardTier::Gold => "Gold",
            CardTier::Platinum => "Platinum",
            CardTier::Diamond => "Diamond",
            CardTier::PrivateBanking => "Private",
        };
        self.pick(t.label(), en)
    }

    /// Two characters in Chinese, for narrow columns.
    pub fn class_short(&self, c: ClientClass) -> &'static str {
        match (self.lang, c) {
            (Lang::Zh, ClientClass::Key) => "关键",
            (Lang::Zh, ClientClass::Important) => "重要",
            (Lang::Zh, ClientClass::Ordinary) => "普通",
            (Lang::Zh, ClientClass::Potential) => "潜在",
            (Lang::En, ClientClass::Key) => "Key",
            (Lang::En, ClientClass::Important) => "Imp.",
            (Lang::En, ClientClass::Ordinary) => "Ord.",
            (Lang::En, ClientClass::Potential) => "Pot.",
        }
    }

    pub fn class(&self, c: ClientClass) -> &'static str {
        let en = match c {
            ClientClass::Key => "Key",
            ClientClass::Important => "Important",
            ClientClass::Ordinary => "Ordinary",
            ClientClass::Potential => "Potential",
        };
        self.pick(c.label(), en)
    }

    pub fn segment(&self, s: Segment) -> &'static str {
        let en = match s {
            Segment::Maintain => "Maintain",
            Segment::Uplift => "Uplift",
            Segment::Develop => "Develop",
            Segment::OtherBank => "Other bank",
        };
        self.pick(s.label(), en)
    }

    pub fn status(&self, s: ClientStatus) -> &'static str {
        let en = match s {
            ClientStatus::Active => "Active",
            ClientStatus::Dormant => "Dormant",
            ClientStatus::Lost => "Lost",
        };
        self.pick(s.label(), en)
    }

    pub fn gender(&self, g: Gender) -> &'static str {
        let en = match g {
            Gender::Male => "M",
            Gender::Female => "F",
            Gender::Unknown => "?",
        };
        self.pick(g.label(), en)
    }

    pub fn channel(&self, c: Channel) -> &'static str {
        let en = match c {
            Channel::Phone => "Phone",
            Channel::Visit => "Visit",
            Channel::WeChat => "WeChat",
            Channel::Sms => "SMS",
            Channel::InBranch => "In branch",
        };
        self.pick(c.label(), en)
    }

    pub fn purpose(&self, p: Purpose) -> &'static str {
        let en = match p {
            Purpose::Callback => "Callback",
            Purpose::QuarterlyNotice => "Quarterly notice",
            Purpose::ProductPitch => "New product",
            Purpose::Marketing => "Marketing",
            Purpose::Survey => "Survey",
            Purpose::Complaint => "Complaint",
        };
        self.pick(p.label(), en)
    }

    pub fn outcome(&self, o: Outcome) -> &'static str {
        let en = match o {
            Outcome::Success => "Reached",
            Outcome::Interested => "Interested",
            Outcome::Declined => "Declined",
            Outcome::NoAnswer => "No answer",
            Outcome::Unreachable => "Unreachable",
        };
        self.pick(o.label(), en)
    }

    pub fn requirement(&self, r: Requirement) -> &'static str {
        let en = match r {
            Requirement::OnlineBanking => "Online banking",
            Requirement::Shuanglifeng => "Shuanglifeng",
            Requirement::FundAutoInvest => "Fund auto-invest",
            Requirement::WealthProduct => "Wealth product",
            Requirement::SelfService => "Self-service",
        };
        self.pick(r.label(), en)
    }

    pub fn requirement_badge(&self, r: Requirement) -> String {
        match self.lang {
            Lang::Zh => r.badge().to_string(),
            Lang::En => match r {
                Requirement::OnlineBanking => "B",
                Requirement::Shuanglifeng => "S",
                Requirement::FundAutoInvest => "F",
                Requirement::WealthProduct => "W",
                Requirement::SelfService => "%",
            }
            .to_string(),
        }
    }

    /// "回访", "2026Q4 季度告知", "新品推介：养老理财".
    pub fn task_title(&self, kind: TaskKind, launch_name: Option<&str>) -> String {
        match kind {
            TaskKind::Callback { .. } => self.pick("回访", "Callback").to_string(),
            TaskKind::Quarterly(q) => format!("{q} {}", self.pick("季度告知", "quarterly notice")),
            TaskKind::Launch(_) => match launch_name {
                Some(name) => format!("{}{name}", self.pick("新品推介：", "New product: ")),
                None => self.pick("新品推介", "New product").to_string(),
            },
        }
    }

    pub fn permission(&self, p: Permission) -> &'static str {
        let en = match p {
            Permission::Staff => "staff",
            Permission::Manager => "manager",
            Permission::Admin => "admin",
        };
        self.pick(p.label(), en)
    }
}
