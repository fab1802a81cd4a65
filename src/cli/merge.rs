//! `medsec merge OTHER`: plan the merge of another copy of the workbook, report it, resolve its
//! conflicts (`--prefer`, or the conflict view at a terminal) and apply it in one transaction —
//! or, without a resolution, change nothing and exit 8.

use std::io::IsTerminal;
use std::path::Path;

use serde_json::{Value, json};

use super::args::{MergeArgs, PreferSide};
use super::error::{CliError, exit};
use super::import::shown;
use super::output::say;
use crate::workbook::{
    Access, FieldDiff, MergeOutcome, MergePlan, PassphraseSources, Side, SideValue, Workbook,
    WorkbookError, value_text,
};

/// Environment variable naming a file that holds the other workbook's passphrase.
pub const ENV_OTHER_PASSPHRASE_FILE: &str = "MEDSEC_OTHER_PASSPHRASE_FILE";

/// Conflicts listed on stderr when none is resolved; the rest are counted.
const CONFLICTS_LISTED: usize = 20;

/// A value as one short line, at most 60 characters.
fn shown_value(v: &Value) -> String {
    value_text(v, 60)
}

/// `VALUE (by WHO, AT)` for one side.
fn side_text(s: &SideValue) -> String {
    let who = s.who_when();
    if who.is_empty() {
        s.text(60)
    } else {
        format!("{} ({who})", s.text(60))
    }
}

/// `DEV-0003 ENC-01 response` for a field.
pub(crate) fn field_name(d: &FieldDiff) -> String {
    format!("{} {}", shown(&d.subject), d.field)
}

/// One conflict as a line: `DEV-0003 ENC-01 response: ours No (by A, T) | theirs Yes (by B, T)`.
fn conflict_line(d: &FieldDiff) -> String {
    format!(
        "{}: ours {} | theirs {}",
        field_name(d),
        side_text(&d.ours),
        side_text(&d.theirs)
    )
}

/// Opens the other workbook read-only with its own passphrase.
fn open_other(path: &Path, file: &Option<std::path::PathBuf>) -> Result<Workbook, CliError> {
    let sources = PassphraseSources {
        file: file.clone(),
        env_file: Some(ENV_OTHER_PASSPHRASE_FILE),
        env_value: None,
        prompt: format!("Passphrase for the other workbook {}: ", path.display()),
    };
    let pass = sources.get()?;
    Workbook::open(path, &pass, Access::Read).map_err(|e| match e {
        WorkbookError::Invalid(m) if m.contains("needs upgrading") => CliError::input(format!(
            "{m}; it cannot be upgraded read-only (or merge a copy of it after upgrading the copy)"
        )),
        WorkbookError::NotFound(p) => {
            CliError::general(format!("{}: no such workbook to merge", p.display()))
        }
        e => CliError::from(e),
    })
}

