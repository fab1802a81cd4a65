//! What importing one MDS2 changes in a workbook, planned before anything is written (so
//! `--dry-run` shows exactly what a real run applies): the device fields the DOC, MPII, CONN and
//! RMOT answers fill, and the suggested answers the prefill rules give, per target.

use chrono::NaiveDate;

use super::rules::{self, Suggestion};
use super::{HN_2019, Mds2Answer, Mds2Document, Mds2File};
use crate::assessment::{Answer, Response, Target, model_target};
use crate::catalog::{Scope, catalog};
use crate::device::Device;
use crate::device::fields;

/// Whom an MDS2 is imported for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mds2Target {
    /// One device (row ID).
    Device(i64),
    /// Every device of a manufacturer + model (case-insensitive), and the model's answers.
    Model {
        /// Manufacturer as given.
        manufacturer: String,
        /// Model as given.
        model: String,
    },
}

impl Mds2Target {
    /// The answer target the document is stored for.
    pub fn target(&self) -> Target {
        match self {
            Mds2Target::Device(id) => Target::Device(*id),
            Mds2Target::Model {
                manufacturer,
                model,
            } => Target::Model {
                manufacturer: manufacturer.clone(),
                model: model.clone(),
            },
        }
    }
}

/// One device field the import sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFill {
    /// The field key, e.g. `manufacturer`.
    pub key: &'static str,
    /// The value (canonical, as [`fields::FieldDef::normalize`] makes it).
    pub value: String,
    /// What it comes from, e.g. `DOC-1`, `MPII-2`.
    pub from: &'static str,
    /// The value it replaces (`--overwrite`), empty when the field was empty.
    pub replaces: String,
}

/// The fields of one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFills {
    /// The device's row ID.
    pub device_id: i64,
    /// Its short ID, `DEV-0003`.
    pub short_id: String,
    /// Fields set.
    pub fills: Vec<FieldFill>,
    /// Fields left alone because they hold a value (without `--overwrite`): (key, current value,
    /// MDS2 value).
    pub kept: Vec<(&'static str, String, String)>,
}

/// One suggested answer the import stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSuggestion {
    /// Whose answer.
    pub target: Target,
    /// Name for reports: `DEV-0003`, `model Acme X1`.
    pub target_name: String,
    /// The control.
    pub control: &'static str,
    /// The suggested response.
    pub response: Response,
    /// The note the rule gives.
    pub note: String,
    /// Whether the note is written (false when the answer already holds a note of the
    /// assessor's, which is kept).
    pub set_note: bool,
    /// Whether it replaces an earlier unconfirmed suggestion.
    pub replaces_suggestion: bool,
}

/// An earlier MDS2 suggestion the import withdraws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    /// Whose answer.
    pub target: Target,
    /// Name for reports: `DEV-0003`, `model Acme X1`.
    pub target_name: String,
    /// The control.
    pub control: String,
    /// Whether the note is cleared too (it is the rule's, `MDS2 …` or the claimed-capability
    /// note); an assessor's note stays.
    pub clear_note: bool,
}

/// Whether a `suggested` text comes from an MDS2 import.
pub fn is_mds2_suggestion(suggested: &str) -> bool {
    suggested.starts_with("MDS2 (unconfirmed)")
}

/// Everything one import changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mds2Plan {
    /// For whom.
    pub target: Mds2Target,
    /// Name for reports and the undo label: `DEV-0003` or `model Acme X1`.
    pub target_name: String,
    /// Per device covered, the fields set and kept.
    pub devices: Vec<DeviceFills>,
    /// Suggested answers, in rule order then target order.
    pub suggestions: Vec<PlannedSuggestion>,
    /// Suggestions not stored: (target name, control, why), e.g. an answer the assessor
    /// confirmed.
    pub kept_answers: Vec<(String, &'static str, String)>,
    /// Unconfirmed suggestions of an earlier MDS2 on the same targets that this one does not
    /// give again: withdrawn (the response and the suggestion cleared; the note too when it is
    /// the one the rule wrote).
    pub withdrawn: Vec<Withdrawn>,
    /// The text of the answers' `suggested` column: `MDS2 (unconfirmed) <doc id> <date>`.
    pub suggested_label: String,
    /// Whether `--overwrite` was given.
    pub overwrite: bool,
    /// Notes on what was not filled and why.
    pub warnings: Vec<String>,
}

/// The `suggested` text of an MDS2 suggestion: `MDS2 (unconfirmed)`, the document ID (DOC-4;
/// the file name when DOC-4 is hidden or missing) and the release date (DOC-7) when known.
pub fn suggested_label(file: &Mds2File) -> String {
    let doc = &file.document;
    let id = doc
        .doc_text("DOC-4")
        .unwrap_or_else(|| file.file_name.clone());
    let date = doc.release_date.map(|d| d.to_string()).unwrap_or_default();
    format!("MDS2 (unconfirmed) {id} {date}").trim().to_string()
}

