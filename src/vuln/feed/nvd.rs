//! NVD CVE API 2.0 records: the `cve` object alone (as the fkie-cad feed stores it) or a whole
//! API response (`vulnerabilities[].cve`). CPE configurations become [`ProductRef`]s (AND
//! configurations' `vulnerable: false` CPEs marked `platform_only`); every metric version is
//! kept with its source (`Primary` → `NVD`, `Secondary` → `CNA <source>`).

use serde_json::Value;

use super::{advisory_ids_in, cvss, date_of, english, text};
use crate::vuln::{
    CvssScore, FeedDocument, FeedInfo, FeedKind, FixStatus, ProductRef, ProductStatus,
    Vulnerability,
};

/// A whole API response: one document per `vulnerabilities[].cve`.
pub(super) fn read_response(
    v: &Value,
    notes: &mut Vec<String>,
) -> Result<Vec<FeedDocument>, String> {
    let mut docs = Vec::new();
    for item in v
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        match item.get("cve") {
            Some(cve) => docs.push(read_record(cve, notes)?),
            None => notes.push("an NVD response entry without a `cve` object was left out".into()),
        }
    }
    Ok(docs)
}

/// One `cve` object.
pub(super) fn read_record(v: &Value, notes: &mut Vec<String>) -> Result<FeedDocument, String> {
    let id = text(v, "id").to_ascii_uppercase();
    if id.is_empty() {
        return Err("is an NVD record without an `id`".to_string());
    }
    let feed_date = date_of(&text(v, "lastModified"))
        .or_else(|| date_of(&text(v, "published")))
        .ok_or_else(|| format!("is NVD record {id} without lastModified or published dates"))?;
    let status = text(v, "vulnStatus");
    let mut scores: Vec<CvssScore> = Vec::new();
    if let Some(metrics) = v.get("metrics").and_then(Value::as_object) {
        for key in [
            "cvssMetricV40",
            "cvssMetricV31",
            "cvssMetricV30",
            "cvssMetricV2",
        ] {
            for m in metrics
                .get(key)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let source = match text(m, "type").as_str() {
                    "Primary" => "NVD".to_string(),
                    _ => {
                        let who = text(m, "source");
                        if who.is_empty() {
                            "CNA".to_string()
                        } else {
                            format!("CNA {who}")
                        }
                    }
                };
                if let Some(data) = m.get("cvssData")
                    && let Some(score) = cvss(data, &source, &text(m, "baseSeverity"))
                {
                    scores.push(score);
                }
            }
        }
    }
    let mut products = Vec::new();
    let configurations = v
        .get("configurations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if configurations.is_empty() {
        notes.push(format!(
            "{id}: no CPE configurations (NVD status {:?}); it can match only by other sources",
            status
        ));
    }
    let mut negated = 0usize;
    for config in configurations {
        for node in config
            .get("nodes")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if node.get("negate").and_then(Value::as_bool) == Some(true) {
                negated += 1;
                continue;
            }
            for m in node
                .get("cpeMatch")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if let Some(p) = cpe_match(m) {
                    products.push(p);
                }
            }
        }
    }
    if negated > 0 {
        notes.push(format!(
            "{id}: {negated} negated configuration node(s) left out"
        ));
    }
    let weakness = v
        .get("weaknesses")
        .and_then(Value::as_array)
        .and_then(|w| w.first())
        .map(|w| english(w.get("description")))
        .unwrap_or_default();
    Ok(FeedDocument::Advisory {
        info: FeedInfo {
            kind: FeedKind::Nvd,
            name: id.clone(),
            feed_date,
            version: status,
            title: String::new(),
        },
        vulnerabilities: vec![Vulnerability {
            cve: id,
            title: weakness,
            description: english(v.get("descriptions")),
            scores,
            products,
            fix: FixStatus::Unknown,
            remediation: String::new(),
            advisories: advisory_ids_in(v.get("references")),
        }],
    })
}

/// One `cpeMatch` entry: vendor, product and version from the CPE 2.3 name (`*` / `-` are no
/// version), the range bounds, and `vulnerable: false` as `platform_only`.
fn cpe_match(m: &Value) -> Option<ProductRef> {
    let criteria = text(m, "criteria");
    if criteria.is_empty() {
        return None;
    }
    let parts = cpe_parts(&criteria);
    let field = |i: usize| parts.get(i).cloned().unwrap_or_default();
    let version = field(5);
    let bound = |k: &str| {
        let t = text(m, k);
        (!t.is_empty()).then_some(t)
    };
    let vulnerable = m.get("vulnerable").and_then(Value::as_bool).unwrap_or(true);
    Some(ProductRef {
        vendor: field(3),
        product: field(4),
        version_text: String::new(),
        exact: (!version.is_empty() && version != "*" && version != "-").then_some(version),
        start_including: bound("versionStartIncluding"),
        start_excluding: bound("versionStartExcluding"),
        end_including: bound("versionEndIncluding"),
        end_excluding: bound("versionEndExcluding"),
        cpe: Some(criteria.clone()),
        purl: None,
        full_name: criteria,
        platform_only: !vulnerable,
        status: ProductStatus::Affected,
        // NVD says nothing about fixes.
        fix: FixStatus::Unknown,
    })
}

/// The fields of a CPE 2.3 formatted string, split at unescaped colons (`\:` kept in a field).
pub(crate) fn cpe_parts(cpe: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in cpe.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ':' {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}
