//! Control-sheet rows: each read column (Response, Suggested, Observed Value, Note, Evidence
//! Reference, Answer Source, Likelihood, Impact, Rating, Recommendation, Deferred Until,
//! Deferral Reason) compared with what the export wrote for the stored answer, turned into an
//! [`AnswerEdit`] with the rules of `Workbook::set_answer` checked first.
//!
//! Ratings: the Rating column says `default` when the export wrote a default likelihood or
//! impact. A value equal to what the app would default to, with `default` kept, stays a default
//! (recomputed when the response changes); any other value is a rating by the assessor; a
//! default whose `default` was cleared becomes a rating at the same value; a blank clears the
//! rating (a finding then gets its default again).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Ctx;
use super::derived::{CATALOG_COLUMNS, ControlCheck, NAME_COLUMNS, check_control, control_cells};
use super::devices::DevicePlan;
use super::matching::{Key, Resolver, Slot, Subject};
use super::report::{Report, RowLines, shown};
use super::values::{self, normal_text, quote, same_cell};
use crate::assessment::{Answer, AnswerSource, Response, Target};
use crate::catalog::{Control, Scope};
use crate::export::plan::{ControlRow, DeviceEntry, RowTarget, ScopeTarget, scope_row_key};
use crate::export::xlsx::clean_cell_text;
use crate::import::changeset::{AnswerRecord, Origin, Value};
use crate::risk::{RiskGrid, default_control_impact};
use crate::workbook::{AnswerEdit, BatchTarget};

/// An answer as it will be after the import (what the register rows are checked against).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct After {
    /// The response if it counts (not an unconfirmed suggestion).
    pub(super) confirmed: Option<Response>,
    /// Likelihood 1–5.
    pub(super) likelihood: Option<u8>,
    /// Impact 1–5.
    pub(super) impact: Option<u8>,
    /// `Some(today)` when the answer becomes a finding with this import.
    pub(super) identified: Option<NaiveDate>,
}

/// What the control-sheet rows do.
#[derive(Debug, Default)]
pub(super) struct AnswerPlan {
    /// The answers to change, in file order.
    pub(super) edits: Vec<AnswerEdit>,
    /// Every answer a row of the file leaves behind, by subject and control.
    pub(super) after: HashMap<(Key, String), After>,
}

/// What to do with one rating (likelihood or impact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rating {
    /// Leave it (a default is recomputed by the app as usual).
    Keep,
    /// Rated by the assessor at this value.
    Rate(u8),
    /// Remove it (a finding gets its default again).
    Clear,
}

/// Plans the control-sheet rows.
pub(super) fn plan(
    ctx: &Ctx<'_>,
    resolver: &Resolver<'_>,
    devices: &DevicePlan,
    report: &mut Report,
) -> AnswerPlan {
    let data = ctx.data;
    let mut rows: HashMap<(Key, &str), ControlRow<'_>> = HashMap::new();
    for step in &data.catalog.steps {
        for r in data.control_rows(step) {
            let key = match r.target {
                RowTarget::Device(d) => Key::Device(d.device.id),
                RowTarget::Scope(s) => Key::Scope(s.key.clone()),
            };
            rows.insert((key, r.control.id.as_str()), r);
        }
    }
    let mut grids = vec![data.grid];
    if let Some(g) = super::matrix::file_grid(ctx.cs) {
        grids.push(g);
    }
    let mut plan = AnswerPlan::default();
    let mut seen: HashMap<(Key, String), Origin> = HashMap::new();
    for rec in &ctx.cs.answers {
        let row = Row {
            ctx,
            resolver,
            devices,
            rows: &rows,
            grids: &grids,
        };
        if let Some((edit, key, after)) = row.plan(rec, &mut seen, report) {
            plan.after.insert(key, after);
            if let Some(edit) = edit {
                plan.edits.push(edit);
            }
        }
    }
    plan
}

