//! Feeds and SBOMs from the command line (`medsec import feed`, `medsec import sbom`,
//! `medsec feed list`, `medsec device show`), run as a user would: the real binary through
//! assert_cmd, with the real files of `../shared/corpus/`.

use std::path::{Path, PathBuf};

use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::Env;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name)
}

const OLD_KEV: &str = "kev/known_exploited_vulnerabilities-2025.01.24-redacted.json";
const NEW_KEV: &str = "kev/known_exploited_vulnerabilities-redacted.json";
const EXTENDED: &str = "sbom/sbom-completeness-case-study-extended.cdx14.json";
const NARROW: &str = "sbom/sbom-completeness-case-study-narrow.cdx14.json";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Env {
    fn run(&self, args: &[&str]) -> Result<Run, Box<dyn std::error::Error>> {
        let out = self.wb().args(args).output()?;
        Ok(Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout)?,
            stderr: String::from_utf8(out.stderr)?,
        })
    }

    fn ok(&self, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let r = self.run(args)?;
        assert_eq!(r.code, 0, "medsec {args:?}: {}{}", r.stdout, r.stderr);
        Ok(r.stdout)
    }

    fn feeds_json(&self) -> Result<Value, Box<dyn std::error::Error>> {
        let v: Value = serde_json::from_str(&self.ok(&["feed", "list", "--json"])?)?;
        validate(&v, "feed-list.v1.json")?;
        Ok(v)
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A JSON value checked against its schema in `assets/schema`.
fn validate(value: &Value, schema: &str) -> TestResult {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/schema")
            .join(schema),
    )?;
    let validator = jsonschema::validator_for(&serde_json::from_str(&text)?)?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema}: {errors:?}");
    Ok(())
}

fn feed_count(env: &Env) -> Result<usize, Box<dyn std::error::Error>> {
    Ok(env.feeds_json()?["feeds"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0))
}

#[test]
fn kev_older_then_newer_reports_changes_and_never_downgrades() -> TestResult {
    let env = Env::new()?;
    let out = env.ok(&["import", "feed", &s(&corpus(OLD_KEV))])?;
    assert!(out.contains("KEV of 2025-01-24"), "{out}");
    assert!(out.contains("warning: KEV of 2025-01-24 is "), "{out}");
    assert!(out.contains("days old; matches may be missing"), "{out}");
    assert!(out.contains("findings refreshed"), "{out}");

    let dry = env.ok(&["import", "feed", &s(&corpus(NEW_KEV)), "--dry-run"])?;
    assert!(
        dry.contains("would replace the one of 2025-01-24 — 152 added, 49 changed, 0 removed"),
        "{dry}"
    );
    assert!(dry.contains("nothing was changed"), "{dry}");
    let listed = env.feeds_json()?;
    assert_eq!(listed["feeds"][0]["feed_date"], "2025-01-24");

    let out = env.ok(&["import", "feed", &s(&corpus(NEW_KEV))])?;
    assert!(
        out.contains("KEV of 2025-08-25 (KEV 1404 entries, known_exploited_vulnerabilities-redacted.json): replaced the one of 2025-01-24 — 152 added, 49 changed, 0 removed"),
        "{out}"
    );
    let out = env.ok(&["import", "feed", &s(&corpus(OLD_KEV))])?;
    assert!(
        out.contains("kept out, older than the stored one of 2025-08-25"),
        "{out}"
    );

    let listed = env.feeds_json()?;
    let kev = &listed["feeds"][0];
    assert_eq!(kev["kind"], "KEV");
    assert_eq!(kev["feed_date"], "2025-08-25");
    assert_eq!(kev["version"], "2025.08.25");
    assert_eq!(kev["items"], 1404);
    assert_eq!(kev["stale"], true);
    assert!(kev["age_days"].as_i64().unwrap_or(0) > 30);
    let text = env.ok(&["feed", "list"])?;
    assert!(text.contains("KEV   KEV"), "{text}");
    assert!(text.contains("stale"), "{text}");
    Ok(())
}

