//! Answers in the workbook: set one or the same on many targets (committed at once, one undo
//! step), load them all.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use compact_str::CompactString;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::devices::{devices_in, live_device_in};
use super::risk::{risk_entry_in, store_risk_entry};
use super::snapshot::RowKey;
use super::targets::{target_columns, target_name, target_of};
use super::undo::Recorder;
use super::{TxError, Workbook, WorkbookError};
use crate::assessment::{
    Answer, AnswerSet, AnswerSetBuilder, AnswerSource, Response, Target, check_text_limit,
};
use crate::catalog::{Control, catalog};
use crate::device::Device;
use crate::device::fields::clean_text;
use crate::risk::{RiskStatus, default_control_impact};

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
    /// Impact 1–5, rated by the assessor as one number (clears any per-dimension impacts).
    pub impact: Option<u8>,
    /// Impact per dimension (patient safety, PHI / data, clinical operations), 1–5 each,
    /// replacing all three: the answer's impact becomes the highest one given; all `None` puts
    /// the impact back to the devices' default.
    pub dimension_impacts: Option<[Option<u8>; 3]>,
    /// Confirms an unconfirmed suggestion.
    pub confirm: bool,
    /// Stores the response given as an unconfirmed suggestion with this source reference (e.g.
    /// `MDS2 (unconfirmed) ACME-7 2019-10-09`): it counts as not assessed, and opens no register
    /// entry, until confirmed. `None` = a response given is the assessor's own.
    pub suggest: Option<String>,
    /// Defers an unanswered control with this reason (device in use on a patient, room locked,
    /// waiting for the vendor); `Some("")` lifts the deferral. A response given later lifts it
    /// too (PRODUCT.md "Answers, suggestions and deferral").
    pub deferral: Option<String>,
}

/// What applying one answer to many targets would overwrite.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkPreview {
    /// How many targets get the answer.
    pub targets: usize,
    /// Existing answers that would change (a different response, or a note / ratings the input
    /// replaces), with their target, in target order.
    pub overwritten: Vec<(Target, Answer)>,
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
        assessed_on, device_id, target_label, impact_safety, impact_phi, impact_operations
        FROM answer";

/// Column `i` as borrowed text (`None` for NULL), without copying it.
///
/// Errors: `InvalidColumnType` for a number or blob, `FromSqlConversionFailure` for text
/// that is not UTF-8.
fn str_at<'r>(r: &'r Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        }),
        other => Err(rusqlite::Error::InvalidColumnType(
            i,
            String::new(),
            other.data_type(),
        )),
    }
}

/// Column `i` as an answer's text (`""` for NULL). Errors: as [`str_at`].
fn text_at(r: &Row<'_>, i: usize) -> rusqlite::Result<CompactString> {
    Ok(str_at(r, i)?.map(CompactString::from).unwrap_or_default())
}

fn answer_from_row(r: &Row<'_>) -> rusqlite::Result<AnswerRow> {
    let deferred = str_at(r, 14)?;
    let assessed_at = str_at(r, 17)?;
    let assessed_on = str_at(r, 18)?;
    let answer = Answer {
        control_id: text_at(r, 2)?,
        response: str_at(r, 3)?.and_then(Response::parse),
        note: text_at(r, 4)?,
        observed: text_at(r, 5)?,
        evidence_ref: text_at(r, 6)?,
        source: str_at(r, 7)?.and_then(AnswerSource::parse),
        likelihood: r.get(8)?,
        impact: r.get(9)?,
        likelihood_default: r.get(10)?,
        impact_default: r.get(11)?,
        dimension_impacts: [r.get(21)?, r.get(22)?, r.get(23)?],
        recommendation: text_at(r, 12)?,
        suggested: str_at(r, 13)?.map(CompactString::from),
        deferred_until: deferred.and_then(|d| d.parse::<NaiveDate>().ok()),
        deferral_reason: text_at(r, 15)?,
        assessed_by: text_at(r, 16)?,
        assessed_at: assessed_at
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
        assessed_on: assessed_on.and_then(|d| d.parse().ok()),
    };
    Ok(AnswerRow {
        target: target_of(
            str_at(r, 0)?.unwrap_or_default(),
            str_at(r, 1)?.unwrap_or_default(),
            r.get(19)?,
            r.get(20)?,
        ),
        answer,
    })
}

