//! Applying planned imports: an untouched copy changes nothing, edits are listed with their
//! cells and applied as one undo step, rejected rows are skipped or stop everything, blank cells
//! clear, rows added by hand add devices, grid edits need the flag.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn an_untouched_copy_changes_nothing() -> TestResult {
    let f = fixture();
    let cs = exported(&f.wb, today());
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!(
        (t.added, t.changed, t.ignored, t.rejected),
        (0, 0, 0, 0),
        "{}",
        p.report.render()
    );
    assert!(t.unchanged > 100, "{t}");
    assert!(p.batch.is_empty(), "{:?}", p.batch);
    Ok(())
}

#[test]
fn edits_are_listed_with_their_cells_and_applied_as_one_undo_step() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    let (sheet, row) = control_row(&cs, "DEV-0001", "ENC-01");
    assert_eq!(sheet, "3 Encryption");
    set(&mut cs, &sheet, row, "H", "yes");
    set(&mut cs, &sheet, row, "K", "encrypted since May  ");
    let (s3, r3) = control_row(&cs, "DEV-0003", "ENC-01");
    set(&mut cs, &s3, r3, "J", "BitLocker");
    let reg = register_row(&cs, "DEV-0001", "ENC-03");
    set(&mut cs, "Risk Register", reg, "O", "CISO");
    let inv = inventory_row(&cs, "DEV-0003");
    set(&mut cs, INVENTORY, inv, &field_col("room"), "Ward 2");
    let answers_before = f.wb.answer_rows()?;
    let devices_before = f.wb.devices()?;
    let entries_before = f.wb.risk_entries()?;

    let p = plan(&f.wb, &cs);
    let changed = lines(&p, LineKind::Changed);
    let expected = [
        format!("'3 Encryption'!H{row} DEV-0001 ENC-01 Response: No → Yes"),
        format!(
            "'3 Encryption'!K{row} DEV-0001 ENC-01 Note: \"no disk encryption\" → \"encrypted since May\""
        ),
        format!("'3 Encryption'!J{r3} DEV-0003 ENC-01 Observed Value: (blank) → \"BitLocker\""),
        format!("'Risk Register'!O{reg} DEV-0001 ENC-03 (R-0002) Owner: (blank) → \"CISO\""),
        format!(
            "'1 Inventory'!{}{inv} DEV-0003 Building / Floor / Room: (blank) → \"Ward 2\"",
            field_col("room")
        ),
    ];
    for e in &expected {
        assert!(changed.contains(e), "{e}\nnot in {changed:#?}");
    }
    assert_eq!(changed.len(), expected.len(), "{changed:#?}");
    let t = p.report.totals();
    assert_eq!(
        (t.added, t.changed, t.rejected),
        (0, 4, 0),
        "{}",
        p.report.render()
    );

    f.wb.apply_import(&p.batch, "import workbook copy.xlsx")?;
    let a = f.wb.answer(&Target::Device(f.d1), "ENC-01")?.unwrap();
    assert_eq!(
        (a.response, a.note.as_str()),
        (Some(Response::Yes), "encrypted since May")
    );
    let a = f.wb.answer(&Target::Device(f.d3), "ENC-01")?.unwrap();
    assert_eq!(a.observed, "BitLocker");
    let e = f.wb.risk_entry(&Target::Device(f.d1), "ENC-03")?.unwrap();
    assert_eq!(e.owner, "CISO");
    assert_eq!(f.wb.device(f.d3)?.get("room"), "Ward 2");
    let step = f.wb.next_undo()?.unwrap();
    assert_eq!(step.label, "import workbook copy.xlsx");

    // Planning the same copy again finds nothing left to do.
    let again = plan(&f.wb, &cs);
    let t = again.report.totals();
    assert_eq!(
        (t.added, t.changed, t.rejected),
        (0, 0, 0),
        "{}",
        again.report.render()
    );

    // One undo puts every row back.
    f.wb.undo()?;
    assert_eq!(f.wb.answer_rows()?, answers_before);
    assert_eq!(f.wb.devices()?, devices_before);
    assert_eq!(f.wb.risk_entries()?, entries_before);
    Ok(())
}

