//! Evidence in the TUI: the file picker (folders, filtering, typed and pasted paths, going up,
//! a refused file), the attachments on the control screen, removing one after a question, undo,
//! and model answers' evidence shown on every unit — drawn at 80×24 and 160×48.

use std::fs;

use super::*;
use crate::tui::popups::picker::LAST_FOLDER_KEY;
use crate::tui::update;
use crate::workbook::AttachmentFilter;

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

/// A home folder with `evidence/` holding a photo, a CSV export, a file over the limit set
/// below (2 KiB), a hidden file and a sub-folder; the workbook remembers `evidence/` as the
/// folder last used.
fn evidence_folder(
    dir: &Path,
    wb: &Workbook,
) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
    let home = dir.join("home");
    let folder = home.join("evidence");
    fs::create_dir_all(folder.join("photos"))?;
    fs::write(
        folder.join("IMG_0412.jpg"),
        b"\xff\xd8\xff\xe0 photo of the settings screen",
    )?;
    fs::write(folder.join("config export.csv"), "setting,value\ntls,1.0\n")?;
    fs::write(folder.join("firmware.bin"), vec![0u8; 3000])?;
    fs::write(folder.join(".DS_Store"), b"x")?;
    wb.set_ui_state(LAST_FOLDER_KEY, &folder.to_string_lossy())?;
    Ok((home, folder))
}

/// Shows the open picker's folder relative to `home` (as `~/…`), so snapshots do not depend on
/// where the temporary folder is.
fn home_is(app: &mut App, home: &Path) -> TestResult {
    match &mut app.overlay {
        Some(Overlay::Picker(p)) => {
            p.home = Some(home.to_path_buf());
            Ok(())
        }
        _ => Err("the picker is not open".into()),
    }
}

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_file_is_picked_from_a_folder_and_listed_on_the_control() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    wb.set_attachment_limit(Some(2048))?;
    let (home, folder) = evidence_folder(dir.path(), &wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    assert_eq!(selected_control(&app), "INV-01");
    let assessed = app.progress[0].total.assessed();
    press(&mut app, &["A"])?;
    home_is(&mut app, &home)?;
    insta::assert_snapshot!("picker_80x24", draw(&mut app, 80, 24)?);
    insta::assert_snapshot!("picker_160x48", draw(&mut app, 160, 48)?);

    // Over the limit: refused, the picker stays open and says why.
    type_text(&mut app, "firm");
    press(&mut app, &["enter"])?;
    match &app.overlay {
        Some(Overlay::Picker(p)) => {
            let problem = p.problem.clone().unwrap_or_default();
            assert!(
                problem.contains("firmware.bin is 2.9 KiB (3,000 bytes), over this workbook's evidence limit of 2 KiB (2,048 bytes)"),
                "{problem}"
            );
        }
        _ => return Err("the picker closed on a refused file".into()),
    }
    insta::assert_snapshot!("picker_refused_80x24", draw(&mut app, 80, 24)?);
    // With text typed, `h` is text and Backspace deletes; without, both go up a folder.
    press(&mut app, &["ctrl-u"])?;
    type_text(&mut app, "xh");
    press(&mut app, &["backspace"])?;
    match &app.overlay {
        Some(Overlay::Picker(p)) => assert_eq!(p.query.text, "x"),
        _ => return Err("picker closed".into()),
    }
    press(&mut app, &["backspace", "h"])?;
    match &app.overlay {
        Some(Overlay::Picker(p)) => {
            assert_eq!(p.dir, home);
            let at = p.shown.get(p.selected).and_then(|&i| p.entries.get(i));
            assert_eq!(at.map(|e| e.name.as_str()), Some("evidence"));
        }
        _ => return Err("picker closed".into()),
    }
    // Back into the folder, then narrowed by typing and attached with Enter.
    press(&mut app, &["enter"])?;
    type_text(&mut app, "img");
    press(&mut app, &["enter"])?;
    assert!(app.overlay.is_none());
    let msg = message(&app);
    assert!(
        msg.starts_with("Attached IMG_0412.jpg (33 bytes, "),
        "{msg}"
    );
    assert!(
        msg.ends_with("to DEV-0001 INV-01 · Ctrl-z to undo"),
        "{msg}"
    );

    // A path pasted (quoted, with a line break, as a terminal pastes a dropped file) is opened.
    press(&mut app, &["A"])?;
    let pasted = format!("'{}'\n", folder.join("config export.csv").display());
    if let Some(action) = app.action_for_paste(&pasted) {
        update(&mut app, action);
    }
    press(&mut app, &["enter"])?;
    assert!(app.overlay.is_none(), "{}", message(&app));

    let stored = app.workbook().attachments(AttachmentFilter::All)?;
    let names: Vec<&str> = stored.iter().map(|a| a.file_name.as_str()).collect();
    assert_eq!(names, ["IMG_0412.jpg", "config export.csv"]);
    let device = app.devices[0].id;
    assert!(
        stored
            .iter()
            .all(|a| a.target == Target::Device(device) && a.control_id == "INV-01")
    );
    assert_eq!(stored[1].media_type, "text/csv");
    // Evidence alone does not answer the control.
    assert_eq!(device_answer(&app, "INV-01"), None);
    assert_eq!(app.progress[0].total.assessed(), assessed);
    assert_eq!(
        app.workbook().ui_state(LAST_FOLDER_KEY)?.map(PathBuf::from),
        Some(folder.clone())
    );
    insta::assert_snapshot!("checklist_evidence_80x24", draw(&mut app, 80, 24)?);
    insta::assert_snapshot!("checklist_evidence_160x48", draw(&mut app, 160, 48)?);

    // Esc closes the picker and attaches nothing.
    press(&mut app, &["A", "esc"])?;
    assert!(app.overlay.is_none());
    assert_eq!(message(&app), "Nothing attached");
    assert_eq!(app.attachments.len(), 2);
    Ok(())
}

