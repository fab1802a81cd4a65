//! The element walk: each XML event is handed to the [`Parser`], which keeps a stack of the
//! open elements that matter and dispatches the ones medsec reads.

use std::collections::HashMap;
use std::io::Read;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::attrs::short;
use super::host::HostDraft;
use super::port::PortDraft;
use super::source::{Limits, Source};
use super::{MAX_DEPTH, MAX_WARNINGS, NmapError, Scan, ScanHost};

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

/// An open element: what it means and the line it starts on.
#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: Kind,
    line: u64,
}

/// The state of one parse: the scan read so far, the open elements and the host and port
/// being read.
#[derive(Debug, Default)]
pub(super) struct Parser {
    pub(super) scan: Scan,
    stack: Vec<Frame>,
    pub(super) root_seen: bool,
    pub(super) root_closed: bool,
    pub(super) host: Option<HostDraft>,
    pub(super) port: Option<PortDraft>,
    /// MAC → line of the first kept host that has it.
    pub(super) macs: HashMap<String, u64>,
    suppressed: usize,
}

/// Reads a scan from `input` under `limits` ([`LIMITS`](super::source::LIMITS) for
/// [`parse`](super::parse), smaller in tests).
pub(super) fn parse_read<R: Read>(input: R, limits: Limits) -> Result<Scan, NmapError> {
    let mut hosts = Vec::new();
    let mut scan = parse_read_with(input, limits, &mut |host| hosts.push(host))?;
    scan.hosts = hosts;
    Ok(scan)
}

/// [`parse_read`], handing each host that is up to `on_host` as soon as its `</host>` is read
/// instead of keeping it: the returned scan's `hosts` is empty. Hosts handed over before an
/// error are of no use (the file is refused as a whole).
pub(super) fn parse_read_with<R: Read>(
    mut input: R,
    limits: Limits,
    on_host: &mut dyn FnMut(ScanHost),
) -> Result<Scan, NmapError> {
    // quick-xml reads UTF-16 as bytes, so such a file would be refused for a root element of
    // NUL-separated letters: recognised here from its first two bytes and named for what it is.
    let mut head = Vec::with_capacity(2);
    (&mut input)
        .take(2)
        .read_to_end(&mut head)
        .map_err(|source| NmapError::Io { line: 1, source })?;
    if let [a, b] = head[..]
        && matches!((a, b), (0xFF, 0xFE) | (0xFE, 0xFF) | (b'<', 0) | (0, b'<'))
    {
        return Err(NmapError::NotNmap {
            line: 1,
            reason: "the file is UTF-16 text (saved by an editor as \"Unicode\"), but nmap writes \
                     UTF-8; import the file exactly as nmap -oX wrote it, or save it as UTF-8"
                .to_string(),
        });
    }
    let input = std::io::Cursor::new(head).chain(input);
    let mut reader = Reader::from_reader(Source::new(input, limits));
    // Text is never used, so a stray `&` in it is no reason to refuse a scan.
    reader.config_mut().allow_dangling_amp = true;
    let mut parser = Parser::default();
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    loop {
        // A host is complete once its `</host>` (or `<host/>`) was handled.
        for host in parser.scan.hosts.drain(..) {
            on_host(host);
        }
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
    /// Adds a warning at `line`; past [`MAX_WARNINGS`] it is only counted.
    pub(super) fn warn(&mut self, line: u64, message: String) {
        if self.scan.warnings.len() < MAX_WARNINGS {
            self.scan.warnings.push((line, message));
        } else {
            self.suppressed += 1;
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
}

#[cfg(test)]
mod tests {
    use crate::import::nmap::tests::{TestResult, corpus, parse_str};
    use crate::import::nmap::{MAX_DEPTH, NmapError, parse_file};

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
}
