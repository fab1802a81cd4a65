//! `medsec evidence add|list|extract|remove|limit` and `medsec export evidence`.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::device::{parse_target, resolve_answer_target};
use super::error::{CliError, exit};
use super::output::say;
use super::risk::fit;
use crate::assessment::{Target, model_target, site_target};
use crate::device::Device;
use crate::device::fields::printable;
use crate::evidence::name::clean_file_name;
use crate::evidence::size::{format_size, format_size_exact, parse_size};
use crate::evidence::{
    EvidenceExportError, EvidenceExportOptions, FileError, check_not_workbook, export_evidence,
    read_evidence_file,
};
use crate::workbook::{
    Attachment, AttachmentError, AttachmentFilter, AttachmentLimit, Workbook, parse_attachment_id,
};

/// What every command that writes evidence out of the workbook says.
const NOT_ENCRYPTED: &str =
    "This file is NOT encrypted (the workbook is): keep it on an encrypted drive or share.";

impl From<FileError> for CliError {
    fn from(e: FileError) -> CliError {
        CliError::input(e.to_string())
    }
}

impl From<AttachmentError> for CliError {
    fn from(e: AttachmentError) -> CliError {
        match e {
            AttachmentError::NotFound(_) => CliError::usage(e.to_string()),
            AttachmentError::Tampered(_) => CliError {
                code: exit::DAMAGED,
                message: e.to_string(),
            },
            AttachmentError::Workbook(e) => CliError::from(e),
        }
    }
}

impl From<EvidenceExportError> for CliError {
    fn from(e: EvidenceExportError) -> CliError {
        match e {
            EvidenceExportError::Attachment { source } => CliError::from(source),
            EvidenceExportError::Workbook(e) => CliError::from(e),
            e => CliError::general(e.to_string()),
        }
    }
}

/// The attachment ID typed, as a row ID.
fn attachment_id(text: &str) -> Result<i64, CliError> {
    parse_attachment_id(text).ok_or_else(|| {
        CliError::usage(format!(
            "{}: not an attachment ID (A-0003, as `medsec evidence list` shows them)",
            printable(text.trim())
        ))
    })
}

/// How a target is named in lists: a device's short ID, else its scope key.
fn target_text(devices: &HashMap<i64, Device>, target: &Target) -> String {
    match target {
        Target::Device(id) => devices
            .get(id)
            .map(Device::short_id)
            .unwrap_or_else(|| format!("device #{id}")),
        t => t.scope_key().unwrap_or_default(),
    }
}

/// What a target is called: a device's name, a model's manufacturer and model, a site's name.
fn target_name(devices: &HashMap<i64, Device>, target: &Target) -> String {
    match target {
        Target::Device(id) => devices
            .get(id)
            .map(|d| d.get("name").to_string())
            .unwrap_or_default(),
        Target::Model {
            manufacturer,
            model,
        } => format!("{manufacturer} {model}"),
        Target::Site(s) if s.trim().is_empty() => "Default site".to_string(),
        Target::Site(s) => s.clone(),
    }
}

fn devices_by_id(wb: &Workbook) -> Result<HashMap<i64, Device>, CliError> {
    Ok(wb.devices()?.into_iter().map(|d| (d.id, d)).collect())
}

fn limit_text(limit: AttachmentLimit) -> String {
    format!(
        "{} per file{}",
        format_size_exact(limit.bytes),
        if limit.is_default {
            " (the default)"
        } else {
            ""
        }
    )
}

/// `medsec evidence add TARGET CONTROL FILE [--caption TEXT]`.
pub(super) fn add(
    wb: &mut Workbook,
    target: &str,
    control: &str,
    file: &Path,
    caption: Option<&str>,
) -> Result<(), CliError> {
    let (target, control, device) = resolve_answer_target(wb, target, control)?;
    let limit = wb.attachment_limit()?;
    check_not_workbook(file, wb.path())?;
    let read = read_evidence_file(file, limit.bytes)?;
    let a = wb.add_attachment(&target, &control, &read, caption.unwrap_or(""))?;
    let who = match (&target, &device) {
        (Target::Device(_), Some(d)) => d.short_id(),
        _ => target.scope_key().unwrap_or_default(),
    };
    say!(
        "added {} {} ({}, {}) to {who} {}; SHA-256 {}",
        a.label(),
        printable(&a.file_name),
        a.media_type,
        format_size(a.size),
        a.control_id,
        a.sha256
    );
    let answered = wb
        .answer(&target, &control.id)?
        .is_some_and(|x| x.is_assessed());
    if !answered {
        say!(
            "({} is not answered yet on {who}: evidence alone does not count as assessed)",
            control.id
        );
    }
    Ok(())
}

