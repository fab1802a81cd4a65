//! The numbers the export shows: per-step response counts (the cached results of the `Summary`
//! COUNTIFS), the findings that make up the interim risk register in PRODUCT.md order, open
//! risks by level and by likelihood × impact, and the device counts. One place, so the sheets,
//! their cached formula results and the tests agree.

use std::cmp::Reverse;

use chrono::NaiveDate;

use super::plan::{ControlRow, ExportData, RowTarget};
use crate::assessment::{Response, StepProgress};
use crate::catalog::ImpactDimension;
use crate::device::fields::parse_date;
use crate::risk::{RiskLevel, default_impact, level};
use crate::workbook::RiskEntry;

/// Counts a control sheet's rows as the `Summary` formulas count them: a response counts when
/// it is in column H and column I (Suggested) is blank; `applicable` is the number of rows.
pub fn tally<'a>(rows: impl IntoIterator<Item = ControlRow<'a>>) -> StepProgress {
    let mut t = StepProgress::default();
    for row in rows {
        t.add(row.counted_response());
    }
    t
}

/// One entry of the interim risk register: a confirmed No, Partial or Unknown answer on a device,
/// model or site row (a model or site finding once, not once per device).
#[derive(Debug, Clone)]
pub struct Finding<'a> {
    /// The control row it comes from.
    pub row: ControlRow<'a>,
    /// The response.
    pub response: Response,
    /// Likelihood 1–5, when rated or defaulted.
    pub likelihood: Option<u8>,
    /// Impact 1–5, when rated or defaulted.
    pub impact: Option<u8>,
    /// Patient-safety impact used for ordering: the highest default of the devices it covers
    /// when the control affects patient safety, else 0.
    pub safety: u8,
    /// Owner, due date and status from the stored register entry (Open with neither when none
    /// is stored).
    pub entry: RiskEntry,
}

impl Finding<'_> {
    /// Open or In Progress: counted in heat maps, levels and top-ten lists (PRODUCT.md "Open
    /// risk").
    pub fn is_open(&self) -> bool {
        self.entry.status.is_open()
    }

    /// Open and due before `as_of`.
    pub fn is_overdue(&self, as_of: NaiveDate) -> bool {
        self.is_open() && self.entry.due_date.is_some_and(|d| d < as_of)
    }

    /// L × I (1–25).
    pub fn score(&self) -> Option<u8> {
        Some(self.likelihood? * self.impact?)
    }

    /// Level from Table I-2.
    pub fn level(&self) -> Option<RiskLevel> {
        Some(level(self.likelihood?, self.impact?))
    }
}

/// The findings in PRODUCT.md order: score (highest first), then patient-safety impact (highest
/// first), then device ID (numeric; model and site findings after devices, by key), then step and
/// control order — open ones (Open, In Progress) before closed ones.
pub fn findings(data: &ExportData) -> Vec<Finding<'_>> {
    let mut out: Vec<Finding<'_>> = data
        .all_control_rows()
        .filter_map(|row| {
            let response = row.counted_response().filter(|r| r.is_finding())?;
            let answer = row.answer?;
            Some(Finding {
                row,
                response,
                likelihood: answer.likelihood,
                impact: answer.impact,
                safety: safety_impact(data, &row),
                entry: row.risk_entry(data).cloned().unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    out
}

type OrderKey<'f> = (bool, Reverse<u8>, Reverse<u8>, (i64, &'f str), u8, u32);

fn order_key<'f>(f: &'f Finding<'_>) -> OrderKey<'f> {
    (
        !f.is_open(),
        Reverse(f.score().unwrap_or(0)),
        Reverse(f.safety),
        f.row.target_order(),
        f.row.step.number,
        f.row.control.ordinal(),
    )
}

fn safety_impact(data: &ExportData, row: &ControlRow<'_>) -> u8 {
    let dims = row
        .control
        .impact_dimensions
        .as_deref()
        .unwrap_or(&row.step.impact_dimensions);
    if !dims.contains(&ImpactDimension::PatientSafety) {
        return 0;
    }
    let of = |i: &usize| {
        data.devices.get(*i).map_or(0, |d| {
            default_impact(&d.device, ImpactDimension::PatientSafety)
        })
    };
    match row.target {
        RowTarget::Device(d) => default_impact(&d.device, ImpactDimension::PatientSafety),
        RowTarget::Scope(s) => s.devices.iter().map(of).max().unwrap_or(0),
    }
}

/// Open risks by inherent level and by likelihood × impact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RiskCounts {
    /// Per level, in [`RiskLevel::ALL`] order (Very High first).
    pub by_level: [usize; 5],
    /// `heat[5 - L][I - 1]`: rows likelihood 5 → 1, columns impact 1 → 5.
    pub heat: [[usize; 5]; 5],
    /// Open risks without a complete rating.
    pub unrated: usize,
}

