//! Small questions asked over the current screen: a yes/no confirmation, the offer of a kept
//! contact draft, and at start-up the list of drafts kept for several clients.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::super::keys::{self, Entry, F, How, Nav, ch, code, key};
use super::super::screen::{Action, Ctx, KeyHelp, Screen};
use super::super::text::Text;
use super::super::ui;
use super::contact_form::ContactForm;
use crate::domain::ContactDraft;

/// A centred box over the screen below: blanked first (nothing of the screen below may show
/// through, nor half of a wide character cut by its edge) and framed, the title in its top
/// border. The frame is ASCII like the help's: box-drawing characters are ambiguous-width.
pub fn popup(f: &mut Frame, area: Rect, cx: &Ctx, title: &str, lines: Vec<Line<'static>>) {
    let w = 60.min(area.width.saturating_sub(2));
    let inner_w = w.saturating_sub(4).max(1) as usize;
    let body_h: u16 = lines.iter().map(|l| (l.width().max(1)).div_ceil(inner_w) as u16).sum();
    let h = (body_h + 3).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    clear_whole(f, r);
    let border = super::super::ui::ASCII_BORDER;
    let block = Block::bordered()
        .border_set(border)
        .border_style(cx.theme.border)
        .style(cx.theme.popup)
        .title(Span::styled(format!(" {title} "), cx.theme.bar));
    let mut padded = vec![Line::from("")];
    padded.extend(lines.into_iter().map(|mut l| {
        l.spans.insert(0, Span::raw(" "));
        l
    }));
    f.render_widget(Paragraph::new(padded).style(cx.theme.popup).wrap(Wrap { trim: false }).block(block), r);
}

/// `Clear` over `r`, and a wide character just left of it blanked too: its right half lies
/// under `r`, and a terminal left to draw it would paint half a glyph beside the box.
fn clear_whole(f: &mut Frame, r: Rect) {
    f.render_widget(Clear, r);
    let buf = f.buffer_mut();
    if r.x > buf.area.x {
        for y in r.y..r.bottom().min(buf.area.bottom()) {
            let cell = &mut buf[(r.x - 1, y)];
            if ui::width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
    }
}

type OnYes = Box<dyn FnOnce(&Ctx) -> Action>;

pub struct Confirm {
    title: String,
    question: String,
    on_yes: Option<OnYes>,
}

impl Confirm {
    pub fn new(title: String, question: String, on_yes: impl FnOnce(&Ctx) -> Action + 'static) -> Confirm {
        Confirm { title, question, on_yes: Some(Box::new(on_yes)) }
    }
}

/// An answer to a yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
}

/// A yes/no question's keys.
pub static CONFIRM_KEYS: &[Entry<Answer>] = &[
    key(&[ch('y'), ch('Y')], Answer::Yes, |t| t.key_yes, F),
    key(
        &[ch('n'), ch('N'), code(KeyCode::Esc), ch('q')],
        Answer::No,
        |t| t.key_no,
        How { label: Some(|_| "n/Esc"), ..F },
    ),
];

/// What a key does with a kept contact draft (one offered, or a list of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftCmd {
    Nav(Nav),
    Resume,
    Discard,
    Later,
}

/// The keys of a kept draft's offer and of the list of drafts (↑↓ only there).
pub static DRAFT_KEYS: &[Entry<DraftCmd>] = &[
    Entry::Nav(DraftCmd::Nav),
    key(&[code(KeyCode::Enter)], DraftCmd::Resume, |t| t.key_resume, How { doc: Some("继续填写"), ..F }),
    key(
        &[ch('d'), ch('D')],
        DraftCmd::Discard,
        |t| t.key_discard,
        How { doc: Some("丢弃（选中的一份）草稿"), ..F },
    ),
    key(
        &[code(KeyCode::Esc), ch('q')],
        DraftCmd::Later,
        |t| t.key_later,
        How { doc: Some("以后再说（草稿保留，再为这位客户记录联系时先询问）"), ..F },
    ),
];

