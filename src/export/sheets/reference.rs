//! The reference sheets: `MDS2`, `Control Catalog` and `Lists` (`2 CVE Findings` is
//! `super::cve`).

use super::Context;
use crate::export::ExportError;
use crate::export::layout::{CATALOG_COLUMNS, Column, ListId, ListValue, MDS2_COLUMNS, step_label};
use crate::export::xlsx::{Cell, Look, SheetRecord, SheetWriter, Value};

/// `MDS2` (TEMPLATE.md "MDS2"): one row per question of every current MDS2 document, devices'
/// and models', in document order then form order: target (short ID or `MODEL:…`), DOC-4,
/// DOC-7, section, question ID, normalised answer, raw answer, note, the three reference
/// columns, the file's name and SHA-256 and when it was imported (UTC). The question text is not
/// written (it is NEMA's form text).
pub fn write_mds2(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    w.table(&MDS2_COLUMNS, 0)?;
    let mut row = 0u32;
    for doc in &ctx.data.mds2 {
        let target = match &doc.target {
            crate::assessment::Target::Device(id) => ctx
                .data
                .devices
                .iter()
                .find(|e| e.device.id == *id)
                .map(|e| e.device.short_id()),
            other => other.scope_key(),
        };
        let Some(target) = target else {
            continue;
        };
        let imported = chrono::DateTime::parse_from_rfc3339(&doc.imported_at)
            .map(|t| Value::DateTime(t.naive_utc()))
            .unwrap_or_else(|_| Value::text(&doc.imported_at));
        for q in &doc.rows {
            row += 1;
            let values = [
                Value::text(&target),
                Value::text(&doc.doc_id),
                Value::opt_date(doc.release_date),
                Value::text(&q.section),
                Value::text(&q.question_id),
                Value::text(q.answer.label()),
                Value::text(&q.raw),
                Value::text(&q.note),
                Value::text(&q.iec),
                Value::text(&q.nist),
                Value::text(&q.iso),
                Value::text(&doc.file_name),
                Value::text(&doc.sha256),
                imported.clone(),
            ];
            let cells: Vec<Cell<'_>> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| Cell::new(i as u16, v))
                .collect();
            w.write_row(row, &cells)?;
        }
    }
    w.autofilter(last_col(&MDS2_COLUMNS))?;
    Ok(w.finish())
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
