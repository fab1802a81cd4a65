//! Imported MDS2 documents (`mds2_document`): storing one import — the document, the device
//! fields it fills and the suggested answers its prefill rules give — as ONE transaction and ONE
//! undo step, and reading the current documents back for the `MDS2` sheet, the control sheets'
//! "Manufacturer Claim (MDS2)" column and the TUI.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Row, params};
use serde_json::{Value, json};

use super::answers::{AnswerContext, apply_answer};
use super::devices::update_device_in;
use super::snapshot::RowKey;
use super::targets::{target_columns, target_of};
use super::{AnswerInput, DeviceChange, FieldSource, TxError, Workbook, WorkbookError, now_utc};
use crate::assessment::{AnswerSource, Target, model_key, model_target};
use crate::device::Device;
use crate::mds2::plan::Mds2Plan;
use crate::mds2::{Mds2Answer, Mds2File, Mds2Row};

/// One imported MDS2 as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMds2 {
    /// Row ID.
    pub id: i64,
    /// The device or model it was imported for.
    pub target: Target,
    /// `HN 1-2019`.
    pub form_version: String,
    /// DOC-4 as read ('' when hidden or absent).
    pub doc_id: String,
    /// DOC-7 as a date.
    pub release_date: Option<NaiveDate>,
    /// The DOC fields read (question ID → text).
    pub doc_fields: BTreeMap<String, String>,
    /// Every question in form order.
    pub rows: Vec<Mds2Row>,
    /// The file's name without folders.
    pub file_name: String,
    /// SHA-256 of the file, 64 lower-case hex digits.
    pub sha256: String,
    /// When it was imported, RFC 3339 UTC.
    pub imported_at: String,
    /// When a later import for the same target replaced it, RFC 3339 UTC.
    pub replaced_at: Option<String>,
}

impl StoredMds2 {
    /// The row of a question (normalised ID).
    pub fn row(&self, question_id: &str) -> Option<&Mds2Row> {
        self.rows.iter().find(|r| r.question_id == question_id)
    }

    /// The manufacturer's claim for the cited questions, as column O of the control sheets
    /// writes it: `STCF-1=Yes; STCF-1.2=No` (free text as written, questions the form lacks left
    /// out; empty when none is there).
    pub fn claim(&self, question_ids: &[String]) -> String {
        question_ids
            .iter()
            .filter_map(|q| self.row(q))
            .map(|r| match &r.answer {
                Mds2Answer::Other(text) => format!("{}={}", r.question_id, one_line(text)),
                a => format!("{}={}", r.question_id, a.label()),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The document as named in the TUI and reports: `DOC-4 of 2019-10-09` or the file name
    /// when DOC-4 is hidden.
    pub fn title(&self) -> String {
        let id = if self.doc_id.is_empty() {
            &self.file_name
        } else {
            &self.doc_id
        };
        match self.release_date {
            Some(d) => format!("{id} of {d}"),
            None => id.clone(),
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What [`Workbook::import_mds2`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mds2Outcome {
    /// The new document's row ID.
    pub document_id: i64,
    /// Earlier documents of the same target marked replaced.
    pub replaced: usize,
    /// Device fields set.
    pub fields: usize,
    /// Suggested answers stored.
    pub suggestions: usize,
}

/// The JSON array stored in `answers_json`: one object per question with `question_id`,
/// `section`, `answer` (the label, see [`Mds2Answer::label`]), `raw`, `note`, `iec`, `nist`,
/// `iso`, `flag`.
fn answers_json(rows: &[Mds2Row]) -> String {
    Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "question_id": r.question_id,
                    "section": r.section,
                    "answer": r.answer.label(),
                    "raw": r.raw,
                    "note": r.note,
                    "iec": r.iec,
                    "nist": r.nist,
                    "iso": r.iso,
                    "flag": r.flag,
                })
            })
            .collect(),
    )
    .to_string()
}

fn rows_from_json(text: &str) -> Vec<Mds2Row> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|o| {
            let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let raw = s("raw");
            Mds2Row {
                question_id: s("question_id"),
                section: s("section"),
                answer: Mds2Answer::from_label(&s("answer"), &raw),
                raw,
                note: s("note"),
                iec: s("iec"),
                nist: s("nist"),
                iso: s("iso"),
                flag: s("flag"),
            }
        })
        .collect()
}

