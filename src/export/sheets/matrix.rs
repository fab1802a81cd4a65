//! `Risk Matrix`: the likelihood and impact scales, the 5 × 5 level grid (NIST SP 800-30 Rev. 1,
//! Appendix I, Table I-2) under the defined name `RiskGrid`, and the default due dates
//! (TEMPLATE.md "Risk Matrix — scales and levels", "Default due dates").

use super::Context;
use crate::export::ExportError;
use crate::export::layout::MATRIX_SHEET;
use crate::export::xlsx::{Cell, Look, SheetRecord, SheetWriter, Value, sheet_prefix};
use crate::risk::{
    GRID, IMPACT_ANCHORS as IMPACT, LIKELIHOOD_ANCHORS as LIKELIHOOD, RiskLevel, scale_label,
};

/// Default due dates by level (days from first identification; HICP 2018 Tech Vol 2 Table 8).
const DUE: [(RiskLevel, &str, &str); 5] = [
    (
        RiskLevel::VeryHigh,
        "14 days",
        "HICP 2018 Tech Vol 2 Table 8 (critical, exposed)",
    ),
    (
        RiskLevel::High,
        "30 days",
        "Table 8; FDA 2016 postmarket guidance's 30-day window for uncontrolled risk",
    ),
    (RiskLevel::Moderate, "90 days", "Table 8"),
    (RiskLevel::Low, "180 days", "Table 8"),
    (RiskLevel::VeryLow, "none", "owner's discretion"),
];

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
pub fn write(mut w: SheetWriter<'_>, _ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    let ws = w.worksheet();
    for (col, width) in [
        (0u16, 24.0),
        (1, 44.0),
        (2, 44.0),
        (3, 34.0),
        (4, 34.0),
        (5, 14.0),
    ] {
        ws.set_column_width(col, width)
            .map_err(|e| ExportError::xlsx(MATRIX_SHEET, e))?;
    }
    ws.set_freeze_panes(1, 0)
        .map_err(|e| ExportError::xlsx(MATRIX_SHEET, e))?;

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

    write_grid(
        &mut w,
        GRID_TOP_ROW - 1,
        "Likelihood ↓ / Impact →",
        |_, _, level| Value::text(level.label()),
    )?;
    let mut row = GRID_TOP_ROW + 5;
    for note in [
        "Score = L × I (1–25), for sorting and charts. Level = lookup in the grid above (NIST SP \
         800-30 Rev. 1, Appendix I, Table I-2), named RiskGrid; it is not a function of L × I \
         (L5 × I3 = 15 is Moderate, L3 × I5 = 15 is High).",
        "Impact = the highest of the three dimensions. Uncontrolled patient-safety risk: \
         patient-safety impact 4 or more and not controlled – flagged whatever its level.",
    ] {
        row += 1;
        w.write_row(row, &[Cell::new(0, Value::text(note))])?;
    }

    row += 2;
    w.write_row(row, &header(&["Level", "Default due", "Basis"]))?;
    for (level, due, basis) in DUE {
        row += 1;
        w.write_row(
            row,
            &[
                Cell::with(0, Value::text(level.label()), Look::Level(level)),
                Cell::new(1, Value::text(due)),
                Cell::new(2, Value::text(basis)),
            ],
        )?;
    }
    Ok(w.finish())
}

/// Writes a 5 × 5 likelihood × impact grid: a header row at `top` (`title`, then impact 1–5)
/// and five rows below it, likelihood 5 down to 1, each cell coloured by its Table I-2 level
/// and holding `value(row, column, level)`. Shared by the `RiskGrid` and the Summary heat map.
pub(super) fn write_grid<'a>(
    w: &mut SheetWriter<'_>,
    top: u32,
    title: &'a str,
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
    for (r, levels) in GRID.iter().enumerate() {
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
