//! What only an `export json` file carries back: the three impact dimensions of an answer, the
//! date a finding was first identified and whether its due date follows the level — unchanged
//! in a copy of this workbook, taken in full by a fresh workbook, and edited by the same rules
//! as every other value.

use std::collections::BTreeMap;

use super::*;
use crate::import::changeset::Value;
use crate::import::plan_changeset::testkit::{exported_json, json_element, set_json};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The fixture, plus a finding identified long ago and one whose due date was set to none.
fn richer() -> Fixture {
    let mut f = fixture();
    let t1 = Target::Device(f.d1);
    f.wb.set_risk_entry(
        &t1,
        "ENC-01",
        &RiskEntryInput {
            identified_on: Some(Some(day(2025, 1, 10))),
            ..RiskEntryInput::default()
        },
    )
    .unwrap();
    let t3 = Target::Device(f.d3);
    answer(&mut f.wb, &t3, "NET-01", respond(Response::No));
    f.wb.set_risk_entry(
        &t3,
        "NET-01",
        &RiskEntryInput {
            due: Some(Due::None),
            identified_on: Some(Some(day(2025, 3, 1))),
            ..RiskEntryInput::default()
        },
    )
    .unwrap();
    f
}

fn text(v: &Option<Value>) -> String {
    v.as_ref().map_or("<absent>".into(), |v| v.text.clone())
}

/// Every answer and risk of a JSON copy by target and control, with every value the file
/// carries but the workbook's own identifiers (row keys, Risk IDs) and who and when answered.
fn records(cs: &Changeset) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let skip = ["Assessed By", "Assessed On"];
    let answers = cs
        .answers
        .iter()
        .map(|a| {
            let mut values: Vec<String> = [
                &a.response,
                &a.suggested,
                &a.observed,
                &a.note,
                &a.evidence_ref,
                &a.source,
                &a.likelihood,
                &a.impact,
                &a.impact_safety,
                &a.impact_phi,
                &a.impact_operations,
                &a.rating,
                &a.recommendation,
                &a.deferred_until,
                &a.deferral_reason,
            ]
            .into_iter()
            .map(text)
            .collect();
            values.extend(
                a.derived
                    .iter()
                    .filter(|(h, _)| !skip.contains(&h.as_str()))
                    .map(|(h, v)| format!("{h}={}", v.text)),
            );
            (
                format!("{} {}", text(&a.target), text(&a.control_id)),
                values.join(" | "),
            )
        })
        .collect();
    let risks = cs
        .risks
        .iter()
        .map(|r| {
            let mut values: Vec<String> = [
                &r.treatment,
                &r.planned_actions,
                &r.owner,
                &r.due_date,
                &r.due_date_default,
                &r.status,
                &r.residual_likelihood,
                &r.residual_impact,
                &r.accepted_by,
                &r.acceptance_note,
                &r.accepted_on,
                &r.review_date,
                &r.identified_on,
            ]
            .into_iter()
            .map(text)
            .collect();
            values.extend(r.derived.iter().map(|(h, v)| format!("{h}={}", v.text)));
            (
                format!("{} {}", text(&r.target), text(&r.source)),
                values.join(" | "),
            )
        })
        .collect();
    (answers, risks)
}

#[test]
fn a_json_copy_of_this_workbook_plans_as_unchanged() {
    let f = richer();
    let cs = exported_json(&f.wb, today());
    let p = plan(&f.wb, &cs);
    let t = p.report.totals();
    assert_eq!(
        (t.added, t.changed, t.ignored, t.rejected),
        (0, 0, 0, 0),
        "{}",
        p.report.render()
    );
    assert!(p.batch.is_empty());
}

