//! The risk register from the command line (`medsec risk ...`, `medsec status`, per-dimension
//! impacts on `medsec answer`), run as a user would: the real binary through assert_cmd.

use std::path::Path;

use chrono::NaiveDate;
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::Env;

impl Env {
    /// `medsec -w <workbook> ARGS`, which must succeed; returns stdout.
    fn ok(&self, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let out = self
            .cmd()
            .arg("-w")
            .arg(self.workbook())
            .args(args)
            .output()?;
        assert!(
            out.status.success(),
            "medsec {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?)
    }

    /// `medsec -w <workbook> ARGS`, which must fail with `code`; returns stderr.
    fn fails(&self, code: i32, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let out = self
            .cmd()
            .arg("-w")
            .arg(self.workbook())
            .args(args)
            .output()?;
        let stderr = String::from_utf8(out.stderr)?;
        assert_eq!(out.status.code(), Some(code), "medsec {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        Ok(stderr)
    }

    /// `--json` output, checked against its schema in `assets/schema`.
    fn json(&self, args: &[&str], schema: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let value: Value = serde_json::from_str(&self.ok(args)?)?;
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/schema")
                .join(schema),
        )?;
        let validator = jsonschema::validator_for(&serde_json::from_str(&text)?)?;
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{schema}: {errors:?}");
        Ok(value)
    }

    fn risks(&self) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
        match self.json(&["risk", "list", "--json"], "risk-list.v1.json")? {
            Value::Array(a) => Ok(a),
            other => Err(format!("not an array: {other}").into()),
        }
    }

    fn status(&self) -> Result<Value, Box<dyn std::error::Error>> {
        self.json(&["status", "--json"], "status.v1.json")
    }
}

fn day(v: &Value) -> Result<NaiveDate, Box<dyn std::error::Error>> {
    Ok(v.as_str().ok_or("not a date")?.parse()?)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The one risk with this control ID.
fn risk<'a>(risks: &'a [Value], control: &str) -> Result<&'a Value, String> {
    let found: Vec<&Value> = risks
        .iter()
        .filter(|r| r["control_id"] == control)
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        _ => Err(format!("{} risks for {control}", found.len())),
    }
}

/// A life-sustaining pump (DEV-0001: patient-safety default 5) and a monitor (DEV-0002: 3).
/// Step 3 (ENC) affects PHI / data only, step 5 (NET) every dimension, so a No on NET-01 of the
/// pump is 3 × 5, High, and a No on ENC-01 of either device 3 × 3, Moderate.
fn two_devices() -> Result<Env, Box<dyn std::error::Error>> {
    let env = Env::new()?;
    env.ok(&[
        "device",
        "add",
        "--name",
        "Pump",
        "--criticality",
        "Life-sustaining",
    ])?;
    env.ok(&[
        "device",
        "add",
        "--name",
        "Monitor",
        "--criticality",
        "Monitoring",
    ])?;
    Ok(env)
}

#[test]
fn a_new_finding_is_listed_with_its_default_due_date() -> TestResult {
    let env = two_devices()?;
    assert!(
        env.ok(&["risk", "list"])?.contains("no risks yet"),
        "an empty register says how a risk comes to be"
    );
    env.ok(&["answer", "DEV-0002", "ENC-01", "no"])?;
    let risks = env.risks()?;
    let r = risk(&risks, "ENC-01")?;
    assert_eq!(r["risk_id"], "R-0001");
    assert_eq!(r["target"], "DEV-0002");
    assert_eq!(
        (r["likelihood"].clone(), r["impact"].clone()),
        (3.into(), 3.into())
    );
    assert_eq!(r["level"], "Moderate");
    assert_eq!(r["status"], "Open");
    assert_eq!(r["due_default"], true);
    let identified = day(&r["identified_on"])?;
    assert_eq!(identified, today());
    // TEMPLATE.md "Default due dates": Moderate, 90 days after it was identified.
    assert_eq!(
        day(&r["due_date"])?,
        identified + chrono::Days::new(90),
        "{r}"
    );
    let list = env.ok(&["risk", "list"])?;
    let line = list
        .lines()
        .find(|l| l.starts_with("R-0001"))
        .ok_or("no R-0001 row")?;
    assert!(line.contains("DEV-0002") && line.contains("3×3=9") && line.contains(" M "));
    assert!(line.contains(&(identified + chrono::Days::new(90)).to_string()));
    assert!(list.lines().all(|l| l.chars().count() <= 80), "{list}");
    let show = env.ok(&["risk", "show", "R-0001"])?;
    assert!(
        show.contains("default by level: Moderate → 90 days"),
        "{show}"
    );
    assert!(show.contains("(device default)"), "{show}");
    assert_eq!(show, env.ok(&["risk", "show", "1"])?);
    assert_eq!(show, env.ok(&["risk", "show", "dev-0002", "enc-01"])?);
    Ok(())
}

