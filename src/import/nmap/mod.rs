//! Streaming reader of nmap `-oX` XML scans into plain data.
//!
//! [`parse`] walks the XML one event at a time (quick-xml's pull reader over a small buffer), so
//! memory holds the hosts that are kept and one XML event at a time, never the whole document.
//! Mapping hosts into devices is done elsewhere; this module only reads.
//!
//! What is read, per `<host>`: its addresses (`ipv4`, `ipv6`, `mac` with the vendor), the
//! hostnames (user-given and PTR), the best `<osmatch>`, the open ports with their service, and
//! the `starttime`/`endtime` attributes. Everything else (scripts, traceroute, fingerprints,
//! `taskbegin`, `hosthint`, `addport`, …) is skipped without being decoded.
//!
//! Safety rules (see PRODUCT.md, "Input limits" and "Principles"):
//! - nothing in the file is fetched or expanded: a DOCTYPE that declares entities is refused
//!   ([`NmapError::EntityDeclaration`]); any other DOCTYPE, stylesheet or DTD reference is ignored
//!   and never opened; undefined entity references in ignored text are left out with a warning;
//! - input over 512 MiB ([`MAX_FILE_BYTES`]), nesting over 100 levels ([`MAX_DEPTH`]) and any
//!   value medsec keeps that is longer than 32,767 characters ([`MAX_VALUE_CHARS`]) are refused;
//!   a single tag or text run over 8 MiB ([`MAX_EVENT_BYTES`]) is refused, which bounds memory
//!   even for values that are skipped;
//! - damage in parts medsec does not use (for example a raw control byte in a `<taskbegin>`
//!   attribute, as written by nmap 4.22SOC2 on Windows) becomes a warning; damage in a value
//!   that would end up in host data is an error naming the line.
//!
//! Decisions:
//! - only ports in state `open` become [`NetworkService`]s; `open|filtered` ports (nmap could
//!   not tell, typical of UDP scans) are only counted in [`ScanHost::open_filtered`];
//! - a port without a `protocol` attribute is taken as `tcp`, with a warning;
//! - a service behind SSL/TLS (`tunnel="ssl"`) is named as nmap prints it: `ssl/http`;
//! - a host with no `<status>` is kept as up, with a warning; a status other than `up` or `down`
//!   is counted as down, with a warning;
//! - an `<address>` without `addrtype` is classified from its text (IPv4, MAC, IPv6), with a
//!   warning; IP addresses are stored in their canonical form (`fe80::1`);
//! - a file that ends before `</nmaprun>` (interrupted nmap, partial copy) is an error, even if
//!   complete hosts were read before the cut.
//!
//! Files: the limits and the counting byte source (`source`), the element walk (`parser`), other
//! XML events (`events`), attribute values (`attrs`), `<nmaprun>` (`run`), `<host>` (`host`),
//! `<port>` (`port`), the result (`scan`) and the errors (`error`).
//!
//! [`NetworkService`]: crate::device::NetworkService

mod attrs;
mod error;
mod events;
mod host;
mod parser;
mod port;
mod run;
mod scan;
mod source;
#[cfg(test)]
mod tests;

use std::io::BufRead;
use std::path::Path;

pub use self::error::NmapError;
pub use self::scan::{Scan, ScanHost};

use self::parser::{parse_read, parse_read_with};
use self::source::LIMITS;
use crate::progress::{NoProgress, Progress, ProgressReader, Stage};

/// Largest input read, in bytes (512 MiB). [`parse_file`] checks the size before reading;
/// [`parse`] stops once it has read more than this.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Deepest XML element nesting accepted (`<nmaprun>` is level 1).
pub const MAX_DEPTH: usize = 100;
/// Longest value (attribute) medsec keeps from a scan, in characters.
pub const MAX_VALUE_CHARS: usize = 32_767;
/// Largest single XML event (one tag with its attributes, or one run of text) in bytes.
/// Values that are skipped may be longer than [`MAX_VALUE_CHARS`], but not longer than this.
pub const MAX_EVENT_BYTES: u64 = 8 * 1024 * 1024;
/// Most warnings listed; further ones are counted in one last warning.
pub const MAX_WARNINGS: usize = 1_000;

/// Reads an nmap `-oX` scan from `reader`.
///
/// Returns the up hosts with their data, the number of hosts not up and the warnings (see the
/// module documentation for what is kept and what is skipped).
///
/// # Errors
/// [`NmapError::NotNmap`] when the input is not XML or its root is not `<nmaprun>`;
/// [`NmapError::Xml`] for damaged XML or an invalid value medsec would keep;
/// [`NmapError::Truncated`] when it ends before `</nmaprun>`;
/// [`NmapError::EntityDeclaration`] for a DOCTYPE declaring entities;
/// [`NmapError::TooLarge`], [`NmapError::ElementTooLarge`], [`NmapError::TooDeep`] and
/// [`NmapError::FieldTooLong`] for the input limits; [`NmapError::Io`] when reading fails.
pub fn parse(reader: impl BufRead) -> Result<Scan, NmapError> {
    parse_read(reader, LIMITS)
}

/// Reads the nmap `-oX` scan at `path`, refusing files over 512 MiB before reading them.
///
/// # Errors
/// [`NmapError::Open`] when the file cannot be opened, [`NmapError::TooLarge`] when it is over
/// [`MAX_FILE_BYTES`], and every error of [`parse`].
pub fn parse_file(path: &Path) -> Result<Scan, NmapError> {
    parse_file_with_progress(path, &mut NoProgress)
}

/// [`parse_file`], reporting to `progress` one [`Stage::Reading`] in bytes read of the file's
/// size. The scan is parsed as it is read, so the bytes read are the progress of the whole
/// parse (they run ahead of the parser by at most one 64 KiB buffer).
///
/// # Errors
/// As [`parse_file`].
pub fn parse_file_with_progress(
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<Scan, NmapError> {
    let mut hosts = Vec::new();
    let mut scan = parse_file_streaming(path, progress, &mut |host| hosts.push(host))?;
    scan.hosts = hosts;
    Ok(scan)
}

/// [`parse_file_with_progress`] that hands each host that is up to `on_host` as soon as it is
/// read, in file order, instead of keeping them all (a /16 sweep is 65,536 hosts): the returned
/// [`Scan`] has everything but `hosts`. On an error, the hosts already handed over must be
/// thrown away — the file is refused as a whole.
///
/// Errors: as [`parse_file`].
pub fn parse_file_streaming(
    path: &Path,
    progress: &mut dyn Progress,
    on_host: &mut dyn FnMut(ScanHost),
) -> Result<Scan, NmapError> {
    let open_error = |source| NmapError::Open {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(open_error)?;
    let bytes = file.metadata().map_err(open_error)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(NmapError::TooLarge { bytes });
    }
    progress.stage(Stage::Reading);
    parse_read_with(ProgressReader::new(file, bytes, progress), LIMITS, on_host)
}
