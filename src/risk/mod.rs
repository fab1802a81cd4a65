//! Risk levels and default ratings: likelihood × impact on the NIST SP 800-30 Rev. 1 scales.

pub mod register;
pub mod vuln;

use chrono::NaiveDate;

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

    /// Parses a level name or its abbreviation (`VH`, `H`, `M`, `L`, `VL`), case-insensitively.
    pub fn parse_short(text: &str) -> Option<RiskLevel> {
        RiskLevel::parse(text).or_else(|| {
            RiskLevel::ALL
                .into_iter()
                .find(|l| l.abbreviation().eq_ignore_ascii_case(text.trim()))
        })
    }

    /// Days from the date a finding was first identified to its default due date, TEMPLATE.md
    /// "Default due dates" (HICP 2018 Technical Volume 2 Table 8; FDA 2016 postmarket guidance):
    /// Very High 14, High 30, Moderate 90, Low 180; Very Low has none (owner's discretion).
    pub fn default_due_days(self) -> Option<u32> {
        match self {
            RiskLevel::VeryHigh => Some(14),
            RiskLevel::High => Some(30),
            RiskLevel::Moderate => Some(90),
            RiskLevel::Low => Some(180),
            RiskLevel::VeryLow => None,
        }
    }

    /// The default due date of a finding of this level first identified on `identified_on`.
    pub fn default_due(self, identified_on: NaiveDate) -> Option<NaiveDate> {
        let days = self.default_due_days()?;
        identified_on.checked_add_days(chrono::Days::new(u64::from(days)))
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

/// The level of a likelihood and an impact, each 1–5 (out-of-range values are clamped), in the
/// NIST grid ([`GRID`]). A workbook may edit its grid: code that rates a workbook's findings uses
/// [`RiskGrid::level`] on the workbook's grid instead.
pub fn level(likelihood: u8, impact: u8) -> RiskLevel {
    RiskGrid::default().level(likelihood, impact)
}

/// A workbook's 5 × 5 level grid (TEMPLATE.md "Risk Matrix"): `cells[5 - likelihood][impact - 1]`,
/// rows likelihood 5 → 1, columns impact 1 → 5. The default is NIST SP 800-30 Rev. 1 Table I-2
/// ([`GRID`]); a workbook stores its own and may edit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskGrid {
    /// The levels, rows likelihood 5 → 1, columns impact 1 → 5.
    pub cells: [[RiskLevel; 5]; 5],
}

impl Default for RiskGrid {
    fn default() -> Self {
        RiskGrid { cells: GRID }
    }
}

impl RiskGrid {
    /// The level of `likelihood` × `impact`, each 1–5 (out-of-range values are clamped).
    pub fn level(&self, likelihood: u8, impact: u8) -> RiskLevel {
        let l = usize::from(likelihood.clamp(1, 5));
        let i = usize::from(impact.clamp(1, 5));
        self.cells[5 - l][i - 1]
    }

    /// Sets the level of one cell (likelihood and impact 1–5; out-of-range values are clamped).
    pub fn set(&mut self, likelihood: u8, impact: u8, level: RiskLevel) {
        let l = usize::from(likelihood.clamp(1, 5));
        let i = usize::from(impact.clamp(1, 5));
        self.cells[5 - l][i - 1] = level;
    }

    /// Whether this is NIST SP 800-30 Rev. 1 Table I-2.
    pub fn is_nist(&self) -> bool {
        self.cells == GRID
    }

    /// The grid as stored: 25 level abbreviations separated by spaces, rows likelihood 5 → 1,
    /// columns impact 1 → 5 (e.g. `VL L M H VH VL L M H VH …`); `""` for the NIST grid.
    pub fn to_text(&self) -> String {
        if self.is_nist() {
            return String::new();
        }
        self.cells
            .iter()
            .flatten()
            .map(|l| l.abbreviation())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads [`RiskGrid::to_text`]'s form (`""` = NIST). Level names or abbreviations, any
    /// whitespace or commas between them.
    ///
    /// Errors: a message naming the cell that is not a level, or the count when it is not 25.
    pub fn parse(text: &str) -> Result<RiskGrid, String> {
        if text.trim().is_empty() {
            return Ok(RiskGrid::default());
        }
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .collect();
        if words.len() != 25 {
            return Err(format!(
                "a level grid has 25 cells (5 likelihoods × 5 impacts), not {}",
                words.len()
            ));
        }
        let mut grid = RiskGrid::default();
        for (n, word) in words.iter().enumerate() {
            let level = RiskLevel::parse_short(word).ok_or_else(|| {
                format!(
                    "cell L{} × I{}: {word:?} is not a level (VL, L, M, H, VH)",
                    5 - n / 5,
                    n % 5 + 1
                )
            })?;
            grid.cells[n / 5][n % 5] = level;
        }
        Ok(grid)
    }
}

/// How a risk is treated (TEMPLATE.md "Risk Register", `Lists` "Treatment").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Treatment {
    /// Reduce it with controls (the usual answer to a finding).
    Mitigate,
    /// Live with it: needs who accepted it and a note (PRODUCT.md), and a review date.
    Accept,
    /// Hand it to someone else (manufacturer service contract, insurer).
    Transfer,
    /// Stop the activity (e.g. take the device off the network).
    Avoid,
}

