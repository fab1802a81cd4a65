//! The Checklist's detail pane (and the walkthrough's body): the selected control's question,
//! the evidence to look for, the answer (and where it is stored), the rating, the finding's
//! risk register entry (Risk ID, status, treatment, owner, due date, residual, flags), on
//! VULN-01 / VULN-02 the device's vulnerability findings, the note and the evidence attached.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::checklist::key_name;
use crate::assessment::{Answer, Origin, Response, Target};
use crate::catalog::Scope;
use crate::tui::action::Action;
use crate::tui::answer;
use crate::tui::app::App;
use crate::tui::text;

/// Label column width.
pub(super) const LABEL: usize = 9;

/// Adds a labelled field, word-wrapped to `cols` with the rows after the first indented under
/// the text (the label column stays clear).
pub(super) fn field(
    app: &App,
    lines: &mut Vec<Line<'static>>,
    name: &str,
    value: &str,
    style: ratatui::style::Style,
    cols: usize,
) {
    for (i, row) in text::wrap_words(&text::sanitize(value), cols)
        .into_iter()
        .enumerate()
    {
        let label = if i == 0 { name } else { "" };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<LABEL$}"), app.theme.dim()),
            Span::styled(row, style),
        ]));
    }
}

/// Where the answer shown is stored, in words.
fn stored_where(target: &Target, scope: Scope, origin: Origin) -> String {
    match (target, origin) {
        (
            Target::Model {
                manufacturer,
                model,
            },
            _,
        ) => {
            format!("model answer: every {manufacturer} {model}")
        }
        (Target::Site(s), _) if s.trim().is_empty() => "site answer: every device".to_string(),
        (Target::Site(s), _) => format!("site answer: every device at {s}"),
        (Target::Device(_), Origin::DeviceOverride) => {
            "this device only (overrides its model's answer)".to_string()
        }
        (Target::Device(_), _) if scope == Scope::Model => {
            "this device only (no manufacturer + model to share it)".to_string()
        }
        (Target::Device(_), _) => "this device".to_string(),
    }
}

fn rating(a: &Answer, grid: &crate::risk::RiskGrid) -> Option<String> {
    let (l, i) = (a.likelihood?, a.impact?);
    let level = a.level(grid).map(|l| l.label()).unwrap_or("");
    let mut s = format!(
        "likelihood {l} × impact {i} = {} {level}",
        u16::from(l) * u16::from(i)
    );
    match (a.likelihood_default, a.impact_default) {
        (true, true) => s.push_str(" (defaults)"),
        (true, false) => s.push_str(" (default likelihood)"),
        (false, true) => s.push_str(" (default impact)"),
        (false, false) => {}
    }
    Some(s)
}

/// The lines of the selected control's detail, `width` columns wide: question, evidence to
/// look for, the answer and where it applies, deferral, rating, note, attachments, MDS2
/// questions and references. `spacing` puts blank lines between groups; `heading` starts with the control's
/// ID and title.
pub fn lines(app: &App, width: usize, spacing: bool, heading: bool) -> Vec<Line<'static>> {
    let (Some(device), Some(control)) = (app.current_device(), app.current_control()) else {
        return Vec::new();
    };
    let theme = app.theme;
    let beside = spacing;
    let cols = width.saturating_sub(LABEL).max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if heading {
        let heading = format!("{} · {}", control.id, text::sanitize(&control.title));
        for row in text::wrap_words(&heading, width) {
            lines.push(Line::styled(row, theme.title()));
        }
        lines.push(Line::raw(""));
    }
    let plain = ratatui::style::Style::new();
    field(app, &mut lines, "Question", &control.question, plain, cols);
    field(app, &mut lines, "Look for", &control.evidence, plain, cols);
    if beside {
        lines.push(Line::raw(""));
    }

    let eff = answer::effective(app, device, control);
    let target = answer::write_target(app, device, control);
    let (shown, style) = match eff.answer {
        Some(a) if a.suggested.is_some() => (
            format!(
                "{}? suggested by {} · {} to confirm",
                a.response.map(Response::label).unwrap_or("—"),
                a.suggested.as_deref().unwrap_or(""),
                key_name(app, &Action::Confirm)
            ),
            theme.suggestion(),
        ),
        Some(a) if a.response.is_some() => (
            a.response.map(Response::label).unwrap_or("").to_string(),
            theme.response(a.response),
        ),
        _ => ("not assessed".to_string(), theme.dim()),
    };
    field(app, &mut lines, "Answer", &shown, style, cols);
    let where_ = stored_where(&target, control.scope, eff.origin);
    field(app, &mut lines, "Applies", &where_, theme.dim(), cols);

    if let Some(a) = eff.answer {
        if !a.deferral_reason.trim().is_empty() {
            let until = a
                .deferred_until
                .map(|d| format!("until {d}: "))
                .unwrap_or_default();
            let text = format!("{until}{}", a.deferral_reason);
            field(app, &mut lines, "Deferred", &text, plain, cols);
        }
        if a.response.is_some_and(Response::is_finding)
            && let Some(r) = rating(a, &app.workbook.risk_grid())
        {
            let f = super::register::finding_on_control(app);
            // The impact per dimension when the assessor rated them (defaults say "defaults").
            let dims = f
                .filter(|_| !a.impact_default)
                .and_then(super::finding::dimensions_short);
            let r = match dims {
                Some(d) => format!("{r} · {d}"),
                None => r,
            };
            let r = if a.likelihood_default || a.impact_default {
                format!("{r} · {} to rate", key_name(app, &Action::Rate))
            } else {
                r
            };
            field(app, &mut lines, "Rating", &r, plain, cols);
            if let Some(f) = f {
                // The register entry: Risk ID, status, treatment, owner, due, residual, flags.
                let today = super::findings::current(app).today;
                let entry = format!(
                    "{} · {} to edit",
                    super::finding::entry_summary(f, today),
                    key_name(app, &Action::RiskEntry)
                );
                let style = if super::finding::flags(f, today).is_empty() {
                    plain
                } else {
                    theme.error()
                };
                field(app, &mut lines, "Risk", &entry, style, cols);
            }
        }
    }

    // VULN-01 / VULN-02: the device's vulnerability findings, before the note.
    super::vulns::lines(app, &mut lines, device.id, &control.id, cols);
    // INV-03 (SBOM on file): the device's SBOM, if one was imported.
    super::vulns::sbom_line(app, &mut lines, device.id, &control.id, cols);

    let note = eff.answer.map(|a| a.note.trim()).unwrap_or("");
    if note.is_empty() {
        let hint = format!("none · {} to add one", key_name(app, &Action::EditNote));
        field(app, &mut lines, "Note", &hint, theme.dim(), cols);
    } else {
        let clean = text::sanitize_multiline(note);
        for (i, part) in clean.split('\n').enumerate() {
            field(
                app,
                &mut lines,
                if i == 0 { "Note" } else { "" },
                part,
                plain,
                cols,
            );
        }
    }

    super::evidence::lines(app, &mut lines, device, control, cols);

    if beside {
        lines.push(Line::raw(""));
    }
    let join = |v: &[String]| v.join(", ");
    if !control.mds2.is_empty() {
        mds2_lines(app, &mut lines, device, control, cols);
    }
    let mut refs = vec![format!("CSF {}", join(&control.csf))];
    if !control.iec80001.is_empty() {
        refs.push(format!("IEC 80001-2-2 {}", join(&control.iec80001)));
    }
    if !control.hicp.is_empty() {
        refs.push(format!("HICP {}", join(&control.hicp)));
    }
    field(
        app,
        &mut lines,
        "Refs",
        &refs.join(" · "),
        theme.dim(),
        cols,
    );

    lines
}

