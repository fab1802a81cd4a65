//! The status line: a transient message on the left; the workbook's file name, `encrypted` and
//! the save state on the right.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::{App, SaveState};
use crate::tui::text;

/// Draws the status line into `area` (one row).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let save = match &app.save {
        SaveState::Saved => "saved",
        SaveState::Saving => "saving…",
        SaveState::Failed(_) => "NOT SAVED",
    };
    // On a narrow terminal a message needs the room more than the file name does.
    let narrow = area.width < 110 && (app.message.is_some() || app.list.search.is_some());
    let mut right = if narrow {
        format!("encrypted · {save}")
    } else {
        format!("{} · encrypted · {save}", text::sanitize(&app.file_name))
    };
    if !app.mouse_capture {
        right = format!("mouse off · {right}");
    }
    let width = usize::from(area.width);
    let right = text::truncate(&right, width);
    let right_width = text::width(&right);
    let room = width.saturating_sub(right_width + 1);
    let (message, style) = match (&app.message, &app.save) {
        (Some(m), _) => (
            m.text.as_str(),
            if m.error { theme.error() } else { theme.info() },
        ),
        (None, SaveState::Failed(e)) => (e.as_str(), theme.error()),
        (None, _) => ("", theme.dim()),
    };
    if let Some(field) = &app.list.search
        && app.overlay.is_none()
    {
        // The search line: what is typed, with the cursor, and how many devices match.
        let count = match app.list.view.len() {
            1 => "  1 match".to_string(),
            n => format!("  {n} matches"),
        };
        let cols = room.saturating_sub(text::width(&count) + 2).max(4);
        let (line, col) = field.line(cols);
        let cursor_x = area.x + 1 + u16::try_from(col).unwrap_or(u16::MAX);
        let mut spans = vec![
            Span::styled("/", theme.key()),
            Span::raw(text::fit(&line, cols)),
            Span::styled(count.clone(), theme.dim()),
        ];
        let used = 1 + cols + text::width(&count);
        spans.push(Span::raw(
            " ".repeat(width.saturating_sub(used + right_width)),
        ));
        spans.push(Span::styled(right, theme.dim()));
        frame.render_widget(Line::from(spans), area);
        let p = ratatui::layout::Position::new(cursor_x, area.y);
        if area.contains(p) {
            frame.set_cursor_position(p);
        }
        return;
    }
    let left = text::fit(message, room);
    let save_style = match app.save {
        SaveState::Failed(_) => theme.error(),
        _ => theme.dim(),
    };
    let mut spans = vec![Span::styled(left, style)];
    if room > 0 {
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(right, save_style));
    frame.render_widget(Line::from(spans), area);
}
