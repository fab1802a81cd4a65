//! What an export writes, gathered once from the workbook: the devices with their progress, every
//! stored answer, the model and site targets that get scope rows, the register's findings
//! (`risk::register::findings`, the same list the TUI and the CLI show) and the rows of each
//! control sheet (generated on demand, never held all at once).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::assessment::{
    Answer, AnswerSet, AnswerSetBuilder, DeviceProgress, Origin, Response, Target, model_key,
    model_target, progress,
};
use crate::catalog::{Catalog, Control, Scope, Step, catalog};
use crate::device::Device;
use crate::risk::RiskGrid;
use crate::risk::register::{EntryIndex, Finding, device_risks, findings_taking_entries};
use crate::workbook::{
    AssessmentMeta, Attachment, AttachmentFilter, StoredMds2, VulnFinding, Workbook, WorkbookError,
};

/// One device row of `1 Inventory` and its control rows.
#[derive(Debug, Clone)]
pub struct DeviceEntry {
    /// The device (a template's blank rows have a number and nothing else).
    pub device: Device,
    /// Its progress (`None` for a template's blank rows).
    pub progress: Option<DeviceProgress>,
    /// The local date of its latest answer.
    pub last_assessed_on: Option<NaiveDate>,
}

/// A model or site that gets scope rows on the control sheets.
#[derive(Debug, Clone)]
pub struct ScopeTarget {
    /// The target in the spelling shown (first device's spelling, else the stored answer's).
    pub target: Target,
    /// Column A: `MODEL:<manufacturer>/<model>`, `SITE:<site>` or `SITE`.
    pub id: String,
    /// Stable part of the row key: `MODEL:`/`SITE:` and the case-insensitive key, or `SITE`
    /// ([`scope_row_key`]).
    pub key: String,
    /// Column B: manufacturer and model, or the site's name.
    pub name: String,
    /// Indices into [`ExportData::devices`] of the devices it covers.
    pub devices: Vec<usize>,
}

/// Everything the sheets are written from.
pub struct ExportData {
    /// Assessment metadata (empty for a template).
    pub meta: AssessmentMeta,
    /// The catalog the workbook is assessed against.
    pub catalog: &'static Catalog,
    /// Devices in short-ID order.
    pub devices: Vec<DeviceEntry>,
    /// Every stored answer.
    pub answers: AnswerSet,
    /// Models with scope rows, by case-insensitive key.
    pub models: Vec<ScopeTarget>,
    /// Sites with scope rows: the default site first, then by case-insensitive name.
    pub sites: Vec<ScopeTarget>,
    /// Headers of the devices' extra attributes, in first-seen order.
    pub extra_headers: Vec<String>,
    /// "Today" for every date comparison.
    pub as_of: NaiveDate,
    /// A blank template (`export template`).
    pub template: bool,
    /// The audit trail's head (length and last hash) when the export was made; length 0 and an
    /// empty hash for a template.
    pub audit: crate::workbook::AuditHead,
    /// The workbook's level grid (NIST SP 800-30 Rev. 1 Table I-2 unless edited).
    pub grid: RiskGrid,
    /// The register: every finding with its stored entry (treatment, owner, due date, status,
    /// residual live on the entry, not on the answer), rated with [`ExportData::grid`], in
    /// PRODUCT.md order (open first), device indexes pointing into [`ExportData::devices`].
    /// Empty for a template.
    pub findings: Vec<Finding<'static>>,
    /// Where each finding is shown on the control sheets: (row target, control ID) → index
    /// into [`ExportData::findings`].
    finding_rows: HashMap<(RowIdent, &'static str), usize>,
    /// Every vulnerability finding of the live devices (`2 CVE Findings`), by device number,
    /// CVE and component; the confirmed ones are also in [`ExportData::findings`]. Empty for a
    /// template.
    pub vulnerabilities: Vec<VulnFinding>,
    /// Column M of the control sheets: (row target, control ID) → the attachments stored there,
    /// as [`attachments_cell`] writes them.
    attachment_cells: HashMap<(RowIdent, String), String>,
    /// The current MDS2 documents (not replaced) of the devices and models exported, for the
    /// `MDS2` sheet and column O of the control sheets; empty for a template.
    pub mds2: Vec<StoredMds2>,
    /// A device's own MDS2 or a model's, by row identity → index into [`ExportData::mds2`].
    mds2_rows: HashMap<RowIdent, usize>,
}

/// The identity of a control row's target, as the register's findings are matched to rows:
/// a device by its row ID, a model or site by [`scope_row_key`] (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RowIdent {
    Device(i64),
    Scope(String),
}

