//! A workbook assessed against an older catalog, opened in the TUI: a popup lists the answers to
//! review; they show as suggestions and one key confirms each.

use super::*;

/// Rewrites the snapshot of the workbook at `path` as catalog 2025.1 would have left it, with
/// ENC-03's question different.
fn age_the_snapshot(path: &Path) -> TestResult {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "key", PASS)?;
    conn.pragma_update(None, "cipher_compatibility", 4)?;
    conn.execute_batch(
        "UPDATE assessment SET catalog_version = '2025.1';
         UPDATE catalog_control SET question_hash = 'older' WHERE control_id = 'ENC-03';",
    )?;
    Ok(())
}

#[test]
fn the_upgrade_is_announced_and_each_answer_confirmed_with_one_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    add(&mut wb, &[("name", "Infusion pump")])?;
    let device = wb.devices()?.first().ok_or("device")?.id;
    let target = Target::Device(device);
    let control = crate::catalog::catalog()
        .control("ENC-03")
        .ok_or("ENC-03")?;
    let input = crate::workbook::AnswerInput {
        response: Some(Some(Response::No)),
        ..Default::default()
    };
    wb.set_answer(&target, control, &input)?;
    drop(wb);
    age_the_snapshot(&path)?;

    let wb = Workbook::open(&path, &pass(), Access::Write)?;
    let mut ui = app(wb)?;
    let screen = draw(&mut ui, 80, 24)?;
    assert!(screen.contains("catalog was upgraded"), "{screen}");
    assert!(screen.contains("DEV-0001 ENC-03"), "{screen}");
    insta::assert_snapshot!("catalog_upgrade_80x24", screen);
    press(&mut ui, &["enter"])?;
    assert!(ui.overlay.is_none());
    drop(ui);

    // Next time: a status-line reminder while answers still wait.
    let wb = Workbook::open(&path, &pass(), Access::Write)?;
    let mut ui = app(wb)?;
    let screen = draw(&mut ui, 160, 48)?;
    assert!(screen.contains("1 answer(s) await review"), "{screen}");
    let stored = ui
        .workbook()
        .answer(&target, "ENC-03")?
        .ok_or("answer kept")?;
    assert_eq!(stored.confirmed_response(), None);
    Ok(())
}
