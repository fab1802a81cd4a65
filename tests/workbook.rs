//! The encrypted workbook through the library: create, reopen, answers, locks, versions.

use medsec::assessment::{Response, Target, progress};
use medsec::catalog::catalog;
use medsec::workbook::{
    Access, AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, Workbook,
    WorkbookError,
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
    let wrong = Passphrase::new("not the passphrase".into());
    for access in [Access::Read, Access::Write] {
        match Workbook::open(&path, &wrong, access) {
            Err(WorkbookError::WrongPassphrase(_)) => {}
            Err(e) => return Err(format!("unexpected error {e}").into()),
            Ok(_) => return Err("opened with the wrong passphrase".into()),
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
