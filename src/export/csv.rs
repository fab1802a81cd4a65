//! `export csv`: the sheets of the `.xlsx` export as one CSV file each, in a folder.
//!
//! The files are written by the same sheet writers as the workbook (through
//! [`SheetWriter::csv`](super::xlsx::SheetWriter::csv)), so they hold the same sheets, rows and
//! columns: every cell's value, a formula as its computed result, a date as `YYYY-MM-DD`, a
//! date-time as `YYYY-MM-DDTHH:MM:SSZ` (UTC), a number in its shortest form (`3`, `0.75`; a
//! percentage as its fraction, as the workbook stores it). Text that a spreadsheet would take for
//! a formula is neutralised with a leading `'` ([`neutralise`]); numbers never are. File names
//! are the sheets' with their position (`07-3 Encryption.csv`, [`file_name`]); the form of each
//! file is described in the `sheet` submodule ([`CsvSheet`]).
//!
//! `_medsec` is written too, as `18-_medsec.csv`: the same key/value rows as the workbook's very
//! hidden sheet (`workbook_id`, `format_version`, `catalog_version`, `as_of`, and per sheet its
//! data rows and the SHA-256 of its cells), so a set of files can be traced to its workbook and
//! a truncated file noticed. `rows:<sheet>` is also the number of records below the header in
//! that sheet's file; the `sha256:<sheet>` values are those of the workbook's cells (TEMPLATE.md
//! canonical text, dates as Excel serial numbers), equal to an `export xlsx` of the same
//! workbook with the same `--as-of`.
//!
//! Safety, as for `export xlsx`: the files are written into a private folder (owner-only), read
//! back and checked (every file's records and a hash of its fields), and only then moved into
//! place, each file owner-only. A new output folder is created owner-only by renaming the
//! private folder; in an existing folder the files of an earlier medsec CSV export are replaced
//! (all of them or, on a failure, none) and any other file of the same name is refused. A failed
//! export leaves nothing behind.

mod sheet;

pub use sheet::{BOM, CsvFile, CsvSheet, file_name, neutralise};

use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::Path;

use super::layout::{META_SHEET, SHEETS};
use super::plan::ExportData;
use super::sheets::Context;
use super::xlsx::{CellHasher, SheetRecord, SheetWriter};
use super::{
    Book, ExportError, ExportOptions, ExportSummary, PrivateDir, restrict_to_owner, write_sheets,
};
use crate::progress::{NoProgress, Progress, Stage};
use crate::workbook::Workbook;

/// The file names of a CSV export, in workbook order (one per sheet of TEMPLATE.md).
pub fn file_names() -> Vec<String> {
    SHEETS
        .iter()
        .enumerate()
        .map(|(i, (name, _))| file_name(i, name))
        .collect()
}

/// Exports a workbook as CSV files into the folder `out` (see the module documentation).
///
/// Errors: reading the workbook, an unusable output folder (`Output`), I/O, `CellTooLong`,
/// `Verify` when a file does not read back as written.
pub fn export_csv(
    wb: &Workbook,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    export_csv_with_progress(wb, out, opts, &mut NoProgress)
}

/// [`export_csv`], reporting to `progress`: [`Stage::Writing`] in rows of the sheets that grow
/// with the data (as [`super::export_xlsx_with_progress`] counts them), then
/// [`Stage::Checking`] in records read back, of every file.
///
/// Errors: as [`export_csv`].
pub fn export_csv_with_progress(
    wb: &Workbook,
    out: &Path,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportSummary, ExportError> {
    let data = ExportData::from_workbook(wb, opts.as_of)?;
    write_csv(&data, out, opts, progress)
}

/// Whether the output folder is new or already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `out` does not exist: it is created, owner-only.
    NewFolder,
    /// `out` is a folder: the files go into it, replacing those of an earlier CSV export.
    IntoFolder,
}

/// Checks the output folder: a new folder, or an existing one that holds none of the export's
/// file names or an earlier medsec CSV export (its `_medsec` file in place).
///
/// Errors: `ExportError::Output` when `out` is a file, when a file name of the export is taken
/// by a folder, or by a file while the folder holds no medsec CSV export.
pub fn check_csv_output(out: &Path) -> Result<Placement, ExportError> {
    let refuse = |reason: String| {
        Err(ExportError::Output {
            path: out.to_path_buf(),
            reason,
        })
    };
    let Ok(meta) = fs::metadata(out) else {
        return Ok(Placement::NewFolder);
    };
    if !meta.is_dir() {
        return refuse(
            "is a file; the CSV export writes one file per sheet into a folder — give a folder \
             name (it is created if it does not exist)"
                .into(),
        );
    }
    let names = file_names();
    let taken: Vec<&String> = names
        .iter()
        .filter(|n| fs::symlink_metadata(out.join(n)).is_ok())
        .collect();
    if let Some(dir) = taken.iter().find(|n| !out.join(n).is_file()) {
        return refuse(format!(
            "holds a folder named {dir}; nothing was written (choose another folder)"
        ));
    }
    if let Some(first) = taken.first()
        && !is_medsec_csv_export(out)
    {
        return refuse(format!(
            "already holds {first}, and no medsec CSV export is there (no {}); nothing was \
             written (choose another folder, or move those files away first)",
            meta_file_name()
        ));
    }
    Ok(Placement::IntoFolder)
}

