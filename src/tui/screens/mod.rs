//! The full-screen views: each file holds one screen's key handling and drawing, plus the
//! pieces screens share (the device list's search and filters, bulk answers, a finding's risk
//! register entry: `register` edits it, `finding` puts it into words).

pub mod bulk;
pub mod checklist;
pub mod dashboard;
pub mod detail;
pub mod device_list;
pub mod devices;
pub mod evidence;
pub mod finding;
pub mod findings;
pub mod findings_table;
pub mod register;
pub mod todo;
pub mod vulns;
pub mod walk;

use crate::tui::app::{App, Screen};

/// Where the cursor goes after a control was answered: in a walkthrough to the next control
/// still unanswered (on this or the next device), on the checklist to the next control.
pub fn after_answer(app: &mut App) {
    if app.screen == Screen::Walk {
        walk::advance(app, true);
    } else {
        let last = app.outline.controls.len().saturating_sub(1);
        app.control_cursor.selected = (app.control_cursor.selected + 1).min(last);
        checklist::keep_in_view(app);
    }
}
