//! Risk register entries: the owner, due date and status of one finding, kept per (target,
//! control) beside its answer (PRODUCT.md: they live on the register entry, not on the answer).

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::snapshot::RowKey;
use super::targets::{target_columns, target_name, target_of};
use super::{TxError, Workbook, WorkbookError, now_utc};
use crate::assessment::{Target, check_text_limit};
use crate::device::fields::clean_text;
use crate::risk::RiskStatus;

/// The register entry of one finding.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RiskEntry {
    /// Who is responsible for treating it (free text, one line; `""` = nobody yet).
    pub owner: String,
    /// When treatment is due (a calendar date, years 1900–9999).
    pub due_date: Option<NaiveDate>,
    /// Where it stands; a new entry is `Open`.
    pub status: RiskStatus,
}

/// What to change on a risk register entry; `None` keeps the stored value (or the default of a
/// new entry: no owner, no due date, `Open`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskEntryInput {
    /// New owner (`Some("")` clears).
    pub owner: Option<String>,
    /// `Some(None)` clears the due date; `Some(Some(d))` sets it.
    pub due_date: Option<Option<NaiveDate>>,
    /// New status.
    pub status: Option<RiskStatus>,
}

const SELECT: &str = "SELECT target_kind, target_key, device_id, target_label, control_id, owner,
        due_date, status FROM risk_entry";

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<(Target, String, RiskEntry)> {
    let kind: String = r.get(0)?;
    let key: String = r.get(1)?;
    let due: Option<String> = r.get(6)?;
    let status: String = r.get(7)?;
    Ok((
        target_of(&kind, &key, r.get(2)?, r.get(3)?),
        r.get(4)?,
        RiskEntry {
            owner: r.get(5)?,
            due_date: due.as_deref().and_then(|d| d.parse().ok()),
            status: RiskStatus::parse(&status).unwrap_or_default(),
        },
    ))
}

fn risk_entry_in(
    conn: &Connection,
    target: &Target,
    control_id: &str,
) -> rusqlite::Result<Option<RiskEntry>> {
    let (kind, key, _, _) = target_columns(target);
    let sql = format!("{SELECT} WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3");
    conn.prepare_cached(&sql)?
        .query_row(params![kind, key, control_id], entry_from_row)
        .optional()
        .map(|r| r.map(|(_, _, e)| e))
}

impl Workbook {
    /// Every stored entry: (target, control ID, entry), in the order they were first set.
    ///
    /// Errors: `Sqlite`.
    pub fn risk_entries(&self) -> Result<Vec<(Target, String, RiskEntry)>, WorkbookError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} ORDER BY id"))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], entry_from_row)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// The entry stored on exactly this target for this control (`None` = never set).
    ///
    /// Errors: `Sqlite`.
    pub fn risk_entry(
        &self,
        target: &Target,
        control_id: &str,
    ) -> Result<Option<RiskEntry>, WorkbookError> {
        risk_entry_in(&self.conn, target, control_id).map_err(|e| self.sql(e))
    }

    /// Sets owner / due date / status, committed at once, one undo step labelled with what the
    /// input sets (e.g. `risk DEV-0003 ENC-01 owner, status`). The owner is cleaned like notes
    /// (characters a spreadsheet cannot hold removed), put on one line (runs of whitespace become
    /// one space, ends trimmed) and limited to 32,767 UTF-16 units; a due date must lie in the
    /// years 1900–9999. The entry is kept even when set back to its defaults. Returns the stored
    /// entry.
    ///
    /// Errors: `Invalid` (unknown control, owner too long, due date out of range), `Sqlite`.
    pub fn set_risk_entry(
        &mut self,
        target: &Target,
        control_id: &str,
        input: &RiskEntryInput,
    ) -> Result<RiskEntry, WorkbookError> {
        if self.catalog().control(control_id).is_none() {
            return Err(WorkbookError::Invalid(format!(
                "no control {control_id} in the catalog"
            )));
        }
        let owner = match &input.owner {
            Some(o) => {
                let o = clean_text(o)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                check_text_limit("owner", &o).map_err(WorkbookError::Invalid)?;
                Some(o)
            }
            None => None,
        };
        if let Some(Some(d)) = input.due_date
            && !(1900..=9999).contains(&d.year())
        {
            return Err(WorkbookError::Invalid(format!(
                "the due date {d} is outside the years 1900–9999"
            )));
        }
        self.recorded(|tx, rec| {
            let mut entry = risk_entry_in(tx, target, control_id)?.unwrap_or_default();
            if let Some(o) = owner {
                entry.owner = o;
            }
            if let Some(d) = input.due_date {
                entry.due_date = d;
            }
            if let Some(s) = input.status {
                entry.status = s;
            }
            rec.touch(tx, RowKey::risk_entry(target, control_id))?;
            let (kind, key, label, device_id) = target_columns(target);
            tx.execute(
                "INSERT INTO risk_entry (target_kind, target_key, target_label, device_id,
                     control_id, owner, due_date, status, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (target_kind, target_key, control_id) DO UPDATE SET
                     owner = excluded.owner, due_date = excluded.due_date,
                     status = excluded.status, updated_at = excluded.updated_at",
                params![
                    kind,
                    key,
                    label,
                    device_id,
                    control_id,
                    entry.owner,
                    entry.due_date.map(|d| d.to_string()),
                    entry.status.label(),
                    now_utc()
                ],
            )?;
            let parts: Vec<&str> = [
                input.owner.as_ref().map(|_| "owner"),
                input.due_date.map(|_| "due date"),
                input.status.map(|_| "status"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let mut step = format!("risk {} {control_id}", target_name(tx, target)?);
            if !parts.is_empty() {
                step = format!("{step} {}", parts.join(", "));
            }
            Ok::<_, TxError>((entry, step))
        })
    }
}
