//! The manifest of an evidence zip, written twice at its root: `manifest.json` (the whole
//! [`Manifest`], schema `assets/schema/evidence-manifest.v1.json`) and `manifest.csv` (one row per
//! file, for a spreadsheet: UTF-8 with a byte-order mark, comma-separated; text that a
//! spreadsheet would run as a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return — gets a leading `'`; numbers never do).

use serde::{Deserialize, Serialize};

use crate::export::csv::neutralise;

/// `format` of every manifest, which also tells a medsec evidence zip from any other zip.
pub const MANIFEST_FORMAT: &str = "medsec evidence manifest";

/// The version of the manifest's layout.
pub const MANIFEST_VERSION: u32 = 1;

/// Name of the JSON manifest at the root of the zip.
pub const MANIFEST_JSON: &str = "manifest.json";

/// Name of the CSV manifest at the root of the zip.
pub const MANIFEST_CSV: &str = "manifest.csv";

/// One file in the zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Where it is in the zip: `DEV-0003/ENC-03/photo.jpg`.
    pub path: String,
    /// The attachment's ID in the workbook: `A-0007`.
    pub attachment_id: String,
    /// Whose it is: a device's short ID, `MODEL:<manufacturer>/<model>`, `SITE:<site>` or `SITE`.
    pub target: String,
    /// `device`, `model` or `site`.
    pub target_kind: String,
    /// The device's name; a model's manufacturer and model; a site's name (`Default site`).
    pub device_name: String,
    /// The control, e.g. `ENC-03`.
    pub control_id: String,
    /// The control's title.
    pub control_title: String,
    /// The name the file was attached with.
    pub original_name: String,
    /// Its media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, 64 lower-case hex digits (checked against the stored hash while
    /// writing, and recomputed from the zip after writing).
    pub sha256: String,
    /// When it was attached (RFC 3339 UTC).
    pub added_at: String,
    /// Who attached it (the workbook's assessor at the time).
    pub added_by: String,
    /// Its caption (may be empty).
    pub caption: String,
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// [`MANIFEST_VERSION`].
    pub format_version: u32,
    /// The workbook's ID (shared by its copies).
    pub workbook_id: String,
    /// The organisation assessed.
    pub organisation: String,
    /// When the zip was written (RFC 3339 UTC).
    pub exported_at: String,
    /// The medsec version that wrote it.
    pub app_version: String,
    /// How many files (rows of `files`).
    pub file_count: usize,
    /// Their total size in bytes.
    pub total_bytes: u64,
    /// The files in zip order: devices by short ID, then models, then sites; controls in
    /// catalog order.
    pub files: Vec<ManifestFile>,
}

/// The CSV's header row.
const CSV_HEADER: [&str; 12] = [
    "target",
    "device_name",
    "control_id",
    "path",
    "original_name",
    "media_type",
    "size",
    "sha256",
    "added_at",
    "added_by",
    "caption",
    "attachment_id",
];

impl Manifest {
    /// The JSON manifest (pretty-printed, with a final line break).
    ///
    /// Errors: serde_json's (not expected for these plain fields).
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = serde_json::to_vec_pretty(self)?;
        out.push(b'\n');
        Ok(out)
    }

    /// The CSV manifest (see the module documentation).
    ///
    /// Errors: the csv writer's (not expected when writing to memory).
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(b"\xef\xbb\xbf".to_vec());
        w.write_record(CSV_HEADER)?;
        for f in &self.files {
            let size = f.size.to_string();
            w.write_record([
                neutralise(&f.target).as_ref(),
                &neutralise(&f.device_name),
                &neutralise(&f.control_id),
                &neutralise(&f.path),
                &neutralise(&f.original_name),
                &neutralise(&f.media_type),
                &size,
                &f.sha256,
                &f.added_at,
                &neutralise(&f.added_by),
                &neutralise(&f.caption),
                &f.attachment_id,
            ])?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn file(caption: &str) -> ManifestFile {
        ManifestFile {
            path: "DEV-0001/ENC-03/photo.jpg".into(),
            attachment_id: "A-0001".into(),
            target: "DEV-0001".into(),
            target_kind: "device".into(),
            device_name: "Dräger, \"Evita\"".into(),
            control_id: "ENC-03".into(),
            control_title: "Encryption in transit".into(),
            original_name: "photo.jpg".into(),
            media_type: "image/jpeg".into(),
            size: 1234,
            sha256: "a".repeat(64),
            added_at: "2026-01-02T03:04:05Z".into(),
            added_by: "A. Assessor".into(),
            caption: caption.into(),
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_and_never_a_live_formula() {
        let m = Manifest {
            format: MANIFEST_FORMAT.into(),
            format_version: 1,
            workbook_id: "w".into(),
            organisation: "o".into(),
            exported_at: "2026-01-02T03:04:05Z".into(),
            app_version: "0.1.0".into(),
            file_count: 2,
            total_bytes: 2468,
            files: vec![file("=HYPERLINK(\"http://x\")"), file("-12 dB at the pump")],
        };
        let csv = String::from_utf8(m.to_csv().unwrap()).unwrap();
        assert!(csv.starts_with("\u{feff}target,device_name,control_id,path,"));
        let rows: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            rows[1],
            "DEV-0001,\"Dräger, \"\"Evita\"\"\",ENC-03,DEV-0001/ENC-03/photo.jpg,photo.jpg,image/jpeg,1234,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,2026-01-02T03:04:05Z,A. Assessor,\"'=HYPERLINK(\"\"http://x\"\")\",A-0001"
        );
        assert!(rows[2].contains(",'-12 dB at the pump,"), "{}", rows[2]);
        let back: Manifest = serde_json::from_slice(&m.to_json().unwrap()).unwrap();
        assert_eq!(back, m);
    }
}
