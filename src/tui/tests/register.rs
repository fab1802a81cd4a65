//! The risk register edited in the TUI: every field of an entry from the Findings screen and
//! from the control screen (checklist and walkthrough), read back from the workbook; Accept
//! never saved without who and why; residual and per-dimension ratings; flags, filters, the
//! details pane; the device list's Risk column and the dashboard kept in step; undo.

use super::risk::{answer, findings_sample, selected_row, with_entries};
use super::*;
use crate::catalog::ImpactDimension;
use crate::risk::register::{Register, dashboard};
use crate::risk::{RiskGrid, RiskLevel, RiskStatus, Treatment};
use crate::tui::popups::rate::RatePopup;
use crate::tui::screens::findings;
use crate::tui::screens::register::{self, Subject};
use crate::workbook::{AnswerInput, RiskEntryInput};

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn day(text: &str) -> Result<chrono::NaiveDate, chrono::ParseError> {
    text.parse()
}

/// The workbook ID of the sample's device `n` (0-based, short-ID order).
fn device_id(app: &App, n: usize) -> Result<i64, Box<dyn std::error::Error>> {
    Ok(app.devices.get(n).ok_or("device")?.id)
}

/// The entry stored for (target, control), read from the workbook.
fn entry(
    app: &App,
    target: &Target,
    control: &str,
) -> Result<crate::workbook::RiskEntry, Box<dyn std::error::Error>> {
    Ok(app
        .workbook()
        .risk_entry(target, control)?
        .ok_or("a stored entry")?)
}

/// The finding of (target, control) as the register shows it now.
fn finding<'a>(
    app: &'a App,
    target: &Target,
    control: &str,
) -> Result<&'a crate::risk::register::Finding<'static>, Box<dyn std::error::Error>> {
    Ok(findings::current(app)
        .list
        .iter()
        .find(|f| f.control.id == control && &f.target == target)
        .ok_or("a finding")?)
}

fn rate_popup(app: &App) -> Result<&RatePopup, Box<dyn std::error::Error>> {
    match &app.overlay {
        Some(Overlay::Rate(p)) => Ok(p),
        other => Err(format!("expected the rating popup, got {other:?}").into()),
    }
}

