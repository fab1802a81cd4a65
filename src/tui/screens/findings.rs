//! The findings: every No / Partial / Unknown answer, open risks first, by risk, with owner,
//! due date and status editable in place.
//! (Being built: see issue 3.)

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::assessment::Target;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::workbook::RiskEntryInput;

/// The findings list (computed when shown, again after a change) and its cursor.
#[derive(Debug, Clone, Default)]
pub struct FindingsState {}

impl FindingsState {
    /// Marks the list out of date (after a change).
    pub fn invalidate(&mut self) {}
}

/// Acts on the findings screen.
pub fn update(app: &mut App, action: Action) {
    let _ = (app, action);
}

/// A click on body row `row`.
pub fn click(app: &mut App, row: usize) {
    let _ = (app, row);
}

/// Commits a change to a risk register entry; `true` when it was saved.
pub fn commit(app: &mut App, target: &Target, control_id: &str, input: &RiskEntryInput) -> bool {
    let _ = (app, target, control_id, input);
    false
}

/// The title line.
pub fn title(app: &App) -> (String, String) {
    let _ = app;
    ("Findings".into(), String::new())
}

/// Draws the findings.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let _ = (app, frame, area);
}