/// The list of drafts moves with ↑↓ only.
fn list_offers(c: DraftCmd) -> bool {
    matches!(c, DraftCmd::Nav(Nav::Up | Nav::Down) | DraftCmd::Resume | DraftCmd::Discard | DraftCmd::Later)
}

impl Screen for Confirm {
    fn title(&self, _t: &Text) -> String {
        self.title.clone()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(CONFIRM_KEYS, t, false, |_| true)
    }

    fn is_modal(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match keys::command(CONFIRM_KEYS, &key, false, |_| true) {
            Some(Answer::Yes) => match self.on_yes.take() {
                Some(f) => match f(cx) {
                    // The question is answered either way: close it, then do what the answer did.
                    Action::None => Action::Pop,
                    other => other,
                },
                None => Action::Pop,
            },
            Some(Answer::No) => Action::Pop,
            None => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let lines = vec![
            Line::from(Span::styled(self.question.clone(), cx.theme.text)),
            Line::from(""),
            Line::from(Span::styled(cx.t.yes_no, cx.theme.accent)),
        ];
        popup(f, area, cx, &self.title, lines);
    }
}

/// Offers one kept draft: at start-up when it is the only one, and when its client's form is
/// opened again.
pub struct DraftOffer {
    draft: ContactDraft,
    client_name: String,
}

impl DraftOffer {
    pub fn new(draft: ContactDraft, cx: &Ctx) -> DraftOffer {
        let client_name = cx.api.client(draft.client.clone()).map(|c| c.client.name).unwrap_or_default();
        DraftOffer { draft, client_name }
    }
}

impl Screen for DraftOffer {
    fn title(&self, t: &Text) -> String {
        t.draft_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(DRAFT_KEYS, t, false, |c| !matches!(c, DraftCmd::Nav(_)))
    }

    fn is_modal(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match keys::command(DRAFT_KEYS, &key, false, |c| !matches!(c, DraftCmd::Nav(_))) {
            Some(DraftCmd::Resume) => match ContactForm::from_draft(self.draft.clone(), cx) {
                Ok(form) => Action::Replace(Box::new(form)),
                Err(e) => Action::error(e),
            },
            Some(DraftCmd::Discard) => match cx.api.discard_draft(self.draft.client.clone()) {
                Ok(()) => Action::Pop,
                Err(e) => Action::error(e),
            },
            Some(DraftCmd::Later) => Action::Pop,
            Some(DraftCmd::Nav(_)) | None => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let d = &self.draft;
        let mut what =
            format!("{} · {} · {}", t.purpose(d.purpose), t.channel(d.channel), t.outcome(d.outcome));
        if !d.note.is_empty() {
            what.push_str(&format!(" · {}", ui::fit(&d.note.replace('\n', " "), 24)));
        }
        let lines = vec![
            Line::from(Span::styled(t.draft_question, th.text)),
            Line::from(vec![
                Span::styled(format!("{} ", self.client_name), th.title),
                Span::styled(d.client.to_string(), th.muted),
            ]),
            Line::from(Span::styled(what, th.text)),
            Line::from(""),
            Line::from(Span::styled(t.draft_keys, th.accent)),
        ];
        popup(f, area, cx, t.draft_title, lines);
    }
}

/// Start-up with drafts kept for several clients: each with its client, when it was kept and
/// what it says, most recent first. Enter reopens the chosen one in its form; `d` discards it
/// (audited once); Esc leaves them all kept, each offered again when its client's form opens.
pub struct DraftList {
    /// Each draft with its client's name (empty when the card cannot be read).
    drafts: Vec<(ContactDraft, String)>,
    at: usize,
}

impl DraftList {
    /// `drafts` as `Api::drafts` returns them, most recent first.
    pub fn new(drafts: Vec<ContactDraft>, cx: &Ctx) -> DraftList {
        let drafts = drafts
            .into_iter()
            .map(|d| {
                let name = cx.api.client(d.client.clone()).map(|c| c.client.name).unwrap_or_default();
                (d, name)
            })
            .collect();
        DraftList { drafts, at: 0 }
    }
}

impl Screen for DraftList {
    fn title(&self, t: &Text) -> String {
        t.drafts_title.to_string()
    }

