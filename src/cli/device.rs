//! `medsec device ...` and `medsec answer`.

use super::output::say;
use clap::{Arg, ArgMatches};

use super::args::AnswerArgs;
use super::error::CliError;
use super::json;
use crate::assessment::{AnswerSource, Response, Target, progress, site_target};
use crate::catalog::Scope;
use crate::device::Device;
use crate::device::fields::{self, FIELDS, FieldKind, flag_name, printable};
use crate::risk::register::Register;
use crate::workbook::{AnswerInput, DeviceChange, FieldSource, Workbook};

/// Adds one `--<field>` flag per inventory field (computed ones hidden, refused when given).
pub(super) fn field_args(mut cmd: clap::Command) -> clap::Command {
    for f in FIELDS {
        let computed = f.kind == FieldKind::Computed;
        let help = match f.kind {
            FieldKind::List(v) | FieldKind::OpenList(v) => {
                format!("{} — one of: {}", f.header, v.join(", "))
            }
            FieldKind::MultiList(v) => format!("{} — `; `-separated: {}", f.header, v.join(", ")),
            FieldKind::Date => format!("{} — YYYY-MM-DD", f.header),
            _ => f.header.to_string(),
        };
        cmd = cmd.arg(
            Arg::new(f.key)
                .long(flag_name(f.key))
                .value_name("VALUE")
                .help(help)
                .hide(computed)
                .allow_hyphen_values(true),
        );
    }
    cmd
}

fn change_from(matches: Option<&ArgMatches>) -> Result<DeviceChange, CliError> {
    let mut change = DeviceChange::default();
    let Some(m) = matches else {
        return Ok(change);
    };
    for f in FIELDS {
        if let Some(v) = m.get_one::<String>(f.key) {
            let def = fields::settable(f.key).map_err(|e| CliError::usage(e.to_string()))?;
            let value = def
                .normalize(v)
                .map_err(|e| CliError::usage(e.to_string()))?;
            change.values.push((def.key, value));
        }
    }
    Ok(change)
}

pub(super) fn add(wb: &mut Workbook, matches: Option<&ArgMatches>) -> Result<(), CliError> {
    let mut change = change_from(matches)?;
    if !change
        .values
        .iter()
        .any(|(k, v)| *k == "name" && !v.is_empty())
    {
        return Err(CliError::usage(
            "a device needs a name: medsec device add --name \"Infusion pump 3\" [--FIELD VALUE ...]",
        ));
    }
    if !change.values.iter().any(|(k, _)| *k == "in_scope") {
        change.values.push(("in_scope", "Yes".into()));
    }
    let d = wb.add_device(&change, FieldSource::Typed)?;
    say!("added {} {}", d.short_id(), printable(d.get("name")));
    super::finding::refresh_after_device_change(wb, &[d.id])
}

pub(super) fn edit(
    wb: &mut Workbook,
    reference: &str,
    matches: Option<&ArgMatches>,
) -> Result<(), CliError> {
    let change = change_from(matches)?;
    if change.values.is_empty() {
        return Err(CliError::usage(
            "nothing to change: give one or more --FIELD VALUE (see `medsec device edit --help`)",
        ));
    }
    if change
        .values
        .iter()
        .any(|(k, v)| *k == "name" && v.is_empty())
    {
        return Err(CliError::usage("a device's name cannot be cleared"));
    }
    let d = wb.find_device(reference)?;
    let d = wb.update_device(d.id, &change, FieldSource::Typed, true)?;
    let keys: Vec<&str> = change.values.iter().map(|(k, _)| *k).collect();
    say!("changed {}: {}", d.short_id(), keys.join(", "));
    super::finding::refresh_after_device_change(wb, &[d.id])
}

