//! The assessment model: responses, answers, the targets they are given for, and progress.

mod progress;

pub use progress::{
    AnswerSet, AnswerSetBuilder, DeviceAnswers, DeviceProgress, Effective, Origin, SharedAnswer,
    StepProgress, effective_answers, model_key, model_target, progress, site_target,
};

use chrono::{DateTime, NaiveDate, Utc};
use compact_str::CompactString;

use crate::catalog::Scope;

/// An assessor's response to a control (CATALOG.md "Conventions"). No response = not assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Response {
    /// In place and evidenced.
    Yes,
    /// Partly in place.
    Partial,
    /// Not in place.
    No,
    /// Does not apply (needs a note).
    NotApplicable,
    /// Could not be assessed.
    Unknown,
}

impl Response {
    /// All responses in sheet order.
    pub const ALL: [Response; 5] = [
        Response::Yes,
        Response::Partial,
        Response::No,
        Response::NotApplicable,
        Response::Unknown,
    ];

    /// The response as written in sheets and the database: `Yes`, `Partial`, `No`, `N/A`, `Unknown`.
    pub fn label(self) -> &'static str {
        match self {
            Response::Yes => "Yes",
            Response::Partial => "Partial",
            Response::No => "No",
            Response::NotApplicable => "N/A",
            Response::Unknown => "Unknown",
        }
    }

    /// Parses a stored or typed response: the labels above case-insensitively, plus the CLI
    /// words `yes`, `partial`, `no`, `na`, `unknown`.
    pub fn parse(text: &str) -> Option<Response> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "yes" | "y" => Some(Response::Yes),
            "partial" | "p" => Some(Response::Partial),
            "no" | "n" => Some(Response::No),
            "n/a" | "na" => Some(Response::NotApplicable),
            "unknown" | "u" => Some(Response::Unknown),
            _ => None,
        }
    }

    /// Whether this response opens a finding (No, Partial, Unknown), which gets a risk rating.
    pub fn is_finding(self) -> bool {
        matches!(self, Response::No | Response::Partial | Response::Unknown)
    }

    /// The default likelihood of a finding given without a rating (PRODUCT.md): 3 for No and
    /// Unknown, 2 for Partial.
    pub fn default_likelihood(self) -> Option<u8> {
        match self {
            Response::No | Response::Unknown => Some(3),
            Response::Partial => Some(2),
            _ => None,
        }
    }
}

/// How an answer was established (PRODUCT.md "Answers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerSource {
    /// Seen on the device.
    Observed,
    /// Told by staff.
    Interview,
    /// From a document.
    Document,
    /// Tested.
    Tested,
    /// From a scan.
    Scan,
    /// From a manufacturer disclosure (MDS2).
    Mds2,
    /// From a filled spreadsheet.
    Spreadsheet,
    /// Copied to several devices at once.
    Bulk,
}

impl AnswerSource {
    /// Every source in list order.
    pub const ALL: [AnswerSource; 8] = [
        AnswerSource::Observed,
        AnswerSource::Interview,
        AnswerSource::Document,
        AnswerSource::Tested,
        AnswerSource::Scan,
        AnswerSource::Mds2,
        AnswerSource::Spreadsheet,
        AnswerSource::Bulk,
    ];

    /// The source's name as written in sheets: `Observed`, …, `MDS2`, ….
    pub fn label(self) -> &'static str {
        match self {
            AnswerSource::Observed => "Observed",
            AnswerSource::Interview => "Interview",
            AnswerSource::Document => "Document",
            AnswerSource::Tested => "Tested",
            AnswerSource::Scan => "Scan",
            AnswerSource::Mds2 => "MDS2",
            AnswerSource::Spreadsheet => "Spreadsheet",
            AnswerSource::Bulk => "Bulk",
        }
    }

    /// Parses a source name, case-insensitively.
    pub fn parse(text: &str) -> Option<AnswerSource> {
        AnswerSource::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(text.trim()))
    }
}

/// Whom an answer is for (PRODUCT.md "Scopes").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One device (its row ID).
    Device(i64),
    /// A manufacturer + model.
    Model {
        /// Manufacturer as written on the devices.
        manufacturer: String,
        /// Model as written on the devices.
        model: String,
    },
    /// A site; `""` is the default site of a workbook with no sites set.
    Site(String),
}

impl Target {
    /// Whether `other` is the same target as the workbook matches them: the same device, or a
    /// model or site spelled with other case or surrounding spaces.
    pub fn matches(&self, other: &Target) -> bool {
        match (self, other) {
            (
                Target::Model {
                    manufacturer: m1,
                    model: n1,
                },
                Target::Model {
                    manufacturer: m2,
                    model: n2,
                },
            ) => model_key(m1, n1) == model_key(m2, n2),
            (Target::Site(x), Target::Site(y)) => {
                x.trim().to_lowercase() == y.trim().to_lowercase()
            }
            (a, b) => a == b,
        }
    }

    /// Whether `device` is covered by this target: the device itself, a unit of the model, a
    /// device of the site (case-insensitive; `""` = devices with no site).
    pub fn covers(&self, device: &crate::device::Device) -> bool {
        match self {
            Target::Device(id) => device.id == *id,
            Target::Model {
                manufacturer,
                model,
            } => {
                model_key(device.get("manufacturer"), device.get("model"))
                    == model_key(manufacturer, model)
            }
            Target::Site(site) => {
                device.get("site").trim().to_lowercase() == site.trim().to_lowercase()
            }
        }
    }

