//! `export csv`, `export json` and the JSON reader: through the library on the demo workbook,
//! an empty one and one full of odd characters (each JSON export validated against
//! `assets/schema/assessment.v1.json`, each CSV set compared cell by cell with the `.xlsx`
//! export of the same workbook), and through the real binary.

mod common;

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::{NaiveDate, NaiveTime};
use common::Env;
use medsec::assessment::{Response, Target};
use medsec::catalog::catalog;
use medsec::demo::{DemoOptions, meta, populate};
use medsec::device::fields::{FIELDS, FieldKind};
use medsec::export::csv::{BOM, export_csv, file_names, neutralise};
use medsec::export::json::export_json;
use medsec::export::xlsx::number_text;
use medsec::export::{ExportOptions, export_xlsx};
use medsec::import::changeset::{Changeset, SourceKind, Value};
use medsec::progress::NoProgress;
use medsec::risk::register::Register;
use medsec::workbook::{
    AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, RiskEntryInput, Workbook,
};
use predicates::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, Box<dyn std::error::Error>> {
    Ok(NaiveDate::from_ymd_opt(y, m, d).ok_or("date")?)
}

fn opts() -> Result<ExportOptions, Box<dyn std::error::Error>> {
    Ok(ExportOptions {
        as_of: day(2026, 6, 30)?,
        app_version: "0.1.0-test",
    })
}

fn create(dir: &Path, meta: AssessmentMeta) -> Result<Workbook, Box<dyn std::error::Error>> {
    Ok(Workbook::create(
        &dir.join("w.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        meta,
    )?)
}

fn demo(dir: &Path) -> Result<Workbook, Box<dyn std::error::Error>> {
    let today = day(2026, 6, 15)?;
    let mut wb = create(dir, meta(today))?;
    populate(
        &mut wb,
        &DemoOptions {
            today,
            ..DemoOptions::default()
        },
    )?;
    Ok(wb)
}

/// Validates a JSON document against the shipped schema; returns the errors.
fn schema_errors(doc: &serde_json::Value) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/schema/assessment.v1.json"),
    )?;
    let validator = jsonschema::validator_for(&serde_json::from_str(&text)?)?;
    Ok(validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect())
}

/// Exports `wb` as JSON into `dir`, validates it and reads it back.
fn json_round(wb: &Workbook, dir: &Path) -> Result<Changeset, Box<dyn std::error::Error>> {
    let out = dir.join("assessment.json");
    let summary = export_json(wb, &out, &opts()?)?;
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out)?)?;
    let errors = schema_errors(&doc)?;
    assert!(errors.is_empty(), "{errors:#?}");
    let read = medsec::import::json::read(&out, &mut NoProgress)?;
    assert_eq!(read.devices.len(), summary.devices);
    assert_eq!(read.answers.len(), summary.answers);
    assert_eq!(read.risks.len(), summary.risks);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert!(read.ignored.is_empty(), "{:?}", read.ignored);
    assert_eq!(read.source.kind, SourceKind::Json);
    assert_eq!(read.source.format_version, 1);
    assert_eq!(read.source.as_of, Some(opts()?.as_of));
    Ok(read)
}

fn text(v: &Option<Value>) -> &str {
    v.as_ref().map_or("<absent>", |v| v.text.as_str())
}

fn opt_text<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The target of a stored answer or finding as the export names it, compared without case for
/// models and sites (the export spells them as their first device does).
fn target_key(wb_devices: &HashMap<i64, String>, target: &Target) -> String {
    match target {
        Target::Device(id) => wb_devices.get(id).cloned().unwrap_or_default(),
        other => other.scope_key().unwrap_or_default().to_lowercase(),
    }
}

fn record_key(target: &str) -> String {
    if target.starts_with("DEV-") {
        target.to_string()
    } else {
        target.to_lowercase()
    }
}

