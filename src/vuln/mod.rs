//! Offline vulnerability data: the feeds an assessor carries in (CISA KEV, CISA's medical
//! advisories in CSAF 2.0, NVD CVE API 2.0 records, CVE JSON 5.x records, CycloneDX VEX), the
//! SBOMs of devices, and the matching of both to the devices of a workbook.
//!
//! Every reader turns its format into the normalised types of this module, which are what the
//! workbook stores (`feed_item.body`, as JSON) and what [`matching`] reads. Readers are lenient:
//! unknown fields, missing product references, empty notes and double-encoded UTF-8 never stop
//! an import (PRODUCT.md "Loud, validated input": they are reported, not fatal).

pub mod feed;
pub mod matching;
pub mod sbom;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which kind of document a record came from; also the `feed.kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FeedKind {
    /// CISA Known Exploited Vulnerabilities catalog (JSON or CSV).
    Kev,
    /// A CSAF 2.0 advisory (e.g. CISA ICSMA).
    Csaf,
    /// An NVD CVE API 2.0 record (the `cve` object, or a full API response).
    Nvd,
    /// A CVE JSON 5.x record (cvelistV5).
    CveRecord,
    /// A CycloneDX VEX document.
    Vex,
}

impl FeedKind {
    /// The stored and shown name: `KEV`, `CSAF`, `NVD`, `CVE`, `VEX`.
    pub fn label(self) -> &'static str {
        match self {
            FeedKind::Kev => "KEV",
            FeedKind::Csaf => "CSAF",
            FeedKind::Nvd => "NVD",
            FeedKind::CveRecord => "CVE",
            FeedKind::Vex => "VEX",
        }
    }

    /// The kind of a stored label, `None` for an unknown one.
    pub fn parse(label: &str) -> Option<FeedKind> {
        [
            FeedKind::Kev,
            FeedKind::Csaf,
            FeedKind::Nvd,
            FeedKind::CveRecord,
            FeedKind::Vex,
        ]
        .into_iter()
        .find(|k| k.label() == label)
    }
}

/// Days after which a feed is flagged as stale (never refused): ISSUE 6 / PRODUCT.md.
pub const STALE_AFTER_DAYS: i64 = 30;

/// One imported feed document, as the `feed` table keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedInfo {
    /// Which format it was.
    pub kind: FeedKind,
    /// `KEV` for the catalog; the advisory ID (`ICSMA-18-058-02`) or the CVE ID otherwise.
    pub name: String,
    /// The feed's own date: KEV `dateReleased` (else its `catalogVersion`), the advisory's
    /// `current_release_date`, the record's last-modified date.
    pub feed_date: NaiveDate,
    /// The KEV `catalogVersion`, the advisory's revision number, the record's state; may be
    /// empty.
    pub version: String,
    /// The advisory's title, the KEV catalog's title; may be empty.
    pub title: String,
}

impl FeedInfo {
    /// `KEV of 2025-08-14`, `ICSMA-18-058-02 of 2018-02-27`: how findings name their data.
    pub fn dated_name(&self) -> String {
        format!("{} of {}", self.name, self.feed_date)
    }

    /// Whether the feed is older than [`STALE_AFTER_DAYS`] on `today`.
    pub fn is_stale(&self, today: NaiveDate) -> bool {
        (today - self.feed_date).num_days() > STALE_AFTER_DAYS
    }
}

/// One entry of the CISA KEV catalog (field names from its JSON schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KevEntry {
    /// `cveID`, e.g. `CVE-2017-0144`.
    pub cve: String,
    /// `vendorProject`, as written.
    pub vendor_project: String,
    /// `product`, as written.
    pub product: String,
    /// `vulnerabilityName`.
    pub name: String,
    /// `dateAdded`.
    pub date_added: Option<NaiveDate>,
    /// `shortDescription`.
    pub description: String,
    /// `requiredAction`.
    pub required_action: String,
    /// `dueDate`: the US federal (BOD 22-01) deadline, not the hospital's own target.
    pub due_date: Option<NaiveDate>,
    /// `knownRansomwareCampaignUse` as written (`Known`, `Unknown`).
    pub ransomware: String,
    /// `notes` (URLs separated by `;`).
    pub notes: String,
    /// `cwes`.
    pub cwes: Vec<String>,
}

/// One CVSS score as a source gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    /// `2.0`, `3.0`, `3.1`, `4.0`.
    pub version: String,
    /// The vector string, e.g. `CVSS:3.1/AV:N/AC:L/...`; may be empty.
    pub vector: String,
    /// Base score 0.0–10.0.
    pub base_score: f64,
    /// `LOW`, `MEDIUM`, `HIGH`, `CRITICAL` (or `NONE`); computed from the score when absent.
    pub severity: String,
    /// Who gave it: `NVD`, `CNA` (with its name when known, e.g. `CNA ics-cert@hq.dhs.gov`),
    /// `advisory` (a CSAF document's own score), `ADP`.
    pub source: String,
}

/// What a document says about one product and one vulnerability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ProductStatus {
    /// Known affected (CSAF `known_affected`, NVD `vulnerable: true`, CVE 5 `affected`).
    #[default]
    Affected,
    /// Fixed in this version (CSAF `fixed`, CVE 5 `unaffected` after a fix).
    Fixed,
    /// Known not affected.
    NotAffected,
    /// Under investigation.
    UnderInvestigation,
}

/// One product a vulnerability record names, with the versions it covers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProductRef {
    /// Vendor as written (CSAF `vendor` branch, CPE vendor, CVE 5 `vendor`); may be empty.
    pub vendor: String,
    /// Product as written (CSAF `product_name` branch, CPE product, CVE 5 `product`).
    pub product: String,
    /// The version text as written, when the source gives one as text: a CSAF
    /// `product_version` / `product_version_range` branch (`<=2.4`, `All versions`,
    /// `vers:generic/>=1.0|<2.0`), a CVE 5 `version`; empty otherwise.
    pub version_text: String,
    /// Structured bounds (NVD `versionStartIncluding` …, CVE 5 `lessThan` / `lessThanOrEqual`);
    /// the CPE's own version when it is not `*` or `-` goes to `exact`.
    pub exact: Option<String>,
    /// Lowest affected version, inclusive.
    pub start_including: Option<String>,
    /// Lowest affected version, exclusive.
    pub start_excluding: Option<String>,
    /// Highest affected version, inclusive.
    pub end_including: Option<String>,
    /// First version not affected.
    pub end_excluding: Option<String>,
    /// The CPE 2.3 name when the source gives one.
    pub cpe: Option<String>,
    /// The package URL when the source gives one.
    pub purl: Option<String>,
    /// The product's full name as the document prints it (CSAF `full_product_names[].name`),
    /// for reasons and reports.
    pub full_name: String,
    /// NVD: this CPE is only the platform of an AND configuration (`vulnerable: false`), e.g.
    /// the hardware a firmware runs on.
    pub platform_only: bool,
    /// What the document says about this product: CSAF `product_status` group, NVD
    /// `vulnerable`, CVE 5 version `status`, VEX `analysis.state`.
    #[serde(default)]
    pub status: ProductStatus,
    /// The manufacturer's fix status for this product alone: for CSAF, from the remediations
    /// that name its `product_id` (directly or through a `product_groups` entry); `Unknown`
    /// when none does, when only mitigations or workarounds do, and in feeds stored before
    /// this field existed. Other readers leave it `Unknown` and the matcher takes
    /// [`Vulnerability::fix`] for their references.
    #[serde(default)]
    pub fix: FixStatus,
}

/// Whether the manufacturer has a fix (TEMPLATE.md "2 CVE Findings", Manufacturer Fix Status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FixStatus {
    /// A vendor fix is published (CSAF `vendor_fix`).
    FixValidated,
    /// A fix is announced, not yet out.
    FixPending,
    /// The vendor says none will come (CSAF `no_fix_planned`, `none_available`).
    NoFixPlanned,
    /// Nothing said (or mitigations only).
    #[default]
    Unknown,
}

impl FixStatus {
    /// The list value: `Fix validated`, `Fix pending`, `No fix planned`, `Unknown`.
    pub fn label(self) -> &'static str {
        match self {
            FixStatus::FixValidated => "Fix validated",
            FixStatus::FixPending => "Fix pending",
            FixStatus::NoFixPlanned => "No fix planned",
            FixStatus::Unknown => "Unknown",
        }
    }
}

/// One vulnerability of an advisory or record, normalised: what `feed_item.body` holds for
/// CSAF, NVD, CVE 5 and VEX documents.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Vulnerability {
    /// `CVE-YYYY-NNNN…`; for a vulnerability without one, the document's own ID.
    pub cve: String,
    /// Short title (CSAF `title`, CWE name), may be empty.
    pub title: String,
    /// English description, whitespace kept as written.
    pub description: String,
    /// Every score given, from every source (where sources disagree, all are kept).
    pub scores: Vec<CvssScore>,
    /// Products named, with their status.
    pub products: Vec<ProductRef>,
    /// The manufacturer's fix status for the vulnerability as a whole. CSAF: the status every
    /// affected (or under investigation) product shares, `Unknown` when they differ (each
    /// [`ProductRef::fix`] then says its own, and the matcher uses that); NVD, CVE 5 and VEX
    /// give it per record only.
    pub fix: FixStatus,
    /// Remediation and mitigation text, joined by blank lines; may be empty.
    pub remediation: String,
    /// Advisory IDs this vulnerability is published in (e.g. `ICSMA-18-058-02`), and for CSAF
    /// the document's own tracking ID.
    pub advisories: Vec<String>,
}

/// What a feed file held, read and normalised but not yet stored.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedDocument {
    /// A KEV catalog snapshot and its entries.
    Kev {
        /// Catalog facts (name `KEV`, date, catalogVersion).
        info: FeedInfo,
        /// Its entries, in file order.
        entries: Vec<KevEntry>,
    },
    /// An advisory or CVE record and its vulnerabilities.
    Advisory {
        /// Document facts (kind, ID, date, revision, title).
        info: FeedInfo,
        /// Its vulnerabilities.
        vulnerabilities: Vec<Vulnerability>,
    },
}

/// One component of an SBOM (NTIA minimum elements), normalised from CycloneDX or SPDX.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Component {
    /// Component name.
    pub name: String,
    /// Version as written; may be empty (real SBOMs leave it `""`).
    pub version: String,
    /// Supplier (CycloneDX `supplier.name`, else `publisher` / `author`; SPDX `supplier`
    /// without its `Organization:` prefix).
    pub supplier: String,
    /// Package URL.
    pub purl: Option<String>,
    /// CPE 2.3 (or 2.2 URI) name.
    pub cpe: Option<String>,
    /// CycloneDX `type` (`library`, `firmware`, `operating-system`, …) or SPDX
    /// `primaryPackagePurpose`, lower case; may be empty.
    pub kind: String,
}

/// Everything the workbook knows from feeds, ready for matching: built by the workbook from its
/// `feed` and `feed_item` rows.
#[derive(Debug, Clone, Default)]
pub struct FeedIndex {
    /// The KEV catalog imported last, if any.
    pub kev: Option<FeedInfo>,
    /// Its entries by CVE ID (upper case).
    pub kev_entries: std::collections::HashMap<String, KevEntry>,
    /// Every advisory and record with its vulnerabilities.
    pub advisories: Vec<(FeedInfo, Vec<Vulnerability>)>,
}
