//! `medsec demo [PATH] [--devices N] [--answered FRACTION] [--no-open]`: a new workbook filled
//! with the invented hospital of `medsec::demo`, then the TUI on it (PRODUCT.md "Command line").

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::args::DemoArgs;
use super::error::CliError;
use super::output::say;
use crate::demo::{DemoOptions, meta, populate};
use crate::workbook::{PassphraseSources, Workbook};

/// The demo workbook's file name when no path is given (in the current directory).
pub const DEFAULT_DEMO_NAME: &str = "medsec-demo.medsec";

/// The options asked for, checked: `--answered` must lie in 0–1.
fn options(a: &DemoArgs) -> Result<DemoOptions, CliError> {
    let mut opts = DemoOptions::default();
    if let Some(n) = a.devices {
        opts.devices = n as usize;
    }
    if let Some(f) = a.answered {
        if !(0.0..=1.0).contains(&f) {
            return Err(CliError::usage(format!(
                "--answered {f}: a fraction from 0 to 1 (e.g. 0.8 for 80% of the controls)"
            )));
        }
        opts.answered = f;
    }
    Ok(opts)
}

/// Creates the demo workbook at `path` (or `workbook`, or `medsec-demo.medsec` here) and returns
/// it opened for writing, after printing what it holds. Nothing is left behind on failure.
///
/// Errors: usage (a bad option, an existing file, no terminal for the TUI without `--no-open`,
/// no passphrase source), and any workbook error.
pub(super) fn create(
    a: &DemoArgs,
    workbook: &Option<PathBuf>,
    passphrase_file: &Option<PathBuf>,
) -> Result<Option<Workbook>, CliError> {
    let opts = options(a)?;
    let path = a
        .path
        .clone()
        .or_else(|| workbook.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DEMO_NAME));
    if path.exists() {
        return Err(CliError::usage(format!(
            "{} already exists; the demo never writes over a file: give another PATH",
            path.display()
        )));
    }
    // Checked before anything is created: the TUI cannot start without a terminal.
    if !a.no_open && !std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "the TUI needs a terminal; add --no-open to only create the demo workbook",
        ));
    }
    let pass = PassphraseSources::workbook(passphrase_file.clone(), &path).get_new()?;
    let mut wb = Workbook::create(&path, &pass, meta(opts.today))?;
    let summary = match populate(&mut wb, &opts) {
        Ok(s) => s,
        Err(e) => {
            drop(wb);
            remove_quietly(&path);
            return Err(e.into());
        }
    };
    say!(
        "created {} (encrypted) with invented demo data: {} devices, {} answers, {} risks ({} open)",
        wb.path().display(),
        summary.devices,
        summary.answers,
        summary.findings,
        summary.open
    );
    if a.no_open {
        say!(
            "try: medsec -w {} status (or: risk list, export xlsx demo.xlsx, or open)",
            wb.path().display()
        );
        return Ok(None);
    }
    Ok(Some(wb))
}

/// Removes a half-made demo workbook; a failure to remove it is reported, not fatal.
fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        eprintln!(
            "warning: could not remove the unfinished demo workbook {}: {e}",
            path.display()
        );
    }
}