#[test]
fn an_attachment_is_removed_after_a_question_and_undo_brings_it_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let (_, folder) = evidence_folder(dir.path(), &wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter", "X"])?;
    assert_eq!(message(&app), "INV-01: no evidence attached to remove");
    for name in ["IMG_0412.jpg", "config export.csv"] {
        press(&mut app, &["A"])?;
        if let Some(a) = app.action_for_paste(&folder.join(name).to_string_lossy()) {
            update(&mut app, a);
        }
        press(&mut app, &["enter"])?;
    }
    assert_eq!(app.attachments.len(), 2);
    // Two attachments: which one first, then the question; "no" changes nothing.
    press(&mut app, &["X"])?;
    assert!(matches!(app.overlay, Some(Overlay::Menu(_))));
    press(&mut app, &["j", "enter"])?;
    insta::assert_snapshot!("remove_attachment_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["n"])?;
    assert_eq!(app.attachments.len(), 2);
    press(&mut app, &["X", "j", "enter", "y"])?;
    assert_eq!(
        message(&app),
        "Removed config export.csv from DEV-0001 INV-01 · Ctrl-z to undo"
    );
    let left: Vec<String> = app
        .workbook()
        .attachments(AttachmentFilter::All)?
        .into_iter()
        .map(|a| a.file_name)
        .collect();
    assert_eq!(left, ["IMG_0412.jpg"]);
    assert_eq!(app.attachments.len(), 1);
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(
        message(&app),
        "Undone: remove evidence DEV-0001 INV-01 config export.csv · Ctrl-y to redo"
    );
    assert_eq!(app.attachments.len(), 2);
    // Undoing the addition removes it again; the one left is asked about directly.
    press(&mut app, &["ctrl-z", "ctrl-z"])?;
    assert!(app.attachments.is_empty());
    press(&mut app, &["ctrl-y"])?;
    press(&mut app, &["X"])?;
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
    Ok(())
}

#[test]
fn a_model_answers_evidence_shows_on_every_unit_and_in_the_walk() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let (_, folder) = evidence_folder(dir.path(), &wb)?;
    let mut app = app(wb)?;
    // DEV-0002 (Dräger Evita V500) on INV-03, a model control it inherits.
    press(&mut app, &["j", "enter"])?;
    while selected_control(&app) != "INV-03" {
        press(&mut app, &["j"])?;
    }
    press(&mut app, &["A"])?;
    if let Some(a) = app.action_for_paste(&folder.join("config export.csv").to_string_lossy()) {
        update(&mut app, a);
    }
    press(&mut app, &["enter"])?;
    let msg = message(&app);
    assert!(msg.contains("to MODEL:Dräger/Evita V500 INV-03"), "{msg}");
    let stored = app.workbook().attachments(AttachmentFilter::All)?;
    assert!(matches!(&stored[0].target, Target::Model { model, .. } if model == "Evita V500"));
    // DEV-0004 is the other unit: it shows the model's evidence.
    let other = app
        .devices
        .iter()
        .find(|d| d.short_id() == "DEV-0004")
        .ok_or("DEV-0004")?;
    let control = app.outline.catalog.control("INV-03").ok_or("INV-03")?;
    assert_eq!(app.attachments_on(other, control).len(), 1);
    // The walkthrough shows it too, and attaches with the same key.
    press(&mut app, &["w"])?;
    assert_eq!(app.screen(), Screen::Walk);
    while selected_control(&app) != "INV-03" {
        press(&mut app, &["h"])?;
    }
    let screen = draw(&mut app, 80, 24)?;
    assert!(
        screen.contains("config export.csv · 22 bytes ·"),
        "{screen}"
    );
    press(&mut app, &["A"])?;
    assert!(matches!(app.overlay, Some(Overlay::Picker(_))));
    Ok(())
}
