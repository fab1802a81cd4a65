//! Undo and redo through the library: one step per change, kept in the workbook across restarts.

use medsec::assessment::{Answer, Response, Target, progress};
use medsec::catalog::{Control, catalog};
use medsec::workbook::{
    Access, AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, UNDO_STEP_ROWS,
    UNDO_STEPS, Workbook,
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

fn control(id: &str) -> Result<&'static Control, String> {
    catalog().control(id).ok_or_else(|| format!("no {id}"))
}

fn respond(response: Response, note: &str) -> AnswerInput {
    AnswerInput {
        response: Some(Some(response)),
        note: (!note.is_empty()).then(|| note.to_string()),
        ..AnswerInput::default()
    }
}

fn note(text: &str) -> AnswerInput {
    AnswerInput {
        note: Some(text.to_string()),
        ..AnswerInput::default()
    }
}

fn undo_label(wb: &Workbook) -> Result<Option<String>, Box<dyn std::error::Error>> {
    Ok(wb.next_undo()?.map(|s| s.label))
}

fn redo_label(wb: &Workbook) -> Result<Option<String>, Box<dyn std::error::Error>> {
    Ok(wb.next_redo()?.map(|s| s.label))
}

#[test]
fn an_answer_is_undone_and_redone() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    assert_eq!(wb.next_undo()?, None);
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let t = Target::Device(d.id);
    let enc = control("ENC-01")?;
    let saved = wb.set_answer(&t, enc, &respond(Response::No, ""))?;
    assert_eq!(
        undo_label(&wb)?.as_deref(),
        Some("answer DEV-0001 ENC-01 No")
    );
    assert_eq!(redo_label(&wb)?, None);

    let step = wb.undo()?.ok_or("nothing undone")?;
    assert_eq!(step.label, "answer DEV-0001 ENC-01 No");
    assert_eq!(wb.answer(&t, "ENC-01")?, None);
    assert_eq!(undo_label(&wb)?.as_deref(), Some("add DEV-0001"));
    assert_eq!(wb.next_redo()?.map(|s| s.id), Some(step.id));

    let redone = wb.redo()?.ok_or("nothing redone")?;
    assert_eq!(redone, step);
    assert_eq!(wb.answer(&t, "ENC-01")?, Some(saved));
    assert_eq!(wb.next_redo()?, None);
    assert_eq!(wb.redo()?, None);

    // Undoing the addition of a device marks it deleted; redoing brings it back.
    wb.undo()?;
    assert_eq!(wb.undo()?.map(|s| s.label).as_deref(), Some("add DEV-0001"));
    assert!(wb.devices()?.is_empty());
    assert_eq!(wb.undo()?, None);
    wb.redo()?;
    assert_eq!(wb.devices()?.len(), 1);
    assert_eq!(wb.find_device("DEV-0001")?.get("name"), "Pump");
    // Its number stays used.
    let e = wb.add_device(&device("Monitor", &[]), FieldSource::Typed)?;
    assert_eq!(e.short_id(), "DEV-0002");
    Ok(())
}

#[test]
fn notes_and_clears_are_steps_of_their_own() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let t = Target::Device(d.id);
    let enc = control("ENC-01")?;
    wb.set_answer(&t, enc, &respond(Response::Yes, ""))?;
    let first = wb.set_answer(&t, enc, &note("BitLocker seen"))?;
    assert_eq!(undo_label(&wb)?.as_deref(), Some("note DEV-0001 ENC-01"));
    wb.set_answer(&t, enc, &note("BitLocker seen, key escrowed"))?;
    wb.set_answer(
        &t,
        enc,
        &AnswerInput {
            response: Some(None),
            note: Some(String::new()),
            ..AnswerInput::default()
        },
    )?;
    assert_eq!(undo_label(&wb)?.as_deref(), Some("clear DEV-0001 ENC-01"));
    assert_eq!(wb.answer(&t, "ENC-01")?, None, "an empty answer is removed");

    wb.undo()?;
    let back = wb
        .answer(&t, "ENC-01")?
        .ok_or("the cleared answer came back")?;
    assert_eq!(back.note, "BitLocker seen, key escrowed");
    assert_eq!(back.response, Some(Response::Yes));
    wb.undo()?;
    assert_eq!(wb.answer(&t, "ENC-01")?, Some(first));
    Ok(())
}

