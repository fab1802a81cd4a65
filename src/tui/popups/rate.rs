//! Rating a finding (TEMPLATE.md "Risk Matrix"): likelihood 1–5 with the device-anchored
//! guidance for the value chosen, impact per dimension (patient safety, PHI / data, clinical
//! operations; 1–5 each or not rated) with the guidance for each, or as one number; the impact
//! is the highest dimension, and the score and level are those of the workbook's grid (NIST SP
//! 800-30 Rev. 1 Table I-2 unless edited). The dimensions start from what the register shows:
//! the assessor's, else the devices' defaults on the dimensions the control affects.
//!
//! The same popup rates the residual risk of a register entry (likelihood × impact after
//! treatment, one number each), which can also be cleared.
//!
//! Left and right change the value, up and down move between rows; the clear key puts the
//! devices' default impact in the popup (a residual rating: clears it at once); Enter saves
//! everything shown (one commit, one undo step), Esc leaves the rating as it was.

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use crate::assessment::Target;
use crate::catalog::{Control, ImpactDimension};
use crate::risk::{IMPACT_ANCHORS, LIKELIHOOD_ANCHORS, default_dimension_impacts, scale_label};
use crate::tui::action::Action;
use crate::tui::answer;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::Context;
use crate::tui::layout;
use crate::tui::screens::register::{self, Subject};
use crate::tui::screens::{finding, findings};
use crate::tui::text;
use crate::tui::widgets::message;
use crate::workbook::{AnswerInput, RiskEntryInput};

/// What is rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The finding's rating, stored on its answer.
    Inherent,
    /// What is left after treatment, stored on its register entry.
    Residual,
}

/// The open rating.
#[derive(Debug, Clone)]
pub struct RatePopup {
    /// Inherent or residual.
    pub kind: Kind,
    /// The finding.
    pub subject: Subject,
    /// Its control.
    pub control: &'static Control,
    /// Likelihood 1–5.
    pub likelihood: u8,
    /// Impact 1–5 as one number (used while no dimension is rated).
    pub impact: u8,
    /// Impact per dimension, 1–5 or not rated (inherent only): patient safety, PHI / data,
    /// clinical operations.
    pub dims: [Option<u8>; 3],
    /// The dimensions the control affects (CATALOG.md), same order.
    pub affects: [bool; 3],
    /// The selected row: likelihood, then (inherent) the three dimensions, then impact.
    pub row: usize,
    /// The inherent rating in words, shown above a residual one.
    pub inherent: Option<String>,
    /// The devices' default impact per dimension (inherent only), shown after the clear key.
    pub default_dims: [Option<u8>; 3],
    /// The impact goes back to the devices' default on Enter (the clear key was pressed and
    /// no impact row changed since).
    pub impact_default: bool,
}

impl RatePopup {
    fn rows(&self) -> usize {
        match self.kind {
            Kind::Inherent => 5,
            Kind::Residual => 2,
        }
    }

    /// The row of the impact as one number.
    fn impact_row(&self) -> usize {
        self.rows() - 1
    }

    /// The impact in force: the highest rated dimension, else the one number.
    pub fn impact_now(&self) -> u8 {
        self.dims
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(self.impact)
    }
}

/// From the checklist or the walkthrough: rates the selected control when its answer is a
/// finding (No, Partial, Unknown, confirmed).
pub fn open(app: &mut App) {
    let Some(subject) = register::on_control(app) else {
        return;
    };
    if register::find(app, &subject).is_none() {
        app.info(format!(
            "{}: only a finding (No, Partial, Unknown) is rated; answer it first",
            subject.control_id
        ));
        return;
    }
    open_inherent(app, subject);
}

/// Opens the rating of a finding, filled with its likelihood and the impact per dimension as
/// the register shows it (or its one-number impact).
pub fn open_inherent(app: &mut App, subject: Subject) {
    let Some(f) = register::find(app, &subject) else {
        return;
    };
    let mut affects = [false; 3];
    for d in f.affects {
        affects[d.index()] = true;
    }
    let popup = RatePopup {
        kind: Kind::Inherent,
        control: f.control,
        likelihood: f.likelihood.unwrap_or(3).clamp(1, 5),
        impact: f.impact.unwrap_or(3).clamp(1, 5),
        dims: f.dimension_impacts.map(|d| d.map(|v| v.clamp(1, 5))),
        affects,
        row: 0,
        inherent: None,
        default_dims: default_dims(app, &subject.target, f.affects),
        impact_default: false,
        subject,
    };
    app.overlay = Some(Overlay::Rate(popup));
}

