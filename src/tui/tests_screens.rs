//! Screen tests of the complete TUI: the walkthrough, the device form, search, filters, sort,
//! marks, the palette, confirmations, undo, bulk answers, pastes and the mouse — each driven
//! through the real keymap and drawn at 80×24 and 160×48 (insta snapshots in
//! `src/tui/snapshots/`).

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::app::Overlay;
use super::tests::{
    TestResult, add, app as new_app, draw, pass, press, sample, selected_control, workbook,
};
use super::{Screen, update};
use crate::assessment::{Response, Target};
use crate::workbook::{Access, Workbook};

fn type_text(app: &mut super::App, text: &str) {
    for c in text.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn stored(
    path: &std::path::Path,
    device: i64,
    control: &str,
) -> Result<Option<Response>, Box<dyn std::error::Error>> {
    let wb = Workbook::open(path, &pass(), Access::Read)?;
    Ok(wb
        .answer(&Target::Device(device), control)?
        .and_then(|a| a.response))
}

/// The response stored in an open workbook (read from the database, not the app's memory).
fn in_workbook(
    wb: &Workbook,
    device: i64,
    control: &str,
) -> Result<Option<Response>, Box<dyn std::error::Error>> {
    Ok(wb
        .answer(&Target::Device(device), control)?
        .and_then(|a| a.response))
}

#[test]
fn walkthrough_answers_and_moves_on_80x24_and_160x48() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["w"])?;
    insta::assert_snapshot!("walk_menu_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    assert_eq!(app.screen(), Screen::Walk);
    press(&mut app, &["y", "n"])?;
    assert_eq!(selected_control(&app), "INV-03");
    insta::assert_snapshot!("walk_80x24", draw(&mut app, 80, 24)?);
    insta::assert_snapshot!("walk_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["?"])?;
    insta::assert_snapshot!("help_walk_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["esc"])?;
    // Skip, go back, next device.
    press(&mut app, &["right"])?;
    assert_eq!(selected_control(&app), "INV-04");
    press(&mut app, &["left", "left"])?;
    assert_eq!(selected_control(&app), "INV-02");
    press(&mut app, &["]"])?;
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0002".into())
    );
    drop(app);
    assert_eq!(stored(&path, 1, "INV-01")?, Some(Response::Yes));
    assert_eq!(stored(&path, 1, "INV-02")?, Some(Response::No));
    Ok(())
}

#[test]
fn walkthrough_resumes_after_a_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["w", "enter", "y", "y", "y"])?;
    let at = selected_control(&app);
    press(&mut app, &["ctrl-c"])?;
    assert!(app.should_quit());
    drop(app);
    // Quit while walking: the next start is back in the walk, on the same control.
    let wb = Workbook::open(&path, &pass(), Access::Write)?;
    let mut app = new_app(wb)?;
    assert_eq!(app.screen(), Screen::Walk);
    assert_eq!(selected_control(&app), at);
    // Left with Esc: the device list, and `w` offers to resume first.
    press(&mut app, &["esc", "w"])?;
    match &app.overlay {
        Some(Overlay::Menu(m)) => {
            assert!(
                m.items
                    .first()
                    .is_some_and(|i| i.label.starts_with("Resume"))
            );
        }
        other => panic!("expected the walk menu, got {other:?}"),
    }
    press(&mut app, &["enter"])?;
    assert_eq!(app.screen(), Screen::Walk);
    assert_eq!(selected_control(&app), at);
    Ok(())
}

