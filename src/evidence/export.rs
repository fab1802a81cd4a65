//! `export evidence`: every attachment of a workbook in one zip, one folder per device (its
//! short ID), model (`MODEL_<manufacturer>_<model>`) or site (`SITE`, `SITE_<site>`) and one
//! below it per control — `DEV-0003/ENC-03/photo.jpg` — with the manifest at the root
//! ([`super::manifest`]).
//!
//! PRODUCT.md "Verified output": each attachment's bytes are checked against their SHA-256
//! while the zip is written (a damaged attachment stops the export and is named); the zip is
//! written in a private folder next to the output, read back — every file's SHA-256 recomputed
//! from the zip and compared with the manifest, the manifest itself parsed back, no member more
//! or less — and only then moved into place, owner-only. A failed export leaves nothing behind
//! and never replaces an existing output. Names in the zip are made safe
//! ([`super::name::zip_component`]) and unique per folder.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Timelike};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use super::file::sha256_hex;
use super::manifest::{
    MANIFEST_CSV, MANIFEST_FORMAT, MANIFEST_JSON, MANIFEST_VERSION, Manifest, ManifestFile,
};
use super::name::{unique_name, zip_component};
use crate::assessment::Target;
use crate::export::{ExportError, PrivateDir, restrict_to_owner};
use crate::workbook::{Attachment, AttachmentError, AttachmentFilter, Workbook, WorkbookError};

/// Options of an evidence export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceExportOptions {
    /// The app's version (`env!("CARGO_PKG_VERSION")`), written to the manifest.
    pub app_version: &'static str,
}

/// What an evidence export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceExportSummary {
    /// The zip.
    pub path: PathBuf,
    /// The manifest written into it.
    pub manifest: Manifest,
    /// How many devices, models and sites have files in it.
    pub targets: usize,
}

/// Why an evidence export failed; nothing was written (and no earlier export replaced).
#[derive(Debug, thiserror::Error)]
pub enum EvidenceExportError {
    /// Reading the workbook failed.
    #[error("{0}")]
    Workbook(#[from] WorkbookError),
    /// An attachment could not be read, or its bytes no longer match their SHA-256.
    #[error("{source}")]
    Attachment {
        /// The error, naming the attachment.
        #[from]
        source: AttachmentError,
    },
    /// The output cannot be used, or the private folder beside it cannot be made.
    #[error("{0}")]
    Output(#[from] ExportError),
    /// The output path is not acceptable.
    #[error("{path}: {reason}")]
    Refused {
        /// The output path.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// A file system error while writing, checking or moving the zip.
    #[error(
        "{path}: {source} (check the folder is writable and has free space); nothing was saved"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The zip writer or reader failed.
    #[error("{path}: {source}; nothing was saved")]
    Zip {
        /// The output path.
        path: PathBuf,
        /// The error.
        source: zip::result::ZipError,
    },
    /// The zip read back differs from what was written.
    #[error(
        "{path}: the zip did not read back as written ({detail}); nothing was saved — try again, and report it if it persists"
    )]
    Verify {
        /// The output path.
        path: PathBuf,
        /// What differed.
        detail: String,
    },
}

impl EvidenceExportError {
    /// Whether the export stopped on a damaged attachment (bytes not matching their SHA-256).
    pub fn is_tampered(&self) -> bool {
        matches!(
            self,
            EvidenceExportError::Attachment {
                source: AttachmentError::Tampered(_)
            }
        )
    }
}

/// Refuses an output that is a folder, does not end in `.zip`, or exists and is not an earlier
/// medsec evidence export (a zip whose `manifest.json` has `"format": "medsec evidence
/// manifest"`): an export replaces only an earlier export.
///
/// Errors: `Refused`, saying why and what to do.
pub fn check_evidence_output(out: &Path) -> Result<(), EvidenceExportError> {
    let refuse = |reason: &str| {
        Err(EvidenceExportError::Refused {
            path: out.to_path_buf(),
            reason: reason.to_string(),
        })
    };
    if out.is_dir() {
        return refuse("is a folder; give a file name such as evidence.zip");
    }
    if !out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        return refuse("the evidence export is a .zip file; give a name ending in .zip");
    }
    if out.exists() && !is_evidence_zip(out) {
        return refuse(
            "exists and is not a medsec evidence export; nothing was written (choose another name, or move that file away first)",
        );
    }
    Ok(())
}

/// Whether `path` is a zip with a medsec manifest (read at most 64 MiB of it).
fn is_evidence_zip(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let Ok(mut zip) = zip::ZipArchive::new(file) else {
        return false;
    };
    let Ok(member) = zip.by_name(MANIFEST_JSON) else {
        return false;
    };
    let mut text = Vec::new();
    if member.take(64 << 20).read_to_end(&mut text).is_err() {
        return false;
    }
    serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_string))
        .is_some_and(|f| f == MANIFEST_FORMAT)
}

