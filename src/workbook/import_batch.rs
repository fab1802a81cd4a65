//! Applying a whole import — devices, answers, register entries and the level grid read from a
//! filled copy of the template or an `export json` file — in ONE transaction and ONE undo step,
//! through the same code paths as the single changes (`insert_device` / `update_device_in`,
//! `apply_answer`, the register's `apply`), so an import obeys exactly the rules the TUI and the
//! CLI obey.
//!
//! The batch is planned (validated, matched, diffed) by `crate::import::plan_changeset` before
//! anything is written; this module only writes it. Should a rule still fail here, the whole
//! transaction rolls back and nothing changes.

use chrono::NaiveDate;
use rusqlite::{Transaction, params};

use super::answers::{AnswerContext, apply_answer};
use super::devices::{insert_device, update_device_in};
use super::risk::{apply as apply_risk, risk_entry_in, store_risk_entry};
use super::snapshot::RowKey;
use super::targets::{target_columns, target_name};
use super::undo::Recorder;
use super::{
    AnswerInput, DeviceChange, FieldSource, RiskEntry, RiskEntryInput, TxError, Workbook,
    WorkbookError,
};
use crate::assessment::Target;
use crate::risk::RiskGrid;

/// Whom an answer or a register entry of a batch is for: a target that exists, or a device the
/// same batch adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchTarget {
    /// A device, model or site as stored.
    Existing(Target),
    /// The device added by `ImportBatch::devices[i]` (which must be an addition, `None`).
    NewDevice(usize),
}

/// One answer to change: what [`AnswerInput`] can say, plus what only an import needs (clearing a
/// rating or the source, and the follow-up date of a deferral).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerEdit {
    /// Whose answer.
    pub target: BatchTarget,
    /// The control, e.g. `ENC-03`.
    pub control_id: String,
    /// Applied as [`Workbook::set_answer`] applies it (same defaults and validation).
    pub input: AnswerInput,
    /// Clear the likelihood first (a finding then gets the default likelihood again).
    pub clear_likelihood: bool,
    /// Clear the impact, and the per-dimension impacts, first (a finding then gets the devices'
    /// default impact again).
    pub clear_impact: bool,
    /// Clear the answer source first.
    pub clear_source: bool,
    /// The follow-up date of a deferred control: `Some(None)` removes it, `Some(Some(d))` sets it.
    /// Applied only to an answer that is deferred after `input` (a deferral reason is set).
    pub deferred_until: Option<Option<NaiveDate>>,
}

/// One register entry to change.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskEdit {
    /// Whose entry.
    pub target: BatchTarget,
    /// The control, e.g. `ENC-03`.
    pub control_id: String,
    /// Applied as [`Workbook::set_risk_entry`] applies it (same rules).
    pub input: RiskEntryInput,
}

/// Everything one import changes, in the order it is applied: devices first (so new answers
/// see their fields, e.g. for default impacts), then answers (which create the register entries
/// of new findings), then register entries, then the level grid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportBatch {
    /// `Some(id)` updates that device, `None` adds one. Fields are recorded as typed (a later
    /// scan or inventory import leaves them alone).
    pub devices: Vec<(Option<i64>, DeviceChange)>,
    /// Answers to change.
    pub answers: Vec<AnswerEdit>,
    /// Register entries to change.
    pub risks: Vec<RiskEdit>,
    /// The new level grid (`--with-matrix`). Like [`Workbook::set_risk_grid`], not part of the
    /// undo step: undo puts the rows back, not the grid.
    pub grid: Option<RiskGrid>,
}

impl ImportBatch {
    /// Whether the batch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
            && self.answers.is_empty()
            && self.risks.is_empty()
            && self.grid.is_none()
    }
}

/// What [`Workbook::apply_import`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The row ID of each device of `ImportBatch::devices`, in order (new ones included).
    pub device_ids: Vec<i64>,
    /// Answers written.
    pub answers: usize,
    /// Register entries written.
    pub risks: usize,
}