/// What planning one row needs.
struct Row<'r, 'a> {
    ctx: &'r Ctx<'a>,
    resolver: &'r Resolver<'r>,
    devices: &'r DevicePlan,
    rows: &'r HashMap<(Key, &'a str), ControlRow<'a>>,
    grids: &'r [RiskGrid],
}

/// Whether every column a row could change is blank (or absent).
fn editable_blank(rec: &AnswerRecord) -> bool {
    [
        &rec.response,
        &rec.observed,
        &rec.note,
        &rec.evidence_ref,
        &rec.source,
        &rec.likelihood,
        &rec.impact,
        &rec.recommendation,
        &rec.deferred_until,
        &rec.deferral_reason,
    ]
    .iter()
    .all(|v| v.as_ref().is_none_or(Value::is_blank))
}

/// A response as the report shows it (`No (suggested)` for an unconfirmed suggestion).
fn response_shown(r: Option<Response>, suggested: bool) -> String {
    match r {
        Some(r) if suggested => format!("{} (suggested)", r.label()),
        Some(r) => r.label().to_string(),
        None => "(blank)".to_string(),
    }
}

/// A rating as the report shows it.
fn rating_shown(v: Option<u8>, default: bool) -> String {
    match v {
        Some(v) if default => format!("{v} (default)"),
        Some(v) => v.to_string(),
        None => "(blank)".to_string(),
    }
}

impl Row<'_, '_> {
    /// Plans one row; returns the edit (if it changes something and is not rejected), the
    /// subject-control key and the answer after the import. `None` for a row that is skipped or
    /// rejected.
    fn plan(
        &self,
        rec: &AnswerRecord,
        seen: &mut HashMap<(Key, String), Origin>,
        report: &mut Report,
    ) -> Option<(Option<AnswerEdit>, (Key, String), After)> {
        let ctx = self.ctx;
        let row_origin = rec.origin.clone().unwrap_or(Origin::File);
        let mut lines = RowLines::new(row_origin.clone(), String::new(), false);
        let blank = editable_blank(rec);
        let control = match rec.control_id.as_ref().filter(|v| !v.is_blank()) {
            None if blank => return None,
            None => {
                lines.reject(&row_origin, "no Control ID".to_string());
                lines.finish(report);
                return None;
            }
            Some(v) => match ctx.data.catalog.control(v.trimmed()) {
                Some(c) => c,
                None => {
                    lines.reject(
                        &v.origin,
                        format!(
                            "unknown control {} (not in catalog {})",
                            quote(&v.text),
                            ctx.data.catalog.version
                        ),
                    );
                    lines.finish(report);
                    return None;
                }
            },
        };
        let subject = match self
            .resolver
            .resolve(rec.target.as_ref(), rec.row_key.as_ref())
        {
            Ok(s) => s,
            // A row with nothing to apply is no error, whatever its device.
            Err(_) if blank => return None,
            Err(e) => {
                let origin = rec
                    .target
                    .as_ref()
                    .map_or_else(|| row_origin.clone(), |v| v.origin.clone());
                lines.set_subject(control.id.clone());
                lines.reject(&origin, e);
                lines.finish(report);
                return None;
            }
        };
        lines.set_subject(format!("{} {}", self.describe(&subject), control.id));
        let control_origin = rec
            .control_id
            .as_ref()
            .map_or_else(|| row_origin.clone(), |v| v.origin.clone());
        if let Some((_, key_control)) = rec
            .row_key
            .as_ref()
            .filter(|v| !v.is_blank())
            .and_then(|v| v.trimmed().rsplit_once('|'))
            && !key_control.trim().eq_ignore_ascii_case(&control.id)
        {
            lines.reject(
                &control_origin,
                format!(
                    "Control ID {} does not match the row's hidden Row Key ({}); undo the edit of the Control ID",
                    control.id,
                    key_control.trim()
                ),
            );
        }
        if let Some(reason) = scope_mismatch(control, &subject) {
            lines.reject(&control_origin, reason);
        }
        let key = (subject.key(), control.id.clone());
        match seen.get(&key) {
            Some(first) => lines.reject(
                &row_origin,
                format!("the same answer is on {first} already"),
            ),
            None => {
                seen.insert(key.clone(), row_origin.clone());
            }
        }
        let target = match &subject {
            Subject::Device(Slot::Existing(id)) => Some(Target::Device(*id)),
            Subject::Device(Slot::New(_)) => None,
            Subject::Scope(t) => Some(t.clone()),
        };
        let old = target
            .as_ref()
            .and_then(|t| ctx.data.answers.get(t, &control.id));
        let batch_target = match &subject {
            Subject::Device(Slot::Existing(id)) => BatchTarget::Existing(Target::Device(*id)),
            Subject::Device(Slot::New(i)) => match self.devices.new_index.get(i) {
                Some(n) => BatchTarget::NewDevice(*n),
                None => {
                    lines.reject(&row_origin, "its device's inventory row is rejected".into());
                    lines.finish(report);
                    return None;
                }
            },
            Subject::Scope(t) => BatchTarget::Existing(t.clone()),
        };
        if old.is_none() {
            lines.set_adds();
        }
        let mut edit = AnswerEdit {
            target: batch_target,
            control_id: control.id.clone(),
            input: Default::default(),
            clear_likelihood: false,
            clear_impact: false,
            clear_source: false,
            deferred_until: None,
        };
        let after = self.fields(rec, control, &subject, old, &mut edit, &mut lines);
        self.derived(rec, control, &subject, &mut lines);
        let changes = lines.has_changes();
        let rejected = lines.is_rejected();
        lines.finish(report);
        if rejected {
            return None;
        }
        Some((changes.then_some(edit), key, after))
    }

