//! `medsec import mds2` end to end: the NEMA example for a model and the MediCapture text for a
//! device, the dry-run report, the export's `MDS2` sheet and column O, confirming a suggestion,
//! and the refusals with their exit codes.

mod common;

use std::path::PathBuf;

use calamine::{Data, Reader, open_workbook_auto};
use common::Env;
use predicates::prelude::*;
use predicates::str::contains;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/mds2")
        .join(name)
}

const NEMA: &str = "nema-example-mds2-worksheet-hn1-2019.xlsx";
const MEDICAPTURE: &str = "medicapture-mvr-mds2-2019-as-text.md";

fn two_units(env: &Env) {
    for name in ["Glucose 1", "Glucose 2"] {
        env.wb()
            .args(["device", "add", "--name", name])
            .args(["--manufacturer", "Acme", "--model", "GM-1"])
            .assert()
            .success();
    }
}

fn text(cell: Option<&Data>) -> String {
    cell.map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn the_nema_example_for_a_model_fills_suggests_and_exports() -> TestResult {
    let env = Env::new()?;
    two_units(&env);
    env.wb()
        .args(["answer", "DEV-0001", "ACC-06", "yes"])
        .assert()
        .success();
    // Dry run: what was read, filled and suggested; nothing changes.
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(NEMA))
        .args(["--model", "acme/gm-1", "--dry-run"])
        .assert()
        .success()
        .stdout(contains("MDS2 HN 1-2019, 240 questions"))
        .stdout(contains(
            "answers: Yes 29, No 112, N/A 90, See Note 1, Hidden 3, Blank 1, Other 4",
        ))
        .stdout(contains("typo SHAD-15 read as SAHD-15"))
        .stdout(contains("release date (DOC-7): 2019-10-09"))
        .stdout(contains(
            "fill DEV-0002 mds2_date = \"2019-10-09\" from DOC-7",
        ))
        .stdout(contains("suggest model Acme GM-1 ENC-04 No"))
        .stdout(contains("suggest DEV-0002 ACC-06 No"))
        .stdout(contains(
            "keep DEV-0001 ACC-06: answered Yes by the assessor",
        ))
        .stdout(contains("nothing was changed"));
    env.wb()
        .args(["device", "show", "DEV-0001"])
        .assert()
        .success()
        .stdout(contains("2019-10-09").not());
    // The real run.
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(NEMA))
        .args(["--model", "Acme/GM-1"])
        .assert()
        .success()
        .stdout(contains(
            "stored for model Acme GM-1: 16 field(s) filled, 42 suggestion(s)",
        ));
    env.wb()
        .args(["device", "show", "DEV-0002"])
        .assert()
        .success()
        .stdout(contains("2019-10-09"))
        .stdout(contains("HN 1-2019"));
    // Suggestions do not count.
    env.wb()
        .args(["status"])
        .assert()
        .success()
        .stdout(contains("3 Data Encryption                 0%"));
    let out = env.path("out.xlsx");
    env.wb()
        .args(["export", "xlsx"])
        .arg(&out)
        .assert()
        .success();
    let mut book = open_workbook_auto(&out)?;
    let mds2 = book.worksheet_range("MDS2")?;
    let rows: Vec<&[Data]> = mds2.rows().collect();
    assert_eq!(rows.len(), 241);
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header[0], "Target");
    assert_eq!(header[13], "Imported At");
    let sahd15 = rows
        .iter()
        .find(|r| text(r.get(4)) == "SAHD-15")
        .ok_or("SAHD-15 row")?;
    assert_eq!(text(sahd15.first()), "MODEL:Acme/GM-1");
    assert_eq!(text(sahd15.get(3)), "SAHD");
    assert_eq!(text(sahd15.get(5)), "Yes");
    assert_eq!(text(sahd15.get(11)), NEMA);
    assert_eq!(text(sahd15.get(12)).len(), 64);
    let sahd16 = rows
        .iter()
        .find(|r| text(r.get(4)) == "SAHD-16")
        .ok_or("SAHD-16 row")?;
    assert_eq!(text(sahd16.get(5)), "See Note");
    assert_eq!(text(sahd16.get(6)), "See Notes");
    assert_eq!(
        text(sahd16.get(7)),
        "Note 6: All access requires use of proprietary cable."
    );
    assert!(matches!(
        rows.iter()
            .find(|r| text(r.get(4)) == "DOC-7")
            .and_then(|r| r.get(2)),
        Some(Data::DateTime(_))
    ));
    // Column O (claims) and I (suggested) of the control sheets.
    let enc = book.worksheet_range("3 Encryption")?;
    let row = enc
        .rows()
        .find(|r| text(r.first()) == "DEV-0002" && text(r.get(3)) == "ENC-01")
        .ok_or("DEV-0002 ENC-01")?;
    assert_eq!(text(row.get(7)), "No");
    assert_eq!(
        text(row.get(8)),
        "MDS2 (unconfirmed) nema-example-mds2-worksheet-hn1-2019.xlsx 2019-10-09"
    );
    assert_eq!(text(row.get(14)), "STCF-1=No; STCF-1.1=N/A; STCF-1.2=N/A");
    assert_eq!(text(row.get(15)), "MDS2");
    let model_row = enc
        .rows()
        .find(|r| text(r.first()) == "MODEL:Acme/GM-1" && text(r.get(3)) == "ENC-08")
        .ok_or("model ENC-08")?;
    assert_eq!(text(model_row.get(14)), "IGAU-1=No; IGAU-2=No");
    // Confirm one suggestion with the CLI.
    env.wb()
        .args(["answer", "DEV-0002", "ENC-01", "--confirm"])
        .assert()
        .success();
    env.wb()
        .args(["status"])
        .assert()
        .success()
        .stdout(contains(
            "3 Data Encryption                 7%     0       0     1",
        ));
    Ok(())
}