/// The MDS2 lines of a control: the questions it cites, then the manufacturer's claim for them
/// from the device's own imported MDS2 or its model's (`STCF-1=No; STCF-1.1=N/A`, the document
/// named), or whether an MDS2 is on file at all when none was imported.
fn mds2_lines(
    app: &App,
    lines: &mut Vec<Line<'static>>,
    device: &crate::device::Device,
    control: &crate::catalog::Control,
    cols: usize,
) {
    let theme = &app.theme;
    let refs = control.mds2.join(", ");
    match crate::workbook::mds2_for(&app.mds2, device) {
        Some(doc) => {
            field(app, lines, "MDS2", &refs, theme.dim(), cols);
            let claim = doc.claim(&control.mds2);
            let whose = if doc.target == Target::Device(device.id) {
                "this device's"
            } else {
                "its model's"
            };
            let text = if claim.is_empty() {
                format!("none of these in {whose} MDS2 {}", doc.title())
            } else {
                format!(
                    "{claim} · {whose} MDS2 {} (manufacturer's claim, verify on site)",
                    doc.title()
                )
            };
            field(app, lines, "Claim", &text, theme.suggestion(), cols);
        }
        None => {
            let on_file = device.get("mds2_available");
            let mut text = refs;
            if on_file.eq_ignore_ascii_case("yes") {
                let about = [device.get("mds2_version"), device.get("mds2_document_id")]
                    .into_iter()
                    .filter(|v| !v.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                if about.is_empty() {
                    text.push_str(" · an MDS2 is on file, not imported (medsec import mds2)");
                } else {
                    text.push_str(&format!(
                        " · an MDS2 is on file ({about}), not imported (medsec import mds2)"
                    ));
                }
            } else if on_file.eq_ignore_ascii_case("no") {
                text.push_str(" · no MDS2 on file for this device");
            }
            field(app, lines, "MDS2", &text, theme.dim(), cols);
        }
    }
}

/// Draws the detail pane: below the list with a rule carrying the control's ID and title, or
/// beside it with a rule on its left.
pub fn render(app: &App, frame: &mut Frame, area: Rect, beside: bool) {
    let (Some(_), Some(control)) = (app.current_device(), app.current_control()) else {
        return;
    };
    let theme = app.theme;
    let heading = format!("{} · {}", control.id, text::sanitize(&control.title));
    let block = if beside {
        Block::new()
            .borders(Borders::LEFT)
            .border_style(theme.border())
    } else {
        Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border())
            .title(Span::styled(format!(" {heading} "), theme.title()))
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = Rect {
        x: inner.x + 1.min(inner.width),
        width: inner.width.saturating_sub(1),
        ..inner
    };

    let lines = lines(app, usize::from(inner.width), beside, beside);
    frame.render_widget(Paragraph::new(Text::from(lines)), inner);
}
