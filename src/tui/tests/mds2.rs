//! An imported MDS2 in the TUI: its suggestions shown as "MDS2 (unconfirmed)" in the checklist
//! and the Control detail until `c` confirms them, the manufacturer's claim for the control's
//! MDS2 questions from the model's document, and undo of the whole import — drawn at 80×24 and
//! 160×48.

use super::*;
use crate::mds2::plan::{Mds2Target, plan};

/// Imports the NEMA example for the model of the first device (B. Braun Space in `sample`).
fn import_nema(wb: &mut Workbook) -> TestResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/mds2/nema-example-mds2-worksheet-hn1-2019.xlsx");
    let file = crate::mds2::read_file(&path)?;
    let devices: Vec<_> = wb
        .devices()?
        .into_iter()
        .filter(|d| d.get("model") == "Space")
        .collect();
    let target = Mds2Target::Model {
        manufacturer: "B. Braun".into(),
        model: "Space".into(),
    };
    let existing = |t: &Target, c: &str| wb.answer(t, c).ok().flatten();
    let p = plan(
        &file,
        &target,
        "model B. Braun Space",
        &devices,
        &existing,
        false,
    );
    wb.import_mds2(&file, &p)?;
    Ok(())
}

fn go_to(app: &mut App, control: &str) -> TestResult {
    for _ in 0..100 {
        if selected_control(app) == control {
            return Ok(());
        }
        press(app, &["down"])?;
    }
    Err(format!("never reached {control}").into())
}

#[test]
fn suggestions_show_unconfirmed_with_the_claim_until_confirmed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    import_nema(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    go_to(&mut app, "ENC-01")?;
    let small = draw(&mut app, 80, 24)?;
    assert!(small.contains("No?"), "{small}");
    assert!(small.contains("MDS2 (unconfirmed)"), "{small}");
    insta::assert_snapshot!("mds2_suggestion_80x24", small);
    let wide = draw(&mut app, 160, 48)?;
    assert!(
        wide.contains("STCF-1=No; STCF-1.1=N/A; STCF-1.2=N/A"),
        "{wide}"
    );
    assert!(wide.contains("its model's MDS2"), "{wide}");
    assert!(!wide.contains("()"), "{wide}");
    insta::assert_snapshot!("mds2_suggestion_160x48", wide);
    // Not assessed until confirmed.
    assert_eq!(device_answer(&app, "ENC-01"), None);
    press(&mut app, &["c"])?;
    assert_eq!(device_answer(&app, "ENC-01"), Some(Response::No));
    let stored = app
        .workbook()
        .answer(&Target::Device(1), "ENC-01")?
        .ok_or("answer")?;
    assert_eq!(stored.suggested, None);
    assert_eq!(stored.note, "MDS2 STCF-1 = No: no encryption at rest");
    // Confirmed, it counts (and the cursor moved on to the next control).
    let after = draw(&mut app, 160, 48)?;
    assert!(after.contains("1/72 answered"), "{after}");
    assert_eq!(selected_control(&app), "ENC-02");
    Ok(())
}

#[test]
fn undo_takes_the_whole_import_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    import_nema(&mut wb)?;
    let mut app = app(wb)?;
    assert_eq!(app.mds2.len(), 1);
    press(&mut app, &["ctrl-z"])?;
    assert!(app.mds2.is_empty());
    assert!(app.answers.get(&Target::Device(1), "ENC-01").is_none());
    assert_eq!(
        app.devices.first().map(|d| d.get("mds2_available")),
        Some("")
    );
    press(&mut app, &["enter"])?;
    go_to(&mut app, "ENC-01")?;
    let screen = draw(&mut app, 160, 48)?;
    assert!(!screen.contains("MDS2 (unconfirmed)"), "{screen}");
    Ok(())
}
