//! `export json`: the whole assessment as one JSON document, following the versioned schema
//! shipped as `assets/schema/assessment.v1.json` (format `medsec-assessment`, version
//! [`JSON_FORMAT_VERSION`]), which `import json` ([`crate::import::json`]) reads back.
//!
//! Shape (every key always present; `null` for an empty value):
//! - header: `format`, `format_version`, `workbook_id`, `catalog_version`, `exported_at` (UTC,
//!   RFC 3339), `as_of` (`YYYY-MM-DD`), `app_version`;
//! - `assessment`: title, organisation, site, assessor, scope, start and end dates, created at;
//! - `risk_grid`: the workbook's 5 × 5 level grid, rows likelihood 5 → 1, columns impact 1 → 5
//!   (the `RiskGrid` of the `Risk Matrix` sheet);
//! - `devices`, by short ID: every inventory field by its key as `device list --json` has them
//!   (computed ones included), then `progress_pct`, `uuid`, `extra` (attributes kept from
//!   imported inventories) and `services` (the open ports behind `network_services`);
//! - `answers`, by target (devices by number, then models, then sites, as the control sheets
//!   order them) then control (catalog order): exactly the answered rows of the control sheets,
//!   with the target as column A shows it (`DEV-0001`, `MODEL:<manufacturer>/<model>`,
//!   `SITE:<site>`, `SITE`), the device's UUID, the row key of the hidden `Row Key` column, and
//!   every field of the answer including whether likelihood and impact are defaults and the
//!   three impact dimensions;
//! - `vulnerability_findings`: every vulnerability finding (Suggested, Confirmed, Dismissed) as
//!   `finding list --json` prints them (`assets/schema/finding-list.v1.json`); informational,
//!   `import json` does not apply them;
//! - `risks`, in the same order: one register entry per finding (risk ID, target, control,
//!   treatment, planned actions, owner, the due date in force and whether it follows the level,
//!   status, residual rating, acceptance, review, date identified, inherent level, expired and
//!   overdue as of `as_of`).
//!
//! The document is written one array element per line, so two exports compare line by line.
//! As for the other exports it goes to a private folder next to the output, is read back with
//! the importer's reader and checked (header, counts, nothing unreadable), then renamed into
//! place owner-only; it replaces only an earlier medsec JSON export.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::plan::{ControlRow, ExportData, RowTarget, scope_row_key};
use super::sheets::{Context, inventory::field_value};
use super::xlsx::Value;
use super::{ExportError, ExportOptions, PrivateDir, restrict_to_owner};
use crate::assessment::{Answer, Target};
use crate::catalog::Step;
use crate::device::fields::FIELDS;
use crate::progress::{NoProgress, Progress, Stage};
use crate::risk::RiskLevel;
use crate::risk::register::Finding;
use crate::workbook::Workbook;

/// The `format` of an assessment JSON document.
pub const FORMAT: &str = "medsec-assessment";
/// The version of the JSON format this build writes (`format_version`); bump it when a key
/// changes meaning, and keep `import json` reading older versions.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// What a JSON export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSummary {
    /// The file written.
    pub path: PathBuf,
    /// Device objects.
    pub devices: usize,
    /// Answer objects.
    pub answers: usize,
    /// Risk register entries.
    pub risks: usize,
}

/// Exports a workbook to `out` as one JSON document (see the module documentation).
///
/// Errors: reading the workbook, an unusable output path (`Output`), I/O, `Check` when the
/// file does not read back as written.
pub fn export_json(
    wb: &Workbook,
    out: &Path,
    opts: &ExportOptions,
) -> Result<JsonSummary, ExportError> {
    export_json_with_progress(wb, out, opts, &mut NoProgress)
}