#[test]
fn set_round_trips_and_clears() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0001", "NET-01", "no"])?;
    let line = env.ok(&[
        "risk",
        "set",
        "R-0001",
        "--treatment",
        "MITIGATE",
        "--owner",
        "Biomed: J. Smith",
        "--actions",
        "Enable disk encryption\nthen verify",
        "--status",
        "in-progress",
        "--due",
        "2031-03-15",
    ])?;
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("R-0001")
            && line.contains("Mitigate")
            && line.contains("owner Biomed: J. Smith")
            && line.contains("due 2031-03-15")
            && line.contains("In Progress"),
        "{line}"
    );
    let risks = env.risks()?;
    let r = risk(&risks, "NET-01")?;
    assert_eq!(r["treatment"], "Mitigate");
    assert_eq!(r["owner"], "Biomed: J. Smith");
    assert_eq!(r["planned_actions"], "Enable disk encryption\nthen verify");
    assert_eq!(r["status"], "In Progress");
    assert_eq!(r["open"], true);
    assert_eq!(r["due_date"], "2031-03-15");
    assert_eq!(r["due_default"], false);
    let show = env.ok(&["risk", "show", "R-0001"])?;
    assert!(show.contains("2031-03-15 (set by hand)"), "{show}");
    // Planned actions keep their lines, indented under the label.
    assert!(show.contains("Enable disk encryption\n"), "{show}");

    env.ok(&[
        "risk",
        "set",
        "R-0001",
        "--owner",
        "",
        "--treatment",
        "",
        "--due",
        "default",
    ])?;
    let risks = env.risks()?;
    let r = risk(&risks, "NET-01")?;
    assert_eq!(r["owner"], Value::Null);
    assert_eq!(r["treatment"], Value::Null);
    assert_eq!(r["due_default"], true);
    // 3 × 5 on a life-sustaining pump is High: 30 days.
    assert_eq!(
        day(&r["due_date"])?,
        day(&r["identified_on"])? + chrono::Days::new(30)
    );
    env.ok(&["risk", "set", "R-0001", "--due", "none"])?;
    assert_eq!(risk(&env.risks()?, "NET-01")?["due_date"], Value::Null);
    Ok(())
}

#[test]
fn accepting_without_a_note_is_refused_and_changes_nothing() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0001", "ENC-01", "no"])?;
    let before = env.risks()?;
    let err = env.fails(
        2,
        &[
            "risk",
            "set",
            "R-0001",
            "--treatment",
            "accept",
            "--accepted-by",
            "Dr. Ruiz",
        ],
    )?;
    assert!(err.contains("note") && err.contains("--note"), "{err}");
    let err = env.fails(2, &["risk", "set", "R-0001", "--treatment", "accept"])?;
    assert!(err.contains("--accepted-by"), "{err}");
    assert_eq!(before, env.risks()?);

    let past = (today() - chrono::Days::new(1)).to_string();
    env.ok(&[
        "risk",
        "set",
        "R-0001",
        "--treatment",
        "accept",
        "--accepted-by",
        "Dr. Ruiz (CMIO)",
        "--note",
        "Isolated VLAN; replacement budgeted",
        "--review",
        &past,
    ])?;
    let risks = env.risks()?;
    let r = risk(&risks, "ENC-01")?;
    assert_eq!(r["accepted_by"], "Dr. Ruiz (CMIO)");
    assert_eq!(r["accepted_on"], today().to_string());
    assert_eq!(r["expired"], true);
    let show = env.ok(&["risk", "show", "R-0001"])?;
    assert!(
        show.contains("EXPIRED") && show.contains("Isolated VLAN"),
        "{show}"
    );
    let list = env.ok(&["risk", "list"])?;
    assert!(
        list.lines().any(|l| l.starts_with("R-0001")
            && l.split_whitespace().last().is_some_and(|f| f.contains('E'))),
        "{list}"
    );
    Ok(())
}