    /// A subject in a report line: `DEV-0003`, `new "Pump 7"`, `MODEL:Baxter/Sigma`, `SITE`.
    fn describe(&self, s: &Subject) -> String {
        match s {
            Subject::Device(Slot::New(i)) => self.devices.device(Slot::New(*i)).map_or_else(
                || "new device".to_string(),
                |d| format!("new {}", quote(d.get("name"))),
            ),
            other => self.resolver.describe(other),
        }
    }

    /// Reads the editable columns into `edit`; returns the answer after the import.
    fn fields(
        &self,
        rec: &AnswerRecord,
        control: &Control,
        subject: &Subject,
        old: Option<&Answer>,
        edit: &mut AnswerEdit,
        lines: &mut RowLines,
    ) -> After {
        let ctx = self.ctx;
        let blanks = ctx.blanks_clear();
        let row_origin = rec.origin.clone().unwrap_or(Origin::File);

        // Response and suggestion.
        let old_response = old.and_then(|a| a.response);
        let old_suggestion = old
            .and_then(|a| a.suggested.as_deref())
            .map(|s| clean_cell_text(s).trim().to_string())
            .unwrap_or_default();
        let mut response = old_response;
        if let Some(v) = &rec.response {
            match values::response(v) {
                Err(m) => lines.reject(&v.origin, m),
                Ok(r) if (r.is_some() || blanks) && r != old_response => {
                    lines.change(
                        &v.origin,
                        "Response",
                        &response_shown(old_response, !old_suggestion.is_empty()),
                        &response_shown(r, false),
                    );
                    edit.input.response = Some(r);
                    response = r;
                }
                Ok(_) => {}
            }
        }
        let mut suggested = !old_suggestion.is_empty() && edit.input.response.is_none();
        if let Some(v) = &rec.suggested {
            if v.is_blank() {
                if suggested && blanks {
                    edit.input.confirm = true;
                    suggested = false;
                    lines.note(
                        &v.origin,
                        format!(
                            "Suggested: confirmed ({}, {})",
                            response_shown(old_response, false),
                            quote(&old_suggestion)
                        ),
                    );
                }
            } else if old_suggestion.is_empty() {
                lines.ignore(
                    &v.origin,
                    format!(
                        "Suggested {}: only clearing a suggestion is read (it confirms it); no suggestion is made",
                        quote(&v.text)
                    ),
                );
            } else if !same_cell(&v.text, &old_suggestion) {
                lines.ignore(
                    &v.origin,
                    format!(
                        "Suggested {}: the suggestion's source is not edited; clear the cell to confirm it",
                        quote(&v.text)
                    ),
                );
            }
        }

        // Free text.
        let old_text = |f: fn(&Answer) -> &str| old.map_or("", f);
        let note = text_change(
            &rec.note,
            "Note",
            "note",
            old_text(|a| &a.note),
            blanks,
            lines,
        );
        let observed = text_change(
            &rec.observed,
            "Observed Value",
            "observed value",
            old_text(|a| &a.observed),
            blanks,
            lines,
        );
        let evidence = text_change(
            &rec.evidence_ref,
            "Evidence Reference",
            "evidence reference",
            old_text(|a| &a.evidence_ref),
            blanks,
            lines,
        );
        let recommendation = text_change(
            &rec.recommendation,
            "Recommendation",
            "recommendation",
            old_text(|a| &a.recommendation),
            blanks,
            lines,
        );
        let note_after = note
            .clone()
            .unwrap_or_else(|| old_text(|a| &a.note).to_string());
        let texts_after_blank = [
            (&note, old_text(|a| &a.note)),
            (&observed, old_text(|a| &a.observed)),
            (&evidence, old_text(|a| &a.evidence_ref)),
            (&recommendation, old_text(|a| &a.recommendation)),
        ]
        .iter()
        .all(|(new, old)| new.as_deref().unwrap_or(old).trim().is_empty());
        edit.input.note = note;
        edit.input.observed = observed;
        edit.input.evidence_ref = evidence;
        edit.input.recommendation = recommendation;

        // Answer source; a template's new responses come from the spreadsheet.
        let old_source = old.and_then(|a| a.source);
        if let Some(v) = &rec.source {
            match values::source(v) {
                Err(m) => lines.reject(&v.origin, m),
                Ok(None) if blanks && old_source.is_some() => {
                    edit.clear_source = true;
                    lines.change(
                        &v.origin,
                        "Answer Source",
                        old_source.map_or("", AnswerSource::label),
                        "(blank)",
                    );
                }
                Ok(Some(s)) if Some(s) != old_source => {
                    edit.input.source = Some(s);
                    lines.change(
                        &v.origin,
                        "Answer Source",
                        &shown(old_source.map_or("", AnswerSource::label), false),
                        s.label(),
                    );
                }
                Ok(_) => {}
            }
        }
        if ctx.template
            && edit.input.source.is_none()
            && old_source.is_none()
            && edit.input.response.is_some_and(|r| r.is_some())
        {
            edit.input.source = Some(AnswerSource::Spreadsheet);
        }

        // Deferral (before ratings: a deferred control keeps its answer row).
        let reason_after = self.deferral(rec, old, response, edit, lines);

        // Ratings.
        let finding = response.is_some_and(Response::is_finding);
        let response_changed = edit.input.response.is_some();
        let says_default = match rec.rating.as_ref() {
            None => None,
            Some(v) if v.is_blank() => Some(false),
            Some(v) if v.trimmed().eq_ignore_ascii_case("default") => Some(true),
            Some(v) => {
                lines.reject(
                    &v.origin,
                    format!(
                        "Rating {}: write `default` (keeps the ratings as defaults) or leave it blank",
                        quote(&v.text)
                    ),
                );
                None
            }
        };
        let default_l = response
            .filter(|_| finding)
            .and_then(Response::default_likelihood);
        let default_i = finding.then(|| self.default_impact(subject, control));
        let (old_l, old_ld) = old.map_or((None, false), |a| (a.likelihood, a.likelihood_default));
        let (old_i, old_id) = old.map_or((None, false), |a| (a.impact, a.impact_default));
        let written_default = old.is_some_and(|a| {
            (a.likelihood_default && a.likelihood.is_some())
                || (a.impact_default && a.impact.is_some())
        });
        let rating_edited = says_default.is_some_and(|d| d != written_default);
        let cell = |old: (Option<u8>, bool), default: Option<u8>| RatingCell {
            old: old.0,
            old_default: old.1,
            says_default,
            rating_edited,
            default,
            blanks,
        };
        let plan_l = rating(
            rec.likelihood.as_ref(),
            "Likelihood",
            cell((old_l, old_ld), default_l),
            lines,
        );
        let plan_i = rating(
            rec.impact.as_ref(),
            "Impact",
            cell((old_i, old_id), default_i),
            lines,
        );
        let empty_after = response.is_none() && texts_after_blank && reason_after.is_empty();
        if empty_after && (matches!(plan_l, Rating::Rate(_)) || matches!(plan_i, Rating::Rate(_))) {
            let origin = rec
                .likelihood
                .as_ref()
                .or(rec.impact.as_ref())
                .map_or_else(|| row_origin.clone(), |v| v.origin.clone());
            lines.ignore(
                &origin,
                "Likelihood / Impact: a rating without a response is not kept".to_string(),
            );
        } else {
            match plan_l {
                Rating::Rate(l) => edit.input.likelihood = Some(l),
                Rating::Clear => edit.clear_likelihood = true,
                Rating::Keep => {}
            }
            match plan_i {
                Rating::Rate(i) => edit.input.impact = Some(i),
                Rating::Clear => edit.clear_impact = true,
                Rating::Keep => {}
            }
        }
        let after_rating =
            |plan: Rating, old: (Option<u8>, bool), default: Option<u8>, redo: bool| {
                let (base, base_default) = match plan {
                    Rating::Rate(x) => (Some(x), false),
                    Rating::Clear => (None, false),
                    Rating::Keep => old,
                };
                if finding {
                    if base.is_none() || (redo && base_default) {
                        default
                    } else {
                        base
                    }
                } else if base_default {
                    None
                } else {
                    base
                }
            };
        let likelihood = after_rating(plan_l, (old_l, old_ld), default_l, response_changed);
        let impact = after_rating(plan_i, (old_i, old_id), default_i, false);

        // N/A needs a note (checked as the workbook checks it).
        if response == Some(Response::NotApplicable) && note_after.trim().is_empty() {
            let origin = rec
                .response
                .as_ref()
                .map_or(row_origin, |v| v.origin.clone());
            lines.reject(
                &origin,
                "N/A needs a note saying why (Note column)".to_string(),
            );
        }
        let confirmed = response.filter(|_| !suggested);
        let was_finding = old
            .and_then(Answer::confirmed_response)
            .is_some_and(Response::is_finding);
        After {
            confirmed,
            likelihood,
            impact,
            identified: (confirmed.is_some_and(Response::is_finding) && !was_finding)
                .then_some(ctx.opts.today),
        }
    }

