//! `medsec risk list`: the register in PRODUCT.md order, in 80 columns or as JSON
//! (`assets/schema/risk-list.v1.json`).

use chrono::NaiveDate;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthChar;

use super::{
    LINE, date, fit, flag_letters, level_short, rating, risk_id, status_short, target_key,
};
use crate::assessment::Target;
use crate::cli::error::CliError;
use crate::cli::output::say;
use crate::device::fields::printable;
use crate::risk::register::{Finding, Register};
use crate::risk::{RiskLevel, Treatment};
use crate::workbook::Workbook;

/// Column widths of `risk list`, chosen so that a row fits 80 terminal columns: the fixed
/// columns take what their values need, target and owner share the rest.
struct Widths {
    id: usize,
    target: usize,
    control: usize,
    treatment: usize,
    owner: usize,
}

impl Widths {
    fn of(findings: &[&Finding<'_>]) -> Widths {
        let width = |s: &str| printable(s).chars().map(|c| c.width().unwrap_or(0)).sum();
        let widest = |f: &dyn Fn(&Finding<'_>) -> usize, min: usize| {
            findings.iter().map(|x| f(x)).max().unwrap_or(0).max(min)
        };
        let id = widest(&|f| risk_id(f).chars().count(), 4);
        let control = widest(&|f| f.source().chars().count(), 7);
        let treatment = widest(
            &|f| f.entry.treatment.map_or(1, |t| t.label().chars().count()),
            6,
        );
        // R, L×I=S, Lv, Rs, Due, Status, Flg and the eleven spaces between the twelve columns.
        let fixed = id + control + treatment + 1 + 6 + 2 + 2 + 10 + 6 + 3 + 11;
        let room = LINE.saturating_sub(fixed).max(12);
        let owner_wanted = widest(&|f| width(&f.entry.owner), 5);
        let target_wanted = widest(&|f| width(&f.label()), 6);
        // Device IDs whole (most rows are devices), then target and owner share what is left;
        // the owner keeps at least 5.
        let device_wanted = findings
            .iter()
            .filter(|f| matches!(f.target, Target::Device(_)))
            .map(|f| width(&f.label()))
            .max()
            .unwrap_or(6);
        let target = target_wanted
            .min(room.saturating_sub(5))
            .min((room / 2).max(device_wanted));
        let owner = room.saturating_sub(target).min(owner_wanted);
        Widths {
            id,
            target,
            control,
            treatment,
            owner,
        }
    }
}

/// One row of `risk list`.
fn row(f: &Finding<'_>, today: NaiveDate, w: &Widths) -> String {
    format!(
        "{} {} {} {} {:<6} {:<2} {:<2} {} {} {:<10} {:<6} {}",
        fit(&risk_id(f), w.id),
        fit(&f.label(), w.target),
        fit(&f.source(), w.control),
        &f.response_label()[..1],
        rating(f),
        level_short(f.level()),
        level_short(f.residual_level()),
        fit(
            f.entry.treatment.map(Treatment::label).unwrap_or("–"),
            w.treatment
        ),
        fit(
            if f.entry.owner.is_empty() {
                "–"
            } else {
                &f.entry.owner
            },
            w.owner
        ),
        date(f.due_date()),
        status_short(f.entry.status),
        flag_letters(f, today),
    )
    .trim_end()
    .to_string()
}

/// A risk as a JSON object (one item of `assets/schema/risk-list.v1.json`).
fn risk_json(f: &Finding<'_>, register: &Register, today: NaiveDate) -> Value {
    let catalog = crate::catalog::catalog();
    let step = catalog.steps.get(f.step);
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let e = &f.entry;
    let pairs: Vec<(&str, Value)> = vec![
        ("risk_id", json!(e.risk_id())),
        ("target", json!(target_key(f))),
        ("target_label", json!(f.label())),
        ("scope", json!(f.scope().label())),
        (
            "devices",
            json!(
                f.shown_on
                    .iter()
                    .filter_map(|&i| register.devices.get(i))
                    .map(|d| d.short_id())
                    .collect::<Vec<_>>()
            ),
        ),
        ("control_id", json!(f.control.id)),
        (
            "finding_id",
            json!(f.vulnerability.as_ref().map(|v| v.finding_label())),
        ),
        (
            "cve",
            json!(f.vulnerability.as_ref().map(|v| v.cve.clone())),
        ),
        ("control_title", json!(f.control.title)),
        ("step", json!(step.map(|s| s.number))),
        ("step_name", json!(step.map(|s| s.name.clone()))),
        ("response", json!(f.response.label())),
        ("description", json!(f.description())),
        ("note", json!(text(&f.answer.note))),
        ("observed", json!(text(&f.answer.observed))),
        ("recommendation", json!(text(&f.answer.recommendation))),
        ("likelihood", json!(f.likelihood)),
        ("likelihood_default", json!(f.answer.likelihood_default)),
        ("impact", json!(f.impact)),
        ("impact_default", json!(f.answer.impact_default)),
        ("impact_patient_safety", json!(f.dimension_impacts[0])),
        ("impact_phi", json!(f.dimension_impacts[1])),
        ("impact_operations", json!(f.dimension_impacts[2])),
        (
            "affects",
            json!(f.affects.iter().map(|d| d.label()).collect::<Vec<_>>()),
        ),
        ("score", json!(f.score())),
        ("level", json!(f.level().map(RiskLevel::label))),
        ("treatment", json!(e.treatment.map(Treatment::label))),
        ("planned_actions", json!(text(&e.planned_actions))),
        ("owner", json!(text(&e.owner))),
        ("due_date", json!(day(f.due_date()))),
        ("due_default", json!(e.due_default)),
        ("status", json!(e.status.label())),
        ("open", json!(f.is_open())),
        ("residual_likelihood", json!(e.residual_likelihood)),
        ("residual_impact", json!(e.residual_impact)),
        ("residual_score", json!(f.residual_score())),
        (
            "residual_level",
            json!(f.residual_level().map(RiskLevel::label)),
        ),
        ("accepted_by", json!(text(&e.accepted_by))),
        ("acceptance_note", json!(text(&e.acceptance_note))),
        ("accepted_on", json!(day(e.accepted_on))),
        ("review_date", json!(day(e.review_date))),
        ("identified_on", json!(day(f.identified_on))),
        ("overdue", json!(f.is_overdue(today))),
        ("expired", json!(f.is_expired(today))),
        (
            "uncontrolled_patient_safety",
            json!(f.is_uncontrolled_safety()),
        ),
    ];
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Parses `--level`: a level name (`very-high`, `Very High`) or its abbreviation.
fn parse_level(text: &str) -> Result<RiskLevel, CliError> {
    let spaced = text.replace(['-', '_'], " ");
    RiskLevel::parse_short(&spaced).ok_or_else(|| {
        CliError::usage(format!(
            "--level {:?}: not a risk level; use very-high, high, moderate, low or very-low (VH, H, M, L, VL)",
            printable(text)
        ))
    })
}

/// `medsec risk list`.
pub(in crate::cli) fn list(
    wb: &Workbook,
    open_only: bool,
    device: Option<&str>,
    level: Option<&str>,
    as_json: bool,
    today: NaiveDate,
) -> Result<(), CliError> {
    let level = level.map(parse_level).transpose()?;
    let register = Register::load(wb)?;
    let device_index = match device {
        None => None,
        Some(reference) => {
            let d = wb.find_device(reference)?;
            let i = register.devices.iter().position(|x| x.id == d.id);
            Some(i.ok_or_else(|| {
                CliError::usage(format!("{}: no such device", printable(reference)))
            })?)
        }
    };
    let chosen: Vec<&Finding<'_>> = register
        .findings
        .iter()
        .filter(|f| !open_only || f.is_open())
        .filter(|f| level.is_none() || f.level() == level)
        .filter(|f| device_index.is_none_or(|i| f.shown_on.contains(&i)))
        .collect();
    if as_json {
        let arr: Vec<Value> = chosen
            .iter()
            .map(|f| risk_json(f, &register, today))
            .collect();
        say!(
            "{}",
            serde_json::to_string_pretty(&arr).map_err(|e| CliError::general(e.to_string()))?
        );
        return Ok(());
    }
    if register.findings.is_empty() {
        say!(
            "no risks yet: a risk is a confirmed No, Partial or Unknown answer (medsec answer DEV-0001 ENC-01 no)"
        );
        return Ok(());
    }
    if chosen.is_empty() {
        say!(
            "no risk matches (of {} in the register; medsec risk list shows them all)",
            register.findings.len()
        );
        return Ok(());
    }
    let w = Widths::of(&chosen);
    say!(
        "{} {} {} R L×I=S  Lv Rs {} {} Due        Status Flg",
        fit("Risk", w.id),
        fit("Target", w.target),
        fit("Control", w.control),
        fit("Treat.", w.treatment),
        fit("Owner", w.owner),
    );
    for f in &chosen {
        say!("{}", row(f, today, &w));
    }
    let open = chosen.iter().filter(|f| f.is_open()).count();
    say!(
        "{} risks ({open} open, {} closed). R: N No, P Partial, U Unknown, V vulnerability;",
        chosen.len(),
        chosen.len() - open
    );
    say!(
        "Lv/Rs: level, residual (VH, H, M, L, VL); Flg: O overdue, E expired acceptance,\nS uncontrolled patient-safety risk. medsec risk show ID has the rest."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_as_typed_on_a_command_line() -> Result<(), String> {
        assert_eq!(
            parse_level("very-high").map_err(|e| e.message)?,
            RiskLevel::VeryHigh
        );
        assert_eq!(
            parse_level("m").map_err(|e| e.message)?,
            RiskLevel::Moderate
        );
        assert!(parse_level("severe").is_err_and(|e| e.code == 2));
        Ok(())
    }
}
