//! Telling a full disk (or a file size limit) from other failures to write the workbook, so
//! that the user is told what to do (PRODUCT.md "Nothing is lost"; issue 7).
//!
//! SQLite reports a write that found no room as `SQLITE_FULL` when the operating system said
//! `ENOSPC` or wrote only part of a page; a write refused outright for another reason — `EFBIG`
//! past the process's file size limit (`RLIMIT_FSIZE`, `ulimit -f`) — comes back as
//! `SQLITE_IOERR_WRITE` with no errno attached (rusqlite does not expose
//! `sqlite3_system_errno`). Such a write, fsync or truncate failure counts as a full disk only
//! when this process has a file size limit or the workbook's file system has less than
//! [`LOW_SPACE_BYTES`] free for it; anything else stays a database error.
//!
//! Either way SQLite rolled the transaction back (or left a hot journal that the next opening
//! rolls back), so nothing of the change that failed is in the workbook.

use std::path::Path;

use rusqlite::ErrorCode;
use rusqlite::ffi;

/// Below this many bytes free for an unprivileged user (`statvfs` `f_bavail × f_frsize`), a
/// failed write is put down to a full disk: 1 MiB.
pub const LOW_SPACE_BYTES: u64 = 1 << 20;

/// Whether `error`, raised while working on the workbook at `path`, means that the disk (or the
/// process's file size limit) had no room for the change.
pub(super) fn is_disk_full(path: &Path, error: &rusqlite::Error) -> bool {
    let rusqlite::Error::SqliteFailure(failure, _) = error else {
        return false;
    };
    match failure.code {
        ErrorCode::DiskFull => true,
        ErrorCode::SystemIoFailure => {
            is_write_failure(failure.extended_code) && (size_limited() || low_space(path))
        }
        _ => false,
    }
}

/// Like [`is_disk_full`] for an error raised while writing a new copy of the workbook (backup,
/// rekey) at `path`. `sqlcipher_export` reports a failed write as a plain `SQLITE_ERROR`
/// carrying SQLite's message (`disk I/O error`, `database or disk is full`) without the code
/// behind it, so such an error — or any I/O error — counts as a full disk when it says the
/// disk is full, or when this process has a file size limit or the copy's file system is short
/// of room.
pub(super) fn is_disk_full_writing_copy(path: &Path, error: &rusqlite::Error) -> bool {
    if is_disk_full(path, error) {
        return true;
    }
    let rusqlite::Error::SqliteFailure(failure, message) = error else {
        return false;
    };
    let message = message.as_deref().unwrap_or_default();
    if message == "database or disk is full" {
        return true;
    }
    let io_failure = failure.code == ErrorCode::SystemIoFailure || message == "disk I/O error";
    io_failure && (size_limited() || low_space(path))
}

/// The extended I/O error codes of writing: write, fsync of a file or its folder, truncate.
fn is_write_failure(extended_code: i32) -> bool {
    [
        ffi::SQLITE_IOERR_WRITE,
        ffi::SQLITE_IOERR_FSYNC,
        ffi::SQLITE_IOERR_DIR_FSYNC,
        ffi::SQLITE_IOERR_TRUNCATE,
    ]
    .contains(&extended_code)
}

/// Whether this process may not write files past some size (`RLIMIT_FSIZE` is not infinite).
#[cfg(unix)]
fn size_limited() -> bool {
    rustix::process::getrlimit(rustix::process::Resource::Fsize)
        .current
        .is_some()
}

#[cfg(not(unix))]
fn size_limited() -> bool {
    false
}

/// Whether the file system holding `path` has less than [`LOW_SPACE_BYTES`] free for us.
#[cfg(unix)]
fn low_space(path: &Path) -> bool {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    rustix::fs::statvfs(folder)
        .map(|s| s.f_bavail.saturating_mul(s.f_frsize) < LOW_SPACE_BYTES)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn low_space(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_full_is_a_full_disk() {
        assert!(is_disk_full(
            Path::new("w.medsec"),
            &failure(ffi::SQLITE_FULL)
        ));
    }

    #[test]
    fn other_errors_are_not() {
        let path = Path::new("w.medsec");
        assert!(!is_disk_full(path, &failure(ffi::SQLITE_CONSTRAINT)));
        assert!(!is_disk_full(path, &failure(ffi::SQLITE_BUSY)));
        assert!(!is_disk_full(path, &failure(ffi::SQLITE_IOERR_READ)));
        assert!(!is_disk_full(path, &rusqlite::Error::QueryReturnedNoRows));
    }

    #[test]
    fn an_export_that_reports_a_full_disk_in_its_message_is_one() {
        let path = Path::new("w.medsec");
        let said = |text: &str| {
            rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_ERROR), Some(text.into()))
        };
        assert!(is_disk_full_writing_copy(
            path,
            &said("database or disk is full")
        ));
        assert!(!is_disk_full_writing_copy(path, &said("no such table: x")));
        let dir = std::env::temp_dir().join("w.medsec");
        if !size_limited() && !low_space(&dir) {
            assert!(!is_disk_full_writing_copy(&dir, &said("disk I/O error")));
        }
    }

    #[test]
    fn a_write_error_is_a_full_disk_only_without_room() {
        // The test process has no file size limit and its temporary folder has room.
        let dir = std::env::temp_dir().join("w.medsec");
        if !size_limited() && !low_space(&dir) {
            assert!(!is_disk_full(&dir, &failure(ffi::SQLITE_IOERR_WRITE)));
        }
        assert!(is_write_failure(ffi::SQLITE_IOERR_WRITE));
        assert!(is_write_failure(ffi::SQLITE_IOERR_FSYNC));
        assert!(!is_write_failure(ffi::SQLITE_IOERR_READ));
    }
}
