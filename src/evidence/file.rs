//! Reading a file to attach: only a regular file (never a folder, a FIFO, a device or a socket),
//! refused as soon as it is known to be over the limit (by its size, before it is opened, and
//! again while reading, so a file that grows or lies about its size is never read past the
//! limit), hashed (SHA-256) and typed (see [`super::media`]).

use std::fs::{self, File, FileType};
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::media::media_type;
use super::name::clean_file_name;
use super::size::format_size_exact;

/// A file read for attaching, with what is stored about it.
#[derive(Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    /// Its name as given, cleaned ([`clean_file_name`]).
    pub file_name: String,
    /// Sniffed from the bytes, else from the name ([`media_type`]).
    pub media_type: String,
    /// SHA-256 of the bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// The bytes (at most the limit it was read with).
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for EvidenceFile {
    // The bytes are client data: never dump them into a debug line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceFile")
            .field("file_name", &self.file_name)
            .field("media_type", &self.media_type)
            .field("sha256", &self.sha256)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// Why a file cannot be attached. Each names the file and what to do; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file cannot be found or read.
    #[error("{path}: {source}; nothing was attached")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not a regular file.
    #[error("{path} is {kind}, not a file; nothing was attached (give a file)")]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is: `a folder`, `a FIFO (named pipe)`, `a device`, `a socket`.
        kind: &'static str,
    },
    /// The workbook itself (attaching it to itself would only bloat it).
    #[error("{path} is this workbook itself; nothing was attached")]
    ThisWorkbook {
        /// The path given.
        path: PathBuf,
    },
    /// An empty file (usually a copy that failed).
    #[error("{path} is empty (0 bytes); nothing was attached")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Over the workbook's limit per file.
    #[error(
        "{path} is {}, over this workbook's evidence limit of {} per file; nothing was attached (`medsec evidence limit SIZE` changes the limit)",
        size_text(*.size, *.at_least), format_size_exact(*.limit)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes (or as much as was read before stopping, see `at_least`).
        size: u64,
        /// `true` when the file grew while being read: `size` is how much was read.
        at_least: bool,
        /// The limit in bytes.
        limit: u64,
    },
}

fn size_text(size: u64, at_least: bool) -> String {
    if at_least {
        format!("at least {}", format_size_exact(size))
    } else {
        format_size_exact(size)
    }
}

/// What a file type that is not a regular file is, in words.
fn kind_of(t: &FileType) -> &'static str {
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Reads the file at `path` (symbolic links followed) to attach it, with at most `limit` bytes.
///
/// Errors: [`FileError::Io`] (missing, unreadable), [`FileError::NotAFile`] (checked before the
/// file is opened, so a FIFO never blocks, and again on the opened file), [`FileError::Empty`],
/// [`FileError::TooLarge`] (over `limit` by its size, or found so while reading).
pub fn read_evidence_file(path: &Path, limit: u64) -> Result<EvidenceFile, FileError> {
    let io = |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let not_a_file = |t: &FileType| FileError::NotAFile {
        path: path.to_path_buf(),
        kind: kind_of(t),
    };
    let too_large = |size, at_least| FileError::TooLarge {
        path: path.to_path_buf(),
        size,
        at_least,
        limit,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(not_a_file(&meta.file_type()));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), false));
    }
    let file = File::open(path).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    if !opened.is_file() {
        // Replaced between the check and the open.
        return Err(not_a_file(&opened.file_type()));
    }
    let capacity = usize::try_from(opened.len().min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(too_large(read, true));
    }
    if bytes.is_empty() {
        return Err(FileError::Empty {
            path: path.to_path_buf(),
        });
    }
    let raw_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file_name = clean_file_name(&raw_name);
    Ok(EvidenceFile {
        media_type: media_type(&bytes, &file_name).to_string(),
        sha256: sha256_hex(&bytes),
        file_name,
        bytes,
    })
}

/// Refuses `path` when it is the open workbook's file (after following links and `..`).
///
/// Errors: [`FileError::ThisWorkbook`].
pub fn check_not_workbook(path: &Path, workbook: &Path) -> Result<(), FileError> {
    match (fs::canonicalize(path), fs::canonicalize(workbook)) {
        (Ok(a), Ok(b)) if a == b => Err(FileError::ThisWorkbook {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// SHA-256 of `bytes` as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_file_is_read_hashed_and_typed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings screen.png");
        fs::write(&path, b"\x89PNG\r\n\x1a\nrest").unwrap();
        let f = read_evidence_file(&path, 1024).unwrap();
        assert_eq!(f.file_name, "settings screen.png");
        assert_eq!(f.media_type, "image/png");
        assert_eq!(f.bytes.len(), 12);
        assert_eq!(f.sha256, sha256_hex(b"\x89PNG\r\n\x1a\nrest"));
        // The known vector: SHA-256("abc").
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(!format!("{f:?}").contains("rest"), "bytes in a debug line");
    }

    #[test]
    fn the_workbook_is_never_attached_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let wb = dir.path().join("site.medsec");
        fs::write(&wb, b"x").unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let other = dir.path().join("sub/../site.medsec");
        assert!(matches!(
            check_not_workbook(&other, &wb),
            Err(FileError::ThisWorkbook { .. })
        ));
        assert!(check_not_workbook(&dir.path().join("sub"), &wb).is_ok());
        assert!(check_not_workbook(&dir.path().join("missing"), &wb).is_ok());
    }

    #[test]
    fn the_limit_is_inclusive_and_over_it_is_refused_with_both_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        fs::write(&path, vec![b'a'; 2048]).unwrap();
        assert!(read_evidence_file(&path, 2048).is_ok());
        let e = read_evidence_file(&path, 2047).unwrap_err();
        assert!(matches!(
            e,
            FileError::TooLarge {
                size: 2048,
                limit: 2047,
                at_least: false,
                ..
            }
        ));
        let msg = e.to_string();
        assert!(msg.contains("2 KiB (2,048 bytes)"), "{msg}");
        assert!(
            msg.contains("limit of 2 KiB (2,047 bytes) per file"),
            "{msg}"
        );
        assert!(msg.contains("export.csv"), "{msg}");
    }

    #[test]
    fn folders_fifos_devices_and_empty_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_evidence_file(dir.path(), 100),
            Err(FileError::NotAFile {
                kind: "a folder",
                ..
            })
        ));
        let empty = dir.path().join("empty.txt");
        fs::write(&empty, b"").unwrap();
        assert!(matches!(
            read_evidence_file(&empty, 100),
            Err(FileError::Empty { .. })
        ));
        assert!(matches!(
            read_evidence_file(&dir.path().join("missing.jpg"), 100),
            Err(FileError::Io { .. })
        ));
        #[cfg(unix)]
        {
            assert!(matches!(
                read_evidence_file(Path::new("/dev/zero"), 100),
                Err(FileError::NotAFile {
                    kind: "a device",
                    ..
                })
            ));
            let fifo = dir.path().join("pipe");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                // Refused without opening it (opening a FIFO would block).
                assert!(matches!(
                    read_evidence_file(&fifo, 100),
                    Err(FileError::NotAFile {
                        kind: "a FIFO (named pipe)",
                        ..
                    })
                ));
            }
        }
    }
}
