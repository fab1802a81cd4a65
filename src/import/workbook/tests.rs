//! Tests of the template reader on the committed fixtures (`tests/fixtures/workbook/`, made by
//! its `make.sh` with LibreOffice and openpyxl) and on exports made here. Hostile files are in
//! `hostile_tests`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{read, read_from_bytes};
use crate::import::changeset::{AnswerRecord, Changeset, Origin, SourceKind, Value};
use crate::import::sheet::{Limits, SheetVisibility, TableFormat, read_sheets};
use crate::progress::{NoProgress, Recorder, Stage};

type TestResult = Result<(), Box<dyn std::error::Error>>;
/// A changed cell: its address, the old text and the new.
type Change = (String, String, String);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/workbook")
        .join(name)
}

fn read_fixture(name: &str) -> Result<Changeset, Box<dyn std::error::Error>> {
    Ok(read(&fixture(name), &Limits::default(), &mut NoProgress)?)
}

/// Every value of a changeset by where it came from.
pub(super) fn values(cs: &Changeset) -> BTreeMap<String, String> {
    collect(cs, true)
}

/// The values of the columns the import reads (keys and applied columns), by cell.
fn read_values(cs: &Changeset) -> BTreeMap<String, String> {
    collect(cs, false)
}

fn collect(cs: &Changeset, derived: bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |v: &Value| {
        out.insert(v.origin.to_string(), v.text.clone());
    };
    for d in &cs.devices {
        d.device_id.iter().chain(&d.uuid).for_each(&mut put);
        d.fields.iter().map(|(_, v)| v).for_each(&mut put);
        d.extra.iter().map(|(_, v)| v).for_each(&mut put);
    }
    for a in &cs.answers {
        answer_values(a).into_iter().for_each(&mut put);
        if derived {
            a.derived.iter().map(|(_, v)| v).for_each(&mut put);
        }
    }
    for r in &cs.risks {
        [
            &r.risk_id,
            &r.target,
            &r.source,
            &r.treatment,
            &r.planned_actions,
            &r.owner,
            &r.due_date,
            &r.status,
            &r.residual_likelihood,
            &r.residual_impact,
            &r.accepted_by,
            &r.acceptance_note,
            &r.accepted_on,
            &r.review_date,
        ]
        .into_iter()
        .flatten()
        .for_each(&mut put);
        if derived {
            r.derived.iter().map(|(_, v)| v).for_each(&mut put);
        }
    }
    if derived {
        for row in cs.matrix.iter().flatten() {
            row.iter().for_each(&mut put);
        }
    }
    out
}

fn answer_values(a: &AnswerRecord) -> Vec<&Value> {
    [
        &a.target,
        &a.row_key,
        &a.control_id,
        &a.response,
        &a.suggested,
        &a.observed,
        &a.note,
        &a.evidence_ref,
        &a.source,
        &a.likelihood,
        &a.impact,
        &a.rating,
        &a.recommendation,
        &a.deferred_until,
        &a.deferral_reason,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The answer of `device` and `control`.
fn answer<'c>(cs: &'c Changeset, device: &str, control: &str) -> Option<&'c AnswerRecord> {
    cs.answers.iter().find(|a| {
        a.target.as_ref().is_some_and(|v| v.text == device)
            && a.control_id.as_ref().is_some_and(|v| v.text == control)
    })
}

fn text(v: &Option<Value>) -> Option<(&str, String)> {
    v.as_ref().map(|v| (v.text.as_str(), v.origin.to_string()))
}

fn field<'c>(cs: &'c Changeset, device: &str, key: &str) -> Option<&'c Value> {
    cs.devices
        .iter()
        .find(|d| d.device_id.as_ref().is_some_and(|v| v.text == device))?
        .fields
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

