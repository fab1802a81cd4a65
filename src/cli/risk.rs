//! `medsec risk list|show|set`: the risk register from the command line (TEMPLATE.md "Risk
//! Register"; PRODUCT.md "Command line"). Every figure comes from `risk::register`, so the CLI
//! shows what the TUI, the dashboard and the exported sheets show.

use chrono::NaiveDate;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthChar;

use super::args::RiskSetArgs;
use super::device::parse_target;
use super::error::CliError;
use super::output::say;
use crate::assessment::{Target, model_key};
use crate::catalog::ImpactDimension;
use crate::device::fields::{parse_date, printable};
use crate::risk::register::{Finding, Register};
use crate::risk::{RiskLevel, RiskStatus, Treatment, scale_label};
use crate::workbook::{Due, RiskEntry, RiskEntryInput, Workbook};

/// The date "overdue" and "expired" refer to: today, local.
pub(super) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// `text` with control characters and bidi overrides escaped ([`printable`]), cut to `width`
/// terminal columns (wide characters count two) with `…`, and padded to `width`.
pub(super) fn fit(text: &str, width: usize) -> String {
    let clean = printable(text);
    let mut out = String::new();
    let mut used = 0;
    let total: usize = clean.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        out.push_str(&clean);
        used = total;
    } else {
        for c in clean.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Text for `risk show`: each line escaped ([`printable`]) and word-wrapped to `width`
/// terminal columns, continuation lines indented by `indent` spaces.
fn block(text: &str, indent: usize, width: usize) -> String {
    let width = width.max(20);
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        let mut current = String::new();
        let mut used = 0;
        for word in printable(raw).split(' ') {
            let w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if used > 0 && used + 1 + w > width {
                lines.push(std::mem::take(&mut current));
                used = 0;
            }
            if used > 0 {
                current.push(' ');
                used += 1;
            }
            current.push_str(word);
            used += w;
        }
        lines.push(current);
    }
    lines.join(&format!("\n{}", " ".repeat(indent)))
}

/// `3×5=15`, or `–` when the finding is not rated.
fn rating(f: &Finding<'_>) -> String {
    match (f.likelihood, f.impact, f.score()) {
        (Some(l), Some(i), Some(s)) => format!("{l}×{i}={s}"),
        _ => "–".into(),
    }
}

/// The target as scripts name it: `DEV-0003`, `MODEL:<manufacturer>/<model>`, `SITE[:<site>]`.
fn target_key(f: &Finding<'_>) -> String {
    match &f.target {
        Target::Device(_) => f.name.clone(),
        t => t.scope_key().unwrap_or_default(),
    }
}

/// The risk's ID, or `–` for a finding whose register entry is not stored yet.
fn risk_id(f: &Finding<'_>) -> String {
    f.entry.risk_id().unwrap_or_else(|| "–".into())
}

/// The flags of a risk as words: overdue, expired acceptance, uncontrolled patient-safety risk.
fn flags(f: &Finding<'_>, today: NaiveDate) -> Vec<&'static str> {
    let mut out = Vec::new();
    if f.is_overdue(today) {
        out.push("OVERDUE");
    }
    if f.is_expired(today) {
        out.push("EXPIRED");
    }
    if f.is_uncontrolled_safety() {
        out.push("UNCONTROLLED PATIENT-SAFETY RISK");
    }
    out
}

/// One-letter flags for the list: `O` overdue, `E` expired, `S` uncontrolled patient safety.
fn flag_letters(f: &Finding<'_>, today: NaiveDate) -> String {
    [
        (f.is_overdue(today), 'O'),
        (f.is_expired(today), 'E'),
        (f.is_uncontrolled_safety(), 'S'),
    ]
    .into_iter()
    .filter_map(|(on, c)| on.then_some(c))
    .collect()
}

fn status_short(s: RiskStatus) -> &'static str {
    match s {
        RiskStatus::Open => "Open",
        RiskStatus::InProgress => "In pr.",
        RiskStatus::Closed => "Closed",
    }
}

fn level_short(l: Option<RiskLevel>) -> &'static str {
    l.map(RiskLevel::abbreviation).unwrap_or("–")
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "–".into())
}

