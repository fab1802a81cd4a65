//! Disk full (issue 7): the real binary run with a file size limit (`ulimit -f`, with SIGXFSZ
//! ignored so that a write past the limit fails with `EFBIG` instead of killing the process).
//! An answer, an import or a feed import that does not fit gives one clear line and exit 1, and
//! the workbook afterwards is intact: it opens, its audit chain is whole, `integrity_check` is
//! ok, every earlier answer is there and nothing of the failed change is. An export that does
//! not fit leaves no file, partial or temporary, behind.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{Env, PASSPHRASE};
use medsec::assessment::{Response, Target};
use medsec::workbook::{Access, Passphrase, Workbook};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// What the CLI says when the workbook had no room (`WorkbookError::DiskFull`).
fn workbook_full(path: &Path) -> String {
    format!(
        "medsec: disk full (or file size limit) while writing {}: nothing of this change was saved; free some space and try again\n",
        path.display()
    )
}

/// The bytes of one block of `sh`'s `ulimit -f` (512 for dash and POSIX shells, 1024 for bash).
fn ulimit_block_bytes(dir: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let probe = dir.join("probe");
    Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1; head -c 4096 /dev/zero > \"$0\" 2>/dev/null; true")
        .arg(&probe)
        .status()?;
    let bytes = std::fs::metadata(&probe)?.len();
    std::fs::remove_file(&probe)?;
    match bytes {
        512 | 1024 => Ok(bytes),
        other => Err(format!("ulimit -f 1 let {other} bytes be written").into()),
    }
}

/// `medsec ARGS` in `env` (its HOME and passphrase file, `-w` its workbook), no file written
/// past `limit` bytes (rounded down to `ulimit -f` blocks).
fn limited(env: &Env, limit: u64, args: &[&str]) -> Result<Output, Box<dyn std::error::Error>> {
    let block = ulimit_block_bytes(env.dir.path())?;
    let medsec = assert_cmd::cargo::cargo_bin("medsec");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {}; exec \"$@\"",
            limit / block
        ))
        .arg("sh")
        .arg(medsec)
        .arg("-w")
        .arg(env.workbook())
        .args(args)
        .env_clear()
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("MEDSEC_PASSPHRASE_FILE", env.dir.path().join("pass"))
        .current_dir(env.dir.path())
        .output()?;
    Ok(out)
}

fn ok(env: &Env, args: &[&str]) -> TestResult {
    env.wb().args(args).assert().success();
    Ok(())
}

/// What a change must leave alone: the device answers (short ID, control, response), the
/// number of devices and the length of the audit chain.
type Kept = (Vec<(String, String, Response)>, usize, i64);

/// The workbook's device answers (short ID, control, response) and its number of devices, after
/// checking that it opens, its audit chain is whole and SQLite finds nothing wrong.
fn intact(path: &Path) -> Result<Kept, Box<dyn std::error::Error>> {
    let wb = Workbook::open(path, &Passphrase::new(PASSPHRASE.into()), Access::Read)?;
    let check = wb.verify_audit()?;
    assert!(check.problems.is_empty(), "audit: {:?}", check.problems);
    let devices = wb.devices()?;
    let mut answers = Vec::new();
    for row in wb.answer_rows()? {
        if let (Target::Device(id), Some(r)) = (&row.target, row.answer.response) {
            let d = devices
                .iter()
                .find(|d| d.id == *id)
                .ok_or("an answer of no device")?;
            answers.push((d.short_id(), row.answer.control_id.to_string(), r));
        }
    }
    answers.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let head = wb.audit_head()?.length;
    drop(wb);
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "key", PASSPHRASE)?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    assert_eq!(integrity, "ok");
    let fk = conn
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |_| Ok(()))?
        .count();
    assert_eq!(fk, 0, "foreign key violations");
    assert!(
        !Path::new(&format!("{}-journal", path.display())).exists(),
        "a journal was left behind"
    );
    Ok((answers, devices.len(), head))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_answer_with_no_room_changes_nothing() -> TestResult {
    let env = Env::new()?;
    ok(&env, &["device", "add", "--name", "Infusion pump"])?;
    ok(&env, &["answer", "DEV-0001", "ENC-01", "yes"])?;
    let before = intact(&env.workbook())?;
    let bytes = std::fs::read(env.workbook())?;

    // Not one byte may be written: the journal's first write fails.
    let out = limited(&env, 0, &["answer", "DEV-0001", "ENC-02", "no"])?;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), workbook_full(&env.workbook()));
    assert!(out.stdout.is_empty());

    assert_eq!(
        std::fs::read(env.workbook())?,
        bytes,
        "the workbook changed"
    );
    let after = intact(&env.workbook())?;
    assert_eq!(after, before);
    assert!(
        after
            .0
            .iter()
            .any(|(d, c, r)| d == "DEV-0001" && c == "ENC-01" && *r == Response::Yes)
    );
    assert!(!after.0.iter().any(|(_, c, _)| c == "ENC-02"));
    // With room again, the same answer is saved.
    ok(&env, &["answer", "DEV-0001", "ENC-02", "no"])?;
    Ok(())
}

