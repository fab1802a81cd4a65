//! The CISA Known Exploited Vulnerabilities catalog, as JSON (`catalogVersion`, `dateReleased`,
//! `vulnerabilities[]`) and as CSV (the same fields as columns, no catalog header).

use serde_json::Value;

use super::{date_of, text};
use crate::vuln::{FeedDocument, FeedInfo, FeedKind, KevEntry};

/// Whether the text's first line is a KEV CSV header (it names `cveID` and `vendorProject`).
pub(super) fn looks_like_csv(text: &str) -> bool {
    let first = text.lines().next().unwrap_or_default().to_ascii_lowercase();
    first.contains("cveid") && first.contains("vendorproject")
}

fn entry_of(get: impl Fn(&str) -> String, cwes: Vec<String>) -> KevEntry {
    KevEntry {
        cve: get("cveID").to_ascii_uppercase(),
        vendor_project: get("vendorProject"),
        product: get("product"),
        name: get("vulnerabilityName"),
        date_added: date_of(&get("dateAdded")),
        description: get("shortDescription"),
        required_action: get("requiredAction"),
        due_date: date_of(&get("dueDate")),
        ransomware: get("knownRansomwareCampaignUse"),
        notes: get("notes"),
        cwes,
    }
}

/// The KEV JSON catalog. Its date is `dateReleased`, else the date in `catalogVersion`, else the
/// newest `dateAdded` (noted).
pub(super) fn read_json(v: &Value, notes: &mut Vec<String>) -> Result<FeedDocument, String> {
    let items = v
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or("is a KEV catalog without a `vulnerabilities` list")?;
    let mut entries = Entries::default();
    for (index, item) in items.iter().enumerate() {
        let cwes = match item.get("cwes") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            Some(Value::String(s)) => split_cwes(s),
            _ => Vec::new(),
        };
        let entry = entry_of(|k| text(item, k), cwes);
        if !is_cve_id(&entry.cve) {
            return Err(format!(
                "has a KEV entry without a valid cveID at vulnerabilities[{index}] (cveID {:?}; expected CVE-YYYY-NNNN); the catalog is damaged — download it again",
                text(item, "cveID")
            ));
        }
        entries.push(entry);
    }
    let entries = entries.finish(notes);
    let version = text(v, "catalogVersion");
    let released = text(v, "dateReleased");
    let feed_date = match date_of(&released).or_else(|| date_of(&version)) {
        Some(d) => d,
        None => {
            let newest = newest_added(&entries).ok_or(
                "is a KEV catalog with no dateReleased, no catalogVersion date and no dateAdded",
            )?;
            notes.push(format!(
                "the catalog has no dateReleased or catalogVersion date; its newest dateAdded ({newest}) is taken as its date"
            ));
            newest
        }
    };
    if let Some(count) = v.get("count").and_then(Value::as_u64)
        && count != entries.len() as u64
    {
        notes.push(format!(
            "the catalog says count {count} but holds {} entries",
            entries.len()
        ));
    }
    Ok(FeedDocument::Kev {
        info: FeedInfo {
            kind: FeedKind::Kev,
            name: "KEV".to_string(),
            feed_date,
            version,
            title: text(v, "title"),
        },
        entries,
    })
}

fn split_cwes(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

fn newest_added(entries: &[KevEntry]) -> Option<chrono::NaiveDate> {
    entries.iter().filter_map(|e| e.date_added).max()
}

/// Whether `id` is a CVE ID: `CVE-`, a four-digit year, `-`, four or more digits (upper case).
pub(super) fn is_cve_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && number.len() >= 4
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// KEV entries in catalog order, one per CVE: a CVE listed again replaces its earlier entry
/// in place (the last one is kept) and is counted.
#[derive(Default)]
struct Entries {
    list: Vec<KevEntry>,
    at: std::collections::HashMap<String, usize>,
    duplicates: usize,
}

impl Entries {
    fn push(&mut self, entry: KevEntry) {
        match self.at.get(&entry.cve) {
            Some(&i) => {
                self.list[i] = entry;
                self.duplicates += 1;
            }
            None => {
                self.at.insert(entry.cve.clone(), self.list.len());
                self.list.push(entry);
            }
        }
    }

    /// The entries; a note says how many duplicates were merged.
    fn finish(self, notes: &mut Vec<String>) -> Vec<KevEntry> {
        if self.duplicates > 0 {
            notes.push(format!(
                "{} duplicate KEV entr{} (a cveID listed again) merged; the last one of each CVE is kept",
                self.duplicates,
                if self.duplicates == 1 { "y" } else { "ies" }
            ));
        }
        self.list
    }
}

/// The line (1-based) where a quoted CSV field opens and never closes, if one does: the csv
/// crate reads such a field to the end of the file without complaint, which would merge every
/// later row into it.
fn unclosed_quote_line(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut line = 1usize;
    let mut open_at: Option<usize> = None;
    let mut field_start = true;
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if b == b'\n' {
            line += 1;
        }
        if open_at.is_some() {
            if b == b'"' {
                if bytes.get(i) == Some(&b'"') {
                    i += 1; // an escaped quote inside the field
                } else {
                    open_at = None;
                }
            }
            continue;
        }
        match b {
            b'"' if field_start => open_at = Some(line),
            b',' | b'\n' | b'\r' => {
                field_start = true;
                continue;
            }
            _ => {}
        }
        field_start = false;
    }
    open_at
}