/// Opens the residual rating of a finding's register entry, filled with the residual rating,
/// else the inherent one.
pub fn open_residual(app: &mut App, subject: Subject) {
    let Some(f) = register::find(app, &subject) else {
        return;
    };
    let e = &f.entry;
    let popup = RatePopup {
        kind: Kind::Residual,
        control: f.control,
        likelihood: e
            .residual_likelihood
            .or(f.likelihood)
            .unwrap_or(3)
            .clamp(1, 5),
        impact: e.residual_impact.or(f.impact).unwrap_or(3).clamp(1, 5),
        dims: [None; 3],
        affects: [false; 3],
        row: 0,
        inherent: finding::rating_words(f, false),
        default_dims: [None; 3],
        impact_default: false,
        subject,
    };
    app.overlay = Some(Overlay::Rate(popup));
}

/// The default impact per dimension of a finding on `target` (PRODUCT.md "Answers,
/// suggestions and deferral"): on each dimension the control affects, the highest default of
/// the devices the target covers (a device, every device of a model or of a site), as the
/// register shows it while the impact is the default; `None` on the others.
fn default_dims(app: &App, target: &Target, affects: &[ImpactDimension]) -> [Option<u8>; 3] {
    default_dimension_impacts(app.devices.iter().filter(|d| target.covers(d)), affects)
}

/// One step up or down on 1–5.
fn step(v: u8, up: bool) -> u8 {
    if up {
        (v + 1).min(5)
    } else {
        v.saturating_sub(1).max(1)
    }
}

/// Acts on the popup.
pub fn update(app: &mut App, action: Action) {
    let Some(Overlay::Rate(p)) = &mut app.overlay else {
        return;
    };
    let rows = p.rows();
    match action {
        Action::MoveDown => p.row = (p.row + 1) % rows,
        Action::MoveUp => p.row = (p.row + rows - 1) % rows,
        Action::NextValue | Action::PreviousValue => {
            let up = action == Action::NextValue;
            if p.row != 0 {
                p.impact_default = false;
            }
            match p.row {
                0 => p.likelihood = step(p.likelihood, up),
                r if r == p.impact_row() => {
                    if p.dims.iter().any(Option::is_some) {
                        p.impact = step(p.impact_now(), up);
                        p.dims = [None; 3];
                        app.info("Impact as one number: the three dimensions are cleared");
                    } else {
                        p.impact = step(p.impact, up);
                    }
                }
                r => {
                    // A dimension: not rated below 1.
                    if let Some(d) = p.dims.get_mut(r - 1) {
                        *d = match (*d, up) {
                            (None, true) => Some(1),
                            (None, false) | (Some(1), false) => None,
                            (Some(v), up) => Some(step(v, up)),
                        };
                    }
                }
            }
        }
        Action::Back => {
            app.overlay = None;
            app.info("Rating not changed");
        }
        Action::Quit => {
            app.overlay = None;
            app.quit = true;
        }
        Action::ClearRating if p.kind == Kind::Inherent => {
            // Only in the popup: Enter saves it with the rest, Esc leaves everything.
            p.dims = p.default_dims;
            p.impact = p.default_dims.iter().flatten().max().copied().unwrap_or(3);
            p.impact_default = true;
            let enter = app.keymap.key_label(Context::Rate, &Action::Submit);
            app.info(format!(
                "Impact back to the devices' default: {enter} saves, with the rest"
            ));
        }
        Action::ClearRating => {
            let p = p.clone();
            clear_residual(app, &p);
        }
        Action::Submit => {
            let p = p.clone();
            submit(app, &p);
        }
        _ => {}
    }
}

