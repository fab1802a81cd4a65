//! How long vulnerability matching and feed import take for a large workbook (PRODUCT.md
//! "Performance budgets"; issue 8: `import feed` of the full KEV plus the corpus advisories,
//! and matching 10,000 devices against them).
//!
//! Run with `cargo bench --bench matching` (about 1 minute on the 2-core build machine;
//! `--profile dev` skips the release build and gives a slower, pessimistic figure).
//!
//! Real feeds: the full CISA KEV catalog of `../shared/corpus/kev/` (1,404 entries of
//! 2025-08-25, redacted copy) and every CSAF advisory of `../shared/corpus/csaf/` (15 ICSMA
//! advisories), against the 10,000 devices of `medsec demo --devices 10000` (the 11 device
//! models of its 24-device hospital, repeated; `benches/support/workbook.rs`, built once with
//! no answers: matching reads devices and SBOMs only). `import_feed_*` time what
//! `medsec import feed` does after opening the workbook; `refresh_findings_10000_devices` and
//! `match_10000_devices_real_feeds` time the matching it ends with.
//!
//! Synthetic index: 2,000 vulnerabilities (about 6,000 product references over 40 vendors) and
//! a KEV catalog of 1,400 entries, shaped like the corpus: CSAF-style version texts
//! (`<=12.1.3`, `vers:all/*`, `v6.x model …`, `>= 2.0 | <= 3.0`), NVD-style CPE refs with
//! `versionEndIncluding`, device models that share words with the products (`Monitor MX 402`)
//! so the token matcher does real work, and SBOM components on one device in ten: a larger and
//! denser index than the corpus, to see how matching grows. Building the index is timed apart
//! from matching.

#[path = "support/phases.rs"]
mod phases;
#[path = "support/workbook.rs"]
mod workbook;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use chrono::NaiveDate;
use medsec::device::Device;
use medsec::vuln::feed::{FeedFile, read_file};
use medsec::vuln::matching::{Matcher, match_device};
use medsec::vuln::{Component, FeedIndex, FeedInfo, FeedKind, KevEntry, ProductRef, Vulnerability};
use medsec::workbook::Workbook;
use workbook::{BenchWorkbook, must};

fn main() {
    let _cleanup = workbook::Cleanup;
    if !std::env::args().any(|a| a == "--list") {
        // Built before anything is timed (and how long that took is printed).
        devices_10000();
        with_matched(|_| ());
    }
    divan::main();
    phases::print();
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
fn build_synthetic_index(bencher: divan::Bencher) {
    let idx = index();
    bencher.bench(|| Matcher::new(divan::black_box(&idx)).reference_count());
}

/// All 10,000 devices through one prepared matcher.
#[divan::bench(sample_count = 5)]
fn match_10000_devices_synthetic(bencher: divan::Bencher) {
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
fn match_one_device_unprepared_synthetic(bencher: divan::Bencher) {
    let idx = index();
    let devices = devices();
    bencher.bench(|| match_device(&devices[0].0, &devices[0].1, &idx).len());
}

// ---------------------------------------------------------------------------------------------
// Real feeds.

/// The corpus folder shared by the tests (`../shared/corpus` beside the package).
fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// The feed files `import feed` reads: the full KEV catalog (JSON), then every CSAF advisory
/// in name order (as the command takes a folder's files).
fn feed_paths() -> &'static [PathBuf] {
    static PATHS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let kev = corpus().join("kev/known_exploited_vulnerabilities-redacted.json");
        let csaf = corpus().join("csaf");
        let entries = must(
            std::fs::read_dir(&csaf),
            &format!("reading {} (the corpus beside the package)", csaf.display()),
        );
        let mut advisories: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        advisories.sort();
        assert!(
            !advisories.is_empty(),
            "no advisories in {}",
            csaf.display()
        );
        let mut paths = vec![kev];
        paths.extend(advisories);
        paths
    })
}

/// Every feed file read, as `medsec import feed` reads them.
fn read_feeds() -> Vec<FeedFile> {
    feed_paths()
        .iter()
        .map(|p| must(read_file(p), &format!("reading {}", p.display())))
        .collect()
}

/// 10,000 demo devices, no answers (built on first use).
fn devices_10000() -> &'static BenchWorkbook {
    static WB: OnceLock<BenchWorkbook> = OnceLock::new();
    WB.get_or_init(|| must(workbook::build(DEVICES, 0.0), "building the workbook"))
}

