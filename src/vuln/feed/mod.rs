//! Reading feed files (CISA KEV JSON and CSV, CSAF 2.0, NVD CVE API 2.0, CVE JSON 5.x,
//! CycloneDX VEX) into [`FeedDocument`]s.
//!
//! The format is recognised from the content, never from the file name: a KEV catalog has
//! `catalogVersion` / `cveID` entries, a CSAF advisory a `document` with `csaf_version`, an NVD
//! record an `id` with `configurations` / `metrics` / `vulnStatus` (or a whole API response with
//! `vulnerabilities[].cve`), a CVE 5 record `cveMetadata` and `containers`, a VEX document
//! `bomFormat: CycloneDX` with `vulnerabilities`. A CSV whose header names `cveID` and
//! `vendorProject` is the KEV catalog as CSV.
//!
//! Readers are lenient (PRODUCT.md "Loud, validated input"): unknown fields are ignored, missing
//! product references, empty notes and double-encoded UTF-8 (`YhtymÃ¤` for `Yhtymä`, repaired)
//! are reported as notes, never fatal. Refused with [`FeedError::Unreadable`]: a file that is not
//! UTF-8, not JSON (or not a KEV CSV), truncated, of no known shape, over 512 MiB, or nested
//! deeper than 100 levels (PRODUCT.md "Input limits").

mod csaf;
mod cve5;
mod kev;
mod nvd;
mod vex;

use std::path::Path;

use chrono::NaiveDate;
use serde_json::Value;

use super::{CvssScore, FeedDocument};
use crate::evidence::file::sha256_hex;

/// Largest feed or SBOM file read: 512 MiB = 536,870,912 bytes (PRODUCT.md "Input limits").
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Deepest JSON nesting read (objects and arrays): 100 levels (PRODUCT.md "Input limits").
pub const MAX_NESTING: usize = 100;

/// Why a feed file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The file is not one of the known feed formats, or is damaged beyond reading.
    #[error("{file}: {reason}")]
    Unreadable {
        /// The file as given.
        file: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The file is a JSON Schema (`$schema` with `properties` or `definitions`), such as the
    /// `known_exploited_vulnerabilities_schema.json` CISA publishes next to the catalog: a
    /// description of a feed, not a feed. A folder import skips it with a note.
    #[error("{file}: {JSON_SCHEMA_REASON}")]
    JsonSchema {
        /// The file as given.
        file: String,
    },
}

/// Why a JSON Schema file is not imported, as one phrase.
pub const JSON_SCHEMA_REASON: &str = "is a JSON Schema, not a feed";

/// Why bytes were not read: a JSON Schema, or any other reason as one sentence.
enum Refusal {
    JsonSchema,
    Reason(String),
}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Refusal::Reason(reason)
    }
}

impl From<&str> for Refusal {
    fn from(reason: &str) -> Self {
        Refusal::Reason(reason.to_string())
    }
}

impl Refusal {
    fn reason(self) -> String {
        match self {
            Refusal::JsonSchema => JSON_SCHEMA_REASON.to_string(),
            Refusal::Reason(r) => r,
        }
    }
}

/// One feed file, read: what it held and what was noticed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedFile {
    /// The file's name without folders.
    pub file_name: String,
    /// SHA-256 of its bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// The documents it held: one for a KEV catalog, an advisory, a record or a VEX document;
    /// one per record for an NVD API response with several `vulnerabilities`.
    pub documents: Vec<FeedDocument>,
    /// What was repaired or left out, one sentence each (e.g. double-encoded UTF-8 repaired,
    /// a product ID the product tree does not define, a CSV's date taken from `dateAdded`).
    pub notes: Vec<String>,
}

