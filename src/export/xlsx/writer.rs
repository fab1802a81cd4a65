//! The row-by-row sheet writer: rows strictly increasing (as rust_xlsxwriter's `constant_memory`
//! mode requires), every cell typed through [`Value`], and for every sheet its row count, cell
//! hash and sample cells recorded for `_medsec` and the read-back check.
//!
//! One writer feeds either sink: a worksheet of the `.xlsx` export, or one file of the CSV
//! export ([`CsvSheet`]). The sheet writers under `sheets/` do not know which: the cells, and
//! the canonical text hashed for `_medsec`, are the same for both; only presentation (widths,
//! colours, drop-downs, frozen panes, the chart, hiding `_medsec`) is left out of a CSV file.

use std::borrow::Cow;

use chrono::NaiveDate;
use rust_xlsxwriter::{
    Chart, ConditionalFormatCell, ConditionalFormatCellRule, DataValidation,
    DataValidationErrorStyle, ExcelDateTime, Formula, Worksheet, column_number_to_name,
};

use super::canonical::{CellHasher, push_number};
use super::{
    Cached, Cell, Look, MAX_ROW, MAX_TEXT_UTF16, Styles, Value, cell_ref, clean_cell_text,
    excel_date, level_format,
};
use crate::export::ExportError;
use crate::export::csv::{CsvSheet, neutralise};
use crate::export::layout::{Column, LISTS_SHEET, ListId};
use crate::risk::RiskLevel;

/// What a finished sheet looked like, for `_medsec` and the read-back check.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRecord {
    /// Sheet name.
    pub name: String,
    /// Rows below the header row, up to the last row with a value.
    pub rows: u32,
    /// SHA-256 (hex) of the canonical cell text, stamps left out.
    pub sha256: String,
    /// Canonical text of the cells of rows 1, 2 and the last row: (row, col, text).
    pub samples: Vec<(u32, u16, String)>,
    /// Cells left out of the hash.
    pub stamps: Vec<(u32, u16)>,
}

/// Where a [`SheetWriter`]'s cells go.
enum Sink<'w> {
    /// A worksheet of the `.xlsx` export, with the shared formats.
    Xlsx(&'w mut Worksheet, &'w Styles),
    /// One file of the CSV export.
    Csv(&'w mut CsvSheet),
}

/// A cell's value once cleaned and checked, before it goes to the sink.
enum Prepared<'v> {
    Text(Cow<'v, str>),
    Number(f64),
    Date(ExcelDateTime, NaiveDate),
    DateTime(ExcelDateTime, chrono::NaiveDateTime),
    Formula(&'v str, &'v Cached),
}

/// Writes one sheet row by row (rows strictly increasing, as `constant_memory` requires), to a
/// worksheet ([`SheetWriter::new`]) or a CSV file ([`SheetWriter::csv`]).
pub struct SheetWriter<'w> {
    sink: Sink<'w>,
    name: String,
    read_only: Vec<bool>,
    hasher: CellHasher,
    next_row: u32,
    last_row: u32,
    samples: Vec<(u32, u16, String)>,
    /// Canonical text of the cell being written.
    text: String,
    /// Cells of the row being written (the first `cur_len`) and of the last row with a value.
    cur: Vec<(u16, String)>,
    cur_len: usize,
    last: Vec<(u16, String)>,
    last_len: usize,
    stamps: Vec<(u32, u16)>,
    /// Called after every row written, when set.
    on_row: Option<&'w mut dyn FnMut()>,
}

