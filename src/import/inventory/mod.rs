//! An inventory file (a CMMS export, a hand-kept spreadsheet, a CSV) → device records.
//!
//! The file is read with [`super::sheet`] (xlsx, ods, xls or CSV, sniffed from the bytes). Then:
//!
//! - **Header row.** With `--header-row N` that row; otherwise, among the first
//!   [`HEADER_SCAN_ROWS`] rows with at least two non-empty text cells, the first one naming the
//!   most known columns (aliases in [`HEADER_ALIASES`], every field's header and key, and the
//!   columns named by `--map`). Title rows and merged group headers above it are skipped.
//! - **Columns.** Headers are compared after [`normalize_header`] (case, accents, spacing and
//!   punctuation ignored). A header equal to an alias maps to its field; failing that, a header
//!   that starts with an alias of two or more words does (`Código de inventario interno…` →
//!   `asset_tag`). `--map "COLUMN=FIELD"` overrides: COLUMN is a header (or, when no header
//!   matches, a column letter such as `K`); FIELD is a field key (kebab-case accepted), `extra`
//!   to keep the column as an extra attribute, or `-` / `ignore` to drop it. Each field takes one
//!   column: a second column that looks like the same field is kept as an extra attribute, with a
//!   warning. Columns of computed fields (`Device ID`, `Steps Compliance %`, ...) are dropped.
//!   Every other column is kept as an extra attribute under its header.
//! - **Values.** Each cell's text ([`CellValue::to_text`]: numbers keep all their digits, no
//!   `.0`) is trimmed and normalised by [`FieldDef::normalize`]. Spreadsheet dates fill date
//!   fields; a plain number in a date field is read as a date serial (1900 or 1904 system of the
//!   workbook) unless it looks like a year alone, which is rejected. In yes/no fields `Sí`, `Ja`,
//!   `Oui`, `Sim`, `TRUE`, `1` and their negatives are understood. A placeholder (`N/A`, `NI`,
//!   `-`, `No tiene`, `Unknown`, ...) counts as empty where it is not a valid value, and always
//!   in `asset_tag`, `serial_number` and `udi_di` (so such values never match two devices on
//!   re-import); each column's placeholders are reported in one warning.
//! - **Rows.** Completely empty rows are skipped silently. A row with a value that does not fit
//!   its field (a bad date, a bad IP, a value not in the field's list, a spreadsheet error) is
//!   rejected whole, naming the cell, the column and the value. A row without a name is named
//!   after `manufacturer model`, else its host name, asset tag, serial number, IP or MAC (with a
//!   warning); a row with none of these is rejected because nothing identifies the device.
//!
//! Files: the header aliases (`aliases`) and how headers are recognised (`recognise`), the
//! header row (`header`), the columns (`mapping`), data rows (`rows`) and their values
//! (`values`), and the errors (`error`).
//!
//! [`CellValue::to_text`]: sheet::CellValue::to_text
//! [`FieldDef::normalize`]: crate::device::fields::FieldDef::normalize

mod aliases;
mod error;
mod header;
mod mapping;
mod recognise;
mod rows;
#[cfg(test)]
mod tests;
mod values;

use std::path::Path;

use super::sheet::{self, Table, TableFormat};
use crate::progress::{NoProgress, Progress};

pub use self::aliases::HEADER_ALIASES;
pub use self::error::InventoryError;
pub use self::header::HEADER_SCAN_ROWS;
pub use self::mapping::ColumnMapping;
pub use self::recognise::{field_for_header, normalize_header};
pub use self::rows::{InventoryRow, RejectedRow};

use self::header::{find_header, repeats_header};
use self::mapping::{map_columns, parse_targets};
use self::recognise::alias_table;
use self::rows::RowReader;

/// What `read_inventory` is told on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryOptions {
    /// `--sheet NAME`: the sheet to read (default: the first worksheet; ignored for CSV).
    pub sheet: Option<String>,
    /// `--header-row N`: the 1-based row (for CSV: the line) holding the column headers.
    pub header_row: Option<usize>,
    /// `--map "COLUMN=FIELD"` pairs, in order: a column header (or letter) and a field key,
    /// `extra`, or `-` / `ignore`.
    pub map: Vec<(String, String)>,
}

/// An inventory file read and checked, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryFile {
    /// The file's format.
    pub format: TableFormat,
    /// The sheet read (`None` for CSV).
    pub sheet: Option<String>,
    /// The header row (for CSV: its line).
    pub header_row: usize,
    /// Every column with a header or a value, in column order.
    pub columns: Vec<ColumnMapping>,
    /// The rows that can be imported.
    pub rows: Vec<InventoryRow>,
    /// The rows that cannot.
    pub rejected: Vec<RejectedRow>,
    /// Things the user should know that do not reject a row (placeholders read as empty,
    /// numbers possibly damaged by a spreadsheet, derived names, columns not used).
    pub warnings: Vec<String>,
}

/// Reads an inventory file (xlsx, ods, xls or CSV) into device rows.
///
/// Errors: [`InventoryError`] when the file cannot be read at all, no header row is found, or an
/// option is wrong (see [`InventoryError::is_usage`]). Rows with bad values are not errors: they
/// are listed in [`InventoryFile::rejected`].
pub fn read_inventory(
    path: &Path,
    opts: &InventoryOptions,
) -> Result<InventoryFile, InventoryError> {
    read_inventory_with_progress(path, opts, &mut NoProgress)
}

/// [`read_inventory`], reporting to `progress`: [`Stage::Reading`] in bytes read of the file's
/// size, then [`Stage::Parsing`] (no units) while the sheet is read and its rows are checked.
///
/// Errors: as [`read_inventory`].
pub fn read_inventory_with_progress(
    path: &Path,
    opts: &InventoryOptions,
    progress: &mut dyn Progress,
) -> Result<InventoryFile, InventoryError> {
    let table = sheet::read_table_with_progress(path, opts.sheet.as_deref(), progress)?;
    inventory_from_table(&table, path, opts)
}

/// [`read_inventory`] on a table already read; `path` names the file in messages.
pub fn inventory_from_table(
    table: &Table,
    path: &Path,
    opts: &InventoryOptions,
) -> Result<InventoryFile, InventoryError> {
    let aliases = alias_table();
    let targets = parse_targets(opts)?;
    let header = find_header(table, path, opts, &aliases)?;
    let (columns, mut warnings) = map_columns(table, header, path, &targets, &aliases)?;
    let mut reader = RowReader::new(table, &columns);
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut repeats = Vec::new();
    for row in table.rows.iter().filter(|r| r.number > header.number) {
        if row.is_blank() {
            continue;
        }
        if repeats_header(row, header) {
            repeats.push(row.number.to_string());
            continue;
        }
        match reader.read(row) {
            Ok(r) => rows.push(r),
            Err(r) => rejected.push(r),
        }
    }
    if !repeats.is_empty() {
        warnings.push(format!(
            "{} repeat{} the header row and {} skipped: {}",
            plural(repeats.len(), "row"),
            if repeats.len() == 1 { "s" } else { "" },
            if repeats.len() == 1 { "was" } else { "were" },
            repeats.join(", ")
        ));
    }
    warnings.extend(reader.warnings(table.format));
    Ok(InventoryFile {
        format: table.format,
        sheet: table.sheet.clone(),
        header_row: header.number,
        columns,
        rows,
        rejected,
        warnings,
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
