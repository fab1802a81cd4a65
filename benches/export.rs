//! `medsec export xlsx` at 1,000 and 10,000 devices with every control answered (PRODUCT.md
//! "Performance budgets": the 10,000-device export ≤ 30 s, read-back included; its peak memory
//! and the ratio against openpyxl are measured by `benches/peers/`).
//!
//! Run with `cargo bench --bench export` (about 5 minutes on the 2-core build machine: 40 s to
//! build the two workbooks, then five exports of each). The workbooks are built first
//! (`benches/support/workbook.rs`: `medsec::demo::populate` with every control answered) and
//! opened for reading, as `medsec export xlsx` opens them; the time of each export is
//! `medsec::export::export_xlsx`, the function the command runs: reading the workbook, writing
//! the template's sheets with rust_xlsxwriter in `constant_memory` mode, zipping, reading the
//! file back and checking its counts, then renaming it into place. Removing the file after each
//! sample is not timed.

#[path = "support/workbook.rs"]
mod workbook;

use std::path::PathBuf;

use medsec::export::{ExportOptions, export_xlsx};
use medsec::workbook::{Access, Workbook};
use workbook::{BenchWorkbook, must};

fn main() {
    let _cleanup = workbook::Cleanup;
    if !std::env::args().any(|a| a == "--list") {
        // Built before anything is timed (and how long that took is printed).
        workbook::thousand();
        workbook::budget();
    }
    divan::main();
}

/// An output path that is removed (with its file) when dropped, outside the timing.
struct Output(PathBuf);

impl Drop for Output {
    fn drop(&mut self) {
        workbook::remove(&self.0);
    }
}

/// Times `export_xlsx` of `source` into a new file per sample.
fn export(bencher: divan::Bencher, source: &BenchWorkbook) {
    let wb: Workbook = source.open(Access::Read);
    let opts = ExportOptions {
        as_of: chrono::Local::now().date_naive(),
        app_version: env!("CARGO_PKG_VERSION"),
    };
    bencher
        .with_inputs(|| Output(workbook::scratch_path("export", "xlsx")))
        .bench_local_values(|out| {
            let summary = must(export_xlsx(&wb, &out.0, &opts), "export_xlsx");
            assert_eq!(summary.devices, source.devices);
            out
        });
}

/// `export xlsx` of 1,000 devices, every control answered (about 42,000 answers).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn export_xlsx_1000_devices(bencher: divan::Bencher) {
    export(bencher, workbook::thousand());
}

/// `export xlsx` of the budgets' 10,000 devices, every control answered (about 420,000
/// answers). Budget: ≤ 30 s.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn export_xlsx_10000_devices(bencher: divan::Bencher) {
    export(bencher, workbook::budget());
}
