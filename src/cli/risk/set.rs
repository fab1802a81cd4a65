//! `medsec risk set`: one change to one register entry, checked before anything is written,
//! one undo step.

use chrono::NaiveDate;

use super::{flags, rating, resolve, risk_id, today};
use crate::cli::args::RiskSetArgs;
use crate::cli::error::CliError;
use crate::cli::output::say;
use crate::device::fields::{parse_date, printable};
use crate::risk::register::{Finding, Register};
use crate::risk::{RiskStatus, Treatment};
use crate::workbook::{Due, RiskEntryInput, Workbook};

/// One line that says where a risk stands, printed after `risk set`.
fn summary_line(f: &Finding<'_>, today: NaiveDate) -> String {
    let mut parts = vec![format!(
        "{} {} {} {}",
        risk_id(f),
        printable(&f.label()),
        f.control.id,
        f.response_label()
    )];
    let mut rated = rating(f);
    if let Some(l) = f.level() {
        rated = format!("{rated} {}", l.label());
    }
    if let Some(r) = f.residual_level() {
        rated = format!("{rated}, residual {}", r.label());
    }
    parts.push(rated);
    if let Some(t) = f.entry.treatment {
        parts.push(t.label().to_string());
    }
    if !f.entry.owner.is_empty() {
        parts.push(format!("owner {}", printable(&f.entry.owner)));
    }
    parts.push(match f.due_date() {
        Some(d) if f.entry.due_default => format!("due {d} (default)"),
        Some(d) => format!("due {d}"),
        None => "no due date".into(),
    });
    parts.push(f.entry.status.label().to_string());
    parts.extend(flags(f, today).into_iter().map(String::from));
    parts.join(" · ")
}

/// Parses `--treatment` (`""` clears).
fn parse_treatment(text: &str) -> Result<Option<Treatment>, CliError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Treatment::parse(text).map(Some).ok_or_else(|| {
        CliError::usage(format!(
            "--treatment {:?}: use Mitigate, Accept, Transfer or Avoid (\"\" clears it)",
            printable(text)
        ))
    })
}

/// Parses `--status`: Open, In Progress (also `in-progress`, `in_progress`, `inprogress`),
/// Closed, case-insensitively.
fn parse_status(text: &str) -> Result<RiskStatus, CliError> {
    let t = text.trim().replace(['-', '_'], " ");
    let t = if t.eq_ignore_ascii_case("inprogress") {
        "in progress".to_string()
    } else {
        t
    };
    RiskStatus::parse(&t).ok_or_else(|| {
        CliError::usage(format!(
            "--status {:?}: use Open, \"In Progress\" (or in-progress) or Closed",
            printable(text)
        ))
    })
}

/// Parses a residual rating (`""` clears).
fn parse_rating(flag: &str, text: &str) -> Result<Option<u8>, CliError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match text.trim().parse::<u8>() {
        Ok(n) if (1..=5).contains(&n) => Ok(Some(n)),
        _ => Err(CliError::usage(format!(
            "--{flag} {:?}: a whole number from 1 to 5 (\"\" clears it)",
            printable(text)
        ))),
    }
}

/// Parses a date option (`""` clears).
fn parse_day(flag: &str, text: &str) -> Result<Option<NaiveDate>, CliError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_date(text).map(Some).ok_or_else(|| {
        CliError::usage(format!(
            "--{flag} {:?}: not a date (YYYY-MM-DD, years 1900–9999; \"\" clears it)",
            printable(text)
        ))
    })
}

/// The register change `risk set` asks for; every value checked before anything is written.
fn input_of(a: &RiskSetArgs) -> Result<RiskEntryInput, CliError> {
    let input = RiskEntryInput {
        treatment: a.treatment.as_deref().map(parse_treatment).transpose()?,
        planned_actions: a.actions.clone(),
        owner: a.owner.clone(),
        due: a
            .due
            .as_deref()
            .map(|t| {
                Due::parse(t).map_err(|m| CliError::usage(format!("--due: {}", printable(&m))))
            })
            .transpose()?,
        status: a.status.as_deref().map(parse_status).transpose()?,
        residual_likelihood: a
            .residual_likelihood
            .as_deref()
            .map(|t| parse_rating("residual-likelihood", t))
            .transpose()?,
        residual_impact: a
            .residual_impact
            .as_deref()
            .map(|t| parse_rating("residual-impact", t))
            .transpose()?,
        accepted_by: a.accepted_by.clone(),
        acceptance_note: a.note.clone(),
        accepted_on: a
            .accepted_on
            .as_deref()
            .map(|t| parse_day("accepted-on", t))
            .transpose()?,
        review_date: a
            .review
            .as_deref()
            .map(|t| parse_day("review", t))
            .transpose()?,
        identified_on: a
            .identified
            .as_deref()
            .map(|t| parse_day("identified", t))
            .transpose()?,
    };
    if input == RiskEntryInput::default() {
        return Err(CliError::usage(
            "nothing to change: give one or more of --treatment, --actions, --owner, --due, --status, --residual-likelihood, --residual-impact, --accepted-by, --accepted-on, --note, --review, --identified",
        ));
    }
    Ok(input)
}

/// `medsec risk set`: one change to one register entry, one undo step.
pub(in crate::cli) fn set(wb: &mut Workbook, a: &RiskSetArgs) -> Result<(), CliError> {
    let input = input_of(a)?;
    let (target, control_id, finding) = {
        let register = Register::load(wb)?;
        let f = resolve(wb, &register, &a.id, a.control.as_deref())?;
        (
            f.target.clone(),
            f.control.id.clone(),
            f.vulnerability.as_ref().map(|v| v.finding_id),
        )
    };
    match finding {
        Some(n) => wb.set_finding_risk_entry(n, &input),
        None => wb.set_risk_entry(&target, &control_id, &input),
    }
    .map_err(|e| {
        let mut err = CliError::from(e);
        // The workbook names the missing part; the CLI adds the flags that give it.
        if err.message.contains("accepting a risk") {
            err.message
                .push_str(": give --accepted-by NAME and --note TEXT with --treatment accept");
        }
        err
    })?;
    let register = Register::load(wb)?;
    let f = register
        .findings
        .iter()
        .find(|f| match finding {
            Some(n) => f.vulnerability.as_ref().is_some_and(|v| v.finding_id == n),
            None => {
                f.vulnerability.is_none() && f.control.id == control_id && f.target.matches(&target)
            }
        })
        .ok_or_else(|| CliError::general("the risk changed, but could not be read back"))?;
    say!("{}", summary_line(f, today()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_typed_on_a_command_line() -> Result<(), String> {
        for t in ["in-progress", "In Progress", "IN_PROGRESS", "inprogress"] {
            assert_eq!(
                parse_status(t).map_err(|e| e.message)?,
                RiskStatus::InProgress
            );
        }
        assert!(parse_status("done").is_err_and(|e| e.message.contains("Closed")));
        assert_eq!(parse_rating("r", "").map_err(|e| e.message)?, None);
        assert_eq!(parse_rating("r", " 5 ").map_err(|e| e.message)?, Some(5));
        assert!(parse_rating("r", "6").is_err());
        assert!(parse_treatment("ignore").is_err_and(|e| e.message.contains("Transfer")));
        assert_eq!(
            parse_treatment("AVOID").map_err(|e| e.message)?,
            Some(Treatment::Avoid)
        );
        assert_eq!(parse_day("d", "").map_err(|e| e.message)?, None);
        assert!(parse_day("d", "2026-02-30").is_err_and(|e| e.code == 2));
        Ok(())
    }
}
