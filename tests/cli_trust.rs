//! `medsec verify`, `medsec rekey`, `medsec backup` and the backup before a schema migration,
//! run as a user would: the real binary, and workbooks damaged or altered behind medsec's back
//! through SQLCipher (rusqlite with the key) or by flipping bytes in the file.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod common;
use common::{Env, PASSPHRASE};

const NEW_PASSPHRASE: &str = "a new passphrase for the workbook";

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

    /// `medsec -w <workbook> ARGS`, which must fail with `code` and one line on stderr; returns
    /// (stdout, stderr).
    fn fails(
        &self,
        code: i32,
        args: &[&str],
    ) -> Result<(String, String), Box<dyn std::error::Error>> {
        let out = self.wb().args(args).output()?;
        let stderr = String::from_utf8(out.stderr)?;
        assert_eq!(out.status.code(), Some(code), "medsec {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        Ok((String::from_utf8(out.stdout)?, stderr))
    }

    fn path_str(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }

    /// A few devices and answers, so the audit trail has entries to alter.
    fn some_work(&self) -> TestResult {
        self.ok(&[
            "device",
            "add",
            "--name",
            "Infusion pump 7",
            "--serial-number",
            "SN-0042",
        ])?;
        self.ok(&["device", "add", "--name", "Ventilator"])?;
        self.ok(&[
            "answer",
            "DEV-0001",
            "ENC-01",
            "no",
            "--note",
            "no disk encryption",
        ])?;
        self.ok(&["answer", "DEV-0002", "ENC-01", "yes"])?;
        Ok(())
    }
}

/// The workbook opened through SQLCipher directly, as someone editing it behind medsec's back.
fn sqlcipher(workbook: &Path, pass: &str) -> Result<rusqlite::Connection, rusqlite::Error> {
    let conn = rusqlite::Connection::open(workbook)?;
    conn.pragma_update(None, "key", pass)?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    Ok(conn)
}

/// An audit entry's hashed parts: seq, entry ID, at, actor, action, summary, changes, origin.
type StoredEntry = (i64, String, String, String, String, String, String, String);

fn verify_json(env: &Env, extra: &[&str]) -> Result<(Value, i32), Box<dyn std::error::Error>> {
    let out = env.wb().arg("verify").arg("--json").args(extra).output()?;
    let value: Value = serde_json::from_slice(&out.stdout)?;
    common::validate_schema(&value, "verify.v1.json")?;
    Ok((value, out.status.code().unwrap_or(-1)))
}

fn head_of(env: &Env) -> Result<String, Box<dyn std::error::Error>> {
    let (v, code) = verify_json(env, &[])?;
    assert_eq!(code, 0);
    Ok(v["audit_head"]["hash"]
        .as_str()
        .ok_or("no head")?
        .to_string())
}

fn flip_byte(path: &Path, offset: u64) -> TestResult {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let mut b = [0u8; 1];
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(&mut b)?;
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(&[b[0] ^ 0x01])?;
    Ok(())
}

#[test]
fn verify_says_what_it_checked_and_passes_a_sound_workbook() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    let photo = env.path("screen.txt");
    std::fs::write(&photo, b"encryption: off\n")?;
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "ENC-01",
        &photo.to_string_lossy(),
    ])?;
    let out = env.ok(&["verify"])?;
    for line in [
        "SQLCipher page HMACs   ok",
        "SQLite integrity       ok",
        "foreign keys           ok",
        "audit chain            ok",
        "attachments            ok     1 attachments, 16 bytes hashed",
        "sound: audit head ",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    let (v, code) = verify_json(&env, &[])?;
    assert_eq!(code, 0);
    assert_eq!(v["sound"], Value::Bool(true));
    assert_eq!(v["checks"].as_array().map(Vec::len), Some(5));
    assert!(v["audit_head"]["length"].as_i64().unwrap_or(0) >= 6);
    // Read-only: a shared lock, so two can run at once, and the file is unchanged.
    let before = std::fs::read(env.workbook())?;
    env.ok(&["verify"])?;
    assert_eq!(std::fs::read(env.workbook())?, before);
    Ok(())
}

