//! Whole-screen tests: a real workbook in a temporary directory, the real keymap, key events
//! injected through the same path as the terminal's, frames drawn into ratatui's `TestBackend`
//! and compared with `insta` snapshots (`src/tui/snapshots/`).

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::Overlay;
use super::keymap::Key;
use super::{App, Keymap, Screen, Theme, render};
use crate::assessment::{Response, Target, model_target};
use crate::device::fields;
use crate::workbook::{
    Access, AnswerInput, AssessmentMeta, DeviceChange, FieldSource, Passphrase, Workbook,
};

pub(super) type TestResult = Result<(), Box<dyn std::error::Error>>;

pub(super) const PASS: &str = "correct horse battery staple";

pub(super) fn pass() -> Passphrase {
    Passphrase::new(PASS.into())
}

/// A workbook named `test.medsec` (the name the status line shows) in `dir`.
pub(super) fn workbook(dir: &Path) -> Result<(Workbook, PathBuf), Box<dyn std::error::Error>> {
    let path = dir.join("test.medsec");
    let wb = Workbook::create(
        &path,
        &pass(),
        AssessmentMeta {
            organisation: "Test".into(),
            ..Default::default()
        },
    )?;
    Ok((wb, path))
}

pub(super) fn add(wb: &mut Workbook, values: &[(&'static str, &str)]) -> TestResult {
    let mut change = DeviceChange::default();
    for (key, value) in values {
        let def = fields::field(key).ok_or(format!("no field {key}"))?;
        // Text with control characters is stored raw: normalising would fold the line break
        // that the escaping test needs, and the screen must cope with whatever is stored.
        let stored = if value.chars().any(char::is_control) {
            (*value).to_string()
        } else {
            def.normalize(value)?
        };
        change.values.push((*key, stored));
    }
    wb.add_device(&change, FieldSource::Typed)?;
    Ok(())
}

/// Five devices: two units of one model (model answers are shared), wide characters, and
/// text that must be shown escaped (a bidi override, a line break).
pub(super) fn sample(wb: &mut Workbook) -> TestResult {
    add(
        wb,
        &[
            ("name", "Infusion pump 3"),
            ("manufacturer", "B. Braun"),
            ("model", "Space"),
            ("room", "Ward 3"),
            ("department", "ICU"),
            ("site", "Main"),
            ("ip_addresses", "10.0.0.21"),
        ],
    )?;
    add(
        wb,
        &[
            ("name", "Ventilator bed 4"),
            ("manufacturer", "Dräger"),
            ("model", "Evita V500"),
            ("department", "ICU"),
            ("site", "Main"),
            ("ip_addresses", "10.0.0.22"),
        ],
    )?;
    add(
        wb,
        &[
            ("name", "東芝 Aquilion CT"),
            ("manufacturer", "東芝"),
            ("model", "Aquilion ONE"),
            ("room", "放射線科"),
            ("site", "Main"),
            ("ip_addresses", "192.168.100.200"),
        ],
    )?;
    add(
        wb,
        &[
            ("name", "Ventilator bed 7"),
            ("manufacturer", "Dräger"),
            ("model", "Evita V500"),
            ("department", "ICU"),
            ("site", "Main"),
        ],
    )?;
    add(
        wb,
        &[
            ("name", "Monitor\u{202e}evil"),
            ("room", "Bay 2\nleft"),
            ("site", "Main"),
        ],
    )?;
    Ok(())
}

pub(super) fn app(wb: Workbook) -> Result<App, super::TuiError> {
    App::new(wb, Keymap::built_in()?, Theme::monochrome())
}

/// Draws the app at `width` × `height` and returns the screen as text.
pub(super) fn draw(
    app: &mut App,
    width: u16,
    height: u16,
) -> Result<String, Box<dyn std::error::Error>> {
    app.set_size(width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height))?;
    terminal.draw(|frame| render(app, frame))?;
    if width == 0 || height == 0 {
        // (TestBackend cannot print an empty buffer; drawing it is what is tested.)
        return Ok(String::new());
    }
    Ok(undated(terminal.backend().to_string()))
}

/// The screen with the dates that depend on the day the tests run — today (a finding's
/// identified date, an acceptance date) and the default due dates counted from it (14, 30, 90,
/// 180 days) — written `TODAY+0014`, the same width, so snapshots do not change from one day
/// to the next.
pub(super) fn undated(screen: String) -> String {
    let today = chrono::Local::now().date_naive();
    let mut out = screen;
    for days in [0u64, 14, 30, 90, 180] {
        if let Some(d) = today.checked_add_days(chrono::Days::new(days)) {
            out = out.replace(&d.to_string(), &format!("TODAY+{days:04}"));
        }
    }
    out
}

/// Presses keys given by their keymap names (`y`, `tab`, `]`, `esc`, `ctrl-c`).
pub(super) fn press(app: &mut App, keys: &[&str]) -> TestResult {
    for k in keys {
        let key = Key::parse(k)?;
        app.handle_key(KeyEvent::new(key.code, key.modifiers));
    }
    Ok(())
}

pub(super) fn selected_control(app: &App) -> String {
    app.current_control()
        .map(|c| c.id.clone())
        .unwrap_or_default()
}

pub(super) fn device_answer(app: &App, control: &str) -> Option<Response> {
    let device = app.current_device()?;
    let control = app.outline.catalog.control(control)?;
    app.answers
        .effective(device, control)
        .answer
        .and_then(|a| a.confirmed_response())
}

#[test]
fn devices_screen_80x24() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["j"])?;
    insta::assert_snapshot!("devices_80x24", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn empty_workbook_says_how_to_add_devices() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (wb, _) = workbook(dir.path())?;
    let mut app = app(wb)?;
    press(&mut app, &["enter", "j", "G", "pgdn"])?;
    assert_eq!(app.screen(), Screen::Devices);
    insta::assert_snapshot!("devices_empty_80x24", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn checklist_80x24_after_answering() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    // Second device (Dräger), INV-01 Yes, INV-02 No, INV-03 (model) Partial, then a note on
    // INV-04 with a wide character.
    press(&mut app, &["j", "enter", "y", "n", "p", "e"])?;
    for c in "Switch port 東3".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    press(&mut app, &["enter"])?;
    insta::assert_snapshot!("checklist_80x24", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn checklist_wide_160x48() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    // Answer the model control INV-03 on DEV-0002; DEV-0004 (same model) inherits it.
    press(&mut app, &["j", "enter", "y", "y", "n", "]"])?;
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0003".into())
    );
    press(&mut app, &["]", "home", "j", "j"])?;
    insta::assert_snapshot!("checklist_160x48", draw(&mut app, 160, 48)?);
    Ok(())
}

#[test]
fn help_overlay_80x24() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter", "?"])?;
    assert!(matches!(app.overlay, Some(Overlay::Help(_))));
    insta::assert_snapshot!("help_checklist_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["esc"])?;
    assert!(app.overlay.is_none());
    assert_eq!(app.screen(), Screen::Checklist);
    Ok(())
}

#[test]
fn note_popup_80x24() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter", "a"])?;
    let paste = Event::Paste("No PHI: Dräger 東芝\nsecond line".into());
    if let Some(action) = app.action_for_event(&paste) {
        super::update(&mut app, action);
    }
    insta::assert_snapshot!("note_na_80x24", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn too_small_never_panics() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    insta::assert_snapshot!("too_small_20x5", draw(&mut app, 20, 5)?);
    for (w, h) in [
        (1, 1),
        (0, 0),
        (39, 12),
        (40, 11),
        (40, 12),
        (2, 30),
        (300, 3),
    ] {
        draw(&mut app, w, h)?;
    }
    press(&mut app, &["enter", "?"])?;
    for (w, h) in [(1, 1), (40, 12), (41, 13), (200, 60)] {
        draw(&mut app, w, h)?;
    }
    press(&mut app, &["esc", "e"])?;
    app.handle_key(KeyEvent::new(KeyCode::Char('東'), KeyModifiers::NONE));
    for (w, h) in [(1, 1), (40, 12), (41, 13), (200, 60)] {
        draw(&mut app, w, h)?;
    }
    Ok(())
}

#[test]
fn keys_answer_and_commit_to_the_workbook() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    // DEV-0002: INV-01 Yes, INV-02 No, INV-03 (model) Partial; then N/A with a note on INV-04.
    press(&mut app, &["j", "enter", "y", "n", "p", "a"])?;
    for c in "Not networked".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    press(&mut app, &["enter"])?;
    assert_eq!(selected_control(&app), "INV-05");
    press(&mut app, &["esc", "q"])?;
    assert!(app.should_quit());
    drop(app); // closes the workbook and releases its lock

    let wb = Workbook::open(&path, &pass(), Access::Read)?;
    let devices = wb.devices()?;
    let dev2 = devices.get(1).ok_or("no DEV-0002")?;
    let answer =
        |target: &Target, id: &str| -> Result<Option<Response>, Box<dyn std::error::Error>> {
            Ok(wb.answer(target, id)?.and_then(|a| a.response))
        };
    let device = Target::Device(dev2.id);
    assert_eq!(answer(&device, "INV-01")?, Some(Response::Yes));
    assert_eq!(answer(&device, "INV-02")?, Some(Response::No));
    // The model control went to the model, not the device.
    let model = model_target(dev2).ok_or("DEV-0002 has a model")?;
    assert_eq!(answer(&device, "INV-03")?, None);
    assert_eq!(answer(&model, "INV-03")?, Some(Response::Partial));
    let na = wb.answer(&device, "INV-04")?.ok_or("INV-04 answered")?;
    assert_eq!(na.response, Some(Response::NotApplicable));
    assert_eq!(na.note, "Not networked");
    Ok(())
}

