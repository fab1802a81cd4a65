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
    tell_written(&summary.map_err(|e| failed(out, &e))?)
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
    let s = summary.map_err(|e| failed(out, &e))?;
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
    let s = summary.map_err(|e| failed(out, &e))?;
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
    tell_written(&summary.map_err(|e| failed(out, &e))?)
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
        e => failed(out, &e),
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

/// One line for an export that failed (exit 1). A full disk or a file size limit is named as
/// such: exports are written under a temporary name next to `out`, read back, and only then
/// renamed into place, so a failed one leaves no partial file.
fn failed(out: &Path, e: &(dyn std::error::Error + 'static)) -> CliError {
    if no_room(e) {
        return CliError::general(format!(
            "disk full (or file size limit) while writing {}: nothing was exported and no partial file was left; free some space and try again",
            out.display()
        ));
    }
    CliError::general(e.to_string())
}

/// Whether an error (or one it was caused by) is an I/O error of a full disk (`ENOSPC`) or of
/// a file size limit (`EFBIG`).
fn no_room(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::FileTooLarge
            ) {
                return true;
            }
            // rust_xlsxwriter panics on a failed write in constant-memory mode; the export
            // turns the panic into an `Other` error holding its message, which shows the
            // `io::Error` it had in its debug form.
            let text = io.to_string();
            if io.kind() == std::io::ErrorKind::Other
                && (text.contains("kind: StorageFull") || text.contains("kind: FileTooLarge"))
            {
                return true;
            }
        }
        next = e.source();
    }
    false
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
