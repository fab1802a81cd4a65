//! Exports: the template workbook (`.xlsx`) of TEMPLATE.md.
//!
//! [`export_xlsx`] writes a workbook's devices, answers and findings; [`export_template`] writes
//! the same layout without data (catalog, lists, the default site's rows and N blank device rows)
//! for filling in by hand. Both write row by row in rust_xlsxwriter's `constant_memory` mode with
//! its temporary files in a private folder next to the output (owner-only, removed on every exit
//! path), read the file back with calamine and check it, and only then move it into place.
//!
//! The `_with_progress` forms report the rows written and read back to a
//! [`Progress`](crate::progress::Progress) watcher.
//!
//! Layout: [`layout`] (sheets, columns, lists as data); cells: [`xlsx`]; what is written:
//! `plan` and `counts`; one writer per sheet under `sheets`; the read-back: `verify`.
//!
//! The same sheet writers also fill the files of [`csv`] (one CSV file per sheet, through a
//! `Book` that is either the workbook or a folder), so the two exports cannot drift apart;
//! [`json`] writes the whole assessment as one JSON document for other programs and
//! `import json`.

mod counts;
pub mod csv;
pub mod json;
pub mod layout;

pub use counts::{RegisterCounts, step_counts_of, target_step_counts};
// What an importer needs to recognise an untouched export: the canonical cell text behind
// `sha256:<sheet>`, the `Cover` stamps it leaves out, and where `Risk Matrix` holds the grid.
pub use sheets::cover::{APP_VERSION_KEY, GENERATED_AT_KEY, audit_head_text};
pub use sheets::matrix::GRID_TITLE;
pub use verify::canonical as canonical_cell_text;

pub(crate) mod plan;
pub(crate) mod sheets;
mod verify;
pub mod xlsx;

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::progress::{NoProgress, Progress, Stage};
use crate::risk::register::Register;
use crate::workbook::{Workbook, WorkbookError};
use layout::{SHEETS, SheetKind};
use plan::ExportData;
use sheets::Context;
use xlsx::{SheetRecord, SheetWriter, Styles};

/// Options of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// "Today" for every date comparison (end of support, overdue); shown as "As of" on `Cover`.
    pub as_of: NaiveDate,
    /// The app's version (`env!("CARGO_PKG_VERSION")`), written to `Cover` and `_medsec`.
    pub app_version: &'static str,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The file written.
    pub path: PathBuf,
    /// Every sheet in workbook order with its data rows (rows below the header row, up to the
    /// last row with a value; the count in `_medsec`).
    pub sheets: Vec<(String, usize)>,
    /// Device rows on `1 Inventory` (blank rows for a template).
    pub devices: usize,
    /// Control-sheet rows that carry a stored answer.
    pub answers: usize,
}

/// Why an export failed. Each message names the file and what to do; a failed export leaves no
/// file (or temporary folder) behind and never replaces an existing output.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the workbook failed.
    #[error("{0}")]
    Workbook(#[from] WorkbookError),
    /// The output path cannot be used.
    #[error("{path}: {reason}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// A file system error while writing, checking or moving the export.
    #[error("{path}: {source} (check the folder exists, is writable and has free space)")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// rust_xlsxwriter refused something (usually a full disk or a write error).
    #[error(
        "{path}: sheet `{sheet}` could not be written ({source}); check the folder is writable \
         and has free space"
    )]
    Xlsx {
        /// The output path.
        path: PathBuf,
        /// The sheet being written.
        sheet: String,
        /// The error.
        source: rust_xlsxwriter::XlsxError,
    },
    /// A sheet would pass Excel's 1,048,576 rows.
    #[error(
        "{path}: sheet `{sheet}` would pass Excel's 1,048,576 rows; export fewer devices \
         devices instead"
    )]
    TooManyRows {
        /// The output path.
        path: PathBuf,
        /// The sheet.
        sheet: String,
    },
    /// A text is longer than a spreadsheet cell holds (32,767 characters).
    #[error(
        "{path}: sheet `{sheet}` cell {cell}: the text is longer than a spreadsheet cell holds \
         (32,767 characters); shorten it in medsec and export again"
    )]
    CellTooLong {
        /// The output path.
        path: PathBuf,
        /// The sheet.
        sheet: String,
        /// The cell, e.g. `K12`.
        cell: String,
    },
    /// The file written could not be read back.
    #[error("{path}: the export could not be read back ({source}); nothing was saved")]
    ReadBack {
        /// The output path.
        path: PathBuf,
        /// The reader's error.
        source: calamine::XlsxError,
    },
    /// The file read back differs from what was written.
    #[error(
        "{path}: sheet `{sheet}` did not read back as written ({detail}); nothing was saved — \
         try again, and report it if it persists"
    )]
    Verify {
        /// The output path.
        path: PathBuf,
        /// The sheet.
        sheet: String,
        /// What differed.
        detail: String,
    },
    /// The JSON export did not read back as written.
    #[error(
        "{path}: the export did not read back as written ({detail}); nothing was saved — try \
         again, and report it if it persists"
    )]
    Check {
        /// The output path.
        path: PathBuf,
        /// What differed.
        detail: String,
    },
    /// A bug in medsec (a writer broke an invariant).
    #[error("internal error while exporting: {0}; please report it")]
    Internal(String),
}

