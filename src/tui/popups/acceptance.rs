//! Accepting a risk (PRODUCT.md "Answers, suggestions and deferral": accepting a risk needs who
//! accepted it and a note saying why): accepted by, the acceptance note, the date it was
//! accepted (today unless changed) and the review date, after which the acceptance is expired
//! (TEMPLATE.md "Risk Register"). Opened from the entry menu, the Findings screen, or by
//! choosing the treatment Accept for an entry without them — then saving also sets the
//! treatment. Saving is one commit and one undo step; what the workbook refuses (Accept without
//! who or why, a date out of range) is said on the status line and the form stays open.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::assessment::NOTE_LIMIT_UTF16;
use crate::risk::Treatment;
use crate::risk::register::Finding;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::Context;
use crate::tui::layout;
use crate::tui::screens::finding;
use crate::tui::screens::register::{self, Subject};
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::tui::widgets::text_field::TextField;
use crate::workbook::RiskEntryInput;

/// The fields, in order: (name, what it takes).
const FIELDS: [(&str, &str); 4] = [
    (
        "Accepted by",
        "Who accepted the risk: a name and a role (required)",
    ),
    (
        "Why",
        "Why the risk is acceptable: compensating controls, replacement plan (required)",
    ),
    ("Accepted on", "YYYY-MM-DD; today unless changed"),
    (
        "Review date",
        "YYYY-MM-DD to look at it again; after it the acceptance is EXPIRED; empty for none",
    ),
];

/// The open acceptance form.
#[derive(Debug, Clone)]
pub struct AcceptanceForm {
    /// The finding.
    pub subject: Subject,
    /// `R-0012 ENC-01 on DEV-0003`.
    pub label: String,
    /// Accepted by, why, accepted on, review date.
    pub fields: [TextField; 4],
    /// The focused field.
    pub focus: usize,
    /// Saving also sets the treatment to Accept.
    pub accept: bool,
}

impl AcceptanceForm {
    /// The form for a finding's entry: what is stored, the acceptance date today when none is.
    pub fn new(f: &Finding<'_>, subject: Subject, accept: bool) -> AcceptanceForm {
        let e = &f.entry;
        let today = chrono::Local::now().date_naive();
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let field = |t: String| TextField::new(t, NOTE_LIMIT_UTF16);
        AcceptanceForm {
            label: format!("{} {} on {}", finding::risk_id(f), f.control.id, f.label()),
            subject,
            fields: [
                field(e.accepted_by.clone()),
                field(e.acceptance_note.replace('\n', " ")),
                field(day(e.accepted_on.or(Some(today)))),
                field(day(e.review_date)),
            ],
            focus: 0,
            accept: accept || e.treatment == Some(Treatment::Accept),
        }
    }
}

/// Acts on the form.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Acceptance(form)) = &mut app.overlay else {
        return;
    };
    let last = form.fields.len() - 1;
    match action {
        Action::InsertText(t) => {
            if let Some(f) = form.fields.get_mut(form.focus)
                && !f.insert(&t)
            {
                app.error("Full: a field holds what fits in one spreadsheet cell");
            }
        }
        Action::NextField => form.focus = (form.focus + 1).min(last),
        Action::PreviousField => form.focus = form.focus.saturating_sub(1),
        Action::Back | Action::Quit => {
            let accept = form.accept;
            app.overlay = None;
            app.info(if accept {
                "Nothing changed: Accept needs who accepted the risk and why"
            } else {
                "Acceptance not changed"
            });
        }
        Action::Submit => submit(app),
        other => {
            if let Some(f) = form.fields.get_mut(form.focus) {
                f.edit(&other);
            }
        }
    }
}

/// A date field: empty is `None`; anything else must be a date.
fn date(text: &str) -> Result<Option<NaiveDate>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    crate::device::fields::parse_date(t).map(Some).ok_or(())
}