#[test]
fn an_untouched_export_is_recognised_sheet_by_sheet() -> TestResult {
    use crate::export::{ExportOptions, export_xlsx};
    use crate::workbook::{Passphrase, Workbook};

    let dir = tempfile::tempdir()?;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).ok_or("date")?;
    let pass = Passphrase::new("reader test passphrase".into());
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass,
        crate::demo::meta(today),
    )?;
    let opts = crate::demo::DemoOptions {
        devices: 3,
        today,
        ..crate::demo::DemoOptions::default()
    };
    crate::demo::populate(&mut wb, &opts)?;
    let out = dir.path().join("e.xlsx");
    let summary = export_xlsx(
        &wb,
        &out,
        &ExportOptions {
            as_of: today,
            app_version: "test",
        },
    )?;

    let mut recorder = Recorder::default();
    let cs = read(&out, &Limits::default(), &mut recorder)?;
    assert_eq!(recorder.stages, [Stage::Reading, Stage::Parsing]);
    assert_eq!(cs.source.kind, SourceKind::Export);
    assert_eq!(cs.source.format_version, 1);
    assert_eq!(cs.source.as_of, Some(today));
    assert!(
        cs.source
            .workbook_id
            .as_deref()
            .is_some_and(|id| id.len() == 36)
    );
    assert!(cs.problems.is_empty(), "{:?}", cs.problems);
    assert!(cs.ignored.is_empty(), "{:?}", cs.ignored);
    // Every sheet but `_medsec` is checked, untouched, with the rows the export wrote.
    let exported: Vec<(String, u32)> = summary
        .sheets
        .iter()
        .filter(|(name, _)| name != "_medsec")
        .map(|(name, rows)| (name.clone(), u32::try_from(*rows).unwrap_or(u32::MAX)))
        .collect();
    let checked: Vec<(String, u32)> = cs
        .checks
        .iter()
        .map(|c| (c.sheet.clone(), c.found_rows))
        .collect();
    assert_eq!(checked, exported);
    for c in &cs.checks {
        assert_eq!(c.unchanged, Some(true), "{c:?}");
        assert_eq!(c.found_rows, c.exported_rows, "{c:?}");
    }
    assert_eq!(cs.devices.len(), 3);
    assert_eq!(
        cs.answers.len(),
        summary
            .sheets
            .iter()
            .filter(|(n, _)| {
                n.starts_with(|c: char| c.is_ascii_digit())
                    && n != "1 Inventory"
                    && n != "2 CVE Findings"
            })
            .map(|(_, r)| r)
            .sum::<usize>()
    );
    assert!(!cs.risks.is_empty());
    // A control row: keys, read columns with their cells, derived columns as written.
    let a = cs.answers.first().ok_or("no answers")?;
    assert_eq!(
        text(&a.control_id),
        Some(("INV-01", "'1 Inventory Checks'!D2".to_string()))
    );
    assert!(text(&a.row_key).is_some_and(|(t, at)| t.ends_with("|INV-01") && at.ends_with("AG2")));
    assert!(
        a.derived
            .iter()
            .any(|(h, v)| h == "Risk Score" && v.origin.to_string() == "'1 Inventory Checks'!S2")
    );
    // The grid is NIST SP 800-30 Table I-2, likelihood 5 first.
    let grid = cs.matrix.as_ref().ok_or("no grid")?;
    let top: Vec<&str> = grid
        .first()
        .ok_or("no row")?
        .iter()
        .map(|v| v.text.as_str())
        .collect();
    assert_eq!(top, ["Very Low", "Low", "Moderate", "High", "Very High"]);
    assert_eq!(
        grid.first()
            .and_then(|r| r.first())
            .map(|v| v.origin.to_string()),
        Some("'Risk Matrix'!B16".to_string())
    );

    // The same bytes read from memory give the same changeset.
    let bytes = std::fs::read(&out)?;
    assert_eq!(read_from_bytes(&bytes, &out, &Limits::default())?, cs);
    Ok(())
}

/// The cells whose text differs from `before` to `after`: (cell, old, new), in cell order.
fn diff(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<Change> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            let get = |m: &BTreeMap<String, String>| m.get(k).cloned().unwrap_or_default();
            (k.clone(), get(before), get(after))
        })
        .collect()
}

/// The cells of the inventory's computed "Steps Compliance %" column (a fraction: LibreOffice
/// keeps 15 significant digits in ods and the full double in xls).
fn is_compliance_cell(cell: &str) -> bool {
    let col = crate::device::fields::FIELDS
        .iter()
        .position(|f| f.key == "compliance_pct")
        .map(crate::import::sheet::column_letter)
        .unwrap_or_default();
    cell.strip_prefix("'1 Inventory'!")
        .and_then(|rest| rest.strip_prefix(col.as_str()))
        .is_some_and(|row| row.chars().all(|c| c.is_ascii_digit()))
}

fn same_number(a: &str, b: &str) -> bool {
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if (x - y).abs() < 1e-12)
}

