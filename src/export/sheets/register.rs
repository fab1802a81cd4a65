//! `Risk Register`: one row per finding of `risk::register` (a confirmed No, Partial or Unknown
//! answer; a model or site finding once), in PRODUCT.md order (open first), in the 27 columns of
//! TEMPLATE.md "Risk Register". Impact (when it is the highest of the dimensions), the scores and
//! the levels are formulas carrying the app's own numbers as cached results; everything else is
//! a value, dates as Excel dates.

use super::{Context, level_formula, score_formula};
use crate::export::ExportError;
use crate::export::layout::{REGISTER_COLUMNS, reg, step_label};
use crate::export::xlsx::{Cached, Cell, SheetRecord, SheetWriter, Value, cell_ref};
use crate::risk::register::Finding;

/// Writes the register.
pub fn write(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    // Frozen at C2: Risk ID and Device ID stay in view.
    w.table(&REGISTER_COLUMNS, 2)?;
    w.level_colours(reg::LEVEL)?;
    w.level_colours(reg::RESIDUAL_LEVEL)?;
    for (n, f) in ctx.findings.iter().enumerate() {
        let row = u32::try_from(n + 1).unwrap_or(u32::MAX);
        w.write_row(row, &cells(f, row, ctx))?;
    }
    w.autofilter(reg::OVERDUE)?;
    Ok(w.finish())
}

/// Visits the cells of one register row as the export writes them (column 0-based, value), so
/// an import can tell which derived cells of a filled copy differ from what the app writes.
/// `row` is the 0-based sheet row its formulas refer to.
pub(crate) fn visit_row(
    f: &Finding<'static>,
    row: u32,
    ctx: &Context<'_>,
    visit: &mut dyn FnMut(u16, &Value<'_>),
) {
    for cell in cells(f, row, ctx) {
        visit(cell.col, &cell.value);
    }
}

/// `Yes`, or blank (the Expired and Overdue columns).
fn yes(flag: bool) -> Value<'static> {
    if flag {
        Value::text("Yes")
    } else {
        Value::Empty
    }
}