/// The file name of `_medsec` in a CSV export.
fn meta_file_name() -> String {
    let i = SHEETS
        .iter()
        .position(|(n, _)| *n == META_SHEET)
        .unwrap_or(SHEETS.len() - 1);
    file_name(i, META_SHEET)
}

/// Whether `dir` holds an earlier medsec CSV export: its `_medsec` file starts with the BOM and
/// the `key,value` header.
fn is_medsec_csv_export(dir: &Path) -> bool {
    let Ok(file) = File::open(dir.join(meta_file_name())) else {
        return false;
    };
    let mut head = Vec::new();
    let expected = [BOM, b"key,value\r\n"].concat();
    file.take(expected.len() as u64)
        .read_to_end(&mut head)
        .is_ok()
        && head == expected
}

/// The files of a CSV export being written into a private folder.
struct CsvBook<'a> {
    dir: &'a Path,
    out: &'a Path,
    files: Vec<CsvFile>,
}

impl Book for CsvBook<'_> {
    fn sheet(
        &mut self,
        name: &str,
        on_row: Option<&mut dyn FnMut()>,
        write: &mut dyn FnMut(SheetWriter<'_>) -> Result<SheetRecord, ExportError>,
    ) -> Result<SheetRecord, ExportError> {
        let file = file_name(self.files.len(), name);
        let mut sheet = CsvSheet::create(&self.dir.join(&file), self.out.join(&file))?;
        let mut w = SheetWriter::csv(&mut sheet, name);
        if let Some(on_row) = on_row {
            w = w.count_rows(on_row);
        }
        let record = write(w)?;
        self.files.push(sheet.close(file)?);
        Ok(record)
    }
}