#[test]
fn libreoffice_resaves_read_alike_in_xlsx_xls_and_ods() -> TestResult {
    let xls = read_fixture("resaved.xls")?;
    let ods = read_fixture("resaved.ods")?;
    let xlsx = read_fixture("resaved.xlsx")?;
    for cs in [&xls, &ods, &xlsx] {
        assert_eq!(cs.source.kind, SourceKind::Export);
        assert!(cs.problems.is_empty(), "{:?}", cs.problems);
        assert_eq!(cs.devices.len(), 3);
        assert_eq!(cs.answers.len(), 156);
        assert_eq!(cs.risks.len(), 23);
        assert!(cs.checks.iter().all(|c| c.found_rows == c.exported_rows));
    }
    assert_eq!(xls.source, ods.source);
    assert_eq!(xls.source, xlsx.source);
    // Every value, cell by cell, is the same in ods and xlsx: dates as YYYY-MM-DD, numbers
    // without `.0`, formulas' cached results.
    let v = values(&ods);
    assert!(v.len() > 5000, "{}", v.len());
    assert_eq!(diff(&v, &values(&xlsx)), []);
    // The columns the import reads are the same in xls too, but for the computed compliance
    // fractions.
    let read_diff = diff(&read_values(&ods), &read_values(&xls));
    assert!(read_diff.len() <= 3, "{read_diff:?}");
    for (cell, a, b) in &read_diff {
        assert!(
            is_compliance_cell(cell) && same_number(a, b),
            "{cell}: {a:?} {b:?}"
        );
    }
    // Derived cells of the xls differ in two known ways, both LibreOffice's: a formula whose
    // cached result is text and that it did not recalculate is saved as the number 0 (the
    // Risk Level and Inherent / Residual Level columns), and a fraction keeps its full double.
    let xls_diff = diff(&v, &values(&xls));
    assert!(xls_diff.len() > 20, "{xls_diff:?}");
    for (cell, ods_text, xls_text) in &xls_diff {
        let level = ["!T", "'Risk Register'!L", "'Risk Register'!U"]
            .iter()
            .any(|c| cell.contains(c));
        let level_name = crate::risk::RiskLevel::ALL
            .iter()
            .any(|l| l.label() == ods_text);
        let known = (level && level_name && xls_text == "0")
            || (is_compliance_cell(cell) && same_number(ods_text, xls_text));
        assert!(known, "{cell}: {ods_text:?} in ods, {xls_text:?} in xls");
    }
    assert!(xls.ignored.is_empty() && ods.ignored.is_empty());
    // xls and ods store numbers and dates otherwise: no hash to compare.
    assert!(
        xls.checks
            .iter()
            .chain(&ods.checks)
            .all(|c| c.unchanged.is_none())
    );
    // LibreOffice writes numbers with 15 significant digits, so sheets holding fractions
    // (compliance percentages) hash differently; the others are recognised as untouched.
    let changed: Vec<&str> = xlsx
        .checks
        .iter()
        .filter(|c| c.unchanged != Some(true))
        .map(|c| c.sheet.as_str())
        .collect();
    assert_eq!(changed, ["Summary", "1 Inventory"]);
    assert_eq!(
        xlsx.ignored
            .iter()
            .map(|i| i.origin.to_string())
            .collect::<Vec<_>>(),
        ["sheet 'Summary'"]
    );
    let due = v.get("'Risk Register'!P2").ok_or("no due date")?;
    assert!(
        chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").is_ok(),
        "{due}"
    );
    Ok(())
}

/// `edited-cells.tsv` (sheet, cell, old, new; written by make.sh) as (cell, old, new).
fn edited_cells() -> Result<Vec<Change>, Box<dyn std::error::Error>> {
    let tsv = std::fs::read_to_string(fixture("edited-cells.tsv"))?;
    let mut cells: Vec<Change> = tsv
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or_default().to_string();
            (
                format!("'{}'!{}", get(0).replace('\'', "''"), get(1)),
                get(2),
                get(3),
            )
        })
        .collect();
    cells.sort();
    Ok(cells)
}