/// [`export_json`], reporting to `progress`: [`Stage::Writing`] in array elements (devices,
/// answers and risks together), then [`Stage::Checking`] while the file is read back (no units
/// until it ends).
///
/// Errors: as [`export_json`].
pub fn export_json_with_progress(
    wb: &Workbook,
    out: &Path,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<JsonSummary, ExportError> {
    let data = ExportData::from_workbook(wb, opts.as_of)?;
    write_verified(&data, out, opts, progress)
}

/// Refuses an output that is a folder, is not a `.json` name, or exists and is not an earlier
/// medsec JSON export (its first lines name the format).
///
/// Errors: `ExportError::Output` saying why and what to do.
pub fn check_json_output(out: &Path) -> Result<(), ExportError> {
    let refuse = |reason: &str| {
        Err(ExportError::Output {
            path: out.to_path_buf(),
            reason: reason.to_string(),
        })
    };
    if out.is_dir() {
        return refuse("is a folder; give a file name such as assessment.json");
    }
    if !out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return refuse("the export is a JSON document; give a name ending in .json");
    }
    if let Ok(file) = File::open(out) {
        let mut head = Vec::new();
        let _ = file.take(256).read_to_end(&mut head);
        let marker = format!("\"format\": \"{FORMAT}\"");
        let text = String::from_utf8_lossy(&head);
        if !text.starts_with('{') || !text.contains(&marker) {
            return refuse(
                "exists and is not a medsec JSON export; nothing was written (choose another \
                 name, or move that file away first)",
            );
        }
    }
    Ok(())
}

