//! The encrypted workbook through the library: create, reopen, answers, locks, versions.

use chrono::NaiveDate;
use medsec::assessment::{AnswerSource, Response, Target, progress};
use medsec::catalog::catalog;
use medsec::risk::RiskStatus;
use medsec::workbook::{
    Access, AnswerInput, AssessmentMeta, DeviceChange, Due, FieldSource, Passphrase, RiskEntry,
    RiskEntryInput, Workbook, WorkbookError, schema,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn pass() -> Passphrase {
    Passphrase::new("correct horse battery staple".into())
}

fn device(name: &str, extra: &[(&'static str, &str)]) -> DeviceChange {
    let mut values = vec![("name", name.to_string())];
    values.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    DeviceChange {
        values,
        ..DeviceChange::default()
    }
}

#[test]
fn create_reopen_and_keep_everything() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nested/dir/w.medsec");
    let meta = AssessmentMeta {
        organisation: "Test Hospital".into(),
        assessor: "A. Assessor".into(),
        ..AssessmentMeta::default()
    };
    let id = {
        let mut wb = Workbook::create(&path, &pass(), meta)?;
        let d = wb.add_device(
            &device(
                "東芝 Aquilion",
                &[("manufacturer", "Toshiba"), ("model", "Aquilion")],
            ),
            FieldSource::Typed,
        )?;
        assert_eq!(d.short_id(), "DEV-0001");
        let c = catalog().control("ENC-01").ok_or("ENC-01")?;
        let a = wb.set_answer(
            &Target::Device(d.id),
            c,
            &AnswerInput {
                response: Some(Some(Response::No)),
                note: Some("no disk encryption".into()),
                ..AnswerInput::default()
            },
        )?;
        assert_eq!(a.assessed_by, "A. Assessor");
        assert_eq!((a.likelihood, a.likelihood_default), (Some(3), true));
        wb.meta().workbook_id.clone()
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path)?.permissions().mode() & 0o777,
            0o600
        );
    }
    let wb = Workbook::open(&path, &pass(), Access::Read)?;
    assert_eq!(wb.meta().workbook_id, id);
    assert_eq!(wb.meta().organisation, "Test Hospital");
    let devices = wb.devices()?;
    assert_eq!(devices[0].get("name"), "東芝 Aquilion");
    let set = wb.answer_set()?;
    let p = progress(catalog(), &set, &devices[0]);
    assert_eq!(p.total.no, 1);
    // journal mode DELETE: nothing beside the workbook once it is closed
    drop(wb);
    let siblings: Vec<_> = std::fs::read_dir(path.parent().ok_or("parent")?)?.collect();
    assert_eq!(siblings.len(), 1);
    Ok(())
}

#[test]
fn wrong_passphrase_is_reported_and_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    drop(Workbook::create(&path, &pass(), AssessmentMeta::default())?);
    let before = std::fs::read(&path)?;
    // A wrong one, and an empty one (Enter at the prompt), which SQLCipher calls a misuse.
    for wrong in ["not the passphrase", ""] {
        let wrong = Passphrase::new(wrong.into());
        for access in [Access::Read, Access::Write] {
            match Workbook::open(&path, &wrong, access) {
                Err(WorkbookError::WrongPassphrase(_)) => {}
                Err(e) => return Err(format!("unexpected error {e}").into()),
                Ok(_) => return Err("opened with the wrong passphrase".into()),
            }
        }
    }
    assert_eq!(before, std::fs::read(&path)?);
    Ok(())
}

#[test]
fn one_writer_many_readers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    drop(Workbook::create(&path, &pass(), AssessmentMeta::default())?);
    let r1 = Workbook::open(&path, &pass(), Access::Read)?;
    let r2 = Workbook::open(&path, &pass(), Access::Read)?;
    assert!(matches!(
        Workbook::open(&path, &pass(), Access::Write),
        Err(WorkbookError::InUse { .. })
    ));
    drop((r1, r2));
    let w = Workbook::open(&path, &pass(), Access::Write)?;
    assert!(matches!(
        Workbook::open(&path, &pass(), Access::Read),
        Err(WorkbookError::InUse { .. })
    ));
    drop(w);
    Ok(())
}

