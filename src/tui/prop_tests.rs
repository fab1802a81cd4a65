//! Property test of the whole TUI: random workbooks and random sequences of terminal events,
//! run through the same path as the run loop (`App::action_for_event`, the "saving…" frame
//! before a commit, [`update`]) and drawn into a `TestBackend` of the current size after every
//! event.
//!
//! A workbook has 0–12 devices whose names, makes, models, sites and rooms mix plain text,
//! wide characters, emoji, combining marks, control characters and escape sequences; some
//! devices share a model (also spelt with other case and spaces) or a site. An event is a key
//! from any section of the built-in keymap (now and then a release or a repeat), a printable
//! character, a paste, a mouse click or wheel at a random cell, a resize between 1×1 and
//! 200×60, or focus gained / lost. When a key quits, the workbook is checked, then opened
//! again as a restart would (so the saved walk position and list state are read back) and the
//! rest of the sequence goes on.
//!
//! Properties:
//! - nothing panics (drawing included, at any size);
//! - no frame holds a control character or a bidirectional override (escape sequences and
//!   "Trojan Source" reordering in stored, typed or pasted text never reach the terminal raw);
//! - after every event the answers the app shows are exactly the answers in the workbook, and
//!   after a quit and at the end, exactly those read back from the file by a fresh
//!   `Workbook::open`: a committed answer is never lost, and nothing is shown as answered that
//!   is not stored.
//!
//! Each case costs two or more key derivations (create, read back, and one per restart), so the default is 24 cases; set
//! `MEDSEC_PROPTEST_CASES` to run more, e.g.
//! `MEDSEC_PROPTEST_CASES=1000 cargo test --lib tui::prop_tests`. A failing case is shrunk
//! (at most `MEDSEC_PROPTEST_SHRINK` steps, default 128) and saved under
//! `proptest-regressions/` so that it runs first next time.

use std::path::Path;

use chrono::Timelike;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::keymap::{Context, Key};
use super::{Action, App, Keymap, SaveState, Theme, render, update};
use crate::assessment::{Answer, AnswerSet, Target, model_target, site_target};
use crate::device::Device;
use crate::workbook::{
    Access, AssessmentMeta, DeviceChange, FieldSource, Passphrase, Workbook, WorkbookError,
};

const PASS: &str = "correct horse battery staple";

fn cases() -> u32 {
    env_number("MEDSEC_PROPTEST_CASES", 24)
}

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// Bits of text that have broken terminal programs: wide characters, emoji (with joiners and
/// variation selectors), combining marks, bidi overrides, escape sequences, C0 and C1 controls.
const PIECES: &[&str] = &[
    "Dräger",
    "東芝",
    "放射線科",
    "🩺",
    "👩\u{200d}⚕\u{fe0f}",
    "🇩🇪",
    "e\u{301}",
    "\u{202e}evil",
    "\u{2067}isolate",
    "\u{200f}",
    "\u{61c}",
    "\u{1b}[2J",
    "\u{1b}[31m",
    "\u{1b}]0;title\u{7}",
    "\u{9b}1;1H",
    "\r",
    "\n",
    "\t",
    "\u{0}",
    "\u{7f}",
    "\u{ad}",
    "\u{200b}",
    "Ａ",
    "ｱ",
    " ",
    "Pump",
    "Ventilator bed",
];

fn text(max_parts: usize) -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => proptest::sample::select(PIECES).prop_map(str::to_string),
        2 => "[a-zA-Z0-9 ./-]{1,12}",
        1 => any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(part, 0..=max_parts).prop_map(|parts| parts.concat())
}

/// Makes and models from small pools, so that devices share a model, sometimes spelt with
/// other case or spaces (the same model for medsec).
const MAKES: &[&str] = &[
    "B. Braun",
    "Dräger",
    " DRÄGER ",
    "東芝",
    "GE\u{1b}[31m",
    "🩺 Med",
];
const MODELS: &[&str] = &[
    "Space",
    "Evita V500",
    "evita v500 ",
    "Aquilion ONE",
    "X\u{202e}",
];
const SITES: &[&str] = &["Main", " main", "North 東", "\u{1b}[1mAnnex"];
const CRITICALITY: &[&str] = &[
    "Life-sustaining",
    "Therapeutic",
    "Diagnostic",
    "Monitoring",
    "Non-clinical",
];

