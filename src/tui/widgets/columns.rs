//! One row of fixed-width columns. Every cell is cut or padded to its column's width in
//! terminal columns (wide characters count 2) and drawn at its own x position, so a cell with
//! odd text can never push the next column out of line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::tui::text;

/// A cell: its text (sanitised when drawn), its width in columns and its style.
#[derive(Debug, Clone)]
pub struct Cell<'a> {
    /// The text.
    pub text: &'a str,
    /// Width in terminal columns.
    pub width: usize,
    /// Style of the text (on top of the row's style).
    pub style: Style,
    /// Right-aligned (numbers).
    pub right: bool,
}

impl<'a> Cell<'a> {
    /// A left-aligned cell.
    pub fn new(text: &'a str, width: usize, style: Style) -> Cell<'a> {
        Cell {
            text,
            width,
            style,
            right: false,
        }
    }

    /// A right-aligned cell.
    pub fn right(text: &'a str, width: usize, style: Style) -> Cell<'a> {
        Cell {
            text,
            width,
            style,
            right: true,
        }
    }
}

/// Draws one row of cells separated by one space, over `row_style` filling the whole row.
pub fn draw_row(buf: &mut Buffer, area: Rect, cells: &[Cell<'_>], row_style: Style) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let row = Rect::new(area.x, area.y, area.width, 1);
    buf.set_style(row, row_style);
    let right_edge = usize::from(area.x) + usize::from(area.width);
    let mut x = usize::from(area.x);
    for cell in cells {
        if x >= right_edge {
            break;
        }
        let room = cell.width.min(right_edge - x);
        let shown = if cell.right {
            text::fit_right(cell.text, room)
        } else {
            text::fit(cell.text, room)
        };
        let x16 = u16::try_from(x).unwrap_or(u16::MAX);
        buf.set_stringn(x16, area.y, &shown, room, row_style.patch(cell.style));
        x += cell.width + 1;
    }
}

/// Splits `total` columns between flexible columns by weight (the last takes what is left).
pub fn share(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum::<usize>().max(1);
    let mut out: Vec<usize> = weights.iter().map(|w| total * w / sum).collect();
    let used: usize = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += total - used;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_text_keeps_columns_aligned() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 2));
        let s = Style::new();
        draw_row(
            &mut buf,
            Rect::new(0, 0, 20, 1),
            &[Cell::new("東芝 Aquilion", 7, s), Cell::new("X", 3, s)],
            s,
        );
        draw_row(
            &mut buf,
            Rect::new(0, 1, 20, 1),
            &[Cell::new("Dräger", 7, s), Cell::new("X", 3, s)],
            s,
        );
        assert_eq!(buf[(8, 0)].symbol(), "X");
        assert_eq!(buf[(8, 1)].symbol(), "X");
        assert_eq!(share(10, &[1, 1, 1]), vec![3, 3, 4]);
    }
}
