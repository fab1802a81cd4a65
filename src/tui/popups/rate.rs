//! Rating a finding: likelihood and impact, each 1–5, with the device-anchored guidance for the
//! value chosen (TEMPLATE.md "Risk Matrix") and the level it gives (NIST SP 800-30 Rev. 1
//! Table I-2). Left and right change the value, up and down switch between the two; Enter saves
//! both (they stop being defaults), Esc leaves them as they were.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use crate::catalog::Control;
use crate::risk::{IMPACT_ANCHORS, LIKELIHOOD_ANCHORS, level, scale_label};
use crate::tui::action::Action;
use crate::tui::answer;
use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::text;
use crate::tui::widgets::message;
use crate::workbook::AnswerInput;

/// The open rating.
#[derive(Debug, Clone)]
pub struct RatePopup {
    /// The control rated (on the checklist's device).
    pub control: &'static Control,
    /// Likelihood 1–5.
    pub likelihood: u8,
    /// Impact 1–5.
    pub impact: u8,
    /// 0: likelihood selected, 1: impact.
    pub row: usize,
}

/// Opens the rating of the selected control when it is a finding (No, Partial, Unknown).
pub fn open(app: &mut App) {
    let Some(control) = app.current_control() else {
        return;
    };
    let stored = answer::stored(app, control);
    let Some(a) = stored.filter(|a| a.confirmed_response().is_some_and(|r| r.is_finding())) else {
        app.info(format!(
            "{}: only a finding (No, Partial, Unknown) is rated; answer it first",
            control.id
        ));
        return;
    };
    app.overlay = Some(Overlay::Rate(RatePopup {
        control,
        likelihood: a.likelihood.unwrap_or(3).clamp(1, 5),
        impact: a.impact.unwrap_or(3).clamp(1, 5),
        row: 0,
    }));
}

/// Acts on the popup.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Rate(p)) = &mut app.overlay else {
        return;
    };
    match action {
        Action::MoveDown | Action::MoveUp => p.row = 1 - p.row.min(1),
        Action::NextValue | Action::PreviousValue => {
            let v = if p.row == 0 {
                &mut p.likelihood
            } else {
                &mut p.impact
            };
            *v = if action == Action::NextValue {
                (*v + 1).min(5)
            } else {
                v.saturating_sub(1).max(1)
            };
        }
        Action::Back => {
            app.overlay = None;
            app.info("Rating not changed");
        }
        Action::Quit => {
            app.overlay = None;
            app.quit = true;
        }
        Action::Submit => {
            let p = p.clone();
            let input = AnswerInput {
                likelihood: Some(p.likelihood),
                impact: Some(p.impact),
                ..AnswerInput::default()
            };
            match answer::commit(app, p.control, &input) {
                Ok(()) => {
                    app.overlay = None;
                    let lv = level(p.likelihood, p.impact);
                    app.info(format!(
                        "{}: likelihood {} × impact {} = {} {}",
                        p.control.id,
                        p.likelihood,
                        p.impact,
                        u16::from(p.likelihood) * u16::from(p.impact),
                        lv.label()
                    ));
                }
                Err(e) => app.error(e.to_string()),
            }
        }
        _ => {}
    }
}

/// Draws the popup.
pub fn render(app: &App, frame: &mut Frame, p: &RatePopup) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(90);
    let cols = usize::from(width.saturating_sub(4)).max(10);
    let lv = level(p.likelihood, p.impact);
    // The guidance goes when the terminal is too low for it; the values and the level stay.
    let guidance = body.height >= 18;
    let mut lines: Vec<Line<'_>> = Vec::new();
    let scale = |v: u8, selected: bool, name: &str| {
        let style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        Line::from(vec![
            Span::styled(if selected { "› " } else { "  " }, style),
            Span::styled(format!("{name:<11}"), style),
            Span::styled(format!("‹ {v} {} ›", scale_label(v)), style),
        ])
    };
    lines.push(scale(p.likelihood, p.row == 0, "Likelihood"));
    if let Some((_, anchor)) = LIKELIHOOD_ANCHORS
        .iter()
        .find(|(l, _)| guidance && *l == p.likelihood)
    {
        for r in text::wrap_words(anchor, cols.saturating_sub(4)) {
            lines.push(Line::styled(format!("    {r}"), theme.dim()));
        }
    }
    if guidance {
        lines.push(Line::raw(""));
    }
    lines.push(scale(p.impact, p.row == 1, "Impact"));
    if let Some((_, safety, phi, ops)) = IMPACT_ANCHORS.iter().find(|a| guidance && a.0 == p.impact)
    {
        for (what, anchor) in [
            ("Patient safety", safety),
            ("PHI / data", phi),
            ("Operations", ops),
        ] {
            let line = format!("{what}: {anchor}");
            for r in text::wrap_words(&line, cols.saturating_sub(4)) {
                lines.push(Line::styled(format!("    {r}"), theme.dim()));
            }
        }
    }
    if guidance {
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(vec![
        Span::raw(format!(
            "  Score {} · level ",
            u16::from(p.likelihood) * u16::from(p.impact)
        )),
        Span::styled(lv.label(), theme.risk(lv)),
        Span::styled("  (NIST SP 800-30 Table I-2)", theme.dim()),
    ]));
    let height = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(
                " Rate {} · {} ",
                p.control.id,
                text::sanitize(&p.control.title)
            ),
            theme.title(),
        ))
        .title_bottom(Line::from(vec![
            Span::styled(" ←→", theme.key()),
            Span::raw(" value  "),
            Span::styled("↑↓", theme.key()),
            Span::raw(" likelihood/impact  "),
            Span::styled("Enter", theme.key()),
            Span::raw(" save "),
        ]));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    message::render(frame, inner, lines, 0, 0, 1);
}