pub(super) fn show(wb: &Workbook, reference: &str, as_json: bool) -> Result<(), CliError> {
    let d = wb.find_device(reference)?;
    let register = Register::load(wb)?;
    let p = register
        .devices
        .iter()
        .position(|x| x.id == d.id)
        .and_then(|i| register.progress().into_iter().nth(i))
        .unwrap_or_else(|| progress(wb.catalog(), &register.answers, &d));
    if as_json {
        let v = json::device(&d, &p);
        say!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| CliError::general(e.to_string()))?
        );
        return Ok(());
    }
    let width = FIELDS
        .iter()
        .map(|f| f.header.chars().count())
        .max()
        .unwrap_or(20);
    for (f, value) in json::field_values(&d, &p) {
        if !value.is_empty() {
            say!("{:<width$}  {}", f.header, printable(&value));
        }
    }
    for (h, v) in &d.extra {
        say!(
            "{:<width$}  {}",
            printable(&format!("extra: {h}")),
            printable(v)
        );
    }
    if let Some(s) = wb.sbom(d.id)? {
        say!(
            "{:<width$}  {} {} of {}: {} components ({}, imported {})",
            "SBOM",
            s.sbom.format,
            s.sbom.spec_version,
            printable(format!("{} {}", s.sbom.subject, s.sbom.subject_version).trim()),
            s.sbom.components.len(),
            printable(&s.file_name),
            s.imported_at.get(..10).unwrap_or(&s.imported_at)
        );
        // The components (NTIA minimum elements), one line each: name, version, supplier and
        // the package URL (else the CPE).
        for c in &s.sbom.components {
            let version = if c.version.trim().is_empty() {
                "(no version)"
            } else {
                c.version.as_str()
            };
            let id = c.purl.as_deref().or(c.cpe.as_deref()).unwrap_or("");
            say!(
                "  {} {} {} {}",
                super::risk::fit(&printable(&c.name), 28),
                super::risk::fit(&printable(version), 14),
                super::risk::fit(&printable(&c.supplier), 20),
                printable(id)
            );
        }
    }
    Ok(())
}

pub(super) fn list(wb: &Workbook, as_json: bool) -> Result<(), CliError> {
    let register = Register::load(wb)?;
    let devices = &register.devices;
    let answers = &register.answers;
    let cat = wb.catalog();
    if as_json {
        let arr: Vec<serde_json::Value> = devices
            .iter()
            .zip(register.progress())
            .map(|(d, p)| json::device(d, &p))
            .collect();
        say!(
            "{}",
            serde_json::to_string_pretty(&arr).map_err(|e| CliError::general(e.to_string()))?
        );
        return Ok(());
    }
    if devices.is_empty() {
        say!(
            "no devices yet: medsec import nmap FILE | medsec import inventory FILE | medsec device add --name NAME"
        );
        return Ok(());
    }
    say!(
        "{:<9} {:<28} {:<18} {:<16} {:<16} {:>5}",
        "ID",
        "Name",
        "Manufacturer",
        "Model",
        "IP",
        "Done"
    );
    for d in devices {
        let p = progress(cat, answers, d);
        say!(
            "{:<9} {:<28} {:<18} {:<16} {:<16} {:>4}%",
            d.short_id(),
            clip(d.get("name"), 28),
            clip(d.get("manufacturer"), 18),
            clip(d.get("model"), 16),
            clip(
                fields::split_multi(d.get("ip_addresses"))
                    .next()
                    .unwrap_or(""),
                16
            ),
            p.total.percent()
        );
    }
    Ok(())
}

