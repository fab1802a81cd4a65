//! Safe reading of a tabular file — xlsx, ods, xls or CSV — into rows of cells.
//!
//! The format is sniffed from the bytes, never from the file name: a zip archive holding
//! `xl/workbook.xml` is xlsx, one whose `mimetype` member says
//! `application/vnd.oasis.opendocument.spreadsheet` is ods, an OLE2 compound file is xls, and
//! anything else that decodes as text is CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM or
//! Windows-1252; `,` `;` tab or `|` delimited).
//!
//! Hostile files are refused before a spreadsheet parser sees them (PRODUCT.md "Input limits",
//! all values in [`Limits`]): the file size; for zip-based formats the central directory (member
//! count, total uncompressed size, per-member compression ratio) and then every member is
//! decompressed once to check that it is no larger than declared, that no XML nests deeper than
//! 100 levels and that no XML carries a DOCTYPE. A sheet's declared dimension is ignored: xlsx is
//! read with calamine's streaming cell reader and only cells with a value are kept; an ods sheet
//! is measured from its XML before calamine expands it.
//! A text cell over 32,767 characters, or a value beyond row 2,000,000 or column 16,384, is an
//! error that names the cell. Formulas are never evaluated (their cached values are read) and
//! nothing is fetched.
//!
//! calamine reserves memory from a few declared sizes and expands some formats densely, so
//! those are measured first: an xlsx shared-string table's `uniqueCount`, each ods sheet's extent
//! (repeated rows and columns included) and, for xls, each sheet's declared DIMENSIONS and the
//! bounding box of its cells (read with a small compound-file reader). A sheet spanning more
//! than [`Limits::max_dense_cells`] is refused.
//!
//! [`read_sheets`] reads every sheet of one spreadsheet (not CSV) under the same checks, with
//! each sheet's visibility, merged cells, formula cells without a cached value and, for xlsx, the
//! hash `export xlsx` records for it.
//!
//! One concept per file: [`Limits`] (`limits`), the table model (`table`, `cell`), the errors
//! (`error`), format sniffing (`sniff`), the zip checks before calamine (`zip_limits`,
//! `xml_scan`, `ods_extent`, `xlsx_merges`), the xls checks (`ole2`, `xls_guard`), the calamine readers
//! (`spreadsheet`, `from_calamine`), all sheets of one file (`sheets`) and CSV (`csv`).

mod cell;
mod csv;
mod error;
#[cfg(test)]
pub(crate) mod fixtures;
mod from_calamine;
mod limits;
mod ods_extent;
mod ole2;
mod sheets;
mod sniff;
mod spreadsheet;
mod table;
#[cfg(test)]
mod tests;
mod xls_guard;
mod xlsx_merges;
mod xml_scan;
mod zip_limits;

use std::io::{self, Read};
use std::path::Path;

use crate::progress::{NoProgress, Progress, ProgressReader, Stage};

pub use self::cell::{CellValue, POSSIBLY_DAMAGED_NOTE, cell_address, column_letter};
pub use self::csv::{CsvDialect, TextEncoding};
pub use self::error::SheetError;
pub use self::limits::Limits;
pub use self::sheets::{
    HashStamp, MergedCells, SheetContent, SheetVisibility, SpreadsheetFile, read_sheets,
    read_sheets_from_bytes,
};
pub use self::sniff::read_table_from_bytes;
pub use self::table::{Cell, Row, Table, TableFormat};

/// Reads the first worksheet (or the sheet named `sheet`) of a spreadsheet, or a CSV file, with
/// the default [`Limits`].
///
/// Errors: [`SheetError`] — unreadable, empty, too large, not a table, damaged, refused by an
/// input limit, a cell too long or out of bounds, or (with `sheet`) a missing sheet, listing
/// the workbook's sheets. `sheet` is ignored for CSV.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table, SheetError> {
    read_table_with_limits(path, sheet, &Limits::default())
}

/// [`read_table`] with explicit limits.
pub fn read_table_with_limits(
    path: &Path,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Table, SheetError> {
    let bytes = read_file(path, limits, &mut NoProgress)?;
    read_table_from_bytes(&bytes, path, sheet, limits)
}

/// [`read_table`], reporting to `progress`: [`Stage::Reading`] in bytes read of the file's size,
/// then [`Stage::Parsing`] (no units) while the sheet's cells are read from those bytes.
///
/// Errors: as [`read_table`].
pub fn read_table_with_progress(
    path: &Path,
    sheet: Option<&str>,
    progress: &mut dyn Progress,
) -> Result<Table, SheetError> {
    let limits = Limits::default();
    let bytes = read_file(path, &limits, progress)?;
    progress.stage(Stage::Parsing);
    read_table_from_bytes(&bytes, path, sheet, &limits)
}

/// Reads the file into memory, refusing directories and anything over the size limit (reading
/// stops one byte past it, so devices and pipes are safe too). Reports [`Stage::Reading`] in
/// bytes to `progress`.
fn read_file(
    path: &Path,
    limits: &Limits,
    progress: &mut dyn Progress,
) -> Result<Vec<u8>, SheetError> {
    let io_err = |source| SheetError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::other("it is a directory, not a file")));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(SheetError::too_large(path, limits));
    }
    progress.stage(Stage::Reading);
    let mut bytes = Vec::new();
    ProgressReader::new(file, meta.len(), progress)
        .take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(SheetError::too_large(path, limits));
    }
    Ok(bytes)
}
