//! `medsec import mds2 FILE (--device DEVICE | --model MANUFACTURER/MODEL) [--overwrite]
//! [--dry-run]`: read the MDS2, plan what it fills and suggests, report, then store it all as
//! one undo step (or nothing, for a dry run).

use std::fmt::Write as _;
use std::path::Path;

use super::error::CliError;
use super::import::{shown, with_path};
use super::output::{say, say_raw};
use crate::assessment::model_key;
use crate::device::Device;
use crate::mds2::plan::{Mds2Plan, Mds2Target, date_text, plan};
use crate::mds2::{Mds2File, Mds2Source, read_file};
use crate::workbook::Workbook;

/// What `import mds2` was asked to do.
pub(super) struct Mds2Args<'a> {
    pub file: &'a Path,
    pub device: Option<&'a str>,
    pub model: Option<&'a str>,
    pub overwrite: bool,
    pub dry_run: bool,
}

pub(super) fn import(wb: &mut Workbook, args: &Mds2Args<'_>) -> Result<(), CliError> {
    let (target, target_name, devices) = resolve(wb, args)?;
    let file = read_file(args.file).map_err(|e| CliError::input(with_path(args.file, &e)))?;
    let existing = |t: &crate::assessment::Target, c: &str| wb.answer(t, c).ok().flatten();
    let plan = plan(
        &file,
        &target,
        &target_name,
        &devices,
        &existing,
        args.overwrite,
    );
    let report = render(&file, &plan, args.file);
    say_raw!("{}", shown(&report));
    let fields: usize = plan.devices.iter().map(|d| d.fills.len()).sum();
    if args.dry_run {
        say!(
            "dry run: {fields} field(s) to fill, {} suggestion(s), {} earlier suggestion(s) to withdraw, {} answer(s) kept; nothing was changed",
            plan.suggestions.len(),
            plan.withdrawn.len(),
            plan.kept_answers.len()
        );
        return Ok(());
    }
    let outcome = wb.import_mds2(&file, &plan)?;
    let replaced = match (outcome.replaced, outcome.withdrawn) {
        (0, _) => String::new(),
        (_, 0) => format!(
            "; the earlier MDS2 of {} is marked replaced",
            plan.target_name
        ),
        (_, n) => format!(
            "; the earlier MDS2 of {} is marked replaced and {n} of its suggestion(s) withdrawn",
            plan.target_name
        ),
    };
    say!(
        "{}: stored for {}: {} field(s) filled, {} suggestion(s) marked \"MDS2 (unconfirmed)\"{replaced} (confirm each with `c` in the TUI or `medsec answer TARGET CONTROL --confirm`; undo in the TUI takes the whole import back)",
        args.file.display(),
        plan.target_name,
        outcome.fields,
        outcome.suggestions
    );
    Ok(())
}

/// The target, its name and the devices it covers.
fn resolve(
    wb: &Workbook,
    args: &Mds2Args<'_>,
) -> Result<(Mds2Target, String, Vec<Device>), CliError> {
    match (args.device, args.model) {
        (Some(reference), None) => {
            let d = wb.find_device(reference)?;
            Ok((Mds2Target::Device(d.id), d.short_id(), vec![d]))
        }
        (None, Some(text)) => {
            let Some((manufacturer, model)) = text
                .split_once('/')
                .map(|(m, n)| (m.trim(), n.trim()))
                .filter(|(m, n)| !m.is_empty() && !n.is_empty())
            else {
                return Err(CliError::usage(format!(
                    "--model {text:?}: write it as \"MANUFACTURER/MODEL\", e.g. --model \"Baxter/Sigma Spectrum\""
                )));
            };
            let key = model_key(manufacturer, model);
            let devices: Vec<Device> = wb
                .devices()?
                .into_iter()
                .filter(|d| model_key(d.get("manufacturer"), d.get("model")) == key)
                .collect();
            // The model as its devices spell it, so its answers join theirs.
            let Some(first) = devices.first() else {
                return Err(CliError::usage(format!(
                    "no device has manufacturer {manufacturer:?} and model {model:?} (see `medsec device list`); add the devices first, or import for one device with --device"
                )));
            };
            let (m, n) = (
                first.get("manufacturer").to_string(),
                first.get("model").to_string(),
            );
            let name = format!("model {m} {n}");
            Ok((
                Mds2Target::Model {
                    manufacturer: m,
                    model: n,
                },
                name,
                devices,
            ))
        }
        _ => Err(CliError::usage(
            "import mds2 needs --device DEVICE or --model \"MANUFACTURER/MODEL\" (one of them)",
        )),
    }
}

/// The report: what was read (form, counts per answer, DOC values, flags), then what is filled,
/// kept and suggested.
pub(crate) fn render(file: &Mds2File, plan: &Mds2Plan, path: &Path) -> String {
    let doc = &file.document;
    let mut out = String::new();
    let source = match &doc.source {
        Mds2Source::Sheet {
            format,
            sheet,
            columns,
            ..
        } => format!(
            "{format}, sheet {sheet:?}: IDs in column {}, answers in {}, notes in {}",
            columns[0],
            if columns[1].is_empty() {
                "?"
            } else {
                &columns[1]
            },
            if columns[2].is_empty() {
                "none"
            } else {
                &columns[2]
            }
        ),
        Mds2Source::Text => "text, one question per line".to_string(),
    };
    let _ = writeln!(
        out,
        "{}: MDS2 {}, {} questions ({source}); SHA-256 {}",
        path.display(),
        doc.form_version,
        doc.rows.len(),
        file.sha256
    );
    let counts: Vec<String> = doc
        .answer_counts()
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    let _ = writeln!(out, "answers: {}", counts.join(", "));
    for row in doc.rows.iter().filter(|r| r.section == "DOC") {
        let value = match &row.answer {
            crate::mds2::Mds2Answer::Other(t) => format!("{t:?}"),
            a => a.label().to_string(),
        };
        let _ = writeln!(out, "  {:<9} {value}", row.question_id);
    }
    let _ = writeln!(out, "release date (DOC-7): {}", date_text(doc.release_date));
    for w in doc.warnings.iter().chain(&plan.warnings) {
        let _ = writeln!(out, "warning: {w}");
    }
    for d in &plan.devices {
        for f in &d.fills {
            let replaces = if f.replaces.is_empty() {
                String::new()
            } else {
                format!(" (replaces {:?})", f.replaces)
            };
            let _ = writeln!(
                out,
                "fill {} {} = {:?} from {}{replaces}",
                d.short_id, f.key, f.value, f.from
            );
        }
        for (key, current, value) in &d.kept {
            let _ = writeln!(
                out,
                "keep {} {} = {current:?} (MDS2 says {value:?}; --overwrite replaces it)",
                d.short_id, key
            );
        }
    }
    for s in &plan.suggestions {
        let again = if s.replaces_suggestion {
            " (replaces an unconfirmed suggestion)"
        } else {
            ""
        };
        let note = if s.set_note {
            s.note.clone()
        } else {
            format!("{} (the assessor's note is kept)", s.note)
        };
        let _ = writeln!(
            out,
            "suggest {} {} {}{again}: {note}",
            s.target_name,
            s.control,
            s.response.label()
        );
    }
    for w in &plan.withdrawn {
        let _ = writeln!(
            out,
            "withdraw {} {}: the earlier MDS2's suggestion, not given by this one",
            w.target_name, w.control
        );
    }
    for (name, control, why) in &plan.kept_answers {
        let _ = writeln!(out, "keep {name} {control}: {why}");
    }
    let _ = writeln!(out, "suggestions are marked {:?}", plan.suggested_label);
    out
}
