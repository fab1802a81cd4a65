//! `medsec export xlsx|csv|json|template|html|markdown`.

use super::output::say;
use std::path::Path;

use super::error::CliError;
use super::progress::Bar;
use crate::device::fields::parse_date;
use crate::export::csv::export_csv_with_progress;
use crate::export::json::export_json_with_progress;
use crate::export::{
    ExportOptions, ExportSummary, export_template_with_progress, export_xlsx_with_progress,
};
use crate::report::{ReportError, ReportFormat, ReportOptions, export_report};
use crate::workbook::Workbook;

const NOT_ENCRYPTED: &str = "This file is NOT encrypted (the workbook is; the export is not, and sheet protection is not encryption): keep it on an encrypted drive or share.";
/// The CSV export's warning: plain text files, one per sheet.
const CSV_NOT_ENCRYPTED: &str = "These files are NOT encrypted (the workbook is; CSV is plain text): keep them on an encrypted drive or share.";
/// The JSON export's warning: one plain-text document.
const JSON_NOT_ENCRYPTED: &str = "This file is NOT encrypted (the workbook is; JSON is plain text): keep it on an encrypted drive or share.";
/// The report's warning: it names devices, addresses and weaknesses, in plain HTML or Markdown.
const REPORT_NOT_ENCRYPTED: &str = "This report is NOT encrypted (the workbook is; the report names devices, addresses and weaknesses): keep it on an encrypted drive or share.";

/// The `--as-of` date, today when absent.
fn as_of_date(as_of: Option<&str>) -> Result<chrono::NaiveDate, CliError> {
    match as_of {
        None => Ok(chrono::Local::now().date_naive()),
        Some(text) => parse_date(text)
            .ok_or_else(|| CliError::usage(format!("--as-of {text:?}: not a date (YYYY-MM-DD)"))),
    }
}

pub(super) fn xlsx(wb: &Workbook, out: &Path, as_of: Option<&str>) -> Result<(), CliError> {
    let as_of = as_of_date(as_of)?;
    let opts = ExportOptions {
        as_of,
        app_version: env!("CARGO_PKG_VERSION"),
    };
    let mut bar = Bar::for_file(out);
    let summary = export_xlsx_with_progress(wb, out, &opts, &mut bar);
    bar.clear();
    tell_written(&summary.map_err(|e| CliError::general(e.to_string()))?)
}

/// `export csv`: one CSV file per sheet into a folder.
pub(super) fn csv(wb: &Workbook, out: &Path, as_of: Option<&str>) -> Result<(), CliError> {
    let opts = ExportOptions {
        as_of: as_of_date(as_of)?,
        app_version: env!("CARGO_PKG_VERSION"),
    };
    let mut bar = Bar::for_file(out);
    let summary = export_csv_with_progress(wb, out, &opts, &mut bar);
    bar.clear();
    let s = summary.map_err(|e| CliError::general(e.to_string()))?;
    say!(
        "wrote {}: {} CSV files (one per sheet), {} devices, {} answers; read back and checked",
        s.path.display(),
        s.sheets.len(),
        s.devices,
        s.answers
    );
    say!("{CSV_NOT_ENCRYPTED}");
    Ok(())
}

/// `export json`: the assessment as one JSON document.
pub(super) fn json(wb: &Workbook, out: &Path, as_of: Option<&str>) -> Result<(), CliError> {
    let opts = ExportOptions {
        as_of: as_of_date(as_of)?,
        app_version: env!("CARGO_PKG_VERSION"),
    };
    let mut bar = Bar::for_file(out);
    let summary = export_json_with_progress(wb, out, &opts, &mut bar);
    bar.clear();
    let s = summary.map_err(|e| CliError::general(e.to_string()))?;
    say!(
        "wrote {}: {} devices, {} answers, {} risks; read back and checked",
        s.path.display(),
        s.devices,
        s.answers,
        s.risks
    );
    say!("{JSON_NOT_ENCRYPTED}");
    Ok(())
}

pub(super) fn template(out: &Path, devices: usize) -> Result<(), CliError> {
    let opts = ExportOptions {
        as_of: chrono::Local::now().date_naive(),
        app_version: env!("CARGO_PKG_VERSION"),
    };
    let mut bar = Bar::for_file(out);
    let summary = export_template_with_progress(out, devices, &opts, &mut bar);
    bar.clear();
    tell_written(&summary.map_err(|e| CliError::general(e.to_string()))?)
}

/// `export html` / `export markdown`: the assessment report.
pub(super) fn report(
    wb: &Workbook,
    out: &Path,
    format: ReportFormat,
    as_of: Option<&str>,
) -> Result<(), CliError> {
    let opts = ReportOptions {
        as_of: as_of_date(as_of)?,
        app_version: env!("CARGO_PKG_VERSION"),
    };
    let s = export_report(wb, out, format, &opts).map_err(|e| match e {
        ReportError::Workbook(e) => CliError::from(e),
        e => CliError::general(e.to_string()),
    })?;
    say!(
        "wrote {}: {} report as of {}, {} devices, {} findings ({} open); read back and checked",
        s.path.display(),
        format.label(),
        opts.as_of,
        s.devices,
        s.findings,
        s.open
    );
    say!("{REPORT_NOT_ENCRYPTED}");
    Ok(())
}

fn tell_written(s: &ExportSummary) -> Result<(), CliError> {
    say!(
        "wrote {}: {} sheets, {} devices, {} answers; read back and checked",
        s.path.display(),
        s.sheets.len(),
        s.devices,
        s.answers
    );
    say!("{NOT_ENCRYPTED}");
    Ok(())
}
