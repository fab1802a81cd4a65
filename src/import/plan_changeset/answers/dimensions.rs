//! The three impact dimensions of an answer (patient safety, PHI / data, clinical operations),
//! which only an `export json` file carries (a spreadsheet's control sheets show one Impact).
//! They are applied as `medsec answer --impact-safety/--impact-phi/--impact-operations` applies
//! them ([`crate::workbook::AnswerInput::dimension_impacts`]): the three replace the stored
//! ones, and the answer's impact becomes the highest one given.
//!
//! Read after Likelihood / Impact / Rating (`ratings`), whose impact plan they decide over:
//! - dimensions as stored: the Impact column alone decides (a number there rates the impact as
//!   one number, and a default or a blank puts it back to the default: either clears the
//!   dimensions, which a line says);
//! - dimensions changed, one or more set: they are applied and the impact is their highest; an
//!   Impact that was edited to another number too is refused (which of the two is meant?);
//! - dimensions all cleared (a blank clears only in a copy of this workbook): an Impact number
//!   stays as a rating as one number, a blank Impact goes back to the devices' default.

use super::Row;
use super::ratings::rating_shown;
use crate::assessment::{Answer, Response};
use crate::catalog::Control;
use crate::import::changeset::{AnswerRecord, Origin, Value};
use crate::import::plan_changeset::matching::Subject;
use crate::import::plan_changeset::report::RowLines;
use crate::import::plan_changeset::values;
use crate::workbook::AnswerEdit;

/// The report's name of each dimension (the `Risk Register` headers without the scale), in the
/// order of `Answer::dimension_impacts`.
const HEADERS: [&str; 3] = ["Patient-Safety Impact", "PHI Impact", "Operational Impact"];

/// A dimension's impact as the report shows it.
fn shown(v: Option<u8>) -> String {
    v.map_or_else(|| "(blank)".to_string(), |v| v.to_string())
}

impl Row<'_, '_> {
    /// Reads the three impact dimensions into `edit`, deciding over the impact `ratings`
    /// planned (see the module documentation); returns the impact after the import (`impact`
    /// as `ratings` worked it out when the dimensions change nothing).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn dimensions(
        &self,
        rec: &AnswerRecord,
        control: &Control,
        subject: &Subject,
        old: Option<&Answer>,
        response: Option<Response>,
        keeps_row: bool,
        impact: Option<u8>,
        edit: &mut AnswerEdit,
        lines: &mut RowLines,
    ) -> Option<u8> {
        let cells = [&rec.impact_safety, &rec.impact_phi, &rec.impact_operations];
        if cells.iter().all(|c| c.is_none()) {
            return impact;
        }
        let blanks = self.ctx.blanks_clear();
        let row_origin = rec.origin.clone().unwrap_or(Origin::File);
        let origin_of = |i: usize| {
            cells
                .get(i)
                .and_then(|c| c.as_ref())
                .map_or_else(|| row_origin.clone(), |v| v.origin.clone())
        };
        let old_dims = old.map_or([None; 3], |a| a.dimension_impacts);
        let mut dims = old_dims;
        let mut refused = false;
        for (i, cell) in cells.iter().enumerate() {
            let Some(v) = cell else { continue };
            match values::scale(v) {
                Err(m) => {
                    lines.reject(&v.origin, m);
                    refused = true;
                }
                Ok(None) if !blanks => {}
                Ok(x) => dims[i] = x,
            }
        }
        if refused {
            return impact;
        }
        let old_impact = old.and_then(|a| a.impact);
        let old_default = old.is_some_and(|a| a.impact_default);
        if dims == old_dims {
            if old_dims.iter().any(Option::is_some)
                && (edit.input.impact.is_some() || edit.clear_impact)
            {
                let origin = rec
                    .impact
                    .as_ref()
                    .map_or_else(|| origin_of(0), |v| v.origin.clone());
                let why = if edit.clear_impact {
                    "with the Impact (it goes back to its default)"
                } else {
                    "the Impact is rated as one number"
                };
                lines.note(
                    &origin,
                    format!(
                        "impact dimensions {} / {} / {} cleared: {why}",
                        shown(old_dims[0]),
                        shown(old_dims[1]),
                        shown(old_dims[2])
                    ),
                );
            }
            return impact;
        }
        if !keeps_row {
            lines.ignore(
                &origin_of(0),
                "impact dimensions: a rating without a response is not kept".to_string(),
            );
            return impact;
        }
        for (i, header) in HEADERS.iter().enumerate() {
            if dims[i] != old_dims[i] {
                lines.change(&origin_of(i), header, &shown(old_dims[i]), &shown(dims[i]));
            }
        }
        let file_impact: Option<(u8, &Value)> = rec
            .impact
            .as_ref()
            .and_then(|v| values::scale(v).ok().flatten().map(|x| (x, v)));
        match dims.iter().flatten().max().copied() {
            Some(highest) => {
                if let Some((x, v)) = file_impact
                    && x != highest
                    && Some(x) != old_impact
                {
                    lines.reject(
                        &v.origin,
                        format!(
                            "Impact {x} is not the highest of the impact dimensions ({highest}): an answer rated per dimension takes the highest as its impact; change the dimensions, or clear them to rate the impact as one number"
                        ),
                    );
                    return impact;
                }
                if edit.input.impact != Some(highest)
                    && (old_impact != Some(highest) || old_default)
                {
                    let origin = rec
                        .impact
                        .as_ref()
                        .map_or_else(|| origin_of(0), |v| v.origin.clone());
                    lines.change(
                        &origin,
                        "Impact",
                        &rating_shown(old_impact, old_default),
                        &format!("{highest} (the highest dimension)"),
                    );
                }
                edit.input.impact = None;
                edit.clear_impact = false;
                edit.input.dimension_impacts = Some(dims);
                Some(highest)
            }
            None => {
                if let Some(x) = edit.input.impact {
                    // Rated as one number in this very import: that clears the dimensions.
                    return Some(x);
                }
                if let Some((x, _)) = file_impact.filter(|_| !edit.clear_impact) {
                    // The impact the dimensions gave stays, as one number.
                    edit.input.impact = Some(x);
                    return Some(x);
                }
                edit.input.dimension_impacts = Some([None; 3]);
                response
                    .filter(|r| r.is_finding())
                    .map(|_| self.default_impact(subject, control))
            }
        }
    }
}
