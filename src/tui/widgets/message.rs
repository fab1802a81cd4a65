//! A block of explaining text (an empty list, a question, what to do next), word-wrapped inside
//! its area with a margin.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Text};
use ratatui::widgets::{Paragraph, Wrap};

/// Draws `lines` word-wrapped into `area` less `left` and `right` columns and `top` rows.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line<'_>>,
    left: u16,
    right: u16,
    top: u16,
) {
    let inner = Rect {
        x: area.x + left.min(area.width),
        width: area.width.saturating_sub(left + right),
        y: area.y + top.min(area.height),
        height: area.height.saturating_sub(top),
    };
    frame.render_widget(
        Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false }),
        inner,
    );
}
