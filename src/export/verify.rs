//! The read-back check (PRODUCT.md "Verified output"): the written file is opened with calamine,
//! as any spreadsheet reader would, and compared with what the writers recorded — sheet names
//! and order, `_medsec` very hidden, every sheet's row count, its cell hash (which covers every
//! value, and every formula's cached result) and its sample cells. Cells are streamed, so the
//! check holds one row's text at a time. Two threads share the sheets.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{DataRef, Reader, SheetVisible, Xlsx};

use super::ExportError;
use super::layout::{META_SHEET, SHEETS};
use super::xlsx::{CellHasher, SheetRecord, cell_ref, number_text};
use crate::progress::Progress;

/// Checks the file at `path` against the records; `shown` is the path named in errors. Reports
/// to `progress` the rows read back, of every sheet's rows (header row included).
pub fn check(
    path: &Path,
    shown: &Path,
    records: &[SheetRecord],
    progress: &mut dyn Progress,
) -> Result<(), ExportError> {
    let mut xl = open(path, shown)?;
    let mismatch = |sheet: &str, detail: String| mismatch(shown, sheet, detail);

    let names = xl.sheet_names();
    let expected: Vec<&str> = SHEETS.iter().map(|(n, _)| *n).collect();
    if names != expected {
        return Err(mismatch(
            "(workbook)",
            format!("sheets read back as {names:?}, expected {expected:?}"),
        ));
    }
    let hidden = xl
        .sheets_metadata()
        .iter()
        .find(|s| s.name == META_SHEET)
        .map(|s| s.visible);
    if hidden != Some(SheetVisible::VeryHidden) {
        return Err(mismatch(
            META_SHEET,
            format!("visibility is {hidden:?}, not very hidden"),
        ));
    }

    let total: u64 = records.iter().map(|r| u64::from(r.rows) + 1).sum();
    // The sheets are read back on two threads (the big control sheets dominate, and a 2-core
    // laptop is the budget's machine), each with its own reader of the file; rows read back are
    // counted together and reported from this thread.
    let (mine, theirs) = halves(records);
    let done = AtomicU64::new(0);
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| -> Result<(), ExportError> {
            let mut xl = open(path, shown)?;
            for rec in &theirs {
                check_sheet(&mut xl, rec, shown, &mut |n| {
                    done.fetch_add(n, Ordering::Relaxed);
                })?;
            }
            Ok(())
        });
        let mut last = 0u64;
        let mut report = |progress: &mut dyn Progress| {
            let now = done.load(Ordering::Relaxed).min(total);
            if now > last {
                last = now;
                progress.update(now, total);
            }
        };
        let own = mine.iter().try_for_each(|rec| {
            check_sheet(&mut xl, rec, shown, &mut |n| {
                done.fetch_add(n, Ordering::Relaxed);
                report(progress);
            })
        });
        while !worker.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(50));
            report(progress);
        }
        let theirs = worker.join().unwrap_or_else(|_| {
            Err(ExportError::Io {
                path: shown.to_path_buf(),
                source: std::io::Error::other("the read-back thread stopped unexpectedly"),
            })
        });
        own.and(theirs)?;
        report(progress);
        Ok(())
    })
}

/// The records in two groups of about equal rows (the largest sheet first, each to the group
/// with fewer rows so far), each group in workbook order.
fn halves(records: &[SheetRecord]) -> (Vec<&SheetRecord>, Vec<&SheetRecord>) {
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(records[i].rows));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut rows_a, mut rows_b) = (0u64, 0u64);
    for i in order {
        let rows = u64::from(records[i].rows) + 1;
        if rows_a <= rows_b {
            a.push(i);
            rows_a += rows;
        } else {
            b.push(i);
            rows_b += rows;
        }
    }
    a.sort_unstable();
    b.sort_unstable();
    (
        a.into_iter().map(|i| &records[i]).collect(),
        b.into_iter().map(|i| &records[i]).collect(),
    )
}

/// A reader of the file at `path` (`shown` in errors).
fn open(path: &Path, shown: &Path) -> Result<Xlsx<BufReader<File>>, ExportError> {
    let file = File::open(path).map_err(|source| ExportError::Io {
        path: shown.to_path_buf(),
        source,
    })?;
    Xlsx::new(BufReader::new(file)).map_err(|source| read_back(shown, source))
}

