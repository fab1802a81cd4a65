//! Test helpers: scratch workbooks, and the [`Changeset`] the template reader gives back for a
//! real `export xlsx` (or `export template`), or the JSON reader for a real `export json`,
//! written to a scratch file, so the planner is tested on what a copy really holds; an untouched
//! copy must plan as unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::NaiveDate;

use crate::device::fields::{self, FIELDS};
use crate::export::{ExportOptions, export_template, export_xlsx};
use crate::import::changeset::{Changeset, Origin, Value};
use crate::import::sheet::Limits;
use crate::import::workbook::read;
use crate::progress::NoProgress;
use crate::workbook::{AssessmentMeta, DeviceChange, FieldSource, Passphrase, Workbook};

pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The passphrase of scratch workbooks.
pub(crate) const PASS: &str = "correct horse battery staple";

/// The inventory sheet.
pub(crate) const INVENTORY: &str = "1 Inventory";

/// A new workbook `name` in `dir` (assessor "A. Assessor").
pub(crate) fn workbook(dir: &Path, name: &str) -> Workbook {
    Workbook::create(
        &dir.join(name),
        &Passphrase::new(PASS.into()),
        AssessmentMeta {
            organisation: "Test Hospital".into(),
            assessor: "A. Assessor".into(),
            ..AssessmentMeta::default()
        },
    )
    .unwrap()
}

