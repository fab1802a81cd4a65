//! Reading an `export json` file back into a [`Changeset`].
//!
//! INTERFACE STUB: the reader is being written on branch `issue5-interchange`; this signature is
//! the contract the planner and the CLI build against.

use std::path::{Path, PathBuf};

use super::changeset::Changeset;
use crate::progress::Progress;

/// Why an `export json` file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The file could not be read.
    #[error("cannot read {}: {detail}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

/// Reads the `export json` file at `path` into a [`Changeset`] (origins are JSON Pointers).
///
/// Errors: [`JsonError`].
pub fn read(path: &Path, progress: &mut dyn Progress) -> Result<Changeset, JsonError> {
    let _ = progress;
    Err(JsonError::Unreadable {
        path: path.to_path_buf(),
        detail: "the JSON reader is not built yet".into(),
    })
}
