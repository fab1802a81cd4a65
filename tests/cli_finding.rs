//! Vulnerability findings from the command line (`medsec finding ...`, and their risks through
//! `medsec risk ...`), run as a user would: the real binary through assert_cmd. The matches are
//! stored through `Workbook::record_matches`, as a feed import's refresh stores them.

use std::path::Path;

use chrono::{NaiveDate, Utc};
use medsec::vuln::matching::{Confidence, Match, MatchSource};
use medsec::vuln::{Component, CvssScore, FeedKind, FixStatus, KevEntry};
use medsec::workbook::{Access, Passphrase, Workbook};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::{Env, PASSPHRASE};

fn day(t: &str) -> NaiveDate {
    t.parse().unwrap_or_default()
}

fn found(cve: &str, component: Option<(&str, &str)>, kev: bool) -> Match {
    Match {
        cve: cve.into(),
        component: component.map(|(n, v)| Component {
            name: n.into(),
            version: v.into(),
            ..Component::default()
        }),
        confidence: Confidence::High,
        reason: "model + version in range (<= B.06)".into(),
        sources: vec![MatchSource {
            kind: FeedKind::Csaf,
            name: "ICSMA-20-254-01".into(),
            feed_date: day("2020-09-10"),
        }],
        advisories: vec!["ICSMA-20-254-01".into()],
        scores: vec![
            CvssScore {
                version: "3.1".into(),
                vector: "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N".into(),
                base_score: 6.5,
                severity: "MEDIUM".into(),
                source: "CNA ics-cert@hq.dhs.gov".into(),
            },
            CvssScore {
                version: "3.1".into(),
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
                base_score: 9.8,
                severity: "CRITICAL".into(),
                source: "NVD".into(),
            },
        ],
        fix: FixStatus::FixValidated,
        kev: kev.then(|| KevEntry {
            cve: cve.into(),
            date_added: Some(day("2022-03-25")),
            due_date: Some(day("2022-04-15")),
            ransomware: "Known".into(),
            ..KevEntry::default()
        }),
        title: "Improper input validation".into(),
    }
}

