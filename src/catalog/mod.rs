//! The control catalog: 72 controls in the 8 steps of the method (CATALOG.md), shipped as
//! `assets/catalog.toml` and embedded in the binary at compile time.

use std::sync::LazyLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The catalog data file, embedded at compile time.
const CATALOG_TOML: &str = include_str!("../../assets/catalog.toml");

/// Who a control is answered for (CATALOG.md "Conventions", PRODUCT.md "Scopes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Answered for each unit.
    Device,
    /// Answered once per manufacturer + model, inherited by every unit (a unit may override).
    Model,
    /// Answered once per site, shown on every device of that site.
    Site,
}

impl Scope {
    /// The scope's name as shown in sheets and screens: `Device`, `Model`, `Site`.
    pub fn label(self) -> &'static str {
        match self {
            Scope::Device => "Device",
            Scope::Model => "Model",
            Scope::Site => "Site",
        }
    }
}

/// An impact dimension a finding can affect (TEMPLATE.md "Risk Matrix").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactDimension {
    /// Patient safety (ISO 14971 severity names).
    PatientSafety,
    /// PHI / data confidentiality.
    Phi,
    /// Clinical operations.
    Operations,
}

impl ImpactDimension {
    /// Every dimension, in the order of the register's columns.
    pub const ALL: [ImpactDimension; 3] = [
        ImpactDimension::PatientSafety,
        ImpactDimension::Phi,
        ImpactDimension::Operations,
    ];

    /// The dimension in words: `patient safety`, `PHI / data`, `clinical operations`.
    pub fn label(self) -> &'static str {
        match self {
            ImpactDimension::PatientSafety => "patient safety",
            ImpactDimension::Phi => "PHI / data",
            ImpactDimension::Operations => "clinical operations",
        }
    }

    /// Position in [`ImpactDimension::ALL`] (0–2).
    pub fn index(self) -> usize {
        match self {
            ImpactDimension::PatientSafety => 0,
            ImpactDimension::Phi => 1,
            ImpactDimension::Operations => 2,
        }
    }
}

/// One control: the question an assessor answers, with its guidance and cross-references.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Catalog ID, e.g. `ENC-03`.
    pub id: String,
    /// Device, model or site.
    pub scope: Scope,
    /// Short title.
    pub title: String,
    /// The question, worded so that `Yes` means the control is satisfied.
    pub question: String,
    /// What evidence to look for (shown under the question).
    pub evidence: String,
    /// MDS2 (HN 1-2019) question IDs shown as the manufacturer's claim.
    pub mds2: Vec<String>,
    /// IEC TR 80001-2-2 capability codes.
    pub iec80001: Vec<String>,
    /// NIST CSF 2.0 subcategories.
    pub csf: Vec<String>,
    /// HHS 405(d) HICP sub-practices with their edition, e.g. `2018:9.M.E`.
    pub hicp: Vec<String>,
    /// Overrides the step's impact dimensions when present.
    #[serde(default)]
    pub impact_dimensions: Option<Vec<ImpactDimension>>,
}

/// One of the eight steps of the method.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// 1–8.
    pub number: u8,
    /// The control ID prefix, e.g. `ENC`.
    pub code: String,
    /// The step's name, e.g. `Data Encryption`.
    pub name: String,
    /// The impact dimensions its findings affect by default.
    pub impact_dimensions: Vec<ImpactDimension>,
    /// The step's controls in catalog order.
    pub controls: Vec<Control>,
}

impl Step {
    /// The export sheet that holds this step's controls, e.g. `3 Encryption`.
    pub fn sheet_name(&self) -> &'static str {
        match self.number {
            1 => "1 Inventory Checks",
            2 => "2 Vulnerability",
            3 => "3 Encryption",
            4 => "4 Access Control",
            5 => "5 Network Segmentation",
            6 => "6 Patch Management",
            7 => "7 Incident Response",
            _ => "8 Cloud Security",
        }
    }
}

/// The whole catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Catalog version, e.g. `2026.1`.
    pub version: String,
    /// The eight steps in order.
    pub steps: Vec<Step>,
}

static BUILT_IN: LazyLock<Catalog> = LazyLock::new(|| match toml::from_str(CATALOG_TOML) {
    Ok(c) => c,
    // The file is ours and embedded; `tests::built_in_catalog_is_well_formed` guards it.
    Err(e) => panic!("assets/catalog.toml is malformed: {e}"),
});

/// The built-in catalog (version `2026.1`).
pub fn catalog() -> &'static Catalog {
    &BUILT_IN
}

