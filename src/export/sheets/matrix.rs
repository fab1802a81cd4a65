//! `Risk Matrix`: the likelihood and impact scales, the workbook's 5 × 5 level grid (NIST SP
//! 800-30 Rev. 1, Appendix I, Table I-2 unless edited; a note lists the cells that differ) under
//! the defined name `RiskGrid`, the scoring and "uncontrolled patient-safety risk" rules, and the
//! default due dates (TEMPLATE.md "Risk Matrix — scales and levels", "Default due dates").

use super::Context;
use crate::export::ExportError;
use crate::export::layout::MATRIX_SHEET;
use crate::export::xlsx::{Cell, Look, SheetRecord, SheetWriter, Value, sheet_prefix};
use crate::risk::{
    IMPACT_ANCHORS as IMPACT, LIKELIHOOD_ANCHORS as LIKELIHOOD, RiskGrid, RiskLevel, scale_label,
};

/// The basis of each level's default due date (TEMPLATE.md "Default due dates"); the days are
/// [`RiskLevel::default_due_days`].
fn due_basis(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::VeryHigh => "HICP 2018 Tech Vol 2 Table 8 (critical, exposed)",
        RiskLevel::High => {
            "Table 8; FDA 2016 postmarket guidance's 30-day window for uncontrolled risk"
        }
        RiskLevel::Moderate | RiskLevel::Low => "Table 8",
        RiskLevel::VeryLow => "owner's discretion",
    }
}

/// The cells where `grid` differs from NIST SP 800-30 Rev. 1 Table I-2, in words (`L5 × I3:
/// High (Table I-2: Moderate)`), rows likelihood 5 → 1, columns impact 1 → 5.
pub fn grid_changes(grid: &RiskGrid) -> Vec<String> {
    let nist = RiskGrid::default();
    let mut out = Vec::new();
    for l in (1..=5u8).rev() {
        for i in 1..=5u8 {
            let (ours, theirs) = (grid.level(l, i), nist.level(l, i));
            if ours != theirs {
                out.push(format!(
                    "L{l} × I{i}: {} (Table I-2: {})",
                    ours.label(),
                    theirs.label()
                ));
            }
        }
    }
    out
}

/// Column A of the header row above the `RiskGrid` cells (`import workbook` finds the grid by
/// it); the header's columns B–F name impact 1–5, and the five rows below it likelihood 5 → 1.
pub const GRID_TITLE: &str = "Likelihood ↓ / Impact →";

/// Row (0-based) of the grid's top row (likelihood 5); its columns are B–F (impact 1–5).
const GRID_TOP_ROW: u32 = 15;

/// The range the defined name `RiskGrid` covers: `'Risk Matrix'!$B$16:$F$20`.
pub fn grid_range() -> String {
    format!(
        "={}$B${}:$F${}",
        sheet_prefix(MATRIX_SHEET),
        GRID_TOP_ROW + 1,
        GRID_TOP_ROW + 5
    )
}

