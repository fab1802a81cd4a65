//! Derived columns of control sheets and the register: never applied, and listed as ignored
//! (with the cell) when a filled copy no longer says what the app writes there. A formula's
//! result recalculated by the spreadsheet from edited cells (Risk Score = L × I, Risk Level from
//! the grid, the register's Impact = the highest dimension) is not an edit, and neither is a
//! formula cell left without its result (blank, or a text result saved as 0 by LibreOffice's
//! `.xls` filter).

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use super::report::{RowLines, shown};
use super::values::{cell_text, quote, same_cell};
use crate::export::layout::{CONTROL_COLUMNS, Column, REGISTER_COLUMNS, ctl, reg};
use crate::export::plan::{ControlRow, ExportData};
use crate::export::xlsx::{Cached, Value as CellValue};
use crate::import::changeset::Value;
use crate::risk::register::Finding;
use crate::risk::{RiskGrid, RiskLevel};

/// Control-sheet columns a row with no export row to compare with is still checked against:
/// those that come from the catalog (and the device's name and location on device rows).
pub(super) const CATALOG_COLUMNS: [u16; 6] = [4, 5, 13, 29, 30, 31];
/// Device Name and Location on control sheets.
pub(super) const NAME_COLUMNS: [u16; 2] = [1, 2];
/// Column G, Scope.
const SCOPE: u16 = 6;
/// Columns W–Y: owner, due date and status shown from the register.
const FROM_REGISTER: [u16; 3] = [22, 23, 24];

/// The derived cells of a file's row that do not say what the export writes on `written_by`'s
/// row: column → the text the export writes. Cells that agree (the common case) cost no copy.
fn mismatches(
    (index, width): (&HeaderIndex, usize),
    derived: &[(String, Value)],
    written_by: impl FnOnce(&mut dyn FnMut(u16, &CellValue<'_>)),
) -> HashMap<u16, String> {
    let mut by_col: Vec<Option<&Value>> = vec![None; width];
    for (header, v) in derived {
        if let Some(slot) = column_of(index, header).and_then(|c| by_col.get_mut(usize::from(c))) {
            *slot = Some(v);
        }
    }
    let mut seen = vec![false; width];
    let mut out = HashMap::new();
    written_by(&mut |col, v| {
        let i = usize::from(col);
        if let Some(s) = seen.get_mut(i) {
            *s = true;
        }
        if let Some(read) = by_col.get(i).copied().flatten() {
            let same = match v {
                CellValue::Text(t) => read.text == *t || same_cell(&read.text, t),
                CellValue::Empty => read.is_blank(),
                // A program that saves formulas without their results (openpyxl, some
                // converters) leaves a blank; LibreOffice's `.xls` export writes a text result it
                // did not recalculate as 0. Neither is an edit of the copy.
                CellValue::Formula(_, cached) => {
                    read.is_blank()
                        || (matches!(cached, Cached::Text(_)) && read.trimmed() == "0")
                        || same_cell(&read.text, &cell_text(v))
                }
                other => same_cell(&read.text, &cell_text(other)),
            };
            if !same {
                out.insert(col, cell_text(v));
            }
        }
    });
    for (i, read) in by_col.iter().enumerate() {
        if let (Some(read), Some(false)) = (read, seen.get(i))
            && !read.is_blank()
            && let Ok(col) = u16::try_from(i)
        {
            out.insert(col, String::new());
        }
    }
    out
}

/// The derived cells of a control row that differ from what the export writes on `row`:
/// column → the text it writes.
pub(super) fn control_cells(
    row: &ControlRow<'_>,
    data: &ExportData,
    derived: &[(String, Value)],
) -> HashMap<u16, String> {
    mismatches(
        (&CONTROL_HEADERS, CONTROL_COLUMNS.len()),
        derived,
        |visit| {
            crate::export::sheets::controls::visit_row(row, 1, data, visit);
        },
    )
}

/// The derived cells of a register row that differ from what the export writes for finding
/// `f`: column → the text it writes.
pub(super) fn register_cells(
    f: &Finding<'static>,
    ctx: &crate::export::sheets::Context<'_>,
    derived: &[(String, Value)],
) -> HashMap<u16, String> {
    mismatches(
        (&REGISTER_HEADERS, REGISTER_COLUMNS.len()),
        derived,
        |visit| {
            crate::export::sheets::register::visit_row(f, 1, ctx, visit);
        },
    )
}

/// A table's headers (lower-cased) → column, built once.
type HeaderIndex = LazyLock<HashMap<String, u16>>;

fn header_index(columns: &[Column]) -> HashMap<String, u16> {
    columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c.header.to_lowercase(), u16::try_from(i).ok()?)))
        .collect()
}

static CONTROL_HEADERS: HeaderIndex = LazyLock::new(|| header_index(&CONTROL_COLUMNS));
static REGISTER_HEADERS: HeaderIndex = LazyLock::new(|| header_index(&REGISTER_COLUMNS));

/// The column of `header` in `index` (case-insensitive, trimmed).
fn column_of(index: &HeaderIndex, header: &str) -> Option<u16> {
    index.get(&header.trim().to_lowercase()).copied()
}

/// The level name of (l, i) in any of `grids`.
fn levels(grids: &[RiskGrid], l: u8, i: u8) -> Vec<RiskLevel> {
    grids.iter().map(|g| g.level(l, i)).collect()
}

