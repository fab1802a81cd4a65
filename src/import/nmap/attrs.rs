//! Attribute values: read, checked (length, control characters), parsed as times, and
//! shortened for messages.

use chrono::{DateTime, Utc};
use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;

use super::parser::Parser;
use super::{MAX_VALUE_CHARS, NmapError};

/// Longest element name quoted in a message.
const NAME_IN_MESSAGE: usize = 40;

impl Parser {
    /// Reads the attributes `names` of `e`, checking each value kept: no control characters,
    /// at most [`MAX_VALUE_CHARS`]. Values are trimmed; empty ones become `None`.
    pub(super) fn attrs<const N: usize>(
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

    pub(super) fn time_value(
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

/// Longest reason quoted from the XML reader in a message, in characters.
const REASON_IN_MESSAGE: usize = 200;

/// A reader's message made one short line: control characters (line breaks included) shown
/// escaped, cut after [`REASON_IN_MESSAGE`] characters.
pub(super) fn one_line(s: &str) -> String {
    let mut out: String = s.chars().take(REASON_IN_MESSAGE).collect();
    let cut = out.len() < s.len();
    out = crate::device::fields::printable(&out);
    if cut {
        out.push('…');
    }
    out
}

/// A name or value shortened for a message.
/// Control characters (a NUL, an escape sequence) are shown escaped, never raw: the message
/// goes to a terminal.
pub(super) fn short(s: &str) -> String {
    if s.chars().count() <= NAME_IN_MESSAGE {
        crate::device::fields::printable(s)
    } else {
        let mut out: String = s.chars().take(NAME_IN_MESSAGE).collect();
        out = crate::device::fields::printable(&out);
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::import::nmap::tests::{TestResult, parse_str};
    use crate::import::nmap::{MAX_EVENT_BYTES, MAX_VALUE_CHARS, NmapError};

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
}