/// Every device, answer and register entry of `wb` against the records read back, field by
/// field.
fn assert_same_as_workbook(wb: &Workbook, c: &Changeset) -> TestResult {
    assert_eq!(
        c.source.workbook_id.as_deref(),
        Some(wb.meta().workbook_id.as_str())
    );
    // Devices: every settable field, the UUID, the extra attributes.
    let devices = wb.devices()?;
    assert_eq!(devices.len(), c.devices.len());
    for (d, r) in devices.iter().zip(&c.devices) {
        assert_eq!(text(&r.device_id), d.short_id());
        assert_eq!(text(&r.uuid), d.uuid);
        for f in FIELDS.iter().filter(|f| f.kind != FieldKind::Computed) {
            let read = r.fields.iter().find(|(k, _)| *k == f.key).map(|(_, v)| v);
            assert_eq!(
                read.map(|v| v.text.as_str()),
                Some(d.get(f.key)),
                "{} {}",
                d.short_id(),
                f.key
            );
        }
        let extra: Vec<(&str, &str)> = r
            .extra
            .iter()
            .map(|(h, v)| (h.as_str(), v.text.as_str()))
            .collect();
        let stored: Vec<(&str, &str)> = d
            .extra
            .iter()
            .map(|(h, v)| (h.as_str(), v.as_str()))
            .collect();
        assert_eq!(extra, stored);
    }
    // Answers: every stored answer, once.
    let short: HashMap<i64, String> = devices.iter().map(|d| (d.id, d.short_id())).collect();
    let by_key: HashMap<(String, String), &medsec::import::changeset::AnswerRecord> = c
        .answers
        .iter()
        .map(|a| {
            (
                (record_key(text(&a.target)), text(&a.control_id).to_string()),
                a,
            )
        })
        .collect();
    let rows = wb.answer_rows()?;
    assert_eq!(rows.len(), c.answers.len());
    assert_eq!(by_key.len(), c.answers.len(), "one record per answer");
    for row in &rows {
        let a = &row.answer;
        let key = (target_key(&short, &row.target), a.control_id.to_string());
        let r = by_key.get(&key).ok_or(format!("no record for {key:?}"))?;
        let what = format!("{key:?}");
        assert_eq!(
            text(&r.response),
            opt_text(a.response.map(|x| x.label())),
            "{what}"
        );
        assert_eq!(
            text(&r.suggested),
            a.suggested.clone().unwrap_or_default(),
            "{what}"
        );
        assert_eq!(text(&r.observed), a.observed, "{what}");
        assert_eq!(text(&r.note), a.note, "{what}");
        assert_eq!(text(&r.evidence_ref), a.evidence_ref, "{what}");
        assert_eq!(
            text(&r.source),
            opt_text(a.source.map(|s| s.label())),
            "{what}"
        );
        assert_eq!(text(&r.likelihood), opt_text(a.likelihood), "{what}");
        assert_eq!(text(&r.impact), opt_text(a.impact), "{what}");
        let rated_default = (a.likelihood_default && a.likelihood.is_some())
            || (a.impact_default && a.impact.is_some());
        assert_eq!(
            text(&r.rating),
            if rated_default { "default" } else { "" },
            "{what}"
        );
        assert_eq!(text(&r.recommendation), a.recommendation, "{what}");
        let deferred = match a.deferred_until {
            Some(d) => d.to_string(),
            None if !a.deferral_reason.is_empty() => "deferred".into(),
            None => String::new(),
        };
        assert_eq!(text(&r.deferred_until), deferred, "{what}");
        assert_eq!(text(&r.deferral_reason), a.deferral_reason, "{what}");
        if let Target::Device(id) = row.target {
            let uuid = devices.iter().find(|d| d.id == id).map(|d| d.uuid.clone());
            assert_eq!(
                text(&r.row_key),
                format!("{}|{}", uuid.unwrap_or_default(), a.control_id)
            );
        }
    }
    // Register entries: one per finding.
    let register = Register::load(wb)?;
    assert_eq!(register.findings.len(), c.risks.len());
    let risks: HashMap<(String, String), &medsec::import::changeset::RiskRecord> = c
        .risks
        .iter()
        .map(|r| {
            (
                (record_key(text(&r.target)), text(&r.source).to_string()),
                r,
            )
        })
        .collect();
    for f in &register.findings {
        let key = (target_key(&short, &f.target), f.control.id.clone());
        let r = risks.get(&key).ok_or(format!("no risk for {key:?}"))?;
        let e = &f.entry;
        let what = format!("{key:?}");
        assert_eq!(text(&r.risk_id), e.risk_id().unwrap_or_default(), "{what}");
        assert_eq!(
            text(&r.treatment),
            opt_text(e.treatment.map(|t| t.label())),
            "{what}"
        );
        assert_eq!(text(&r.planned_actions), e.planned_actions, "{what}");
        assert_eq!(text(&r.owner), e.owner, "{what}");
        assert_eq!(text(&r.due_date), opt_text(f.due_date()), "{what}");
        assert_eq!(text(&r.status), e.status.label(), "{what}");
        assert_eq!(
            text(&r.residual_likelihood),
            opt_text(e.residual_likelihood),
            "{what}"
        );
        assert_eq!(
            text(&r.residual_impact),
            opt_text(e.residual_impact),
            "{what}"
        );
        assert_eq!(text(&r.accepted_by), e.accepted_by, "{what}");
        assert_eq!(text(&r.acceptance_note), e.acceptance_note, "{what}");
        assert_eq!(text(&r.accepted_on), opt_text(e.accepted_on), "{what}");
        assert_eq!(text(&r.review_date), opt_text(e.review_date), "{what}");
    }
    // The level grid.
    let grid = wb.risk_grid();
    let matrix = c.matrix.as_ref().ok_or("no matrix")?;
    for (r, row) in matrix.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            let l = 5 - r as u8;
            assert_eq!(cell.text, grid.level(l, i as u8 + 1).label());
        }
    }
    Ok(())
}

