//! The spreadsheet round trip as a user makes it, through the real binary: export, edit cells of
//! the `.xlsx` (rewritten in its XML, as any spreadsheet program would save it), dry run (exactly
//! the edited cells listed), import, and the edits are in the workbook; a template filled by hand
//! (a committed LibreOffice `.ods`) into a fresh workbook; `export json` read back.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use medsec::export::layout::SHEETS;
use medsec::import::sheet::column_letter;

mod common;
use common::Env;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The 1-based row of the control sheet `sheet` whose Device ID is `target` and Control ID
/// `control`.
fn control_row(
    xlsx: &Path,
    sheet: &str,
    target: &str,
    control: &str,
) -> Result<u32, Box<dyn std::error::Error>> {
    let mut book = open_workbook_auto(xlsx)?;
    let range = book.worksheet_range(sheet)?;
    for (i, row) in range.rows().enumerate() {
        let cell = |c: usize| row.get(c).map(Data::to_string).unwrap_or_default();
        if cell(0) == target && cell(3) == control {
            return Ok(u32::try_from(i)? + 1);
        }
    }
    Err(format!("no row {target} {control} on {sheet}").into())
}

/// Copies the xlsx `src` to `dst` with cells replaced by text: `(sheet part, cell, text)`, e.g.
/// `("xl/worksheets/sheet7.xml", "H3", "Yes")`.
fn edit_xlsx(src: &Path, dst: &Path, edits: &[(String, String, String)]) -> TestResult {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src)?)?;
    let mut zout = zip::ZipWriter::new(std::fs::File::create(dst)?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut member = zin.by_index(i)?;
        let name = member.name().to_string();
        let mut text = Vec::new();
        member.read_to_end(&mut text)?;
        for (_, cell, value) in edits.iter().filter(|(p, _, _)| *p == name) {
            let xml = String::from_utf8(text)?;
            text = set_cell(&xml, cell, value)?.into_bytes();
        }
        zout.start_file(name, opts)?;
        zout.write_all(&text)?;
    }
    zout.finish()?;
    Ok(())
}