#[derive(Debug, Clone)]
struct DeviceSpec {
    name: String,
    make: Option<usize>,
    model: Option<usize>,
    /// A make or model typed freely instead of one from the pools.
    odd_make: Option<String>,
    site: Option<usize>,
    room: String,
    ip: Option<[u8; 4]>,
    criticality: Option<usize>,
}

fn device_spec() -> impl Strategy<Value = DeviceSpec> {
    (
        text(6),
        proptest::option::weighted(0.8, 0..MAKES.len()),
        proptest::option::weighted(0.8, 0..MODELS.len()),
        proptest::option::weighted(0.1, text(3)),
        proptest::option::weighted(0.7, 0..SITES.len()),
        text(3),
        proptest::option::of(any::<[u8; 4]>()),
        proptest::option::of(0..CRITICALITY.len()),
    )
        .prop_map(
            |(name, make, model, odd_make, site, room, ip, criticality)| DeviceSpec {
                name,
                make,
                model,
                odd_make,
                site,
                room,
                ip,
                criticality,
            },
        )
}

/// One terminal event, with positions and keys as numbers that are mapped onto the current
/// size and the keymap when the case runs.
#[derive(Debug, Clone)]
enum Ev {
    /// A key of the keymap alphabet (index), pressed, repeated (1) or released (2).
    Key(usize, u8),
    /// A key bound in the section that takes keys now (index), other than quitting, so that
    /// sequences get somewhere (into checklists, walks, popups).
    Bound(usize),
    /// A printable character typed (`\r`: Enter).
    Char(char),
    /// A bracketed paste.
    Paste(String),
    /// A mouse event at a cell (taken modulo the terminal size).
    Mouse(u8, u16, u16),
    /// The terminal resized.
    Resize(u16, u16),
    /// Focus gained or lost.
    Focus(bool),
}

fn event() -> impl Strategy<Value = Ev> {
    let printable = any::<char>().prop_filter("printable", |c| !c.is_control());
    prop_oneof![
        20 => (any::<usize>(), prop_oneof![18 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)])
            .prop_map(|(k, kind)| Ev::Key(k, kind)),
        40 => any::<usize>().prop_map(Ev::Bound),
        12 => printable.prop_map(Ev::Char),
        // The keys of the main job: open, walk, answer, move.
        14 => proptest::sample::select(&['\r', 'w', 'y', 'n', 'p', 'u', 'j', 'k'][..])
            .prop_map(Ev::Char),
        3 => text(5).prop_map(Ev::Paste),
        6 => (0u8..6, any::<u16>(), any::<u16>()).prop_map(|(k, c, r)| Ev::Mouse(k, c, r)),
        3 => (1u16..=200, 1u16..=60).prop_map(|(w, h)| Ev::Resize(w, h)),
        1 => any::<bool>().prop_map(Ev::Focus),
    ]
}

/// Every key named in any section of the built-in keymap.
fn alphabet(keymap: &Keymap) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::new();
    for context in Context::ALL {
        for binding in keymap.bindings(context) {
            for key in &binding.keys {
                if !keys.contains(key) {
                    keys.push(*key);
                }
            }
        }
    }
    keys
}

fn to_event(ev: &Ev, app: &App, keys: &[Key], size: (u16, u16)) -> Event {
    match ev {
        Ev::Bound(k) => {
            let bound: Vec<Key> = app
                .keymap
                .active(app.context())
                .into_iter()
                .filter(|b| b.action != Action::Quit)
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            let key = bound
                .get(k % bound.len().max(1))
                .copied()
                .unwrap_or(Key::plain(KeyCode::Esc));
            Event::Key(KeyEvent::new(key.code, key.modifiers))
        }
        Ev::Key(k, kind) => {
            let key = keys
                .get(k % keys.len().max(1))
                .copied()
                .unwrap_or(Key::plain(KeyCode::Esc));
            let kind = match kind {
                1 => KeyEventKind::Repeat,
                2 => KeyEventKind::Release,
                _ => KeyEventKind::Press,
            };
            Event::Key(KeyEvent::new_with_kind(key.code, key.modifiers, kind))
        }
        Ev::Char('\r') => Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        Ev::Char(c) => Event::Key(KeyEvent::new(KeyCode::Char(*c), KeyModifiers::NONE)),
        Ev::Paste(t) => Event::Paste(t.clone()),
        Ev::Mouse(kind, column, row) => Event::Mouse(MouseEvent {
            kind: match kind {
                0 => MouseEventKind::ScrollDown,
                1 => MouseEventKind::ScrollUp,
                2 | 3 => MouseEventKind::Down(MouseButton::Left),
                4 => MouseEventKind::Down(MouseButton::Right),
                _ => MouseEventKind::Up(MouseButton::Left),
            },
            column: column % size.0.max(1),
            row: row % size.1.max(1),
            modifiers: KeyModifiers::NONE,
        }),
        Ev::Resize(w, h) => Event::Resize(*w, *h),
        Ev::Focus(true) => Event::FocusGained,
        Ev::Focus(false) => Event::FocusLost,
    }
}

