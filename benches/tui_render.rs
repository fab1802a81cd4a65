//! How long the TUI takes to draw a frame, and to go from a keystroke to the next frame, with
//! a workbook of 10,000 devices (PRODUCT.md "Performance budgets": any keystroke to the next
//! frame ≤ 16 ms at the 99th percentile).
//!
//! Run with `cargo bench --bench tui_render` (divan; `-- --sample-count 1000` for a steadier
//! tail). The workbook is built once, before anything is timed: 10,000 devices of varied names,
//! makes, models, locations and addresses in one transaction, and about half the
//! device-scoped controls answered on every 50th device, plus model and site answers. Frames
//! are drawn with the real `medsec::tui::render` into ratatui's `TestBackend`, so what is timed
//! is building the frame and diffing it, not a terminal's own output. Keystroke benchmarks
//! time the key through the keymap and `update`, then the frame; putting the state back for
//! the next sample (and drawing it, so the next frame is a real change) is not timed.

use std::cell::RefCell;
use std::fmt;
use std::time::Instant;

use medsec::assessment::{Response, Target, model_target, site_target};
use medsec::catalog::Scope;
use medsec::tui::keymap::Key;
use medsec::tui::{App, Keymap, Screen, Theme, render};
use medsec::workbook::{
    AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, Workbook,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyEvent;

type Error = Box<dyn std::error::Error>;

fn main() {
    // Build the workbook before anything is timed (and report how long that took).
    with_app(|_| ());
    divan::main();
}

const DEVICES: usize = 10_000;
/// Every this many devices gets answers.
const ANSWERED_EVERY: usize = 50;

const KINDS: &[&str] = &[
    "Infusion pump",
    "Ventilator",
    "Patient monitor",
    "CT scanner",
    "MRI",
    "Ultrasound",
    "Dialysis machine",
    "Anaesthesia workstation",
    "Syringe driver",
    "PACS workstation",
    "Lab analyser",
    "ECG cart",
    "放射線 console",
    "Défibrillateur",
];
const MAKES: &[(&str, &[&str])] = &[
    ("B. Braun", &["Space", "Perfusor Space", "Infusomat"]),
    ("Dräger", &["Evita V500", "Infinity Delta", "Perseus A500"]),
    ("東芝", &["Aquilion ONE", "Aplio i800"]),
    (
        "GE HealthCare",
        &["CARESCAPE B650", "Revolution CT", "MAC 5500"],
    ),
    ("Philips", &["IntelliVue MX800", "Ingenia 1.5T", "EPIQ 7"]),
    ("Siemens Healthineers", &["SOMATOM go.Up", "Atellica"]),
    ("Baxter", &["Sigma Spectrum", "AK 98"]),
    ("Mindray", &["BeneVision N17", "WATO EX-65"]),
    ("Fresenius", &["5008S", "Agilia"]),
    ("Medtronic", &["PB980", "LIFEPAK 15"]),
];
const SITES: &[&str] = &["Main", "North campus", "Clinique Saint-Éloi"];
const DEPARTMENTS: &[&str] = &[
    "ICU",
    "Radiology",
    "Theatres",
    "Dialysis",
    "Emergency",
    "Ward 3",
];
const CRITICALITY: &[&str] = &[
    "Life-sustaining",
    "Therapeutic",
    "Diagnostic",
    "Monitoring",
    "Non-clinical",
];

/// A terminal size, named `80x24` in the results.
#[derive(Clone, Copy)]
struct Size(u16, u16);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.0, self.1)
    }
}

const SIZES: [Size; 2] = [Size(80, 24), Size(160, 48)];

struct Fixture {
    app: App,
    // Removed (with the workbook) when the benchmarks end.
    _dir: tempfile::TempDir,
}

thread_local! {
    static FIXTURE: RefCell<Option<Fixture>> = const { RefCell::new(None) };
}

