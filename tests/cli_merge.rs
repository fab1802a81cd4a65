//! `medsec merge`: two copies of the demo workbook edited by two assessors, merged with the real
//! binary (issue 7's own check), and the cases around it.

mod common;

use std::path::{Path, PathBuf};

use common::{Env, PASSPHRASE};
use medsec::assessment::Target;
use medsec::workbook::{Access, AttachmentFilter, AuditFilter, Passphrase, Workbook};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Opens a workbook in this test process. Tests run in parallel threads that spawn `medsec`: a
/// child forked while this process held the workbook's lock keeps a copy of the lock until it
/// execs, so a lock just released may briefly still look held (`InUse`); that is retried for
/// up to 5 s.
fn open(path: &Path, access: Access) -> Result<Workbook, Box<dyn std::error::Error>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Workbook::open(path, &Passphrase::new(PASSPHRASE.into()), access) {
            Err(medsec::workbook::WorkbookError::InUse { .. })
                if std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return Ok(other?),
        }
    }
}

/// `medsec -w WB ARGS...` as `who` (MEDSEC_ASSESSOR), which must succeed.
fn run_as(env: &Env, who: &str, wb: &Path, args: &[&str]) {
    env.cmd()
        .env("MEDSEC_ASSESSOR", who)
        .arg("-w")
        .arg(wb)
        .args(args)
        .assert()
        .success();
}

/// `medsec -w OURS merge THEIRS --other-passphrase-file pass ARGS...`.
fn merge(env: &Env, ours: &Path, theirs: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    env.cmd()
        .env("MEDSEC_ASSESSOR", "Alice")
        .arg("-w")
        .arg(ours)
        .arg("merge")
        .arg(theirs)
        .arg("--other-passphrase-file")
        .arg(env.path("pass"))
        .args(args)
        .assert()
}

/// The riskiest open risk's ID in `wb` (the first line of `risk list`).
fn first_risk(env: &Env, wb: &Path, skip: usize) -> Result<String, Box<dyn std::error::Error>> {
    let out = env
        .cmd()
        .arg("-w")
        .arg(wb)
        .args(["risk", "list"])
        .output()?;
    let text = String::from_utf8(out.stdout)?;
    text.lines()
        .nth(1 + skip)
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_string)
        .ok_or_else(|| "no risk listed".into())
}

/// Two copies of the demo workbook: Alice edits `a.medsec`, Bob edits `b.medsec`. Returns the
/// paths and the two risks whose owners were set (Alice's, Bob's).
fn edited_pair(
    env: &Env,
) -> Result<(PathBuf, PathBuf, String, String), Box<dyn std::error::Error>> {
    let a = env.path("a.medsec");
    let b = env.path("b.medsec");
    env.cmd()
        .args(["demo"])
        .arg(&a)
        .arg("--no-open")
        .assert()
        .success();
    std::fs::copy(&a, &b)?;
    let risk_a = first_risk(env, &a, 0)?;
    let risk_b = first_risk(env, &a, 1)?;
    // The conflict: the same answer on both sides.
    run_as(
        env,
        "Alice",
        &a,
        &["answer", "DEV-0001", "ENC-01", "no", "--note", "Alice: no"],
    );
    run_as(
        env,
        "Bob",
        &b,
        &["answer", "DEV-0001", "ENC-01", "yes", "--note", "Bob: yes"],
    );
    // Clean changes on each side.
    run_as(
        env,
        "Alice",
        &a,
        &["answer", "DEV-0002", "ENC-02", "partial", "--note", "A"],
    );
    run_as(
        env,
        "Alice",
        &a,
        &["device", "edit", "DEV-0003", "--room", "Room A1"],
    );
    run_as(
        env,
        "Alice",
        &a,
        &["risk", "set", &risk_a, "--owner", "Owner of Alice"],
    );
    std::fs::write(env.path("alice.txt"), b"Alice's photo")?;
    let alice_file = env.path("alice.txt");
    let alice_file = alice_file.to_str().ok_or("path")?;
    run_as(
        env,
        "Alice",
        &a,
        &["evidence", "add", "DEV-0001", "ENC-01", alice_file],
    );
    run_as(
        env,
        "Bob",
        &b,
        &["answer", "DEV-0005", "ENC-02", "na", "--note", "no network"],
    );
    run_as(
        env,
        "Bob",
        &b,
        &["device", "edit", "DEV-0004", "--room", "Room B2"],
    );
    // Different fields of one device on each side: both taken, no conflict.
    run_as(
        env,
        "Alice",
        &a,
        &["device", "edit", "DEV-0007", "--room", "Room A7"],
    );
    run_as(
        env,
        "Bob",
        &b,
        &["device", "edit", "DEV-0007", "--hostname", "bob-host"],
    );
    run_as(
        env,
        "Bob",
        &b,
        &["risk", "set", &risk_b, "--owner", "Owner of Bob"],
    );
    run_as(
        env,
        "Bob",
        &b,
        &[
            "device",
            "add",
            "--name",
            "Bob's pump",
            "--serial-number",
            "SN-BOB-1",
        ],
    );
    std::fs::write(env.path("bob.txt"), b"Bob's photo, other bytes")?;
    let bob_file = env.path("bob.txt");
    let bob_file = bob_file.to_str().ok_or("path")?;
    run_as(
        env,
        "Bob",
        &b,
        &["evidence", "add", "DEV-0002", "ENC-03", bob_file],
    );
    Ok((a, b, risk_a, risk_b))
}

