//! `medsec status`: progress per step; counts by response and risk level.

use super::output::say;
use serde_json::json;

use super::error::CliError;
use crate::assessment::progress;
use crate::risk::RiskLevel;
use crate::workbook::Workbook;

pub(super) fn run(wb: &Workbook, as_json: bool) -> Result<(), CliError> {
    let cat = wb.catalog();
    let devices = wb.devices()?;
    let answers = wb.answer_set()?;
    // Counted as the exported Summary counts them, so the two always agree.
    let steps = crate::export::step_counts(wb)?;
    let mut levels = [0usize; 5];
    for d in &devices {
        if let Some(l) = progress(cat, &answers, d).highest_risk {
            levels[l as usize] += 1;
        }
    }
    if as_json {
        let v = json!({
            "schema": "status.v1",
            "workbook": wb.path().display().to_string(),
            "devices": devices.len(),
            "steps": cat.steps.iter().zip(&steps).map(|(s, p)| json!({
                "step": s.number, "code": s.code, "name": s.name,
                "applicable": p.applicable, "assessed": p.assessed(),
                "yes": p.yes, "partial": p.partial, "no": p.no, "na": p.na, "unknown": p.unknown,
                "compliance_pct": p.compliance(),
            })).collect::<Vec<_>>(),
            "devices_by_highest_risk": RiskLevel::ALL.iter().map(|l| json!({
                "level": l.label(), "devices": levels[*l as usize],
            })).collect::<Vec<_>>(),
        });
        say!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| CliError::general(e.to_string()))?
        );
        return Ok(());
    }
    say!("{} — {} devices", wb.path().display(), devices.len());
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
    let by_level: Vec<String> = RiskLevel::ALL
        .iter()
        .map(|l| format!("{} {}", levels[*l as usize], l.label()))
        .collect();
    say!("Devices by highest risk: {}", by_level.join(", "));
    say!("(a model or site answer counts once, as on the exported Summary sheet)");
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
