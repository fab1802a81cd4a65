//! Stored SBOMs: one live `sbom` row per device (its components as JSON). Importing again for
//! the same device marks the previous row replaced (`replaced_at`) instead of deleting it, so
//! that undo brings it back. An import is one undo step, `sbom DEV-0003 file.json`, and fills
//! the device's `sbom_available` (`Yes`) and `sbom_format` fields unless the assessor typed
//! them.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::devices::{DeviceChange, FieldSource, live_device_in, short_id_in, update_device_in};
use super::snapshot::RowKey;
use super::{Workbook, WorkbookError, now_utc};
use crate::vuln::Component;
use crate::vuln::sbom::{Sbom, SbomFile};

/// An SBOM as stored for a device.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSbom {
    /// Its row ID.
    pub id: i64,
    /// The device's row ID.
    pub device_id: i64,
    /// What it holds (format, spec version, subject, components).
    pub sbom: Sbom,
    /// The file it came from (name only).
    pub file_name: String,
    /// SHA-256 of the file, 64 lower-case hex digits.
    pub sha256: String,
    /// When it was imported (RFC 3339 UTC).
    pub imported_at: String,
}

/// What one SBOM import did.
#[derive(Debug, Clone, PartialEq)]
pub struct SbomImport {
    /// The SBOM now stored.
    pub stored: StoredSbom,
    /// The one it replaced, if the device had one.
    pub replaced: Option<StoredSbom>,
}

const SELECT: &str = "SELECT id, device_id, format, spec_version, subject, subject_version,
        supplier, created, components_json, file_name, sha256, imported_at FROM sbom";

fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredSbom> {
    let components: String = r.get(8)?;
    let components: Vec<Component> = serde_json::from_str(&components).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(StoredSbom {
        id: r.get(0)?,
        device_id: r.get(1)?,
        sbom: Sbom {
            format: r.get(2)?,
            spec_version: r.get(3)?,
            subject: r.get(4)?,
            subject_version: r.get(5)?,
            supplier: r.get(6)?,
            created: r.get(7)?,
            components,
        },
        file_name: r.get(9)?,
        sha256: r.get(10)?,
        imported_at: r.get(11)?,
    })
}

fn live_sbom_in(conn: &Connection, device_id: i64) -> rusqlite::Result<Option<StoredSbom>> {
    conn.prepare_cached(&format!(
        "{SELECT} WHERE device_id = ?1 AND replaced_at IS NULL ORDER BY id DESC LIMIT 1"
    ))?
    .query_row([device_id], from_row)
    .optional()
}

