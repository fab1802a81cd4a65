//! CSAF 2.0 advisories (CISA ICSMA and others): the product tree flattened through nested
//! branches, each vulnerability's `product_status` resolved to [`ProductRef`]s, scores,
//! remediations and the document's tracking facts.

use std::collections::HashMap;

use serde_json::Value;

use super::{cvss, date_of, text};
use crate::vuln::{
    FeedDocument, FeedInfo, FeedKind, FixStatus, ProductRef, ProductStatus, Vulnerability,
};

/// The product tree as `product_id` → product, in tree order: every `branches[].product` at any
/// depth (vendor from the nearest `vendor` branch, product from `product_name` / `product_family`
/// branches, version text from `product_version` / `product_version_range`), then the tree's
/// `full_product_names`, then `relationships[].full_product_name` (taking the referenced
/// product's facts).
pub(super) fn product_tree(doc: &Value) -> Vec<(String, ProductRef)> {
    let mut out: Vec<(String, ProductRef)> = Vec::new();
    let Some(tree) = doc.get("product_tree") else {
        return out;
    };
    if let Some(branches) = tree.get("branches").and_then(Value::as_array) {
        walk(branches, &ProductRef::default(), &mut out);
    }
    if let Some(names) = tree.get("full_product_names").and_then(Value::as_array) {
        for p in names {
            if let Some(entry) = leaf(p, &ProductRef::default()) {
                out.push(entry);
            }
        }
    }
    if let Some(rels) = tree.get("relationships").and_then(Value::as_array) {
        for r in rels {
            let Some(full) = r.get("full_product_name") else {
                continue;
            };
            let referenced = text(r, "product_reference");
            let base = out
                .iter()
                .find(|(id, _)| *id == referenced)
                .map(|(_, p)| p.clone())
                .unwrap_or_default();
            if let Some(entry) = leaf(full, &base) {
                out.push(entry);
            }
        }
    }
    out
}

fn walk(branches: &[Value], context: &ProductRef, out: &mut Vec<(String, ProductRef)>) {
    for b in branches {
        let name = text(b, "name");
        let mut here = context.clone();
        match text(b, "category").as_str() {
            "vendor" => here.vendor = name,
            "product_name" => here.product = name,
            "product_family" if here.product.is_empty() => here.product = name,
            "product_version" | "product_version_range" => here.version_text = name,
            _ => {}
        }
        if let Some(p) = b.get("product")
            && let Some(entry) = leaf(p, &here)
        {
            out.push(entry);
        }
        if let Some(children) = b.get("branches").and_then(Value::as_array) {
            walk(children, &here, out);
        }
    }
}

/// A `full_product_name` object (`name`, `product_id`, `product_identification_helper`) on top
/// of the facts of its branch.
fn leaf(p: &Value, context: &ProductRef) -> Option<(String, ProductRef)> {
    let id = text(p, "product_id");
    if id.is_empty() {
        return None;
    }
    let mut product = context.clone();
    product.full_name = text(p, "name");
    if product.product.is_empty() {
        product.product = product.full_name.clone();
    }
    if let Some(helper) = p.get("product_identification_helper") {
        let cpe = text(helper, "cpe");
        let purl = text(helper, "purl");
        product.cpe = (!cpe.is_empty()).then_some(cpe);
        product.purl = (!purl.is_empty()).then_some(purl);
    }
    Some((id, product))
}

