//! Round trip: a random workbook → the changeset its export gives back → applied to a copy of
//! the workbook emptied of answers, register treatments and inventory fields → answers,
//! register entries and inventory identical field by field (who and when an answer was given
//! aside: an import answers now). Few cases: each makes and exports two encrypted workbooks.
//! Once through `export xlsx` and the template reader, once through `export json` and the JSON
//! reader; the JSON copy is also imported into a fresh workbook (as a foreign copy), which must
//! end up the same but for its own IDs.
//!
//! Generated for the JSON round trip only, because no spreadsheet cell carries them back:
//! per-dimension impacts (the control sheet shows one Impact; the register's dimensions are
//! derived), dates first identified other than the day of the answer (the copy is emptied of
//! them too), and due dates set to none. Not generated at all: a rated likelihood equal to its
//! default next to a default impact (the one Rating column, which the JSON reader also builds
//! from `likelihood_default` / `impact_default`, then says `default` for both). Suggestions have
//! no API to make them yet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::testkit::{PASS, exported, exported_json, workbook};
use super::{PlanOptions, plan_changeset};
use crate::assessment::{Answer, AnswerSource, Response, Target, model_key};
use crate::catalog::{Control, Scope, catalog};
use crate::device::fields;
use crate::risk::{RiskStatus, Treatment};
use crate::workbook::{
    Access, AnswerEdit, AnswerInput, BatchTarget, DeviceChange, Due, FieldSource, ImportBatch,
    Passphrase, RiskEntry, RiskEntryInput, Workbook,
};

const MAKES: [(&str, &str); 2] = [("Baxter", "Sigma Spectrum"), ("GE", "Carescape B650")];
const SITES: [&str; 2] = ["Main", "North Wing"];
const CRITICALITY: [&str; 5] = [
    "Life-sustaining",
    "Therapeutic",
    "Diagnostic",
    "Monitoring",
    "Non-clinical",
];

#[derive(Debug, Clone)]
struct DeviceSpec {
    make: Option<usize>,
    site: Option<usize>,
    criticality: Option<usize>,
    clinical: Option<u8>,
    phi_stored: Option<bool>,
    room: Option<String>,
    install: Option<u32>,
    notes: Option<String>,
    extra: Option<String>,
}

#[derive(Debug, Clone)]
struct RiskSpec {
    owner: Option<String>,
    treatment: usize,
    status: usize,
    due: Option<u32>,
    residual: Option<(u8, u8)>,
    /// JSON only: identified this many days before today.
    identified: Option<u32>,
    /// JSON only: a due date set to none (when `due` gives no date).
    no_due: bool,
}

#[derive(Debug, Clone)]
struct AnswerSpec {
    device: usize,
    control: usize,
    response: Option<usize>,
    note: Option<String>,
    observed: Option<String>,
    evidence: Option<String>,
    recommendation: Option<String>,
    source: Option<usize>,
    rating: usize,
    likelihood: u8,
    impact: u8,
    defer: Option<(String, Option<u32>)>,
    risk: Option<RiskSpec>,
    /// JSON only: impact per dimension (patient safety, PHI, operations).
    dims: Option<[Option<u8>; 3]>,
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9éü東 ;,.-]{0,12}(\n[a-z ]{1,8})?".prop_map(|s| {
        let t = s.trim().to_string();
        if t.is_empty() { "x".to_string() } else { t }
    })
}

fn device_spec() -> impl Strategy<Value = DeviceSpec> {
    (
        proptest::option::of(0..MAKES.len()),
        proptest::option::of(0..SITES.len()),
        proptest::option::of(0..CRITICALITY.len()),
        proptest::option::of(1u8..=5),
        proptest::option::of(any::<bool>()),
        proptest::option::of("[A-Za-z0-9 ]{1,10}"),
        proptest::option::of(0u32..3000),
        proptest::option::of(text()),
        proptest::option::of("[a-z0-9]{1,6}"),
    )
        .prop_map(
            |(make, site, criticality, clinical, phi_stored, room, install, notes, extra)| {
                DeviceSpec {
                    make,
                    site,
                    criticality,
                    clinical,
                    phi_stored,
                    room: room.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()),
                    install,
                    notes,
                    extra,
                }
            },
        )
}

