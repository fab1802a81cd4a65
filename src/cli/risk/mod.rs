//! `medsec risk list|show|set|grid`: the risk register from the command line (TEMPLATE.md
//! "Risk Register"; PRODUCT.md "Command line"). Every figure comes from `risk::register`, so
//! the CLI shows what the TUI, the dashboard and the exported sheets show. One file per
//! command; this one holds what they share: finding a risk by its ID, and text that fits a
//! terminal.

mod grid;
mod list;
mod set;
mod show;

pub(super) use grid::run as grid;
pub(super) use list::list;
pub(super) use set::set;
pub(super) use show::show;

use chrono::NaiveDate;
use unicode_width::UnicodeWidthChar;

use super::device::parse_target;
use super::error::CliError;
use crate::assessment::Target;
use crate::device::fields::printable;
use crate::risk::register::{Finding, Register};
use crate::risk::{RiskLevel, RiskStatus};
use crate::workbook::{RiskEntry, Workbook};

/// The line width the risk commands keep to (terminal columns).
const LINE: usize = 80;

/// The date "overdue" and "expired" refer to, and feed ages count to: today, local.
pub(in crate::cli) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The `--as-of DATE` of `status`, `risk list` and `risk show`: the day "overdue" and
/// "expired" refer to; today when absent.
///
/// Errors: a usage error (exit 2) naming the text when it is not a date.
pub(in crate::cli) fn as_of(text: Option<&str>) -> Result<NaiveDate, CliError> {
    match text {
        None => Ok(today()),
        Some(t) => crate::device::fields::parse_date(t).ok_or_else(|| {
            CliError::usage(format!("--as-of {}: not a date (YYYY-MM-DD)", printable(t)))
        }),
    }
}

/// `text` with control characters and bidi overrides escaped ([`printable`]), cut to `width`
/// terminal columns (wide characters count two) with `…`, and padded to `width`.
pub(super) fn fit(text: &str, width: usize) -> String {
    let clean = printable(text);
    let mut out = String::new();
    let mut used = 0;
    let total: usize = clean.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        out.push_str(&clean);
        used = total;
    } else {
        for c in clean.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Text for `risk show`: each line escaped ([`printable`]) and word-wrapped to `width`
/// terminal columns, continuation lines indented by `indent` spaces.
fn block(text: &str, indent: usize, width: usize) -> String {
    let width = width.max(20);
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        let mut current = String::new();
        let mut used = 0;
        for word in printable(raw).split(' ') {
            let w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if used > 0 && used + 1 + w > width {
                lines.push(std::mem::take(&mut current));
                used = 0;
            }
            if used > 0 {
                current.push(' ');
                used += 1;
            }
            current.push_str(word);
            used += w;
        }
        lines.push(current);
    }
    lines.join(&format!("\n{}", " ".repeat(indent)))
}

/// `3×5=15`, or `–` when the finding is not rated.
fn rating(f: &Finding<'_>) -> String {
    match (f.likelihood, f.impact, f.score()) {
        (Some(l), Some(i), Some(s)) => format!("{l}×{i}={s}"),
        _ => "–".into(),
    }
}

/// The target as scripts name it: `DEV-0003`, `MODEL:<manufacturer>/<model>`, `SITE[:<site>]`.
fn target_key(f: &Finding<'_>) -> String {
    match &f.target {
        Target::Device(_) => f.name.clone(),
        t => t.scope_key().unwrap_or_default(),
    }
}

/// The risk's ID, or `–` for a finding whose register entry is not stored yet.
fn risk_id(f: &Finding<'_>) -> String {
    f.entry.risk_id().unwrap_or_else(|| "–".into())
}

/// The flags of a risk as words: overdue, expired acceptance, uncontrolled patient-safety risk.
fn flags(f: &Finding<'_>, today: NaiveDate) -> Vec<&'static str> {
    let mut out = Vec::new();
    if f.is_overdue(today) {
        out.push("OVERDUE");
    }
    if f.is_expired(today) {
        out.push("EXPIRED");
    }
    if f.is_uncontrolled_safety() {
        out.push("UNCONTROLLED PATIENT-SAFETY RISK");
    }
    out
}

/// One-letter flags for the list: `O` overdue, `E` expired, `S` uncontrolled patient safety.
fn flag_letters(f: &Finding<'_>, today: NaiveDate) -> String {
    [
        (f.is_overdue(today), 'O'),
        (f.is_expired(today), 'E'),
        (f.is_uncontrolled_safety(), 'S'),
    ]
    .into_iter()
    .filter_map(|(on, c)| on.then_some(c))
    .collect()
}

fn status_short(s: RiskStatus) -> &'static str {
    match s {
        RiskStatus::Open => "Open",
        RiskStatus::InProgress => "In pr.",
        RiskStatus::Closed => "Closed",
    }
}