/// `medsec evidence list [TARGET] [--control CONTROL] [--json]`.
pub(super) fn list(
    wb: &Workbook,
    target: Option<&str>,
    control: Option<&str>,
    as_json: bool,
) -> Result<(), CliError> {
    let control = match control {
        Some(c) => Some(
            wb.catalog()
                .control(c)
                .map(|c| c.id.clone())
                .ok_or_else(|| {
                    CliError::usage(format!("{}: no such control (e.g. ENC-03)", printable(c)))
                })?,
        ),
        None => None,
    };
    // A device shows its own evidence and that of its model and site.
    let targets: Option<Vec<Target>> = match target {
        None => None,
        Some(text) => {
            let (t, device) = parse_target(wb, text)?;
            Some(match device {
                Some(d) => [Some(t), model_target(&d), Some(site_target(&d))]
                    .into_iter()
                    .flatten()
                    .collect(),
                None => vec![t],
            })
        }
    };
    let attachments: Vec<Attachment> = wb
        .attachments(AttachmentFilter::All)?
        .into_iter()
        .filter(|a| {
            targets
                .as_ref()
                .is_none_or(|ts| ts.iter().any(|t| a.target.matches(t)))
                && control.as_ref().is_none_or(|c| &a.control_id == c)
        })
        .collect();
    let limit = wb.attachment_limit()?;
    let devices = devices_by_id(wb)?;
    if as_json {
        let text = |s: &str| {
            if s.is_empty() {
                Value::Null
            } else {
                Value::String(s.to_string())
            }
        };
        let rows: Vec<Value> = attachments
            .iter()
            .map(|a| {
                json!({
                    "id": a.label(),
                    "target": target_text(&devices, &a.target),
                    "target_kind": match a.target {
                        Target::Device(_) => "device",
                        Target::Model { .. } => "model",
                        Target::Site(_) => "site",
                    },
                    "device_name": text(&target_name(&devices, &a.target)),
                    "control_id": a.control_id,
                    "file_name": a.file_name,
                    "media_type": a.media_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "added_at": a.added_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    "added_by": text(&a.added_by),
                    "caption": text(&a.caption),
                })
            })
            .collect();
        let out = json!({
            "limit_bytes": limit.bytes,
            "limit_is_default": limit.is_default,
            "attachments": rows,
        });
        let text = serde_json::to_string_pretty(&out)
            .map_err(|e| CliError::general(format!("cannot write JSON: {e}")))?;
        say!("{text}");
        return Ok(());
    }
    say!("Evidence limit: {}", limit_text(limit));
    if attachments.is_empty() {
        say!(
            "No evidence attached{}.",
            match target {
                Some(t) => format!(" to {}", printable(t.trim())),
                None => String::new(),
            }
        );
        say!("(medsec evidence add TARGET CONTROL FILE attaches a file.)");
        return Ok(());
    }
    // As wide as the longest target shown (a model's key can be long), within reason.
    let target_width = attachments
        .iter()
        .map(|a| printable(&target_text(&devices, &a.target)).width())
        .max()
        .unwrap_or(0)
        .clamp(8, 32);
    say!(
        "{} {} {} {} {} {} Name",
        fit("ID", 7),
        fit("Target", target_width),
        fit("Control", 8),
        fit("Size", 9),
        fit("SHA-256", 12),
        fit("Added", 10)
    );
    let mut total = 0u64;
    for a in &attachments {
        total += a.size;
        let mut name = a.file_name.clone();
        if !a.caption.is_empty() {
            name.push_str(" — ");
            name.push_str(&a.caption);
        }
        say!(
            "{} {} {} {} {} {} {}",
            fit(&a.label(), 7),
            fit(&target_text(&devices, &a.target), target_width),
            fit(&a.control_id, 8),
            fit(&format_size(a.size), 9),
            a.short_hash(),
            a.added_at.format("%Y-%m-%d"),
            printable(&name)
        );
    }
    say!(
        "{} {}, {} in all.",
        attachments.len(),
        if attachments.len() == 1 {
            "attachment"
        } else {
            "attachments"
        },
        format_size(total)
    );
    Ok(())
}