#[test]
fn csaf_folder_nvd_records_vex_and_the_kev_csv_import() -> TestResult {
    let env = Env::new()?;
    let out = env.ok(&["import", "feed", &s(&corpus("csaf"))])?;
    assert!(out.contains("15 new, 0 replaced"), "{out}");
    assert!(out.contains("ICSMA-20-343-01 of 2020-12-08"), "{out}");
    assert!(
        out.contains("repaired double-encoded UTF-8") && out.contains("Innokas Yhtymä Oy"),
        "{out}"
    );
    // The folder again: nothing changes.
    let again = env.ok(&["import", "feed", &s(&corpus("csaf"))])?;
    assert!(again.contains("0 new, 0 replaced, 15 unchanged"), "{again}");

    let out = env.ok(&["import", "feed", &s(&corpus("nvd"))])?;
    assert!(out.contains("4 new"), "{out}");
    assert!(out.contains("no CPE configurations"), "{out}");
    for state in ["affected", "fixed", "not_affected", "under_investigation"] {
        let f = corpus(&format!("sbom/cyclonedx-vex-cisa-case1-{state}.json"));
        env.ok(&["import", "feed", &s(&f)])?;
    }
    let out = env.ok(&[
        "import",
        "feed",
        &s(&corpus("kev/known_exploited_vulnerabilities-redacted.csv")),
    ])?;
    assert!(out.contains("KEV 1404 entries"), "{out}");
    assert!(out.contains("newest dateAdded (2025-08-25)"), "{out}");

    let listed = env.feeds_json()?;
    let feeds = listed["feeds"].as_array().cloned().unwrap_or_default();
    let count = |kind: &str| feeds.iter().filter(|f| f["kind"] == kind).count();
    assert_eq!(
        (
            count("KEV"),
            count("CSAF"),
            count("NVD"),
            count("CVE"),
            count("VEX")
        ),
        (1, 15, 3, 1, 4)
    );
    Ok(())
}

#[test]
fn a_folder_with_one_bad_file_stores_nothing_unless_skip_invalid() -> TestResult {
    let env = Env::new()?;
    let folder = env.path("feeds");
    std::fs::create_dir(&folder)?;
    for name in ["icsma-18-058-02.json", "icsma-22-174-01-redacted.json"] {
        std::fs::copy(corpus(&format!("csaf/{name}")), folder.join(name))?;
    }
    let whole = std::fs::read(corpus("csaf/icsma-21-007-01-redacted.json"))?;
    std::fs::write(folder.join("cut.json"), &whole[..whole.len() / 2])?;
    std::fs::write(folder.join("readme.txt"), "not read")?;
    std::fs::create_dir(folder.join("sub"))?;
    std::fs::write(folder.join("sub/bad.json"), "{")?;

    let r = env.run(&["import", "feed", &s(&folder)])?;
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("cut.json: is truncated"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("1 of 3 files cannot be read, nothing was imported")
    );
    assert_eq!(feed_count(&env)?, 0);

    let r = env.run(&["import", "feed", &s(&folder), "--dry-run"])?;
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("would be stored"), "{}", r.stdout);
    assert_eq!(feed_count(&env)?, 0);

    let out = env.ok(&["import", "feed", &s(&folder), "--skip-invalid"])?;
    assert!(
        out.contains("skipped:") && out.contains("cut.json"),
        "{out}"
    );
    assert!(out.contains("2 new"), "{out}");
    assert_eq!(feed_count(&env)?, 2);
    Ok(())
}

#[test]
fn broken_single_files_are_refused_with_exit_4() -> TestResult {
    let env = Env::new()?;
    let mut bomb = "[".repeat(200);
    bomb.push_str(&"]".repeat(200));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.json", Vec::new(), "is empty"),
        (
            "latin1.json",
            b"{\"vendor\":\"Dr\xe4ger\"}".to_vec(),
            "is not UTF-8",
        ),
        ("bomb.json", bomb.into_bytes(), "more than 100 levels"),
        (
            "shape.json",
            br#"{"name":"x","items":[]}"#.to_vec(),
            "unknown shape",
        ),
        (
            "sbom.json",
            std::fs::read(corpus(EXTENDED))?,
            "medsec import sbom FILE --device ID",
        ),
    ];
    for (name, bytes, want) in cases {
        let path = env.path(name);
        std::fs::write(&path, bytes)?;
        let r = env.run(&["import", "feed", &s(&path)])?;
        assert_eq!(r.code, 4, "{name}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(want), "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains("nothing was imported"),
            "{name}: {}",
            r.stderr
        );
    }
    let r = env.run(&["import", "feed", &s(&env.path("missing.json"))])?;
    assert_eq!(r.code, 4);
    assert_eq!(feed_count(&env)?, 0);
    Ok(())
}