#[test]
fn a_newer_schema_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    drop(Workbook::create(&path, &pass(), AssessmentMeta::default())?);
    {
        let conn = rusqlite::Connection::open(&path)?;
        conn.pragma_update(None, "key", "correct horse battery staple")?;
        conn.pragma_update(None, "user_version", 99)?;
    }
    match Workbook::open(&path, &pass(), Access::Write) {
        Err(WorkbookError::NewerVersion { found: 99, .. }) => Ok(()),
        Err(e) => Err(format!("unexpected error {e}").into()),
        Ok(_) => Err("opened a newer workbook".into()),
    }
}

#[test]
fn model_and_site_answers_cover_every_unit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    let mut wb = Workbook::create(&path, &pass(), AssessmentMeta::default())?;
    let mk = [("manufacturer", "Dräger"), ("model", "Evita V500")];
    let a = wb.add_device(&device("Vent 1", &mk), FieldSource::Typed)?;
    let b = wb.add_device(&device("Vent 2", &mk), FieldSource::Typed)?;
    let sbom = catalog().control("INV-03").ok_or("INV-03")?;
    let model = Target::Model {
        manufacturer: "Dräger".into(),
        model: "Evita V500".into(),
    };
    wb.set_answer(
        &model,
        sbom,
        &AnswerInput {
            response: Some(Some(Response::Yes)),
            ..AnswerInput::default()
        },
    )?;
    let plan = catalog().control("IR-01").ok_or("IR-01")?;
    wb.set_answer(
        &Target::Site(String::new()),
        plan,
        &AnswerInput {
            response: Some(Some(Response::No)),
            ..AnswerInput::default()
        },
    )?;
    let set = wb.answer_set()?;
    for d in [&a, &b] {
        let p = progress(catalog(), &set, d);
        assert_eq!((p.total.yes, p.total.no), (1, 1), "{}", d.short_id());
    }
    // Short IDs are never reused after a delete.
    wb.delete_device(b.id)?;
    let c = wb.add_device(&device("Vent 3", &mk), FieldSource::Typed)?;
    assert_eq!(c.short_id(), "DEV-0003");
    Ok(())
}

#[test]
fn notes_are_cleaned_and_limited() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    let mut wb = Workbook::create(&path, &pass(), AssessmentMeta::default())?;
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let c = catalog().control("ACC-06").ok_or("ACC-06")?;
    let a = wb.set_answer(
        &Target::Device(d.id),
        c,
        &AnswerInput {
            note: Some("pasted\u{b} from Word".into()),
            ..AnswerInput::default()
        },
    )?;
    assert_eq!(a.note, "pasted from Word");
    let too_long = "x".repeat(32_768);
    assert!(matches!(
        wb.set_answer(
            &Target::Device(d.id),
            c,
            &AnswerInput {
                note: Some(too_long),
                ..AnswerInput::default()
            },
        ),
        Err(WorkbookError::Invalid(_))
    ));
    Ok(())
}

/// A workbook as medsec wrote it with schema version 1: only `MIGRATIONS[0]`, one device and one
/// answer, made with SQL alone.
fn version_1_workbook(path: &std::path::Path) -> TestResult {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "key", "correct horse battery staple")?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    conn.execute_batch(schema::MIGRATIONS[0])?;
    conn.pragma_update(None, "user_version", 1)?;
    conn.execute_batch(
        "INSERT INTO assessment (id, workbook_id, assessor, catalog_version, created_at,
             next_device_no)
         VALUES (1, 'wb-v1', 'A. Assessor', '1', '2025-06-01T08:00:00Z', 2);
         INSERT INTO catalog_control (control_id, step, scope, title, question, question_hash)
         VALUES ('ENC-01', 4, 'Device', 'Encryption at rest', 'Is data encrypted?', 'h');
         INSERT INTO device (id, uuid, number, created_at, updated_at, name)
         VALUES (1, 'uuid-1', 1, '2025-06-01T08:00:00Z', '2025-06-01T08:00:00Z', 'Old pump');
         INSERT INTO answer (target_kind, target_key, device_id, control_id, response, note,
             likelihood, impact, assessed_by, assessed_at, assessed_on)
         VALUES ('device', '1', 1, 'ENC-01', 'No', 'written by version 1', 4, 5, 'A. Assessor',
             '2025-06-01T09:00:00Z', '2025-06-01');",
    )?;
    Ok(())
}

