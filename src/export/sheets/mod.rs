//! One writer per sheet (or family of sheets). Each takes a [`SheetWriter`] for its worksheet
//! and the shared [`Context`], writes its rows in order and returns the sheet's record.

pub mod controls;
pub mod cover;
pub mod cve;
pub mod inventory;
pub mod matrix;
pub mod meta;
pub mod reference;
pub mod register;
pub mod summary;

use std::collections::HashMap;

use super::ExportOptions;
use super::counts::{DeviceCounts, RegisterCounts, tally};
use super::plan::{ExportData, scope_row_key};
use super::xlsx::{Cached, Value};
use crate::assessment::{DeviceProgress, StepProgress, Target};
use crate::device::fields::parse_date;
use crate::risk::RiskLevel;
use crate::risk::register::{Dashboard, Finding, dashboard};

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
    /// The register's findings in PRODUCT.md order (`Risk Register` rows).
    pub findings: &'a [Finding<'static>],
    /// The TUI dashboard's figures on the same data with the as-of date as "today": open risks
    /// by level, the heat map, overdue, the top ten.
    pub dashboard: Dashboard<'static>,
    /// Residual levels, expired acceptances, uncontrolled patient-safety risks.
    pub register: RegisterCounts,
    /// The device block of `Summary`.
    pub devices: DeviceCounts,
    /// Rows of each step's control sheet (catalog order), header rows left out.
    pub step_rows: Vec<usize>,
    /// Column A of each model's and site's scope rows, by [`scope_row_key`].
    scope_ids: HashMap<&'a str, &'a str>,
}

impl<'a> Context<'a> {
    /// Computes the shared numbers (one pass over the control rows per step, one over the
    /// findings).
    pub fn new(data: &'a ExportData, opts: &'a ExportOptions) -> Context<'a> {
        let mut step_rows = Vec::with_capacity(data.catalog.steps.len());
        let tallies = data
            .catalog
            .steps
            .iter()
            .map(|s| {
                let mut rows = 0;
                let t = tally(data.control_rows(s).inspect(|_| rows += 1));
                step_rows.push(rows);
                t
            })
            .collect();
        let progress: Vec<DeviceProgress> = data
            .devices
            .iter()
            .map(|d| d.progress.clone().unwrap_or_default())
            .collect();
        let scope_ids = data
            .models
            .iter()
            .chain(&data.sites)
            .map(|s| (s.key.as_str(), s.id.as_str()))
            .collect();
        Context {
            data,
            opts,
            exported_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            tallies,
            findings: &data.findings,
            dashboard: dashboard(data.catalog, &progress, &data.findings, data.as_of),
            register: RegisterCounts::of(&data.findings, data.as_of),
            devices: DeviceCounts::of(data),
            step_rows,
            scope_ids,
        }
    }

    /// Rows of the eight control sheets together, header rows left out.
    pub fn control_rows(&self) -> usize {
        self.step_rows.iter().sum()
    }

    /// A finding's target as column A of the control sheets shows it: the device's short ID,
    /// or the model's or site's scope row ID (`MODEL:Baxter/Sigma Spectrum`, `SITE:Main`,
    /// `SITE`), so a register row leads to its control row.
    pub fn target_id(&self, f: &Finding<'_>) -> String {
        match &f.target {
            Target::Device(_) => f.name.clone(),
            other => self
                .scope_ids
                .get(scope_row_key(other).as_str())
                .map_or_else(
                    || other.scope_key().unwrap_or_default(),
                    |id| id.to_string(),
                ),
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