/// The device fields the document gives: (field key, value as read, question it comes from).
/// Hidden and blank answers give nothing; DOC-3 listing several models gives no model.
pub fn field_values(
    doc: &Mds2Document,
) -> (Vec<(&'static str, String, &'static str)>, Vec<String>) {
    let mut out: Vec<(&'static str, String, &'static str)> = Vec::new();
    let mut warnings = Vec::new();
    for (key, q) in [
        ("manufacturer", "DOC-1"),
        ("name", "DOC-2"),
        ("model", "DOC-3"),
        ("mds2_document_id", "DOC-4"),
    ] {
        if let Some(v) = doc.doc_text(q) {
            if key == "model" && v.contains([',', ';', '/']) {
                warnings.push(format!(
                    "DOC-3 lists several models ({v}); the model field is not filled from it"
                ));
                continue;
            }
            out.push((key, v, q));
        }
    }
    if let Some(d) = doc.release_date {
        out.push(("mds2_date", d.to_string(), "DOC-7"));
    }
    out.push(("mds2_version", HN_2019.to_string(), "form"));
    out.push(("mds2_available", "Yes".to_string(), "import"));
    if let Some(url) = doc
        .row("DOC-8")
        .and_then(|r| find_url(&format!("{} {}", r.raw, r.note)))
    {
        out.push(("advisory_url", url, "DOC-8"));
    }
    let yes_no = |q: &str| match doc.answer(q) {
        Some(Mds2Answer::Yes) => Some("Yes".to_string()),
        Some(Mds2Answer::No) => Some("No".to_string()),
        _ => None,
    };
    let no_phi = doc.answer("MPII-1") == Some(&Mds2Answer::No);
    for (key, q) in [
        ("phi_stored", "MPII-2"),
        ("phi_displayed", "MPII-3.1"),
        ("phi_transmitted", "MPII-3"),
    ] {
        if no_phi {
            out.push((key, "No".to_string(), "MPII-1"));
        } else if let Some(v) = yes_no(q) {
            out.push((key, v, q));
        }
    }
    if let Some(v) = connectivity(doc) {
        out.push(("connectivity", v, "CONN-1"));
    }
    for (key, q) in [
        ("internet_required", "CONN-6"),
        ("vendor_remote_access", "RMOT-1"),
    ] {
        if let Some(v) = yes_no(q) {
            out.push((key, v, q));
        }
    }
    (out, warnings)
}

/// `connectivity` from CONN-1.x: Wi-Fi (CONN-1.1.1), Bluetooth (1.1.2), Wired (1.2.1, RJ45),
/// USB (1.2.2); `None` when CONN-1 = No; nothing when no such answer is Yes.
fn connectivity(doc: &Mds2Document) -> Option<String> {
    if doc.answer("CONN-1") == Some(&Mds2Answer::No) {
        return Some("None".to_string());
    }
    let kinds: Vec<&str> = [
        ("CONN-1.2.1", "Wired"),
        ("CONN-1.1.1", "Wi-Fi"),
        ("CONN-1.1.2", "Bluetooth"),
        ("CONN-1.2.2", "USB"),
    ]
    .iter()
    .filter(|(q, _)| doc.answer(q) == Some(&Mds2Answer::Yes))
    .map(|(_, k)| *k)
    .collect();
    (!kinds.is_empty()).then(|| kinds.join("; "))
}