#[test]
fn sbom_import_replace_dry_run_and_device_show() -> TestResult {
    let env = Env::new()?;
    env.ok(&["device", "add", "--name", "Monitor"])?;
    let out = env.ok(&[
        "import",
        "sbom",
        &s(&corpus(EXTENDED)),
        "--device",
        "DEV-0001",
        "--dry-run",
    ])?;
    assert!(
        out.contains("CycloneDX 1.4 SBOM of REDACTED for DEV-0001: 65 components"),
        "{out}"
    );
    assert!(out.contains("9 firmware"), "{out}");
    assert!(out.contains("have no version"), "{out}");
    assert!(
        !env.ok(&["device", "show", "DEV-0001"])?
            .contains("components")
    );

    env.ok(&[
        "import",
        "sbom",
        &s(&corpus(EXTENDED)),
        "--device",
        "DEV-0001",
    ])?;
    let show = env.ok(&["device", "show", "DEV-0001"])?;
    assert!(
        show.contains("CycloneDX 1.4 of REDACTED: 65 components"),
        "{show}"
    );
    // Every component is listed: name, version (or that it has none), supplier, purl.
    let wolfssl = show
        .lines()
        .find(|l| l.trim_start().starts_with("WolfSSL"))
        .ok_or("no WolfSSL line")?;
    assert!(
        wolfssl.contains("4.8.1") && wolfssl.contains("pkg:github/wolfssl/wolfssl"),
        "{wolfssl}"
    );
    assert!(show.contains("(no version)"), "{show}");
    assert_eq!(
        show.lines().filter(|l| l.starts_with("  ")).count(),
        65,
        "{show}"
    );
    let out = env.ok(&[
        "import",
        "sbom",
        &s(&corpus(NARROW)),
        "--device",
        "DEV-0001",
    ])?;
    assert!(out.contains("replaced the SBOM imported"), "{out}");
    assert!(out.contains("(65 components)"), "{out}");
    // There is no `medsec undo`: undo is Ctrl-z in the TUI.
    assert!(
        out.contains("Ctrl-z in the TUI (`medsec open`) brings it back"),
        "{out}"
    );
    assert!(!out.contains("medsec undo"), "{out}");
    let show = env.ok(&["device", "show", "DEV-0001"])?;
    assert!(show.contains("55 components"), "{show}");

    let xml = env.path("bom.xml");
    std::fs::write(
        &xml,
        r#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>"#,
    )?;
    let r = env.run(&["import", "sbom", &s(&xml), "--device", "DEV-0001"])?;
    assert_eq!(r.code, 4);
    assert!(
        r.stderr.contains("export it as CycloneDX JSON"),
        "{}",
        r.stderr
    );
    let r = env.run(&[
        "import",
        "sbom",
        &s(&corpus(EXTENDED)),
        "--device",
        "DEV-0042",
    ])?;
    assert_eq!(r.code, 2, "{}", r.stderr);
    Ok(())
}

/// The corpus KEV CSV's header and first 499 rows (one row a line), as lines.
fn kev_csv_lines() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(corpus("kev/known_exploited_vulnerabilities-redacted.csv"))?;
    Ok(text.lines().take(500).map(str::to_string).collect())
}

#[test]
fn damaged_kev_csv_is_refused_and_the_stored_catalog_kept() -> TestResult {
    let env = Env::new()?;
    env.ok(&["import", "feed", &s(&corpus(NEW_KEV))])?;
    let lines = kev_csv_lines()?;
    let write = |name: &str, mut l: Vec<String>, at: usize, line: String| {
        l[at] = line;
        let path = env.path(name);
        std::fs::write(&path, l.join("\n") + "\n").map(|()| path)
    };
    let cut = lines[499].chars().take(30).collect::<String>();
    let cases = [
        (
            write("kev-trunc.csv", lines.clone(), 499, cut)?,
            "line 500 has 3 fields, the header 11",
        ),
        (
            write(
                "kev-quote.csv",
                lines.clone(),
                10,
                r#"CVE-2013-3893,Microsoft,"Internet Explor"#.to_string(),
            )?,
            "quoted field on line 11 is not closed",
        ),
        (
            write(
                "kev-short.csv",
                lines.clone(),
                20,
                "CVE-2013-3893,Microsoft,IE".to_string(),
            )?,
            "line 21 has 3 fields",
        ),
    ];
    for (path, want) in &cases {
        for dry in [true, false] {
            let mut args = vec!["import", "feed"];
            if dry {
                args.push("--dry-run");
            }
            let p = s(path);
            args.push(&p);
            let r = env.run(&args)?;
            assert_eq!(r.code, 4, "{p}: {}{}", r.stdout, r.stderr);
            assert!(r.stderr.contains(want), "{p}: {}", r.stderr);
            assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
        }
    }
    let feeds = env.feeds_json()?;
    assert_eq!(feeds["feeds"][0]["items"], 1404);
    assert_eq!(
        feeds["feeds"][0]["file_name"],
        "known_exploited_vulnerabilities-redacted.json"
    );
    Ok(())
}