impl ExportError {
    /// A writer error; the output path is filled in by [`ExportError::in_file`].
    pub(crate) fn xlsx(sheet: &str, source: rust_xlsxwriter::XlsxError) -> ExportError {
        ExportError::Xlsx {
            path: PathBuf::new(),
            sheet: sheet.to_string(),
            source,
        }
    }

    /// Names the output file in the errors raised while writing sheets.
    fn in_file(mut self, out: &Path) -> ExportError {
        if let ExportError::Xlsx { path, .. }
        | ExportError::TooManyRows { path, .. }
        | ExportError::CellTooLong { path, .. } = &mut self
            && path.as_os_str().is_empty()
        {
            *path = out.to_path_buf();
        }
        self
    }
}

/// Per-step response counts exactly as the `Summary` sheet counts them (TEMPLATE.md): one row
/// per device and device control, per model and model control, per site and site control, so
/// a model or site answer counts once; unconfirmed suggestions do not count.
///
/// Errors: reading the workbook.
pub fn step_counts(wb: &Workbook) -> Result<Vec<crate::assessment::StepProgress>, WorkbookError> {
    Ok(step_counts_of(
        wb.catalog(),
        &wb.devices()?,
        &wb.answer_set()?,
    ))
}

/// The register (as [`Register::load`] gives it) and the per-step counts of [`step_counts`],
/// from ONE read of the workbook, for `status` and the report.
///
/// Errors: reading the workbook.
pub fn register_and_step_counts(
    wb: &Workbook,
) -> Result<(Register, Vec<crate::assessment::StepProgress>), WorkbookError> {
    let data = ExportData::from_workbook(wb, chrono::Local::now().date_naive())?;
    let steps = data
        .catalog
        .steps
        .iter()
        .map(|s| counts::tally(data.control_rows(s)))
        .collect();
    let register = Register {
        devices: data.devices.into_iter().map(|d| d.device).collect(),
        answers: data.answers,
        findings: data.findings,
    };
    Ok((register, steps))
}

/// Exports a workbook to `out` (`.xlsx`): every sheet of TEMPLATE.md, `_medsec` last and very
/// hidden. The file is written under a temporary name next to `out`, read back and verified,
/// then renamed over `out` (owner-only on Unix: the export is not encrypted).
///
/// Errors: reading the workbook, an unusable output path, I/O, `TooManyRows`, `CellTooLong`,
/// `ReadBack` / `Verify` when the file does not read back as written.
pub fn export_xlsx(
    wb: &Workbook,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    export_xlsx_with_progress(wb, out, opts, &mut NoProgress)
}

