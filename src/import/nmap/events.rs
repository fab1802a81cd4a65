//! XML events other than elements: reader errors (limits included), the DOCTYPE (entities are
//! refused, DTDs never read), text and entity references (never expanded).

use std::io;

use quick_xml::errors::{Error as XmlError, SyntaxError};

use super::NmapError;
use super::attrs::{one_line, short};
use super::parser::Parser;
use super::source::{Limit, Source};

impl Parser {
    /// Turns a reader error into ours, naming the line where the failing event starts.
    pub(super) fn read_error<R>(&self, source: &Source<R>, line: u64, err: XmlError) -> NmapError {
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
            // quick-xml quotes what it found, which in a damaged file can be kilobytes of the
            // file across many lines (a mismatched end tag runs to the next `>`).
            _ => one_line(&err.to_string()),
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

    pub(super) fn doctype(&mut self, content: &str, line: u64) -> Result<(), NmapError> {
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

    pub(super) fn text(
        &mut self,
        text: &str,
        line: u64,
        control: Option<u8>,
    ) -> Result<(), NmapError> {
        let blank = text.trim().is_empty();
        if !self.root_seen && !blank {
            return Err(starts_with_text(line));
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

    pub(super) fn reference(&mut self, name: &str, line: u64) -> Result<(), NmapError> {
        if !self.root_seen {
            return Err(starts_with_text(line));
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
}

/// The error for text or an entity reference before the root element.
fn starts_with_text(line: u64) -> NmapError {
    NmapError::NotNmap {
        line,
        reason: "the file starts with text, not XML markup".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::import::nmap::tests::{TestResult, corpus, parse_str};
    use crate::import::nmap::{NmapError, parse, parse_file};

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

    /// Found by the hostile sweep (tests/hostile.rs): a mutated dionaea scan whose end tag
    /// lost its `>` was refused with 6 KB of the file, across many lines, in the message.
    #[test]
    fn a_reader_error_is_one_short_line() {
        let xml = format!(
            "<nmaprun><host><script>\n</scr{}\n</host></nmaprun>",
            "x\ny\u{1b}[2J".repeat(2000)
        );
        let err = parse(xml.as_bytes())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("line 2: the XML is damaged: "), "{err}");
        assert!(!err.chars().any(char::is_control), "{err}");
        assert!(err.chars().count() < 500, "{err}");
    }

    /// Found by the hostile sweep (tests/hostile.rs): a scan saved as UTF-16 was refused for
    /// "the root element is <\0?\0x\0m\0l\0>", raw NULs in the message.
    #[test]
    fn utf16_is_named_and_no_message_holds_a_control_character() {
        let scan = "<?xml version=\"1.0\"?><nmaprun></nmaprun>";
        let le_bom: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(scan.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = scan.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let le: Vec<u8> = scan.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for input in [le_bom, be, le] {
            let err = parse(&input[..])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.starts_with("line 1: not an nmap XML scan: the file is UTF-16"),
                "{err}"
            );
        }
        let err = parse(&b"<a\x00\x1b[2J>"[..])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("<a\u{2400}\u{241b}[2J>"), "{err}");
        assert!(!err.chars().any(char::is_control), "{err}");
    }
}
