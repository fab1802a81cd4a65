//! The risk register as the screens see it: one finding per confirmed No, Partial or Unknown
//! answer, with its rating and its register entry (owner, due date, status), in the order
//! PRODUCT.md gives; and the figures of the dashboard computed from them.
//!
//! A model or site answer is one finding, counted once (PRODUCT.md "Scopes"), with the number
//! of devices it is shown on. Unconfirmed suggestions are not findings. "Open" means a status of
//! Open or In Progress (PRODUCT.md "Answers, suggestions and deferral"); heat map, top ten and
//! risk counts use open findings only, on the inherent rating.

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::NaiveDate;

use super::{RiskGrid, RiskLevel, Treatment, default_dimension_impacts, default_impact};
use crate::assessment::progress;
use crate::assessment::{
    Answer, AnswerSet, DeviceProgress, Response, SharedAnswer, StepProgress, Target, model_key,
};
use crate::catalog::{Catalog, Control, ImpactDimension, Scope};
use crate::device::Device;
use crate::workbook::{FindingState, RiskEntry, VulnFinding, Workbook, WorkbookError};

/// How many open findings the dashboard's top list shows.
pub const TOP: usize = 10;

/// What a register finding says about a confirmed vulnerability finding (`2 CVE Findings`).
#[derive(Debug, Clone, PartialEq)]
pub struct VulnerabilityRef {
    /// The vulnerability finding's row ID (its Finding ID is `F-` and this, see
    /// [`crate::workbook::format_finding_id`]).
    pub finding_id: i64,
    /// `CVE-…`.
    pub cve: String,
    /// `CVE-… in openssl 1.0.2k`, or the CVE alone for the device's own product.
    pub subject: String,
    /// Short title of the vulnerability (may be empty).
    pub title: String,
    /// Listed in CISA KEV.
    pub kev: bool,
    /// The feeds the match rests on: `KEV of 2025-08-25; ICSMA-20-254-01 of 2020-09-10`.
    pub feed_dates: String,
}

impl VulnerabilityRef {
    /// `F-0001`.
    pub fn finding_label(&self) -> String {
        crate::workbook::format_finding_id(self.finding_id)
    }
}

/// One finding: a confirmed No, Partial or Unknown answer on a device, a model or a site; or a
/// confirmed vulnerability finding on a device (then [`Finding::vulnerability`] is set, the
/// control is `VULN-01`, or `VULN-02` when KEV-listed, and the response is No).
#[derive(Debug, Clone)]
pub struct Finding<'c> {
    /// Where the answer is stored. A model or site is spelled as on its first device (short-ID
    /// order); one with no device left is spelled as its case-insensitive key.
    pub target: Target,
    /// What the target is called: `DEV-0003`, `B. Braun Space`, `Main` (`""` = the default
    /// site).
    pub name: String,
    /// How many devices the finding is shown on: 1 for a device; the units of a model that do
    /// not override its answer; every device of a site.
    pub covers: usize,
    /// The devices the finding is shown on (indexes into the devices given), in their order.
    pub shown_on: Vec<usize>,
    /// The device to open for this finding (index into the devices given): the device; else
    /// the first device the finding is shown on; else the first device of the model.
    pub first_device: Option<usize>,
    /// The control.
    pub control: &'c Control,
    /// Index of the control's step in the catalog (0–7).
    pub step: usize,
    /// Position of the control in catalog order (0-based; 0–71 for the built-in catalog).
    pub position: usize,
    /// The confirmed response: No, Partial or Unknown.
    pub response: Response,
    /// The stored answer (note, observed value, recommendation, who and when).
    pub answer: SharedAnswer,
    /// Likelihood 1–5, rated or defaulted; `None` when the answer has none (e.g. imported).
    pub likelihood: Option<u8>,
    /// Impact 1–5, rated or defaulted; `None` when the answer has none.
    pub impact: Option<u8>,
    /// Impact per dimension, 1–5 each (patient safety, PHI / data, clinical operations), as the
    /// register shows them: the assessor's per-dimension rating; else, while the impact is the
    /// default, the devices' defaults on the dimensions the control's step affects (others
    /// `None`); all `None` when the impact was rated as one number (TEMPLATE.md "Risk Register").
    pub dimension_impacts: [Option<u8>; 3],
    /// Patient-safety impact used for ordering, 0–5: the highest patient-safety default of the
    /// target's devices when the control's step affects patient safety, else 0.
    pub safety: u8,
    /// The register entry (the defaults of [`RiskEntry`] when none is stored).
    pub entry: RiskEntry,
    /// The impact dimensions the control affects (its own, else its step's; CATALOG.md).
    pub affects: &'c [ImpactDimension],
    /// The date the finding was first identified: the entry's, else the answer's assessed-on
    /// date.
    pub identified_on: Option<NaiveDate>,
    /// The confirmed vulnerability finding this risk registers; `None` = an answer's finding.
    /// (Boxed: most findings are answers, and the reference would add 100 bytes to each.)
    pub vulnerability: Option<Box<VulnerabilityRef>>,
    /// The level of (likelihood, impact) in the workbook's grid.
    level: Option<RiskLevel>,
    /// The level of the residual rating in the workbook's grid.
    residual_level: Option<RiskLevel>,
    /// Sort rank of the target: devices by number, then models, then sites by key.
    rank: (u8, i64, String),
}

