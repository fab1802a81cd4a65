//! `_medsec`, the very hidden last sheet: key/value rows an import uses to recognise the
//! workbook and to tell a truncated or re-saved copy from an edited one (TEMPLATE.md "Rules that
//! hold for every sheet").
//!
//! Keys, in order: `format_version` (number), `workbook_id` (empty for a template),
//! `catalog_version`, `exported_at` (UTC, RFC 3339), `app_version`, `as_of` (`YYYY-MM-DD`),
//! `audit_head` (the audit trail's last hash, 64 hex digits; empty for a template), `audit_length`
//! (entries), then for every
//! other sheet in workbook order `rows:<sheet>` (rows below the header, up to the last row with a
//! value) and `sha256:<sheet>` (see [`crate::export::xlsx`] for the canonical cell text).

use super::Context;
use crate::export::ExportError;
use crate::export::layout::FORMAT_VERSION;
use crate::export::xlsx::{Cell, Look, SheetRecord, SheetWriter, Value};

/// Writes `_medsec` from the records of the sheets before it, and hides it (very hidden).
pub fn write(
    mut w: SheetWriter<'_>,
    ctx: &Context<'_>,
    records: &[SheetRecord],
) -> Result<SheetRecord, ExportError> {
    w.very_hidden();
    w.column_widths(&[(0, 36.0), (1, 70.0)])?;
    w.freeze_panes(1, 0)?;
    let data = ctx.data;
    let workbook_id = if data.template {
        String::new()
    } else {
        data.meta.workbook_id.clone()
    };
    let mut rows: Vec<(String, Value<'_>)> = vec![
        (
            "format_version".into(),
            Value::Number(f64::from(FORMAT_VERSION)),
        ),
        ("workbook_id".into(), Value::string(workbook_id)),
        ("catalog_version".into(), Value::text(&data.catalog.version)),
        ("exported_at".into(), Value::text(&ctx.exported_at)),
        ("app_version".into(), Value::text(ctx.opts.app_version)),
        (
            "as_of".into(),
            Value::string(ctx.opts.as_of.format("%Y-%m-%d").to_string()),
        ),
        (
            "audit_head".into(),
            if data.audit.length == 0 {
                Value::Empty
            } else {
                Value::text(&data.audit.hash)
            },
        ),
        (
            "audit_length".into(),
            Value::Number(data.audit.length as f64),
        ),
    ];
    for r in records {
        rows.push((format!("rows:{}", r.name), Value::Number(f64::from(r.rows))));
        rows.push((format!("sha256:{}", r.name), Value::text(&r.sha256)));
    }
    w.write_row(
        0,
        &[
            Cell::with(0, Value::text("key"), Look::Header),
            Cell::with(1, Value::text("value"), Look::Header),
        ],
    )?;
    for (i, (key, value)) in rows.into_iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        w.write_row(
            row,
            &[Cell::new(0, Value::string(key)), Cell::new(1, value)],
        )?;
    }
    w.autofilter(1)?;
    Ok(w.finish())
}
