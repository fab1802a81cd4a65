//! `Risk Register` rows: treatment, planned actions, owner, due date, status, residual rating and
//! acceptance compared with the stored entry (and the due date the export wrote), checked with
//! the register's own rules before anything is applied.
//!
//! A due date left as the export wrote it keeps following the level (`Due::Default` stays), so
//! it moves when the likelihood or impact changes in the same import; so does a due date equal
//! to the default the new level gives. Any other date is set by hand.
//!
//! An `export json` file also says whether the due date follows the level (`due_date_default`)
//! and when the finding was first identified (`identified_on`, which default due dates count
//! from; not after today, as the register requires). With the flag, `Yes` keeps (or puts) the
//! due date on the level's default, unless the Due Date was edited to another date (then that
//! date is set by hand); `No` sets the Due Date by hand — a date, or none when it is blank (the
//! flag says so explicitly, so this holds in any copy).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Ctx;
use super::answers::{After, AnswerPlan};
use super::derived::{check_register, register_cells};
use super::devices::DevicePlan;
use super::matching::{Key, Resolver, Slot, Subject};
use super::report::{Report, RowLines, shown};
use super::values::{self, normal_text, quote};
use crate::assessment::{Response, Target};
use crate::export::plan::scope_row_key;
use crate::import::changeset::{Origin, RiskRecord, Value};
use crate::risk::RiskGrid;
use crate::risk::register::Finding;
use crate::workbook::{BatchTarget, Due, RiskEdit, RiskEntry, RiskEntryInput, check_risk_entry};

/// Text on one line, as owners and "accepted by" are stored.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether every column a register row could change is blank (or absent).
fn editable_blank(rec: &RiskRecord) -> bool {
    [
        &rec.treatment,
        &rec.planned_actions,
        &rec.owner,
        &rec.due_date,
        &rec.status,
        &rec.residual_likelihood,
        &rec.residual_impact,
        &rec.accepted_by,
        &rec.acceptance_note,
        &rec.accepted_on,
        &rec.review_date,
        &rec.identified_on,
        &rec.due_date_default,
    ]
    .iter()
    .all(|v| v.as_ref().is_none_or(Value::is_blank))
}

/// Plans the register rows.
pub(super) fn plan(
    ctx: &Ctx<'_>,
    resolver: &Resolver<'_>,
    devices: &DevicePlan,
    answers: &AnswerPlan,
    grid: &RiskGrid,
    report: &mut Report,
) -> Vec<RiskEdit> {
    let findings: HashMap<(Key, &str), &Finding<'static>> = ctx
        .data
        .findings
        .iter()
        // The risks of vulnerability findings are not read back (below); answers' are.
        .filter(|f| f.vulnerability.is_none())
        .map(|f| ((key_of(&f.target), f.control.id.as_str()), f))
        .collect();
    let by_id: HashMap<i64, &(Key, String)> = ctx.entries.iter().map(|(k, e)| (e.id, k)).collect();
    let mut grids = vec![ctx.data.grid, *grid];
    if let Some(g) = super::matrix::file_grid(ctx.cs) {
        grids.push(g);
    }
    let mut seen: HashMap<(Key, String), Origin> = HashMap::new();
    let mut edits = Vec::new();
    for rec in &ctx.cs.risks {
        let row = Row {
            ctx,
            resolver,
            devices,
            answers,
            grid,
            grids: &grids,
            findings: &findings,
            by_id: &by_id,
        };
        if let Some(edit) = row.plan(rec, &mut seen, report) {
            edits.push(edit);
        }
    }
    edits
}

/// A target as a map key.
fn key_of(t: &Target) -> Key {
    match t {
        Target::Device(id) => Key::Device(*id),
        other => Key::Scope(scope_row_key(other)),
    }
}

struct Row<'r, 'a> {
    ctx: &'r Ctx<'a>,
    resolver: &'r Resolver<'r>,
    devices: &'r DevicePlan,
    answers: &'r AnswerPlan,
    grid: &'r RiskGrid,
    grids: &'r [RiskGrid],
    findings: &'r HashMap<(Key, &'a str), &'a Finding<'static>>,
    by_id: &'r HashMap<i64, &'a (Key, String)>,
}

