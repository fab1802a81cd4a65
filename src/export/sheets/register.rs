//! `Risk Register` (interim): one row per confirmed No, Partial or Unknown answer, in PRODUCT.md
//! order, all `Open`. The stored register of a later issue replaces [`write`]'s row source; the
//! columns are already those of TEMPLATE.md.

use super::{Context, level_formula, score_formula};
use crate::export::ExportError;
use crate::export::counts::Finding;
use crate::export::layout::{REGISTER_COLUMNS, reg, step_label};
use crate::export::xlsx::{Cell, SheetRecord, SheetWriter, Value, cell_ref};

/// The status of every interim register entry.
pub const OPEN: &str = "Open";

/// Writes the register.
pub fn write(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    w.table(&REGISTER_COLUMNS, 2)?;
    w.level_colours(reg::LEVEL)?;
    w.level_colours(reg::RESIDUAL_LEVEL)?;
    for (n, f) in ctx.findings.iter().enumerate() {
        let row = u32::try_from(n + 1).unwrap_or(u32::MAX);
        w.write_row(row, &cells(n + 1, f, row))?;
    }
    w.autofilter(reg::OVERDUE)?;
    Ok(w.finish())
}

/// `R-0001`, numbered in register order.
pub fn risk_id(n: usize) -> String {
    format!("R-{n:04}")
}

fn cells<'a>(n: usize, f: &Finding<'a>, row: u32) -> Vec<Cell<'a>> {
    let r = &f.row;
    let at = |col| cell_ref(row, col);
    let mut out = vec![
        Cell::new(0, Value::string(risk_id(n))),
        Cell::new(1, Value::string(r.target_id())),
        Cell::new(2, Value::string(step_label(r.step.number, &r.step.name))),
        Cell::new(3, Value::text(&r.control.id)),
        Cell::new(
            4,
            Value::string(format!("{} – {}", r.control.title, f.response.label())),
        ),
        Cell::new(reg::IMPACT, Value::opt_number(f.impact)),
        Cell::new(reg::LIKELIHOOD, Value::opt_number(f.likelihood)),
        Cell::new(
            reg::SCORE,
            score_formula(&at(reg::IMPACT), &at(reg::LIKELIHOOD), f.score()),
        ),
        Cell::new(
            reg::LEVEL,
            level_formula(
                &at(reg::SCORE),
                &at(reg::LIKELIHOOD),
                &at(reg::IMPACT),
                f.level(),
            ),
        ),
        Cell::new(reg::STATUS, Value::text(OPEN)),
        Cell::new(
            reg::RESIDUAL_SCORE,
            score_formula(
                &at(reg::RESIDUAL_LIKELIHOOD),
                &at(reg::RESIDUAL_IMPACT),
                None,
            ),
        ),
        Cell::new(
            reg::RESIDUAL_LEVEL,
            level_formula(
                &at(reg::RESIDUAL_SCORE),
                &at(reg::RESIDUAL_LIKELIHOOD),
                &at(reg::RESIDUAL_IMPACT),
                None,
            ),
        ),
        // No treatment and no due date yet: neither expired nor overdue.
        Cell::new(reg::EXPIRED, Value::text("No")),
        Cell::new(reg::OVERDUE, Value::text("No")),
    ];
    out.sort_by_key(|c| c.col);
    out
}