impl Finding<'_> {
    /// L × I, 1–25, when both are set.
    pub fn score(&self) -> Option<u8> {
        Some(self.likelihood? * self.impact?)
    }

    /// The level of L and I in the workbook's grid (NIST SP 800-30 Rev. 1 Table I-2 unless
    /// edited), when both are set.
    pub fn level(&self) -> Option<RiskLevel> {
        self.level
    }

    /// Residual L × I, 1–25, when both residual ratings are set.
    pub fn residual_score(&self) -> Option<u8> {
        Some(self.entry.residual_likelihood? * self.entry.residual_impact?)
    }

    /// The level of the residual rating in the workbook's grid, when both are set.
    pub fn residual_level(&self) -> Option<RiskLevel> {
        self.residual_level
    }

    /// Whether this is an open risk: status Open or In Progress.
    pub fn is_open(&self) -> bool {
        self.entry.status.is_open()
    }

    /// The due date in force: the one set by hand, or (by default) the date first identified
    /// plus the level's default days (TEMPLATE.md "Default due dates"; none for Very Low or an
    /// unrated finding).
    pub fn due_date(&self) -> Option<NaiveDate> {
        if self.entry.due_default {
            self.level?.default_due(self.identified_on?)
        } else {
            self.entry.due_date
        }
    }

    /// Whether it is open and its due date is before `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.is_open() && self.due_date().is_some_and(|d| d < today)
    }

    /// Whether it is an accepted risk whose review date is before `today` (TEMPLATE.md "Risk
    /// Register", Expired).
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.entry.treatment == Some(Treatment::Accept)
            && self.entry.review_date.is_some_and(|d| d < today)
    }

    /// The patient-safety impact as the register shows it, 0–5: the assessor's per-dimension
    /// rating, or the devices' default while the impact is the default; 0 when the impact was
    /// rated as one number or the control does not affect patient safety. The flag below uses
    /// this, so it can be checked from the register's Patient-Safety Impact column.
    pub fn safety_impact(&self) -> u8 {
        self.dimension_impacts[0].unwrap_or(0)
    }

    /// Whether the risk is controlled: closed, or a residual rating of Low or Very Low.
    pub fn is_controlled(&self) -> bool {
        !self.is_open() || self.residual_level.is_some_and(|l| l <= RiskLevel::Low)
    }

    /// The "uncontrolled patient-safety risk" flag (TEMPLATE.md "Risk Matrix", FDA postmarket
    /// framing): patient-safety impact ([`Finding::safety_impact`], as shown) 4 or more and not
    /// controlled, whatever its level.
    pub fn is_uncontrolled_safety(&self) -> bool {
        self.safety_impact() >= 4 && !self.is_controlled()
    }

    /// What the finding is, as screens and reports name it: the response (`No`, `Partial`,
    /// `Unknown`) of a control finding, `Vulnerability` for a confirmed vulnerability finding
    /// (whose stored response is only a placeholder).
    pub fn response_label(&self) -> &'static str {
        if self.vulnerability.is_some() {
            "Vulnerability"
        } else {
            self.response.label()
        }
    }

    /// The scope of the target.
    pub fn scope(&self) -> Scope {
        self.target.scope()
    }

    /// The register's Source (TEMPLATE.md "Risk Register"): the Finding ID (`F-0003`) of a
    /// vulnerability finding, else the control ID (`ENC-01`).
    pub fn source(&self) -> String {
        match &self.vulnerability {
            Some(v) => v.finding_label(),
            None => self.control.id.clone(),
        }
    }

    /// What the risk is about in one line, for reports and lists: `ENC-01 PHI at rest
    /// encrypted`, or for a vulnerability finding `VULN-02 F-0001 CVE-2017-0144 in SMBv1 6.1
    /// (KEV)`. Not sanitised.
    pub fn heading(&self) -> String {
        match &self.vulnerability {
            Some(v) => format!(
                "{} {} {}{}",
                self.control.id,
                v.finding_label(),
                v.subject,
                if v.kev { " (KEV)" } else { "" }
            ),
            None => format!("{} {}", self.control.id, self.control.title),
        }
    }

    /// The target in one short label: `DEV-0003`, `MODEL B. Braun Space (4)` (4 devices),
    /// `SITE Main`, `SITE (default)`. Not sanitised: it holds what the user typed.
    pub fn label(&self) -> String {
        match self.target {
            Target::Device(_) => self.name.clone(),
            Target::Model { .. } => format!("MODEL {} ({})", self.name, self.covers),
            Target::Site(_) if self.name.is_empty() => "SITE (default)".to_string(),
            Target::Site(_) => format!("SITE {}", self.name),
        }
    }

    /// A one-line risk description (threat + weakness + consequence) from the control and the
    /// response, e.g. `Partial: Is data at rest encrypted? — patient safety, PHI / data at risk`.
    /// A vulnerability finding reads `CVE-2017-0144 in SMBv1 6.1 (KEV): Improper input
    /// validation — patient safety at risk`.
    pub fn description(&self) -> String {
        let dims = self.affects.iter().map(|d| d.label()).collect::<Vec<_>>();
        let weakness = match &self.vulnerability {
            Some(v) => {
                let kev = if v.kev { " (KEV)" } else { "" };
                if v.title.is_empty() {
                    format!("{}{kev}", v.subject)
                } else {
                    format!("{}{kev}: {}", v.subject, v.title)
                }
            }
            None => format!("{}: {}", self.response.label(), self.control.title),
        };
        if dims.is_empty() {
            weakness
        } else {
            format!("{weakness} — {} at risk", dims.join(", "))
        }
    }
}