/// The answer stored on exactly this target for this control.
fn answer_in(
    conn: &Connection,
    target: &Target,
    control_id: &str,
) -> rusqlite::Result<Option<Answer>> {
    let (kind, key, _, _) = target_columns(target);
    let sql = format!("{SELECT} WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3");
    conn.prepare_cached(&sql)?
        .query_row(params![kind, key, control_id], answer_from_row)
        .optional()
        .map(|r| r.map(|r| r.answer))
}

impl Workbook {
    /// Every stored answer, indexed for lookups.
    pub fn answer_set(&self) -> Result<AnswerSet, WorkbookError> {
        let mut set = AnswerSetBuilder::for_catalog(self.catalog());
        self.for_each_answer_row(|row| set.add(&row.target, row.answer))?;
        Ok(set.finish())
    }

    /// Every stored answer with its target (model and site keys in their stored spelling).
    pub fn answer_rows(&self) -> Result<Vec<AnswerRow>, WorkbookError> {
        let mut rows = Vec::new();
        self.for_each_answer_row(|row| rows.push(row))?;
        Ok(rows)
    }

    /// [`Workbook::answer_rows`] one row at a time, without holding them all (a 10,000-device
    /// workbook has about 430,000 answers).
    ///
    /// Errors: `Sqlite`.
    pub fn for_each_answer_row(
        &self,
        mut each: impl FnMut(AnswerRow),
    ) -> Result<(), WorkbookError> {
        let mut stmt = self.conn.prepare_cached(SELECT).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], answer_from_row)
            .map_err(|e| self.sql(e))?;
        for row in rows {
            each(row.map_err(|e| self.sql(e))?);
        }
        Ok(())
    }

    /// The answer stored on exactly this target for this control.
    pub fn answer(
        &self,
        target: &Target,
        control_id: &str,
    ) -> Result<Option<Answer>, WorkbookError> {
        answer_in(&self.conn, target, control_id).map_err(|e| self.sql(e))
    }

    /// The devices a target covers: the device itself, every unit of a model, every device of a
    /// site (`""` = devices with no site).
    pub fn devices_of(&self, target: &Target) -> Result<Vec<Device>, WorkbookError> {
        Ok(self
            .devices()?
            .into_iter()
            .filter(|d| target.covers(d))
            .collect())
    }

    /// Sets (part of) an answer and commits it at once. A finding (No, Partial, Unknown) given
    /// without a rating gets the default likelihood (3, or 2 for Partial) and the highest default
    /// impact of the devices it covers on the control's impact dimensions, both marked
    /// "default" (PRODUCT.md "Answers, suggestions and deferral"). An answer left with nothing
    /// recorded is removed. One undo step, labelled by what changed: `answer DEV-0003 ENC-01
    /// Yes`, `clear DEV-0003 ENC-01`, `confirm …`, `note …`, `rate …` (likelihood / impact), or
    /// `edit …` (other fields).
    ///
    /// Errors: `Invalid` (N/A without a note, rating outside 1–5, text over the limit), `Sqlite`.
    pub fn set_answer(
        &mut self,
        target: &Target,
        control: &Control,
        input: &AnswerInput,
    ) -> Result<Answer, WorkbookError> {
        let assessor = self.actor.clone();
        self.recorded(|tx, rec| {
            let mut ctx = AnswerContext::new(&assessor);
            let answer = apply_answer(tx, &mut ctx, rec, target, control, input)?;
            let label = answer_label(&target_name(tx, target)?, &control.id, input);
            Ok((answer, label))
        })
    }

    /// What applying `input` to every target would overwrite (see [`BulkPreview`]): an existing
    /// answer counts when it has a response and the input sets a different one (or clears it),
    /// or it has a non-empty note, observed value, evidence reference or recommendation and the
    /// input sets a different text, or it has a likelihood / impact rated by the assessor (not a
    /// default) and the input sets a different rating. Targets are expected to be distinct.
    ///
    /// Errors: `Sqlite`.
    pub fn preview_bulk(
        &self,
        targets: &[Target],
        control: &Control,
        input: &AnswerInput,
    ) -> Result<BulkPreview, WorkbookError> {
        let mut overwritten = Vec::new();
        for target in targets {
            if let Some(existing) = self.answer(target, &control.id)?
                && overwrites(&existing, input)
            {
                overwritten.push((target.clone(), existing));
            }
        }
        Ok(BulkPreview {
            targets: targets.len(),
            overwritten,
        })
    }

    /// Applies `input` to every target in ONE transaction and ONE undo step labelled `label`
    /// (e.g. `bulk ENC-01 Yes on 14 devices`); same defaults and validation as
    /// [`Workbook::set_answer`] (source defaults to `AnswerSource::Bulk` when `input.source` is
    /// `None`). All or nothing: an invalid answer on any target changes nothing. Returns the
    /// stored answers in target order.
    ///
    /// Errors: `Invalid` (as `set_answer`, the message prefixed with the target), `Sqlite`.
    pub fn set_answers_bulk(
        &mut self,
        targets: &[Target],
        control: &Control,
        input: &AnswerInput,
        label: &str,
    ) -> Result<Vec<Answer>, WorkbookError> {
        let mut input = input.clone();
        input.source = input.source.or(Some(AnswerSource::Bulk));
        let assessor = self.actor.clone();
        self.recorded(|tx, rec| {
            let mut ctx = AnswerContext::new(&assessor);
            let mut answers = Vec::with_capacity(targets.len());
            for target in targets {
                let answer = match apply_answer(tx, &mut ctx, rec, target, control, &input) {
                    Ok(a) => a,
                    Err(TxError::Invalid(m)) => {
                        return Err(TxError::Invalid(format!(
                            "{}: {m}",
                            target_name(tx, target)?
                        )));
                    }
                    Err(e) => return Err(e),
                };
                answers.push(answer);
            }
            Ok((answers, label.to_string()))
        })
    }
}

