//! `medsec import nmap|inventory`: plan, report, then apply in one transaction (or not at all).

use super::output::{say, say_raw};
use std::path::Path;

use super::args::ImportOptions;
use super::error::CliError;
use super::progress::Bar;
use crate::import::inventory::{InventoryOptions, read_inventory_with_progress};
use crate::import::nmap;
use crate::import::plan::ImportPlan;
use crate::import::{plan_inventory, plan_nmap};
use crate::workbook::{FieldSource, Workbook};

pub(super) fn nmap(
    wb: &mut Workbook,
    file: &Path,
    options: &ImportOptions,
) -> Result<(), CliError> {
    let typed = wb.typed_fields_map()?;
    let mut planner = plan_nmap::NmapPlanner::new(wb.devices()?, &typed);
    let mut hosts = 0usize;
    // Each host is planned as soon as it is read and then dropped, so a /16 sweep is never held
    // whole; the plan is applied only once the whole file has been read without error.
    let mut bar = Bar::for_file(file);
    let scan = nmap::parse_file_streaming(file, &mut bar, &mut |host| {
        hosts += 1;
        planner.add(&host);
    });
    bar.clear();
    let scan = scan.map_err(|e| CliError::input(with_path(file, &e)))?;
    let plan = planner.finish(&scan.warnings);
    if hosts == 0 {
        say!(
            "{}: no hosts that are up ({} down)",
            file.display(),
            scan.hosts_down
        );
    }
    finish(wb, file, plan, options, FieldSource::Scan)
}

pub(super) fn inventory(
    wb: &mut Workbook,
    file: &Path,
    sheet: Option<String>,
    header_row: Option<usize>,
    map: &[String],
    options: &ImportOptions,
) -> Result<(), CliError> {
    let mut pairs = Vec::new();
    for m in map {
        let Some((column, field)) = m.rsplit_once('=') else {
            return Err(CliError::usage(format!(
                "--map {m:?}: write it as \"Column header=field_key\""
            )));
        };
        pairs.push((column.trim().to_string(), field.trim().to_string()));
    }
    let opts = InventoryOptions {
        sheet,
        header_row,
        map: pairs,
    };
    let mut bar = Bar::for_file(file);
    let inv = read_inventory_with_progress(file, &opts, &mut bar);
    bar.clear();
    let inv = inv.map_err(|e| {
        let code = if e.is_usage() {
            super::exit::USAGE
        } else {
            super::exit::INVALID_INPUT
        };
        CliError {
            code,
            message: with_path(file, &e),
        }
    })?;
    if opts.sheet.is_some() && inv.sheet.is_none() {
        return Err(CliError::usage(format!(
            "{}: --sheet was given, but the file is CSV, which has no sheets",
            file.display()
        )));
    }
    let typed = wb.typed_fields_map()?;
    let plan = plan_inventory::plan_inventory(&inv, wb.devices()?, &typed);
    if options.dry_run {
        say!(
            "{}: header on row {}{}",
            file.display(),
            inv.header_row,
            inv.sheet
                .as_deref()
                .map(|s| format!(" of sheet {s:?}"))
                .unwrap_or_default()
        );
        for c in &inv.columns {
            match (c.field, c.ignored) {
                (_, true) => say!("  column {:<3} {:?} → ignored", c.letter, c.header),
                (Some(f), _) => say!("  column {:<3} {:?} → {f}", c.letter, c.header),
                (None, _) => say!(
                    "  column {:<3} {:?} → kept as extra attribute",
                    c.letter,
                    c.header
                ),
            }
        }
    }
    finish(wb, file, plan, options, FieldSource::Inventory)
}

