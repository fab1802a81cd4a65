//! Reading values: spreadsheet habits, each rejection with its cell, due dates that follow the
//! level, the Rating column, suggestions, derived columns, deferrals.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

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
fn formula_cells_saved_without_their_results_are_not_edits() -> TestResult {
    let f = fixture();
    let mut cs = exported(&f.wb, today());
    let (enc, r1) = control_row(&cs, "DEV-0001", "ENC-01");
    // openpyxl saves formulas without results (blank); LibreOffice's .xls filter writes a text
    // result it did not recalculate as 0.
    set(&mut cs, &enc, r1, "S", "");
    set(&mut cs, &enc, r1, "T", "0");
    let reg = register_row(&cs, "DEV-0001", "ENC-01");
    set(&mut cs, "Risk Register", reg, "L", "0");
    set(&mut cs, "Risk Register", reg, "K", "");
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!((t.changed, t.ignored), (0, 0), "{}", p.report.render());
    // A number where the export writes a level is still a visible edit.
    set(&mut cs, &enc, r1, "T", "7");
    let p = plan(&f.wb, &cs);
    assert_eq!(p.report.totals().ignored, 1, "{}", p.report.render());
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
fn dates_that_read_either_way_are_pointed_out() -> TestResult {
    let f = fixture();
    let mut cs = exported(&f.wb, today());
    let reg = register_row(&cs, "DEV-0001", "ENC-01");
    set(&mut cs, "Risk Register", reg, "P", "03/04/2026");
    let p = plan(&f.wb, &cs);
    let warning = p
        .report
        .warnings
        .iter()
        .find(|w| w.contains("day/month"))
        .ok_or(format!("no warning in {:?}", p.report.warnings))?;
    assert!(
        warning.contains(&format!(
            "'Risk Register'!P{reg} \"03/04/2026\" = 2026-04-03"
        )),
        "{warning}"
    );
    // 13/04/2026 can only be day/month; an ISO date is never in doubt.
    set(&mut cs, "Risk Register", reg, "P", "13/04/2026");
    let p = plan(&f.wb, &cs);
    assert!(
        p.report.warnings.iter().all(|w| !w.contains("day/month")),
        "{:?}",
        p.report.warnings
    );
    Ok(())
}
