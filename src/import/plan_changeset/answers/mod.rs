//! Control-sheet rows: each read column (Response, Suggested, Observed Value, Note, Evidence
//! Reference, Answer Source, Likelihood, Impact, Rating, Recommendation, Deferred Until,
//! Deferral Reason, and the three impact dimensions an `export json` file carries) compared with
//! what the export wrote for the stored answer, turned into an [`AnswerEdit`] with the rules of
//! `Workbook::set_answer` checked first. Ratings, impact dimensions, deferrals and the derived
//! cells of a row have a file each (`ratings`, `dimensions`, `deferral`, `cells`).

mod cells;
mod deferral;
mod dimensions;
mod ratings;

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Ctx;
use super::devices::DevicePlan;
use super::matching::{Key, Resolver, Slot, Subject};
use super::report::{Report, RowLines, shown};
use super::values::{self, normal_text, quote, same_cell};
use crate::assessment::{Answer, AnswerSource, Response, Target};
use crate::catalog::{Control, Scope};
use crate::export::plan::{ControlRow, RowTarget};
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
        &rec.impact_safety,
        &rec.impact_phi,
        &rec.impact_operations,
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
        let control = ctx.row_control(
            rec.control_id.as_ref(),
            blank,
            &row_origin,
            super::ControlKey::ControlId,
            &mut lines,
            report,
        )?;
        let subject = match self
            .resolver
            .resolve(rec.target.as_ref(), rec.row_key.as_ref())
        {
            Ok(s) => s,
            // A row with nothing to apply is no error, whatever its device.
            Err(_) if blank => return None,
            Err(e) => {
                Ctx::reject_unresolved(
                    rec.target.as_ref(),
                    &row_origin,
                    &control.id,
                    e,
                    &mut lines,
                    report,
                );
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
        // On a sheet nobody edited, a derived cell that differs says the workbook moved on.
        if !ctx.untouched(&row_origin) {
            self.derived(rec, control, &subject, &mut lines);
        }
        let untouched = ctx.untouched(&row_origin) && lines.has_changes() && !lines.is_rejected();
        if untouched {
            lines.drop_changes();
            report.note_untouched(&row_origin);
        }
        // An answer given in the workbook after this copy was exported is newer than the copy.
        let newer = match (ctx.exported_at, old.and_then(|a| a.assessed_at)) {
            (Some(exported), Some(assessed)) => {
                (assessed > exported && lines.has_changes() && !untouched).then_some(assessed)
            }
            _ => None,
        };
        if let Some(assessed) = newer {
            lines.drop_changes();
            lines.ignore(
                &row_origin,
                format!(
                    "not applied: the answer was changed in the workbook at {} UTC, after this copy was exported; the workbook's answer is kept (export again to edit it)",
                    assessed.format("%Y-%m-%d %H:%M")
                ),
            );
        }
        let changes = lines.has_changes();
        let rejected = lines.is_rejected();
        lines.finish(report);
        if rejected || untouched || newer.is_some() {
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
        let keeps_row = !(response.is_none() && texts_after_blank && reason_after.is_empty());
        let (likelihood, impact) =
            self.ratings(rec, control, subject, old, response, keeps_row, edit, lines);
        let impact = self.dimensions(
            rec, control, subject, old, response, keeps_row, impact, edit, lines,
        );

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
