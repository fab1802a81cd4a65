//! The text popup: the selected control's note or deferral reason, or a finding's planned
//! actions, owner, due date or review date. Enter saves (one commit), Esc closes. Notes and
//! planned actions may have several lines (the new-line key) and are saved after a pause in
//! typing and on closing, so nothing typed is lost; an owner or a date only with Enter. Typed
//! and pasted text may hold any Unicode (wide characters count two columns); control characters
//! are kept out of typed text and shown escaped when a stored text has them. When opened by
//! N/A, saving sets N/A together with the note.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::assessment::Target;
use crate::assessment::{NOTE_LIMIT_UTF16, Response};
use crate::catalog::Control;
use crate::tui::action::Action;
use crate::tui::answer;
use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::screens::register::{self, Subject};
use crate::tui::text;
use crate::tui::widgets::text_field::TextField;
use crate::workbook::{AnswerInput, RiskEntryInput};

/// Text rows the popup shows at most (it scrolls to keep the cursor in view).
const MAX_ROWS: usize = 6;

/// What a text popup edits.
#[derive(Debug, Clone)]
pub enum Purpose {
    /// The note of a control's answer on the checklist's device; `then` is a response to set
    /// together with the note when it is saved (N/A needs a note).
    Note {
        /// The control whose note this is.
        control: &'static Control,
        /// Set with the note.
        then: Option<Response>,
    },
    /// Why a control of the checklist's device is deferred (empty lifts the deferral).
    Defer {
        /// The control.
        control: &'static Control,
    },
    /// The owner of a risk register entry.
    Owner {
        /// Whose finding.
        target: Target,
        /// The control.
        control_id: String,
        /// The vulnerability finding's row ID when the risk is one.
        finding: Option<i64>,
    },
    /// The due date of a risk register entry (YYYY-MM-DD; empty for the default by level;
    /// `none` for no due date).
    DueDate {
        /// Whose finding.
        target: Target,
        /// The control.
        control_id: String,
        /// The vulnerability finding's row ID when the risk is one.
        finding: Option<i64>,
    },
    /// The planned actions of a risk register entry (several lines).
    PlannedActions {
        /// Whose finding.
        target: Target,
        /// The control.
        control_id: String,
        /// The vulnerability finding's row ID when the risk is one.
        finding: Option<i64>,
    },
    /// Why a vulnerability finding is dismissed (required).
    DismissFinding {
        /// The finding's row ID.
        id: i64,
    },
    /// The review date of a risk register entry (YYYY-MM-DD, or empty for none).
    ReviewDate {
        /// Whose finding.
        target: Target,
        /// The control.
        control_id: String,
        /// The vulnerability finding's row ID when the risk is one.
        finding: Option<i64>,
    },
}

impl Purpose {
    /// The finding whose register entry this edits, if it edits one.
    fn subject(&self) -> Option<Subject> {
        match self {
            Purpose::Owner {
                target,
                control_id,
                finding,
            }
            | Purpose::DueDate {
                target,
                control_id,
                finding,
            }
            | Purpose::PlannedActions {
                target,
                control_id,
                finding,
            }
            | Purpose::ReviewDate {
                target,
                control_id,
                finding,
            } => Some(Subject {
                target: target.clone(),
                control_id: control_id.clone(),
                finding: *finding,
            }),
            Purpose::Note { .. } | Purpose::Defer { .. } | Purpose::DismissFinding { .. } => None,
        }
    }
}

/// The text being edited in a popup.
#[derive(Debug, Clone)]
pub struct NoteEditor {
    /// What the text is for.
    pub purpose: Purpose,
    /// The text and its cursor.
    pub field: TextField,
    /// The text as saved (updated by autosave), to skip a commit when nothing changed.
    original: String,
    /// The text when the popup opened.
    first: String,
}