/// `merge OTHER [--prefer ours|theirs] [--dry-run] [--json]`.
pub(super) fn run(wb: &mut Workbook, args: &MergeArgs) -> Result<(), CliError> {
    if let (Ok(a), Ok(b)) = (
        std::fs::canonicalize(wb.path()),
        std::fs::canonicalize(&args.other),
    ) && a == b
    {
        return Err(CliError::usage(format!(
            "{} is the open workbook itself; merge another copy",
            args.other.display()
        )));
    }
    let other = open_other(&args.other, &args.other_passphrase_file)?;
    let plan = wb.plan_merge(&other)?;
    if !plan.related && !args.accept_foreign && !args.dry_run {
        return Err(CliError::usage(foreign_message(&args.other)));
    }
    let conflicts = plan.conflicts.len();
    let preferred = args.prefer.map(|p| match p {
        PreferSide::Ours => Side::Ours,
        PreferSide::Theirs => Side::Theirs,
    });
    let choices: Option<Vec<Side>> = preferred.map(|s| vec![s; conflicts]);
    let wb_path = wb.path().to_path_buf();
    let wb_path = wb_path.as_path();
    let print_json = |outcome: Option<&MergeOutcome>| -> Result<(), CliError> {
        let value = plan_json(wb_path, &plan, args, choices.as_deref(), outcome);
        let text =
            serde_json::to_string_pretty(&value).map_err(|e| CliError::general(e.to_string()))?;
        say!("{text}");
        Ok(())
    };
    if args.json {
        if args.dry_run || plan.is_empty() || (conflicts > 0 && choices.is_none()) {
            print_json(None)?;
        }
    } else {
        report(wb_path, &plan, args.dry_run, choices.as_deref())?;
    }
    if args.dry_run {
        if !plan.related && !args.accept_foreign && !args.json {
            say!("note: {}", foreign_message(&args.other));
        }
        if conflicts > 0 && choices.is_none() {
            return Err(unresolved(&plan, true));
        }
        if !args.json {
            say!("dry run: nothing was changed");
        }
        return Ok(());
    }
    if plan.is_empty() {
        if !args.json {
            say!(
                "nothing to merge: {} brings no change",
                args.other.display()
            );
        }
        return Ok(());
    }
    // Chosen one by one in the conflict view (the report above could not say the sides yet).
    let mut interactive = false;
    let chosen = match &choices {
        Some(c) => c.clone(),
        None if conflicts == 0 => Vec::new(),
        None if !args.json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() => {
            let name = args
                .other
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| args.other.display().to_string());
            match crate::tui::merge_view::choose(&name, &plan.conflicts)
                .map_err(|e| CliError::general(e.to_string()))?
            {
                Some(c) => {
                    interactive = true;
                    c
                }
                None => {
                    return Err(CliError {
                        code: exit::MERGE_CONFLICTS,
                        message: format!(
                            "merge cancelled: {conflicts} conflict(s) left unresolved; nothing was changed"
                        ),
                    });
                }
            }
        }
        None => return Err(unresolved(&plan, false)),
    };
    let out = wb.merge(&other, &plan, &chosen)?;
    if args.json {
        return print_json(Some(&out));
    }
    if interactive {
        for (d, side) in plan.conflicts.iter().zip(&chosen) {
            say!("  conflict {}{}", conflict_line(d), side_arrow(*side));
        }
    }
    let resolved = if conflicts > 0 {
        format!(
            "; conflicts: {} kept ours, {} took theirs",
            out.kept_ours, out.took_theirs
        )
    } else {
        String::new()
    };
    say!(
        "merged {} into {}: {} change(s), {} audit entr{} brought in{resolved}; audit head {} {}",
        args.other.display(),
        wb_path.display(),
        out.changes,
        out.entries,
        if out.entries == 1 { "y" } else { "ies" },
        out.head.length,
        out.head.hash
    );
    Ok(())
}

/// ` -> ours` / ` -> theirs`: the side a conflict was resolved for, as the report says it.
fn side_arrow(side: Side) -> &'static str {
    match side {
        Side::Ours => " -> ours",
        Side::Theirs => " -> theirs",
    }
}

/// Why a workbook with another workbook ID is refused without `--accept-foreign`.
fn foreign_message(other: &Path) -> String {
    format!(
        "{} has another workbook ID: it is not a copy of this workbook, so there is no common \
         history and every differing field would be a conflict. Merge it with --accept-foreign \
         (devices are then matched by serial number, asset tag, MAC or IP); nothing was changed",
        other.display()
    )
}

/// Exit 8: the conflicts on stderr (the first [`CONFLICTS_LISTED`], then a count) and a hint.
fn unresolved(plan: &MergePlan, dry_run: bool) -> CliError {
    let n = plan.conflicts.len();
    for d in plan.conflicts.iter().take(CONFLICTS_LISTED) {
        eprintln!("conflict: {}", conflict_line(d));
    }
    if n > CONFLICTS_LISTED {
        eprintln!("... and {} more conflict(s)", n - CONFLICTS_LISTED);
    }
    let what = if dry_run {
        "dry run: nothing was changed"
    } else {
        "nothing was changed"
    };
    CliError {
        code: exit::MERGE_CONFLICTS,
        message: format!(
            "{n} merge conflict(s) left unresolved; {what}. Choose with --prefer ours|theirs, or run at a terminal to choose one by one"
        ),
    }
}