#[test]
fn a_device_edit_and_a_delete_are_undone() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let d = wb.add_device(
        &device("Pump", &[("serial_number", "SN-1")]),
        FieldSource::Typed,
    )?;
    let t = Target::Device(d.id);
    wb.set_answer(&t, control("ENC-01")?, &respond(Response::No, "none"))?;
    wb.update_device(
        d.id,
        &device("Infusion pump", &[("serial_number", "")]),
        FieldSource::Typed,
        true,
    )?;
    assert_eq!(undo_label(&wb)?.as_deref(), Some("edit DEV-0001"));
    wb.delete_device(d.id)?;
    assert_eq!(undo_label(&wb)?.as_deref(), Some("delete DEV-0001"));
    assert!(wb.devices()?.is_empty());

    // The device comes back with its answers.
    wb.undo()?;
    let back = wb.find_device("DEV-0001")?;
    assert_eq!(back.get("name"), "Infusion pump");
    let p = progress(catalog(), &wb.answer_set()?, &back);
    assert_eq!(p.total.no, 1);

    // The edit is undone field by field, including which fields were typed.
    wb.undo()?;
    let before = wb.device(d.id)?;
    assert_eq!(before, d);
    assert_eq!(wb.typed_fields(d.id)?, vec!["name", "serial_number"]);
    wb.redo()?;
    assert_eq!(wb.device(d.id)?.get("serial_number"), "");
    wb.redo()?;
    assert!(wb.devices()?.is_empty());

    // Restoring is a step too.
    wb.undelete_device("DEV-0001")?;
    assert_eq!(undo_label(&wb)?.as_deref(), Some("restore DEV-0001"));
    wb.undo()?;
    assert!(wb.devices()?.is_empty());
    Ok(())
}

#[test]
fn an_import_is_one_step() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let a = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let b = wb.add_device(&device("Monitor", &[("room", "ICU 1")]), FieldSource::Typed)?;
    let changes = vec![
        (Some(a.id), device("Pump", &[("asset_tag", "A-1")])),
        (Some(b.id), device("Monitor", &[("room", "ICU 2")])),
        (None, device("Ventilator", &[])),
        (None, device("Scanner", &[])),
    ];
    let ids = wb.apply_device_changes(&changes, FieldSource::Inventory)?;
    assert_eq!(ids.len(), 4);
    assert_eq!(
        undo_label(&wb)?.as_deref(),
        Some("inventory import (4 devices)")
    );
    assert_eq!(wb.devices()?.len(), 4);
    // The typed room is kept by the import; the asset tag is new.
    assert_eq!(wb.device(b.id)?.get("room"), "ICU 1");

    let step = wb.undo()?.ok_or("nothing undone")?;
    assert_eq!(step.label, "inventory import (4 devices)");
    assert_eq!(wb.devices()?, vec![a.clone(), b.clone()]);
    assert_eq!(undo_label(&wb)?.as_deref(), Some("add DEV-0002"));

    wb.redo()?;
    let names: Vec<String> = wb
        .devices()?
        .iter()
        .map(|d| format!("{} {}", d.short_id(), d.get("name")))
        .collect();
    assert_eq!(
        names,
        [
            "DEV-0001 Pump",
            "DEV-0002 Monitor",
            "DEV-0003 Ventilator",
            "DEV-0004 Scanner"
        ]
    );
    assert_eq!(wb.device(a.id)?.get("asset_tag"), "A-1");

    let scan = vec![(None, device("10.0.0.9", &[]))];
    wb.apply_device_changes(&scan, FieldSource::Scan)?;
    assert_eq!(undo_label(&wb)?.as_deref(), Some("scan import (1 device)"));
    Ok(())
}

#[test]
fn a_bulk_answer_is_one_step() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let mk = [("manufacturer", "Baxter"), ("model", "Sigma Spectrum")];
    let mut targets = Vec::new();
    for name in ["Pump 1", "Pump 2", "Pump 3"] {
        targets.push(Target::Device(
            wb.add_device(&device(name, &mk), FieldSource::Typed)?.id,
        ));
    }
    let enc = control("ENC-01")?;
    let earlier = wb.set_answer(&targets[1], enc, &respond(Response::No, "no encryption"))?;
    let answers = wb.set_answers_bulk(
        &targets,
        enc,
        &respond(Response::Yes, ""),
        "bulk ENC-01 Yes on 3 devices",
    )?;
    assert_eq!(answers.len(), 3);
    assert_eq!(
        undo_label(&wb)?.as_deref(),
        Some("bulk ENC-01 Yes on 3 devices")
    );

    wb.undo()?;
    assert_eq!(wb.answer(&targets[0], "ENC-01")?, None);
    assert_eq!(wb.answer(&targets[1], "ENC-01")?, Some(earlier));
    assert_eq!(wb.answer(&targets[2], "ENC-01")?, None);
    assert_eq!(
        undo_label(&wb)?.as_deref(),
        Some("answer DEV-0002 ENC-01 No")
    );
    wb.redo()?;
    for (t, a) in targets.iter().zip(&answers) {
        assert_eq!(wb.answer(t, "ENC-01")?.as_ref(), Some(a));
    }
    Ok(())
}

