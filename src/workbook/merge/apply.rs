//! Writing a merge plan into ours: one transaction, one undo step, theirs' audit entries then
//! one `merge` entry.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use serde_json::Value;

use super::super::audit::{NewEntry, append, setting_change};
use super::super::snapshot::{Table, snapshot_key, to_json, to_sql};
use super::super::undo::Recorder;
use super::super::{TxError, Workbook, WorkbookError, load_meta, sql};
use super::plan::{RowWork, WorkKind};
use super::rows::text;
use super::{Columns, MergeOutcome, MergePlan, Side};

/// Ours' row ID of a device of theirs (by its row ID in theirs).
struct DeviceIds<'a> {
    other: &'a Connection,
    uuid_map: &'a HashMap<String, String>,
    theirs_uuid: HashMap<i64, String>,
}

impl DeviceIds<'_> {
    fn ours(&mut self, tx: &Transaction<'_>, theirs_id: i64) -> Result<i64, TxError> {
        if !self.theirs_uuid.contains_key(&theirs_id) {
            let uuid: String = self.other.query_row(
                "SELECT uuid FROM device WHERE id = ?1",
                [theirs_id],
                |r| r.get(0),
            )?;
            self.theirs_uuid.insert(theirs_id, uuid);
        }
        let uuid = self
            .theirs_uuid
            .get(&theirs_id)
            .map(|u| self.uuid_map.get(u).unwrap_or(u).clone())
            .unwrap_or_default();
        tx.query_row("SELECT id FROM device WHERE uuid = ?1", [&uuid], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| {
            TxError::Invalid(format!(
                "merge: device {uuid} of the other workbook is missing in ours; nothing was changed"
            ))
        })
    }
}

fn sql_value(v: &Value, what: &str) -> Result<SqlValue, TxError> {
    to_sql(v).ok_or_else(|| {
        TxError::Invalid(format!(
            "merge: the value of {what} cannot be stored; nothing was changed"
        ))
    })
}