fn write_verified(
    data: &ExportData,
    out: &Path,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<JsonSummary, ExportError> {
    check_json_output(out)?;
    let folder = PrivateDir::next_to(out)?;
    let tmp = folder.path().join("export.json");
    let ctx = Context::new(data, opts);
    let io = |source| ExportError::Io {
        path: out.to_path_buf(),
        source,
    };
    let file = File::create(&tmp).map_err(io)?;
    restrict_to_owner(&tmp)?;
    let mut w = BufWriter::new(file);
    let counts = write_document(&mut w, &ctx, progress).map_err(io)?;
    w.into_inner()
        .map_err(|e| io(io::Error::new(e.error().kind(), e.error().to_string())))?;
    progress.stage(Stage::Checking);
    check(&tmp, out, &ctx, &counts)?;
    let total = (counts.devices + counts.answers + counts.risks) as u64;
    progress.update(total, total);
    fs::rename(&tmp, out).map_err(io)?;
    drop(folder);
    Ok(JsonSummary {
        path: out.to_path_buf(),
        devices: counts.devices,
        answers: counts.answers,
        risks: counts.risks,
    })
}

/// How many elements each array got.
#[derive(Debug, Default)]
struct Counts {
    devices: usize,
    answers: usize,
    risks: usize,
}

/// Reads the written file back with the importer's reader (counting, not keeping, the records):
/// the header must name this workbook and version, every element must read without a problem or
/// an ignored key, and the counts must match.
fn check(tmp: &Path, out: &Path, ctx: &Context<'_>, counts: &Counts) -> Result<(), ExportError> {
    let failed = |detail: String| ExportError::Check {
        path: out.to_path_buf(),
        detail,
    };
    let (read, n) = crate::import::json::check(tmp).map_err(|e| failed(e.to_string()))?;
    let found = (n.devices, n.answers, n.risks);
    if found != (counts.devices, counts.answers, counts.risks) {
        return Err(failed(format!(
            "{} devices, {} answers and {} risks read back; {} devices, {} answers and {} risks \
             were written",
            found.0, found.1, found.2, counts.devices, counts.answers, counts.risks
        )));
    }
    let id = &ctx.data.meta.workbook_id;
    if read.source.workbook_id.as_deref().unwrap_or("") != id
        || read.source.format_version != JSON_FORMAT_VERSION
        || read.source.as_of != Some(ctx.data.as_of)
    {
        return Err(failed(format!(
            "the header reads back as {:?}",
            read.source
        )));
    }
    if let Some(p) = read.problems.first() {
        return Err(failed(format!("{}: {}", p.origin, p.reason)));
    }
    if let Some(i) = read.ignored.first() {
        return Err(failed(format!("{}: {}", i.origin, i.reason)));
    }
    Ok(())
}

/// Writes the document (see the module documentation); reports [`Stage::Writing`].
fn write_document(
    w: &mut dyn Write,
    ctx: &Context<'_>,
    progress: &mut dyn Progress,
) -> io::Result<Counts> {
    let data = ctx.data;
    let meta = &data.meta;
    let workbook_id = (!meta.workbook_id.is_empty()).then_some(meta.workbook_id.as_str());
    w.write_all(b"{\n")?;
    member(w, "format", &FORMAT)?;
    member(w, "format_version", &JSON_FORMAT_VERSION)?;
    member(w, "workbook_id", &workbook_id)?;
    member(w, "catalog_version", &data.catalog.version)?;
    member(w, "exported_at", &ctx.exported_at)?;
    member(w, "as_of", &data.as_of)?;
    member(w, "app_version", &ctx.opts.app_version)?;
    member(w, "assessment", &assessment(ctx))?;
    let grid: Vec<Vec<&str>> = (1..=5u8)
        .rev()
        .map(|l| (1..=5u8).map(|i| data.grid.level(l, i).label()).collect())
        .collect();
    member(w, "risk_grid", &grid)?;
    // Every vulnerability finding (informational: `import json` does not apply them).
    let risk_ids: HashMap<i64, String> = data
        .findings
        .iter()
        .filter_map(|f| Some((f.vulnerability.as_ref()?.finding_id, f.entry.risk_id()?)))
        .collect();
    let devices_by_id: HashMap<i64, (String, &str)> = data
        .devices
        .iter()
        .map(|d| (d.device.id, (d.device.short_id(), d.device.uuid.as_str())))
        .collect();
    let vulnerabilities: Vec<Json> = data
        .vulnerabilities
        .iter()
        .map(|v| {
            let d = devices_by_id.get(&v.device_id);
            v.to_json(
                d.map(|d| (d.0.as_str(), d.1)),
                risk_ids.get(&v.id).map(String::as_str),
                data.as_of,
            )
        })
        .collect();
    member(w, "vulnerability_findings", &vulnerabilities)?;

    let rows = all_rows(data);
    let answered: Vec<ControlRow<'_>> = data
        .control_rows(&rows)
        .filter(|r| r.answer.is_some())
        .collect();
    let risks = ordered_findings(data);
    let total = (data.devices.len() + answered.len() + risks.len()) as u64;
    progress.stage(Stage::Writing);
    let mut done = 0u64;
    let mut tick = |progress: &mut dyn Progress| {
        done += 1;
        progress.update(done, total);
    };

    let mut counts = Counts::default();
    let uuids: HashMap<i64, &str> = data
        .devices
        .iter()
        .map(|d| (d.device.id, d.device.uuid.as_str()))
        .collect();
    open_array(w, "devices", data.devices.is_empty())?;
    for (i, entry) in data.devices.iter().enumerate() {
        element(w, i, &device(entry))?;
        counts.devices += 1;
        tick(progress);
    }
    close_array(w, data.devices.is_empty(), false)?;
    open_array(w, "answers", answered.is_empty())?;
    for (i, r) in answered.iter().enumerate() {
        if let Some(a) = r.answer {
            element(w, i, &answer(r, a, data))?;
            counts.answers += 1;
        }
        tick(progress);
    }
    close_array(w, answered.is_empty(), false)?;
    open_array(w, "risks", risks.is_empty())?;
    for (i, f) in risks.iter().enumerate() {
        element(w, i, &risk(f, ctx, &uuids))?;
        counts.risks += 1;
        tick(progress);
    }
    close_array(w, risks.is_empty(), true)?;
    w.write_all(b"}\n")?;
    if done < total {
        progress.update(total, total);
    }
    Ok(counts)
}

/// `  "key": <value>,` on its own line.
fn member(w: &mut dyn Write, key: &str, value: &impl Serialize) -> io::Result<()> {
    write!(w, "  {}: ", serde_json::to_string(key)?)?;
    serde_json::to_writer(&mut *w, value)?;
    w.write_all(b",\n")
}

fn open_array(w: &mut dyn Write, key: &str, empty: bool) -> io::Result<()> {
    write!(w, "  {}: [", serde_json::to_string(key)?)?;
    if !empty {
        w.write_all(b"\n")?;
    }
    Ok(())
}

fn element(w: &mut dyn Write, index: usize, value: &impl Serialize) -> io::Result<()> {
    if index > 0 {
        w.write_all(b",\n")?;
    }
    w.write_all(b"    ")?;
    serde_json::to_writer(&mut *w, value)?;
    Ok(())
}

fn close_array(w: &mut dyn Write, empty: bool, last: bool) -> io::Result<()> {
    if !empty {
        w.write_all(b"\n  ")?;
    }
    w.write_all(if last { b"]\n" } else { b"],\n" })
}

/// An empty text as `None` (written `null`).
fn text(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[derive(Serialize)]
struct Assessment<'a> {
    title: Option<&'a str>,
    organisation: Option<&'a str>,
    site: Option<&'a str>,
    assessor: Option<&'a str>,
    scope: Option<&'a str>,
    start_date: Option<&'a str>,
    end_date: Option<&'a str>,
    created_at: Option<&'a str>,
}

fn assessment<'a>(ctx: &Context<'a>) -> Assessment<'a> {
    let m = &ctx.data.meta;
    Assessment {
        title: text(&m.title),
        organisation: text(&m.organisation),
        site: text(&m.site),
        assessor: text(&m.assessor),
        scope: text(&m.scope),
        start_date: m.start_date.as_deref().and_then(text),
        end_date: m.end_date.as_deref().and_then(text),
        created_at: text(&m.created_at),
    }
}