fn fail(what: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(what.to_string())
}

/// A new workbook at `path` with the devices of `specs`, left open.
fn create(path: &Path, specs: &[DeviceSpec]) -> Result<Workbook, WorkbookError> {
    let mut wb = Workbook::create(
        path,
        &Passphrase::new(PASS.into()),
        AssessmentMeta {
            organisation: "Prop".into(),
            assessor: "A. Assessor".into(),
            ..Default::default()
        },
    )?;
    let changes: Vec<(Option<i64>, DeviceChange)> = specs
        .iter()
        .map(|s| {
            // Stored raw, not normalised: the screens must cope with whatever is stored.
            let mut values: Vec<(&'static str, String)> = vec![("name", s.name.clone())];
            let make = match (&s.odd_make, s.make) {
                (Some(odd), _) => Some(odd.clone()),
                (None, Some(m)) => MAKES.get(m).map(|m| m.to_string()),
                (None, None) => None,
            };
            if let Some(make) = make {
                values.push(("manufacturer", make));
            }
            if let Some(model) = s.model.and_then(|m| MODELS.get(m)) {
                values.push(("model", model.to_string()));
            }
            if let Some(site) = s.site.and_then(|i| SITES.get(i)) {
                values.push(("site", site.to_string()));
            }
            if !s.room.is_empty() {
                values.push(("room", s.room.clone()));
            }
            if let Some([a, b, c, d]) = s.ip {
                values.push(("ip_addresses", format!("{a}.{b}.{c}.{d}")));
            }
            if let Some(c) = s.criticality.and_then(|i| CRITICALITY.get(i)) {
                values.push(("criticality", c.to_string()));
            }
            (
                None,
                DeviceChange {
                    values,
                    ..DeviceChange::default()
                },
            )
        })
        .collect();
    wb.apply_device_changes(&changes, FieldSource::Typed)?;
    Ok(wb)
}

fn open(path: &Path, access: Access) -> Result<Workbook, WorkbookError> {
    Workbook::open(path, &Passphrase::new(PASS.into()), access)
}

/// Characters that must never reach the terminal as they are: controls (escape sequences)
/// and the bidirectional marks, overrides and isolates that reorder what follows them.
fn garbles(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Draws one frame at `size` and checks that no cell holds a control or bidirectional
/// character.
fn draw(app: &App, size: (u16, u16)) -> Result<(), TestCaseError> {
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).map_err(fail)?;
    terminal.draw(|frame| render(app, frame)).map_err(fail)?;
    for (i, cell) in terminal.backend().buffer().content().iter().enumerate() {
        if cell.symbol().chars().any(garbles) {
            let (x, y) = (i % usize::from(size.0), i / usize::from(size.0));
            return Err(fail(format!(
                "{:?} reached the terminal at column {x}, row {y} \
                 (screen {:?}, {size:?})\n{}",
                cell.symbol(),
                app.screen(),
                terminal.backend()
            )));
        }
    }
    Ok(())
}

/// An answer as it can be compared with one read back: the file keeps `assessed_at` to the
/// second.
fn comparable(a: Option<&Answer>) -> Option<Answer> {
    a.map(|a| {
        let mut a = a.clone();
        a.assessed_at = a.assessed_at.and_then(|t| t.with_nanosecond(0));
        a
    })
}

/// Checks that the answers the app holds (and shows) are exactly those in `stored`: every
/// answer stored is the app's, and every answer the app has for any device, model or site it
/// shows is stored.
fn same_answers(
    answers: &AnswerSet,
    devices: &[Device],
    stored: &Workbook,
    when: &str,
) -> Result<(), TestCaseError> {
    let rows = stored.answer_rows().map_err(fail)?;
    let on_disk: AnswerSet = {
        let mut set = AnswerSet::default();
        for row in &rows {
            set.insert(&row.target, row.answer.clone());
        }
        set
    };
    for row in &rows {
        let mine = comparable(answers.get(&row.target, &row.answer.control_id));
        let theirs = comparable(Some(&row.answer));
        if mine != theirs {
            return Err(fail(format!(
                "{when}: {:?} {} is stored as {theirs:?} but the app has {mine:?}",
                row.target, row.answer.control_id
            )));
        }
    }
    for device in devices {
        let targets = [
            Some(Target::Device(device.id)),
            model_target(device),
            Some(site_target(device)),
        ];
        for target in targets.iter().flatten() {
            for control in stored.catalog().controls() {
                let mine = comparable(answers.get(target, &control.id));
                let theirs = comparable(on_disk.get(target, &control.id));
                if mine != theirs {
                    return Err(fail(format!(
                        "{when}: the app has {target:?} {} as {mine:?}, the workbook {theirs:?}",
                        control.id
                    )));
                }
            }
        }
    }
    let ids: Vec<i64> = devices.iter().map(|d| d.id).collect();
    let stored_ids: Vec<i64> = stored
        .devices()
        .map_err(fail)?
        .iter()
        .map(|d| d.id)
        .collect();
    if ids != stored_ids {
        return Err(fail(format!(
            "{when}: the app shows devices {ids:?}, the workbook holds {stored_ids:?}"
        )));
    }
    Ok(())
}

/// Closes the app (releasing the workbook's lock) and checks it against the file read back by
/// a fresh `Workbook::open`.
fn close_and_check(mut app: App, path: &Path, when: &str) -> Result<(), TestCaseError> {
    // Keep what the app showed, close the workbook (and its lock), then read the file again.
    let answers = std::mem::take(&mut app.answers);
    let devices = std::mem::take(&mut app.devices);
    drop(app);
    let fresh = open(path, Access::Read).map_err(fail)?;
    same_answers(&answers, &devices, &fresh, when)
}

fn run_case(specs: &[DeviceSpec], events: &[Ev], start: (u16, u16)) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().map_err(fail)?;
    let path = dir.path().join("prop.medsec");
    let created = create(&path, specs).map_err(fail)?;
    // The file picker (A) starts in a small folder of its own (one name with an escape sequence
    // and a bidi override), not in the folder the tests run in.
    let evidence = dir.path().join("evidence");
    std::fs::create_dir_all(evidence.join("sub")).map_err(fail)?;
    for (name, bytes) in [
        ("photo.png", &b"\x89PNG\r\n\x1a\nx"[..]),
        ("\u{1b}[31mred\u{202e}gpj.txt", &b"text"[..]),
    ] {
        std::fs::write(evidence.join(name), bytes).map_err(fail)?;
    }
    created
        .set_ui_state(
            super::popups::picker::LAST_FOLDER_KEY,
            &evidence.to_string_lossy(),
        )
        .map_err(fail)?;
    let keymap = Keymap::built_in().map_err(fail)?;
    let keys = alphabet(&keymap);
    let new_app = |keymap: &Keymap| -> Result<App, TestCaseError> {
        let wb = open(&path, Access::Write).map_err(fail)?;
        App::new(wb, keymap.clone(), Theme::monochrome()).map_err(fail)
    };
    let mut app = App::new(created, keymap.clone(), Theme::monochrome()).map_err(fail)?;
    let mut size = start;
    app.set_size(size.0, size.1);
    draw(&app, size)?;
    for (n, ev) in events.iter().enumerate() {
        let event = to_event(ev, &app, &keys, size);
        if let Event::Resize(w, h) = event {
            size = (w, h);
        }
        // What the run loop does with one event.
        if let Some(action) = app.action_for_event(&event) {
            if app.will_commit(&action) {
                app.save = SaveState::Saving;
                draw(&app, size)?;
            }
            update(&mut app, action);
        }
        draw(&app, size)?;
        let when = format!("after event {n} ({event:?})");
        same_answers(&app.answers, &app.devices, app.workbook(), &when)?;
        if app.should_quit() {
            close_and_check(app, &path, &format!("{when}, quit and read back"))?;
            app = new_app(&keymap)?;
            app.set_size(size.0, size.1);
            draw(&app, size)?;
        }
    }
    close_and_check(app, &path, "at the end, read back")
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: env_number("MEDSEC_PROPTEST_SHRINK", 128),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_keys_never_panic_garble_or_lose_an_answer(
        specs in proptest::collection::vec(device_spec(), 0..=12),
        events in proptest::collection::vec(event(), 0..=200),
        start in (1u16..=200, 1u16..=60),
    ) {
        run_case(&specs, &events, start)?;
    }
}