fn devices() -> Vec<(Option<i64>, DeviceChange)> {
    (0..DEVICES)
        .map(|n| {
            let (make, models) = MAKES[n % MAKES.len()];
            let model = models[(n / MAKES.len()) % models.len()];
            let kind = KINDS[(n * 7) % KINDS.len()];
            let values: Vec<(&'static str, String)> = vec![
                ("name", format!("{kind} {}", n + 1)),
                ("manufacturer", make.to_string()),
                ("model", model.to_string()),
                ("serial_number", format!("SN{:07}", n * 7919 % 10_000_000)),
                ("asset_tag", format!("AT-{:05}", n + 1)),
                ("site", SITES[n % SITES.len()].to_string()),
                (
                    "department",
                    DEPARTMENTS[(n / 3) % DEPARTMENTS.len()].to_string(),
                ),
                (
                    "room",
                    format!("Building {} / {} / {}", n % 4 + 1, n % 9, n % 40 + 100),
                ),
                (
                    "ip_addresses",
                    format!("10.{}.{}.{}", n / 65_536, (n / 256) % 256, n % 256),
                ),
                (
                    "criticality",
                    CRITICALITY[n % CRITICALITY.len()].to_string(),
                ),
            ];
            (
                None,
                DeviceChange {
                    values,
                    ..DeviceChange::default()
                },
            )
        })
        .collect()
}

/// Answers about half the device-scoped controls of every 50th device (and, on those, the
/// model and site controls once per model and site). Findings get a rating, so no default
/// impact is looked up over all devices for each answer.
fn answer_some(wb: &mut Workbook) -> Result<usize, Error> {
    let catalog = wb.catalog();
    let devices = wb.devices()?;
    let responses = [
        Response::Yes,
        Response::No,
        Response::Partial,
        Response::Yes,
        Response::Unknown,
    ];
    let mut given = 0;
    let mut done_targets: Vec<Target> = Vec::new();
    for (n, device) in devices.iter().enumerate().step_by(ANSWERED_EVERY) {
        for (k, control) in catalog.controls().enumerate() {
            let target = match control.scope {
                Scope::Device if (k + n) % 2 == 0 => Target::Device(device.id),
                Scope::Device => continue,
                Scope::Model => match model_target(device) {
                    Some(t) => t,
                    None => continue,
                },
                Scope::Site => site_target(device),
            };
            if control.scope != Scope::Device {
                if done_targets.contains(&target) || k % 3 != 0 {
                    continue;
                }
                done_targets.push(target.clone());
            }
            let response = responses[(k + n / ANSWERED_EVERY) % responses.len()];
            let rating = response
                .is_finding()
                .then_some(((k % 5) as u8 + 1, (n % 5) as u8 + 1));
            let input = AnswerInput {
                response: Some(Some(response)),
                note: (k % 4 == 0).then(|| format!("Checked on site, ward round {}", n % 7)),
                likelihood: rating.map(|r| r.0),
                impact: rating.map(|r| r.1),
                ..AnswerInput::default()
            };
            wb.set_answer(&target, control, &input)?;
            given += 1;
        }
    }
    Ok(given)
}

fn build() -> Result<Fixture, Error> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.medsec");
    let pass = Passphrase::new("benchmark passphrase".into());
    let started = Instant::now();
    let mut wb = Workbook::create(
        &path,
        &pass,
        AssessmentMeta {
            organisation: "Benchmark hospital".into(),
            assessor: "A. Assessor".into(),
            ..AssessmentMeta::default()
        },
    )?;
    let created = started.elapsed();
    let start = Instant::now();
    wb.apply_device_changes(&devices(), FieldSource::Inventory)?;
    let added = start.elapsed();
    let start = Instant::now();
    let answers = answer_some(&mut wb)?;
    let answered = start.elapsed();
    let start = Instant::now();
    let mut app = App::new(wb, Keymap::built_in()?, Theme::monochrome())?;
    app.set_size(80, 24);
    let loaded = start.elapsed();
    eprintln!(
        "workbook: created (key derivation) in {created:.2?}, {DEVICES} devices in {added:.2?}, \
         {answers} answers in {answered:.2?}; App::new (devices, answers, progress) in {loaded:.2?}"
    );
    Ok(Fixture { app, _dir: dir })
}