#[test]
fn the_demo_exports_to_json_that_validates_and_reads_back_field_by_field() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wb = demo(dir.path())?;
    let c = json_round(&wb, dir.path())?;
    assert!(c.devices.len() == 24 && c.answers.len() > 500 && c.risks.len() > 100);
    assert_same_as_workbook(&wb, &c)?;
    // Deterministic: the same export twice differs only in its export time.
    let again = dir.path().join("again.json");
    export_json(&wb, &again, &opts()?)?;
    let strip = |p: &Path| -> Result<String, Box<dyn std::error::Error>> {
        Ok(std::fs::read_to_string(p)?
            .lines()
            .filter(|l| !l.starts_with("  \"exported_at\""))
            .collect::<Vec<_>>()
            .join("\n"))
    };
    assert_eq!(strip(&dir.path().join("assessment.json"))?, strip(&again)?);
    // Answers by target then control: devices by number first.
    let targets: Vec<&str> = c.answers.iter().map(|a| text(&a.target)).collect();
    let first_scope = targets
        .iter()
        .position(|t| !t.starts_with("DEV-"))
        .unwrap_or(targets.len());
    assert!(targets[..first_scope].windows(2).all(|w| w[0] <= w[1]));
    assert!(
        targets[first_scope..]
            .iter()
            .all(|t| !t.starts_with("DEV-"))
    );
    Ok(())
}

