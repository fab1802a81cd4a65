//! The dashboard: progress per step, counts per response, the 5×5 heat map of likelihood ×
//! impact, the ten highest risks and the devices not yet started.
//! (Being built: see issue 3.)

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::action::Action;
use crate::tui::app::App;

/// The dashboard's figures (computed when shown, again after a change) and its scroll.
#[derive(Debug, Clone, Default)]
pub struct DashboardState {}

impl DashboardState {
    /// Marks the figures out of date (after a change).
    pub fn invalidate(&mut self) {}
}

/// Acts on the dashboard.
pub fn update(app: &mut App, action: Action) {
    let _ = (app, action);
}

/// The title line.
pub fn title(app: &App) -> (String, String) {
    let _ = app;
    ("Dashboard".into(), String::new())
}

/// Draws the dashboard.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let _ = (app, frame, area);
}
