//! A choice among a few options: which devices a walkthrough covers, which devices a bulk
//! answer goes to (each option says how many devices it means), a field of a risk register
//! entry to edit, a treatment, a status, the attachment to remove.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear};

use crate::risk::{RiskStatus, Treatment};
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::screens::register::{self, Field, Subject};
use crate::tui::screens::{bulk, evidence, vulns, walk};
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::workbook::RiskEntryInput;

/// What an option does when chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// Resume the walkthrough that was left.
    ResumeWalk,
    /// Start a walkthrough over these devices (workbook IDs, in route order).
    Walk {
        /// The devices.
        route: Vec<i64>,
        /// What they are, e.g. "14 devices in view".
        label: String,
    },
    /// Apply the selected control's answer to these devices.
    Bulk {
        /// The devices.
        devices: Vec<i64>,
        /// What they are, e.g. "every B. Braun Space (4 devices)".
        label: String,
    },
    /// Edit one field of a finding's risk register entry.
    Register {
        /// The finding.
        subject: Subject,
        /// The field.
        field: Field,
    },
    /// Set a finding's treatment (`None` = not decided).
    Treatment {
        /// The finding.
        subject: Subject,
        /// The treatment.
        treatment: Option<Treatment>,
    },
    /// Set a finding's status.
    Status {
        /// The finding.
        subject: Subject,
        /// The status.
        status: RiskStatus,
    },
    /// Ask before removing this attachment.
    RemoveAttachment {
        /// Attachment ID.
        id: i64,
    },
    /// Decide on this vulnerability finding (a menu of confirm, dismiss, back to suggested).
    VulnFinding {
        /// The finding's row ID.
        id: i64,
    },
    /// Set a vulnerability finding's state (dismissing asks why first).
    FindingState {
        /// The finding's row ID.
        id: i64,
        /// The new state.
        state: crate::workbook::FindingState,
    },
}

/// Whether choosing the selected option commits to the workbook at once (so the run loop can
/// show "saving…").
pub fn commits(m: &Menu) -> bool {
    matches!(
        m.items.get(m.selected).map(|i| &i.choice),
        Some(
            Choice::Treatment { .. }
                | Choice::Status { .. }
                | Choice::FindingState {
                    state: crate::workbook::FindingState::Confirmed
                        | crate::workbook::FindingState::Suggested,
                    ..
                }
        )
    )
}

/// One option.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Shown text.
    pub label: String,
    /// What it does.
    pub choice: Choice,
}

/// The open choice.
#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    /// The question.
    pub title: String,
    /// The options (at least one).
    pub items: Vec<Item>,
    /// The highlighted option.
    pub selected: usize,
}

/// Acts on the menu.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Menu(m)) = &mut app.overlay else {
        return;
    };
    match action {
        Action::MoveDown => m.selected = (m.selected + 1).min(m.items.len().saturating_sub(1)),
        Action::MoveUp => m.selected = m.selected.saturating_sub(1),
        Action::Back => {
            app.overlay = None;
        }
        Action::Quit => {
            app.overlay = None;
            app.quit = true;
        }
        Action::Submit => {
            let choice = m.items.get(m.selected).map(|i| i.choice.clone());
            app.overlay = None;
            match choice {
                Some(Choice::ResumeWalk) => walk::enter(app),
                Some(Choice::Walk { route, label }) => walk::start(app, route, label),
                Some(Choice::Bulk { devices, label }) => bulk::ask(app, &devices, &label),
                Some(Choice::Register { subject, field }) => register::edit(app, subject, field),
                Some(Choice::Treatment { subject, treatment }) => {
                    register::set_treatment(app, subject, treatment);
                }
                Some(Choice::Status { subject, status }) => {
                    let input = RiskEntryInput {
                        status: Some(status),
                        ..RiskEntryInput::default()
                    };
                    register::commit(app, &subject, &input);
                }
                Some(Choice::RemoveAttachment { id }) => evidence::ask(app, id),
                Some(Choice::VulnFinding { id }) => vulns::decide_menu(app, id),
                Some(Choice::FindingState { id, state }) => vulns::set_state(app, id, state),
                None => {}
            }
        }
        _ => {}
    }
}

/// Draws the menu.
pub fn render(app: &App, frame: &mut Frame, m: &Menu) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let widest = m
        .items
        .iter()
        .map(|i| text::width(&i.label))
        .chain(std::iter::once(text::width(&m.title)))
        .max()
        .unwrap_or(20);
    let width = u16::try_from(widest + 6)
        .unwrap_or(u16::MAX)
        .min(body.width.saturating_sub(2));
    let height = u16::try_from(m.items.len() + 2).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" {} ", text::sanitize(&m.title)),
            theme.title(),
        ));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let start = m
        .selected
        .saturating_sub(usize::from(inner.height).saturating_sub(1));
    let buf = frame.buffer_mut();
    for (n, (i, item)) in m
        .items
        .iter()
        .enumerate()
        .skip(start)
        .take(usize::from(inner.height))
        .enumerate()
    {
        let selected = i == m.selected;
        let style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        let y = inner.y + u16::try_from(n).unwrap_or(u16::MAX);
        draw_row(
            buf,
            Rect::new(inner.x, y, inner.width, 1),
            &[
                Cell::new(if selected { "›" } else { " " }, 1, style),
                Cell::new(
                    &item.label,
                    usize::from(inner.width).saturating_sub(2),
                    style,
                ),
            ],
            style,
        );
    }
}