fn level_short(l: Option<RiskLevel>) -> &'static str {
    l.map(RiskLevel::abbreviation).unwrap_or("–")
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "–".into())
}

/// The finding named by a Risk ID (`R-0012`, `12`) or by a target and a control.
///
/// Errors (exit 2, as for an unknown device or control): not a Risk ID; no such risk; a risk
/// whose answer is no longer a finding; a target and control that are not a finding.
fn resolve<'r>(
    wb: &Workbook,
    register: &'r Register,
    id: &str,
    control: Option<&str>,
) -> Result<&'r Finding<'static>, CliError> {
    let Some(control) = control else {
        // A Finding ID names the risk of a confirmed vulnerability finding.
        if id.trim().to_ascii_uppercase().starts_with("F-")
            && let Some(n) = crate::workbook::parse_finding_id(id)
        {
            return register
                .findings
                .iter()
                .find(|f| f.vulnerability.as_ref().is_some_and(|v| v.finding_id == n))
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "{} is not a risk: only confirmed findings are in the register (medsec finding confirm {})",
                        crate::workbook::format_finding_id(n),
                        crate::workbook::format_finding_id(n)
                    ))
                });
        }
        let n = RiskEntry::parse_risk_id(id).ok_or_else(|| {
            CliError::usage(format!(
                "{:?} is not a Risk ID: give R-0012 (or 12), or a target and a control such as DEV-0003 ENC-01",
                printable(id)
            ))
        })?;
        if let Some(f) = register.findings.iter().find(|f| f.entry.id == n) {
            return Ok(f);
        }
        let shown = format!("R-{n:04}");
        return Err(match wb.risk_entry_by_id(n)? {
            Some((_, _, e)) if e.finding_id.is_some() => CliError::usage(format!(
                "{shown} ({}) is no longer a risk: the finding is not confirmed",
                crate::workbook::format_finding_id(e.finding_id.unwrap_or_default())
            )),
            Some((target, control, _)) => CliError::usage(format!(
                "{shown} ({} {control}) is no longer a risk: its answer is no longer a confirmed No, Partial or Unknown",
                target_text(register, &target)
            )),
            None => CliError::usage(format!(
                "no risk {shown} in this workbook (medsec risk list shows the Risk IDs)"
            )),
        });
    };
    let c = wb.catalog().control(control).ok_or_else(|| {
        CliError::usage(format!(
            "{}: no such control (e.g. ENC-03)",
            printable(control)
        ))
    })?;
    let (target, device) = parse_target(wb, id)?;
    let device_index = device
        .as_ref()
        .and_then(|d| register.devices.iter().position(|x| x.id == d.id));
    let found = register.findings.iter().find(|f| {
        f.vulnerability.is_none()
            && f.control.id == c.id
            && match device_index {
                Some(i) => f.target == target || f.shown_on.contains(&i),
                None => f.target.matches(&target),
            }
    });
    found.ok_or_else(|| {
        let answer = register
            .answers
            .get(&target, &c.id)
            .and_then(|a| a.confirmed_response())
            .map(|r| format!(" (its answer is {})", r.label()))
            .unwrap_or_default();
        CliError::usage(format!(
            "{} {} is not a risk{answer}: only confirmed No, Partial and Unknown answers are in the register",
            printable(id.trim()),
            c.id
        ))
    })
}

fn target_text(register: &Register, target: &Target) -> String {
    match target {
        Target::Device(id) => register
            .devices
            .iter()
            .find(|d| d.id == *id)
            .map(|d| d.short_id())
            .unwrap_or_else(|| "a deleted device".into()),
        t => printable(&t.scope_key().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_by_terminal_columns_and_escapes_controls() {
        assert_eq!(fit("DEV-0003", 10), "DEV-0003  ");
        assert_eq!(fit("MODEL B. Braun Space (4)", 10), "MODEL B. …");
        // 東芝 is four columns wide.
        assert_eq!(fit("東芝東芝東芝", 7), "東芝東…");
        assert_eq!(fit("東芝東芝東芝", 8), "東芝東… ");
        assert_eq!(fit("a\u{1b}[31m", 6), "a␛[31m");
        assert_eq!(fit("x\u{202e}y", 12), "x\\u{202e}y  ");
    }

    #[test]
    fn block_wraps_words_and_indents() {
        let text = block("one two three four five six seven eight nine ten", 4, 20);
        // The width is the text's own column; the indent comes before it.
        assert_eq!(
            text,
            "one two three four\n    five six seven eight\n    nine ten"
        );
        assert_eq!(block("a\nb\u{202e}", 2, 20), "a\n  b\\u{202e}");
    }
}
