//! The eight control sheets: one row per (device, control), then the model and site rows, in the
//! columns A–AG of TEMPLATE.md "Control sheets". Risk Score and Risk Level are formulas with
//! their cached results; everything else is a value. Attachments (M) names the evidence files
//! stored on the row's target for its control; Owner, Due Date and Status (W–Y) show the row's
//! finding on the risk register.

use super::{Context, level_formula, score_formula};
use crate::catalog::{Control, Step};
use crate::export::ExportError;
use crate::export::layout::{CONTROL_COLUMNS, ctl};
use crate::export::plan::{ControlRow, RowTarget};
use crate::export::xlsx::{Cell, SheetRecord, SheetWriter, Value, cell_ref};

/// Writes one step's sheet; returns the record and how many rows carry a stored answer.
pub fn write(
    mut w: SheetWriter<'_>,
    ctx: &Context<'_>,
    step: &Step,
) -> Result<(SheetRecord, usize), ExportError> {
    // Frozen at E2: device and control stay in view.
    w.table(&CONTROL_COLUMNS, 4)?;
    w.level_colours(ctl::LEVEL)?;
    // The cross-reference columns are the same on every row of a control: join them once.
    let refs: Vec<Refs> = step.controls.iter().map(Refs::of).collect();
    let mut row = 0u32;
    let mut answered = 0usize;
    for r in ctx.data.control_rows(step) {
        row += 1;
        answered += usize::from(r.answer.is_some());
        let i = step.controls.iter().position(|c| c.id == r.control.id);
        let refs = i.and_then(|i| refs.get(i)).ok_or_else(|| {
            ExportError::Internal(format!("{} is not in step {}", r.control.id, step.number))
        })?;
        w.write_row(row, &cells(&r, refs, row, ctx.data))?;
    }
    w.autofilter(ctl::ROW_KEY)?;
    Ok((w.finish(), answered))
}

/// Visits the cells of one control row as the export writes them (column 0-based, value), so
/// an import can tell which derived cells of a filled copy differ from what the app writes.
/// `row` is the 0-based sheet row its formulas refer to.
pub(crate) fn visit_row(
    r: &ControlRow<'_>,
    row: u32,
    data: &crate::export::plan::ExportData,
    visit: &mut dyn FnMut(u16, &Value<'_>),
) {
    let refs = Refs::of(r.control);
    for cell in cells(r, &refs, row, data) {
        visit(cell.col, &cell.value);
    }
}

/// A control's `; `-joined references: MDS2, IEC 80001-2-2, NIST CSF 2.0, HICP.
struct Refs {
    mds2: String,
    iec: String,
    csf: String,
    hicp: String,
}

impl Refs {
    fn of(c: &Control) -> Refs {
        Refs {
            mds2: c.mds2.join("; "),
            iec: c.iec80001.join("; "),
            csf: c.csf.join("; "),
            hicp: c.hicp.join("; "),
        }
    }
}

/// The cells of one control row (`row` is 0-based; formulas refer to its own cells).
fn cells<'a>(
    r: &ControlRow<'a>,
    refs: &'a Refs,
    row: u32,
    data: &'a crate::export::plan::ExportData,
) -> Vec<Cell<'a>> {
    let c = r.control;
    let a = r.answer;
    let (name, location) = match r.target {
        RowTarget::Device(d) => (
            Value::text(d.device.get("name")),
            Value::string(d.device.location()),
        ),
        RowTarget::Scope(s) => {
            let loc = match &s.target {
                crate::assessment::Target::Site(site) => Value::text(site),
                _ => Value::Empty,
            };
            (Value::text(&s.name), loc)
        }
    };
    let text =
        |f: fn(&crate::assessment::Answer) -> &str| a.map_or(Value::Empty, |a| Value::text(f(a)));
    let l = cell_ref(row, ctl::LIKELIHOOD);
    let i = cell_ref(row, ctl::IMPACT);
    let s = cell_ref(row, ctl::SCORE);
    let score = a.and_then(|a| a.score());
    let level = a.and_then(|a| a.level(&data.grid));
    let rating_default = a.is_some_and(|a| {
        (a.likelihood_default && a.likelihood.is_some()) || (a.impact_default && a.impact.is_some())
    });
    let deferred = match a {
        Some(a) if a.deferred_until.is_some() => Value::opt_date(a.deferred_until),
        Some(a) if !a.deferral_reason.trim().is_empty() => Value::text("deferred"),
        _ => Value::Empty,
    };
    // Owner, due date and status live on the risk register entry (read-only here); the due
    // date is the one in force (set by hand, else by level from the date first identified).
    let (owner, due, status) = match r.finding(data) {
        Some(f) => (
            Value::text(&f.entry.owner),
            Value::opt_date(f.due_date()),
            Value::text(f.entry.status.label()),
        ),
        None => (Value::Empty, Value::Empty, Value::Empty),
    };
    let values: [Value<'a>; 33] = [
        Value::string(r.target_id()),
        name,
        location,
        Value::text(&c.id),
        Value::text(&c.title),
        Value::text(&c.question),
        Value::text(r.scope),
        r.response()
            .map_or(Value::Empty, |x| Value::text(x.label())),
        Value::Text(r.suggested()),
        text(|a| &a.observed),
        text(|a| &a.note),
        text(|a| &a.evidence_ref),
        Value::text(r.attachments(data)),
        Value::text(&refs.mds2),
        {
            let claim = r.manufacturer_claim(data);
            if claim.is_empty() {
                Value::Empty
            } else {
                Value::string(claim)
            }
        },
        a.and_then(|a| a.source)
            .map_or(Value::Empty, |x| Value::text(x.label())),
        Value::opt_number(a.and_then(|a| a.likelihood)),
        Value::opt_number(a.and_then(|a| a.impact)),
        score_formula(&l, &i, score),
        level_formula(&s, &l, &i, level),
        if rating_default {
            Value::text("default")
        } else {
            Value::Empty
        },
        text(|a| &a.recommendation),
        owner,
        due,
        status,
        deferred,
        text(|a| &a.deferral_reason),
        text(|a| &a.assessed_by),
        Value::opt_date(a.and_then(|a| a.assessed_on)),
        Value::text(&refs.iec),
        Value::text(&refs.csf),
        Value::text(&refs.hicp),
        Value::string(r.row_key()),
    ];
    values
        .into_iter()
        .enumerate()
        .map(|(col, v)| Cell::new(u16::try_from(col).unwrap_or(u16::MAX), v))
        .collect()
}
