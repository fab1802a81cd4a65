//! A yes / no question before a change that touches more than one answer or removes something:
//! deleting a device, a bulk answer (showing how many devices and which answers it would
//! overwrite), leaving the device form with unsaved changes, removing an attachment.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use crate::assessment::Target;
use crate::catalog::Control;
use crate::device::Device;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, SaveState};
use crate::tui::layout;
use crate::tui::popups::form::DeviceForm;
use crate::tui::text;
use crate::workbook::AnswerInput;

/// What happens on "yes".
#[derive(Debug, Clone)]
pub enum Pending {
    /// Delete (soft) the device with this workbook ID.
    DeleteDevice {
        /// Workbook ID.
        id: i64,
        /// Short ID and name, for the message.
        label: String,
    },
    /// Apply one answer to many targets in one step.
    Bulk {
        /// Where the answer goes.
        targets: Vec<Target>,
        /// The control.
        control: &'static Control,
        /// What is set.
        input: AnswerInput,
        /// The undo label.
        label: String,
    },
    /// Leave the device form without saving; "no" goes back to the form.
    DiscardForm(Box<DeviceForm>),
    /// Remove (soft) the attachment with this ID.
    RemoveAttachment {
        /// Attachment ID.
        id: i64,
        /// Its name and where it is, for the message.
        label: String,
    },
    /// Nothing to decide: a notice to read (e.g. a mistake in the user's keymap file); either
    /// key closes it.
    Notice,
}

/// The open question.
#[derive(Debug, Clone)]
pub struct Confirm {
    /// One line: the question.
    pub title: String,
    /// What would change, one line each (scrolls).
    pub lines: Vec<String>,
    /// What "yes" does.
    pub pending: Pending,
    /// First line shown.
    pub scroll: usize,
}

impl Confirm {
    /// "Delete DEV-0003 …?" for a device.
    pub fn delete_device(app: &App, d: &Device) -> Confirm {
        let label = format!("{} {}", d.short_id(), d.get("name"));
        let undo = app
            .keymap
            .key_for(app.screen_context(), &Action::Undo)
            .map(|k| format!("{k} (undo) brings it back with its answers."))
            .unwrap_or_else(|| "Undo brings it back with its answers.".to_string());
        Confirm {
            title: format!("Delete {}?", label.trim()),
            lines: vec![
                "It leaves the device list, the exports and the counts.".to_string(),
                "Its answers are kept; its short ID is never reused.".to_string(),
                undo,
            ],
            pending: Pending::DeleteDevice { id: d.id, label },
            scroll: 0,
        }
    }
}

/// Acts on the question: yes runs the pending change, no leaves everything as it is.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Confirm(c)) = &mut app.overlay else {
        return;
    };
    match action {
        Action::MoveDown => c.scroll = (c.scroll + 1).min(c.lines.len().saturating_sub(1)),
        Action::MoveUp => c.scroll = c.scroll.saturating_sub(1),
        Action::Back => {
            let pending = c.pending.clone();
            app.overlay = None;
            match pending {
                Pending::DiscardForm(form) => app.overlay = Some(Overlay::Form(form)),
                Pending::Notice => {}
                _ => app.info("Nothing changed"),
            }
        }
        Action::Quit => {
            // Quitting from a question changes nothing; the run loop restores the terminal.
            app.overlay = None;
            app.quit = true;
        }
        Action::Submit => {
            let pending = c.pending.clone();
            app.overlay = None;
            run(app, pending);
        }
        _ => {}
    }
}

fn run(app: &mut App, pending: Pending) {
    match pending {
        Pending::DeleteDevice { id, label } => match app.workbook.delete_device(id) {
            Ok(()) => {
                reload(app);
                let undo = app
                    .keymap
                    .key_for(app.screen_context(), &Action::Undo)
                    .map(|k| format!(" · {k} to undo"))
                    .unwrap_or_default();
                app.info(format!("Deleted {}{undo}", text::sanitize(label.trim())));
            }
            Err(e) => {
                app.save = SaveState::Failed(e.to_string());
                app.error(e.to_string());
            }
        },
        Pending::Bulk {
            targets,
            control,
            input,
            label,
        } => match app
            .workbook
            .set_answers_bulk(&targets, control, &input, &label)
        {
            Ok(_) => {
                reload(app);
                app.info(format!("{} · one step to undo", text::sanitize(&label)));
            }
            Err(e) => {
                if !matches!(e, crate::workbook::WorkbookError::Invalid(_)) {
                    app.save = SaveState::Failed(e.to_string());
                }
                app.error(e.to_string());
            }
        },
        Pending::DiscardForm(_) => app.info("The device form was closed without saving"),
        Pending::RemoveAttachment { id, label } => {
            crate::tui::screens::evidence::run_remove(app, id, &label);
        }
        Pending::Notice => {}
    }
}

fn reload(app: &mut App) {
    app.save = SaveState::Saved;
    if let Err(e) = app.reload() {
        app.error(format!("Saved, but reading the workbook again failed: {e}"));
    }
}

/// Draws the question.
pub fn render(app: &App, frame: &mut Frame, c: &Confirm) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(76);
    let inner_width = usize::from(width.saturating_sub(4)).max(1);
    let mut rows: Vec<Line<'_>> = Vec::new();
    for l in &c.lines {
        for r in text::wrap_words(&text::sanitize(l), inner_width) {
            rows.push(Line::raw(r));
        }
    }
    let max_rows = usize::from(body.height.saturating_sub(4)).max(1);
    let shown: Vec<Line<'_>> = rows.into_iter().skip(c.scroll).take(max_rows).collect();
    let height = u16::try_from(shown.len() + 4).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let yes = app
        .keymap
        .key_label(crate::tui::keymap::Context::Confirm, &Action::Submit);
    let no = app
        .keymap
        .key_label(crate::tui::keymap::Context::Confirm, &Action::Back);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" {} ", text::fit(&text::sanitize(&c.title), inner_width)),
            theme.title(),
        ))
        .title_bottom(if matches!(c.pending, Pending::Notice) {
            Line::from(vec![
                Span::styled(" Enter", theme.key()),
                Span::raw(" close "),
            ])
        } else {
            Line::from(vec![
                Span::styled(format!(" {yes}"), theme.key()),
                Span::raw(" yes  "),
                Span::styled(no, theme.key()),
                Span::raw(" no "),
            ])
        });
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    crate::tui::widgets::message::render(frame, inner, shown, 1, 0, 1);
}
