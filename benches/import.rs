//! `medsec import nmap` of a synthetic clinical sweep of 1,000 and 65,536 hosts into a new
//! workbook (PRODUCT.md "Performance budgets": a 65,536-host scan imported in ≤ 10 s; its peak
//! memory and the ratio against python-libnmap are measured by `benches/peers/`).
//!
//! Run with `cargo bench --bench import` (about 2 minutes on the 2-core build machine). The
//! scans are written first by `benches/support/nmap_scan.rs` (`nmap -sV -O -oX` shape, about
//! 1.8 KB per host: 65,536 hosts make 120 MB; the same bytes as `cargo run --release --example
//! nmap_scan -- N OUT.xml`). Each sample imports into a new empty workbook made beforehand
//! (`with_inputs`, not timed, keyed with a raw key) and timed is what `medsec import nmap`
//! does after opening the workbook: parse the file and plan each host as it is read
//! (`import::nmap::parse_file_streaming` into an `NmapPlanner` against the workbook's devices,
//! with the typed fields a scan must not overwrite), render the per-host report the command builds (escaped for the terminal, not
//! printed here), apply every change in one transaction (`apply_device_changes`), and refresh
//! vulnerability findings when the workbook has feeds (a new one has none). Closing the
//! workbook and removing it are not timed.

#[path = "support/nmap_scan.rs"]
mod nmap_scan;
#[path = "support/phases.rs"]
mod phases;
#[path = "support/workbook.rs"]
mod workbook;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use medsec::device::fields::printable;
use medsec::import::nmap;
use medsec::import::plan_nmap::NmapPlanner;
use medsec::progress::NoProgress;
use medsec::workbook::{FieldSource, Workbook};
use phases::Clock;
use workbook::must;

fn main() {
    let _cleanup = workbook::Cleanup;
    if !std::env::args().any(|a| a == "--list") {
        // Written before anything is timed (and how long that took is printed).
        scan(1_000);
        scan(65_536);
    }
    divan::main();
    phases::print();
}

/// The seed of every scan (the same as `examples/nmap_scan`'s).
const SEED: u64 = 2026;

/// The scan file of `hosts` hosts, written on first use (1,000 and 65,536 only).
fn scan(hosts: usize) -> &'static Path {
    static SMALL: OnceLock<PathBuf> = OnceLock::new();
    static LARGE: OnceLock<PathBuf> = OnceLock::new();
    let cell = if hosts == 1_000 { &SMALL } else { &LARGE };
    cell.get_or_init(|| {
        let started = Instant::now();
        let path = workbook::scratch_path(&format!("nmap-{hosts}"), "xml");
        let written = std::fs::File::create(&path).and_then(|f| {
            let mut out = BufWriter::new(f);
            nmap_scan::write_scan(&mut out, hosts, SEED)?;
            out.flush()
        });
        must(written, &format!("writing {}", path.display()));
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "setup: nmap scan of {hosts} hosts ({:.1} MB) written in {:.2?}",
            bytes as f64 / 1e6,
            started.elapsed()
        );
        path
    })
}

/// What `medsec import nmap FILE` does with an open workbook (see the file's doc), its phases
/// recorded under `bench`; returns the devices added.
fn import_nmap(wb: &mut Workbook, file: &Path, bench: &str) -> usize {
    let mut clock = Clock::start();
    let typed = must(wb.typed_fields_map(), "typed fields");
    let devices = must(wb.devices(), "devices");
    let mut planner = NmapPlanner::new(devices, &typed);
    let scan = must(
        nmap::parse_file_streaming(file, &mut NoProgress, &mut |host| planner.add(&host)),
        "parsing the scan",
    );
    let plan = planner.finish(&scan.warnings);
    let counts = plan.counts();
    clock.phase("parse and plan (streamed, with the workbook's devices)");
    let report: Vec<String> = plan.render().split('\n').map(printable).collect();
    divan::black_box(report);
    clock.phase("per-host report");
    assert_eq!(
        counts.rejected, 0,
        "the synthetic scan has no rejected host"
    );
    let ids = must(
        wb.apply_device_changes(&plan.changes, FieldSource::Scan),
        "applying the import",
    );
    clock.phase("apply_device_changes (one transaction)");
    if !must(wb.feeds(), "feeds").is_empty() {
        must(wb.refresh_findings(), "refreshing findings");
    }
    clock.phase("refresh findings (none without feeds)");
    clock.record(bench);
    ids.len()
}

/// Times [`import_nmap`] of the `hosts`-host scan into a new empty workbook per sample.
fn bench_import(bencher: divan::Bencher, hosts: usize) {
    let file = scan(hosts);
    bencher
        .with_inputs(workbook::empty)
        .bench_local_values(|mut wb| {
            let added = import_nmap(&mut wb, file, &format!("import_nmap_{hosts}_hosts"));
            assert_eq!(added, hosts);
            // Closed and removed after the sample, not timed.
            Scratch(wb)
        });
}

/// A workbook made for one sample: closed, then its file removed, when dropped.
struct Scratch(Workbook);

impl Drop for Scratch {
    fn drop(&mut self) {
        // Unlinked while still open (Unix keeps the file until the connection, dropped right
        // after this, closes it).
        workbook::remove(self.0.path());
    }
}

/// `import nmap` of 1,000 hosts into a new workbook.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn import_nmap_1000_hosts(bencher: divan::Bencher) {
    bench_import(bencher, 1_000);
}

/// `import nmap` of 65,536 hosts (a /16 sweep) into a new workbook. Budget: ≤ 10 s.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn import_nmap_65536_hosts(bencher: divan::Bencher) {
    bench_import(bencher, 65_536);
}

/// Parsing the 65,536-host scan alone (`import::nmap::parse_file`), the part python-libnmap's
/// `NmapParser.parse_fromfile` is compared with in `benches/peers/`.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn parse_nmap_65536_hosts(bencher: divan::Bencher) {
    let file = scan(65_536);
    bencher.bench_local(|| must(nmap::parse_file(file), "parsing the scan").hosts.len());
}