/// Column widths of `risk list`, chosen so that a row fits 80 terminal columns: the fixed
/// columns take what their values need, target and owner share the rest.
struct Widths {
    id: usize,
    target: usize,
    control: usize,
    treatment: usize,
    owner: usize,
}

/// The line width `risk list` keeps to.
const LINE: usize = 80;

impl Widths {
    fn of(findings: &[&Finding<'_>]) -> Widths {
        let width = |s: &str| printable(s).chars().map(|c| c.width().unwrap_or(0)).sum();
        let widest = |f: &dyn Fn(&Finding<'_>) -> usize, min: usize| {
            findings.iter().map(|x| f(x)).max().unwrap_or(0).max(min)
        };
        let id = widest(&|f| risk_id(f).chars().count(), 4);
        let control = widest(&|f| f.control.id.chars().count(), 7);
        let treatment = widest(
            &|f| f.entry.treatment.map_or(1, |t| t.label().chars().count()),
            6,
        );
        // R, L×I=S, Lv, Rs, Due, Status, Flg and the eleven spaces between the twelve columns.
        let fixed = id + control + treatment + 1 + 6 + 2 + 2 + 10 + 6 + 3 + 11;
        let room = LINE.saturating_sub(fixed).max(12);
        let owner_wanted = widest(&|f| width(&f.entry.owner), 5);
        let target_wanted = widest(&|f| width(&f.label()), 6);
        // Device IDs whole (most rows are devices), then target and owner share what is left;
        // the owner keeps at least 5.
        let device_wanted = findings
            .iter()
            .filter(|f| matches!(f.target, Target::Device(_)))
            .map(|f| width(&f.label()))
            .max()
            .unwrap_or(6);
        let target = target_wanted
            .min(room.saturating_sub(5))
            .min((room / 2).max(device_wanted));
        let owner = room.saturating_sub(target).min(owner_wanted);
        Widths {
            id,
            target,
            control,
            treatment,
            owner,
        }
    }
}

/// One row of `risk list`.
fn row(f: &Finding<'_>, today: NaiveDate, w: &Widths) -> String {
    format!(
        "{} {} {} {} {:<6} {:<2} {:<2} {} {} {:<10} {:<6} {}",
        fit(&risk_id(f), w.id),
        fit(&f.label(), w.target),
        fit(&f.control.id, w.control),
        &f.response.label()[..1],
        rating(f),
        level_short(f.level()),
        level_short(f.residual_level()),
        fit(
            f.entry.treatment.map(Treatment::label).unwrap_or("–"),
            w.treatment
        ),
        fit(
            if f.entry.owner.is_empty() {
                "–"
            } else {
                &f.entry.owner
            },
            w.owner
        ),
        date(f.due_date()),
        status_short(f.entry.status),
        flag_letters(f, today),
    )
    .trim_end()
    .to_string()
}

/// One line that says where a risk stands, printed after `risk set`.
fn summary_line(f: &Finding<'_>, today: NaiveDate) -> String {
    let mut parts = vec![format!(
        "{} {} {} {}",
        risk_id(f),
        printable(&f.label()),
        f.control.id,
        f.response.label()
    )];
    let mut rated = rating(f);
    if let Some(l) = f.level() {
        rated = format!("{rated} {}", l.label());
    }
    if let Some(r) = f.residual_level() {
        rated = format!("{rated}, residual {}", r.label());
    }
    parts.push(rated);
    if let Some(t) = f.entry.treatment {
        parts.push(t.label().to_string());
    }
    if !f.entry.owner.is_empty() {
        parts.push(format!("owner {}", printable(&f.entry.owner)));
    }
    parts.push(match f.due_date() {
        Some(d) if f.entry.due_default => format!("due {d} (default)"),
        Some(d) => format!("due {d}"),
        None => "no due date".into(),
    });
    parts.push(f.entry.status.label().to_string());
    parts.extend(flags(f, today).into_iter().map(String::from));
    parts.join(" · ")
}

/// A risk as a JSON object (one item of `assets/schema/risk-list.v1.json`).
fn risk_json(f: &Finding<'_>, register: &Register, today: NaiveDate) -> Value {
    let catalog = crate::catalog::catalog();
    let step = catalog.steps.get(f.step);
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let e = &f.entry;
    let pairs: Vec<(&str, Value)> = vec![
        ("risk_id", json!(e.risk_id())),
        ("target", json!(target_key(f))),
        ("target_label", json!(f.label())),
        ("scope", json!(f.scope().label())),
        (
            "devices",
            json!(
                f.shown_on
                    .iter()
                    .filter_map(|&i| register.devices.get(i))
                    .map(|d| d.short_id())
                    .collect::<Vec<_>>()
            ),
        ),
        ("control_id", json!(f.control.id)),
        ("control_title", json!(f.control.title)),
        ("step", json!(step.map(|s| s.number))),
        ("step_name", json!(step.map(|s| s.name.clone()))),
        ("response", json!(f.response.label())),
        ("description", json!(f.description())),
        ("note", json!(text(&f.answer.note))),
        ("observed", json!(text(&f.answer.observed))),
        ("recommendation", json!(text(&f.answer.recommendation))),
        ("likelihood", json!(f.likelihood)),
        ("likelihood_default", json!(f.answer.likelihood_default)),
        ("impact", json!(f.impact)),
        ("impact_default", json!(f.answer.impact_default)),
        ("impact_patient_safety", json!(f.dimension_impacts[0])),
        ("impact_phi", json!(f.dimension_impacts[1])),
        ("impact_operations", json!(f.dimension_impacts[2])),
        (
            "affects",
            json!(f.affects.iter().map(|d| d.label()).collect::<Vec<_>>()),
        ),
        ("score", json!(f.score())),
        ("level", json!(f.level().map(RiskLevel::label))),
        ("treatment", json!(e.treatment.map(Treatment::label))),
        ("planned_actions", json!(text(&e.planned_actions))),
        ("owner", json!(text(&e.owner))),
        ("due_date", json!(day(f.due_date()))),
        ("due_default", json!(e.due_default)),
        ("status", json!(e.status.label())),
        ("open", json!(f.is_open())),
        ("residual_likelihood", json!(e.residual_likelihood)),
        ("residual_impact", json!(e.residual_impact)),
        ("residual_score", json!(f.residual_score())),
        (
            "residual_level",
            json!(f.residual_level().map(RiskLevel::label)),
        ),
        ("accepted_by", json!(text(&e.accepted_by))),
        ("acceptance_note", json!(text(&e.acceptance_note))),
        ("accepted_on", json!(day(e.accepted_on))),
        ("review_date", json!(day(e.review_date))),
        ("identified_on", json!(day(f.identified_on))),
        ("overdue", json!(f.is_overdue(today))),
        ("expired", json!(f.is_expired(today))),
        (
            "uncontrolled_patient_safety",
            json!(f.is_uncontrolled_safety()),
        ),
    ];
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Parses `--level`: a level name (`very-high`, `Very High`) or its abbreviation.
fn parse_level(text: &str) -> Result<RiskLevel, CliError> {
    let spaced = text.replace(['-', '_'], " ");
    RiskLevel::parse_short(&spaced).ok_or_else(|| {
        CliError::usage(format!(
            "--level {:?}: not a risk level; use very-high, high, moderate, low or very-low (VH, H, M, L, VL)",
            printable(text)
        ))
    })
}

/// `medsec risk list`.
pub(super) fn list(
    wb: &Workbook,
    open_only: bool,
    device: Option<&str>,
    level: Option<&str>,
    as_json: bool,
) -> Result<(), CliError> {
    let level = level.map(parse_level).transpose()?;
    let register = Register::load(wb)?;
    let device_index = match device {
        None => None,
        Some(reference) => {
            let d = wb.find_device(reference)?;
            let i = register.devices.iter().position(|x| x.id == d.id);
            Some(i.ok_or_else(|| {
                CliError::usage(format!("{}: no such device", printable(reference)))
            })?)
        }
    };
    let today = today();
    let chosen: Vec<&Finding<'_>> = register
        .findings
        .iter()
        .filter(|f| !open_only || f.is_open())
        .filter(|f| level.is_none() || f.level() == level)
        .filter(|f| device_index.is_none_or(|i| f.shown_on.contains(&i)))
        .collect();
    if as_json {
        let arr: Vec<Value> = chosen
            .iter()
            .map(|f| risk_json(f, &register, today))
            .collect();
        say!(
            "{}",
            serde_json::to_string_pretty(&arr).map_err(|e| CliError::general(e.to_string()))?
        );
        return Ok(());
    }
    if register.findings.is_empty() {
        say!(
            "no risks yet: a risk is a confirmed No, Partial or Unknown answer (medsec answer DEV-0001 ENC-01 no)"
        );
        return Ok(());
    }
    if chosen.is_empty() {
        say!(
            "no risk matches (of {} in the register; medsec risk list shows them all)",
            register.findings.len()
        );
        return Ok(());
    }
    let w = Widths::of(&chosen);
    say!(
        "{} {} {} R L×I=S  Lv Rs {} {} Due        Status Flg",
        fit("Risk", w.id),
        fit("Target", w.target),
        fit("Control", w.control),
        fit("Treat.", w.treatment),
        fit("Owner", w.owner),
    );
    for f in &chosen {
        say!("{}", row(f, today, &w));
    }
    let open = chosen.iter().filter(|f| f.is_open()).count();
    say!(
        "{} risks ({open} open, {} closed). R: N No, P Partial, U Unknown; Lv/Rs: level,",
        chosen.len(),
        chosen.len() - open
    );
    say!(
        "residual (VH, H, M, L, VL); Flg: O overdue, E expired acceptance, S uncontrolled\npatient-safety risk. medsec risk show ID has the rest."
    );
    Ok(())
}

/// The finding named by a Risk ID (`R-0012`, `12`) or by a target and a control.
///
/// Errors (exit 2, as for an unknown device or control): not a Risk ID; no such risk; a risk
/// whose answer is no longer a finding; a target and control that are not a finding.
fn resolve<'r>(
    wb: &Workbook,
    register: &'r Register,
    id: &str,
    control: Option<&str>,
) -> Result<&'r Finding<'static>, CliError> {
    let Some(control) = control else {
        let n = RiskEntry::parse_risk_id(id).ok_or_else(|| {
            CliError::usage(format!(
                "{:?} is not a Risk ID: give R-0012 (or 12), or a target and a control such as DEV-0003 ENC-01",
                printable(id)
            ))
        })?;
        if let Some(f) = register.findings.iter().find(|f| f.entry.id == n) {
            return Ok(f);
        }
        let shown = format!("R-{n:04}");
        return Err(match wb.risk_entry_by_id(n)? {
            Some((target, control, _)) => CliError::usage(format!(
                "{shown} ({} {control}) is no longer a risk: its answer is no longer a confirmed No, Partial or Unknown",
                target_text(register, &target)
            )),
            None => CliError::usage(format!(
                "no risk {shown} in this workbook (medsec risk list shows the Risk IDs)"
            )),
        });
    };
    let c = wb.catalog().control(control).ok_or_else(|| {
        CliError::usage(format!(
            "{}: no such control (e.g. ENC-03)",
            printable(control)
        ))
    })?;
    let (target, device) = parse_target(wb, id)?;
    let device_index = device
        .as_ref()
        .and_then(|d| register.devices.iter().position(|x| x.id == d.id));
    let found = register.findings.iter().find(|f| {
        f.control.id == c.id
            && match device_index {
                Some(i) => f.target == target || f.shown_on.contains(&i),
                None => same_target(&f.target, &target),
            }
    });
    found.ok_or_else(|| {
        let answer = register
            .answers
            .get(&target, &c.id)
            .and_then(|a| a.confirmed_response())
            .map(|r| format!(" (its answer is {})", r.label()))
            .unwrap_or_default();
        CliError::usage(format!(
            "{} {} is not a risk{answer}: only confirmed No, Partial and Unknown answers are in the register",
            printable(id.trim()),
            c.id
        ))
    })
}

/// Whether two model or site targets are the same, as the workbook matches them
/// (case-insensitively, trimmed).
fn same_target(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (
            Target::Model {
                manufacturer: m1,
                model: n1,
            },
            Target::Model {
                manufacturer: m2,
                model: n2,
            },
        ) => model_key(m1, n1) == model_key(m2, n2),
        (Target::Site(s1), Target::Site(s2)) => {
            s1.trim().to_lowercase() == s2.trim().to_lowercase()
        }
        (a, b) => a == b,
    }
}

