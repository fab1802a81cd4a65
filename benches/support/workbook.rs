//! The workbooks the benchmarks run on, built once per bench process before anything is timed.
//!
//! - [`budget`]: the workbook of PRODUCT.md "Performance budgets": 10,000 devices with every
//!   control answered, made by `medsec::demo::populate` with `answered = 1.0` (the same data as
//!   `medsec demo --devices 10000 --answered 1`: about 420,000 answers, 80,000 risks, a
//!   180 MB file). Building it takes about 35 s on the 2-core build machine.
//! - [`thousand`]: the same at 1,000 devices (about 42,000 answers, 4 s).
//! - [`build`]: any size and share of answered controls, e.g. 10,000 devices with none answered
//!   for the matching benchmarks, which read devices only.
//!
//! Every workbook is keyed with a fixed raw 256-bit key in SQLCipher's `x'…'` form
//! ([`raw_key`]) instead of a passphrase: SQLCipher then skips PBKDF2-HMAC-SHA512 (256,000
//! iterations) and derives only the page-HMAC key (2 iterations), so `Workbook::open` times
//! everything an open does except the key derivation, which the budgets leave out. The files
//! live in one temporary folder that [`Cleanup`] removes when the bench's `main` returns.
//!
//! Each bench file uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use medsec::demo::{DemoOptions, meta, populate};
use medsec::workbook::{Access, AssessmentMeta, Passphrase, Workbook};

/// The binary's allocator (src/main.rs) in every bench process (each includes this module), so
/// what is timed is what `medsec` runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A benchmark's setup error (setup failures end the bench with a panic that says what failed).
pub type Error = Box<dyn std::error::Error>;

/// A raw SQLCipher key: `x'` + 64 hex digits (32 bytes) + `'`. SQLCipher takes it as the
/// encryption key itself (the salt is the file's own), so no PBKDF2 runs.
const RAW_KEY: &str = "x'6d65647365632062656e63686d61726b20726177206b65792033322062797465'";

/// The passphrase the key-derivation benchmark opens a workbook with (PBKDF2 runs).
pub const PASSPHRASE: &str = "benchmark passphrase 2026";

/// The raw key as the [`Passphrase`] `Workbook::create` and `Workbook::open` take.
pub fn raw_key() -> Passphrase {
    Passphrase::new(RAW_KEY.to_string())
}

/// The result, or a panic that names what failed (benchmarks have no other way to stop).
pub fn must<T, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// The folder every benchmark file goes in, made on first use.
static ROOT: Mutex<Option<tempfile::TempDir>> = Mutex::new(None);

/// Numbers the files made by [`scratch_path`].
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The benchmarks' temporary folder (created on first use; removed by [`Cleanup`]).
pub fn scratch_dir() -> PathBuf {
    let mut root = match ROOT.lock() {
        Ok(r) => r,
        Err(poisoned) => poisoned.into_inner(),
    };
    if root.is_none() {
        *root = Some(must(
            tempfile::Builder::new().prefix("medsec-bench-").tempdir(),
            "creating the benchmarks' temporary folder",
        ));
    }
    match root.as_ref() {
        Some(dir) => dir.path().to_path_buf(),
        None => unreachable!("the folder was just made"),
    }
}

/// A new path in [`scratch_dir`] (nothing is created): `stem-N.ext`, N counting up.
pub fn scratch_path(stem: &str, ext: &str) -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    scratch_dir().join(format!("{stem}-{n}.{ext}"))
}

/// Removes the benchmarks' temporary folder when dropped: hold one in `main` for the whole run.
pub struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let dir = match ROOT.lock() {
            Ok(mut r) => r.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(dir) = dir {
            let shown = dir.path().display().to_string();
            if let Err(e) = dir.close() {
                eprintln!("warning: could not remove {shown}: {e}");
            }
        }
    }
}