/// The sheet XML with `cell` (e.g. `H3`) holding the text `value`: the cell replaced, or inserted
/// in column order when the export left it out (a blank cell is not written).
fn set_cell(xml: &str, cell: &str, value: &str) -> Result<String, Box<dyn std::error::Error>> {
    let new = format!(r#"<c r="{cell}" t="inlineStr"><is><t>{value}</t></is></c>"#);
    let existing = regex::Regex::new(&format!(r#"<c r="{cell}"(?: [^>]*?)?(?:/>|>.*?</c>)"#))?;
    if existing.is_match(xml) {
        return Ok(existing.replace(xml, new.as_str()).into_owned());
    }
    let split = regex::Regex::new(r"^([A-Z]+)(\d+)$")?;
    let caps = split.captures(cell).ok_or("cell address")?;
    let (letters, row) = (&caps[1], &caps[2]);
    let rank = |l: &str| (l.len(), l.to_string());
    let row_re = regex::Regex::new(&format!(r#"(?s)<row r="{row}"[^>]*>(.*?)</row>"#))?;
    let m = row_re.captures(xml).ok_or(format!("no row {row}"))?;
    let body = m.get(1).ok_or("row body")?;
    let cells = regex::Regex::new(r#"<c r="([A-Z]+)\d+""#)?;
    let at = cells
        .captures_iter(body.as_str())
        .find(|c| rank(&c[1]) > rank(letters))
        .and_then(|c| c.get(0))
        .map_or(body.end(), |g| body.start() + g.start());
    Ok(format!("{}{new}{}", &xml[..at], &xml[at..]))
}

/// The sheet part of `sheet` in an export (sheets are written in TEMPLATE.md order).
fn part(sheet: &str) -> String {
    let n = SHEETS.iter().position(|(s, _)| *s == sheet).unwrap_or(0) + 1;
    format!("xl/worksheets/sheet{n}.xml")
}

fn stdout(env: &Env, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let out = env.wb().args(args).output()?;
    assert!(out.status.success(), "{args:?}: {out:?}");
    Ok(String::from_utf8(out.stdout)?)
}

#[test]
fn ten_answers_two_owners_and_a_room_edited_in_a_copy_come_back_exactly() -> TestResult {
    let env = Env::new()?;
    for (name, room) in [
        ("Pump A", "B1"),
        ("Pump B", "B2"),
        ("Monitor C", "B2 / ICU"),
    ] {
        env.wb()
            .args(["device", "add", "--name", name, "--room", room])
            .assert()
            .success();
    }
    for device in ["DEV-0001", "DEV-0002"] {
        env.wb()
            .args(["answer", device, "ENC-01", "no"])
            .assert()
            .success();
    }
    let copy = env.path("copy.xlsx");
    env.wb()
        .args(["export", "xlsx"])
        .arg(&copy)
        .assert()
        .success();

    // Ten responses on two sheets, two owners on the register, one room on the inventory.
    let mut edits = Vec::new();
    let mut expected = Vec::new();
    for (sheet, target, control, new) in [
        ("3 Encryption", "DEV-0001", "ENC-02", "Yes"),
        ("3 Encryption", "DEV-0001", "ENC-03", "No"),
        ("3 Encryption", "DEV-0002", "ENC-01", "Partial"),
        ("3 Encryption", "DEV-0002", "ENC-04", "n/a"),
        ("3 Encryption", "DEV-0003", "ENC-05", "unknown "),
        ("4 Access Control", "DEV-0001", "ACC-01", "yes"),
        ("4 Access Control", "DEV-0001", "ACC-02", "No"),
        ("4 Access Control", "DEV-0002", "ACC-03", "Partial"),
        ("4 Access Control", "DEV-0003", "ACC-04", "Yes"),
        ("4 Access Control", "DEV-0003", "ACC-05", "No"),
    ] {
        let row = control_row(&copy, sheet, target, control)?;
        let cell = format!("H{row}");
        expected.push(format!("{target} {control} Response"));
        edits.push((part(sheet), cell, new.to_string()));
        if new == "n/a" {
            // N/A needs a note saying why (PRODUCT.md "Answers").
            edits.push((part(sheet), format!("K{row}"), "no storage".to_string()));
        }
    }
    for (row, owner) in [(2, "Biomed – A. Lindqvist"), (3, "CISO office")] {
        edits.push((part("Risk Register"), format!("O{row}"), owner.to_string()));
        expected.push(format!("'Risk Register'!O{row} "));
    }
    // Room is the inventory column headed "Building / Floor / Room"; DEV-0003 is row 4.
    let mut book = open_workbook_auto(&copy)?;
    let inventory = book.worksheet_range("1 Inventory")?;
    let col = inventory
        .rows()
        .next()
        .and_then(|h| {
            h.iter()
                .position(|c| matches!(c, Data::String(s) if s == "Building / Floor / Room"))
        })
        .ok_or("no room column")?;
    let letter = column_letter(col);
    edits.push((
        part("1 Inventory"),
        format!("{letter}4"),
        "Room 3.12".into(),
    ));
    expected.push(format!("'1 Inventory'!{letter}4 DEV-0003"));
    let edited = env.path("edited.xlsx");
    edit_xlsx(&copy, &edited, &edits)?;

    let dry = env
        .wb()
        .args(["import", "workbook"])
        .arg(&edited)
        .arg("--dry-run")
        .output()?;
    assert!(dry.status.success(), "{dry:?}");
    let report = String::from_utf8(dry.stdout)?;
    // Ten answers (new ones are "added"; the N/A one with its note on the same line), two
    // owners, one room.
    let changed: Vec<&str> = report
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("changed") || l.starts_with("added")
        })
        .collect();
    assert_eq!(changed.len(), 13, "{report}");
    for e in &expected {
        assert!(
            changed.iter().any(|l| l.contains(e.as_str())),
            "{e}\n{report}"
        );
    }
    assert!(report.contains("nothing was changed"), "{report}");

    env.wb()
        .args(["import", "workbook"])
        .arg(&edited)
        .assert()
        .success();
    assert!(stdout(&env, &["device", "show", "DEV-0003"])?.contains("Room 3.12"));
    assert!(stdout(&env, &["risk", "show", "R-0001"])?.contains("Biomed – A. Lindqvist"));
    let json = env.path("after.json");
    env.wb()
        .args(["export", "json"])
        .arg(&json)
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
    let responses: BTreeMap<(String, String), String> = doc["answers"]
        .as_array()
        .ok_or("answers")?
        .iter()
        .map(|a| {
            (
                (
                    a["target"].as_str().unwrap_or_default().to_string(),
                    a["control_id"].as_str().unwrap_or_default().to_string(),
                ),
                a["response"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let got = |t: &str, c: &str| {
        responses
            .get(&(t.to_string(), c.to_string()))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(got("DEV-0001", "ENC-02"), "Yes");
    assert_eq!(got("DEV-0002", "ENC-01"), "Partial");
    assert_eq!(got("DEV-0002", "ENC-04"), "N/A");
    assert_eq!(got("DEV-0003", "ENC-05"), "Unknown");
    assert_eq!(got("DEV-0001", "ACC-01"), "Yes");
    assert_eq!(got("DEV-0003", "ACC-05"), "No");
    assert_eq!(responses.len(), 11, "{responses:?}");

    // The same copy again changes nothing: not even R-0002's due date, which the copy shows as
    // the default of its old level (the import moved the level, and the due date with it).
    let again = env
        .wb()
        .args(["import", "workbook"])
        .arg(&edited)
        .arg("--dry-run")
        .output()?;
    let again = String::from_utf8(again.stdout)?;
    assert!(
        !again.lines().any(|l| l.trim_start().starts_with("changed")),
        "{again}"
    );
    Ok(())
}

#[test]
fn a_template_filled_by_hand_in_libreoffice_imports_into_a_fresh_workbook() -> TestResult {
    let env = Env::new()?;
    let filled = Path::new("tests/fixtures/workbook/template-filled.ods");
    env.wb()
        .args(["import", "workbook"])
        .arg(filled)
        .assert()
        .success();
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&env, &["device", "list", "--json"])?)?;
    let tags: Vec<&str> = list
        .as_array()
        .ok_or("devices")?
        .iter()
        .filter_map(|d| d["asset_tag"].as_str())
        .collect();
    assert_eq!(tags, ["BME-20001", "BME-20002"]);
    let status: serde_json::Value = serde_json::from_str(&stdout(&env, &["status", "--json"])?)?;
    let text = status.to_string();
    assert!(text.contains("\"yes\":2") || text.contains("\"Yes\":2") || text.contains("yes"));
    let json = env.path("after.json");
    env.wb()
        .args(["export", "json"])
        .arg(&json)
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json)?)?;
    let answers = doc["answers"].as_array().ok_or("answers")?;
    assert_eq!(answers.len(), 5, "{answers:?}");
    // Matched by asset tag the second time: nothing new.
    let again = stdout(
        &env,
        &[
            "import",
            "workbook",
            "tests/fixtures/workbook/template-filled.ods",
            "--dry-run",
        ],
    )?;
    assert!(again.contains("0 added, 0 changed"), "{again}");
    Ok(())
}

#[test]
fn an_export_json_reads_back_unchanged_and_into_a_fresh_workbook() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Pump A", "--asset-tag", "BME-1"])
        .assert()
        .success();
    env.wb()
        .args([
            "answer",
            "DEV-0001",
            "ENC-01",
            "no",
            "--note",
            "=cmd|' /C calc'!A0",
        ])
        .assert()
        .success();
    let json = env.path("a.json");
    env.wb()
        .args(["export", "json"])
        .arg(&json)
        .assert()
        .success();
    let same = stdout(
        &env,
        &["import", "json", json.to_str().ok_or("path")?, "--dry-run"],
    )?;
    assert!(same.contains("0 added, 0 changed"), "{same}");

    let other = Env::new()?;
    let out = other.wb().args(["import", "json"]).arg(&json).output()?;
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(String::from_utf8(out.stderr)?.contains("--accept-foreign"));
    other
        .wb()
        .args(["import", "json"])
        .arg(&json)
        .arg("--accept-foreign")
        .assert()
        .success();
    let shown = stdout(&other, &["device", "show", "BME-1"])?;
    assert!(shown.contains("Pump A"), "{shown}");
    Ok(())
}

/// The elements of `key` (`answers`, `risks`) of an `export json` document by target and
/// control, without the keys in `skip`.
fn elements(
    doc: &serde_json::Value,
    key: &str,
    skip: &[&str],
) -> Result<BTreeMap<String, serde_json::Map<String, serde_json::Value>>, Box<dyn std::error::Error>>
{
    let mut out = BTreeMap::new();
    for e in doc[key].as_array().ok_or(format!("no {key}"))? {
        let mut obj = e.as_object().ok_or("not an object")?.clone();
        let id = format!("{} {}", obj["target"], obj["control_id"]);
        for k in skip {
            obj.remove(*k);
        }
        if out.insert(id.clone(), obj).is_some() {
            return Err(format!("{id} twice").into());
        }
    }
    Ok(out)
}

#[test]
fn the_demo_as_json_into_a_fresh_workbook_keeps_dimensions_identified_dates_and_due_defaults()
-> TestResult {
    let env = Env::new()?;
    let demo = env.path("demo.medsec");
    env.cmd()
        .arg("demo")
        .arg(&demo)
        .arg("--no-open")
        .assert()
        .success();
    let json = env.path("demo.json");
    env.cmd()
        .arg("-w")
        .arg(&demo)
        .args(["export", "json"])
        .arg(&json)
        .assert()
        .success();
    // The Env's workbook is a fresh one of another workbook ID.
    let out = env
        .wb()
        .args(["import", "json"])
        .arg(&json)
        .arg("--accept-foreign")
        .output()?;
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8(out.stdout)?;
    assert!(said.contains(", 0 rejected"), "{said}");
    let back = env.path("back.json");
    env.wb()
        .args(["export", "json"])
        .arg(&back)
        .assert()
        .success();

    let read = |p: &Path| -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        Ok(serde_json::from_slice(&std::fs::read(p)?)?)
    };
    let (first, second) = (read(&json)?, read(&back)?);
    // Who and when answered are the importer's; IDs and UUIDs are each workbook's own.
    let answer_skip = [
        "device_uuid",
        "row_key",
        "assessed_at",
        "assessed_by",
        "assessed_on",
    ];
    let risk_skip = ["risk_id", "device_uuid"];
    let (a1, a2) = (
        elements(&first, "answers", &answer_skip)?,
        elements(&second, "answers", &answer_skip)?,
    );
    let (r1, r2) = (
        elements(&first, "risks", &risk_skip)?,
        elements(&second, "risks", &risk_skip)?,
    );
    assert_eq!(a1.keys().collect::<Vec<_>>(), a2.keys().collect::<Vec<_>>());
    assert_eq!(r1.keys().collect::<Vec<_>>(), r2.keys().collect::<Vec<_>>());
    for (id, a) in &a1 {
        for (k, v) in a {
            assert_eq!(Some(v), a2[id].get(k), "answer {id}: {k}");
        }
    }
    for (id, r) in &r1 {
        for (k, v) in r {
            assert_eq!(Some(v), r2[id].get(k), "risk {id}: {k}");
        }
    }
    // The demo has what the fix is about, so the comparison above covers it.
    let rated_per_dimension = a1
        .values()
        .filter(|a| a["impact_dimensions"]["patient_safety"].is_number())
        .count();
    assert!(rated_per_dimension > 0);
    let today = chrono::Local::now().date_naive().to_string();
    let identified_before_today = r1
        .values()
        .filter(|r| {
            r["identified_on"]
                .as_str()
                .is_some_and(|d| d < today.as_str())
        })
        .count();
    assert!(identified_before_today > 0);
    assert!(r1.values().any(|r| r["due_date_default"] == true));
    assert!(r1.values().any(|r| r["due_date_default"] == false));

    // The register counts agree, the patient-safety ones included.
    let status = |w: &Path| -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        let out = env
            .cmd()
            .arg("-w")
            .arg(w)
            .args(["status", "--json"])
            .output()?;
        assert!(out.status.success(), "{out:?}");
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    let (s1, s2) = (status(&demo)?, status(&env.workbook())?);
    assert_eq!(s1["risks"], s2["risks"]);
    assert!(s1["risks"]["uncontrolled_patient_safety"].as_u64() > Some(0));
    Ok(())
}