#[test]
fn y_n_tab_and_bracket_do_what_they_say() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    assert_eq!(app.screen(), Screen::Checklist);
    assert_eq!(selected_control(&app), "INV-01");

    press(&mut app, &["y"])?;
    assert_eq!(device_answer(&app, "INV-01"), Some(Response::Yes));
    assert_eq!(
        selected_control(&app),
        "INV-02",
        "y moves to the next control"
    );
    press(&mut app, &["n"])?;
    assert_eq!(device_answer(&app, "INV-02"), Some(Response::No));
    assert_eq!(selected_control(&app), "INV-03");
    assert_eq!(app.progress.first().map(|p| p.total.assessed()), Some(2));

    // Tab skips answered controls and wraps round.
    press(&mut app, &["home", "tab"])?;
    assert_eq!(selected_control(&app), "INV-03");
    press(&mut app, &["G", "tab"])?;
    assert_eq!(
        selected_control(&app),
        "INV-03",
        "Tab wraps to the first unanswered"
    );

    // ] and [ move between devices and keep the control.
    press(&mut app, &["]"])?;
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0002".into())
    );
    assert_eq!(selected_control(&app), "INV-03");
    assert_eq!(device_answer(&app, "INV-01"), None);
    press(&mut app, &["[", "["])?;
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0001".into())
    );
    assert_eq!(
        app.message.as_ref().map(|m| m.text.as_str()),
        Some("This is the first device")
    );

    // Esc goes back to Devices with the device selected; x clears.
    press(&mut app, &["]", "esc"])?;
    assert_eq!(app.screen(), Screen::Devices);
    assert_eq!(app.device_cursor.selected, 1);
    press(&mut app, &["k", "enter", "home", "x"])?;
    assert_eq!(device_answer(&app, "INV-01"), None);
    Ok(())
}