impl Workbook {
    /// Stores `file` as the SBOM of device `device_id` (row ID), replacing the one it had.
    /// One undo step.
    ///
    /// Errors: `NoSuchDevice` (deleted or unknown device), `Invalid`, `Sqlite`.
    pub fn import_sbom(
        &mut self,
        device_id: i64,
        file: &SbomFile,
    ) -> Result<SbomImport, WorkbookError> {
        if live_device_in(&self.conn, device_id)
            .map_err(|e| self.sql(e))?
            .is_none()
        {
            return Err(WorkbookError::NoSuchDevice(format!("#{device_id}")));
        }
        let components = serde_json::to_string(&file.sbom.components)
            .map_err(|e| WorkbookError::Invalid(e.to_string()))?;
        let now = now_utc();
        let (id, replaced) = self.recorded(|tx, rec| {
            let replaced = live_sbom_in(tx, device_id)?;
            if let Some(old) = &replaced {
                rec.touch(tx, RowKey::Sbom(old.id))?;
                tx.execute(
                    "UPDATE sbom SET replaced_at = ?1 WHERE id = ?2",
                    params![now, old.id],
                )?;
            }
            let s = &file.sbom;
            tx.execute(
                "INSERT INTO sbom (device_id, format, spec_version, subject, subject_version,
                     supplier, created, components_json, file_name, sha256, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    device_id,
                    s.format,
                    s.spec_version,
                    s.subject,
                    s.subject_version,
                    s.supplier,
                    s.created,
                    components,
                    file.file_name,
                    file.sha256,
                    now
                ],
            )?;
            let id = tx.last_insert_rowid();
            rec.created(RowKey::Sbom(id));
            let format = if s.format == "SPDX" {
                "SPDX"
            } else {
                "CycloneDX"
            };
            let change = DeviceChange {
                values: vec![
                    ("sbom_available", "Yes".to_string()),
                    ("sbom_format", format.to_string()),
                ],
                ..DeviceChange::default()
            };
            update_device_in(tx, rec, device_id, &change, FieldSource::Inventory, false)?;
            let label = format!("sbom {} {}", short_id_in(tx, device_id)?, file.file_name);
            Ok(((id, replaced), label))
        })?;
        let stored = self
            .conn
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
            .map_err(|e| self.sql(e))?;
        Ok(SbomImport { stored, replaced })
    }

    /// The SBOM of device `device_id` (row ID) in force, `None` when it has none.
    ///
    /// Errors: `Sqlite` (also for components JSON that is not what medsec wrote).
    pub fn sbom(&self, device_id: i64) -> Result<Option<StoredSbom>, WorkbookError> {
        live_sbom_in(&self.conn, device_id).map_err(|e| self.sql(e))
    }

    /// Every SBOM in force, of devices not deleted, by device row ID.
    ///
    /// Errors: `Sqlite`.
    pub fn sboms(&self) -> Result<Vec<StoredSbom>, WorkbookError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{SELECT} WHERE replaced_at IS NULL
                   AND device_id IN (SELECT id FROM device WHERE deleted_at IS NULL)
                 ORDER BY device_id, id"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], from_row)
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use super::*;
    use crate::vuln::sbom::read_file;
    use crate::workbook::{AssessmentMeta, Passphrase};

    #[test]
    fn import_replace_and_undo_redo() {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = Workbook::create(
            &dir.path().join("w.medsec"),
            &Passphrase::new("correct horse battery staple".into()),
            AssessmentMeta::default(),
        )
        .unwrap();
        let dev = wb
            .add_device(
                &DeviceChange {
                    values: vec![("name", "Monitor".to_string())],
                    ..DeviceChange::default()
                },
                FieldSource::Typed,
            )
            .unwrap();
        let base = Path::new("../shared/corpus/sbom");
        let ext =
            read_file(&base.join("sbom-completeness-case-study-extended.cdx14.json")).unwrap();
        let narrow =
            read_file(&base.join("sbom-completeness-case-study-narrow.cdx14.json")).unwrap();
        assert!(wb.sbom(dev.id).unwrap().is_none());
        let first = wb.import_sbom(dev.id, &ext).unwrap();
        assert_eq!(first.replaced, None);
        assert_eq!(first.stored.sbom.components.len(), 65);
        assert_eq!(wb.device(dev.id).unwrap().get("sbom_format"), "CycloneDX");
        assert_eq!(wb.device(dev.id).unwrap().get("sbom_available"), "Yes");
        let second = wb.import_sbom(dev.id, &narrow).unwrap();
        assert_eq!(second.replaced.unwrap().id, first.stored.id);
        assert_eq!(wb.sbom(dev.id).unwrap().unwrap().sbom.components.len(), 55);
        assert_eq!(wb.sboms().unwrap().len(), 1);
        // Undo brings the first back; redo the second again.
        wb.undo().unwrap();
        assert_eq!(wb.sbom(dev.id).unwrap().unwrap().sbom.components.len(), 65);
        wb.redo().unwrap();
        assert_eq!(wb.sbom(dev.id).unwrap().unwrap().sbom.components.len(), 55);
        wb.undo().unwrap();
        wb.undo().unwrap();
        assert!(wb.sbom(dev.id).unwrap().is_none());
        assert_eq!(wb.device(dev.id).unwrap().get("sbom_format"), "");
        assert!(matches!(
            wb.import_sbom(9999, &ext),
            Err(WorkbookError::NoSuchDevice(_))
        ));
    }
}