fn target_text(register: &Register, target: &Target) -> String {
    match target {
        Target::Device(id) => register
            .devices
            .iter()
            .find(|d| d.id == *id)
            .map(|d| d.short_id())
            .unwrap_or_else(|| "a deleted device".into()),
        t => printable(&t.scope_key().unwrap_or_default()),
    }
}

/// `medsec risk show`.
pub(super) fn show(wb: &Workbook, id: &str, control: Option<&str>) -> Result<(), CliError> {
    let register = Register::load(wb)?;
    let f = resolve(wb, &register, id, control)?;
    let today = today();
    const W: usize = 22;
    // Every value is escaped and wrapped here, so the text typed by users is passed raw.
    let line = |key: &str, value: String| format!("{key:<W$}{}", block(&value, W, LINE - W));
    let mut out: Vec<String> = Vec::new();
    let heading = match f.entry.risk_id() {
        Some(id) => id,
        None => "Risk (no Risk ID yet: set any field to give it one)".into(),
    };
    out.push(block(
        &format!("{heading}  {}", f.description()),
        2,
        LINE - 2,
    ));
    let fl = flags(f, today);
    if !fl.is_empty() {
        out.push(format!("!! {}", fl.join(", ")));
    }
    out.push(line("Target", f.label()));
    if !matches!(f.target, Target::Device(_)) {
        let devices: Vec<String> = f
            .shown_on
            .iter()
            .filter_map(|&i| register.devices.get(i))
            .map(|d| format!("{} {}", d.short_id(), d.get("name")))
            .collect();
        out.push(line(
            "Devices covered",
            if devices.is_empty() {
                "none".into()
            } else {
                devices.join("; ")
            },
        ));
    }
    let step = wb.catalog().steps.get(f.step);
    out.push(line(
        "Control",
        format!("{} {}", f.control.id, f.control.title),
    ));
    if let Some(s) = step {
        out.push(line("Step", format!("{} {}", s.number, s.name)));
    }
    out.push(line("Question", f.control.question.clone()));
    out.push(line("Response", f.response.label().to_string()));
    for (key, value) in [
        ("Note", &f.answer.note),
        ("Observed", &f.answer.observed),
        ("Recommendation", &f.answer.recommendation),
        ("Evidence reference", &f.answer.evidence_ref),
    ] {
        if !value.is_empty() {
            out.push(line(key, value.to_string()));
        }
    }
    let default = |d: bool| if d { " (default)" } else { "" };
    out.push(line(
        "Likelihood",
        match f.likelihood {
            Some(l) => format!(
                "{l} {}{}",
                scale_label(l),
                default(f.answer.likelihood_default)
            ),
            None => "not rated".into(),
        },
    ));
    out.push(line(
        "Impact",
        match f.impact {
            Some(i) => format!(
                "{i} {}{}",
                scale_label(i),
                if f.answer.impact_default {
                    " (default: the highest of the device defaults below)"
                } else {
                    ""
                }
            ),
            None => "not rated".into(),
        },
    ));
    let assessor_dims = f.answer.dimension_impacts.iter().any(Option::is_some);
    for d in ImpactDimension::ALL {
        let value = f.dimension_impacts[d.index()];
        let affected = f.affects.contains(&d);
        let text = match value {
            Some(v) if assessor_dims => format!("{v} {}", scale_label(v)),
            Some(v) => format!("{v} {} (device default)", scale_label(v)),
            None if !affected => "– (the control does not affect it)".into(),
            None => "–".into(),
        };
        out.push(line(&format!("  {}", d.label()), text));
    }
    out.push(line(
        "Inherent risk",
        match (f.score(), f.level()) {
            (Some(s), Some(l)) => format!("score {s} (L × I), level {}", l.label()),
            _ => "not rated".into(),
        },
    ));
    let e = &f.entry;
    out.push(line(
        "Treatment",
        e.treatment
            .map(|t| t.label().to_string())
            .unwrap_or_else(|| "not decided".into()),
    ));
    if !e.planned_actions.is_empty() {
        out.push(line("Planned actions", e.planned_actions.clone()));
    }
    out.push(line(
        "Owner",
        if e.owner.is_empty() {
            "–".into()
        } else {
            e.owner.clone()
        },
    ));
    out.push(line("Due date", due_text(f)));
    out.push(line("Status", e.status.label().to_string()));
    out.push(line(
        "Residual",
        match (e.residual_likelihood, e.residual_impact) {
            (None, None) => "not rated".into(),
            (l, i) => {
                let n = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
                let mut t = format!("likelihood {}, impact {}", n(l), n(i));
                if let (Some(s), Some(lv)) = (f.residual_score(), f.residual_level()) {
                    t.push_str(&format!(" → score {s}, level {}", lv.label()));
                }
                t
            }
        },
    ));
    if !e.accepted_by.is_empty() || !e.acceptance_note.is_empty() || e.accepted_on.is_some() {
        out.push(line("Accepted by", e.accepted_by.clone()));
        out.push(line("Accepted on", date(e.accepted_on)));
        out.push(line("Acceptance note", e.acceptance_note.clone()));
    }
    out.push(line("Review date", date(e.review_date)));
    out.push(line("Identified on", date(f.identified_on)));
    out.push(line(
        "Flags",
        if fl.is_empty() {
            "none".into()
        } else {
            fl.join(", ")
        },
    ));
    say!("{}", out.join("\n"));
    Ok(())
}

