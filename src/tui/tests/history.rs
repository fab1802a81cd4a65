//! The history popup (`H`): a device's audit trail on Devices and an answer's on the Checklist,
//! newest first, with who changed what; only that device's (and control's) changes; scrolls and
//! closes with the keymap's keys.

use super::*;
use crate::tui::popups::history::HistoryRow;

/// The screen with the clock times of today's entries written `HH:MM`, so that snapshots do
/// not change from one minute to the next.
fn untimed(screen: String) -> String {
    let re =
        regex::Regex::new(r"TODAY\+0000([ T])\d\d:\d\d(:\d\d)?").unwrap_or_else(|e| panic!("{e}"));
    re.replace_all(&screen, |c: &regex::Captures<'_>| {
        let seconds = c.get(2).map(|_| ":SS").unwrap_or("");
        format!("TODAY+0000{}HH:MM{seconds}", &c[1])
    })
    .into_owned()
}

fn rows(app: &App) -> Vec<HistoryRow> {
    match &app.overlay {
        Some(Overlay::History(h)) => h.rows.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn a_device_and_an_answer_show_who_changed_what() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    wb.set_actor("Dana Ruiz");
    let mut app = app(wb)?;
    // Answer ENC-01 on DEV-0001 as Dana Ruiz, and one control on DEV-0002.
    press(&mut app, &["enter"])?;
    app.control_cursor.selected = app
        .outline
        .controls
        .iter()
        .position(|c| c.id == "ENC-01")
        .ok_or("ENC-01")?;
    press(&mut app, &["n", "k", "H"])?;
    let answer = rows(&app);
    let Some(HistoryRow::Entry { actor, summary, .. }) = answer.first() else {
        panic!("no entry: {answer:?}");
    };
    assert_eq!(
        (actor.as_str(), summary.as_str()),
        ("Dana Ruiz", "answer DEV-0001 ENC-01 No")
    );
    assert!(
        answer.contains(&HistoryRow::Change("response: (empty) → \"No\"".into())),
        "{answer:?}"
    );
    insta::assert_snapshot!("history_answer_80x24", untimed(draw(&mut app, 80, 24)?));
    press(&mut app, &["esc"])?;
    assert!(app.overlay.is_none());
    press(&mut app, &["]", "y", "esc"])?;

    // Devices: DEV-0001's history has its answer and its creation, newest first; not DEV-0002's.
    app.device_cursor.selected = 0;
    press(&mut app, &["H"])?;
    let device = rows(&app);
    let summaries: Vec<&str> = device
        .iter()
        .filter_map(|r| match r {
            HistoryRow::Entry { summary, .. } => Some(summary.as_str()),
            HistoryRow::Change(_) => None,
        })
        .collect();
    assert_eq!(summaries, ["answer DEV-0001 ENC-01 No", "add DEV-0001"]);
    assert!(device.contains(&HistoryRow::Change(
        "name: (empty) → \"Infusion pump 3\"".into()
    )));
    insta::assert_snapshot!("history_device_160x48", untimed(draw(&mut app, 160, 48)?));
    press(&mut app, &["j", "G", "g", "q"])?;
    assert!(app.overlay.is_none());
    Ok(())
}

#[test]
fn a_device_name_with_controls_is_shown_printable() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    // DEV-0005 is "Monitor\u{202e}evil" (a right-to-left override in its name).
    let row = app
        .list
        .view
        .iter()
        .position(|&i| app.devices.get(i).is_some_and(|d| d.number == 5))
        .ok_or("DEV-0005")?;
    app.device_cursor.selected = row;
    press(&mut app, &["H"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(!screen.contains('\u{202e}'), "{screen}");
    assert!(screen.contains("History · DEV-0005"), "{screen}");
    Ok(())
}