/// `medsec evidence extract ID OUT [--force]`.
pub(super) fn extract(wb: &Workbook, id: &str, out: &Path, force: bool) -> Result<(), CliError> {
    let id = attachment_id(id)?;
    let (a, bytes) = wb.attachment_bytes(id)?;
    let dest: PathBuf = if out.is_dir() {
        // Cleaned again: never a path out of the folder, whatever is stored.
        out.join(clean_file_name(&a.file_name))
    } else {
        out.to_path_buf()
    };
    if dest.is_dir() {
        return Err(CliError::general(format!(
            "{} is a folder; nothing was written",
            dest.display()
        )));
    }
    if !force && fs::symlink_metadata(&dest).is_ok() {
        return Err(CliError::general(format!(
            "{} exists; nothing was written (--force replaces it)",
            dest.display()
        )));
    }
    write_owner_only(&dest, &bytes, force)
        .map_err(|e| CliError::general(format!("{}: {e}; nothing was written", dest.display())))?;
    say!(
        "wrote {}: {} {} ({}, {}), SHA-256 {} checked",
        dest.display(),
        a.label(),
        printable(&a.file_name),
        a.media_type,
        format_size_exact(a.size),
        a.sha256
    );
    say!("{NOT_ENCRYPTED}");
    Ok(())
}

/// Writes `bytes` to `dest` readable by its owner only. Without `replace` the file must not
/// exist (it is created exclusively, so nothing is ever overwritten); with it, a temporary file
/// beside `dest` is written and renamed over it. A failed write leaves nothing behind.
fn write_owner_only(dest: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
    let target = if replace {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "evidence".into());
        let random = uuid::Uuid::new_v4().simple().to_string();
        dest.with_file_name(format!(
            ".{name}.medsec-{}",
            random.get(..12).unwrap_or("tmp")
        ))
    } else {
        dest.to_path_buf()
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut created = false;
    let result = options
        .open(&target)
        .and_then(|mut f| {
            created = true;
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| {
            if replace {
                fs::rename(&target, dest)
            } else {
                Ok(())
            }
        });
    if result.is_err() && created {
        // Only a file this call created (`create_new` never opens one that was there).
        let _ = fs::remove_file(&target);
    }
    result
}

/// `medsec evidence remove ID`.
pub(super) fn remove(wb: &mut Workbook, id: &str) -> Result<(), CliError> {
    let id = attachment_id(id)?;
    let a = wb.remove_attachment(id)?;
    let devices = devices_by_id(wb)?;
    say!(
        "removed {} {} from {} {}; undo in the TUI (Ctrl-z) brings it back",
        a.label(),
        printable(&a.file_name),
        target_text(&devices, &a.target),
        a.control_id
    );
    Ok(())
}

/// `medsec evidence limit [SIZE|default]`.
pub(super) fn limit(wb: &mut Workbook, size: Option<&str>) -> Result<(), CliError> {
    let limit = match size {
        None => wb.attachment_limit()?,
        Some(s) if s.trim().eq_ignore_ascii_case("default") => wb.set_attachment_limit(None)?,
        Some(s) => {
            let bytes = parse_size(s).map_err(CliError::usage)?;
            wb.set_attachment_limit(Some(bytes))?
        }
    };
    say!("Evidence limit: {}", limit_text(limit));
    Ok(())
}

/// `medsec export evidence OUT.zip`.
pub(super) fn export_zip(wb: &Workbook, out: &Path) -> Result<(), CliError> {
    let opts = EvidenceExportOptions {
        app_version: env!("CARGO_PKG_VERSION"),
    };
    let s = export_evidence(wb, out, &opts)?;
    let m = &s.manifest;
    if m.file_count == 0 {
        say!(
            "wrote {}: no evidence is attached in this workbook yet, so it holds only manifest.csv and manifest.json (medsec evidence add attaches files)",
            s.path.display()
        );
    } else {
        say!(
            "wrote {}: {} {} ({}) in {} {}, with manifest.csv and manifest.json; every SHA-256 checked in the workbook and again read back from the zip",
            s.path.display(),
            m.file_count,
            if m.file_count == 1 { "file" } else { "files" },
            format_size(m.total_bytes),
            s.targets,
            if s.targets == 1 {
                "folder (device, model or site)"
            } else {
                "folders (devices, models, sites)"
            }
        );
    }
    say!("{NOT_ENCRYPTED}");
    Ok(())
}
