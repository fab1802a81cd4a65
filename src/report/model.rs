//! What the assessment report says, computed once from the workbook and rendered by both
//! [`super::html`] and [`super::markdown`], so the two formats cannot disagree.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::assessment::{DeviceProgress, Origin, Response, StepProgress, model_key};
use crate::catalog::{Catalog, Control};
use crate::device::Device;
use crate::risk::register::{Dashboard, Finding, Register, dashboard};
use crate::risk::{RiskGrid, RiskLevel, Treatment};
use crate::workbook::{AssessmentMeta, Workbook, WorkbookError};

/// The risk model statement for the NIST grid (TEMPLATE.md "Cover").
pub const RISK_MODEL_NIST: &str = "NIST SP 800-30 Rev. 1, 5 × 5, Table I-2 levels";
/// The risk model statement when the workbook's grid differs from Table I-2.
pub const RISK_MODEL_EDITED: &str =
    "Edited grid: NIST SP 800-30 Rev. 1 scales, 5 × 5, levels changed in this workbook";
/// The confidentiality marking on the cover (TEMPLATE.md "Cover").
pub const MARKING: &str = "Contains network and security details – handle as confidential";

/// A control answered Yes without an evidence reference (PRODUCT.md: allowed, but flagged in
/// the report), as shown on one device.
#[derive(Debug, Clone)]
pub struct UnevidencedYes {
    /// The control.
    pub control: &'static Control,
    /// Where the answer comes from: the device itself, its model or its site.
    pub origin: Origin,
}

impl UnevidencedYes {
    /// Where the answer comes from, as a suffix: ` (model answer)`, ` (site answer)` or `""`.
    pub fn origin_note(&self) -> &'static str {
        match self.origin {
            Origin::Model => " (model answer)",
            Origin::Site => " (site answer)",
            Origin::Device | Origin::DeviceOverride => "",
        }
    }
}

/// Everything the report shows, in the order of its sections.
#[derive(Debug, Clone)]
pub struct Report {
    /// The audit trail's head (length, last hash) when the report was made.
    pub audit: crate::workbook::AuditHead,
    /// Assessment metadata: organisation, title, assessor (from the workbook, never the
    /// operating-system login), dates, workbook ID, scope statement.
    pub meta: AssessmentMeta,
    /// The site(s): the workbook's site setting, else the distinct `site` values of the devices
    /// (first spelling, device order).
    pub sites: Vec<String>,
    /// "Today" of every date comparison (overdue, expired).
    pub as_of: NaiveDate,
    /// When the report was generated (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub generated_at: String,
    /// The app's version.
    pub app_version: &'static str,
    /// The catalog assessed against.
    pub catalog: &'static Catalog,
    /// The workbook's level grid.
    pub grid: RiskGrid,
    /// Live devices in short-ID order.
    pub devices: Vec<Device>,
    /// Each device's progress with its highest open risk, parallel to `devices`.
    pub device_progress: Vec<DeviceProgress>,
    /// Response counts per step (catalog order) as the exported `Summary` sheet and `medsec
    /// status` count them: a model or site answer counts once; suggestions do not count.
    pub steps: Vec<StepProgress>,
    /// All steps together.
    pub total: StepProgress,
    /// The dashboard's figures on the open risks (heat map, levels, top ten, overdue).
    pub dashboard: Dashboard<'static>,
    /// Every finding in register order (open first, score, patient safety, device).
    pub findings: Vec<Finding<'static>>,
    /// Per device (parallel to `devices`): indexes into `findings` of the findings shown on it,
    /// its model's and site's included, in register order.
    pub by_device: Vec<Vec<usize>>,
    /// Indexes into `findings` of model or site findings shown on no device (every unit
    /// deleted or overriding).
    pub unattached: Vec<usize>,
    /// Per device (parallel to `devices`): controls answered Yes without evidence reference.
    pub unevidenced: Vec<Vec<UnevidencedYes>>,
    /// Distinct stored Yes answers without evidence reference (a model or site answer once).
    pub unevidenced_total: usize,
    /// Accepted risks whose review date is before `as_of`.
    pub expired: usize,
    /// Open risks with patient-safety impact 4 or more that are not controlled.
    pub uncontrolled_safety: usize,
}

