//! Answers in the workbook: set one (committed at once), load them all.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Workbook, WorkbookError};
use crate::assessment::{
    Answer, AnswerSet, AnswerSource, Response, Target, check_text_limit, model_key,
};
use crate::catalog::{Catalog, Control};
use crate::device::Device;
use crate::device::fields::clean_text;
use crate::risk::default_control_impact;

/// What to change on an answer; `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerInput {
    /// `Some(None)` clears the response (back to not assessed); `Some(Some(r))` sets it.
    pub response: Option<Option<Response>>,
    /// Note text (`Some("")` clears).
    pub note: Option<String>,
    /// Observed value.
    pub observed: Option<String>,
    /// Evidence reference.
    pub evidence_ref: Option<String>,
    /// Recommendation.
    pub recommendation: Option<String>,
    /// How it was established.
    pub source: Option<AnswerSource>,
    /// Likelihood 1–5, rated by the assessor.
    pub likelihood: Option<u8>,
    /// Impact 1–5, rated by the assessor.
    pub impact: Option<u8>,
    /// Confirms an unconfirmed suggestion.
    pub confirm: bool,
}

/// One stored answer with its target, as loaded for exports.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    /// Whom it is for.
    pub target: Target,
    /// The answer.
    pub answer: Answer,
}

const SELECT: &str = "SELECT target_kind, target_key, control_id, response, note, observed,
        evidence_ref, source, likelihood, impact, likelihood_default, impact_default,
        recommendation, suggested, deferred_until, deferral_reason, assessed_by, assessed_at,
        assessed_on, device_id, target_label FROM answer";

fn target_of(kind: &str, key: &str, device_id: Option<i64>, label: String) -> Target {
    let display = (!label.is_empty()).then_some(label);
    match kind {
        "device" => Target::Device(device_id.unwrap_or(0)),
        "model" => {
            let shown = display.unwrap_or_else(|| key.to_string());
            let (m, n) = shown.split_once('\u{1f}').unwrap_or((shown.as_str(), ""));
            Target::Model {
                manufacturer: m.to_string(),
                model: n.to_string(),
            }
        }
        _ => Target::Site(display.unwrap_or_else(|| key.to_string())),
    }
}

fn answer_from_row(r: &Row<'_>) -> rusqlite::Result<AnswerRow> {
    let kind: String = r.get(0)?;
    let key: String = r.get(1)?;
    let response: Option<String> = r.get(3)?;
    let source: Option<String> = r.get(7)?;
    let deferred: Option<String> = r.get(14)?;
    let assessed_at: Option<String> = r.get(17)?;
    let assessed_on: Option<String> = r.get(18)?;
    let answer = Answer {
        control_id: r.get(2)?,
        response: response.as_deref().and_then(Response::parse),
        note: r.get(4)?,
        observed: r.get(5)?,
        evidence_ref: r.get(6)?,
        source: source.as_deref().and_then(AnswerSource::parse),
        likelihood: r.get(8)?,
        impact: r.get(9)?,
        likelihood_default: r.get(10)?,
        impact_default: r.get(11)?,
        recommendation: r.get(12)?,
        suggested: r.get(13)?,
        deferred_until: deferred
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok()),
        deferral_reason: r.get(15)?,
        assessed_by: r.get(16)?,
        assessed_at: assessed_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
        assessed_on: assessed_on.as_deref().and_then(|d| d.parse().ok()),
    };
    Ok(AnswerRow {
        target: target_of(&kind, &key, r.get(19)?, r.get(20)?),
        answer,
    })
}

/// (kind, key, label, device id) of a target as stored.
fn target_columns(target: &Target) -> (&'static str, String, String, Option<i64>) {
    match target {
        Target::Device(id) => ("device", id.to_string(), String::new(), Some(*id)),
        Target::Model {
            manufacturer,
            model,
        } => (
            "model",
            model_key(manufacturer, model),
            format!("{}\u{1f}{}", manufacturer.trim(), model.trim()),
            None,
        ),
        Target::Site(s) => ("site", s.trim().to_lowercase(), s.trim().to_string(), None),
    }
}

