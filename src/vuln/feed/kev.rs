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
    let mut entries = Vec::with_capacity(items.len());
    let mut skipped = 0usize;
    for item in items {
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
        if entry.cve.is_empty() {
            skipped += 1;
            continue;
        }
        entries.push(entry);
    }
    if skipped > 0 {
        notes.push(format!(
            "{skipped} KEV entries without a cveID were left out"
        ));
    }
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

/// The KEV CSV. It has no catalog header, so its date is the newest `dateAdded` (noted).
pub(super) fn read_csv(text: &str, notes: &mut Vec<String>) -> Result<FeedDocument, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
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
    let mut entries = Vec::new();
    let mut skipped = 0usize;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("CSV row {} cannot be read: {e}", i + 2))?;
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
        if entry.cve.is_empty() {
            skipped += 1;
            continue;
        }
        entries.push(entry);
    }
    if skipped > 0 {
        notes.push(format!("{skipped} KEV rows without a cveID were left out"));
    }
    let feed_date = newest_added(&entries).ok_or("is a KEV CSV with no dateAdded in any row")?;
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