/// The highest level of the open findings shown on each device (its own, its model's and its
/// site's), parallel to the devices given to [`findings`]; `None` = no rated open finding
/// (PRODUCT.md "Scopes": a device's highest risk includes the model and site findings).
pub fn device_risks(findings: &[Finding<'_>], devices: usize) -> Vec<Option<RiskLevel>> {
    let mut out = vec![None; devices];
    for f in findings.iter().filter(|f| f.is_open()) {
        let Some(level) = f.level() else { continue };
        for &i in &f.shown_on {
            if let Some(slot) = out.get_mut(i) {
                *slot = (*slot).max(Some(level));
            }
        }
    }
    out
}

/// Sets each device's [`DeviceProgress::highest_risk`] from the findings ([`device_risks`]);
/// `progress` is parallel to the devices given to [`findings`].
pub fn fill_highest_risk(progress: &mut [DeviceProgress], findings: &[Finding<'_>]) {
    let risks = device_risks(findings, progress.len());
    for (p, r) in progress.iter_mut().zip(risks) {
        p.highest_risk = r;
    }
}

/// A workbook's register, loaded in one go for commands and reports.
#[derive(Debug, Clone)]
pub struct Register {
    /// Live devices in short-ID order (finding device indexes point here).
    pub devices: Vec<Device>,
    /// Every stored answer.
    pub answers: AnswerSet,
    /// Every finding, in [`order`].
    pub findings: Vec<Finding<'static>>,
}

impl Register {
    /// Reads devices, answers and register entries and rates the findings with the workbook's
    /// grid.
    ///
    /// Errors: `WorkbookError::Sqlite`.
    pub fn load(wb: &Workbook) -> Result<Register, WorkbookError> {
        let devices = wb.devices()?;
        let answers = wb.answer_set()?;
        let entries = EntryIndex::read(wb)?
            .with_vulnerabilities(wb.vuln_findings()?, wb.finding_risk_entries()?);
        let findings = findings(wb.catalog(), &devices, &answers, &entries, &wb.risk_grid());
        Ok(Register {
            devices,
            answers,
            findings,
        })
    }

    /// Every device's progress with its highest open risk filled in, parallel to `devices`.
    pub fn progress(&self) -> Vec<DeviceProgress> {
        let mut p: Vec<DeviceProgress> = self
            .devices
            .iter()
            .map(|d| progress(crate::catalog::catalog(), &self.answers, d))
            .collect();
        fill_highest_risk(&mut p, &self.findings);
        p
    }
}

/// PRODUCT.md order: open first; then score (L × I) highest first, unrated last; then
/// patient-safety impact highest first; then device short ID numerically, models and sites
/// after every device; then catalog order.
pub fn order(a: &Finding<'_>, b: &Finding<'_>) -> Ordering {
    b.is_open()
        .cmp(&a.is_open())
        .then_with(|| b.score().unwrap_or(0).cmp(&a.score().unwrap_or(0)))
        .then_with(|| b.safety.cmp(&a.safety))
        .then_with(|| a.rank.cmp(&b.rank))
        .then_with(|| a.position.cmp(&b.position))
}

/// The case-insensitive identity of a target, as the workbook matches them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Device(i64),
    Model(String),
    Site(String),
}

fn key(target: &Target) -> Key {
    match target {
        Target::Device(id) => Key::Device(*id),
        Target::Model {
            manufacturer,
            model,
        } => Key::Model(model_key(manufacturer, model)),
        Target::Site(s) => Key::Site(s.trim().to_lowercase()),
    }
}

/// The stored register entries, looked up by target (case-insensitively, as the workbook
/// matches models and sites) and control ID.
#[derive(Debug, Clone, Default)]
pub struct EntryIndex {
    by_key: HashMap<(Key, String), RiskEntry>,
    /// Vulnerability findings (only confirmed ones become register findings).
    vulnerabilities: Vec<VulnFinding>,
    /// Their register entries, by finding row ID.
    by_finding: HashMap<i64, RiskEntry>,
}

impl EntryIndex {
    /// Indexes `(target, control ID, entry)` triples as `Workbook::risk_entries` returns them.
    pub fn new(entries: Vec<(Target, String, RiskEntry)>) -> EntryIndex {
        EntryIndex {
            by_key: entries
                .into_iter()
                .map(|(t, c, e)| ((key(&t), c), e))
                .collect(),
            vulnerabilities: Vec::new(),
            by_finding: HashMap::new(),
        }
    }

    /// The entries stored in a workbook (`Workbook::risk_entries`), read one at a time into an
    /// index made big enough for all of them at once: no list of them all is held on the way,
    /// and the index never grows by doubling.
    ///
    /// Errors: `WorkbookError::Sqlite`.
    pub fn read(wb: &Workbook) -> Result<EntryIndex, WorkbookError> {
        let mut by_key = HashMap::with_capacity(wb.risk_entry_count()?);
        wb.for_each_risk_entry(|target, control_id, entry| {
            by_key.insert((key(&target), control_id), entry);
        })?;
        Ok(EntryIndex {
            by_key,
            vulnerabilities: Vec::new(),
            by_finding: HashMap::new(),
        })
    }

    /// Adds the workbook's vulnerability findings (as `Workbook::vuln_findings` gives them) and
    /// their register entries (`Workbook::finding_risk_entries`): [`findings`] then lists the
    /// confirmed ones among the risks.
    pub fn with_vulnerabilities(
        mut self,
        findings: Vec<VulnFinding>,
        entries: HashMap<i64, RiskEntry>,
    ) -> EntryIndex {
        self.vulnerabilities = findings;
        self.by_finding = entries;
        self
    }

    /// The entry of a finding; `None` means Open, no owner, no due date.
    pub fn get(&self, target: &Target, control_id: &str) -> Option<&RiskEntry> {
        self.by_key.get(&(key(target), control_id.to_string()))
    }

    /// Puts the entry stored on `target` for `control_id` as `Workbook::risk_entry` reads it
    /// (`None` = none stored), after a change to that one entry or answer.
    pub fn set(&mut self, target: &Target, control_id: &str, entry: Option<RiskEntry>) {
        let k = (key(target), control_id.to_string());
        match entry {
            Some(e) => {
                self.by_key.insert(k, e);
            }
            None => {
                self.by_key.remove(&k);
            }
        }
    }
}

/// A model or a site and the devices it covers.
struct Group {
    target: Target,
    name: String,
    devices: Vec<usize>,
}

impl Group {
    /// The model group of a device with a manufacturer and a model, spelled as on `device`.
    fn model(device: &Device) -> Option<Group> {
        let (m, n) = (device.get("manufacturer"), device.get("model"));
        if m.is_empty() || n.is_empty() {
            return None;
        }
        Some(Group {
            target: Target::Model {
                manufacturer: m.to_string(),
                model: n.to_string(),
            },
            name: format!("{m} {n}"),
            devices: Vec::new(),
        })
    }

    /// The site group of a device, spelled as on `device` (trimmed).
    fn site(device: &Device) -> Group {
        let site = device.get("site").trim();
        Group {
            target: Target::Site(site.to_string()),
            name: site.to_string(),
            devices: Vec::new(),
        }
    }

    /// A model or site with answers but no device left, spelled as its key.
    fn stored_only(scope: Scope, key: &str) -> Group {
        let target = AnswerSet::key_target(scope, key);
        let name = match &target {
            Target::Model {
                manufacturer,
                model,
            } => format!("{manufacturer} {model}"),
            _ => key.to_string(),
        };
        Group {
            target,
            name,
            devices: Vec::new(),
        }
    }
}

/// The case-insensitive key of a device's model (when it has one) and of its site.
fn group_keys(device: &Device) -> (Option<String>, String) {
    let (m, n) = (device.get("manufacturer"), device.get("model"));
    let model = (!m.is_empty() && !n.is_empty()).then(|| model_key(m, n));
    (model, device.get("site").trim().to_lowercase())
}

/// What every finding is built from: the catalog's controls by ID, the devices, the answers,
/// the stored register entries and the level grid.
struct Builder<'a, 'c> {
    catalog: &'c Catalog,
    /// Control ID → (step index, catalog position, control).
    controls: HashMap<&'c str, (usize, usize, &'c Control)>,
    devices: &'a [Device],
    answers: &'a AnswerSet,
    entries: Entries<'a>,
    grid: &'a RiskGrid,
}

/// Where a [`Builder`] finds the register entries: an index it shares (the TUI keeps its
/// index, to update it), or one it owns and empties as the findings take their entries (an
/// export: the entries are moved, not copied).
enum Entries<'a> {
    Shared(&'a EntryIndex),
    Owned(RefCell<EntryIndex>),
}

impl Entries<'_> {
    /// The entry of a finding stored on `target` for `control_id`; the defaults when none.
    fn entry(&self, target: &Target, control_id: &str) -> RiskEntry {
        match self {
            Entries::Shared(index) => index.get(target, control_id).cloned(),
            Entries::Owned(index) => index
                .borrow_mut()
                .by_key
                .remove(&(key(target), control_id.to_string())),
        }
        .unwrap_or_default()
    }

    /// The entry of the vulnerability finding with row ID `id`; the defaults when none.
    fn finding_entry(&self, id: i64) -> RiskEntry {
        match self {
            Entries::Shared(index) => index.by_finding.get(&id).cloned(),
            Entries::Owned(index) => index.borrow_mut().by_finding.remove(&id),
        }
        .unwrap_or_default()
    }

    /// The vulnerability findings (taken out of an owned index).
    fn vulnerabilities(&self) -> Cow<'_, [VulnFinding]> {
        match self {
            Entries::Shared(index) => Cow::Borrowed(&index.vulnerabilities),
            Entries::Owned(index) => {
                Cow::Owned(std::mem::take(&mut index.borrow_mut().vulnerabilities))
            }
        }
    }

    /// How many confirmed vulnerability findings there are.
    fn confirmed_vulnerabilities(&self) -> usize {
        let count = |index: &EntryIndex| {
            index
                .vulnerabilities
                .iter()
                .filter(|v| v.state == FindingState::Confirmed)
                .count()
        };
        match self {
            Entries::Shared(index) => count(index),
            Entries::Owned(index) => count(&index.borrow()),
        }
    }
}

impl<'a, 'c> Builder<'a, 'c> {
    fn new(
        catalog: &'c Catalog,
        devices: &'a [Device],
        answers: &'a AnswerSet,
        entries: Entries<'a>,
        grid: &'a RiskGrid,
    ) -> Builder<'a, 'c> {
        let mut controls = HashMap::new();
        let mut position = 0;
        for (s, step) in catalog.steps.iter().enumerate() {
            for c in &step.controls {
                controls.insert(c.id.as_str(), (s, position, c));
                position += 1;
            }
        }
        Builder {
            catalog,
            controls,
            devices,
            answers,
            entries,
            grid,
        }
    }