/// Clears a residual rating (saved at once: there is nothing else to keep in the popup).
fn clear_residual(app: &mut App, p: &RatePopup) {
    let input = RiskEntryInput {
        residual_likelihood: Some(None),
        residual_impact: Some(None),
        ..RiskEntryInput::default()
    };
    if register::commit(app, &p.subject, &input) {
        app.overlay = None;
    }
}

fn submit(app: &mut App, p: &RatePopup) {
    let level = app.workbook.risk_grid().level(p.likelihood, p.impact_now());
    let words = format!(
        "likelihood {} × impact {} = {} {}",
        p.likelihood,
        p.impact_now(),
        u16::from(p.likelihood) * u16::from(p.impact_now()),
        level.label()
    );
    match p.kind {
        Kind::Residual => {
            let input = RiskEntryInput {
                residual_likelihood: Some(Some(p.likelihood)),
                residual_impact: Some(Some(p.impact)),
                ..RiskEntryInput::default()
            };
            if register::commit(app, &p.subject, &input) {
                app.overlay = None;
            }
        }
        Kind::Inherent if p.subject.finding.is_some() => {
            // A vulnerability finding keeps its own rating (one impact number).
            let id = p.subject.finding.unwrap_or_default();
            let impact = (!p.impact_default).then(|| p.impact_now());
            match app.workbook.rate_finding(id, Some(p.likelihood), impact) {
                Ok(_) => {
                    app.overlay = None;
                    app.save = crate::tui::app::SaveState::Saved;
                    app.refresh_risks();
                    findings::follow(app, &p.subject);
                    app.info(format!(
                        "{}: {words}",
                        crate::workbook::format_finding_id(id)
                    ));
                }
                Err(e) => app.error(e.to_string()),
            }
        }
        Kind::Inherent => {
            let rated_dims = p.dims.iter().any(Option::is_some);
            let input = if p.impact_default {
                // No dimension rated by the assessor: the workbook puts the default back.
                AnswerInput {
                    likelihood: Some(p.likelihood),
                    dimension_impacts: Some([None; 3]),
                    ..AnswerInput::default()
                }
            } else {
                AnswerInput {
                    likelihood: Some(p.likelihood),
                    impact: (!rated_dims).then_some(p.impact),
                    dimension_impacts: rated_dims.then_some(p.dims),
                    ..AnswerInput::default()
                }
            };
            match answer::commit_on(app, &p.subject.target, p.control, &input) {
                Ok(()) => {
                    app.overlay = None;
                    // On Findings the rated finding may move; the cursor goes with it.
                    findings::follow(app, &p.subject);
                    let default = if p.impact_default {
                        " (impact: the devices' default)"
                    } else {
                        ""
                    };
                    app.info(format!("{}: {words}{default}", p.control.id));
                }
                Err(e) => app.error(e.to_string()),
            }
        }
    }
}

/// Names of the dimension rows, same order as [`ImpactDimension::ALL`].
const DIMENSIONS: [&str; 3] = ["Patient safety", "PHI / data", "Operations"];

/// Width of the row names.
const NAME: usize = 16;

