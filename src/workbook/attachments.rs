//! Evidence attachments: files kept inside the encrypted workbook with the answer they support
//! (photos of settings screens, configuration exports, vendor letters).
//!
//! An attachment belongs to a (target, control) like an answer (a device, a model or a site, so
//! model and site answers can have evidence too), but it does not need an answer: evidence
//! alone does not make a control assessed, and clearing an answer keeps its evidence. Each
//! keeps its name as given (cleaned), media type, size, SHA-256, when it was added and by whom
//! (the workbook's assessor, never the operating-system login), and an optional caption. Its
//! bytes are read back only through [`Workbook::attachment_bytes`], which checks them against
//! their SHA-256 and size and reports a mismatch instead of returning them.
//!
//! Adding and removing are undo steps. Removing is soft: the attachment leaves every list and
//! export, but its row and bytes stay in the workbook, so undo brings it back (undoing an
//! addition removes it the same way, and redo adds it again). Undo steps record the row, never
//! the bytes.
//!
//! Each workbook has a limit per file: 25 MiB (25 × 1,024 × 1,024 = 26,214,400 bytes) unless
//! changed with [`Workbook::set_attachment_limit`], at most 512 MiB.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::devices::live_device_in;
use super::snapshot::RowKey;
use super::targets::{target_columns, target_name, target_of};
use super::{TxError, Workbook, WorkbookError, now_utc};
use crate::assessment::{Target, check_text_limit};
use crate::catalog::{Control, catalog};
use crate::device::fields::clean_text;
use crate::evidence::file::{EvidenceFile, sha256_hex};
use crate::evidence::size::format_size_exact;

/// The limit per file when the workbook sets none: 25 MiB = 26,214,400 bytes.
pub const DEFAULT_ATTACHMENT_LIMIT: u64 = 25 * 1024 * 1024;

/// The highest limit a workbook may set: 512 MiB = 536,870,912 bytes (PRODUCT.md "Input limits":
/// no input file over 512 MB).
pub const MAX_ATTACHMENT_LIMIT: u64 = 512 * 1024 * 1024;

/// One attachment as listed (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its row ID; shown as `A-0007` ([`Attachment::label`]), never reused.
    pub id: i64,
    /// The device, model or site it belongs to (a model or site in its stored spelling).
    pub target: Target,
    /// The catalog control, e.g. `ENC-03`.
    pub control_id: String,
    /// The file's name as given, without folders or control characters.
    pub file_name: String,
    /// The media type, e.g. `image/jpeg` (sniffed from the bytes when they were added).
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// When it was added (UTC, whole seconds).
    pub added_at: DateTime<Utc>,
    /// The workbook's assessor when it was added (may be empty).
    pub added_by: String,
    /// A caption (may be empty).
    pub caption: String,
}

impl Attachment {
    /// The ID as shown: `A-` and at least four digits (`A-0007`).
    pub fn label(&self) -> String {
        attachment_label(self.id)
    }

    /// The first 12 hex digits of the SHA-256, as shown in lists and the spreadsheet.
    pub fn short_hash(&self) -> &str {
        self.sha256.get(..12).unwrap_or(&self.sha256)
    }
}

/// An attachment ID as shown: `A-0007`.
pub fn attachment_label(id: i64) -> String {
    format!("A-{id:04}")
}

/// Parses an attachment ID as typed: `A-0007`, `a-7` or `7`; `None` for anything else.
pub fn parse_attachment_id(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = match t.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("A-") => &t[2..],
        _ => t,
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n: &i64| *n > 0)
}

/// Which attachments to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentFilter<'a> {
    /// Every attachment of the workbook.
    All,
    /// Those stored on this target (a model or site matched case-insensitively).
    Target(&'a Target),
    /// Those stored on this target for this control.
    Control(&'a Target, &'a str),
}

/// The workbook's limit per attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimit {
    /// Most bytes one file may have.
    pub bytes: u64,
    /// Whether it is [`DEFAULT_ATTACHMENT_LIMIT`] because the workbook sets none.
    pub is_default: bool,
}

/// Why an attachment cannot be read or removed.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    /// No attachment with this ID (or it was removed).
    #[error("no attachment {0} in this workbook (`medsec evidence list` shows them)")]
    NotFound(String),
    /// The stored bytes no longer match the SHA-256 (or size) recorded when they were added:
    /// the workbook was damaged or changed outside medsec. The bytes are not returned.
    #[error("{0}")]
    Tampered(Box<Damage>),
    /// Reading the workbook failed.
    #[error(transparent)]
    Workbook(#[from] WorkbookError),
}

