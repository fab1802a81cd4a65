//! The one planner behind `import workbook` and `import json`: checks a [`Changeset`] against the
//! open workbook, matches its rows to devices, models and sites, reads every value by the same
//! rules, diffs it with what the export wrote, and returns the report (added, changed,
//! unchanged, ignored, rejected — per sheet, with cells) and the [`ImportBatch`] that applies
//! exactly the rows counted as added or changed, in one transaction and one undo step
//! ([`Workbook::apply_import`]).
//!
//! Rules (TEMPLATE.md "Reading a filled copy back"):
//! - A copy whose `format_version` is newer than this build's is refused; so is a copy of
//!   another workbook unless `accept_foreign`, and a copy whose `_medsec` row counts show a
//!   sheet cut short (an `.xls` re-save stops at 65,536 rows): never half-applied.
//! - "Old" values are what the export writes for the workbook as it is now, so an untouched row
//!   is unchanged. In a copy of this workbook a blank cell clears the stored value; in a template
//!   or a foreign copy a blank cell leaves it alone (the copy never held it).
//! - Derived columns are never applied; when one no longer says what the app writes, it is
//!   listed as ignored with its cell. Grid edits apply only with `with_matrix`.
//! - Every rule the workbook enforces (N/A needs a note, only an unanswered control can be
//!   deferred, the register's acceptance and residual rules, text limits) is checked here, so a
//!   bad row is rejected with its cell rather than failing the transaction.

mod answers;
mod derived;
mod devices;
mod matching;
mod matrix;
mod report;
mod risks;
mod values;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

pub use report::{LineKind, PlanLine, Report, SheetReport, Totals};

use crate::export::ExportOptions;
use crate::export::layout::FORMAT_VERSION;
use crate::export::plan::ExportData;
use crate::import::changeset::{Changeset, SourceKind};
use crate::workbook::{ImportBatch, RiskEntry, Workbook, WorkbookError};
use matching::{Key, Resolver};

/// How to plan an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// Import a copy exported from another workbook (`--accept-foreign`).
    pub accept_foreign: bool,
    /// Apply edits of the `Risk Matrix` level grid (`--with-matrix`).
    pub with_matrix: bool,
    /// Today (local): acceptance and identified dates may not lie after it; new findings are
    /// identified on it.
    pub today: NaiveDate,
}

/// Why a file is refused as a whole (exit 4); nothing is changed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// `format_version` is newer than this build writes.
    #[error(
        "its format_version is {found}, newer than this medsec reads ({known}); update medsec to import it (nothing was changed)"
    )]
    NewerFormat {
        /// The file's version.
        found: u32,
        /// The newest this build reads.
        known: u32,
    },
    /// Exported from another workbook, and `accept_foreign` was not given.
    #[error(
        "it was exported from another workbook (ID {file_id}), not this one (ID {workbook_id}); to import it anyway add --accept-foreign (its devices are then matched by asset tag, serial number or name); nothing was changed"
    )]
    Foreign {
        /// The workbook ID in the file.
        file_id: String,
        /// The open workbook's ID.
        workbook_id: String,
    },
    /// A sheet holds fewer rows than when it was exported.
    #[error(
        "sheet '{sheet}' holds {found} rows but had {exported} when exported, so the copy was cut short (an .xls file holds at most 65,536 rows a sheet); import the .xlsx or .ods copy instead (nothing was changed)"
    )]
    Truncated {
        /// The sheet.
        sheet: String,
        /// Data rows when exported.
        exported: u32,
        /// Data rows now.
        found: u32,
    },
    /// Reading the workbook failed.
    #[error(transparent)]
    Workbook(#[from] WorkbookError),
}

/// What an import would do.
#[derive(Debug, Clone)]
pub struct ChangesetPlan {
    /// Per sheet: added, changed, unchanged, ignored, rejected.
    pub report: Report,
    /// The rows that would be applied (rejected rows left out), for
    /// [`Workbook::apply_import`].
    pub batch: ImportBatch,
}

/// What every part of the planner reads.
struct Ctx<'a> {
    /// The file.
    cs: &'a Changeset,
    /// The options.
    opts: &'a PlanOptions,
    /// A copy of this workbook (same workbook ID): UUIDs and Device IDs are the workbook's, and a
    /// blank cell clears the stored value.
    own_copy: bool,
    /// A template filled by hand (or an unmarked spreadsheet).
    template: bool,
    /// The workbook as the export sees it now.
    data: &'a ExportData,
    /// The export's shared numbers (register rows are written from them).
    sheets: &'a crate::export::sheets::Context<'a>,
    /// Index of each device (row ID) in `data.devices`.
    device_at: HashMap<i64, usize>,
    /// Stored register entries by subject and control.
    entries: HashMap<(Key, String), RiskEntry>,
    /// Sheets whose `_medsec` hash shows them as exported: never edited in the copy.
    untouched: HashSet<String>,
    /// When a copy of this workbook was exported: answers changed in the workbook after it are
    /// newer than the copy and are not overwritten.
    exported_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When each device and register entry was last changed (read only for a copy of this
    /// workbook with an export time).
    changed: crate::workbook::ChangeTimes,
}