impl NoteEditor {
    /// An editor on a control's note with the cursor at the end.
    pub fn new(control: &'static Control, text: String, then: Option<Response>) -> NoteEditor {
        NoteEditor::with(Purpose::Note { control, then }, text)
    }

    /// An editor for any purpose, cursor at the end.
    pub fn with(purpose: Purpose, text: String) -> NoteEditor {
        NoteEditor {
            purpose,
            field: TextField::new(text.clone(), NOTE_LIMIT_UTF16),
            original: text.clone(),
            first: text,
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.field.text
    }

    /// Whether the text differs from what is saved.
    pub fn is_dirty(&self) -> bool {
        self.field.text != self.original
    }

    /// Whether this popup saves on its own after a pause in typing: notes and planned actions
    /// do; an owner or a date is saved with Enter (a half-typed date is not a date).
    pub fn autosaves(&self) -> bool {
        matches!(
            self.purpose,
            Purpose::Note { .. } | Purpose::PlannedActions { .. }
        )
    }

    /// Whether the text may have several lines.
    pub fn multiline(&self) -> bool {
        self.autosaves()
    }

    /// The response set with the note, when opened by N/A.
    pub fn then(&self) -> Option<Response> {
        match &self.purpose {
            Purpose::Note { then, .. } => *then,
            _ => None,
        }
    }

    fn title(&self) -> String {
        match &self.purpose {
            Purpose::Note { control, .. } => format!(" Note · {} ", control.id),
            Purpose::Defer { control } => format!(" Defer · {} ", control.id),
            Purpose::Owner { control_id, .. } => format!(" Owner · {control_id} "),
            Purpose::DueDate { control_id, .. } => format!(" Due date · {control_id} "),
            Purpose::PlannedActions { control_id, .. } => {
                format!(" Planned actions · {control_id} ")
            }
            Purpose::ReviewDate { control_id, .. } => format!(" Review date · {control_id} "),
            Purpose::DismissFinding { id } => {
                format!(" Dismiss {} ", crate::workbook::format_finding_id(*id))
            }
        }
    }

    fn prompt(&self) -> Option<&'static str> {
        match &self.purpose {
            Purpose::Note {
                then: Some(Response::NotApplicable),
                ..
            } => Some("N/A needs a note: why does this control not apply?"),
            Purpose::Defer { .. } => {
                Some("Why not now? (in use on a patient, room locked…) Empty lifts it.")
            }
            Purpose::Owner { .. } => Some("Who is responsible for fixing it (a name or a team)"),
            Purpose::DismissFinding { .. } => {
                Some("Why does it not apply? (e.g. firmware 4.2 installed)")
            }
            Purpose::DueDate { .. } => {
                Some("YYYY-MM-DD · empty: the default by level · none: no due date")
            }
            Purpose::PlannedActions { .. } => {
                Some("What will be done to treat the risk, by whom (several lines allowed)")
            }
            Purpose::ReviewDate { .. } => {
                Some("YYYY-MM-DD to look at the risk again (an acceptance expires after it)")
            }
            _ => None,
        }
    }
}

/// Saves the note or planned actions typed so far (a pause in typing) and keeps the popup
/// open.
pub fn autosave(app: &mut App) {
    let Some(Overlay::Note(editor)) = &app.overlay else {
        return;
    };
    if !editor.autosaves() || !editor.is_dirty() {
        return;
    }
    let text = editor.text().to_string();
    let saved = match editor.purpose.clone() {
        Purpose::Note { control, .. } => {
            let input = AnswerInput {
                note: Some(text.clone()),
                ..AnswerInput::default()
            };
            match answer::commit(app, control, &input) {
                Ok(()) => true,
                Err(e) => {
                    app.error(e.to_string());
                    false
                }
            }
        }
        purpose => match purpose.subject() {
            Some(subject) => {
                let input = RiskEntryInput {
                    planned_actions: Some(text.clone()),
                    ..RiskEntryInput::default()
                };
                register::commit(app, &subject, &input)
            }
            None => false,
        },
    };
    if saved && let Some(Overlay::Note(editor)) = &mut app.overlay {
        editor.original = text;
    }
}