/// What is known about a damaged attachment (see [`AttachmentError::Tampered`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{label} {file_name} ({target} {control_id}) is damaged: its bytes no longer match the SHA-256 recorded when it was added (expected {expected}, found {found}; {size_note}); nothing was written — keep the workbook and a backup as they are and re-attach the original file"
)]
pub struct Damage {
    /// `A-0007`.
    pub label: String,
    /// Its name.
    pub file_name: String,
    /// Where it belongs: `DEV-0003`, `MODEL:…`, `SITE:…`.
    pub target: String,
    /// The control.
    pub control_id: String,
    /// The SHA-256 recorded.
    pub expected: String,
    /// The SHA-256 of the bytes found.
    pub found: String,
    /// The sizes recorded and found, in words.
    pub size_note: String,
}

const SELECT: &str = "SELECT a.id, a.target_kind, a.target_key, a.target_label, a.device_id,
        a.control_id, a.file_name, a.media_type, a.size, a.sha256, a.added_at, a.added_by,
        a.caption, d.number
    FROM attachment a LEFT JOIN device d ON d.id = a.device_id
    WHERE a.removed_at IS NULL AND (a.device_id IS NULL OR d.deleted_at IS NULL)";

/// An attachment row and the device's short-ID number (for sorting).
fn from_row(r: &Row<'_>) -> rusqlite::Result<(Attachment, Option<i64>)> {
    let kind: String = r.get(1)?;
    let key: String = r.get(2)?;
    let added_at: String = r.get(10)?;
    let size: i64 = r.get(8)?;
    Ok((
        Attachment {
            id: r.get(0)?,
            target: target_of(&kind, &key, r.get(4)?, r.get(3)?),
            control_id: r.get(5)?,
            file_name: r.get(6)?,
            media_type: r.get(7)?,
            size: u64::try_from(size).unwrap_or(0),
            sha256: r.get(9)?,
            added_at: DateTime::parse_from_rfc3339(&added_at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            added_by: r.get(11)?,
            caption: r.get(12)?,
        },
        r.get(13)?,
    ))
}

/// A live attachment (not removed, its device not deleted) by ID.
fn attachment_in(conn: &Connection, id: i64) -> rusqlite::Result<Option<Attachment>> {
    conn.prepare_cached(&format!("{SELECT} AND a.id = ?1"))?
        .query_row([id], from_row)
        .optional()
        .map(|r| r.map(|(a, _)| a))
}

/// The order of lists: devices by short ID, then models, then sites (by name); controls in
/// catalog order; then in the order they were added.
fn sort(rows: &mut [(Attachment, Option<i64>)]) {
    let cat = catalog();
    let position = |id: &str| {
        cat.controls()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_cached_key(|(a, number)| {
        let (rank, name) = match &a.target {
            Target::Device(_) => (0, String::new()),
            t @ Target::Model { .. } => (1, t.scope_key().unwrap_or_default().to_lowercase()),
            t @ Target::Site(_) => (2, t.scope_key().unwrap_or_default().to_lowercase()),
        };
        (
            rank,
            number.unwrap_or(0),
            name,
            position(&a.control_id),
            a.id,
        )
    });
}

impl Workbook {
    /// The workbook's limit per attachment.
    ///
    /// Errors: `Sqlite`.
    pub fn attachment_limit(&self) -> Result<AttachmentLimit, WorkbookError> {
        let stored: Option<i64> = self
            .conn
            .query_row(
                "SELECT attachment_limit FROM assessment WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?;
        Ok(match stored.and_then(|b| u64::try_from(b).ok()) {
            Some(bytes) if bytes > 0 => AttachmentLimit {
                bytes,
                is_default: false,
            },
            _ => AttachmentLimit {
                bytes: DEFAULT_ATTACHMENT_LIMIT,
                is_default: true,
            },
        })
    }

    /// Sets the limit per attachment in bytes (`None` = back to the default of 25 MiB);
    /// committed at once. A setting, not an undo step. Attachments already stored are kept
    /// whatever their size.
    ///
    /// Errors: `Invalid` for 0 or more than [`MAX_ATTACHMENT_LIMIT`], `Sqlite`.
    pub fn set_attachment_limit(
        &mut self,
        bytes: Option<u64>,
    ) -> Result<AttachmentLimit, WorkbookError> {
        if let Some(b) = bytes
            && (b == 0 || b > MAX_ATTACHMENT_LIMIT)
        {
            return Err(WorkbookError::Invalid(format!(
                "an evidence limit of {} is out of range; it can be from 1 byte to {}",
                format_size_exact(b),
                format_size_exact(MAX_ATTACHMENT_LIMIT)
            )));
        }
        let stored = bytes.and_then(|b| i64::try_from(b).ok());
        let old = self.attachment_limit()?;
        let mut entry = self.new_entry("settings", "evidence limit changed", Vec::new());
        entry.changes.push(super::audit::setting_change(
            "assessment",
            "assessment",
            "attachment_limit",
            old.bytes.into(),
            bytes.unwrap_or(DEFAULT_ATTACHMENT_LIMIT).into(),
        ));
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| super::sql(&path, e))?;
        tx.execute(
            "UPDATE assessment SET attachment_limit = ?1 WHERE id = 1",
            [stored],
        )
        .map_err(|e| super::sql(&path, e))?;
        super::audit::append(&tx, entry).map_err(|e| super::sql(&path, e))?;
        tx.commit().map_err(|e| super::sql(&path, e))?;
        self.attachment_limit()
    }

    /// Stores `file` as evidence for `control` on `target` with `caption` (control characters
    /// removed, at most 32,767 UTF-16 units), added now by the workbook's assessor. One undo step
    /// labelled `evidence DEV-0003 ENC-03 photo.jpg`. Adding the same file twice stores it twice
    /// (each is listed; the hashes show they are the same).
    ///
    /// Errors: `Invalid` (an empty file, one over the workbook's limit, a caption over the limit,
    /// a deleted device), `NoSuchDevice`, `Sqlite`.
    pub fn add_attachment(
        &mut self,
        target: &Target,
        control: &Control,
        file: &EvidenceFile,
        caption: &str,
    ) -> Result<Attachment, WorkbookError> {
        let limit = self.attachment_limit()?;
        let size = file.bytes.len() as u64;
        if size == 0 {
            return Err(WorkbookError::Invalid(format!(
                "{} is empty; nothing was attached",
                file.file_name
            )));
        }
        if size > limit.bytes {
            return Err(WorkbookError::Invalid(format!(
                "{} is {}, over this workbook's evidence limit of {} per file; nothing was attached",
                file.file_name,
                format_size_exact(size),
                format_size_exact(limit.bytes)
            )));
        }
        let caption = clean_text(caption).trim().to_string();
        check_text_limit("caption", &caption).map_err(WorkbookError::Invalid)?;
        if let Target::Device(id) = target
            && live_device_in(&self.conn, *id)
                .map_err(|e| self.sql(e))?
                .is_none()
        {
            return Err(WorkbookError::NoSuchDevice(format!("#{id}")));
        }
        // Hashed again here: what is stored is what the hash describes.
        let sha256 = sha256_hex(&file.bytes);
        let added_by = self.actor.clone();
        let added_at = now_utc();
        let id = self.recorded(|tx, rec| {
            let (kind, key, label, device_id) = target_columns(target);
            tx.execute(
                "INSERT INTO attachment (target_kind, target_key, target_label, device_id,
                     control_id, file_name, media_type, size, sha256, added_at, added_by, caption)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    kind,
                    key,
                    label,
                    device_id,
                    control.id,
                    file.file_name,
                    file.media_type,
                    i64::try_from(size).map_err(|_| TxError::Invalid("file too large".into()))?,
                    sha256,
                    added_at,
                    added_by,
                    caption
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO attachment_data (attachment_id, bytes) VALUES (?1, ?2)",
                params![id, file.bytes],
            )?;
            rec.created(RowKey::Attachment(id));
            let label = format!(
                "evidence {} {} {}",
                target_name(tx, target)?,
                control.id,
                file.file_name
            );
            Ok((id, label))
        })?;
        attachment_in(&self.conn, id)
            .map_err(|e| self.sql(e))?
            .ok_or_else(|| WorkbookError::Invalid(format!("attachment {id} was not stored")))
    }

    /// The attachments not removed (and not on a deleted device) that `filter` selects, in
    /// list order: devices by short ID, then models, then sites; controls in catalog order;
    /// oldest first.
    ///
    /// Errors: `Sqlite`.
    pub fn attachments(
        &self,
        filter: AttachmentFilter<'_>,
    ) -> Result<Vec<Attachment>, WorkbookError> {
        let mut stmt = self.conn.prepare_cached(SELECT).map_err(|e| self.sql(e))?;
        let rows = stmt.query_map([], from_row).map_err(|e| self.sql(e))?;
        let mut rows = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        rows.retain(|(a, _)| match filter {
            AttachmentFilter::All => true,
            AttachmentFilter::Target(t) => a.target.matches(t),
            AttachmentFilter::Control(t, c) => {
                a.target.matches(t) && a.control_id.eq_ignore_ascii_case(c)
            }
        });
        sort(&mut rows);
        Ok(rows.into_iter().map(|(a, _)| a).collect())
    }

    /// One attachment by ID; `None` when there is none, or it was removed, or its device was
    /// deleted.
    ///
    /// Errors: `Sqlite`.
    pub fn attachment(&self, id: i64) -> Result<Option<Attachment>, WorkbookError> {
        attachment_in(&self.conn, id).map_err(|e| self.sql(e))
    }

    /// An attachment and its bytes, checked against the SHA-256 and size recorded when it was
    /// added.
    ///
    /// Errors: `NotFound`, `Tampered` (the bytes are not returned), `Workbook`.
    pub fn attachment_bytes(&self, id: i64) -> Result<(Attachment, Vec<u8>), AttachmentError> {
        let a = self
            .attachment(id)?
            .ok_or_else(|| AttachmentError::NotFound(attachment_label(id)))?;
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT bytes FROM attachment_data WHERE attachment_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let bytes = bytes.unwrap_or_default();
        let found = sha256_hex(&bytes);
        if found != a.sha256 || bytes.len() as u64 != a.size {
            let target = match &a.target {
                Target::Device(id) => {
                    super::devices::short_id_in(&self.conn, *id).map_err(|e| self.sql(e))?
                }
                t => t.scope_key().unwrap_or_default(),
            };
            return Err(AttachmentError::Tampered(Box::new(Damage {
                label: a.label(),
                file_name: a.file_name.clone(),
                target,
                control_id: a.control_id.clone(),
                expected: a.sha256.clone(),
                found,
                size_note: if bytes.len() as u64 == a.size {
                    format!("size {} as recorded", format_size_exact(a.size))
                } else {
                    format!(
                        "{} recorded, {} found",
                        format_size_exact(a.size),
                        format_size_exact(bytes.len() as u64)
                    )
                },
            })));
        }
        Ok((a, bytes))
    }

    /// Removes an attachment (soft: its row and bytes stay for undo); one undo step labelled
    /// `remove evidence DEV-0003 ENC-03 photo.jpg`. Returns what was removed.
    ///
    /// Errors: `NotFound` (no such attachment, or removed already), `Workbook`.
    pub fn remove_attachment(&mut self, id: i64) -> Result<Attachment, AttachmentError> {
        let a = self
            .attachment(id)?
            .ok_or_else(|| AttachmentError::NotFound(attachment_label(id)))?;
        let removed = a.clone();
        self.recorded(|tx, rec| {
            rec.touch(tx, RowKey::Attachment(id))?;
            tx.execute(
                "UPDATE attachment SET removed_at = ?1 WHERE id = ?2 AND removed_at IS NULL",
                params![now_utc(), id],
            )?;
            let label = format!(
                "remove evidence {} {} {}",
                target_name(tx, &a.target)?,
                a.control_id,
                a.file_name
            );
            Ok(((), label))
        })?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::assessment::{Response, progress};
    use crate::evidence::file::read_evidence_file;
    use crate::workbook::{
        Access, AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase,
    };

    const PASS: &str = "correct horse battery staple";

    fn workbook(dir: &std::path::Path) -> (Workbook, std::path::PathBuf) {
        let path = dir.join("w.medsec");
        let wb = Workbook::create(
            &path,
            &Passphrase::new(PASS.into()),
            AssessmentMeta {
                assessor: "A. Assessor".into(),
                ..AssessmentMeta::default()
            },
        )
        .unwrap();
        (wb, path)
    }

    fn device(wb: &mut Workbook, name: &str) -> i64 {
        let change = DeviceChange {
            values: vec![
                ("name", name.to_string()),
                ("manufacturer", "B. Braun".into()),
                ("model", "Space".into()),
            ],
            ..DeviceChange::default()
        };
        wb.add_device(&change, FieldSource::Typed).unwrap().id
    }

    fn file(dir: &std::path::Path, name: &str, bytes: &[u8]) -> EvidenceFile {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        read_evidence_file(&path, DEFAULT_ATTACHMENT_LIMIT).unwrap()
    }

    #[test]
    fn ids_parse_as_typed() {
        assert_eq!(parse_attachment_id("A-0007"), Some(7));
        assert_eq!(parse_attachment_id(" a-12 "), Some(12));
        assert_eq!(parse_attachment_id("3"), Some(3));
        for bad in ["", "A-", "A-x", "0", "R-0003", "-1"] {
            assert_eq!(parse_attachment_id(bad), None, "{bad}");
        }
        assert_eq!(attachment_label(7), "A-0007");
        assert_eq!(attachment_label(12345), "A-12345");
    }

    #[test]
    fn evidence_is_stored_listed_read_and_removed_with_undo() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wb, _) = workbook(dir.path());
        let d = device(&mut wb, "Pump");
        let t = Target::Device(d);
        let model = Target::Model {
            manufacturer: "B. Braun".into(),
            model: "Space".into(),
        };
        let enc = catalog().control("ENC-03").unwrap().clone();
        let sbom = catalog().control("INV-03").unwrap().clone();
        let photo = file(dir.path(), "screen.jpg", b"\xff\xd8\xff\xe0 a photo");
        let a = wb
            .add_attachment(&t, &enc, &photo, " settings\u{7} page ")
            .unwrap();
        assert_eq!(a.label(), "A-0001");
        assert_eq!(a.file_name, "screen.jpg");
        assert_eq!(a.media_type, "image/jpeg");
        assert_eq!(a.size, 12);
        assert_eq!(a.sha256, photo.sha256);
        assert_eq!(a.added_by, "A. Assessor");
        assert_eq!(a.caption, "settings page");
        let letter = file(dir.path(), "sbom.json", b"{\"components\": []}");
        let b = wb.add_attachment(&model, &sbom, &letter, "").unwrap();
        assert_eq!(b.media_type, "application/json");

        assert_eq!(
            wb.attachments(AttachmentFilter::All).unwrap(),
            vec![a.clone(), b.clone()]
        );
        let spelled = Target::Model {
            manufacturer: "b. braun ".into(),
            model: "SPACE".into(),
        };
        assert_eq!(
            wb.attachments(AttachmentFilter::Target(&spelled)).unwrap(),
            vec![b.clone()]
        );
        assert_eq!(
            wb.attachments(AttachmentFilter::Control(&t, "enc-03"))
                .unwrap(),
            vec![a.clone()]
        );
        assert!(
            wb.attachments(AttachmentFilter::Control(&t, "ENC-01"))
                .unwrap()
                .is_empty()
        );
        let (got, bytes) = wb.attachment_bytes(a.id).unwrap();
        assert_eq!((got, bytes), (a.clone(), photo.bytes.clone()));

        assert_eq!(
            wb.next_undo().unwrap().map(|s| s.label).as_deref(),
            Some("evidence model B. Braun Space INV-03 sbom.json")
        );
        let removed = wb.remove_attachment(a.id).unwrap();
        assert_eq!(removed.id, a.id);
        assert!(matches!(
            wb.remove_attachment(a.id),
            Err(AttachmentError::NotFound(id)) if id == "A-0001"
        ));
        assert!(matches!(
            wb.attachment_bytes(a.id),
            Err(AttachmentError::NotFound(_))
        ));
        assert_eq!(
            wb.attachments(AttachmentFilter::All).unwrap(),
            vec![b.clone()]
        );
        // Undo the removal: back, bytes intact.
        assert_eq!(
            wb.undo().unwrap().map(|s| s.label).as_deref(),
            Some("remove evidence DEV-0001 ENC-03 screen.jpg")
        );
        assert_eq!(wb.attachment_bytes(a.id).unwrap().1, photo.bytes);
        // Undo the addition of the model's file, then redo it.
        wb.undo().unwrap();
        assert_eq!(
            wb.attachments(AttachmentFilter::All).unwrap(),
            vec![a.clone()]
        );
        wb.redo().unwrap();
        assert_eq!(wb.attachments(AttachmentFilter::All).unwrap(), vec![a, b]);
        // Undo steps never carry the bytes.
        let blobs: i64 = wb
            .conn
            .query_row(
                "SELECT count(*) FROM change_row
                 WHERE before_json LIKE '%blob%' OR after_json LIKE '%blob%'
                    OR after_json LIKE '%bytes%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(blobs, 0);
    }

    #[test]
    fn a_tampered_attachment_is_reported_not_returned() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wb, _) = workbook(dir.path());
        let d = device(&mut wb, "Pump");
        let enc = catalog().control("ENC-01").unwrap().clone();
        let f = file(dir.path(), "config.txt", b"encryption=off\n");
        let a = wb.add_attachment(&Target::Device(d), &enc, &f, "").unwrap();
        // Same size, one byte changed, written behind medsec's back.
        wb.conn
            .execute(
                "UPDATE attachment_data SET bytes = ?1 WHERE attachment_id = ?2",
                params![b"encryption=on!\n".to_vec(), a.id],
            )
            .unwrap();
        let e = wb.attachment_bytes(a.id).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, AttachmentError::Tampered(_)), "{msg}");
        assert!(
            msg.contains("A-0001 config.txt (DEV-0001 ENC-01) is damaged"),
            "{msg}"
        );
        assert!(msg.contains(&a.sha256), "{msg}");
        assert!(msg.contains("size 15 bytes as recorded"), "{msg}");
        // A truncated blob: the sizes are named too.
        wb.conn
            .execute(
                "UPDATE attachment_data SET bytes = x'00' WHERE attachment_id = ?1",
                [a.id],
            )
            .unwrap();
        let msg = wb.attachment_bytes(a.id).unwrap_err().to_string();
        assert!(msg.contains("15 bytes recorded, 1 byte found"), "{msg}");
    }

    #[test]
    fn evidence_alone_does_not_assess_and_survives_a_cleared_answer() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wb, path) = workbook(dir.path());
        let d = device(&mut wb, "Pump");
        let t = Target::Device(d);
        let enc = catalog().control("ENC-01").unwrap().clone();
        let f = file(dir.path(), "photo.png", b"\x89PNG\r\n\x1a\n....");
        wb.add_attachment(&t, &enc, &f, "").unwrap();
        let dev = wb.devices().unwrap().remove(0);
        let p = progress(catalog(), &wb.answer_set().unwrap(), &dev);
        assert_eq!(p.total.assessed(), 0);
        assert_eq!(wb.answer(&t, "ENC-01").unwrap(), None);
        // Answer, then clear: the answer row goes, the evidence stays.
        for response in [Some(Some(Response::Yes)), Some(None)] {
            wb.set_answer(
                &t,
                &enc,
                &AnswerInput {
                    response,
                    ..AnswerInput::default()
                },
            )
            .unwrap();
        }
        assert_eq!(wb.answer(&t, "ENC-01").unwrap(), None);
        assert_eq!(wb.attachments(AttachmentFilter::All).unwrap().len(), 1);
        // A deleted device's evidence leaves the lists; undelete brings it back.
        wb.delete_device(d).unwrap();
        assert!(wb.attachments(AttachmentFilter::All).unwrap().is_empty());
        assert!(matches!(
            wb.add_attachment(&t, &enc, &f, ""),
            Err(WorkbookError::NoSuchDevice(_))
        ));
        wb.undo().unwrap();
        assert_eq!(wb.attachments(AttachmentFilter::All).unwrap().len(), 1);
        drop(wb);
        // Kept across a reopen.
        let wb = Workbook::open(&path, &Passphrase::new(PASS.into()), Access::Read).unwrap();
        assert_eq!(wb.attachments(AttachmentFilter::All).unwrap().len(), 1);
    }

    #[test]
    fn the_limit_is_per_workbook_and_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wb, _) = workbook(dir.path());
        assert_eq!(
            wb.attachment_limit().unwrap(),
            AttachmentLimit {
                bytes: 26_214_400,
                is_default: true
            }
        );
        let d = device(&mut wb, "Pump");
        let enc = catalog().control("ENC-01").unwrap().clone();
        let f = file(dir.path(), "big.bin", &[7u8; 2000]);
        assert_eq!(
            wb.set_attachment_limit(Some(1999)).unwrap(),
            AttachmentLimit {
                bytes: 1999,
                is_default: false
            }
        );
        let e = wb
            .add_attachment(&Target::Device(d), &enc, &f, "")
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("big.bin is 2 KiB (2,000 bytes), over this workbook's evidence limit of 2 KiB (1,999 bytes)"),
            "{e}"
        );
        assert!(wb.attachments(AttachmentFilter::All).unwrap().is_empty());
        assert!(wb.set_attachment_limit(Some(0)).is_err());
        assert!(
            wb.set_attachment_limit(Some(MAX_ATTACHMENT_LIMIT + 1))
                .is_err()
        );
        assert!(wb.set_attachment_limit(Some(MAX_ATTACHMENT_LIMIT)).is_ok());
        assert!(wb.set_attachment_limit(None).unwrap().is_default);
        wb.add_attachment(&Target::Device(d), &enc, &f, "").unwrap();
    }
}