/// The file `shown` could not be read back.
fn read_back(shown: &Path, source: calamine::XlsxError) -> ExportError {
    ExportError::ReadBack {
        path: shown.to_path_buf(),
        source,
    }
}

/// The file `shown` read back differently from what was written.
fn mismatch(shown: &Path, sheet: &str, detail: String) -> ExportError {
    ExportError::Verify {
        path: shown.to_path_buf(),
        sheet: sheet.to_string(),
        detail,
    }
}

/// Reads one sheet back and compares it with its record; `on_rows` is told of rows read back
/// (header row included) as they are passed, all of them by the end.
fn check_sheet<RS: std::io::Read + std::io::Seek>(
    xl: &mut Xlsx<RS>,
    rec: &SheetRecord,
    shown: &Path,
    on_rows: &mut dyn FnMut(u64),
) -> Result<(), ExportError> {
    let read_err = |source| read_back(shown, source);
    let mismatch = |sheet: &str, detail: String| mismatch(shown, sheet, detail);
    let rows = u64::from(rec.rows) + 1;
    let mut reported = 0u64;
    let mut reader = xl.worksheet_cells_reader(&rec.name).map_err(read_err)?;
    let mut hasher = CellHasher::default();
    let mut last_row = 0u32;
    let mut wanted: HashMap<(u32, u16), &str> = rec
        .samples
        .iter()
        .map(|(r, c, t)| ((*r, *c), t.as_str()))
        .collect();
    while let Some(cell) = reader.next_cell().map_err(read_err)? {
        let Some(text) = canonical(cell.get_value()) else {
            continue;
        };
        let (r, c) = cell.get_position();
        let through = (u64::from(r) + 1).min(rows);
        if through > reported {
            on_rows(through - reported);
            reported = through;
        }
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        last_row = last_row.max(r);
        if !rec.stamps.contains(&(r, c)) {
            hasher.add(r, c, &text);
        }
        if let Some(expected) = wanted.remove(&(r, c))
            && expected != text.as_ref()
        {
            return Err(mismatch(
                &rec.name,
                format!(
                    "cell {} reads {text:?}, {expected:?} was written",
                    cell_ref(r, c)
                ),
            ));
        }
    }
    if last_row != rec.rows {
        return Err(mismatch(
            &rec.name,
            format!("{last_row} data rows read back, {} written", rec.rows),
        ));
    }
    if let Some(((r, c), expected)) = wanted.into_iter().min() {
        return Err(mismatch(
            &rec.name,
            format!("cell {} is empty, {expected:?} was written", cell_ref(r, c)),
        ));
    }
    let hash = hasher.finish();
    if hash != rec.sha256 {
        return Err(mismatch(
            &rec.name,
            "its cells read back differ from those written (hash mismatch)".to_string(),
        ));
    }
    if reported < rows {
        on_rows(rows - reported);
    }
    Ok(())
}

