//! CVE JSON 5.x records (cvelistV5): `containers.cna.affected` with `versions[]` (`version`,
//! `lessThan`, `lessThanOrEqual`, `status`), CVSS 2.0–4.0 metrics of the CNA and of ADP
//! containers (CISA-ADP's CPEs are kept as products too).

use serde_json::Value;

use super::{advisory_ids_in, cvss, date_of, english, text};
use crate::vuln::{
    CvssScore, FeedDocument, FeedInfo, FeedKind, FixStatus, ProductRef, ProductStatus,
    Vulnerability,
};

/// One CVE 5 record.
pub(super) fn read(v: &Value, notes: &mut Vec<String>) -> Result<FeedDocument, String> {
    let meta = v.get("cveMetadata").cloned().unwrap_or(Value::Null);
    let id = text(&meta, "cveId").to_ascii_uppercase();
    if id.is_empty() {
        return Err("is a CVE record without cveMetadata.cveId".to_string());
    }
    let feed_date = date_of(&text(&meta, "dateUpdated"))
        .or_else(|| date_of(&text(&meta, "datePublished")))
        .or_else(|| date_of(&text(&meta, "dateReserved")))
        .ok_or_else(|| format!("is CVE record {id} without dateUpdated or datePublished"))?;
    let containers = v.get("containers").cloned().unwrap_or(Value::Null);
    let cna = containers.get("cna").cloned().unwrap_or(Value::Null);
    let assigner = text(&meta, "assignerShortName");
    let mut scores = Vec::new();
    metrics(&cna, format!("CNA {assigner}").trim(), &mut scores);
    let mut products = affected(&cna);
    let mut advisories = advisory_ids_in(cna.get("references"));
    for adp in containers
        .get("adp")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let who = adp
            .get("providerMetadata")
            .map(|p| text(p, "shortName"))
            .unwrap_or_default();
        metrics(adp, format!("ADP {who}").trim(), &mut scores);
        products.extend(affected(adp));
        for a in advisory_ids_in(adp.get("references")) {
            if !advisories.contains(&a) {
                advisories.push(a);
            }
        }
    }
    if products.is_empty() {
        notes.push(format!("{id}: no affected products listed"));
    }
    let solutions = english(cna.get("solutions"));
    let workarounds = english(cna.get("workarounds"));
    let remediation: Vec<String> = [solutions.clone(), workarounds]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    Ok(FeedDocument::Advisory {
        info: FeedInfo {
            kind: FeedKind::CveRecord,
            name: id.clone(),
            feed_date,
            version: text(&meta, "state"),
            title: text(&cna, "title"),
        },
        vulnerabilities: vec![Vulnerability {
            cve: id,
            title: text(&cna, "title"),
            description: english(cna.get("descriptions")),
            scores,
            products,
            fix: if solutions.is_empty() {
                FixStatus::Unknown
            } else {
                FixStatus::FixValidated
            },
            remediation: remediation.join("\n\n"),
            advisories,
        }],
    })
}

fn metrics(container: &Value, source: &str, out: &mut Vec<CvssScore>) {
    for m in container
        .get("metrics")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        for key in ["cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"] {
            if let Some(score) = m.get(key).and_then(|o| cvss(o, source, "")) {
                out.push(score);
            }
        }
    }
}

fn status_of(text: &str) -> ProductStatus {
    match text.to_ascii_lowercase().as_str() {
        "unaffected" => ProductStatus::NotAffected,
        "unknown" => ProductStatus::UnderInvestigation,
        _ => ProductStatus::Affected,
    }
}

fn affected(container: &Value) -> Vec<ProductRef> {
    let mut out = Vec::new();
    for a in container
        .get("affected")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let cpe = a
            .get("cpes")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
            .and_then(Value::as_str)
            .map(str::to_string);
        let purl = {
            let p = text(a, "packageURL");
            (!p.is_empty()).then_some(p)
        };
        let base = ProductRef {
            vendor: text(a, "vendor"),
            product: text(a, "product"),
            full_name: format!("{} {}", text(a, "vendor"), text(a, "product"))
                .trim()
                .to_string(),
            cpe,
            purl,
            ..ProductRef::default()
        };
        let versions = a
            .get("versions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if versions.is_empty() {
            let mut p = base.clone();
            p.status = status_of(&text(a, "defaultStatus"));
            p.version_text = "all versions".to_string();
            out.push(p);
            continue;
        }
        for ver in versions {
            let mut p = base.clone();
            p.status = status_of(&text(ver, "status"));
            let version = text(ver, "version");
            let less_than = text(ver, "lessThan");
            let less_equal = text(ver, "lessThanOrEqual");
            let no_floor = version.is_empty() || version == "0" || version == "*";
            if !less_than.is_empty() || !less_equal.is_empty() {
                if !no_floor {
                    p.start_including = Some(version.clone());
                }
                if !less_than.is_empty() && less_than != "*" {
                    p.end_excluding = Some(less_than.clone());
                }
                if !less_equal.is_empty() && less_equal != "*" {
                    p.end_including = Some(less_equal.clone());
                }
                let floor = if no_floor {
                    String::new()
                } else {
                    format!(">= {version}, ")
                };
                p.version_text = if !less_equal.is_empty() {
                    format!("{floor}<= {less_equal}")
                } else {
                    format!("{floor}< {less_than}")
                };
            } else if !version.is_empty() {
                p.exact = Some(version.clone());
                p.version_text = version;
            }
            out.push(p);
        }
    }
    out
}