/// The due date with how it was set: by hand, or by the level's rule.
fn due_text(f: &Finding<'_>) -> String {
    let e = &f.entry;
    if !e.due_default {
        return match e.due_date {
            Some(d) => format!("{d} (set by hand)"),
            None => "none (set by hand)".into(),
        };
    }
    let rule = match f.level() {
        Some(l) => match l.default_due_days() {
            Some(days) => format!("{} → {days} days after identified", l.label()),
            None => format!("{} → no default due date", l.label()),
        },
        None => "not rated → no default due date".into(),
    };
    match f.due_date() {
        Some(d) => format!("{d} (default by level: {rule})"),
        None => format!("none (default by level: {rule})"),
    }
}

/// Parses `--treatment` (`""` clears).
fn parse_treatment(text: &str) -> Result<Option<Treatment>, CliError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Treatment::parse(text).map(Some).ok_or_else(|| {
        CliError::usage(format!(
            "--treatment {:?}: use Mitigate, Accept, Transfer or Avoid (\"\" clears it)",
            printable(text)
        ))
    })
}

/// Parses `--status`: Open, In Progress (also `in-progress`, `in_progress`, `inprogress`),
/// Closed, case-insensitively.
fn parse_status(text: &str) -> Result<RiskStatus, CliError> {
    let t = text.trim().replace(['-', '_'], " ");
    let t = if t.eq_ignore_ascii_case("inprogress") {
        "in progress".to_string()
    } else {
        t
    };
    RiskStatus::parse(&t).ok_or_else(|| {
        CliError::usage(format!(
            "--status {:?}: use Open, \"In Progress\" (or in-progress) or Closed",
            printable(text)
        ))
    })
}

