//! `medsec verify`, `medsec rekey` and `medsec backup`: the workbook's integrity, its passphrase
//! and its encrypted copies (see `workbook::verify` and `workbook::copy`).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::error::{CliError, exit};
use super::output::say;
use crate::workbook::{
    Access, EXPECTED_HASH_CHECK, PassphraseSources, Workbook, WorkbookError, check_backup_target,
    parse_expected, verify_pages,
};

/// How many problems the final error line names (all are listed above it).
const PROBLEMS_IN_MESSAGE: usize = 3;

/// Environment variable naming a file that holds the new passphrase of `rekey`.
pub const ENV_NEW_PASSPHRASE_FILE: &str = "MEDSEC_NEW_PASSPHRASE_FILE";

/// `medsec verify [--expect HASH] [--json]`: runs every check, prints one line per check (or
/// JSON following `assets/schema/verify.v1.json`), exit 0 when sound, 7 naming every problem.
///
/// A file that no longer opens because a page read on opening is damaged is exit 7 too; one
/// whose first page is damaged cannot be told from a wrong passphrase (both fail the first
/// page's HMAC), so that is exit 3 with both causes named.
pub(super) fn verify(
    path: &Path,
    is_default: bool,
    passphrase_file: &Option<PathBuf>,
    expect: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let expect = match expect {
        Some(text) => Some(parse_expected(text).ok_or_else(|| {
            CliError::usage(format!(
                "--expect {text}: not an audit hash (64 hexadecimal digits, optionally followed by \"(N entries)\", as on an export's Cover)"
            ))
        })?),
        None => None,
    };
    // As it is: an older workbook (or a `.pre-vN-....bak`) is checked without upgrading it.
    let wb = match super::open_path_keyed_by(
        path,
        is_default,
        passphrase_file,
        &Workbook::open_as_is,
    ) {
        Ok((wb, _)) => wb,
        Err(e) if e.code == exit::WRONG_PASSPHRASE => {
            return Err(CliError {
                code: e.code,
                message: format!(
                    "{}: wrong passphrase, or not a medsec workbook, or its first page is damaged (if the passphrase is right, restore a backup)",
                    path.display()
                ),
            });
        }
        Err(e) if e.code == exit::ERROR && path.is_file() => {
            // It opened with the passphrase but a page read on opening did not: check the pages
            // alone to name the damaged ones.
            let pass = PassphraseSources::workbook(passphrase_file.clone(), path).get()?;
            return match verify_pages(path, &pass) {
                Ok(pages) if !pages.problems.is_empty() => Err(CliError {
                    code: exit::DAMAGED,
                    message: format!(
                        "{}: the workbook is damaged and does not open ({}: {}); keep it as it is and restore a backup",
                        path.display(),
                        pages.name,
                        pages.problems.join("; ")
                    ),
                }),
                _ => Err(e),
            };
        }
        Err(e) => return Err(e),
    };
    let result = wb.verify(expect.as_ref()).map_err(damaged)?;
    if json {
        let checks: Vec<_> = result
            .checks
            .iter()
            .map(|c| json!({"name": c.name, "covered": c.covered, "problems": c.problems}))
            .collect();
        let doc = json!({
            "schema": "verify.v1",
            "workbook": wb.path().display().to_string(),
            "sound": result.is_sound(),
            "audit_head": {"hash": result.head.hash, "length": result.head.length},
            "checks": checks,
        });
        say!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        say!("verify {}", wb.path().display());
        for c in &result.checks {
            let state = if c.problems.is_empty() {
                "ok"
            } else {
                "FAILED"
            };
            say!("  {:<22} {state:<6} {}", c.name, one_line(&c.covered));
            for p in &c.problems {
                say!("    - {}", one_line(p));
            }
        }
    }
    if result.is_sound() {
        if !json {
            if result.schema_version < crate::workbook::schema::SCHEMA_VERSION {
                say!(
                    "sound: schema {}, written by an older medsec (no audit trail; it starts when a command that writes upgrades the workbook)",
                    result.schema_version
                );
            } else {
                say!(
                    "sound: audit head {} ({} entries)",
                    result.head.hash,
                    result.head.length
                );
            }
        }
        Ok(())
    } else {
        let only_expected = result
            .checks
            .iter()
            .all(|c| c.problems.is_empty() || c.name == EXPECTED_HASH_CHECK);
        if only_expected {
            // The workbook itself is sound: the hash may well be another workbook's.
            let problems: Vec<String> = result
                .checks
                .iter()
                .flat_map(|c| c.problems.iter().map(|p| one_line(p)))
                .collect();
            return Err(CliError {
                code: exit::DAMAGED,
                message: format!(
                    "{}: every check passed but the expected hash: {}",
                    wb.path().display(),
                    problems.join("; ")
                ),
            });
        }
        let problems = result.problems();
        let shown: Vec<String> = problems
            .iter()
            .take(PROBLEMS_IN_MESSAGE)
            .map(|p| one_line(p))
            .collect();
        let more = problems.len().saturating_sub(PROBLEMS_IN_MESSAGE);
        Err(CliError {
            code: exit::DAMAGED,
            message: format!(
                "{}: damage found: {}{}; keep the file as it is and restore a backup",
                wb.path().display(),
                shown.join("; "),
                if more > 0 {
                    format!("; and {more} more problems (listed above)")
                } else {
                    String::new()
                }
            ),
        })
    }
}