impl Workbook {
    /// Sets many different answers in ONE transaction and ONE undo step labelled `label` (e.g.
    /// `workbook import (1,204 answers)`), each as [`Workbook::set_answer`] would (same defaults,
    /// validation and register entries for new findings). All or nothing: an invalid answer
    /// changes nothing. Returns the stored answers in order.
    ///
    /// Errors: `Invalid` (as `set_answer`, the message prefixed with the target and control),
    /// `Sqlite`.
    pub fn set_answers(
        &mut self,
        items: &[(Target, &Control, AnswerInput)],
        label: &str,
    ) -> Result<Vec<Answer>, WorkbookError> {
        let assessor = self.actor.clone();
        self.recorded(|tx, rec| {
            let mut ctx = AnswerContext::new(&assessor);
            let mut answers = Vec::with_capacity(items.len());
            for (target, control, input) in items {
                match apply_answer(tx, &mut ctx, rec, target, control, input) {
                    Ok(a) => answers.push(a),
                    Err(TxError::Invalid(m)) => {
                        return Err(TxError::Invalid(format!(
                            "{} {}: {m}",
                            target_name(tx, target)?,
                            control.id
                        )));
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok((answers, label.to_string()))
        })
    }
}

/// What setting answers needs besides the transaction: who answers, and the devices read for
/// default impacts (all of them loaded at most once per transaction, for model and site targets).
pub(super) struct AnswerContext<'a> {
    assessor: &'a str,
    devices: Option<Vec<Device>>,
}

impl<'a> AnswerContext<'a> {
    pub(super) fn new(assessor: &'a str) -> Self {
        AnswerContext {
            assessor,
            devices: None,
        }
    }

    /// The highest default impact of the devices `target` covers on the control's impact
    /// dimensions; 3 when it covers none.
    fn default_impact(
        &mut self,
        conn: &Connection,
        target: &Target,
        control: &Control,
    ) -> rusqlite::Result<u8> {
        let dims = catalog().impact_dimensions(control);
        let impact = match target {
            Target::Device(id) => {
                live_device_in(conn, *id)?.map(|d| default_control_impact(&d, dims))
            }
            _ => {
                if self.devices.is_none() {
                    self.devices = Some(devices_in(conn)?);
                }
                self.devices
                    .iter()
                    .flatten()
                    .filter(|d| target.covers(d))
                    .map(|d| default_control_impact(d, dims))
                    .max()
            }
        };
        Ok(impact.unwrap_or(3))
    }
}

/// The one code path that sets an answer inside a transaction (for `set_answer` and
/// `set_answers_bulk`): validates, applies defaults, stores or removes the row, and notes the
/// row with the recorder.
pub(super) fn apply_answer(
    tx: &Transaction<'_>,
    ctx: &mut AnswerContext<'_>,
    rec: &mut Recorder,
    target: &Target,
    control: &Control,
    input: &AnswerInput,
) -> Result<Answer, TxError> {
    let stored = answer_in(tx, target, &control.id)?;
    let was_finding = stored
        .as_ref()
        .and_then(Answer::confirmed_response)
        .is_some_and(Response::is_finding);
    let mut a = stored.unwrap_or_else(|| Answer {
        control_id: control.id.as_str().into(),
        ..Answer::default()
    });
    let text = |slot: &mut CompactString, value: &Option<String>, name: &str| {
        if let Some(v) = value {
            let v = clean_text(v);
            check_text_limit(name, &v).map_err(TxError::Invalid)?;
            *slot = v.into();
        }
        Ok::<(), TxError>(())
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
    let dims = input.dimension_impacts.unwrap_or_default();
    for (name, v) in [
        ("likelihood", input.likelihood),
        ("impact", input.impact),
        ("patient-safety impact", dims[0]),
        ("PHI impact", dims[1]),
        ("operational impact", dims[2]),
    ] {
        if let Some(v) = v
            && !(1..=5).contains(&v)
        {
            return Err(TxError::Invalid(format!(
                "{name} must be a whole number from 1 to 5, not {v}"
            )));
        }
    }
    let response_changed = input.response.is_some() && input.response != Some(a.response);
    if let Some(reason) = &input.deferral {
        let reason = clean_text(reason).trim().to_string();
        check_text_limit("deferral reason", &reason).map_err(TxError::Invalid)?;
        if !reason.is_empty() && a.response.is_some() && input.response.is_none() {
            return Err(TxError::Invalid(format!(
                "{}: only an unanswered control can be deferred (clear the answer first)",
                control.id
            )));
        }
        if reason.is_empty() {
            a.deferred_until = None;
        }
        a.deferral_reason = reason.into();
    }
    if let Some(r) = input.response {
        a.response = r;
        a.suggested = None;
        if r.is_some() {
            // Answered now: no longer deferred.
            a.deferral_reason.clear();
            a.deferred_until = None;
        }
    }
    if input.confirm {
        a.suggested = None;
    }
    if let Some(source) = &input.suggest {
        a.suggested = Some(clean_text(source).into());
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
        a.dimension_impacts = [None; 3];
    }
    if let Some(dims) = input.dimension_impacts {
        a.dimension_impacts = dims;
        match dims.iter().flatten().max() {
            Some(&i) => {
                a.impact = Some(i);
                a.impact_default = false;
            }
            None => {
                // Back to the devices' default (set below for a finding).
                a.impact = None;
                a.impact_default = false;
            }
        }
    }
    match a.response {
        Some(r) if r.is_finding() => {
            if a.likelihood.is_none() || (a.likelihood_default && response_changed) {
                a.likelihood = r.default_likelihood();
                a.likelihood_default = true;
            }
            if a.impact.is_none() {
                a.impact = Some(ctx.default_impact(tx, target, control)?);
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
        return Err(TxError::Invalid(format!(
            "{}: N/A needs a note saying why (e.g. --note \"no PHI on this device\")",
            control.id
        )));
    }
    if a.response.is_some() || input.note.is_some() {
        a.assessed_by = ctx.assessor.into();
        // Whole seconds, as stored, so the answer returned is the answer read back.
        a.assessed_at = Some(Utc::now().trunc_subsecs(0));
        a.assessed_on = Some(chrono::Local::now().date_naive());
    }
    rec.touch(tx, RowKey::answer(target, &control.id))?;
    if a.is_empty() {
        delete_answer(tx, target, &control.id)?;
    } else {
        store_answer(tx, target, &a)?;
    }
    let is_finding = a.confirmed_response().is_some_and(Response::is_finding);
    if is_finding && !was_finding {
        note_identified(tx, rec, target, &control.id)?;
    }
    Ok(a)
}

/// Marks the register entry of a new finding with the date it was identified (today, local),
/// creating the entry when there is none. A finding that comes back (No → Yes → No) keeps its
/// entry (owner, treatment, Risk ID) and first date, but a Closed entry is opened again and
/// dated today: the weakness is there again, so it counts as an open risk.
fn note_identified(
    tx: &Transaction<'_>,
    rec: &mut Recorder,
    target: &Target,
    control_id: &str,
) -> Result<(), TxError> {
    let mut entry = risk_entry_in(tx, target, control_id)?.unwrap_or_default();
    let today = chrono::Local::now().date_naive();
    if entry.status == RiskStatus::Closed {
        entry.status = RiskStatus::Open;
        entry.identified_on = Some(today);
    } else if entry.identified_on.is_some() {
        return Ok(());
    }
    entry.identified_on = Some(today);
    rec.touch(tx, RowKey::risk_entry(target, control_id))?;
    store_risk_entry(tx, target, control_id, &entry)?;
    Ok(())
}

/// The undo label of `set_answer`: what the input changes, on which target and control.
fn answer_label(target: &str, control_id: &str, input: &AnswerInput) -> String {
    let verb = match input.response {
        Some(Some(r)) => return format!("answer {target} {control_id} {}", r.label()),
        Some(None) => "clear",
        None if input.confirm => "confirm",
        None if input
            .deferral
            .as_ref()
            .is_some_and(|r| !r.trim().is_empty()) =>
        {
            "defer"
        }
        None if input.deferral.is_some() => "undefer",
        None if input.note.is_some() => "note",
        None if input.likelihood.is_some()
            || input.impact.is_some()
            || input.dimension_impacts.is_some() =>
        {
            "rate"
        }
        None => "edit",
    };
    format!("{verb} {target} {control_id}")
}

/// Whether applying `input` would overwrite something in `existing` (see
/// [`Workbook::preview_bulk`]).
fn overwrites(existing: &Answer, input: &AnswerInput) -> bool {
    let response =
        matches!(input.response, Some(r) if existing.response.is_some() && r != existing.response);
    let text = |new: &Option<String>, old: &str| {
        new.as_ref()
            .is_some_and(|n| !old.trim().is_empty() && clean_text(n) != old)
    };
    let rating = |new: Option<u8>, old: Option<u8>, default: bool| {
        new.is_some_and(|n| !default && old.is_some_and(|o| o != n))
    };
    response
        || text(&input.note, &existing.note)
        || text(&input.observed, &existing.observed)
        || text(&input.evidence_ref, &existing.evidence_ref)
        || text(&input.recommendation, &existing.recommendation)
        || rating(
            input.likelihood,
            existing.likelihood,
            existing.likelihood_default,
        )
        || rating(input.impact, existing.impact, existing.impact_default)
        || input.dimension_impacts.is_some_and(|d| {
            d != existing.dimension_impacts && !existing.impact_default && existing.impact.is_some()
        })
}

fn delete_answer(conn: &Connection, target: &Target, control_id: &str) -> rusqlite::Result<()> {
    let (kind, key, _, _) = target_columns(target);
    conn.execute(
        "DELETE FROM answer WHERE target_kind = ?1 AND target_key = ?2 AND control_id = ?3",
        params![kind, key, control_id],
    )
    .map(|_| ())
}

fn store_answer(conn: &Connection, target: &Target, a: &Answer) -> rusqlite::Result<()> {
    let (kind, key, label, device_id) = target_columns(target);
    conn.prepare_cached(
        "INSERT INTO answer (target_kind, target_key, target_label, device_id, control_id,
            response, note,
            observed, evidence_ref, source, likelihood, impact, likelihood_default,
            impact_default, recommendation, suggested, deferred_until, deferral_reason,
            assessed_by, assessed_at, assessed_on, impact_safety, impact_phi,
            impact_operations)
         VALUES (?1, ?2, ?21, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
            ?16, ?17, ?18, ?19, ?20, ?22, ?23, ?24)
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
            assessed_on = excluded.assessed_on, impact_safety = excluded.impact_safety,
            impact_phi = excluded.impact_phi, impact_operations = excluded.impact_operations",
    )?
    .execute(params![
        kind,
        key,
        device_id,
        a.control_id.as_str(),
        a.response.map(Response::label),
        a.note.as_str(),
        a.observed.as_str(),
        a.evidence_ref.as_str(),
        a.source.map(AnswerSource::label),
        a.likelihood,
        a.impact,
        a.likelihood_default,
        a.impact_default,
        a.recommendation.as_str(),
        a.suggested.as_deref(),
        a.deferred_until.map(|d| d.to_string()),
        a.deferral_reason.as_str(),
        a.assessed_by.as_str(),
        a.assessed_at
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        a.assessed_on.map(|d| d.to_string()),
        label,
        a.dimension_impacts[0],
        a.dimension_impacts[1],
        a.dimension_impacts[2],
    ])
    .map(|_| ())
}