#[test]
fn residual_rating_gives_the_residual_level_and_controls_the_safety_flag() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0001", "NET-01", "no"])?;
    let risks = env.risks()?;
    let r = risk(&risks, "NET-01")?;
    // Patient-safety impact 5 (life-sustaining), open, no residual: uncontrolled.
    assert_eq!(r["impact_patient_safety"], 5);
    assert_eq!(r["uncontrolled_patient_safety"], true);
    env.ok(&[
        "risk",
        "set",
        "R-0001",
        "--residual-likelihood",
        "1",
        "--residual-impact",
        "4",
    ])?;
    let risks = env.risks()?;
    let r = risk(&risks, "NET-01")?;
    // NIST SP 800-30 Rev. 1 Table I-2: L1 × I4 is Low.
    assert_eq!(r["residual_level"], "Low");
    assert_eq!(r["residual_score"], 4);
    assert_eq!(r["uncontrolled_patient_safety"], false);
    env.ok(&["risk", "set", "R-0001", "--residual-likelihood", "4"])?;
    assert_eq!(risk(&env.risks()?, "NET-01")?["residual_level"], "High");
    // Half a residual rating is refused and changes nothing; both clear together.
    let err = env.fails(2, &["risk", "set", "R-0001", "--residual-likelihood", ""])?;
    assert!(err.contains("both"), "{err}");
    assert_eq!(risk(&env.risks()?, "NET-01")?["residual_level"], "High");
    env.ok(&[
        "risk",
        "set",
        "R-0001",
        "--residual-likelihood",
        "",
        "--residual-impact",
        "",
    ])?;
    let risks = env.risks()?;
    let r = risk(&risks, "NET-01")?;
    assert_eq!(r["residual_level"], Value::Null);
    assert_eq!(r["residual_impact"], Value::Null);
    Ok(())
}

#[test]
fn status_counts_equal_the_register() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0001", "ENC-01", "no"])?; // R-0001 High
    env.ok(&["answer", "DEV-0001", "ACC-01", "partial"])?; // R-0002
    env.ok(&[
        "answer",
        "DEV-0002",
        "ENC-01",
        "unknown",
        "--likelihood",
        "5",
        "--impact",
        "5",
    ])?;
    env.ok(&["answer", "SITE", "IR-01", "no"])?; // one site risk, counted once
    env.ok(&["answer", "DEV-0002", "NET-01", "yes"])?;
    env.ok(&["risk", "set", "R-0002", "--status", "closed"])?;
    env.ok(&["risk", "set", "R-0001", "--due", "2001-01-01"])?; // overdue
    env.ok(&[
        "risk",
        "set",
        "R-0003",
        "--treatment",
        "accept",
        "--accepted-by",
        "CMIO",
        "--note",
        "vendor fix due",
        "--review",
        "2001-06-30",
        "--residual-likelihood",
        "2",
        "--residual-impact",
        "5",
    ])?;
    let risks = env.risks()?;
    assert_eq!(risks.len(), 4);
    let status = env.status()?;
    let rs = &status["risks"];
    let open: Vec<&Value> = risks.iter().filter(|r| r["open"] == true).collect();
    let count = |pred: &dyn Fn(&Value) -> bool| risks.iter().filter(|r| pred(r)).count();
    assert_eq!(rs["total"], risks.len());
    assert_eq!(rs["open"], open.len());
    assert_eq!(rs["open"], 3);
    assert_eq!(rs["closed"], count(&|r| r["status"] == "Closed"));
    assert_eq!(rs["overdue"], count(&|r| r["overdue"] == true));
    assert_eq!(rs["overdue"], 1);
    assert_eq!(rs["expired"], count(&|r| r["expired"] == true));
    assert_eq!(rs["expired"], 1);
    assert_eq!(
        rs["uncontrolled_patient_safety"],
        count(&|r| r["uncontrolled_patient_safety"] == true)
    );
    for (i, level) in ["Very High", "High", "Moderate", "Low", "Very Low"]
        .iter()
        .enumerate()
    {
        let inherent = open.iter().filter(|r| r["level"] == *level).count();
        let residual = open
            .iter()
            .filter(|r| r["residual_level"] == *level)
            .count();
        assert_eq!(rs["open_by_level"][i]["level"], *level);
        assert_eq!(rs["open_by_level"][i]["risks"], inherent, "{level}");
        assert_eq!(
            rs["open_by_residual_level"][i]["risks"], residual,
            "{level}"
        );
    }
    assert_eq!(
        rs["open_without_residual"],
        open.iter()
            .filter(|r| r["residual_level"].is_null())
            .count()
    );
    let mut heat = [[0usize; 5]; 5];
    for r in &open {
        let (l, i) = (
            r["likelihood"].as_u64().ok_or("no likelihood")? as usize,
            r["impact"].as_u64().ok_or("no impact")? as usize,
        );
        heat[5 - l][i - 1] += 1;
    }
    assert_eq!(rs["heat_map"], serde_json::to_value(heat)?);
    // Both devices show the site risk and DEV-0002's 5 × 5; DEV-0001's highest is its own.
    let by_device: Vec<u64> = (0..5)
        .map(|i| {
            status["devices_by_highest_risk"][i]["devices"]
                .as_u64()
                .unwrap_or(99)
        })
        .collect();
    assert_eq!(by_device.iter().sum::<u64>(), 2);
    assert_eq!(status["devices_without_open_risk"], 0);
    let text = env.ok(&["status"])?;
    assert!(
        text.contains("Open risks: 3")
            && text.contains("closed 1")
            && text.contains("overdue 1")
            && text.contains("expired acceptances 1"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    Ok(())
}

#[test]
fn a_closed_risk_leaves_the_open_counts_and_the_devices_highest_risk() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0001", "NET-01", "no"])?;
    let device = |env: &Env| -> Result<Value, Box<dyn std::error::Error>> {
        Ok(serde_json::from_str(
            &env.ok(&["device", "show", "DEV-0001", "--json"])?,
        )?)
    };
    assert_eq!(device(&env)?["highest_risk_level"], "High");
    assert_eq!(env.status()?["risks"]["open_by_level"][1]["risks"], 1);
    env.ok(&["risk", "set", "R-0001", "--status", "Closed"])?;
    assert_eq!(device(&env)?["highest_risk_level"], Value::Null);
    let status = env.status()?;
    assert_eq!(status["risks"]["open"], 0);
    assert_eq!(status["risks"]["closed"], 1);
    assert_eq!(status["risks"]["open_by_level"][1]["risks"], 0);
    assert_eq!(status["devices_without_open_risk"], 2);
    assert!(
        env.ok(&["risk", "list", "--open"])?
            .contains("no risk matches")
    );
    assert!(env.ok(&["risk", "list"])?.contains("Closed"));
    Ok(())
}

