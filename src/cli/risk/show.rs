//! `medsec risk show`: everything about one risk, wrapped to 80 columns.

use chrono::NaiveDate;

use super::{LINE, block, date, flags, resolve};
use crate::assessment::Target;
use crate::catalog::ImpactDimension;
use crate::cli::error::CliError;
use crate::cli::output::say;
use crate::risk::register::{Finding, Register};
use crate::risk::scale_label;
use crate::workbook::Workbook;

/// `medsec risk show`.
pub(in crate::cli) fn show(
    wb: &Workbook,
    id: &str,
    control: Option<&str>,
    today: NaiveDate,
) -> Result<(), CliError> {
    let register = Register::load(wb)?;
    let f = resolve(wb, &register, id, control)?;
    const W: usize = 22;
    // Every value is escaped and wrapped here, so the text typed by users is passed raw.
    let line = |key: &str, value: String| format!("{key:<W$}{}", block(&value, W, LINE - W));
    let mut out: Vec<String> = Vec::new();
    let heading = match f.entry.risk_id() {
        Some(id) => id,
        None => "Risk (no Risk ID yet: set any field to give it one)".into(),
    };
    out.push(block(
        &format!("{heading}  {}", f.description()),
        2,
        LINE - 2,
    ));
    let fl = flags(f, today);
    if !fl.is_empty() {
        out.push(format!("!! {}", fl.join(", ")));
    }
    out.push(line("Target", f.label()));
    if !matches!(f.target, Target::Device(_)) {
        let devices: Vec<String> = f
            .shown_on
            .iter()
            .filter_map(|&i| register.devices.get(i))
            .map(|d| format!("{} {}", d.short_id(), d.get("name")))
            .collect();
        out.push(line(
            "Devices covered",
            if devices.is_empty() {
                "none".into()
            } else {
                devices.join("; ")
            },
        ));
    }
    let step = wb.catalog().steps.get(f.step);
    out.push(line(
        "Control",
        format!("{} {}", f.control.id, f.control.title),
    ));
    if let Some(s) = step {
        out.push(line("Step", format!("{} {}", s.number, s.name)));
    }
    if let Some(v) = &f.vulnerability {
        let kev = if v.kev { ", KEV-listed" } else { "" };
        out.push(line(
            "Finding",
            format!("{} {}{kev}", v.finding_label(), v.subject),
        ));
        if !v.feed_dates.is_empty() {
            out.push(line("Feeds", v.feed_dates.clone()));
        }
    }
    out.push(line("Question", f.control.question.clone()));
    out.push(line("Response", f.response_label().to_string()));
    for (key, value) in [
        ("Note", &f.answer.note),
        ("Observed", &f.answer.observed),
        ("Recommendation", &f.answer.recommendation),
        ("Evidence reference", &f.answer.evidence_ref),
    ] {
        if !value.is_empty() {
            out.push(line(key, value.to_string()));
        }
    }
    let default = |d: bool| if d { " (default)" } else { "" };
    out.push(line(
        "Likelihood",
        match f.likelihood {
            Some(l) => format!(
                "{l} {}{}",
                scale_label(l),
                default(f.answer.likelihood_default)
            ),
            None => "not rated".into(),
        },
    ));
    out.push(line(
        "Impact",
        match f.impact {
            Some(i) => format!(
                "{i} {}{}",
                scale_label(i),
                if f.answer.impact_default {
                    " (default: the highest of the device defaults below)"
                } else {
                    ""
                }
            ),
            None => "not rated".into(),
        },
    ));
    let assessor_dims = f.answer.dimension_impacts.iter().any(Option::is_some);
    for d in ImpactDimension::ALL {
        let value = f.dimension_impacts[d.index()];
        let affected = f.affects.contains(&d);
        let text = match value {
            Some(v) if assessor_dims => format!("{v} {}", scale_label(v)),
            Some(v) => format!("{v} {} (device default)", scale_label(v)),
            None if !affected => "– (the control does not affect it)".into(),
            None => "–".into(),
        };
        out.push(line(&format!("  {}", d.label()), text));
    }
    out.push(line(
        "Inherent risk",
        match (f.score(), f.level()) {
            (Some(s), Some(l)) => format!("score {s} (L × I), level {}", l.label()),
            _ => "not rated".into(),
        },
    ));
    let e = &f.entry;
    out.push(line(
        "Treatment",
        e.treatment
            .map(|t| t.label().to_string())
            .unwrap_or_else(|| "not decided".into()),
    ));
    if !e.planned_actions.is_empty() {
        out.push(line("Planned actions", e.planned_actions.clone()));
    }
    out.push(line(
        "Owner",
        if e.owner.is_empty() {
            "–".into()
        } else {
            e.owner.clone()
        },
    ));
    out.push(line("Due date", due_text(f)));
    out.push(line("Status", e.status.label().to_string()));
    out.push(line(
        "Residual",
        match (e.residual_likelihood, e.residual_impact) {
            (None, None) => "not rated".into(),
            (l, i) => {
                let n = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
                let mut t = format!("likelihood {}, impact {}", n(l), n(i));
                if let (Some(s), Some(lv)) = (f.residual_score(), f.residual_level()) {
                    t.push_str(&format!(" → score {s}, level {}", lv.label()));
                }
                t
            }
        },
    ));
    if !e.accepted_by.is_empty() || !e.acceptance_note.is_empty() || e.accepted_on.is_some() {
        out.push(line("Accepted by", e.accepted_by.clone()));
        out.push(line("Accepted on", date(e.accepted_on)));
        out.push(line("Acceptance note", e.acceptance_note.clone()));
    }
    out.push(line("Review date", date(e.review_date)));
    out.push(line("Identified on", date(f.identified_on)));
    out.push(line(
        "Flags",
        if fl.is_empty() {
            "none".into()
        } else {
            fl.join(", ")
        },
    ));
    say!("{}", out.join("\n"));
    Ok(())
}

/// The due date with how it was set: by hand, or by the level's rule.
fn due_text(f: &Finding<'_>) -> String {
    let e = &f.entry;
    if !e.due_default {
        return match e.due_date {
            Some(d) => format!("{d} (set by hand)"),
            None => "none (set by hand)".into(),
        };
    }
    let rule = match f.level() {
        Some(l) => match l.default_due_days() {
            Some(days) => format!("{} → {days} days after identified", l.label()),
            None => format!("{} → no default due date", l.label()),
        },
        None => "not rated → no default due date".into(),
    };
    match f.due_date() {
        Some(d) => format!("{d} (default by level: {rule})"),
        None => format!("none (default by level: {rule})"),
    }
}