#[test]
fn every_field_is_edited_from_the_findings_and_committed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, path) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    let net03 = Target::Device(device_id(&app, 2)?);
    // First row: NET-03 on DEV-0003 (L5 × I5). The treatment menu starts on "not decided".
    press(&mut app, &["f", "T"])?;
    insta::assert_snapshot!("treatment_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["k", "k", "k", "k", "enter"])?;
    assert!(app.overlay.is_none());
    // Planned actions on two lines.
    press(&mut app, &["p"])?;
    type_text(&mut app, "Patch to 4.2");
    press(&mut app, &["ctrl-j"])?;
    type_text(&mut app, "Isolate on VLAN 30");
    insta::assert_snapshot!("planned_actions_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter", "o"])?;
    type_text(&mut app, "Biomed");
    press(&mut app, &["enter", "t"])?;
    type_text(&mut app, "2027-01-15");
    press(&mut app, &["enter", "s"])?;
    // Residual: from the inherent L5 × I5 down to L2 × I3.
    press(&mut app, &["R", "h", "h", "h", "j", "h", "h"])?;
    insta::assert_snapshot!("residual_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    assert!(app.overlay.is_none());
    // Acceptance data without accepting (the treatment stays Mitigate).
    press(&mut app, &["a"])?;
    type_text(&mut app, "Dr Ruiz");
    press(&mut app, &["tab"])?;
    type_text(&mut app, "Isolated VLAN");
    press(&mut app, &["tab", "tab"])?;
    type_text(&mut app, "2027-06-30");
    press(&mut app, &["ctrl-s"])?;
    assert!(app.overlay.is_none(), "{:?}", app.message);
    press(&mut app, &["v", "ctrl-u"])?;
    type_text(&mut app, "2028-01-01");
    press(&mut app, &["enter"])?;

    let e = entry(&app, &net03, "NET-03")?;
    assert_eq!(e.treatment, Some(Treatment::Mitigate));
    assert_eq!(e.planned_actions, "Patch to 4.2\nIsolate on VLAN 30");
    assert_eq!(e.owner, "Biomed");
    assert_eq!(
        (e.due_default, e.due_date),
        (false, Some(day("2027-01-15")?))
    );
    assert_eq!(e.status, RiskStatus::InProgress);
    assert_eq!(
        (e.residual_likelihood, e.residual_impact),
        (Some(2), Some(3))
    );
    assert_eq!(e.accepted_by, "Dr Ruiz");
    assert_eq!(e.acceptance_note, "Isolated VLAN");
    assert_eq!(e.accepted_on, Some(today()));
    assert_eq!(e.review_date, Some(day("2028-01-01")?));
    let f = finding(&app, &net03, "NET-03")?;
    assert_eq!(f.residual_level(), Some(RiskLevel::Low));
    let screen = draw(&mut app, 80, 24)?;
    let row = selected_row(&screen);
    assert!(row.contains("VH→L") && row.contains("Mitig."), "{screen}");
    assert!(
        row.contains("2027-01-15 ") && row.contains("In Prog"),
        "{screen}"
    );

    // The due date back to the default by level (shown with *), then none.
    press(&mut app, &["t", "ctrl-u", "enter"])?;
    let e = entry(&app, &net03, "NET-03")?;
    assert!(e.due_default);
    let due = finding(&app, &net03, "NET-03")?.due_date();
    assert_eq!(
        due,
        e.identified_on
            .and_then(|d| RiskLevel::VeryHigh.default_due(d))
    );
    let screen = draw(&mut app, 80, 24)?;
    assert!(selected_row(&screen).contains("TODAY+0014*"), "{screen}");
    press(&mut app, &["t"])?;
    type_text(&mut app, "none");
    press(&mut app, &["enter"])?;
    let e = entry(&app, &net03, "NET-03")?;
    assert_eq!((e.due_default, e.due_date), (false, None));

    // The residual rating cleared.
    press(&mut app, &["R", "x"])?;
    assert!(app.overlay.is_none());
    let e = entry(&app, &net03, "NET-03")?;
    assert_eq!((e.residual_likelihood, e.residual_impact), (None, None));
    press(&mut app, &["q"])?;
    drop(app);
    // What was committed is in the file.
    let wb = Workbook::open(&path, &pass(), Access::Read)?;
    let e = wb.risk_entry(&net03, "NET-03")?.ok_or("stored")?;
    assert_eq!(e.owner, "Biomed");
    assert_eq!(e.review_date, Some(day("2028-01-01")?));
    Ok(())
}

#[test]
fn accept_needs_who_and_why_and_is_never_saved_without() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    let net03 = Target::Device(device_id(&app, 2)?);
    // Accept (second option) on an entry with no acceptance: the form opens instead.
    press(&mut app, &["f", "T", "k", "k", "k", "enter"])?;
    assert!(matches!(app.overlay, Some(Overlay::Acceptance(_))));
    insta::assert_snapshot!("accept_form_80x24", draw(&mut app, 80, 24)?);
    // Cancelled: nothing changed, and the status line says why.
    press(&mut app, &["esc"])?;
    assert!(app.overlay.is_none());
    assert_eq!(entry(&app, &net03, "NET-03")?.treatment, None);
    let message = app.message.clone().ok_or("a message")?;
    assert!(message.text.contains("Accept needs"), "{message:?}");
    // Who without why: refused by the workbook, the form stays open with what was typed.
    press(&mut app, &["T", "k", "k", "k", "enter"])?;
    type_text(&mut app, "Dr Ruiz");
    press(&mut app, &["ctrl-s"])?;
    assert!(matches!(app.overlay, Some(Overlay::Acceptance(_))));
    let message = app.message.clone().ok_or("a message")?;
    assert!(
        message.error && message.text.contains("acceptance note"),
        "{message:?}"
    );
    assert_eq!(entry(&app, &net03, "NET-03")?.treatment, None);
    // A review date that is not a date: refused before the workbook is asked.
    press(&mut app, &["tab"])?;
    type_text(&mut app, "Replacement budgeted for 2027");
    press(&mut app, &["tab", "tab"])?;
    type_text(&mut app, "soon");
    press(&mut app, &["ctrl-s"])?;
    assert!(matches!(app.overlay, Some(Overlay::Acceptance(_))));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("Review date"))
    );
    press(&mut app, &["ctrl-u", "ctrl-s"])?;
    assert!(app.overlay.is_none(), "{:?}", app.message);
    let e = entry(&app, &net03, "NET-03")?;
    assert_eq!(e.treatment, Some(Treatment::Accept));
    assert_eq!(e.accepted_by, "Dr Ruiz");
    assert_eq!(e.acceptance_note, "Replacement budgeted for 2027");
    assert_eq!(e.accepted_on, Some(today()), "defaults to today");
    assert_eq!(e.review_date, None);
    // Accepted: clearing who accepted it is refused, nothing changes.
    press(&mut app, &["a", "ctrl-u", "ctrl-s"])?;
    assert!(matches!(app.overlay, Some(Overlay::Acceptance(_))));
    press(&mut app, &["esc"])?;
    assert_eq!(entry(&app, &net03, "NET-03")?.accepted_by, "Dr Ruiz");
    // Mitigate, then Accept again: who and why are there, so it is set at once.
    press(&mut app, &["T", "k", "enter"])?;
    assert_eq!(
        entry(&app, &net03, "NET-03")?.treatment,
        Some(Treatment::Mitigate)
    );
    press(&mut app, &["T", "j", "enter"])?;
    assert!(app.overlay.is_none());
    assert_eq!(
        entry(&app, &net03, "NET-03")?.treatment,
        Some(Treatment::Accept)
    );
    Ok(())
}