#[test]
fn filters_pick_by_device_level_and_status() -> TestResult {
    let env = two_devices()?;
    env.ok(&[
        "device",
        "edit",
        "DEV-0001",
        "--manufacturer",
        "B. Braun",
        "--model",
        "Space",
    ])?;
    env.ok(&[
        "device",
        "edit",
        "DEV-0002",
        "--manufacturer",
        "B. Braun",
        "--model",
        "Space",
    ])?;
    env.ok(&["answer", "MODEL:B. Braun/Space", "INV-03", "no"])?;
    env.ok(&["answer", "DEV-0002", "ENC-01", "partial"])?;
    let ids = |args: &[&str]| -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let mut all = vec!["risk", "list", "--json"];
        all.extend_from_slice(args);
        let v: Value = serde_json::from_str(&env.ok(&all)?)?;
        Ok(v.as_array()
            .ok_or("not an array")?
            .iter()
            .map(|r| r["control_id"].as_str().unwrap_or("?").to_string())
            .collect())
    };
    // The model risk is one risk, shown on both devices.
    assert_eq!(ids(&[])?, ["INV-03", "ENC-01"]);
    assert_eq!(ids(&["--device", "DEV-0001"])?, ["INV-03"]);
    assert_eq!(ids(&["--device", "DEV-0002"])?, ["INV-03", "ENC-01"]);
    assert_eq!(ids(&["--level", "high"])?, ["INV-03"]);
    assert_eq!(ids(&["--level", "L"])?, ["ENC-01"]);
    let risks = env.risks()?;
    let model = risk(&risks, "INV-03")?;
    assert_eq!(model["target"], "MODEL:B. Braun/Space");
    assert_eq!(
        model["devices"],
        serde_json::json!(["DEV-0001", "DEV-0002"])
    );
    // A unit's model risk is reached through the unit too.
    let show = env.ok(&["risk", "show", "DEV-0001", "INV-03"])?;
    assert!(show.contains("DEV-0001 Pump; DEV-0002 Monitor"), "{show}");
    assert_eq!(
        show,
        env.ok(&["risk", "show", "model:b. braun/space", "INV-03"])?
    );
    env.ok(&["risk", "set", "DEV-0002", "INV-03", "--status", "closed"])?;
    assert_eq!(ids(&["--open"])?, ["ENC-01"]);
    env.fails(2, &["risk", "list", "--level", "severe"])?;
    env.fails(2, &["risk", "list", "--device", "DEV-0099"])?;
    Ok(())
}

