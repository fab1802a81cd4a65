//! `medsec status`: progress per step; counts by response and risk level.

use super::output::say;
use serde_json::json;

use super::error::CliError;
use crate::assessment::{StepProgress, progress};
use crate::risk::RiskLevel;
use crate::workbook::Workbook;

pub(super) fn run(wb: &Workbook, as_json: bool) -> Result<(), CliError> {
    let cat = wb.catalog();
    let devices = wb.devices()?;
    let answers = wb.answer_set()?;
    let mut steps = vec![StepProgress::default(); cat.steps.len()];
    let mut levels = [0usize; 5];
    for d in &devices {
        let p = progress(cat, &answers, d);
        for (acc, s) in steps.iter_mut().zip(&p.steps) {
            *acc = acc.plus(s);
        }
        if let Some(l) = p.highest_risk {
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
        "{:<38} {:>9} {:>5} {:>7} {:>5} {:>5} {:>7} {:>10}",
        "Step",
        "Assessed",
        "Yes",
        "Partial",
        "No",
        "N/A",
        "Unknown",
        "Compliance"
    );
    for (s, p) in cat.steps.iter().zip(&steps) {
        say!(
            "{:<38} {:>8}% {:>5} {:>7} {:>5} {:>5} {:>7} {:>10}",
            format!("{} {}", s.number, s.name),
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
    Ok(())
}
