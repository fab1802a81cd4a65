//! The `Risk Matrix` level grid of a filled copy (rows likelihood 5 → 1, columns impact 1 → 5):
//! compared with the workbook's grid cell by cell; applied only with `--with-matrix`, otherwise
//! every differing cell is listed as ignored (TEMPLATE.md "Reading a filled copy back").

use super::Ctx;
use super::report::{Report, RowLines};
use super::values;
use crate::export::layout::MATRIX_SHEET;
use crate::import::changeset::{Changeset, Origin};
use crate::risk::RiskGrid;

/// The grid the file's `Risk Matrix` holds, when it is 5 × 5 and every cell is a level.
pub(super) fn file_grid(cs: &Changeset) -> Option<RiskGrid> {
    let rows = cs.matrix.as_ref()?;
    if rows.len() != 5 || rows.iter().any(|r| r.len() != 5) {
        return None;
    }
    let mut grid = RiskGrid::default();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let level = values::level(v).ok()?;
            grid.set(5 - r as u8, c as u8 + 1, level);
        }
    }
    Some(grid)
}

/// Plans the grid; returns the new grid when `with_matrix` is set, every cell reads, and some
/// cell differs from the workbook's.
pub(super) fn plan(ctx: &Ctx<'_>, report: &mut Report) -> Option<RiskGrid> {
    let rows = ctx.cs.matrix.as_ref()?;
    let apply = ctx.opts.with_matrix;
    let sheet = Origin::Sheet {
        sheet: MATRIX_SHEET.into(),
    };
    let mut lines = RowLines::new(sheet.clone(), "level grid".to_string(), false);
    if rows.len() != 5 || rows.iter().any(|r| r.len() != 5) {
        let detail = "the level grid is not 5 × 5 (likelihood 5 → 1 down, impact 1 → 5 across)";
        if apply {
            lines.reject(&sheet, detail.to_string());
        } else {
            lines.ignore(&sheet, detail.to_string());
        }
        lines.finish(report);
        return None;
    }
    let current = ctx.data.grid;
    let mut grid = current;
    for (r, row) in rows.iter().enumerate() {
        let l = 5 - r as u8;
        for (c, v) in row.iter().enumerate() {
            let i = c as u8 + 1;
            let cell = format!("L{l} × I{i}");
            match values::level(v) {
                Err(m) if apply => lines.reject(&v.origin, format!("{cell}: {m}")),
                Err(m) => lines.ignore(&v.origin, format!("{cell}: {m}")),
                Ok(level) if level != current.level(l, i) => {
                    if apply {
                        grid.set(l, i, level);
                        lines.change(&v.origin, &cell, current.level(l, i).label(), level.label());
                    } else {
                        lines.ignore(
                            &v.origin,
                            format!(
                                "{cell}: {} → {} (add --with-matrix to apply grid edits)",
                                current.level(l, i).label(),
                                level.label()
                            ),
                        );
                    }
                }
                Ok(_) => {}
            }
        }
    }
    let rejected = lines.is_rejected();
    lines.finish(report);
    (apply && !rejected && grid != current).then_some(grid)
}