/// Reads one feed file (the format recognised from its content).
///
/// Errors: `FeedError::Unreadable` naming the file and the reason (cannot be read, over
/// [`MAX_FILE_BYTES`], empty, not UTF-8, not JSON or a KEV CSV, truncated, nested deeper than
/// [`MAX_NESTING`], of no known feed shape, a damaged KEV catalog); `FeedError::JsonSchema`
/// for a JSON Schema document.
pub fn read_file(path: &Path) -> Result<FeedFile, FeedError> {
    let shown = path.display().to_string();
    let bytes = read_limited(path).map_err(|reason| FeedError::Unreadable {
        file: shown.clone(),
        reason,
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    let (documents, notes) = read_document(&file_name, &bytes).map_err(|r| match r {
        Refusal::JsonSchema => FeedError::JsonSchema {
            file: shown.clone(),
        },
        Refusal::Reason(reason) => FeedError::Unreadable {
            file: shown.clone(),
            reason,
        },
    })?;
    Ok(FeedFile {
        file_name,
        sha256: sha256_hex(&bytes),
        documents,
        notes,
    })
}

/// Reads the bytes of a file, refusing one over [`MAX_FILE_BYTES`] before reading it.
pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if meta.is_dir() {
        return Err("is a folder, not a file".to_string());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "is {} bytes, over the limit of {MAX_FILE_BYTES} bytes (512 MiB) for an input file",
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))
}

/// Reads a feed from its bytes; `file_name` names a VEX document without a serial number.
/// Returns the documents and the notes.
///
/// Errors: the reason, as one sentence without the file name.
pub fn read_bytes(
    file_name: &str,
    bytes: &[u8],
) -> Result<(Vec<FeedDocument>, Vec<String>), String> {
    read_document(file_name, bytes).map_err(Refusal::reason)
}

fn read_document(
    file_name: &str,
    bytes: &[u8],
) -> Result<(Vec<FeedDocument>, Vec<String>), Refusal> {
    let text = utf8_text(bytes, "JSON feeds")?;
    let mut notes = Vec::new();
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        if kev::looks_like_csv(trimmed) {
            let doc = kev::read_csv(trimmed, &mut notes)?;
            return Ok((vec![doc], notes));
        }
        return Err(
            "is neither JSON nor a KEV CSV (known: CISA KEV JSON or CSV, CSAF 2.0, NVD CVE API 2.0, CVE JSON 5.x, CycloneDX VEX)"
                .into(),
        );
    }
    let mut value = parse_json(text)?;
    repair_tree(&mut value, &mut notes);
    let docs = match sniff(&value) {
        Shape::Kev => vec![kev::read_json(&value, &mut notes)?],
        Shape::Csaf => vec![csaf::read(&value, &mut notes)?],
        Shape::NvdRecord => vec![nvd::read_record(&value, &mut notes)?],
        Shape::NvdResponse => nvd::read_response(&value, &mut notes)?,
        Shape::Cve5 => vec![cve5::read(&value, &mut notes)?],
        Shape::Vex => vec![vex::read(&value, file_name, &mut notes)?],
        Shape::JsonSchema => return Err(Refusal::JsonSchema),
        Shape::Sbom(format) => {
            return Err(format!(
                "is a {format} SBOM without vulnerabilities, not a feed; import it for a device with `medsec import sbom FILE --device ID`"
            ).into());
        }
        Shape::Unknown(keys) => {
            return Err(format!(
                "is JSON of an unknown shape (top-level keys: {keys}); known feeds: CISA KEV, CSAF 2.0, NVD CVE API 2.0, CVE JSON 5.x, CycloneDX VEX"
            ).into());
        }
    };
    if docs.is_empty() {
        return Err("holds no vulnerability records".into());
    }
    Ok((docs, notes))
}