/// What the derived cells of one control row are checked against.
pub(super) struct ControlCheck<'a> {
    /// The cells that differ from what the export writes on this row ([`control_cells`]):
    /// column → what it writes.
    pub(super) written: &'a HashMap<u16, String>,
    /// Only these columns (a row the export does not have); `None` = every derived column.
    pub(super) only: Option<&'a [u16]>,
    /// Other texts a column may hold without being an edit (a device's name before and after
    /// the import's inventory changes).
    pub(super) also: HashMap<u16, Vec<String>>,
    /// A device's row: Scope may read `Device` or `Device (override)`.
    pub(super) device_row: bool,
    /// The likelihood and impact the file holds (a recalculated score and level follow them).
    pub(super) ratings: (Option<u8>, Option<u8>),
    /// The level grids a recalculated level may come from.
    pub(super) grids: &'a [RiskGrid],
}

/// Lists the derived cells of a control row that no longer say what the app writes.
pub(super) fn check_control(
    lines: &mut RowLines,
    derived: &[(String, Value)],
    check: &ControlCheck<'_>,
) {
    let (q, r) = check.ratings;
    let grids = check.grids;
    let device_row = check.device_row;
    for (header, v) in derived {
        let Some(col) = column_of(&CONTROL_HEADERS, header) else {
            continue;
        };
        if check.only.is_some_and(|cols| !cols.contains(&col)) {
            continue;
        }
        let Some(expected) = check.written.get(&col).map(String::as_str) else {
            continue;
        };
        if check
            .also
            .get(&col)
            .is_some_and(|texts| texts.iter().any(|t| same_cell(&v.text, t)))
        {
            continue;
        }
        let recalculated = match col {
            ctl::SCORE => match (q, r) {
                (Some(q), Some(r)) => {
                    same_cell(&v.text, &(u16::from(q) * u16::from(r)).to_string())
                }
                _ => v.is_blank(),
            },
            ctl::LEVEL => match (q, r) {
                (Some(q), Some(r)) => levels(grids, q, r)
                    .iter()
                    .any(|l| same_cell(&v.text, l.label())),
                _ => v.is_blank(),
            },
            SCOPE if device_row => ["Device", "Device (override)"]
                .iter()
                .any(|s| same_cell(&v.text, s)),
            _ => false,
        };
        if recalculated {
            continue;
        }
        let why = if FROM_REGISTER.contains(&col) {
            "shown from the risk register; edit it on the Risk Register sheet"
        } else {
            "derived, not applied"
        };
        let header = CONTROL_COLUMNS
            .get(usize::from(col))
            .map_or_else(|| header.clone(), |c| c.header.to_string());
        lines.ignore(
            &v.origin,
            format!(
                "{header} {}: {why} (medsec writes {})",
                quote(&v.text),
                shown(expected, true)
            ),
        );
    }
}

/// Checks the derived cells of a register row that differ from what the export writes
/// (`written`, from [`register_cells`]);
/// `residual` holds the residual likelihood and impact the file holds.
pub(super) fn check_register(
    lines: &mut RowLines,
    derived: &[(String, Value)],
    written: &HashMap<u16, String>,
    residual: (Option<u8>, Option<u8>),
    grids: &[RiskGrid],
) {
    let mut file: BTreeMap<u16, &Value> = BTreeMap::new();
    for (header, v) in derived {
        if let Some(col) = column_of(&REGISTER_HEADERS, header) {
            file.insert(col, v);
        }
    }
    let number = |col: u16| -> Option<u8> {
        let v = file.get(&col)?;
        let n: f64 = v.trimmed().parse().ok()?;
        (n.fract() == 0.0 && (1.0..=5.0).contains(&n)).then_some(n as u8)
    };
    let impact = number(reg::IMPACT);
    let likelihood = number(reg::LIKELIHOOD);
    for (col, v) in &file {
        let Some(expected) = written.get(col).map(String::as_str) else {
            continue;
        };
        let score = |a: Option<u8>, b: Option<u8>| match (a, b) {
            (Some(a), Some(b)) => same_cell(&v.text, &(u16::from(a) * u16::from(b)).to_string()),
            _ => v.is_blank(),
        };
        let level = |l: Option<u8>, i: Option<u8>| match (l, i) {
            (Some(l), Some(i)) => levels(grids, l, i)
                .iter()
                .any(|x| same_cell(&v.text, x.label())),
            _ => v.is_blank(),
        };
        let recalculated = match *col {
            reg::IMPACT => {
                let highest = [reg::SAFETY_IMPACT, reg::PHI_IMPACT, reg::OPERATIONS_IMPACT]
                    .into_iter()
                    .filter_map(number)
                    .max();
                highest.is_some_and(|h| same_cell(&v.text, &h.to_string()))
            }
            reg::SCORE => score(likelihood, impact),
            reg::LEVEL => level(likelihood, impact),
            reg::RESIDUAL_SCORE => score(residual.0, residual.1),
            reg::RESIDUAL_LEVEL => level(residual.0, residual.1),
            _ => false,
        };
        if recalculated {
            continue;
        }
        let why = match *col {
            reg::SAFETY_IMPACT
            | reg::PHI_IMPACT
            | reg::OPERATIONS_IMPACT
            | reg::IMPACT
            | reg::LIKELIHOOD => {
                "mirrors the answer; edit Likelihood and Impact on the control sheet"
            }
            _ => "derived, not applied",
        };
        let header = REGISTER_COLUMNS
            .get(usize::from(*col))
            .map_or_else(|| "?".to_string(), |c| c.header.to_string());
        lines.ignore(
            &v.origin,
            format!(
                "{header} {}: {why} (medsec writes {})",
                quote(&v.text),
                shown(expected, true)
            ),
        );
    }
}