#[test]
fn one_character_of_an_audit_entry_edited_through_sqlcipher_fails_verify_naming_the_entry()
-> TestResult {
    for column in ["summary", "changes"] {
        let env = Env::new()?;
        env.some_work()?;
        let conn = sqlcipher(&env.workbook(), PASSPHRASE)?;
        let (seq, at, summary): (i64, String, String) = conn.query_row(
            "SELECT seq, at, summary FROM audit_entry WHERE summary LIKE 'answer DEV-0001 ENC-01%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        // One character: the last of the summary becomes "X", or "no disk" in the changes'
        // JSON becomes "No disk".
        let edit = if column == "summary" {
            "UPDATE audit_entry SET summary = substr(summary, 1, length(summary) - 1) || 'X' WHERE seq = ?1"
        } else {
            "UPDATE audit_entry SET changes = replace(changes, 'no disk', 'No disk') WHERE seq = ?1"
        };
        assert_eq!(conn.execute(edit, [seq])?, 1);
        drop(conn);
        let (stdout, stderr) = env.fails(7, &["verify"])?;
        let shown = if column == "summary" {
            format!("{}X", &summary[..summary.len() - 1])
        } else {
            summary.clone()
        };
        let named = format!("audit entry {seq} ({at} {shown})");
        assert!(stderr.contains(&named), "{column}: {named}: {stderr}");
        assert!(stderr.contains("altered"), "{stderr}");
        assert!(stdout.contains("audit chain            FAILED"), "{stdout}");
        // The other checks still ran and passed: the file itself is sound.
        assert!(stdout.contains("SQLCipher page HMACs   ok"), "{stdout}");
        let (v, code) = verify_json(&env, &[])?;
        assert_eq!((code, v["sound"].clone()), (7, Value::Bool(false)));
    }
    Ok(())
}

#[test]
fn an_expected_hash_is_found_after_later_changes_but_not_after_a_rewrite() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    let exported = head_of(&env)?;
    // As printed on the Cover: "HASH (N entries)".
    let cover = format!("{exported} (5 entries)");
    env.ok(&["device", "add", "--name", "Monitor"])?;
    let out = env.ok(&["verify", "--expect", &cover])?;
    assert!(
        out.contains(&format!(
            "expected hash          ok     {exported} is entry"
        )),
        "{out}"
    );
    assert!(out.contains("; 1 change since"), "{out}");
    // The count copied with the hash must be the entry's position.
    let (_, stderr) = env.fails(
        7,
        &["verify", "--expect", &format!("{exported} (4 entries)")],
    )?;
    assert!(
        stderr.contains("was given as entry 4 but it is entry 5"),
        "{stderr}"
    );
    assert!(!stderr.contains("damage"), "{stderr}");
    env.fails(
        2,
        &["verify", "--expect", &format!("{exported} (six entries)")],
    )?;
    let head = head_of(&env)?;
    let out = env.ok(&["verify", "--expect", &head.to_uppercase()])?;
    assert!(out.contains("is the head"), "{out}");
    // Not a hash: a usage error.
    env.fails(2, &["verify", "--expect", "abc123"])?;

    // Rewrite the chain: edit an entry and re-hash it and every later one, as a forger would.
    // The chain is consistent again, but the hash taken earlier is no longer in it.
    let conn = sqlcipher(&env.workbook(), PASSPHRASE)?;
    conn.execute(
        "UPDATE audit_entry SET summary = 'answer DEV-0001 ENC-01 Yes' WHERE summary LIKE 'answer DEV-0001 ENC-01%'",
        [],
    )?;
    let rows: Vec<StoredEntry> = conn
        .prepare(
            "SELECT seq, entry_id, at, actor, action, summary, changes, origin
             FROM audit_entry ORDER BY seq",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut prev = medsec::workbook::audit::GENESIS.to_string();
    for (seq, id, at, actor, action, summary, changes, origin) in rows {
        let hash = medsec::workbook::audit::entry_hash(
            &prev, seq, &id, &at, &actor, &action, &summary, &changes, &origin,
        );
        conn.execute(
            "UPDATE audit_entry SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )?;
        prev = hash;
    }
    drop(conn);
    env.ok(&["verify"])?;
    let (stdout, stderr) = env.fails(7, &["verify", "--expect", &exported])?;
    assert!(
        stderr.contains(&format!(
            "{exported} is not in this workbook's audit trail: it belongs to another workbook, or this trail was rewritten"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("every check passed but the expected hash"),
        "{stderr}"
    );
    assert!(!stderr.contains("damage found"), "{stderr}");
    assert!(stdout.contains("expected hash          FAILED"), "{stdout}");
    Ok(())
}

#[test]
fn a_damaged_attachment_and_a_broken_reference_are_named() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    let file = env.path("config.txt");
    std::fs::write(&file, b"telnet=on\n")?;
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "ENC-01",
        &file.to_string_lossy(),
    ])?;
    let conn = sqlcipher(&env.workbook(), PASSPHRASE)?;
    conn.execute(
        "UPDATE attachment_data SET bytes = CAST('telnet=of\n' AS BLOB) WHERE attachment_id = 1",
        [],
    )?;
    // Bytes of an attachment that is not there, written with foreign keys off.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.execute(
        "INSERT INTO attachment_data (attachment_id, bytes) VALUES (999, x'00')",
        [],
    )?;
    drop(conn);
    let (stdout, stderr) = env.fails(7, &["verify"])?;
    assert!(
        stdout.contains("A-0001 config.txt (DEV-0001 ENC-01): its bytes do not match"),
        "{stdout}"
    );
    assert!(stderr.contains("A-0001 config.txt"), "{stderr}");
    assert!(
        stdout.contains("table attachment_data row 999 refers to a missing attachment row"),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn a_page_damaged_on_disk_is_reported() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    // 200 kB of evidence spreads over ~50 pages in the middle of the file.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let file = env.path("capture.bin");
    std::fs::write(&file, &big)?;
    env.ok(&[
        "evidence",
        "add",
        "DEV-0001",
        "NET-01",
        &file.to_string_lossy(),
    ])?;
    let len = std::fs::metadata(env.workbook())?.len();
    let copy = env.path("pristine.medsec");
    std::fs::copy(env.workbook(), &copy)?;

    flip_byte(&env.workbook(), len / 2)?;
    let (stdout, stderr) = env.fails(7, &["verify"])?;
    assert!(
        stdout.contains("SQLCipher page HMACs   FAILED"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("HMAC verification failed for page"),
        "{stderr}"
    );

    // The first page: indistinguishable from a wrong passphrase; both causes are named.
    std::fs::copy(&copy, env.workbook())?;
    flip_byte(&env.workbook(), 200)?;
    let (_, stderr) = env.fails(3, &["verify"])?;
    assert!(
        stderr.contains("wrong passphrase, or not a medsec workbook, or its first page is damaged"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn backup_writes_an_encrypted_owner_only_copy_and_never_replaces_a_file() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    let out = env.path_str("copy.medsec");
    let said = env.ok(&["backup", &out])?;
    assert!(
        said.contains("encrypted with the same passphrase"),
        "{said}"
    );
    let bytes = std::fs::read(&out)?;
    assert_ne!(&bytes[..16], b"SQLite format 3\0");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out)?.permissions().mode() & 0o777, 0o600);
    }
    // It is a workbook: same devices, sound, same head.
    let list = env.cmd().args(["-w", &out, "device", "list"]).output()?;
    assert!(String::from_utf8(list.stdout)?.contains("Infusion pump 7"));
    let head = head_of(&env)?;
    let out_verify = env.cmd().args(["-w", &out, "verify"]).output()?;
    assert!(String::from_utf8(out_verify.stdout)?.contains(&head));
    // Never over an existing file: exit 1, the file untouched.
    env.fails(1, &["backup", &out])?;
    assert_eq!(std::fs::read(&out)?, bytes);
    // No temporary file left.
    let names: Vec<String> = std::fs::read_dir(env.dir.path())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
    Ok(())
}

/// The names in the test folder that look like temporary or journal files.
fn leftovers(env: &Env) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    Ok(std::fs::read_dir(env.dir.path())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp") || n.ends_with("-journal"))
        .collect())
}

