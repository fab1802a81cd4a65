//! Test helpers: scratch workbooks, and the [`Changeset`] a reader gives back for an export of
//! a workbook — built from the very cell values the export's sheet writers produce
//! (`visit_row`, `field_value`), so an untouched copy must plan as unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::NaiveDate;

use super::values::cell_text;
use crate::catalog::catalog;
use crate::device::fields::{self, FIELDS};
use crate::export::ExportOptions;
use crate::export::layout::{
    CONTROL_COLUMNS, FORMAT_VERSION, MATRIX_SHEET, REGISTER_COLUMNS, REGISTER_SHEET,
    inventory_columns,
};
use crate::export::plan::ExportData;
use crate::export::sheets::Context;
use crate::export::sheets::inventory::field_value;
use crate::import::changeset::{
    AnswerRecord, Changeset, DeviceRecord, Origin, RiskRecord, SheetCheck, SourceInfo, SourceKind,
    Value,
};
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
        sheet: sheet.to_string(),
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

fn at(sheet: &str, row: u32, col: usize) -> Origin {
    Origin::Cell {
        sheet: sheet.to_string(),
        row,
        col: u16::try_from(col).unwrap(),
    }
}

/// What a reader gives back for `export xlsx` of `wb` as of `as_of`, untouched.
pub(crate) fn exported(wb: &Workbook, as_of: NaiveDate) -> Changeset {
    let data = ExportData::from_workbook(wb, as_of).unwrap();
    let mut cs = from_data(&data, as_of);
    cs.source.workbook_id = Some(wb.meta().workbook_id.clone());
    cs
}

/// What a reader gives back for `export template --devices n`, untouched.
pub(crate) fn template(devices: usize, as_of: NaiveDate) -> Changeset {
    let data = ExportData::template(devices, as_of);
    let mut cs = from_data(&data, as_of);
    cs.source.kind = SourceKind::Template;
    cs
}