/// Column I: `=IF(COUNT(F:H)=0,"",MAX(F:H))` when a dimension is shown and the highest of them
/// is the finding's impact; otherwise the impact as a value (rated as one number, or a default
/// computed from device fields that have changed since, which the dimensions no longer give).
fn impact(f: &Finding<'_>, row: u32) -> Value<'static> {
    let highest = f.dimension_impacts.iter().flatten().max().copied();
    match (highest, f.impact) {
        (Some(h), Some(i)) if h == i => {
            let first = cell_ref(row, reg::SAFETY_IMPACT);
            let last = cell_ref(row, reg::OPERATIONS_IMPACT);
            Value::Formula(
                format!(r#"=IF(COUNT({first}:{last})=0,"",MAX({first}:{last}))"#),
                Cached::Number(f64::from(i)),
            )
        }
        (_, i) => Value::opt_number(i),
    }
}

/// The cells of one register row (`row` is 0-based; formulas refer to its own cells).
fn cells<'a>(f: &'a Finding<'static>, row: u32, ctx: &Context<'_>) -> Vec<Cell<'a>> {
    let at = |col| cell_ref(row, col);
    let e = &f.entry;
    let as_of = ctx.data.as_of;
    let step = ctx
        .data
        .catalog
        .steps
        .get(f.step)
        .map_or(Value::Empty, |s| {
            Value::string(step_label(s.number, &s.name))
        });
    let [safety, phi, operations] = f.dimension_impacts;
    let values: [(u16, Value<'a>); 27] = [
        (
            reg::RISK_ID,
            e.risk_id().map_or(Value::Empty, Value::string),
        ),
        (reg::DEVICE_ID, Value::string(ctx.target_id(f))),
        (reg::STEP, step),
        (reg::SOURCE, Value::string(f.source())),
        (reg::DESCRIPTION, Value::string(f.description())),
        (reg::SAFETY_IMPACT, Value::opt_number(safety)),
        (reg::PHI_IMPACT, Value::opt_number(phi)),
        (reg::OPERATIONS_IMPACT, Value::opt_number(operations)),
        (reg::IMPACT, impact(f, row)),
        (reg::LIKELIHOOD, Value::opt_number(f.likelihood)),
        (
            reg::SCORE,
            score_formula(&at(reg::LIKELIHOOD), &at(reg::IMPACT), f.score()),
        ),
        (
            reg::LEVEL,
            level_formula(
                &at(reg::SCORE),
                &at(reg::LIKELIHOOD),
                &at(reg::IMPACT),
                f.level(),
            ),
        ),
        (
            reg::TREATMENT,
            e.treatment.map_or(Value::Empty, |t| Value::text(t.label())),
        ),
        (reg::PLANNED_ACTIONS, Value::text(&e.planned_actions)),
        (reg::OWNER, Value::text(&e.owner)),
        (reg::DUE_DATE, Value::opt_date(f.due_date())),
        (reg::STATUS, Value::text(e.status.label())),
        (
            reg::RESIDUAL_LIKELIHOOD,
            Value::opt_number(e.residual_likelihood),
        ),
        (reg::RESIDUAL_IMPACT, Value::opt_number(e.residual_impact)),
        (
            reg::RESIDUAL_SCORE,
            score_formula(
                &at(reg::RESIDUAL_LIKELIHOOD),
                &at(reg::RESIDUAL_IMPACT),
                f.residual_score(),
            ),
        ),
        (
            reg::RESIDUAL_LEVEL,
            level_formula(
                &at(reg::RESIDUAL_SCORE),
                &at(reg::RESIDUAL_LIKELIHOOD),
                &at(reg::RESIDUAL_IMPACT),
                f.residual_level(),
            ),
        ),
        (reg::ACCEPTED_BY, Value::text(&e.accepted_by)),
        (reg::ACCEPTANCE_NOTE, Value::text(&e.acceptance_note)),
        (reg::ACCEPTED_ON, Value::opt_date(e.accepted_on)),
        (reg::REVIEW_DATE, Value::opt_date(e.review_date)),
        (reg::EXPIRED, yes(f.is_expired(as_of))),
        (reg::OVERDUE, yes(f.is_overdue(as_of))),
    ];
    values
        .into_iter()
        .map(|(col, value)| Cell::new(col, value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Answer, AnswerSet, Response, Target};
    use crate::catalog::catalog;
    use crate::device::Device;
    use crate::risk::RiskGrid;
    use crate::risk::register::{EntryIndex, findings};

    fn finding(answer: Answer) -> Option<Finding<'static>> {
        let device = Device {
            id: 1,
            number: 1,
            ..Device::default()
        };
        let mut set = AnswerSet::default();
        set.insert(&Target::Device(1), answer);
        findings(
            catalog(),
            &[device],
            &set,
            &EntryIndex::default(),
            &RiskGrid::default(),
        )
        .into_iter()
        .next()
    }

    fn no(control: &str, likelihood: u8, impact: u8) -> Answer {
        Answer {
            control_id: control.into(),
            response: Some(Response::No),
            likelihood: Some(likelihood),
            impact: Some(impact),
            ..Answer::default()
        }
    }

    #[test]
    fn impact_is_the_max_formula_only_when_the_dimensions_give_it() {
        // Rated per dimension: =MAX with the highest cached.
        let rated = finding(Answer {
            dimension_impacts: [Some(2), Some(4), Some(3)],
            ..no("ACC-01", 3, 4)
        });
        let v = rated.as_ref().map(|f| impact(f, 1));
        assert_eq!(
            v,
            Some(Value::Formula(
                r#"=IF(COUNT(F2:H2)=0,"",MAX(F2:H2))"#.into(),
                Cached::Number(4.0)
            ))
        );
        // Rated as one number: the dimensions stay blank and Impact is a value.
        let single = finding(no("ACC-01", 3, 2));
        assert_eq!(
            single.as_ref().map(|f| (f.dimension_impacts, impact(f, 1))),
            Some(([None; 3], Value::Number(2.0)))
        );
        // A default impact stored when the device's fields said 5; they now give 3 on each
        // dimension ENC affects (PHI): the stored impact stays, as a value, not a MAX of 3.
        let stale = finding(Answer {
            impact_default: true,
            ..no("ENC-01", 3, 5)
        });
        assert_eq!(
            stale.as_ref().map(|f| (f.dimension_impacts, impact(f, 1))),
            Some(([None, Some(3), None], Value::Number(5.0)))
        );
        // The default still in force: the MAX formula.
        let fresh = finding(Answer {
            impact_default: true,
            ..no("ENC-01", 3, 3)
        });
        assert!(matches!(
            fresh.as_ref().map(|f| impact(f, 1)),
            Some(Value::Formula(_, Cached::Number(n))) if n == 3.0
        ));
    }
}