#[test]
fn a_rejected_row_leaves_the_others_to_skip_invalid_and_nothing_half_applied() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    let (_, r3) = control_row(&cs, "DEV-0003", "ENC-01");
    set(&mut cs, &enc, r1, "H", "Maybe");
    set(&mut cs, &enc, r1, "K", "changed too");
    set(&mut cs, &enc, r3, "K", "fine");
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!((t.changed, t.rejected), (1, 1), "{}", p.report.render());
    // The rejected row shows why, not what it would have changed.
    assert!(
        lines(&p, LineKind::Changed)
            .iter()
            .all(|l| !l.contains("changed too"))
    );
    assert_eq!(p.batch.answers.len(), 1);
    assert_eq!(p.batch.answers[0].input.note.as_deref(), Some("fine"));

    // A batch the workbook refuses changes nothing at all, devices included.
    let answers = f.wb.answer_rows()?;
    let devices = f.wb.devices()?;
    let mut bad = p.batch.clone();
    bad.devices.push((
        Some(f.d2),
        crate::workbook::DeviceChange {
            values: vec![("room", "Somewhere".into())],
            ..Default::default()
        },
    ));
    bad.answers.push(crate::workbook::AnswerEdit {
        target: crate::workbook::BatchTarget::Existing(Target::Device(f.d3)),
        control_id: "ENC-05".into(),
        input: AnswerInput {
            note: Some(String::new()),
            ..AnswerInput::default()
        },
        clear_likelihood: false,
        clear_impact: false,
        clear_source: false,
        deferred_until: None,
    });
    let err = f.wb.apply_import(&bad, "import").unwrap_err();
    assert!(err.to_string().contains("DEV-0003 ENC-05"), "{err}");
    assert_eq!(f.wb.answer_rows()?, answers);
    assert_eq!(f.wb.devices()?, devices);
    assert!(
        f.wb.next_undo()?
            .is_some_and(|s| !s.label.starts_with("import"))
    );
    Ok(())
}

#[test]
fn blank_cells_clear_in_a_copy_of_this_workbook() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    let (enc, r3) = control_row(&cs, "DEV-0003", "ENC-01");
    set(&mut cs, &enc, r3, "L", "");
    set(&mut cs, &enc, r3, "P", "");
    set(&mut cs, &enc, r3, "H", "");
    let inv = inventory_row(&cs, "DEV-0003");
    set(&mut cs, INVENTORY, inv, &field_col("ip_addresses"), "");
    let p = plan(&f.wb, &cs);
    assert_eq!(p.report.totals().rejected, 0, "{}", p.report.render());
    f.wb.apply_import(&p.batch, "import")?;
    assert!(f.wb.answer(&Target::Device(f.d3), "ENC-01")?.is_none());
    assert_eq!(f.wb.device(f.d3)?.get("ip_addresses"), "");
    Ok(())
}

#[test]
fn a_row_added_by_hand_to_a_copy_adds_a_device_and_its_answers() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    let mut rec = cs.devices[2].clone();
    for (_, v) in &mut rec.fields {
        v.text.clear();
    }
    let shift = |o: &mut crate::import::changeset::Origin| {
        if let crate::import::changeset::Origin::Cell { row, .. }
        | crate::import::changeset::Origin::Row { row, .. } = o
        {
            *row = 9;
        }
    };
    rec.origin.iter_mut().for_each(shift);
    for (k, v) in &mut rec.fields {
        shift(&mut v.origin);
        if *k == "name" {
            v.text = "Ventilator 9".into();
        }
    }
    let mut id = rec.device_id.take().unwrap();
    shift(&mut id.origin);
    id.text = "NEW-1".into();
    rec.device_id = Some(id);
    rec.uuid = None;
    cs.devices.push(rec);
    let mut row = cs.answers[0].clone();
    row.origin = Some(crate::import::changeset::Origin::Row {
        sheet: "1 Inventory Checks".into(),
        row: 99,
    });
    row.target.as_mut().unwrap().text = "NEW-1".into();
    row.row_key.as_mut().unwrap().text.clear();
    row.response.as_mut().unwrap().text = "No".into();
    let control = row.control_id.clone().unwrap().text;
    cs.answers.push(row);
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!((t.added, t.rejected), (2, 0), "{}", p.report.render());
    let outcome = f.wb.apply_import(&p.batch, "import")?;
    let new = outcome.device_ids[0];
    assert_eq!(f.wb.device(new)?.get("name"), "Ventilator 9");
    let a = f.wb.answer(&Target::Device(new), &control)?.unwrap();
    assert_eq!(a.response, Some(Response::No));
    assert_eq!(
        a.source, None,
        "a copy of this workbook says what the source is"
    );
    Ok(())
}