fn risk_spec() -> impl Strategy<Value = RiskSpec> {
    (
        proptest::option::of("[A-Za-z .:]{1,12}"),
        0usize..5,
        0usize..3,
        proptest::option::of(0u32..2000),
        proptest::option::of((1u8..=5, 1u8..=5)),
        (proptest::option::of(0u32..400), any::<bool>()),
    )
        .prop_map(
            |(owner, treatment, status, due, residual, (identified, no_due))| RiskSpec {
                owner: owner
                    .map(|o| o.trim().to_string())
                    .filter(|o| !o.is_empty()),
                treatment,
                status,
                due,
                residual,
                identified,
                no_due,
            },
        )
}

fn answer_spec() -> impl Strategy<Value = AnswerSpec> {
    (
        (0usize..8, 0usize..72, proptest::option::of(0usize..5)),
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(0usize..8),
        ),
        (0usize..3, 1u8..=5, 1u8..=5),
        proptest::option::of((text(), proptest::option::of(0u32..900))),
        proptest::option::of(risk_spec()),
        proptest::option::of((
            proptest::option::of(1u8..=5),
            proptest::option::of(1u8..=5),
            1u8..=5,
            0usize..3,
        )),
    )
        .prop_map(
            |(
                (device, control, response),
                (note, observed, evidence, recommendation, source),
                (rating, likelihood, impact),
                defer,
                risk,
                dims,
            )| AnswerSpec {
                device,
                control,
                response,
                note,
                observed,
                evidence,
                recommendation,
                source,
                rating,
                likelihood,
                impact,
                defer,
                risk,
                // At least one dimension rated (the one at `at`).
                dims: dims.map(|(a, b, c, at)| {
                    let mut d = [a, b, None];
                    d[at] = Some(c);
                    d
                }),
            },
        )
}

fn day(offset: u32, from: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(from.0, from.1, from.2)
        .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(offset))))
        .unwrap()
}

fn add_devices(wb: &mut Workbook, specs: &[DeviceSpec]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (n, s) in specs.iter().enumerate() {
        // In scope, as `medsec device add` and every import make a new device.
        let mut values: Vec<(&'static str, String)> = vec![
            ("name", format!("Device {n}")),
            ("asset_tag", format!("TAG-{n}")),
            ("in_scope", "Yes".into()),
        ];
        if let Some(m) = s.make {
            values.push(("manufacturer", MAKES[m].0.into()));
            values.push(("model", MAKES[m].1.into()));
        }
        if let Some(site) = s.site {
            values.push(("site", SITES[site].into()));
        }
        if let Some(c) = s.criticality {
            values.push(("criticality", CRITICALITY[c].into()));
        }
        if let Some(c) = s.clinical {
            values.push(("clinical_impact", c.to_string()));
        }
        if let Some(p) = s.phi_stored {
            values.push(("phi_stored", if p { "Yes" } else { "No" }.into()));
        }
        if let Some(r) = &s.room {
            values.push(("room", r.clone()));
        }
        if let Some(d) = s.install {
            values.push(("install_date", day(d, (2015, 1, 1)).to_string()));
        }
        if let Some(t) = &s.notes {
            values.push(("notes", t.clone()));
        }
        let mut change = DeviceChange::default();
        for (k, v) in values {
            let def = fields::settable(k).unwrap();
            change.values.push((k, def.normalize(&v).unwrap()));
        }
        if let Some(e) = &s.extra {
            change.extra.push(("Cost centre".into(), e.clone()));
        }
        ids.push(wb.add_device(&change, FieldSource::Inventory).unwrap().id);
    }
    ids
}

/// The target a spec answers: its device, the device's model or its site, as the control's
/// scope says.
fn target_of(wb: &Workbook, ids: &[i64], spec: &AnswerSpec, control: &Control) -> Target {
    let id = ids[spec.device % ids.len()];
    let d = wb.device(id).unwrap();
    match control.scope {
        Scope::Device => Target::Device(id),
        Scope::Model => crate::assessment::model_target(&d).unwrap_or(Target::Device(id)),
        Scope::Site => Target::Site(d.get("site").to_string()),
    }
}

