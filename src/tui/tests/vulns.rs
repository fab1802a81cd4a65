//! Step 2 in the TUI: the device's vulnerability findings on VULN-01 and VULN-02 (with their
//! feed dates and flags), confirmed and dismissed from the control screen with the keymap's keys
//! (dismissing asks why), and a confirmed one among the risks of the Findings screen; undo.

use super::*;
use crate::risk::register::Register;
use crate::tui::screens::findings;
use crate::vuln::matching::{Confidence, Match, MatchSource};
use crate::vuln::{Component, CvssScore, FeedKind, FixStatus, KevEntry};
use crate::workbook::FindingState;

fn found(
    cve: &str,
    component: Option<(&str, &str)>,
    kev: bool,
) -> Result<Match, chrono::ParseError> {
    Ok(Match {
        cve: cve.into(),
        component: component.map(|(n, v)| Component {
            name: n.into(),
            version: v.into(),
            ..Component::default()
        }),
        confidence: if kev {
            Confidence::Medium
        } else {
            Confidence::High
        },
        reason: "model + version in range (<= 2.4)".into(),
        sources: vec![MatchSource {
            kind: FeedKind::Csaf,
            name: "ICSMA-20-254-01".into(),
            feed_date: "2020-09-10".parse()?,
        }],
        advisories: vec!["ICSMA-20-254-01".into()],
        scores: vec![CvssScore {
            version: "3.1".into(),
            vector: "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N".into(),
            base_score: 6.5,
            severity: "MEDIUM".into(),
            source: "advisory".into(),
        }],
        fix: FixStatus::FixValidated,
        kev: kev.then(|| KevEntry {
            cve: cve.into(),
            ..KevEntry::default()
        }),
        title: "Improper input validation".into(),
    })
}

/// The sample with two findings on DEV-0001 (one KEV-listed, in an SBOM component), the app
/// on DEV-0001's checklist at `control`.
fn on_control(dir: &Path, control: &str) -> Result<App, Box<dyn std::error::Error>> {
    let (mut wb, _) = workbook(dir)?;
    sample(&mut wb)?;
    let first = wb.devices()?.first().ok_or("a device")?.id;
    wb.record_matches(
        first,
        &[
            found("CVE-2020-16214", None, false)?,
            found("CVE-2017-0144", Some(("SMBv1", "6.1")), true)?,
        ],
        chrono::Utc::now(),
    )?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    app.control_cursor.selected = app
        .outline
        .controls
        .iter()
        .position(|c| c.id == control)
        .ok_or("control")?;
    Ok(app)
}

fn state(app: &App, id: i64) -> Result<FindingState, Box<dyn std::error::Error>> {
    Ok(app.workbook().vuln_finding(id)?.ok_or("finding")?.state)
}

#[test]
fn vuln_01_shows_the_findings_with_their_feeds_80x24_and_160x48() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut app = on_control(dir.path(), "VULN-01")?;
    let wide = draw(&mut app, 160, 48)?;
    assert!(
        wide.contains("F-0001 CVE-2020-16214 · High · Suggested"),
        "{wide}"
    );
    assert!(
        wide.contains("F-0002 CVE-2017-0144 in SMBv1 6.1 · KEV · Medium"),
        "{wide}"
    );
    assert!(
        wide.contains("ICSMA-20-254-01 of 2020-09-10 · OLD FEED"),
        "{wide}"
    );
    assert!(wide.contains("V to confirm or dismiss"), "{wide}");
    insta::assert_snapshot!("vuln_01_160x48", wide);
    insta::assert_snapshot!("vuln_01_80x24", draw(&mut app, 80, 24)?);
    // VULN-02 shows the KEV-listed one only.
    app.control_cursor.selected += 1;
    let kev = draw(&mut app, 160, 48)?;
    assert!(kev.contains("F-0002") && !kev.contains("F-0001"), "{kev}");
    Ok(())
}

