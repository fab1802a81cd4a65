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

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Read};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use quick_xml::XmlVersion;
use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use serde::Serialize;

use crate::device::NetworkService;
use crate::device::fields::normalize_mac;

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

/// Size of the read buffer in front of the XML reader.
const READ_CHUNK: usize = 64 * 1024;
/// Longest element name quoted in a message.
const NAME_IN_MESSAGE: usize = 40;

/// One host that nmap reported up (or that had no status at all).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ScanHost {
    /// 1-based line of the `<host>` start tag.
    pub line: u64,
    /// IPv4 addresses in dotted form (`192.168.1.5`), without duplicates, in file order.
    pub ipv4: Vec<String>,
    /// IPv6 addresses in canonical compressed form (`fe80::1`), without duplicates.
    pub ipv6: Vec<String>,
    /// MAC address normalised to `AA:BB:CC:DD:EE:FF` (the first one, if a host lists several).
    pub mac: Option<String>,
    /// Vendor nmap derived from the MAC prefix (`Intel Corporate`).
    pub mac_vendor: Option<String>,
    /// User-given and PTR names, deduplicated ignoring ASCII case, in file order.
    pub hostnames: Vec<String>,
    /// Best `<osmatch>` (highest accuracy, the first one on a tie): `Linux 3.2 - 4.9 (96%)`.
    pub os_guess: Option<String>,
    /// Ports in state `open` (not `open|filtered`), in file order, each port/protocol once.
    pub services: Vec<NetworkService>,
    /// Number of ports in state `open|filtered`, which are not in [`ScanHost::services`].
    pub open_filtered: usize,
    /// The host's `endtime`, else its `starttime`, else the start of the run.
    pub last_seen: Option<DateTime<Utc>>,
}

/// Everything read from one nmap XML file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Scan {
    /// `nmaprun@version`, e.g. `7.91` or `3.75`.
    pub nmap_version: Option<String>,
    /// `nmaprun@start`.
    pub started: Option<DateTime<Utc>>,
    /// `runstats/finished@time`.
    pub finished: Option<DateTime<Utc>>,
    /// Hosts whose status is `up`, and hosts with no `<status>` (see the warnings), in file order.
    pub hosts: Vec<ScanHost>,
    /// Hosts not kept because their status is not `up` (`down`, or odd values, which also warn).
    pub hosts_down: usize,
    /// `(line, message)` for everything skipped or odd, in file order; at most
    /// [`MAX_WARNINGS`] are listed, then one more gives the count of the rest.
    pub warnings: Vec<(u64, String)>,
}

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
    /// The input is over [`MAX_FILE_BYTES`].
    #[error(
        "the scan is larger than 512 MiB (at least {bytes} bytes); medsec reads nmap files up to \
         512 MiB. Split the scan into several nmap runs (fewer targets per run)"
    )]
    TooLarge {
        /// Size of the file, or bytes read when the limit was crossed.
        bytes: u64,
    },
    /// One tag or text run is over [`MAX_EVENT_BYTES`].
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
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error(
        "line {line}: the XML is nested more than 100 levels deep, which nmap output never is. \
         The file is damaged or not an nmap -oX scan"
    )]
    TooDeep {
        /// Line of the element that went too deep.
        line: u64,
    },
    /// A value medsec would keep is over [`MAX_VALUE_CHARS`].
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
    let open_error = |source| NmapError::Open {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(open_error)?;
    let bytes = file.metadata().map_err(open_error)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(NmapError::TooLarge { bytes });
    }
    parse_read(file, LIMITS)
}

/// The input limits, fixed for [`parse`]; smaller in tests.
#[derive(Debug, Clone, Copy)]
struct Limits {
    file_bytes: u64,
    event_bytes: u64,
}

const LIMITS: Limits = Limits {
    file_bytes: MAX_FILE_BYTES,
    event_bytes: MAX_EVENT_BYTES,
};

/// Which input limit stopped the reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    File,
    Event,
}

/// Buffered byte source in front of quick-xml. It counts lines, watches the input limits and
/// notes control bytes, per XML event: quick-xml consumes input exactly up to the end of each
/// event, so the bytes consumed when an event starts are that event's offset.
struct Source<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    consumed: u64,
    newlines: u64,
    last_byte: Option<u8>,
    event_bytes: u64,
    event_control: Option<u8>,
    limits: Limits,
    tripped: Option<Limit>,
}

impl<R: Read> Source<R> {
    fn new(inner: R, limits: Limits) -> Self {
        Self {
            inner,
            buf: vec![0; READ_CHUNK],
            pos: 0,
            filled: 0,
            consumed: 0,
            newlines: 0,
            last_byte: None,
            event_bytes: 0,
            event_control: None,
            limits,
            tripped: None,
        }
    }

    /// Starts a new event; returns the line it starts on.
    fn mark(&mut self) -> u64 {
        self.event_bytes = 0;
        self.event_control = None;
        self.newlines + 1
    }

    /// The last line of the input read so far (a final newline does not start a line).
    fn last_line(&self) -> u64 {
        if self.last_byte == Some(b'\n') {
            self.newlines.max(1)
        } else {
            self.newlines + 1
        }
    }
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.tripped.is_some() {
            return Err(io::Error::other("input limit exceeded"));
        }
        if self.pos >= self.filled {
            self.pos = 0;
            self.filled = 0;
            let n = loop {
                match self.inner.read(&mut self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            self.filled = n.min(self.buf.len());
        }
        let available = (self.filled - self.pos) as u64;
        if available == 0 {
            return Ok(&[]);
        }
        // More input is waiting: refuse it once a limit is reached, and never hand out more
        // than the limits leave, so that they are exact.
        let file_left = self.limits.file_bytes.saturating_sub(self.consumed);
        let event_left = self.limits.event_bytes.saturating_sub(self.event_bytes);
        if file_left == 0 {
            self.tripped = Some(Limit::File);
        } else if event_left == 0 {
            self.tripped = Some(Limit::Event);
        }
        if self.tripped.is_some() {
            return Err(io::Error::other("input limit exceeded"));
        }
        let n = available.min(file_left).min(event_left);
        let end = self.pos
            + usize::try_from(n)
                .unwrap_or(usize::MAX)
                .min(self.filled - self.pos);
        Ok(self.buf.get(self.pos..end).unwrap_or(&[]))
    }

    fn consume(&mut self, amt: usize) {
        let end = self.pos.saturating_add(amt).min(self.filled);
        if let Some(chunk) = self.buf.get(self.pos..end) {
            for &b in chunk {
                if b == b'\n' {
                    self.newlines += 1;
                } else if b < 0x20 && b != b'\t' && b != b'\r' {
                    self.event_control.get_or_insert(b);
                }
            }
            if let Some(&b) = chunk.last() {
                self.last_byte = Some(b);
            }
        }
        let n = (end - self.pos) as u64;
        self.consumed += n;
        self.event_bytes += n;
        self.pos = end;
    }
}

/// What an open element means to the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NmapRun,
    RunStats,
    Host,
    Hostnames,
    Ports,
    Port,
    Os,
    Other,
}

