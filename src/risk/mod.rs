//! Risk levels and default ratings: likelihood × impact on the NIST SP 800-30 Rev. 1 scales.

pub mod register;

use crate::catalog::ImpactDimension;
use crate::device::Device;

/// A risk level, NIST SP 800-30 Rev. 1 (Appendix I), lowest first so that `max` is the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskLevel {
    /// Very Low.
    VeryLow,
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
    /// Very High.
    VeryHigh,
}

impl RiskLevel {
    /// Every level, highest first (the order of sheets and legends).
    pub const ALL: [RiskLevel; 5] = [
        RiskLevel::VeryHigh,
        RiskLevel::High,
        RiskLevel::Moderate,
        RiskLevel::Low,
        RiskLevel::VeryLow,
    ];

    /// The level's name: `Very High`, `High`, `Moderate`, `Low`, `Very Low`.
    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::VeryHigh => "Very High",
            RiskLevel::High => "High",
            RiskLevel::Moderate => "Moderate",
            RiskLevel::Low => "Low",
            RiskLevel::VeryLow => "Very Low",
        }
    }

    /// The level in at most two letters, for narrow columns: `VH`, `H`, `M`, `L`, `VL`.
    pub fn abbreviation(self) -> &'static str {
        match self {
            RiskLevel::VeryHigh => "VH",
            RiskLevel::High => "H",
            RiskLevel::Moderate => "M",
            RiskLevel::Low => "L",
            RiskLevel::VeryLow => "VL",
        }
    }

    /// Fill and text colours (`#RRGGBB`), TEMPLATE.md "Risk Matrix".
    pub fn colours(self) -> (u32, u32) {
        match self {
            RiskLevel::VeryHigh => (0xC00000, 0xFFFFFF),
            RiskLevel::High => (0xFF7C00, 0x000000),
            RiskLevel::Moderate => (0xFFD966, 0x000000),
            RiskLevel::Low => (0xA9D08E, 0x000000),
            RiskLevel::VeryLow => (0xE2EFDA, 0x000000),
        }
    }

    /// Parses a level name, case-insensitively.
    pub fn parse(text: &str) -> Option<RiskLevel> {
        RiskLevel::ALL
            .into_iter()
            .find(|l| l.label().eq_ignore_ascii_case(text.trim()))
    }
}

/// Where a risk register entry stands (TEMPLATE.md "Risk Register"). "Open risk" = `Open` or
/// `InProgress` (PRODUCT.md "Answers, suggestions and deferral").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum RiskStatus {
    /// Nobody has acted on it yet (the default of a new entry).
    #[default]
    Open,
    /// Treatment has started.
    InProgress,
    /// Treated or accepted; no longer an open risk.
    Closed,
}

impl RiskStatus {
    /// Every status in list order.
    pub const ALL: [RiskStatus; 3] = [RiskStatus::Open, RiskStatus::InProgress, RiskStatus::Closed];

    /// The status as written in sheets and the database: `Open`, `In Progress`, `Closed`.
    pub fn label(self) -> &'static str {
        match self {
            RiskStatus::Open => "Open",
            RiskStatus::InProgress => "In Progress",
            RiskStatus::Closed => "Closed",
        }
    }

    /// Parses a status label case-insensitively, ignoring surrounding whitespace; `None` for
    /// anything else.
    pub fn parse(text: &str) -> Option<RiskStatus> {
        RiskStatus::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(text.trim()))
    }

    /// Whether an entry with this status counts as an open risk (`Open` or `In Progress`).
    pub fn is_open(self) -> bool {
        self != RiskStatus::Closed
    }
}

/// The 5 × 5 level grid: `GRID[5 - likelihood][impact - 1]`, rows from likelihood 5 (Very High)
/// down to 1, columns impact 1 to 5. NIST SP 800-30 Rev. 1, Appendix I, Table I-2. Not a function
/// of L × I: it weights impact (L5 × I3 is Moderate, L3 × I5 is High).
pub const GRID: [[RiskLevel; 5]; 5] = {
    use RiskLevel::*;
    [
        [VeryLow, Low, Moderate, High, VeryHigh],
        [VeryLow, Low, Moderate, High, VeryHigh],
        [VeryLow, Low, Moderate, Moderate, High],
        [VeryLow, Low, Low, Low, Moderate],
        [VeryLow, VeryLow, VeryLow, Low, Low],
    ]
};

/// The level of a likelihood and an impact, each 1–5 (out-of-range values are clamped).
pub fn level(likelihood: u8, impact: u8) -> RiskLevel {
    let l = usize::from(likelihood.clamp(1, 5));
    let i = usize::from(impact.clamp(1, 5));
    GRID[5 - l][i - 1]
}

/// Names of the likelihood and impact scale points (1–5), NIST SP 800-30 Rev. 1.
pub fn scale_label(value: u8) -> &'static str {
    match value {
        5 => "Very High",
        4 => "High",
        3 => "Moderate",
        2 => "Low",
        _ => "Very Low",
    }
}

