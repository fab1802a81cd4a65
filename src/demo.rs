//! A demo workbook (`medsec demo`): realistic sample devices of a mid-size hospital, answers with
//! notes and observed values, ratings, and a risk register with owners, treatments, due dates,
//! accepted risks and closed ones, so every screen, export and report has something to show.
//!
//! The data is invented (names, serial numbers, addresses) and the same for the same options:
//! a seeded generator picks responses, so two demos made on the same day are identical.
//! Manufacturer and model names are real products' names, used only as labels.

use chrono::{Days, NaiveDate};

use crate::assessment::{AnswerSource, Response, Target};
use crate::catalog::{Control, Scope};
use crate::device::fields;
use crate::risk::{RiskStatus, Treatment};
use crate::workbook::{
    AnswerInput, AssessmentMeta, DeviceChange, Due, FieldSource, RiskEntryInput, Workbook,
    WorkbookError,
};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    /// How many devices (default 24, the hospital below; more repeat its models with new
    /// serial numbers, names and addresses).
    pub devices: usize,
    /// The share of controls answered, 0.0–1.0 (default 0.8; values outside are clamped).
    pub answered: f64,
    /// "Today" for identified and due dates (default: the local date).
    pub today: NaiveDate,
    /// The generator's seed (default 2026): the same seed gives the same workbook.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            devices: 24,
            answered: 0.8,
            today: chrono::Local::now().date_naive(),
            seed: 2026,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    /// Devices added.
    pub devices: usize,
    /// Answers stored (device, model and site answers).
    pub answers: usize,
    /// Findings (No, Partial, Unknown), a model or site finding once.
    pub findings: usize,
    /// Findings left open (Open or In Progress).
    pub open: usize,
}

/// The demo assessment's metadata, for `Workbook::create`: an invented hospital and assessor.
pub fn meta(today: NaiveDate) -> AssessmentMeta {
    let start = today.checked_sub_days(Days::new(14)).unwrap_or(today);
    AssessmentMeta {
        title: "Medical device security risk assessment (demo)".into(),
        organisation: "St. Example Regional Hospital".into(),
        site: "Main Campus; North Clinic".into(),
        assessor: "A. Assessor (demo)".into(),
        scope: "Networked clinical devices of the ICU, radiology, the laboratory, cardiology \
                and the North Clinic"
            .into(),
        start_date: Some(start.to_string()),
        end_date: Some(today.to_string()),
        ..AssessmentMeta::default()
    }
}

