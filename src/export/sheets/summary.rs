//! `Summary`: the header block, the device counts, per-step results (COUNTIFS over each control
//! sheet's Response column with Suggested blank, with cached results), open risks by inherent
//! and residual level with the overdue, expired and uncontrolled patient-safety counts, a heat
//! map of open risks by likelihood × impact, the top ten open risks and a stacked bar chart of
//! responses per step (TEMPLATE.md "Summary").
//!
//! The risk figures are the TUI dashboard's (`risk::register::dashboard` on the same findings,
//! with the as-of date as "today"); the formulas count the `Risk Register` rows and carry those
//! figures as cached results, so a reader that does not recalculate shows the app's numbers.

mod risks;

use rust_xlsxwriter::{Chart, ChartSolidFill, ChartType, Color, column_number_to_name};

use super::{Context, date_or_text, sites_text};
use crate::assessment::Response;
use crate::assessment::StepProgress;
use crate::export::ExportError;
use crate::export::layout::{ctl, step_label};
use crate::export::xlsx::{Cached, Cell, Look, SheetRecord, SheetWriter, Value, sheet_prefix};

const SHEET: &str = "Summary";

/// Columns of the per-step table.
const STEP_HEADERS: [&str; 11] = [
    "Step",
    "Controls",
    "Assessed",
    "Yes",
    "Partial",
    "No",
    "N/A",
    "Unknown",
    "Not assessed",
    "Compliance %",
    "Coverage %",
];

/// Chart series: the response columns of the step table and their colours.
const SERIES: [(u16, u32); 6] = [
    (3, 0x70AD47),
    (4, 0xFFC000),
    (5, 0xC00000),
    (6, 0xA6A6A6),
    (7, 0x7F6000),
    (8, 0xD9D9D9),
];

/// Writes `Summary`.
pub fn write(mut w: SheetWriter<'_>, ctx: &Context<'_>) -> Result<SheetRecord, ExportError> {
    // Wide enough for "Past manufacturer end of support (as of 2026-06-30)".
    let mut widths = vec![(0u16, 50.0)];
    widths.extend((1..=10u16).map(|col| (col, 12.0)));
    widths.push((11, 60.0));
    w.column_widths(&widths)?;
    w.freeze_panes(1, 0)?;

    let mut row = header_block(&mut w, ctx)?;
    w.autofilter(1)?;
    row = device_block(&mut w, ctx, row + 2)?;
    let step_header = row + 2;
    row = step_table(&mut w, ctx, step_header)?;
    row = risks::levels(&mut w, ctx, row + 2)?;
    row = risks::heat_map(&mut w, ctx, row + 2)?;
    risks::top_ten(&mut w, ctx, row + 2)?;
    chart(&mut w, step_header, ctx.tallies.len())?;
    Ok(w.finish())
}

fn pair<'a>(label: &'a str, value: Value<'a>) -> [Cell<'a>; 2] {
    [
        Cell::with(0, Value::text(label), Look::Bold),
        Cell::new(1, value),
    ]
}

fn header_row(w: &mut SheetWriter<'_>, row: u32, texts: &[&str]) -> Result<(), ExportError> {
    let cells: Vec<Cell<'_>> = texts
        .iter()
        .enumerate()
        .map(|(c, t)| Cell::with(c as u16, Value::text(t), Look::Header))
        .collect();
    w.write_row(row, &cells)
}

/// Rows 1–9: what `Cover` says about the assessment. Returns the last row written.
fn header_block(w: &mut SheetWriter<'_>, ctx: &Context<'_>) -> Result<u32, ExportError> {
    let m = &ctx.data.meta;
    header_row(w, 0, &["Assessment", "Value"])?;
    let rows = [
        ("Organisation", Value::text(&m.organisation)),
        ("Site(s)", Value::string(sites_text(ctx))),
        ("Assessment ID", Value::text(&m.workbook_id)),
        ("Assessment title", Value::text(&m.title)),
        (
            "Start date",
            date_or_text(m.start_date.as_deref().unwrap_or("")),
        ),
        (
            "End date",
            date_or_text(m.end_date.as_deref().unwrap_or("")),
        ),
        ("As of", Value::Date(ctx.opts.as_of)),
        ("Assessor name(s)", Value::text(&m.assessor)),
    ];
    let mut row = 0;
    for (label, value) in rows {
        row += 1;
        w.write_row(row, &pair(label, value))?;
    }
    Ok(row)
}

