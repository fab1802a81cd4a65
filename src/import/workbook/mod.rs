//! Reading a filled copy of the exported template (`.xlsx`, `.xls` or `.ods`, sniffed from the
//! bytes) into a [`Changeset`] (TEMPLATE.md "Reading a filled copy back").
//!
//! The reader reads faithfully and locates; it does not judge. Every cell of the sheets the
//! import applies becomes a [`Value`](super::changeset::Value) with its cell: text as stored
//! (not trimmed), a number in its shortest decimal (`3`, not `3.0`; 15 significant digits, as
//! a spreadsheet shows it), a date `YYYY-MM-DD` in the workbook's 1900 or 1904 date system, a
//! date-time RFC 3339 in UTC, a boolean `Yes` / `No`, a formula's cached value (never the
//! formula). The planner validates, matches and diffs.
//!
//! The reader itself reports only what it can see in the file: as [`Ignored`], columns the
//! template does not have, added sheets, and sheets that are never applied when they differ
//! from the export; as [`Problem`](super::changeset::Problem), cells it cannot read faithfully
//! (an error value, a formula without a cached value, a cell under a merged range), a missing
//! key column, a row with values but no key, a damaged `_medsec`, and a copy cut off short of
//! the rows exported.
//!
//! Sheets are recognised by name (exact, else trimmed and case-insensitive) from
//! [`SHEETS`]; columns by header text, from the layout's tables ([`CONTROL_COLUMNS`],
//! [`REGISTER_COLUMNS`], the inventory [`FIELDS`](crate::device::fields::FIELDS)). Hidden rows,
//! columns and sheets are read like any other. Read: `1 Inventory` (`inventory`), the eight
//! control sheets (`controls`), `Risk Register` (`register`), the `Risk Matrix` grid (`matrix`)
//! and `_medsec` (`meta`); not read: `Cover`, `Summary`, `2 CVE Findings` (findings are decided
//! in medsec; an edited sheet is listed as ignored), `MDS2`, `Control Catalog`, `Lists`. Row counts and hashes: `checks`.
//!
//! [`CONTROL_COLUMNS`]: crate::export::layout::CONTROL_COLUMNS
//! [`REGISTER_COLUMNS`]: crate::export::layout::REGISTER_COLUMNS

mod cells;
mod checks;
mod controls;
mod header;
#[cfg(test)]
mod hostile_tests;
mod inventory;
mod matrix;
mod meta;
mod register;
#[cfg(test)]
mod tests;

use std::path::Path;

use super::changeset::{Changeset, Ignored, Origin, SourceInfo, SourceKind};
use super::sheet::{
    HashStamp, Limits, SheetContent, SheetError, SpreadsheetFile, read_sheets,
    read_sheets_from_bytes,
};
use crate::export::layout::{FORMAT_VERSION, SHEETS, SheetKind};
use crate::export::{APP_VERSION_KEY, GENERATED_AT_KEY};
use crate::progress::Progress;
use cells::SheetView;
use checks::SeenSheet;
use header::fold;
use meta::Meta;

/// Reads every sheet of the template copy at `path` into a [`Changeset`]. Reports
/// [`Stage::Reading`](crate::progress::Stage::Reading) in bytes to `progress`, then
/// [`Stage::Parsing`](crate::progress::Stage::Parsing).
///
/// Errors: [`SheetError`] for a file that cannot be read as a spreadsheet at all (empty, not a
/// spreadsheet workbook, damaged, refused by an input limit — a zip bomb, a cell over 32,767
/// characters, a value beyond the last row or column). Everything else the reader finds wrong
/// is a [`Problem`](super::changeset::Problem) in the changeset, naming its cell.
pub fn read(
    path: &Path,
    limits: &Limits,
    progress: &mut dyn Progress,
) -> Result<Changeset, SheetError> {
    let mut reading = Reading::default();
    let file = read_sheets(path, limits, &stamps(), progress, &mut |sheet| {
        reading.sheet(&sheet);
    })?;
    Ok(reading.finish(&file))
}

