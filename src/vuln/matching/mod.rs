//! Matching devices and their SBOM components to the vulnerabilities of the feeds.
//!
//! Pure functions, no I/O. The parts, each with its own rules and tests:
//! [`version`] (firmware strings), [`version_text`] (CSAF/CISA version texts and NVD bounds),
//! [`vendor`] (maker names), [`product`] (model against product name), [`cpe`], [`purl`].
//!
//! What matches ([`Matcher::match_device`]):
//! - **The device** (manufacturer, model, software/firmware version): every `Affected`
//!   [`ProductRef`] of a vendor that is the device's manufacturer ([`vendor::same_vendor`]),
//!   whose product fits the model ([`product::ProductName::fit`]). NVD platform-only refs
//!   (the hardware of an AND configuration) never match on their own: the firmware CPE of
//!   the same configuration names the same product and carries the range. A reference that
//!   names no maker (a VEX subject without a supplier) reaches only a model of exactly its
//!   name.
//! - **The device's operating system**, against refs of the OS's maker (`Windows` →
//!   Microsoft, `VxWorks` → Wind River, …), with the dotted version the text carries
//!   (`VxWorks 6.9`): at most Medium, as the text is free.
//! - **Each SBOM component**, by purl (type + namespace + name), by CPE (vendor + product),
//!   or by name (and the supplier, when both sides name one) against refs that carry them. A
//!   match by name alone, with no supplier on one side to confirm the maker, is at most
//!   Medium.
//! - **KEV**: a CVE found by another source gets `kev` and a `KEV` source; a KEV entry whose
//!   vendorProject is the manufacturer and whose product fits the model, with no other source,
//!   is a Low "vendor + product only" match.
//!
//! Confidence: **High** = product matched and the version lies in the affected range (or all
//! versions are affected and the device's version is known); **Medium** = product matched,
//! version unknown, unreadable, not comparable, or a condition the version does not settle
//! (`with Wireless Battery Modules …`); **Low** = vendor and product family only, KEV alone,
//! or under investigation. A version outside every affected range is no match.
//!
//! Suppression: a `Fixed` or `NotAffected` ref (CSAF `fixed`, VEX `not_affected`) whose
//! product fits and whose versions hold the device's (or component's) version (for `Fixed`:
//! that version or a later one) removes the
//! (CVE, component) match, whatever other sources say: the vendor's word on its own version
//! is the most specific. A statement about all versions (CVE 5 `defaultStatus: unaffected`,
//! which the reader writes as a not-affected ref for all versions) yields to the affected
//! ranges of the same record, and removes only matches no range of that record supports.

pub mod cpe;
pub mod product;
pub mod purl;
pub mod vendor;
pub mod version;
pub mod version_text;

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Component, CvssScore, FeedIndex, FeedInfo, FeedKind, FixStatus, KevEntry, ProductRef,
    ProductStatus, Vulnerability,
};
use crate::device::Device;
use cpe::Cpe;
use product::{ProductFit, ProductName};
use purl::Purl;
use vendor::{fold_words, same_vendor, vendor_keys};
use version::Version;
use version_text::{InSpec, VersionSpec};

/// How sure a match is (TEMPLATE.md "2 CVE Findings", Match Confidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Confidence {
    /// Vendor and product only, or a loose name match.
    Low,
    /// Product matched, version unknown or not comparable.
    Medium,
    /// Product matched and the version lies in the affected range.
    High,
}

impl Confidence {
    /// `High`, `Medium`, `Low`.
    pub fn label(self) -> &'static str {
        match self {
            Confidence::High => "High",
            Confidence::Medium => "Medium",
            Confidence::Low => "Low",
        }
    }
}

/// One source that supports a match: which document, of which date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchSource {
    /// The document's kind.
    pub kind: FeedKind,
    /// The document's name (`ICSMA-18-058-02`, `CVE-2019-10964`, `KEV`).
    pub name: String,
    /// The document's own date.
    pub feed_date: NaiveDate,
}