impl RowIdent {
    fn of(target: &Target) -> RowIdent {
        match target {
            Target::Device(id) => RowIdent::Device(*id),
            other => RowIdent::Scope(scope_row_key(other)),
        }
    }
}

/// Whom a control row is for.
#[derive(Debug, Clone, Copy)]
pub enum RowTarget<'a> {
    /// A device.
    Device(&'a DeviceEntry),
    /// A model or a site.
    Scope(&'a ScopeTarget),
}

/// One row of a control sheet.
#[derive(Debug, Clone, Copy)]
pub struct ControlRow<'a> {
    /// Device, model or site.
    pub target: RowTarget<'a>,
    /// The control.
    pub control: &'a Control,
    /// Column G: `Device`, `Device (override)`, `Model` or `Site`.
    pub scope: &'static str,
    /// The stored answer, if any.
    pub answer: Option<&'a Answer>,
}

impl<'a> ControlRow<'a> {
    /// Column A: the device's short ID or the scope key.
    pub fn target_id(&self) -> String {
        match self.target {
            RowTarget::Device(d) => d.device.short_id(),
            RowTarget::Scope(s) => s.id.clone(),
        }
    }

    /// Column AG: the device's UUID or the scope's stable key, then `|` and the control ID
    /// (empty for a template's blank devices, which have no UUID yet).
    pub fn row_key(&self) -> String {
        match self.target {
            RowTarget::Device(d) if d.device.uuid.is_empty() => String::new(),
            RowTarget::Device(d) => format!("{}|{}", d.device.uuid, self.control.id),
            RowTarget::Scope(s) => format!("{}|{}", s.key, self.control.id),
        }
    }

    /// The response as written in column H (a suggestion's response too).
    pub fn response(&self) -> Option<Response> {
        self.answer.and_then(|a| a.response)
    }

    /// Column I: the suggestion's source, cleaned as written (empty = confirmed).
    pub fn suggested(&self) -> Cow<'a, str> {
        self.answer
            .and_then(|a| a.suggested.as_deref())
            .map_or(Cow::Borrowed(""), super::xlsx::clean_cell_text)
    }

    /// The response when it counts: written in H with I blank (what the `Summary` COUNTIFS
    /// count).
    pub fn counted_response(&self) -> Option<Response> {
        self.response().filter(|_| self.suggested().is_empty())
    }

    /// The register's finding shown on this row: its confirmed No, Partial or Unknown answer,
    /// with the register entry (owner, effective due date, status); `None` for any other row.
    pub fn finding<'d>(&self, data: &'d ExportData) -> Option<&'d Finding<'static>> {
        if data.findings.is_empty() || !self.counted_response().is_some_and(|r| r.is_finding()) {
            return None;
        }
        let ident = match self.target {
            RowTarget::Device(d) => RowIdent::Device(d.device.id),
            RowTarget::Scope(s) => RowIdent::Scope(s.key.clone()),
        };
        let i = data.finding_rows.get(&(ident, self.control.id.as_str()))?;
        data.findings.get(*i)
    }

    /// Column O: the manufacturer's claim for the control's MDS2 questions, from the device's
    /// own MDS2, else its model's (a model row: the model's, else the first of its units' with
    /// one), e.g. `STCF-1=Yes; STCF-1.2=No`;
    /// empty when no MDS2 is on file or it holds none of the questions.
    pub fn manufacturer_claim(&self, data: &ExportData) -> String {
        if self.control.mds2.is_empty() || data.mds2.is_empty() {
            return String::new();
        }
        let found = match self.target {
            RowTarget::Device(d) => {
                data.mds2_rows
                    .get(&RowIdent::Device(d.device.id))
                    .or_else(|| {
                        let m = crate::assessment::model_target(&d.device)?;
                        data.mds2_rows.get(&RowIdent::of(&m))
                    })
            }
            // A model's own MDS2, else one imported for a unit of the model.
            RowTarget::Scope(s) => {
                data.mds2_rows
                    .get(&RowIdent::Scope(s.key.clone()))
                    .or_else(|| {
                        s.devices.iter().find_map(|i| {
                            let d = data.devices.get(*i)?;
                            data.mds2_rows.get(&RowIdent::Device(d.device.id))
                        })
                    })
            }
        };
        found
            .and_then(|i| data.mds2.get(*i))
            .map(|doc| doc.claim(&self.control.mds2))
            .unwrap_or_default()
    }

    /// Column M: the attachments stored on this row's target for its control, as
    /// `name (first 12 hex digits of the SHA-256)` joined with `; ` (empty when none).
    pub fn attachments<'d>(&self, data: &'d ExportData) -> &'d str {
        let ident = match self.target {
            RowTarget::Device(d) => RowIdent::Device(d.device.id),
            RowTarget::Scope(s) => RowIdent::Scope(s.key.clone()),
        };
        data.attachment_cells
            .get(&(ident, self.control.id.clone()))
            .map_or("", String::as_str)
    }
}

