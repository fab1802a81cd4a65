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

/// Excel serial of a date.
fn serial_of(date: NaiveDate) -> Result<f64, Box<dyn std::error::Error>> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or("base")?;
    Ok((date - base).num_days() as f64)
}

fn day(text: &str) -> Result<NaiveDate, Box<dyn std::error::Error>> {
    Ok(text.parse::<NaiveDate>()?)
}

/// `Yes` or blank, as the register's Expired and Overdue columns say it.
fn yes(flag: bool) -> String {
    if flag { "Yes".into() } else { String::new() }
}

/// The row (0-based) whose column A is `label`.
fn row_labelled(range: &Range<Data>, label: &str) -> Result<usize, String> {
    (0..range.height())
        .find(|r| text(range, *r, 0) == label)
        .ok_or(format!("no row {label:?}"))
}

/// The row (0-based) whose column A starts with `prefix`.
fn row_starting(range: &Range<Data>, prefix: &str) -> Result<usize, String> {
    (0..range.height())
        .find(|r| text(range, *r, 0).starts_with(prefix))
        .ok_or(format!("no row starting {prefix:?}"))
}

/// A workbook with every kind of register entry: devices of four criticalities, a model finding
/// that one unit overrides, a site finding, entries In Progress / Closed / accepted with a past
/// and a future review date, per-dimension, single-number and default impacts, residual ratings,
/// hand-set due dates either side of the as-of date, and one grid cell edited (L3 × I4 High).
fn risk_workbook(dir: &Path) -> Result<Workbook, Box<dyn std::error::Error>> {
    use medsec::risk::{RiskGrid, RiskLevel, RiskStatus, Treatment};
    use medsec::workbook::{Due, RiskEntryInput};
    let meta = AssessmentMeta {
        organisation: "St. Example Hospital".into(),
        assessor: "A. Assessor".into(),
        ..AssessmentMeta::default()
    };
    let mut wb = Workbook::create(
        &dir.join("risk.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        meta,
    )?;
    let vent = |name: &str, site: &str| {
        device(
            &[
                ("name", name),
                ("manufacturer", "Hamilton"),
                ("model", "C6"),
                ("site", site),
                ("criticality", "Life-sustaining"),
                ("clinical_impact", "5"),
            ],
            &[],
        )
    };
    let mut v1 = vent("Ventilator A", "Main");
    v1.values.push(("phi_stored", "Yes".into()));
    v1.values.push(("os_end_of_support", "2020-01-14".into()));
    v1.values.push(("mds2_available", "Yes".into()));
    let d1 = wb.add_device(&v1, FieldSource::Typed)?;
    let d2 = wb.add_device(&vent("Ventilator B", "main"), FieldSource::Typed)?;
    let d3 = wb.add_device(
        &device(
            &[
                ("name", "Bedside monitor"),
                ("site", "North"),
                ("criticality", "Monitoring"),
                ("phi_displayed", "Yes"),
                ("sbom_available", "Yes"),
            ],
            &[],
        ),
        FieldSource::Typed,
    )?;
    let d4 = wb.add_device(
        &device(
            &[("name", "Workstation"), ("criticality", "Non-clinical")],
            &[],
        ),
        FieldSource::Typed,
    )?;
    let mut grid = RiskGrid::default();
    grid.set(3, 4, RiskLevel::High);
    wb.set_risk_grid(grid)?;

    let cat = catalog();
    let (t1, t2, t3, t4) = (
        Target::Device(d1.id),
        Target::Device(d2.id),
        Target::Device(d3.id),
        Target::Device(d4.id),
    );
    let model = Target::Model {
        manufacturer: "Hamilton".into(),
        model: "C6".into(),
    };
    let main = Target::Site("Main".into());
    let answers: [(&Target, &str, AnswerInput); 11] = [
        (
            &t1,
            "ENC-01",
            answer(Response::No, "no disk encryption", Some(4), Some(5)),
        ),
        // Default likelihood and impact: the dimensions show the device's defaults.
        (
            &t1,
            "ACC-04",
            answer(Response::No, "no MFA for service", None, None),
        ),
        (
            &t1,
            "PATCH-01",
            answer(Response::No, "two releases behind", Some(4), Some(4)),
        ),
        (
            &t3,
            "ACC-01",
            AnswerInput {
                likelihood: Some(3),
                dimension_impacts: Some([Some(2), Some(4), Some(3)]),
                ..answer(Response::Partial, "shared clinical login", None, None)
            },
        ),
        (&t3, "NET-03", answer(Response::No, "", Some(2), Some(2))),
        (
            &t4,
            "VULN-05",
            answer(Response::No, "default password", Some(5), Some(5)),
        ),
        (
            &t4,
            "VULN-06",
            answer(Response::Partial, "", Some(2), Some(2)),
        ),
        (&t4, "INV-01", answer(Response::No, "", Some(1), Some(1))),
        (
            &model,
            "ENC-02",
            answer(Response::No, "one key for all", Some(3), Some(4)),
        ),
        // Unit B overrides the model's answer: the model finding is shown on unit A only.
        (
            &t2,
            "ENC-02",
            answer(Response::Yes, "site key installed", None, None),
        ),
        (
            &main,
            "IR-03",
            answer(Response::Unknown, "", Some(2), Some(5)),
        ),
    ];
    for (target, control, input) in &answers {
        let c = cat.control(control).ok_or(format!("no {control}"))?;
        wb.set_answer(target, c, input)?;
    }
    let entries: [(&Target, &str, RiskEntryInput); 7] = [
        (
            &t1,
            "ENC-01",
            RiskEntryInput {
                treatment: Some(Some(Treatment::Mitigate)),
                planned_actions: Some("Enable AES-256\nafter vendor approval".into()),
                owner: Some("Biomed — J. Müller".into()),
                due: Some(Due::On(day("2027-01-15")?)),
                status: Some(RiskStatus::InProgress),
                residual_likelihood: Some(Some(2)),
                residual_impact: Some(Some(3)),
                ..RiskEntryInput::default()
            },
        ),
        (
            &t1,
            "PATCH-01",
            RiskEntryInput {
                residual_likelihood: Some(Some(4)),
                residual_impact: Some(Some(5)),
                ..RiskEntryInput::default()
            },
        ),
        (
            &t3,
            "ACC-01",
            RiskEntryInput {
                treatment: Some(Some(Treatment::Accept)),
                accepted_by: Some("CISO".into()),
                acceptance_note: Some("Shared login by design; badge tap".into()),
                accepted_on: Some(Some(day("2026-10-01")?)),
                review_date: Some(Some(day("2027-01-31")?)),
                ..RiskEntryInput::default()
            },
        ),
        (
            &t3,
            "NET-03",
            RiskEntryInput {
                treatment: Some(Some(Treatment::Accept)),
                accepted_by: Some("CISO".into()),
                acceptance_note: Some("Cloud reporting needed".into()),
                review_date: Some(Some(day("2027-12-31")?)),
                ..RiskEntryInput::default()
            },
        ),
        (
            &t4,
            "VULN-05",
            RiskEntryInput {
                status: Some(RiskStatus::Closed),
                ..RiskEntryInput::default()
            },
        ),
        (
            &model,
            "ENC-02",
            RiskEntryInput {
                treatment: Some(Some(Treatment::Transfer)),
                owner: Some("Vendor management".into()),
                due: Some(Due::On(day("2027-06-01")?)),
                residual_likelihood: Some(Some(3)),
                residual_impact: Some(Some(4)),
                ..RiskEntryInput::default()
            },
        ),
        (
            &main,
            "IR-03",
            RiskEntryInput {
                owner: Some("Security office".into()),
                ..RiskEntryInput::default()
            },
        ),
    ];
    for (target, control, input) in &entries {
        wb.set_risk_entry(target, control, input)?;
    }
    Ok(wb)
}

/// The risk sheets read back cell by cell equal the app's own register and dashboard on the
/// same workbook and as-of date: every Risk Register column and cached formula result, the
/// Summary's counts, heat map and top ten, the Risk Matrix grid, the control sheets' owner, due
/// date and status, and the Inventory's highest open risk.
#[test]
fn risk_sheets_equal_the_register_and_the_dashboard() -> TestResult {
    use medsec::risk::register::{Register, dashboard};
    use medsec::risk::{RiskLevel, RiskStatus};
    let dir = tempfile::tempdir()?;
    let wb = risk_workbook(dir.path())?;
    let as_of = day("2027-03-01")?;
    let opts = ExportOptions {
        as_of,
        app_version: "0.1.0-test",
    };
    let out = dir.path().join("risk.xlsx");
    export_xlsx(&wb, &out, &opts)?;
    if let Some(keep) = std::env::var_os("MEDSEC_KEEP_RISK_EXPORT") {
        std::fs::copy(&out, keep)?;
    }

    let cat = catalog();
    let register = Register::load(&wb)?;
    let progress = register.progress();
    let dash = dashboard(cat, &progress, &register.findings, as_of);
    let findings = &register.findings;
    assert_eq!(findings.len(), 10, "every finding once: {findings:#?}");
    // The fixture exercises what it claims to, whatever day the test runs.
    assert!(dash.overdue >= 1 && dash.closed == 1 && dash.open == 9);
    assert_eq!(findings.iter().filter(|f| f.is_expired(as_of)).count(), 1);
    assert!(findings.iter().any(|f| f.is_uncontrolled_safety()));
    assert!(findings.iter().any(|f| !f.is_overdue(as_of) && f.is_open()));

    let shown = |f: &medsec::risk::register::Finding<'_>| match &f.target {
        Target::Device(_) => f.name.clone(),
        other => other.scope_key().unwrap_or_default(),
    };
    let label = |l: Option<RiskLevel>| l.map_or(String::new(), |l| l.label().to_string());
    let num = |n: Option<u8>| n.map(f64::from);
    let date = |d: Option<NaiveDate>| d.map(serial_of).transpose();

    let mut xl: Xlsx<_> = open_workbook(&out)?;
    let reg = xl.worksheet_range("Risk Register")?;
    let reg_f = xl.worksheet_formula("Risk Register")?;
    assert_eq!(reg.height(), findings.len() + 1);
    for (i, f) in findings.iter().enumerate() {
        let r = i + 1;
        let n = r + 1;
        let e = &f.entry;
        let step = &cat.steps[f.step];
        let ctx = format!("register row {n} ({} {})", shown(f), f.control.id);
        assert_eq!(Some(text(&reg, r, 0)), e.risk_id(), "{ctx}: Risk ID");
        assert_eq!(text(&reg, r, 1), shown(f), "{ctx}");
        assert_eq!(
            text(&reg, r, 2),
            format!("{} {}", step.number, step.name),
            "{ctx}"
        );
        assert_eq!(text(&reg, r, 3), f.control.id, "{ctx}");
        assert_eq!(text(&reg, r, 4), f.description(), "{ctx}");
        for d in 0..3 {
            assert_eq!(number(&reg, r, 5 + d), num(f.dimension_impacts[d]), "{ctx}");
        }
        assert_eq!(number(&reg, r, 8), num(f.impact), "{ctx}: Impact");
        assert_eq!(number(&reg, r, 9), num(f.likelihood), "{ctx}");
        assert_eq!(number(&reg, r, 10), num(f.score()), "{ctx}: score");
        assert_eq!(text(&reg, r, 11), label(f.level()), "{ctx}: level");
        assert_eq!(
            text(&reg, r, 12),
            e.treatment.map_or("", |t| t.label()),
            "{ctx}"
        );
        assert_eq!(text(&reg, r, 13), e.planned_actions, "{ctx}");
        assert_eq!(text(&reg, r, 14), e.owner, "{ctx}");
        assert_eq!(number(&reg, r, 15), date(f.due_date())?, "{ctx}: due");
        assert_eq!(text(&reg, r, 16), e.status.label(), "{ctx}");
        assert_eq!(number(&reg, r, 17), num(e.residual_likelihood), "{ctx}");
        assert_eq!(number(&reg, r, 18), num(e.residual_impact), "{ctx}");
        assert_eq!(number(&reg, r, 19), num(f.residual_score()), "{ctx}");
        assert_eq!(text(&reg, r, 20), label(f.residual_level()), "{ctx}");
        assert_eq!(text(&reg, r, 21), e.accepted_by, "{ctx}");
        assert_eq!(text(&reg, r, 22), e.acceptance_note, "{ctx}");
        assert_eq!(number(&reg, r, 23), date(e.accepted_on)?, "{ctx}");
        assert_eq!(number(&reg, r, 24), date(e.review_date)?, "{ctx}");
        assert_eq!(
            text(&reg, r, 25),
            yes(f.is_expired(as_of)),
            "{ctx}: expired"
        );
        assert_eq!(
            text(&reg, r, 26),
            yes(f.is_overdue(as_of)),
            "{ctx}: overdue"
        );
        for c in [15, 23, 24] {
            assert!(reg.get((r, c)) == Some(&Data::Empty) || is_date(&reg, r, c));
        }
        // The formulas, blank-guarded, on this row's own cells.
        let formula = |c: usize| {
            reg_f
                .get_value((r as u32, c as u32))
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(
            formula(10),
            format!(r#"IF(OR(J{n}="",I{n}=""),"",J{n}*I{n})"#)
        );
        assert_eq!(
            formula(11),
            format!(r#"IF(K{n}="","",INDEX(RiskGrid,6-J{n},I{n}))"#)
        );
        assert_eq!(
            formula(19),
            format!(r#"IF(OR(R{n}="",S{n}=""),"",R{n}*S{n})"#)
        );
        assert_eq!(
            formula(20),
            format!(r#"IF(T{n}="","",INDEX(RiskGrid,6-R{n},S{n}))"#)
        );
        let max = format!(r#"IF(COUNT(F{n}:H{n})=0,"",MAX(F{n}:H{n}))"#);
        if f.dimension_impacts.iter().any(Option::is_some) {
            assert_eq!(formula(8), max, "{ctx}: Impact = MAX of the dimensions");
        } else {
            assert_eq!(formula(8), "", "{ctx}: a single impact is a value");
        }
    }
    // Spot checks against the fixture itself, not only against the library.
    let row_of = |device: &str, control: &str| {
        find_row(&reg, &[1, 3], &[device, control]).ok_or(format!("{device} {control}"))
    };
    let r = row_of("DEV-0003", "ACC-01")?;
    assert_eq!(
        (number(&reg, r, 8), text(&reg, r, 11)),
        (Some(4.0), "High".into()),
        "MAX(2, 4, 3) = 4; L3 × I4 is High in the edited grid"
    );
    assert_eq!(
        text(&reg, r, 25),
        "Yes",
        "accepted, review 2027-01-31 < as of"
    );
    let r = row_of("DEV-0003", "NET-03")?;
    assert_eq!(
        (number(&reg, r, 8), number(&reg, r, 5), text(&reg, r, 25)),
        (Some(2.0), None, String::new())
    );
    let r = row_of("DEV-0001", "ENC-01")?;
    assert_eq!(number(&reg, r, 15), Some(serial(2027, 1, 15)?));
    assert_eq!(text(&reg, r, 26), "Yes");
    assert_eq!(
        (number(&reg, r, 19), text(&reg, r, 20)),
        (Some(6.0), "Low".into())
    );
    assert_eq!(text(&reg, r, 13), "Enable AES-256\nafter vendor approval");
    let r = row_of("MODEL:Hamilton/C6", "ENC-02")?;
    assert_eq!(text(&reg, r, 26), "", "due 2027-06-01, after as of");
    assert_eq!(text(&reg, r, 11), "High");
    assert!(row_of("SITE:Main", "IR-03").is_ok());
    let r = row_of("DEV-0004", "VULN-05")?;
    assert_eq!(r, findings.len(), "the closed risk is last");
    assert_eq!(text(&reg, r, 16), RiskStatus::Closed.label());

    // Summary: the dashboard's figures, cached.
    let sum = xl.worksheet_range("Summary")?;
    let sum_f = xl.worksheet_formula("Summary")?;
    let head = row_labelled(&sum, "Open risks by level")?;
    for (k, level) in RiskLevel::ALL.iter().enumerate() {
        let r = head + 1 + k;
        assert_eq!(text(&sum, r, 0), level.label());
        assert_eq!(
            number(&sum, r, 1),
            Some(dash.by_level[k] as f64),
            "{level:?}"
        );
        let residual = findings
            .iter()
            .filter(|f| f.is_open() && f.residual_level() == Some(*level))
            .count();
        assert_eq!(number(&sum, r, 2), Some(residual as f64), "{level:?}");
    }
    let r = row_labelled(&sum, "Not rated")?;
    let residual_unrated = findings
        .iter()
        .filter(|f| f.is_open() && f.residual_level().is_none())
        .count();
    assert_eq!(number(&sum, r, 1), Some(dash.unrated as f64));
    assert_eq!(number(&sum, r, 2), Some(residual_unrated as f64));
    let r = row_labelled(&sum, "Open risks")?;
    assert_eq!(number(&sum, r, 1), Some(dash.open as f64));
    let count = |prefix: &str| -> Result<Option<f64>, String> {
        Ok(number(&sum, row_starting(&sum, prefix)?, 1))
    };
    assert_eq!(count("Overdue")?, Some(dash.overdue as f64));
    assert_eq!(count("Expired acceptances")?, Some(1.0));
    let uncontrolled = findings
        .iter()
        .filter(|f| f.is_uncontrolled_safety())
        .count();
    assert_eq!(
        count("Uncontrolled patient-safety risks")?,
        Some(uncontrolled as f64)
    );
    assert_eq!(count("Closed risks")?, Some(dash.closed as f64));
    // Heat map: rows likelihood 5 → 1, columns impact 1 → 5; COUNTIFS over the register.
    let heat = row_starting(&sum, "Open risks: likelihood")?;
    for l in 1..=5u8 {
        let r = heat + 1 + usize::from(5 - l);
        for i in 1..=5u8 {
            let c = usize::from(i);
            assert_eq!(
                number(&sum, r, c),
                Some(dash.heat_at(l, i) as f64),
                "heat L{l} × I{i}"
            );
            let f = sum_f
                .get_value((r as u32, c as u32))
                .cloned()
                .unwrap_or_default();
            assert!(
                f.starts_with(&format!(
                    "COUNTIFS('Risk Register'!J:J,{l},'Risk Register'!I:I,{i},"
                )),
                "{f}"
            );
        }
    }
    assert_eq!(
        dash.heat_at(3, 4),
        2,
        "ACC-01 on DEV-0003 and the model's ENC-02, once"
    );
    // Top ten: the dashboard's, with the register's Risk IDs.
    let top = row_labelled(&sum, "Top ten open risks")?;
    assert_eq!(dash.top.len(), 9);
    for (k, f) in dash.top.iter().enumerate() {
        let r = top + 1 + k;
        assert_eq!(Some(text(&sum, r, 0)), f.entry.risk_id(), "top {k}");
        assert_eq!(text(&sum, r, 1), shown(f));
        assert_eq!(text(&sum, r, 2), f.control.id);
        assert_eq!(number(&sum, r, 5), num(f.score()));
        assert_eq!(text(&sum, r, 6), label(f.level()));
        assert_eq!(text(&sum, r, 7), label(f.residual_level()));
        assert_eq!(text(&sum, r, 8), f.entry.owner);
        assert_eq!(number(&sum, r, 9), date(f.due_date())?);
        assert_eq!(text(&sum, r, 10), f.entry.status.label());
        // The same risk is on the register under the same ID.
        let on_register = find_row(&reg, &[0], &[&text(&sum, r, 0)]).ok_or("top risk")?;
        assert_eq!(text(&reg, on_register, 3), f.control.id);
    }
    assert_eq!(
        text(&sum, top + 10, 0),
        "",
        "a closed risk is never in the top ten"
    );
    // Per step: the COUNTIFS results equal the control sheet's own rows.
    for step in &cat.steps {
        let sheet = xl.worksheet_range(step.sheet_name())?;
        let r = row_labelled(&sum, &format!("{} {}", step.number, step.name))?;
        let (mut rows, mut counts) = (0usize, [0usize; 5]);
        for row in 1..sheet.height() {
            rows += 1;
            if !text(&sheet, row, 8).is_empty() {
                continue;
            }
            let pos = ["Yes", "Partial", "No", "N/A", "Unknown"]
                .iter()
                .position(|v| *v == text(&sheet, row, 7));
            if let Some(p) = pos {
                counts[p] += 1;
            }
        }
        let assessed: usize = counts.iter().sum();
        assert_eq!(number(&sum, r, 1), Some(rows as f64), "{}", step.name);
        assert_eq!(number(&sum, r, 2), Some(assessed as f64), "{}", step.name);
        for (k, n) in counts.iter().enumerate() {
            assert_eq!(number(&sum, r, 3 + k), Some(*n as f64), "{}", step.name);
        }
        let coverage = (assessed - counts[4]) as f64 / rows as f64;
        assert_eq!(number(&sum, r, 10), Some(coverage), "{}", step.name);
    }
    // Devices.
    let dev = |label: &str| -> Result<Option<f64>, String> {
        Ok(number(&sum, row_labelled(&sum, label)?, 1))
    };
    assert_eq!(dev("Devices (total)")?, Some(4.0));
    assert_eq!(
        dev("With PHI (stored, displayed or transmitted)")?,
        Some(2.0)
    );
    assert_eq!(dev("Criticality: Life-sustaining")?, Some(2.0));
    assert_eq!(dev("Criticality: Monitoring")?, Some(1.0));
    assert_eq!(dev("Past OS end of support (as of 2027-03-01)")?, Some(1.0));
    assert_eq!(dev("MDS2 on file %")?, Some(0.25));
    assert_eq!(dev("SBOM on file %")?, Some(0.25));

    // Risk Matrix: the workbook's grid, with a note naming the edited cell.
    let m = xl.worksheet_range("Risk Matrix")?;
    let grid = wb.risk_grid();
    for l in 1..=5u8 {
        for i in 1..=5u8 {
            let r = 15 + usize::from(5 - l);
            assert_eq!(
                text(&m, r, usize::from(i)),
                grid.level(l, i).label(),
                "grid L{l} × I{i}"
            );
        }
    }
    assert_eq!(text(&m, 17, 4), "High", "the edited cell");
    let note = row_starting(&m, "This workbook's grid differs")?;
    assert!(
        text(&m, note, 0).contains("1 of 25 cells: L3 × I4: High (Table I-2: Moderate)"),
        "{}",
        text(&m, note, 0)
    );
    let due = row_labelled(&m, "Level")?;
    let days: Vec<String> = (1..=5).map(|k| text(&m, due + k, 1)).collect();
    assert_eq!(days, ["14 days", "30 days", "90 days", "180 days", "none"]);
    assert!(text(&m, due + 2, 2).contains("FDA 2016"));
    let cover = xl.worksheet_range("Cover")?;
    let r = row_labelled(&cover, "Risk model")?;
    assert!(text(&cover, r, 1).contains("edited from Table I-2"));

    // Control sheets W, X, Y: the finding's owner, due date in force and status.
    for f in findings {
        let step = &cat.steps[f.step];
        let sheet = xl.worksheet_range(step.sheet_name())?;
        let r = find_row(&sheet, &[0, 3], &[&shown(f), &f.control.id]).ok_or(format!(
            "{} {} on {}",
            shown(f),
            f.control.id,
            step.name
        ))?;
        assert_eq!(text(&sheet, r, 22), f.entry.owner);
        assert_eq!(number(&sheet, r, 23), date(f.due_date())?);
        assert_eq!(text(&sheet, r, 24), f.entry.status.label());
    }
    let ir = xl.worksheet_range("7 Incident Response")?;
    let r = find_row(&ir, &[0, 3], &["SITE:Main", "IR-01"]).ok_or("IR-01")?;
    assert_eq!(
        (text(&ir, r, 22), text(&ir, r, 24)),
        (String::new(), String::new()),
        "no finding, no register columns"
    );

    // 1 Inventory: the highest OPEN risk; the closed Very High on DEV-0004 does not count.
    let inv = xl.worksheet_range("1 Inventory")?;
    let risk_col = FIELDS
        .iter()
        .position(|f| f.key == "highest_risk_level")
        .ok_or("no highest_risk_level")?;
    for (k, p) in progress.iter().enumerate() {
        assert_eq!(text(&inv, k + 1, risk_col), label(p.highest_risk));
    }
    assert_eq!(text(&inv, 4, 0), "DEV-0004");
    assert_eq!(text(&inv, 4, risk_col), "Low");
    // Unit B inherits no model finding (it overrides) but the Main site's Moderate one.
    assert_eq!(text(&inv, 2, risk_col), "Moderate");
    Ok(())
}

#[test]
fn control_sheets_name_the_attachments_in_column_m() -> TestResult {
    use medsec::evidence::read_evidence_file;
    use medsec::workbook::DEFAULT_ATTACHMENT_LIMIT;
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &Passphrase::new("correct horse battery staple".into()),
        AssessmentMeta::default(),
    )?;
    let pump = wb.add_device(
        &device(
            &[
                ("name", "Pump"),
                ("manufacturer", "Baxter"),
                ("model", "Sigma Spectrum"),
                ("site", "Main"),
            ],
            &[],
        ),
        FieldSource::Typed,
    )?;
    let other = wb.add_device(&device(&[("name", "Other")], &[]), FieldSource::Typed)?;
    let cat = catalog();
    let ctl = |id: &str| cat.control(id).ok_or(format!("no {id}"));
    let file = |name: &str, bytes: &[u8]| -> Result<_, Box<dyn std::error::Error>> {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes)?;
        Ok(read_evidence_file(&path, DEFAULT_ATTACHMENT_LIMIT)?)
    };
    let photo = file("screen 東芝.png", b"\x89PNG\r\n\x1a\nsettings")?;
    let config = file("config.txt", b"tls=1.0\n")?;
    let sbom = file("sbom.json", b"{\"components\": []}")?;
    let plan = file("IR plan v3.pdf", b"%PDF-1.7 plan")?;
    let dev = Target::Device(pump.id);
    let a = wb.add_attachment(&dev, ctl("ENC-01")?, &photo, "")?;
    let b = wb.add_attachment(&dev, ctl("ENC-01")?, &config, "TLS settings")?;
    let removed = wb.add_attachment(&Target::Device(other.id), ctl("ENC-01")?, &config, "")?;
    wb.remove_attachment(removed.id)?;
    let model = Target::Model {
        manufacturer: "Baxter".into(),
        model: "Sigma Spectrum".into(),
    };
    let m = wb.add_attachment(&model, ctl("ENC-02")?, &sbom, "")?;
    let s = wb.add_attachment(&Target::Site("Main".into()), ctl("IR-01")?, &plan, "")?;
    // An answer on the same control does not change the cell; one without evidence stays empty.
    wb.set_answer(&dev, ctl("ENC-01")?, &answer(Response::Yes, "", None, None))?;
    let out = dir.path().join("export.xlsx");
    export_xlsx(&wb, &out, &opts()?)?;

    let mut xl: Xlsx<_> = open_workbook(&out)?;
    let enc = xl.worksheet_range("3 Encryption")?;
    assert_eq!(text(&enc, 0, 12), "Attachments");
    let r = find_row(&enc, &[0, 3], &["DEV-0001", "ENC-01"]).ok_or("DEV-0001 ENC-01")?;
    assert_eq!(
        text(&enc, r, 12),
        format!(
            "screen 東芝.png ({}); config.txt ({})",
            &a.sha256[..12],
            &b.sha256[..12]
        )
    );
    assert_eq!(text(&enc, r, 7), "Yes");
    let r = find_row(&enc, &[0, 3], &["DEV-0002", "ENC-01"]).ok_or("DEV-0002 ENC-01")?;
    assert_eq!(text(&enc, r, 12), "", "a removed attachment is not named");
    let r =
        find_row(&enc, &[0, 3], &["MODEL:Baxter/Sigma Spectrum", "ENC-02"]).ok_or("model row")?;
    assert_eq!(
        text(&enc, r, 12),
        format!("sbom.json ({})", &m.sha256[..12])
    );
    let r = find_row(&enc, &[0, 3], &["DEV-0001", "ENC-03"]).ok_or("DEV-0001 ENC-03")?;
    assert_eq!(text(&enc, r, 12), "");
    let ir = xl.worksheet_range("7 Incident Response")?;
    let r = find_row(&ir, &[0, 3], &["SITE:Main", "IR-01"]).ok_or("site row")?;
    assert_eq!(
        text(&ir, r, 12),
        format!("IR plan v3.pdf ({})", &s.sha256[..12])
    );
    Ok(())
}
