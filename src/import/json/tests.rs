#![allow(clippy::unwrap_used)]

use std::io::Write;

use super::*;
use crate::import::changeset::{AnswerRecord, Value};
use crate::progress::{NoProgress, Recorder};
use chrono::NaiveDate;

/// A document with the header of a version-1 export and `body` (keys after the header).
fn doc(body: &str) -> String {
    format!(
        r#"{{
  "format": "medsec-assessment",
  "format_version": 1,
  "workbook_id": "wb-1",
  "catalog_version": "2026.1",
  "exported_at": "2026-06-30T10:00:00Z",
  "as_of": "2026-06-30",
  "app_version": "0.1.0",
  "assessment": {{"title": "T"}},
  "risk_grid": [["Very Low","Low","Moderate","High","Very High"],["Very Low","Low","Moderate","High","Very High"],["Very Low","Low","Moderate","Moderate","High"],["Very Low","Low","Low","Low","Moderate"],["Very Low","Very Low","Very Low","Low","Low"]]{body}
}}"#
    )
}

fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

fn read_bytes(bytes: &[u8]) -> Result<Changeset, JsonError> {
    let f = file(bytes);
    read(f.path(), &mut NoProgress)
}

fn ptr(p: &str) -> Origin {
    Origin::Json { pointer: p.into() }
}

fn text(v: &Option<Value>) -> Option<&str> {
    v.as_ref().map(|v| v.text.as_str())
}