/// Parses a residual rating (`""` clears).
fn parse_rating(flag: &str, text: &str) -> Result<Option<u8>, CliError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match text.trim().parse::<u8>() {
        Ok(n) if (1..=5).contains(&n) => Ok(Some(n)),
        _ => Err(CliError::usage(format!(
            "--{flag} {:?}: a whole number from 1 to 5 (\"\" clears it)",
            printable(text)
        ))),
    }
}

/// Parses a date option (`""` clears).
fn parse_day(flag: &str, text: &str) -> Result<Option<NaiveDate>, CliError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_date(text).map(Some).ok_or_else(|| {
        CliError::usage(format!(
            "--{flag} {:?}: not a date (YYYY-MM-DD, years 1900–9999; \"\" clears it)",
            printable(text)
        ))
    })
}

/// The register change `risk set` asks for; every value checked before anything is written.
fn input_of(a: &RiskSetArgs) -> Result<RiskEntryInput, CliError> {
    let input = RiskEntryInput {
        treatment: a.treatment.as_deref().map(parse_treatment).transpose()?,
        planned_actions: a.actions.clone(),
        owner: a.owner.clone(),
        due: a
            .due
            .as_deref()
            .map(|t| {
                Due::parse(t).map_err(|m| CliError::usage(format!("--due: {}", printable(&m))))
            })
            .transpose()?,
        status: a.status.as_deref().map(parse_status).transpose()?,
        residual_likelihood: a
            .residual_likelihood
            .as_deref()
            .map(|t| parse_rating("residual-likelihood", t))
            .transpose()?,
        residual_impact: a
            .residual_impact
            .as_deref()
            .map(|t| parse_rating("residual-impact", t))
            .transpose()?,
        accepted_by: a.accepted_by.clone(),
        acceptance_note: a.note.clone(),
        accepted_on: a
            .accepted_on
            .as_deref()
            .map(|t| parse_day("accepted-on", t))
            .transpose()?,
        review_date: a
            .review
            .as_deref()
            .map(|t| parse_day("review", t))
            .transpose()?,
        identified_on: a
            .identified
            .as_deref()
            .map(|t| parse_day("identified", t))
            .transpose()?,
    };
    if input == RiskEntryInput::default() {
        return Err(CliError::usage(
            "nothing to change: give one or more of --treatment, --actions, --owner, --due, --status, --residual-likelihood, --residual-impact, --accepted-by, --accepted-on, --note, --review, --identified",
        ));
    }
    Ok(input)
}

