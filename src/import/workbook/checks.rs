//! Each sheet against what `_medsec` says was exported: its data rows then and now, and for
//! xlsx whether its cells still hash the same ([`SheetCheck`]), so a truncated copy can be told
//! from an edited one (TEMPLATE.md "Reading a filled copy back").
//!
//! A copy is taken as cut off when a sheet holds fewer data rows than were exported and either
//! its last row is the file format's last row (65,536 for `.xls`, 1,048,576 for `.xlsx` and
//! `.ods`: a re-save that dropped the rest), or it is a control sheet (whose rows an import
//! never deletes, so missing ones mean an incomplete copy). That is a [`Problem`], so the
//! planner refuses the file. Sheets the import does not read are listed as ignored when they
//! are known to differ from the export.

use super::header::fold;
use super::meta::Meta;
use crate::export::layout::SheetKind;
use crate::import::changeset::{Changeset, Ignored, Origin, Problem, SheetCheck};
use crate::import::sheet::TableFormat;

/// What was found of one sheet of the file.
#[derive(Debug)]
pub(super) struct SeenSheet {
    /// Its name in the file.
    pub(super) name: String,
    /// Its kind, when it is one of the template's sheets.
    pub(super) kind: Option<SheetKind>,
    /// The last 1-based row holding a value (0 for none).
    pub(super) last_row: usize,
    /// xlsx: the hash of its canonical cell text.
    pub(super) sha256: Option<String>,
}

/// The last row a sheet of this format can have.
fn format_rows(format: TableFormat) -> usize {
    match format {
        TableFormat::Xls => 65_536,
        _ => 1_048_576,
    }
}

/// Fills `out.checks` from `meta`'s row counts and hashes and the sheets seen, with the
/// problems of cut-off sheets and the ignored edits of sheets the import does not read.
pub(super) fn check(meta: &Meta, seen: &[SeenSheet], format: TableFormat, out: &mut Changeset) {
    for (name, exported, _) in &meta.rows {
        let found = seen
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| seen.iter().find(|s| fold(&s.name) == fold(name)));
        let Some(sheet) = found else {
            out.checks.push(SheetCheck {
                sheet: name.clone(),
                exported_rows: *exported,
                found_rows: 0,
                unchanged: Some(false),
            });
            out.ignored.push(Ignored {
                origin: Origin::Sheet {
                    sheet: name.as_str().into(),
                },
                reason: "the sheet is missing from the file; nothing on it is applied".to_string(),
            });
            continue;
        };
        let found_rows = u32::try_from(sheet.last_row.saturating_sub(1)).unwrap_or(u32::MAX);
        let unchanged = match (&sheet.sha256, meta.hash(name)) {
            (Some(now), Some(then)) => Some(now.eq_ignore_ascii_case(then)),
            _ => None,
        };
        out.checks.push(SheetCheck {
            sheet: sheet.name.clone(),
            exported_rows: *exported,
            found_rows,
            unchanged,
        });
        let origin = Origin::Sheet {
            sheet: sheet.name.as_str().into(),
        };
        if found_rows < *exported {
            let limit = format_rows(format);
            if sheet.last_row >= limit {
                out.problems.push(Problem {
                    origin,
                    reason: format!(
                        "holds {found_rows} data rows but {exported} were exported: the copy was cut off at the {limit} rows a .{format} sheet can hold; import the .xlsx export, or a copy saved as .xlsx or .ods"
                    ),
                });
                continue;
            }
            if matches!(sheet.kind, Some(SheetKind::Controls(_))) {
                out.problems.push(Problem {
                    origin,
                    reason: format!(
                        "holds {found_rows} data rows but {exported} were exported: rows were deleted or the copy is incomplete; import a complete copy of the export"
                    ),
                });
                continue;
            }
        }
        let read = matches!(
            sheet.kind,
            Some(
                SheetKind::Inventory
                    | SheetKind::Controls(_)
                    | SheetKind::RiskRegister
                    | SheetKind::RiskMatrix
                    | SheetKind::Meta
            )
        );
        if !read && (unchanged == Some(false) || found_rows != *exported) {
            let reason = if sheet.kind == Some(SheetKind::CveFindings) {
                "the sheet differs from the export; findings are not read back from a file: \
                 confirm or dismiss them in medsec (medsec finding confirm|dismiss F-0001)"
            } else {
                "the sheet differs from the export; edits to it are not applied"
            };
            out.ignored.push(Ignored {
                origin,
                reason: reason.to_string(),
            });
        }
    }
}