/// What `medsec import feed` does after opening the workbook: read every file, store them in
/// one transaction, refresh every device's findings; the phases recorded under `bench`.
/// Returns the new findings.
fn import_feeds(wb: &mut Workbook, bench: &str) -> usize {
    let mut clock = phases::Clock::start();
    let files = read_feeds();
    clock.phase("read the files");
    let lines = must(wb.import_feeds(&files), "import_feeds");
    assert_eq!(lines.len(), files.len());
    clock.phase("store them (one transaction)");
    let new = must(wb.refresh_findings(), "refresh_findings").new;
    clock.phase("refresh findings");
    clock.record(bench);
    new
}

thread_local! {
    /// A copy of [`devices_10000`] with the feeds imported and the findings refreshed once.
    static MATCHED: RefCell<Option<Workbook>> = const { RefCell::new(None) };
}

/// Runs `f` on the 10,000-device workbook with the real feeds imported, made on first use.
fn with_matched<R>(f: impl FnOnce(&mut Workbook) -> R) -> R {
    MATCHED.with(|cell| {
        let mut slot = cell.borrow_mut();
        let wb = match slot.as_mut() {
            Some(wb) => wb,
            None => {
                let started = Instant::now();
                let mut wb = devices_10000().copy();
                let found = import_feeds(&mut wb, "setup: the first import into the 10,000 devices");
                eprintln!(
                    "setup: {} feed files imported into {DEVICES} devices ({found} findings) in {:.2?}",
                    feed_paths().len(),
                    started.elapsed()
                );
                slot.insert(wb)
            }
        };
        f(wb)
    })
}

/// A workbook made for one sample: its file removed, then closed, when dropped.
struct Scratch(Workbook);

impl Drop for Scratch {
    fn drop(&mut self) {
        // Unlinked while still open (Unix keeps the file until the connection, dropped right
        // after this, closes it).
        workbook::remove(self.0.path());
    }
}

/// `import feed` of the KEV catalog and the 15 corpus advisories into a new, empty workbook:
/// reading and storing the feeds (there is nothing to match).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn import_feed_into_new_workbook(bencher: divan::Bencher) {
    bencher
        .with_inputs(workbook::empty)
        .bench_local_values(|mut wb| {
            import_feeds(&mut wb, "import_feed_into_new_workbook");
            Scratch(wb)
        });
}

/// `import feed` of the KEV catalog and the 15 corpus advisories into a copy of the
/// 10,000-device workbook (made before each sample, not timed): reading and storing the feeds,
/// then matching every device and recording the findings.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn import_feed_into_10000_devices(bencher: divan::Bencher) {
    let source = devices_10000();
    bencher
        .with_inputs(|| source.copy())
        .bench_local_values(|mut wb| {
            let found = import_feeds(&mut wb, "import_feed_into_10000_devices");
            assert!(found > 0, "the demo devices match some corpus advisories");
            Scratch(wb)
        });
}

/// `Workbook::refresh_findings` of 10,000 devices against the stored real feeds, findings
/// already recorded (what `medsec finding refresh` and every later import do): reading the feed
/// index and the SBOMs, matching every device, comparing with the stored findings in one
/// transaction.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn refresh_findings_10000_devices(bencher: divan::Bencher) {
    with_matched(|wb| {
        bencher.bench_local(|| must(wb.refresh_findings(), "refresh_findings").devices);
    });
}

/// Preparing the real feeds' index for matching (`Matcher::new`).
#[divan::bench(sample_count = 10)]
fn build_real_index(bencher: divan::Bencher) {
    let idx = with_matched(|wb| must(wb.feed_index(), "feed_index"));
    bencher.bench(|| Matcher::new(divan::black_box(&idx)).reference_count());
}

/// All 10,000 demo devices through one matcher prepared from the real feeds (matching only,
/// nothing read or written).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn match_10000_devices_real_feeds(bencher: divan::Bencher) {
    let (idx, devices) = with_matched(|wb| {
        (
            must(wb.feed_index(), "feed_index"),
            must(wb.devices(), "devices"),
        )
    });
    let matcher = Matcher::new(&idx);
    bencher.bench(|| {
        devices
            .iter()
            .map(|d| matcher.match_device(d, &[]).len())
            .sum::<usize>()
    });
}
