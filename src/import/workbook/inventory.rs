//! `1 Inventory` → [`DeviceRecord`]s: every inventory field by its key (headers from
//! [`FIELDS`]), the hidden `Device UUID` and the `extra: <header>` columns (TEMPLATE.md
//! "1 Inventory").

use super::cells::SheetView;
use super::header::{Expected, map_header};
use crate::device::fields::FIELDS;
use crate::export::layout::{DEVICE_UUID_HEADER, EXTRA_PREFIX};
use crate::import::changeset::{Changeset, DeviceRecord, Problem, Value};

/// The field whose column is the sheet's key (`Device ID`).
const DEVICE_ID_KEY: &str = "device_id";
/// Fields that identify a device on their own (besides Device ID and Device UUID): a row holding
/// values needs at least one of them, or the planner cannot tell which device it is.
const IDENTIFYING_KEYS: [&str; 3] = ["asset_tag", "serial_number", "name"];

/// Reads `1 Inventory` into `out.devices`; header and row problems go to `out`.
pub(super) fn read(view: &SheetView<'_>, out: &mut Changeset) {
    // Expected columns: every field in FIELDS order, then the UUID.
    let mut expected: Vec<Expected<'_>> = FIELDS
        .iter()
        .map(|f| Expected {
            header: f.header,
            read: true,
        })
        .collect();
    let uuid_index = expected.len();
    expected.push(Expected {
        header: DEVICE_UUID_HEADER,
        read: true,
    });
    let Some(header) = map_header(
        view,
        &expected,
        Some(EXTRA_PREFIX),
        &mut out.ignored,
        &mut out.problems,
    ) else {
        return;
    };
    let id_index = FIELDS.iter().position(|f| f.key == DEVICE_ID_KEY);
    let id_col = id_index.and_then(|i| header.col(i));
    let Some(id_col) = id_col else {
        out.problems.push(Problem {
            origin: view.row(header.row),
            reason: format!(
                "no \"{}\" column in the header row; the rows cannot be matched to devices",
                header_of(DEVICE_ID_KEY)
            ),
        });
        return;
    };
    for row in header.data_rows(view) {
        let mut rec = DeviceRecord {
            origin: Some(view.row(row.number)),
            ..DeviceRecord::default()
        };
        for (i, field) in FIELDS.iter().enumerate() {
            let Some(col) = header.col(i) else { continue };
            let Some(value) = view.read(row, col, &mut out.problems) else {
                continue;
            };
            if field.key == DEVICE_ID_KEY {
                rec.device_id = Some(value);
            } else {
                rec.fields.push((field.key, value));
            }
        }
        if let Some(col) = header.col(uuid_index) {
            rec.uuid = view.read(row, col, &mut out.problems);
        }
        for (col, name) in &header.extra {
            if let Some(value) = view.read(row, *col, &mut out.problems) {
                rec.extra.push((name.clone(), value));
            }
        }
        let filled = |v: Option<&Value>| v.is_some_and(|v| !v.is_blank());
        let identified = filled(rec.device_id.as_ref())
            || filled(rec.uuid.as_ref())
            || rec
                .fields
                .iter()
                .any(|(k, v)| IDENTIFYING_KEYS.contains(k) && !v.is_blank());
        if !identified {
            out.problems.push(Problem {
                origin: view.cell(row.number, id_col),
                reason: format!(
                    "the row holds values but nothing that identifies the device ({})",
                    identifying_headers()
                ),
            });
            continue;
        }
        out.devices.push(rec);
    }
}

/// `Device ID, Device UUID, Asset Tag, Serial Number or Device Name / Description`.
fn identifying_headers() -> String {
    let mut names: Vec<&str> = vec![header_of(DEVICE_ID_KEY), DEVICE_UUID_HEADER];
    names.extend(IDENTIFYING_KEYS.iter().map(|k| header_of(k)));
    let last = names.pop().unwrap_or_default();
    format!("{} or {last}", names.join(", "))
}

/// The `1 Inventory` header of a field key (the key itself if it is unknown).
fn header_of(key: &'static str) -> &'static str {
    FIELDS
        .iter()
        .find(|f| f.key == key)
        .map_or(key, |f| f.header)
}