impl Kind {
    fn tag(self) -> Option<&'static str> {
        match self {
            Self::NmapRun => Some("nmaprun"),
            Self::RunStats => Some("runstats"),
            Self::Host => Some("host"),
            Self::Hostnames => Some("hostnames"),
            Self::Ports => Some("ports"),
            Self::Port => Some("port"),
            Self::Os => Some("os"),
            Self::Other => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: Kind,
    line: u64,
}

/// A `<host>` being read.
#[derive(Debug, Default)]
struct HostDraft {
    host: ScanHost,
    status: Option<String>,
    started: Option<DateTime<Utc>>,
    ended: Option<DateTime<Utc>>,
    ports_seen: HashSet<(u16, String)>,
    /// Best osmatch so far: (accuracy, name).
    best_os: Option<(Option<u32>, String)>,
}

/// A `<port>` being read.
#[derive(Debug, Default)]
struct PortDraft {
    line: u64,
    portid: Option<String>,
    protocol: Option<String>,
    state: Option<String>,
    /// (name, product, version, tunnel)
    service: Option<[Option<String>; 4]>,
}

#[derive(Debug, Default)]
struct Parser {
    scan: Scan,
    stack: Vec<Frame>,
    root_seen: bool,
    root_closed: bool,
    host: Option<HostDraft>,
    port: Option<PortDraft>,
    /// MAC → line of the first kept host that has it.
    macs: HashMap<String, u64>,
    suppressed: usize,
}

fn parse_read<R: Read>(input: R, limits: Limits) -> Result<Scan, NmapError> {
    let mut reader = Reader::from_reader(Source::new(input, limits));
    // Text is never used, so a stray `&` in it is no reason to refuse a scan.
    reader.config_mut().allow_dangling_amp = true;
    let mut parser = Parser::default();
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    loop {
        if buf.capacity() > 1024 * 1024 {
            buf = Vec::with_capacity(8 * 1024);
        }
        buf.clear();
        let line = reader.get_mut().mark();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(err) => return Err(parser.read_error(reader.get_ref(), line, err)),
        };
        let control = reader.get_ref().event_control;
        match event {
            Event::Eof => {
                let source = reader.get_ref();
                return parser.finish(source.last_line(), source.consumed);
            }
            Event::Start(e) => parser.open(&e, line, control, false)?,
            Event::Empty(e) => parser.open(&e, line, control, true)?,
            Event::End(_) => parser.close(line)?,
            Event::Text(t) => {
                let text = t.into_inner();
                parser.text(&text, line, control)?;
            }
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                parser.reference(&name, line)?;
            }
            Event::DocType(d) => {
                let content = d.into_inner();
                parser.doctype(&content, line)?;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::CData(_) => {
                if let Some(b) = control {
                    parser.warn(
                        line,
                        format!(
                            "a control character (0x{b:02X}, not allowed in XML) in a \
                             declaration, comment or CDATA section; ignored"
                        ),
                    );
                }
            }
        }
    }
}

impl Parser {
    fn warn(&mut self, line: u64, message: String) {
        if self.scan.warnings.len() < MAX_WARNINGS {
            self.scan.warnings.push((line, message));
        } else {
            self.suppressed += 1;
        }
    }

    /// Turns a reader error into ours, naming the line where the failing event starts.
    fn read_error<R>(&self, source: &Source<R>, line: u64, err: XmlError) -> NmapError {
        match source.tripped {
            Some(Limit::File) => {
                return NmapError::TooLarge {
                    bytes: source.consumed,
                };
            }
            Some(Limit::Event) => {
                return NmapError::ElementTooLarge {
                    line,
                    limit: source.limits.event_bytes,
                };
            }
            None => {}
        }
        let reason = match &err {
            XmlError::Io(e) => {
                return NmapError::Io {
                    line,
                    source: io::Error::new(e.kind(), e.to_string()),
                };
            }
            XmlError::Encoding(e) => format!(
                "the text is not valid UTF-8 ({e}); nmap writes UTF-8, so the file was converted \
                 or altered"
            ),
            XmlError::Syntax(SyntaxError::InvalidBangMarkup) => format!(
                "{err} (declarations such as <!ENTITY or <!ELEMENT belong in a DTD, not in a scan)"
            ),
            _ => err.to_string(),
        };
        if self.root_seen {
            NmapError::Xml { line, reason }
        } else {
            NmapError::NotNmap {
                line,
                reason: format!("the XML reader stopped before any <nmaprun> element: {reason}"),
            }
        }
    }

    fn finish(mut self, line: u64, consumed: u64) -> Result<Scan, NmapError> {
        if !self.root_seen {
            let reason = if consumed == 0 {
                "the file is empty".to_string()
            } else {
                "no <nmaprun> element was found".to_string()
            };
            return Err(NmapError::NotNmap { line, reason });
        }
        if !self.stack.is_empty() {
            let frame = self
                .stack
                .iter()
                .rev()
                .find_map(|f| f.kind.tag().map(|tag| (tag, f.line)));
            let (element, opened) = frame.unwrap_or(("nmaprun", 1));
            return Err(NmapError::Truncated {
                line,
                element: element.to_string(),
                opened,
            });
        }
        // Host warnings are raised when </host> is reached; list them in file order.
        self.scan.warnings.sort_by_key(|(line, _)| *line);
        if self.suppressed > 0 {
            let n = self.suppressed;
            self.scan
                .warnings
                .push((line, format!("{n} more warnings are not listed")));
        }
        Ok(self.scan)
    }

    fn doctype(&mut self, content: &str, line: u64) -> Result<(), NmapError> {
        let upper = content.to_ascii_uppercase();
        if upper.contains("<!ENTITY") {
            return Err(NmapError::EntityDeclaration { line });
        }
        if content.contains('[') || upper.contains("SYSTEM") || upper.contains("PUBLIC") {
            self.warn(
                line,
                "the DOCTYPE refers to a DTD; it is ignored and never read".to_string(),
            );
        }
        Ok(())
    }

    fn text(&mut self, text: &str, line: u64, control: Option<u8>) -> Result<(), NmapError> {
        let blank = text.trim().is_empty();
        if !self.root_seen && !blank {
            return Err(NmapError::NotNmap {
                line,
                reason: "the file starts with text, not XML markup".to_string(),
            });
        }
        if self.root_closed && !blank {
            self.warn(line, "text after </nmaprun> ignored".to_string());
        } else if let Some(b) = control {
            self.warn(
                line,
                format!(
                    "text holds a control character (0x{b:02X}, not allowed in XML); medsec does \
                     not use this text, so it was skipped"
                ),
            );
        }
        Ok(())
    }

    fn reference(&mut self, name: &str, line: u64) -> Result<(), NmapError> {
        if !self.root_seen {
            return Err(NmapError::NotNmap {
                line,
                reason: "the file starts with text, not XML markup".to_string(),
            });
        }
        let predefined = matches!(name, "lt" | "gt" | "amp" | "apos" | "quot");
        if !predefined && !name.starts_with('#') {
            self.warn(
                line,
                format!(
                    "the entity reference &{}; was not expanded (medsec never expands entities); \
                     the text holding it is not used",
                    short(name)
                ),
            );
        }
        Ok(())
    }