/// The cell a row names its control in.
#[derive(Debug, Clone, Copy)]
enum ControlKey {
    /// "Control ID" on a control sheet.
    ControlId,
    /// "Source" on the risk register.
    Source,
}

impl ControlKey {
    fn missing(self) -> &'static str {
        match self {
            ControlKey::ControlId => "no Control ID",
            ControlKey::Source => "no Source (the control ID)",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            ControlKey::ControlId => "",
            ControlKey::Source => "; vulnerability findings are not imported here",
        }
    }
}

impl Ctx<'_> {
    /// The catalog control a row's `key` cell names. `None` when the row is skipped: it names
    /// none and its editable cells are all blank (`blank`; nothing is said), or it names none or
    /// one not in the catalog (rejected; the rejection is finished into `report`).
    fn row_control(
        &self,
        value: Option<&crate::import::changeset::Value>,
        blank: bool,
        rec_origin: &crate::import::changeset::Origin,
        key: ControlKey,
        lines: &mut report::RowLines,
        report: &mut Report,
    ) -> Option<&'static crate::catalog::Control> {
        let catalog = self.data.catalog;
        match value.filter(|v| !v.is_blank()) {
            None if blank => None,
            None => {
                lines.reject(rec_origin, key.missing().to_string());
                lines.close(report);
                None
            }
            Some(v) => {
                let found = catalog.control(v.trimmed());
                if found.is_none() {
                    lines.reject(
                        &v.origin,
                        format!(
                            "unknown control {} (not in catalog {}{})",
                            values::quote(&v.text),
                            catalog.version,
                            key.hint()
                        ),
                    );
                    lines.close(report);
                }
                found
            }
        }
    }

    /// Rejects a row whose device, model or site (its `target` cell, else the row) cannot be
    /// found, for `reason`; the row's lines go to `report`.
    fn reject_unresolved(
        target: Option<&crate::import::changeset::Value>,
        rec_origin: &crate::import::changeset::Origin,
        control_id: &str,
        reason: String,
        lines: &mut report::RowLines,
        report: &mut Report,
    ) {
        let origin = target.map_or(rec_origin, |v| &v.origin);
        lines.set_subject(control_id.to_string());
        lines.reject(origin, reason);
        lines.close(report);
    }

    /// When the device (row ID) was changed in the workbook, if after this copy was exported.
    fn device_changed_since_export(&self, id: i64) -> Option<chrono::DateTime<chrono::Utc>> {
        let exported = self.exported_at?;
        self.changed
            .devices
            .get(&id)
            .copied()
            .filter(|t| *t > exported)
    }

    /// When the register entry (ID) was changed in the workbook, if after this copy was
    /// exported.
    fn entry_changed_since_export(&self, id: i64) -> Option<chrono::DateTime<chrono::Utc>> {
        let exported = self.exported_at?;
        self.changed
            .risk_entries
            .get(&id)
            .copied()
            .filter(|t| *t > exported)
    }

    /// Whether a blank cell clears the stored value (only in a copy of this workbook).
    fn blanks_clear(&self) -> bool {
        self.own_copy
    }

    /// Whether the row at `origin` is on a sheet nobody edited since the export. Where such a
    /// row differs from the workbook, the workbook changed since the export: its newer values
    /// are kept rather than put back to the exported ones.
    fn untouched(&self, origin: &crate::import::changeset::Origin) -> bool {
        !self.untouched.is_empty() && self.untouched.contains(&report::sheet_of(origin))
    }
}

