//! `medsec export xlsx` at 1,000 and 10,000 devices with every control answered (PRODUCT.md
//! "Performance budgets": the 10,000-device export ≤ 30 s, read-back included; its peak memory
//! and the ratio against openpyxl are measured by `benches/peers/`).
//!
//! Run with `cargo bench --bench export` (about 5 minutes on the 2-core build machine: 40 s to
//! build the two workbooks, then five exports of each). The workbooks are built first
//! (`benches/support/workbook.rs`: `medsec::demo::populate` with every control answered) and
//! opened for reading, as `medsec export xlsx` opens them; the time of each export is
//! `medsec::export::export_xlsx_with_progress`, the function the command runs (its stages
//! timed too, printed after divan's table as phases): reading the workbook, writing
//! the template's sheets with rust_xlsxwriter in `constant_memory` mode, zipping, reading the
//! file back and checking its counts, then renaming it into place. Removing the file after each
//! sample is not timed.

#[path = "support/phases.rs"]
mod phases;
#[path = "support/workbook.rs"]
mod workbook;

use std::path::PathBuf;

use medsec::export::{ExportOptions, export_xlsx_with_progress};
use medsec::progress::{Progress, Stage};
use medsec::workbook::{Access, Workbook};
use phases::Clock;
use workbook::{BenchWorkbook, must};

fn main() {
    let _cleanup = workbook::Cleanup;
    if !std::env::args().any(|a| a == "--list") {
        // Built before anything is timed (and how long that took is printed).
        workbook::thousand();
        workbook::budget();
    }
    divan::main();
    phases::print();
}

/// An output path that is removed (with its file) when dropped, outside the timing.
struct Output(PathBuf);

impl Drop for Output {
    fn drop(&mut self) {
        workbook::remove(&self.0);
    }
}

/// Ends a phase at each stage the export reports (as the command's progress bar watches it).
struct Stages(Clock);

impl Progress for Stages {
    fn stage(&mut self, stage: Stage) {
        let ended = match stage {
            Stage::Writing => "reading the workbook",
            Stage::Saving => "writing the sheets",
            Stage::Checking => "compressing into the .xlsx",
            Stage::Reading | Stage::Parsing => return,
        };
        self.0.phase(ended);
    }

    fn update(&mut self, _done: u64, _total: u64) {}
}

/// Times `export_xlsx_with_progress` (what `export_xlsx` and the command run) of `source` into
/// a new file per sample, recording its stages.
fn export(bencher: divan::Bencher, source: &BenchWorkbook, name: &str) {
    let wb: Workbook = source.open(Access::Read);
    let opts = ExportOptions {
        as_of: chrono::Local::now().date_naive(),
        app_version: env!("CARGO_PKG_VERSION"),
    };
    bencher
        .with_inputs(|| Output(workbook::scratch_path("export", "xlsx")))
        .bench_local_values(|out| {
            let mut stages = Stages(Clock::start());
            let summary = must(
                export_xlsx_with_progress(&wb, &out.0, &opts, &mut stages),
                "export_xlsx",
            );
            let Stages(mut clock) = stages;
            clock.phase("reading back, checking, renaming");
            clock.record(name);
            assert_eq!(summary.devices, source.devices);
            out
        });
}

/// `export xlsx` of 1,000 devices, every control answered (about 42,000 answers).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn export_xlsx_1000_devices(bencher: divan::Bencher) {
    export(bencher, workbook::thousand(), "export_xlsx_1000_devices");
}

/// `export xlsx` of the budgets' 10,000 devices, every control answered (about 420,000
/// answers). Budget: ≤ 30 s.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn export_xlsx_10000_devices(bencher: divan::Bencher) {
    export(bencher, workbook::budget(), "export_xlsx_10000_devices");
}