fn device_block(
    w: &mut SheetWriter<'_>,
    ctx: &Context<'_>,
    first: u32,
) -> Result<u32, ExportError> {
    let d = &ctx.devices;
    header_row(w, first, &["Devices", "Count"])?;
    let n = |x: usize| Value::Number(x as f64);
    let mut rows: Vec<(String, Value<'_>, Look)> = vec![
        ("Devices (total)".into(), n(d.total), Look::Auto),
        ("In scope".into(), n(d.in_scope), Look::Auto),
        (
            "Assessed (at least one response)".into(),
            n(d.assessed),
            Look::Auto,
        ),
        (
            "With PHI (stored, displayed or transmitted)".into(),
            n(d.with_phi),
            Look::Auto,
        ),
    ];
    for (name, count) in &d.by_criticality {
        rows.push((format!("Criticality: {name}"), n(*count), Look::Auto));
    }
    let as_of = ctx.opts.as_of.format("%Y-%m-%d");
    rows.push((
        format!("Past OS end of support (as of {as_of})"),
        n(d.past_os_support),
        Look::Auto,
    ));
    rows.push((
        format!("Past manufacturer end of support (as of {as_of})"),
        n(d.past_manufacturer_support),
        Look::Auto,
    ));
    rows.push((
        "MDS2 on file %".into(),
        Value::opt_number(d.mds2_on_file),
        Look::Percent,
    ));
    rows.push((
        "SBOM on file %".into(),
        Value::opt_number(d.sbom_on_file),
        Look::Percent,
    ));
    let mut row = first;
    for (label, value, look) in rows {
        row += 1;
        w.write_row(
            row,
            &[
                Cell::with(0, Value::string(label), Look::Bold),
                Cell::with(1, value, look),
            ],
        )?;
    }
    Ok(row)
}

/// Formulas of one step-table row (`r` is the 1-based sheet row) given the counts it shows.
fn step_cells<'a>(r: u32, t: &StepProgress, counts: [Value<'a>; 6]) -> Vec<Cell<'a>> {
    let num = |x: usize| Cached::Number(x as f64);
    let frac = |x: Option<f64>| x.map_or(Cached::Blank, Cached::Number);
    let [rows, yes, partial, no, na, unknown] = counts;
    vec![
        Cell::new(1, rows),
        Cell::new(
            2,
            Value::Formula(format!("=SUM(D{r}:H{r})"), num(t.assessed())),
        ),
        Cell::new(3, yes),
        Cell::new(4, partial),
        Cell::new(5, no),
        Cell::new(6, na),
        Cell::new(7, unknown),
        Cell::new(
            8,
            Value::Formula(format!("=B{r}-C{r}"), num(t.not_assessed())),
        ),
        Cell::with(
            9,
            Value::Formula(
                format!(r#"=IFERROR((D{r}+0.5*E{r})/(D{r}+E{r}+F{r}),"")"#),
                frac(t.compliance_ratio()),
            ),
            Look::Percent,
        ),
        Cell::with(
            10,
            Value::Formula(
                format!(r#"=IFERROR((C{r}-H{r})/B{r},"")"#),
                frac(t.coverage()),
            ),
            Look::Percent,
        ),
    ]
}

fn step_table(w: &mut SheetWriter<'_>, ctx: &Context<'_>, first: u32) -> Result<u32, ExportError> {
    header_row(w, first, &STEP_HEADERS)?;
    let resp = column_number_to_name(ctl::RESPONSE);
    let sugg = column_number_to_name(ctl::SUGGESTED);
    let key = column_number_to_name(ctl::DEVICE_ID);
    let mut row = first;
    for (step, t) in ctx.data.catalog.steps.iter().zip(&ctx.tallies) {
        row += 1;
        let p = sheet_prefix(step.sheet_name());
        let count = |r: Response| {
            Value::Formula(
                format!(
                    r#"=COUNTIFS({p}{resp}:{resp},"{}",{p}{sugg}:{sugg},"")"#,
                    r.label()
                ),
                Cached::Number(t.count(r) as f64),
            )
        };
        let counts = [
            Value::Formula(
                format!("=COUNTA({p}{key}:{key})-1"),
                Cached::Number(t.applicable as f64),
            ),
            count(Response::Yes),
            count(Response::Partial),
            count(Response::No),
            count(Response::NotApplicable),
            count(Response::Unknown),
        ];
        let mut cells = step_cells(row + 1, t, counts);
        cells.push(Cell::new(
            0,
            Value::string(step_label(step.number, &step.name)),
        ));
        w.write_row(row, &cells)?;
    }
    let total = ctx
        .tallies
        .iter()
        .fold(StepProgress::default(), |acc, t| acc.plus(t));
    let (a, b) = (first + 2, row + 1);
    let sum = |col: &str, x: usize| {
        Value::Formula(format!("=SUM({col}{a}:{col}{b})"), Cached::Number(x as f64))
    };
    let counts = [
        sum("B", total.applicable),
        sum("D", total.yes),
        sum("E", total.partial),
        sum("F", total.no),
        sum("G", total.na),
        sum("H", total.unknown),
    ];
    row += 1;
    let mut cells = step_cells(row + 1, &total, counts);
    cells.push(Cell::with(0, Value::text("Total"), Look::Bold));
    w.write_row(row, &cells)?;
    Ok(row)
}

/// A stacked bar chart of the step table's response columns, right of the table.
fn chart(w: &mut SheetWriter<'_>, header: u32, steps: usize) -> Result<(), ExportError> {
    let first = header + 1;
    let last = header + u32::try_from(steps).unwrap_or(0);
    let mut chart = Chart::new(ChartType::BarStacked);
    chart.title().set_name("Responses per step");
    chart.x_axis().set_reverse();
    for (col, colour) in SERIES {
        chart
            .add_series()
            .set_name((SHEET, header, col))
            .set_categories((SHEET, first, 0, last, 0))
            .set_values((SHEET, first, col, last, col))
            .set_format(ChartSolidFill::new().set_color(Color::RGB(colour)));
    }
    chart.set_width(720).set_height(380);
    w.insert_chart(header, 12, &chart)
}
