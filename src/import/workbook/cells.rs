//! One sheet's cells as the import reads them: a cell's text in the form of
//! [`Value::text`](crate::import::changeset::Value) and its [`Origin`], with the cells that cannot
//! be read faithfully (an error value, a formula without a cached value, a cell hidden under a
//! merged range) turned into [`Problem`]s that name the cell.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{NaiveTime, Timelike};

use crate::import::changeset::{Origin, Problem, Value};
use crate::import::sheet::{CellValue, MergedCells, Row, SheetContent};

/// A cell's text: strings as stored (not trimmed); numbers in their shortest decimal (`3`, not
/// `3.0`; [`CellValue::to_text`]); dates `YYYY-MM-DD`, date-times RFC 3339 in UTC
/// (`2026-03-01T10:15:00Z`; spreadsheets keep no time zone and medsec writes UTC); booleans
/// `Yes` / `No`; empty `""`. An error value (`#N/A`, `#REF!`) is `Err` with its code.
pub(super) fn cell_text(value: &CellValue) -> Result<String, String> {
    match value {
        CellValue::Empty => Ok(String::new()),
        CellValue::Text(s) => Ok(s.clone()),
        CellValue::Int(_) | CellValue::Float(_) => Ok(value.to_text()),
        CellValue::Bool(true) => Ok("Yes".to_string()),
        CellValue::Bool(false) => Ok("No".to_string()),
        CellValue::Date(t) if t.time() == NaiveTime::MIN => Ok(t.format("%Y-%m-%d").to_string()),
        CellValue::Date(t) => {
            let t = t.with_nanosecond(0).unwrap_or(*t);
            Ok(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        CellValue::Error(e) => Err(e.clone()),
    }
}

/// One sheet, ready to be read cell by cell.
pub(super) struct SheetView<'a> {
    /// The sheet.
    pub(super) content: &'a SheetContent,
    formula_blanks: HashSet<(usize, usize)>,
    /// For each row that holds values, the merged ranges that cover it below or right of their
    /// top-left cell.
    covered: HashMap<usize, Vec<MergedCells>>,
    /// The sheet's name, shared by every origin on it.
    name: Arc<str>,
}

impl<'a> SheetView<'a> {
    pub(super) fn new(content: &'a SheetContent) -> SheetView<'a> {
        let mut covered: HashMap<usize, Vec<MergedCells>> = HashMap::new();
        for m in &content.merged {
            // Only rows that hold values are ever read.
            let start = content.rows.partition_point(|r| r.number < m.first_row);
            let rows = content.rows.get(start..).unwrap_or_default();
            for row in rows.iter().take_while(|r| r.number <= m.last_row) {
                covered.entry(row.number).or_default().push(*m);
            }
        }
        SheetView {
            content,
            formula_blanks: content.formula_blanks.iter().copied().collect(),
            covered,
            name: Arc::from(content.name.as_str()),
        }
    }

    /// The origin of the cell at 1-based `row`, 0-based `col`.
    pub(super) fn cell(&self, row: usize, col: usize) -> Origin {
        Origin::Cell {
            sheet: Arc::clone(&self.name),
            row: u32::try_from(row).unwrap_or(u32::MAX),
            col: u16::try_from(col).unwrap_or(u16::MAX),
        }
    }

    /// The origin of the whole row `row` (1-based).
    pub(super) fn row(&self, row: usize) -> Origin {
        Origin::Row {
            sheet: Arc::clone(&self.name),
            row: u32::try_from(row).unwrap_or(u32::MAX),
        }
    }

    /// The origin of the whole sheet.
    pub(super) fn sheet(&self) -> Origin {
        Origin::Sheet {
            sheet: Arc::clone(&self.name),
        }
    }

    /// Whether the cell holds a formula whose cached value is blank.
    pub(super) fn has_formula(&self, row: usize, col: usize) -> bool {
        self.formula_blanks.contains(&(row, col))
    }

    /// The merged range hiding the cell (covering it without starting at it), if any.
    fn merged_over(&self, row: usize, col: usize) -> Option<&MergedCells> {
        self.covered
            .get(&row)?
            .iter()
            .find(|m| m.contains(row, col) && (m.first_row, m.first_col) != (row, col))
    }

    /// Reads a cell of a column the import applies or matches on. A cell that cannot be read
    /// faithfully gives a [`Problem`] naming it and `None`: an error value, a formula whose
    /// cached value is blank (formulas are never evaluated), a cell covered by a merged range
    /// (its value is in the range's top-left cell only, so reading it as blank would clear it).
    pub(super) fn read(&self, row: &Row, col: usize, problems: &mut Vec<Problem>) -> Option<Value> {
        let origin = self.cell(row.number, col);
        if let Some(m) = self.merged_over(row.number, col) {
            problems.push(Problem {
                origin,
                reason: format!(
                    "part of merged cells {m}, whose value is in {} only; unmerge them and give every row its own value",
                    crate::import::sheet::cell_address(m.first_row, m.first_col)
                ),
            });
            return None;
        }
        if self.formula_blanks.contains(&(row.number, col)) {
            problems.push(Problem {
                origin,
                reason: "a formula without a cached value (formulas are never evaluated); type the value instead".to_string(),
            });
            return None;
        }
        match cell_text(row.get(col)) {
            Ok(text) => Some(Value::new(text, origin)),
            Err(code) => {
                problems.push(Problem {
                    origin,
                    reason: format!(
                        "the error value {code}; type the value instead of a formula that fails"
                    ),
                });
                None
            }
        }
    }

    /// Reads a derived cell (one the import ignores but lists when edited): its text whatever it
    /// holds, an error value as its code (`#N/A`).
    pub(super) fn derived(&self, row: &Row, col: usize) -> Value {
        let text = cell_text(row.get(col)).unwrap_or_else(|code| code);
        Value::new(text, self.cell(row.number, col))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn cells_read_as_their_text() {
        let t = |v: CellValue| cell_text(&v);
        assert_eq!(t(CellValue::Float(3.0)), Ok("3".into()));
        assert_eq!(t(CellValue::Float(2.5)), Ok("2.5".into()));
        assert_eq!(t(CellValue::Int(4)), Ok("4".into()));
        assert_eq!(t(CellValue::Text(" yes ".into())), Ok(" yes ".into()));
        assert_eq!(t(CellValue::Bool(true)), Ok("Yes".into()));
        assert_eq!(t(CellValue::Bool(false)), Ok("No".into()));
        assert_eq!(t(CellValue::Empty), Ok(String::new()));
        assert_eq!(t(CellValue::Error("#N/A".into())), Err("#N/A".into()));
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        assert_eq!(
            t(CellValue::Date(day.and_time(NaiveTime::MIN))),
            Ok("2026-03-01".into())
        );
        let stamp = day.and_hms_opt(10, 15, 0).unwrap_or_default();
        assert_eq!(t(CellValue::Date(stamp)), Ok("2026-03-01T10:15:00Z".into()));
    }
}
