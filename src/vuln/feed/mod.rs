//! Reading feed files (CISA KEV JSON and CSV, CSAF 2.0, NVD CVE API 2.0, CVE JSON 5.x,
//! CycloneDX VEX) into [`FeedDocument`]s.
//!
//! STUB (issue 6 contract): the readers are being written.

use std::path::Path;

use super::FeedDocument;

/// Why a feed file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The file is not one of the known feed formats, or is damaged beyond reading.
    #[error("{file}: {reason}")]
    Unreadable {
        /// The file as given.
        file: String,
        /// What is wrong and what to do.
        reason: String,
    },
}

/// Reads one feed file.
///
/// Errors: `FeedError::Unreadable` naming the file and the reason.
pub fn read_file(path: &Path) -> Result<FeedDocument, FeedError> {
    Err(FeedError::Unreadable {
        file: path.display().to_string(),
        reason: "feed reading is not built yet".to_string(),
    })
}