/// The report: one line per category with counts, then the details.
fn report(
    wb: &Path,
    plan: &MergePlan,
    dry_run: bool,
    choices: Option<&[Side]>,
) -> Result<(), CliError> {
    let verb = if dry_run { "would merge" } else { "merging" };
    say!("{verb} {} into {}", plan.other.display(), wb.display());
    if plan.related {
        say!("base: copies of one workbook; common history from the audit trails");
    } else {
        say!(
            "base: none — different workbook IDs, no common history: every differing field is a conflict"
        );
    }
    say!("audit entries from theirs: {}", plan.entries);
    say!(
        "devices: {} matched by UUID, {} by serial number, asset tag, MAC or IP, {} added",
        plan.matched_by_uuid,
        plan.matched.len(),
        plan.added_devices.len()
    );
    say!("taken from theirs: {} field(s)", plan.taken.len());
    say!("kept ours: {} field(s)", plan.kept.len());
    say!("rows added from theirs: {}", plan.added.len());
    say!("rows removed (cleared in theirs): {}", plan.removed.len());
    say!("feeds taken (newer in theirs): {}", plan.feeds.len());
    match choices {
        Some(c) if !c.is_empty() => {
            let theirs = c.iter().filter(|s| **s == Side::Theirs).count();
            say!(
                "conflicts: {} (resolved: {} ours, {theirs} theirs)",
                c.len(),
                c.len() - theirs
            );
        }
        _ => say!("conflicts: {}", plan.conflicts.len()),
    }
    for m in &plan.matched {
        say!(
            "  match {} (theirs {}) by {}: {}",
            m.ours,
            m.theirs,
            m.by.label(),
            shown(&m.name)
        );
    }
    for d in &plan.added_devices {
        let renumbered = if d.ours == d.theirs {
            String::new()
        } else {
            format!(" (was {} in theirs: its DEV number changes)", d.theirs)
        };
        say!("  add device {}{renumbered}: {}", d.ours, shown(&d.name));
    }
    for d in &plan.taken {
        say!(
            "  take {}: {} -> {}",
            field_name(d),
            shown_value(&d.ours.value),
            side_text(&d.theirs)
        );
    }
    for d in &plan.kept {
        say!(
            "  keep {}: {} (theirs {})",
            field_name(d),
            side_text(&d.ours),
            shown_value(&d.theirs.value)
        );
    }
    for r in &plan.added {
        let what = r.subject.strip_suffix(" risk entry").unwrap_or(&r.subject);
        match (&r.risk_id, &r.theirs_risk_id) {
            (Some(id), Some(was)) => say!(
                "  add risk entry {id} (was {was} in theirs): {}",
                shown(what)
            ),
            (Some(id), None) => say!("  add risk entry {id}: {}", shown(what)),
            _ => say!("  add {} {}", r.entity, shown(&r.subject)),
        }
    }
    for r in &plan.removed {
        say!("  remove {} {}", r.entity, shown(&r.subject));
    }
    for f in &plan.feeds {
        say!(
            "  feed {} {}: {} -> {}",
            f.kind,
            shown(&f.name),
            f.ours_date.as_deref().unwrap_or("(none)"),
            f.theirs_date
        );
    }
    for (i, d) in plan.conflicts.iter().enumerate() {
        let chosen = choices
            .and_then(|c| c.get(i))
            .map_or("", |s| side_arrow(*s));
        say!("  conflict {}{chosen}", conflict_line(d));
    }
    Ok(())
}

/// The plan as JSON (assets/schema/merge.v1.json).
fn plan_json(
    wb: &Path,
    plan: &MergePlan,
    args: &MergeArgs,
    choices: Option<&[Side]>,
    outcome: Option<&MergeOutcome>,
) -> Value {
    let conflicts: Vec<Value> = plan
        .conflicts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
            if let Value::Object(o) = &mut v {
                o.insert(
                    "resolved".into(),
                    choices
                        .and_then(|c| c.get(i))
                        .and_then(|s| serde_json::to_value(s).ok())
                        .unwrap_or(Value::Null),
                );
            }
            v
        })
        .collect();
    json!({
        "schema": "merge.v1",
        "workbook": wb.display().to_string(),
        "other": plan.other.display().to_string(),
        "dry_run": args.dry_run,
        "related": plan.related,
        "ours_head": {"length": plan.ours_head.length, "hash": plan.ours_head.hash},
        "theirs_head": {"length": plan.theirs_head.length, "hash": plan.theirs_head.hash},
        "entries": plan.entries,
        "devices_matched_by_uuid": plan.matched_by_uuid,
        "devices_matched": plan.matched,
        "devices_added": plan.added_devices,
        "taken": plan.taken,
        "kept": plan.kept,
        "added": plan.added,
        "removed": plan.removed,
        "feeds": plan.feeds,
        "conflicts": conflicts,
        "result": outcome.map(|o| json!({
            "changes": o.changes,
            "entries": o.entries,
            "kept_ours": o.kept_ours,
            "took_theirs": o.took_theirs,
            "head": {"length": o.head.length, "hash": o.head.hash},
        })),
    })
}
