//! Why an inventory file could not be read at all, and whether the fault is in the options.

use std::path::PathBuf;

use crate::import::sheet::SheetError;

/// Why an inventory file could not be read at all. Messages name the file, row or cell and say
/// what to do; [`InventoryError::is_usage`] tells a wrong option from a bad file.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file could not be read as a table.
    #[error(transparent)]
    Sheet(#[from] SheetError),
    /// `--map` names a field that does not exist.
    #[error(
        "--map \"{column}={key}\": `{key}` is not an inventory field; `medsec import inventory --help` lists the field keys"
    )]
    UnknownField {
        /// The column part of the `--map`.
        column: String,
        /// The bad key.
        key: String,
    },
    /// `--map` names a field computed by medsec.
    #[error("--map \"{column}={key}\": `{key}` is computed by medsec and cannot be imported")]
    NotSettable {
        /// The column part of the `--map`.
        column: String,
        /// The key.
        key: String,
    },
    /// Two `--map` options give one column different targets.
    #[error("--map gives column \"{column}\" two different fields; keep one")]
    ConflictingMap {
        /// The column.
        column: String,
    },
    /// `--map` names a column the header row does not have.
    #[error("{}: --map \"{column}=…\": the header row (row {header_row}) has no column \"{column}\"; its columns are: {}", .path.display(), .headers.join(", "))]
    MapColumnNotFound {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header row used.
        header_row: usize,
        /// The headers found.
        headers: Vec<String>,
    },
    /// `--map` names a header that several columns share.
    #[error("{}: --map \"{column}=…\": columns {} all have this header; name one by its letter, e.g. --map \"{}=…\"", .path.display(), .letters.join(", "), .letters.first().map_or("A", String::as_str))]
    AmbiguousMapColumn {
        /// The file.
        path: PathBuf,
        /// The header asked for.
        column: String,
        /// The columns that have it.
        letters: Vec<String>,
    },
    /// Two `--map` options put different columns into one field.
    #[error("{}: columns {} are all mapped to `{key}`; map only one (--map \"COLUMN=extra\" keeps another as an extra attribute)", .path.display(), .letters.join(", "))]
    DuplicateTarget {
        /// The file.
        path: PathBuf,
        /// The field.
        key: String,
        /// The columns.
        letters: Vec<String>,
    },
    /// The file is a manufacturer disclosure (MDS2) form, not an inventory.
    #[error("{}: this looks like an MDS2 manufacturer disclosure form (question IDs such as DOC-1 in the first column), not a device inventory; nothing was imported", .path.display())]
    LooksLikeMds2 {
        /// The file.
        path: PathBuf,
    },
    /// No header row was found.
    #[error("{}: no header row found in the first {scanned} rows (no row names two known columns); give --header-row N, and --map \"COLUMN=FIELD\" for the columns medsec does not recognise", .path.display())]
    NoHeaderRow {
        /// The file.
        path: PathBuf,
        /// How many rows were searched.
        scanned: usize,
    },
    /// `--header-row N` points at a row without text.
    #[error("{}: row {row} is empty, so it cannot be the header row; check --header-row (rows holding values: {})", .path.display(), .nearby)]
    EmptyHeaderRow {
        /// The file.
        path: PathBuf,
        /// The row asked for.
        row: usize,
        /// The first rows that do hold values.
        nearby: String,
    },
}

impl InventoryError {
    /// True when the fault is in the options (`--map`, `--header-row`, `--sheet`) rather than in
    /// the file: a usage error (exit 2) rather than an invalid input file (exit 4).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            InventoryError::UnknownField { .. }
                | InventoryError::NotSettable { .. }
                | InventoryError::ConflictingMap { .. }
                | InventoryError::MapColumnNotFound { .. }
                | InventoryError::AmbiguousMapColumn { .. }
                | InventoryError::DuplicateTarget { .. }
                | InventoryError::EmptyHeaderRow { .. }
                | InventoryError::Sheet(SheetError::SheetNotFound { .. })
        )
    }
}
