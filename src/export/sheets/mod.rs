//! One writer per sheet (or family of sheets). Each takes a [`SheetWriter`] for its worksheet
//! and the shared [`Context`], writes its rows in order and returns the sheet's record.

pub mod controls;
pub mod cover;
pub mod inventory;
pub mod matrix;
pub mod meta;
pub mod reference;
pub mod register;
pub mod summary;

use super::ExportOptions;
use super::counts::{DeviceCounts, Finding, RiskCounts, findings, tally};
use super::plan::ExportData;
use super::xlsx::{Cached, Value};
use crate::assessment::StepProgress;
use crate::device::fields::parse_date;
use crate::risk::RiskLevel;

/// What every sheet writer may read: the data, the options, and the numbers computed once.
pub struct Context<'a> {
    /// The gathered data.
    pub data: &'a ExportData,
    /// Options (as-of date, app version).
    pub opts: &'a ExportOptions,
    /// When the export started, UTC, RFC 3339 (a stamp).
    pub exported_at: String,
    /// Per step (catalog order), the counts of its sheet.
    pub tallies: Vec<StepProgress>,
    /// The interim register, in order.
    pub findings: Vec<Finding<'a>>,
    /// Open risks by level and L × I.
    pub risks: RiskCounts,
    /// The device block of `Summary`.
    pub devices: DeviceCounts,
    /// Rows of the eight control sheets together, header rows left out.
    pub control_rows: usize,
}

impl<'a> Context<'a> {
    /// Computes the shared numbers (one pass over the control rows per step, one for findings).
    pub fn new(data: &'a ExportData, opts: &'a ExportOptions) -> Context<'a> {
        let mut control_rows = 0;
        let tallies = data
            .catalog
            .steps
            .iter()
            .map(|s| tally(data.control_rows(s).inspect(|_| control_rows += 1)))
            .collect();
        let findings = findings(data);
        let risks = RiskCounts::of(&findings);
        Context {
            data,
            opts,
            exported_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            tallies,
            risks,
            findings,
            devices: DeviceCounts::of(data),
            control_rows,
        }
    }
}

/// "Site(s)" of `Cover` and `Summary`: the workbook's site setting, else the sites of its
/// devices (`; `-separated, the default site left out).
pub fn sites_text(ctx: &Context<'_>) -> String {
    let meta = &ctx.data.meta;
    if !meta.site.trim().is_empty() {
        return meta.site.clone();
    }
    ctx.data
        .sites
        .iter()
        .filter(|s| s.key != "SITE")
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A stored `YYYY-MM-DD` (or other accepted form) as a date cell; unparsable text stays text.
pub fn date_or_text(value: &str) -> Value<'_> {
    if value.is_empty() {
        return Value::Empty;
    }
    parse_date(value).map_or_else(|| Value::text(value), Value::Date)
}

/// `=IF(OR(L="",I=""),"",L*I)` with its cached result (the same formula shape on control sheets
/// and the register; `a` and `b` are A1 references of the two ratings).
pub fn score_formula(a: &str, b: &str, score: Option<u8>) -> Value<'static> {
    Value::Formula(
        format!(r#"=IF(OR({a}="",{b}=""),"",{a}*{b})"#),
        score.map_or(Cached::Blank, |s| Cached::Number(f64::from(s))),
    )
}

/// `=IF(S="","",INDEX(RiskGrid,6-L,I))` with its cached level name.
pub fn level_formula(score: &str, l: &str, i: &str, level: Option<RiskLevel>) -> Value<'static> {
    Value::Formula(
        format!(
            r#"=IF({score}="","",INDEX({},6-{l},{i}))"#,
            super::layout::RISK_GRID_NAME
        ),
        level.map_or(Cached::Blank, |l| Cached::Text(l.label().to_string())),
    )
}