#[test]
fn backup_to_a_folder_or_into_a_missing_folder_names_that_folder() -> TestResult {
    let env = Env::new()?;
    let missing = env.path("no-such-dir");
    let out = missing.join("copy.medsec");
    let (_, stderr) = env.fails(1, &["backup", &out.to_string_lossy()])?;
    assert!(
        stderr.contains(&format!("{}: no such folder", missing.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("backup-tmp"), "{stderr}");
    let folder = env.path_str("backups");
    std::fs::create_dir(&folder)?;
    let (_, stderr) = env.fails(1, &["backup", &folder])?;
    assert!(
        stderr.contains(&format!(
            "{folder}: is a folder; give a file name such as {folder}/site-backup.medsec"
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(&folder)?.count(), 0);
    assert!(leftovers(&env)?.is_empty());
    Ok(())
}

/// `medsec -w <workbook> ARGS` that may write no file past about `kib` KiB (`ulimit -f`, with
/// SIGXFSZ ignored so that a write past it fails instead of killing the process).
#[cfg(unix)]
fn size_limited(env: &Env, kib: u64, args: &[&str]) -> std::io::Result<std::process::Output> {
    // `ulimit -f` counts 512-byte blocks in POSIX shells (dash), 1024 in bash: ask for twice the
    // blocks of a KiB count in 512-byte units and accept up to 2x the limit.
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {}; exec \"$@\"", kib * 2))
        .arg("sh")
        .arg(assert_cmd::cargo::cargo_bin("medsec"))
        .arg("-w")
        .arg(env.workbook())
        .args(args)
        .env_clear()
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("MEDSEC_PASSPHRASE_FILE", env.dir.path().join("pass"))
        .output()
}

#[cfg(unix)]
#[test]
fn backup_and_rekey_without_room_say_disk_full_and_leave_no_temporary_file() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    let size = std::fs::metadata(env.workbook())?.len();
    let before = std::fs::read(env.workbook())?;
    // Room for a quarter of the workbook at most (2x the KiB counted for bash's blocks).
    let kib = (size / 1024 / 8).max(1);
    let out = env.path("copy.medsec");
    let done = size_limited(&env, kib, &["backup", &out.to_string_lossy()])?;
    let stderr = String::from_utf8(done.stderr)?;
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "disk full (or file size limit) while writing {}",
            out.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("-tmp"), "{stderr}");
    assert!(!out.exists());
    assert!(leftovers(&env)?.is_empty(), "{:?}", leftovers(&env)?);

    std::fs::write(env.path("new-pass"), NEW_PASSPHRASE)?;
    let new_file = env.path_str("new-pass");
    let done = size_limited(&env, kib, &["rekey", "--new-passphrase-file", &new_file])?;
    let stderr = String::from_utf8(done.stderr)?;
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "disk full (or file size limit) while writing {}",
            env.workbook().display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("-tmp"), "{stderr}");
    assert!(leftovers(&env)?.is_empty(), "{:?}", leftovers(&env)?);
    // The workbook is as it was and opens with the old passphrase.
    assert_eq!(std::fs::read(env.workbook())?, before);
    env.ok(&["verify"])?;
    Ok(())
}