/// Inserts theirs' row into ours (local columns mapped; with row ID `new_id` when given, else the
/// next free one); returns its new row ID.
fn insert_row(
    tx: &Transaction<'_>,
    ids: &mut DeviceIds<'_>,
    table: Table,
    theirs: &Columns,
    new_id: Option<i64>,
) -> Result<i64, TxError> {
    let mut cols = theirs.clone();
    let theirs_id = cols.remove("id").and_then(|v| v.as_i64());
    if let Some(id) = new_id {
        cols.insert("id".into(), Value::from(id));
    }
    if table == Table::Device {
        let number: i64 = tx.query_row(
            "UPDATE assessment SET next_device_no = next_device_no + 1 WHERE id = 1
             RETURNING next_device_no - 1",
            [],
            |r| r.get(0),
        )?;
        cols.insert("number".into(), Value::from(number));
    }
    if let Some(dev) = cols.get("device_id").and_then(Value::as_i64) {
        let ours = ids.ours(tx, dev)?;
        cols.insert("device_id".into(), Value::from(ours));
        if text(&cols, "target_kind") == "device" {
            cols.insert("target_key".into(), Value::from(ours.to_string()));
        }
    }
    if let Some(fid) = cols.get("finding_id").and_then(Value::as_i64) {
        let (dev, cve, ckey): (i64, String, String) = ids.other.query_row(
            "SELECT device_id, cve, component_key FROM vuln_finding WHERE id = ?1",
            [fid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let dev = ids.ours(tx, dev)?;
        let ours: i64 = tx.query_row(
            "SELECT id FROM vuln_finding WHERE device_id = ?1 AND cve = ?2 AND component_key = ?3",
            params![dev, cve, ckey],
            |r| r.get(0),
        )?;
        cols.insert("finding_id".into(), Value::from(ours));
    }
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (name, v) in &cols {
        names.push(format!("\"{name}\""));
        values.push(sql_value(v, &format!("{}.{name}", table.name()))?);
    }
    let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    tx.execute(
        &format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name(),
            names.join(", "),
            marks.join(", ")
        ),
        params_from_iter(values),
    )?;
    let id = tx.last_insert_rowid();
    if table == Table::Attachment
        && let Some(old) = theirs_id
    {
        let bytes: Option<Vec<u8>> = ids
            .other
            .query_row(
                "SELECT bytes FROM attachment_data WHERE attachment_id = ?1",
                [old],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(bytes) = bytes {
            tx.execute(
                "INSERT INTO attachment_data (attachment_id, bytes) VALUES (?1, ?2)",
                params![id, bytes],
            )?;
        }
    }
    Ok(id)
}

/// Ours' row of `table` with this row ID, as a JSON object of column values.
fn read_by_id(tx: &Transaction<'_>, table: Table, id: i64) -> Result<Columns, TxError> {
    let mut stmt = tx.prepare_cached(&format!("SELECT * FROM {} WHERE id = ?1", table.name()))?;
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    Ok(stmt.query_row([id], |r| {
        let mut row = Columns::new();
        for (i, name) in names.iter().enumerate() {
            row.insert(name.clone(), to_json(r.get_ref(i)?));
        }
        Ok(row)
    })?)
}

/// The undo step's key of a row of ours.
fn row_key(table: Table, row: &Columns) -> Result<super::super::snapshot::RowKey, TxError> {
    snapshot_key(table, &Value::Object(row.clone()).to_string()).ok_or_else(|| {
        TxError::Invalid(format!(
            "merge: a {} row cannot be named; nothing was changed",
            table.name()
        ))
    })
}

/// Sets `columns` of ours' row to theirs' values, with the columns that travel with them.
fn update_row(
    tx: &Transaction<'_>,
    rec: &mut Recorder,
    table: Table,
    ours: &Columns,
    theirs: &Columns,
    columns: &[String],
) -> Result<(), TxError> {
    let mut columns = columns.to_vec();
    let later = |c: &str| text(theirs, c) > text(ours, c);
    for (rated, flag) in [
        ("likelihood", "likelihood_default"),
        ("impact", "impact_default"),
    ] {
        if table == Table::Answer && columns.iter().any(|c| c == rated) {
            columns.push(flag.to_string());
        }
    }
    match table {
        Table::Answer if columns.iter().any(|c| c == "response") || later("assessed_at") => {
            columns.extend(["assessed_by", "assessed_at", "assessed_on"].map(String::from));
        }
        Table::Device | Table::RiskEntry if later("updated_at") => {
            columns.push("updated_at".into());
        }
        _ => {}
    }
    if table == Table::Device && columns.iter().any(|c| c == "network_services") {
        columns.push("services_json".into());
    }
    let mut new: Vec<(String, Value)> = columns
        .iter()
        .map(|c| (c.clone(), theirs.get(c).cloned().unwrap_or(Value::Null)))
        .collect();
    if table == Table::Device
        && let Some(sources) = merged_sources(ours, theirs, columns.as_slice())
    {
        new.push(("sources_json".into(), sources));
    }
    let id = ours.get("id").and_then(Value::as_i64).unwrap_or(0);
    rec.touch(tx, row_key(table, ours)?)?;
    let mut sets = Vec::new();
    let mut values = Vec::new();
    for (i, (c, v)) in new.iter().enumerate() {
        sets.push(format!("\"{c}\" = ?{}", i + 1));
        values.push(sql_value(v, &format!("{}.{c}", table.name()))?);
    }
    values.push(SqlValue::Integer(id));
    tx.execute(
        &format!(
            "UPDATE {} SET {} WHERE id = ?{}",
            table.name(),
            sets.join(", "),
            values.len()
        ),
        params_from_iter(values),
    )?;
    Ok(())
}

/// A device's field sources (`sources_json`, field key -> who set it) after taking `columns`
/// from theirs: ours', with each taken field's source from theirs. `None` when unchanged.
fn merged_sources(ours: &Columns, theirs: &Columns, columns: &[String]) -> Option<Value> {
    let parse = |row: &Columns| match serde_json::from_str::<Value>(text(row, "sources_json")) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let mine = parse(ours);
    let other = parse(theirs);
    let mut merged = mine.clone();
    for c in columns {
        match other.get(c) {
            Some(v) => merged.insert(c.clone(), v.clone()),
            None => merged.remove(c),
        };
    }
    (merged != mine).then(|| Value::from(Value::Object(merged).to_string()))
}

/// Copies theirs' feed document (kind, name) with its items over ours'.
fn copy_feed(
    tx: &Transaction<'_>,
    other: &Connection,
    kind: &str,
    name: &str,
) -> Result<(), TxError> {
    type FeedRow = (i64, String, String, String, String, String, String, i64);
    let (theirs_id, feed_date, version, title, file_name, sha256, imported_at, count): FeedRow =
        other.query_row(
            "SELECT id, feed_date, version, title, file_name, sha256, imported_at, item_count
             FROM feed WHERE kind = ?1 AND name = ?2",
            [kind, name],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )?;
    tx.execute(
        "DELETE FROM feed WHERE kind = ?1 AND name = ?2",
        [kind, name],
    )?;
    tx.execute(
        "INSERT INTO feed (kind, name, feed_date, version, title, file_name, sha256,
             imported_at, item_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            kind,
            name,
            feed_date,
            version,
            title,
            file_name,
            sha256,
            imported_at,
            count
        ],
    )?;
    let feed_id = tx.last_insert_rowid();
    let mut read =
        other.prepare("SELECT cve, body FROM feed_item WHERE feed_id = ?1 ORDER BY id")?;
    let mut rows = read.query([theirs_id])?;
    let mut write =
        tx.prepare_cached("INSERT INTO feed_item (feed_id, cve, body) VALUES (?1, ?2, ?3)")?;
    while let Some(r) = rows.next()? {
        write.execute(params![
            feed_id,
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?
        ])?;
    }
    Ok(())
}

impl Workbook {
    /// Applies `plan` (from [`Workbook::plan_merge`] against the same `other`, with both still
    /// open) with `choices[i]` resolving `plan.conflicts[i]`, in one transaction and one undo
    /// step; appends theirs' entries that ours lacks and one `merge` entry naming both heads.
    /// A plan that changes nothing and brings no entry writes nothing. Findings are refreshed
    /// afterwards when feeds were taken.
    ///
    /// Errors: `Invalid` (choices do not match the conflicts; a row of theirs that cannot be
    /// placed), `Sqlite`; nothing changes on error.
    pub fn merge(
        &mut self,
        other: &Workbook,
        plan: &MergePlan,
        choices: &[Side],
    ) -> Result<MergeOutcome, WorkbookError> {
        if choices.len() != plan.conflicts.len() {
            return Err(WorkbookError::Invalid(format!(
                "merge: {} conflict(s) but {} choice(s); nothing was changed",
                plan.conflicts.len(),
                choices.len()
            )));
        }
        let took_theirs = choices.iter().filter(|c| **c == Side::Theirs).count();
        let mut outcome = MergeOutcome {
            entries: plan.entries,
            took_theirs,
            kept_ours: choices.len() - took_theirs,
            ..MergeOutcome::default()
        };
        if plan.is_empty() || (plan.changes(took_theirs) == 0 && plan.entries == 0) {
            outcome.head = self.audit_head()?;
            return Ok(outcome);
        }
        let file = plan
            .other
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| plan.other.display().to_string());
        let mut entry: NewEntry = self.new_entry("merge", "", Vec::new());
        // Settings and feeds are not rows of an undo step: their changes go in the entry.
        for w in plan.work.iter().filter(|w| w.table.is_none()) {
            for c in theirs_columns(w, choices) {
                let old = w.ours.as_ref().and_then(|r| r.get(&c)).cloned();
                let new = w.theirs.as_ref().and_then(|r| r.get(&c)).cloned();
                entry.changes.push(setting_change(
                    "assessment",
                    "assessment",
                    &c,
                    old.unwrap_or(Value::Null),
                    new.unwrap_or(Value::Null),
                ));
            }
        }
        for f in &plan.feeds {
            entry.changes.push(setting_change(
                "feed",
                &format!("feed:{}:{}", f.kind, f.name),
                "feed_date",
                f.ours_date.clone().map_or(Value::Null, Value::from),
                Value::from(f.theirs_date.clone()),
            ));
        }
        entry.summary = format!(
            "merge {file} ({} changes): ours {} entries head {} + theirs {} entries head {}",
            plan.changes(took_theirs),
            plan.ours_head.length,
            plan.ours_head.hash,
            plan.theirs_head.length,
            plan.theirs_head.hash
        );
        let mut ids = DeviceIds {
            other: &other.conn,
            uuid_map: &plan.uuid_map,
            theirs_uuid: HashMap::new(),
        };
        let changes = self.recorded_as(entry.clone(), |tx, rec| {
            for e in &plan.append {
                append(
                    tx,
                    NewEntry {
                        entry_id: Some(e.entry_id.clone()),
                        at: Some(e.at.clone()),
                        actor: e.actor.clone(),
                        action: e.action.clone(),
                        summary: e.summary.clone(),
                        changes: e.changes.clone(),
                        origin: e.origin.clone(),
                    },
                )?;
            }
            let mut changes = 0;
            let mut row_changes = 0;
            for f in &plan.feeds {
                copy_feed(tx, &other.conn, &f.kind, &f.name)?;
                changes += 1;
            }
            // Rows in table order (devices before the rows that refer to them).
            for table in super::rows::TABLES {
                for w in plan.work.iter().filter(|w| w.table == Some(table)) {
                    let n = apply_row(tx, rec, &mut ids, table, w, choices)?;
                    changes += n;
                    row_changes += n;
                }
            }
            for w in plan.work.iter().filter(|w| w.table.is_none()) {
                for c in theirs_columns(w, choices) {
                    let v = w
                        .theirs
                        .as_ref()
                        .and_then(|r| r.get(&c))
                        .unwrap_or(&Value::Null);
                    if super::plan::SETTINGS.contains(&c.as_str()) {
                        tx.execute(
                            &format!("UPDATE assessment SET {c} = ?1 WHERE id = 1"),
                            [sql_value(v, &c)?],
                        )?;
                        changes += 1;
                    }
                }
            }
            if row_changes == 0 {
                // No undo step (nothing a step records changed): the entry is written here.
                append(tx, entry.clone())?;
            }
            Ok((changes, format!("merge {file} ({changes} changes)")))
        });
        outcome.changes = changes?;
        self.meta = load_meta(&self.conn).map_err(|e| sql(&self.path, e))?;
        if !plan.feeds.is_empty() {
            self.refresh_findings()?;
        }
        outcome.head = self.audit_head()?;
        Ok(outcome)
    }
}