#[test]
fn confirm_from_the_control_screen_puts_it_among_the_risks_and_undo_takes_it_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut app = on_control(dir.path(), "VULN-01")?;
    // V: the device's findings by CVE; Enter on the first (F-0002, CVE-2017-0144, KEV-listed),
    // Enter on Confirm.
    press(&mut app, &["V"])?;
    insta::assert_snapshot!("vuln_menu_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter", "enter"])?;
    assert!(app.overlay.is_none());
    assert_eq!(state(&app, 2)?, FindingState::Confirmed);
    let reg = Register::load(app.workbook())?;
    let f = reg
        .findings
        .iter()
        .find(|f| f.vulnerability.is_some())
        .ok_or("a vulnerability risk")?;
    assert_eq!(
        (f.source().as_str(), f.control.id.as_str()),
        ("F-0002", "VULN-02")
    );
    assert_eq!(
        (f.likelihood, f.impact),
        (Some(5), Some(3)),
        "KEV-listed; the device's default impact"
    );
    // The Findings screen lists it among the risks.
    let list = &findings::current(&app).list;
    assert!(list.iter().any(|f| f.source() == "F-0002"));
    press(&mut app, &["esc", "f"])?;
    let screen = draw(&mut app, 160, 48)?;
    assert!(screen.contains("CVE-2017-0144"), "{screen}");
    insta::assert_snapshot!("vuln_findings_screen_160x48", screen);
    // Undo: back to Suggested, out of the register.
    press(&mut app, &["ctrl-z"])?;
    assert_eq!(state(&app, 2)?, FindingState::Suggested);
    assert!(
        findings::current(&app)
            .list
            .iter()
            .all(|f| f.vulnerability.is_none())
    );
    Ok(())
}

#[test]
fn dismissing_asks_why_and_an_empty_reason_saves_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut app = on_control(dir.path(), "VULN-02")?;
    // VULN-02 lists F-0002 only; the second option is Dismiss…
    press(&mut app, &["V", "enter", "j", "enter"])?;
    assert!(matches!(app.overlay, Some(Overlay::Note(_))));
    insta::assert_snapshot!("vuln_dismiss_80x24", draw(&mut app, 80, 24)?);
    press(&mut app, &["enter"])?;
    assert!(
        matches!(app.overlay, Some(Overlay::Note(_))),
        "still asking"
    );
    assert_eq!(state(&app, 2)?, FindingState::Suggested);
    for c in "SMBv1 disabled".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    press(&mut app, &["enter"])?;
    assert!(app.overlay.is_none());
    let f = app.workbook().vuln_finding(2)?.ok_or("finding")?;
    assert_eq!(
        (f.state, f.note.as_str()),
        (FindingState::Dismissed, "SMBv1 disabled")
    );
    // V elsewhere says where findings are.
    app.control_cursor.selected = 0;
    press(&mut app, &["V"])?;
    assert!(app.overlay.is_none());
    Ok(())
}

#[test]
fn inv_03_shows_the_devices_sbom() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut wb, _) = workbook(dir.path())?;
    sample(&mut wb)?;
    let first = wb.devices()?.first().ok_or("a device")?.id;
    let file = crate::vuln::sbom::read_file(Path::new(
        "../shared/corpus/sbom/sbom-completeness-case-study-narrow.cdx14.json",
    ))?;
    wb.import_sbom(first, &file)?;
    let mut app = app(wb)?;
    press(&mut app, &["enter"])?;
    let at = |app: &App, id: &str| app.outline.controls.iter().position(|c| c.id == id);
    app.control_cursor.selected = at(&app, "INV-03").ok_or("INV-03")?;
    let wide = draw(&mut app, 160, 48)?;
    assert!(
        wide.contains("SBOM     CycloneDX 1.4 of REDACTED: 55 components"),
        "{wide}"
    );
    // Another device has none, and says how to import one.
    press(&mut app, &["]"])?;
    let other = draw(&mut app, 160, 48)?;
    assert!(other.contains("SBOM     none imported"), "{other}");
    Ok(())
}
