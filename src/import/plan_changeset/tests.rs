//! Planning filled copies against real workbooks: matching, each value rule, each rejection with
//! its cell, the refusals, due dates that follow the level, one undo step, all or nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;

use super::testkit::{
    INVENTORY, TestResult, add, control_row, exported, field_col, get, inventory_row, register_row,
    set, template, workbook,
};
use super::{ChangesetPlan, LineKind, PlanError, PlanOptions, plan_changeset};
use crate::assessment::{AnswerSource, Response, Target};
use crate::import::changeset::Changeset;
use crate::risk::{RiskStatus, Treatment};
use crate::workbook::{AnswerInput, Due, RiskEntryInput, Workbook};

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn opts() -> PlanOptions {
    PlanOptions {
        accept_foreign: false,
        with_matrix: false,
        today: today(),
    }
}

fn baxter() -> Target {
    Target::Model {
        manufacturer: "Baxter".into(),
        model: "Sigma Spectrum".into(),
    }
}

fn answer(wb: &mut Workbook, target: &Target, control: &str, input: AnswerInput) {
    let c = wb.catalog().control(control).unwrap();
    wb.set_answer(target, c, &input).unwrap();
}

fn respond(r: Response) -> AnswerInput {
    AnswerInput {
        response: Some(Some(r)),
        ..AnswerInput::default()
    }
}

/// Three devices (two units of one model, all at site Main), device, model and site answers,
/// default and rated ratings, a deferral, per-dimension impacts, and register entries.
struct Fixture {
    wb: Workbook,
    d1: i64,
    d2: i64,
    d3: i64,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = workbook(dir.path(), "w.medsec");
    let d1 = add(
        &mut wb,
        &[
            ("name", "Infusion pump 1"),
            ("manufacturer", "Baxter"),
            ("model", "Sigma Spectrum"),
            ("asset_tag", "A-001"),
            ("serial_number", "S1"),
            ("criticality", "Therapeutic"),
            ("site", "Main"),
            ("room", "ICU bed 4"),
        ],
    );
    let d2 = add(
        &mut wb,
        &[
            ("name", "Infusion pump 2"),
            ("manufacturer", "Baxter"),
            ("model", "Sigma Spectrum"),
            ("asset_tag", "A-002"),
            ("site", "Main"),
        ],
    );
    let d3 = add(
        &mut wb,
        &[
            ("name", "Monitor 3"),
            ("asset_tag", "A-003"),
            ("criticality", "Monitoring"),
            ("ip_addresses", "10.0.0.3"),
            ("install_date", "2024-01-05"),
            ("clinical_impact", "4"),
            ("site", "Main"),
        ],
    );
    let (t1, t2, t3) = (Target::Device(d1), Target::Device(d2), Target::Device(d3));
    answer(
        &mut wb,
        &t1,
        "ENC-01",
        AnswerInput {
            note: Some("no disk encryption".into()),
            ..respond(Response::No)
        },
    );
    answer(
        &mut wb,
        &t1,
        "ENC-03",
        AnswerInput {
            likelihood: Some(4),
            impact: Some(5),
            ..respond(Response::Partial)
        },
    );
    answer(
        &mut wb,
        &t3,
        "ENC-01",
        AnswerInput {
            evidence_ref: Some("photo 12".into()),
            source: Some(AnswerSource::Observed),
            ..respond(Response::Yes)
        },
    );
    answer(
        &mut wb,
        &t3,
        "ENC-05",
        AnswerInput {
            note: Some("no PHI on it".into()),
            ..respond(Response::NotApplicable)
        },
    );
    answer(&mut wb, &baxter(), "ENC-02", respond(Response::No));
    answer(
        &mut wb,
        &Target::Site("Main".into()),
        "IR-01",
        respond(Response::Yes),
    );
    answer(
        &mut wb,
        &t3,
        "ACC-01",
        AnswerInput {
            deferral: Some("room locked".into()),
            ..AnswerInput::default()
        },
    );
    answer(
        &mut wb,
        &t2,
        "ACC-02",
        AnswerInput {
            dimension_impacts: Some([Some(2), Some(4), None]),
            ..respond(Response::Unknown)
        },
    );
    wb.set_risk_entry(
        &t1,
        "ENC-01",
        &RiskEntryInput {
            owner: Some("Biomed: J. Smith".into()),
            treatment: Some(Some(Treatment::Mitigate)),
            planned_actions: Some("Enable encryption".into()),
            status: Some(RiskStatus::InProgress),
            ..RiskEntryInput::default()
        },
    )
    .unwrap();
    wb.set_risk_entry(
        &t1,
        "ENC-03",
        &RiskEntryInput {
            treatment: Some(Some(Treatment::Accept)),
            accepted_by: Some("Dr Ruiz".into()),
            acceptance_note: Some("Isolated VLAN".into()),
            review_date: Some(NaiveDate::from_ymd_opt(2099, 6, 30)),
            ..RiskEntryInput::default()
        },
    )
    .unwrap();
    wb.set_risk_entry(
        &baxter(),
        "ENC-02",
        &RiskEntryInput {
            due: Some(Due::On(NaiveDate::from_ymd_opt(2027, 1, 31).unwrap())),
            ..RiskEntryInput::default()
        },
    )
    .unwrap();
    Fixture {
        wb,
        d1,
        d2,
        d3,
        _dir: dir,
    }
}