/// Draws the popup.
pub fn render(app: &App, frame: &mut Frame, p: &RatePopup) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(90);
    let cols = usize::from(width.saturating_sub(4)).max(10);
    let grid = app.workbook.risk_grid();
    let impact = p.impact_now();
    let lv = grid.level(p.likelihood, impact);
    // The guidance goes when the terminal is too low for it; the values and the level stay.
    let guidance = body.height >= 18;
    let guide = |lines: &mut Vec<Line<'static>>, what: &str| {
        if guidance {
            for r in text::wrap_words(what, cols.saturating_sub(4)) {
                lines.push(Line::styled(format!("    {r}"), theme.dim()));
            }
        }
    };
    let row = |name: &str, value: String, selected: bool| -> Line<'static> {
        let style = if selected {
            theme.selected()
        } else {
            Style::default()
        };
        Line::from(vec![
            Span::styled(if selected { "› " } else { "  " }, style),
            Span::styled(format!("{name:<NAME$}"), style),
            Span::styled(format!("‹ {value} ›"), style),
        ])
    };
    let value = |v: u8| format!("{v} {}", scale_label(v));
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(inherent) = &p.inherent {
        lines.push(Line::from(vec![
            Span::raw(format!("  {:<NAME$}", "Inherent")),
            Span::raw(inherent.clone()),
        ]));
        lines.push(Line::raw(""));
    }
    lines.push(row("Likelihood", value(p.likelihood), p.row == 0));
    if let Some((_, anchor)) = LIKELIHOOD_ANCHORS.iter().find(|(l, _)| *l == p.likelihood) {
        guide(&mut lines, anchor);
    }
    if guidance {
        lines.push(Line::raw(""));
    }
    let anchors = IMPACT_ANCHORS.iter().find(|a| a.0 == impact);
    match p.kind {
        Kind::Inherent => {
            for d in ImpactDimension::ALL {
                let i = d.index();
                let shown = p.dims[i].map(value).unwrap_or("– not rated".into());
                lines.push(row(DIMENSIONS[i], shown, p.row == i + 1));
                let about = match p.dims[i].and_then(|v| IMPACT_ANCHORS.iter().find(|a| a.0 == v)) {
                    Some((_, safety, phi, ops)) => [*safety, *phi, *ops][i].to_string(),
                    None if p.affects[i] => "not rated: → rates it".to_string(),
                    None => "this control does not affect it".to_string(),
                };
                guide(&mut lines, &about);
            }
            let (shown, why) = if p.impact_default {
                (value(impact), "  the devices' default")
            } else if p.dims.iter().any(Option::is_some) {
                (value(impact), "  the highest dimension")
            } else {
                (value(impact), "  one number for all dimensions")
            };
            let mut line = row("Impact", shown, p.row == p.impact_row());
            line.spans.push(Span::styled(why, theme.dim()));
            lines.push(line);
        }
        Kind::Residual => {
            lines.push(row("Impact", value(p.impact), p.row == 1));
            if let Some((_, safety, phi, ops)) = anchors {
                for (what, anchor) in [
                    ("Patient safety", safety),
                    ("PHI / data", phi),
                    ("Operations", ops),
                ] {
                    guide(&mut lines, &format!("{what}: {anchor}"));
                }
            }
        }
    }
    if guidance {
        lines.push(Line::raw(""));
    }
    let grid_name = if grid.is_nist() {
        "NIST SP 800-30 Table I-2"
    } else {
        "this workbook's grid"
    };
    let mut result = vec![
        Span::raw(format!(
            "  Score {} · level ",
            u16::from(p.likelihood) * u16::from(impact)
        )),
        Span::styled(lv.label(), theme.risk(lv)),
        Span::styled(format!("  ({grid_name})"), theme.dim()),
    ];
    if p.kind == Kind::Residual && lv <= crate::risk::RiskLevel::Low {
        result.push(Span::styled(" · controlled", theme.dim()));
    }
    lines.push(Line::from(result));
    let height = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX);
    let popup = layout::popup(body, width, height);
    let title = match p.kind {
        Kind::Inherent => format!(
            " Rate {} · {} ",
            p.control.id,
            text::sanitize(&p.control.title)
        ),
        Kind::Residual => format!(
            " Residual risk {} · {} ",
            p.control.id,
            text::sanitize(&p.control.title)
        ),
    };
    let mut bottom = vec![
        Span::styled(" ←→", theme.key()),
        Span::raw(" value  "),
        Span::styled("↑↓", theme.key()),
        Span::raw(" row  "),
        Span::styled("Enter", theme.key()),
        Span::raw(" save "),
    ];
    let clear = app.keymap.key_label(Context::Rate, &Action::ClearRating);
    bottom.push(Span::styled(format!(" {clear}"), theme.key()));
    bottom.push(Span::raw(match p.kind {
        Kind::Residual => " clear ",
        Kind::Inherent => " default impact ",
    }));
    let esc = app.keymap.key_label(Context::Rate, &Action::Back);
    bottom.push(Span::styled(format!(" {esc}"), theme.key()));
    bottom.push(Span::raw(" cancel "));
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(title, theme.title()))
        .title_bottom(Line::from(bottom));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    message::render(frame, inner, lines, 0, 0, 1);
}
