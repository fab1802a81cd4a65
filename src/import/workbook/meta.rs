//! `_medsec`, the export's very hidden key/value sheet (TEMPLATE.md "Rules that hold for every
//! sheet"; written by `export::sheets::meta`): what the file says about itself, and every
//! sheet's exported row count and hash.
//!
//! Keys are in column A and values in column B from row 2; unknown keys are skipped (a later
//! format may add some). A value that cannot be read (a `format_version` that is not a whole
//! number, an `as_of` that is not a date) is a problem naming its cell.

use chrono::NaiveDate;

use super::cells::SheetView;
use crate::import::changeset::{Origin, Problem, SourceInfo, SourceKind, Value};

/// What `_medsec` holds.
#[derive(Debug, Default)]
pub(super) struct Meta {
    /// `format_version`, when readable.
    pub(super) format_version: Option<u32>,
    /// `workbook_id` as written (trimmed); present but empty for a template.
    pub(super) workbook_id: Option<String>,
    /// `catalog_version`.
    pub(super) catalog_version: Option<String>,
    /// `as_of`.
    pub(super) as_of: Option<NaiveDate>,
    /// `exported_at`, as written.
    pub(super) exported_at: Option<String>,
    /// `rows:<sheet>`: the sheet, its data rows when exported, and the cell they came from.
    pub(super) rows: Vec<(String, u32, Origin)>,
    /// `sha256:<sheet>`: the sheet and the hash (hex).
    pub(super) hashes: Vec<(String, String)>,
}

impl Meta {
    /// The exported hash of `sheet`.
    pub(super) fn hash(&self, sheet: &str) -> Option<&str> {
        self.hashes
            .iter()
            .find(|(s, _)| s == sheet)
            .map(|(_, h)| h.as_str())
    }

    /// What the file says about itself: an export (a workbook ID) or a template (an empty one).
    pub(super) fn source(&self) -> SourceInfo {
        let workbook_id = self.workbook_id.clone().filter(|id| !id.is_empty());
        SourceInfo {
            kind: if workbook_id.is_some() {
                SourceKind::Export
            } else {
                SourceKind::Template
            },
            format_version: self.format_version.unwrap_or(0),
            workbook_id,
            catalog_version: self.catalog_version.clone().filter(|v| !v.is_empty()),
            as_of: self.as_of,
            exported_at: self.exported_at.clone().filter(|v| !v.is_empty()),
        }
    }
}

/// Reads `_medsec`; unreadable values go to `problems`.
pub(super) fn read(view: &SheetView<'_>, problems: &mut Vec<Problem>) -> Meta {
    let mut meta = Meta::default();
    let mut saw_version = false;
    for row in view.content.rows.iter().skip(1) {
        let key = view.derived(row, 0);
        let Some(value) = view.read(row, 1, problems) else {
            continue;
        };
        let text = value.trimmed().to_string();
        match key.trimmed() {
            "format_version" => {
                saw_version = true;
                meta.format_version = whole_number(&text);
                if meta.format_version.is_none() {
                    problems.push(not_readable(value, "a format version (a whole number)"));
                }
            }
            "workbook_id" => meta.workbook_id = Some(text),
            "catalog_version" => meta.catalog_version = Some(text),
            "exported_at" => meta.exported_at = Some(text),
            "as_of" if text.is_empty() => {}
            "as_of" => match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(date) => meta.as_of = Some(date),
                Err(_) => problems.push(not_readable(value, "a date (YYYY-MM-DD)")),
            },
            k => {
                if let Some(sheet) = k.strip_prefix("rows:") {
                    match whole_number(&text) {
                        Some(n) => meta.rows.push((sheet.to_string(), n, value.origin)),
                        None => problems.push(not_readable(value, "a row count")),
                    }
                } else if let Some(sheet) = k.strip_prefix("sha256:") {
                    meta.hashes.push((sheet.to_string(), text));
                }
            }
        }
    }
    if !saw_version {
        problems.push(Problem {
            origin: view.sheet(),
            reason: "no format_version row; the sheet is damaged: use a fresh export".to_string(),
        });
    }
    meta
}

/// A whole number written as `1` (or `1.0` by a program that stores numbers as text).
fn whole_number(text: &str) -> Option<u32> {
    text.parse::<u32>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
            .map(|f| f as u32)
    })
}

fn not_readable(value: Value, what: &str) -> Problem {
    Problem {
        reason: format!(
            "{:?} is not {what}; the sheet is damaged: use a fresh export",
            value.text
        ),
        origin: value.origin,
    }
}