/// One attachment's place in the zip.
struct Planned {
    attachment: Attachment,
    row: ManifestFile,
}

/// Where each attachment goes and what the manifest says about it, in list order.
fn plan(
    wb: &Workbook,
    attachments: Vec<Attachment>,
) -> Result<(Vec<Planned>, usize), WorkbookError> {
    let devices: HashMap<i64, crate::device::Device> =
        wb.devices()?.into_iter().map(|d| (d.id, d)).collect();
    let catalog = wb.catalog();
    let mut taken: HashMap<String, HashSet<String>> = HashMap::new();
    let mut folders: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(attachments.len());
    for a in attachments {
        let (target, kind, name, folder) = match &a.target {
            Target::Device(id) => {
                let d = devices.get(id);
                let short = d
                    .map(|d| d.short_id())
                    .unwrap_or_else(|| format!("device-{id}"));
                let name = d.map(|d| d.get("name").to_string()).unwrap_or_default();
                (short.clone(), "device", name, zip_component(&short))
            }
            t @ Target::Model {
                manufacturer,
                model,
            } => {
                let key = t.scope_key().unwrap_or_default();
                let folder = zip_component(&format!("MODEL_{manufacturer}_{model}"));
                (key, "model", format!("{manufacturer} {model}"), folder)
            }
            t @ Target::Site(site) => {
                let key = t.scope_key().unwrap_or_default();
                let (name, folder) = if site.trim().is_empty() {
                    ("Default site".to_string(), "SITE".to_string())
                } else {
                    (site.clone(), zip_component(&format!("SITE_{site}")))
                };
                (key, "site", name, folder)
            }
        };
        folders.insert(folder.to_lowercase());
        let dir = format!("{folder}/{}", zip_component(&a.control_id));
        let file = unique_name(
            taken.entry(dir.to_lowercase()).or_default(),
            &zip_component(&a.file_name),
        );
        let control_title = catalog
            .control(&a.control_id)
            .map(|c| c.title.clone())
            .unwrap_or_default();
        out.push(Planned {
            row: ManifestFile {
                path: format!("{dir}/{file}"),
                attachment_id: a.label(),
                target,
                target_kind: kind.to_string(),
                device_name: name,
                control_id: a.control_id.clone(),
                control_title,
                original_name: a.file_name.clone(),
                media_type: a.media_type.clone(),
                size: a.size,
                sha256: a.sha256.clone(),
                added_at: a.added_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                added_by: a.added_by.clone(),
                caption: a.caption.clone(),
            },
            attachment: a,
        });
    }
    Ok((out, folders.len()))
}

/// Whether deflating a file of this type is wasted effort (its bytes are compressed already).
fn compressed_already(media_type: &str) -> bool {
    (media_type.starts_with("image/") && !matches!(media_type, "image/bmp" | "image/tiff"))
        || media_type.starts_with("video/")
        || media_type.starts_with("application/vnd.openxmlformats")
        || matches!(
            media_type,
            "application/pdf"
                | "application/zip"
                | "application/gzip"
                | "application/x-7z-compressed"
        )
}