/// Foreign keys hold in the workbook (read with SQLCipher directly).
fn foreign_key_problems(path: &Path) -> Result<i64, Box<dyn std::error::Error>> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "key", PASSPHRASE)?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    let n: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    Ok(n)
}

fn device_target(wb: &Workbook, short: &str) -> Result<Target, Box<dyn std::error::Error>> {
    Ok(Target::Device(wb.find_device(short)?.id))
}

#[test]
fn two_edited_copies_merge_with_both_assessors_work_and_the_conflict_as_chosen() -> TestResult {
    for prefer in ["theirs", "ours"] {
        let env = Env::new()?;
        let (a, b, risk_a, risk_b) = edited_pair(&env)?;
        let theirs_head = open(&b, Access::Read)?.audit_head()?;
        let ours_head = open(&a, Access::Read)?.audit_head()?;
        let out = merge(&env, &a, &b, &["--prefer", prefer]).success();
        let stdout = String::from_utf8(out.get_output().stdout.clone())?;
        // One answer changed on both sides: its response and its note.
        assert!(stdout.contains("conflicts: 2 (resolved"), "{stdout}");
        assert!(stdout.contains("add device DEV-0025"), "{stdout}");
        assert!(stdout.contains("merged "), "{stdout}");

        let wb = open(&a, Access::Read)?;
        let dev1 = device_target(&wb, "DEV-0001")?;
        let conflict = wb.answer(&dev1, "ENC-01")?.ok_or("no ENC-01 answer")?;
        let (response, note, by) = if prefer == "theirs" {
            ("Yes", "Bob: yes", "Bob")
        } else {
            ("No", "Alice: no", "Alice")
        };
        assert_eq!(conflict.response.map(|r| r.label()), Some(response));
        assert_eq!(conflict.note, note);
        assert_eq!(conflict.assessed_by, by);
        // Both assessors' clean changes, each answer with its own assessor.
        let alice = wb
            .answer(&device_target(&wb, "DEV-0002")?, "ENC-02")?
            .ok_or("no Alice answer")?;
        assert_eq!(alice.assessed_by, "Alice");
        let bob = wb
            .answer(&device_target(&wb, "DEV-0005")?, "ENC-02")?
            .ok_or("no Bob answer")?;
        assert_eq!(
            (bob.assessed_by.as_str(), bob.note.as_str()),
            ("Bob", "no network")
        );
        assert_eq!(wb.find_device("DEV-0003")?.get("room"), "Room A1");
        assert_eq!(wb.find_device("DEV-0004")?.get("room"), "Room B2");
        let dev7 = wb.find_device("DEV-0007")?;
        assert_eq!(
            (dev7.get("room"), dev7.get("hostname")),
            ("Room A7", "bob-host")
        );
        assert_eq!(
            wb.typed_fields(dev7.id)?
                .iter()
                .filter(|f| *f == "room" || *f == "hostname")
                .count(),
            2,
            "both fields' sources are kept"
        );
        assert_eq!(wb.find_device("DEV-0025")?.get("name"), "Bob's pump");
        let owners: Vec<(String, String)> = wb
            .risk_entries()?
            .into_iter()
            .filter_map(|(_, _, r)| r.risk_id().map(|id| (id, r.owner)))
            .collect();
        for (id, owner) in [(&risk_a, "Owner of Alice"), (&risk_b, "Owner of Bob")] {
            assert!(
                owners.iter().any(|(i, o)| i == id && o == owner),
                "{id} should be owned by {owner}"
            );
        }
        let files: Vec<String> = wb
            .attachments(AttachmentFilter::All)?
            .into_iter()
            .map(|x| x.file_name)
            .collect();
        assert!(files.contains(&"alice.txt".to_string()), "{files:?}");
        assert!(files.contains(&"bob.txt".to_string()), "{files:?}");
        // Bob's evidence came with its bytes.
        let bob_file = wb
            .attachments(AttachmentFilter::All)?
            .into_iter()
            .find(|x| x.file_name == "bob.txt")
            .ok_or("no bob.txt")?;
        let (_, bytes) = wb.attachment_bytes(bob_file.id)?;
        assert_eq!(bytes, b"Bob's photo, other bytes");

        // The audit trail: whole, with both assessors' entries and one merge entry naming both
        // heads.
        let check = wb.verify_audit()?;
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        assert_eq!(foreign_key_problems(&a)?, 0);
        let entries = wb.audit_entries(&AuditFilter::default())?;
        assert!(
            entries
                .iter()
                .any(|e| e.actor == "Alice" && e.action == "change")
        );
        assert!(
            entries
                .iter()
                .any(|e| e.actor == "Bob" && e.action == "change")
        );
        let merges: Vec<_> = entries.iter().filter(|e| e.action == "merge").collect();
        assert_eq!(merges.len(), 1);
        assert!(
            merges[0].summary.contains(&ours_head.hash),
            "{}",
            merges[0].summary
        );
        assert!(
            merges[0].summary.contains(&theirs_head.hash),
            "{}",
            merges[0].summary
        );
        assert!(
            merges[0]
                .changes
                .iter()
                .any(|c| c.field == "room" && c.new == "Room B2")
        );
        // Bob's entries keep their IDs, times and origin.
        let bob_entries = open(&b, Access::Read)?.audit_entries(&AuditFilter::default())?;
        for e in bob_entries.iter().filter(|e| e.actor == "Bob") {
            let mine = entries
                .iter()
                .find(|m| m.entry_id == e.entry_id)
                .ok_or("Bob's entry is missing")?;
            assert_eq!(
                (&mine.at, &mine.summary, &mine.origin),
                (&e.at, &e.summary, &e.origin)
            );
        }
    }
    Ok(())
}

