//! Matching and refusals: newer, foreign and truncated copies; foreign copies and templates
//! matched by asset tag, serial or name; model and site rows; ambiguous matches; the reader's
//! own findings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn newer_foreign_and_truncated_copies_are_refused() {
    let f = fixture();
    let mut newer = exported(&f.wb, today());
    newer.source.format_version = crate::export::layout::FORMAT_VERSION + 1;
    let err = plan_changeset(&f.wb, &newer, &opts()).unwrap_err();
    assert!(
        matches!(err, PlanError::NewerFormat { found: 2, known: 1 }),
        "{err}"
    );
    assert!(err.to_string().contains("update medsec"), "{err}");

    let mut foreign = exported(&f.wb, today());
    foreign.source.workbook_id = Some("11111111-2222-3333-4444-555555555555".into());
    let err = plan_changeset(&f.wb, &foreign, &opts()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("11111111-2222-3333-4444-555555555555"),
        "{text}"
    );
    assert!(text.contains(&f.wb.meta().workbook_id), "{text}");
    assert!(text.contains("--accept-foreign"), "{text}");

    let mut cut = exported(&f.wb, today());
    cut.checks[1].found_rows = cut.checks[1].exported_rows - 1;
    let err = plan_changeset(&f.wb, &cut, &opts()).unwrap_err();
    assert!(matches!(err, PlanError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("cut short"), "{err}");
    // More rows than exported (rows added by hand) are fine.
    let mut more = exported(&f.wb, today());
    more.checks[1].found_rows += 3;
    assert!(plan_changeset(&f.wb, &more, &opts()).is_ok());
}

#[test]
fn a_foreign_copy_matches_devices_by_asset_tag_serial_or_name() -> TestResult {
    let f = fixture();
    let mut cs = exported(&f.wb, today());
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    set(&mut cs, &enc, r1, "K", "seen on site");
    let dir = tempfile::tempdir()?;
    let mut other = workbook(dir.path(), "other.medsec");
    // Another numbering: the pump with tag A-001 is DEV-0002 here.
    let extra = add(&mut other, &[("name", "Unrelated device")]);
    let pump = add(&mut other, &[("name", "Pump"), ("asset_tag", "a-001")]);
    let by_serial = add(
        &mut other,
        &[
            ("name", "P2"),
            ("manufacturer", "BAXTER"),
            ("serial_number", "S1x"),
        ],
    );
    let monitor = add(&mut other, &[("name", "monitor  3")]);
    let _ = by_serial;
    let err = plan_changeset(&other, &cs, &opts()).unwrap_err();
    assert!(matches!(err, PlanError::Foreign { .. }), "{err}");
    let p = plan_changeset(
        &other,
        &cs,
        &PlanOptions {
            accept_foreign: true,
            ..opts()
        },
    )?;
    assert!(
        p.report
            .warnings
            .iter()
            .any(|w| w.contains("another workbook"))
    );
    let changed = lines(&p, LineKind::Changed);
    assert!(
        changed
            .iter()
            .any(|l| l.starts_with("'1 Inventory'!")
                && l.contains("DEV-0002 (matched on asset tag)")),
        "{}",
        p.report.render()
    );
    assert!(
        changed
            .iter()
            .any(|l| l.contains("DEV-0004 (matched on name)")),
        "{}",
        p.report.render()
    );
    // Blank cells of a foreign copy clear nothing; its DEV-0002 (tag A-002) is new here.
    let added = lines(&p, LineKind::Added);
    assert!(
        added.iter().any(|l| l.contains("\"Infusion pump 2\"")),
        "{added:#?}"
    );
    let mut other = other;
    let outcome = other.apply_import(&p.batch, "import")?;
    let note = other.answer(&Target::Device(pump), "ENC-01")?.unwrap();
    assert_eq!(note.note, "seen on site");
    assert!(other.answer(&Target::Device(extra), "ENC-01")?.is_none());
    assert_eq!(other.device(monitor)?.get("asset_tag"), "A-003");
    // The spelling of what matched is not an edit in a foreign copy.
    assert_eq!(other.device(monitor)?.get("name"), "monitor 3");
    assert_eq!(outcome.device_ids.len(), 3);
    Ok(())
}

