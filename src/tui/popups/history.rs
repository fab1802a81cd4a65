//! The history popup: the audit trail of one device (`H` on Devices) or of one control's answer,
//! risk entry and evidence on one device (`H` on the Checklist and in the walkthrough), newest
//! first — who changed what and when. Read once when opened; scrolls like the help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use crate::device::fields::printable;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::workbook::AuditFilter;

/// Field changes shown per entry; the rest are counted (`medsec log` lists them all).
pub const CHANGES_PER_ENTRY: usize = 8;

/// One row of the popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryRow {
    /// An entry's heading: when (UTC, to the minute), who, what.
    Entry {
        /// `2026-11-29 22:14`.
        at: String,
        /// The assessor name.
        actor: String,
        /// The entry's summary.
        summary: String,
    },
    /// One field change of the entry above, or a count of those not shown.
    Change(String),
}

/// The open history popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryView {
    /// `History · DEV-0003` or `History · DEV-0003 ENC-01`.
    pub title: String,
    /// The rows, newest entry first.
    pub rows: Vec<HistoryRow>,
    /// First row shown.
    pub scroll: usize,
}

/// Opens the history of the device under the cursor of the device list.
pub fn open_device(app: &mut App) {
    let Some(device) = app.selected_device() else {
        app.error("no device selected");
        return;
    };
    let (uuid, short) = (device.uuid.clone(), device.short_id());
    open(
        app,
        short,
        AuditFilter {
            device: Some(uuid),
            control: None,
        },
    );
}

/// Opens the history of the selected control on the device of the Checklist or walkthrough.
pub fn open_answer(app: &mut App) {
    let (Some(device), Some(control)) = (app.current_device(), app.current_control()) else {
        app.error("no control selected");
        return;
    };
    let (uuid, short) = (device.uuid.clone(), device.short_id());
    open(
        app,
        format!("{short} {}", control.id),
        AuditFilter {
            device: Some(uuid),
            control: Some(control.id.to_string()),
        },
    );
}

fn open(app: &mut App, subject: String, filter: AuditFilter) {
    let entries = match app.workbook.audit_entries(&filter) {
        Ok(e) => e,
        Err(e) => {
            app.error(format!("history: {e}"));
            return;
        }
    };
    let mut rows = Vec::new();
    for e in entries.iter().rev() {
        rows.push(HistoryRow::Entry {
            at: e.at.replace('T', " ").chars().take(16).collect(),
            actor: if e.actor.is_empty() {
                "(no assessor name)".to_string()
            } else {
                printable(&e.actor)
            },
            summary: printable(&e.summary),
        });
        let changes: Vec<_> = e.changes.iter().filter(|c| filter.selects(c)).collect();
        for c in changes.iter().take(CHANGES_PER_ENTRY) {
            // The popup's title names the device (and control): each line says the rest.
            let t = c.text();
            let short = t
                .strip_prefix(subject.as_str())
                .map(|rest| rest.trim_start().to_string())
                .filter(|rest| !rest.is_empty())
                .unwrap_or(t);
            rows.push(HistoryRow::Change(short));
        }
        if changes.len() > CHANGES_PER_ENTRY {
            rows.push(HistoryRow::Change(format!(
                "… and {} more (medsec log lists all)",
                changes.len() - CHANGES_PER_ENTRY
            )));
        }
    }
    app.overlay = Some(Overlay::History(Box::new(HistoryView {
        title: format!("History · {subject}"),
        rows,
        scroll: 0,
    })));
}

/// The popup's frame and inside at this terminal size.
fn geometry(size: Rect) -> (Rect, Rect) {
    let body = layout::chrome(size).body;
    let width = body.width.saturating_sub(4).min(120);
    let popup = layout::popup(body, width, body.height.saturating_sub(2));
    (popup, Block::new().borders(Borders::ALL).inner(popup))
}

/// Scrolls or closes the popup.
pub fn update(app: &mut App, action: Action) {
    let size = app.size;
    let Some(Overlay::History(view)) = &mut app.overlay else {
        return;
    };
    let page = usize::from(geometry(size).1.height).max(1);
    let max = view.rows.len().saturating_sub(page);
    view.scroll = match action {
        Action::Back | Action::Quit => {
            app.overlay = None;
            return;
        }
        Action::MoveDown => view.scroll + 1,
        Action::MoveUp => view.scroll.saturating_sub(1),
        Action::PageDown => view.scroll + page,
        Action::PageUp => view.scroll.saturating_sub(page),
        Action::First => 0,
        Action::Last => max,
        _ => return,
    }
    .min(max);
}

/// Draws the popup.
pub fn render(app: &App, frame: &mut Frame, view: &HistoryView) {
    let theme = app.theme;
    let (popup, inner) = geometry(frame.area());
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let height = usize::from(inner.height);
    let more = if view.scroll + height < view.rows.len() {
        " ↓ more "
    } else {
        ""
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(format!(" {} ", view.title), theme.title()))
        .title_bottom(Line::from(more).right_aligned());
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let width = usize::from(inner.width);
    let buf = frame.buffer_mut();
    if view.rows.is_empty() {
        let area = Rect::new(inner.x, inner.y, inner.width, 1);
        draw_row(
            buf,
            area,
            &[Cell::new("No changes recorded yet.", width, theme.dim())],
            Default::default(),
        );
        return;
    }
    for (r, row) in view.rows.iter().skip(view.scroll).take(height).enumerate() {
        let y = inner.y + u16::try_from(r).unwrap_or(u16::MAX);
        let area = Rect::new(inner.x, y, inner.width, 1);
        match row {
            HistoryRow::Entry { at, actor, summary } => {
                let who = text::width(actor).min(24);
                draw_row(
                    buf,
                    area,
                    &[
                        Cell::new(at, 17, theme.dim()),
                        Cell::new(actor, who + 2, theme.key()),
                        Cell::new(summary, width.saturating_sub(19 + who), theme.title()),
                    ],
                    Default::default(),
                );
            }
            HistoryRow::Change(t) => draw_row(
                buf,
                area,
                &[
                    Cell::new("", 4, Default::default()),
                    Cell::new(t, width.saturating_sub(4), Default::default()),
                ],
                Default::default(),
            ),
        }
    }
}
