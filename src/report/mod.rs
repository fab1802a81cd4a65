//! The assessment report (`medsec export html OUT.html`, `medsec export markdown OUT.md`):
//! cover page, executive summary, heat map and per-step results, top ten open risks, findings by
//! device with recommendations, remediation plan and accepted risks, scope and method, and the
//! control catalog as an appendix.
//!
//! The content is computed once ([`Report::build`]) and rendered twice: [`html`] writes one
//! self-contained HTML5 file (inline CSS and SVG, system fonts, no script, nothing fetched) that
//! prints cleanly to PDF; [`markdown`] writes the same sections as GitHub-flavoured Markdown for
//! people who edit reports in a word processor. User text is escaped for each format
//! ([`escape`]). Writing follows the other exports: a temporary file next to the output, read
//! back, then renamed; an existing file is replaced only if it is an earlier medsec report.

pub mod escape;
pub mod html;
pub mod markdown;
mod model;
mod output;
pub mod svg;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use model::{
    MARKING, RISK_MODEL_EDITED, RISK_MODEL_NIST, Report, UnevidencedYes, date_text, due_basis,
    percent, rating_text, risk_id, where_text,
};
pub use output::{check_output, is_earlier_report};

use crate::risk::RiskLevel;
use crate::workbook::{Workbook, WorkbookError};

/// The marker that identifies a report medsec wrote: the start of the HTML `generator` meta
/// content and of the Markdown file's first-line comment.
pub const GENERATOR: &str = "medsec assessment report";

/// The report's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML5 file.
    Html,
    /// GitHub-flavoured Markdown.
    Markdown,
}

impl ReportFormat {
    /// The file extensions accepted for the output, lower case, preferred first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            ReportFormat::Html => &["html", "htm"],
            ReportFormat::Markdown => &["md", "markdown"],
        }
    }

    /// The format's name in messages: `HTML`, `Markdown`.
    pub fn label(self) -> &'static str {
        match self {
            ReportFormat::Html => "HTML",
            ReportFormat::Markdown => "Markdown",
        }
    }
}

/// Options of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// "Today" for every date comparison (overdue, expired); shown as "As of" on the cover.
    pub as_of: NaiveDate,
    /// The app's version (`env!("CARGO_PKG_VERSION")`), shown on the cover.
    pub app_version: &'static str,
}

/// What a report export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSummary {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: usize,
    /// Devices in the report.
    pub devices: usize,
    /// Findings in the report (open and closed; a model or site finding once).
    pub findings: usize,
    /// Open risks (status Open or In Progress).
    pub open: usize,
}

