//! Whole-screen tests of the Dashboard and the Findings: a real workbook with findings on a
//! device, a model and a site, drawn at 80×24 and 160×48; owner, due date and status edited
//! from the Findings screen and read back from the file.

use super::*;
use crate::catalog::Control;

/// Answers `control` on `target` with a rating (`None` keeps the defaults).
fn answer(
    wb: &mut Workbook,
    target: &Target,
    control: &str,
    response: Response,
    rating: Option<(u8, u8)>,
) -> TestResult {
    let control: &Control = wb.catalog().control(control).ok_or("no such control")?;
    wb.set_answer(
        target,
        control,
        &AnswerInput {
            response: Some(Some(response)),
            likelihood: rating.map(|r| r.0),
            impact: rating.map(|r| r.1),
            ..AnswerInput::default()
        },
    )?;
    Ok(())
}

/// The sample's five devices plus one on another site with nothing answered; findings on
/// DEV-0001 and DEV-0003, one on the Dräger Evita V500 model (two units) and one on site Main.
fn findings_sample(wb: &mut Workbook) -> TestResult {
    sample(wb)?;
    add(wb, &[("name", "Spare monitor"), ("site", "Annex")])?;
    let id = |wb: &Workbook, n: usize| -> Result<i64, Box<dyn std::error::Error>> {
        Ok(wb.devices()?.get(n).ok_or("device")?.id)
    };
    let (d1, d3) = (id(wb, 0)?, id(wb, 2)?);
    answer(
        wb,
        &Target::Device(d1),
        "ENC-01",
        Response::No,
        Some((4, 5)),
    )?;
    answer(wb, &Target::Device(d1), "VULN-05", Response::Partial, None)?;
    answer(wb, &Target::Device(d1), "INV-01", Response::Yes, None)?;
    answer(
        wb,
        &Target::Device(d3),
        "NET-03",
        Response::No,
        Some((5, 5)),
    )?;
    let drager = Target::Model {
        manufacturer: "Dräger".into(),
        model: "Evita V500".into(),
    };
    answer(wb, &drager, "INV-03", Response::No, Some((3, 4)))?;
    answer(
        wb,
        &Target::Site("Main".into()),
        "IR-01",
        Response::Unknown,
        None,
    )?;
    Ok(())
}

/// The sum of the dashboard's heat map, as the screen computed it.
fn heat_total(app: &App) -> usize {
    crate::tui::screens::dashboard::dashboard_figures(app)
        .heat
        .iter()
        .flatten()
        .sum()
}

#[test]
fn dashboard_80x24_and_scrolled() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["g"])?;
    assert_eq!(app.screen(), Screen::Dashboard);
    insta::assert_snapshot!("dashboard_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["pgdn", "pgdn", "pgdn"])?;
    insta::assert_snapshot!("dashboard_80x24_end", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn dashboard_160x48() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["g"])?;
    insta::assert_snapshot!("dashboard_160x48", draw(&mut app, 160, 48)?);
    Ok(())
}

#[test]
fn findings_80x24() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["f", "j", "j"])?;
    assert_eq!(app.screen(), Screen::Findings);
    insta::assert_snapshot!("findings_80x24", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn findings_160x48() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["f", "G"])?;
    insta::assert_snapshot!("findings_160x48", draw(&mut app, 160, 48)?);
    Ok(())
}

#[test]
fn findings_empty_says_what_findings_are() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["f", "enter", "o", "s"])?;
    assert!(app.overlay.is_none());
    insta::assert_snapshot!("findings_empty_80x24", draw(&mut app, 80, 24)?);
    Ok(())
}

#[test]
fn the_heat_map_counts_each_open_finding_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["f"])?;
    let open = crate::tui::screens::findings::current(&app)
        .list
        .iter()
        .filter(|f| f.is_open())
        .count();
    // Device, device, model (two units), site (five devices), device: five risks.
    assert_eq!(open, 5);
    press(&mut app, &["d"])?;
    assert_eq!(app.screen(), Screen::Dashboard);
    assert_eq!(heat_total(&app), open);
    let screen = draw(&mut app, 80, 24)?;
    assert!(screen.contains("5 open risks"), "{screen}");
    Ok(())
}
