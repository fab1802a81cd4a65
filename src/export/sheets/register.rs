//! `Risk Register` (interim): one row per confirmed No, Partial or Unknown answer, in PRODUCT.md
//! order (open ones first), with the owner, due date and status stored on its register entry.
//! Treatment, residual rating and acceptance come with the complete register (issue 4); the
//! columns are already those of TEMPLATE.md.

use super::{Context, level_formula, score_formula};
use crate::export::ExportError;
use crate::export::counts::Finding;
use crate::export::layout::{REGISTER_COLUMNS, reg, step_label};
use crate::export::xlsx::{Cell, SheetRecord, SheetWriter, Value, cell_ref};

/// Writes the register.
pub fn write(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    w.table(&REGISTER_COLUMNS, 2)?;
    w.level_colours(reg::LEVEL)?;
    w.level_colours(reg::RESIDUAL_LEVEL)?;
    for (n, f) in ctx.findings.iter().enumerate() {
        let row = u32::try_from(n + 1).unwrap_or(u32::MAX);
        w.write_row(row, &cells(n + 1, f, row, ctx.data.as_of))?;
    }
    w.autofilter(reg::OVERDUE)?;
    Ok(w.finish())
}

/// `R-0001`, numbered in register order.
pub fn risk_id(n: usize) -> String {
    format!("R-{n:04}")
}

fn cells<'a>(n: usize, f: &Finding<'a>, row: u32, as_of: chrono::NaiveDate) -> Vec<Cell<'a>> {
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
        Cell::new(reg::OWNER, Value::string(f.entry.owner.clone())),
        Cell::new(reg::DUE_DATE, Value::opt_date(f.entry.due_date)),
        Cell::new(reg::STATUS, Value::text(f.entry.status.label())),
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
        // No treatment yet: never an expired acceptance.
        Cell::new(reg::EXPIRED, Value::text("No")),
        Cell::new(
            reg::OVERDUE,
            Value::text(if f.is_overdue(as_of) { "Yes" } else { "No" }),
        ),
    ];
    out.sort_by_key(|c| c.col);
    out
}