/// Runs `f` on the benchmark's app, building the workbook the first time.
fn with_app<R>(f: impl FnOnce(&mut App) -> R) -> R {
    FIXTURE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let fixture = match slot.as_mut() {
            Some(fixture) => fixture,
            None => match build() {
                Ok(fixture) => slot.insert(fixture),
                Err(e) => panic!("building the benchmark workbook failed: {e}"),
            },
        };
        f(&mut fixture.app)
    })
}

fn press(app: &mut App, key: &str) {
    match Key::parse(key) {
        Ok(k) => app.handle_key(KeyEvent::new(k.code, k.modifiers)),
        Err(e) => panic!("bad key {key}: {e}"),
    }
}

fn terminal(size: Size) -> Terminal<TestBackend> {
    match Terminal::new(TestBackend::new(size.0, size.1)) {
        Ok(t) => t,
        Err(e) => panic!("test backend: {e}"),
    }
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    if let Err(e) = terminal.draw(|frame| render(app, frame)) {
        panic!("draw: {e}");
    }
}

/// Puts the app on the device list with no search, filter or popup, the first device selected.
fn to_devices(app: &mut App, size: Size) {
    for _ in 0..3 {
        press(app, "esc");
    }
    press(app, "home");
    app.set_size(size.0, size.1);
    assert_eq!(app.screen(), Screen::Devices);
}

/// Puts the app on the checklist of the first device.
fn to_checklist(app: &mut App, size: Size) {
    to_devices(app, size);
    press(app, "enter");
    assert_eq!(app.screen(), Screen::Checklist);
}

/// Puts the app in a walk over all devices.
fn to_walk(app: &mut App, size: Size) {
    to_devices(app, size);
    press(app, "w");
    press(app, "enter");
    assert_eq!(app.screen(), Screen::Walk);
}

/// One frame of the device list.
#[divan::bench(args = SIZES)]
fn devices_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_devices(app, size);
        let mut term = terminal(size);
        bencher.bench_local(|| draw(&mut term, app));
    });
}

/// One frame of a device's checklist (after Enter on the device list).
#[divan::bench(args = SIZES)]
fn checklist_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_checklist(app, size);
        let mut term = terminal(size);
        bencher.bench_local(|| draw(&mut term, app));
    });
}

/// One frame of the walkthrough.
#[divan::bench(args = SIZES)]
fn walk_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_walk(app, size);
        let mut term = terminal(size);
        bencher.bench_local(|| draw(&mut term, app));
    });
}

/// Times `key` and the next frame; `undo` (not timed) puts the state back and draws it.
fn keystroke(bencher: divan::Bencher, app: &mut App, size: Size, key: &str, undo: &str) {
    let mut term = terminal(size);
    draw(&mut term, app);
    let cell = RefCell::new((app, &mut term));
    bencher
        .with_inputs(|| {
            let mut guard = cell.borrow_mut();
            let (app, term) = &mut *guard;
            press(app, undo);
            draw(term, app);
        })
        .bench_local_values(|()| {
            let mut guard = cell.borrow_mut();
            let (app, term) = &mut *guard;
            press(app, key);
            draw(term, app);
        });
}

/// `j` on the device list, then the frame.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 500)]
fn devices_key_to_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_devices(app, size);
        press(app, "j");
        keystroke(bencher, app, size, "j", "k");
    });
}

/// `j` on the checklist, then the frame.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 500)]
fn checklist_key_to_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_checklist(app, size);
        press(app, "j");
        keystroke(bencher, app, size, "j", "k");
    });
}

/// One character typed into the `/` search of the device list (narrowing 10,000 devices to
/// those matching), then the frame; Backspace puts the full list back, not timed.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 200)]
fn search_char_to_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_devices(app, size);
        press(app, "/");
        press(app, "v");
        keystroke(bencher, app, size, "v", "backspace");
        press(app, "esc");
    });
}