impl Env {
    fn ok(&self, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let out = self.wb().args(args).output()?;
        assert!(
            out.status.success(),
            "medsec {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?)
    }

    fn fails(&self, code: i32, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let out = self.wb().args(args).output()?;
        let stderr = String::from_utf8(out.stderr)?;
        assert_eq!(out.status.code(), Some(code), "medsec {args:?}: {stderr}");
        Ok(stderr)
    }

    /// Two devices; DEV-0001 matched to two CVEs (one KEV-listed, in an SBOM component),
    /// DEV-0002 to one.
    fn with_findings(&self) -> TestResult {
        for name in ["Monitor", "Pump"] {
            self.ok(&[
                "device",
                "add",
                "--name",
                name,
                "--manufacturer",
                "Philips",
                "--model",
                "IntelliVue MX40",
                "--criticality",
                "Life-sustaining",
            ])?;
        }
        let mut wb = Workbook::open(
            &self.workbook(),
            &Passphrase::new(PASSPHRASE.into()),
            Access::Write,
        )?;
        let devices = wb.devices()?;
        wb.record_matches(
            devices[0].id,
            &[
                found("CVE-2017-0144", Some(("SMBv1", "6.1")), true),
                found("CVE-2020-16214", None, false),
            ],
            Utc::now(),
        )?;
        wb.record_matches(
            devices[1].id,
            &[found("CVE-2020-16214", None, false)],
            Utc::now(),
        )?;
        Ok(())
    }
}

#[test]
fn list_names_findings_feeds_and_flags_old_data() -> TestResult {
    let env = Env::new()?;
    env.with_findings()?;
    let out = env.ok(&["finding", "list"])?;
    assert!(out.contains("Feeds: none imported"), "{out}");
    assert!(out.contains("F-0001  DEV-0001 CVE-2017-0144"), "{out}");
    assert!(out.contains("SMBv1 6.1: model + version in range"), "{out}");
    assert!(
        out.contains("ICSMA-20-254-01 of 2020-09-10 [old feed]"),
        "{out}"
    );
    // KEV-listed: likelihood 5, suggested; the other: CVSS 9.8 → 4.
    let kev_row = out
        .lines()
        .find(|l| l.contains("CVE-2017-0144"))
        .unwrap_or_default();
    assert!(kev_row.contains("Suggested High"), "{kev_row}");
    assert!(
        kev_row.contains(" Yes ") && kev_row.contains(" 5* "),
        "{kev_row}"
    );
    let other = out
        .lines()
        .find(|l| l.contains("F-0002"))
        .unwrap_or_default();
    assert!(other.contains(" No ") && other.contains(" 4* "), "{other}");
    assert!(out.contains("3 findings."), "{out}");

    let one = env.ok(&["finding", "list", "--device", "DEV-0002"])?;
    assert!(
        one.contains("1 finding.") && one.contains("DEV-0002"),
        "{one}"
    );
    let none = env.ok(&["finding", "list", "--state", "dismissed"])?;
    assert!(
        none.contains("No vulnerability findings in state Dismissed"),
        "{none}"
    );
    let err = env.fails(2, &["finding", "list", "--state", "open"])?;
    assert!(err.contains("\"open\" is not a state"), "{err}");
    Ok(())
}

#[test]
fn confirm_puts_a_finding_in_the_register_and_undo_takes_it_out() -> TestResult {
    let env = Env::new()?;
    env.with_findings()?;
    assert!(!env.ok(&["risk", "list"])?.contains("F-0001"));
    let out = env.ok(&["finding", "confirm", "F-0001", "--note", "seen on the unit"])?;
    assert!(
        out.starts_with(
            "F-0001 DEV-0001 CVE-2017-0144 in SMBv1 6.1: Confirmed, in the register as R-"
        ),
        "{out}"
    );
    assert!(out.contains("ICSMA-20-254-01 of 2020-09-10 — feed older than 30 days"));

    // The register shows it by its Finding ID, with the suggested likelihood and the device's
    // default impact (life-sustaining: patient safety 5), under VULN-02 (KEV-listed).
    let list = env.ok(&["risk", "list"])?;
    let row = list
        .lines()
        .find(|l| l.contains("F-0001"))
        .unwrap_or_default();
    assert!(row.contains("DEV-0001") && row.contains("5×5=25"), "{list}");
    let show = env.ok(&["risk", "show", "F-0001"])?;
    assert!(show.contains("VULN-02"), "{show}");
    assert!(
        show.contains("CVE-2017-0144 in SMBv1 6.1, KEV-listed"),
        "{show}"
    );

    // Treated like any other risk, by Finding ID or Risk ID.
    let set = env.ok(&[
        "risk",
        "set",
        "F-0001",
        "--owner",
        "Biomed",
        "--status",
        "in progress",
    ])?;
    assert!(set.contains("Biomed"), "{set}");
    let json: Value = serde_json::from_str(&env.ok(&["risk", "list", "--json"])?)?;
    let risk = json
        .as_array()
        .and_then(|a| a.iter().find(|r| r["finding_id"] == "F-0001"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(risk["owner"], "Biomed");
    assert_eq!(risk["cve"], "CVE-2017-0144");
    assert_eq!(risk["control_id"], "VULN-02");
    assert_eq!(risk["likelihood_default"], true);

    // Undo (the TUI's key; no CLI command) the owner, then the confirmation: out of the
    // register again.
    {
        let mut wb = Workbook::open(
            &env.workbook(),
            &Passphrase::new(PASSPHRASE.into()),
            Access::Write,
        )?;
        let owner = wb.undo()?.map(|s| s.label).unwrap_or_default();
        assert_eq!(owner, "risk F-0001 owner, status");
        let confirm = wb.undo()?.map(|s| s.label).unwrap_or_default();
        assert_eq!(confirm, "finding F-0001 confirm");
    }
    assert!(!env.ok(&["risk", "list"])?.contains("F-0001"));
    let err = env.fails(2, &["risk", "show", "F-0001"])?;
    assert!(err.contains("F-0001 is not a risk"), "{err}");
    Ok(())
}

#[test]
fn dismissing_needs_a_reason_and_survives_a_refresh() -> TestResult {
    let env = Env::new()?;
    env.with_findings()?;
    let err = env.fails(2, &["finding", "dismiss", "F-0002"])?;
    assert!(err.contains("needs a reason: give --note"), "{err}");
    let err = env.fails(2, &["finding", "confirm", "X-1"])?;
    assert!(err.contains("\"X-1\" is not a Finding ID"), "{err}");
    let err = env.fails(2, &["finding", "confirm", "F-0002", "F-0099"])?;
    assert!(err.contains("no finding F-0099"), "{err}");
    assert!(
        env.ok(&["finding", "list", "--state", "confirmed"])?
            .contains("No vulnerability findings"),
        "all or nothing"
    );
    env.ok(&[
        "finding",
        "dismiss",
        "F-0002",
        "F-0003",
        "--note",
        "firmware B.07 installed",
    ])?;
    // No feed is stored, so the refresh matches nothing: findings are kept, marked, still
    // dismissed.
    let out = env.ok(&["finding", "refresh"])?;
    assert!(
        out.contains("Checked 2 devices: 0 new, 0 updated, 3 no longer matched"),
        "{out}"
    );
    let list = env.ok(&["finding", "list", "--state", "dismissed"])?;
    assert!(list.contains("2 findings."), "{list}");
    assert!(list.contains("no longer matched"), "{list}");
    // Rating: 1-5 or default; bad values are usage errors.
    let err = env.fails(2, &["finding", "rate", "F-0002", "--likelihood", "6"])?;
    assert!(err.contains("--likelihood \"6\""), "{err}");
    let out = env.ok(&[
        "finding",
        "rate",
        "F-0002",
        "--likelihood",
        "2",
        "--impact",
        "4",
    ])?;
    assert!(out.contains("likelihood 2, impact 4"), "{out}");
    let out = env.ok(&["finding", "rate", "F-0002", "--likelihood", "default"])?;
    assert!(out.contains("likelihood 4 (suggested), impact 4"), "{out}");
    env.ok(&["finding", "reset", "F-0002"])?;
    assert!(
        env.ok(&["finding", "list", "--state", "dismissed"])?
            .contains("1 finding.")
    );
    Ok(())
}

#[test]
fn finding_list_json_follows_its_schema() -> TestResult {
    let env = Env::new()?;
    env.with_findings()?;
    env.ok(&["finding", "confirm", "1"])?;
    env.ok(&["finding", "dismiss", "2", "--note", "not this build"])?;
    let value: Value = serde_json::from_str(&env.ok(&["finding", "list", "--json"])?)?;
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/schema/finding-list.v1.json"),
    )?;
    let validator = jsonschema::validator_for(&serde_json::from_str(&schema_text)?)?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let f = &value["findings"][0];
    assert_eq!(f["finding_id"], "F-0001");
    assert_eq!(f["state"], "Confirmed");
    assert_eq!(f["kev_due_date"], "2022-04-15");
    assert_eq!(f["sources"][0]["stale"], true);
    assert!(f["risk_id"].as_str().is_some_and(|r| r.starts_with("R-")));
    assert_eq!(value["findings"][1]["note"], "not this build");
    // risk list --json still follows its schema with a vulnerability risk in it.
    let risks: Value = serde_json::from_str(&env.ok(&["risk", "list", "--json"])?)?;
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/schema/risk-list.v1.json"),
    )?;
    let validator = jsonschema::validator_for(&serde_json::from_str(&schema_text)?)?;
    let errors: Vec<String> = validator
        .iter_errors(&risks)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    Ok(())
}

#[test]
fn the_cve_sheet_lists_every_finding_and_round_trips() -> TestResult {
    use calamine::{Data, Reader, open_workbook_auto};
    let env = Env::new()?;
    env.with_findings()?;
    env.ok(&["finding", "confirm", "F-0001", "--note", "seen on the unit"])?;
    env.ok(&["finding", "dismiss", "F-0003", "--note", "firmware B.07"])?;
    env.ok(&["risk", "set", "F-0001", "--status", "closed"])?;
    let out = env.path("out.xlsx");
    env.ok(&[
        "export",
        "xlsx",
        out.to_str().unwrap_or_default(),
        "--as-of",
        "2026-11-29",
    ])?;
    let mut book = open_workbook_auto(&out)?;
    let sheet = book.worksheet_range("2 CVE Findings")?;
    let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows.len(), 4, "header + 3 findings");
    assert_eq!(rows[0][0].to_string(), "Finding ID");
    let text = |r: usize, c: usize| rows[r][c].to_string();
    // F-0001: confirmed, KEV-listed, in an SBOM component, highest score shown with its source.
    assert_eq!(
        (1..=11).map(|c| text(1, c - 1)).collect::<Vec<_>>(),
        vec![
            "F-0001",
            "DEV-0001",
            "SMBv1",
            "6.1",
            "CVE-2017-0144",
            "ICSMA-20-254-01",
            "CSAF; SBOM",
            "ICSMA-20-254-01 of 2020-09-10",
            "High",
            "model + version in range (<= B.06)",
            "Confirmed",
        ]
    );
    assert_eq!(text(1, 11), "3.1");
    assert_eq!(text(1, 12), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(rows[1][13], Data::Float(9.8));
    assert_eq!(text(1, 14), "NVD");
    assert_eq!(text(1, 15), "Critical", "the list's spelling");
    assert_eq!(text(1, 16), "Yes");
    assert!(
        matches!(rows[1][17], Data::DateTime(_)),
        "{:?}",
        rows[1][17]
    );
    assert!(
        matches!(rows[1][18], Data::DateTime(_)),
        "{:?}",
        rows[1][18]
    );
    assert_eq!(text(1, 19), "Known");
    assert_eq!(text(1, 21), "Fix validated");
    assert_eq!((text(1, 23), text(1, 24)), ("5".into(), "5".into()));
    assert_eq!(
        (text(1, 25), text(1, 26)),
        ("25".into(), "Very High".into())
    );
    assert_eq!(text(1, 27), "Controlled", "closed");
    let notes = text(1, 28);
    assert!(notes.starts_with("seen on the unit\nImproper input validation\nScores: "));
    assert!(notes.contains("NVD 9.8 (CVSS 3.1)") && notes.contains("CNA ics-cert@hq.dhs.gov 6.5"));
    assert!(notes.ends_with("Feed older than 30 days"), "{notes}");
    // F-0002: suggested, no rating; F-0003: dismissed on DEV-0002 with its reason.
    assert_eq!(
        (text(2, 0), text(2, 10)),
        ("F-0002".into(), "Suggested".into())
    );
    assert_eq!(text(2, 2), "");
    assert_eq!(text(2, 16), "No");
    assert!(rows[2][23..28].iter().all(|c| c.to_string().is_empty()));
    assert_eq!(
        (text(3, 1), text(3, 10)),
        ("DEV-0002".into(), "Dismissed".into())
    );
    assert!(text(3, 28).starts_with("firmware B.07"));
    // The register names the risk by its Finding ID.
    let register = book.worksheet_range("Risk Register")?;
    let reg_row = register
        .rows()
        .find(|r| r[3] == "F-0001")
        .ok_or("no F-0001 register row")?;
    assert_eq!(reg_row[1].to_string(), "DEV-0001");
    assert!(
        reg_row[4]
            .to_string()
            .starts_with("CVE-2017-0144 in SMBv1 6.1 (KEV)")
    );

    // Imported back unchanged: the vulnerability risk is ignored, nothing rejected.
    let dry = env.ok(&[
        "import",
        "workbook",
        out.to_str().unwrap_or_default(),
        "--dry-run",
    ])?;
    assert!(dry.contains("0 rejected"), "{dry}");
    assert!(dry.contains("not read back from a file"), "{dry}");
    // JSON and CSV exports carry the findings too.
    let json_out = env.path("out.json");
    env.ok(&["export", "json", json_out.to_str().unwrap_or_default()])?;
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json_out)?)?;
    assert_eq!(
        doc["vulnerability_findings"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(
        doc["vulnerability_findings"][0]["risk_id"],
        doc["risks"][0]["risk_id"]
    );
    assert_eq!(doc["risks"][0]["finding_id"], "F-0001");
    env.ok(&[
        "import",
        "json",
        json_out.to_str().unwrap_or_default(),
        "--dry-run",
    ])?;
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/schema/assessment.v1.json"),
    )?;
    let validator = jsonschema::validator_for(&serde_json::from_str(&schema_text)?)?;
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let csv_dir = env.path("csv");
    env.ok(&["export", "csv", csv_dir.to_str().unwrap_or_default()])?;
    let cve_csv = std::fs::read_dir(&csv_dir)?
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().contains("CVE"))
        .ok_or("no CVE Findings CSV")?;
    let csv = std::fs::read_to_string(cve_csv.path())?;
    assert!(csv.contains("F-0003") && csv.contains("Dismissed"), "{csv}");
    // The reports name the finding and its CVE.
    for (kind, name) in [("markdown", "r.md"), ("html", "r.html")] {
        let path = env.path(name);
        env.ok(&["export", kind, path.to_str().unwrap_or_default()])?;
        let text = std::fs::read_to_string(&path)?;
        assert!(
            text.contains("VULN-02 F-0001 CVE-2017-0144 in SMBv1 6.1 (KEV)"),
            "{kind}"
        );
    }
    Ok(())
}