fn plan(wb: &Workbook, cs: &Changeset) -> ChangesetPlan {
    plan_changeset(wb, cs, &opts()).unwrap()
}

/// The report's lines of one kind, rendered as `origin subject detail`.
fn lines(plan: &ChangesetPlan, kind: LineKind) -> Vec<String> {
    plan.report
        .lines_of(kind)
        .map(|l| format!("{} {} {}", l.origin, l.subject, l.detail))
        .collect()
}

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
fn spreadsheet_habits_are_read_as_meant() -> TestResult {
    let mut f = fixture();
    let mut cs = exported(&f.wb, today());
    let (sheet, row) = control_row(&cs, "DEV-0003", "ENC-03");
    set(&mut cs, &sheet, row, "H", " partial ");
    set(&mut cs, &sheet, row, "Q", "4.0");
    set(&mut cs, &sheet, row, "R", "3");
    set(&mut cs, &sheet, row, "P", "INTERVIEW");
    set(
        &mut cs,
        &sheet,
        row,
        "K",
        "  pasted\u{b} from Word \r\nsecond line  ",
    );
    let reg = register_row(&cs, "DEV-0001", "ENC-01");
    set(&mut cs, "Risk Register", reg, "P", "31/12/2030");
    set(&mut cs, "Risk Register", reg, "Q", "in progress");
    let inv = inventory_row(&cs, "DEV-0003");
    set(
        &mut cs,
        INVENTORY,
        inv,
        &field_col("criticality"),
        " MONITORING ",
    );
    set(
        &mut cs,
        INVENTORY,
        inv,
        &field_col("install_date"),
        "05/01/2024",
    );
    set(
        &mut cs,
        INVENTORY,
        inv,
        &field_col("clinical_impact"),
        "4.0",
    );
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!(
        (t.added, t.changed, t.rejected),
        (1, 1, 0),
        "{}",
        p.report.render()
    );
    let added = lines(&p, LineKind::Added);
    assert_eq!(added.len(), 1, "{added:#?}");
    assert!(
        added[0].starts_with(&format!(
            "'3 Encryption' row {row} DEV-0003 ENC-03 Response Partial"
        )),
        "{added:#?}"
    );
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&Target::Device(f.d3), "ENC-03")?.unwrap();
    assert_eq!(a.response, Some(Response::Partial));
    assert_eq!((a.likelihood, a.likelihood_default), (Some(4), false));
    assert_eq!((a.impact, a.impact_default), (Some(3), false));
    assert_eq!(a.source, Some(AnswerSource::Interview));
    assert_eq!(a.note, "pasted from Word \nsecond line");
    let e = f.wb.risk_entry(&Target::Device(f.d1), "ENC-01")?.unwrap();
    assert_eq!(
        (e.due_date, e.due_default),
        (NaiveDate::from_ymd_opt(2030, 12, 31), false)
    );
    assert_eq!(e.status, RiskStatus::InProgress);
    Ok(())
}