impl<'w> SheetWriter<'w> {
    /// Names the worksheet and prepares the writer.
    pub fn new(
        ws: &'w mut Worksheet,
        styles: &'w Styles,
        name: &str,
    ) -> Result<SheetWriter<'w>, ExportError> {
        ws.set_name(name).map_err(|e| ExportError::xlsx(name, e))?;
        // A blank-guarded formula's cached result is "" (rust_xlsxwriter's default is 0, which
        // readers that do not recalculate would show).
        ws.set_formula_result_default("");
        Ok(SheetWriter::with_sink(Sink::Xlsx(ws, styles), name))
    }

    /// A writer whose rows go to one file of the CSV export: values only (formulas as their
    /// cached results, dates as `YYYY-MM-DD`), nothing of the presentation.
    pub fn csv(sheet: &'w mut CsvSheet, name: &str) -> SheetWriter<'w> {
        SheetWriter::with_sink(Sink::Csv(sheet), name)
    }

    fn with_sink(sink: Sink<'w>, name: &str) -> SheetWriter<'w> {
        SheetWriter {
            sink,
            name: name.to_string(),
            read_only: Vec::new(),
            hasher: CellHasher::default(),
            next_row: 0,
            last_row: 0,
            samples: Vec::new(),
            text: String::new(),
            cur: Vec::new(),
            cur_len: 0,
            last: Vec::new(),
            last_len: 0,
            stamps: Vec::new(),
            on_row: None,
        }
    }

    /// Calls `on_row` after every row this writer writes (the header row too), for progress.
    pub fn count_rows(mut self, on_row: &'w mut dyn FnMut()) -> SheetWriter<'w> {
        self.on_row = Some(on_row);
        self
    }

    /// The worksheet, when writing `.xlsx`.
    fn worksheet(&mut self) -> Option<&mut Worksheet> {
        match &mut self.sink {
            Sink::Xlsx(ws, _) => Some(ws),
            Sink::Csv(_) => None,
        }
    }

    /// Sets column widths, in Excel character units (`.xlsx` only).
    pub fn column_widths(&mut self, widths: &[(u16, f64)]) -> Result<(), ExportError> {
        let name = self.name.clone();
        if let Some(ws) = self.worksheet() {
            for (col, width) in widths {
                ws.set_column_width(*col, *width)
                    .map_err(|e| ExportError::xlsx(&name, e))?;
            }
        }
        Ok(())
    }

    /// Freezes the rows above `row` and the columns left of `col` (`.xlsx` only).
    pub fn freeze_panes(&mut self, row: u32, col: u16) -> Result<(), ExportError> {
        let name = self.name.clone();
        if let Some(ws) = self.worksheet() {
            ws.set_freeze_panes(row, col)
                .map_err(|e| ExportError::xlsx(&name, e))?;
        }
        Ok(())
    }

    /// Hides the sheet so that only a program can show it again (`.xlsx` only; `_medsec`).
    pub fn very_hidden(&mut self) {
        if let Some(ws) = self.worksheet() {
            ws.set_very_hidden(true);
        }
    }

    /// Places a chart with its top left corner at `row`, `col` (`.xlsx` only).
    pub fn insert_chart(&mut self, row: u32, col: u16, chart: &Chart) -> Result<(), ExportError> {
        let name = self.name.clone();
        if let Some(ws) = self.worksheet() {
            ws.insert_chart(row, col, chart)
                .map_err(|e| ExportError::xlsx(&name, e))?;
        }
        Ok(())
    }

    /// Sets up a tabular sheet: header row (bold, frozen), widths, hidden and grey read-only
    /// columns, drop-down validations from `Lists` over every row below the header. `freeze_col`
    /// is the first column that scrolls. In CSV the header row fixes the number of fields of
    /// every row.
    pub fn table(&mut self, columns: &[Column], freeze_col: u16) -> Result<(), ExportError> {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            let col = u16::try_from(i).map_err(|_| self.err_text("too many columns"))?;
            cells.push(Cell::with(col, Value::text(&c.header), Look::Header));
            let Sink::Xlsx(ws, styles) = &mut self.sink else {
                continue;
            };
            ws.set_column_width(col, c.width)
                .map_err(|e| ExportError::xlsx(&self.name, e))?;
            if !c.editable {
                ws.set_column_format(col, &styles.grey)
                    .map_err(|e| ExportError::xlsx(&self.name, e))?;
            }
            if c.hidden {
                ws.set_column_hidden(col)
                    .map_err(|e| ExportError::xlsx(&self.name, e))?;
            }
            if let Some(list) = c.list {
                self.list_validation(col, list, c.open_list)?;
            }
        }
        if let Sink::Csv(sheet) = &mut self.sink {
            sheet.set_width(columns.len());
        }
        self.read_only = columns.iter().map(|c| !c.editable).collect();
        self.write_row(0, &cells)?;
        self.freeze_panes(1, freeze_col)
    }

    /// Adds a drop-down from a `Lists` column to every row below the header of `col`. An open
    /// list warns instead of refusing other values (`.xlsx` only).
    pub fn list_validation(
        &mut self,
        col: u16,
        list: ListId,
        open: bool,
    ) -> Result<(), ExportError> {
        let Sink::Xlsx(ws, styles) = &mut self.sink else {
            return Ok(());
        };
        let letter = column_number_to_name(list.column());
        let len = styles.list_lens.get(usize::from(list.column())).copied();
        let last = len.and_then(|n| u32::try_from(n).ok()).unwrap_or(1).max(1) + 1;
        let source = format!("={LISTS_SHEET}!${letter}$2:${letter}${last}");
        let mut v = DataValidation::new()
            .allow_list_formula(Formula::new(source))
            .ignore_blank(true);
        if open {
            v = v.set_error_style(DataValidationErrorStyle::Warning);
        }
        ws.add_data_validation(1, col, MAX_ROW, col, &v)
            .map_err(|e| ExportError::xlsx(&self.name, e))?;
        Ok(())
    }

    /// Colours a column below the header by risk level name (conditional formats with the
    /// matrix colours; the level's name is in the cell, so colour is never the only signal).
    pub fn level_colours(&mut self, col: u16) -> Result<(), ExportError> {
        self.level_colours_range(1, col, MAX_ROW, col)
    }

    /// Colours a block of cells (rows and columns 0-based, inclusive) by the risk level name
    /// they hold, with conditional formats in the matrix colours (`.xlsx` only).
    pub fn level_colours_range(
        &mut self,
        first_row: u32,
        first_col: u16,
        last_row: u32,
        last_col: u16,
    ) -> Result<(), ExportError> {
        let name = self.name.clone();
        let Some(ws) = self.worksheet() else {
            return Ok(());
        };
        for level in RiskLevel::ALL {
            let cf = ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::EqualTo(level.label()))
                .set_format(level_format(level));
            ws.add_conditional_format(first_row, first_col, last_row, last_col, &cf)
                .map_err(|e| ExportError::xlsx(&name, e))?;
        }
        Ok(())
    }

    /// Turns the autofilter on over the header row and the rows written, columns `0..=last_col`
    /// (`.xlsx` only).
    pub fn autofilter(&mut self, last_col: u16) -> Result<(), ExportError> {
        let last_row = self.last_row;
        let name = self.name.clone();
        if let Some(ws) = self.worksheet() {
            ws.autofilter(0, 0, last_row, last_col)
                .map_err(|e| ExportError::xlsx(&name, e))?;
        }
        Ok(())
    }

    /// Marks a cell as a stamp (left out of the hash); call before writing its row.
    pub fn stamp(&mut self, row: u32, col: u16) {
        self.stamps.push((row, col));
    }

    /// Writes one row. Rows must be written in increasing order; cells are written in column
    /// order whatever their order in `cells`. A `.xlsx` sheet ends at Excel's 1,048,576 rows
    /// (`TooManyRows`); a CSV file has no such limit.
    pub fn write_row(&mut self, row: u32, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        if row > MAX_ROW && matches!(self.sink, Sink::Xlsx(..)) {
            return Err(ExportError::TooManyRows {
                path: Default::default(),
                sheet: self.name.clone(),
            });
        }
        if row < self.next_row {
            return Err(self.err_text(&format!("row {} written out of order", row + 1)));
        }
        self.next_row = row + 1;
        self.cur_len = 0;
        if let Sink::Csv(sheet) = &mut self.sink {
            sheet.start_row(row);
        }
        if cells.windows(2).all(|w| w[0].col < w[1].col) {
            for cell in cells {
                self.write_and_record(row, cell)?;
            }
        } else {
            let mut order: Vec<&Cell<'_>> = cells.iter().collect();
            order.sort_by_key(|c| c.col);
            for cell in order {
                self.write_and_record(row, cell)?;
            }
        }
        if let Sink::Csv(sheet) = &mut self.sink {
            sheet.end_row()?;
        }
        if self.cur_len > 0 {
            self.last_row = row;
            if row <= 1 {
                let cur = &self.cur[..self.cur_len];
                self.samples
                    .extend(cur.iter().map(|(c, t)| (row, *c, t.clone())));
            }
            std::mem::swap(&mut self.cur, &mut self.last);
            self.last_len = self.cur_len;
        }
        if let Some(on_row) = self.on_row.as_mut() {
            on_row();
        }
        Ok(())
    }

    /// Writes a cell and, when it holds a value, hashes it and keeps its text for the samples
    /// (reusing the row buffers, so a long sheet allocates nothing per cell here).
    fn write_and_record(&mut self, row: u32, cell: &Cell<'_>) -> Result<(), ExportError> {
        if !self.write_cell(row, cell)? {
            return Ok(());
        }
        if self.stamps.is_empty() || !self.stamps.contains(&(row, cell.col)) {
            self.hasher.add(row, cell.col, &self.text);
        }
        match self.cur.get_mut(self.cur_len) {
            Some(slot) => {
                slot.0 = cell.col;
                slot.1.clear();
                slot.1.push_str(&self.text);
            }
            None => self.cur.push((cell.col, self.text.clone())),
        }
        self.cur_len += 1;
        Ok(())
    }

    /// Writes a cell; puts its canonical text in `self.text` and returns whether it holds a
    /// value.
    fn write_cell(&mut self, row: u32, cell: &Cell<'_>) -> Result<bool, ExportError> {
        self.text.clear();
        let prepared = match &cell.value {
            Value::Empty => return Ok(false),
            Value::Text(t) => {
                let t = clean_cell_text(t);
                if t.is_empty() {
                    return Ok(false);
                }
                if t.len() > MAX_TEXT_UTF16 && t.encode_utf16().count() > MAX_TEXT_UTF16 {
                    return Err(ExportError::CellTooLong {
                        path: Default::default(),
                        sheet: self.name.clone(),
                        cell: cell_ref(row, cell.col),
                    });
                }
                Prepared::Text(t)
            }
            Value::Number(n) => Prepared::Number(*n),
            Value::Date(d) => match excel_date(*d, None) {
                Some(dt) => Prepared::Date(dt, *d),
                None => return self.write_cell(row, &text_cell(cell, d.to_string())),
            },
            Value::DateTime(t) => match excel_date(t.date(), Some(*t)) {
                Some(dt) => Prepared::DateTime(dt, *t),
                None => {
                    let text = t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
                    return self.write_cell(row, &text_cell(cell, text));
                }
            },
            Value::Formula(f, cached) => Prepared::Formula(f.as_str(), cached),
        };
        match &prepared {
            Prepared::Text(t) => self.text.push_str(t),
            Prepared::Number(n) => push_number(&mut self.text, *n),
            Prepared::Date(dt, _) | Prepared::DateTime(dt, _) => {
                push_number(&mut self.text, dt.to_excel());
            }
            Prepared::Formula(_, Cached::Blank) => {}
            Prepared::Formula(_, Cached::Number(n)) => push_number(&mut self.text, *n),
            Prepared::Formula(_, Cached::Text(t)) => self.text.push_str(t),
        }
        let name = &self.name;
        match &mut self.sink {
            Sink::Xlsx(ws, styles) => {
                let ro = self
                    .read_only
                    .get(usize::from(cell.col))
                    .copied()
                    .unwrap_or(false);
                write_xlsx(ws, styles, row, cell, ro, &prepared, &self.text)
                    .map_err(|e| ExportError::xlsx(name, e))?;
            }
            Sink::Csv(sheet) => sheet.cell(cell.col, &prepared_csv_text(&prepared, &self.text)),
        }
        Ok(!self.text.is_empty())
    }

    /// Finishes the sheet: the record for `_medsec` and the read-back check.
    pub fn finish(self) -> SheetRecord {
        let mut samples = self.samples;
        for (c, t) in self.last.into_iter().take(self.last_len) {
            let cell = (self.last_row, c, t);
            if !samples.contains(&cell) {
                samples.push(cell);
            }
        }
        SheetRecord {
            name: self.name,
            rows: self.last_row,
            sha256: self.hasher.finish(),
            samples,
            stamps: self.stamps,
        }
    }

    fn err_text(&self, what: &str) -> ExportError {
        ExportError::Internal(format!("sheet `{}`: {what}", self.name))
    }
}