    fn keys(&self, t: &Text) -> Vec<KeyHelp> {
        keys::shown(DRAFT_KEYS, t, false, list_offers)
    }

    fn is_modal(&self) -> bool {
        true
    }

    fn on_key(&mut self, key: KeyEvent, cx: &Ctx) -> Action {
        match keys::command(DRAFT_KEYS, &key, false, list_offers) {
            Some(DraftCmd::Nav(Nav::Up)) => {
                self.at = self.at.saturating_sub(1);
                Action::None
            }
            Some(DraftCmd::Nav(_)) => {
                self.at = (self.at + 1).min(self.drafts.len().saturating_sub(1));
                Action::None
            }
            Some(DraftCmd::Resume) => match self.drafts.get(self.at) {
                Some((d, _)) => match ContactForm::from_draft(d.clone(), cx) {
                    Ok(form) => Action::Replace(Box::new(form)),
                    Err(e) => Action::error(e),
                },
                None => Action::Pop,
            },
            Some(DraftCmd::Discard) => {
                let Some((d, _)) = self.drafts.get(self.at) else {
                    return Action::Pop;
                };
                if let Err(e) = cx.api.discard_draft(d.client.clone()) {
                    return Action::error(e);
                }
                self.drafts.remove(self.at);
                self.at = self.at.min(self.drafts.len().saturating_sub(1));
                if self.drafts.is_empty() { Action::Pop } else { Action::None }
            }
            Some(DraftCmd::Later) => Action::Pop,
            None => Action::None,
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let th = cx.theme;
        let mut lines = vec![Line::from(Span::styled(t.drafts_question, th.text))];
        for (i, (d, name)) in self.drafts.iter().enumerate() {
            let when = d.saved_at.map(|s| s.format("%m-%d %H:%M ").to_string()).unwrap_or_default();
            let mut what = format!("{} · {}", t.purpose(d.purpose), t.outcome(d.outcome));
            if !d.note.is_empty() {
                what.push_str(&format!(" · {}", ui::fit(&d.note.replace('\n', " "), 16)));
            }
            let style = if i == self.at { th.selection } else { th.text };
            lines.push(Line::from(vec![
                Span::styled(if i == self.at { "> " } else { "  " }, style),
                Span::styled(format!("{name} "), style),
                Span::styled(format!("{} ", d.client), th.muted),
                Span::styled(when, th.muted),
                Span::styled(what, style),
            ]));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(t.drafts_keys, th.accent)));
        popup(f, area, cx, t.drafts_title, lines);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;

    /// What a popup's blanking at `x` leaves in each cell of a row of wide characters (张 at
    /// cells 0, 4, 8…, 伟 at 2, 6, 10…).
    fn cells_after_clear(x: u16) -> Vec<String> {
        let mut term = Terminal::new(TestBackend::new(20, 1)).unwrap();
        term.draw(|f| {
            f.render_widget(Paragraph::new("张伟张伟张伟张伟张伟"), f.area());
            clear_whole(f, Rect { x, y: 0, width: 6, height: 1 });
        })
        .unwrap();
        let buf = term.backend().buffer();
        (0..20).map(|x| buf[(x, 0)].symbol().to_string()).collect()
    }

    #[test]
    fn a_wide_character_cut_by_a_popups_edge_is_blanked_whole() {
        // The 张 at cells 4–5, the box starting at 5 under its right half.
        let cells = cells_after_clear(5);
        assert_eq!(cells[4], " ", "{cells:?}");
        assert_eq!((cells[2].as_str(), cells[12].as_str()), ("伟", "张"), "the rest stays: {cells:?}");
    }

    #[test]
    fn a_wide_character_beside_a_popups_edge_is_kept() {
        let cells = cells_after_clear(4);
        assert_eq!((cells[2].as_str(), cells[4].as_str()), ("伟", " "), "{cells:?}");
        let cells = cells_after_clear(6);
        assert_eq!(cells[4], "张", "ends at the box's edge, so is whole: {cells:?}");
    }
}