/// Adds a device with these fields (normalised as the CLI does); returns its row ID.
pub(crate) fn add(wb: &mut Workbook, values: &[(&'static str, &str)]) -> i64 {
    let mut change = DeviceChange::default();
    for (k, v) in values {
        let def = fields::settable(k).unwrap();
        change.values.push((*k, def.normalize(v).unwrap()));
    }
    wb.add_device(&change, FieldSource::Typed).unwrap().id
}

/// A cell origin; `col` in letters (`H`, `AG`).
fn cell(sheet: &str, row: u32, col: &str) -> Origin {
    Origin::Cell {
        sheet: sheet.into(),
        row,
        col: col_index(col),
    }
}

/// A cell origin for tests outside this module; `col` in letters.
pub(crate) fn cell_at(sheet: &str, row: u32, col: &str) -> Origin {
    cell(sheet, row, col)
}

/// `A` → 0, `AG` → 32.
fn col_index(letters: &str) -> u16 {
    letters
        .bytes()
        .fold(0u16, |n, b| n * 26 + u16::from(b - b'A' + 1))
        - 1
}

/// What the reader gives back for `export xlsx` of `wb` as of `as_of`, untouched: the export is
/// written to a scratch file and read with [`crate::import::workbook::read`]. The sheets' hash
/// checks are set to unknown (as for an `.xls` or `.ods` copy), since tests edit the values by
/// hand; tests that need them set them.
pub(crate) fn exported(wb: &Workbook, as_of: NaiveDate) -> Changeset {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.xlsx");
    export_xlsx(wb, &out, &options(as_of)).unwrap();
    read_back(&out)
}

/// What the JSON reader gives back for `export json` of `wb` as of `as_of`, untouched (origins
/// are JSON Pointers).
pub(crate) fn exported_json(wb: &Workbook, as_of: NaiveDate) -> Changeset {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.json");
    crate::export::json::export_json(wb, &out, &options(as_of)).unwrap();
    crate::import::json::read(&out, &mut NoProgress).unwrap()
}

/// Edits the value at a JSON Pointer (`/answers/3/impact_dimensions/phi`), as a user editing
/// the file would; panics when the copy has no such value.
pub(crate) fn set_json(cs: &mut Changeset, pointer: &str, text: &str) {
    let origin = Origin::Json {
        pointer: pointer.to_string(),
    };
    let v = values_mut(cs)
        .into_iter()
        .find(|v| v.origin == origin)
        .unwrap_or_else(|| panic!("no value at {pointer}"));
    v.text = text.to_string();
}

/// The pointer of the answer object (`/answers/12`) or, with `risks`, the risk object of
/// `target` (as the file names it) and `control`.
pub(crate) fn json_element(cs: &Changeset, risks: bool, target: &str, control: &str) -> String {
    let origins: Vec<(&Option<Value>, &Option<Value>, &Option<Origin>)> = if risks {
        cs.risks
            .iter()
            .map(|r| (&r.target, &r.source, &r.origin))
            .collect()
    } else {
        cs.answers
            .iter()
            .map(|a| (&a.target, &a.control_id, &a.origin))
            .collect()
    };
    origins
        .into_iter()
        .find(|(t, c, _)| {
            t.as_ref().is_some_and(|v| v.text == target)
                && c.as_ref().is_some_and(|v| v.text == control)
        })
        .and_then(|(_, _, o)| match o {
            Some(Origin::Json { pointer }) => Some(pointer.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no element for {target} {control}"))
}

/// What the reader gives back for `export template --devices n`, untouched.
pub(crate) fn template(devices: usize, as_of: NaiveDate) -> Changeset {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("template.xlsx");
    export_template(&out, devices, &options(as_of)).unwrap();
    read_back(&out)
}

fn options(as_of: NaiveDate) -> ExportOptions {
    ExportOptions {
        as_of,
        app_version: "test",
    }
}

fn read_back(path: &Path) -> Changeset {
    let mut cs = read(path, &Limits::default(), &mut NoProgress).unwrap();
    for c in &mut cs.checks {
        c.unchanged = None;
    }
    cs
}

/// Every value of a changeset, mutably, with its origin.
fn values_mut(cs: &mut Changeset) -> Vec<&mut Value> {
    let mut out: Vec<&mut Value> = Vec::new();
    for d in &mut cs.devices {
        out.extend(d.device_id.iter_mut());
        out.extend(d.uuid.iter_mut());
        out.extend(d.fields.iter_mut().map(|(_, v)| v));
        out.extend(d.extra.iter_mut().map(|(_, v)| v));
    }
    for a in &mut cs.answers {
        for v in [
            &mut a.target,
            &mut a.row_key,
            &mut a.control_id,
            &mut a.response,
            &mut a.suggested,
            &mut a.observed,
            &mut a.note,
            &mut a.evidence_ref,
            &mut a.source,
            &mut a.likelihood,
            &mut a.impact,
            &mut a.impact_safety,
            &mut a.impact_phi,
            &mut a.impact_operations,
            &mut a.rating,
            &mut a.recommendation,
            &mut a.deferred_until,
            &mut a.deferral_reason,
        ] {
            out.extend(v.iter_mut());
        }
        out.extend(a.derived.iter_mut().map(|(_, v)| v));
    }
    for r in &mut cs.risks {
        for v in [
            &mut r.risk_id,
            &mut r.target,
            &mut r.source,
            &mut r.treatment,
            &mut r.planned_actions,
            &mut r.owner,
            &mut r.due_date,
            &mut r.status,
            &mut r.residual_likelihood,
            &mut r.residual_impact,
            &mut r.accepted_by,
            &mut r.acceptance_note,
            &mut r.accepted_on,
            &mut r.review_date,
            &mut r.identified_on,
            &mut r.due_date_default,
        ] {
            out.extend(v.iter_mut());
        }
        out.extend(r.derived.iter_mut().map(|(_, v)| v));
    }
    for row in cs.matrix.iter_mut().flatten() {
        out.extend(row.iter_mut());
    }
    out
}

/// Types `text` into a cell (`col` in letters), as a user would; panics when the copy has no
/// such cell.
pub(crate) fn set(cs: &mut Changeset, sheet: &str, row: u32, col: &str, text: &str) {
    let origin = cell(sheet, row, col);
    let v = values_mut(cs)
        .into_iter()
        .find(|v| v.origin == origin)
        .unwrap_or_else(|| panic!("no cell {origin}"));
    v.text = text.to_string();
}

/// The text of a cell (`col` in letters).
pub(crate) fn get(cs: &mut Changeset, sheet: &str, row: u32, col: &str) -> String {
    let origin = cell(sheet, row, col);
    values_mut(cs)
        .into_iter()
        .find(|v| v.origin == origin)
        .map(|v| v.text.clone())
        .unwrap_or_else(|| panic!("no cell {origin}"))
}

/// The sheet and row of the control row for `target` (column A text) and `control`.
pub(crate) fn control_row(cs: &Changeset, target: &str, control: &str) -> (String, u32) {
    cs.answers
        .iter()
        .find(|a| {
            a.target.as_ref().is_some_and(|v| v.text == target)
                && a.control_id.as_ref().is_some_and(|v| v.text == control)
        })
        .and_then(|a| match &a.origin {
            Some(Origin::Row { sheet, row }) => Some((sheet.to_string(), *row)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no row for {target} {control}"))
}

/// The register row of `target` (column B text) and `control`.
pub(crate) fn register_row(cs: &Changeset, target: &str, control: &str) -> u32 {
    cs.risks
        .iter()
        .find(|r| {
            r.target.as_ref().is_some_and(|v| v.text == target)
                && r.source.as_ref().is_some_and(|v| v.text == control)
        })
        .and_then(|r| match &r.origin {
            Some(Origin::Row { row, .. }) => Some(*row),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no register row for {target} {control}"))
}

/// The inventory row of the device with this short ID (column A text).
pub(crate) fn inventory_row(cs: &Changeset, device_id: &str) -> u32 {
    cs.devices
        .iter()
        .find(|d| d.device_id.as_ref().is_some_and(|v| v.text == device_id))
        .and_then(|d| match &d.origin {
            Some(Origin::Row { row, .. }) => Some(*row),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no inventory row {device_id}"))
}

/// The column letters of an inventory field.
pub(crate) fn field_col(key: &str) -> String {
    let i = FIELDS.iter().position(|f| f.key == key).unwrap();
    crate::import::sheet::column_letter(i)
}