#[test]
fn a_new_change_discards_the_redo_branch() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let t = Target::Device(d.id);
    let enc = control("ENC-01")?;
    wb.set_answer(&t, enc, &respond(Response::No, ""))?;
    wb.set_answer(&t, enc, &note("first"))?;
    wb.undo()?;
    wb.undo()?;
    assert_eq!(
        redo_label(&wb)?.as_deref(),
        Some("answer DEV-0001 ENC-01 No")
    );
    let dropped = wb.next_redo()?.ok_or("redo")?.id;
    wb.set_answer(&t, enc, &respond(Response::Partial, ""))?;
    assert!(
        wb.next_undo()?.ok_or("undo")?.id > dropped,
        "step IDs are never reused"
    );
    assert_eq!(wb.next_redo()?, None);
    assert_eq!(wb.redo()?, None);
    let a = wb.answer(&t, "ENC-01")?.ok_or("answer")?;
    assert_eq!((a.response, a.note.as_str()), (Some(Response::Partial), ""));
    // The branch is gone for good: undo walks the new history.
    assert_eq!(
        wb.undo()?.map(|s| s.label).as_deref(),
        Some("answer DEV-0001 ENC-01 Partial")
    );
    assert_eq!(wb.undo()?.map(|s| s.label).as_deref(), Some("add DEV-0001"));
    assert_eq!(wb.undo()?, None);
    Ok(())
}

#[test]
fn only_the_last_fifty_steps_are_kept() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let d = wb.add_device(&device("Pump", &[]), FieldSource::Typed)?;
    let t = Target::Device(d.id);
    let enc = control("ENC-01")?;
    for i in 1..=55 {
        wb.set_answer(&t, enc, &note(&format!("n{i}")))?;
    }
    let mut undone = 0;
    while wb.undo()?.is_some() {
        undone += 1;
    }
    assert_eq!(undone, UNDO_STEPS);
    // 56 steps were made (the device and 55 notes); the oldest six are gone.
    let a = wb.answer(&t, "ENC-01")?.ok_or("answer")?;
    assert_eq!(a.note, "n5");
    assert_eq!(wb.devices()?.len(), 1);
    Ok(())
}

#[test]
fn the_history_survives_closing_and_reopening() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.medsec");
    let model = Target::Model {
        manufacturer: "Baxter".into(),
        model: "Sigma Spectrum".into(),
    };
    let inv = control("INV-03")?;
    let saved = {
        let mut wb = Workbook::create(&path, &pass(), AssessmentMeta::default())?;
        wb.set_answer(&model, inv, &respond(Response::No, ""))?
    };
    {
        let mut wb = Workbook::open(&path, &pass(), Access::Write)?;
        assert_eq!(
            undo_label(&wb)?.as_deref(),
            Some("answer model Baxter Sigma Spectrum INV-03 No")
        );
        wb.undo()?;
        assert_eq!(wb.answer(&model, "INV-03")?, None);
    }
    let mut wb = Workbook::open(&path, &pass(), Access::Write)?;
    assert_eq!(wb.next_undo()?, None);
    assert_eq!(
        redo_label(&wb)?.as_deref(),
        Some("answer model Baxter Sigma Spectrum INV-03 No")
    );
    wb.redo()?;
    assert_eq!(wb.answer(&model, "INV-03")?, Some(saved));
    Ok(())
}

#[test]
fn a_change_over_the_row_limit_clears_the_history() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let plan = control("IR-01")?;
    let yes = respond(Response::Yes, "");
    let sites =
        |n: usize| -> Vec<Target> { (0..n).map(|i| Target::Site(format!("site {i}"))).collect() };
    // Exactly at the limit: kept, and undone as one step.
    let at_limit = sites(UNDO_STEP_ROWS);
    wb.set_answers_bulk(&at_limit, plan, &yes, "bulk at the limit")?;
    assert_eq!(undo_label(&wb)?.as_deref(), Some("bulk at the limit"));
    wb.undo()?;
    assert!(wb.answer_rows()?.is_empty());
    wb.redo()?;
    assert_eq!(wb.answer_rows()?.len(), UNDO_STEP_ROWS);

    // One row more: nothing of the history is kept, the change itself is applied.
    let over = sites(UNDO_STEP_ROWS + 1);
    wb.set_answers_bulk(
        &over,
        plan,
        &respond(Response::No, ""),
        "bulk over the limit",
    )?;
    assert_eq!(wb.next_undo()?, None);
    assert_eq!(wb.next_redo()?, None);
    assert_eq!(wb.undo()?, None);
    let rows = wb.answer_rows()?;
    assert_eq!(rows.len(), UNDO_STEP_ROWS + 1);
    assert!(rows.iter().all(|r| r.answer.response == Some(Response::No)));
    // Later changes are recorded again.
    wb.set_answer(&Target::Site(String::new()), plan, &yes)?;
    assert_eq!(
        undo_label(&wb)?.as_deref(),
        Some("answer default site IR-01 Yes")
    );
    Ok(())
}