impl Catalog {
    /// Every control in step order.
    pub fn controls(&self) -> impl Iterator<Item = &Control> {
        self.steps.iter().flat_map(|s| s.controls.iter())
    }

    /// The control with this ID (case-insensitive), if any.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls()
            .find(|c| c.id.eq_ignore_ascii_case(id.trim()))
    }

    /// The step a control belongs to.
    pub fn step_of(&self, control_id: &str) -> Option<&Step> {
        self.steps
            .iter()
            .find(|s| s.controls.iter().any(|c| c.id == control_id))
    }

    /// The impact dimensions a control affects: its own, else its step's (CATALOG.md
    /// conventions); empty for a control not in this catalog without its own.
    pub fn impact_dimensions<'a>(&'a self, control: &'a Control) -> &'a [ImpactDimension] {
        control
            .impact_dimensions
            .as_deref()
            .or_else(|| {
                self.step_of(&control.id)
                    .map(|s| s.impact_dimensions.as_slice())
            })
            .unwrap_or_default()
    }
}

impl Control {
    /// A SHA-256 (hex) of the control's question text: a newer catalog carries an answer over
    /// only when this is unchanged (PRODUCT.md "Data model").
    pub fn question_hash(&self) -> String {
        hex::encode(Sha256::digest(self.question.as_bytes()))
    }

    /// The control's number within its step (`ENC-03` → 3), for sorting.
    pub fn ordinal(&self) -> u32 {
        self.id
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use regex::Regex;

    use super::*;

    #[test]
    fn built_in_catalog_is_well_formed() -> Result<(), Box<dyn std::error::Error>> {
        let cat: Catalog = toml::from_str(CATALOG_TOML)?;
        assert_eq!(cat.version, "2026.1");
        let codes: Vec<_> = cat.steps.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(
            codes,
            ["INV", "VULN", "ENC", "ACC", "NET", "PATCH", "IR", "CLOUD"]
        );
        let numbers: Vec<_> = cat.steps.iter().map(|s| s.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7, 8]);
        let counts: Vec<_> = cat.steps.iter().map(|s| s.controls.len()).collect();
        assert_eq!(counts, [10, 10, 8, 10, 8, 9, 8, 9]);

        let ids: HashSet<_> = cat.controls().map(|c| c.id.clone()).collect();
        assert_eq!(ids.len(), 72, "72 unique control IDs");

        let mds2 = Regex::new(r"^[A-Z]{3,5}-\d+(\.\d+)*$")?;
        let csf = Regex::new(r"^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$")?;
        let hicp = Regex::new(r"^\d{4}:\d{1,2}\.[SML]\.[A-Z]$")?;
        let iec = Regex::new(r"^[A-Z]{4}$")?;
        for step in &cat.steps {
            for (i, c) in step.controls.iter().enumerate() {
                assert_eq!(c.id, format!("{}-{:02}", step.code, i + 1));
                for text in [&c.title, &c.question, &c.evidence] {
                    assert!(!text.trim().is_empty(), "{} has an empty text", c.id);
                }
                assert!(
                    c.mds2.iter().all(|m| mds2.is_match(m)),
                    "{}: {:?}",
                    c.id,
                    c.mds2
                );
                assert!(
                    c.csf.iter().all(|m| csf.is_match(m)),
                    "{}: {:?}",
                    c.id,
                    c.csf
                );
                assert!(!c.csf.is_empty(), "{} has no CSF reference", c.id);
                assert!(
                    c.hicp.iter().all(|m| hicp.is_match(m)),
                    "{}: {:?}",
                    c.id,
                    c.hicp
                );
                assert!(
                    c.iec80001.iter().all(|m| iec.is_match(m)),
                    "{}: {:?}",
                    c.id,
                    c.iec80001
                );
            }
        }
        let scopes = |s: Scope| cat.controls().filter(|c| c.scope == s).count();
        assert_eq!(
            (
                scopes(Scope::Device),
                scopes(Scope::Model),
                scopes(Scope::Site)
            ),
            (42, 20, 10)
        );
        Ok(())
    }

    #[test]
    fn lookups() {
        let cat = catalog();
        assert_eq!(cat.control("enc-03").map(|c| c.scope), Some(Scope::Device));
        assert_eq!(
            cat.step_of("IR-04").map(|s| s.sheet_name()),
            Some("7 Incident Response")
        );
        assert!(cat.control("ENC-99").is_none());
    }
}