/// A workbook of odd texts: formula starts, quotes, line breaks, tabs, wide and right-to-left
/// characters, a slash and a tilde in an extra attribute's header.
fn odd_workbook(dir: &Path) -> Result<Workbook, Box<dyn std::error::Error>> {
    let mut wb = create(
        dir,
        AssessmentMeta {
            organisation: "O'Brien \"&\" Söhne =HYPERLINK(\"x\")".into(),
            assessor: "@assessor".into(),
            ..AssessmentMeta::default()
        },
    )?;
    let change = |values: &[(&'static str, &str)], extra: &[(&str, &str)]| DeviceChange {
        values: values.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        extra: extra
            .iter()
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect(),
        ..DeviceChange::default()
    };
    let d1 = wb.add_device(
        &change(
            &[
                ("name", "=cmd|' /C calc'!A0"),
                ("manufacturer", "Dräger 東芝"),
                ("model", "Infinity/Delta \u{202e}X"),
                ("site", "St. Mary's"),
                ("serial_number", "-0042"),
                ("notes", "line 1\nline 2\twith tab, comma and \"quotes\""),
                ("clinical_impact", "5"),
                ("install_date", "2021-03-04"),
                ("last_seen", "2026-11-29T10:15:00Z"),
            ],
            &[("Cost/centre ~1", "+49 30"), ("Ward", "@ICU")],
        ),
        FieldSource::Typed,
    )?;
    let d2 = wb.add_device(
        &change(
            &[
                ("name", "😀 emoji pump"),
                ("model", "Infinity/Delta \u{202e}X"),
                ("manufacturer", "dräger 東芝"),
            ],
            &[],
        ),
        FieldSource::Typed,
    )?;
    let cat = catalog();
    let ctl = |id: &str| cat.control(id).ok_or(format!("no {id}"));
    let answer = |response: Response, note: &str| AnswerInput {
        response: Some(Some(response)),
        note: Some(note.to_string()),
        observed: Some("-3".into()),
        evidence_ref: Some("+1 photo".into()),
        recommendation: Some("@SUM(A1)\r\nsecond line".into()),
        ..AnswerInput::default()
    };
    wb.set_answer(
        &Target::Device(d1.id),
        ctl("ENC-01")?,
        &answer(Response::No, "=1+2"),
    )?;
    wb.set_answer(
        &Target::Device(d2.id),
        ctl("ACC-01")?,
        &AnswerInput {
            likelihood: Some(4),
            impact: Some(2),
            ..answer(Response::Partial, "\ttabbed")
        },
    )?;
    wb.set_answer(
        &Target::Model {
            manufacturer: "Dräger 東芝".into(),
            model: "Infinity/Delta \u{202e}X".into(),
        },
        ctl("INV-03")?,
        &answer(Response::Unknown, "model-wide ~ / \\ note"),
    )?;
    wb.set_answer(
        &Target::Site("St. Mary's".into()),
        ctl("IR-01")?,
        &answer(Response::No, "site 'quoted'"),
    )?;
    let (target, control) = (Target::Device(d1.id), "ENC-01".to_string());
    wb.set_risk_entry(
        &target,
        &control,
        &RiskEntryInput {
            owner: Some("=owner".into()),
            planned_actions: Some("-patch\n-verify".into()),
            ..RiskEntryInput::default()
        },
    )?;
    Ok(wb)
}

#[test]
fn empty_and_odd_workbooks_export_to_json_that_validates_and_reads_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let empty = create(dir.path(), AssessmentMeta::default())?;
    let c = json_round(&empty, dir.path())?;
    assert!(c.devices.is_empty() && c.answers.is_empty() && c.risks.is_empty());
    assert_same_as_workbook(&empty, &c)?;
    drop(empty);

    let dir = tempfile::tempdir()?;
    let odd = odd_workbook(dir.path())?;
    let c = json_round(&odd, dir.path())?;
    assert_eq!((c.devices.len(), c.answers.len(), c.risks.len()), (2, 4, 4));
    assert_same_as_workbook(&odd, &c)?;
    let extra = &c.devices[0].extra[0];
    assert_eq!(extra.0, "Cost/centre ~1");
    assert_eq!(
        extra.1.origin.to_string(),
        "/devices/0/extra/Cost~1centre ~01"
    );
    Ok(())
}

/// A CSV file's records.
fn csv_records(path: &Path) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    assert!(bytes.starts_with(BOM), "{}", path.display());
    assert!(!bytes[3..].starts_with(b"sep="));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    let mut out = Vec::new();
    for record in reader.records() {
        out.push(record?.iter().map(str::to_string).collect());
    }
    Ok(out)
}

/// What a CSV field should hold for an `.xlsx` cell: text neutralised, numbers in their
/// shortest form, dates `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM:SSZ`.
fn csv_form(cell: &Data, csv_field: &str) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => neutralise(s).into_owned(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => number_text(*i as f64),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(d) => {
            // Excel's 1900 date system (every date here is after 1900-03-01).
            let serial = d.as_f64();
            let seconds = (serial * 86_400.0).round() as i64;
            let t = NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|b| b.and_hms_opt(0, 0, 0))
                .map(|b| b + chrono::Duration::seconds(seconds));
            match t {
                Some(t) if csv_field.contains('T') => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                Some(t) if t.time() == NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
                _ => format!("{d:?}"),
            }
        }
        other => format!("{other:?}"),
    }
}