    fn affects(&self, control: &'c Control) -> &'c [ImpactDimension] {
        self.catalog.impact_dimensions(control)
    }

    fn affects_safety(&self, control: &'c Control) -> bool {
        self.affects(control)
            .contains(&ImpactDimension::PatientSafety)
    }

    /// The impact per dimension the register shows (see `Finding::dimension_impacts`).
    fn shown_dims(
        &self,
        answer: &Answer,
        dims: &[ImpactDimension],
        of: &[usize],
    ) -> [Option<u8>; 3] {
        if answer.dimension_impacts.iter().any(Option::is_some) || !answer.impact_default {
            return answer.dimension_impacts;
        }
        default_dimension_impacts(of.iter().filter_map(|&i| self.devices.get(i)), dims)
    }

    fn rate(&self, l: Option<u8>, i: Option<u8>) -> Option<RiskLevel> {
        Some(self.grid.level(l?, i?))
    }

    /// The highest patient-safety default of these devices, 0 for none.
    fn safety_of(&self, indexes: &[usize]) -> u8 {
        indexes
            .iter()
            .filter_map(|&i| self.devices.get(i))
            .map(|d| default_impact(d, ImpactDimension::PatientSafety))
            .max()
            .unwrap_or(0)
    }

    /// The findings of the device at index `i`: its device controls, and the model controls it
    /// answers itself (no manufacturer + model, or an override). Site controls are never read
    /// from a device.
    fn device_findings(&self, i: usize, out: &mut Vec<Finding<'c>>) {
        let Some(device) = self.devices.get(i) else {
            return;
        };
        let target = Target::Device(device.id);
        for answer in self.answers.shared_on(&target) {
            let Some(response) = answer.confirmed_response().filter(|r| r.is_finding()) else {
                continue;
            };
            let Some(&(step, position, control)) = self.controls.get(answer.control_id.as_str())
            else {
                continue;
            };
            if control.scope == Scope::Site {
                continue;
            }
            let safety = if self.affects_safety(control) {
                default_impact(device, ImpactDimension::PatientSafety)
            } else {
                0
            };
            let entry = self.entries.entry(&target, &control.id);
            let dims = self.affects(control);
            out.push(Finding {
                target: target.clone(),
                name: device.short_id(),
                covers: 1,
                shown_on: vec![i],
                first_device: Some(i),
                control,
                step,
                position,
                response,
                likelihood: answer.likelihood,
                impact: answer.impact,
                dimension_impacts: self.shown_dims(&answer, dims, &[i]),
                safety,
                affects: dims,
                identified_on: entry.identified_on.or(answer.assessed_on),
                vulnerability: None,
                level: self.rate(answer.likelihood, answer.impact),
                residual_level: self.rate(entry.residual_likelihood, entry.residual_impact),
                entry,
                answer,
                rank: (0, device.number, String::new()),
            });
        }
    }

    /// The findings of a model (`rank` 1) or site (`rank` 2) whose case-insensitive key is
    /// `key`: one per finding answer stored on it, shown on its devices (a model's units that
    /// override its answer excepted).
    fn group_findings(
        &self,
        scope: Scope,
        rank: u8,
        key: &str,
        group: &Group,
        out: &mut Vec<Finding<'c>>,
    ) {
        for answer in self.answers.shared_on(&group.target) {
            let Some(response) = answer.confirmed_response().filter(|r| r.is_finding()) else {
                continue;
            };
            let Some(&(step, position, control)) = self.controls.get(answer.control_id.as_str())
            else {
                continue;
            };
            if control.scope != scope {
                continue;
            }
            // A unit with its own answer for the control overrides its model's.
            let shown_on: Vec<usize> = group
                .devices
                .iter()
                .copied()
                .filter(|&i| {
                    scope == Scope::Site
                        || self.devices.get(i).is_some_and(|d| {
                            self.answers
                                .get(&Target::Device(d.id), &control.id)
                                .is_none()
                        })
                })
                .collect();
            let safety = if self.affects_safety(control) {
                self.safety_of(&group.devices)
            } else {
                0
            };
            let entry = self.entries.entry(&group.target, &control.id);
            let dims = self.affects(control);
            out.push(Finding {
                target: group.target.clone(),
                name: group.name.clone(),
                covers: shown_on.len(),
                first_device: shown_on.first().or_else(|| group.devices.first()).copied(),
                shown_on,
                control,
                step,
                position,
                response,
                likelihood: answer.likelihood,
                impact: answer.impact,
                dimension_impacts: self.shown_dims(&answer, dims, &group.devices),
                safety,
                affects: dims,
                identified_on: entry.identified_on.or(answer.assessed_on),
                vulnerability: None,
                level: self.rate(answer.likelihood, answer.impact),
                residual_level: self.rate(entry.residual_likelihood, entry.residual_impact),
                entry,
                answer,
                rank: (rank, 0, key.to_string()),
            });
        }
    }

    /// Confirmed vulnerability findings, each a risk of its device (PRODUCT.md: unconfirmed
    /// matches are not risks). Likelihood: the assessor's, else suggested from KEV and CVSS;
    /// impact: the assessor's, else the device's defaults on the dimensions the control affects.
    fn vulnerability_findings(&self, out: &mut Vec<Finding<'c>>) {
        let by_id: HashMap<i64, usize> = self
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id, i))
            .collect();
        let vulnerabilities = self.entries.vulnerabilities();
        for v in vulnerabilities
            .iter()
            .filter(|v| v.state == FindingState::Confirmed)
        {
            let (Some(&i), Some(&(step, position, control))) =
                (by_id.get(&v.device_id), self.controls.get(v.control_id()))
            else {
                continue;
            };
            let Some(device) = self.devices.get(i) else {
                continue;
            };
            let dims = self.affects(control);
            let (likelihood, likelihood_default) = v.likelihood();
            let dimension_impacts = match v.rated_impact {
                Some(_) => [None; 3],
                None => default_dimension_impacts(std::iter::once(device), dims),
            };
            let impact = v.rated_impact.unwrap_or_else(|| {
                dimension_impacts
                    .iter()
                    .flatten()
                    .copied()
                    .max()
                    .unwrap_or(3)
            });
            let entry = self.entries.finding_entry(v.id);
            let first_seen = v
                .first_seen
                .get(..10)
                .and_then(|d| d.parse::<NaiveDate>().ok());
            let answer = Answer {
                control_id: control.id.as_str().into(),
                response: Some(Response::No),
                note: v.note.as_str().into(),
                likelihood: Some(likelihood),
                impact: Some(impact),
                likelihood_default,
                impact_default: v.rated_impact.is_none(),
                assessed_on: first_seen,
                ..Answer::default()
            };
            out.push(Finding {
                target: Target::Device(device.id),
                name: device.short_id(),
                covers: 1,
                shown_on: vec![i],
                first_device: Some(i),
                control,
                step,
                position,
                response: Response::No,
                likelihood: Some(likelihood),
                impact: Some(impact),
                dimension_impacts,
                safety: if self.affects_safety(control) {
                    default_impact(device, ImpactDimension::PatientSafety)
                } else {
                    0
                },
                affects: dims,
                identified_on: entry.identified_on.or(first_seen),
                vulnerability: Some(Box::new(VulnerabilityRef {
                    finding_id: v.id,
                    cve: v.cve.clone(),
                    subject: v.subject(),
                    title: v.found.title.clone(),
                    kev: v.kev_listed(),
                    feed_dates: v.feed_dates(),
                })),
                level: self.rate(Some(likelihood), Some(impact)),
                residual_level: self.rate(entry.residual_likelihood, entry.residual_impact),
                entry,
                answer: SharedAnswer::new(answer),
                rank: (0, device.number, String::new()),
            });
        }
    }
}

