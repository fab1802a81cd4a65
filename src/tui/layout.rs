//! Where things go on the screen. Shared by `render` (to draw) and `update` (to know how many
//! rows a page is), so scrolling and drawing always agree.

use ratatui::layout::Rect;

/// Narrowest terminal the TUI draws into; below it a "terminal too small" notice is shown.
pub const MIN_WIDTH: u16 = 40;
/// Lowest terminal the TUI draws into.
pub const MIN_HEIGHT: u16 = 12;
/// From this width on, the checklist's detail pane goes beside the list instead of below it.
pub const WIDE: u16 = 120;

/// Whether the area is below 40×12.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The frame of every screen: a title line, the body, the status line and the hint bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chrome {
    /// Top line: what is shown.
    pub title: Rect,
    /// The screen's content.
    pub body: Rect,
    /// Workbook, encryption, save state and messages.
    pub status: Rect,
    /// Keys of the screen.
    pub hints: Rect,
}

/// Splits the terminal area into the [`Chrome`].
pub fn chrome(area: Rect) -> Chrome {
    let line = |y: u16| Rect::new(area.x, y, area.width, 1.min(area.height));
    let body_height = area.height.saturating_sub(3);
    Chrome {
        title: line(area.y),
        body: Rect::new(area.x, area.y + 1.min(area.height), area.width, body_height),
        status: line(area.y + area.height.saturating_sub(2)),
        hints: line(area.y + area.height.saturating_sub(1)),
    }
}

/// Rows of devices that fit under the table's heading.
pub fn device_rows(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(1))
}

/// The checklist body: the control list and the detail pane of the selected control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecklistLayout {
    /// The list of steps and controls.
    pub list: Rect,
    /// The selected control's question, evidence, note and rating.
    pub detail: Rect,
    /// Detail beside the list (wide terminals) rather than below it.
    pub beside: bool,
}

/// Splits the checklist body: detail below the list up to 119 columns, beside it from 120.
pub fn checklist(body: Rect) -> ChecklistLayout {
    if body.width >= WIDE {
        let list_width = (body.width * 45 / 100).clamp(60, 90);
        ChecklistLayout {
            list: Rect::new(body.x, body.y, list_width, body.height),
            detail: Rect::new(
                body.x + list_width,
                body.y,
                body.width - list_width,
                body.height,
            ),
            beside: true,
        }
    } else {
        let detail_height = (body.height / 2).min(10);
        let list_height = body.height - detail_height;
        ChecklistLayout {
            list: Rect::new(body.x, body.y, body.width, list_height),
            detail: Rect::new(body.x, body.y + list_height, body.width, detail_height),
            beside: false,
        }
    }
}

/// A centred popup of at most `width` × `height`, kept inside `area`.
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Where a cursor at `selected` goes on a move action in a list whose last index is `last`,
/// `page` rows per page; `None` for any other action.
pub fn moved(
    action: &crate::tui::action::Action,
    selected: usize,
    last: usize,
    page: usize,
) -> Option<usize> {
    use crate::tui::action::Action;
    Some(match action {
        Action::MoveDown => (selected + 1).min(last),
        Action::MoveUp => selected.saturating_sub(1),
        Action::PageDown => (selected + page).min(last),
        Action::PageUp => selected.saturating_sub(page),
        Action::First => 0,
        Action::Last => last,
        _ => return None,
    })
}

/// The first row to show so that rows `first..=last` are visible in `height` rows, moving the
/// previous `offset` as little as possible.
pub fn scroll(offset: usize, first: usize, last: usize, height: usize) -> usize {
    let height = height.max(1);
    let mut offset = offset;
    if last >= offset + height {
        offset = last + 1 - height;
    }
    if first < offset {
        offset = first;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_fit_80x24_and_wide() {
        let c = chrome(Rect::new(0, 0, 80, 24));
        assert_eq!(
            (c.title.y, c.body.y, c.body.height, c.status.y, c.hints.y),
            (0, 1, 21, 22, 23)
        );
        let l = checklist(c.body);
        assert!(!l.beside);
        assert_eq!((l.list.height, l.detail.height), (11, 10));
        let l = checklist(chrome(Rect::new(0, 0, 160, 48)).body);
        assert!(l.beside);
        assert_eq!(l.list.width + l.detail.width, 160);
        // Degenerate sizes never underflow.
        let c = chrome(Rect::new(0, 0, 1, 1));
        assert_eq!(c.body.height, 0);
        let _ = checklist(c.body);
        let _ = popup(Rect::new(0, 0, 1, 1), 50, 10);
    }

    #[test]
    fn scrolling_moves_as_little_as_possible() {
        assert_eq!(scroll(0, 5, 5, 10), 0);
        assert_eq!(scroll(0, 12, 12, 10), 3);
        assert_eq!(scroll(3, 1, 2, 10), 1);
        assert_eq!(scroll(3, 4, 5, 10), 3);
    }
}