/// A device's default impact on one dimension, 1–5 (PRODUCT.md "Answers, suggestions and
/// deferral"): patient safety from `criticality` (Life-sustaining 5, Therapeutic 4,
/// Diagnostic 3, Monitoring 3, Non-clinical 1); PHI from the PHI flags (stored or transmitted
/// Yes → 3, displayed only → 2, else 1); operations from `clinical_impact`. A missing field
/// counts as 3.
pub fn default_impact(device: &Device, dimension: ImpactDimension) -> u8 {
    match dimension {
        ImpactDimension::PatientSafety => match device.get("criticality") {
            "Life-sustaining" => 5,
            "Therapeutic" => 4,
            "Diagnostic" | "Monitoring" => 3,
            "Non-clinical" => 1,
            _ => 3,
        },
        ImpactDimension::Phi => {
            let flags = [
                device.get("phi_stored"),
                device.get("phi_transmitted"),
                device.get("phi_displayed"),
            ];
            if flags.iter().all(|f| f.is_empty()) || flags[0] == "Yes" || flags[1] == "Yes" {
                3
            } else if flags[2] == "Yes" {
                2
            } else {
                1
            }
        }
        ImpactDimension::Operations => device.get("clinical_impact").parse().unwrap_or(3),
    }
}

/// The default impact of a finding on `device` for a control affecting `dimensions`: the
/// highest of the device's defaults on those dimensions (3 when none is given).
pub fn default_control_impact(device: &Device, dimensions: &[ImpactDimension]) -> u8 {
    dimensions
        .iter()
        .map(|d| default_impact(device, *d))
        .max()
        .unwrap_or(3)
}

/// Likelihood anchors for a medical device finding, 5 → 1: (likelihood 1–5, when to choose it).
/// Level names from NIST SP 800-30 Rev. 1; the device anchors are TEMPLATE.md "Risk Matrix".
pub const LIKELIHOOD_ANCHORS: [(u8, &str); 5] = [
    (
        5,
        "On CISA KEV or exploit public and reachable from the device's network without \
         credentials; or control fully absent on an Internet-exposed device",
    ),
    (
        4,
        "Network/adjacent attack vector, no or weak authentication, flat or poorly filtered \
         network",
    ),
    (
        3,
        "Needs adjacent access or low privileges; some compensating control (segmentation, \
         allowlisting) in place",
    ),
    (
        2,
        "Needs physical/local access or high privileges; strong compensating controls",
    ),
    (
        1,
        "Theoretical, several independent controls, no known vulnerability",
    ),
];

/// Impact anchors, 5 → 1: (impact 1–5, patient safety, PHI / data, clinical operations);
/// patient-safety names from ISO 14971 practice (TEMPLATE.md "Risk Matrix").
pub const IMPACT_ANCHORS: [(u8, &str, &str, &str); 5] = [
    (
        5,
        "Catastrophic – death",
        "Records of 500 or more individuals",
        "Facility-wide disruption / diversion",
    ),
    (
        4,
        "Critical – permanent impairment or life-threatening",
        "Records of 50–499 individuals",
        "Department or many devices down",
    ),
    (
        3,
        "Serious – injury needing medical intervention",
        "Records of 2–49 individuals",
        "Unit-level disruption, delayed care",
    ),
    (
        2,
        "Minor – temporary injury, no intervention",
        "One individual's record",
        "Minor delay, workaround available",
    ),
    (1, "Negligible – inconvenience", "None", "None"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_i2_weights_impact() {
        assert_eq!(level(5, 3), RiskLevel::Moderate);
        assert_eq!(level(3, 5), RiskLevel::High);
        assert_eq!(level(5, 5), RiskLevel::VeryHigh);
        assert_eq!(level(1, 1), RiskLevel::VeryLow);
        assert_eq!(level(4, 5), RiskLevel::VeryHigh);
        assert_eq!(level(2, 5), RiskLevel::Moderate);
    }

    #[test]
    fn risk_status_labels_round_trip() {
        for s in RiskStatus::ALL {
            assert_eq!(RiskStatus::parse(s.label()), Some(s));
        }
        assert_eq!(
            RiskStatus::parse("  in progress "),
            Some(RiskStatus::InProgress)
        );
        assert_eq!(RiskStatus::parse("CLOSED"), Some(RiskStatus::Closed));
        assert_eq!(RiskStatus::parse("InProgress"), None);
        assert_eq!(RiskStatus::default(), RiskStatus::Open);
        assert!(RiskStatus::InProgress.is_open() && !RiskStatus::Closed.is_open());
    }

    #[test]
    fn default_impacts_from_device_fields() {
        let mut d = Device::default();
        assert_eq!(default_impact(&d, ImpactDimension::PatientSafety), 3);
        d.values
            .insert("criticality".into(), "Life-sustaining".into());
        d.values.insert("phi_displayed".into(), "Yes".into());
        d.values.insert("phi_stored".into(), "No".into());
        d.values.insert("clinical_impact".into(), "4".into());
        assert_eq!(default_impact(&d, ImpactDimension::PatientSafety), 5);
        assert_eq!(default_impact(&d, ImpactDimension::Phi), 2);
        assert_eq!(default_impact(&d, ImpactDimension::Operations), 4);
        assert_eq!(default_control_impact(&d, &[ImpactDimension::Phi]), 2);
    }
}