#[test]
fn rekey_changes_the_passphrase_from_a_file_or_the_variable() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    let new_file = env.path("new-pass");
    std::fs::write(&new_file, format!("{NEW_PASSPHRASE}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&new_file, std::fs::Permissions::from_mode(0o600))?;
    }
    // Too short, or the same as the old one: usage errors, nothing changed.
    let short = env.path("short");
    std::fs::write(&short, "short\n")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&short, std::fs::Permissions::from_mode(0o600))?;
    }
    let before = std::fs::read(env.workbook())?;
    env.fails(
        2,
        &["rekey", "--new-passphrase-file", &short.to_string_lossy()],
    )?;
    env.fails(
        2,
        &[
            "rekey",
            "--new-passphrase-file",
            &env.path("pass").to_string_lossy(),
        ],
    )?;
    assert_eq!(std::fs::read(env.workbook())?, before);

    let said = env.ok(&[
        "rekey",
        "--new-passphrase-file",
        &new_file.to_string_lossy(),
    ])?;
    assert!(said.contains("passphrase changed"), "{said}");
    // The old passphrase no longer opens it; the new one does, and the change is in the log.
    env.fails(3, &["device", "list"])?;
    let with_new = |args: &[&str]| {
        let mut c = env.cmd();
        c.env("MEDSEC_PASSPHRASE_FILE", &new_file)
            .arg("-w")
            .arg(env.workbook())
            .args(args);
        c
    };
    let out = with_new(&["verify"]).output()?;
    assert!(out.status.success());
    let conn = sqlcipher(&env.workbook(), NEW_PASSPHRASE)?;
    let (action, summary): (String, String) = conn.query_row(
        "SELECT action, summary FROM audit_entry ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(
        (action.as_str(), summary.as_str()),
        ("rekey", "passphrase changed")
    );
    drop(conn);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(env.workbook())?.permissions().mode() & 0o777,
            0o600
        );
    }
    // Back again through MEDSEC_NEW_PASSPHRASE_FILE.
    let out = with_new(&["rekey"])
        .env("MEDSEC_NEW_PASSPHRASE_FILE", env.path("pass"))
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.ok(&["verify"])?;
    Ok(())
}

