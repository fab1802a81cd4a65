//! How long matching takes for a large workbook: 10,000 devices against a feed index of 2,000
//! vulnerabilities (about 6,000 product references over 40 vendors) and a KEV catalog of
//! 1,400 entries.
//!
//! Run with `cargo bench --bench matching`. The data are synthetic but shaped like the corpus:
//! CSAF-style version texts (`<=12.1.3`, `vers:all/*`, `v6.x model …`, `>= 2.0 | <= 3.0`),
//! NVD-style CPE refs with `versionEndIncluding`, device models that share words with the
//! products (`Monitor MX 402`) so the token matcher does real work, and SBOM components on one
//! device in ten. Building the index is timed apart from matching.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use medsec::device::Device;
use medsec::vuln::matching::{Matcher, match_device};
use medsec::vuln::{Component, FeedIndex, FeedInfo, FeedKind, KevEntry, ProductRef, Vulnerability};

fn main() {
    divan::main();
}

const DEVICES: usize = 10_000;
const VULNERABILITIES: usize = 2_000;
const VENDORS: usize = 40;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 8, 25).unwrap_or_default()
}

fn vendor(i: usize) -> String {
    format!("Vendor{} Healthcare Inc.", i % VENDORS)
}

fn index() -> FeedIndex {
    let texts = [
        "<=12.1.3",
        "vers:all/*",
        "v6.x model 35700BAX",
        ">= 2.0 | <= 3.0",
        "< 1.7.15",
    ];
    let mut advisories = Vec::new();
    for a in 0..VULNERABILITIES / 10 {
        let info = FeedInfo {
            kind: if a % 2 == 0 {
                FeedKind::Csaf
            } else {
                FeedKind::Nvd
            },
            name: format!("ICSMA-{a:05}"),
            feed_date: date(),
            version: String::new(),
            title: String::new(),
        };
        let vulns = (0..10)
            .map(|v| {
                let n = a * 10 + v;
                let products = (0..3)
                    .map(|p| ProductRef {
                        vendor: vendor(n),
                        product: format!("Monitor MX {}", (n * 3 + p) % 500),
                        version_text: texts[(n + p) % texts.len()].to_string(),
                        cpe: (p == 2).then(|| {
                            format!(
                                "cpe:2.3:o:vendor{}:monitor_mx_{}_firmware:*:*:*:*:*:*:*:*",
                                n % VENDORS,
                                (n * 3 + p) % 500
                            )
                        }),
                        end_including: (p == 2).then(|| "2.4a".to_string()),
                        ..ProductRef::default()
                    })
                    .collect();
                Vulnerability {
                    cve: format!("CVE-2024-{n:05}"),
                    products,
                    ..Vulnerability::default()
                }
            })
            .collect();
        advisories.push((info, vulns));
    }
    let mut kev_entries = HashMap::new();
    for k in 0..1_400 {
        let cve = format!("CVE-2023-{k:05}");
        kev_entries.insert(
            cve.clone(),
            KevEntry {
                cve,
                vendor_project: if k % 10 == 0 {
                    vendor(k)
                } else {
                    format!("Other{k}")
                },
                product: format!("Product {k}"),
                ..KevEntry::default()
            },
        );
    }
    FeedIndex {
        kev: Some(FeedInfo {
            kind: FeedKind::Kev,
            name: "KEV".into(),
            feed_date: date(),
            version: String::new(),
            title: String::new(),
        }),
        kev_entries,
        advisories,
    }
}

fn devices() -> Vec<(Device, Vec<Component>)> {
    (0..DEVICES)
        .map(|i| {
            let mut values = BTreeMap::new();
            values.insert("manufacturer".to_string(), vendor(i * 7));
            values.insert("model".to_string(), format!("Monitor MX {}", i % 600));
            values.insert(
                "software_version".to_string(),
                format!("{}.{}", i % 14, i % 4),
            );
            values.insert("firmware_version".to_string(), "2.4a".to_string());
            let components = if i % 10 == 0 {
                vec![Component {
                    name: "dcmtk".into(),
                    version: "3.6.6".into(),
                    purl: Some("pkg:generic/dcmtk@3.6.6".into()),
                    ..Component::default()
                }]
            } else {
                Vec::new()
            };
            (
                Device {
                    values,
                    ..Device::default()
                },
                components,
            )
        })
        .collect()
}

/// Reading the whole index once (what `match_device` does per call).
#[divan::bench(sample_count = 10)]
fn build_index(bencher: divan::Bencher) {
    let idx = index();
    bencher.bench(|| Matcher::new(divan::black_box(&idx)).reference_count());
}

/// All 10,000 devices through one prepared matcher.
#[divan::bench(sample_count = 5)]
fn match_10000_devices(bencher: divan::Bencher) {
    let idx = index();
    let devices = devices();
    let matcher = Matcher::new(&idx);
    bencher.bench(|| {
        devices
            .iter()
            .map(|(d, c)| matcher.match_device(d, c).len())
            .sum::<usize>()
    });
}

/// One device through `match_device`, which prepares the index itself.
#[divan::bench(sample_count = 10)]
fn match_one_device_unprepared(bencher: divan::Bencher) {
    let idx = index();
    let devices = devices();
    bencher.bench(|| match_device(&devices[0].0, &devices[0].1, &idx).len());
}
