//! The numbers the export shows that are not the dashboard's: per-step response counts as the
//! control sheets hold them (the cached results of the `Summary` COUNTIFS), the register
//! figures beside the dashboard's, and the device counts. The findings themselves, their order,
//! "open" and "overdue" are `risk::register`'s (one definition everywhere); open risks by level,
//! the heat map and the top ten are its `dashboard`.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::plan::{ControlRow, ExportData};
use crate::assessment::{
    Answer, AnswerSet, Origin, Response, StepProgress, Target, model_key, model_target,
};
use crate::catalog::{Catalog, Scope};
use crate::device::Device;
use crate::device::fields::parse_date;
use crate::risk::RiskLevel;
use crate::risk::register::Finding;

/// Counts a control sheet's rows as the `Summary` formulas count them: a response counts when
/// it is in column H and column I (Suggested) is blank; `applicable` is the number of rows.
pub fn tally<'a>(rows: impl IntoIterator<Item = ControlRow<'a>>) -> StepProgress {
    let mut t = StepProgress::default();
    for row in rows {
        t.add(row.counted_response());
    }
    t
}

/// The register figures the `Summary` shows beside the dashboard's (which gives open risks by
/// inherent level, the heat map and the overdue count): open risks by residual level, expired
/// acceptances and uncontrolled patient-safety risks. Computed from the register's findings, so
/// they are the app's numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterCounts {
    /// Open findings per residual level, in [`RiskLevel::ALL`] order (Very High first).
    pub residual_by_level: [usize; 5],
    /// Open findings without a residual rating (both residual likelihood and impact).
    pub residual_unrated: usize,
    /// Findings treated by Accept whose review date is before the as-of date
    /// ([`Finding::is_expired`]), open or closed.
    pub expired: usize,
    /// Uncontrolled patient-safety risks ([`Finding::is_uncontrolled_safety`]: patient-safety
    /// impact 4 or more, open, residual level above Low; TEMPLATE.md "Risk Matrix").
    pub uncontrolled_safety: usize,
}