    fn open(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
        empty: bool,
    ) -> Result<(), NmapError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(NmapError::TooDeep { line });
        }
        let qname = e.name();
        let name: &str = qname.as_ref();
        let parent = self.stack.last().map(|f| f.kind);
        let kind = match (parent, name) {
            (None, _) => {
                if self.root_closed {
                    return Err(NmapError::Xml {
                        line,
                        reason: format!(
                            "a second root element <{}> follows </nmaprun>; the file may hold \
                             several scans appended together (nmap --append-output): split it \
                             into one file per scan",
                            short(name)
                        ),
                    });
                }
                if name != "nmaprun" {
                    return Err(NmapError::NotNmap {
                        line,
                        reason: format!("the root element is <{}>, not <nmaprun>", short(name)),
                    });
                }
                self.root_seen = true;
                self.start_run(e, line, control)?;
                Kind::NmapRun
            }
            (Some(Kind::NmapRun), "host") => {
                self.start_host(e, line, control)?;
                Kind::Host
            }
            (Some(Kind::NmapRun), "runstats") => Kind::RunStats,
            (Some(Kind::RunStats), "finished") => {
                self.finished(e, line, control)?;
                Kind::Other
            }
            (Some(Kind::Host), "status") => {
                self.status(e, line, control)?;
                Kind::Other
            }
            (Some(Kind::Host), "address") => {
                self.address(e, line, control)?;
                Kind::Other
            }
            (Some(Kind::Host), "hostnames") => Kind::Hostnames,
            (Some(Kind::Hostnames), "hostname") => {
                self.hostname(e, line, control)?;
                Kind::Other
            }
            (Some(Kind::Host), "ports") => Kind::Ports,
            (Some(Kind::Ports), "port") => {
                self.start_port(e, line, control)?;
                Kind::Port
            }
            (Some(Kind::Port), "state") => {
                self.port_state(e, line, control)?;
                Kind::Other
            }
            (Some(Kind::Port), "service") => {
                self.service(e, line, control)?;
                Kind::Other
            }
            (Some(Kind::Host), "os") => Kind::Os,
            (Some(Kind::Os), "osmatch") => {
                self.osmatch(e, line, control)?;
                Kind::Other
            }
            _ => {
                if let Some(b) = control {
                    self.warn(
                        line,
                        format!(
                            "<{}> holds a control character (0x{b:02X}, not allowed in XML); \
                             medsec does not use this element, so it was skipped",
                            short(name)
                        ),
                    );
                }
                Kind::Other
            }
        };
        if empty {
            self.end_of(kind, line);
        } else {
            self.stack.push(Frame { kind, line });
        }
        Ok(())
    }

    fn close(&mut self, line: u64) -> Result<(), NmapError> {
        match self.stack.pop() {
            Some(frame) => {
                self.end_of(frame.kind, frame.line);
                Ok(())
            }
            None => Err(NmapError::Xml {
                line,
                reason: "a closing tag without an opening tag".to_string(),
            }),
        }
    }

    /// Handles the end of an element of `kind` that started at `line`.
    fn end_of(&mut self, kind: Kind, line: u64) {
        match kind {
            Kind::NmapRun => self.root_closed = true,
            Kind::Host => self.finish_host(),
            Kind::Port => self.finish_port(line),
            _ => {}
        }
    }

    /// Reads the attributes `names` of `e`, checking each value kept: no control characters,
    /// at most [`MAX_VALUE_CHARS`]. Values are trimmed; empty ones become `None`.
    fn attrs<const N: usize>(
        &mut self,
        e: &BytesStart<'_>,
        elem: &str,
        names: [&str; N],
        line: u64,
        control: Option<u8>,
    ) -> Result<[Option<String>; N], NmapError> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        for attr in e.attributes() {
            let attr = attr.map_err(|err| NmapError::Xml {
                line,
                reason: format!("malformed attribute in <{elem}>: {err}"),
            })?;
            let key: &str = attr.key.as_ref();
            let Some(i) = names.iter().position(|n| *n == key) else {
                continue;
            };
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| NmapError::Xml {
                    line,
                    reason: format!("the value of <{elem} {key}> cannot be read: {err}"),
                })?;
            check_value(&value, elem, key, line)?;
            let value = value.trim();
            if let Some(slot) = out.get_mut(i)
                && !value.is_empty()
            {
                *slot = Some(value.to_string());
            }
        }
        if let Some(b) = control {
            self.warn(
                line,
                format!(
                    "<{elem}> holds a control character (0x{b:02X}, not allowed in XML) in an \
                     attribute medsec does not use; ignored"
                ),
            );
        }
        Ok(out)
    }

    fn time_value(
        &mut self,
        value: Option<String>,
        what: &str,
        line: u64,
    ) -> Option<DateTime<Utc>> {
        let value = value?;
        match value.parse::<i64>() {
            Ok(0) => None,
            Ok(secs) if secs > 0 => match DateTime::from_timestamp(secs, 0) {
                Some(t) => Some(t),
                None => {
                    self.warn(
                        line,
                        format!("{what} '{}' is out of range; ignored", short(&value)),
                    );
                    None
                }
            },
            _ => {
                self.warn(
                    line,
                    format!("{what} '{}' is not a Unix time; ignored", short(&value)),
                );
                None
            }
        }
    }

    fn start_run(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [scanner, version, start] =
            self.attrs(e, "nmaprun", ["scanner", "version", "start"], line, control)?;
        match scanner.as_deref() {
            Some("nmap") => {}
            Some(other) => {
                let msg = format!(
                    "the scanner is '{}', not nmap; read as nmap output",
                    short(other)
                );
                self.warn(line, msg);
            }
            None => self.warn(
                line,
                "<nmaprun> names no scanner; read as nmap output".to_string(),
            ),
        }
        self.scan.nmap_version = version;
        self.scan.started = self.time_value(start, "<nmaprun start>", line);
        Ok(())
    }

    fn finished(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [time, errormsg] = self.attrs(e, "finished", ["time", "errormsg"], line, control)?;
        self.scan.finished = self.time_value(time, "<finished time>", line);
        if let Some(msg) = errormsg {
            self.warn(line, format!("nmap reported an error: {msg}"));
        }
        Ok(())
    }

    fn start_host(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [start, end] = self.attrs(e, "host", ["starttime", "endtime"], line, control)?;
        let started = self.time_value(start, "<host starttime>", line);
        let ended = self.time_value(end, "<host endtime>", line);
        self.port = None;
        self.host = Some(HostDraft {
            host: ScanHost {
                line,
                ..ScanHost::default()
            },
            started,
            ended,
            ..HostDraft::default()
        });
        Ok(())
    }

    fn status(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [state] = self.attrs(e, "status", ["state"], line, control)?;
        let Some(draft) = self.host.as_mut() else {
            return Ok(());
        };
        match (&draft.status, state) {
            (None, Some(state)) => draft.status = Some(state.to_ascii_lowercase()),
            (None, None) => self.warn(line, "<status> without a state; ignored".to_string()),
            (Some(_), _) => self.warn(line, "a second <status> in one host; ignored".to_string()),
        }
        Ok(())
    }

    fn address(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [addr, addrtype, vendor] =
            self.attrs(e, "address", ["addr", "addrtype", "vendor"], line, control)?;
        let Some(addr) = addr else {
            self.warn(line, "<address> without addr; ignored".to_string());
            return Ok(());
        };
        let kind = match addrtype.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("ipv4") => AddrKind::Ipv4,
            Some("ipv6") => AddrKind::Ipv6,
            Some("mac") => AddrKind::Mac,
            Some(other) => {
                let msg = format!(
                    "address '{}' has the unknown addrtype '{}'; ignored",
                    short(&addr),
                    short(other)
                );
                self.warn(line, msg);
                return Ok(());
            }
            None => {
                let guessed = guess_addr_kind(&addr);
                let msg = match guessed {
                    Some(kind) => format!(
                        "<address> has no addrtype; '{}' read as {}",
                        short(&addr),
                        kind.label()
                    ),
                    None => format!(
                        "<address> has no addrtype and '{}' is neither an IP nor a MAC \
                         address; ignored",
                        short(&addr)
                    ),
                };
                self.warn(line, msg);
                match guessed {
                    Some(kind) => kind,
                    None => return Ok(()),
                }
            }
        };
        let Some(draft) = self.host.as_mut() else {
            return Ok(());
        };
        let problem = match kind {
            AddrKind::Ipv4 => match addr.parse::<Ipv4Addr>() {
                Ok(ip) => {
                    push_unique(&mut draft.host.ipv4, ip.to_string());
                    None
                }
                Err(_) => Some(format!(
                    "'{}' is not an IPv4 address; ignored",
                    short(&addr)
                )),
            },
            AddrKind::Ipv6 => match addr.parse::<Ipv6Addr>() {
                Ok(ip) => {
                    push_unique(&mut draft.host.ipv6, ip.to_string());
                    None
                }
                Err(_) => Some(format!(
                    "'{}' is not an IPv6 address; ignored",
                    short(&addr)
                )),
            },
            AddrKind::Mac => match normalize_mac(&addr) {
                Some(mac) => match &draft.host.mac {
                    None => {
                        draft.host.mac = Some(mac);
                        draft.host.mac_vendor = vendor;
                        None
                    }
                    Some(first) if *first == mac => None,
                    Some(first) => Some(format!(
                        "a second MAC address {mac} for this host; {first} kept"
                    )),
                },
                None => Some(format!("'{}' is not a MAC address; ignored", short(&addr))),
            },
        };
        if let Some(msg) = problem {
            self.warn(line, msg);
        }
        Ok(())
    }

    fn hostname(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [name] = self.attrs(e, "hostname", ["name"], line, control)?;
        if let (Some(name), Some(draft)) = (name, self.host.as_mut()) {
            let known = draft
                .host
                .hostnames
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&name));
            if !known {
                draft.host.hostnames.push(name);
            }
        }
        Ok(())
    }

    fn osmatch(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [name, accuracy] = self.attrs(e, "osmatch", ["name", "accuracy"], line, control)?;
        let Some(name) = name else {
            return Ok(());
        };
        let accuracy = accuracy.and_then(|a| a.parse::<u32>().ok());
        if let Some(draft) = self.host.as_mut() {
            let better = match &draft.best_os {
                None => true,
                Some((best, _)) => accuracy > *best,
            };
            if better {
                draft.best_os = Some((accuracy, name));
            }
        }
        Ok(())
    }

    fn start_port(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [protocol, portid] = self.attrs(e, "port", ["protocol", "portid"], line, control)?;
        self.port = Some(PortDraft {
            line,
            portid,
            protocol,
            ..PortDraft::default()
        });
        Ok(())
    }

    fn port_state(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let [state] = self.attrs(e, "state", ["state"], line, control)?;
        if let Some(port) = self.port.as_mut()
            && port.state.is_none()
        {
            port.state = state.map(|s| s.to_ascii_lowercase());
        }
        Ok(())
    }

    fn service(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let fields = self.attrs(
            e,
            "service",
            ["name", "product", "version", "tunnel"],
            line,
            control,
        )?;
        if let Some(port) = self.port.as_mut()
            && port.service.is_none()
        {
            port.service = Some(fields);
        }
        Ok(())
    }

    fn finish_port(&mut self, line: u64) {
        let Some(port) = self.port.take() else {
            return;
        };
        let line = if port.line > 0 { port.line } else { line };
        let label = port.portid.clone().unwrap_or_else(|| "?".to_string());
        match port.state.as_deref() {
            Some("open") => {}
            Some("open|filtered") => {
                if let Some(draft) = self.host.as_mut() {
                    draft.host.open_filtered += 1;
                }
                return;
            }
            Some(_) => return,
            None => {
                self.warn(
                    line,
                    format!("port {} has no state; skipped", short(&label)),
                );
                return;
            }
        }
        let Some(number) = port.portid.as_deref().and_then(|p| p.parse::<u16>().ok()) else {
            self.warn(
                line,
                format!(
                    "open port '{}' is not a port number; skipped",
                    short(&label)
                ),
            );
            return;
        };
        let protocol = match port.protocol.map(|p| p.to_ascii_lowercase()) {
            Some(p) if matches!(p.as_str(), "tcp" | "udp" | "sctp") => p,
            Some(p) => {
                self.warn(
                    line,
                    format!(
                        "open port {number} has the protocol '{}', not tcp, udp or sctp; skipped",
                        short(&p)
                    ),
                );
                return;
            }
            None => {
                self.warn(
                    line,
                    format!("open port {number} has no protocol; taken as tcp"),
                );
                "tcp".to_string()
            }
        };
        let [name, product, version, tunnel] = port.service.unwrap_or_default();
        let mut service = name.unwrap_or_default();
        if tunnel.as_deref() == Some("ssl") && !service.is_empty() {
            service = format!("ssl/{service}");
        }
        let Some(draft) = self.host.as_mut() else {
            return;
        };
        if !draft.ports_seen.insert((number, protocol.clone())) {
            self.warn(
                line,
                format!("port {number}/{protocol} is listed twice in one host; the first kept"),
            );
            return;
        }
        draft.host.services.push(NetworkService {
            port: number,
            protocol,
            service,
            product: product.unwrap_or_default(),
            version: version.unwrap_or_default(),
        });
    }

    fn finish_host(&mut self) {
        self.port = None;
        let Some(draft) = self.host.take() else {
            return;
        };
        let mut host = draft.host;
        let line = host.line;
        match draft.status.as_deref() {
            Some("up") => {}
            Some("down") => {
                self.scan.hosts_down += 1;
                return;
            }
            Some(other) => {
                self.scan.hosts_down += 1;
                let msg = format!("host status is '{}', not up; skipped", short(other));
                self.warn(line, msg);
                return;
            }
            None => self.warn(line, "host has no <status>; taken as up".to_string()),
        }
        host.os_guess = draft.best_os.map(|(accuracy, name)| match accuracy {
            Some(a) => format!("{name} ({a}%)"),
            None => name,
        });
        host.last_seen = draft.ended.or(draft.started).or(self.scan.started);
        if host.ipv4.is_empty() && host.ipv6.is_empty() && host.hostnames.is_empty() {
            self.warn(line, "host has no IP address and no hostname".to_string());
        }
        if let Some(mac) = &host.mac {
            if let Some(first) = self.macs.get(mac) {
                let msg = format!("MAC address {mac} is also on the host at line {first}");
                self.warn(line, msg);
            } else {
                self.macs.insert(mac.clone(), line);
            }
        }
        self.scan.hosts.push(host);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddrKind {
    Ipv4,
    Ipv6,
    Mac,
}

impl AddrKind {
    fn label(self) -> &'static str {
        match self {
            Self::Ipv4 => "IPv4",
            Self::Ipv6 => "IPv6",
            Self::Mac => "a MAC address",
        }
    }
}