    /// Deferred Until and Deferral Reason; returns the deferral reason after the import.
    fn deferral(
        &self,
        rec: &AnswerRecord,
        old: Option<&Answer>,
        response: Option<Response>,
        edit: &mut AnswerEdit,
        lines: &mut RowLines,
    ) -> String {
        let blanks = self.ctx.blanks_clear();
        let old_reason = old.map_or("", |a| a.deferral_reason.as_str());
        let old_until = old.and_then(|a| a.deferred_until);
        let answered_now = edit.input.response.is_some_and(|r| r.is_some());
        let mut reason_after = old_reason.to_string();
        if let Some(v) = &rec.deferral_reason {
            match values::text(v, "deferral reason") {
                Err(m) => lines.reject(&v.origin, m),
                Ok(t) if (!t.is_empty() || blanks) && t != normal_text(old_reason) => {
                    if !t.is_empty() && response.is_some() {
                        if answered_now {
                            lines.ignore(
                                &v.origin,
                                format!(
                                    "Deferral Reason {}: the control is answered now, so it is not deferred",
                                    quote(&t)
                                ),
                            );
                        } else {
                            lines.reject(
                                &v.origin,
                                "only an unanswered control can be deferred: clear its Response first"
                                    .to_string(),
                            );
                        }
                    } else {
                        lines.change(
                            &v.origin,
                            "Deferral Reason",
                            &shown(old_reason, true),
                            &shown(&t, true),
                        );
                        edit.input.deferral = Some(t.clone());
                        reason_after = t;
                    }
                }
                Ok(_) => {}
            }
        }
        if answered_now && !reason_after.is_empty() {
            if !old_reason.is_empty() {
                let origin = rec
                    .response
                    .as_ref()
                    .map_or_else(|| Origin::File, |v| v.origin.clone());
                lines.note(&origin, "no longer deferred (answered now)".to_string());
            }
            reason_after.clear();
        }
        if let Some(v) = &rec.deferred_until {
            let until = if v.is_blank() || v.trimmed().eq_ignore_ascii_case("deferred") {
                Ok(None)
            } else {
                values::date(v).map_err(|_| {
                    format!(
                        "{} is not a date (YYYY-MM-DD or DD/MM/YYYY) or the word `deferred`",
                        quote(&v.text)
                    )
                })
            };
            let written = match (old_until, old_reason.trim().is_empty()) {
                (Some(d), _) => d.format("%Y-%m-%d").to_string(),
                (None, false) => "deferred".to_string(),
                (None, true) => String::new(),
            };
            match until {
                Err(m) => lines.reject(&v.origin, m),
                Ok(_) if reason_after.is_empty() => {
                    // Not deferred after the import: a date typed here needs a reason.
                    if !v.is_blank() && !same_cell(&v.text, &written) {
                        if response.is_some() {
                            lines.ignore(
                                &v.origin,
                                format!(
                                    "Deferred Until {}: the control is answered, so it is not deferred",
                                    quote(&v.text)
                                ),
                            );
                        } else {
                            lines.reject(
                                &v.origin,
                                "a deferral needs a reason (Deferral Reason column)".to_string(),
                            );
                        }
                    }
                }
                Ok(until) if until != old_until && (until.is_some() || blanks) => {
                    lines.change(
                        &v.origin,
                        "Deferred Until",
                        &old_until.map_or_else(|| shown(&written, false), |d| d.to_string()),
                        &until.map_or_else(|| "deferred".to_string(), |d| d.to_string()),
                    );
                    edit.deferred_until = Some(until);
                }
                Ok(_) => {}
            }
        }
        reason_after
    }