/// Acts on the note popup: edit, save (commit) or cancel.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Note(editor)) = &mut app.overlay else {
        return;
    };
    match action {
        Action::InsertText(t) => {
            if !editor.field.insert(&t) {
                app.error(
                    "Full: a note holds what fits in one spreadsheet cell (32,767 characters); the rest was left out",
                );
            }
        }
        Action::Back => {
            // A note is never thrown away: what was typed is saved (Ctrl-z undoes it). An owner
            // or a due date is only changed with Enter.
            let na = editor.then() == Some(Response::NotApplicable);
            let keeps = editor.autosaves();
            if keeps {
                autosave(app);
            }
            let changed = match &app.overlay {
                Some(Overlay::Note(e)) => e.text() != e.first,
                _ => false,
            };
            if matches!(&app.overlay, Some(Overlay::Note(e)) if e.is_dirty()) && keeps {
                // Saving failed: the popup stays so that nothing typed is lost.
                return;
            }
            app.overlay = None;
            if na {
                app.info(if changed {
                    "Note saved; N/A not set (Enter in the note sets it)"
                } else {
                    "N/A not set: it needs a note saying why"
                });
            } else if keeps && changed {
                app.info("Saved (Ctrl-z undoes it)");
            } else {
                app.info("Nothing changed");
            }
        }
        Action::Submit => submit(app),
        Action::NewLine => {
            if !editor.multiline() {
                app.info("One line only: Enter saves");
            } else if !editor.field.new_line() {
                app.error(
                    "Full: the text holds what fits in one spreadsheet cell (32,767 characters)",
                );
            }
        }
        other => {
            editor.field.edit(&other);
        }
    }
}

fn submit(app: &mut App) {
    let Some(Overlay::Note(editor)) = &app.overlay else {
        return;
    };
    let editor = editor.clone();
    let text = editor.text().to_string();
    match &editor.purpose {
        Purpose::Note { control, then } => {
            if *then == Some(Response::NotApplicable) && text.trim().is_empty() {
                app.error("N/A needs a note saying why the control does not apply (Esc cancels)");
                return;
            }
            if then.is_none() && text == editor.original {
                app.overlay = None;
                return;
            }
            let input = AnswerInput {
                response: then.map(Some),
                note: Some(text),
                ..AnswerInput::default()
            };
            match answer::commit(app, control, &input) {
                Ok(()) => {
                    app.overlay = None;
                    if then.is_some() {
                        crate::tui::screens::after_answer(app);
                    }
                }
                // The popup stays open so that nothing typed is lost.
                Err(e) => app.error(e.to_string()),
            }
        }
        Purpose::Defer { control } => {
            let deferring = !text.trim().is_empty();
            if text == editor.original && deferring {
                app.overlay = None;
                return;
            }
            let input = AnswerInput {
                deferral: Some(text.clone()),
                ..AnswerInput::default()
            };
            match answer::commit(app, control, &input) {
                Ok(()) => {
                    app.overlay = None;
                    if deferring {
                        app.info(format!(
                            "{} deferred: {}",
                            control.id,
                            text::sanitize(text.trim())
                        ));
                        crate::tui::screens::after_answer(app);
                    } else {
                        app.info(format!("{}: no longer deferred", control.id));
                    }
                }
                Err(e) => app.error(e.to_string()),
            }
        }
        Purpose::DismissFinding { id } => {
            if text.trim().is_empty() {
                app.error(
                    "Dismissing needs a reason: why does the finding not apply? (Esc cancels)",
                );
                return;
            }
            if crate::tui::screens::vulns::commit(
                app,
                *id,
                crate::workbook::FindingState::Dismissed,
                Some(&text),
            ) {
                app.overlay = None;
            }
        }
        purpose => {
            let Some(subject) = purpose.subject() else {
                return;
            };
            if text == editor.original {
                app.overlay = None;
                return;
            }
            let input = match purpose {
                Purpose::Owner { .. } => RiskEntryInput {
                    owner: Some(text),
                    ..RiskEntryInput::default()
                },
                Purpose::PlannedActions { .. } => RiskEntryInput {
                    planned_actions: Some(text),
                    ..RiskEntryInput::default()
                },
                Purpose::DueDate { .. } => match crate::workbook::Due::parse(&text) {
                    Ok(due) => RiskEntryInput {
                        due: Some(due),
                        ..RiskEntryInput::default()
                    },
                    Err(_) => {
                        app.error(format!(
                            "{} is not a date: type YYYY-MM-DD, e.g. 2027-03-31, \"none\", or \
                             nothing for the default by level (Esc cancels)",
                            text::sanitize(text.trim())
                        ));
                        return;
                    }
                },
                _ => {
                    let day = text.trim();
                    let date = if day.is_empty() {
                        None
                    } else {
                        match crate::device::fields::parse_date(day) {
                            Some(d) => Some(d),
                            None => {
                                app.error(format!(
                                    "{} is not a date: type YYYY-MM-DD, e.g. 2027-06-30, or \
                                     nothing for no review date (Esc cancels)",
                                    text::sanitize(day)
                                ));
                                return;
                            }
                        }
                    };
                    RiskEntryInput {
                        review_date: Some(date),
                        ..RiskEntryInput::default()
                    }
                }
            };
            if register::commit(app, &subject, &input) {
                app.overlay = None;
            }
        }
    }
}

