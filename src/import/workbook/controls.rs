//! A control sheet (`1 Inventory Checks` … `8 Cloud Security`) → [`AnswerRecord`]s: the key
//! columns (Device ID, Control ID, Row Key), the columns the import applies, and every other
//! column of [`CONTROL_COLUMNS`] as derived (TEMPLATE.md "Control sheets").

use super::cells::SheetView;
use super::header::map_keyed_header;
use crate::export::layout::{CONTROL_COLUMNS, ctl};
use crate::import::changeset::{AnswerRecord, Changeset, Problem, Value};

/// The record field a control-sheet column fills: a key or an applied column. `None` for a
/// derived column (it goes to [`AnswerRecord::derived`]).
fn slot(rec: &mut AnswerRecord, col: u16) -> Option<&mut Option<Value>> {
    Some(match col {
        ctl::DEVICE_ID => &mut rec.target,
        ctl::CONTROL_ID => &mut rec.control_id,
        ctl::ROW_KEY => &mut rec.row_key,
        ctl::RESPONSE => &mut rec.response,
        ctl::SUGGESTED => &mut rec.suggested,
        ctl::OBSERVED => &mut rec.observed,
        ctl::NOTE => &mut rec.note,
        ctl::EVIDENCE_REF => &mut rec.evidence_ref,
        ctl::SOURCE => &mut rec.source,
        ctl::LIKELIHOOD => &mut rec.likelihood,
        ctl::IMPACT => &mut rec.impact,
        ctl::RATING => &mut rec.rating,
        ctl::RECOMMENDATION => &mut rec.recommendation,
        ctl::DEFERRED_UNTIL => &mut rec.deferred_until,
        ctl::DEFERRAL_REASON => &mut rec.deferral_reason,
        _ => return None,
    })
}

/// Key columns: a row holding values without them cannot be matched.
const KEYS: [u16; 2] = [ctl::DEVICE_ID, ctl::CONTROL_ID];

/// Whether the import reads layout column `i` (a key or an applied column).
fn is_read(i: usize) -> bool {
    u16::try_from(i).is_ok_and(|col| slot(&mut AnswerRecord::default(), col).is_some())
}

/// Reads one control sheet into `out.answers`; header and row problems go to `out`.
pub(super) fn read(view: &SheetView<'_>, out: &mut Changeset) {
    let Some(header) = map_keyed_header(view, &CONTROL_COLUMNS, is_read, &KEYS, "", out) else {
        return;
    };
    for row in header.data_rows(view) {
        let mut rec = AnswerRecord {
            origin: Some(view.row(row.number)),
            ..AnswerRecord::default()
        };
        for (i, column) in CONTROL_COLUMNS.iter().enumerate() {
            let Some(col) = header.col(i) else { continue };
            let layout_col = u16::try_from(i).unwrap_or(u16::MAX);
            if let Some(field) = slot(&mut rec, layout_col) {
                *field = view.read(row, col, &mut out.problems);
            } else {
                rec.derived
                    .push((column.header.to_string(), view.derived(row, col)));
            }
        }
        let mut keyed = true;
        for key in KEYS {
            let value = match key {
                ctl::DEVICE_ID => rec.target.as_ref(),
                _ => rec.control_id.as_ref(),
            };
            // A key cell that could not be read already has its problem.
            if value.is_some_and(Value::is_blank) {
                keyed = false;
                let col = header.col(usize::from(key)).unwrap_or_default();
                out.problems.push(Problem {
                    origin: view.cell(row.number, col),
                    reason: format!(
                        "\"{}\" is blank but the row holds values; fill it in or clear the row",
                        CONTROL_COLUMNS[usize::from(key)].header
                    ),
                });
            } else if value.is_none() {
                keyed = false;
            }
        }
        if keyed {
            out.answers.push(rec);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_the_import_reads_has_a_field_and_no_other() {
        for (i, c) in CONTROL_COLUMNS.iter().enumerate() {
            let key = ["Device ID", "Control ID", "Row Key"].contains(&c.header.as_ref());
            assert_eq!(is_read(i), c.editable || key, "{}", c.header);
        }
    }
}
