//! CycloneDX VEX documents: `vulnerabilities[]` whose `analysis.state` gives the status of the
//! components their `affects[].ref` name (`bom-ref`s of `metadata.component` or `components`).

use std::collections::HashMap;

use serde_json::Value;

use super::{cvss, date_of, text};
use crate::vuln::{
    CvssScore, FeedDocument, FeedInfo, FeedKind, FixStatus, ProductRef, ProductStatus,
    Vulnerability,
};

/// The status an `analysis.state` stands for (CycloneDX 1.4–1.6 and CISA's names): `exploitable`
/// / `affected` → affected; `resolved`, `resolved_with_pedigree`, `fixed` → fixed;
/// `not_affected`, `false_positive` → not affected; `in_triage`, `under_investigation` or none →
/// under investigation.
pub(super) fn status_of(state: &str) -> ProductStatus {
    match state.to_ascii_lowercase().as_str() {
        "exploitable" | "affected" => ProductStatus::Affected,
        "resolved" | "resolved_with_pedigree" | "fixed" => ProductStatus::Fixed,
        "not_affected" | "false_positive" => ProductStatus::NotAffected,
        _ => ProductStatus::UnderInvestigation,
    }
}

fn components(v: &Value, out: &mut HashMap<String, ProductRef>) {
    let Some(items) = v.as_array() else { return };
    for c in items {
        add_component(c, out);
        if let Some(nested) = c.get("components") {
            components(nested, out);
        }
    }
}

fn add_component(c: &Value, out: &mut HashMap<String, ProductRef>) {
    let bom_ref = text(c, "bom-ref");
    if bom_ref.is_empty() {
        return;
    }
    let supplier = c
        .get("supplier")
        .map(|s| text(s, "name"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| text(c, "publisher"));
    let version = text(c, "version");
    let opt = |k: &str| {
        let t = text(c, k);
        (!t.is_empty()).then_some(t)
    };
    out.insert(
        bom_ref,
        ProductRef {
            vendor: supplier,
            product: text(c, "name"),
            version_text: version.clone(),
            exact: (!version.is_empty()).then_some(version.clone()),
            cpe: opt("cpe"),
            purl: opt("purl"),
            full_name: format!("{} {}", text(c, "name"), version)
                .trim()
                .to_string(),
            ..ProductRef::default()
        },
    );
}

/// One VEX document. Its name is its `serialNumber`, else `VEX <file name>`; its date is
/// `metadata.timestamp`, else the newest `updated` / `published` of its vulnerabilities.
pub(super) fn read(
    v: &Value,
    file_name: &str,
    notes: &mut Vec<String>,
) -> Result<FeedDocument, String> {
    let mut refs = HashMap::new();
    if let Some(subject) = v.get("metadata").and_then(|m| m.get("component")) {
        add_component(subject, &mut refs);
    }
    if let Some(list) = v.get("components") {
        components(list, &mut refs);
    }
    let items = v
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut dates = Vec::new();
    let mut vulnerabilities = Vec::new();
    let mut missing = Vec::new();
    for item in items {
        for k in ["updated", "published"] {
            if let Some(d) = date_of(&text(item, k)) {
                dates.push(d);
            }
        }
        let analysis = item.get("analysis").cloned().unwrap_or(Value::Null);
        let state = text(&analysis, "state");
        let status = status_of(&state);
        let mut products = Vec::new();
        for a in item
            .get("affects")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let r = text(a, "ref");
            let mut p = refs.get(&r).cloned().unwrap_or_else(|| {
                missing.push(r.clone());
                let purl = r.starts_with("pkg:").then(|| r.clone());
                ProductRef {
                    product: r.clone(),
                    full_name: r.clone(),
                    purl,
                    ..ProductRef::default()
                }
            });
            p.status = status;
            products.push(p);
        }
        let responses: Vec<String> = analysis
            .get("response")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let fix = if status == ProductStatus::Fixed || responses.iter().any(|r| r == "update") {
            FixStatus::FixValidated
        } else if responses.iter().any(|r| r == "will_not_fix") {
            FixStatus::NoFixPlanned
        } else {
            FixStatus::Unknown
        };
        let mut remediation = Vec::new();
        let justification = text(&analysis, "justification");
        if !state.is_empty() {
            let mut line = format!("VEX state: {state}");
            if !justification.is_empty() {
                line.push_str(&format!(" ({justification})"));
            }
            if !responses.is_empty() {
                line.push_str(&format!("; response: {}", responses.join(", ")));
            }
            remediation.push(line);
        }
        for t in [text(&analysis, "detail"), text(item, "recommendation")] {
            if !t.is_empty() {
                remediation.push(t);
            }
        }
        let mut scores: Vec<CvssScore> = Vec::new();
        for r in item
            .get("ratings")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let method = text(r, "method");
            let version = match method.as_str() {
                "CVSSv4" => "4.0",
                "CVSSv31" => "3.1",
                "CVSSv3" => "3.0",
                "CVSSv2" => "2.0",
                _ => continue,
            };
            let obj = serde_json::json!({
                "baseScore": r.get("score").cloned().unwrap_or(Value::Null),
                "baseSeverity": text(r, "severity"),
                "vectorString": text(r, "vector"),
                "version": version,
            });
            let source = r.get("source").map(|s| text(s, "name")).unwrap_or_default();
            let source = if source.is_empty() {
                "VEX".to_string()
            } else {
                source
            };
            if let Some(s) = cvss(&obj, &source, "") {
                scores.push(s);
            }
        }
        vulnerabilities.push(Vulnerability {
            cve: text(item, "id").to_ascii_uppercase(),
            title: String::new(),
            description: text(item, "description"),
            scores,
            products,
            fix,
            remediation: remediation.join("\n\n"),
            advisories: Vec::new(),
        });
    }
    if !missing.is_empty() {
        notes.push(format!(
            "VEX affects[].ref names no component of the document ({}); kept by reference",
            missing.join(", ")
        ));
    }
    let timestamp = v
        .get("metadata")
        .map(|m| text(m, "timestamp"))
        .unwrap_or_default();
    let feed_date = date_of(&timestamp)
        .or_else(|| dates.iter().max().copied())
        .ok_or("is a VEX document without metadata.timestamp or vulnerability dates")?;
    let serial = text(v, "serialNumber");
    let name = if serial.is_empty() {
        format!("VEX {file_name}")
    } else {
        serial
    };
    let subject = v
        .get("metadata")
        .and_then(|m| m.get("component"))
        .map(|c| {
            format!("{} {}", text(c, "name"), text(c, "version"))
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    Ok(FeedDocument::Advisory {
        info: FeedInfo {
            kind: FeedKind::Vex,
            name,
            feed_date,
            version: v.get("version").map(|n| n.to_string()).unwrap_or_default(),
            title: subject,
        },
        vulnerabilities,
    })
}