/// Plans `cs` and returns its one rejected line, checking nothing else is planned.
fn only_rejection(wb: &Workbook, cs: &Changeset) -> String {
    let p = plan(wb, cs);
    let rejected = lines(&p, LineKind::Rejected);
    assert_eq!(rejected.len(), 1, "{}", p.report.render());
    let t = p.report.totals();
    assert_eq!(
        (t.added, t.changed, t.rejected),
        (0, 0, 1),
        "{}",
        p.report.render()
    );
    assert!(p.batch.is_empty(), "{:?}", p.batch);
    rejected[0].clone()
}

#[test]
fn bad_values_are_rejected_with_their_cell() {
    let f = fixture();
    let base = exported(&f.wb, today());
    let (enc, r1) = control_row(&base, "DEV-0001", "ENC-01");
    let (_, r3) = control_row(&base, "DEV-0003", "ENC-01");
    let (_, na) = control_row(&base, "DEV-0003", "ENC-05");
    let (ir, site) = control_row(&base, "SITE:Main", "IR-01");
    let (acc, deferred) = control_row(&base, "DEV-0003", "ACC-01");
    let reg = register_row(&base, "DEV-0001", "ENC-01");
    let inv = inventory_row(&base, "DEV-0003");
    let crit = field_col("criticality");
    let uuid = crate::import::sheet::column_letter(crate::device::fields::FIELDS.len());
    let long = "x".repeat(32_768);
    type Edit<'a> = (&'a str, u32, &'a str, &'a str);
    let cases: Vec<(Vec<Edit<'_>>, String, &str)> = vec![
        (
            vec![(&enc, r1, "H", "Maybe")],
            format!("'3 Encryption'!H{r1}"),
            "\"Maybe\" is not a response",
        ),
        (
            vec![(&enc, r1, "Q", "high")],
            format!("'3 Encryption'!Q{r1}"),
            "not a whole number from 1 to 5",
        ),
        (
            vec![(&enc, r1, "R", "7")],
            format!("'3 Encryption'!R{r1}"),
            "not a whole number from 1 to 5",
        ),
        (
            vec![(&enc, r1, "D", "ENC-99")],
            format!("'3 Encryption'!D{r1}"),
            "unknown control \"ENC-99\"",
        ),
        (
            vec![(&enc, r1, "K", &long)],
            format!("'3 Encryption'!K{r1}"),
            "32768 UTF-16 units",
        ),
        (
            vec![(&enc, r1, "U", "maybe")],
            format!("'3 Encryption'!U{r1}"),
            "write `default`",
        ),
        (
            vec![(&enc, na, "K", "")],
            format!("'3 Encryption'!H{na}"),
            "N/A needs a note",
        ),
        (
            vec![(&enc, r3, "AA", "waiting for the vendor")],
            format!("'3 Encryption'!AA{r3}"),
            "only an unanswered control can be deferred",
        ),
        (
            vec![(&acc, deferred, "Z", "soon")],
            format!("'4 Access Control'!Z{deferred}"),
            "not a date",
        ),
        (
            vec![(&enc, r1, "A", "DEV-0099"), (&enc, r1, "AG", "")],
            format!("'3 Encryption'!A{r1}"),
            "no device DEV-0099 in the workbook",
        ),
        (
            vec![(&ir, site, "A", "DEV-0001"), (&ir, site, "AG", "")],
            format!("'7 Incident Response'!D{site}"),
            "IR-01 is answered per site",
        ),
        (
            vec![(&enc, r1, "A", "DEV-0002")],
            format!("'3 Encryption'!A{r1}"),
            "does not match the row's hidden Row Key (DEV-0001)",
        ),
        (
            vec![("Risk Register", reg, "P", "soon")],
            format!("'Risk Register'!P{reg}"),
            "\"soon\" is not a date",
        ),
        (
            vec![("Risk Register", reg, "M", "Accept")],
            format!("'Risk Register'!M{reg}"),
            "accepted by",
        ),
        (
            vec![("Risk Register", reg, "R", "2")],
            format!("'Risk Register'!R{reg}"),
            "both the residual likelihood and the residual impact",
        ),
        (
            vec![("Risk Register", reg, "Q", "Done")],
            format!("'Risk Register'!Q{reg}"),
            "not a status",
        ),
        (
            vec![
                (INVENTORY, inv, "A", "DEV-0099"),
                (INVENTORY, inv, &uuid, ""),
            ],
            format!("'1 Inventory'!A{inv}"),
            "leave the Device ID blank to add a new device",
        ),
        (
            vec![(INVENTORY, inv, &crit, "Critical")],
            format!("'1 Inventory'!{crit}{inv}"),
            "\"Critical\" is not one of",
        ),
    ];
    for (edits, origin, reason) in cases {
        let mut cs = base.clone();
        for (sheet, row, col, text) in &edits {
            set(&mut cs, sheet, *row, col, text);
        }
        let line = only_rejection(&f.wb, &cs);
        assert!(line.starts_with(&format!("{origin} ")), "{edits:?}: {line}");
        assert!(line.contains(reason), "{edits:?}: {line}");
    }
    // A date in the future cannot be an acceptance date.
    let mut cs = base.clone();
    let accepted = register_row(&cs, "DEV-0001", "ENC-03");
    set(&mut cs, "Risk Register", accepted, "X", "2099-01-01");
    let line = only_rejection(&f.wb, &cs);
    assert!(
        line.starts_with(&format!("'Risk Register'!X{accepted} ")),
        "{line}"
    );
    assert!(line.contains("in the future"), "{line}");
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

