//! `export xlsx` and `export template` through the library, read back with calamine (and the zip
//! container for what calamine does not expose).

use std::io::Read;
use std::path::Path;

use calamine::{Data, Range, Reader, SheetVisible, Xlsx, open_workbook};
use chrono::NaiveDate;
use medsec::assessment::{Response, Target, progress};
use medsec::catalog::catalog;
use medsec::device::fields::FIELDS;
use medsec::export::{ExportOptions, export_template, export_xlsx};
use medsec::workbook::{
    AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, Workbook,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SHEETS: [&str; 18] = [
    "Cover",
    "Summary",
    "1 Inventory",
    "1 Inventory Checks",
    "2 Vulnerability",
    "2 CVE Findings",
    "3 Encryption",
    "4 Access Control",
    "5 Network Segmentation",
    "6 Patch Management",
    "7 Incident Response",
    "8 Cloud Security",
    "Risk Register",
    "Risk Matrix",
    "MDS2",
    "Control Catalog",
    "Lists",
    "_medsec",
];

fn opts() -> Result<ExportOptions, Box<dyn std::error::Error>> {
    Ok(ExportOptions {
        as_of: NaiveDate::from_ymd_opt(2026, 6, 30).ok_or("date")?,
        app_version: "0.1.0-test",
    })
}

fn device(values: &[(&'static str, &str)], extra: &[(&str, &str)]) -> DeviceChange {
    DeviceChange {
        values: values.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        extra: extra
            .iter()
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect(),
        ..DeviceChange::default()
    }
}

fn answer(response: Response, note: &str, l: Option<u8>, i: Option<u8>) -> AnswerInput {
    AnswerInput {
        response: Some(Some(response)),
        note: Some(note.to_string()),
        likelihood: l,
        impact: i,
        ..AnswerInput::default()
    }
}

/// Excel serial of a date (1900 system, dates after 1900-02-28).
fn serial(y: i32, m: u32, d: u32) -> Result<f64, Box<dyn std::error::Error>> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or("base")?;
    let date = NaiveDate::from_ymd_opt(y, m, d).ok_or("date")?;
    Ok((date - base).num_days() as f64)
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

fn number(range: &Range<Data>, row: usize, col: usize) -> Option<f64> {
    match range.get((row, col)) {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        Some(Data::DateTime(d)) => Some(d.as_f64()),
        _ => None,
    }
}

fn is_date(range: &Range<Data>, row: usize, col: usize) -> bool {
    matches!(range.get((row, col)), Some(Data::DateTime(d)) if d.is_datetime())
}

/// The row whose columns `cols` hold `values`.
fn find_row(range: &Range<Data>, cols: &[usize], values: &[&str]) -> Option<usize> {
    (0..range.height()).find(|r| {
        cols.iter()
            .zip(values)
            .all(|(c, v)| text(range, *r, *c) == *v)
    })
}

fn medsec_values(
    xl: &mut Xlsx<std::io::BufReader<std::fs::File>>,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let meta = xl.worksheet_range("_medsec")?;
    Ok((1..meta.height())
        .map(|r| {
            let v = match meta.get((r, 1)) {
                Some(Data::Float(f)) => f.to_string(),
                Some(Data::String(s)) => s.clone(),
                _ => String::new(),
            };
            (text(&meta, r, 0), v)
        })
        .collect())
}

fn workbook_xml(path: &Path) -> Result<String, Box<dyn std::error::Error>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let mut xml = String::new();
    zip.by_name("xl/workbook.xml")?.read_to_string(&mut xml)?;
    Ok(xml)
}

#[test]
fn exports_devices_answers_and_scope_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let meta = AssessmentMeta {
        organisation: "St. Example Hospital".into(),
        assessor: "A. Assessor".into(),
        ..AssessmentMeta::default()
    };
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        meta,
    )?;
    let d1 = wb.add_device(
        &device(
            &[
                ("name", "Infusion pump A"),
                ("asset_tag", "A-100"),
                ("category", "Infusion pump"),
                ("manufacturer", "Baxter"),
                ("model", "Sigma Spectrum"),
                ("serial_number", "0012345"),
                ("site", "Main"),
                ("room", "ICU 3"),
                ("department", "ICU"),
                ("install_date", "2021-03-04"),
                ("os_end_of_support", "2020-01-14"),
                ("last_seen", "2026-11-29T10:15:00Z"),
                ("ip_addresses", "10.0.0.5"),
                ("mac_addresses", "00:1A:2B:3C:4D:5E"),
                ("criticality", "Life-sustaining"),
                ("clinical_impact", "4"),
                ("notes", "=1+1 and a\u{b}tab"),
            ],
            &[("Cost centre", "4711"), ("Ward code", "+49")],
        ),
        FieldSource::Typed,
    )?;
    let d2 = wb.add_device(
        &device(
            &[
                ("name", "Infusion pump B"),
                ("manufacturer", "baxter"),
                ("model", "SIGMA SPECTRUM"),
                ("site", "main"),
            ],
            &[("Ward code", "-7")],
        ),
        FieldSource::Typed,
    )?;
    let d3 = wb.add_device(&device(&[("name", "Workstation")], &[]), FieldSource::Typed)?;

    let cat = catalog();
    let ctl = |id: &str| cat.control(id).ok_or(format!("no {id}"));
    let model = Target::Model {
        manufacturer: "Baxter".into(),
        model: "Sigma Spectrum".into(),
    };
    wb.set_answer(
        &Target::Device(d1.id),
        ctl("ENC-01")?,
        &answer(
            Response::No,
            "=SUM(A1) no disk encryption",
            Some(4),
            Some(5),
        ),
    )?;
    wb.set_answer(
        &Target::Device(d1.id),
        ctl("ENC-03")?,
        &answer(Response::Partial, "TLS\u{b}1.0 only", None, None),
    )?;
    wb.set_answer(
        &Target::Device(d1.id),
        ctl("INV-01")?,
        &answer(Response::Yes, "label matches", None, None),
    )?;
    wb.set_answer(
        &model,
        ctl("ENC-02")?,
        &answer(Response::No, "one key for all customers", Some(3), Some(3)),
    )?;
    wb.set_answer(
        &Target::Device(d2.id),
        ctl("ENC-02")?,
        &answer(Response::Yes, "site key installed", None, None),
    )?;
    wb.set_answer(
        &Target::Device(d3.id),
        ctl("ENC-02")?,
        &answer(Response::Unknown, "", None, None),
    )?;
    wb.set_answer(
        &Target::Site("Main".into()),
        ctl("IR-01")?,
        &answer(Response::Yes, "plan v3", None, None),
    )?;
    wb.set_answer(
        &Target::Site(String::new()),
        ctl("IR-03")?,
        &answer(Response::No, "no reporting path", Some(2), Some(5)),
    )?;

    // Text that XML and spreadsheets treat specially survives the round trip.
    let tricky = " leading space\r\nsecond line\tTab _x0041_ & <b> 東芝 😀 trailing ";
    wb.set_answer(
        &Target::Device(d1.id),
        ctl("VULN-01")?,
        &answer(Response::Yes, tricky, None, None),
    )?;
    let out = dir.path().join("export.xlsx");
    let summary = export_xlsx(&wb, &out, &opts()?)?;
    if let Some(keep) = std::env::var_os("MEDSEC_KEEP_EXPORT") {
        std::fs::copy(&out, keep)?;
    }
    assert_eq!(summary.devices, 3);
    assert_eq!(summary.answers, 9);
    let names: Vec<&str> = summary.sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, SHEETS);
    // Nothing but the export is left next to it.
    let left: Vec<_> = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out)?.permissions().mode() & 0o777, 0o600);
    }

    let mut xl: Xlsx<_> = open_workbook(&out)?;
    assert_eq!(xl.sheet_names(), SHEETS);
    let meta_sheet = xl
        .sheets_metadata()
        .iter()
        .find(|s| s.name == "_medsec")
        .map(|s| s.visible);
    assert_eq!(meta_sheet, Some(SheetVisible::VeryHidden));
    assert!(workbook_xml(&out)?.contains(r#"name="_medsec" sheetId="18" state="veryHidden""#));

    // 1 Inventory: every field in its column, dates as dates, hidden UUID, extras.
    let inv = xl.worksheet_range("1 Inventory")?;
    for (col, f) in FIELDS.iter().enumerate() {
        assert_eq!(text(&inv, 0, col), f.header);
    }
    let col = |key: &str| {
        FIELDS
            .iter()
            .position(|f| f.key == key)
            .ok_or(format!("no {key}"))
    };
    assert_eq!(text(&inv, 1, 0), "DEV-0001");
    assert_eq!(text(&inv, 3, 0), "DEV-0003");
    for (key, value) in &d1.values {
        let c = col(key)?;
        match key.as_str() {
            "install_date" | "os_end_of_support" | "last_seen" | "clinical_impact" => continue,
            "notes" => assert_eq!(text(&inv, 1, c), "=1+1 and atab"),
            _ => assert_eq!(&text(&inv, 1, c), value, "{key}"),
        }
    }
    assert!(is_date(&inv, 1, col("install_date")?));
    assert_eq!(
        number(&inv, 1, col("install_date")?),
        Some(serial(2021, 3, 4)?)
    );
    assert_eq!(
        number(&inv, 1, col("os_end_of_support")?),
        Some(serial(2020, 1, 14)?)
    );
    assert!(is_date(&inv, 1, col("last_seen")?));
    let seen = serial(2026, 11, 29)? + (10.0 * 3600.0 + 15.0 * 60.0) / 86400.0;
    assert!((number(&inv, 1, col("last_seen")?).ok_or("last_seen")? - seen).abs() < 1e-9);
    assert_eq!(
        inv.get((1, col("clinical_impact")?)),
        Some(&Data::Float(4.0))
    );
    let set = wb.answer_set()?;
    let p1 = progress(cat, &set, &d1);
    let pct = p1.total.compliance().ok_or("compliance")? / 100.0;
    assert_eq!(number(&inv, 1, col("compliance_pct")?), Some(pct));
    assert_eq!(text(&inv, 1, col("highest_risk_level")?), "Very High");
    assert!(is_date(&inv, 1, col("last_assessed")?));
    assert_eq!(text(&inv, 1, col("last_assessor")?), "A. Assessor");
    let uuid_col = FIELDS.len();
    assert_eq!(text(&inv, 0, uuid_col), "Device UUID");
    assert_eq!(text(&inv, 2, uuid_col), d2.uuid);
    assert_eq!(text(&inv, 0, uuid_col + 1), "extra: Cost centre");
    assert_eq!(text(&inv, 0, uuid_col + 2), "extra: Ward code");
    assert_eq!(text(&inv, 1, uuid_col + 1), "4711");
    assert_eq!(text(&inv, 1, uuid_col + 2), "+49");
    assert_eq!(text(&inv, 2, uuid_col + 2), "-7");

    // 3 Encryption: device rows, the override, the model-less device, the model rows.
    let enc = xl.worksheet_range("3 Encryption")?;
    assert_eq!(text(&enc, 0, 0), "Device ID");
    assert_eq!(text(&enc, 0, 32), "Row Key");
    assert_eq!(enc.height(), 1 + 5 + 6 + 8 + 3);
    let r = find_row(&enc, &[0, 3], &["DEV-0001", "ENC-01"]).ok_or("DEV-0001 ENC-01")?;
    assert_eq!(text(&enc, r, 1), "Infusion pump A");
    assert_eq!(text(&enc, r, 2), "ICU 3 / ICU / Main");
    assert_eq!(text(&enc, r, 6), "Device");
    assert_eq!(text(&enc, r, 7), "No");
    assert_eq!(text(&enc, r, 10), "=SUM(A1) no disk encryption");
    assert_eq!(number(&enc, r, 16), Some(4.0));
    assert_eq!(number(&enc, r, 17), Some(5.0));
    assert_eq!(number(&enc, r, 18), Some(20.0));
    assert_eq!(text(&enc, r, 19), "Very High");
    assert_eq!(text(&enc, r, 20), "");
    assert_eq!(text(&enc, r, 24), "Open");
    assert_eq!(text(&enc, r, 27), "A. Assessor");
    assert!(is_date(&enc, r, 28));
    assert_eq!(text(&enc, r, 32), format!("{}|ENC-01", d1.uuid));
    let r = find_row(&enc, &[0, 3], &["DEV-0001", "ENC-03"]).ok_or("DEV-0001 ENC-03")?;
    assert_eq!(text(&enc, r, 7), "Partial");
    assert_eq!(text(&enc, r, 10), "TLS1.0 only");
    assert_eq!(number(&enc, r, 16), Some(2.0));
    assert_eq!(text(&enc, r, 20), "default");
    assert!(find_row(&enc, &[0, 3], &["DEV-0001", "ENC-02"]).is_none());
    let r = find_row(&enc, &[0, 3], &["DEV-0002", "ENC-02"]).ok_or("DEV-0002 ENC-02")?;
    assert_eq!(
        (text(&enc, r, 6), text(&enc, r, 7)),
        ("Device (override)".into(), "Yes".into())
    );
    assert_eq!(text(&enc, r, 18), "");
    let r = find_row(&enc, &[0, 3], &["DEV-0003", "ENC-02"]).ok_or("DEV-0003 ENC-02")?;
    assert_eq!(
        (text(&enc, r, 6), text(&enc, r, 7)),
        ("Device".into(), "Unknown".into())
    );
    let r =
        find_row(&enc, &[0, 3], &["MODEL:Baxter/Sigma Spectrum", "ENC-02"]).ok_or("model row")?;
    assert_eq!(text(&enc, r, 6), "Model");
    assert_eq!(number(&enc, r, 18), Some(9.0));
    assert_eq!(text(&enc, r, 19), "Moderate");
    assert_eq!(text(&enc, r, 32), "MODEL:baxter/sigma spectrum|ENC-02");
    // Model rows follow every device row.
    assert!(r > find_row(&enc, &[0], &["DEV-0003"]).ok_or("dev 3")?);

    let vuln = xl.worksheet_range("2 Vulnerability")?;
    let r = find_row(&vuln, &[0, 3], &["DEV-0001", "VULN-01"]).ok_or("VULN-01")?;
    assert_eq!(text(&vuln, r, 10), tricky.replace("\r\n", "\n"));

    // 7 Incident Response: the default site first, then Main, each with the site controls.
    let ir = xl.worksheet_range("7 Incident Response")?;
    let r = find_row(&ir, &[0, 3], &["SITE", "IR-03"]).ok_or("SITE IR-03")?;
    assert_eq!(
        (text(&ir, r, 6), text(&ir, r, 7)),
        ("Site".into(), "No".into())
    );
    assert_eq!(text(&ir, r, 19), "Moderate");
    let r2 = find_row(&ir, &[0, 3], &["SITE:Main", "IR-01"]).ok_or("SITE:Main IR-01")?;
    assert!(r2 > r);
    assert_eq!(text(&ir, r2, 7), "Yes");

    // Formulas carry their cached results, and the formulas are the template's.
    let formulas = xl.worksheet_formula("3 Encryption")?;
    let r = find_row(&enc, &[0, 3], &["DEV-0001", "ENC-01"]).ok_or("row")?;
    // Formula ranges start at their first formula: look cells up by absolute position.
    let at = |range: &Range<String>, r: usize, c: usize| {
        range
            .get_value((r as u32, c as u32))
            .cloned()
            .unwrap_or_default()
    };
    let f = |c: usize| at(&formulas, r, c);
    let n = r + 1;
    assert_eq!(f(18), format!(r#"IF(OR(Q{n}="",R{n}=""),"",Q{n}*R{n})"#));
    assert_eq!(
        f(19),
        format!(r#"IF(S{n}="","",INDEX(RiskGrid,6-Q{n},R{n}))"#)
    );
    assert_eq!(f(10), "", "a note is never a formula");

    // Summary: per-step counts with cached results.
    let sum = xl.worksheet_range("Summary")?;
    let r = find_row(&sum, &[0], &["3 Data Encryption"]).ok_or("summary row")?;
    let counts: Vec<Option<f64>> = (1..=8).map(|c| number(&sum, r, c)).collect();
    assert_eq!(
        counts,
        [22.0, 5.0, 1.0, 1.0, 2.0, 0.0, 1.0, 17.0]
            .map(Some)
            .to_vec()
    );
    assert_eq!(number(&sum, r, 9), Some((1.0 + 0.5 * 1.0) / 4.0));
    assert_eq!(number(&sum, r, 10), Some(4.0 / 22.0));
    let sf = xl.worksheet_formula("Summary")?;
    assert_eq!(
        at(&sf, r, 3),
        r#"COUNTIFS('3 Encryption'!H:H,"Yes",'3 Encryption'!I:I,"")"#
    );

    // Risk Register: PRODUCT.md order, model and site findings once, each with the stable Risk
    // ID of its register entry (created when the answer became a finding).
    let reg = xl.worksheet_range("Risk Register")?;
    let ids: Vec<(String, String, String)> = (1..reg.height())
        .map(|r| (text(&reg, r, 0), text(&reg, r, 1), text(&reg, r, 3)))
        .collect();
    let site = Target::Site(String::new());
    let rows: [(&Target, &str, &str); 5] = [
        (&Target::Device(d1.id), "DEV-0001", "ENC-01"),
        (&site, "SITE", "IR-03"),
        (&Target::Device(d3.id), "DEV-0003", "ENC-02"),
        (&model, "MODEL:Baxter/Sigma Spectrum", "ENC-02"),
        (&Target::Device(d1.id), "DEV-0001", "ENC-03"),
    ];
    let mut want = Vec::new();
    for (target, shown, control) in rows {
        let id = wb
            .risk_entry(target, control)?
            .and_then(|e| e.risk_id())
            .ok_or(format!("no entry for {shown} {control}"))?;
        want.push((id, shown.to_string(), control.to_string()));
    }
    assert_eq!(ids, want);
    assert_eq!(number(&reg, 1, 10), Some(20.0));
    assert_eq!(text(&reg, 1, 11), "Very High");
    assert_eq!(text(&reg, 1, 16), "Open");

    // Risk Matrix and its defined name.
    let m = xl.worksheet_range("Risk Matrix")?;
    assert_eq!(text(&m, 15, 5), "Very High");
    assert_eq!(text(&m, 19, 1), "Very Low");
    assert!(workbook_xml(&out)?.contains("'Risk Matrix'!$B$16:$F$20"));

    // _medsec.
    let kv = medsec_values(&mut xl)?;
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(get("format_version").as_deref(), Some("1"));
    assert_eq!(get("workbook_id"), Some(wb.meta().workbook_id.clone()));
    assert_eq!(get("as_of").as_deref(), Some("2026-06-30"));
    assert_eq!(get("rows:3 Encryption").as_deref(), Some("22"));
    assert_eq!(get("rows:1 Inventory").as_deref(), Some("3"));
    assert_eq!(get("sha256:3 Encryption").map(|h| h.len()), Some(64));

    // Deterministic: the same data and as-of give the same sheet hashes.
    let again = dir.path().join("again.xlsx");
    export_xlsx(&wb, &again, &opts()?)?;
    let mut xl2: Xlsx<_> = open_workbook(&again)?;
    let kv2 = medsec_values(&mut xl2)?;
    let hashes = |kv: &[(String, String)]| {
        kv.iter()
            .filter(|(k, _)| k.starts_with("sha256:") || k.starts_with("rows:"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(hashes(&kv), hashes(&kv2));
    Ok(())
}

#[test]
fn template_has_blank_devices_and_no_workbook_id() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("template.xlsx");
    let summary = export_template(&out, 4, &opts()?)?;
    assert_eq!(summary.devices, 4);
    assert_eq!(summary.answers, 0);
    let mut xl: Xlsx<_> = open_workbook(&out)?;
    assert_eq!(xl.sheet_names(), SHEETS);
    let inv = xl.worksheet_range("1 Inventory")?;
    assert_eq!(inv.height(), 5);
    assert_eq!(text(&inv, 4, 0), "DEV-0004");
    assert!((1..inv.width()).all(|c| text(&inv, 1, c).is_empty()));
    let kv = medsec_values(&mut xl)?;
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(get("workbook_id").as_deref(), Some(""));
    assert_eq!(get("rows:1 Inventory").as_deref(), Some("4"));
    // Each blank device answers every non-site IR control itself; the default site once.
    let ir = xl.worksheet_range("7 Incident Response")?;
    let site = catalog().steps[6]
        .controls
        .iter()
        .filter(|c| c.scope == medsec::catalog::Scope::Site)
        .count();
    assert_eq!(ir.height(), 1 + 4 * (8 - site) + site);
    assert_eq!(text(&ir, ir.height() - 1, 0), "SITE");
    let lists = xl.worksheet_range("Lists")?;
    assert_eq!(text(&lists, 0, 0), "Response");
    assert_eq!(text(&lists, 5, 0), "Unknown");
    let cat = xl.worksheet_range("Control Catalog")?;
    assert_eq!(cat.height(), 73);
    Ok(())
}

#[test]
fn a_folder_as_output_is_refused_and_leaves_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let err = export_template(dir.path(), 1, &opts()?)
        .err()
        .ok_or("should fail")?;
    assert!(err.to_string().contains("folder"), "{err}");
    let missing = dir.path().join("no/such/dir/x.xlsx");
    let err = export_template(&missing, 1, &opts()?)
        .err()
        .ok_or("should fail")?;
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 0);
    Ok(())
}

/// A size check, not a timed test: `cargo test --release --test export_xlsx -- --ignored
/// --nocapture` prints how long a 10,000-device template takes to write and verify.
#[test]
#[ignore]
fn large_template_export() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("large.xlsx");
    let start = std::time::Instant::now();
    let summary = export_template(&out, 10_000, &opts()?)?;
    let rows: usize = summary.sheets.iter().map(|(_, n)| n).sum();
    eprintln!(
        "10,000 blank devices: {rows} rows, {} bytes, {:.1} s",
        std::fs::metadata(&out)?.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A size check with answers: `MEDSEC_BENCH_DEVICES=2000 cargo test --release --test
/// export_xlsx answered -- --ignored --nocapture` (default 300 devices, every device-scoped
/// control answered, with notes).
#[test]
#[ignore]
fn large_answered_export() -> TestResult {
    let n: usize = std::env::var("MEDSEC_BENCH_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        AssessmentMeta::default(),
    )?;
    let start = std::time::Instant::now();
    let responses = [
        Response::Yes,
        Response::No,
        Response::Partial,
        Response::Unknown,
    ];
    for i in 0..n {
        let model = format!("M{}", i % 20);
        let d = wb.add_device(
            &device(
                &[
                    ("name", &format!("Device {i}")),
                    ("manufacturer", "Acme"),
                    ("model", &model),
                    ("site", if i % 2 == 0 { "North" } else { "South" }),
                ],
                &[],
            ),
            FieldSource::Typed,
        )?;
        for (k, c) in catalog()
            .controls()
            .filter(|c| c.scope == medsec::catalog::Scope::Device)
            .enumerate()
        {
            let r = responses[(i + k) % responses.len()];
            let note = format!("observed on the unit during walkthrough {i}-{k}");
            wb.set_answer(
                &Target::Device(d.id),
                c,
                &answer(r, &note, Some(3), Some(4)),
            )?;
        }
    }
    eprintln!(
        "{n} devices answered in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let out = dir.path().join("answered.xlsx");
    let start = std::time::Instant::now();
    let summary = export_xlsx(&wb, &out, &opts()?)?;
    eprintln!(
        "export: {} answers, {} bytes, {:.2} s",
        summary.answers,
        std::fs::metadata(&out)?.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[test]
fn a_failed_export_leaves_the_previous_file_alone() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        AssessmentMeta::default(),
    )?;
    wb.add_device(&device(&[("name", "Pump")], &[]), FieldSource::Typed)?;
    let out = dir.path().join("out.xlsx");
    export_xlsx(&wb, &out, &opts()?)?;
    let previous = std::fs::read(&out)?;
    // A note too long for a cell (stored past the library's checks) makes the next export fail.
    let long = "x".repeat(40_000);
    wb.add_device(
        &device(&[("name", "Pump 2"), ("notes", &long)], &[]),
        FieldSource::Typed,
    )?;
    let err = export_xlsx(&wb, &out, &opts()?)
        .err()
        .ok_or("should fail")?;
    let msg = err.to_string();
    assert!(
        msg.contains("out.xlsx") && msg.contains("1 Inventory"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&out)?, previous);
    // Anything that is not an earlier medsec export is never replaced.
    let other = dir.path().join("other.xlsx");
    std::fs::write(&other, b"PK\x03\x04not a medsec export")?;
    assert!(export_xlsx(&wb, &other, &opts()?).is_err());
    assert_eq!(std::fs::read(&other)?, b"PK\x03\x04not a medsec export");
    let names: Vec<_> = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".medsec-")), "{names:?}");
    Ok(())
}

/// Owner, due date and status set on findings (the TUI's Findings screen, `set_risk_entry`) reach
/// the `Risk Register`, the control sheets and the Summary's open and overdue counts.
#[test]
fn register_entries_reach_the_export() -> TestResult {
    use medsec::risk::RiskStatus;
    use medsec::workbook::{Due, RiskEntryInput};
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        AssessmentMeta::default(),
    )?;
    let d = wb.add_device(
        &device(&[("name", "Pump"), ("criticality", "Therapeutic")], &[]),
        FieldSource::Typed,
    )?;
    let cat = catalog();
    let inv01 = cat.control("INV-01").ok_or("INV-01")?;
    let inv02 = cat.control("INV-02").ok_or("INV-02")?;
    let target = Target::Device(d.id);
    wb.set_answer(&target, inv01, &answer(Response::No, "", Some(4), Some(4)))?;
    wb.set_answer(&target, inv02, &answer(Response::No, "", Some(5), Some(5)))?;
    // INV-01: in progress, owned, overdue on the as-of date (2026-06-30).
    wb.set_risk_entry(
        &target,
        "INV-01",
        &RiskEntryInput {
            owner: Some("Biomed — J. Müller".into()),
            due: NaiveDate::from_ymd_opt(2026, 6, 1).map(Due::On),
            status: Some(RiskStatus::InProgress),
            ..RiskEntryInput::default()
        },
    )?;
    // INV-02: the higher risk, but closed: after the open one, out of the counts.
    wb.set_risk_entry(
        &target,
        "INV-02",
        &RiskEntryInput {
            status: Some(RiskStatus::Closed),
            ..RiskEntryInput::default()
        },
    )?;
    let out = dir.path().join("out.xlsx");
    export_xlsx(&wb, &out, &opts()?)?;
    let mut xl: Xlsx<_> = open_workbook(&out)?;
    let reg = xl.worksheet_range("Risk Register")?;
    // Row 1 holds the open finding, row 2 the closed one.
    assert_eq!(text(&reg, 1, 3), "INV-01");
    assert_eq!(text(&reg, 1, 14), "Biomed — J. Müller");
    assert_eq!(number(&reg, 1, 15), Some(serial(2026, 6, 1)?));
    assert!(is_date(&reg, 1, 15));
    assert_eq!(text(&reg, 1, 16), "In Progress");
    assert_eq!(text(&reg, 1, 26), "Yes", "overdue");
    assert_eq!(text(&reg, 2, 3), "INV-02");
    assert_eq!(text(&reg, 2, 16), "Closed");
    assert_eq!(text(&reg, 2, 26), "", "closed is never overdue");
    // The control sheet shows them read-only (W, X, Y).
    let inv = xl.worksheet_range("1 Inventory Checks")?;
    let row = find_row(&inv, &[3], &["INV-01"]).ok_or("INV-01 row")?;
    assert_eq!(text(&inv, row, 22), "Biomed — J. Müller");
    assert_eq!(text(&inv, row, 24), "In Progress");
    let row = find_row(&inv, &[3], &["INV-02"]).ok_or("INV-02 row")?;
    assert_eq!(text(&inv, row, 24), "Closed");
    // Summary: one open risk, one overdue; the cached results say so.
    let sum = xl.worksheet_range("Summary")?;
    let at = |label: &str| {
        (0..sum.height())
            .find(|r| text(&sum, *r, 0) == label)
            .and_then(|r| number(&sum, r, 1))
    };
    assert_eq!(at("Open risks"), Some(1.0));
    assert_eq!(at("Overdue (open, due before 2026-06-30)"), Some(1.0));
    assert_eq!(
        at("High"),
        Some(1.0),
        "INV-01 (L4 × I4) is High; INV-02 is closed"
    );
    assert_eq!(at("Very High"), Some(0.0));
    Ok(())
}