/// Validates `input` against an entry as [`Workbook::set_risk_entry`] would (Accept needs who
/// and why, a residual rating is both numbers or neither, no acceptance or identified date after
/// `today`, a review not before the acceptance, ratings 1–5, dates in 1900–9999, texts within
/// 32,767 UTF-16 units) and returns the entry it would store.
///
/// Errors: the rule broken, in words.
pub fn check_risk_entry(
    entry: &RiskEntry,
    input: &RiskEntryInput,
    today: NaiveDate,
) -> Result<RiskEntry, String> {
    let mut e = entry.clone();
    apply_risk(&mut e, input, today).map_err(|err| match err {
        WorkbookError::Invalid(m) => m,
        other => other.to_string(),
    })?;
    Ok(e)
}

impl Workbook {
    /// Applies a planned import in ONE transaction and ONE undo step labelled `label` (e.g.
    /// `import workbook assessment.xlsx`): all or nothing. Devices are added or updated first,
    /// then answers (each as [`Workbook::set_answer`]: defaults, validation, register entries
    /// of new findings), then register entries (each as [`Workbook::set_risk_entry`]), then the
    /// grid.
    ///
    /// Errors: `Invalid` (a rule broken; the message names the target and control; nothing is
    /// changed), `Sqlite`.
    pub fn apply_import(
        &mut self,
        batch: &ImportBatch,
        label: &str,
    ) -> Result<BatchOutcome, WorkbookError> {
        let assessor = self.actor.clone();
        let today = chrono::Local::now().date_naive();
        let catalog = self.catalog();
        let outcome = self.recorded(|tx, rec| {
            let mut ids = Vec::with_capacity(batch.devices.len());
            for (id, change) in &batch.devices {
                let id = match id {
                    Some(id) => {
                        update_device_in(tx, rec, *id, change, FieldSource::Typed, true)?;
                        *id
                    }
                    None => insert_device(tx, rec, change, FieldSource::Typed)?,
                };
                ids.push(id);
            }
            let resolve = |t: &BatchTarget| -> Result<Target, TxError> {
                match t {
                    BatchTarget::Existing(t) => Ok(t.clone()),
                    BatchTarget::NewDevice(i) => match (batch.devices.get(*i), ids.get(*i)) {
                        (Some((None, _)), Some(id)) => Ok(Target::Device(*id)),
                        _ => Err(TxError::Invalid(format!(
                            "the import refers to new device #{i}, which it does not add"
                        ))),
                    },
                }
            };
            let mut ctx = AnswerContext::new(&assessor);
            for edit in &batch.answers {
                let target = resolve(&edit.target)?;
                let control = catalog.control(&edit.control_id).ok_or_else(|| {
                    TxError::Invalid(format!("no control {} in the catalog", edit.control_id))
                })?;
                let named = |e: TxError, tx: &Transaction<'_>| match e {
                    TxError::Invalid(m) => match target_name(tx, &target) {
                        Ok(name) => TxError::Invalid(format!("{name} {}: {m}", control.id)),
                        Err(e) => TxError::Sql(e),
                    },
                    other => other,
                };
                clear_first(tx, rec, &target, &control.id, edit)?;
                let answer = apply_answer(tx, &mut ctx, rec, &target, control, &edit.input)
                    .map_err(|e| named(e, tx))?;
                if let Some(until) = edit.deferred_until
                    && !answer.deferral_reason.is_empty()
                    && answer.deferred_until != until
                {
                    let (kind, key, _, _) = target_columns(&target);
                    tx.execute(
                        "UPDATE answer SET deferred_until = ?4
                         WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3",
                        params![kind, key, control.id, until.map(|d| d.to_string())],
                    )?;
                }
            }
            for edit in &batch.risks {
                let target = resolve(&edit.target)?;
                let control = catalog.control(&edit.control_id).ok_or_else(|| {
                    TxError::Invalid(format!("no control {} in the catalog", edit.control_id))
                })?;
                let mut entry = risk_entry_in(tx, &target, &control.id)?.unwrap_or_default();
                if let Err(e) = apply_risk(&mut entry, &edit.input, today) {
                    let name = target_name(tx, &target)?;
                    return Err(TxError::Invalid(format!("{name} {}: {e}", control.id)));
                }
                rec.touch(tx, RowKey::risk_entry(&target, &control.id))?;
                store_risk_entry(tx, &target, &control.id, &entry)?;
            }
            if let Some(grid) = batch.grid {
                tx.execute(
                    "UPDATE assessment SET risk_grid = ?1 WHERE id = 1",
                    params![grid.to_text()],
                )?;
            }
            Ok((
                BatchOutcome {
                    device_ids: ids,
                    answers: batch.answers.len(),
                    risks: batch.risks.len(),
                },
                label.to_string(),
            ))
        })?;
        if let Some(grid) = batch.grid {
            self.meta.risk_grid = grid;
        }
        Ok(outcome)
    }
}