/// Every finding of a workbook in [`order`].
///
/// `devices` in short-ID order (indexes in [`Finding::first_device`] point into it); `answers`
/// every stored answer; `entries` the stored register entries (a finding without one gets
/// [`RiskEntry::default`]; entries without a finding are ignored); `grid` the workbook's level
/// grid. Runs in time linear in devices + stored answers.
pub fn findings<'c>(
    catalog: &'c Catalog,
    devices: &[Device],
    answers: &AnswerSet,
    entries: &EntryIndex,
    grid: &RiskGrid,
) -> Vec<Finding<'c>> {
    build(Builder::new(
        catalog,
        devices,
        answers,
        Entries::Shared(entries),
        grid,
    ))
}

/// [`findings`], moving each finding's entry out of `entries` instead of copying it: for a
/// caller that has no more use for the index (an export, where the copies would be held
/// alongside the index at the export's peak of memory).
pub fn findings_taking_entries<'c>(
    catalog: &'c Catalog,
    devices: &[Device],
    answers: &AnswerSet,
    entries: EntryIndex,
    grid: &RiskGrid,
) -> Vec<Finding<'c>> {
    build(Builder::new(
        catalog,
        devices,
        answers,
        Entries::Owned(RefCell::new(entries)),
        grid,
    ))
}

fn build<'c>(b: Builder<'_, 'c>) -> Vec<Finding<'c>> {
    let (answers, devices) = (b.answers, b.devices);
    // At most one finding per confirmed finding answer and confirmed vulnerability: reserved
    // at once (80,000 findings of about 400 bytes would otherwise be copied as the list doubles).
    let bound = answers
        .iter()
        .filter(|a| a.confirmed_response().is_some_and(|r| r.is_finding()))
        .count()
        + b.entries.confirmed_vulnerabilities();
    let mut out = Vec::with_capacity(bound);
    let mut models: HashMap<String, Group> = HashMap::new();
    let mut sites: HashMap<String, Group> = HashMap::new();
    let mut model_order: Vec<String> = Vec::new();
    let mut site_order: Vec<String> = Vec::new();
    for (i, device) in devices.iter().enumerate() {
        let (model, site) = group_keys(device);
        if let Some(k) = model {
            if let Some(g) = models.get_mut(&k) {
                g.devices.push(i);
            } else if let Some(mut g) = Group::model(device) {
                g.devices.push(i);
                model_order.push(k.clone());
                models.insert(k, g);
            }
        }
        if let Some(g) = sites.get_mut(&site) {
            g.devices.push(i);
        } else {
            let mut g = Group::site(device);
            g.devices.push(i);
            site_order.push(site.clone());
            sites.insert(site, g);
        }
        b.device_findings(i, &mut out);
    }
    // Models and sites with answers but no device left.
    for (scope, k) in answers.scope_keys() {
        let (groups, order) = match scope {
            Scope::Model => (&mut models, &mut model_order),
            Scope::Site => (&mut sites, &mut site_order),
            Scope::Device => continue,
        };
        if !groups.contains_key(k) {
            order.push(k.to_string());
            groups.insert(k.to_string(), Group::stored_only(scope, k));
        }
    }
    let groups = model_order
        .iter()
        .filter_map(|k| models.get(k).map(|g| (Scope::Model, 1u8, k, g)))
        .chain(
            site_order
                .iter()
                .filter_map(|k| sites.get(k).map(|g| (Scope::Site, 2u8, k, g))),
        );
    for (scope, rank, k, group) in groups {
        b.group_findings(scope, rank, k, group, &mut out);
    }
    b.vulnerability_findings(&mut out);
    sort_by_places(&mut out, order);
    out
}

/// Sorts `list` as `list.sort_by(compare)` does (stable) by sorting the positions and then
/// moving each item once into its place. For findings in [`order`]: a stable sort of the
/// findings themselves copies 700-byte values about and borrows a buffer of half the list
/// (about 28 MB for the 80,000 findings of a 10,000-device workbook); this one borrows a
/// position per finding.
fn sort_by_places<T>(list: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let mut places: Vec<usize> = (0..list.len()).collect();
    places.sort_by(|&a, &b| compare(&list[a], &list[b]));
    // `places[k]` is the item that belongs at `k`: follow each cycle of the permutation,
    // swapping the right item into each place, and mark a place done by pointing it at itself.
    for start in 0..list.len() {
        let mut k = start;
        loop {
            let from = places[k];
            places[k] = k;
            if from == start {
                break;
            }
            list.swap(k, from);
            k = from;
        }
    }
}

/// The findings of the answers stored on one target (a device, a model or a site; never its
/// vulnerability findings), built exactly as [`findings`] builds them, in [`order`]: what a
/// change to that target's answers replaces in the register, without building the rest.
/// Arguments as for [`findings`]; linear in devices + the target's answers.
pub fn target_findings<'c>(
    catalog: &'c Catalog,
    devices: &[Device],
    answers: &AnswerSet,
    entries: &EntryIndex,
    grid: &RiskGrid,
    target: &Target,
) -> Vec<Finding<'c>> {
    let b = Builder::new(catalog, devices, answers, Entries::Shared(entries), grid);
    let mut out = Vec::new();
    let (scope, rank, key) = match target {
        Target::Device(id) => {
            if let Some(i) = devices.iter().position(|d| d.id == *id) {
                b.device_findings(i, &mut out);
            }
            out.sort_by(order);
            return out;
        }
        Target::Model {
            manufacturer,
            model,
        } => (Scope::Model, 1u8, model_key(manufacturer, model)),
        Target::Site(site) => (Scope::Site, 2u8, site.trim().to_lowercase()),
    };
    let mut group: Option<Group> = None;
    for (i, device) in devices.iter().enumerate() {
        let (model, site) = group_keys(device);
        let found = match scope {
            Scope::Model if model.as_deref() == Some(key.as_str()) => Group::model(device),
            Scope::Site if site == key => Some(Group::site(device)),
            _ => None,
        };
        if let Some(first) = found {
            group.get_or_insert(first).devices.push(i);
        }
    }
    let stored = answers
        .scope_keys()
        .any(|(s, k)| s == scope && k == key.as_str());
    let group = match group {
        Some(g) => g,
        None if stored => Group::stored_only(scope, &key),
        None => return out,
    };
    b.group_findings(scope, rank, &key, &group, &mut out);
    out.sort_by(order);
    out
}

