//! Vulnerability findings: the matches of feeds and SBOMs to devices, stored in `vuln_finding`
//! with the assessor's decision (Suggested, Confirmed, Dismissed).
//!
//! STUB (issue 6 contract): matching and storage are being written; [`Workbook::refresh_findings`]
//! changes nothing yet.

use super::{Workbook, WorkbookError};

/// What one refresh of the findings changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshOutcome {
    /// Matches seen for the first time (stored as Suggested).
    pub new: usize,
    /// Known matches whose facts changed (scores, KEV, sources).
    pub updated: usize,
    /// Known matches that no feed supports any more (marked stale, never deleted).
    pub stale: usize,
    /// Dismissed matches seen again and left dismissed.
    pub still_dismissed: usize,
    /// Devices checked.
    pub devices: usize,
}

impl Workbook {
    /// Matches every live device and its SBOM components against the stored feeds and records
    /// the result, keeping each finding's state (a dismissed match stays dismissed). Called after
    /// every feed or SBOM import and by `medsec finding refresh`.
    ///
    /// Errors: `WorkbookError::Sqlite`.
    pub fn refresh_findings(&mut self) -> Result<RefreshOutcome, WorkbookError> {
        Ok(RefreshOutcome::default())
    }
}