impl RiskCounts {
    /// Counts open findings.
    pub fn of(findings: &[Finding<'_>]) -> RiskCounts {
        let mut c = RiskCounts::default();
        for f in findings.iter().filter(|f| f.is_open()) {
            match (f.likelihood, f.impact, f.level()) {
                (Some(l), Some(i), Some(lv)) => {
                    let li = usize::from(5 - l.clamp(1, 5));
                    let ii = usize::from(i.clamp(1, 5) - 1);
                    c.heat[li][ii] += 1;
                    if let Some(p) = RiskLevel::ALL.iter().position(|x| *x == lv) {
                        c.by_level[p] += 1;
                    }
                }
                _ => c.unrated += 1,
            }
        }
        c
    }
}

/// The device block of `Summary` (values, with `as_of` for end-of-support).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceCounts {
    /// Devices on `1 Inventory`.
    pub total: usize,
    /// In scope (`in_scope` not `No`).
    pub in_scope: usize,
    /// With at least one counted answer (own, model or site).
    pub assessed: usize,
    /// PHI stored, displayed or transmitted.
    pub with_phi: usize,
    /// Per criticality value, then `(not set)`.
    pub by_criticality: Vec<(String, usize)>,
    /// OS end of support before `as_of`.
    pub past_os_support: usize,
    /// Manufacturer end of support before `as_of`.
    pub past_manufacturer_support: usize,
    /// MDS2 available = Yes, as a fraction of all devices.
    pub mds2_on_file: Option<f64>,
    /// SBOM available = Yes, as a fraction of all devices.
    pub sbom_on_file: Option<f64>,
}

impl DeviceCounts {
    /// Counts the devices of an export.
    pub fn of(data: &ExportData) -> DeviceCounts {
        let before = |d: &crate::device::Device, key: &str, as_of: NaiveDate| {
            parse_date(d.get(key)).is_some_and(|date| date < as_of)
        };
        let mut c = DeviceCounts {
            total: data.devices.len(),
            by_criticality: crate::device::fields::CRITICALITIES
                .iter()
                .chain(["(not set)"].iter())
                .map(|s| (s.to_string(), 0))
                .collect(),
            ..DeviceCounts::default()
        };
        let (mut mds2, mut sbom) = (0usize, 0usize);
        for e in &data.devices {
            let d = &e.device;
            c.in_scope += usize::from(d.get("in_scope") != "No");
            c.assessed += usize::from(e.progress.as_ref().is_some_and(|p| p.total.assessed() > 0));
            c.with_phi += usize::from(
                ["phi_stored", "phi_displayed", "phi_transmitted"]
                    .iter()
                    .any(|k| d.get(k) == "Yes"),
            );
            let crit = d.get("criticality");
            let slot = c
                .by_criticality
                .iter()
                .position(|(name, _)| name == crit)
                .unwrap_or(c.by_criticality.len() - 1);
            c.by_criticality[slot].1 += 1;
            c.past_os_support += usize::from(before(d, "os_end_of_support", data.as_of));
            c.past_manufacturer_support +=
                usize::from(before(d, "manufacturer_end_of_support", data.as_of));
            mds2 += usize::from(d.get("mds2_available") == "Yes");
            sbom += usize::from(d.get("sbom_available") == "Yes");
        }
        let frac = |n: usize| (c.total > 0).then(|| n as f64 / c.total as f64);
        c.mds2_on_file = frac(mds2);
        c.sbom_on_file = frac(sbom);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_matches_the_summary_formulas() {
        let mut t = StepProgress::default();
        for r in [
            Some(Response::Yes),
            Some(Response::Yes),
            Some(Response::Partial),
            Some(Response::No),
            Some(Response::Unknown),
            Some(Response::NotApplicable),
            None,
        ] {
            t.add(r);
        }
        assert_eq!((t.applicable, t.assessed(), t.not_assessed()), (7, 6, 1));
        assert_eq!(t.compliance_ratio(), Some((2.0 + 0.5 * 1.0) / 4.0));
        assert_eq!(t.coverage(), Some(5.0 / 7.0));
        assert_eq!(StepProgress::default().compliance_ratio(), None);
        assert_eq!(StepProgress::default().coverage(), None);
    }

    #[test]
    fn template_has_default_site_rows_and_no_findings() {
        let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let data = ExportData::template(2, as_of);
        let cat = data.catalog;
        let step7 = &cat.steps[6];
        let rows: Vec<_> = data.control_rows(step7).collect();
        // 2 blank devices answer the device- and model-scoped IR controls themselves; the
        // site-scoped ones appear once on `SITE`.
        let per_device = step7
            .controls
            .iter()
            .filter(|c| c.scope != crate::catalog::Scope::Site);
        let site = step7.controls.len() - per_device.clone().count();
        assert_eq!(rows.len(), 2 * per_device.count() + site);
        assert_eq!(rows.last().map(|r| r.target_id()), Some("SITE".to_string()));
        assert!(findings(&data).is_empty());
        let dc = DeviceCounts::of(&data);
        assert_eq!((dc.total, dc.in_scope, dc.assessed), (2, 2, 0));
    }
}