#[test]
fn the_control_screen_edits_the_same_entry() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    let d1 = Target::Device(device_id(&app, 0)?);
    // ENC-01 on DEV-0001, opened on its checklist from the findings.
    press(&mut app, &["f", "j", "enter"])?;
    assert_eq!(app.screen(), Screen::Checklist);
    assert_eq!(selected_control(&app), "ENC-01");
    let screen = draw(&mut app, 160, 48)?;
    assert!(screen.contains(" Risk     R-"), "{screen}");
    // The entry menu: every field with its value.
    press(&mut app, &["E"])?;
    insta::assert_snapshot!("entry_menu_80x24", draw(&mut app, 80, 24)?);
    insta::assert_snapshot!("entry_menu_160x48", draw(&mut app, 160, 48)?);
    press(&mut app, &["j", "j", "j", "enter"])?;
    type_text(&mut app, "Ward 3 manager");
    press(&mut app, &["enter"])?;
    // Status Closed through the status menu.
    press(
        &mut app,
        &["E", "j", "j", "j", "j", "j", "enter", "j", "j", "enter"],
    )?;
    let e = entry(&app, &d1, "ENC-01")?;
    assert_eq!(e.owner, "Ward 3 manager");
    assert_eq!(e.status, RiskStatus::Closed);
    let screen = draw(&mut app, 160, 48)?;
    assert!(
        screen.contains("Closed · treatment not decided · owner Ward 3 manager"),
        "{screen}"
    );
    // Treatment from the menu, on the checklist too.
    press(&mut app, &["E", "j", "enter", "k", "k", "k", "enter"])?;
    assert!(
        matches!(app.overlay, Some(Overlay::Acceptance(_))),
        "Accept asks who and why"
    );
    assert_eq!(entry(&app, &d1, "ENC-01")?.treatment, None);
    press(&mut app, &["esc"])?;
    // A control that is not a finding has no entry: the menu says so and does not open.
    press(&mut app, &["g", "E"])?;
    assert!(app.overlay.is_none());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("risk register")),
        "{:?}",
        app.message
    );

    // In a walkthrough: answer No, step back to it, edit its entry.
    press(&mut app, &["esc", "esc", "home", "w", "enter"])?;
    assert_eq!(app.screen(), Screen::Walk);
    let walked = selected_control(&app);
    assert_eq!(walked, "INV-02", "DEV-0001's first control still open");
    press(&mut app, &["n", "h", "E", "j", "j", "j", "enter"])?;
    type_text(&mut app, "Night shift lead");
    press(&mut app, &["enter"])?;
    assert_eq!(app.screen(), Screen::Walk);
    assert_eq!(entry(&app, &d1, "INV-02")?.owner, "Night shift lead");
    Ok(())
}

