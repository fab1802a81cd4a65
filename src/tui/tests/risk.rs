//! Whole-screen tests of the Dashboard and the Findings: a real workbook with findings on a
//! device, a model and a site, drawn at 80×24 and 160×48; owner, due date and status edited
//! from the Findings screen and read back from the file.

use super::*;
use crate::catalog::Control;
use crate::risk::{RiskStatus, Treatment};
use crate::workbook::{Due, RiskEntryInput};

/// The row of the screen under the cursor (`›`).
pub(super) fn selected_row(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.starts_with("\"›"))
        .unwrap_or_default()
}

/// Answers `control` on `target` with a rating (`None` keeps the defaults).
pub(super) fn answer(
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
pub(super) fn findings_sample(wb: &mut Workbook) -> TestResult {
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
/// a due date far ahead; ENC-01 on DEV-0001 overdue, rated patient safety 5 (an uncontrolled
/// patient-safety risk); VULN-05 on DEV-0001 closed; NET-03 on DEV-0003 mitigated with planned
/// actions and a residual rating of Low; IR-01 at site Main accepted, its review date passed
/// (expired).
pub(super) fn with_entries(wb: &mut Workbook) -> TestResult {
    findings_sample(wb)?;
    let d1 = wb.devices()?.first().ok_or("device")?.id;
    let d3 = wb.devices()?.get(2).ok_or("device")?.id;
    let day = |t: &str| t.parse::<chrono::NaiveDate>();
    wb.set_risk_entry(
        &Target::Device(d3),
        "NET-03",
        &RiskEntryInput {
            treatment: Some(Some(Treatment::Mitigate)),
            planned_actions: Some("Block at the firewall\nMove to the device VLAN".into()),
            residual_likelihood: Some(Some(2)),
            residual_impact: Some(Some(3)),
            ..RiskEntryInput::default()
        },
    )?;
    let enc = wb.catalog().control("ENC-01").ok_or("ENC-01")?;
    wb.set_answer(
        &Target::Device(d1),
        enc,
        &AnswerInput {
            dimension_impacts: Some([Some(5), Some(3), None]),
            ..AnswerInput::default()
        },
    )?;
    wb.set_risk_entry(
        &Target::Site("Main".into()),
        "IR-01",
        &RiskEntryInput {
            treatment: Some(Some(Treatment::Accept)),
            accepted_by: Some("Dr Ruiz (CMIO)".into()),
            acceptance_note: Some("Plan rewrite budgeted for 2001".into()),
            accepted_on: Some(Some(day("2000-01-01")?)),
            review_date: Some(Some(day("2001-01-01")?)),
            ..RiskEntryInput::default()
        },
    )?;
    let set = |wb: &mut Workbook, t: &Target, c: &str, owner: &str, due: &str, s: RiskStatus| {
        wb.set_risk_entry(
            t,
            c,
            &RiskEntryInput {
                owner: Some(owner.into()),
                due: Some(due.parse().map_or(Due::None, Due::On)),
                status: Some(s),
                ..RiskEntryInput::default()
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
    // ENC-01 on DEV-0001: overdue, an uncontrolled patient-safety risk.
    press(&mut app, &["f", "j"])?;
    insta::assert_snapshot!("findings_160x48", draw(&mut app, 160, 48)?);
    // The expired acceptance of the site finding in the details.
    press(&mut app, &["j", "j"])?;
    insta::assert_snapshot!("findings_accepted_160x48", draw(&mut app, 160, 48)?);
    Ok(())
}

#[test]
fn every_flag_is_shown_in_full_at_80x24_and_160x48() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    with_entries(&mut wb)?;
    // ENC-01 on DEV-0001 (uncontrolled patient-safety risk, overdue) also accepted with a
    // review date long past, and still open: all three flags at once.
    let d1 = wb.devices()?.first().ok_or("device")?.id;
    wb.set_risk_entry(
        &Target::Device(d1),
        "ENC-01",
        &RiskEntryInput {
            treatment: Some(Some(Treatment::Accept)),
            accepted_by: Some("Dr Ruiz (CMIO)".into()),
            acceptance_note: Some("Replacement ordered".into()),
            review_date: Some(Some("2001-01-01".parse()?)),
            ..RiskEntryInput::default()
        },
    )?;
    let mut app = app(wb)?;
    let row_of = |screen: &str| -> String {
        screen
            .lines()
            .find(|l| l.contains("ENC-01") && l.contains("R-0001"))
            .unwrap_or_default()
            .to_string()
    };
    press(&mut app, &["f"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(row_of(&screen).contains(" PS! OVD EXP"), "{screen}");
    // The header counts the expired acceptances (ENC-01 and IR-01 on site Main).
    assert!(
        screen.contains("4 open · 1 overdue · 2 expired "),
        "{screen}"
    );
    let screen = draw(&mut app, 160, 48)?;
    assert!(row_of(&screen).contains(" PS! OVERDUE EXPIRED"), "{screen}");
    assert!(
        screen.contains("4 open · 1 overdue · 2 expired · 1 PS! · 1 closed "),
        "{screen}"
    );
    // Between the wide table and the long flags, every flag short.
    let screen = draw(&mut app, 140, 40)?;
    assert!(row_of(&screen).contains(" PS! OVD EXP"), "{screen}");
    press(&mut app, &["d"])?;
    assert_eq!(app.screen(), Screen::Dashboard);
    for (w, h) in [(80, 24), (160, 48)] {
        // The top ten may be below the first page at 80×24: scroll to it (at 160×48 all of
        // the page fits and the scroll is ignored).
        let mut found = String::new();
        for _ in 0..4 {
            let screen = draw(&mut app, w, h)?;
            found = row_of(&screen);
            if !found.is_empty() {
                break;
            }
            press(&mut app, &["pgdn"])?;
        }
        assert!(found.contains(" PS! OVD EXP"), "{w}×{h}: {found}");
    }
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
    let row = selected_row(&screen);
    assert!(
        row.contains("INV-03") && row.contains("MODEL Dr"),
        "{screen}"
    );
    assert!(row.contains("2027-03-31  Closed"), "{screen}");
    // Closing with one key says so, with the key that undoes it.
    let notice = screen.lines().nth(22).unwrap_or_default();
    assert!(
        notice.starts_with("\"R-0004 INV-03 closed · Ctrl-z undoes "),
        "{screen}"
    );
    let last_finding = screen.lines().nth(6).unwrap_or_default();
    assert!(last_finding.contains("INV-03"), "{screen}");
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
    // Entries exist (answers record when a finding was identified); none got a due date.
    let entries = wb.risk_entries()?;
    assert!(!entries.is_empty());
    assert!(
        entries
            .iter()
            .all(|(_, _, e)| e.due_default && e.due_date.is_none())
    );
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

/// 10,000 devices in memory (through the workbook it would test SQLCipher, not the screens):
/// 100 models of 100 units, a finding on every device and on every model; the first 5,000
/// devices answered, the rest not started.
fn ten_thousand(app: &mut App) {
    for n in 1..=10_000i64 {
        let mut d = crate::device::Device {
            id: n,
            number: n,
            ..Default::default()
        };
        d.values.insert("name".into(), format!("Pump {n}"));
        d.values.insert("manufacturer".into(), "Acme".into());
        d.values.insert("model".into(), format!("P{}", n % 100));
        if n <= 5_000 {
            app.answers.insert(
                &Target::Device(n),
                crate::assessment::Answer {
                    control_id: "ENC-01".into(),
                    response: Some(Response::No),
                    likelihood: Some(3),
                    impact: Some(u8::try_from(n % 5 + 1).unwrap_or(1)),
                    ..Default::default()
                },
            );
        }
        app.devices.push(d);
    }
    for m in 0..100 {
        let target = Target::Model {
            manufacturer: "Acme".into(),
            model: format!("P{m}"),
        };
        app.answers.insert(
            &target,
            crate::assessment::Answer {
                control_id: "INV-03".into(),
                response: Some(Response::Partial),
                likelihood: Some(2),
                impact: Some(3),
                ..Default::default()
            },
        );
    }
    // Progress as the app keeps it; the model answer starts every device.
    app.progress = app
        .devices
        .iter()
        .map(|d| crate::assessment::progress(app.outline.catalog, &app.answers, d))
        .collect();
    app.list.rebuild(&app.devices, &app.progress);
    // What every change does: the register (and each device's highest risk) computed again.
    app.refresh_risks();
}

#[test]
fn ten_thousand_devices_are_counted_once_per_change_not_per_frame() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (wb, _) = workbook(dir.path())?;
    let mut app = app(wb)?;
    ten_thousand(&mut app);
    press(&mut app, &["g"])?;
    let screen = draw(&mut app, 160, 48)?;
    assert!(screen.contains("10000 devices"), "{screen}");
    assert!(screen.contains("5100 open risks"), "{screen}");
    assert_eq!(heat_total(&app), 5_100);
    // Drawn again without a change: the figures are not computed again. An answer slipped in
    // behind the app's back is not seen until the register is computed again (as every change
    // through the app does).
    app.answers.insert(
        &Target::Device(10_000),
        crate::assessment::Answer {
            control_id: "ENC-01".into(),
            response: Some(Response::No),
            likelihood: Some(5),
            impact: Some(5),
            ..Default::default()
        },
    );
    let start = std::time::Instant::now();
    for _ in 0..10 {
        draw(&mut app, 160, 48)?;
        press(&mut app, &["j"])?;
    }
    let ten_frames = start.elapsed();
    assert_eq!(heat_total(&app), 5_100);
    // Once per change (an answer, a register edit, an undo): the whole register and every
    // device's highest risk, linear in devices and answers (about 50 ms in a debug build here).
    let start = std::time::Instant::now();
    app.refresh_risks();
    let refresh = start.elapsed();
    assert!(refresh.as_millis() < 1_000, "{refresh:?}");
    assert_eq!(heat_total(&app), 5_101);
    // Generous (a debug build on a shared machine); computing per frame would be far slower.
    assert!(ten_frames.as_millis() < 1_000, "{ten_frames:?}");

    press(&mut app, &["f", "G"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(screen.contains("5101 open"), "{screen}");
    // Each model finding once, shown on its 100 units.
    let models: Vec<usize> = crate::tui::screens::findings::current(&app)
        .list
        .iter()
        .filter(|f| matches!(f.target, Target::Model { .. }))
        .map(|f| f.covers)
        .collect();
    assert_eq!(models.len(), 100);
    assert!(models.iter().all(|&c| c == 100), "{models:?}");
    // The last row: the lowest score, then the highest device number.
    let row = selected_row(&screen);
    assert!(row.contains(" VL ") && row.contains("DEV-5000"), "{screen}");
    Ok(())
}

#[test]
fn devices_not_started_lists_the_first_few_and_counts_the_rest() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (wb, _) = workbook(dir.path())?;
    let mut app = app(wb)?;
    for n in 1..=40i64 {
        app.devices.push(crate::device::Device {
            id: n,
            number: n,
            ..Default::default()
        });
        app.progress.push(crate::assessment::progress(
            app.outline.catalog,
            &app.answers,
            app.devices.last().ok_or("device")?,
        ));
    }
    press(&mut app, &["g", "pgdn", "pgdn"])?;
    let screen = draw(&mut app, 80, 24)?;
    assert!(
        screen.contains("Devices not started · 40 of 40"),
        "{screen}"
    );
    assert!(screen.contains("DEV-0001  DEV-0002"), "{screen}");
    assert!(screen.contains(" more"), "{screen}");
    assert!(!screen.contains("DEV-0040"), "{screen}");
    Ok(())
}

#[test]
fn no_color_dashboard_and_findings_use_no_colour() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    with_entries(&mut wb)?;
    let mut app = app(wb)?;
    for keys in [["g"], ["f"]] {
        press(&mut app, &keys)?;
        app.set_size(160, 48);
        let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
        terminal.draw(|frame| render(&app, frame))?;
        for cell in terminal.backend().buffer().content() {
            assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
            assert_eq!(cell.bg, ratatui::style::Color::Reset, "{cell:?}");
        }
    }
    Ok(())
}