/// One vulnerability matched to one device (or one of its SBOM components).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// `CVE-…` (upper case).
    pub cve: String,
    /// The SBOM component matched; `None` = the device's own product (manufacturer + model).
    pub component: Option<Component>,
    /// The best confidence over all sources.
    pub confidence: Confidence,
    /// Why, in words: `model + version in range (≤ 2.4a)`, `vendor + product only`,
    /// `component purl + version in range`.
    pub reason: String,
    /// Every document that supports the match, best first.
    pub sources: Vec<MatchSource>,
    /// Advisory IDs (ICSMA, vendor) that publish the CVE.
    pub advisories: Vec<String>,
    /// Every score given for the CVE, all sources.
    pub scores: Vec<CvssScore>,
    /// The manufacturer's fix status for what matched: from the references of the best
    /// confidence (the most useful of several); for CSAF the matched product's own status
    /// ([`ProductRef::fix`]), so a fix for another product of the same advisory does not count;
    /// `Unknown` for a KEV-only match.
    pub fix: FixStatus,
    /// The KEV entry when the CVE is in the catalog.
    pub kev: Option<KevEntry>,
    /// A short title or the first sentence of the description.
    pub title: String,
}

/// Every vulnerability of `index` that applies to `device` (manufacturer, model, software and
/// firmware version, operating system) or to one of its SBOM `components`, one [`Match`] per
/// (CVE, component), sorted by CVE (see the module comment for the rules).
///
/// This prepares the whole index for one device; to match many devices, build a [`Matcher`]
/// once and call [`Matcher::match_device`] for each.
pub fn match_device(device: &Device, components: &[Component], index: &FeedIndex) -> Vec<Match> {
    Matcher::new(index).match_device(device, components)
}

/// One product reference of the index, read once: its product tokens, its versions, its keys.
struct PreparedRef {
    advisory: usize,
    vulnerability: usize,
    status: ProductStatus,
    platform_only: bool,
    vendor: String,
    product: ProductName,
    spec: VersionSpec,
    prefer_firmware: bool,
    /// How a reason names the product.
    label: String,
    /// The fix status for this product: the reference's own for CSAF (its remediations),
    /// the record's for NVD, CVE 5 and VEX (they give none per product).
    fix: FixStatus,
}

/// The feed index prepared for matching many devices: product references grouped by vendor
/// key, purl, CPE vendor + product and product name, so a device looks only at its maker's
/// products (10,000 devices against 2,000 vulnerabilities: see `benches/matching.rs`).
pub struct Matcher<'a> {
    index: &'a FeedIndex,
    refs: Vec<PreparedRef>,
    /// Product names read so far, by (product, vendor): advisories repeat one product list
    /// for every CVE.
    names: HashMap<(String, String), ProductName>,
    /// Vendor keys read so far, by vendor name as written.
    vendors: HashMap<String, BTreeSet<String>>,
    /// References that name no maker.
    vendorless: BTreeSet<usize>,
    by_vendor: HashMap<String, Vec<usize>>,
    by_purl: HashMap<(String, String, String), Vec<usize>>,
    by_cpe: HashMap<(String, String), Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    /// KEV entries by vendor key; their product names are read when a device of that
    /// vendor is matched.
    kev_by_vendor: HashMap<String, Vec<&'a KevEntry>>,
}

/// Operating-system names and their makers, for matching a device's `operating_system`.
const OS_VENDORS: &[(&str, &str)] = &[
    ("windows", "microsoft"),
    ("vxworks", "wind river"),
    ("linux", "linux"),
    ("freertos", "amazon"),
    ("qnx", "blackberry"),
    ("android", "google"),
    ("integrity", "green hills"),
    ("ose", "enea"),
];

