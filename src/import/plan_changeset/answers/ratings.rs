//! Likelihood, Impact and Rating of a control row. The Rating column says `default` when the
//! export wrote a default likelihood or impact. A value equal to what the app would default to,
//! with `default` kept, stays a default (recomputed when the response changes); any other value
//! is a rating by the assessor; a default whose `default` was cleared becomes a rating at the
//! same value, and `default` written next to a rating equal to the default makes it a default
//! again; a blank clears the rating (a finding then gets its default again). One Rating cell
//! serves both numbers, so a rated likelihood equal to its default next to a default impact
//! reads back as a default.

use super::Row;
use crate::assessment::{Answer, Response};
use crate::catalog::Control;
use crate::import::changeset::{AnswerRecord, Origin, Value};
use crate::import::plan_changeset::matching::Subject;
use crate::import::plan_changeset::report::RowLines;
use crate::import::plan_changeset::values::{self, quote};
use crate::workbook::AnswerEdit;

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

/// A rating as the report shows it: `3`, `3 (default)` or `(blank)`.
pub(super) fn rating_shown(v: Option<u8>, default: bool) -> String {
    match v {
        Some(v) if default => format!("{v} (default)"),
        Some(v) => v.to_string(),
        None => "(blank)".to_string(),
    }
}

impl Row<'_, '_> {
    /// Reads Likelihood, Impact and Rating into `edit`; returns the likelihood and impact after
    /// the import. `keeps_row`: the answer keeps a response, a text or a deferral (a rating
    /// alone is not kept).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn ratings(
        &self,
        rec: &AnswerRecord,
        control: &Control,
        subject: &Subject,
        old: Option<&Answer>,
        response: Option<Response>,
        keeps_row: bool,
        edit: &mut AnswerEdit,
        lines: &mut RowLines,
    ) -> (Option<u8>, Option<u8>) {
        let blanks = self.ctx.blanks_clear();
        let row_origin = rec.origin.clone().unwrap_or(Origin::File);
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
        let empty_after = !keeps_row;
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
        (
            after_rating(plan_l, (old_l, old_ld), default_l, response_changed),
            after_rating(plan_i, (old_i, old_id), default_i, false),
        )
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