#[test]
fn a_walk_over_one_device_ends_with_a_summary() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    add(&mut wb, &[("name", "Lone pump")])?;
    let mut app = new_app(wb)?;
    press(&mut app, &["w"])?;
    // Options: all 1 device, only DEV-0001.
    press(&mut app, &["j", "enter"])?;
    for _ in 0..80 {
        press(&mut app, &["y"])?;
    }
    assert!(app.walk.as_ref().is_some_and(|w| w.done));
    insta::assert_snapshot!("walk_complete_80x24", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn device_form_adds_checks_as_you_type_and_edits() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["a"])?;
    type_text(&mut app, "Pump 東芝 12");
    insta::assert_snapshot!("form_add_80x24", draw(&mut app, 80, 24)?);
    insta::assert_snapshot!("form_add_160x48", draw(&mut app, 160, 48)?);
    // Category: step through its list.
    press(&mut app, &["down", "ctrl-n"])?;
    // IP: an invalid address is flagged and blocks saving.
    for _ in 0..40 {
        let at_ip = matches!(&app.overlay, Some(Overlay::Form(f))
            if f.fields.get(f.focus).is_some_and(|x| x.def.key == "ip_addresses"));
        if at_ip {
            break;
        }
        press(&mut app, &["down"])?;
    }
    type_text(&mut app, "10.0.0.300");
    insta::assert_snapshot!("form_invalid_ip_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["ctrl-s"])?;
    assert!(
        matches!(app.overlay, Some(Overlay::Form(_))),
        "not saved while invalid"
    );
    press(&mut app, &["backspace"])?;
    press(&mut app, &["ctrl-s"])?;
    assert!(app.overlay.is_none());
    assert_eq!(app.devices.len(), 6);
    let added = app.devices.last().cloned().ok_or("no device")?;
    assert_eq!(added.get("name"), "Pump 東芝 12");
    assert_eq!(added.get("ip_addresses"), "10.0.0.30");
    assert_eq!(added.get("category"), "Infusion pump");
    // Edit it: change the name; Esc with changes asks first.
    press(&mut app, &["e"])?;
    press(&mut app, &["ctrl-u"])?;
    type_text(&mut app, "Pump 12b");
    press(&mut app, &["esc"])?;
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
    press(&mut app, &["n"])?;
    assert!(
        matches!(app.overlay, Some(Overlay::Form(_))),
        "no goes back to the form"
    );
    press(&mut app, &["ctrl-s"])?;
    drop(app);
    let wb = Workbook::open(&path, &pass(), Access::Read)?;
    assert_eq!(wb.find_device("DEV-0006")?.get("name"), "Pump 12b");
    Ok(())
}

#[test]
fn delete_asks_first_and_undo_brings_the_device_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["enter", "y", "esc"])?;
    press(&mut app, &["D"])?;
    insta::assert_snapshot!("confirm_delete_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["n"])?;
    assert_eq!(app.devices.len(), 5);
    press(&mut app, &["D", "y"])?;
    assert_eq!(app.devices.len(), 4);
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(app.devices.len(), 5, "undo brings the device back");
    drop(app);
    let wb = Workbook::open(&path, &pass(), Access::Write)?;
    assert_eq!(wb.devices()?.len(), 5);
    assert_eq!(
        in_workbook(&wb, 1, "INV-01")?,
        Some(Response::Yes),
        "with its answers"
    );
    drop(wb);
    Ok(())
}

#[test]
fn undo_and_redo_of_answers_survive_a_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["enter", "y", "n"])?;
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(in_workbook(app.workbook(), 1, "INV-02")?, None);
    assert_eq!(
        in_workbook(app.workbook(), 1, "INV-01")?,
        Some(Response::Yes)
    );
    drop(app);
    let wb = Workbook::open(&path, &pass(), Access::Write)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(
        in_workbook(app.workbook(), 1, "INV-01")?,
        None,
        "undo works after a restart"
    );
    press(&mut app, &["ctrl-y"])?;
    assert_eq!(
        in_workbook(app.workbook(), 1, "INV-01")?,
        Some(Response::Yes)
    );
    Ok(())
}

#[test]
fn search_filter_sort_and_marks() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["/"])?;
    type_text(&mut app, "10.0.0.22");
    assert_eq!(app.list.view.len(), 1);
    insta::assert_snapshot!("search_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    assert_eq!(
        app.selected_device().map(|d| d.short_id()),
        Some("DEV-0002".into())
    );
    press(&mut app, &["esc"])?;
    assert_eq!(app.list.view.len(), 5);
    // Filters: the first value of Location.
    press(&mut app, &["F", "right"])?;
    insta::assert_snapshot!("filter_80x24", draw(&mut app, 80, 24)?);
    assert!(app.list.view.len() < 5);
    press(&mut app, &["x", "enter"])?;
    assert_eq!(app.list.view.len(), 5);
    // Sort by name, then reversed.
    press(&mut app, &["s"])?;
    let first = |app: &super::App| {
        app.list
            .view
            .first()
            .and_then(|&i| app.devices.get(i))
            .map(|d| d.get("name").to_string())
    };
    assert_eq!(first(&app), Some("Infusion pump 3".into()));
    press(&mut app, &["S"])?;
    assert_eq!(first(&app), Some("東芝 Aquilion CT".into()));
    press(&mut app, &["home", "space", "space"])?;
    assert_eq!(app.list.marked.len(), 2);
    insta::assert_snapshot!("devices_sorted_marked_160x48", draw(&mut app, 160, 48)?);
    Ok(())
}

