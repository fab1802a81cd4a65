//! A workbook assessed against an older catalog, opened by this build: answers whose question
//! changed wait for review, retired controls' answers stay in the file but out of sight, and
//! every command keeps working.

mod common;

use common::{Env, PASSPHRASE};
use predicates::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Rewrites the workbook's catalog snapshot as an older catalog would have left it.
fn age_the_snapshot(env: &Env) -> TestResult {
    let conn = rusqlite::Connection::open(env.workbook())?;
    conn.pragma_update(None, "key", PASSPHRASE)?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    conn.execute_batch(
        "UPDATE assessment SET catalog_version = '2025.1';
         UPDATE catalog_control SET question_hash = 'older' WHERE control_id = 'ENC-03';
         INSERT INTO catalog_control (control_id, step, scope, title, question, question_hash)
             VALUES ('OLD-01', 3, 'Device', 'Old', 'Old?', 'old');
         INSERT INTO answer (target_kind, target_key, device_id, control_id, response)
             SELECT 'device', id, id, 'OLD-01', 'No' FROM device WHERE number = 1;",
    )?;
    Ok(())
}

#[test]
fn an_older_workbook_is_upgraded_once_and_the_changed_answers_wait_for_review() -> TestResult {
    let env = Env::new()?;
    env.wb()
        .args(["device", "add", "--name", "Infusion pump"])
        .assert()
        .success();
    for (control, response) in [("ENC-03", "no"), ("ENC-04", "yes")] {
        env.wb()
            .args(["answer", "DEV-0001", control, response])
            .assert()
            .success();
    }
    age_the_snapshot(&env)?;

    // Read-only commands say what to do and change nothing.
    env.wb()
        .args(["status"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("needs upgrading"));

    // The first command that writes upgrades, and says so once.
    env.wb()
        .args(["answer", "DEV-0001", "ENC-01", "yes"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("catalog upgraded from 2025.1 to 2026.1")
                .and(predicate::str::contains("  DEV-0001 ENC-03"))
                .and(predicate::str::contains("  DEV-0001 OLD-01")),
        );
    env.wb()
        .args(["answer", "DEV-0001", "ENC-02", "yes"])
        .assert()
        .success()
        .stderr(predicate::str::contains("catalog upgraded").not());

    // ENC-03 is no longer a risk until confirmed; the retired control is nowhere.
    let list = env.wb().args(["risk", "list"]).output()?;
    assert!(list.status.success());
    let text = String::from_utf8(list.stdout)?;
    assert!(!text.contains("ENC-03"), "{text}");
    assert!(!text.contains("OLD-01"), "{text}");
    let out = env.path("out.xlsx");
    env.wb()
        .args(["export", "xlsx"])
        .arg(&out)
        .assert()
        .success();
    env.wb().args(["status", "--json"]).assert().success();

    env.wb()
        .args(["answer", "DEV-0001", "ENC-03", "--confirm"])
        .assert()
        .success();
    let list = env.wb().args(["risk", "list"]).output()?;
    assert!(String::from_utf8(list.stdout)?.contains("ENC-03"));
    Ok(())
}
