//! The risk blocks of `Summary`: open risks by inherent and residual level with the overdue,
//! expired, uncontrolled patient-safety and closed counts; the heat map; the top ten. The
//! figures are the TUI dashboard's on the same findings (`Context::dashboard`), cached in
//! formulas over `Risk Register` (the uncontrolled count is a value: see [`levels`]).

use rust_xlsxwriter::column_number_to_name;

use super::header_row;
use crate::export::ExportError;
use crate::export::layout::{REGISTER_SHEET, reg};
use crate::export::sheets::Context;
use crate::export::xlsx::{Cached, Cell, Look, SheetWriter, Value, sheet_prefix};
use crate::risk::RiskLevel;

/// `COUNTIFS` of the register's open rows (Status Open or In Progress) that also meet
/// `criteria` (`range,criterion` pairs, already joined).
fn open_countifs(criteria: &str) -> String {
    let p = sheet_prefix(REGISTER_SHEET);
    let status = column_number_to_name(reg::STATUS);
    let open = |s: &str| format!(r#"COUNTIFS({criteria},{p}{status}:{status},"{s}")"#);
    format!("={}+{}", open("Open"), open("In Progress"))
}

/// A register column as a whole-column range, e.g. `'Risk Register'!L:L`.
fn register_column(col: u16) -> String {
    let c = column_number_to_name(col);
    format!("{}{c}:{c}", sheet_prefix(REGISTER_SHEET))
}

/// Open risks by inherent and residual level, the open total, then overdue, expired,
/// uncontrolled patient-safety and closed risks. The inherent figures, the open total and
/// overdue are the dashboard's (the TUI's); all but the uncontrolled patient-safety count are
/// formulas over `Risk Register`.
pub(super) fn levels(
    w: &mut SheetWriter<'_>,
    ctx: &Context<'_>,
    first: u32,
) -> Result<u32, ExportError> {
    header_row(w, first, &["Open risks by level", "Inherent", "Residual"])?;
    let d = &ctx.dashboard;
    let reg_counts = &ctx.register;
    let by_level = |col: u16, level: RiskLevel, n: usize| {
        Value::Formula(
            open_countifs(&format!(r#"{},"{}""#, register_column(col), level.label())),
            Cached::Number(n as f64),
        )
    };
    let mut row = first;
    for (i, level) in RiskLevel::ALL.iter().enumerate() {
        row += 1;
        w.write_row(
            row,
            &[
                Cell::with(0, Value::text(level.label()), Look::Level(*level)),
                Cell::new(1, by_level(reg::LEVEL, *level, d.by_level[i])),
                Cell::new(
                    2,
                    by_level(reg::RESIDUAL_LEVEL, *level, reg_counts.residual_by_level[i]),
                ),
            ],
        )?;
    }
    // 1-based sheet rows of the level rows and of the total row below "Not rated".
    let (a, b, total) = (first + 2, row + 1, row + 3);
    let not_rated = |col: &str, n: usize| {
        Value::Formula(
            format!("={col}{total}-SUM({col}{a}:{col}{b})"),
            Cached::Number(n as f64),
        )
    };
    row += 1;
    w.write_row(
        row,
        &[
            Cell::with(0, Value::text("Not rated"), Look::Bold),
            Cell::new(1, not_rated("B", d.unrated)),
            Cell::new(2, not_rated("C", reg_counts.residual_unrated)),
        ],
    )?;
    let p = sheet_prefix(REGISTER_SHEET);
    let status = column_number_to_name(reg::STATUS);
    let open_total = || {
        Value::Formula(
            format!(
                r#"=COUNTIF({p}{status}:{status},"Open")+COUNTIF({p}{status}:{status},"In Progress")"#
            ),
            Cached::Number(d.open as f64),
        )
    };
    row += 1;
    w.write_row(
        row,
        &[
            Cell::with(0, Value::text("Open risks"), Look::Bold),
            Cell::new(1, open_total()),
            Cell::new(2, open_total()),
        ],
    )?;
    let count_if = |col: u16, what: &str, n: usize| {
        Value::Formula(
            format!(r#"=COUNTIF({},"{what}")"#, register_column(col)),
            Cached::Number(n as f64),
        )
    };
    let as_of = ctx.opts.as_of.format("%Y-%m-%d");
    let rows = [
        (
            format!("Overdue (open, due before {as_of})"),
            count_if(reg::OVERDUE, "Yes", d.overdue),
        ),
        (
            format!("Expired acceptances (review date before {as_of})"),
            count_if(reg::EXPIRED, "Yes", reg_counts.expired),
        ),
        // Not a formula: the patient-safety impact of a finding rated with one impact number
        // is its devices' default, which the register sheet does not show.
        (
            "Uncontrolled patient-safety risks (rule on Risk Matrix)".to_string(),
            Value::Number(reg_counts.uncontrolled_safety as f64),
        ),
        (
            "Closed risks".to_string(),
            count_if(reg::STATUS, "Closed", d.closed),
        ),
    ];
    row += 1;
    for (label, value) in rows {
        row += 1;
        w.write_row(
            row,
            &[
                Cell::with(0, Value::string(label), Look::Bold),
                Cell::new(1, value),
            ],
        )?;
    }
    Ok(row)
}

/// The heat map: open risks by likelihood (rows 5 → 1) and impact (columns 1 → 5), each cell a
/// `COUNTIFS` over the register with the dashboard's count cached, coloured by the workbook's
/// grid.
pub(super) fn heat_map(
    w: &mut SheetWriter<'_>,
    ctx: &Context<'_>,
    first: u32,
) -> Result<u32, ExportError> {
    let (l_col, i_col) = (
        register_column(reg::LIKELIHOOD),
        register_column(reg::IMPACT),
    );
    crate::export::sheets::matrix::write_grid(
        w,
        first,
        "Open risks: likelihood ↓ / impact →",
        &ctx.data.grid,
        |r, c, _| {
            let (l, i) = (5 - r, c + 1);
            Value::Formula(
                open_countifs(&format!("{l_col},{l},{i_col},{i}")),
                Cached::Number(ctx.dashboard.heat[r][c] as f64),
            )
        },
    )?;
    Ok(first + 5)
}

/// Headers of the top ten.
const TOP_HEADERS: [&str; 12] = [
    "Top ten open risks",
    "Device ID",
    "Control ID",
    "Likelihood",
    "Impact",
    "Score",
    "Level",
    "Residual Level",
    "Owner",
    "Due Date",
    "Status",
    "Risk Description",
];

/// The dashboard's top ten open risks (PRODUCT.md order) as values, with the Risk IDs of the
/// register.
pub(super) fn top_ten(
    w: &mut SheetWriter<'_>,
    ctx: &Context<'_>,
    first: u32,
) -> Result<u32, ExportError> {
    header_row(w, first, &TOP_HEADERS)?;
    let mut row = first;
    let level = |l: Option<RiskLevel>| {
        l.map_or((Value::Empty, Look::Auto), |l| {
            (Value::text(l.label()), Look::Level(l))
        })
    };
    for f in &ctx.dashboard.top {
        row += 1;
        let (inherent, inherent_look) = level(f.level());
        let (residual, residual_look) = level(f.residual_level());
        w.write_row(
            row,
            &[
                Cell::new(0, f.entry.risk_id().map_or(Value::Empty, Value::string)),
                Cell::new(1, Value::string(ctx.target_id(f))),
                Cell::new(2, Value::text(&f.control.id)),
                Cell::new(3, Value::opt_number(f.likelihood)),
                Cell::new(4, Value::opt_number(f.impact)),
                Cell::new(5, Value::opt_number(f.score())),
                Cell::with(6, inherent, inherent_look),
                Cell::with(7, residual, residual_look),
                Cell::new(8, Value::text(&f.entry.owner)),
                Cell::new(9, Value::opt_date(f.due_date())),
                Cell::new(10, Value::text(f.entry.status.label())),
                Cell::new(11, Value::string(f.description())),
            ],
        )?;
    }
    if ctx.dashboard.top.is_empty() {
        row += 1;
        w.write_row(row, &[Cell::new(0, Value::text("No open risks"))])?;
    }
    Ok(row)
}