#[test]
fn the_edited_xls_differs_in_exactly_the_cells_changed() -> TestResult {
    let edited = read_fixture("edited.xls")?;
    assert!(edited.problems.is_empty(), "{:?}", edited.problems);
    assert!(edited.ignored.is_empty(), "{:?}", edited.ignored);
    let expected = edited_cells()?;
    assert_eq!(expected.len(), 13, "ten responses, two owners, one room");
    // Against the same export re-saved as xls, unedited: exactly the edited cells.
    let resaved = read_fixture("resaved.xls")?;
    assert_eq!(
        diff(&read_values(&resaved), &read_values(&edited)),
        expected
    );
    // Against the ods re-save, derived columns included (openpyxl dropped the cached results,
    // so LibreOffice recalculated every formula of the edited copy): the same cells, and the
    // compliance fractions the xls keeps at full precision.
    let all = diff(&values(&read_fixture("resaved.ods")?), &values(&edited));
    let (fractions, rest): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|(c, ..)| is_compliance_cell(c));
    assert_eq!(rest, expected);
    assert!(
        fractions.iter().all(|(_, a, b)| same_number(a, b)),
        "{fractions:?}"
    );

    // Spot checks with the records: a response on a model row, an owner, the room.
    let a = answer(&edited, "MODEL:B. Braun/Infusomat Space", "ENC-02").ok_or("model row")?;
    assert_eq!(text(&a.response), Some(("No", "'3 Encryption'!H17".into())));
    let r = edited
        .risks
        .iter()
        .find(|r| {
            r.origin
                == Some(Origin::Row {
                    sheet: "Risk Register".into(),
                    row: 4,
                })
        })
        .ok_or("risk row 4")?;
    assert_eq!(
        text(&r.owner),
        Some(("CISO office – K. Tanaka", "'Risk Register'!O4".into()))
    );
    let room = field(&edited, "DEV-0002", "room").ok_or("room")?;
    assert_eq!(room.text, "B3 / Step-down 3.12");
    assert_eq!(room.origin.to_string(), "'1 Inventory'!T3");
    Ok(())
}

#[test]
fn a_spreadsheet_users_copy_is_read_as_typed() -> TestResult {
    let cs = read_fixture("spreadsheet-user.xlsx")?;
    let plain = values(&read_fixture("resaved.xlsx")?);
    assert!(cs.problems.is_empty(), "{:?}", cs.problems);
    let response = |d: &str, c: &str| answer(&cs, d, c).and_then(|a| text(&a.response));
    // List values as typed: case and trailing spaces are the planner's to fold.
    assert_eq!(
        response("DEV-0002", "ENC-01"),
        Some(("yes", "'3 Encryption'!H7".into()))
    );
    assert_eq!(
        response("DEV-0002", "ENC-06"),
        Some(("PARTIAL", "'3 Encryption'!H10".into()))
    );
    assert_eq!(
        response("DEV-0003", "ENC-03"),
        Some(("No ", "'3 Encryption'!H13".into()))
    );
    // Numbers stored as text, one with a trailing space.
    let a = answer(&cs, "DEV-0001", "ENC-03").ok_or("ENC-03")?;
    assert_eq!(text(&a.likelihood), Some(("4", "'3 Encryption'!Q3".into())));
    assert_eq!(text(&a.impact), Some(("2 ", "'3 Encryption'!R3".into())));
    // A hidden row is read like any other.
    let hidden = answer(&cs, "DEV-0001", "ENC-05").ok_or("ENC-05")?;
    assert_eq!(
        text(&hidden.note),
        Some(("Checked again on site ", "'3 Encryption'!K4".into()))
    );
    // Dates typed as text stay text; an Excel date becomes YYYY-MM-DD.
    let deferred = answer(&cs, "DEV-0002", "ENC-07").ok_or("ENC-07")?;
    assert_eq!(
        text(&deferred.deferred_until).map(|t| t.0),
        Some("01/03/2026")
    );
    let due: Vec<&str> = cs
        .risks
        .iter()
        .take(3)
        .filter_map(|r| r.due_date.as_ref())
        .map(|v| v.text.as_str())
        .collect();
    assert_eq!(due.first(), Some(&"2026-03-01"));
    assert_eq!(due.get(1), Some(&"01/03/2026"));
    assert_eq!(due.get(2).map(|d| d.len()), Some(10));
    // The moved column is found by its header, at its new place.
    let serial = field(&cs, "DEV-0001", "serial_number").ok_or("serial")?;
    assert_eq!(Some(&serial.text), plain.get("'1 Inventory'!G2"));
    assert!(
        serial.origin.to_string().starts_with("'1 Inventory'!B"),
        "{}",
        serial.origin
    );
    assert_eq!(
        field(&cs, "DEV-0003", "install_date").map(|v| v.text.as_str()),
        Some("15/06/2019")
    );
    // The added sheet and the extra column are listed, nothing else.
    let ignored: Vec<String> = cs
        .ignored
        .iter()
        .map(|i| format!("{}: {}", i.origin, i.reason))
        .collect();
    assert_eq!(
        ignored,
        [
            "sheet 'My notes': sheet not part of the template",
            "'3 Encryption'!AH1: unknown column \"Cost centre\"",
            "sheet 'Summary': the sheet differs from the export; edits to it are not applied",
        ]
    );
    let edited: Vec<&str> = cs
        .checks
        .iter()
        .filter(|c| c.unchanged == Some(false))
        .map(|c| c.sheet.as_str())
        .collect();
    assert_eq!(
        edited,
        ["Summary", "1 Inventory", "3 Encryption", "Risk Register"]
    );
    Ok(())
}

