//! Dumps every sheet of an `.xlsx` file as JSON lines, so a peer (`benches/peers/openpyxl_write.py`)
//! can write exactly the sheets and cells that `medsec export xlsx` wrote:
//! `cargo run --release --example xlsx_cells -- IN.xlsx OUT.jsonl` (`-` as OUT writes to stdout).
//!
//! The output, one JSON object per line, in workbook order:
//! - a sheet line `{"sheet": NAME, "visibility": "visible" | "hidden" | "very_hidden"}`;
//! - then one line per row holding at least one cell with a value or a formula, in row order:
//!   `{"row": N, "cells": [...]}` with `N` the 1-based row number and the cells from column A
//!   on (trailing empty cells left out). A cell is `null` (empty), a JSON string (text), a JSON
//!   number (integral values as integers), `true`/`false`, `{"date": "YYYY-MM-DD"}`,
//!   `{"datetime": "YYYY-MM-DDTHH:MM:SS[.mmm]"}`, `{"duration_days": F}`,
//!   `{"error": "#N/A"}` or `{"formula": "=TEXT", "value": CELL}` where `value` is the result
//!   cached in the file (one of the other forms).
//!
//! Text that merely looks like a formula (`=1+1` written as text, as medsec writes user text
//! starting with `=`) stays a JSON string; only a cell with an `<f>` element is a formula.
//!
//! This is a benchmark helper for files medsec wrote, read with calamine's streaming cell reader;
//! it does not apply medsec's input limits for hostile spreadsheets (`medsec import workbook`
//! does). Exit codes: 0 done, 2 usage, 4 the input is not a readable xlsx, 1 the output could not
//! be written.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};
use serde_json::{Value, json};

/// What went wrong, naming the file and, where there is one, the sheet.
#[derive(Debug, thiserror::Error)]
enum DumpError {
    /// The input could not be opened or is not an xlsx workbook.
    #[error("{path}: not a readable xlsx workbook: {source}")]
    Open {
        path: PathBuf,
        source: calamine::XlsxError,
    },
    /// A sheet of the input could not be read.
    #[error("{path}: sheet \"{sheet}\": {source}")]
    Sheet {
        path: PathBuf,
        sheet: String,
        source: calamine::XlsxError,
    },
    /// The input holds a sheet without cells (a chart sheet or a dialog sheet): a peer could not
    /// write "the same sheet".
    #[error(
        "{path}: sheet \"{sheet}\" is a {kind}, not a worksheet; only worksheets can be dumped"
    )]
    NotAWorksheet {
        path: PathBuf,
        sheet: String,
        kind: String,
    },
    /// The output could not be written.
    #[error("{path}: cannot write: {source}")]
    Write { path: PathBuf, source: io::Error },
}

impl DumpError {
    /// The exit code of PRODUCT.md "Exit codes": 4 for a bad input file, 1 for the output.
    fn exit_code(&self) -> u8 {
        match self {
            DumpError::Write { .. } => 1,
            _ => 4,
        }
    }
}

/// What a dump wrote: sheets, row lines and non-empty cells (formula cells included).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    sheets: usize,
    rows: usize,
    cells: usize,
}