#[test]
fn the_demo_workbook_exported_as_json_and_read_back_is_unchanged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut wb = workbook(dir.path(), "demo.medsec");
    crate::demo::populate(&mut wb, &crate::demo::DemoOptions::default())?;
    let cs = exported_json(&wb, today());
    assert!(
        cs.answers
            .iter()
            .any(|a| a.impact_safety.as_ref().is_some_and(|v| !v.is_blank()))
    );
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
fn a_fresh_workbook_takes_dimensions_identified_dates_and_due_defaults() -> TestResult {
    let f = richer();
    let cs = exported_json(&f.wb, today());
    let dir = tempfile::tempdir()?;
    let mut fresh = workbook(dir.path(), "fresh.medsec");
    let foreign = PlanOptions {
        accept_foreign: true,
        ..opts()
    };
    let p = plan_changeset(&fresh, &cs, &foreign)?;
    assert_eq!(p.report.totals().rejected, 0, "{}", p.report.render());
    fresh.apply_import(&p.batch, "import json")?;

    // Field by field, as the file says it.
    let (answers, risks) = records(&cs);
    let (answers_back, risks_back) = records(&exported_json(&fresh, today()));
    assert_eq!(answers_back, answers);
    assert_eq!(risks_back, risks);

    // And as stored.
    let t2 = Target::Device(2);
    let a = fresh.answer(&t2, "ACC-02")?.unwrap();
    assert_eq!(
        (a.dimension_impacts, a.impact, a.impact_default),
        ([Some(2), Some(4), None], Some(4), false)
    );
    let e1 = fresh.risk_entry(&Target::Device(1), "ENC-01")?.unwrap();
    assert_eq!(
        (e1.identified_on, e1.due_default),
        (Some(day(2025, 1, 10)), true)
    );
    let e3 = fresh.risk_entry(&Target::Device(3), "NET-01")?.unwrap();
    assert_eq!(
        (e3.identified_on, e3.due_default, e3.due_date),
        (Some(day(2025, 3, 1)), false, None)
    );
    let baxter = fresh.risk_entry(&baxter(), "ENC-02")?.unwrap();
    assert_eq!(
        (baxter.due_default, baxter.due_date),
        (false, Some(day(2027, 1, 31)))
    );

    // Imported again, the same file changes nothing.
    let again = plan_changeset(&fresh, &cs, &foreign)?;
    let t = again.report.totals();
    assert_eq!(
        (t.added, t.changed, t.rejected),
        (0, 0, 0),
        "{}",
        again.report.render()
    );
    Ok(())
}

#[test]
fn edited_impact_dimensions_rate_the_answer_as_medsec_answer_does() -> TestResult {
    let mut f = fixture();
    let t2 = Target::Device(f.d2);
    let base = exported_json(&f.wb, today());
    let at = json_element(&base, false, "DEV-0002", "ACC-02");

    // PHI 4 → 5: the impact follows (the highest dimension).
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{at}/impact_dimensions/phi"), "5");
    let p = plan(&f.wb, &cs);
    assert_eq!(
        lines(&p, LineKind::Changed),
        [
            format!("{at}/impact_dimensions/phi DEV-0002 ACC-02 PHI Impact: 4 → 5"),
            format!("{at}/impact DEV-0002 ACC-02 Impact: 4 → 5 (the highest dimension)"),
        ],
        "{}",
        p.report.render()
    );
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t2, "ACC-02")?.unwrap();
    assert_eq!(
        (a.dimension_impacts, a.impact, a.impact_default),
        ([Some(2), Some(5), None], Some(5), false)
    );

    // A dimension and the impact edited to disagree: which one is meant? Refused.
    let base = exported_json(&f.wb, today());
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{at}/impact_dimensions/operations"), "3");
    set_json(&mut cs, &format!("{at}/impact"), "2");
    let line = only_rejection(&f.wb, &cs);
    assert!(
        line.starts_with(&format!(
            "{at}/impact DEV-0002 ACC-02 Impact 2 is not the highest of the impact dimensions (5)"
        )),
        "{line}"
    );

    // Out of the scale: refused at its pointer.
    let mut cs = base.clone();
    set_json(
        &mut cs,
        &format!("{at}/impact_dimensions/patient_safety"),
        "7",
    );
    let line = only_rejection(&f.wb, &cs);
    assert!(
        line.starts_with(&format!("{at}/impact_dimensions/patient_safety ")),
        "{line}"
    );

    // The impact alone edited: rated as one number, which clears the dimensions (said).
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{at}/impact"), "2");
    let p = plan(&f.wb, &cs);
    let changed = lines(&p, LineKind::Changed);
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed[0].ends_with("Impact: 5 → 2"), "{changed:?}");
    assert!(
        changed[1].ends_with(
            "impact dimensions 2 / 5 / (blank) cleared: the Impact is rated as one number"
        ),
        "{changed:?}"
    );
    let mut g = fixture();
    g.wb.apply_import(&p.batch, "import")?;
    let a = g.wb.answer(&t2, "ACC-02")?.unwrap();
    assert_eq!((a.dimension_impacts, a.impact), ([None; 3], Some(2)));

    // All three cleared (a copy of this workbook): the impact stays, as one number.
    let mut cs = base.clone();
    for key in ["patient_safety", "phi"] {
        set_json(&mut cs, &format!("{at}/impact_dimensions/{key}"), "");
    }
    let p = plan(&f.wb, &cs);
    f.wb.apply_import(&p.batch, "import")?;
    let a = f.wb.answer(&t2, "ACC-02")?.unwrap();
    assert_eq!(
        (a.dimension_impacts, a.impact, a.impact_default),
        ([None; 3], Some(5), false)
    );
    Ok(())
}