impl Row<'_, '_> {
    fn plan(
        &self,
        rec: &RiskRecord,
        seen: &mut HashMap<(Key, String), Origin>,
        report: &mut Report,
    ) -> Option<RiskEdit> {
        let ctx = self.ctx;
        let row_origin = rec.origin.clone().unwrap_or(Origin::File);
        let mut lines = RowLines::new(row_origin.clone(), String::new(), false);
        let blank = editable_blank(rec);
        // The risk of a vulnerability finding (Source F-0001): not read back from the file; it
        // is edited in medsec (`medsec risk set F-0001 ...`), and said so rather than rejected.
        if let Some(v) = rec.source.as_ref().filter(|v| {
            v.trimmed().to_ascii_uppercase().starts_with("F-")
                && crate::workbook::parse_finding_id(v.trimmed()).is_some()
        }) {
            report.line(
                super::report::LineKind::Ignored,
                row_origin,
                v.trimmed(),
                "the risk of a vulnerability finding is not read back from a file; edit it in medsec (medsec risk set F-…)".to_string(),
            );
            return None;
        }
        let control = ctx.row_control(
            rec.source.as_ref(),
            blank,
            &row_origin,
            super::ControlKey::Source,
            &mut lines,
            report,
        )?;
        let subject = match self.resolver.resolve(rec.target.as_ref(), None) {
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
        let key = (subject.key(), control.id.clone());
        let entry = match &subject {
            Subject::Device(Slot::New(_)) => None,
            _ => ctx.entries.get(&key).cloned(),
        };
        let risk_id = entry.as_ref().and_then(RiskEntry::risk_id);
        lines.set_subject(format!(
            "{} {}{}",
            self.resolver.describe(&subject),
            control.id,
            risk_id.map(|r| format!(" ({r})")).unwrap_or_default()
        ));
        if let Some(v) = rec.risk_id.as_ref().filter(|v| !v.is_blank())
            && ctx.own_copy
            && let Some(n) = RiskEntry::parse_risk_id(v.trimmed())
            && let Some((k, c)) = self.by_id.get(&n).map(|p| (&p.0, &p.1))
            && (*k != key.0 || *c != key.1)
        {
            lines.reject(
                &v.origin,
                format!(
                    "{} is the risk of another target or control, not of this row's Device ID and Source; undo the edit",
                    v.trimmed()
                ),
            );
        }
        match seen.get(&key) {
            Some(first) => {
                lines.reject(&row_origin, format!("the same risk is on {first} already"))
            }
            None => {
                seen.insert(key.clone(), row_origin.clone());
            }
        }
        let target = match &subject {
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
        let finding = self
            .findings
            .get(&(key.0.clone(), control.id.as_str()))
            .copied();
        let after = self.after(&key, &subject, &control.id);
        let entry = entry.unwrap_or_default();
        let (input, blame) = self.fields(rec, &entry, finding, after, &mut lines);
        if input != RiskEntryInput::default()
            && let Err(m) = check_risk_entry(&entry, &input, ctx.opts.today)
        {
            lines.reject(&blame.unwrap_or(row_origin.clone()), m);
        }
        if lines.has_changes() && !after.confirmed.is_some_and(Response::is_finding) {
            let response = after.confirmed.map_or("(blank)", |r| r.label());
            lines.drop_changes();
            lines.ignore(
                &row_origin,
                format!(
                    "not applied: no finding to treat (the response is {response}; only a confirmed No, Partial or Unknown is a risk)"
                ),
            );
        }
        // On a sheet nobody edited, a derived cell that differs says the workbook moved on.
        if let Some(f) = finding.filter(|_| ctx.own_copy && !ctx.untouched(&row_origin)) {
            let written = register_cells(f, ctx.sheets, &rec.derived);
            let residual = (
                rec.residual_likelihood
                    .as_ref()
                    .and_then(|v| values::scale(v).ok().flatten()),
                rec.residual_impact
                    .as_ref()
                    .and_then(|v| values::scale(v).ok().flatten()),
            );
            check_register(&mut lines, &rec.derived, &written, residual, self.grids);
        }
        if ctx.untouched(&row_origin) && lines.has_changes() && !lines.is_rejected() {
            lines.drop_changes();
            report.note_untouched(&row_origin);
        } else if let Some(at) = ctx
            .entry_changed_since_export(entry.id)
            .filter(|_| lines.has_changes() && !lines.is_rejected())
        {
            // Work done on the register after the export is newer than the copy.
            lines.drop_changes();
            lines.ignore(
                &row_origin,
                format!(
                    "not applied: the risk was changed in the workbook at {} UTC, after this copy was exported; the workbook's values are kept (export again to edit it)",
                    at.format("%Y-%m-%d %H:%M")
                ),
            );
        }
        let changes = lines.has_changes();
        let rejected = lines.is_rejected();
        lines.finish(report);
        (changes && !rejected).then(|| RiskEdit {
            target,
            control_id: control.id.clone(),
            input,
        })
    }

    /// The answer after the import: as a row of this file leaves it, else as stored.
    fn after(&self, key: &(Key, String), subject: &Subject, control: &str) -> After {
        if let Some(a) = self.answers.after.get(key) {
            return *a;
        }
        let stored = match subject {
            Subject::Device(Slot::Existing(id)) => {
                self.ctx.data.answers.get(&Target::Device(*id), control)
            }
            Subject::Device(Slot::New(_)) => None,
            Subject::Scope(t) => self.ctx.data.answers.get(t, control),
        };
        After {
            confirmed: stored.and_then(|a| a.confirmed_response()),
            likelihood: stored.and_then(|a| a.likelihood),
            impact: stored.and_then(|a| a.impact),
            identified: None,
        }
    }

    /// Reads the editable columns; returns the input and the cell to blame should the register's
    /// rules refuse it (the first one changed).
    fn fields(
        &self,
        rec: &RiskRecord,
        entry: &RiskEntry,
        finding: Option<&Finding<'static>>,
        after: After,
        lines: &mut RowLines,
    ) -> (RiskEntryInput, Option<Origin>) {
        let blanks = self.ctx.blanks_clear();
        let mut input = RiskEntryInput::default();
        let mut blame: Option<Origin> = None;
        let changed = |origin: &Origin, blame: &mut Option<Origin>| {
            if blame.is_none() {
                *blame = Some(origin.clone());
            }
        };

        if let Some(v) = &rec.treatment {
            match values::treatment(v) {
                Err(m) => lines.reject(&v.origin, m),
                Ok(t) if (t.is_some() || blanks) && t != entry.treatment => {
                    lines.change(
                        &v.origin,
                        "Treatment",
                        &shown(entry.treatment.map_or("", |t| t.label()), false),
                        &shown(t.map_or("", |t| t.label()), false),
                    );
                    input.treatment = Some(t);
                    changed(&v.origin, &mut blame);
                }
                Ok(_) => {}
            }
        }
        let mut text = |value: &Option<Value>,
                        header: &str,
                        name: &str,
                        old: &str,
                        single: bool,
                        blame: &mut Option<Origin>|
         -> Option<String> {
            let v = value.as_ref()?;
            match values::text(v, name) {
                Err(m) => {
                    lines.reject(&v.origin, m);
                    None
                }
                Ok(t) => {
                    let t = if single { one_line(&t) } else { t };
                    let old = if single {
                        one_line(old)
                    } else {
                        normal_text(old)
                    };
                    if (!t.is_empty() || blanks) && t != old {
                        lines.change(&v.origin, header, &shown(&old, true), &shown(&t, true));
                        changed(&v.origin, blame);
                        Some(t)
                    } else {
                        None
                    }
                }
            }
        };
        input.planned_actions = text(
            &rec.planned_actions,
            "Planned Actions",
            "planned actions",
            &entry.planned_actions,
            false,
            &mut blame,
        );
        input.owner = text(&rec.owner, "Owner", "owner", &entry.owner, true, &mut blame);
        input.accepted_by = text(
            &rec.accepted_by,
            "Accepted By",
            "accepted by",
            &entry.accepted_by,
            true,
            &mut blame,
        );
        input.acceptance_note = text(
            &rec.acceptance_note,
            "Acceptance Note",
            "acceptance note",
            &entry.acceptance_note,
            false,
            &mut blame,
        );

        let identified = self.identified(rec, entry, finding, after, &mut input, lines);
        if let Some(origin) = self.due(rec, entry, finding, after, identified, &mut input, lines) {
            changed(&origin, &mut blame);
        }
        if let Some(v) = &rec.status {
            match values::status(v) {
                Err(m) => lines.reject(&v.origin, m),
                Ok(Some(s)) if s != entry.status => {
                    lines.change(&v.origin, "Status", entry.status.label(), s.label());
                    input.status = Some(s);
                    changed(&v.origin, &mut blame);
                }
                Ok(_) => {}
            }
        }
        for (value, header, old, slot) in [
            (
                &rec.residual_likelihood,
                "Residual Likelihood",
                entry.residual_likelihood,
                &mut input.residual_likelihood,
            ),
            (
                &rec.residual_impact,
                "Residual Impact",
                entry.residual_impact,
                &mut input.residual_impact,
            ),
        ] {
            let Some(v) = value else { continue };
            match values::scale(v) {
                Err(m) => lines.reject(&v.origin, m),
                Ok(x) if (x.is_some() || blanks) && x != old => {
                    let show =
                        |n: Option<u8>| n.map_or_else(|| "(blank)".to_string(), |n| n.to_string());
                    lines.change(&v.origin, header, &show(old), &show(x));
                    *slot = Some(x);
                    changed(&v.origin, &mut blame);
                }
                Ok(_) => {}
            }
        }
        for (value, header, old, slot) in [
            (
                &rec.accepted_on,
                "Acceptance Date",
                entry.accepted_on,
                &mut input.accepted_on,
            ),
            (
                &rec.review_date,
                "Review Date",
                entry.review_date,
                &mut input.review_date,
            ),
        ] {
            let Some(v) = value else { continue };
            match values::date(v) {
                Err(m) => lines.reject(&v.origin, m),
                Ok(d) if (d.is_some() || blanks) && d != old => {
                    let show = |d: Option<chrono::NaiveDate>| {
                        d.map_or_else(|| "(blank)".to_string(), |d| d.to_string())
                    };
                    lines.change(&v.origin, header, &show(old), &show(d));
                    *slot = Some(d);
                    changed(&v.origin, &mut blame);
                }
                Ok(_) => {}
            }
        }
        (input, blame)
    }

    /// `identified_on` (only in an `export json` file) into `input`: a date other than the one
    /// the export wrote is set (refused after today, as the register refuses it); a blank clears
    /// the stored date only in a copy of this workbook. Returns the date the finding counts as
    /// first identified after the import: the date set, else the entry's, else today for a new
    /// finding, else the answer's assessed-on date.
    fn identified(
        &self,
        rec: &RiskRecord,
        entry: &RiskEntry,
        finding: Option<&Finding<'static>>,
        after: After,
        input: &mut RiskEntryInput,
        lines: &mut RowLines,
    ) -> Option<NaiveDate> {
        let today = self.ctx.opts.today;
        if let Some(v) = &rec.identified_on {
            let written = finding.map_or(entry.identified_on, |f| f.identified_on);
            match values::date(v) {
                Err(m) => lines.reject(&v.origin, m),
                Ok(Some(d)) if d > today => lines.reject(
                    &v.origin,
                    format!("the identified date {d} is in the future (today is {today})"),
                ),
                Ok(Some(d)) if Some(d) != written => {
                    lines.change(
                        &v.origin,
                        "Identified On",
                        &day_shown(written),
                        &d.to_string(),
                    );
                    input.identified_on = Some(Some(d));
                }
                Ok(None) if self.ctx.blanks_clear() && entry.identified_on.is_some() => {
                    lines.change(&v.origin, "Identified On", &day_shown(written), "(blank)");
                    input.identified_on = Some(None);
                }
                Ok(_) => {}
            }
        }
        match input.identified_on {
            Some(Some(d)) => Some(d),
            Some(None) => after
                .identified
                .or_else(|| finding.and_then(|f| f.answer.assessed_on)),
            None => entry
                .identified_on
                .or(after.identified)
                .or_else(|| finding.and_then(|f| f.identified_on)),
        }
    }

    /// Due Date (and, from an `export json` file, `due_date_default`) into `input`; returns the
    /// cell to blame when the due date changes. See the module documentation.
    #[allow(clippy::too_many_arguments)]
    fn due(
        &self,
        rec: &RiskRecord,
        entry: &RiskEntry,
        finding: Option<&Finding<'static>>,
        after: After,
        identified: Option<NaiveDate>,
        input: &mut RiskEntryInput,
        lines: &mut RowLines,
    ) -> Option<Origin> {
        let blanks = self.ctx.blanks_clear();
        let file = match &rec.due_date {
            None => None,
            Some(v) => match values::date(v) {
                Err(m) => {
                    lines.reject(&v.origin, m);
                    return None;
                }
                Ok(d) => Some((d, v)),
            },
        };
        let flag = match &rec.due_date_default {
            None => None,
            Some(v) => match yes_no(v) {
                Err(m) => {
                    lines.reject(&v.origin, m);
                    return None;
                }
                Ok(f) => f.map(|f| (f, v)),
            },
        };
        let written = match finding {
            Some(f) => f.due_date(),
            None if entry.due_default => None,
            None => entry.due_date,
        };
        let default_due = self.default_due(identified, after);
        let copy_default = copy_default_due(rec, identified);
        let Some((follows, flag_value)) = flag else {
            // A spreadsheet copy: the date alone says it.
            let (file, v) = file?;
            let keeps = file == written
                || (file.is_none() && !blanks)
                || (entry.due_default
                    && file.is_some()
                    && (file == default_due || file == copy_default));
            if keeps {
                return None;
            }
            lines.change(&v.origin, "Due Date", &day_shown(written), &day_shown(file));
            input.due = Some(file.map_or(Due::None, Due::On));
            return Some(v.origin.clone());
        };
        let target = match (follows, file) {
            (true, Some((Some(d), _)))
                if Some(d) != written && Some(d) != default_due && Some(d) != copy_default =>
            {
                Due::On(d)
            }
            (true, _) => Due::Default,
            (false, Some((d, _))) => d.map_or(Due::None, Due::On),
            (false, None) => written.map_or(Due::None, Due::On),
        };
        let current = if entry.due_default {
            Due::Default
        } else {
            entry.due_date.map_or(Due::None, Due::On)
        };
        if target == current {
            return None;
        }
        let origin = match file {
            Some((d, v)) if d != written => v.origin.clone(),
            _ => flag_value.origin.clone(),
        };
        let old = if entry.due_default {
            follows_shown(written)
        } else {
            day_shown(written)
        };
        let new = match target {
            Due::Default => follows_shown(default_due.or(copy_default)),
            Due::On(d) => d.to_string(),
            Due::None => "(blank)".to_string(),
        };
        lines.change(&origin, "Due Date", &old, &new);
        input.due = Some(target);
        Some(origin)
    }

    /// The due date the level would give after the import: the date first identified plus the
    /// level's default days.
    fn default_due(&self, identified: Option<NaiveDate>, after: After) -> Option<NaiveDate> {
        let level = self.grid.level(after.likelihood?, after.impact?);
        level.default_due(identified?)
    }
}

/// A date as the report shows it, `(blank)` when none.
fn day_shown(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "(blank)".to_string(), |d| d.to_string())
}

/// A due date that follows the level, as the report shows it.
fn follows_shown(d: Option<NaiveDate>) -> String {
    match d {
        Some(d) => format!("{d} (follows the level)"),
        None => "(blank, follows the level)".to_string(),
    }
}

/// `due_date_default` as a flag: `Yes` / `No` (also `true` / `false`, `1` / `0`, any case);
/// blank is `None` (not said).
fn yes_no(v: &Value) -> Result<Option<bool>, String> {
    let t = v.trimmed().to_lowercase();
    match t.as_str() {
        "" => Ok(None),
        "yes" | "true" | "1" => Ok(Some(true)),
        "no" | "false" | "0" => Ok(Some(false)),
        _ => Err(format!(
            "due_date_default {}: write true (the due date follows the level) or false (set by hand)",
            quote(&v.text)
        )),
    }
}

/// The default due date of the level the copy itself shows on this row ("Inherent Level", as
/// exported), counted from the date first identified: a Due Date cell equal to it was left as
/// exported, even when the workbook's level has moved on since (e.g. the same copy imported
/// twice), so the due date keeps following the level.
fn copy_default_due(rec: &RiskRecord, identified: Option<NaiveDate>) -> Option<NaiveDate> {
    let level = rec
        .derived
        .iter()
        .find(|(header, _)| header.trim().eq_ignore_ascii_case("Inherent Level"))
        .and_then(|(_, v)| crate::risk::RiskLevel::parse(v.trimmed()))?;
    level.default_due(identified?)
}