#[test]
fn a_version_1_workbook_is_upgraded_with_its_answers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("v1.medsec");
    version_1_workbook(&path)?;
    // A read-only command does not upgrade.
    assert!(matches!(
        Workbook::open(&path, &pass(), Access::Read),
        Err(WorkbookError::Invalid(m)) if m.contains("needs upgrading")
    ));
    {
        let mut wb = Workbook::open(&path, &pass(), Access::Write)?;
        assert_eq!(wb.meta().workbook_id, "wb-v1");
        let d = wb.find_device("DEV-0001")?;
        let t = Target::Device(d.id);
        let a = wb.answer(&t, "ENC-01")?.ok_or("the answer was lost")?;
        assert_eq!(a.response, Some(Response::No));
        assert_eq!(a.note, "written by version 1");
        assert_eq!((a.likelihood, a.impact), (Some(4), Some(5)));
        assert_eq!(a.assessed_by, "A. Assessor");
        // Nothing to undo from before the upgrade; the new tables work.
        assert_eq!(wb.next_undo()?, None);
        // The old finding got its register entry (and so a Risk ID), identified on its date.
        let entries = wb.risk_entries()?;
        assert_eq!(entries.len(), 1);
        let old = wb
            .risk_entry(&t, "ENC-01")?
            .ok_or("no entry for the old finding")?;
        assert_eq!(old.identified_on, NaiveDate::from_ymd_opt(2025, 6, 1));
        assert!(old.due_default && old.risk_id().is_some());
        wb.set_risk_entry(
            &t,
            "ENC-01",
            &RiskEntryInput {
                owner: Some("Biomed".into()),
                ..RiskEntryInput::default()
            },
        )?;
        assert_eq!(
            wb.undo()?.map(|s| s.label).as_deref(),
            Some("risk DEV-0001 ENC-01 owner")
        );
        assert_eq!(wb.risk_entry(&t, "ENC-01")?, Some(old));
    }
    let conn = rusqlite::Connection::open(&path)?;
    conn.pragma_update(None, "key", "correct horse battery staple")?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, schema::SCHEMA_VERSION);
    assert_eq!(version, 6);
    Ok(())
}

#[test]
fn risk_entries_are_set_kept_and_undone() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    let mut wb = Workbook::create(&path, &pass(), AssessmentMeta::default())?;
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let t = Target::Device(d.id);
    let site = Target::Site("North".into());
    assert_eq!(wb.risk_entry(&t, "ENC-01")?, None);
    let due = NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date")?;
    let first = wb.set_risk_entry(
        &t,
        "ENC-01",
        &RiskEntryInput {
            owner: Some("  Clinical\nEngineering\u{b} ".into()),
            due: Some(Due::On(due)),
            ..RiskEntryInput::default()
        },
    )?;
    assert_eq!(
        first,
        RiskEntry {
            id: first.id,
            owner: "Clinical Engineering".into(),
            due_date: Some(due),
            due_default: false,
            status: RiskStatus::Open,
            ..RiskEntry::default()
        }
    );
    assert_eq!(
        wb.next_undo()?.map(|s| s.label).as_deref(),
        Some("risk DEV-0001 ENC-01 owner, due date")
    );
    // None keeps what is stored.
    let second = wb.set_risk_entry(
        &t,
        "ENC-01",
        &RiskEntryInput {
            status: Some(RiskStatus::InProgress),
            ..RiskEntryInput::default()
        },
    )?;
    assert_eq!(second.owner, "Clinical Engineering");
    assert_eq!(second.due_date, Some(due));
    assert_eq!(second.status, RiskStatus::InProgress);
    wb.set_risk_entry(
        &site,
        "IR-01",
        &RiskEntryInput {
            status: Some(RiskStatus::Closed),
            due: Some(Due::None),
            ..RiskEntryInput::default()
        },
    )?;
    let all = wb.risk_entries()?;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], (t.clone(), "ENC-01".to_string(), second.clone()));
    assert_eq!(all[1].0, site);
    assert_eq!(all[1].2.status, RiskStatus::Closed);

    // Invalid input changes nothing.
    let too_early = NaiveDate::from_ymd_opt(1899, 12, 31).ok_or("date")?;
    for (control, input) in [
        (
            "ENC-01",
            RiskEntryInput {
                due: Some(Due::On(too_early)),
                ..RiskEntryInput::default()
            },
        ),
        (
            "NOPE-99",
            RiskEntryInput {
                owner: Some("x".into()),
                ..RiskEntryInput::default()
            },
        ),
        (
            "ENC-01",
            RiskEntryInput {
                owner: Some("x".repeat(32_768)),
                ..RiskEntryInput::default()
            },
        ),
    ] {
        assert!(matches!(
            wb.set_risk_entry(&t, control, &input),
            Err(WorkbookError::Invalid(_))
        ));
    }
    assert_eq!(wb.risk_entry(&t, "ENC-01")?, Some(second));

    // Undo walks back through the entries, then they survive a reopen.
    assert_eq!(
        wb.undo()?.map(|s| s.label).as_deref(),
        Some("risk site North IR-01 due date, status")
    );
    assert_eq!(wb.risk_entry(&site, "IR-01")?, None);
    wb.undo()?;
    assert_eq!(wb.risk_entry(&t, "ENC-01")?, Some(first.clone()));
    drop(wb);
    let wb = Workbook::open(&path, &pass(), Access::Read)?;
    assert_eq!(wb.risk_entry(&t, "ENC-01")?, Some(first));
    Ok(())
}

