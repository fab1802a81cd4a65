//! `medsec import workbook` and `medsec import json` through the real binary: flags, exit codes
//! and the one-line errors of files that cannot be read (the planner itself is tested in
//! `import::plan_changeset`).

use predicates::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::Env;

/// Runs `medsec -w … import <kind> <file> <flags…>` and checks exit 4 with exactly one line on
/// stderr that names the file; returns that line.
fn refused(
    env: &Env,
    kind: &str,
    file: &std::path::Path,
    flags: &[&str],
) -> Result<String, Box<dyn std::error::Error>> {
    let out = env
        .wb()
        .args(["import", kind])
        .arg(file)
        .args(flags)
        .output()?;
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let stderr = String::from_utf8(out.stderr)?;
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("medsec: "), "{stderr}");
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(lines[0].contains(name), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(lines[0].to_string())
}

#[test]
fn a_file_that_is_not_a_spreadsheet_is_one_clear_line_and_exit_4() -> TestResult {
    let env = Env::new()?;
    let text = env.path("notes-renamed.xlsx");
    std::fs::write(&text, "these are meeting notes, not a spreadsheet\n")?;
    refused(&env, "workbook", &text, &[])?;
    refused(&env, "workbook", &text, &["--dry-run"])?;
    let empty = env.path("empty.xls");
    std::fs::write(&empty, b"")?;
    refused(&env, "workbook", &empty, &["--dry-run"])?;
    let json = env.path("not.json");
    std::fs::write(&json, "{ this is not json")?;
    refused(&env, "json", &json, &[])?;
    // Nothing was changed, and no report was written for a file that could not be read.
    env.wb()
        .args(["device", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DEV-").not());
    Ok(())
}

#[test]
fn every_flag_is_accepted_and_a_missing_file_is_exit_4() -> TestResult {
    let env = Env::new()?;
    let missing = env.path("no-such-copy.xlsx");
    let report = env.path("changes.txt");
    for kind in ["workbook", "json"] {
        let line = refused(
            &env,
            kind,
            &missing,
            &[
                "--dry-run",
                "--accept-foreign",
                "--with-matrix",
                "--skip-invalid",
                "--report",
                report.to_str().unwrap_or_default(),
            ],
        )?;
        assert!(!line.contains("usage"), "{line}");
    }
    assert!(!report.exists(), "no report for a file that was not read");
    Ok(())
}

#[test]
fn usage_errors_are_exit_2() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["import", "workbook"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<FILE>"));
    env.wb()
        .args(["import", "workbook", "copy.xlsx", "--accept-foreign=yes"])
        .assert()
        .code(2);
    env.wb()
        .args(["import", "json", "a.json", "--sheet", "x"])
        .assert()
        .code(2);
    Ok(())
}

#[test]
fn help_and_manual_page_explain_the_commands() -> TestResult {
    let env = Env::new()?;
    env.cmd()
        .args(["import", "workbook", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "medsec import workbook assessment-filled.xls --dry-run",
        ))
        .stdout(predicate::str::contains("--accept-foreign"))
        .stdout(predicate::str::contains("--with-matrix"))
        .stdout(predicate::str::contains("blank cell clears the value"));
    env.cmd()
        .args(["import", "json", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "medsec import json assessment.json --dry-run",
        ));
    env.cmd()
        .arg("manpage")
        .assert()
        .success()
        .stdout(predicate::str::contains(".SS \"medsec import workbook\""))
        .stdout(predicate::str::contains(".SS \"medsec import json\""));
    Ok(())
}
