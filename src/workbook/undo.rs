//! Undo and redo that survive a restart.
//!
//! Every change made through the [`Workbook`] API is recorded as one step, in the same SQLite
//! transaction as the change itself, in the `change_step` and `change_row` tables. A step keeps,
//! for every row it touched (`answer`, `risk_entry`, `device` and `attachment` rows), the whole
//! row before and after the change as a JSON object of column values (`NULL` = the row did not
//! exist).
//!
//! - Undo writes back the "before" rows of the newest step not undone and marks it undone; redo
//!   writes back the "after" rows of the oldest undone step and marks it done again. Undo and redo
//!   are not themselves recorded as steps.
//! - Recording a new step drops every undone step (the redo branch).
//! - Only the last [`UNDO_STEPS`] steps are kept.
//! - A step touching more than [`UNDO_STEP_ROWS`] rows is not kept: the whole history is cleared
//!   instead, since older steps cannot be undone across a change that is not recorded (the TUI
//!   says "that change is too large to undo").
//! - A change that leaves every row as it was records nothing (and keeps the redo branch).
//! - Device rows are never removed: undoing the addition of a device marks it deleted, as
//!   [`Workbook::delete_device`] does (its short ID stays used), and redoing brings it back.
//! - Attachment rows are never removed either: adding and removing evidence are steps like any
//!   other; undoing an addition marks the attachment removed, undoing a removal brings it back.
//!   A step records the `attachment` row only, never the file's bytes (`attachment_data`), which
//!   stay in the workbook for as long as the row does.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;

use super::audit::{
    AUDIT_ENTRY_ROWS, AUDIT_ITEMISE_ROWS, CONTINUED, Differ, NewEntry, append, summary_changes,
};
use super::snapshot::{RowKey, Table, damaged, read_row, read_row_map, restore, snapshot_key};
use super::{TxError, Workbook, WorkbookError, now_utc, sql};
use crate::device::fields::clean_text;

/// How many steps the history keeps; older ones are forgotten when a new one is recorded.
pub const UNDO_STEPS: usize = 50;

/// The most rows one step may touch and still be kept; a larger change clears the whole history.
pub const UNDO_STEP_ROWS: usize = 20_000;

/// Longest label kept, in characters (longer ones end with `…`).
const LABEL_CHARS: usize = 120;

/// One recorded change as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeStep {
    /// The step's ID: increasing with time, never reused.
    pub id: i64,
    /// Short and human, e.g. `answer DEV-0003 ENC-01 Yes`, `scan import (12 devices)`.
    pub label: String,
    /// When the change was made (UTC, whole seconds).
    pub at: DateTime<Utc>,
}

/// Collects the rows one change touches, with their state before it, then writes the step and
/// its audit entry.
#[derive(Default)]
pub(super) struct Recorder {
    rows: Vec<(RowKey, Option<String>)>,
    seen: HashSet<RowKey>,
    // More rows than the audit itemises: only counts per table are kept from then on.
    too_many: bool,
    // Rows the change created: when more than an undo step keeps, the step's rows are not
    // written at all (the history is cleared).
    created: usize,
    counts: HashMap<Table, usize>,
}

impl Recorder {
    /// Notes that the change is about to modify this row: its current state is kept the first
    /// time (call before modifying it).
    pub(super) fn touch(&mut self, conn: &Connection, key: RowKey) -> rusqlite::Result<()> {
        if self.seen.contains(&key) {
            return Ok(());
        }
        let before = if self.too_many {
            None
        } else {
            read_row(conn, &key)?
        };
        self.push(key, before);
        Ok(())
    }

    /// Notes a row the change has just created (it did not exist before).
    pub(super) fn created(&mut self, key: RowKey) {
        if !self.seen.contains(&key) {
            self.created += 1;
            self.push(key, None);
        }
    }

    fn push(&mut self, key: RowKey, before: Option<String>) {
        *self.counts.entry(key.table()).or_default() += 1;
        if self.too_many {
            return;
        }
        if self.rows.len() >= AUDIT_ITEMISE_ROWS {
            // Too large to itemise: stop collecting and free what was collected.
            self.too_many = true;
            self.rows = Vec::new();
            return;
        }
        self.seen.insert(key.clone());
        self.rows.push((key, before));
    }