/// One CSAF 2.0 document.
pub(super) fn read(doc: &Value, notes: &mut Vec<String>) -> Result<FeedDocument, String> {
    let document = doc.get("document").ok_or("is CSAF without a `document`")?;
    let tracking = document.get("tracking").cloned().unwrap_or(Value::Null);
    let id = text(&tracking, "id");
    if id.is_empty() {
        return Err("is a CSAF advisory without document.tracking.id".to_string());
    }
    let feed_date = date_of(&text(&tracking, "current_release_date"))
        .or_else(|| date_of(&text(&tracking, "initial_release_date")))
        .ok_or_else(|| {
            format!("is CSAF advisory {id} without a current_release_date (document.tracking)")
        })?;
    let tree: HashMap<String, ProductRef> = product_tree(doc).into_iter().collect();
    let mut missing: Vec<String> = Vec::new();
    let mut vulnerabilities = Vec::new();
    for v in doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        vulnerabilities.push(vulnerability(v, &id, &tree, &mut missing));
    }
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        notes.push(format!(
            "{id}: product_status names product IDs the product tree does not define ({}); kept by ID",
            missing.join(", ")
        ));
    }
    let empty_notes = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| {
                    v.get("notes")
                        .and_then(Value::as_array)
                        .is_none_or(Vec::is_empty)
                })
                .count()
        })
        .unwrap_or(0);
    if empty_notes > 0 {
        notes.push(format!(
            "{id}: {empty_notes} vulnerabilit{} without notes (no description)",
            if empty_notes == 1 { "y" } else { "ies" }
        ));
    }
    Ok(FeedDocument::Advisory {
        info: FeedInfo {
            kind: FeedKind::Csaf,
            name: id,
            feed_date,
            version: text(&tracking, "version"),
            title: text(document, "title"),
        },
        vulnerabilities,
    })
}

fn vulnerability(
    v: &Value,
    doc_id: &str,
    tree: &HashMap<String, ProductRef>,
    missing: &mut Vec<String>,
) -> Vulnerability {
    let mut cve = text(v, "cve").to_ascii_uppercase();
    if cve.is_empty() {
        cve = v
            .get("ids")
            .and_then(Value::as_array)
            .and_then(|ids| ids.first())
            .map(|i| text(i, "text"))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| doc_id.to_string());
    }
    let mut title = text(v, "title");
    if title.is_empty() {
        title = v.get("cwe").map(|c| text(c, "name")).unwrap_or_default();
    }
    let notes = v
        .get("notes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let pick = |categories: &[&str]| -> Vec<String> {
        notes
            .iter()
            .filter(|n| categories.contains(&text(n, "category").as_str()))
            .map(|n| text(n, "text"))
            .filter(|t| !t.is_empty())
            .collect()
    };
    let mut description = pick(&["description"]);
    if description.is_empty() {
        description = pick(&["summary", "details", "general"]);
    }
    let mut scores = Vec::new();
    for s in v
        .get("scores")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        for key in ["cvss_v4", "cvss_v3", "cvss_v2"] {
            if let Some(score) = s.get(key).and_then(|o| cvss(o, "advisory", ""))
                && !scores.contains(&score)
            {
                scores.push(score);
            }
        }
    }
    let mut products = Vec::new();
    if let Some(status) = v.get("product_status") {
        for (group, st) in [
            ("known_affected", ProductStatus::Affected),
            ("first_affected", ProductStatus::Affected),
            ("last_affected", ProductStatus::Affected),
            ("fixed", ProductStatus::Fixed),
            ("first_fixed", ProductStatus::Fixed),
            ("known_not_affected", ProductStatus::NotAffected),
            ("under_investigation", ProductStatus::UnderInvestigation),
        ] {
            for pid in status
                .get(group)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let Some(pid) = pid.as_str() else { continue };
                let mut product = match tree.get(pid) {
                    Some(p) => p.clone(),
                    None => {
                        missing.push(pid.to_string());
                        ProductRef {
                            product: pid.to_string(),
                            full_name: pid.to_string(),
                            ..ProductRef::default()
                        }
                    }
                };
                product.status = st;
                products.push(product);
            }
        }
    }
    let mut fix = FixStatus::Unknown;
    let mut remediation: Vec<String> = Vec::new();
    for r in v
        .get("remediations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        match text(r, "category").as_str() {
            "vendor_fix" => fix = FixStatus::FixValidated,
            "no_fix_planned" | "none_available" if fix == FixStatus::Unknown => {
                fix = FixStatus::NoFixPlanned;
            }
            _ => {}
        }
        let details = text(r, "details");
        if !details.is_empty() && !remediation.contains(&details) {
            remediation.push(details);
        }
    }
    Vulnerability {
        cve,
        title,
        description: description.join("\n\n"),
        scores,
        products,
        fix,
        remediation: remediation.join("\n\n"),
        advisories: vec![doc_id.to_string()],
    }
}
