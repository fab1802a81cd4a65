//! `medsec import feed FILE_OR_DIR`, `medsec import sbom FILE --device ID`, `medsec feed list`.
//!
//! A folder is read whole before anything is stored: every `.json` and `.csv` file directly in
//! it (not in subfolders, so that what is imported is exactly what the assessor sees in the
//! folder), in name order. A file that cannot be read stops the import (exit 4, nothing
//! stored) unless `--skip-invalid` is given; the readable files are then stored in one
//! transaction. After storing, the findings are refreshed and their outcome printed. Feed dates
//! are always printed and feeds over 30 days old flagged, never refused.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::error::CliError;
use super::import::shown;
use super::output::say;
use super::risk::today;
use crate::device::fields::printable;
use crate::vuln::feed::{FeedError, FeedFile, read_file};
use crate::vuln::{FeedInfo, FeedKind, STALE_AFTER_DAYS, sbom};
use crate::workbook::{FeedAction, FeedImportLine, RefreshOutcome, Workbook};

/// The files an import reads: the file itself, or the `.json` / `.csv` files of a folder in
/// name order.
fn feed_files(path: &Path) -> Result<Vec<PathBuf>, CliError> {
    if !path.is_dir() {
        if !path.exists() {
            return Err(CliError::input(format!(
                "{}: no such file or folder",
                path.display()
            )));
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| CliError::input(format!("{}: cannot be read: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry
            .map_err(|e| CliError::input(format!("{}: cannot be read: {e}", path.display())))?;
        let p = entry.path();
        let wanted = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv"));
        if wanted && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(CliError::input(format!(
            "{}: no .json or .csv files in this folder (subfolders are not read)",
            path.display()
        )));
    }
    Ok(files)
}

fn kind_items(kind: FeedKind, n: usize) -> String {
    let what = match (kind, n) {
        (FeedKind::Kev, 1) => "entry",
        (FeedKind::Kev, _) => "entries",
        (_, 1) => "vulnerability",
        _ => "vulnerabilities",
    };
    format!("{} {n} {what}", kind.label())
}

fn line_text(l: &FeedImportLine, dry_run: bool) -> String {
    let what = format!(
        "{} ({}, {})",
        l.info.dated_name(),
        kind_items(l.info.kind, l.items),
        l.file_name
    );
    let verb = |done: &'static str, planned: &'static str| if dry_run { planned } else { done };
    let mut text = match &l.action {
        FeedAction::Added => format!("{what}: {}", verb("stored", "would be stored")),
        FeedAction::Replaced { previous } => format!(
            "{what}: {} the one of {previous}",
            verb("replaced", "would replace")
        ),
        FeedAction::Unchanged => format!("{what}: already stored, unchanged"),
        FeedAction::KeptOlder { stored } => {
            format!("{what}: kept out, older than the stored one of {stored} (never downgraded)")
        }
        FeedAction::KeptIncomplete { missing, .. } => {
            let (one, many) = match l.info.kind {
                FeedKind::Kev => ("catalog", "entries"),
                _ => ("document", "vulnerabilities"),
            };
            format!(
                "{} from {} has the stored {one}'s date but lacks {missing} of its {many}; {} the stored one",
                l.info.dated_name(),
                l.file_name,
                verb("kept", "would keep")
            )
        }
    };
    if let Some(k) = l.kev {
        text.push_str(&format!(
            " — {} added, {} changed, {} removed",
            k.added, k.changed, k.removed
        ));
    }
    text
}

/// The stale warnings: the newest KEV catalog named when over [`STALE_AFTER_DAYS`]; for
/// advisories and records, one line naming the newest (an old advisory is not out of date, but a folder
/// whose newest advisory is old may be missing newer ones).
fn stale_warnings(infos: &[&FeedInfo], today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let newest_kev = infos
        .iter()
        .filter(|i| i.kind == FeedKind::Kev)
        .max_by_key(|i| i.feed_date);
    if let Some(info) = newest_kev
        && info.is_stale(today)
    {
        out.push(format!(
            "{} is {} days old; matches may be missing",
            info.dated_name(),
            (today - info.feed_date).num_days()
        ));
    }
    let newest = infos
        .iter()
        .filter(|i| i.kind != FeedKind::Kev)
        .max_by_key(|i| i.feed_date);
    if let Some(newest) = newest
        && newest.is_stale(today)
    {
        out.push(format!(
            "the newest advisory or record imported ({}) is {} days old; newer advisories may exist and matches may be missing",
            newest.dated_name(),
            (today - newest.feed_date).num_days()
        ));
    }
    out
}

/// The one line a refresh of the findings prints.
pub(super) fn refresh_line(r: &RefreshOutcome) -> String {
    format!(
        "findings refreshed for {} device{}: {} new, {} updated, {} no longer matched, {} still dismissed",
        r.devices,
        if r.devices == 1 { "" } else { "s" },
        r.new,
        r.updated,
        r.stale,
        r.still_dismissed
    )
}

/// `medsec import feed PATH [--dry-run] [--skip-invalid]`.
pub(super) fn import_feed(
    wb: &mut Workbook,
    path: &Path,
    dry_run: bool,
    skip_invalid: bool,
) -> Result<(), CliError> {
    let paths = feed_files(path)?;
    let mut files: Vec<FeedFile> = Vec::new();
    let mut invalid: Vec<String> = Vec::new();
    let mut schemas: Vec<String> = Vec::new();
    let single = paths.len() == 1 && !path.is_dir();
    for p in &paths {
        match read_file(p) {
            Ok(f) => files.push(f),
            // A folder may hold the feed's JSON Schema next to the data (CISA's KEV does).
            Err(FeedError::JsonSchema { .. }) if !single => schemas.push(
                p.file_name()
                    .map(|n| printable(&n.to_string_lossy()))
                    .unwrap_or_default(),
            ),
            Err(e) => invalid.push(printable(&e.to_string())),
        }
    }
    if single && let Some(e) = invalid.first() {
        return Err(CliError::input(format!("{e}; nothing was imported")));
    }
    if !invalid.is_empty() && !skip_invalid && !dry_run {
        for e in &invalid {
            eprintln!("unreadable: {e}");
        }
        return Err(CliError::input(format!(
            "{}: {} of {} files cannot be read, nothing was imported (fix or remove them, or use --skip-invalid)",
            path.display(),
            invalid.len(),
            paths.len()
        )));
    }
    for s in &schemas {
        say!("note: {s}: a JSON Schema, not a feed: skipped");
    }
    let lines = if dry_run {
        wb.plan_feeds(&files)?
    } else {
        wb.import_feeds(&files)?
    };
    for l in &lines {
        say!("{}", shown(&line_text(l, dry_run)));
    }
    for f in &files {
        for n in &f.notes {
            say!("note: {}: {}", printable(&f.file_name), shown(n));
        }
    }
    for e in &invalid {
        say!(
            "{} {e}",
            if dry_run && !skip_invalid {
                "unreadable:"
            } else {
                "skipped:"
            }
        );
    }
    let infos: Vec<&FeedInfo> = lines.iter().map(|l| &l.info).collect();
    for w in stale_warnings(&infos, today()) {
        say!("warning: {}", shown(&w));
    }
    let count = |f: fn(&FeedAction) -> bool| lines.iter().filter(|l| f(&l.action)).count();
    let added = count(|a| matches!(a, FeedAction::Added));
    let replaced = count(|a| matches!(a, FeedAction::Replaced { .. }));
    let unchanged = count(|a| matches!(a, FeedAction::Unchanged));
    let kept = count(|a| matches!(a, FeedAction::KeptOlder { .. }));
    let incomplete = count(|a| matches!(a, FeedAction::KeptIncomplete { .. }));
    let totals = format!(
        "{added} new, {replaced} replaced, {unchanged} unchanged, {kept} kept out (older), {}{} unreadable",
        if incomplete > 0 {
            format!("{incomplete} kept out (same date, entries missing), ")
        } else {
            String::new()
        },
        invalid.len()
    );
    if dry_run {
        say!("dry run: {totals}; nothing was changed");
        if !invalid.is_empty() && !skip_invalid {
            return Err(CliError::input(format!(
                "{}: {} file(s) cannot be read; a real run would import nothing (fix them, or use --skip-invalid)",
                path.display(),
                invalid.len()
            )));
        }
        return Ok(());
    }
    say!("imported: {totals}");
    let outcome = wb.refresh_findings()?;
    say!("{}", refresh_line(&outcome));
    Ok(())
}

/// `medsec import sbom FILE --device ID [--dry-run]`.
pub(super) fn import_sbom(
    wb: &mut Workbook,
    file: &Path,
    device: &str,
    dry_run: bool,
) -> Result<(), CliError> {
    let d = wb.find_device(device)?;
    let read = sbom::read_file(file).map_err(|e| {
        CliError::input(format!(
            "{}; nothing was imported",
            printable(&e.to_string())
        ))
    })?;
    let s = &read.sbom;
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for c in &s.components {
        let k = if c.kind.is_empty() {
            "unspecified".to_string()
        } else {
            c.kind.clone()
        };
        match kinds.iter_mut().find(|(n, _)| *n == k) {
            Some(slot) => slot.1 += 1,
            None => kinds.push((k, 1)),
        }
    }
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    say!(
        "{}: {} {} SBOM of {}{} for {}: {} components ({})",
        printable(&read.file_name),
        s.format,
        s.spec_version,
        printable(if s.subject.is_empty() {
            "(no subject)"
        } else {
            &s.subject
        }),
        if s.subject_version.is_empty() {
            String::new()
        } else {
            format!(" {}", printable(&s.subject_version))
        },
        d.short_id(),
        s.components.len(),
        kinds.join(", ")
    );
    for n in &read.notes {
        say!("note: {}", shown(n));
    }
    if dry_run {
        if let Some(old) = wb.sbom(d.id)? {
            say!(
                "would replace the SBOM imported {} from {} ({} components)",
                old.imported_at.get(..10).unwrap_or(&old.imported_at),
                printable(&old.file_name),
                old.sbom.components.len()
            );
        }
        say!("dry run: nothing was changed");
        return Ok(());
    }
    let done = wb.import_sbom(d.id, &read)?;
    if let Some(old) = &done.replaced {
        say!(
            "replaced the SBOM imported {} from {} ({} components); Ctrl-z in the TUI (`medsec open`) brings it back",
            old.imported_at.get(..10).unwrap_or(&old.imported_at),
            printable(&old.file_name),
            old.sbom.components.len()
        );
    }
    say!("stored for {}", d.short_id());
    let outcome = wb.refresh_findings()?;
    say!("{}", refresh_line(&outcome));
    Ok(())
}

/// `medsec feed list [--json]`.
pub(super) fn list(wb: &Workbook, as_json: bool) -> Result<(), CliError> {
    let feeds = wb.feeds()?;
    let today = today();
    if as_json {
        let rows: Vec<Value> = feeds
            .iter()
            .map(|f| {
                json!({
                    "kind": f.info.kind.label(),
                    "name": f.info.name,
                    "feed_date": f.info.feed_date.to_string(),
                    "age_days": (today - f.info.feed_date).num_days(),
                    "stale": f.info.is_stale(today),
                    "version": f.info.version,
                    "title": f.info.title,
                    "items": f.item_count,
                    "file_name": f.file_name,
                    "sha256": f.sha256,
                    "imported_at": f.imported_at,
                })
            })
            .collect();
        let out = json!({
            "today": today.to_string(),
            "stale_after_days": STALE_AFTER_DAYS,
            "feeds": rows,
        });
        say!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| CliError::general(e.to_string()))?
        );
        return Ok(());
    }
    if feeds.is_empty() {
        say!("no feeds yet: medsec import feed FILE_OR_FOLDER (CISA KEV, CSAF, NVD, CVE 5, VEX)");
        return Ok(());
    }
    let name_width = feeds
        .iter()
        .map(|f| f.info.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 40);
    say!(
        "{:<4}  {:<name_width$}  {:<10}  {:>5}  {:<5}  {:>6}  FILE",
        "KIND",
        "NAME",
        "DATE",
        "AGE",
        "STALE",
        "ITEMS"
    );
    for f in &feeds {
        let age = (today - f.info.feed_date).num_days();
        say!(
            "{:<4}  {:<name_width$}  {:<10}  {:>5}  {:<5}  {:>6}  {}",
            f.info.kind.label(),
            printable(&f.info.name),
            f.info.feed_date.to_string(),
            age,
            if f.info.is_stale(today) { "stale" } else { "" },
            f.item_count,
            printable(&f.file_name)
        );
    }
    let infos: Vec<&FeedInfo> = feeds.iter().map(|f| &f.info).collect();
    for w in stale_warnings(&infos, today) {
        say!("warning: {}", shown(&w));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn info(kind: FeedKind, name: &str, date: &str) -> FeedInfo {
        FeedInfo {
            kind,
            name: name.into(),
            feed_date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            version: String::new(),
            title: String::new(),
        }
    }

    #[test]
    fn stale_warnings_name_the_kev_and_the_newest_advisory() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let kev = info(FeedKind::Kev, "KEV", "2025-08-25");
        let a = info(FeedKind::Csaf, "ICSMA-18-058-02", "2018-02-27");
        let b = info(FeedKind::Csaf, "ICSMA-23-194-01", "2023-07-13");
        let older_kev = info(FeedKind::Kev, "KEV", "2025-01-24");
        let w = stale_warnings(&[&older_kev, &kev, &a, &b], today);
        assert_eq!(
            w[0],
            "KEV of 2025-08-25 is 461 days old; matches may be missing"
        );
        assert!(w[1].contains("ICSMA-23-194-01 of 2023-07-13"), "{}", w[1]);
        assert_eq!(w.len(), 2);
        let fresh = info(FeedKind::Kev, "KEV", "2026-11-20");
        assert!(stale_warnings(&[&fresh], today).is_empty());
    }
}
