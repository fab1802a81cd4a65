//! `2 CVE Findings`: one row per vulnerability finding (Suggested, Confirmed and Dismissed; the
//! State column says which) in the 29 columns of TEMPLATE.md "2 CVE Findings". The CVSS columns
//! show the highest score with its source; every score is listed in Notes. Likelihood, Impact,
//! Risk Score, Risk Level and Controlled/Uncontrolled are filled for confirmed findings (the
//! register's rating); score and level are formulas carrying the app's numbers as cached
//! results.

use std::collections::HashMap;

use super::{Context, level_formula, score_formula};
use crate::export::ExportError;
use crate::export::layout::CVE_COLUMNS;
use crate::export::xlsx::{Cell, SheetRecord, SheetWriter, Value, cell_ref};
use crate::risk::register::Finding;
use crate::vuln::{FeedKind, STALE_AFTER_DAYS};
use crate::workbook::{FindingState, VulnFinding};

/// 0-based columns of `2 CVE Findings`, in [`CVE_COLUMNS`] order.
pub mod col {
    /// A: Finding ID.
    pub const FINDING_ID: u16 = 0;
    /// B: Device ID.
    pub const DEVICE_ID: u16 = 1;
    /// C: Component.
    pub const COMPONENT: u16 = 2;
    /// D: Component Version.
    pub const COMPONENT_VERSION: u16 = 3;
    /// E: CVE ID.
    pub const CVE: u16 = 4;
    /// F: Advisory ID.
    pub const ADVISORY: u16 = 5;
    /// G: Source.
    pub const SOURCE: u16 = 6;
    /// H: Feed Date.
    pub const FEED_DATE: u16 = 7;
    /// I: Match Confidence.
    pub const CONFIDENCE: u16 = 8;
    /// J: Match Reason.
    pub const REASON: u16 = 9;
    /// K: State.
    pub const STATE: u16 = 10;
    /// L: CVSS Version.
    pub const CVSS_VERSION: u16 = 11;
    /// M: CVSS Vector.
    pub const CVSS_VECTOR: u16 = 12;
    /// N: CVSS Base Score.
    pub const CVSS_SCORE: u16 = 13;
    /// O: Score Source.
    pub const SCORE_SOURCE: u16 = 14;
    /// P: CVSS Severity.
    pub const SEVERITY: u16 = 15;
    /// Q: KEV Listed.
    pub const KEV_LISTED: u16 = 16;
    /// R: KEV Date Added.
    pub const KEV_ADDED: u16 = 17;
    /// S: KEV Due Date.
    pub const KEV_DUE: u16 = 18;
    /// T: Known Ransomware Use.
    pub const RANSOMWARE: u16 = 19;
    /// U: Clinical Functions Affected.
    pub const CLINICAL_FUNCTIONS: u16 = 20;
    /// V: Manufacturer Fix Status.
    pub const FIX_STATUS: u16 = 21;
    /// W: Compensating Controls.
    pub const COMPENSATING: u16 = 22;
    /// X: Likelihood.
    pub const LIKELIHOOD: u16 = 23;
    /// Y: Impact.
    pub const IMPACT: u16 = 24;
    /// Z: Risk Score.
    pub const SCORE: u16 = 25;
    /// AA: Risk Level.
    pub const LEVEL: u16 = 26;
    /// AB: Controlled/Uncontrolled.
    pub const CONTROLLED: u16 = 27;
    /// AC: Notes.
    pub const NOTES: u16 = 28;
}

/// The Source list value of a feed kind (TEMPLATE.md: KEV, CSAF, NVD, CVE record,
/// Manufacturer, Scan, SBOM); a VEX document is the manufacturer's statement.
fn source_label(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Kev => "KEV",
        FeedKind::Csaf => "CSAF",
        FeedKind::Nvd => "NVD",
        FeedKind::CveRecord => "CVE record",
        FeedKind::Vex => "Manufacturer",
    }
}

/// The CVSS Severity list value (`None`, `Low`, `Medium`, `High`, `Critical`) of a severity
/// as a source writes it (`CRITICAL`, `high`); other text as written.
fn severity_label(text: &str) -> String {
    let t = text.trim();
    ["None", "Low", "Medium", "High", "Critical"]
        .into_iter()
        .find(|l| l.eq_ignore_ascii_case(t))
        .map_or_else(|| t.to_string(), str::to_string)
}

/// Writes the sheet.
pub fn write(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    w.table(&CVE_COLUMNS, 1)?;
    w.level_colours(col::LEVEL)?;
    let devices: HashMap<i64, String> = ctx
        .data
        .devices
        .iter()
        .map(|d| (d.device.id, d.device.short_id()))
        .collect();
    let rated: HashMap<i64, &Finding<'static>> = ctx
        .findings
        .iter()
        .filter_map(|f| f.vulnerability.as_ref().map(|v| (v.finding_id, f)))
        .collect();
    for (n, v) in ctx.data.vulnerabilities.iter().enumerate() {
        let row = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let device = devices.get(&v.device_id).cloned().unwrap_or_default();
        let risk = rated
            .get(&v.id)
            .copied()
            .filter(|_| v.state == FindingState::Confirmed);
        w.write_row(row, &cells(v, &device, risk, row, ctx))?;
    }
    w.autofilter(col::NOTES)?;
    Ok(w.finish())
}