/// The kinds of JSON document recognised.
enum Shape {
    Kev,
    Csaf,
    NvdRecord,
    NvdResponse,
    Cve5,
    Vex,
    Sbom(&'static str),
    JsonSchema,
    Unknown(String),
}

fn sniff(v: &Value) -> Shape {
    let Some(obj) = v.as_object() else {
        return Shape::Unknown("none: a JSON array or value, not an object".to_string());
    };
    let has = |k: &str| obj.contains_key(k);
    if has("$schema") && (has("properties") || has("definitions") || has("$defs")) {
        return Shape::JsonSchema;
    }
    let vulns = obj.get("vulnerabilities").and_then(Value::as_array);
    if has("catalogVersion")
        || (has("dateReleased") && vulns.is_some())
        || vulns
            .and_then(|a| a.first())
            .is_some_and(|e| e.get("cveID").is_some())
    {
        return Shape::Kev;
    }
    if let Some(doc) = obj.get("document")
        && (doc.get("csaf_version").is_some() || has("product_tree") || has("vulnerabilities"))
    {
        return Shape::Csaf;
    }
    if obj
        .get("bomFormat")
        .and_then(Value::as_str)
        .is_some_and(|f| f.eq_ignore_ascii_case("CycloneDX"))
    {
        return if vulns.is_some_and(|a| !a.is_empty()) {
            Shape::Vex
        } else {
            Shape::Sbom("CycloneDX")
        };
    }
    if has("spdxVersion") {
        return Shape::Sbom("SPDX");
    }
    if has("cveMetadata") && has("containers") {
        return Shape::Cve5;
    }
    if vulns.is_some_and(|a| a.iter().any(|e| e.get("cve").is_some()))
        || obj.get("format").and_then(Value::as_str) == Some("NVD_CVE")
    {
        return Shape::NvdResponse;
    }
    if obj
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|id| id.to_ascii_uppercase().starts_with("CVE-"))
        && (has("configurations") || has("metrics") || has("vulnStatus") || has("descriptions"))
    {
        return Shape::NvdRecord;
    }
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).take(8).collect();
    if keys.is_empty() {
        keys.push("none, an empty object");
    }
    Shape::Unknown(keys.join(", "))
}

/// The bytes as text: a UTF-8 byte-order mark is dropped; anything not UTF-8 is refused with
/// the line and byte where it stops being UTF-8. `what` names the files in the message
/// ("JSON feeds", "SBOM files"): "… JSON feeds are UTF-8".
pub(crate) fn utf8_text<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("is empty".to_string());
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        format!(
            "is not UTF-8 (line {line}, byte {}: 0x{:02X}); {what} are UTF-8 — save it as UTF-8 and import again",
            at + 1,
            bytes.get(at).copied().unwrap_or(0)
        )
    })
}

/// Parses JSON after checking its nesting depth, naming the line and column of an error and
/// saying when the file is truncated.
pub(crate) fn parse_json(text: &str) -> Result<Value, String> {
    check_nesting(text)?;
    serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            format!(
                "is truncated: the JSON ends at line {} column {} before it is complete (copy the file again)",
                e.line(),
                e.column()
            )
        } else {
            format!("is not valid JSON: {e}")
        }
    })
}

/// Refuses JSON nested deeper than [`MAX_NESTING`] levels, before parsing it.
fn check_nesting(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1usize;
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "nests objects and arrays more than {MAX_NESTING} levels deep (line {line}); no feed needs that, so it is refused"
                    ));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Repairs double-encoded UTF-8 in every string of the tree and notes what was repaired.
pub(crate) fn repair_tree(value: &mut Value, notes: &mut Vec<String>) {
    let mut repaired: Vec<(String, String)> = Vec::new();
    let mut count = 0usize;
    walk_strings(value, &mut |s: &mut String| {
        if let Some(fixed) = repair_mojibake(s) {
            count += 1;
            if repaired.len() < 3 && !repaired.iter().any(|(_, f)| *f == fixed) {
                repaired.push((shorten(s), shorten(&fixed)));
            }
            *s = fixed;
        }
    });
    if count > 0 {
        let examples: Vec<String> = repaired
            .iter()
            .map(|(from, to)| format!("{from:?} → {to:?}"))
            .collect();
        notes.push(format!(
            "repaired double-encoded UTF-8 in {count} text{} ({})",
            if count == 1 { "" } else { "s" },
            examples.join("; ")
        ));
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(39).collect();
        t.push('…');
        t
    }
}

