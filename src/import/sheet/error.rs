//! Why a file could not be read as a table, and the context that builds those errors.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::cell::column_letter;
use super::limits::Limits;

/// Why a file could not be read as a table. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file has no bytes.
    #[error("{} is empty (0 bytes); export or save the file again", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is over [`Limits::max_file_bytes`].
    #[error("{} is larger than {} MiB, the most medsec reads; split it into smaller files", .path.display(), .limit / (1024 * 1024))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are not a spreadsheet or delimited text; `what` says what they look like.
    #[error("{} is not a spreadsheet or CSV file ({what}); save it as .xlsx, .ods, .xls or .csv", .path.display())]
    NotATable {
        /// The file.
        path: PathBuf,
        /// What the bytes look like.
        what: String,
    },
    /// The bytes are not a spreadsheet workbook (xlsx, xls or ods) where one is required (a CSV
    /// file, a PDF, an image, ...); `what` says what they look like.
    #[error("{} is {what}, not a spreadsheet workbook; open it in a spreadsheet program and save it as .xlsx, .ods or .xls", .path.display())]
    NotAWorkbook {
        /// The file.
        path: PathBuf,
        /// What the bytes look like.
        what: String,
    },
    /// The file looks like `format` but could not be parsed.
    #[error("{} cannot be read as {format}: {detail}; it may be truncated or damaged: open it in a spreadsheet program and save it again", .path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The format it was read as.
        format: &'static str,
        /// The parser's complaint.
        detail: String,
    },
    /// The file breaks an input limit (a possible zip bomb, deep XML nesting, a DOCTYPE, a
    /// password, ...); `detail` says which.
    #[error("{} was refused: {detail}", .path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// Which limit, and what to do.
        detail: String,
    },
    /// A text cell is longer than [`Limits::max_text_chars`].
    #[error("{}: {cell} holds {chars} characters; a cell may hold at most {limit}; shorten it and try again", .path.display())]
    TextTooLong {
        /// The file.
        path: PathBuf,
        /// The cell, e.g. `K12` (CSV: `line 12, column 11 (K)`).
        cell: String,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// A value lies beyond [`Limits::max_rows`] or [`Limits::max_cols`].
    #[error("{}: {cell} holds a value beyond row {max_rows} or column {max_col}; remove it or move the data up and to the left", .path.display())]
    OutOfBounds {
        /// The file.
        path: PathBuf,
        /// The cell, e.g. `A2000001`.
        cell: String,
        /// The last row allowed.
        max_rows: usize,
        /// The last column allowed, as letters.
        max_col: String,
    },
    /// More non-empty cells than [`Limits::max_cells`].
    #[error("{} holds more than {limit} values; split it into smaller files", .path.display())]
    TooManyCells {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// The requested sheet does not exist; `sheets` lists those that do.
    #[error("{} has no sheet \"{name}\"; its sheets are: {}", .path.display(), .sheets.join(", "))]
    SheetNotFound {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The workbook's sheets.
        sheets: Vec<String>,
    },
    /// The workbook holds no worksheet.
    #[error("{} holds no worksheet", .path.display())]
    NoSheets {
        /// The file.
        path: PathBuf,
    },
}

impl SheetError {
    /// The error for a file over [`Limits::max_file_bytes`].
    pub(super) fn too_large(path: &Path, limits: &Limits) -> Self {
        SheetError::TooLarge {
            path: path.to_path_buf(),
            limit: limits.max_file_bytes,
        }
    }
}

/// The file being read and its limits, for error messages.
pub(super) struct Ctx<'a> {
    pub(super) path: &'a Path,
    pub(super) limits: &'a Limits,
}

impl Ctx<'_> {
    pub(super) fn damaged(&self, format: &'static str, detail: impl fmt::Display) -> SheetError {
        SheetError::Damaged {
            path: self.path.to_path_buf(),
            format,
            detail: detail.to_string(),
        }
    }

    pub(super) fn refused(&self, detail: impl Into<String>) -> SheetError {
        SheetError::Refused {
            path: self.path.to_path_buf(),
            detail: detail.into(),
        }
    }

    pub(super) fn not_a_table(&self, what: impl Into<String>) -> SheetError {
        SheetError::NotATable {
            path: self.path.to_path_buf(),
            what: what.into(),
        }
    }

    pub(super) fn out_of_bounds(&self, cell: String) -> SheetError {
        SheetError::OutOfBounds {
            path: self.path.to_path_buf(),
            cell,
            max_rows: self.limits.max_rows,
            max_col: column_letter(self.limits.max_cols.saturating_sub(1)),
        }
    }
}

/// Runs a parser, turning a panic inside it into a "damaged file" error: a hostile file must
/// never crash the program.
pub(super) fn guarded<T>(
    ctx: &Ctx<'_>,
    format: &'static str,
    f: impl FnOnce() -> Result<T, SheetError>,
) -> Result<T, SheetError> {
    crate::panic_guard::quietly(f)
        .unwrap_or_else(|_| Err(ctx.damaged(format, "the spreadsheet reader failed on it")))
}
