//! Evidence from the command line (`medsec evidence ...`, `medsec export evidence`), run as a
//! user would: the real binary through assert_cmd, with real files from `../shared/corpus/`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::{Env, PASSPHRASE};

/// A real manufacturer disclosure form (MDS2, xlsx) and a real CSAF advisory (JSON).
fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name)
}

const MDS2: &str = "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx";
const CSAF: &str = "csaf/icsma-20-170-04.json";
const DTD: &str = "nmap/nmap.dtd";

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Env {
    /// `medsec -w <workbook> ARGS`, which must succeed; returns stdout.
    fn ok(&self, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let out = self.wb().args(args).output()?;
        assert!(
            out.status.success(),
            "medsec {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?)
    }

    /// `medsec -w <workbook> ARGS`, which must fail with `code` and one line; returns stderr.
    fn fails(&self, code: i32, args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
        let out = self.wb().args(args).output()?;
        let stderr = String::from_utf8(out.stderr)?;
        assert_eq!(out.status.code(), Some(code), "medsec {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        Ok(stderr)
    }

    /// Two units of one model at site North, and a third device elsewhere.
    fn devices(&self) -> TestResult {
        for (name, site) in [
            ("Pump 1", "North"),
            ("Pump 2", "North"),
            ("Monitor", "South"),
        ] {
            let mut args = vec!["device", "add", "--name", name, "--site", site];
            if name.starts_with("Pump") {
                args.extend(["--manufacturer", "B. Braun", "--model", "Space"]);
            }
            self.ok(&args)?;
        }
        Ok(())
    }

    fn path_str(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }
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

/// Replaces the stored bytes of attachment `id` behind medsec's back (same length, so only the
/// hash can tell).
fn tamper(workbook: &Path, id: i64) -> TestResult {
    let conn = rusqlite::Connection::open(workbook)?;
    conn.pragma_update(None, "key", PASSPHRASE)?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    let changed = conn.execute(
        "UPDATE attachment_data SET bytes = CAST(randomblob(length(bytes)) AS BLOB)
         WHERE attachment_id = ?1",
        [id],
    )?;
    assert_eq!(changed, 1);
    Ok(())
}

/// Files left next to an output: an export must leave no temporary folder behind.
fn leftovers(dir: &Path) -> Result<Vec<String>, std::io::Error> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".medsec-"))
        .collect())
}