#[test]
fn a_template_filled_by_hand_reads_as_a_template() -> TestResult {
    let path = fixture("template-filled.ods");
    let cs = read_fixture("template-filled.ods")?;
    assert_eq!(cs.source.kind, SourceKind::Template);
    assert_eq!(cs.source.workbook_id, None);
    assert!(cs.problems.is_empty(), "{:?}", cs.problems);
    assert!(cs.ignored.is_empty(), "{:?}", cs.ignored);
    assert_eq!(cs.devices.len(), 2);
    let tag = field(&cs, "DEV-0002", "asset_tag").ok_or("asset tag")?;
    assert_eq!(
        (tag.text.as_str(), tag.origin.to_string().as_str()),
        ("BME-20002", "'1 Inventory'!B3")
    );
    assert_eq!(
        field(&cs, "DEV-0001", "name").map(|v| v.text.as_str()),
        Some("Ward 5 infusion pump")
    );
    let uuid = cs
        .devices
        .first()
        .and_then(|d| d.uuid.as_ref())
        .ok_or("uuid column")?;
    assert!(uuid.is_blank());
    let a = answer(&cs, "DEV-0002", "INV-01").ok_or("INV-01")?;
    assert_eq!(text(&a.response).map(|t| t.0), Some("No"));
    assert_eq!(text(&a.note).map(|t| t.0), Some("No asset label found"));
    assert_eq!(text(&a.row_key).map(|t| t.0), Some(""));
    let enc = answer(&cs, "DEV-0001", "ENC-01").ok_or("ENC-01")?;
    assert_eq!(text(&enc.likelihood).map(|t| t.0), Some("3"));
    assert_eq!(text(&enc.impact).map(|t| t.0), Some("4"));
    let site = answer(&cs, "SITE", "ACC-10").ok_or("site row")?;
    assert_eq!(text(&site.source).map(|t| t.0), Some("Interview"));
    let answered = cs
        .answers
        .iter()
        .filter(|a| a.response.as_ref().is_some_and(|v| !v.is_blank()))
        .count();
    assert_eq!(answered, 5);

    // LibreOffice has no "very hidden": `_medsec` comes back merely hidden, and is read.
    let mut visibility = None;
    let file = read_sheets(&path, &Limits::default(), &[], &mut NoProgress, &mut |s| {
        if s.name == "_medsec" {
            visibility = Some(s.visibility);
        }
    })?;
    assert_eq!(file.format, TableFormat::Ods);
    assert_eq!(visibility, Some(SheetVisibility::Hidden));
    assert_eq!(
        file.sheets
            .iter()
            .filter(|(_, v)| *v == SheetVisibility::Visible)
            .count(),
        17
    );
    Ok(())
}

#[test]
fn merged_cells_and_formulas_of_an_xls_copy() -> TestResult {
    let cs = read_fixture("merged.xls")?;
    let problems: Vec<String> = cs
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.origin, p.reason))
        .collect();
    assert_eq!(
        problems,
        [
            "'3 Encryption'!H3: part of merged cells H2:H3, whose value is in H2 only; unmerge them and give every row its own value",
            "'3 Encryption'!J4: the error value #DIV/0!; type the value instead of a formula that fails",
        ]
    );
    assert_eq!(cs.answers.len(), 3);
    let first = answer(&cs, "DEV-0001", "ENC-01").ok_or("ENC-01")?;
    assert_eq!(
        text(&first.response),
        Some(("Yes", "'3 Encryption'!H2".into()))
    );
    // A formula's cached text is read, never the formula.
    let third = answer(&cs, "DEV-0001", "ENC-05").ok_or("ENC-05")?;
    assert_eq!(
        text(&third.note),
        Some(("Checked twice", "'3 Encryption'!K4".into()))
    );
    assert_eq!(third.observed, None);
    Ok(())
}
