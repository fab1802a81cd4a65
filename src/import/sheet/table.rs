//! The table model (a format, sheets, sparse rows of cells) and the builder that collects
//! cells into rows under the cell limits.

use std::collections::BTreeMap;
use std::fmt;

use super::cell::{CellValue, cell_address, column_letter};
use super::csv::CsvDialect;
use super::error::{Ctx, SheetError};

/// The kind of file a table was read from (sniffed from its bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Office Open XML workbook (also xlsm).
    Xlsx,
    /// Legacy Excel 97–2003 workbook (BIFF in an OLE2 compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Delimited text.
    Csv,
}

impl TableFormat {
    /// A short lowercase name: `xlsx`, `xls`, `ods`, `csv`.
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Xlsx => "xlsx",
            TableFormat::Xls => "xls",
            TableFormat::Ods => "ods",
            TableFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One non-empty cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// 0-based column index (0 = `A`); see [`column_letter`].
    pub col: usize,
    /// The value (never [`CellValue::Empty`]).
    pub value: CellValue,
}

/// One row that holds at least one value.
///
/// Cells are kept sparse (only those with a value, sorted by column), so a sheet whose values
/// sit far apart cannot make the reader allocate its whole bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based row number in the sheet, or for CSV the 1-based line on which the record starts.
    pub number: usize,
    /// The non-empty cells, sorted by column, one per column.
    pub cells: Vec<Cell>,
}

static EMPTY_CELL: CellValue = CellValue::Empty;

impl Row {
    /// The value in 0-based column `col` ([`CellValue::Empty`] when there is none).
    pub fn get(&self, col: usize) -> &CellValue {
        match self.cells.binary_search_by_key(&col, |c| c.col) {
            Ok(i) => self.cells.get(i).map_or(&EMPTY_CELL, |c| &c.value),
            Err(_) => &EMPTY_CELL,
        }
    }

    /// One past the last column holding a value (0 for a row without cells).
    pub fn width(&self) -> usize {
        self.cells.last().map_or(0, |c| c.col + 1)
    }

    /// True when every cell is blank (see [`CellValue::is_blank`]).
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.value.is_blank())
    }
}

/// A table read from a file: the chosen sheet's rows (rows without values are left out; row
/// numbers keep their position in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file's format, sniffed from its bytes.
    pub format: TableFormat,
    /// The sheet read (`None` for CSV).
    pub sheet: Option<String>,
    /// Every sheet of the workbook, in order (empty for CSV).
    pub sheets: Vec<String>,
    /// For CSV: the encoding and delimiter found.
    pub csv: Option<CsvDialect>,
    /// True when the workbook uses the 1904 date system (xlsx and xls; dates in
    /// [`CellValue::Date`] are already resolved, this matters only for date serial numbers
    /// stored as plain numbers).
    pub date1904: bool,
    /// The rows holding at least one value, in row order.
    pub rows: Vec<Row>,
}

/// Collects non-empty cells into sparse rows, enforcing the cell limits.
pub(super) struct RowsBuilder<'a> {
    ctx: &'a Ctx<'a>,
    csv: bool,
    /// The sheet named in cell addresses, when a file's sheets are read together.
    sheet: Option<&'a str>,
    rows: BTreeMap<usize, Vec<Cell>>,
    count: usize,
}

impl<'a> RowsBuilder<'a> {
    pub(super) fn new(ctx: &'a Ctx<'a>, csv: bool) -> Self {
        RowsBuilder {
            ctx,
            csv,
            sheet: None,
            rows: BTreeMap::new(),
            count: 0,
        }
    }

    /// A builder for one sheet of a workbook whose sheets are read together: errors name the
    /// sheet (`sheet "3 Encryption" cell K12`).
    pub(super) fn for_sheet(ctx: &'a Ctx<'a>, sheet: &'a str) -> Self {
        RowsBuilder {
            sheet: Some(sheet),
            ..RowsBuilder::new(ctx, false)
        }
    }

    fn address(&self, number: usize, col: usize) -> String {
        if self.csv {
            format!("line {number}, column {} ({})", col + 1, column_letter(col))
        } else if let Some(sheet) = self.sheet {
            format!("sheet \"{sheet}\" cell {}", cell_address(number, col))
        } else {
            format!("cell {}", cell_address(number, col))
        }
    }

    pub(super) fn push(
        &mut self,
        number: usize,
        col: usize,
        value: CellValue,
    ) -> Result<(), SheetError> {
        if value == CellValue::Empty {
            return Ok(());
        }
        let limits = self.ctx.limits;
        if number > limits.max_rows || col >= limits.max_cols {
            return Err(self.ctx.out_of_bounds(self.address(number, col)));
        }
        if let CellValue::Text(s) = &value {
            // Cheap byte test first: a string of at most `max` bytes has at most `max` chars.
            if s.len() > limits.max_text_chars {
                let chars = s.chars().count();
                if chars > limits.max_text_chars {
                    return Err(SheetError::TextTooLong {
                        path: self.ctx.path.to_path_buf(),
                        cell: self.address(number, col),
                        chars,
                        limit: limits.max_text_chars,
                    });
                }
            }
        }
        self.count += 1;
        if self.count > limits.max_cells {
            return Err(SheetError::TooManyCells {
                path: self.ctx.path.to_path_buf(),
                limit: limits.max_cells,
            });
        }
        self.rows
            .entry(number)
            .or_default()
            .push(Cell { col, value });
        Ok(())
    }

    pub(super) fn finish(self) -> Vec<Row> {
        self.rows
            .into_iter()
            .map(|(number, mut cells)| {
                // Keep the last value written to a column (stable sort after reversing).
                cells.reverse();
                cells.sort_by_key(|c| c.col);
                cells.dedup_by_key(|c| c.col);
                Row { number, cells }
            })
            .collect()
    }
}