/// One device: every inventory field by its key (the values of `1 Inventory`, with
/// `compliance_pct` as a percentage to one decimal as `device list --json` gives it), then
/// `progress_pct`, `uuid`, `extra`, `services`.
fn device(entry: &super::plan::DeviceEntry) -> Json {
    let mut obj = Map::new();
    for f in FIELDS {
        let value = if f.key == "compliance_pct" {
            entry
                .progress
                .as_ref()
                .and_then(|p| p.total.compliance())
                .and_then(|c| format!("{c:.1}").parse::<f64>().ok())
                .map_or(Json::Null, Json::from)
        } else {
            cell_json(field_value(entry, f.key, f.kind).0)
        };
        obj.insert(f.key.to_string(), value);
    }
    let progress = entry.progress.as_ref().map_or(0, |p| p.total.percent());
    obj.insert("progress_pct".into(), Json::from(progress));
    obj.insert("uuid".into(), Json::from(entry.device.uuid.as_str()));
    let extra: Map<String, Json> = entry
        .device
        .extra
        .iter()
        .map(|(h, v)| (h.clone(), Json::from(v.as_str())))
        .collect();
    obj.insert("extra".into(), Json::Object(extra));
    let services = serde_json::to_value(&entry.device.services).unwrap_or(Json::Array(Vec::new()));
    obj.insert("services".into(), services);
    Json::Object(obj)
}

/// A cell value as JSON: text as a string, a number as a number, a date `YYYY-MM-DD`, a
/// date-time RFC 3339 UTC, a formula as its cached result, empty as `null`.
fn cell_json(value: Value<'_>) -> Json {
    use super::xlsx::Cached;
    match value {
        Value::Empty => Json::Null,
        Value::Text(t) if t.is_empty() => Json::Null,
        Value::Text(t) => Json::from(t.into_owned()),
        Value::Number(n) => number(n),
        Value::Date(d) => Json::from(d.format("%Y-%m-%d").to_string()),
        Value::DateTime(t) => Json::from(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        Value::Formula(_, Cached::Blank) => Json::Null,
        Value::Formula(_, Cached::Number(n)) => number(n),
        Value::Formula(_, Cached::Text(t)) => Json::from(t),
    }
}

/// A number as JSON: a whole number without a fraction (`3`, not `3.0`).
fn number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Json::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
    }
}

/// A step holding every control of the catalog in catalog order, so that
/// [`ExportData::control_rows`] gives each target's rows across all eight steps in one pass:
/// devices by number, then models, then sites, each with its controls in catalog order.
fn all_rows(data: &ExportData) -> Step {
    Step {
        number: 0,
        code: String::new(),
        name: String::new(),
        impact_dimensions: Vec::new(),
        controls: data.catalog.controls().cloned().collect(),
    }
}

/// The three impact dimensions of an answer or a finding, 1–5 each.
#[derive(Serialize)]
struct Dimensions {
    patient_safety: Option<u8>,
    phi: Option<u8>,
    operations: Option<u8>,
}

impl Dimensions {
    fn of(d: [Option<u8>; 3]) -> Dimensions {
        Dimensions {
            patient_safety: d[0],
            phi: d[1],
            operations: d[2],
        }
    }
}