/// When each device and register entry was last changed, so an import can tell work done in
/// the workbook after a copy was exported from the copy's older values.
#[derive(Debug, Clone, Default)]
pub struct ChangeTimes {
    /// Device row ID → its `updated_at` (UTC).
    pub devices: std::collections::HashMap<i64, chrono::DateTime<chrono::Utc>>,
    /// Register entry ID (the number of `R-0012`) → its `updated_at` (UTC).
    pub risk_entries: std::collections::HashMap<i64, chrono::DateTime<chrono::Utc>>,
}

impl Workbook {
    /// When each device and register entry was last changed (an unreadable time is left out).
    ///
    /// Errors: `Sqlite`.
    pub fn change_times(&self) -> Result<ChangeTimes, WorkbookError> {
        let read = |sql: &str| -> rusqlite::Result<std::collections::HashMap<_, _>> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = std::collections::HashMap::new();
            for row in rows {
                let (id, at) = row?;
                if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&at) {
                    out.insert(id, t.with_timezone(&chrono::Utc));
                }
            }
            Ok(out)
        };
        Ok(ChangeTimes {
            devices: read("SELECT id, updated_at FROM device").map_err(|e| self.sql(e))?,
            risk_entries: read("SELECT id, updated_at FROM risk_entry").map_err(|e| self.sql(e))?,
        })
    }
}

#[cfg(test)]
impl Workbook {
    /// Test helper (no API makes suggestions yet): marks the stored answer as an unconfirmed
    /// suggestion from `source`.
    pub(crate) fn mark_suggested(
        &mut self,
        target: &Target,
        control_id: &str,
        source: &str,
    ) -> Result<(), WorkbookError> {
        let (kind, key, _, _) = target_columns(target);
        self.conn
            .execute(
                "UPDATE answer SET suggested = ?4
                 WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3",
                params![kind, key, control_id, source],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }
}

/// Clears the ratings and the source an edit asks to clear, on the stored answer (if any),
/// before the edit's input is applied.
fn clear_first(
    tx: &Transaction<'_>,
    rec: &mut Recorder,
    target: &Target,
    control_id: &str,
    edit: &AnswerEdit,
) -> Result<(), TxError> {
    let mut sets = Vec::new();
    if edit.clear_likelihood {
        sets.push("likelihood = NULL, likelihood_default = 0");
    }
    if edit.clear_impact {
        sets.push(
            "impact = NULL, impact_default = 0, impact_safety = NULL, impact_phi = NULL, \
             impact_operations = NULL",
        );
    }
    if edit.clear_source {
        sets.push("source = NULL");
    }
    if sets.is_empty() {
        return Ok(());
    }
    rec.touch(tx, RowKey::answer(target, control_id))?;
    let (kind, key, _, _) = target_columns(target);
    tx.execute(
        &format!(
            "UPDATE answer SET {} WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3",
            sets.join(", ")
        ),
        params![kind, key, control_id],
    )?;
    Ok(())
}