/// A zip timestamp (which has no time zone) in UTC: an attachment's is when it was added, so
/// the same workbook exports the same member dates; the manifests' is the export's.
fn zip_time(t: chrono::DateTime<chrono::Utc>) -> zip::DateTime {
    u8::try_from(t.month())
        .ok()
        .zip(u8::try_from(t.day()).ok())
        .and_then(|(month, day)| {
            zip::DateTime::from_date_and_time(
                u16::try_from(t.year()).ok()?,
                month,
                day,
                u8::try_from(t.hour()).ok()?,
                u8::try_from(t.minute()).ok()?,
                u8::try_from(t.second()).ok()?,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Writes every attachment of `wb` to the zip `out` (see the module documentation) and returns
/// what it holds. A workbook without attachments gives a zip with the manifests alone.
///
/// Errors: `Refused` (see [`check_evidence_output`]), `Attachment` (a damaged attachment: the
/// export stops and names it), `Output` / `Io` / `Zip`, `Verify` when the zip does not read back
/// as written, `Workbook`.
pub fn export_evidence(
    wb: &Workbook,
    out: &Path,
    opts: &EvidenceExportOptions,
) -> Result<EvidenceExportSummary, EvidenceExportError> {
    check_evidence_output(out)?;
    let (planned, targets) = plan(wb, wb.attachments(AttachmentFilter::All)?)?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_string(),
        format_version: MANIFEST_VERSION,
        workbook_id: wb.meta().workbook_id.clone(),
        organisation: wb.meta().organisation.clone(),
        exported_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        app_version: opts.app_version.to_string(),
        file_count: planned.len(),
        total_bytes: planned.iter().map(|p| p.row.size).sum(),
        files: planned.iter().map(|p| p.row.clone()).collect(),
    };
    let folder = PrivateDir::next_to(out)?;
    let tmp = folder.path().join("evidence.zip");
    write_zip(wb, &tmp, out, &planned, &manifest)?;
    read_back(&tmp, out, &manifest)?;
    restrict_to_owner(&tmp)?;
    fs::rename(&tmp, out).map_err(|source| EvidenceExportError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    drop(folder);
    Ok(EvidenceExportSummary {
        path: out.to_path_buf(),
        manifest,
        targets,
    })
}

fn write_zip(
    wb: &Workbook,
    tmp: &Path,
    out: &Path,
    planned: &[Planned],
    manifest: &Manifest,
) -> Result<(), EvidenceExportError> {
    let io = |source| EvidenceExportError::Io {
        path: out.to_path_buf(),
        source,
    };
    let zip_err = |source| EvidenceExportError::Zip {
        path: out.to_path_buf(),
        source,
    };
    let file = File::create(tmp).map_err(io)?;
    let mut zip = zip::ZipWriter::new(BufWriter::new(file));
    for p in planned {
        // Checked against the stored SHA-256 here: a damaged attachment stops the export.
        let (_, bytes) = wb.attachment_bytes(p.attachment.id)?;
        let method = if compressed_already(&p.attachment.media_type) {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip_time(p.attachment.added_at))
            .unix_permissions(0o600);
        zip.start_file(p.row.path.as_str(), options)
            .map_err(zip_err)?;
        zip.write_all(&bytes).map_err(io)?;
    }
    let exported = chrono::DateTime::parse_from_rfc3339(&manifest.exported_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|_| chrono::Utc::now());
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip_time(exported))
        .unix_permissions(0o600);
    let json = manifest
        .to_json()
        .map_err(|e| io(std::io::Error::other(e)))?;
    let csv = manifest
        .to_csv()
        .map_err(|e| io(std::io::Error::other(e)))?;
    for (name, bytes) in [(MANIFEST_JSON, json), (MANIFEST_CSV, csv)] {
        zip.start_file(name, options).map_err(zip_err)?;
        zip.write_all(&bytes).map_err(io)?;
    }
    let mut writer = zip.finish().map_err(zip_err)?;
    writer.flush().map_err(io)?;
    let file = writer.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)
}

/// Reads the zip back: the manifest parses and equals what was written, the CSV manifest is
/// there, no member is missing or extra, and every file's size and SHA-256 recomputed from the
/// zip match the manifest.
fn read_back(tmp: &Path, out: &Path, manifest: &Manifest) -> Result<(), EvidenceExportError> {
    let verify = |detail: String| EvidenceExportError::Verify {
        path: out.to_path_buf(),
        detail,
    };
    let zip_err = |source| EvidenceExportError::Zip {
        path: out.to_path_buf(),
        source,
    };
    let file = File::open(tmp).map_err(|source| EvidenceExportError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_err)?;
    if zip.len() != manifest.files.len() + 2 {
        return Err(verify(format!(
            "{} members, expected {}",
            zip.len(),
            manifest.files.len() + 2
        )));
    }
    let read = |zip: &mut zip::ZipArchive<File>, name: &str, most: u64| {
        let member = zip
            .by_name(name)
            .map_err(|e| verify(format!("{name}: {e}")))?;
        let mut bytes = Vec::new();
        member
            .take(most.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| verify(format!("{name}: {e}")))?;
        Ok::<Vec<u8>, EvidenceExportError>(bytes)
    };
    let json = read(&mut zip, MANIFEST_JSON, 1 << 30)?;
    let back: Manifest =
        serde_json::from_slice(&json).map_err(|e| verify(format!("{MANIFEST_JSON}: {e}")))?;
    if &back != manifest {
        return Err(verify(format!("{MANIFEST_JSON} differs")));
    }
    read(&mut zip, MANIFEST_CSV, 1 << 30)?;
    for f in &back.files {
        let bytes = read(&mut zip, &f.path, f.size)?;
        if bytes.len() as u64 != f.size || sha256_hex(&bytes) != f.sha256 {
            return Err(verify(format!(
                "{}: SHA-256 or size does not match the manifest",
                f.path
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_compressed_types_are_stored() {
        assert!(compressed_already("image/jpeg"));
        assert!(compressed_already("application/pdf"));
        assert!(compressed_already(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ));
        assert!(!compressed_already("image/bmp"));
        assert!(!compressed_already("text/csv"));
        assert!(!compressed_already("application/octet-stream"));
    }
}