/// [`read`] on bytes already in memory; `path` only names the file in messages.
///
/// Errors: as [`read`].
pub fn read_from_bytes(
    bytes: &[u8],
    path: &Path,
    limits: &Limits,
) -> Result<Changeset, SheetError> {
    let mut reading = Reading::default();
    let file = read_sheets_from_bytes(bytes, path, limits, &stamps(), &mut |sheet| {
        reading.sheet(&sheet);
    })?;
    Ok(reading.finish(&file))
}

/// The name of the template's sheet of `kind`.
fn sheet_name(kind: SheetKind) -> &'static str {
    SHEETS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("", |(name, _)| name)
}

/// The `Cover` cells the export leaves out of its hash (they change on every export).
fn stamps() -> [HashStamp; 1] {
    [HashStamp {
        sheet: sheet_name(SheetKind::Cover),
        key_col: 0,
        keys: &[APP_VERSION_KEY, GENERATED_AT_KEY],
        value_col: 1,
    }]
}

/// The template sheet a file's sheet is: by exact name, else trimmed and case-insensitive.
fn kind_of(name: &str) -> Option<SheetKind> {
    SHEETS
        .iter()
        .find(|(n, _)| *n == name)
        .or_else(|| SHEETS.iter().find(|(n, _)| fold(n) == fold(name)))
        .map(|(_, kind)| *kind)
}

/// The changeset being built, sheet by sheet.
struct Reading {
    out: Changeset,
    meta: Option<Meta>,
    seen: Vec<SeenSheet>,
}

impl Default for Reading {
    fn default() -> Self {
        Reading {
            out: Changeset {
                source: unmarked(),
                devices: Vec::new(),
                answers: Vec::new(),
                risks: Vec::new(),
                matrix: None,
                ignored: Vec::new(),
                problems: Vec::new(),
                checks: Vec::new(),
            },
            meta: None,
            seen: Vec::new(),
        }
    }
}

/// What a file without `_medsec` is taken for: a copy of this build's layout.
fn unmarked() -> SourceInfo {
    SourceInfo {
        kind: SourceKind::Unmarked,
        format_version: FORMAT_VERSION,
        workbook_id: None,
        catalog_version: None,
        as_of: None,
        exported_at: None,
    }
}

impl Reading {
    fn sheet(&mut self, sheet: &SheetContent) {
        let kind = kind_of(&sheet.name);
        let twice = kind.is_some() && self.seen.iter().any(|s| s.kind == kind);
        self.seen.push(SeenSheet {
            name: sheet.name.clone(),
            kind: if twice { None } else { kind },
            last_row: sheet.last_row(),
            sha256: sheet.sha256.clone(),
        });
        let origin = Origin::Sheet {
            sheet: sheet.name.as_str().into(),
        };
        let Some(kind) = kind else {
            self.out.ignored.push(Ignored {
                origin,
                reason: "sheet not part of the template".to_string(),
            });
            return;
        };
        if twice {
            self.out.ignored.push(Ignored {
                origin,
                reason: format!(
                    "a second sheet named like \"{}\"; only the first is read",
                    sheet_name(kind)
                ),
            });
            return;
        }
        let view = SheetView::new(sheet);
        let out = &mut self.out;
        match kind {
            SheetKind::Inventory => inventory::read(&view, out),
            SheetKind::Controls(_) => controls::read(&view, out),
            SheetKind::RiskRegister => register::read(&view, out),
            SheetKind::RiskMatrix => matrix::read(&view, out),
            SheetKind::Meta => self.meta = Some(meta::read(&view, &mut out.problems)),
            SheetKind::Cover
            | SheetKind::Summary
            | SheetKind::CveFindings
            | SheetKind::Mds2
            | SheetKind::ControlCatalog
            | SheetKind::Lists => {}
        }
    }

    fn finish(mut self, file: &SpreadsheetFile) -> Changeset {
        if let Some(meta) = &self.meta {
            self.out.source = meta.source();
            checks::check(meta, &self.seen, file.format, &mut self.out);
        }
        self.out
    }
}