/// The columns of `w` that take theirs' value: taken ones and conflicts resolved for theirs.
fn theirs_columns(w: &RowWork, choices: &[Side]) -> Vec<String> {
    let mut cols = w.take.clone();
    for (c, i) in &w.conflicts {
        if choices.get(*i) == Some(&Side::Theirs) {
            cols.push(c.clone());
        }
    }
    cols
}

/// Applies one row's work; returns the number of changes (fields, or 1 for a row added or
/// removed).
fn apply_row(
    tx: &Transaction<'_>,
    rec: &mut Recorder,
    ids: &mut DeviceIds<'_>,
    table: Table,
    w: &RowWork,
    choices: &[Side],
) -> Result<usize, TxError> {
    let cols = theirs_columns(w, choices);
    let any_ours = w
        .conflicts
        .iter()
        .any(|(_, i)| choices.get(*i) == Some(&Side::Ours));
    match (w.kind, &w.ours, &w.theirs) {
        (WorkKind::Update, Some(o), Some(t)) if !cols.is_empty() => {
            update_row(tx, rec, table, o, t, &cols)?;
            Ok(cols.len())
        }
        (WorkKind::Insert { always }, _, Some(t)) if always || !cols.is_empty() => {
            let id = insert_row(tx, ids, table, t, w.new_id)?;
            let row = read_by_id(tx, table, id)?;
            rec.created(row_key(table, &row)?);
            Ok(1)
        }
        (WorkKind::Delete { always }, Some(o), _) if always || (!any_ours && !cols.is_empty()) => {
            rec.touch(tx, row_key(table, o)?)?;
            let id = o.get("id").and_then(Value::as_i64).unwrap_or(0);
            tx.execute(&format!("DELETE FROM {} WHERE id = ?1", table.name()), [id])?;
            Ok(1)
        }
        _ => Ok(0),
    }
}