#[test]
fn a_bulk_preview_lists_exactly_what_would_be_overwritten() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    let mut wb = Workbook::create(&path, &pass(), AssessmentMeta::default())?;
    let mk = [("manufacturer", "Baxter"), ("model", "Sigma Spectrum")];
    let mut targets = Vec::new();
    for i in 1..=6 {
        let d = wb.add_device(&device(&format!("Pump {i}"), &mk), FieldSource::Typed)?;
        targets.push(Target::Device(d.id));
    }
    let c = catalog().control("ENC-01").ok_or("ENC-01")?;
    let set = |response: Option<Response>, note: &str, likelihood: Option<u8>| AnswerInput {
        response: response.map(Some),
        note: (!note.is_empty()).then(|| note.to_string()),
        likelihood,
        ..AnswerInput::default()
    };
    // 1: same response, no note: kept as it is.
    wb.set_answer(&targets[0], c, &set(Some(Response::Yes), "", None))?;
    // 2: a different response: overwritten.
    let no = wb.set_answer(&targets[1], c, &set(Some(Response::No), "", None))?;
    // 3: nothing stored.
    // 4: same response, a different note: overwritten.
    let noted = wb.set_answer(&targets[3], c, &set(Some(Response::Yes), "old note", None))?;
    // 5: same response and the same note.
    wb.set_answer(
        &targets[4],
        c,
        &set(Some(Response::Yes), "fleet policy", None),
    )?;
    // 6: a different response with a likelihood the assessor gave: overwritten.
    let rated = wb.set_answer(&targets[5], c, &set(Some(Response::Partial), "", Some(4)))?;

    let input = set(Some(Response::Yes), "fleet policy", None);
    let preview = wb.preview_bulk(&targets, c, &input)?;
    assert_eq!(preview.targets, 6);
    assert_eq!(
        preview.overwritten,
        vec![
            (targets[1].clone(), no),
            (targets[3].clone(), noted),
            (targets[5].clone(), rated.clone()),
        ]
    );
    // A rating only overwrites one the assessor gave, not a default.
    let rating = AnswerInput {
        likelihood: Some(2),
        ..AnswerInput::default()
    };
    let preview = wb.preview_bulk(&targets, c, &rating)?;
    assert_eq!(preview.overwritten, vec![(targets[5].clone(), rated)]);
    // The preview changed nothing.
    assert_eq!(
        wb.next_undo()?.map(|s| s.label).as_deref(),
        Some("answer DEV-0006 ENC-01 Partial")
    );

    let answers = wb.set_answers_bulk(&targets, c, &input, "bulk ENC-01 Yes on 6 devices")?;
    assert_eq!(answers.len(), 6);
    for (t, a) in targets.iter().zip(&answers) {
        assert_eq!(a.response, Some(Response::Yes));
        assert_eq!(a.note, "fleet policy");
        assert_eq!(a.source, Some(AnswerSource::Bulk));
        // Default ratings go with the finding; one the assessor gave stays.
        let kept = if *t == targets[5] { Some(4) } else { None };
        assert_eq!((a.likelihood, a.impact), (kept, None), "{t:?}");
        assert_eq!(wb.answer(t, "ENC-01")?.as_ref(), Some(a));
    }
    assert!(wb.preview_bulk(&targets, c, &input)?.overwritten.is_empty());
    Ok(())
}