/// Classifies an address given without `addrtype`.
fn guess_addr_kind(addr: &str) -> Option<AddrKind> {
    if addr.parse::<Ipv4Addr>().is_ok() {
        Some(AddrKind::Ipv4)
    } else if normalize_mac(addr).is_some() {
        Some(AddrKind::Mac)
    } else if addr.parse::<Ipv6Addr>().is_ok() {
        Some(AddrKind::Ipv6)
    } else {
        None
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Refuses a value medsec would keep when it is too long or holds a control character.
fn check_value(value: &str, elem: &str, key: &str, line: u64) -> Result<(), NmapError> {
    let chars = value.chars().count();
    if chars > MAX_VALUE_CHARS {
        return Err(NmapError::FieldTooLong {
            line,
            what: format!("<{elem} {key}>"),
            chars,
        });
    }
    if let Some(c) = value
        .chars()
        .find(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(NmapError::Xml {
            line,
            reason: format!(
                "<{elem} {key}> holds the control character U+{:04X}, which XML does not allow",
                c as u32
            ),
        });
    }
    Ok(())
}

/// A name or value shortened for a message.
fn short(s: &str) -> String {
    if s.chars().count() <= NAME_IN_MESSAGE {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(NAME_IN_MESSAGE).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/nmap");

    fn corpus(name: &str) -> PathBuf {
        Path::new(CORPUS).join(name)
    }

    fn corpus_bytes(name: &str) -> Result<Vec<u8>, io::Error> {
        std::fs::read(corpus(name))
    }

    fn parse_str(xml: &str) -> Result<Scan, NmapError> {
        parse(xml.as_bytes())
    }

    /// What a corpus file gives.
    enum Expect {
        /// Up hosts, hosts not up, open services in all up hosts, hosts with a MAC, hosts with
        /// at least one hostname.
        Scan {
            up: usize,
            down: usize,
            services: usize,
            macs: usize,
            named: usize,
        },
        /// The error: its line and a piece of its message.
        Error { line: u64, says: &'static str },
    }

    const fn scan(up: usize, down: usize, services: usize, macs: usize, named: usize) -> Expect {
        Expect::Scan {
            up,
            down,
            services,
            macs,
            named,
        }
    }

    /// Every file in the corpus directory, with what it must give.
    const CASES: &[(&str, Expect)] = &[
        ("libnmap-1_hosts_down.xml", scan(1, 0, 0, 0, 0)),
        ("libnmap-1_os_banner_scripts.xml", scan(1, 0, 8, 0, 1)),
        ("libnmap-2_hosts_version.xml", scan(2, 0, 8, 0, 2)),
        (
            "libnmap-defused_et_local_includer.xml",
            Expect::Error {
                line: 2,
                says: "declares XML entities",
            },
        ),
        ("libnmap-dionaea_scan.xml", scan(1, 0, 16, 1, 1)),
        ("libnmap-full_sudo6.xml", scan(4, 252, 12, 3, 0)),
        ("libnmap-os_scan6.xml", scan(3, 253, 11, 2, 0)),
        ("nmap-ndiff-complex.xml", scan(1, 0, 4, 0, 1)),
        ("nmap-ndiff-empty.xml", scan(0, 0, 0, 0, 0)),
        ("nmap-ndiff-random-1.xml", scan(55, 0, 89, 0, 36)),
        ("nmap-parser-perl-nmap_results.xml", scan(3, 1, 14, 1, 3)),
        ("nmap-radialnet-nmap_example.xml", scan(8, 0, 32, 0, 7)),
        ("nmap-zenmap-nmap-output-error.xml", scan(1, 0, 6, 0, 1)),
        ("nmap-zenmap-xml_test11.xml", scan(4, 0, 6, 3, 3)),
        (
            "nmap.dtd",
            Expect::Error {
                line: 45,
                says: "not an nmap XML scan",
            },
        ),
        ("ullaakut-scan_base.xml", scan(1, 0, 1, 0, 1)),
        (
            "ullaakut-scan_error_resolving_name.xml",
            scan(0, 0, 0, 0, 0),
        ),
        ("ullaakut-scan_invalid_services.xml", scan(4, 0, 5, 0, 0)),
    ];

    #[test]
    fn every_corpus_file_parses_or_fails_with_a_line() -> TestResult {
        let mut on_disk: Vec<String> = std::fs::read_dir(CORPUS)?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        on_disk.sort();
        let mut listed: Vec<String> = CASES.iter().map(|(name, _)| name.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "every corpus file has an expectation");

        for (name, expect) in CASES {
            let result = parse_file(&corpus(name));
            match (expect, result) {
                (
                    Expect::Scan {
                        up,
                        down,
                        services,
                        macs,
                        named,
                    },
                    Ok(scan),
                ) => {
                    assert_eq!(scan.hosts.len(), *up, "{name}: up hosts");
                    assert_eq!(scan.hosts_down, *down, "{name}: hosts not up");
                    let total: usize = scan.hosts.iter().map(|h| h.services.len()).sum();
                    assert_eq!(total, *services, "{name}: open services");
                    let with_mac = scan.hosts.iter().filter(|h| h.mac.is_some()).count();
                    assert_eq!(with_mac, *macs, "{name}: hosts with a MAC");
                    let with_name = scan
                        .hosts
                        .iter()
                        .filter(|h| !h.hostnames.is_empty())
                        .count();
                    assert_eq!(with_name, *named, "{name}: hosts with a hostname");
                    for host in &scan.hosts {
                        assert!(host.line > 1, "{name}: host line");
                        assert!(
                            !host.ipv4.is_empty() || !host.ipv6.is_empty(),
                            "{name}: host at line {} has an IP",
                            host.line
                        );
                    }
                }
                (Expect::Error { line, says }, Err(err)) => {
                    assert_eq!(err.line(), Some(*line), "{name}: {err}");
                    let text = err.to_string();
                    assert!(
                        text.starts_with(&format!("line {line}: ")),
                        "{name}: {text}"
                    );
                    assert!(text.contains(says), "{name}: {text}");
                }
                (Expect::Scan { .. }, Err(err)) => panic!("{name} should parse: {err}"),
                (Expect::Error { .. }, Ok(scan)) => panic!("{name} should fail: {scan:?}"),
            }
        }
        Ok(())
    }

    #[test]
    fn full_sudo6_has_four_up_hosts_three_with_mac_and_vendor() -> TestResult {
        let scan = parse_file(&corpus("libnmap-full_sudo6.xml"))?;
        assert_eq!(scan.nmap_version.as_deref(), Some("6.40-2"));
        assert_eq!(scan.started, DateTime::from_timestamp(1_399_586_452, 0));
        assert_eq!(scan.hosts.len(), 4);
        assert_eq!(scan.hosts_down, 252);
        let seen: Vec<(u64, &str, Option<&str>, Option<&str>)> = scan
            .hosts
            .iter()
            .map(|h| {
                (
                    h.line,
                    h.ipv4.first().map(String::as_str).unwrap_or(""),
                    h.mac.as_deref(),
                    h.mac_vendor.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    777,
                    "192.168.1.1",
                    Some("6C:2E:85:19:AF:00"),
                    Some("Sagemcom")
                ),
                (915, "192.168.1.2", Some("C0:63:94:05:01:03"), Some("Apple")),
                (
                    935,
                    "192.168.1.5",
                    Some("00:1F:3C:87:66:50"),
                    Some("Intel Corporate")
                ),
                (982, "192.168.1.3", None, None),
            ]
        );
        let first = scan.hosts.first().ok_or("no host")?;
        assert_eq!(
            first.os_guess.as_deref(),
            Some("Linux 2.6.13 (embedded) (100%)")
        );
        assert_eq!(first.last_seen, DateTime::from_timestamp(1_399_586_579, 0));
        assert_eq!(first.services.len(), 6);
        let rdp = scan
            .hosts
            .iter()
            .flat_map(|h| &h.services)
            .any(|s| s.service.contains("ms-wbt-server"));
        assert!(rdp, "RDP is among the services");
        Ok(())
    }

    #[test]
    fn two_hosts_version_lines_names_and_os() -> TestResult {
        let scan = parse_file(&corpus("libnmap-2_hosts_version.xml"))?;
        let lines: Vec<u64> = scan.hosts.iter().map(|h| h.line).collect();
        assert_eq!(lines, vec![14, 52]);
        let [local, scanme] = scan.hosts.as_slice() else {
            return Err("two hosts expected".into());
        };
        // user and PTR names are the same: listed once.
        assert_eq!(local.hostnames, vec!["localhost".to_string()]);
        assert_eq!(scanme.hostnames, vec!["scanme.nmap.org".to_string()]);
        assert_eq!(scanme.ipv4, vec!["74.207.244.221".to_string()]);
        // The best of 10 osmatch entries.
        assert_eq!(scanme.os_guess.as_deref(), Some("Netgear DG834G WAP (92%)"));
        assert_eq!(scanme.last_seen, DateTime::from_timestamp(1_361_737_830, 0));
        Ok(())
    }

    #[test]
    fn services_are_structured_and_ssl_tunnels_named() -> TestResult {
        let scan = parse_file(&corpus("nmap-zenmap-nmap-output-error.xml"))?;
        let host = scan.hosts.first().ok_or("no host")?;
        let ssh = host.services.first().ok_or("no service")?;
        assert_eq!(
            *ssh,
            NetworkService {
                port: 22,
                protocol: "tcp".into(),
                service: "ssh".into(),
                product: "OpenSSH".into(),
                version: "4.3".into(),
            }
        );
        let xml = r#"<nmaprun scanner="nmap"><host><status state="up"/>
            <address addr="10.0.0.9" addrtype="ipv4"/>
            <ports>
              <port protocol="tcp" portid="443"><state state="open"/>
                <service name="http" product="nginx" version="1.18" tunnel="ssl"/></port>
              <port protocol="udp" portid="161"><state state="open|filtered"/>
                <service name="snmp"/></port>
              <port protocol="tcp" portid="104"><state state="closed"/>
                <service name="dicom"/></port>
              <port protocol="tcp" portid="11112"><state state="open"/>
                <service name="dicom"/></port>
            </ports></host></nmaprun>"#;
        let scan = parse_str(xml)?;
        let host = scan.hosts.first().ok_or("no host")?;
        let shown: Vec<String> = host.services.iter().map(NetworkService::display).collect();
        assert_eq!(
            shown,
            vec!["443/tcp ssl/http nginx 1.18", "11112/tcp dicom"]
        );
        assert_eq!(host.open_filtered, 1);
        Ok(())
    }

    #[test]
    fn old_nmap_3_75_with_repeated_mac_warns() -> TestResult {
        let scan = parse_file(&corpus("nmap-zenmap-xml_test11.xml"))?;
        assert_eq!(scan.nmap_version.as_deref(), Some("3.75"));
        let macs: Vec<Option<&str>> = scan.hosts.iter().map(|h| h.mac.as_deref()).collect();
        assert_eq!(
            macs,
            vec![
                Some("00:E0:7D:F5:00:7D"),
                Some("00:90:D0:1C:85:AD"),
                Some("00:E0:7D:F5:00:7D"),
                None
            ]
        );
        let vendor = scan.hosts.get(1).and_then(|h| h.mac_vendor.as_deref());
        assert_eq!(vendor, Some("Thomson Belgium"));
        // No host times in 3.75: last seen is the start of the run.
        assert!(scan.hosts.iter().all(|h| h.last_seen == scan.started));
        assert!(scan.started.is_some());
        // Two osmatch entries at 100%: the first wins.
        let last = scan.hosts.last().ok_or("no host")?;
        assert_eq!(
            last.os_guess.as_deref(),
            Some("Linux 2.5.25 - 2.6.3 or Gentoo 1.2 Linux 2.4.19 rc1-rc7) (100%)")
        );
        assert!(
            scan.warnings
                .iter()
                .any(|(line, msg)| *line == 45 && msg.contains("also on the host at line 7")),
            "{:?}",
            scan.warnings
        );
        Ok(())
    }

    #[test]
    fn legacy_perl_fixture_owner_elements_and_open_filtered() -> TestResult {
        let scan = parse_file(&corpus("nmap-parser-perl-nmap_results.xml"))?;
        assert_eq!(scan.nmap_version.as_deref(), Some("3.80"));
        assert_eq!(scan.hosts_down, 1);
        let first = scan.hosts.first().ok_or("no host")?;
        assert_eq!(
            first.hostnames,
            vec!["host1".to_string(), "host1_2".to_string()]
        );
        assert_eq!(first.mac.as_deref(), Some("00:09:5B:3F:7D:5E"));
        assert_eq!(first.open_filtered, 1);
        let shown: Vec<String> = first.services.iter().map(NetworkService::display).collect();
        assert_eq!(
            shown,
            vec![
                "80/tcp http",
                "111/tcp rpcbind",
                "443/tcp https",
                "631/tcp ipp",
                "111/udp rpcbind"
            ]
        );
        Ok(())
    }

    #[test]
    fn malformed_structure_is_read_with_warnings() -> TestResult {
        let scan = parse_file(&corpus("ullaakut-scan_invalid_services.xml"))?;
        let ports: Vec<Vec<String>> = scan
            .hosts
            .iter()
            .map(|h| h.services.iter().map(NetworkService::display).collect())
            .collect();
        assert_eq!(
            ports,
            vec![
                vec!["80/tcp http VALID", "443/tcp https VALID"],
                vec!["443/tcp https INVALID"],
                vec!["80/tcp http INVALID"],
                vec!["80/tcp http INVALID"],
            ]
        );
        let count = |needle: &str| {
            scan.warnings
                .iter()
                .filter(|(_, m)| m.contains(needle))
                .count()
        };
        assert_eq!(count("no <status>"), 4);
        assert_eq!(count("no addrtype"), 4);
        assert_eq!(count("no protocol"), 5);
        let lines: Vec<u64> = scan.warnings.iter().map(|(line, _)| *line).collect();
        let mut sorted = lines.clone();
        sorted.sort_unstable();
        assert_eq!(lines, sorted, "warnings are in file order");
        Ok(())
    }

    #[test]
    fn control_byte_in_an_ignored_element_is_a_warning() -> TestResult {
        let scan = parse_file(&corpus("nmap-zenmap-nmap-output-error.xml"))?;
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.line, 16);
        assert_eq!(host.hostnames, vec!["flog.yuma.net".to_string()]);
        assert!(
            scan.warnings.iter().any(|(line, msg)| *line == 14
                && msg.contains("0x05")
                && msg.contains("taskbegin")),
            "{:?}",
            scan.warnings
        );
        Ok(())
    }

    #[test]
    fn control_character_in_a_kept_value_is_an_error() {
        for value in ["bad\u{5}name", "bad&#5;name"] {
            let xml = format!(
                "<nmaprun>\n<host><status state=\"up\"/>\n<hostnames>\n\
                 <hostname name=\"{value}\"/></hostnames></host></nmaprun>"
            );
            match parse_str(&xml) {
                Err(NmapError::Xml { line, reason }) => {
                    assert_eq!(line, 4);
                    assert!(reason.contains("U+0005"), "{reason}");
                }
                other => panic!("expected an error for {value:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn entity_file_is_refused_and_never_read() -> TestResult {
        // The corpus file points at ./simple.xml; a copy pointing at a real secret file shows
        // that its content never reaches the result.
        let dir = tempfile::tempdir()?;
        let secret = dir.path().join("secret.txt");
        std::fs::write(&secret, "TOP-SECRET-PATIENT-DATA")?;
        let url = format!("file://{}", secret.display());
        let with_doctype = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun [\n<!ENTITY ee SYSTEM \"{url}\">\n]>\n\
             <nmaprun scanner=\"nmap\"><host><status state=\"up\"/>\
             <address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>\
             <hostnames><hostname name=\"&ee;\"/></hostnames></host></nmaprun>"
        );
        let err = parse_str(&with_doctype).err().ok_or("must be refused")?;
        assert!(
            matches!(err, NmapError::EntityDeclaration { line: 2 }),
            "{err}"
        );
        assert!(!format!("{err} {err:?}").contains("TOP-SECRET"));

        // Without a declaration, the reference is never resolved either: in text it is left
        // out with a warning, in a kept attribute it is an error.
        let in_text = "<nmaprun scanner=\"nmap\"><host><status state=\"up\"/>\
             <address addr=\"10.0.0.1\" addrtype=\"ipv4\"/><os>&ee;</os></host></nmaprun>";
        let scan = parse_str(in_text)?;
        assert_eq!(scan.hosts.len(), 1);
        assert!(!format!("{scan:?}").contains("TOP-SECRET"));
        assert!(scan.warnings.iter().any(|(_, m)| m.contains("&ee;")));
        let in_attr = "<nmaprun scanner=\"nmap\"><host><status state=\"up\"/>\
             <hostnames><hostname name=\"&ee;\"/></hostnames></host></nmaprun>";
        let err = parse_str(in_attr).err().ok_or("must be refused")?;
        assert!(matches!(err, NmapError::Xml { line: 1, .. }), "{err}");

        let err = parse_file(&corpus("libnmap-defused_et_local_includer.xml"))
            .err()
            .ok_or("must be refused")?;
        assert!(!format!("{err:?}").contains("simple"), "{err:?}");
        Ok(())
    }

    #[test]
    fn plain_doctype_and_stylesheet_are_ignored() -> TestResult {
        let scan = parse_file(&corpus("libnmap-dionaea_scan.xml"))?;
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.mac.as_deref(), Some("02:42:AC:1C:01:03"));
        assert_eq!(host.mac_vendor, None);
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun SYSTEM \"/etc/passwd\">\n\
            <?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n\
            <nmaprun scanner=\"nmap\"></nmaprun>";
        let scan = parse_str(xml)?;
        assert!(scan.hosts.is_empty());
        assert!(
            scan.warnings
                .iter()
                .any(|(line, m)| *line == 2 && m.contains("never read"))
        );
        Ok(())
    }

    #[test]
    fn ipv6_only_host() -> TestResult {
        let xml = r#"<?xml version="1.0"?>
<nmaprun scanner="nmap" version="7.94" start="1700000000">
<host starttime="1700000010" endtime="1700000020"><status state="up" reason="nd-response"/>
<address addr="FE80:0000:0000:0000:0202:B3FF:FE1E:8329" addrtype="ipv6"/>
<address addr="2001:db8::104"/>
<address addr="00-02-b3-1e-83-29" addrtype="mac" vendor="Intel"/>
<hostnames><hostname name="infusion-pump-7.icu.example" type="PTR"/></hostnames>
<ports><port protocol="tcp" portid="104"><state state="open"/><service name="dicom"/></port></ports>
</host>
</nmaprun>"#;
        let scan = parse_str(xml)?;
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.line, 3);
        assert!(host.ipv4.is_empty());
        assert_eq!(
            host.ipv6,
            vec![
                "fe80::202:b3ff:fe1e:8329".to_string(),
                "2001:db8::104".to_string()
            ]
        );
        assert_eq!(host.mac.as_deref(), Some("00:02:B3:1E:83:29"));
        assert_eq!(host.mac_vendor.as_deref(), Some("Intel"));
        assert_eq!(
            host.hostnames,
            vec!["infusion-pump-7.icu.example".to_string()]
        );
        assert_eq!(host.last_seen, DateTime::from_timestamp(1_700_000_020, 0));
        assert_eq!(scan.nmap_version.as_deref(), Some("7.94"));
        assert!(
            scan.warnings
                .iter()
                .any(|(line, m)| *line == 5 && m.contains("read as IPv6")),
            "{:?}",
            scan.warnings
        );
        Ok(())
    }

    #[test]
    fn host_without_ports() -> TestResult {
        let scan = parse_file(&corpus("libnmap-1_hosts_down.xml"))?;
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.ipv4, vec!["10.1.1.1".to_string()]);
        assert!(host.services.is_empty());
        assert_eq!(host.os_guess, None);
        let scan = parse_str(
            "<nmaprun scanner='nmap'><host><status state='up'/><address addr='10.2.2.2' addrtype='ipv4'/></host><host/></nmaprun>",
        )?;
        assert_eq!(scan.hosts.len(), 2);
        assert!(scan.hosts.iter().all(|h| h.services.is_empty()));
        assert!(
            scan.warnings
                .iter()
                .any(|(_, m)| m.contains("no IP address and no hostname"))
        );
        Ok(())
    }

    #[test]
    fn address_after_ports_and_addport_elements() -> TestResult {
        let xml = r#"<nmaprun scanner="nmap" version="3.50">
<addport state="open" portid="22" protocol="tcp" owner=""/>
<host><status state="up"/>
<ports><port protocol="tcp" portid="22"><state state="open"/><service name="ssh"/></port></ports>
<address addr="192.168.5.5" addrtype="ipv4"/>
<address addr="00:11:22:33:44:55" addrtype="mac"/>
</host>
<host><ports/><address addr="192.168.5.6" addrtype="ipv4"/><status state="down"/></host>
<host><status state="unknown"/><address addr="192.168.5.7" addrtype="ipv4"/></host>
</nmaprun>"#;
        let scan = parse_str(xml)?;
        assert_eq!(scan.hosts.len(), 1);
        assert_eq!(scan.hosts_down, 2);
        let host = scan.hosts.first().ok_or("no host")?;
        assert_eq!(host.ipv4, vec!["192.168.5.5".to_string()]);
        assert_eq!(host.mac.as_deref(), Some("00:11:22:33:44:55"));
        assert_eq!(host.services.len(), 1);
        assert!(
            scan.warnings
                .iter()
                .any(|(line, m)| *line == 9 && m.contains("unknown"))
        );
        Ok(())
    }

    #[test]
    fn empty_scans() -> TestResult {
        let scan = parse_file(&corpus("nmap-ndiff-empty.xml"))?;
        assert!(scan.hosts.is_empty());
        assert_eq!(scan.nmap_version.as_deref(), Some("4.90RC2"));
        let scan = parse_file(&corpus("ullaakut-scan_error_resolving_name.xml"))?;
        assert!(scan.hosts.is_empty());
        assert!(
            scan.warnings
                .iter()
                .any(|(line, m)| *line == 4 && m.contains("Error resolving name localhost"))
        );
        let scan = parse_str("<nmaprun/>")?;
        assert!(scan.hosts.is_empty());
        Ok(())
    }

    #[test]
    fn truncated_files_fail_with_a_line() -> TestResult {
        for (name, expect) in CASES {
            if !matches!(expect, Expect::Scan { .. }) {
                continue;
            }
            let bytes = corpus_bytes(name)?;
            let half = bytes.get(..bytes.len() / 2).ok_or("cut")?;
            let err = parse(half)
                .err()
                .ok_or(format!("{name} cut in half must fail"))?;
            let line = err.line().ok_or(format!("{name}: {err} names no line"))?;
            assert!(line >= 1);
            assert!(
                err.to_string().starts_with(&format!("line {line}: ")),
                "{name}: {err}"
            );
        }
        // Cut anywhere before </nmaprun>: always an error, never a panic.
        let bytes = corpus_bytes("libnmap-full_sudo6.xml")?;
        let text = String::from_utf8_lossy(&bytes);
        let end = text.rfind("</nmaprun>").ok_or("no end tag")?;
        for cut in (0..end).step_by(997).chain([end - 1, end]) {
            let part = bytes.get(..cut).ok_or("cut")?;
            assert!(parse(part).is_err(), "cut at {cut} must fail");
        }
        let scan = parse(bytes.get(..end + "</nmaprun>".len()).ok_or("cut")?)?;
        assert_eq!(scan.hosts.len(), 4);
        // The line of a cut inside a host.
        let host = text
            .find("<host starttime=\"1399586452\" endtime=\"1399586591\"")
            .ok_or("host")?;
        // Inside the <status> tag on the host's line: the tag is not closed.
        let part = bytes.get(..host + 60).ok_or("cut")?;
        assert!(matches!(parse(part), Err(NmapError::Xml { line: 915, .. })));
        // After the host's first line: the host is not closed.
        let eol = host + text.get(host..).and_then(|t| t.find('\n')).ok_or("eol")?;
        let part = bytes.get(..=eol).ok_or("cut")?;
        match parse(part) {
            Err(NmapError::Truncated {
                line,
                element,
                opened,
            }) => {
                assert_eq!((line, opened), (915, 915));
                assert_eq!(element, "host");
            }
            other => return Err(format!("expected truncation: {other:?}").into()),
        }
        Ok(())
    }

    #[test]
    fn garbage_is_not_nmap() {
        let mut seed: u32 = 12345;
        let mut noise = Vec::with_capacity(4096);
        for _ in 0..4096 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            noise.push((seed >> 16) as u8);
        }
        let inputs: [&[u8]; 7] = [
            b"",
            b"   \n\n",
            b"hello, this is not xml\n",
            b"\xff\xfe<\x00n\x00m\x00",
            b"\x00\x01\x02\x03\x04",
            b"<html><body>not a scan</body></html>",
            &noise,
        ];
        for input in inputs {
            match parse(input) {
                Err(err @ (NmapError::NotNmap { .. } | NmapError::Xml { .. })) => {
                    assert!(err.line().is_some(), "{err}");
                    assert!(err.to_string().starts_with("line "), "{err}");
                }
                other => panic!("garbage {:?} gave {other:?}", input.get(..8)),
            }
        }
        assert!(matches!(
            parse(&b"<nmaprun>\n<host>\xff\xfe</host></nmaprun>"[..]),
            Err(NmapError::Xml { line: 2, .. })
        ));
    }

    #[test]
    fn appended_scans_are_refused() {
        let xml = "<nmaprun scanner='nmap'></nmaprun>\n<nmaprun scanner='nmap'></nmaprun>";
        assert!(matches!(
            parse_str(xml),
            Err(NmapError::Xml { line: 2, .. })
        ));
    }

    #[test]
    fn nesting_limit() -> TestResult {
        let nested = |levels: usize| {
            let mut xml = String::from("<nmaprun scanner='nmap'>\n");
            for _ in 1..levels {
                xml.push_str("<a>\n");
            }
            for _ in 1..levels {
                xml.push_str("</a>");
            }
            xml.push_str("</nmaprun>");
            xml
        };
        parse_str(&nested(MAX_DEPTH))?;
        match parse_str(&nested(MAX_DEPTH + 1)) {
            Err(NmapError::TooDeep { line }) => assert_eq!(line, 101),
            other => return Err(format!("expected too deep: {other:?}").into()),
        }
        let err = parse_str(&nested(100_000)).err().ok_or("too deep")?;
        assert!(matches!(err, NmapError::TooDeep { line: 101 }), "{err}");
        Ok(())
    }

    #[test]
    fn huge_attributes() -> TestResult {
        let host = |attr: &str| {
            format!(
                "<nmaprun scanner='nmap'>\n<host><status state='up'/>\n\
                 <address addr='10.0.0.1' addrtype='ipv4'/>\n{attr}\n</host></nmaprun>"
            )
        };
        // A kept value over the limit is refused.
        let long_name = "a".repeat(MAX_VALUE_CHARS + 1);
        let xml = host(&format!(
            "<hostnames><hostname name='{long_name}'/></hostnames>"
        ));
        match parse_str(&xml) {
            Err(NmapError::FieldTooLong { line, what, chars }) => {
                assert_eq!(line, 4);
                assert_eq!(what, "<hostname name>");
                assert_eq!(chars, MAX_VALUE_CHARS + 1);
            }
            other => return Err(format!("expected too long: {other:?}").into()),
        }
        // At the limit it is kept.
        let name = "b".repeat(MAX_VALUE_CHARS);
        let scan = parse_str(&host(&format!(
            "<hostnames><hostname name='{name}'/></hostnames>"
        )))?;
        assert_eq!(scan.hosts.first().map(|h| h.hostnames.len()), Some(1));
        // A long value medsec skips (script output) does not stop the import.
        let output = "x".repeat(200_000);
        let scan = parse_str(&host(&format!(
            "<hostscript><script id='s' output='{output}'/></hostscript>"
        )))?;
        assert_eq!(scan.hosts.len(), 1);
        // One tag over the event limit is refused, whatever it holds.
        let output = "y".repeat(usize::try_from(MAX_EVENT_BYTES)?);
        let err = parse_str(&host(&format!(
            "<hostscript><script output='{output}'/></hostscript>"
        )))
        .err()
        .ok_or("too large")?;
        assert!(
            matches!(err, NmapError::ElementTooLarge { line: 4, .. }),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn limits_are_exact_when_streaming() -> TestResult {
        let xml = "<nmaprun scanner='nmap'>\n<host><status state='up'/></host>\n</nmaprun>\n";
        let size = xml.len() as u64;
        let limits = |file_bytes, event_bytes| Limits {
            file_bytes,
            event_bytes,
        };
        parse_read(xml.as_bytes(), limits(size, 64))?;
        match parse_read(xml.as_bytes(), limits(size - 1, 64)) {
            Err(NmapError::TooLarge { bytes }) => assert_eq!(bytes, size - 1),
            other => return Err(format!("expected too large: {other:?}").into()),
        }
        // The longest tag is the 24-byte <nmaprun …>.
        parse_read(xml.as_bytes(), limits(size, 24))?;
        let err = parse_read(xml.as_bytes(), limits(size, 23))
            .err()
            .ok_or("tag too large")?;
        assert!(
            matches!(err, NmapError::ElementTooLarge { line: 1, limit: 23 }),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn file_size_is_checked_before_reading() -> TestResult {
        let file = tempfile::NamedTempFile::new()?;
        file.as_file().set_len(MAX_FILE_BYTES + 1)?;
        match parse_file(file.path()) {
            Err(NmapError::TooLarge { bytes }) => assert_eq!(bytes, MAX_FILE_BYTES + 1),
            other => return Err(format!("expected too large: {other:?}").into()),
        }
        let missing = Path::new(CORPUS).join("no-such-scan.xml");
        assert!(matches!(parse_file(&missing), Err(NmapError::Open { .. })));
        Ok(())
    }

    /// Generates a scan of `hosts` hosts on the fly, so the test holds no copy of it.
    struct GeneratedScan {
        hosts: u32,
        next: u32,
        pending: Vec<u8>,
        done: bool,
    }

    impl Read for GeneratedScan {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.pending.is_empty() && !self.done {
                if self.next == 0 {
                    self.pending
                        .extend_from_slice(b"<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" start=\"1700000000\">\n");
                }
                if self.next < self.hosts {
                    let n = self.next;
                    let state = if n.is_multiple_of(8) { "up" } else { "down" };
                    let host = format!(
                        "<host><status state=\"{state}\"/>\n<address addr=\"10.{}.{}.{}\" addrtype=\"ipv4\"/>\n\
                         <ports><port protocol=\"tcp\" portid=\"104\"><state state=\"open\"/>\
                         <service name=\"dicom\"/></port></ports>\n</host>\n",
                        (n >> 16) & 255,
                        (n >> 8) & 255,
                        n & 255
                    );
                    self.pending.extend_from_slice(host.as_bytes());
                    self.next += 1;
                } else {
                    self.pending.extend_from_slice(b"</nmaprun>\n");
                    self.done = true;
                }
            }
            let n = self.pending.len().min(out.len());
            out[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn large_generated_scan_streams() -> TestResult {
        let source = GeneratedScan {
            hosts: 65_536,
            next: 0,
            pending: Vec::new(),
            done: false,
        };
        let scan = parse(io::BufReader::new(source))?;
        assert_eq!(scan.hosts.len(), 8_192);
        assert_eq!(scan.hosts_down, 65_536 - 8_192);
        let last = scan.hosts.last().ok_or("no host")?;
        assert_eq!(last.ipv4, vec!["10.0.255.248".to_string()]);
        // 2 header lines, then 4 lines per host.
        assert_eq!(last.line, 3 + 4 * 65_528);
        Ok(())
    }
}