#[test]
fn palette_lists_actions_by_name_and_runs_them() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &[":"])?;
    insta::assert_snapshot!("palette_80x24", draw(&mut app, 80, 24)?);
    type_text(&mut app, "add dev");
    insta::assert_snapshot!("palette_filtered_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    Ok(())
}

#[test]
fn bulk_answer_goes_to_every_unit_of_the_model_after_a_question() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    // DEV-0004 (Dräger Evita V500) already says No on INV-01; DEV-0002 answers Yes and applies it.
    press(
        &mut app,
        &[
            "j", "j", "j", "enter", "n", "esc", "home", "j", "enter", "y", "k", "b",
        ],
    )?;
    insta::assert_snapshot!("bulk_menu_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    insta::assert_snapshot!("bulk_confirm_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["y"])?;
    assert_eq!(
        in_workbook(app.workbook(), 4, "INV-01")?,
        Some(Response::Yes)
    );
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(
        in_workbook(app.workbook(), 4, "INV-01")?,
        Some(Response::No),
        "one undo takes it all back"
    );
    drop(app);
    assert_eq!(stored(&path, 4, "INV-01")?, Some(Response::No));
    Ok(())
}

#[test]
fn pastes_never_run_key_bindings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["enter"])?;
    let before = app.progress.first().map(|p| p.total.assessed());
    if let Some(a) = app.action_for_event(&Event::Paste("yyyy".into())) {
        update(&mut app, a);
    }
    assert_eq!(app.progress.first().map(|p| p.total.assessed()), before);
    // On the device list a paste (a scanned asset tag) becomes a search.
    press(&mut app, &["esc"])?;
    if let Some(a) = app.action_for_event(&Event::Paste("evita".into())) {
        update(&mut app, a);
    }
    assert_eq!(app.list.query, "evita");
    assert_eq!(app.list.view.len(), 2);
    Ok(())
}

#[test]
fn mouse_click_selects_a_row() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    let _ = draw(&mut app, 80, 24)?;
    let click = Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row: 4,
        modifiers: KeyModifiers::NONE,
    });
    let _ = app.action_for_event(&click);
    // Row 1 of the screen is the title, row 2 the heading: screen row 4 is the third device.
    assert_eq!(
        app.selected_device().map(|d| d.short_id()),
        Some("DEV-0003".into())
    );
    Ok(())
}

#[test]
fn every_screen_survives_tiny_terminals_and_comes_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    add(
        &mut wb,
        &[
            ("name", "Pump \u{1b}[2J\u{1b}]0;pwned\u{7}"),
            ("model", "😀 X"),
        ],
    )?;
    let mut app = new_app(wb)?;
    for keys in [
        &[][..],
        &["enter"][..],
        &["esc", "w", "enter"][..],
        &["esc", "g"][..],
        &["f"][..],
        &["esc", "a"][..],
        &["esc", ":"][..],
    ] {
        press(&mut app, keys)?;
        for (w, h) in [(20, 5), (1, 1), (39, 11), (40, 12), (80, 24), (200, 60)] {
            let screen = draw(&mut app, w, h)?;
            assert!(!screen.contains('\u{1b}'), "escape reached the screen");
        }
    }
    let mut app2 = app;
    press(&mut app2, &["esc", "esc"])?;
    let screen = draw(&mut app2, 160, 48)?;
    assert!(screen.contains("Pump ␛[2J␛]0;pwned␇"), "{screen}");
    Ok(())
}

#[test]
fn high_contrast_switches_with_one_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (wb, _) = workbook(dir.path())?;
    let mut app = new_app(wb)?;
    let before = app.theme.is_high_contrast();
    press(&mut app, &["f12"])?;
    assert_ne!(app.theme.is_high_contrast(), before);
    Ok(())
}