#[test]
fn model_and_site_answers_show_on_every_device_they_cover() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    let ir01 = app
        .outline
        .controls
        .iter()
        .position(|c| c.id == "IR-01")
        .ok_or("IR-01")?;
    // DEV-0002 INV-03 (model) Yes; IR-01 (site) No.
    press(&mut app, &["j", "enter", "home", "j", "j", "y"])?;
    app.control_cursor.selected = ir01;
    press(&mut app, &["n"])?;
    // DEV-0004 is the same model: it inherits INV-03, and the site answer.
    press(&mut app, &["]", "]"])?;
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0004".into())
    );
    assert_eq!(device_answer(&app, "INV-03"), Some(Response::Yes));
    assert_eq!(device_answer(&app, "IR-01"), Some(Response::No));
    // DEV-0001 (another model, same site) gets the site answer only; its progress was refreshed.
    press(&mut app, &["[", "[", "["])?;
    assert_eq!(device_answer(&app, "INV-03"), None);
    assert_eq!(device_answer(&app, "IR-01"), Some(Response::No));
    assert_eq!(app.progress.first().map(|p| p.total.assessed()), Some(1));
    assert_eq!(app.progress.get(3).map(|p| p.total.assessed()), Some(2));
    Ok(())
}

#[test]
fn na_without_a_note_asks_for_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    assert!(app.will_commit(&super::Action::AnswerYes));
    assert!(
        !app.will_commit(&super::Action::AnswerNa),
        "N/A opens the note first"
    );
    assert!(
        !app.will_commit(&super::Action::AnswerClear),
        "nothing to clear"
    );
    press(&mut app, &["a"])?;
    assert!(matches!(app.overlay, Some(Overlay::Note(_))));
    // Saving an empty note is refused (and said in the status line); Esc cancels.
    press(&mut app, &["enter"])?;
    assert!(matches!(app.overlay, Some(Overlay::Note(_))));
    assert!(app.message.as_ref().is_some_and(|m| m.error));
    assert!(draw(&mut app, 80, 24)?.contains("N/A needs a note"));
    press(&mut app, &["esc"])?;
    assert!(app.overlay.is_none());
    assert_eq!(device_answer(&app, "INV-01"), None);
    assert_eq!(selected_control(&app), "INV-01");
    // With a note already there, N/A is set at once.
    let control = app.outline.catalog.control("INV-01").ok_or("INV-01")?;
    let id = app.current_device().map(|d| d.id).ok_or("device")?;
    app.workbook.set_answer(
        &Target::Device(id),
        control,
        &AnswerInput {
            note: Some("spare unit in storage".into()),
            ..AnswerInput::default()
        },
    )?;
    app.answers = app.workbook.answer_set()?;
    press(&mut app, &["a"])?;
    assert!(app.overlay.is_none());
    assert_eq!(device_answer(&app, "INV-01"), Some(Response::NotApplicable));
    Ok(())
}