#[test]
fn many_answers_are_one_step_and_all_or_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let meta = AssessmentMeta {
        assessor: "A. Assessor".into(),
        ..AssessmentMeta::default()
    };
    let mut wb = Workbook::create(&dir.path().join("b.medsec"), &pass(), meta)?;
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let t = Target::Device(d.id);
    let cat = catalog();
    let enc01 = cat.control("ENC-01").ok_or("ENC-01")?;
    let enc02 = cat.control("ENC-02").ok_or("ENC-02")?;
    let answer = |r| AnswerInput {
        response: Some(Some(r)),
        ..AnswerInput::default()
    };
    // N/A without a note on the second one: nothing is stored, the message names it.
    let bad = [
        (t.clone(), enc01, answer(Response::No)),
        (t.clone(), enc02, answer(Response::NotApplicable)),
    ];
    let err = wb.set_answers(&bad, "batch");
    assert!(matches!(&err, Err(WorkbookError::Invalid(m)) if m.contains("DEV-0001 ENC-02")));
    assert_eq!(wb.answer(&t, "ENC-01")?, None);
    assert!(wb.risk_entries()?.is_empty());
    let good = [
        (t.clone(), enc01, answer(Response::No)),
        (t.clone(), enc02, answer(Response::Yes)),
    ];
    let stored = wb.set_answers(&good, "batch of 2")?;
    assert_eq!(stored.len(), 2);
    // The finding got its register entry, identified today; one undo step undoes both.
    let entry = wb.risk_entry(&t, "ENC-01")?.ok_or("entry")?;
    assert_eq!(entry.identified_on, Some(chrono::Local::now().date_naive()));
    assert_eq!(wb.undo()?.map(|s| s.label).as_deref(), Some("batch of 2"));
    assert_eq!(wb.answer(&t, "ENC-01")?, None);
    assert_eq!(wb.risk_entry(&t, "ENC-01")?, None);
    Ok(())
}

#[test]
fn a_closed_finding_that_comes_back_is_open_again() -> TestResult {
    let dir = tempfile::tempdir()?;
    let meta = AssessmentMeta {
        assessor: "A. Assessor".into(),
        ..AssessmentMeta::default()
    };
    let mut wb = Workbook::create(&dir.path().join("c.medsec"), &pass(), meta)?;
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let t = Target::Device(d.id);
    let c = catalog().control("ENC-01").ok_or("ENC-01")?;
    let answer = |r| AnswerInput {
        response: Some(Some(r)),
        ..AnswerInput::default()
    };
    wb.set_answer(&t, c, &answer(Response::No))?;
    let first = wb.risk_entry(&t, "ENC-01")?.ok_or("entry")?;
    wb.set_risk_entry(
        &t,
        "ENC-01",
        &RiskEntryInput {
            owner: Some("Biomed".into()),
            status: Some(RiskStatus::Closed),
            ..RiskEntryInput::default()
        },
    )?;
    // Fixed, then found again: same Risk ID and owner, open again.
    wb.set_answer(&t, c, &answer(Response::Yes))?;
    assert_eq!(
        wb.risk_entry(&t, "ENC-01")?.map(|e| e.status),
        Some(RiskStatus::Closed)
    );
    wb.set_answer(&t, c, &answer(Response::Partial))?;
    let again = wb.risk_entry(&t, "ENC-01")?.ok_or("entry")?;
    assert_eq!(again.id, first.id);
    assert_eq!(again.owner, "Biomed");
    assert_eq!(again.status, RiskStatus::Open);
    // No → Partial is still the same finding: the entry is not touched.
    wb.set_risk_entry(
        &t,
        "ENC-01",
        &RiskEntryInput {
            status: Some(RiskStatus::InProgress),
            ..RiskEntryInput::default()
        },
    )?;
    wb.set_answer(&t, c, &answer(Response::No))?;
    assert_eq!(
        wb.risk_entry(&t, "ENC-01")?.map(|e| e.status),
        Some(RiskStatus::InProgress)
    );
    Ok(())
}