const SELECT: &str = "SELECT id, target_kind, target_key, target_label, device_id, form_version,
        doc_id, release_date, doc_json, answers_json, file_name, sha256, imported_at,
        replaced_at FROM mds2_document";

fn stored_from_row(r: &Row<'_>) -> rusqlite::Result<StoredMds2> {
    let kind: String = r.get(1)?;
    let key: String = r.get(2)?;
    let label: String = r.get(3)?;
    let release: Option<String> = r.get(7)?;
    let doc_json: String = r.get(8)?;
    let answers: String = r.get(9)?;
    Ok(StoredMds2 {
        id: r.get(0)?,
        target: target_of(&kind, &key, r.get(4)?, label),
        form_version: r.get(5)?,
        doc_id: r.get(6)?,
        release_date: release.and_then(|d| d.parse().ok()),
        doc_fields: serde_json::from_str(&doc_json).unwrap_or_default(),
        rows: rows_from_json(&answers),
        file_name: r.get(10)?,
        sha256: r.get(11)?,
        imported_at: r.get(12)?,
        replaced_at: r.get(13)?,
    })
}

impl Workbook {
    /// Stores an MDS2 import planned by [`crate::mds2::plan::plan`] in ONE transaction and ONE
    /// undo step (`import mds2 FILE for DEV-0003` / `… for model Acme X1`): the document (an
    /// earlier one for the same target is marked replaced), the device fields (source `mds2`;
    /// fields the assessor typed are replaced only with `plan.overwrite`), and every suggested
    /// answer (response, note, source MDS2, `suggested` = `plan.suggested_label`, so it counts as
    /// not assessed until confirmed). All or nothing.
    ///
    /// Errors: `Invalid` (a suggestion breaks an answer rule; nothing is changed), `Sqlite`.
    pub fn import_mds2(
        &mut self,
        file: &Mds2File,
        plan: &Mds2Plan,
    ) -> Result<Mds2Outcome, WorkbookError> {
        let assessor = self.meta.assessor.clone();
        let catalog = self.catalog();
        let doc = &file.document;
        let target = plan.target.target();
        let doc_json = serde_json::to_string(&doc.doc_fields())
            .map_err(|e| WorkbookError::Invalid(e.to_string()))?;
        let label = format!("import mds2 {} for {}", file.file_name, plan.target_name);
        self.recorded(|tx, rec| {
            let (kind, key, target_label, device_id) = target_columns(&target);
            let now = now_utc();
            let earlier: Vec<i64> = {
                let mut stmt = tx.prepare(
                    "SELECT id FROM mds2_document
                     WHERE target_kind = ?1 AND target_key = ?2 AND replaced_at IS NULL",
                )?;
                stmt.query_map(params![kind, key], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            for id in &earlier {
                rec.touch(tx, RowKey::Mds2Document(*id))?;
                tx.execute(
                    "UPDATE mds2_document SET replaced_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
            }
            tx.execute(
                "INSERT INTO mds2_document (target_kind, target_key, target_label, device_id,
                     form_version, doc_id, release_date, doc_json, answers_json, file_name,
                     sha256, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    kind,
                    key,
                    target_label,
                    device_id,
                    doc.form_version,
                    doc.doc_text("DOC-4").unwrap_or_default(),
                    doc.release_date.map(|d| d.to_string()),
                    doc_json,
                    answers_json(&doc.rows),
                    file.file_name,
                    file.sha256,
                    now
                ],
            )?;
            let document_id = tx.last_insert_rowid();
            rec.created(RowKey::Mds2Document(document_id));
            let mut fields = 0;
            for d in &plan.devices {
                if d.fills.is_empty() {
                    continue;
                }
                let change = DeviceChange {
                    values: d.fills.iter().map(|f| (f.key, f.value.clone())).collect(),
                    ..DeviceChange::default()
                };
                update_device_in(
                    tx,
                    rec,
                    d.device_id,
                    &change,
                    FieldSource::Mds2,
                    plan.overwrite,
                )?;
                fields += d.fills.len();
            }
            let mut ctx = AnswerContext::new(&assessor);
            for s in &plan.suggestions {
                let control = catalog.control(s.control).ok_or_else(|| {
                    TxError::Invalid(format!("no control {} in the catalog", s.control))
                })?;
                let input = AnswerInput {
                    response: Some(Some(s.response)),
                    note: s.set_note.then(|| s.note.clone()),
                    source: Some(AnswerSource::Mds2),
                    ..AnswerInput::default()
                };
                apply_answer(tx, &mut ctx, rec, &s.target, control, &input).map_err(
                    |e| match e {
                        TxError::Invalid(m) => {
                            TxError::Invalid(format!("{} {}: {m}", s.target_name, s.control))
                        }
                        other => other,
                    },
                )?;
                let (kind, key, _, _) = target_columns(&s.target);
                tx.execute(
                    "UPDATE answer SET suggested = ?4
                     WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3",
                    params![kind, key, s.control, plan.suggested_label],
                )?;
            }
            Ok((
                Mds2Outcome {
                    document_id,
                    replaced: earlier.len(),
                    fields,
                    suggestions: plan.suggestions.len(),
                },
                label.clone(),
            ))
        })
    }

    /// Every current (not replaced) MDS2 document, models first (by label), then devices (by
    /// row ID).
    ///
    /// Errors: `Sqlite`.
    pub fn mds2_documents(&self) -> Result<Vec<StoredMds2>, WorkbookError> {
        let sql = format!(
            "{SELECT} WHERE replaced_at IS NULL
             ORDER BY target_kind DESC, target_label COLLATE NOCASE, device_id, id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], stored_from_row)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// Every MDS2 document ever imported for `target`, replaced ones included, oldest first.
    ///
    /// Errors: `Sqlite`.
    pub fn mds2_history(&self, target: &Target) -> Result<Vec<StoredMds2>, WorkbookError> {
        let (kind, key, _, _) = target_columns(target);
        let sql = format!("{SELECT} WHERE target_kind = ?1 AND target_key = ?2 ORDER BY id");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![kind, key], stored_from_row)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// The MDS2 that speaks for a device: its own current document, else its model's.
    ///
    /// Errors: `Sqlite`.
    pub fn mds2_for_device(&self, device: &Device) -> Result<Option<StoredMds2>, WorkbookError> {
        let docs = self.mds2_documents()?;
        Ok(mds2_for(&docs, device).cloned())
    }
}

/// The document that speaks for `device` among `docs` (current ones): its own, else its
/// model's.
pub fn mds2_for<'a>(docs: &'a [StoredMds2], device: &Device) -> Option<&'a StoredMds2> {
    let model = model_target(device);
    docs.iter()
        .find(|d| d.target == Target::Device(device.id))
        .or_else(|| {
            let m = model.as_ref()?;
            docs.iter().find(|d| same_model(&d.target, m))
        })
}

/// Whether two targets are the same model (manufacturer and model compared case-insensitively,
/// as answers are keyed).
fn same_model(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (
            Target::Model {
                manufacturer: m1,
                model: n1,
            },
            Target::Model {
                manufacturer: m2,
                model: n2,
            },
        ) => model_key(m1, n1) == model_key(m2, n2),
        _ => false,
    }
}