#[test]
fn identified_dates_and_due_defaults_are_read_by_the_register_rules() -> TestResult {
    let mut f = richer();
    let base = exported_json(&f.wb, today());
    let enc01 = json_element(&base, true, "DEV-0001", "ENC-01");
    let model = "MODEL:Baxter/Sigma Spectrum";
    let enc02 = json_element(&base, true, model, "ENC-02");
    let t1 = Target::Device(f.d1);

    // Not after today.
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{enc01}/identified_on"), "2099-01-01");
    let line = only_rejection(&f.wb, &cs);
    assert!(
        line.starts_with(&format!("{enc01}/identified_on DEV-0001 ENC-01 (R-0001) the identified date 2099-01-01 is in the future")),
        "{line}"
    );
    // Not a flag.
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{enc02}/due_date_default"), "maybe");
    let line = only_rejection(&f.wb, &cs);
    assert!(
        line.starts_with(&format!("{enc02}/due_date_default ")),
        "{line}"
    );

    // An earlier identified date: the default due date counts from it.
    let due_before = crate::risk::register::Register::load(&f.wb)?
        .findings
        .iter()
        .find(|x| x.target == t1 && x.control.id == "ENC-01")
        .and_then(|x| x.due_date())
        .unwrap();
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{enc01}/identified_on"), "2024-12-10");
    // Following the level (true), then taken by hand (false) with the same date: one change.
    set_json(&mut cs, &format!("{enc02}/due_date_default"), "Yes");
    let p = plan(&f.wb, &cs);
    let changed = lines(&p, LineKind::Changed);
    assert_eq!(
        changed,
        [
            format!(
                "{enc01}/identified_on DEV-0001 ENC-01 (R-0001) Identified On: 2025-01-10 → 2024-12-10"
            ),
            format!(
                "{enc02}/due_date_default {model} ENC-02 (R-0003) Due Date: 2027-01-31 → {} (follows the level)",
                crate::risk::register::Register::load(&f.wb)?
                    .findings
                    .iter()
                    .find(|x| x.control.id == "ENC-02")
                    .and_then(|x| x.level()?.default_due(x.identified_on?))
                    .map_or("?".to_string(), |d| d.to_string())
            ),
        ],
        "{}",
        p.report.render()
    );
    f.wb.apply_import(&p.batch, "import")?;
    let e1 = f.wb.risk_entry(&t1, "ENC-01")?.unwrap();
    assert_eq!(
        (e1.identified_on, e1.due_default),
        (Some(day(2024, 12, 10)), true)
    );
    let due_after = crate::risk::register::Register::load(&f.wb)?
        .findings
        .iter()
        .find(|x| x.target == t1 && x.control.id == "ENC-01")
        .and_then(|x| x.due_date())
        .unwrap();
    assert_eq!((due_before - due_after).num_days(), 31);
    let e2 = f.wb.risk_entry(&baxter(), "ENC-02")?.unwrap();
    assert!(e2.due_default);

    // The flag turned off with the date left: the date is now set by hand.
    let base = exported_json(&f.wb, today());
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{enc01}/due_date_default"), "false");
    let p = plan(&f.wb, &cs);
    let changed = lines(&p, LineKind::Changed);
    let due = due_after.to_string();
    assert_eq!(
        changed,
        [format!(
            "{enc01}/due_date_default DEV-0001 ENC-01 (R-0001) Due Date: {due} (follows the level) → {due}"
        )]
    );
    f.wb.apply_import(&p.batch, "import")?;
    let e1 = f.wb.risk_entry(&t1, "ENC-01")?.unwrap();
    assert_eq!((e1.due_default, e1.due_date), (false, Some(due_after)));

    // A date typed over a due date that follows the level, the flag left on: set by hand.
    let mut cs = base.clone();
    set_json(&mut cs, &format!("{enc02}/due_date"), "2031-05-01");
    let p = plan(&f.wb, &cs);
    f.wb.apply_import(&p.batch, "import")?;
    let e2 = f.wb.risk_entry(&baxter(), "ENC-02")?.unwrap();
    assert_eq!(
        (e2.due_default, e2.due_date),
        (false, Some(day(2031, 5, 1)))
    );

    // A blank identified date leaves the stored one alone in a foreign copy, and clears it in a
    // copy of this workbook.
    let mut cs = exported_json(&f.wb, today());
    set_json(&mut cs, &format!("{enc01}/identified_on"), "");
    let mut foreign = cs.clone();
    foreign.source.workbook_id = Some("another-workbook".into());
    let p = plan_changeset(
        &f.wb,
        &foreign,
        &PlanOptions {
            accept_foreign: true,
            ..opts()
        },
    )?;
    assert_eq!(p.report.totals().changed, 0, "{}", p.report.render());
    let p = plan(&f.wb, &cs);
    assert_eq!(
        lines(&p, LineKind::Changed),
        [format!(
            "{enc01}/identified_on DEV-0001 ENC-01 (R-0001) Identified On: 2024-12-10 → (blank)"
        )]
    );
    Ok(())
}