/// A workbook file built for the benchmarks (closed: open it with [`BenchWorkbook::open`]).
#[derive(Debug)]
pub struct BenchWorkbook {
    /// The `.medsec` file, keyed with [`raw_key`].
    pub path: PathBuf,
    /// Devices in it.
    pub devices: usize,
    /// Answers stored (device, model and site answers).
    pub answers: usize,
    /// Findings (No, Partial, Unknown; a model or site finding once).
    pub findings: usize,
    /// How long building it took (creating, populating, closing).
    pub built_in: Duration,
}

impl BenchWorkbook {
    /// Opens it with the raw key (no key derivation). Panics when it cannot be opened.
    pub fn open(&self, access: Access) -> Workbook {
        must(
            Workbook::open(&self.path, &raw_key(), access),
            &format!("opening {}", self.path.display()),
        )
    }

    /// A copy of the file at a new scratch path, opened for writing (for benchmarks that change
    /// a workbook and want the same starting point each sample). Panics on failure.
    pub fn copy(&self) -> Workbook {
        let to = scratch_path("copy", "medsec");
        must(
            std::fs::copy(&self.path, &to),
            &format!("copying {} to {}", self.path.display(), to.display()),
        );
        must(
            Workbook::open(&to, &raw_key(), Access::Write),
            &format!("opening {}", to.display()),
        )
    }

    /// The file's size in bytes (0 when it cannot be read).
    pub fn bytes(&self) -> u64 {
        std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
    }
}

/// Builds a workbook of `devices` demo devices with the share `answered` (0.0–1.0) of the
/// controls answered, as `medsec demo --devices N --answered F` does (same seed, today's date),
/// keyed with [`raw_key`], and prints how long that took.
///
/// Errors: any workbook error of creating or populating it.
pub fn build(devices: usize, answered: f64) -> Result<BenchWorkbook, Error> {
    let started = Instant::now();
    let path = scratch_path(&format!("demo-{devices}"), "medsec");
    let opts = DemoOptions {
        devices,
        answered,
        ..DemoOptions::default()
    };
    let summary = {
        let mut wb = Workbook::create(&path, &raw_key(), meta(opts.today))?;
        populate(&mut wb, &opts)?
    };
    let built = BenchWorkbook {
        path,
        devices: summary.devices,
        answers: summary.answers,
        findings: summary.findings,
        built_in: started.elapsed(),
    };
    eprintln!(
        "setup: workbook of {} devices, {} answers, {} findings ({:.0} MB) built in {:.1?}",
        built.devices,
        built.answers,
        built.findings,
        built.bytes() as f64 / 1e6,
        built.built_in
    );
    Ok(built)
}

/// [`build`], panicking with the error (for the statics below).
fn built(devices: usize, answered: f64) -> BenchWorkbook {
    must(
        build(devices, answered),
        &format!("building the {devices}-device benchmark workbook"),
    )
}

static BUDGET: OnceLock<BenchWorkbook> = OnceLock::new();
static THOUSAND: OnceLock<BenchWorkbook> = OnceLock::new();

/// The budgets' workbook: 10,000 devices, every control answered (built on first use).
pub fn budget() -> &'static BenchWorkbook {
    BUDGET.get_or_init(|| built(10_000, 1.0))
}

/// 1,000 devices, every control answered (built on first use).
pub fn thousand() -> &'static BenchWorkbook {
    THOUSAND.get_or_init(|| built(1_000, 1.0))
}

/// A new empty workbook (no devices) at a scratch path, keyed with [`raw_key`], open for
/// writing: what an import into a new workbook starts from. Panics on failure.
pub fn empty() -> Workbook {
    let path = scratch_path("empty", "medsec");
    must(
        Workbook::create(&path, &raw_key(), AssessmentMeta::default()),
        &format!("creating {}", path.display()),
    )
}

/// Removes a scratch file (a workbook or an export) once a sample is done with it; a failure
/// only leaves it for [`Cleanup`].
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}