/// The canonical text of a cell as read (see [`super::xlsx`]); `None` for an empty cell.
pub fn canonical<'v>(value: &'v DataRef<'_>) -> Option<Cow<'v, str>> {
    let text: Cow<'v, str> = match value {
        DataRef::Empty => return None,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cow::Borrowed(s.as_str())
        }
        DataRef::SharedString(s) => Cow::Borrowed(*s),
        DataRef::Int(i) => Cow::Owned(number_text(*i as f64)),
        DataRef::Float(f) => Cow::Owned(number_text(*f)),
        DataRef::DateTime(d) => Cow::Owned(number_text(d.as_f64())),
        DataRef::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        DataRef::Error(e) => Cow::Owned(e.to_string()),
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::plan::ExportData;
    use crate::export::sheets::Context;
    use crate::export::{ExportOptions, write_workbook};
    use crate::progress::{NoProgress, Recorder, Stage};

    fn written(dir: &Path) -> Result<(std::path::PathBuf, Vec<SheetRecord>), ExportError> {
        let opts = ExportOptions {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
            app_version: "test",
        };
        let data = ExportData::template(2, opts.as_of);
        let ctx = Context::new(&data, &opts);
        let path = dir.join("t.xlsx");
        let (records, _, _) = write_workbook(&ctx, &path, dir, &mut NoProgress)?;
        Ok((path, records))
    }

    #[test]
    fn a_faithful_file_passes_and_every_kind_of_difference_is_caught()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let (path, records) = written(dir.path())?;
        check(&path, &path, &records, &mut NoProgress)?;

        let sheet_of = |e: ExportError| match e {
            ExportError::Verify { sheet, detail, .. } => format!("{sheet}: {detail}"),
            other => format!("unexpected: {other}"),
        };
        let inv = records
            .iter()
            .position(|r| r.name == "1 Inventory")
            .ok_or("no inventory record")?;

        let mut fewer = records.clone();
        fewer[inv].rows += 1;
        let e = check(&path, &path, &fewer, &mut NoProgress)
            .err()
            .ok_or("rows not checked")?;
        assert!(sheet_of(e).starts_with("1 Inventory: 2 data rows"));

        let mut sample = records.clone();
        sample[inv].samples[0].2 = "Something else".into();
        let e = check(&path, &path, &sample, &mut NoProgress)
            .err()
            .ok_or("samples not checked")?;
        assert!(sheet_of(e).contains("cell A1 reads \"Device ID\""));

        let mut hash = records.clone();
        hash[inv].sha256 = "0".repeat(64);
        let e = check(&path, &path, &hash, &mut NoProgress)
            .err()
            .ok_or("hash not checked")?;
        assert!(sheet_of(e).contains("hash mismatch"));
        Ok(())
    }

    #[test]
    fn the_second_writing_thread_takes_control_sheets_and_about_half_the_rows() {
        let opts = ExportOptions {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
            app_version: "test",
        };
        let data = ExportData::template(300, opts.as_of);
        let ctx = Context::new(&data, &opts);
        let picked = crate::export::second_thread_sheets(&ctx);
        let rows = |i: usize| match SHEETS[i].1 {
            crate::export::layout::SheetKind::Controls(n) => {
                let step = data.catalog.steps.iter().position(|s| s.number == n);
                step.map_or(0, |s| ctx.step_rows[s])
            }
            _ => 0,
        };
        assert!(!picked.is_empty());
        assert!(
            picked
                .iter()
                .all(|&i| matches!(SHEETS[i].1, crate::export::layout::SheetKind::Controls(_))),
            "{picked:?}"
        );
        let second: usize = picked.iter().map(|&i| rows(i)).sum();
        let first = data.devices.len()
            + ctx.findings.len()
            + (0..SHEETS.len())
                .filter(|i| !picked.contains(i))
                .map(rows)
                .sum::<usize>();
        let largest = (0..SHEETS.len()).map(rows).max().unwrap_or(0);
        assert!(second.abs_diff(first) <= largest, "{first} / {second}");
    }

    #[test]
    fn progress_counts_rows_written_then_read_back() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("t.xlsx");
        let opts = ExportOptions {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
            app_version: "test",
        };
        let mut recorder = Recorder::default();
        let summary = crate::export::export_template_with_progress(&out, 30, &opts, &mut recorder)?;
        assert_eq!(
            recorder.stages,
            [Stage::Writing, Stage::Saving, Stage::Checking]
        );
        // Every sheet's rows, header row included, as the summary counts them.
        let rows = |keep: &dyn Fn(&str) -> bool| -> u64 {
            summary
                .sheets
                .iter()
                .filter(|(name, _)| keep(name))
                .map(|(_, n)| *n as u64 + 1)
                .sum()
        };
        let grows = |name: &str| {
            SHEETS
                .iter()
                .any(|(n, k)| *n == name && crate::export::counts_rows(*k))
        };
        assert_eq!(
            recorder.check()?,
            [
                (Stage::Writing, rows(&grows)),
                (Stage::Checking, rows(&|_| true))
            ]
        );
        // The rows are written on two threads; the count they reach together is exact: the
        // last update of the stage says every row, and none says more.
        let writing: Vec<u64> = recorder
            .updates
            .iter()
            .filter(|(s, _, _)| *s == Some(Stage::Writing))
            .map(|(_, done, _)| *done)
            .collect();
        assert_eq!(writing.last().copied(), Some(rows(&grows)));
        Ok(())
    }
}