/// Plans `cs` and returns its one rejected line (other rows may add).
fn only_rejection_allowing_adds(wb: &Workbook, cs: &Changeset) -> String {
    let p = plan(wb, cs);
    let rejected = lines(&p, LineKind::Rejected);
    assert_eq!(rejected.len(), 1, "{}", p.report.render());
    rejected[0].clone()
}

#[test]
fn a_default_due_date_keeps_following_the_level() -> TestResult {
    let mut f = fixture();
    let t1 = Target::Device(f.d1);
    let before = f.wb.risk_entry(&t1, "ENC-01")?.unwrap();
    assert!(before.due_default);
    let mut cs = exported(&f.wb, today());
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    // Likelihood 3 (default) → 2: the level drops (Moderate → Low), the due date cell is left
    // as exported.
    set(&mut cs, &enc, r1, "Q", "2");
    let reg = register_row(&cs, "DEV-0001", "ENC-01");
    let exported_due = get(&mut cs, "Risk Register", reg, "P");
    assert!(!exported_due.is_empty());
    let p = plan(&f.wb, &cs);
    assert!(
        lines(&p, LineKind::Changed)
            .iter()
            .all(|l| !l.contains("Due Date"))
    );
    f.wb.apply_import(&p.batch, "import")?;
    let after = f.wb.risk_entry(&t1, "ENC-01")?.unwrap();
    assert!(after.due_default, "{after:?}");
    let a = f.wb.answer(&t1, "ENC-01")?.unwrap();
    assert_eq!((a.likelihood, a.likelihood_default), (Some(2), false));
    let new_due = exported(&f.wb, today());
    let mut new_due = new_due;
    let reg = register_row(&new_due, "DEV-0001", "ENC-01");
    let due_now = get(&mut new_due, "Risk Register", reg, "P");
    assert_ne!(due_now, exported_due, "the due date moved with the level");

    // A date typed over it is kept as typed.
    let mut cs = exported(&f.wb, today());
    set(&mut cs, "Risk Register", reg, "P", "2031-03-01");
    let p = plan(&f.wb, &cs);
    f.wb.apply_import(&p.batch, "import")?;
    let typed = f.wb.risk_entry(&t1, "ENC-01")?.unwrap();
    assert_eq!(
        (typed.due_default, typed.due_date),
        (false, NaiveDate::from_ymd_opt(2031, 3, 1))
    );
    Ok(())
}