#[test]
fn a_user_keymap_file_is_merged_and_a_bad_one_keeps_the_defaults() -> TestResult {
    use crate::tui::keymap::{Context, Key};
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("keymap.toml");
    assert!(
        matches!(super::user_keymap_from(&path), (None, None)),
        "no file: defaults, quietly"
    );
    std::fs::write(
        &path,
        "[walk]\nkeymap = [ { on = \"space\", run = \"answer_yes\", desc = \"Yes\" } ]\n",
    )?;
    let (keymap, warning) = super::user_keymap_from(&path);
    assert_eq!(warning, None);
    let keymap = keymap.ok_or("the file should load")?;
    assert_eq!(
        keymap.action(Context::Walk, Key::parse("space")?),
        Some(&super::Action::AnswerYes)
    );
    std::fs::write(
        &path,
        "[walk]\nkeymap = [ { on = \"y\", run = \"answer_maybe\", desc = \"?\" } ]\n",
    )?;
    let (keymap, warning) = super::user_keymap_from(&path);
    assert!(keymap.is_none());
    let warning = warning.ok_or("a warning")?;
    assert!(
        warning.contains("answer_maybe") && warning.contains("default keys"),
        "{warning}"
    );
    assert!(!warning.contains('\n'));
    std::fs::write(&path, [0xff, 0xfe, 0x00])?;
    let (_, warning) = super::user_keymap_from(&path);
    assert!(warning.is_some_and(|w| w.contains("UTF-8")));
    Ok(())
}

#[test]
fn a_note_is_saved_after_a_pause_and_never_thrown_away() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["enter", "e"])?;
    type_text(&mut app, "Label says v2.1");
    assert!(app.autosave_due());
    // What the run loop does after 500 ms without typing.
    app.autosave();
    assert!(!app.autosave_due());
    assert!(
        matches!(app.overlay, Some(Overlay::Note(_))),
        "the popup stays open"
    );
    let note = |app: &super::App| -> Result<String, Box<dyn std::error::Error>> {
        Ok(app
            .workbook()
            .answer(&Target::Device(1), "INV-01")?
            .map(|a| a.note.to_string())
            .unwrap_or_default())
    };
    assert_eq!(note(&app)?, "Label says v2.1");
    // More typing, then Esc: kept too.
    type_text(&mut app, ", checked");
    press(&mut app, &["esc"])?;
    assert!(app.overlay.is_none());
    assert_eq!(note(&app)?, "Label says v2.1, checked");
    Ok(())
}

#[test]
fn a_deferred_control_is_passed_over_and_answering_lifts_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["w", "j", "enter"])?; // only DEV-0001
    assert_eq!(selected_control(&app), "INV-01");
    press(&mut app, &["d"])?;
    type_text(&mut app, "in use on a patient");
    press(&mut app, &["enter"])?;
    assert_eq!(selected_control(&app), "INV-02", "the walk moves on");
    let a = app
        .workbook()
        .answer(&Target::Device(1), "INV-01")?
        .ok_or("stored")?;
    assert_eq!(a.deferral_reason, "in use on a patient");
    assert_eq!(a.response, None);
    // Back on the checklist it reads "deferred"; Tab passes over it.
    press(&mut app, &["esc", "enter"])?;
    insta::assert_snapshot!("checklist_deferred_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["home", "y"])?;
    let a = app
        .workbook()
        .answer(&Target::Device(1), "INV-01")?
        .ok_or("stored")?;
    assert_eq!(a.response, Some(Response::Yes));
    assert_eq!(a.deferral_reason, "", "answering lifts the deferral");
    Ok(())
}