/// Longest text of a column M cell, in characters: a spreadsheet cell holds 32,767; room is
/// left for the note on what did not fit.
const ATTACHMENT_CELL_CHARS: usize = 32_000;

/// The text of column M for these attachments (in list order): `photo.jpg (3f2a9b1c0d4e);
/// letter.pdf (9c1d…)`. Past [`ATTACHMENT_CELL_CHARS`] it ends with `; … and N more (medsec
/// evidence list)`, so the cell is never truncated by the spreadsheet.
pub fn attachments_cell<'a>(attachments: impl IntoIterator<Item = &'a Attachment>) -> String {
    let all: Vec<String> = attachments
        .into_iter()
        .map(|a| format!("{} ({})", a.file_name, a.short_hash()))
        .collect();
    let mut out = String::new();
    let mut used = 0;
    for (i, item) in all.iter().enumerate() {
        let len = item.chars().count() + if i == 0 { 0 } else { 2 };
        if used + len > ATTACHMENT_CELL_CHARS {
            out.push_str(&format!(
                "; … and {} more (medsec evidence list)",
                all.len() - i
            ));
            break;
        }
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(item);
        used += len;
    }
    out
}

impl ExportData {
    /// Gathers a workbook's data. Errors: reading the workbook.
    pub fn from_workbook(wb: &Workbook, as_of: NaiveDate) -> Result<ExportData, WorkbookError> {
        let catalog = wb.catalog();
        let devices = wb.devices()?;
        let mut answers = AnswerSetBuilder::for_catalog(catalog);
        let mut stored_models: Vec<Target> = Vec::new();
        let mut stored_sites: Vec<Target> = Vec::new();
        wb.for_each_answer_row(|row| {
            match &row.target {
                Target::Model { .. } => stored_models.push(row.target.clone()),
                Target::Site(_) => stored_sites.push(row.target.clone()),
                Target::Device(_) => {}
            }
            answers.add(&row.target, row.answer);
        })?;
        let answers = answers.finish();
        let mut extra_headers: Vec<String> = Vec::new();
        for d in &devices {
            for (h, _) in &d.extra {
                if !extra_headers.contains(h) {
                    extra_headers.push(h.clone());
                }
            }
        }
        let vulnerabilities = wb.vuln_findings()?;
        let risk_entries = EntryIndex::read(wb)?
            .with_vulnerabilities(vulnerabilities.clone(), wb.finding_risk_entries()?);
        let grid = wb.risk_grid();
        // The answers and entries are read: the page cache's memory serves the findings better
        // (the export's peak is while they are built, PRODUCT.md "Performance budgets").
        wb.release_cache()?;
        let findings = findings_taking_entries(catalog, &devices, &answers, risk_entries, &grid);
        // Highest Risk Level on `1 Inventory`: the highest OPEN finding shown on the device.
        let risks = device_risks(&findings, devices.len());
        let devices: Vec<DeviceEntry> = devices
            .into_iter()
            .zip(risks)
            .map(|(device, risk)| {
                let mut p = progress(catalog, &answers, &device);
                p.highest_risk = risk;
                let on = last_assessed_on(catalog, &answers, &device, &p);
                DeviceEntry {
                    device,
                    progress: Some(p),
                    last_assessed_on: on,
                }
            })
            .collect();
        let models = model_targets(&devices, stored_models);
        let sites = site_targets(&devices, stored_sites);
        let finding_rows = findings
            .iter()
            .enumerate()
            // A control row shows its answer's risk; vulnerability findings have their own rows.
            .filter(|(_, f)| f.vulnerability.is_none())
            .map(|(i, f)| ((RowIdent::of(&f.target), f.control.id.as_str()), i))
            .collect();
        let mut by_row: HashMap<(RowIdent, String), Vec<Attachment>> = HashMap::new();
        for a in wb.attachments(AttachmentFilter::All)? {
            by_row
                .entry((RowIdent::of(&a.target), a.control_id.clone()))
                .or_default()
                .push(a);
        }
        let attachment_cells = by_row
            .into_iter()
            .map(|(key, list)| (key, attachments_cell(&list)))
            .collect();
        // Only the documents of devices still in the workbook (a deleted device's stays stored).
        let mds2: Vec<StoredMds2> = wb
            .mds2_documents()?
            .into_iter()
            .filter(|d| match d.target {
                Target::Device(id) => devices.iter().any(|e| e.device.id == id),
                _ => true,
            })
            .collect();
        let mut mds2_rows = HashMap::new();
        for (i, d) in mds2.iter().enumerate() {
            mds2_rows.entry(RowIdent::of(&d.target)).or_insert(i);
        }
        Ok(ExportData {
            meta: wb.meta().clone(),
            catalog,
            devices,
            answers,
            models,
            sites,
            extra_headers,
            as_of,
            template: false,
            audit: wb.audit_head()?,
            grid,
            findings,
            finding_rows,
            vulnerabilities,
            attachment_cells,
            mds2,
            mds2_rows,
        })
    }