/// Prints the report; applies the plan unless it is a dry run or (without --skip-invalid) any
/// row would be rejected.
fn finish(
    wb: &mut Workbook,
    file: &Path,
    plan: ImportPlan,
    options: &ImportOptions,
    source: FieldSource,
) -> Result<(), CliError> {
    let counts = plan.counts();
    // Text from the file (host names, cells) may hold control characters, C1 escapes included:
    // shown escaped, line by line, so it can never drive the terminal.
    let report = shown(&plan.render());
    if let Some(path) = &options.report {
        write_report(file, path, &format!("{report}{counts}\n"))?;
    }
    if options.dry_run {
        say_raw!("{report}");
        say!("dry run: {counts}; nothing was changed");
        if counts.rejected > 0 && !options.skip_invalid {
            return Err(CliError::input(format!(
                "{}: {} rejected; a real run would apply nothing (fix them, or use --skip-invalid)",
                file.display(),
                counts.rejected
            )));
        }
        return Ok(());
    }
    let rejects: Vec<_> = plan
        .lines
        .iter()
        .filter(|l| l.outcome == crate::import::plan::Outcome::Reject)
        .collect();
    if !rejects.is_empty() && !options.skip_invalid {
        for l in &rejects {
            eprintln!("reject {}", shown(&format!("{} {}", l.location, l.detail)));
        }
        return Err(CliError::input(format!(
            "{}: {} rejected, nothing was imported (fix them, or use --skip-invalid; --dry-run shows everything)",
            file.display(),
            rejects.len()
        )));
    }
    for l in &rejects {
        say!("skipped {}", shown(&format!("{} {}", l.location, l.detail)));
    }
    for w in &plan.warnings {
        say!("warning: {}", shown(w));
    }
    let ids = wb.apply_device_changes(&plan.changes, source)?;
    let mut added = Vec::new();
    for ((existing, _), id) in plan.changes.iter().zip(&ids) {
        if existing.is_none() {
            added.push(*id);
        }
    }
    if let (Some(first), Some(last)) = (added.first(), added.last()) {
        let first = wb.device(*first)?.short_id();
        let last = wb.device(*last)?.short_id();
        if first == last {
            say!("new device: {first}");
        } else {
            say!("new devices: {first} … {last}");
        }
    }
    say!("{}: {counts}", file.display());
    super::finding::refresh_after_import(wb)
}

/// The error text, prefixed with the file unless it already names it.
pub(super) fn with_path(file: &Path, e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let shown = file.display().to_string();
    if text.contains(&shown) {
        text
    } else {
        format!("{shown}: {text}")
    }
}

/// The first line of every `--report` file; only a file that starts with it is replaced.
const REPORT_HEADER: &str = "# medsec import report";

/// Writes the `--report` file, owner-only. It replaces only an earlier medsec report (a file
/// starting with [`REPORT_HEADER`]), never the input, the workbook or any other file. The report
/// is not encrypted, and says so.
pub(super) fn write_report(file: &Path, path: &Path, text: &str) -> Result<(), CliError> {
    if path.exists() {
        let mut head = [0u8; REPORT_HEADER.len()];
        let earlier = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .is_ok()
            && head == REPORT_HEADER.as_bytes();
        if !earlier || path.is_dir() {
            return Err(CliError::usage(format!(
                "--report {}: exists and is not an earlier medsec report; nothing was written (choose another name)",
                path.display()
            )));
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let body = format!("{REPORT_HEADER} of {}\n{text}", file.display());
    options
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, body.as_bytes()))
        .map_err(|e| {
            CliError::general(format!("cannot write the report {}: {e}", path.display()))
        })?;
    eprintln!(
        "report written to {} (plain text, NOT encrypted: it names devices and addresses)",
        path.display()
    );
    Ok(())
}

/// Text for the terminal: each line with its control characters (C0, C1, DEL) and bidi
/// overrides shown escaped; the line breaks between lines kept.
pub(super) fn shown(text: &str) -> String {
    let mut out: String = text
        .split('\n')
        .map(crate::device::fields::printable)
        .collect::<Vec<_>>()
        .join("\n");
    if text.ends_with('\n') && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