impl Report {
    /// Reads the workbook once and computes every figure of the report; `as_of` decides what
    /// is overdue or expired.
    ///
    /// Errors: `WorkbookError::Sqlite` when the workbook cannot be read.
    pub fn build(
        wb: &Workbook,
        as_of: NaiveDate,
        app_version: &'static str,
    ) -> Result<Report, WorkbookError> {
        let (register, steps) = crate::export::register_and_step_counts(wb)?;
        let catalog = wb.catalog();
        let device_progress = register.progress();
        let total = steps.iter().fold(StepProgress::default(), |a, s| a.plus(s));
        let findings = register.findings.clone();
        let dashboard = dashboard(catalog, &device_progress, &findings, as_of);
        let mut by_device = vec![Vec::new(); register.devices.len()];
        let mut unattached = Vec::new();
        for (n, f) in findings.iter().enumerate() {
            if f.shown_on.is_empty() {
                unattached.push(n);
            }
            for &d in &f.shown_on {
                if let Some(list) = by_device.get_mut(d) {
                    list.push(n);
                }
            }
        }
        let (unevidenced, unevidenced_total) = unevidenced(catalog, &register);
        let meta = wb.meta().clone();
        Ok(Report {
            audit: wb.audit_head()?,
            sites: sites(&meta, &register.devices),
            meta,
            as_of,
            generated_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            app_version,
            catalog,
            grid: wb.risk_grid(),
            expired: findings.iter().filter(|f| f.is_expired(as_of)).count(),
            uncontrolled_safety: findings
                .iter()
                .filter(|f| f.is_uncontrolled_safety())
                .count(),
            devices: register.devices,
            device_progress,
            steps,
            total,
            dashboard,
            findings,
            by_device,
            unattached,
            unevidenced,
            unevidenced_total,
        })
    }

    /// The risk model in one line: [`RISK_MODEL_NIST`], or [`RISK_MODEL_EDITED`] when the
    /// workbook's grid was changed.
    pub fn risk_model(&self) -> &'static str {
        if self.grid.is_nist() {
            RISK_MODEL_NIST
        } else {
            RISK_MODEL_EDITED
        }
    }

    /// Devices with at least one assessed answer (their own, model or site).
    pub fn devices_started(&self) -> usize {
        self.dashboard.devices - self.dashboard.not_started.len()
    }

    /// Share of the applicable controls assessed, 0–1 in whole percent rounded down like the
    /// TUI's "checks answered" (a model or site answer once), so 99.6% never reads 100%; `None`
    /// when nothing applies.
    pub fn progress(&self) -> Option<f64> {
        (self.total.applicable > 0).then(|| self.total.percent() as f64 / 100.0)
    }

    /// The cover's facts, (label, value) in order, values as typed (each renderer escapes
    /// them; `""` = not given): organisation, site(s), assessment ID, assessor(s) — from the
    /// workbook, never the OS login —, start and end dates, as of, devices, catalog version,
    /// risk model, generated (UTC, app version), audit trail head.
    pub fn cover_facts(&self) -> [(&'static str, String); 12] {
        let m = &self.meta;
        [
            ("Organisation", m.organisation.clone()),
            ("Site(s)", self.sites_text()),
            ("Assessment ID", m.workbook_id.clone()),
            ("Assessor(s)", m.assessor.clone()),
            ("Start date", m.start_date.clone().unwrap_or_default()),
            ("End date", m.end_date.clone().unwrap_or_default()),
            ("As of", self.as_of.to_string()),
            ("Devices", self.devices.len().to_string()),
            ("Catalog version", self.catalog.version.clone()),
            ("Risk model", self.risk_model().to_string()),
            (
                "Generated",
                format!("{} by medsec {}", self.generated_at, self.app_version),
            ),
            (
                "Audit trail head",
                crate::export::audit_head_text(&self.audit),
            ),
        ]
    }

    /// The executive summary's key figures, (label, value) in order: devices assessed,
    /// progress, compliance, open risks, overdue, expired acceptances, uncontrolled
    /// patient-safety risks. Both renderers show these, so they cannot drift apart.
    pub fn key_figures(&self) -> [(&'static str, String); 7] {
        [
            (
                "Devices assessed",
                format!("{} of {}", self.devices_started(), self.devices.len()),
            ),
            ("Progress", percent(self.progress())),
            ("Compliance", percent(self.total.compliance_ratio())),
            ("Open risks", self.dashboard.open.to_string()),
            ("Overdue", self.dashboard.overdue.to_string()),
            ("Expired acceptances", self.expired.to_string()),
            (
                "Uncontrolled patient-safety risks",
                self.uncontrolled_safety.to_string(),
            ),
        ]
    }

    /// The open risks (status Open or In Progress) in register order: the remediation plan.
    pub fn open_risks(&self) -> impl Iterator<Item = &Finding<'static>> {
        self.findings.iter().filter(|f| f.is_open())
    }

    /// The risks treated by acceptance, open or closed, in register order.
    pub fn accepted_risks(&self) -> impl Iterator<Item = &Finding<'static>> {
        self.findings
            .iter()
            .filter(|f| f.entry.treatment == Some(Treatment::Accept))
    }

    /// The site(s) in one line, `; `-separated.
    pub fn sites_text(&self) -> String {
        self.sites.join("; ")
    }
}