fn submit(app: &mut App) {
    let Some(Overlay::Acceptance(form)) = &mut app.overlay else {
        return;
    };
    let mut dates = [None, None];
    for (k, slot) in dates.iter_mut().enumerate() {
        let i = k + 2;
        match date(&form.fields[i].text) {
            Ok(d) => *slot = d,
            Err(()) => {
                form.focus = i;
                let bad = text::sanitize(form.fields[i].text.trim()).into_owned();
                app.error(format!(
                    "Not saved: {} {bad:?} is not a date (YYYY-MM-DD, e.g. 2027-06-30)",
                    FIELDS[i].0
                ));
                return;
            }
        }
    }
    let input = RiskEntryInput {
        treatment: form.accept.then_some(Some(Treatment::Accept)),
        accepted_by: Some(form.fields[0].text.clone()),
        acceptance_note: Some(form.fields[1].text.clone()),
        accepted_on: Some(dates[0]),
        review_date: Some(dates[1]),
        ..RiskEntryInput::default()
    };
    let subject = form.subject.clone();
    if register::commit(app, &subject, &input) {
        app.overlay = None;
    }
}

/// Draws the form over the body and places the cursor in the focused field.
pub fn render(app: &App, frame: &mut Frame, form: &AcceptanceForm) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let popup = layout::popup(body, body.width.saturating_sub(4).min(90), 12);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" Accept the risk · {} ", text::sanitize(&form.label)),
            theme.title(),
        ))
        .title_bottom(Line::from(vec![
            Span::styled(
                format!(
                    " {}",
                    app.keymap.key_label(Context::Acceptance, &Action::Submit)
                ),
                theme.key(),
            ),
            Span::raw(" save  "),
            Span::styled(
                app.keymap.key_label(Context::Acceptance, &Action::Back),
                theme.key(),
            ),
            Span::raw(" cancel "),
        ]));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    if inner.height < 4 || inner.width < 20 {
        return;
    }
    let intro = if form.accept {
        "Saving sets the treatment to Accept. Who and why are required."
    } else {
        "Who accepted the risk, why, when, and when to review it."
    };
    frame.render_widget(
        Line::styled(intro, theme.dim()),
        Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(1), 1),
    );
    let label_width = 12;
    // Cursor, separator, label, separator, then the value.
    let value_width = usize::from(inner.width).saturating_sub(label_width + 3);
    let mut cursor = None;
    {
        let buf = frame.buffer_mut();
        for (i, (f, (name, _))) in form.fields.iter().zip(FIELDS).enumerate() {
            let y = inner.y + 2 + u16::try_from(i).unwrap_or(0);
            if y >= inner.y + inner.height {
                break;
            }
            let focused = i == form.focus;
            let (shown, col) = if focused {
                f.line(value_width.saturating_sub(1))
            } else {
                (text::sanitize(&f.text).into_owned(), 0)
            };
            let style = if focused {
                theme.selected()
            } else {
                theme.dim()
            };
            draw_row(
                buf,
                Rect::new(inner.x, y, inner.width, 1),
                &[
                    Cell::new(if focused { "›" } else { " " }, 1, style),
                    Cell::new(name, label_width, style),
                    Cell::new(&shown, value_width, Default::default()),
                ],
                Default::default(),
            );
            if focused {
                let x = inner.x + u16::try_from(label_width + 3 + col).unwrap_or(u16::MAX);
                cursor = Some(Position::new(x, y));
            }
        }
    }
    if let Some((name, about)) = FIELDS.get(form.focus) {
        let y = inner.y + 7;
        if y + 2 <= inner.y + inner.height {
            frame.render_widget(
                Paragraph::new(Line::styled(format!("{name}: {about}"), theme.dim()))
                    .wrap(Wrap { trim: true }),
                Rect::new(inner.x + 1, y, inner.width.saturating_sub(1), 2),
            );
        }
    }
    if let Some(p) = cursor
        && inner.contains(p)
    {
        frame.set_cursor_position(p);
    }
}