/// One kind of device in the demo hospital.
struct Kind {
    manufacturer: &'static str,
    model: &'static str,
    category: &'static str,
    name: &'static str,
    host: &'static str,
    criticality: &'static str,
    clinical_impact: &'static str,
    os: &'static str,
    os_end_of_support: &'static str,
    software: &'static str,
    /// PHI stored, displayed, transmitted.
    phi: [&'static str; 3],
    department: &'static str,
    site: &'static str,
    room: &'static str,
    connectivity: &'static str,
    vendor_remote_access: &'static str,
    vlan: u8,
    mds2: bool,
    sbom: bool,
    /// How many of the 24 devices are of this kind.
    count: usize,
    /// How well this kind does, 0–100: higher = more Yes answers.
    maturity: u32,
}

const KINDS: &[Kind] = &[
    Kind {
        manufacturer: "B. Braun",
        model: "Infusomat Space",
        category: "Infusion pump",
        name: "Infusion pump",
        host: "icu-pump",
        criticality: "Therapeutic",
        clinical_impact: "4",
        os: "Embedded RTOS",
        os_end_of_support: "",
        software: "688F",
        phi: ["No", "Yes", "Yes"],
        department: "ICU",
        site: "Main Campus",
        room: "B2 / ICU",
        connectivity: "Wi-Fi",
        vendor_remote_access: "No",
        vlan: 210,
        mds2: true,
        sbom: false,
        count: 6,
        maturity: 77,
    },
    Kind {
        manufacturer: "Philips",
        model: "IntelliVue MX450",
        category: "Patient monitor",
        name: "Bedside monitor",
        host: "icu-mon",
        criticality: "Monitoring",
        clinical_impact: "4",
        os: "Embedded (VxWorks)",
        os_end_of_support: "",
        software: "M.00.03",
        phi: ["Yes", "Yes", "Yes"],
        department: "ICU",
        site: "Main Campus",
        room: "B2 / ICU",
        connectivity: "Wired",
        vendor_remote_access: "Yes",
        vlan: 220,
        mds2: true,
        sbom: true,
        count: 4,
        maturity: 87,
    },
    Kind {
        manufacturer: "Dräger",
        model: "Evita V500",
        category: "Ventilator",
        name: "Ventilator",
        host: "icu-vent",
        criticality: "Life-sustaining",
        clinical_impact: "5",
        os: "Windows Embedded Standard 7",
        os_end_of_support: "2020-10-13",
        software: "2.51",
        phi: ["No", "Yes", "Yes"],
        department: "ICU",
        site: "Main Campus",
        room: "B2 / ICU",
        connectivity: "Wired",
        vendor_remote_access: "No",
        vlan: 220,
        mds2: true,
        sbom: false,
        count: 2,
        maturity: 67,
    },
    Kind {
        manufacturer: "GE HealthCare",
        model: "CARESCAPE Central Station",
        category: "Telemetry/central station",
        name: "Central station",
        host: "icu-central",
        criticality: "Monitoring",
        clinical_impact: "4",
        os: "Windows 10 IoT Enterprise LTSC 2019",
        os_end_of_support: "2029-01-09",
        software: "2.1",
        phi: ["Yes", "Yes", "Yes"],
        department: "ICU",
        site: "Main Campus",
        room: "B2 / ICU nurses' station",
        connectivity: "Wired",
        vendor_remote_access: "Yes",
        vlan: 220,
        mds2: true,
        sbom: false,
        count: 1,
        maturity: 82,
    },
    Kind {
        manufacturer: "Siemens Healthineers",
        model: "SOMATOM go.Up",
        category: "Imaging modality",
        name: "CT scanner",
        host: "rad-ct",
        criticality: "Diagnostic",
        clinical_impact: "4",
        os: "Windows 10 IoT Enterprise 2016 LTSB",
        os_end_of_support: "2026-10-13",
        software: "VA40",
        phi: ["Yes", "Yes", "Yes"],
        department: "Radiology",
        site: "Main Campus",
        room: "G1 / CT room 1",
        connectivity: "Wired",
        vendor_remote_access: "Yes",
        vlan: 110,
        mds2: true,
        sbom: true,
        count: 1,
        maturity: 90,
    },
    Kind {
        manufacturer: "Dell",
        model: "OptiPlex 7090 (PACS viewer)",
        category: "Clinical workstation",
        name: "PACS viewing workstation",
        host: "rad-ws",
        criticality: "Diagnostic",
        clinical_impact: "3",
        os: "Windows 10 Enterprise 22H2",
        os_end_of_support: "2025-10-14",
        software: "PACS client 8.2",
        phi: ["Yes", "Yes", "Yes"],
        department: "Radiology",
        site: "Main Campus",
        room: "G1 / Reading room",
        connectivity: "Wired",
        vendor_remote_access: "No",
        vlan: 110,
        mds2: false,
        sbom: false,
        count: 2,
        maturity: 90,
    },
    Kind {
        manufacturer: "Sysmex",
        model: "XN-1000",
        category: "Lab analyzer",
        name: "Hematology analyzer",
        host: "lab-xn",
        criticality: "Diagnostic",
        clinical_impact: "3",
        os: "Windows 7 Professional",
        os_end_of_support: "2020-01-14",
        software: "00-24",
        phi: ["Yes", "Yes", "Yes"],
        department: "Laboratory",
        site: "Main Campus",
        room: "L0 / Core lab",
        connectivity: "Wired",
        vendor_remote_access: "Yes",
        vlan: 130,
        mds2: false,
        sbom: false,
        count: 1,
        maturity: 57,
    },
    Kind {
        manufacturer: "Medtronic",
        model: "CareLink 2090",
        category: "Implant programmer",
        name: "Pacemaker programmer",
        host: "card-prog",
        criticality: "Therapeutic",
        clinical_impact: "3",
        os: "Windows XP Embedded",
        os_end_of_support: "2016-01-12",
        software: "8.4",
        phi: ["Yes", "Yes", "Yes"],
        department: "Cardiology",
        site: "Main Campus",
        room: "C3 / Device clinic",
        connectivity: "USB; Wi-Fi",
        vendor_remote_access: "No",
        vlan: 140,
        mds2: true,
        sbom: false,
        count: 1,
        maturity: 62,
    },
    Kind {
        manufacturer: "Omnicell",
        model: "XT Automated Dispensing Cabinet",
        category: "Other",
        name: "Medication cabinet",
        host: "phar-adc",
        criticality: "Non-clinical",
        clinical_impact: "3",
        os: "Windows 10 IoT Enterprise LTSC 2019",
        os_end_of_support: "2029-01-09",
        software: "22.1",
        phi: ["Yes", "Yes", "Yes"],
        department: "Pharmacy",
        site: "Main Campus",
        room: "B2 / ICU med room",
        connectivity: "Wired",
        vendor_remote_access: "Yes",
        vlan: 150,
        mds2: false,
        sbom: false,
        count: 1,
        maturity: 90,
    },
    Kind {
        manufacturer: "BD",
        model: "Alaris 8015 PC Unit",
        category: "Infusion pump",
        name: "Infusion pump",
        host: "nc-pump",
        criticality: "Therapeutic",
        clinical_impact: "3",
        os: "Embedded",
        os_end_of_support: "",
        software: "12.1.2",
        phi: ["No", "Yes", "Yes"],
        department: "Day surgery",
        site: "North Clinic",
        room: "Day surgery bay",
        connectivity: "Wi-Fi",
        vendor_remote_access: "No",
        vlan: 30,
        mds2: true,
        sbom: false,
        count: 3,
        maturity: 72,
    },
    Kind {
        manufacturer: "Nihon Kohden",
        model: "CNS-6201",
        category: "Telemetry/central station",
        name: "Central nursing station",
        host: "nc-central",
        criticality: "Monitoring",
        clinical_impact: "3",
        os: "Windows 10 IoT Enterprise LTSC 2019",
        os_end_of_support: "2029-01-09",
        software: "05-03",
        phi: ["Yes", "Yes", "Yes"],
        department: "Day surgery",
        site: "North Clinic",
        room: "Nurses' station",
        connectivity: "Wired",
        vendor_remote_access: "Yes",
        vlan: 30,
        mds2: false,
        sbom: false,
        count: 2,
        maturity: 77,
    },
];

/// People who own risks in the demo hospital.
const OWNERS: &[&str] = &[
    "Clinical Engineering – J. Müller",
    "IT Security – P. Okafor",
    "Network team – S. Lindqvist",
    "Radiology PACS admin – M. Rossi",
    "Biomed North Clinic – K. Tanaka",
];

/// A note for a response, in an assessor's words.
fn note_for(response: Response, control: &Control, rng: &mut fastrand::Rng) -> String {
    let picks: &[&str] = match response {
        Response::Yes => &[
            "",
            "",
            "Confirmed with the clinical engineer on site.",
            "Seen in the device configuration.",
        ],
        Response::Partial => &[
            "Only some units are configured this way.",
            "In place, but not documented.",
            "Configured, but the vendor default was not changed everywhere.",
        ],
        Response::No => &[
            "Not in place; vendor says a later software release supports it.",
            "Not configured on this device.",
            "Not possible on this software version.",
        ],
        Response::Unknown => &[
            "Vendor has not answered yet (ticket open).",
            "Nobody on site could confirm this.",
        ],
        Response::NotApplicable => &["Not applicable: the device does not have this function."],
    };
    let pick = picks[rng.usize(..picks.len())];
    if pick.is_empty() || response != Response::Unknown {
        return pick.to_string();
    }
    format!("{pick} Asked about: {}", control.title.to_lowercase())
}

/// Picks a response for a kind's maturity (0–100): mature kinds answer Yes more often.
fn pick_response(maturity: u32, rng: &mut fastrand::Rng) -> Response {
    let roll = rng.u32(0..100);
    let yes = maturity.min(90);
    let rest = 100 - yes;
    match roll {
        r if r < yes => Response::Yes,
        r if r < yes + rest * 30 / 100 => Response::Partial,
        r if r < yes + rest * 75 / 100 => Response::No,
        r if r < yes + rest * 90 / 100 => Response::Unknown,
        _ => Response::NotApplicable,
    }
}

/// Fills an empty workbook with the demo hospital: devices, answers on devices, models and
/// sites, ratings, and register entries (owners, treatments, due dates, statuses, residual
/// ratings, accepted risks — one past its review date —, identified dates up to four months
/// back so some risks are overdue).
///
/// Errors: `WorkbookError::Invalid` when the workbook already has devices (the demo never mixes
/// with real data); any error of the workbook calls it makes.
pub fn populate(wb: &mut Workbook, opts: &DemoOptions) -> Result<DemoSummary, WorkbookError> {
    if !wb.devices()?.is_empty() {
        return Err(WorkbookError::Invalid(
            "the demo fills a new, empty workbook; this one has devices".into(),
        ));
    }
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let answered = opts.answered.clamp(0.0, 1.0);
    let catalog = wb.catalog();
    let mut summary = DemoSummary::default();

    // Devices: the kinds in order, repeated when more than 24 are asked for.
    let mut kinds: Vec<&Kind> = KINDS
        .iter()
        .flat_map(|k| std::iter::repeat_n(k, k.count))
        .collect();
    let base = kinds.len().max(1);
    while kinds.len() < opts.devices {
        let k = kinds[kinds.len() % base];
        kinds.push(k);
    }
    kinds.truncate(opts.devices);
    let mut per_kind: std::collections::HashMap<&str, usize> = Default::default();
    let mut changes = Vec::with_capacity(kinds.len());
    for (n, k) in kinds.iter().enumerate() {
        let unit = per_kind.entry(k.host).or_insert(0);
        *unit += 1;
        let host = n + 10;
        let serial = format!(
            "{}{:06}",
            &k.host[..k.host.len().min(3)].to_uppercase(),
            rng.u32(100_000..999_999)
        );
        let mac = format!(
            "00:1A:{:02X}:{:02X}:{:02X}:{:02X}",
            k.vlan,
            rng.u8(..),
            rng.u8(..),
            rng.u8(..)
        );
        let values: Vec<(&'static str, String)> = vec![
            ("asset_tag", format!("BME-{:05}", 10_400 + n)),
            ("name", format!("{} {} {:02}", k.department, k.name, unit)),
            ("category", k.category.into()),
            ("manufacturer", k.manufacturer.into()),
            ("model", k.model.into()),
            ("serial_number", serial),
            ("software_version", k.software.into()),
            ("operating_system", k.os.into()),
            ("os_end_of_support", k.os_end_of_support.into()),
            ("site", k.site.into()),
            ("room", k.room.into()),
            ("department", k.department.into()),
            ("clinical_owner", format!("{} lead nurse", k.department)),
            ("technical_custodian", "Clinical Engineering".into()),
            ("hostname", format!("{}-{:02}", k.host, unit)),
            (
                "ip_addresses",
                format!(
                    "10.{}.{}.{}",
                    20 + usize::from(k.vlan) % 200,
                    n / 200,
                    host % 250
                ),
            ),
            ("mac_addresses", mac),
            ("vlan", format!("VLAN {}", k.vlan)),
            ("connectivity", k.connectivity.into()),
            ("vendor_remote_access", k.vendor_remote_access.into()),
            ("phi_stored", k.phi[0].into()),
            ("phi_displayed", k.phi[1].into()),
            ("phi_transmitted", k.phi[2].into()),
            ("criticality", k.criticality.into()),
            ("clinical_impact", k.clinical_impact.into()),
            ("mds2_available", if k.mds2 { "Yes" } else { "No" }.into()),
            ("sbom_available", if k.sbom { "Yes" } else { "No" }.into()),
            ("in_scope", "Yes".into()),
        ];
        let mut canonical = Vec::with_capacity(values.len());
        for (key, value) in values.into_iter().filter(|(_, v)| !v.is_empty()) {
            let def = fields::field(key)
                .ok_or_else(|| WorkbookError::Invalid(format!("no inventory field {key}")))?;
            let v = def
                .normalize(&value)
                .map_err(|e| WorkbookError::Invalid(e.to_string()))?;
            canonical.push((key, v));
        }
        changes.push((
            None,
            DeviceChange {
                values: canonical,
                ..DeviceChange::default()
            },
        ));
    }
    wb.apply_device_changes(&changes, FieldSource::Typed)?;
    let devices = wb.devices()?;
    summary.devices = devices.len();

    // Answers: device controls per unit, model controls once per model, site controls per site.
    let mut targets: Vec<(Target, Scope, u32)> = Vec::new();
    for (d, k) in devices.iter().zip(&kinds) {
        targets.push((Target::Device(d.id), Scope::Device, k.maturity));
    }
    for k in KINDS
        .iter()
        .filter(|k| kinds.iter().any(|x| x.model == k.model))
    {
        let target = Target::Model {
            manufacturer: k.manufacturer.into(),
            model: k.model.into(),
        };
        targets.push((target, Scope::Model, k.maturity));
    }
    for site in ["Main Campus", "North Clinic"] {
        if kinds.iter().any(|k| k.site == site) {
            targets.push((Target::Site(site.into()), Scope::Site, 75));
        }
    }
    let mut findings: Vec<(Target, &Control, Response)> = Vec::new();
    let mut items: Vec<(Target, &Control, AnswerInput)> = Vec::new();
    for (target, scope, maturity) in &targets {
        for control in catalog.controls().filter(|c| c.scope == *scope) {
            if rng.f64() >= answered {
                continue;
            }
            let response = pick_response(*maturity, &mut rng);
            let mut input = AnswerInput {
                response: Some(Some(response)),
                note: Some(note_for(response, control, &mut rng)),
                source: Some(match rng.u8(0..4) {
                    0 => AnswerSource::Interview,
                    1 => AnswerSource::Document,
                    _ => AnswerSource::Observed,
                }),
                ..AnswerInput::default()
            };
            if response == Response::Yes && rng.bool() {
                input.evidence_ref = Some(format!("Photo IMG_{:04}", rng.u32(1000..9999)));
            }
            if response.is_finding() {
                input.recommendation = Some(format!(
                    "Put in place: {}. Ask the manufacturer for the supported configuration \
                     and record it.",
                    control.title.to_lowercase()
                ));
                // About a third of the findings rated by the assessor, some per dimension.
                match rng.u8(0..6) {
                    0 => {
                        input.likelihood = Some(rng.u8(3..=5));
                        input.impact = Some(rng.u8(2..=5));
                    }
                    1 => {
                        input.likelihood = Some(rng.u8(2..=4));
                        input.dimension_impacts =
                            Some([Some(rng.u8(2..=5)), Some(rng.u8(1..=4)), None]);
                    }
                    _ => {}
                }
                findings.push((target.clone(), control, response));
            }
            items.push((target.clone(), control, input));
        }
    }
    wb.set_answers(&items, &format!("demo answers ({})", items.len()))?;
    summary.answers = items.len();

    // The register: identified up to 120 days ago; owners, treatments and statuses.
    let mut entries = Vec::with_capacity(findings.len());
    for (target, control, _) in &findings {
        let back = u64::from(rng.u32(0..120));
        // (`back` days ago, never after today.)
        let identified = opts.today.checked_sub_days(Days::new(back));
        let mut input = RiskEntryInput {
            identified_on: Some(identified),
            owner: Some(OWNERS[rng.usize(..OWNERS.len())].into()),
            ..RiskEntryInput::default()
        };
        match rng.u8(0..20) {
            0..=8 => {
                input.treatment = Some(Some(Treatment::Mitigate));
                input.planned_actions = Some(format!(
                    "Ask the manufacturer for the validated configuration; {}.",
                    control.title.to_lowercase()
                ));
            }
            9..=12 => {
                input.treatment = Some(Some(Treatment::Mitigate));
                input.status = Some(RiskStatus::InProgress);
                input.planned_actions =
                    Some("Change request raised with the vendor; work scheduled.".into());
            }
            13..=15 => {
                input.treatment = Some(Some(Treatment::Mitigate));
                input.status = Some(RiskStatus::Closed);
                input.planned_actions = Some("Done: configuration changed and verified.".into());
                input.residual_likelihood = Some(Some(1));
                input.residual_impact = Some(Some(rng.u8(1..=3)));
            }
            16 => {
                input.treatment = Some(Some(Treatment::Transfer));
                input.planned_actions =
                    Some("Covered by the manufacturer's service contract.".into());
                input.due = Some(Due::On(opts.today + Days::new(60)));
            }
            17 | 18 => {
                // Accepted: no longer an open risk, but its review date still comes round.
                input.treatment = Some(Some(Treatment::Accept));
                input.status = Some(RiskStatus::Closed);
                input.accepted_by = Some("Dr R. Ruiz, CMIO".into());
                input.acceptance_note = Some(
                    "No supported fix on this model; isolated VLAN and replacement budgeted."
                        .into(),
                );
                // One in five accepted risks is past its review date: shown as expired. It was
                // found and accepted at least a month before that review date.
                let (accepted, review) = if rng.u8(0..5) == 0 {
                    let review = opts.today.checked_sub_days(Days::new(7));
                    let found = opts.today.checked_sub_days(Days::new(37 + back));
                    input.identified_on = Some(found);
                    (found, review)
                } else {
                    (identified, opts.today.checked_add_days(Days::new(180)))
                };
                input.accepted_on = Some(accepted);
                input.review_date = Some(review);
                input.residual_likelihood = Some(Some(2));
                input.residual_impact = Some(Some(3));
            }
            _ => {}
        }
        entries.push((target.clone(), control.id.clone(), input));
    }
    wb.set_risk_entries(&entries, &format!("demo register ({})", entries.len()))?;
    let register = crate::risk::register::Register::load(wb)?;
    summary.findings = register.findings.len();
    summary.open = register.findings.iter().filter(|f| f.is_open()).count();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::register::Register;
    use crate::workbook::Passphrase;

    fn day(t: &str) -> NaiveDate {
        t.parse().unwrap_or_default()
    }

    #[test]
    fn the_demo_hospital_has_every_kind_of_risk() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("demo.medsec");
        let today = day("2026-11-29");
        let pass = Passphrase::new("demo passphrase 1".into());
        let mut wb = Workbook::create(&path, &pass, meta(today))?;
        let opts = DemoOptions {
            today,
            ..DemoOptions::default()
        };
        let summary = populate(&mut wb, &opts)?;
        assert_eq!(summary.devices, 24);
        assert!(summary.answers > 24 * 40, "{summary:?}");
        let reg = Register::load(&wb)?;
        let f = &reg.findings;
        assert_eq!(summary.findings, f.len());
        assert!(f.iter().any(|f| f.is_overdue(today)), "an overdue risk");
        assert!(
            f.iter().any(|f| f.is_expired(today)),
            "an expired acceptance"
        );
        assert!(f.iter().any(|f| !f.is_open()), "a closed risk");
        assert!(f.iter().any(|f| f.is_uncontrolled_safety()));
        assert!(f.iter().any(|f| f.scope() == Scope::Model));
        assert!(f.iter().any(|f| f.scope() == Scope::Site));
        assert!(f.iter().all(|f| f.entry.risk_id().is_some()));
        let levels: std::collections::HashSet<_> = f.iter().filter_map(|f| f.level()).collect();
        assert!(levels.len() >= 3, "{levels:?}");
        // A second populate refuses to mix with the data now there.
        assert!(populate(&mut wb, &opts).is_err());

        // Same seed, same day: the same register.
        let path2 = dir.path().join("demo2.medsec");
        let mut wb2 = Workbook::create(&path2, &pass, meta(today))?;
        populate(&mut wb2, &opts)?;
        let reg2 = Register::load(&wb2)?;
        let key = |r: &Register| -> Vec<(String, String, Option<u8>, String)> {
            r.findings
                .iter()
                .map(|f| {
                    (
                        f.label(),
                        f.control.id.clone(),
                        f.score(),
                        f.entry.owner.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(key(&reg), key(&reg2));

        // Other seeds and sizes pass the register's rules too (dates in order, acceptance).
        for (seed, devices) in [(1, 30), (7, 5), (99, 48)] {
            let path = dir.path().join(format!("demo-{seed}.medsec"));
            let mut wb = Workbook::create(&path, &pass, meta(today))?;
            let opts = DemoOptions {
                seed,
                devices,
                today,
                ..DemoOptions::default()
            };
            assert_eq!(populate(&mut wb, &opts)?.devices, devices);
        }
        Ok(())
    }
}
