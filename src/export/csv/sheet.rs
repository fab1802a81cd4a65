//! One file of the CSV export as the sheet writer fills it: the sink behind
//! [`SheetWriter::csv`](crate::export::xlsx::SheetWriter::csv).
//!
//! Form (RFC 4180 with a BOM): UTF-8 starting with the byte order mark `EF BB BF` (so Excel
//! reads it as UTF-8), no `sep=` line, fields separated by `,`, quoted only when they hold a
//! `,`, a `"` or a line end, records ended by CRLF, line ends inside a cell as LF. Every record
//! of a file has the same number of fields: a tabular sheet's columns, else its widest row.
//! Record N is the sheet's row N+1: a row left empty between rows with values is an empty
//! record, so a cell keeps its row and column; empty rows after the last value are left out.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::export::ExportError;
use crate::export::xlsx::CellHasher;

/// The UTF-8 byte order mark every file starts with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Text for a CSV cell, safe to open in a spreadsheet: a text that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return — which Excel, LibreOffice and Google Sheets would take for
/// the start of a formula — gets a leading `'` (OWASP "CSV Injection"). Only text goes through
/// this: a number is written as a number, so a negative number stays `-3`.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The file name of the sheet at `index` (0-based) of the export: its position from `01`,
/// `-`, then the sheet name with every character that some operating system refuses in a file
/// name (`< > : " / \ | ? *` and control characters) replaced by `_` and trailing dots and
/// spaces dropped, then `.csv` — e.g. `07-3 Encryption.csv`. The number keeps the files in
/// workbook order and keeps names such as `CON` from being reserved on Windows.
pub fn file_name(index: usize, sheet: &str) -> String {
    let safe: String = sheet
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let safe = safe.trim_end_matches(['.', ' ']);
    format!("{:02}-{safe}.csv", index + 1)
}

/// What one finished file holds, for the read-back check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// File name (see [`file_name`]).
    pub name: String,
    /// Records written, the header row included.
    pub records: u32,
    /// SHA-256 (hex) of the fields as written, in the canonical form of
    /// [`CellHasher`] (record index as the row, field index as the column, empty fields left
    /// out).
    pub sha256: String,
}

/// One CSV file being written row by row.
pub struct CsvSheet {
    /// The path named in errors (the file in the output folder).
    shown: PathBuf,
    out: csv::Writer<BufWriter<File>>,
    /// Fields per record, once known (a tabular sheet's header sets it).
    width: Option<usize>,
    /// The fields of the row being written; the first `used` are set.
    row: Vec<String>,
    used: usize,
    has_value: bool,
    /// The sheet row expected next; rows skipped become empty records.
    next_row: u32,
    /// Empty rows not written yet: written only when a row with a value follows.
    pending_empty: u32,
    /// Rows of a sheet without a table header, written on close at the widest row's width.
    buffered: Vec<Vec<String>>,
    records: u32,
    hasher: CellHasher,
}

impl CsvSheet {
    /// Creates the file at `path` (it must not exist; owner-only on Unix) and writes the BOM;
    /// `shown` is the path errors name.
    ///
    /// Errors: `ExportError::Io`.
    pub fn create(path: &Path, shown: PathBuf) -> Result<CsvSheet, ExportError> {
        let io = |source| ExportError::Io {
            path: shown.clone(),
            source,
        };
        let mut options = File::options();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = BufWriter::new(options.open(path).map_err(io)?);
        file.write_all(BOM).map_err(io)?;
        let out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(file);
        Ok(CsvSheet {
            shown,
            out,
            width: None,
            row: Vec::new(),
            used: 0,
            has_value: false,
            next_row: 0,
            pending_empty: 0,
            buffered: Vec::new(),
            records: 0,
            hasher: CellHasher::default(),
        })
    }

    /// Fixes the number of fields of every record (a tabular sheet's columns).
    pub fn set_width(&mut self, width: usize) {
        self.width = Some(width.max(1));
    }

    /// Starts sheet row `row` (0-based, increasing); rows skipped since the last are empty.
    pub fn start_row(&mut self, row: u32) {
        self.pending_empty += row.saturating_sub(self.next_row);
        self.next_row = row.saturating_add(1);
        for field in self.row.iter_mut().take(self.used) {
            field.clear();
        }
        self.used = 0;
        self.has_value = false;
    }

