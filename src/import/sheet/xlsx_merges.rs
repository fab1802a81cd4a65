//! The merged cells of every xlsx sheet, collected during the one walk over the file's XML
//! that the input checks make anyway ([`super::zip_limits`]), so the reader of all sheets does
//! not parse each sheet a second time for its `<mergeCells>` (they follow the cells).
//!
//! Three members are looked at: `xl/workbook.xml` (each `<sheet name r:id>`),
//! `xl/_rels/workbook.xml.rels` (each `<Relationship Id Target>`) and every worksheet
//! (`<mergeCell ref="H2:H3">`). [`XlsxMerges::by_sheet`] joins them; a sheet whose part it
//! cannot place is left out, and the reader asks calamine for that sheet's merged cells
//! instead.

use std::collections::{HashMap, HashSet};

use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;

use super::limits::Limits;
use super::sheets::MergedCells;
use super::xml_scan::XmlProblem;

/// What the walk collected.
#[derive(Debug, Default)]
pub(super) struct XlsxMerges {
    /// The member being walked.
    member: String,
    /// Every member walked.
    walked: HashSet<String>,
    /// (sheet name, relationship ID) from `xl/workbook.xml`.
    sheets: Vec<(String, String)>,
    /// Relationship ID → target, from `xl/_rels/workbook.xml.rels`.
    targets: HashMap<String, String>,
    /// Worksheet member → its merged ranges.
    merged: HashMap<String, Vec<MergedCells>>,
    /// Merged ranges in all.
    count: usize,
}

const WORKBOOK: &str = "xl/workbook.xml";
const WORKBOOK_RELS: &str = "xl/_rels/workbook.xml.rels";

impl XlsxMerges {
    /// Starts the walk of the zip member `name`.
    pub(super) fn member(&mut self, name: &str) {
        self.member = name.to_string();
        self.walked.insert(name.to_string());
    }

    /// Looks at one start (or empty) element of the current member.
    pub(super) fn start(&mut self, e: &BytesStart<'_>, limits: &Limits) -> Result<(), XmlProblem> {
        let local = e.local_name();
        match (self.member.as_str(), local.as_ref()) {
            (WORKBOOK, "sheet") => {
                if let (Some(name), Some(id)) = (attr(e, "name"), attr_ns(e, "id")) {
                    self.sheets.push((name, id));
                }
            }
            (WORKBOOK_RELS, "Relationship") => {
                if let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target")) {
                    self.targets.insert(id, target);
                }
            }
            (_, "mergeCell") => {
                let Some(range) = attr(e, "ref").and_then(|r| parse_range(&r)) else {
                    return Ok(());
                };
                self.count += 1;
                if self.count > limits.max_cells {
                    return Err(XmlProblem::TooManyMerges(self.member.clone()));
                }
                self.merged
                    .entry(self.member.clone())
                    .or_default()
                    .push(range);
            }
            _ => {}
        }
        Ok(())
    }

    /// The merged ranges of every sheet whose part was found among the members walked (a sheet
    /// without merged cells maps to an empty list), by sheet name. A sheet whose part is not
    /// found exactly as named (calamine also matches parts case-insensitively) is left out.
    pub(super) fn by_sheet(mut self) -> HashMap<String, Vec<MergedCells>> {
        let mut out = HashMap::new();
        for (name, id) in self.sheets {
            let Some(target) = self.targets.get(&id) else {
                continue;
            };
            let part = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None if target.starts_with("..") => continue,
                None => format!("xl/{target}"),
            };
            if self.walked.contains(&part) {
                out.insert(name, self.merged.remove(&part).unwrap_or_default());
            }
        }
        out
    }
}

/// An attribute's unescaped value, by its local name.
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local && a.key.prefix().is_none())
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A namespaced attribute's value (`r:id`), by its local name.
fn attr_ns(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local && a.key.prefix().is_some())
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// `H2:H3` (or a single cell, `H2`) → the range.
fn parse_range(text: &str) -> Option<MergedCells> {
    let (first, last) = text.split_once(':').unwrap_or((text, text));
    let (first_row, first_col) = parse_cell(first)?;
    let (last_row, last_col) = parse_cell(last)?;
    Some(MergedCells {
        first_row,
        first_col,
        last_row,
        last_col,
    })
}

/// `AB12` (`$` allowed) → (12, 27).
fn parse_cell(text: &str) -> Option<(usize, usize)> {
    let text = text.replace('$', "");
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let col = letters.bytes().fold(0usize, |n, b| {
        n * 26 + usize::from(b.to_ascii_uppercase() - b'A') + 1
    }) - 1;
    let row = digits.parse::<usize>().ok().filter(|r| *r >= 1)?;
    Some((row, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_as_written() {
        assert_eq!(parse_cell("A1"), Some((1, 0)));
        assert_eq!(parse_cell("$AB$12"), Some((12, 27)));
        assert_eq!(parse_cell("XFD1048576"), Some((1_048_576, 16_383)));
        assert_eq!(parse_cell("12"), None);
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(
            parse_range("H2:H3"),
            Some(MergedCells {
                first_row: 2,
                first_col: 7,
                last_row: 3,
                last_col: 7
            })
        );
        assert_eq!(
            parse_range("C5").map(|m| m.to_string()),
            Some("C5:C5".into())
        );
    }
}