fn clip(s: &str, n: usize) -> String {
    let clean = printable(s);
    if clean.chars().count() <= n {
        clean
    } else {
        let mut t: String = clean.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(super) fn delete(wb: &mut Workbook, reference: &str) -> Result<(), CliError> {
    let d = wb.find_device(reference)?;
    wb.delete_device(d.id)?;
    say!(
        "deleted {} {} (medsec device undelete {} brings it back)",
        d.short_id(),
        printable(d.get("name")),
        d.short_id()
    );
    Ok(())
}

pub(super) fn undelete(wb: &mut Workbook, reference: &str) -> Result<(), CliError> {
    let d = wb.undelete_device(reference)?;
    say!("restored {} {}", d.short_id(), printable(d.get("name")));
    // While it was deleted, an import may have added the same unit again.
    let keys = |x: &Device| -> Vec<(&'static str, String)> {
        let mut k = Vec::new();
        for field in ["mac_addresses", "ip_addresses"] {
            for v in fields::split_multi(x.get(field)) {
                k.push((field, v.to_lowercase()));
            }
        }
        for field in ["asset_tag", "serial_number"] {
            if !x.get(field).is_empty() {
                k.push((field, x.get(field).to_lowercase()));
            }
        }
        k
    };
    let mine = keys(&d);
    for other in wb.devices()?.iter().filter(|o| o.id != d.id) {
        if let Some((field, value)) = keys(other).into_iter().find(|k| mine.contains(k)) {
            eprintln!(
                "warning: {} has the same {field} ({value}) as {}; if they are one unit, delete one of them",
                d.short_id(),
                other.short_id()
            );
        }
    }
    Ok(())
}

/// Parses an answer target: `SITE`, `SITE:<site>`, `MODEL:<manufacturer>/<model>`, or a device.
pub(super) fn parse_target(
    wb: &Workbook,
    text: &str,
) -> Result<(Target, Option<Device>), CliError> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    if upper == "SITE" {
        return Ok((Target::Site(String::new()), None));
    }
    if upper.starts_with("SITE:") {
        return Ok((Target::Site(t[5..].trim().to_string()), None));
    }
    if upper.starts_with("MODEL:") {
        return model_target_of(wb, t, &t[6..]).map(|target| (target, None));
    }
    let d = wb.find_device(t)?;
    Ok((Target::Device(d.id), Some(d)))
}

/// Resolves the TARGET and CONTROL of `medsec answer` (and of `medsec evidence add`): the control
/// by its catalog ID; the target as [`parse_target`] reads it, moved to the device's site for a
/// site-scoped control; a model or site must be one some device has; a device-scoped control
/// needs a device. Returns the target, the control and the device named (if one was).
///
/// Errors: usage errors (exit 2) naming what is wrong.
pub(super) fn resolve_answer_target(
    wb: &Workbook,
    target_text: &str,
    control_text: &str,
) -> Result<(Target, crate::catalog::Control, Option<Device>), CliError> {
    let control = wb.catalog().control(control_text).cloned().ok_or_else(|| {
        CliError::usage(format!(
            "{}: no such control (e.g. ENC-03)",
            printable(control_text)
        ))
    })?;
    let (mut target, device) = parse_target(wb, target_text)?;
    // Site-scoped controls are answered once per site.
    if control.scope == Scope::Site
        && let Some(d) = &device
    {
        target = site_target(d);
    }
    if device.is_none() && wb.devices_of(&target)?.is_empty() {
        let known: Vec<String> = match &target {
            Target::Model { .. } => known_keys(wb, |d| {
                crate::assessment::model_target(d).and_then(|t| t.scope_key())
            })?,
            _ => known_keys(wb, |d| site_target(d).scope_key())?,
        };
        return Err(CliError::usage(format!(
            "no device has {}; known: {}",
            target.scope_key().unwrap_or_default(),
            if known.is_empty() {
                "none yet".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    if control.scope == Scope::Device && !matches!(target, Target::Device(_)) {
        return Err(CliError::usage(format!(
            "{} is answered per device; give a device ID, not {}",
            control.id,
            printable(target_text)
        )));
    }
    Ok((target, control, device))
}

pub(super) fn answer(wb: &mut Workbook, a: &AnswerArgs) -> Result<(), CliError> {
    let (mut target, control, device) = resolve_answer_target(wb, &a.target, &a.control)?;
    let suggested_on = |wb: &Workbook, t: &Target| -> Result<bool, CliError> {
        Ok(wb
            .answer(t, &control.id)?
            .is_some_and(|s| s.suggested.is_some()))
    };
    // Confirming on a unit confirms what it shows: its own suggestion, else the one its model
    // holds (an MDS2 imported for the model), as `c` in the TUI does.
    if a.confirm
        && a.response.is_none()
        && control.scope == Scope::Model
        && let Some(d) = &device
        && !suggested_on(wb, &target)?
        && let Some(model) = crate::assessment::model_target(d)
        && suggested_on(wb, &model)?
    {
        target = model;
    }
    if a.confirm && a.response.is_none() && !suggested_on(wb, &target)? {
        return Err(CliError::usage(format!(
            "{} {}: there is no suggested answer to confirm (nothing was changed)",
            printable(&a.target),
            control.id
        )));
    }
    let response = match a.response.as_deref() {
        None if a.confirm => None,
        None => {
            return Err(CliError::usage(
                "give a response: yes, partial, no, na, unknown or clear (or --confirm)",
            ));
        }
        Some(r) if r.eq_ignore_ascii_case("clear") => Some(None),
        Some(r) => Some(Some(Response::parse(r).ok_or_else(|| {
            CliError::usage(format!(
                "{r}: not a response; use yes, partial, no, na, unknown or clear"
            ))
        })?)),
    };
    let source = match a.source.as_deref() {
        None => None,
        Some(s) => Some(AnswerSource::parse(s).ok_or_else(|| {
            CliError::usage(format!(
                "{s}: not an answer source; use Observed, Interview, Document, Tested, Scan, MDS2, Spreadsheet or Bulk"
            ))
        })?),
    };
    let input = AnswerInput {
        response,
        note: a.note.clone(),
        observed: a.observed.clone(),
        evidence_ref: a.evidence_ref.clone(),
        recommendation: a.recommendation.clone(),
        source,
        likelihood: a.likelihood,
        impact: a.impact,
        confirm: a.confirm,
        suggest: None,
        deferral: None,
        // Any of the three replaces all three: the ones not given are cleared.
        dimension_impacts: [a.impact_safety, a.impact_phi, a.impact_operations]
            .iter()
            .any(Option::is_some)
            .then_some([a.impact_safety, a.impact_phi, a.impact_operations]),
    };
    let saved = wb.set_answer(&target, &control, &input)?;
    let who = match (&target, &device) {
        (Target::Device(_), Some(d)) => d.short_id(),
        _ => target.scope_key().unwrap_or_default(),
    };
    let mut line = format!(
        "{who} {} = {}",
        control.id,
        saved
            .response
            .map(Response::label)
            .unwrap_or("not assessed")
    );
    if let (Some(l), Some(i), Some(level), true) = (
        saved.likelihood,
        saved.impact,
        saved.level(&wb.risk_grid()),
        saved.response.is_some_and(Response::is_finding),
    ) {
        let default = if saved.likelihood_default || saved.impact_default {
            ", default rating"
        } else {
            ""
        };
        let dims: Vec<String> = crate::catalog::ImpactDimension::ALL
            .iter()
            .zip(saved.dimension_impacts)
            .filter_map(|(d, v)| v.map(|v| format!("{} {v}", d.label())))
            .collect();
        let dims = if dims.is_empty() {
            String::new()
        } else {
            format!(" [{}]", dims.join(", "))
        };
        line.push_str(&format!(
            " (likelihood {l}, impact {i}{dims} → {}{default})",
            level.label()
        ));
    }
    say!("{line}");
    if control.scope == Scope::Model
        && let (Target::Device(_), Some(d)) = (&target, &device)
        && let Some(model) = crate::assessment::model_target(d).and_then(|t| t.scope_key())
    {
        say!(
            "(for this unit only, overriding the model answer; answer {model} to set it for every unit)"
        );
    }
    Ok(())
}

/// Resolves `MODEL:<manufacturer>/<model>`. A name may itself hold `/`, so every split is tried
/// against the devices' models; exactly one must match (none: the first split, refused later as
/// a model no device has).
fn model_target_of(wb: &Workbook, text: &str, rest: &str) -> Result<Target, CliError> {
    let splits: Vec<Target> = rest
        .match_indices('/')
        .map(|(i, _)| Target::Model {
            manufacturer: rest[..i].trim().to_string(),
            model: rest[i + 1..].trim().to_string(),
        })
        .collect();
    let Some(first) = splits.first().cloned() else {
        return Err(CliError::usage(format!(
            "{text}: a model target is MODEL:<manufacturer>/<model>"
        )));
    };
    let devices = wb.devices()?;
    let known: Vec<Target> = splits
        .into_iter()
        .filter(|t| {
            devices.iter().any(|d| {
                crate::assessment::model_target(d)
                    .as_ref()
                    .is_some_and(|m| m.matches(t))
            })
        })
        .collect();
    match known.len() {
        0 => Ok(first),
        1 => Ok(known.into_iter().next().unwrap_or(first)),
        _ => Err(CliError::usage(format!(
            "{text} names more than one model ({}); the manufacturer and model names contain `/`",
            known
                .iter()
                .filter_map(Target::scope_key)
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The distinct scope keys (`MODEL:…`, `SITE:…`) of the workbook's devices, sorted.
fn known_keys(
    wb: &Workbook,
    key: impl Fn(&Device) -> Option<String>,
) -> Result<Vec<String>, CliError> {
    let mut keys: Vec<String> = wb.devices()?.iter().filter_map(key).collect();
    keys.sort();
    keys.dedup();
    if keys.len() > 10 {
        let more = keys.len() - 10;
        keys.truncate(10);
        keys.push(format!("… and {more} more"));
    }
    Ok(keys)
}
