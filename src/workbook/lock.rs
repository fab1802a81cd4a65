//! The OS lock that keeps one writer per workbook (`File::try_lock`, released if the process
//! dies). Workbooks on network shares are not supported: their locks are not reliable.

use std::fs::{File, TryLockError};
use std::path::Path;

use super::WorkbookError;

/// Takes the exclusive lock; `WorkbookError::InUse` when another process holds any lock.
pub(super) fn exclusive(file: &File, path: &Path) -> Result<(), WorkbookError> {
    check(file.try_lock(), path, true)
}

/// Takes a shared lock; `WorkbookError::InUse` when another process holds the exclusive lock.
pub(super) fn shared(file: &File, path: &Path) -> Result<(), WorkbookError> {
    check(file.try_lock_shared(), path, false)
}

fn check(
    result: Result<(), TryLockError>,
    path: &Path,
    writing: bool,
) -> Result<(), WorkbookError> {
    match result {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(WorkbookError::InUse {
            path: path.to_path_buf(),
            writing,
        }),
        Err(TryLockError::Error(source)) => Err(WorkbookError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}