fn from_data(data: &ExportData, as_of: NaiveDate) -> Changeset {
    let opts = ExportOptions {
        as_of,
        app_version: "test",
    };
    let ctx = Context::new(data, &opts);
    let mut checks = Vec::new();

    // 1 Inventory.
    let columns = inventory_columns(&data.extra_headers);
    let mut devices = Vec::new();
    for (i, entry) in data.devices.iter().enumerate() {
        let row = u32::try_from(i + 2).unwrap();
        let mut rec = DeviceRecord {
            origin: Some(Origin::Row {
                sheet: INVENTORY.into(),
                row,
            }),
            ..DeviceRecord::default()
        };
        for (col, f) in FIELDS.iter().enumerate() {
            let text = cell_text(&field_value(entry, f.key, f.kind).0);
            let v = Value::new(text, at(INVENTORY, row, col));
            if f.key == "device_id" {
                rec.device_id = Some(v);
            } else {
                rec.fields.push((f.key, v));
            }
        }
        rec.uuid = Some(Value::new(
            entry.device.uuid.clone(),
            at(INVENTORY, row, FIELDS.len()),
        ));
        for (j, h) in data.extra_headers.iter().enumerate() {
            let text = entry
                .device
                .extra
                .iter()
                .find(|(eh, _)| eh == h)
                .map_or(String::new(), |(_, v)| v.clone());
            rec.extra.push((
                h.clone(),
                Value::new(text, at(INVENTORY, row, FIELDS.len() + 1 + j)),
            ));
        }
        devices.push(rec);
    }
    assert_eq!(columns.len(), FIELDS.len() + 1 + data.extra_headers.len());
    checks.push(check(INVENTORY, devices.len()));

    // Control sheets.
    let mut answers = Vec::new();
    for step in &data.catalog.steps {
        let sheet = step.sheet_name();
        let mut n = 0;
        for r in data.control_rows(step) {
            n += 1;
            let row = u32::try_from(n + 1).unwrap();
            let mut cells: Vec<(u16, String)> = Vec::new();
            crate::export::sheets::controls::visit_row(&r, row - 1, data, &mut |col, v| {
                cells.push((col, cell_text(v)));
            });
            let mut rec = AnswerRecord {
                origin: Some(Origin::Row {
                    sheet: sheet.into(),
                    row,
                }),
                ..AnswerRecord::default()
            };
            for (col, text) in cells {
                let v = Some(Value::new(text, at(sheet, row, usize::from(col))));
                match col {
                    0 => rec.target = v,
                    3 => rec.control_id = v,
                    7 => rec.response = v,
                    8 => rec.suggested = v,
                    9 => rec.observed = v,
                    10 => rec.note = v,
                    11 => rec.evidence_ref = v,
                    15 => rec.source = v,
                    16 => rec.likelihood = v,
                    17 => rec.impact = v,
                    20 => rec.rating = v,
                    21 => rec.recommendation = v,
                    25 => rec.deferred_until = v,
                    26 => rec.deferral_reason = v,
                    32 => rec.row_key = v,
                    _ => {
                        let header = CONTROL_COLUMNS[usize::from(col)].header.to_string();
                        rec.derived.extend(v.map(|v| (header, v)));
                    }
                }
            }
            answers.push(rec);
        }
        checks.push(check(sheet, n));
    }

    // Risk Register.
    let mut risks = Vec::new();
    for (n, f) in data.findings.iter().enumerate() {
        let row = u32::try_from(n + 2).unwrap();
        let mut rec = RiskRecord {
            origin: Some(Origin::Row {
                sheet: REGISTER_SHEET.into(),
                row,
            }),
            ..RiskRecord::default()
        };
        let mut cells: Vec<(u16, String)> = Vec::new();
        crate::export::sheets::register::visit_row(f, row - 1, &ctx, &mut |col, v| {
            cells.push((col, cell_text(v)));
        });
        for (col, text) in cells {
            let v = Some(Value::new(text, at(REGISTER_SHEET, row, usize::from(col))));
            match col {
                0 => rec.risk_id = v,
                1 => rec.target = v,
                3 => rec.source = v,
                12 => rec.treatment = v,
                13 => rec.planned_actions = v,
                14 => rec.owner = v,
                15 => rec.due_date = v,
                16 => rec.status = v,
                17 => rec.residual_likelihood = v,
                18 => rec.residual_impact = v,
                21 => rec.accepted_by = v,
                22 => rec.acceptance_note = v,
                23 => rec.accepted_on = v,
                24 => rec.review_date = v,
                _ => {
                    let header = REGISTER_COLUMNS[usize::from(col)].header.to_string();
                    rec.derived.extend(v.map(|v| (header, v)));
                }
            }
        }
        risks.push(rec);
    }
    checks.push(check(REGISTER_SHEET, risks.len()));

    // Risk Matrix: B16:F20, likelihood 5 → 1 down, impact 1 → 5 across.
    let matrix = (0..5u32)
        .map(|r| {
            (0..5usize)
                .map(|c| {
                    let level = data.grid.level(5 - r as u8, c as u8 + 1);
                    Value::new(level.label(), at(MATRIX_SHEET, 16 + r, 1 + c))
                })
                .collect()
        })
        .collect();

    Changeset {
        source: SourceInfo {
            kind: SourceKind::Export,
            format_version: FORMAT_VERSION,
            workbook_id: None,
            catalog_version: Some(catalog().version.clone()),
            as_of: Some(as_of),
            exported_at: None,
        },
        devices,
        answers,
        risks,
        matrix: Some(matrix),
        ignored: Vec::new(),
        problems: Vec::new(),
        checks,
    }
}

fn check(sheet: &str, rows: usize) -> SheetCheck {
    let rows = u32::try_from(rows).unwrap();
    SheetCheck {
        sheet: sheet.to_string(),
        exported_rows: rows,
        found_rows: rows,
        // Unknown, as for an .xls or .ods copy: tests that need it set it.
        unchanged: None,
    }
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
            Some(Origin::Row { sheet, row }) => Some((sheet.clone(), *row)),
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