#[test]
fn ratings_per_dimension_and_as_one_number() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    let d1 = Target::Device(device_id(&app, 0)?);
    let d3 = Target::Device(device_id(&app, 2)?);
    // VULN-05 on DEV-0001 has default ratings: the dimensions start from the register's.
    press(&mut app, &["f", "G", "r"])?;
    let shown = finding(&app, &d1, "VULN-05")?.dimension_impacts;
    assert!(shown.iter().any(Option::is_some), "{shown:?}");
    assert_eq!(rate_popup(&app)?.dims, shown);
    press(&mut app, &["esc"])?;
    // NET-03 on DEV-0003 was rated L5 × I5 as one number: no dimension is shown.
    press(&mut app, &["g", "r"])?;
    assert_eq!(rate_popup(&app)?.dims, [None; 3]);
    // Likelihood 4; patient safety 4, PHI / data 2, operations not rated.
    press(&mut app, &["h", "j", "l", "l", "l", "l", "j", "l", "l"])?;
    assert_eq!(rate_popup(&app)?.impact_now(), 4);
    insta::assert_snapshot!("rate_dimensions_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    let a = app.workbook().answer(&d3, "NET-03")?.ok_or("stored")?;
    assert_eq!(a.dimension_impacts, [Some(4), Some(2), None]);
    assert_eq!(
        (a.likelihood, a.impact),
        (Some(4), Some(4)),
        "impact = the highest"
    );
    let f = finding(&app, &d3, "NET-03")?;
    assert_eq!(f.level(), Some(RiskLevel::High));
    assert_eq!(f.safety_impact(), 4);
    assert_eq!(f.dimension_impacts[ImpactDimension::Phi.index()], Some(2));
    // The impact as one number again (the cursor stayed on NET-03): the dimensions go.
    press(&mut app, &["r", "k", "l"])?;
    assert_eq!(rate_popup(&app)?.dims, [None; 3]);
    press(&mut app, &["enter"])?;
    let a = app.workbook().answer(&d3, "NET-03")?.ok_or("stored")?;
    assert_eq!((a.impact, a.dimension_impacts), (Some(5), [None; 3]));
    // Back to the devices' default impact: only in the popup until Enter.
    press(&mut app, &["r", "x"])?;
    assert!(rate_popup(&app)?.impact_default);
    let a = app.workbook().answer(&d3, "NET-03")?.ok_or("stored")?;
    assert!(!a.impact_default, "not saved before Enter: {a:?}");
    press(&mut app, &["enter"])?;
    let a = app.workbook().answer(&d3, "NET-03")?.ok_or("stored")?;
    assert!(a.impact_default, "{a:?}");
    Ok(())
}

#[test]
fn the_default_impact_key_keeps_the_other_changes_until_enter_or_esc() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    let d3 = Target::Device(device_id(&app, 2)?);
    // NET-03 on DEV-0003, rated L5 × I5 as one number, is the first finding.
    press(&mut app, &["f", "r"])?;
    assert_eq!(rate_popup(&app)?.likelihood, 5);
    // Likelihood 3, then the impact back to the default: nothing saved, the popup stays open
    // and shows the devices' defaults with the likelihood kept.
    press(&mut app, &["left", "left", "x"])?;
    let p = rate_popup(&app)?;
    assert_eq!(p.likelihood, 3);
    assert_eq!(p.dims, p.default_dims);
    assert!(p.dims.iter().any(Option::is_some), "{p:?}");
    let screen = draw(&mut app, 80, 24)?;
    assert!(screen.contains("the devices' default"), "{screen}");
    let a = app.workbook().answer(&d3, "NET-03")?.ok_or("stored")?;
    assert_eq!(
        (a.likelihood, a.impact),
        (Some(5), Some(5)),
        "not saved yet"
    );
    // Esc leaves everything as it was.
    press(&mut app, &["esc"])?;
    let a = app.workbook().answer(&d3, "NET-03")?.ok_or("stored")?;
    assert_eq!((a.likelihood, a.impact), (Some(5), Some(5)));
    assert!(!a.impact_default);
    // Enter saves both: the edited likelihood and the default impact.
    press(&mut app, &["r", "left", "left", "x"])?;
    let defaults = rate_popup(&app)?.default_dims;
    press(&mut app, &["enter"])?;
    assert!(app.overlay.is_none());
    let a = app.workbook().answer(&d3, "NET-03")?.ok_or("stored")?;
    assert_eq!(a.likelihood, Some(3), "the likelihood edited in the popup");
    assert!(a.impact_default, "{a:?}");
    assert_eq!(finding(&app, &d3, "NET-03")?.dimension_impacts, defaults);
    // After the default impact, a changed impact row is a rating again.
    press(&mut app, &["r", "x", "j", "l"])?;
    assert!(!rate_popup(&app)?.impact_default);
    press(&mut app, &["esc"])?;
    Ok(())
}

