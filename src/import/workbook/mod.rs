//! Reading a filled copy of the exported template (`.xlsx`, `.xls` or `.ods`, sniffed from the
//! bytes) into a [`Changeset`] (TEMPLATE.md "Reading a filled copy back").
//!
//! INTERFACE STUB: the reader is being written on branch `issue5-wbreader`; this signature is
//! the contract the planner and the CLI build against.

use std::path::Path;

use super::changeset::Changeset;
use super::sheet::{Limits, SheetError};
use crate::progress::Progress;

/// Reads every sheet of the template copy at `path` into a [`Changeset`].
///
/// Errors: [`SheetError`] for a file that cannot be read as a spreadsheet at all (empty, not a
/// spreadsheet, damaged, refused by an input limit).
pub fn read(
    path: &Path,
    limits: &Limits,
    progress: &mut dyn Progress,
) -> Result<Changeset, SheetError> {
    let _ = (limits, progress);
    Err(SheetError::NotATable {
        path: path.to_path_buf(),
        what: "the workbook reader is not built yet".into(),
    })
}