#[derive(Serialize)]
struct AnswerOut<'a> {
    target: String,
    device_uuid: Option<&'a str>,
    row_key: String,
    control_id: &'a str,
    scope: &'static str,
    response: Option<&'static str>,
    suggested: Option<&'a str>,
    observed: Option<&'a str>,
    note: Option<&'a str>,
    evidence_ref: Option<&'a str>,
    source: Option<&'static str>,
    likelihood: Option<u8>,
    likelihood_default: bool,
    impact: Option<u8>,
    impact_default: bool,
    impact_dimensions: Dimensions,
    risk_score: Option<u8>,
    risk_level: Option<&'static str>,
    recommendation: Option<&'a str>,
    deferred_until: Option<chrono::NaiveDate>,
    deferral_reason: Option<&'a str>,
    assessed_by: Option<&'a str>,
    assessed_at: Option<String>,
    assessed_on: Option<chrono::NaiveDate>,
}

fn answer<'a>(r: &ControlRow<'a>, a: &'a Answer, data: &ExportData) -> AnswerOut<'a> {
    let device_uuid = match r.target {
        RowTarget::Device(d) => text(&d.device.uuid),
        RowTarget::Scope(_) => None,
    };
    AnswerOut {
        target: r.target_id(),
        device_uuid,
        row_key: r.row_key(),
        control_id: &r.control.id,
        scope: r.scope,
        response: a.response.map(|x| x.label()),
        suggested: a.suggested.as_deref(),
        observed: text(&a.observed),
        note: text(&a.note),
        evidence_ref: text(&a.evidence_ref),
        source: a.source.map(|s| s.label()),
        likelihood: a.likelihood,
        likelihood_default: a.likelihood_default && a.likelihood.is_some(),
        impact: a.impact,
        impact_default: a.impact_default && a.impact.is_some(),
        impact_dimensions: Dimensions::of(a.dimension_impacts),
        risk_score: a.score(),
        risk_level: a.level(&data.grid).map(RiskLevel::label),
        recommendation: text(&a.recommendation),
        deferred_until: a.deferred_until,
        deferral_reason: text(&a.deferral_reason),
        assessed_by: text(&a.assessed_by),
        assessed_at: a
            .assessed_at
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        assessed_on: a.assessed_on,
    }
}

/// The register's findings by target (devices by number, then models and sites in the order
/// of the control sheets) then control (catalog order).
fn ordered_findings(data: &ExportData) -> Vec<&Finding<'static>> {
    let numbers: HashMap<i64, i64> = data
        .devices
        .iter()
        .map(|d| (d.device.id, d.device.number))
        .collect();
    let scopes: HashMap<&str, usize> = data
        .models
        .iter()
        .chain(&data.sites)
        .enumerate()
        .map(|(i, s)| (s.key.as_str(), i))
        .collect();
    let rank = |f: &Finding<'_>| match &f.target {
        Target::Device(id) => (0u8, numbers.get(id).copied().unwrap_or(i64::MAX)),
        other => {
            let i = scopes.get(scope_row_key(other).as_str()).copied();
            (1, i.map_or(i64::MAX, |i| i as i64))
        }
    };
    let mut out: Vec<&Finding<'static>> = data.findings.iter().collect();
    out.sort_by_cached_key(|f| (rank(f), f.position));
    out
}

#[derive(Serialize)]
struct RiskOut<'a> {
    risk_id: Option<String>,
    target: String,
    device_uuid: Option<&'a str>,
    control_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    finding_id: Option<String>,
    step: Option<String>,
    description: String,
    response: &'static str,
    likelihood: Option<u8>,
    impact: Option<u8>,
    impact_dimensions: Dimensions,
    score: Option<u8>,
    level: Option<&'static str>,
    treatment: Option<&'static str>,
    planned_actions: Option<&'a str>,
    owner: Option<&'a str>,
    due_date: Option<chrono::NaiveDate>,
    due_date_default: bool,
    status: &'static str,
    residual_likelihood: Option<u8>,
    residual_impact: Option<u8>,
    residual_score: Option<u8>,
    residual_level: Option<&'static str>,
    accepted_by: Option<&'a str>,
    acceptance_note: Option<&'a str>,
    accepted_on: Option<chrono::NaiveDate>,
    review_date: Option<chrono::NaiveDate>,
    identified_on: Option<chrono::NaiveDate>,
    expired: bool,
    overdue: bool,
}