#[test]
fn bad_ids_and_values_are_named_and_change_nothing() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0001", "ENC-01", "no"])?;
    let before = env.risks()?;
    for (args, says) in [
        (vec!["risk", "show", "R-0099"], "no risk R-0099"),
        (vec!["risk", "show", "banana"], "not a Risk ID"),
        (
            vec!["risk", "show", "DEV-0001", "ENC-99"],
            "no such control",
        ),
        (vec!["risk", "show", "DEV-0001", "ENC-02"], "not a risk"),
        (vec!["risk", "set", "R-0001", "--status", "done"], "Closed"),
        (
            vec!["risk", "set", "R-0001", "--treatment", "ignore"],
            "Transfer",
        ),
        (
            vec!["risk", "set", "R-0001", "--residual-impact", "6"],
            "1 to 5",
        ),
        (vec!["risk", "set", "R-0001", "--due", "soon"], "soon"),
        (
            vec!["risk", "set", "R-0001", "--review", "31/02/2026"],
            "--review",
        ),
        (
            vec!["risk", "set", "R-0001", "--accepted-on", "1800-01-01"],
            "1900",
        ),
        (vec!["risk", "set", "R-0001"], "nothing to change"),
        (
            vec!["risk", "set", "R-0099", "--owner", "x"],
            "no risk R-0099",
        ),
        (vec!["risk", "grid", "--set", "6,1=High"], "1-5"),
        (
            vec!["risk", "grid", "--set", "5,1=Severe"],
            "VH, H, M, L, VL",
        ),
    ] {
        let err = env.fails(2, &args)?;
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(before, env.risks()?);
    assert!(env.ok(&["risk", "grid"])?.contains("NIST SP 800-30 Rev. 1"));

    // A risk whose answer is no longer a finding cannot be shown or set.
    env.ok(&["answer", "DEV-0001", "ENC-01", "yes"])?;
    let err = env.fails(2, &["risk", "show", "R-0001"])?;
    assert!(
        err.contains("no longer a risk") && err.contains("DEV-0001 ENC-01"),
        "{err}"
    );
    let err = env.fails(2, &["risk", "set", "R-0001", "--owner", "x"])?;
    assert!(err.contains("no longer a risk"), "{err}");
    // The same answer becoming a finding again brings back the same Risk ID.
    env.ok(&["answer", "DEV-0001", "ENC-01", "no"])?;
    env.ok(&["risk", "show", "R-0001"])?;
    Ok(())
}

#[test]
fn typed_text_is_shown_escaped() -> TestResult {
    let env = Env::new()?;
    env.ok(&["device", "add", "--name", "Pump"])?;
    env.ok(&[
        "answer",
        "DEV-0001",
        "ENC-01",
        "no",
        "--note",
        "see\u{2067}ticket\u{2069} 42",
    ])?;
    let out = env.ok(&[
        "risk",
        "set",
        "R-0001",
        "--owner",
        "J\u{1b}[2J Smith\u{202e}",
        "--actions",
        "line one\u{1b}]0;title\u{7}\nline\u{202d} two",
    ])?;
    let show = env.ok(&["risk", "show", "R-0001"])?;
    let list = env.ok(&["risk", "list"])?;
    for text in [&out, &show, &list] {
        assert!(
            !text.contains([
                '\u{1b}', '\u{7}', '\u{202e}', '\u{202d}', '\u{2067}', '\u{2069}'
            ]),
            "raw control or bidi character in {text:?}"
        );
    }
    assert!(
        show.contains("\\u{202e}") && show.contains("\\u{2067}"),
        "{show}"
    );
    Ok(())
}