/// Where a device or component version came from, for reasons.
#[derive(Debug, Clone)]
enum HaveVersion {
    /// No version recorded.
    None,
    /// A value that is not a version (`N/A`, `latest`).
    Unreadable(&'static str, String),
    /// A version, and the field it came from (`firmware`, `software`; `version` for a
    /// component or an operating system).
    Known(&'static str, Version),
}

/// What one reference says about one device or component.
enum Verdict {
    Match(Confidence, String),
    /// Fixed or not affected; `specific` when the reference names versions (a CVE 5
    /// `defaultStatus: unaffected` names all versions and yields to the same record's affected
    /// ranges).
    Suppress {
        specific: bool,
    },
    Nothing,
}

/// A (CVE, component index) pair; `None` is the device itself.
type Key = (String, Option<usize>);

/// Fixed / not-affected statements found for one key.
#[derive(Default)]
struct Suppression {
    /// A statement about specific versions that hold the device's version.
    specific: bool,
    /// The (advisory, vulnerability) of statements about all versions.
    all_versions_from: Vec<(usize, usize)>,
}

/// Matches found so far for one (CVE, component).
struct Found {
    confidence: Confidence,
    reasons: Vec<(Confidence, String)>,
    sources: Vec<(Confidence, MatchSource)>,
    vulnerabilities: Vec<(usize, usize)>,
    /// The fix status of each matching reference, with that reference's confidence.
    fixes: Vec<(Confidence, FixStatus)>,
}

fn normal_name(text: &str) -> String {
    fold_words(text).concat()
}

fn source_of(info: &FeedInfo) -> MatchSource {
    MatchSource {
        kind: info.kind,
        name: info.name.clone(),
        feed_date: info.feed_date,
    }
}

fn cpe_key(cpe: &Cpe) -> Option<(String, String)> {
    Some((
        cpe.vendor.value()?.to_string(),
        cpe.product.value()?.to_string(),
    ))
}

/// The spec of a reference: structured bounds first, then the version text, then the CPE's
/// own version, then version hints of the product name (`IntelliSpace Portal 8.0.x`, `Xeleris
/// 1.0` = every 1.0.x), else all versions.
fn spec_of(r: &ProductRef, cpe: Option<&Cpe>, hints: &[String]) -> VersionSpec {
    let bounded = [
        &r.start_including,
        &r.start_excluding,
        &r.end_including,
        &r.end_excluding,
    ]
    .iter()
    .any(|b| b.as_deref().is_some_and(|s| !s.trim().is_empty()));
    let spec = if bounded || r.exact.as_deref().is_some_and(|s| !s.trim().is_empty()) {
        VersionSpec::from_bounds(
            r.exact.as_deref(),
            r.start_including.as_deref(),
            r.start_excluding.as_deref(),
            r.end_including.as_deref(),
            r.end_excluding.as_deref(),
        )
    } else if !r.version_text.trim().is_empty() {
        VersionSpec::parse(&r.version_text)
    } else if let Some(v) = cpe.and_then(Cpe::full_version) {
        VersionSpec::parse(&v)
    } else {
        VersionSpec::all("all versions")
    };
    if spec.is_all() && !hints.is_empty() {
        // A product name names release lines: `Xeleris 1.0` is every 1.0.x.
        let lines: Vec<String> = hints
            .iter()
            .map(|h| {
                let l = h.to_lowercase();
                if l.ends_with(".x") || l.ends_with(".*") {
                    h.clone()
                } else {
                    format!("{h}.x")
                }
            })
            .collect();
        let mut hinted = VersionSpec::parse(&lines.join(" | "));
        hinted.condition = spec.condition;
        return hinted;
    }
    spec
}

impl<'a> Matcher<'a> {
    /// Reads every product reference and KEV entry of `index` once.
    pub fn new(index: &'a FeedIndex) -> Matcher<'a> {
        let mut m = Matcher {
            index,
            refs: Vec::new(),
            names: HashMap::new(),
            vendors: HashMap::new(),
            vendorless: BTreeSet::new(),
            by_vendor: HashMap::new(),
            by_purl: HashMap::new(),
            by_cpe: HashMap::new(),
            by_name: HashMap::new(),
            kev_by_vendor: HashMap::new(),
        };
        for (ai, (info, vulns)) in index.advisories.iter().enumerate() {
            for (vi, v) in vulns.iter().enumerate() {
                for r in &v.products {
                    // CSAF names fixes per product; a stored CSAF feed read before that
                    // leaves `Unknown`, never the advisory-wide status.
                    let fix = if info.kind == FeedKind::Csaf {
                        r.fix
                    } else {
                        v.fix
                    };
                    m.add_ref(ai, vi, r, fix);
                }
            }
        }
        for entry in index.kev_entries.values() {
            let keys = m
                .vendors
                .entry(entry.vendor_project.clone())
                .or_insert_with(|| vendor_keys(&entry.vendor_project));
            for key in keys.iter() {
                m.kev_by_vendor.entry(key.clone()).or_default().push(entry);
            }
        }
        for list in m.kev_by_vendor.values_mut() {
            // Same order on every run (the catalog is a hash map).
            list.sort_by(|a, b| a.cve.cmp(&b.cve));
        }
        m
    }

    /// How many product references the matcher holds.
    pub fn reference_count(&self) -> usize {
        self.refs.len()
    }

    fn add_ref(&mut self, advisory: usize, vulnerability: usize, r: &ProductRef, fix: FixStatus) {
        let cpe = r.cpe.as_deref().and_then(|c| Cpe::parse(c).ok());
        let purl = r.purl.as_deref().and_then(|p| Purl::parse(p).ok());
        let vendor = if r.vendor.trim().is_empty() {
            cpe.as_ref().map(Cpe::vendor_words).unwrap_or_default()
        } else {
            r.vendor.clone()
        };
        let product_text = if r.product.trim().is_empty() {
            cpe.as_ref().map(Cpe::product_words).unwrap_or_default()
        } else {
            r.product.replace('_', " ")
        };
        let product = self
            .names
            .entry((product_text.clone(), vendor.clone()))
            .or_insert_with(|| ProductName::new(&product_text, &vendor))
            .clone();
        let spec = spec_of(r, cpe.as_ref(), product.version_hints());
        let prefer_firmware = cpe.as_ref().is_some_and(|c| matches!(c.part, 'o' | 'h'))
            || product_text.to_lowercase().contains("firmware");
        // The printed name; the NVD reader puts the CPE there, which reads better as its
        // product.
        let label = if !r.full_name.trim().is_empty()
            && !r.full_name.trim().to_lowercase().starts_with("cpe:")
        {
            r.full_name.trim().to_string()
        } else if let Some(c) = &cpe
            && let Some(product) = c.product.value()
        {
            product.to_string()
        } else {
            format!("{} {}", r.product, r.version_text)
                .trim()
                .to_string()
        };
        let i = self.refs.len();
        let keys = self
            .vendors
            .entry(vendor.clone())
            .or_insert_with(|| vendor_keys(&vendor));
        for key in keys.iter() {
            self.by_vendor.entry(key.clone()).or_default().push(i);
        }
        if keys.is_empty() {
            // No maker named (a VEX subject without a supplier): only an exact product name
            // can reach it (see `match_device`).
            self.vendorless.insert(i);
        }
        if let Some(p) = &purl {
            self.by_purl.entry(p.key()).or_default().push(i);
        }
        if let Some(k) = cpe.as_ref().and_then(cpe_key) {
            self.by_cpe.entry(k).or_default().push(i);
        }
        let name = normal_name(&product_text);
        if !name.is_empty() {
            self.by_name.entry(name).or_default().push(i);
        }
        self.refs.push(PreparedRef {
            advisory,
            vulnerability,
            status: r.status,
            platform_only: r.platform_only,
            vendor,
            product,
            spec,
            prefer_firmware,
            label,
            fix,
        });
    }

    fn vulnerability(&self, r: &PreparedRef) -> Option<(&'a FeedInfo, &'a Vulnerability)> {
        let (info, vulns) = self.index.advisories.get(r.advisory)?;
        Some((info, vulns.get(r.vulnerability)?))
    }

    /// Every vulnerability that applies to `device` or one of its `components` (see
    /// [`match_device`]).
    pub fn match_device(&self, device: &Device, components: &[Component]) -> Vec<Match> {
        let mut found: HashMap<Key, Found> = HashMap::new();
        let mut suppressed: HashMap<Key, Suppression> = HashMap::new();
        let manufacturer = device.get("manufacturer");
        let model_text = device.get("model");
        let model = ProductName::new(model_text, manufacturer);

        let versions = [device_version(device, false), device_version(device, true)];
        // The device's own product.
        if !model.is_empty() {
            let mut seen = BTreeSet::new();
            for key in vendor_keys(manufacturer) {
                for &i in self.by_vendor.get(&key).into_iter().flatten() {
                    if !seen.insert(i) {
                        continue;
                    }
                    let r = &self.refs[i];
                    if r.platform_only {
                        continue;
                    }
                    let Some(fit) = r.product.fit(&model) else {
                        continue;
                    };
                    let have = &versions[usize::from(r.prefer_firmware)];
                    let verdict = judge(r, fit, have, Some(&model), "model");
                    self.record(&mut found, &mut suppressed, r, None, verdict);
                }
            }
            // References that name no maker (VEX subjects): the model's exact name only.
            for &i in self
                .by_name
                .get(&normal_name(model_text))
                .into_iter()
                .flatten()
            {
                if !self.vendorless.contains(&i) {
                    continue;
                }
                let r = &self.refs[i];
                let have = &versions[usize::from(r.prefer_firmware)];
                let verdict = judge(r, ProductFit::Model, have, Some(&model), "model");
                self.record(&mut found, &mut suppressed, r, None, verdict);
            }
        }

        // The operating system.
        let os = device.get("operating_system");
        if !os.trim().is_empty() {
            let os_name = ProductName::new(os, "");
            // `VxWorks 6.9`: the version the OS text carries, if any.
            let os_version = os_name
                .version_hints()
                .iter()
                .find_map(|h| Version::parse(h))
                .map(|v| HaveVersion::Known("version", v))
                .unwrap_or(HaveVersion::None);
            let os_words = fold_words(os);
            let mut seen = BTreeSet::new();
            for (word, maker) in OS_VENDORS {
                if !os_words.iter().any(|w| w == word) {
                    continue;
                }
                for key in vendor_keys(maker) {
                    for &i in self.by_vendor.get(&key).into_iter().flatten() {
                        if !seen.insert(i) {
                            continue;
                        }
                        let r = &self.refs[i];
                        if r.platform_only {
                            continue;
                        }
                        let Some(fit) = r.product.fit(&os_name) else {
                            continue;
                        };
                        let verdict = match judge(r, fit, &os_version, None, "operating system") {
                            // Free text: never more than Medium.
                            Verdict::Match(c, reason) => Verdict::Match(
                                c.min(Confidence::Medium),
                                format!("{reason}; from the operating system \"{os}\""),
                            ),
                            other => other,
                        };
                        self.record(&mut found, &mut suppressed, r, None, verdict);
                    }
                }
            }
        }

        // SBOM components.
        for (ci, c) in components.iter().enumerate() {
            self.match_component(ci, c, &mut found, &mut suppressed);
        }

        // KEV alone: vendorProject + product against manufacturer + model.
        if !model.is_empty() {
            let mut seen = BTreeSet::new();
            for key in vendor_keys(manufacturer) {
                for k in self.kev_by_vendor.get(&key).into_iter().flatten() {
                    let cve = k.cve.trim().to_uppercase();
                    if !seen.insert(cve.clone()) || found.contains_key(&(cve.clone(), None)) {
                        continue;
                    }
                    if ProductName::new(&k.product, &k.vendor_project)
                        .fit(&model)
                        .is_none()
                    {
                        continue;
                    }
                    found.insert(
                        (cve, None),
                        Found {
                            confidence: Confidence::Low,
                            reasons: vec![(
                                Confidence::Low,
                                format!(
                                    "vendor + product only (KEV: {} {})",
                                    k.vendor_project, k.product
                                ),
                            )],
                            sources: Vec::new(),
                            vulnerabilities: Vec::new(),
                            fixes: Vec::new(),
                        },
                    );
                }
            }
        }

        let mut out: Vec<Match> = found
            .into_iter()
            .filter(|(key, f)| match suppressed.get(key) {
                None => true,
                Some(s) => {
                    !s.specific
                        && f.vulnerabilities
                            .iter()
                            .any(|v| s.all_versions_from.contains(v))
                }
            })
            .map(|((cve, ci), f)| self.build(cve, ci.and_then(|i| components.get(i)), f))
            .collect();
        out.sort_by(|a, b| {
            cve_order(&a.cve)
                .cmp(&cve_order(&b.cve))
                .then_with(|| a.cve.cmp(&b.cve))
                .then_with(|| {
                    let name = |m: &Match| {
                        m.component
                            .as_ref()
                            .map(|c| (1, c.name.clone(), c.version.clone()))
                            .unwrap_or((0, String::new(), String::new()))
                    };
                    name(a).cmp(&name(b))
                })
        });
        out
    }

    fn match_component(
        &self,
        ci: usize,
        c: &Component,
        found: &mut HashMap<Key, Found>,
        suppressed: &mut HashMap<Key, Suppression>,
    ) {
        let purl = c.purl.as_deref().and_then(|p| Purl::parse(p).ok());
        let cpe = c.cpe.as_deref().and_then(|p| Cpe::parse(p).ok());
        // (ref, how it was found)
        let mut candidates: Vec<(usize, &'static str)> = Vec::new();
        let mut seen = BTreeSet::new();
        if let Some(p) = &purl {
            for &i in self.by_purl.get(&p.key()).into_iter().flatten() {
                if seen.insert(i) {
                    candidates.push((i, "purl"));
                }
            }
        }
        if let Some(k) = cpe.as_ref().and_then(cpe_key) {
            for &i in self.by_cpe.get(&k).into_iter().flatten() {
                if seen.insert(i) {
                    candidates.push((i, "CPE"));
                }
            }
        }
        let mut names = vec![normal_name(&c.name)];
        if let Some(p) = &purl {
            names.push(normal_name(&p.name));
        }
        if let Some(product) = cpe.as_ref().and_then(|x| x.product.value()) {
            names.push(normal_name(product));
        }
        let supplier = if c.supplier.trim().is_empty() {
            cpe.as_ref().map(Cpe::vendor_words).unwrap_or_default()
        } else {
            c.supplier.clone()
        };
        for name in names {
            for &i in self.by_name.get(&name).into_iter().flatten() {
                let r = &self.refs[i];
                // A name alone is not enough when both sides name different makers.
                if !supplier.trim().is_empty()
                    && !r.vendor.trim().is_empty()
                    && !same_vendor(&supplier, &r.vendor)
                {
                    continue;
                }
                if seen.insert(i) {
                    candidates.push((i, "name"));
                }
            }
        }
        if candidates.is_empty() {
            return;
        }
        let version_text = [
            c.version.clone(),
            purl.as_ref().map(|p| p.version.clone()).unwrap_or_default(),
            cpe.as_ref().and_then(Cpe::full_version).unwrap_or_default(),
        ]
        .into_iter()
        .find(|v| !v.trim().is_empty())
        .unwrap_or_default();
        let have = if version_text.trim().is_empty() {
            HaveVersion::None
        } else {
            match Version::parse(&version_text) {
                Some(v) => HaveVersion::Known("version", v),
                None => HaveVersion::Unreadable("version", version_text.clone()),
            }
        };
        for (i, how) in candidates {
            let r = &self.refs[i];
            if r.platform_only {
                continue;
            }
            let what = match how {
                "purl" => "component purl",
                "CPE" => "component CPE",
                _ => "component name",
            };
            let mut verdict = judge(r, ProductFit::Model, &have, None, what);
            // A bare name is not a maker: without a supplier that agrees, at most Medium.
            let maker_confirmed = !supplier.trim().is_empty() && !r.vendor.trim().is_empty();
            if how == "name"
                && !maker_confirmed
                && let Verdict::Match(c, reason) = verdict
            {
                verdict = Verdict::Match(
                    c.min(Confidence::Medium),
                    format!("{reason}; no supplier confirms the maker"),
                );
            }
            self.record(found, suppressed, r, Some(ci), verdict);
        }
    }

    fn record(
        &self,
        found: &mut HashMap<Key, Found>,
        suppressed: &mut HashMap<Key, Suppression>,
        r: &PreparedRef,
        component: Option<usize>,
        verdict: Verdict,
    ) {
        let Some((info, vuln)) = self.vulnerability(r) else {
            return;
        };
        let cve = vuln.cve.trim().to_uppercase();
        if cve.is_empty() {
            return;
        }
        match verdict {
            Verdict::Nothing => {}
            Verdict::Suppress { specific } => {
                let s = suppressed.entry((cve, component)).or_default();
                if specific {
                    s.specific = true;
                } else {
                    s.all_versions_from.push((r.advisory, r.vulnerability));
                }
            }
            Verdict::Match(confidence, reason) => {
                let reason = format!(
                    "{reason} ({} {}: {})",
                    info.kind.label(),
                    info.name,
                    r.label
                );
                let f = found.entry((cve, component)).or_insert_with(|| Found {
                    confidence,
                    reasons: Vec::new(),
                    sources: Vec::new(),
                    vulnerabilities: Vec::new(),
                    fixes: Vec::new(),
                });
                f.confidence = f.confidence.max(confidence);
                if !f.reasons.iter().any(|(_, x)| *x == reason) {
                    f.reasons.push((confidence, reason));
                }
                let source = source_of(info);
                match f.sources.iter_mut().find(|(_, s)| *s == source) {
                    Some((c, _)) => *c = (*c).max(confidence),
                    None => f.sources.push((confidence, source)),
                }
                let key = (r.advisory, r.vulnerability);
                if !f.vulnerabilities.contains(&key) {
                    f.vulnerabilities.push(key);
                }
                f.fixes.push((confidence, r.fix));
            }
        }
    }

    /// Turns what was found into a [`Match`]: merged scores, advisories, the fix status of the
    /// best-matching references (a product's own, never another product's of the same
    /// advisory), the KEV entry and source, the best reasons first.
    fn build(&self, cve: String, component: Option<&Component>, f: Found) -> Match {
        let mut sources = f.sources;
        sources.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.kind.cmp(&b.1.kind)));
        let mut sources: Vec<MatchSource> = sources.into_iter().map(|(_, s)| s).collect();
        let mut reasons = f.reasons;
        reasons.sort_by_key(|r| std::cmp::Reverse(r.0));
        let best: Vec<String> = reasons
            .iter()
            .filter(|(c, _)| *c == f.confidence)
            .take(3)
            .map(|(_, r)| r.clone())
            .collect();
        let mut advisories: Vec<String> = Vec::new();
        let mut scores: Vec<CvssScore> = Vec::new();
        // The fix status of the references that matched best; of several, the most useful.
        let fix = f
            .fixes
            .iter()
            .filter(|(c, _)| *c == f.confidence)
            .fold(FixStatus::Unknown, |a, (_, b)| better_fix(a, *b));
        let mut title = String::new();
        for (ai, vi) in &f.vulnerabilities {
            let Some((info, v)) = self
                .index
                .advisories
                .get(*ai)
                .and_then(|(info, vs)| Some((info, vs.get(*vi)?)))
            else {
                continue;
            };
            for a in v
                .advisories
                .iter()
                .chain((info.kind == FeedKind::Csaf).then_some(&info.name))
            {
                if !a.is_empty() && !advisories.contains(a) {
                    advisories.push(a.clone());
                }
            }
            for s in &v.scores {
                if !scores.contains(s) {
                    scores.push(s.clone());
                }
            }
            if title.is_empty() {
                title = title_of(v);
            }
        }
        let kev = self.index.kev_entries.get(&cve).cloned();
        if let (Some(entry), Some(info)) = (&kev, &self.index.kev) {
            sources.push(source_of(info));
            if title.is_empty() {
                title = entry.name.clone();
            }
        }
        Match {
            cve,
            component: component.cloned(),
            confidence: f.confidence,
            reason: best.join("; "),
            sources,
            advisories,
            scores,
            fix,
            kev,
            title,
        }
    }
}

/// The most useful of two fix statuses: validated > pending > none planned > unknown.
fn better_fix(a: FixStatus, b: FixStatus) -> FixStatus {
    let rank = |f: FixStatus| match f {
        FixStatus::FixValidated => 3,
        FixStatus::FixPending => 2,
        FixStatus::NoFixPlanned => 1,
        FixStatus::Unknown => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The vulnerability's title, else the first sentence of its description (at most 200
/// characters).
fn title_of(v: &Vulnerability) -> String {
    if !v.title.trim().is_empty() {
        return v.title.trim().to_string();
    }
    let d = v.description.trim();
    let end = d.find(". ").map(|p| p + 1).unwrap_or(d.len());
    d[..end].chars().take(200).collect()
}

/// `CVE-2019-10964` → (2019, 10964) so that `CVE-2019-9999` sorts before it.
fn cve_order(cve: &str) -> (u32, u64) {
    let mut parts = cve.split('-').skip(1);
    let year = parts
        .next()
        .and_then(|y| y.parse().ok())
        .unwrap_or(u32::MAX);
    let number = parts
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX);
    (year, number)
}

/// The device's version for a reference: firmware first for firmware and hardware products,
/// software first otherwise; the first field with a version wins.
fn device_version(device: &Device, prefer_firmware: bool) -> HaveVersion {
    let order: [(&'static str, &str); 2] = if prefer_firmware {
        [
            ("firmware", "firmware_version"),
            ("software", "software_version"),
        ]
    } else {
        [
            ("software", "software_version"),
            ("firmware", "firmware_version"),
        ]
    };
    let mut unreadable = None;
    for (label, key) in order {
        let text = device.get(key).trim();
        if text.is_empty() {
            continue;
        }
        match Version::parse(text) {
            Some(v) => return HaveVersion::Known(label, v),
            None => {
                if unreadable.is_none() {
                    unreadable = Some(HaveVersion::Unreadable(label, text.to_string()));
                }
            }
        }
    }
    unreadable.unwrap_or(HaveVersion::None)
}

/// Whether the device's model names `model` (`35700BAX` of `v6.x model 35700BAX`):
/// `Some(true)` yes, `Some(false)` it names another model number, `None` it names none.
fn model_named(device_model: &ProductName, model: &str) -> Option<bool> {
    device_model.has_model_number(&model.to_lowercase())
}

/// What one reference says about one device (`device_model` given) or component.
fn judge(
    r: &PreparedRef,
    fit: ProductFit,
    have: &HaveVersion,
    device_model: Option<&ProductName>,
    what: &str,
) -> Verdict {
    let in_spec = match have {
        HaveVersion::Known(_, v) => r.spec.contains(v),
        _ => InSpec::Unknown,
    };
    match r.status {
        ProductStatus::Fixed | ProductStatus::NotAffected => {
            if fit != ProductFit::Model {
                Verdict::Nothing
            } else if r.spec.is_all() {
                Verdict::Suppress { specific: false }
            } else if in_spec == InSpec::In
                || (r.status == ProductStatus::Fixed
                    && matches!(have, HaveVersion::Known(_, v) if r.spec.at_or_after_start(v)))
            {
                // A fix holds for its version and every later one.
                Verdict::Suppress { specific: true }
            } else {
                Verdict::Nothing
            }
        }
        ProductStatus::Affected | ProductStatus::UnderInvestigation => {
            if in_spec == InSpec::Out {
                return Verdict::Nothing;
            }
            if fit == ProductFit::Family {
                return Verdict::Match(
                    Confidence::Low,
                    format!("vendor + product family only ({what} is vaguer than the product)"),
                );
            }
            let mut cap = Confidence::High;
            let mut notes = Vec::new();
            if let (Some(m), Some(dm)) = (&r.spec.model, device_model) {
                match model_named(dm, m) {
                    Some(true) => {}
                    Some(false) => return Verdict::Nothing,
                    None => {
                        cap = Confidence::Medium;
                        notes.push(format!("only model {m}, the device names no model number"));
                    }
                }
            }
            if !r.spec.condition.is_empty() {
                cap = cap.min(Confidence::Medium);
                notes.push(format!("only {}", r.spec.condition));
            }
            let (confidence, mut reason) = match (have, in_spec) {
                (_, InSpec::Out) => return Verdict::Nothing,
                (HaveVersion::Known(field, v), InSpec::In) => {
                    if r.spec.is_all() {
                        (
                            Confidence::High,
                            format!("{what} + {field} {v}, all versions affected"),
                        )
                    } else {
                        (
                            Confidence::High,
                            format!("{what} + {field} {v} in range {}", r.spec.describe()),
                        )
                    }
                }
                (HaveVersion::Known(field, v), _) => (
                    Confidence::Medium,
                    format!(
                        "{what} matched, {field} {v} not comparable with {}",
                        r.spec.describe()
                    ),
                ),
                (HaveVersion::Unreadable(field, text), _) => (
                    Confidence::Medium,
                    format!(
                        "{what} matched, {field} \"{text}\" is not a version (affected: {})",
                        r.spec.describe()
                    ),
                ),
                (HaveVersion::None, _) => (
                    Confidence::Medium,
                    format!(
                        "{what} matched, no version recorded (affected: {})",
                        r.spec.describe()
                    ),
                ),
            };
            let mut confidence = confidence.min(cap);
            if r.status == ProductStatus::UnderInvestigation {
                confidence = Confidence::Low;
                notes.push("under investigation".to_string());
            }
            if !notes.is_empty() {
                reason = format!("{reason}; {}", notes.join("; "));
            }
            Verdict::Match(confidence, reason)
        }
    }
}

#[cfg(test)]
mod tests;
