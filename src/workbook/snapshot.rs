//! Rows as undo steps keep them: a whole `answer`, `risk_entry`, `device`, `attachment`,
//! `sbom`, `vuln_finding` or `mds2_document` row as a JSON object of column values, read before
//! and after a change and written back by undo and redo. An attachment's bytes live in
//! `attachment_data`, which steps never record.

use std::collections::HashMap;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use serde_json::{Map, Value};

use super::targets::target_columns;
use super::{TxError, now_utc};
use crate::assessment::Target;

/// A table whose rows steps record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Table {
    Answer,
    RiskEntry,
    Device,
    Attachment,
    Sbom,
    VulnFinding,
    Mds2Document,
}

impl Table {
    pub(super) fn name(self) -> &'static str {
        match self {
            Table::Answer => "answer",
            Table::RiskEntry => "risk_entry",
            Table::Device => "device",
            Table::Attachment => "attachment",
            Table::Sbom => "sbom",
            Table::VulnFinding => "vuln_finding",
            Table::Mds2Document => "mds2_document",
        }
    }

    pub(super) fn parse(name: &str) -> Option<Table> {
        [
            Table::Answer,
            Table::RiskEntry,
            Table::Device,
            Table::Attachment,
            Table::Sbom,
            Table::VulnFinding,
            Table::Mds2Document,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

/// Which row a step touched: a device or an attachment by its row ID (neither row is ever
/// removed); an SBOM by its row ID (undoing its import deletes it; the one it replaced comes
/// back from its own snapshot); an answer or a risk entry by its target and control, which
/// outlive the row itself; a vulnerability finding by its row ID (never removed) and its
/// register entry by the finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum RowKey {
    Device(i64),
    Attachment(i64),
    Sbom(i64),
    VulnFinding(i64),
    FindingRisk(i64),
    /// An imported MDS2 by its row ID: undoing its import deletes the row (its answers live in
    /// the row, so nothing else refers to it), redoing inserts it again under the same ID.
    Mds2Document(i64),
    Keyed {
        table: Table,
        kind: String,
        key: String,
        control_id: String,
    },
}

impl RowKey {
    /// The answer row of `target` and `control_id`.
    pub(super) fn answer(target: &Target, control_id: &str) -> RowKey {
        Self::keyed(Table::Answer, target, control_id)
    }

    /// The risk register row of `target` and `control_id`.
    pub(super) fn risk_entry(target: &Target, control_id: &str) -> RowKey {
        Self::keyed(Table::RiskEntry, target, control_id)
    }

    /// The risk register row of the vulnerability finding with this row ID.
    pub(super) fn finding_risk(finding_id: i64) -> RowKey {
        RowKey::FindingRisk(finding_id)
    }

    fn keyed(table: Table, target: &Target, control_id: &str) -> RowKey {
        let (kind, key, _, _) = target_columns(target);
        RowKey::Keyed {
            table,
            kind: kind.to_string(),
            key,
            control_id: control_id.to_string(),
        }
    }

    /// The key of the row a snapshot of `table` holds.
    fn of_snapshot(table: Table, row: &Map<String, Value>) -> Option<RowKey> {
        let text = |column: &str| row.get(column).and_then(Value::as_str).map(str::to_string);
        match table {
            Table::Device => row.get("id").and_then(Value::as_i64).map(RowKey::Device),
            Table::Attachment => row
                .get("id")
                .and_then(Value::as_i64)
                .map(RowKey::Attachment),
            Table::Sbom => row.get("id").and_then(Value::as_i64).map(RowKey::Sbom),
            Table::VulnFinding => row
                .get("id")
                .and_then(Value::as_i64)
                .map(RowKey::VulnFinding),
            Table::RiskEntry if row.get("finding_id").is_some_and(|v| !v.is_null()) => row
                .get("finding_id")
                .and_then(Value::as_i64)
                .map(RowKey::FindingRisk),
            Table::Mds2Document => row
                .get("id")
                .and_then(Value::as_i64)
                .map(RowKey::Mds2Document),
            Table::Answer | Table::RiskEntry => Some(RowKey::Keyed {
                table,
                kind: text("target_kind")?,
                key: text("target_key")?,
                control_id: text("control_id")?,
            }),
        }
    }

    pub(super) fn table(&self) -> Table {
        match self {
            RowKey::Device(_) => Table::Device,
            RowKey::Attachment(_) => Table::Attachment,
            RowKey::Sbom(_) => Table::Sbom,
            RowKey::VulnFinding(_) => Table::VulnFinding,
            RowKey::FindingRisk(_) => Table::RiskEntry,
            RowKey::Mds2Document(_) => Table::Mds2Document,
            RowKey::Keyed { table, .. } => *table,
        }
    }

    /// The `WHERE` condition selecting the row, its parameters numbered from `?first`.
    fn condition(&self, first: usize) -> String {
        match self {
            RowKey::Device(_)
            | RowKey::Attachment(_)
            | RowKey::Sbom(_)
            | RowKey::Mds2Document(_)
            | RowKey::VulnFinding(_) => {
                format!("id = ?{first}")
            }
            RowKey::FindingRisk(_) => format!("finding_id = ?{first}"),
            RowKey::Keyed {
                table: Table::RiskEntry,
                ..
            } => format!(
                "target_kind = ?{first} AND target_key = ?{} AND control_id = ?{} \
                 AND finding_id IS NULL",
                first + 1,
                first + 2
            ),
            RowKey::Keyed { .. } => format!(
                "target_kind = ?{first} AND target_key = ?{} AND control_id = ?{}",
                first + 1,
                first + 2
            ),
        }
    }

    fn args(&self) -> Vec<SqlValue> {
        match self {
            RowKey::Device(id)
            | RowKey::Attachment(id)
            | RowKey::Sbom(id)
            | RowKey::Mds2Document(id)
            | RowKey::VulnFinding(id)
            | RowKey::FindingRisk(id) => vec![SqlValue::Integer(*id)],
            RowKey::Keyed {
                kind,
                key,
                control_id,
                ..
            } => vec![
                SqlValue::Text(kind.clone()),
                SqlValue::Text(key.clone()),
                SqlValue::Text(control_id.clone()),
            ],
        }
    }
}

/// The key of the row a snapshot (JSON object of column values) of `table` holds.
pub(super) fn snapshot_key(table: Table, json: &str) -> Option<RowKey> {
    match serde_json::from_str(json) {
        Ok(Value::Object(row)) => RowKey::of_snapshot(table, &row),
        _ => None,
    }
}

/// The `vuln_finding` columns a refresh writes (never restored by undo or redo).
const FEED_FACTS: [&str; 6] = [
    "match_json",
    "component",
    "component_version",
    "first_seen",
    "stale_since",
    "updated_at",
];

/// The whole row as a JSON object of column values, `None` when it does not exist.
pub(super) fn read_row(conn: &Connection, key: &RowKey) -> rusqlite::Result<Option<String>> {
    Ok(read_row_map(conn, key)?.map(|row| Value::Object(row).to_string()))
}

/// The row as [`read_row`] gives it, before it is written out as JSON text (column name →
/// value), for a caller that compares it field by field (the audit) and would otherwise parse
/// the text back.
pub(super) fn read_row_map(
    conn: &Connection,
    key: &RowKey,
) -> rusqlite::Result<Option<Map<String, Value>>> {
    let sql = format!(
        "SELECT * FROM {} WHERE {}",
        key.table().name(),
        key.condition(1)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    stmt.query_row(params_from_iter(key.args()), |r| {
        let mut row = Map::new();
        for (i, name) in names.iter().enumerate() {
            row.insert(name.clone(), to_json(r.get_ref(i)?));
        }
        Ok(row)
    })
    .optional()
}

pub(super) fn to_json(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => {
            let mut o = Map::new();
            o.insert("blob".to_string(), Value::String(hex::encode(b)));
            Value::Object(o)
        }
    }
}

pub(super) fn to_sql(value: &Value) -> Option<SqlValue> {
    Some(match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64()?),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Object(o) => SqlValue::Blob(hex::decode(o.get("blob")?.as_str()?).ok()?),
        Value::Array(_) => return None,
    })
}

