//! The rows merge compares: every row of the tables undo steps record, read from one workbook
//! as JSON objects of column values and named by the audit trail's stable keys
//! (`device:<uuid>`, `answer:<target>:<control>`, ... see `workbook::audit`).

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::super::audit::{Differ, LOCAL_COLUMNS};
use super::super::snapshot::{Table, to_json};

/// The tables merge reads, in the order rows are written (devices first: other rows refer to
/// them; findings before their risk register entries).
pub(super) const TABLES: [Table; 7] = [
    Table::Device,
    Table::VulnFinding,
    Table::Answer,
    Table::RiskEntry,
    Table::Attachment,
    Table::Sbom,
    Table::Mds2Document,
];

/// One row of one workbook.
#[derive(Debug, Clone)]
pub(super) struct Row {
    /// The stable key (with the other workbook's device UUIDs already mapped to ours).
    pub key: String,
    /// As people name it, e.g. `DEV-0003 ENC-01`.
    pub subject: String,
    /// The device's UUID (ours after mapping), if the row belongs to one.
    pub device: Option<String>,
    /// The catalog control, if any.
    pub control: Option<String>,
    /// Every column, local ones included.
    pub columns: Map<String, Value>,
}

/// Columns that are never compared: local to one file, in the key, or facts that the workbook
/// computes again (a finding's match facts come from the feeds).
pub(super) fn ignored(table: Table, column: &str) -> bool {
    if LOCAL_COLUMNS.contains(&column) {
        return true;
    }
    match table {
        Table::Device => matches!(column, "uuid" | "number" | "created_at"),
        Table::VulnFinding => matches!(
            column,
            "cve"
                | "component_key"
                | "match_json"
                | "component"
                | "component_version"
                | "first_seen"
                | "stale_since"
                | "updated_at"
        ),
        _ => false,
    }
}

/// Columns that travel with the row's other values rather than being merged on their own: who
/// answered and when go with the answer taken, whether a likelihood or impact is the default
/// with that likelihood or impact, a device field's source with that field, a device's
/// structured services with its `network_services`; a row's
/// `updated_at` with its newest change.
pub(super) fn follower(table: Table, column: &str) -> bool {
    match table {
        Table::Answer => matches!(
            column,
            "assessed_by" | "assessed_at" | "assessed_on" | "likelihood_default" | "impact_default"
        ),
        // A device's field sources follow the fields taken (see `apply::merged_sources`); the
        // structured services (`services_json`) follow `network_services`, their text form.
        Table::Device => matches!(column, "updated_at" | "sources_json" | "services_json"),
        Table::RiskEntry => column == "updated_at",
        _ => false,
    }
}

/// Whether two values are the same for merging: equal, or both empty (`null` or `""`).
pub(super) fn same(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| v.is_null() || v.as_str().is_some_and(str::is_empty);
    a == b || (empty(a) && empty(b))
}

/// Every row of `table` in `conn`, oldest row ID first.
pub(super) fn read_table(
    conn: &Connection,
    differ: &mut Differ,
    table: Table,
) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM {} ORDER BY id", table.name()))?;
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let raw = stmt
        .query_map([], |r| {
            let mut row = Map::new();
            for (i, name) in names.iter().enumerate() {
                row.insert(name.clone(), to_json(r.get_ref(i)?));
            }
            Ok(row)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(raw.len());
    for columns in raw {
        let (key, subject, device, control) = differ.identify(conn, table, &columns)?;
        out.push(Row {
            key,
            subject,
            device,
            control,
            columns,
        });
    }
    Ok(out)
}

/// The value of `column` in `row`, `null` when absent.
pub(super) fn value<'a>(row: &'a Map<String, Value>, column: &str) -> &'a Value {
    row.get(column).unwrap_or(&Value::Null)
}

/// The text of `column` in `row`, `""` when absent or not text.
pub(super) fn text<'a>(row: &'a Map<String, Value>, column: &str) -> &'a str {
    row.get(column).and_then(Value::as_str).unwrap_or("")
}
