//! Matching devices and their SBOM components to the vulnerabilities of the feeds.
//!
//! STUB (issue 6 contract): the matcher is being written; [`match_device`] returns no matches.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Component, CvssScore, FeedIndex, FeedKind, FixStatus, KevEntry};
use crate::device::Device;

/// How sure a match is (TEMPLATE.md "2 CVE Findings", Match Confidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Confidence {
    /// Vendor and product only, or a loose name match.
    Low,
    /// Product matched, version unknown or not comparable.
    Medium,
    /// Product matched and the version lies in the affected range.
    High,
}

impl Confidence {
    /// `High`, `Medium`, `Low`.
    pub fn label(self) -> &'static str {
        match self {
            Confidence::High => "High",
            Confidence::Medium => "Medium",
            Confidence::Low => "Low",
        }
    }
}

/// One source that supports a match: which document, of which date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchSource {
    /// The document's kind.
    pub kind: FeedKind,
    /// The document's name (`ICSMA-18-058-02`, `CVE-2019-10964`, `KEV`).
    pub name: String,
    /// The document's own date.
    pub feed_date: NaiveDate,
}

/// One vulnerability matched to one device (or one of its SBOM components).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// `CVE-…` (upper case).
    pub cve: String,
    /// The SBOM component matched; `None` = the device's own product (manufacturer + model).
    pub component: Option<Component>,
    /// The best confidence over all sources.
    pub confidence: Confidence,
    /// Why, in words: `model + version in range (≤ 2.4a)`, `vendor + product only`,
    /// `component purl + version in range`.
    pub reason: String,
    /// Every document that supports the match, best first.
    pub sources: Vec<MatchSource>,
    /// Advisory IDs (ICSMA, vendor) that publish the CVE.
    pub advisories: Vec<String>,
    /// Every score given for the CVE, all sources.
    pub scores: Vec<CvssScore>,
    /// The manufacturer's fix status.
    pub fix: FixStatus,
    /// The KEV entry when the CVE is in the catalog.
    pub kev: Option<KevEntry>,
    /// A short title or the first sentence of the description.
    pub title: String,
}

/// Every vulnerability of `index` that applies to `device` (manufacturer, model, software and
/// firmware version, operating system) or to one of its SBOM `components`, one [`Match`] per
/// (CVE, component), sorted by CVE.
pub fn match_device(device: &Device, components: &[Component], index: &FeedIndex) -> Vec<Match> {
    let _ = (device, components, index);
    Vec::new()
}