/// `text` on one line, its control characters shown escaped: a summary or file name read from a
/// damaged or altered workbook must not move the cursor or send escape sequences to the terminal.
fn one_line(text: &str) -> String {
    crate::device::fields::printable(text)
}

/// An error reading a workbook that did open: damage (exit 7).
fn damaged(e: WorkbookError) -> CliError {
    CliError {
        code: exit::DAMAGED,
        message: format!("{e}; the workbook is damaged: keep it as it is and restore a backup"),
    }
}

/// `medsec rekey`: the old passphrase opens the workbook (exclusive lock), the new one comes
/// from `--new-passphrase-file`, `MEDSEC_NEW_PASSPHRASE_FILE` or the terminal (twice).
pub(super) fn rekey(
    path: &Path,
    is_default: bool,
    passphrase_file: &Option<PathBuf>,
    new_passphrase_file: Option<PathBuf>,
) -> Result<(), CliError> {
    let (mut wb, old) = super::open_path_keyed(path, is_default, passphrase_file, Access::Write)?;
    let sources = PassphraseSources {
        file: new_passphrase_file,
        env_file: Some(ENV_NEW_PASSPHRASE_FILE),
        env_value: None,
        prompt: format!("New passphrase for {}: ", path.display()),
    };
    let new = sources.get_new()?;
    if new.expose() == old.expose() {
        return Err(CliError::usage(
            "the new passphrase is the same as the old one; nothing was changed",
        ));
    }
    drop(old);
    let report = wb.rekey(&new)?;
    say!(
        "passphrase changed: {} rewritten under the new passphrase ({} bytes, {} rows, audit head {} ({} entries)); copies and backups made earlier keep the old one",
        report.path.display(),
        report.bytes,
        report.rows,
        report.head.hash,
        report.head.length
    );
    Ok(())
}

/// `medsec backup OUT`: an encrypted copy under the same passphrase; never replaces a file.
pub(super) fn backup(
    path: &Path,
    is_default: bool,
    passphrase_file: &Option<PathBuf>,
    out: &Path,
) -> Result<(), CliError> {
    // Before the passphrase is asked for: a folder, an existing file or a missing folder.
    check_backup_target(out)?;
    // As it is: the copy of an older workbook keeps its schema (nothing is upgraded).
    let (wb, pass) =
        super::open_path_keyed_by(path, is_default, passphrase_file, &Workbook::open_as_is)?;
    let report = wb.backup(out, &pass)?;
    say!(
        "backed up {} to {} (encrypted with the same passphrase, owner-only; {} bytes, {} rows, audit head {} ({} entries), checked)",
        wb.path().display(),
        report.path.display(),
        report.bytes,
        report.rows,
        report.head.hash,
        report.head.length
    );
    Ok(())
}