pub(super) fn damaged(step: i64) -> TxError {
    TxError::Invalid(format!(
        "the undo history is damaged (step {step}); nothing was changed"
    ))
}

fn parse_snapshot(step: i64, json: Option<&str>) -> Result<Option<Map<String, Value>>, TxError> {
    json.map(|j| match serde_json::from_str(j) {
        Ok(Value::Object(row)) => Ok(row),
        _ => Err(damaged(step)),
    })
    .transpose()
}

/// Writes one row back to the state `want` (`None` = the row did not exist); `other` is the row's
/// state on the other side of the step, which names the row when `want` is `None`. `columns`
/// caches each table's current columns: a snapshot's columns that no longer exist are skipped,
/// columns added since it was taken keep their current value.
pub(super) fn restore(
    tx: &Transaction<'_>,
    columns: &mut HashMap<Table, Vec<String>>,
    step: i64,
    table: Table,
    want: Option<&str>,
    other: Option<&str>,
) -> Result<(), TxError> {
    let want = parse_snapshot(step, want)?;
    let other = parse_snapshot(step, other)?;
    let Some(named) = want.as_ref().or(other.as_ref()) else {
        return Ok(());
    };
    let key = RowKey::of_snapshot(table, named).ok_or_else(|| damaged(step))?;
    let Some(row) = want else {
        match key {
            RowKey::Device(id) => tx.execute(
                "UPDATE device SET deleted_at = ?1 WHERE id = ?2 AND deleted_at IS NULL",
                params![now_utc(), id],
            )?,
            // Undoing an attachment's addition removes it again; its bytes stay for a redo.
            RowKey::Attachment(id) => tx.execute(
                "UPDATE attachment SET removed_at = ?1 WHERE id = ?2 AND removed_at IS NULL",
                params![now_utc(), id],
            )?,
            RowKey::Mds2Document(id) => {
                tx.execute("DELETE FROM mds2_document WHERE id = ?1", [id])?
            }
            RowKey::Sbom(_)
            | RowKey::Keyed { .. }
            | RowKey::VulnFinding(_)
            | RowKey::FindingRisk(_) => tx
                .prepare_cached(&format!(
                    "DELETE FROM {} WHERE {}",
                    table.name(),
                    key.condition(1)
                ))?
                .execute(params_from_iter(key.args()))?,
        };
        return Ok(());
    };
    if let std::collections::hash_map::Entry::Vacant(slot) = columns.entry(table) {
        let mut stmt = tx.prepare("SELECT name FROM pragma_table_info(?1)")?;
        let names = stmt
            .query_map([table.name()], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        slot.insert(names);
    }
    let known = columns.get(&table).map(Vec::as_slice).unwrap_or_default();
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut id = None;
    for (name, value) in &row {
        if !known.contains(name) {
            continue;
        }
        // A finding's match facts come from the feeds, not from the step: undo and redo put
        // back the assessor's decision and rating, never older match facts.
        if table == Table::VulnFinding && FEED_FACTS.contains(&name.as_str()) {
            continue;
        }
        let value = to_sql(value).ok_or_else(|| damaged(step))?;
        if name == "id" {
            id = Some(value);
        } else {
            names.push(format!("\"{name}\""));
            values.push(value);
        }
    }
    if names.is_empty() {
        return Err(damaged(step));
    }
    let sets: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n} = ?{}", i + 1))
        .collect();
    let update = format!(
        "UPDATE {} SET {} WHERE {}",
        table.name(),
        sets.join(", "),
        key.condition(values.len() + 1)
    );
    let mut args = values.clone();
    args.extend(key.args());
    // Statements are cached: restoring a large step runs the same few thousands of times.
    if tx
        .prepare_cached(&update)?
        .execute(params_from_iter(args))?
        > 0
    {
        return Ok(());
    }
    // The row is gone: insert it, under its old row ID unless another row has taken it.
    if let Some(id) = id {
        let taken = tx
            .prepare_cached(&format!("SELECT 1 FROM {} WHERE id = ?1", table.name()))?
            .query_row([&id], |_| Ok(()))
            .optional()?
            .is_some();
        if !taken {
            names.push("id".to_string());
            values.push(id);
        }
    }
    let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    tx.prepare_cached(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name(),
        names.join(", "),
        marks.join(", ")
    ))?
    .execute(params_from_iter(values))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_the_json_round_trip() {
        for v in [
            SqlValue::Null,
            SqlValue::Integer(-7),
            SqlValue::Real(2.5),
            SqlValue::Text("東芝 \"x\"\n".into()),
            SqlValue::Blob(vec![0, 255, 16]),
        ] {
            let json = to_json(ValueRef::from(&v));
            assert_eq!(to_sql(&json), Some(v));
        }
        assert_eq!(to_sql(&Value::Array(vec![])), None);
    }
}