impl Counts {
    /// Counts a row line of `cells` cells (none: no line was written).
    fn add_row(&mut self, cells: usize) {
        if cells > 0 {
            self.rows += 1;
            self.cells += cells;
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(out), None) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: xlsx_cells IN.xlsx OUT.jsonl   (OUT `-` writes to stdout)");
        return ExitCode::from(2);
    };
    let input = Path::new(input);
    let result = if out == "-" {
        let stdout = io::stdout();
        let mut w = BufWriter::new(stdout.lock());
        dump_file(input, &mut w, Path::new("<stdout>"))
    } else {
        let out_path = Path::new(out);
        File::create(out_path)
            .map_err(|source| DumpError::Write {
                path: out_path.to_path_buf(),
                source,
            })
            .and_then(|f| dump_file(input, &mut BufWriter::new(f), out_path))
    };
    match result {
        Ok(c) => {
            eprintln!(
                "xlsx_cells: {}: {} sheets, {} rows, {} cells -> {out}",
                input.display(),
                c.sheets,
                c.rows,
                c.cells
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xlsx_cells: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Opens `input` and dumps it to `out` (named `out_path` in errors), flushing at the end.
fn dump_file(input: &Path, out: &mut dyn Write, out_path: &Path) -> Result<Counts, DumpError> {
    let open_err = |source| DumpError::Open {
        path: input.to_path_buf(),
        source,
    };
    let file = File::open(input).map_err(|e| open_err(calamine::XlsxError::Io(e)))?;
    let mut workbook: Xlsx<_> = Xlsx::new(BufReader::new(file)).map_err(open_err)?;
    let counts = dump(&mut workbook, input, out, out_path)?;
    out.flush().map_err(|source| DumpError::Write {
        path: out_path.to_path_buf(),
        source,
    })?;
    Ok(counts)
}

/// Writes the JSON lines of every sheet of `workbook` (read from `input`) to `out`.
fn dump<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
    input: &Path,
    out: &mut dyn Write,
    out_path: &Path,
) -> Result<Counts, DumpError> {
    let write_err = |source| DumpError::Write {
        path: out_path.to_path_buf(),
        source,
    };
    let mut counts = Counts::default();
    for sheet in workbook.sheets_metadata().to_vec() {
        let name = sheet.name;
        if sheet.typ != SheetType::WorkSheet {
            return Err(DumpError::NotAWorksheet {
                path: input.to_path_buf(),
                sheet: name,
                kind: format!("{:?}", sheet.typ),
            });
        }
        let visibility = match sheet.visible {
            SheetVisible::Visible => "visible",
            SheetVisible::Hidden => "hidden",
            SheetVisible::VeryHidden => "very_hidden",
        };
        write_line(out, &json!({"sheet": name, "visibility": visibility})).map_err(write_err)?;
        counts.sheets += 1;
        let sheet_err = |source| DumpError::Sheet {
            path: input.to_path_buf(),
            sheet: name.clone(),
            source,
        };
        let mut cells = workbook.worksheet_cells_reader(&name).map_err(sheet_err)?;
        // The cells of the row being read: (0-based column, cell), in column order.
        let mut row: Vec<(u32, Value)> = Vec::new();
        let mut row_index = 0u32;
        while let Some(cell) = cells.next_cell_with_formula().map_err(sheet_err)? {
            let (r, c) = cell.pos;
            if r != row_index {
                counts.add_row(flush_row(out, row_index, &mut row).map_err(write_err)?);
                row_index = r;
            }
            let value = match cell.formula {
                Some(f) => json!({"formula": format!("={f}"), "value": cell_value(&cell.value)}),
                None if matches!(cell.value, DataRef::Empty) => continue,
                None => cell_value(&cell.value),
            };
            row.push((c, value));
        }
        counts.add_row(flush_row(out, row_index, &mut row).map_err(write_err)?);
    }
    Ok(counts)
}

/// Writes the row at 0-based `row_index` as one line when it holds a cell, and empties `row`.
/// Returns how many cells it wrote.
fn flush_row(
    out: &mut dyn Write,
    row_index: u32,
    row: &mut Vec<(u32, Value)>,
) -> io::Result<usize> {
    // Cells come in column order in files medsec (or Excel) wrote; the widest is taken anyway.
    let Some(last_col) = row.iter().map(|&(c, _)| c).max() else {
        return Ok(0);
    };
    let mut cells = vec![Value::Null; last_col as usize + 1];
    let n = row.len();
    for (c, v) in row.drain(..) {
        if let Some(slot) = cells.get_mut(c as usize) {
            *slot = v;
        }
    }
    write_line(
        out,
        &json!({"row": u64::from(row_index) + 1, "cells": cells}),
    )?;
    Ok(n)
}

fn write_line(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    out.write_all(b"\n")
}

/// A cached or literal value as JSON (see the module documentation for the forms).
fn cell_value(value: &DataRef<'_>) -> Value {
    match value {
        DataRef::Empty => Value::Null,
        DataRef::String(s) => Value::String(s.clone()),
        DataRef::SharedString(s) => Value::String((*s).to_string()),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::Int(i) => json!(i),
        DataRef::Float(f) => number(*f),
        DataRef::DateTime(d) if d.is_duration() => json!({"duration_days": d.as_f64()}),
        DataRef::DateTime(d) => {
            let (y, mo, day, h, mi, s, ms) = d.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                json!({"date": format!("{y:04}-{mo:02}-{day:02}")})
            } else if ms == 0 {
                json!({"datetime": format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}")})
            } else {
                json!({"datetime": format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}.{ms:03}")})
            }
        }
        // Only ods stores these; kept as the text the file holds.
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::String(s.clone()),
        DataRef::Error(e) => json!({"error": e.to_string()}),
    }
}

/// An xlsx number: integral values within f64's exact range as JSON integers, others as floats.
fn number(f: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if f.fract() == 0.0 && f.abs() < EXACT {
        // Exact: |f| < 2^53 and integral.
        json!(f as i64)
    } else {
        json!(f)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

    /// A workbook of every cell kind medsec writes, with gaps, then a very hidden sheet.
    fn sample(path: &Path) {
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let ws = wb.add_worksheet().set_name("Data").unwrap();
        ws.write_string(0, 0, "Device ID").unwrap();
        ws.write_string(0, 2, "=1+1").unwrap(); // text, not a formula
        ws.write_number(1, 0, 42.0).unwrap();
        ws.write_number(1, 1, 2.5).unwrap();
        ws.write_boolean(1, 2, true).unwrap();
        let day = ExcelDateTime::from_ymd(2026, 3, 31).unwrap();
        ws.write_datetime_with_format(1, 3, &day, &date).unwrap();
        let stamp = ExcelDateTime::from_ymd(2026, 3, 31)
            .unwrap()
            .and_hms(14, 5, 9)
            .unwrap();
        let stamp_fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        ws.write_datetime_with_format(1, 4, &stamp, &stamp_fmt)
            .unwrap();
        // Row 3 is empty; row 4 has formulas with and without a cached result.
        ws.write_formula(3, 1, Formula::new("=A2*2").set_result("84"))
            .unwrap();
        ws.write_formula(
            3,
            3,
            Formula::new("=IF(A2=\"\",\"\",\"x\")").set_result("x"),
        )
        .unwrap();
        // A styled blank cell is not a value.
        ws.write_blank(4, 0, &date).unwrap();
        let meta = wb.add_worksheet().set_name("_medsec").unwrap();
        meta.write_string(0, 0, "format_version").unwrap();
        meta.write_number(0, 1, 1.0).unwrap();
        meta.set_very_hidden(true);
        wb.save(path).unwrap();
    }

    fn lines(bytes: &[u8]) -> Vec<Value> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn dumps_every_cell_kind_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.xlsx");
        sample(&path);
        let mut out = Vec::new();
        let counts = dump_file(&path, &mut out, Path::new("mem")).unwrap();
        let got = lines(&out);
        let want = vec![
            json!({"sheet": "Data", "visibility": "visible"}),
            json!({"row": 1, "cells": ["Device ID", null, "=1+1"]}),
            json!({"row": 2, "cells": [42, 2.5, true, {"date": "2026-03-31"},
                {"datetime": "2026-03-31T14:05:09"}]}),
            json!({"row": 4, "cells": [null, {"formula": "=A2*2", "value": 84},
                null, {"formula": "=IF(A2=\"\",\"\",\"x\")", "value": "x"}]}),
            json!({"sheet": "_medsec", "visibility": "very_hidden"}),
            json!({"row": 1, "cells": ["format_version", 1]}),
        ];
        assert_eq!(got, want);
        assert_eq!(
            counts,
            Counts {
                sheets: 2,
                rows: 4,
                cells: 11
            }
        );
    }

    #[test]
    fn a_file_that_is_not_xlsx_is_an_input_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inventory.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let err = dump_file(&path, &mut Vec::new(), Path::new("mem")).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.to_string().contains("inventory.csv"), "{err}");
        let missing = dir.path().join("missing.xlsx");
        let err = dump_file(&missing, &mut Vec::new(), Path::new("mem")).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.to_string().contains("missing.xlsx"), "{err}");
    }

    /// Canonical text of a dumped cell, comparable with [`lib_canonical`]; `None` when empty.
    fn dumped_canonical(v: &Value) -> Option<String> {
        match v {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(format!("text:{s}")),
            Value::Number(n) => Some(format!("number:{}", n.as_f64().unwrap())),
            Value::Bool(b) => Some(format!("bool:{b}")),
            Value::Object(o) => {
                if let Some(f) = o.get("formula") {
                    assert!(f.as_str().unwrap().starts_with('='));
                    dumped_canonical(&o["value"])
                } else if let Some(d) = o.get("date") {
                    Some(format!("date:{}T00:00:00", d.as_str().unwrap()))
                } else if let Some(d) = o.get("datetime") {
                    // medsec's reader rounds to the second; medsec writes whole seconds.
                    Some(format!("date:{}", &d.as_str().unwrap()[..19]))
                } else if let Some(e) = o.get("error") {
                    Some(format!("error:{}", e.as_str().unwrap()))
                } else {
                    panic!("unexpected cell {o:?}")
                }
            }
            Value::Array(_) => panic!("unexpected cell {v:?}"),
        }
    }

    fn lib_canonical(v: &medsec::import::sheet::CellValue) -> Option<String> {
        use medsec::import::sheet::CellValue;
        match v {
            CellValue::Empty => None,
            CellValue::Text(s) => Some(format!("text:{s}")),
            CellValue::Int(i) => Some(format!("number:{}", *i as f64)),
            CellValue::Float(f) => Some(format!("number:{f}")),
            CellValue::Bool(b) => Some(format!("bool:{b}")),
            CellValue::Date(d) => Some(format!("date:{}", d.format("%Y-%m-%dT%H:%M:%S"))),
            CellValue::Error(e) => Some(format!("error:{e}")),
        }
    }

    /// A real `export xlsx` of a small demo workbook, dumped, holds every sheet and cell that
    /// medsec's own workbook reader finds in that file, formulas with their cached results.
    #[test]
    fn a_medsec_export_dumps_every_sheet_and_cell_medsec_reads_back() {
        use medsec::demo::{DemoOptions, meta, populate};
        use medsec::export::{ExportOptions, export_xlsx};
        use medsec::import::sheet::{Limits, SheetVisibility, read_sheets};
        use medsec::progress::NoProgress;
        use medsec::workbook::{Passphrase, Workbook};
        use std::collections::BTreeMap;

        let dir = tempfile::tempdir().unwrap();
        let opts = DemoOptions {
            devices: 3,
            answered: 1.0,
            ..DemoOptions::default()
        };
        let pass = Passphrase::new("correct horse battery staple".into());
        let mut wb =
            Workbook::create(&dir.path().join("demo.medsec"), &pass, meta(opts.today)).unwrap();
        populate(&mut wb, &opts).unwrap();
        let xlsx = dir.path().join("export.xlsx");
        let export_opts = ExportOptions {
            as_of: opts.today,
            app_version: "test",
        };
        let summary = export_xlsx(&wb, &xlsx, &export_opts).unwrap();

        let mut out = Vec::new();
        let counts = dump_file(&xlsx, &mut out, Path::new("mem")).unwrap();
        assert_eq!(counts.sheets, summary.sheets.len());
        // sheet name -> (visibility, (row, 0-based column) -> canonical value)
        type Cells = BTreeMap<(u64, usize), String>;
        let mut dumped: Vec<(String, String, Cells)> = Vec::new();
        let (mut formulas, mut dates) = (0, 0);
        for line in lines(&out) {
            if let Some(name) = line.get("sheet") {
                let vis = line["visibility"].as_str().unwrap().to_string();
                dumped.push((name.as_str().unwrap().to_string(), vis, Cells::new()));
                continue;
            }
            let row = line["row"].as_u64().unwrap();
            for (col, cell) in line["cells"].as_array().unwrap().iter().enumerate() {
                formulas += usize::from(cell.get("formula").is_some());
                dates += usize::from(cell.get("date").is_some());
                if let Some(text) = dumped_canonical(cell) {
                    dumped.last_mut().unwrap().2.insert((row, col), text);
                }
            }
        }
        assert!(
            formulas > 0 && dates > 0,
            "{formulas} formulas, {dates} dates"
        );

        let mut read: Vec<(String, String, Cells)> = Vec::new();
        read_sheets(
            &xlsx,
            &Limits::default(),
            &[],
            &mut NoProgress,
            &mut |sheet| {
                let vis = match sheet.visibility {
                    SheetVisibility::Visible => "visible",
                    SheetVisibility::Hidden => "hidden",
                    SheetVisibility::VeryHidden => "very_hidden",
                };
                let mut cells = Cells::new();
                for row in &sheet.rows {
                    for cell in &row.cells {
                        if let Some(text) = lib_canonical(&cell.value) {
                            cells.insert((row.number as u64, cell.col), text);
                        }
                    }
                }
                read.push((sheet.name, vis.to_string(), cells));
            },
        )
        .unwrap();
        let names = |v: &[(String, String, Cells)]| -> Vec<(String, String)> {
            v.iter().map(|(n, s, _)| (n.clone(), s.clone())).collect()
        };
        assert_eq!(names(&dumped), names(&read));
        assert_eq!(dumped.last().unwrap().1, "very_hidden");
        for ((name, _, ours), (_, _, theirs)) in dumped.iter().zip(&read) {
            assert!(
                ours == theirs,
                "sheet {name}: the dump and medsec's reader differ"
            );
        }
    }

    #[test]
    fn numbers_keep_their_value() {
        assert_eq!(number(3.0), json!(3));
        assert_eq!(number(-0.0), json!(0));
        assert_eq!(number(0.1), json!(0.1));
        assert_eq!(number(1e300), json!(1e300));
        assert_eq!(
            number(9_007_199_254_740_993.0),
            json!(9_007_199_254_740_992.0_f64)
        );
    }
}