/// Every sheet of the `.xlsx` export against its CSV file, cell by cell.
fn assert_csv_matches_xlsx(xlsx: &Path, csv_dir: &Path) -> TestResult {
    let mut xl: Xlsx<_> = open_workbook(xlsx)?;
    let names = xl.sheet_names();
    let files = file_names();
    assert_eq!(names.len(), files.len());
    for (sheet, file) in names.iter().zip(&files) {
        let range = xl.worksheet_range(sheet)?;
        let records = csv_records(&csv_dir.join(file))?;
        let (rows, cols) = range.get_size();
        let start = range.start().unwrap_or((0, 0));
        assert_eq!(start.0, 0, "{sheet}");
        assert_eq!(records.len(), rows, "{sheet}: rows");
        let width = records.first().map_or(0, Vec::len);
        assert!(records.iter().all(|r| r.len() == width), "{sheet}: ragged");
        for (r, record) in records.iter().enumerate() {
            // The export time is a stamp: each export has its own.
            if ["Generated at (UTC)", "exported_at"].contains(&record[0].as_str()) {
                continue;
            }
            for (c, field) in record.iter().enumerate() {
                let cell = if c >= start.1 as usize && c - (start.1 as usize) < cols {
                    range
                        .get((r, c - start.1 as usize))
                        .cloned()
                        .unwrap_or(Data::Empty)
                } else {
                    Data::Empty
                };
                assert_eq!(
                    field,
                    &csv_form(&cell, field),
                    "{sheet} row {} column {}",
                    r + 1,
                    c + 1
                );
            }
        }
    }
    Ok(())
}

#[test]
fn csv_files_hold_the_cells_of_the_xlsx_export() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wb = demo(dir.path())?;
    let xlsx = dir.path().join("a.xlsx");
    let csv_dir = dir.path().join("csv");
    let x = export_xlsx(&wb, &xlsx, &opts()?)?;
    let c = export_csv(&wb, &csv_dir, &opts()?)?;
    assert_eq!(x.sheets, c.sheets);
    assert_eq!((x.devices, x.answers), (c.devices, c.answers));
    assert_csv_matches_xlsx(&xlsx, &csv_dir)?;
    // `_medsec.csv` carries the workbook's rows and hashes, equal to the xlsx's but for the
    // export time.
    let meta_csv = csv_records(&csv_dir.join("18-_medsec.csv"))?;
    let mut xl: Xlsx<_> = open_workbook(&xlsx)?;
    let meta_xlsx = xl.worksheet_range("_medsec")?;
    for (r, rec) in meta_csv.iter().enumerate() {
        if rec[0] == "exported_at" {
            continue;
        }
        let cell = meta_xlsx.get((r, 1)).cloned().unwrap_or(Data::Empty);
        assert_eq!(rec[1], csv_form(&cell, &rec[1]), "{}", rec[0]);
    }
    assert!(
        meta_csv
            .iter()
            .any(|r| r[0] == "workbook_id" && r[1] == wb.meta().workbook_id)
    );
    Ok(())
}

