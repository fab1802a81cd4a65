//! Reading SBOMs (CycloneDX 1.4–1.6 JSON, SPDX 2.2 / 2.3 JSON) into [`Sbom`]s.
//!
//! STUB (issue 6 contract): the readers are being written.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Component;

/// An SBOM as medsec keeps it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sbom {
    /// `CycloneDX` or `SPDX`.
    pub format: String,
    /// `1.4`, `1.5`, `1.6`, `2.2`, `2.3`.
    pub spec_version: String,
    /// What it describes (CycloneDX `metadata.component.name`, the SPDX described package).
    pub subject: String,
    /// Its version.
    pub subject_version: String,
    /// Its supplier.
    pub supplier: String,
    /// The document's own timestamp as written.
    pub created: String,
    /// The components, in file order, without the subject itself.
    pub components: Vec<Component>,
}

/// Why an SBOM could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// Not a CycloneDX or SPDX JSON document, or damaged beyond reading.
    #[error("{file}: {reason}")]
    Unreadable {
        /// The file as given.
        file: String,
        /// What is wrong and what to do.
        reason: String,
    },
}

/// Reads one SBOM file.
///
/// Errors: `SbomError::Unreadable` naming the file and the reason.
pub fn read_file(path: &Path) -> Result<Sbom, SbomError> {
    Err(SbomError::Unreadable {
        file: path.display().to_string(),
        reason: "SBOM reading is not built yet".to_string(),
    })
}