/// The Notes cell: the decision's note, the title, every score with its source, and the flags
/// (no longer matched, feeds older than 30 days).
fn notes(v: &VulnFinding, ctx: &Context<'_>) -> String {
    let mut parts = Vec::new();
    if !v.note.is_empty() {
        parts.push(v.note.clone());
    }
    if !v.found.title.is_empty() {
        parts.push(v.found.title.clone());
    }
    if !v.found.scores.is_empty() {
        let scores: Vec<String> = v
            .found
            .scores
            .iter()
            .map(|s| {
                let vector = if s.vector.is_empty() {
                    String::new()
                } else {
                    format!(" {}", s.vector)
                };
                format!("{} {} (CVSS {}){vector}", s.source, s.base_score, s.version)
            })
            .collect();
        parts.push(format!("Scores: {}", scores.join("; ")));
    }
    if let Some(since) = &v.stale_since {
        parts.push(format!(
            "No longer matched by the feeds since {}",
            since.get(..10).unwrap_or(since)
        ));
    }
    if v.feed_is_old(ctx.data.as_of) {
        parts.push(format!("Feed older than {STALE_AFTER_DAYS} days"));
    }
    parts.join("\n")
}

fn cells<'a>(
    v: &'a VulnFinding,
    device: &str,
    risk: Option<&Finding<'static>>,
    row: u32,
    ctx: &Context<'_>,
) -> Vec<Cell<'a>> {
    let at = |c| cell_ref(row, c);
    let top = v.highest_score();
    let kev = v.found.kev.as_ref();
    let mut sources: Vec<&str> = Vec::new();
    for s in &v.found.sources {
        let label = source_label(s.kind);
        if !sources.contains(&label) {
            sources.push(label);
        }
    }
    if !v.component.is_empty() && !sources.contains(&"SBOM") {
        sources.push("SBOM");
    }
    let text = |s: &str| {
        if s.is_empty() {
            Value::Empty
        } else {
            Value::string(s.to_string())
        }
    };
    let values: [(u16, Value<'a>); 29] = [
        (col::FINDING_ID, Value::string(v.finding_id())),
        (col::DEVICE_ID, Value::string(device.to_string())),
        (col::COMPONENT, text(&v.component)),
        (col::COMPONENT_VERSION, text(&v.component_version)),
        (col::CVE, Value::text(&v.cve)),
        (col::ADVISORY, Value::string(v.found.advisories.join("; "))),
        (col::SOURCE, Value::string(sources.join("; "))),
        (col::FEED_DATE, Value::string(v.feed_dates())),
        (col::CONFIDENCE, Value::text(v.found.confidence.label())),
        (col::REASON, Value::text(&v.found.reason)),
        (col::STATE, Value::text(v.state.label())),
        (
            col::CVSS_VERSION,
            top.map_or(Value::Empty, |s| text(&s.version)),
        ),
        (
            col::CVSS_VECTOR,
            top.map_or(Value::Empty, |s| text(&s.vector)),
        ),
        (
            col::CVSS_SCORE,
            Value::opt_number(top.map(|s| s.base_score)),
        ),
        (
            col::SCORE_SOURCE,
            top.map_or(Value::Empty, |s| text(&s.source)),
        ),
        (
            col::SEVERITY,
            top.map_or(Value::Empty, |s| text(&severity_label(&s.severity))),
        ),
        (
            col::KEV_LISTED,
            Value::text(if kev.is_some() { "Yes" } else { "No" }),
        ),
        (
            col::KEV_ADDED,
            Value::opt_date(kev.and_then(|k| k.date_added)),
        ),
        (col::KEV_DUE, Value::opt_date(kev.and_then(|k| k.due_date))),
        (
            col::RANSOMWARE,
            kev.map_or(Value::Empty, |k| text(&k.ransomware)),
        ),
        (col::CLINICAL_FUNCTIONS, Value::Empty),
        (col::FIX_STATUS, Value::text(v.found.fix.label())),
        (col::COMPENSATING, Value::Empty),
        (
            col::LIKELIHOOD,
            Value::opt_number(risk.and_then(|f| f.likelihood)),
        ),
        (col::IMPACT, Value::opt_number(risk.and_then(|f| f.impact))),
        (
            col::SCORE,
            match risk {
                Some(f) => score_formula(&at(col::LIKELIHOOD), &at(col::IMPACT), f.score()),
                None => Value::Empty,
            },
        ),
        (
            col::LEVEL,
            match risk {
                Some(f) => level_formula(
                    &at(col::SCORE),
                    &at(col::LIKELIHOOD),
                    &at(col::IMPACT),
                    f.level(),
                ),
                None => Value::Empty,
            },
        ),
        (
            col::CONTROLLED,
            risk.map_or(Value::Empty, |f| {
                Value::text(if f.is_controlled() {
                    "Controlled"
                } else {
                    "Uncontrolled"
                })
            }),
        ),
        (col::NOTES, Value::string(notes(v, ctx))),
    ];
    values
        .into_iter()
        .map(|(c, value)| Cell::new(c, value))
        .collect()
}
