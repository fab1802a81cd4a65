//! `Risk Matrix` → the 5 × 5 level grid (`RiskGrid`; TEMPLATE.md "Risk Matrix"), found by its
//! title cell ([`GRID_TITLE`] in column A) rather than by row number, so rows inserted above it
//! do not move it. The grid's labels are checked (impact `1 Very Low` … `5 Very High` across,
//! likelihood `5 Very High` … `1 Very Low` down), so a rearranged grid is never read as another
//! one. The level names are read as text; the planner checks them and applies them only with
//! `--with-matrix`, so a grid that cannot be read is listed as ignored, not as a problem.

use super::cells::{SheetView, cell_text};
use super::header::fold;
use crate::export::GRID_TITLE;
use crate::import::changeset::{Changeset, Ignored, Value};
use crate::import::sheet::Row;
use crate::risk::scale_label;

/// Reads the grid into `out.matrix` (rows likelihood 5 → 1, columns impact 1 → 5), or lists why
/// it could not in `out.ignored`.
pub(super) fn read(view: &SheetView<'_>, out: &mut Changeset) {
    match grid(view) {
        Ok(grid) => out.matrix = Some(grid),
        Err(ignored) => out.ignored.push(ignored),
    }
}

fn text_of(row: &Row, col: usize) -> String {
    cell_text(row.get(col)).unwrap_or_else(|code| code)
}

fn grid(view: &SheetView<'_>) -> Result<Vec<Vec<Value>>, Ignored> {
    let rows = &view.content.rows;
    let title = fold(GRID_TITLE);
    let Some(top) = rows.iter().position(|r| fold(&text_of(r, 0)) == title) else {
        return Err(Ignored {
            origin: view.sheet(),
            reason: format!(
                "the level grid was not found (no row starts with \"{GRID_TITLE}\"); the grid is left as it is"
            ),
        });
    };
    let head = rows.get(top).ok_or_else(|| Ignored {
        origin: view.sheet(),
        reason: "the level grid was not found".to_string(),
    })?;
    let mislabelled = |row: usize, col: usize, label: String| Ignored {
        origin: view.cell(row, col),
        reason: format!(
            "the level grid is not laid out as exported (\"{label}\" expected here); the grid is left as it is"
        ),
    };
    for impact in 1..=5u8 {
        let col = usize::from(impact);
        let label = format!("{impact} {}", scale_label(impact));
        if fold(&text_of(head, col)) != fold(&label) {
            return Err(mislabelled(head.number, col, label));
        }
    }
    let mut grid = Vec::with_capacity(5);
    for (i, likelihood) in (1..=5u8).rev().enumerate() {
        let number = head.number + 1 + i;
        let label = format!("{likelihood} {}", scale_label(likelihood));
        let row = rows
            .get(top + 1..)
            .and_then(|rest| rest.iter().find(|r| r.number == number))
            .filter(|r| fold(&text_of(r, 0)) == fold(&label))
            .ok_or_else(|| mislabelled(number, 0, label))?;
        grid.push((1..=5).map(|col| view.derived(row, col)).collect());
    }
    Ok(grid)
}