    /// The default impact the app would give a finding on `subject` for `control`: the highest
    /// default of the devices it covers after the import, on the control's dimensions (3 when
    /// it covers none).
    fn default_impact(&self, subject: &Subject, control: &Control) -> u8 {
        let dims = self.ctx.data.catalog.impact_dimensions(control);
        match subject {
            Subject::Device(slot) => self
                .devices
                .device(*slot)
                .map(|d| default_control_impact(d, dims)),
            Subject::Scope(t) => self
                .devices
                .planned
                .iter()
                .filter(|d| t.covers(d))
                .map(|d| default_control_impact(d, dims))
                .max(),
        }
        .unwrap_or(3)
    }

    /// Lists the derived cells that no longer say what the export writes.
    fn derived(
        &self,
        rec: &AnswerRecord,
        control: &Control,
        subject: &Subject,
        lines: &mut RowLines,
    ) {
        if rec.derived.is_empty() {
            return;
        }
        let data = self.ctx.data;
        let q = rec
            .likelihood
            .as_ref()
            .and_then(|v| values::scale(v).ok().flatten());
        let r = rec
            .impact
            .as_ref()
            .and_then(|v| values::scale(v).ok().flatten());
        let device_row = matches!(subject, Subject::Device(_));
        // A device's name and location as the import leaves them are no edits either.
        let mut also: HashMap<u16, Vec<String>> = HashMap::new();
        let planned = match subject {
            Subject::Device(slot) => self.devices.device(*slot),
            Subject::Scope(_) => None,
        };
        if let Some(d) = planned {
            also.insert(NAME_COLUMNS[0], vec![d.get("name").to_string()]);
            also.insert(NAME_COLUMNS[1], vec![d.location()]);
        }
        // A template or foreign copy was written from other data: only what comes from the
        // catalog can be compared.
        if !self.ctx.own_copy {
            let written = control_cells(
                &ControlRow {
                    target: RowTarget::Scope(&ScopeTarget {
                        target: Target::Site(String::new()),
                        id: String::new(),
                        key: String::new(),
                        name: String::new(),
                        devices: Vec::new(),
                    }),
                    control,
                    scope: control.scope.label(),
                    answer: None,
                },
                data,
                &rec.derived,
            );
            let check = ControlCheck {
                written: &written,
                only: Some(&CATALOG_COLUMNS),
                also,
                device_row,
                ratings: (q, r),
                grids: self.grids,
            };
            check_control(lines, &rec.derived, &check);
            return;
        }
        if let Some(row) = self.rows.get(&(subject.key(), control.id.as_str())) {
            let written = control_cells(row, data, &rec.derived);
            let check = ControlCheck {
                written: &written,
                only: None,
                also,
                device_row,
                ratings: (q, r),
                grids: self.grids,
            };
            check_control(lines, &rec.derived, &check);
            return;
        }
        // No export row (a template's, or one added by hand): compare what comes from the
        // catalog, and the device's name and location (blank in a template).
        let mut only: Vec<u16> = CATALOG_COLUMNS.to_vec();
        let written = match subject {
            Subject::Device(_) => {
                let Some(device) = planned else {
                    return;
                };
                only.extend(NAME_COLUMNS);
                for col in NAME_COLUMNS {
                    also.entry(col).or_default().push(String::new());
                }
                let entry = DeviceEntry {
                    device: device.clone(),
                    progress: None,
                    last_assessed_on: None,
                };
                control_cells(
                    &ControlRow {
                        target: RowTarget::Device(&entry),
                        control,
                        scope: "Device",
                        answer: None,
                    },
                    data,
                    &rec.derived,
                )
            }
            Subject::Scope(t) => {
                let scope = ScopeTarget {
                    target: t.clone(),
                    id: t.scope_key().unwrap_or_default(),
                    key: scope_row_key(t),
                    name: String::new(),
                    devices: Vec::new(),
                };
                control_cells(
                    &ControlRow {
                        target: RowTarget::Scope(&scope),
                        control,
                        scope: control.scope.label(),
                        answer: None,
                    },
                    data,
                    &rec.derived,
                )
            }
        };
        let check = ControlCheck {
            written: &written,
            only: Some(&only),
            also,
            device_row,
            ratings: (q, r),
            grids: self.grids,
        };
        check_control(lines, &rec.derived, &check);
    }
}

