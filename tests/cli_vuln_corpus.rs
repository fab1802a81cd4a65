//! Issue 6 end to end with the real corpus files, as an assessor on an air-gapped network would
//! do it: devices named like the products of three CISA medical advisories, the advisory folder,
//! the NVD records and the KEV catalog imported from "the USB stick", each device's findings with
//! their reasons, the `2 CVE Findings` sheet of the export with the feed dates, and a KEV update
//! that keeps the assessor's dismissals.

use std::collections::BTreeMap;

use calamine::{Data, Reader, open_workbook_auto};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::Env;

const CSAF: &str = "../shared/corpus/csaf";
const NVD: &str = "../shared/corpus/nvd";
const KEV_OLD: &str =
    "../shared/corpus/kev/known_exploited_vulnerabilities-2025.01.24-redacted.json";
const KEV_NEW: &str = "../shared/corpus/kev/known_exploited_vulnerabilities-redacted.json";

fn run(env: &Env, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let out = env.wb().args(args).output()?;
    let text = String::from_utf8(out.stdout)?;
    if !out.status.success() {
        return Err(format!(
            "medsec {args:?} failed: {}{text}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(text)
}

/// Devices of three advisories (ICSMA-21-007-01 Innokas VC150, ICSMA-23-194-01 BD Alaris PCU,
/// ICSMA-18-058-02 "Phillips" IntelliSpace Portal), each with a twin that must not match: the same
/// model at a fixed version, or another model of the same vendor.
const DEVICES: [(&str, &str, &str, &str, &str); 6] = [
    (
        "Vitals 1",
        "Innokas Yhtymä Oy",
        "VC150",
        "--firmware-version",
        "1.7.14",
    ),
    (
        "Vitals 2",
        "Innokas",
        "VC150",
        "--firmware-version",
        "1.7.15",
    ),
    (
        "Pump 1",
        "BD",
        "BD Alaris Point-of-Care Unit (PCU) Model 8015",
        "--software-version",
        "12.1.2",
    ),
    (
        "Pump 2",
        "Becton Dickinson",
        "BD Alaris Point-of-Care Unit (PCU) Model 8015",
        "--software-version",
        "12.2",
    ),
    (
        "PACS viewer",
        "Philips",
        "IntelliSpace Portal",
        "--software-version",
        "8.0.2",
    ),
    (
        "Cath lab",
        "Philips",
        "Azurion 7",
        "--software-version",
        "2.0",
    ),
];

fn setup() -> Result<Env, Box<dyn std::error::Error>> {
    let env = Env::new()?;
    for (name, manufacturer, model, version_flag, version) in DEVICES {
        run(
            &env,
            &[
                "device",
                "add",
                "--name",
                name,
                "--manufacturer",
                manufacturer,
                "--model",
                model,
                version_flag,
                version,
            ],
        )?;
    }
    Ok(env)
}

/// `finding list --json` as (device → [(CVE, confidence, reason, state, KEV)]).
type ByDevice = BTreeMap<String, Vec<(String, String, String, String, bool)>>;

fn findings(env: &Env) -> Result<(ByDevice, Value), Box<dyn std::error::Error>> {
    let json: Value = serde_json::from_str(&run(env, &["finding", "list", "--json"])?)?;
    let mut out = ByDevice::new();
    for f in json["findings"].as_array().cloned().unwrap_or_default() {
        let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        out.entry(s("device")).or_default().push((
            s("cve"),
            s("confidence"),
            s("reason"),
            s("state"),
            f["kev"].as_bool().unwrap_or(false),
        ));
    }
    Ok((out, json))
}

#[test]
fn three_advisories_match_their_devices_with_reasons_and_the_export_lists_them() -> TestResult {
    let env = setup()?;
    let csaf = run(&env, &["import", "feed", CSAF])?;
    assert!(csaf.contains("imported: 15 new"), "{csaf}");
    run(&env, &["import", "feed", NVD])?;
    let kev = run(&env, &["import", "feed", KEV_NEW])?;
    assert!(kev.contains("KEV of 2025-08-25"), "{kev}");
    // Old data is flagged, never refused.
    assert!(kev.contains("days old"), "{kev}");

    let (by_device, json) = findings(&env)?;
    let cves = |d: &str| -> Vec<String> {
        by_device
            .get(d)
            .map(|v| v.iter().map(|f| f.0.clone()).collect())
            .unwrap_or_default()
    };
    // Innokas VC150 before 1.7.15: both CVEs of ICSMA-21-007-01, with the range in the reason.
    assert_eq!(cves("DEV-0001"), ["CVE-2020-27260", "CVE-2020-27262"]);
    for f in &by_device["DEV-0001"] {
        assert_eq!(f.1, "High");
        assert!(f.2.contains("1.7.14") && f.2.contains("1.7.15"), "{}", f.2);
        assert!(f.2.contains("ICSMA-21-007-01"), "{}", f.2);
        assert_eq!(f.3, "Suggested");
    }
    // The same model at the fixed version: nothing.
    assert!(
        cves("DEV-0002").is_empty(),
        "{:?}",
        by_device.get("DEV-0002")
    );
    // BD Alaris PCU 8015 at 12.1.2 (≤ 12.1.3 affected): the advisory's CVEs; at 12.2: nothing.
    let pump = cves("DEV-0003");
    assert!(pump.contains(&"CVE-2023-30563".to_string()), "{pump:?}");
    assert!(pump.len() >= 8, "{pump:?}");
    assert!(
        cves("DEV-0004").is_empty(),
        "{:?}",
        by_device.get("DEV-0004")
    );
    // "Phillips" in the advisory still reaches a Philips device, and the EternalBlue CVEs carry
    // the KEV flag; another Philips model gets nothing from it.
    let portal = &by_device["DEV-0005"];
    assert_eq!(portal.len(), 35, "{portal:?}");
    let eternal_blue = portal
        .iter()
        .find(|f| f.0 == "CVE-2017-0144")
        .ok_or("CVE-2017-0144 not matched")?;
    assert!(eternal_blue.4, "KEV flag missing");
    assert!(
        cves("DEV-0006").is_empty(),
        "{:?}",
        by_device.get("DEV-0006")
    );
    // Every finding names the feeds it rests on with their dates.
    for f in json["findings"].as_array().ok_or("no findings")? {
        let sources = f["sources"].as_array().ok_or("no sources")?;
        assert!(!sources.is_empty());
        assert!(sources.iter().all(|s| s["feed_date"].is_string()));
    }

    // The export's `2 CVE Findings` sheet lists the same findings with the feed dates.
    let out = env.path("assessment.xlsx");
    run(&env, &["export", "xlsx", out.to_str().ok_or("path")?])?;
    let mut book = open_workbook_auto(&out)?;
    let sheet = book.worksheet_range("2 CVE Findings")?;
    let mut rows = sheet.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or("no header")?
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column {name}"))
    };
    let (device, cve, feed_date, kev_listed, reason, fix) = (
        col("Device ID")?,
        col("CVE ID")?,
        col("Feed Date")?,
        col("KEV Listed")?,
        col("Match Reason")?,
        col("Manufacturer Fix Status")?,
    );
    let rows: Vec<&[Data]> = rows.collect();
    let total: usize = by_device.values().map(Vec::len).sum();
    assert_eq!(rows.len(), total);
    let row = rows
        .iter()
        .find(|r| r[device] == "DEV-0005" && r[cve] == "CVE-2017-0144")
        .ok_or("CVE-2017-0144 row missing")?;
    let dates = row[feed_date].to_string();
    assert!(
        dates.contains("ICSMA-18-058-02 of 2018-02-27") && dates.contains("KEV of 2025-08-25"),
        "{dates}"
    );
    assert_eq!(row[kev_listed].to_string(), "Yes");
    let innokas = rows
        .iter()
        .find(|r| r[device] == "DEV-0001")
        .ok_or("DEV-0001 row missing")?;
    assert!(
        innokas[feed_date]
            .to_string()
            .contains("ICSMA-21-007-01 of 2021-01-07")
    );
    assert!(innokas[reason].to_string().contains("1.7.15"));
    // The fix status is the matched product's own: ICSMA-21-007-01's vendor_fix names the
    // VC150; ICSMA-23-194-01's vendor_fix names the Systems Manager, Calculation Services
    // and CQI Reporter, never the PCU 8015 (mitigations only).
    assert_eq!(innokas[fix].to_string(), "Fix validated");
    let pump_rows: Vec<&&[Data]> = rows.iter().filter(|r| r[device] == "DEV-0003").collect();
    assert!(pump_rows.len() >= 8);
    for r in pump_rows {
        assert_eq!(r[fix].to_string(), "Unknown", "{}", r[cve]);
    }
    Ok(())
}

#[test]
fn a_kev_update_reports_its_changes_and_dismissals_stay_dismissed() -> TestResult {
    let env = setup()?;
    run(&env, &["import", "feed", CSAF])?;
    let old = run(&env, &["import", "feed", KEV_OLD])?;
    assert!(old.contains("1252 added, 0 changed, 0 removed"), "{old}");
    let (by_device, json) = findings(&env)?;
    assert!(
        by_device["DEV-0005"]
            .iter()
            .any(|f| f.0 == "CVE-2017-0144" && f.4)
    );
    let id = json["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["cve"] == "CVE-2004-2761"))
        .and_then(|f| f["finding_id"].as_str())
        .ok_or("CVE-2004-2761 not matched")?
        .to_string();
    run(
        &env,
        &[
            "finding",
            "dismiss",
            &id,
            "--note",
            "TLS 1.0 switched off (vendor guide)",
        ],
    )?;

    let new = run(&env, &["import", "feed", KEV_NEW])?;
    assert!(new.contains("152 added, 49 changed, 0 removed"), "{new}");
    // The same advisories again change nothing and keep the dismissal.
    let again = run(&env, &["import", "feed", CSAF])?;
    assert!(again.contains("15 unchanged"), "{again}");
    run(&env, &["finding", "refresh"])?;
    let (by_device, _) = findings(&env)?;
    let dismissed = by_device["DEV-0005"]
        .iter()
        .find(|f| f.0 == "CVE-2004-2761")
        .ok_or("dismissed finding gone")?;
    assert_eq!(dismissed.3, "Dismissed");
    // An older catalog is kept out, never a silent downgrade.
    let older = run(&env, &["import", "feed", KEV_OLD])?;
    assert!(older.contains("1 kept out"), "{older}");
    Ok(())
}

#[test]
fn findings_follow_a_device_whose_version_changes() -> TestResult {
    let env = setup()?;
    run(&env, &["import", "feed", CSAF])?;
    // The fixed VC150 is downgraded: both CVEs of ICSMA-21-007-01 arrive with the edit.
    let down = run(
        &env,
        &["device", "edit", "DEV-0002", "--firmware-version", "1.7.14"],
    )?;
    assert!(
        down.contains("vulnerability findings refreshed: 2 new, 0 no longer matched"),
        "{down}"
    );
    // Updated again: kept, marked no longer matched, never deleted.
    let up = run(
        &env,
        &["device", "edit", "DEV-0002", "--firmware-version", "1.7.15"],
    )?;
    assert!(
        up.contains("vulnerability findings refreshed: 0 new, 2 no longer matched"),
        "{up}"
    );
    let (by_device, json) = findings(&env)?;
    assert_eq!(by_device["DEV-0002"].len(), 2);
    let gone = json["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .filter(|f| f["device"] == "DEV-0002")
        .all(|f| f["no_longer_matched_since"].is_string());
    assert!(gone, "{json}");
    // A device added later is matched at once.
    let added = run(
        &env,
        &[
            "device",
            "add",
            "--name",
            "PACS",
            "--manufacturer",
            "OFFIS",
            "--model",
            "DCMTK",
            "--software-version",
            "3.6.6",
        ],
    )?;
    assert!(added.contains("3 new"), "{added}");
    Ok(())
}