impl RegisterCounts {
    /// Counts `findings` with `as_of` as "today".
    pub fn of(findings: &[Finding<'_>], as_of: NaiveDate) -> RegisterCounts {
        let mut c = RegisterCounts::default();
        for f in findings {
            c.expired += usize::from(f.is_expired(as_of));
            c.uncontrolled_safety += usize::from(f.is_uncontrolled_safety());
            if !f.is_open() {
                continue;
            }
            match f.residual_level() {
                Some(level) => {
                    if let Some(p) = RiskLevel::ALL.iter().position(|l| *l == level) {
                        c.residual_by_level[p] += 1;
                    }
                }
                None => c.residual_unrated += 1,
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

/// A stored answer's response when the `Summary` counts it: written in column H with column I
/// (Suggested, cleaned as written) blank, as [`ControlRow::counted_response`].
fn counted(answer: Option<&Answer>) -> Option<Response> {
    let answer = answer?;
    let suggested = answer.suggested.as_deref().unwrap_or("");
    (suggested.is_empty() || super::xlsx::clean_cell_text(suggested).is_empty())
        .then_some(answer.response)
        .flatten()
}

/// Adds the rows of `device` on the control sheets to `steps` (one per step, catalog order):
/// its device controls, and the model controls it answers itself (no manufacturer + model, or
/// an override).
fn add_device_rows(
    catalog: &Catalog,
    answers: &AnswerSet,
    device: &Device,
    steps: &mut [StepProgress],
) {
    let view = answers.for_device(device);
    for (step, slot) in catalog.steps.iter().zip(steps.iter_mut()) {
        for c in step.controls.iter().filter(|c| c.scope != Scope::Site) {
            let eff = view.effective(c);
            if matches!(eff.origin, Origin::Device | Origin::DeviceOverride) {
                slot.add(counted(eff.answer));
            }
        }
    }
}

/// Adds the rows of a model or site (`target`, whose controls of `scope` each have a row) to
/// `steps`.
fn add_scope_rows(
    catalog: &Catalog,
    answers: &AnswerSet,
    scope: Scope,
    target: &Target,
    steps: &mut [StepProgress],
) {
    for (step, slot) in catalog.steps.iter().zip(steps.iter_mut()) {
        for c in step.controls.iter().filter(|c| c.scope == scope) {
            slot.add(counted(answers.get(target, &c.id)));
        }
    }
}

/// The models and sites with rows on the control sheets, as case-insensitive keys: those of
/// the devices and those with answers stored; the default site alone when there is no site.
fn scope_keys(devices: &[Device], answers: &AnswerSet) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut models = BTreeSet::new();
    let mut sites = BTreeSet::new();
    for d in devices {
        if model_target(d).is_some() {
            models.insert(model_key(d.get("manufacturer"), d.get("model")));
        }
        sites.insert(d.get("site").trim().to_lowercase());
    }
    for (scope, k) in answers.scope_keys() {
        match scope {
            Scope::Model => models.insert(k.to_string()),
            Scope::Site => sites.insert(k.to_string()),
            Scope::Device => false,
        };
    }
    if sites.is_empty() {
        sites.insert(String::new());
    }
    (models, sites)
}

/// Per-step counts of the control sheets' rows (catalog order) from devices (short-ID order)
/// and answers in memory: what [`tally`] of [`ExportData::control_rows`] gives for every step
/// (the `Summary` sheet's figures and the dashboard's), without building an export. Linear in
/// devices × controls.
pub fn step_counts_of(
    catalog: &Catalog,
    devices: &[Device],
    answers: &AnswerSet,
) -> Vec<StepProgress> {
    let mut steps = vec![StepProgress::default(); catalog.steps.len()];
    for d in devices {
        add_device_rows(catalog, answers, d, &mut steps);
    }
    let (models, sites) = scope_keys(devices, answers);
    for k in &models {
        add_scope_rows(
            catalog,
            answers,
            Scope::Model,
            &AnswerSet::key_target(Scope::Model, k),
            &mut steps,
        );
    }
    for k in &sites {
        add_scope_rows(
            catalog,
            answers,
            Scope::Site,
            &AnswerSet::key_target(Scope::Site, k),
            &mut steps,
        );
    }
    steps
}

/// The part of [`step_counts_of`] that one target's rows make (a device's, or a model's or
/// site's when the sheets have its rows): after a change to that target's answers, the counts
/// change by this part after the change less this part before it. Linear in devices (to find
/// the device, or whether a model or site has rows).
pub fn target_step_counts(
    catalog: &Catalog,
    devices: &[Device],
    answers: &AnswerSet,
    target: &Target,
) -> Vec<StepProgress> {
    let mut steps = vec![StepProgress::default(); catalog.steps.len()];
    let (scope, key) = match target {
        Target::Device(id) => {
            if let Some(d) = devices.iter().find(|d| d.id == *id) {
                add_device_rows(catalog, answers, d, &mut steps);
            }
            return steps;
        }
        Target::Model {
            manufacturer,
            model,
        } => (Scope::Model, model_key(manufacturer, model)),
        Target::Site(site) => (Scope::Site, site.trim().to_lowercase()),
    };
    let of_device = |d: &Device| match scope {
        Scope::Model => {
            model_target(d).is_some() && model_key(d.get("manufacturer"), d.get("model")) == key
        }
        _ => d.get("site").trim().to_lowercase() == key,
    };
    let stored = |s: Scope| {
        answers
            .scope_keys()
            .any(|(sc, k)| sc == s && k == key.as_str())
    };
    let has_rows = devices.iter().any(of_device)
        || stored(scope)
        || (scope == Scope::Site
            && key.is_empty()
            && devices.is_empty()
            && !answers.scope_keys().any(|(sc, _)| sc == Scope::Site));
    if has_rows {
        add_scope_rows(
            catalog,
            answers,
            scope,
            &AnswerSet::key_target(scope, &key),
            &mut steps,
        );
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Response;

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
        assert!(data.findings.is_empty());
        let dc = DeviceCounts::of(&data);
        assert_eq!((dc.total, dc.in_scope, dc.assessed), (2, 2, 0));
    }

    #[test]
    fn register_counts_residual_expired_and_uncontrolled() {
        use crate::assessment::{Answer, AnswerSet, Target};
        use crate::catalog::catalog;
        use crate::device::Device;
        use crate::risk::register::{EntryIndex, findings};
        use crate::risk::{RiskGrid, RiskStatus, Treatment};
        use crate::workbook::RiskEntry;

        let day = |t: &str| t.parse::<NaiveDate>().unwrap_or_default();
        let mut device = Device {
            id: 1,
            number: 1,
            ..Device::default()
        };
        device
            .values
            .insert("criticality".into(), "Life-sustaining".into());
        let mut set = AnswerSet::default();
        let target = Target::Device(1);
        // ACC controls affect patient safety: a life-sustaining device makes them safety 5.
        for control in ["ACC-01", "ACC-02", "ACC-03", "ACC-04"] {
            set.insert(
                &target,
                Answer {
                    control_id: control.into(),
                    response: Some(Response::No),
                    likelihood: Some(4),
                    impact: Some(5),
                    // The default impact: the register shows the device's safety 5.
                    impact_default: true,
                    ..Answer::default()
                },
            );
        }
        let entry = |residual: Option<(u8, u8)>, status, review: Option<&str>| RiskEntry {
            residual_likelihood: residual.map(|r| r.0),
            residual_impact: residual.map(|r| r.1),
            status,
            treatment: review.map(|_| Treatment::Accept),
            review_date: review.map(day),
            ..RiskEntry::default()
        };
        let entries = EntryIndex::new(vec![
            // Residual Low: controlled.
            (
                target.clone(),
                "ACC-01".into(),
                entry(Some((2, 3)), RiskStatus::Open, None),
            ),
            // Residual High, accepted, review passed: uncontrolled and expired.
            (
                target.clone(),
                "ACC-02".into(),
                entry(Some((4, 4)), RiskStatus::InProgress, Some("2026-01-01")),
            ),
            // Closed, accepted, review passed: expired but controlled and not open.
            (
                target.clone(),
                "ACC-03".into(),
                entry(Some((5, 5)), RiskStatus::Closed, Some("2026-01-01")),
            ),
            // ACC-04: no entry, no residual: open, uncontrolled.
        ]);
        let list = findings(catalog(), &[device], &set, &entries, &RiskGrid::default());
        assert_eq!(list.len(), 4);
        let c = RegisterCounts::of(&list, day("2026-06-30"));
        assert_eq!(c.residual_by_level, [0, 1, 0, 1, 0]);
        assert_eq!(c.residual_unrated, 1);
        assert_eq!(c.expired, 2);
        assert_eq!(c.uncontrolled_safety, 2);
        // Before the review dates nothing has expired.
        assert_eq!(RegisterCounts::of(&list, day("2025-12-31")).expired, 0);
    }
}
