//! 设置 (managers): the minimum roster per job role, the callback cadence per client class, the
//! card-tier asset floors (万元), and the branch targets (the quarter-end notice grace among them). Edit a number in place, Ctrl-S saves them all (audited, with what
//! changed); `n` adds a job role with its quota; `d` marks a role as carrying a dedicated-manager
//! duty (关键客户 and the top tiers are suggested only to such roles). Branch management also
//! sees the complaint service levels (working days per step by severity, typed as `1/1/3/3/2`),
//! saved by the same Ctrl-S through their own audited write, as `mingdan service-levels` does.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::super::keys::{self, Entry, F, FT, Global, How, Nav, ch, code, ctrl, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use crate::domain::complaint::{ServiceLevels, Severity};
use crate::domain::percent::show_permille;
use crate::domain::{CardTier, ClientClass, Fen, JobRole, Rules};
use crate::service::ServiceError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Header(&'static str),
    Quota(JobRole),
    Cadence(ClientClass),
    /// The lowest average financial assets of a card tier, typed and shown in 万元.
    TierFloor(CardTier),
    OutletAverage,
    FirstCallback,
    SelfService,
    GoldShare,
    GoldGrowth,
    WholeNumberSearches,
    NoticeGrace,
    AnyContactCallback,
    /// The five steps' working days for a severity (`ServiceLevels`), branch management only.
    ServiceLevel(Severity),
}

/// What is being typed: a new number for the selected item, or a new role's name.
enum Editing {
    No,
    Value(String),
    NewRole(String),
}

pub struct SettingsScreen {
    saved: Rules,
    rules: Rules,
    /// The service levels in force and as edited; None for anyone but branch management, who
    /// alone may change them.
    levels_saved: Option<ServiceLevels>,
    levels: Option<ServiceLevels>,
    items: Vec<Item>,
    state: ListState,
    editing: Editing,
    error: Option<String>,
}

/// "15" or "15.5" (percent) as tenths of a percent.
fn parse_percent(s: &str) -> Option<u16> {
    let (int, frac) =
        s.trim().trim_end_matches('%').split_once('.').unwrap_or((s.trim().trim_end_matches('%'), ""));
    let int: u16 = int.parse().ok()?;
    let tenth: u16 = match frac.len() {
        0 => 0,
        1 => frac.parse().ok()?,
        _ => return None,
    };
    int.checked_mul(10)?.checked_add(tenth)
}