/// A `medsec rekey` killed (SIGKILL) at moments spread over its run leaves a workbook that opens
/// with exactly one of the two passphrases — the old one until the rename — and passes verify.
#[cfg(unix)]
#[test]
fn rekey_killed_at_any_moment_leaves_a_workbook_that_opens() -> TestResult {
    let env = Env::new()?;
    env.some_work()?;
    for i in 0..40 {
        env.ok(&["device", "add", "--name", &format!("Pump {i}")])?;
    }
    let passes = [env.path("pass"), env.path("new-pass")];
    std::fs::write(&passes[1], format!("{NEW_PASSPHRASE}\n"))?;
    let rekey = |from: usize| -> std::io::Result<std::process::Child> {
        std::process::Command::new(env!("CARGO_BIN_EXE_medsec"))
            .env_clear()
            .env("HOME", env.dir.path())
            .env("MEDSEC_PASSPHRASE_FILE", &passes[from])
            .env("MEDSEC_NEW_PASSPHRASE_FILE", &passes[1 - from])
            .arg("-w")
            .arg(env.workbook())
            .arg("rekey")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    };
    // How long a whole rekey takes here.
    let start = Instant::now();
    assert!(rekey(0)?.wait()?.success());
    let full = start.elapsed();
    let mut current = 1;
    let trials = 12;
    let (mut old_kept, mut new_taken) = (0, 0);
    for t in 0..trials {
        let mut child = rekey(current)?;
        std::thread::sleep(full * t / trials);
        let _ = child.kill();
        child.wait()?;
        let opens = |which: usize| -> Result<bool, Box<dyn std::error::Error>> {
            let out = env
                .cmd()
                .env("MEDSEC_PASSPHRASE_FILE", &passes[which])
                .arg("-w")
                .arg(env.workbook())
                .arg("verify")
                .output()?;
            match out.status.code() {
                Some(0) => Ok(true),
                Some(3) => Ok(false),
                other => Err(format!(
                    "trial {t}: verify exit {other:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
                .into()),
            }
        };
        let (old, new) = (opens(current)?, opens(1 - current)?);
        assert!(old != new, "trial {t}: exactly one passphrase opens it");
        if new {
            current = 1 - current;
            new_taken += 1;
        } else {
            old_kept += 1;
        }
    }
    assert_eq!(old_kept + new_taken, trials);
    eprintln!(
        "rekey killed {trials} times over {full:?}: old passphrase kept {old_kept}, new one taken {new_taken}"
    );
    assert!(full > Duration::ZERO);
    Ok(())
}

#[test]
fn an_older_workbook_is_backed_up_once_before_it_is_upgraded() -> TestResult {
    let env = Env::new()?;
    let old = env.path("old.medsec");
    {
        let conn = sqlcipher(&old, PASSPHRASE)?;
        for m in &medsec::workbook::schema::MIGRATIONS[..5] {
            conn.execute_batch(m)?;
        }
        conn.pragma_update(None, "user_version", 5)?;
        conn.execute_batch(
            "INSERT INTO assessment (id, workbook_id, assessor, catalog_version, created_at,
                 next_device_no)
             VALUES (1, 'wb-v5', 'A. Assessor', '1', '2026-01-01T08:00:00Z', 2);
             INSERT INTO device (id, uuid, number, created_at, updated_at, name)
             VALUES (1, 'uuid-1', 1, '2026-01-01T08:00:00Z', '2026-01-01T08:00:00Z', 'Old pump');",
        )?;
    }
    let old_str = old.to_string_lossy().into_owned();
    let before = std::fs::read(&old)?;
    // verify and backup take it as it is: checked, copied at schema 5, not upgraded.
    let out = env.cmd().args(["-w", &old_str, "verify"]).output()?;
    let stdout = String::from_utf8(out.stdout)?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout
            .contains("audit chain            ok     none: written by an older medsec (schema 5)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sound: schema 5, written by an older medsec"),
        "{stdout}"
    );
    let copy = env.path_str("old-copy.medsec");
    let out = env.cmd().args(["-w", &old_str, "backup", &copy]).output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout)?.contains("(0 entries)"));
    let conn = sqlcipher(Path::new(&copy), PASSPHRASE)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, 5);
    let name: String = conn.query_row("SELECT name FROM device", [], |r| r.get(0))?;
    assert_eq!(name, "Old pump");
    drop(conn);
    assert_eq!(
        std::fs::read(&old)?,
        before,
        "verify and backup wrote nothing"
    );
    assert!(leftovers(&env)?.is_empty());
    let out = env.cmd().args(["-w", &copy, "verify"]).output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An expected hash cannot be in a workbook without an audit trail: said, not called damage.
    let out = env
        .cmd()
        .args(["-w", &old_str, "verify", "--expect", &"ab".repeat(32)])
        .output()?;
    let stderr = String::from_utf8(out.stderr)?;
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("it has no audit trail"), "{stderr}");
    assert!(!stderr.contains("damage"), "{stderr}");

    let out = env
        .cmd()
        .args(["-w", &old_str, "device", "add", "--name", "New pump"])
        .output()?;
    let stderr = String::from_utf8(out.stderr)?;
    assert!(out.status.success(), "{stderr}");
    let said: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("the encrypted copy made before is"))
        .collect();
    assert_eq!(said.len(), 1, "{stderr}");
    let backup = said[0].rsplit(' ').next().ok_or("no path")?.to_string();
    assert!(backup.contains("old.medsec.pre-v6-") && backup.ends_with(".bak"));
    // The backup opens with the same passphrase and still holds schema 5.
    let conn = sqlcipher(Path::new(&backup), PASSPHRASE)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, 5);
    drop(conn);
    // The automatic backup is checked as it is, like any older workbook.
    let out = env.cmd().args(["-w", &backup, "verify"]).output()?;
    let stdout = String::from_utf8(out.stdout)?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("sound: schema 5"), "{stdout}");
    // Said once: the next command neither backs up nor says so.
    let out = env.cmd().args(["-w", &old_str, "verify"]).output()?;
    assert!(out.status.success());
    assert!(!String::from_utf8(out.stderr)?.contains("copy made before"));
    Ok(())
}