#[test]
fn same_date_kev_that_lacks_entries_is_kept_out() -> TestResult {
    let env = Env::new()?;
    env.ok(&["import", "feed", &s(&corpus(NEW_KEV))])?;
    let cut = env.path("kev-cut.csv");
    std::fs::write(&cut, kev_csv_lines()?.join("\n") + "\n")?;
    let want = "KEV of 2025-08-25 from kev-cut.csv has the stored catalog's date but lacks 905 of its entries";
    let out = env.ok(&["import", "feed", "--dry-run", &s(&cut)])?;
    assert!(
        out.contains(&format!("{want}; would keep the stored one")),
        "{out}"
    );
    let out = env.ok(&["import", "feed", &s(&cut)])?;
    assert!(
        out.contains(&format!("{want}; kept the stored one")),
        "{out}"
    );
    assert!(
        out.contains("1 kept out (same date, entries missing)"),
        "{out}"
    );
    assert_eq!(env.feeds_json()?["feeds"][0]["items"], 1404);
    // The full CSV of the same date lacks nothing and holds the same entries: unchanged.
    let out = env.ok(&[
        "import",
        "feed",
        &s(&corpus("kev/known_exploited_vulnerabilities-redacted.csv")),
    ])?;
    assert!(out.contains("already stored, unchanged"), "{out}");
    Ok(())
}

#[test]
fn the_kev_folder_with_its_json_schema_imports() -> TestResult {
    let env = Env::new()?;
    let out = env.ok(&["import", "feed", &s(&corpus("kev"))])?;
    assert!(
        out.contains(
            "note: known_exploited_vulnerabilities_schema.json: a JSON Schema, not a feed: skipped"
        ),
        "{out}"
    );
    assert!(out.contains("0 unreadable"), "{out}");
    assert_eq!(env.feeds_json()?["feeds"][0]["items"], 1404);
    // The same folder again changes nothing: the CSV and the JSON are one catalog.
    let again = env.ok(&["import", "feed", &s(&corpus("kev"))])?;
    assert!(
        again.contains("0 new, 0 replaced, 2 unchanged, 1 kept out (older)"),
        "{again}"
    );
    // Given alone, the schema is refused with that reason.
    let r = env.run(&[
        "import",
        "feed",
        &s(&corpus("kev/known_exploited_vulnerabilities_schema.json")),
    ])?;
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("is a JSON Schema, not a feed; nothing was imported"),
        "{}",
        r.stderr
    );
    Ok(())
}

#[test]
fn duplicate_kev_entries_are_merged_with_a_note() -> TestResult {
    let env = Env::new()?;
    let mut lines = kev_csv_lines()?;
    lines.push(lines[3].clone());
    lines.push(lines[4].clone());
    let path = env.path("dup.csv");
    std::fs::write(&path, lines.join("\n") + "\n")?;
    let out = env.ok(&["import", "feed", &s(&path)])?;
    assert!(out.contains("(KEV 499 entries, dup.csv): stored"), "{out}");
    assert!(
        out.contains("note: dup.csv: 2 duplicate KEV entries (a cveID listed again) merged"),
        "{out}"
    );
    Ok(())
}

#[test]
fn a_vex_an_empty_bom_or_a_non_utf8_file_is_not_an_sbom() -> TestResult {
    let env = Env::new()?;
    env.ok(&["device", "add", "--name", "Monitor"])?;
    let empty = env.path("empty-bom.json");
    std::fs::write(
        &empty,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"name":"DEF"}}}"#,
    )?;
    let fake = env.path("fake.json");
    std::fs::write(&fake, b"{\"vendor\":\"Dr\xe4ger\"}")?;
    let cases = [
        (
            corpus("sbom/cyclonedx-vex-cisa-case1-affected.json"),
            "is a VEX document (CycloneDX with vulnerabilities and no components), not an SBOM: import it with `medsec import feed FILE`",
        ),
        (empty, "holds no components"),
        (fake, "SBOM files are UTF-8"),
    ];
    for (path, want) in &cases {
        let r = env.run(&["import", "sbom", &s(path), "--device", "DEV-0001"])?;
        assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(want), "{}", r.stderr);
        assert!(!r.stderr.contains("JSON feeds"), "{}", r.stderr);
    }
    let show = env.ok(&["device", "show", "DEV-0001"])?;
    assert!(!show.contains("components"), "{show}");
    Ok(())
}