#[test]
fn the_level_grid_is_shown_edited_and_reset() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0002", "ENC-01", "no"])?; // 3 × 3: Moderate in NIST
    let grid = env.ok(&["risk", "grid"])?;
    assert!(
        grid.contains("NIST SP 800-30 Rev. 1, Appendix I, Table I-2"),
        "{grid}"
    );
    let row3 = grid
        .lines()
        .find(|l| l.starts_with("3 Moderate"))
        .ok_or("no likelihood 3 row")?;
    assert_eq!(
        row3.split_whitespace().collect::<Vec<_>>(),
        [
            "3", "Moderate", "Very", "Low", "Low", "Moderate", "Moderate", "High"
        ]
    );
    let out = env.ok(&["risk", "grid", "--set", "3,3=high"])?;
    assert!(
        out.contains("edited: 1 of 25") && out.contains("High*"),
        "{out}"
    );
    assert!(out.contains("saved; 1 finding changed level"), "{out}");
    let risks = env.risks()?;
    let r = risk(&risks, "ENC-01")?;
    assert_eq!(r["level"], "High");
    assert_eq!(
        day(&r["due_date"])?,
        day(&r["identified_on"])? + chrono::Days::new(30)
    );
    env.ok(&["risk", "grid", "--reset"])?;
    assert_eq!(risk(&env.risks()?, "ENC-01")?["level"], "Moderate");
    assert!(
        env.ok(&["risk", "grid", "--reset"])?
            .contains("nothing changed")
    );
    Ok(())
}

#[test]
fn answers_take_impacts_per_dimension() -> TestResult {
    let env = two_devices()?;
    let out = env.ok(&[
        "answer",
        "DEV-0002",
        "ENC-01",
        "no",
        "--impact-safety",
        "2",
        "--impact-phi",
        "5",
    ])?;
    assert!(
        out.contains("impact 5 [patient safety 2, PHI / data 5]"),
        "{out}"
    );
    let risks = env.risks()?;
    let r = risk(&risks, "ENC-01")?;
    assert_eq!(
        [
            &r["impact_patient_safety"],
            &r["impact_phi"],
            &r["impact_operations"]
        ],
        [&Value::from(2), &Value::from(5), &Value::Null]
    );
    assert_eq!(
        (r["impact"].clone(), r["impact_default"].clone()),
        (5.into(), false.into())
    );
    // Any --impact-* flag replaces all three.
    env.ok(&[
        "answer",
        "DEV-0002",
        "ENC-01",
        "no",
        "--impact-operations",
        "3",
    ])?;
    let risks = env.risks()?;
    let r = risk(&risks, "ENC-01")?;
    assert_eq!(
        [
            &r["impact_patient_safety"],
            &r["impact_phi"],
            &r["impact_operations"]
        ],
        [&Value::Null, &Value::Null, &Value::from(3)]
    );
    assert_eq!(r["impact"], 3);
    let show = env.ok(&["risk", "show", "R-0001"])?;
    assert!(show.contains("clinical operations 3 Moderate\n"), "{show}");
    // One number clears them.
    env.ok(&["answer", "DEV-0002", "ENC-01", "no", "--impact", "4"])?;
    let risks = env.risks()?;
    let r = risk(&risks, "ENC-01")?;
    assert!(r["impact_operations"].is_null() && r["impact"] == 4);
    let err = env.fails(
        2,
        &[
            "answer",
            "DEV-0002",
            "ENC-01",
            "no",
            "--impact",
            "4",
            "--impact-phi",
            "2",
        ],
    )?;
    assert!(err.contains("--impact"), "{err}");
    env.fails(
        2,
        &["answer", "DEV-0002", "ENC-01", "no", "--impact-safety", "6"],
    )?;
    Ok(())
}

#[test]
fn risk_help_has_examples() -> TestResult {
    let env = Env::new()?;
    for sub in ["list", "show", "set", "grid"] {
        let out = env.ok(&["risk", sub, "--help"])?;
        assert!(out.contains("Example"), "risk {sub} --help: {out}");
    }
    Ok(())
}