#[test]
fn without_a_choice_and_a_terminal_nothing_changes_and_the_exit_code_is_8() -> TestResult {
    let env = Env::new()?;
    let (a, b, _, _) = edited_pair(&env)?;
    let before = std::fs::read(&a)?;
    let out = merge(&env, &a, &b, &[]).code(8);
    let stderr = String::from_utf8(out.get_output().stderr.clone())?;
    assert!(
        stderr.contains("conflict: DEV-0001 ENC-01 response: ours No"),
        "{stderr}"
    );
    assert!(stderr.contains("--prefer"), "{stderr}");
    assert_eq!(std::fs::read(&a)?, before);
    Ok(())
}

#[test]
fn a_dry_run_changes_nothing() -> TestResult {
    let env = Env::new()?;
    let (a, b, _, _) = edited_pair(&env)?;
    let before = std::fs::read(&a)?;
    let out = merge(&env, &a, &b, &["--dry-run"]).code(8);
    let stdout = String::from_utf8(out.get_output().stdout.clone())?;
    assert!(stdout.contains("would merge"), "{stdout}");
    assert!(stdout.contains("take DEV-0004 room"), "{stdout}");
    assert!(
        stdout.contains("conflict DEV-0001 ENC-01 response"),
        "{stdout}"
    );
    let out = merge(&env, &a, &b, &["--dry-run", "--prefer", "theirs"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone())?;
    assert!(stdout.contains("-> theirs"), "{stdout}");
    assert!(stdout.contains("dry run: nothing was changed"), "{stdout}");
    assert_eq!(std::fs::read(&a)?, before);
    Ok(())
}

#[test]
fn merging_the_same_copy_twice_changes_nothing_the_second_time() -> TestResult {
    let env = Env::new()?;
    let (a, b, _, _) = edited_pair(&env)?;
    merge(&env, &a, &b, &["--prefer", "ours"]).success();
    let before = std::fs::read(&a)?;
    let head = open(&a, Access::Read)?.audit_head()?;
    let out = merge(&env, &a, &b, &[]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone())?;
    assert!(stdout.contains("nothing to merge"), "{stdout}");
    assert!(stdout.contains("conflicts: 0"), "{stdout}");
    assert_eq!(open(&a, Access::Read)?.audit_head()?, head);
    assert_eq!(std::fs::read(&a)?, before);
    Ok(())
}

#[test]
fn unrelated_workbooks_have_no_base_and_report_conflicts() -> TestResult {
    let env = Env::new()?;
    let a = env.path("a.medsec");
    let c = env.path("c.medsec");
    for p in [&a, &c] {
        env.cmd()
            .arg("demo")
            .arg(p)
            .arg("--no-open")
            .assert()
            .success();
    }
    run_as(
        &env,
        "Carol",
        &c,
        &["device", "edit", "DEV-0003", "--room", "Room C"],
    );
    let before = std::fs::read(&a)?;
    let out = merge(&env, &a, &c, &["--dry-run"]).code(8);
    let stdout = String::from_utf8(out.get_output().stdout.clone())?;
    assert!(stdout.contains("different workbook IDs"), "{stdout}");
    assert!(stdout.contains("conflict DEV-0003 room"), "{stdout}");
    assert!(stdout.contains("--accept-foreign"), "{stdout}");
    // Without --accept-foreign: a usage error naming the flag, nothing changed.
    for args in [&[][..], &["--prefer", "theirs"][..]] {
        let out = merge(&env, &a, &c, args).code(2);
        let stderr = String::from_utf8(out.get_output().stderr.clone())?;
        assert!(stderr.contains("another workbook ID"), "{stderr}");
        assert!(stderr.contains("--accept-foreign"), "{stderr}");
        assert!(stderr.contains("nothing was changed"), "{stderr}");
    }
    assert_eq!(std::fs::read(&a)?, before);
    merge(&env, &a, &c, &["--accept-foreign"]).code(8);
    assert_eq!(std::fs::read(&a)?, before);
    merge(&env, &a, &c, &["--accept-foreign", "--prefer", "theirs"]).success();
    let wb = open(&a, Access::Read)?;
    let dev = wb
        .devices()?
        .into_iter()
        .find(|d| d.short_id() == "DEV-0003")
        .ok_or("no DEV-0003")?;
    assert_eq!(dev.get("room"), "Room C");
    Ok(())
}

#[test]
fn a_wrong_other_passphrase_is_exit_3_naming_that_file() -> TestResult {
    let env = Env::new()?;
    let (a, b, _, _) = edited_pair(&env)?;
    std::fs::write(env.path("wrong"), "not the passphrase\n")?;
    let before = std::fs::read(&a)?;
    let out = env
        .cmd()
        .arg("-w")
        .arg(&a)
        .arg("merge")
        .arg(&b)
        .arg("--prefer")
        .arg("theirs")
        .env("MEDSEC_OTHER_PASSPHRASE_FILE", env.path("wrong"))
        .assert()
        .code(3);
    let stderr = String::from_utf8(out.get_output().stderr.clone())?;
    assert!(stderr.contains("b.medsec"), "{stderr}");
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    assert_eq!(std::fs::read(&a)?, before);
    Ok(())
}

#[test]
fn undo_of_a_merge_restores_ours() -> TestResult {
    let env = Env::new()?;
    let (a, b, _, _) = edited_pair(&env)?;
    let snapshot = |wb: &Workbook| -> Result<String, Box<dyn std::error::Error>> {
        let devices: Vec<String> = wb
            .devices()?
            .into_iter()
            .map(|d| format!("{} {} {}", d.short_id(), d.get("name"), d.get("room")))
            .collect();
        let answers: Vec<String> = wb
            .answer_rows()?
            .into_iter()
            .map(|r| format!("{r:?}"))
            .collect();
        let files: Vec<String> = wb
            .attachments(AttachmentFilter::All)?
            .into_iter()
            .map(|x| x.file_name)
            .collect();
        Ok(format!("{devices:?}\n{answers:?}\n{files:?}"))
    };
    let before = snapshot(&open(&a, Access::Read)?)?;
    merge(&env, &a, &b, &["--prefer", "theirs"]).success();
    let mut wb = open(&a, Access::Write)?;
    assert_ne!(snapshot(&wb)?, before);
    let step = wb.undo()?.ok_or("nothing to undo")?;
    assert!(step.label.starts_with("merge b.medsec ("), "{}", step.label);
    assert_eq!(snapshot(&wb)?, before);
    assert!(wb.verify_audit()?.problems.is_empty());
    Ok(())
}

/// The report's count lines (`taken from theirs: 3 field(s)`, ...), without the audit entries.
fn counts(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(": ") && !l.starts_with("audit entries"))
        .filter(|l| !l.starts_with("would merge") && !l.starts_with("base:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn merging_again_after_undoing_a_merge_plans_what_the_first_merge_did() -> TestResult {
    let env = Env::new()?;
    let (a, b, _, _) = edited_pair(&env)?;
    let first = merge(&env, &a, &b, &["--dry-run", "--prefer", "theirs"]).success();
    let first = String::from_utf8(first.get_output().stdout.clone())?;
    merge(&env, &a, &b, &["--prefer", "theirs"]).success();
    let mut wb = open(&a, Access::Write)?;
    wb.set_actor("Alice");
    wb.undo()?.ok_or("nothing to undo")?;
    drop(wb);
    // The undo is not Alice's change: the same fields are taken, rows added, conflicts found.
    let again = merge(&env, &a, &b, &["--dry-run", "--prefer", "theirs"]).success();
    let again = String::from_utf8(again.get_output().stdout.clone())?;
    assert!(again.contains("audit entries from theirs: 0"), "{again}");
    // The same fields and conflicts; the device and the evidence the undo removed (marked
    // deleted / removed) come back by taking theirs' empty deleted_at / removed_at.
    let (c1, c2) = (counts(&first), counts(&again));
    assert!(first.contains("taken from theirs: 3 field(s)"), "{first}");
    assert!(again.contains("taken from theirs: 5 field(s)"), "{again}");
    for line in ["kept ours", "rows removed", "feeds taken", "conflicts"] {
        let of = |c: &[String]| c.iter().find(|l| l.starts_with(line)).cloned();
        assert_eq!(of(&c1), of(&c2), "{first}\n---\n{again}");
    }
    assert!(again.contains("take DEV-0025 deleted_at"), "{again}");
    assert!(again.contains("bob.txt removed_at"), "{again}");
    merge(&env, &a, &b, &["--prefer", "theirs"]).success();
    let wb = open(&a, Access::Read)?;
    assert!(wb.devices()?.iter().any(|d| d.get("name") == "Bob's pump"));
    assert!(
        wb.attachments(AttachmentFilter::All)?
            .iter()
            .any(|x| x.file_name == "bob.txt")
    );
    assert!(wb.verify_audit()?.problems.is_empty());
    drop(wb);
    // Undo, redo: the merge stands, and merging again changes nothing.
    let mut wb = open(&a, Access::Write)?;
    wb.undo()?.ok_or("nothing to undo")?;
    wb.redo()?.ok_or("nothing to redo")?;
    drop(wb);
    let out = merge(&env, &a, &b, &["--dry-run"]).success();
    let out = String::from_utf8(out.get_output().stdout.clone())?;
    assert!(out.contains("taken from theirs: 0"), "{out}");
    assert!(out.contains("conflicts: 0"), "{out}");
    Ok(())
}

#[test]
fn feeds_and_finding_decisions_come_across_and_json_follows_its_schema() -> TestResult {
    let env = Env::new()?;
    let a = env.path("a.medsec");
    let b = env.path("b.medsec");
    env.cmd()
        .arg("demo")
        .arg(&a)
        .arg("--no-open")
        .assert()
        .success();
    std::fs::copy(&a, &b)?;
    let csaf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/csaf");
    let csaf = csaf.to_str().ok_or("path")?;
    run_as(&env, "Bob", &b, &["import", "feed", csaf]);
    run_as(
        &env,
        "Bob",
        &b,
        &["finding", "confirm", "F-0001", "--note", "seen on site"],
    );
    run_as(
        &env,
        "Bob",
        &b,
        &["finding", "dismiss", "F-0002", "--note", "patched"],
    );
    run_as(
        &env,
        "Bob",
        &b,
        &["risk", "set", "F-0001", "--owner", "Bob owner"],
    );
    let theirs = open(&b, Access::Read)?;
    let wanted: Vec<(String, String)> = theirs
        .vuln_findings()?
        .into_iter()
        .map(|f| (f.cve.clone(), f.state.label().to_string()))
        .collect();
    let feeds = theirs.feeds()?.len();
    drop(theirs);

    let before = std::fs::read(&a)?;
    let dry = merge(&env, &a, &b, &["--dry-run", "--json"]).success();
    let dry: serde_json::Value = serde_json::from_slice(&dry.get_output().stdout)?;
    common::validate_schema(&dry, "merge.v1.json")?;
    assert_eq!(dry["feeds"].as_array().map(Vec::len), Some(feeds));
    assert!(dry["result"].is_null());
    assert_eq!(std::fs::read(&a)?, before);

    let done = merge(&env, &a, &b, &["--json"]).success();
    let done: serde_json::Value = serde_json::from_slice(&done.get_output().stdout)?;
    common::validate_schema(&done, "merge.v1.json")?;
    assert_eq!(done["result"]["entries"], serde_json::json!(dry["entries"]));

    let wb = open(&a, Access::Read)?;
    assert_eq!(wb.feeds()?.len(), feeds);
    let got: Vec<(String, String)> = wb
        .vuln_findings()?
        .into_iter()
        .map(|f| (f.cve.clone(), f.state.label().to_string()))
        .collect();
    assert_eq!(got, wanted);
    let owned = wb
        .finding_risk_entries()?
        .into_values()
        .any(|r| r.owner == "Bob owner");
    assert!(owned, "the confirmed finding's risk keeps its owner");
    assert!(wb.verify_audit()?.problems.is_empty());
    assert_eq!(foreign_key_problems(&a)?, 0);
    Ok(())
}

/// `medsec -w OURS merge THEIRS` in an 80×24 pseudo-terminal: types `keys` (one write each,
/// after the conflict view is up) and returns the exit status and the screen's last text.
fn merge_in_terminal(
    env: &Env,
    ours: &Path,
    theirs: &Path,
    keys: &[&[u8]],
) -> Result<(portable_pty::ExitStatus, String), Box<dyn std::error::Error>> {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let limit = Duration::from_secs(
        std::env::var("MEDSEC_TEST_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let pty = native_pty_system().openpty(PtySize {
        rows: 24,
        cols: 80,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_medsec"));
    cmd.env_clear();
    cmd.env("HOME", env.dir.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("MEDSEC_PASSPHRASE_FILE", env.path("pass"));
    cmd.env("MEDSEC_OTHER_PASSPHRASE_FILE", env.path("pass"));
    cmd.arg("-w");
    cmd.arg(ours);
    cmd.arg("merge");
    cmd.arg(theirs);
    let mut child = pty.slave.spawn_command(cmd)?;
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader()?;
    let mut writer = pty.master.take_writer()?;
    let parser = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
    let feed = Arc::clone(&parser);
    std::thread::spawn(move || {
        let _master = pty.master;
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut p) = feed.lock() {
                p.process(&buf[..n]);
            }
        }
    });
    let screen = || {
        parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    };
    let start = Instant::now();
    while !screen().contains("Enter apply") {
        if start.elapsed() > limit {
            let _ = child.kill();
            return Err(format!("no conflict view; screen:\n{}", screen()).into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for k in keys {
        writer.write_all(k)?;
        writer.flush()?;
        std::thread::sleep(Duration::from_millis(200));
    }
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            std::thread::sleep(Duration::from_millis(200));
            return Ok((status, screen()));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            return Err(format!("merge did not end; screen:\n{}", screen()).into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn at_a_terminal_the_conflict_view_chooses_or_cancels() -> TestResult {
    let env = Env::new()?;
    let (a, b, _, _) = edited_pair(&env)?;
    let before = std::fs::read(&a)?;
    // Esc: nothing changed.
    let (status, text) = merge_in_terminal(&env, &a, &b, &[b"\x1b"])?;
    assert_eq!(status.exit_code(), 8, "{status:?}\n{text}");
    let flat = text.replace('\n', "");
    assert!(
        flat.contains("merge cancelled: 2 conflict(s) left unresolved; nothing was changed"),
        "{text}"
    );
    assert_eq!(std::fs::read(&a)?, before);
    // Enter before every conflict is chosen applies nothing; `T` chooses theirs for both, then
    // `j` `o` puts the second (the note) back to ours; Enter applies.
    let (status, text) = merge_in_terminal(&env, &a, &b, &[b"\r", b"T", b"j", b"o", b"\r"])?;
    assert!(status.success(), "{status:?}\n{text}");
    let flat = text.replace('\n', "");
    assert!(flat.contains("1 kept ours, 1 took theirs"), "{text}");
    // Each conflict line says the side chosen, as with --prefer.
    assert!(
        flat.contains("Bob: yes (by Bob") && flat.contains(" -> ours"),
        "{text}"
    );
    assert!(flat.contains(" -> theirs"), "{text}");
    let wb = open(&a, Access::Read)?;
    let answer = wb
        .answer(&device_target(&wb, "DEV-0001")?, "ENC-01")?
        .ok_or("no answer")?;
    // Conflict 1 (response) theirs, conflict 2 (note) ours.
    assert_eq!(answer.response.map(|r| r.label()), Some("Yes"));
    assert_eq!(answer.note, "Alice: no");
    assert!(wb.verify_audit()?.problems.is_empty());
    Ok(())
}

#[test]
fn a_device_added_on_both_sides_matches_by_serial_and_a_cleared_answer_is_removed() -> TestResult {
    let env = Env::new()?;
    let a = env.path("a.medsec");
    let b = env.path("b.medsec");
    env.cmd()
        .arg("demo")
        .arg(&a)
        .arg("--no-open")
        .assert()
        .success();
    std::fs::copy(&a, &b)?;
    let had = open(&a, Access::Read)?;
    let dev6 = device_target(&had, "DEV-0006")?;
    assert!(
        had.answer(&dev6, "ENC-01")?.is_some(),
        "the demo answers it"
    );
    drop(had);
    run_as(&env, "Bob", &b, &["answer", "DEV-0006", "ENC-01", "clear"]);
    let vent = [
        "--name",
        "Ventilator X",
        "--serial-number",
        "VX-1",
        "--manufacturer",
        "Acme",
    ];
    let mut alice = vec!["device", "add", "--room", "R1"];
    alice.extend(vent);
    run_as(&env, "Alice", &a, &alice);
    let mut bob = vec!["device", "add", "--room", "R2"];
    bob.extend(vent);
    run_as(&env, "Bob", &b, &bob);
    run_as(&env, "Bob", &b, &["answer", "DEV-0025", "ENC-01", "yes"]);

    let out = merge(&env, &a, &b, &["--dry-run", "--prefer", "theirs"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone())?;
    assert!(
        stdout.contains("match DEV-0025 (theirs DEV-0025) by serial number: Ventilator X"),
        "{stdout}"
    );
    assert!(stdout.contains("remove answer DEV-0006 ENC-01"), "{stdout}");
    assert!(stdout.contains("add answer DEV-0025 ENC-01"), "{stdout}");
    assert!(
        stdout.contains("conflict DEV-0025 room: ours R1"),
        "{stdout}"
    );

    merge(&env, &a, &b, &["--prefer", "theirs"]).success();
    let wb = open(&a, Access::Read)?;
    assert_eq!(wb.devices()?.len(), 25, "one device, not two");
    let vent = wb.find_device("DEV-0025")?;
    assert_eq!(vent.get("room"), "R2");
    let answer = wb
        .answer(&Target::Device(vent.id), "ENC-01")?
        .ok_or("Bob's answer on the matched device")?;
    assert_eq!(answer.assessed_by, "Bob");
    assert!(wb.answer(&dev6, "ENC-01")?.is_none());
    assert!(wb.verify_audit()?.problems.is_empty());
    assert_eq!(foreign_key_problems(&a)?, 0);
    Ok(())
}

#[test]
fn an_older_other_workbook_or_the_workbook_itself_is_refused() -> TestResult {
    let env = Env::new()?;
    let ours = env.workbook();
    // A schema-1 workbook, as an old medsec wrote it (it cannot be upgraded read-only).
    let old = env.path("old.medsec");
    let conn = rusqlite::Connection::open(&old)?;
    conn.pragma_update(None, "key", PASSPHRASE)?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    conn.execute_batch(medsec::workbook::schema::MIGRATIONS[0])?;
    conn.pragma_update(None, "user_version", 1)?;
    conn.execute(
        "INSERT INTO assessment (id, workbook_id, catalog_version, created_at)
         VALUES (1, 'old', '1', '2025-06-01T08:00:00Z')",
        [],
    )?;
    drop(conn);
    let old_bytes = std::fs::read(&old)?;
    let before = std::fs::read(&ours)?;
    let out = merge(&env, &ours, &old, &["--prefer", "theirs"]).code(4);
    let stderr = String::from_utf8(out.get_output().stderr.clone())?;
    assert!(stderr.contains("old.medsec needs upgrading"), "{stderr}");
    assert!(stderr.contains("cannot be upgraded read-only"), "{stderr}");
    assert_eq!(std::fs::read(&old)?, old_bytes);
    let out = merge(&env, &ours, &ours, &[]).code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone())?;
    assert!(stderr.contains("is the open workbook itself"), "{stderr}");
    assert_eq!(std::fs::read(&ours)?, before);
    Ok(())
}

#[test]
fn a_risk_entry_added_from_theirs_says_its_new_risk_id() -> TestResult {
    let env = Env::new()?;
    let a = env.path("a.medsec");
    let b = env.path("b.medsec");
    env.cmd()
        .arg("demo")
        .arg(&a)
        .arg("--no-open")
        .assert()
        .success();
    std::fs::copy(&a, &b)?;
    // Each side's new risk entry takes the same next row ID, so the same Risk ID.
    let no = ["no", "--likelihood", "3", "--impact", "3"];
    run_as(
        &env,
        "Alice",
        &a,
        &[&["answer", "DEV-0005", "ENC-03"][..], &no].concat(),
    );
    run_as(
        &env,
        "Bob",
        &b,
        &[&["answer", "DEV-0006", "ENC-03"][..], &no].concat(),
    );
    let theirs_id = first_risk_of(&env, &b, "DEV-0006")?;
    let ours_id = first_risk_of(&env, &a, "DEV-0005")?;
    assert_eq!(theirs_id, ours_id);
    let n: u32 = theirs_id.trim_start_matches("R-").parse()?;
    let new_id = format!("R-{:04}", n + 1);
    let out = merge(&env, &a, &b, &["--dry-run"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone())?;
    let line = format!("add risk entry {new_id} (was {theirs_id} in theirs): DEV-0006 ENC-03");
    assert!(stdout.contains(&line), "{stdout}");
    let out = merge(&env, &a, &b, &[]).success();
    assert!(String::from_utf8(out.get_output().stdout.clone())?.contains(&line));
    // The report told the truth: the entry has that Risk ID in ours.
    assert_eq!(first_risk_of(&env, &a, "DEV-0006")?, new_id);
    assert_eq!(first_risk_of(&env, &a, "DEV-0005")?, ours_id);
    Ok(())
}

/// The Risk ID of `device`'s ENC-03 risk in `wb` (from `risk list`).
fn first_risk_of(env: &Env, wb: &Path, device: &str) -> Result<String, Box<dyn std::error::Error>> {
    let out = env
        .cmd()
        .arg("-w")
        .arg(wb)
        .args(["risk", "list"])
        .output()?;
    let text = String::from_utf8(out.stdout)?;
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.get(1) == Some(&device) && w.get(2) == Some(&"ENC-03"))
        .and_then(|w| w.first().map(|s| s.to_string()))
        .ok_or_else(|| format!("no ENC-03 risk of {device}").into())
}

/// An nmap scan of one host known only by its IP (no MAC, no hostname), seen at `time`
/// (seconds since 1970) with these open TCP ports (number, service).
fn scan_xml(time: u64, ports: &[(u16, &str)]) -> String {
    let ports: String = ports
        .iter()
        .map(|(n, s)| {
            format!(
                "<port protocol=\"tcp\" portid=\"{n}\"><state state=\"open\"/><service name=\"{s}\"/></port>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" start=\"{time}\"><host starttime=\"{time}\" endtime=\"{time}\"><status state=\"up\"/><address addr=\"10.77.0.9\" addrtype=\"ipv4\"/><ports>{ports}</ports></host><runstats><finished time=\"{time}\"/></runstats></nmaprun>\n"
    )
}

#[test]
fn a_host_both_copies_scanned_stays_one_device_with_services_as_one_field_and_the_newer_last_seen()
-> TestResult {
    let env = Env::new()?;
    let a = env.path("a.medsec");
    let b = env.path("b.medsec");
    env.cmd()
        .arg("demo")
        .arg(&a)
        .arg("--no-open")
        .assert()
        .success();
    std::fs::copy(&a, &b)?;
    std::fs::write(
        env.path("a.xml"),
        scan_xml(1_700_000_000, &[(443, "https")]),
    )?;
    std::fs::write(
        env.path("b.xml"),
        scan_xml(1_800_000_000, &[(443, "https"), (22, "ssh")]),
    )?;
    let a_xml = env.path("a.xml");
    let b_xml = env.path("b.xml");
    run_as(
        &env,
        "Alice",
        &a,
        &["import", "nmap", a_xml.to_str().ok_or("path")?],
    );
    run_as(
        &env,
        "Bob",
        &b,
        &["import", "nmap", b_xml.to_str().ok_or("path")?],
    );
    let devices = |wb: &Path| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(open(wb, Access::Read)?.devices()?.len())
    };
    let before = devices(&a)?;

    let out = merge(&env, &a, &b, &["--dry-run"]).code(8);
    let stdout = String::from_utf8(out.get_output().stdout.clone())?;
    assert!(stdout.contains("by IP only: 10.77.0.9"), "{stdout}");
    assert!(
        stdout.contains("1 by serial number, asset tag, MAC or IP, 0 added"),
        "{stdout}"
    );
    // The services are one field; the newer scan's last_seen is taken, not a conflict.
    assert!(
        stdout.contains("network_services: ours 443/tcp https"),
        "{stdout}"
    );
    assert!(!stdout.contains("services_json"), "{stdout}");
    assert!(stdout.contains("conflicts: 1"), "{stdout}");
    assert!(stdout.contains("last_seen: 2023-11-14"), "{stdout}");
    assert!(stdout.contains("-> 2027-01-15"), "{stdout}");

    merge(&env, &a, &b, &["--prefer", "theirs"]).success();
    assert_eq!(devices(&a)?, before, "no duplicate device");
    let wb = open(&a, Access::Read)?;
    let host = wb
        .devices()?
        .into_iter()
        .find(|d| d.get("ip_addresses") == "10.77.0.9")
        .ok_or("no scanned host")?;
    assert!(host.get("network_services").contains("22/tcp ssh"));
    let ports: Vec<u16> = host.services.iter().map(|s| s.port).collect();
    assert_eq!(ports.len(), 2, "the structured services came with the text");
    assert!(host.get("last_seen").starts_with("2027-01-15"));
    Ok(())
}