/// [`export_xlsx`], reporting to `progress`: [`Stage::Writing`] in rows of the sheets that grow
/// with the data (`1 Inventory`, the control sheets, `Risk Register`, header rows included; the
/// other sheets are a few dozen rows each and not counted), then [`Stage::Saving`] (no units)
/// while the sheets are compressed into the file, then [`Stage::Checking`] in rows read back,
/// of every sheet. Nothing is reported while the workbook is read, before the first stage.
///
/// Errors: as [`export_xlsx`].
pub fn export_xlsx_with_progress(
    wb: &Workbook,
    out: &Path,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportSummary, ExportError> {
    let data = ExportData::from_workbook(wb, opts.as_of)?;
    write_verified(data, out, opts, progress)
}

/// Writes the blank template to `out`: the same workbook without data — catalog, lists, the
/// default site's rows and `blank_devices` device rows (`DEV-0001` …) with their control rows —
/// and an empty `workbook_id`, so a filled copy imports into any workbook.
///
/// Errors: as [`export_xlsx`], without the workbook ones.
pub fn export_template(
    out: &Path,
    blank_devices: usize,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    export_template_with_progress(out, blank_devices, opts, &mut NoProgress)
}

/// [`export_template`], reporting to `progress` the stages of [`export_xlsx_with_progress`].
///
/// Errors: as [`export_template`].
pub fn export_template_with_progress(
    out: &Path,
    blank_devices: usize,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportSummary, ExportError> {
    let data = ExportData::template(blank_devices, opts.as_of);
    write_verified(data, out, opts, progress)
}

/// Writes `data` to a temporary file, drops it (the read-back needs only the records of what
/// was written, so the workbook's answers and findings are not held while the file is read
/// back), verifies the file and renames it over `out`.
fn write_verified(
    data: ExportData,
    out: &Path,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportSummary, ExportError> {
    check_output(out)?;
    let folder = PrivateDir::next_to(out)?;
    let tmp_file = folder.path().join("export.xlsx");
    let written = {
        let ctx = Context::new(&data, opts);
        // rust_xlsxwriter panics when a write fails in constant-memory mode (e.g. a full disk).
        crate::panic_guard::quietly(|| write_workbook(&ctx, &tmp_file, folder.path(), progress))
            .map_err(|reason| ExportError::Io {
                path: out.to_path_buf(),
                source: std::io::Error::other(reason),
            })?
    };
    drop(data);
    let (records, devices, answers) = written.map_err(|e| e.in_file(out))?;
    progress.stage(Stage::Checking);
    verify::check(&tmp_file, out, &records, progress)?;
    restrict_to_owner(&tmp_file)?;
    fs::rename(&tmp_file, out).map_err(|source| ExportError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    drop(folder);
    Ok(ExportSummary {
        path: out.to_path_buf(),
        sheets: records
            .iter()
            .map(|r| (r.name.clone(), r.rows as usize))
            .collect(),
        devices,
        answers,
    })
}

/// Refuses an output that is not a `.xlsx` name, is a folder, or is an existing file that is not
/// a spreadsheet (a workbook, a CSV, a report): an export replaces only an earlier export.
///
/// Errors: `ExportError::Output` saying why and what to do.
pub fn check_output(out: &Path) -> Result<(), ExportError> {
    let refuse = |reason: String| {
        Err(ExportError::Output {
            path: out.to_path_buf(),
            reason,
        })
    };
    if out.is_dir() {
        return refuse("is a folder; give a file name such as assessment.xlsx".into());
    }
    let is_xlsx = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return refuse("the export is an .xlsx workbook; give a name ending in .xlsx".into());
    }
    if let Ok(mut file) = fs::File::open(out) {
        use std::io::Read;
        let mut magic = [0u8; 4];
        let n = file.read(&mut magic).unwrap_or(0);
        if n > 0 && magic[..n] != b"PK\x03\x04"[..n] {
            return refuse(
                "exists and is not a spreadsheet; nothing was written (choose another name)".into(),
            );
        }
        if n > 0 && !is_medsec_export(out) {
            return refuse(
                "exists and is not a medsec export (no _medsec sheet); nothing was written \
                 (choose another name, or move that file away first)"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Whether an existing `.xlsx` was written by medsec: its `xl/workbook.xml` lists the
/// `_medsec` sheet.
fn is_medsec_export(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let Ok(mut zip) = zip::ZipArchive::new(file) else {
        return false;
    };
    let Ok(member) = zip.by_name("xl/workbook.xml") else {
        return false;
    };
    let mut text = String::new();
    // A workbook.xml is small; read at most 1 MiB of it.
    member.take(1 << 20).read_to_string(&mut text).is_ok() && text.contains("name=\"_medsec\"")
}

/// Whether the rows of a sheet are counted by [`Stage::Writing`]: the sheets that grow with the
/// data.
fn counts_rows(kind: SheetKind) -> bool {
    matches!(
        kind,
        SheetKind::Inventory | SheetKind::Controls(_) | SheetKind::RiskRegister
    )
}

/// The rows [`Stage::Writing`] counts: every row of the sheets of [`counts_rows`], header rows
/// included.
fn rows_to_write(ctx: &Context<'_>) -> u64 {
    let headers = SHEETS.iter().filter(|(_, k)| counts_rows(*k)).count();
    (ctx.data.devices.len() + ctx.control_rows() + ctx.findings.len() + headers) as u64
}

/// Where the sheets of a CSV export go (a folder of files), filled through [`write_sheets`].
/// The `.xlsx` export writes its worksheets through [`write_worksheets`] instead (two at a
/// time); both call [`write_sheet`], the same sheet writers, so the two exports hold the same
/// rows and cells.
pub(crate) trait Book {
    /// Adds the sheet `name`, hands `write` a writer for it (calling `on_row` after every row
    /// when given) and closes the sheet; returns what `write` returned.
    fn sheet(
        &mut self,
        name: &str,
        on_row: Option<&mut dyn FnMut()>,
        write: &mut dyn FnMut(SheetWriter<'_>) -> Result<SheetRecord, ExportError>,
    ) -> Result<SheetRecord, ExportError>;
}

/// What a sheet's writer counts besides its record: device rows (`1 Inventory`) and rows with
/// a stored answer (the control sheets).
#[derive(Debug, Default, Clone, Copy)]
struct SheetFigures {
    devices: usize,
    answered: usize,
}

impl std::ops::AddAssign for SheetFigures {
    fn add_assign(&mut self, other: SheetFigures) {
        self.devices += other.devices;
        self.answered += other.answered;
    }
}

/// Writes one sheet of [`SHEETS`] with its writer; `before` holds the records of every sheet
/// before it (only `_medsec` reads them).
fn write_sheet(
    w: SheetWriter<'_>,
    ctx: &Context<'_>,
    kind: SheetKind,
    before: &[SheetRecord],
) -> Result<(SheetRecord, SheetFigures), ExportError> {
    let mut figures = SheetFigures::default();
    let record = match kind {
        SheetKind::Cover => sheets::cover::write(w, ctx)?,
        SheetKind::Summary => sheets::summary::write(w, ctx)?,
        SheetKind::Inventory => {
            let (r, n) = sheets::inventory::write(w, ctx)?;
            figures.devices = n;
            r
        }
        SheetKind::Controls(n) => {
            let step = ctx
                .data
                .catalog
                .steps
                .iter()
                .find(|s| s.number == n)
                .ok_or_else(|| ExportError::Internal(format!("the catalog has no step {n}")))?;
            let (r, a) = sheets::controls::write(w, ctx, step)?;
            figures.answered = a;
            r
        }
        SheetKind::CveFindings => sheets::cve::write(w, ctx)?,
        SheetKind::RiskRegister => sheets::register::write(w, ctx)?,
        SheetKind::RiskMatrix => sheets::matrix::write(w, ctx)?,
        SheetKind::Mds2 => sheets::reference::write_mds2(w, ctx)?,
        SheetKind::ControlCatalog => sheets::reference::write_catalog(w, ctx)?,
        SheetKind::Lists => sheets::reference::write_lists(w, ctx)?,
        SheetKind::Meta => sheets::meta::write(w, ctx, before)?,
    };
    Ok((record, figures))
}

/// Writes every sheet of [`SHEETS`] in order into `book`, reporting [`Stage::Writing`]; returns
/// the records, device rows and answered rows.
pub(crate) fn write_sheets(
    ctx: &Context<'_>,
    book: &mut dyn Book,
    progress: &mut dyn Progress,
) -> Result<(Vec<SheetRecord>, usize, usize), ExportError> {
    let mut records: Vec<SheetRecord> = Vec::with_capacity(SHEETS.len());
    let mut total_figures = SheetFigures::default();
    progress.stage(Stage::Writing);
    let total = rows_to_write(ctx);
    let mut done = 0u64;
    let mut on_row = || {
        done += 1;
        progress.update(done.min(total), total);
    };
    for (name, kind) in SHEETS {
        let counted: Option<&mut dyn FnMut()> = if counts_rows(kind) {
            Some(&mut on_row)
        } else {
            None
        };
        let before = &records;
        let mut figures = SheetFigures::default();
        let record = book.sheet(name, counted, &mut |w| {
            let (record, f) = write_sheet(w, ctx, kind, before)?;
            figures = f;
            Ok(record)
        })?;
        total_figures += figures;
        records.push(record);
    }
    if done != total {
        // Never expected (the count is exact), but the stage must end at its total.
        progress.update(total, total);
    }
    Ok((records, total_figures.devices, total_figures.answered))
}

/// The sheets (indexes into [`SHEETS`]) that [`write_worksheets`] hands to its second thread:
/// control sheets, the largest first, each to whichever thread has fewer rows so far; the
/// first thread starts with `1 Inventory`, `2 CVE Findings` and `Risk Register`.
fn second_thread_sheets(ctx: &Context<'_>) -> Vec<usize> {
    let mut controls: Vec<(usize, usize)> = SHEETS
        .iter()
        .enumerate()
        .filter_map(|(i, (_, kind))| match kind {
            SheetKind::Controls(n) => {
                let step = ctx.data.catalog.steps.iter().position(|s| s.number == *n)?;
                Some((i, ctx.step_rows.get(step).copied().unwrap_or(0)))
            }
            _ => None,
        })
        .collect();
    controls.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut first = ctx.data.devices.len() + ctx.data.vulnerabilities.len() + ctx.findings.len();
    let mut second = 0;
    let mut picked = Vec::new();
    for (i, rows) in controls {
        if second < first {
            second += rows;
            picked.push(i);
        } else {
            first += rows;
        }
    }
    picked
}

/// Writes every sheet of [`SHEETS`] into `worksheets` (one per sheet, in that order) on two
/// threads, reporting [`Stage::Writing`] from this one: the other writes the control sheets of
/// [`second_thread_sheets`], this one the rest, then `_medsec` (which records every other
/// sheet) last. Returns the records in sheet order, device rows and answered rows.
///
/// Writing the cells is most of an export's time (about 10 of 20 s at 10,000 devices on one
/// thread) and constant-memory worksheets are independent files until the workbook is saved.
fn write_worksheets(
    ctx: &Context<'_>,
    worksheets: &mut [rust_xlsxwriter::Worksheet],
    styles: &Styles,
    progress: &mut dyn Progress,
) -> Result<(Vec<SheetRecord>, usize, usize), ExportError> {
    use std::sync::atomic::{AtomicU64, Ordering};

    progress.stage(Stage::Writing);
    let total = rows_to_write(ctx);
    let theirs_picked = second_thread_sheets(ctx);
    let mut mine = Vec::new();
    let mut theirs = Vec::new();
    let mut meta = None;
    for (i, ws) in worksheets.iter_mut().enumerate() {
        match SHEETS.get(i) {
            Some((_, SheetKind::Meta)) => meta = Some((i, ws)),
            Some(_) if theirs_picked.contains(&i) => theirs.push((i, ws)),
            Some(_) => mine.push((i, ws)),
            None => {}
        }
    }
    let Some((meta_index, meta_sheet)) = meta else {
        return Err(ExportError::Internal("no worksheet for _medsec".into()));
    };
    let write_one = |i: usize,
                     ws: &mut rust_xlsxwriter::Worksheet,
                     on_row: &mut dyn FnMut(),
                     before: &[SheetRecord]|
     -> Result<(usize, SheetRecord, SheetFigures), ExportError> {
        let (name, kind) = SHEETS
            .get(i)
            .copied()
            .ok_or_else(|| ExportError::Internal(format!("no sheet {i}")))?;
        let mut w = SheetWriter::new(ws, styles, name)?;
        if counts_rows(kind) {
            w = w.count_rows(on_row);
        }
        let (record, figures) = write_sheet(w, ctx, kind, before)?;
        Ok((i, record, figures))
    };
    let elsewhere = AtomicU64::new(0);
    let mut written: Vec<(usize, SheetRecord, SheetFigures)> = Vec::with_capacity(SHEETS.len());
    std::thread::scope(|scope| -> Result<(), ExportError> {
        // rust_xlsxwriter panics when a write fails in constant-memory mode (e.g. a full
        // disk): on this thread the caller's `quietly` takes it; on the other, `quietly` there
        // keeps it off the terminal and it is raised again here after the join.
        let other = scope.spawn(|| {
            crate::panic_guard::quietly(|| {
                let mut on_row = || {
                    elsewhere.fetch_add(1, Ordering::Relaxed);
                };
                theirs
                    .into_iter()
                    .map(|(i, ws)| write_one(i, ws, &mut on_row, &[]))
                    .collect::<Result<Vec<_>, ExportError>>()
            })
        });
        let mut done = 0u64;
        let report = |done: u64, progress: &mut dyn Progress| {
            let rows = done + elsewhere.load(Ordering::Relaxed);
            progress.update(rows.min(total), total);
        };
        {
            let mut on_row = || {
                done += 1;
                report(done, &mut *progress);
            };
            for (i, ws) in mine {
                written.push(write_one(i, ws, &mut on_row, &[])?);
            }
        }
        while !other.is_finished() {
            report(done, &mut *progress);
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        match other.join() {
            Ok(Ok(sheets)) => written.extend(sheets?),
            Ok(Err(reason)) => std::panic::resume_unwind(Box::new(reason)),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        // Every row counted, by both threads: the stage ends at its total when the count is
        // exact (as it is expected to be), and is not patched up when it is not.
        report(done, &mut *progress);
        Ok(())
    })?;
    written.sort_by_key(|(i, _, _)| *i);
    let mut figures = SheetFigures::default();
    let mut records: Vec<SheetRecord> = Vec::with_capacity(SHEETS.len());
    for (_, record, f) in written {
        figures += f;
        records.push(record);
    }
    let (_, record, _) = write_one(meta_index, meta_sheet, &mut || {}, &records)?;
    records.push(record);
    Ok((records, figures.devices, figures.answered))
}

/// Writes every sheet in order, reporting [`Stage::Writing`] and then [`Stage::Saving`];
/// returns the records, device rows and answered rows.
fn write_workbook(
    ctx: &Context<'_>,
    path: &Path,
    tempdir: &Path,
    progress: &mut dyn Progress,
) -> Result<(Vec<SheetRecord>, usize, usize), ExportError> {
    let book_err = |e| ExportError::xlsx("(workbook)", e);
    let mut book = rust_xlsxwriter::Workbook::new();
    book.set_tempdir(tempdir).map_err(book_err)?;
    // Level 3 writes a 10,000-device workbook about a third faster than the default 6, for a
    // file about 15 % larger.
    book.set_zip_compression_level(3);
    for _ in SHEETS {
        book.add_worksheet_with_constant_memory()
            .map_err(book_err)?;
    }
    let styles = Styles::new(ctx.data.catalog);
    styles.register(&mut book);
    let written = write_worksheets(ctx, book.worksheets_mut(), &styles, progress)?;
    book.define_name(layout::RISK_GRID_NAME, &sheets::matrix::grid_range())
        .map_err(book_err)?;
    progress.stage(Stage::Saving);
    book.save(path).map_err(book_err)?;
    Ok(written)
}

/// Makes a finished export readable by its owner only (Unix; elsewhere nothing is done).
#[cfg(unix)]
pub(crate) fn restrict_to_owner(path: &Path) -> Result<(), ExportError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(not(unix))]
pub(crate) fn restrict_to_owner(_path: &Path) -> Result<(), ExportError> {
    Ok(())
}

/// A private folder next to the output (`.<name>.medsec-<random>`, owner-only on Unix) for the
/// writer's temporary files and the unverified file; removed with everything in it when dropped,
/// on every exit path.
pub(crate) struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    /// Makes the folder next to `out`. Errors: `Output` when `out`'s folder does not exist,
    /// `Io`.
    pub(crate) fn next_to(out: &Path) -> Result<PrivateDir, ExportError> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(ExportError::Output {
                path: out.to_path_buf(),
                reason: format!(
                    "the folder {} does not exist; create it first",
                    parent.display()
                ),
            });
        }
        let stem = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        PrivateDir::create_in(&parent, &stem)
    }

    /// A private folder `.<stem>.medsec-<random>` inside the existing folder `parent`.
    fn create_in(parent: &Path, stem: &str) -> Result<PrivateDir, ExportError> {
        let random = uuid::Uuid::new_v4().simple().to_string();
        let short = random.get(..12).unwrap_or(&random);
        let path = parent.join(format!(".{stem}.medsec-{short}"));
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(PrivateDir { path })
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        // Best effort: nothing useful can be done about a failure while unwinding.
        let _ = fs::remove_dir_all(&self.path);
    }
}