/// `medsec risk set`: one change to one register entry, one undo step.
pub(super) fn set(wb: &mut Workbook, a: &RiskSetArgs) -> Result<(), CliError> {
    let input = input_of(a)?;
    let (target, control_id) = {
        let register = Register::load(wb)?;
        let f = resolve(wb, &register, &a.id, a.control.as_deref())?;
        (f.target.clone(), f.control.id.clone())
    };
    wb.set_risk_entry(&target, &control_id, &input)
        .map_err(|e| {
            let mut err = CliError::from(e);
            // The workbook names the missing part; the CLI adds the flags that give it.
            if err.message.contains("accepting a risk") {
                err.message
                    .push_str(": give --accepted-by NAME and --note TEXT with --treatment accept");
            }
            err
        })?;
    let register = Register::load(wb)?;
    let f = register
        .findings
        .iter()
        .find(|f| f.control.id == control_id && same_target(&f.target, &target))
        .ok_or_else(|| CliError::general("the risk changed, but could not be read back"))?;
    say!("{}", summary_line(f, today()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_by_terminal_columns_and_escapes_controls() {
        assert_eq!(fit("DEV-0003", 10), "DEV-0003  ");
        assert_eq!(fit("MODEL B. Braun Space (4)", 10), "MODEL B. …");
        // 東芝 is four columns wide.
        assert_eq!(fit("東芝東芝東芝", 7), "東芝東…");
        assert_eq!(fit("東芝東芝東芝", 8), "東芝東… ");
        assert_eq!(fit("a\u{1b}[31m", 6), "a␛[31m");
        assert_eq!(fit("x\u{202e}y", 12), "x\\u{202e}y  ");
    }

    #[test]
    fn status_and_levels_parse_as_typed_on_a_command_line() -> Result<(), String> {
        for t in ["in-progress", "In Progress", "IN_PROGRESS", "inprogress"] {
            assert_eq!(
                parse_status(t).map_err(|e| e.message)?,
                RiskStatus::InProgress
            );
        }
        assert!(parse_status("done").is_err_and(|e| e.message.contains("Closed")));
        assert_eq!(
            parse_level("very-high").map_err(|e| e.message)?,
            RiskLevel::VeryHigh
        );
        assert_eq!(
            parse_level("m").map_err(|e| e.message)?,
            RiskLevel::Moderate
        );
        assert!(parse_level("severe").is_err_and(|e| e.code == 2));
        assert_eq!(parse_rating("r", "").map_err(|e| e.message)?, None);
        assert!(parse_rating("r", "6").is_err());
        assert!(parse_treatment("ignore").is_err_and(|e| e.message.contains("Transfer")));
        Ok(())
    }
}
