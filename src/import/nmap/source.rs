//! The byte source in front of quick-xml: it counts lines, enforces the input limits exactly
//! and notes control bytes, per XML event.

use std::io::{self, BufRead, Read};

use super::{MAX_EVENT_BYTES, MAX_FILE_BYTES};

/// Size of the read buffer in front of the XML reader.
const READ_CHUNK: usize = 64 * 1024;

/// The input limits, fixed for [`parse`](super::parse); smaller in tests.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) file_bytes: u64,
    pub(super) event_bytes: u64,
}

pub(super) const LIMITS: Limits = Limits {
    file_bytes: MAX_FILE_BYTES,
    event_bytes: MAX_EVENT_BYTES,
};

/// Which input limit stopped the reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Limit {
    File,
    Event,
}

/// Buffered byte source in front of quick-xml. It counts lines, watches the input limits and
/// notes control bytes, per XML event: quick-xml consumes input exactly up to the end of each
/// event, so the bytes consumed when an event starts are that event's offset.
pub(super) struct Source<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    pub(super) consumed: u64,
    newlines: u64,
    last_byte: Option<u8>,
    event_bytes: u64,
    pub(super) event_control: Option<u8>,
    pub(super) limits: Limits,
    pub(super) tripped: Option<Limit>,
}

impl<R: Read> Source<R> {
    pub(super) fn new(inner: R, limits: Limits) -> Self {
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
    pub(super) fn mark(&mut self) -> u64 {
        self.event_bytes = 0;
        self.event_control = None;
        self.newlines + 1
    }

    /// The last line of the input read so far (a final newline does not start a line).
    pub(super) fn last_line(&self) -> u64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::nmap::NmapError;
    use crate::import::nmap::parse;
    use crate::import::nmap::parser::parse_read;
    use crate::import::nmap::tests::TestResult;

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