/// An inventory CSV of `rows` devices.
fn inventory(path: &Path, rows: usize) -> TestResult {
    let mut csv = String::from(
        "Asset Tag,Device Name / Description,Manufacturer,Model,Serial Number,Building / Floor / Room\n",
    );
    for i in 0..rows {
        csv.push_str(&format!(
            "AT-{i:06},Infusion pump {i},Baxter,Sigma Spectrum,SN{i:08},Ward {} room {}\n",
            i % 12,
            i % 40
        ));
    }
    std::fs::write(path, csv)?;
    Ok(())
}

#[test]
fn an_import_with_no_room_is_not_applied_at_all() -> TestResult {
    let env = Env::new()?;
    for name in ["Infusion pump", "Patient monitor", "Ventilator"] {
        ok(&env, &["device", "add", "--name", name])?;
    }
    ok(&env, &["answer", "DEV-0001", "ENC-01", "yes"])?;
    ok(&env, &["answer", "DEV-0002", "ACC-01", "partial"])?;
    let big = env.path("inventory.csv");
    inventory(&big, 3000)?;
    let size = std::fs::metadata(env.workbook())?.len();
    let limit = size + 32 * 1024;

    // Room for a small change under this limit ...
    let out = limited(&env, limit, &["answer", "DEV-0003", "ENC-01", "no"])?;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = intact(&env.workbook())?;
    assert_eq!(before.1, 3);

    // ... but not for 3,000 devices, nor for the KEV catalog.
    let big_arg = big.display().to_string();
    let kev = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/kev/known_exploited_vulnerabilities-redacted.json");
    let kev_arg = kev.display().to_string();
    for args in [
        vec!["import", "inventory", big_arg.as_str()],
        vec!["import", "feed", kev_arg.as_str()],
    ] {
        let out = limited(&env, limit, &args)?;
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let text = stderr(&out);
        assert!(
            text.ends_with(&workbook_full(&env.workbook())),
            "{args:?}: {text}"
        );
        assert_eq!(text.lines().count(), 1, "{args:?}: {text}");
        assert_eq!(
            intact(&env.workbook())?,
            before,
            "{args:?} changed the workbook"
        );
    }
    let wb = Workbook::open(
        &env.workbook(),
        &Passphrase::new(PASSPHRASE.into()),
        Access::Read,
    )?;
    assert_eq!(wb.feeds()?.len(), 0, "a feed was stored");
    drop(wb);
    // With room again, the import applies whole.
    ok(&env, &["import", "inventory", &big_arg])?;
    assert_eq!(intact(&env.workbook())?.1, 3003);
    Ok(())
}

#[test]
fn an_export_with_no_room_leaves_no_file() -> TestResult {
    let env = Env::new()?;
    ok(&env, &["device", "add", "--name", "Infusion pump"])?;
    ok(&env, &["answer", "DEV-0001", "ENC-01", "no"])?;
    let listing = |dir: &Path| -> Result<Vec<String>, std::io::Error> {
        let mut names: Vec<String> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        names.sort();
        Ok(names)
    };
    let before = listing(env.dir.path())?;
    for (format, out) in [
        ("xlsx", "out.xlsx"),
        ("json", "out.json"),
        ("csv", "out-csv"),
        ("html", "out.html"),
        ("markdown", "out.md"),
    ] {
        // The smallest of these exports (JSON) is over 2 KB.
        let result = limited(&env, 1024, &["export", format, out])?;
        assert_eq!(
            result.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&result)
        );
        assert_eq!(
            stderr(&result),
            format!(
                "medsec: disk full (or file size limit) while writing {out}: nothing was exported and no partial file was left; free some space and try again\n"
            ),
            "{format}"
        );
        assert_eq!(listing(env.dir.path())?, before, "{format} left a file");
    }
    intact(&env.workbook())?;
    Ok(())
}