#[test]
fn a_template_creates_devices_and_its_ids_are_its_own_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = workbook(dir.path(), "w.medsec");
    let existing = add(&mut wb, &[("name", "Existing pump"), ("asset_tag", "T-9")]);
    let mut cs = template(3, today());
    let name = field_col("name");
    let tag = field_col("asset_tag");
    // Row 2 is the template's DEV-0001: a new monitor, NOT the workbook's DEV-0001.
    set(&mut cs, INVENTORY, 2, &name, "New monitor");
    set(
        &mut cs,
        INVENTORY,
        2,
        &field_col("criticality"),
        "monitoring",
    );
    // Row 3 (DEV-0002) is the existing pump, found by its asset tag.
    set(&mut cs, INVENTORY, 3, &tag, " t-9 ");
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    set(&mut cs, &enc, r1, "H", "No");
    let (_, r2) = control_row(&cs, "DEV-0002", "ENC-01");
    set(&mut cs, &enc, r2, "H", "Yes");
    set(&mut cs, &enc, r2, "L", "photo 7");
    let (ir, site) = control_row(&cs, "SITE", "IR-01");
    set(&mut cs, &ir, site, "H", "yes");
    let p = plan(&wb, &cs);
    let t = p.report.totals();
    assert_eq!(
        (t.added, t.changed, t.ignored, t.rejected),
        (4, 0, 0, 0),
        "{}",
        p.report.render()
    );
    // A row for the blank DEV-0003 with a value is rejected; the blank rows were skipped.
    let mut bad = cs.clone();
    let (_, r3) = control_row(&bad, "DEV-0003", "ENC-01");
    set(&mut bad, &enc, r3, "H", "Yes");
    let line = only_rejection_allowing_adds(&wb, &bad);
    assert!(line.contains("is blank"), "{line}");

    let outcome = wb.apply_import(&p.batch, "import workbook blank.xlsx")?;
    let new_id = outcome.device_ids[0];
    let new = wb.device(new_id)?;
    assert_eq!(new.short_id(), "DEV-0002");
    assert_eq!(new.get("criticality"), "Monitoring");
    assert_eq!(new.get("in_scope"), "Yes");
    let a = wb.answer(&Target::Device(new_id), "ENC-01")?.unwrap();
    assert_eq!(a.response, Some(Response::No));
    assert_eq!(a.source, Some(AnswerSource::Spreadsheet));
    assert!(a.likelihood_default && a.impact_default, "{a:?}");
    assert_eq!(a.impact, Some(3), "Monitoring: PHI default 3");
    let a = wb.answer(&Target::Device(existing), "ENC-01")?.unwrap();
    assert_eq!(
        (a.response, a.evidence_ref.as_str()),
        (Some(Response::Yes), "photo 7")
    );
    let site_answer = wb.answer(&Target::Site(String::new()), "IR-01")?.unwrap();
    assert_eq!(site_answer.response, Some(Response::Yes));
    // The template's blank name cell did not clear the existing pump's name.
    assert_eq!(wb.device(existing)?.get("name"), "Existing pump");
    Ok(())
}

#[test]
fn model_and_site_rows_and_row_keys_find_their_targets() -> TestResult {
    let mut f = fixture();
    // A template row typed by hand for the model, in another case, and the site in lower case.
    let mut cs = template(1, today());
    let (enc, r) = control_row(&cs, "DEV-0001", "ENC-02");
    set(&mut cs, &enc, r, "A", "MODEL:baxter/SIGMA spectrum");
    set(&mut cs, &enc, r, "K", "signed updates, per vendor letter");
    let (ir, site) = control_row(&cs, "SITE", "IR-01");
    set(&mut cs, &ir, site, "A", "site:MAIN");
    set(&mut cs, &ir, site, "K", "plan v3");
    cs.source.kind = crate::import::changeset::SourceKind::Unmarked;
    let p = plan(&f.wb, &cs);
    assert_eq!(p.report.totals().rejected, 0, "{}", p.report.render());
    assert!(
        p.report
            .warnings
            .iter()
            .any(|w| w.contains("no readable _medsec sheet"))
    );
    let changed = lines(&p, LineKind::Changed);
    assert!(
        changed
            .iter()
            .any(|l| l.contains("MODEL:Baxter/Sigma Spectrum ENC-02 Note")),
        "{changed:#?}"
    );
    assert!(
        changed.iter().any(|l| l.contains("SITE:Main IR-01 Note")),
        "{changed:#?}"
    );
    f.wb.apply_import(&p.batch, "import")?;
    assert_eq!(
        f.wb.answer(&baxter(), "ENC-02")?.unwrap().note,
        "signed updates, per vendor letter"
    );
    let site_answer = f.wb.answer(&Target::Site("main".into()), "IR-01")?.unwrap();
    assert_eq!(
        (site_answer.response, site_answer.note.as_str()),
        (Some(Response::Yes), "plan v3")
    );

    // In a copy of this workbook the hidden Row Key finds the device when column A is blank.
    let mut cs = exported(&f.wb, today());
    let (enc, r3) = control_row(&cs, "DEV-0003", "ENC-01");
    set(&mut cs, &enc, r3, "A", "");
    set(&mut cs, &enc, r3, "J", "found by its row key");
    let p = plan(&f.wb, &cs);
    assert_eq!(p.report.totals().rejected, 0, "{}", p.report.render());
    f.wb.apply_import(&p.batch, "import")?;
    assert_eq!(
        f.wb.answer(&Target::Device(f.d3), "ENC-01")?
            .unwrap()
            .observed,
        "found by its row key"
    );
    Ok(())
}