#[test]
fn closing_a_finding_updates_the_risk_column_and_undo_restores_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    // DEV-0003: its own NET-03 (Very High) and the site's IR-01 (Moderate).
    let risk = |app: &App| app.progress.get(2).and_then(|p| p.highest_risk);
    assert_eq!(risk(&app), Some(RiskLevel::VeryHigh));
    press(&mut app, &["f", "s", "s"])?;
    assert_eq!(risk(&app), Some(RiskLevel::Moderate));
    // The site finding closed too: DEV-0003 has no open risk left.
    let site = findings::current(&app)
        .list
        .iter()
        .position(|f| f.control.id == "IR-01")
        .ok_or("IR-01")?;
    press(&mut app, &["g"])?;
    for _ in 0..site {
        press(&mut app, &["j"])?;
    }
    press(&mut app, &["s", "s"])?;
    assert_eq!(risk(&app), None);
    press(&mut app, &["esc"])?;
    let screen = draw(&mut app, 160, 48)?;
    let row = screen
        .lines()
        .find(|l| l.contains("DEV-0003"))
        .ok_or("DEV-0003 listed")?;
    assert!(
        !row.contains("Very High") && !row.contains("Moderate"),
        "{screen}"
    );
    // Undo brings the site finding back to Open, and the column with it.
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(risk(&app), Some(RiskLevel::Moderate));
    press(&mut app, &["ctrl-z", "ctrl-z", "ctrl-z"])?;
    assert_eq!(risk(&app), Some(RiskLevel::VeryHigh));
    Ok(())
}

#[test]
fn undo_restores_an_entry_edited_on_the_findings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    let d3 = Target::Device(device_id(&app, 2)?);
    press(&mut app, &["f", "o"])?;
    type_text(&mut app, "Biomed");
    press(&mut app, &["enter", "T", "k", "k", "k", "k", "enter"])?;
    assert_eq!(
        entry(&app, &d3, "NET-03")?.treatment,
        Some(Treatment::Mitigate)
    );
    press(&mut app, &["ctrl-z"])?;
    let e = entry(&app, &d3, "NET-03")?;
    assert_eq!((e.treatment, e.owner.as_str()), (None, "Biomed"));
    let message = app.message.clone().ok_or("a message")?;
    assert!(message.text.contains("treatment"), "{message:?}");
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(entry(&app, &d3, "NET-03")?.owner, "");
    let screen = draw(&mut app, 80, 24)?;
    assert!(!screen.contains("Biomed"), "{screen}");
    press(&mut app, &["ctrl-y"])?;
    assert_eq!(entry(&app, &d3, "NET-03")?.owner, "Biomed");
    Ok(())
}

