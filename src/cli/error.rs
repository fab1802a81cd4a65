//! The CLI's one-line errors and exit codes (PRODUCT.md "Command line").

use crate::workbook::{PassphraseError, WorkbookError};

/// Exit codes, PRODUCT.md "Command line".
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Any other error.
    pub const ERROR: i32 = 1;
    /// Usage error.
    pub const USAGE: i32 = 2;
    /// Wrong passphrase or not a medsec workbook.
    pub const WRONG_PASSPHRASE: i32 = 3;
    /// Invalid input file (also a dry run that would reject rows).
    pub const INVALID_INPUT: i32 = 4;
    /// Workbook in use by another process.
    pub const IN_USE: i32 = 5;
    /// Workbook written by a newer medsec.
    pub const NEWER: i32 = 6;
    /// Damage found: an attachment whose bytes no longer match their SHA-256 (also what
    /// `verify` reports).
    pub const DAMAGED: i32 = 7;
    /// `merge` found conflicts and none was resolved (no --prefer, no terminal).
    pub const MERGE_CONFLICTS: i32 = 8;
    /// Interrupted by a signal.
    pub const INTERRUPTED: i32 = 130;
}

/// An error for the user: one line and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub code: i32,
    /// One line: what failed, which file and line or cell, what to do.
    pub message: String,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    /// A general error (exit 1).
    pub fn general(message: impl Into<String>) -> CliError {
        CliError {
            code: exit::ERROR,
            message: message.into(),
        }
    }

    /// An invalid input file (exit 4).
    pub fn input(message: impl Into<String>) -> CliError {
        CliError {
            code: exit::INVALID_INPUT,
            message: message.into(),
        }
    }
}

impl From<WorkbookError> for CliError {
    fn from(e: WorkbookError) -> CliError {
        let code = match &e {
            WorkbookError::WrongPassphrase(_) => exit::WRONG_PASSPHRASE,
            WorkbookError::InUse { .. } => exit::IN_USE,
            WorkbookError::NewerVersion { .. } => exit::NEWER,
            WorkbookError::NoSuchDevice(_)
            | WorkbookError::AmbiguousDevice { .. }
            | WorkbookError::Invalid(_) => exit::USAGE,
            WorkbookError::NotFound(_) | WorkbookError::AlreadyExists(_) => exit::ERROR,
            WorkbookError::Io { .. }
            | WorkbookError::Sqlite { .. }
            | WorkbookError::DiskFull(_) => exit::ERROR,
        };
        CliError {
            code,
            message: e.to_string(),
        }
    }
}

impl From<PassphraseError> for CliError {
    fn from(e: PassphraseError) -> CliError {
        let code = match e {
            PassphraseError::NoSource | PassphraseError::TooShort | PassphraseError::Mismatch => {
                exit::USAGE
            }
            _ => exit::ERROR,
        };
        CliError {
            code,
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
