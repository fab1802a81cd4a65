//! The command line, run as a user would: the real binary through assert_cmd.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::{Env, PASSPHRASE};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel)
}

impl Env {
    fn devices(&self) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
        let out = self.wb().args(["device", "list", "--json"]).output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(serde_json::from_slice(&out.stdout)?)
    }
}

#[test]
fn workbook_is_encrypted_and_holds_no_plaintext() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args([
            "device",
            "add",
            "--name",
            "Zyxwv Infusion Pump",
            "--serial-number",
            "SN-QQZX-77",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("DEV-0001"));
    env.wb()
        .args([
            "answer",
            "DEV-0001",
            "ENC-01",
            "no",
            "--note",
            "no disk encryption QQZX",
        ])
        .assert()
        .success();
    let bytes = std::fs::read(env.workbook())?;
    assert!(!bytes.starts_with(b"SQLite format 3"));
    for needle in ["Zyxwv", "QQZX", "Test Hospital", "ENC-01", "infusion"] {
        assert!(
            !bytes
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes())),
            "{needle} is readable in the workbook file"
        );
    }
    Ok(())
}

#[test]
fn wrong_passphrase_exits_3_with_one_line_and_leaves_the_file_alone() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Pump"])
        .assert()
        .success();
    let before = std::fs::read(env.workbook())?;
    let out = env
        .wb()
        .env_remove("MEDSEC_PASSPHRASE_FILE")
        .env("MEDSEC_PASSPHRASE", "wrong passphrase here")
        .args(["device", "list"])
        .output()?;
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr)?;
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    assert_eq!(before, std::fs::read(env.workbook())?);
    Ok(())
}

#[test]
fn a_plain_file_is_not_a_workbook() -> TestResult {
    let env = Env::new()?;
    let fake = env.path("fake.medsec");
    std::fs::write(&fake, "just text")?;
    env.cmd()
        .arg("-w")
        .arg(&fake)
        .args(["device", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not a medsec workbook"));
    assert_eq!(std::fs::read(&fake)?, b"just text");
    Ok(())
}

#[test]
fn a_second_writer_gets_exit_5() -> TestResult {
    let env = Env::new()?;
    let pass = medsec::workbook::Passphrase::new(PASSPHRASE.into());
    let held =
        medsec::workbook::Workbook::open(&env.workbook(), &pass, medsec::workbook::Access::Write)?;
    env.wb()
        .args(["device", "add", "--name", "Pump"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("in use"));
    env.wb().args(["device", "list"]).assert().code(5);
    drop(held);
    env.wb()
        .args(["device", "add", "--name", "Pump"])
        .assert()
        .success();
    Ok(())
}

#[test]
fn workbook_option_before_or_after_the_command_and_from_the_environment() -> TestResult {
    let env = Env::new()?;
    env.cmd()
        .args(["device", "add", "--name", "After"])
        .arg("-w")
        .arg(env.workbook())
        .assert()
        .success();
    env.cmd()
        .env("MEDSEC_WORKBOOK", env.workbook())
        .args(["device", "add", "--name", "FromEnv"])
        .assert()
        .success();
    let names: Vec<_> = env.devices()?.iter().map(|d| d["name"].clone()).collect();
    assert_eq!(names, ["After", "FromEnv"]);
    Ok(())
}

#[test]
fn device_fields_are_typed_and_validated() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args([
            "device",
            "add",
            "--name",
            "Dräger Evita",
            "--manufacturer",
            "Dräger",
            "--model",
            "Evita V500",
            "--install-date",
            "29/11/2024",
            "--mac-addresses",
            "00-1a-2b-3c-4d-5e",
            "--ip-addresses",
            "10.1.2.3",
            "--criticality",
            "life-sustaining",
            "--clinical-impact",
            "5",
        ])
        .assert()
        .success();
    let d = &env.devices()?[0];
    assert_eq!(d["device_id"], "DEV-0001");
    assert_eq!(d["install_date"], "2024-11-29");
    assert_eq!(d["mac_addresses"], "00:1A:2B:3C:4D:5E");
    assert_eq!(d["criticality"], "Life-sustaining");
    assert_eq!(d["clinical_impact"], 5);
    assert_eq!(d["in_scope"], "Yes");
    for bad in [
        ["--ip-addresses", "10.1.2.300"],
        ["--mac-addresses", "00:11"],
        ["--install-date", "soon"],
        ["--criticality", "Critical"],
        ["--compliance-pct", "50"],
        ["--device-id", "DEV-0009"],
    ] {
        env.wb()
            .args(["device", "add", "--name", "X"])
            .args(bad)
            .assert()
            .code(2);
    }
    assert_eq!(env.devices()?.len(), 1, "rejected adds changed nothing");
    env.wb().args(["device", "add"]).assert().code(2);
    env.wb()
        .args([
            "device",
            "edit",
            "DEV-0001",
            "--room",
            "ICU 4",
            "--ip-addresses",
            "",
        ])
        .assert()
        .success();
    let d = &env.devices()?[0];
    assert_eq!(d["room"], "ICU 4");
    assert!(d["ip_addresses"].is_null());
    Ok(())
}

#[test]
fn json_output_follows_the_shipped_schemas() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Pump", "--clinical-impact", "4"])
        .assert()
        .success();
    env.wb()
        .args(["answer", "DEV-0001", "ACC-01", "partial"])
        .assert()
        .success();
    for (args, schema) in [
        (vec!["device", "list", "--json"], "device-list.v1.json"),
        (
            vec!["device", "show", "DEV-0001", "--json"],
            "device.v1.json",
        ),
        (vec!["status", "--json"], "status.v1.json"),
    ] {
        let out = env.wb().args(&args).output()?;
        assert!(out.status.success());
        let value: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let schema_text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/schema")
                .join(schema),
        )?;
        let validator = jsonschema::validator_for(&serde_json::from_str(&schema_text)?)?;
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{schema}: {errors:?}");
    }
    Ok(())
}