/// The first `http(s)://…` or `www.…` token in `text`.
fn find_url(text: &str) -> Option<String> {
    text.split_whitespace()
        .map(|t| {
            t.trim_matches(|c: char| {
                matches!(c, '"' | '(' | ')' | ',' | ';' | '<' | '>') || c == '.'
            })
        })
        .find(|t| {
            let l = t.to_ascii_lowercase();
            (l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www."))
                && t.len() > 8
        })
        .map(str::to_string)
}

/// Plans the import of `file` for `target`. `devices` are the devices it covers (the one device,
/// or every unit of the model), `existing` gives the answer stored on exactly a target for a
/// control, `overwrite` lets MDS2 values replace fields that hold a value.
///
/// Device fields: only empty ones are filled, unless `overwrite`; a model import never changes
/// `manufacturer` or `model` (they define the model). Suggestions: device-scoped controls on
/// every device, model-scoped ones on the model (a device without manufacturer + model answers
/// them itself), site-scoped ones never; an answer the assessor gave (a response that is not a
/// suggestion) or deferred is never replaced.
pub fn plan(
    file: &Mds2File,
    target: &Mds2Target,
    target_name: &str,
    devices: &[Device],
    existing: &dyn Fn(&Target, &str) -> Option<Answer>,
    overwrite: bool,
) -> Mds2Plan {
    let doc = &file.document;
    let (values, mut warnings) = field_values(doc);
    let mut device_plans = Vec::new();
    let mut updated: Vec<Device> = Vec::new();
    for d in devices {
        let mut fills = Vec::new();
        let mut kept = Vec::new();
        let mut after = d.clone();
        for (key, value, from) in &values {
            if matches!(target, Mds2Target::Model { .. })
                && matches!(*key, "manufacturer" | "model")
            {
                continue;
            }
            let value = match fields::settable(key).and_then(|f| f.normalize(value)) {
                Ok(v) if !v.is_empty() => v,
                Ok(_) => continue,
                Err(e) => {
                    if !warnings.iter().any(|w| w.starts_with(from)) {
                        warnings.push(format!("{from} {value:?} does not fit {key}: {e}"));
                    }
                    continue;
                }
            };
            let current = d.get(key).to_string();
            if current == value {
                continue;
            }
            if !current.is_empty() && !overwrite {
                kept.push((*key, current, value));
                continue;
            }
            after.values.insert(key.to_string(), value.clone());
            fills.push(FieldFill {
                key,
                value,
                from,
                replaces: current,
            });
        }
        device_plans.push(DeviceFills {
            device_id: d.id,
            short_id: d.short_id(),
            fills,
            kept,
        });
        updated.push(after);
    }
    let mut suggestions = Vec::new();
    let mut kept_answers = Vec::new();
    let cat = catalog();
    let mut add = |t: Target, name: String, s: &Suggestion| match existing(&t, s.control) {
        Some(a) if a.suggested.is_none() && a.response.is_some() => {
            kept_answers.push((
                name,
                s.control,
                format!(
                    "answered {} by the assessor; kept",
                    a.response.map_or("", Response::label)
                ),
            ));
        }
        Some(a) if a.suggested.is_none() && !a.deferral_reason.trim().is_empty() => {
            kept_answers.push((
                name,
                s.control,
                "deferred by the assessor; kept".to_string(),
            ));
        }
        found => {
            let had_note = found
                .as_ref()
                .is_some_and(|a| a.suggested.is_none() && !a.note.trim().is_empty());
            suggestions.push(PlannedSuggestion {
                target: t,
                target_name: name,
                control: s.control,
                response: s.response,
                note: s.note.clone(),
                set_note: !had_note,
                replaces_suggestion: found.is_some_and(|a| a.suggested.is_some()),
            });
        }
    };
    for s in rules::suggestions(doc) {
        let Some(control) = cat.control(s.control) else {
            continue;
        };
        match control.scope {
            Scope::Site => {}
            Scope::Model => match target {
                Mds2Target::Model { .. } => add(target.target(), target_name.to_string(), &s),
                Mds2Target::Device(_) => {
                    for d in &updated {
                        match model_target(d) {
                            Some(m) => {
                                let name =
                                    format!("model {} {}", d.get("manufacturer"), d.get("model"));
                                add(m, name, &s);
                            }
                            None => add(Target::Device(d.id), d.short_id(), &s),
                        }
                    }
                }
            },
            Scope::Device => {
                for d in &updated {
                    add(Target::Device(d.id), d.short_id(), &s);
                }
            }
        }
    }
    // Earlier MDS2 suggestions on the targets covered that this document does not give again.
    let mut targets: Vec<(Target, String)> = updated
        .iter()
        .map(|d| (Target::Device(d.id), d.short_id()))
        .collect();
    for s in &suggestions {
        if !targets.iter().any(|(t, _)| *t == s.target) {
            targets.push((s.target.clone(), s.target_name.clone()));
        }
    }
    if let Mds2Target::Model { .. } = target
        && !targets.iter().any(|(t, _)| *t == target.target())
    {
        targets.push((target.target(), target_name.to_string()));
    }
    let mut withdrawn = Vec::new();
    for (t, name) in &targets {
        for control in cat.steps.iter().flat_map(|s| &s.controls) {
            if control.scope == Scope::Site
                || suggestions
                    .iter()
                    .any(|s| s.target == *t && s.control == control.id)
            {
                continue;
            }
            let Some(a) = existing(t, &control.id) else {
                continue;
            };
            if a.suggested.as_deref().is_some_and(is_mds2_suggestion) {
                let note = a.note.trim();
                withdrawn.push(Withdrawn {
                    target: t.clone(),
                    target_name: name.clone(),
                    control: control.id.clone(),
                    clear_note: note.is_empty()
                        || note.starts_with("MDS2 ")
                        || note.starts_with(rules::CLAIMED),
                });
            }
        }
    }
    Mds2Plan {
        target: target.clone(),
        target_name: target_name.to_string(),
        devices: device_plans,
        suggestions,
        kept_answers,
        withdrawn,
        suggested_label: suggested_label(file),
        overwrite,
        warnings,
    }
}

/// The release date as text for reports (`2019-10-09`, or `no date`).
pub fn date_text(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "no date".to_string(), |d| d.to_string())
}