/// Writes a prepared cell to a worksheet: text always as a string, numbers and dates typed, a
/// formula with its cached result (`text`, the canonical text). Cells in a read-only column
/// (`ro`) get the grey variant of a date or percent format; text and numbers there get the
/// column's grey format from rust_xlsxwriter when written without one (cheaper than a format
/// per cell).
fn write_xlsx(
    ws: &mut Worksheet,
    s: &Styles,
    row: u32,
    cell: &Cell<'_>,
    ro: bool,
    prepared: &Prepared<'_>,
    text: &str,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let ri = usize::from(ro);
    let fixed = match cell.look {
        Look::Auto => None,
        Look::Header => Some(&s.header),
        Look::Bold => Some(&s.bold),
        Look::Marking => Some(&s.marking),
        Look::Level(l) => Some(s.level(l)),
        Look::Percent => Some(&s.percent[ri]),
    };
    let col = cell.col;
    match prepared {
        Prepared::Text(t) => match fixed {
            Some(f) => ws.write_string_with_format(row, col, t.as_ref(), f),
            None => ws.write_string(row, col, t.as_ref()),
        }
        .map(|_| ()),
        Prepared::Number(n) => match fixed {
            Some(f) => ws.write_number_with_format(row, col, *n, f),
            None => ws.write_number(row, col, *n),
        }
        .map(|_| ()),
        Prepared::Date(dt, _) => {
            let f = fixed.unwrap_or(&s.date[ri]);
            ws.write_datetime_with_format(row, col, dt, f).map(|_| ())
        }
        Prepared::DateTime(dt, _) => {
            let f = fixed.unwrap_or(&s.datetime[ri]);
            ws.write_datetime_with_format(row, col, dt, f).map(|_| ())
        }
        Prepared::Formula(f, _) => {
            let formula = Formula::new(*f).set_result(text);
            match fixed {
                Some(fmt) => ws.write_formula_with_format(row, col, formula, fmt),
                None => ws.write_formula(row, col, formula),
            }
            .map(|_| ())
        }
    }
}

/// A prepared cell's text in a CSV file: text neutralised against formula injection
/// ([`neutralise`]), numbers in their canonical form (`3`, `0.75`, `-3`), dates `YYYY-MM-DD`,
/// date-times `YYYY-MM-DDTHH:MM:SSZ` (UTC), formulas as their cached result.
fn prepared_csv_text<'t>(prepared: &'t Prepared<'_>, canonical: &'t str) -> Cow<'t, str> {
    match prepared {
        Prepared::Text(t) => neutralise(t),
        Prepared::Number(_) | Prepared::Formula(_, Cached::Number(_) | Cached::Blank) => {
            Cow::Borrowed(canonical)
        }
        Prepared::Formula(_, Cached::Text(t)) => neutralise(t),
        Prepared::Date(_, d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
        Prepared::DateTime(_, t) => Cow::Owned(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    }
}

fn text_cell<'a>(cell: &Cell<'_>, text: String) -> Cell<'a> {
    Cell::with(cell.col, Value::string(text), cell.look)
}