#[test]
fn demo_creates_a_new_workbook_with_devices_and_open_risks() -> TestResult {
    let env = Env::new()?;
    let dir = env.dir.path();
    let demo = dir.join("medsec-demo.medsec");
    // Without --no-open and without a terminal, nothing is created.
    let out = env.cmd().current_dir(dir).arg("demo").output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)?.contains("--no-open"));
    assert!(!demo.exists());
    let out = env
        .cmd()
        .current_dir(dir)
        .args(["demo", "--no-open", "--answered", "1.5"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(!demo.exists());

    let out = env
        .cmd()
        .current_dir(dir)
        .args(["demo", "--no-open"])
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("medsec-demo.medsec") && stdout.contains("24 devices"),
        "{stdout}"
    );
    assert!(demo.exists());
    let demo_env = |args: &[&str]| -> Result<Value, Box<dyn std::error::Error>> {
        let out = env.cmd().arg("-w").arg(&demo).args(args).output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    let status = demo_env(&["status", "--json"])?;
    assert_eq!(status["devices"], 24);
    let open = status["risks"]["open"].as_u64().ok_or("no open count")?;
    assert!(open > 0, "{status}");
    let risks = demo_env(&["risk", "list", "--json", "--open"])?;
    assert_eq!(risks.as_array().map(Vec::len), Some(open as usize));
    // The summary line's open count is the register's.
    assert!(stdout.contains(&format!("({open} open)")), "{stdout}");

    // status equals the exported Summary sheet (its cached formula results).
    let xlsx = dir.join("demo.xlsx");
    let out = env
        .cmd()
        .arg("-w")
        .arg(&demo)
        .args(["export", "xlsx"])
        .arg(&xlsx)
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use calamine::{Reader, open_workbook_auto};
    let mut book = open_workbook_auto(&xlsx)?;
    let summary = book.worksheet_range("Summary")?;
    let rows: Vec<Vec<String>> = summary
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let cell = |label: &str, col: usize| -> Result<u64, Box<dyn std::error::Error>> {
        let row = rows
            .iter()
            .find(|r| {
                r.first()
                    .is_some_and(|c| c == label || c.starts_with(&format!("{label} (")))
            })
            .ok_or_else(|| format!("no {label:?} row on Summary"))?;
        Ok(row.get(col).ok_or("short row")?.parse::<f64>()? as u64)
    };
    let rs = &status["risks"];
    let start = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == "Open risks by level"))
        .ok_or("no level block on Summary")?;
    for i in 0..5 {
        let row = &rows[start + 1 + i];
        assert_eq!(
            row[0],
            rs["open_by_level"][i]["level"].as_str().unwrap_or("?")
        );
        assert_eq!(
            row[1].parse::<f64>()? as u64,
            rs["open_by_level"][i]["risks"]
        );
        assert_eq!(
            row[2].parse::<f64>()? as u64,
            rs["open_by_residual_level"][i]["risks"]
        );
    }
    assert_eq!(cell("Open risks", 1)?, open);
    assert_eq!(cell("Overdue", 1)?, rs["overdue"]);
    assert_eq!(cell("Expired acceptances", 1)?, rs["expired"]);
    assert_eq!(
        cell("Uncontrolled patient-safety risks", 1)?,
        rs["uncontrolled_patient_safety"]
    );
    assert_eq!(cell("Closed risks", 1)?, rs["closed"]);

    // Never over an existing file: the workbook is left as it was.
    let before = std::fs::read(&demo)?;
    let out = env
        .cmd()
        .current_dir(dir)
        .args(["demo", "--no-open"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)?.contains("already exists"));
    assert_eq!(before, std::fs::read(&demo)?);
    Ok(())
}

#[test]
fn as_of_moves_what_is_overdue_in_status_list_and_show() -> TestResult {
    let env = two_devices()?;
    env.ok(&["answer", "DEV-0002", "ENC-01", "no"])?;
    // Moderate: due 90 days after today; 100 days on, it is overdue.
    let later = (today() + chrono::Days::new(100)).to_string();
    let now: Value = serde_json::from_str(&env.ok(&["status", "--json"])?)?;
    let then: Value = serde_json::from_str(&env.ok(&["status", "--json", "--as-of", &later])?)?;
    assert_eq!(then["as_of"], later.as_str());
    let overdue = |v: &Value| v["risks"]["overdue"].as_u64();
    assert_eq!(
        (overdue(&now), overdue(&then)),
        (Some(0), Some(1)),
        "{then}"
    );
    let list = env.ok(&["risk", "list", "--as-of", &later])?;
    let row = list
        .lines()
        .find(|l| l.starts_with("R-0001"))
        .ok_or("row")?;
    assert!(row.trim_end().ends_with('O'), "{row}");
    assert!(
        env.ok(&["risk", "show", "R-0001", "--as-of", &later])?
            .contains("OVERDUE")
    );
    let err = env.fails(2, &["status", "--as-of", "soon"])?;
    assert!(err.contains("--as-of") && err.contains("soon"), "{err}");
    Ok(())
}