#[test]
fn only_key_presses_act_and_pastes_never_run_bindings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    let mut release = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    app.handle_key(release);
    assert_eq!(device_answer(&app, "INV-01"), None);
    assert_eq!(app.action_for_event(&Event::Paste("yyyy".into())), None);
    assert_eq!(device_answer(&app, "INV-01"), None);
    Ok(())
}

#[test]
fn control_characters_are_escaped_on_screen() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    let screen = draw(&mut app, 120, 24)?;
    assert!(screen.contains("Monitor\\u{202e}evil"), "{screen}");
    assert!(screen.contains("Bay 2␊left"), "{screen}");
    assert!(!screen.contains('\u{202e}'));
    Ok(())
}

#[test]
fn ten_thousand_devices_draw_only_the_visible_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (wb, _) = workbook(dir.path())?;
    let mut app = app(wb)?;
    // Devices in memory only: 10,000 rows through the workbook would test SQLCipher, not the TUI.
    for n in 1..=10_000 {
        let mut d = crate::device::Device {
            id: n,
            number: n,
            ..Default::default()
        };
        d.values.insert("name".into(), format!("Pump {n}"));
        app.devices.push(d);
        app.progress.push(Default::default());
    }
    app.list.rebuild(&app.devices, &app.progress);
    let start = std::time::Instant::now();
    press(&mut app, &["G"])?;
    let screen = draw(&mut app, 80, 24)?;
    press(&mut app, &["pgup", "k"])?;
    let _ = draw(&mut app, 80, 24)?;
    let elapsed = start.elapsed();
    assert!(screen.contains("›   DEV-10000 Pump 10000"), "{screen}");
    assert_eq!(app.device_cursor.selected, 10_000 - 1 - 20 - 1);
    // Generous: debug build on a shared machine; a full build of every row would take far longer.
    assert!(elapsed.as_millis() < 500, "{elapsed:?}");
    Ok(())
}

#[test]
fn no_color_draws_without_colour() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter", "y", "n", "?"])?;
    app.set_size(80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24))?;
    terminal.draw(|frame| render(&app, frame))?;
    for cell in terminal.backend().buffer().content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, ratatui::style::Color::Reset, "{cell:?}");
    }
    Ok(())
}

#[test]
fn a_larger_window_shows_the_rows_above_the_selection_again() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    draw(&mut app, 80, 24)?;
    press(&mut app, &["enter"])?;
    press(&mut app, &["j"; 14])?;
    draw(&mut app, 40, 12)?;
    assert!(app.control_cursor.offset > 0);
    let wide = draw(&mut app, 200, 50)?;
    assert_eq!(app.control_cursor.offset, 0);
    assert!(wide.contains("INV-01"), "{wide}");
    Ok(())
}

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    app.set_size(20, 5);
    let y = Event::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
    assert_eq!(app.action_for_event(&y), None);
    app.set_size(80, 24);
    assert!(app.action_for_event(&y).is_some());
    Ok(())
}

mod catalog_upgrade;
mod evidence;
mod history;
mod mds2;
mod register;
mod risk;
mod vulns;