#[test]
fn an_answer_reads_as_its_control_sheet_row() {
    let c = read_bytes(
        doc(r#",
  "devices": [],
  "answers": [
    {"target":"DEV-0001","device_uuid":"u-1","row_key":"u-1|ENC-01","control_id":"ENC-01","scope":"Device","response":"No","suggested":null,"observed":"TLS 1.0","note":"line 1\nline 2","evidence_ref":null,"source":"Observed","likelihood":3,"likelihood_default":true,"impact":4.0,"impact_default":false,"impact_dimensions":{"patient_safety":null,"phi":4,"operations":null},"risk_score":12,"risk_level":"Moderate","recommendation":"Encrypt","deferred_until":null,"deferral_reason":"room locked","assessed_by":"A","assessed_at":"2026-06-01T08:00:00Z","assessed_on":"2026-06-01","colour":"red"},
    {"target":"SITE","control_id":"IR-01","response":"Yes","likelihood":null,"impact":null,"likelihood_default":false,"impact_default":false,"deferred_until":"2026-07-01","deferral_reason":"ask"}
  ],
  "risks": []"#)
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(c.source.kind, SourceKind::Json);
    assert_eq!(c.source.workbook_id.as_deref(), Some("wb-1"));
    assert_eq!(c.source.as_of, NaiveDate::from_ymd_opt(2026, 6, 30));
    assert_eq!(c.answers.len(), 2);
    let a: &AnswerRecord = &c.answers[0];
    assert_eq!(a.origin, Some(ptr("/answers/0")));
    assert_eq!(text(&a.target), Some("DEV-0001"));
    assert_eq!(
        a.response.as_ref().map(|v| &v.origin),
        Some(&ptr("/answers/0/response"))
    );
    assert_eq!(text(&a.row_key), Some("u-1|ENC-01"));
    assert_eq!(text(&a.suggested), Some(""), "null is a blank cell");
    assert_eq!(text(&a.note), Some("line 1\nline 2"));
    assert_eq!(text(&a.likelihood), Some("3"));
    assert_eq!(text(&a.impact), Some("4"), "4.0 reads as 4");
    assert_eq!(text(&a.rating), Some("default"));
    assert_eq!(text(&a.deferred_until), Some("deferred"));
    assert_eq!(text(&a.deferral_reason), Some("room locked"));
    let derived: Vec<(&str, &str)> = a
        .derived
        .iter()
        .map(|(h, v)| (h.as_str(), v.text.as_str()))
        .collect();
    assert_eq!(
        derived,
        [
            ("Scope", "Device"),
            ("Risk Score", "12"),
            ("Risk Level", "Moderate"),
            ("Assessed By", "A"),
            ("Assessed On", "2026-06-01")
        ]
    );
    let b = &c.answers[1];
    assert_eq!(text(&b.rating), Some(""));
    assert_eq!(text(&b.deferred_until), Some("2026-07-01"));
    assert_eq!(b.row_key, None, "no row key and no device UUID");
    assert_eq!(b.observed, None, "an absent key keeps the stored value");
    assert_eq!(
        c.ignored,
        [Ignored {
            origin: ptr("/answers/0/colour"),
            reason: "unknown key \"colour\"".into()
        }]
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    let grid = c.matrix.unwrap();
    assert_eq!(grid[2][3].text, "Moderate");
    assert_eq!(grid[2][3].origin, ptr("/risk_grid/2/3"));
}

#[test]
fn devices_and_risks_read_as_their_sheet_rows() {
    let c = read_bytes(
        doc(r#",
  "devices": [
    {"device_id":"DEV-0002","uuid":"u-2","name":"Pump","clinical_impact":4,"compliance_pct":66.7,"in_scope":null,"progress_pct":50,"extra":{"Cost/centre":"4711","n":7},"services":[{"port":443}]}
  ],
  "answers": [],
  "risks": [
    {"risk_id":"R-0003","target":"MODEL:Baxter/Sigma","device_uuid":null,"control_id":"INV-03","step":"1 Device Inventory and Classification","description":"No: x","response":"No","likelihood":3,"impact":5,"impact_dimensions":{"patient_safety":5,"phi":null,"operations":3},"score":15,"level":"High","treatment":"Accept","planned_actions":null,"owner":"Biomed","due_date":"2026-07-30","due_date_default":true,"status":"In Progress","residual_likelihood":2,"residual_impact":2,"residual_score":4,"residual_level":"Low","accepted_by":"CISO","acceptance_note":"vendor fix due","accepted_on":"2026-06-01","review_date":"2026-12-01","identified_on":"2026-06-01","expired":false,"overdue":true}
  ]"#)
        .as_bytes(),
    )
    .unwrap();
    let d = &c.devices[0];
    assert_eq!(text(&d.device_id), Some("DEV-0002"));
    assert_eq!(text(&d.uuid), Some("u-2"));
    let fields: Vec<(&str, &str)> = d
        .fields
        .iter()
        .map(|(k, v)| (*k, v.text.as_str()))
        .collect();
    assert_eq!(
        fields,
        [("name", "Pump"), ("clinical_impact", "4"), ("in_scope", "")]
    );
    assert_eq!(d.extra[0].0, "Cost/centre");
    assert_eq!(d.extra[0].1.origin, ptr("/devices/0/extra/Cost~1centre"));
    assert_eq!(d.extra[1].1.text, "7");
    let r = &c.risks[0];
    assert_eq!(text(&r.risk_id), Some("R-0003"));
    assert_eq!(text(&r.target), Some("MODEL:Baxter/Sigma"));
    assert_eq!(text(&r.source), Some("INV-03"));
    assert_eq!(text(&r.planned_actions), Some(""));
    assert_eq!(text(&r.due_date), Some("2026-07-30"));
    assert_eq!(text(&r.status), Some("In Progress"));
    assert_eq!(text(&r.accepted_on), Some("2026-06-01"));
    let derived: Vec<(&str, &str)> = r
        .derived
        .iter()
        .map(|(h, v)| (h.as_str(), v.text.as_str()))
        .collect();
    assert!(derived.contains(&("Patient-Safety Impact (1–5)", "5")));
    assert!(derived.contains(&("Inherent Level", "High")));
    assert!(derived.contains(&("Overdue", "Yes")));
    assert!(derived.contains(&("Expired", "")));
    assert!(c.ignored.is_empty() && c.problems.is_empty());
}

#[test]
fn wrong_values_inside_elements_are_problems_at_their_pointer() {
    let long = "x".repeat(40);
    let limits = Limits {
        max_text_chars: 32,
        ..Limits::default()
    };
    let body = format!(
        r#",
  "devices": [ {{"name":"no id"}}, 7 ],
  "answers": [ {{"target":"DEV-0001","control_id":"ENC-01","note":{{"a":1}},"observed":"{long}","likelihood_default":"maybe"}}, {{"target":"DEV-0001"}} ],
  "risks": [ {{"target":"SITE","control_id":"IR-01","impact_dimensions":[1,2,3]}} ],
  "extra_key": {{"deep":[1,2]}}"#
    );
    let f = file(doc(&body).as_bytes());
    let c = read_with_limits(f.path(), &limits, &mut NoProgress).unwrap();
    let problems: Vec<(String, &str)> = c
        .problems
        .iter()
        .map(|p| (p.origin.to_string(), p.reason.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            ("/devices/0".to_string(), "no \"device_id\" and no \"uuid\""),
            ("/devices/1".to_string(), "a number where an object belongs"),
            (
                "/answers/0/likelihood_default".to_string(),
                "a text where true or false belongs"
            ),
            (
                "/answers/0/observed".to_string(),
                "a text of 40 characters; at most 32 are accepted (a spreadsheet cell's limit)"
            ),
            (
                "/answers/0/note".to_string(),
                "an object where a text, a number or null belongs"
            ),
            ("/answers/1".to_string(), "no \"control_id\""),
            (
                "/risks/0/impact_dimensions".to_string(),
                "an array where an object belongs"
            ),
        ]
    );
    assert_eq!(c.answers[0].note, None);
    assert_eq!(c.answers[0].observed, None);
    assert_eq!(c.ignored.len(), 1);
    assert_eq!(c.ignored[0].origin, ptr("/extra_key"));
}

#[test]
fn impact_dimensions_identified_dates_and_due_defaults_are_read() {
    let c = read_bytes(
        doc(r#",
  "devices": [],
  "answers": [
    {"target":"DEV-0001","control_id":"ENC-01","impact":5,"impact_dimensions":{"patient_safety":5,"phi":null,"operations":2.0}},
    {"target":"DEV-0001","control_id":"ENC-02","impact_dimensions":null},
    {"target":"DEV-0001","control_id":"ENC-03","impact_dimensions":{"phi":3}},
    {"target":"DEV-0001","control_id":"ENC-04","impact_dimensions":"high"},
    {"target":"DEV-0001","control_id":"ENC-05","impact_dimensions":{"phi":[3]}}
  ],
  "risks": [
    {"target":"DEV-0001","control_id":"ENC-01","due_date":"2026-07-30","due_date_default":true,"identified_on":"2026-06-01"},
    {"target":"DEV-0001","control_id":"ENC-02","due_date":null,"due_date_default":false,"identified_on":null},
    {"target":"DEV-0001","control_id":"ENC-03"}
  ]"#)
        .as_bytes(),
    )
    .unwrap();
    let dims = |i: usize| {
        let a = &c.answers[i];
        [
            text(&a.impact_safety),
            text(&a.impact_phi),
            text(&a.impact_operations),
        ]
    };
    assert_eq!(dims(0), [Some("5"), Some(""), Some("2")]);
    assert_eq!(
        c.answers[0].impact_phi.as_ref().map(|v| &v.origin),
        Some(&ptr("/answers/0/impact_dimensions/phi"))
    );
    assert_eq!(dims(1), [Some(""); 3], "null: all three blank");
    assert_eq!(
        c.answers[1].impact_safety.as_ref().map(|v| &v.origin),
        Some(&ptr("/answers/1/impact_dimensions"))
    );
    assert_eq!(dims(2), [None, Some("3"), None], "an absent key keeps");
    assert_eq!(dims(3), [None; 3]);
    assert_eq!(dims(4), [None; 3]);
    let problems: Vec<(String, &str)> = c
        .problems
        .iter()
        .map(|p| (p.origin.to_string(), p.reason.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            (
                "/answers/3/impact_dimensions".to_string(),
                "a text where an object belongs"
            ),
            (
                "/answers/4/impact_dimensions/phi".to_string(),
                "an array where a text, a number or null belongs"
            ),
        ]
    );
    let risk = |i: usize| {
        let r = &c.risks[i];
        (text(&r.identified_on), text(&r.due_date_default))
    };
    assert_eq!(risk(0), (Some("2026-06-01"), Some("Yes")));
    assert_eq!(
        c.risks[0].identified_on.as_ref().map(|v| &v.origin),
        Some(&ptr("/risks/0/identified_on"))
    );
    assert_eq!(risk(1), (Some(""), Some("No")));
    assert_eq!(
        risk(2),
        (None, None),
        "a spreadsheet-like record says nothing"
    );
    assert!(c.ignored.is_empty(), "{:?}", c.ignored);
}

fn err(bytes: &[u8]) -> String {
    match read_bytes(bytes) {
        Ok(_) => "read without error".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_files_are_refused_with_what_is_wrong_and_where() {
    assert!(err(b"").contains("the file is empty"));
    assert!(err(b"PK\x03\x04rest").contains("use `medsec import workbook`"));
    assert!(err(b"\xD0\xCF\x11\xE0rest").contains(".xls spreadsheet"));
    assert!(err(b"\xFF\xFE{\x00}\x00").contains("UTF-16"));
    assert!(err(b"{\x00\"\x00").contains("NUL bytes"));
    let full = doc(r#", "devices": [], "answers": [], "risks": []"#);
    let truncated = &full.as_bytes()[..full.len() / 2];
    let e = err(truncated);
    assert!(e.contains("ends early") && e.contains("truncated"), "{e}");
    let e = err(b"{\n  \"format\": \"medsec-assessment\",\n  oops\n}");
    assert!(e.contains("not valid JSON at line 3, column 3"), "{e}");
    // Latin-1 text (`café` saved as Windows-1252) in a value that is read.
    let text = doc(r#", "answers": [{"target":"DEV-0001","control_id":"ENC-01","note":"caf@"}]"#);
    let latin1: Vec<u8> = text
        .bytes()
        .map(|b| if b == b'@' { 0xE9 } else { b })
        .collect();
    let e = err(&latin1);
    assert!(e.contains("not valid JSON") && e.contains("UTF-8"), "{e}");
    let e = err(b"[1, 2]");
    assert!(e.contains("the document: an array where an object"), "{e}");
    let e = err(b"{\"bomFormat\": \"CycloneDX\"}");
    assert!(e.contains("no \"format\" key"), "{e}");
    let e = err(b"{\"format\": \"CycloneDX\", \"format_version\": 1}");
    assert!(e.contains("its format is \"CycloneDX\""), "{e}");
    let e = err(b"{\"format\": \"medsec-assessment\"}");
    assert!(e.contains("/format_version: missing"), "{e}");
    let e = err(b"{\"format\": \"medsec-assessment\", \"format_version\": 2}");
    assert!(
        e.contains("format_version 2 is newer than this medsec reads (1)"),
        "{e}"
    );
    let e = err(b"{\"format\": \"medsec-assessment\", \"format_version\": \"1\"}");
    assert!(
        e.contains("/format_version: a text where a whole number"),
        "{e}"
    );
    let e = err(doc(r#", "devices": {"a": 1}"#).as_bytes());
    assert!(
        e.contains("/devices: an object where an array belongs"),
        "{e}"
    );
    let e = err(doc(r#", "answers": null"#).as_bytes());
    assert!(e.contains("/answers: null where an array belongs"), "{e}");
    let e = err(doc(r#", "risks": [], "risks": []"#).as_bytes());
    assert!(e.contains("/risks: the key appears twice"), "{e}");
    let e = err(doc(r#", "assessment": 3"#).as_bytes());
    assert!(e.contains("the key appears twice"), "{e}");
    let e = err(b"{\"format\": \"medsec-assessment\", \"format_version\": 1, \"assessment\": 3}");
    assert!(
        e.contains("/assessment: a number where an object belongs"),
        "{e}"
    );
    let e = err(b"{\"format\": \"medsec-assessment\", \"format_version\": 1, \"workbook_id\": 3}");
    assert!(
        e.contains("/workbook_id: a number where a text or null belongs"),
        "{e}"
    );
}

#[test]
fn nesting_deeper_than_100_is_refused_before_the_parser_gets_there() {
    let deep = |n: usize| {
        format!(
            "{{\"format\": \"medsec-assessment\", \"format_version\": 1, \"x\": {}{}}}",
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    // The document object is one level: 99 arrays inside it are 100.
    assert!(read_bytes(deep(99).as_bytes()).is_ok());
    let e = err(deep(100).as_bytes());
    assert!(e.contains("nest deeper than 100 levels"), "{e}");
    // Far deeper than serde_json's own limit: still our message, no stack trouble.
    let e = err(deep(100_000).as_bytes());
    assert!(e.contains("nest deeper than 100 levels"), "{e}");
    // Brackets inside strings do not count.
    let inside = format!(
        "{{\"format\": \"medsec-assessment\", \"format_version\": 1, \"x\": \"{}\\\"{}\"}}",
        "[".repeat(500),
        "{".repeat(500)
    );
    assert!(read_bytes(inside.as_bytes()).is_ok());
}

#[test]
fn a_file_over_the_size_limit_is_refused_unread() {
    let f = file(doc("").as_bytes());
    let limits = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    let mut recorder = Recorder::default();
    let e = read_with_limits(f.path(), &limits, &mut recorder).unwrap_err();
    assert!(matches!(e, JsonError::TooLarge { limit: 100, .. }), "{e}");
    assert!(e.to_string().contains("at most 100 bytes"));
    assert!(recorder.updates.is_empty());
}

#[test]
fn a_byte_order_mark_is_accepted_and_progress_counts_bytes() {
    let text = doc(r#", "devices": [], "answers": [], "risks": []"#);
    let bytes = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let f = file(&bytes);
    let mut recorder = Recorder::default();
    let c = read(f.path(), &mut recorder).unwrap();
    assert_eq!(c.source.format_version, 1);
    assert_eq!(
        recorder.check().unwrap(),
        [(Stage::Reading, bytes.len() as u64)]
    );
}

#[test]
fn hostile_strings_are_read_as_plain_text() {
    let body = r#",
  "answers": [
    {"target":"DEV-0001","control_id":"ENC-01","note":"=cmd|' /C calc'!A0","observed":"\u0000\u202e\ud83d\ude00","recommendation":"<script>alert(1)</script>","evidence_ref":"\t-3"}
  ]"#;
    let c = read_bytes(doc(body).as_bytes()).unwrap();
    let a = &c.answers[0];
    assert_eq!(text(&a.note), Some("=cmd|' /C calc'!A0"));
    assert_eq!(text(&a.observed), Some("\u{0}\u{202e}😀"));
    assert_eq!(text(&a.recommendation), Some("<script>alert(1)</script>"));
    assert_eq!(text(&a.evidence_ref), Some("\t-3"));
    assert!(c.problems.is_empty());
}