/// A finding's Risk ID (`R-0012`), or `–` while its register entry is not stored.
pub fn risk_id(f: &Finding<'_>) -> String {
    f.entry.risk_id().unwrap_or_else(|| "–".to_string())
}

/// Where a finding sits: `DEV-0003`, `Model B. Braun Space (4 devices)`, `Site Main`, `Site
/// (default)`.
pub fn where_text(f: &Finding<'_>) -> String {
    use crate::catalog::Scope;
    match f.scope() {
        Scope::Device => f.name.clone(),
        Scope::Model => format!("Model {} ({} {})", f.name, f.covers, plural(f.covers)),
        Scope::Site if f.name.is_empty() => {
            format!("Site (default) ({} {})", f.covers, plural(f.covers))
        }
        Scope::Site => format!("Site {} ({} {})", f.name, f.covers, plural(f.covers)),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "device" } else { "devices" }
}

/// `L4 × I5 = 20`, or `not rated`.
pub fn rating_text(likelihood: Option<u8>, impact: Option<u8>) -> String {
    match (likelihood, impact) {
        (Some(l), Some(i)) => format!("L{l} × I{i} = {}", u16::from(l) * u16::from(i)),
        _ => "not rated".to_string(),
    }
}

/// The basis of a level's default due date (TEMPLATE.md "Default due dates").
pub fn due_basis(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::VeryHigh => "HICP 2018 Tech Vol 2 Table 8 (critical, exposed)",
        RiskLevel::High => {
            "HICP 2018 Tech Vol 2 Table 8; FDA 2016 postmarket guidance's 30-day window for \
             uncontrolled risk"
        }
        RiskLevel::Moderate | RiskLevel::Low => "HICP 2018 Tech Vol 2 Table 8",
        RiskLevel::VeryLow => "owner's discretion",
    }
}

/// A date as `YYYY-MM-DD`, `–` when absent.
pub fn date_text(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "–".to_string(), |d| d.to_string())
}

/// A percentage of a fraction 0–1 as `62%`, `–` when undefined.
pub fn percent(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| "–".to_string(), |f| format!("{:.0}%", f * 100.0))
}

fn sites(meta: &AssessmentMeta, devices: &[Device]) -> Vec<String> {
    if !meta.site.trim().is_empty() {
        return vec![meta.site.trim().to_string()];
    }
    let mut seen = HashSet::new();
    devices
        .iter()
        .map(|d| d.get("site").trim())
        .filter(|s| !s.is_empty() && seen.insert(s.to_lowercase()))
        .map(str::to_string)
        .collect()
}

/// Yes answers without evidence reference: per device (as shown on it) and the number of
/// distinct stored answers (a model or site answer once).
fn unevidenced(
    catalog: &'static Catalog,
    register: &Register,
) -> (Vec<Vec<UnevidencedYes>>, usize) {
    let mut stored: HashSet<(String, &str)> = HashSet::new();
    let per_device = register
        .devices
        .iter()
        .map(|device| {
            let mut list = Vec::new();
            let view = register.answers.for_device(device);
            for control in catalog.controls() {
                let eff = view.effective(control);
                let Some(answer) = eff.answer else { continue };
                if answer.confirmed_response() != Some(Response::Yes)
                    || !answer.evidence_ref.trim().is_empty()
                {
                    continue;
                }
                let key = match eff.origin {
                    Origin::Model => format!(
                        "m:{}",
                        model_key(device.get("manufacturer"), device.get("model"))
                    ),
                    Origin::Site => format!("s:{}", device.get("site").trim().to_lowercase()),
                    Origin::Device | Origin::DeviceOverride => format!("d:{}", device.id),
                };
                stored.insert((key, control.id.as_str()));
                list.push(UnevidencedYes {
                    control,
                    origin: eff.origin,
                });
            }
            list
        })
        .collect();
    (per_device, stored.len())
}