fn walk_strings(value: &mut Value, f: &mut impl FnMut(&mut String)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| walk_strings(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| walk_strings(v, f)),
        _ => {}
    }
}

/// The text UTF-8 bytes decoded as Latin-1 turned into, decoded back: `Some("Innokas Yhtymä")`
/// for `"Innokas YhtymÃ¤"`. `None` when the text is not such mojibake (a character above
/// U+00FF, no `Ã`-style lead character, or the bytes are not UTF-8, as for a genuine `Dräger`).
pub fn repair_mojibake(text: &str) -> Option<String> {
    if text.is_ascii() || !text.chars().any(|c| ('\u{C2}'..='\u{F4}').contains(&c)) {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = u32::from(c);
        bytes.push(u8::try_from(code).ok()?);
    }
    let fixed = String::from_utf8(bytes).ok()?;
    (fixed != text).then_some(fixed)
}

/// A string field, trimmed; empty when absent or not a string.
pub(crate) fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The date at the start of an ISO date or timestamp (`2025-08-25T17:04:19.9796Z`), or of a
/// KEV catalog version (`2025.08.25`).
pub(crate) fn date_of(text: &str) -> Option<NaiveDate> {
    let head = text.trim().get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(head, "%Y.%m.%d"))
        .ok()
}

/// The severity band of a CVSS base score (CVSS v3/v4 qualitative scale).
pub(crate) fn severity_of(score: f64) -> &'static str {
    if score <= 0.0 {
        "NONE"
    } else if score < 4.0 {
        "LOW"
    } else if score < 7.0 {
        "MEDIUM"
    } else if score < 9.0 {
        "HIGH"
    } else {
        "CRITICAL"
    }
}

/// A CVSS object (`cvss_v3`, `cvssData`, `cvssV4_0`, …) as a score from `source`; `None` without
/// a base score. `fallback_severity` is used when the object has none (NVD v2 keeps it outside).
pub(crate) fn cvss(obj: &Value, source: &str, fallback_severity: &str) -> Option<CvssScore> {
    let base_score = obj.get("baseScore").and_then(Value::as_f64)?;
    let vector = text(obj, "vectorString");
    let mut version = text(obj, "version");
    if version.is_empty() {
        version = vector
            .strip_prefix("CVSS:")
            .and_then(|v| v.split('/').next())
            .unwrap_or("2.0")
            .to_string();
    }
    let mut severity = text(obj, "baseSeverity").to_ascii_uppercase();
    if severity.is_empty() {
        severity = fallback_severity.to_ascii_uppercase();
    }
    if severity.is_empty() {
        severity = severity_of(base_score).to_string();
    }
    Some(CvssScore {
        version,
        vector,
        base_score,
        severity,
        source: source.to_string(),
    })
}

/// The ICS advisory IDs (`ICSMA-18-058-02`, `ICSA-…`) named in reference URLs, upper case.
pub(crate) fn advisory_ids_in(references: Option<&Value>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let Some(refs) = references.and_then(Value::as_array) else {
        return ids;
    };
    for r in refs {
        let url = text(r, "url").to_ascii_lowercase();
        for start in ["icsma-", "icsa-"] {
            if let Some(pos) = url.find(start) {
                let id: String = url[pos..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                let id = id.to_ascii_uppercase();
                if id.len() >= start.len() + 9 && !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    ids
}

/// The English text of a `descriptions` / `notes`-style list of `{lang, value}` objects.
pub(crate) fn english(list: Option<&Value>) -> String {
    let Some(items) = list.and_then(Value::as_array) else {
        return String::new();
    };
    let value_of = |d: &Value| text(d, "value");
    items
        .iter()
        .find(|d| text(d, "lang").to_ascii_lowercase().starts_with("en"))
        .or_else(|| items.first())
        .map(value_of)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