/// Why a control cannot be answered on this row's subject, if it cannot.
fn scope_mismatch(control: &Control, subject: &Subject) -> Option<String> {
    let fits = matches!(
        (control.scope, subject),
        (Scope::Device | Scope::Model, Subject::Device(_))
            | (Scope::Model, Subject::Scope(Target::Model { .. }))
            | (Scope::Site, Subject::Scope(Target::Site(_)))
    );
    (!fits).then(|| {
        let on = match subject {
            Subject::Device(_) => "a device",
            Subject::Scope(Target::Model { .. }) => "a model",
            Subject::Scope(_) => "a site",
        };
        let per = match control.scope {
            Scope::Device => "per device",
            Scope::Model => "per model (or on a device)",
            Scope::Site => "per site (on a SITE row)",
        };
        format!("{} is answered {per}; this row is for {on}", control.id)
    })
}

/// A free-text column: the new text when it differs from `old` (a blank only counts when
/// `blanks` clear), with its change line; a text over the limit rejects the row.
fn text_change(
    value: &Option<Value>,
    header: &str,
    name: &str,
    old: &str,
    blanks: bool,
    lines: &mut RowLines,
) -> Option<String> {
    let v = value.as_ref()?;
    match values::text(v, name) {
        Err(m) => {
            lines.reject(&v.origin, m);
            None
        }
        Ok(t) if (!t.is_empty() || blanks) && t != normal_text(old) => {
            lines.change(&v.origin, header, &shown(old, true), &shown(&t, true));
            Some(t)
        }
        Ok(_) => None,
    }
}

