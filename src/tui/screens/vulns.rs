//! Step 2 on the Checklist: the vulnerability findings of the selected device, shown in the
//! detail of `VULN-01` (every finding) and `VULN-02` (the KEV-listed ones) with their CVE,
//! confidence, reason, state, KEV flag and feed dates (feeds older than 30 days and matches no
//! feed supports any more are flagged); and the menus that confirm a finding, dismiss it (a
//! reason is asked for in the note popup) or put it back to Suggested, each one undo step.

use ratatui::text::Line;

use super::checklist::key_name;
use super::detail::field;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, SaveState};
use crate::tui::popups::menu::{Choice, Item, Menu};
use crate::tui::popups::note::{NoteEditor, Purpose};
use crate::tui::text;
use crate::workbook::{FindingState, VulnFinding, format_finding_id};

/// The device's SBOM in the detail of INV-03 ("SBOM on file"): format, subject, component count,
/// file and import date; a line saying how to import one when there is none.
pub fn sbom_line(
    app: &App,
    lines: &mut Vec<Line<'static>>,
    device_id: i64,
    control_id: &str,
    cols: usize,
) {
    if control_id != "INV-03" {
        return;
    }
    let theme = app.theme;
    match app.workbook.sbom(device_id) {
        Ok(Some(s)) => {
            let with_version = s
                .sbom
                .components
                .iter()
                .filter(|c| !c.version.trim().is_empty())
                .count();
            let text = format!(
                "{} {} of {}: {} components ({} with a version) · {} · imported {}",
                s.sbom.format,
                s.sbom.spec_version,
                format!("{} {}", s.sbom.subject, s.sbom.subject_version).trim(),
                s.sbom.components.len(),
                with_version,
                s.file_name,
                s.imported_at.get(..10).unwrap_or(&s.imported_at)
            );
            field(
                app,
                lines,
                "SBOM",
                &text,
                ratatui::style::Style::new(),
                cols,
            );
        }
        Ok(None) => field(
            app,
            lines,
            "SBOM",
            "none imported (medsec import sbom FILE --device ID)",
            theme.dim(),
            cols,
        ),
        Err(e) => field(app, lines, "SBOM", &e.to_string(), theme.error(), cols),
    }
}

/// Whether the control shows vulnerability findings.
pub fn shows_findings(control_id: &str) -> bool {
    matches!(control_id, "VULN-01" | "VULN-02")
}

/// The findings of `device_id` the control shows: every one on `VULN-01`, the KEV-listed ones
/// on `VULN-02`. A workbook error reads as none (the status line says it when acted on).
fn shown(app: &App, device_id: i64, control_id: &str) -> Vec<VulnFinding> {
    app.workbook
        .vuln_findings_of(device_id)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| control_id != "VULN-02" || f.kev_listed())
        .collect()
}

/// One finding in one line: `F-0001 CVE-2017-0144 · KEV · High · Suggested · model + version
/// in range · ICSMA-20-254-01 of 2020-09-10 · OLD FEED`.
fn summary(f: &VulnFinding, today: chrono::NaiveDate) -> String {
    let mut parts = vec![format!("{} {}", f.finding_id(), f.subject())];
    if f.kev_listed() {
        parts.push("KEV".to_string());
    }
    parts.push(f.found.confidence.label().to_string());
    parts.push(f.state.label().to_string());
    if !f.note.is_empty() {
        parts.push(format!("“{}”", f.note));
    }
    parts.push(f.found.reason.clone());
    let dates = f.feed_dates();
    if !dates.is_empty() {
        parts.push(dates);
    }
    if f.feed_is_old(today) {
        parts.push("OLD FEED (over 30 days)".to_string());
    }
    if f.stale_since.is_some() {
        parts.push("no longer matched".to_string());
    }
    parts.join(" · ")
}