#[test]
fn the_medicapture_text_for_one_device_and_reimport() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Video recorder"])
        .assert()
        .success();
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(MEDICAPTURE))
        .args(["--device", "DEV-0001"])
        .assert()
        .success()
        .stdout(contains("240 questions (text, one question per line)"))
        .stdout(contains(
            "answers: Yes 118, No 89, N/A 24, Blank 2, Other 7",
        ))
        .stdout(contains("DOC-3 lists several models"))
        .stdout(contains(
            "fill DEV-0001 manufacturer = \"MediCapture Inc.\" from DOC-1",
        ));
    env.wb()
        .args(["device", "show", "DEV-0001"])
        .assert()
        .success()
        .stdout(contains("MDS2-MVR"))
        .stdout(contains("Wired; USB"));
    // Again: the earlier document is marked replaced, the fields are already set.
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(MEDICAPTURE))
        .args(["--device", "DEV-0001"])
        .assert()
        .success()
        .stdout(contains("0 field(s) filled"))
        .stdout(contains("the earlier MDS2 of DEV-0001 is marked replaced"));
    // The NEMA example instead: MediCapture's suggestions it does not give are withdrawn.
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(NEMA))
        .args(["--device", "DEV-0001", "--dry-run"])
        .assert()
        .success()
        .stdout(contains(
            "withdraw DEV-0001 ENC-05: the earlier MDS2's suggestion",
        ));
    Ok(())
}

#[test]
fn refusals_say_why_with_their_exit_codes() -> TestResult {
    let env = Env::new()?;
    two_units(&env);
    let csv = env.path("devices.csv");
    std::fs::write(&csv, "name,model\npump,AP-5\n")?;
    env.wb()
        .args(["import", "mds2"])
        .arg(&csv)
        .args(["--device", "DEV-0001"])
        .assert()
        .code(4)
        .stderr(contains("holds no MDS2 question IDs"));
    let pdf = env.path("mds2.pdf");
    std::fs::write(&pdf, "%PDF-1.7\n%...")?;
    env.wb()
        .args(["import", "mds2"])
        .arg(&pdf)
        .args(["--device", "DEV-0001"])
        .assert()
        .code(4)
        .stderr(contains("is a PDF, which medsec does not read"));
    let empty = env.path("empty.xlsx");
    std::fs::write(&empty, "")?;
    env.wb()
        .args(["import", "mds2"])
        .arg(&empty)
        .args(["--device", "DEV-0001"])
        .assert()
        .code(4)
        .stderr(contains("is empty"));
    let nema = std::fs::read(corpus(NEMA))?;
    let cut = env.path("cut.xlsx");
    std::fs::write(&cut, &nema[..nema.len() / 2])?;
    env.wb()
        .args(["import", "mds2"])
        .arg(&cut)
        .args(["--device", "DEV-0001"])
        .assert()
        .code(4)
        .stderr(contains("cut.xlsx"));
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(NEMA))
        .assert()
        .code(2);
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(NEMA))
        .args(["--model", "Nobody/Nothing"])
        .assert()
        .code(2)
        .stderr(contains("no device has manufacturer \"Nobody\""));
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(NEMA))
        .args(["--model", "no-slash"])
        .assert()
        .code(2);
    env.wb()
        .args(["import", "mds2"])
        .arg(corpus(NEMA))
        .args(["--device", "DEV-0042"])
        .assert()
        .code(2);
    // Nothing was stored by any of them.
    env.wb()
        .args(["device", "show", "DEV-0001"])
        .assert()
        .success()
        .stdout(contains("HN 1-2019").not());
    Ok(())
}

#[test]
fn a_model_suggestion_is_confirmed_from_one_of_its_units() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args([
            "device",
            "add",
            "--name",
            "Meter",
            "--manufacturer",
            "Acme",
            "--model",
            "Gluco 3",
        ])
        .assert()
        .success();
    env.wb()
        .args([
            "import",
            "mds2",
            "../shared/corpus/mds2/nema-example-mds2-worksheet-hn1-2019.xlsx",
        ])
        .args(["--model", "Acme/Gluco 3"])
        .assert()
        .success();
    // ENC-04 is model-scoped: the suggestion lives on the model; the unit shows and confirms it.
    let out = env
        .wb()
        .args(["answer", "DEV-0001", "ENC-04", "--confirm"])
        .output()?;
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8(out.stdout)?;
    assert!(said.contains("ENC-04 = No"), "{said}");
    // Confirmed once: nothing is left to confirm.
    env.wb()
        .args(["answer", "DEV-0001", "ENC-04", "--confirm"])
        .assert()
        .code(2);
    Ok(())
}
