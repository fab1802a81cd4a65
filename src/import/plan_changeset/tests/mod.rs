//! Planning filled copies against real workbooks (the fixture and helpers here; the tests by
//! subject in `apply`, `values`, `matching` and `json`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod apply;
mod json;
mod matching;
mod values;

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

/// Plans `cs` and returns its one rejected line (other rows may add).
fn only_rejection_allowing_adds(wb: &Workbook, cs: &Changeset) -> String {
    let p = plan(wb, cs);
    let rejected = lines(&p, LineKind::Rejected);
    assert_eq!(rejected.len(), 1, "{}", p.report.render());
    rejected[0].clone()
}