#[test]
fn the_rating_column_keeps_defaults_or_makes_them_ratings() -> TestResult {
    let mut f = fixture();
    let t1 = Target::Device(f.d1);
    let a = f.wb.answer(&t1, "ENC-01")?.unwrap();
    assert!(a.likelihood_default && a.impact_default);
    let (l, i) = (a.likelihood, a.impact);

    // `default` cleared, values kept: the defaults become ratings at the same values.
    let mut cs = exported(&f.wb, today());
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    assert_eq!(get(&mut cs, &enc, r1, "U"), "default");
    set(&mut cs, &enc, r1, "U", "");
    let p = plan(&f.wb, &cs);
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t1, "ENC-01")?.unwrap();
    assert_eq!((a.likelihood, a.impact), (l, i));
    assert!(!a.likelihood_default && !a.impact_default, "{a:?}");

    // Back to `default` with the default values: defaults again.
    let mut cs = exported(&f.wb, today());
    set(&mut cs, &enc, r1, "U", "default");
    let p = plan(&f.wb, &cs);
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t1, "ENC-01")?.unwrap();
    assert_eq!((a.likelihood, a.impact), (l, i));
    assert!(a.likelihood_default && a.impact_default, "{a:?}");

    // A response changed with `default` kept: the default likelihood follows the response.
    let mut cs = exported(&f.wb, today());
    set(&mut cs, &enc, r1, "H", "Partial");
    let p = plan(&f.wb, &cs);
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t1, "ENC-01")?.unwrap();
    assert_eq!((a.likelihood, a.likelihood_default), (Some(2), true));

    // Another value typed with `default` left in U is a rating; a blank clears a rating.
    let mut cs = exported(&f.wb, today());
    set(&mut cs, &enc, r1, "R", "5");
    let (_, r3) = control_row(&cs, "DEV-0001", "ENC-03");
    set(&mut cs, &enc, r3, "Q", "");
    let p = plan(&f.wb, &cs);
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t1, "ENC-01")?.unwrap();
    assert_eq!(
        (a.impact, a.impact_default, a.likelihood_default),
        (Some(5), false, true)
    );
    let a = f.wb.answer(&t1, "ENC-03")?.unwrap();
    assert_eq!(
        (a.likelihood, a.likelihood_default),
        (Some(2), true),
        "Partial's default"
    );
    Ok(())
}

#[test]
fn clearing_suggested_confirms_a_suggestion() -> TestResult {
    let mut f = fixture();
    let t2 = Target::Device(f.d2);
    answer(&mut f.wb, &t2, "ENC-01", respond(Response::No));
    f.wb.mark_suggested(&t2, "ENC-01", "MDS2 (unconfirmed) ABC-1 2024-05-01")?;
    let mut cs = exported(&f.wb, today());
    let (enc, row) = control_row(&cs, "DEV-0002", "ENC-01");
    assert_eq!(
        get(&mut cs, &enc, row, "I"),
        "MDS2 (unconfirmed) ABC-1 2024-05-01"
    );
    // A suggestion typed where there is none is not made.
    let (_, other) = control_row(&cs, "DEV-0002", "ENC-03");
    set(&mut cs, &enc, other, "I", "Bulk (unconfirmed)");
    set(&mut cs, &enc, row, "I", "");
    let p = plan(&f.wb, &cs);
    let changed = lines(&p, LineKind::Changed);
    assert_eq!(changed.len(), 1, "{}", p.report.render());
    assert!(
        changed[0].contains("Suggested: confirmed (No"),
        "{changed:?}"
    );
    let ignored = lines(&p, LineKind::Ignored);
    assert!(
        ignored
            .iter()
            .any(|l| l.starts_with(&format!("'3 Encryption'!I{other} "))),
        "{ignored:?}"
    );
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t2, "ENC-01")?.unwrap();
    assert_eq!((a.response, a.suggested), (Some(Response::No), None));
    assert!(f.wb.answer(&t2, "ENC-03")?.is_none());
    Ok(())
}

