//! Deferred Until and Deferral Reason of a control row: a reason defers an unanswered control
//! (one with a response cannot be deferred, and a response given now lifts a deferral); the
//! follow-up date is a date or the word `deferred` (no date), and needs a reason.

use super::Row;
use crate::assessment::{Answer, Response};
use crate::import::changeset::{AnswerRecord, Origin};
use crate::import::plan_changeset::report::{RowLines, shown};
use crate::import::plan_changeset::values::{self, normal_text, quote, same_cell};
use crate::workbook::AnswerEdit;

impl Row<'_, '_> {
    /// Deferred Until and Deferral Reason; returns the deferral reason after the import.
    pub(super) fn deferral(
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
}