/// The dashboard's figures.
#[derive(Debug, Clone, Default)]
pub struct Dashboard<'c> {
    /// Per step (catalog order), summed over every device as its checklist counts it (model and
    /// site answers count on each device they are shown on).
    pub steps: Vec<StepProgress>,
    /// All steps together.
    pub total: StepProgress,
    /// Number of devices.
    pub devices: usize,
    /// Indexes of the devices with no answer assessed yet (their own, model or site), in the
    /// order given.
    pub not_started: Vec<usize>,
    /// Open findings (Open or In Progress), a model or site finding once.
    pub open: usize,
    /// Closed findings.
    pub closed: usize,
    /// Open findings due before the date given.
    pub overdue: usize,
    /// Open findings per level, in [`RiskLevel::ALL`] order (Very High first).
    pub by_level: [usize; 5],
    /// Open findings by rating: `heat[5 - L][I - 1]`, rows likelihood 5 → 1, columns impact
    /// 1 → 5 (the layout of TEMPLATE.md "Risk Matrix").
    pub heat: [[usize; 5]; 5],
    /// Open findings without a complete rating (not in the heat map or the levels).
    pub unrated: usize,
    /// The [`TOP`] highest open findings, in [`order`].
    pub top: Vec<Finding<'c>>,
}

impl Dashboard<'_> {
    /// Open findings rated `likelihood` × `impact` (each 1–5; 0 outside the scale).
    pub fn heat_at(&self, likelihood: u8, impact: u8) -> usize {
        if !(1..=5).contains(&likelihood) || !(1..=5).contains(&impact) {
            return 0;
        }
        self.heat[usize::from(5 - likelihood)][usize::from(impact - 1)]
    }

    /// Open findings of one level.
    pub fn at_level(&self, level: RiskLevel) -> usize {
        RiskLevel::ALL
            .iter()
            .position(|l| *l == level)
            .and_then(|p| self.by_level.get(p))
            .copied()
            .unwrap_or(0)
    }
}