/// How a rating cell is read: the stored value and whether it is a default, what the Rating
/// column says now and whether that differs from what the export wrote, and the value the app
/// would default to (`None` when the answer after the import is not a finding).
#[derive(Debug, Clone, Copy)]
struct RatingCell {
    old: Option<u8>,
    old_default: bool,
    says_default: Option<bool>,
    rating_edited: bool,
    default: Option<u8>,
    blanks: bool,
}

/// What to do with a likelihood or impact cell (see the module documentation).
fn rating(value: Option<&Value>, header: &str, c: RatingCell, lines: &mut RowLines) -> Rating {
    let Some(v) = value else {
        return Rating::Keep;
    };
    let file = match values::scale(v) {
        Ok(f) => f,
        Err(m) => {
            lines.reject(&v.origin, m);
            return Rating::Keep;
        }
    };
    if file == c.old {
        let Some(x) = file else {
            return Rating::Keep;
        };
        if c.rating_edited && c.says_default == Some(false) && c.old_default {
            // `default` cleared: the default becomes a rating at the same value.
            lines.change(
                &v.origin,
                header,
                &rating_shown(c.old, true),
                &rating_shown(Some(x), false),
            );
            return Rating::Rate(x);
        }
        if c.rating_edited && c.says_default == Some(true) && !c.old_default && c.default == Some(x)
        {
            // `default` written next to a rating equal to the default: a default again.
            lines.change(
                &v.origin,
                header,
                &rating_shown(c.old, false),
                &rating_shown(Some(x), true),
            );
            return Rating::Clear;
        }
        return Rating::Keep;
    }
    match file {
        None if c.blanks => {
            let to = match c.default {
                Some(d) => format!("default {d}"),
                None => "(blank)".to_string(),
            };
            lines.change(&v.origin, header, &rating_shown(c.old, c.old_default), &to);
            Rating::Clear
        }
        None => Rating::Keep,
        Some(x) if c.says_default == Some(true) && c.default.is_none() => {
            lines.ignore(
                &v.origin,
                format!(
                    "{header} {x}: not kept; the Rating column says `default` and only a finding (No, Partial, Unknown) has default ratings (clear Rating to rate it)"
                ),
            );
            Rating::Keep
        }
        Some(x) if c.says_default == Some(true) && c.default == Some(x) => {
            if c.old.is_some() && !c.old_default {
                lines.change(
                    &v.origin,
                    header,
                    &rating_shown(c.old, false),
                    &rating_shown(Some(x), true),
                );
                Rating::Clear
            } else {
                Rating::Keep
            }
        }
        Some(x) => {
            lines.change(
                &v.origin,
                header,
                &rating_shown(c.old, c.old_default),
                &rating_shown(Some(x), false),
            );
            Rating::Rate(x)
        }
    }
}