    /// The scope this target answers at.
    pub fn scope(&self) -> Scope {
        match self {
            Target::Device(_) => Scope::Device,
            Target::Model { .. } => Scope::Model,
            Target::Site(_) => Scope::Site,
        }
    }

    /// The key used in sheets for scope rows: `MODEL:<manufacturer>/<model>`, `SITE:<site>` or
    /// `SITE` for the default site; `None` for a device.
    pub fn scope_key(&self) -> Option<String> {
        match self {
            Target::Device(_) => None,
            Target::Model {
                manufacturer,
                model,
            } => Some(format!("MODEL:{manufacturer}/{model}")),
            Target::Site(s) if s.is_empty() => Some("SITE".to_string()),
            Target::Site(s) => Some(format!("SITE:{s}")),
        }
    }
}

/// One stored answer. Its texts are `CompactString`s (up to 24 bytes held inline, with no
/// allocation): a 10,000-device workbook holds about 420,000 answers, most of whose control IDs,
/// names, observed values and references are short.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    /// Catalog control ID.
    pub control_id: CompactString,
    /// The response; `None` = not assessed.
    pub response: Option<Response>,
    /// Free-text note (≤ 32,767 UTF-16 units).
    pub note: CompactString,
    /// Observed value (e.g. "TLS 1.2").
    pub observed: CompactString,
    /// Evidence reference (photo ID, ticket).
    pub evidence_ref: CompactString,
    /// How the answer was established.
    pub source: Option<AnswerSource>,
    /// Likelihood, 1–5 (NIST SP 800-30 Rev. 1 Table G-3 scale names).
    pub likelihood: Option<u8>,
    /// Impact, 1–5 (TEMPLATE.md "Risk Matrix").
    pub impact: Option<u8>,
    /// Likelihood is the default for the response, not rated by the assessor.
    pub likelihood_default: bool,
    /// Impact is the device's default, not rated by the assessor.
    pub impact_default: bool,
    /// Impact per dimension as the assessor rated it, 1–5 each: patient safety, PHI / data,
    /// clinical operations (TEMPLATE.md "Risk Matrix"; order of [`crate::catalog::ImpactDimension`]).
    /// All `None` = the impact is one number, or the devices' defaults; when any is set,
    /// `impact` is the highest of them.
    pub dimension_impacts: [Option<u8>; 3],
    /// Recommendation text.
    pub recommendation: CompactString,
    /// Source reference of an unconfirmed suggestion (e.g. `MDS2 (unconfirmed) <doc> <date>`).
    pub suggested: Option<CompactString>,
    /// Deferred until this date (`deferred_reason` says why).
    pub deferred_until: Option<NaiveDate>,
    /// Why the control was deferred; non-empty = deferred.
    pub deferral_reason: CompactString,
    /// Who answered (the workbook's assessor name).
    pub assessed_by: CompactString,
    /// When, UTC.
    pub assessed_at: Option<DateTime<Utc>>,
    /// The assessor's local date at the time.
    pub assessed_on: Option<NaiveDate>,
}

impl Answer {
    /// Whether the answer counts as assessed: it has a response and is not an unconfirmed
    /// suggestion.
    pub fn is_assessed(&self) -> bool {
        self.response.is_some() && self.suggested.is_none()
    }

    /// Whether nothing is recorded: no response, suggestion, text or deferral. Such an answer is
    /// removed rather than stored, so a cleared device override falls back to its model's answer.
    pub fn is_empty(&self) -> bool {
        self.response.is_none()
            && self.suggested.is_none()
            && self.deferred_until.is_none()
            && [
                &self.note,
                &self.observed,
                &self.evidence_ref,
                &self.recommendation,
                &self.deferral_reason,
            ]
            .iter()
            .all(|t| t.trim().is_empty())
    }

    /// The response if it counts (an unconfirmed suggestion does not).
    pub fn confirmed_response(&self) -> Option<Response> {
        if self.suggested.is_some() {
            None
        } else {
            self.response
        }
    }

    /// L × I (1–25) when both are set.
    pub fn score(&self) -> Option<u8> {
        Some(self.likelihood? * self.impact?)
    }

    /// The level in `grid` (the workbook's; NIST SP 800-30 Rev. 1 Table I-2 unless edited)
    /// when both ratings are set.
    pub fn level(&self, grid: &crate::risk::RiskGrid) -> Option<crate::risk::RiskLevel> {
        Some(grid.level(self.likelihood?, self.impact?))
    }
}

/// Limit of a note, in UTF-16 code units: Excel's cell limit, so no export ever truncates one.
pub const NOTE_LIMIT_UTF16: usize = 32_767;

/// Checks a free-text value against [`NOTE_LIMIT_UTF16`]; the error says how long it is.
pub fn check_text_limit(field: &str, text: &str) -> Result<(), String> {
    let units = text.encode_utf16().count();
    if units > NOTE_LIMIT_UTF16 {
        Err(format!(
            "the {field} is {units} UTF-16 units long; the limit is {NOTE_LIMIT_UTF16} (a spreadsheet cell)"
        ))
    } else {
        Ok(())
    }
}