/// Computes the dashboard from every device's progress (parallel to the devices, as
/// [`crate::assessment::progress`] gives it) and the findings in [`order`]; `today` decides
/// what is overdue.
pub fn dashboard<'c>(
    catalog: &Catalog,
    progress: &[DeviceProgress],
    findings: &[Finding<'c>],
    today: NaiveDate,
) -> Dashboard<'c> {
    let mut d = Dashboard {
        steps: vec![StepProgress::default(); catalog.steps.len()],
        devices: progress.len(),
        ..Dashboard::default()
    };
    for (i, p) in progress.iter().enumerate() {
        for (slot, sp) in d.steps.iter_mut().zip(&p.steps) {
            *slot = slot.plus(sp);
        }
        if p.total.assessed() == 0 {
            d.not_started.push(i);
        }
    }
    d.total = d
        .steps
        .iter()
        .fold(StepProgress::default(), |a, s| a.plus(s));
    for f in findings {
        if !f.is_open() {
            d.closed += 1;
            continue;
        }
        d.open += 1;
        d.overdue += usize::from(f.is_overdue(today));
        match (f.likelihood, f.impact, f.level()) {
            (Some(l), Some(i), Some(lv)) => {
                let row = usize::from(5 - l.clamp(1, 5));
                let col = usize::from(i.clamp(1, 5) - 1);
                d.heat[row][col] += 1;
                if let Some(p) = RiskLevel::ALL.iter().position(|x| *x == lv) {
                    d.by_level[p] += 1;
                }
            }
            _ => d.unrated += 1,
        }
        if d.top.len() < TOP {
            d.top.push(f.clone());
        }
    }
    // `findings` is in order already; sort anyway so a caller's order cannot leak in.
    d.top.sort_by(order);
    d
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorting_by_places_orders_as_a_stable_sort_does() {
        // Pairs (key, original position): ties on the key must keep their order.
        let mut seed = 7u64;
        for len in [0usize, 1, 2, 3, 10, 257, 1000] {
            let list: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 59) as u8, i)
                })
                .collect();
            let mut expected = list.clone();
            expected.sort_by_key(|p| p.0);
            let mut got = list;
            super::sort_by_places(&mut got, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, expected, "{len} items");
        }
    }

    use super::*;
    use crate::assessment::{Answer, progress};
    use crate::catalog::catalog;
    use crate::risk::RiskStatus;

    fn device(id: i64, values: &[(&str, &str)]) -> Device {
        let mut d = Device {
            id,
            number: id,
            ..Device::default()
        };
        for (k, v) in values {
            d.values.insert((*k).to_string(), (*v).to_string());
        }
        d
    }

    fn rated(control: &str, r: Response, l: u8, i: u8) -> Answer {
        Answer {
            control_id: control.into(),
            response: Some(r),
            likelihood: Some(l),
            impact: Some(i),
            ..Answer::default()
        }
    }

    fn model() -> Target {
        Target::Model {
            manufacturer: "B. Braun".into(),
            model: "Space".into(),
        }
    }

    fn entry(status: RiskStatus) -> RiskEntry {
        RiskEntry {
            status,
            ..RiskEntry::default()
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    /// Three pumps of one model and a monitor, all on site "Main".
    fn devices() -> Vec<Device> {
        let pump = [
            ("manufacturer", "B. Braun"),
            ("model", "Space"),
            ("site", "Main"),
        ];
        vec![
            device(1, &pump),
            device(2, &pump),
            device(3, &pump),
            device(10, &[("site", "main "), ("criticality", "Life-sustaining")]),
        ]
    }

    fn model_control() -> &'static str {
        catalog()
            .controls()
            .find(|c| c.scope == Scope::Model)
            .map(|c| c.id.as_str())
            .unwrap_or("INV-03")
    }

    /// A device control whose step affects patient safety.
    fn safety_control() -> &'static str {
        let cat = catalog();
        cat.controls()
            .filter(|c| c.scope == Scope::Device)
            .find(|c| {
                cat.impact_dimensions(c)
                    .contains(&ImpactDimension::PatientSafety)
            })
            .map(|c| c.id.as_str())
            .unwrap_or("NET-01")
    }

    fn site_control() -> &'static str {
        catalog()
            .controls()
            .find(|c| c.scope == Scope::Site)
            .map(|c| c.id.as_str())
            .unwrap_or("IR-01")
    }

    #[test]
    fn a_model_finding_counts_once_with_its_devices() {
        let cat = catalog();
        let devices = devices();
        let mut set = AnswerSet::default();
        // The spelling differs from the devices': still the same model.
        let lower = Target::Model {
            manufacturer: "b. braun".into(),
            model: "SPACE".into(),
        };
        set.insert(&lower, rated(model_control(), Response::No, 4, 4));
        // Unit 2 overrides with Yes: the model finding is shown on two units.
        set.insert(
            &Target::Device(2),
            rated(model_control(), Response::Yes, 1, 1),
        );
        set.insert(
            &Target::Site("MAIN".into()),
            rated(site_control(), Response::Partial, 2, 3),
        );
        let list = findings(
            cat,
            &devices,
            &set,
            &EntryIndex::default(),
            &RiskGrid::default(),
        );
        assert_eq!(list.len(), 2, "{list:#?}");
        let m = &list[0];
        assert_eq!(m.target, model());
        assert_eq!(m.covers, 2);
        assert_eq!(m.first_device, Some(0));
        assert_eq!(m.label(), "MODEL B. Braun Space (2)");
        assert_eq!(m.level(), Some(RiskLevel::High));
        let s = &list[1];
        assert_eq!(s.label(), "SITE Main");
        assert_eq!(s.covers, 4);

        let progress: Vec<_> = devices.iter().map(|d| progress(cat, &set, d)).collect();
        let dash = dashboard(cat, &progress, &list, day("2026-01-01"));
        assert_eq!(dash.open, 2);
        assert_eq!(dash.heat_at(4, 4), 1);
        assert_eq!(dash.heat.iter().flatten().sum::<usize>(), 2);
        assert_eq!(dash.at_level(RiskLevel::High), 1);
        assert_eq!(dash.at_level(RiskLevel::Low), 1);
        // The checklists count the model answer on each of the two units that inherit it.
        assert_eq!(dash.total.no, 2);
        assert_eq!(dash.total.yes, 1);
        assert!(dash.not_started.is_empty());
    }

    #[test]
    fn suggestions_and_other_responses_are_not_findings() {
        let cat = catalog();
        let devices = devices();
        let mut set = AnswerSet::default();
        let mut suggested = rated("ENC-01", Response::No, 3, 3);
        suggested.suggested = Some("MDS2 (unconfirmed)".into());
        set.insert(&Target::Device(1), suggested);
        set.insert(&Target::Device(1), rated("ENC-02", Response::Yes, 3, 3));
        let mut na = rated("ENC-03", Response::NotApplicable, 3, 3);
        na.note = "no storage".into();
        set.insert(&Target::Device(1), na);
        // A site control stored on a device is never shown, so it is no finding either.
        set.insert(
            &Target::Device(1),
            rated(site_control(), Response::No, 3, 3),
        );
        assert!(
            findings(
                cat,
                &devices,
                &set,
                &EntryIndex::default(),
                &RiskGrid::default()
            )
            .is_empty()
        );
        let progress: Vec<_> = devices.iter().map(|d| progress(cat, &set, d)).collect();
        let dash = dashboard(cat, &progress, &[], day("2026-01-01"));
        assert_eq!(dash.not_started, vec![1, 2, 3]);
    }

    #[test]
    fn closed_findings_leave_the_heat_map_and_the_top_ten() {
        let cat = catalog();
        let devices = devices();
        let mut set = AnswerSet::default();
        let ids: Vec<&str> = cat
            .controls()
            .filter(|c| c.scope == Scope::Device)
            .map(|c| c.id.as_str())
            .take(12)
            .collect();
        for id in &ids {
            set.insert(&Target::Device(1), rated(id, Response::No, 5, 5));
        }
        set.insert(&Target::Device(3), rated(ids[0], Response::No, 1, 1));
        let mut entries = vec![
            (
                Target::Device(1),
                ids[0].to_string(),
                entry(RiskStatus::Closed),
            ),
            (
                Target::Device(1),
                ids[1].to_string(),
                RiskEntry {
                    owner: "Biomed".into(),
                    due_date: Some(day("2025-12-31")),
                    due_default: false,
                    status: RiskStatus::InProgress,
                    ..RiskEntry::default()
                },
            ),
        ];
        // An entry whose finding is gone is ignored.
        entries.push((
            Target::Device(2),
            ids[0].to_string(),
            entry(RiskStatus::Open),
        ));
        let list = findings(
            cat,
            &devices,
            &set,
            &EntryIndex::new(entries),
            &RiskGrid::default(),
        );
        assert_eq!(list.len(), 13);
        let last = list.last().map(|f| (f.control.id.as_str(), f.is_open()));
        assert_eq!(last, Some((ids[0], false)), "closed goes last");
        assert!(list[..12].iter().all(Finding::is_open));
        let progress: Vec<_> = devices.iter().map(|d| progress(cat, &set, d)).collect();
        let dash = dashboard(cat, &progress, &list, day("2026-01-01"));
        assert_eq!((dash.open, dash.closed, dash.overdue), (12, 1, 1));
        assert_eq!(dash.heat_at(5, 5), 11);
        assert_eq!(dash.heat_at(1, 1), 1);
        assert_eq!(dash.top.len(), TOP);
        assert!(dash.top.iter().all(Finding::is_open));
        assert!(
            !dash
                .top
                .iter()
                .any(|f| f.control.id == ids[0] && f.name == "DEV-0001")
        );
        // The in-progress one is still open and kept its owner.
        let wip = list.iter().find(|f| f.control.id == ids[1]);
        assert_eq!(wip.map(|f| f.entry.owner.as_str()), Some("Biomed"));
        assert!(wip.is_some_and(|f| f.is_overdue(day("2026-01-01"))));
        assert!(!wip.is_some_and(|f| f.is_overdue(day("2025-12-31"))));
    }

    #[test]
    fn ties_order_by_safety_then_device_number_then_catalog() {
        let cat = catalog();
        let devices = devices();
        let device_controls: Vec<&str> = cat
            .controls()
            .filter(|c| c.scope == Scope::Device)
            .filter(|c| {
                cat.impact_dimensions(c)
                    .contains(&ImpactDimension::PatientSafety)
            })
            .map(|c| c.id.as_str())
            .take(2)
            .collect();
        let (a, b) = (device_controls[0], device_controls[1]);
        let mut set = AnswerSet::default();
        // Same score 9 everywhere.
        set.insert(&Target::Device(3), rated(b, Response::No, 3, 3));
        set.insert(&Target::Device(3), rated(a, Response::No, 3, 3));
        set.insert(&Target::Device(2), rated(b, Response::No, 3, 3));
        // Device 10 is life-sustaining (patient safety 5): first despite its number.
        set.insert(&Target::Device(10), rated(b, Response::Unknown, 3, 3));
        set.insert(&model(), rated(model_control(), Response::No, 3, 3));
        // A higher score beats everything.
        set.insert(&Target::Device(3), rated("ENC-01", Response::Partial, 2, 5));
        let list = findings(
            cat,
            &devices,
            &set,
            &EntryIndex::default(),
            &RiskGrid::default(),
        );
        let got: Vec<(String, &str)> = list
            .iter()
            .map(|f| (f.label(), f.control.id.as_str()))
            .collect();
        let want = vec![
            ("DEV-0003".to_string(), "ENC-01"),
            ("DEV-0010".to_string(), b),
            ("DEV-0002".to_string(), b),
            ("DEV-0003".to_string(), a),
            ("DEV-0003".to_string(), b),
            ("MODEL B. Braun Space (3)".to_string(), model_control()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn device_numbers_sort_numerically_and_orphans_are_kept() {
        let cat = catalog();
        let devices = vec![
            device(9, &[]),
            device(10_000, &[]),
            device(10, &[("criticality", "Non-clinical")]),
        ];
        let mut set = AnswerSet::default();
        for id in [10_000, 10, 9] {
            set.insert(&Target::Device(id), rated("ENC-01", Response::No, 3, 3));
        }
        // A model answer whose units were all deleted is still one finding.
        set.insert(
            &Target::Model {
                manufacturer: "Gone".into(),
                model: "X1".into(),
            },
            rated(model_control(), Response::No, 3, 3),
        );
        let list = findings(
            cat,
            &devices,
            &set,
            &EntryIndex::default(),
            &RiskGrid::default(),
        );
        let names: Vec<String> = list.iter().map(Finding::label).collect();
        assert_eq!(
            names,
            vec!["DEV-0009", "DEV-0010", "DEV-10000", "MODEL gone x1 (0)"]
        );
        assert_eq!(list[3].first_device, None);
    }

    #[test]
    fn due_dates_residual_expiry_and_the_safety_flag() {
        let cat = catalog();
        let safety = safety_control();
        // Device 10 is life-sustaining: patient-safety default 5.
        let devices = devices();
        let mut set = AnswerSet::default();
        let mut answer = rated(safety, Response::No, 4, 5);
        answer.impact_default = false;
        set.insert(&Target::Device(10), answer);
        set.insert(&Target::Device(1), rated("ENC-02", Response::Partial, 2, 2));
        let found = day("2026-01-10");
        let entries = EntryIndex::new(vec![
            (
                Target::Device(10),
                safety.to_string(),
                RiskEntry {
                    identified_on: Some(found),
                    ..RiskEntry::default()
                },
            ),
            (
                Target::Device(1),
                "ENC-02".to_string(),
                RiskEntry {
                    identified_on: Some(found),
                    treatment: Some(Treatment::Accept),
                    accepted_by: "CMIO".into(),
                    acceptance_note: "isolated".into(),
                    review_date: Some(day("2026-06-30")),
                    residual_likelihood: Some(1),
                    residual_impact: Some(2),
                    ..RiskEntry::default()
                },
            ),
        ]);
        let list = findings(cat, &devices, &set, &entries, &RiskGrid::default());
        let vent = list.iter().find(|f| f.name == "DEV-0010").ok_or("DEV-0010");
        let pump = list.iter().find(|f| f.name == "DEV-0001").ok_or("DEV-0001");
        let (Ok(vent), Ok(pump)) = (vent, pump) else {
            panic!("both findings are listed: {list:#?}");
        };
        // L4 × I5 = Very High: due 14 days after it was identified.
        assert_eq!(vent.level(), Some(RiskLevel::VeryHigh));
        assert_eq!(vent.due_date(), Some(day("2026-01-24")));
        assert!(vent.is_overdue(day("2026-01-25")) && !vent.is_overdue(day("2026-01-24")));
        // Rated as one number: the dimensions stay blank, so no patient-safety impact is shown
        // and the flag (which follows what is shown) is off.
        assert_eq!(vent.dimension_impacts, [None; 3]);
        assert_eq!(vent.safety_impact(), 0);
        assert!(!vent.is_uncontrolled_safety());
        // L2 × I2 = Low: 180 days; residual 1 × 2 = Very Low; accepted until June.
        assert_eq!(pump.level(), Some(RiskLevel::Low));
        assert_eq!(pump.due_date(), Some(day("2026-07-09")));
        assert_eq!(pump.residual_level(), Some(RiskLevel::VeryLow));
        assert_eq!(pump.residual_score(), Some(2));
        assert!(!pump.is_expired(day("2026-06-30")) && pump.is_expired(day("2026-07-01")));
        assert!(pump.is_controlled());

        // Left at the default impact, the ventilator's patient-safety default (5) is shown and
        // flagged; rated per dimension with safety 3, it is not.
        let mut defaulted = rated(safety, Response::No, 4, 5);
        defaulted.impact_default = true;
        let mut set2 = AnswerSet::default();
        set2.insert(&Target::Device(10), defaulted.clone());
        let list2 = findings(cat, &devices, &set2, &entries, &RiskGrid::default());
        assert_eq!(list2.first().map(|f| f.dimension_impacts[0]), Some(Some(5)));
        assert!(list2.first().is_some_and(Finding::is_uncontrolled_safety));
        defaulted.impact_default = false;
        defaulted.dimension_impacts = [Some(3), Some(5), None];
        set2.insert(&Target::Device(10), defaulted);
        let list2 = findings(cat, &devices, &set2, &entries, &RiskGrid::default());
        assert!(list2.first().is_some_and(|f| !f.is_uncontrolled_safety()));

        // An edited grid rates with the workbook's levels.
        let mut grid = RiskGrid::default();
        grid.set(4, 5, RiskLevel::High);
        let edited = findings(cat, &devices, &set, &entries, &grid);
        let vent = edited
            .iter()
            .find(|f| f.name == "DEV-0010")
            .and_then(Finding::level);
        assert_eq!(vent, Some(RiskLevel::High));
    }

    #[test]
    fn a_devices_risk_is_its_highest_open_finding_with_model_and_site() {
        let cat = catalog();
        let devices = devices();
        let mut set = AnswerSet::default();
        set.insert(&model(), rated(model_control(), Response::No, 5, 5));
        set.insert(
            &Target::Site("Main".into()),
            rated(site_control(), Response::No, 2, 2),
        );
        set.insert(&Target::Device(10), rated("ENC-01", Response::No, 3, 3));
        let list = findings(
            cat,
            &devices,
            &set,
            &EntryIndex::default(),
            &RiskGrid::default(),
        );
        let risks = device_risks(&list, devices.len());
        assert_eq!(
            risks,
            vec![
                Some(RiskLevel::VeryHigh),
                Some(RiskLevel::VeryHigh),
                Some(RiskLevel::VeryHigh),
                Some(RiskLevel::Moderate),
            ]
        );
        // Closing the model finding: the pumps fall back to the site finding.
        let closed = EntryIndex::new(vec![(
            model(),
            model_control().to_string(),
            entry(RiskStatus::Closed),
        )]);
        let list = findings(cat, &devices, &set, &closed, &RiskGrid::default());
        let risks = device_risks(&list, devices.len());
        assert_eq!(risks[0], Some(RiskLevel::Low));
        assert_eq!(risks[3], Some(RiskLevel::Moderate));
        // The answer fixed (Yes): the finding and its entry leave the register.
        set.insert(&model(), rated(model_control(), Response::Yes, 5, 5));
        let list = findings(cat, &devices, &set, &closed, &RiskGrid::default());
        assert!(list.iter().all(|f| f.scope() != Scope::Model));
    }

    #[test]
    fn taking_the_entries_builds_the_same_findings_as_sharing_them() {
        let cat = catalog();
        let devices = devices();
        let mut set = AnswerSet::default();
        set.insert(&model(), rated(model_control(), Response::No, 5, 5));
        set.insert(
            &Target::Site("Main".into()),
            rated(site_control(), Response::Partial, 2, 2),
        );
        set.insert(&Target::Device(10), rated("ENC-01", Response::No, 3, 3));
        set.insert(
            &Target::Device(11),
            rated("ENC-01", Response::Unknown, 4, 2),
        );
        let mut owned = entry(RiskStatus::InProgress);
        owned.owner = "Biomed".into();
        owned.planned_actions = "Segment the pumps".into();
        // The model entry spelled in another case: entries match models case-insensitively.
        let shouting = Target::Model {
            manufacturer: "B. BRAUN".into(),
            model: "SPACE".into(),
        };
        let index = || {
            EntryIndex::new(vec![
                (shouting.clone(), model_control().to_string(), owned.clone()),
                (
                    Target::Device(10),
                    "ENC-01".to_string(),
                    entry(RiskStatus::Closed),
                ),
            ])
        };
        let shared = findings(cat, &devices, &set, &index(), &RiskGrid::default());
        let taken = findings_taking_entries(cat, &devices, &set, index(), &RiskGrid::default());
        assert_eq!(format!("{shared:?}"), format!("{taken:?}"));
        assert!(
            taken.iter().any(|f| f.entry.owner == "Biomed"),
            "the model's entry reached its finding: {taken:?}"
        );
        assert!(
            taken
                .iter()
                .any(|f| f.target == Target::Device(10) && f.entry.status == RiskStatus::Closed)
        );
    }
}