#[test]
fn add_list_and_extract_round_trip_with_real_files() -> TestResult {
    let env = Env::new()?;
    env.devices()?;
    let mds2 = corpus(MDS2);
    let out = env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "inv-09",
        &mds2.to_string_lossy(),
        "--caption",
        "Vendor MDS2, 2019",
    ])?;
    let original = std::fs::read(&mds2)?;
    assert!(
        out.contains("added A-0001 nema-example-mds2-worksheet-hn1-2019.xlsx"),
        "{out}"
    );
    assert!(out.contains(&sha256(&original)), "{out}");
    assert!(
        out.contains("evidence alone does not count as assessed"),
        "{out}"
    );
    // A model answer's evidence and a site answer's (given a device, a site control goes to
    // its site, as `medsec answer` does).
    env.ok(&[
        "evidence",
        "add",
        "MODEL:B. Braun/Space",
        "INV-03",
        &corpus(CSAF).to_string_lossy(),
    ])?;
    let out = env.ok(&[
        "evidence",
        "add",
        "DEV-0003",
        "IR-01",
        &corpus(DTD).to_string_lossy(),
    ])?;
    assert!(out.contains("to SITE:South IR-01"), "{out}");

    let all = env.ok(&["evidence", "list", "--json"])?;
    let all: Value = serde_json::from_str(&all)?;
    validate(&all, "evidence-list.v1.json")?;
    assert_eq!(all["limit_bytes"], 26_214_400);
    assert_eq!(all["limit_is_default"], true);
    let rows = all["attachments"].as_array().ok_or("no array")?;
    let ids: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or(""),
                r["target"].as_str().unwrap_or(""),
                r["control_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("A-0001", "DEV-0001", "INV-09"),
            ("A-0002", "MODEL:B. Braun/Space", "INV-03"),
            ("A-0003", "SITE:South", "IR-01"),
        ]
    );
    let first = &rows[0];
    assert_eq!(
        first["media_type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(first["size"], original.len() as u64);
    assert_eq!(first["sha256"], sha256(&original));
    assert_eq!(first["added_by"], "A. Assessor");
    assert_eq!(first["caption"], "Vendor MDS2, 2019");
    assert_eq!(first["device_name"], "Pump 1");
    assert_eq!(rows[1]["media_type"], "application/json");

    // A device lists its own evidence, its model's and its site's; another unit of the model
    // shares the model's.
    let dev2: Value = serde_json::from_str(&env.ok(&["evidence", "list", "DEV-0002", "--json"])?)?;
    let dev2: Vec<&str> = dev2["attachments"]
        .as_array()
        .ok_or("no array")?
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(dev2, ["A-0002"]);
    let text = env.ok(&["evidence", "list", "DEV-0001", "--control", "INV-09"])?;
    assert!(text.starts_with("Evidence limit: 25 MiB (26,214,400 bytes) per file (the default)"));
    assert!(text.contains("A-0001"), "{text}");
    assert!(!text.contains("A-0002"), "{text}");
    assert!(text.contains("Vendor MDS2, 2019"), "{text}");

    // Extract: the same bytes, owner-only, never over a file unless told.
    let dest = env.path("copy.xlsx");
    let out = env.ok(&["evidence", "extract", "A-0001", &env.path_str("copy.xlsx")])?;
    assert!(out.contains("checked"), "{out}");
    assert!(out.contains("NOT encrypted"), "{out}");
    assert_eq!(std::fs::read(&dest)?, original);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&dest)?.permissions().mode() & 0o777,
            0o600
        );
    }
    std::fs::write(&dest, b"mine")?;
    let err = env.fails(1, &["evidence", "extract", "1", &env.path_str("copy.xlsx")])?;
    assert!(
        err.contains("exists; nothing was written (--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&dest)?, b"mine");
    env.ok(&[
        "evidence",
        "extract",
        "1",
        &env.path_str("copy.xlsx"),
        "--force",
    ])?;
    assert_eq!(std::fs::read(&dest)?, original);
    // Into a folder: under its own name.
    std::fs::create_dir(env.path("out"))?;
    env.ok(&["evidence", "extract", "a-3", &env.path_str("out")])?;
    assert_eq!(
        std::fs::read(env.path("out").join("nmap.dtd"))?,
        std::fs::read(corpus(DTD))?
    );
    assert!(leftovers(env.dir.path())?.is_empty());
    Ok(())
}

#[test]
fn evidence_does_not_make_a_control_assessed() -> TestResult {
    let env = Env::new()?;
    env.devices()?;
    let before: Value = serde_json::from_str(&env.ok(&["status", "--json"])?)?;
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "ENC-01",
        &corpus(DTD).to_string_lossy(),
    ])?;
    let after: Value = serde_json::from_str(&env.ok(&["status", "--json"])?)?;
    assert_eq!(before["steps"], after["steps"]);
    let assessed: u64 = after["steps"]
        .as_array()
        .ok_or("steps")?
        .iter()
        .filter_map(|s| s["assessed"].as_u64())
        .sum();
    assert_eq!(assessed, 0);
    Ok(())
}

#[test]
fn files_over_the_limit_and_things_that_are_not_files_are_refused() -> TestResult {
    let env = Env::new()?;
    env.devices()?;
    let out = env.ok(&["evidence", "limit", "8KB"])?;
    assert_eq!(out.trim(), "Evidence limit: 8 KiB (8,192 bytes) per file");
    let dtd = corpus(DTD);
    let size = std::fs::metadata(&dtd)?.len();
    let err = env.fails(
        4,
        &[
            "evidence",
            "add",
            "DEV-0001",
            "ENC-01",
            &dtd.to_string_lossy(),
        ],
    )?;
    assert!(err.contains("nmap.dtd is 10.5 KiB (10,783 bytes)"), "{err}");
    assert!(
        err.contains("over this workbook's evidence limit of 8 KiB (8,192 bytes) per file"),
        "{err}"
    );
    assert_eq!(size, 10_783);
    let list: Value = serde_json::from_str(&env.ok(&["evidence", "list", "--json"])?)?;
    assert_eq!(list["limit_bytes"], 8192);
    assert_eq!(list["limit_is_default"], false);
    assert_eq!(list["attachments"].as_array().map(Vec::len), Some(0));

    let workbook = env.workbook().to_string_lossy().into_owned();
    let err = env.fails(4, &["evidence", "add", "DEV-0001", "ENC-01", &workbook])?;
    assert!(err.contains("is this workbook"), "{err}");
    let err = env.fails(
        4,
        &["evidence", "add", "DEV-0001", "ENC-01", &env.path_str("")],
    )?;
    assert!(err.contains("is a folder, not a file"), "{err}");
    let err = env.fails(
        4,
        &[
            "evidence",
            "add",
            "DEV-0001",
            "ENC-01",
            &env.path_str("nope.jpg"),
        ],
    )?;
    assert!(err.contains("nope.jpg"), "{err}");
    std::fs::write(env.path("empty.png"), b"")?;
    let err = env.fails(
        4,
        &[
            "evidence",
            "add",
            "DEV-0001",
            "ENC-01",
            &env.path_str("empty.png"),
        ],
    )?;
    assert!(err.contains("is empty"), "{err}");
    #[cfg(unix)]
    {
        env.fails(4, &["evidence", "add", "DEV-0001", "ENC-01", "/dev/zero"])?;
        let fifo = env.path("pipe");
        if std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success())
        {
            let err = env.fails(
                4,
                &[
                    "evidence",
                    "add",
                    "DEV-0001",
                    "ENC-01",
                    &env.path_str("pipe"),
                ],
            )?;
            assert!(err.contains("FIFO"), "{err}");
        }
    }
    // Bad limits are usage errors; `default` goes back to 25 MiB.
    env.fails(2, &["evidence", "limit", "2TB"])?;
    let err = env.fails(2, &["evidence", "limit", "600MB"])?;
    assert!(err.contains("from 1 byte to 512 MiB"), "{err}");
    let out = env.ok(&["evidence", "limit", "default"])?;
    assert!(
        out.contains("25 MiB (26,214,400 bytes) per file (the default)"),
        "{out}"
    );
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "ENC-01",
        &dtd.to_string_lossy(),
    ])?;
    Ok(())
}