    /// A blank template: `blank_devices` devices numbered from `DEV-0001` with no fields, no
    /// answers, and the default site.
    pub fn template(blank_devices: usize, as_of: NaiveDate) -> ExportData {
        let devices: Vec<DeviceEntry> = (1..=blank_devices)
            .map(|n| DeviceEntry {
                device: Device {
                    id: -(n as i64),
                    number: n as i64,
                    ..Device::default()
                },
                progress: None,
                last_assessed_on: None,
            })
            .collect();
        let sites = site_targets(&devices, Vec::new());
        let catalog = catalog();
        ExportData {
            meta: AssessmentMeta {
                catalog_version: catalog.version.clone(),
                ..AssessmentMeta::default()
            },
            catalog,
            devices,
            answers: AnswerSet::default(),
            models: Vec::new(),
            sites,
            extra_headers: Vec::new(),
            as_of,
            template: true,
            audit: crate::workbook::AuditHead::default(),
            grid: RiskGrid::default(),
            findings: Vec::new(),
            finding_rows: HashMap::new(),
            vulnerabilities: Vec::new(),
            attachment_cells: HashMap::new(),
            mds2: Vec::new(),
            mds2_rows: HashMap::new(),
        }
    }

    /// The rows of one step's sheet in order: per device (short-ID order) its device-scoped
    /// controls, its model-scoped controls when it has no manufacturer + model (scope `Device`)
    /// or overrides its model's answer (`Device (override)`); then per model its model-scoped
    /// controls; then per site its site-scoped controls. Controls in catalog order.
    pub fn control_rows<'a>(&'a self, step: &'a Step) -> impl Iterator<Item = ControlRow<'a>> {
        let device_rows = self.devices.iter().flat_map(move |d| {
            let view = self.answers.for_device(&d.device);
            step.controls.iter().filter_map(move |c| {
                if c.scope == Scope::Site {
                    return None;
                }
                let eff = view.effective(c);
                let scope = match eff.origin {
                    Origin::Device => "Device",
                    Origin::DeviceOverride => "Device (override)",
                    Origin::Model | Origin::Site => return None,
                };
                Some(ControlRow {
                    target: RowTarget::Device(d),
                    control: c,
                    scope,
                    answer: eff.answer,
                })
            })
        });
        let scope_rows = |targets: &'a [ScopeTarget], scope: Scope, label: &'static str| {
            targets.iter().flat_map(move |t| {
                step.controls
                    .iter()
                    .filter(move |c| c.scope == scope)
                    .map(move |c| ControlRow {
                        target: RowTarget::Scope(t),
                        control: c,
                        scope: label,
                        answer: self.answers.get(&t.target, &c.id),
                    })
            })
        };
        device_rows
            .chain(scope_rows(&self.models, Scope::Model, "Model"))
            .chain(scope_rows(&self.sites, Scope::Site, "Site"))
    }
}

/// The local date of the device's latest answer (the one `progress` reports).
fn last_assessed_on(
    catalog: &Catalog,
    answers: &AnswerSet,
    device: &Device,
    p: &DeviceProgress,
) -> Option<NaiveDate> {
    let (at, _) = p.last_assessed.as_ref()?;
    let view = answers.for_device(device);
    catalog
        .controls()
        .filter_map(|c| view.effective(c).answer)
        .find(|a| a.assessed_at.as_ref() == Some(at))
        .and_then(|a| a.assessed_on)
        .or(Some(at.date_naive()))
}