fn write_csv(
    data: &ExportData,
    out: &Path,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportSummary, ExportError> {
    let placement = check_csv_output(out)?;
    let folder = match placement {
        Placement::NewFolder => PrivateDir::next_to(out)?,
        Placement::IntoFolder => PrivateDir::create_in(out, "csv")?,
    };
    let ctx = Context::new(data, opts);
    let mut book = CsvBook {
        dir: folder.path(),
        out,
        files: Vec::with_capacity(SHEETS.len()),
    };
    let (records, devices, answers) =
        write_sheets(&ctx, &mut book, progress).map_err(|e| e.in_file(out))?;
    let files = book.files;
    progress.stage(Stage::Checking);
    check(folder.path(), out, &files, &records, progress)?;
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    match placement {
        Placement::NewFolder => {
            fs::rename(folder.path(), out).map_err(|source| ExportError::Io {
                path: out.to_path_buf(),
                source,
            })?
        }
        Placement::IntoFolder => replace_files(folder.path(), out, &names)?,
    }
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

/// Reads every file back (PRODUCT.md "Verified output"): it starts with the BOM, parses as CSV
/// with the same number of fields in every record, has as many records as the sheet has rows
/// (header included) and the same fields (hash); the folder holds nothing else. Makes each file
/// owner-only. Reports [`Stage::Checking`] in records.
fn check(
    dir: &Path,
    out: &Path,
    files: &[CsvFile],
    records: &[SheetRecord],
    progress: &mut dyn Progress,
) -> Result<(), ExportError> {
    let total: u64 = files.iter().map(|f| u64::from(f.records)).sum();
    let mut done = 0u64;
    let found = fs::read_dir(dir)
        .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
        .map_err(|source| ExportError::Io {
            path: dir.to_path_buf(),
            source,
        });
    let found: Vec<std::ffi::OsString> = found?;
    if found.len() != files.len() {
        return Err(ExportError::Verify {
            path: out.to_path_buf(),
            sheet: "(folder)".into(),
            detail: format!("{} files found, {} written", found.len(), files.len()),
        });
    }
    for (file, rec) in files.iter().zip(records) {
        let path = dir.join(&file.name);
        let mismatch = |detail: String| ExportError::Verify {
            path: out.join(&file.name),
            sheet: rec.name.clone(),
            detail,
        };
        if u64::from(file.records) != u64::from(rec.rows) + 1 {
            return Err(mismatch(format!(
                "{} records written for {} rows",
                file.records,
                u64::from(rec.rows) + 1
            )));
        }
        restrict_to_owner(&path)?;
        let mut reader = BufReader::new(File::open(&path).map_err(|source| ExportError::Io {
            path: out.join(&file.name),
            source,
        })?);
        let mut bom = [0u8; 3];
        if reader.read_exact(&mut bom).is_err() || bom != BOM {
            return Err(mismatch(
                "it does not start with the UTF-8 byte order mark".into(),
            ));
        }
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(reader);
        let mut record = csv::StringRecord::new();
        let mut hasher = CellHasher::default();
        let mut n = 0u32;
        while csv
            .read_record(&mut record)
            .map_err(|e| mismatch(e.to_string()))?
        {
            for (col, field) in record.iter().enumerate() {
                if !field.is_empty() {
                    hasher.add(n, u16::try_from(col).unwrap_or(u16::MAX), field);
                }
            }
            n += 1;
            done += 1;
            progress.update(done.min(total), total);
        }
        if n != file.records {
            return Err(mismatch(format!(
                "{n} records read back, {} written",
                file.records
            )));
        }
        if hasher.finish() != file.sha256 {
            return Err(mismatch(
                "its fields read back differ from those written (hash mismatch)".into(),
            ));
        }
    }
    if done < total {
        progress.update(total, total);
    }
    Ok(())
}

/// Moves the checked files from the private folder `tmp` into `out`, replacing files of the same
/// name: the earlier ones are first moved aside into `tmp`, and moved back if any step fails, so
/// `out` ends with either every new file or every earlier one.
fn replace_files(tmp: &Path, out: &Path, names: &[String]) -> Result<(), ExportError> {
    let aside = tmp.join("earlier");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    fs::create_dir(&aside).map_err(io(&aside))?;
    let mut moved_aside: Vec<&String> = Vec::new();
    let mut placed: Vec<&String> = Vec::new();
    let mut step = || -> Result<(), ExportError> {
        for n in names {
            if fs::symlink_metadata(out.join(n)).is_ok() {
                fs::rename(out.join(n), aside.join(n)).map_err(io(&out.join(n)))?;
                moved_aside.push(n);
            }
        }
        for n in names {
            fs::rename(tmp.join(n), out.join(n)).map_err(io(&out.join(n)))?;
            placed.push(n);
        }
        Ok(())
    };
    let result = step();
    if result.is_err() {
        // Best effort: put the earlier export back as it was.
        for n in placed {
            let _ = fs::remove_file(out.join(n));
        }
        for n in moved_aside {
            let _ = fs::rename(aside.join(n), out.join(n));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::NaiveDate;

    fn opts() -> ExportOptions {
        ExportOptions {
            as_of: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            app_version: "test",
        }
    }

    #[test]
    fn a_template_writes_one_checked_file_per_sheet_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("csv");
        let data = ExportData::template(3, opts().as_of);
        let summary = write_csv(&data, &out, &opts(), &mut NoProgress).unwrap();
        assert_eq!(summary.sheets.len(), SHEETS.len());
        let mut names: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, file_names());
        // Nothing left next to it.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&out), 0o700);
            assert_eq!(mode(&out.join(&names[0])), 0o600);
        }
        let inventory = fs::read(out.join("03-1 Inventory.csv")).unwrap();
        assert!(inventory.starts_with(BOM));
        let text = String::from_utf8(inventory[3..].to_vec()).unwrap();
        // Header, then three blank devices: only the Device ID is set.
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].starts_with("Device ID,Asset Tag,"));
        assert!(lines[1].starts_with("DEV-0001,,"));
        assert_eq!(lines[4], "");
    }

    #[test]
    fn an_earlier_export_is_replaced_and_anything_else_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("csv");
        let data = ExportData::template(1, opts().as_of);
        write_csv(&data, &out, &opts(), &mut NoProgress).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        // Again into the same folder: replaced, the other file kept, nothing else left.
        let data = ExportData::template(2, opts().as_of);
        write_csv(&data, &out, &opts(), &mut NoProgress).unwrap();
        assert_eq!(fs::read_dir(&out).unwrap().count(), SHEETS.len() + 1);
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
        let inventory = fs::read_to_string(out.join("03-1 Inventory.csv")).unwrap();
        assert_eq!(inventory.matches("\r\n").count(), 3);

        // A folder whose Cover.csv is someone else's, without the _medsec file: refused.
        let other = dir.path().join("other");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("01-Cover.csv"), "mine").unwrap();
        let e = write_csv(&data, &other, &opts(), &mut NoProgress).unwrap_err();
        assert!(e.to_string().contains("already holds 01-Cover.csv"), "{e}");
        assert_eq!(
            fs::read_to_string(other.join("01-Cover.csv")).unwrap(),
            "mine"
        );
        assert_eq!(fs::read_dir(&other).unwrap().count(), 1);

        // A file as the output: refused.
        let file = dir.path().join("file.csv");
        fs::write(&file, "x").unwrap();
        let e = write_csv(&data, &file, &opts(), &mut NoProgress).unwrap_err();
        assert!(e.to_string().contains("is a file"), "{e}");
    }

    #[test]
    fn a_missing_parent_folder_is_refused_and_nothing_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("no/such/csv");
        let data = ExportData::template(1, opts().as_of);
        let e = write_csv(&data, &out, &opts(), &mut NoProgress).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn cells_become_csv_fields_by_kind() {
        use crate::export::xlsx::{Cached, Cell, Look, Value};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        let mut sheet = CsvSheet::create(&path, path.clone()).unwrap();
        let mut w = SheetWriter::csv(&mut sheet, "S");
        let date = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let old = NaiveDate::from_ymd_opt(1850, 5, 1).unwrap();
        let time = date.and_hms_opt(10, 15, 0).unwrap();
        w.write_row(
            0,
            &[
                Cell::new(0, Value::Number(-3.0)),
                Cell::new(1, Value::text("-3")),
                Cell::new(2, Value::Number(0.75)),
                Cell::with(3, Value::text("=1+1"), Look::Bold),
            ],
        )
        .unwrap();
        // Row 1 is left out: an empty record keeps row 2 in place.
        w.write_row(
            2,
            &[
                Cell::new(0, Value::Date(date)),
                Cell::new(1, Value::DateTime(time)),
                Cell::new(2, Value::Date(old)),
                Cell::new(3, Value::Formula("=A1*2".into(), Cached::Number(12.0))),
                Cell::new(4, Value::Formula("=X".into(), Cached::Text("@x".into()))),
                Cell::new(5, Value::Formula("=Y".into(), Cached::Blank)),
            ],
        )
        .unwrap();
        w.write_row(3, &[Cell::new(1, Value::text("a,\"b\"\r\nc\u{b}d"))])
            .unwrap();
        // Empty rows at the end are left out.
        w.write_row(4, &[Cell::new(0, Value::Empty)]).unwrap();
        let record = w.finish();
        let file = sheet.close("s.csv".into()).unwrap();
        assert_eq!((record.rows, file.records), (3, 4));
        let bytes = fs::read(&path).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            // Five fields: the widest row with values (the blank formula is no value); the
            // vertical tab is removed, CRLF in a cell becomes LF.
            "\u{feff}-3,'-3,0.75,'=1+1,\r\n,,,,\r\n2026-01-31,2026-01-31T10:15:00Z,1850-05-01,12,'@x\r\n,\"a,\"\"b\"\"\ncd\",,,\r\n"
        );
    }

    #[test]
    fn progress_counts_rows_written_then_records_read_back() {
        use crate::progress::Recorder;
        let dir = tempfile::tempdir().unwrap();
        let data = ExportData::template(5, opts().as_of);
        let mut recorder = Recorder::default();
        let summary = write_csv(&data, &dir.path().join("c"), &opts(), &mut recorder).unwrap();
        assert_eq!(recorder.stages, [Stage::Writing, Stage::Checking]);
        let records: u64 = summary.sheets.iter().map(|(_, n)| *n as u64 + 1).sum();
        let ends = recorder.check().unwrap();
        assert_eq!(ends[1], (Stage::Checking, records));
    }

    #[test]
    fn a_changed_file_fails_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let data = ExportData::template(2, opts().as_of);
        let opts = opts();
        let ctx = Context::new(&data, &opts);
        let mut book = CsvBook {
            dir: dir.path(),
            out: Path::new("out"),
            files: Vec::new(),
        };
        let (records, _, _) = write_sheets(&ctx, &mut book, &mut NoProgress).unwrap();
        check(
            dir.path(),
            Path::new("out"),
            &book.files,
            &records,
            &mut NoProgress,
        )
        .unwrap();
        let inventory = dir.path().join("03-1 Inventory.csv");
        let text = fs::read_to_string(&inventory).unwrap();
        fs::write(&inventory, text.replace("DEV-0002", "DEV-0003")).unwrap();
        let e = check(
            dir.path(),
            Path::new("out"),
            &book.files,
            &records,
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(e.to_string().contains("hash mismatch"), "{e}");
        fs::write(&inventory, text.replace("\u{feff}", "")).unwrap();
        let e = check(
            dir.path(),
            Path::new("out"),
            &book.files,
            &records,
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(e.to_string().contains("byte order mark"), "{e}");
    }
}
