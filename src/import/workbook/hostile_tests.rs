//! Hostile and unusual template copies, made here with rust_xlsxwriter (and by rewriting their
//! XML where a spreadsheet program would write what rust_xlsxwriter does not): formulas,
//! over-long and control-character text, wrong types, merged cells, damaged or foreign files,
//! missing and duplicated columns, cut-off copies, the 1904 date system.

use std::path::Path;

use chrono::NaiveDate;

use super::checks::{self, SeenSheet};
use super::meta::Meta;
use super::read_from_bytes;
use crate::export::layout::{CONTROL_COLUMNS, REGISTER_COLUMNS, SheetKind, ctl, reg};
use crate::import::changeset::{Changeset, Origin, SourceKind};
use crate::import::sheet::fixtures::{ods_bytes, rewrite_zip, write_temp};
use crate::import::sheet::{
    Limits, SheetError, SheetVisibility, TableFormat, read_sheets_from_bytes,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Bytes = Result<Vec<u8>, Box<dyn std::error::Error>>;

/// A cell to write.
#[derive(Clone)]
enum C {
    S(String),
    N(f64),
    B(bool),
    D(NaiveDate),
}

fn s(text: &str) -> C {
    C::S(text.to_string())
}

/// One sheet to write: rows of (0-based column, cell), row 0 first; merged ranges (0-based
/// first row, first column, last row, last column, text).
#[derive(Default)]
struct Sheet {
    name: String,
    rows: Vec<Vec<(u16, C)>>,
    merges: Vec<(u32, u16, u32, u16, String)>,
    very_hidden: bool,
}

fn sheet(name: &str, rows: Vec<Vec<(u16, C)>>) -> Sheet {
    Sheet {
        name: name.to_string(),
        rows,
        ..Sheet::default()
    }
}

fn header(headers: impl IntoIterator<Item = String>) -> Vec<(u16, C)> {
    headers
        .into_iter()
        .enumerate()
        .map(|(i, h)| (u16::try_from(i).unwrap_or(u16::MAX), C::S(h)))
        .collect()
}

fn control_header() -> Vec<(u16, C)> {
    header(CONTROL_COLUMNS.iter().map(|c| c.header.to_string()))
}

/// A control-sheet row of `device` and `control` with more cells.
fn control_row(device: &str, control: &str, more: &[(u16, C)]) -> Vec<(u16, C)> {
    let mut row = vec![(ctl::DEVICE_ID, s(device)), (ctl::CONTROL_ID, s(control))];
    row.extend(more.iter().cloned());
    row
}

/// `_medsec` with the given key/value rows, very hidden.
fn meta_sheet(pairs: &[(&str, C)]) -> Sheet {
    let mut rows = vec![vec![(0, s("key")), (1, s("value"))]];
    rows.extend(pairs.iter().map(|(k, v)| vec![(0, s(k)), (1, v.clone())]));
    Sheet {
        very_hidden: true,
        ..sheet("_medsec", rows)
    }
}

fn xlsx(sheets: &[Sheet]) -> Bytes {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for sh in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sh.name)?;
        if sh.very_hidden {
            ws.set_very_hidden(true);
        }
        for (r, cells) in sh.rows.iter().enumerate() {
            let r = u32::try_from(r)?;
            for (c, value) in cells {
                match value {
                    C::S(t) => ws.write_string(r, *c, t)?,
                    C::N(n) => ws.write_number(r, *c, *n)?,
                    C::B(b) => ws.write_boolean(r, *c, *b)?,
                    C::D(d) => {
                        use chrono::Datelike;
                        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(
                            u16::try_from(d.year())?,
                            u8::try_from(d.month())?,
                            u8::try_from(d.day())?,
                        )?;
                        ws.write_date_with_format(r, *c, &day, &date)?
                    }
                };
            }
        }
        for (r0, c0, r1, c1, text) in &sh.merges {
            ws.merge_range(*r0, *c0, *r1, *c1, text, &rust_xlsxwriter::Format::new())?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// Replaces whole `<c r="REF" …>…</c>` elements of the first worksheet with raw XML, as a
/// spreadsheet program may write them (formulas without or with cached values, error values).
fn patch_cells(bytes: &[u8], sheet_xml: &str, cells: &[(&str, &str)]) -> Bytes {
    let cells: Vec<(regex::Regex, String)> = cells
        .iter()
        .map(|(r, xml)| {
            let re = regex::Regex::new(&format!(r#"<c r="{r}"[^>]*?(/>|>.*?</c>)"#))?;
            Ok((re, (*xml).to_string()))
        })
        .collect::<Result<_, regex::Error>>()?;
    rewrite_zip(
        bytes,
        |name, data| {
            if name != sheet_xml {
                return Some(data);
            }
            let mut xml = String::from_utf8_lossy(&data).into_owned();
            for (re, raw) in &cells {
                xml = re.replace(&xml, raw.as_str()).into_owned();
            }
            Some(xml.into_bytes())
        },
        &[],
    )
}

fn read(bytes: &[u8]) -> Result<Changeset, SheetError> {
    read_from_bytes(bytes, Path::new("copy.xlsx"), &Limits::default())
}

fn problems(cs: &Changeset) -> Vec<String> {
    cs.problems
        .iter()
        .map(|p| format!("{}: {}", p.origin, p.reason))
        .collect()
}

fn ignored(cs: &Changeset) -> Vec<String> {
    cs.ignored
        .iter()
        .map(|p| format!("{}: {}", p.origin, p.reason))
        .collect()
}

#[test]
fn formulas_are_never_evaluated_and_a_missing_cached_value_is_a_problem() -> TestResult {
    let rows = vec![
        control_header(),
        control_row(
            "DEV-0001",
            "ENC-01",
            &[
                (ctl::RESPONSE, s("placeholder")),
                (ctl::NOTE, s("placeholder")),
                (ctl::SCORE, s("placeholder")),
            ],
        ),
        control_row("DEV-0001", "ENC-03", &[(ctl::OBSERVED, s("placeholder"))]),
    ];
    let bytes = xlsx(&[sheet("3 Encryption", rows)])?;
    let bytes = patch_cells(
        &bytes,
        "xl/worksheets/sheet1.xml",
        &[
            // As openpyxl writes a formula: no cached value.
            ("H2", r#"<c r="H2"><f>1+1</f><v/></c>"#),
            // A link with its cached text: read as the text, never followed.
            (
                "K2",
                r#"<c r="K2" t="str"><f>HYPERLINK("http://example.invalid/x","click")</f><v>click</v></c>"#,
            ),
            // A derived column without a cached value: nothing to apply, no problem.
            ("S2", r#"<c r="S2"><f>Q2*R2</f></c>"#),
            // A DDE formula whose cached value is an error.
            (
                "J3",
                r#"<c r="J3" t="e"><f>cmd|' /C calc'!A0</f><v>#REF!</v></c>"#,
            ),
        ],
    )?;
    let cs = read(&bytes)?;
    assert_eq!(
        problems(&cs),
        [
            "'3 Encryption'!H2: a formula without a cached value (formulas are never evaluated); type the value instead",
            "'3 Encryption'!J3: the error value #REF!; type the value instead of a formula that fails",
        ]
    );
    let first = cs.answers.first().ok_or("row 2")?;
    assert_eq!(first.response, None);
    assert_eq!(first.note.as_ref().map(|v| v.text.as_str()), Some("click"));
    let score = first
        .derived
        .iter()
        .find(|(h, _)| h == "Risk Score")
        .ok_or("score")?;
    assert_eq!(score.1.text, "");
    let second = cs.answers.get(1).ok_or("row 3")?;
    assert_eq!(second.observed, None);
    Ok(())
}

#[test]
fn text_over_32767_characters_is_refused_naming_the_cell() -> TestResult {
    // Excel and rust_xlsxwriter refuse such a cell; another program may still write one.
    let rows = vec![
        control_header(),
        control_row("DEV-0001", "ENC-01", &[(ctl::NOTE, s("placeholder"))]),
    ];
    let long = format!(
        r#"<c r="K2" t="inlineStr"><is><t>{}</t></is></c>"#,
        "x".repeat(32_768)
    );
    let bytes = patch_cells(
        &xlsx(&[sheet("3 Encryption", rows)])?,
        "xl/worksheets/sheet1.xml",
        &[("K2", &long)],
    )?;
    let err = read(&bytes).err().ok_or("expected an error")?;
    assert!(
        matches!(err, SheetError::TextTooLong { chars: 32_768, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("sheet \"3 Encryption\" cell K2 holds 32768 characters"),
        "{err}"
    );
    Ok(())
}

#[test]
fn control_characters_and_wrong_types_are_read_as_they_are() -> TestResult {
    let day = NaiveDate::from_ymd_opt(2026, 3, 1).ok_or("date")?;
    let rows = vec![
        control_header(),
        control_row(
            "DEV-0001",
            "ENC-01",
            &[
                (ctl::RESPONSE, C::B(true)),
                (ctl::NOTE, s("bell\u{7} and escape\u{1b} kept")),
                (ctl::LIKELIHOOD, s("high")),
                (ctl::IMPACT, C::N(4.0)),
                (ctl::DEFERRED_UNTIL, C::D(day)),
                (ctl::DEFERRAL_REASON, C::N(2.5)),
            ],
        ),
    ];
    let cs = read(&xlsx(&[sheet("3 Encryption", rows)])?)?;
    assert!(cs.problems.is_empty(), "{:?}", cs.problems);
    let a = cs.answers.first().ok_or("row")?;
    let t = |v: &Option<crate::import::changeset::Value>| v.as_ref().map(|v| v.text.clone());
    assert_eq!(t(&a.response).as_deref(), Some("Yes"));
    assert_eq!(
        t(&a.note).as_deref(),
        Some("bell\u{7} and escape\u{1b} kept")
    );
    assert_eq!(t(&a.likelihood).as_deref(), Some("high"));
    assert_eq!(t(&a.impact).as_deref(), Some("4"));
    assert_eq!(t(&a.deferred_until).as_deref(), Some("2026-03-01"));
    assert_eq!(t(&a.deferral_reason).as_deref(), Some("2.5"));
    // A copy without `_medsec` is unmarked: treated as a template by the planner.
    assert_eq!(cs.source.kind, SourceKind::Unmarked);
    assert!(cs.checks.is_empty());
    Ok(())
}

#[test]
fn merged_cells_never_shift_or_clear_values_silently() -> TestResult {
    let rows = vec![
        control_header(),
        control_row("DEV-0001", "ENC-01", &[]),
        control_row("DEV-0001", "ENC-03", &[]),
        control_row("DEV-0001", "ENC-05", &[(ctl::NOTE, s("a note"))]),
    ];
    let merged = Sheet {
        // Response H2:H3 holds "Yes" for both rows to the eye; Note K4:L4 spans into the
        // Evidence Reference column.
        merges: vec![
            (1, ctl::RESPONSE, 2, ctl::RESPONSE, "Yes".into()),
            (3, ctl::NOTE, 3, ctl::EVIDENCE_REF, "a note".into()),
        ],
        ..sheet("3 Encryption", rows)
    };
    let bytes = xlsx(&[merged])?;
    let cs = read(&bytes)?;
    assert_eq!(
        problems(&cs),
        [
            "'3 Encryption'!H3: part of merged cells H2:H3, whose value is in H2 only; unmerge them and give every row its own value",
            "'3 Encryption'!L4: part of merged cells K4:L4, whose value is in K4 only; unmerge them and give every row its own value",
        ]
    );
    let first = cs.answers.first().ok_or("row 2")?;
    assert_eq!(
        first.response.as_ref().map(|v| v.text.as_str()),
        Some("Yes")
    );
    assert_eq!(cs.answers.get(1).and_then(|a| a.response.as_ref()), None);

    // The sheet layer reports the ranges, and `_medsec`-style very hidden sheets.
    let bytes = xlsx(&[
        sheet("3 Encryption", vec![control_header()]),
        meta_sheet(&[("format_version", C::N(1.0))]),
    ])?;
    let mut seen = Vec::new();
    read_sheets_from_bytes(
        &bytes,
        Path::new("m.xlsx"),
        &Limits::default(),
        &[],
        &mut |s| {
            seen.push((s.name.clone(), s.visibility));
        },
    )?;
    assert_eq!(
        seen,
        [
            ("3 Encryption".to_string(), SheetVisibility::Visible),
            ("_medsec".to_string(), SheetVisibility::VeryHidden)
        ]
    );
    Ok(())
}

/// An ods cell: a string.
fn ods_cell(text: &str, attrs: &str) -> String {
    format!(
        r#"<table:table-cell {attrs} office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

#[test]
fn merged_cells_of_an_ods_copy_are_found_in_its_xml() -> TestResult {
    let head: String = CONTROL_COLUMNS
        .iter()
        .map(|c| ods_cell(&c.header, ""))
        .collect();
    // Rows 2 and 3: Device ID, three empty cells, Control ID, three empty, then Response
    // (H) spanning both rows in row 2 and covered in row 3.
    let row = |control: &str, response: &str| {
        format!(
            r#"<table:table-row>{}<table:table-cell table:number-columns-repeated="2"/>{}<table:table-cell table:number-columns-repeated="3"/>{response}</table:table-row>"#,
            ods_cell("DEV-0001", ""),
            ods_cell(control, ""),
        )
    };
    let body = format!(
        "<table:table-row>{head}</table:table-row>{}{}",
        row(
            "ENC-01",
            &ods_cell("Yes", r#"table:number-rows-spanned="2""#)
        ),
        row("ENC-03", "<table:covered-table-cell/>")
    );
    let bytes = ods_bytes("3 Encryption", &body)?;
    let cs = read_from_bytes(&bytes, Path::new("m.ods"), &Limits::default())?;
    assert_eq!(cs.answers.len(), 2);
    assert_eq!(
        problems(&cs),
        [
            "'3 Encryption'!H3: part of merged cells H2:H3, whose value is in H2 only; unmerge them and give every row its own value"
        ]
    );
    Ok(())
}

#[test]
fn files_that_are_no_spreadsheet_workbook_are_refused_clearly() -> TestResult {
    let read_path =
        |bytes: &[u8], suffix: &str| -> Result<SheetError, Box<dyn std::error::Error>> {
            let file = write_temp(bytes, suffix)?;
            super::read(
                file.path(),
                &Limits::default(),
                &mut crate::progress::NoProgress,
            )
            .err()
            .ok_or_else(|| "expected an error".into())
        };
    let png = read_path(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ".xlsx")?;
    assert!(
        matches!(&png, SheetError::NotAWorkbook { what, .. } if what == "a PNG image"),
        "{png:?}"
    );
    assert!(
        png.to_string()
            .contains("is a PNG image, not a spreadsheet workbook"),
        "{png}"
    );
    let text = read_path(b"Device ID,Response\nDEV-0001,Yes\n", ".xlsx")?;
    assert!(
        text.to_string()
            .contains("is plain or delimited text (CSV), not a spreadsheet workbook"),
        "{text}"
    );
    let empty = read_path(b"", ".xlsx")?;
    assert!(matches!(empty, SheetError::Empty { .. }), "{empty:?}");

    let good = xlsx(&[sheet("3 Encryption", vec![control_header()])])?;
    let cut = good.get(..good.len() / 2).ok_or("short")?;
    let truncated = read_path(cut, ".xlsx")?;
    assert!(
        matches!(truncated, SheetError::Damaged { .. }),
        "{truncated:?}"
    );
    assert!(
        truncated.to_string().contains("truncated or damaged"),
        "{truncated}"
    );

    // A zip bomb: a member that expands far beyond the ratio limit.
    let zeros = vec![0u8; 20 * 1024 * 1024];
    let bomb = rewrite_zip(&good, |_, d| Some(d), &[("xl/media/image1.png", &zeros)])?;
    let refused = read_path(&bomb, ".xlsx")?;
    assert!(matches!(refused, SheetError::Refused { .. }), "{refused:?}");
    assert!(refused.to_string().contains("zip bomb"), "{refused}");
    Ok(())
}

#[test]
fn columns_are_matched_by_header_and_keys_are_required() -> TestResult {
    // Columns in another order, header case and spaces changed, a duplicate Note, an unknown
    // column, a column with values but no header, a row without its Device ID.
    let rows = vec![
        vec![
            (0, s("control id")),
            (1, s("  DEVICE ID ")),
            (2, s("Note")),
            (3, s("Response")),
            (4, s("Cost centre")),
            (5, s("note")),
        ],
        vec![
            (0, s("ENC-01")),
            (1, s("DEV-0001")),
            (2, s("first")),
            (3, s("No")),
            (4, s("CC-1")),
            (5, s("second")),
            (7, s("stray")),
        ],
        vec![(0, s("ENC-03")), (3, s("Yes"))],
    ];
    let cs = read(&xlsx(&[
        sheet("3 Encryption", rows),
        sheet("Scratch", vec![vec![(0, s("mine"))]]),
    ])?)?;
    assert_eq!(
        problems(&cs),
        [
            "'3 Encryption'!F1: a second \"Note\" column (the first is column C); delete one of them",
            "'3 Encryption'!B3: \"Device ID\" is blank but the row holds values; fill it in or clear the row",
        ]
    );
    assert_eq!(
        ignored(&cs),
        [
            "'3 Encryption'!E1: unknown column \"Cost centre\"",
            "'3 Encryption'!H1: column H holds values but has no header",
            "sheet 'Scratch': sheet not part of the template",
        ]
    );
    let a = cs.answers.first().ok_or("row 2")?;
    assert_eq!(cs.answers.len(), 1);
    assert_eq!(
        a.note.as_ref().map(|v| v.origin.to_string()),
        Some("'3 Encryption'!C2".into())
    );
    assert_eq!(a.response.as_ref().map(|v| v.text.as_str()), Some("No"));
    // Columns absent from the copy are `None` (kept), not cleared.
    assert_eq!(a.observed, None);
    assert_eq!(a.row_key, None);

    // Without a Control ID column no row of the sheet can be matched.
    let rows = vec![
        vec![(0, s("Device ID")), (1, s("Response"))],
        vec![(0, s("DEV-0001")), (1, s("Yes"))],
    ];
    let cs = read(&xlsx(&[sheet("3 Encryption", rows)])?)?;
    assert_eq!(
        problems(&cs),
        [
            "'3 Encryption' row 1: no \"Control ID\" column in the header row; the rows cannot be matched"
        ]
    );
    assert!(cs.answers.is_empty());
    Ok(())
}

#[test]
fn inventory_and_register_rows_are_read_by_header() -> TestResult {
    let inventory = vec![
        vec![
            (0, s("Device ID")),
            (1, s("Device Name / Description")),
            (2, s("Device UUID")),
            (3, s("extra: Cost centre")),
            (4, s("Building / Floor / Room")),
        ],
        vec![
            (0, s("DEV-0001")),
            (1, s("Pump")),
            (3, s("CC-9")),
            (4, s("B2")),
        ],
        vec![(4, s("B3"))],
    ];
    let mut register_row = vec![
        (reg::RISK_ID, s("R-0001")),
        (reg::DEVICE_ID, s("DEV-0001")),
        (reg::SOURCE, s("ENC-01")),
        (reg::OWNER, s("Biomed")),
        (reg::LEVEL, s("#N/A")),
    ];
    register_row.push((
        reg::DUE_DATE,
        C::D(NaiveDate::from_ymd_opt(2027, 1, 31).ok_or("d")?),
    ));
    let register = vec![
        header(REGISTER_COLUMNS.iter().map(|c| c.header.to_string())),
        register_row,
        vec![(reg::OWNER, s("Nobody"))],
    ];
    let cs = read(&xlsx(&[
        sheet("1 Inventory", inventory),
        sheet("Risk Register", register),
    ])?)?;
    assert_eq!(
        problems(&cs),
        [
            "'1 Inventory'!A3: the row holds values but nothing that identifies the device (Device ID, Device UUID, Asset Tag, Serial Number or Device Name / Description)",
            "'Risk Register'!A3: \"Risk ID\" is blank and so is \"Device ID\" or \"Source\", but the row holds values; the risk cannot be matched",
        ]
    );
    let d = cs.devices.first().ok_or("device")?;
    assert_eq!(
        d.device_id.as_ref().map(|v| v.text.as_str()),
        Some("DEV-0001")
    );
    assert_eq!(d.uuid.as_ref().map(|v| v.text.as_str()), Some(""));
    assert_eq!(
        d.extra
            .iter()
            .map(|(h, v)| (h.as_str(), v.text.as_str()))
            .collect::<Vec<_>>(),
        [("Cost centre", "CC-9")]
    );
    let keys: Vec<&str> = d.fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, ["name", "room"]);
    let r = cs.risks.first().ok_or("risk")?;
    assert_eq!(r.owner.as_ref().map(|v| v.text.as_str()), Some("Biomed"));
    assert_eq!(
        r.due_date.as_ref().map(|v| v.text.as_str()),
        Some("2027-01-31")
    );
    let level = r
        .derived
        .iter()
        .find(|(h, _)| h == "Inherent Level")
        .ok_or("level")?;
    assert_eq!(level.1.text, "#N/A");
    Ok(())
}

fn marked(extra: &[(&str, C)]) -> Sheet {
    let mut pairs = vec![
        ("format_version", C::N(1.0)),
        ("workbook_id", s("0b4e9f3e-4a63-4d83-a4c4-2d8e3a1f9c11")),
        ("catalog_version", s("2026.1")),
        ("exported_at", s("2026-11-29T10:00:00Z")),
        ("as_of", s("2026-11-29")),
    ];
    pairs.extend(extra.iter().cloned());
    meta_sheet(&pairs)
}

#[test]
fn a_copy_with_fewer_control_rows_than_exported_is_cut_off() -> TestResult {
    let mut rows = vec![control_header()];
    rows.extend((1..=4).map(|i| control_row("DEV-0001", &format!("ENC-0{i}"), &[])));
    let register = vec![
        header(REGISTER_COLUMNS.iter().map(|c| c.header.to_string())),
        vec![
            (reg::RISK_ID, s("R-0001")),
            (reg::DEVICE_ID, s("DEV-0001")),
            (reg::SOURCE, s("ENC-01")),
        ],
    ];
    let cs = read(&xlsx(&[
        sheet("3 Encryption", rows),
        sheet("Risk Register", register),
        marked(&[
            ("rows:3 Encryption", C::N(10.0)),
            ("rows:Risk Register", C::N(5.0)),
            ("rows:8 Cloud Security", C::N(3.0)),
        ]),
    ])?)?;
    assert_eq!(cs.source.kind, SourceKind::Export);
    assert_eq!(
        problems(&cs),
        [
            "sheet '3 Encryption': holds 4 data rows but 10 were exported: rows were deleted or the copy is incomplete; import a complete copy of the export"
        ]
    );
    // Deleted register rows are not a cut-off copy (an import never deletes risks); a deleted
    // sheet is listed.
    assert_eq!(
        ignored(&cs),
        ["sheet '8 Cloud Security': the sheet is missing from the file; nothing on it is applied"]
    );
    let found: Vec<(&str, u32, u32, Option<bool>)> = cs
        .checks
        .iter()
        .map(|c| (c.sheet.as_str(), c.exported_rows, c.found_rows, c.unchanged))
        .collect();
    assert_eq!(
        found,
        [
            ("3 Encryption", 10, 4, None),
            ("Risk Register", 5, 1, None),
            ("8 Cloud Security", 3, 0, Some(false))
        ]
    );
    Ok(())
}

#[test]
fn an_xls_cut_at_65536_rows_is_recognised() {
    let meta = Meta {
        rows: vec![
            ("1 Inventory".into(), 70_000, Origin::File),
            ("Risk Register".into(), 200, Origin::File),
        ],
        ..Meta::default()
    };
    let seen = [
        SeenSheet {
            name: "1 Inventory".into(),
            kind: Some(SheetKind::Inventory),
            last_row: 65_536,
            sha256: None,
        },
        SeenSheet {
            name: "Risk Register".into(),
            kind: Some(SheetKind::RiskRegister),
            last_row: 151,
            sha256: None,
        },
    ];
    let mut cs = empty();
    checks::check(&meta, &seen, TableFormat::Xls, &mut cs);
    assert_eq!(
        problems(&cs),
        [
            "sheet '1 Inventory': holds 65535 data rows but 70000 were exported: the copy was cut off at the 65536 rows a .xls sheet can hold; import the .xlsx export, or a copy saved as .xlsx or .ods"
        ]
    );
    // The same counts in an xlsx are not at its limit: an inventory with rows deleted.
    let mut cs = empty();
    checks::check(&meta, &seen, TableFormat::Xlsx, &mut cs);
    assert!(cs.problems.is_empty(), "{:?}", cs.problems);
    assert_eq!(cs.checks.first().map(|c| c.found_rows), Some(65_535));
}

fn empty() -> Changeset {
    Changeset {
        source: super::unmarked(),
        devices: Vec::new(),
        answers: Vec::new(),
        risks: Vec::new(),
        matrix: None,
        ignored: Vec::new(),
        problems: Vec::new(),
        checks: Vec::new(),
    }
}

#[test]
fn a_damaged_medsec_sheet_is_a_problem_and_an_empty_id_a_template() -> TestResult {
    let cs = read(&xlsx(&[meta_sheet(&[
        ("format_version", s("one")),
        ("workbook_id", s("  ")),
        ("as_of", s("31/11/2026")),
        ("rows:Lists", s("many")),
    ])])?)?;
    assert_eq!(cs.source.kind, SourceKind::Template);
    assert_eq!(cs.source.workbook_id, None);
    assert_eq!(
        problems(&cs),
        [
            "'_medsec'!B2: \"one\" is not a format version (a whole number); the sheet is damaged: use a fresh export",
            "'_medsec'!B4: \"31/11/2026\" is not a date (YYYY-MM-DD); the sheet is damaged: use a fresh export",
            "'_medsec'!B5: \"many\" is not a row count; the sheet is damaged: use a fresh export",
        ]
    );
    let cs = read(&xlsx(&[meta_sheet(&[("workbook_id", s("x"))])])?)?;
    assert_eq!(
        problems(&cs),
        ["sheet '_medsec': no format_version row; the sheet is damaged: use a fresh export"]
    );
    let cs = read(&xlsx(&[marked(&[])])?)?;
    assert!(cs.problems.is_empty());
    assert_eq!(cs.source.format_version, 1);
    assert_eq!(cs.source.as_of, NaiveDate::from_ymd_opt(2026, 11, 29));
    assert_eq!(
        cs.source.workbook_id.as_deref(),
        Some("0b4e9f3e-4a63-4d83-a4c4-2d8e3a1f9c11")
    );
    Ok(())
}

#[test]
fn dates_follow_the_workbooks_1904_system() -> TestResult {
    let register = vec![
        header(REGISTER_COLUMNS.iter().map(|c| c.header.to_string())),
        vec![
            (reg::RISK_ID, s("R-0001")),
            (reg::DEVICE_ID, s("DEV-0001")),
            (reg::SOURCE, s("ENC-01")),
            (
                reg::DUE_DATE,
                C::D(NaiveDate::from_ymd_opt(2009, 12, 10).ok_or("d")?),
            ),
        ],
    ];
    let bytes = xlsx(&[sheet("Risk Register", register)])?;
    let due = |bytes: &[u8]| -> Result<String, Box<dyn std::error::Error>> {
        let cs = read(bytes)?;
        Ok(cs
            .risks
            .first()
            .and_then(|r| r.due_date.as_ref())
            .map(|v| v.text.clone())
            .unwrap_or_default())
    };
    assert_eq!(due(&bytes)?, "2009-12-10");
    // The same serial number in a workbook set to the 1904 date system is 1,462 days later.
    let bytes1904 = rewrite_zip(
        &bytes,
        |name, data| {
            if name == "xl/workbook.xml" {
                let xml = String::from_utf8_lossy(&data)
                    .replace("<workbookPr", "<workbookPr date1904=\"1\"");
                Some(xml.into_bytes())
            } else {
                Some(data)
            }
        },
        &[],
    )?;
    assert_eq!(due(&bytes1904)?, "2013-12-11");
    Ok(())
}

#[test]
fn the_risk_grid_is_found_by_its_title_and_checked_by_its_labels() -> TestResult {
    use crate::export::GRID_TITLE;
    use crate::risk::scale_label;
    let grid_rows = |top_padding: usize, swap: bool| -> Vec<Vec<(u16, C)>> {
        let mut rows: Vec<Vec<(u16, C)>> = vec![vec![(0, s("Likelihood (L)"))]];
        rows.extend((0..top_padding).map(|_| Vec::new()));
        let mut head = vec![(0, s(GRID_TITLE))];
        head.extend((1..=5u8).map(|i| (u16::from(i), C::S(format!("{i} {}", scale_label(i))))));
        rows.push(head);
        for l in (1..=5u8).rev() {
            let label = if swap && l == 4 {
                3
            } else if swap && l == 3 {
                4
            } else {
                l
            };
            let mut row = vec![(0, C::S(format!("{label} {}", scale_label(label))))];
            row.extend((1..=5u16).map(|i| (i, C::S(format!("L{l}I{i}")))));
            rows.push(row);
        }
        rows
    };
    let cs = read(&xlsx(&[sheet("Risk Matrix", grid_rows(20, false))])?)?;
    let grid = cs.matrix.ok_or("no grid")?;
    let cell = grid.get(1).and_then(|r| r.get(2)).ok_or("L4 I3")?;
    assert_eq!(cell.text, "L4I3");
    assert_eq!(cell.origin.to_string(), "'Risk Matrix'!D24");

    let cs = read(&xlsx(&[sheet("Risk Matrix", grid_rows(0, true))])?)?;
    assert_eq!(cs.matrix, None);
    assert_eq!(
        ignored(&cs),
        [
            "'Risk Matrix'!A4: the level grid is not laid out as exported (\"4 High\" expected here); the grid is left as it is"
        ]
    );
    let cs = read(&xlsx(&[sheet("Risk Matrix", vec![vec![(0, s("Notes"))]])])?)?;
    assert_eq!(cs.matrix, None);
    assert!(
        ignored(&cs)
            .iter()
            .all(|i| i.contains("the level grid was not found"))
    );
    Ok(())
}

#[test]
fn xlsx_merged_cells_come_from_the_input_checks_walk_or_from_calamine() -> TestResult {
    use calamine::Reader;
    let rows = vec![
        control_header(),
        control_row("DEV-0001", "ENC-01", &[]),
        control_row("DEV-0001", "ENC-03", &[]),
    ];
    let two = Sheet {
        merges: vec![
            (1, ctl::RESPONSE, 2, ctl::RESPONSE, "Yes".into()),
            (1, ctl::NOTE, 1, ctl::EVIDENCE_REF, "n".into()),
        ],
        ..sheet("3 Encryption", rows)
    };
    let plain = xlsx(&[sheet("Cover", vec![vec![(0, s("x"))]]), two])?;
    let merged_of = |bytes: &[u8]| -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        read_sheets_from_bytes(
            bytes,
            Path::new("m.xlsx"),
            &Limits::default(),
            &[],
            &mut |s| {
                out.extend(s.merged.iter().map(|m| format!("{}!{m}", s.name)));
            },
        )?;
        Ok(out)
    };
    let expected = ["3 Encryption!H2:H3", "3 Encryption!K2:L2"];
    assert_eq!(merged_of(&plain)?, expected);
    // What calamine finds by parsing the sheet again.
    let mut xl = calamine::Xlsx::new(std::io::Cursor::new(plain.clone()))?;
    let again: Vec<String> = xl
        .merge_cells_by_sheet_name("3 Encryption")?
        .iter()
        .map(|d| {
            format!(
                "3 Encryption!{}",
                crate::import::sheet::MergedCells {
                    first_row: d.start.0 as usize + 1,
                    first_col: d.start.1 as usize,
                    last_row: d.end.0 as usize + 1,
                    last_col: d.end.1 as usize,
                }
            )
        })
        .collect();
    assert_eq!(again, expected);
    // Absolute relationship targets are placed too; a target the walk does not find as
    // written (calamine matches parts case-insensitively) falls back on calamine, with the
    // same result.
    for to in ["Target=\"/xl/worksheets/", "Target=\"WORKSHEETS/"] {
        let moved = rewrite_zip(
            &plain,
            |name, data| {
                if name == "xl/_rels/workbook.xml.rels" {
                    let xml = String::from_utf8_lossy(&data);
                    Some(xml.replace("Target=\"worksheets/", to).into_bytes())
                } else {
                    Some(data)
                }
            },
            &[],
        )?;
        assert_eq!(merged_of(&moved)?, expected, "{to}");
    }
    Ok(())
}