    /// Sets a field of the current row (cells come in column order; an empty text is no value).
    pub fn cell(&mut self, col: u16, text: &str) {
        if text.is_empty() {
            return;
        }
        let col = usize::from(col);
        if self.row.len() <= col {
            self.row.resize_with(col + 1, String::new);
        }
        if let Some(field) = self.row.get_mut(col) {
            field.clear();
            field.push_str(text);
        }
        self.used = self.used.max(col + 1);
        self.has_value = true;
    }

    /// Ends the current row: written at once when the width is known, else kept until
    /// [`CsvSheet::close`].
    ///
    /// Errors: `ExportError::Io`; `ExportError::Internal` when a row is wider than the header.
    pub fn end_row(&mut self) -> Result<(), ExportError> {
        if !self.has_value {
            self.pending_empty += 1;
            return Ok(());
        }
        match self.width {
            Some(width) => {
                if self.used > width {
                    return Err(ExportError::Internal(format!(
                        "{}: a row has {} fields, the header {width}",
                        self.shown.display(),
                        self.used
                    )));
                }
                for _ in 0..self.pending_empty {
                    self.emit_empty(width)?;
                }
                self.pending_empty = 0;
                let row = std::mem::take(&mut self.row);
                let written = self.emit(row.iter().take(width).map(String::as_str), width);
                self.row = row;
                written
            }
            None => {
                for _ in 0..self.pending_empty {
                    self.buffered.push(Vec::new());
                }
                self.pending_empty = 0;
                self.buffered.push(self.row[..self.used].to_vec());
                Ok(())
            }
        }
    }

    /// Writes what is still buffered and closes the file; `name` is its file name.
    ///
    /// Errors: `ExportError::Io`.
    pub fn close(mut self, name: String) -> Result<CsvFile, ExportError> {
        let buffered = std::mem::take(&mut self.buffered);
        let width = buffered.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for row in &buffered {
            self.emit(row.iter().map(String::as_str), width)?;
        }
        let shown = self.shown;
        let io = |source| ExportError::Io {
            path: shown.clone(),
            source,
        };
        let file = self
            .out
            .into_inner()
            .map_err(|e| io(std::io::Error::new(e.error().kind(), e.error().to_string())))?;
        file.into_inner()
            .map_err(|e| io(std::io::Error::new(e.error().kind(), e.error().to_string())))?;
        Ok(CsvFile {
            name,
            records: self.records,
            sha256: self.hasher.finish(),
        })
    }

    /// Writes one record of `width` fields (`fields` padded with empty ones) and hashes it.
    fn emit<'f>(
        &mut self,
        fields: impl Iterator<Item = &'f str>,
        width: usize,
    ) -> Result<(), ExportError> {
        let mut n = 0usize;
        for (col, field) in fields.enumerate() {
            if !field.is_empty() {
                self.hasher
                    .add(self.records, u16::try_from(col).unwrap_or(u16::MAX), field);
            }
            self.out.write_field(field).map_err(|e| self.io(e))?;
            n += 1;
        }
        for _ in n..width {
            self.out.write_field("").map_err(|e| self.io(e))?;
        }
        self.out
            .write_record(None::<&[u8]>)
            .map_err(|e| self.io(e))?;
        self.records += 1;
        Ok(())
    }

    fn emit_empty(&mut self, width: usize) -> Result<(), ExportError> {
        self.emit(std::iter::empty(), width)
    }

    fn io(&self, e: csv::Error) -> ExportError {
        let source = match e.into_kind() {
            csv::ErrorKind::Io(e) => e,
            other => std::io::Error::other(format!("{other:?}")),
        };
        ExportError::Io {
            path: self.shown.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_other_text_is_not() {
        for risky in ["=1+2", "+41 79", "-3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(risky), format!("'{risky}"));
        }
        for safe in ["Yes", "3", "a=b", " =1", "'quoted", "", "Dräger 東芝"] {
            assert_eq!(neutralise(safe), safe);
        }
    }

    #[test]
    fn file_names_keep_order_and_are_safe_everywhere() {
        assert_eq!(file_name(6, "3 Encryption"), "07-3 Encryption.csv");
        assert_eq!(file_name(17, "_medsec"), "18-_medsec.csv");
        assert_eq!(
            file_name(0, "a<b>:c\"d/e\\f|g?h*i\u{1}j. "),
            "01-a_b__c_d_e_f_g_h_i_j.csv"
        );
        assert_eq!(file_name(0, "CON"), "01-CON.csv");
    }
}