#[test]
fn a_name_shared_by_two_devices_is_no_match() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = workbook(dir.path(), "w.medsec");
    add(&mut wb, &[("name", "Monitor")]);
    add(&mut wb, &[("name", "monitor")]);
    let mut cs = template(1, today());
    set(&mut cs, INVENTORY, 2, &field_col("name"), "MONITOR");
    let line = only_rejection_allowing_adds(&wb, &cs);
    assert!(line.starts_with("'1 Inventory' row 2 "), "{line}");
    assert!(
        line.contains("its name matches 2 devices (DEV-0001, DEV-0002)"),
        "{line}"
    );
    // Two rows of one file for the same new device: the second is rejected.
    let mut cs = template(2, today());
    set(&mut cs, INVENTORY, 2, &field_col("name"), "Ventilator");
    set(&mut cs, INVENTORY, 2, &field_col("asset_tag"), "V-1");
    set(
        &mut cs,
        INVENTORY,
        3,
        &field_col("name"),
        "Ventilator (spare)",
    );
    set(&mut cs, INVENTORY, 3, &field_col("asset_tag"), "v-1");
    let line = only_rejection_allowing_adds(&wb, &cs);
    assert!(
        line.contains("the same device (matched on asset tag) as '1 Inventory' row 2"),
        "{line}"
    );
    Ok(())
}

#[test]
fn the_readers_findings_are_listed() {
    let f = fixture();
    let mut cs = exported(&f.wb, today());
    cs.problems.push(crate::import::changeset::Problem {
        origin: crate::import::plan_changeset::testkit::cell_at("3 Encryption", 5, "S"),
        reason: "formula without a cached value".into(),
    });
    cs.ignored.push(crate::import::changeset::Ignored {
        origin: crate::import::changeset::Origin::Sheet {
            sheet: "Notes".into(),
        },
        reason: "sheet not part of the template".into(),
    });
    let p = plan(&f.wb, &cs);
    assert_eq!(
        lines(&p, LineKind::Rejected),
        vec!["'3 Encryption'!S5  formula without a cached value".to_string()]
    );
    assert_eq!(
        lines(&p, LineKind::Ignored),
        vec!["sheet 'Notes'  sheet not part of the template".to_string()]
    );
}

#[test]
fn a_foreign_copy_nobody_edited_is_taken_in_full() -> TestResult {
    let f = fixture();
    let mut cs = exported(&f.wb, today());
    // As the reader says of an xlsx nobody touched: every sheet hashes as exported.
    for c in &mut cs.checks {
        c.unchanged = Some(true);
    }
    let dir = tempfile::tempdir()?;
    let mut fresh = workbook(dir.path(), "fresh.medsec");
    let p = plan_changeset(
        &fresh,
        &cs,
        &PlanOptions {
            accept_foreign: true,
            ..opts()
        },
    )?;
    let answers = f.wb.answer_rows()?.len();
    assert!(answers > 5);
    fresh.apply_import(&p.batch, "import")?;
    assert_eq!(fresh.devices()?.len(), 3, "{}", p.report.render());
    assert_eq!(fresh.answer_rows()?.len(), answers, "{}", p.report.render());
    assert!(
        !p.report.render().contains("not edited since the export"),
        "{}",
        p.report.render()
    );
    Ok(())
}
