//! One XML member of a zip-based file, walked once: nesting depth, DOCTYPE, an xlsx
//! shared-string table's declared size and (through [`OdsScan`]) the extent of ods sheets.

use std::io;

use quick_xml::events::{BytesStart, Event};

use super::limits::Limits;
use super::ods_extent::OdsScan;
use super::xlsx_merges::XlsxMerges;

pub(super) enum XmlProblem {
    TooDeep,
    TooManyStrings(String),
    DocType,
    OdsOutOfBounds(String),
    OdsTooDense {
        sheet: String,
        rows: u64,
        columns: u64,
    },
    /// More merged ranges than [`Limits::max_cells`] (in the named ods sheet or xlsx part).
    TooManyMerges(String),
}

/// Walks one XML member: nesting depth, DOCTYPE, (for ods `content.xml`) the extent and merged
/// cells of each sheet and (for xlsx) what [`XlsxMerges`] collects. Malformed XML simply ends
/// the walk: the spreadsheet parser reports it if it matters.
pub(super) fn scan_xml<R: io::BufRead>(
    xml: &mut quick_xml::Reader<R>,
    limits: &Limits,
    declared: u64,
    mut ods: Option<&mut OdsScan>,
    mut xlsx: Option<&mut XlsxMerges>,
) -> Result<(), XmlProblem> {
    // calamine reserves room for an xlsx shared-string table's declared `uniqueCount`; each
    // string takes at least 5 bytes of XML (`<si/>`).
    let max_strings = (declared / 5 + 16).min(limits.max_cells as u64);
    let check_sst = |e: &BytesStart<'_>| -> Result<(), XmlProblem> {
        if e.local_name().as_ref() == "sst"
            && let Some(count) = attr_text(e, "uniqueCount")
            && count
                .trim()
                .parse::<u64>()
                .map_or(true, |n| n > max_strings)
        {
            return Err(XmlProblem::TooManyStrings(count));
        }
        Ok(())
    };
    let mut buf = Vec::new();
    let mut depth: usize = 0;
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => return Ok(()),
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > limits.max_xml_depth {
                    return Err(XmlProblem::TooDeep);
                }
                check_sst(&e)?;
                if let Some(ods) = ods.as_deref_mut() {
                    ods.start(&e, false, limits)?;
                }
                if let Some(xlsx) = xlsx.as_deref_mut() {
                    xlsx.start(&e, limits)?;
                }
            }
            Event::Empty(e) => {
                if depth + 1 > limits.max_xml_depth {
                    return Err(XmlProblem::TooDeep);
                }
                check_sst(&e)?;
                if let Some(ods) = ods.as_deref_mut() {
                    ods.start(&e, true, limits)?;
                }
                if let Some(xlsx) = xlsx.as_deref_mut() {
                    xlsx.start(&e, limits)?;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if let Some(ods) = ods.as_deref_mut() {
                    ods.end(e.name().as_ref(), limits)?;
                }
            }
            Event::DocType(_) => return Err(XmlProblem::DocType),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

pub(super) fn attr_text(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let attr = e.try_get_attribute(name).ok().flatten()?;
    Some(attr.value.into_owned())
}

pub(super) fn attr_count(e: &BytesStart<'_>, name: &str) -> u64 {
    attr_text(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::import::sheet::fixtures::{TestResult, rewrite_zip, xlsx_bytes};
    use crate::import::sheet::{Limits, read_table_from_bytes};

    #[test]
    fn shared_string_count_is_checked() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            Ok(())
        })?;
        let bytes = rewrite_zip(
            &bytes,
            |name, data| {
                if name == "xl/sharedStrings.xml" {
                    let xml = String::from_utf8_lossy(&data)
                        .replace("uniqueCount=\"1\"", "uniqueCount=\"999999999999\"");
                    Some(xml.into_bytes())
                } else {
                    Some(data)
                }
            },
            &[],
        )?;
        let err = read_table_from_bytes(&bytes, Path::new("s.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(
            err.to_string().contains("999999999999 shared strings"),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn deep_xml_and_doctype_are_refused() -> TestResult {
        let bytes = xlsx_bytes(|s| {
            s.write_string(0, 0, "Name")?;
            Ok(())
        })?;
        let deep = format!("<a>{}{}</a>", "<b>".repeat(150), "</b>".repeat(150));
        let file = rewrite_zip(
            &bytes,
            |_, d| Some(d),
            &[("docProps/deep.xml", deep.as_bytes())],
        )?;
        let err = read_table_from_bytes(&file, Path::new("x.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains("more than 100 levels"), "{err}");

        let doctype = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#;
        let file = rewrite_zip(
            &bytes,
            |_, d| Some(d),
            &[("docProps/x.xml", doctype.as_bytes())],
        )?;
        let err = read_table_from_bytes(&file, Path::new("x.xlsx"), None, &Limits::default())
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains("DOCTYPE"), "{err}");
        Ok(())
    }
}