impl Treatment {
    /// Every treatment in list order.
    pub const ALL: [Treatment; 4] = [
        Treatment::Mitigate,
        Treatment::Accept,
        Treatment::Transfer,
        Treatment::Avoid,
    ];

    /// The treatment as written in sheets and the database.
    pub fn label(self) -> &'static str {
        match self {
            Treatment::Mitigate => "Mitigate",
            Treatment::Accept => "Accept",
            Treatment::Transfer => "Transfer",
            Treatment::Avoid => "Avoid",
        }
    }

    /// Parses a label case-insensitively, ignoring surrounding whitespace.
    pub fn parse(text: &str) -> Option<Treatment> {
        Treatment::ALL
            .into_iter()
            .find(|t| t.label().eq_ignore_ascii_case(text.trim()))
    }
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

/// The default impact per dimension of a finding shown on `devices` for a control affecting
/// `dimensions` (PRODUCT.md "Answers, suggestions and deferral"): on each of those dimensions the
/// highest default of the devices (`None` when there are none), `None` on the others. Indexed
/// like [`ImpactDimension::ALL`] (patient safety, PHI / data, clinical operations).
pub fn default_dimension_impacts<'d>(
    devices: impl Iterator<Item = &'d Device> + Clone,
    dimensions: &[ImpactDimension],
) -> [Option<u8>; 3] {
    let mut out = [None; 3];
    for d in dimensions {
        out[d.index()] = devices.clone().map(|dev| default_impact(dev, *d)).max();
    }
    out
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
    fn the_25_cells_equal_nist_table_i2() {
        use RiskLevel::*;
        // NIST SP 800-30 Rev. 1, Appendix I, Table I-2, written out cell by cell:
        // (likelihood, impact, level).
        let table = [
            (5, [VeryLow, Low, Moderate, High, VeryHigh]),
            (4, [VeryLow, Low, Moderate, High, VeryHigh]),
            (3, [VeryLow, Low, Moderate, Moderate, High]),
            (2, [VeryLow, Low, Low, Low, Moderate]),
            (1, [VeryLow, VeryLow, VeryLow, Low, Low]),
        ];
        let grid = RiskGrid::default();
        let mut cells = 0;
        for (l, row) in table {
            for (i, want) in (1u8..=5).zip(row) {
                assert_eq!(grid.level(l, i), want, "L{l} × I{i}");
                assert_eq!(level(l, i), want);
                cells += 1;
            }
        }
        assert_eq!(cells, 25);
        assert!(grid.is_nist());
    }

    #[test]
    fn an_edited_grid_round_trips_as_text() {
        let mut grid = RiskGrid::default();
        assert_eq!(grid.to_text(), "");
        grid.set(5, 3, RiskLevel::High);
        assert_eq!(grid.level(5, 3), RiskLevel::High);
        let text = grid.to_text();
        assert!(text.starts_with("VL L H H VH "), "{text}");
        assert_eq!(RiskGrid::parse(&text), Ok(grid));
        assert_eq!(RiskGrid::parse(""), Ok(RiskGrid::default()));
        let bad = text.replacen("VH", "Severe", 1);
        assert!(
            RiskGrid::parse(&bad).is_err_and(|e| e.contains("L5 × I5") && e.contains("Severe"))
        );
        assert!(RiskGrid::parse("VL L").is_err_and(|e| e.contains("not 2")));
    }

    #[test]
    fn default_due_dates_follow_the_level() {
        let day = |t: &str| t.parse::<NaiveDate>().ok();
        let found = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default();
        assert_eq!(RiskLevel::VeryHigh.default_due(found), day("2026-02-14"));
        assert_eq!(RiskLevel::High.default_due(found), day("2026-03-02"));
        assert_eq!(RiskLevel::Moderate.default_due(found), day("2026-05-01"));
        assert_eq!(RiskLevel::Low.default_due(found), day("2026-07-30"));
        assert_eq!(RiskLevel::VeryLow.default_due(found), None);
    }

    #[test]
    fn treatments_parse_their_labels() {
        for t in Treatment::ALL {
            assert_eq!(Treatment::parse(&t.label().to_uppercase()), Some(t));
        }
        assert_eq!(Treatment::parse("ignore"), None);
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
