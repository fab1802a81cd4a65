//! The audit trail from the command line (`medsec log`), run as a user would: who (the
//! workbook's assessor, `MEDSEC_ASSESSOR`, or `config.toml`), what and when, filters, JSON and
//! what reaches the terminal.

use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::Env;

fn run(
    env: &Env,
    args: &[&str],
    vars: &[(&str, &str)],
) -> Result<(i32, String, String), Box<dyn std::error::Error>> {
    let mut c = env.wb();
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.args(args).output()?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

fn ok(
    env: &Env,
    args: &[&str],
    vars: &[(&str, &str)],
) -> Result<String, Box<dyn std::error::Error>> {
    let (code, out, err) = run(env, args, vars)?;
    assert_eq!(code, 0, "medsec {args:?}: {out}{err}");
    Ok(out)
}

#[test]
fn log_says_who_changed_what_and_when() -> TestResult {
    let env = Env::new()?;
    ok(
        &env,
        &[
            "device",
            "add",
            "--name",
            "Infusion pump",
            "--serial-number",
            "SN-1",
        ],
        &[],
    )?;
    ok(&env, &["device", "add", "--name", "Monitor"], &[])?;
    ok(
        &env,
        &[
            "answer",
            "DEV-0001",
            "ENC-01",
            "no",
            "--note",
            "no disk encryption",
        ],
        &[],
    )?;
    ok(
        &env,
        &["answer", "DEV-0001", "ENC-01", "yes"],
        &[("MEDSEC_ASSESSOR", "Dana Ruiz")],
    )?;
    // The config file names the assessor when the variable does not.
    let config = env.dir.path().join(".config/medsec");
    std::fs::create_dir_all(&config)?;
    std::fs::write(config.join("config.toml"), "assessor = \"Sam Lee\"\n")?;
    ok(
        &env,
        &["device", "edit", "DEV-0002", "--room", "ICU 4"],
        &[],
    )?;

    let text = ok(&env, &["log"], &[])?;
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(
        lines[0].contains("A. Assessor") && lines[0].contains("workbook created"),
        "{text}"
    );
    assert!(lines[4].contains("Dana Ruiz") && lines[4].contains("answer DEV-0001 ENC-01 Yes"));
    assert!(
        lines[5].contains("Sam Lee") && lines[5].contains("edit DEV-0002"),
        "{text}"
    );
    assert!(
        text.contains("DEV-0001 ENC-01 response: \"No\" → \"Yes\""),
        "{text}"
    );
    assert!(
        text.contains("DEV-0002 room: (empty) → \"ICU 4\""),
        "{text}"
    );
    assert!(text.contains("audit trail: 6 entries; head "), "{text}");

    // Filters: one device, one control, both.
    let dev = ok(&env, &["log", "--device", "DEV-0002"], &[])?;
    assert_eq!(
        dev.lines().filter(|l| l.starts_with('#')).count(),
        2,
        "{dev}"
    );
    assert!(!dev.contains("ENC-01"), "{dev}");
    let ctl = ok(
        &env,
        &["log", "--device", "DEV-0001", "--control", "enc-01"],
        &[],
    )?;
    assert_eq!(
        ctl.lines().filter(|l| l.starts_with('#')).count(),
        2,
        "{ctl}"
    );
    assert!(ctl.contains("6 entries, 2 shown"), "{ctl}");
    let none = ok(&env, &["log", "--control", "ENC-02"], &[])?;
    assert!(none.starts_with("no audit entries for ENC-02"), "{none}");

    // JSON: the schema, the chain, the head.
    let v: Value = serde_json::from_str(&ok(&env, &["log", "--json"], &[])?)?;
    common::validate_schema(&v, "log.v1.json")?;
    let entries = v["entries"].as_array().ok_or("entries")?;
    assert_eq!(entries.len(), 6);
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    assert_eq!(v["head"]["hash"], entries[5]["hash"]);
    assert_eq!(v["head"]["length"], 6);
    assert_eq!(entries[4]["actor"], "Dana Ruiz");
    let filtered: Value =
        serde_json::from_str(&ok(&env, &["log", "--json", "--device", "DEV-0002"], &[])?)?;
    common::validate_schema(&filtered, "log.v1.json")?;
    assert_eq!(filtered["filter"]["device"], "DEV-0002");
    assert_eq!(filtered["entries"].as_array().map(Vec::len), Some(2));
    Ok(())
}

#[test]
fn a_deleted_devices_history_stays_readable_and_bad_filters_are_clear() -> TestResult {
    let env = Env::new()?;
    ok(&env, &["device", "add", "--name", "Old pump"], &[])?;
    ok(&env, &["device", "delete", "DEV-0001"], &[])?;
    let text = ok(&env, &["log", "--device", "DEV-0001"], &[])?;
    assert!(text.contains("deleted_at: (empty) → \""), "{text}");
    let (code, _, err) = run(&env, &["log", "--control", "XYZ-99"], &[])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no control XYZ-99"), "{err}");
    let (code, _, err) = run(&env, &["log", "--device", "DEV-0042"], &[])?;
    assert_ne!(code, 0);
    assert!(err.contains("no device DEV-0042"), "{err}");
    Ok(())
}

#[test]
fn imported_control_characters_never_reach_the_terminal() -> TestResult {
    let env = Env::new()?;
    // An inventory whose device name carries an OSC 52 clipboard write, BEL and a C1 CSI.
    let inventory = env.path("inventory.csv");
    std::fs::write(
        &inventory,
        "Device Name,Asset Tag\npump\u{1b}]52;c;aGk=\u{7}\u{9b}31m,AT-1\n",
    )?;
    let (code, out, err) = run(
        &env,
        &["import", "inventory", &inventory.to_string_lossy()],
        &[],
    )?;
    assert_eq!(code, 0, "{out}{err}");
    let text = ok(&env, &["log"], &[])?;
    let json = ok(&env, &["log", "--json"], &[])?;
    for shown in [&text, &out, &err] {
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}') && !shown.contains('\u{9b}'),
            "{shown:?}"
        );
    }
    // JSON escapes them rather than dropping them silently.
    assert!(!json.contains('\u{1b}'));
    Ok(())
}