/// The CVE ID starting a line inside a field, if one does: the sign of a quote left open on
/// the row before, which made the csv reader take the next row into the field.
fn swallowed_row(field: &str) -> Option<&str> {
    field
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .find(|head| is_cve_id(head.trim()))
}

/// The KEV CSV. It has no catalog header, so its date is the newest `dateAdded` (noted).
///
/// Strict where a damaged file would otherwise pass: every row has the header's field count,
/// a `cveID` of the CVE pattern and a `dateAdded` (and any `dueDate`) as YYYY-MM-DD; a quoted
/// field left open at the end of the file is refused. Each error names the line.
pub(super) fn read_csv(text: &str, notes: &mut Vec<String>) -> Result<FeedDocument, String> {
    if let Some(line) = unclosed_quote_line(text) {
        return Err(format!(
            "is a damaged KEV CSV: the quoted field opened on line {line} is never closed (a truncated or cut file?); download it again"
        ));
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("its CSV header cannot be read: {e}"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| headers.iter().position(|h| *h == name.to_ascii_lowercase());
    let columns: Vec<(&str, Option<usize>)> = [
        "cveID",
        "vendorProject",
        "product",
        "vulnerabilityName",
        "dateAdded",
        "shortDescription",
        "requiredAction",
        "dueDate",
        "knownRansomwareCampaignUse",
        "notes",
        "cwes",
    ]
    .into_iter()
    .map(|n| (n, column(n)))
    .collect();
    let mut entries = Entries::default();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } => format!(
                "is a damaged KEV CSV: line {} has {len} fields, the header {expected_len} (a truncated or cut row?); download it again",
                pos.as_ref().map_or(0, csv::Position::line)
            ),
            _ => format!("is a damaged KEV CSV: {e}"),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        if let Some(swallowed) = record.iter().find_map(swallowed_row) {
            return Err(format!(
                "is a damaged KEV CSV: a quoted field on line {line} is not closed on its line and swallows the next row ({swallowed}, …); download it again"
            ));
        }
        let get = |name: &str| {
            columns
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, c)| *c)
                .and_then(|c| record.get(c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let cwes = split_cwes(&get("cwes"));
        let entry = entry_of(get, cwes);
        if !is_cve_id(&entry.cve) {
            return Err(format!(
                "is a damaged KEV CSV: line {line} has no valid cveID ({:?}; expected CVE-YYYY-NNNN)",
                get("cveID")
            ));
        }
        if entry.date_added.is_none() {
            return Err(format!(
                "is a damaged KEV CSV: line {line} ({}) has dateAdded {:?}, not a date YYYY-MM-DD",
                entry.cve,
                get("dateAdded")
            ));
        }
        if entry.due_date.is_none() && !get("dueDate").is_empty() {
            return Err(format!(
                "is a damaged KEV CSV: line {line} ({}) has dueDate {:?}, not a date YYYY-MM-DD",
                entry.cve,
                get("dueDate")
            ));
        }
        entries.push(entry);
    }
    let entries = entries.finish(notes);
    let feed_date = newest_added(&entries).ok_or("is a KEV CSV with no rows")?;
    notes.push(format!(
        "a KEV CSV has no catalog date; its newest dateAdded ({feed_date}) is taken as the catalog's date"
    ));
    Ok(FeedDocument::Kev {
        info: FeedInfo {
            kind: FeedKind::Kev,
            name: "KEV".to_string(),
            feed_date,
            version: String::new(),
            title: "CISA Catalog of Known Exploited Vulnerabilities (CSV)".to_string(),
        },
        entries,
    })
}