#[test]
fn targets_controls_and_ids_are_checked_as_answer_checks_them() -> TestResult {
    let env = Env::new()?;
    env.devices()?;
    let dtd = corpus(DTD).to_string_lossy().into_owned();
    let err = env.fails(2, &["evidence", "add", "DEV-0001", "ENC-99", &dtd])?;
    assert!(err.contains("ENC-99: no such control"), "{err}");
    let err = env.fails(2, &["evidence", "add", "SITE:North", "ENC-01", &dtd])?;
    assert!(err.contains("ENC-01 is answered per device"), "{err}");
    let err = env.fails(2, &["evidence", "add", "MODEL:Nobody/None", "INV-03", &dtd])?;
    assert!(err.contains("no device has MODEL:Nobody/None"), "{err}");
    env.fails(2, &["evidence", "add", "DEV-0042", "ENC-01", &dtd])?;
    env.fails(2, &["evidence", "extract", "R-0001", &env.path_str("x")])?;
    let err = env.fails(2, &["evidence", "extract", "A-0009", &env.path_str("x")])?;
    assert!(err.contains("no attachment A-0009"), "{err}");
    env.fails(2, &["evidence", "list", "--control", "XYZ"])?;
    // Remove: gone from the list, cannot be extracted or removed again.
    env.ok(&["evidence", "add", "DEV-0001", "ENC-01", &dtd])?;
    let out = env.ok(&["evidence", "remove", "A-0001"])?;
    assert!(
        out.contains("removed A-0001 nmap.dtd from DEV-0001 ENC-01"),
        "{out}"
    );
    let list = env.ok(&["evidence", "list"])?;
    assert!(list.contains("No evidence attached."), "{list}");
    env.fails(2, &["evidence", "remove", "A-0001"])?;
    env.fails(2, &["evidence", "extract", "A-0001", &env.path_str("x")])?;
    assert!(!env.path("x").exists());
    Ok(())
}

#[test]
fn a_tampered_attachment_is_reported_by_extract_and_stops_the_export() -> TestResult {
    let env = Env::new()?;
    env.devices()?;
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "ENC-01",
        &corpus(DTD).to_string_lossy(),
    ])?;
    env.ok(&[
        "evidence",
        "add",
        "DEV-0002",
        "ENC-01",
        &corpus(CSAF).to_string_lossy(),
    ])?;
    // A good export first: the tampered one must not replace it.
    env.ok(&["export", "evidence", &env.path_str("evidence.zip")])?;
    let good = std::fs::read(env.path("evidence.zip"))?;
    tamper(&env.workbook(), 2)?;

    let err = env.fails(
        7,
        &[
            "evidence",
            "extract",
            "A-0002",
            &env.path_str("advisory.json"),
        ],
    )?;
    assert!(
        err.contains("A-0002 icsma-20-170-04.json (DEV-0002 ENC-01) is damaged"),
        "{err}"
    );
    assert!(!env.path("advisory.json").exists());
    // The intact one still extracts.
    env.ok(&["evidence", "extract", "A-0001", &env.path_str("nmap.dtd")])?;

    let err = env.fails(7, &["export", "evidence", &env.path_str("evidence.zip")])?;
    assert!(err.contains("A-0002 icsma-20-170-04.json"), "{err}");
    assert!(err.contains("is damaged"), "{err}");
    assert_eq!(std::fs::read(env.path("evidence.zip"))?, good);
    let err = env.fails(7, &["export", "evidence", &env.path_str("new.zip")])?;
    assert!(err.contains("A-0002"), "{err}");
    assert!(!env.path("new.zip").exists());
    assert!(leftovers(env.dir.path())?.is_empty());
    Ok(())
}