fn model_targets(devices: &[DeviceEntry], stored: Vec<Target>) -> Vec<ScopeTarget> {
    let mut by_key: BTreeMap<String, ScopeTarget> = BTreeMap::new();
    for (i, d) in devices.iter().enumerate() {
        let Some(target) = model_target(&d.device) else {
            continue;
        };
        let key = target_model_key(&target);
        by_key
            .entry(key)
            .or_insert_with(|| scope_target(target))
            .devices
            .push(i);
    }
    let mut answer_only: HashMap<String, Target> = HashMap::new();
    for target in stored {
        let key = target_model_key(&target);
        if by_key.contains_key(&key) {
            continue;
        }
        // Several answers may carry different spellings: keep the smallest, for determinism.
        let shown = target.scope_key().unwrap_or_default();
        let slot = answer_only.entry(key).or_insert_with(|| target.clone());
        if shown < slot.scope_key().unwrap_or_default() {
            *slot = target;
        }
    }
    for (key, target) in answer_only {
        by_key.insert(key, scope_target(target));
    }
    by_key.into_values().collect()
}

/// The stable, case-insensitive key of a model or site as written in a control sheet's Row Key
/// (before `|` and the control ID): `MODEL:<manufacturer>/<model>` lower-cased and trimmed,
/// `SITE:<site>` lower-cased and trimmed, or `SITE` for the default site; `""` for a device.
pub fn scope_row_key(target: &Target) -> String {
    match target {
        Target::Device(_) => String::new(),
        Target::Model { .. } => {
            format!("MODEL:{}", target_model_key(target).replace('\u{1f}', "/"))
        }
        Target::Site(site) => {
            let key = site_key(site);
            if key.is_empty() {
                "SITE".to_string()
            } else {
                format!("SITE:{key}")
            }
        }
    }
}

fn target_model_key(target: &Target) -> String {
    match target {
        Target::Model {
            manufacturer,
            model,
        } => model_key(manufacturer, model),
        _ => String::new(),
    }
}

fn site_key(site: &str) -> String {
    site.trim().to_lowercase()
}

fn site_targets(devices: &[DeviceEntry], stored: Vec<Target>) -> Vec<ScopeTarget> {
    let mut by_key: BTreeMap<String, ScopeTarget> = BTreeMap::new();
    for (i, d) in devices.iter().enumerate() {
        let site = d.device.get("site").trim().to_string();
        let key = site_key(&site);
        by_key
            .entry(key)
            .or_insert_with(|| scope_target(Target::Site(site)))
            .devices
            .push(i);
    }
    let mut answer_only: HashMap<String, Target> = HashMap::new();
    for target in stored {
        let Target::Site(site) = &target else {
            continue;
        };
        let key = site_key(site);
        if by_key.contains_key(&key) {
            continue;
        }
        let shown = target.scope_key().unwrap_or_default();
        let slot = answer_only.entry(key).or_insert_with(|| target.clone());
        if shown < slot.scope_key().unwrap_or_default() {
            *slot = target;
        }
    }
    for (key, target) in answer_only {
        by_key.insert(key, scope_target(target));
    }
    if by_key.is_empty() {
        // A workbook with no sites has one default site.
        by_key.insert(String::new(), scope_target(Target::Site(String::new())));
    }
    // BTreeMap order puts the default site ("") first.
    by_key.into_values().collect()
}

fn scope_target(target: Target) -> ScopeTarget {
    let id = target.scope_key().unwrap_or_default();
    let key = scope_row_key(&target);
    let name = match &target {
        Target::Model {
            manufacturer,
            model,
        } => format!("{manufacturer} {model}"),
        Target::Site(s) if s.is_empty() => "Default site".to_string(),
        Target::Site(s) => s.clone(),
        Target::Device(_) => String::new(),
    };
    ScopeTarget {
        target,
        id,
        key,
        name,
        devices: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(id: i64, name: &str) -> Attachment {
        Attachment {
            id,
            target: Target::Device(1),
            control_id: "ENC-01".into(),
            file_name: name.into(),
            media_type: "text/plain".into(),
            size: 1,
            sha256: format!("{id:064x}"),
            added_at: chrono::DateTime::default(),
            added_by: String::new(),
            caption: String::new(),
        }
    }

    #[test]
    fn the_attachments_cell_joins_names_and_short_hashes_and_never_overflows() {
        let two = [attachment(1, "a.png"), attachment(2, "b.pdf")];
        assert_eq!(
            attachments_cell(&two),
            "a.png (000000000000); b.pdf (000000000000)"
        );
        assert_eq!(attachments_cell(&[]), "");
        let many: Vec<Attachment> = (0..400).map(|i| attachment(i, &"x".repeat(150))).collect();
        let cell = attachments_cell(&many);
        assert!(cell.chars().count() <= 32_767, "{}", cell.chars().count());
        assert!(cell.ends_with("more (medsec evidence list)"), "{cell}");
        let shown = cell.matches(" (000").count();
        assert!(
            cell.contains(&format!("and {} more", 400 - shown)),
            "{shown}"
        );
    }
}