/// Plans importing `cs` into `wb`. Reads the workbook; changes nothing.
///
/// Errors: [`PlanError`] when the file is refused as a whole; otherwise problems are rejected
/// lines of the report.
pub fn plan_changeset(
    wb: &Workbook,
    cs: &Changeset,
    opts: &PlanOptions,
) -> Result<ChangesetPlan, PlanError> {
    let mut report = Report::default();
    let own_copy = check_source(wb, cs, opts, &mut report.warnings)?;
    if let Some(w) = values::day_month_warning(cs) {
        report.warnings.push(w);
    }
    let as_of = cs.source.as_of.unwrap_or(opts.today);
    let data = ExportData::from_workbook(wb, as_of)?;
    let export_opts = ExportOptions {
        as_of,
        app_version: env!("CARGO_PKG_VERSION"),
    };
    let sheets = crate::export::sheets::Context::new(&data, &export_opts);
    let device_at = data
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| (d.device.id, i))
        .collect();
    let entries = wb
        .risk_entries()?
        .into_iter()
        .map(|(t, c, e)| {
            let key = match &t {
                crate::assessment::Target::Device(id) => Key::Device(*id),
                other => Key::Scope(crate::export::plan::scope_row_key(other)),
            };
            ((key, c), e)
        })
        .collect();
    let ctx = Ctx {
        cs,
        opts,
        own_copy,
        template: matches!(cs.source.kind, SourceKind::Template | SourceKind::Unmarked),
        data: &data,
        sheets: &sheets,
        device_at,
        entries,
        // Only a copy of this workbook can tell "the workbook changed since" from its hashes;
        // a foreign copy's untouched sheets are that workbook's data, to be taken in full.
        untouched: cs
            .checks
            .iter()
            .filter(|c| own_copy && c.unchanged == Some(true))
            .map(|c| c.sheet.clone())
            .collect(),
        exported_at: cs
            .source
            .exported_at
            .as_deref()
            .filter(|_| own_copy)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t.trim()).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
        changed: if own_copy && cs.source.exported_at.is_some() {
            wb.change_times()?
        } else {
            crate::workbook::ChangeTimes::default()
        },
    };
    for p in &cs.problems {
        report.line(LineKind::Rejected, p.origin.clone(), "", p.reason.clone());
    }
    for i in &cs.ignored {
        report.line(LineKind::Ignored, i.origin.clone(), "", i.reason.clone());
    }
    let devices = devices::plan(&ctx, &mut report);
    let resolver = Resolver::new(
        own_copy,
        &data,
        &cs.devices,
        &devices.states,
        &devices.planned,
    );
    let grid = matrix::plan(&ctx, &mut report);
    let answers = answers::plan(&ctx, &resolver, &devices, &mut report);
    let effective_grid = grid.unwrap_or(data.grid);
    let risks = risks::plan(
        &ctx,
        &resolver,
        &devices,
        &answers,
        &effective_grid,
        &mut report,
    );
    for (sheet, rows) in std::mem::take(&mut report.untouched) {
        report.line(
            LineKind::Ignored,
            crate::import::changeset::Origin::Sheet {
                sheet: sheet.into(),
            },
            "",
            format!(
                "{rows} {} from the workbook, but the sheet was not edited since the export (its _medsec hash matches): the workbook changed since, and its newer values are kept",
                if rows == 1 { "row differs" } else { "rows differ" }
            ),
        );
    }
    let batch = ImportBatch {
        devices: devices.changes,
        answers: answers.edits,
        risks,
        grid,
    };
    Ok(ChangesetPlan { report, batch })
}

/// Refuses a newer format, a foreign copy (without `accept_foreign`) and a truncated copy;
/// returns whether the file is a copy of this workbook, and adds warnings.
fn check_source(
    wb: &Workbook,
    cs: &Changeset,
    opts: &PlanOptions,
    warnings: &mut Vec<String>,
) -> Result<bool, PlanError> {
    let source = &cs.source;
    if source.format_version > FORMAT_VERSION {
        return Err(PlanError::NewerFormat {
            found: source.format_version,
            known: FORMAT_VERSION,
        });
    }
    let ours = &wb.meta().workbook_id;
    let own = match (source.kind, source.workbook_id.as_deref().map(str::trim)) {
        (SourceKind::Export | SourceKind::Json, Some(id)) if !id.is_empty() => {
            if id.eq_ignore_ascii_case(ours) {
                true
            } else if opts.accept_foreign {
                warnings.push(format!(
                    "exported from another workbook (ID {id}): devices are matched by asset tag, serial number or name, and blank cells leave stored values alone"
                ));
                false
            } else {
                return Err(PlanError::Foreign {
                    file_id: id.to_string(),
                    workbook_id: ours.clone(),
                });
            }
        }
        (SourceKind::Unmarked, _) => {
            warnings.push(
                "no readable _medsec sheet: read as a template (devices are matched by asset tag, serial number or name, and blank cells leave stored values alone)"
                    .to_string(),
            );
            false
        }
        _ => false,
    };
    if let Some(v) = source.catalog_version.as_deref().map(str::trim)
        && !v.is_empty()
        && v != wb.catalog().version
    {
        warnings.push(format!(
            "the copy was made with catalog {v}; this workbook uses {}: controls are matched by ID",
            wb.catalog().version
        ));
    }
    if let Some(c) = cs.checks.iter().find(|c| c.found_rows < c.exported_rows) {
        return Err(PlanError::Truncated {
            sheet: c.sheet.clone(),
            exported: c.exported_rows,
            found: c.found_rows,
        });
    }
    Ok(own)
}
