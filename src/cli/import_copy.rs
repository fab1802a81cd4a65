//! `medsec import workbook|json`: read a filled copy of an export, plan it against the workbook
//! (`import::plan_changeset`), report per sheet, then apply it in one transaction and one undo
//! step — or not at all.

use std::path::Path;

use super::args::{CopyOptions, ImportOptions};
use super::error::CliError;
use super::import::{shown, with_path, write_report};
use super::output::{say, say_raw};
use super::progress::Bar;
use crate::import::changeset::Changeset;
use crate::import::plan_changeset::{LineKind, PlanError, PlanLine, PlanOptions, plan_changeset};
use crate::import::sheet::Limits;
use crate::workbook::{Workbook, WorkbookError};

/// `import workbook FILE`: a filled copy of `export xlsx` / `export template`.
pub(super) fn workbook(
    wb: &mut Workbook,
    file: &Path,
    copy: &CopyOptions,
    options: &ImportOptions,
) -> Result<(), CliError> {
    let mut bar = Bar::for_file(file);
    let read = crate::import::workbook::read(file, &Limits::default(), &mut bar);
    bar.clear();
    let cs = read.map_err(|e| CliError::input(with_path(file, &e)))?;
    import(wb, file, "import workbook", &cs, copy, options)
}

/// `import json FILE`: an `export json` file.
pub(super) fn json(
    wb: &mut Workbook,
    file: &Path,
    copy: &CopyOptions,
    options: &ImportOptions,
) -> Result<(), CliError> {
    let mut bar = Bar::for_file(file);
    let read = crate::import::json::read(file, &mut bar);
    bar.clear();
    let cs = read.map_err(|e| CliError::input(with_path(file, &e)))?;
    import(wb, file, "import json", &cs, copy, options)
}

/// A report line for the terminal, without its kind: `'3 Encryption'!H12 DEV-0003 ENC-03 …`.
fn line_text(l: &PlanLine) -> String {
    let mut text = l.origin.to_string();
    for part in [&l.subject, &l.detail] {
        if !part.is_empty() {
            text.push(' ');
            text.push_str(part);
        }
    }
    shown(&text)
}