fn risk<'a>(
    f: &'a Finding<'static>,
    ctx: &Context<'_>,
    uuids: &HashMap<i64, &'a str>,
) -> RiskOut<'a> {
    let e = &f.entry;
    let as_of = ctx.data.as_of;
    let device_uuid = match &f.target {
        Target::Device(id) => uuids.get(id).copied().and_then(text),
        _ => None,
    };
    RiskOut {
        risk_id: e.risk_id(),
        target: ctx.target_id(f),
        device_uuid,
        control_id: &f.control.id,
        finding_id: f.vulnerability.as_ref().map(|v| v.finding_label()),
        step: ctx
            .data
            .catalog
            .steps
            .get(f.step)
            .map(|s| super::layout::step_label(s.number, &s.name)),
        description: f.description(),
        response: f.response.label(),
        likelihood: f.likelihood,
        impact: f.impact,
        impact_dimensions: Dimensions::of(f.dimension_impacts),
        score: f.score(),
        level: f.level().map(RiskLevel::label),
        treatment: e.treatment.map(|t| t.label()),
        planned_actions: text(&e.planned_actions),
        owner: text(&e.owner),
        due_date: f.due_date(),
        due_date_default: e.due_default,
        status: e.status.label(),
        residual_likelihood: e.residual_likelihood,
        residual_impact: e.residual_impact,
        residual_score: f.residual_score(),
        residual_level: f.residual_level().map(RiskLevel::label),
        accepted_by: text(&e.accepted_by),
        acceptance_note: text(&e.acceptance_note),
        accepted_on: e.accepted_on,
        review_date: e.review_date,
        identified_on: f.identified_on,
        expired: f.is_expired(as_of),
        overdue: f.is_overdue(as_of),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::progress::Recorder;
    use chrono::NaiveDate;

    fn opts() -> ExportOptions {
        ExportOptions {
            as_of: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            app_version: "test",
        }
    }

    #[test]
    fn a_template_writes_a_checked_document_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.json");
        let data = ExportData::template(2, opts().as_of);
        let mut recorder = Recorder::default();
        let s = write_verified(&data, &out, &opts(), &mut recorder).unwrap();
        assert_eq!((s.devices, s.answers, s.risks), (2, 0, 0));
        assert_eq!(recorder.stages, [Stage::Writing, Stage::Checking]);
        recorder.check().unwrap();
        let text = fs::read_to_string(&out).unwrap();
        assert!(text.starts_with("{\n  \"format\": \"medsec-assessment\",\n"));
        assert!(text.contains("\n  \"answers\": [],\n  \"risks\": []\n}\n"));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing left beside it"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // An earlier export is replaced.
        write_verified(&data, &out, &opts(), &mut NoProgress).unwrap();
    }

    #[test]
    fn outputs_other_than_a_json_name_or_an_earlier_export_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let reason = |p: &Path| match check_json_output(p) {
            Err(ExportError::Output { reason, .. }) => reason,
            other => format!("{other:?}"),
        };
        assert!(reason(dir.path()).contains("is a folder"));
        assert!(reason(&dir.path().join("a.xlsx")).contains("ending in .json"));
        let foreign = dir.path().join("sbom.json");
        fs::write(&foreign, "{\"bomFormat\": \"CycloneDX\"}").unwrap();
        assert!(reason(&foreign).contains("not a medsec JSON export"));
        assert!(check_json_output(&dir.path().join("new.JSON")).is_ok());
        let missing = dir.path().join("no/such/a.json");
        let data = ExportData::template(0, opts().as_of);
        let e = write_verified(&data, &missing, &opts(), &mut NoProgress).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    }

    #[test]
    fn the_check_catches_a_document_that_reads_back_differently() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.json");
        let data = ExportData::template(2, opts().as_of);
        write_verified(&data, &out, &opts(), &mut NoProgress).unwrap();
        let opts = opts();
        let ctx = Context::new(&data, &opts);
        let wrong = Counts {
            devices: 3,
            ..Counts::default()
        };
        let e = check(&out, &out, &ctx, &wrong).unwrap_err();
        assert!(
            e.to_string()
                .contains("2 devices, 0 answers and 0 risks read back"),
            "{e}"
        );
        let text = fs::read_to_string(&out).unwrap();
        fs::write(
            &out,
            text.replace("\"as_of\": \"2026-01-31\"", "\"as_of\": \"2026-02-01\""),
        )
        .unwrap();
        let right = Counts {
            devices: 2,
            ..Counts::default()
        };
        let e = check(&out, &out, &ctx, &right).unwrap_err();
        assert!(e.to_string().contains("the header reads back as"), "{e}");
    }
}
