//! Why a file could not be read as an nmap scan.

use std::io;
use std::path::PathBuf;

/// Why a file could not be read as an nmap scan. Every message says where (a line, where there
/// is one) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum NmapError {
    /// The file could not be opened or its size read.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Reading failed part way.
    #[error(
        "line {line}: reading the scan failed: {source}. Check the file and the disk, then try again"
    )]
    Io {
        /// Line being read.
        line: u64,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The input is over [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES).
    #[error(
        "the scan is larger than 512 MiB (at least {bytes} bytes); medsec reads nmap files up to \
         512 MiB. Split the scan into several nmap runs (fewer targets per run)"
    )]
    TooLarge {
        /// Size of the file, or bytes read when the limit was crossed.
        bytes: u64,
    },
    /// One tag or text run is over [`MAX_EVENT_BYTES`](super::MAX_EVENT_BYTES).
    #[error(
        "line {line}: one XML tag or text block is larger than {limit} bytes, which nmap output \
         never is. The file is damaged or not an nmap -oX scan"
    )]
    ElementTooLarge {
        /// Line where the tag or text starts.
        line: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Nesting deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    #[error(
        "line {line}: the XML is nested more than 100 levels deep, which nmap output never is. \
         The file is damaged or not an nmap -oX scan"
    )]
    TooDeep {
        /// Line of the element that went too deep.
        line: u64,
    },
    /// A value medsec would keep is over [`MAX_VALUE_CHARS`](super::MAX_VALUE_CHARS).
    #[error(
        "line {line}: {what} is {chars} characters long, over the limit of 32,767. The file is \
         damaged or not genuine nmap output; fix or remove that value and import again"
    )]
    FieldTooLong {
        /// Line of the element.
        line: u64,
        /// Element and attribute, e.g. `<hostname name>`.
        what: String,
        /// Length in characters.
        chars: usize,
    },
    /// The DOCTYPE declares entities, which are never expanded.
    #[error(
        "line {line}: the file declares XML entities (<!ENTITY …>). medsec never expands them \
         and never reads files they point to, and nmap never writes them. Import the file \
         exactly as nmap -oX wrote it"
    )]
    EntityDeclaration {
        /// Line of the DOCTYPE.
        line: u64,
    },
    /// The input is not an nmap XML scan (not XML, or another root element).
    #[error(
        "line {line}: not an nmap XML scan: {reason}. Import the file written by `nmap -oX FILE`"
    )]
    NotNmap {
        /// Line where this became clear.
        line: u64,
        /// What was found instead.
        reason: String,
    },
    /// The XML is damaged, or a value medsec keeps is invalid.
    #[error(
        "line {line}: the XML is damaged: {reason}. Re-run nmap with -oX, or copy the complete \
         file again"
    )]
    Xml {
        /// Line of the tag or text where the problem starts.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file ends before the scan is complete.
    #[error(
        "line {line}: the file ends inside <{element}> opened at line {opened}: the scan is \
         incomplete (nmap was interrupted or the copy is partial). Re-run nmap or copy the \
         complete file"
    )]
    Truncated {
        /// Last line of the file.
        line: u64,
        /// Innermost element left open that medsec reads (`host`, `ports`, `nmaprun`, …).
        element: String,
        /// Line where that element starts.
        opened: u64,
    },
}

impl NmapError {
    /// The line the error refers to, when it refers to one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Open { .. } | Self::TooLarge { .. } => None,
            Self::Io { line, .. }
            | Self::ElementTooLarge { line, .. }
            | Self::TooDeep { line }
            | Self::FieldTooLong { line, .. }
            | Self::EntityDeclaration { line }
            | Self::NotNmap { line, .. }
            | Self::Xml { line, .. }
            | Self::Truncated { line, .. } => Some(*line),
        }
    }
}
