//! `medsec log [--device DEVICE] [--control CONTROL] [--json]`: the audit trail, oldest first.
//!
//! Text: one line per entry (`#SEQ  AT  WHO  SUMMARY`), then its field changes indented
//! (`SUBJECT FIELD: OLD → NEW`), at most [`DETAIL_LINES`] per entry (the JSON has all of them).
//! With `--device` / `--control` only the entries touching that device / control are listed,
//! and only their matching changes are shown. Every value is made printable (no terminal control
//! sequences from imported data reach the terminal). JSON follows `assets/schema/log.v1.json`.

use serde_json::{Value, json};

use super::error::CliError;
use super::output::say;
use crate::device::fields::printable;
use crate::workbook::{AuditChange, AuditEntry, AuditFilter, Workbook};

/// Field changes shown per entry in the text output.
pub const DETAIL_LINES: usize = 12;

/// Prints the audit trail of `wb`, filtered by device reference and control ID.
///
/// Errors: usage (exit 2) for an unknown control; `NoSuchDevice`; database errors.
pub fn run(
    wb: &Workbook,
    device: Option<&str>,
    control: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let mut filter = AuditFilter::default();
    let mut device_label = None;
    if let Some(reference) = device {
        let (uuid, short) = wb.audit_device(reference)?;
        filter.device = Some(uuid);
        device_label = Some(short);
    }
    if let Some(c) = control {
        let id = c.trim().to_uppercase();
        if wb.catalog().control(&id).is_none() {
            return Err(CliError::usage(format!(
                "no control {} in the catalog (IDs look like ENC-03)",
                printable(c)
            )));
        }
        filter.control = Some(id);
    }
    let entries = wb.audit_entries(&filter)?;
    let head = wb.audit_head()?;
    if json {
        let out = json!({
            "workbook_id": wb.meta().workbook_id,
            "head": { "length": head.length, "hash": head.hash },
            "filter": { "device": device_label, "control": filter.control },
            "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
        });
        say!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    if entries.is_empty() {
        say!("no audit entries{}", filter_text(&device_label, &filter));
    }
    for e in &entries {
        let who = if e.actor.is_empty() {
            "(no assessor name)".to_string()
        } else {
            printable(&e.actor)
        };
        say!("#{:<5} {}  {}  {}", e.seq, e.at, who, printable(&e.summary));
        let shown: Vec<&AuditChange> = e.changes.iter().filter(|c| filter.selects(c)).collect();
        for c in shown.iter().take(DETAIL_LINES) {
            say!("        {}", c.text());
        }
        if shown.len() > DETAIL_LINES {
            say!(
                "        … and {} more field change(s) (medsec log --json lists all)",
                shown.len() - DETAIL_LINES
            );
        }
    }
    say!(
        "audit trail: {} entr{}{}; head {}",
        head.length,
        if head.length == 1 { "y" } else { "ies" },
        if entries.len() as i64 == head.length {
            String::new()
        } else {
            format!(", {} shown", entries.len())
        },
        head.hash
    );
    Ok(())
}

fn filter_text(device: &Option<String>, filter: &AuditFilter) -> String {
    let mut parts = Vec::new();
    if let Some(d) = device {
        parts.push(d.clone());
    }
    if let Some(c) = &filter.control {
        parts.push(c.clone());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" for {}", parts.join(" "))
    }
}

fn entry_json(e: &AuditEntry) -> Value {
    json!({
        "seq": e.seq,
        "entry_id": e.entry_id,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "summary": e.summary,
        "origin": e.origin,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "changes": e.changes,
    })
}