#[test]
fn a_large_change_is_audited_in_continued_entries_and_undone_as_one_step() -> TestResult {
    use medsec::workbook::AuditFilter;
    use medsec::workbook::audit::{AUDIT_ENTRY_ROWS, CONTINUED};
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let before = wb.audit_entries(&AuditFilter::default())?.len();
    let n = 2 * AUDIT_ENTRY_ROWS + AUDIT_ENTRY_ROWS / 2;
    let sites: Vec<Target> = (0..n).map(|i| Target::Site(format!("site {i}"))).collect();
    wb.set_answers_bulk(
        &sites,
        control("IR-01")?,
        &respond(Response::Yes, ""),
        "bulk",
    )?;
    let entries = wb.audit_entries(&AuditFilter::default())?;
    let new = &entries[before..];
    // The entry itself with the first rows, then two entries carrying on, in order.
    assert_eq!(
        new.len(),
        3,
        "{:?}",
        new.iter().map(|e| &e.summary).collect::<Vec<_>>()
    );
    assert_eq!(new[0].action, "change");
    assert_eq!(
        new[0].summary,
        format!("bulk (rows 1–{AUDIT_ENTRY_ROWS} of {n})")
    );
    assert_eq!(new[1].action, CONTINUED);
    assert_eq!(
        new[1].summary,
        format!(
            "bulk (continued: rows {}–{} of {n})",
            AUDIT_ENTRY_ROWS + 1,
            2 * AUDIT_ENTRY_ROWS
        )
    );
    assert_eq!(new[2].action, CONTINUED);
    // Every row's answer is itemised once, across the three entries.
    let mut keys: Vec<&str> = new
        .iter()
        .flat_map(|e| e.changes.iter())
        .filter(|c| c.field == "response")
        .map(|c| c.key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), n);
    assert!(
        new.iter()
            .all(|e| e.actor == new[0].actor && e.origin == new[0].origin)
    );
    let check = wb.verify_audit()?;
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    // Still one undo step; its undo is one entry.
    assert_eq!(undo_label(&wb)?.as_deref(), Some("bulk"));
    wb.undo()?;
    assert!(wb.answer_rows()?.is_empty());
    let after = wb.audit_entries(&AuditFilter::default())?;
    assert_eq!(after.len(), entries.len() + 1);
    assert_eq!(after.last().map(|e| e.action.as_str()), Some("undo"));
    Ok(())
}

#[test]
fn a_failed_bulk_change_records_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = Workbook::create(
        &dir.path().join("w.medsec"),
        &pass(),
        AssessmentMeta::default(),
    )?;
    let a = wb.add_device(&device("Pump 1", &[]), FieldSource::Typed)?;
    let b = wb.add_device(&device("Pump 2", &[]), FieldSource::Typed)?;
    let enc = control("ENC-01")?;
    let ta = Target::Device(a.id);
    let tb = Target::Device(b.id);
    // B already has a note, A does not: N/A without a note fails on A, after B was written.
    wb.set_answer(&tb, enc, &note("no PHI"))?;
    let before: Option<Answer> = wb.answer(&tb, "ENC-01")?;
    let na = respond(Response::NotApplicable, "");
    let err = wb
        .set_answers_bulk(&[tb.clone(), ta.clone()], enc, &na, "bulk ENC-01 N/A")
        .err()
        .ok_or("N/A without a note was accepted")?;
    assert!(
        err.to_string()
            .starts_with("DEV-0001: ENC-01: N/A needs a note"),
        "{err}"
    );
    assert_eq!(wb.answer(&tb, "ENC-01")?, before);
    assert_eq!(wb.answer(&ta, "ENC-01")?, None);
    assert_eq!(undo_label(&wb)?.as_deref(), Some("note DEV-0002 ENC-01"));
    Ok(())
}
