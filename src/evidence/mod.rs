//! Evidence files: what medsec needs around the attachments kept in the workbook
//! ([`crate::workbook::Attachment`]) — reading a file to attach with a bound on its size
//! ([`file`]), its media type ([`media`]), clean and safe names ([`name`]), sizes as people
//! read and type them ([`size`]), and the evidence zip with its manifest ([`export`],
//! [`manifest`]).

pub mod export;
pub mod file;
pub mod manifest;
pub mod media;
pub mod name;
pub mod size;

pub use export::{
    EvidenceExportError, EvidenceExportOptions, EvidenceExportSummary, check_evidence_output,
    export_evidence,
};
pub use file::{EvidenceFile, FileError, check_not_workbook, read_evidence_file, sha256_hex};
pub use manifest::{Manifest, ManifestFile};