/// Why a report could not be written. Each message names the file and what to do; a failed
/// report leaves no file behind and never replaces an existing output.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the workbook failed.
    #[error("{0}")]
    Workbook(#[from] WorkbookError),
    /// The output path cannot be used.
    #[error("{path}: {reason}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// A file system error while writing, reading back or moving the report.
    #[error("{path}: {source} (check the folder exists, is writable and has free space)")]
    Io {
        /// The output path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file read back differs from what was written.
    #[error("{path}: the report did not read back as written; nothing was saved — try again")]
    Verify {
        /// The output path.
        path: PathBuf,
    },
    /// A bug in medsec.
    #[error("internal error while writing the report: {0}; please report it")]
    Internal(String),
}

/// Renders a built report in `format`.
///
/// Errors: `ReportError::Internal` (formatting into a string does not fail in practice).
pub fn render(report: &Report, format: ReportFormat) -> Result<String, ReportError> {
    let text = match format {
        ReportFormat::Html => html::render(report),
        ReportFormat::Markdown => markdown::render(report),
    };
    text.map_err(|e| ReportError::Internal(e.to_string()))
}

/// Writes the assessment report of `wb` to `out` in `format`: checks the output name first
/// ([`check_output`]), builds the report as of `opts.as_of`, renders it and puts it in place
/// through a temporary file that is read back before it is renamed (owner-only on Unix).
///
/// Errors: `Output` (a folder, a wrong extension, an existing file that is not an earlier
/// report, a missing folder), `Workbook`, `Io` (full disk, unwritable folder), `Verify`.
pub fn export_report(
    wb: &Workbook,
    out: &Path,
    format: ReportFormat,
    opts: &ReportOptions,
) -> Result<ReportSummary, ReportError> {
    check_output(out, format)?;
    let report = Report::build(wb, opts.as_of, opts.app_version)?;
    let text = render(&report, format)?;
    output::write_atomically(out, &text)?;
    Ok(ReportSummary {
        path: out.to_path_buf(),
        bytes: text.len(),
        devices: report.devices.len(),
        findings: report.findings.len(),
        open: report.dashboard.open,
    })
}

/// The executive summary as short sentences a hospital manager can read (plain text; each
/// renderer escapes it): devices, progress, compliance, open risks by level, overdue, expired
/// acceptances, uncontrolled patient-safety risks and Yes answers without evidence.
pub fn sentences(r: &Report) -> Vec<String> {
    let d = &r.dashboard;
    let mut out = Vec::new();
    if r.devices.is_empty() {
        out.push("No devices have been added to this assessment yet.".to_string());
    } else {
        let waiting = d.not_started.len();
        out.push(format!(
            "{} in this assessment; {} at least one answer{}.",
            count(r.devices.len(), "device is", "devices are"),
            count(r.devices_started(), "has", "have"),
            if waiting > 0 {
                format!(", {} not been started yet", count(waiting, "has", "have"))
            } else {
                String::new()
            }
        ));
    }
    out.push(format!(
        "{} of the applicable controls have been assessed ({} of {}; a control answered for a \
         whole model or site counts once).",
        percent(r.progress()),
        r.total.assessed(),
        r.total.applicable
    ));
    out.push(match r.total.compliance_ratio() {
        Some(c) => format!(
            "Compliance is {}: of the controls answered Yes, Partial or No, the share in place \
             (a Partial counts half).",
            percent(Some(c))
        ),
        None => "Compliance cannot be computed yet: no control has been answered Yes, Partial or \
                 No."
        .to_string(),
    });
    if d.open == 0 {
        out.push("There are no open risks.".to_string());
    } else {
        let levels: Vec<String> = RiskLevel::ALL
            .iter()
            .map(|l| format!("{} {}", d.at_level(*l), l.label()))
            .collect();
        out.push(format!(
            "There {} {}: {}{}.",
            if d.open == 1 { "is" } else { "are" },
            count(d.open, "open risk", "open risks"),
            levels.join(", "),
            if d.unrated > 0 {
                format!(", and {} not yet rated", d.unrated)
            } else {
                String::new()
            }
        ));
    }
    if d.closed > 0 {
        out.push(format!(
            "{} closed.",
            count(d.closed, "risk has been", "risks have been")
        ));
    }
    out.push(if d.overdue == 0 {
        format!("No open risk is past its due date as of {}.", r.as_of)
    } else {
        format!(
            "{} past {} due date as of {}.",
            count(d.overdue, "open risk is", "open risks are"),
            if d.overdue == 1 { "its" } else { "their" },
            r.as_of
        )
    });
    out.push(if r.expired == 0 {
        "No accepted risk is past its review date.".to_string()
    } else {
        format!(
            "{} past {} review date and {} a new decision.",
            count(r.expired, "accepted risk is", "accepted risks are"),
            if r.expired == 1 { "its" } else { "their" },
            if r.expired == 1 { "needs" } else { "need" }
        )
    });
    out.push(if r.uncontrolled_safety == 0 {
        "No open risk that could seriously harm a patient is left uncontrolled.".to_string()
    } else {
        format!(
            "{} could seriously harm patients (patient-safety impact 4 or 5) and {} not yet \
             controlled; {} flagged in the tables below.",
            count(r.uncontrolled_safety, "open risk", "open risks"),
            if r.uncontrolled_safety == 1 {
                "is"
            } else {
                "are"
            },
            if r.uncontrolled_safety == 1 {
                "it is"
            } else {
                "they are"
            }
        )
    });
    if r.unevidenced_total > 0 {
        out.push(format!(
            "{} no evidence reference; {} listed under each device.",
            count(r.unevidenced_total, "Yes answer has", "Yes answers have"),
            if r.unevidenced_total == 1 {
                "it is"
            } else {
                "they are"
            }
        ));
    }
    out
}

/// `1 device is`, `3 devices are`.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