    /// Writes the step labelled `label` (the touched rows whose state changed, before and after)
    /// and its audit entry (`entry`, whose changes are filled in here). Drops the redo branch and
    /// keeps the last [`UNDO_STEPS`] steps; a step over [`UNDO_STEP_ROWS`] rows clears the
    /// history instead (it is still audited); a step that changed nothing writes neither.
    ///
    /// Works through the rows [`AUDIT_ENTRY_ROWS`] at a time, so memory stays bounded whatever
    /// the size of the change: each chunk's rows are read, compared, written to the step and
    /// audited, then dropped. A change of more rows than one entry holds is audited as the
    /// entry itself (its first rows) followed by `continued` entries, in order, in the same
    /// transaction.
    fn finish(
        self,
        tx: &Transaction<'_>,
        label: &str,
        mut entry: NewEntry,
    ) -> rusqlite::Result<()> {
        if self.too_many {
            tx.execute_batch("DELETE FROM change_row; DELETE FROM change_step;")?;
            entry.changes = summary_changes(&self.counts);
            entry.summary = clip_label(&format!("{label} (too large to itemise)"));
            append(tx, entry)?;
            return Ok(());
        }
        if entry.summary.is_empty() {
            entry.summary = clip_label(label);
        }
        // What continued entries share with the entry (who, where from).
        let template = NewEntry {
            actor: entry.actor.clone(),
            origin: entry.origin.clone(),
            ..NewEntry::default()
        };
        // A created row that still exists is a changed row: with more of them than a step
        // keeps, the history will be cleared, so the step's rows are not written.
        let unkept = self.created > UNDO_STEP_ROWS;
        let total = self.rows.len();
        let parts = total.div_ceil(AUDIT_ENTRY_ROWS).max(1);
        // The step is written before its rows (they refer to it) and removed again when nothing
        // changed; the redo branch is dropped only once something did.
        tx.execute(
            "INSERT INTO change_step (at, label, undone) VALUES (?1, ?2, 0)",
            params![now_utc(), clip_label(label)],
        )?;
        let step = tx.last_insert_rowid();
        let mut insert = tx.prepare_cached(
            "INSERT INTO change_row (step_id, seq, table_name, before_json, after_json)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut differ = Differ::default();
        // The entry itself until it is written (with any changes it already carries), then
        // `continued` entries.
        let mut first = Some(entry);
        let mut changed = 0usize;
        let mut rows = self.rows.into_iter();
        for part in 0..parts {
            let from = part * AUDIT_ENTRY_ROWS;
            let to = (from + AUDIT_ENTRY_ROWS).min(total);
            let mut changes = Vec::new();
            let mut changed_here = 0usize;
            for (key, before) in rows.by_ref().take(AUDIT_ENTRY_ROWS) {
                // The row as a map, written out as text only when it is compared with a
                // before-image or kept in the step (a large import's new rows are neither).
                let after_row = read_row_map(tx, &key)?;
                let kept = !unkept && changed < UNDO_STEP_ROWS;
                let after = match (&after_row, before.is_some() || kept) {
                    (Some(row), true) => Some(Value::Object(row.clone()).to_string()),
                    _ => None,
                };
                if before.is_none() && after_row.is_none() || before.is_some() && before == after {
                    continue;
                }
                let table = key.table();
                let before_row = match before.as_deref().map(serde_json::from_str::<Value>) {
                    Some(Ok(Value::Object(row))) => Some(row),
                    _ => None,
                };
                differ.diff_rows(
                    tx,
                    table,
                    before_row.as_ref(),
                    after_row.as_ref(),
                    &mut changes,
                )?;
                changed += 1;
                changed_here += 1;
                // Rows past the undo limit are not kept (the history is cleared below).
                if kept {
                    insert.execute(params![
                        step,
                        (changed - 1) as i64,
                        table.name(),
                        before,
                        after
                    ])?;
                }
            }
            let written = match first.take() {
                // The first entry is written once a row changed (even when every changed column
                // is unrecorded bookkeeping), or when it carries changes of its own.
                Some(mut e) if changed_here > 0 || !e.changes.is_empty() => {
                    if parts > 1 {
                        e.summary = clip_label(&format!(
                            "{} (rows {}–{to} of {total})",
                            e.summary,
                            from + 1
                        ));
                    }
                    if e.changes.is_empty() {
                        e.changes = changes;
                    } else {
                        e.changes.append(&mut changes);
                    }
                    Some(e)
                }
                Some(e) => {
                    first = Some(e);
                    None
                }
                None if !changes.is_empty() => Some(NewEntry {
                    action: CONTINUED.into(),
                    summary: clip_label(&format!(
                        "{label} (continued: rows {}–{to} of {total})",
                        from + 1
                    )),
                    changes,
                    ..template.clone()
                }),
                None => None,
            };
            if let Some(e) = written {
                append(tx, e)?;
            }
        }
        drop(insert);
        if changed == 0 {
            // Nothing changed: no step, no entry, and the redo branch stays.
            tx.execute("DELETE FROM change_row WHERE step_id = ?1", [step])?;
            tx.execute("DELETE FROM change_step WHERE id = ?1", [step])?;
            return Ok(());
        }
        if unkept || changed > UNDO_STEP_ROWS {
            tx.execute_batch("DELETE FROM change_row; DELETE FROM change_step;")?;
            return Ok(());
        }
        tx.execute(
            "DELETE FROM change_row
             WHERE step_id IN (SELECT id FROM change_step WHERE undone = 1)",
            [],
        )?;
        tx.execute("DELETE FROM change_step WHERE undone = 1", [])?;
        // Forget all but the newest UNDO_STEPS (IN, not NOT IN, so the row index is used).
        let keep = UNDO_STEPS as i64;
        tx.execute(
            "DELETE FROM change_row WHERE step_id IN
                 (SELECT id FROM change_step ORDER BY id DESC LIMIT -1 OFFSET ?1)",
            [keep],
        )?;
        tx.execute(
            "DELETE FROM change_step WHERE id IN
                 (SELECT id FROM change_step ORDER BY id DESC LIMIT -1 OFFSET ?1)",
            [keep],
        )?;
        Ok(())
    }
}

/// A label on one line, without control characters, at most [`LABEL_CHARS`] characters.
pub(super) fn clip_label(label: &str) -> String {
    let one_line = clean_text(label)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() <= LABEL_CHARS {
        return one_line;
    }
    let mut clipped: String = one_line.chars().take(LABEL_CHARS - 1).collect();
    clipped.push('…');
    clipped
}

/// The next step to undo (`undone` = false) or redo (`undone` = true).
fn next_step(conn: &Connection, undone: bool) -> rusqlite::Result<Option<ChangeStep>> {
    let order = if undone { "ASC" } else { "DESC" };
    conn.query_row(
        &format!(
            "SELECT id, label, at FROM change_step WHERE undone = ?1 ORDER BY id {order} LIMIT 1"
        ),
        [undone],
        |r| {
            let at: String = r.get(2)?;
            Ok(ChangeStep {
                id: r.get(0)?,
                label: r.get(1)?,
                at: DateTime::parse_from_rfc3339(&at)
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default(),
            })
        },
    )
    .optional()
}

impl Workbook {
    /// Runs `change` in one transaction and records the rows it touched (through the
    /// [`Recorder`]) as one undo step labelled with the text it returns; commits both or neither.
    pub(super) fn recorded<T>(
        &mut self,
        change: impl FnOnce(&Transaction<'_>, &mut Recorder) -> Result<(T, String), TxError>,
    ) -> Result<T, WorkbookError> {
        let entry = self.new_entry("change", "", Vec::new());
        self.recorded_as(entry, change)
    }

    /// [`Workbook::recorded`] with its own audit entry (e.g. action `merge`); an entry whose
    /// summary is empty gets the step's label, and changes it already carries are kept.
    pub(super) fn recorded_as<T>(
        &mut self,
        entry: NewEntry,
        change: impl FnOnce(&Transaction<'_>, &mut Recorder) -> Result<(T, String), TxError>,
    ) -> Result<T, WorkbookError> {
        let tx = self.conn.transaction().map_err(|e| sql(&self.path, e))?;
        let mut recorder = Recorder::default();
        let (value, label) = change(&tx, &mut recorder).map_err(|e| e.with_path(&self.path))?;
        recorder
            .finish(&tx, &label, entry)
            .map_err(|e| sql(&self.path, e))?;
        tx.commit().map_err(|e| sql(&self.path, e))?;
        Ok(value)
    }

    /// Undoes the most recent change: every row it touched goes back to its state before it, in
    /// one transaction. Ok(None) when there is nothing to undo. Returns the step undone.
    ///
    /// Errors: `Invalid` when the stored history is damaged, `Sqlite`; nothing changes on error.
    pub fn undo(&mut self) -> Result<Option<ChangeStep>, WorkbookError> {
        self.travel(false)
    }

    /// Redoes the most recently undone change; Ok(None) when there is nothing to redo (nothing
    /// was undone, or a change was made since). Returns the step redone.
    ///
    /// Errors: `Invalid` when the stored history is damaged, `Sqlite`; nothing changes on error.
    pub fn redo(&mut self) -> Result<Option<ChangeStep>, WorkbookError> {
        self.travel(true)
    }

    /// What `undo` would act on next (for the status line and help), without changing anything.
    ///
    /// Errors: `Sqlite`.
    pub fn next_undo(&self) -> Result<Option<ChangeStep>, WorkbookError> {
        next_step(&self.conn, false).map_err(|e| self.sql(e))
    }

    /// What `redo` would act on next, without changing anything.
    ///
    /// Errors: `Sqlite`.
    pub fn next_redo(&self) -> Result<Option<ChangeStep>, WorkbookError> {
        next_step(&self.conn, true).map_err(|e| self.sql(e))
    }

    /// Undo (`redo` false: the newest done step, rows written back to "before", newest row
    /// first) or redo (`redo` true: the oldest undone step, rows written to "after" in order).
    fn travel(&mut self, redo: bool) -> Result<Option<ChangeStep>, WorkbookError> {
        let path = self.path.clone();
        let mut entry = self.new_entry(if redo { "redo" } else { "undo" }, "", Vec::new());
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        let Some(step) = next_step(&tx, redo).map_err(|e| sql(&path, e))? else {
            return Ok(None);
        };
        let rows = {
            let order = if redo { "ASC" } else { "DESC" };
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT table_name, before_json, after_json FROM change_row
                     WHERE step_id = ?1 ORDER BY seq {order}"
                ))
                .map_err(|e| sql(&path, e))?;
            stmt.query_map([step.id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| sql(&path, e))?
        };
        let mut columns = HashMap::new();
        let mut differ = Differ::default();
        entry.summary = clip_label(&format!("{}: {}", entry.action, step.label));
        for (table, before, after) in &rows {
            let table = Table::parse(table).ok_or_else(|| damaged(step.id).with_path(&path))?;
            let (want, other) = if redo {
                (after, before)
            } else {
                (before, after)
            };
            // The row as it is now and after restoring, for the audit entry.
            let key = [want, other]
                .into_iter()
                .find_map(|j| j.as_deref().and_then(|j| snapshot_key(table, j)));
            let now = match &key {
                Some(k) => read_row(&tx, k).map_err(|e| sql(&path, e))?,
                None => None,
            };
            restore(
                &tx,
                &mut columns,
                step.id,
                table,
                want.as_deref(),
                other.as_deref(),
            )
            .map_err(|e| e.with_path(&path))?;
            if let Some(k) = &key {
                let then = read_row(&tx, k).map_err(|e| sql(&path, e))?;
                differ
                    .diff(
                        &tx,
                        table,
                        now.as_deref(),
                        then.as_deref(),
                        &mut entry.changes,
                    )
                    .map_err(|e| sql(&path, e))?;
            }
        }
        append(&tx, entry).map_err(|e| sql(&path, e))?;
        tx.execute(
            "UPDATE change_step SET undone = ?2 WHERE id = ?1",
            params![step.id, !redo],
        )
        .map_err(|e| sql(&path, e))?;
        tx.commit().map_err(|e| sql(&path, e))?;
        Ok(Some(step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_one_short_line() {
        assert_eq!(
            clip_label("note\nDEV-0001\u{b}  ENC-01"),
            "note DEV-0001 ENC-01"
        );
        let long = clip_label(&"x".repeat(500));
        assert_eq!(long.chars().count(), LABEL_CHARS);
        assert!(long.ends_with('…'));
    }
}