#[test]
fn the_demo_workbook_exported_and_read_back_is_unchanged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = workbook(dir.path(), "demo.medsec");
    crate::demo::populate(&mut wb, &crate::demo::DemoOptions::default())?;
    let cs = exported(&wb, today());
    let p = plan(&wb, &cs);
    let t = p.report.totals();
    assert_eq!(
        (t.added, t.changed, t.ignored, t.rejected),
        (0, 0, 0, 0),
        "{}",
        p.report.render()
    );
    assert!(p.batch.is_empty());
    Ok(())
}

#[test]
fn grid_edits_apply_only_with_the_matrix_flag() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    // L5 × I3 (row 16, column D): Moderate → High.
    set(&mut cs, "Risk Matrix", 16, "D", "high");
    let p = plan(&f.wb, &cs);
    assert_eq!(p.batch.grid, None);
    let ignored = lines(&p, LineKind::Ignored);
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert!(
        ignored[0].contains("L5 × I3: Moderate → High (add --with-matrix"),
        "{ignored:?}"
    );
    let with = plan_changeset(
        &f.wb,
        &cs,
        &PlanOptions {
            with_matrix: true,
            ..opts()
        },
    )?;
    assert!(
        lines(&with, LineKind::Changed)[0]
            .starts_with("'Risk Matrix'!D16 level grid L5 × I3: Moderate → High")
    );
    f.wb.apply_import(&with.batch, "import")?;
    assert_eq!(f.wb.risk_grid().level(5, 3), crate::risk::RiskLevel::High);
    assert_eq!(f.wb.risk_grid().level(3, 5), crate::risk::RiskLevel::High);
    // A grid cell that is not a level is refused with the flag.
    set(&mut cs, "Risk Matrix", 17, "B", "bad");
    let bad = plan_changeset(
        &f.wb,
        &cs,
        &PlanOptions {
            with_matrix: true,
            ..opts()
        },
    )?;
    assert!(lines(&bad, LineKind::Rejected)[0].starts_with("'Risk Matrix'!B17 "));
    assert_eq!(bad.batch.grid, None);
    Ok(())
}

#[test]
fn a_sheet_not_edited_since_the_export_never_reverts_newer_answers() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    // After the export, the assessor answers on in the TUI.
    answer(
        &mut f.wb,
        &Target::Device(f.d1),
        "ENC-01",
        AnswerInput {
            note: Some("fixed since".into()),
            ..respond(Response::Yes)
        },
    );
    // The copy comes back with '3 Encryption' as exported (its hash matches) and an edited
    // register.
    for c in &mut cs.checks {
        if c.sheet == "3 Encryption" {
            c.unchanged = Some(true);
        }
    }
    let reg = register_row(&cs, "DEV-0001", "ENC-03");
    set(&mut cs, "Risk Register", reg, "O", "CISO");
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!((t.changed, t.rejected), (1, 0), "{}", p.report.render());
    let ignored = lines(&p, LineKind::Ignored);
    assert!(
        ignored
            .iter()
            .any(|l| l.starts_with("sheet '3 Encryption'  1 row differs from the workbook")),
        "{ignored:#?}"
    );
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&Target::Device(f.d1), "ENC-01")?.unwrap();
    assert_eq!(
        (a.response, a.note.as_str()),
        (Some(Response::Yes), "fixed since")
    );
    assert_eq!(
        f.wb.risk_entry(&Target::Device(f.d1), "ENC-03")?
            .unwrap()
            .owner,
        "CISO"
    );
    Ok(())
}

