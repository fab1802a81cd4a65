//! The reference and not-yet-filled sheets: `MDS2` (headers only in this version), `Control
//! Catalog` and `Lists` (`2 CVE Findings` is `super::cve`).

use super::Context;
use crate::export::ExportError;
use crate::export::layout::{CATALOG_COLUMNS, Column, ListId, ListValue, MDS2_COLUMNS, step_label};
use crate::export::xlsx::{Cell, Look, SheetRecord, SheetWriter, Value};

/// Writes a sheet that has only its header row for now (`MDS2`).
pub fn write_headers_only(
    mut w: SheetWriter<'_>,
    columns: &[Column],
    level_col: Option<u16>,
) -> Result<SheetRecord, ExportError> {
    w.table(columns, 0)?;
    if let Some(col) = level_col {
        w.level_colours(col)?;
    }
    w.autofilter(last_col(columns))?;
    Ok(w.finish())
}

/// `MDS2` (headers; rows come with the MDS2 issue).
pub fn write_mds2(w: SheetWriter<'_>) -> Result<SheetRecord, ExportError> {
    write_headers_only(w, &MDS2_COLUMNS, None)
}

/// `Control Catalog`: every control with its step, scope, texts, cross-references, the catalog
/// version and the SHA-256 of its question.
pub fn write_catalog(
    mut w: SheetWriter<'_>,
    ctx: &Context<'_>,
) -> Result<SheetRecord, ExportError> {
    w.table(&CATALOG_COLUMNS, 1)?;
    let cat = ctx.data.catalog;
    let mut row = 0u32;
    for step in &cat.steps {
        let step_name = step_label(step.number, &step.name);
        for c in &step.controls {
            row += 1;
            let values = [
                Value::text(&c.id),
                Value::text(&step_name),
                Value::text(c.scope.label()),
                Value::text(&c.title),
                Value::text(&c.question),
                Value::text(&c.evidence),
                Value::string(c.mds2.join("; ")),
                Value::string(c.iec80001.join("; ")),
                Value::string(c.csf.join("; ")),
                Value::string(c.hicp.join("; ")),
                Value::text(&cat.version),
                Value::string(c.question_hash()),
            ];
            let cells: Vec<Cell<'_>> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| Cell::new(i as u16, v))
                .collect();
            w.write_row(row, &cells)?;
        }
    }
    w.autofilter(last_col(&CATALOG_COLUMNS))?;
    Ok(w.finish())
}

/// `Lists`: one column per validation list, header in row 1, values below (the ranges the
/// drop-downs refer to, e.g. `=Lists!$A$2:$A$6`).
pub fn write_lists(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    let columns: Vec<Column> = ListId::ALL
        .iter()
        .map(|l| Column {
            header: l.header().into(),
            width: 18.0,
            editable: false,
            hidden: false,
            list: None,
            open_list: false,
        })
        .collect();
    w.table(&columns, 0)?;
    let lists: Vec<Vec<ListValue>> = ListId::ALL
        .iter()
        .map(|l| l.values(ctx.data.catalog))
        .collect();
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        let cells: Vec<Cell<'_>> = lists
            .iter()
            .enumerate()
            .filter_map(|(col, values)| {
                let v = match values.get(i)? {
                    ListValue::Text(t) => Value::text(t),
                    ListValue::Number(n) => Value::Number(*n),
                };
                Some(Cell::with(col as u16, v, Look::Auto))
            })
            .collect();
        w.write_row(i as u32 + 1, &cells)?;
    }
    w.autofilter(last_col(&columns))?;
    Ok(w.finish())
}

fn last_col(columns: &[Column]) -> u16 {
    u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0)
}
