//! `medsec status`: progress per step (counted as the exported Summary sheet counts it) and the
//! risk figures of the dashboard — open risks by inherent and residual level, the heat map,
//! closed, overdue, expired and uncontrolled patient-safety counts, devices by highest open
//! risk — all from `risk::register`, so they equal the TUI dashboard and the Summary sheet.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::error::CliError;
use super::output::say;
use crate::export::RegisterCounts;
use crate::risk::RiskLevel;
use crate::risk::register::{Dashboard, dashboard};
use crate::workbook::Workbook;

fn by_level(counts: &[usize; 5], key: &str) -> Vec<Value> {
    RiskLevel::ALL
        .iter()
        .zip(counts)
        .map(|(l, n)| json!({ "level": l.label(), key: n }))
        .collect()
}

pub(super) fn run(wb: &Workbook, as_json: bool, today: NaiveDate) -> Result<(), CliError> {
    let cat = wb.catalog();
    // Steps counted as the exported Summary counts them, so the two always agree.
    let (register, steps) = crate::export::register_and_step_counts(wb)?;
    let progress = register.progress();
    let dash: Dashboard<'_> = dashboard(cat, &progress, &register.findings, today);
    // The Summary sheet's own counts of the register (one definition).
    let x = RegisterCounts::of(&register.findings, today);
    let mut devices_by_level = [0usize; 5];
    for p in &progress {
        if let Some(i) = p
            .highest_risk
            .and_then(|l| RiskLevel::ALL.iter().position(|x| *x == l))
        {
            devices_by_level[i] += 1;
        }
    }
    let no_open_risk = progress.len() - devices_by_level.iter().sum::<usize>();
    if as_json {
        let v = json!({
            "schema": "status.v1",
            "workbook": wb.path().display().to_string(),
            "devices": register.devices.len(),
            "as_of": today.to_string(),
            "steps": cat.steps.iter().zip(&steps).map(|(s, p)| json!({
                "step": s.number, "code": s.code, "name": s.name,
                "applicable": p.applicable, "assessed": p.assessed(),
                "yes": p.yes, "partial": p.partial, "no": p.no, "na": p.na, "unknown": p.unknown,
                "compliance_pct": p.compliance(),
            })).collect::<Vec<_>>(),
            "devices_by_highest_risk": by_level(&devices_by_level, "devices"),
            "devices_without_open_risk": no_open_risk,
            "risks": {
                "total": register.findings.len(),
                "open": dash.open,
                "closed": dash.closed,
                "overdue": dash.overdue,
                "expired": x.expired,
                "uncontrolled_patient_safety": x.uncontrolled_safety,
                "unrated": dash.unrated,
                "open_by_level": by_level(&dash.by_level, "risks"),
                "open_by_residual_level": by_level(&x.residual_by_level, "risks"),
                "open_without_residual": x.residual_unrated,
                "heat_map": dash.heat,
            },
        });
        say!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| CliError::general(e.to_string()))?
        );
        return Ok(());
    }
    say!(
        "{} — {} devices",
        wb.path().display(),
        register.devices.len()
    );
    say!(
        "{:<27} {:>8} {:>5} {:>7} {:>5} {:>5} {:>7} {:>7}",
        "Step",
        "Assessed",
        "Yes",
        "Partial",
        "No",
        "N/A",
        "Unknown",
        "Compl."
    );
    for (s, p) in cat.steps.iter().zip(&steps) {
        say!(
            "{:<27} {:>7}% {:>5} {:>7} {:>5} {:>5} {:>7} {:>7}",
            step_label(s),
            p.percent(),
            p.yes,
            p.partial,
            p.no,
            p.na,
            p.unknown,
            p.compliance()
                .map(|c| format!("{c:.0}%"))
                .unwrap_or_else(|| "–".into())
        );
    }
    say!("(a model or site answer counts once, as on the exported Summary sheet)");
    say!();
    say!(
        "Open risks: {} · closed {} · overdue {} · expired acceptances {}",
        dash.open,
        dash.closed,
        dash.overdue,
        x.expired
    );
    say!(
        "Uncontrolled patient-safety risks: {}",
        x.uncontrolled_safety
    );
    let heading: String = RiskLevel::ALL
        .iter()
        .map(|l| format!("{:>10}", l.label()))
        .collect();
    say!("{:<18}{heading}{:>11}", "", "No rating");
    for (label, counts, none) in [
        ("Open, inherent", &dash.by_level, dash.unrated),
        ("Open, residual", &x.residual_by_level, x.residual_unrated),
        ("Devices, highest", &devices_by_level, no_open_risk),
    ] {
        let cells: String = counts.iter().map(|n| format!("{n:>10}")).collect();
        say!("{label:<18}{cells}{none:>11}");
    }
    if dash.open > 0 {
        say!();
        say!("Open risks by likelihood (rows) × impact (columns):");
        // Wide enough for the largest count and a space before it.
        let w = dash
            .heat
            .iter()
            .flatten()
            .map(|n| n.to_string().len())
            .max()
            .unwrap_or(1)
            .max(2)
            + 2;
        let heads: String = (1..=5)
            .map(|i| format!("{:>w$}", format!("I{i}")))
            .collect();
        say!("    {heads}");
        for (row, l) in dash.heat.iter().zip((1u8..=5).rev()) {
            let cells: String = row.iter().map(|n| format!("{n:>w$}")).collect();
            say!("  L{l}{cells}");
        }
    }
    say!("(a model or site risk counts once; medsec risk list shows them)");
    Ok(())
}

/// `3 Data Encryption`, cut to 27 characters so the table fits 80 columns.
fn step_label(s: &crate::catalog::Step) -> String {
    let full = format!("{} {}", s.number, s.name);
    if full.chars().count() <= 27 {
        full
    } else {
        let mut cut: String = full.chars().take(26).collect();
        cut.push('…');
        cut
    }
}
