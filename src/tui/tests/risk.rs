//! Whole-screen tests of the Dashboard and the Findings: a real workbook with findings on a
//! device, a model and a site, drawn at 80×24 and 160×48; owner, due date and status edited
//! from the Findings screen and read back from the file.

use super::*;
use crate::catalog::Control;
use crate::risk::RiskStatus;
use crate::workbook::RiskEntryInput;

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

/// [`findings_sample`] with register entries: the model finding in progress with an owner and
/// a due date far ahead, ENC-01 on DEV-0001 overdue, VULN-05 on DEV-0001 closed.
fn with_entries(wb: &mut Workbook) -> TestResult {
    findings_sample(wb)?;
    let d1 = wb.devices()?.first().ok_or("device")?.id;
    let set = |wb: &mut Workbook, t: &Target, c: &str, owner: &str, due: &str, s: RiskStatus| {
        wb.set_risk_entry(
            t,
            c,
            &RiskEntryInput {
                owner: Some(owner.into()),
                due_date: Some(due.parse().ok()),
                status: Some(s),
            },
        )
    };
    let drager = Target::Model {
        manufacturer: "DRÄGER".into(),
        model: "evita v500".into(),
    };
    set(
        wb,
        &drager,
        "INV-03",
        "Biomed · Jo Ruiz",
        "2099-06-30",
        RiskStatus::InProgress,
    )?;
    set(
        wb,
        &Target::Device(d1),
        "ENC-01",
        "Ward 3 manager",
        "2000-01-31",
        RiskStatus::Open,
    )?;
    set(
        wb,
        &Target::Device(d1),
        "VULN-05",
        "IT security",
        "",
        RiskStatus::Closed,
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
    with_entries(&mut wb)?;
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
    with_entries(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["g"])?;
    insta::assert_snapshot!("dashboard_160x48", draw(&mut app, 160, 48)?);
    Ok(())
}

#[test]
fn findings_80x24() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    with_entries(&mut wb)?;
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
    with_entries(&mut wb)?;
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

#[test]
fn owner_due_date_and_status_are_committed_from_the_findings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    // Third finding: the Dräger model's INV-03.
    press(&mut app, &["f", "j", "j", "o"])?;
    assert!(matches!(app.overlay, Some(Overlay::Note(_))));
    let paste = Event::Paste("Biomed\u{1b}[2J team".into());
    if let Some(action) = app.action_for_event(&paste) {
        super::super::update(&mut app, action);
    }
    press(&mut app, &["enter"])?;
    assert!(app.overlay.is_none(), "saved and closed");
    let screen = draw(&mut app, 80, 24)?;
    assert!(!screen.contains('\u{1b}'), "{screen}");
    assert!(screen.contains("Biomed"), "{screen}");
    press(&mut app, &["t"])?;
    for c in "2027-03-31".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    press(&mut app, &["enter", "s", "s"])?;
    let screen = draw(&mut app, 80, 24)?;
    // Closed, it moved below the open ones, and the cursor went with it.
    assert!(screen.contains("› M     12 MODEL Dräger"), "{screen}");
    assert!(screen.contains("2027-03-31   Closed"), "{screen}");
    // Closed → Open → In Progress: the cursor stays on the same finding as it moves back up.
    press(&mut app, &["s", "s"])?;
    press(&mut app, &["q"])?;
    drop(app);

    let wb = Workbook::open(&path, &pass(), Access::Read)?;
    let model = Target::Model {
        manufacturer: "Dräger".into(),
        model: "Evita V500".into(),
    };
    let entry = wb
        .risk_entry(&model, "INV-03")?
        .ok_or("an entry for INV-03")?;
    assert!(entry.owner.starts_with("Biomed"), "{entry:?}");
    assert!(!entry.owner.contains('\u{1b}'), "{entry:?}");
    assert_eq!(entry.due_date, "2027-03-31".parse().ok());
    // Open → In Progress → Closed, then from the last row Closed → Open → In Progress.
    assert_eq!(entry.status, RiskStatus::InProgress);
    Ok(())
}

#[test]
fn an_invalid_due_date_keeps_the_popup_open() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["f", "t"])?;
    for c in "2027-02-30".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    press(&mut app, &["enter"])?;
    assert!(matches!(app.overlay, Some(Overlay::Note(_))), "still open");
    let message = app.message.clone().ok_or("a message")?;
    assert!(
        message.error && message.text.contains("not a date"),
        "{message:?}"
    );
    // Out of the years the register holds: refused by the workbook, popup still open.
    press(&mut app, &["ctrl-u"])?;
    for c in "1850-01-01".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    press(&mut app, &["enter"])?;
    assert!(matches!(app.overlay, Some(Overlay::Note(_))), "still open");
    assert!(
        app.message.as_ref().is_some_and(|m| m.error),
        "{:?}",
        app.message
    );
    press(&mut app, &["esc", "q"])?;
    drop(app);
    let wb = Workbook::open(&path, &pass(), Access::Read)?;
    assert!(wb.risk_entries()?.is_empty());
    Ok(())
}

#[test]
fn a_closed_finding_drops_out_of_the_heat_map() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["g"])?;
    assert_eq!(heat_total(&app), 5);
    let top = |app: &App| {
        crate::tui::screens::dashboard::dashboard_figures(app)
            .top
            .len()
    };
    assert_eq!(top(&app), 5);
    // Close the first finding (NET-03 on DEV-0003, L5 × I5), back to the dashboard.
    press(&mut app, &["f", "s", "s", "d"])?;
    assert_eq!(heat_total(&app), 4);
    assert_eq!(top(&app), 4);
    let figures = crate::tui::screens::dashboard::dashboard_figures(&app);
    assert_eq!(figures.heat_at(5, 5), 0);
    assert_eq!(figures.closed, 1);
    // Undo reopens it.
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(heat_total(&app), 5);
    Ok(())
}

#[test]
fn enter_opens_the_finding_on_its_device_and_a_click_selects() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    draw(&mut app, 80, 24)?;
    press(&mut app, &["f"])?;
    // Body row 0 is the heading; row 3 is the third finding (the Dräger model's INV-03).
    crate::tui::screens::findings::click(&mut app, 3);
    crate::tui::screens::findings::click(&mut app, 0);
    crate::tui::screens::findings::click(&mut app, 19);
    press(&mut app, &["enter"])?;
    assert_eq!(app.screen(), Screen::Checklist);
    // A model finding opens on the first unit it is shown on.
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0002".into())
    );
    assert_eq!(selected_control(&app), "INV-03");
    // A site finding (fourth) on the first device of the site.
    press(&mut app, &["esc", "f", "j", "enter"])?;
    assert_eq!(selected_control(&app), "IR-01");
    assert_eq!(
        app.current_device().map(|d| d.short_id()),
        Some("DEV-0001".into())
    );
    Ok(())
}
