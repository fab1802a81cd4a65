//! The validation lists of the `Lists` sheet (TEMPLATE.md "Lists"), in column order; the
//! drop-downs of every sheet refer to their ranges.

use crate::assessment::{AnswerSource, Response};
use crate::catalog::Catalog;
use crate::device::fields::{
    CATEGORIES, CRITICALITIES, MDS2_VERSIONS, REGULATORY_AUTHORITIES, REGULATORY_CLASSES,
    SBOM_FORMATS, YES_NO,
};

use super::step_label;

/// One validation list on the `Lists` sheet (TEMPLATE.md "Lists"), in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListId {
    /// Yes, Partial, No, N/A, Unknown.
    Response,
    /// Observed … Bulk.
    AnswerSource,
    /// Open, In Progress, Closed.
    Status,
    /// Mitigate, Accept, Transfer, Avoid.
    Treatment,
    /// 1–5 (numbers).
    Scale,
    /// Yes, No.
    YesNo,
    /// Yes, No, Unknown.
    YesNoUnknown,
    /// Device categories.
    DeviceCategory,
    /// Regulatory classes.
    RegulatoryClass,
    /// Regulatory authorities.
    RegulatoryAuthority,
    /// Patient-safety criticality.
    Criticality,
    /// MDS2 form versions.
    Mds2Version,
    /// SBOM formats.
    SbomFormat,
    /// CVSS severities.
    CvssSeverity,
    /// Clinical functions a vulnerability can affect.
    ClinicalFunctions,
    /// Manufacturer fix status.
    FixStatus,
    /// Vulnerability match confidence.
    MatchConfidence,
    /// Vulnerability finding state.
    FindingState,
    /// Controlled / Uncontrolled (FDA postmarket framing).
    Controlled,
    /// The eight step names, e.g. `3 Data Encryption`.
    Steps,
}

/// A value on the `Lists` sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum ListValue {
    /// Text.
    Text(String),
    /// A number (the 1–5 scale, so that choosing from it enters a number).
    Number(f64),
}

const YES_NO_UNKNOWN: &[&str] = &["Yes", "No", "Unknown"];

impl ListId {
    /// Every list in `Lists` column order.
    pub const ALL: [ListId; 20] = [
        ListId::Response,
        ListId::AnswerSource,
        ListId::Status,
        ListId::Treatment,
        ListId::Scale,
        ListId::YesNo,
        ListId::YesNoUnknown,
        ListId::DeviceCategory,
        ListId::RegulatoryClass,
        ListId::RegulatoryAuthority,
        ListId::Criticality,
        ListId::Mds2Version,
        ListId::SbomFormat,
        ListId::CvssSeverity,
        ListId::ClinicalFunctions,
        ListId::FixStatus,
        ListId::MatchConfidence,
        ListId::FindingState,
        ListId::Controlled,
        ListId::Steps,
    ];

    /// The list's header on `Lists`.
    pub fn header(self) -> &'static str {
        match self {
            ListId::Response => "Response",
            ListId::AnswerSource => "Answer Source",
            ListId::Status => "Status",
            ListId::Treatment => "Treatment",
            ListId::Scale => "Likelihood / Impact (1-5)",
            ListId::YesNo => "Yes/No",
            ListId::YesNoUnknown => "Yes/No/Unknown",
            ListId::DeviceCategory => "Device Category",
            ListId::RegulatoryClass => "Regulatory Class",
            ListId::RegulatoryAuthority => "Regulatory Authority",
            ListId::Criticality => "Criticality",
            ListId::Mds2Version => "MDS2 Version",
            ListId::SbomFormat => "SBOM Format",
            ListId::CvssSeverity => "CVSS Severity",
            ListId::ClinicalFunctions => "Clinical Functions",
            ListId::FixStatus => "Fix Status",
            ListId::MatchConfidence => "Match Confidence",
            ListId::FindingState => "Finding State",
            ListId::Controlled => "Controlled/Uncontrolled",
            ListId::Steps => "Step",
        }
    }

    /// The fixed text values of the lists that do not depend on the catalog or on enums.
    pub(super) fn static_values(self) -> Option<&'static [&'static str]> {
        Some(match self {
            ListId::Status => &["Open", "In Progress", "Closed"],
            ListId::Treatment => &["Mitigate", "Accept", "Transfer", "Avoid"],
            ListId::YesNo => YES_NO,
            ListId::YesNoUnknown => YES_NO_UNKNOWN,
            ListId::DeviceCategory => CATEGORIES,
            ListId::RegulatoryClass => REGULATORY_CLASSES,
            ListId::RegulatoryAuthority => REGULATORY_AUTHORITIES,
            ListId::Criticality => CRITICALITIES,
            ListId::Mds2Version => MDS2_VERSIONS,
            ListId::SbomFormat => SBOM_FORMATS,
            ListId::CvssSeverity => &["None", "Low", "Medium", "High", "Critical"],
            ListId::ClinicalFunctions => &[
                "PHI",
                "Diagnosis/Monitoring",
                "Therapy",
                "Clinical Workflow",
                "Credentials/Keys",
                "Other",
            ],
            ListId::FixStatus => &["Fix validated", "Fix pending", "No fix planned", "Unknown"],
            ListId::MatchConfidence => &["High", "Medium", "Low"],
            ListId::FindingState => &["Suggested", "Confirmed", "Dismissed"],
            ListId::Controlled => &["Controlled", "Uncontrolled"],
            ListId::Response | ListId::AnswerSource | ListId::Scale | ListId::Steps => {
                return None;
            }
        })
    }

    /// The list's values, in order.
    pub fn values(self, catalog: &Catalog) -> Vec<ListValue> {
        let text = |v: &[&str]| v.iter().map(|s| ListValue::Text(s.to_string())).collect();
        match self {
            ListId::Response => Response::ALL
                .iter()
                .map(|r| ListValue::Text(r.label().to_string()))
                .collect(),
            ListId::AnswerSource => AnswerSource::ALL
                .iter()
                .map(|s| ListValue::Text(s.label().to_string()))
                .collect(),
            ListId::Scale => (1..=5).map(|n| ListValue::Number(f64::from(n))).collect(),
            ListId::Steps => catalog
                .steps
                .iter()
                .map(|s| ListValue::Text(step_label(s.number, &s.name)))
                .collect(),
            other => other.static_values().map(text).unwrap_or_default(),
        }
    }

    /// The list's column on `Lists` (0-based).
    pub fn column(self) -> u16 {
        ListId::ALL
            .iter()
            .position(|l| *l == self)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0)
    }
}