/// Writes `Risk Matrix`.
pub fn write(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    w.column_widths(&[
        (0, 24.0),
        (1, 44.0),
        (2, 44.0),
        (3, 34.0),
        (4, 34.0),
        (5, 14.0),
    ])?;
    w.freeze_panes(1, 0)?;

    let header = |texts: &[&'static str]| -> Vec<Cell<'static>> {
        texts
            .iter()
            .enumerate()
            .map(|(c, t)| Cell::with(c as u16, Value::text(t), Look::Header))
            .collect()
    };
    w.write_row(
        0,
        &header(&[
            "Likelihood (L)",
            "Level",
            "Anchor for a medical device finding",
        ]),
    )?;
    for (i, (l, anchor)) in LIKELIHOOD.iter().enumerate() {
        w.write_row(
            1 + i as u32,
            &[
                Cell::new(0, Value::Number(f64::from(*l))),
                Cell::new(1, Value::text(scale_label(*l))),
                Cell::new(2, Value::text(anchor)),
            ],
        )?;
    }
    w.autofilter(2)?;

    w.write_row(
        7,
        &header(&[
            "Impact (I)",
            "Level",
            "Patient safety",
            "PHI / data",
            "Clinical operations",
        ]),
    )?;
    for (i, (n, safety, phi, ops)) in IMPACT.iter().enumerate() {
        w.write_row(
            8 + i as u32,
            &[
                Cell::new(0, Value::Number(f64::from(*n))),
                Cell::new(1, Value::text(scale_label(*n))),
                Cell::new(2, Value::text(safety)),
                Cell::new(3, Value::text(phi)),
                Cell::new(4, Value::text(ops)),
            ],
        )?;
    }

    let grid = &ctx.data.grid;
    write_grid(&mut w, GRID_TOP_ROW - 1, GRID_TITLE, grid, |_, _, level| {
        Value::text(level.label())
    })?;
    // The grid's cells are also coloured by their content, so an edited cell takes its colour.
    w.level_colours_range(GRID_TOP_ROW, 1, GRID_TOP_ROW + 4, 5)?;
    let changes = grid_changes(grid);
    let grid_note = if changes.is_empty() {
        "This grid is NIST SP 800-30 Rev. 1, Appendix I, Table I-2.".to_string()
    } else {
        format!(
            "This workbook's grid differs from NIST SP 800-30 Rev. 1 Table I-2 in {} of 25 \
             cells: {}. Levels, due dates and counts in this export use this grid.",
            changes.len(),
            changes.join("; ")
        )
    };
    let notes = [
        grid_note,
        "Score = L × I (1–25), for sorting and charts. Level = lookup in the grid above, named \
         RiskGrid (rows likelihood 5 → 1, columns impact 1 → 5); Table I-2 is not a function of \
         L × I (L5 × I3 = 15 is Moderate, L3 × I5 = 15 is High)."
            .to_string(),
        "Impact = the highest of the three dimensions (patient safety, PHI / data, clinical \
         operations)."
            .to_string(),
        "Uncontrolled patient-safety risk: patient-safety impact 4 or more (the Patient-Safety \
         Impact column of the Risk Register) and the risk not controlled (still open, and no \
         residual rating of Low or Very Low) – flagged whatever its level (FDA postmarket \
         framing)."
            .to_string(),
        "Open risk = status Open or In Progress; heat maps, top ten and counts use open risks \
         on their inherent rating."
            .to_string(),
    ];
    let mut row = GRID_TOP_ROW + 5;
    for note in notes {
        row += 1;
        w.write_row(row, &[Cell::new(0, Value::string(note))])?;
    }

    row += 2;
    w.write_row(row, &header(&["Level", "Default due", "Basis"]))?;
    for level in RiskLevel::ALL {
        row += 1;
        let due = level
            .default_due_days()
            .map_or_else(|| "none".to_string(), |d| format!("{d} days"));
        w.write_row(
            row,
            &[
                Cell::with(0, Value::text(level.label()), Look::Level(level)),
                Cell::new(1, Value::string(due)),
                Cell::new(2, Value::text(due_basis(level))),
            ],
        )?;
    }
    row += 1;
    w.write_row(
        row,
        &[Cell::new(
            0,
            Value::text(
                "Counted from the date the finding was first identified; editable per risk \
                 (Due Date on Risk Register).",
            ),
        )],
    )?;
    Ok(w.finish())
}

/// Writes a 5 × 5 likelihood × impact grid: a header row at `top` (`title`, then impact 1–5)
/// and five rows below it, likelihood 5 down to 1, each cell coloured by its level in `grid`
/// and holding `value(row, column, level)` (row 0 = likelihood 5, column 0 = impact 1). Shared
/// by the `RiskGrid` and the Summary heat map.
pub(super) fn write_grid<'a>(
    w: &mut SheetWriter<'_>,
    top: u32,
    title: &'a str,
    grid: &RiskGrid,
    value: impl Fn(usize, usize, RiskLevel) -> Value<'a>,
) -> Result<(), ExportError> {
    let mut head = vec![Cell::with(0, Value::text(title), Look::Header)];
    for i in 1..=5u8 {
        head.push(Cell::with(
            u16::from(i),
            Value::string(format!("{i} {}", scale_label(i))),
            Look::Header,
        ));
    }
    w.write_row(top, &head)?;
    for (r, levels) in grid.cells.iter().enumerate() {
        let l = 5 - r as u8;
        let mut cells = vec![Cell::with(
            0,
            Value::string(format!("{l} {}", scale_label(l))),
            Look::Bold,
        )];
        for (c, level) in levels.iter().enumerate() {
            cells.push(Cell::with(
                1 + c as u16,
                value(r, c, *level),
                Look::Level(*level),
            ));
        }
        w.write_row(top + 1 + r as u32, &cells)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_changes_name_each_edited_cell_against_table_i2() {
        let mut grid = RiskGrid::default();
        assert!(grid_changes(&grid).is_empty());
        grid.set(3, 4, RiskLevel::High);
        grid.set(1, 5, RiskLevel::Moderate);
        assert_eq!(
            grid_changes(&grid),
            [
                "L3 × I4: High (Table I-2: Moderate)",
                "L1 × I5: Moderate (Table I-2: Low)"
            ]
        );
        // Setting a cell back to its Table I-2 level is no change.
        grid.set(3, 4, RiskLevel::Moderate);
        assert_eq!(grid_changes(&grid).len(), 1);
    }

    #[test]
    fn due_table_follows_the_levels() {
        let rows: Vec<(Option<u32>, &str)> = RiskLevel::ALL
            .iter()
            .map(|l| (l.default_due_days(), due_basis(*l)))
            .collect();
        assert_eq!(
            rows[0],
            (Some(14), "HICP 2018 Tech Vol 2 Table 8 (critical, exposed)")
        );
        assert!(rows[1].1.contains("FDA 2016"));
        assert_eq!(rows[4], (None, "owner's discretion"));
        assert_eq!(grid_range(), "='Risk Matrix'!$B$16:$F$20");
    }
}