/// Plans, prints and (unless a dry run, or rows are rejected without `--skip-invalid`)
/// applies; `what` names the command in the undo label (`import workbook <file name>`).
fn import(
    wb: &mut Workbook,
    file: &Path,
    what: &str,
    cs: &Changeset,
    copy: &CopyOptions,
    options: &ImportOptions,
) -> Result<(), CliError> {
    let opts = PlanOptions {
        accept_foreign: copy.accept_foreign,
        with_matrix: copy.with_matrix,
        today: chrono::Local::now().date_naive(),
    };
    let plan = plan_changeset(wb, cs, &opts).map_err(|e| match e {
        PlanError::Workbook(e) => CliError::from(e),
        refused => CliError::input(format!("{}: {refused}", file.display())),
    })?;
    let totals = plan.report.totals();
    // Cells may hold control characters: shown escaped, line by line.
    let report = shown(&plan.report.render());
    if let Some(path) = &options.report {
        write_report(file, path, &format!("{report}{totals}\n"))?;
    }
    if options.dry_run {
        say_raw!("{report}");
        say!("dry run: {totals}; nothing was changed");
        if totals.rejected > 0 && !options.skip_invalid {
            return Err(CliError::input(format!(
                "{}: {} rejected; a real run would apply nothing (fix them, or use --skip-invalid)",
                file.display(),
                totals.rejected
            )));
        }
        return Ok(());
    }
    let rejected: Vec<&PlanLine> = plan.report.lines_of(LineKind::Rejected).collect();
    if !rejected.is_empty() && !options.skip_invalid {
        for l in &rejected {
            eprintln!("rejected {}", line_text(l));
        }
        return Err(CliError::input(format!(
            "{}: {} rejected, nothing was imported (fix them, or use --skip-invalid; --dry-run shows everything)",
            file.display(),
            totals.rejected
        )));
    }
    for l in &rejected {
        say!("skipped {}", line_text(l));
    }
    for w in &plan.report.warnings {
        say!("warning: {}", shown(w));
    }
    if plan.batch.is_empty() {
        say!("{}: nothing to change ({totals})", file.display());
        return Ok(());
    }
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let label = format!("{what} {name}");
    let outcome = wb.apply_import(&plan.batch, &label).map_err(|e| match e {
        WorkbookError::Invalid(m) => {
            CliError::input(format!("{}: {m}; nothing was imported", file.display()))
        }
        other => CliError::from(other),
    })?;
    let added: Vec<i64> = plan
        .batch
        .devices
        .iter()
        .zip(&outcome.device_ids)
        .filter(|((existing, _), _)| existing.is_none())
        .map(|(_, id)| *id)
        .collect();
    if let (Some(first), Some(last)) = (added.first(), added.last()) {
        let first = wb.device(*first)?.short_id();
        let last = wb.device(*last)?.short_id();
        if first == last {
            say!("new device: {first}");
        } else {
            say!("new devices: {first} … {last}");
        }
    }
    say!("{}: {totals}", file.display());
    let batch = &plan.batch;
    let rows_changed =
        !(batch.devices.is_empty() && batch.answers.is_empty() && batch.risks.is_empty());
    if rows_changed {
        if wb.next_undo()?.is_some_and(|step| step.label == label) {
            say!(
                "one undo step (\"{}\"): Ctrl-z in the TUI takes the whole import back",
                shown(&label)
            );
        } else {
            say!(
                "the import changed more than {} rows, too many to undo: the undo history was cleared",
                crate::workbook::UNDO_STEP_ROWS
            );
        }
    }
    if plan.batch.grid.is_some() {
        say!(
            "the risk level grid changed (--with-matrix); Ctrl-z does not take grid edits back: `medsec risk grid --set` or `--reset` does"
        );
    }
    if !plan.batch.devices.is_empty() {
        super::finding::refresh_after_import(wb)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The glue between the planner and the terminal, on changesets built as a reader builds
    //! them (the binary-level tests cover unreadable files; these need a readable one).
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::assessment::{Response, Target};
    use crate::cli::exit;
    use crate::import::plan_changeset::testkit::{add, control_row, exported, set, workbook};
    use crate::workbook::AnswerInput;

    fn flags(
        dry_run: bool,
        skip_invalid: bool,
        report: Option<std::path::PathBuf>,
    ) -> ImportOptions {
        ImportOptions {
            dry_run,
            skip_invalid,
            report,
        }
    }

    const COPY: CopyOptions = CopyOptions {
        accept_foreign: false,
        with_matrix: false,
    };

    #[test]
    fn rejections_stop_a_real_run_skip_invalid_applies_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path(), "w.medsec");
        let id = add(&mut wb, &[("name", "Pump")]);
        let c = wb.catalog().control("ENC-01").unwrap();
        wb.set_answer(
            &Target::Device(id),
            c,
            &AnswerInput {
                response: Some(Some(Response::No)),
                ..AnswerInput::default()
            },
        )
        .unwrap();
        let today = chrono::Local::now().date_naive();
        let mut cs = exported(&wb, today);
        let (sheet, r1) = control_row(&cs, "DEV-0001", "ENC-01");
        let (_, r3) = control_row(&cs, "DEV-0001", "ENC-03");
        set(&mut cs, &sheet, r1, "H", "Maybe");
        set(&mut cs, &sheet, r3, "H", "Yes");
        let file = dir.path().join("copy.xlsx");
        let before = wb.answer_rows().unwrap();
        let bytes = std::fs::read(wb.path()).unwrap();

        let dry = import(
            &mut wb,
            &file,
            "import workbook",
            &cs,
            &COPY,
            &flags(true, false, None),
        );
        let err = dry.unwrap_err();
        assert_eq!(err.code, exit::INVALID_INPUT);
        assert!(
            err.message
                .contains("1 rejected; a real run would apply nothing"),
            "{err}"
        );
        let real = import(
            &mut wb,
            &file,
            "import workbook",
            &cs,
            &COPY,
            &flags(false, false, None),
        );
        assert_eq!(real.unwrap_err().code, exit::INVALID_INPUT);
        assert_eq!(wb.answer_rows().unwrap(), before, "all or nothing");
        assert!(
            std::fs::read(wb.path()).unwrap() == bytes,
            "the workbook file is untouched"
        );

        let report = dir.path().join("changes.txt");
        import(
            &mut wb,
            &file,
            "import workbook",
            &cs,
            &COPY,
            &flags(false, true, Some(report.clone())),
        )
        .unwrap();
        let a = wb.answer(&Target::Device(id), "ENC-03").unwrap().unwrap();
        assert_eq!(a.response, Some(Response::Yes));
        let a = wb.answer(&Target::Device(id), "ENC-01").unwrap().unwrap();
        assert_eq!(
            a.response,
            Some(Response::No),
            "the rejected row is skipped"
        );
        assert_eq!(
            wb.next_undo().unwrap().unwrap().label,
            "import workbook copy.xlsx"
        );
        let text = std::fs::read_to_string(&report).unwrap();
        assert!(text.starts_with("# medsec import report of "), "{text}");
        assert!(
            text.contains(&format!(
                "rejected '3 Encryption'!H{r1} DEV-0001 ENC-01 \"Maybe\" is not a response"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "added    '3 Encryption' row {r3} DEV-0001 ENC-03 Response Yes"
            )),
            "{text}"
        );
    }

    #[test]
    fn a_foreign_copy_is_exit_4_naming_both_ids_and_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path(), "w.medsec");
        add(&mut wb, &[("name", "Pump"), ("asset_tag", "A-1")]);
        let mut cs = exported(&wb, chrono::Local::now().date_naive());
        cs.source.workbook_id = Some("0000-other".into());
        let file = dir.path().join("theirs.xlsx");
        let err = import(
            &mut wb,
            &file,
            "import workbook",
            &cs,
            &COPY,
            &flags(true, false, None),
        )
        .unwrap_err();
        assert_eq!(err.code, exit::INVALID_INPUT);
        for part in [
            "theirs.xlsx",
            "0000-other",
            wb.meta().workbook_id.as_str(),
            "--accept-foreign",
        ] {
            assert!(err.message.contains(part), "{part}: {err}");
        }
        let accept = CopyOptions {
            accept_foreign: true,
            with_matrix: false,
        };
        import(
            &mut wb,
            &file,
            "import workbook",
            &cs,
            &accept,
            &flags(true, false, None),
        )
        .unwrap();
    }
}