#[test]
fn csv_text_is_neutralised_and_numbers_are_not() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wb = odd_workbook(dir.path())?;
    let xlsx = dir.path().join("a.xlsx");
    let csv_dir = dir.path().join("csv");
    export_xlsx(&wb, &xlsx, &opts()?)?;
    export_csv(&wb, &csv_dir, &opts()?)?;
    assert_csv_matches_xlsx(&xlsx, &csv_dir)?;
    let inventory = csv_records(&csv_dir.join("03-1 Inventory.csv"))?;
    let col = |key: &str| {
        FIELDS
            .iter()
            .position(|f| f.key == key)
            .unwrap_or(usize::MAX)
    };
    assert_eq!(inventory[1][col("name")], "'=cmd|' /C calc'!A0");
    assert_eq!(inventory[1][col("serial_number")], "'-0042");
    assert_eq!(inventory[1][col("clinical_impact")], "5");
    assert_eq!(inventory[1][col("install_date")], "2021-03-04");
    assert_eq!(inventory[1][col("last_seen")], "2026-11-29T10:15:00Z");
    assert_eq!(
        inventory[1][col("notes")],
        "line 1\nline 2\twith tab, comma and \"quotes\""
    );
    assert!(inventory[1].contains(&"'+49 30".to_string()));
    assert!(inventory[1].contains(&"'@ICU".to_string()));
    let encryption = csv_records(&csv_dir.join("07-3 Encryption.csv"))?;
    let row = encryption
        .iter()
        .find(|r| r[0] == "DEV-0001" && r[3] == "ENC-01")
        .ok_or("no ENC-01 row")?;
    // Note, observed value, evidence reference and recommendation are neutralised; the
    // default likelihood 3 and the score are numbers.
    assert_eq!(row[10], "'=1+2");
    assert_eq!(row[9], "'-3");
    assert_eq!(row[11], "'+1 photo");
    assert_eq!(row[21], "'@SUM(A1)\nsecond line");
    assert_eq!((row[16].as_str(), row[20].as_str()), ("3", "default"));
    let register = csv_records(&csv_dir.join("13-Risk Register.csv"))?;
    let entry = register
        .iter()
        .find(|r| r[1] == "DEV-0001" && r[3] == "ENC-01")
        .ok_or("no register row")?;
    assert_eq!(entry[14], "'=owner");
    assert_eq!(entry[13], "'-patch\n-verify");
    Ok(())
}

#[test]
fn cli_exports_csv_and_json_with_the_notice_and_refuses_foreign_files() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args([
            "device",
            "add",
            "--name",
            "=Pump",
            "--criticality",
            "Life-sustaining",
        ])
        .assert()
        .success();
    env.wb()
        .args(["answer", "DEV-0001", "ENC-01", "no", "--note=-3 dB"])
        .assert()
        .success();
    let dir = env.path("out");
    for _ in 0..2 {
        // The second run replaces the first export's files.
        env.wb()
            .args(["export", "csv"])
            .arg(&dir)
            .args(["--as-of", "2026-06-30"])
            .assert()
            .success()
            .stdout(
                predicate::str::contains("18 CSV files (one per sheet), 1 devices, 1 answers")
                    .and(predicate::str::contains("NOT encrypted")),
            );
    }
    assert_eq!(std::fs::read_dir(&dir)?.count(), 18);
    let inventory = std::fs::read_to_string(dir.join("03-1 Inventory.csv"))?;
    assert!(inventory.contains("DEV-0001,,'=Pump,"), "{inventory}");

    let json = env.path("a.json");
    env.wb()
        .args(["export", "json"])
        .arg(&json)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("1 devices, 1 answers, 1 risks; read back and checked")
                .and(predicate::str::contains("NOT encrypted")),
        );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
    assert!(schema_errors(&doc)?.is_empty());
    assert_eq!(doc["answers"][0]["note"], "-3 dB");
    // Again over the earlier export: replaced.
    env.wb()
        .args(["export", "json"])
        .arg(&json)
        .assert()
        .success();

    // Someone else's file is never replaced.
    let foreign = env.path("notes.json");
    std::fs::write(&foreign, "{\"mine\": true}")?;
    env.wb()
        .args(["export", "json"])
        .arg(&foreign)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a medsec JSON export"));
    assert_eq!(std::fs::read_to_string(&foreign)?, "{\"mine\": true}");
    env.wb()
        .args(["export", "csv"])
        .arg(&foreign)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a file"));
    let taken = env.path("taken");
    std::fs::create_dir(&taken)?;
    std::fs::write(taken.join("01-Cover.csv"), "mine")?;
    env.wb()
        .args(["export", "csv"])
        .arg(&taken)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already holds 01-Cover.csv"));
    assert_eq!(std::fs::read_dir(&taken)?.count(), 1);
    env.wb()
        .args(["export", "json"])
        .arg(env.path("a.txt"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ending in .json"));
    Ok(())
}