/// Adds the device's findings to the detail of `VULN-01` / `VULN-02`.
pub fn lines(
    app: &App,
    lines: &mut Vec<Line<'static>>,
    device_id: i64,
    control_id: &str,
    cols: usize,
) {
    if !shows_findings(control_id) {
        return;
    }
    let today = super::findings::current(app).today;
    let list = shown(app, device_id, control_id);
    let theme = app.theme;
    if list.is_empty() {
        let what = if control_id == "VULN-02" {
            "no KEV-listed finding"
        } else {
            "none matched (import feeds and SBOMs: medsec import feed)"
        };
        field(app, lines, "CVEs", what, theme.dim(), cols);
        return;
    }
    for (i, f) in list.iter().enumerate() {
        let style = match f.state {
            FindingState::Confirmed => theme.error(),
            FindingState::Dismissed => theme.dim(),
            FindingState::Suggested => theme.suggestion(),
        };
        let label = if i == 0 { "CVEs" } else { "" };
        field(app, lines, label, &summary(f, today), style, cols);
    }
    let hint = format!(
        "{} to confirm or dismiss",
        key_name(app, &Action::VulnFindings)
    );
    field(app, lines, "", &hint, theme.dim(), cols);
}

/// Opens the menu of the selected device's findings (on `VULN-01` / `VULN-02`).
pub fn choose(app: &mut App) {
    let (Some(device), Some(control)) = (app.current_device(), app.current_control()) else {
        return;
    };
    if !shows_findings(&control.id) {
        app.info("Vulnerability findings are on VULN-01 (all) and VULN-02 (KEV-listed)");
        return;
    }
    let list = match app.workbook.vuln_findings() {
        Ok(l) => l
            .into_iter()
            .filter(|f| f.device_id == device.id)
            .filter(|f| control.id != "VULN-02" || f.kev_listed())
            .collect::<Vec<_>>(),
        Err(e) => {
            app.error(e.to_string());
            return;
        }
    };
    if list.is_empty() {
        app.info(format!(
            "{}: no vulnerability findings on {}",
            control.id,
            device.short_id()
        ));
        return;
    }
    let title = format!("Vulnerability findings · {}", device.short_id());
    let items = list
        .iter()
        .map(|f| Item {
            label: format!("{} {} · {}", f.finding_id(), f.subject(), f.state.label()),
            choice: Choice::VulnFinding { id: f.id },
        })
        .collect();
    app.overlay = Some(Overlay::Menu(Menu {
        title,
        items,
        selected: 0,
    }));
}

/// Opens the decision menu of one finding: Confirm, Dismiss…, Back to suggested.
pub fn decide_menu(app: &mut App, id: i64) {
    let label = format_finding_id(id);
    let items = [
        (
            "Confirm (enters the risk register)",
            FindingState::Confirmed,
        ),
        ("Dismiss… (asks why)", FindingState::Dismissed),
        ("Back to suggested", FindingState::Suggested),
    ]
    .into_iter()
    .map(|(text, state)| Item {
        label: text.to_string(),
        choice: Choice::FindingState { id, state },
    })
    .collect();
    app.overlay = Some(Overlay::Menu(Menu {
        title: format!("{label}: decide"),
        items,
        selected: 0,
    }));
}

/// Sets the state of a finding (dismissing opens the note popup for the reason first).
pub fn set_state(app: &mut App, id: i64, state: FindingState) {
    if state == FindingState::Dismissed {
        let editor = NoteEditor::with(Purpose::DismissFinding { id }, String::new());
        app.overlay = Some(Overlay::Note(editor));
        return;
    }
    commit(app, id, state, None);
}

/// Stores a decision; `true` when saved. The register and the dashboard follow.
pub fn commit(app: &mut App, id: i64, state: FindingState, note: Option<&str>) -> bool {
    match app.workbook.set_finding_state(&[id], state, note) {
        Ok(stored) => {
            app.save = SaveState::Saved;
            app.refresh_risks();
            let what = stored
                .first()
                .map(|f| format!("{} {}", f.finding_id(), f.subject()))
                .unwrap_or_else(|| format_finding_id(id));
            let tail = match state {
                FindingState::Confirmed => " · in the risk register",
                _ => "",
            };
            app.info(format!(
                "{}: {}{tail}",
                text::sanitize(&what),
                state.label()
            ));
            true
        }
        Err(e) => {
            app.error(e.to_string());
            false
        }
    }
}