#[test]
fn an_answer_changed_after_the_export_is_not_overwritten_by_the_copy() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    cs.source.exported_at = Some(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    // Answered again in the workbook after the export (times are whole seconds); the copy still
    // says No.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    answer(
        &mut f.wb,
        &Target::Device(f.d1),
        "ENC-01",
        respond(Response::Yes),
    );
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    let (_, r3) = control_row(&cs, "DEV-0003", "ENC-01");
    set(&mut cs, &enc, r3, "J", "edited in the copy");
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!((t.changed, t.rejected), (1, 0), "{}", p.report.render());
    let ignored = lines(&p, LineKind::Ignored);
    assert!(
        ignored.iter().any(|l| l.starts_with(&format!("'3 Encryption' row {r1} DEV-0001 ENC-01 not applied: the answer was changed in the workbook"))),
        "{ignored:#?}"
    );
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&Target::Device(f.d1), "ENC-01")?.unwrap();
    assert_eq!(a.response, Some(Response::Yes));
    assert_eq!(
        f.wb.answer(&Target::Device(f.d3), "ENC-01")?
            .unwrap()
            .observed,
        "edited in the copy"
    );
    Ok(())
}

#[test]
fn device_and_register_work_done_after_the_export_is_not_undone_by_the_copy() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    // Times are kept to the second: the edits below come strictly after the export.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    f.wb.update_device(
        f.d3,
        &crate::workbook::DeviceChange {
            values: vec![("room", "Basement / Store".into())],
            ..Default::default()
        },
        crate::workbook::FieldSource::Typed,
        true,
    )?;
    let target = Target::Device(f.d1);
    f.wb.set_risk_entry(
        &target,
        "ENC-03",
        &RiskEntryInput {
            owner: Some("New owner set after export".into()),
            ..RiskEntryInput::default()
        },
    )?;
    // The copy edits another row of each sheet, and leaves these two as exported.
    let inv = inventory_row(&cs, "DEV-0002");
    set(&mut cs, INVENTORY, inv, &field_col("room"), "Ward 9");

    let p = plan(&f.wb, &cs);
    let changed = lines(&p, LineKind::Changed);
    assert!(
        changed
            .iter()
            .any(|l| l.contains("DEV-0002") && l.contains("Ward 9")),
        "{changed:#?}"
    );
    assert!(
        !changed
            .iter()
            .any(|l| l.contains("Basement") || l.contains("New owner")),
        "{changed:#?}"
    );
    let ignored = lines(&p, LineKind::Ignored);
    assert!(
        ignored
            .iter()
            .any(|l| l.contains("DEV-0003") && l.contains("the device was changed in the workbook")),
        "{ignored:#?}"
    );
    assert!(
        ignored
            .iter()
            .any(|l| l.contains("ENC-03") && l.contains("the risk was changed in the workbook")),
        "{ignored:#?}"
    );
    f.wb.apply_import(&p.batch, "import")?;
    assert_eq!(f.wb.device(f.d3)?.get("room"), "Basement / Store");
    let entry = f.wb.risk_entry(&target, "ENC-03")?.ok_or("entry")?;
    assert_eq!(entry.owner, "New owner set after export");
    Ok(())
}

#[test]
fn an_untouched_copy_of_a_workbook_that_moved_on_lists_no_derived_cells() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    // As the reader says of an xlsx nobody touched: every sheet hashes as exported.
    for c in &mut cs.checks {
        c.unchanged = Some(true);
    }
    f.wb.update_device(
        f.d3,
        &crate::workbook::DeviceChange {
            values: vec![("room", "Basement / Store".into())],
            ..Default::default()
        },
        crate::workbook::FieldSource::Typed,
        true,
    )?;
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!(t.changed, 0, "{}", p.report.render());
    let ignored = lines(&p, LineKind::Ignored);
    assert!(
        ignored
            .iter()
            .all(|l| !l.contains("derived") && !l.contains("computed")),
        "{ignored:#?}"
    );
    Ok(())
}
