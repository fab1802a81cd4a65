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
    /// Earlier MDS2 suggestions withdrawn.
    pub withdrawn: usize,
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
        let assessor = self.actor.clone();
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
                    suggest: Some(plan.suggested_label.clone()),
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
            }
            for w in &plan.withdrawn {
                let control = catalog.control(&w.control).ok_or_else(|| {
                    TxError::Invalid(format!("no control {} in the catalog", w.control))
                })?;
                let input = AnswerInput {
                    response: Some(None),
                    note: w.clear_note.then(String::new),
                    ..AnswerInput::default()
                };
                apply_answer(tx, &mut ctx, rec, &w.target, control, &input)?;
                // An answer kept for the assessor's note no longer says it came from an MDS2.
                let (kind, key, _, _) = target_columns(&w.target);
                tx.execute(
                    "UPDATE answer SET source = NULL
                     WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3
                       AND source = 'MDS2' AND response IS NULL",
                    params![kind, key, w.control],
                )?;
            }
            Ok((
                Mds2Outcome {
                    document_id,
                    replaced: earlier.len(),
                    fields,
                    suggestions: plan.suggestions.len(),
                    withdrawn: plan.withdrawn.len(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::assessment::{Response, progress};
    use crate::catalog::catalog;
    use crate::mds2::plan::{Mds2Target, plan};
    use crate::workbook::{AssessmentMeta, Passphrase};

    fn workbook(dir: &std::path::Path) -> Workbook {
        Workbook::create(
            &dir.join("w.medsec"),
            &Passphrase::new("correct horse battery staple".into()),
            AssessmentMeta {
                assessor: "A. Assessor".into(),
                ..AssessmentMeta::default()
            },
        )
        .unwrap()
    }

    fn device(wb: &mut Workbook, name: &str, extra: &[(&'static str, &str)]) -> i64 {
        let mut values = vec![
            ("name", name.to_string()),
            ("manufacturer", "Acme".to_string()),
            ("model", "GM-1".to_string()),
        ];
        values.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let change = DeviceChange {
            values,
            ..DeviceChange::default()
        };
        wb.add_device(&change, FieldSource::Typed).unwrap().id
    }

    fn nema() -> Mds2File {
        crate::mds2::read_file(&crate::mds2::tests::corpus(
            "nema-example-mds2-worksheet-hn1-2019.xlsx",
        ))
        .unwrap()
    }

    fn medicapture() -> Mds2File {
        crate::mds2::read_file(&crate::mds2::tests::corpus(
            "medicapture-mvr-mds2-2019-as-text.md",
        ))
        .unwrap()
    }

    fn import(
        wb: &mut Workbook,
        file: &Mds2File,
        target: Mds2Target,
        overwrite: bool,
    ) -> Mds2Outcome {
        let devices: Vec<Device> = match &target {
            Mds2Target::Device(id) => vec![wb.device(*id).unwrap()],
            Mds2Target::Model { .. } => wb.devices_of(&target.target()).unwrap(),
        };
        let existing = |t: &Target, c: &str| wb.answer(t, c).unwrap();
        let p = plan(file, &target, "test", &devices, &existing, overwrite);
        wb.import_mds2(file, &p).unwrap()
    }

    fn model() -> Mds2Target {
        Mds2Target::Model {
            manufacturer: "Acme".into(),
            model: "GM-1".into(),
        }
    }

    #[test]
    fn one_import_is_one_undo_step() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let id = device(&mut wb, "Pump 1", &[]);
        let before = wb.device(id).unwrap();
        let out = import(&mut wb, &medicapture(), Mds2Target::Device(id), false);
        assert!(out.suggestions > 20, "{out:?}");
        assert!(out.fields > 5, "{out:?}");
        let d = wb.device(id).unwrap();
        assert_eq!(d.get("mds2_document_id"), "MDS2-MVR");
        assert_eq!(d.get("mds2_date"), "2026-03-20");
        assert_eq!(d.get("mds2_version"), "HN 1-2019");
        assert_eq!(d.get("mds2_available"), "Yes");
        assert_eq!(d.get("phi_displayed"), "Yes");
        assert_eq!(d.get("connectivity"), "Wired; USB");
        assert_eq!(d.get("vendor_remote_access"), "Yes");
        // The name was typed: kept. The model was typed: kept (and DOC-3 lists several).
        assert_eq!(d.get("name"), "Pump 1");
        let sources: String = wb
            .conn
            .query_row("SELECT sources_json FROM device WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(sources.contains("\"mds2_date\":\"mds2\""), "{sources}");
        // Suggestions: unconfirmed, source MDS2, not counted.
        let enc04 = wb.answer(&model().target(), "ENC-04").unwrap().unwrap();
        assert_eq!(enc04.response, Some(Response::No));
        assert_eq!(
            enc04.suggested.as_deref(),
            Some("MDS2 (unconfirmed) MDS2-MVR 2026-03-20")
        );
        assert_eq!(enc04.source, Some(AnswerSource::Mds2));
        let p5 = wb.answer(&model().target(), "PATCH-05").unwrap().unwrap();
        assert_eq!(p5.response, Some(Response::Yes));
        let set = wb.answer_set().unwrap();
        assert_eq!(progress(catalog(), &set, &d).total.assessed(), 0);
        // No risk register entries for suggestions.
        assert!(wb.risk_entries().unwrap().is_empty());
        assert_eq!(wb.mds2_documents().unwrap().len(), 1);
        let step = wb.next_undo().unwrap().unwrap();
        assert!(
            step.label.starts_with("import mds2 medicapture"),
            "{}",
            step.label
        );

        wb.undo().unwrap();
        assert!(wb.mds2_documents().unwrap().is_empty());
        assert!(wb.answer_rows().unwrap().is_empty());
        assert_eq!(wb.device(id).unwrap().values, before.values);
        wb.redo().unwrap();
        assert_eq!(wb.mds2_documents().unwrap().len(), 1);
        assert_eq!(wb.answer_rows().unwrap().len(), out.suggestions);
        assert_eq!(wb.device(id).unwrap().get("mds2_document_id"), "MDS2-MVR");
    }

    #[test]
    fn reimport_replaces_and_undo_brings_the_earlier_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        device(&mut wb, "Pump 1", &[]);
        import(&mut wb, &nema(), model(), false);
        let first = wb.mds2_documents().unwrap();
        assert_eq!(first.len(), 1);
        // NET-04: N/A from the NEMA example (CONN-1.1 = No); MediCapture leaves CONN-1.1 blank.
        let unit = wb.devices().unwrap()[0].id;
        let net04 = wb.answer(&Target::Device(unit), "NET-04").unwrap().unwrap();
        assert_eq!(net04.response, Some(Response::NotApplicable));
        let out = import(&mut wb, &medicapture(), model(), false);
        assert_eq!(out.replaced, 1);
        assert!(out.withdrawn >= 1, "{out:?}");
        assert_eq!(wb.answer(&Target::Device(unit), "NET-04").unwrap(), None);
        let now = wb.mds2_documents().unwrap();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].doc_id, "MDS2-MVR");
        let history = wb.mds2_history(&model().target()).unwrap();
        assert_eq!(history.len(), 2);
        assert!(history[0].replaced_at.is_some());
        // The earlier suggestion was replaced by the new one (ENC-08: IGAU-1 = No in both).
        let enc08 = wb.answer(&model().target(), "ENC-08").unwrap().unwrap();
        assert_eq!(
            enc08.suggested.as_deref(),
            Some("MDS2 (unconfirmed) MDS2-MVR 2026-03-20")
        );
        wb.undo().unwrap();
        let back = wb.mds2_documents().unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].id, first[0].id);
        assert_eq!(back[0].replaced_at, None);
        let net04 = wb.answer(&Target::Device(unit), "NET-04").unwrap().unwrap();
        assert_eq!(net04.note, "MDS2 CONN-1.1 = No");
    }

    #[test]
    fn confirmed_answers_and_typed_fields_are_kept_unless_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let a = device(&mut wb, "Pump 1", &[("phi_displayed", "No")]);
        let b = device(&mut wb, "Pump 2", &[]);
        let control = catalog().control("ACC-06").unwrap();
        let yes = crate::workbook::AnswerInput {
            response: Some(Some(Response::Yes)),
            ..Default::default()
        };
        wb.set_answer(&Target::Device(a), control, &yes).unwrap();
        import(&mut wb, &medicapture(), model(), false);
        // ACC-06 (ALOF-1 = Yes → Unknown): the confirmed Yes on A kept, B suggested.
        let on_a = wb.answer(&Target::Device(a), "ACC-06").unwrap().unwrap();
        assert_eq!((on_a.response, on_a.suggested), (Some(Response::Yes), None));
        let on_b = wb.answer(&Target::Device(b), "ACC-06").unwrap().unwrap();
        assert_eq!(on_b.response, Some(Response::Unknown));
        assert!(
            on_b.note
                .starts_with("capability claimed by the manufacturer – verify on site")
        );
        // Device-scoped suggestions on every unit, model-scoped once on the model.
        for id in [a, b] {
            assert!(wb.answer(&Target::Device(id), "ENC-01").unwrap().is_some());
            assert!(wb.answer(&Target::Device(id), "ENC-04").unwrap().is_none());
            assert_eq!(wb.device(id).unwrap().get("mds2_document_id"), "MDS2-MVR");
        }
        // A typed value kept; --overwrite replaces it (never the model's own name).
        assert_eq!(wb.device(a).unwrap().get("phi_displayed"), "No");
        import(&mut wb, &medicapture(), model(), true);
        let d = wb.device(a).unwrap();
        assert_eq!(d.get("phi_displayed"), "Yes");
        assert_eq!(d.get("name"), "Medical Video Recorder (with touchscreen)");
        assert_eq!((d.get("manufacturer"), d.get("model")), ("Acme", "GM-1"));
        // Still never the confirmed answer.
        let on_a = wb.answer(&Target::Device(a), "ACC-06").unwrap().unwrap();
        assert_eq!(on_a.response, Some(Response::Yes));
    }

    #[test]
    fn claims_read_back_from_storage() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path());
        let id = device(&mut wb, "Pump 1", &[]);
        import(&mut wb, &nema(), Mds2Target::Device(id), false);
        let d = wb.device(id).unwrap();
        let doc = wb.mds2_for_device(&d).unwrap().unwrap();
        assert_eq!(doc.rows.len(), 240);
        assert_eq!(doc.release_date, NaiveDate::from_ymd_opt(2019, 10, 9));
        let ids: Vec<String> = ["STCF-1", "STCF-1.2", "NOPE-1", "DOC-2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            doc.claim(&ids),
            "STCF-1=No; STCF-1.2=N/A; DOC-2=Handheld Blood Glucose Monitor"
        );
        assert_eq!(
            doc.row("SAHD-15").unwrap().flag,
            "typo SHAD-15 read as SAHD-15"
        );
        assert_eq!(
            doc.title(),
            "nema-example-mds2-worksheet-hn1-2019.xlsx of 2019-10-09"
        );
        // The model's document speaks for a device without its own.
        let other = device(&mut wb, "Pump 2", &[]);
        import(&mut wb, &medicapture(), model(), false);
        let doc = wb
            .mds2_for_device(&wb.device(other).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(doc.doc_id, "MDS2-MVR");
        let doc = wb.mds2_for_device(&d).unwrap().unwrap();
        assert_eq!(doc.doc_id, "");
    }
}