#[test]
fn derived_edits_are_listed_as_ignored_and_never_applied() -> TestResult {
    let f = fixture();
    let mut cs = exported(&f.wb, today());
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    set(&mut cs, &enc, r1, "E", "My own title");
    set(&mut cs, &enc, r1, "W", "Somebody else");
    set(&mut cs, &enc, r1, "B", "Renamed pump");
    // A recalculated score and level (likelihood edited in the sheet) are not edits.
    set(&mut cs, &enc, r1, "Q", "5");
    let impact: u16 = get(&mut cs, &enc, r1, "R").parse()?;
    set(&mut cs, &enc, r1, "S", &(5 * impact).to_string());
    let level = crate::risk::level(5, u8::try_from(impact)?);
    set(&mut cs, &enc, r1, "T", level.label());
    let reg = register_row(&cs, "DEV-0001", "ENC-01");
    set(&mut cs, "Risk Register", reg, "E", "A better description");
    let p = plan(&f.wb, &cs);
    let ignored = lines(&p, LineKind::Ignored);
    let expect = [
        format!("'3 Encryption'!E{r1} DEV-0001 ENC-01 Control Title \"My own title\": derived"),
        format!(
            "'3 Encryption'!W{r1} DEV-0001 ENC-01 Owner \"Somebody else\": shown from the risk register"
        ),
        format!("'3 Encryption'!B{r1} DEV-0001 ENC-01 Device Name \"Renamed pump\": derived"),
        format!(
            "'Risk Register'!E{reg} DEV-0001 ENC-01 (R-0001) Risk Description \"A better description\": derived"
        ),
    ];
    for e in &expect {
        assert!(
            ignored.iter().any(|l| l.starts_with(e.as_str())),
            "{e}\nnot in {ignored:#?}"
        );
    }
    assert_eq!(ignored.len(), expect.len(), "{ignored:#?}");
    assert_eq!(p.report.totals().changed, 1, "only the likelihood");
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
fn deferrals_read_their_reason_and_follow_up_date() -> TestResult {
    let mut f = fixture();
    let t3 = Target::Device(f.d3);
    let mut cs = exported(&f.wb, today());
    let (acc, row) = control_row(&cs, "DEV-0003", "ACC-01");
    assert_eq!(get(&mut cs, &acc, row, "Z"), "deferred");
    set(&mut cs, &acc, row, "Z", "15/03/2027");
    let (_, other) = control_row(&cs, "DEV-0003", "ACC-02");
    set(&mut cs, &acc, other, "AA", "patient on it");
    let p = plan(&f.wb, &cs);
    assert_eq!(p.report.totals().rejected, 0, "{}", p.report.render());
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t3, "ACC-01")?.unwrap();
    assert_eq!(
        (a.deferral_reason.as_str(), a.deferred_until),
        ("room locked", NaiveDate::from_ymd_opt(2027, 3, 15))
    );
    let b = f.wb.answer(&t3, "ACC-02")?.unwrap();
    assert_eq!(
        (b.deferral_reason.as_str(), b.response),
        ("patient on it", None)
    );
    // Answering a deferred control lifts the deferral.
    let mut cs = exported(&f.wb, today());
    set(&mut cs, &acc, row, "H", "Yes");
    let p = plan(&f.wb, &cs);
    assert!(
        lines(&p, LineKind::Changed)
            .iter()
            .any(|l| l.contains("no longer deferred"))
    );
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t3, "ACC-01")?.unwrap();
    assert_eq!((a.deferral_reason.as_str(), a.deferred_until), ("", None));
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
        origin: super::testkit::cell_at("3 Encryption", 5, "S"),
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