/// Answers and treats as the specs say; `json` adds what only a JSON copy carries back
/// (per-dimension impacts, earlier identified dates, due dates set to none).
fn answer_all(wb: &mut Workbook, ids: &[i64], specs: &[AnswerSpec], json: bool) {
    let controls: Vec<&Control> = catalog().controls().collect();
    let mut done = std::collections::HashSet::new();
    let mut deferrals = ImportBatch::default();
    for s in specs {
        let control = controls[s.control % controls.len()];
        let target = target_of(wb, ids, s, control);
        if !done.insert((format!("{target:?}").to_lowercase(), control.id.clone())) {
            continue;
        }
        let response = s.response.map(|r| Response::ALL[r]);
        if response.is_none() {
            if let Some((reason, until)) = &s.defer {
                deferrals.answers.push(AnswerEdit {
                    target: BatchTarget::Existing(target.clone()),
                    control_id: control.id.clone(),
                    input: AnswerInput {
                        deferral: Some(reason.clone()),
                        note: s.note.clone(),
                        ..AnswerInput::default()
                    },
                    clear_likelihood: false,
                    clear_impact: false,
                    clear_source: false,
                    deferred_until: until.map(|d| Some(day(d, (2027, 1, 1)))),
                });
            }
            continue;
        }
        let finding = response.is_some_and(Response::is_finding);
        let mut input = AnswerInput {
            response: Some(response),
            note: s.note.clone(),
            observed: s.observed.clone(),
            evidence_ref: s.evidence.clone(),
            recommendation: s.recommendation.clone(),
            source: s.source.map(|i| AnswerSource::ALL[i]),
            ..AnswerInput::default()
        };
        if response == Some(Response::NotApplicable) && input.note.is_none() {
            input.note = Some("not applicable here".into());
        }
        match s.rating {
            1 => {
                input.likelihood = Some(s.likelihood);
                input.impact = Some(s.impact);
            }
            // A likelihood alone must differ from the default (see the module documentation).
            2 if !finding
                || response.and_then(Response::default_likelihood) != Some(s.likelihood) =>
            {
                input.likelihood = Some(s.likelihood);
            }
            _ => {}
        }
        if json && s.dims.is_some() {
            input.dimension_impacts = s.dims;
        }
        wb.set_answer(&target, control, &input).unwrap();
        if let (true, Some(r)) = (finding, &s.risk) {
            let accept = r.treatment == 2;
            let risk = RiskEntryInput {
                owner: r.owner.clone(),
                treatment: Some(match r.treatment {
                    1 => Some(Treatment::Mitigate),
                    2 => Some(Treatment::Accept),
                    3 => Some(Treatment::Transfer),
                    4 => Some(Treatment::Avoid),
                    _ => None,
                }),
                accepted_by: accept.then(|| "Dr Ruiz (CMIO)".to_string()),
                acceptance_note: accept.then(|| "isolated VLAN\nuntil 2031".to_string()),
                review_date: accept.then(|| NaiveDate::from_ymd_opt(2031, 6, 30)),
                status: Some(RiskStatus::ALL[r.status]),
                due: match r.due {
                    Some(d) => Some(Due::On(day(d, (2030, 1, 1)))),
                    None if json && r.no_due => Some(Due::None),
                    None => None,
                },
                residual_likelihood: r.residual.map(|x| Some(x.0)),
                residual_impact: r.residual.map(|x| Some(x.1)),
                identified_on: r.identified.filter(|_| json).map(|back| {
                    chrono::Local::now()
                        .date_naive()
                        .checked_sub_days(chrono::Days::new(u64::from(back)))
                }),
                ..RiskEntryInput::default()
            };
            wb.set_risk_entry(&target, &control.id, &risk).unwrap();
        }
    }
    wb.apply_import(&deferrals, "deferrals").unwrap();
}

