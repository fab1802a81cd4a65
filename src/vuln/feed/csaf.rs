//! CSAF 2.0 advisories (CISA ICSMA and others): the product tree flattened through nested
//! branches, each vulnerability's `product_status` resolved to [`ProductRef`]s, scores,
//! remediations (with each product's own fix status) and the document's tracking facts.

use std::collections::{HashMap, HashSet};

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
    let groups = product_groups(doc);
    let mut missing: Vec<String> = Vec::new();
    let mut vulnerabilities = Vec::new();
    for v in doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        vulnerabilities.push(vulnerability(v, &id, &tree, &groups, &mut missing));
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
    groups: &HashMap<String, Vec<String>>,
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
    // The `product_id` of each entry of `products`.
    let mut product_ids: Vec<String> = Vec::new();
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
                product_ids.push(pid.to_string());
            }
        }
    }
    let remediations = v
        .get("remediations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut remediation: Vec<String> = Vec::new();
    for r in remediations {
        let details = text(r, "details");
        if !details.is_empty() && !remediation.contains(&details) {
            remediation.push(details);
        }
    }
    let claims: Vec<FixClaim> = remediations
        .iter()
        .map(|r| FixClaim::read(r, groups, &cve))
        .collect();
    for (product, pid) in products.iter_mut().zip(&product_ids) {
        product.fix = product_fix(&claims, pid);
    }
    let fix = shared_fix(&products);
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

/// `product_tree.product_groups` as `group_id` → its `product_ids`.
fn product_groups(doc: &Value) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for g in doc
        .get("product_tree")
        .and_then(|t| t.get("product_groups"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let id = text(g, "group_id");
        if id.is_empty() {
            continue;
        }
        let members = out.entry(id).or_default();
        for p in ids(g, "product_ids") {
            if !members.contains(&p) {
                members.push(p);
            }
        }
    }
    out
}

/// The strings of the array `key` of `v`.
fn ids(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// What one remediation says about fixes, read once per vulnerability.
struct FixClaim {
    /// The products it names: its `product_ids` and the members of its `group_ids`; `None`
    /// when it names neither (CSAF requires one; some files omit both): every product of the
    /// vulnerability.
    products: Option<HashSet<String>>,
    /// `vendor_fix`, `none_available`, `no_fix_planned`, `mitigation`, `workaround`, …
    category: String,
    /// Its `details` say plainly that no fix exists ([`says_no_fix`]).
    denies: bool,
    /// Its `details` say it remediates this vulnerability only in part ([`says_partly`]).
    partial: bool,
}

impl FixClaim {
    fn read(r: &Value, groups: &HashMap<String, Vec<String>>, cve: &str) -> FixClaim {
        let mut products: HashSet<String> = ids(r, "product_ids").into_iter().collect();
        let group_ids = ids(r, "group_ids");
        for g in &group_ids {
            products.extend(groups.get(g).into_iter().flatten().cloned());
        }
        let names_none = products.is_empty() && group_ids.is_empty();
        let category = text(r, "category");
        FixClaim {
            products: (!names_none).then_some(products),
            denies: category == "vendor_fix" && says_no_fix(&text(r, "details")),
            partial: category == "vendor_fix" && says_partly(&text(r, "details"), cve),
            category,
        }
    }

    fn names(&self, pid: &str) -> bool {
        self.products.as_ref().is_none_or(|p| p.contains(pid))
    }
}

/// The fix status of one product from the remediations that name it:
/// - `vendor_fix` → Fix validated, unless a `vendor_fix` remediation naming the product says
///   in its `details` that no fix was developed or is planned ([`says_no_fix`], e.g.
///   ICSMA-17-017-02 "BD has not developed a product fix …" filed as `vendor_fix`): then the
///   advisory's `vendor_fix` labels for that product are not a fix, and it is No fix planned
///   (as CSAF `none_available` would have said);
/// - a `vendor_fix` whose `details` say it remediates this vulnerability only in part
///   (ICSMA-23-194-01: "partially remediates CVE-2023-30562") → Fix pending, unless another
///   `vendor_fix` fixes it outright;
/// - `none_available`, `no_fix_planned` → No fix planned, when no real `vendor_fix` names the
///   product (a published fix is the more useful fact);
/// - `mitigation`, `workaround`, nothing → Unknown.
fn product_fix(claims: &[FixClaim], pid: &str) -> FixStatus {
    let mut vendor_fix = false;
    let mut partial = false;
    let mut no_fix = false;
    let mut denied = false;
    for c in claims.iter().filter(|c| c.names(pid)) {
        match c.category.as_str() {
            "vendor_fix" if c.denies => denied = true,
            "vendor_fix" if c.partial => partial = true,
            "vendor_fix" => vendor_fix = true,
            "none_available" | "no_fix_planned" => no_fix = true,
            _ => {}
        }
    }
    if denied {
        FixStatus::NoFixPlanned
    } else if vendor_fix {
        FixStatus::FixValidated
    } else if partial {
        FixStatus::FixPending
    } else if no_fix {
        FixStatus::NoFixPlanned
    } else {
        FixStatus::Unknown
    }
}

/// Whether a remediation's text plainly says the vendor has no fix: one of the phrases
/// "has not developed a … fix" / "patch" / "update", "have not developed …", "no fix is
/// available" / "planned", "no plans to fix" / "patch" / "release", "does not plan to",
/// "will not be fixed" / "patched", "will not fix" / "patch" / "release", with at most three
/// words between the verb and the noun; a text that also points to an update ("update to",
/// "upgrade to", "fixed in", "patch is available") is not read as a denial. Case-insensitive,
/// whitespace folded.
pub(super) fn says_no_fix(details: &str) -> bool {
    let words: Vec<String> = details
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let folded = words.join(" ");
    for positive in ["update to", "upgrade to", "fixed in", "patch is available"] {
        if folded.contains(positive) {
            return false;
        }
    }
    const NOUNS: &[&str] = &[
        "fix",
        "fixes",
        "patch",
        "patches",
        "update",
        "updates",
        "remediation",
        "solution",
    ];
    // (lead words, the verb that must follow them) → a fix noun within three words.
    const LEADS: &[&[&str]] = &[
        &["has", "not", "developed"],
        &["have", "not", "developed"],
        &["has", "not", "released"],
        &["have", "not", "released"],
        &["no", "plans", "to"],
        &["does", "not", "plan", "to"],
        &["do", "not", "plan", "to"],
        &["will", "not"],
        &["no"],
    ];
    for (i, _) in words.iter().enumerate() {
        for lead in LEADS {
            let end = i + lead.len();
            if end > words.len() || words[i..end].iter().zip(lead.iter()).any(|(w, l)| w != l) {
                continue;
            }
            let rest = &words[end..words.len().min(end + 4)];
            if *lead == ["no"] {
                // "no fix is available", "no patch planned", "no fix will be released".
                if rest.first().is_some_and(|w| NOUNS.contains(&w.as_str()))
                    && rest[1..].iter().any(|w| {
                        matches!(
                            w.as_str(),
                            "available" | "planned" | "released" | "developed"
                        )
                    })
                {
                    return true;
                }
            } else if *lead == ["will", "not"] {
                // "will not be fixed", "will not fix", "will not release a patch".
                if rest
                    .first()
                    .is_some_and(|w| matches!(w.as_str(), "fix" | "patch"))
                    || (rest.first().is_some_and(|w| w == "be")
                        && rest
                            .get(1)
                            .is_some_and(|w| matches!(w.as_str(), "fixed" | "patched")))
                    || (rest
                        .first()
                        .is_some_and(|w| matches!(w.as_str(), "release" | "provide" | "develop"))
                        && rest[1..].iter().any(|w| NOUNS.contains(&w.as_str())))
                {
                    return true;
                }
            } else if rest.iter().any(|w| NOUNS.contains(&w.as_str())) {
                return true;
            }
        }
    }
    false
}

/// Whether a remediation's text says it fixes `cve` only in part: a clause (up to the next `;`,
/// line break or sentence end) that starts at a word beginning with "partial" ("partially
/// remediates", "partial fix for") and names the CVE. Case-insensitive.
pub(super) fn says_partly(details: &str, cve: &str) -> bool {
    let lower = details.to_lowercase();
    let cve = cve.to_lowercase();
    if cve.is_empty() {
        return false;
    }
    lower.match_indices("partial").any(|(at, _)| {
        let clause = &lower[at..];
        let end = [clause.find(';'), clause.find('\n'), clause.find(". ")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(clause.len());
        clause[..end].contains(&cve)
    })
}

/// The status every affected (or under investigation) product shares; with none of those,
/// the status every product shares; `Unknown` when they differ or there are no products.
fn shared_fix(products: &[ProductRef]) -> FixStatus {
    let affected: Vec<FixStatus> = products
        .iter()
        .filter(|p| {
            matches!(
                p.status,
                ProductStatus::Affected | ProductStatus::UnderInvestigation
            )
        })
        .map(|p| p.fix)
        .collect();
    let all: Vec<FixStatus> = if affected.is_empty() {
        products.iter().map(|p| p.fix).collect()
    } else {
        affected
    };
    match all.split_first() {
        Some((first, rest)) if rest.iter().all(|f| f == first) => *first,
        _ => FixStatus::Unknown,
    }
}