#[test]
fn every_popup_at_160x48() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["w"])?;
    insta::assert_snapshot!("walk_menu_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["esc", "D"])?;
    insta::assert_snapshot!("confirm_delete_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["n", ":"])?;
    insta::assert_snapshot!("palette_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["esc", "F"])?;
    insta::assert_snapshot!("filter_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["enter", "/"])?;
    type_text(&mut app, "icu");
    insta::assert_snapshot!("search_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["esc", "?"])?;
    insta::assert_snapshot!("help_devices_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["esc", "enter", "e"])?;
    type_text(&mut app, "Firmware 2.1 seen on the settings screen");
    insta::assert_snapshot!("note_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["enter", "d"])?;
    insta::assert_snapshot!("defer_80x24", draw(&mut app, 80, 24)?);
    insta::assert_snapshot!("defer_160x48", draw(&mut app, 160, 48)?);
    Ok(())
}

#[test]
fn a_finding_is_rated_with_the_guidance_in_view() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["enter", "r"])?;
    assert!(app.overlay.is_none(), "an unanswered control is not rated");
    press(&mut app, &["n", "k", "r"])?;
    insta::assert_snapshot!("rate_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["right", "right", "down", "right"])?;
    insta::assert_snapshot!("rate_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["enter"])?;
    let a = app
        .workbook()
        .answer(&Target::Device(1), "INV-01")?
        .ok_or("stored")?;
    assert_eq!((a.likelihood, a.impact), (Some(5), Some(4)));
    assert!(!a.likelihood_default && !a.impact_default);
    Ok(())
}

#[test]
fn what_the_first_user_tripped_over() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    // The palette puts the action named "undo" before "delete … undo restores".
    press(&mut app, &[":"])?;
    type_text(&mut app, "undo");
    match &app.overlay {
        Some(Overlay::Palette(p)) => {
            let first = p.shown.first().and_then(|&i| p.entries.get(i));
            assert_eq!(first.map(|e| e.action.clone()), Some(super::Action::Undo));
        }
        other => panic!("expected the palette, got {other:?}"),
    }
    press(&mut app, &["esc"])?;
    // A stored value with characters the form would clean (DEV-0005's bidi override, line
    // break) is not a change when the form is opened and closed.
    press(&mut app, &["G", "e", "esc"])?;
    assert!(app.overlay.is_none(), "no phantom changes to discard");
    // Ctrl-c in the form asks instead of quitting.
    press(&mut app, &["a"])?;
    type_text(&mut app, "Half typed");
    press(&mut app, &["ctrl-c"])?;
    assert!(!app.should_quit());
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
    press(&mut app, &["y"])?;
    // A paste over a note's limit keeps what fits.
    press(&mut app, &["home", "enter", "e"])?;
    let big = "x".repeat(40_000);
    if let Some(a) = app.action_for_event(&Event::Paste(big)) {
        update(&mut app, a);
    }
    match &app.overlay {
        Some(Overlay::Note(n)) => assert_eq!(n.text().len(), 32_767),
        other => panic!("expected the note, got {other:?}"),
    }
    press(&mut app, &["esc", "esc"])?;
    // A scanner burst on the device list searches and gives the list its keys back.
    if let Some(a) = app.action_for_event(&Event::Paste("10.0.0.22\n".into())) {
        update(&mut app, a);
    }
    assert!(app.list.search.is_none());
    assert_eq!(app.list.view.len(), 1);
    Ok(())
}

#[test]
fn a_keymap_mistake_is_shown_in_full() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (wb, _) = workbook(dir.path())?;
    let mut app = new_app(wb)?;
    app.notice(
        "Your keymap file has a mistake",
        "/home/a/.config/medsec/keymap.toml: user keymap: [walk] binding 1 : unknown action `answer_maybe` — using the default keys".into(),
    );
    insta::assert_snapshot!("keymap_notice_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    assert!(app.overlay.is_none());
    Ok(())
}

#[test]
fn deferred_controls_form_a_to_do_list() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = new_app(wb)?;
    press(&mut app, &["t"])?;
    insta::assert_snapshot!("todo_empty_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["esc", "j", "enter", "j", "d"])?;
    type_text(&mut app, "room locked, key with the ward manager");
    press(&mut app, &["enter", "esc", "t"])?;
    assert_eq!(app.screen(), Screen::Todo);
    insta::assert_snapshot!("todo_80x24", draw(&mut app, 80, 24)?);
    insta::assert_snapshot!("todo_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["enter"])?;
    assert_eq!(app.screen(), Screen::Checklist);
    assert_eq!(selected_control(&app), "INV-02");
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0002".into())
    );
    // Answering lifts the deferral; Esc goes back to the list, now empty.
    press(&mut app, &["y", "esc"])?;
    assert_eq!(app.screen(), Screen::Todo);
    let screen = draw(&mut app, 80, 24)?;
    assert!(screen.contains("Nothing deferred."), "{screen}");
    Ok(())
}