impl Workbook {
    /// Every stored answer, indexed for lookups.
    pub fn answer_set(&self) -> Result<AnswerSet, WorkbookError> {
        let mut set = AnswerSet::default();
        for row in self.answer_rows()? {
            set.insert(&row.target, row.answer);
        }
        Ok(set)
    }

    /// Every stored answer with its target (model and site keys in their stored spelling).
    pub fn answer_rows(&self) -> Result<Vec<AnswerRow>, WorkbookError> {
        let mut stmt = self.conn.prepare_cached(SELECT).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], answer_from_row)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// The answer stored on exactly this target for this control.
    pub fn answer(
        &self,
        target: &Target,
        control_id: &str,
    ) -> Result<Option<Answer>, WorkbookError> {
        let (kind, key, _, _) = target_columns(target);
        let sql =
            format!("{SELECT} WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3");
        self.conn
            .query_row(&sql, params![kind, key, control_id], answer_from_row)
            .optional()
            .map(|r| r.map(|r| r.answer))
            .map_err(|e| self.sql(e))
    }

    /// The devices a target covers: the device itself, every unit of a model, every device of a
    /// site (`""` = devices with no site).
    pub fn devices_of(&self, target: &Target) -> Result<Vec<Device>, WorkbookError> {
        let all = self.devices()?;
        Ok(match target {
            Target::Device(id) => all.into_iter().filter(|d| d.id == *id).collect(),
            Target::Model {
                manufacturer,
                model,
            } => {
                let key = model_key(manufacturer, model);
                all.into_iter()
                    .filter(|d| model_key(d.get("manufacturer"), d.get("model")) == key)
                    .collect()
            }
            Target::Site(site) => all
                .into_iter()
                .filter(|d| d.get("site").trim().to_lowercase() == site.trim().to_lowercase())
                .collect(),
        })
    }

    /// Sets (part of) an answer and commits it at once. A finding (No, Partial, Unknown) given
    /// without a rating gets the default likelihood (3, or 2 for Partial) and the highest default
    /// impact of the devices it covers on the control's impact dimensions, both marked
    /// "default" (PRODUCT.md "Answers, suggestions and deferral").
    ///
    /// Errors: `Invalid` (N/A without a note, rating outside 1–5, text over the limit), `Sqlite`.
    pub fn set_answer(
        &mut self,
        target: &Target,
        control: &Control,
        input: &AnswerInput,
    ) -> Result<Answer, WorkbookError> {
        let mut a = self.answer(target, &control.id)?.unwrap_or_else(|| Answer {
            control_id: control.id.clone(),
            ..Answer::default()
        });
        let text = |slot: &mut String, value: &Option<String>, name: &str| {
            if let Some(v) = value {
                let v = clean_text(v);
                check_text_limit(name, &v).map_err(WorkbookError::Invalid)?;
                *slot = v;
            }
            Ok::<(), WorkbookError>(())
        };
        text(&mut a.note, &input.note, "note")?;
        text(&mut a.observed, &input.observed, "observed value")?;
        text(
            &mut a.evidence_ref,
            &input.evidence_ref,
            "evidence reference",
        )?;
        text(
            &mut a.recommendation,
            &input.recommendation,
            "recommendation",
        )?;
        for (name, v) in [("likelihood", input.likelihood), ("impact", input.impact)] {
            if let Some(v) = v
                && !(1..=5).contains(&v)
            {
                return Err(WorkbookError::Invalid(format!(
                    "{name} must be a whole number from 1 to 5, not {v}"
                )));
            }
        }
        let response_changed = input.response.is_some() && input.response != Some(a.response);
        if let Some(r) = input.response {
            a.response = r;
            a.suggested = None;
        }
        if input.confirm {
            a.suggested = None;
        }
        if input.source.is_some() {
            a.source = input.source;
        }
        if let Some(l) = input.likelihood {
            a.likelihood = Some(l);
            a.likelihood_default = false;
        }
        if let Some(i) = input.impact {
            a.impact = Some(i);
            a.impact_default = false;
        }
        match a.response {
            Some(r) if r.is_finding() => {
                if a.likelihood.is_none() || (a.likelihood_default && response_changed) {
                    a.likelihood = r.default_likelihood();
                    a.likelihood_default = true;
                }
                if a.impact.is_none() {
                    a.impact = Some(self.default_impact(target, control)?);
                    a.impact_default = true;
                }
            }
            _ => {
                // Ratings belong to findings; defaults go away with the finding.
                if a.likelihood_default {
                    a.likelihood = None;
                    a.likelihood_default = false;
                }
                if a.impact_default {
                    a.impact = None;
                    a.impact_default = false;
                }
            }
        }
        if a.response == Some(Response::NotApplicable) && a.note.trim().is_empty() {
            return Err(WorkbookError::Invalid(format!(
                "{}: N/A needs a note saying why (e.g. --note \"no PHI on this device\")",
                control.id
            )));
        }
        if a.response.is_some() || input.note.is_some() {
            a.assessed_by = self.meta.assessor.clone();
            a.assessed_at = Some(Utc::now());
            a.assessed_on = Some(chrono::Local::now().date_naive());
        }
        if a.is_empty() {
            self.delete_answer(target, &control.id)?;
        } else {
            self.store_answer(target, &a)?;
        }
        Ok(a)
    }

    fn default_impact(&self, target: &Target, control: &Control) -> Result<u8, WorkbookError> {
        let dims = self.impact_dimensions(self.catalog(), control);
        let devices = self.devices_of(target)?;
        Ok(devices
            .iter()
            .map(|d| default_control_impact(d, &dims))
            .max()
            .unwrap_or(3))
    }

    fn impact_dimensions(
        &self,
        catalog: &Catalog,
        control: &Control,
    ) -> Vec<crate::catalog::ImpactDimension> {
        control.impact_dimensions.clone().unwrap_or_else(|| {
            catalog
                .step_of(&control.id)
                .map(|s| s.impact_dimensions.clone())
                .unwrap_or_default()
        })
    }

    fn delete_answer(&mut self, target: &Target, control_id: &str) -> Result<(), WorkbookError> {
        let (kind, key, _, _) = target_columns(target);
        self.conn
            .execute(
                "DELETE FROM answer WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3",
                params![kind, key, control_id],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }

    fn store_answer(&mut self, target: &Target, a: &Answer) -> Result<(), WorkbookError> {
        let (kind, key, label, device_id) = target_columns(target);
        self.conn
            .execute(
                "INSERT INTO answer (target_kind, target_key, target_label, device_id, control_id,
                    response, note,
                    observed, evidence_ref, source, likelihood, impact, likelihood_default,
                    impact_default, recommendation, suggested, deferred_until, deferral_reason,
                    assessed_by, assessed_at, assessed_on)
                 VALUES (?1, ?2, ?21, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                    ?16, ?17, ?18, ?19, ?20)
                 ON CONFLICT (target_kind, target_key, control_id) DO UPDATE SET
                    response = excluded.response, note = excluded.note,
                    observed = excluded.observed, evidence_ref = excluded.evidence_ref,
                    source = excluded.source, likelihood = excluded.likelihood,
                    impact = excluded.impact, likelihood_default = excluded.likelihood_default,
                    impact_default = excluded.impact_default,
                    recommendation = excluded.recommendation, suggested = excluded.suggested,
                    deferred_until = excluded.deferred_until,
                    deferral_reason = excluded.deferral_reason,
                    assessed_by = excluded.assessed_by, assessed_at = excluded.assessed_at,
                    assessed_on = excluded.assessed_on",
                params![
                    kind,
                    key,
                    device_id,
                    a.control_id,
                    a.response.map(Response::label),
                    a.note,
                    a.observed,
                    a.evidence_ref,
                    a.source.map(AnswerSource::label),
                    a.likelihood,
                    a.impact,
                    a.likelihood_default,
                    a.impact_default,
                    a.recommendation,
                    a.suggested,
                    a.deferred_until.map(|d| d.to_string()),
                    a.deferral_reason,
                    a.assessed_by,
                    a.assessed_at
                        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    a.assessed_on.map(|d| d.to_string()),
                    label,
                ],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }
}