/// Draws the popup and places the terminal cursor in it.
pub fn render(app: &App, frame: &mut Frame, editor: &NoteEditor) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(72);
    let cols = usize::from(width.saturating_sub(4)).max(2);
    let (rows, (cursor_row, cursor_col)) = editor.field.rows(cols);
    let shown = rows.len().clamp(1, MAX_ROWS);
    let prompt = editor.prompt();
    let height = u16::try_from(shown + 2 + usize::from(prompt.is_some())).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(editor.title(), theme.title()));
    if editor.multiline()
        && let Some(key) = app
            .keymap
            .key_for(crate::tui::keymap::Context::Note, &Action::NewLine)
    {
        block = block.title_bottom(Line::from(vec![
            Span::styled(format!(" {key}"), theme.key()),
            Span::raw(" new line "),
        ]));
    }
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let inner = Rect {
        x: inner.x + 1.min(inner.width),
        width: inner.width.saturating_sub(1),
        ..inner
    };
    let first = (cursor_row + 1).saturating_sub(shown);
    let mut lines: Vec<Line<'_>> = Vec::new();
    if let Some(p) = prompt {
        lines.push(Line::styled(p, theme.dim()));
    }
    lines.extend(
        rows.iter()
            .skip(first)
            .take(shown)
            .map(|r| Line::raw(r.as_str())),
    );
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
    let x = inner.x + u16::try_from(cursor_col).unwrap_or(u16::MAX);
    let y = inner.y
        + u16::from(prompt.is_some())
        + u16::try_from(cursor_row - first).unwrap_or(u16::MAX);
    if inner.contains(Position::new(x, y)) {
        frame.set_cursor_position(Position::new(x, y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    #[test]
    fn a_note_popup_edits_its_control_note() {
        let Some(control) = catalog().control("ENC-01") else {
            panic!("catalog has ENC-01");
        };
        let mut e = NoteEditor::new(control, "x".into(), Some(Response::NotApplicable));
        assert!(e.field.insert("y"));
        assert_eq!(e.text(), "xy");
        assert_eq!(e.then(), Some(Response::NotApplicable));
        assert!(e.prompt().is_some());
        assert!(e.title().contains("ENC-01"));
    }
}