/// A floor in 万元 exactly as stored: `10`, `12.5`, `0.0001` (one yuan).
fn wan_text(f: Fen) -> String {
    let whole = f.0 / 1_000_000;
    let rest = f.0 % 1_000_000;
    if rest == 0 {
        return whole.to_string();
    }
    let frac = format!("{rest:06}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// A typed floor: 万元 unless it ends in 元 (`12.5`, `12.5万`, `125000元`); above zero.
fn parse_floor(text: &str) -> Option<Fen> {
    let text = text.trim();
    let in_wan =
        if text.ends_with('元') || text.ends_with('万') { text.to_string() } else { format!("{text}万") };
    Fen::parse_yuan(&in_wan).ok().filter(|f| f.0 > 0)
}

fn value_of(r: &Rules, item: &Item, t: &Text) -> String {
    match item {
        Item::Header(_) => String::new(),
        Item::Quota(role) => r.quota(role).to_string(),
        Item::Cadence(c) => r.callback_days(*c).to_string(),
        Item::TierFloor(tier) => {
            r.tier_floors.iter().find(|(x, _)| x == tier).map_or_else(String::new, |(_, f)| wan_text(*f))
        }
        Item::OutletAverage => r.outlet_average_target.to_string(),
        Item::FirstCallback => r.first_callback_days.to_string(),
        Item::SelfService => show_permille(i64::from(r.self_service_min_permille)),
        Item::GoldShare => show_permille(i64::from(r.gold_share_target_permille)),
        Item::GoldGrowth => show_permille(i64::from(r.gold_growth_target_permille)),
        Item::WholeNumberSearches => r.whole_number_searches_per_hour.to_string(),
        Item::NoticeGrace => r.notice_grace_days.to_string(),
        Item::AnyContactCallback => {
            if r.any_contact_resets_callback { t.switch_on } else { t.switch_off }.to_string()
        }
        // Shown from the screen's own copy (`SettingsScreen::value`).
        Item::ServiceLevel(_) => String::new(),
    }
}

impl SettingsScreen {
    pub fn new(cx: &Ctx) -> Result<SettingsScreen, ServiceError> {
        let rules = cx.api.rules()?;
        let levels = if cx.me.staff.manages_branch() { Some(cx.api.service_levels()?) } else { None };
        let mut s = SettingsScreen {
            saved: rules.clone(),
            rules,
            levels_saved: levels.clone(),
            levels,
            items: Vec::new(),
            state: ListState::default(),
            editing: Editing::No,
            error: None,
        };
        s.build(cx.t);
        s.state.select(Some(1));
        Ok(s)
    }

    fn build(&mut self, t: &Text) {
        let mut items = vec![Item::Header(t.quotas_title)];
        // Roles with a dedicated duty but no quota (客户经理 by default) are listed too, so the
        // duty can be seen and taken away.
        let roles: std::collections::BTreeSet<&JobRole> =
            self.rules.quotas.keys().chain(&self.rules.dedicated_roles).collect();
        items.extend(roles.into_iter().cloned().map(Item::Quota));
        items.push(Item::Header(t.cadence_title));
        items.extend(ClientClass::ALL.iter().map(|c| Item::Cadence(*c)));
        items.push(Item::Header(t.tier_floors_title));
        items.extend(self.rules.tier_floors.iter().map(|(tier, _)| Item::TierFloor(*tier)));
        items.push(Item::Header(t.targets_title));
        items.extend([
            Item::OutletAverage,
            Item::FirstCallback,
            Item::SelfService,
            Item::GoldShare,
            Item::GoldGrowth,
            Item::WholeNumberSearches,
            Item::NoticeGrace,
            Item::AnyContactCallback,
        ]);
        if self.levels.is_some() {
            items.push(Item::Header(t.cm().settings_levels));
            items.extend(Severity::ALL.iter().map(|s| Item::ServiceLevel(*s)));
        }
        self.items = items;
        // Undo or a reload can drop roles the cursor was past.
        if let Some(i) = self.state.selected()
            && i >= self.items.len()
        {
            self.state.select(Some(self.items.len() - 1));
        }
    }

    fn value(&self, item: &Item, t: &Text) -> String {
        match (item, &self.levels) {
            (Item::ServiceLevel(sev), Some(l)) => l.show(*sev),
            _ => value_of(&self.rules, item, t),
        }
    }

    fn label(&self, item: &Item, t: &Text) -> String {
        match item {
            Item::Header(h) => h.to_string(),
            Item::Quota(role) => role.to_string(),
            Item::Cadence(c) => t.class(*c).to_string(),
            Item::TierFloor(tier) => t.tier(*tier).to_string(),
            Item::OutletAverage => t.set_outlet_average.into(),
            Item::FirstCallback => t.set_first_callback.into(),
            Item::SelfService => t.set_self_service.into(),
            Item::GoldShare => t.set_gold_share.into(),
            Item::GoldGrowth => t.set_gold_growth.into(),
            Item::WholeNumberSearches => t.set_whole_number_searches.into(),
            Item::NoticeGrace => t.set_notice_grace.into(),
            Item::AnyContactCallback => t.set_any_contact_callback.into(),
            Item::ServiceLevel(sev) => t.severity(*sev).into(),
        }
    }

    /// Puts a typed value into the working copy; `Err` says why it cannot be, and the copy is
    /// left as it was.
    fn apply(&mut self, item: &Item, text: &str, t: &Text) -> Result<(), String> {
        if let (Item::ServiceLevel(sev), Some(levels)) = (item, &self.levels) {
            let mut l = levels.clone();
            l.days.insert(*sev, ServiceLevels::parse_days(text).map_err(|e| e.to_string())?);
            l.check().map_err(|e| e.to_string())?;
            self.levels = Some(l);
            return Ok(());
        }
        let mut r = self.rules.clone();
        Self::set_value(&mut r, item, text, t)?;
        r.check().map_err(|e| e.to_string())?;
        self.rules = r;
        Ok(())
    }
    fn set_value(r: &mut Rules, item: &Item, text: &str, t: &Text) -> Result<(), String> {
        let number = || text.trim().parse::<u32>().map_err(|_| t.need_number.to_string());
        let percent = || parse_percent(text).ok_or_else(|| t.need_percent.to_string());
        match item {
            Item::Header(_) | Item::ServiceLevel(_) => {}
            Item::Quota(role) => {
                r.quotas.insert(role.clone(), number()?);
            }
            Item::Cadence(c) => {
                let days = u16::try_from(number()?).map_err(|_| t.need_number.to_string())?;
                r.callback_days.insert(*c, days);
            }
            Item::TierFloor(tier) => {
                let floor = parse_floor(text).ok_or_else(|| t.need_floor.to_string())?;
                if let Some(at) = r.tier_floors.iter_mut().find(|(x, _)| x == tier) {
                    at.1 = floor;
                }
            }
            Item::OutletAverage => r.outlet_average_target = number()?,
            Item::FirstCallback => {
                r.first_callback_days = u16::try_from(number()?).map_err(|_| t.need_number.to_string())?
            }
            Item::SelfService => r.self_service_min_permille = percent()?,
            Item::GoldShare => r.gold_share_target_permille = percent()?,
            Item::GoldGrowth => r.gold_growth_target_permille = percent()?,
            Item::WholeNumberSearches => r.whole_number_searches_per_hour = number()?,
            Item::NoticeGrace => {
                r.notice_grace_days = u16::try_from(number()?).map_err(|_| t.need_number.to_string())?
            }
            Item::AnyContactCallback => {
                let typed = text.trim();
                r.any_contact_resets_callback = if typed.eq_ignore_ascii_case(t.switch_on) {
                    true
                } else if typed.eq_ignore_ascii_case(t.switch_off) {
                    false
                } else {
                    crate::domain::parse_yes_no(crate::domain::Field::AnyContactCallback, typed)
                        .ok()
                        .filter(|_| !typed.is_empty())
                        .ok_or_else(|| t.need_yes_no.to_string())?
                };
            }
        }
        Ok(())
    }

    fn dirty(&self) -> bool {
        self.rules != self.saved || self.levels != self.levels_saved
    }

    /// Saves what changed: the rules, then the service levels, each its own audited write (as
    /// the CLI's two commands are). A refused second write leaves the first saved and the
    /// screen still marked unsaved, with the refusal shown.
    fn save(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        let levels_changed = self.levels != self.levels_saved;
        // The rules are sent as shown also when nothing changed, as before the service levels
        // were here: an outlet head is then told at once that rules are branch management's.
        if self.rules != self.saved || !levels_changed {
            cx.api.set_rules(self.rules.clone(), self.saved.clone())?;
            self.saved = self.rules.clone();
        }
        if let (Some(levels), Some(was)) = (&self.levels, &self.levels_saved)
            && levels != was
        {
            cx.api.set_service_levels(levels.clone(), was.clone())?;
            self.levels_saved = self.levels.clone();
        }
        Ok(())
    }
}

/// What a key does in 设置.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Nav(Nav),
    Edit,
    Apply,
    EditCancel,
    Save,
    AddRole,
    Dedicated,
    UndoAll,
    Refresh,
}

/// 设置's keys: dispatch, footer, help and docs/KEYS.md all read this. While a value is typed,
/// only Enter, Esc and Ctrl-S are commands.
pub static KEYS: &[Entry<Cmd>] = &[
    Entry::Nav(Cmd::Nav),
    key(
        &[code(KeyCode::Enter)],
        Cmd::Edit,
        |t| t.key_edit_value,
        How {
            doc: Some(
                "修改（输入数字后 Enter；卡级别门槛按万元输入，如 10 或 12.5，须由低到高，否则拒绝并说明哪两级；“季末新客户免告知（天）”0–90；“任何联系均计回访”输入 是 或 否；支行级管理者还能改“投诉服务时限”：每个严重程度输入五个环节的工作日数，如 `1/1/3/3/2`，0 为当个工作日，已开始的环节截止日不变）",
            ),
            ..F
        },
    ),
    key(&[code(KeyCode::Enter)], Cmd::Apply, |t| t.key_confirm_move, How { doc_keys: Some(""), ..FT }),
    key(&[code(KeyCode::Esc)], Cmd::EditCancel, |t| t.key_cancel, How { doc: Some("不改这一项"), ..FT }),
    key(&[ctrl('s')], Cmd::Save, |t| t.key_save, How { doc: Some("保存（记入审计）"), ..FT }),
    key(&[ch('n')], Cmd::AddRole, |t| t.key_add_role, How { doc: Some("新增岗位"), ..F }),
    key(
        &[ch('d')],
        Cmd::Dedicated,
        |t| t.key_dedicated,
        How {
            doc: Some("设为或取消专属维护岗位（关键客户和钻石卡以上只建议给这些岗位）"), ..F
        },
    ),
    key(&[ch('u')], Cmd::UndoAll, |t| t.key_undo_all, How { doc: Some("撤销本屏未保存的修改"), ..F }),
    Entry::Global(Global::Help),
    Entry::Global(Global::Quit),
    // Last: only needed after a conflict, whose message names the key.
    key(
        &[ch('r')],
        Cmd::Refresh,
        |t| t.key_refresh,
        How { doc: Some("重新载入他人刚保存的配置（放弃本屏未保存的修改）"), ..F },
    ),
];

impl SettingsScreen {
    /// Enter edits a line, or applies what is typed; ↑↓ only (headers are skipped).
    fn offers(&self, c: Cmd) -> bool {
        let editing = !matches!(self.editing, Editing::No);
        match c {
            Cmd::Apply | Cmd::EditCancel => editing,
            Cmd::Save => true,
            Cmd::Nav(to) => !editing && matches!(to, Nav::Down | Nav::Up),
            _ => !editing,
        }
    }
}

impl Screen for SettingsScreen {
    fn title(&self, t: &Text) -> String {
        t.settings_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(KEYS, t, self.takes_text(), |c| self.offers(c))
    }

    fn takes_text(&self) -> bool {
        !matches!(self.editing, Editing::No)
    }

    fn unsaved(&self, t: &Text) -> Option<&'static str> {
        self.dirty().then_some(t.settings_unsaved)
    }

    fn refresh(&mut self, cx: &Ctx) -> Result<(), ServiceError> {
        if !self.dirty() {
            self.saved = cx.api.rules()?;
            self.rules = self.saved.clone();
            if self.levels.is_some() {
                self.levels_saved = Some(cx.api.service_levels()?);
                self.levels = self.levels_saved.clone();
            }
            self.build(cx.t);
        }
        Ok(())
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        let t = cx.t;
        let cmd = keys::command(KEYS, &key, self.takes_text(), |c| self.offers(c));
        if cmd == Some(Cmd::Save) {
            self.editing = Editing::No;
            return match self.save(cx) {
                Ok(()) => Action::Saved(t.settings_saved.to_string()),
                Err(e) => Action::error(e),
            };
        }
        match &mut self.editing {
            Editing::Value(buf) | Editing::NewRole(buf) => {
                match (cmd, key.code) {
                    (Some(Cmd::EditCancel), _) => self.editing = Editing::No,
                    (_, KeyCode::Backspace) => {
                        buf.pop();
                    }
                    (Some(Cmd::Apply), _) => {
                        let typed = buf.clone();
                        let editing = std::mem::replace(&mut self.editing, Editing::No);
                        match editing {
                            Editing::Value(_) => {
                                if let Some(item) =
                                    self.state.selected().and_then(|i| self.items.get(i)).cloned()
                                    && let Err(e) = self.apply(&item, &typed, t)
                                {
                                    self.error = Some(e);
                                }
                            }
                            Editing::NewRole(_) => match JobRole::parse(&typed) {
                                Ok(role) => {
                                    self.rules.quotas.entry(role.clone()).or_insert(0);
                                    self.build(t);
                                    let at = self
                                        .items
                                        .iter()
                                        .position(|i| matches!(i, Item::Quota(r) if *r == role));
                                    self.state.select(at);
                                    self.editing = Editing::Value(String::new());
                                }
                                Err(e) => self.error = Some(e.to_string()),
                            },
                            Editing::No => {}
                        }
                    }
                    (_, KeyCode::Char(c)) => buf.push(c),
                    _ => {}
                }
                return Action::None;
            }
            Editing::No => {}
        }
        self.error = None;
        let n = self.items.len();
        let Some(cmd) = cmd else { return Action::None };
        match cmd {
            Cmd::Nav(Nav::Down) => {
                let mut i = self.state.selected().unwrap_or(0);
                while i + 1 < n {
                    i += 1;
                    if !matches!(self.items[i], Item::Header(_)) {
                        break;
                    }
                }
                self.state.select(Some(i));
            }
            Cmd::Nav(_) => {
                let mut i = self.state.selected().unwrap_or(0);
                while i > 0 {
                    i -= 1;
                    if !matches!(self.items[i], Item::Header(_)) {
                        break;
                    }
                }
                self.state.select(Some(i));
            }
            Cmd::Edit
                if self
                    .state
                    .selected()
                    .and_then(|i| self.items.get(i))
                    .is_some_and(|i| !matches!(i, Item::Header(_))) =>
            {
                self.editing = Editing::Value(String::new());
            }
            Cmd::AddRole => self.editing = Editing::NewRole(String::new()),
            Cmd::Dedicated => {
                if let Some(Item::Quota(role)) =
                    self.state.selected().and_then(|i| self.items.get(i)).cloned()
                {
                    match self.rules.dedicated_roles.iter().position(|r| *r == role) {
                        Some(at) => {
                            self.rules.dedicated_roles.remove(at);
                        }
                        None => self.rules.dedicated_roles.push(role),
                    }
                }
            }
            Cmd::UndoAll => {
                self.rules = self.saved.clone();
                self.levels = self.levels_saved.clone();
                self.build(t);
            }
            // After a colleague saved first: load what is in force now; local edits are dropped,
            // as the conflict message says, since they were made against rules no longer there.
            Cmd::Refresh => {
                self.rules = self.saved.clone();
                self.levels = self.levels_saved.clone();
                return Action::after(self.refresh(cx));
            }
            _ => {}
        }
        Action::None
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let selected = self.state.selected();
        let items: Vec<ListItem> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if let Item::Header(h) = item {
                    return ListItem::new(Line::from(Span::styled(format!("【{h}】"), th.title)));
                }
                let saved = match (item, &self.levels_saved) {
                    (Item::ServiceLevel(sev), Some(l)) => l.show(*sev),
                    _ => value_of(&self.saved, item, t),
                };
                let changed = self.value(item, t) != saved;
                let value = match (&self.editing, Some(i) == selected) {
                    (Editing::Value(buf), true) => Span::styled(format!("{buf}_"), th.selection),
                    _ => Span::styled(self.value(item, t), if changed { th.warning } else { th.accent }),
                };
                let mut line =
                    vec![Span::styled(format!("  {}", ui::pad(&self.label(item, t), 24)), th.text), value];
                if let Item::Quota(role) = item
                    && self.rules.is_dedicated(role)
                {
                    let changed = !self.saved.is_dedicated(role);
                    line.push(Span::styled(
                        format!("  {}", t.dedicated_mark),
                        if changed { th.warning } else { th.ok },
                    ));
                } else if let Item::Quota(role) = item
                    && self.saved.is_dedicated(role)
                {
                    line.push(Span::styled(format!("  {}", t.dedicated_removed), th.warning));
                }
                ListItem::new(Line::from(line))
            })
            .collect();
        let list_h = area.height.saturating_sub(2);
        f.render_stateful_widget(
            List::new(items).highlight_style(th.selection).highlight_symbol(">"),
            Rect { height: list_h, ..area },
            &mut self.state,
        );
        let status = match (&self.editing, &self.error) {
            (Editing::NewRole(buf), _) => Span::styled(format!(" {}{buf}_", t.new_role_prompt), th.accent),
            (_, Some(e)) => Span::styled(format!(" {e}"), th.overdue),
            _ if self.dirty() => Span::styled(format!(" {}", t.settings_unsaved), th.warning),
            _ => Span::styled(format!(" {}", t.settings_hint), th.muted),
        };
        f.render_widget(Paragraph::new(status), Rect { y: area.y + list_h, height: 1, ..area });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_are_typed_in_wan_and_shown_exactly() {
        assert_eq!(parse_floor("12.5"), Some(Fen(Fen::wan(12).0 + Fen::yuan(5_000).0)));
        assert_eq!(parse_floor("12.5万"), parse_floor("125000元"));
        assert_eq!(parse_floor("0"), None, "a floor above zero");
        assert_eq!(parse_floor("十万"), None);
        assert_eq!(wan_text(Fen::wan(600)), "600");
        assert_eq!(wan_text(Fen(Fen::wan(12).0 + Fen::yuan(5_000).0)), "12.5");
        assert_eq!(wan_text(Fen::yuan(1)), "0.0001");
    }
}