#[test]
fn flags_filters_and_details_show_what_needs_attention() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    with_entries(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["f"])?;
    let screen = draw(&mut app, 80, 24)?;
    for flag in ["PS! OVD", "EXP", "VH→L", "Accept", "Mitig."] {
        assert!(screen.contains(flag), "{flag}: {screen}");
    }
    let screen = draw(&mut app, 160, 48)?;
    for flag in ["PS! OVERDUE", "EXPIRED"] {
        assert!(screen.contains(flag), "{flag}: {screen}");
    }
    // Open only, then overdue only, then flagged, then all again.
    press(&mut app, &["F"])?;
    assert!(draw(&mut app, 80, 24)?.contains("showing open: 4 of 5"));
    press(&mut app, &["F"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(screen.contains("showing overdue: 1 of 5"), "{screen}");
    assert!(selected_row(&screen).contains("ENC-01"), "{screen}");
    press(&mut app, &["F"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(screen.contains("showing flagged: 2 of 5"), "{screen}");
    // The details at 80×24 on request: the flags in words.
    press(&mut app, &["i"])?;
    insta::assert_snapshot!("findings_details_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["j"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(
        screen.contains("EXPIRED accepted, and its review date has passed"),
        "{screen}"
    );
    press(&mut app, &["F"])?;
    assert!(!draw(&mut app, 80, 24)?.contains("showing"));
    // Closing the only overdue finding empties that filter, which says so and how to leave it.
    press(&mut app, &["F", "F", "s", "s"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(screen.contains("No overdue findings."), "{screen}");
    press(&mut app, &["o"])?;
    assert!(app.overlay.is_none());
    Ok(())
}

#[test]
fn the_dashboard_counts_what_the_export_counts_in_the_workbooks_grid() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    with_entries(&mut wb)?;
    // This workbook rates L4 × I5 Low instead of NIST's Very High.
    let mut grid = RiskGrid::default();
    grid.set(4, 5, RiskLevel::Low);
    wb.set_risk_grid(grid)?;
    let mut app = app(wb)?;
    press(&mut app, &["g"])?;
    let shown = crate::tui::screens::dashboard::dashboard_figures(&app).clone();
    let reg = Register::load(app.workbook())?;
    let export = dashboard(app.outline.catalog, &reg.progress(), &reg.findings, today());
    assert_eq!(
        (shown.open, shown.closed, shown.overdue, shown.unrated),
        (export.open, export.closed, export.overdue, export.unrated)
    );
    assert_eq!((shown.by_level, shown.heat), (export.by_level, export.heat));
    assert_eq!(
        shown.at_level(RiskLevel::Low),
        1,
        "ENC-01 by the workbook's grid"
    );
    let screen = draw(&mut app, 160, 48)?;
    assert!(screen.contains("(this workbook's grid)"), "{screen}");
    assert!(screen.contains("1 expired"), "{screen}");
    assert!(
        screen.contains("1 PS! uncontrolled patient-safety"),
        "{screen}"
    );
    let row4 = screen
        .lines()
        .find(|l| l.contains("4 High ") && l.contains(" VL "))
        .ok_or("the heat map's row L4")?;
    assert!(row4.contains(" L    1 "), "{screen}");
    // The rating popup gives the level of the same grid.
    press(&mut app, &["f", "j", "r"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(
        screen.contains("Score 20 · level Low  (this workbook's grid)"),
        "{screen}"
    );
    Ok(())
}

#[test]
fn the_help_lists_the_register_keys() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    with_entries(&mut wb)?;
    let mut app = app(wb)?;
    press(&mut app, &["f", "?"])?;
    insta::assert_snapshot!("help_findings_80x24", draw(&mut app, 80, 24)?);
    let screen = draw(&mut app, 160, 48)?;
    for desc in [
        "Treatment: Mitigate, Accept…",
        "Planned actions",
        "Owner",
        "Due (* = default by level)",
        "Status: Open, In Prog, Closed",
        "Residual rating",
        "Accept: by whom, why, review",
        "Review date (accepted risks)",
        "Only open, overdue, flagged",
        "Details: show / hide",
        "Menu of every entry field",
    ] {
        assert!(screen.contains(desc), "{desc}: {screen}");
    }
    // The legend: the flags, the default due date's * and the levels.
    for term in [
        "PS!",
        "OVD/OVERDUE",
        "EXP/EXPIRED",
        "date*",
        "VH→L",
        "accepted, and its review date has passed",
        "VL Very Low",
    ] {
        assert!(screen.contains(term), "{term}: {screen}");
    }
    // At 80×24 the legend is at the end of the scroll.
    assert!(draw(&mut app, 80, 24)?.contains("↓ more"));
    press(&mut app, &["G"])?;
    insta::assert_snapshot!("help_findings_legend_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["esc", "d", "?"])?;
    assert!(draw(&mut app, 160, 48)?.contains("EXP/EXPIRED"));
    press(&mut app, &["esc", "esc", "enter", "?"])?;
    let screen = draw(&mut app, 160, 48)?;
    assert!(screen.contains("Risk register entry (menu)"), "{screen}");
    assert!(
        !screen.contains("EXP/EXPIRED"),
        "no legend on the checklist: {screen}"
    );
    Ok(())
}

#[test]
fn a_finding_answered_on_the_checklist_gets_an_entry_at_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let id = wb.devices()?.first().ok_or("device")?.id;
    answer(&mut wb, &Target::Device(id), "INV-02", Response::Yes, None)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter", "n"])?;
    // INV-01 is now a finding: its detail shows the entry and the Risk column has its level.
    press(&mut app, &["k"])?;
    let screen = draw(&mut app, 160, 48)?;
    assert!(screen.contains(" Risk     R-"), "{screen}");
    assert_eq!(
        app.progress.first().and_then(|p| p.highest_risk),
        finding(&app, &Target::Device(id), "INV-01")?.level()
    );
    Ok(())
}

/// What every answer or register-entry change through the app leaves, compared with computing
/// from scratch: the register (every finding, in order, with its entry), its counts, every
/// device's highest open risk, and the dashboard's per-step counts (those of the exported
/// `Summary`, read from the workbook).
fn assert_as_if_computed_again(app: &App, after: &str) -> TestResult {
    let kept = findings::current(app);
    let fresh = findings::compute(app);
    assert_eq!(kept.list.len(), fresh.list.len(), "after {after}");
    for (k, f) in kept.list.iter().zip(&fresh.list) {
        assert_eq!(format!("{k:?}"), format!("{f:?}"), "after {after}");
    }
    assert_eq!(
        (
            kept.open,
            kept.overdue,
            kept.expired,
            kept.uncontrolled_safety
        ),
        (
            fresh.open,
            fresh.overdue,
            fresh.expired,
            fresh.uncontrolled_safety
        ),
        "after {after}"
    );
    let mut progress = app.progress.clone();
    crate::risk::register::fill_highest_risk(&mut progress, &fresh.list);
    assert_eq!(app.progress, progress, "after {after}");
    let steps = app.step_counts.get().ok_or("step counts kept")?;
    assert_eq!(
        steps,
        &crate::export::step_counts(app.workbook())?,
        "after {after}"
    );
    let (_, exported) = crate::export::register_and_step_counts(app.workbook())?;
    assert_eq!(steps, &exported, "after {after}");
    Ok(())
}

#[test]
fn each_change_updates_the_register_and_counts_as_computing_them_again_would() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    with_entries(&mut wb)?;
    // A model and a site with answers but no device.
    answer(
        &mut wb,
        &Target::Model {
            manufacturer: "Gone".into(),
            model: "Model X".into(),
        },
        "INV-03",
        Response::No,
        Some((2, 2)),
    )?;
    answer(
        &mut wb,
        &Target::Site("Closed wing".into()),
        "IR-01",
        Response::Partial,
        None,
    )?;
    let mut app = app(wb)?;
    // The dashboard computes its per-step counts when first shown, then keeps them.
    crate::tui::screens::dashboard::dashboard_figures(&app);
    assert_as_if_computed_again(&app, "opening")?;

    let d = |app: &App, n: usize| device_id(app, n).map(Target::Device);
    let drager = Target::Model {
        manufacturer: "DRÄGER ".into(),
        model: "evita v500".into(),
    };
    let main = Target::Site(" main".into());
    let respond = |r: Option<Response>| AnswerInput {
        response: Some(r),
        ..AnswerInput::default()
    };
    let rated = |r: Response, l: u8, i: u8| AnswerInput {
        response: Some(Some(r)),
        likelihood: Some(l),
        impact: Some(i),
        ..AnswerInput::default()
    };
    let changes: Vec<(&str, Target, &str, AnswerInput)> = vec![
        (
            "a new device finding",
            d(&app, 4)?,
            "ENC-01",
            rated(Response::No, 5, 5),
        ),
        (
            "a finding answered Yes",
            d(&app, 2)?,
            "NET-03",
            respond(Some(Response::Yes)),
        ),
        (
            "a finding rated again",
            d(&app, 0)?,
            "ENC-01",
            rated(Response::No, 1, 1),
        ),
        (
            "a model finding",
            drager.clone(),
            "ENC-04",
            rated(Response::Partial, 4, 4),
        ),
        (
            "a unit overriding it",
            d(&app, 1)?,
            "ENC-04",
            respond(Some(Response::Yes)),
        ),
        (
            "a unit overriding with a finding",
            d(&app, 3)?,
            "INV-03",
            rated(Response::Unknown, 3, 3),
        ),
        ("the override cleared", d(&app, 1)?, "ENC-04", respond(None)),
        (
            "a site finding",
            main.clone(),
            "NET-06",
            respond(Some(Response::No)),
        ),
        ("the site finding cleared", main, "IR-01", respond(None)),
        (
            "a suggestion (not a finding)",
            d(&app, 5)?,
            "ENC-02",
            AnswerInput {
                response: Some(Some(Response::No)),
                suggest: Some("MDS2 (unconfirmed) test".into()),
                ..AnswerInput::default()
            },
        ),
        (
            "N/A with a note",
            d(&app, 0)?,
            "VULN-05",
            AnswerInput {
                response: Some(Some(Response::NotApplicable)),
                note: Some("no network stack".into()),
                ..AnswerInput::default()
            },
        ),
        (
            "an answer-only model",
            Target::Model {
                manufacturer: "gone".into(),
                model: "model x".into(),
            },
            "INV-03",
            respond(None),
        ),
    ];
    for (what, target, control, input) in changes {
        let control = app.workbook().catalog().control(control).ok_or("control")?;
        crate::tui::answer::commit_on(&mut app, &target, control, &input)?;
        assert_as_if_computed_again(&app, what)?;
    }

    // A register entry edited in place, then the answer under it changed.
    let subject = Subject {
        target: d(&app, 4)?,
        control_id: "ENC-01".into(),
        finding: None,
    };
    let input = RiskEntryInput {
        owner: Some("Biomed".into()),
        status: Some(RiskStatus::Closed),
        ..RiskEntryInput::default()
    };
    assert!(register::commit(&mut app, &subject, &input));
    assert_as_if_computed_again(&app, "an entry closed")?;
    let control = app
        .workbook()
        .catalog()
        .control("ENC-01")
        .ok_or("control")?;
    crate::tui::answer::commit_on(
        &mut app,
        &subject.target,
        control,
        &rated(Response::Partial, 2, 3),
    )?;
    assert_as_if_computed_again(&app, "its answer changed")?;
    Ok(())
}

#[test]
fn a_risk_filter_follows_the_answers_given_under_it() -> TestResult {
    use crate::tui::screens::device_list::FilterDim;
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    findings_sample(&mut wb)?;
    let mut app = app(wb)?;
    app.list
        .filters
        .insert(FilterDim::Risk, "Very High".to_string());
    app.list.rebuild(&app.devices, &app.progress);
    let shown = |app: &App| -> Vec<String> {
        app.list
            .view
            .iter()
            .filter_map(|&i| app.devices.get(i))
            .map(|d| d.short_id())
            .collect()
    };
    assert_eq!(shown(&app), ["DEV-0001", "DEV-0003"]);
    // DEV-0005 gets a Very High finding: it joins the list; DEV-0003's goes: it leaves.
    let enc = app
        .workbook()
        .catalog()
        .control("ENC-01")
        .ok_or("control")?;
    let input = AnswerInput {
        response: Some(Some(Response::No)),
        likelihood: Some(5),
        impact: Some(5),
        ..AnswerInput::default()
    };
    let fifth = Target::Device(device_id(&app, 4)?);
    crate::tui::answer::commit_on(&mut app, &fifth, enc, &input)?;
    let net = app
        .workbook()
        .catalog()
        .control("NET-03")
        .ok_or("control")?;
    let yes = AnswerInput {
        response: Some(Some(Response::Yes)),
        ..AnswerInput::default()
    };
    let third = Target::Device(device_id(&app, 2)?);
    crate::tui::answer::commit_on(&mut app, &third, net, &yes)?;
    assert_eq!(shown(&app), ["DEV-0001", "DEV-0005"]);
    Ok(())
}