#[test]
fn answers_take_defaults_and_validate() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args([
            "device",
            "add",
            "--name",
            "Pump",
            "--criticality",
            "Life-sustaining",
        ])
        .assert()
        .success();
    env.wb()
        .args(["answer", "DEV-0001", "VULN-05", "no"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("likelihood 3, impact 5")
                .and(predicate::str::contains("default rating")),
        );
    env.wb()
        .args(["answer", "DEV-0001", "ENC-01", "na"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a note"));
    env.wb()
        .args(["answer", "DEV-0001", "ENC-99", "yes"])
        .assert()
        .code(2);
    env.wb()
        .args(["answer", "DEV-0001", "ENC-01", "maybe"])
        .assert()
        .code(2);
    env.wb()
        .args(["answer", "DEV-0001", "ENC-01", "no", "--likelihood", "6"])
        .assert()
        .code(2);
    env.wb()
        .args(["answer", "SITE", "IR-01", "yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("SITE IR-01 = Yes"));
    env.wb()
        .args(["answer", "SITE", "ENC-01", "yes"])
        .assert()
        .code(2);
    let d = &env.devices()?[0];
    assert_eq!(d["progress_pct"], 2); // 2 of 72
    Ok(())
}

#[test]
fn nmap_import_adds_four_devices_and_is_idempotent() -> TestResult {
    let env = Env::new()?;
    let scan = corpus("nmap/libnmap-full_sudo6.xml");
    env.wb()
        .args(["import", "nmap", "--dry-run"])
        .arg(&scan)
        .assert()
        .success()
        .stdout(predicate::str::contains("4 added"));
    assert_eq!(env.devices()?.len(), 0, "a dry run changes nothing");
    env.wb()
        .args(["import", "nmap"])
        .arg(&scan)
        .assert()
        .success();
    let devices = env.devices()?;
    assert_eq!(devices.len(), 4);
    assert!(
        devices
            .iter()
            .filter(|d| d["mac_addresses"].is_string())
            .count()
            >= 3
    );
    assert!(devices.iter().all(|d| d["last_seen"].is_string()));
    env.wb()
        .args(["import", "nmap"])
        .arg(&scan)
        .assert()
        .success()
        .stdout(predicate::str::contains("0 added, 0 updated, 4 unchanged"));
    assert_eq!(env.devices()?.len(), 4);
    // What an assessor typed is never overwritten by a scan.
    env.wb()
        .args(["device", "edit", "DEV-0001", "--os-guess", "Typed by hand"])
        .assert()
        .success();
    env.wb()
        .args(["import", "nmap"])
        .arg(&scan)
        .assert()
        .success();
    assert_eq!(env.devices()?[0]["os_guess"], "Typed by hand");
    Ok(())
}

#[test]
fn every_corpus_scan_imports_or_fails_cleanly() -> TestResult {
    let env = Env::new()?;
    for entry in std::fs::read_dir(corpus("nmap"))? {
        let path = entry?.path();
        let scratch = env.path("scratch.medsec");
        let _ = std::fs::remove_file(&scratch);
        env.cmd().arg("init").arg(&scratch).assert().success();
        let out = env
            .cmd()
            .arg("-w")
            .arg(&scratch)
            .args(["import", "nmap"])
            .arg(&path)
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(4)),
            "{}: exit {code:?}: {stderr}",
            path.display()
        );
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
        if code == Some(4) {
            assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", path.display());
        }
    }
    Ok(())
}

#[test]
fn export_writes_the_template_sheets_with_the_answer() -> TestResult {
    use calamine::{Reader, open_workbook_auto};
    let env = Env::new()?;
    env.wb()
        .args(["import", "nmap"])
        .arg(corpus("nmap/libnmap-full_sudo6.xml"))
        .assert()
        .success();
    env.wb()
        .args([
            "answer",
            "DEV-0001",
            "ENC-01",
            "no",
            "--note",
            "no disk encryption",
            "--likelihood",
            "4",
            "--impact",
            "5",
        ])
        .assert()
        .success();
    let out = env.path("out.xlsx");
    env.wb()
        .args(["export", "xlsx"])
        .arg(&out)
        .args(["--as-of", "2026-11-29"])
        .assert()
        .success()
        .stdout(predicate::str::contains("NOT encrypted"));
    let mut book = open_workbook_auto(&out)?;
    let names = book.sheet_names();
    assert_eq!(names[0], "Cover");
    assert_eq!(names[6], "3 Encryption");
    assert_eq!(names.last().map(String::as_str), Some("_medsec"));
    let sheet = book.worksheet_range("3 Encryption")?;
    let row = sheet
        .rows()
        .find(|r| r[0] == "DEV-0001" && r[3] == "ENC-01")
        .ok_or("no DEV-0001 ENC-01 row")?;
    assert_eq!(row[7].to_string(), "No");
    assert_eq!(row[10].to_string(), "no disk encryption");
    assert_eq!(row[16].to_string(), "4");
    assert_eq!(row[17].to_string(), "5");
    assert_eq!(row[19].to_string(), "Very High");
    let cover = book.worksheet_range("Cover")?;
    let as_of = cover
        .rows()
        .find(|r| r[0] == "As of")
        .ok_or("no As of row")?;
    assert!(
        matches!(as_of[1], calamine::Data::DateTime(_)),
        "As of is {:?}",
        as_of[1]
    );
    Ok(())
}

#[test]
fn no_workbook_and_no_passphrase_are_usage_errors() -> TestResult {
    let env = Env::new()?;
    env.cmd()
        .arg("-w")
        .arg(env.path("missing.medsec"))
        .args(["device", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no such workbook"));
    env.wb()
        .env_remove("MEDSEC_PASSPHRASE_FILE")
        .args(["device", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MEDSEC_PASSPHRASE_FILE"));
    env.cmd()
        .env_remove("MEDSEC_PASSPHRASE_FILE")
        .env("MEDSEC_PASSPHRASE", "short")
        .arg("init")
        .arg(env.path("new.medsec"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 10"));
    assert!(!env.path("new.medsec").exists());
    env.cmd().arg("init").arg(env.workbook()).assert().code(1);
    Ok(())
}

#[test]
fn outputs_never_replace_the_workbook_or_other_files() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Pump"])
        .assert()
        .success();
    let before = std::fs::read(env.workbook())?;
    env.wb()
        .args(["export", "xlsx"])
        .arg(env.workbook())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(".xlsx"));
    let renamed = env.path("looks-like.xlsx");
    std::fs::copy(env.workbook(), &renamed)?;
    env.wb()
        .args(["export", "xlsx"])
        .arg(&renamed)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a spreadsheet"));
    env.wb()
        .args(["import", "nmap", "--dry-run", "--report"])
        .arg(env.workbook())
        .arg(corpus("nmap/libnmap-full_sudo6.xml"))
        .assert()
        .code(2);
    let notes = env.path("notes.txt");
    std::fs::write(&notes, "my own notes\n")?;
    let scan = env.path("scan.xml");
    std::fs::copy(corpus("nmap/libnmap-full_sudo6.xml"), &scan)?;
    for target in [&notes, &scan] {
        env.wb()
            .args(["import", "nmap", "--dry-run", "--report"])
            .arg(target)
            .arg(&scan)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not an earlier medsec report"));
    }
    assert_eq!(std::fs::read(&notes)?, b"my own notes\n");
    assert_eq!(
        std::fs::read(&scan)?,
        std::fs::read(corpus("nmap/libnmap-full_sudo6.xml"))?
    );
    let spreadsheet = env.path("theirs.xlsx");
    std::fs::copy(
        corpus("risk-templates/ciso-assistant-risk-matrix-5x5-iso-27005.xlsx"),
        &spreadsheet,
    )?;
    env.wb()
        .args(["export", "xlsx"])
        .arg(&spreadsheet)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a medsec export"));
    assert_eq!(before, std::fs::read(env.workbook())?);
    assert_eq!(before, std::fs::read(&renamed)?);
    // An earlier export and an earlier report are replaced.
    let out = env.path("out.xlsx");
    let report = env.path("report.txt");
    for _ in 0..2 {
        env.wb()
            .args(["export", "xlsx"])
            .arg(&out)
            .assert()
            .success();
        env.wb()
            .args(["import", "nmap", "--dry-run", "--report"])
            .arg(&report)
            .arg(corpus("nmap/libnmap-full_sudo6.xml"))
            .assert()
            .success()
            .stderr(predicate::str::contains("NOT encrypted"));
    }
    Ok(())
}

#[test]
fn answers_for_a_site_or_model_no_device_has_are_refused() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args([
            "device",
            "add",
            "--name",
            "Vent",
            "--manufacturer",
            "Dräger",
            "--model",
            "V500",
        ])
        .args(["--site", "North"])
        .assert()
        .success();
    env.wb()
        .args(["answer", "SITE:Nowhere", "IR-01", "yes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SITE:North"));
    env.wb()
        .args(["answer", "MODEL:Nobody/Nothing", "ENC-02", "yes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MODEL:Dräger/V500"));
    env.wb()
        .args(["answer", "MODEL:dräger/v500", "ENC-02", "yes"])
        .assert()
        .success();
    env.wb()
        .args(["answer", "DEV-0001", "ENC-04", "no"])
        .assert()
        .success()
        .stdout(predicate::str::contains("for this unit only"));
    Ok(())
}

#[test]
fn spreadsheets_that_are_not_inventories_are_refused() -> TestResult {
    let env = Env::new()?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus("risk-templates"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.push(corpus("mds2/nema-example-mds2-worksheet-hn1-2019.xlsx"));
    for file in files {
        env.wb()
            .args(["import", "inventory"])
            .arg(&file)
            .assert()
            .code(4);
    }
    env.wb()
        .args(["import", "inventory"])
        .arg(corpus("mds2/nema-example-mds2-worksheet-hn1-2019.xlsx"))
        .assert()
        .stderr(predicate::str::contains("MDS2"));
    assert!(env.devices()?.is_empty());
    Ok(())
}

#[test]
fn the_corpus_inventory_imports_with_the_readme_map() -> TestResult {
    let env = Env::new()?;
    let file = corpus("assets/udea-lime-F-147-inventario-equipos-biomedicos-redacted.xlsx");
    env.wb()
        .args(["import", "inventory", "--dry-run"])
        .arg(&file)
        .assert()
        .code(4)
        .stdout(predicate::str::contains("reject    W20"));
    env.wb()
        .args(["import", "inventory"])
        .arg(&file)
        .args([
            "--map",
            "Fecha finalización garantía=extra",
            "--map",
            "Proceso=department",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("54 added"));
    let devices = env.devices()?;
    assert_eq!(devices.len(), 54);
    let first = &devices[0];
    assert_eq!(first["name"], "Congelador");
    assert_eq!(first["manufacturer"], "Challenger");
    assert_eq!(first["serial_number"], "9053127");
    assert_eq!(first["asset_tag"], "135306");
    assert_eq!(first["department"], "LIME");
    assert_eq!(first["extra"]["Fecha finalización garantía"], "N/A");
    // Re-import: matched by asset tag, nothing changes.
    env.wb()
        .args(["import", "inventory"])
        .arg(&file)
        .args([
            "--map",
            "Fecha finalización garantía=extra",
            "--map",
            "Proceso=department",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 added, 0 updated"));
    Ok(())
}

#[test]
fn delete_and_undelete_keep_the_id() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Pump"])
        .assert()
        .success();
    env.wb()
        .args(["device", "delete", "DEV-0001"])
        .assert()
        .success()
        .stdout(predicate::str::contains("undelete"));
    assert!(env.devices()?.is_empty());
    env.wb()
        .args(["device", "undelete", "DEV-0001"])
        .assert()
        .success();
    assert_eq!(env.devices()?[0]["device_id"], "DEV-0001");
    env.wb()
        .args(["device", "undelete", "DEV-0001"])
        .assert()
        .code(2);
    Ok(())
}

#[test]
fn models_with_slashes_and_overrides_that_fall_back() -> TestResult {
    let env = Env::new()?;
    for (name, maker, model) in [
        ("Genie 1", "SCIENTIFIC INDUSTRIES /GENIE 2", "G-560"),
        ("Genie 2", "SCIENTIFIC INDUSTRIES /GENIE 2", "G-560"),
        ("Other", "A/B", "C"),
        ("Another", "A", "B/C"),
    ] {
        env.wb()
            .args([
                "device",
                "add",
                "--name",
                name,
                "--manufacturer",
                maker,
                "--model",
                model,
            ])
            .assert()
            .success();
    }
    env.wb()
        .args([
            "answer",
            "MODEL:SCIENTIFIC INDUSTRIES /GENIE 2/G-560",
            "INV-03",
            "yes",
        ])
        .assert()
        .success();
    env.wb()
        .args(["answer", "MODEL:A/B/C", "INV-03", "no"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("more than one model"));
    // A unit overrides its model, and clearing the override brings the model's answer back.
    env.wb()
        .args(["answer", "DEV-0002", "INV-03", "no"])
        .assert()
        .success();
    let done = |env: &Env| -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
        Ok(env
            .devices()?
            .iter()
            .map(|d| d["progress_pct"].clone())
            .collect())
    };
    assert_eq!(done(&env)?[..2], [1, 1]);
    env.wb()
        .args(["answer", "DEV-0002", "INV-03", "clear"])
        .assert()
        .success();
    let out = env.path("out.xlsx");
    env.wb()
        .args(["export", "xlsx"])
        .arg(&out)
        .assert()
        .success();
    use calamine::{Reader, open_workbook_auto};
    let mut book = open_workbook_auto(&out)?;
    let sheet = book.worksheet_range("1 Inventory Checks")?;
    let rows: Vec<_> = sheet
        .rows()
        .filter(|r| r[3] == "INV-03")
        .map(|r| (r[0].to_string(), r[6].to_string(), r[7].to_string()))
        .collect();
    assert!(
        rows.contains(&(
            "MODEL:SCIENTIFIC INDUSTRIES /GENIE 2/G-560".into(),
            "Model".into(),
            "Yes".into()
        )),
        "{rows:?}"
    );
    assert!(!rows.iter().any(|r| r.1 == "Device (override)"), "{rows:?}");
    Ok(())
}

#[test]
fn an_older_scan_does_not_roll_back_a_newer_one() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["import", "nmap"])
        .arg(corpus("nmap/libnmap-full_sudo6.xml"))
        .assert()
        .success();
    let before = env.devices()?;
    env.wb()
        .args(["import", "nmap"])
        .arg(corpus("nmap/libnmap-os_scan6.xml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("newer scan"));
    let after = env.devices()?;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b["last_seen"], a["last_seen"]);
        assert_eq!(b["network_services"], a["network_services"]);
    }
    Ok(())
}

#[test]
fn status_counts_as_the_exported_summary_does() -> TestResult {
    let env = Env::new()?;
    for n in ["Pump 1", "Pump 2", "Pump 3"] {
        env.wb()
            .args(["device", "add", "--name", n])
            .assert()
            .success();
    }
    env.wb()
        .args(["answer", "SITE", "IR-01", "no"])
        .assert()
        .success();
    env.wb()
        .args(["answer", "DEV-0001", "IR-02", "yes"])
        .assert()
        .success();
    let out = env.wb().args(["status", "--json"]).output()?;
    let status: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let ir = &status["steps"][6];
    // One site finding, counted once; one device answer.
    assert_eq!((ir["yes"].clone(), ir["no"].clone()), (1.into(), 1.into()));
    let xlsx = env.path("out.xlsx");
    env.wb()
        .args(["export", "xlsx"])
        .arg(&xlsx)
        .assert()
        .success();
    use calamine::{Reader, open_workbook_auto};
    let mut book = open_workbook_auto(&xlsx)?;
    let summary = book.worksheet_range("Summary")?;
    let row = summary
        .rows()
        .find(|r| r[0].to_string().starts_with("7 "))
        .ok_or("no step 7 row on Summary")?;
    assert_eq!(row[3].to_string(), "1", "Yes on Summary");
    assert_eq!(row[5].to_string(), "1", "No on Summary");
    Ok(())
}

/// The progress bar is drawn only at a terminal: with stderr captured (as in a pipe or a log),
/// imports and exports write nothing there, not even a cleared bar.
#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() -> TestResult {
    let env = Env::new()?;
    let quiet = |args: &[&str], file: &Path| -> TestResult {
        let out = env.wb().args(args).arg(file).output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?} wrote to stderr");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout.contains('\r') && !stdout.contains('\u{1b}'),
            "{args:?}: {stdout:?}"
        );
        Ok(())
    };
    quiet(&["import", "nmap"], &corpus("nmap/nmap-ndiff-random-1.xml"))?;
    quiet(
        &["import", "inventory", "--skip-invalid"],
        &corpus("assets/udea-lime-F-147-inventario-equipos-biomedicos-redacted.xlsx"),
    )?;
    quiet(&["export", "xlsx"], &env.path("out.xlsx"))?;
    quiet(&["export", "template"], &env.path("blank.xlsx"))?;
    Ok(())
}

/// `medsec` with an empty environment: no HOME, no workbook, no passphrase.
fn bare() -> Command {
    let mut c = Command::cargo_bin("medsec").unwrap_or_else(|e| panic!("medsec binary: {e}"));
    c.env_clear();
    c
}

#[test]
fn completions_need_no_workbook_and_name_the_commands() -> TestResult {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bare().args(["completions", shell]).output()?;
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{shell} wrote to stderr");
        let script = String::from_utf8(out.stdout)?;
        for word in ["import", "export", "device", "nmap", "workbook"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    // Paths complete as files.
    let zsh = bare().args(["completions", "zsh"]).output()?;
    assert!(String::from_utf8(zsh.stdout)?.contains(":PATH:_files"));
    // A workbook option is accepted and never opened.
    bare()
        .args(["-w", "/nonexistent/w.medsec", "completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("_medsec()"));
    Ok(())
}

#[test]
fn an_unknown_shell_is_a_usage_error_on_one_line() -> TestResult {
    let out = bare().args(["completions", "tcsh"]).output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr)?;
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("'tcsh'"), "{stderr}");
    assert!(
        stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn a_missing_argument_is_named_on_the_one_line() -> TestResult {
    for (args, missing) in [
        (&["init"][..], "not provided: <PATH>"),
        (&["answer", "DEV-0001"][..], "not provided: <CONTROL>"),
    ] {
        let out = bare().args(args).output()?;
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr)?;
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(missing), "{stderr}");
    }
    Ok(())
}

#[test]
fn the_manpage_is_roff_and_covers_the_commands() -> TestResult {
    let out = bare()
        .args(["-w", "/nonexistent/w.medsec", "manpage"])
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let page = String::from_utf8(out.stdout)?;
    assert!(page.starts_with(".TH MEDSEC 1 "), "{}", &page[..60]);
    for heading in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS"] {
        assert!(page.contains(heading), "no {heading}");
    }
    for command in [
        "medsec import nmap",
        "medsec import inventory",
        "medsec export xlsx",
        "medsec device add",
        "medsec completions",
    ] {
        assert!(page.contains(&format!(".SS \"{command}\"")), "no {command}");
    }
    // The inventory fields of `device add` are there as options.
    assert!(page.contains(r"\-\-serial\-number"));
    Ok(())
}

/// A host name with C1 controls (valid in XML, e.g. U+009B, the 8-bit CSI) is reported escaped:
/// nothing from the file can drive the terminal.
#[test]
fn import_reports_show_controls_from_the_file_escaped() -> TestResult {
    let env = Env::new()?;
    let scan = env.path("c1.xml");
    std::fs::write(
        &scan,
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" start=\"1700000000\"><host starttime=\"1700000000\"><status state=\"up\"/><address addr=\"10.9.9.9\" addrtype=\"ipv4\"/><hostnames><hostname name=\"host\u{9b}[31mRED\u{9d}0;pwned\u{9c}\" type=\"PTR\"/></hostnames></host><runstats><finished time=\"1700000001\"/></runstats></nmaprun>\n",
    )?;
    let out = env
        .wb()
        .args(["import", "nmap", "--dry-run"])
        .arg(&scan)
        .output()?;
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout)?;
    assert!(stdout.contains("host\\u{9b}[31mRED"), "{stdout}");
    assert!(
        !stdout
            .chars()
            .any(|c| ('\u{80}'..='\u{9f}').contains(&c) || c == '\u{1b}')
    );
    Ok(())
}

#[test]
fn free_text_flags_take_values_that_start_with_a_dash() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Pump"])
        .assert()
        .success();
    env.wb()
        .args([
            "answer",
            "DEV-0001",
            "ENC-01",
            "no",
            "--note",
            "-2+3 dB loss",
        ])
        .args(["--observed", "-3", "--evidence-ref", "-photo 12"])
        .assert()
        .success();
    let shown = env
        .wb()
        .args(["export", "json"])
        .arg(env.path("a.json"))
        .output()?;
    assert!(shown.status.success(), "{shown:?}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(env.path("a.json"))?)?;
    let a = &doc["answers"][0];
    assert_eq!(a["note"], "-2+3 dB loss");
    assert_eq!(a["observed"], "-3");
    assert_eq!(a["evidence_ref"], "-photo 12");
    Ok(())
}

#[test]
fn confirming_where_nothing_was_suggested_is_refused() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Pump"])
        .assert()
        .success();
    env.wb()
        .args(["answer", "DEV-0001", "INV-01", "--confirm"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "DEV-0001 INV-01: there is no suggested answer to confirm (nothing was changed)",
        ));
    Ok(())
}