/// Everything the round trip must bring back, keyed so it compares across workbooks.
fn state(
    wb: &Workbook,
) -> (
    BTreeMap<String, Answer>,
    BTreeMap<String, RiskEntry>,
    Vec<String>,
) {
    let key = |t: &Target| match t {
        Target::Device(id) => format!("device {id}"),
        Target::Model {
            manufacturer,
            model,
        } => format!("model {}", model_key(manufacturer, model)),
        Target::Site(s) => format!("site {}", s.trim().to_lowercase()),
    };
    let answers = wb
        .answer_rows()
        .unwrap()
        .into_iter()
        .map(|r| {
            let mut a = r.answer;
            a.assessed_at = None;
            a.assessed_on = None;
            (format!("{} {}", key(&r.target), a.control_id), a)
        })
        .collect();
    let entries = wb
        .risk_entries()
        .unwrap()
        .into_iter()
        .map(|(t, c, e)| (format!("{} {c}", key(&t)), e))
        .collect();
    let devices = wb
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| format!("{} {:?} {:?} {:?}", d.short_id(), d.uuid, d.values, d.extra))
        .collect();
    (answers, entries, devices)
}

/// Empties a workbook of answers, register treatments (the dates first identified stay, unless
/// `identified` says to clear them too) and inventory fields.
fn empty(wb: &mut Workbook, identified: bool) {
    let catalog = catalog();
    let items: Vec<(Target, &Control, AnswerInput)> = wb
        .answer_rows()
        .unwrap()
        .into_iter()
        .map(|r| {
            let c = catalog.control(&r.answer.control_id).unwrap();
            let clear = AnswerInput {
                response: Some(None),
                note: Some(String::new()),
                observed: Some(String::new()),
                evidence_ref: Some(String::new()),
                recommendation: Some(String::new()),
                deferral: Some(String::new()),
                ..AnswerInput::default()
            };
            (r.target, c, clear)
        })
        .collect();
    wb.set_answers(&items, "empty").unwrap();
    let resets: Vec<(Target, String, RiskEntryInput)> = wb
        .risk_entries()
        .unwrap()
        .into_iter()
        .map(|(t, c, _)| {
            let reset = RiskEntryInput {
                treatment: Some(None),
                planned_actions: Some(String::new()),
                owner: Some(String::new()),
                due: Some(Due::Default),
                status: Some(RiskStatus::Open),
                residual_likelihood: Some(None),
                residual_impact: Some(None),
                accepted_by: Some(String::new()),
                acceptance_note: Some(String::new()),
                accepted_on: Some(None),
                review_date: Some(None),
                identified_on: identified.then_some(None),
            };
            (t, c, reset)
        })
        .collect();
    wb.set_risk_entries(&resets, "empty").unwrap();
    let changes: Vec<(Option<i64>, DeviceChange)> = wb
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| {
            let change = DeviceChange {
                values: fields::settable_fields()
                    .map(|f| (f.key, String::new()))
                    .collect(),
                services: None,
                extra: d
                    .extra
                    .iter()
                    .map(|(h, _)| (h.clone(), String::new()))
                    .collect(),
            };
            (Some(d.id), change)
        })
        .collect();
    wb.apply_device_changes(&changes, FieldSource::Typed)
        .unwrap();
    assert!(wb.answer_rows().unwrap().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn an_export_imported_into_an_emptied_copy_brings_everything_back(
        devices in proptest::collection::vec(device_spec(), 1..5),
        answers in proptest::collection::vec(answer_spec(), 0..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path(), "original.medsec");
        let ids = add_devices(&mut wb, &devices);
        answer_all(&mut wb, &ids, &answers, false);
        let today = chrono::Local::now().date_naive();
        let mut cs = exported(&wb, today);
        // The copy is emptied after the export, which an import would otherwise take as work
        // newer than the copy and keep; without an export time every cell is taken.
        cs.source.exported_at = None;
        let before = state(&wb);
        drop(wb);
        let copy = dir.path().join("copy.medsec");
        std::fs::copy(dir.path().join("original.medsec"), &copy).unwrap();
        let mut wb = Workbook::open(&copy, &Passphrase::new(PASS.into()), Access::Write).unwrap();
        empty(&mut wb, false);

        let opts = PlanOptions { accept_foreign: false, with_matrix: false, today };
        let plan = plan_changeset(&wb, &cs, &opts).unwrap();
        let totals = plan.report.totals();
        prop_assert_eq!(totals.rejected, 0, "{}", plan.report.render());
        wb.apply_import(&plan.batch, "import workbook original.xlsx").unwrap();
        let after = state(&wb);
        prop_assert_eq!(&after.2, &before.2, "inventory");
        for (k, a) in &before.0 {
            prop_assert_eq!(after.0.get(k), Some(a), "answer {}\n{}", k, plan.report.render());
        }
        prop_assert_eq!(after.0.len(), before.0.len());
        prop_assert_eq!(&after.1, &before.1, "register");

        // And the copy, exported again, plans as unchanged against itself.
        let again = plan_changeset(&wb, &exported(&wb, today), &opts).unwrap();
        let t = again.report.totals();
        prop_assert_eq!((t.added, t.changed, t.ignored, t.rejected), (0, 0, 0, 0), "{}", again.report.render());
    }

    #[test]
    fn a_json_export_brings_everything_back_into_an_emptied_copy_and_a_fresh_workbook(
        devices in proptest::collection::vec(device_spec(), 1..5),
        answers in proptest::collection::vec(answer_spec(), 0..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = workbook(dir.path(), "original.medsec");
        let ids = add_devices(&mut wb, &devices);
        answer_all(&mut wb, &ids, &answers, true);
        let today = chrono::Local::now().date_naive();
        let mut cs = exported_json(&wb, today);
        // As above: the copy is emptied after the export.
        cs.source.exported_at = None;
        let before = state(&wb);
        drop(wb);
        let copy = dir.path().join("copy.medsec");
        std::fs::copy(dir.path().join("original.medsec"), &copy).unwrap();
        let mut wb = Workbook::open(&copy, &Passphrase::new(PASS.into()), Access::Write).unwrap();
        empty(&mut wb, true);

        let opts = PlanOptions { accept_foreign: false, with_matrix: false, today };
        let plan = plan_changeset(&wb, &cs, &opts).unwrap();
        prop_assert_eq!(plan.report.totals().rejected, 0, "{}", plan.report.render());
        wb.apply_import(&plan.batch, "import json original.json").unwrap();
        let after = state(&wb);
        prop_assert_eq!(&after.2, &before.2, "inventory");
        for (k, a) in &before.0 {
            prop_assert_eq!(after.0.get(k), Some(a), "answer {}\n{}", k, plan.report.render());
        }
        prop_assert_eq!(after.0.len(), before.0.len());
        prop_assert_eq!(&after.1, &before.1, "register");
        let again = plan_changeset(&wb, &exported_json(&wb, today), &opts).unwrap();
        let t = again.report.totals();
        prop_assert_eq!((t.added, t.changed, t.ignored, t.rejected), (0, 0, 0, 0), "{}", again.report.render());

        // A fresh workbook takes the same copy in full (its devices numbered in file order).
        let mut fresh = workbook(dir.path(), "fresh.medsec");
        let foreign = PlanOptions { accept_foreign: true, ..opts };
        let plan = plan_changeset(&fresh, &cs, &foreign).unwrap();
        prop_assert_eq!(plan.report.totals().rejected, 0, "{}", plan.report.render());
        fresh.apply_import(&plan.batch, "import json original.json").unwrap();
        let (answers_before, entries_before, devices_before) = without_ids(before);
        let (answers_after, entries_after, devices_after) = without_ids(state(&fresh));
        prop_assert_eq!(devices_after, devices_before, "inventory");
        prop_assert_eq!(answers_after, answers_before, "answers\n{}", plan.report.render());
        prop_assert_eq!(entries_after, entries_before, "register\n{}", plan.report.render());
    }
}

/// [`state`] without what another workbook numbers or names its own way: register entry IDs
/// and device UUIDs (devices keep their row IDs, which a fresh workbook gives in file order).
fn without_ids(
    (answers, entries, devices): (
        BTreeMap<String, Answer>,
        BTreeMap<String, RiskEntry>,
        Vec<String>,
    ),
) -> (
    BTreeMap<String, Answer>,
    BTreeMap<String, RiskEntry>,
    Vec<String>,
) {
    let entries = entries
        .into_iter()
        .map(|(k, mut e)| {
            e.id = 0;
            (k, e)
        })
        .collect();
    let devices = devices
        .into_iter()
        .map(|d| {
            // `DEV-0001 "uuid" {...} {...}`: the UUID is the second word.
            let mut words = d.splitn(3, ' ');
            let short = words.next().unwrap_or_default().to_string();
            let _uuid = words.next();
            format!("{short} {}", words.next().unwrap_or_default())
        })
        .collect();
    (answers, entries, devices)
}