#[test]
fn the_evidence_zip_has_a_folder_per_target_and_control_and_a_manifest_that_matches() -> TestResult
{
    let env = Env::new()?;
    env.devices()?;
    let dtd = corpus(DTD).to_string_lossy().into_owned();
    let csaf = corpus(CSAF).to_string_lossy().into_owned();
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "ENC-01",
        &corpus(MDS2).to_string_lossy(),
    ])?;
    // The same name twice on one control: made unique in the zip.
    env.ok(&["evidence", "add", "DEV-0001", "ENC-01", &dtd])?;
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "ENC-01",
        &dtd,
        "--caption",
        "=1+1 again",
    ])?;
    env.ok(&["evidence", "add", "MODEL:B. Braun/Space", "INV-03", &csaf])?;
    env.ok(&["evidence", "add", "SITE:North", "IR-01", &dtd])?;
    // A removed attachment is not exported.
    env.ok(&["evidence", "add", "DEV-0003", "ENC-01", &dtd])?;
    env.ok(&["evidence", "remove", "A-0006"])?;

    let zip_path = env.path("evidence.zip");
    let out = env.ok(&["export", "evidence", &env.path_str("evidence.zip")])?;
    assert!(out.contains("5 files"), "{out}");
    assert!(out.contains("NOT encrypted"), "{out}");
    assert!(leftovers(env.dir.path())?.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&zip_path)?.permissions().mode() & 0o777,
            0o600
        );
    }

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path)?)?;
    let mut read = |name: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let mut bytes = Vec::new();
        zip.by_name(name)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    let manifest: Value = serde_json::from_slice(&read("manifest.json")?)?;
    validate(&manifest, "evidence-manifest.v1.json")?;
    let files = manifest["files"].as_array().ok_or("files")?;
    let paths: Vec<&str> = files.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(
        paths,
        [
            "DEV-0001/ENC-01/nema-example-mds2-worksheet-hn1-2019.xlsx",
            "DEV-0001/ENC-01/nmap.dtd",
            "DEV-0001/ENC-01/nmap (2).dtd",
            "MODEL_B. Braun_Space/INV-03/icsma-20-170-04.json",
            "SITE_North/IR-01/nmap.dtd",
        ]
    );
    assert_eq!(manifest["file_count"], 5);
    // Every hash recomputed from the zip matches the manifest, and the workbook's originals.
    for f in files {
        let path = f["path"].as_str().ok_or("path")?;
        let bytes = read(path)?;
        assert_eq!(f["sha256"], sha256(&bytes), "{path}");
        assert_eq!(f["size"], bytes.len() as u64, "{path}");
        assert!(!path.contains(".."), "{path}");
    }
    assert_eq!(
        read("DEV-0001/ENC-01/nmap (2).dtd")?,
        std::fs::read(corpus(DTD))?
    );
    assert_eq!(files[2]["original_name"], "nmap.dtd");
    assert_eq!(files[2]["caption"], "=1+1 again");
    assert_eq!(files[3]["target"], "MODEL:B. Braun/Space");
    assert_eq!(files[3]["device_name"], "B. Braun Space");
    assert_eq!(files[4]["target"], "SITE:North");

    // The CSV manifest: the same rows, hashes matching, the caption never a live formula.
    let csv_bytes = read("manifest.csv")?;
    let text = String::from_utf8(csv_bytes)?;
    let text = text.strip_prefix('\u{feff}').ok_or("no BOM")?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no {name}"))
    };
    let (path_col, sha_col, caption_col) = (col("path")?, col("sha256")?, col("caption")?);
    let mut n = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let path = record.get(path_col).ok_or("path")?;
        assert_eq!(path, paths[i]);
        assert_eq!(record.get(sha_col).ok_or("sha")?, sha256(&read(path)?));
        if i == 2 {
            assert_eq!(record.get(caption_col), Some("'=1+1 again"));
        }
        n += 1;
    }
    assert_eq!(n, 5);
    // Nothing else in the zip.
    assert_eq!(zip.len(), 7);

    // An earlier evidence export is replaced; any other file is not.
    env.ok(&["export", "evidence", &env.path_str("evidence.zip")])?;
    std::fs::write(env.path("notes.zip"), b"PK\x03\x04 not ours")?;
    let err = env.fails(1, &["export", "evidence", &env.path_str("notes.zip")])?;
    assert!(err.contains("is not a medsec evidence export"), "{err}");
    assert_eq!(
        std::fs::read(env.path("notes.zip"))?,
        b"PK\x03\x04 not ours"
    );
    env.fails(1, &["export", "evidence", &env.path_str("evidence.tar")])?;
    Ok(())
}
