//! `1 Inventory`: one row per device, every inventory field in CATALOG.md order, the hidden
//! `Device UUID`, then the extra attributes of imported inventories (TEMPLATE.md "1 Inventory").

use super::{Context, date_or_text};
use crate::device::fields::{FIELDS, FieldKind, parse_datetime};
use crate::export::ExportError;
use crate::export::layout::inventory_columns;
use crate::export::plan::DeviceEntry;
use crate::export::xlsx::{Cell, Look, SheetRecord, SheetWriter, Value};

/// Writes `1 Inventory`; returns the record and the number of device rows.
pub fn write(
    mut w: SheetWriter<'_>,
    ctx: &Context<'_>,
) -> Result<(SheetRecord, usize), ExportError> {
    let columns = inventory_columns(&ctx.data.extra_headers);
    w.table(&columns, 3)?;
    if let Some(col) = FIELDS.iter().position(|f| f.key == "highest_risk_level") {
        w.level_colours(col_u16(col))?;
    }
    let uuid_col = col_u16(FIELDS.len());
    let mut cells = Vec::with_capacity(columns.len());
    for (i, entry) in ctx.data.devices.iter().enumerate() {
        cells.clear();
        for (col, field) in FIELDS.iter().enumerate() {
            let (value, look) = field_value(entry, field.key, field.kind);
            cells.push(Cell::with(col_u16(col), value, look));
        }
        cells.push(Cell::new(uuid_col, Value::text(&entry.device.uuid)));
        for (j, header) in ctx.data.extra_headers.iter().enumerate() {
            let value = entry
                .device
                .extra
                .iter()
                .find(|(h, _)| h == header)
                .map_or(Value::Empty, |(_, v)| Value::text(v));
            cells.push(Cell::new(uuid_col + 1 + col_u16(j), value));
        }
        w.write_row(row_u32(i + 1), &cells)?;
    }
    w.autofilter(col_u16(columns.len().saturating_sub(1)))?;
    Ok((w.finish(), ctx.data.devices.len()))
}

/// The cell of one inventory field: dates as dates, `last_seen` as a date-time (UTC),
/// `clinical_impact` as a number, the computed columns from the device's progress.
pub(crate) fn field_value<'e>(
    entry: &'e DeviceEntry,
    key: &str,
    kind: FieldKind,
) -> (Value<'e>, Look) {
    let d = &entry.device;
    let p = entry.progress.as_ref();
    let value = match (key, kind) {
        ("device_id", _) => Value::string(d.short_id()),
        ("compliance_pct", _) => {
            let pct = p.and_then(|p| p.total.compliance()).map(|c| c / 100.0);
            return (Value::opt_number(pct), Look::Percent);
        }
        ("highest_risk_level", _) => p
            .and_then(|p| p.highest_risk)
            .map_or(Value::Empty, |l| Value::text(l.label())),
        ("last_assessed", _) => Value::opt_date(entry.last_assessed_on),
        ("last_assessor", _) => p
            .and_then(|p| p.last_assessed.as_ref())
            .map_or(Value::Empty, |(_, by)| Value::text(by)),
        ("clinical_impact", _) => match d.get(key).parse::<f64>() {
            Ok(n) => Value::Number(n),
            Err(_) => Value::text(d.get(key)),
        },
        (_, FieldKind::Date) => date_or_text(d.get(key)),
        (_, FieldKind::DateTime) => match parse_datetime(d.get(key)) {
            Some(t) => Value::DateTime(t.naive_utc()),
            None => Value::text(d.get(key)),
        },
        _ => Value::text(d.get(key)),
    };
    (value, Look::Auto)
}

fn col_u16(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn row_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}
